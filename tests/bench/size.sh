#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Stripped sizes of rtr-run and rtr-pull, per build, next to crun and systemd-nspawn as
# installed on this host.  rtr's limit is 150 KiB each for the x86-64 release build
# (meson setup --buildtype=release): a row of a release build over it says OVER.
#
#   tests/bench/size.sh [NAME=BUILDDIR ...]
#       e.g. x86-64=build-rel arm64=build-aarch64 armhf=build-armhf musl=build-musl
#   Without arguments: ${RTR_BUILDDIR:-build}, named after its architecture, and the
#   NAME=BUILDDIR words of RTR_SIZE_BUILDS.  A build directory without both binaries is
#   listed as missing.  Needs no root; exits 0 (it measures, the numbers are read).
set -euo pipefail
cd "${RTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
LIMIT_KIB=150

# The machine of an ELF file, as readelf names it ("Advanced Micro Devices X86-64", "AArch64").
machine() { readelf -h "$1" 2>/dev/null | sed -n 's/^ *Machine: *//p'; }

# strip_size FILE: bytes of FILE stripped, by a strip that knows its architecture.
strip_size() {
	local t s
	t=$(mktemp)
	for s in strip aarch64-linux-gnu-strip arm-linux-gnueabihf-strip llvm-strip \
		$(compgen -c llvm-strip- | sort -u); do
		command -v "$s" >/dev/null || continue
		if "$s" -o "$t" "$1" 2>/dev/null; then
			stat -c %s "$t"
			rm -f "$t"
			return
		fi
	done
	rm -f "$t"
	echo "?"
}

kib() { [[ $1 == "?" ]] && echo "?" || awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }

buildtype() {
	jq -r '.[] | select(.name == "buildtype") | .value' "$1/meson-info/intro-buildoptions.json" \
		2>/dev/null || echo "?"
}

builds=("$@")
if ((${#builds[@]} == 0)); then
	d=${RTR_BUILDDIR:-build}
	case $(machine "$d/rtr-run") in
	*X86-64*) n=x86-64 ;;
	*AArch64*) n=arm64 ;;
	ARM) n=armhf ;;
	*) n=$(basename "$d") ;;
	esac
	builds=("$n=$d")
	read -ra extra <<<"${RTR_SIZE_BUILDS:-}"
	builds+=("${extra[@]}")
fi

printf '# stripped sizes in KiB (1024 bytes); limit %d KiB each for the x86-64 release build\n' \
	"$LIMIT_KIB"
printf '%-16s %-15s %-10s %9s %9s  %s\n' build buildtype machine rtr-run rtr-pull ""
for b in "${builds[@]}"; do
	n=${b%%=*} d=${b#*=}
	if [[ ! -f $d/rtr-run || ! -f $d/pull/rtr-pull ]]; then
		printf '%-16s %s\n' "$n" "missing ($d has no rtr-run and pull/rtr-pull)"
		continue
	fi
	bt=$(buildtype "$d")
	m=$(machine "$d/rtr-run")
	case $m in *X86-64*) m=x86-64 ;; *AArch64*) m=aarch64 ;; ARM) m=arm ;; esac
	run=$(strip_size "$d/rtr-run") pull=$(strip_size "$d/pull/rtr-pull")
	verdict=""
	# The limit is for the dynamically linked build; a static one carries its libraries.
	if ! readelf -lW "$d/rtr-run" | grep -q INTERP; then
		verdict="static (libc and libraries included)"
	elif [[ $bt == release && $m == x86-64 && $run != "?" && $pull != "?" ]]; then
		if ((run <= LIMIT_KIB * 1024 && pull <= LIMIT_KIB * 1024)); then
			verdict="ok (headroom $(kib $((LIMIT_KIB * 1024 - run))) / $(kib $((LIMIT_KIB * 1024 - pull))) KiB)"
		else
			verdict="OVER the ${LIMIT_KIB} KiB limit"
		fi
	fi
	printf '%-16s %-15s %-10s %9s %9s  %s\n' "$n" "$bt" "$m" "$(kib "$run")" "$(kib "$pull")" \
		"$verdict"
done
for p in crun systemd-nspawn runc; do
	f=$(command -v "$p" 2>/dev/null) || {
		printf '%-16s %s\n' "$p" "not installed"
		continue
	}
	printf '%-16s %-15s %-10s %9s  (%s, host package)\n' "$p" "-" "x86-64" \
		"$(kib "$(strip_size "$f")")" "$f"
done
