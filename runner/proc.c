/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a process started in the container's world needs from that world, shared by the
 * container's own child (container.c) and by exec and health checks (enter.c): HOME from
 * the container's /etc/passwd, and the PATH lookup that tells 127 from 126.  Both run
 * after pivot_root or setns, so every path is the container's.  The account file reader
 * is shared with exec -u (exec.c), which opens the files through the in-root resolver.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "proc.h"

int proc_idfile_read(int fd, char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	text = malloc(RTR_PASSWD_MAX_BYTES + 1);
	if (!text)
		return -ENOMEM;
	while (len < RTR_PASSWD_MAX_BYTES) {
		ssize_t r = read(fd, text + len, RTR_PASSWD_MAX_BYTES - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	text[len] = 0;
	/* A longer file: only its whole lines count. */
	if (len == RTR_PASSWD_MAX_BYTES && strrchr(text, '\n'))
		strrchr(text, '\n')[1] = 0;
	*ret_text = TAKE_PTR(text);
	return 0;
}

int proc_idfile_find(char *text, const char *name, uint64_t id, char **f, int nf)
{
	for (char *line = text, *next; line && *line; line = next) {
		char *p = line;
		int k = 0;
		uint64_t v;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		for (; k < nf && p; k++) {
			f[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		/* NAME:PASSWORD:ID:...; "+"/"-" lines are NIS includes, never names */
		if (k < 3 || parse_u64(f[2], UINT32_MAX, &v) < 0 || strchr("+-", f[0][0]))
			continue;
		if (name ? streq(f[0], name) : v == id)
			return k;
	}
	return -ENOENT;
}

/*
 * HOME from the container's /etc/passwd when process.env has none, "/" when the user has
 * no entry there (what runc and crun do).  Runs after pivot_root, so the file is the
 * container's; it is the image's input: only a regular file, at most
 * RTR_PASSWD_MAX_BYTES, never a fifo that would block or a device.
 */
static void passwd_home(uid_t uid, char *buf, size_t n)
{
	_cleanup_close_ int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	char *f[7] = {0};

	snprintf(buf, n, "/");
	/* name:password:uid:gid:gecos:home:shell */
	if (fd < 0 || proc_idfile_read(fd, &text) < 0 ||
	    proc_idfile_find(text, NULL, uid, f, 7) < 6)
		return;
	if (f[5][0] == '/' && strlen(f[5]) < n)
		snprintf(buf, n, "%s", f[5]);
}

char **proc_env_with_home(char *const *env, uid_t uid)
{
	char home[PATH_MAX + 8] = "HOME=";
	size_t n = 0;
	char **v;

	for (; env && env[n]; n++)
		if (strncmp(env[n], "HOME=", 5) == 0)
			return (char **)env;
	passwd_home(uid, home + 5, sizeof(home) - 5);
	v = calloc(n + 2, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = env[i];
	v[n] = strdup(home);
	return v[n] ? v : NULL;
}

const char *proc_env_get(char *const *env, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (strncmp(env[i], key, k) == 0 && env[i][k] == '=')
			return env[i] + k + 1;
	return NULL;
}

int proc_resolve_exec(const char *arg0, char *const *env, char *buf, size_t n)
{
	const char *path = proc_env_get(env, "PATH");
	int r = -ENOENT;

	if (strchr(arg0, '/')) {
		if ((size_t)snprintf(buf, n, "%s", arg0) >= n)
			return -ENAMETOOLONG;
		return 0;
	}
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t l = strcspn(path, ":");
		struct stat st;

		if ((size_t)snprintf(buf, n, "%.*s/%s", (int)l, l ? path : ".", arg0) < n &&
		    stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) {
			if (access(buf, X_OK) == 0)
				return 0;
			r = -EACCES;
		}
		path += l;
		if (*path == ':')
			path++;
	}
	return r;
}
