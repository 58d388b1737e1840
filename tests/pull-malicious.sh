#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile images: each one is refused, or unpacked with the attack contained in the rootfs.
# For every case: nothing outside the bundle's rootfs changes (a checksum listing of the
# whole test directory, minus the output directory, is the same before and after; the
# host paths the attacks aim at do not appear), and a refused pull leaves no bundle and no
# temporary directory.  Every case runs with openat2 and with the forced O_NOFOLLOW walk,
# each into a flat bundle and into the layer store (--store: overlayfs whiteouts, the
# layer's own directory as the root; a refused layer is never committed to the store).
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd python3 jq
rtr_tmpdir
# RTR_COMPAT as the suite was started with (old-kernel in .ci/run's compat run); the
# fallback mode adds no-openat2 (the in-root walk) to it.
compat0=${RTR_COMPAT-}
export RTR_COMPAT

FIX="$RTR_SRCDIR/tests/fixtures"
SB="$T/sandbox"       # what the attacks aim at
OUT="$T/out"          # the bundles' parent
IMG="$T/img"
mkdir -p "$SB/sub" "$OUT" "$IMG"
echo "precious" >"$SB/victim"
echo "also precious" >"$SB/sub/file"
chmod 0644 "$SB/victim"

# Expected outcome per case: "refuse" (non-zero exit, message matching the pattern) or
# "contain" (success; the attack lands inside the rootfs or is skipped).
declare -A want=(
	[dotdot]='refuse:leaves the root'
	[dotdot-deep]='refuse:leaves the root'
	[absolute]='contain'
	[symlink-root-file]='contain'
	[symlink-dotdot]='contain'
	[symlink-abs-dir]='contain'
	[symlink-then-overwrite]='contain'
	[symlink-parent-write]='contain'
	[hardlink-outside]='refuse:hard link target'
	[hardlink-dotdot]='refuse:leaves the root'
	[hardlink-via-symlink]='refuse:hard link target'
	[hardlink-dir]='refuse:hard link to a directory'
	[whiteout-dotdot]='refuse:leaves the root'
	[whiteout-via-symlink]='contain'
	[opaque-via-symlink]='contain'
	[device-node]='contain'
	[symlink-loop]='refuse:(Too many levels of symbolic links|Symbolic link loop)' # glibc|musl
	[dir-replaced-by-symlink]='contain'
	[truncated]='refuse:truncated'
	[bad-checksum]='refuse:checksum'
	[corrupt-gzip]='refuse:corrupt gzip'
	[digest-mismatch]='refuse:diff_id mismatch'
	[size-bomb]='refuse:exceed the limit'
	[entry-bomb]='refuse:more than 1000 entries'
	[nul-in-name]='refuse:bad PAX record'
	[huge-pax]='refuse:extended header too large'
	[long-name-bomb]='refuse:bad GNU long name'
	[zstd-layer]='refuse:zstd'
	[manifest-escape]='refuse:not in the archive'
)

# Where a contained attack must land (inside the rootfs), per case.
declare -A lands=(
	[absolute]="$SB/abs-escape"
	[symlink-root-file]="$SB/via-root"
	[symlink-dotdot]="$SB/via-up"
	[symlink-abs-dir]="$SB/via-abs"
	[symlink-parent-write]="$SB/newdir/f"
	[dir-replaced-by-symlink]="$SB/through"
)

listing() {
	# everything under $T except the bundles' parent and the images: path, type, mode,
	# owner, size, content checksum
	(cd "$T" && find . -path ./out -prune -o -path ./img -prune -o -printf '%p %y %m %U:%G %s\n' | sort
	 find . -path ./out -prune -o -path ./img -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
}

host_marks() {
	# paths a successful escape would create on the host
	ls -d /escape-dotdot /escape-deep /escape-nul "$T/escape-dotdot" "$OUT/escape-dotdot" \
		"$OUT/../escape-deep" /abs-escape 2>/dev/null || true
}

mapfile -t cases < <(python3 "$FIX/pull-images.py" list-malicious)
if ((${#cases[@]} < 20)); then
	not_ok "at least 20 hostile images" "only ${#cases[@]}"
fi
before=$(listing)
marks_before=$(host_marks)

STORE="$OUT/store"
# root MODE BUNDLE: where the image's files are: the rootfs, or the store layer.
root() {
	if [[ $1 == store* ]]; then
		echo "$STORE/layers/$(jq -r '.annotations["org.rtr.rootfs.layers"]' "$2/config.json" |
			sed 's/.*sha256://')"
	else
		echo "$2/rootfs"
	fi
}
store_layers() { { find "$STORE/layers" -mindepth 1 -maxdepth 1 2>/dev/null || true; } | sort; }

for c in "${cases[@]}"; do
	args=$(python3 "$FIX/pull-images.py" malicious "$c" "$IMG/$c.tar" "$SB")
	for mode in openat2 fallback store store-fallback; do
		if [[ $mode == *fallback ]]; then RTR_COMPAT=${compat0:+$compat0,}no-openat2; else RTR_COMPAT=$compat0; fi
		sargs=()
		[[ $mode == store* ]] && sargs=("--store=$STORE")
		b="$OUT/$c-$mode"
		layers_before=$(store_layers)
		# shellcheck disable=SC2086
		run "$RTR_PULL" "${sargs[@]}" $args "$IMG/$c.tar" "$b"
		w=${want[$c]:-refuse:}
		if [[ $w == contain ]]; then
			if [[ $rc -eq 0 ]]; then
				ok "$c ($mode): unpacked, attack contained"
			else
				not_ok "$c ($mode): unpacked, attack contained" "$err"
			fi
			if [[ -n "${lands[$c]:-}" && $rc -eq 0 ]]; then
				r=$(root $mode "$b")
				if [[ -e "$r${lands[$c]}" ]]; then
					ok "$c ($mode): landed inside the rootfs"
				else
					not_ok "$c ($mode): landed inside the rootfs" \
						"$(cd "$r" 2>/dev/null && find . | head)"
				fi
			fi
		else
			pat=${w#refuse:}
			if [[ $rc -ne 0 && "$err" =~ $pat ]]; then
				ok "$c ($mode): refused ($pat)"
			else
				not_ok "$c ($mode): refused ($pat)" "rc=$rc" "$err"
			fi
			if [[ ! -e "$b" ]]; then
				ok "$c ($mode): no bundle left"
			else
				not_ok "$c ($mode): no bundle left"
			fi
			if [[ $mode == store* ]]; then
				is "$(store_layers)" "$layers_before" "$c ($mode): no layer committed to the store"
			fi
		fi
		left=$(find "$OUT" -maxdepth 1 -name '.*.tmp-*')
		if [[ -z "$left" ]]; then ok "$c ($mode): no temporary directory left"; else not_ok "$c ($mode): no temporary directory left" "$left"; fi
		now=$(listing)
		if [[ "$now" == "$before" ]]; then
			ok "$c ($mode): nothing outside the bundle changed"
		else
			not_ok "$c ($mode): nothing outside the bundle changed" \
				"$(diff <(echo "$before") <(echo "$now") | head -10)"
			before=$now
		fi
		is "$(host_marks)" "$marks_before" "$c ($mode): no escape marks on the host"
	done
done
RTR_COMPAT=$compat0

# Specific checks of contained cases
is "$(cat "$SB/victim")" precious "victim file intact after all attacks"
b="$OUT/symlink-then-overwrite-openat2/rootfs"
[[ -f "$b/v" && ! -L "$b/v" && "$(cat "$b/v")" == overwritten ]] &&
	ok "a file entry replaces a symlink instead of writing through it" ||
	not_ok "a file entry replaces a symlink instead of writing through it"
[[ ! -e "$OUT/device-node-openat2/rootfs/dev-mem" ]] && ok "device node skipped without --allow-devices" ||
	not_ok "device node skipped without --allow-devices"
run "$RTR_PULL" "$IMG/device-node.tar" "$OUT/dev-warn"
like "$err" 'dev-mem: device node skipped' "device skip is warned about"

done_testing
