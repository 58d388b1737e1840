/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The layer store: each layer unpacked once, shared by every bundle made from it.
 *
 *   STORE/layers/<hex>/        one layer (<hex>: the sha256 hex of its diff_id), whiteouts
 *                              in overlayfs form; made in STORE/layers/.tmp-<hex>-<pid>
 *                              and renamed into place, never written after that
 *   STORE/locks/<hex>.lock     the layer's lock
 *   STORE/refs/<sha256 hex of a bundle's absolute path>   "PATH\n": a bundle that uses
 *                              the store; its config.json says which layers
 *
 * A store bundle is config.json, an empty rootfs/ (rtr-run mounts the overlay there),
 * upper/ and work/, with the annotations "org.rtr.rootfs.store" (this directory) and
 * "org.rtr.rootfs.layers" (the diff_ids, base first).
 *
 * No database: what a bundle uses is read from its config.json through its ref, so a
 * bundle removed with rm -rf, or re-pulled flat, makes its ref stale by itself.
 *
 * Locks, all on STORE/locks/<hex>.lock:
 *  - flock(LOCK_SH): the layer is in use.  A pull holds it from before it looks for the
 *    layer until its bundle and ref are in place; rtr-run holds it while a container of
 *    a bundle that names the layer runs (runner/inuse.h), ref or not;
 *  - flock(LOCK_EX | LOCK_NB): gc, to remove the layer; refused while anyone uses it;
 *  - an OFD write lock on byte 0 (F_OFD_SETLKW): the one pull that unpacks a missing
 *    layer.  Another pull of it waits there and then finds the layer made.  A separate
 *    lock, because converting a flock is not atomic (gc could slip in between).
 * Only gc waits on nothing and only creation waits on the OFD lock (whose holder waits
 * on no other lock), so no order of layers between images can deadlock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pull/bundle.h"
#include "pull/unpack.h"
#include "runner/lib/log.h"

/* The annotations of a store bundle. */
#define STORE_ANNOTATION_STORE "org.rtr.rootfs.store"
#define STORE_ANNOTATION_LAYERS "org.rtr.rootfs.layers"

struct store;

/* Opens the store at @dir, creating its directories (0700) when missing. */
int store_open(const char *dir, struct store **ret, struct rtr_err *e);
/* Releases every lock the store holds and drops an unfinished layer. */
void store_close(struct store *s);
static inline void store_closep(struct store **s)
{
	store_close(*s);
}
#define _cleanup_store_ __attribute__((cleanup(store_closep)))
/* The store's absolute path, as the annotation names it. */
const char *store_path(const struct store *s);

/* Whether the store has the layer @diff_id now (a hint: store_get_layers() decides, under
 * the layer's lock). */
bool store_has_layer(struct store *s, const char *diff_id);

/* Unpacks layer @i of the image into @dir_fd, an empty directory. */
typedef int (*store_fill_fn)(void *ud, size_t i, int dir_fd, struct rtr_err *e);

/*
 * Every layer of an image (@diff_ids, base first, @n of them) in the store: a layer already
 * there is used as it is (nothing fetched), a missing one is made by @fill and committed.
 * @uo, the options @fill unpacks with, is set for a store layer (overlayfs whiteouts, the
 * layers below for copy-up).  All stay in use (LOCK_SH) until store_close().  Returns the
 * number of layers made.
 */
int store_get_layers(struct store *s, char *const *diff_ids, size_t n, struct unpack_opts *uo,
		     bool sync, store_fill_fn fill, void *ud, struct rtr_err *e);

/*
 * Finishes a store bundle @b from the layers store_get_layers() took: upper/, work/,
 * config.json with the store annotations (users resolved in the layers), its ref, and
 * the rename into place.
 */
int store_bundle_commit(struct store *s, struct bundle *b, const char *bundle_path,
			const struct bundle_image *img, const struct bundle_presets *p,
			struct rtr_err *e);

/* `rtr-pull ls`: images, layers, sizes and the bundles using them, on @out. */
int store_list(struct store *s, bool json, FILE *out, struct rtr_err *e);
/* `rtr-pull gc`: removes stale refs and the layers no bundle uses; reports on @out. */
int store_gc(struct store *s, bool json, FILE *out, struct rtr_err *e);
/* `rtr-pull rm BUNDLE`: removes a store bundle and its ref (its layers stay for gc), under
 * the bundle lock (runner/lib/lockfile.h).  -EBUSY while an rtr-run holds the bundle,
 * unless @force. */
int store_rm_bundle(const char *bundle, bool force, bool json, FILE *out, struct rtr_err *e);
