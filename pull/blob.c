/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "blob.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pull/digest.h"
#include "runner/lib/log.h"
#include "pull/layer.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

/* Where the bytes of one blob go. */
struct sink {
	const struct blob_source *src;
	const struct image_desc *d;
	struct digest *dg; /* the stored bytes: the one hash (a layer's: in pull/fetch.c) */
	size_t index;	   /* a layer's, in src->layers */
	uint64_t bytes;
	struct cache_writer cw;
	bool caching;
	bool cached; /* read from the cache */
	struct rtr_err *e;
	/* a layer: bytes go to the pipeline */
	struct layer *layer;
	int layer_err; /* -EBADMSG from the pipeline: the rest is drained, then judged */
	struct rtr_err layer_e;
	/* the image config: bytes are buffered */
	char *buf;
	size_t len;
};

/* What the pipeline said of the bytes fed so far. */
static int layer_said(struct sink *s, int r)
{
	if (r == -EBADMSG)
		s->layer_err = r; /* drain the rest: is it the blob or the image? */
	else if (r < 0) {
		if (s->e)
			*s->e = s->layer_e;
		return r;
	}
	return 0;
}

static int to_layer(struct sink *s, const void *p, size_t n)
{
	return s->layer_err ? 0 : layer_said(s, layer_feed(s->layer, p, n, &s->layer_e));
}

static int to_buffer(struct sink *s, const void *p, size_t n)
{
	char *b = realloc(s->buf, s->len + n + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b + s->len, p, n);
	s->len += n;
	b[s->len] = 0;
	s->buf = b;
	return 0;
}

static int sink_feed(void *ud, const void *p, size_t n)
{
	struct sink *s = ud;
	int r;

	if (n > s->d->size - s->bytes)
		return rtr_err_set(s->e, EFBIG, "more than the %" PRIu64 " bytes the manifest says",
				   s->d->size);
	if (s->caching && cache_writer_feed(&s->cw, p, n, NULL) < 0) {
		/* a full cache costs the cache, never the pull */
		cache_writer_abort(&s->cw);
		s->caching = false;
	}
	r = s->dg ? digest_update(s->dg, p, n) : 0;
	if (r < 0)
		return rtr_err_set(s->e, -r, "blob %s: hashing failed", s->d->digest);
	r = s->layer ? to_layer(s, p, n) : to_buffer(s, p, n);
	if (r < 0)
		return r;
	s->bytes += n;
	if (s->layer)
		progress_layer_bytes(s->src->progress, s->bytes);
	return 0;
}

static int from_cache(struct sink *s, int fd)
{
	static char buf[64 * 1024];
	ssize_t n;
	int r;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rtr_err_sys(s->e, errno, "cache: blob %s", s->d->digest);
		r = sink_feed(s, buf, n);
		if (r < 0)
			return r;
	}
	return 0;
}

/* All bytes of the blob into the sink: from the cache when it has it, else from the
 * registry while writing them to the cache (when nobody else is). */
static int transfer(struct sink *s, struct rtr_err *e)
{
	const struct blob_source *src = s->src;
	int r;

	s->cw = (struct cache_writer){.fd = -1};
	if (src->cache) {
		uint64_t size = 0;
		_cleanup_close_ int fd = cache_open_blob(src->cache, s->d->digest, &size);
		if (fd >= 0 && size == s->d->size) {
			s->cached = true;
			return from_cache(s, fd);
		}
		s->caching = cache_writer_begin(src->cache, s->d->digest, false, &s->cw, NULL) >= 0;
	}
	r = registry_get_blob(src->reg, NULL, s->d->digest, 0, sink_feed, s, e);
	if (r >= 0 && s->bytes != s->d->size)
		r = rtr_err_set(e, EBADMSG,
				"%s: blob %s: got %" PRIu64 " bytes, the manifest says %" PRIu64,
				registry_ref(src->reg), s->d->digest, s->bytes, s->d->size);
	return r;
}

/* The config's digest here; a layer's as the download thread computed it. */
static int check_digest(struct sink *s, const char *what, struct rtr_err *e)
{
	const char *got;

	if (s->dg)
		return digest_check(s->dg, s->d->digest, what, e);
	got = fetch_digest(s->src->fetch, s->index);
	if (got && streq(got, s->d->digest))
		return 0;
	return rtr_err_set(e, EBADMSG, "%s: digest mismatch: expected %s, got %s", what,
			   s->d->digest, got ? got : "(incomplete)");
}

/* The blob's digest, then what the consumer said: a corrupt blob is reported as a digest
 * mismatch even when the decompressor saw it first. */
static int verify(struct sink *s, int r, struct rtr_err *e)
{
	_cleanup_free_ char *what = NULL;
	int k;

	if (r < 0 && !s->layer_err)
		return r;
	what = xasprintf("%s: blob %s", registry_ref(s->src->reg), s->d->digest);
	k = check_digest(s, what ? what : s->d->digest, e);
	if (k < 0) {
		if (s->cached) {
			/* Removed so that the next pull fetches it again. */
			char msg[RTR_ERR_MSG_MAX + 64];
			cache_drop_blob(s->src->cache, s->d->digest);
			snprintf(msg, sizeof(msg), "%s (cached copy removed; pull again)",
				 e ? e->msg : "cached blob");
			rtr_err_set(e, -k, "%s", msg);
		}
		return k;
	}
	if (s->layer_err)
		return rtr_err_set(e, -s->layer_err, "%s: %s", what ? what : s->d->digest,
				   s->layer_e.msg);
	return r;
}

/* Keep the blob in the cache when everything verified, else drop what was written. */
static void sink_done(struct sink *s, bool ok)
{
	if (s->caching && ok)
		(void)cache_writer_commit(&s->cw, NULL);
	else if (s->caching)
		cache_writer_abort(&s->cw);
	s->caching = false;
	digest_free(s->dg);
	s->dg = NULL;
}

int blob_get_config(const struct blob_source *src, const struct image_desc *d, char **ret,
		    size_t *ret_len, struct rtr_err *e)
{
	struct sink s = {.src = src, .d = d, .e = e};
	int r;

	if (d->size > RTR_IMAGE_CONFIG_MAX_BYTES)
		return rtr_err_set(e, EFBIG,
				   "%s: image config of %" PRIu64 " bytes is over the "
				   "limit of %d",
				   registry_ref(src->reg), d->size, RTR_IMAGE_CONFIG_MAX_BYTES);
	r = digest_new(&s.dg);
	if (r < 0)
		return r;
	r = verify(&s, transfer(&s, e), e);
	sink_done(&s, r >= 0);
	if (r < 0) {
		free(s.buf);
		return r;
	}
	*ret = s.buf ? s.buf : strdup("");
	*ret_len = s.len;
	return *ret ? 0 : -ENOMEM;
}

/* After the blob verified: the uncompressed content must be what the config says. */
static int check_diff_id(const struct sink *s, const char *diff_id, struct rtr_err *e)
{
	const char *got = layer_diff_id(s->layer);

	if (got && streq(got, diff_id))
		return 0;
	return rtr_err_set(e, EBADMSG,
			   "%s: layer %s: diff_id mismatch: the image config says %s, "
			   "the layer's content is %s",
			   registry_ref(s->src->reg), s->d->digest, diff_id, got ? got : "(none)");
}

/* Every byte of layer @i, as the download threads write it, into the sink. */
static int from_fetch(struct sink *s, size_t i)
{
	_cleanup_free_ unsigned char *buf = malloc(RTR_PULL_BUF_BYTES);
	ssize_t n;
	int r;

	if (!buf)
		return -ENOMEM;
	s->cached = fetch_cached(s->src->fetch, i);
	while ((n = fetch_read(s->src->fetch, i, s->bytes, buf, RTR_PULL_BUF_BYTES, s->e)) > 0) {
		r = sink_feed(s, buf, n);
		if (r < 0)
			return r;
	}
	/* The pipeline's second thread may still hold an error of these bytes. */
	if (n == 0 && !s->layer_err && (r = layer_said(s, layer_flush(s->layer, &s->layer_e))) < 0)
		return r;
	if (n == 0 && s->bytes != s->d->size)
		return rtr_err_set(s->e, EBADMSG,
				   "%s: blob %s: got %" PRIu64 " bytes, the manifest says %" PRIu64,
				   registry_ref(s->src->reg), s->d->digest, s->bytes, s->d->size);
	return (int)n;
}

int blob_pull_layer(const struct blob_source *src, size_t i, const char *diff_id, int rootfs_fd,
		    struct unpack_opts *uo, struct rtr_err *e)
{
	const struct image_desc *d = src->layers + i;
	struct sink s = {.src = src, .d = d, .e = e, .index = i};
	enum layer_compression comp;
	int r;

	r = layer_compression_from_media_type(d->media_type, &comp, e);
	if (r < 0)
		return r;
	/* No blob digest for the pipeline: the download thread hashed the blob. */
	r = layer_begin(&s.layer, rootfs_fd, NULL, d->size, comp, uo, e);
	if (r >= 0)
		layer_digest_checked_outside(s.layer);
	if (r >= 0)
		r = verify(&s, from_fetch(&s, i), e);
	if (r >= 0)
		r = layer_end(s.layer, e);
	if (r >= 0)
		r = check_diff_id(&s, diff_id, e);
	/* Only a blob that passed every check is cached; one that failed a digest is dropped
	 * (also a .partial continued from an earlier pull); after other errors it is kept. */
	if (r >= 0 || r == -EBADMSG)
		fetch_finish(src->fetch, i, r >= 0);
	if (r == -EBADMSG && fetch_resumed(src->fetch, i) && e) {
		char m[RTR_ERR_MSG_MAX + 128];
		snprintf(m, sizeof(m),
			 "%s (continued after %" PRIu64 " bytes an earlier pull left in the "
			 "cache; they are removed: pull again)",
			 e->msg, fetch_resumed(src->fetch, i));
		rtr_err_set(e, EBADMSG, "%s", m);
	}
	if (r < 0 && e && !strstr(e->msg, d->digest))
		rtr_err_wrap(e, -r, "%s: layer %s", registry_ref(src->reg), d->digest);
	digest_free(s.dg);
	layer_free(s.layer);
	if (r >= 0)
		progress_layer_done(src->progress, s.bytes, s.cached);
	return r;
}
