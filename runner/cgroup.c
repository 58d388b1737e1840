/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's cgroup: setup, enter, OOM report, destroy.  This file orchestrates;
 * the filesystem work is cgroup-fs.c below it, the settings are cgroup-limits.c and
 * cgroup-devices.c beside it, and neither calls back up here.
 *
 * The container's cgroup is <hierarchy>/<parent>/<name> in every hierarchy.  Each limit
 * goes to the hierarchy that holds its controller; on hybrid hosts the container also
 * gets a directory in the unified tree so v2 tools (and cgroup.kill, cgroup.freeze) see it.
 *
 * The primary hierarchy's directory (the v2 one when there is a v2 tree) is the
 * container's identity: rtr-run holds an flock(2) on it for the container's life, so a
 * second rtr-run with the same name sees it is taken, and one that finds the lock free
 * knows the directory is a leftover of a run whose rtr-run died: once its processes are
 * gone (their parent-death signal kills them), it is removed and made afresh.  The
 * creation itself is serialised by an flock on the parent directory.
 *
 * A setting the host cannot honour (its controller is absent, a file is missing) is an
 * error before the container starts, and whatever was created is removed again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup-fs.h"
#include "cgroup-limits.h"
#include "config.h"
#include "lib/cleanup.h"
#include "lib/compat.h"
#include "lib/util.h"
#include "cgroup.h"
#include "inspect.h"
#include "names.h"

/* How long a new run waits for the processes of a run whose rtr-run died to go: they
 * get SIGKILL from their parent-death signal and are gone within milliseconds. */
#define CG_ORPHAN_WAIT_MS 1000

/* Path relative to every hierarchy's root: --cgroup-parent/NAME, linux.cgroupsPath
 * (absolute: from each hierarchy's root, the OCI rule; relative: under the parent) or
 * RTR_CGROUP_PARENT/NAME, below a delegated systemd unit's cgroup on v2 hosts.
 * keep_len marks the prefix destroy never removes: the base and rtr's parent. */
static int resolve_rel(struct rtr_container *c, struct rtr_cgroup *cg, const char *base,
		       struct rtr_err *err)
{
	const char *parent = c->spec->ext.cgroup_parent;
	const char *cp = c->spec->lx.cgroups_path;
	size_t n = sizeof(cg->rel);
	int r;

	cg->rel[0] = 0;
	r = path_rel_append(cg->rel, n, base ? base : "");
	if (r == 0 && !parent && cp && *cp) {
		if (strchr(cp, ':'))
			return rtr_err_set(
			    err, EINVAL,
			    "linux.cgroupsPath %s: systemd slice:prefix:name paths are "
			    "not supported (give a path)",
			    cp);
		if (cp[0] != '/')
			r = path_rel_append(cg->rel, n, RTR_CGROUP_PARENT);
		cg->keep_len = strlen(cg->rel);
		if (r == 0)
			r = path_rel_append(cg->rel, n, cp);
	} else if (r == 0) {
		r = path_rel_append(cg->rel, n, parent ? parent : RTR_CGROUP_PARENT);
		cg->keep_len = strlen(cg->rel);
		cg->rtr_parent = !parent;
		if (r == 0)
			r = path_rel_append(cg->rel, n, c->name);
	}
	if (r < 0 || !strchr(cg->rel, '/'))
		return rtr_err_set(err, EINVAL, "cgroup path of %s: bad path (%s)", c->name,
				   cp	    ? cp
				   : parent ? parent
					    : RTR_CGROUP_PARENT);
	return 0;
}

/* The unit's cgroup when rtr-run runs in a systemd unit with Delegate=yes (v2 only: on
 * v1 and hybrid hosts systemd delegates no controller hierarchy).  systemd marks a
 * delegated cgroup with the trusted.delegate (or user.delegate) xattr.  A cgroup with
 * processes cannot hand controllers to children, so rtr-run moves itself to a leaf. */
static const char *delegated_base(const struct cg_host *h, char *buf, size_t n)
{
	char line[PATH_MAX], path[PATH_MAX], x[8];
	char *p, *nl;

	if (h->layout != CG_LAYOUT_V2 || access("/run/systemd/system", F_OK) < 0)
		return NULL;
	if (cg_read_small(AT_FDCWD, "/proc/self/cgroup", line, sizeof(line)) <= 0)
		return NULL;
	p = strstr(line, "0::/");
	if (!p)
		return NULL;
	p += 4;
	nl = strchr(p, '\n');
	if (nl)
		*nl = 0;
	if (!*p || snprintf(path, sizeof(path), "%s/%s", h->v2_root, p) >= (int)sizeof(path))
		return NULL;
	if (getxattr(path, "trusted.delegate", x, sizeof(x)) <= 0 &&
	    getxattr(path, "user.delegate", x, sizeof(x)) <= 0)
		return NULL;
	if (snprintf(buf, n, "%s", p) >= (int)n)
		return NULL;
	if (strlen(path) + 32 < sizeof(path)) {
		strcat(path, "/supervisor");
		if ((mkdir(path, 0755) == 0 || errno == EEXIST)) {
			strcat(path, "/cgroup.procs");
			write_string_at(AT_FDCWD, path, "0");
		}
	}
	return buf;
}

static int running_error(struct rtr_container *c, int fd, bool orphan, struct rtr_err *err)
{
	char buf[24] = "";
	ssize_t n = fgetxattr(fd, CG_XATTR_PID, buf, sizeof(buf) - 1);
	pid_t pid = n > 0 ? (pid_t)atoi(buf) : cg_first_pid(fd);

	if (orphan)
		return rtr_err_set(err, EBUSY,
				   "a container named %s is still running (pid %d) but its rtr-run "
				   "is gone: end it with 'rtr-run stop %s'",
				   c->name, (int)cg_first_pid(fd), c->name);
	if (pid <= 0)
		return rtr_err_set(err, EBUSY, "a container named %s is already starting", c->name);
	return rtr_err_set(err, EBUSY, "a container named %s is already running (pid %d)", c->name,
			   (int)pid);
}

/* The processes of a run whose rtr-run died are being killed by their parent-death
 * signal: give them a moment before calling the name taken. */
static bool orphans_gone(int fd, bool v2)
{
	for (int ms = 0; cg_populated(fd, v2); ms += 10) {
		if (ms >= CG_ORPHAN_WAIT_MS)
			return false;
		cg_sleep_ms(10);
	}
	return true;
}

/* mkdir -p and flock the parent of @path: creating a name is serialised there.  Returns
 * the locked fd; *@made: how many ancestors were created. */
static int lock_parent(char *path, bool cpuset, unsigned char *made, struct rtr_err *err)
{
	char *slash = strrchr(path, '/');
	int fd = -1, r;

	*slash = 0;
	r = cg_mkdir_p(path, cpuset);
	if (r >= 0) {
		*made = (unsigned char)(r > *made ? r : *made);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			r = -errno;
	}
	if (r < 0)
		r = rtr_err_sys(err, -r, "cgroup %s", path);
	*slash = '/';
	if (r < 0 && fd >= 0)
		close(fd);
	return r < 0 ? r : fd;
}

/* Creates and locks the primary directory @path: the name is ours from here on.  EBUSY
 * while another rtr-run holds it. */
static int claim_name(struct rtr_container *c, struct rtr_cgroup *cg, const char *path, bool v2,
		      struct rtr_err *err)
{
	int r;

	for (int attempt = 0;; attempt++) {
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != EEXIST || attempt > 0)
			return rtr_err_sys(err, errno, "cgroup %s", path);
		cg->lock_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->lock_fd < 0)
			continue;
		if (flock(cg->lock_fd, LOCK_EX | LOCK_NB) < 0)
			return running_error(c, cg->lock_fd, false, err);
		if (!orphans_gone(cg->lock_fd, v2))
			return running_error(c, cg->lock_fd, true, err);
		/* A leftover of a run that died: empty and unlocked.  Start afresh. */
		close(cg->lock_fd);
		cg->lock_fd = -1;
		r = cg_rm_rel(&cg->h, cg->rel);
		if (r < 0)
			return rtr_err_sys(err, -r, "cgroup %s: removing a stale cgroup", path);
	}
	cg->owned = true;
	cg->lock_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->lock_fd < 0 || flock(cg->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return rtr_err_sys(err, errno, "cgroup %s", path);
	return 0;
}

/* The container's directory in every other hierarchy. */
static int open_hierarchies(struct rtr_cgroup *cg, struct rtr_err *err)
{
	char path[PATH_MAX];

	for (int i = CG_V2; i < _CG_MAX; i++) {
		int *fd = i == CG_V2 ? &cg->v2fd : &cg->fd[i], r;

		if (!cg_has_hierarchy(&cg->h, i) || *fd >= 0)
			continue;
		r = cg_path(&cg->h, i, cg->rel, path, sizeof(path));
		if (r == 0 && i == CG_CPUSET && cg->rtr_parent)
			cg_cpuset_clone_children(path);
		if (r == 0)
			r = cg_mkdir_p(path, i == CG_CPUSET);
		if (r > 1)
			cg->made[i + 1] = (unsigned char)(r - 1);
		if (r >= 0) {
			*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			r = *fd < 0 ? -errno : 0;
		}
		if (r >= 0 && i != CG_V2)
			cg->tasks[i] =
			    openat(*fd, "tasks", O_WRONLY | O_CLOEXEC); /* -1: the parent writes */
		if (r < 0)
			return rtr_err_sys(err, -r, "cgroup %s", path);
	}
	return 0;
}

/* Creates the container's directories; fails with EBUSY when the name is taken.  A
 * parent that another run's cleanup removed under us (ENOENT) is made again. */
static int create(struct rtr_container *c, struct rtr_cgroup *cg, unsigned v2mask,
		  struct rtr_err *err)
{
	const struct cg_host *h = &cg->h;
	char path[PATH_MAX];
	_cleanup_close_ int pfd = -1;
	int prim = cg_primary(h), r;

	r = cg_path(h, prim, cg->rel, path, sizeof(path));
	if (r < 0)
		return rtr_err_set(err, -r, "cgroup %s: path too long", cg->rel);
	for (int attempt = 0;; attempt++) {
		pfd = lock_parent(path, prim == CG_CPUSET, &cg->made[prim + 1], err);
		if (pfd < 0)
			return pfd;
		r = claim_name(c, cg, path, prim == CG_V2, err);
		if (r != -ENOENT || attempt > 2)
			break;
		close(pfd);
		pfd = -1;
	}
	if (r < 0)
		return r;
	if (h->v2_root) {
		r = cg_v2_enable(h, cg->rel, v2mask, err);
		if (r < 0)
			return r;
		if (prim == CG_V2)
			cg->v2fd = dup(cg->lock_fd);
	}
	return open_hierarchies(cg, err);
}

static unsigned v2_mask_needed(const struct rtr_container *c, const struct cg_host *h)
{
	unsigned m = 0;

	for (int i = 0; i < _CG_MAX; i++)
		if (cg_where(h, i) == CG_V2)
			m |= 1u << i;
	/* cpuset and hugetlb cost at every start; enable them only when used. */
	if (!c->spec->lx.resources.cpu.cpus && !c->spec->lx.resources.cpu.mems)
		m &= ~(1u << CG_CPUSET);
	if (!c->spec->lx.resources.n_hugepage_limits)
		m &= ~(1u << CG_HUGETLB);
	return m;
}

/* The primary hierarchy's directory of rtr's parent, where a container whose
 * linux.cgroupsPath put it elsewhere leaves its CG_XATTR_AT record for the verbs. */
static int parent_dir(const struct rtr_container *c, const struct rtr_cgroup *cg, char *path,
		      size_t n, char *key, size_t kn)
{
	char rel[PATH_MAX / 4];
	int r = cg_rel_for_name(c->spec->ext.cgroup_parent, c->name, rel, sizeof(rel));

	if (r < 0 || streq(rel, cg->rel))
		return -ENOENT; /* the verbs find it by its name */
	r = cg_rel_for_name(c->spec->ext.cgroup_parent, "", rel, sizeof(rel));
	if (r == 0)
		r = cg_path(&cg->h, cg_primary(&cg->h), rel, path, n);
	if (r == 0 && snprintf(key, kn, CG_XATTR_AT "%s", c->name) >= (int)kn)
		r = -ENAMETOOLONG;
	return r;
}

/* What verbs.c reads back: the bundle, how to stop the container, and where it is. */
static void record_identity(const struct rtr_container *c, struct rtr_cgroup *cg)
{
	char v[48], sig[24], path[PATH_MAX], key[sizeof(CG_XATTR_AT) + RTR_NAME_MAX + 1];
	int n = snprintf(v, sizeof(v), "%s %u",
			 signal_to_string(c->spec->ext.stop_signal, sig, sizeof(sig)),
			 c->spec->ext.stop_timeout_s);

	char sup[24];
	int k = snprintf(sup, sizeof(sup), "%d", (int)getpid());
	_cleanup_free_ char *json = NULL;
	size_t len;

	if (c->bundle)
		fsetxattr(cg->lock_fd, CG_XATTR_BUNDLE, c->bundle, strlen(c->bundle), 0);
	fsetxattr(cg->lock_fd, CG_XATTR_SUPERVISOR, sup, (size_t)k, 0);
	if (c->spec->ext.log_path)
		fsetxattr(cg->lock_fd, CG_XATTR_LOG, c->spec->ext.log_path,
			  strlen(c->spec->ext.log_path), 0);
	/* Larger than an xattr may be (64 KiB): inspect says it has no record. */
	if (inspect_json(c, cg->rel, &json, &len) == 0)
		fsetxattr(cg->lock_fd, CG_XATTR_SPEC, json, len, 0);
	if (n > 0 && (size_t)n < sizeof(v))
		fsetxattr(cg->lock_fd, CG_XATTR_STOP, v, (size_t)n, 0);
	if (parent_dir(c, cg, path, sizeof(path), key, sizeof(key)) == 0 &&
	    cg_mkdir_p(path, cg_primary(&cg->h) == CG_CPUSET) >= 0 &&
	    setxattr(path, key, cg->rel, strlen(cg->rel), 0) == 0)
		cg->at_recorded = true;
}

/* Drops our CG_XATTR_AT record, unless a later run with the name already replaced it. */
static void forget_identity(const struct rtr_container *c, const struct rtr_cgroup *cg)
{
	char path[PATH_MAX], key[sizeof(CG_XATTR_AT) + RTR_NAME_MAX + 1], v[PATH_MAX / 4];
	ssize_t n;

	if (!cg->at_recorded || parent_dir(c, cg, path, sizeof(path), key, sizeof(key)) < 0)
		return;
	n = getxattr(path, key, v, sizeof(v) - 1);
	if (n > 0 && (v[n] = 0, streq(v, cg->rel)))
		removexattr(path, key);
}

/* A container of the same name elsewhere (another cgroupsPath, or none) still runs. */
static int name_taken_elsewhere(struct rtr_container *c, const struct rtr_cgroup *cg,
				struct rtr_err *err)
{
	char rel[PATH_MAX / 4], path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int prim = cg_primary(&cg->h);

	if (cg_rel_lookup(&cg->h, c->spec->ext.cgroup_parent, c->name, rel, sizeof(rel)) < 0 ||
	    streq(rel, cg->rel) || cg_path(&cg->h, prim, rel, path, sizeof(path)) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !cg_populated(fd, prim == CG_V2))
		return 0;
	return rtr_err_set(err, EBUSY, "a container named %s is already running (cgroup /%s)",
			   c->name, rel);
}

static struct rtr_cgroup *cgroup_new(void)
{
	struct rtr_cgroup *cg = calloc(1, sizeof(*cg));

	if (!cg)
		return NULL;
	cg->v2fd = cg->lock_fd = -1;
	for (int i = 0; i < _CG_MAX; i++)
		cg->fd[i] = cg->tasks[i] = -1;
	return cg;
}

int cgroup_setup(struct rtr_container *c, struct rtr_err *err)
{
	struct rtr_cgroup *cg = cgroup_new();
	char basebuf[PATH_MAX / 4];
	const char *base;
	int r;

	if (!cg)
		return -ENOMEM;
	c->cgroup = cg;
	r = cg_host_detect(&cg->h);
	if (r < 0) {
		r = rtr_err_set(err, ENOENT, "no cgroup filesystem at " CG_ROOT);
		goto fail;
	}
	base = delegated_base(&cg->h, basebuf, sizeof(basebuf));
	r = resolve_rel(c, cg, base, err);
	if (r < 0)
		goto fail;
	r = name_taken_elsewhere(c, cg, err);
	if (r < 0)
		goto fail;
	r = cg_check_supported(c, &cg->h, err);
	if (r < 0)
		goto fail;
	r = create(c, cg, v2_mask_needed(c, &cg->h), err);
	if (r < 0)
		goto fail;
	r = cg_apply_limits(c, cg, err);
	if (r < 0)
		goto fail;
	r = cg_apply_devices(c, cg, err);
	if (r < 0)
		goto fail;
	record_identity(c, cg);
	return 0;
fail:
	cgroup_destroy(c);
	return r;
}

/*
 * Moving a process into a cgroup: the parent writing the child's pid to cgroup.procs takes
 * the kernel's global threadgroup lock for writing, which waits for an RCU grace period --
 * milliseconds, the largest single cost of a start on v1 hosts.  Two ways avoid it: on the
 * unified tree clone3(CLONE_INTO_CGROUP) starts the child in its cgroup, and in a v1
 * hierarchy a single-threaded process that writes "0" to "tasks" moves only itself, which
 * needs no such lock.  The files are opened here, by root, before clone: the kernel checks
 * the opener's credentials, so a child already in its user namespace can still use them.
 * Whatever is not done that way, cgroup_enter() does the old way.  The parent keeps the
 * files open for the container's later runs (--restart); each child closes its copies.
 */
int cgroup_clone_fd(const struct rtr_container *c)
{
	return c->cgroup ? c->cgroup->v2fd : -1;
}

struct cgroup_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

#define CGROUP_CLONE_INTO_CGROUP 0x200000000ULL

pid_t cgroup_clone(unsigned long flags, int cgfd, bool *ret_in)
{
	pid_t pid = -1;

	*ret_in = false;
#ifdef SYS_clone3
	struct cgroup_clone_args a = {.flags = flags, .exit_signal = SIGCHLD};

	if (compat_disabled(COMPAT_CLONE3))
		goto old;
	if (cgfd >= 0) {
		a.flags |= CGROUP_CLONE_INTO_CGROUP;
		a.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			*ret_in = true;
			return pid;
		}
		/* Too old a kernel, or a cgroup it refuses (not a domain): cgroup.procs. */
		a.flags = flags;
		a.cgroup = 0;
	}
	pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EPERM))
		return pid;
old:
#endif
	/* All pointer arguments are NULL, so the per-arch argument order does not matter. */
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	return pid;
}

unsigned cgroup_tasks_enter(int *tasks)
{
	unsigned done = 0;

	for (int i = 0; i < _CG_MAX; i++) {
		if (tasks[i] < 0)
			continue;
		if (write(tasks[i], "0", 1) == 1)
			done |= CG_ENTERED(i);
		close(tasks[i]);
		tasks[i] = -1;
	}
	return done;
}

unsigned cgroup_child_enter(const struct rtr_container *c)
{
	return c->cgroup ? cgroup_tasks_enter(c->cgroup->tasks) : 0;
}

bool cgroup_all_entered(const struct rtr_container *c, unsigned done)
{
	for (int i = CG_V2; c->cgroup && i < _CG_MAX; i++)
		if (cg_dir_fd(c->cgroup, i) >= 0 && !(done & CG_ENTERED(i)))
			return false;
	return true;
}

int cgroup_enter(struct rtr_container *c, pid_t pid, unsigned done, struct rtr_err *err)
{
	struct rtr_cgroup *cg = c->cgroup;
	char v[24];
	int n = snprintf(v, sizeof(v), "%d", (int)pid);

	if (!cg)
		return 0;
	for (int i = CG_V2; i < _CG_MAX; i++) {
		int fd = cg_dir_fd(cg, i), r;

		if (fd < 0 || (done & CG_ENTERED(i)))
			continue;
		r = write_string_at(fd, "cgroup.procs", v);
		if (r < 0)
			return rtr_err_sys(err, -r, "cgroup %s/%s: moving pid %d in",
					   cg_ctrl_name(i), cg->rel, (int)pid);
	}
	fsetxattr(cg->lock_fd, CG_XATTR_PID, v, (size_t)n, 0);
	return 0;
}

/* The cgroup's OOM kill count since it was made. */
static uint64_t oom_kills(const struct rtr_cgroup *cg)
{
	int w = cg_where(&cg->h, CG_MEMORY);
	uint64_t kills = 0;

	if (w == CG_V2)
		cg_read_u64(cg->v2fd, "memory.events", "oom_kill", &kills);
	else if (w >= 0)
		cg_read_u64(cg->fd[w], "memory.oom_control", "oom_kill", &kills);
	return kills;
}

bool cgroup_oom_killed(struct rtr_container *c, char *limit_desc, size_t n)
{
	struct rtr_cgroup *cg = c ? c->cgroup : NULL;
	int w = cg ? cg_where(&cg->h, CG_MEMORY) : CG_NONE;
	uint64_t lim = UINT64_MAX;
	char b[32];

	if (!cg || oom_kills(cg) <= cg->oom_base)
		return false;
	/* The limit now in force: an rtr-run update may have changed the start's. */
	cg_read_u64(cg_dir_fd(cg, w), w == CG_V2 ? "memory.max" : "memory.limit_in_bytes", NULL,
		    &lim);
	format_bytes(lim, b, sizeof(b));
	if (limit_desc && n)
		snprintf(limit_desc, n, "%s%s",
			 lim < (1ULL << 62) ? "limit " : "no memory limit set",
			 lim < (1ULL << 62) ? b : "");
	return true;
}

/* The ancestors of the container's directory that this run created, deepest first,
 * never rtr's parent or what is above it.  rmdir of a cgroup with a child fails and ends
 * the climb; a run that loses its new parent to this meanwhile makes it again (create). */
static void rm_made_ancestors(struct rtr_cgroup *cg)
{
	char rel[sizeof(cg->rel)], path[PATH_MAX];

	for (int i = CG_V2; i < _CG_MAX; i++) {
		memcpy(rel, cg->rel, sizeof(rel));
		for (int k = 0; k < cg->made[i + 1]; k++) {
			char *slash = strrchr(rel, '/');

			if (!slash || (size_t)(slash - rel) <= cg->keep_len)
				break;
			*slash = 0;
			if (cg_path(&cg->h, i, rel, path, sizeof(path)) < 0 || rmdir(path) < 0)
				break;
		}
	}
}

void cgroup_empty(struct rtr_container *c)
{
	struct rtr_cgroup *cg = c ? c->cgroup : NULL;
	int prim;

	if (!cg || !cg->owned)
		return;
	prim = cg_primary(&cg->h);
	if (cg_populated(cg_dir_fd(cg, prim), prim == CG_V2))
		cg_kill_rel(&cg->h, cg->rel, 5000, true);
}

/* The limits are not written again: the cgroup keeps what the kernel has, the start's
 * values or those of an rtr-run update since (Docker too keeps an update across restarts),
 * which is what the inspect record says.  The devices stay as well (a second v2 device
 * program would stack on the first). */
void cgroup_reset(struct rtr_container *c)
{
	struct rtr_cgroup *cg = c->cgroup;

	cgroup_empty(c);
	fremovexattr(cg->lock_fd, CG_XATTR_PID);
	cg->oom_base = oom_kills(cg);
}

void cgroup_record_runs(struct rtr_container *c, unsigned restarts, int last_exit)
{
	char v[32];
	int n = snprintf(v, sizeof(v), "%u %d", restarts, last_exit);

	if (c->cgroup)
		fsetxattr(c->cgroup->lock_fd, CG_XATTR_RUNS, v, (size_t)n, 0);
}

void cgroup_destroy(struct rtr_container *c)
{
	struct rtr_cgroup *cg = c ? c->cgroup : NULL;

	if (!cg)
		return;
	if (cg->owned && cg_rm_rel(&cg->h, cg->rel) == -EBUSY) {
		/* Processes left (no pid namespace, or the supervisor was told to stop):
		 * kill them all, wait for the cgroup to empty, then remove it. */
		cg_kill_rel(&cg->h, cg->rel, 5000, false);
		for (int i = 0; i < 500 && cg_rm_rel(&cg->h, cg->rel) == -EBUSY; i++)
			cg_sleep_ms(10);
	}
	forget_identity(c, cg);
	for (int i = 0; i < _CG_MAX; i++) {
		if (cg->fd[i] >= 0)
			close(cg->fd[i]);
		if (cg->tasks[i] >= 0)
			close(cg->tasks[i]);
	}
	if (cg->v2fd >= 0)
		close(cg->v2fd);
	if (cg->lock_fd >= 0)
		close(cg->lock_fd);
	if (cg->owned)
		rm_made_ancestors(cg);
	free(cg);
	c->cgroup = NULL;
}

/* The container's directories, opened (never created: update changes a container, it
 * does not make one).  Its supervisor holds the lock; the cgroup is empty between two
 * runs of --restart, and the next run, in the same cgroup, has what is written now.  A
 * start still setting it up (no supervisor recorded yet) writes its own limits after:
 * refused, as before the start. */
static int open_existing(struct rtr_cgroup *cg, const char *name, struct rtr_err *err)
{
	char path[PATH_MAX];

	cg->lock_fd = cg_open_rel(&cg->h, cg->rel);
	if (cg->lock_fd < 0 || !cg_lock_held(cg->lock_fd) ||
	    (!cg_populated(cg->lock_fd, cg_primary(&cg->h) == CG_V2) &&
	     !cg_live_supervisor(cg->lock_fd)))
		return rtr_err_set(err, ESRCH, "no such running container");
	for (int i = CG_V2; i < _CG_MAX; i++) {
		int *fd = i == CG_V2 ? &cg->v2fd : &cg->fd[i];

		if (!cg_has_hierarchy(&cg->h, i) || cg_path(&cg->h, i, cg->rel, path, sizeof(path)))
			continue;
		*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return 0;
}

/* What update changes, one step at a time, in the order a start writes it. */
enum { UP_MEMORY, UP_HIGH, UP_PIDS, UP_CPU, UP_CPUSET, _UP_MAX };

/* Forgets in @s (a copy: the strings are not freed) the steps outside [@from, @to). */
static void up_keep(struct rtr_spec *s, int from, int to)
{
	struct rtr_resources *r = &s->lx.resources;

#define UP_OUT(k) ((k) < from || (k) >= to)
	r->memory.limit_set &= !UP_OUT(UP_MEMORY);
	s->ext.memory_high_set &= !UP_OUT(UP_HIGH);
	r->pids.limit_set &= !UP_OUT(UP_PIDS);
	r->cpu.quota_set &= !UP_OUT(UP_CPU);
	r->cpu.period_set &= !UP_OUT(UP_CPU);
	if (UP_OUT(UP_CPUSET))
		r->cpu.cpus = NULL;
#undef UP_OUT
}

/* The limits of @c->spec, one step after the other; *@ret_done: the steps the kernel took.
 * A refused write ends it and what came before stays, as crun leaves it (runc and Docker
 * write the old values back, which can be refused in turn). */
static int update_write(struct rtr_container *c, struct rtr_cgroup *cg, int *ret_done,
			struct rtr_err *err)
{
	struct rtr_spec *all = c->spec, one;
	int r = 0;

	for (*ret_done = 0; *ret_done < _UP_MAX; ++*ret_done) {
		one = *all;
		up_keep(&one, *ret_done, *ret_done + 1);
		c->spec = &one;
		r = cg_apply_limits(c, cg, err);
		if (r < 0)
			break;
	}
	c->spec = all;
	return r;
}

/* The inspect record with the limits of the first @done steps of @s, replaced in one
 * xattr write (a concurrent inspect reads the old record or the new one).  A container
 * without a record (larger than an xattr may be) has nothing to correct. */
static int update_record(struct rtr_cgroup *cg, const struct rtr_spec *s, int done,
			 struct rtr_err *err)
{
	_cleanup_free_ char *rec = malloc(INSPECT_MAX_BYTES), *json = NULL;
	struct rtr_spec took = *s;
	ssize_t n;
	size_t len;
	int r;

	if (!rec)
		return -ENOMEM;
	n = done ? fgetxattr(cg->lock_fd, CG_XATTR_SPEC, rec, INSPECT_MAX_BYTES) : 0;
	if (n <= 0)
		return 0;
	up_keep(&took, 0, done);
	r = inspect_update_limits(rec, (size_t)n, &took, &json, &len);
	if (r == 0 && fsetxattr(cg->lock_fd, CG_XATTR_SPEC, json, len, 0) < 0)
		r = -errno;
	if (r < 0)
		return rtr_err_sys(err, -r, "the limits changed, but not the record inspect shows");
	return 0;
}

int cgroup_update(const char *name, struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_container c = {.name = name, .spec = s, .bundle_fd = -1, .sync_fd = -1};
	struct rtr_cgroup *cg = cgroup_new();
	_cleanup_close_ int pfd = -1;
	char parent[sizeof(cg->rel)], *slash;
	int r, k, done;

	if (!cg)
		return -ENOMEM;
	c.cgroup = cg;
	r = cg_host_detect(&cg->h);
	if (r < 0)
		r = rtr_err_set(err, ENOENT, "no cgroup filesystem at " CG_ROOT);
	if (r == 0 &&
	    cg_rel_lookup(&cg->h, s->ext.cgroup_parent, name, cg->rel, sizeof(cg->rel)) < 0)
		r = rtr_err_set(err, EINVAL, "bad cgroup path");
	/* Two updates at once: each writes the limits and the record under the parent's lock
	 * (the one a start and the stale reaping take), so the last record is the last
	 * writer's, as the kernel's values are. */
	if (r == 0) {
		memcpy(parent, cg->rel, sizeof(parent));
		slash = strrchr(parent, '/');
		if (slash)
			*slash = 0;
		pfd = cg_open_rel(&cg->h, parent);
		if (pfd >= 0)
			flock(pfd, LOCK_EX);
		r = open_existing(cg, name, err);
	}
	if (r == 0)
		r = cg_check_supported(&c, &cg->h, err);
	/* A controller the start did not need (cpuset) is enabled on demand, as at start. */
	if (r == 0 && cg->h.v2_root)
		r = cg_v2_enable(&cg->h, cg->rel, v2_mask_needed(&c, &cg->h), err);
	/* After a refusal the record still gets the steps before it: it says what the
	 * kernel has, and the refusal is the error reported. */
	if (r == 0) {
		r = update_write(&c, cg, &done, err);
		k = update_record(cg, s, done, r < 0 ? NULL : err);
		r = r < 0 ? r : k;
	}
	cgroup_destroy(&c);
	return r;
}
