/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: lib/json.c.  Whatever json_parse() accepts, the writer must turn
 * back into text that json_parse() accepts again and that writes out identically
 * (parse -> write -> parse -> write is a fixed point).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void emit(struct json_writer *w, const struct json *j)
{
	switch (j->type) {
	case JSON_NULL:
		json_w_null(w);
		break;
	case JSON_BOOL:
		json_w_bool(w, j->boolean);
		break;
	case JSON_STRING:
		json_w_string(w, j->str);
		break;
	case JSON_NUMBER: {
		/* Exercise the typed getters; write what they understood. */
		struct json_cur c = json_root(j);
		int64_t i;
		uint64_t u;
		double d;
		if (json_i64(&c, INT64_MIN, INT64_MAX, &i, NULL) > 0)
			json_w_int(w, i);
		else if (json_u64(&c, UINT64_MAX, &u, NULL) > 0)
			json_w_uint(w, u);
		else if (json_double(&c, &d, NULL) > 0)
			json_w_double(w, d);
		else
			json_w_null(w);
		break;
	}
	case JSON_ARRAY:
		json_w_begin_array(w);
		for (size_t i = 0; i < j->n; i++)
			emit(w, j->items[i]);
		json_w_end_array(w);
		break;
	case JSON_OBJECT:
		json_w_begin_object(w);
		for (size_t i = 0; i < j->n; i++) {
			json_w_key(w, j->keys[i]);
			emit(w, j->items[i]);
		}
		json_w_end_object(w);
		break;
	}
}

static char *roundtrip(const char *buf, size_t len, bool pretty, size_t *ret_len)
{
	struct json *j = NULL;
	struct json_writer *w;
	char *out = NULL;

	if (json_parse(buf, len, 1 << 20, &j, NULL) < 0)
		return NULL;
	w = json_writer_new(pretty);
	emit(w, j);
	if (json_writer_finish(w, &out, ret_len) < 0)
		abort();
	json_free(j);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool pretty = size > 0 && (data[size - 1] & 1);
	size_t n1, n2;
	char *a = roundtrip((const char *)data, size, pretty, &n1), *b;

	if (!a)
		return 0;
	b = roundtrip(a, n1, pretty, &n2);
	if (!b || n1 != n2 || memcmp(a, b, n1) != 0)
		abort(); /* written text the parser refuses or reads back differently */
	free(a);
	free(b);
	return 0;
}
