/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The registry source of rtr-pull, as pull/archive.h is the local one: an image reference
 * into a bundle, and --check's comparison of digests.
 *
 * The recipe: resolve the reference to one manifest (pull/registry.h), fetch the image
 * config and its rootfs.diff_ids, make the temporary bundle, stream every layer through
 * pull/blob.h (blob digest and diff_id both checked), write config.json, rename into
 * place.  Any error leaves no bundle and no temporary directory.  With a store, a layer
 * the store has is not fetched at all (its diff_id names it before any blob is asked for).
 */

#include <stdbool.h>

#include "pull/bundle.h"
#include "pull/platform.h"
#include "pull/progress.h"
#include "pull/registry.h"
#include "pull/unpack.h"
#include "runner/lib/log.h"

struct remote_opts {
	struct registry_opts reg;
	const struct rtr_platform *platform; /* --platform / --arch; NULL: the host's */
	const char *cache_dir;		     /* --cache-dir (NULL: RTR_CACHE_DIR) */
	bool no_cache;			     /* --no-cache */
	bool force;			     /* replace an existing bundle */
	bool no_sync;			     /* --no-sync */
	const char *store;		     /* --store: the layer store; NULL: flat */
	struct unpack_opts *unpack;
	const struct bundle_presets *presets;
	struct progress *progress; /* may be NULL */
};

int remote_pull(const struct remote_opts *o, const char *source, const char *bundle,
		struct rtr_err *e);

/* Compares the registry's manifest digest for @source (after the platform choice) with
 * the one recorded in @bundle's config.json: *ret_newer when they differ. */
int remote_check(const struct remote_opts *o, const char *source, const char *bundle,
		 bool *ret_newer, struct rtr_err *e);
