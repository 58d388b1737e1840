/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "util.h"

static const char *const compat_words[] = {
    [COMPAT_OPENAT2] = "no-openat2",
    [COMPAT_CLONE3] = "no-clone3",
    [COMPAT_CLOSE_RANGE] = "no-close_range",
};

/* Is @word one of the comma-separated words of @list? */
static bool list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == 0))
			return true;
	return false;
}

bool compat_disabled(enum compat_feature f)
{
	const char *e = getenv(COMPAT_ENV);

	if (f == COMPAT_OPENAT2) {
		const char *old = getenv("RTR_NO_OPENAT2");

		if (old && *old && !streq(old, "0"))
			return true;
	}
	return e && (list_has(e, "old-kernel") || list_has(e, compat_words[f]));
}
