/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Content-addressed blob cache: DIR/blobs/sha256/<hex>.
 *
 * A blob is written to <hex>.partial while it streams (the same bytes go to the layer
 * pipeline, nothing is read twice), and only after its digest verified is it fsync'ed and
 * renamed to <hex> (then the directory is fsync'ed).  A kill -9 at any point leaves at
 * most a .partial, which is never taken as a blob and is overwritten by the next pull.
 * Two pulls of one blob at a time: the second finds the .partial locked and streams
 * without caching.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/lib/log.h"

struct cache;

/* Opens (creating) the cache at @dir.  */
int cache_open(const char *dir, struct cache **ret, struct rtr_err *e);
void cache_close(struct cache *c);

/* Opens the cached blob @digest read-only (O_CLOEXEC); -ENOENT when not cached. */
int cache_open_blob(struct cache *c, const char *digest, uint64_t *ret_size);
/* Removes the cached blob @digest (it no longer verifies): the next pull fetches it. */
void cache_drop_blob(struct cache *c, const char *digest);

struct cache_writer {
	struct cache *c;
	int fd;
	char *hex;
	uint64_t written;
};

/* Starts writing @digest; -EBUSY when another process is writing it. */
int cache_writer_begin(struct cache *c, const char *digest, struct cache_writer *ret,
		       struct rtr_err *e);
int cache_writer_feed(struct cache_writer *w, const void *buf, size_t len, struct rtr_err *e);
/* Call only after the digest was verified: fsync, rename into place, fsync the dir. */
int cache_writer_commit(struct cache_writer *w, struct rtr_err *e);
/* Drops the .partial (on a digest mismatch or any error). */
void cache_writer_abort(struct cache_writer *w);
