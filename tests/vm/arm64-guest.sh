#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# arm64-guest.sh BUILD CACHE TIMEOUT: runs tests/vm/arm64-smoke.sh in an arm64 qemu guest
# (-M virt, TCG) and prints its TAP.  Debian 12's arm64 kernel (downloaded, unpacked,
# never installed) has virtio-blk, NVMe and ext4 as modules, so the whole guest is an
# initramfs: busybox-static, the cross-built rtr-run and rtr-pull with the sysroot's
# libraries they need, veth.ko, a test bundle and a docker-archive.  Results come back on
# the serial console between markers.  Without a working qemu it prints a SKIP plan.
set -euo pipefail
build=$1 cache=$2 timeout_s=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
sr=$cache/sysroot-arm64
command -v qemu-system-aarch64 >/dev/null || {
	echo "1..0 # SKIP qemu-system-aarch64 is not installed"
	exit 0
}
rc=0
why=$(timeout 3 qemu-system-aarch64 -accel tcg -M virt -nodefaults -display none -S \
	-monitor none -serial none 2>&1) || rc=$?
((rc == 124)) || {
	echo "1..0 # SKIP qemu-system-aarch64 cannot start: ${why:-exit $rc}"
	exit 0
}

# Debian's arm64 kernel and busybox-static, through the sysroot's own apt state.
k=$cache/arm64-kernel
if [[ ! -f $k/.complete ]]; then
	rm -rf "$k" && mkdir -p "$k"
	a=$sr.apt
	apt=(apt-get -q -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o "Dir::State=$a"
		-o "Dir::State::status=$a/status" -o "Dir::Cache=$a" -o "Dir::Etc::SourceList=$a/etc/sources.list"
		-o "Dir::Etc::SourceParts=$a/etc/none" -o Debug::NoLocking=true)
	kpkg=$("${apt[@]}" -qq install -s linux-image-arm64 2>/dev/null |
		awk '/^Inst linux-image-[0-9]/ { print $2; exit }')
	(cd "$k" && "${apt[@]}" download "$kpkg" busybox-static) >&2
	dpkg-deb -x "$k/$kpkg"_*.deb "$k/x"
	dpkg-deb -x "$k"/busybox-static_*.deb "$k/bb"
	touch "$k/.complete"
fi >&2

w=$(mktemp -d /tmp/rtr-arm64.XXXXXX)
trap 'rm -rf "$w"' EXIT
r=$w/root
mkdir -p "$r"/{bin,rtr/bin,lib,usr/lib/aarch64-linux-gnu,etc,sys/fs/cgroup,run,var/run}
cp "$k/bb/bin/busybox" "$r/bin/busybox"
ln -s busybox "$r/bin/sh" # for /init's #!; it installs the other applets
cp "$build/rtr-run" "$build/pull/rtr-pull" "$r/rtr/bin/"
cp "$src/tests/vm/arm64-smoke.sh" "$r/rtr/smoke.sh"
cp "$src/tests/vm/arm64-init.sh" "$r/init"
chmod 755 "$r/init"
cp "$(find "$k/x/lib/modules" -name veth.ko)" "$r/rtr/veth.ko"
echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
echo "root:x:0:" >"$r/etc/group"
# The dynamic loader and the library closure of the two programs.
cp -L "$sr/lib/ld-linux-aarch64.so.1" "$r/lib/"
need() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
todo=("$r/rtr/bin/rtr-run" "$r/rtr/bin/rtr-pull")
# libseccomp is not NEEDED but opened by rtr-run to compile a profile at run time.
cp -L "$sr/usr/lib/aarch64-linux-gnu/libseccomp.so.2" "$r/usr/lib/aarch64-linux-gnu/"
todo+=("$r/usr/lib/aarch64-linux-gnu/libseccomp.so.2")
while ((${#todo[@]})); do
	f=${todo[0]}
	todo=("${todo[@]:1}")
	for l in $(need "$f"); do
		[[ -e $r/usr/lib/aarch64-linux-gnu/$l ]] && continue
		cp -L "$sr/usr/lib/aarch64-linux-gnu/$l" "$r/usr/lib/aarch64-linux-gnu/$l"
		todo+=("$r/usr/lib/aarch64-linux-gnu/$l")
	done
done
ln -s ../usr/lib/aarch64-linux-gnu "$r/lib/aarch64-linux-gnu"
# A busybox + probe bundle from tests/lib.sh, with the arm64 busybox and probe.
(
	export RTR_SRCDIR=$src RTR_PROBE=$build/tests/probe T=$w
	. "$src/tests/lib.sh"
	make_bundle "$r/rtr/bundle" /bin/true
)
cp "$k/bb/bin/busybox" "$r/rtr/bundle/rootfs/bin/busybox"
# The default seccomp profile less one harmless name: compiled at run time in the guest.
qemu-aarch64-static -L "$sr" "$build/rtr-run" --print-default-seccomp |
	jq '.syscalls[0].names -= ["mq_notify"]' >"$r/rtr/custom.json"
# A docker save archive of the arm64 busybox.
mkdir -p "$w/bbpath" && cp "$k/bb/bin/busybox" "$w/bbpath/busybox"
PATH=$w/bbpath:$PATH python3 "$src/tests/fixtures/pull-images.py" docker-single "$r/rtr/image.tar" >&2
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$w/initrd.gz"

kver=$(ls "$k/x/lib/modules")
rc=0
timeout -k 10 "$timeout_s" qemu-system-aarch64 -M virt -accel tcg,thread=multi -cpu max -smp 2 \
	-m 2048 -nodefaults -display none -no-reboot -serial "file:$w/serial.log" \
	-kernel "$k/x/boot/vmlinuz-$kver" -initrd "$w/initrd.gz" \
	-append "console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=1" >"$w/qemu.out" 2>&1 || rc=$?
tr -d '\r' <"$w/serial.log" | sed -n '/^@@RTR-TAP-BEGIN@@$/,/^@@RTR-TAP-END@@$/p' |
	grep -v '^@@' >"$w/tap" || true
if grep -q '^1\.\.' "$w/tap"; then
	cat "$w/tap"
else
	cat "$w/tap"
	why="qemu exit $rc"
	((rc != 124)) || why="timed out after $timeout_s s"
	echo "not ok - the arm64 guest did not finish ($why)"
	tail -20 "$w/serial.log" | sed 's/^/# /'
fi
