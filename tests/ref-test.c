/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of rtr-pull's image reference parser (pull/reference.c): Docker Hub
 * normalisation, registry hosts, tags and digests, --registry-url, and the references it
 * must refuse.  No root, no network.  TAP output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pull/reference.h"
#include "tap.h"

static int eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Parses @in and compares every field; NULL @want_* means "absent". */
static void good(const char *in, const char *defreg, const char *registry, const char *api,
		 const char *repo, const char *tag, const char *digest, int plain)
{
	struct rtr_ref r = {0};
	struct rtr_err e = {0};
	int rc = ref_parse(in, defreg, &r, &e);

	check(rc == 0 && eq(r.registry, registry) && eq(r.api_host, api) && eq(r.repo, repo) &&
		  eq(r.tag, tag) && eq(r.digest, digest) && r.plain_http == plain,
	      "%s%s%s -> %s | %s | %s | %s | %s%s", in, defreg ? " with --registry-url " : "",
	      defreg ? defreg : "", registry, api, repo, tag ? tag : "-", digest ? "digest" : "-",
	      plain ? " | http" : "");
	if (rc < 0)
		printf("# error: %s\n", e.msg);
	else if (!eq(r.repo, repo) || !eq(r.registry, registry))
		printf("# got: %s | %s | %s | %s\n", r.registry, r.api_host, r.repo,
		       r.tag ? r.tag : "-");
	ref_done(&r);
}

static void bad(const char *in, const char *want_msg)
{
	struct rtr_ref r = {0};
	struct rtr_err e = {0};
	int rc = ref_parse(in, NULL, &r, &e);

	check(rc < 0 && strstr(e.msg, want_msg), "'%s' refused: %s", in, want_msg);
	if (rc >= 0 || !strstr(e.msg, want_msg))
		printf("# rc=%d msg=%s\n", rc, e.msg);
	ref_done(&r);
}

static void round_trip(const char *in, const char *want)
{
	struct rtr_ref r = {0};
	char *s = NULL;

	if (ref_parse(in, NULL, &r, NULL) == 0)
		s = ref_to_string(&r);
	check(s && strcmp(s, want) == 0, "ref_to_string(%s) = %s", in, want);
	if (s && strcmp(s, want) != 0)
		printf("# got %s\n", s);
	free(s);
	ref_done(&r);
}

int main(void)
{
	good("alpine", NULL, "docker.io", "registry-1.docker.io", "library/alpine", "latest", NULL,
	     0);
	good("docker://alpine:3.19", NULL, "docker.io", "registry-1.docker.io", "library/alpine",
	     "3.19", NULL, 0);
	good("docker.io/library/alpine", NULL, "docker.io", "registry-1.docker.io",
	     "library/alpine", "latest", NULL, 0);
	good("user/app:1", NULL, "docker.io", "registry-1.docker.io", "user/app", "1", NULL, 0);
	good("ghcr.io/ns/app:1.2", NULL, "ghcr.io", "ghcr.io", "ns/app", "1.2", NULL, 0);
	good("localhost/app", NULL, "localhost", "localhost", "app", "latest", NULL, 0);
	good("127.0.0.1:5000/lab/app:1", NULL, "127.0.0.1:5000", "127.0.0.1:5000", "lab/app", "1",
	     NULL, 0);
	good("127.0.0.1:5000/lab/app@sha256:" HEX64, NULL, "127.0.0.1:5000", "127.0.0.1:5000",
	     "lab/app", NULL, "sha256:" HEX64, 0);
	good("r.example:443/a/b/c:t@sha256:" HEX64, NULL, "r.example:443", "r.example:443", "a/b/c",
	     "t", "sha256:" HEX64, 0);
	good("app", "http://127.0.0.1:5000/", "127.0.0.1:5000", "127.0.0.1:5000", "app", "latest",
	     NULL, 1);
	good("lab/app:2", "https://mirror.example", "mirror.example", "mirror.example", "lab/app",
	     "2", NULL, 0);

	bad("UPPER/Case:1", "invalid repository name");
	bad("", "empty image reference");
	bad("alpine@sha256:1234", "digest must be sha256: and 64 hex digits");
	bad("alpine:bad tag", "invalid tag");
	bad("alpine:-tag", "invalid tag");
	bad("a//b", "invalid repository name");

	round_trip("alpine", "docker.io/library/alpine:latest");
	round_trip("127.0.0.1:5000/lab/app@sha256:" HEX64, "127.0.0.1:5000/lab/app@sha256:" HEX64);

	check(ref_digest_valid("sha256:" HEX64), "a sha256 digest is valid");
	check(!ref_digest_valid("sha256:" HEX64 "0"), "a digest of 65 hex digits is not");
	check(!ref_digest_valid(
		  "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
	      "upper-case hex is not");
	check(ref_host_is_loopback("127.0.0.1:5000"), "127.0.0.1:5000 is loopback");
	check(ref_host_is_loopback("localhost"), "localhost is loopback");
	check(ref_host_is_loopback("[::1]:5000"), "[::1]:5000 is loopback");
	check(!ref_host_is_loopback("ghcr.io"), "ghcr.io is not");

	return tap_done();
}
