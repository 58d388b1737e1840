#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: start-to-exit of /bin/true on one busybox rootfs with --memory 64M
# --pids-limit 100 --cpus 1 against no limits (what the limits cost), and runc with the
# same limits in config.json as the peer (crun refuses hybrid hosts).  Prints medians
# (hyperfine), the ratio and the added milliseconds.  Target: limits add < 1 ms.
#   RTR_BUILDDIR=build tests/bench/cgroup.sh [RUNS]
#
# Every rtr container gets a cgroup, limits or not; its fixed cost is mostly the kernel's
# task migration (cgroup.procs writes wait for an RCU grace period, once per start; see
# "favordynmods" in the kernel's cgroup-v2 documentation).
set -euo pipefail
: "${RTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd hyperfine jq
RUNS=${1:-40}
rtr_tmpdir

make_bundle "$T/b" /bin/true
bundle_jq "$T/b" '.process.args = ["/bin/true"]'
LIMITS="--memory 64M --pids-limit 100 --cpus 1"

cmds=(-n "rtr-run, no limits" "$RTR_RUN --name cgb-none $T/b"
	-n "rtr-run $LIMITS" "$RTR_RUN --name cgb-lim $LIMITS $T/b")
if command -v runc >/dev/null; then
	mkdir -p "$T/runc"
	jq --arg r "$T/b/rootfs" '.root.path = $r | .linux.resources = {
		"memory": {"limit": 67108864}, "pids": {"limit": 100},
		"cpu": {"quota": 100000, "period": 100000}}' "$T/b/config.json" >"$T/runc/config.json"
	if runc run -b "$T/runc" cgb-runc >/dev/null 2>"$T/runc.err"; then
		cmds+=(-n "runc, same limits" "runc run -b $T/runc cgb-runc")
	else
		echo "# runc fails here: $(tr '\n' ' ' <"$T/runc.err")"
	fi
fi

hyperfine -N -w 5 -r "$RUNS" --export-json "$T/h.json" "${cmds[@]}" >/dev/null 2>"$T/hf.err" ||
	{ cat "$T/hf.err"; exit 1; }

ms() { jq -r ".results[$1].median * 1000" "$T/h.json"; }
n=$(ms 0) l=$(ms 1)
printf '%-48s %8.2f ms\n' "rtr-run, no limits" "$n" "rtr-run $LIMITS" "$l"
if (($(jq '.results | length' "$T/h.json") > 2)); then
	r=$(ms 2)
	printf '%-48s %8.2f ms\n' "runc, same limits" "$r"
	awk -v l="$l" -v r="$r" 'BEGIN { printf "ratio rtr-run / runc with limits:  %.3f\n", l / r }'
fi
awk -v n="$n" -v l="$l" 'BEGIN { printf "ratio limits / no limits:         %.3f\n", l / n }'

# hyperfine runs one command after the other, so load drifting between the two blocks
# shows up as a difference; the paired, interleaved runs below cancel it.
for ((i = 0; i < RUNS; i++)); do
	a=$(date +%s%N)
	$RTR_RUN --name cgb-none "$T/b"
	b=$(date +%s%N)
	# shellcheck disable=SC2086
	$RTR_RUN --name cgb-lim $LIMITS "$T/b"
	c=$(date +%s%N)
	echo $(((c - b) - (b - a)))
done >"$T/pairs"
sort -n "$T/pairs" | awk '{ v[NR] = $1 } END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "added by the limits (median of %d interleaved pairs): %.3f ms (target < 1 ms)\n", NR, m / 1e6
}'
