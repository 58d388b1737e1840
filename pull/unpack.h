/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Applying tar entries to a rootfs, safely.
 *
 * Every path is resolved relative to the rootfs directory fd by runner/lib/inroot.c (openat2
 * RESOLVE_IN_ROOT, or the O_NOFOLLOW walk on kernels before 5.6 or with RTR_COMPAT=no-openat2):
 * ".." and absolute symlinks are clamped to the root, so no entry can reach outside it.
 * Only an entry's parent directory is resolved; its last component is never followed.
 *
 * Layer semantics (OCI image spec, "Applying changesets"): ".wh.NAME" removes NAME,
 * ".wh..wh..opq" empties its directory of what earlier layers put there (flat bundles),
 * or, with overlay_whiteouts (one layer of the store, pull/store.h), they are written in
 * overlayfs form instead: NAME becomes a 0/0 character device and the directory gets
 * trusted.overlay.opaque "y", so the layers can be stacked as they are; an entry
 * replaces what is at its path (a directory over a directory is kept and its metadata
 * updated); hardlinks only to regular files already inside the rootfs; device nodes and
 * FIFOs' cousins (char/block) only with allow_devices, else skipped with a warning.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner/lib/log.h"

struct unpack_opts {
	bool allow_devices;
	/* Whiteouts in overlayfs form (a store layer), not applied (a flat rootfs). */
	bool overlay_whiteouts;
	/* A store layer: the layers below it (base first).  A hard link to a file only a
	 * lower layer has copies that file up into this layer first, as overlayfs would. */
	const int *lower_fds;
	size_t n_lower;
	uint64_t max_bytes;   /* unpacked file content, across layers; 0 = config.h default */
	uint64_t max_entries; /* tar entries, across layers; 0 = config.h default */
	/* --userns-shift: added to the uid and gid of every entry and of the rootfs itself,
	 * so a user namespace mapping 0 to it owns the image; 0 = none. */
	uint32_t id_shift;
	/* Non-fatal events ("skipping device node dev/sda"); NULL ignores them. */
	void (*warn)(void *userdata, const char *msg);
	void *userdata;
	/* Counters, updated as entries are applied (read them for progress). */
	uint64_t bytes;
	uint64_t entries;
	uint64_t warnings;
};

/* A tar entry as the tar reader hands it over (pull/tar.h fills it). */
enum unpack_type {
	UNPACK_REG,
	UNPACK_DIR,
	UNPACK_SYMLINK,
	UNPACK_HARDLINK,
	UNPACK_CHAR,
	UNPACK_BLOCK,
	UNPACK_FIFO,
};

struct unpack_xattr {
	char *name;
	char *value;
	size_t len;
};

struct unpack_entry {
	enum unpack_type type;
	char *path;	/* as in the archive, not yet cleaned */
	char *linkname; /* symlink target / hardlink source path */
	mode_t mode;	/* permission bits incl. setuid/setgid/sticky */
	uid_t uid;
	gid_t gid;
	int64_t mtime;
	uint32_t mtime_nsec;
	uint64_t size; /* content bytes of a regular file */
	dev_t rdev;
	struct unpack_xattr *xattrs;
	size_t n_xattrs;
};

/* Set by the SIGINT/SIGTERM handler installed with unpack_signals_install(); checked by
 * layer_feed() and unpack_*, which then fail with -EINTR so the caller cleans up. */
extern volatile sig_atomic_t unpack_interrupted;
/* Install SIGINT/SIGTERM/SIGHUP handlers that set unpack_interrupted (no SA_RESTART, so
 * blocking reads return EINTR). */
int unpack_signals_install(void);

struct unpack;

int unpack_new(struct unpack **ret, int rootfs_fd, struct unpack_opts *opts);
void unpack_free(struct unpack *u);

/* Begin applying @e.  For a regular file with size > 0, unpack_data() follows with
 * exactly e->size bytes in any chunking, then unpack_finish(). Other types need only
 * unpack_finish() (which may be called right away).  An entry that must be skipped
 * (device without allow_devices, whiteout-only effect) swallows its data silently. */
int unpack_begin(struct unpack *u, const struct unpack_entry *e, struct rtr_err *err);
int unpack_data(struct unpack *u, const void *buf, size_t len, struct rtr_err *err);
int unpack_finish(struct unpack *u, struct rtr_err *err);
/* After the last entry of a layer: apply deferred directory times. */
int unpack_end_layer(struct unpack *u, struct rtr_err *err);

/* Remove @name below @dirfd recursively without following symlinks; absent is fine. */
int unpack_rm_rf_at(int dirfd, const char *name);

/* open(2) of @path inside the root with @flags (symlinks followed, inside the root; add
 * O_NOFOLLOW for the last component); the bundle writer reads the image's /etc/passwd. */
int unpack_open_in_root(int rootfs_fd, const char *path, int flags, struct rtr_err *err);
/* The same in a stack of store layers (@layer_fds base first), as overlayfs would show
 * it: the file of the topmost layer that has @path, unless a layer above whites it out
 * (a 0/0 character device at the path or an ancestor) or makes an ancestor opaque.
 * Symlinks are followed within one layer only.  -ENOENT when no layer shows it. */
int unpack_open_in_layers(const int *layer_fds, size_t n, const char *path, int flags,
			  struct rtr_err *err);
