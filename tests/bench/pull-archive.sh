#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Unpacking a large image (~130 MB unpacked, one gzip layer, a docker save tarball) with
#   rtr-pull docker-archive:IMG BUNDLE
#   skopeo copy docker-archive:IMG oci:DIR + umoci unpack       (the usual toolchain)
#   tar -xzf LAYER                                              (the floor)
# Prints medians (hyperfine), the ratios and rtr-pull's peak RSS (VmHWM of the process).
# The image: tests/bench/lib-image.sh.
# Targets (issue): <= 0.5 x skopeo+umoci, <= 1.3 x tar -xzf, peak RSS < 8 MiB.
#
#   RTR_PULL=build/pull/rtr-pull tests/bench/pull-archive.sh [RUNS]
set -euo pipefail

: "${RTR_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${RTR_PULL:=$RTR_SRCDIR/build/pull/rtr-pull}"
RUNS=${1:-3}
for c in hyperfine skopeo umoci python3 jq; do
	command -v $c >/dev/null || { echo "missing $c" >&2; exit 77; }
done

W=$(mktemp -d /var/tmp/rtr-bench-pull.XXXXXX)
trap 'rm -rf "$W"' EXIT
. "$RTR_SRCDIR/tests/bench/lib-image.sh"
bench_image "$W"
echo

hyperfine --runs "$RUNS" --warmup 1 -N --export-json "$W/h.json" \
	--prepare "rm -rf $W/o1 $W/o2 $W/o3 $W/o4" \
	-n rtr-pull "$RTR_PULL -q docker-archive:$W/img.tar $W/o1" \
	-n rtr-pull-no-sync "$RTR_PULL -q --no-sync docker-archive:$W/img.tar $W/o1" \
	-n skopeo+umoci "sh -c 'skopeo copy -q docker-archive:$W/img.tar oci:$W/o2:x && umoci unpack --image $W/o2:x $W/o3 >/dev/null'" \
	-n tar-xzf "sh -c 'mkdir $W/o4 && tar -xzf $W/layer.tar.gz -C $W/o4'" >/dev/null

med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$W/h.json"; }
r=$(med rtr-pull)
n=$(med rtr-pull-no-sync)
s=$(med skopeo+umoci)
t=$(med tar-xzf)
printf '%-20s %8.3f s\n' "rtr-pull (syncfs)" "$r" "rtr-pull --no-sync" "$n" skopeo+umoci "$s" \
	"tar -xzf" "$t"
printf 'rtr-pull / skopeo+umoci           = %.2f (target <= 0.50)\n' "$(echo "$r / $s" | bc -l)"
printf 'rtr-pull --no-sync / skopeo+umoci = %.2f (target <= 0.50)\n' "$(echo "$n / $s" | bc -l)"
printf 'rtr-pull --no-sync / tar -xzf     = %.2f (target <= 1.30; neither syncs)\n' \
	"$(echo "$n / $t" | bc -l)"
printf 'rtr-pull (syncfs) / tar -xzf      = %.2f\n' "$(echo "$r / $t" | bc -l)"

# Peak RSS: VmHWM sampled from /proc while it runs (the last sample before exit is the
# process's high-water mark), and Private_Dirty (its own memory: heap, stacks, relocated
# library data; Private_Clean only counts library pages no other process maps right now).
peak() { # CMD...: prints "VmHWM_KiB Private_KiB" of the command
	"$@" &
	local pid=$! hwm=0 priv=0 h p
	while kill -0 $pid 2>/dev/null; do
		h=$(awk '/^VmHWM/{print $2}' /proc/$pid/status 2>/dev/null || true)
		p=$(awk '/^Private_Dirty/{s+=$2} END{print s+0}' /proc/$pid/smaps_rollup 2>/dev/null || true)
		[[ -n "$h" && $h -gt $hwm ]] && hwm=$h
		[[ -n "$p" && $p -gt $priv ]] && priv=$p
		sleep 0.02
	done
	wait $pid
	echo "$hwm $priv"
}
rm -rf "$W/o1"
read -r hwm priv < <(peak "$RTR_PULL" -q "docker-archive:$W/img.tar" "$W/o1")
printf 'rtr-pull peak RSS: VmHWM %d KiB (target < 8192), Private_Dirty %d KiB\n' "$hwm" "$priv"
printf 'rtr-pull max RSS (GNU time): %s KiB\n' \
	"$(rm -rf "$W/o1"; /usr/bin/time -f %M "$RTR_PULL" -q "docker-archive:$W/img.tar" "$W/o1" 2>&1 >/dev/null | tail -1)"
