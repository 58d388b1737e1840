#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: start-to-exit of /bin/true on one busybox rootfs with a veth pair and an
# address: rtr-run against `systemd-nspawn --network-veth`, and rtr-run's veth against
# --network none (what the veth costs).  Prints medians and the ratios.
# Targets: rtr-run veth <= 0.3 x nspawn; veth - none <= 5 ms.
#   RTR_BUILDDIR=build tests/bench/net.sh [RUNS]
#
# systemd-nspawn needs --register=no --keep-unit here: without systemd as PID 1 there is
# no system bus, and the plain `systemd-nspawn -q -D ROOTFS --network-veth /bin/true`
# fails with "Failed to open system bus".
set -euo pipefail
: "${RTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd jq systemd-nspawn ip
RUNS=${1:-30}
exec 9>/run/lock/rtr-tests-net.lock # not while tests/net.sh runs
flock -w 300 9
rtr_tmpdir
trap 'ip link del nb-veth 2>/dev/null || true; _rtr_cleanup' EXIT

make_bundle "$T/b" /bin/true
bundle_jq "$T/b" '.process.args = ["/bin/true"]'
NSPAWN="systemd-nspawn -q --register=no --keep-unit -D $T/b/rootfs"
if ! $NSPAWN --network-veth /bin/true 2>"$T/nspawn.err"; then
	echo "# systemd-nspawn --network-veth fails here: $(tr '\n' ' ' <"$T/nspawn.err")"
	exit 1
fi
if systemd-nspawn -q -D "$T/b/rootfs" --network-veth /bin/true 2>/dev/null; then
	echo "# plain systemd-nspawn -q -D ROOTFS --network-veth works"
else
	echo "# plain systemd-nspawn -q -D ROOTFS --network-veth fails (no system bus);" \
		"using --register=no --keep-unit"
fi

# Interleaved rounds rather than one batch per command: on a busy 2-core machine the load
# drifts, and batches would charge the drift to whichever command ran then.
names=("rtr-run --veth --address" "rtr-run --network none" "systemd-nspawn --network-veth"
	"systemd-nspawn --private-network")
cmds=("$RTR_RUN --name nb-veth --veth nb-veth --address 10.231.40.2/24 $T/b"
	"$RTR_RUN --name nb-none --network none $T/b"
	"$NSPAWN --network-veth /bin/true"
	"$NSPAWN --private-network /bin/true")
for ((r = -3; r < RUNS; r++)); do # 3 warm-up rounds
	for ((k = 0; k < ${#cmds[@]}; k++)); do
		i=$(((k + r + 3) % ${#cmds[@]}))
		t0=$EPOCHREALTIME
		${cmds[i]} >/dev/null 2>"$T/err" || { echo "# ${names[i]} failed: $(cat "$T/err")"; exit 1; }
		t1=$EPOCHREALTIME
		((r < 0)) || echo "${t0/./} ${t1/./}" >>"$T/t.$i"
	done
done
# microseconds -> median in ms
ms() { awk '{ print ($2 - $1) / 1000 }' "$T/t.$1" | sort -n | awk '{ a[NR] = $1 }
	END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# and the minimum, which shows the cost without the machine's other load
mn() { awk '{ print ($2 - $1) / 1000 }' "$T/t.$1" | sort -n | head -1; }
v=$(ms 0) n=$(ms 1) s=$(ms 2) p=$(ms 3)
echo "# $RUNS interleaved rounds, start to exit of /bin/true; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %10s\n' "" median min
for i in 0 1 2 3; do
	printf '%-34s %7.2f ms %7.2f ms\n' "${names[i]}" "$(ms $i)" "$(mn $i)"
done
awk -v v="$v" -v n="$n" -v s="$s" -v p="$p" 'BEGIN {
	printf "ratio rtr-run veth / nspawn veth:   %.3f (target <= 0.3)\n", v / s
	printf "veth cost, rtr-run (veth - none):   %.2f ms (target <= 5 ms)\n", v - n
	printf "veth cost, nspawn (veth - private): %.2f ms\n", s - p
}'
awk -v v="$(mn 0)" -v n="$(mn 1)" -v s="$(mn 2)" 'BEGIN {
	printf "minimums: ratio %.3f, veth cost %.2f ms\n", v / s, v - n
}'
