/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What rtr-run holds while its container lives, restarts included, so that `rtr-pull rm`
 * and `rtr-pull gc` see the bundle and its store layers in use wherever the container's
 * cgroup is (runner/lib/lockfile.h has the protocol):
 *   - LOCK_SH | LOCK_NB on the bundle directory: held by `rtr-pull rm` only while it
 *     removes the bundle, so a start then fails at once (waiting could only end on a
 *     bundle that is gone);
 *   - LOCK_SH on STORE/locks/<hex>.lock of each layer of a store bundle, waiting while gc
 *     holds one (it decides in a moment; a layer it removed then fails the overlay mount
 *     by name).
 * The fds are O_CLOEXEC and opened by the parent before clone: no container sees them.
 */

#include <stdbool.h>
#include <stddef.h>

#include "lib/log.h"
#include "spec.h"

/* The bundle directory for spec_load(), its lock held: open for reading (flock needs
 * more than O_PATH).  A bundle the caller may not read (rootless, mode 0711) gets no lock:
 * an rtr-pull rm by that user could not remove it either.  The fd, or a negative errno. */
int inuse_open_bundle(const char *bundle, struct rtr_err *err);
/* spec_load() failed with @r on the locked bundle @fd: true, with @err saying so, when an
 * rtr-pull rm finished just before the lock was taken (the directory is gone), where the
 * parser would only have said "no config.json". */
bool inuse_bundle_gone(int fd, const char *bundle, int r, struct rtr_err *err);

/* LOCK_SH on every layer of a store bundle (none for a flat one); @ret_fds gets the
 * array of l->n_layers fds (-1 where a read-only store needs no lock), or NULL. */
int inuse_lock_layers(const struct rtr_rootfs_layers *l, int **ret_fds, struct rtr_err *err);
/* Closes (unlocks) and frees what inuse_lock_layers() took. */
void inuse_unlock_layers(int *fds, size_t n);
