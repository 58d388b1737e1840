/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One container's run: what main() builds from the spec and the command line, and what
 * the modules share while the container is created, supervised and torn down.
 *
 * Order (container.c):
 *   before clone   caps_prepare, filter_prepare, net_prepare (validation, nothing created),
 *                  idmap_prepare (idmapped trees of the rootfs and mounts), cgroup_setup
 *   clone          child waits on the sync socket
 *   parent         cgroup_enter(pid), userns maps, oomScoreAdj, net_setup_host,
 *                  prestart/createRuntime hooks, release child
 *   child          mount_setup (rootfs, mounts, /dev; tree at c->rootfs), net_setup_child,
 *                  createContainer hooks, mount_pivot (pivot_root, root.readonly),
 *                  hostname, sysctl, security_apply_paths (masked/readonly), rlimits,
 *                  terminal, cwd, startContainer hooks, [--init fork], umask, user,
 *                  caps_apply, no_new_privs, fds CLOEXEC, filter_load, execve
 *   parent         poststart hooks, supervise (supervise.c: the one poll loop),
 *                  cgroup_oom_killed, net_teardown, cgroup_destroy, poststop hooks
 *   child death    the parent-death signal (set again after every credential change)
 *                  ends the container when rtr-run dies
 */

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"

struct rtr_cgroup;
struct rtr_net;
struct rtr_seccomp_filter;
struct rtr_caps_state;
struct rtr_idmaps;

struct rtr_container {
	const char *name;
	char *bundle; /* absolute path */
	int bundle_fd;
	char *rootfs; /* absolute path */
	struct rtr_spec *spec;

	pid_t pid;   /* container init, host view */
	int sync_fd; /* parent's end of the sync socketpair */

	struct rtr_cgroup *cgroup;
	struct rtr_net *net;
	struct rtr_seccomp_filter *seccomp;
	struct rtr_caps_state *caps;
	struct rtr_idmaps *idmaps; /* idmapped trees made before clone (idmap.c) */
};

/*
 * Runs the container to its end (container.c): creates it, supervises it, tears it down.
 * Returns the exit code rtr-run should exit with: the container's (N, 128+signal), or
 * 125/126/127 with @err filled (runtime error, not executable, not found).
 */
int container_run(struct rtr_container *c, struct rtr_err *err);
