/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The supervisor loop (DESIGN.md, "one supervisor loop").  While a container lives,
 * rtr-run does one thing: a poll(2) over its event sources, and a ready source's handler
 * runs to completion without waiting on anything else.  The sources today: the signalfd
 * (SIGCHLD reaps; the rest is forwarded; SIGTERM/SIGINT is a stop: the stop signal, then
 * SIGKILL from the stop timer, or at once on the second one), the stop timer (a timerfd),
 * and the relays of a pty or of --log-file pipes, the container's sd_notify socket
 * (--notify=container), and the health check's timer and output (health.c).  The restart
 * back-off is the same loop with a timer and no container (sv_backoff()); log rotation
 * is done in the relays; new sources are added in
 * supervise.c (sv_add()), not a nested wait.
 *
 * The loop ends when the container's init has exited and every relay is drained.
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

/* The container's stdio as the supervisor relays it; an fd is -1 when unused. */
struct sv_io {
	int master;   /* pty master (process.terminal) */
	int out, err; /* --log-file: read ends of the container's stdout and stderr pipes */
	int log;      /* --log-file: the file */
	int notify;   /* --notify=container: the container's notify socket, relayed */
	/* --log-file's rotation and format (struct rtr_ext's log_*); @log_path outlives
	 * supervise() (it points into the spec) */
	const char *log_path;
	uint64_t log_max_size; /* 0: never rotate */
	unsigned log_max_files;
	bool log_timestamps;
	bool log_only;
	bool raw; /* rtr-run's stdin was put in raw mode; @saved restores it */
	struct termios saved;
};

/* How a stop (SIGTERM to rtr-run, or rtr-run stop) ends the container. */
struct sv_stop {
	int signal;	    /* what SIGTERM becomes */
	unsigned timeout_s; /* then SIGKILL */
};

/* How a run ended. */
struct sv_result {
	int status;	  /* wait status of the container's init */
	bool stop_asked;  /* a stop was asked for (SIGTERM/SIGINT, rtr-run stop, systemctl
			   * stop, on-unhealthy stop): never restarted */
	bool unhealthy;	  /* --health-on-unhealthy restart ended the run: a failure */
	bool stop_killed; /* the stop had to SIGKILL (timeout, or a second SIGTERM) */
};

struct health;

/* Blocks SIGCHLD, SIGPIPE and the forwarded signals: from then on they wait for the
 * supervisor's signalfd.  @ret_old: the mask the container gets back before execve (the
 * one rtr-run started with, on every run). */
void sv_block_signals(sigset_t *ret_old);

void sv_io_init(struct sv_io *io);
/* A pty relay: stdin in raw mode when it is a terminal, the window size copied. */
void sv_io_tty(struct sv_io *io);
/* Restores the terminal and closes every fd of @io; safe to call twice. */
void sv_io_close(struct sv_io *io);

/* Supervises the container's init @pid until it has exited and @io is drained (the fds
 * that reach EOF are closed and set to -1), running the health checks of @hc (NULL: none;
 * health.h).  Returns 0 with @ret filled, or a negative errno.  Needs sv_block_signals()
 * before the clone.  `rtr-run exec` supervises its process the same way. */
int supervise(pid_t pid, const struct sv_stop *stop, struct sv_io *io, struct health *hc,
	      struct sv_result *ret);
/* The wait before a restart, @ms long, in the same loop: a stop (SIGTERM/SIGINT) ends it
 * at once with @ret->stop_asked set.  0 or a negative errno. */
int sv_backoff(unsigned ms, struct sv_result *ret);
