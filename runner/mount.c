/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's mount tree, built in the child's new mount namespace:
 *   1. "/" recursively private (or linux.rootfsPropagation), the rootfs bound on itself,
 *      or the idmapped tree of it rtr-run made before clone (runner/idmap.c);
 *   2. a /dev tmpfs when the spec has no /dev mount;
 *   3. every spec mount, its destination resolved *inside* the rootfs (symlinks in the
 *      image cannot point it at the host) and mounted through /proc/self/fd/N of an
 *      O_PATH fd, so swapping a path component for a symlink afterwards changes nothing;
 *   4. the default devices, spec devices, /dev links;
 *   5. mount_pivot(): pivot_root(".", ".") and a lazy unmount of the old root (MS_MOVE +
 *      chroot on an initramfs, where pivot_root is not allowed), root.readonly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/inroot.h"
#include "lib/util.h"
#include "idmap.h"
#include "mount.h"
#include "overlay.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define FDPATH_MAX 32

static void fd_path(int fd, char buf[FDPATH_MAX])
{
	snprintf(buf, FDPATH_MAX, "/proc/self/fd/%d", fd);
}

static unsigned long statfs_to_ms(unsigned long f)
{
	unsigned long ms = 0;

	if (f & ST_RDONLY)
		ms |= MS_RDONLY;
	if (f & ST_NOSUID)
		ms |= MS_NOSUID;
	if (f & ST_NODEV)
		ms |= MS_NODEV;
	if (f & ST_NOEXEC)
		ms |= MS_NOEXEC;
	if (f & ST_NOATIME)
		ms |= MS_NOATIME;
	if (f & ST_NODIRATIME)
		ms |= MS_NODIRATIME;
	if (f & ST_RELATIME)
		ms |= MS_RELATIME;
	return ms;
}

/* Read-only (or other flag) remount of a bind mount, keeping flags a user namespace
 * locked (nosuid/nodev/noexec of the source), which the kernel refuses to clear. */
static int remount_bind(const char *target, unsigned long flags, unsigned long clear)
{
	struct statvfs sv;
	unsigned long keep = 0;

	if (statvfs(target, &sv) == 0)
		keep = statfs_to_ms(sv.f_flag) & (MS_NOSUID | MS_NODEV | MS_NOEXEC) & ~clear;
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags | keep, NULL) < 0)
		return -errno;
	return 0;
}

#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/*
 * A "cgroup" mount.  Without a cgroup namespace, mounting the cgroup file system would
 * show the container every host cgroup, writable by its root (pids.max, memory limits
 * of anything on the host).  So, as crun does, the container gets only its own
 * directories: the container's cgroup of each hierarchy, bind-mounted from the host's
 * mount of that hierarchy.  That also works in a user namespace, where a v1 cgroup file
 * system cannot be mounted at all.  With a cgroup namespace the kernel itself roots a
 * new cgroup mount at the container's cgroup, so that is mounted.
 *
 * A directory is writable only when the mount says rw and the container owns it (rtr
 * made it for this container); a hierarchy in which the container sits in a cgroup not
 * its own (name=systemd at "/" on hybrid hosts) is read-only.
 */
#define CG_LINES_MAX 32

struct cg_line {
	char *ctrl; /* "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *path; /* "/rtr/web" */
};

static int cg_lines_read(char *buf, size_t n, struct cg_line *l, size_t *ret_n)
{
	_cleanup_close_ int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t len;
	size_t k = 0;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, n - 1);
	if (len < 0)
		return -errno;
	buf[len] = 0;
	for (char *line = buf, *next; line && *line && k < CG_LINES_MAX; line = next) {
		char *c1, *c2;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = 0;
		l[k++] = (struct cg_line){.ctrl = c1 + 1, .path = c2 + 1};
	}
	*ret_n = k;
	return 0;
}

/* The container's own cgroup: rtr puts it at the same path in every hierarchy it
 * manages, so it is the path most lines share, the cgroup2 one on a tie (a pure v2 host,
 * where rtr-run's own place in a v1 hierarchy may be listed too); "/" is never its own. */
static const char *cg_own_path(const struct cg_line *l, size_t n)
{
	const char *best = NULL;
	size_t best_n = 0;

	for (size_t i = 0; i < n; i++) {
		size_t same = 0;

		for (size_t j = 0; j < n; j++)
			same += streq(l[i].path, l[j].path);
		if ((same > best_n || (same == best_n && !*l[i].ctrl)) && !streq(l[i].path, "/")) {
			best = l[i].path;
			best_n = same;
		}
	}
	return best;
}

/* True when every controller of @ctrl is an option of the v1 super block @opts. */
static bool cg_opts_match(const char *ctrl, const char *opts)
{
	char want[256], have[1040], *save = NULL;

	snprintf(want, sizeof(want), "%s", ctrl);
	snprintf(have, sizeof(have), ",%s,", opts);
	for (char *t = strtok_r(want, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char tok[300];

		snprintf(tok, sizeof(tok), ",%s,", t);
		if (!strstr(have, tok))
			return false;
	}
	return true;
}

/* True when mountinfo @line is a mount of @l's hierarchy outside the rootfs; fills the
 * device, the mount's root (relative to rtr-run's cgroup namespace) and mount point. */
static bool cg_mountinfo_match(const struct rtr_container *c, const struct cg_line *l,
			       const char *line, unsigned *maj, unsigned *min, char root[PATH_MAX],
			       char mp[PATH_MAX])
{
	char type[64], opts[1024];
	const char *dash = strstr(line, " - ");
	size_t rl = strlen(c->rootfs);

	if (!dash || sscanf(line, "%*s %*s %u:%u %4095s %4095s", maj, min, root, mp) != 4 ||
	    sscanf(dash + 3, "%63s %*s %1023s", type, opts) != 2)
		return false;
	if (!strncmp(mp, c->rootfs, rl) && (mp[rl] == '/' || !mp[rl]))
		return false;
	return *l->ctrl ? streq(type, "cgroup") && cg_opts_match(l->ctrl, opts)
			: streq(type, "cgroup2");
}

/* Where the host mounts @l's directory: the hierarchy's mount point joined with the
 * cgroup path below the mount's root.  -ENOENT when the hierarchy is not mounted. */
static int cg_host_dir(const struct rtr_container *c, const struct cg_line *l, char *buf, size_t n)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], root[PATH_MAX], mp[PATH_MAX];
	unsigned maj, min;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct stat st;
		size_t len;

		if (!cg_mountinfo_match(c, l, line, &maj, &min, root, mp))
			continue;
		len = streq(root, "/") ? 0 : strlen(root);
		if (strncmp(l->path, root, len) || (l->path[len] && l->path[len] != '/'))
			continue;
		if ((size_t)snprintf(buf, n, "%s%s", mp, l->path + len) >= n)
			return -ENAMETOOLONG;
		/* A mount hidden under a later one (/sys/fs/cgroup/unified below a cgroup2
		 * mounted over /sys/fs/cgroup) is listed but not reachable by its path. */
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode) && major(st.st_dev) == maj &&
		    minor(st.st_dev) == min)
			return 0;
	}
	return -ENOENT;
}

/* Whether the container owns its cgroup of @l's hierarchy.  In a cgroup namespace every
 * path reads "/", but the host's mount of a hierarchy in which the container sits below
 * the root shows a root above the namespace's ("/../.."); where the namespace's root is
 * the host's root (name=systemd on hybrid hosts), the container owns nothing. */
static bool cg_owned(const struct rtr_container *c, const struct cg_line *l, const char *own,
		     bool cgns)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[4096], root[PATH_MAX], mp[PATH_MAX];
	unsigned maj, min;

	if (!cgns)
		return own && streq(l->path, own);
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f))
		if (cg_mountinfo_match(c, l, line, &maj, &min, root, mp))
			return startswith(root, "/..") != NULL;
	return false;
}

/* Bind the host's directory of @l on @dir (a path through /proc/self/fd); @reopen: @dir
 * is the destination's own fd, which the bind covers: remount through a fresh one. */
static int cg_bind(const struct rtr_container *c, int rootfd, const struct cg_line *l,
		   const char *dir, bool reopen, bool ro, const struct rtr_mount *m,
		   struct rtr_err *err)
{
	_cleanup_close_ int fd = -1;
	char src[PATH_MAX], fp[FDPATH_MAX];
	int r = cg_host_dir(c, l, src, sizeof(src));

	if (r < 0)
		return rtr_err_sys(err, -r, "mount %s: the host's cgroup %s%s", m->destination,
				   *l->ctrl ? l->ctrl : "cgroup2 ", l->path);
	if (mount(src, dir, NULL, MS_BIND, NULL) < 0)
		return rtr_err_sys(err, errno, "mount %s: bind %s", m->destination, src);
	if (reopen) {
		r = inroot_open(rootfd, m->destination, &fd);
		if (r < 0)
			return rtr_err_sys(err, -r, "mount %s", m->destination);
		fd_path(fd, fp);
		dir = fp;
	}
	r = remount_bind(dir, MS_NOSUID | MS_NODEV | MS_NOEXEC | (ro ? MS_RDONLY : 0), 0);
	if (r < 0)
		return rtr_err_sys(err, -r, "mount %s: remount %s", m->destination, src);
	return 0;
}

/* One hierarchy below the v1 tmpfs at @top: "memory", "systemd" (name=systemd),
 * "unified" (the hybrid host's cgroup2), and links cpu, cpuacct -> cpu,cpuacct. */
static int cg_mount_v1_one(const struct rtr_container *c, const char *top, const struct cg_line *l,
			   bool ro, bool cgns, const struct rtr_mount *m, struct rtr_err *err)
{
	unsigned long fl = (m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) | (ro ? MS_RDONLY : 0);
	const char *sub, *type = *l->ctrl ? "cgroup" : "cgroup2";
	const char *opts = *l->ctrl ? l->ctrl : NULL;
	char dir[PATH_MAX];

	if (!*l->ctrl)
		sub = "unified";
	else if (!(sub = startswith(l->ctrl, "name=")))
		sub = l->ctrl;
	if (!*sub || strchr(sub, '/') ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/%s", top, sub) >= sizeof(dir))
		return 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return rtr_err_sys(err, errno, "mkdir %s/%s", m->destination, sub);
	if (!cgns)
		return cg_bind(c, -1, l, dir, false, ro, m, err);
	if (mount("cgroup", dir, type, fl, opts) < 0)
		return rtr_err_sys(err, errno, "mount %s/%s", m->destination, sub);
	return 0;
}

static void cg_link_comounted(const char *top, const char *ctrl)
{
	char c[256], *save = NULL;

	if (!strchr(ctrl, ',') || startswith(ctrl, "name="))
		return;
	snprintf(c, sizeof(c), "%s", ctrl);
	for (char *tok = strtok_r(c, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char l[PATH_MAX];

		if ((size_t)snprintf(l, sizeof(l), "%s/%s", top, tok) < sizeof(l))
			(void)!symlink(ctrl, l);
	}
}

static int mount_cgroup(const struct rtr_container *c, int rootfd, const char *target,
			const struct rtr_mount *m, struct rtr_err *err)
{
	const struct rtr_namespace *ns = &c->spec->lx.ns[RTR_NS_CGROUP];
	bool cgns = ns->enabled, want_ro = m->flags & MS_RDONLY;
	struct cg_line lines[CG_LINES_MAX];
	_cleanup_close_ int top = -1;
	char buf[4096], topp[FDPATH_MAX];
	const char *own;
	struct statfs sf;
	size_t n = 0;
	int r;

	r = cg_lines_read(buf, sizeof(buf), lines, &n);
	if (r < 0)
		return rtr_err_sys(err, -r, "mount %s: /proc/self/cgroup", m->destination);
	own = cg_own_path(lines, n);
	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		for (size_t i = 0; i < n; i++) {
			bool ro;

			if (*lines[i].ctrl)
				continue;
			ro = want_ro || !cg_owned(c, &lines[i], own, cgns);
			if (!cgns)
				return cg_bind(c, rootfd, &lines[i], target, true, ro, m, err);
			if (mount("cgroup2", target, "cgroup2",
				  (m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) |
				      (ro ? MS_RDONLY : 0),
				  NULL) < 0)
				return rtr_err_sys(err, errno, "mount %s (cgroup2)",
						   m->destination);
			return 0;
		}
		return rtr_err_set(err, ENOENT, "mount %s: no cgroup2 line in /proc/self/cgroup",
				   m->destination);
	}
	/* v1 or hybrid: a tmpfs holding one directory per hierarchy, as runc and crun do. */
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return rtr_err_sys(err, errno, "mount %s (tmpfs for cgroup v1)", m->destination);
	/* The fd still points under the new tmpfs: resolve the destination again. */
	r = inroot_open(rootfd, m->destination, &top);
	if (r < 0)
		return rtr_err_sys(err, -r, "mount %s", m->destination);
	fd_path(top, topp);
	for (size_t i = 0; i < n; i++) {
		bool ro = want_ro || !cg_owned(c, &lines[i], own, cgns);

		r = cg_mount_v1_one(c, topp, &lines[i], ro, cgns, m, err);
		if (r < 0)
			return r;
		cg_link_comounted(topp, lines[i].ctrl);
	}
	if (want_ro)
		mount(NULL, topp, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		      "mode=755");
	return 0;
}

/* A bind mount on @target_fd: the idmapped tree rtr-run made for it, or a bind of the
 * source; then its flags (ro, nosuid...). */
static int mount_bind(const struct rtr_container *c, int rootfd, const struct rtr_mount *m,
		      int target_fd, struct rtr_err *err)
{
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_PROPAGATION);
	_cleanup_close_ int fd = -1;
	int tree = idmap_mount_tree(c, m), r;
	char target[FDPATH_MAX];

	fd_path(target_fd, target);
	if (tree >= 0) {
		r = idmap_move(tree, target_fd);
		if (r < 0)
			return rtr_err_sys(err, -r, "mount %s on %s (idmapped)", m->source,
					   m->destination);
	} else if (mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0) {
		return rtr_err_sys(err, errno, "mount %s on %s", m->source, m->destination);
	}
	if (!extra)
		return 0;
	/* Re-open: the mount now sits on top of the fd's dentry. */
	r = inroot_open(rootfd, m->destination, &fd);
	if (r < 0)
		return rtr_err_sys(err, -r, "mount %s", m->destination);
	fd_path(fd, target);
	r = remount_bind(target, extra, m->clear_flags);
	if (r < 0)
		return rtr_err_sys(err, -r, "mount %s: remount (ro/nosuid/...)", m->destination);
	return 0;
}

static int mount_one(const struct rtr_container *c, int rootfd, const struct rtr_mount *m,
		     struct rtr_err *err)
{
	_cleanup_close_ int target_fd = -1;
	char target[FDPATH_MAX];
	bool is_file = false;
	int r;

	if (!m->destination || m->destination[0] != '/')
		return rtr_err_set(err, EINVAL, "mount %s: destination must be absolute",
				   m->destination ? m->destination : "(none)");
	if (m->bind) {
		struct stat st;
		if (!m->source || stat(m->source, &st) < 0)
			return rtr_err_sys(err, errno, "mount %s: source %s", m->destination,
					   m->source ? m->source : "(none)");
		is_file = !S_ISDIR(st.st_mode);
	}
	r = inroot_mkdir(rootfd, m->destination, is_file, &target_fd);
	if (r < 0)
		return rtr_err_sys(err, -r, "mount %s: creating the destination in the rootfs",
				   m->destination);
	fd_path(target_fd, target);

	if (m->bind) {
		r = mount_bind(c, rootfd, m, target_fd, err);
		if (r < 0)
			return r;
	} else if (streq(m->type, "cgroup") || streq(m->type, "cgroup2")) {
		r = mount_cgroup(c, rootfd, target, m, err);
		if (r < 0)
			return r;
	} else {
		const char *type = m->type ? m->type : "none";
		unsigned long fl = m->flags & ~(MS_PROPAGATION | MS_BIND | MS_REC);

		if (mount(m->source ? m->source : type, target, type, fl, m->data) < 0) {
			int e = errno;
			/* sysfs needs a network namespace we own; fall back to the host's, ro. */
			if (streq(type, "sysfs") && (e == EPERM || e == EBUSY)) {
				if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0 &&
				    remount_bind(target,
						 MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
						 0) == 0)
					goto propagation;
			}
			return rtr_err_sys(err, e, "mount %s (%s%s%s)", m->destination, type,
					   m->data ? ", " : "", m->data ? m->data : "");
		}
	}
propagation:
	if (m->propagation) {
		close(target_fd);
		target_fd = -1;
		r = inroot_open(rootfd, m->destination, &target_fd);
		if (r < 0)
			return rtr_err_sys(err, -r, "mount %s", m->destination);
		fd_path(target_fd, target);
		if (mount(NULL, target, NULL, m->propagation, NULL) < 0)
			return rtr_err_sys(err, errno, "mount %s: propagation", m->destination);
	}
	return 0;
}

static const struct rtr_mount *spec_mount_at(const struct rtr_spec *s, const char *dest)
{
	const struct rtr_mount *found = NULL;

	for (size_t i = 0; i < s->n_mounts; i++)
		if (streq(s->mounts[i].destination, dest))
			found = &s->mounts[i];
	return found;
}

/* One device node in the container's /dev: mknod, or a bind mount of the host's node
 * where mknod is not allowed (user namespace). */
static int make_device(int rootfd, const char *path, char type, unsigned maj, unsigned min,
		       mode_t mode, uid_t uid, gid_t gid, bool set_owner, struct rtr_err *err)
{
	_cleanup_close_ int dirfd = -1, fd = -1;
	_cleanup_free_ char *dir = strdup(path);
	char *name, fp[FDPATH_MAX];
	mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	int r;

	if (!dir)
		return -ENOMEM;
	name = strrchr(dir, '/');
	if (!name || !name[1])
		return rtr_err_set(err, EINVAL, "device %s: bad path", path);
	*name++ = 0;
	r = inroot_mkdir(rootfd, *dir ? dir : "/", false, &fd);
	if (r < 0)
		return rtr_err_sys(err, -r, "device %s", path);
	fd_path(fd, fp);
	dirfd = open(fp, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dirfd < 0)
		return rtr_err_sys(err, errno, "device %s", path);
	unlinkat(dirfd, name, 0);
	if (mknodat(dirfd, name, kind | (mode & 07777), makedev(maj, min)) == 0) {
		if (fchmodat(dirfd, name, mode & 07777, 0) < 0 ||
		    (set_owner && fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0))
			return rtr_err_sys(err, errno, "device %s", path);
		return 0;
	}
	if (errno != EPERM)
		return rtr_err_sys(err, errno, "device %s: mknod", path);

	/* Bind the host's node (same path) onto an empty file. */
	{
		_cleanup_close_ int f = -1, t = -1;
		char host[PATH_MAX];
		struct stat st;

		snprintf(host, sizeof(host), "%s", path);
		if (stat(host, &st) < 0 || (st.st_mode & S_IFMT) != kind ||
		    major(st.st_rdev) != maj || minor(st.st_rdev) != min)
			return rtr_err_set(err, EPERM,
					   "device %s: mknod not permitted and the host has no "
					   "matching %s",
					   path, host);
		f = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (f < 0)
			return rtr_err_sys(err, errno, "device %s", path);
		t = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (t < 0)
			return rtr_err_sys(err, errno, "device %s", path);
		fd_path(t, fp);
		if (mount(host, fp, NULL, MS_BIND, NULL) < 0)
			return rtr_err_sys(err, errno, "device %s: bind from the host", path);
	}
	return 0;
}

static int setup_dev(int rootfd, const struct rtr_spec *s, bool own_dev, struct rtr_err *err)
{
	static const struct {
		const char *path;
		unsigned maj, min;
	} defaults[] = {
	    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},	   {"/dev/full", 1, 7},
	    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
	};
	static const struct {
		const char *target, *name;
	} links[] = {
	    {"pts/ptmx", "ptmx"},	   {"/proc/self/fd", "fd"},
	    {"/proc/self/fd/0", "stdin"},  {"/proc/self/fd/1", "stdout"},
	    {"/proc/self/fd/2", "stderr"},
	};
	_cleanup_close_ int devfd = -1;
	int r;

	if (own_dev) {
		char fp[FDPATH_MAX];
		_cleanup_close_ int p = -1;

		for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
			r = make_device(rootfd, defaults[i].path, 'c', defaults[i].maj,
					defaults[i].min, 0666, 0, 0, false, err);
			if (r < 0)
				return r;
		}
		r = inroot_open(rootfd, "/dev", &p);
		if (r < 0)
			return rtr_err_sys(err, -r, "/dev");
		fd_path(p, fp);
		devfd = open(fp, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
		if (devfd < 0)
			return rtr_err_sys(err, errno, "/dev");
		for (size_t i = 0; i < ELEMENTSOF(links); i++) {
			/* ptmx: a node may exist when /dev/pts is absent; keep the symlink only */
			unlinkat(devfd, links[i].name, 0);
			if (symlinkat(links[i].target, devfd, links[i].name) < 0)
				return rtr_err_sys(err, errno, "/dev/%s", links[i].name);
		}
	}
	for (size_t i = 0; i < s->lx.n_devices; i++) {
		const struct rtr_device *d = &s->lx.devices[i];

		r = make_device(rootfd, d->path, d->type == 'u' ? 'c' : d->type, (unsigned)d->major,
				(unsigned)d->minor, d->file_mode_set ? d->file_mode : 0666,
				d->uid_set ? d->uid : 0, d->gid_set ? d->gid : 0,
				d->uid_set || d->gid_set, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The rootfs bound on itself, or the idmapped tree of it rtr-run made (its propagation
 * already private, or slave for linux.rootfsPropagation "slave"). */
static int bind_rootfs(const struct rtr_container *c, struct rtr_err *err)
{
	_cleanup_close_ int fd = -1;
	int tree = idmap_rootfs_tree(c), r;

	if (tree < 0) {
		if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
			return rtr_err_sys(err, errno, "bind %s", c->rootfs);
		return 0;
	}
	fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rtr_err_sys(err, errno, "%s", c->rootfs);
	r = idmap_move(tree, fd);
	if (r < 0)
		return rtr_err_sys(err, -r, "idmapped rootfs %s: move_mount", c->rootfs);
	return 0;
}

int mount_setup(const struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_spec *s = c->spec;
	const struct rtr_mount *devm = spec_mount_at(s, "/dev");
	_cleanup_close_ int rootfd = -1;
	/* pivot_root refuses a shared root and a bind of an unbindable tree fails: those two
	 * start private and get their propagation in mount_pivot(); a slave root must be
	 * one from the start to receive the host's mounts. */
	unsigned long prop = s->lx.rootfs_propagation_flags & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
	bool own_dev;
	int r;

	if (!s->lx.ns[RTR_NS_MNT].enabled || s->lx.ns[RTR_NS_MNT].path)
		return rtr_err_set(err, EINVAL,
				   "linux.namespaces: rtr-run needs a new mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | prop, NULL) < 0)
		return rtr_err_sys(err, errno, "making / %s",
				   prop == MS_SLAVE ? "rslave" : "rprivate");
	/* A store bundle's rootfs/ is only the overlay's mount point; a flat one is bound
	 * first, and with --rm that bind is the overlay's lower layer. */
	r = s->ext.rootfs.store ? 0 : bind_rootfs(c, err);
	if (r == 0 && overlay_wanted(s))
		r = overlay_mount(c, err);
	if (r < 0)
		return r;
	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rtr_err_sys(err, errno, "%s", c->rootfs);

	/* Our own /dev unless the spec binds one from the host. */
	own_dev = !devm || !devm->bind;
	if (!devm) {
		struct rtr_mount d = {.destination = "/dev",
				      .type = "tmpfs",
				      .source = "tmpfs",
				      .flags = MS_NOSUID | MS_STRICTATIME};
		char data[64];

		snprintf(data, sizeof(data), "mode=755,size=%d", RTR_DEV_TMPFS_BYTES);
		d.data = data;
		r = mount_one(c, rootfd, &d, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < s->n_mounts; i++) {
		r = mount_one(c, rootfd, &s->mounts[i], err);
		if (r < 0)
			return r;
	}
	if (!devm) {
		char shm[64];
		struct rtr_mount pts = {.destination = "/dev/pts",
					.type = "devpts",
					.source = "devpts",
					.flags = MS_NOSUID | MS_NOEXEC,
					.data = "newinstance,ptmxmode=0666,mode=0620"};
		struct rtr_mount sh = {.destination = "/dev/shm",
				       .type = "tmpfs",
				       .source = "shm",
				       .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC,
				       .data = shm};

		snprintf(shm, sizeof(shm), "mode=1777,size=%llu",
			 (unsigned long long)RTR_SHM_BYTES);
		if (!spec_mount_at(s, "/dev/pts") && (r = mount_one(c, rootfd, &pts, err)) < 0)
			return r;
		if (!spec_mount_at(s, "/dev/shm") && (r = mount_one(c, rootfd, &sh, err)) < 0)
			return r;
	}
	r = setup_dev(rootfd, s, own_dev, err);
	if (r < 0)
		return r;
	if (s->process.cwd && !streq(s->process.cwd, "/")) {
		/* A missing working directory is created, as docker does. */
		_cleanup_close_ int cwd = -1;
		r = inroot_mkdir(rootfd, s->process.cwd, false, &cwd);
		if (r < 0)
			return rtr_err_sys(err, -r, "process.cwd %s", s->process.cwd);
	}
	return 0;
}

int mount_pivot(const struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_spec *s = c->spec;
	unsigned long prop = s->lx.rootfs_propagation_flags;

	if (chdir(c->rootfs) < 0)
		return rtr_err_sys(err, errno, "chdir %s", c->rootfs);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		/* The old root is stacked under the new one: detach it without propagating
		 * the unmount anywhere. */
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return rtr_err_sys(err, errno, "pivot_root: old root rslave");
		if (umount2(".", MNT_DETACH) < 0)
			return rtr_err_sys(err, errno, "pivot_root: unmounting the old root");
	} else if (errno == EINVAL) {
		/* initramfs: pivot_root is not allowed, move the tree over / and chroot. */
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return rtr_err_sys(err, errno, "moving the root (no pivot_root)");
	} else {
		return rtr_err_sys(err, errno, "pivot_root %s", c->rootfs);
	}
	if (chdir("/") < 0)
		return rtr_err_sys(err, errno, "chdir /");
	/* "runbindable" stops at the root itself: the masked paths are still to be bound
	 * from the container's /dev/null, which must stay bindable. */
	if ((prop & (MS_SHARED | MS_UNBINDABLE)) &&
	    mount(NULL, "/", NULL, prop & MS_UNBINDABLE ? MS_UNBINDABLE : prop, NULL) < 0)
		return rtr_err_sys(err, errno, "linux.rootfsPropagation %s",
				   s->lx.rootfs_propagation);
	if (s->root_readonly) {
		int r = remount_bind("/", MS_RDONLY, 0);
		if (r < 0)
			return rtr_err_sys(err, -r, "root.readonly");
	}
	return 0;
}
