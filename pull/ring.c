/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ring.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define N RTR_PULL_RING_BUFS

struct ring {
	ring_fn fn;
	void *ud;
	unsigned char *mem; /* N buffers of RTR_PULL_RING_BUF_BYTES */
	size_t len[N];
	/* Buffers tail .. tail + count - 1 are the worker's; head = tail + count (mod N) is
	 * the one the writer fills while count < N. */
	size_t head, tail, count;
	size_t fill; /* bytes in buffer head */
	bool stop;
	bool draining; /* ring_flush() waits: the worker takes any full buffer */
	int err;       /* @fn's first error; e its message */
	struct rtr_err e;
	pthread_mutex_t lock;
	pthread_cond_t more; /* the worker waits for a full buffer */
	pthread_cond_t room; /* the writer waits for a free one */
	pthread_t thread;
	bool threaded;
};

static unsigned char *buf_of(struct ring *r, size_t i)
{
	return r->mem + i * RTR_PULL_RING_BUF_BYTES;
}

/* Runs @fn on one buffer, outside the lock; after an error, buffers are only dropped. */
static void consume(struct ring *r, size_t i)
{
	bool run = r->err == 0;
	struct rtr_err e = {0};
	int k = 0;

	pthread_mutex_unlock(&r->lock);
	if (run)
		k = r->fn(r->ud, buf_of(r, i), r->len[i], &e);
	pthread_mutex_lock(&r->lock);
	if (k < 0) {
		r->err = k;
		r->e = e;
	}
	r->tail = (i + 1) % N;
	r->count--;
	pthread_cond_signal(&r->room);
}

static void *worker(void *arg)
{
	struct ring *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		/* Half the ring at a time, not each buffer: one wake-up per batch. */
		while (r->count < (r->draining ? 1 : N / 2) && !r->stop)
			pthread_cond_wait(&r->more, &r->lock);
		if (r->stop)
			break;
		consume(r, r->tail);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int ring_start(struct ring **ret, ring_fn fn, void *ud)
{
	struct ring *r = calloc(1, sizeof(*r));
	sigset_t all, old;
	pthread_attr_t at;

	if (!r || !(r->mem = malloc((size_t)N * RTR_PULL_RING_BUF_BYTES))) {
		free(r);
		return -ENOMEM;
	}
	r->fn = fn;
	r->ud = ud;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->more, NULL);
	pthread_cond_init(&r->room, NULL);
	/* Signals stay with the caller's thread: its handler sets unpack_interrupted, which
	 * @fn notices. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, RTR_PULL_THREAD_STACK_BYTES);
	r->threaded = pthread_create(&r->thread, &at, worker, r) == 0;
	pthread_attr_destroy(&at);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*ret = r;
	return 0;
}

/* @fn's error, with its message, under the lock. */
static int failed(struct ring *r, struct rtr_err *err)
{
	if (r->err < 0 && err)
		*err = r->e;
	return r->err;
}

/* Waits until buffer head is free (or @fn failed). */
static int wait_room(struct ring *r, struct rtr_err *err)
{
	int k;

	pthread_mutex_lock(&r->lock);
	while (r->count == N && !r->err)
		pthread_cond_wait(&r->room, &r->lock);
	k = failed(r, err);
	pthread_mutex_unlock(&r->lock);
	return k;
}

/* Buffer head goes to the worker (under the lock). */
static void publish_locked(struct ring *r)
{
	r->len[r->head] = r->fill;
	r->head = (r->head + 1) % N;
	r->count++;
	r->fill = 0;
	if (r->count >= N / 2) /* what the worker waits for */
		pthread_cond_signal(&r->more);
}

static int publish(struct ring *r, struct rtr_err *err)
{
	int k;

	pthread_mutex_lock(&r->lock);
	publish_locked(r);
	k = failed(r, err);
	pthread_mutex_unlock(&r->lock);
	return k;
}

int ring_write(struct ring *r, const void *buf, size_t len, struct rtr_err *err)
{
	const unsigned char *p = buf;
	int k;

	if (!r->threaded)
		return r->fn(r->ud, buf, len, err);
	while (len > 0) {
		size_t n = RTR_PULL_RING_BUF_BYTES - r->fill;
		if (r->fill == 0 && (k = wait_room(r, err)) < 0)
			return k;
		if (n > len)
			n = len;
		memcpy(buf_of(r, r->head) + r->fill, p, n);
		r->fill += n;
		p += n;
		len -= n;
		if (r->fill == RTR_PULL_RING_BUF_BYTES && (k = publish(r, err)) < 0)
			return k;
	}
	return 0;
}

int ring_flush(struct ring *r, struct rtr_err *err)
{
	int k;

	if (!r->threaded)
		return 0;
	pthread_mutex_lock(&r->lock);
	r->draining = true;
	if (r->fill > 0)
		publish_locked(r);
	pthread_cond_signal(&r->more);
	while (r->count && !r->err)
		pthread_cond_wait(&r->room, &r->lock);
	r->draining = false;
	k = failed(r, err);
	pthread_mutex_unlock(&r->lock);
	return k;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	if (r->threaded) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_signal(&r->more);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->more);
	pthread_cond_destroy(&r->room);
	free(r->mem);
	free(r);
}
