/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Temporary bundles left by a pull that died (SIGKILL, power loss) are removed by the
 * next pull into the same parent directory.  A live pull holds an flock on its temporary
 * directory for as long as it runs; the kernel drops it when the process dies, so a
 * ".NAME.tmp-XXXXXXXX" directory whose lock can be taken belongs to nobody.
 *
 * The window between mkdir and flock of a new temporary directory is closed by a short
 * flock on the parent directory, held by the creator around mkdir+flock and by the sweeper
 * around its scan:
 *
 *	sweep_begin(parent_fd, &s);        // parent locked; dead ones found and locked
 *	... mkdir + open + sweep_hold(dir_fd) ...
 *	sweep_end(parent_fd, &s);          // parent unlocked, then the dead ones removed
 */

#include <stddef.h>

struct sweep {
	char **names; /* dead temporary directories, locked by us */
	int *fds;
	size_t n;
	int parent_locked;
};

/* Locks @parent_fd and collects the dead temporary directories in it.  Never fails: a
 * directory that cannot be read is simply not swept. */
void sweep_begin(int parent_fd, struct sweep *s);
/* Marks @dir_fd (a new temporary directory) as alive for the life of the process. */
int sweep_hold(int dir_fd);
/* Unlocks the parent and removes what sweep_begin() found. */
void sweep_end(int parent_fd, struct sweep *s);
