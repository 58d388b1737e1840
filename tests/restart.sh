#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --restart: crash loops with a growing back-off, on-failure and always, stops that never
# restart (rtr-run stop while running and during the back-off, SIGTERM to rtr-run), the
# exit status of the last run, and the restart count in ps/stats.  Real containers; every
# time check is a lower bound (a delay can only make a gap longer).  Names start "rst-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
export RTR_STOP_TIMEOUT_S=3
container_suite

mkdir -p "$T/data"
# Each run appends the host's uptime (seconds, not namespaced) to /data/runs, then exits
# with 10 + the number of runs so far: the exit status tells which run was the last.
make_bundle "$T/crash" /bin/sh -c \
	'cut -d" " -f1 /proc/uptime >>/data/runs; exit $((10 + $(wc -l </data/runs)))'
make_bundle "$T/ok" /bin/sh -c 'echo x >>/data/runs'
make_bundle "$T/fail" /bin/sh -c 'echo x >>/data/runs; exit 1'
# As PID 1 the shell has no default action for SIGTERM: it says what to do.
make_bundle "$T/sleep" /bin/sh -c 'trap "exit 143" TERM; echo x >>/data/runs; sleep 1000 & wait'
DATA=(--mount "$T/data:/data")

runs() { wc -l <"$T/data/runs" 2>/dev/null || echo 0; }
reset() { rm -f "$T/data/runs"; }
runs_ge() { (($(runs) >= $1)); }

# ---- a crash loop ------------------------------------------------------------------------
reset
t0=$(cut -d" " -f1 /proc/uptime)
run "$RTR_RUN" --name rst-crash --restart on-failure:3 --restart-delay 300ms "${DATA[@]}" "$T/crash"
is "$(runs)" 4 "on-failure:3: the first run and 3 restarts"
is "$rc" 14 "rtr-run exits with the last run's status"
like "$err" "restart 1 in 300 ms" "first delay is --restart-delay"
like "$err" "restart 2 in 600 ms" "  then doubled"
like "$err" "restart 3 in 1200 ms" "  and doubled again"
unlike "$err" "restart 4" "no fourth restart"
mapfile -t ts <"$T/data/runs"
gaps_ok=1
want=(0.3 0.6 1.2)
for i in 0 1 2; do
	awk -v a="${ts[$i]}" -v b="${ts[$((i + 1))]}" -v w="${want[$i]}" \
		'BEGIN { exit !(b - a >= w - 0.02) }' || gaps_ok=0
done
if ((gaps_ok)); then
	ok "the gaps between runs grow: at least 0.3, 0.6, 1.2 s"
else
	not_ok "the gaps between runs grow" "uptimes: ${ts[*]} (start $t0)"
fi
run "$RTR_RUN" ps
unlike "$out" "^rst-crash " "its cgroup is gone at the end"

reset
run "$RTR_RUN" --name rst-ok --restart on-failure "${DATA[@]}" "$T/ok"
is "$rc/$(runs)" "0/1" "on-failure does not restart an exit 0"
reset
run "$RTR_RUN" --name rst-no "${DATA[@]}" "$T/fail"
is "$rc/$(runs)" "1/1" "no --restart: one run"

# ---- always ------------------------------------------------------------------------------
reset
bg_timed rst-always --restart always --restart-delay 10ms "${DATA[@]}" "$T/ok"
if wait_for 30 runs_ge 3; then
	ok "always restarts a container that exits 0"
else
	not_ok "always restarts a container that exits 0" "$(cat "$T/rst-always.err")"
fi
run "$RTR_RUN" stop rst-always
bg_wait
is "$rc" 0 "stopped: exits with the last run's status"
n=$(runs)
sleep 0.3
is "$(runs)" "$n" "no run after the stop"

# ---- stops never restart -----------------------------------------------------------------
reset
bg_timed rst-stop --restart always "${DATA[@]}" "$T/sleep"
wait_for 20 runs_ge 1 || true
run "$RTR_RUN" stop rst-stop
bg_wait
is "$rc/$(runs)" "143/1" "rtr-run stop of a running container: 143, no restart"
unlike "$(cat "$T/rst-stop.err")" "restart 1" "  nothing said about a restart"

reset
bg_timed rst-term --restart always "${DATA[@]}" "$T/sleep"
wait_for 20 runs_ge 1 || true
# (rtr-run itself: timeout(1) would signal its whole process group, a second stop)
kill -TERM "$(pgrep -P "$bgpid" rtr-run)"
bg_wait
is "$rc/$(runs)" "143/1" "SIGTERM to rtr-run: no restart"

reset
bg_timed rst-backoff --restart always --restart-delay 30s "${DATA[@]}" "$T/fail"
if wait_for 20 grep -q "restart 1 in 30000 ms" "$T/rst-backoff.err"; then
	ok "a failed run waits 30 s to restart"
else
	not_ok "a failed run waits 30 s to restart" "$(cat "$T/rst-backoff.err")"
fi
run "$RTR_RUN" ps --json
is "$(jq -c '.[] | select(.name == "rst-backoff") | [.pid, .restarts, .last_exit]' <<<"$out")" \
	"[0,1,1]" "ps --json during the back-off: no pid, 1 restart, last exit 1"
run "$RTR_RUN" ps
like "$out" "^rst-backoff +- .* +1 +1 +- +$T/fail\$" "ps: RESTARTS 1, EXIT 1 (HEALTH -)"
run "$RTR_RUN" stats --json rst-backoff
is "$(jq -c '[.restarts, .last_exit]' <<<"$out")" "[1,1]" "stats --json: restarts and last exit"
run "$RTR_RUN" stop rst-backoff
is "$rc" 0 "rtr-run stop during the back-off"
bg_wait
is "$rc/$(runs)" "1/1" "  ends it at once without another run, with the last status"
run "$RTR_RUN" ps
unlike "$out" "^rst-backoff " "  and removes the cgroup"

# ---- a kill is no stop -------------------------------------------------------------------
# An update during the first run outlives it (as with Docker): the next run has the
# updated limits and inspect says so.
reset
bg_timed rst-kill --restart on-failure:1 --memory 32M --pids-limit 30 "${DATA[@]}" "$T/sleep"
wait_for 20 runs_ge 1 || true
run "$RTR_RUN" update rst-kill --memory 48M --pids-limit 20
is "$rc" 0 "update during the first run"
run "$RTR_RUN" kill rst-kill KILL
if wait_for 20 runs_ge 2; then
	ok "on-failure restarts a container killed by SIGKILL"
else
	not_ok "on-failure restarts a container killed by SIGKILL" "$(cat "$T/rst-kill.err")"
fi
wait_for 20 runs_ge 2 || true
run "$RTR_RUN" stats --json rst-kill
is "$(jq -c '[.restarts, .last_exit, .memory.limit, .pids.limit]' <<<"$out")" \
	"[1,137,$((48 << 20)),20]" "the next run: restart 1 after 137, the updated limits"
run "$RTR_RUN" inspect --json rst-kill
is "$(jq -c '[.limits.memory, .limits.pids, .state.restarts]' <<<"$out")" "[$((48 << 20)),20,1]" \
	"  inspect shows the updated limits after the restart"
run "$RTR_RUN" stop rst-kill
bg_wait
is "$rc/$(runs)" "143/2" "  then stopped"

# ---- update between two runs -------------------------------------------------------------
# During the back-off the cgroup is empty but the supervisor holds it: update writes the
# limits there and into the record, and the next run, in the same cgroup, has them.
make_bundle "$T/second" /bin/sh -c 'trap "exit 143" TERM; echo x >>/data/runs
	[ "$(wc -l </data/runs)" -ge 2 ] || exit 1; sleep 1000 & wait'
limits() {
	local m=memory.max
	v1_has memory && m=memory.limit_in_bytes
	echo "$(cat "$(cg memory "$1")/$m") $(cat "$(cg pids "$1")/pids.max")"
}
reset
bg_timed rst-upwait --restart on-failure:3 --restart-delay 5s --memory 32M --pids-limit 30 \
	"${DATA[@]}" "$T/second"
wait_for 20 grep -q "restart 1 in 5000 ms" "$T/rst-upwait.err" || true
run "$RTR_RUN" update rst-upwait --memory 40M --pids-limit 21
is "$rc" 0 "update during the back-off exits 0" || diag "$err"
is "$(runs)/$(ps_field rst-upwait pid)" "1/0" "  it came between the runs (no pid, one run)"
is "$(limits rst-upwait)" "$((40 << 20)) 21" "  the empty cgroup has the new limits"
run "$RTR_RUN" stats --json rst-upwait
is "$(jq -c '[.memory.limit, .pids.limit]' <<<"$out")" "[$((40 << 20)),21]" \
	"  stats --json during the back-off: the new limits"
run "$RTR_RUN" inspect --json rst-upwait
is "$(jq -c '[.limits.memory, .limits.pids]' <<<"$out")" "[$((40 << 20)),21]" \
	"  inspect --json during the back-off: the new limits"
if wait_for 30 init_running rst-upwait; then
	ok "the next run starts"
else
	not_ok "the next run starts" "$(cat "$T/rst-upwait.err")"
fi
is "$(limits rst-upwait)" "$((40 << 20)) 21" "  with the updated limits in force"
run "$RTR_RUN" inspect --json rst-upwait
is "$(jq -c '[.limits.memory, .limits.pids, .state.restarts]' <<<"$out")" \
	"[$((40 << 20)),21,1]" "  inspect --json shows them"
# A supervisor recorded on a directory whose lock nobody holds is no live container (the
# pid may be another rtr-run's by now).
mkdir "$(prim rst-nosup)"
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.rtr.supervisor", sys.argv[2].encode())' \
	"$(prim rst-nosup)" "$(pgrep -P "$bgpid" rtr-run)" || true
run "$RTR_RUN" update rst-nosup --memory 40M
is "$rc" 1 "update of a name whose supervisor is gone exits 1"
like "$err" "rst-nosup: no such running container" "  and says so"
rmdir "$(prim rst-nosup)" 2>/dev/null || true
run "$RTR_RUN" stop rst-upwait
bg_wait
is "$rc/$(runs)" "143/2" "  then stopped"
run "$RTR_RUN" update rst-upwait --pids-limit 22
is "$rc" 1 "update after the supervisor ended exits 1"
like "$err" "rst-upwait: no such running container" "  and says so"

# ---- an OOM kill is a failure ------------------------------------------------------------
# The first run grows until the kernel kills it (tail keeps /dev/zero's one endless line),
# the second exits 0.
make_bundle "$T/oom" /bin/sh -c \
	'echo x >>/data/runs; [ "$(wc -l </data/runs)" -ge 2 ] && exit 0; exec tail /dev/zero'
noswap=()
if compgen -G "/sys/fs/cgroup/*/memory.swap.max" >/dev/null ||
	[[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]]; then
	noswap=(--memory-swap 16M)
fi
reset
run "$RTR_RUN" --name rst-oom --restart on-failure:2 --restart-delay 10ms --memory 16M \
	"${noswap[@]}" "${DATA[@]}" "$T/oom"
is "$rc/$(runs)" "0/2" "on-failure restarts an OOM-killed container"
like "$err" "restart 1 in 10 ms" "  after 137"
is "$(grep -c "out of memory" <<<"$err")" 1 "  the OOM kill is reported for its run only"

run "$RTR_RUN" --help
like "$out" "^ +--restart no\|always\|unless-stopped\|on-failure\[:MAX\]\$" "--help lists --restart"
like "$out" "^ +--restart-delay DELAY\$" "  --restart-delay"
like "$out" "^ +--notify runtime\|container\$" "  and --notify"

# ---- bad values --------------------------------------------------------------------------
run "$RTR_RUN" --restart sometimes "$T/ok"
is "$rc" 125 "--restart sometimes is refused"
like "$err" "--restart sometimes: expected no, always, unless-stopped or on-failure\[:MAX\]" \
	"  naming the choices"
run "$RTR_RUN" --restart-delay 5h "$T/ok"
like "$err" "--restart-delay 5h: expected a delay like 500ms, 2s or 1m, at most 60 s" \
	"--restart-delay above the maximum is refused"

done_testing
