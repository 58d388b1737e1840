/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The "includes"/"excludes" conditions of Docker's and Podman's seccomp profiles, evaluated
 * as Docker does: a rule applies unless an excluded architecture is this one, an excluded
 * capability is in the bounding set, or the kernel is at least the excluded minKernel; and
 * only if this architecture is among the included ones (when listed), every included
 * capability is in the bounding set, and the kernel is at least the included minKernel.
 */

#include <stdbool.h>
#include <stdint.h>

#include "spec.h"

struct rtr_seccomp_host {
	const char *native; /* "SCMP_ARCH_X86_64"; NULL when rtr does not know the build's */
	uint32_t kernel;    /* (major << 16) | minor of the running kernel */
};

/* This machine: the build's architecture and uname's release. */
void filter_cond_host(struct rtr_seccomp_host *ret);
bool filter_cond_holds(const struct rtr_seccomp_syscall *sy, uint64_t bounding,
		       const struct rtr_seccomp_host *host);
/* @ret: @sc with only the rules that hold for @bounding on this machine.  It shares @sc's
 * storage: free only ret->syscalls. */
int filter_cond_select(const struct rtr_seccomp *sc, uint64_t bounding, struct rtr_seccomp *ret);
