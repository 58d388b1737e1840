/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "config.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/inroot.h"
#include "runner/lib/util.h"
#include "unpack.h"

volatile sig_atomic_t unpack_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	unpack_interrupted = 1;
}

int unpack_signals_install(void)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	return 0;
}

struct dirtime {
	char *path;
	int64_t sec;
	uint32_t nsec;
};

struct unpack {
	int root;
	struct unpack_opts *o;
	bool is_root;

	/* current entry */
	int fd;	       /* regular file being written */
	bool skip;     /* data of this entry is swallowed */
	uint64_t left; /* content bytes still expected */
	char *cur;     /* cleaned path, for messages */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int64_t mtime;
	uint32_t mtime_nsec;
	struct unpack_xattr *xattrs;
	size_t n_xattrs;

	/* The parent directory of the last entry, kept while entries stay in it (tar
	 * order makes that the common case).  Entries whose parent is this exact path only
	 * change its children, never the path itself; any other entry re-resolves. */
	int pcache_fd;
	char *pcache_dir;

	/* per layer: hashes of the paths this layer created (for opaque whiteouts) */
	uint64_t *set;
	size_t set_cap, set_n;
	uint64_t *pset; /* parents whose times were noted */
	size_t pset_cap, pset_n;
	struct dirtime *dirs;
	size_t n_dirs;
};

static void xattrs_free(struct unpack *u);

static void pcache_drop(struct unpack *u)
{
	if (u->pcache_fd >= 0)
		close(u->pcache_fd);
	u->pcache_fd = -1;
	free(u->pcache_dir);
	u->pcache_dir = NULL;
}

/* ---- small helpers ---- */

static uint64_t hash_path(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h ? h : 1;
}

/* Open-addressing sets of path hashes (a collision costs at most a missed opaque
 * removal or a directory time; 64-bit FNV makes that practically impossible). */
static int hset_grow(uint64_t **set, size_t *cap_p)
{
	size_t cap = *cap_p ? *cap_p * 2 : 1024;
	uint64_t *n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < *cap_p; i++) {
		if (!(*set)[i])
			continue;
		size_t j = (*set)[i] & (cap - 1);
		while (n[j])
			j = (j + 1) & (cap - 1);
		n[j] = (*set)[i];
	}
	free(*set);
	*set = n;
	*cap_p = cap;
	return 0;
}

/* 1 added, 0 already there */
static int hset_add(uint64_t **set, size_t *cap, size_t *n, const char *path)
{
	uint64_t h = hash_path(path, strlen(path));
	size_t j;
	if ((*n + 1) * 2 > *cap) {
		int r = hset_grow(set, cap);
		if (r < 0)
			return r;
	}
	j = h & (*cap - 1);
	while ((*set)[j]) {
		if ((*set)[j] == h)
			return 0;
		j = (j + 1) & (*cap - 1);
	}
	(*set)[j] = h;
	(*n)++;
	return 1;
}

static bool hset_has(const uint64_t *set, size_t cap, const char *path)
{
	uint64_t h = hash_path(path, strlen(path));
	if (!cap)
		return false;
	for (size_t j = h & (cap - 1); set[j]; j = (j + 1) & (cap - 1))
		if (set[j] == h)
			return true;
	return false;
}

static int set_add(struct unpack *u, const char *path)
{
	int r = hset_add(&u->set, &u->set_cap, &u->set_n, path);
	return r < 0 ? r : 0;
}

static bool set_has(const struct unpack *u, const char *path)
{
	return hset_has(u->set, u->set_cap, path);
}

static int dirs_push(struct unpack *u, const char *path, int64_t sec, uint32_t nsec)
{
	struct dirtime *dt = realloc(u->dirs, (u->n_dirs + 1) * sizeof(*dt));
	if (!dt)
		return -ENOMEM;
	u->dirs = dt;
	dt[u->n_dirs].path = strdup(path);
	if (!dt[u->n_dirs].path)
		return -ENOMEM;
	dt[u->n_dirs].sec = sec;
	dt[u->n_dirs].nsec = nsec;
	u->n_dirs++;
	return 0;
}

/* An entry is about to change directory @dir (open as @pfd): remember its mtime so the
 * end of the layer restores it, as umoci and Docker do.  Directories this layer
 * created carry their own time from the header. */
static int note_parent(struct unpack *u, const char *dir, int pfd)
{
	struct stat st;
	int r;
	if (set_has(u, dir))
		return 0;
	r = hset_add(&u->pset, &u->pset_cap, &u->pset_n, dir);
	if (r <= 0)
		return r;
	if (fstat(pfd, &st) < 0)
		return 0;
	return dirs_push(u, dir, st.st_mtim.tv_sec, (uint32_t)st.st_mtim.tv_nsec);
}

static void warn(struct unpack *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct unpack *u, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	u->o->warnings++;
	if (!u->o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	u->o->warn(u->o->userdata, buf);
}

/*
 * Clean an archive path: drop leading "/" and "./", empty and "." components; refuse ".."
 * components (no legitimate layer has them, and refusing is clearer than clamping).
 * Returns a new string, "" for the root itself.
 */
static int clean_path(const char *in, char **ret)
{
	size_t n = strlen(in);
	char *out = malloc(n + 1), *o = out;
	const char *p = in;

	if (!out)
		return -ENOMEM;
	while (*p) {
		const char *s;
		size_t l;
		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		l = p - s;
		if (l == 0 || (l == 1 && s[0] == '.'))
			continue;
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			free(out);
			return -EPERM;
		}
		if (l > NAME_MAX) {
			free(out);
			return -ENAMETOOLONG;
		}
		if (o != out)
			*o++ = '/';
		memcpy(o, s, l);
		o += l;
	}
	*o = 0;
	*ret = out;
	return 0;
}

/* O_PATH fd of directory @path (cleaned, "" = root) resolved inside @root; @create makes
 * what is missing, through dangling symlinks inside the root too. */
static int open_dir_in_root(int root, const char *path, bool create)
{
	int fd = -1;
	int r = inroot_openat(root, path, O_PATH | O_DIRECTORY,
			      create ? INROOT_MKDIR : INROOT_NO_CREATE, &fd);
	return r < 0 ? r : fd;
}

int unpack_open_in_root(int rootfs_fd, const char *path, int flags, struct rtr_err *err)
{
	int fd = -1;
	int r = inroot_openat(rootfs_fd, path, flags, INROOT_NO_CREATE, &fd);

	if (r < 0)
		return rtr_err_sys(err, -r, "%s", path);
	return fd;
}

/* In one layer: does component @name of directory @pfd exist (1), not exist (0), or
 * hide the layers below at and under it (-1: a whiteout, or an opaque directory when
 * @opaque_counts)? */
static int layer_component(int pfd, const char *name, bool opaque_counts)
{
	_cleanup_close_ int dfd = -1;
	struct stat st;
	char v[2];

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
		return -1;
	if (!opaque_counts || !S_ISDIR(st.st_mode))
		return 1;
	dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0 && fgetxattr(dfd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y')
		return -1;
	return 1;
}

/* Layer @fd's part in @path (cleaned; cut in place at each '/' and restored): 1 it has it,
 * 0 it has not, -1 it has not and hides the layers below. */
static int layer_has(int fd, char *path)
{
	bool hides = false;

	for (char *p = path;;) {
		_cleanup_close_ int pfd = -1;
		char *slash = strchr(p, '/');
		int r;

		/* path becomes p's parent, p its own name, for this step */
		if (p != path)
			p[-1] = 0;
		if (slash)
			*slash = 0;
		r = inroot_openat(fd, p == path ? "" : path, O_PATH | O_DIRECTORY, INROOT_NO_CREATE,
				  &pfd);
		r = r < 0 ? 0 : layer_component(pfd, p, slash != NULL);
		if (p != path)
			p[-1] = '/';
		if (slash)
			*slash = '/';
		if (r < 0 && !slash)
			return -1;
		if (r < 0)
			hides = true; /* an opaque ancestor: this layer may still have the file */
		if (r == 0)
			return hides ? -1 : 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

int unpack_open_in_layers(const int *layer_fds, size_t n, const char *path, int flags,
			  struct rtr_err *err)
{
	_cleanup_free_ char *clean = NULL;
	int r;

	r = clean_path(path, &clean);
	if (r < 0 || !clean[0])
		return rtr_err_set(err, EINVAL, "%s: not a file path", path);
	for (size_t i = n; i-- > 0;) {
		r = layer_has(layer_fds[i], clean);
		if (r > 0)
			return unpack_open_in_root(layer_fds[i], clean, flags, err);
		if (r < 0)
			break;
	}
	return rtr_err_sys(err, ENOENT, "%s", path);
}

/* Remove @name below @dirfd, recursing into directories without following symlinks. */
static int rm_rf_at(int dfd, const char *name, int depth)
{
	_cleanup_close_ int fd = -1;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	if (depth > PATH_MAX / 2)
		return -ELOOP;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d)
		return -errno;
	fd = -1;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		r = rm_rf_at(dirfd(d), de->d_name, depth + 1);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int unpack_rm_rf_at(int dirfd, const char *name)
{
	return rm_rf_at(dirfd, name, 0);
}

/* ---- lifecycle ---- */

/*
 * --userns-shift, once per image (the root still has the owner mkdir gave it; a shift is
 * never 0): the rootfs goes to the shifted root, and the bundle directory around it (0700,
 * host root's) lets the shifted root's group through (0710): the container's root binds
 * its rootfs from inside its user namespace.  Nobody else gets in.
 */
static int shift_root(int rootfs_fd, uint32_t shift)
{
	_cleanup_close_ int up = -1;
	struct stat st;

	if (fstat(rootfs_fd, &st) < 0)
		return -errno;
	if (st.st_uid != 0 || st.st_gid != 0)
		return 0;
	if (fchown(rootfs_fd, shift, shift) < 0)
		return -errno;
	up = openat(rootfs_fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (up < 0 || fchown(up, (uid_t)-1, shift) < 0 || fchmod(up, 0710) < 0)
		return -errno;
	return 0;
}

int unpack_new(struct unpack **ret, int rootfs_fd, struct unpack_opts *opts)
{
	struct unpack *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->root = rootfs_fd;
	u->o = opts;
	u->fd = -1;
	u->pcache_fd = -1;
	u->is_root = geteuid() == 0;
	if (opts->id_shift) {
		int r = shift_root(rootfs_fd, opts->id_shift);
		if (r < 0) {
			free(u);
			return r;
		}
	}
	if (!opts->max_bytes)
		opts->max_bytes = RTR_PULL_MAX_UNPACKED_BYTES;
	if (!opts->max_entries)
		opts->max_entries = RTR_PULL_MAX_ENTRIES;
	*ret = u;
	return 0;
}

static void dirs_clear(struct unpack *u)
{
	for (size_t i = 0; i < u->n_dirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	u->dirs = NULL;
	u->n_dirs = 0;
}

void unpack_free(struct unpack *u)
{
	if (!u)
		return;
	if (u->fd >= 0)
		close(u->fd);
	free(u->cur);
	free(u->set);
	free(u->pset);
	xattrs_free(u);
	pcache_drop(u);
	dirs_clear(u);
	free(u);
}

/* ---- applying entries ---- */

static int fail(struct unpack *u, struct rtr_err *err, int r, const char *what)
{
	return rtr_err_sys(err, -r, "%s: %s", u->cur && u->cur[0] ? u->cur : "/", what);
}

/* Extended attributes an image may set: user.* and file capabilities.  trusted.* and
 * user.overlay.* (overlayfs's own, which would make a directory opaque or redirect
 * lookups once a store layer or a flat rootfs is stacked as an overlay lower layer),
 * security.selinux and system.* are the host's business. */
static bool xattr_allowed(const char *name)
{
	return (startswith(name, "user.") && !startswith(name, "user.overlay.")) ||
	       streq(name, "security.capability");
}

static int set_xattrs(struct unpack *u, int fd, const struct unpack_xattr *x, size_t n,
		      struct rtr_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!xattr_allowed(x[i].name)) {
			warn(u,
			     "%s: extended attribute %s skipped (only user.* and "
			     "security.capability)",
			     u->cur, x[i].name);
			continue;
		}
		if (fsetxattr(fd, x[i].name, x[i].value, x[i].len, 0) < 0) {
			if (errno != ENOTSUP && errno != EPERM && errno != EOPNOTSUPP &&
			    errno != EINVAL)
				return fail(u, err, -errno, "setting an extended attribute");
			warn(u, "%s: extended attribute not supported here, skipped", u->cur);
		}
	}
	return 0;
}

/* Ownership, mode, xattrs and times on an open fd (not O_PATH).  Order matters: chown
 * clears setuid/setgid and file capabilities, so mode and xattrs come after it. */
static int set_meta_fd(struct unpack *u, int fd, const struct unpack_entry *e, bool times,
		       struct rtr_err *err)
{
	int r;
	if (fchown(fd, e->uid, e->gid) < 0 && (u->is_root || errno != EPERM))
		return fail(u, err, -errno, "chown");
	if (fchmod(fd, e->mode & 07777) < 0)
		return fail(u, err, -errno, "chmod");
	r = set_xattrs(u, fd, e->xattrs, e->n_xattrs, err);
	if (r < 0)
		return r;
	if (times) {
		struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
					 {.tv_sec = e->mtime, .tv_nsec = e->mtime_nsec}};
		if (futimens(fd, ts) < 0)
			return fail(u, err, -errno, "setting times");
	}
	return 0;
}

static void xattrs_free(struct unpack *u)
{
	for (size_t i = 0; i < u->n_xattrs; i++) {
		free(u->xattrs[i].name);
		free(u->xattrs[i].value);
	}
	free(u->xattrs);
	u->xattrs = NULL;
	u->n_xattrs = 0;
}

/* Keep a regular file's xattrs until its data is written (a write drops file caps). */
static int xattrs_keep(struct unpack *u, const struct unpack_entry *e)
{
	xattrs_free(u);
	if (!e->n_xattrs)
		return 0;
	u->xattrs = calloc(e->n_xattrs, sizeof(*u->xattrs));
	if (!u->xattrs)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_xattrs; i++) {
		u->xattrs[i].name = strdup(e->xattrs[i].name);
		u->xattrs[i].value = malloc(e->xattrs[i].len + 1);
		u->n_xattrs = i + 1;
		if (!u->xattrs[i].name || !u->xattrs[i].value)
			return -ENOMEM;
		memcpy(u->xattrs[i].value, e->xattrs[i].value, e->xattrs[i].len);
		u->xattrs[i].len = e->xattrs[i].len;
	}
	return 0;
}

/* Make room for a new entry at @base: remove what is there unless both are dirs.
 * Returns 1 when an existing directory is to be kept. */
static int clear_target(struct unpack *u, int pfd, const char *base, bool new_is_dir,
			struct rtr_err *err)
{
	struct stat st;
	int r;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return fail(u, err, -errno, "stat");
	}
	if (new_is_dir && S_ISDIR(st.st_mode))
		return 1;
	r = rm_rf_at(pfd, base, 0);
	if (r < 0)
		return fail(u, err, r, "removing the previous entry");
	return 0;
}

static void split(char *path, char **dir, char **base)
{
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = 0;
		*dir = path;
		*base = slash + 1;
	} else {
		*dir = (char *)"";
		*base = path;
	}
}

static int whiteout(struct unpack *u, const char *dir, const char *base, struct rtr_err *err)
{
	_cleanup_close_ int pfd = -1;
	int r;

	pfd = open_dir_in_root(u->root, dir, false);
	if (pfd == -ENOENT || pfd == -ENOTDIR)
		return 0; /* nothing to remove */
	if (pfd < 0)
		return fail(u, err, pfd, "resolving the whiteout's directory");
	if (note_parent(u, dir, pfd) < 0)
		return rtr_err_set(err, ENOMEM, "out of memory");

	if (streq(base, ".wh..wh..opq")) {
		/* Opaque: remove what earlier layers put in @dir, keep this layer's. */
		_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d;
		struct dirent *de;
		if (dfd < 0)
			return fail(u, err, -errno, "opening the opaque directory");
		d = fdopendir(dfd);
		if (!d)
			return fail(u, err, -errno, "reading the opaque directory");
		dfd = -1;
		r = 0;
		while ((de = readdir(d))) {
			_cleanup_free_ char *child = NULL;
			if (streq(de->d_name, ".") || streq(de->d_name, ".."))
				continue;
			child = dir[0] ? xasprintf("%s/%s", dir, de->d_name) : strdup(de->d_name);
			if (!child) {
				r = -ENOMEM;
				break;
			}
			if (set_has(u, child))
				continue;
			r = rm_rf_at(dirfd(d), de->d_name, 0);
			if (r < 0)
				break;
		}
		closedir(d);
		return r < 0 ? fail(u, err, r, "applying the opaque whiteout") : 0;
	}
	base += strlen(".wh.");
	if (!base[0] || streq(base, ".") || streq(base, ".."))
		return rtr_err_set(err, EPERM, "%s: invalid whiteout", u->cur);
	r = rm_rf_at(pfd, base, 0);
	return r < 0 ? fail(u, err, r, "applying the whiteout") : 0;
}

/* Cleans @e's path into u->cur and counts the entry against the limits. */
static int entry_start(struct unpack *u, const struct unpack_entry *e, struct rtr_err *err)
{
	int r;

	free(u->cur);
	u->cur = NULL;
	u->skip = false;
	u->left = e->type == UNPACK_REG ? e->size : 0;
	r = clean_path(e->path, &u->cur);
	if (r < 0) {
		char p[128];
		snprintf(p, sizeof(p), "%.100s", e->path);
		return rtr_err_set(err, -r, "%s: %s", p,
				   r == -EPERM ? "path leaves the root (\"..\"), refused"
					       : strerror(-r));
	}
	if (++u->o->entries > u->o->max_entries)
		return rtr_err_set(err, EFBIG, "%s: more than %llu entries, refusing", u->cur,
				   (unsigned long long)u->o->max_entries);
	if (e->type == UNPACK_REG && e->size > u->o->max_bytes - u->o->bytes)
		return rtr_err_set(err, EFBIG,
				   "%s: unpacked size would exceed the limit of %llu bytes", u->cur,
				   (unsigned long long)u->o->max_bytes);
	return 0;
}

/* The root itself ("./"): take its metadata, nothing else. */
static int root_entry(struct unpack *u, const struct unpack_entry *e, struct rtr_err *err)
{
	_cleanup_close_ int rfd = -1;

	if (e->type != UNPACK_DIR)
		return rtr_err_set(err, EPERM, "/: a non-directory for the root, refused");
	rfd = openat(u->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return fail(u, err, -errno, "open");
	return set_meta_fd(u, rfd, e, false, err);
}

/*
 * A store layer: the missing directories of @dir (all of it is missing or only a part)
 * are made with the owner, mode and time the layers below give them, as overlayfs's
 * copy-up would, so the layer does not change them in the stack.  Times are restored at
 * the end of the layer (creating children changes them).
 */
static int parents_like_lower(struct unpack *u, const char *dir)
{
	_cleanup_free_ char *p = strdup(dir);

	if (!p)
		return -ENOMEM;
	for (char *s = p;; s++) {
		_cleanup_close_ int fd = -1, low = -1, rd = -1;
		struct stat st;
		bool last = !*s;

		if (*s && *s != '/')
			continue;
		*s = 0;
		fd = open_dir_in_root(u->root, p, false);
		if (fd == -ENOENT) {
			fd = open_dir_in_root(u->root, p, true);
			low = unpack_open_in_layers(u->o->lower_fds, u->o->n_lower, p,
						    O_RDONLY | O_DIRECTORY, NULL);
			rd = fd >= 0 ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
			if (low >= 0 && rd >= 0 && fstat(low, &st) == 0) {
				if (fchown(rd, st.st_uid, st.st_gid) < 0 ||
				    fchmod(rd, st.st_mode & 07777) < 0)
					return -errno;
				(void)futimens(
				    rd, (struct timespec[]){{.tv_nsec = UTIME_OMIT}, st.st_mtim});
				if (dirs_push(u, p, st.st_mtim.tv_sec,
					      (uint32_t)st.st_mtim.tv_nsec) < 0)
					return -ENOMEM;
			}
		}
		if (fd < 0)
			return fd;
		if (last)
			return 0;
		*s = '/';
	}
}

/* The directory @dir an entry goes into, created as needed: the cached fd while entries
 * stay in one directory, else resolved inside the root.  The fd stays the cache's. */
static int parent_dir(struct unpack *u, const char *dir, struct rtr_err *err)
{
	int pfd;

	if (u->pcache_fd >= 0 && streq(u->pcache_dir, dir))
		return u->pcache_fd;
	pcache_drop(u);
	pfd = open_dir_in_root(u->root, dir, !u->o->n_lower);
	if (pfd == -ENOENT) {
		pfd = parents_like_lower(u, dir);
		if (pfd >= 0)
			pfd = open_dir_in_root(u->root, dir, true);
	}
	if (pfd < 0)
		return fail(u, err, pfd, "resolving the parent directory");
	u->pcache_dir = strdup(dir);
	if (!u->pcache_dir) {
		close(pfd);
		return rtr_err_set(err, ENOMEM, "out of memory");
	}
	u->pcache_fd = pfd;
	return pfd;
}

/*
 * A whiteout in overlayfs form (a store layer): the layer keeps it instead of applying it.
 * ".wh..wh..opq" marks its directory opaque; ".wh.NAME" becomes NAME, a 0/0 character
 * device (what overlayfs itself writes; the kernel lets anyone make one since 5.8).  Its
 * directory is made when missing, inside the layer like any entry's, or the whiteout
 * could not hide what a lower layer has there.
 */
static int whiteout_overlay(struct unpack *u, const char *dir, const char *base,
			    struct rtr_err *err)
{
	_cleanup_close_ int dfd = -1;
	int pfd, r;

	pfd = parent_dir(u, dir, err);
	if (pfd < 0)
		return pfd;
	if (note_parent(u, dir, pfd) < 0)
		return rtr_err_set(err, ENOMEM, "out of memory");
	if (streq(base, ".wh..wh..opq")) {
		dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return fail(u, err, -errno, "opening the opaque directory");
		if (fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return fail(u, err, -errno, "marking the directory opaque");
		return 0;
	}
	base += strlen(".wh.");
	if (!base[0] || streq(base, ".") || streq(base, ".."))
		return rtr_err_set(err, EPERM, "%s: invalid whiteout", u->cur);
	r = clear_target(u, pfd, base, false, err);
	if (r < 0)
		return r;
	if (mknodat(pfd, base, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return fail(u, err, -errno, "making the whiteout");
	return 0;
}

/* A regular file: created here, written by unpack_data(), finished by unpack_finish(). */
static int make_reg(struct unpack *u, int pfd, const char *base, const struct unpack_entry *e,
		    struct rtr_err *err)
{
	const int fl = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	/* create first, clear only when something is in the way: one syscall less for the
	 * common fresh file */
	int fd = openat(pfd, base, fl, 0600), r;

	if (fd < 0 && errno == EEXIST) {
		r = clear_target(u, pfd, base, false, err);
		if (r < 0)
			return r;
		fd = openat(pfd, base, fl, 0600);
	}
	if (fd < 0)
		return fail(u, err, -errno, "create");
	u->fd = fd;
	u->mode = e->mode;
	u->uid = e->uid;
	u->gid = e->gid;
	u->mtime = e->mtime;
	u->mtime_nsec = e->mtime_nsec;
	/* the tar reader lends xattrs for this call only */
	if (xattrs_keep(u, e) < 0)
		return rtr_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int make_dir(struct unpack *u, int pfd, const char *base, const struct unpack_entry *e,
		    bool keep, struct rtr_err *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (!keep && mkdirat(pfd, base, 0700) < 0)
		return fail(u, err, -errno, "mkdir");
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(u, err, -errno, "open");
	r = set_meta_fd(u, fd, e, false, err);
	if (r < 0)
		return r;
	/* times last, after the children are in (they change the mtime) */
	if (dirs_push(u, u->cur, e->mtime, e->mtime_nsec) < 0)
		return rtr_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int make_symlink(struct unpack *u, int pfd, const char *base, const struct unpack_entry *e,
			struct rtr_err *err)
{
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
				 {.tv_sec = e->mtime, .tv_nsec = e->mtime_nsec}};

	if (symlinkat(e->linkname, pfd, base) < 0)
		return fail(u, err, -errno, "symlink");
	if (fchownat(pfd, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    (u->is_root || errno != EPERM))
		return fail(u, err, -errno, "chown");
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, err, -errno, "setting times");
	return 0;
}

/* Copies what is left of @in to @out. */
static int copy_data(int in, int out)
{
	char buf[65536];
	ssize_t k;

	while ((k = read(in, buf, sizeof(buf))) != 0) {
		if (k < 0 && errno == EINTR && !unpack_interrupted)
			continue;
		if (k < 0 || write_all(out, buf, (size_t)k) < 0)
			return -errno;
	}
	return 0;
}

/* The extended attributes an image may set (xattr_allowed()), from @in onto @out. */
static void copy_xattrs(int in, int out)
{
	char names[4096], val[4096];
	ssize_t n = flistxattr(in, names, sizeof(names));

	for (char *p = names; n > 0 && p < names + n; p += strlen(p) + 1) {
		ssize_t v = xattr_allowed(p) ? fgetxattr(in, p, val, sizeof(val)) : -1;
		if (v >= 0)
			(void)fsetxattr(out, p, val, (size_t)v, 0);
	}
}

/*
 * Copy-up, as overlayfs does before it links: regular file @dir/@base as the layers below
 * show it becomes this layer's, with its owner, mode, times and allowed xattrs (missing
 * parents as the layers below have them).  Then a hard link to it stays in the layer.
 */
static int copy_up(struct unpack *u, const char *dir, const char *base, struct rtr_err *err)
{
	_cleanup_free_ char *path = dir[0] ? xasprintf("%s/%s", dir, base) : strdup(base);
	_cleanup_close_ int in = -1, out = -1, pfd = -1;
	struct stat st;
	int r;

	if (!path)
		return -ENOMEM;
	in = unpack_open_in_layers(u->o->lower_fds, u->o->n_lower, path, O_RDONLY | O_NOFOLLOW,
				   NULL);
	if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
		return fail(u, err, in < 0 ? in : -EPERM, "hard link target");
	pfd = open_dir_in_root(u->root, dir, false);
	if (pfd == -ENOENT && (pfd = parents_like_lower(u, dir)) >= 0)
		pfd = open_dir_in_root(u->root, dir, false);
	if (pfd < 0)
		return fail(u, err, pfd, "resolving the hard link target's directory");
	out = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return fail(u, err, -errno, "copying up the hard link target");
	r = copy_data(in, out);
	if (r < 0)
		return fail(u, err, r, "copying up the hard link target");
	if (fchown(out, st.st_uid, st.st_gid) < 0 && (u->is_root || errno != EPERM))
		return fail(u, err, -errno, "chown");
	if (fchmod(out, st.st_mode & 07777) < 0 ||
	    futimens(out, (struct timespec[]){st.st_atim, st.st_mtim}) < 0)
		return fail(u, err, -errno, "copying up the hard link target");
	copy_xattrs(in, out);
	return 0;
}

/* Only to a regular file (or node) already inside the root, never a directory; in a
 * store layer, to one of the layers below after copying it up. */
static int make_hardlink(struct unpack *u, int pfd, const char *base, const struct unpack_entry *e,
			 struct rtr_err *err)
{
	_cleanup_free_ char *t = NULL;
	_cleanup_close_ int tfd = -1;
	char *tdir, *tbase;
	struct stat st;

	if (clean_path(e->linkname, &t) < 0)
		return rtr_err_set(err, EPERM, "%s: hard link target leaves the root, refused",
				   u->cur);
	split(t, &tdir, &tbase);
	if (!tbase[0])
		return rtr_err_set(err, EPERM, "%s: hard link to the root, refused", u->cur);
	tfd = open_dir_in_root(u->root, tdir, false);
	if (u->o->n_lower &&
	    (tfd == -ENOENT ||
	     (tfd >= 0 && fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT))) {
		int r = copy_up(u, tdir, tbase, err);
		if (r < 0)
			return r;
		if (tfd < 0)
			tfd = open_dir_in_root(u->root, tdir, false);
	}
	if (tfd < 0)
		return fail(u, err, tfd, "resolving the hard link target");
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, err, -errno, "hard link target");
	if (S_ISDIR(st.st_mode))
		return rtr_err_set(err, EPERM, "%s: hard link to a directory, refused", u->cur);
	if (linkat(tfd, tbase, pfd, base, 0) < 0)
		return fail(u, err, -errno, "link");
	return 0;
}

/* Character and block devices, FIFOs. */
static int make_node(struct unpack *u, int pfd, const char *base, const struct unpack_entry *e,
		     struct rtr_err *err)
{
	mode_t t = e->type == UNPACK_CHAR ? S_IFCHR : e->type == UNPACK_BLOCK ? S_IFBLK : S_IFIFO;
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
				 {.tv_sec = e->mtime, .tv_nsec = e->mtime_nsec}};
	_cleanup_close_ int fd = -1;

	if (mknodat(pfd, base, t | 0600, e->type == UNPACK_FIFO ? 0 : e->rdev) < 0)
		return fail(u, err, -errno, "mknod");
	fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(u, err, -errno, "open");
	if (fchownat(fd, "", e->uid, e->gid, AT_EMPTY_PATH) < 0 && (u->is_root || errno != EPERM))
		return fail(u, err, -errno, "chown");
	if (fchmodat(pfd, base, e->mode & 07777, 0) < 0)
		return fail(u, err, -errno, "chmod");
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, err, -errno, "setting times");
	return 0;
}

/* --userns-shift: @e with its owners moved up by the shift, in @ret; an owner that would
 * pass the largest valid id (2^32-2) is refused. */
static int shift_ids(const struct unpack *u, const struct unpack_entry *e, struct unpack_entry *ret,
		     struct rtr_err *err)
{
	uint64_t s = u->o->id_shift;

	*ret = *e;
	if (!s)
		return 0;
	if (e->uid + s > UINT32_MAX - 1 || e->gid + s > UINT32_MAX - 1)
		return rtr_err_set(
		    err, ERANGE, "%.100s: owner %u:%u plus --userns-shift %u passes %u", e->path,
		    (unsigned)e->uid, (unsigned)e->gid, u->o->id_shift, UINT32_MAX - 1);
	ret->uid = (uid_t)(e->uid + s);
	ret->gid = (gid_t)(e->gid + s);
	return 0;
}

int unpack_begin(struct unpack *u, const struct unpack_entry *e, struct rtr_err *err)
{
	_cleanup_free_ char *path = NULL;
	struct unpack_entry shifted;
	char *dir, *base;
	bool keep_dir = false;
	int pfd, r;

	if (unpack_interrupted)
		return rtr_err_set(err, EINTR, "interrupted");
	r = shift_ids(u, e, &shifted, err);
	if (r < 0)
		return r;
	e = &shifted;
	r = entry_start(u, e, err);
	if (r < 0)
		return r;
	path = strdup(u->cur);
	if (!path)
		return -ENOMEM;
	split(path, &dir, &base);
	if (!base[0])
		return root_entry(u, e, err);
	if (startswith(base, ".wh.")) {
		u->skip = true;
		if (u->o->overlay_whiteouts)
			return whiteout_overlay(u, dir, base, err);
		pcache_drop(u); /* it may remove an ancestor of the cached directory */
		return whiteout(u, dir, base, err);
	}
	if ((e->type == UNPACK_CHAR || e->type == UNPACK_BLOCK) && !u->o->allow_devices) {
		warn(u, "%s: device node skipped (use --allow-devices)", u->cur);
		u->skip = true;
		return 0;
	}

	pfd = parent_dir(u, dir, err);
	if (pfd < 0)
		return pfd;
	if (note_parent(u, dir, pfd) < 0)
		return rtr_err_set(err, ENOMEM, "out of memory");
	if (e->type != UNPACK_REG) {
		r = clear_target(u, pfd, base, e->type == UNPACK_DIR, err);
		if (r < 0)
			return r;
		keep_dir = r == 1;
	}
	if (set_add(u, u->cur) < 0)
		return rtr_err_set(err, ENOMEM, "out of memory");

	switch (e->type) {
	case UNPACK_REG:
		return make_reg(u, pfd, base, e, err);
	case UNPACK_DIR:
		return make_dir(u, pfd, base, e, keep_dir, err);
	case UNPACK_SYMLINK:
		return make_symlink(u, pfd, base, e, err);
	case UNPACK_HARDLINK:
		return make_hardlink(u, pfd, base, e, err);
	case UNPACK_CHAR:
	case UNPACK_BLOCK:
	case UNPACK_FIFO:
		return make_node(u, pfd, base, e, err);
	}
	return 0;
}

int unpack_data(struct unpack *u, const void *buf, size_t len, struct rtr_err *err)
{
	const char *p = buf;
	if (len > u->left)
		return rtr_err_set(err, EINVAL, "%s: more data than the entry's size", u->cur);
	u->left -= len;
	u->o->bytes += len;
	if (u->skip || u->fd < 0)
		return 0;
	while (len > 0) {
		ssize_t n = write(u->fd, p, len);
		if (n < 0) {
			if (errno == EINTR && !unpack_interrupted)
				continue;
			return fail(u, err, -errno, "write");
		}
		p += n;
		len -= n;
	}
	return 0;
}

int unpack_finish(struct unpack *u, struct rtr_err *err)
{
	int r = 0;
	if (u->fd >= 0) {
		struct unpack_entry e = {.xattrs = u->xattrs,
					 .n_xattrs = u->n_xattrs,
					 .mode = u->mode,
					 .uid = u->uid,
					 .gid = u->gid,
					 .mtime = u->mtime,
					 .mtime_nsec = u->mtime_nsec};
		if (u->left)
			r = rtr_err_set(err, EBADMSG, "%s: truncated", u->cur);
		else
			r = set_meta_fd(u, u->fd, &e, true, err);
		close(u->fd);
		u->fd = -1;
	}
	return r;
}

int unpack_end_layer(struct unpack *u, struct rtr_err *err)
{
	/* deepest first does not matter: setting a dir's times touches no parent */
	for (size_t i = 0; i < u->n_dirs; i++) {
		struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
					 {.tv_sec = u->dirs[i].sec, .tv_nsec = u->dirs[i].nsec}};
		char *dir, *base;
		_cleanup_close_ int pfd = -1;
		split(u->dirs[i].path, &dir, &base);
		pfd = open_dir_in_root(u->root, dir, false);
		if (pfd < 0)
			continue; /* removed by a later entry */
		(void)utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
	}
	pcache_drop(u);
	dirs_clear(u);
	free(u->set);
	u->set = NULL;
	u->set_cap = u->set_n = 0;
	free(u->pset);
	u->pset = NULL;
	u->pset_cap = u->pset_n = 0;
	return 0;
}
