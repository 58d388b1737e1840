/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * TAP for the C unit tests (one program each, no framework): check() prints one
 * "ok N - ..." or "not ok N - ..." line; tap_done() prints the plan and gives the exit
 * code.  Each test is a single file, so the counters can live here as statics.
 */

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static void __attribute__((format(printf, 2, 3), unused)) check(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int __attribute__((unused)) tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
