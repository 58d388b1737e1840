/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "inuse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/lockfile.h"

int inuse_open_bundle(const char *bundle, struct rtr_err *err)
{
	int fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0 && errno == EACCES)
		fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	else if (fd >= 0) {
		r = lockfile_flock(fd, LOCK_SH | LOCK_NB, NULL);
		if (r < 0) {
			close(fd);
			if (r == -EWOULDBLOCK)
				return rtr_err_set(err, EBUSY, "%s: being removed by rtr-pull rm",
						   bundle);
			return rtr_err_sys(err, -r, "bundle %s: locking", bundle);
		}
	}
	if (fd < 0)
		return rtr_err_sys(err, errno, "bundle %s", bundle);
	return fd;
}

bool inuse_bundle_gone(int fd, const char *bundle, int r, struct rtr_err *err)
{
	struct stat st;

	/* A removed directory has no links left. */
	if (r != -ENOENT || fstat(fd, &st) < 0 || st.st_nlink > 0)
		return false;
	rtr_err_set(err, ENOENT, "%s: removed by rtr-pull rm", bundle);
	return true;
}

/* STORE/locks, made when missing (a store assembled by hand has none yet). */
static int open_locks(const char *store, struct rtr_err *err)
{
	_cleanup_close_ int sfd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (sfd < 0)
		return rtr_err_sys(err, errno, "rootfs: the layer store %s", store);
	fd = openat(sfd, "locks", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && (mkdirat(sfd, "locks", 0700) == 0 || errno == EEXIST))
		fd = openat(sfd, "locks", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == EROFS)
		return -EROFS; /* nothing removes a layer from a read-only store */
	if (fd < 0)
		return rtr_err_sys(err, errno, "rootfs: the layer locks %s/locks", store);
	return fd;
}

int inuse_lock_layers(const struct rtr_rootfs_layers *l, int **ret_fds, struct rtr_err *err)
{
	_cleanup_close_ int dir = -1;
	int *fds;

	*ret_fds = NULL;
	if (!l->store)
		return 0;
	dir = open_locks(l->store, err);
	if (dir == -EROFS)
		return 0;
	if (dir < 0)
		return dir;
	fds = malloc(l->n_layers * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_layers; i++) {
		char name[NAME_MAX + 1];
		int r;

		snprintf(name, sizeof(name), "%s.lock", l->layers[i]);
		fds[i] = -1;
		r = lockfile_at(dir, name, LOCK_SH, NULL, &fds[i]);
		if (r == -EROFS)
			continue;
		if (r < 0) {
			inuse_unlock_layers(fds, i); /* the ones taken */
			return rtr_err_sys(err, -r, "rootfs: locking layer sha256:%s in %s/locks",
					   l->layers[i], l->store);
		}
	}
	*ret_fds = fds;
	return 0;
}

void inuse_unlock_layers(int *fds, size_t n)
{
	for (size_t i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}
