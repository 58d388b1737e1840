#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: start-to-exit of /bin/true on one busybox rootfs with a veth pair and an
# address: rtr-run against `systemd-nspawn --network-veth`, and rtr-run's veth against
# --network none (what the veth costs).  Prints medians (hyperfine) and the ratios.
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
require_cmd hyperfine jq systemd-nspawn ip
RUNS=${1:-30}
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

hyperfine -N -w 3 -r "$RUNS" --export-json "$T/h.json" \
	-n "rtr-run --veth --address" \
	"$RTR_RUN --name nb-veth --veth nb-veth --address 10.231.40.2/24 $T/b" \
	-n "rtr-run --network none" \
	"$RTR_RUN --name nb-none --network none $T/b" \
	-n "systemd-nspawn --network-veth" \
	"$NSPAWN --network-veth /bin/true" \
	-n "systemd-nspawn --private-network" \
	"$NSPAWN --private-network /bin/true" \
	>/dev/null 2>"$T/hf.err" || { cat "$T/hf.err"; exit 1; }

ms() { jq -r ".results[$1].median * 1000" "$T/h.json"; }
v=$(ms 0) n=$(ms 1) s=$(ms 2) p=$(ms 3)
printf '%-34s %8.2f ms\n' "rtr-run --veth --address" "$v" "rtr-run --network none" "$n" \
	"systemd-nspawn --network-veth" "$s" "systemd-nspawn --private-network" "$p"
awk -v v="$v" -v n="$n" -v s="$s" -v p="$p" 'BEGIN {
	printf "ratio rtr-run veth / nspawn veth:   %.3f (target <= 0.3)\n", v / s
	printf "veth cost, rtr-run (veth - none):   %.2f ms (target <= 5 ms)\n", v - n
	printf "veth cost, nspawn (veth - private): %.2f ms\n", s - p
}'
