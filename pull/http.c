/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "http.h"

/* Plain prototypes: the calls below go through the table, not curl's checking macros. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "pull/reference.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

struct http_client {
	struct http_opts o;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* State of one attempt plus what carries over between attempts of one request. */
struct xfer {
	const struct http_req *q;
	struct http_resp *resp;
	CURL *curl;
	uint64_t delivered;  /* bytes handed to the sink so far (all attempts) */
	uint64_t skip;	     /* bytes to drop: the server ignored our Range */
	uint64_t range_from; /* the offset this attempt asked for, or 0 */
	int sink_err;
	bool decided, to_sink;
	size_t limit;
	char *buf;
	size_t len;
	char *location;
	char *retry_after;
	char *content_range;
};

#if RTR_CURL_DLOPEN
/*
 * libcurl is loaded when the first registry request needs it, not at start-up: an archive
 * pull then maps neither it nor its TLS, HTTP/2, IDN and GSSAPI libraries (smaller RSS,
 * faster start), and rtr-pull runs without libcurl installed for local sources.  The
 * table lists every function this file calls; the macros below route the calls to it.
 */
static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode (*easy_perform)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
} fn;

/* fn's members in their order, without "curl_", in one string: no pointer and relocation
 * each.  fn is nothing but function pointers, so the Nth name fills its Nth slot. */
static const char fn_names[] = "global_init\0easy_init\0easy_cleanup\0easy_reset\0"
			       "easy_setopt\0easy_getinfo\0easy_perform\0easy_strerror\0"
			       "easy_escape\0free\0slist_append\0slist_free_all\0url\0"
			       "url_cleanup\0url_set\0url_get\0";
/* A member added to fn needs its name above. */
_Static_assert(sizeof(fn) == 16 * sizeof(void *), "fn_names names every member of fn");

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init fn.global_init
#define curl_easy_init fn.easy_init
#define curl_easy_cleanup fn.easy_cleanup
#define curl_easy_reset fn.easy_reset
#define curl_easy_setopt fn.easy_setopt
#define curl_easy_getinfo fn.easy_getinfo
#define curl_easy_perform fn.easy_perform
#define curl_easy_strerror fn.easy_strerror
#define curl_easy_escape fn.easy_escape
#define curl_free fn.free
#define curl_slist_append fn.slist_append
#define curl_slist_free_all fn.slist_free_all
#define curl_url fn.url
#define curl_url_cleanup fn.url_cleanup
#define curl_url_set fn.url_set
#define curl_url_get fn.url_get

/* Loads libcurl once (the main thread's first client comes before any download thread). */
static int curl_load(struct rtr_err *e)
{
	static int state; /* 0: not tried, 1: loaded, <0: failed */
	void *h;

	if (state)
		return state > 0 ? 0
				 : rtr_err_set(e, -state, "registry sources need libcurl: %s",
					       "libcurl.so.4 could not be loaded");
	h = dlopen(RTR_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		state = -ENOPKG;
		return rtr_err_set(
		    e, ENOPKG, "registry sources need libcurl: %s (install libcurl4)", dlerror());
	}
	size_t i = 0;

	for (const char *n = fn_names; *n && i < sizeof(fn) / sizeof(void *);
	     n += strlen(n) + 1, i++) {
		char name[32];
		void *sym;

		snprintf(name, sizeof(name), "curl_%s", n);
		sym = dlsym(h, name);
		if (!sym) {
			state = -ENOPKG;
			return rtr_err_set(e, ENOPKG, "%s: no %s (libcurl 7.62 or later needed)",
					   RTR_LIBCURL_SONAME, name);
		}
		memcpy((char *)&fn + i * sizeof(sym), &sym, sizeof(sym));
	}

	curl_global_init(CURL_GLOBAL_DEFAULT);
	state = 1;
	return 0;
}

#else
/* Linked in (a static build cannot dlopen): initialised once, by the main thread's first
 * client, before any download thread. */
static int curl_load(struct rtr_err *e)
{
	static bool done;

	(void)e;
	if (!done)
		curl_global_init(CURL_GLOBAL_DEFAULT);
	done = true;
	return 0;
}
#endif

int http_client_new(const struct http_opts *o, struct http_client **ret, struct rtr_err *e)
{
	struct http_client *c;

	int r = curl_load(e);

	if (r < 0)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->o = *o;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return rtr_err_set(e, ENOMEM, "cannot initialise libcurl");
	}
	*ret = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

void http_resp_done(struct http_resp *r)
{
	free(r->www_authenticate);
	free(r->content_type);
	free(r->docker_digest);
	free(r->body);
	*r = (struct http_resp){};
}

char *http_escape(const char *s)
{
	char *t = curl_load(NULL) < 0 ? NULL : curl_easy_escape(NULL, s, 0);
	char *r = t ? strdup(t) : NULL;
	curl_free(t);
	return r;
}

/* A header's value: the blanks around it and the line end dropped. */
static void header_value(char **dst, const char *v, size_t n)
{
	free(*dst);
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	*dst = strndup(v, n);
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	struct {
		const char *name;
		char **dst;
	} h[] = {
	    {"www-authenticate:", &x->resp->www_authenticate},
	    {"content-type:", &x->resp->content_type},
	    {"docker-content-digest:", &x->resp->docker_digest},
	    {"location:", &x->location},
	    {"retry-after:", &x->retry_after},
	    {"content-range:", &x->content_range},
	};

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (e.g. after "100 Continue"): forget the previous headers. */
		for (size_t i = 0; i < ELEMENTSOF(h); i++) {
			free(*h[i].dst);
			*h[i].dst = NULL;
		}
		return n;
	}
	for (size_t i = 0; i < ELEMENTSOF(h); i++) {
		size_t l = strlen(h[i].name);
		if (n > l && strncasecmp(p, h[i].name, l) == 0) {
			/* Only the first WWW-Authenticate counts. */
			if (h[i].dst == &x->resp->www_authenticate && *h[i].dst)
				break;
			header_value(h[i].dst, p + l, n - l);
			break;
		}
	}
	return n;
}

static int buffer_append(struct xfer *x, const char *p, size_t n, bool truncate)
{
	if (x->len + n > x->limit) {
		if (!truncate)
			return -EFBIG;
		n = x->limit - x->len;
	}
	char *b = realloc(x->buf, x->len + n + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b + x->len, p, n);
	x->len += n;
	b[x->len] = 0;
	x->buf = b;
	return 0;
}

static uint64_t content_range_start(const char *cr)
{
	/* "bytes 100-199/200" */
	const char *p = cr ? startswith(cr, "bytes ") : NULL;
	return p ? strtoull(p, NULL, 10) : UINT64_MAX;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	int r;

	if (!x->decided) {
		long st = 0;
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &st);
		x->decided = true;
		x->to_sink = x->q->sink && st >= 200 && st < 300;
		x->limit = (st >= 200 && st < 300) ? x->q->max_body : RTR_HTTP_ERROR_BODY_MAX;
		if (x->to_sink && x->range_from > 0) {
			if (st == 206) {
				if (content_range_start(x->content_range) != x->range_from) {
					x->sink_err = -EPROTO;
					return 0;
				}
			} else
				x->skip = x->delivered; /* a full body again: drop what we have */
		}
	}
	if (!x->to_sink) {
		long st = 0;
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &st);
		r = buffer_append(x, p, n, !(st >= 200 && st < 300));
		if (r < 0) {
			x->sink_err = r;
			return 0;
		}
		return n;
	}
	size_t off = 0;
	if (x->skip) {
		off = x->skip < n ? x->skip : n;
		x->skip -= off;
	}
	if (off < n) {
		r = x->q->sink(x->q->ud, p + off, n - off);
		if (r < 0) {
			x->sink_err = r;
			return 0;
		}
		x->delivered += n - off;
	}
	return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct http_client *c = ud;
	return c->o.interrupted && *c->o.interrupted ? 1 : 0;
}

static bool curl_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/* "scheme://host:port" of @url, lowercased by libcurl; malloc'ed or NULL. */
static char *url_origin(const char *url, char **ret_host)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *o = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		o = xasprintf("%s://%s:%s", scheme, host, port);
		if (ret_host)
			*ret_host = strdup(host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return o;
}

/* Sleeps @ms in short slices, so that a stop request (SIGINT, or a pull that failed while
 * this download thread waits to retry) ends the wait at once. */
static void sleep_ms(const struct http_client *c, long ms)
{
	while (ms > 0 && !(c->o.interrupted && *c->o.interrupted)) {
		long n = ms < 100 ? ms : 100;
		struct timespec ts = {0, n * 1000000L};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		ms -= n;
	}
}

static void xfer_reset(struct xfer *x)
{
	free(x->buf);
	free(x->location);
	free(x->retry_after);
	free(x->content_range);
	x->buf = x->location = x->retry_after = x->content_range = NULL;
	x->len = 0;
	x->decided = x->to_sink = false;
	x->skip = 0;
	x->sink_err = 0;
}

static int perform_one(struct http_client *c, struct xfer *x, const char *url, bool with_auth,
		       CURLcode *ret_cc, struct rtr_err *e)
{
	const struct http_req *q = x->q;
	struct curl_slist *hl = NULL;
	_cleanup_free_ char *acc = NULL, *auth = NULL, *range = NULL;
	CURL *h = c->curl;
	CURLcode cc;

	curl_easy_reset(h);
	c->errbuf[0] = 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "rtr-pull/" RTR_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)RTR_HTTP_LOW_SPEED_BPS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->o.low_speed_time_s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (q->head)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (c->o.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
	if (c->o.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (q->accept) {
		acc = xasprintf("Accept: %s", q->accept);
		hl = curl_slist_append(hl, acc);
	}
	if (with_auth && q->authorization) {
		auth = xasprintf("Authorization: %s", q->authorization);
		hl = curl_slist_append(hl, auth);
	}
	x->range_from = 0;
	if (q->sink && x->delivered > 0) {
		x->range_from = x->delivered;
		range = xasprintf("Range: bytes=%" PRIu64 "-", x->delivered);
		hl = curl_slist_append(hl, range);
	}
	if (hl)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);

	cc = curl_easy_perform(h);
	curl_slist_free_all(hl);
	if (auth)
		explicit_bzero(auth, strlen(auth));
	*ret_cc = cc;
	if (x->sink_err)
		return x->sink_err;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->resp->status);
	return 0;
}

/* What an attempt's outcome asks for. */
enum step {
	STEP_DONE,
	STEP_RETRY,
	STEP_REDIRECT,
};

/* One attempt at @url: the previous attempt's headers forgotten, plain HTTP refused beyond
 * loopback, Authorization only for @origin. */
static int attempt_one(struct http_client *c, struct xfer *x, const char *url, const char *origin,
		       CURLcode *ret_cc, struct rtr_err *e)
{
	_cleanup_free_ char *o = NULL, *host = NULL;
	struct http_resp *ret = x->resp;
	bool same_origin;
	int r;

	o = url_origin(url, &host);
	if (!o)
		return rtr_err_set(e, EINVAL, "%s: not a valid URL", url);
	if (startswith(o, "http://") && !c->o.plain_http && !ref_host_is_loopback(host))
		return rtr_err_set(e, EPERM,
				   "%s: plain HTTP to a non-loopback host refused "
				   "(use --plain-http)",
				   url);
	same_origin = streq(o, origin);
	if (!same_origin)
		ret->auth_dropped = true;
	free(ret->www_authenticate);
	free(ret->content_type);
	free(ret->docker_digest);
	ret->www_authenticate = ret->content_type = ret->docker_digest = NULL;
	xfer_reset(x);
	r = perform_one(c, x, url, same_origin, ret_cc, e);
	if (r == -EPROTO)
		return rtr_err_set(e, EPROTO,
				   "%s: server answered a Range request with the wrong "
				   "range",
				   url);
	if (r == -EFBIG)
		return rtr_err_set(e, EFBIG, "%s: response larger than %zu bytes", url,
				   x->q->max_body);
	if (r < 0 && (!e || !e->code))
		return rtr_err_sys(e, -r, "%s", url);
	if (r < 0)
		return r;
	if (*ret_cc == CURLE_ABORTED_BY_CALLBACK || (c->o.interrupted && *c->o.interrupted))
		return rtr_err_set(e, EINTR, "%s: interrupted", url);
	return 0;
}

/* Done, a redirect, or a retry (*ret_why says why); a negative errno when it cannot go on. */
static int outcome(struct http_client *c, const struct xfer *x, CURLcode cc, const char *url,
		   char **ret_why, struct rtr_err *e)
{
	const char *cerr = c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc);
	long status = x->resp->status;

	if (cc != CURLE_OK) {
		if (!curl_retryable(cc))
			return rtr_err_set(e, cc == CURLE_PEER_FAILED_VERIFICATION ? EPERM : EIO,
					   "%s: %s", url, cerr);
		*ret_why = cc == CURLE_OPERATION_TIMEDOUT ? xasprintf("timed out (%s)", cerr)
							  : strdup(cerr);
		return *ret_why ? STEP_RETRY : -ENOMEM;
	}
	if (status >= 300 && status < 400 && x->location && !x->q->head)
		return STEP_REDIRECT;
	if (status == 429 || status >= 500) {
		*ret_why = xasprintf("HTTP %ld", status);
		return *ret_why ? STEP_RETRY : -ENOMEM;
	}
	return STEP_DONE;
}

/* Location: resolved by libcurl against @url, followed by us (see http.h). */
static int follow(struct http_client *c, struct xfer *x, int *redirects, char **url,
		  struct rtr_err *e)
{
	char *next = NULL;

	if (++*redirects > RTR_HTTP_MAX_REDIRECTS)
		return rtr_err_set(e, ELOOP, "%s: too many redirects", x->q->url);
	curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &next);
	if (!next)
		return rtr_err_set(e, EPROTO, "%s: redirect without a usable Location", *url);
	next = strdup(next);
	if (!next)
		return -ENOMEM;
	free(*url);
	*url = next;
	x->resp->redirects++;
	return 0;
}

/* Waits before attempt *attempt + 1: exponential backoff, or the server's Retry-After. */
static int backoff(struct http_client *c, struct xfer *x, int *attempt, const char *url,
		   const char *why, CURLcode cc, struct rtr_err *e)
{
	long delay;

	if (*attempt >= c->o.retries)
		return rtr_err_set(e, cc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO,
				   "%s: %s (gave up after %d attempts)", url, why, *attempt + 1);
	delay = c->o.backoff_ms << (*attempt < 6 ? *attempt : 6);
	if (x->retry_after) {
		long ra = strtol(x->retry_after, NULL, 10);
		if (ra > 0 && ra <= RTR_HTTP_RETRY_AFTER_MAX_S)
			delay = ra * 1000;
	}
	(*attempt)++;
	if (c->o.on_retry)
		c->o.on_retry(c->o.ud, url, why, *attempt);
	sleep_ms(c, delay);
	if (x->q->sink && x->delivered > x->q->offset)
		x->resp->resumes++;
	return 0;
}

int http_request(struct http_client *c, const struct http_req *q, struct http_resp *ret,
		 struct rtr_err *e)
{
	_cleanup_free_ char *origin = NULL, *url = NULL;
	struct xfer x = {.q = q, .resp = ret, .curl = c->curl, .delivered = q->offset};
	int attempt = 0, redirects = 0, r;

	*ret = (struct http_resp){};
	origin = url_origin(q->url, NULL);
	url = strdup(q->url);
	if (!origin || !url)
		return rtr_err_set(e, EINVAL, "%s: not a valid URL", q->url);
	for (;;) {
		_cleanup_free_ char *why = NULL;
		CURLcode cc = CURLE_OK;

		r = attempt_one(c, &x, url, origin, &cc, e);
		if (r >= 0)
			r = outcome(c, &x, cc, url, &why, e);
		if (r == STEP_REDIRECT) {
			r = follow(c, &x, &redirects, &url, e);
			if (r < 0)
				break;
			continue;
		}
		if (r != STEP_RETRY)
			break;
		r = backoff(c, &x, &attempt, url, why, cc, e);
		if (r < 0)
			break;
		/* Start over from the original URL: a redirect target may have been signed with
		 * an expiry, the registry hands out a fresh one. */
		free(url);
		url = strdup(q->url);
		if (!url) {
			r = -ENOMEM;
			break;
		}
	}
	if (r >= 0) {
		ret->body = TAKE_PTR(x.buf);
		ret->body_len = x.len;
		if (!ret->body && !q->sink && !(ret->body = strdup("")))
			r = -ENOMEM;
	}
	ret->delivered = x.delivered - q->offset;
	xfer_reset(&x);
	return r;
}

int http_pick_scheme(struct http_client *c, const char *host, bool want_plain,
		     const char **ret_scheme, struct rtr_err *e)
{
	_cleanup_free_ char *url = NULL;
	struct http_resp resp = {};
	struct http_req q = {.max_body = RTR_HTTP_ERROR_BODY_MAX};
	struct http_opts saved = c->o;
	int r;

	if (want_plain || c->o.plain_http) {
		*ret_scheme = "http";
		return 0;
	}
	if (!ref_host_is_loopback(host)) {
		*ret_scheme = "https";
		return 0;
	}
	/* Loopback: TLS when the registry speaks it, plain HTTP otherwise (like Docker's
	 * implicit insecure 127.0.0.0/8).  A certificate failure is never downgraded. */
	url = xasprintf("https://%s/v2/", host);
	q.url = url;
	c->o.retries = 0;
	/* Whether the host speaks TLS is all the probe asks; without verification OpenSSL
	 * does not load the whole CA bundle (~1 MiB resident) for a plain-HTTP registry.
	 * The requests that follow verify as configured. */
	c->o.insecure = true;
	r = http_request(c, &q, &resp, NULL);
	c->o = saved;
	http_resp_done(&resp);
	if (r == -EIO && strstr(c->errbuf, "wrong version number")) {
		*ret_scheme = "http";
		return 0;
	}
	if (r == -EIO && (strstr(c->errbuf, "SSL") || strstr(c->errbuf, "TLS")) &&
	    !strstr(c->errbuf, "certificate")) {
		*ret_scheme = "http";
		return 0;
	}
	(void)e;
	*ret_scheme = "https";
	return 0;
}
