/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What cgroup.c shares with verbs.c: the host's cgroup layout and how a container's
 * cgroup is found in it.  A running container IS its cgroup (no state files): the
 * directory <hierarchy>/<parent>/<name> holds the processes, and the primary hierarchy's
 * directory carries trusted.rtr.* xattrs (bundle, init pid) and an flock(2) held by the
 * supervising rtr-run for the container's whole life.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CG_ROOT "/sys/fs/cgroup"
#define CG_XATTR_BUNDLE "trusted.rtr.bundle"
#define CG_XATTR_PID "trusted.rtr.pid"
#define CG_XATTR_STOP "trusted.rtr.stop" /* "SIGNAL TIMEOUT_S" */

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
	CG_V2 = -1, /* "hierarchy" index of the unified tree */
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

int cg_host_detect(struct cg_host *h);
const char *cg_layout_name(enum cg_layout l);
/* The hierarchy ps/stats/lock use: the v2 tree when there is one, else a v1 one. */
int cg_primary(const struct cg_host *h);
/* "/sys/fs/cgroup/memory/rtr/web" for hierarchy @ctrl (CG_V2 for the unified tree). */
int cg_path(const struct cg_host *h, int ctrl, const char *rel, char *buf, size_t n);
/* Reads a number file ("max" = UINT64_MAX); @key: the value of "KEY N" line instead. */
int cg_read_u64(int dfd, const char *file, const char *key, uint64_t *ret);
/* True when any process is in the cgroup at @dfd or below. */
bool cg_populated(int dfd, bool v2);
/* First pid in @dfd/cgroup.procs, or 0. */
pid_t cg_first_pid(int dfd);
/* SIGKILL everything in the container's cgroup (all hierarchies), wait until empty. */
int cg_kill_rel(const struct cg_host *h, const char *rel, int timeout_ms);
/* Freeze or thaw (v2 cgroup.freeze, else the v1 freezer); waits for the state. */
int cg_freeze_rel(const struct cg_host *h, const char *rel, bool freeze);
/* The relative path of container @name under the default or given parent. */
int cg_rel_for_name(const char *parent, const char *name, char *buf, size_t n);

/* ---- between cgroup.c, cgroup-limits.c and cgroup-devices.c ---- */

#include <sys/types.h>

#include "container.h"

#define CG_NONE (-2)
#define CG_CPU_PERIOD_US 100000 /* docker's --cpus period */

struct rtr_cgroup {
	struct cg_host h;
	char rel[PATH_MAX / 4];
	int fd[_CG_MAX]; /* v1 container directories, -1 when absent */
	int v2fd;	 /* the unified tree's container directory, -1 when absent */
	int lock_fd;	 /* primary directory, flock()ed while the container lives */
	bool owned;	 /* we created the directories: destroy removes them */
	bool mem_limit_set;
	uint64_t mem_limit;
};

const char *cg_ctrl_name(int c);
/* Where controller @c lives: its v1 hierarchy, CG_V2, or CG_NONE. */
int cg_where(const struct cg_host *h, int c);
ssize_t cg_read_small(int dfd, const char *file, char *buf, size_t n);
/* Appends "a//b/" to @buf as "a/b"; refuses "." and ".." components. */
int cg_rel_append(char *buf, size_t n, const char *part);
int cg_dir_fd(const struct rtr_cgroup *cg, int where);
/* Writes @val to @file of the container's directory in hierarchy @where; @what names the
 * setting (OCI field and option) for the message. */
int cg_set(struct rtr_cgroup *cg, int where, const char *file, const char *val, const char *what,
	   struct rtr_err *err);
bool cg_has_file(const struct rtr_cgroup *cg, int where, const char *file);
int cg_check_supported(struct rtr_container *c, const struct cg_host *h, struct rtr_err *err);
int cg_apply_limits(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err);
int cg_apply_devices(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err);
