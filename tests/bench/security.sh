#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: the cost of the default security profile.  Start-to-exit of `/bin/true` in a
# bare busybox bundle with rtr's default (Docker's capability set + the default seccomp
# allowlist compiled with libseccomp before clone, masked and read-only paths) against
# `--seccomp unconfined --cap-add ALL` and against `--privileged` (no filter, no masks).
# A profile that is not the precompiled default (a bundle's own, or the default widened by
# --cap-add ALL) is compiled by libseccomp once and then read from the compiled-filter cache
# (/run/rtr/seccomp): timed both with the cache emptied before each run and warm.
# Prints hyperfine medians and the difference; targets: the default profile adds < 0.5 ms,
# a bundle's own profile (warm cache) < 5 ms.
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
	-n "default + ALL caps" "$RTR_RUN --cap-add ALL $B" \
	>/dev/null 2>&1
hyperfine -N -w 3 -r "$(((RUNS + 3) / 4))" --export-json "$T/cold.json" \
	--prepare "rm -rf /run/rtr/seccomp" \
	-n "custom profile, cache emptied" "$RTR_RUN --seccomp $T/custom.json $B" \
	-n "default + ALL caps, cache emptied" "$RTR_RUN --cap-add ALL $B" \
	>/dev/null 2>&1
median() { jq -r ".results[$1].median" "$T/h.json"; }
d=$(median 0) u=$(median 1) p=$(median 2) c=$(median 3) a=$(median 4)
cc=$(jq -r '.results[0].median' "$T/cold.json") ac=$(jq -r '.results[1].median' "$T/cold.json")
ms() { echo "($1) * 1000" | bc -l; }
printf '# rtr-run /bin/true medians: default %.2f ms, unconfined+ALL %.2f ms, privileged %.2f ms, custom profile %.2f ms\n' \
	"$(ms "$d")" "$(ms "$u")" "$(ms "$p")" "$(ms "$c")"
printf '# default profile adds %.2f ms over unconfined (ratio %.2f; target < 0.5 ms added)\n' \
	"$(ms "$d - $u")" "$(echo "$d / $u" | bc -l)"
printf '# a custom profile adds %.2f ms over the precompiled default from the cache (target < 5 ms), %.2f ms compiled by libseccomp (cache emptied)\n' \
	"$(ms "$c - $d")" "$(ms "$cc - $d")"
printf '# --cap-add ALL with the default profile adds %.2f ms from the cache, %.2f ms compiled\n' \
	"$(ms "$a - $d")" "$(ms "$ac - $d")"

# Where the time goes: building and exporting the filter happens in the parent before
# clone; the child only calls seccomp(2).  Show the filter's size.
n=$("$RTR_RUN" --print-default-seccomp | jq '[.syscalls[].names[]] | length')
printf '# default profile: %d syscall names\n' "$n"
