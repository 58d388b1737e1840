/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "names.h"

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* The names of `kill -l` (util-linux and bash), aliases after the canonical name so the
 * reverse lookup finds the canonical one first. */
/* Names in the row, not pointers: 8 bytes a row in .rodata instead of 16 plus the string
 * and a relocation. */
static const struct {
	char name[7];
	uint8_t sig;
} signals[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},	  {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT},	  {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL},	   {"USR1", SIGUSR1},	  {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},	   {"ALRM", SIGALRM},	  {"TERM", SIGTERM},
#ifdef SIGSTKFLT
    {"STKFLT", SIGSTKFLT},
#endif
    {"CHLD", SIGCHLD},	   {"CONT", SIGCONT},	  {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},	   {"TTOU", SIGTTOU},	  {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ},	   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},
#ifdef SIGPWR
    {"PWR", SIGPWR},
#endif
    {"SYS", SIGSYS},	   {"IOT", SIGABRT},	  {"CLD", SIGCHLD},  {"POLL", SIGIO},
};

/* Real-time signals are counted as glibc, Docker and systemd inside a container count them:
 * SIGRTMIN is 34 (the kernel's 32 plus the two glibc keeps).  musl keeps three, and its
 * SIGRTMIN macro (35) would move every "SIGRTMIN+N" of a bundle by one. */
#define RTR_SIGRTMIN 34

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (after "SIG" is stripped). */
static int signal_rt(const char *s)
{
	bool min = strncasecmp(s, "RTMIN", 5) == 0, max = strncasecmp(s, "RTMAX", 5) == 0;
	uint64_t off = 0;

	if (!min && !max)
		return -EINVAL;
	s += 5;
	if (*s) {
		if (*s != (min ? '+' : '-') ||
		    parse_u64(s + 1, (uint64_t)(SIGRTMAX - RTR_SIGRTMIN), &off) < 0)
			return -EINVAL;
	}
	return min ? RTR_SIGRTMIN + (int)off : SIGRTMAX - (int)off;
}

int signal_from_string(const char *s)
{
	uint64_t n;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] >= '0' && s[0] <= '9')
		return parse_u64(s, (uint64_t)SIGRTMAX, &n) == 0 && n >= 1 ? (int)n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return signal_rt(s);
}

const char *signal_to_string(int sig, char *buf, size_t n)
{
	for (size_t i = 0; i < ELEMENTSOF(signals); i++)
		if (signals[i].sig == sig) {
			snprintf(buf, n, "SIG%s", signals[i].name);
			return buf;
		}
	if (sig >= RTR_SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, n, "SIGRTMIN+%d", sig - RTR_SIGRTMIN);
	else if (sig > 0 && sig < RTR_SIGRTMIN)
		snprintf(buf, n, "%d", sig);
	else
		snprintf(buf, n, "%s", "");
	return buf;
}

static const struct {
	char name[11]; /* OCI type without "RLIMIT_"; --ulimit takes it in lower case */
	uint8_t resource;
} rlimits[] = {
    {"AS", RLIMIT_AS},		 {"CORE", RLIMIT_CORE},		{"CPU", RLIMIT_CPU},
    {"DATA", RLIMIT_DATA},	 {"FSIZE", RLIMIT_FSIZE},	{"LOCKS", RLIMIT_LOCKS},
    {"MEMLOCK", RLIMIT_MEMLOCK}, {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},
    {"NOFILE", RLIMIT_NOFILE},	 {"NPROC", RLIMIT_NPROC},	{"RSS", RLIMIT_RSS},
    {"RTPRIO", RLIMIT_RTPRIO},	 {"RTTIME", RLIMIT_RTTIME},	{"SIGPENDING", RLIMIT_SIGPENDING},
    {"STACK", RLIMIT_STACK},
};

int rlimit_from_type(const char *type)
{
	const char *n = type ? startswith(type, "RLIMIT_") : NULL;

	for (size_t i = 0; n && i < ELEMENTSOF(rlimits); i++)
		if (streq(n, rlimits[i].name))
			return rlimits[i].resource;
	return -EINVAL;
}

int rlimit_from_short(const char *name)
{
	/* Lower case only, as docker's --ulimit. */
	for (const char *p = name; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return -EINVAL;
	for (size_t i = 0; name && i < ELEMENTSOF(rlimits); i++)
		if (strcasecmp(name, rlimits[i].name) == 0)
			return rlimits[i].resource;
	return -EINVAL;
}

const char *rlimit_name(int resource)
{
	for (size_t i = 0; i < ELEMENTSOF(rlimits); i++)
		if (rlimits[i].resource == resource)
			return rlimits[i].name;
	return NULL;
}
