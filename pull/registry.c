/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "runner/lib/log.h"
#include "pull/reference.h"
#include "pull/unpack.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/json.h"
#include "runner/lib/util.h"

#define ACCEPT_MANIFESTS                                                                           \
	IMAGE_MT_OCI_INDEX ", " IMAGE_MT_DOCKER_LIST ", " IMAGE_MT_OCI_MANIFEST                    \
			   ", " IMAGE_MT_DOCKER_MANIFEST

struct registry {
	struct rtr_ref ref;
	char *refstr;
	struct http_client *http;
	const struct auth_creds *creds; /* the caller's, &file_creds, or NULL */
	struct auth_creds file_creds;
	char *auth; /* current Authorization value, reused for every request */
	char *base; /* "https://host:port" */
	char *scope;
	struct progress *progress;
	struct http_opts ho; /* for the clients of the download threads */
	/* auth: the download threads share one token, renewed by whichever sees a 401 */
	pthread_mutex_t lock;
};

const char *registry_ref(const struct registry *g)
{
	return g->refstr;
}

/* Puts "REF: [WHAT: ]" before the message in @e unless it already names @mark. */
static int prefix_err(const struct registry *g, struct rtr_err *e, int r, const char *what,
		      const char *mark)
{
	if (!e || (mark && strstr(e->msg, mark)))
		return r;
	if (what)
		return rtr_err_wrap(e, -r, "%s: %s", g->refstr, what);
	return rtr_err_wrap(e, -r, "%s", g->refstr);
}

/* ---- requests with authentication ---- */

/* The current Authorization value, copied (another thread may renew it meanwhile). */
static char *auth_get(struct registry *g)
{
	char *a;

	pthread_mutex_lock(&g->lock);
	a = g->auth ? strdup(g->auth) : NULL;
	pthread_mutex_unlock(&g->lock);
	return a;
}

/* A 401 for a request sent with @sent: renew the token, unless another thread did. */
static int auth_renew(struct registry *g, struct http_client *h, const char *www, const char *sent,
		      struct rtr_err *e)
{
	int r = 0;

	pthread_mutex_lock(&g->lock);
	if (!g->auth || !sent || streq(g->auth, sent)) {
		auth_free_secret(g->auth);
		g->auth = NULL;
		r = auth_respond(h, www, g->creds, g->scope, g->refstr, &g->auth, e);
	}
	pthread_mutex_unlock(&g->lock);
	return r;
}

static int request(struct registry *g, struct http_client *h, struct http_req *q,
		   struct http_resp *resp, const char *what, struct rtr_err *e)
{
	int r, tries = 0;

	for (;;) {
		char *sent = auth_get(g);
		q->authorization = sent;
		r = http_request(h, q, resp, e);
		q->authorization = NULL;
		if (r < 0 || resp->status != 401) {
			auth_free_secret(sent);
			return r;
		}
		if (tries++ > 0 || (sent && !q->sink && !resp->www_authenticate)) {
			const char *hint = g->creds ? "the registry refused the credentials"
						    : "the registry wants credentials (--creds, "
						      "--password-stdin or an auth file)";
			auth_free_secret(sent);
			return rtr_err_set(e, EACCES, "%s: %s: 401 Unauthorized: %s", g->refstr,
					   what, hint);
		}
		_cleanup_free_ char *w =
		    resp->www_authenticate ? strdup(resp->www_authenticate) : NULL;
		if (q->sink)
			q->offset += resp->delivered;
		http_resp_done(resp);
		r = auth_renew(g, h, w, sent, e);
		auth_free_secret(sent);
		if (r < 0)
			return r;
	}
}

static int status_error(struct registry *g, const struct http_resp *resp, const char *what,
			struct rtr_err *e)
{
	char msg[160] = "";

	if (resp->body && resp->body_len) {
		/* Registry errors are {"errors":[{"code":..,"message":..}]}: show the message. */
		_cleanup_json_ struct json *j = NULL;
		if (json_parse(resp->body, resp->body_len, RTR_HTTP_ERROR_BODY_MAX, &j, NULL) >=
		    0) {
			struct json_cur root = json_root(j), errs = json_member(&root, "errors"),
					e0 = json_item(&errs, 0);
			const char *code = NULL, *m = NULL;
			json_str(JSON_TMP(json_member(&e0, "code")), &code, NULL);
			json_str(JSON_TMP(json_member(&e0, "message")), &m, NULL);
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

int registry_get_blob(struct registry *g, struct http_client *h, const char *digest,
		      uint64_t offset, http_sink_fn sink, void *ud, struct rtr_err *e)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/blobs/%s", g->base, g->ref.repo, digest);
	_cleanup_free_ char *what = xasprintf("blob %s", digest);
	struct http_req q = {.url = url, .sink = sink, .ud = ud, .offset = offset};
	struct http_resp resp = {};
	int r;

	if (!url || !what)
		return -ENOMEM;
	r = request(g, h ? h : g->http, &q, &resp, what, e);
	if (r >= 0 && resp.status != 200 && resp.status != 206)
		r = status_error(g, &resp, what, e);
	http_resp_done(&resp);
	return r < 0 ? prefix_err(g, e, r, what, digest) : r;
}

int registry_client_new(struct registry *g, volatile sig_atomic_t *stop, struct http_client **ret,
			struct rtr_err *e)
{
	struct http_opts ho = g->ho;

	ho.interrupted = stop;
	return http_client_new(&ho, ret, e);
}

/* ---- manifests ---- */

/* The body's digest: what the reference names, else what the registry says it is. */
static int manifest_verify(struct registry *g, const struct http_resp *resp,
			   const char *expect_digest, const char *what,
			   char ret_digest[DIGEST_STR_MAX], struct rtr_err *e)
{
	int r = digest_buf(resp->body, resp->body_len, ret_digest);
	if (r < 0)
		return r;
	if (expect_digest)
		return digest_verify_buf(resp->body, resp->body_len, expect_digest, what, e);
	if (resp->docker_digest && startswith(resp->docker_digest, "sha256:") &&
	    !streq(resp->docker_digest, ret_digest))
		return rtr_err_set(e, EBADMSG,
				   "%s: %s: digest mismatch: the registry says %s, the "
				   "content is %s",
				   g->refstr, what, resp->docker_digest, ret_digest);
	return 0;
}

static int fetch_manifest(struct registry *g, const char *ref, const char *expect_digest,
			  char **ret_body, size_t *ret_len, char **ret_type,
			  char ret_digest[DIGEST_STR_MAX], struct rtr_err *e)
{
	_cleanup_free_ char *url = xasprintf("%s/v2/%s/manifests/%s", g->base, g->ref.repo, ref);
	_cleanup_free_ char *what = xasprintf("manifest %s", ref);
	struct http_req q = {
	    .url = url, .accept = ACCEPT_MANIFESTS, .max_body = RTR_MANIFEST_MAX_BYTES};
	struct http_resp resp = {};
	int r;

	if (!url || !what)
		return -ENOMEM;
	r = request(g, g->http, &q, &resp, what, e);
	if (r == -EFBIG)
		r = rtr_err_set(e, EFBIG, "%s: %s: larger than %d bytes", g->refstr, what,
				RTR_MANIFEST_MAX_BYTES);
	else if (r < 0)
		r = prefix_err(g, e, r, NULL, g->refstr);
	else if (resp.status != 200)
		r = status_error(g, &resp, what, e);
	else
		r = manifest_verify(g, &resp, expect_digest, what, ret_digest, e);
	if (r >= 0) {
		*ret_type = resp.content_type
				? strndup(resp.content_type, strcspn(resp.content_type, "; "))
				: NULL;
		*ret_len = resp.body_len;
		*ret_body = TAKE_PTR(resp.body);
	}
	http_resp_done(&resp);
	return r;
}

/* An index: the manifest for @want replaces *body and *type. */
static int resolve_index(struct registry *g, const struct rtr_platform *want, char **body,
			 size_t *len, char **type, char ret_digest[DIGEST_STR_MAX],
			 char ret_platform[64], struct rtr_err *e)
{
	struct image_index ix = {};
	const struct image_desc *d;
	char *mbody = NULL, *mtype = NULL;
	size_t mlen;
	int r;

	r = image_index_parse(*body, *len, &ix, e);
	if (r < 0)
		return r;
	r = image_index_choose(&ix, want, &d, e);
	if (r < 0) {
		image_index_done(&ix);
		return prefix_err(g, e, r, NULL, NULL);
	}
	if (d->has_platform)
		platform_format(&d->platform, ret_platform, 64);
	r = fetch_manifest(g, d->digest, d->digest, &mbody, &mlen, &mtype, ret_digest, e);
	image_index_done(&ix);
	if (r < 0)
		return r;
	free(*body);
	free(*type);
	*body = mbody;
	*type = mtype;
	*len = mlen;
	if (image_is_index(*type, *body, *len))
		return rtr_err_set(e, EPROTO, "%s: nested image index not supported", g->refstr);
	return 0;
}

int registry_resolve(struct registry *g, const struct rtr_platform *want,
		     struct image_manifest *ret, char ret_digest[DIGEST_STR_MAX],
		     char ret_platform[64], struct rtr_err *e)
{
	_cleanup_free_ char *body = NULL, *type = NULL;
	struct rtr_platform host;
	size_t len;
	int r;

	r = fetch_manifest(g, g->ref.digest ? g->ref.digest : g->ref.tag, g->ref.digest, &body,
			   &len, &type, ret_digest, e);
	if (r < 0)
		return r;
	if (streq(type, IMAGE_MT_DOCKER_V1) || streq(type, IMAGE_MT_DOCKER_V1_SIGNED))
		return rtr_err_set(e, ENOTSUP,
				   "%s: Docker schema 1 manifests are not supported "
				   "(deprecated since 2017; re-push the image with a "
				   "current client)",
				   g->refstr);
	if (!want) {
		platform_host(&host);
		want = &host;
	}
	platform_format(want, ret_platform, 64);
	if (image_is_index(type, body, len)) {
		/* The platform's manifest digest is the one recorded and compared by --check. */
		r = resolve_index(g, want, &body, &len, &type, ret_digest, ret_platform, e);
		if (r < 0)
			return r;
	}
	r = image_manifest_parse(body, len, ret, e);
	return r < 0 ? prefix_err(g, e, r, "manifest", NULL) : r;
}

/* ---- setup ---- */

void registry_close(struct registry *g)
{
	if (!g)
		return;
	ref_done(&g->ref);
	free(g->refstr);
	http_client_free(g->http);
	auth_creds_done(&g->file_creds);
	auth_free_secret(g->auth);
	free(g->base);
	free(g->scope);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static void on_retry(void *ud, const char *url, const char *why, int attempt)
{
	struct registry *g = ud;
	progress_retry(g->progress, url, why, attempt);
}

static int session_setup(struct registry *g, const char *source, const struct registry_opts *o,
			 struct rtr_err *e)
{
	int r;

	r = ref_parse(source, o->registry_url, &g->ref, e);
	if (r < 0)
		return r;
	g->refstr = ref_to_string(&g->ref);
	g->scope = xasprintf("repository:%s:pull", g->ref.repo);
	if (!g->refstr || !g->scope)
		return -ENOMEM;
	if (o->creds)
		g->creds = o->creds;
	else if (auth_creds_from_files(g->ref.registry, &g->file_creds, NULL) >= 0)
		g->creds = &g->file_creds;
	return 0;
}

int registry_open(struct registry **ret, const char *source, const struct registry_opts *o,
		  struct rtr_err *e)
{
	struct registry *g = calloc(1, sizeof(*g));
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

	if (!g)
		return -ENOMEM;
	g->progress = o->progress;
	g->ho = ho;
	pthread_mutex_init(&g->lock, NULL);
	r = session_setup(g, source, o, e);
	if (r >= 0 && o->insecure)
		log_warn("--insecure: TLS certificates are NOT verified; anyone on the path can "
			 "serve you any image");
	if (r >= 0)
		r = http_client_new(&ho, &g->http, e);
	if (r >= 0)
		r = http_pick_scheme(g->http, g->ref.api_host, g->ref.plain_http, &scheme, e);
	if (r >= 0 && !(g->base = xasprintf("%s://%s", scheme, g->ref.api_host)))
		r = -ENOMEM;
	if (r < 0) {
		registry_close(g);
		return r;
	}
	*ret = g;
	return 0;
}
