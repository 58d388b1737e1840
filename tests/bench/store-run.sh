#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Start-to-exit time of rtr-run running /bin/true on one busybox image as a flat bundle,
# as a store bundle of a few layers, and each with --rm, side by side in one hyperfine
# run; the ratios to the flat bundle are printed (issue 13 asks a store bundle to cost at
# most 1 ms more than a flat one).  A store bundle's own upper (BUNDLE/upper) costs the
# sync overlayfs does of the upper's filesystem when the container's namespace ends (its
# end, not its start-up, and more the more the host has written); "store --read-only"
# (a tmpfs upper) shows the stacking alone.
#
#   tests/bench/store-run.sh [RUNS] [LAYERS]   (root; RTR_BUILDDIR defaults to ./build)
set -euo pipefail
. "${RTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
require_root
require_cmd hyperfine jq sha256sum
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip_all "needs overlayfs"
rtr_tmpdir
RUNS=${1:-50}
NLAYERS=${2:-4}

# The flat bundle; the store bundle's base layer is a copy of its rootfs, and the layers
# above it add a file each (what a small image's RUN steps leave).
make_bundle "$T/flat" /bin/true
S=$T/store
mkdir -p "$S/layers" "$T/store-b/rootfs" "$T/store-b/upper" "$T/store-b/work"
list=""
for i in $(seq 1 "$NLAYERS"); do
	h=$(printf 'bench-layer-%d' "$i" | sha256sum | cut -c1-64)
	if ((i == 1)); then
		cp -a "$T/flat/rootfs" "$S/layers/$h"
	else
		mkdir -p "$S/layers/$h/etc"
		echo "$i" >"$S/layers/$h/etc/layer-$i"
	fi
	list+="${list:+,}sha256:$h"
done
jq --arg s "$S" --arg l "$list" \
	'.annotations["org.rtr.rootfs.store"] = $s | .annotations["org.rtr.rootfs.layers"] = $l' \
	"$T/flat/config.json" >"$T/store-b/config.json"

R="$RTR_RUN --name bench-store --seccomp unconfined"
hyperfine -N -w 5 -r "$RUNS" --export-json "$T/r.json" \
	-n "flat" "$R $T/flat" \
	-n "store ($NLAYERS layers)" "$R $T/store-b" \
	-n "store --read-only" "$R --read-only $T/store-b" \
	-n "flat --rm" "$R --rm $T/flat" \
	-n "store --rm" "$R --rm $T/store-b" >"$T/out.txt" 2>&1 || {
	cat "$T/out.txt"
	exit 1
}

jq -r '.results as $r | ($r[0].median) as $flat
	| ($r[] | "\(.command): median \(.median * 1000 | . * 100 | round / 100) ms (min \(.min * 1000 | . * 100 | round / 100) ms, \(.times | length) runs)"),
	"",
	($r[1:][] | "\(.command) - flat: \((.median - $flat) * 1000 | . * 100 | round / 100) ms, ratio \(.median / $flat * 100 | round / 100)")' \
	"$T/r.json"
