/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Image manifests, indexes and platforms (OCI image spec + Docker schema 2), shared by
 * the OCI layout reader and the registry client.  Parsing only; no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/lib/log.h"
#include "platform.h"

#define IMAGE_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define IMAGE_MT_DOCKER_V1 "application/vnd.docker.distribution.manifest.v1+json"
#define IMAGE_MT_DOCKER_V1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

struct image_desc {
	char *media_type;
	char *digest; /* validated "sha256:.." */
	uint64_t size;
	struct rtr_platform platform; /* index entries only */
	bool has_platform;
	char *ref_name; /* annotations["org.opencontainers.image.ref.name"] (index entries) */
};

struct image_manifest {
	char *media_type;
	struct image_desc config;
	struct image_desc *layers;
	size_t n_layers;
};

struct image_index {
	struct image_desc *manifests;
	size_t n_manifests;
};

/* Is @media_type (or the "mediaType" inside @buf when @media_type is NULL) an index /
 * manifest list? */
bool image_is_index(const char *media_type, const char *buf, size_t len);

/* Parse an OCI image manifest or Docker schema 2 manifest; schema 1 -> -ENOTSUP with a
 * clear message.  Every digest is validated, every layer must have a layer media type. */
int image_manifest_parse(const char *buf, size_t len, struct image_manifest *ret,
			 struct rtr_err *err);
void image_manifest_done(struct image_manifest *m);

/* Parse an OCI index / Docker manifest list. */
int image_index_parse(const char *buf, size_t len, struct image_index *ret, struct rtr_err *err);
void image_index_done(struct image_index *ix);

/* Choose the manifest for @want (NULL: the host platform) by platform_match(), an exact
 * variant match preferred.  Entries without a platform ("unknown/unknown" attestations)
 * are skipped unless the index holds only one entry.  -ENOENT with "no image for
 * linux/mips; the image has: linux/amd64, linux/arm64/v8" when nothing matches. */
int image_index_choose(const struct image_index *ix, const struct rtr_platform *want,
		       const struct image_desc **ret, struct rtr_err *err);
/* Entry whose ref.name annotation equals @ref (oci:DIR:REF). -ENOENT listing the names. */
int image_index_find_ref(const struct image_index *ix, const char *ref,
			 const struct image_desc **ret, struct rtr_err *err);

/* rootfs.diff_ids of an image config: one validated digest per layer (@n_layers of them),
 * as a NULL-terminated vector, or *ret = NULL when the config has none.  A count that
 * differs is -EBADMSG. */
int image_config_diff_ids(const char *config, size_t len, size_t n_layers, char ***ret,
			  struct rtr_err *err);
