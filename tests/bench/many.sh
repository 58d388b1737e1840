#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Many containers at once (issue 15): N containers (default 400), each `sleep` with a
# memory limit and a veth on a bridge, all in a private network namespace of the bench.
# Figures, taken in one run:
#   - private memory of each resident supervisor (smaps_rollup Private_Clean+Private_Dirty):
#     median, min, max;
#   - start-to-exit of one more /bin/true container (same settings) with none running and
#     with N running, and their ratio;
#   - `rtr-run ps --json` with N running;
#   - the time to stop all N (rtr-run stop, 8 at a time), and that nothing is left.
# With STRACE=1 it also prints `strace -f -c -w` of one start at 0 and at N running: the
# syscalls whose time grows with N.
#
#   tests/bench/many.sh [N] [RUNS]        (root; RTR_BUILDDIR defaults to ./build)
#
# The machine is shared: run it rarely.  It uses names many-*, the bridge br-many and
# 10.77.0.0/16, all inside its own network namespace.
set -euo pipefail
. "${RTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
require_root
require_cmd hyperfine jq ip
N=${1:-400}
RUNS=${2:-30}

if [[ -z "${MANY_IN_NETNS:-}" ]]; then
	MANY_IN_NETNS=1 exec unshare -n -- "$0" "$@"
fi
rtr_tmpdir
ip link set lo up
ip link add br-many type bridge
ip link set br-many up
ip addr add 10.77.0.1/16 dev br-many

make_bundle "$T/sleep" sleep 3600
make_bundle "$T/true" /bin/true
# sleep as PID 1 ignores SIGTERM: KILL makes the stop figure the stop machinery's, not
# the stop timeout's.
OPTS=(--memory 32M --bridge br-many --seccomp unconfined --stop-signal KILL)
addr() { echo "10.77.$(($1 / 250 + 1)).$(($1 % 250 + 2))/16"; }

one_true() { # LABEL: hyperfine of one more /bin/true start, JSON in $T/LABEL.json
	hyperfine -N -w 3 -r "$RUNS" --export-json "$T/$1.json" -n "$1" \
		"$RTR_RUN --name many-true ${OPTS[*]} --address 10.77.250.250/16 $T/true" >/dev/null
	jq -r '.results[0] | "\(.command): median \(.median * 1000 | . * 100 | round / 100) ms (min \(.min * 1000 | . * 100 | round / 100), max \(.max * 1000 | . * 100 | round / 100), \(.times | length) runs; CPU user+sys \((.user + .system) * 1000 | . * 100 | round / 100) ms)"' "$T/$1.json"
}
strace_true() { # LABEL
	[[ -n "${STRACE:-}" ]] || return 0
	echo "# strace -f -c -w of one start, $1 (top 12 by time)"
	strace -f -c -w -o "$T/strace-$1.txt" "$RTR_RUN" --name many-true "${OPTS[@]}" \
		--address 10.77.250.250/16 "$T/true" >/dev/null 2>&1 || true
	head -15 "$T/strace-$1.txt" | sed 's/^/#   /'
}

echo "# $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), N=$N"
one_true idle
strace_true idle

# ---- N containers ---------------------------------------------------------------------
# at_least K: K containers of the bench have their init in their cgroup
at_least() { [[ $(cat /sys/fs/cgroup/unified/rtr/many-*/cgroup.procs /sys/fs/cgroup/rtr/many-*/cgroup.procs 2>/dev/null | wc -l) -ge $1 ]]; }
t0=$(date +%s%N)
for i in $(seq 1 "$N"); do
	"$RTR_RUN" --name "many-$i" "${OPTS[@]}" --address "$(addr "$i")" "$T/sleep" \
		>/dev/null 2>>"$T/start.err" </dev/null &
	RTR_PIDS="$RTR_PIDS $!"
	# a few at a time: 2 shared cores
	if ((i % 8 == 0)); then wait_for 20 at_least "$i" || true; fi
done
count() { "$RTR_RUN" ps --json | jq '[.[] | select(.name | startswith("many-"))] | length'; }
for _ in $(seq 1 600); do
	[[ $(count) -ge $N ]] && break
	sleep 0.1
done
t1=$(date +%s%N)
echo "started $(count) of $N in $(((t1 - t0) / 1000000)) ms"
[[ -s "$T/start.err" ]] && { echo "# start errors:"; head -5 "$T/start.err"; }
sleep 2

# private memory of each supervisor: the rtr-run whose child is the container's init
"$RTR_RUN" ps --json | jq -r '.[] | select(.name | startswith("many-")) | .pid' >"$T/inits"
while read -r p; do
	s=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null) || continue
	awk '/^Private_(Clean|Dirty)/ { s += $2 } END { print s }' "/proc/$s/smaps_rollup"
done <"$T/inits" | sort -n >"$T/priv"
echo "supervisor private memory: median $(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' "$T/priv") KiB, min $(head -1 "$T/priv") KiB, max $(tail -1 "$T/priv") KiB ($(wc -l <"$T/priv") supervisors)"

echo "# load average $(cut -d' ' -f1-3 /proc/loadavg) with $N running"
one_true loaded
strace_true loaded
# On a shared machine the median swings with the load: the minimum and the CPU time of
# rtr-run's process tree are printed beside it.
jq -s -r '"ratio start-to-exit with \('"$N"') running / none: \(.[1].results[0].median / .[0].results[0].median * 100 | round / 100) (min \(.[1].results[0].min / .[0].results[0].min * 100 | round / 100), CPU \((.[1].results[0].user + .[1].results[0].system) / (.[0].results[0].user + .[0].results[0].system) * 100 | round / 100))"' \
	"$T/idle.json" "$T/loaded.json"
hyperfine -N -w 3 -r "$RUNS" --export-json "$T/ps.json" -n "ps --json" "$RTR_RUN ps --json" >/dev/null
jq -r '.results[0] | "rtr-run ps --json with '"$N"' running: median \(.median * 1000 | . * 100 | round / 100) ms (min \(.min * 1000 | . * 100 | round / 100), max \(.max * 1000 | . * 100 | round / 100); CPU user+sys \((.user + .system) * 1000 | . * 100 | round / 100) ms)"' "$T/ps.json"

# ---- stop all -------------------------------------------------------------------------
t0=$(date +%s%N)
seq 1 "$N" | sed 's/^/many-/' | xargs -P 8 -n 1 "$RTR_RUN" stop
for p in $RTR_PIDS; do wait "$p" 2>/dev/null || true; done
t1=$(date +%s%N)
echo "stopped all $N in $(((t1 - t0) / 1000000)) ms"
RTR_PIDS=

left_cg=$( (ls -d /sys/fs/cgroup/*/rtr/many-* /sys/fs/cgroup/rtr/many-* 2>/dev/null || true) | wc -l)
for _ in $(seq 1 100); do # the kernel deletes the renamed host ends with their namespaces
	[[ $(ip -o link show type veth | wc -l) == 0 ]] && break
	sleep 0.1
done
echo "left behind: $left_cg cgroup directories, $(ip -o link show type veth | wc -l) veth links, $(ip -o link show master br-many | wc -l) bridge ports"
