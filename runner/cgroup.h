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
/* Kill what is left, remove the directories.  Safe to call twice and on NULL state. */
void cgroup_destroy(struct rtr_container *c);
/* rtr-run update: writes the limits @s sets (and only those) to the running container
 * @name (under s->ext.cgroup_parent); -ESRCH when it does not run. */
int cgroup_update(const char *name, struct rtr_spec *s, struct rtr_err *err);
