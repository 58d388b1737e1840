/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The container's cgroup settings: linux.resources (cgroup-limits.c) and device access
 * (cgroup-devices.c).  Both write through cgroup-fs.h only and call nothing above it;
 * cgroup.c calls them in this order: cg_check_supported() before anything is created,
 * then cg_apply_limits() and cg_apply_devices() on the new directories.
 */

#include "cgroup-fs.h"
#include "container.h"

/* Refuses, before anything is created, settings the host's layout cannot honour. */
int cg_check_supported(struct rtr_container *c, const struct cg_host *h, struct rtr_err *err);
/* memory, pids, cpu, cpuset, blkio/io, hugetlb, unified. */
int cg_apply_limits(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err);
/* v1 devices.allow/deny, or the v2 BPF device program. */
int cg_apply_devices(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err);
