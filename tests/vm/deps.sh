#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs on a Debian 12 host (as root, Debian's repositories only) what the VM and arm
# lanes run on the host: qemu (system x86-64 and arm, user-mode static), debootstrap,
# e2fsprogs, cpio, the cross compilers.  The arm64/armhf libraries rtr links are not
# installed here: tests/vm/sysroot.sh unpacks them from Debian's :arm64/:armhf packages
# into a sysroot, because multiarch installs must match the host's own versions exactly
# and a host updated from a newer snapshot than its mirror cannot satisfy that.
# Usage: tests/vm/deps.sh [x86|arm|all]   (default all)
set -euo pipefail
what=${1:-all}
export DEBIAN_FRONTEND=noninteractive
pkgs=(e2fsprogs ca-certificates)
[[ $what == arm ]] || pkgs+=(qemu-system-x86 debootstrap)
[[ $what == x86 ]] || pkgs+=(qemu-system-arm qemu-user-static cpio xz-utils
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross libc6-dev-armhf-cross)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
((${#missing[@]})) || exit 0
apt=(apt-get -o DPkg::Lock::Timeout=900)
"${apt[@]}" -y --no-install-recommends install "${missing[@]}" || {
	"${apt[@]}" update
	"${apt[@]}" -y --no-install-recommends install "${missing[@]}"
}
