/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What a registry pull tells the user while it runs: the --json events on stdout, one
 * JSON object per line (their members are documented in rtr-pull(1)), and the human
 * progress line on stderr (main turns it on only for a terminal without -q).
 *
 * A leaf of the pipeline: the registry client, the blob transfer and the pull recipe call
 * it; it calls nothing of rtr-pull.  Every function accepts a NULL @p (nothing shown).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct progress {
	bool json; /* --json events on stdout */
	bool line; /* the progress line on stderr */
	struct timespec t0, t_layer, t_last;
	size_t layer_i, n_layers;
	const char *layer_digest;
	uint64_t layer_size, total_size, total_done;
};

void progress_init(struct progress *p, bool json, bool line);

/* The image was resolved: its manifest digest, platform, layer count and bytes. */
void progress_manifest(struct progress *p, const char *ref, const char *digest,
		       const char *platform, size_t n_layers, uint64_t total_size);
/* Layer @index (0-based) starts; progress_layer_bytes() follows as bytes arrive (shown
 * at most four times a second) and progress_layer_done() when it is verified. */
void progress_layer_start(struct progress *p, size_t index, const char *digest, uint64_t size);
void progress_layer_bytes(struct progress *p, uint64_t bytes);
void progress_layer_done(struct progress *p, uint64_t bytes, bool from_cache);
/* A request is retried (the HTTP client's on_retry); also a warning on stderr. */
void progress_retry(struct progress *p, const char *url, const char *why, int attempt);
/* --check's answer. */
void progress_check(struct progress *p, const char *ref, const char *bundle_digest,
		    const char *registry_digest, bool newer);
void progress_done(struct progress *p, const char *bundle, const char *digest);
/* The final error message (main calls it once, beside logging it). */
void progress_error(struct progress *p, const char *msg);
