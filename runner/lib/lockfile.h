/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The in-use locks both programs take, all flock(2), so they go with the last fd of their
 * open file (a process that dies releases them) and hold on read-only filesystems:
 *
 *  - the bundle: the bundle directory itself (no file in it, so a read-only bundle works).
 *    rtr-run holds LOCK_SH | LOCK_NB from before it reads config.json until it exits,
 *    restarts included; `rtr-pull rm` takes LOCK_EX | LOCK_NB and holds it while it
 *    removes the bundle, so it refuses a bundle in use wherever its container's cgroup is,
 *    and a starting rtr-run fails at once instead of using a half-removed bundle;
 *  - a store layer: STORE/locks/<hex>.lock (pull/store.h has the whole protocol).  rtr-run
 *    holds LOCK_SH on each layer of a store bundle while the container lives, as a pull
 *    does while it makes a bundle; gc removes a layer only under LOCK_EX | LOCK_NB.
 *
 * Every fd is O_CLOEXEC: none reaches a container (its execve closes them, and the --init
 * reaper closes what it inherited).
 */

#include <signal.h>

/* flock(@how) on @fd; EINTR is retried unless *@stop is set (NULL: always retried).
 * 0, or a negative errno (-EWOULDBLOCK for a lock held elsewhere with LOCK_NB). */
int lockfile_flock(int fd, int how, const volatile sig_atomic_t *stop);

/* flock(@how) on the file @name in the directory @dfd (created 0600 when missing), its fd
 * in *@ret_fd.  Its owner may unlink a lock file it holds (gc removes a layer's lock with
 * the layer): a lock taken on a file no longer linked at @name is retaken on the one there
 * now, so a holder always holds the file others find.  0 or a negative errno. */
int lockfile_at(int dfd, const char *name, int how, const volatile sig_atomic_t *stop, int *ret_fd);
