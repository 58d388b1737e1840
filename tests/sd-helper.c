/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sd-helper: the service side of systemd's protocols, for test rootfs (busybox has no
 * systemd-notify and cannot accept on an inherited fd).  Static, no libc needed inside.
 *   sd-helper notify MESSAGE   one datagram to $NOTIFY_SOCKET ("\n" in MESSAGE as is)
 *   sd-helper accept TEXT      checks LISTEN_PID and LISTEN_FDS, accepts one connection
 *                              on fd 3 and writes TEXT to it
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd;

	if (!path || strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "sd-helper: no NOTIFY_SOCKET\n");
		return 1;
	}
	strcpy(a.sun_path, path);
	if (a.sun_path[0] == '@')
		a.sun_path[0] = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&a,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) +
					 (path[0] == '@' ? 0 : 1))) < 0) {
		perror("sd-helper: notify");
		return 1;
	}
	return 0;
}

static int accept_one(const char *text)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int c;

	if (!pid || atoi(pid) != getpid() || !fds || atoi(fds) < 1) {
		fprintf(stderr, "sd-helper: LISTEN_PID=%s (pid %d) LISTEN_FDS=%s\n",
			pid ? pid : "-", getpid(), fds ? fds : "-");
		return 1;
	}
	c = accept(3, NULL, NULL);
	if (c < 0 || write(c, text, strlen(text)) < 0) {
		perror("sd-helper: accept");
		return 1;
	}
	close(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "notify"))
		return notify(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "accept"))
		return accept_one(argv[2]);
	fprintf(stderr, "usage: sd-helper notify MESSAGE | accept TEXT\n");
	return 2;
}
