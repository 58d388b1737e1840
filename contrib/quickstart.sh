#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job end to end on a fresh Debian 12 machine, as root: install the build
# dependencies, build rtr, turn an image into a bundle, run it with rtr-run.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	meson ninja-build pkg-config gcc libc6-dev \
	libseccomp-dev libyajl-dev zlib1g-dev libcurl4-openssl-dev libssl-dev \
	busybox-static

[[ -d build ]] || meson setup build
ninja -C build

T=$PWD/build/quickstart
rm -rf "$T"
mkdir -p "$T"
case $(dpkg --print-architecture 2>/dev/null || uname -m) in
amd64 | x86_64) arch=amd64 ;;
arm64 | aarch64) arch=arm64 ;;
armhf | armel | arm*) arch=arm ;;
*) arch=$(dpkg --print-architecture) ;;
esac

# ---- an image from the system's busybox -------------------------------------------------
# A single-layer `docker save` tarball, the format RouterOS imports: manifest.json, the
# image config and one layer.tar, made with nothing but tar and sha256sum.
img=$T/image
mkdir -p "$img/rootfs/bin" "$img/rootfs/etc" "$img/rootfs/tmp" "$img/archive"
cp /bin/busybox "$img/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
	[[ $applet == busybox ]] || ln -sf busybox "$img/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$img/rootfs/etc/passwd"
echo 'root:x:0:' >"$img/rootfs/etc/group"
tar --numeric-owner --owner=0 --group=0 -C "$img/rootfs" -cf "$img/archive/layer.tar" .
layer=$(sha256sum "$img/archive/layer.tar" | cut -d' ' -f1)
mkdir -p "$img/archive/$layer"
mv "$img/archive/layer.tar" "$img/archive/$layer/layer.tar"
cat >"$img/archive/config.json" <<JSON
{"architecture":"$arch","os":"linux",
 "config":{"Env":["PATH=/bin"],"Entrypoint":["/bin/sh","-c"],
  "Cmd":["echo \"Hello from \$(hostname): pid \$\$, \$(id)\"; ps; mount | cut -d' ' -f1-3"],
  "WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer"]}}
JSON
config=$(sha256sum "$img/archive/config.json" | cut -d' ' -f1)
mv "$img/archive/config.json" "$img/archive/$config.json"
echo "[{\"Config\":\"$config.json\",\"RepoTags\":[\"busybox:local\"],\"Layers\":[\"$layer/layer.tar\"]}]" \
	>"$img/archive/manifest.json"
tar -C "$img/archive" -cf "$T/busybox.tar" .

# ---- image -> bundle -> container ---------------------------------------------------------
run() {
	echo "+ $*"
	"$@"
}
run ./build/pull/rtr-pull docker-archive:"$T/busybox.tar" "$T/hello"
run ./build/rtr-run --hostname hello --memory 64M "$T/hello"
