/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The streaming layer pipeline: bytes in, files in the rootfs out.
 *
 * PUSH based, because libcurl and the archive reader both hand out data in chunks:
 *
 *	struct layer *l;
 *	r = layer_begin(&l, rootfs_fd, "sha256:..", size, LAYER_COMP_AUTO, &opts, err);
 *	while (chunk)  r = layer_feed(l, buf, n, err);   // digest, inflate, untar, apply
 *	r = layer_end(l, err);     // digest + size verified here, trailing tar checked
 *	layer_free(l);             // always (also after an error)
 *
 * Each fed byte is hashed (sha256 of the blob as stored, i.e. compressed), inflated
 * (gzip, or zstd with libzstd) and pushed into the tar state machine (pull/tar.h) whose
 * entries pull/unpack.h applies relative to rootfs_fd.
 *
 * Two threads: the caller's hashes and inflates; a second one (pull/ring.h), fed through a
 * ring of RTR_PULL_RING_BUFS buffers, hashes the tar stream (diff_id), reads the tar and
 * writes the files, so inflating, the hottest part, has a core of its own.  The results
 * are those of one thread: an error of the second thread comes out of a later
 * layer_feed(), of layer_flush() or of layer_end(), and when the first thread fails
 * too, the error of the earlier bytes wins.  opts->warn is called from the second thread.
 *
 * Resume: all state lives in the context.  After a dropped connection the caller asks
 * layer_offset() for the number of stored bytes already consumed, requests
 * "Range: bytes=OFFSET-" and keeps feeding the SAME context; digest and inflate state
 * continue.  Feeding overlapping bytes twice is the caller's bug (the digest will fail).
 *
 * A digest mismatch is reported by layer_end() (-EBADMSG).  Files of the layer are
 * written before the digest is known, which is why every pull unpacks into a temporary
 * bundle (pull/bundle.h) that is removed on any error: nothing of a bad blob survives.
 *
 * Limits (pull/unpack.h, struct unpack_opts) are counted across all layers of one image
 * when the caller passes the same opts for every layer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/lib/log.h"
#include "unpack.h"

enum layer_compression {
	LAYER_COMP_AUTO, /* sniff the magic: gzip 1f 8b, zstd 28 b5 2f fd, else plain tar */
	LAYER_COMP_NONE,
	LAYER_COMP_GZIP,
	LAYER_COMP_ZSTD, /* recognised only to be refused */
};

/* From an OCI / Docker media type (".tar", ".tar+gzip", ".tar.gzip", "+zstd", Docker's
 * "rootfs.diff.tar.gzip", foreign/nondistributable variants).  NULL or unknown gives
 * LAYER_COMP_AUTO; a non-layer media type (config, manifest) gives -EINVAL. */
int layer_compression_from_media_type(const char *media_type, enum layer_compression *ret,
				      struct rtr_err *err);

struct layer;

/*
 * @rootfs_fd: the rootfs directory (not closed, must stay open until layer_free()).
 * @expected_digest: "sha256:..", or NULL to skip verification (docker-archive v1 layers
 *   that only have a diff_id are verified by the caller through layer_diff_id()).
 * @expected_size: size of the stored blob, or UINT64_MAX when unknown.
 * @opts: limits, device policy, warning hook; must outlive the layer.
 */
int layer_begin(struct layer **ret, int rootfs_fd, const char *expected_digest,
		uint64_t expected_size, enum layer_compression comp, struct unpack_opts *opts,
		struct rtr_err *err);
/* -EBADMSG for corrupt data, -EFBIG over a limit, -EPERM for an escape attempt,
 * -ENOTSUP for zstd without libzstd, -EINTR when unpack_interrupted() became true. */
int layer_feed(struct layer *l, const void *buf, size_t len, struct rtr_err *err);
int layer_end(struct layer *l, struct rtr_err *err);
/* Waits until every byte fed so far has gone through the whole pipeline: the error a
 * layer_feed() of them would have returned with one thread (a caller that judges the
 * blob's digest before layer_end() asks here first). */
int layer_flush(struct layer *l, struct rtr_err *err);
void layer_free(struct layer *l);
static inline void layer_freep(struct layer **l)
{
	layer_free(*l);
}
#define _cleanup_layer_ __attribute__((cleanup(layer_freep)))

/* The caller checks the blob's digest over every byte it feeds (and reports a corrupt
 * blob as a digest mismatch): the decompressor skips its own checksum. */
void layer_digest_checked_outside(struct layer *l);
/* Stored (compressed) bytes consumed so far: the Range offset to resume from. */
uint64_t layer_offset(const struct layer *l);
/* After layer_end(): sha256 of the uncompressed tar ("diff_id", rootfs.diff_ids[]). */
const char *layer_diff_id(const struct layer *l);
