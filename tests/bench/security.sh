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

# The default profile with one rule changed: not the precompiled one, so libseccomp
# compiles it at start-up (what any custom --seccomp FILE costs).
"$RTR_RUN" --print-default-seccomp | jq '.syscalls[0].names |= .[1:]' >"$T/custom.json"

# hyperfine runs the variants one after the other: on a busy machine repeat the run.
hyperfine -N -w 20 -r "$RUNS" --export-json "$T/h.json" \
	-n "default profile" "$RTR_RUN $B" \
	-n "unconfined + ALL caps" "$RTR_RUN --seccomp unconfined --cap-add ALL $B" \
	-n "privileged" "$RTR_RUN --privileged $B" \
	-n "custom profile" "$RTR_RUN --seccomp $T/custom.json $B" \
	>/dev/null 2>&1
median() { jq -r ".results[$1].median" "$T/h.json"; }
d=$(median 0) u=$(median 1) p=$(median 2) c=$(median 3)
ms() { echo "($1) * 1000" | bc -l; }
printf '# rtr-run /bin/true medians: default %.2f ms, unconfined+ALL %.2f ms, privileged %.2f ms, custom profile %.2f ms\n' \
	"$(ms "$d")" "$(ms "$u")" "$(ms "$p")" "$(ms "$c")"
printf '# default profile adds %.2f ms over unconfined (ratio %.2f; target < 1 ms added)\n' \
	"$(ms "$d - $u")" "$(echo "$d / $u" | bc -l)"
printf '# a custom profile compiled by libseccomp at start-up adds %.2f ms over the precompiled default\n' \
	"$(ms "$c - $d")"

# Where the time goes: building and exporting the filter happens in the parent before
# clone; the child only calls seccomp(2).  Show the filter's size.
n=$("$RTR_RUN" --print-default-seccomp | jq '[.syscalls[].names[]] | length')
printf '# default profile: %d syscall names\n' "$n"
