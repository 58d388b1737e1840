/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup filesystem helpers (see cgroup-fs.h): the host's layout, paths, files, and the
 * operations on a whole cgroup (create, remove, kill, freeze).
 *
 * The layout is detected with statfs(2) at every start (no cache to go stale):
 * /sys/fs/cgroup is cgroup2 (pure v2), or a tmpfs with one v1 hierarchy per controller
 * and maybe a cgroup2 tree at /sys/fs/cgroup/unified (hybrid).
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
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-fs.h"
#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static const char *const ctrl_v1[_CG_MAX] = {
    [CG_CPU] = "cpu",	    [CG_CPUACCT] = "cpuacct", [CG_CPUSET] = "cpuset",
    [CG_MEMORY] = "memory", [CG_DEVICES] = "devices", [CG_FREEZER] = "freezer",
    [CG_BLKIO] = "blkio",   [CG_PIDS] = "pids",	      [CG_HUGETLB] = "hugetlb",
};
/* The v2 controller that does the job; NULL: core files (cgroup.freeze) or BPF. */
static const char *const ctrl_v2[_CG_MAX] = {
    [CG_CPU] = "cpu",  [CG_CPUACCT] = "cpu", [CG_CPUSET] = "cpuset",   [CG_MEMORY] = "memory",
    [CG_BLKIO] = "io", [CG_PIDS] = "pids",   [CG_HUGETLB] = "hugetlb",
};

/* ---- small file helpers ---------------------------------------------------------------- */

ssize_t cg_read_small(int dfd, const char *file, char *buf, size_t n)
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
		if ((size_t)len < n - 1 - (size_t)(total - len))
			break; /* short read: cgroupfs and procfs hand a small file over at once */
	}
	buf[total] = 0;
	return total;
}

int cg_read_u64(int dfd, const char *file, const char *key, uint64_t *ret)
{
	char buf[8192], *p = buf, *end;
	ssize_t n = cg_read_small(dfd, file, buf, sizeof(buf));

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

	if (cg_read_small(dfd, "cgroup.procs", buf, sizeof(buf)) <= 0)
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
	if (cg_read_small(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return 0;
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		for (int i = 0; i < _CG_MAX; i++)
			if (streq(ctrl_v2[i], tok))
				mask |= 1u << i;
	return mask;
}

/* Some small systems mount cgroup2 somewhere else (/cgroup, /dev/cgroup): the first
 * cgroup2 mount in /proc/self/mountinfo, only when /sys/fs/cgroup has none. */
static const char *v2_mount_elsewhere(void)
{
	static char mnt[256];
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &buf, NULL) < 0)
		return NULL;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sep = strstr(line, " - cgroup2 "), *f = line;

		if (!sep)
			continue;
		for (int i = 0; i < 4 && f; i++) /* field 5 is the mount point */
			f = strchr(f + 1, ' ');
		if (!f || !f[1] || strchr(f + 1, '\\'))
			continue;
		f++;
		*strchrnul(f, ' ') = 0;
		/* over-mounted ones are listed too: take one that is reachable */
		if (strlen(f) < sizeof(mnt) && f[0] == '/' && is_fs(f, CGROUP2_SUPER_MAGIC)) {
			memcpy(mnt, f, strlen(f) + 1);
			return mnt;
		}
	}
	return NULL;
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
	if (h->layout == CG_LAYOUT_NONE && (h->v2_root = v2_mount_elsewhere()))
		h->layout = CG_LAYOUT_V2;
	if (h->layout == CG_LAYOUT_NONE)
		return -ENOENT;
	if (h->v2_root)
		h->v2 = v2_controllers(h->v2_root) & ~h->v1;
	return 0;
}

const char *cg_layout_name(enum cg_layout l)
{
	static const char *const n[] = {"none", "cgroup v1", "cgroup v2", "hybrid cgroups"};
	return n[l];
}

const char *cg_ctrl_name(int c)
{
	return c >= 0 && c < _CG_MAX ? ctrl_v1[c] : "unified";
}

int cg_where(const struct cg_host *h, int c)
{
	if (h->v1 & (1u << c))
		return c;
	if (h->v2_root && (h->v2 & (1u << c)))
		return CG_V2;
	return CG_NONE;
}

bool cg_has_hierarchy(const struct cg_host *h, int i)
{
	return i == CG_V2 ? h->v2_root != NULL : i >= 0 && i < _CG_MAX && (h->v1 & (1u << i));
}

int cg_primary(const struct cg_host *h)
{
	static const int order[] = {CG_PIDS, CG_MEMORY, CG_FREEZER, CG_CPUACCT, CG_CPU};

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

int cg_rel_for_name(const char *parent, const char *name, char *buf, size_t n)
{
	int r;

	buf[0] = 0;
	r = path_rel_append(buf, n, parent ? parent : RTR_CGROUP_PARENT);
	if (r < 0)
		return r;
	return path_rel_append(buf, n, name);
}

int cg_rel_lookup(const struct cg_host *h, const char *parent, const char *name, char *buf,
		  size_t n)
{
	char path[PATH_MAX], key[sizeof(CG_XATTR_AT) + RTR_NAME_MAX + 1], dir[PATH_MAX / 4];
	ssize_t len;
	int r = cg_rel_for_name(parent, "", dir, sizeof(dir));

	if (r < 0)
		return r;
	if (cg_path(h, cg_primary(h), dir, path, sizeof(path)) == 0 &&
	    snprintf(key, sizeof(key), CG_XATTR_AT "%s", name) < (int)sizeof(key)) {
		len = getxattr(path, key, buf, n - 1);
		if (len > 0) {
			buf[len] = 0;
			return 0;
		}
	}
	return cg_rel_for_name(parent, name, buf, n);
}

/* ---- killing and freezing --------------------------------------------------------------- */

static int kill_cb(int parent, const char *name, void *u)
{
	char buf[8192], *p, *end;
	_cleanup_close_ int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || cg_read_small(fd, "cgroup.procs", buf, sizeof(buf)) <= 0)
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

void cg_sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int wait_state(int dfd, const char *file, const char *key, uint64_t want, int ms)
{
	uint64_t v;

	for (int i = 0; i <= ms; i++) {
		if (cg_read_u64(dfd, file, key, &v) == 0 && v == want)
			return 0;
		cg_sleep_ms(1);
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
		if (cg_read_small(dfd, "freezer.state", buf, sizeof(buf)) > 0 &&
		    strncmp(buf, state, strlen(state)) == 0)
			return 0;
		cg_sleep_ms(1);
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

int cg_kill_rel(const struct cg_host *h, const char *rel, int timeout_ms, bool reuse)
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
	if (prim == CG_V2 && !reuse && write_string_at(fd, "cgroup.kill", "1") == 0)
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
		cg_sleep_ms(5);
	}
	return -ETIMEDOUT;
}

int cg_rm_rel(const struct cg_host *h, const char *rel)
{
	char path[PATH_MAX];
	int r, ret = 0;

	for (int i = -1; i < _CG_MAX; i++) {
		if (!cg_has_hierarchy(h, i) || cg_path(h, i, rel, path, sizeof(path)) < 0)
			continue;
		r = rmdir_tree(path);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- one container's directories ---------------------------------------------------- */

int cg_dir_fd(const struct rtr_cgroup *cg, int where)
{
	return where == CG_V2 ? cg->v2fd : where >= 0 ? cg->fd[where] : -1;
}

int cg_set(struct rtr_cgroup *cg, int where, const char *file, const char *val, const char *what,
	   struct rtr_err *err)
{
	int dfd = cg_dir_fd(cg, where), fd, r;

	if (dfd < 0)
		return rtr_err_set(err, EOPNOTSUPP, "%s: no cgroup controller for it on this host",
				   what);
	fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return rtr_err_set(err, EOPNOTSUPP,
					   "%s: not supported by this host's %s (no %s)", what,
					   cg_layout_name(cg->h.layout), file);
		return rtr_err_sys(err, errno, "%s: %s", what, file);
	}
	r = write_all(fd, val, strlen(val));
	close(fd);
	if (r < 0)
		return rtr_err_sys(err, -r, "%s: writing %s to %s", what, val, file);
	return 0;
}

bool cg_has_file(const struct rtr_cgroup *cg, int where, const char *file)
{
	return faccessat(cg_dir_fd(cg, where), file, F_OK, 0) == 0;
}

/* ---- creating ---------------------------------------------------------------------- */

/* An empty v1 cpuset.cpus/mems takes its parent's, the parent's first when it is empty
 * too (a parent made by another tool); the hierarchy's root is never empty. */
static void cpuset_inherit_fd(int fd, int depth)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	_cleanup_close_ int pfd = -1;
	char buf[256];

	for (size_t i = 0; depth < 16 && i < ELEMENTSOF(files); i++) {
		ssize_t n = cg_read_small(fd, files[i], buf, sizeof(buf));

		if (n < 0 || (n > 0 && buf[0] != '\n'))
			continue;
		if (pfd < 0)
			pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			return;
		n = cg_read_small(pfd, files[i], buf, sizeof(buf));
		if (n >= 0 && (n == 0 || buf[0] == '\n')) {
			cpuset_inherit_fd(pfd, depth + 1);
			n = cg_read_small(pfd, files[i], buf, sizeof(buf));
		}
		if (n > 0)
			write_string_at(fd, files[i], buf);
	}
}

static void cpuset_inherit(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		cpuset_inherit_fd(fd, 0);
}

/* Writing a new cpuset directory's cpus and mems takes the kernel's cpuset mutex and
 * rebuilds the scheduler domains (~3-5 % of a start's CPU time, more under contention);
 * with "cgroup.clone_children" set on the parent, mkdir copies them instead. */
void cg_cpuset_clone_children(const char *path)
{
	char p[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (slash && slash > path &&
	    snprintf(p, sizeof(p), "%.*s/cgroup.clone_children", (int)(slash - path), path) <
		(int)sizeof(p))
		write_string_at(AT_FDCWD, p, "1");
}

int cg_mkdir_p(char *path, bool cpuset)
{
	char *slash;
	int r;

	if (mkdir(path, 0755) == 0) {
		r = 0;
		goto made;
	}
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	slash = strrchr(path, '/');
	if (!slash || slash == path)
		return -ENOENT;
	*slash = 0;
	r = cg_mkdir_p(path, cpuset);
	*slash = '/';
	if (r < 0)
		return r;
	if (mkdir(path, 0755) < 0)
		return errno == EEXIST ? r : -errno;
made:
	if (cpuset)
		cpuset_inherit(path);
	return r + 1;
}

/* v2: the controllers the container uses must be enabled in every ancestor's
 * cgroup.subtree_control. */
int cg_v2_enable(const struct cg_host *h, const char *rel, unsigned mask, struct rtr_err *err)
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
		const char *e;
		int r;

		if (snprintf(path + len, sizeof(path) - len, "/cgroup.subtree_control") >=
		    (int)(sizeof(path) - len))
			return -ENAMETOOLONG;
		r = write_string_at(AT_FDCWD, path, want);
		if (r < 0)
			return rtr_err_sys(err, -r, "cgroup v2: enabling %s in %s", want, path);
		e = strchr(p, '/');
		if (!e)
			break; /* the container's own directory enables nothing */
		path[len] = '/';
		memcpy(path + len + 1, p, (size_t)(e - p));
		len += (size_t)(e - p) + 1;
		path[len] = 0;
		p = e + 1;
	}
	return 0;
}

/* ---- stale containers ---- */

int cg_open_rel(const struct cg_host *h, const char *rel)
{
	char path[PATH_MAX];
	int fd;

	if (cg_path(h, cg_primary(h), rel, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool cg_lock_held(int dfd)
{
	_cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0)
		return false; /* the lock goes with this fd's close */
	return errno == EWOULDBLOCK;
}

/* The supervisor of the cgroup at @fd, when it still lives: between two runs (--restart)
 * the cgroup has no process, but the container is not gone. */
pid_t cg_live_supervisor(int fd)
{
	char buf[24], path[64], comm[32] = "";
	ssize_t n = fgetxattr(fd, CG_XATTR_SUPERVISOR, buf, sizeof(buf) - 1);
	pid_t pid;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	pid = (pid_t)atoi(buf);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (pid <= 0 || cg_read_small(AT_FDCWD, path, comm, sizeof(comm)) <= 0 ||
	    !startswith(comm, "rtr-run"))
		return 0;
	return pid;
}

/* The container directory @fd runs from @bundle: its CG_XATTR_BUNDLE says so, and its
 * supervisor holds the lock (also between two runs) or processes are in it. */
static bool runs_bundle(const struct cg_host *h, int fd, const char *bundle)
{
	char buf[PATH_MAX];
	ssize_t n = fgetxattr(fd, CG_XATTR_BUNDLE, buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = 0;
	return streq(buf, bundle) && (cg_lock_held(fd) || cg_populated(fd, cg_primary(h) == CG_V2));
}

/* The containers linux.cgroupsPath put elsewhere: the CG_XATTR_AT records on @pfd. */
static int find_bundle_at(const struct cg_host *h, int pfd, const char *bundle, char *ret, size_t n)
{
	char list[16384], rel[PATH_MAX / 4];
	ssize_t len = flistxattr(pfd, list, sizeof(list));
	size_t pl = strlen(CG_XATTR_AT);

	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(list + i) + 1) {
		ssize_t k;
		_cleanup_close_ int fd = -1;

		if (strncmp(list + i, CG_XATTR_AT, pl) != 0)
			continue;
		k = fgetxattr(pfd, list + i, rel, sizeof(rel) - 1);
		if (k <= 0)
			continue;
		rel[k] = 0;
		fd = cg_open_rel(h, rel);
		if (fd >= 0 && runs_bundle(h, fd, bundle)) {
			snprintf(ret, n, "%s", list + i + pl);
			return 1;
		}
	}
	return 0;
}

int cg_find_bundle(const struct cg_host *h, const char *parent_rel, const char *bundle, char *ret,
		   size_t n)
{
	_cleanup_close_ int pfd = cg_open_rel(h, parent_rel), dfd = -1;
	DIR *d = NULL;
	struct dirent *de;
	int found = 0;

	if (pfd < 0)
		return pfd == -ENOENT ? 0 : pfd;
	dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d)
		return -errno;
	dfd = -1; /* the DIR's now */
	while (!found && (de = readdir(d))) {
		_cleanup_close_ int fd = -1;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && runs_bundle(h, fd, bundle)) {
			snprintf(ret, n, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found ? found : find_bundle_at(h, pfd, bundle, ret, n);
}

/* Removes @rel when nobody holds its lock and nothing runs in it.  The caller holds the
 * parent's lock, under which every rtr-run creates and locks its directory, so a
 * directory found unlocked here is not one being claimed this very moment. */
static bool reap_one(const struct cg_host *h, const char *rel)
{
	_cleanup_close_ int fd = cg_open_rel(h, rel);

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || cg_populated(fd, cg_primary(h) == CG_V2))
		return false;
	return cg_rm_rel(h, rel) == 0;
}

/* Unlocked entries of the parent directory @pfd: candidates, checked again under the
 * parent's lock.  The probe's own lock goes at once (close), or a starting rtr-run
 * would find its name taken. */
static int stale_names(int pfd, char ***ret)
{
	_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	dfd = -1;
	while ((de = readdir(d))) {
		int cfd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			continue;
		if (flock(cfd, LOCK_EX | LOCK_NB) == 0 && strv_push(ret, de->d_name) == 0)
			n++;
		close(cfd);
	}
	closedir(d);
	return n;
}

int cg_reap_stale(const struct cg_host *h, const char *parent_rel, const char *only)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_close_ int pfd = cg_open_rel(h, parent_rel);
	char rel[PATH_MAX / 4];
	int n, reaped = 0;

	if (pfd < 0)
		return pfd == -ENOENT ? 0 : pfd;
	if (only)
		n = strv_push(&names, only) < 0 ? -ENOMEM : 1;
	else
		n = stale_names(pfd, &names);
	if (n <= 0)
		return n;
	if (flock(pfd, LOCK_EX) < 0)
		return -errno;
	for (size_t i = 0; names[i]; i++)
		if (snprintf(rel, sizeof(rel), "%s/%s", parent_rel, names[i]) < (int)sizeof(rel) &&
		    reap_one(h, rel))
			reaped++;
	return reaped;
}
