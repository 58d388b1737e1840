/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <sys/capability.h>

#include "caps-names.h"

int caps_from_name(const char *name, int *ret_cap)
{
	cap_value_t v;

	if (!name || strncasecmp(name, "CAP_", 4) != 0 || cap_from_name(name, &v) < 0)
		return -EINVAL;
	*ret_cap = v;
	return 0;
}

int caps_from_short(const char *name, int *ret_cap)
{
	char buf[64];

	if (!name || strncasecmp(name, "CAP_", 4) == 0)
		return caps_from_name(name, ret_cap);
	if ((size_t)snprintf(buf, sizeof(buf), "CAP_%s", name) >= sizeof(buf))
		return -EINVAL;
	return caps_from_name(buf, ret_cap);
}

int caps_to_name(int cap, char *buf, size_t n)
{
	char *name = cap_to_name((cap_value_t)cap);
	int r;

	if (!name)
		return -ENOMEM;
	/* libcap writes known capabilities in lower case without the prefix's case */
	r = snprintf(buf, n, "%s", name);
	cap_free(name);
	for (char *p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}
