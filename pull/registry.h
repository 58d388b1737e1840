/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Images from OCI / Docker registries (distribution API v2) into bundles.
 *
 * A SOURCE is a registry reference when it starts with docker://, or has none of the
 * docker-archive:, oci-archive:, oci: prefixes and is not a path (absolute, ./, ../, or an
 * existing file: those are docker-archive tarballs).  Names: pull/reference.h.
 *
 * --json progress events go to stdout, one JSON object per line (documented in
 * rtr-pull(1)); the human progress line goes to stderr, only on a terminal.
 */

#include <getopt.h>
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
	bool check;                /* --check: compare digests only (exit 0 / 10) */
	bool update;               /* --update: pull only when the registry has a newer image */
	struct unpack_opts *unpack;
	const struct bundle_presets *presets;
};

bool registry_is_source(const char *source);

/* The registry's command-line options, spliced into rtr-pull's getopt_long table:
 *	static const struct option options[] = { ..., REGISTRY_LONG_OPTIONS, {} };
 * and handled in its switch's default case by registry_option(). */
enum {
	REGISTRY_OPT_REGISTRY_URL = 0x1000,
	REGISTRY_OPT_CREDS,
	REGISTRY_OPT_PASSWORD_STDIN,
	REGISTRY_OPT_CA_FILE,
	REGISTRY_OPT_INSECURE,
	REGISTRY_OPT_PLAIN_HTTP,
	REGISTRY_OPT_ARCH,
	REGISTRY_OPT_CACHE_DIR,
	REGISTRY_OPT_NO_CACHE,
	REGISTRY_OPT_TIMEOUT,
	REGISTRY_OPT_RETRIES,
	REGISTRY_OPT_JSON,
	REGISTRY_OPT_CHECK,
	REGISTRY_OPT_UPDATE,
};
#define REGISTRY_LONG_OPTIONS                                                                      \
	{ "registry-url", required_argument, NULL, REGISTRY_OPT_REGISTRY_URL },                    \
	{ "creds", required_argument, NULL, REGISTRY_OPT_CREDS },                                  \
	{ "password-stdin", no_argument, NULL, REGISTRY_OPT_PASSWORD_STDIN },                      \
	{ "ca-file", required_argument, NULL, REGISTRY_OPT_CA_FILE },                              \
	{ "insecure", no_argument, NULL, REGISTRY_OPT_INSECURE },                                  \
	{ "plain-http", no_argument, NULL, REGISTRY_OPT_PLAIN_HTTP },                              \
	{ "arch", required_argument, NULL, REGISTRY_OPT_ARCH },                                    \
	{ "cache-dir", required_argument, NULL, REGISTRY_OPT_CACHE_DIR },                          \
	{ "no-cache", no_argument, NULL, REGISTRY_OPT_NO_CACHE },                                  \
	{ "timeout", required_argument, NULL, REGISTRY_OPT_TIMEOUT },                              \
	{ "retries", required_argument, NULL, REGISTRY_OPT_RETRIES },                              \
	{ "json", no_argument, NULL, REGISTRY_OPT_JSON },                                          \
	{ "check", no_argument, NULL, REGISTRY_OPT_CHECK },                                        \
	{ "update", no_argument, NULL, REGISTRY_OPT_UPDATE }

/* Defaults for the fields above (call once before option parsing). */
void registry_opts_init(struct registry_opts *o);
/* 1: @opt was a registry option and is stored; 0: not ours; <0: bad argument (@e). */
int registry_option(struct registry_opts *o, int opt, const char *arg, struct rtr_err *e);

/*
 * What rtr-pull runs for a registry SOURCE: --check, --update or a pull.  Returns the exit
 * status (0; RTR_PULL_EXIT_NEWER for --check when newer) or a negative errno with @e set.
 */
int registry_main(const struct registry_opts *o, const char *source, const char *bundle,
		  struct rtr_err *e);

/* Pull @source into @bundle. */
int registry_pull(const struct registry_opts *o, const char *source, const char *bundle,
		  struct rtr_err *e);

/* Compare the registry's current manifest digest for @source (after the platform choice)
 * with the one recorded in @bundle's config.json.  *ret_newer is true when they differ. */
int registry_check(const struct registry_opts *o, const char *source, const char *bundle,
		   bool *ret_newer, struct rtr_err *e);

/* Prints an {"event":"error"} line for --json (main calls it with the final message). */
void registry_json_error(const char *msg);
