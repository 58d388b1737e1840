#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The guest is what the lane claims: systemd as PID 1, cgroup v2 alone with every
# controller the tests need, user namespaces.  If one of these fails, the other guest
# suites prove less than they say.
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
is "$(cat /proc/1/comm)" systemd "systemd is PID 1"
is "$(stat -f -c %T /sys/fs/cgroup)" cgroup2fs "/sys/fs/cgroup is cgroup2 (no v1 hierarchy)"
is "$(awk '$3 == "cgroup" { print $5 }' /proc/self/mountinfo)" "" "no cgroup v1 hierarchy is mounted"
for c in cpuset cpu io memory pids; do
	like "$(cat /sys/fs/cgroup/cgroup.controllers)" "(^| )$c( |$)" "v2 controller $c"
done
diag "kernel $(uname -r)"
is "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null | grep -c '^[1-9]')" 1 "user namespaces are enabled"
done_testing
