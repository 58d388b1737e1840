/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "pull/auth.h"
#include "pull/cache.h"
#include "pull/digest.h"
#include "pull/http.h"
#include "pull/image.h"
#include "pull/layer.h"
#include "pull/platform.h"
#include "pull/reference.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/json.h"
#include "runner/lib/util.h"

#define ACCEPT_MANIFESTS                                                                   \
	IMAGE_MT_OCI_INDEX ", " IMAGE_MT_DOCKER_LIST ", " IMAGE_MT_OCI_MANIFEST               \
			   ", " IMAGE_MT_DOCKER_MANIFEST

/* Annotations the bundle writer records the image digest under, newest first. */
static const char *const digest_annotations[] = {
	"org.opencontainers.image.base.digest",
	"org.rtr.image.digest",
	"org.opencontainers.image.digest",
};

struct reg {
	const struct registry_opts *o;
	struct rtr_ref ref;
	char *refstr;
	struct http_client *http;
	struct auth_creds creds;
	bool have_creds;
	char *auth; /* current Authorization value, reused for every request */
	char *base; /* "https://host:port" */
	char *scope;
	struct cache *cache;
	/* progress */
	struct timespec t0, t_layer, t_last;
	size_t layer_i, n_layers;
	const char *layer_digest;
	uint64_t layer_size, layer_base, total_size, total_done;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double ts_s(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

bool registry_is_source(const char *s)
{
	if (startswith(s, "docker://"))
		return true;
	if (startswith(s, "docker-archive:") || startswith(s, "oci-archive:") ||
	    startswith(s, "oci:"))
		return false;
	/* A plain path is a docker-archive: absolute or ./ paths, anything that exists. */
	if (*s == '/' || startswith(s, "./") || startswith(s, "../") || access(s, F_OK) == 0)
		return false;
	/* "image.tar" that does not exist is a mistyped file, not a repository on docker.io:
	 * let the archive source say "No such file or directory". */
	static const char *const suffixes[] = { ".tar", ".tar.gz", ".tgz" };
	size_t n = strlen(s);
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		size_t m = strlen(suffixes[i]);
		if (n > m && strcmp(s + n - m, suffixes[i]) == 0)
			return false;
	}
	return true;
}

/* ---- --json events ---- */

static void json_event_emit(struct json_writer *w)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	json_w_end_object(w);
	if (json_writer_finish(w, &text, &len) < 0)
		return;
	text[len] = '\n';
	(void)write_all(STDOUT_FILENO, text, len + 1);
}

static struct json_writer *json_event(const char *event)
{
	struct json_writer *w = json_writer_new(false);
	json_w_begin_object(w);
	json_w_member_string(w, "event", event);
	return w;
}

void registry_json_error(const char *msg)
{
	struct json_writer *w = json_event("error");
	json_w_member_string(w, "message", msg);
	json_event_emit(w);
}

static void on_retry(void *ud, const char *url, const char *why, int attempt)
{
	struct reg *g = ud;

	if (g->o->json) {
		struct json_writer *w = json_event("retry");
		json_w_member_string(w, "url", url);
		json_w_member_string(w, "reason", why);
		json_w_member_int(w, "attempt", attempt);
		json_event_emit(w);
	}
	if (g->o->progress)
		fputc('\n', stderr);
	log_warn("%s: %s, retrying (%d)", url, why, attempt);
}

static void fmt_bytes(uint64_t b, char *buf, size_t n)
{
	if (b >= 1024 * 1024)
		snprintf(buf, n, "%.1f MiB", b / 1048576.0);
	else if (b >= 1024)
		snprintf(buf, n, "%.1f KiB", b / 1024.0);
	else
		snprintf(buf, n, "%" PRIu64 " B", b);
}

static void progress(struct reg *g, uint64_t layer_bytes, bool final)
{
	struct timespec ts;
	double dt, rate;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!final && ts_s(&ts) - ts_s(&g->t_last) < 0.25)
		return;
	g->t_last = ts;
	dt = ts_s(&ts) - ts_s(&g->t_layer);
	rate = dt > 0 ? layer_bytes / dt : 0;
	if (g->o->json) {
		struct json_writer *w = json_event(final ? "layer-done" : "progress");
		json_w_member_uint(w, "index", g->layer_i + 1);
		json_w_member_string(w, "digest", g->layer_digest);
		json_w_member_uint(w, "bytes", layer_bytes);
		json_w_member_uint(w, "size", g->layer_size);
		json_w_member_uint(w, "total_bytes", g->total_done + layer_bytes);
		json_w_member_uint(w, "total_size", g->total_size);
		json_w_key(w, "rate");
		json_w_uint(w, (uint64_t)rate);
		json_event_emit(w);
	}
	if (g->o->progress) {
		char a[32], b[32], r[32], t[32], tt[32];
		fmt_bytes(layer_bytes, a, sizeof(a));
		fmt_bytes(g->layer_size, b, sizeof(b));
		fmt_bytes((uint64_t)rate, r, sizeof(r));
		fmt_bytes(g->total_done + layer_bytes, t, sizeof(t));
		fmt_bytes(g->total_size, tt, sizeof(tt));
		fprintf(stderr, "\rlayer %zu/%zu %.12s: %s / %s  %s/s  total %s / %s\033[K%s",
			g->layer_i + 1, g->n_layers, digest_hex(g->layer_digest), a, b, r, t, tt,
			final ? "\n" : "");
	}
}

/* ---- requests with authentication ---- */

static int reg_request(struct reg *g, struct http_req *q, struct http_resp *resp, const char *what,
		       struct rtr_err *e)
{
	int r, tries = 0;

	for (;;) {
		q->authorization = g->auth;
		r = http_request(g->http, q, resp, e);
		if (r < 0)
			return r;
		if (resp->status != 401)
			return 0;
		if (tries++ > 0 || (g->auth && !q->sink && !resp->www_authenticate)) {
			const char *hint = g->have_creds ? "the registry refused the credentials" :
							   "the registry wants credentials (--creds, "
							   "--password-stdin or an auth file)";
			return rtr_err_set(e, EACCES, "%s: %s: 401 Unauthorized: %s", g->refstr, what,
					   hint);
		}
		_cleanup_free_ char *w = resp->www_authenticate ? strdup(resp->www_authenticate) :
								  NULL;
		if (q->sink)
			q->offset += resp->delivered;
		http_resp_done(resp);
		auth_free_secret(g->auth);
		g->auth = NULL;
		r = auth_respond(g->http, w, g->have_creds ? &g->creds : NULL, g->scope, g->refstr,
				 &g->auth, e);
		if (r < 0)
			return r;
	}
}

static int status_error(struct reg *g, const struct http_resp *resp, const char *what,
			struct rtr_err *e)
{
	char msg[160] = "";

	if (resp->body && resp->body_len) {
		/* Registry errors are {"errors":[{"code":..,"message":..}]}: show the message. */
		_cleanup_json_ struct json *j = NULL;
		if (json_parse(resp->body, resp->body_len, RTR_HTTP_ERROR_BODY_MAX, &j, NULL) >= 0) {
			struct json_cur root = json_root(j), errs = json_member(&root, "errors"),
					e0 = json_item(&errs, 0);
			const char *code = NULL, *m = NULL;
			json_str(json_member(&e0, "code"), &code, NULL);
			json_str(json_member(&e0, "message"), &m, NULL);
			if (code || m)
				snprintf(msg, sizeof(msg), ": %s%s%s", code ? code : "",
					 code && m ? " " : "", m ? m : "");
		}
	}
	if (resp->status == 404)
		return rtr_err_set(e, ENOENT, "%s: %s: not found (HTTP 404%s)", g->refstr, what,
				   msg);
	if (resp->status == 403)
		return rtr_err_set(e, EACCES, "%s: %s: 403 Forbidden%s", g->refstr, what, msg);
	return rtr_err_set(e, EPROTO, "%s: %s: HTTP %ld%s", g->refstr, what, resp->status, msg);
}

/* ---- manifests ---- */

static int fetch_manifest(struct reg *g, const char *ref, const char *expect_digest,
			  char **ret_body, size_t *ret_len, char **ret_type,
			  char ret_digest[DIGEST_STR_MAX], struct rtr_err *e)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/manifests/%s", g->base, g->ref.repo, ref);
	_cleanup_free_ char *what = xasprintf("manifest %s", ref);
	struct http_req q = { .url = url, .accept = ACCEPT_MANIFESTS,
			      .max_body = RTR_MANIFEST_MAX_BYTES };
	struct http_resp resp = {};
	int r;

	if (!url || !what)
		return -ENOMEM;
	r = reg_request(g, &q, &resp, what, e);
	if (r < 0) {
		if (r == -EFBIG)
			rtr_err_set(e, EFBIG, "%s: %s: larger than %d bytes", g->refstr, what,
				    RTR_MANIFEST_MAX_BYTES);
		else if (e && !strstr(e->msg, g->refstr)) {
			char msg[RTR_ERR_MSG_MAX * 2 + 256];
			snprintf(msg, sizeof(msg), "%s: %s", g->refstr, e->msg);
			rtr_err_set(e, -r, "%s", msg);
		}
		goto out;
	}
	if (resp.status != 200) {
		r = status_error(g, &resp, what, e);
		goto out;
	}
	r = digest_buf(resp.body, resp.body_len, ret_digest);
	if (r < 0)
		goto out;
	if (expect_digest) {
		r = digest_verify_buf(resp.body, resp.body_len, expect_digest, what, e);
		if (r < 0)
			goto out;
	} else if (resp.docker_digest && startswith(resp.docker_digest, "sha256:") &&
		   !streq(resp.docker_digest, ret_digest)) {
		r = rtr_err_set(e, EBADMSG, "%s: %s: digest mismatch: the registry says %s, the "
					    "content is %s", g->refstr, what, resp.docker_digest,
				ret_digest);
		goto out;
	}
	*ret_type = resp.content_type ? strndup(resp.content_type,
						strcspn(resp.content_type, "; ")) : NULL;
	*ret_len = resp.body_len;
	*ret_body = TAKE_PTR(resp.body);
	r = 0;
out:
	http_resp_done(&resp);
	return r;
}

/* Resolves the reference to one image manifest (choosing the platform in an index). */
static int resolve(struct reg *g, struct image_manifest *ret, char ret_digest[DIGEST_STR_MAX],
		   char ret_platform[64], struct rtr_err *e)
{
	_cleanup_free_ char *body = NULL, *type = NULL;
	struct rtr_platform want;
	size_t len;
	int r;

	r = fetch_manifest(g, g->ref.digest ? g->ref.digest : g->ref.tag, g->ref.digest, &body,
			   &len, &type, ret_digest, e);
	if (r < 0)
		return r;
	if (streq(type, IMAGE_MT_DOCKER_V1) || streq(type, IMAGE_MT_DOCKER_V1_SIGNED))
		return rtr_err_set(e, ENOTSUP, "%s: Docker schema 1 manifests are not supported "
					       "(deprecated since 2017; re-push the image with a "
					       "current client)", g->refstr);
	if (g->o->platform)
		r = platform_parse(g->o->platform, &want, e);
	else if (g->o->arch)
		r = platform_from_arch(g->o->arch, &want, e);
	else
		platform_host(&want);
	if (r < 0)
		return r;
	platform_format(&want, ret_platform, 64);

	if (image_is_index(type, body, len)) {
		struct image_index ix = {};
		const struct image_desc *d;
		_cleanup_free_ char *mbody = NULL, *mtype = NULL;
		size_t mlen;

		r = image_index_parse(body, len, &ix, e);
		if (r < 0)
			return r;
		r = image_index_choose(&ix, &want, &d, e);
		if (r < 0) {
			char msg[RTR_ERR_MSG_MAX * 2 + 256];
			snprintf(msg, sizeof(msg), "%s: %s", g->refstr, e ? e->msg : "");
			if (e)
				rtr_err_set(e, ENOENT, "%s", msg);
			image_index_done(&ix);
			return r;
		}
		if (d->has_platform)
			platform_format(&d->platform, ret_platform, 64);
		r = fetch_manifest(g, d->digest, d->digest, &mbody, &mlen, &mtype, ret_digest, e);
		image_index_done(&ix);
		if (r < 0)
			return r;
		free(body);
		free(type);
		body = TAKE_PTR(mbody);
		type = TAKE_PTR(mtype);
		len = mlen;
		if (image_is_index(type, body, len))
			return rtr_err_set(e, EPROTO, "%s: nested image index not supported",
					   g->refstr);
	}
	r = image_manifest_parse(body, len, ret, e);
	if (r < 0 && e) {
		char msg[RTR_ERR_MSG_MAX * 2 + 256];
		snprintf(msg, sizeof(msg), "%s: manifest: %s", g->refstr, e->msg);
		rtr_err_set(e, -r, "%s", msg);
	}
	return r;
}

/* ---- blobs ---- */

struct blob_sink {
	struct reg *g;
	struct layer *layer;       /* a layer: bytes go to the pipeline */
	struct digest *dg;         /* a config: bytes are hashed and buffered */
	char *buf;
	size_t len, max;
	struct cache_writer cw;
	bool caching;
	uint64_t bytes;
	struct rtr_err *e;
	/* A layer's own sha256, so that corrupt data is reported as what it is (the blob does
	 * not match its digest) even when the decompressor trips over it first. */
	struct digest *own;
	int layer_err;
	struct rtr_err layer_e;
};

static int blob_sink(void *ud, const void *p, size_t n)
{
	struct blob_sink *s = ud;
	int r;

	if (s->caching) {
		r = cache_writer_feed(&s->cw, p, n, s->e);
		if (r < 0)
			return r;
	}
	if (s->layer) {
		if (s->bytes + n > s->max)
			return rtr_err_set(s->e, EFBIG, "more than the %zu bytes the manifest says",
					   s->max);
		digest_update(s->own, p, n);
		if (!s->layer_err) {
			r = layer_feed(s->layer, p, n, &s->layer_e);
			if (r == -EBADMSG)
				s->layer_err = r; /* drain the rest: is it the blob or the image? */
			else if (r < 0) {
				if (s->e)
					*s->e = s->layer_e;
				return r;
			}
		}
	} else {
		if (s->len + n > s->max)
			return rtr_err_set(s->e, EFBIG, "image config larger than %zu bytes",
					   s->max);
		char *b = realloc(s->buf, s->len + n + 1);
		if (!b)
			return -ENOMEM;
		memcpy(b + s->len, p, n);
		s->len += n;
		b[s->len] = 0;
		s->buf = b;
		digest_update(s->dg, p, n);
	}
	s->bytes += n;
	if (s->layer)
		progress(s->g, s->bytes, false);
	return 0;
}

/* Streams blob @d into the sink: from the cache when it has it (no request), else from the
 * registry while writing it to the cache.  The caller verifies the digest and then calls
 * blob_finish() with the result. */
static int blob_fetch(struct reg *g, const struct image_desc *d, struct blob_sink *s,
		      bool *ret_cached, struct rtr_err *e)
{
	_cleanup_close_ int fd = -1;
	int r;

	*ret_cached = false;
	s->cw = (struct cache_writer){ .fd = -1 };
	if (g->cache) {
		uint64_t size = 0;
		fd = cache_open_blob(g->cache, d->digest, &size);
		if (fd >= 0 && size == d->size) {
			static char buf[64 * 1024];
			ssize_t n;
			*ret_cached = true;
			while ((n = read(fd, buf, sizeof(buf))) != 0) {
				if (n < 0) {
					if (errno == EINTR)
						continue;
					return rtr_err_set(e, errno, "cache: blob %s: %s", d->digest,
							   strerror(errno));
				}
				r = blob_sink(s, buf, n);
				if (r < 0)
					return r;
			}
			return 0;
		}
		r = cache_writer_begin(g->cache, d->digest, &s->cw, NULL);
		s->caching = r >= 0;
	}

	_cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", g->base, g->ref.repo, d->digest);
	_cleanup_free_ char *what = xasprintf("blob %s", d->digest);
	struct http_req q = { .url = url, .sink = blob_sink, .ud = s };
	struct http_resp resp = {};

	if (!url || !what)
		return -ENOMEM;
	r = reg_request(g, &q, &resp, what, e);
	if (r >= 0 && resp.status != 200 && resp.status != 206)
		r = status_error(g, &resp, what, e);
	if (r >= 0 && s->bytes != d->size)
		r = rtr_err_set(e, EBADMSG, "%s: %s: got %" PRIu64 " bytes, the manifest says %"
					    PRIu64, g->refstr, what, s->bytes, d->size);
	if (r < 0 && e && !strstr(e->msg, d->digest)) {
		char msg[RTR_ERR_MSG_MAX * 2 + 256];
		snprintf(msg, sizeof(msg), "%s: %s: %s", g->refstr, what, e->msg);
		rtr_err_set(e, -r, "%s", msg);
	}
	http_resp_done(&resp);
	return r;
}

/* After verification: keep the blob in the cache (ok) or drop what was written. */
static int blob_finish(struct reg *g, struct blob_sink *s, const struct image_desc *d,
		       bool cached, bool ok, struct rtr_err *e)
{
	if (s->caching) {
		s->caching = false;
		if (ok)
			return cache_writer_commit(&s->cw, e);
		cache_writer_abort(&s->cw);
	}
	return 0;
}

static int fetch_config(struct reg *g, const struct image_desc *d, char **ret, size_t *ret_len,
			struct rtr_err *e)
{
	struct blob_sink s = { .g = g, .max = RTR_IMAGE_CONFIG_MAX_BYTES, .e = e };
	bool cached;
	int r;

	if (d->size > RTR_IMAGE_CONFIG_MAX_BYTES)
		return rtr_err_set(e, EFBIG, "%s: image config of %" PRIu64 " bytes is over the "
					     "limit of %d", g->refstr, d->size,
				   RTR_IMAGE_CONFIG_MAX_BYTES);
	r = digest_new(&s.dg);
	if (r < 0)
		return r;
	r = blob_fetch(g, d, &s, &cached, e);
	if (r >= 0) {
		_cleanup_free_ char *what = xasprintf("%s: image config", g->refstr);
		r = digest_check(s.dg, d->digest, what ? what : "image config", e);
	}
	blob_finish(g, &s, d, cached, r >= 0, NULL);
	digest_free(s.dg);
	if (r < 0) {
		free(s.buf);
		return r;
	}
	*ret = s.buf ? s.buf : strdup("");
	*ret_len = s.len;
	return *ret ? 0 : -ENOMEM;
}

static int pull_layer(struct reg *g, int rootfs_fd, const struct image_desc *d,
		      struct rtr_err *e)
{
	struct blob_sink s = { .g = g, .e = e };
	enum layer_compression comp;
	bool cached = false;
	int r;

	r = layer_compression_from_media_type(d->media_type, &comp, e);
	if (r < 0)
		return r;
	r = layer_begin(&s.layer, rootfs_fd, d->digest, d->size, comp, g->o->unpack, e);
	if (r < 0)
		return r;
	s.max = d->size;
	r = digest_new(&s.own);
	if (r < 0) {
		layer_free(s.layer);
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &g->t_layer);
	g->layer_digest = d->digest;
	g->layer_size = d->size;
	if (g->o->json) {
		struct json_writer *w = json_event("layer-start");
		json_w_member_uint(w, "index", g->layer_i + 1);
		json_w_member_uint(w, "layers", g->n_layers);
		json_w_member_string(w, "digest", d->digest);
		json_w_member_uint(w, "size", d->size);
		json_event_emit(w);
	}
	r = blob_fetch(g, d, &s, &cached, e);
	if (r >= 0 || s.layer_err) {
		_cleanup_free_ char *what = xasprintf("%s: blob %s", g->refstr, d->digest);
		int k = digest_check(s.own, d->digest, what ? what : d->digest, e);
		if (k < 0)
			r = k;
		else if (s.layer_err) {
			r = s.layer_err;
			if (e)
				rtr_err_set(e, -r, "%s: blob %s: %s", g->refstr, d->digest,
					    s.layer_e.msg);
		}
	}
	if (r >= 0)
		r = layer_end(s.layer, e);
	if (r < 0 && cached) {
		/* A cached blob that no longer verifies is dropped so the next pull fetches it. */
		char msg[RTR_ERR_MSG_MAX * 2 + 256];
		_cleanup_free_ char *path = xasprintf("%s/blobs/sha256/%s",
						      g->o->cache_dir ? g->o->cache_dir :
									RTR_CACHE_DIR,
						      digest_hex(d->digest));
		if (path)
			(void)unlink(path);
		snprintf(msg, sizeof(msg), "%s (cached copy removed; pull again)",
			 e ? e->msg : "cached blob");
		rtr_err_set(e, -r, "%s", msg);
	}
	blob_finish(g, &s, d, cached, r >= 0, NULL);
	layer_free(s.layer);
	digest_free(s.own);
	if (r < 0)
		return r;
	progress(g, s.bytes, true);
	g->total_done += s.bytes;
	if (g->o->json) {
		struct json_writer *w = json_event("layer-cached");
		json_w_member_string(w, "digest", d->digest);
		json_w_member_bool(w, "from_cache", cached);
		json_event_emit(w);
	}
	return 0;
}

/* ---- setup ---- */

static int read_password_stdin(char **ret, struct rtr_err *e)
{
	char buf[4096];
	size_t n = 0;
	ssize_t k;

	while (n < sizeof(buf) - 1) {
		k = read(STDIN_FILENO, buf + n, sizeof(buf) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return rtr_err_set(e, errno, "--password-stdin: %s", strerror(errno));
		if (k == 0)
			break;
		n += k;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	*ret = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *ret ? 0 : -ENOMEM;
}

static void reg_done(struct reg *g)
{
	ref_done(&g->ref);
	free(g->refstr);
	http_client_free(g->http);
	auth_creds_done(&g->creds);
	auth_free_secret(g->auth);
	free(g->base);
	free(g->scope);
	cache_close(g->cache);
}

static int reg_setup(struct reg *g, const struct registry_opts *o, const char *source,
		     bool want_cache, struct rtr_err *e)
{
	struct http_opts ho = {
		.ca_file = o->ca_file,
		.insecure = o->insecure,
		.plain_http = o->plain_http,
		.connect_timeout_s = RTR_HTTP_CONNECT_TIMEOUT_S,
		.low_speed_time_s = o->timeout_s > 0 ? o->timeout_s : RTR_HTTP_LOW_SPEED_TIME_S,
		.retries = o->retries >= 0 ? o->retries : RTR_HTTP_RETRIES,
		.backoff_ms = RTR_HTTP_BACKOFF_MS,
		.on_retry = on_retry,
		.ud = g,
		.interrupted = &unpack_interrupted,
	};
	const char *scheme;
	int r;

	*g = (struct reg){ .o = o };
	clock_gettime(CLOCK_MONOTONIC, &g->t0);
	r = ref_parse(source, o->registry_url ? o->registry_url : NULL, &g->ref, e);
	if (r < 0)
		return r;
	g->refstr = ref_to_string(&g->ref);
	g->scope = xasprintf("repository:%s:pull", g->ref.repo);
	if (!g->refstr || !g->scope)
		return -ENOMEM;
	if (o->insecure)
		log_warn("--insecure: TLS certificates are NOT verified; anyone on the path can "
			 "serve you any image");
	r = http_client_new(&ho, &g->http, e);
	if (r < 0)
		return r;

	if (o->creds) {
		if (o->password_stdin && !strchr(o->creds, ':')) {
			_cleanup_free_ char *pw = NULL, *both = NULL;
			r = read_password_stdin(&pw, e);
			if (r < 0)
				return r;
			both = xasprintf("%s:%s", o->creds, pw);
			explicit_bzero(pw, strlen(pw));
			if (!both)
				return -ENOMEM;
			r = auth_creds_parse(both, &g->creds, e);
			explicit_bzero(both, strlen(both));
		} else
			r = auth_creds_parse(o->creds, &g->creds, e);
		if (r < 0)
			return r;
		g->have_creds = true;
	} else if (o->password_stdin)
		return rtr_err_set(e, EINVAL, "--password-stdin needs --creds USER");
	else
		g->have_creds = auth_creds_from_files(g->ref.registry, &g->creds, NULL) >= 0;

	r = http_pick_scheme(g->http, g->ref.api_host, g->ref.plain_http, &scheme, e);
	if (r < 0)
		return r;
	g->base = xasprintf("%s://%s", scheme, g->ref.api_host);
	if (!g->base)
		return -ENOMEM;

	if (want_cache && !o->no_cache) {
		r = cache_open(o->cache_dir ? o->cache_dir : RTR_CACHE_DIR, &g->cache, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int registry_pull(const struct registry_opts *o, const char *source, const char *bundle,
		  struct rtr_err *e)
{
	struct reg g;
	struct image_manifest m = {};
	_cleanup_bundle_ struct bundle *b = NULL;
	_cleanup_free_ char *config = NULL, *src = NULL;
	char mdigest[DIGEST_STR_MAX], platform[64];
	size_t config_len = 0, i;
	int r;

	r = reg_setup(&g, o, source, true, e);
	if (r < 0)
		goto out;
	r = resolve(&g, &m, mdigest, platform, e);
	if (r < 0)
		goto out;
	g.n_layers = m.n_layers;
	for (i = 0; i < m.n_layers; i++)
		g.total_size += m.layers[i].size;
	if (o->json) {
		struct json_writer *w = json_event("manifest");
		json_w_member_string(w, "ref", g.refstr);
		json_w_member_string(w, "digest", mdigest);
		json_w_member_string(w, "platform", platform);
		json_w_member_uint(w, "layers", m.n_layers);
		json_w_member_uint(w, "size", g.total_size);
		json_event_emit(w);
	}
	r = fetch_config(&g, &m.config, &config, &config_len, e);
	if (r < 0)
		goto out;

	r = bundle_create_tmp(&b, bundle, o->force, e);
	if (r < 0)
		goto out;
	for (i = 0; i < m.n_layers; i++) {
		g.layer_i = i;
		r = pull_layer(&g, bundle_rootfs_fd(b), &m.layers[i], e);
		if (r < 0)
			goto out;
	}
	src = xasprintf("docker://%s", g.refstr);
	if (!src) {
		r = -ENOMEM;
		goto out;
	}
	struct bundle_image img = {
		.config_json = config,
		.config_len = config_len,
		.config_digest = m.config.digest,
		.manifest_digest = mdigest,
		.ref_name = g.refstr,
		.source = src,
	};
	r = bundle_write_config(b, &img, o->presets, e);
	if (r < 0)
		goto out;
	r = bundle_commit(b, e);
	if (r < 0)
		goto out;
	if (o->json) {
		struct json_writer *w = json_event("done");
		json_w_member_string(w, "bundle", bundle);
		json_w_member_string(w, "digest", mdigest);
		json_w_member_uint(w, "bytes", g.total_done);
		json_w_key(w, "seconds");
		json_w_double(w, now_s() - ts_s(&g.t0));
		json_event_emit(w);
	}
out:
	image_manifest_done(&m);
	reg_done(&g);
	return r;
}

/* The image digest recorded in BUNDLE/config.json. */
static int bundle_digest(const char *bundle, char **ret, struct rtr_err *e)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle), *buf = NULL;
	_cleanup_json_ struct json *j = NULL;
	size_t len;
	int r;

	if (!path)
		return -ENOMEM;
	r = read_file_at(AT_FDCWD, path, RTR_CONFIG_MAX_BYTES, &buf, &len);
	if (r < 0)
		return rtr_err_set(e, -r, "%s: %s", path, strerror(-r));
	r = json_parse(buf, len, RTR_CONFIG_MAX_BYTES, &j, e);
	if (r < 0)
		return r;
	struct json_cur root = json_root(j), an = json_member(&root, "annotations");
	for (size_t i = 0; i < ELEMENTSOF(digest_annotations); i++) {
		const char *d = NULL;
		if (json_str(json_member(&an, digest_annotations[i]), &d, NULL) > 0 && d) {
			*ret = strdup(d);
			return *ret ? 0 : -ENOMEM;
		}
	}
	return rtr_err_set(e, ENOENT, "%s: no image digest annotation (not made by rtr-pull "
				      "from a registry?)", path);
}

int registry_check(const struct registry_opts *o, const char *source, const char *bundle,
		   bool *ret_newer, struct rtr_err *e)
{
	struct reg g;
	struct image_manifest m = {};
	_cleanup_free_ char *have = NULL;
	char mdigest[DIGEST_STR_MAX], platform[64];
	int r;

	r = bundle_digest(bundle, &have, e);
	if (r < 0)
		return r;
	r = reg_setup(&g, o, source, false, e);
	if (r >= 0)
		r = resolve(&g, &m, mdigest, platform, e);
	if (r >= 0) {
		*ret_newer = !streq(have, mdigest);
		if (o->json) {
			struct json_writer *w = json_event("check");
			json_w_member_string(w, "ref", g.refstr);
			json_w_member_string(w, "bundle_digest", have);
			json_w_member_string(w, "registry_digest", mdigest);
			json_w_member_bool(w, "newer", *ret_newer);
			json_event_emit(w);
		}
	}
	image_manifest_done(&m);
	reg_done(&g);
	return r;
}

void registry_opts_init(struct registry_opts *o)
{
	*o = (struct registry_opts){ .retries = -1 };
}

int registry_option(struct registry_opts *o, int opt, const char *arg, struct rtr_err *e)
{
	uint64_t v;
	int r;

	switch (opt) {
	case REGISTRY_OPT_REGISTRY_URL:
		o->registry_url = arg;
		break;
	case REGISTRY_OPT_CREDS:
		o->creds = arg;
		break;
	case REGISTRY_OPT_PASSWORD_STDIN:
		o->password_stdin = true;
		break;
	case REGISTRY_OPT_CA_FILE:
		if (access(arg, R_OK) < 0)
			return rtr_err_set(e, errno, "--ca-file %s: %s", arg, strerror(errno));
		o->ca_file = arg;
		break;
	case REGISTRY_OPT_INSECURE:
		o->insecure = true;
		break;
	case REGISTRY_OPT_PLAIN_HTTP:
		o->plain_http = true;
		break;
	case REGISTRY_OPT_ARCH: {
		struct rtr_platform p;
		r = platform_from_arch(arg, &p, e);
		if (r < 0)
			return r;
		o->arch = arg;
		break;
	}
	case REGISTRY_OPT_CACHE_DIR:
		o->cache_dir = arg;
		break;
	case REGISTRY_OPT_NO_CACHE:
		o->no_cache = true;
		break;
	case REGISTRY_OPT_TIMEOUT:
		if (parse_u64(arg, 86400, &v) < 0 || v == 0)
			return rtr_err_set(e, EINVAL, "--timeout %s: expected seconds (1-86400)", arg);
		o->timeout_s = (long)v;
		break;
	case REGISTRY_OPT_RETRIES:
		if (parse_u64(arg, 100, &v) < 0)
			return rtr_err_set(e, EINVAL, "--retries %s: expected a count (0-100)", arg);
		o->retries = (int)v;
		break;
	case REGISTRY_OPT_JSON:
		o->json = true;
		break;
	case REGISTRY_OPT_CHECK:
		o->check = true;
		break;
	case REGISTRY_OPT_UPDATE:
		o->update = true;
		break;
	default:
		return 0;
	}
	return 1;
}

int registry_main(const struct registry_opts *o, const char *source, const char *bundle,
		  struct rtr_err *e)
{
	struct registry_opts oo = *o;
	bool newer = false;
	int r;

	if (o->check && o->update)
		return rtr_err_set(e, EINVAL, "--check and --update exclude each other");
	if (o->check || (o->update && access(bundle, F_OK) == 0)) {
		r = registry_check(o, source, bundle, &newer, e);
		if (r < 0)
			return r;
		if (o->check) {
			if (!o->json)
				log_info("%s: %s", bundle, newer ? "the registry has a newer image" :
								   "up to date");
			return newer ? RTR_PULL_EXIT_NEWER : 0;
		}
		if (!newer) {
			if (!o->json)
				log_info("%s: up to date", bundle);
			return 0;
		}
		oo.force = true;
	}
	r = registry_pull(&oo, source, bundle, e);
	return r < 0 ? r : 0;
}
