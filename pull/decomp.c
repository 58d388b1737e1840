/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decomp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#if RTR_HAVE_ZSTD
#include <zstd.h>
#endif

#include "config.h"

struct decomp {
	enum decomp_kind kind;
	const char *what;
	unsigned char *out;
	z_stream z;
	bool z_init;
	bool done; /* end of the (last) compressed frame seen */
#if RTR_HAVE_ZSTD
	ZSTD_DStream *zs;
#endif
};

enum decomp_kind decomp_sniff(const unsigned char *s, size_t n)
{
	if (n >= 2 && s[0] == 0x1f && s[1] == 0x8b)
		return DECOMP_GZIP;
	if (n >= 4 && s[0] == 0x28 && s[1] == 0xb5 && s[2] == 0x2f && s[3] == 0xfd)
		return DECOMP_ZSTD;
	if (n >= 6 && memcmp(s,
			     "\xfd"
			     "7zXZ\0",
			     6) == 0)
		return DECOMP_XZ;
	if (n >= 3 && memcmp(s, "BZh", 3) == 0)
		return DECOMP_BZIP2;
	return DECOMP_NONE;
}

const char *decomp_name(enum decomp_kind k)
{
	static const char *const names[] = {"none", "gzip", "zstd", "xz", "bzip2"};
	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

bool decomp_supported(enum decomp_kind k)
{
	return k == DECOMP_NONE || k == DECOMP_GZIP || (k == DECOMP_ZSTD && RTR_HAVE_ZSTD);
}

int decomp_new(struct decomp **ret, enum decomp_kind k, const char *what, struct rtr_err *err)
{
	struct decomp *d;

	if (k == DECOMP_ZSTD && !RTR_HAVE_ZSTD)
		return rtr_err_set(err, ENOTSUP,
				   "%s: zstd-compressed: this rtr-pull was built without zstd "
				   "support (libzstd)",
				   what);
	if (!decomp_supported(k))
		return rtr_err_set(err, ENOTSUP, "%s: %s-compressed: not supported", what,
				   decomp_name(k));
	d = calloc(1, sizeof(*d));
	if (!d || !(d->out = malloc(RTR_PULL_BUF_BYTES))) {
		free(d);
		return rtr_err_set(err, ENOMEM, "out of memory");
	}
	d->kind = k;
	d->what = what;
	if (k == DECOMP_GZIP) {
		/* 16 + MAX_WBITS: gzip wrapper only */
		if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK) {
			decomp_free(d);
			return rtr_err_set(err, ENOMEM, "%s: inflateInit failed", what);
		}
		d->z_init = true;
	}
#if RTR_HAVE_ZSTD
	if (k == DECOMP_ZSTD && !(d->zs = ZSTD_createDStream())) {
		decomp_free(d);
		return rtr_err_set(err, ENOMEM, "out of memory");
	}
#endif
	*ret = d;
	return 0;
}

void decomp_free(struct decomp *d)
{
	if (!d)
		return;
	if (d->z_init)
		inflateEnd(&d->z);
#if RTR_HAVE_ZSTD
	ZSTD_freeDStream(d->zs);
#endif
	free(d->out);
	free(d);
}

static int gzip_feed(struct decomp *d, const void *buf, size_t len, decomp_out_fn out, void *ud,
		     struct rtr_err *err)
{
	d->z.next_in = (unsigned char *)buf;
	d->z.avail_in = (uInt)len;
	while (d->z.avail_in > 0) {
		int zr;
		if (d->done) {
			/* gzip allows concatenated members; anything else after the end is junk */
			if (inflateReset(&d->z) != Z_OK)
				return rtr_err_set(err, EBADMSG, "%s: gzip: reset failed", d->what);
			d->done = false;
		}
		d->z.next_out = d->out;
		d->z.avail_out = RTR_PULL_BUF_BYTES;
		zr = inflate(&d->z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return rtr_err_set(err, EBADMSG, "%s: corrupt gzip data (%s)", d->what,
					   d->z.msg ? d->z.msg : "inflate error");
		if (d->z.next_out != d->out) {
			int r = out(ud, d->out, d->z.next_out - d->out, err);
			if (r < 0)
				return r;
		}
		if (zr == Z_STREAM_END)
			d->done = true;
		else if (zr == Z_BUF_ERROR && d->z.avail_out != 0)
			break;
	}
	return 0;
}

#if RTR_HAVE_ZSTD
static int zstd_feed(struct decomp *d, const void *buf, size_t len, decomp_out_fn out, void *ud,
		     struct rtr_err *err)
{
	ZSTD_inBuffer in = {buf, len, 0};

	/* Also loop after the input is used up: the decoder may hold more output. */
	for (;;) {
		ZSTD_outBuffer o = {d->out, RTR_PULL_BUF_BYTES, 0};
		size_t zr = ZSTD_decompressStream(d->zs, &o, &in);
		if (ZSTD_isError(zr))
			return rtr_err_set(err, EBADMSG, "%s: corrupt zstd data (%s)", d->what,
					   ZSTD_getErrorName(zr));
		/* 0: a frame ended; frames may follow each other */
		d->done = zr == 0;
		if (o.pos) {
			int r = out(ud, d->out, o.pos, err);
			if (r < 0)
				return r;
		}
		if (in.pos == in.size && o.pos < o.size)
			return 0;
	}
}
#endif

int decomp_feed(struct decomp *d, const void *buf, size_t len, decomp_out_fn out, void *ud,
		struct rtr_err *err)
{
	if (len == 0)
		return 0;
	if (d->kind == DECOMP_NONE)
		return out(ud, buf, len, err);
#if RTR_HAVE_ZSTD
	if (d->kind == DECOMP_ZSTD)
		return zstd_feed(d, buf, len, out, ud, err);
#endif
	return gzip_feed(d, buf, len, out, ud, err);
}

void decomp_skip_check(struct decomp *d)
{
	if (d->z_init)
		(void)inflateValidate(&d->z, 0);
}

int decomp_end(struct decomp *d, struct rtr_err *err)
{
	if (d->kind != DECOMP_NONE && !d->done)
		return rtr_err_set(err, EBADMSG, "%s: %s stream is truncated", d->what,
				   decomp_name(d->kind));
	return 0;
}
