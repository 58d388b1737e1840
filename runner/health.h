/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Health checks (--health-*), one state machine the supervisor drives (supervise.c): a
 * timerfd says when the next check starts or when the running one times out, a pipe
 * carries its output, and the supervisor's reaper hands over its exit status.
 *
 * A check runs inside the container exactly as `rtr-run exec` runs a command (enter.c),
 * but is joined ahead of time: right after the previous check (and at start) the next
 * one is forked, enters the cgroup and namespaces, and waits on a pipe for the timer.
 * Moving a process between cgroups waits for an RCU grace period in the kernel (several
 * milliseconds, more than the rest of a check); that wait now falls in the interval, and
 * a check of /bin/true takes about a millisecond from the timer to its exit.  It runs in
 * a child cgroup of the container's, "<container>/rtr-health" in the primary
 * hierarchy, so a timeout kills its whole process tree (cgroup.kill, or freeze and kill
 * on v1) and nothing it forked can outlive it; once a check has exited whatever it left
 * there is killed too.  Its memory and pids still count against the container's limits.
 *
 * Status (Docker's rules): starting until the first success; healthy after a success;
 * unhealthy after --health-retries failures in a row, where failures inside
 * --health-start-period do not count (the period ends early with the first success).  Every result
 * is written to the container's CG_XATTR_HEALTH ("STATUS STREAK\nOUTPUT", output cut at
 * RTR_HEALTH_OUTPUT_MAX bytes) for ps and stats.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "enter.h"
#include "spec.h"

enum health_status { HEALTH_STARTING, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

struct health {
	const struct rtr_health *cfg;
	struct enter_target t;
	char sub_rel[PATH_MAX / 4 + 16]; /* the checks' cgroup, relative */
	int tfd;			 /* next check, or the running check's deadline */
	int out;			 /* the running check's output (read end), -1 */
	int gate;			 /* write end: a byte releases the joined check */
	pid_t pid;			 /* the next or the running check, 0 when none */
	bool released;			 /* @pid runs (else it waits on @gate) */
	bool timed_out;
	uint64_t start_ms; /* CLOCK_MONOTONIC: container start */
	uint64_t check_us; /* and the running check's start */
	enum health_status status;
	unsigned streak; /* failures in a row */
	size_t out_len;
	char out_buf[RTR_HEALTH_OUTPUT_MAX + 1];
};

/* What the supervisor does about a result. */
enum health_action { HEALTH_ACT_NONE, HEALTH_ACT_STOP, HEALTH_ACT_RESTART };

/* Status "starting" recorded, the first check armed one interval from now. */
int health_init(struct health *hc, const struct rtr_health *cfg, const struct enter_target *t,
		struct rtr_err *err);
/* The timer fired: release (or start) a check, or kill the running one that timed out. */
void health_on_timer(struct health *hc);
/* The check's output is readable (hc->out becomes -1 at EOF). */
void health_on_output(struct health *hc);
/* The check @hc->pid exited with wait status @status: the result, and what to do; the
 * next check is joined. */
enum health_action health_on_exit(struct health *hc, int status);
/* The container has ended: a running check is killed and reaped, the fds closed. */
void health_done(struct health *hc);
const char *health_status_name(enum health_status s);
