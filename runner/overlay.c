/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Store bundles and --rm: the overlay on the container's rootfs (overlay.h says which).
 *
 * Every layer is opened O_PATH here, in the child's mount namespace (overlayfs clones the
 * layers' mounts privately and refuses a mount of another namespace, so an fd the parent
 * opened would not do), and named to the kernel by its fd number, relative to
 * /proc/self/fd as the working directory: "lowerdir=9:8:7".  That keeps the mount data
 * to a few bytes a layer, so the 500 layers overlayfs stacks fit the one page mount(2)
 * copies, on every kernel since 5.11 (fsconfig's 256-byte strings would hold 60, and
 * "lowerdir+" needs 6.8); and the mount table shows no host path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "overlay.h"

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

/* Each layer costs at most "NNNN:" in the mount data; the page mount(2) copies. */
#define OVL_DATA_MAX 4096

struct stack {
	int lower[RTR_STORE_LAYERS_MAX]; /* top-most first, as lowerdir= lists them */
	size_t n;
	int upper, work;	/* the upper and work directories */
	const char *upper_name; /* where the upper is, for messages */
};

static void stack_close(struct stack *st)
{
	for (size_t i = 0; i < st->n; i++)
		close(st->lower[i]);
	if (st->upper >= 0)
		close(st->upper);
	if (st->work >= 0)
		close(st->work);
}

bool overlay_wanted(const struct rtr_spec *s)
{
	const struct rtr_rootfs_layers *l = &s->ext.rootfs;

	return l->store || l->ephemeral;
}

static int open_dir(const char *path, int *ret, const char *what, struct rtr_err *err)
{
	*ret = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*ret < 0)
		return rtr_err_sys(err, errno, "rootfs: %s %s", what, path);
	return 0;
}

/* The store's layers, the annotation's last (the top) first. */
static int open_layers(const struct rtr_rootfs_layers *l, struct stack *st, struct rtr_err *err)
{
	_cleanup_close_ int dir = -1;
	char path[PATH_MAX];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/layers", l->store) >= sizeof(path))
		return rtr_err_sys(err, ENAMETOOLONG, "rootfs: layer store %s", l->store);
	r = open_dir(path, &dir, "layer store", err);
	if (r < 0)
		return r;
	for (size_t i = l->n_layers; i-- > 0;) {
		int fd = openat(dir, l->layers[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return rtr_err_sys(err, errno, "rootfs: layer sha256:%s in %s",
					   l->layers[i], path);
		st->lower[st->n++] = fd;
	}
	return 0;
}

/* BUNDLE/upper and BUNDLE/work of a store bundle. */
static int open_bundle_upper(const struct rtr_container *c, struct stack *st, struct rtr_err *err)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/upper", c->bundle);
	r = open_dir(path, &st->upper, "upper directory", err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/work", c->bundle);
	st->upper_name = "the bundle's upper/";
	return open_dir(path, &st->work, "work directory", err);
}

/*
 * --rm and --read-only: a tmpfs over c->rootfs (the lowers are open already, so covering them is
 * fine) holding upper/ and work/; the overlay then stacks on top of it.  The upper's root gets the
 * mode and owner of the top layer's, since the overlay's root shows the upper's.
 */
static int make_tmpfs_upper(const struct rtr_container *c, struct stack *st, struct rtr_err *err)
{
	const struct rtr_rootfs_layers *l = &c->spec->ext.rootfs;
	_cleanup_close_ int top = -1;
	struct stat lst;
	char data[64];

	snprintf(data, sizeof(data), "size=%llu,mode=0700", (unsigned long long)l->rm_size);
	if (mount("tmpfs", c->rootfs, "tmpfs", 0, data) < 0)
		return rtr_err_sys(err, errno, "rootfs: tmpfs for the container's changes (%s)",
				   data);
	top = open(c->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0 || fstat(st->lower[0], &lst) < 0)
		return rtr_err_sys(err, errno, "rootfs: %s", c->rootfs);
	if (mkdirat(top, "upper", lst.st_mode & 07777) < 0 || mkdirat(top, "work", 0700) < 0 ||
	    fchmodat(top, "upper", lst.st_mode & 07777, 0) < 0)
		return rtr_err_sys(err, errno, "rootfs: upper and work on the tmpfs");
	/* In a user namespace the top layer's owner may be unmapped: the upper keeps ours. */
	if (fchownat(top, "upper", lst.st_uid, lst.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EINVAL && errno != EPERM)
		return rtr_err_sys(err, errno, "rootfs: upper on the tmpfs");
	st->upper = openat(top, "upper", O_PATH | O_DIRECTORY | O_CLOEXEC);
	st->work = openat(top, "work", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (st->upper < 0 || st->work < 0)
		return rtr_err_sys(err, errno, "rootfs: upper and work on the tmpfs");
	st->upper_name = "the tmpfs upper";
	return 0;
}

/* "lowerdir=9:8:7[,upperdir=U,workdir=W][,userxattr]", fd numbers relative to
 * /proc/self/fd.  A user namespace cannot write trusted.* xattrs: overlayfs then keeps
 * its own in user.overlay.* (and reads opaque directories from there). */
static int build_data(const struct stack *st, bool userns, char *buf, size_t n)
{
	size_t len = (size_t)snprintf(buf, n, "lowerdir=");

	for (size_t i = 0; i < st->n && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%d", i ? ":" : "", st->lower[i]);
	if (st->upper >= 0 && len < n)
		len += (size_t)snprintf(buf + len, n - len, ",upperdir=%d,workdir=%d", st->upper,
					st->work);
	if (userns && len < n)
		len += (size_t)snprintf(buf + len, n - len, ",userxattr");
	return len < n ? 0 : -E2BIG;
}

/* Why overlayfs refused: EINVAL names its cause only in the kernel log, so look at what
 * is known to fail.  Then what to do instead. */
static int explain(const struct rtr_container *c, const struct stack *st, int e,
		   struct rtr_err *err)
{
	const struct rtr_spec *s = c->spec;
	bool userns = s->lx.ns[RTR_NS_USER].enabled;
	const char *instead = s->ext.rootfs.store ? "pull a flat bundle (rtr-pull without --store)"
						  : "run without --rm";
	char why[256];
	struct statfs sf;

	if (e == ENODEV)
		snprintf(why, sizeof(why),
			 "this kernel has no overlayfs (modprobe overlay, or "
			 "a kernel with CONFIG_OVERLAY_FS)");
	else if (e == EINVAL && st->upper >= 0 && fstatfs(st->upper, &sf) == 0 &&
		 sf.f_type == OVERLAYFS_SUPER_MAGIC) {
		snprintf(why, sizeof(why),
			 "%s is on overlayfs, which cannot hold the upper layer of another overlay",
			 st->upper_name);
		if (!s->ext.rootfs.ephemeral)
			instead = "run with --rm (its upper is a tmpfs), or pull a flat bundle "
				  "(rtr-pull without --store)";
	} else if (userns && (e == EPERM || e == EINVAL || e == EACCES))
		snprintf(why, sizeof(why),
			 "overlayfs refused the mount in the container's user namespace (it needs "
			 "Linux 5.11 or later there, and the namespace's root must reach %s)",
			 s->ext.rootfs.store ? "the layers and the bundle's upper/" : "the rootfs");
	else if (e == EINVAL)
		snprintf(why, sizeof(why),
			 "the kernel refused the overlay (its log, dmesg, names the cause: a layer "
			 "or upper on a filesystem without d_type or xattrs, or stacked too deep)");
	else
		snprintf(why, sizeof(why), "%s", strerror(e));
	return rtr_err_set(err, e, "rootfs: overlayfs of %zu layer%s on %s: %s; %s", st->n,
			   st->n == 1 ? "" : "s", c->rootfs, why, instead);
}

/* The mount itself, with /proc/self/fd as the working directory for the short names. */
static int mount_stack(const struct rtr_container *c, const struct stack *st, struct rtr_err *err)
{
	bool userns = c->spec->lx.ns[RTR_NS_USER].enabled;
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char data[OVL_DATA_MAX];
	int r = 0, e = 0;

	if (build_data(st, userns, data, sizeof(data)) < 0)
		return rtr_err_set(err, E2BIG,
				   "rootfs: %zu layers: the overlay's options exceed "
				   "the %d bytes mount(2) takes",
				   st->n, OVL_DATA_MAX);
	if (chdir("/proc/self/fd") < 0)
		return rtr_err_sys(err, errno, "rootfs: /proc/self/fd");
	r = mount("overlay", c->rootfs, "overlay", 0, data);
	if (r < 0)
		e = errno;
	if (cwd < 0 ? chdir("/") : fchdir(cwd))
		return rtr_err_sys(err, errno, "rootfs: back to the working directory");
	return e ? explain(c, st, e, err) : 0;
}

/* The lower layers, top-most first: with --rm or --read-only a store bundle's own upper
 * is the top one (the container as it is, its changes kept out of it), then the store's
 * layers; a flat bundle's rootfs alone. */
static int open_lowers(const struct rtr_container *c, struct stack *st, struct rtr_err *err)
{
	const struct rtr_spec *s = c->spec;
	const struct rtr_rootfs_layers *l = &s->ext.rootfs;
	char path[PATH_MAX];
	int r;

	if (!l->store) {
		r = open_dir(c->rootfs, &st->lower[0], "rootfs", err);
		st->n = r == 0;
		return r;
	}
	if (s->root_readonly || l->ephemeral) {
		snprintf(path, sizeof(path), "%s/upper", c->bundle);
		r = open_dir(path, &st->lower[0], "upper directory", err);
		if (r < 0)
			return r;
		st->n = 1;
	}
	return open_layers(l, st, err);
}

int overlay_mount(const struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_spec *s = c->spec;
	_cleanup_(stack_close) struct stack st = {.upper = -1, .work = -1};
	int r = open_lowers(c, &st, err);

	if (r < 0)
		return r;
	/* Read-only: the mount points rtr-run makes (/etc/hosts, a missing /proc, ...) go
	 * to a tmpfs too, and mount_pivot() makes the root read-only as for a flat bundle. */
	if (s->root_readonly || s->ext.rootfs.ephemeral)
		r = make_tmpfs_upper(c, &st, err);
	else
		r = open_bundle_upper(c, &st, err);
	return r < 0 ? r : mount_stack(c, &st, err);
}
