#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The layer store (rtr-pull --store) against flat bundles, on a Debian-sized image (a
# system tree standing in for a debootstrap minbase, ~130 MB unpacked, one gzip layer, a
# docker save tarball: the same image as tests/bench/pull-archive.sh), into a tmpfs so the
# disk does not decide:
#   re-create  a bundle of an image whose layers the store has          (target <= 50 ms)
#   first      the first pull into an empty store vs a flat pull       (target ratio <= 1.05)
# Prints medians (hyperfine) and the ratios.  Needs root (the tmpfs, the store's whiteouts).
#
#   RTR_PULL=build/pull/rtr-pull tests/bench/store.sh [RUNS]
set -euo pipefail

: "${RTR_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${RTR_PULL:=$RTR_SRCDIR/build/pull/rtr-pull}"
RUNS=${1:-5}
for c in hyperfine python3 jq bc; do
	command -v $c >/dev/null || { echo "missing $c" >&2; exit 77; }
done
[[ $(id -u) == 0 ]] || { echo "needs root" >&2; exit 77; }

W=$(mktemp -d /var/tmp/rtr-bench-store.XXXXXX)
trap 'umount -l "$W/t" 2>/dev/null || true; rm -rf "$W"' EXIT
mkdir "$W/t"
. "$RTR_SRCDIR/tests/bench/lib-image.sh"
bench_image "$W"
echo "; output on tmpfs"

# The image stays on disk (page cache warm after the first run); every output on tmpfs.
mount -t tmpfs -o size=$((3 * unpacked / 1048576 + 256))m rtr-bench "$W/t"
O=$W/t
IMG=docker-archive:$W/img.tar

# First pull: an empty store each run, against a flat pull.
hyperfine --runs "$RUNS" --warmup 1 -N --export-json "$W/first.json" \
	--prepare "rm -rf $O/store $O/b $O/f" \
	-n flat "$RTR_PULL -q $IMG $O/f" \
	-n store-first "$RTR_PULL -q --store=$O/store $IMG $O/b" >/dev/null

# Re-create: the store has the layer; each run makes a new bundle from it.
rm -rf "$O/store" "$O/b" "$O/f"
"$RTR_PULL" -q "--store=$O/store" "$IMG" "$O/b0"
hyperfine --runs $((RUNS * 4)) --warmup 2 -N --export-json "$W/again.json" \
	--prepare "rm -rf $O/b1" \
	-n store-recreate "$RTR_PULL -q --store=$O/store $IMG $O/b1" >/dev/null

med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$W/$1.json"; }
f=$(med first flat)
s=$(med first store-first)
a=$(med again store-recreate)
printf '%-34s %8.3f s\n' "flat pull" "$f" "first pull into the store" "$s"
printf '%-34s %8.1f ms (target <= 50)\n' "re-create from the store" "$(echo "$a * 1000" | bc -l)"
printf 'store first / flat                 = %.3f (target <= 1.05)\n' "$(echo "$s / $f" | bc -l)"
printf 're-create / flat                   = %.4f\n' "$(echo "$a / $f" | bc -l)"
printf 'disk: flat bundle %s KiB, store bundle %s KiB (+ the layer, shared: %s KiB)\n' \
	"$(rm -rf "$O/f"; "$RTR_PULL" -q "$IMG" "$O/f"; du -sk "$O/f" | cut -f1)" \
	"$(du -sk "$O/b1" | cut -f1)" "$(du -sk "$O/store" | cut -f1)"
