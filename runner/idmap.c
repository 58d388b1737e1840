/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idmapped mounts, made by rtr-run before clone (what they are for: idmap.h).
 *
 * Why rtr-run and not the container: mount_setattr(MOUNT_ATTR_IDMAP) needs CAP_SYS_ADMIN
 * in the user namespace of the filesystem (the host's, for ext4, xfs, btrfs, tmpfs...),
 * which the container's root never has.  A detached tree (open_tree OPEN_TREE_CLONE) may
 * be moved into any mount namespace by whoever may mount there, so the child, which
 * inherits the trees' fds across clone, move_mount()s them into place.
 *
 * An idmapping is a user namespace: a short-lived child unshares one, rtr-run writes its
 * maps, opens /proc/PID/ns/user and kills the child.  The maps are written as the bundle
 * gives them ("containerID hostID size", as runc and crun do): an owner containerID on
 * disk is seen as hostID.  With the container's own mappings, owner 0 on disk is the
 * container's root, and what its root creates is owned by 0 on disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "idmap.h"
#include "lib/cleanup.h"
#include "lib/util.h"

/* The new mount API, for C libraries without its constants (musl, glibc < 2.36). */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

/* struct mount_attr of <linux/mount.h>, which clashes with <sys/mount.h>. */
struct idmap_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

struct rtr_idmaps {
	int rootfs;  /* idmapped rootfs tree, or -1 */
	char *hint;  /* the rootfs is not idmapped: what to do if the start fails */
	int *mounts; /* per c->spec->mounts[i]: its tree, or -1 */
	size_t n_mounts;
	int userns; /* with the container's mappings, made on first use; -1 */
};

/* The syscalls without libc wrappers: ENOSYS where the headers do not know them. */
static int sys_open_tree(int dfd, const char *path, unsigned flags)
{
#ifdef SYS_open_tree
	return (int)syscall(SYS_open_tree, dfd, path, flags);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct idmap_mount_attr *a)
{
#ifdef SYS_mount_setattr
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, a, sizeof(*a));
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
			  unsigned flags)
{
#ifdef SYS_move_mount
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
#else
	errno = ENOSYS;
	return -1;
#endif
}

int idmap_write_map(pid_t pid, const char *file, const struct rtr_idmap *m, size_t n,
		    const char *what, struct rtr_err *err)
{
	char path[64], buf[4096];
	size_t len = 0;
	_cleanup_close_ int fd = -1;

	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);
		if (k < 0 || (size_t)k >= sizeof(buf) - len)
			return rtr_err_set(err, E2BIG, "%s: too many mappings", what);
		len += (size_t)k;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	/* The kernel takes the whole map in one write. */
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		return rtr_err_sys(err, errno, "%s: writing %s", what, path);
	return 0;
}

/* The child of userns_open(): unshares, reports the errno (0), waits to be killed. */
static _Noreturn void userns_child(int wr)
{
	int e;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	e = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
	if (write(wr, &e, sizeof(e)) != (ssize_t)sizeof(e) || e)
		_exit(1);
	for (;;)
		pause();
}

/* An fd of a new user namespace with the maps @u and @g; @what names them. */
static int userns_open(const struct rtr_idmap *u, size_t nu, const struct rtr_idmap *g, size_t ng,
		       const char *what, int *ret_fd, struct rtr_err *err)
{
	_cleanup_close_ int rd = -1;
	char path[64];
	int p[2], e = 0, fd = -1, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return rtr_err_sys(err, errno, "%s: pipe", what);
	rd = p[0];
	pid = fork();
	if (pid == 0)
		userns_child(p[1]);
	close(p[1]);
	if (pid < 0)
		return rtr_err_sys(err, errno, "%s: fork", what);
	if (read(rd, &e, sizeof(e)) != (ssize_t)sizeof(e) || e)
		r = rtr_err_sys(err, e ? e : EPIPE, "%s: creating a user namespace", what);
	else
		r = idmap_write_map(pid, "uid_map", u, nu, what, err);
	if (r == 0)
		r = idmap_write_map(pid, "gid_map", g, ng, what, err);
	if (r == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = rtr_err_sys(err, errno, "%s: %s", what, path);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r == 0)
		*ret_fd = fd;
	return r;
}

/* The user namespace of the container's own mappings, made once. */
static int container_userns(const struct rtr_container *c, struct rtr_idmaps *im,
			    struct rtr_err *err)
{
	const struct rtr_linux *lx = &c->spec->lx;
	int r;

	if (im->userns >= 0)
		return im->userns;
	r = userns_open(lx->uid_mappings, lx->n_uid_mappings, lx->gid_mappings, lx->n_gid_mappings,
			"linux.uidMappings", &im->userns, err);
	return r < 0 ? r : im->userns;
}

/* A detached copy of @path (its submounts too when @rec_tree), idmapped through @userns
 * (the submounts too when @rec_attr), with propagation @prop.  *@ret_step names the call
 * that failed. */
static int tree_open(const char *path, bool rec_tree, bool rec_attr, int userns, unsigned long prop,
		     int *ret_fd, const char **ret_step)
{
	struct idmap_mount_attr a = {
	    .attr_set = MOUNT_ATTR_IDMAP, .propagation = prop, .userns_fd = (uint64_t)userns};
	_cleanup_close_ int fd = sys_open_tree(
	    AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec_tree ? AT_RECURSIVE : 0));

	*ret_step = "open_tree";
	if (fd < 0)
		return -errno;
	*ret_step = "mount_setattr";
	if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | (rec_attr ? AT_RECURSIVE : 0), &a) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The host id the container's id 0 maps to, or -1. */
static int64_t host_of_root(const struct rtr_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].container_id == 0)
			return m[i].host_id;
	return -1;
}

/* The container's root binds its rootfs from inside its user namespace: a directory above
 * it that host uid @uid, gid @gid cannot enter (rtr-pull's bundle directory is 0700) makes
 * that fail with EACCES.  Returns the hint then, NULL else. */
static char *unreachable_hint(const char *rootfs, int64_t uid, int64_t gid)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", rootfs);
	for (char *slash = strrchr(p, '/'); slash; slash = strrchr(p, '/')) {
		struct stat st;
		mode_t x;

		*slash = 0;
		if (stat(*p ? p : "/", &st) < 0)
			continue;
		x = st.st_uid == uid ? S_IXUSR : st.st_gid == gid ? S_IXGRP : S_IXOTH;
		if (!(st.st_mode & x))
			return xasprintf(
			    "the container's root (host uid %lld) cannot enter %s "
			    "(mode %04o, owner %u:%u) to reach its rootfs: pull the "
			    "image with rtr-pull --userns-shift %lld, or let it through",
			    (long long)uid, *p ? p : "/", (unsigned)(st.st_mode & 07777),
			    (unsigned)st.st_uid, (unsigned)st.st_gid, (long long)uid);
	}
	return NULL;
}

/*
 * The rootfs is idmapped when the container's root is a host uid other than 0 and the
 * rootfs belongs to host root: the container could not create a mount point in it, nor
 * own anything.  A rootfs already shifted to the container's ids (rtr-pull
 * --userns-shift, chown -R) is bound as it is.  Where the kernel or filesystem cannot
 * idmap, the plain bind stays (a rootfs with every mount point may still run) and the
 * hint tells what to do.
 */
static int prepare_rootfs(const struct rtr_container *c, struct rtr_idmaps *im)
{
	const struct rtr_linux *lx = &c->spec->lx;
	int64_t uid = host_of_root(lx->uid_mappings, lx->n_uid_mappings);
	int64_t gid = host_of_root(lx->gid_mappings, lx->n_gid_mappings);
	unsigned long prop = lx->rootfs_propagation_flags & MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
	struct rtr_err e = {0};
	const char *step = "user namespace";
	struct stat st;
	int r;

	if (!lx->ns[RTR_NS_USER].enabled || lx->ns[RTR_NS_USER].path || uid <= 0 || gid < 0)
		return 0;
	im->hint = unreachable_hint(c->rootfs, uid, gid);
	if (im->hint || stat(c->rootfs, &st) < 0 || st.st_uid != 0)
		return 0;
	r = container_userns(c, im, &e);
	if (r >= 0)
		r = tree_open(c->rootfs, true, true, im->userns, prop, &im->rootfs, &step);
	if (r >= 0)
		return 0;
	im->hint = xasprintf("the rootfs %s is owned by %u:%u but the container's root is host "
			     "uid %lld, and the kernel cannot idmap it (%s: %s): pull the image "
			     "with rtr-pull --userns-shift %lld, or chown -R %lld:%lld the rootfs",
			     c->rootfs, (unsigned)st.st_uid, (unsigned)st.st_gid, (long long)uid,
			     step, strerror(-r), (long long)uid, (long long)uid, (long long)gid);
	return im->hint ? 0 : -ENOMEM;
}

/* mounts[@i] with uidMappings/gidMappings or "idmap": its tree, or an error naming it. */
static int prepare_mount(const struct rtr_container *c, struct rtr_idmaps *im, size_t i,
			 struct rtr_err *err)
{
	const struct rtr_mount *m = &c->spec->mounts[i];
	const struct rtr_linux *lx = &c->spec->lx;
	_cleanup_close_ int own = -1;
	const char *step = "";
	char what[48];
	int r, userns;

	if (!m->n_uid_mappings && !m->idmap)
		return 0;
	snprintf(what, sizeof(what), ".mounts[%zu].uidMappings", i);
	if (m->n_uid_mappings) {
		r = userns_open(m->uid_mappings, m->n_uid_mappings, m->gid_mappings,
				m->n_gid_mappings, what, &own, err);
		userns = own;
	} else if (!lx->ns[RTR_NS_USER].enabled || lx->ns[RTR_NS_USER].path ||
		   !lx->n_uid_mappings) {
		return rtr_err_set(
		    err, EINVAL,
		    "config.json: .mounts[%zu].options: %s without uidMappings takes the "
		    "container's mappings: it needs a new user namespace with "
		    "linux.uidMappings",
		    i, m->idmap_recursive ? "ridmap" : "idmap");
	} else {
		r = userns = container_userns(c, im, err);
	}
	if (r < 0)
		return r;
	r = tree_open(m->source, m->flags & MS_REC, m->idmap_recursive, userns, MS_PRIVATE,
		      &im->mounts[i], &step);
	if (r < 0)
		return rtr_err_set(
		    err, -r, "config.json: .mounts[%zu]: idmapped mount of %s on %s: %s: %s%s", i,
		    m->source, m->destination, step, strerror(-r),
		    r == -EINVAL ? " (the filesystem may not support idmapped mounts)" : "");
	return 0;
}

int idmap_prepare(struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_spec *s = c->spec;
	struct rtr_idmaps *im = calloc(1, sizeof(*im));
	int r;

	if (!im)
		return -ENOMEM;
	im->rootfs = im->userns = -1;
	c->idmaps = im;
	if (s->n_mounts) {
		im->mounts = malloc(s->n_mounts * sizeof(*im->mounts));
		if (!im->mounts)
			return -ENOMEM;
		im->n_mounts = s->n_mounts;
		for (size_t i = 0; i < s->n_mounts; i++)
			im->mounts[i] = -1;
	}
	r = prepare_rootfs(c, im);
	for (size_t i = 0; r == 0 && i < s->n_mounts; i++)
		r = prepare_mount(c, im, i, err);
	/* The trees keep their idmapping; the namespace itself is needed no more. */
	if (im->userns >= 0)
		close(im->userns);
	im->userns = -1;
	return r;
}

void idmap_free(struct rtr_container *c)
{
	struct rtr_idmaps *im = c->idmaps;

	if (!im)
		return;
	if (im->rootfs >= 0)
		close(im->rootfs);
	for (size_t i = 0; i < im->n_mounts; i++)
		if (im->mounts[i] >= 0)
			close(im->mounts[i]);
	free(im->mounts);
	free(im->hint);
	free(im);
	c->idmaps = NULL;
}

int idmap_rootfs_tree(const struct rtr_container *c)
{
	return c->idmaps ? c->idmaps->rootfs : -1;
}

int idmap_mount_tree(const struct rtr_container *c, const struct rtr_mount *m)
{
	const struct rtr_idmaps *im = c->idmaps;
	const struct rtr_mount *first = c->spec->mounts;

	/* Mounts rtr adds itself (/dev, /dev/pts, /dev/shm) are not in the array. */
	if (!im || !first || m < first || m >= first + im->n_mounts)
		return -1;
	return im->mounts[m - first];
}

void idmap_explain(const struct rtr_container *c, struct rtr_err *err)
{
	const char *hint = c->idmaps ? c->idmaps->hint : NULL;
	size_t len = strlen(err->msg);

	if (hint && (err->code == EACCES || err->code == EPERM))
		snprintf(err->msg + len, sizeof(err->msg) - len, "; %s", hint);
}

int idmap_move(int tree, int target_fd)
{
	if (sys_move_mount(tree, "", target_fd, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}
