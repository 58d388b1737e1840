/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stream decompression for layers and for compressed archives: gzip (zlib) and zstd
 * (libzstd, an optional dependency: -Dzstd=disabled builds refuse zstd with a message
 * that says so).  The only file that includes zlib or libzstd.
 *
 *	struct decomp *d;
 *	r = decomp_new(&d, DECOMP_GZIP, "layer sha256:..", err);
 *	r = decomp_feed(d, in, n, out_fn, ud, err);   // any number of times
 *	r = decomp_end(d, err);                       // -EBADMSG when truncated
 *	decomp_free(d);
 *
 * decomp_sniff() names the compression of a stream from its first bytes, including the
 * ones rtr does not read (xz, bzip2), so that a message can name them.
 */

#include <stdbool.h>
#include <stddef.h>

#include "runner/lib/log.h"

enum decomp_kind {
	DECOMP_NONE,
	DECOMP_GZIP,
	DECOMP_ZSTD,
	DECOMP_XZ,    /* recognised only to be named */
	DECOMP_BZIP2, /* recognised only to be named */
};

/* Bytes decomp_sniff() wants to see (fewer: it decides from what it has). */
#define DECOMP_SNIFF_BYTES 6

enum decomp_kind decomp_sniff(const unsigned char *buf, size_t len);
/* "gzip", "zstd", "xz", "bzip2", "none" */
const char *decomp_name(enum decomp_kind k);
/* Whether this build reads @k (zstd only with libzstd). */
bool decomp_supported(enum decomp_kind k);

struct decomp;

/* Output sink: a negative return stops decomp_feed() with that value. */
typedef int (*decomp_out_fn)(void *ud, const void *buf, size_t len, struct rtr_err *err);

/* @what names the stream in messages ("layer sha256:..", "FILE"). -ENOTSUP for a kind
 * this build cannot read, with the reason in @err. */
int decomp_new(struct decomp **ret, enum decomp_kind k, const char *what, struct rtr_err *err);
int decomp_feed(struct decomp *d, const void *buf, size_t len, decomp_out_fn out, void *ud,
		struct rtr_err *err);
/* The caller verifies a digest over every compressed byte: gzip's own CRC-32 is not
 * computed (~5% of a pull's CPU). */
void decomp_skip_check(struct decomp *d);
/* The input ended: -EBADMSG unless the compressed stream ended too. */
int decomp_end(struct decomp *d, struct rtr_err *err);
void decomp_free(struct decomp *d);
