/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "lib/profile.h"
#include "caps-names.h"

/* The names come from the kernel's numbering in lib/profile.c's table (the one the
 * default profile uses), not from libcap: one table, and no library to load at start. */
int caps_from_name(const char *name, int *ret_cap)
{
	int v;

	if (!name || strncasecmp(name, "CAP_", 4) != 0)
		return -EINVAL;
	v = profile_cap_number(name);
	if (v < 0)
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
	const char *name = profile_cap_name(cap);
	int r;

	r = name ? snprintf(buf, n, "CAP_%s", name) : snprintf(buf, n, "%d", cap);
	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}
