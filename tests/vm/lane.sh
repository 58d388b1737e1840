#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM lane: rtr on pure cgroup v2 with systemd as PID 1, in an x86-64 qemu guest (TCG).
# It runs in the guest what only such a machine can prove (tests/vm/guest.sh): the cgroup
# v2 paths of tests/cgroup.sh, delegation under systemd, user namespaces on v2, and
# contrib/rtr@.service for real.  Needs root and Debian 12; tests/vm/deps.sh installs
# qemu-system-x86, debootstrap and e2fsprogs unless RTR_VM_NO_DEPS=1.
#
# Usage: tests/vm/lane.sh [BUILDDIR [TAPFILE]]
#   BUILDDIR  a configured meson build of this tree (default: build); it is (re)built
#   TAPFILE   where the guest's TAP goes as well (default: BUILDDIR/vm-lane.tap)
# Environment: RTR_VM_CACHE (default /var/cache/rtr-vm: the image, outside the tree),
#   RTR_VM_TIMEOUT (seconds for the whole VM run, default 900), RTR_VM_SUITES (the guest
#   suites to run, default "machine cgroup v2 units": tests/vm/guest.sh names them).
# The last line is "N passed, N failed, N skipped".  A machine where qemu cannot start at
# all reports the lane skipped, with the reason, never passed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath -m "${1:-$src/build}")
tap=${2:-$build/vm-lane.tap}
cache=${RTR_VM_CACHE:-/var/cache/rtr-vm}
timeout_s=${RTR_VM_TIMEOUT:-900}

# skipped REASON: the lane could not run here at all.
skipped() {
	printf '1..0 # SKIP %s\n' "$*" | tee "$tap"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}
# failed REASON: the lane ran and broke before the guest reported.
failed() {
	printf 'not ok 1 - %s\n1..1\n' "$*" | tee "$tap"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
}

[[ $(id -u) == 0 ]] || skipped "the VM lane needs root (debootstrap, chroot)"
[[ ${RTR_VM_NO_DEPS:-0} == 1 ]] || "$src/tests/vm/deps.sh" x86 >&2 || skipped "tests/vm/deps.sh x86 failed"
command -v qemu-system-x86_64 >/dev/null || skipped "qemu-system-x86_64 is not installed"
# Can qemu start at all?  A TCG machine held stopped (-S) that is still up after 3 s can.
rc=0
why=$(timeout 3 qemu-system-x86_64 -accel tcg -M q35 -nodefaults -display none -S \
	-monitor none -serial none 2>&1) || rc=$?
((rc == 124)) || skipped "qemu-system-x86_64 cannot start: ${why:-exit $rc}"

mkdir -p "$cache"
img=$("$src/tests/vm/image-x86.sh" "$cache") || failed "building the guest image failed"
[[ -f $build/build.ninja ]] || meson setup "$build" -Dwerror=true >&2
ninja -C "$build" -j2 rtr-run pull/rtr-pull tests/probe >&2 || failed "the build failed"

w=$(mktemp -d /tmp/rtr-vm.XXXXXX)
trap 'rm -rf "$w"' EXIT
d=$w/data
mkdir -p "$d/bin" "$d/src/tests" "$d/src/contrib"
cp "$build/rtr-run" "$build/pull/rtr-pull" "$build/tests/probe" "$d/bin/"
cp -r "$src/tests/lib.sh" "$src/tests/cgroup.sh" "$src/tests/vm" "$src/tests/fixtures" "$d/src/tests/"
cp "$src/contrib/rtr@.service" "$d/src/contrib/"
cp "$src/tests/vm/guest.sh" "$d/run.sh"
echo "${RTR_VM_SUITES:-machine cgroup v2 units}" >"$d/suites"
mkfs.ext4 -q -L rtrdata -d "$d" "$w/data.img" 256M

t0=$(date +%s)
rc=0
timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
	-M q35 -nodefaults -display none -no-reboot -serial "file:$w/serial.log" \
	-kernel "$img/vmlinuz" \
	-append "root=/dev/nvme0n1 rootfstype=ext4 rw console=ttyS0 panic=-1 quiet systemd.unified_cgroup_hierarchy=1" \
	-drive "file=$img/root.img,if=none,id=root,format=raw,snapshot=on" -device nvme,drive=root,serial=root \
	-drive "file=$w/data.img,if=none,id=data,format=raw" -device nvme,drive=data,serial=data \
	>"$w/qemu.out" 2>&1 || rc=$?
echo "# VM run: $(($(date +%s) - t0)) s, qemu exit $rc" >&2
debugfs -R 'cat /results.tap' "$w/data.img" 2>/dev/null >"$w/results.tap" || true
if [[ ! -s $w/results.tap ]]; then
	echo "# no results from the guest; the end of its console:" >&2
	tail -30 "$w/serial.log" | sed 's/^/# /' >&2
	debugfs -R 'cat /console.log' "$w/data.img" 2>/dev/null | tail -30 | sed 's/^/# /' >&2
	((rc == 124)) && failed "the VM run timed out after $timeout_s s with no results"
	failed "the guest wrote no results (qemu exit $rc: $(head -c 300 "$w/qemu.out"))"
fi
((rc != 124)) || echo "not ok - the VM run timed out after $timeout_s s" >>"$w/results.tap"
cp "$w/results.tap" "$tap"
cat "$tap"
awk '/^not ok/ { f++; next } /^ok .*# *[Ss][Kk][Ii][Pp]/ { s++; next } /^ok/ { p++ }
	END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit f > 0 }' "$tap"
