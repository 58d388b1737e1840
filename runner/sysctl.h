/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * linux.sysctl: which keys a container may set, and setting them.
 *
 * A sysctl is written through the container's /proc/sys, but most of /proc/sys is
 * global: only the keys that belong to a namespace the container owns are its own.
 * net.* belongs to the network namespace, the System V IPC and POSIX mqueue keys to the
 * IPC namespace, kernel.hostname and kernel.domainname to the UTS namespace (the rule
 * runc and crun enforce).  Anything else would change the host.
 */

#include "lib/log.h"
#include "spec.h"

/* Before anything is created: every linux.sysctl key belongs to a namespace the
 * container owns (new, or joined by a path that is not rtr-run's own); -EPERM naming
 * the key and the namespace it needs otherwise. */
int sysctl_check(const struct rtr_spec *s, struct rtr_err *err);

/* Child, after pivot_root: writes linux.sysctl; in a new network namespace also the
 * defaults that let ping and ports below 1024 work without capabilities, as on Docker
 * (net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start), unless the bundle
 * sets them. */
int sysctl_apply(const struct rtr_spec *s, struct rtr_err *err);
