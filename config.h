/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Compile-time defaults of rtr, one place to change them (suckless style).  Primitive
 * values only; the unit is in the name or the comment.  Precedence at run time:
 * command line > bundle > these.
 */

/* cgroup parent under the cgroup root (and under a delegated systemd unit's cgroup). */
#define RTR_CGROUP_PARENT "rtr"
/* Seconds between the stop signal and SIGKILL. */
#define RTR_STOP_TIMEOUT_S 10
/* Signal sent on stop when the image names none. */
#define RTR_STOP_SIGNAL_DEFAULT "SIGTERM"
/* Largest config.json accepted, bytes. */
#define RTR_CONFIG_MAX_BYTES (4 * 1024 * 1024)
/* Largest JSON nesting depth accepted in any input. */
#define RTR_JSON_MAX_DEPTH 64
/* Size of /dev, /dev/shm tmpfs when the spec does not say, bytes. */
#define RTR_DEV_TMPFS_BYTES (64 * 1024)
#define RTR_SHM_BYTES (64 * 1024 * 1024)
/* Seconds a hook may run when the spec sets no timeout. */
#define RTR_HOOK_TIMEOUT_S 30
/* Longest container name. */
#define RTR_NAME_MAX 64
