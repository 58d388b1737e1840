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
/* Bit of hierarchy @i (CG_V2 or a v1 controller) in an "entered" mask. */
#define CG_ENTERED(i) (1u << ((i) + 1))
#define CG_ENTERED_UNIFIED CG_ENTERED(-1) /* CG_V2 */
/* The unified tree's container directory for clone3(CLONE_INTO_CGROUP), or -1. */
int cgroup_clone_fd(const struct rtr_container *c);
/* In the child, first: moves itself into the v1 hierarchies; the mask of those done. */
unsigned cgroup_child_enter(const struct rtr_container *c);
/* fork()-like clone with namespace @flags: clone3 when the kernel has it (and RTR_COMPAT
 * does not say no-clone3), else clone.  With @cgfd >= 0 (a unified tree directory) the
 * child starts in that cgroup when the kernel can do it (5.7+): *@ret_in tells, in the
 * parent and in the child. */
pid_t cgroup_clone(unsigned long flags, int cgfd, bool *ret_in);
/* In a single-threaded child: writes "0" to each open v1 "tasks" file of @tasks (_CG_MAX
 * of them, -1: none) and closes it; the CG_ENTERED mask of the hierarchies entered. */
unsigned cgroup_tasks_enter(int *tasks);
/* True when @done (CG_ENTERED bits) covers every hierarchy of the container. */
bool cgroup_all_entered(const struct rtr_container *c, unsigned done);
/* After clone, before the child is released: moves @pid into every hierarchy not in
 * @done (CG_ENTERED bits), records the pid. */
int cgroup_enter(struct rtr_container *c, pid_t pid, unsigned done, struct rtr_err *err);
/* After the container's init is reaped: true when the kernel OOM-killed in it; fills a
 * human description of the limit ("limit 64.0 MiB"). */
bool cgroup_oom_killed(struct rtr_container *c, char *limit_desc, size_t n);
/* After a run: kill what is left of it and wait until the cgroup is empty. */
void cgroup_empty(struct rtr_container *c);
/* Before the next run (--restart): the same cgroup with the limits it has (the start's,
 * or an update's since), the OOM count and the init's pid of the last run forgotten. */
void cgroup_reset(struct rtr_container *c);
/* Records CG_XATTR_RUNS for ps and stats. */
void cgroup_record_runs(struct rtr_container *c, unsigned restarts, int last_exit);
/* Kill what is left, remove the directories.  Safe to call twice and on NULL state. */
void cgroup_destroy(struct rtr_container *c);
/* rtr-run update: writes the limits @s sets (and only those) to the running container
 * @name (under s->ext.cgroup_parent), and then to its inspect record those the kernel
 * took -- all, or those before a refused one; -ESRCH when it does not run. */
int cgroup_update(const char *name, struct rtr_spec *s, struct rtr_err *err);
