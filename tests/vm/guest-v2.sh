#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest only: user namespaces on pure cgroup v2, and rtr-run inside a systemd unit with
# Delegate=yes (systemd-run), where the container's cgroup must nest in the unit's own.
# Container names start with "v2-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd jq systemd-run systemctl
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || skip_all "needs a pure cgroup v2 host"
rtr_tmpdir
# A hung systemctl fails its check instead of the whole suite.
systemctl() { timeout 90 /bin/systemctl "$@"; }
make_bundle "$T/b" /bin/true
B=$T/b
procs() { [[ -n $(cat "$1/cgroup.procs" 2>/dev/null) ]]; }

# ---- user namespace on v2 ---------------------------------------------------------------
D=/sys/fs/cgroup/rtr/v2-userns
"$RTR_RUN" --name v2-userns --userns auto --memory 24M --pids-limit 16 "$B" -- sleep 600 \
	>"$T/u.out" 2>"$T/u.err" </dev/null &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
if wait_for 60 procs "$D"; then
	cpid=$(head -1 "$D/cgroup.procs")
	like "$(cat "/proc/$cpid/uid_map")" '^ +0 +[1-9][0-9]* +[0-9]+$' \
		"--userns auto: the container's root is an unprivileged host uid"
	is "$(cat "$D/memory.max") $(cat "$D/pids.max")" "$((24 << 20)) 16" \
		"--userns auto: memory.max and pids.max on v2"
	run "$RTR_RUN" pause v2-userns
	like "$(cat "$D/cgroup.events")" "^frozen 1" "--userns auto: pause freezes through cgroup.freeze"
	run "$RTR_RUN" resume v2-userns
	like "$(cat "$D/cgroup.events")" "^frozen 0" "--userns auto: resume thaws"
	run "$RTR_RUN" stop -t 1 v2-userns
	is "$rc" 0 "--userns auto: stop"
else
	not_ok "a container in a user namespace starts on v2" "$(cat "$T/u.err")" \
		"$(ls -l /sys/fs/cgroup/rtr/ 2>&1)" "$(ps -ef | grep -v ' \[' | tail -8)"
	kill -TERM "$pid" 2>/dev/null || true
	sleep 2
	kill -KILL "$pid" 2>/dev/null || true
	diag "after SIGTERM: $(cat "$T/u.err")"
fi
rc=0
wait "$pid" || rc=$?
is "$rc" 143 "--userns auto: sleep (no TERM handler as PID 1) killed after the stop timeout (a stop asked for: 143)"
is "$(ls -d "$D" 2>/dev/null)" "" "--userns auto: cgroup gone"

# ---- delegation: rtr-run in a Delegate=yes unit ------------------------------------------
diag "$(date +%T) delegation"
systemctl reset-failed v2-deleg.service 2>/dev/null || true
timeout 90 systemd-run --quiet --unit v2-deleg -p Delegate=yes -p KillMode=mixed \
	"$RTR_RUN" --name v2-dl --memory 40M --pids-limit 22 --cpus 0.5 "$B" -- sleep 600
U=/sys/fs/cgroup$(systemctl show -P ControlGroup v2-deleg.service)
D=$U/rtr/v2-dl
if wait_for 30 procs "$D"; then
	ok "Delegate=yes: the container's cgroup nests in the unit's ($D)"
	is "$(cat "$D/memory.max") $(cat "$D/pids.max") $(cat "$D/cpu.max")" \
		"$((40 << 20)) 22 50000 100000" "Delegate=yes: memory.max, pids.max, cpu.max in the unit's cgroup"
	is "$(cat "$U/supervisor/cgroup.procs")" "$(systemctl show -P MainPID v2-deleg.service)" \
		"Delegate=yes: rtr-run moved itself to a leaf of the unit's cgroup"
	is "$(cat "$U/cgroup.procs")" "" "Delegate=yes: no process left in the unit's own cgroup"
	is "$(ls -d /sys/fs/cgroup/rtr/v2-dl 2>/dev/null)" "" "Delegate=yes: nothing outside the unit's cgroup"
	run "$RTR_RUN" ps
	like "$out" "^v2-dl " "Delegate=yes: ps finds the container"
	run "$RTR_RUN" stats --json v2-dl
	is "$(jq -r '.memory.limit' <<<"$out" 2>/dev/null)" $((40 << 20)) "Delegate=yes: stats reads the limit"
	# update on v2: the files, then the inspect record (runner/cgroup.c cgroup_update()).
	run "$RTR_RUN" update v2-dl --memory 48M --memory-high 40M --cpus 0.25
	is "$rc $(cat "$D/memory.max") $(cat "$D/memory.high") $(cat "$D/cpu.max")" \
		"0 $((48 << 20)) $((40 << 20)) 25000 100000" "update on v2: memory.max, memory.high, cpu.max"
	run "$RTR_RUN" inspect --json v2-dl
	is "$(jq -c '.limits | [.memory, .memory_high, .cpu_quota_us, .pids]' <<<"$out" 2>/dev/null)" \
		"[$((48 << 20)),$((40 << 20)),25000,22]" "update on v2: inspect shows the new limits, the others kept"
	run "$RTR_RUN" pause v2-dl
	like "$(cat "$D/cgroup.events" 2>/dev/null)" "^frozen 1" "Delegate=yes: pause"
	run "$RTR_RUN" resume v2-dl
	like "$(cat "$D/cgroup.events" 2>/dev/null)" "^frozen 0" "Delegate=yes: resume"
	run "$RTR_RUN" kill v2-dl
	is "$rc" 0 "Delegate=yes: kill (cgroup.kill)"
	wait_for 30 eval '! systemctl -q is-active v2-deleg.service' || true
	is "$(ls -d "$D" 2>/dev/null)" "" "Delegate=yes: the container's cgroup is gone after kill"
	is "$(systemctl show -P ExecMainStatus v2-deleg.service)" 137 "Delegate=yes: rtr-run exited 137"
else
	not_ok "rtr-run starts a container in a Delegate=yes unit" \
		"$(journalctl -u v2-deleg.service -o cat --no-pager | tail -5)"
fi
systemctl stop v2-deleg.service 2>/dev/null || true
systemctl reset-failed v2-deleg.service 2>/dev/null || true
done_testing
