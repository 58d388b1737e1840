#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `rtr-run exec NAME -- /bin/true` into a running container against `crun exec`, side by
# side in one run, the cost of one health check of /bin/true, and the resident
# supervisor's memory with a health check on against a foreground `crun run`.
#
#   tests/bench/exec.sh [RUNS]        (root; RTR_BUILDDIR defaults to ./build)
#   RTR_RUN_BASE=/path/to/old/rtr-run tests/bench/exec.sh   (also times an older build's
#                                     exec into the same container, on the host's layout)
#
# Both containers run the same busybox bundle (`sleep`, Docker's default capabilities,
# no_new_privs, rtr's default seccomp profile written into config.json).  crun refuses
# hybrid cgroup hosts, so both are started and timed inside one `unshare -m` with
# /sys/fs/cgroup/unified unmounted; rtr-run exec is also timed on the host's layout.
# A health check's cost is what the supervisor logs at -vv for each check: from the timer
# releasing the already joined check to the reaped exit of /bin/true inside the container
# (the median of CHECKS checks; health.h says why the join is done ahead), and the CPU
# time the supervisor and its checks (join included) used per check.
set -euo pipefail
. "${RTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
require_root
require_cmd hyperfine jq
rtr_tmpdir
RUNS=${1:-100}
CHECKS=${CHECKS:-100}
export RTR_STOP_TIMEOUT_S=2

make_bundle "$T/b" /bin/sleep 600
"$RTR_RUN" --print-default-seccomp >"$T/profile.json"
caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
 "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
 "CAP_KILL","CAP_AUDIT_WRITE"]'
bundle_jq "$T/b" '.linux.seccomp = $p[0] | .process.noNewPrivileges = true
	| .process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
	--slurpfile p "$T/profile.json" --argjson c "$caps"

have() { command -v "$1" >/dev/null 2>&1; }
crun_running() { crun state "$1" 2>/dev/null | jq -e '.status == "running"' >/dev/null; }
rtr_running() { "$RTR_RUN" ps --json | jq -e --arg n "$1" 'any(.[]; .name == $n)' >/dev/null; }

# ---- exec, inside the namespace crun accepts -----------------------------------------------
cat >"$T/inside.sh" <<'EOF'
set -euo pipefail
umount /sys/fs/cgroup/unified 2>/dev/null || true
. "$RTR_SRCDIR/tests/lib.sh"
"$RTR_RUN" --name bench-exec-rtr "$T/b" >/dev/null 2>&1 </dev/null &
sup=$!
args=(-n "rtr-run exec" "$RTR_RUN exec bench-exec-rtr -- /bin/true")
if command -v crun >/dev/null; then
	crun delete -f bench-exec-crun >/dev/null 2>&1 || true
	crun run -d -b "$T/b" bench-exec-crun >/dev/null 2>&1 </dev/null
	args+=(-n "crun exec" "crun exec bench-exec-crun /bin/true")
fi
for _ in $(seq 100); do
	"$RTR_RUN" ps --json | grep -q bench-exec-rtr && break
	sleep 0.05
done
rc=0
hyperfine -N -w 5 -r "$RUNS" --export-json "$T/ns.json" "${args[@]}" >"$T/ns.txt" 2>&1 || rc=$?
"$RTR_RUN" stop bench-exec-rtr >/dev/null 2>&1 || true
crun delete -f bench-exec-crun >/dev/null 2>&1 || true
wait $sup || true
exit $rc
EOF
echo "# exec of /bin/true, inside unshare -m without the cgroup v2 mount (crun refuses hybrid hosts)"
RUNS=$RUNS unshare -m -- bash "$T/inside.sh" || {
	cat "$T/ns.txt"
	exit 1
}

echo "# rtr-run exec on the host's real cgroup layout"
"$RTR_RUN" --name bench-exec-host "$T/b" >/dev/null 2>&1 </dev/null &
RTR_PIDS="$RTR_PIDS $!"
wait_for 10 rtr_running bench-exec-host
host=(-n "rtr-run exec (host layout)" "$RTR_RUN exec bench-exec-host -- /bin/true")
[[ -n "${RTR_RUN_BASE:-}" ]] &&
	host+=(-n "base rtr-run exec (host layout)" "$RTR_RUN_BASE exec bench-exec-host -- /bin/true")
hyperfine -N -w 5 -r "$RUNS" --export-json "$T/host.json" "${host[@]}" >"$T/host.txt" 2>&1 || {
	cat "$T/host.txt"
	exit 1
}
"$RTR_RUN" stop bench-exec-host >/dev/null 2>&1 || true

jq -s -r '[.[].results[]] as $r
	| ($r[] | "\(.command): median \(.median * 1000 | . * 100 | round / 100) ms (min \(.min * 1000 | . * 100 | round / 100) ms, \(.times | length) runs)"),
	([$r[] | {key: .command, value: .median}] | from_entries) as $m
	| (if $m["crun exec"] then "ratio rtr-run exec / crun exec: \($m["rtr-run exec"] / $m["crun exec"] * 100 | round / 100) (target <= 0.5)" else "crun not installed: no ratio" end),
	(if $m["base rtr-run exec (host layout)"] then "ratio rtr-run exec / base (host layout): \($m["rtr-run exec (host layout)"] / $m["base rtr-run exec (host layout)"] * 100 | round / 100)" else empty end)' \
	"$T/ns.json" "$T/host.json"

# ---- one health check of /bin/true ---------------------------------------------------------
echo
echo "# health checks of /bin/true every 50 ms ($CHECKS checks)"
ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }
"$RTR_RUN" -vv --name bench-health --health-cmd '["CMD", "/bin/true"]' \
	--health-interval 50ms "$T/b" >/dev/null 2>"$T/health.log" </dev/null &
sup=$!
RTR_PIDS="$RTR_PIDS $sup"
wait_for 10 rtr_running bench-health
wait_for 10 grep -q "health check: exit" "$T/health.log"
n0=$(grep -c "health check: exit" "$T/health.log")
t0=$(ticks $sup)
wait_for 120 eval '(( $(grep -c "health check: exit" "$T/health.log") >= n0 + CHECKS ))'
t1=$(ticks $sup)
n1=$(grep -c "health check: exit" "$T/health.log")
hz=$(getconf CLK_TCK)
grep -o 'health check: exit 0 after [0-9]* us' "$T/health.log" | awk '{ print $6 }' | sort -n >"$T/us"
med=$(awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }' "$T/us")
fails=$(grep -c 'health check: exit [1-9]' "$T/health.log" || true)
echo "health check of /bin/true: median $(awk -v u="$med" 'BEGIN { printf "%.2f", u / 1000 }') ms from release to reaped exit ($(wc -l <"$T/us") checks, $fails failed; target < 5 ms)"
echo "health check CPU (supervisor + check): $(awk -v t=$((t1 - t0)) -v n=$((n1 - n0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz * 1000 / n }') ms per check"

# ---- memory of the resident supervisor with a health check ----------------------------------
mem() { # PID
	awk '/^Private_(Clean|Dirty)/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"
}
rtr_priv=$(mem $sup)
echo "rtr-run supervisor with a health check every 50 ms: private ${rtr_priv} KiB"
"$RTR_RUN" stop bench-health >/dev/null 2>&1 || true
wait $sup || true
if have crun; then
	unshare -m -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null || true
		crun delete -f bench-mem-crun >/dev/null 2>&1 || true
		crun run -b "$1" bench-mem-crun >/dev/null 2>&1 </dev/null & p=$!
		sleep 1
		awk "/^Private_(Clean|Dirty)/ { s += \$2 } END { print s }" /proc/$p/smaps_rollup >"$2"
		crun kill bench-mem-crun KILL >/dev/null 2>&1 || true
		wait $p || true
		crun delete -f bench-mem-crun >/dev/null 2>&1 || true' sh "$T/b" "$T/crun.priv"
	crun_priv=$(cat "$T/crun.priv")
	echo "crun run (foreground, for comparison): private ${crun_priv} KiB"
	echo "ratio rtr-run supervisor with health / crun run: $(awk -v a="$rtr_priv" -v b="$crun_priv" 'BEGIN { printf "%.2f", a / b }') (target <= 0.25)"
fi
