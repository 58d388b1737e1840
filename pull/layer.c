/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "decomp.h"
#include "digest.h"
#include "layer.h"
#include "ring.h"
#include "runner/lib/util.h"
#include "tar.h"

struct layer {
	enum layer_compression comp;
	char *expected;
	uint64_t expected_size;
	struct digest *blob; /* of the stored bytes */
	struct digest *diff; /* of the tar stream */
	char diff_id[DIGEST_STR_MAX];
	struct decomp *dc;
	bool decided;				 /* compression known, sniff buffer pushed */
	bool skip_check;			 /* the caller checks the blob digest */
	unsigned char sniff[DECOMP_SNIFF_BYTES]; /* first bytes while the compression is unknown */
	size_t n_sniff;
	char what[DIGEST_STR_MAX + 8]; /* "layer sha256:.." for messages */
	/* The back half, on the ring's thread: diff_id hash, tar reader, unpacker. */
	struct ring *ring;
	struct tar *tar;
	struct unpack *unpack;
	uint64_t offset;
	bool failed;
};

static int h_entry(void *ud, const struct unpack_entry *e, struct rtr_err *err)
{
	return unpack_begin(ud, e, err);
}

static int h_data(void *ud, const void *buf, size_t len, struct rtr_err *err)
{
	return unpack_data(ud, buf, len, err);
}

static int h_end(void *ud, struct rtr_err *err)
{
	return unpack_finish(ud, err);
}

static const struct tar_handler handler = {
    .entry = h_entry,
    .data = h_data,
    .entry_end = h_end,
};

static const char *name(const struct layer *l)
{
	return l->expected ? l->expected : "layer";
}

/* The tar stream, on the ring's thread. */
static int tar_in(void *ud, const void *buf, size_t len, struct rtr_err *err)
{
	struct layer *l = ud;
	int r = digest_update(l->diff, buf, len);
	if (r < 0)
		return rtr_err_set(err, -r, "%s: hashing failed", name(l));
	return tar_feed(l->tar, buf, len, err);
}

int layer_compression_from_media_type(const char *mt, enum layer_compression *ret,
				      struct rtr_err *err)
{
	if (!mt) {
		*ret = LAYER_COMP_AUTO;
		return 0;
	}
	if (strstr(mt, "zstd"))
		*ret = LAYER_COMP_ZSTD;
	else if (strstr(mt, "gzip"))
		*ret = LAYER_COMP_GZIP;
	else if (strstr(mt, ".tar") || strstr(mt, "layer"))
		*ret = strstr(mt, "docker") ? LAYER_COMP_AUTO : LAYER_COMP_NONE;
	else
		return rtr_err_set(err, EINVAL, "media type %s is not a layer", mt);
	return 0;
}

int layer_begin(struct layer **ret, int rootfs_fd, const char *expected_digest,
		uint64_t expected_size, enum layer_compression comp, struct unpack_opts *opts,
		struct rtr_err *err)
{
	struct layer *l;
	int r;

	if (expected_digest) {
		r = digest_validate(expected_digest, "layer", err);
		if (r < 0)
			return r;
	}
	if (comp == LAYER_COMP_ZSTD && !decomp_supported(DECOMP_ZSTD))
		return decomp_new(NULL, DECOMP_ZSTD, expected_digest ? expected_digest : "layer",
				  err);
	l = calloc(1, sizeof(*l));
	if (!l)
		return rtr_err_set(err, ENOMEM, "out of memory");
	l->comp = comp;
	l->expected_size = expected_size;
	if ((expected_digest && !(l->expected = strdup(expected_digest))) ||
	    digest_new(&l->blob) < 0 || digest_new(&l->diff) < 0 ||
	    unpack_new(&l->unpack, rootfs_fd, opts) < 0 ||
	    tar_new(&l->tar, &handler, l->unpack) < 0 || ring_start(&l->ring, tar_in, l) < 0) {
		layer_free(l);
		return rtr_err_set(err, ENOMEM, "out of memory");
	}
	*ret = l;
	return 0;
}

void layer_free(struct layer *l)
{
	if (!l)
		return;
	ring_free(l->ring); /* first: its thread may be in the tar reader */
	decomp_free(l->dc);
	free(l->expected);
	digest_free(l->blob);
	digest_free(l->diff);
	tar_free(l->tar);
	unpack_free(l->unpack);
	free(l);
}

/* The decompressor's output, into the ring. */
static int tar_out(void *ud, const void *buf, size_t len, struct rtr_err *err)
{
	struct layer *l = ud;
	return ring_write(l->ring, buf, len, err);
}

/* The front half failed with @r: the bytes before the failure are still in the ring, and
 * one thread would have met an error in them first. */
static int fail(struct layer *l, int r, struct rtr_err *err)
{
	struct rtr_err e = {0};
	int k = ring_flush(l->ring, &e);

	l->failed = true;
	if (k < 0 && err)
		*err = e;
	return k < 0 ? k : r;
}

static int decide(struct layer *l, struct rtr_err *err)
{
	enum decomp_kind k = l->comp == LAYER_COMP_GZIP	  ? DECOMP_GZIP
			     : l->comp == LAYER_COMP_ZSTD ? DECOMP_ZSTD
							  : DECOMP_NONE;
	int r;

	if (l->comp == LAYER_COMP_AUTO)
		k = decomp_sniff(l->sniff, l->n_sniff);
	snprintf(l->what, sizeof(l->what), "%s", name(l));
	r = decomp_new(&l->dc, k, l->what, err);
	if (r >= 0 && l->skip_check)
		decomp_skip_check(l->dc);
	return r;
}

static int push(struct layer *l, const unsigned char *buf, size_t len, struct rtr_err *err)
{
	return decomp_feed(l->dc, buf, len, tar_out, l, err);
}

/* Keep the first bytes until the compression can be told from them; returns how many of
 * @buf were taken. */
static size_t sniff(struct layer *l, const unsigned char *buf, size_t len)
{
	size_t n = sizeof(l->sniff) - l->n_sniff < len ? sizeof(l->sniff) - l->n_sniff : len;

	memcpy(l->sniff + l->n_sniff, buf, n);
	l->n_sniff += n;
	return n;
}

/* The compression is known (or the input ended): pass on what was kept for sniffing. */
static int start(struct layer *l, struct rtr_err *err)
{
	int r;

	l->decided = true;
	r = decide(l, err);
	if (r >= 0)
		r = push(l, l->sniff, l->n_sniff, err);
	return r;
}

/* Hash, sniff, inflate into the ring: the caller's thread. */
static int front(struct layer *l, const unsigned char *p, size_t len, struct rtr_err *err)
{
	int r = 0;

	if (l->expected_size != UINT64_MAX && len > l->expected_size - l->offset)
		return rtr_err_set(err, EBADMSG, "%s: more data than the %llu bytes announced",
				   name(l), (unsigned long long)l->expected_size);
	if (l->expected) {
		r = digest_update(l->blob, p, len);
		if (r < 0)
			return rtr_err_set(err, -r, "%s: hashing failed", name(l));
	}
	l->offset += len;

	if (!l->decided && l->comp == LAYER_COMP_AUTO) {
		size_t n = sniff(l, p, len);
		p += n;
		len -= n;
		if (l->n_sniff < sizeof(l->sniff))
			return 0;
	}
	if (!l->decided)
		r = start(l, err);
	return r < 0 ? r : push(l, p, len, err);
}

int layer_feed(struct layer *l, const void *buf, size_t len, struct rtr_err *err)
{
	int r;

	if (l->failed)
		return rtr_err_set(err, EINVAL, "%s: fed after an error", name(l));
	if (unpack_interrupted) {
		l->failed = true;
		return rtr_err_set(err, EINTR, "interrupted");
	}
	if (len == 0)
		return 0;
	r = front(l, buf, len, err);
	return r < 0 ? fail(l, r, err) : 0;
}

int layer_flush(struct layer *l, struct rtr_err *err)
{
	int r;

	if (l->failed)
		return rtr_err_set(err, EINVAL, "%s: flushed after an error", name(l));
	r = ring_flush(l->ring, err);
	if (r < 0)
		l->failed = true;
	return r;
}

int layer_end(struct layer *l, struct rtr_err *err)
{
	int r = 0;

	if (l->failed)
		return rtr_err_set(err, EINVAL, "%s: ended after an error", name(l));
	if (!l->decided)
		r = start(l, err); /* fewer bytes in all than a sniff takes */
	/* Everything went through the back half before its state is read here. */
	r = r < 0 ? fail(l, r, err) : ring_flush(l->ring, err);
	l->failed = true; /* one end only */
	if (r < 0)
		return r;
	if (l->expected_size != UINT64_MAX && l->offset != l->expected_size)
		return rtr_err_set(err, EBADMSG, "%s: size mismatch: expected %llu bytes, got %llu",
				   name(l), (unsigned long long)l->expected_size,
				   (unsigned long long)l->offset);
	if (l->expected) {
		r = digest_check(l->blob, l->expected, name(l), err);
		if (r < 0)
			return r;
	}
	r = decomp_end(l->dc, err);
	if (r < 0)
		return r;
	r = tar_end(l->tar, err);
	if (r < 0)
		return r;
	r = digest_final(l->diff, l->diff_id);
	if (r < 0)
		return rtr_err_set(err, -r, "%s: hashing failed", name(l));
	return unpack_end_layer(l->unpack, err);
}

void layer_digest_checked_outside(struct layer *l)
{
	l->skip_check = true;
}

uint64_t layer_offset(const struct layer *l)
{
	return l->offset;
}

const char *layer_diff_id(const struct layer *l)
{
	return l->diff_id[0] ? l->diff_id : NULL;
}
