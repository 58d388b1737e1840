/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A second thread for the back half of a stream: the caller's thread writes bytes into a
 * small ring of buffers (RTR_PULL_RING_BUFS of RTR_PULL_RING_BUF_BYTES), a worker thread
 * started here hands each full buffer, in order, to @fn.  The layer pipeline uses it to
 * inflate on one core while the other hashes, untars and writes (pull/layer.h); memory
 * stays bounded: the writer waits while every buffer is full.
 *
 *	struct ring *r;
 *	r = ring_start(&r, fn, ud);	// the worker starts (or, without a thread, fn runs
 *					// inline in ring_write: same results, one core)
 *	r = ring_write(r, buf, n, e);	// copies; any number of times
 *	r = ring_flush(r, e);		// waits until fn has seen every byte written
 *	ring_free(r);			// stops (what is queued is dropped) and joins
 *
 * Errors: the first negative return of @fn (with its message) stops the calls of @fn; the
 * next ring_write() or ring_flush() returns it.  It concerns bytes written earlier than
 * anything the writer is doing now, so a writer that fails on its own first calls
 * ring_flush() and reports @fn's error when there is one (the order of a single thread).
 * After ring_flush() returned, @fn's state may be used by the writer until the next
 * ring_write() (the ring's lock orders the two threads' accesses).
 */

#include <stddef.h>

#include "runner/lib/log.h"

/* Called on the worker thread; a negative return stops it (with @err filled). */
typedef int (*ring_fn)(void *ud, const void *buf, size_t len, struct rtr_err *err);

struct ring;

/* -ENOMEM; a thread that cannot be created is not an error (fn runs inline). */
int ring_start(struct ring **ret, ring_fn fn, void *ud);
int ring_write(struct ring *r, const void *buf, size_t len, struct rtr_err *err);
int ring_flush(struct ring *r, struct rtr_err *err);
void ring_free(struct ring *r);
