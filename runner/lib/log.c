/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *program = "rtr";
static const char *container;
static int verbose;

void log_init(const char *p)
{
	program = p;
}

void log_set_container(const char *name)
{
	container = name;
}

void log_set_verbose(int level)
{
	verbose = level;
}

int log_get_verbose(void)
{
	return verbose;
}

/* @msg already starts with "@prefix:" */
static bool startswith_prefix(const char *msg, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(msg, prefix, n) == 0 && msg[n] == ':';
}

int rtr_err_set(struct rtr_err *e, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		e->code = code;
	}
	return -code;
}

int rtr_err_sys(struct rtr_err *e, int code, const char *fmt, ...)
{
	int c = code < 0 ? -code : code;

	if (e) {
		va_list ap;
		size_t len;

		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
		len = strlen(e->msg);
		snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(c));
		e->code = c ? c : EINVAL;
	}
	return c ? -c : -EINVAL;
}

int rtr_err_wrap(struct rtr_err *e, int code, const char *fmt, ...)
{
	char saved[RTR_ERR_MSG_MAX], pre[RTR_ERR_MSG_MAX];
	va_list ap;

	if (!e)
		return -code;
	memcpy(saved, e->msg, sizeof(saved));
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	return rtr_err_set(e, code, "%s: %.*s", pre, (int)(sizeof(saved) - strlen(pre) - 3), saved);
}

int rtr_err_prefix(struct rtr_err *e, int r, const char *prefix)
{
	char msg[RTR_ERR_MSG_MAX];
	int code = r < 0 ? -r : r ? r : EINVAL;

	if (!e)
		return -code;
	if (!e->code || !e->msg[0])
		rtr_err_set(e, code, "%s", strerror(code));
	if (!startswith_prefix(e->msg, prefix)) {
		memcpy(msg, e->msg, sizeof(msg));
		snprintf(e->msg, sizeof(e->msg), "%s: %.*s", prefix,
			 (int)(sizeof(msg) - strlen(prefix) - 3), msg);
	}
	return -e->code;
}

static __attribute__((format(printf, 2, 0))) void vlog(const char *level, const char *fmt,
						       va_list ap)
{
	char buf[2048];
	int n = 0;

	/* One write() per message so lines from supervisor and container don't interleave. */
	n += snprintf(buf + n, sizeof(buf) - n, "%s: ", program);
	if (container)
		n += snprintf(buf + n, sizeof(buf) - n, "%s: ", container);
	if (level)
		n += snprintf(buf + n, sizeof(buf) - n, "%s", level);
	if (n < (int)sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	fwrite(buf, 1, n, stderr);
	fflush(stderr);
}

#define LOG_FN(name, level, min)                                                                   \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		int saved = errno;                                                                 \
		if (verbose < (min))                                                               \
			return;                                                                    \
		va_start(ap, fmt);                                                                 \
		vlog(level, fmt, ap);                                                              \
		va_end(ap);                                                                        \
		errno = saved;                                                                     \
	}

LOG_FN(log_error, NULL, -1)
LOG_FN(log_warn, "warning: ", 0) /* -1: quiet */
LOG_FN(log_info, NULL, 1)
LOG_FN(log_debug, "debug: ", 2)

int log_errno(int r, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_error("%s: %s", what, strerror(r < 0 ? -r : r));
	return r;
}

int log_err(const struct rtr_err *e, int r)
{
	if (e && e->code && e->msg[0])
		log_error("%s", e->msg);
	else
		log_error("%s", strerror(r < 0 ? -r : r));
	return r;
}
