/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process model of rtr-run (see container.h for the order of the steps):
 *
 *   rtr-run ──clone(new namespaces)──▶ child ──(join ns paths)──▶ READY
 *      │ cgroup_enter, id maps, veth, prestart/createRuntime hooks
 *      └──────────────────────── RELEASE(host pid) ──▶ mounts, pivot_root, ..., execve
 *      (no RELEASE when the host side has nothing to do before the child goes on:
 *      READY says so, and the child does not wait -- a round trip saved)
 *      ◀── ERROR{errno, exit code, message} or EOF (the sync socket is O_CLOEXEC: EOF
 *          means execve succeeded)
 *
 * The sync socket is a SOCK_SEQPACKET pair, one fixed-size struct per message, so the
 * child never allocates to talk to the parent.  rtr-run never executes itself in the
 * container (CVE-2019-5736); the pre-exec child is non-dumpable and every fd above 2 is
 * close-on-exec before execve (CVE-2024-21626).
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/compat.h"
#include "lib/util.h"
#include "caps.h"
#include "cgroup.h"
#include "enter.h"
#include "filter.h"
#include "health.h"
#include "hooks.h"
#include "idmap.h"
#include "mount.h"
#include "names.h"
#include "net.h"
#include "notify.h"
#include "proc.h"
#include "security.h"
#include "supervise.h"
#include "sysctl.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

enum sync_type {
	SYNC_READY = 1, /* child: namespaces joined, waiting */
	SYNC_RELEASE,	/* parent: go on; carries the host pid */
	SYNC_ERROR,	/* child: failed, exits with exit_code */
	SYNC_PTY,	/* child: the pty master rides along as SCM_RIGHTS */
};

struct sync_msg {
	uint32_t type;
	int32_t err;	   /* positive errno */
	int32_t exit_code; /* 125, 126, 127 */
	int32_t pid;
	uint32_t cg_entered; /* READY: CG_ENTERED bits of the hierarchies the child entered */
	uint32_t waits;	     /* READY: 1 when the child waits for RELEASE */
	char msg[RTR_ERR_MSG_MAX];
};

/* What the child needs, resolved before clone so the child only consumes it. */
struct prep {
	pid_t parent_pid;
	int sync_child; /* child's end */
	int ns_fd[_RTR_NS_MAX];
	int unshare_flags;  /* namespaces to create after joining a user namespace by path */
	bool cgroupns_late; /* new cgroup namespace: unshared once the child is in its cgroup */
	sigset_t old_mask;
	int out_pipe[2], err_pipe[2]; /* --log-file relays; -1 when unused */
	int max_fd;	/* highest fd at clone when close_range cannot mark them all, else -1 */
	bool host_idle; /* the host side has nothing to do between READY and RELEASE */
	bool in_cgroup; /* child: cloned into the unified tree's cgroup */
};

/* ---- the sync socket ------------------------------------------------------------------ */

static int sync_send(int fd, const struct sync_msg *m, int pass_fd)
{
	struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof(*m)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Returns 1 with a message, 0 on EOF, negative errno. */
static int sync_recv(int fd, struct sync_msg *m, int *ret_fd)
{
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -errno;
	if (n == 0)
		return 0;
	if (n != sizeof(*m))
		return -EBADMSG;
	m->msg[sizeof(m->msg) - 1] = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int f;
			memcpy(&f, CMSG_DATA(cm), sizeof(int));
			if (ret_fd && *ret_fd < 0)
				*ret_fd = f;
			else
				close(f);
		}
	return 1;
}

/* Child: report and leave.  Never returns. */
static _Noreturn void child_fail(int fd, int exit_code, int r, const struct rtr_err *err,
				 const char *what)
{
	struct sync_msg m = {.type = SYNC_ERROR, .err = r < 0 ? -r : r, .exit_code = exit_code};

	if (err && err->code && err->msg[0])
		snprintf(m.msg, sizeof(m.msg), "%s", err->msg);
	else
		snprintf(m.msg, sizeof(m.msg), "%s: %s", what, strerror(m.err ? m.err : EINVAL));
	sync_send(fd, &m, -1);
	_exit(exit_code);
}

/* ---- clone --------------------------------------------------------------------------- */

#ifndef SYS_close_range
#define SYS_close_range 436 /* one number on every architecture */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
/* Without /proc: fds up to this one are marked close-on-exec by hand. */
#define RTR_FALLBACK_MAX_FD 4095

/* Can the child mark all its fds close-on-exec with one close_range (CLOSE_RANGE_CLOEXEC,
 * Linux 5.11)?  A range past every open fd asks the kernel without changing anything. */
static bool cloexec_range_works(void)
{
	return !compat_disabled(COMPAT_CLOSE_RANGE) &&
	       syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_CLOEXEC) == 0;
}

/* The highest open fd, read by the parent from the host's /proc before clone: the child
 * (which may not see a /proc) marks 3..it one by one when close_range cannot. */
static int highest_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int max = -1;

	if (!d)
		return RTR_FALLBACK_MAX_FD;
	while ((de = readdir(d)))
		if (atoi(de->d_name) > max)
			max = atoi(de->d_name);
	closedir(d);
	return max;
}

/* ---- child-side steps ------------------------------------------------------------------ */

static int child_join_namespaces(struct prep *p)
{
	/* The user namespace first: the others are owned by it. */
	if (p->ns_fd[RTR_NS_USER] >= 0) {
		if (setns(p->ns_fd[RTR_NS_USER], CLONE_NEWUSER) < 0)
			return -errno;
		close(p->ns_fd[RTR_NS_USER]);
		p->ns_fd[RTR_NS_USER] = -1;
	}
	for (int t = 0; t < _RTR_NS_MAX; t++) {
		if (p->ns_fd[t] < 0 || t == RTR_NS_PID)
			continue;
		if (setns(p->ns_fd[t], spec_ns_clone_flag(t)) < 0)
			return -errno;
		close(p->ns_fd[t]);
		p->ns_fd[t] = -1;
	}
	if (p->unshare_flags && unshare(p->unshare_flags) < 0)
		return -errno;
	return 0;
}

static int child_rlimits(const struct rtr_spec *s, struct rtr_err *err)
{
	for (size_t i = 0; i < s->process.n_rlimits; i++) {
		const struct rtr_rlimit *l = &s->process.rlimits[i];
		struct rlimit rl = {
		    .rlim_cur = l->soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)l->soft,
		    .rlim_max = l->hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)l->hard,
		};

		if (setrlimit(l->resource, &rl) < 0)
			return rtr_err_sys(err, errno, "rlimit %s", l->type ? l->type : "?");
	}
	return 0;
}

static int child_user(const struct rtr_spec *s, bool userns, struct rtr_err *err)
{
	const struct rtr_user *u = &s->process.user;

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return rtr_err_sys(err, errno, "prctl(PR_SET_KEEPCAPS)");
	if (u->n_additional_gids > 0 || !userns) {
		gid_t g[NGROUPS_MAX > 65536 ? 65536 : NGROUPS_MAX];
		size_t n = u->n_additional_gids;

		if (n > ELEMENTSOF(g))
			return rtr_err_set(err, E2BIG, "process.user.additionalGids: too many");
		for (size_t i = 0; i < n; i++)
			g[i] = u->additional_gids[i];
		if (setgroups(n, g) < 0 && !(userns && errno == EPERM && n == 0))
			return rtr_err_sys(err, errno, "setgroups");
	}
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return rtr_err_sys(err, errno, "setgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return rtr_err_sys(err, errno, "setuid %u", u->uid);
	return 0;
}

/*
 * The container's stdio belongs to its user, so a non-root process can reopen it
 * (/dev/stdout is /proc/self/fd/1, and reopening checks the inode's owner).  Only what
 * is the container's alone changes owner: an anonymous pipe or socket (pipefs, sockfs:
 * fchown touches no file of the host) and the pty rtr made for it.  A host tty, a file
 * or a named fifo keeps its owner.  In a user namespace the inode's owner may be
 * unmapped: then the kernel refuses (EPERM, EINVAL) and the stdio stays as it is, as
 * with runc.
 */
static int child_stdio_owner(const struct rtr_spec *s, struct rtr_err *err)
{
	uid_t uid = s->process.user.uid;
	gid_t gid = s->process.user.gid;

	if (uid == 0)
		return 0;
	for (int fd = 0; fd <= 2; fd++) {
		struct statfs sfs;
		struct stat st;
		bool ours;

		if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0 || st.st_uid == uid)
			continue;
		ours = sfs.f_type == PIPEFS_MAGIC || sfs.f_type == SOCKFS_MAGIC ||
		       (s->process.terminal && sfs.f_type == DEVPTS_SUPER_MAGIC);
		if (!ours || fchown(fd, uid, gid) == 0 || errno == EPERM || errno == EINVAL)
			continue;
		return rtr_err_sys(err, errno, "stdio: fd %d to uid %u", fd, uid);
	}
	return 0;
}

static bool is_listen_var(const char *kv)
{
	return startswith(kv, "LISTEN_FDS=") || startswith(kv, "LISTEN_PID=") ||
	       startswith(kv, "LISTEN_FDNAMES=");
}

/* The socket activation variables: LISTEN_PID is this process, which becomes the
 * entrypoint (PID 1, or 2 behind --init).  0 or -ENOMEM. */
static int listen_env(const struct rtr_container *c, char **v, size_t *k)
{
	v[(*k)++] = xasprintf("LISTEN_FDS=%d", c->n_listen_fds);
	v[(*k)++] = xasprintf("LISTEN_PID=%d", (int)getpid());
	if (c->listen_fdnames)
		v[(*k)++] = xasprintf("LISTEN_FDNAMES=%s", c->listen_fdnames);
	for (size_t i = 0; i < *k; i++)
		if (!v[i])
			return -ENOMEM;
	return 0;
}

/* process.env, plus HOME when it has none (proc.c), plus the socket activation variables
 * when rtr-run got listening fds.  NULL on allocation failure. */
static char **child_env(const struct rtr_container *c)
{
	const struct rtr_spec *s = c->spec;
	char **base = proc_env_with_home(s->process.env, s->process.user.uid);
	size_t n, k = 0;
	char **v;

	if (!base || !c->n_listen_fds)
		return base;
	n = strv_length(base);
	v = calloc(n + 4, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!is_listen_var(base[i]))
			v[k++] = base[i];
	if (listen_env(c, v, &k) < 0)
		return NULL;
	return v;
}

static int child_terminal(int sync_fd, const struct rtr_spec *s, struct rtr_err *err)
{
	_cleanup_close_ int master = -1;
	int slave, unlock = 0;
	unsigned ptn;
	char path[64];
	struct sync_msg m = {.type = SYNC_PTY};
	int r;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return rtr_err_set(err, errno,
				   "process.terminal: open /dev/ptmx in the container: %s (is "
				   "/dev/pts mounted?)",
				   strerror(errno));
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &ptn) < 0)
		return rtr_err_sys(err, errno, "process.terminal: /dev/ptmx");
	snprintf(path, sizeof(path), "/dev/pts/%u", ptn);
	slave = open(path, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return rtr_err_sys(err, errno, "process.terminal: %s", path);
	if (s->process.console_size_set) {
		struct winsize ws = {.ws_row = s->process.console_height,
				     .ws_col = s->process.console_width};
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	r = sync_send(sync_fd, &m, master);
	if (r < 0)
		return rtr_err_sys(err, -r, "process.terminal: passing the pty");
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return rtr_err_sys(err, errno, "process.terminal: controlling terminal");
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return rtr_err_sys(err, errno, "process.terminal: dup2");
	if (slave > 2)
		close(slave);
	return 0;
}

/* The supervisor's end of the sync socket is closed: it died (it keeps the socket open
 * until the child's execve closes the other end). */
static bool sync_peer_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

/*
 * The kernel clears the parent-death signal at every credential change (another uid or
 * gid, a user namespace, capabilities gained: commit_creds), so it is set again after the
 * last one; a parent that died before that is caught by the check after it.  @ppid: the
 * parent as getppid() sees it, or 0 when it is outside our pid namespace (getppid() says
 * 0 then) and only the sync socket tells.
 */
static void child_rearm_pdeathsig(int sync_fd, pid_t ppid)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if ((ppid > 0 && getppid() != ppid) || sync_peer_gone(sync_fd))
		_exit(125);
}

/* --init: PID 1 stays here, forwards signals to the entrypoint (PID 2) and reaps every
 * orphan.  It is a fork of rtr-run, so nothing is needed in the image; it is
 * non-dumpable, so its /proc/1/exe cannot be opened from the container. */
static _Noreturn void init_reaper(pid_t worker, int sync_fd)
{
	sigset_t all;
	int status = 0;

	close(sync_fd);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		siginfo_t si;
		pid_t p;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* A tty-generated ^C already reached the whole foreground group. */
			if (si.si_code == SI_KERNEL)
				continue;
			kill(worker, sig);
			continue;
		}
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == worker)
				_exit(WIFEXITED(status) ? WEXITSTATUS(status)
							: 128 + WTERMSIG(status));
	}
}

/* From the rootfs to the container's world: mounts, network, pivot_root, names, sysctl,
 * masked paths, rlimits, terminal, cwd, with the hooks of that moment. */
static void child_build(struct rtr_container *c, int fd)
{
	const struct rtr_spec *s = c->spec;
	struct rtr_err err = {0};
	int r;

	r = mount_setup(c, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "mounts");
	r = net_setup_child(c, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "network");
	r = hooks_run(c, RTR_HOOK_CREATE_CONTAINER, "created", &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "createContainer hook");
	r = mount_pivot(c, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "pivot_root");

	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		child_fail(fd, 125, -errno, NULL, "sethostname");
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		child_fail(fd, 125, -errno, NULL, "setdomainname");
	r = sysctl_apply(s, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "sysctl");
	r = security_apply_paths(c, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "masked and readonly paths");
	r = child_rlimits(s, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "rlimits");
	if (s->process.terminal) {
		r = child_terminal(fd, s, &err);
		if (r < 0)
			child_fail(fd, 125, r, &err, "terminal");
	} else {
		/* Out of rtr-run's process group: a ^C or a kill of the group reaches the
		 * container once, forwarded by the supervisor. */
		setsid();
	}
	if (chdir(s->process.cwd) < 0)
		child_fail(fd, 125, -errno, NULL, s->process.cwd);
	r = hooks_run(c, RTR_HOOK_START_CONTAINER, "created", &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "startContainer hook");
}

/* The process that becomes the entrypoint (behind an --init reaper): credentials,
 * capabilities, no_new_privs, then seccomp last and execve. */
static _Noreturn void child_exec(struct rtr_container *c, struct prep *p)
{
	const struct rtr_spec *s = c->spec;
	struct rtr_err err = {0};
	char exe[PATH_MAX];
	int fd = p->sync_child, r;
	bool userns = s->lx.ns[RTR_NS_USER].enabled;
	pid_t parent = 0; /* the --init reaper, once there is one */
	char **env;

	if (s->ext.init) {
		pid_t reaper = getpid(), w = fork();

		if (w < 0)
			child_fail(fd, 125, -errno, NULL, "--init: fork");
		if (w > 0)
			init_reaper(w, fd);
		parent = reaper;
		child_rearm_pdeathsig(fd, parent);
	}

	if (s->process.user.umask_set)
		umask(s->process.user.umask);
	else
		umask(022);
	env = child_env(c);
	if (!env)
		child_fail(fd, 125, -ENOMEM, NULL, "environment");
	r = child_stdio_owner(s, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "stdio");
	r = child_user(s, userns, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "user");
	r = caps_apply(c, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "capabilities");
	if (s->process.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(fd, 125, -errno, NULL, "no_new_privs");

	/* After setuid, so the lookup sees what the user may execute. */
	r = proc_resolve_exec(s->process.args[0], env, exe, sizeof(exe));
	if (r < 0)
		child_fail(fd, r == -ENOENT ? 127 : 126, r, NULL, s->process.args[0]);
	child_rearm_pdeathsig(fd, parent); /* after the last credential change */

	/* No host fd survives execve (the sync socket is already O_CLOEXEC) but the socket
	 * activation fds, 3 on. */
	if (p->max_fd >= 0 || syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int i = 3; i <= (p->max_fd >= 0 ? p->max_fd : RTR_FALLBACK_MAX_FD); i++)
			if (i != fd)
				fcntl(i, F_SETFD, FD_CLOEXEC);
	for (int i = 0; i < c->n_listen_fds; i++)
		if (fcntl(3 + i, F_SETFD, 0) < 0)
			child_fail(fd, 125, -errno, NULL, "LISTEN_FDS: passing fd");
	sigprocmask(SIG_SETMASK, &p->old_mask, NULL);

	r = filter_load(c, &err);
	if (r < 0)
		child_fail(fd, 125, r, &err, "seccomp");
	execve(exe, s->process.args, env);
	r = -errno;
	child_fail(fd, r == -ENOENT ? 127 : 126, r, NULL, s->process.args[0]);
}

static _Noreturn void child_main(struct rtr_container *c, struct prep *p)
{
	const struct rtr_spec *s = c->spec;
	struct sync_msg m = {.type = SYNC_READY};
	int fd = p->sync_child, r;
	bool userns = s->lx.ns[RTR_NS_USER].enabled;

	/* The container never outlives its supervisor.  (If the parent died before this
	 * line, the sync socket below reads EOF and the child leaves.) */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	m.cg_entered = cgroup_child_enter(c);
	/* A hierarchy the child could not enter is the parent's to do: then it waits. */
	m.waits = !p->host_idle ||
		  !cgroup_all_entered(c, m.cg_entered | (p->in_cgroup ? CG_ENTERED_UNIFIED : 0));

	r = child_join_namespaces(p);
	if (r < 0)
		child_fail(fd, 125, r, NULL, "joining namespaces");
	if (sync_send(fd, &m, -1) < 0)
		_exit(125);
	if (m.waits) {
		r = sync_recv(fd, &m, NULL);
		if (r <= 0 || m.type != SYNC_RELEASE)
			_exit(125); /* the parent failed and says so itself */
		c->pid = m.pid;
	}

	if (userns && s->lx.ns[RTR_NS_USER].path == NULL) {
		/* Become the mapped root of the new user namespace. */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			child_fail(fd, 125, -errno, NULL, "user namespace: becoming root");
	}
	if (userns)
		child_rearm_pdeathsig(fd, 0); /* the last credential change of an --init reaper */
	if (p->cgroupns_late && unshare(CLONE_NEWCGROUP) < 0)
		child_fail(fd, 125, -errno, NULL, "cgroup namespace");
	if (p->out_pipe[1] >= 0 && (dup2(p->out_pipe[1], 1) < 0 || dup2(p->err_pipe[1], 2) < 0))
		child_fail(fd, 125, -errno, NULL, "--log-file: dup2");

	child_build(c, fd);
	child_exec(c, p);
}

/* ---- the parent ------------------------------------------------------------------------- */

static void prep_close(struct prep *p)
{
	for (int t = 0; t < _RTR_NS_MAX; t++)
		if (p->ns_fd[t] >= 0) {
			close(p->ns_fd[t]);
			p->ns_fd[t] = -1;
		}
	for (int i = 0; i < 2; i++) {
		if (p->out_pipe[i] >= 0)
			close(p->out_pipe[i]);
		if (p->err_pipe[i] >= 0)
			close(p->err_pipe[i]);
		p->out_pipe[i] = p->err_pipe[i] = -1;
	}
	if (p->sync_child >= 0)
		close(p->sync_child);
	p->sync_child = -1;
}

static int prepare_namespaces(const struct rtr_spec *s, struct prep *p, unsigned long *ret_flags,
			      struct rtr_err *err)
{
	unsigned long flags = 0;
	bool join_user = s->lx.ns[RTR_NS_USER].enabled && s->lx.ns[RTR_NS_USER].path;

	/* Namespaces not listed are shared with rtr-run (OCI), but not the mount namespace:
	 * the rootfs, pivot_root and every mount would be the host's (runc chroots and mounts
	 * on the host then; rtr-run refuses, before anything exists). */
	if (!s->lx.ns[RTR_NS_MNT].enabled || s->lx.ns[RTR_NS_MNT].path)
		return rtr_err_set(err, EINVAL,
				   "linux.namespaces: %s: rtr-run needs a new mount namespace to "
				   "set up the rootfs (add {\"type\": \"mount\"} without a path)",
				   s->lx.ns[RTR_NS_MNT].enabled ? "the mount namespace has a path"
								: "no mount namespace");
	for (int t = 0; t < _RTR_NS_MAX; t++) {
		const struct rtr_namespace *ns = &s->lx.ns[t];

		if (!ns->enabled)
			continue;
		if (ns->path) {
			p->ns_fd[t] = open(ns->path, O_RDONLY | O_CLOEXEC);
			if (p->ns_fd[t] < 0)
				return rtr_err_sys(err, errno, "linux.namespaces: %s %s",
						   spec_ns_name(t), ns->path);
			continue;
		}
		/* A cgroup namespace is rooted where its creator stands: make it only after
		 * cgroup_enter(), or the container sees /../../rtr/NAME. */
		if (t == RTR_NS_CGROUP)
			p->cgroupns_late = true;
		else if (join_user && t != RTR_NS_PID)
			p->unshare_flags |= spec_ns_clone_flag(t); /* after setns(user) */
		else
			flags |= spec_ns_clone_flag(t);
	}
	/* A pid namespace is entered by the children of whoever joins it: join it here, in
	 * rtr-run, which has no other children in it. */
	if (p->ns_fd[RTR_NS_PID] >= 0) {
		if (setns(p->ns_fd[RTR_NS_PID], CLONE_NEWPID) < 0)
			return rtr_err_sys(err, errno, "linux.namespaces: pid %s",
					   s->lx.ns[RTR_NS_PID].path);
		close(p->ns_fd[RTR_NS_PID]);
		p->ns_fd[RTR_NS_PID] = -1;
	}
	if (s->hostname && !s->lx.ns[RTR_NS_UTS].enabled)
		return rtr_err_set(err, EINVAL,
				   "hostname: needs a uts namespace (linux.namespaces has none)");
	*ret_flags = flags;
	return 0;
}

static void stop_of(const struct rtr_spec *s, struct sv_stop *ret)
{
	int stop_sig = s->ext.stop_signal; /* parsed and defaulted by settings.c */

	ret->signal = stop_sig > 0 ? stop_sig : SIGTERM;
	ret->timeout_s = s->ext.stop_timeout_s; /* defaulted by settings.c */
}

static int status_to_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

/* One run, parent side: what the child inherits and what the supervisor relays. */
struct run {
	unsigned n; /* 0: the first run, else the restart's number */
	struct prep p;
	struct sv_io io;
	unsigned long clone_flags;
	bool created;	/* cloned: poststop hooks run whatever happens next */
	bool in_cgroup; /* cloned into the unified tree's cgroup */
	bool ran;	/* the entrypoint was executed: a restart may follow */
	uint64_t started_ms;
	struct sv_result res;
	int exit_code; /* 125 until the child reports otherwise or ends */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void run_init(struct rtr_container *c, struct run *run, unsigned n)
{
	memset(run, 0, sizeof(*run));
	run->n = n;
	run->p.sync_child = -1;
	for (int t = 0; t < _RTR_NS_MAX; t++)
		run->p.ns_fd[t] = -1;
	run->p.out_pipe[0] = run->p.out_pipe[1] = run->p.err_pipe[0] = run->p.err_pipe[1] = -1;
	run->p.parent_pid = getpid();
	sv_io_init(&run->io);
	run->exit_code = 125;
	c->pid = -1;
	c->sync_fd = -1;
}

static int open_log(const struct rtr_spec *s, struct run *run, struct rtr_err *err)
{
	if (!s->ext.log_path)
		return 0;
	run->io.log =
	    open(s->ext.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (run->io.log < 0)
		return rtr_err_sys(err, errno, "--log-file %s", s->ext.log_path);
	run->io.log_path = s->ext.log_path;
	run->io.log_max_size = s->ext.log_max_size;
	run->io.log_max_files = s->ext.log_max_files;
	run->io.log_timestamps = s->ext.log_timestamps;
	run->io.log_only = s->ext.log_only;
	if (!s->process.terminal &&
	    (pipe2(run->p.out_pipe, O_CLOEXEC) < 0 || pipe2(run->p.err_pipe, O_CLOEXEC) < 0))
		return rtr_err_sys(err, errno, "--log-file: pipe");
	return 0;
}

/*
 * Nothing for the host side to do between READY and RELEASE but the cgroup, which the
 * child enters itself: no id maps (user namespace), no oomScoreAdj, no veth, and no hook
 * that runs before the entrypoint (the hooks in the child also want the host pid that
 * RELEASE carries).  Then the child goes on without waiting for the parent.
 */
static bool host_side_idle(const struct rtr_container *c)
{
	const struct rtr_spec *s = c->spec;

	for (int k = 0; k < _RTR_HOOK_MAX; k++)
		if (s->n_hooks[k] && k != RTR_HOOK_POSTSTART && k != RTR_HOOK_POSTSTOP)
			return false;
	return !s->lx.ns[RTR_NS_USER].enabled && !s->process.oom_score_adj_set && !net_host_work(c);
}

/* Before clone: everything that can fail without creating anything. */
static int run_prepare(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	int r = net_prepare(c, err);

	if (r == 0)
		r = prepare_namespaces(c->spec, &run->p, &run->clone_flags, err);
	if (r == 0)
		r = open_log(c->spec, run, err);
	if (r == 0)
		r = idmap_prepare(c, err);
	run->p.host_idle = host_side_idle(c);
	return r;
}

/* The effective process settings, for exec and the health checks (enter.h).  Only a
 * health check cannot do without them. */
static int record_process(struct rtr_container *c, struct rtr_err *err)
{
	int r = enter_record_write(c, err);

	if (r < 0 && !c->spec->ext.health.cmd) {
		log_warn("%s: rtr-run exec will not work", err->msg);
		memset(err, 0, sizeof(*err));
		r = 0;
	}
	return r;
}

/* The cgroup is made by the first run and kept by the next ones (it is the container's
 * identity, held while rtr-run lives); so is the --notify=container socket, made once the
 * name is ours. */
static int run_cgroup(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	int r;

	if (c->cgroup) {
		cgroup_reset(c);
		return 0;
	}
	r = cgroup_setup(c, err);
	if (r == 0)
		r = record_process(c, err);
	return r < 0 ? r : notify_container_prepare(c, err);
}

/* Clones the child; from here on the container exists (run->created). */
static int spawn(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	struct prep *p = &run->p;
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return rtr_err_sys(err, errno, "socketpair");
	c->sync_fd = sp[0];
	p->sync_child = sp[1];
	p->max_fd = cloexec_range_works() ? -1 : highest_fd();
	/* Signals wait in the signalfd from now on; the child restores the mask before exec. */
	sv_block_signals(&p->old_mask);
	c->pid = cgroup_clone(run->clone_flags, cgroup_clone_fd(c), &run->in_cgroup);
	if (c->pid < 0)
		return rtr_err_sys(err, errno, "clone");
	if (c->pid == 0) {
		close(sp[0]);
		p->in_cgroup = run->in_cgroup;
		child_main(c, p);
	}
	run->created = true;
	close(p->sync_child);
	p->sync_child = -1;
	if (p->out_pipe[1] >= 0) {
		close(p->out_pipe[1]);
		close(p->err_pipe[1]);
		p->out_pipe[1] = p->err_pipe[1] = -1;
		run->io.out = TAKE_FD(p->out_pipe[0]);
		run->io.err = TAKE_FD(p->err_pipe[0]);
	}
	return 0;
}

static int write_oom_score_adj(const struct rtr_container *c, struct rtr_err *err)
{
	char path[64], v[16];
	int r;

	if (!c->spec->process.oom_score_adj_set)
		return 0;
	/* From here: the non-dumpable child's /proc files belong to the host's root. */
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)c->pid);
	snprintf(v, sizeof(v), "%d", c->spec->process.oom_score_adj);
	r = write_string_at(AT_FDCWD, path, v);
	if (r < 0)
		return rtr_err_sys(err, -r, "process.oomScoreAdj %s", v);
	return 0;
}

/* Once the child is READY, it waits while its cgroup, id maps and network are made and
 * the hooks of that moment run; then RELEASE. */
static int setup_host_side(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	struct sync_msg m;
	int r = sync_recv(c->sync_fd, &m, NULL);
	bool waits;

	if (r <= 0 || m.type != SYNC_READY) {
		if (r > 0 && m.type == SYNC_ERROR)
			return rtr_err_set(err, m.err, "%s", m.msg);
		return rtr_err_set(err, EPIPE, "container init died while starting");
	}
	waits = m.waits;
	r = cgroup_enter(c, c->pid, m.cg_entered | (run->in_cgroup ? CG_ENTERED_UNIFIED : 0), err);
	if (r == 0)
		r = security_write_idmaps(c, err);
	if (r == 0)
		r = write_oom_score_adj(c, err);
	if (r == 0)
		r = net_setup_host(c, err);
	if (r == 0)
		r = hooks_run(c, RTR_HOOK_PRESTART, "created", err);
	if (r == 0)
		r = hooks_run(c, RTR_HOOK_CREATE_RUNTIME, "creating", err);
	if (r < 0 || !waits)
		return r;
	m = (struct sync_msg){.type = SYNC_RELEASE, .pid = c->pid};
	r = sync_send(c->sync_fd, &m, -1);
	if (r < 0)
		return rtr_err_sys(err, -r, "releasing the container");
	return 0;
}

/* Until EOF (execve closed the child's O_CLOEXEC end) or an error report; the pty
 * master, if any, rides along. */
static int wait_exec(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	struct sync_msg m;
	int r;

	for (;;) {
		int pty = -1;

		r = sync_recv(c->sync_fd, &m, &pty);
		if (r <= 0)
			break;
		if (m.type == SYNC_PTY && pty >= 0) {
			run->io.master = pty;
			continue;
		}
		if (pty >= 0)
			close(pty);
		if (m.type == SYNC_ERROR) {
			run->exit_code = m.exit_code;
			return rtr_err_set(err, m.err, "%s", m.msg);
		}
	}
	if (r < 0)
		return rtr_err_sys(err, -r, "sync socket");
	close(c->sync_fd);
	c->sync_fd = -1;
	return 0;
}

/* The entrypoint runs: READY=1 (or, with --notify=container, the container's own word
 * through the relay), STATUS= after a restart. */
static int run_started(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	run->ran = true;
	run->started_ms = now_ms();
	if (c->notify_fd >= 0) {
		run->io.notify = fcntl(c->notify_fd, F_DUPFD_CLOEXEC, 3);
		if (run->io.notify < 0)
			return rtr_err_sys(err, errno, "--notify=container");
	}
	if (run->n > 0)
		notify_send("STATUS=running (restart %u)", run->n);
	else if (c->notify_fd < 0)
		notify_send("READY=1\nMAINPID=%d", (int)getpid());
	return 0;
}

/* The container runs: poststart hooks, supervision with its health checks, the exit code
 * and the OOM report. */
static int run_supervised(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	struct sv_stop stop;
	struct enter_target t;
	struct health hc;
	bool health = c->spec->ext.health.cmd != NULL, oom;
	char desc[128] = "";
	int r;

	sv_io_tty(&run->io);
	r = hooks_run(c, RTR_HOOK_POSTSTART, "running", err);
	if (r < 0) {
		log_warn("%s", err->msg);
		memset(err, 0, sizeof(*err));
	}
	stop_of(c->spec, &stop);
	if (health) {
		enter_target_of(c, &t);
		r = health_init(&hc, &c->spec->ext.health, &t, err);
		if (r < 0)
			return r;
	}
	r = supervise(c->pid, &stop, &run->io, health ? &hc : NULL, &run->res);
	if (health)
		health_done(&hc);
	sv_io_close(&run->io);
	if (r < 0)
		return rtr_err_sys(err, -r, "supervising");
	c->pid = -1;
	run->exit_code = status_to_exit(run->res.status);
	oom = cgroup_oom_killed(c, desc, sizeof(desc));
	if (oom)
		log_error("killed by the kernel: out of memory (%s)", desc[0] ? desc : "limit");
	/* A stop that had to kill still did what was asked: it ends as if the container had
	 * died of its stop signal (143 for SIGTERM), so a unit's SuccessExitStatus=143 holds
	 * and nothing restarts it -- whether rtr-run's stop timer sent the SIGKILL or
	 * `rtr-run stop -t` did.  An OOM kill, or a SIGKILL without a stop, stays 137. */
	if ((run->res.stop_killed || run->res.stop_asked) && !oom && WIFSIGNALED(run->res.status) &&
	    WTERMSIG(run->res.status) == SIGKILL)
		run->exit_code = 128 + stop.signal;
	if (run->res.unhealthy)
		log_error("unhealthy: killed (--health-on-unhealthy restart)");
	return 0;
}

/* Everything a run made, in reverse, whether it ended or failed half-way.  The cgroup
 * stays for the next run; what is left in it is killed before the poststop hooks. */
static void run_teardown(struct rtr_container *c, struct run *run)
{
	sv_io_close(&run->io);
	if (c->pid > 0) {
		/* Failed start: the child may still wait for RELEASE or be past it. */
		int status;

		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
		c->pid = -1;
	}
	if (c->sync_fd >= 0)
		close(c->sync_fd);
	c->sync_fd = -1;
	prep_close(&run->p);
	net_teardown(c);
	cgroup_empty(c);
	if (run->created) {
		struct rtr_err herr = {0};

		if (hooks_run(c, RTR_HOOK_POSTSTOP, "stopped", &herr) < 0)
			log_warn("%s", herr.msg);
	}
	idmap_free(c);
}

typedef int run_step_fn(struct rtr_container *c, struct run *run, struct rtr_err *err);

/* One run, in order; the first failure ends it. */
static run_step_fn *const run_steps[] = {
    run_prepare, run_cgroup, spawn, setup_host_side, wait_exec, run_started, run_supervised,
};

static int run_once(struct rtr_container *c, struct run *run, struct rtr_err *err)
{
	int r = 0;

	for (size_t i = 0; i < ELEMENTSOF(run_steps) && r == 0; i++)
		r = run_steps[i](c, run, err);
	if (r < 0)
		idmap_explain(c, err);
	run_teardown(c, run);
	return r;
}

/* --restart: the back-off doubles from --restart-delay up to RTR_RESTART_DELAY_MAX_MS and
 * starts afresh after a run of RTR_RESTART_RESET_S; on-failure:MAX counts every
 * restart. */
struct backoff {
	unsigned restarts;
	unsigned next_ms;
};

/* The wait before the next run, or -1: no restart.  A run that never executed its
 * entrypoint (a runtime error, 126, 127) or that a stop ended is never restarted. */
static int64_t restart_delay(const struct rtr_spec *s, const struct run *run, struct backoff *b)
{
	const struct rtr_restart *rs = &s->ext.restart;
	bool failed = run->exit_code != 0 || run->res.unhealthy;
	unsigned d;

	if (!run->ran || run->res.stop_asked || rs->policy == RTR_RESTART_NO)
		return -1;
	if (rs->policy == RTR_RESTART_ON_FAILURE &&
	    (!failed || (rs->max && b->restarts >= rs->max)))
		return -1;
	if (b->restarts == 0 || now_ms() - run->started_ms >= RTR_RESTART_RESET_S * 1000)
		b->next_ms = rs->delay_ms;
	d = b->next_ms;
	b->next_ms = d > RTR_RESTART_DELAY_MAX_MS / 2 ? RTR_RESTART_DELAY_MAX_MS : d * 2;
	return d;
}

/* Between two runs: the record for ps, the word to the service manager, the wait.
 * Returns 1 to run again, 0 when a stop came meanwhile, or a negative errno. */
static int restart_wait(struct rtr_container *c, const struct run *run, unsigned restarts,
			unsigned delay_ms, struct rtr_err *err)
{
	struct sv_result res = {0};
	int r;

	cgroup_record_runs(c, restarts, run->exit_code);
	log_warn("exited with status %d; restart %u in %u ms", run->exit_code, restarts, delay_ms);
	notify_send("STATUS=exited with status %d, restart %u in %u ms", run->exit_code, restarts,
		    delay_ms);
	r = sv_backoff(delay_ms, &res);
	if (r < 0)
		return rtr_err_sys(err, -r, "waiting to restart");
	return res.stop_asked ? 0 : 1;
}

int container_run(struct rtr_container *c, struct rtr_err *err)
{
	struct backoff b = {0};
	struct run run;
	sigset_t mask;
	int r;

	/* From here a stop (rtr-run stop finds this rtr-run once the cgroup exists) waits in
	 * the supervisor's signalfd instead of killing rtr-run half-way through a start. */
	sv_block_signals(&mask);
	run_init(c, &run, 0);
	r = caps_prepare(c, err);
	if (r == 0)
		r = filter_prepare(c, err);
	while (r == 0) {
		int64_t delay;

		run_init(c, &run, b.restarts);
		r = run_once(c, &run, err);
		delay = r < 0 ? -1 : restart_delay(c->spec, &run, &b);
		if (delay < 0)
			break;
		r = restart_wait(c, &run, ++b.restarts, (unsigned)delay, err);
		if (r == 0)
			break;
		if (r > 0)
			r = 0;
	}
	cgroup_destroy(c);
	notify_container_free(c);
	caps_free(c);
	filter_free(c);
	return run.exit_code;
}
