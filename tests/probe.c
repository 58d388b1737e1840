/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test probe: a static program copied into test rootfs as /probe.  It prints what the
 * container sees as key=value lines, one command per run:
 *
 *   probe uid              uid, gid, euid, egid, groups
 *   probe caps             Cap*, NoNewPrivs, Seccomp lines of /proc/self/status
 *   probe fds              open fds of the probe (fds=0,1,2)
 *   probe pid              pid, ppid, sid, pgid
 *   probe env              the environment, one K=V a line
 *   probe cwd              cwd=
 *   probe umask            umask=0022
 *   probe hostname         hostname=, domainname=
 *   probe cat FILE...      the files' contents
 *   probe stat PATH...     PATH type=c mode=0666 uid= gid= rdev=MAJ:MIN (lstat)
 *   probe write PATH       write=ok or write=EROFS (O_WRONLY|O_CREAT|O_TRUNC)
 *   probe open PATH        open=ok or open=ENOENT (O_RDONLY)
 *   probe readlink PATH    readlink=TARGET or readlink=ERRNO
 *   probe tty              isatty0/1/2, ttyname, ctty (TIOCGPGRP ok)
 *   probe signals N        prints ready, then signal=NAME for each of N caught signals
 *   probe exit N           exits N
 *   probe kill SIG         kills itself with SIG (number)
 *   probe sleep SECONDS    sleeps
 *   probe syscall NAME [ARG]  tries one privileged operation, prints NAME=ok or NAME=EPERM
 *                          (names: see probe_syscall(); a number NR calls syscall NR with
 *                          zero arguments and prints NR=ok or NR=ERRNO)
 *   probe read PATH        read=BYTES (whole file) or read=ERRNO
 *   probe syscall socket-ping        an ICMP echo socket (no CAP_NET_RAW needed when
 *                                    the gid is in net.ipv4.ping_group_range)
 *   probe syscall ping               one ICMP echo to 127.0.0.1 over such a socket
 *   probe syscall bind-port PORT     a TCP bind on 127.0.0.1:PORT
 *   probe syscall sched-fifo         sched_setscheduler(SCHED_FIFO, 1): a real-time budget
 *
 * Error names are printed as E* symbols so tests can match them exactly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

static const struct {
	int e;
	const char *name;
} errnos[] = {
    {EPERM, "EPERM"},	{ENOENT, "ENOENT"}, {EACCES, "EACCES"}, {EROFS, "EROFS"},
    {EEXIST, "EEXIST"}, {EINVAL, "EINVAL"}, {ENOSPC, "ENOSPC"}, {ENOTDIR, "ENOTDIR"},
    {EISDIR, "EISDIR"}, {ENOSYS, "ENOSYS"}, {EBUSY, "EBUSY"},	{ELOOP, "ELOOP"},
    {ENXIO, "ENXIO"},	{ENODEV, "ENODEV"}, {EXDEV, "EXDEV"},	{ESRCH, "ESRCH"},
    {ENOTTY, "ENOTTY"}, {EIO, "EIO"},	    {EBADF, "EBADF"},	{EFAULT, "EFAULT"},
};

static const char *errname(int e)
{
	static char buf[16];

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].e == e)
			return errnos[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static void cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf("%s: %s\n", path, errname(errno));
		return;
	}
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			break;
	close(fd);
}

static void status_lines(const char *const *keys)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; keys[i]; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0 &&
			    line[strlen(keys[i])] == ':') {
				char *v = line + strlen(keys[i]) + 1;
				v += strspn(v, " \t");
				printf("%s=%s", keys[i], v);
			}
	fclose(f);
}

static const char *signame(int s)
{
	static char buf[16];

	switch (s) {
	case SIGTERM:
		return "TERM";
	case SIGINT:
		return "INT";
	case SIGHUP:
		return "HUP";
	case SIGQUIT:
		return "QUIT";
	case SIGUSR1:
		return "USR1";
	case SIGUSR2:
		return "USR2";
	case SIGWINCH:
		return "WINCH";
	}
	snprintf(buf, sizeof(buf), "%d", s);
	return buf;
}

static char ftype(mode_t m)
{
	return S_ISREG(m)    ? 'f'
	       : S_ISDIR(m)  ? 'd'
	       : S_ISLNK(m)  ? 'l'
	       : S_ISCHR(m)  ? 'c'
	       : S_ISBLK(m)  ? 'b'
	       : S_ISFIFO(m) ? 'p'
	       : S_ISSOCK(m) ? 's'
			     : '?';
}

/* One privileged operation, done with raw syscalls so no libc fallback hides the errno. */
/* An ICMP echo over a ping socket (what ping does without CAP_NET_RAW): 0 when the
 * reply comes back within two seconds. */
static int ping_loopback(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {2, 0};
	unsigned char req[16] = {8 /* echo request */}, rep[64];
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	req[7] = 1; /* sequence; id and checksum are filled in by the kernel */
	if (sendto(fd, req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    recv(fd, rep, sizeof(rep), 0) < 1)
		return -1;
	if (rep[0] != 0 /* echo reply */) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int probe_syscall(const char *name, const char *arg)
{
	long r = -1;

	errno = 0;
	if (!strcmp(name, "mount"))
		r = syscall(SYS_mount, "none", "/tmp", "tmpfs", 0UL, NULL);
	else if (!strcmp(name, "umount"))
		r = syscall(SYS_umount2, arg ? arg : "/proc", 0);
	else if (!strcmp(name, "unshare-mnt"))
		r = syscall(SYS_unshare, 0x00020000 /* CLONE_NEWNS */);
	else if (!strcmp(name, "unshare-user"))
		r = syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */);
	else if (!strcmp(name, "clone-newns")) {
		/* fork-like clone asking for a new mount namespace */
		r = syscall(SYS_clone, 0x00020000 | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
	} else if (!strcmp(name, "fork")) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		r = p < 0 ? -1 : waitpid(p, NULL, 0);
	} else if (!strcmp(name, "pivot_root"))
		r = syscall(SYS_pivot_root, "/", "/");
	else if (!strcmp(name, "keyctl"))
		r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
	else if (!strcmp(name, "add_key"))
		r = syscall(SYS_add_key, "user", "rtr", "x", 1, -3);
	else if (!strcmp(name, "bpf")) {
		char attr[128] = {0};
		r = syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof(attr));
	} else if (!strcmp(name, "ptrace"))
		r = syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, arg ? atoi(arg) : 1, 0, 0);
	else if (!strcmp(name, "kexec_load"))
		r = syscall(SYS_kexec_load, 0, 0, NULL, 0);
	else if (!strcmp(name, "init_module"))
		r = syscall(SYS_init_module, "", 0, "");
	else if (!strcmp(name, "finit_module"))
		r = syscall(SYS_finit_module, 0, "", 0);
	else if (!strcmp(name, "mknod-blk")) {
		r = syscall(SYS_mknodat, AT_FDCWD, arg ? arg : "/tmp/blk", S_IFBLK | 0600,
			    makedev(7, 0));
	} else if (!strcmp(name, "mknod-chr"))
		r = syscall(SYS_mknodat, AT_FDCWD, arg ? arg : "/tmp/chr", S_IFCHR | 0600,
			    makedev(1, 3));
	else if (!strcmp(name, "sethostname"))
		r = syscall(SYS_sethostname, arg ? arg : "pwned", strlen(arg ? arg : "pwned"));
	else if (!strcmp(name, "setrlimit")) {
		/* raise the hard limit of open files above what it is */
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_max += 1;
		r = setrlimit(RLIMIT_NOFILE, &rl);
	} else if (!strcmp(name, "setns"))
		r = syscall(SYS_setns, -1, 0);
	else if (!strcmp(name, "open_by_handle_at"))
		r = syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0);
	else if (!strcmp(name, "userfaultfd"))
		r = syscall(SYS_userfaultfd, 0);
	else if (!strcmp(name, "perf_event_open"))
		r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
	else if (!strcmp(name, "reboot"))
		r = syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic: EINVAL if allowed */
	else if (!strcmp(name, "chroot"))
		r = syscall(SYS_chroot, "/");
	else if (!strcmp(name, "mkdir"))
		r = syscall(SYS_mkdirat, AT_FDCWD, arg ? arg : "/tmp/probe-dir", 0755);
	else if (!strcmp(name, "personality-bad"))
		r = syscall(SYS_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */);
	else if (!strcmp(name, "socket-vsock"))
		r = syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
	else if (!strcmp(name, "socket") && arg) /* FAMILY:TYPE */
		r = syscall(SYS_socket, atoi(arg),
			    strchr(arg, ':') ? atoi(strchr(arg, ':') + 1) : 1, 0);
	else if (!strcmp(name, "socket-inet"))
		r = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	else if (!strcmp(name, "socket-ping")) /* ICMP echo socket: ping_group_range */
		r = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	else if (!strcmp(name, "ping")) /* one echo to 127.0.0.1 and its reply, unprivileged */
		r = ping_loopback();
	else if (!strcmp(name, "bind-port") && arg) { /* TCP PORT on 127.0.0.1 */
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)atoi(arg)),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		r = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else if (!strcmp(name, "sched-fifo")) { /* SCHED_FIFO priority 1 for itself */
		struct sched_param sp = {.sched_priority = 1};

		/* the raw call: musl's sched_setscheduler() is a stub that says ENOSYS */
		r = (int)syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp);
	} else if (name[0] >= '0' && name[0] <= '9' && strspn(name, "0123456789") == strlen(name)) {
		/* a bare number (a syscall the libc may not know), zero arguments */
		r = syscall(atol(name), 0, 0, 0, 0, 0, 0);
	} else {
		fprintf(stderr, "probe: unknown syscall '%s'\n", name);
		return 2;
	}
	printf("%s=%s\n", name, r < 0 ? errname(errno) : "ok");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "uid")) {
		gid_t g[256];
		int n = getgroups(256, g);

		printf("uid=%u\ngid=%u\neuid=%u\negid=%u\ngroups=", getuid(), getgid(), geteuid(),
		       getegid());
		for (int i = 0; i < n; i++)
			printf("%s%u", i ? "," : "", g[i]);
		printf("\n");
	} else if (!strcmp(cmd, "caps")) {
		static const char *const keys[] = {"CapInh", "CapPrm",	   "CapEff",  "CapBnd",
						   "CapAmb", "NoNewPrivs", "Seccomp", NULL};
		status_lines(keys);
	} else if (!strcmp(cmd, "fds")) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;
		int first = 1;

		if (!d) {
			printf("fds=%s\n", errname(errno));
			return 1;
		}
		printf("fds=");
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d)) {
				printf("%s%s", first ? "" : ",", de->d_name);
				first = 0;
			}
		printf("\n");
		closedir(d);
	} else if (!strcmp(cmd, "pid")) {
		printf("pid=%d\nppid=%d\nsid=%d\npgid=%d\n", getpid(), getppid(), getsid(0),
		       getpgid(0));
	} else if (!strcmp(cmd, "env")) {
		for (char **e = environ; *e; e++)
			printf("%s\n", *e);
	} else if (!strcmp(cmd, "cwd")) {
		char buf[4096];
		printf("cwd=%s\n", getcwd(buf, sizeof(buf)) ? buf : errname(errno));
	} else if (!strcmp(cmd, "umask")) {
		mode_t m = umask(0);
		printf("umask=%04o\n", (unsigned)m);
	} else if (!strcmp(cmd, "hostname")) {
		char h[256] = "", d[256] = "";
		gethostname(h, sizeof(h) - 1);
		getdomainname(d, sizeof(d) - 1);
		printf("hostname=%s\ndomainname=%s\n", h, d);
	} else if (!strcmp(cmd, "cat")) {
		for (int i = 2; i < argc; i++)
			cat(argv[i]);
	} else if (!strcmp(cmd, "stat")) {
		for (int i = 2; i < argc; i++) {
			struct stat st;
			if (lstat(argv[i], &st) < 0) {
				printf("%s %s\n", argv[i], errname(errno));
				continue;
			}
			printf("%s type=%c mode=%04o uid=%u gid=%u rdev=%u:%u\n", argv[i],
			       ftype(st.st_mode), (unsigned)(st.st_mode & 07777), st.st_uid,
			       st.st_gid, major(st.st_rdev), minor(st.st_rdev));
		}
	} else if (!strcmp(cmd, "write") && argc > 2) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		printf("write=%s\n", fd < 0 ? errname(errno) : "ok");
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(cmd, "open") && argc > 2) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		printf("open=%s\n", fd < 0 ? errname(errno) : "ok");
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(cmd, "readlink") && argc > 2) {
		char buf[4096];
		ssize_t n = readlink(argv[2], buf, sizeof(buf) - 1);
		if (n >= 0)
			buf[n] = 0;
		printf("readlink=%s\n", n < 0 ? errname(errno) : buf);
	} else if (!strcmp(cmd, "tty")) {
		pid_t pg;
		for (int i = 0; i < 3; i++)
			printf("isatty%d=%d\n", i, isatty(i));
		printf("ttyname=%s\n", ttyname(0) ? ttyname(0) : errname(errno));
		printf("ctty=%s\n", ioctl(0, TIOCGPGRP, &pg) == 0 ? "yes" : errname(errno));
	} else if (!strcmp(cmd, "signals")) {
		int n = argc > 2 ? atoi(argv[2]) : 1, s;
		sigset_t set;
		sigemptyset(&set);
		/* Real-time signals too (a stop signal may be SIGRTMIN+N); they print as
		 * numbers. */
		for (int i = 1; i <= SIGRTMAX; i++)
			if (i != SIGKILL && i != SIGSTOP && i != SIGCHLD)
				sigaddset(&set, i);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("ready\n");
		while (n-- > 0 && sigwait(&set, &s) == 0)
			printf("signal=%s\n", signame(s));
	} else if (!strcmp(cmd, "exit") && argc > 2) {
		return atoi(argv[2]);
	} else if (!strcmp(cmd, "kill") && argc > 2) {
		signal(atoi(argv[2]), SIG_DFL);
		kill(getpid(), atoi(argv[2]));
		pause();
	} else if (!strcmp(cmd, "sleep") && argc > 2) {
		sleep(atoi(argv[2]));
	} else if (!strcmp(cmd, "syscall") && argc > 2) {
		return probe_syscall(argv[2], argc > 3 ? argv[3] : NULL);
	} else if (!strcmp(cmd, "read") && argc > 2) {
		char buf[4096];
		long total = 0;
		ssize_t n;
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			printf("read=%s\n", errname(errno));
			return 0;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0 && total < (1L << 20))
			total += n;
		printf("read=%s\n", n < 0 ? errname(errno) : "");
		if (n >= 0)
			printf("bytes=%ld\n", total);
		close(fd);
	} else {
		fprintf(stderr, "probe: unknown command '%s'\n", cmd);
		return 2;
	}
	return 0;
}
