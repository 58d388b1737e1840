/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int pull_err_wrap(struct rtr_err *err, int code, const char *fmt, ...)
{
	char saved[RTR_ERR_MSG_MAX], pre[RTR_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return -code;
	snprintf(saved, sizeof(saved), "%s", err->msg);
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	return rtr_err_set(err, code, "%s: %s", pre, saved);
}
