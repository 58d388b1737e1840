/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Images from OCI / Docker registries (distribution API v2) into bundles.
 *
 * A SOURCE is a registry reference when it starts with docker:// or has none of the
 * docker-archive:, oci-archive:, oci: prefixes (see pull/reference.h for the names).
 *
 * --json progress events go to stdout, one JSON object per line (documented in
 * rtr-pull(1)); the human progress line goes to stderr, only on a terminal.
 */

#include <stdbool.h>

#include "pull/bundle.h"
#include "pull/unpack.h"
#include "runner/lib/log.h"

struct registry_opts {
	const char *registry_url;  /* --registry-url: default registry */
	const char *creds;         /* --creds USER:PASS, or USER with --password-stdin */
	bool password_stdin;
	const char *ca_file;       /* --ca-file */
	bool insecure;             /* --insecure: no TLS verification */
	bool plain_http;           /* --plain-http: http:// to any host */
	const char *platform;      /* --platform os/arch[/variant] */
	const char *arch;          /* --arch (RouterOS names allowed) */
	const char *cache_dir;     /* --cache-dir (NULL: RTR_CACHE_DIR) */
	bool no_cache;             /* --no-cache */
	long timeout_s;            /* --timeout: low-speed window (0: config.h) */
	int retries;               /* --retries (-1: config.h) */
	bool json;                 /* --json events on stdout */
	bool progress;             /* progress line on stderr (main decides: a tty, not -q) */
	bool force;                /* --force: replace an existing bundle */
	struct unpack_opts *unpack;
	const struct bundle_presets *presets;
};

bool registry_is_source(const char *source);

/* Pull @source into @bundle. */
int registry_pull(const struct registry_opts *o, const char *source, const char *bundle,
		  struct rtr_err *e);

/* Compare the registry's current manifest digest for @source (after the platform choice)
 * with the one recorded in @bundle's config.json.  *ret_newer is true when they differ. */
int registry_check(const struct registry_opts *o, const char *source, const char *bundle,
		   bool *ret_newer, struct rtr_err *e);

/* Prints an {"event":"error"} line for --json (main calls it with the final message). */
void registry_json_error(const char *msg);
