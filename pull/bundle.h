/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The bundle writer: a temporary sibling directory that becomes BUNDLE atomically.
 *
 *	struct bundle *b;
 *	r = bundle_create_tmp(&b, "/srv/web", force, err); // "/srv/.web.tmp-XXXXXX", 0700
 *	int rootfs = bundle_rootfs_fd(b);                  // unpack layers here
 *	r = bundle_write_config(b, &image, &presets, err); // config.json from image config
 *	r = bundle_commit(b, err);                         // rename into place
 *	bundle_free(b);            // removes the temporary directory unless committed
 *
 * Without @force an existing BUNDLE is refused (-EEXIST) up front and again at commit
 * (renameat2 RENAME_NOREPLACE).  With @force an existing BUNDLE is swapped out with
 * renameat2(RENAME_EXCHANGE) and the old tree removed afterwards, so BUNDLE always names
 * either the old or the new bundle; one a container runs from is refused (-EBUSY, see
 * bundle_create_tmp()).  The temporary directory is registered so that bundle_abort_all()
 * (called from main on SIGINT/SIGTERM after the pull loop noticed unpack_interrupted) can
 * remove it.
 */

#include <stdbool.h>
#include <stddef.h>

#include "runner/lib/log.h"

struct bundle;

/* Information about the image written into config.json annotations. */
struct bundle_image {
	const char *config_json; /* the image config blob (application/vnd.oci.image.config...) */
	size_t config_len;
	const char *config_digest;   /* "sha256:..", may be NULL */
	const char *manifest_digest; /* "sha256:..", the image digest; may be NULL */
	const char *ref_name;	     /* tag or reference as given ("alpine:3.19"), may be NULL */
	const char *source;	     /* "docker-archive:/x.tar", "docker://host/repo:tag" */
};

/* What the user pre-sets on the command line; every field optional. */
struct bundle_presets {
	const char *name;     /* org.rtr.name annotation; default hostname */
	const char *hostname; /* default: name, else the bundle's base name */
	char **env;	      /* "K=V" added after the image's Env (same key replaces) */
	char **mounts;	      /* "SRC:DST[:ro]" bind mounts */
	const char *workdir;  /* overrides WorkingDir */
	const char *user;     /* overrides User ("uid[:gid]" or names) */
	char **entrypoint;    /* overrides Entrypoint (then Cmd is dropped unless cmd set) */
	char **cmd;	      /* overrides Cmd */
};

/* With @force, an existing BUNDLE a container runs from is refused (-EBUSY) here and again
 * at commit, under the bundle lock (runner/lib/lockfile.h) held across the exchange and
 * the removal of the old tree: a running container's files are never removed. */
int bundle_create_tmp(struct bundle **ret, const char *path, bool force, struct rtr_err *err);
/* The bundle lock (runner/lib/lockfile.h: rtr-run holds it shared while a container runs
 * from the bundle), taken exclusive without waiting on the directory @dfd/@name, @path in
 * messages, into *@ret_fd.  -EBUSY while a container runs from it: the lock is held, or
 * `rtr-run ps` would show it (an rtr-run older than the lock), naming the container where
 * it can and saying @hint.  None, or one this user cannot open (EACCES), is not lockable:
 * 0 and *@ret_fd = -1. */
int bundle_lock(int dfd, const char *name, const char *path, const char *hint, int *ret_fd,
		struct rtr_err *err);
/* bundle_commit() flushes the filesystem (syncfs) before the rename unless told not to. */
void bundle_set_sync(struct bundle *b, bool sync);
int bundle_rootfs_fd(const struct bundle *b);
/* Directory fd of the temporary bundle itself. */
int bundle_dir_fd(const struct bundle *b);
const char *bundle_tmp_path(const struct bundle *b);

/* A store bundle (pull/store.h): rootfs/ stays empty, upper/ and work/ are made beside it,
 * config.json names @store and the layers @diff_ids (annotations org.rtr.rootfs.store and
 * org.rtr.rootfs.layers), and users and groups are resolved in the layer directories
 * @layer_fds (base first; borrowed until bundle_write_config()). */
int bundle_set_store(struct bundle *b, const char *store, char *const *diff_ids,
		     const int *layer_fds, size_t n, struct rtr_err *err);
int bundle_write_config(struct bundle *b, const struct bundle_image *img,
			const struct bundle_presets *p, struct rtr_err *err);
int bundle_commit(struct bundle *b, struct rtr_err *err);
/* The image digest recorded in an existing BUNDLE/config.json (--check, --update). */
int bundle_read_image_digest(const char *bundle, char **ret, struct rtr_err *err);
/* Remove the temporary directory now (idempotent; bundle_free() does it too). */
void bundle_abort(struct bundle *b);
void bundle_free(struct bundle *b);
static inline void bundle_freep(struct bundle **b)
{
	bundle_free(*b);
}
#define _cleanup_bundle_ __attribute__((cleanup(bundle_freep)))
