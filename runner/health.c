/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Health checks: the state machine (health.h says how it is driven and why the checks get
 * a cgroup of their own).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "notify.h"
#include "lib/util.h"

/* Sub-cgroup of the container's for the checks, in the primary hierarchy. */
#define HEALTH_CGROUP "rtr-health"
/* How long a kill of the checks' cgroup may take to empty it. */
#define HEALTH_KILL_WAIT_MS 1000

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t now_ms(void)
{
	return now_us() / 1000;
}

static void arm(struct health *hc, uint64_t ms)
{
	struct itimerspec its = {.it_value = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L}};

	if (ms == 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(hc->tfd, 0, &its, NULL);
}

const char *health_status_name(enum health_status s)
{
	static const char *const names[] = {"starting", "healthy", "unhealthy"};

	return names[s];
}

static void record(const struct health *hc)
{
	char v[64 + sizeof(hc->out_buf)];
	int n = snprintf(v, sizeof(v), "%s %u\n%.*s", health_status_name(hc->status), hc->streak,
			 (int)hc->out_len, hc->out_buf);

	if (hc->t.cg_fd >= 0)
		fsetxattr(hc->t.cg_fd, CG_XATTR_HEALTH, v, (size_t)n, 0);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Forks the next check: it joins the container and waits on hc->gate. */
static void prepare_check(struct health *hc)
{
	struct enter_req req = {.argv = hc->cfg->cmd, .uid = -1, .gid = -1, .sub = HEALTH_CGROUP};
	struct rtr_err err = {0};
	int out[2], gate[2];

	hc->released = false;
	if (pipe2(out, O_CLOEXEC | O_NONBLOCK) < 0)
		return;
	if (pipe2(gate, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return;
	}
	req.out_fd = out[1];
	req.gate_fd = gate[0];
	hc->pid = enter_spawn(&hc->t, &req, NULL, &err);
	close(out[1]);
	close(gate[0]);
	if (hc->pid < 0) {
		log_warn("health check: %s", err.msg);
		close(out[0]);
		close(gate[1]);
		hc->pid = 0;
		return;
	}
	hc->out = out[0];
	hc->gate = gate[1];
}

/* The interval is over: the joined check goes (one is forked now if there is none). */
static void release_check(struct health *hc)
{
	if (hc->pid <= 0)
		prepare_check(hc);
	if (hc->pid <= 0) {
		arm(hc, hc->cfg->interval_ms);
		return;
	}
	hc->out_len = 0;
	hc->timed_out = false;
	hc->check_us = now_us();
	if (write(hc->gate, "x", 1) != 1)
		log_warn("health check: releasing it: %s", strerror(errno));
	close_fd(&hc->gate);
	hc->released = true;
	arm(hc, hc->cfg->timeout_ms);
}

int health_init(struct health *hc, const struct rtr_health *cfg, const struct enter_target *t,
		struct rtr_err *err)
{
	*hc = (struct health){.cfg = cfg, .t = *t, .out = -1, .gate = -1};
	if (snprintf(hc->sub_rel, sizeof(hc->sub_rel), "%s/%s", t->rel, HEALTH_CGROUP) >=
	    (int)sizeof(hc->sub_rel))
		return rtr_err_set(err, ENAMETOOLONG, "health check: cgroup path too long");
	hc->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (hc->tfd < 0)
		return rtr_err_sys(err, errno, "health check: timerfd");
	hc->start_ms = now_ms();
	record(hc);
	prepare_check(hc);
	arm(hc, cfg->interval_ms);
	return 0;
}

void health_on_timer(struct health *hc)
{
	uint64_t x;

	if (read(hc->tfd, &x, sizeof(x)) <= 0)
		return;
	if (!hc->released) {
		release_check(hc);
		return;
	}
	/* Timed out: the whole tree, not just the process we started. */
	hc->timed_out = true;
	if (cg_kill_rel(&hc->t.h, hc->sub_rel, HEALTH_KILL_WAIT_MS, false) < 0)
		kill(hc->pid, SIGKILL);
}

void health_on_output(struct health *hc)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(hc->out, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(hc->out_buf) - 1 - hc->out_len;
		size_t k = (size_t)n < room ? (size_t)n : room;

		memcpy(hc->out_buf + hc->out_len, buf, k);
		hc->out_len += k;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(hc->out);
		hc->out = -1;
	}
}

/* The result into the status; returns true when it just became unhealthy. */
static bool judge(struct health *hc, bool ok)
{
	/* Docker: the start period ends early with the first success. */
	bool counted =
	    hc->status != HEALTH_STARTING || now_ms() - hc->start_ms >= hc->cfg->start_period_ms;
	enum health_status was = hc->status;

	if (ok) {
		hc->streak = 0;
		hc->status = HEALTH_HEALTHY;
	} else if (counted && ++hc->streak >= hc->cfg->retries) {
		hc->status = HEALTH_UNHEALTHY;
	}
	if (hc->status != was) {
		log_info("health: %s", health_status_name(hc->status));
		notify_send("STATUS=%s", health_status_name(hc->status));
	}
	return hc->status == HEALTH_UNHEALTHY && was != HEALTH_UNHEALTHY;
}

enum health_action health_on_exit(struct health *hc, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !hc->timed_out;

	if (!hc->released) {
		/* Died while waiting (killed from inside the container, or joining failed):
		 * the timer forks a new one. */
		hc->pid = 0;
		close_fd(&hc->out);
		close_fd(&hc->gate);
		return HEALTH_ACT_NONE;
	}
	log_debug("health check: %s %d after %llu us", WIFEXITED(status) ? "exit" : "signal",
		  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		  (unsigned long long)(now_us() - hc->check_us));
	hc->pid = 0;
	/* Whatever the check left behind goes with it. */
	cg_kill_rel(&hc->t.h, hc->sub_rel, HEALTH_KILL_WAIT_MS, false);
	if (hc->out >= 0)
		health_on_output(hc);
	close_fd(&hc->out);
	hc->released = false;
	if (hc->timed_out)
		hc->out_len = (size_t)snprintf(hc->out_buf, sizeof(hc->out_buf),
					       "health check timed out after %llu ms",
					       (unsigned long long)hc->cfg->timeout_ms);
	hc->out_buf[hc->out_len] = 0;
	if (judge(hc, ok)) {
		record(hc);
		log_warn("health: unhealthy after %u failed checks: %s", hc->streak, hc->out_buf);
		if (hc->cfg->on_unhealthy != RTR_HEALTH_NONE)
			return hc->cfg->on_unhealthy == RTR_HEALTH_STOP ? HEALTH_ACT_STOP
									: HEALTH_ACT_RESTART;
	} else {
		record(hc);
	}
	prepare_check(hc);
	arm(hc, hc->cfg->interval_ms);
	return HEALTH_ACT_NONE;
}

void health_done(struct health *hc)
{
	if (hc->pid > 0) {
		int st;

		cg_kill_rel(&hc->t.h, hc->sub_rel, HEALTH_KILL_WAIT_MS, false);
		kill(hc->pid, SIGKILL);
		while (waitpid(hc->pid, &st, 0) < 0 && errno == EINTR)
			;
		hc->pid = 0;
	}
	close_fd(&hc->out);
	close_fd(&hc->gate);
	close_fd(&hc->tfd);
}
