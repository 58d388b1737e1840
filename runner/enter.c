/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entering a running container (see enter.h): the record the supervisor writes at start,
 * and the child that reads it back and becomes a process of the container.
 *
 *   parent: open /proc/PID/ns/TYPE (those that differ from ours), the container's cgroup
 *           directories and their v1 "tasks" files; setns(pid) for its next child only;
 *           clone into the unified tree's cgroup; setns(pid) back
 *   child:  read the record, "0" to every v1 "tasks" file, setns user first, then
 *           mnt uts ipc net cgroup; pty or stdio; cwd, umask, rlimits; env; groups, gid,
 *           uid; capabilities (bounding dropped, effective/permitted/inheritable, ambient);
 *           no_new_privs; PATH lookup; seccomp last; execve
 *
 * The pid namespace is entered by the children of whoever joins it, so the parent joins
 * it for the fork and then returns to its own (a supervisor that later clones a new
 * container must not nest it in the old one).  The child reports failures on its stderr
 * and leaves with 125/126/127: for exec that is the user's terminal, for a health check
 * its output.
 *
 * The cgroup is entered the way a container's init enters it (cgroup.c says why): clone3
 * with CLONE_INTO_CGROUP for the unified tree and the child's own "0" to each v1 "tasks"
 * file, no write to a cgroup.procs that would take the kernel's global threadgroup lock
 * and wait for an RCU grace period (1-14 ms).  cgroup.procs stays the fallback for what
 * those could not do (no clone3, RTR_COMPAT=no-clone3, a refused cgroup).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
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
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "enter.h"
#include "filter.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "proc.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* ---- the record -------------------------------------------------------------------------- */

#define REC_MAGIC 0x31525452u /* "RTR1" */
#define REC_MAX (64 * 1024)   /* XATTR_SIZE_MAX */

enum { REC_NNP = 1 << 0, REC_UMASK = 1 << 1, REC_USERNS = 1 << 2 };
enum { CAPS_EFF, CAPS_PRM, CAPS_INH, CAPS_BND, CAPS_AMB, N_CAPSETS };

/* Followed by gids[n_gids], rlimits[n_rlimits], insns[n_insns], cwd and n_env strings,
 * each NUL-terminated. */
struct rec_hdr {
	uint32_t magic, flags, uid, gid, umask;
	uint32_t n_gids, n_rlimits, n_insns, seccomp_flags, n_env;
	uint64_t caps[N_CAPSETS];
};

struct rec_rlimit {
	uint32_t resource, pad;
	uint64_t soft, hard;
};

struct rec {
	const struct rec_hdr *h;
	const uint32_t *gids;
	const struct rec_rlimit *rl;
	struct sock_filter *insns;
	const char *cwd;
	char **env;
};

struct buf {
	char *p;
	size_t len;
	bool failed;
};

static void put(struct buf *b, const void *p, size_t n)
{
	char *np;

	if (n == 0)
		return; /* an empty array may be NULL */
	if (b->failed || b->len + n > REC_MAX) {
		b->failed = true;
		return;
	}
	np = realloc(b->p, b->len + n);
	if (!np) {
		b->failed = true;
		return;
	}
	memcpy(np + b->len, p, n);
	b->p = np;
	b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
	put(b, s ? s : "", strlen(s ? s : "") + 1);
}

static void record_build(const struct rtr_container *c, struct buf *b)
{
	const struct rtr_process *p = &c->spec->process;
	struct rec_hdr h = {.magic = REC_MAGIC, .uid = p->user.uid, .gid = p->user.gid};
	size_t n_insns = 0;
	unsigned flags = 0;
	const void *insns = filter_program(c, &n_insns, &flags);

	h.flags = (p->no_new_privileges ? REC_NNP : 0) | (p->user.umask_set ? REC_UMASK : 0) |
		  (c->spec->lx.ns[RTR_NS_USER].enabled ? REC_USERNS : 0);
	h.umask = p->user.umask;
	h.n_gids = (uint32_t)p->user.n_additional_gids;
	h.n_rlimits = (uint32_t)p->n_rlimits;
	h.n_insns = (uint32_t)n_insns;
	h.seccomp_flags = flags;
	h.n_env = (uint32_t)strv_length(p->env);
	caps_masks(c, h.caps);
	put(b, &h, sizeof(h));
	put(b, p->user.additional_gids, h.n_gids * sizeof(uint32_t));
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rec_rlimit rl = {(uint32_t)p->rlimits[i].resource, 0, p->rlimits[i].soft,
					p->rlimits[i].hard};
		put(b, &rl, sizeof(rl));
	}
	put(b, insns, n_insns * sizeof(struct sock_filter));
	put_str(b, p->cwd);
	for (size_t i = 0; i < h.n_env; i++)
		put_str(b, p->env[i]);
}

int enter_record_write(const struct rtr_container *c, struct rtr_err *err)
{
	struct buf b = {0};
	int r = 0;

	if (!c->cgroup)
		return 0;
	record_build(c, &b);
	if (b.failed)
		r = rtr_err_set(err, E2BIG,
				"the process settings exec and health checks need are larger than "
				"%d KiB (environment too large?)",
				REC_MAX / 1024);
	else if (fsetxattr(c->cgroup->lock_fd, CG_XATTR_EXEC, b.p, b.len, 0) < 0)
		r = rtr_err_sys(err, errno, "cgroup %s: recording the process settings",
				c->cgroup->rel);
	free(b.p);
	return r;
}

/* Checks every count against the size, so a damaged record cannot send us reading past
 * it; the strings are split in place into @r->env (allocated). */
static int record_parse(char *p, size_t len, struct rec *r)
{
	const struct rec_hdr *h = (const void *)p;
	size_t off = sizeof(*h), need;
	char *s, *end = p + len;

	if (len < sizeof(*h) || h->magic != REC_MAGIC || h->n_gids > 65536 || h->n_rlimits > 64 ||
	    h->n_insns > BPF_MAXINSNS || h->n_env > REC_MAX)
		return -EBADMSG;
	need = off + h->n_gids * 4 + h->n_rlimits * sizeof(struct rec_rlimit) +
	       h->n_insns * sizeof(struct sock_filter);
	if (need >= len || end[-1] != 0)
		return -EBADMSG;
	r->h = h;
	r->gids = (const void *)(p + off);
	r->rl = (const void *)(p + off + h->n_gids * 4);
	r->insns = (void *)(p + off + h->n_gids * 4 + h->n_rlimits * sizeof(struct rec_rlimit));
	r->cwd = s = p + need;
	r->env = calloc(h->n_env + 1, sizeof(char *));
	if (!r->env)
		return -ENOMEM;
	s += strlen(s) + 1;
	for (uint32_t i = 0; i < h->n_env; i++) {
		if (s >= end)
			return -EBADMSG;
		r->env[i] = s;
		s += strlen(s) + 1;
	}
	return 0;
}

/* ---- finding the container --------------------------------------------------------------- */

static bool frozen(const struct cg_host *h, const char *rel)
{
	char path[PATH_MAX], buf[32] = "";
	_cleanup_close_ int fd = -1;
	bool v2 = h->v2_root != NULL;

	if (!v2 && !(h->v1 & (1u << CG_FREEZER)))
		return false;
	if (cg_path(h, v2 ? CG_V2 : CG_FREEZER, rel, path, sizeof(path)) < 0)
		return false;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 ||
	    cg_read_small(fd, v2 ? "cgroup.freeze" : "freezer.state", buf, sizeof(buf)) <= 0)
		return false;
	return v2 ? buf[0] == '1' : !startswith(buf, "THAWED");
}

int enter_find(const char *parent, const char *name, struct enter_target *ret, struct rtr_err *err)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	ret->cg_fd = -1;
	if (cg_host_detect(&ret->h) < 0)
		return rtr_err_set(err, ENOENT, "no cgroup filesystem at " CG_ROOT);
	if (cg_rel_lookup(&ret->h, parent, name, ret->rel, sizeof(ret->rel)) < 0 ||
	    cg_path(&ret->h, cg_primary(&ret->h), ret->rel, path, sizeof(path)) < 0)
		return rtr_err_set(err, EINVAL, "exec: bad container name");
	ret->cg_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ret->cg_fd < 0 || !cg_populated(ret->cg_fd, cg_primary(&ret->h) == CG_V2))
		return rtr_err_set(err, ESRCH, "exec: no such running container");
	n = fgetxattr(ret->cg_fd, CG_XATTR_PID, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	ret->pid = (pid_t)atoi(buf);
	if (ret->pid <= 0 || kill(ret->pid, 0) < 0)
		return rtr_err_set(err, ESRCH, "exec: no such running container");
	if (fgetxattr(ret->cg_fd, CG_XATTR_EXEC, NULL, 0) <= 0)
		return rtr_err_set(err, ENODATA,
				   "exec: the container has no recorded process settings "
				   "(started by an older rtr-run?)");
	if (frozen(&ret->h, ret->rel))
		return rtr_err_set(err, EBUSY,
				   "exec: the container is paused (rtr-run resume %s first)", name);
	return 0;
}

void enter_target_of(const struct rtr_container *c, struct enter_target *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->cg_fd = -1;
	ret->pid = c->pid;
	if (!c->cgroup)
		return;
	ret->h = c->cgroup->h;
	snprintf(ret->rel, sizeof(ret->rel), "%s", c->cgroup->rel);
	ret->cg_fd = c->cgroup->lock_fd;
}

/* ---- what the parent opens ----------------------------------------------------------- */

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},  {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC},   {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP},
    {"pid", CLONE_NEWPID},
};
#define NS_USER 0
#define NS_PID 6
#define N_NS ELEMENTSOF(ns_types)

struct joinfds {
	int ns[N_NS];	     /* -1: shared with us, nothing to join */
	int cg[_CG_MAX + 1]; /* [i + 1]: cgroup directory in hierarchy i (CG_V2 = -1) */
	int tasks[_CG_MAX];  /* v1: the "tasks" file of cg[i + 1], or -1 */
	int null_fd;	     /* /dev/null for a health check's stdin */
	bool clone_into;     /* cg[0] may be entered by clone3(CLONE_INTO_CGROUP) */
	bool in_cgroup;	     /* cloned into cg[0], the unified tree's directory */
};

static void joinfds_close(struct joinfds *j)
{
	for (size_t i = 0; i < N_NS; i++)
		if (j->ns[i] >= 0)
			close(j->ns[i]);
	for (int i = 0; i <= _CG_MAX; i++)
		if (j->cg[i] >= 0)
			close(j->cg[i]);
	for (int i = 0; i < _CG_MAX; i++)
		if (j->tasks[i] >= 0)
			close(j->tasks[i]);
	if (j->null_fd >= 0)
		close(j->null_fd);
}

static int open_namespaces(pid_t pid, struct joinfds *j, struct rtr_err *err)
{
	for (size_t i = 0; i < N_NS; i++) {
		char path[64];
		struct stat theirs, ours;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_types[i].name);
		j->ns[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (j->ns[i] < 0)
			return rtr_err_sys(err, errno, "%s", path);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_types[i].name);
		if (fstat(j->ns[i], &theirs) == 0 && stat(path, &ours) == 0 &&
		    theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
			close(j->ns[i]);
			j->ns[i] = -1;
		}
	}
	return 0;
}

/*
 * @sub below the container's directory @path, made afresh: the caller (health.c) empties it
 * with cgroup.kill after every check, which raises the cgroup's kill count, and kernels
 * that check it for CLONE_INTO_CGROUP compare it with the count of the parent's cgroup and
 * SIGKILL every child cloned into it later (seen on 6.18).  A new directory starts at
 * zero.  *@ret_fresh is false when the old one could not go (a process left in it): the
 * child then enters through cgroup.procs.
 */
static int make_sub(char *path, size_t n, const char *sub, bool *ret_fresh)
{
	size_t len = strlen(path);

	if (snprintf(path + len, n - len, "/%s", sub) >= (int)(n - len))
		return -ENAMETOOLONG;
	*ret_fresh = rmdir(path) == 0 || errno == ENOENT;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The container's directory in every hierarchy, @sub below it in the primary one; the v1
 * "tasks" files opened here, by the parent, before the child drops anything. */
static int open_cgroups(const struct enter_target *t, const char *sub, struct joinfds *j,
			struct rtr_err *err)
{
	int prim = cg_primary(&t->h);
	bool fresh = true;

	for (int i = CG_V2; i < _CG_MAX; i++) {
		char path[PATH_MAX];
		int r;

		if (!cg_has_hierarchy(&t->h, i) ||
		    cg_path(&t->h, i, t->rel, path, sizeof(path)) < 0)
			continue;
		r = i == prim && sub ? make_sub(path, sizeof(path), sub, &fresh) : 0;
		if (r < 0)
			return rtr_err_sys(err, -r, "cgroup %s", path);
		if (i == CG_V2)
			j->clone_into = fresh;
		j->cg[i + 1] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (j->cg[i + 1] < 0 && i == prim)
			return rtr_err_sys(err, errno, "cgroup %s", path);
		if (j->cg[i + 1] >= 0 && i != CG_V2)
			j->tasks[i] = openat(j->cg[i + 1], "tasks", O_WRONLY | O_CLOEXEC);
	}
	return 0;
}

/* ---- the child ------------------------------------------------------------------------------- */

static _Noreturn void die(int code, int r, const char *what)
{
	log_errno(r, "exec: %s", what);
	_exit(code);
}

static void read_record(int cg_fd, struct rec *rec)
{
	char *buf = malloc(REC_MAX);
	ssize_t n;
	int r;

	if (!buf)
		die(125, ENOMEM, "reading the process settings");
	n = fgetxattr(cg_fd, CG_XATTR_EXEC, buf, REC_MAX);
	if (n <= 0)
		die(125, n < 0 ? errno : ENODATA, "the container's process settings");
	r = record_parse(buf, (size_t)n, rec);
	if (r < 0)
		die(125, r, "the container's process settings");
}

static void child_join(struct joinfds *j)
{
	unsigned done = cgroup_tasks_enter(j->tasks) | (j->in_cgroup ? CG_ENTERED_UNIFIED : 0);

	for (int i = CG_V2; i < _CG_MAX; i++) {
		int r = j->cg[i + 1] >= 0 && !(done & CG_ENTERED(i))
			    ? write_string_at(j->cg[i + 1], "cgroup.procs", "0")
			    : 0;

		if (r < 0)
			die(125, r, "entering the container's cgroup");
	}
	/* The user namespace first: it owns the others. */
	for (size_t i = 0; i < N_NS; i++) {
		if (j->ns[i] < 0 || i == NS_PID)
			continue;
		if (setns(j->ns[i], ns_types[i].flag) < 0)
			die(125, errno, ns_types[i].name);
		close(j->ns[i]);
		j->ns[i] = -1;
	}
}

/* A pty of the container's /dev/pts: the master goes to the parent over @sock, the slave
 * becomes the controlling terminal and the stdio. */
static void child_tty(int sock, uid_t uid, gid_t gid)
{
	char path[64], c = 0;
	int unlock = 0, master, slave;
	unsigned ptn;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {0};
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die(125, errno, "-t: /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &ptn) < 0)
		die(125, errno, "-t: /dev/ptmx");
	snprintf(path, sizeof(path), "/dev/pts/%u", ptn);
	slave = open(path, O_RDWR | O_NOCTTY);
	if (slave < 0)
		die(125, errno, path);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &master, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		die(125, errno, "-t: passing the pty");
	close(master);
	if (fchown(slave, uid, gid) < 0) {
		/* an unmapped owner in a user namespace: the pty stays root's, as with runc */
	}
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		die(125, errno, "-t: controlling terminal");
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(slave, fd) < 0)
			die(125, errno, "-t: dup2");
	if (slave > 2)
		close(slave);
}

static void child_env(const struct rec *rec, const struct enter_req *req, uid_t uid, char ***ret)
{
	char **env = strv_copy(rec->env);

	for (char *const *e = req->env; env && e && *e; e++)
		if (env_set(&env, *e) < 0) {
			strv_free(env);
			env = NULL;
		}
	*ret = env ? proc_env_with_home(env, uid) : NULL;
	if (!*ret)
		die(125, ENOMEM, "environment");
}

static void child_user(const struct rec *rec, uid_t uid, gid_t gid, bool own_user)
{
	const struct rec_hdr *h = rec->h;
	size_t n = own_user ? h->n_gids : 0;
	bool userns = h->flags & REC_USERNS;
	_cleanup_free_ gid_t *g = calloc(n + 1, sizeof(gid_t));

	if (!g)
		die(125, ENOMEM, "groups");
	for (size_t i = 0; i < n; i++)
		g[i] = rec->gids[i];
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		die(125, errno, "prctl(PR_SET_KEEPCAPS)");
	if ((n > 0 || !userns) && setgroups(n, g) < 0 && !(userns && errno == EPERM && n == 0))
		die(125, errno, "setgroups");
	if (setresgid(gid, gid, gid) < 0)
		die(125, errno, "setgid");
	if (setresuid(uid, uid, uid) < 0)
		die(125, errno, "setuid");
}

static int capset_masks(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct hd = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
	    {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};

	return (int)syscall(SYS_capset, &hd, d);
}

static void load_filter(const struct rec *rec, bool *loaded)
{
	struct sock_fprog prog = {.len = (unsigned short)rec->h->n_insns, .filter = rec->insns};

	if (*loaded || rec->h->n_insns == 0)
		return;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, rec->h->seccomp_flags, &prog) < 0 &&
	    !(errno == ENOSYS && rec->h->seccomp_flags == 0 &&
	      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0))
		die(125, errno, "seccomp");
	*loaded = true;
}

/* What caps.c's caps_apply() does, from the record's masks: raise what is permitted so
 * the bounding set can shrink, the filter while CAP_SYS_ADMIN is still there when
 * no_new_privs will not allow it later, then the final sets and the ambient ones. */
static void child_caps(const struct rec *rec, bool *filter_loaded)
{
	const uint64_t *k = rec->h->caps;
	struct __user_cap_header_struct hd = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	uint64_t prm;

	if (syscall(SYS_capget, &hd, d) < 0)
		die(125, errno, "capget");
	prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	if (capset_masks(prm, prm, 0) < 0)
		die(125, errno, "capset");
	for (int cap = 0; cap < 64; cap++)
		if (!(k[CAPS_BND] & (UINT64_C(1) << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			die(125, errno, "dropping a capability from the bounding set");
	if (!(rec->h->flags & REC_NNP) && !(k[CAPS_EFF] & (UINT64_C(1) << CAP_SYS_ADMIN)))
		load_filter(rec, filter_loaded);
	if (capset_masks(k[CAPS_EFF], k[CAPS_PRM], k[CAPS_INH]) < 0)
		die(125, errno, "capset");
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int cap = 0; cap < 64; cap++)
		if ((k[CAPS_AMB] & (UINT64_C(1) << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			die(125, errno, "raising an ambient capability");
}

static _Noreturn void child_main(const struct enter_target *t, const struct enter_req *req,
				 struct joinfds *j, int sock)
{
	struct rec rec;
	char exe[PATH_MAX], **env;
	bool loaded = false;
	sigset_t none;
	uid_t uid;
	gid_t gid;
	int r;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (req->gate_fd >= 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	read_record(t->cg_fd, &rec);
	uid = req->uid >= 0 ? (uid_t)req->uid : rec.h->uid;
	gid = req->gid >= 0 ? (gid_t)req->gid : rec.h->gid;
	child_join(j);
	if (req->tty)
		child_tty(sock, uid, gid);
	else if (req->out_fd >= 0 &&
		 (dup2(j->null_fd, 0) < 0 || dup2(req->out_fd, 1) < 0 || dup2(req->out_fd, 2) < 0))
		die(125, errno, "dup2");
	if (!req->tty)
		setsid(); /* a group of its own: the supervisor forwards signals once */
	/* Joined ahead of time: the wait for the cgroup move is off the check's clock. */
	if (req->gate_fd >= 0) {
		char go;

		while ((r = (int)read(req->gate_fd, &go, 1)) < 0 && errno == EINTR)
			;
		if (r != 1)
			_exit(125);
	}
	if (chdir(req->cwd ? req->cwd : rec.cwd) < 0)
		die(125, errno, req->cwd ? req->cwd : rec.cwd);
	umask(rec.h->flags & REC_UMASK ? rec.h->umask : 022);
	for (uint32_t i = 0; i < rec.h->n_rlimits; i++) {
		struct rlimit rl = {
		    rec.rl[i].soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)rec.rl[i].soft,
		    rec.rl[i].hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)rec.rl[i].hard};

		if (setrlimit((int)rec.rl[i].resource, &rl) < 0)
			die(125, errno, "rlimit");
	}
	child_env(&rec, req, uid, &env);
	child_user(&rec, uid, gid, req->uid < 0);
	child_caps(&rec, &loaded);
	if ((rec.h->flags & REC_NNP) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(125, errno, "no_new_privs");
	r = proc_resolve_exec(req->argv[0], env, exe, sizeof(exe));
	if (r < 0)
		die(r == -ENOENT ? 127 : 126, r, req->argv[0]);
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int i = 3; i < 4096; i++)
			fcntl(i, F_SETFD, FD_CLOEXEC);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	load_filter(&rec, &loaded);
	execve(exe, req->argv, env);
	die(errno == ENOENT ? 127 : 126, errno, req->argv[0]);
}

/* ---- the parent ---------------------------------------------------------------------------- */

static int recv_master(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c;
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	int fd = -1;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* fork() with the child in the container's pid namespace and, when the kernel can, in the
 * unified tree's cgroup; ours again afterwards. */
static pid_t clone_in(struct joinfds *j)
{
	int pidns = j->ns[NS_PID];
	_cleanup_close_ int self = -1;
	pid_t pid;

	if (pidns >= 0) {
		self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(pidns, CLONE_NEWPID) < 0)
			return -1;
	}
	pid = cgroup_clone(0, j->clone_into ? j->cg[CG_V2 + 1] : -1, &j->in_cgroup);
	if (pid != 0 && self >= 0 && setns(self, CLONE_NEWPID) < 0)
		log_warn("exec: returning to rtr-run's pid namespace: %s", strerror(errno));
	return pid;
}

pid_t enter_spawn(const struct enter_target *t, const struct enter_req *req, int *ret_master,
		  struct rtr_err *err)
{
	struct joinfds j = {.null_fd = -1};
	int sp[2] = {-1, -1}, r;
	pid_t pid;

	memset(j.ns, -1, sizeof(j.ns));
	memset(j.cg, -1, sizeof(j.cg));
	memset(j.tasks, -1, sizeof(j.tasks));
	if (ret_master)
		*ret_master = -1;
	r = open_namespaces(t->pid, &j, err);
	if (r == 0)
		r = open_cgroups(t, req->sub, &j, err);
	if (r == 0 && req->out_fd >= 0 && (j.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		r = rtr_err_sys(err, errno, "/dev/null");
	if (r == 0 && req->tty && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
		r = rtr_err_sys(err, errno, "socketpair");
	if (r < 0) {
		joinfds_close(&j);
		return r;
	}
	pid = clone_in(&j);
	if (pid == 0) {
		if (sp[0] >= 0)
			close(sp[0]);
		child_main(t, req, &j, sp[1]);
	}
	r = pid < 0 ? -errno : 0;
	joinfds_close(&j);
	if (sp[1] >= 0)
		close(sp[1]);
	if (r < 0) {
		if (sp[0] >= 0)
			close(sp[0]);
		return rtr_err_sys(err, -r, "entering the container");
	}
	if (sp[0] >= 0) {
		*ret_master = recv_master(sp[0]);
		close(sp[0]);
	}
	return pid;
}
