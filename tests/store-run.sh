#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-run on store bundles (org.rtr.rootfs.store + org.rtr.rootfs.layers) and --rm:
# the union of the layers, writes into BUNDLE/upper with the store unchanged,
# --read-only, --rm leaving nothing (store and flat bundles), 130 layers, bad
# annotations, the messages where overlayfs cannot be used, and rtr-pull rm refusing a
# bundle a container runs from (unless --force).  The store is made by
# hand in the layout rtr-pull --store writes (STORE/layers/<hex>, overlayfs whiteouts).
set -euo pipefail
. "${RTR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
require_root
require_cmd jq python3 sha256sum
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip_all "needs overlayfs (modprobe overlay)"
grep -qw overlay /proc/filesystems || skip_all "needs overlayfs"
rtr_tmpdir
export RTR_STOP_TIMEOUT_S=2

S=$T/store
mkdir -p "$S/layers"

hex_of() { printf '%s' "$1" | sha256sum | cut -c1-64; }

# new_layer NAME: an empty layer directory; prints its hex id.
new_layer() {
	local h
	h=$(hex_of "$1")
	mkdir -p "$S/layers/$h"
	echo "$h"
}

opaque() { python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' "$1"; }

# Base: the busybox rootfs with a, b, gone, d/x, od/x.  Top: b overridden, gone
# whited out, od opaque with od/y, d/z added.
make_bundle "$T/tpl" /bin/true
BASE=$(hex_of base)
mv "$T/tpl/rootfs" "$S/layers/$BASE"
L=$S/layers/$BASE
echo base-a >"$L/a"
echo base-b >"$L/b"
echo base-gone >"$L/gone"
mkdir "$L/d" "$L/od"
echo x >"$L/d/x"
echo x >"$L/od/x"
TOP=$(new_layer top)
L=$S/layers/$TOP
echo top-b >"$L/b"
mknod "$L/gone" c 0 0
mkdir "$L/d" "$L/od"
echo z >"$L/d/z"
echo y >"$L/od/y"
opaque "$L/od"

# store_bundle DIR HEX...: a store bundle of the layers (base first) running ARGS later.
store_bundle() {
	local dir=$1 list="" h
	shift
	for h in "$@"; do
		list+="${list:+,}sha256:$h"
	done
	mkdir -p "$dir/rootfs" "$dir/upper" "$dir/work"
	jq --arg s "$S" --arg l "$list" \
		'.annotations["org.rtr.rootfs.store"] = $s | .annotations["org.rtr.rootfs.layers"] = $l' \
		"$T/tpl/config.json" >"$dir/config.json"
}

# A checksum of a tree: names, types, modes, sizes, mtimes and contents.
tree_sum() {
	(cd "$1" && find . -printf '%p %y %m %s %T@\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort) | sha256sum | cut -c1-64
}

# Mounts of the host that name the test directory (mount point or source).
host_mounts() { grep -F "$T" /proc/self/mountinfo || true; }

B=$T/sb
store_bundle "$B" "$BASE" "$TOP"
before=$(tree_sum "$S/layers")

# ---- the union --------------------------------------------------------------------------
run "$RTR_RUN" --name sr-union "$B" -- /bin/sh -c \
	'cat /a /b; ls /d | tr "\n" " "; echo; ls /od | tr "\n" " "; echo; ls /gone 2>&1 || true'
is "$rc" 0 "a store bundle runs"
like "$out" '^base-a$' "  a file of the base layer"
like "$out" '^top-b$' "  a file the top layer overrides"
unlike "$out" '^base-b$' "  the overridden version is hidden"
like "$out" '^x z $' "  directories of both layers merged"
like "$out" '^y $' "  an opaque directory hides the lower one's content"
like "$out" 'gone.*No such file' "  a whiteout deletes the base layer's file"
is "$(host_mounts)" "" "  nothing stays mounted on the host"

run "$RTR_RUN" --name sr-union "$B" -- /bin/sh -c 'grep " / / " /proc/self/mountinfo'
like "$out" ' - overlay overlay ' "  the root is an overlay"
unlike "$out" "$S|$B" "  its mount table names no host path"

# ---- writes go to BUNDLE/upper ------------------------------------------------------------
run "$RTR_RUN" --name sr-write "$B" -- /bin/sh -c \
	'echo new >/new; echo more >>/b; rm /a; mkdir -p /var/w && echo w >/var/w/f'
is "$rc" 0 "the container writes"
is "$(cat "$B/upper/new" 2>/dev/null)" "new" "  a new file lands in BUNDLE/upper"
is "$(cat "$B/upper/b" 2>/dev/null | tr '\n' ' ')" "top-b more " "  a changed file is copied up"
is "$(stat -c '%F %t:%T' "$B/upper/a" 2>/dev/null)" "character special file 0:0" \
	"  a deleted file is a whiteout in the upper"
is "$(tree_sum "$S/layers")" "$before" "  the layer directories are unchanged"
run "$RTR_RUN" --name sr-write "$B" -- /bin/sh -c 'cat /new /var/w/f; ls /a 2>&1 || true'
like "$out" '^new$' "  the next run sees the changes"
like "$out" 'a.*No such file' "  and the deletion"

# ---- --read-only ---------------------------------------------------------------------------
up_before=$(tree_sum "$B/upper")
run "$RTR_RUN" --name sr-ro --read-only "$B" -- /bin/sh -c 'cat /b /new; touch /ro 2>&1; true'
is "$rc" 0 "--read-only on a store bundle runs"
like "$out" 'Read-only file system' "  the root is read-only"
like "$out" '^top-b$' "  and shows the layers"
like "$out" '^new$' "  with what BUNDLE/upper holds on top"
is "$(tree_sum "$B/upper")" "$up_before" "  BUNDLE/upper is not touched"
is "$(tree_sum "$S/layers")" "$before" "  the layers are unchanged"
bundle_jq "$B" '.root.readonly = true'
run "$RTR_RUN" --name sr-ro "$B" -- /bin/sh -c 'touch /ro 2>&1; true'
like "$out" 'Read-only file system' "  root.readonly likewise"
bundle_jq "$B" '.root.readonly = false'

# ---- --rm on a store bundle ------------------------------------------------------------------
run "$RTR_RUN" --name sr-rm --rm "$B" -- /bin/sh -c \
	'echo gone >/rm-new; echo x >>/new; rm /var/w/f; cat /rm-new /new'
is "$rc" 0 "--rm on a store bundle runs"
like "$out" '^gone$' "  the container writes"
is "$(sed -n '2,3p' <<<"$out" | tr '\n' ' ')" "new x " "  over what BUNDLE/upper holds"
is "$(tree_sum "$B/upper")" "$up_before" "  BUNDLE/upper is unchanged afterwards"
is "$(tree_sum "$S/layers")" "$before" "  the layers are unchanged"
is "$(host_mounts)" "" "  nothing stays mounted on the host"
run "$RTR_RUN" --name sr-rm --ephemeral "$B" -- /bin/sh -c 'ls /rm-new 2>&1; true'
like "$out" 'No such file' "--ephemeral: the last run's change is gone"

# While it runs, the overlay and its tmpfs exist only in the container's namespace.
"$RTR_RUN" --name sr-rm-live --rm "$B" -- /bin/sleep 31.7 >/dev/null 2>&1 &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
if wait_for 10 pgrep -f 'sleep 31.7'; then
	is "$(host_mounts)" "" "--rm: while it runs nothing is mounted on the host"
	is "$(grep -c " $B/rootfs " /proc/self/mountinfo || true)" 0 "  not on its rootfs either"
else
	not_ok "--rm: the container started"
fi
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

run "$RTR_RUN" --name sr-rm-size --rm --rm-size 1M "$B" -- /bin/sh -c \
	'dd if=/dev/zero of=/big bs=1k count=4096 2>&1; true'
like "$out" 'No space left on device' "--rm-size caps the container's changes"
run "$RTR_RUN" --name sr-rm-size --rm --rm-size 1x "$B"
is "$rc" 125 "--rm-size checks its value"
is "$err" "rtr-run: sr-rm-size: --rm-size 1x: expected a size like 64M (at least 4K)" \
	"  and says what it expects"

# ---- --rm on a flat bundle -------------------------------------------------------------------
F=$T/flat
make_bundle "$F" /bin/true
flat_before=$(tree_sum "$F/rootfs")
run "$RTR_RUN" --name sr-flat --rm "$F" -- /bin/sh -c \
	'echo hi >/flat-new; rm /etc/hostname; echo y >>/etc/passwd; cat /flat-new'
is "$rc" 0 "--rm on a flat bundle runs"
is "$out" "hi" "  the container writes"
is "$(tree_sum "$F/rootfs")" "$flat_before" "  the bundle's rootfs is unchanged"
is "$(host_mounts)" "" "  nothing stays mounted on the host"
run "$RTR_RUN" --name sr-flat --rm --read-only "$F" -- /bin/sh -c 'touch /x 2>&1; true'
like "$out" 'Read-only file system' "--rm --read-only on a flat bundle: read-only"
is "$(tree_sum "$F/rootfs")" "$flat_before" "  the rootfs is unchanged"

run "$RTR_RUN" --name sr-flat-userns --userns 300000:65536 --rm "$F" -- /bin/sh -c \
	'echo hi >/u-new; cat /u-new; id -u'
if [[ $rc == 0 ]]; then
	is "$out" $'hi\n0' "--rm on a flat bundle in a user namespace"
	is "$(tree_sum "$F/rootfs")" "$flat_before" "  the rootfs is unchanged"
else
	like "$err" 'overlayfs refused the mount in the container.s user namespace' \
		"--rm in a user namespace: the kernel refuses, and the message says so"
	diag "$err"
fi

# ---- many layers -----------------------------------------------------------------------------
hexes=("$BASE")
for i in $(seq 1 129); do
	h=$(new_layer "many-$i")
	echo "$i" >"$S/layers/$h/f$i"
	echo "$i" >"$S/layers/$h/top"
	hexes+=("$h")
done
M=$T/many
store_bundle "$M" "${hexes[@]}"
run "$RTR_RUN" --name sr-many "$M" -- /bin/sh -c 'cat /top /f1 /f129 /a'
is "$rc" 0 "a store bundle of 130 layers runs"
is "$out" $'129\n1\n129\nbase-a' "  and sees every layer, the last on top"
run "$RTR_RUN" --name sr-many --rm "$M" -- /bin/sh -c 'echo x >/w; cat /top'
is "$out" "129" "  with --rm too"
for i in $(seq 130 498); do
	h=$(new_layer "many-$i")
	echo "$i" >"$S/layers/$h/top"
	hexes+=("$h")
done
store_bundle "$M" "${hexes[@]}"
run "$RTR_RUN" --name sr-many "$M" -- /bin/sh -c 'cat /top /f1'
is "$out" $'498\n1' "499 layers (with BUNDLE/upper the 500 overlayfs stacks) run"
run "$RTR_RUN" --name sr-many --rm "$M" -- /bin/cat /top
is "$out" "498" "  with --rm too (BUNDLE/upper the 500th lower layer)"
store_bundle "$M" "${hexes[@]}" "$BASE"
run "$RTR_RUN" --name sr-many "$M"
is "$err" "rtr-run: sr-many: config.json: .annotations[\"org.rtr.rootfs.layers\"]: more than 499 layers (overlayfs stacks 500, one of them the bundle's upper/)" \
	"  500 are refused"

# ---- bad annotations: refused before anything is made ------------------------------------------
X=$T/bad
store_bundle "$X" "$BASE" "$TOP"
x_up=$(tree_sum "$X/upper")
bundle_jq "$X" '.annotations["org.rtr.rootfs.layers"] = "sha256:abc"'
run "$RTR_RUN" --name sr-bad "$X"
is "$rc" 125 "a bad digest is refused"
is "$err" 'rtr-run: sr-bad: config.json: .annotations["org.rtr.rootfs.layers"]: expected sha256:<64 lowercase hex digits>, got "sha256:abc"' \
	"  the message names the annotation and the value"
missing=$(hex_of missing)
bundle_jq "$X" '.annotations["org.rtr.rootfs.layers"] = $l' --arg l "sha256:$BASE,sha256:$missing"
run "$RTR_RUN" --name sr-bad "$X"
is "$rc" 125 "a layer missing from the store is refused"
is "$err" "rtr-run: sr-bad: config.json: .annotations[\"org.rtr.rootfs.layers\"]: layer 2 of 2, sha256:$missing, is not in the store $S: No such file or directory" \
	"  the message names the layer and the store"
bundle_jq "$X" 'del(.annotations["org.rtr.rootfs.store"])'
run "$RTR_RUN" --name sr-bad "$X"
is "$err" 'rtr-run: sr-bad: config.json: .annotations["org.rtr.rootfs.layers"]: needs .annotations["org.rtr.rootfs.store"] too (a store bundle names both)' \
	"layers without a store are refused"
bundle_jq "$X" '.annotations["org.rtr.rootfs.store"] = "store"'
run "$RTR_RUN" --name sr-bad "$X"
like "$err" 'org.rtr.rootfs.store"\]: expected the absolute path of a layer store, got "store"' \
	"a relative store path is refused"
bundle_jq "$X" '.annotations["org.rtr.rootfs.store"] = $s' --arg s "$T/nostore"
run "$RTR_RUN" --name sr-bad "$X"
like "$err" "org.rtr.rootfs.store\"\]: the layer store $T/nostore/layers: No such file or directory" \
	"a missing store is refused"
is "$(host_mounts)" "" "  nothing mounted"
is "$(tree_sum "$X/upper")" "$x_up" "  nothing written"
run "$RTR_RUN" ps
unlike "$out" 'sr-bad' "  no container left"

# ---- rtr-pull rm of a bundle a container runs from ------------------------------------------
# rtr-run holds the bundle locked (runner/inuse.h); rm names the container from the
# bundle rtr-run records on its cgroup, found as ps finds it (tests/inuse.sh: elsewhere).
busy_run() { # NAME BUNDLE SECONDS: a container sleeping in the background, started
	"$RTR_RUN" --name "$1" "$2" -- /bin/sleep "$3" >/dev/null 2>&1 &
	RTR_PIDS="$RTR_PIDS $!"
	busy_pid=$!
	wait_for 10 pgrep -f "sleep $3" >/dev/null || not_ok "$1: the container started"
}
busy_end() { # NAME
	"$RTR_RUN" stop -t 1 "$1" >/dev/null 2>&1 || true
	wait "$busy_pid" 2>/dev/null || true
}
RB=$T/rmb
store_bundle "$RB" "$BASE" "$TOP"
busy_run sr-rm-busy "$RB" 32.5
run "$RTR_PULL" rm "$RB"
is "$rc" 1 "rtr-pull rm of a bundle a container runs from is refused"
is "$err" "rtr-pull: $RB: container sr-rm-busy runs from this bundle (stop it first, or rm --force)" \
	"  the message names the container"
[[ -f $RB/config.json && -d $RB/upper ]] && ok "  the bundle is untouched" || not_ok "  the bundle is untouched"
run "$RTR_PULL" rm "$T/./rmb/"
like "$err" "container sr-rm-busy runs from" "  also when named by another path"
busy_end sr-rm-busy
run "$RTR_PULL" rm "$RB"
is "$rc:$err" "0:" "rm once the container stopped" || diag "$err"
[[ ! -e $RB ]] && ok "  the bundle is gone" || not_ok "  the bundle is gone"

# A container whose linux.cgroupsPath put it elsewhere is found through its record.
store_bundle "$RB" "$BASE" "$TOP"
bundle_jq "$RB" '.linux.cgroupsPath = "/sr-rm-elsewhere/ctr"'
busy_run sr-rm-at "$RB" 32.6
run "$RTR_PULL" rm "$RB"
is "$rc:$err" "1:rtr-pull: $RB: container sr-rm-at runs from this bundle (stop it first, or rm --force)" \
	"rm is refused for a container with its own cgroupsPath too"
run "$RTR_PULL" rm --force "$RB"
is "$rc" 0 "rm --force removes it while the container runs" || diag "$err"
[[ ! -e $RB ]] && ok "  the bundle is gone" || not_ok "  the bundle is gone"
busy_end sr-rm-at
run "$RTR_RUN" ps
unlike "$out" 'sr-rm-' "  no container left"

# ---- where overlayfs cannot be used ------------------------------------------------------------
run "$RTR_RUN" --name sr-userns --userns 300000:65536 "$B"
is "$rc" 125 "a store bundle in a user namespace is refused"
like "$err" 'a store bundle cannot run in a user namespace .*pull a flat bundle' \
	"  the message says why and what to do"

# BUNDLE/upper on an overlayfs: the kernel refuses it as an upper.
O=$T/ovl
mkdir -p "$O/lo" "$O/up" "$O/wk" "$O/m"
store_bundle "$O/lo/b" "$BASE" "$TOP"
mount -t overlay -o "lowerdir=$O/lo,upperdir=$O/up,workdir=$O/wk" none "$O/m"
run "$RTR_RUN" --name sr-ovl "$O/m/b"
is "$rc" 125 "BUNDLE/upper on overlayfs is refused"
is "$err" "rtr-run: sr-ovl: rootfs: overlayfs of 2 layers on $O/m/b/rootfs: the bundle's upper/ is on overlayfs, which cannot hold the upper layer of another overlay; run with --rm (its upper is a tmpfs), or pull a flat bundle (rtr-pull without --store)" \
	"  the message names the cause and what to do"
run "$RTR_RUN" --name sr-ovl --rm "$O/m/b" -- /bin/cat /b
is "$out" "top-b" "  with --rm it runs"
umount "$O/m"
is "$(host_mounts)" "" "nothing of the tests stays mounted"

done_testing
