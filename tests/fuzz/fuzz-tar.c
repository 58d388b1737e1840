/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the push-based tar reader of rtr-pull (pull/tar.c) on arbitrary input,
 * fed in chunks whose sizes come from the input, so header and PAX boundaries fall
 * anywhere.  The handler only checks what the reader promises (strings set, data never
 * more than the entry's size). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pull/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct st {
	uint64_t left;
	int in_entry;
};

static int on_entry(void *ud, const struct unpack_entry *e, struct rtr_err *err)
{
	struct st *s = ud;
	if (!e->path || !e->linkname || s->in_entry)
		abort();
	(void)strlen(e->path);
	for (size_t i = 0; i < e->n_xattrs; i++)
		if (!e->xattrs[i].name || (e->xattrs[i].len && !e->xattrs[i].value))
			abort();
	s->left = e->type == UNPACK_REG ? e->size : 0;
	s->in_entry = 1;
	return 0;
}

static int on_data(void *ud, const void *buf, size_t len, struct rtr_err *err)
{
	struct st *s = ud;
	if (!s->in_entry || len > s->left)
		abort();
	s->left -= len;
	return 0;
}

static int on_end(void *ud, struct rtr_err *err)
{
	struct st *s = ud;
	if (!s->in_entry || s->left)
		abort();
	s->in_entry = 0;
	return 0;
}

static const struct tar_handler handler = {on_entry, on_data, on_end};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st s = {0};
	struct rtr_err err;
	struct tar *t;
	size_t step;
	int r = 0;

	if (size < 1)
		return 0;
	step = (size_t)data[0] * 7 + 1;
	data++;
	size--;
	if (tar_new(&t, &handler, &s) < 0)
		return 0;
	while (size > 0 && r >= 0) {
		size_t n = size < step ? size : step;
		r = tar_feed(t, data, n, &err);
		data += n;
		size -= n;
	}
	if (r >= 0)
		(void)tar_end(t, &err);
	tar_free(t);
	return 0;
}
