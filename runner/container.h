/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One container's run: what main() builds from the spec and the command line, and what
 * the modules share while the container is created, supervised and torn down.
 *
 * Order (container.c):
 *   before clone   caps_prepare, filter_prepare, net_prepare (validation, nothing created)
 *   clone          child waits on the sync socket
 *   parent         cgroup_setup + cgroup_enter(pid), userns maps, net_setup_host,
 *                  prestart/createRuntime hooks, release child
 *   child          mount_setup (rootfs, mounts, /dev, pivot_root), net_setup_child,
 *                  security_apply_paths (masked/readonly), hostname, sysctl, rlimits,
 *                  createContainer hooks, user, caps_apply, no_new_privs, filter_load,
 *                  startContainer hooks, execve
 *   parent         poststart hooks, supervise, cgroup_report_oom, net_teardown,
 *                  cgroup_destroy, poststop hooks
 */

#include <stdbool.h>
#include <sys/types.h>

#include "opts.h"
#include "spec.h"

struct rtr_cgroup;
struct rtr_net;
struct rtr_seccomp_filter;
struct rtr_caps_state;

struct rtr_container {
	const char *name;
	char *bundle;     /* absolute path */
	int bundle_fd;
	char *rootfs;     /* absolute path */
	struct rtr_spec *spec;
	const struct rtr_opts *opts;

	pid_t pid;        /* container init, host view */
	int sync_fd;      /* parent's end of the sync socketpair */

	struct rtr_cgroup *cgroup;
	struct rtr_net *net;
	struct rtr_seccomp_filter *seccomp;
	struct rtr_caps_state *caps;
};
