/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one test switch for the fallbacks of older kernels.  RTR_COMPAT is a comma-separated
 * list of kernel features rtr acts as if this kernel lacked, so that the paths a 5.4 or
 * 4.19 router takes run on the test host too:
 *
 *   no-openat2       in-root resolution walks with O_NOFOLLOW (openat2: Linux 5.6)
 *   no-clone3        the container is created with clone(2) (clone3: Linux 5.3)
 *   no-close_range   fds are marked close-on-exec one by one (CLOSE_RANGE_CLOEXEC: 5.11)
 *   old-kernel       all of the above
 *
 * Unknown words are ignored (an older rtr under a newer test suite).  The variable is read
 * on every question, a getenv next to a syscall, so one test process can try both paths.
 * RTR_NO_OPENAT2=1, the switch's older name, still means no-openat2.
 */

#include <stdbool.h>

#define COMPAT_ENV "RTR_COMPAT"

enum compat_feature {
	COMPAT_OPENAT2,
	COMPAT_CLONE3,
	COMPAT_CLOSE_RANGE,
};

/* True when RTR_COMPAT asks to act as if the kernel lacked @f. */
bool compat_disabled(enum compat_feature f);
