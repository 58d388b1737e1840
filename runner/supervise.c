/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The supervisor loop (see supervise.h).  Every event source is a struct sv_source: an fd,
 * the poll events, and one handler.  sv_step() polls the active sources once and calls
 * the handlers of the ready ones; supervise() repeats it until the init has exited and
 * the relays are drained.  A new job of the supervisor (restart, health check, log
 * rotation, sd_notify) is a new source with its own handler and state in struct sv_loop:
 * the loop itself does not change.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/util.h"
#include "health.h"
#include "notify.h"
#include "supervise.h"

static const int forwarded_signals[] = {SIGTERM, SIGINT,  SIGHUP,  SIGQUIT,
					SIGUSR1, SIGUSR2, SIGWINCH};

/* The resident loop enters the kernel through syscall() alone: one libc page instead of a
 * 64 KiB fault-around window per wrapper (see shed_startup_pages). */
#define sv_read(fd, b, n) syscall(SYS_read, (fd), (b), (n))
#define sv_kill(pid, sig) syscall(SYS_kill, (pid), (sig))
#define sv_wait(st) syscall(SYS_wait4, -1, (st), WNOHANG, NULL)

enum {
	SV_DRAIN = 1 << 0,	   /* the loop waits for its EOF after the init exited */
	SV_WHILE_RUNNING = 1 << 1, /* polled only while the init runs */
};

struct sv_loop;
struct sv_source;
typedef void sv_ready_fn(struct sv_loop *l, struct sv_source *s, short revents);

struct sv_source {
	int fd; /* -1: done, no longer polled */
	short events;
	unsigned flags;
	sv_ready_fn *ready;
	int *owner;    /* relays: the sv_io field that owns @fd, closed at EOF */
	int to;	       /* relays: where the bytes go (-1: only the log) */
	bool mid_line; /* relays: the log's last byte from here was not a newline */
};

#define SV_MAX_SOURCES 10

struct sv_loop {
	pid_t pid;
	const struct sv_stop *stop;
	struct sv_io *io;
	int tfd;		   /* the stop timer */
	uint64_t log_size;	   /* bytes in the current log file */
	struct sv_source *log_mid; /* the relay whose line in the log is unfinished */
	int stops;		   /* SIGTERM/SIGINT received */
	bool stop_killed;
	bool unhealthy;		     /* --health-on-unhealthy restart killed the container */
	bool done;		     /* sv_backoff: the wait is over */
	struct health *hc;	     /* NULL: no health check */
	struct sv_source *hc_output; /* its fd is the running check's output, else -1 */
	bool exited;
	bool shed; /* startup pages still to drop, once the container has run a while */
	int status;
	size_t n_src;
	struct sv_source src[SV_MAX_SOURCES];
};

static int sv_poll(struct pollfd *p, int n, int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	return (int)syscall(SYS_ppoll, p, (unsigned long)n, ms < 0 ? NULL : &ts, NULL, 0);
}

static struct sv_source *sv_add(struct sv_loop *l, int fd, short events, unsigned flags,
				sv_ready_fn *ready)
{
	struct sv_source *s;

	if (l->n_src >= SV_MAX_SOURCES)
		return NULL;
	s = &l->src[l->n_src++];
	*s = (struct sv_source){
	    .fd = fd, .events = events, .flags = flags, .ready = ready, .to = -1};
	return s;
}

/* ---- signals and the stop timer ------------------------------------------------------- */

void sv_block_signals(sigset_t *ret_old)
{
	/* The mask rtr-run started with, also for the runs after a restart (when everything
	 * is blocked already). */
	static sigset_t orig;
	static bool saved;
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGPIPE); /* a closed stdout gives EPIPE, never kills the supervisor */
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&block, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &block, saved ? NULL : &orig);
	saved = true;
	*ret_old = orig;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* SIGTERM or SIGINT: the first one is a stop (SIGTERM becomes the stop signal, the timer
 * starts), a second one kills at once.  One that comes as the init exits, or during a
 * restart's back-off (no init), still counts: it is never restarted. */
static void stop_request(struct sv_loop *l, int sig)
{
	struct itimerspec its;

	if (++l->stops == 1)
		notify_send("STOPPING=1");
	if (l->exited || l->pid <= 0)
		return;
	its = (struct itimerspec){.it_value.tv_sec = l->stop->timeout_s};
	if (l->stops > 1) {
		l->stop_killed = true;
		sv_kill(l->pid, SIGKILL);
		return;
	}
	if (its.it_value.tv_sec == 0)
		its.it_value.tv_nsec = 1;
	syscall(SYS_timerfd_settime, l->tfd, 0, &its, NULL);
	sv_kill(l->pid, sig == SIGTERM ? l->stop->signal : sig);
}

/* A health check ended: its result may end the run (--health-on-unhealthy). */
static void health_exited(struct sv_loop *l, int st)
{
	enum health_action a = health_on_exit(l->hc, st);

	l->hc_output->fd = l->hc->out;
	if (l->exited || a == HEALTH_ACT_NONE)
		return;
	if (a == HEALTH_ACT_STOP) {
		stop_request(l, SIGTERM);
		return;
	}
	l->unhealthy = true;
	sv_kill(l->pid, SIGKILL);
}

static void reap(struct sv_loop *l)
{
	pid_t p;
	int st;

	while ((p = (pid_t)sv_wait(&st)) > 0)
		if (p == l->pid) {
			l->status = st;
			l->exited = true;
		} else if (l->hc && p == l->hc->pid) {
			health_exited(l, st);
		}
}

static void on_signal(struct sv_loop *l, struct sv_source *s, short revents)
{
	struct signalfd_siginfo si;

	while (sv_read(s->fd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGCHLD)
			reap(l);
		else if (sig == SIGTERM || sig == SIGINT)
			stop_request(l, sig);
		else if (l->exited || l->pid <= 0)
			continue;
		else {
			if (sig == SIGWINCH && l->io->master >= 0)
				copy_winsize(0, l->io->master);
			sv_kill(l->pid, sig);
		}
	}
}

static void on_stop_timer(struct sv_loop *l, struct sv_source *s, short revents)
{
	uint64_t x;

	if (sv_read(s->fd, &x, sizeof(x)) > 0 && !l->exited) {
		log_warn("did not stop within %u s, killing it", l->stop->timeout_s);
		l->stop_killed = true;
		sv_kill(l->pid, SIGKILL);
	}
}

/* ---- the log file: rotation and timestamps ------------------------------------------
 * Allocation-free: paths are built on the stack, the time is formatted by hand. */

#define sv_rename(a, b) syscall(SYS_renameat, AT_FDCWD, (a), AT_FDCWD, (b))
#define sv_unlink(a) syscall(SYS_unlinkat, AT_FDCWD, (a), 0)

static void log_name(char *buf, size_t n, const char *path, unsigned k)
{
	if (k == 0)
		snprintf(buf, n, "%s", path);
	else
		snprintf(buf, n, "%s.%u", path, k);
}

/* FILE.N-2 -> FILE.N-1, ..., FILE -> FILE.1 (Docker's order: .1 is the newest old file),
 * then a new empty FILE.  With one file kept, FILE starts over. */
static void log_rotate(struct sv_loop *l)
{
	struct sv_io *io = l->io;
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	int fd;

	for (unsigned k = io->log_max_files - 1; k > 0; k--) {
		log_name(from, sizeof(from), io->log_path, k - 1);
		log_name(to, sizeof(to), io->log_path, k);
		sv_rename(from, to);
	}
	if (io->log_max_files == 1)
		sv_unlink(io->log_path);
	fd = (int)syscall(SYS_openat, AT_FDCWD, io->log_path,
			  O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0) {
		log_warn("--log-file %s: rotating: %s; the log continues in the old file",
			 io->log_path, strerror(errno));
		return;
	}
	syscall(SYS_dup3, fd, io->log, O_CLOEXEC); /* the fd number stays the log's */
	syscall(SYS_close, fd);
	l->log_size = 0;
}

/* Bytes to the log, rotating at the size limit, so no file is larger than the limit. */
static void log_put(struct sv_loop *l, const char *p, size_t n)
{
	struct sv_io *io = l->io;

	while (n > 0) {
		size_t k = n;

		if (io->log_max_size) {
			if (l->log_size >= io->log_max_size)
				log_rotate(l);
			if (l->log_size < io->log_max_size && io->log_max_size - l->log_size < k)
				k = (size_t)(io->log_max_size - l->log_size);
		}
		if (write_all(io->log, p, k) < 0)
			return;
		l->log_size += k;
		p += k;
		n -= k;
	}
}

/* "2026-01-02T03:04:05.123456789Z " from the realtime clock, days to civil date after
 * Howard Hinnant's algorithm (no gmtime, no locale, no allocation). */
static size_t log_stamp(char *buf)
{
	struct timespec ts;
	long long days, sod, z, era, doe, yoe, y, doy, mp, d, m;

	clock_gettime(CLOCK_REALTIME, &ts);
	days = ts.tv_sec / 86400;
	sod = ts.tv_sec % 86400;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	return (size_t)snprintf(buf, 40, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ ", y, m,
				d, sod / 3600, sod / 60 % 60, sod % 60, ts.tv_nsec);
}

/* One read of a relay into the log: each line that starts here gets the time. */
static void log_chunk(struct sv_loop *l, struct sv_source *s, const char *buf, size_t n)
{
	char stamp[40];

	if (!l->io->log_timestamps) {
		log_put(l, buf, n);
		return;
	}
	/* Another stream's unfinished line ends here: every line of the file has its time. */
	if (l->log_mid && l->log_mid != s) {
		log_put(l, "\n", 1);
		l->log_mid->mid_line = false;
		l->log_mid = NULL;
	}
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) + 1 : n;

		if (!s->mid_line)
			log_put(l, stamp, log_stamp(stamp));
		log_put(l, buf, k);
		s->mid_line = !nl;
		l->log_mid = nl ? NULL : s;
		buf += k;
		n -= k;
	}
}

static void on_health_timer(struct sv_loop *l, struct sv_source *s, short revents)
{
	health_on_timer(l->hc);
	l->hc_output->fd = l->hc->out;
}

static void on_health_output(struct sv_loop *l, struct sv_source *s, short revents)
{
	if (s->fd < 0)
		return; /* closed when the check was reaped in this same round */
	health_on_output(l->hc);
	s->fd = l->hc->out;
}

/* ---- relays ------------------------------------------------------------------------------ */

/* The container's output (pty master or a --log-file pipe) to rtr-run's stdout or stderr
 * and the log; closed at EOF or EIO (the pty's last holder is gone). */
static void on_output(struct sv_loop *l, struct sv_source *s, short revents)
{
	char buf[4096];
	ssize_t n = sv_read(s->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		if (s->to >= 0)
			write_all(s->to, buf, (size_t)n);
		if (l->io->log >= 0)
			log_chunk(l, s, buf, (size_t)n);
		return;
	}
	close(s->fd);
	*s->owner = s->fd = -1;
}

/* rtr-run's stdin to the pty. */
static void on_stdin(struct sv_loop *l, struct sv_source *s, short revents)
{
	char buf[4096];
	ssize_t k;

	if (l->io->master < 0) { /* the pty is gone: nothing to feed */
		s->fd = -1;
		return;
	}
	k = sv_read(s->fd, buf, sizeof(buf));
	if (k > 0) {
		write_all(l->io->master, buf, (size_t)k);
	} else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
		/* End of input: what ^D would do on a terminal. */
		s->fd = -1;
		if (!l->io->raw)
			write_all(l->io->master, "\x04", 1);
	}
}

/* --notify=container: the container's READY=1 and STATUS= to the service manager. */
static void on_notify(struct sv_loop *l, struct sv_source *s, short revents)
{
	notify_relay(s->fd);
}

static void add_output(struct sv_loop *l, int *fd, int to)
{
	struct sv_source *s = sv_add(l, *fd, POLLIN, SV_DRAIN, on_output);

	if (s) {
		s->owner = fd;
		s->to = l->io->log_only ? -1 : to;
	}
}

void sv_io_init(struct sv_io *io)
{
	*io = (struct sv_io){.master = -1, .out = -1, .err = -1, .log = -1, .notify = -1};
}

void sv_io_tty(struct sv_io *io)
{
	struct termios t;

	if (io->master < 0 || !isatty(0) || tcgetattr(0, &io->saved) < 0)
		return;
	t = io->saved;
	cfmakeraw(&t);
	if (tcsetattr(0, TCSANOW, &t) == 0)
		io->raw = true;
	copy_winsize(0, io->master);
}

void sv_io_close(struct sv_io *io)
{
	if (io->raw) {
		tcsetattr(0, TCSAFLUSH, &io->saved);
		io->raw = false;
	}
	if (io->master >= 0)
		close(io->master);
	if (io->out >= 0)
		close(io->out);
	if (io->err >= 0)
		close(io->err);
	if (io->log >= 0)
		close(io->log);
	if (io->notify >= 0)
		close(io->notify);
	io->master = io->out = io->err = io->log = io->notify = -1;
}

/* ---- the loop ---------------------------------------------------------------------------- */

/*
 * The supervisor stays resident for the container's lifetime, but most code and read-only
 * data it touched so far (option and spec parsing, libseccomp, mounts) is never needed
 * again.  Drop this process's mappings of clean file pages (read-only or executable
 * private mappings without a single copied-on-write page: they refault from the file if
 * ever needed), then restart the peak-RSS count, so VmHWM reports the resident phase.
 * Written private pages (relro, data) are never discarded.
 */
static void shed_startup_pages(void)
{
	static char smaps[128 * 1024];
	_cleanup_close_ int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	unsigned long start = 0, end = 0;
	bool candidate = false;
	char *line, *save;
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return;
	while (len < sizeof(smaps) - 1 && (n = read(fd, smaps + len, sizeof(smaps) - 1 - len)) > 0)
		len += (size_t)n;
	if (len >= sizeof(smaps) - 1)
		return; /* truncated: better keep everything */
	smaps[len] = 0;
	for (line = strtok_r(smaps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char perms[8] = "";
		unsigned long kb, a, b;

		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3) {
			start = a;
			end = b;
			candidate =
			    strchr(line, '/') && (streq(perms, "r-xp") || streq(perms, "r--p"));
			continue;
		}
		if (candidate && sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
			if (kb == 0)
				madvise((void *)start, end - start, MADV_DONTNEED);
			candidate = false;
		}
	}
	write_string_at(AT_FDCWD, "/proc/self/clear_refs", "5");
}

/* The init runs, or a relay has output left. */
static bool sv_busy(const struct sv_loop *l)
{
	if (!l->exited)
		return true;
	for (size_t i = 0; i < l->n_src; i++)
		if (l->src[i].fd >= 0 && (l->src[i].flags & SV_DRAIN))
			return true;
	return false;
}

/* One poll over the active sources, then the handler of each ready one.  Returns 1 to go
 * on, 0 when draining after the init's exit found nothing more, or a negative errno. */
static int sv_step(struct sv_loop *l)
{
	struct pollfd pfd[SV_MAX_SOURCES];
	struct sv_source *src[SV_MAX_SOURCES];
	int n = 0, pr;

	for (size_t i = 0; i < l->n_src; i++) {
		struct sv_source *s = &l->src[i];

		if (s->fd < 0 || (l->exited && (s->flags & SV_WHILE_RUNNING)))
			continue;
		pfd[n] = (struct pollfd){.fd = s->fd, .events = s->events};
		src[n++] = s;
	}
	/* Once the init is gone, drain the relays without blocking forever.  While it runs,
	 * the first quiet moment drops the startup pages: a short-lived container exits
	 * before that and never pays for it. */
	pr = sv_poll(pfd, n, l->exited ? 100 : l->shed ? RTR_SUPERVISOR_SHED_MS : -1);
	if (pr < 0)
		return errno == EINTR ? 1 : -errno;
	if (pr == 0 && !l->exited) {
		shed_startup_pages();
		l->shed = false;
		return 1;
	}
	if (pr == 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (pfd[i].revents)
			src[i]->ready(l, src[i], pfd[i].revents);
	return 1;
}

static int sv_signalfd(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int supervise(pid_t pid, const struct sv_stop *stop, struct sv_io *io, struct health *hc,
	      struct sv_result *ret)
{
	struct sv_loop l = {.pid = pid, .stop = stop, .io = io, .hc = hc};
	_cleanup_close_ int sfd = -1, tfd = -1;
	int r;

	sfd = sv_signalfd();
	if (sfd < 0)
		return -errno;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return -errno;
	l.tfd = tfd;
	if (io->log >= 0 && lseek(io->log, 0, SEEK_END) > 0)
		l.log_size = (uint64_t)lseek(io->log, 0, SEEK_CUR);

	sv_add(&l, sfd, POLLIN, 0, on_signal);
	sv_add(&l, tfd, POLLIN, 0, on_stop_timer);
	if (io->master >= 0) {
		add_output(&l, &io->master, STDOUT_FILENO);
		sv_add(&l, STDIN_FILENO, POLLIN, SV_WHILE_RUNNING, on_stdin);
	}
	if (io->out >= 0)
		add_output(&l, &io->out, STDOUT_FILENO);
	if (io->err >= 0)
		add_output(&l, &io->err, STDERR_FILENO);
	if (io->notify >= 0)
		sv_add(&l, io->notify, POLLIN, SV_WHILE_RUNNING, on_notify);
	if (hc) {
		sv_add(&l, hc->tfd, POLLIN, SV_WHILE_RUNNING, on_health_timer);
		l.hc_output = sv_add(&l, -1, POLLIN, SV_WHILE_RUNNING, on_health_output);
	}

	l.shed = !getenv("RTR_KEEP_STARTUP_PAGES");
	do
		r = sv_step(&l);
	while (r > 0 && sv_busy(&l));
	if (r < 0)
		return r;
	ret->status = l.status;
	ret->stop_asked = l.stops > 0;
	ret->stop_killed = l.stop_killed;
	ret->unhealthy = l.unhealthy;
	return 0;
}

/* ---- the back-off before a restart ------------------------------------------------------ */

static void on_delay(struct sv_loop *l, struct sv_source *s, short revents)
{
	uint64_t x;

	if (sv_read(s->fd, &x, sizeof(x)) > 0)
		l->done = true;
}

int sv_backoff(unsigned ms, struct sv_result *ret)
{
	struct sv_loop l = {.pid = 0};
	struct itimerspec its = {.it_value = {ms / 1000, (long)(ms % 1000) * 1000000L}};
	_cleanup_close_ int sfd = sv_signalfd(), tfd = -1;
	int r = 0;

	if (sfd < 0)
		return -errno;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return -errno;
	if (ms == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(tfd, 0, &its, NULL) < 0)
		return -errno;
	sv_add(&l, sfd, POLLIN, 0, on_signal);
	sv_add(&l, tfd, POLLIN, 0, on_delay);
	while (r >= 0 && !l.done && !l.stops)
		r = sv_step(&l);
	ret->stop_asked = l.stops > 0;
	return r < 0 ? r : 0;
}
