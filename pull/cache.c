/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pull/reference.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

struct cache {
	int blobs_fd; /* DIR/blobs/sha256 */
	char *dir;
};

static int mkdir_p_at(int dfd, const char *name, int *ret_fd)
{
	int fd;

	if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int cache_open(const char *dir, struct cache **ret, struct rtr_err *e)
{
	_cleanup_close_ int root = -1, blobs = -1;
	int fd = -1, r;
	struct cache *c;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		/* Create missing parents of the default directory (/var/cache may be a tmpfs). */
		_cleanup_free_ char *p = strdup(dir);
		char *s;
		if (!p)
			return -ENOMEM;
		for (s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
			*s = 0;
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				break;
			*s = '/';
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return rtr_err_sys(e, errno, "cache %s", dir);
	}
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return rtr_err_sys(e, errno, "cache %s", dir);
	r = mkdir_p_at(root, "blobs", &fd);
	if (r >= 0) {
		_cleanup_close_ int b = fd;
		r = mkdir_p_at(b, "sha256", &blobs);
	}
	if (r < 0)
		return rtr_err_sys(e, -r, "cache %s/blobs/sha256", dir);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->dir = strdup(dir))) {
		free(c);
		return -ENOMEM;
	}
	c->blobs_fd = TAKE_FD(blobs);
	*ret = c;
	return 0;
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	if (c->blobs_fd >= 0)
		close(c->blobs_fd);
	free(c->dir);
	free(c);
}

int cache_open_blob(struct cache *c, const char *digest, uint64_t *ret_size)
{
	struct stat st;
	int fd;

	if (!c || !ref_digest_valid(digest))
		return -ENOENT;
	fd = openat(c->blobs_fd, digest + strlen("sha256:"), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	if (ret_size)
		*ret_size = st.st_size;
	return fd;
}

void cache_drop_blob(struct cache *c, const char *digest)
{
	if (c && ref_digest_valid(digest))
		(void)unlinkat(c->blobs_fd, digest + strlen("sha256:"), 0);
}

int cache_writer_begin(struct cache *c, const char *digest, bool resume, struct cache_writer *ret,
		       struct rtr_err *e)
{
	_cleanup_free_ char *partial = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	*ret = (struct cache_writer){.fd = -1};
	if (!ref_digest_valid(digest))
		return rtr_err_set(e, EINVAL, "%s: not a sha256 digest", digest);
	partial = xasprintf("%s.partial", digest + strlen("sha256:"));
	if (!partial)
		return -ENOMEM;
	fd = openat(c->blobs_fd, partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rtr_err_sys(e, errno, "cache %s/blobs/sha256/%s", c->dir, partial);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	/* What an interrupted pull left is kept and continued: the digest over the whole
	 * blob, checked at the end, decides whether it was good. */
	if ((!resume && ftruncate(fd, 0) < 0) || fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_END) < 0)
		return rtr_err_sys(e, errno, "cache %s/blobs/sha256/%s", c->dir, partial);
	ret->c = c;
	ret->hex = strdup(digest + strlen("sha256:"));
	if (!ret->hex)
		return -ENOMEM;
	ret->written = resume ? (uint64_t)st.st_size : 0;
	ret->fd = TAKE_FD(fd);
	return 0;
}

void cache_writer_release(struct cache_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->hex);
	*w = (struct cache_writer){.fd = -1};
}

int cache_writer_feed(struct cache_writer *w, const void *buf, size_t len, struct rtr_err *e)
{
	int r = write_all(w->fd, buf, len);
	if (r < 0)
		return rtr_err_sys(e, -r, "cache %s: writing blob %s", w->c->dir, w->hex);
	w->written += len;
	return 0;
}

int cache_writer_commit(struct cache_writer *w, struct rtr_err *e)
{
	_cleanup_free_ char *partial = xasprintf("%s.partial", w->hex);
	int r = 0;

	if (!partial)
		return -ENOMEM;
	if (fsync(w->fd) < 0)
		r = rtr_err_sys(e, errno, "cache %s: fsync blob %s", w->c->dir, w->hex);
	else if (renameat(w->c->blobs_fd, partial, w->c->blobs_fd, w->hex) < 0)
		r = rtr_err_sys(e, errno, "cache %s: rename blob %s", w->c->dir, w->hex);
	else
		(void)fsync(w->c->blobs_fd);
	if (r < 0)
		(void)unlinkat(w->c->blobs_fd, partial, 0);
	close(w->fd);
	w->fd = -1;
	free(w->hex);
	w->hex = NULL;
	return r;
}

void cache_writer_abort(struct cache_writer *w)
{
	if (w->fd >= 0) {
		_cleanup_free_ char *partial = xasprintf("%s.partial", w->hex);
		if (partial)
			(void)unlinkat(w->c->blobs_fd, partial, 0);
		close(w->fd);
	}
	free(w->hex);
	*w = (struct cache_writer){.fd = -1};
}
