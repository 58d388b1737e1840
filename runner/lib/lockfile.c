/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int lockfile_flock(int fd, int how, const volatile sig_atomic_t *stop)
{
	while (flock(fd, how) < 0)
		if (errno != EINTR || (stop && *stop))
			return -errno;
	return 0;
}

int lockfile_at(int dfd, const char *name, int how, const volatile sig_atomic_t *stop, int *ret_fd)
{
	for (;;) {
		_cleanup_close_ int fd = -1;
		struct stat a, b;
		int r;

		/* O_RDWR: the store's creation lock (an OFD write lock) is on the same file. */
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		r = lockfile_flock(fd, how, stop);
		if (r < 0)
			return r;
		if (fstat(fd, &a) < 0)
			return -errno;
		if (fstatat(dfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			*ret_fd = TAKE_FD(fd);
			return 0;
		}
	}
}
