/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroups of rtr-run on pure v1, pure v2 and hybrid hosts.
 *
 * The layout is detected with statfs(2) at every start (no cache to go stale):
 * /sys/fs/cgroup is cgroup2 (pure v2), or a tmpfs with one v1 hierarchy per controller
 * and maybe a cgroup2 tree at /sys/fs/cgroup/unified (hybrid).  Each limit goes to the
 * hierarchy that holds its controller; on hybrid hosts the container also gets a
 * directory in the unified tree so v2 tools (and cgroup.kill, cgroup.freeze) see it.
 *
 * The container's cgroup is <hierarchy>/<parent>/<name> in every hierarchy.  The
 * primary hierarchy's directory (the v2 one when there is a v2 tree) is the container's
 * identity: rtr-run holds an flock(2) on it for the container's life, so a second
 * rtr-run with the same name sees it is taken, and one that finds the lock free and the
 * cgroup empty knows the directory is a leftover of a crashed run and removes it.
 * The creation itself is serialised by an flock on the parent directory.
 *
 * A setting the host cannot honour (its controller is absent, a file is missing) is an
 * error before the container starts, and whatever was created is removed again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "modules.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define CG_NONE (-2)
#define CPU_PERIOD_US 100000 /* docker's --cpus period */

static const char *const ctrl_v1[_CG_MAX] = {
	[CG_CPU] = "cpu",	  [CG_CPUACCT] = "cpuacct", [CG_CPUSET] = "cpuset",
	[CG_MEMORY] = "memory",	  [CG_DEVICES] = "devices", [CG_FREEZER] = "freezer",
	[CG_BLKIO] = "blkio",	  [CG_PIDS] = "pids",	    [CG_HUGETLB] = "hugetlb",
};
/* The v2 controller that does the job; NULL: core files (cgroup.freeze) or BPF. */
static const char *const ctrl_v2[_CG_MAX] = {
	[CG_CPU] = "cpu",	[CG_CPUACCT] = "cpu", [CG_CPUSET] = "cpuset",
	[CG_MEMORY] = "memory", [CG_BLKIO] = "io",    [CG_PIDS] = "pids",
	[CG_HUGETLB] = "hugetlb",
};

struct rtr_cgroup {
	struct cg_host h;
	char rel[PATH_MAX / 4];
	int fd[_CG_MAX]; /* v1 container directories, -1 when absent */
	int v2fd;        /* the unified tree's container directory, -1 when absent */
	int lock_fd;     /* primary directory, flock()ed while the container lives */
	bool owned;      /* we created the directories: destroy removes them */
	bool mem_limit_set;
	uint64_t mem_limit;
};

/* ---- small file helpers ---------------------------------------------------------------- */

static ssize_t read_small(int dfd, const char *file, char *buf, size_t n)
{
	_cleanup_close_ int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC);
	ssize_t len, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < n - 1) {
		len = read(fd, buf + total, n - 1 - total);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (len == 0)
			break;
		total += len;
	}
	buf[total] = 0;
	return total;
}

int cg_read_u64(int dfd, const char *file, const char *key, uint64_t *ret)
{
	char buf[8192], *p = buf, *end;
	ssize_t n = read_small(dfd, file, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (key) {
		size_t kl = strlen(key);

		for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
				break;
		if (!p)
			return -ENODATA;
		p += kl + 1;
	}
	if (strncmp(p, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*ret = strtoull(p, &end, 10);
	if (errno || end == p)
		return -EINVAL;
	return 0;
}

pid_t cg_first_pid(int dfd)
{
	char buf[32];

	if (read_small(dfd, "cgroup.procs", buf, sizeof(buf)) <= 0)
		return 0;
	return (pid_t)atoi(buf);
}

/* Calls @fn for each directory below @dfd (depth first, children before parents). */
static int walk_subdirs(int dfd, int depth, int (*fn)(int parent, const char *name, void *u),
			void *u)
{
	DIR *d;
	struct dirent *de;
	int r = 0, fd;

	if (depth > 32)
		return -ELOOP;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int sub = -1;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue;
		walk_subdirs(sub, depth + 1, fn, u);
		r = fn(dirfd(d), de->d_name, u);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int populated_cb(int parent, const char *name, void *u)
{
	_cleanup_close_ int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && cg_first_pid(fd) > 0) {
		*(bool *)u = true;
		return -ECANCELED;
	}
	return 0;
}

bool cg_populated(int dfd, bool v2)
{
	uint64_t v;
	bool found = false;

	if (v2 && cg_read_u64(dfd, "cgroup.events", "populated", &v) == 0)
		return v != 0;
	if (cg_first_pid(dfd) > 0)
		return true;
	walk_subdirs(dfd, 0, populated_cb, &found);
	return found;
}

static int rmdir_cb(int parent, const char *name, void *u)
{
	unlinkat(parent, name, AT_REMOVEDIR);
	return 0;
}

/* rmdir with the child cgroups a container may have made; -EBUSY while populated. */
static int rmdir_tree(const char *path)
{
	_cleanup_close_ int fd = -1;

	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	walk_subdirs(fd, 0, rmdir_cb, NULL);
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

/* ---- the host's layout ----------------------------------------------------------------- */

static bool is_fs(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (long)sf.f_type == magic;
}

static unsigned v2_controllers(const char *dir)
{
	char path[PATH_MAX], buf[512];
	unsigned mask = 0;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (read_small(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return 0;
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		for (int i = 0; i < _CG_MAX; i++)
			if (streq(ctrl_v2[i], tok))
				mask |= 1u << i;
	return mask;
}

int cg_host_detect(struct cg_host *h)
{
	char path[64];

	memset(h, 0, sizeof(*h));
	if (is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC)) {
		h->layout = CG_LAYOUT_V2;
		h->v2_root = CG_ROOT;
	} else if (is_fs(CG_ROOT, TMPFS_MAGIC)) {
		for (int i = 0; i < _CG_MAX; i++) {
			snprintf(path, sizeof(path), CG_ROOT "/%s", ctrl_v1[i]);
			if (is_fs(path, CGROUP_SUPER_MAGIC))
				h->v1 |= 1u << i;
		}
		if (is_fs(CG_ROOT "/unified", CGROUP2_SUPER_MAGIC))
			h->v2_root = CG_ROOT "/unified";
		if (h->v1)
			h->layout = h->v2_root ? CG_LAYOUT_HYBRID : CG_LAYOUT_V1;
		else if (h->v2_root)
			h->layout = CG_LAYOUT_V2;
	}
	if (h->layout == CG_LAYOUT_NONE)
		return -ENOENT;
	if (h->v2_root)
		h->v2 = v2_controllers(h->v2_root) & ~h->v1;
	return 0;
}

const char *cg_layout_name(enum cg_layout l)
{
	static const char *const n[] = { "none", "cgroup v1", "cgroup v2", "hybrid cgroups" };
	return n[l];
}

/* Where controller @c lives: its v1 hierarchy, CG_V2, or CG_NONE. */
static int cg_where(const struct cg_host *h, int c)
{
	if (h->v1 & (1u << c))
		return c;
	if (h->v2_root && (h->v2 & (1u << c)))
		return CG_V2;
	return CG_NONE;
}

int cg_primary(const struct cg_host *h)
{
	static const int order[] = { CG_PIDS, CG_MEMORY, CG_FREEZER, CG_CPUACCT, CG_CPU };

	if (h->v2_root)
		return CG_V2;
	for (size_t i = 0; i < ELEMENTSOF(order); i++)
		if (h->v1 & (1u << order[i]))
			return order[i];
	for (int i = 0; i < _CG_MAX; i++)
		if (h->v1 & (1u << i))
			return i;
	return CG_NONE;
}

int cg_path(const struct cg_host *h, int ctrl, const char *rel, char *buf, size_t n)
{
	int len;

	if (ctrl == CG_V2)
		len = snprintf(buf, n, "%s/%s", h->v2_root, rel);
	else
		len = snprintf(buf, n, CG_ROOT "/%s/%s", ctrl_v1[ctrl], rel);
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* Normalises "a//b/" to "a/b" into @buf; refuses "." and ".." components. */
static int rel_append(char *buf, size_t n, const char *part)
{
	size_t len = strlen(buf);

	while (*part) {
		const char *e;
		size_t l;

		while (*part == '/')
			part++;
		if (!*part)
			break;
		e = strchrnul(part, '/');
		l = (size_t)(e - part);
		if ((l == 1 && part[0] == '.') || (l == 2 && part[0] == '.' && part[1] == '.'))
			return -EINVAL;
		if (len + l + 2 > n)
			return -ENAMETOOLONG;
		if (len)
			buf[len++] = '/';
		memcpy(buf + len, part, l);
		len += l;
		buf[len] = 0;
		part = e;
	}
	return 0;
}

int cg_rel_for_name(const char *parent, const char *name, char *buf, size_t n)
{
	int r;

	buf[0] = 0;
	r = rel_append(buf, n, parent ? parent : RTR_CGROUP_PARENT);
	if (r < 0)
		return r;
	return rel_append(buf, n, name);
}

/* ---- killing and freezing --------------------------------------------------------------- */

static int kill_cb(int parent, const char *name, void *u)
{
	char buf[8192], *p, *end;
	_cleanup_close_ int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || read_small(fd, "cgroup.procs", buf, sizeof(buf)) <= 0)
		return 0;
	for (p = buf;; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 0 && kill((pid_t)pid, SIGKILL) == 0)
			(*(int *)u)++;
	}
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int wait_state(int dfd, const char *file, const char *key, uint64_t want, int ms)
{
	uint64_t v;

	for (int i = 0; i <= ms; i++) {
		if (cg_read_u64(dfd, file, key, &v) == 0 && v == want)
			return 0;
		sleep_ms(1);
	}
	return -ETIMEDOUT;
}

static int v1_freezer_set(int dfd, const char *state, int ms)
{
	char buf[32];
	int r = write_string_at(dfd, "freezer.state", state);

	if (r < 0)
		return r;
	for (int i = 0; i <= ms; i++) {
		if (read_small(dfd, "freezer.state", buf, sizeof(buf)) > 0 &&
		    strncmp(buf, state, strlen(state)) == 0)
			return 0;
		sleep_ms(1);
	}
	return -ETIMEDOUT;
}

int cg_freeze_rel(const struct cg_host *h, const char *rel, bool freeze)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r, where = h->v2_root ? CG_V2 : (h->v1 & (1u << CG_FREEZER) ? CG_FREEZER : CG_NONE);

	if (where == CG_NONE)
		return -EOPNOTSUPP;
	r = cg_path(h, where, rel, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (where == CG_V2) {
		r = write_string_at(fd, "cgroup.freeze", freeze ? "1" : "0");
		if (r < 0)
			return r;
		return wait_state(fd, "cgroup.events", "frozen", freeze, 2000);
	}
	return v1_freezer_set(fd, freeze ? "FROZEN" : "THAWED", 2000);
}

int cg_kill_rel(const struct cg_host *h, const char *rel, int timeout_ms)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1, ffd = -1;
	int prim = cg_primary(h), r;

	if (prim == CG_NONE)
		return -ENOENT;
	r = cg_path(h, prim, rel, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* cgroup.kill (5.14) kills the whole subtree at once, racing no fork. */
	if (prim == CG_V2 && write_string_at(fd, "cgroup.kill", "1") == 0)
		return wait_state(fd, "cgroup.events", "populated", 0, timeout_ms);

	/* Else: freeze so nothing forks between reading cgroup.procs and kill(), then kill
	 * and thaw (SIGKILL is acted on at thaw); repeat until empty. */
	if (h->v1 & (1u << CG_FREEZER) && cg_path(h, CG_FREEZER, rel, path, sizeof(path)) == 0)
		ffd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		int n = 0;
		char self[2] = ".";

		if (!cg_populated(fd, prim == CG_V2))
			return 0;
		if (ffd >= 0)
			v1_freezer_set(ffd, "FROZEN", 100);
		kill_cb(fd, self, &n);
		walk_subdirs(fd, 0, kill_cb, &n);
		if (ffd >= 0)
			v1_freezer_set(ffd, "THAWED", 100);
		sleep_ms(5);
	}
	return -ETIMEDOUT;
}

/* Removes @rel in every hierarchy; -EBUSY when one still has processes. */
static int rm_rel(const struct cg_host *h, const char *rel)
{
	char path[PATH_MAX];
	int r, ret = 0;

	for (int i = -1; i < _CG_MAX; i++) {
		if (i == CG_V2 ? !h->v2_root : !(h->v1 & (1u << i)))
			continue;
		if (cg_path(h, i, rel, path, sizeof(path)) < 0)
			continue;
		r = rmdir_tree(path);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- options ------------------------------------------------------------------------------ */

/* "0-3,5" against the online set in @online_file; fills @ret_first_bad. */
static int cpulist_check(const char *list, const char *online_file, long *ret_bad)
{
	char buf[256];
	unsigned char online[1024] = { 0 };
	const char *p;
	char *end;

	if (read_small(AT_FDCWD, online_file, buf, sizeof(buf)) > 0) {
		for (p = buf; *p && *p != '\n';) {
			long a = strtol(p, &end, 10), b = a;

			if (end == p)
				break;
			if (*end == '-')
				b = strtol(end + 1, &end, 10);
			for (long i = a; i <= b && i >= 0 && i < 1024; i++)
				online[i] = 1;
			p = *end == ',' ? end + 1 : end;
		}
	} else {
		online[0] = 1;
	}
	if (!*list)
		return -EINVAL;
	for (p = list; *p;) {
		long a, b;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = b = strtol(p, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			b = strtol(end + 1, &end, 10);
		}
		if (b < a || b >= 1024)
			return -EINVAL;
		for (long i = a; i <= b; i++)
			if (!online[i]) {
				*ret_bad = i;
				return -ENXIO;
			}
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -EINVAL;
		p = end;
	}
	return 0;
}

static long online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

static int push_throttle(struct rtr_throttle **v, size_t *n, const char *opt, const char *arg,
			 bool bytes, struct rtr_err *err)
{
	_cleanup_free_ char *dev = strdup(arg);
	char *colon = dev ? strrchr(dev, ':') : NULL;
	struct rtr_throttle *nv;
	struct stat st;
	uint64_t rate;
	int r;

	if (!dev)
		return -ENOMEM;
	if (!colon || colon == dev || !colon[1])
		return rtr_err_set(err, EINVAL, "%s %s: expected DEVICE:RATE", opt, arg);
	*colon = 0;
	r = bytes ? parse_size(colon + 1, &rate) : parse_u64(colon + 1, UINT64_MAX, &rate);
	if (r < 0 || rate == 0)
		return rtr_err_set(err, EINVAL, "%s %s: bad rate '%s'", opt, arg, colon + 1);
	if (stat(dev, &st) < 0)
		return rtr_err_set(err, errno, "%s %s: %s", opt, dev, strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return rtr_err_set(err, ENOTBLK, "%s %s: not a block device", opt, dev);
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	nv[*n] = (struct rtr_throttle){ major(st.st_rdev), minor(st.st_rdev), rate };
	*v = nv;
	(*n)++;
	return 0;
}

static int replace_str(char **dst, const char *src)
{
	char *s = strdup(src);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

int cgroup_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_resources *res = &s->lx.resources;
	uint64_t v;
	int64_t i;
	long bad = -1;
	int r;

	if (o->memory) {
		if (parse_size(o->memory, &v) < 0 || v == 0 || v > INT64_MAX)
			return rtr_err_set(err, EINVAL, "--memory %s: expected a size like 64M",
					   o->memory);
		res->memory.limit = (int64_t)v;
		res->memory.limit_set = s->lx.resources_set = true;
	}
	if (o->memory_reservation) {
		if (parse_size(o->memory_reservation, &v) < 0 || v > INT64_MAX)
			return rtr_err_set(err, EINVAL,
					   "--memory-reservation %s: expected a size like 32M",
					   o->memory_reservation);
		res->memory.reservation = (int64_t)v;
		res->memory.reservation_set = s->lx.resources_set = true;
	}
	if (o->memory_swap) {
		if (streq(o->memory_swap, "-1"))
			res->memory.swap = -1;
		else if (parse_size(o->memory_swap, &v) == 0 && v > 0 && v <= INT64_MAX)
			res->memory.swap = (int64_t)v;
		else
			return rtr_err_set(err, EINVAL,
					   "--memory-swap %s: expected a size (memory plus swap) or -1",
					   o->memory_swap);
		res->memory.swap_set = s->lx.resources_set = true;
	}
	if (res->memory.swap_set && res->memory.swap >= 0) {
		if (!res->memory.limit_set || res->memory.limit < 0)
			return rtr_err_set(err, EINVAL,
					   "--memory-swap needs --memory (it is memory plus swap)");
		if (res->memory.swap < res->memory.limit)
			return rtr_err_set(err, EINVAL,
					   "--memory-swap must be at least --memory (it is memory "
					   "plus swap)");
	}
	if (o->memory_high && !streq(o->memory_high, "max") &&
	    (parse_size(o->memory_high, &v) < 0 || v == 0))
		return rtr_err_set(err, EINVAL, "--memory-high %s: expected a size or max",
				   o->memory_high);
	if (o->pids_limit) {
		if (parse_i64(o->pids_limit, -1, INT64_MAX, &i) < 0)
			return rtr_err_set(err, EINVAL,
					   "--pids-limit %s: expected a number (0 or -1: unlimited)",
					   o->pids_limit);
		res->pids.limit = i;
		res->pids.limit_set = s->lx.resources_set = true;
	}
	if (o->cpus) {
		char *end;
		double c = strtod(o->cpus, &end);
		long n = online_cpus();

		if (end == o->cpus || *end || !(c >= 0.01) || c > (double)n)
			return rtr_err_set(err, EINVAL,
					   "--cpus %s: expected a number of CPUs from 0.01 to %ld",
					   o->cpus, n);
		res->cpu.period = CPU_PERIOD_US;
		res->cpu.quota = (int64_t)(c * CPU_PERIOD_US + 0.5);
		res->cpu.period_set = res->cpu.quota_set = s->lx.resources_set = true;
	}
	if (o->cpu_shares) {
		if (parse_u64(o->cpu_shares, 262144, &v) < 0 || v < 2)
			return rtr_err_set(err, EINVAL, "--cpu-shares %s: expected 2 to 262144",
					   o->cpu_shares);
		res->cpu.shares = v;
		res->cpu.shares_set = s->lx.resources_set = true;
	}
	if (o->cpu_list) {
		r = cpulist_check(o->cpu_list, "/sys/devices/system/cpu/online", &bad);
		if (r == -ENXIO)
			return rtr_err_set(err, EINVAL, "--cpu-list %s: CPU %ld is not online",
					   o->cpu_list, bad);
		if (r < 0)
			return rtr_err_set(err, EINVAL,
					   "--cpu-list %s: expected CPU numbers like 0-1,3",
					   o->cpu_list);
		if (replace_str(&res->cpu.cpus, o->cpu_list) < 0)
			return -ENOMEM;
		s->lx.resources_set = true;
	}
	if (o->cpu_mems) {
		r = cpulist_check(o->cpu_mems, "/sys/devices/system/node/online", &bad);
		if (r == -ENXIO)
			return rtr_err_set(err, EINVAL, "--cpu-mems %s: memory node %ld is not online",
					   o->cpu_mems, bad);
		if (r < 0)
			return rtr_err_set(err, EINVAL,
					   "--cpu-mems %s: expected node numbers like 0-1", o->cpu_mems);
		if (replace_str(&res->cpu.mems, o->cpu_mems) < 0)
			return -ENOMEM;
		s->lx.resources_set = true;
	}
	if (o->io_weight) {
		if (parse_u64(o->io_weight, 1000, &v) < 0 || v < 10)
			return rtr_err_set(err, EINVAL, "--io-weight %s: expected 10 to 1000",
					   o->io_weight);
		res->block_io.weight = (uint16_t)v;
		res->block_io.weight_set = s->lx.resources_set = true;
	}
	for (size_t k = 0; o->device_read_bps && o->device_read_bps[k]; k++)
		if ((r = push_throttle(&res->block_io.read_bps, &res->block_io.n_read_bps,
				       "--device-read-bps", o->device_read_bps[k], true, err)) < 0)
			return r;
	for (size_t k = 0; o->device_write_bps && o->device_write_bps[k]; k++)
		if ((r = push_throttle(&res->block_io.write_bps, &res->block_io.n_write_bps,
				       "--device-write-bps", o->device_write_bps[k], true, err)) < 0)
			return r;
	for (size_t k = 0; o->device_read_iops && o->device_read_iops[k]; k++)
		if ((r = push_throttle(&res->block_io.read_iops, &res->block_io.n_read_iops,
				       "--device-read-iops", o->device_read_iops[k], false, err)) < 0)
			return r;
	for (size_t k = 0; o->device_write_iops && o->device_write_iops[k]; k++)
		if ((r = push_throttle(&res->block_io.write_iops, &res->block_io.n_write_iops,
				       "--device-write-iops", o->device_write_iops[k], false, err)) < 0)
			return r;
	if (res->block_io.n_read_bps || res->block_io.n_write_bps || res->block_io.n_read_iops ||
	    res->block_io.n_write_iops)
		s->lx.resources_set = true;
	if (o->cgroup_parent) {
		char buf[PATH_MAX / 4] = "";

		if (rel_append(buf, sizeof(buf), o->cgroup_parent) < 0 || !buf[0])
			return rtr_err_set(err, EINVAL, "--cgroup-parent %s: bad cgroup path",
					   o->cgroup_parent);
	}
	return 0;
}

/* ---- setup -------------------------------------------------------------------------------- */

static int dir_fd(const struct rtr_cgroup *cg, int where)
{
	return where == CG_V2 ? cg->v2fd : where >= 0 ? cg->fd[where] : -1;
}

/* Writes @val to @file of the container's directory in hierarchy @where; @what names the
 * setting (OCI field and option) for the message. */
static int cg_set(struct rtr_cgroup *cg, int where, const char *file, const char *val,
		  const char *what, struct rtr_err *err)
{
	int dfd = dir_fd(cg, where), fd, r;

	if (dfd < 0)
		return rtr_err_set(err, EOPNOTSUPP, "%s: no cgroup controller for it on this host",
				   what);
	fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return rtr_err_set(err, EOPNOTSUPP,
					   "%s: not supported by this host's %s (no %s)", what,
					   cg_layout_name(cg->h.layout), file);
		return rtr_err_set(err, errno, "%s: %s: %s", what, file, strerror(errno));
	}
	r = write_all(fd, val, strlen(val));
	close(fd);
	if (r < 0)
		return rtr_err_set(err, -r, "%s: writing %s to %s: %s", what, val, file,
				   strerror(-r));
	return 0;
}

static bool has_file(const struct rtr_cgroup *cg, int where, const char *file)
{
	return faccessat(dir_fd(cg, where), file, F_OK, 0) == 0;
}

static void fmt_i64(char *buf, size_t n, int64_t v, const char *unlimited)
{
	if (v < 0)
		snprintf(buf, n, "%s", unlimited);
	else
		snprintf(buf, n, "%lld", (long long)v);
}

/* v1 memory.{limit,memsw,soft_limit} or v2 memory.{max,swap.max,low,high}. */
static int apply_memory(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	const char *high = c->opts ? c->opts->memory_high : NULL;
	int w = cg_where(&cg->h, CG_MEMORY), r = 0;
	char v[32];

	if (res->memory.limit_set) {
		cg->mem_limit_set = res->memory.limit >= 0;
		cg->mem_limit = (uint64_t)res->memory.limit;
	}
	if (w == CG_V2) {
		if (res->memory.limit_set) {
			fmt_i64(v, sizeof(v), res->memory.limit, "max");
			r = cg_set(cg, w, "memory.max", v, "memory.limit (--memory)", err);
		}
		if (r == 0 && res->memory.swap_set) {
			int64_t sw = res->memory.swap;

			if (sw >= 0 && res->memory.limit_set && res->memory.limit >= 0)
				sw -= res->memory.limit;
			fmt_i64(v, sizeof(v), sw, "max");
			r = cg_set(cg, w, "memory.swap.max", v, "memory.swap (--memory-swap)", err);
		}
		if (r == 0 && res->memory.reservation_set) {
			fmt_i64(v, sizeof(v), res->memory.reservation, "max");
			r = cg_set(cg, w, "memory.low", v,
				   "memory.reservation (--memory-reservation)", err);
		}
		if (r == 0 && high) {
			uint64_t b;

			if (streq(high, "max"))
				snprintf(v, sizeof(v), "max");
			else if (parse_size(high, &b) == 0)
				snprintf(v, sizeof(v), "%llu", (unsigned long long)b);
			r = cg_set(cg, w, "memory.high", v, "--memory-high", err);
		}
		return r;
	}
	if (res->memory.limit_set) {
		fmt_i64(v, sizeof(v), res->memory.limit, "-1");
		r = cg_set(cg, w, "memory.limit_in_bytes", v, "memory.limit (--memory)", err);
	}
	if (r == 0 && res->memory.swap_set) {
		fmt_i64(v, sizeof(v), res->memory.swap, "-1");
		r = cg_set(cg, w, "memory.memsw.limit_in_bytes", v, "memory.swap (--memory-swap)",
			   err);
	}
	if (r == 0 && res->memory.reservation_set) {
		fmt_i64(v, sizeof(v), res->memory.reservation, "-1");
		r = cg_set(cg, w, "memory.soft_limit_in_bytes", v,
			   "memory.reservation (--memory-reservation)", err);
	}
	if (r == 0 && res->memory.swappiness_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->memory.swappiness);
		r = cg_set(cg, w, "memory.swappiness", v, "linux.resources.memory.swappiness", err);
	}
	if (r == 0 && res->memory.disable_oom_killer_set && res->memory.disable_oom_killer)
		r = cg_set(cg, w, "memory.oom_control", "1",
			   "linux.resources.memory.disableOOMKiller", err);
	return r;
}

static int apply_cpu(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	int w = cg_where(&cg->h, CG_CPU), r = 0;
	char v[64];

	if (w == CG_V2) {
		if (res->cpu.shares_set) {
			uint64_t s = res->cpu.shares < 2 ? 2 : res->cpu.shares > 262144 ? 262144 : res->cpu.shares;

			/* the conversion runc, crun and systemd agree on: [2, 262144] -> [1, 10000] */
			snprintf(v, sizeof(v), "%llu",
				 (unsigned long long)(1 + ((s - 2) * 9999) / 262142));
			r = cg_set(cg, w, "cpu.weight", v, "cpu.shares (--cpu-shares)", err);
		}
		if (r == 0 && (res->cpu.quota_set || res->cpu.period_set)) {
			uint64_t period = res->cpu.period_set ? res->cpu.period : CPU_PERIOD_US;

			if (res->cpu.quota_set && res->cpu.quota > 0)
				snprintf(v, sizeof(v), "%lld %llu", (long long)res->cpu.quota,
					 (unsigned long long)period);
			else
				snprintf(v, sizeof(v), "max %llu", (unsigned long long)period);
			r = cg_set(cg, w, "cpu.max", v, "cpu.quota/period (--cpus)", err);
		}
		if (r == 0 && res->cpu.burst_set) {
			snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.burst);
			r = cg_set(cg, w, "cpu.max.burst", v, "linux.resources.cpu.burst", err);
		}
		if (r == 0 && res->cpu.idle_set) {
			snprintf(v, sizeof(v), "%lld", (long long)res->cpu.idle);
			r = cg_set(cg, w, "cpu.idle", v, "linux.resources.cpu.idle", err);
		}
		return r;
	}
	if (res->cpu.shares_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.shares);
		r = cg_set(cg, w, "cpu.shares", v, "cpu.shares (--cpu-shares)", err);
	}
	if (r == 0 && res->cpu.period_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.period);
		r = cg_set(cg, w, "cpu.cfs_period_us", v, "cpu.period (--cpus)", err);
	}
	if (r == 0 && res->cpu.quota_set) {
		fmt_i64(v, sizeof(v), res->cpu.quota > 0 ? res->cpu.quota : -1, "-1");
		r = cg_set(cg, w, "cpu.cfs_quota_us", v, "cpu.quota (--cpus)", err);
	}
	if (r == 0 && res->cpu.burst_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.burst);
		r = cg_set(cg, w, "cpu.cfs_burst_us", v, "linux.resources.cpu.burst", err);
	}
	if (r == 0 && res->cpu.realtime_period_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.realtime_period);
		r = cg_set(cg, w, "cpu.rt_period_us", v, "linux.resources.cpu.realtimePeriod",
			   err);
	}
	if (r == 0 && res->cpu.realtime_runtime_set) {
		snprintf(v, sizeof(v), "%lld", (long long)res->cpu.realtime_runtime);
		r = cg_set(cg, w, "cpu.rt_runtime_us", v, "linux.resources.cpu.realtimeRuntime",
			   err);
	}
	if (r == 0 && res->cpu.idle_set) {
		snprintf(v, sizeof(v), "%lld", (long long)res->cpu.idle);
		r = cg_set(cg, w, "cpu.idle", v, "linux.resources.cpu.idle", err);
	}
	return r;
}

static int v2_io_weight(uint16_t w)
{
	/* blkio [10, 1000] -> io.weight [1, 10000], as runc and crun convert */
	return 1 + ((int)w - 10) * 9999 / 990;
}

static int apply_throttles(struct rtr_cgroup *cg, int w, const struct rtr_throttle *t, size_t n,
			   const char *v1file, const char *v2key, const char *what,
			   struct rtr_err *err)
{
	char v[96];
	int r;

	for (size_t i = 0; i < n; i++) {
		if (w == CG_V2)
			snprintf(v, sizeof(v), "%lld:%lld %s=%llu", (long long)t[i].major,
				 (long long)t[i].minor, v2key, (unsigned long long)t[i].rate);
		else
			snprintf(v, sizeof(v), "%lld:%lld %llu", (long long)t[i].major,
				 (long long)t[i].minor, (unsigned long long)t[i].rate);
		r = cg_set(cg, w, w == CG_V2 ? "io.max" : v1file, v, what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_blkio(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	int w = cg_where(&cg->h, CG_BLKIO), r = 0;
	bool v2 = w == CG_V2;
	const char *wfile;
	char v[64];

	if (res->block_io.weight_set) {
		if (v2 ? has_file(cg, w, "io.bfq.weight") : has_file(cg, w, "blkio.bfq.weight")) {
			wfile = v2 ? "io.bfq.weight" : "blkio.bfq.weight";
			snprintf(v, sizeof(v), "%u", res->block_io.weight);
		} else if (v2) {
			wfile = "io.weight";
			snprintf(v, sizeof(v), "default %d", v2_io_weight(res->block_io.weight));
		} else {
			wfile = "blkio.weight";
			snprintf(v, sizeof(v), "%u", res->block_io.weight);
		}
		r = cg_set(cg, w, wfile, v, "blockIO.weight (--io-weight)", err);
	}
	if (r == 0 && res->block_io.leaf_weight_set) {
		if (v2)
			return rtr_err_set(err, EOPNOTSUPP,
					   "linux.resources.blockIO.leafWeight: not supported by "
					   "cgroup v2");
		snprintf(v, sizeof(v), "%u", res->block_io.leaf_weight);
		r = cg_set(cg, w, "blkio.leaf_weight", v, "linux.resources.blockIO.leafWeight",
			   err);
	}
	for (size_t i = 0; r == 0 && i < res->block_io.n_weight_device; i++) {
		const struct rtr_weight_device *d = &res->block_io.weight_device[i];

		if (!d->weight_set)
			continue;
		wfile = v2 ? "io.weight" : has_file(cg, w, "blkio.weight_device") ?
				   "blkio.weight_device" : "blkio.bfq.weight_device";
		snprintf(v, sizeof(v), "%lld:%lld %d", (long long)d->major, (long long)d->minor,
			 v2 ? v2_io_weight(d->weight) : d->weight);
		r = cg_set(cg, w, wfile, v, "linux.resources.blockIO.weightDevice", err);
	}
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.read_bps, res->block_io.n_read_bps,
				    "blkio.throttle.read_bps_device", "rbps",
				    "blockIO.throttleReadBpsDevice (--device-read-bps)", err);
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.write_bps, res->block_io.n_write_bps,
				    "blkio.throttle.write_bps_device", "wbps",
				    "blockIO.throttleWriteBpsDevice (--device-write-bps)", err);
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.read_iops, res->block_io.n_read_iops,
				    "blkio.throttle.read_iops_device", "riops",
				    "blockIO.throttleReadIOPSDevice (--device-read-iops)", err);
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.write_iops, res->block_io.n_write_iops,
				    "blkio.throttle.write_iops_device", "wiops",
				    "blockIO.throttleWriteIOPSDevice (--device-write-iops)", err);
	return r;
}

/* Device nodes every container gets (the OCI default devices, /dev/pts, /dev/net/tun). */
static const struct rtr_device_rule default_devices[] = {
	{ true, 'c', -1, -1, "m" },  { true, 'b', -1, -1, "m" },   { true, 'c', 1, 3, "rwm" },
	{ true, 'c', 1, 5, "rwm" },  { true, 'c', 1, 7, "rwm" },   { true, 'c', 1, 8, "rwm" },
	{ true, 'c', 1, 9, "rwm" },  { true, 'c', 5, 0, "rwm" },   { true, 'c', 5, 1, "rwm" },
	{ true, 'c', 5, 2, "rwm" },  { true, 'c', 136, -1, "rwm" }, { true, 'c', 10, 200, "rwm" },
};

static int v1_device_rule(struct rtr_cgroup *cg, const struct rtr_device_rule *d,
			  struct rtr_err *err)
{
	char v[64], maj[24] = "*", min[24] = "*";

	if (d->type == 'a') {
		snprintf(v, sizeof(v), "a");
	} else {
		if (d->major >= 0)
			snprintf(maj, sizeof(maj), "%lld", (long long)d->major);
		if (d->minor >= 0)
			snprintf(min, sizeof(min), "%lld", (long long)d->minor);
		snprintf(v, sizeof(v), "%c %s:%s %s", d->type, maj, min,
			 d->access[0] ? d->access : "rwm");
	}
	return cg_set(cg, CG_DEVICES, d->allow ? "devices.allow" : "devices.deny", v,
		      "linux.resources.devices", err);
}

/* Deny all, the spec's rules in order, the spec's devices, then the defaults (runc's
 * order: a spec rule cannot take the default nodes away). */
static int apply_devices(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	const struct rtr_linux *lx = &c->spec->lx;
	struct rtr_device_rule deny_all = { false, 'a', -1, -1, "rwm" };
	bool all_allowed = false;
	int r;

	for (size_t i = 0; i < res->n_devices; i++)
		if (res->devices[i].type == 'a')
			all_allowed = res->devices[i].allow;
	if (cg_where(&cg->h, CG_DEVICES) != CG_DEVICES) {
		bool plain = lx->n_devices == 0;

		/* TODO: a BPF_PROG_TYPE_CGROUP_DEVICE program for v2 hosts.  Until then only
		 * the default policy passes (the container's /dev holds only the default
		 * nodes); anything that would need enforcing is refused, never dropped. */
		for (size_t i = 0; i < res->n_devices && plain; i++) {
			const struct rtr_device_rule *d = &res->devices[i];
			bool dflt = d->type == 'a';

			for (size_t k = 0; k < ELEMENTSOF(default_devices) && !dflt; k++)
				dflt = d->allow && d->type == default_devices[k].type &&
				       d->major == default_devices[k].major &&
				       d->minor == default_devices[k].minor;
			plain = dflt;
		}
		if (!plain && !all_allowed)
			return rtr_err_set(err, EOPNOTSUPP,
					   "linux.devices / linux.resources.devices: device rules "
					   "beyond the defaults need the v1 devices controller; this "
					   "host has %s and rtr does not load cgroup v2 device "
					   "programs yet",
					   cg_layout_name(cg->h.layout));
		return 0;
	}
	r = v1_device_rule(cg, &deny_all, err);
	for (size_t i = 0; r == 0 && i < res->n_devices; i++)
		r = v1_device_rule(cg, &res->devices[i], err);
	for (size_t i = 0; r == 0 && i < lx->n_devices; i++) {
		const struct rtr_device *d = &lx->devices[i];
		struct rtr_device_rule rule = { true, d->type == 'u' ? 'c' : d->type, d->major,
						d->minor, "rwm" };

		if (d->type == 'p')
			continue;
		r = v1_device_rule(cg, &rule, err);
	}
	for (size_t i = 0; r == 0 && !all_allowed && i < ELEMENTSOF(default_devices); i++)
		r = v1_device_rule(cg, &default_devices[i], err);
	return r;
}

static int apply_limits(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	char v[64], file[96];
	int r, w;

	r = apply_memory(c, cg, err);
	if (r == 0 && res->pids.limit_set) {
		fmt_i64(v, sizeof(v), res->pids.limit > 0 ? res->pids.limit : -1, "max");
		r = cg_set(cg, cg_where(&cg->h, CG_PIDS), "pids.max", v, "pids.limit (--pids-limit)",
			   err);
	}
	if (r == 0)
		r = apply_cpu(c, cg, err);
	if (r == 0 && res->cpu.cpus && *res->cpu.cpus)
		r = cg_set(cg, cg_where(&cg->h, CG_CPUSET), "cpuset.cpus", res->cpu.cpus,
			   "cpu.cpus (--cpu-list)", err);
	if (r == 0 && res->cpu.mems && *res->cpu.mems)
		r = cg_set(cg, cg_where(&cg->h, CG_CPUSET), "cpuset.mems", res->cpu.mems,
			   "cpu.mems (--cpu-mems)", err);
	if (r == 0)
		r = apply_blkio(c, cg, err);
	w = cg_where(&cg->h, CG_HUGETLB);
	for (size_t i = 0; r == 0 && i < res->n_hugepage_limits; i++) {
		const struct rtr_hugepage_limit *l = &res->hugepage_limits[i];

		if (!l->page_size || strchr(l->page_size, '/'))
			return rtr_err_set(err, EINVAL, "linux.resources.hugepageLimits: bad pageSize");
		snprintf(file, sizeof(file), "hugetlb.%s.%s", l->page_size,
			 w == CG_V2 ? "max" : "limit_in_bytes");
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->limit);
		r = cg_set(cg, w, file, v, "linux.resources.hugepageLimits", err);
	}
	for (size_t i = 0; r == 0 && i < res->n_unified; i++) {
		const char *k = res->unified[i].key;

		if (!k || !*k || strchr(k, '/') || k[0] == '.')
			return rtr_err_set(err, EINVAL, "linux.resources.unified: bad key '%s'",
					   k ? k : "");
		snprintf(file, sizeof(file), "linux.resources.unified %s", k);
		r = cg_set(cg, CG_V2, k, res->unified[i].value ? res->unified[i].value : "", file,
			   err);
	}
	if (r == 0)
		r = apply_devices(c, cg, err);
	return r;
}

/* Refuses, before anything is created, settings whose controller the host lacks. */
static int check_supported(struct rtr_container *c, const struct cg_host *h, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	const char *high = c->opts ? c->opts->memory_high : NULL;
	const char *l = cg_layout_name(h->layout);
	struct {
		bool set;
		int ctrl;
		const char *what;
	} need[] = {
		{ res->memory.limit_set || res->memory.reservation_set || res->memory.swap_set ||
			  res->memory.swappiness_set || res->memory.disable_oom_killer_set || high,
		  CG_MEMORY, "linux.resources.memory (--memory...)" },
		{ res->pids.limit_set, CG_PIDS, "linux.resources.pids (--pids-limit)" },
		{ res->cpu.shares_set || res->cpu.quota_set || res->cpu.period_set ||
			  res->cpu.burst_set || res->cpu.realtime_runtime_set ||
			  res->cpu.realtime_period_set || res->cpu.idle_set,
		  CG_CPU, "linux.resources.cpu (--cpus, --cpu-shares)" },
		{ (res->cpu.cpus && *res->cpu.cpus) || (res->cpu.mems && *res->cpu.mems), CG_CPUSET,
		  "linux.resources.cpu.cpus/mems (--cpu-list, --cpu-mems)" },
		{ res->block_io.weight_set || res->block_io.leaf_weight_set ||
			  res->block_io.n_weight_device || res->block_io.n_read_bps ||
			  res->block_io.n_write_bps || res->block_io.n_read_iops ||
			  res->block_io.n_write_iops,
		  CG_BLKIO, "linux.resources.blockIO (--io-weight, --device-*-bps/iops)" },
		{ res->n_hugepage_limits > 0, CG_HUGETLB, "linux.resources.hugepageLimits" },
	};
	int mw = cg_where(h, CG_MEMORY);

	for (size_t i = 0; i < ELEMENTSOF(need); i++)
		if (need[i].set && cg_where(h, need[i].ctrl) == CG_NONE)
			return rtr_err_set(err, EOPNOTSUPP,
					   "%s: this host (%s) has no %s cgroup controller",
					   need[i].what, l, ctrl_v1[need[i].ctrl]);
	if (res->memory.kernel_set || res->memory.kernel_tcp_set)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.kernel/kernelTCP: kernel memory limits "
				   "are not supported (the kernel deprecated them)");
	if (res->memory.use_hierarchy_set && !res->memory.use_hierarchy)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.useHierarchy false: not supported by "
				   "current kernels");
	if (high && mw != CG_V2)
		return rtr_err_set(err, EOPNOTSUPP,
				   "--memory-high: needs the memory controller on cgroup v2; this "
				   "host (%s) has it on v1 (use --memory)",
				   l);
	if (mw == CG_V2 && res->memory.swappiness_set)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.swappiness: not supported by cgroup v2");
	if (mw == CG_V2 && res->memory.disable_oom_killer_set && res->memory.disable_oom_killer)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.disableOOMKiller: not supported by "
				   "cgroup v2");
	if (cg_where(h, CG_CPU) == CG_V2 &&
	    (res->cpu.realtime_runtime_set || res->cpu.realtime_period_set))
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.cpu.realtimeRuntime/Period: not supported by "
				   "cgroup v2");
	if (res->n_unified && !h->v2_root)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.unified: needs a cgroup v2 tree; this host has %s",
				   l);
	return 0;
}

/* Path relative to every hierarchy's root: --cgroup-parent/NAME, linux.cgroupsPath
 * (absolute: from the root; relative: under the parent) or RTR_CGROUP_PARENT/NAME,
 * below a delegated systemd unit's cgroup on v2 hosts. */
static int resolve_rel(struct rtr_container *c, struct rtr_cgroup *cg, const char *base,
		       struct rtr_err *err)
{
	const char *parent = c->opts ? c->opts->cgroup_parent : NULL;
	const char *cp = c->spec->lx.cgroups_path;
	size_t n = sizeof(cg->rel);
	int r;

	cg->rel[0] = 0;
	r = rel_append(cg->rel, n, base ? base : "");
	if (r == 0 && !parent && cp && *cp) {
		if (strchr(cp, ':'))
			return rtr_err_set(err, EINVAL,
					   "linux.cgroupsPath %s: systemd slice:prefix:name paths are "
					   "not supported (give a path)",
					   cp);
		if (cp[0] != '/')
			r = rel_append(cg->rel, n, RTR_CGROUP_PARENT);
		if (r == 0)
			r = rel_append(cg->rel, n, cp);
	} else if (r == 0) {
		r = rel_append(cg->rel, n, parent ? parent : RTR_CGROUP_PARENT);
		if (r == 0)
			r = rel_append(cg->rel, n, c->name);
	}
	if (r < 0 || !strchr(cg->rel, '/'))
		return rtr_err_set(err, EINVAL, "cgroup path of %s: bad path (%s)", c->name,
				   cp ? cp : parent ? parent : RTR_CGROUP_PARENT);
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
	if (read_small(AT_FDCWD, "/proc/self/cgroup", line, sizeof(line)) <= 0)
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

static void cpuset_inherit(const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), pfd = -1;
	char buf[256];

	for (size_t i = 0; fd >= 0 && i < ELEMENTSOF(files); i++) {
		ssize_t n = read_small(fd, files[i], buf, sizeof(buf));

		if (n < 0 || (n > 0 && buf[0] != '\n'))
			continue;
		if (pfd < 0)
			pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0 && read_small(pfd, files[i], buf, sizeof(buf)) > 0)
			write_string_at(fd, files[i], buf);
	}
}

/* mkdir -p; 1 when @path was created, 0 when it existed.  New v1 cpuset directories
 * start with empty cpus/mems (no task may join them): they get their parent's. */
static int mkdir_p(char *path, bool cpuset)
{
	char *slash;
	int r;

	if (mkdir(path, 0755) == 0)
		goto made;
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	slash = strrchr(path, '/');
	if (!slash || slash == path)
		return -ENOENT;
	*slash = 0;
	r = mkdir_p(path, cpuset);
	*slash = '/';
	if (r < 0)
		return r;
	if (mkdir(path, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
made:
	if (cpuset)
		cpuset_inherit(path);
	return 1;
}

/* v2: the controllers the container uses must be enabled in every ancestor's
 * cgroup.subtree_control. */
static int v2_enable(const struct cg_host *h, const char *rel, unsigned mask, struct rtr_err *err)
{
	char path[PATH_MAX], want[128];
	size_t len = strlen(h->v2_root);
	const char *p = rel;

	want[0] = 0;
	for (int i = 0; i < _CG_MAX; i++)
		if ((mask & (1u << i)) && ctrl_v2[i] && !strstr(want, ctrl_v2[i])) {
			strcat(want, want[0] ? " +" : "+");
			strcat(want, ctrl_v2[i]);
		}
	if (!want[0])
		return 0;
	memcpy(path, h->v2_root, len + 1);
	for (;;) {
		const char *e = strchr(p, '/');
		int r;

		if (!e)
			break; /* the container's own directory enables nothing */
		if (snprintf(path + len, sizeof(path) - len, "/cgroup.subtree_control") >=
		    (int)(sizeof(path) - len))
			return -ENAMETOOLONG;
		r = write_string_at(AT_FDCWD, path, want);
		if (r < 0)
			return rtr_err_set(err, -r, "cgroup v2: enabling %s in %s: %s", want, path,
					   strerror(-r));
		path[len] = '/';
		memcpy(path + len + 1, p, (size_t)(e - p));
		len += (size_t)(e - p) + 1;
		path[len] = 0;
		p = e + 1;
	}
	return 0;
}

static int running_error(struct rtr_container *c, int fd, struct rtr_err *err)
{
	char buf[24] = "";
	ssize_t n = fgetxattr(fd, CG_XATTR_PID, buf, sizeof(buf) - 1);
	pid_t pid = n > 0 ? (pid_t)atoi(buf) : cg_first_pid(fd);

	return rtr_err_set(err, EBUSY, "a container named %s is already running (pid %d)", c->name,
			   (int)pid);
}

/* Creates the container's directories; fails with EBUSY when the name is taken. */
static int create(struct rtr_container *c, struct rtr_cgroup *cg, unsigned v2mask,
		  struct rtr_err *err)
{
	const struct cg_host *h = &cg->h;
	char path[PATH_MAX];
	_cleanup_close_ int pfd = -1;
	int prim = cg_primary(h), r;
	char *slash;

	r = cg_path(h, prim, cg->rel, path, sizeof(path));
	if (r < 0)
		return rtr_err_set(err, -r, "cgroup %s: path too long", cg->rel);
	slash = strrchr(path, '/');
	*slash = 0;
	r = mkdir_p(path, prim == CG_CPUSET);
	if (r >= 0) {
		pfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0 || flock(pfd, LOCK_EX) < 0)
			r = -errno;
	}
	*slash = '/';
	if (r < 0)
		return rtr_err_set(err, -r, "cgroup %s: %s", path, strerror(-r));

	for (int attempt = 0;; attempt++) {
		if (mkdir(path, 0755) == 0)
			break;
		if (errno != EEXIST || attempt > 0)
			return rtr_err_set(err, errno, "cgroup %s: %s", path, strerror(errno));
		cg->lock_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->lock_fd < 0)
			continue;
		if (flock(cg->lock_fd, LOCK_EX | LOCK_NB) < 0 ||
		    cg_populated(cg->lock_fd, prim == CG_V2))
			return running_error(c, cg->lock_fd, err);
		/* A leftover of a run that died: empty and unlocked.  Start afresh. */
		close(cg->lock_fd);
		cg->lock_fd = -1;
		r = rm_rel(h, cg->rel);
		if (r < 0)
			return rtr_err_set(err, -r, "cgroup %s: removing a stale cgroup: %s", path,
					   strerror(-r));
	}
	cg->owned = true;
	cg->lock_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->lock_fd < 0 || flock(cg->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return rtr_err_set(err, errno, "cgroup %s: %s", path, strerror(errno));

	if (h->v2_root) {
		r = v2_enable(h, cg->rel, v2mask, err);
		if (r < 0)
			return r;
		cg->v2fd = prim == CG_V2 ? dup(cg->lock_fd) : -1;
	}
	for (int i = -1; i < _CG_MAX; i++) {
		int *fd = i == CG_V2 ? &cg->v2fd : &cg->fd[i];

		if (i == CG_V2 ? !h->v2_root : !(h->v1 & (1u << i)))
			continue;
		if (*fd < 0) {
			r = cg_path(h, i, cg->rel, path, sizeof(path));
			if (r == 0)
				r = mkdir_p(path, i == CG_CPUSET);
			if (r >= 0) {
				*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				r = *fd < 0 ? -errno : 0;
			}
			if (r < 0)
				return rtr_err_set(err, -r, "cgroup %s: %s", path, strerror(-r));
		}
	}
	return 0;
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

int cgroup_setup(struct rtr_container *c, struct rtr_err *err)
{
	struct rtr_cgroup *cg;
	char basebuf[PATH_MAX / 4];
	const char *base;
	int r;

	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	cg->v2fd = cg->lock_fd = -1;
	for (int i = 0; i < _CG_MAX; i++)
		cg->fd[i] = -1;
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
	r = check_supported(c, &cg->h, err);
	if (r < 0)
		goto fail;
	r = create(c, cg, v2_mask_needed(c, &cg->h), err);
	if (r < 0)
		goto fail;
	r = apply_limits(c, cg, err);
	if (r < 0)
		goto fail;
	if (c->bundle)
		fsetxattr(cg->lock_fd, CG_XATTR_BUNDLE, c->bundle, strlen(c->bundle), 0);
	{
		char v[48];
		const char *sig = c->spec->ext.stop_signal ? c->spec->ext.stop_signal : "";
		int n = snprintf(v, sizeof(v), "%s %u", sig,
				 c->spec->ext.stop_timeout_set ? c->spec->ext.stop_timeout_s :
								 RTR_STOP_TIMEOUT_S);

		if (n > 0 && (size_t)n < sizeof(v))
			fsetxattr(cg->lock_fd, CG_XATTR_STOP, v, (size_t)n, 0);
	}
	return 0;
fail:
	cgroup_destroy(c);
	return r;
}

int cgroup_enter(struct rtr_container *c, pid_t pid, struct rtr_err *err)
{
	struct rtr_cgroup *cg = c->cgroup;
	char v[24];
	int n = snprintf(v, sizeof(v), "%d", (int)pid);

	if (!cg)
		return 0;
	for (int i = -1; i < _CG_MAX; i++) {
		int fd = dir_fd(cg, i), r;

		if (fd < 0)
			continue;
		r = write_string_at(fd, "cgroup.procs", v);
		if (r < 0)
			return rtr_err_set(err, -r, "cgroup %s/%s: moving pid %d in: %s",
					   i == CG_V2 ? "unified" : ctrl_v1[i], cg->rel, (int)pid,
					   strerror(-r));
	}
	fsetxattr(cg->lock_fd, CG_XATTR_PID, v, (size_t)n, 0);
	return 0;
}

static void fmt_bytes(uint64_t b, char *buf, size_t n)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t i = 0;

	while (v >= 1024 && i + 1 < ELEMENTSOF(u)) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, n, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, n, "%.1f %s", v, u[i]);
}

bool cgroup_oom_killed(struct rtr_container *c, char *limit_desc, size_t n)
{
	struct rtr_cgroup *cg = c ? c->cgroup : NULL;
	uint64_t kills = 0;
	int w, r;

	if (!cg)
		return false;
	w = cg_where(&cg->h, CG_MEMORY);
	if (w == CG_V2)
		r = cg_read_u64(cg->v2fd, "memory.events", "oom_kill", &kills);
	else if (w >= 0)
		r = cg_read_u64(cg->fd[w], "memory.oom_control", "oom_kill", &kills);
	else
		return false;
	if (r < 0 || kills == 0)
		return false;
	if (limit_desc && n) {
		char b[32];

		if (cg->mem_limit_set) {
			fmt_bytes(cg->mem_limit, b, sizeof(b));
			snprintf(limit_desc, n, "limit %s", b);
		} else {
			snprintf(limit_desc, n, "no memory limit set");
		}
	}
	return true;
}

void cgroup_destroy(struct rtr_container *c)
{
	struct rtr_cgroup *cg = c ? c->cgroup : NULL;

	if (!cg)
		return;
	if (cg->owned && rm_rel(&cg->h, cg->rel) == -EBUSY) {
		/* Processes left (no pid namespace, or the supervisor was told to stop):
		 * kill them all, wait for the cgroup to empty, then remove it. */
		cg_kill_rel(&cg->h, cg->rel, 5000);
		for (int i = 0; i < 500 && rm_rel(&cg->h, cg->rel) == -EBUSY; i++)
			sleep_ms(10);
	}
	for (int i = 0; i < _CG_MAX; i++)
		if (cg->fd[i] >= 0)
			close(cg->fd[i]);
	if (cg->v2fd >= 0)
		close(cg->v2fd);
	if (cg->lock_fd >= 0)
		close(cg->lock_fd);
	free(cg);
	c->cgroup = NULL;
}
