#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The arm64 smoke suite, inside the arm64 guest (busybox sh, no bash or jq there): a
# container with a memory limit and a veth address reached from the guest, stopped; an
# OOM kill; the default seccomp filter (precompiled) behaving as the same profile compiled
# at run time; a docker-archive pulled into a bundle and run.  TAP on stdout.
# Layout (tests/vm/arm-lane.sh builds it): /rtr/bin/{rtr-run,rtr-pull}, /rtr/bundle (a
# busybox + probe bundle), /rtr/custom.json, /rtr/image.tar.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do echo "$l" | sed 's/^/# /'; done
}
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3" "got:  '$1'" "want: '$2'"; fi; }
# wait_for SECONDS CMD...: polls CMD every 0.2 s
wait_for() {
	i=$(($1 * 5))
	shift
	while [ $i -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		i=$((i - 1))
	done
	return 1
}
RUN=/rtr/bin/rtr-run PULL=/rtr/bin/rtr-pull B=/rtr/bundle
# cgroupfs files report size 0: read them
procs() { [ -n "$(cat "$1/cgroup.procs" 2>/dev/null)" ]; }

echo "# $(uname -srm)"
is "$($RUN --version)" "rtr-run 0.1.0" "rtr-run --version"
is "$(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts)" cgroup2 "cgroup v2 at /sys/fs/cgroup"

# ---- memory limit, veth, reached from the guest, stopped ------------------------------------
D=/sys/fs/cgroup/rtr/a1
$RUN --name a1 --memory 32M --veth veth-a1 --address 10.55.0.2/24 --host-address 10.55.0.1/24 \
	$B -- sleep 600 >/tmp/a1.out 2>&1 &
pid=$!
if wait_for 60 procs $D; then
	is "$(cat $D/memory.max)" 33554432 "--memory 32M: memory.max"
	if wait_for 20 ping -c 1 -W 1 10.55.0.2; then
		ok "the container's veth address 10.55.0.2 answers ping from the guest"
	else
		not_ok "the container's veth address answers ping" "$(ip addr show veth-a1 2>&1)"
	fi
	got=$($RUN ps | grep -c '^a1 ')
	is "$got" 1 "rtr-run ps lists it"
	$RUN stop -t 1 a1
	is "$?" 0 "rtr-run stop"
else
	not_ok "a container with --memory and --veth starts" "$(cat /tmp/a1.out)"
	kill $pid
fi
wait $pid
is "$?" 143 "the stopped container (sleep, no TERM handler, killed after the stop timeout) exits 143: a stop asked for"
is "$(ls -d $D 2>/dev/null)" "" "its cgroup is gone"
is "$(ip link show veth-a1 2>/dev/null)" "" "its veth is gone"

# ---- OOM -----------------------------------------------------------------------------------
out=$($RUN --name a2 --memory 16M --memory-swap 16M $B -- tail /dev/zero 2>&1)
rc=$?
is "$rc" 137 "allocating beyond --memory 16M: OOM-killed, exit 137"
case $out in
*"killed by the kernel: out of memory"*) ok "the OOM kill is reported" ;;
*) not_ok "the OOM kill is reported" "$out" ;;
esac

# ---- seccomp: the precompiled default = the same profile compiled now ---------------------
calls="mount umount unshare-mnt unshare-user clone-newns pivot_root keyctl add_key bpf"
calls="$calls kexec_load init_module finit_module mknod-blk sethostname setns open_by_handle_at"
calls="$calls userfaultfd perf_event_open reboot personality-bad socket-vsock setrlimit fork"
calls="$calls socket-inet mknod-chr"
probes="rm -f /tmp/chr /tmp/blk; for s in $calls; do /probe syscall \$s; done; grep ^Seccomp: /proc/self/status"
def=$($RUN $B -- /bin/sh -c "$probes" 2>&1)
cus=$($RUN --seccomp /rtr/custom.json $B -- /bin/sh -c "$probes" 2>&1)
case $def in
*"Seccomp:	2"*) ok "the default seccomp filter is loaded" ;;
*) not_ok "the default seccomp filter is loaded" "$def" ;;
esac
case $def in
*"keyctl=EPERM"*"mknod-chr="*) is "$cus" "$def" "default profile compiled at run time behaves as the precompiled one" ;;
*) not_ok "the probe ran every syscall under the default profile" "$def" ;;
esac

# ---- pull a docker-archive into a bundle and run it -----------------------------------------
out=$($PULL docker-archive:/rtr/image.tar /rtr/pulled 2>&1)
is "$?" 0 "rtr-pull docker-archive: into a bundle"
[ $? = 0 ] || echo "$out" | sed 's/^/# /'
out=$($RUN --name a3 /rtr/pulled -- /bin/sh -c 'echo pulled-$(uname -m)' 2>&1)
is "$out" pulled-aarch64 "the pulled bundle runs"
echo "1..$n"
