/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Entering a running container: the one join path of `rtr-run exec` (exec.c) and of the
 * health checks (health.c).  A forked child enters the container's cgroup, joins its
 * namespaces (the user namespace first), takes the container's recorded process settings
 * and execs.
 *
 * The settings are the container's EFFECTIVE ones, after the command line of `rtr-run`
 * was folded in and the capabilities and the seccomp filter were resolved: at start the
 * supervisor writes them as one binary record (uid, gid, groups, umask, the five
 * capability masks, no_new_privs, rlimits, the compiled seccomp program, cwd and
 * environment) into the CG_XATTR_EXEC xattr of the container's cgroup, beside its pid.
 * exec reads the record back: nothing is parsed again, the filter is not recompiled, and
 * an override given to `rtr-run` on the command line is not lost (re-reading the bundle's
 * config.json would lose it).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup-fs.h"
#include "container.h"

/* Container side, once its cgroup exists: writes the record.  An xattr holds 64 KiB: a
 * larger record (a huge environment) is an error only when a health check needs it. */
int enter_record_write(const struct rtr_container *c, struct rtr_err *err);

/* A running container as the joiners find it. */
struct enter_target {
	struct cg_host h;
	char rel[PATH_MAX / 4];
	pid_t pid; /* its init, host view */
	int cg_fd; /* primary hierarchy directory: the xattrs */
};

/* exec: container @name under @parent (NULL: RTR_CGROUP_PARENT).  -ESRCH when it is not
 * running, -EBUSY when it is paused (frozen); @err says which. */
int enter_find(const char *parent, const char *name, struct enter_target *ret, struct rtr_err *err);
/* The supervisor's own container (health checks).  @ret->cg_fd is borrowed. */
void enter_target_of(const struct rtr_container *c, struct enter_target *ret);

struct enter_req {
	char *const *argv;
	char *const *env; /* K=V over the container's environment, or NULL */
	int64_t uid, gid; /* -1: the container's; a uid given drops the additional groups */
	const char *cwd;  /* NULL: the container's */
	bool tty;	  /* a new pty from the container's /dev/pts; its master comes back */
	const char *sub;  /* a child cgroup of the container's, in the primary hierarchy, to run
			     in (made when missing); NULL: the container's own */
	int out_fd;	  /* stdout and stderr go here and stdin is /dev/null; -1: inherited */
	int gate_fd;	  /* health checks: once joined, wait for a byte here (EOF: leave); the
			     child dies with its parent; -1: go on at once */
};

/*
 * Forks the joining child.  Returns its pid (host view) or a negative errno with @err
 * filled.  With @req->tty, *@ret_master receives the pty master (-1 when the child failed
 * before making it).  The child reports its own failures on its stderr and exits 125,
 * 126 (not executable) or 127 (not found), like `rtr-run` does.
 */
pid_t enter_spawn(const struct enter_target *t, const struct enter_req *req, int *ret_master,
		  struct rtr_err *err);
