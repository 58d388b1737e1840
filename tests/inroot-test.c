/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of runner/lib/inroot.c against a crafted tree in a temporary directory, once
 * with openat2 and once with the walk forced (RTR_COMPAT=no-openat2); TAP output, no root
 * needed.  Each mode gets a fresh copy of the tree, since the creating cases change it.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "lib/compat.h"
#include "lib/inroot.h"

static int n_test, n_failed;
static char base[] = "/tmp/inroot-test.XXXXXX";
static char *compat_env; /* RTR_COMPAT as the test was started with */

static void check(int cond, const char *mode, const char *what, const char *got)
{
	n_test++;
	if (cond) {
		printf("ok %d - %s: %s\n", n_test, mode, what);
	} else {
		n_failed++;
		printf("not ok %d - %s: %s\n# got: %s\n", n_test, mode, what, got);
	}
}

static void must(int r, const char *what)
{
	if (r < 0) {
		printf("Bail out! setup: %s: %s\n", what, strerror(errno));
		exit(1);
	}
}

/* Host path @rel below the test directory. */
static const char *host(const char *rel)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", base, rel);
	return buf;
}

static void mkfile(const char *rel, const char *content)
{
	int fd = open(host(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	must(fd, rel);
	must((int)write(fd, content, strlen(content)), rel);
	close(fd);
}

static void mklink(const char *target, const char *rel)
{
	must(symlink(target, host(rel)), rel);
}

/*
 * The tree, below @r (a directory of the test directory, beside "outside"):
 *   dir/file                         "in"
 *   abs -> /dir                      an absolute link: the root's dir, not the host's
 *   up -> ../../../..                ".." beyond the root stops at it
 *   upfile -> ../../outside/secret   would be the host's secret: must stay inside
 *   dir/abs2 -> /dir/file            an absolute link below the root restarts at the root
 *   dir/upup -> ../../../dir         a relative one climbs from where it is
 *   loop1 <-> loop2                  a loop
 *   c00 -> c01 -> ... -> c40 -> dir  41 links from c00, 40 from c01
 *   dangling -> /new/sub             an absolute dangling link (creation goes inside)
 *   danglingup -> ../../made         a relative one climbing out
 *   flink -> dir/file                a symlink as the last component
 *   dfile -> /etc2/conf              a dangling last component, created as a file
 */
static void make_tree(const char *r)
{
	char p[64], t[64];

	must(mkdir(host(r), 0755), r);
	snprintf(p, sizeof(p), "%s/dir", r);
	must(mkdir(host(p), 0755), p);
	snprintf(p, sizeof(p), "%s/dir/file", r);
	mkfile(p, "in");
	snprintf(p, sizeof(p), "%s/abs", r);
	mklink("/dir", p);
	snprintf(p, sizeof(p), "%s/up", r);
	mklink("../../../..", p);
	snprintf(p, sizeof(p), "%s/upfile", r);
	mklink("../../outside/secret", p);
	snprintf(p, sizeof(p), "%s/dir/abs2", r);
	mklink("/dir/file", p);
	snprintf(p, sizeof(p), "%s/dir/upup", r);
	mklink("../../../dir", p);
	snprintf(p, sizeof(p), "%s/loop1", r);
	mklink("loop2", p);
	snprintf(p, sizeof(p), "%s/loop2", r);
	mklink("loop1", p);
	for (int i = 0; i <= 40; i++) {
		snprintf(p, sizeof(p), "%s/c%02d", r, i);
		snprintf(t, sizeof(t), "c%02d", i + 1);
		mklink(i == 40 ? "dir" : t, p);
	}
	snprintf(p, sizeof(p), "%s/dangling", r);
	mklink("/new/sub", p);
	snprintf(p, sizeof(p), "%s/danglingup", r);
	mklink("../../made", p);
	snprintf(p, sizeof(p), "%s/flink", r);
	mklink("dir/file", p);
	snprintf(p, sizeof(p), "%s/dfile", r);
	mklink("/etc2/conf", p);
}

/* Is @fd the host's @rel (below the test directory)? */
static bool same(int fd, const char *rel)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && lstat(host(rel), &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Resolves @path with @oflags / @create; expects the host's @want (a path below the test
 * directory), or the error @want_err. */
static void expect(int rootfd, const char *mode, const char *path, int oflags,
		   enum inroot_create create, const char *want, int want_err, const char *what)
{
	char got[256];
	int fd = -1, r = inroot_openat(rootfd, path, oflags, create, &fd);

	if (r < 0)
		snprintf(got, sizeof(got), "%s (%d)", strerror(-r), r);
	else
		snprintf(got, sizeof(got), "an fd%s",
			 want && !same(fd, want) ? ", another file" : "");
	if (want)
		check(r == 0 && same(fd, want), mode, what, got);
	else
		check(r == want_err, mode, what, got);
	if (fd >= 0)
		close(fd);
}

static void test_mode(const char *mode, bool walk)
{
	char r[32], p[96], buf[8] = {0};
	int rootfd, fd = -1, n;
	struct stat st;

	/* The "openat2" mode keeps what the caller set: under RTR_COMPAT=old-kernel both walk. */
	if (walk)
		setenv(COMPAT_ENV, "no-openat2", 1);
	else if (compat_env)
		setenv(COMPAT_ENV, compat_env, 1);
	else
		unsetenv(COMPAT_ENV);
	snprintf(r, sizeof(r), "root-%s", mode);
	make_tree(r);
	rootfd = open(host(r), O_PATH | O_DIRECTORY | O_CLOEXEC);
	must(rootfd, r);

#define DIRP(x) (snprintf(p, sizeof(p), "%s/%s", r, x), p)
	expect(rootfd, mode, "", O_PATH, INROOT_NO_CREATE, r, 0, "\"\" is the root");
	expect(rootfd, mode, "/", O_PATH, INROOT_NO_CREATE, r, 0, "/ is the root");
	expect(rootfd, mode, "/dir/file", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "a plain path");
	expect(rootfd, mode, "../../dir/./file", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "\"..\" above the root stays at the root");
	expect(rootfd, mode, "dir/../dir/file", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "\"..\" inside the root goes up");
	expect(rootfd, mode, "abs/file", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "an absolute symlink resolves inside the root");
	expect(rootfd, mode, "up/dir", O_PATH, INROOT_NO_CREATE, DIRP("dir"), 0,
	       "a ../.. symlink stops at the root");
	expect(rootfd, mode, "dir/abs2", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "an absolute symlink below the root starts again at the root");
	expect(rootfd, mode, "dir/upup/file", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "a ../.. symlink below the root climbs from its own directory");
	expect(rootfd, mode, "upfile", O_PATH, INROOT_NO_CREATE, NULL, -ENOENT,
	       "a symlink to the host's file finds nothing");
	expect(rootfd, mode, "loop1", O_PATH, INROOT_NO_CREATE, NULL, -ELOOP,
	       "a symlink loop fails with ELOOP");
	expect(rootfd, mode, "c01/file", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "40 symlinks in a row are followed");
	expect(rootfd, mode, "c00/file", O_PATH, INROOT_NO_CREATE, NULL, -ELOOP,
	       "the 41st symlink fails with ELOOP");
	expect(rootfd, mode, "dir/file/x", O_PATH, INROOT_NO_CREATE, NULL, -ENOTDIR,
	       "a file as a directory: ENOTDIR");
	expect(rootfd, mode, "dir/file", O_PATH | O_DIRECTORY, INROOT_NO_CREATE, NULL, -ENOTDIR,
	       "O_DIRECTORY on a file: ENOTDIR");
	expect(rootfd, mode, "nothere/x", O_PATH, INROOT_NO_CREATE, NULL, -ENOENT,
	       "a missing path: ENOENT, nothing created");
	check(lstat(host(DIRP("nothere")), &st) < 0, mode, "no creation without a create mode", p);

	/* The last component, not followed. */
	expect(rootfd, mode, "flink", O_PATH | O_NOFOLLOW, INROOT_NO_CREATE, DIRP("flink"), 0,
	       "O_NOFOLLOW: the last symlink itself");
	expect(rootfd, mode, "flink", O_PATH, INROOT_NO_CREATE, DIRP("dir/file"), 0,
	       "without O_NOFOLLOW: its target");
	expect(rootfd, mode, "flink", O_RDONLY | O_NOFOLLOW, INROOT_NO_CREATE, NULL, -ELOOP,
	       "O_RDONLY|O_NOFOLLOW on a symlink: ELOOP");
	expect(rootfd, mode, "abs/file", O_RDONLY | O_NOFOLLOW, INROOT_NO_CREATE, DIRP("dir/file"),
	       0, "O_NOFOLLOW still follows the symlinks before the last");
	n = inroot_openat(rootfd, "/abs/../../dir/file", O_RDONLY, INROOT_NO_CREATE, &fd);
	if (n == 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	check(n == 2 && !strcmp(buf, "in"), mode, "O_RDONLY opens for reading", buf);

	/* Creation. */
	expect(rootfd, mode, "a/b/c", O_PATH, INROOT_MKDIR, DIRP("a/b/c"), 0, "mkdir -p");
	check(lstat(host(p), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, mode,
	      "mkdir -p makes 0755 directories", p);
	expect(rootfd, mode, "dangling/x", O_PATH, INROOT_MKDIR, DIRP("new/sub/x"), 0,
	       "creation through an absolute dangling symlink lands inside the root");
	check(lstat(host("new"), &st) < 0, mode, "nothing created beside the root", "new");
	expect(rootfd, mode, "danglingup/y", O_PATH, INROOT_MKDIR, DIRP("made/y"), 0,
	       "creation through a dangling ../.. symlink lands inside the root");
	check(lstat(host("made"), &st) < 0 && lstat(host("../made"), &st) < 0, mode,
	      "nothing created above the root", "made");
	expect(rootfd, mode, "dfile", O_PATH, INROOT_MKDIR_FILE, DIRP("etc2/conf"), 0,
	       "a dangling last component created as a file, inside the root");
	check(lstat(host(p), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0, mode,
	      "the created file is empty and regular", p);
	expect(rootfd, mode, "f1/f2", O_PATH, INROOT_MKDIR_FILE, DIRP("f1/f2"), 0,
	       "mkdir -p with a file at the end");
	check(lstat(host(p), &st) == 0 && S_ISREG(st.st_mode), mode, "... a regular file", p);
	expect(rootfd, mode, "dfile", O_PATH | O_NOFOLLOW, INROOT_MKDIR_FILE, DIRP("dfile"), 0,
	       "creation leaves an existing last symlink alone under O_NOFOLLOW");
	expect(rootfd, mode, "loop1/z", O_PATH, INROOT_MKDIR, NULL, -ELOOP,
	       "creation through a loop: ELOOP");
	expect(rootfd, mode, "dir/file/z", O_PATH, INROOT_MKDIR, NULL, -ENOTDIR,
	       "creation below a file: ENOTDIR");
	expect(rootfd, mode, "upfile/../dir", O_PATH, INROOT_MKDIR, DIRP("outside/dir"), 0,
	       "creation through the host-pointing symlink stays inside");
	check(lstat(host("outside/dir"), &st) < 0, mode, "the host's directory is untouched",
	      "outside/dir");
#undef DIRP
	close(rootfd);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	long r;
	int fd;

	umask(022);
	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	must(mkdir(host("outside"), 0755), "outside");
	mkfile("outside/secret", "host");
#ifdef SYS_openat2
	fd = -1;
	{
		uint64_t how[3] = {O_PATH | O_CLOEXEC, 0, 0};
		r = syscall(SYS_openat2, AT_FDCWD, "/", how, sizeof(how));
		if (r >= 0)
			fd = (int)r;
	}
	printf("# openat2 %s\n", fd >= 0 ? "available" : "not available: both runs walk");
	if (fd >= 0)
		close(fd);
#else
	(void)r, (void)fd;
	printf("# openat2 not in the headers: both runs walk\n");
#endif
	if (getenv(COMPAT_ENV))
		compat_env = strdup(getenv(COMPAT_ENV));
	printf("# %s=%s\n", COMPAT_ENV, compat_env ? compat_env : "");
	test_mode("openat2", false);
	test_mode("walk", true);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	printf("1..%d\n", n_test);
	return n_failed ? 1 : 0;
}
