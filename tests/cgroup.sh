#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cgroup limits, OOM reports, teardown and the ps/stats/stop/kill/pause verbs, on this
# host's real cgroups (v1, v2 or hybrid).  Container names start with "cgt-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd jq
rtr_tmpdir

# ---- the host's layout (V2ROOT, LAYOUT: tests/lib.sh) ------------------------------------
diag "cgroup layout: $LAYOUT"
v2_has() { [[ -n $V2ROOT ]] && ! v1_has "$1" && grep -qw "$1" "$V2ROOT/cgroup.controllers"; }
# gone_or_zombie PID: the process no longer runs (a killed orphan may wait to be reaped)
gone_or_zombie() { [[ ! -e /proc/$1/stat || $(awk '{ print $3 }' "/proc/$1/stat") == Z ]]; }

make_bundle "$T/b" /bin/true
bundle_jq "$T/b" '.process.args = ["/bin/true"]'
B=$T/b
NCPU=$(nproc)


# ---- exit, limits written -------------------------------------------------------------
run "$RTR_RUN" --name cgt-exit --memory 32M --pids-limit 20 --cpus 0.5 "$B" -- /probe cat /proc/self/cgroup
is "$rc" 0 "runs with memory, pids and cpu limits"
like "$out" "memory:/rtr/cgt-exit|^0::/rtr/cgt-exit" "the container is in its cgroup"
# Every hierarchy rtr manages: the child moves itself into the v1 ones and is cloned into
# the unified one (no write of its pid by the parent); a line left elsewhere is one missed.
entered() { # /proc/self/cgroup text, NAME: the managed lines not at /rtr/NAME
	awk -F: -v want="/rtr/$2" '$2 == "" || $2 ~ /(^|,)(cpu|cpuacct|cpuset|memory|devices|freezer|blkio|pids|hugetlb)(,|$)/ {
		if ($3 != want) print }' <<<"$1"
}
is "$(entered "$out" cgt-exit)" "" "the container is in its cgroup in every hierarchy"
run "$RTR_RUN" --name cgt-ent --userns auto "$B" -- /probe cat /proc/self/cgroup
is "$rc:$(entered "$out" cgt-ent)" 0: "a user-namespaced container too (tasks opened by the parent)"
is "$(cg_dirs cgt-exit)" "" "cgroup gone after exit"

BLK=
for d in /sys/block/*; do
	[[ -b /dev/${d##*/} && ${d##*/} != loop* && ${d##*/} != ram* ]] && BLK=/dev/${d##*/} && break
done
throttle=()
[[ -n $BLK ]] && throttle=(--device-read-bps "$BLK:1M" --device-write-iops "$BLK:150")
bg cgt-lim --memory 48M --memory-reservation 16M --pids-limit 33 --cpus 0.5 --cpu-shares 512 \
	--cpu-mems 0 "${throttle[@]}" "$B" -- sleep 30
if v1_has memory; then
	is "$(cat "$(cg memory cgt-lim)/memory.limit_in_bytes")" $((48 << 20)) "memory.limit_in_bytes"
	is "$(cat "$(cg memory cgt-lim)/memory.soft_limit_in_bytes")" $((16 << 20)) \
		"reservation in memory.soft_limit_in_bytes"
else
	is "$(cat "$(cg memory cgt-lim)/memory.max")" $((48 << 20)) "memory.max"
	is "$(cat "$(cg memory cgt-lim)/memory.low")" $((16 << 20)) "reservation in memory.low"
fi
is "$(cat "$(cg pids cgt-lim)/pids.max")" 33 "pids.max"
if v1_has cpu; then
	is "$(cat "$(cg cpu cgt-lim)/cpu.cfs_quota_us") $(cat "$(cg cpu cgt-lim)/cpu.cfs_period_us")" \
		"50000 100000" "--cpus 0.5 in cpu.cfs_quota_us / cpu.cfs_period_us"
	is "$(cat "$(cg cpu cgt-lim)/cpu.shares")" 512 "cpu.shares"
else
	is "$(cat "$(cg cpu cgt-lim)/cpu.max")" "50000 100000" "--cpus 0.5 in cpu.max"
	is "$(cat "$(cg cpu cgt-lim)/cpu.weight")" 20 "cpu.shares 512 -> cpu.weight 20"
fi

is "$(cat "$(cg cpuset cgt-lim)/cpuset.mems")" 0 "--cpu-mems in cpuset.mems"
if [[ -n $BLK ]]; then
	mm=$(stat -L -c '%t:%T' "$BLK")
	mm=$((16#${mm%:*})):$((16#${mm#*:}))
	if v1_has blkio; then
		got="$(cat "$(cg io cgt-lim)/blkio.throttle.read_bps_device") $(cat "$(cg io cgt-lim)/blkio.throttle.write_iops_device")"
		want="$mm 1048576 $mm 150"
	else
		got=$(cat "$(cg io cgt-lim)/io.max")
		want="$mm rbps=1048576 wbps=max riops=max wiops=150"
	fi
	is "$got" "$want" "--device-read-bps / --device-write-iops $BLK throttles"
else
	skip "--device-read-bps / --device-write-iops" "no block device on this host"
fi

# ---- duplicate name, ps, stats, pause ---------------------------------------------------
run "$RTR_RUN" --name cgt-lim "$B" -- true
is "$rc" 125 "a second container with a running one's name is refused"
like "$err" "cgt-lim: a container named cgt-lim is already running \(pid [0-9]+\)" \
	"the refusal names the running one's pid"
is "$(cat "$(cg memory cgt-lim)/memory.limit_in_bytes" 2>/dev/null || cat "$(cg memory cgt-lim)/memory.max")" \
	$((48 << 20)) "the running container's cgroup is untouched"

run "$RTR_RUN" ps
like "$out" "^cgt-lim +[0-9]+ +[0-9.]+ [KM]iB +[0-9]+s +0 +- +- +$B\$" \
	"ps lists the running container (restarts 0, no last exit, health - without a check)"
run "$RTR_RUN" ps --json
is "$(jq -r '.[] | select(.name == "cgt-lim") | .bundle' <<<"$out")" "$B" "ps --json: bundle"
is "$(jq -r '.[] | select(.name == "cgt-lim") | (.pid > 1 and .memory > 0)' <<<"$out")" true \
	"ps --json: pid and memory"
run "$RTR_RUN" stats cgt-lim
like "$out" "^MEMORY .* / 48.0 MiB" "stats: memory and its limit"
like "$out" "^PIDS +[0-9]+ / 33" "stats: pids and the limit"
run "$RTR_RUN" stats --json cgt-lim
is "$(jq -c '[.memory.limit, .pids.limit, (.memory.current > 0), (.cpu.usage_usec >= 0), (.io.read_bytes >= 0)]' <<<"$out")" \
	"[$((48 << 20)),33,true,true,true]" "stats --json: memory, pids, cpu, io"

run "$RTR_RUN" pause cgt-lim
if [[ -n $V2ROOT ]]; then
	like "$(cat "$(prim cgt-lim)/cgroup.events")" "^frozen 1" "pause freezes the cgroup"
else
	is "$(cat "$(cg freezer cgt-lim)/freezer.state")" FROZEN "pause freezes the cgroup"
fi
run "$RTR_RUN" resume cgt-lim
if [[ -n $V2ROOT ]]; then
	like "$(cat "$(prim cgt-lim)/cgroup.events")" "^frozen 0" "resume thaws it"
else
	is "$(cat "$(cg freezer cgt-lim)/freezer.state")" THAWED "resume thaws it"
fi

# stop: SIGTERM to the supervisor, which has sleep (PID 1, no handler) killed after 1 s
run "$RTR_RUN" stop -t 1 cgt-lim
is "$rc" 0 "stop"
finish "$BGPID"
is "$rc" 143 "the stopped container was killed after the stop timeout, a stop asked for: 143"
is "$(cg_dirs cgt-lim)" "" "cgroup gone after stop"
run "$RTR_RUN" ps
unlike "$out" "^cgt-lim " "ps no longer lists it"
run "$RTR_RUN" stats cgt-lim
is "$rc" 1 "stats of a container that is gone fails"
like "$err" "cgt-lim: no such running container" "and says so"

# ---- OOM -------------------------------------------------------------------------------
# tail keeps the last lines; /dev/zero has no line end, so it grows until killed
noswap=()
if [[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes || -e $V2ROOT/rtr/memory.swap.max ]]; then
	noswap=(--memory-swap 16M)
fi
run "$RTR_RUN" --name cgt-oom --memory 16M "${noswap[@]}" "$B" -- tail /dev/zero
is "$rc" 137 "allocating beyond --memory is OOM-killed: exit 137"
like "$err" "^rtr-run: cgt-oom: killed by the kernel: out of memory \(limit 16.0 MiB\)$" \
	"the OOM kill is reported with the limit"
is "$(cg_dirs cgt-oom)" "" "cgroup gone after the OOM kill"

# ---- pids ------------------------------------------------------------------------------
# the inner shell forks until it cannot and dies; the outer one then execs (no fork)
bg cgt-pids --pids-limit 10 "$B" -- sh -c 'sh -c "while :; do sleep 3 & done"; exec sleep 2'
sleep 0.5
n=$(cat "$(cg pids cgt-pids)/pids.current" 2>/dev/null || echo 0)
if ((n > 0 && n <= 10)); then ok "pids limit stops a fork loop at 10 ($n)"; else not_ok "pids limit stops a fork loop" "pids.current=$n"; fi
finish "$BGPID"
like "$(cat "$T/cgt-pids.err")" "can't fork|Resource temporarily unavailable" "fork fails with EAGAIN inside"

# ---- cpu quota throttles a busy loop ----------------------------------------------------
bg cgt-cpu --cpus 0.5 "$B" -- sh -c 'while :; do :; done'
usage() {
	if v1_has cpuacct; then
		echo $(($(cat "$(cg cpuacct cgt-cpu)/cpuacct.usage") / 1000))
	else
		awk '$1 == "usage_usec" { print $2 }' "$(cg cpu cgt-cpu)/cpu.stat"
	fi
}
u0=$(usage)
t0=$(date +%s%N)
sleep 2
u1=$(usage)
t1=$(date +%s%N)
share=$(((u1 - u0) * 1000 / ((t1 - t0) / 1000)))
diag "busy loop at --cpus 0.5: ${share}/1000 of a CPU"
if ((share <= 600 && share >= 50)); then ok "--cpus 0.5 throttles a busy loop (${share}/1000 of a CPU)"; else not_ok "--cpus 0.5 throttles a busy loop" "${share}/1000"; fi
run "$RTR_RUN" kill cgt-cpu
is "$rc" 0 "kill"
finish "$BGPID"
is "$rc" 137 "the killed container exits 137"
is "$(cg_dirs cgt-cpu)" "" "cgroup gone after kill"

# ---- cpuset ----------------------------------------------------------------------------
cpu=$((NCPU - 1))
run "$RTR_RUN" --name cgt-cpuset --cpu-list "$cpu" "$B" -- /probe cat /proc/self/status
like "$out" "^Cpus_allowed_list:[[:space:]]+$cpu$" "--cpu-list $cpu pins the container to CPU $cpu"
run "$RTR_RUN" --name cgt-cpuset --cpu-list "$NCPU" "$B" -- true
is "$rc" 125 "--cpu-list naming an offline CPU is refused"
like "$err" "--cpu-list $NCPU: CPU $NCPU is not online" "and the message names it"
# v1: a new cpuset directory needs its parent's cpus and mems; rtr's parent has
# cgroup.clone_children set so that mkdir copies them (no write at each start).
if v1_has cpuset; then
	par=/sys/fs/cgroup/cpuset/rtr
	echo 0 >"$par/cgroup.clone_children"
	for how in "written by rtr-run" "copied by mkdir"; do
		run "$RTR_RUN" --name cgt-cpus "$B" -- /probe cat /proc/self/status
		like "$out" "^Cpus_allowed_list:[[:space:]]+$(cat "$par/cpuset.cpus")$" \
			"v1 cpuset: the container gets its parent's cpus ($how)"
	done
	is "$(cat "$par/cgroup.clone_children")" 1 "... rtr's parent clones them for new directories"
fi

# ---- io weight -------------------------------------------------------------------------
bg cgt-io --io-weight 300 "$B" -- sleep 30
d=$(cg io cgt-io)
if [[ -e $d/blkio.bfq.weight ]]; then
	is "$(cat "$d/blkio.bfq.weight")" 300 "--io-weight in blkio.bfq.weight"
elif [[ -e $d/blkio.weight ]]; then
	is "$(cat "$d/blkio.weight")" 300 "--io-weight in blkio.weight"
elif [[ -e $d/io.bfq.weight ]]; then
	like "$(cat "$d/io.bfq.weight")" "default 300" "--io-weight in io.bfq.weight"
elif [[ -e $d/io.weight ]]; then
	like "$(cat "$d/io.weight")" "default 2991" "--io-weight 300 in io.weight (2991)"
else
	skip "--io-weight written" "no blkio/io weight file on this kernel (no BFQ)"
fi
kill -9 "$(cat "$(prim cgt-io)/cgroup.procs" | head -1)"
finish "$BGPID"
is "$rc" 137 "SIGKILL of the container's init: rtr-run exits 137"
is "$(cg_dirs cgt-io)" "" "cgroup gone after SIGKILL of the container"

# ---- teardown paths --------------------------------------------------------------------
# SIGTERM of rtr-run: the container (sh with a TERM trap) stops, the cgroup goes
bg cgt-term "$B" -- sh -c 'trap "exit 3" TERM; echo ready; sleep 30 & wait'
wait_for 10 grep -q ready "$T/cgt-term.out" || diag "cgt-term: no trap set"
kill -TERM "$BGPID"
finish "$BGPID"
is "$rc" 3 "SIGTERM of rtr-run stops the container"
is "$(cg_dirs cgt-term)" "" "cgroup gone after SIGTERM of rtr-run"

# no pid namespace: the init exits and leaves a process behind; destroy kills it
make_bundle "$T/nopid" /bin/true
bundle_jq "$T/nopid" '.process.args = ["/bin/true"]'
bundle_jq "$T/nopid" '.linux.namespaces |= map(select(.type != "pid"))'
run "$RTR_RUN" --name cgt-orphan "$T/nopid" -- sh -c 'sleep 60 & echo $!'
orphan=$out
is "$rc" 0 "init exits, leaving a background process (no pid namespace)"
if [[ -n $orphan ]] && gone_or_zombie "$orphan"; then ok "the left-over process was killed"; else not_ok "the left-over process was killed" "pid $orphan"; fi
is "$(cg_dirs cgt-orphan)" "" "cgroup gone although a process was left"

# a leftover empty cgroup of a crashed run is removed and the name reused
mkdir -p "$(prim cgt-stale)" "$(cg memory cgt-stale)" "$(cg pids cgt-stale)"
run "$RTR_RUN" --name cgt-stale --memory 20M "$B" -- /probe exit 0
is "$rc" 0 "a stale empty cgroup of the same name is cleaned up"
is "$(cg_dirs cgt-stale)" "" "and removed at exit"

# --cgroup-parent
run "$RTR_RUN" --name cgt-par --cgroup-parent cgt-parent/sub "$B" -- /probe cat /proc/self/cgroup
like "$out" "/cgt-parent/sub/cgt-par$" "--cgroup-parent nests the container"
for d in /sys/fs/cgroup/*/cgt-parent ${V2ROOT:+$V2ROOT/cgt-parent}; do
	[[ -d $d ]] && rmdir "$d/sub" "$d" 2>/dev/null || true
done

# ---- clear errors ----------------------------------------------------------------------
for bad in "--memory lots" "--cpus 0" "--cpus $((NCPU + 1))" "--pids-limit x" "--io-weight 5" \
	"--memory-swap 8M --memory 16M" "--device-read-bps /nonexistent:1M" "--cpu-shares 1"; do
	# shellcheck disable=SC2086
	run "$RTR_RUN" --name cgt-bad $bad "$B" -- true
	opt=${bad%% *}
	if [[ $rc == 125 && $err == *"$opt"* ]]; then ok "$bad: refused naming $opt"; else not_ok "$bad: refused naming $opt" "rc=$rc err=$err"; fi
done
is "$(cg_dirs cgt-bad)" "" "refused options leave no cgroup"

if ! v2_has memory; then
	run "$RTR_RUN" --name cgt-high --memory-high 10M "$B" -- true
	is "$rc" 125 "--memory-high without a v2 memory controller is an error"
	like "$err" "--memory-high: needs the memory controller on cgroup v2" "which says why"
	is "$(cg_dirs cgt-high)" "" "and leaves nothing behind"
else
	bundle_jq "$B" '.linux.resources.memory.swappiness = 10'
	run "$RTR_RUN" --name cgt-high "$B" -- true
	is "$rc" 125 "memory.swappiness on cgroup v2 is an error"
	like "$err" "swappiness: not supported by cgroup v2" "which says why"
	is "$(cg_dirs cgt-high)" "" "and leaves nothing behind"
	bundle_jq "$B" 'del(.linux.resources.memory.swappiness)'
fi
if v1_has blkio && [[ ! -e /sys/fs/cgroup/blkio/rtr/blkio.weight && ! -e /sys/fs/cgroup/blkio/rtr/blkio.bfq.weight ]]; then
	run "$RTR_RUN" --name cgt-iow --io-weight 100 "$B" -- true
	is "$rc" 125 "--io-weight without a weight file is an error"
	is "$(cg_dirs cgt-iow)" "" "and leaves nothing behind"
fi

# ---- device rules ----------------------------------------------------------------------
# /dev/loop-control (10:237) is not a default device: denied by the devices controller
# (v1) or by the BPF program (v2; on hybrid hosts with RTR_CGROUP_BPF_DEVICES=1).
if [[ -e /dev/loop-control ]]; then
	make_bundle "$T/dev" /bin/true
	bundle_jq "$T/dev" '.process.args = ["/bin/true"]'
	bundle_jq "$T/dev" '.mounts += [{"destination": "/lc", "type": "bind", "source": "/dev/loop-control", "options": ["bind"]}]'
	run "$RTR_RUN" --name cgt-dev "$T/dev" -- sh -c 'exec 3</lc && echo open=ok'
	like "$err" "Operation not permitted|can't open" "a non-default device is denied"
	run "$RTR_RUN" --name cgt-dev "$T/dev" -- sh -c 'exec 3</dev/null && echo open=ok'
	is "$out" "open=ok" "a default device is allowed"
	if [[ -n $V2ROOT ]]; then
		# lift the v1 rules (hybrid) so only the BPF program decides
		check_bpf() {
			bg cgt-bpf "$T/dev" -- sh -c 'sleep 1; exec 3</lc && echo open=ok' >&2
			if v1_has devices; then echo a >"$(cg devices cgt-bpf)/devices.allow" || true; fi
			finish "$BGPID"
			cat "$T/cgt-bpf.out"
		}
		got=$(RTR_CGROUP_BPF_DEVICES=1 check_bpf)
		is "$got" "" "v2 BPF device program denies a non-default device"
		if v1_has devices; then
			got=$(check_bpf)
			is "$got" "open=ok" "control: without the program the device opens"
		fi
		bundle_jq "$T/dev" '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 237, "access": "r"}]'
		got=$(RTR_CGROUP_BPF_DEVICES=1 check_bpf)
		is "$got" "open=ok" "v2 BPF device program allows a device the spec allows"
	fi
fi

# ---- v2 controllers --------------------------------------------------------------------
if v2_has memory && v2_has pids && v2_has cpu; then
	bg cgt-v2 --memory 40M --memory-high 30M --memory-swap 50M --pids-limit 12 --cpus 1 \
		--cpu-shares 1024 "$B" -- sleep 30
	d=$V2ROOT/rtr/cgt-v2
	is "$(cat "$d/memory.max") $(cat "$d/memory.high")" "$((40 << 20)) $((30 << 20))" "v2: memory.max and memory.high"
	is "$(cat "$d/memory.swap.max" 2>/dev/null || echo none)" "$((10 << 20))" "v2: memory.swap.max is swap minus memory"
	is "$(cat "$d/pids.max")" 12 "v2: pids.max"
	is "$(cat "$d/cpu.max")" "100000 100000" "v2: cpu.max"
	is "$(cat "$d/cpu.weight")" 39 "v2: cpu.shares 1024 -> cpu.weight 39"
	"$RTR_RUN" kill cgt-v2
	finish "$BGPID"
	is "$(cg_dirs cgt-v2)" "" "v2: cgroup gone"
	run "$RTR_RUN" --name cgt-v2oom --memory 16M --memory-swap 16M "$B" -- tail /dev/zero
	is "$rc" 137 "v2: OOM kill exits 137"
	like "$err" "killed by the kernel: out of memory \(limit 16.0 MiB\)" "v2: OOM reported from memory.events"
else
	skip "v2: memory.max, memory.high, memory.swap.max, pids.max, cpu.max, cpu.weight, OOM from memory.events" \
		"no cgroup v2 controllers on this host"
fi
if v2_has hugetlb && [[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]]; then
	make_bundle "$T/huge" /bin/true
	bundle_jq "$T/huge" '.process.args = ["/bin/true"]'
	bundle_jq "$T/huge" '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	bg cgt-huge "$T/huge" -- sleep 30
	is "$(cat "$V2ROOT/rtr/cgt-huge/hugetlb.2MB.max" 2>/dev/null || echo missing)" 4194304 \
		"v2 hugetlb controller: hugetlb.2MB.max"
	"$RTR_RUN" kill cgt-huge
	finish "$BGPID"
	is "$(cg_dirs cgt-huge)" "" "v2 hugetlb: cgroup gone"
else
	skip "v2 hugetlb controller: hugetlb.2MB.max" "no v2 hugetlb controller or 2 MB pages on this host"
fi

# ---- pure v1 and pure v2 layouts, simulated ---------------------------------------------
# In a private mount namespace /sys/fs/cgroup is rebuilt from this host's own hierarchies:
# a tmpfs with only the v1 hierarchies (pure v1), or the cgroup2 tree alone (pure v2,
# with whatever controllers v2 holds here).  The layout code paths run for real: primary
# hierarchy, locking, freezing, cgroup.kill or the freezer kill loop, the BPF device
# program as the only device control.
cat >"$T/layout.sh" <<'EOF'
set -uo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
L=$1 B=$2 NP=$3
mkdir -p "$T/cgsave"
mount --rbind /sys/fs/cgroup "$T/cgsave"
if [[ $L == v2 ]]; then
	mount --bind "$T/cgsave/$4" /sys/fs/cgroup
	P=/sys/fs/cgroup/rtr
else
	mount -t tmpfs tmpfs /sys/fs/cgroup
	for c in $4; do
		mkdir "/sys/fs/cgroup/$c"
		mount --bind "$T/cgsave/$c" "/sys/fs/cgroup/$c"
	done
	P=/sys/fs/cgroup/pids/rtr
fi
umount -l "$T/cgsave"
r() { echo "R|$1|$rc|$(tr '\n' ' ' <<<"$out $err")"; }
n=cgt-$L
run "$RTR_RUN" --name $n-run "$B" -- cat /proc/self/cgroup; r run
"$RTR_RUN" --name $n-bg "$B" -- sleep 30 >/dev/null 2>&1 &
pid=$!
wait_for 10 grep -q . "$P/$n-bg/cgroup.procs"
run "$RTR_RUN" --name $n-bg "$B" -- true; r dup
run "$RTR_RUN" ps; r ps
run "$RTR_RUN" stats --json $n-bg; r stats
run "$RTR_RUN" update $n-bg --pids-limit 44
out="$out $(cat "$P/$n-bg/pids.max" 2>/dev/null)"; r update
run "$RTR_RUN" pause $n-bg
out=$(cat "$P/$n-bg/cgroup.events" /sys/fs/cgroup/freezer/rtr/$n-bg/freezer.state 2>/dev/null); r pause
run "$RTR_RUN" resume $n-bg
out=$(cat "$P/$n-bg/cgroup.events" /sys/fs/cgroup/freezer/rtr/$n-bg/freezer.state 2>/dev/null); r resume
"$RTR_RUN" kill $n-bg
rc=0
wait $pid || rc=$?
out=$(ls -d /sys/fs/cgroup/rtr/$n-bg /sys/fs/cgroup/*/rtr/$n-bg 2>/dev/null) err=; r killed
run "$RTR_RUN" --name $n-orphan "$NP" -- sh -c 'sleep 60 & echo $!'
o=$out
sleep 0.2
out="$(awk '{ print $3 }' /proc/$o/stat 2>/dev/null || echo gone) $(ls -d /sys/fs/cgroup/rtr/$n-orphan /sys/fs/cgroup/*/rtr/$n-orphan 2>/dev/null)"
err=; r orphan
mkdir -p "$P/$n-stale"
run "$RTR_RUN" --name $n-stale "$B" -- true; r stale
run "$RTR_RUN" --name $n-mem --memory 32M "$B" -- true
out="$out $(ls -d /sys/fs/cgroup/rtr/$n-mem /sys/fs/cgroup/*/rtr/$n-mem 2>/dev/null)"; r mem
if [[ -e /dev/loop-control ]]; then
	run "$RTR_RUN" --name $n-dev "$B.dev" -- sh -c 'exec 3</lc && echo open=ok'; r devdeny
	run "$RTR_RUN" --name $n-dev "$B.dev" -- sh -c 'exec 3</dev/null && echo open=ok'; r devnull
fi
EOF
make_bundle "$T/sim" /bin/true
bundle_jq "$T/sim" '.process.args = ["/bin/true"]'
cp -a "$T/sim" "$T/sim.nopid"
bundle_jq "$T/sim.nopid" '.linux.namespaces |= map(select(.type != "pid"))'
cp -a "$T/sim" "$T/sim.dev"
bundle_jq "$T/sim.dev" '.mounts += [{"destination": "/lc", "type": "bind", "source": "/dev/loop-control", "options": ["bind"]}]'
# res TAG: the "rc|output" of a step of the simulated run
res() { grep "^R|$1|" <<<"$sim" | cut -d'|' -f3- || true; }

v1list=
for c in cpu cpuacct cpuset memory devices freezer blkio pids hugetlb; do
	v1_has "$c" && v1list="$v1list $c"
done
for L in v1 v2; do
	if [[ $L == v1 && ( -z $V2ROOT || $LAYOUT == v1 || ! " $v1list " == *" pids "* || ! " $v1list " == *" freezer "* ) ]]; then
		skip "simulated pure v1 layout" "needs a hybrid host with the pids and freezer hierarchies"
		continue
	fi
	if [[ $L == v2 && $LAYOUT != hybrid ]]; then
		skip "simulated pure v2 layout" "needs a hybrid host (a pure v2 host runs the real thing above)"
		continue
	fi
	src=${V2ROOT#/sys/fs/cgroup/}
	[[ $L == v1 ]] && src=$v1list
	sim=$(unshare -m --propagation private bash "$T/layout.sh" $L "$T/sim" "$T/sim.nopid" "$src" 2>&1)
	like "$(res run)" "^0\|.*0::/rtr/cgt-$L-run|^0\|.*pids:/rtr/cgt-$L-run" "$L: runs in its cgroup"
	like "$(res dup)" "^125\|.*already running \(pid [0-9]+\)" "$L: duplicate name refused"
	like "$(res ps)" "cgt-$L-bg +[0-9]+ " "$L: ps lists the container"
	like "$(res stats)" '"usage_usec": [1-9]' "$L: stats"
	if [[ " $src " == *" pids "* ]] || { [[ $L == v2 ]] && grep -qw pids "$V2ROOT/cgroup.controllers"; }; then
		like "$(res update)" "^0\| *44 *$" "$L: update --pids-limit writes pids.max"
	else
		like "$(res update)" "^125\|.*has no pids cgroup controller" "$L: update without a pids controller: the run's error"
	fi
	like "$(res pause)" "frozen 1|FROZEN" "$L: pause ($([[ $L == v2 ]] && echo cgroup.freeze || echo v1 freezer))"
	like "$(res resume)" "frozen 0|THAWED" "$L: resume"
	like "$(res killed)" "^137\| *$" "$L: kill; cgroup gone"
	like "$(res orphan)" "^0\|(gone|Z) *$" "$L: a left-over process is killed ($([[ $L == v2 ]] && echo cgroup.kill || echo freezer and SIGKILL)), cgroup gone"
	like "$(res stale)" "^0\|" "$L: a stale cgroup is cleaned up"
	if [[ $L == v2 ]] && ! grep -qw memory "$V2ROOT/cgroup.controllers"; then
		like "$(res mem)" "^125\|.*has no memory cgroup controller *$" "$L: --memory without a memory controller: clear error, nothing left"
	else
		like "$(res mem)" "^0\| *$" "$L: --memory"
	fi
	if [[ -e /dev/loop-control ]]; then
		like "$(res devdeny)" "^[0-9]+\|.*(Operation not permitted|can't open)" \
			"$L: non-default device denied ($([[ $L == v2 ]] && echo BPF program alone || echo devices.deny))"
		like "$(res devnull)" "^0\|open=ok" "$L: default device allowed"
	fi
	[[ $_tap_failed == 0 ]] || diag "$sim"
done

# cgroup2 mounted somewhere else than /sys/fs/cgroup (found through mountinfo)
if [[ -n $V2ROOT ]]; then
	mkdir -p "$T/alt"
	got=$(unshare -m --propagation private bash -c '
		mount -t tmpfs tmpfs /sys/fs/cgroup && mount -t cgroup2 none "$1" &&
		"$2" --name cgt-alt "$3" -- cat /proc/self/cgroup && ls "$1/rtr"' _ "$T/alt" "$RTR_RUN" "$T/sim" 2>&1)
	like "$got" "^0::/rtr/cgt-alt$" "cgroup2 mounted elsewhere: found through mountinfo"
	unlike "$got" "^cgt-alt$" "and the cgroup removed there"
else
	skip "cgroup2 mounted elsewhere" "no cgroup2 on this host"
fi

# ==== linux.cgroupsPath: absolute paths, the verbs, cleanup of what rtr created
abs_dirs() { ls -d /sys/fs/cgroup/*/"$1" 2>/dev/null || true; }
abs_running() { [[ -n $(cat "${V2ROOT:-/sys/fs/cgroup/pids}/$1/cgroup.procs" 2>/dev/null) ]]; }
cp -a "$B" "$T/abs"
bundle_jq "$T/abs" '.linux.cgroupsPath = "/cgt-abs/ctr" | .linux.resources.pids.limit = 33'
run "$RTR_RUN" --name cgt-abs "$T/abs" -- cat /proc/self/cgroup
is "$rc" 0 "absolute cgroupsPath: runs"
is "$(grep -v 'name=' <<<"$out" | grep -vc ':/cgt-abs/ctr$')" 0 \
	"absolute cgroupsPath: /cgt-abs/ctr from the root of every hierarchy"
is "$(abs_dirs cgt-abs)" "" "absolute cgroupsPath: the directories rtr created are removed"

"$RTR_RUN" --name cgt-absbg "$T/abs" -- sleep 60 >/dev/null 2>"$T/cgt-absbg.err" </dev/null &
BGPID=$!
RTR_PIDS="$RTR_PIDS $BGPID"
wait_for 10 abs_running cgt-abs/ctr || diag "cgt-absbg: $(cat "$T/cgt-absbg.err")"
if v1_has pids; then pm=/sys/fs/cgroup/pids/cgt-abs/ctr/pids.max; else pm=$V2ROOT/cgt-abs/ctr/pids.max; fi
is "$(cat "$pm" 2>&1)" 33 "absolute cgroupsPath: limits written there"
run "$RTR_RUN" ps
like "$out" "^cgt-absbg +[0-9]+ " "absolute cgroupsPath: ps lists it"
run "$RTR_RUN" stats cgt-absbg
like "$out" '^PIDS +[1-9][0-9]* / 33' "absolute cgroupsPath: stats finds it"
run "$RTR_RUN" --name cgt-absbg "$B" -- true
like "$rc|$err" "^125\|.*already running" "absolute cgroupsPath: the name stays unique"
run "$RTR_RUN" pause cgt-absbg
if [[ -n $V2ROOT ]]; then fz=$(grep frozen "$V2ROOT/cgt-abs/ctr/cgroup.events" 2>&1); else fz=$(cat /sys/fs/cgroup/freezer/cgt-abs/ctr/freezer.state 2>&1); fi
like "$rc|$fz" "^0\|(FROZEN|frozen 1)" "absolute cgroupsPath: pause freezes it"
run "$RTR_RUN" resume cgt-absbg
is "$rc" 0 "absolute cgroupsPath: resume"
run "$RTR_RUN" stop -t 1 cgt-absbg
finish "$BGPID"
like "$rc" "^(0|137|143)$" "absolute cgroupsPath: stop ends it"
is "$(abs_dirs cgt-abs)" "" "absolute cgroupsPath: removed after stop"

# a directory that existed before is not rtr's to remove
for d in /sys/fs/cgroup/*/; do [[ $(stat -f -c %T "$d") == cgroup* ]] && mkdir -p "$d/cgt-pre"; done
cp -a "$B" "$T/pre"
bundle_jq "$T/pre" '.linux.cgroupsPath = "/cgt-pre/a/b"'
run "$RTR_RUN" --name cgt-pre "$T/pre" -- cat /proc/self/cgroup
like "$rc|$(tail -n1 <<<"$out")" "^0\|.*:/cgt-pre/a/b$" "absolute cgroupsPath under an existing directory: runs"
is "$(abs_dirs cgt-pre/a) | $(abs_dirs cgt-pre | wc -l)" " | $(ls -d /sys/fs/cgroup/*/cgt-pre | wc -l)" \
	"and only what rtr created is removed"
for d in /sys/fs/cgroup/*/cgt-pre; do rmdir "$d"; done

# relative: under the parent, as before; the intermediate directory rtr made goes too
cp -a "$B" "$T/rel"
bundle_jq "$T/rel" '.linux.cgroupsPath = "cgt-rel/x"'
run "$RTR_RUN" --name cgt-rel "$T/rel" -- cat /proc/self/cgroup
like "$rc|$(tail -n1 <<<"$out")" "^0\|.*:/rtr/cgt-rel/x$" "relative cgroupsPath: under rtr's parent"
is "$(abs_dirs rtr/cgt-rel)" "" "relative cgroupsPath: removed after"

cp -a "$B" "$T/sysd"
bundle_jq "$T/sysd" '.linux.cgroupsPath = "system.slice:rtr:cgt-sysd"'
run "$RTR_RUN" --name cgt-sysd "$T/sysd" -- true
like "$rc|$err" "^125\|.*linux.cgroupsPath system.slice:rtr:cgt-sysd: systemd slice:prefix:name paths are not supported" \
	"systemd slice:prefix:name: refused, naming the field"

# ==== cpu.realtimeRuntime/realtimePeriod: rtr's parent gets the budget its children ask for
cp -a "$B" "$T/rt"
bundle_jq "$T/rt" '.linux.resources.cpu = {"realtimeRuntime": 10000, "realtimePeriod": 1000000} |
	.process.capabilities = {"bounding": ["CAP_SYS_NICE"], "effective": ["CAP_SYS_NICE"], "permitted": ["CAP_SYS_NICE"]}'
if [[ $LAYOUT == v2 ]] || ! v1_has cpu; then
	run "$RTR_RUN" --name cgt-rt "$T/rt" -- true
	like "$rc|$err" "^125\|.*realtimeRuntime/Period: not supported by cgroup v2" "real-time budget on v2: a clear error"
elif [[ ! -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]]; then
	skip "real-time budget" "the kernel has no real-time group scheduling (CONFIG_RT_GROUP_SCHED)"
else
	run "$RTR_RUN" --name cgt-rt "$T/rt" -- sh -c \
		'cat /sys/fs/cgroup/cpu/rtr/cgt-rt/cpu.rt_runtime_us 2>/dev/null || grep cpu: /proc/self/cgroup; /probe syscall sched-fifo'
	like "$rc|$err" "^0\|" "real-time budget: runs"
	like "$out" "^sched-fifo=ok$" "real-time budget: SCHED_FIFO inside with CAP_SYS_NICE"
	rtp=$(cat /sys/fs/cgroup/cpu/rtr/cpu.rt_runtime_us)
	((rtp >= 10000)) && ok "real-time budget: rtr's parent holds it ($rtp us)" || not_ok "real-time budget: rtr's parent holds it" "got $rtp"
	bundle_jq "$T/rt" '.linux.cgroupsPath = "/cgt-rtabs/a/b"'
	"$RTR_RUN" --name cgt-rtabs "$T/rt" -- sleep 30 >/dev/null 2>"$T/cgt-rtabs.err" </dev/null &
	BGPID=$!
	RTR_PIDS="$RTR_PIDS $BGPID"
	wait_for 10 abs_running cgt-rtabs/a/b || diag "cgt-rtabs: $(cat "$T/cgt-rtabs.err")"
	is "$(cat /sys/fs/cgroup/cpu/cgt-rtabs/a/b/cpu.rt_runtime_us /sys/fs/cgroup/cpu/cgt-rtabs/a/cpu.rt_runtime_us 2>&1 | tr '\n' ' ')" \
		"10000 10000 " "real-time budget: the container and the directories rtr made for it"
	"$RTR_RUN" stop -t 1 cgt-rtabs >/dev/null 2>&1 || true
	finish "$BGPID"
	is "$(abs_dirs cgt-rtabs)" "" "real-time budget: the directories removed after"
fi

# ==== a restart after processes were left behind: the next run is not killed on entry
# (v2: emptying the cgroup with cgroup.kill would make the kernel SIGKILL every later child
# cloned into it; the VM lane runs this on pure v2)
cp -a "$B" "$T/rl"
mkdir "$T/rlout"
bundle_jq "$T/rl" '.linux.namespaces |= map(select(.type != "pid")) |
	.mounts += [{"destination": "/out", "type": "bind", "source": $o, "options": ["rbind"]}]' \
	--arg o "$T/rlout"
run "$RTR_RUN" --name cgt-rl --restart on-failure:2 --restart-delay 10ms "$T/rl" -- \
	sh -c 'sleep 100 & echo run >>/out/runs; exit 3'
is "$rc" 3 "restart with a process left behind: the last run's exit status"
is "$(wc -l <"$T/rlout/runs" 2>/dev/null)" 3 "restart with a process left behind: every run ran"
is "$(cg_dirs cgt-rl)" "" "restart with a process left behind: no cgroup left"

done_testing
