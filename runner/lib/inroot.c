/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paths inside a root directory, resolved the way the kernel's RESOLVE_IN_ROOT does it:
 * absolute symlinks and ".." stop at the root, so a hostile image cannot lead a mount, a
 * generated file or an unpacked entry to the host.
 *
 * openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS when the kernel has it (5.6+).
 * Else, or when RTR_COMPAT says no-openat2 (compat.h; the tests run both), a walk
 * with O_NOFOLLOW that follows symlinks by hand: ".." goes back to the directory fd the
 * walk came from (kept on a stack, so a directory renamed meanwhile cannot lead above the
 * root), an absolute target restarts at the root, and after RTR_INROOT_MAX_SYMLINK_HOPS
 * links the walk fails with ELOOP, as the kernel does after 40.
 *
 * Creating (mkdir -p) always takes the walk once openat2 says ENOENT: openat2 cannot
 * create, and the walk creates one name at a time in the directory it stands in, which
 * keeps creation inside the root.  It follows dangling symlinks like any other, so what it
 * creates is exactly where a later resolution of the same path looks.
 *
 * This is on rtr-pull's hot path (the parent directory of each tar entry that does not
 * share the previous entry's): with openat2 it costs one syscall.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "compat.h"
#include "config.h"
#include "inroot.h"
#include "util.h"

#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437 /* one number on every architecture since 5.1 (alpha aside) */
#endif

struct inroot_open_how {
	uint64_t flags, mode, resolve;
};

/* Cleared once the kernel answers ENOSYS.  The switch itself is read on every call (a
 * getenv is cheap next to the syscall) so that one test process can try both paths. */
static bool kernel_has_openat2 = true;

static bool openat2_wanted(void)
{
	return kernel_has_openat2 && !compat_disabled(COMPAT_OPENAT2);
}

static int open_in_root(int rootfd, const char *path, int oflags)
{
	struct inroot_open_how how = {.flags = (uint64_t)(oflags | O_CLOEXEC),
				      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	long fd;

	/* EAGAIN: a rename or mount elsewhere raced a ".." step; the kernel asks to retry. */
	for (int i = 0; i < 8; i++) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd < 0 ? -errno : (int)fd;
}

/* ---- the walk ---- */

struct walk {
	int rootfd;
	int cur; /* O_PATH fd of the directory reached so far */
	int *up; /* the directories above it, for ".." */
	size_t depth, cap;
	unsigned hops; /* symlinks followed */
	char *buf;     /* the path still to walk */
	char *rest;    /* where in @buf the walk is */
};

static void walk_done(struct walk *w)
{
	while (w->depth > 0)
		close(w->up[--w->depth]);
	free(w->up);
	if (w->cur >= 0)
		close(w->cur);
	free(w->buf);
}

static int walk_to_root(struct walk *w)
{
	int fd = openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (w->depth > 0)
		close(w->up[--w->depth]);
	if (w->cur >= 0)
		close(w->cur);
	w->cur = fd;
	return 0;
}

/* ".." at the root stays at the root. */
static void walk_up(struct walk *w)
{
	if (w->depth == 0)
		return;
	close(w->cur);
	w->cur = w->up[--w->depth];
}

/* Takes @fd (a directory below the current one) as the new current directory. */
static int walk_down(struct walk *w, int fd)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		int *up = realloc(w->up, cap * sizeof(*up));

		if (!up) {
			close(fd);
			return -ENOMEM;
		}
		w->up = up;
		w->cap = cap;
	}
	w->up[w->depth++] = w->cur;
	w->cur = fd;
	return 0;
}

/* Does @s hold nothing but slashes and "." components? */
static bool only_dots(const char *s)
{
	for (;;) {
		size_t n;

		s += strspn(s, "/");
		if (!*s)
			return true;
		n = strcspn(s, "/");
		if (n != 1 || s[0] != '.')
			return false;
		s += n;
	}
}

/* The next component, cut out of the path in place ("" and "." skipped); NULL at the
 * end.  @ret_last: nothing but "." components follow it. */
static char *walk_next(struct walk *w, bool *ret_last)
{
	char *comp, *end;

	do {
		w->rest += strspn(w->rest, "/");
		if (!*w->rest)
			return NULL;
		comp = w->rest;
		end = comp + strcspn(comp, "/");
		w->rest = *end ? end + 1 : end;
		*end = 0;
	} while (streq(comp, "."));
	*ret_last = only_dots(w->rest);
	return comp;
}

/* Continues the walk at the target of the symlink @linkfd, then with what followed the
 * link: from the directory the link is in, or from the root for an absolute target. */
static int walk_follow(struct walk *w, int linkfd)
{
	char target[PATH_MAX], *buf;
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target));
	int r;

	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = 0;
	if (++w->hops > RTR_INROOT_MAX_SYMLINK_HOPS)
		return -ELOOP;
	if (target[0] == '/' && (r = walk_to_root(w)) < 0)
		return r;
	buf = xasprintf("%s/%s", target, w->rest);
	if (!buf)
		return -ENOMEM;
	free(w->buf);
	w->buf = w->rest = buf;
	return 0;
}

/* O_PATH fd of @comp in the current directory, not followed; created when missing and
 * @create asks for it. */
static int walk_open(struct walk *w, const char *comp, enum inroot_create create, bool last)
{
	int fd = openat(w->cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT || create == INROOT_NO_CREATE)
		return -errno;
	if (last && create == INROOT_MKDIR_FILE) {
		fd = openat(w->cur, comp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd < 0 && errno != EEXIST)
			return -errno;
		if (fd >= 0)
			close(fd);
	} else if (mkdirat(w->cur, comp, 0755) < 0 && errno != EEXIST) {
		return -errno;
	}
	fd = openat(w->cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The caller's fd for the last component @comp of the current directory, which the walk
 * holds as @fd (O_PATH, not followed; a symlink only under O_NOFOLLOW). */
static int walk_last(struct walk *w, const char *comp, int *fd, const struct stat *st, int oflags,
		     int *ret_fd)
{
	int f;

	if (oflags & O_PATH) {
		if ((oflags & O_DIRECTORY) && !S_ISDIR(st->st_mode))
			return -ENOTDIR;
		*ret_fd = TAKE_FD(*fd);
		return 0;
	}
	if (S_ISLNK(st->st_mode))
		return -ELOOP;
	/* By name again, with O_NOFOLLOW: a symlink swapped in meanwhile fails, never leads
	 * out. */
	f = openat(w->cur, comp, oflags | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return -errno;
	*ret_fd = f;
	return 0;
}

/* RESOLVE_IN_ROOT by hand, for kernels before 5.6 and for creating. */
static int walk(int rootfd, const char *path, int oflags, enum inroot_create create, int *ret_fd)
{
	_cleanup_(walk_done) struct walk w = {.rootfd = rootfd, .cur = -1};
	char *comp;
	bool last;
	int r;

	w.buf = w.rest = strdup(path);
	if (!w.buf)
		return -ENOMEM;
	r = walk_to_root(&w);
	if (r < 0)
		return r;
	while ((comp = walk_next(&w, &last))) {
		_cleanup_close_ int fd = -1;
		struct stat st;

		if (streq(comp, "..")) {
			walk_up(&w);
			continue;
		}
		fd = walk_open(&w, comp, create, last);
		if (fd < 0)
			return fd;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode) && !(last && (oflags & O_NOFOLLOW))) {
			r = walk_follow(&w, fd);
			if (r < 0)
				return r;
			continue;
		}
		if (last)
			return walk_last(&w, comp, &fd, &st, oflags, ret_fd);
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		r = walk_down(&w, TAKE_FD(fd));
		if (r < 0)
			return r;
	}
	/* The path ends in a directory the walk stands in: "", "/", "a/..". */
	if (oflags & O_PATH) {
		*ret_fd = TAKE_FD(w.cur);
		return 0;
	}
	r = openat(w.cur, ".", oflags | O_CLOEXEC);
	if (r < 0)
		return -errno;
	*ret_fd = r;
	return 0;
}

int inroot_openat(int rootfd, const char *path, int oflags, enum inroot_create create, int *ret_fd)
{
	int fd;

	if (oflags & O_CREAT)
		return -EINVAL;
	if (!path[0])
		path = "."; /* openat2 wants a name */
	if (openat2_wanted()) {
		fd = open_in_root(rootfd, path, oflags);
		if (fd >= 0) {
			*ret_fd = fd;
			return 0;
		}
		if (fd == -ENOSYS)
			kernel_has_openat2 = false;
		else if (fd != -ENOENT || create == INROOT_NO_CREATE)
			return fd;
	}
	return walk(rootfd, path, oflags, create, ret_fd);
}
