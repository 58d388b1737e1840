/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "reference.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

#define DOCKER_HUB "docker.io"
#define DOCKER_HUB_API "registry-1.docker.io"

bool ref_digest_valid(const char *d)
{
	const char *h = d ? startswith(d, "sha256:") : NULL;
	size_t i;

	if (!h || strlen(h) != 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!isdigit((unsigned char)h[i]) && !(h[i] >= 'a' && h[i] <= 'f'))
			return false;
	return true;
}

bool ref_host_is_loopback(const char *host)
{
	size_t n;

	if (startswith(host, "127.") || startswith(host, "[::1]") || startswith(host, "::1"))
		return true;
	n = strcspn(host, ":");
	return n == strlen("localhost") && strncmp(host, "localhost", n) == 0;
}

static bool looks_like_host(const char *c, size_t n)
{
	return memchr(c, '.', n) || memchr(c, ':', n) ||
	       (n == strlen("localhost") && strncmp(c, "localhost", n) == 0);
}

/* Repository path components: lowercase alphanumerics separated by '.', '_', '__', '-'. */
static bool repo_valid(const char *r)
{
	const char *p;

	if (!*r || *r == '/' || r[strlen(r) - 1] == '/' || strstr(r, "//"))
		return false;
	for (p = r; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("._-/", *p))
			return false;
	return strlen(r) <= 255;
}

static bool tag_valid(const char *t)
{
	const char *p;

	if (!*t || strlen(t) > 128 || *t == '.' || *t == '-')
		return false;
	for (p = t; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

static bool host_valid(const char *h)
{
	const char *p;

	if (!*h)
		return false;
	for (p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
			return false;
	return true;
}

/* --registry-url: "host[:port]" with an optional scheme and path; *@ret_plain for http://. */
static int default_host(const char *url, char **ret, bool *ret_plain, struct rtr_err *e)
{
	const char *d = url;

	if (startswith(d, "https://"))
		d += strlen("https://");
	else if (startswith(d, "http://")) {
		d += strlen("http://");
		*ret_plain = true;
	}
	*ret = strndup(d, strcspn(d, "/"));
	if (!*ret)
		return -ENOMEM;
	if (!host_valid(*ret))
		return rtr_err_set(e, EINVAL, "--registry-url %s: not a host[:port]", url);
	return 0;
}

/* "@sha256:..." is cut off @copy into r->digest. */
static int split_digest(char *copy, const char *s, struct rtr_ref *r, struct rtr_err *e)
{
	char *at = strchr(copy, '@');

	if (!at)
		return 0;
	*at = 0;
	if (!ref_digest_valid(at + 1))
		return rtr_err_set(e, EINVAL, "%s: digest must be sha256: and 64 hex digits", s);
	r->digest = strdup(at + 1);
	return r->digest ? 0 : -ENOMEM;
}

/* The registry: a first component that looks like a host, else @def (or docker.io).  Returns
 * the rest of @copy in *@ret_rest. */
static int split_registry(char *copy, const char *def, bool plain, const char *s, struct rtr_ref *r,
			  char **ret_rest, struct rtr_err *e)
{
	char *slash = strchr(copy, '/');

	if (slash && looks_like_host(copy, slash - copy)) {
		r->registry = strndup(copy, slash - copy);
		*ret_rest = slash + 1;
		plain = false;
	} else {
		r->registry = strdup(def ? def : DOCKER_HUB);
		*ret_rest = copy;
	}
	if (!r->registry)
		return -ENOMEM;
	if (!host_valid(r->registry))
		return rtr_err_set(e, EINVAL, "%s: invalid registry host", s);
	r->plain_http = plain;
	if (streq(r->registry, "index.docker.io"))
		return strdup_replace(&r->registry, DOCKER_HUB);
	return 0;
}

/* ":tag" after the last path component is cut off @rest; "latest" when neither a tag nor a
 * digest was given. */
static int split_tag(char *rest, const char *s, struct rtr_ref *r, struct rtr_err *e)
{
	char *last = strrchr(rest, '/');
	char *colon = strchr(last ? last : rest, ':');

	if (colon) {
		*colon = 0;
		if (!tag_valid(colon + 1))
			return rtr_err_set(e, EINVAL, "%s: invalid tag", s);
		r->tag = strdup(colon + 1);
	} else if (!r->digest)
		r->tag = strdup("latest");
	else
		return 0;
	return r->tag ? 0 : -ENOMEM;
}

/* The repository ("library/" for a docker.io name of one component) and its API host. */
static int set_repo(const char *rest, const char *s, struct rtr_ref *r, struct rtr_err *e)
{
	if (streq(r->registry, DOCKER_HUB) && !strchr(rest, '/'))
		r->repo = xasprintf("library/%s", rest);
	else
		r->repo = strdup(rest);
	if (!r->repo)
		return -ENOMEM;
	if (!repo_valid(r->repo))
		return rtr_err_set(e, EINVAL,
				   "%s: invalid repository name (lowercase letters, digits, "
				   "'.', '_', '-' and '/')",
				   s);
	r->api_host = strdup(streq(r->registry, DOCKER_HUB) ? DOCKER_HUB_API : r->registry);
	return r->api_host ? 0 : -ENOMEM;
}

int ref_parse(const char *s, const char *default_registry, struct rtr_ref *ret, struct rtr_err *e)
{
	_cleanup_free_ char *copy = NULL, *def = NULL;
	struct rtr_ref r = {};
	bool plain = false;
	char *rest;
	int k;

	if (startswith(s, "docker://"))
		s += strlen("docker://");
	if (!*s)
		return rtr_err_set(e, EINVAL, "empty image reference");
	if (strlen(s) > 4096)
		return rtr_err_set(e, EINVAL, "image reference too long");
	if (default_registry && *default_registry) {
		k = default_host(default_registry, &def, &plain, e);
		if (k < 0)
			return k;
	}
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	k = split_digest(copy, s, &r, e);
	if (k >= 0)
		k = split_registry(copy, def, plain, s, &r, &rest, e);
	if (k >= 0)
		k = split_tag(rest, s, &r, e);
	if (k >= 0)
		k = set_repo(rest, s, &r, e);
	if (k < 0) {
		ref_done(&r);
		return k == -ENOMEM ? rtr_err_set(e, ENOMEM, "%s: out of memory", s) : k;
	}
	*ret = r;
	return 0;
}

void ref_done(struct rtr_ref *r)
{
	free(r->registry);
	free(r->api_host);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	*r = (struct rtr_ref){};
}

char *ref_to_string(const struct rtr_ref *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->registry, r->repo, r->tag ? ":" : "",
			 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}
