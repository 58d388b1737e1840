#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: the cost of the default security profile.  Start-to-exit of `/bin/true` in a
# bare busybox bundle with rtr's default (Docker's capability set + the default seccomp
# allowlist compiled with libseccomp before clone, masked and read-only paths) against
# `--seccomp unconfined --cap-add ALL` and against `--privileged` (no filter, no masks).
# Prints hyperfine medians and the difference; target: under 1 ms added.
#   RTR_BUILDDIR=build tests/bench/security.sh [RUNS]
set -euo pipefail
: "${RTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd hyperfine jq bc
RUNS=${1:-200}
rtr_tmpdir

B=$T/secbench
make_bundle "$B"
bundle_jq "$B" '.process.args = ["/bin/true"]'

hyperfine -N -w 20 -r "$RUNS" --export-json "$T/h.json" \
	-n "default profile" "$RTR_RUN $B" \
	-n "unconfined + ALL caps" "$RTR_RUN --seccomp unconfined --cap-add ALL $B" \
	-n "privileged" "$RTR_RUN --privileged $B" \
	>/dev/null
median() { jq -r ".results[$1].median" "$T/h.json"; }
d=$(median 0) u=$(median 1) p=$(median 2)
printf '# rtr-run /bin/true: default %.3f ms, unconfined %.3f ms, privileged %.3f ms\n' \
	"$(echo "$d * 1000" | bc -l)" "$(echo "$u * 1000" | bc -l)" "$(echo "$p * 1000" | bc -l)"
printf '# default profile adds %.3f ms over unconfined (ratio %.2f; target < 1 ms added), %.3f ms over privileged\n' \
	"$(echo "($d - $u) * 1000" | bc -l)" "$(echo "$d / $u" | bc -l)" "$(echo "($d - $p) * 1000" | bc -l)"

# Where the time goes: building and exporting the filter happens in the parent before
# clone; the child only calls seccomp(2).  Show the filter's size.
n=$("$RTR_RUN" --print-default-seccomp | jq '[.syscalls[].names[]] | length')
printf '# default profile: %d syscall names\n' "$n"
