/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The HTTP client of rtr-pull; the only file that includes libcurl.
 *
 * - TLS is verified (system CAs, or --ca-file); --insecure turns that off.
 * - Plain http:// only towards loopback hosts, or everywhere with --plain-http.
 * - Proxies come from the environment (http_proxy, https_proxy, no_proxy: libcurl's own).
 * - Redirects are followed here, not by libcurl, so the Authorization header is sent only
 *   to the origin (scheme, host, port) it was meant for and never to a storage host.
 * - Connection errors, timeouts, 429 and 5xx are retried with exponential backoff.  A body
 *   streamed to a sink that breaks off resumes with "Range: bytes=N-": the sink sees every
 *   byte exactly once, in order, so a digest and a decompressor can carry on across it.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/lib/log.h"

struct http_opts {
	const char *ca_file;
	bool insecure;
	bool plain_http;
	long connect_timeout_s;
	long low_speed_time_s; /* abort a transfer slower than RTR_HTTP_LOW_SPEED_BPS that long */
	int retries;
	long backoff_ms;
	/* Called before each retry (may be NULL): what failed and the attempt number. */
	void (*on_retry)(void *ud, const char *url, const char *why, int attempt);
	void *ud;
	/* When it becomes non-zero (a signal handler), the transfer stops with -EINTR. */
	volatile sig_atomic_t *interrupted;
};

struct http_client;

int http_client_new(const struct http_opts *o, struct http_client **ret, struct rtr_err *e);
void http_client_free(struct http_client *c);

/* Sink for a 2xx body; a negative return aborts the transfer with that error. */
typedef int (*http_sink_fn)(void *ud, const void *buf, size_t len);

struct http_req {
	const char *url;
	bool head;		   /* HEAD instead of GET */
	const char *accept;	   /* Accept header value or NULL */
	const char *authorization; /* Authorization value; sent to the URL's origin only */
	http_sink_fn sink;	   /* NULL: the 2xx body is buffered into resp.body */
	void *ud;
	size_t max_body; /* limit of a buffered body (-EFBIG beyond) */
	uint64_t offset; /* bytes the sink already has: resume from there */
};

struct http_resp {
	long status;
	char *www_authenticate;
	char *content_type;
	char *docker_digest;
	char *body; /* buffered 2xx body, or the start of an error body; NUL-terminated */
	size_t body_len;
	uint64_t delivered; /* bytes handed to the sink by this call */
	int resumes;	    /* how many times the body continued with a Range request */
	int redirects;
	bool auth_dropped; /* a redirect went to another origin: Authorization was not sent */
};

/*
 * Performs the request, following redirects and retrying.  Returns 0 with any final HTTP
 * status in ret->status (the caller decides what 401 or 404 mean), or a negative errno
 * with @e filled for transport failures.  ret must be released with http_resp_done().
 */
int http_request(struct http_client *c, const struct http_req *q, struct http_resp *ret,
		 struct rtr_err *e);
void http_resp_done(struct http_resp *r);

/* "https" or "http" for @host: http only for loopback hosts or with --plain-http, and then
 * only when the host does not speak TLS.  Probes GET /v2/ once. */
int http_pick_scheme(struct http_client *c, const char *host, bool want_plain,
		     const char **ret_scheme, struct rtr_err *e);

/* Percent-encodes @s for a URL query; malloc'ed. */
char *http_escape(const char *s);
