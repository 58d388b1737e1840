/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "runner/lib/json.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

void auth_free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void auth_creds_done(struct auth_creds *c)
{
	auth_free_secret(c->user);
	auth_free_secret(c->pass);
	free(c->source);
	*c = (struct auth_creds){};
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *auth_base64_encode(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = b64chars[p[i] >> 2];
		*o++ = b64chars[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64chars[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64chars[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = b64chars[p[i] >> 2];
		if (i + 1 < len) {
			*o++ = b64chars[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64chars[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64chars[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = 0;
	return out;
}

int auth_base64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s), len = 0;
	unsigned acc = 0;
	int bits = 0;
	char *out = malloc(n / 4 * 3 + 4);

	if (!out)
		return -ENOMEM;
	for (; *s && *s != '='; s++) {
		const char *c = strchr(b64chars, *s);
		if (!c || !*s) {
			auth_free_secret(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (unsigned)(c - b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[len] = 0;
	*ret = out;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int auth_creds_parse(const char *s, struct auth_creds *ret, struct rtr_err *e)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon == s)
		return rtr_err_set(e, EINVAL, "--creds: expected USER:PASSWORD");
	*ret = (struct auth_creds){};
	ret->user = strndup(s, colon - s);
	ret->pass = strdup(colon + 1);
	ret->source = strdup("--creds");
	if (!ret->user || !ret->pass || !ret->source) {
		auth_creds_done(ret);
		return -ENOMEM;
	}
	return 0;
}

/* "https://index.docker.io/v1/" -> "index.docker.io"; docker.io spellings folded. */
static bool auth_key_matches(const char *key, const char *registry)
{
	const char *k = key;
	size_t n;

	if (startswith(k, "https://"))
		k += strlen("https://");
	else if (startswith(k, "http://"))
		k += strlen("http://");
	n = strcspn(k, "/");
	if (strlen(registry) == n && strncmp(k, registry, n) == 0)
		return true;
	if (streq(registry, "docker.io"))
		return (n == strlen("index.docker.io") && !strncmp(k, "index.docker.io", n)) ||
		       (n == strlen("registry-1.docker.io") &&
			!strncmp(k, "registry-1.docker.io", n));
	return false;
}

static int creds_from_file(const char *path, const char *registry, struct auth_creds *ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json *j = NULL;
	size_t len, i, n = 0;
	int r;

	r = read_file_at(AT_FDCWD, path, RTR_TOKEN_MAX_BYTES, &buf, &len);
	if (r < 0)
		return r;
	r = json_parse(buf, len, RTR_TOKEN_MAX_BYTES, &j, NULL);
	explicit_bzero(buf, len);
	if (r < 0)
		return r;
	struct json_cur root = json_root(j), auths = json_member(&root, "auths");
	if (json_object(&auths, &n, NULL) <= 0)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		struct json_cur ent = json_member_at(&auths, i);
		const char *a = NULL;
		char *dec = NULL, *colon;

		if (!ent.key || !auth_key_matches(ent.key, registry) ||
		    json_str(JSON_TMP(json_member(&ent, "auth")), &a, NULL) <= 0)
			continue;
		if (auth_base64_decode(a, &dec, NULL) < 0)
			continue;
		colon = strchr(dec, ':');
		if (!colon) {
			auth_free_secret(dec);
			continue;
		}
		*colon = 0;
		*ret = (struct auth_creds){};
		ret->user = strdup(dec);
		ret->pass = strdup(colon + 1);
		ret->source = strdup(path);
		auth_free_secret(dec);
		if (!ret->user || !ret->pass || !ret->source) {
			auth_creds_done(ret);
			return -ENOMEM;
		}
		return 0;
	}
	return -ENOENT;
}

int auth_creds_from_files(const char *registry, struct auth_creds *ret, struct rtr_err *e)
{
	const char *env;
	char *files[4] = {};
	size_t n = 0, i;
	int r = -ENOENT;

	if ((env = getenv("REGISTRY_AUTH_FILE")) && *env)
		files[n++] = strdup(env);
	if ((env = getenv("XDG_RUNTIME_DIR")) && *env)
		files[n++] = xasprintf("%s/containers/auth.json", env);
	if ((env = getenv("DOCKER_CONFIG")) && *env)
		files[n++] = xasprintf("%s/config.json", env);
	else if ((env = getenv("HOME")) && *env)
		files[n++] = xasprintf("%s/.docker/config.json", env);
	for (i = 0; i < n; i++) {
		if (r == -ENOENT && files[i])
			r = creds_from_file(files[i], registry, ret);
		if (r < 0 && r != -ENOENT)
			r = -ENOENT; /* an unreadable or broken auth file is like none */
		free(files[i]);
	}
	return r;
}

/* Challenge: SCHEME k="v", k=v, ...  Values may be quoted with \-escapes. */
struct challenge {
	char scheme[16];
	char *realm, *service, *scope;
};

static void challenge_done(struct challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
}

static int challenge_parse(const char *h, struct challenge *c)
{
	size_t n = strcspn(h, " \t");

	*c = (struct challenge){};
	if (n == 0 || n >= sizeof(c->scheme))
		return -EINVAL;
	memcpy(c->scheme, h, n);
	h += n;
	while (*h) {
		char key[32], *val;
		size_t kl, vl = 0;

		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		kl = strcspn(h, "=");
		if (!h[kl])
			break;
		if (kl >= sizeof(key))
			return -EINVAL;
		memcpy(key, h, kl);
		key[kl] = 0;
		h += kl + 1;
		val = malloc(strlen(h) + 1);
		if (!val)
			return -ENOMEM;
		if (*h == '"') {
			for (h++; *h && *h != '"'; h++) {
				if (*h == '\\' && h[1])
					h++;
				val[vl++] = *h;
			}
			if (*h == '"')
				h++;
		} else
			while (*h && *h != ',' && *h != ' ')
				val[vl++] = *h++;
		val[vl] = 0;
		for (char *k = key; *k; k++)
			*k = tolower((unsigned char)*k);
		char **dst = streq(key, "realm")     ? &c->realm
			     : streq(key, "service") ? &c->service
			     : streq(key, "scope")   ? &c->scope
						     : NULL;
		if (dst) {
			free(*dst);
			*dst = val;
		} else
			free(val);
	}
	return 0;
}

static char *basic_header(const struct auth_creds *cr)
{
	_cleanup_free_ char *up = xasprintf("%s:%s", cr->user, cr->pass);
	char *b, *h;

	if (!up)
		return NULL;
	b = auth_base64_encode(up, strlen(up));
	explicit_bzero(up, strlen(up));
	if (!b)
		return NULL;
	h = xasprintf("Basic %s", b);
	auth_free_secret(b);
	return h;
}

/* The token endpoint for a Bearer challenge: realm?service=..&scope=.. */
static char *token_url(const struct challenge *ch, const char *scope)
{
	_cleanup_free_ char *esc_service = NULL, *esc_scope = NULL;

	esc_service = ch->service ? http_escape(ch->service) : NULL;
	esc_scope = (scope || ch->scope) ? http_escape(scope ? scope : ch->scope) : NULL;
	return xasprintf("%s%s%s%s%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?",
			 esc_service ? "service=" : "", esc_service ? esc_service : "",
			 esc_scope ? (esc_service ? "&scope=" : "scope=") : "",
			 esc_scope ? esc_scope : "");
}

/* {"token": ..} or {"access_token": ..} from the token server's answer. */
static int token_header(const struct http_resp *resp, bool have_creds, const char *what,
			char **ret_header, struct rtr_err *e)
{
	_cleanup_json_ struct json *j = NULL;
	const char *tok = NULL;

	if (resp->status == 401 || resp->status == 403)
		return rtr_err_set(e, EACCES, "%s: token server refused %s (HTTP %ld)", what,
				   have_creds ? "the credentials" : "anonymous access",
				   resp->status);
	if (resp->status != 200)
		return rtr_err_set(e, EPROTO, "%s: token server answered HTTP %ld", what,
				   resp->status);
	if (json_parse(resp->body, resp->body_len, RTR_TOKEN_MAX_BYTES, &j, NULL) < 0)
		return rtr_err_set(e, EPROTO, "%s: token server answer is not JSON", what);
	struct json_cur root = json_root(j);
	if (json_str(JSON_TMP(json_member(&root, "token")), &tok, NULL) <= 0 || !*tok)
		tok = NULL;
	if (!tok && json_str(JSON_TMP(json_member(&root, "access_token")), &tok, NULL) <= 0)
		tok = NULL;
	if (!tok || !*tok)
		return rtr_err_set(e, EPROTO, "%s: token server answer has no token", what);
	*ret_header = xasprintf("Bearer %s", tok);
	return *ret_header ? 0 : -ENOMEM;
}

/* Bearer: ask the realm for a token, with @creds as Basic when there are any. */
static int bearer(struct http_client *c, const struct challenge *ch, const struct auth_creds *creds,
		  const char *scope, const char *what, char **ret_header, struct rtr_err *e)
{
	_cleanup_free_ char *url = NULL;
	struct http_resp resp = {};
	struct http_req q = {.max_body = RTR_TOKEN_MAX_BYTES};
	char *basic = NULL;
	int r;

	if (!ch->realm || !(startswith(ch->realm, "https://") || startswith(ch->realm, "http://")))
		return rtr_err_set(e, EPROTO, "%s: Bearer challenge without a usable realm", what);
	url = token_url(ch, scope);
	if (!url)
		return -ENOMEM;
	if (creds && !(basic = basic_header(creds)))
		return -ENOMEM;
	q.url = url;
	q.authorization = basic;
	r = http_request(c, &q, &resp, e);
	auth_free_secret(basic);
	if (r >= 0)
		r = token_header(&resp, creds, what, ret_header, e);
	if (resp.body)
		explicit_bzero(resp.body, resp.body_len);
	http_resp_done(&resp);
	return r;
}

int auth_respond(struct http_client *c, const char *www_authenticate,
		 const struct auth_creds *creds, const char *scope, const char *what,
		 char **ret_header, struct rtr_err *e)
{
	struct challenge ch;
	int r;

	if (!www_authenticate)
		return rtr_err_set(e, EACCES,
				   "%s: 401 Unauthorized without a WWW-Authenticate "
				   "challenge",
				   what);
	r = challenge_parse(www_authenticate, &ch);
	if (r < 0)
		return rtr_err_set(e, EPROTO, "%s: cannot parse the WWW-Authenticate challenge",
				   what);
	if (strcasecmp(ch.scheme, "Basic") == 0) {
		if (!creds)
			r = rtr_err_set(e, EACCES,
					"%s: 401 Unauthorized: the registry wants "
					"credentials (--creds, --password-stdin or an auth "
					"file)",
					what);
		else
			r = (*ret_header = basic_header(creds)) ? 0 : -ENOMEM;
	} else if (strcasecmp(ch.scheme, "Bearer") == 0)
		r = bearer(c, &ch, creds, scope, what, ret_header, e);
	else
		r = rtr_err_set(e, EPROTO, "%s: unsupported authentication scheme %s", what,
				ch.scheme);
	challenge_done(&ch);
	return r;
}
