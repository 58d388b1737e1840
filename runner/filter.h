/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The seccomp filter (seccomp.c, libseccomp): compiled before clone and loaded last.
 * Prefixed filter_ because libseccomp owns seccomp_.  Names are in filter-names.h.
 */

#include <stddef.h>

#include "container.h"
#include "opts.h"

/* --seccomp, --privileged and the default profile folded into the spec. */
int filter_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
int filter_prepare(struct rtr_container *c, struct rtr_err *err);
int filter_load(const struct rtr_container *c, struct rtr_err *err);
/* After filter_prepare: the compiled program (struct sock_filter[*@ret_n]) and its
 * SECCOMP_FILTER_FLAG_*, for the exec record (enter.c); NULL when there is no filter. */
const void *filter_program(const struct rtr_container *c, size_t *ret_n, unsigned *ret_flags);
void filter_free(struct rtr_container *c);
int filter_print_default(void); /* --print-default-seccomp */
/* The precompiled default filter and a compile of the same profile now (.filter of the
 * second is the caller's to free).  1: nothing was precompiled; -ESTALE: the profile
 * changed since the build. */
struct sock_fprog;
int filter_default_programs(struct sock_fprog *ret_pre, struct sock_fprog *ret_now);
