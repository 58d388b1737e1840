/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Content digests of rtr-pull: the one module that sees libcrypto.
 *
 * Only "sha256:<64 lowercase hex>" is accepted (the algorithm every registry and
 * `docker save` uses).  A streaming context is heap state, so it survives anything the
 * caller does between updates (a dropped connection, a Range request).
 *
 *	struct digest *d;
 *	r = digest_new(&d);                   // -ENOMEM
 *	digest_update(d, buf, n);             // any chunking
 *	r = digest_check(d, "sha256:ab..", "layer", err);  // -EBADMSG on mismatch
 *	digest_free(d);
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner/lib/log.h"

/* "sha256:" + 64 hex + NUL */
#define DIGEST_STR_MAX 72

struct digest;

int digest_new(struct digest **ret);
void digest_free(struct digest *d);
static inline void digest_freep(struct digest **d)
{
	digest_free(*d);
}
#define _cleanup_digest_ __attribute__((cleanup(digest_freep)))

int digest_update(struct digest *d, const void *buf, size_t len);
/* Bytes hashed so far. */
uint64_t digest_bytes(const struct digest *d);
/* Finish: "sha256:..." into @ret (DIGEST_STR_MAX bytes).  The context cannot be updated
 * afterwards. */
int digest_final(struct digest *d, char ret[DIGEST_STR_MAX]);
/* Finish and compare with @expected; -EBADMSG "WHAT: digest mismatch: expected X, got Y". */
int digest_check(struct digest *d, const char *expected, const char *what, struct rtr_err *err);

/* Is @s a well-formed "sha256:<64 lowercase hex>"?  -EINVAL naming @what otherwise (also
 * for other algorithms: "unsupported digest algorithm"). */
int digest_validate(const char *s, const char *what, struct rtr_err *err);
/* The hex part of a validated digest (for blob file names: blobs/sha256/<hex>). */
const char *digest_hex(const char *s);

/* One-shot: hash @buf and compare with @expected (manifests, configs, index). */
int digest_verify_buf(const void *buf, size_t len, const char *expected, const char *what,
		      struct rtr_err *err);
/* One-shot: "sha256:..." of @buf. */
int digest_buf(const void *buf, size_t len, char ret[DIGEST_STR_MAX]);
