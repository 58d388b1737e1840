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
	libseccomp-dev libcap-dev libyajl-dev zlib1g-dev libcurl4-openssl-dev libssl-dev \
	busybox-static jq

[[ -d build ]] || meson setup build
ninja -C build

# ---- image -> bundle -------------------------------------------------------------------
# For now the bundle is made from the system's busybox-static by the test helpers.
# (When rtr-pull imports docker-archive tarballs, this step becomes:
#  make a `docker save`-style busybox tarball, then `./build/pull/rtr-pull TARBALL BUNDLE`.)
export T=$PWD/build/quickstart RTR_BUILDDIR=$PWD/build
. tests/lib.sh
rm -rf "$T"
mkdir -p "$T"
make_bundle "$T/hello" /bin/sh -c \
	'echo "Hello from $(hostname): pid $$, $(id)"; echo "processes:"; ps; echo "mounts:"; mount | cut -d" " -f1-5'

# ---- run it ------------------------------------------------------------------------------
echo "+ ./build/rtr-run --hostname hello $T/hello"
./build/rtr-run --hostname hello "$T/hello"
