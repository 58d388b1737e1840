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

#include "lib/cleanup.h"
#include "lib/log.h"
#include "health.h"
#include "lib/util.h"
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
	int *owner; /* relays: the sv_io field that owns @fd, closed at EOF */
	int to;	    /* relays: where the bytes go (-1: only the log) */
};

#define SV_MAX_SOURCES 10

struct sv_loop {
	pid_t pid;
	const struct sv_stop *stop;
	struct sv_io *io;
	int tfd;   /* the stop timer */
	int stops; /* SIGTERM/SIGINT received */
	bool exited;
	struct sv_result res;
	struct health *hc;	     /* NULL: no health check */
	struct sv_source *hc_output; /* its fd is the running check's output, else -1 */
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
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGPIPE); /* a closed stdout gives EPIPE, never kills the supervisor */
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&block, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &block, ret_old);
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* SIGTERM or SIGINT: the first one is a stop (SIGTERM becomes the stop signal, the timer
 * starts), a second one kills at once. */
static void stop_request(struct sv_loop *l, int sig)
{
	struct itimerspec its = {.it_value.tv_sec = l->stop->timeout_s};

	l->res.stop_asked = true;
	if (++l->stops > 1) {
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
	l->res.unhealthy = true;
	sv_kill(l->pid, SIGKILL);
}

static void reap(struct sv_loop *l)
{
	pid_t p;
	int st;

	while ((p = (pid_t)sv_wait(&st)) > 0)
		if (p == l->pid) {
			l->res.status = st;
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
		else if (l->exited)
			continue;
		else if (sig == SIGTERM || sig == SIGINT)
			stop_request(l, sig);
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
		sv_kill(l->pid, SIGKILL);
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
			write_all(l->io->log, buf, (size_t)n);
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

static void add_output(struct sv_loop *l, int *fd, int to)
{
	struct sv_source *s = sv_add(l, *fd, POLLIN, SV_DRAIN, on_output);

	if (s) {
		s->owner = fd;
		s->to = to;
	}
}

void sv_io_init(struct sv_io *io)
{
	*io = (struct sv_io){.master = -1, .out = -1, .err = -1, .log = -1};
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
	io->master = io->out = io->err = io->log = -1;
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
	/* Once the init is gone, drain the relays without blocking forever. */
	pr = sv_poll(pfd, n, l->exited ? 100 : -1);
	if (pr < 0)
		return errno == EINTR ? 1 : -errno;
	if (pr == 0)
		return 0;
	for (int i = 0; i < n; i++)
		if (pfd[i].revents)
			src[i]->ready(l, src[i], pfd[i].revents);
	return 1;
}

int supervise(pid_t pid, const struct sv_stop *stop, struct sv_io *io, struct health *hc,
	      struct sv_result *ret)
{
	struct sv_loop l = {.pid = pid, .stop = stop, .io = io, .hc = hc};
	_cleanup_close_ int sfd = -1, tfd = -1;
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < ELEMENTSOF(forwarded_signals); i++)
		sigaddset(&mask, forwarded_signals[i]);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return -errno;
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return -errno;
	l.tfd = tfd;

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
	if (hc) {
		sv_add(&l, hc->tfd, POLLIN, SV_WHILE_RUNNING, on_health_timer);
		l.hc_output = sv_add(&l, -1, POLLIN, SV_WHILE_RUNNING, on_health_output);
	}

	if (!getenv("RTR_KEEP_STARTUP_PAGES"))
		shed_startup_pages();
	do
		r = sv_step(&l);
	while (r > 0 && sv_busy(&l));
	if (r < 0)
		return r;
	*ret = l.res;
	return 0;
}
