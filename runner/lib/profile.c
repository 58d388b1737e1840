/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "json.h"
#include "profile.h"
#include "util.h"

/* Older kernel headers lack the capabilities split off CAP_SYS_ADMIN in Linux 5.8. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

/* clang-format off */
/* Docker's default capability set. */
const char profile_caps[] =
	"CAP_CHOWN\0"
	"CAP_DAC_OVERRIDE\0"
	"CAP_FSETID\0"
	"CAP_FOWNER\0"
	"CAP_MKNOD\0"
	"CAP_NET_RAW\0"
	"CAP_SETGID\0"
	"CAP_SETUID\0"
	"CAP_SETFCAP\0"
	"CAP_SETPCAP\0"
	"CAP_NET_BIND_SERVICE\0"
	"CAP_SYS_CHROOT\0"
	"CAP_KILL\0"
	"CAP_AUDIT_WRITE\0";

/* Docker's masked paths: kernel memory, keys, timing and hardware information. */
const char profile_masked_paths[] =
	"/proc/asound\0"
	"/proc/acpi\0"
	"/proc/interrupts\0"
	"/proc/kcore\0"
	"/proc/keys\0"
	"/proc/latency_stats\0"
	"/proc/timer_list\0"
	"/proc/timer_stats\0"
	"/proc/sched_debug\0"
	"/proc/scsi\0"
	"/sys/firmware\0"
	"/sys/devices/virtual/powercap\0";

/* Docker's read-only paths: kernel tunables and triggers. */
const char profile_readonly_paths[] =
	"/proc/bus\0"
	"/proc/fs\0"
	"/proc/irq\0"
	"/proc/sys\0"
	"/proc/sysrq-trigger\0";

/* Deny everything, allow mknod of character devices (not block devices) and the
 * devices rtr-run creates in /dev. */
const struct profile_device_rule profile_device_rules[] = {
	{ false, 'a', -1, -1, "rwm" },
	{ true, 'c', -1, -1, "m" },
	{ true, 'c', 1, 3, "rwm" },   /* null */
	{ true, 'c', 1, 5, "rwm" },   /* zero */
	{ true, 'c', 1, 7, "rwm" },   /* full */
	{ true, 'c', 1, 8, "rwm" },   /* random */
	{ true, 'c', 1, 9, "rwm" },   /* urandom */
	{ true, 'c', 5, 0, "rwm" },   /* tty */
	{ true, 'c', 5, 1, "rwm" },   /* console */
	{ true, 'c', 5, 2, "rwm" },   /* ptmx */
	{ true, 'c', 136, -1, "rwm" }, /* pts */
};
const size_t profile_n_device_rules = ELEMENTSOF(profile_device_rules);

#define ALLOW PROFILE_ACT_ALLOW
#define IF(c) .if_cap = (c) + 1
#define UNLESS(c) .unless_cap = (c) + 1
#define ARCHES(a) .arches = (a)
#define ARG(i, v, v2, o)                                                                           \
	.n_args = 1,                                                                               \
	.args = { { .index = (i), .value = (v), .value_two = (v2), .op = PROFILE_CMP_##o } }

#define S_IFMT_BITS 0170000
#define MKNOD(type)                                                                                \
	{ .action = ALLOW, .names = "mknod", ARG(1, S_IFMT_BITS, (type), MASKED_EQ) },             \
	{ .action = ALLOW, .names = "mknodat", ARG(2, S_IFMT_BITS, (type), MASKED_EQ) }

/* CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|
 * CLONE_NEWNET: clone() creating any namespace needs CAP_SYS_ADMIN. */
#define CLONE_NS_FLAGS 0x7E020000ULL
#define AF_ALG_NR 38
#define AF_VSOCK_NR 40

/*
 * The syscall allowlist.  Anything not allowed here fails with EPERM: among others
 * keyctl, add_key, request_key, bpf, mount, mknod of block devices, umount2, unshare,
 * setns, pivot_root, kexec_load, init_module, open_by_handle_at, userfaultfd,
 * perf_event_open, ptrace, clock_settime, reboot, swapon.  A syscall newer than every
 * name listed here fails with ENOSYS instead (the compiled filter adds that rule), so
 * software falls back as on an older kernel; a new syscall is allowed by listing it.
 * Names unknown to the host's libseccomp are skipped when the filter is built.
 */
const struct profile_seccomp_rule profile_seccomp_rules[] = {
	{ .action = ALLOW,
	  .names = "accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir "
		   "chmod chown chown32 clock_adjtime clock_adjtime64 clock_getres "
		   "clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep "
		   "clock_nanosleep_time64 close close_range connect copy_file_range creat dup "
		   "dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait "
		   "epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit "
		   "exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate "
		   "fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl "
		   "fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr "
		   "fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex "
		   "futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat "
		   "getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid "
		   "getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid "
		   "getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 "
		   "getrlimit get_robust_list getrusage getsid getsockname getsockopt "
		   "get_thread_area gettid gettimeofday getuid getuid32 getxattr "
		   "inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel "
		   "ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get "
		   "ioprio_set io_setup io_submit ipc kill landlock_add_rule "
		   "landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link "
		   "linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat "
		   "lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore "
		   "mkdir mkdirat mlock mlock2 mlockall mmap mmap2 mprotect "
		   "mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 "
		   "mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd "
		   "msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat "
		   "_newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 "
		   "pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 "
		   "preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 "
		   "pwritev pwritev2 read readahead readlink readlinkat readv recvfrom "
		   "recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat "
		   "renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending "
		   "rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait "
		   "rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr "
		   "sched_getparam sched_get_priority_max sched_get_priority_min "
		   "sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 "
		   "sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield "
		   "seccomp select semctl semget semop semtimedop semtimedop_time64 sendfile "
		   "sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 "
		   "setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid "
		   "setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 "
		   "setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address "
		   "setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack "
		   "signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat "
		   "stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs "
		   "sysinfo tee tgkill time timer_create timer_delete timer_getoverrun "
		   "timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create "
		   "timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times "
		   "tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime "
		   "utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write "
		   "writev" },
	/* Architecture-specific calls, listed only for the architectures that have them. */
	{ .action = ALLOW, ARCHES("amd64 386"), .names = "arch_prctl modify_ldt" },
	{ .action = ALLOW, ARCHES("arm64 arm"),
	  .names = "arm_fadvise64_64 arm_sync_file_range breakpoint recv send set_tls" },
	{ .action = ALLOW, ARCHES("arm64 arm mips mipsle mips64 mips64le"), .names = "cacheflush" },
	{ .action = ALLOW, ARCHES("ppc64le"), .names = "sync_file_range2" },
	{ .action = ALLOW, ARCHES("riscv64"), .names = "riscv_flush_icache riscv_hwprobe" },
	/* Every address family but AF_ALG (the kernel's crypto API: a large attack surface
	 * Docker also closes) and AF_VSOCK (guest/host sockets are not namespaced).  Three
	 * rules, as one rule's comparisons of one argument are alternatives (runc). */
	{ .action = ALLOW, .names = "socket", ARG(0, AF_ALG_NR, 0, LT) },
	{ .action = ALLOW, .names = "socket", ARG(0, AF_ALG_NR + 1, 0, EQ) },
	{ .action = ALLOW, .names = "socket", ARG(0, AF_VSOCK_NR, 0, GT) },
	/* personality: only the harmless domains (PER_LINUX, PER_LINUX32, UNAME26 variants,
	 * query); no READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE. */
	{ .action = ALLOW, .names = "personality", ARG(0, 0x0, 0, EQ) },
	{ .action = ALLOW, .names = "personality", ARG(0, 0x0008, 0, EQ) },
	{ .action = ALLOW, .names = "personality", ARG(0, 0x20000, 0, EQ) },
	{ .action = ALLOW, .names = "personality", ARG(0, 0x20008, 0, EQ) },
	{ .action = ALLOW, .names = "personality", ARG(0, 0xffffffff, 0, EQ) },
	/* mknod: files, FIFOs, sockets and character devices (the device cgroup still
	 * decides which can be opened), never block devices.  Docker allows those to be
	 * created; rtr refuses them outright. */
	MKNOD(0), MKNOD(0100000 /* S_IFREG */), MKNOD(0020000 /* S_IFCHR */),
	MKNOD(0010000 /* S_IFIFO */), MKNOD(0140000 /* S_IFSOCK */),
	/* Threads and fork yes, new namespaces no. */
	{ .action = ALLOW, .names = "clone", UNLESS(CAP_SYS_ADMIN),
	  ARG(0, CLONE_NS_FLAGS, 0, MASKED_EQ) },
	/* clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libcs fall
	 * back to clone(), which the rule above checks. */
	{ .action = PROFILE_ACT_ERRNO, .errno_ret = 38 /* ENOSYS */, .names = "clone3",
	  UNLESS(CAP_SYS_ADMIN) },
	{ .action = ALLOW, IF(CAP_SYS_ADMIN),
	  .names = "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick "
		   "lookup_dcookie mount mount_setattr move_mount open_tree perf_event_open "
		   "quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 "
		   "unshare" },
	{ .action = ALLOW, IF(CAP_SYS_BOOT), .names = "reboot" },
	{ .action = ALLOW, IF(CAP_SYS_CHROOT), .names = "chroot" },
	{ .action = ALLOW, IF(CAP_SYS_MODULE), .names = "delete_module init_module finit_module" },
	{ .action = ALLOW, IF(CAP_SYS_PACCT), .names = "acct" },
	{ .action = ALLOW, IF(CAP_SYS_PTRACE),
	  .names = "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace" },
	{ .action = ALLOW, IF(CAP_SYS_RAWIO), .names = "iopl ioperm" },
	{ .action = ALLOW, IF(CAP_SYS_TIME),
	  .names = "settimeofday stime clock_settime clock_settime64" },
	{ .action = ALLOW, IF(CAP_SYS_TTY_CONFIG), .names = "vhangup" },
	{ .action = ALLOW, IF(CAP_SYS_NICE),
	  .names = "get_mempolicy mbind set_mempolicy set_mempolicy_home_node" },
	{ .action = ALLOW, IF(CAP_SYSLOG), .names = "syslog" },
	{ .action = ALLOW, IF(CAP_DAC_READ_SEARCH), .names = "open_by_handle_at" },
	{ .action = ALLOW, IF(CAP_BPF), .names = "bpf" },
	{ .action = ALLOW, IF(CAP_PERFMON), .names = "perf_event_open" },
};
const size_t profile_n_seccomp_rules = ELEMENTSOF(profile_seccomp_rules);

/* clang-format on */

const char *profile_seccomp_action_name(unsigned action)
{
	return action == PROFILE_ACT_ERRNO ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW";
}

const char *profile_seccomp_op_name(unsigned op)
{
	switch (op) {
	case PROFILE_CMP_LT:
		return "SCMP_CMP_LT";
	case PROFILE_CMP_EQ:
		return "SCMP_CMP_EQ";
	case PROFILE_CMP_GT:
		return "SCMP_CMP_GT";
	default:
		return "SCMP_CMP_MASKED_EQ";
	}
}

static bool mask_has(uint64_t mask, int cap)
{
	return cap >= 0 && cap < 64 && (mask & (UINT64_C(1) << cap));
}

static const char *host_goarch(void);

/* Is @word one of the space-separated words of @list? */
static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

bool profile_seccomp_rule_applies(const struct profile_seccomp_rule *r, uint64_t caps_mask,
				  const char *goarch)
{
	if (r->if_cap && !mask_has(caps_mask, r->if_cap - 1))
		return false;
	if (r->unless_cap && mask_has(caps_mask, r->unless_cap - 1))
		return false;
	if (!goarch)
		goarch = host_goarch();
	if (r->arches && !(goarch && word_in(r->arches, goarch)))
		return false;
	return true;
}

bool profile_seccomp_lists(const char *name)
{
	for (size_t i = 0; name && *name && i < profile_n_seccomp_rules; i++)
		if (word_in(profile_seccomp_rules[i].names, name))
			return true;
	return false;
}

/* clang-format off */
/* Each Go architecture, then its seccomp architectures, then NULL: one flat array, so that a
 * lookup returns a pointer into it (fewer pointers than rows of four). */
static const char *const arch_table[] = {
	"amd64", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL,
	"386", "SCMP_ARCH_X86", NULL,
	"arm64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL,
	"arm", "SCMP_ARCH_ARM", NULL,
	"riscv64", "SCMP_ARCH_RISCV64", NULL,
	"ppc64le", "SCMP_ARCH_PPC64LE", NULL,
	"s390x", "SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL,
	"mips", "SCMP_ARCH_MIPS", NULL,
	"mipsle", "SCMP_ARCH_MIPSEL", NULL,
	"mips64", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPS", NULL,
	"mips64le", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_MIPSEL", NULL,
};

/* clang-format on */

static const char *host_goarch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__i386__)
	return "386";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__mips__) && __mips == 64 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "mips64le";
#elif defined(__mips__) && __mips == 64
	return "mips64";
#elif defined(__mips__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "mipsle";
#elif defined(__mips__)
	return "mips";
#else
	return NULL;
#endif
}

const char *const *profile_seccomp_arches(const char *goarch)
{
	if (!goarch)
		goarch = host_goarch();
	for (size_t i = 0; goarch && i < ELEMENTSOF(arch_table); i++) {
		if (streq(goarch, arch_table[i]))
			return &arch_table[i + 1];
		while (arch_table[i + 1])
			i++;
		i++; /* the NULL */
	}
	return NULL;
}

/* The capability names in number order (CAP_CHOWN is 0, CAP_CHECKPOINT_RESTORE 40), without
 * "CAP_", in one NUL-separated string: no table of pointers and relocations. */
static const char cap_names[] =
    "CHOWN\0DAC_OVERRIDE\0DAC_READ_SEARCH\0FOWNER\0FSETID\0KILL\0SETGID\0SETUID\0SETPCAP\0"
    "LINUX_IMMUTABLE\0NET_BIND_SERVICE\0NET_BROADCAST\0NET_ADMIN\0NET_RAW\0IPC_LOCK\0IPC_OWNER\0"
    "SYS_MODULE\0SYS_RAWIO\0SYS_CHROOT\0SYS_PTRACE\0SYS_PACCT\0SYS_ADMIN\0SYS_BOOT\0SYS_NICE\0"
    "SYS_RESOURCE\0SYS_TIME\0SYS_TTY_CONFIG\0MKNOD\0LEASE\0AUDIT_WRITE\0AUDIT_CONTROL\0SETFCAP\0"
    "MAC_OVERRIDE\0MAC_ADMIN\0SYSLOG\0WAKE_ALARM\0BLOCK_SUSPEND\0AUDIT_READ\0PERFMON\0BPF\0"
    "CHECKPOINT_RESTORE\0";

int profile_cap_number(const char *name)
{
	int nr = 0;

	if (!name || strncasecmp(name, "CAP_", 4) != 0)
		return -1;
	for (const char *p = cap_names; *p; p += strlen(p) + 1, nr++)
		if (strcasecmp(name + 4, p) == 0)
			return nr;
	return -1;
}

const char *profile_cap_name(int nr)
{
	const char *p = cap_names;

	for (int i = 0; nr >= 0 && *p; p += strlen(p) + 1, i++)
		if (i == nr)
			return p;
	return NULL;
}

uint64_t profile_caps_mask(void)
{
	uint64_t m = 0;

	for (const char *c = profile_caps; *c; c += strlen(c) + 1) {
		int nr = profile_cap_number(c);
		if (nr >= 0)
			m |= UINT64_C(1) << nr;
	}
	return m;
}

/* ---- OCI JSON ---- */

static void write_strv(struct json_writer *w, const char *const *v)
{
	json_w_begin_array(w);
	for (size_t i = 0; v[i]; i++)
		json_w_string(w, v[i]);
	json_w_end_array(w);
}

/* The words of a PROFILE_LIST ("a\0b\0", ending at an empty word) as a JSON array. */
static void write_list(struct json_writer *w, const char *l)
{
	json_w_begin_array(w);
	for (; *l; l += strlen(l) + 1)
		json_w_string(w, l);
	json_w_end_array(w);
}

void profile_write_capabilities(struct json_writer *w)
{
	static const char *const empty[] = {NULL};

	json_w_begin_object(w);
	json_w_key(w, "bounding");
	write_list(w, profile_caps);
	json_w_key(w, "effective");
	write_list(w, profile_caps);
	json_w_key(w, "permitted");
	write_list(w, profile_caps);
	json_w_key(w, "inheritable");
	write_strv(w, empty);
	json_w_key(w, "ambient");
	write_strv(w, empty);
	json_w_end_object(w);
}

void profile_write_masked_paths(struct json_writer *w)
{
	write_list(w, profile_masked_paths);
}

void profile_write_readonly_paths(struct json_writer *w)
{
	write_list(w, profile_readonly_paths);
}

void profile_write_device_rules(struct json_writer *w)
{
	json_w_begin_array(w);
	for (size_t i = 0; i < profile_n_device_rules; i++) {
		const struct profile_device_rule *d = &profile_device_rules[i];
		char type[2] = {d->type, 0};

		json_w_begin_object(w);
		json_w_member_bool(w, "allow", d->allow);
		json_w_member_string(w, "type", type);
		if (d->major >= 0)
			json_w_member_int(w, "major", d->major);
		if (d->minor >= 0)
			json_w_member_int(w, "minor", d->minor);
		json_w_member_string(w, "access", d->access);
		json_w_end_object(w);
	}
	json_w_end_array(w);
}

/* Writes the space-separated @names as a JSON array of strings. */
static void write_names(struct json_writer *w, const char *names)
{
	char buf[64];

	json_w_begin_array(w);
	for (const char *p = names; *p;) {
		size_t n = strcspn(p, " ");

		if (n > 0 && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = 0;
			json_w_string(w, buf);
		}
		p += n;
		p += strspn(p, " ");
	}
	json_w_end_array(w);
}

int profile_write_seccomp(struct json_writer *w, uint64_t caps_mask, const char *goarch)
{
	const char *const *arches = profile_seccomp_arches(goarch);

	if (!arches)
		return -EINVAL;
	json_w_begin_object(w);
	json_w_member_string(w, "defaultAction", PROFILE_SECCOMP_DEFAULT_ACTION);
	json_w_member_uint(w, "defaultErrnoRet", PROFILE_SECCOMP_DEFAULT_ERRNO);
	json_w_key(w, "architectures");
	write_strv(w, arches);
	json_w_key(w, "syscalls");
	json_w_begin_array(w);
	for (size_t i = 0; i < profile_n_seccomp_rules; i++) {
		const struct profile_seccomp_rule *r = &profile_seccomp_rules[i];

		if (!profile_seccomp_rule_applies(r, caps_mask, goarch))
			continue;
		json_w_begin_object(w);
		json_w_key(w, "names");
		write_names(w, r->names);
		json_w_member_string(w, "action", profile_seccomp_action_name(r->action));
		if (r->errno_ret)
			json_w_member_uint(w, "errnoRet", r->errno_ret);
		if (r->n_args > 0) {
			json_w_key(w, "args");
			json_w_begin_array(w);
			for (unsigned a = 0; a < r->n_args; a++) {
				json_w_begin_object(w);
				json_w_member_uint(w, "index", r->args[a].index);
				json_w_member_uint(w, "value", r->args[a].value);
				json_w_member_uint(w, "valueTwo", r->args[a].value_two);
				json_w_member_string(w, "op",
						     profile_seccomp_op_name(r->args[a].op));
				json_w_end_object(w);
			}
			json_w_end_array(w);
		}
		json_w_end_object(w);
	}
	json_w_end_array(w);
	json_w_end_object(w);
	return 0;
}

int profile_write_linux_members(struct json_writer *w, const char *goarch)
{
	if (!profile_seccomp_arches(goarch))
		return -EINVAL;
	json_w_key(w, "maskedPaths");
	profile_write_masked_paths(w);
	json_w_key(w, "readonlyPaths");
	profile_write_readonly_paths(w);
	json_w_key(w, "seccomp");
	return profile_write_seccomp(w, profile_caps_mask(), goarch);
}
