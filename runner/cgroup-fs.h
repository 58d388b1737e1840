/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The bottom of rtr-run's cgroup code: the host's cgroup layout and the files in it.
 * Nothing here knows about containers, specs or options; cgroup.c (setup, enter,
 * destroy), cgroup-limits.c, cgroup-devices.c and verbs.c build on it, and it calls
 * none of them.
 *
 * A running container IS its cgroup (no state files): the directory
 * <hierarchy>/<parent>/<name> holds the processes, and the primary hierarchy's directory
 * carries trusted.rtr.* xattrs (bundle, init pid, stop signal) and an flock(2) held by
 * the supervising rtr-run for the container's whole life.
 *
 * Functions return 0 (or a count) or a negative errno; only cg_set() fills a struct
 * rtr_err, because it names the setting it writes.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/log.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_XATTR_BUNDLE "trusted.rtr.bundle"
#define CG_XATTR_PID "trusted.rtr.pid"
#define CG_XATTR_STOP "trusted.rtr.stop" /* "SIGNAL TIMEOUT_S" */
/* "RESTARTS LAST_EXIT": restarts so far and the exit code of the run before the last one
 * (--restart); absent until the first restart. */
#define CG_XATTR_RUNS "trusted.rtr.runs"
/* The supervising rtr-run's pid: it answers stop also between two runs, when the cgroup
 * has no process. */
#define CG_XATTR_SUPERVISOR "trusted.rtr.supervisor"
#define CG_XATTR_LOG "trusted.rtr.log" /* absolute --log-file path */
/* The effective configuration as JSON (inspect.h), for rtr-run inspect. */
#define CG_XATTR_SPEC "trusted.rtr.spec"
/* "STATUS STREAK\nLAST-OUTPUT" (truncated), STATUS starting|healthy|unhealthy (health.c) */
#define CG_XATTR_HEALTH "trusted.rtr.health"
/* The effective process settings exec and health checks apply (binary, enter.c) */
#define CG_XATTR_EXEC "trusted.rtr.exec"
/* On the parent directory (primary hierarchy): trusted.rtr.at.NAME = the relative path
 * of container NAME when linux.cgroupsPath put it somewhere else than <parent>/NAME. */
#define CG_XATTR_AT "trusted.rtr.at."

enum cg_ctrl {
	CG_CPU,
	CG_CPUACCT,
	CG_CPUSET,
	CG_MEMORY,
	CG_DEVICES,
	CG_FREEZER,
	CG_BLKIO,
	CG_PIDS,
	CG_HUGETLB,
	_CG_MAX,
	CG_V2 = -1,   /* "hierarchy" index of the unified tree */
	CG_NONE = -2, /* no hierarchy holds the controller */
};

enum cg_layout {
	CG_LAYOUT_NONE,
	CG_LAYOUT_V1,
	CG_LAYOUT_V2,
	CG_LAYOUT_HYBRID,
};

struct cg_host {
	enum cg_layout layout;
	unsigned v1;	     /* bit (1 << enum cg_ctrl): mounted as a v1 hierarchy */
	unsigned v2;	     /* bit: controller listed in the v2 root's cgroup.controllers */
	const char *v2_root; /* CG_ROOT or CG_ROOT "/unified"; NULL when no v2 tree */
};

/* ---- the host's layout ---- */

/* statfs(2) of CG_ROOT (and a cgroup2 mount elsewhere); -ENOENT without any cgroup fs. */
int cg_host_detect(struct cg_host *h);
const char *cg_layout_name(enum cg_layout l);
/* The v1 name of controller @c ("memory"), "unified" for CG_V2. */
const char *cg_ctrl_name(int c);
/* Where controller @c lives: its v1 hierarchy, CG_V2, or CG_NONE. */
int cg_where(const struct cg_host *h, int c);
/* The hierarchy ps/stats/lock use: the v2 tree when there is one, else a v1 one. */
int cg_primary(const struct cg_host *h);
/* True when hierarchy @i (CG_V2 or a controller) is mounted on this host. */
bool cg_has_hierarchy(const struct cg_host *h, int i);

/* ---- paths ---- */

/* "/sys/fs/cgroup/memory/rtr/web" for hierarchy @ctrl (CG_V2 for the unified tree). */
int cg_path(const struct cg_host *h, int ctrl, const char *rel, char *buf, size_t n);
/* The relative path of container @name under @parent (NULL: RTR_CGROUP_PARENT). */
int cg_rel_for_name(const char *parent, const char *name, char *buf, size_t n);
/* Where the verbs find container @name: its CG_XATTR_AT record when it has one, else
 * <parent>/@name. */
int cg_rel_lookup(const struct cg_host *h, const char *parent, const char *name, char *buf,
		  size_t n);

/* ---- files ---- */

ssize_t cg_read_small(int dfd, const char *file, char *buf, size_t n);
/* Reads a number file ("max" = UINT64_MAX); @key: the value of "KEY N" line instead. */
int cg_read_u64(int dfd, const char *file, const char *key, uint64_t *ret);
/* True when any process is in the cgroup at @dfd or below. */
bool cg_populated(int dfd, bool v2);
/* First pid in @dfd/cgroup.procs, or 0. */
pid_t cg_first_pid(int dfd);
void cg_sleep_ms(int ms);

/* ---- whole cgroups, by relative path, in every hierarchy ---- */

/* mkdir -p; the number of directories created (@path and its missing ancestors), 0 when
 * it existed.  New v1 cpuset directories
 * (@cpuset) get their parent's cpus and mems, or no task could join them. */
int cg_mkdir_p(char *path, bool cpuset);
/* Sets "cgroup.clone_children" on the v1 cpuset parent of @path: a directory made there
 * later starts with its parent's cpus and mems (cg_mkdir_p then only checks them). */
void cg_cpuset_clone_children(const char *path);
/* v2: enables the controllers of @mask in every ancestor of @rel. */
int cg_v2_enable(const struct cg_host *h, const char *rel, unsigned mask, struct rtr_err *err);
/* Removes @rel (and child cgroups) in every hierarchy; -EBUSY while one has processes. */
int cg_rm_rel(const struct cg_host *h, const char *rel);
/* SIGKILL everything in the container's cgroup (all hierarchies), wait until empty.  With
 * @reuse the cgroup is to take new processes afterwards: v2's cgroup.kill is not used, since
 * kernels up to at least 6.18 go on SIGKILLing every child cloned into a cgroup once it was
 * written (CLONE_INTO_CGROUP compares kill counts); processes are killed one by one then. */
int cg_kill_rel(const struct cg_host *h, const char *rel, int timeout_ms, bool reuse);
/* The primary hierarchy's directory of @rel, opened; a negative errno. */
int cg_open_rel(const struct cg_host *h, const char *rel);
/* True while a supervising rtr-run holds the container directory's lock (@dfd). */
bool cg_lock_held(int dfd);
/* The pid of the rtr-run recorded as the supervisor of the container directory @dfd
 * (CG_XATTR_SUPERVISOR), while it lives; 0 otherwise.  Between two runs of --restart the
 * cgroup is empty, but the container is not gone. */
pid_t cg_live_supervisor(int dfd);
/* Removes the directories under @parent_rel (only @only when not NULL) that no rtr-run
 * holds and nothing runs in: what a supervisor killed with SIGKILL leaves.  Returns how
 * many went. */
int cg_reap_stale(const struct cg_host *h, const char *parent_rel, const char *only);
/* A container under @parent_rel (or recorded there with CG_XATTR_AT) that runs from
 * @bundle (absolute, as rtr-run records it): its name into @ret (@n bytes) and 1; 0 when
 * none does (also without a cgroup fs); a negative errno. */
int cg_find_bundle(const struct cg_host *h, const char *parent_rel, const char *bundle, char *ret,
		   size_t n);
/* Freeze or thaw (v2 cgroup.freeze, else the v1 freezer); waits for the state. */
int cg_freeze_rel(const struct cg_host *h, const char *rel, bool freeze);

/* ---- one container's open cgroup directories ---- */

struct rtr_cgroup {
	struct cg_host h;
	char rel[PATH_MAX / 4];
	int fd[_CG_MAX];    /* v1 container directories, -1 when absent */
	int tasks[_CG_MAX]; /* their "tasks" files, open for the child until it entered */
	int v2fd;	    /* the unified tree's container directory, -1 when absent */
	int lock_fd;	    /* primary directory, flock()ed while the container lives */
	bool owned;	    /* we created the directories: destroy removes them */
	bool at_recorded;   /* CG_XATTR_AT written on the parent */
	size_t keep_len;    /* rel's prefix that is not ours to remove (base, parent) */
	bool rtr_parent;    /* rel's parent is rtr's own (RTR_CGROUP_PARENT) */
	unsigned char made[_CG_MAX + 1]; /* [i + 1]: ancestors of rel created in hierarchy i */
	uint64_t oom_base; /* OOM kills counted before this run (the cgroup outlives runs) */
};

/* The container's directory in hierarchy @where (CG_V2 or a controller), or -1. */
int cg_dir_fd(const struct rtr_cgroup *cg, int where);
/* Writes @val to @file of the container's directory in hierarchy @where; @what names the
 * setting (OCI field and option) for the message. */
int cg_set(struct rtr_cgroup *cg, int where, const char *file, const char *val, const char *what,
	   struct rtr_err *err);
bool cg_has_file(const struct rtr_cgroup *cg, int where, const char *file);
