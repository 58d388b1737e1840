/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sd_notify and socket activation (notify.h).  The notify socket is a datagram socket,
 * one message per datagram, "KEY=VALUE" lines; an address starting with '@' is in the
 * abstract namespace.  Every send opens nothing new: one unbound socket, made on the
 * first message, serves them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "container.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "notify.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static struct sockaddr_un manager;
static socklen_t manager_len; /* 0: no $NOTIFY_SOCKET */
static int manager_fd = -1;

void notify_init(void)
{
	const char *p = getenv("NOTIFY_SOCKET");
	size_t n = p ? strlen(p) : 0;

	if (n >= 2 && n < sizeof(manager.sun_path) && (p[0] == '/' || p[0] == '@')) {
		manager.sun_family = AF_UNIX;
		memcpy(manager.sun_path, p, n);
		if (p[0] == '@')
			manager.sun_path[0] = 0;
		/* An abstract address is exactly its bytes, a path is NUL-terminated. */
		manager_len =
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (p[0] == '/' ? 1 : 0));
	}
	unsetenv("NOTIFY_SOCKET");
}

bool notify_enabled(void)
{
	return manager_len > 0;
}

int notify_send(const char *fmt, ...)
{
	char msg[RTR_NOTIFY_MAX_BYTES];
	va_list ap;
	int n;

	if (!manager_len)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -EMSGSIZE;
	if (manager_fd < 0)
		manager_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (manager_fd < 0)
		return -errno;
	if (sendto(manager_fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&manager,
		   manager_len) < 0)
		return -errno;
	return 0;
}

/* ---- --notify=container ------------------------------------------------------------- */

/* What a container may tell the manager through rtr-run. */
static bool relayed(const char *line)
{
	static const char *const keys[] = {"READY=1",	 "STATUS=", "RELOADING=1",
					   "STOPPING=1", "ERRNO=",  "WATCHDOG=1"};

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (startswith(line, keys[i]))
			return true;
	return false;
}

bool notify_relay(int fd)
{
	char buf[RTR_NOTIFY_MAX_BYTES + 1], out[RTR_NOTIFY_MAX_BYTES + 32];
	size_t o = 0;
	bool ready = false;
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_TRUNC);

	if (n <= 0 || (size_t)n >= sizeof(buf))
		return false; /* nothing, or more than a notification is */
	buf[n] = 0;
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (!relayed(line) || o + strlen(line) + 1 >= sizeof(out))
			continue;
		ready |= streq(line, "READY=1");
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\n", line);
	}
	if (ready)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "MAINPID=%d\n", (int)getpid());
	if (o)
		notify_send("%s", out);
	return ready;
}

/* The container's socket at @dir/notify.sock, anyone may send to it: the container's
 * user need not be root, and the directory is the container's alone. */
static int bind_socket(const char *dir, struct rtr_err *err)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return rtr_err_sys(err, errno, "--notify=container: socket");
	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/notify.sock", dir) >=
	    sizeof(a.sun_path))
		return rtr_err_set(err, ENAMETOOLONG, "--notify=container: %s: path too long", dir);
	unlink(a.sun_path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(a.sun_path, 0666) < 0)
		return rtr_err_sys(err, errno, "--notify=container: %s", a.sun_path);
	return TAKE_FD(fd);
}

/* The bind mount of the socket's directory and NOTIFY_SOCKET, into the spec. */
static int add_to_spec(struct rtr_spec *s, const char *dir)
{
	struct rtr_mount *nm = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*nm));
	struct rtr_mount *m;

	if (!nm)
		return -ENOMEM;
	s->mounts = nm;
	m = &nm[s->n_mounts++];
	*m = (struct rtr_mount){.destination = strdup(RTR_NOTIFY_CONTAINER_DIR),
				.source = strdup(dir),
				.type = strdup("bind"),
				.bind = true,
				.flags = MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC};
	if (!m->destination || !m->source || !m->type || strv_push(&m->options, "bind") < 0)
		return -ENOMEM; /* spec_free() frees the half-built entry */
	return env_set(&s->process.env, "NOTIFY_SOCKET=" RTR_NOTIFY_CONTAINER_DIR "/notify.sock");
}

int notify_container_prepare(struct rtr_container *c, struct rtr_err *err)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	if (c->spec->ext.notify != RTR_NOTIFY_CONTAINER)
		return 0;
	dir = xasprintf("%s/%s", RTR_NOTIFY_DIR, c->name);
	if (!dir)
		return -ENOMEM;
	/* mkdir -p of the parent; the container's own directory is made afresh. */
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		r = mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
		*p = '/';
		if (r < 0)
			return rtr_err_sys(err, -r, "--notify=container: %s", dir);
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return rtr_err_sys(err, errno, "--notify=container: %s", dir);
	c->notify_fd = bind_socket(dir, err);
	if (c->notify_fd < 0)
		return c->notify_fd;
	c->notify_dir = TAKE_PTR(dir);
	r = add_to_spec(c->spec, c->notify_dir);
	return r < 0 ? rtr_err_sys(err, -r, "--notify=container") : 0;
}

void notify_container_free(struct rtr_container *c)
{
	char path[PATH_MAX];

	if (c->notify_fd >= 0)
		close(c->notify_fd);
	c->notify_fd = -1;
	if (!c->notify_dir)
		return;
	if ((size_t)snprintf(path, sizeof(path), "%s/notify.sock", c->notify_dir) < sizeof(path))
		unlink(path);
	rmdir(c->notify_dir);
	free(c->notify_dir);
	c->notify_dir = NULL;
}

/* ---- socket activation -------------------------------------------------------------- */

int listen_fds_take(char **ret_names)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	uint64_t p = 0, n = 0;

	*ret_names = NULL;
	if (!pid || !fds || parse_u64(pid, INT32_MAX, &p) < 0 || p != (uint64_t)getpid() ||
	    parse_u64(fds, RTR_LISTEN_FDS_MAX, &n) < 0)
		n = 0;
	for (uint64_t i = 0; i < n; i++)
		if (fcntl(3 + (int)i, F_SETFD, FD_CLOEXEC) < 0)
			n = i; /* a gap: what the manager says does not hold, pass what does */
	if (n && names)
		*ret_names = strdup(names);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (syscall(SYS_close_range, 3U + (unsigned)n, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3 + (int)n; fd < 4096; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	return (int)n;
}
