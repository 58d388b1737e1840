#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: pull + unpack of a ~100 MB image from a loopback docker-registry, one gzip
# layer and a 5-layer variant: rtr-pull (cold cache, and --no-cache) against
# `skopeo copy docker://… oci:… && umoci unpack`.  Prints medians (hyperfine), the ratio,
# rtr-pull's peak RSS (VmHWM) and its peak extra disk use with --no-cache.
#   RTR_BUILDDIR=build tests/bench/pull-registry.sh [RUNS]
set -euo pipefail
: "${RTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$RTR_SRCDIR/tests/lib.sh"
. "$RTR_SRCDIR/tests/fixtures/registry-lib.sh"
require_root
require_cmd docker-registry skopeo umoci hyperfine jq
RUNS=${1:-3}
rtr_tmpdir
trap 'reg_stop_all; _rtr_cleanup' EXIT

# ~100 MB of real files (python's and perl's libraries: many small files, like a
# debootstrap minbase, which needs a network mirror this benchmark does not assume).
SRC=$T/src
mkdir -p "$SRC/usr/lib/x86_64-linux-gnu" "$SRC/usr/share"
cp -a /usr/lib/python3.11 "$SRC/usr/lib/"
cp -a /usr/share/perl "$SRC/usr/share/"
cp -a /usr/lib/x86_64-linux-gnu/perl "$SRC/usr/lib/x86_64-linux-gnu/"
cp -a /usr/sbin "$SRC/usr/"
size=$(du -sb "$SRC" | cut -f1)
files=$(find "$SRC" | wc -l)
echo "# image: $((size / 1048576)) MiB unpacked, $files entries; load: $(cut -d' ' -f1-3 /proc/loadavg)"

L=$T/lay
oci_layout_init "$L"
oci_image "$L" one amd64 '{}' "$SRC" >/dev/null
# 5 layers: the top entries spread round-robin.
i=0
for d in 1 2 3 4 5; do mkdir -p "$T/l$d/usr/lib/python3.11"; done
for e in "$SRC"/usr/lib/python3.11/* "$SRC"/usr/share/perl "$SRC"/usr/lib/x86_64-linux-gnu/perl \
	"$SRC"/usr/sbin; do
	n=$((i % 5 + 1))
	rel=${e#"$SRC"/}
	mkdir -p "$T/l$n/$(dirname "$rel")"
	cp -a "$e" "$T/l$n/$rel"
	i=$((i + 1))
done
oci_image "$L" five amd64 '{}' "$T/l1" "$T/l2" "$T/l3" "$T/l4" "$T/l5" >/dev/null

P=$(reg_free_port)
reg_start bench "$P"
R=127.0.0.1:$P
reg_push "$L" one "$R/bench/one:1"
reg_push "$L" five "$R/bench/five:1"

median() { jq -r ".results[$1].median" "$T/h.json"; }
# CPU seconds (user + system, mean): steadier than wall time on a loaded machine.
cpu() { jq -r ".results[$1] | .user + .system" "$T/h.json"; }
for img in one five; do
	hyperfine -N -w 1 -r "$RUNS" --export-json "$T/h.json" \
		-p "rm -rf $T/out $T/cache $T/oci" -n "rtr-pull (cold cache)" \
		"$RTR_PULL --cache-dir $T/cache $R/bench/$img:1 $T/out" \
		-p "rm -rf $T/out $T/cache $T/oci" -n "rtr-pull --no-cache" \
		"$RTR_PULL --no-cache $R/bench/$img:1 $T/out" \
		-p "rm -rf $T/out $T/cache $T/oci" -n "rtr-pull (warm cache)" \
		"$RTR_PULL --cache-dir $T/warm $R/bench/$img:1 $T/out" \
		-p "rm -rf $T/out $T/cache $T/oci" -n "skopeo copy + umoci unpack" \
		"bash -c 'skopeo copy -q --src-tls-verify=false docker://$R/bench/$img:1 oci:$T/oci:x && umoci unpack --image $T/oci:x $T/out >/dev/null'" \
		>/dev/null
	a=$(median 0) n=$(median 1) w=$(median 2) s=$(median 3)
	printf '# %-5s rtr-pull cold %.3f s, --no-cache %.3f s, warm cache %.3f s; skopeo+umoci %.3f s; ratio cold/skopeo %.2f (target <= 0.5)\n' \
		"$img" "$a" "$n" "$w" "$s" "$(echo "$a / $s" | bc -l)"
	ca=$(cpu 0) cn=$(cpu 1) cw=$(cpu 2) cs=$(cpu 3)
	printf '# %-5s CPU s: rtr-pull cold %.3f, --no-cache %.3f, warm %.3f; skopeo+umoci %.3f; ratio cold/skopeo %.2f\n' \
		"$img" "$ca" "$cn" "$cw" "$cs" "$(echo "$ca / $cs" | bc -l)"

	# Peak RSS (and what of it is our own memory) and the disk used under $T/d while a
	# --no-cache pull runs (the bundle's temporary sibling included): no layer copy.
	rm -rf "$T/d"
	mkdir -p "$T/d"
	peak=0 anon=0
	/usr/bin/time -f '%M' -o "$T/rss" "$RTR_PULL" --no-cache "$R/bench/$img:1" "$T/d/out" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		p=$(pgrep -P "$pid" | head -1)
		a=$(awk '/^Private_Dirty/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		((${a:-0} > anon)) && anon=$a
		u=$(du -sxb "$T/d" 2>/dev/null | cut -f1)
		((${u:-0} > peak)) && peak=$u
		sleep 0.5
	done
	wait "$pid"
	final=$(du -sxb "$T/d" | cut -f1)
	printf '# %-5s rtr-pull VmHWM %d KiB (target < 8192), Private_Dirty peak %d KiB; --no-cache disk: peak %d MiB, bundle %d MiB\n' \
		"$img" "$(cat "$T/rss")" "$anon" $((peak / 1048576)) $((final / 1048576))
done
