/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The error contract of rtr.
 *
 *  - Functions return 0 (or a positive count) on success and a negative errno on
 *    failure: `int r = f(); if (r < 0) return r;`.
 *  - Library code never prints.  Where a bare errno would not tell the user what went
 *    wrong, the function fills a `struct rtr_err` (the input and the cause) and returns
 *    the negative errno; the caller that decides logs once, with log_err().
 *  - Only main() exits.  A child past clone() reports through the sync socket
 *    (runner/sync.h) and _exit()s.
 *  - Messages read "PROGRAM: CONTAINER: INPUT: CAUSE", e.g.
 *    "rtr-run: web: config.json: .process.args: expected an array of strings".
 */

#include <stdarg.h>
#include <stdbool.h>

#define RTR_ERR_MSG_MAX 512

struct rtr_err {
	int code; /* positive errno */
	char msg[RTR_ERR_MSG_MAX];
};

/* Fill @e (may be NULL) and return -code.  The message names the input and the cause. */
int rtr_err_set(struct rtr_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* rtr_err_set() with ": strerror(code)" appended: "FMT: CAUSE" from one call, without a
 * strerror() at every call site. */
int rtr_err_sys(struct rtr_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The one way to add context to an error some callee filled: "@prefix: MESSAGE" (the
 * message strerror(r) when @e holds none); nothing is added when the message already
 * starts with "@prefix:".  Returns the negative errno of @e. */
/* "PREFIX: old message" into @e (NULL allowed), always, with code @code; the one way a
 * caller adds the input it was reading to a message from below.  Returns -code. */
int rtr_err_wrap(struct rtr_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int rtr_err_prefix(struct rtr_err *e, int r, const char *prefix);

/* Program name ("rtr-run") and, once known, the container name used as prefix. */
void log_init(const char *program);
void log_set_container(const char *name);
void log_set_verbose(int level); /* -1 quiet (errors only), 0 normal, 1 info, 2 debug */
int log_get_verbose(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log "@what: strerror(-r)" or the message held in @e when it is set; returns r. */
int log_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_err(const struct rtr_err *e, int r);
