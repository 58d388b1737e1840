#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The management verbs beyond ps/stats (tests/cgroup.sh has those): inspect, update,
# options anywhere, stale cgroups and veths a killed supervisor leaves, stop right after
# a start, an option after BUNDLE, and 50 parallel starts.  Container names: "vb-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
container_suite ip

not_running() { ! running "$1"; }

make_bundle "$T/b" /bin/true
B=$T/b


# ---- an option after BUNDLE --------------------------------------------------------------
run "$RTR_RUN" "$B" --name vb-x
is "$rc" 125 "an option after BUNDLE fails with 125"
like "$err" "^rtr-run: --name: an option after BUNDLE; put options before BUNDLE and the command after --" \
	"and says where options and the command go"
run "$RTR_RUN" --name vb-x "$B" -- /bin/echo --flag -x
is "$out" "--flag -x" "BUNDLE -- CMD --flag still runs the command with its options"
run "$RTR_RUN" --name vb-x "$B" /bin/echo plain
is "$out" "plain" "BUNDLE CMD (no --) still runs the command"

# ---- options anywhere --------------------------------------------------------------------
bg vb-a --memory 64M --pids-limit 50 --network veth --address 10.239.1.2/24 \
	--env FOO=bar --workdir /tmp "$B" -- sleep 60
run "$RTR_RUN" stats vb-a --json
is "$(jq -r .name <<<"$out" 2>/dev/null)" vb-a "stats NAME --json prints JSON"
run "$RTR_RUN" ps --json
is "$(jq -r '.[] | select(.name == "vb-a") | .name' <<<"$out" 2>/dev/null)" vb-a "ps --json"
run "$RTR_RUN" stats vb-a --bogus
is "$rc" 125 "an unknown verb option after NAME is an error"

# ---- inspect -----------------------------------------------------------------------------
run "$RTR_RUN" inspect vb-a --json
j=$out
is "$rc" 0 "inspect --json exits 0"
is "$(jq -r .name <<<"$j")" vb-a "inspect: name"
is "$(jq -r .bundle <<<"$j")" "$B" "inspect: bundle"
is "$(jq -c .process.args <<<"$j")" '["sleep","60"]' "inspect: process args (the command line's)"
like "$(jq -r '.process.env[]' <<<"$j")" '^FOO=bar$' "inspect: process env"
is "$(jq -r .process.cwd <<<"$j")" /tmp "inspect: cwd"
is "$(jq -c .process.user <<<"$j")" '{"uid":0,"gid":0,"additional_gids":[],"umask":null}' "inspect: user"
is "$(jq -r .limits.memory <<<"$j")" $((64 << 20)) "inspect: memory limit"
is "$(jq -r .limits.pids <<<"$j")" 50 "inspect: pids limit"
is "$(jq -r .limits.cpu_quota_us <<<"$j")" null "inspect: an unset limit is null"
is "$(jq -c .network.addresses <<<"$j")" '["10.239.1.2/24"]' "inspect: network addresses"
is "$(jq -r .network.veth <<<"$j")" veth-vb-a "inspect: the host end's name"
is "$(jq -r .security.seccomp.profile <<<"$j")" default "inspect: seccomp profile (rtr's default)"
like "$(jq -r '.security.capabilities.bounding[]' <<<"$j")" '^CAP_NET_BIND_SERVICE$' "inspect: capabilities by name"
is "$(jq -r .security.no_new_privileges <<<"$j")" true "inspect: no_new_privileges"
like "$(jq -r '.mounts[].destination' <<<"$j")" '^/proc$' "inspect: mounts"
is "$(jq -r .settings.stop_timeout_s <<<"$j")" 2 "inspect: settings (stop timeout)"
is "$(jq -c .settings.restart <<<"$j")" '{"policy":"no","max":0,"delay_ms":100}' \
	"inspect: the restart policy, typed"
is "$(jq -c .settings.health <<<"$j")" null "inspect: no health check"
is "$(jq -c .settings.rootfs.store <<<"$j")" null "inspect: a flat bundle (no layer store)"
is "$(jq -r .state.status <<<"$j")" running "inspect: state running"
is "$(jq -r .state.pid <<<"$j")" "$(cat "$(prim vb-a)/cgroup.procs" | head -1)" "inspect: state pid"
run "$RTR_RUN" inspect vb-a
like "$out" "^limits.memory: $((64 << 20))$" "inspect (text): one path: value line per setting"
like "$out" "^process.args\[0\]: sleep$" "inspect (text): arrays by index"
cp -a "$B" "$T/sc"
bundle_jq "$T/sc" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
bg vb-sc "$T/sc" -- sleep 60
run "$RTR_RUN" inspect --json vb-sc
is "$(jq -c '.security.seccomp | [.profile, .rules]' <<<"$out")" '["bundle",1]' "inspect: the bundle's own seccomp profile"
"$RTR_RUN" stop vb-sc
finish "$BGPID"
run "$RTR_RUN" inspect vb-nosuch
is "$rc" 1 "inspect of an unknown name exits 1"
like "$err" "vb-nosuch: no such running container" "and says so"

# ---- update ------------------------------------------------------------------------------
run "$RTR_RUN" update vb-a --memory 96M --pids-limit 41 --cpus 0.5
is "$rc" 0 "update exits 0"
if v1_has memory; then
	is "$(cat "$(cg memory vb-a)/memory.limit_in_bytes")" $((96 << 20)) "update: memory.limit_in_bytes"
else
	is "$(cat "$(cg memory vb-a)/memory.max")" $((96 << 20)) "update: memory.max"
fi
is "$(cat "$(cg pids vb-a)/pids.max")" 41 "update: pids.max"
if v1_has cpu; then
	is "$(cat "$(cg cpu vb-a)/cpu.cfs_quota_us") $(cat "$(cg cpu vb-a)/cpu.cfs_period_us")" \
		"50000 100000" "update: cpu.cfs_quota_us and period"
else
	is "$(cat "$(cg cpu vb-a)/cpu.max")" "50000 100000" "update: cpu.max"
fi
# What reports the limits reports the new ones: the inspect record, stats (the kernel's).
lims() { "$RTR_RUN" inspect vb-a --json | jq -c "[.limits | $1]"; }
is "$(lims '.memory, .pids, .cpu_quota_us, .cpu_period_us, .cpu_list')" \
	"[$((96 << 20)),41,50000,100000,null]" "inspect after update: memory, pids, cpu quota and period"
run "$RTR_RUN" inspect vb-a
like "$out" "^limits.memory: $((96 << 20))$" "inspect (text) after update: the new memory limit"
is "$(jq -c .process.args <<<"$("$RTR_RUN" inspect vb-a --json)")" '["sleep","60"]' \
	"inspect after update: the rest of the record is kept"
run "$RTR_RUN" stats vb-a --json
is "$(jq -c '[.memory.limit, .pids.limit]' <<<"$out")" "[$((96 << 20)),41]" "stats --json after update"
run "$RTR_RUN" stats vb-a
like "$out" "^MEMORY .* / 96.0 MiB " "stats after update: the new memory limit"
like "$out" "^PIDS .* / 41$" "stats after update: the new pids limit"
# inspect while updates run reads the old record or the new one, never a mix of both.
(for i in $(seq 20); do "$RTR_RUN" update vb-a --memory $((i % 2 ? 80 : 96))M; done) &
upd=$!
seen=
while kill -0 "$upd" 2>/dev/null; do
	seen+=" $("$RTR_RUN" inspect vb-a --json | jq -c .limits.memory 2>/dev/null || echo torn)"
done
wait "$upd"
is "$(tr ' ' '\n' <<<"$seen" | grep -vx -e "" -e $((80 << 20)) -e $((96 << 20)) | head -1)" "" \
	"inspect during updates: always a whole record, the old limit or the new"
is "$(lims .memory)" "[$((96 << 20))]" "  and the last update's limit after them"
run "$RTR_RUN" update --cpu-list 0 vb-a
is "$rc" 0 "update --cpu-list"
is "$(cat "$(cg cpuset vb-a)/cpuset.cpus")" 0 "update: cpuset.cpus"
is "$(lims '.cpu_list, .memory, .pids')" "[\"0\",$((96 << 20)),41]" \
	"inspect: the new cpu list, the limits not given kept"
if ! v1_has memory && [[ -n $V2ROOT ]]; then
	run "$RTR_RUN" update vb-a --memory-high 80M
	is "$(cat "$(cg memory vb-a)/memory.high")" $((80 << 20)) "update: memory.high"
	is "$("$RTR_RUN" inspect vb-a --json | jq -c '[.limits.memory_high, .settings.memory_high]')" \
		"[$((80 << 20)),$((80 << 20))]" "inspect after update: memory_high (limits and settings)"
else
	run "$RTR_RUN" update vb-a --memory-high 80M
	like "$err" "update: vb-a: --memory-high: needs the memory controller on cgroup v2" \
		"update --memory-high on a v1 memory controller: the run's error"
fi
run "$RTR_RUN" update vb-a --memory 10k
is "$rc" 125 "update: an invalid value fails"
like "$err" "^rtr-run: update: vb-a: --memory 10k: " "with the run's message for the option"
is "$(lims .memory)" "[$((96 << 20))]" "inspect after an invalid update: the limit in force"
run "$RTR_RUN" update vb-a --cpus 99999
like "$err" "--cpus 99999: expected a number of CPUs" "update: --cpus checked against the online CPUs"
run "$RTR_RUN" update vb-a
like "$err" "nothing to change" "update without a limit is an error"
run "$RTR_RUN" update vb-nosuch --memory 64M
is "$rc" 1 "update of an unknown container exits 1"

# A limit the kernel refuses half way: a v1 child may not get more CPU than its parent.
# The limits before it stay and are recorded, it and those after it are not.
QP=/sys/fs/cgroup/cpu/vb-qp
q_ready() { "$RTR_RUN" inspect --cgroup-parent vb-qp --json "$1" 2>/dev/null | jq -e '.state.status == "running"' >/dev/null; }
q_lims() { "$RTR_RUN" inspect --cgroup-parent vb-qp --json vb-q | jq -c '[.limits | .memory, .pids, .cpu_quota_us]'; }
if v1_has cpu && v1_has memory && v1_has pids; then
	BG_READY=q_ready bg vb-q --cgroup-parent vb-qp --memory 64M "$B" -- sleep 60
	echo 50000 >"$QP/cpu.cfs_quota_us"
	run "$RTR_RUN" update vb-q --cgroup-parent vb-qp --memory 48M --pids-limit 33 --cpus 1
	is "$rc" 125 "update refused by the kernel half way exits 125"
	like "$err" "^rtr-run: update: vb-q: cpu.quota \(--cpus\): writing 100000 to cpu.cfs_quota_us: " \
		"and names the refused limit"
	is "$(cat /sys/fs/cgroup/memory/vb-qp/vb-q/memory.limit_in_bytes) $(cat /sys/fs/cgroup/pids/vb-qp/vb-q/pids.max) $(cat "$QP/vb-q/cpu.cfs_quota_us")" \
		"$((48 << 20)) 33 -1" "  the kernel has the limits before it, not the refused one"
	is "$(q_lims)" "[$((48 << 20)),33,null]" "  inspect says the same"
	run "$RTR_RUN" stats --cgroup-parent vb-qp --json vb-q
	is "$(jq -c '[.memory.limit, .pids.limit]' <<<"$out")" "[$((48 << 20)),33]" "  and stats --json"
	run "$RTR_RUN" update vb-q --cgroup-parent vb-qp --cpus 1 --cpu-list 0
	is "$rc/$(q_lims)" "125/[$((48 << 20)),33,null]" "a refused first limit changes nothing"
	is "$(cat /sys/fs/cgroup/cpuset/vb-qp/vb-q/cpuset.cpus)" "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)" \
		"  not even the limits after it"
	"$RTR_RUN" stop --cgroup-parent vb-qp vb-q
	finish "$BGPID"
else
	skip "update refused half way" "needs v1 cpu, memory and pids (v2 caps cpu.max by the parent's)"
fi
for d in /sys/fs/cgroup/*/vb-qp ${V2ROOT:+$V2ROOT/vb-qp}; do
	[[ -d $d ]] && rmdir "$d" 2>/dev/null || true
done

# ---- stop; stale cgroups ---------------------------------------------------------------
run "$RTR_RUN" stop vb-a
is "$rc" 0 "stop NAME"
finish "$BGPID"
is "$(cg_dirs vb-a)" "" "cgroup gone after stop"

bg vb-k "$B" -- sleep 60
kill -KILL "$BGPID"
finish "$BGPID"
wait_for 5 not_running vb-k || true
isnt "$(cg_dirs vb-k)" "" "a SIGKILLed supervisor leaves its cgroup directories"
run "$RTR_RUN" ps
is "$(cg_dirs vb-k)" "" "ps removes the stale cgroup directories"
bg vb-k "$B" -- sleep 60
kill -KILL "$BGPID"
finish "$BGPID"
sleep 0.2
run "$RTR_RUN" stats vb-nosuch
isnt "$(cg_dirs vb-k)" "" "a verb for another name leaves them (a scan of every container per verb costs N^2)"
run "$RTR_RUN" stats vb-k
is "$(cg_dirs vb-k)" "" "a verb naming the container removes them"
is "$rc" 1 "and finds no such running container"

# A start right after such a SIGKILL: the old host end may outlive the supervisor (the
# kernel deletes it with the namespace, later); a bind mount of the namespace holds it.
bg vb-v --network veth --address 10.239.2.2/24 "$B" -- sleep 60
pid=$(head -1 "$(prim vb-v)/cgroup.procs")
touch "$T/netns"
mount --bind "/proc/$pid/ns/net" "$T/netns"
kill -KILL "$BGPID"
finish "$BGPID"
if ip link show veth-vb-v >/dev/null 2>&1; then ok "the old host end veth-vb-v is still there"; else
	not_ok "the old host end veth-vb-v is still there"; fi
run "$RTR_RUN" --name vb-v --network veth --address 10.239.2.2/24 "$B" -- ip -o addr show eth0
is "$rc" 0 "a start right after the SIGKILL takes the name back"
like "$out" "inet 10.239.2.2/24" "and has its network"
umount "$T/netns"
ip link add vb-dummy type bridge
run "$RTR_RUN" --name vb-d --veth vb-dummy --address 10.239.3.2/24 "$B"
like "$err" "--veth vb-dummy: an interface with that name already exists" \
	"an interface that is not rtr's is never taken over"
ip link del vb-dummy

# ---- stop right after a start ------------------------------------------------------------
"$RTR_RUN" --name vb-s "$B" -- sleep 60 >/dev/null 2>"$T/vb-s.err" </dev/null &
BGPID=$!
RTR_PIDS="$RTR_PIDS $BGPID"
wait_for 10 test -d "$(prim vb-s)" || true
run "$RTR_RUN" stop vb-s
is "$rc" 0 "stop as soon as the cgroup exists finds the container"
finish "$BGPID"
like "$rc" "^(137|143)$" "and stops it"

# ---- kill: the signal as an operand still works with options anywhere -------------------
bg vb-kl "$B" -- sleep 60
run "$RTR_RUN" kill vb-kl KILL
finish "$BGPID"
is "$rc" 137 "kill NAME SIGNAL"

# ---- 50 parallel starts ------------------------------------------------------------------
pids=()
for i in $(seq 1 50); do
	"$RTR_RUN" --name "vb-p$i" "$B" >/dev/null 2>"$T/p$i.err" </dev/null &
	pids+=($!)
done
fails=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || { fails=$((fails + 1)); diag "vb-p$((i + 1)): $(cat "$T/p$((i + 1)).err")"; }
done
is "$fails" 0 "50 parallel starts with distinct names all succeed"
is "$(ls -d "$(prim '')"/vb-p* 2>/dev/null | wc -l)" 0 "and leave no cgroup"

done_testing
