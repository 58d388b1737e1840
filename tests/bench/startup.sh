#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Start-to-exit time of rtr-run, crun and runc on one busybox bundle running /bin/true
# with the same namespaces (pid, net, ipc, uts, mount), side by side, and the memory of
# rtr-run's resident supervisor while a container sleeps.
#
#   tests/bench/startup.sh [RUNS]        (root; RTR_BUILDDIR defaults to ./build)
#   RTR_RUN_BASE=/path/to/old/rtr-run tests/bench/startup.sh   (also times an older build
#                                        in the same run: before/after of a change)
#
# Two bundles: "plain" (no seccomp; rtr-run gets --seccomp unconfined so that it does not
# add its default) and "seccomp" (rtr's default profile, from --print-default-seccomp,
# written into config.json for all three).  crun refuses hybrid cgroup hosts, so every
# runtime is timed inside one `unshare -m` with /sys/fs/cgroup/unified unmounted; rtr-run
# is also timed on the real host layout.
#
# Where the time goes (perf record -g over 100 starts of the plain bundle, perf stat, strace
# -T and perf trace timelines, on the 2-core x86-64 VM, kernel 6.18, hybrid cgroups with 9 v1
# hierarchies, load average 1-5).  A plain start costs 5.1 ms of CPU (rtr-run and the
# container's init together; the floor: 2.0 ms) over ~0.6 CPUs: it is CPU-bound, and the
# parent and the child mostly run one after the other.  Shares of the CPU samples:
#   namespaces  ~17 %  clone3: copy_net_ns 12 % (loopback device, sysctl tables, under the
#                      rtnl lock that every netns on the host contends for; the floor pays
#                      it too), mount ns 1 %
#   seccomp      ~3 %  loading the default filter: 313 BPF insns over the x86_64, x86 and
#                      x32 ABIs, compiled at build time by runner/seccomp-gen.c (number
#                      ranges under a binary search, libseccomp's decisions) where libseccomp's
#                      tree had 1277: 0.18 ms to load instead of 0.59 ms (median of 300
#                      forked loads, load average 1.0) -- the kernel checks, converts and JITs
#                      it and runs it per syscall number for its allow cache, all in
#                      proportion to its length.  Per start (CPU time, 150 interleaved pairs,
#                      load average ~2): the default adds 0.60 ms to a bare bundle (1.13 ms
#                      before); a bundle that carries the profile in config.json also pays
#                      ~0.45 ms to parse that JSON.  Profiles compiled at run time stay
#                      libseccomp trees (as a linear list the default takes 1.0 ms to load).
#   cgroups     ~14 %  mkdir 7 % (each v1 hierarchy creates its control files), rmdir 4.5 %,
#                      opening the directories and "tasks" files 2 %: 10 directories on this
#                      host, one on pure v2.  Entering them costs nothing: the child writes 0
#                      to each v1 "tasks" file and clone3(CLONE_INTO_CGROUP) puts it in the
#                      unified one (the parent's write of a pid to cgroup.procs would take the
#                      global threadgroup lock and wait for an RCU grace period: 1-14 ms).
#                      A new v1 cpuset directory gets its cpus/mems from the parent at mkdir
#                      (cgroup.clone_children on rtr's parent): writing them took the cpuset
#                      mutex, checked every sibling and rebuilt the scheduler domains (3.5 %).
#                      The devices rules skip repeats of rules in effect (21 writes -> 11).
#                      Still to gain: creating only the v1 hierarchies a container limits
#                      (~0.5 ms here), which needs update/pause/stats/exec to cope with a
#                      hierarchy made later.
#   page faults ~11 %  201 per start against the floor's 139: exec and ld.so mappings, and
#                      copy-on-write in both processes after clone (a CLONE_VM child on its
#                      own stack would not pay the latter)
#   user space  ~15 %  ld.so ~5 %: rtr-run maps only libyajl and libc now (libcap is gone,
#                      libseccomp is dlopened only to compile a filter at run time), 301
#                      symbol relocations instead of 399, ld.so's own count 150k cycles
#                      instead of 190k (LD_DEBUG=statistics, medians); in perf samples of 60
#                      plain starts each, side by side at load 2.5: 4.6 % against 4.9 %.
#                      What is left is mostly fixed: cpuid in init_cpu_features traps to the
#                      hypervisor, and -z now binds libc's and yajl's symbols.  libc 4.6 %,
#                      rtr-run itself 2.3 %, yajl 0.7 %
#   mounts       ~9 %  /proc, /dev tmpfs and nodes, masked and read-only paths, pivot_root
#                      (which walks every task on the host: 0.5-4 % with the host's load).
#                      The tmpfs that carries /etc/hosts and resolv.conf is moved out of the
#                      container's /dev onto the host's, to go with the old root, instead of
#                      being unmounted: each unmount waits for an RCU grace period
#                      (0.2-4 ms under load), so one is left, the old root's.
#   exec         ~6 %  of rtr-run itself and of /bin/true; netlink (lo up) ~1.7 %; xattrs
#                      (the spec, the exec record) ~0.8 %.
#   Waits: the child no longer waits for the parent's RELEASE when the host side has
#   nothing to do (no user namespace, veth, oomScoreAdj or pre-start hooks): its READY is
#   then the only message before execve, and nothing waits for an answer.  The exit pays
#   the 10 rmdirs and the mount namespace's teardown (an RCU grace period; the floor too).
#   The supervisor's shedding of its startup pages (smaps read + madvise) waits for the
#   first 50 ms without an event, so a short-lived container never pays for it.
set -euo pipefail
. "${RTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
require_root
require_cmd hyperfine jq
rtr_tmpdir
RUNS=${1:-50}

make_bundle "$T/plain" /bin/true
make_bundle "$T/seccomp" /bin/true
"$RTR_RUN" --print-default-seccomp >"$T/profile.json"
bundle_jq "$T/seccomp" '.linux.seccomp = $p[0]' --slurpfile p "$T/profile.json"
# Same capabilities for everyone: Docker's default set.
caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
 "CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
 "CAP_KILL","CAP_AUDIT_WRITE"]'
for b in plain seccomp; do
	bundle_jq "$T/$b" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}
		| .process.noNewPrivileges = true
		| .linux.resources.memory.limit = 67108864' --argjson c "$caps"
done

have() { command -v "$1" >/dev/null 2>&1; }
cmds=()
names=()
add() { names+=("$1"); cmds+=("$2"); }
add "rtr-run plain" "$RTR_RUN --name bench-rtr --seccomp unconfined $T/plain"
add "rtr-run seccomp" "$RTR_RUN --name bench-rtr $T/seccomp"
if [[ -n "${RTR_RUN_BASE:-}" ]]; then
	add "base plain" "$RTR_RUN_BASE --name bench-base --seccomp unconfined $T/plain"
	add "base seccomp" "$RTR_RUN_BASE --name bench-base $T/seccomp"
fi
# The kernel's floor: the same namespaces and the same /bin/true, no cgroup, no mounts.
add "floor plain" "unshare -mpuinf --fork --root $T/plain/rootfs /bin/true"
have crun && add "crun plain" "crun run -b $T/plain bench-crun"
have crun && add "crun seccomp" "crun run -b $T/seccomp bench-crun"
have runc && add "runc plain" "runc run -b $T/plain bench-runc"
have runc && add "runc seccomp" "runc run -b $T/seccomp bench-runc"

args=()
for i in "${!cmds[@]}"; do
	args+=(-n "${names[$i]}" "${cmds[$i]}")
done

echo "# timing inside unshare -m without the cgroup v2 mount (crun refuses hybrid hosts)"
unshare -m -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null || true; exec "$@"' sh \
	hyperfine -N -w 5 -r "$RUNS" --export-json "$T/ns.json" "${args[@]}" >"$T/ns.txt" 2>&1 || {
	cat "$T/ns.txt"
	exit 1
}
echo "# rtr-run on the host's real (hybrid) cgroup layout"
hyperfine -N -w 5 -r "$RUNS" --export-json "$T/host.json" \
	-n "rtr-run plain (host layout)" "${cmds[0]}" \
	-n "rtr-run seccomp (host layout)" "${cmds[1]}" >"$T/host.txt" 2>&1 || {
	cat "$T/host.txt"
	exit 1
}

jq -s -r '[.[].results[]] as $r
	| ($r[] | "\(.command): median \(.median * 1000 | . * 100 | round / 100) ms (min \(.min * 1000 | . * 100 | round / 100) ms, \(.times | length) runs)"),
	"",
	([$r[] | {key: .command, value: .median}] | from_entries) as $m
	| (["plain", "seccomp"][] as $k
	   | (if $m["base " + $k] then "ratio rtr-run/base  \($k): \($m["rtr-run " + $k] / $m["base " + $k] * 100 | round / 100)" else empty end),
	     (if $m["crun " + $k] then "ratio rtr-run/crun  \($k): \($m["rtr-run " + $k] / $m["crun " + $k] * 100 | round / 100)" else empty end),
	     (if $m["runc " + $k] then "ratio rtr-run/runc  \($k): \($m["rtr-run " + $k] / $m["runc " + $k] * 100 | round / 100)" else empty end),
	     (if $m["floor plain"] then "ratio rtr-run/floor \($k): \($m["rtr-run " + $k] / $m["floor plain"] * 100 | round / 100)" else empty end))' \
	"$T/ns.json" "$T/host.json"

# ---- memory of the resident supervisor -----------------------------------------------------
mem() { # PID LABEL
	local hwm rss priv
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$1/status")
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status")
	priv=$(awk '/^Private_(Clean|Dirty)/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup")
	echo "$2: VmHWM ${hwm} KiB, VmRSS ${rss} KiB, private ${priv} KiB"
}
echo
make_bundle "$T/sleep" /bin/sleep 3
"$RTR_RUN" --name bench-rtr-mem "$T/sleep" &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
wait_for 5 pgrep -P "$pid" || true
sleep 0.5
mem "$pid" "rtr-run supervisor (default seccomp)"
wait "$pid" || true
"$RTR_RUN" --name bench-rtr-mem --seccomp unconfined "$T/sleep" &
pid=$!
wait_for 5 pgrep -P "$pid" || true
sleep 0.5
mem "$pid" "rtr-run supervisor (unconfined)"
wait "$pid" || true
if [[ -n "${RTR_RUN_BASE:-}" ]]; then
	"$RTR_RUN_BASE" --name bench-base-mem "$T/sleep" &
	pid=$!
	wait_for 5 pgrep -P "$pid" || true
	sleep 0.5
	mem "$pid" "base rtr-run supervisor (default seccomp)"
	wait "$pid" || true
fi
if have runc; then
	runc run -b "$T/sleep" bench-runc-mem &
	pid=$!
	sleep 1
	mem "$pid" "runc run (for comparison)"
	wait "$pid" || true
fi
