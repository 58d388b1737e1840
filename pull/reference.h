/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Image references as Docker users write them.
 *
 *   alpine                      -> docker.io/library/alpine:latest
 *   ghcr.io/ns/app:1.2          -> registry ghcr.io, repository ns/app, tag 1.2
 *   127.0.0.1:5000/lab/app@sha256:<64 hex>
 *   docker://...                -> the same without the transport prefix
 *
 * A first path component is a registry host when it contains '.' or ':' or is
 * "localhost"; otherwise the default registry (docker.io, or --registry-url) is used.
 * docker.io names are served by their real API host, registry-1.docker.io.
 */

#include <stdbool.h>

#include "runner/lib/log.h"

struct rtr_ref {
	char *registry;	 /* as named: "docker.io", "127.0.0.1:5000" */
	char *api_host;	 /* host[:port] the API is served from */
	char *repo;	 /* "library/alpine" */
	char *tag;	 /* NULL when only a digest was given */
	char *digest;	 /* "sha256:<hex>" or NULL */
	bool plain_http; /* the default registry URL said http:// */
};

/*
 * Parses @s.  @default_registry is NULL for docker.io, or the value of --registry-url
 * ("host[:port]", optionally with an https:// or http:// scheme and a trailing '/').
 */
int ref_parse(const char *s, const char *default_registry, struct rtr_ref *ret, struct rtr_err *e);
void ref_done(struct rtr_ref *r);
/* "registry/repo:tag", "registry/repo@digest" or "registry/repo:tag@digest"; malloc'ed. */
char *ref_to_string(const struct rtr_ref *r);
/* True for a "sha256:" followed by 64 lowercase hex digits. */
bool ref_digest_valid(const char *d);
/* True when the API host is a loopback address (plain HTTP allowed without asking). */
bool ref_host_is_loopback(const char *host);
