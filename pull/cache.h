/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Content-addressed blob cache: DIR/blobs/sha256/<hex>.
 *
 * A blob is written to <hex>.partial while it downloads, and only after its digest
 * verified is it fsync'ed and renamed to <hex> (then the directory is fsync'ed).  A kill -9
 * or a dropped connection leaves a .partial, which is never taken as a blob: the next pull
 * continues it from its end (HTTP Range) and verifies the digest over the whole blob; a
 * mismatch removes it.  Two pulls of one blob at a time: the second finds the .partial
 * locked and downloads without caching.
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

/* Starts writing @digest: with @resume after what a .partial already holds (->written),
 * else from empty.  The fd is O_RDWR: the bytes can be read back while it grows.
 * -EBUSY when another process is writing it. */
int cache_writer_begin(struct cache *c, const char *digest, bool resume, struct cache_writer *ret,
		       struct rtr_err *e);
/* Stops writing and keeps the .partial for the next pull to continue. */
void cache_writer_release(struct cache_writer *w);
int cache_writer_feed(struct cache_writer *w, const void *buf, size_t len, struct rtr_err *e);
/* Call only after the digest was verified: fsync, rename into place, fsync the dir. */
int cache_writer_commit(struct cache_writer *w, struct rtr_err *e);
/* Drops the .partial (on a digest mismatch or any error). */
void cache_writer_abort(struct cache_writer *w);
