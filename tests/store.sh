#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-pull --store: the layer store (pull/store.h).  Bundles of one image share every
# layer; a second image with the same base unpacks (and downloads) only its own layers;
# the layers stacked with overlayfs by hand show what a flat pull unpacks (whiteouts,
# opaque directories, a hard link across layers); ls/gc/rm and their --json; gc removes
# exactly the unreferenced layers and never one in use; concurrent pulls sharing a layer
# both succeed and unpack it once.  (rtr-run's side, running a store bundle, is tested
# with rtr-run.)
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
. "$RTR_SRCDIR/tests/fixtures/registry-lib.sh"
require_root
require_cmd jq python3 unshare docker-registry skopeo sha256sum
rtr_tmpdir
trap 'reg_stop_all; _rtr_cleanup' EXIT
FIX="$RTR_SRCDIR/tests/fixtures"
S=$T/store
cd "$T"

# ---- images: app1 and app2 share their base layer ---------------------------------------
L=$T/lay
oci_layout_init "$L"
make_busybox_rootfs "$T/r/base"
mkdir -p "$T/r/base/data/opq"
echo gone >"$T/r/base/data/gone"
echo lower >"$T/r/base/data/opq/lower"
head -c $((8 << 20)) /dev/urandom >"$T/r/base/big" # the base outweighs a bundle's own files
mkdir -p "$T/r/a1/data/opq" "$T/r/a2/etc"
echo one >"$T/r/a1/app1"
: >"$T/r/a1/data/.wh.gone"
: >"$T/r/a1/data/opq/.wh..wh..opq"
echo upper >"$T/r/a1/data/opq/upper"
echo two >"$T/r/a2/app2"
printf 'root:x:0:0:root:/root:/bin/sh\nsvc:x:2000:2001:svc:/:/bin/sh\n' >"$T/r/a2/etc/passwd"
oci_image "$L" app1 amd64 '{"User":"user"}' "$T/r/base" "$T/r/a1" >/dev/null
oci_image "$L" app2 amd64 '{"User":"svc"}' "$T/r/base" "$T/r/a2" >/dev/null
python3 "$FIX/pull-images.py" docker-multi multi.tar

layers_of() { # BUNDLE: its layer hexes, base first
	jq -r '.annotations["org.rtr.rootfs.layers"]' "$1/config.json" | tr , '\n' | sed 's/^sha256://'
}
made_of() { # STDERR of rtr-pull -v: how many layers it made
	sed -n 's/.*(\([0-9]*\) new in the store).*/\1/p' <<<"$1"
}
inode() { stat -c %i "$1"; }

# ---- a store bundle ---------------------------------------------------------------------
run "$RTR_PULL" -v "--store=$S" "oci:$L:app1" b1
is "$rc" 0 "pull into the store" || diag "$err"
is "$(made_of "$err")" 2 "the first pull makes both layers"
[[ -f b1/config.json && -d b1/rootfs && -d b1/upper && -d b1/work ]] &&
	ok "bundle: config.json, rootfs/, upper/, work/" || not_ok "bundle: config.json, rootfs/, upper/, work/"
is "$(find b1/rootfs b1/upper b1/work -mindepth 1 | wc -l)" 0 "rootfs/, upper/ and work/ start empty"
is "$(jq -r '.annotations["org.rtr.rootfs.store"]' b1/config.json)" "$S" "annotation: the store"
cfg=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="app1") | .digest' "$L/index.json")
cfg=$(jq -r .config.digest "$L/blobs/sha256/${cfg#sha256:}")
is "$(jq -r '.annotations["org.rtr.rootfs.layers"]' b1/config.json)" \
	"$(jq -r '.rootfs.diff_ids | join(",")' "$L/blobs/sha256/${cfg#sha256:}")" \
	"annotation: the diff_ids, base first"
is "$(jq -r .root.path b1/config.json)" rootfs "root.path is rootfs"
is "$(jq -c .process.user b1/config.json)" '{"uid":1000,"gid":1000}' "User resolved in the layers"
for h in $(layers_of b1); do
	[[ -d $S/layers/$h && -f $S/locks/$h.lock ]] || not_ok "layer $h and its lock in the store"
done
ref=$(printf %s "$T/b1" | sha256sum | cut -d' ' -f1)
is "$(cat "$S/refs/$ref")" "$T/b1" "ref: refs/<sha256 of the path> names the bundle"
is "$(stat -c %a "$S/layers")" 700 "layers/ is root's alone (setuid files inside)"
base=$(layers_of b1 | head -1)
top1=$(layers_of b1 | tail -1)

# overlayfs form: whiteout = 0/0 character device, opaque directory = trusted xattr
is "$(stat -c '%F %t:%T' "$S/layers/$top1/data/gone")" "character special file 0:0" \
	"whiteout in overlayfs form"
is "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' \
	"$S/layers/$top1/data/opq" 2>&1)" y \
	"opaque directory in overlayfs form"

# ---- a second bundle of the image shares every layer ------------------------------------
before=$(inode "$S/layers/$base")
first=$(du -sk "$S" b1 | awk '{s += $1} END {print s}')
run "$RTR_PULL" -v "--store=$S" "oci:$L:app1" b2
is "$rc" 0 "second bundle of the same image" || diag "$err"
is "$(made_of "$err")" 0 "it makes no layer"
second=$(du -sk b2 | cut -f1)
if ((second * 100 < first)); then
	ok "the second bundle costs < 1 % of the first ($second KiB of $first KiB)"
else
	not_ok "the second bundle costs < 1 % of the first ($second KiB of $first KiB)"
fi
is "$(inode "$S/layers/$base")" "$before" "the base layer is the same directory"

# ---- a second image with the same base: only its own layer ------------------------------
run "$RTR_PULL" -v "--store=$S" "oci:$L:app2" c1
is "$rc" 0 "second image with the same base" || diag "$err"
is "$(made_of "$err")" 1 "it makes only its own layer"
is "$(layers_of c1 | head -1)" "$base" "it names the shared base layer"
is "$(inode "$S/layers/$base")" "$before" "the base layer was not touched"
is "$(jq -c .process.user c1/config.json)" '{"uid":2000,"gid":2001}' \
	"User resolved in the top layer's /etc/passwd"
top2=$(layers_of c1 | tail -1)

# ---- the stack shows what a flat pull unpacks -------------------------------------------
stack() { # BUNDLE OUT: mounts BUNDLE's layers with overlayfs in a private namespace, lists
	local lower
	lower=$(layers_of "$1" | tac | sed "s|^|$S/layers/|" | paste -sd:)
	unshare -m sh -c "mount -t overlay overlay -o lowerdir=$lower,upperdir=$1/upper,workdir=$1/work $1/rootfs &&
		python3 '$FIX/tree-list.py' $1/rootfs" | sed 's/ links-with:[^ ]*//' >"$2"
}
flat() { # BUNDLE OUT
	python3 "$FIX/tree-list.py" "$1/rootfs" | sed 's/ links-with:[^ ]*//' >"$2"
}
run "$RTR_PULL" -q "oci:$L:app1" f1
stack b1 s1.txt
flat f1 f1.txt
if diff -q f1.txt s1.txt >/dev/null; then ok "overlay of app1's layers equals the flat pull"; else not_ok "overlay of app1's layers equals the flat pull" "$(diff f1.txt s1.txt | head)"; fi
run "$RTR_PULL" -q "--store=$S" multi.tar m1
is "$rc" 0 "multi-layer docker archive into the store" || diag "$err"
run "$RTR_PULL" -q multi.tar mf
stack m1 sm.txt
flat mf fm.txt
if diff -q fm.txt sm.txt >/dev/null; then
	ok "overlay equals the flat pull: whiteouts, opaque dirs, hard link across layers, times"
else
	not_ok "overlay equals the flat pull: whiteouts, opaque dirs, hard link across layers, times" \
		"$(diff fm.txt sm.txt | head)"
fi
unlike "$(cat s1.txt)" '^data/gone ' "the whiteout hides the base layer's file"
unlike "$(cat s1.txt)" '^data/opq/lower ' "the opaque directory hides the base layer's content"
like "$(cat s1.txt)" '^data/opq/upper ' "the opaque directory keeps its own layer's content"
is "$(cat "$S/layers/$top1/app1")" one "the store is unchanged by the mounts"
is "$(find b1/upper -mindepth 1 | wc -l)" 0 "nothing written to the upper by listing"

# ---- ls ---------------------------------------------------------------------------------
run "$RTR_PULL" ls "--store=$S" --json
is "$rc" 0 "ls --json" || diag "$err"
if jq -e . >/dev/null <<<"$out"; then ok "ls --json is valid JSON"; else not_ok "ls --json is valid JSON" "$out"; fi
is "$(jq '.layers | length' <<<"$out")" 6 "ls: 6 layers (2 + 1 + 3 of multi)"
is "$(jq -r --arg b "sha256:$base" '.layers[] | select(.diff_id == $b) | .bundles | length' <<<"$out")" 3 \
	"ls: the base layer is used by three bundles"
is "$(jq '[.images[] | select(.ref == "app1")][0].bundles | length' <<<"$out")" 2 "ls: app1 has two bundles"
is "$(jq '.images | length' <<<"$out")" 3 "ls: three images"
sz=$(jq -r --arg b "sha256:$base" '.layers[] | select(.diff_id == $b) | .size' <<<"$out")
((sz > 8 << 20)) && ok "ls: layer size is its disk usage ($sz)" || not_ok "ls: layer size is its disk usage ($sz)"
run "$RTR_PULL" ls "--store=$S"
is "$rc" 0 "ls (text)"
like "$out" "app1 .*$T/b1 $T/b2" "ls text names the bundles of an image"

# ---- gc and rm --------------------------------------------------------------------------
run "$RTR_PULL" gc "--store=$S" --json
is "$(jq '.removed | length' <<<"$out")" 0 "gc removes nothing while every layer is used"
run "$RTR_PULL" rm f1
like "$err" 'not a store bundle' "rm refuses a flat bundle"
[[ -d f1 ]] && ok "the flat bundle is still there" || not_ok "the flat bundle is still there"
run "$RTR_PULL" rm --json c1
is "$rc" 0 "rm a store bundle" || diag "$err"
is "$(jq -r .removed <<<"$out")" "$T/c1" "rm --json names the bundle"
[[ ! -e c1 && ! -e $S/refs/$(printf %s "$T/c1" | sha256sum | cut -d' ' -f1) ]] &&
	ok "rm removed the bundle and its ref" || not_ok "rm removed the bundle and its ref"
mlayers=$(layers_of m1)
mtop=$(tail -1 <<<"$mlayers")
rm -rf m1 # a bundle removed by hand: its ref goes stale
# one layer in use (a pull or a running container holds its lock shared): gc keeps it
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1])
fcntl.flock(f, fcntl.LOCK_SH)
open(sys.argv[2], "w").close()
time.sleep(30)' "$S/locks/$mtop.lock" "$T/held" &
held=$!
RTR_PIDS="$RTR_PIDS $held"
wait_for 5 test -e "$T/held" || not_ok "the test holds a layer lock"
run "$RTR_PULL" gc "--store=$S" --json
kill "$held" 2>/dev/null || true
wait "$held" 2>/dev/null || true
is "$rc" 0 "gc" || diag "$err"
if jq -e . >/dev/null <<<"$out"; then ok "gc --json is valid JSON"; else not_ok "gc --json is valid JSON" "$out"; fi
got=$(jq -r '.removed[].diff_id' <<<"$out" | sed 's/^sha256://' | sort | paste -sd' ')
want=$( (echo "$top2"; echo "$mlayers") | grep -vx "$mtop" | sort | paste -sd' ')
is "$got" "$want" "gc removes exactly the unreferenced layers (app2's own, multi's but the busy one)"
is "$(jq -r '.busy[]' <<<"$out")" "sha256:$mtop" "gc keeps a layer whose lock is held, and says so"
is "$(jq -r '.stale_refs[]' <<<"$out" | sort | paste -sd' ')" "$T/m1" "gc drops the ref of a bundle removed by hand"
[[ -d $S/layers/$base && -d $S/layers/$top1 ]] && ok "layers still used by b1/b2 stay" ||
	not_ok "layers still used by b1/b2 stay"
run "$RTR_PULL" gc "--store=$S" --json
is "$(jq -r '.removed[].diff_id' <<<"$out")" "sha256:$mtop" "the next gc removes the layer once it is free"
# a bundle re-pulled flat over a store bundle no longer names its layers
run "$RTR_PULL" -q --force "oci:$L:app1" b2
run "$RTR_PULL" -q --force "oci:$L:app1" b1
run "$RTR_PULL" gc "--store=$S" --json
is "$(jq '.removed | length' <<<"$out")" 2 "bundles replaced by flat ones free their layers"
is "$(find "$S/layers" "$S/locks" "$S/refs" -mindepth 1 | wc -l)" 0 "the store is empty again"

# ---- a pull that died: its temporary layer goes --------------------------------------
mkdir -p "$S/layers/.tmp-$base-999999/x"
run "$RTR_PULL" -q "--store=$S" "oci:$L:app1" d1
is "$rc" 0 "a pull after one that died" || diag "$err"
[[ ! -e "$S/layers/.tmp-$base-999999" ]] && ok "the dead pull's temporary layer is removed" ||
	not_ok "the dead pull's temporary layer is removed"

# ---- concurrent pulls of two images sharing a layer -------------------------------------
for i in 1 2 3; do
	rm -rf "$S" p1 p2
	"$RTR_PULL" -v "--store=$S" "oci:$L:app1" p1 2>e1 &
	a=$!
	"$RTR_PULL" -v "--store=$S" "oci:$L:app2" p2 2>e2 &
	b=$!
	ra=0 rb=0
	wait $a || ra=$?
	wait $b || rb=$?
	is "$ra:$rb" 0:0 "round $i: both concurrent pulls succeed" || diag "$(cat e1 e2)"
	is "$(($(made_of "$(cat e1)") + $(made_of "$(cat e2)")))" 3 \
		"round $i: the shared layer is unpacked once (3 layers made in all)"
	is "$(layers_of p1 | head -1)" "$(layers_of p2 | head -1)" "round $i: both name one base layer"
	is "$(find "$S/layers" -mindepth 1 -maxdepth 1 -name '.tmp-*' | wc -l)" 0 "round $i: no temporary layer left"
done

# ---- options ------------------------------------------------------------------------------
run "$RTR_PULL" --store=relative "oci:$L:app1" x1
like "$err" 'expected an absolute path' "--store=DIR must be absolute"
run "$RTR_PULL" "--store=$S" --userns-shift 100000 "oci:$L:app1" x1
like "$err" 'not with --store' "--userns-shift is refused with --store"
run "$RTR_PULL" ls --store "$S"
like "$err" 'expected no argument' "ls takes no positional argument (--store=DIR)"

# ---- a registry: a layer the store has is not downloaded --------------------------------
P1=$(reg_free_port)
reg_start plain "$P1"
R=127.0.0.1:$P1
reg_push "$L" app1 "$R/lab/app1:1"
reg_push "$L" app2 "$R/lab/app2:1"
rm -rf "$S"
g0=$(reg_blob_gets plain)
run "$RTR_PULL" -q --no-cache "--store=$S" "$R/lab/app1:1" r1
is "$rc" 0 "registry image into the store" || diag "$err"
g1=$(reg_blob_gets plain)
run "$RTR_PULL" -q --no-cache "--store=$S" "$R/lab/app2:1" r2
is "$rc" 0 "second registry image with the same base" || diag "$err"
g2=$(reg_blob_gets plain)
is "$((g1 - g0)):$((g2 - g1))" "3:2" "the second image fetches its config and its own layer only"
run "$RTR_PULL" -q --no-cache "--store=$S" --update "$R/lab/app2:1" r2
is "$rc" 0 "--update of an up-to-date store bundle" || diag "$err"
is "$(reg_blob_gets plain)" "$g2" "--update fetches no blob when nothing changed"
mkdir -p "$T/r/a3"
echo three >"$T/r/a3/app3"
oci_image "$L" app2-new amd64 '{"User":"svc"}' "$T/r/base" "$T/r/a2" "$T/r/a3" >/dev/null
reg_push "$L" app2-new "$R/lab/app2:1"
g3=$(reg_blob_gets plain)
run "$RTR_PULL" -v --no-cache "--store=$S" --update "$R/lab/app2:1" r2
is "$rc" 0 "--update to a newer image in the store" || diag "$err"
is "$(($(reg_blob_gets plain) - g3))" 2 "--update fetches the config and the new layer only"
is "$(layers_of r2 | wc -l)" 3 "the updated bundle names three layers"

# ---- a registry: the layers the store lacks are downloaded together -----------------------
# fault-proxy.py --mode gather answers none of the held layer GETs until all of them are
# open at once: by the order of events, not by timing, the downloads run concurrently.
blobs_of() { # LAYOUT TAG: the layer digests of the image, base first
	local m
	m=$(jq -r --arg t "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]==$t) | .digest' "$1/index.json")
	jq -r '.layers[].digest' "$1/blobs/sha256/${m#sha256:}"
}
gather_proxy() { # COUNT DIGEST...: a gathering proxy in front of $R; sets $GP and $GLOG
	local n=$1
	shift
	GP=$(reg_free_port)
	GLOG=$T/gather-$GP.log
	reg_spawn python3 "$FIX/fault-proxy.py" --port "$GP" --upstream "$R" --mode gather \
		--count "$n" --hold "$(echo "$@" | tr ' ' ,)" --log "$GLOG"
	reg_wait_port "$GP"
}
mkdir -p "$T/r/a4"
echo four >"$T/r/a4/app4"
oci_image "$L" app4 amd64 '{}' "$T/r/base" "$T/r/a1" "$T/r/a4" >/dev/null
oci_image "$L" app5 amd64 '{}' "$T/r/base" "$T/r/a2" "$T/r/a3" "$T/r/a4" >/dev/null
reg_push "$L" app4 "$R/lab/app4:1"
reg_push "$L" app5 "$R/lab/app5:1"
S2=$T/store2
mapfile -t l4 < <(blobs_of "$L" app4)
gather_proxy 3 "${l4[@]}"
run "$RTR_PULL" -q --no-cache "--store=$S2" "127.0.0.1:$GP/lab/app4:1" c4
is "$rc" 0 "store pull of a 3-layer image through the gathering proxy" || diag "$err"
like "$(cat "$GLOG")" "gathered 3" "its three layers are downloaded at once" || diag "$(cat "$GLOG")"
unlike "$(cat "$GLOG")" "gather timeout" "no layer GET waited alone"
for h in $(layers_of c4); do
	[[ -d $S2/layers/$h ]] || not_ok "layer $h in the store"
done
is "$(cat "$S2/layers/$(layers_of c4 | tail -1)/app4")" four "the top layer is in the store"
# base and a4 are there now: app5's 2nd and 3rd layers (a2, a3) are the ones to fetch.
mapfile -t l5 < <(blobs_of "$L" app5)
gather_proxy 2 "${l5[1]}" "${l5[2]}"
run "$RTR_PULL" -q --no-cache "--store=$S2" "127.0.0.1:$GP/lab/app5:1" c5
is "$rc" 0 "store pull of a 4-layer image that lacks two middle layers" || diag "$err"
like "$(cat "$GLOG")" "gathered 2" "the two missing layers are downloaded at once" ||
	diag "$(cat "$GLOG")"
is "$(grep -c '/blobs/' "$GLOG")" 3 "the config and the two missing layers only"
is "$(layers_of c5 | tr '\n' ' ')" "$(layers_of c4 | head -1) $(layers_of r2 | sed -n 2,3p | tr '\n' ' ')$(layers_of c4 | tail -1) " \
	"the bundle names the four layers in order"
is "$(cat "$S2/layers/$(layers_of c5 | sed -n 3p)/app3")" three "a middle layer is in the store"

done_testing
