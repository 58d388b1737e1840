/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtr-run exec: a command in a running container.  The container is found like the other
 * verbs find it (its cgroup and xattrs), entered through enter.c (the join path health
 * checks use too), and the process is supervised by the same loop as a container's init
 * (supervise.c): signals forwarded, a pty relayed with -t or when stdin is a terminal,
 * the exit status passed on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "enter.h"
#include "exec.h"
#include "lib/cleanup.h"
#include "lib/inroot.h"
#include "lib/util.h"
#include "names.h"
#include "opts.h"
#include "proc.h"
#include "supervise.h"

#define EXIT_RUNTIME 125

struct exec_args {
	char **env; /* K=V, in order */
	const char *user, *cwd, *parent;
	bool tty;
	const char *name;
	char **cmd; /* into argv */
};

static void usage(void)
{
	printf("usage: rtr-run exec [-e K=V]... [-u USER[:GROUP]] [-w DIR] [-t] "
	       "[--cgroup-parent PATH] NAME [--] CMD [ARGS...]\n");
}

static int parse(int argc, char **argv, struct exec_args *a)
{
	static const struct option lo[] = {
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"tty", no_argument, NULL, 't'},
	    {"cgroup-parent", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+e:u:w:th", lo, NULL)) != -1) {
		switch (ch) {
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				log_error("exec: -e %s: expected KEY=VALUE", optarg);
				return -EINVAL;
			}
			if (strv_push(&a->env, optarg) < 0)
				return -ENOMEM;
			break;
		case 'u':
			a->user = optarg;
			break;
		case 'w':
			a->cwd = optarg;
			break;
		case 't':
			a->tty = true;
			break;
		case 'p':
			a->parent = optarg;
			break;
		case 'h':
			usage();
			return 1;
		default:
			log_error("exec: %s: %s", argv[optind - 1],
				  ch == ':' ? "missing argument" : "unknown option");
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		log_error("exec: missing container NAME");
		return -EINVAL;
	}
	a->name = argv[optind++];
	if (optind < argc && streq(argv[optind], "--"))
		optind++;
	if (optind >= argc) {
		log_error("exec: missing CMD (rtr-run exec NAME -- CMD ARGS...)");
		return -EINVAL;
	}
	a->cmd = argv + optind;
	return 0;
}

/* The id (and with @ret_gid the group, field 3) of @name in the container's account file
 * @file, opened inside the container's root @rootfd. */
static int idfile_lookup(int rootfd, const char *arg, const char *file, const char *name,
			 uint64_t *ret_id, uint64_t *ret_gid)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	char *f[4] = {0};
	int r, n;

	r = inroot_openat(rootfd, file, O_RDONLY | O_NONBLOCK | O_NOCTTY, INROOT_NO_CREATE, &fd);
	if (r == 0)
		r = proc_idfile_read(fd, &text);
	if (r < 0) {
		log_error("exec: -u %s: the container's %s: %s", arg, file,
			  r == -EINVAL ? "not a regular file" : strerror(-r));
		return r;
	}
	n = proc_idfile_find(text, name, 0, f, 4);
	if (n < 0) {
		log_error("exec: -u %s: no %s %s in the container's %s", arg,
			  ret_gid ? "user" : "group", name, file);
		return -ENOENT;
	}
	if (parse_u64(f[2], UINT32_MAX - 1, ret_id) < 0 ||
	    (ret_gid && (n < 4 || parse_u64(f[3], UINT32_MAX - 1, ret_gid) < 0))) {
		log_error("exec: -u %s: the container's %s: a bad line for %s", arg, file, name);
		return -EINVAL;
	}
	return 0;
}

/*
 * -u USER[:GROUP], each a number or a name.  A user name takes its uid and gid from the
 * container's /etc/passwd, a group name its gid from /etc/group (what Docker does); the
 * files are the container's, reached from the root of its init (@pid) through the in-root
 * resolver: never the host's NSS, and no symlink of the image leads out.  A numeric UID
 * keeps the container's gid.
 */
static int resolve_user(const char *arg, pid_t pid, struct enter_req *req)
{
	_cleanup_free_ char *copy = strdup(arg);
	_cleanup_close_ int rootfd = -1;
	char *g, path[64];
	uint64_t uid, gid, pw_gid;
	bool uid_num, gid_num;

	if (!copy)
		return -ENOMEM;
	g = strchr(copy, ':');
	if (g)
		*g++ = 0;
	uid_num = parse_u64(copy, UINT32_MAX - 1, &uid) == 0;
	gid_num = !g || parse_u64(g, UINT32_MAX - 1, &gid) == 0;
	if (!copy[0] || (g && !g[0])) {
		log_error("exec: -u %s: expected USER[:GROUP] (names or numbers)", arg);
		return -EINVAL;
	}
	if (!uid_num || !gid_num) {
		snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return log_errno(-errno, "exec: -u %s: the container's root", arg);
	}
	if (!uid_num && idfile_lookup(rootfd, arg, "/etc/passwd", copy, &uid, &pw_gid) < 0)
		return -ENOENT;
	if (!uid_num)
		req->gid = (int64_t)pw_gid;
	if (!gid_num && idfile_lookup(rootfd, arg, "/etc/group", g, &gid, NULL) < 0)
		return -ENOENT;
	req->uid = (int64_t)uid;
	if (g)
		req->gid = (int64_t)gid;
	return 0;
}

static int status_to_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_RUNTIME;
}

static int run(const struct exec_args *a, struct enter_req *req)
{
	struct enter_target t;
	struct rtr_err err = {0};
	struct sv_stop stop = {.signal = SIGTERM, .timeout_s = RTR_STOP_TIMEOUT_S};
	struct sv_result res = {0};
	struct sv_io io;
	sigset_t old;
	pid_t pid;
	int r, master = -1;

	r = enter_find(a->parent, a->name, &t, &err);
	if (r < 0) {
		log_err(&err, r);
		return r == -ESRCH ? 1 : EXIT_RUNTIME;
	}
	if (a->user && resolve_user(a->user, t.pid, req) < 0) {
		close(t.cg_fd);
		return EXIT_RUNTIME;
	}
	/* From here SIGCHLD and the forwarded signals wait for the loop's signalfd; the
	 * child unblocks them before execve. */
	sv_block_signals(&old);
	pid = enter_spawn(&t, req, req->tty ? &master : NULL, &err);
	close(t.cg_fd);
	if (pid < 0) {
		log_err(&err, pid);
		return EXIT_RUNTIME;
	}
	sv_io_init(&io);
	io.master = master;
	sv_io_tty(&io);
	r = supervise(pid, &stop, &io, NULL, &res);
	sv_io_close(&io);
	if (r < 0) {
		log_errno(r, "exec: supervising");
		return EXIT_RUNTIME;
	}
	return status_to_exit(res.status);
}

int exec_main(int argc, char **argv)
{
	struct exec_args a = {0};
	struct enter_req req = {.uid = -1, .gid = -1, .out_fd = -1, .gate_fd = -1};
	int r;

	r = parse(argc, argv, &a);
	if (r == 0 && !opts_name_valid(a.name)) {
		log_error("exec: %s: bad container name", a.name);
		r = -EINVAL;
	}
	if (r == 0 && a.cwd && a.cwd[0] != '/') {
		log_error("exec: -w %s: expected an absolute path", a.cwd);
		r = -EINVAL;
	}
	if (r != 0) {
		strv_free(a.env);
		return r > 0 ? 0 : EXIT_RUNTIME;
	}
	log_set_container(a.name);
	req.argv = a.cmd;
	req.env = a.env;
	req.cwd = a.cwd;
	req.tty = a.tty || isatty(STDIN_FILENO);
	r = run(&a, &req);
	strv_free(a.env);
	return r;
}
