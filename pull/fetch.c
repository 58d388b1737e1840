/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "pull/digest.h"
#include "pull/unpack.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

struct job {
	struct fetch *f;
	const struct image_desc *d;
	int fd;	    /* where the bytes are */
	int old_fd; /* the .partial's, after a move to scratch: the reader may still use it */
	uint64_t have;
	uint64_t resumed;
	bool done, cached, caching, finished;
	struct digest *dg;	  /* of every byte of the blob, kept ones included */
	char got[DIGEST_STR_MAX]; /* its result, once the blob is complete */
	int err;
	struct rtr_err e;
	struct cache_writer cw;
};

struct fetch {
	struct fetch_cfg cfg;
	struct job *jobs;
	size_t n, next;
	pthread_t threads[RTR_PULL_PARALLEL_DOWNLOADS];
	size_t n_threads;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	volatile sig_atomic_t stop;
	bool cache_off; /* the cache filesystem is full */
};

static int scratch_open(struct fetch *f, struct rtr_err *e)
{
	int fd = tmpfile_at(f->cfg.scratch_dir_fd);
	return fd >= 0 ? fd : rtr_err_sys(e, -fd, "a scratch file for a layer");
}

/* The cache is full: the bytes so far move to a scratch file, caching stops. */
static int to_scratch(struct job *j, int why)
{
	struct fetch *f = j->f;
	char msg[RTR_ERR_MSG_MAX];
	int fd = scratch_open(f, NULL), r = 0;
	_cleanup_free_ char *buf = malloc(RTR_PULL_BUF_BYTES);

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		return -why;
	}
	for (uint64_t off = 0; r >= 0 && off < j->have;) {
		ssize_t n =
		    pread(j->fd, buf,
			  j->have - off < RTR_PULL_BUF_BYTES ? j->have - off : RTR_PULL_BUF_BYTES,
			  (off_t)off);
		r = n <= 0 ? -EIO : write_all(fd, buf, n);
		off += n > 0 ? (uint64_t)n : 0;
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	pthread_mutex_lock(&f->lock);
	/* The reader may be in pread() on this fd number: it stays open (and so cannot be
	 * reused for another file) until the job ends; the writer drops a duplicate. */
	j->old_fd = j->fd;
	j->cw.fd = dup(j->fd);
	cache_writer_abort(&j->cw); /* unlinks the .partial: frees the room it took */
	j->caching = false;
	j->fd = fd;
	if (!f->cache_off && f->cfg.warn) {
		snprintf(msg, sizeof(msg), "cache: %s: not caching for the rest of this pull",
			 strerror(why));
		f->cfg.warn(f->cfg.ud, msg);
	}
	f->cache_off = true;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int job_sink(void *ud, const void *p, size_t n)
{
	struct job *j = ud;
	int r;

	if (j->f->stop || unpack_interrupted)
		return -EINTR;
	if (n > j->d->size - j->have)
		return -EFBIG;
	r = write_all(j->fd, p, n);
	if ((r == -ENOSPC || r == -EDQUOT) && j->caching) {
		r = to_scratch(j, -r);
		if (r >= 0)
			r = write_all(j->fd, p, n);
	}
	if (r < 0)
		return r;
	r = digest_update(j->dg, p, n);
	if (r < 0)
		return r;
	pthread_mutex_lock(&j->f->lock);
	j->have += n;
	pthread_cond_broadcast(&j->f->cond);
	pthread_mutex_unlock(&j->f->lock);
	return 0;
}

/* The fd and the bytes already there, for the reader too. */
static void publish(struct job *j, int fd, uint64_t have, bool cached)
{
	pthread_mutex_lock(&j->f->lock);
	j->fd = fd;
	j->have = have;
	j->cached = cached;
	pthread_mutex_unlock(&j->f->lock);
}

/* Where job @j's bytes go: a committed blob (nothing to fetch), the .partial, or scratch. */
static int job_open(struct job *j, struct rtr_err *e)
{
	struct fetch *f = j->f;
	struct cache *c = f->cfg.cache;
	uint64_t size = 0;
	int fd;

	if (c && (fd = cache_open_blob(c, j->d->digest, &size)) >= 0) {
		if (size == j->d->size) {
			publish(j, fd, size, true);
			return 0;
		}
		close(fd);
	}
	if (c && !f->cache_off && cache_writer_begin(c, j->d->digest, true, &j->cw, NULL) >= 0) {
		if (j->cw.written > j->d->size) { /* not this blob: start over */
			cache_writer_abort(&j->cw);
			if (cache_writer_begin(c, j->d->digest, false, &j->cw, NULL) < 0)
				goto scratch;
		}
		j->caching = true;
		j->resumed = j->cw.written;
		publish(j, j->cw.fd, j->cw.written, false);
		return 0;
	}
scratch:
	fd = scratch_open(f, e);
	if (fd < 0)
		return fd;
	publish(j, fd, 0, false);
	return 0;
}

/* The hash state of the bytes a committed blob or a .partial already holds, rebuilt from
 * the file (the reader may be reading them meanwhile). */
static int hash_kept(struct job *j, struct rtr_err *e)
{
	_cleanup_free_ unsigned char *buf = malloc(RTR_PULL_BUF_BYTES);
	uint64_t off = 0;

	if (!buf)
		return -ENOMEM;
	while (off < j->have) {
		size_t want =
		    j->have - off < RTR_PULL_BUF_BYTES ? j->have - off : RTR_PULL_BUF_BYTES;
		ssize_t n = pread(j->fd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return rtr_err_sys(e, n < 0 ? errno : EIO, "cache: blob %s", j->d->digest);
		if (digest_update(j->dg, buf, n) < 0)
			return -ENOMEM;
		off += n;
	}
	return 0;
}

static void job_run(struct job *j, struct http_client *h, int r, struct rtr_err *e)
{
	struct fetch *f = j->f;

	if (r >= 0)
		r = digest_new(&j->dg);
	if (r >= 0)
		r = job_open(j, e);
	if (r >= 0 && j->have)
		r = hash_kept(j, e);
	if (r >= 0 && j->have < j->d->size)
		r = registry_get_blob(f->cfg.reg, h, j->d->digest, j->have, job_sink, j, e);
	if (r >= 0 && digest_final(j->dg, j->got) < 0)
		r = rtr_err_set(e, ENOMEM, "blob %s: hashing failed", j->d->digest);
	pthread_mutex_lock(&f->lock);
	j->done = true;
	j->err = r < 0 ? r : 0;
	if (r < 0)
		j->e = *e;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void *worker(void *arg)
{
	struct fetch *f = arg;
	struct http_client *h = NULL;
	struct rtr_err e0 = {0};
	int r0 = registry_client_new(f->cfg.reg, &f->stop, &h, &e0);

	for (;;) {
		struct rtr_err e = e0;
		struct job *j;

		pthread_mutex_lock(&f->lock);
		j = !f->stop && f->next < f->n ? &f->jobs[f->next++] : NULL;
		pthread_mutex_unlock(&f->lock);
		if (!j)
			break;
		job_run(j, h, r0, &e);
	}
	http_client_free(h);
	return NULL;
}

int fetch_start(struct fetch **ret, const struct fetch_cfg *cfg, const struct image_desc *layers,
		size_t n, struct rtr_err *e)
{
	struct fetch *f = calloc(1, sizeof(*f));
	sigset_t all, old;
	pthread_attr_t at;

	if (!f || !(f->jobs = calloc(n ? n : 1, sizeof(*f->jobs)))) {
		free(f);
		return -ENOMEM;
	}
	f->cfg = *cfg;
	f->n = n;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	for (size_t i = 0; i < n; i++)
		f->jobs[i] = (struct job){.f = f, .d = &layers[i], .fd = -1, .old_fd = -1};
	/* Signals stay with the main thread (it checks unpack_interrupted and stops us). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, RTR_PULL_THREAD_STACK_BYTES);
	for (size_t i = 0; i < RTR_PULL_PARALLEL_DOWNLOADS && i < n; i++) {
		if (pthread_create(&f->threads[f->n_threads], &at, worker, f) != 0)
			break;
		f->n_threads++;
	}
	pthread_attr_destroy(&at);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*ret = f;
	if (n && !f->n_threads) {
		fetch_free(f);
		*ret = NULL;
		return rtr_err_set(e, EAGAIN, "cannot start a download thread");
	}
	return 0;
}

/* Waits until job @j has more than @off bytes or is done; -EINTR on SIGINT/SIGTERM. */
static int wait_for(struct fetch *f, struct job *j, uint64_t off)
{
	while (j->have <= off && !j->done) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&f->cond, &f->lock, &ts);
		if (unpack_interrupted) {
			f->stop = 1;
			return -EINTR;
		}
	}
	return 0;
}

ssize_t fetch_read(struct fetch *f, size_t i, uint64_t off, void *buf, size_t len,
		   struct rtr_err *e)
{
	struct job *j = &f->jobs[i];
	ssize_t n;
	int fd, r;

	pthread_mutex_lock(&f->lock);
	r = wait_for(f, j, off);
	if (r < 0 || j->have <= off) {
		if (r >= 0 && j->err < 0 && e)
			*e = j->e;
		pthread_mutex_unlock(&f->lock);
		return r < 0 ? rtr_err_set(e, EINTR, "interrupted") : j->err;
	}
	if (len > j->have - off)
		len = j->have - off;
	fd = j->fd;
	pthread_mutex_unlock(&f->lock);
	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return rtr_err_sys(e, n < 0 ? errno : EIO, "layer %s: reading it back",
				   j->d->digest);
	return n;
}

bool fetch_cached(struct fetch *f, size_t i)
{
	return f->jobs[i].cached;
}

const char *fetch_digest(struct fetch *f, size_t i)
{
	return f->jobs[i].got[0] ? f->jobs[i].got : NULL;
}

uint64_t fetch_resumed(struct fetch *f, size_t i)
{
	return f->jobs[i].resumed;
}

static void job_close(struct job *j, bool commit, bool drop)
{
	if (j->caching && commit)
		(void)cache_writer_commit(&j->cw, NULL);
	else if (j->caching && drop)
		cache_writer_abort(&j->cw);
	else if (j->caching)
		cache_writer_release(&j->cw); /* continued by the next pull */
	else if (j->fd >= 0)
		close(j->fd);
	if (j->old_fd >= 0)
		close(j->old_fd);
	digest_free(j->dg);
	j->dg = NULL;
	j->caching = false;
	j->fd = j->old_fd = -1;
	j->finished = true;
}

void fetch_finish(struct fetch *f, size_t i, bool ok)
{
	struct job *j = &f->jobs[i];

	if (!j->finished && j->done)
		job_close(j, ok, !ok);
}

void fetch_free(struct fetch *f)
{
	if (!f)
		return;
	f->stop = 1;
	for (size_t i = 0; i < f->n_threads; i++)
		pthread_join(f->threads[i], NULL);
	for (size_t i = 0; i < f->n; i++)
		if (!f->jobs[i].finished)
			job_close(&f->jobs[i], false, false);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f->jobs);
	free(f);
}
