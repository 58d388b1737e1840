/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <strings.h>
#include <sys/capability.h>

#include "modules.h"

int caps_from_name(const char *name, int *ret_cap)
{
	cap_value_t v;

	/* cap_from_name() also takes bare numbers; the spec only allows names. */
	if (!name || strncasecmp(name, "CAP_", 4) != 0 || cap_from_name(name, &v) < 0)
		return -EINVAL;
	*ret_cap = v;
	return 0;
}
