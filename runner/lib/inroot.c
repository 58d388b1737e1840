/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paths inside a root directory, resolved the way the kernel's RESOLVE_IN_ROOT does it:
 * absolute symlinks and ".." stop at the root, so a hostile image cannot lead a mount,
 * a generated file or an unpacked entry to the host.  openat2(2) when the kernel has it
 * (5.6+), else a component-by-component O_NOFOLLOW walk; RTR_NO_OPENAT2=1 in the
 * environment forces the walk (the tests run both).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "inroot.h"
#include "util.h"

#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif

struct open_how_compat {
	uint64_t flags, mode, resolve;
};

/* Emulates RESOLVE_IN_ROOT for kernels before 5.6: walks component by component with
 * O_NOFOLLOW, expanding symlinks by hand relative to @rootfd; ".." stops at the root. */
static int walk(int rootfd, const char *path, int *ret_fd)
{
	char *rest = NULL, *buf = NULL;
	struct stat rst, st;
	int cur = -1, links = 0, r;

	if (fstat(rootfd, &rst) < 0)
		return -errno;
	buf = strdup(path);
	if (!buf)
		return -ENOMEM;
	cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0) {
		r = -errno;
		goto fail;
	}
	rest = buf;
	while (rest && *rest) {
		char *comp = rest, *slash = strchr(rest, '/');
		int next;

		if (slash) {
			*slash = 0;
			rest = slash + 1;
		} else {
			rest = NULL;
		}
		if (!*comp || streq(comp, "."))
			continue;
		if (streq(comp, "..")) {
			if (fstat(cur, &st) < 0) {
				r = -errno;
				goto fail;
			}
			if (st.st_dev == rst.st_dev && st.st_ino == rst.st_ino)
				continue;
		}
		next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			r = -errno;
			goto fail;
		}
		if (fstat(next, &st) < 0) {
			r = -errno;
			close(next);
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(next, "", target, sizeof(target) - 1);
			char *nb;

			close(next);
			if (n < 0) {
				r = -errno;
				goto fail;
			}
			target[n] = 0;
			if (++links > 40) {
				r = -ELOOP;
				goto fail;
			}
			nb = xasprintf("%s/%s", target, rest ? rest : "");
			if (!nb) {
				r = -ENOMEM;
				goto fail;
			}
			free(buf);
			buf = rest = nb;
			if (target[0] == '/') {
				close(cur);
				cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (cur < 0) {
					r = -errno;
					goto fail;
				}
			}
			continue;
		}
		close(cur);
		cur = next;
	}
	free(buf);
	*ret_fd = cur;
	return 0;
fail:
	free(buf);
	if (cur >= 0)
		close(cur);
	return r;
}

/* O_PATH fd of @path resolved inside @rootfd (openat2 RESOLVE_IN_ROOT, or the walk). */
int inroot_open(int rootfd, const char *path, int *ret_fd)
{
	static int have_openat2 = -1;
	struct open_how_compat how = { .flags = O_PATH | O_CLOEXEC,
				       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd;

	if (have_openat2 != 0 && !getenv("RTR_NO_OPENAT2")) {
#ifdef SYS_openat2
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0) {
			have_openat2 = 1;
			*ret_fd = fd;
			return 0;
		}
		if (errno != ENOSYS) {
			have_openat2 = 1;
			return -errno;
		}
#endif
		have_openat2 = 0;
	}
	return walk(rootfd, path, ret_fd);
}

/* Creates @path below @rootfd like mkdir -p (the last component a file when @file) and
 * returns an O_PATH fd of it; every prefix is resolved inside the root before a component
 * is created in it, so a symlink in the image cannot lead the creation outside. */
int inroot_mkdir(int rootfd, const char *path, bool file, int *ret_fd)
{
	_cleanup_free_ char *p = strdup(path);
	char *s;
	int r;

	if (!p)
		return -ENOMEM;
	r = inroot_open(rootfd, p, ret_fd);
	if (r != -ENOENT)
		return r;

	for (s = p;;) {
		char *end, save;
		bool last;
		int fd = -1;

		while (*s == '/')
			s++;
		if (!*s)
			return -ENOENT;
		end = s + strcspn(s, "/");
		last = end[strspn(end, "/")] == 0;
		save = *end;
		*end = 0;
		r = inroot_open(rootfd, p, &fd);
		if (r == -ENOENT) {
			_cleanup_close_ int parent = -1, dfd = -1;
			char c0 = *s, fp[32];

			*s = 0;
			r = inroot_open(rootfd, *p ? p : ".", &parent);
			*s = c0;
			if (r < 0)
				return r;
			snprintf(fp, sizeof(fp), "/proc/self/fd/%d", parent);
			dfd = open(fp, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
			if (dfd < 0)
				return -errno;
			if (last && file) {
				int f = openat(dfd, s, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW |
							      O_CLOEXEC, 0644);
				if (f < 0 && errno != EEXIST)
					return -errno;
				if (f >= 0)
					close(f);
			} else if (mkdirat(dfd, s, 0755) < 0 && errno != EEXIST) {
				return -errno;
			}
			r = inroot_open(rootfd, p, &fd);
		}
		if (r < 0)
			return r;
		if (last) {
			*ret_fd = fd;
			return 0;
		}
		close(fd);
		*end = save;
		s = end;
	}
}
