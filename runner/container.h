/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One container's run: what main() builds from the spec and the command line, and what
 * the modules share while the container is created, supervised and torn down.
 *
 * Order (container.c), once: caps_prepare, filter_prepare (compiled once for all runs);
 * then one run, repeated as --restart says with a back-off wait in the supervisor loop:
 *   before clone   net_prepare (validation, nothing created), idmap_prepare (idmapped
 *                  trees of the rootfs and mounts), cgroup_setup + notify_container_prepare
 *                  (first run) or cgroup_reset (limits again, the next runs)
 *   clone          child waits on the sync socket
 *   parent         cgroup_enter(pid), userns maps, oomScoreAdj, net_setup_host,
 *                  prestart/createRuntime hooks, release child
 *   child          mount_setup (rootfs, mounts, /dev; tree at c->rootfs), net_setup_child,
 *                  createContainer hooks, mount_pivot (pivot_root, root.readonly),
 *                  hostname, sysctl, security_apply_paths (masked/readonly), rlimits,
 *                  terminal, cwd, startContainer hooks, [--init fork], umask, user,
 *                  caps_apply, no_new_privs, fds CLOEXEC, filter_load, execve
 *   parent         READY=1 (notify.c), poststart hooks, supervise (supervise.c: the one
 *                  poll loop), cgroup_oom_killed, net_teardown, cgroup_empty, poststop
 *                  hooks
 *   at the end     cgroup_destroy: the cgroup (the container's identity) lives across
 *                  restarts
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

	int n_listen_fds;     /* socket activation: fds 3.. passed on (notify.c) */
	char *listen_fdnames; /* their $LISTEN_FDNAMES, or NULL */
	int notify_fd;	      /* --notify=container: the container's socket, or -1 */
	char *notify_dir;     /* its host directory */
};

/*
 * Runs the container to its end (container.c): creates it, supervises it, restarts it as
 * the restart policy says, tears it down.  Returns the exit code rtr-run should exit
 * with: the last run's (N, 128+signal), or
 * 125/126/127 with @err filled (runtime error, not executable, not found).
 */
int container_run(struct rtr_container *c, struct rtr_err *err);
