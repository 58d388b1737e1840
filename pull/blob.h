/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Blob transfer: one blob of a registry image, from the cache when it holds it (no
 * request), else from the registry while it is written to the cache, into its consumer:
 * the layer pipeline (pull/layer.h) or a buffer (the image config).
 *
 * Every stored (compressed) byte is hashed once: a config's here, a layer's by the
 * download thread that wrote it (pull/fetch.h), in parallel with the unpacking.  That one
 * sha256 decides whether the blob is what the manifest names, whether the cache keeps it,
 * and, when the decompressor trips first, whether the blob is corrupt (digest mismatch)
 * or the image is bad.  The layer pipeline gets no blob digest to check; it hashes the uncompressed
 * tar, and that diff_id is checked here against the image config's rootfs.diff_ids.
 * Only a blob that passed every check is committed to the cache; a cached blob that no
 * longer matches its digest is removed from it.
 */

#include <stddef.h>

#include "pull/cache.h"
#include "pull/fetch.h"
#include "pull/image.h"
#include "pull/progress.h"
#include "pull/registry.h"
#include "pull/unpack.h"
#include "runner/lib/log.h"

struct blob_source {
	struct registry *reg;
	struct cache *cache;	   /* NULL: --no-cache */
	struct progress *progress; /* may be NULL */
	/* layers: downloaded by pull/fetch.h's threads, read back in order */
	struct fetch *fetch;
	const struct image_desc *layers;
};

/* The image config @d, verified: malloc'ed, NUL-terminated, at most
 * RTR_IMAGE_CONFIG_MAX_BYTES. */
int blob_get_config(const struct blob_source *src, const struct image_desc *d, char **ret,
		    size_t *ret_len, struct rtr_err *e);

/* Streams layer @i of src->layers (as src->fetch downloads it) into @rootfs_fd and
 * verifies its digest, its size and its diff_id against @diff_id (the config's
 * rootfs.diff_ids entry).  On an error the caller drops the rootfs: files of the layer
 * were written before the digests were known. */
int blob_pull_layer(const struct blob_source *src, size_t i, const char *diff_id, int rootfs_fd,
		    struct unpack_opts *uo, struct rtr_err *e);
