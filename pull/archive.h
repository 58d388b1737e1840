/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Local image sources: `docker save` tarballs (Docker v1: manifest.json + config +
 * layers, plain or gzip; Docker 25+: the same manifest.json over an OCI layout; the whole
 * tarball may be gzip- or zstd-compressed), OCI image layouts in a directory (oci:DIR[:REF]) or a
 *tarball (oci-archive:FILE[:REF]).  An outer tarball is indexed once by seeking over its headers
 * (it is a file), then blobs are streamed from their offsets straight into the layer
 * pipeline: no temporary copy of a layer.
 *
 *	struct archive *a;
 *	r = archive_open(&a, "docker-archive:/tmp/x.tar", &opts, err); // picks the image
 *	archive_image(a)  -> config bytes and digests for bundle_write_config()
 *	r = archive_unpack(a, rootfs_fd, &unpack_opts, err);          // all layers, verified
 *	archive_free(a);
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "platform.h"
#include "runner/lib/log.h"
#include "unpack.h"

struct archive_opts {
	const char *tag;		     /* docker-archive: pick among RepoTags */
	const struct rtr_platform *platform; /* OCI index: NULL = host */
	/* Progress after each chunk: layer (1-based) of n, bytes of the layer read. */
	void (*progress)(void *ud, size_t layer, size_t n_layers, uint64_t done, uint64_t total);
	void *userdata;
	/* Directory for an unnamed scratch file (a compressed archive is uncompressed into
	 * it); 0 or -1: $TMPDIR. */
	int scratch_dir_fd;
};

struct archive;

/* "docker-archive:FILE", "oci-archive:FILE[:REF]", "oci:DIR[:REF]", or a plain path (a
 * directory is an OCI layout; a file is sniffed: manifest.json -> docker, oci-layout ->
 * OCI).  Reads and verifies manifest and config; -ENOENT/-EINVAL with a message. */
int archive_open(struct archive **ret, const char *source, const struct archive_opts *o,
		 struct rtr_err *err);
/* Config bytes, digests, ref name and source for the bundle writer. */
const struct bundle_image *archive_image(const struct archive *a);
size_t archive_n_layers(const struct archive *a);
/* Stream every layer, in order, into @rootfs_fd; each verified (blob digest, or diff_id
 * for docker-archive layers). */
int archive_unpack(struct archive *a, int rootfs_fd, struct unpack_opts *uo, struct rtr_err *err);
/* Layer @i (0-based) alone into @rootfs_fd, verified: the store unpacks each layer into
 * its own directory. */
int archive_unpack_layer(struct archive *a, size_t i, int rootfs_fd, struct unpack_opts *uo,
			 struct rtr_err *err);
/* rootfs.diff_ids[@i] of the image config; NULL when the config has none. */
const char *archive_layer_diff_id(const struct archive *a, size_t i);
void archive_free(struct archive *a);
static inline void archive_freep(struct archive **a)
{
	archive_free(*a);
}
#define _cleanup_archive_ __attribute__((cleanup(archive_freep)))
