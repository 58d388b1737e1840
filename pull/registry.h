/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The registry protocol (distribution API v2): one session per image reference, requests
 * that answer a 401 with pull/auth.h and try once more, the registry's error bodies in
 * messages, and manifests: fetched, size-limited, digest-checked (against the reference's
 * digest, else against Docker-Content-Digest), an index resolved to one platform.
 *
 * Blobs are only requested here, into the caller's sink: pull/blob.h verifies and caches
 * them.  Messages name the reference ("127.0.0.1:5000/lab/app:1: manifest 1: ...").
 */

#include <stdbool.h>

#include "pull/auth.h"
#include "pull/digest.h"
#include "pull/http.h"
#include "pull/image.h"
#include "pull/platform.h"
#include "pull/progress.h"
#include "runner/lib/log.h"

struct registry_opts {
	const char *registry_url;	/* --registry-url: registry of short names */
	const struct auth_creds *creds; /* --creds (kept while open); NULL: the auth files */
	const char *ca_file;		/* --ca-file */
	bool insecure;			/* --insecure: no TLS verification */
	bool plain_http;		/* --plain-http: http:// to any host */
	long timeout_s;			/* --timeout: low-speed window (0: config.h) */
	int retries;			/* --retries (-1: config.h) */
	struct progress *progress;	/* retry events; may be NULL */
};

struct registry;

/* Parses @source (pull/reference.h), picks http or https for its host and finds the
 * credentials.  Nothing is requested but the scheme probe. */
int registry_open(struct registry **ret, const char *source, const struct registry_opts *o,
		  struct rtr_err *e);
void registry_close(struct registry *g);
static inline void registry_closep(struct registry **g)
{
	registry_close(*g);
}
#define _cleanup_registry_ __attribute__((cleanup(registry_closep)))

/* "host/repo:tag" (or @digest) for messages and the bundle's annotations. */
const char *registry_ref(const struct registry *g);

/* The image manifest of the reference; an index is resolved to @want's entry (NULL: the
 * host's platform).  *ret_digest: the digest the reference resolves to (the index's, for
 * an index); *ret_platform: the platform taken, "os/arch[/variant]". */
int registry_resolve(struct registry *g, const struct rtr_platform *want,
		     struct image_manifest *ret, char ret_digest[DIGEST_STR_MAX],
		     char ret_platform[64], struct rtr_err *e);

/* GET blob @digest from byte @offset on into @sink (resumed with Range after a dropped
 * connection: the sink sees every byte once).  The caller counts and verifies what it got.
 * @h: a client of registry_client_new() when called from another thread, else NULL.
 * Thread-safe for distinct clients: the token is shared and renewed under a lock. */
int registry_get_blob(struct registry *g, struct http_client *h, const char *digest,
		      uint64_t offset, http_sink_fn sink, void *ud, struct rtr_err *e);
/* A client for one download thread, stopped when *@stop becomes non-zero. */
int registry_client_new(struct registry *g, volatile sig_atomic_t *stop, struct http_client **ret,
			struct rtr_err *e);
