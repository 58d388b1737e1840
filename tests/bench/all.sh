#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every benchmark of tests/bench in one run, for README's table: a header with the machine,
# kernel, cgroup layout and load average, then each script's output as it prints it
# (medians with min/max, ratios to its peer).  Run it on a quiet machine, as root, on a
# release build:
#   meson setup build-rel --buildtype=release && ninja -C build-rel
#   RTR_BUILDDIR=$PWD/build-rel tests/bench/all.sh [SCRIPT...] | tee bench.txt
# Without arguments it runs every tests/bench/*.sh except itself and the lib-*.sh it sources.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
layout() {
	local t
	t=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)
	if [[ $t == cgroup2fs ]]; then
		echo "pure v2"
	elif [[ -d /sys/fs/cgroup/unified ]]; then
		echo "hybrid (v1 controllers + /sys/fs/cgroup/unified)"
	else
		echo "v1"
	fi
}
scripts=("$@")
if ((${#scripts[@]} == 0)); then
	for s in "$here"/*.sh; do
		case $(basename "$s") in all.sh | lib-*.sh) ;; *) scripts+=("$s") ;; esac
	done
fi
echo "# rtr benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "# system: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r) $(uname -m)," \
	"cgroups $(layout)"
status=0
for s in "${scripts[@]}"; do
	[[ -f $s ]] || s=$here/$s
	echo
	echo "## $(basename "$s")   (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	bash "$s" 2>&1 || {
		echo "# $(basename "$s") failed"
		status=1
	}
done
exit $status
