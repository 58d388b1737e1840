/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Parallel layer downloads for a registry pull: RTR_PULL_PARALLEL_DOWNLOADS threads fetch
 * the layers, in order, each into a file (the cache's .partial, or an unnamed scratch file
 * in the temporary bundle with --no-cache, a busy .partial or a full cache), while the main
 * thread reads layer i back from that file as it grows and unpacks it: unpacking stays in
 * order and overlaps every download, and memory does not grow with the image.
 *
 *	fetch_start(&f, &cfg, layers, n, e);      // threads start
 *	for i: fetch_read(f, i, off, buf, len, e) // blocks until bytes are there; 0 = end
 *	       fetch_finish(f, i, ok)             // commit to the cache, or drop a bad blob
 *	fetch_free(f);                            // stops and joins; keeps .partial files
 *
 * The download threads hash what they write; a .partial left by an earlier run is hashed
 * from the file first and then continued from its end (Range), so the digest always
 * covers the whole blob, and the reader, which only inflates and unpacks, gets the
 * result with the end of the blob (fetch_digest()).  A write to the cache that
 * fails for lack of room moves the blob to a scratch file and turns caching off for the
 * rest of the pull, with one warning.  The threads do not parse or print.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pull/cache.h"
#include "pull/image.h"
#include "pull/registry.h"
#include "runner/lib/log.h"

struct fetch_cfg {
	struct registry *reg;
	struct cache *cache;			 /* NULL: --no-cache */
	int scratch_dir_fd;			 /* for scratch files: the temporary bundle */
	void (*warn)(void *ud, const char *msg); /* called from a download thread */
	void *ud;
};

struct fetch;

int fetch_start(struct fetch **ret, const struct fetch_cfg *cfg, const struct image_desc *layers,
		size_t n, struct rtr_err *e);
/* Up to @len bytes of layer @i at @off; 0 once the download is complete and everything
 * was read; a negative errno (with @e) when it failed or SIGINT came. */
ssize_t fetch_read(struct fetch *f, size_t i, uint64_t off, void *buf, size_t len,
		   struct rtr_err *e);
/* "sha256:<hex>" of all the bytes of layer @i, once fetch_read() returned 0. */
const char *fetch_digest(struct fetch *f, size_t i);
/* Layer @i came from a committed cache blob (no request). */
bool fetch_cached(struct fetch *f, size_t i);
/* Bytes of layer @i that an earlier run had left in the cache. */
uint64_t fetch_resumed(struct fetch *f, size_t i);
/* After layer @i was read: @ok commits it to the cache; !@ok drops it (a bad digest). */
void fetch_finish(struct fetch *f, size_t i, bool ok);
void fetch_free(struct fetch *f);
