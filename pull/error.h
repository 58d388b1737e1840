/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* How rtr-pull's stages add the input they were reading to a message from below. */

#include "runner/lib/log.h"

/* Prefix the message already in @err: "PREFIX: old message"; @err may be NULL.
 * Returns -code. */
int pull_err_wrap(struct rtr_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
