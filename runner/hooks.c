/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI hooks: each hook is executed with its args and env, the container state on stdin
 * ({"ociVersion","id","status","pid","bundle","annotations"}) and a timeout (the hook's
 * or RTR_HOOK_TIMEOUT_S).  A hook without "env" gets rtr-run's environment (PATH at
 * least), as crun does: an empty environment breaks every hook that is a script.
 *
 * Before the container runs (prestart .. startContainer) the first failing hook stops the
 * run and the caller aborts the start.  The spec makes a failing poststart or poststop
 * hook a warning only, so there each failure is logged here and the remaining hooks of
 * the kind still run (a cleanup hook must not be skipped because an earlier one failed).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/json.h"
#include "lib/util.h"
#include "hooks.h"

extern char **environ;

/* The state of the container as the runtime spec defines it. */
static char *state_json(const struct rtr_container *c, const char *status)
{
	const struct rtr_spec *s = c->spec;
	struct json_writer *w = json_writer_new(false);
	char *text = NULL;

	json_w_begin_object(w);
	json_w_member_string(w, "ociVersion", s->oci_version ? s->oci_version : "1.0.2");
	json_w_member_string(w, "id", c->name);
	json_w_member_string(w, "status", status);
	if (c->pid > 0) {
		json_w_key(w, "pid");
		json_w_int(w, c->pid);
	}
	json_w_member_string(w, "bundle", c->bundle);
	json_w_key(w, "annotations");
	json_w_begin_object(w);
	for (size_t i = 0; i < s->n_annotations; i++)
		json_w_member_string(w, s->annotations[i].key, s->annotations[i].value);
	json_w_end_object(w);
	json_w_end_object(w);
	if (json_writer_finish(w, &text, NULL) < 0)
		return NULL;
	return text;
}

static int run_one(const struct rtr_hook *h, const char *kind, const char *state,
		   struct rtr_err *err)
{
	int sp[2], status;
	unsigned timeout =
	    h->timeout_set && h->timeout_s > 0 ? (unsigned)h->timeout_s : RTR_HOOK_TIMEOUT_S;
	struct timespec start, now, nap = {0, 1000000};
	pid_t pid, w;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return rtr_err_sys(err, errno, "%s hook %s: socketpair", kind, h->path);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sp[0]);
		close(sp[1]);
		return rtr_err_sys(err, e, "%s hook %s: fork", kind, h->path);
	}
	if (pid == 0) {
		sigset_t none;
		char *argv0[] = {h->path, NULL};

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(sp[1], 0) < 0)
			_exit(126);
		execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : environ);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(sp[1]);
	/* Stream socket: a hook that never reads stdin gets EPIPE, not us a SIGPIPE. */
	(void)!send(sp[0], state, strlen(state), MSG_NOSIGNAL);
	close(sp[0]);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return rtr_err_sys(err, errno, "%s hook %s: wait", kind, h->path);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return rtr_err_set(err, ETIMEDOUT, "%s hook %s: timed out after %u s", kind,
					   h->path, timeout);
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 50000000)
			nap.tv_nsec *= 2;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return rtr_err_set(err, EIO, "%s hook %s: exited with status %d%s", kind, h->path,
				   WEXITSTATUS(status),
				   WEXITSTATUS(status) == 127 ? " (not found)" : "");
	return rtr_err_set(err, EIO, "%s hook %s: killed by signal %d", kind, h->path,
			   WTERMSIG(status));
}

int hooks_run(const struct rtr_container *c, enum rtr_hook_kind kind, const char *status,
	      struct rtr_err *err)
{
	const struct rtr_spec *s = c->spec;
	_cleanup_free_ char *state = NULL;
	bool warn_only = kind == RTR_HOOK_POSTSTART || kind == RTR_HOOK_POSTSTOP;

	if (!s || s->n_hooks[kind] == 0)
		return 0;
	state = state_json(c, status);
	if (!state)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_hooks[kind]; i++) {
		int r = run_one(&s->hooks[kind][i], spec_hook_name(kind), state, err);
		if (r < 0 && !warn_only)
			return r;
		if (r < 0) {
			log_warn("%s", err->msg);
			memset(err, 0, sizeof(*err));
		}
	}
	return 0;
}
