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

static char *roundtrip(const char *buf, size_t len, bool pretty, size_t *ret_len)
{
	struct json *j = NULL;
	struct json_writer *w;
	char *out = NULL;

	if (json_parse(buf, len, 1 << 20, &j, NULL) < 0)
		return NULL;
	w = json_writer_new(pretty);
	json_w_tree(w, j); /* what inspect and update write records with */
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
