/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * systemd's service protocols, both ways: sd_notify(3) to the service manager, and the
 * socket activation fds it hands to rtr-run (sd_listen_fds(3)).
 *
 * The manager's NOTIFY_SOCKET and LISTEN_* are taken out of rtr-run's environment at the
 * start (notify_init(), listen_fds_take()): the container's environment is its spec's, so
 * nothing of the manager reaches it unless rtr passes it on on purpose: the listening fds
 * (fds 3.. with LISTEN_FDS and LISTEN_PID, container.c) and, with --notify=container, a
 * socket of the container's own that rtr-run relays (notify_relay()).
 *
 * Who says what: READY=1 once the entrypoint is executed (or when the container says so
 * with --notify=container), STATUS= on restarts, STOPPING=1 when a stop is asked for.
 * MAINPID is rtr-run's own pid: it is the process that lives across restarts, that a
 * stop goes to, and whose exit status is the container's (see contrib/rtr@.service).
 */

#include <stdbool.h>

#include "lib/log.h"

struct rtr_container;

/* Takes $NOTIFY_SOCKET (a path or "@abstract") out of the environment. */
void notify_init(void);
/* One datagram to the service manager, formatted; 0 (nothing sent) without
 * $NOTIFY_SOCKET, else 0 or a negative errno. */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool notify_enabled(void);

/* --notify=container: a datagram socket of the container's own under RTR_NOTIFY_DIR/NAME,
 * bind-mounted at RTR_NOTIFY_CONTAINER_DIR, and NOTIFY_SOCKET in process.env: both added
 * to the spec once, before the first run (c->notify_fd, c->notify_dir). */
int notify_container_prepare(struct rtr_container *c, struct rtr_err *err);
/* Closes the socket and removes its directory. */
void notify_container_free(struct rtr_container *c);
/* Reads one datagram from the container's socket @fd and passes READY=1, STATUS=,
 * RELOADING=1, STOPPING=1, ERRNO= and WATCHDOG=1 on (never its MAINPID: a pid of its
 * namespace).  Returns true when it said READY=1. */
bool notify_relay(int fd);

/* Socket activation: when $LISTEN_PID is ours, the number of fds from 3 on that
 * $LISTEN_FDS gives (marked close-on-exec here; container.c passes them on), and
 * $LISTEN_FDNAMES in @ret_names (or NULL); else 0.  Unsets LISTEN_* either way, and
 * marks every other inherited fd above 2 close-on-exec, so none reaches a hook or the
 * container. */
int listen_fds_take(char **ret_names);
