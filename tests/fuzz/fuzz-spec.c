/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: config.json parser (spec_parse) and the standalone seccomp profile
 * parser on the same bytes.  Either may fail, neither may crash, leak or overrun; a
 * failure must leave a message.
 */
#include <stdint.h>
#include <stdlib.h>

#include "filter-names.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtr_spec *s = NULL;
	struct rtr_seccomp *sc = NULL;
	struct rtr_err err = {0};

	if (spec_parse((const char *)data, size, &s, &err) == 0)
		spec_free(s);
	else if (!err.msg[0])
		abort();
	err.msg[0] = 0;
	if (spec_parse_seccomp((const char *)data, size, &sc, &err) == 0)
		filter_spec_free(sc);
	else if (!err.msg[0])
		abort();
	return 0;
}
