/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "container.h"

/* Run every hook of @kind with the state JSON on stdin. */
int hooks_run(const struct rtr_container *c, enum rtr_hook_kind kind, const char *status,
	      struct rtr_err *err);
