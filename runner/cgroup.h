/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * cgroup v1, v2 and hybrid hosts.  The limits come from the typed spec: OCI
 * linux.resources (the command-line limits are folded in by settings.c),
 * spec->ext.memory_high and spec->ext.cgroup_parent.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "container.h"

/* Before clone: resolve the path, refuse a running namesake, clean a stale one, create,
 * write limits. */
int cgroup_setup(struct rtr_container *c, struct rtr_err *err);
/* After clone, before the child is released. */
int cgroup_enter(struct rtr_container *c, pid_t pid, struct rtr_err *err);
/* After the container's init is reaped: true when the kernel OOM-killed in it; fills a
 * human description of the limit ("limit 64.0 MiB"). */
bool cgroup_oom_killed(struct rtr_container *c, char *limit_desc, size_t n);
/* After a run: kill what is left of it and wait until the cgroup is empty. */
void cgroup_empty(struct rtr_container *c);
/* Before the next run (--restart): the same cgroup, its limits written again from the
 * spec, the OOM count and the init's pid of the last run forgotten. */
int cgroup_reset(struct rtr_container *c, struct rtr_err *err);
/* Records CG_XATTR_RUNS for ps and stats. */
void cgroup_record_runs(struct rtr_container *c, unsigned restarts, int last_exit);
/* Kill what is left, remove the directories.  Safe to call twice and on NULL state. */
void cgroup_destroy(struct rtr_container *c);
