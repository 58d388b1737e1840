#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: pull + unpack of a ~100 MB image from a loopback docker-registry, one gzip
# layer and a 5-layer variant, everything written into a tmpfs (to measure the pullers,
# not the disk), side by side in one run:
#   rtr-pull (cold cache, --no-cache, warm cache)
#   skopeo copy docker://... oci:... && umoci unpack            (the usual toolchain)
#   curl BLOB | tee >(sha256sum) | tar -xz, layer after layer   (the naive floor)
# Prints medians (hyperfine), the ratios (issue 15: cold <= 0.35 x skopeo+umoci and
# <= 1.0 x the floor, for both images), rtr-pull's peak RSS (VmHWM, target <= 12 MiB) and
# Private_Dirty (target <= 3 MiB) and its peak extra disk use with --no-cache.
#   RTR_BUILDDIR=build tests/bench/pull-registry.sh [RUNS]
#   RTR_PULL_BASE=/path/to/old/rtr-pull ...   (also times an older build, cold cache, in the
#                                              same run, and measures its memory: before/after)
set -euo pipefail
: "${RTR_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$RTR_SRCDIR/tests/lib.sh"
. "$RTR_SRCDIR/tests/fixtures/registry-lib.sh"
require_root
require_cmd docker-registry skopeo umoci hyperfine jq curl
RUNS=${1:-3}
rtr_tmpdir
M=$T/fs
mkdir -p "$M"
mount -t tmpfs -o size=2g tmpfs "$M"
trap 'reg_stop_all; umount -l "$M"; _rtr_cleanup' EXIT

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
ratio() { echo "$1 / $2" | bc -l; }
# The naive floor: each layer's blob straight from the registry into tar, hashed on the way.
cat >"$T/floor.sh" <<'FLOOR'
#!/bin/bash
set -euo pipefail
mkdir -p "$3"
for d in $(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"http://$1/v2/$2/manifests/1" | jq -r '.layers[].digest'); do
	curl -sf "http://$1/v2/$2/blobs/$d" | tee >(sha256sum >/dev/null) | tar -xz -C "$3"
done
FLOOR
chmod +x "$T/floor.sh"
for img in one five; do
	clean="rm -rf $M/out $M/cache $M/oci"
	hyperfine -N -w 1 -r "$RUNS" --export-json "$T/h.json" \
		-p "$clean" -n "rtr-pull (cold cache)" \
		"$RTR_PULL --cache-dir $M/cache $R/bench/$img:1 $M/out" \
		-p "$clean" -n "rtr-pull --no-cache" \
		"$RTR_PULL --no-cache $R/bench/$img:1 $M/out" \
		-p "$clean" -n "rtr-pull (warm cache)" \
		"$RTR_PULL --cache-dir $M/warm $R/bench/$img:1 $M/out" \
		-p "$clean" -n "skopeo copy + umoci unpack" \
		"bash -c 'skopeo copy -q --src-tls-verify=false docker://$R/bench/$img:1 oci:$M/oci:x && umoci unpack --image $M/oci:x $M/out >/dev/null'" \
		-p "$clean" -n "curl | tee >(sha256sum) | tar -xz" \
		"$T/floor.sh $R bench/$img $M/out" \
		${RTR_PULL_BASE:+-p "$clean" -n "base rtr-pull (cold cache)"} \
		${RTR_PULL_BASE:+"$RTR_PULL_BASE --cache-dir $M/cache $R/bench/$img:1 $M/out"} \
		>/dev/null
	a=$(median 0) n=$(median 1) w=$(median 2) s=$(median 3) f=$(median 4)
	printf '# %-5s wall s: rtr-pull cold %.3f, --no-cache %.3f, warm %.3f; skopeo+umoci %.3f; floor %.3f\n' \
		"$img" "$a" "$n" "$w" "$s" "$f"
	printf '# %-5s ratios: cold/skopeo+umoci %.2f (target <= 0.35); cold/floor %.2f (target <= 1.0); --no-cache/floor %.2f\n' \
		"$img" "$(ratio "$a" "$s")" "$(ratio "$a" "$f")" "$(ratio "$n" "$f")"
	ca=$(cpu 0) cn=$(cpu 1) cw=$(cpu 2) cs=$(cpu 3) cf=$(cpu 4)
	printf '# %-5s CPU s: rtr-pull cold %.3f, --no-cache %.3f, warm %.3f; skopeo+umoci %.3f; floor %.3f\n' \
		"$img" "$ca" "$cn" "$cw" "$cs" "$cf"
	if [[ -n "${RTR_PULL_BASE:-}" ]]; then
		b=$(median 5)
		printf '# %-5s base cold %.3f s (CPU %.3f): base/skopeo+umoci %.2f, base/floor %.2f; this/base %.2f\n' \
			"$img" "$b" "$(cpu 5)" "$(ratio "$b" "$s")" "$(ratio "$b" "$f")" "$(ratio "$a" "$b")"
	fi

	# Peak RSS (and what of it is our own memory) and the disk used under $M/d while a
	# --no-cache pull runs (the bundle's temporary sibling and the scratch files included).
	for who in this ${RTR_PULL_BASE:+base}; do
		pull=$RTR_PULL
		[[ $who == base ]] && pull=$RTR_PULL_BASE
		rm -rf "$M/d" "$M/out" "$M/cache" "$M/oci"
		mkdir -p "$M/d"
		peak=0 anon=0
		/usr/bin/time -f '%M' -o "$T/rss" "$pull" --no-cache "$R/bench/$img:1" "$M/d/out" &
		pid=$!
		while kill -0 "$pid" 2>/dev/null; do
			p=$(pgrep -P "$pid" | head -1 || true)
			a=$(awk '/^Private_Dirty/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
			((${a:-0} > anon)) && anon=$a
			u=$(du -sxb "$M/d" 2>/dev/null | cut -f1 || true)
			((${u:-0} > peak)) && peak=$u
			sleep 0.2
		done
		wait "$pid"
		final=$(du -sxb "$M/d" | cut -f1)
		printf '# %-5s %s rtr-pull VmHWM %d KiB (target <= 12288), Private_Dirty peak %d KiB (target <= 3072); --no-cache disk: peak %d MiB, bundle %d MiB\n' \
			"$img" "$who" "$(cat "$T/rss")" "$anon" $((peak / 1048576)) $((final / 1048576))
		rm -rf "$M/d"
	done
done
