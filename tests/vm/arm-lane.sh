#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The arm lane: rtr cross-built for arm64 and armhf with contrib/cross-*.ini over a sysroot
# of Debian 12's own :arm64/:armhf packages (tests/vm/sysroot.sh), then
#  - armhf, under qemu-user: rtr-run --version, the unit tests (json, inroot (its
#    fallback walk: qemu-user has no openat2), parse, ref, and
#    seccomp: the precompiled default filter = a run-time compile on armhf), and
#    tests/pull-archive.sh with the armhf rtr-pull (the bundles it writes run under the
#    host's rtr-run);
#  - arm64: the same unit tests under qemu-user, then tests/vm/arm64-smoke.sh in an arm64
#    guest (qemu-system-aarch64 -M virt, TCG, Debian's arm64 kernel, an initramfs).
# Needs root and Debian 12; tests/vm/deps.sh arm installs qemu and the cross compilers
# unless RTR_VM_NO_DEPS=1.
#
# Usage: tests/vm/arm-lane.sh [HOSTBUILD [TAPFILE]]
#   HOSTBUILD  the x86-64 build whose rtr-run runs the armhf-pulled bundles (default: build)
#   TAPFILE    the lane's TAP (default: HOSTBUILD/arm-lane.tap)
# Cross builds go to RTR_VM_CACHE/build-{arm64,armhf}-<tree hash> (outside the tree).
# Environment: RTR_VM_CACHE (default /var/cache/rtr-vm), RTR_VM_TIMEOUT (default 600 s).
# The last line is "N passed, N failed, N skipped".
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
hostbuild=$(realpath -m "${1:-$src/build}")
tap=$(realpath -m "${2:-$hostbuild/arm-lane.tap}")
cache=${RTR_VM_CACHE:-/var/cache/rtr-vm}
timeout_s=${RTR_VM_TIMEOUT:-600}
mkdir -p "$cache" "$(dirname "$tap")"
: >"$tap"
n=0

# t OK|FAIL|SKIP DESC [DIAG...]: one TAP line into the lane's file and on stdout
t() {
	local r=$1 d=$2 l
	shift 2
	n=$((n + 1))
	case $r in
	OK) echo "ok $n - $d" ;;
	SKIP) echo "ok $n - $d # SKIP $*" && set -- ;;
	*) echo "not ok $n - $d" ;;
	esac | tee -a "$tap"
	for l in "$@"; do
		sed 's/^/# /' <<<"$l" | tee -a "$tap"
	done
}
# sub NAME FILE: appends the checks of a TAP file, renumbered and prefixed with NAME
sub() {
	local l d
	while IFS= read -r l; do
		case $l in
		"ok "* | "not ok "*)
			d=$(sed -E 's/^(not )?ok [0-9]* *-? *//' <<<"$l")
			if [[ $l == not* ]]; then t FAIL "$1: $d"; else
				[[ $d == *"# SKIP"* ]] && t SKIP "$1: ${d%%# SKIP*}" "${d#*# SKIP}" || t OK "$1: $d"
			fi
			;;
		"1..0"*) t SKIP "$1" "${l#*SKIP}" ;;
		"#"*) echo "$l" | tee -a "$tap" ;;
		esac
	done <"$2"
	grep -q '^1\.\.' "$2" || t FAIL "$1: did not finish (no TAP plan)" "$(tail -5 "$2")"
}
finish() {
	echo "1..$n" >>"$tap"
	awk '/^not ok/ { f++; next } /^ok .*# SKIP/ { s++; next } /^ok/ { p++ }
		END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit f > 0 }' "$tap"
	exit
}

if [[ $(id -u) != 0 ]]; then
	t SKIP "arm lane" "needs root"
	finish
fi
if [[ ${RTR_VM_NO_DEPS:-0} != 1 ]] && ! "$src/tests/vm/deps.sh" arm >&2; then
	t SKIP "arm lane" "tests/vm/deps.sh arm failed"
	finish
fi

# ---- cross builds ---------------------------------------------------------------------------
key=$(sha256sum <<<"$src" | cut -c1-12)
declare -A B
for a in arm64 armhf; do
	case $a in arm64) cf=cross-aarch64.ini ;; armhf) cf=cross-armhf.ini ;; esac
	sr=$cache/sysroot-$a
	B[$a]=$cache/build-$a-$key
	if ! "$src/tests/vm/sysroot.sh" "$a" "$sr" >&2; then
		t FAIL "$a: sysroot of Debian's $a packages"
		continue
	fi
	if [[ ! -f ${B[$a]}/build.ninja ]]; then
		meson setup "${B[$a]}" "$src" --cross-file "$src/contrib/$cf" --cross-file "$sr.ini" \
			-Dwerror=true >&2 || true
	fi
	if ninja -C "${B[$a]}" -j2 >&2; then
		t OK "$a: cross build with -Werror ($(file -b "${B[$a]}/rtr-run" | cut -d, -f1-2))"
	else
		t FAIL "$a: cross build with -Werror"
		unset "B[$a]"
	fi
done

# ---- under qemu-user --------------------------------------------------------------------------
for a in armhf arm64; do
	[[ -n ${B[$a]:-} ]] || continue
	q=qemu-arm-static
	[[ $a == arm64 ]] && q=qemu-aarch64-static
	v=$("$q" -L "$cache/sysroot-$a" "${B[$a]}/rtr-run" --version 2>&1) || true
	[[ $v == "rtr-run 0.1.0" ]] && t OK "$a: rtr-run --version under $q" || t FAIL "$a: rtr-run --version under $q" "$v"
	for u in json inroot parse ref seccomp; do
		rc=0
		"$q" -L "$cache/sysroot-$a" "${B[$a]}/tests/$u-test" >"$cache/$a-$u.tap" 2>&1 || rc=$?
		sub "$a: $u-test under $q" "$cache/$a-$u.tap"
		((rc == 0 || rc == 77)) || t FAIL "$a: $u-test exited $rc"
	done
done
# ---- the arm64 guest ----------------------------------------------------------------------------
if [[ -n ${B[arm64]:-} ]]; then
	"$src/tests/vm/arm64-guest.sh" "${B[arm64]}" "$cache" "$timeout_s" >"$cache/arm64-smoke.tap" || true
	sub "arm64 VM" "$cache/arm64-smoke.tap"
fi
# tests/pull-archive.sh waits for the machine-wide suite lock; last, so the guest need not.
if [[ -n ${B[armhf]:-} ]]; then
	w=$(mktemp -d /tmp/rtr-arm.XXXXXX)
	printf '#!/bin/sh\nexec qemu-arm-static -L %s %s "$@"\n' "$cache/sysroot-armhf" \
		"${B[armhf]}/pull/rtr-pull" >"$w/rtr-pull"
	chmod 755 "$w/rtr-pull"
	[[ -x $hostbuild/rtr-run ]] || ninja -C "$hostbuild" -j2 rtr-run tests/probe >&2 || true
	RTR_PULL=$w/rtr-pull RTR_PULL_PLATFORM=arm-v7 RTR_RUN=$hostbuild/rtr-run RTR_PROBE=$hostbuild/tests/probe \
		RTR_SRCDIR=$src RTR_BUILDDIR=$hostbuild timeout 900 \
		flock /tmp/rtr-test.lock bash "$src/tests/pull-archive.sh" >"$w/pull-archive.tap" 2>&1 || true
	sub "armhf: pull-archive with rtr-pull under qemu-arm-static" "$w/pull-archive.tap"
	rm -rf "$w"
fi

finish
