/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * libseccomp's names for the config.json parser (spec-linux.c) and the filter compiler
 * (seccomp.c), and the one destructor of struct rtr_seccomp both build.  A leaf: it calls
 * nothing of the runner, so parser and filter do not call each other for names.
 */

#include <stdbool.h>
#include <stdint.h>

struct rtr_seccomp;

/* -EINVAL for an unknown name. */
int filter_action_from_name(const char *name, uint32_t *ret_action); /* SCMP_ACT_* base */
int filter_op_from_name(const char *name, int *ret_op);		     /* SCMP_CMP_* */
int filter_arch_from_name(const char *name, uint32_t *ret_arch);     /* SCMP_ARCH_* */
/* A flag OCI names; *ret_flag is the SECCOMP_FILTER_FLAG_* rtr applies, 0 for a known
 * flag it does not apply (the filter refuses those). */
int filter_flag_from_name(const char *name, unsigned int *ret_flag);
bool filter_syscall_known(const char *name);
/* "MAJOR.MINOR[.anything]" (a profile's minKernel, uname's release) -> (MAJOR << 16) |
 * MINOR; -EINVAL when it does not start that way. */
int filter_kernel_version(const char *s, uint32_t *ret_version);

/* Frees every string and array of @sc, then @sc; NULL is fine. */
void filter_spec_free(struct rtr_seccomp *sc);
