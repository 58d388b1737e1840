/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "runner/lib/util.h"
#include "unpack.h"

/* ".NAME.tmp-" and eight hex digits, as pull/bundle.c names its temporary directories. */
static bool tmp_name(const char *n)
{
	const char *t = n[0] == '.' ? strstr(n + 1, ".tmp-") : NULL;

	if (!t || t == n + 1 || strlen(t + 5) != 8)
		return false;
	for (const char *p = t + 5; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static void add(struct sweep *s, const char *name, int fd)
{
	char **nn = realloc(s->names, (s->n + 1) * sizeof(*nn));
	int *nf = nn ? realloc(s->fds, (s->n + 1) * sizeof(*nf)) : NULL;

	if (nn)
		s->names = nn;
	if (nf)
		s->fds = nf;
	if (!nn || !nf || !(s->names[s->n] = strdup(name))) {
		close(fd);
		return;
	}
	s->fds[s->n++] = fd;
}

void sweep_begin(int parent_fd, struct sweep *s)
{
	struct dirent *de;
	DIR *d;
	int dfd;

	*s = (struct sweep){0};
	while (flock(parent_fd, LOCK_EX) < 0 && errno == EINTR)
		;
	s->parent_locked = 1;
	dfd = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		int fd;
		if (!tmp_name(de->d_name))
			continue;
		fd = openat(parent_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd); /* a live pull's */
			continue;
		}
		add(s, de->d_name, fd);
	}
	closedir(d);
}

int sweep_hold(int dir_fd)
{
	return flock(dir_fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
}

void sweep_end(int parent_fd, struct sweep *s)
{
	if (s->parent_locked)
		(void)flock(parent_fd, LOCK_UN);
	for (size_t i = 0; i < s->n; i++) {
		(void)unpack_rm_rf_at(parent_fd, s->names[i]);
		close(s->fds[i]);
		free(s->names[i]);
	}
	free(s->names);
	free(s->fds);
	*s = (struct sweep){0};
}
