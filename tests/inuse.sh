#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The in-use locks (runner/lib/lockfile.h, runner/inuse.h): rtr-run holds its bundle and a
# store bundle's layers while the container lives, wherever its cgroup is; rtr-pull rm
# refuses such a bundle (a container under its own --cgroup-parent too) unless --force,
# gc keeps such a layer even with no ref naming it and removes it once the container has
# stopped; a start while rm removes the bundle fails at once; no lock fd reaches the
# container; a read-only flat bundle still runs; pull --force refuses to replace a bundle a
# container runs from (flat or store), up front and at the commit.
set -euo pipefail
. "${RTR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
. "$RTR_SRCDIR/tests/fixtures/registry-lib.sh"
container_suite python3 sha256sum flock
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip_all "needs overlayfs (modprobe overlay)"
grep -qw overlay /proc/filesystems || skip_all "needs overlayfs"
S=$T/store
PARENT=rtr-inuse-test/sub
cd "$T"

layers_of() { # BUNDLE: its layer hexes, base first
	jq -r '.annotations["org.rtr.rootfs.layers"]' "$1/config.json" | tr , '\n' | sed 's/^sha256://'
}
# started BGPID FILE: FILE exists (the container wrote it) while rtr-run BGPID still runs
started() { [[ -e $2 ]] && kill -0 "$1"; }
# start NAME BUNDLE ARGS...: rtr-run --cgroup-parent $PARENT (or $CGPARENT) in the
# background, its pid in $BGPID, once the container has written /ready (BUNDLE/upper/ready
# on a store bundle, BUNDLE/rootfs/ready on a flat one).
start() {
	local n=$1 b=$2 ready=$2/upper/ready
	shift 2
	[[ -d $b/upper ]] || ready=$b/rootfs/ready
	"$RTR_RUN" --name "$n" --cgroup-parent "${CGPARENT:-$PARENT}" "$@" "$b" -- \
		/bin/sh -c 'touch /ready && exec /bin/sleep 300' >"$T/$n.out" 2>"$T/$n.err" </dev/null &
	BGPID=$!
	RTR_PIDS="$RTR_PIDS $BGPID"
	wait_for 10 started "$BGPID" "$ready" || diag "$n did not start: $(cat "$T/$n.err")"
}
stop() { # BGPID: rtr-run stops its container on SIGTERM
	kill -TERM "$1" 2>/dev/null || true
	finish "$1"
}
# fds PID: where the fds of PID lead, one a line
fds() { for f in /proc/"$1"/fd/*; do readlink "$f" || true; done; }

# ---- an image in the store --------------------------------------------------------------
L=$T/lay
oci_layout_init "$L"
make_busybox_rootfs "$T/r/base"
mkdir -p "$T/r/top"
echo top >"$T/r/top/top"
oci_image "$L" app amd64 '{}' "$T/r/base" "$T/r/top" >/dev/null
run "$RTR_PULL" -q "--store=$S" "oci:$L:app" b1
is "$rc" 0 "pull a store bundle" || diag "$err"
mapfile -t HEX < <(layers_of b1)
is "${#HEX[@]}" 2 "  two layers"

# ---- rm refuses a bundle run under its own --cgroup-parent ---------------------------------
start in-cg "$T/b1"
run "$RTR_PULL" rm "$T/b1"
is "$rc:$err" "1:rtr-pull: $T/b1: a running container runs from this bundle (stop it first, or rm --force)" \
	"rm refuses a bundle whose container has its own --cgroup-parent"
[[ -f b1/config.json && -e b1/upper/ready ]] && ok "  the bundle is untouched" ||
	not_ok "  the bundle is untouched"

# Locks held by rtr-run, none by the container's init.
sup=$(fds "$BGPID")
like "$sup" "^$T/b1\$" "rtr-run holds the bundle directory open"
is "$(grep -c "^$S/locks/" <<<"$sup")" 2 "  and both layers' lock files"
init=$(pgrep -P "$BGPID" | head -1)
like "$(tr '\0' ' ' <"/proc/$init/cmdline")" "sleep 300" "the container's init is its entrypoint"
is "$(fds "$init" | grep -cE "^($T/b1|$S)" || true)" 0 "  it has no fd of the bundle or the store"

# ---- rm --force; gc keeps the layers the container uses, ref or not -----------------------
run "$RTR_PULL" rm --force "$T/b1"
is "$rc" 0 "rm --force removes it while the container runs" || diag "$err"
[[ ! -e b1 ]] && ok "  the bundle is gone" || not_ok "  the bundle is gone"
is "$(find "$S/refs" -type f | wc -l)" 0 "  and its ref"
run "$RTR_PULL" ls --json "--store=$S"
is "$(jq -c '[.layers[] | [.in_use, (.bundles | length)]]' <<<"$out")" "[[true,0],[true,0]]" \
	"ls --json: both layers in use, by no bundle"
run "$RTR_PULL" ls "--store=$S"
is "$(grep -c 'in use by a running container or pull: gc keeps it' <<<"$out")" 2 \
	"ls: both in use, gc keeps them"
run "$RTR_PULL" gc --json "--store=$S"
is "$rc" 0 "gc while the container runs" || diag "$err"
is "$(jq -c '[(.removed | length), (.busy | sort)]' <<<"$out")" \
	"$(jq -nc '[0, ($ARGS.positional | map("sha256:" + .) | sort)]' --args "${HEX[@]}")" \
	"  removes nothing, both layers busy"
[[ -d $S/layers/${HEX[0]} && -d $S/layers/${HEX[1]} ]] && ok "  both layers are there" ||
	not_ok "  both layers are there"
stop "$BGPID"
is "$rc" 143 "the container stops on SIGTERM"
run "$RTR_PULL" gc --json "--store=$S"
is "$(jq -c '[(.removed | length), (.busy | length)]' <<<"$out")" "[2,0]" \
	"gc after it stopped removes both layers" || diag "$out $err"
is "$(find "$S/layers" "$S/locks" -mindepth 1 | wc -l)" 0 "  no layer or lock file is left"

# ---- --init: the reaper (PID 1) keeps no fd either -------------------------------------------
run "$RTR_PULL" -q "--store=$S" "oci:$L:app" b2
is "$rc" 0 "pull again" || diag "$err"
start in-init "$T/b2" --init
reaper=$(pgrep -P "$BGPID" | head -1)
is "$(fds "$reaper" | grep -cE "^($T/b2|$S)" || true)" 0 "--init: the reaper has no fd of the bundle or the store"
entry=$(pgrep -P "$reaper" | head -1)
is "$(fds "$entry" | grep -cE "^($T/b2|$S)" || true)" 0 "  nor has the entrypoint"
stop "$BGPID"
run "$RTR_PULL" rm "$T/b2"
is "$rc:$err" "0:" "rm once the container stopped"

# ---- --restart: held between runs too ------------------------------------------------------------
run "$RTR_PULL" -q "--store=$S" "oci:$L:app" b4
"$RTR_RUN" --name in-rst --cgroup-parent "$PARENT" --restart on-failure:1 --restart-delay 2s \
	"$T/b4" -- /bin/sh -c 'echo run >>/runs; exit 3' >"$T/in-rst.out" 2>"$T/in-rst.err" </dev/null &
BGPID=$!
RTR_PIDS="$RTR_PIDS $BGPID"
backoff() { [[ -e $T/b4/upper/runs ]] && [[ -z $(pgrep -P "$BGPID") ]]; }
wait_for 10 backoff || diag "in-rst: no back-off: $(cat "$T/in-rst.err")"
run "$RTR_PULL" rm "$T/b4"
is "$rc" 1 "--restart: rm refuses the bundle during the back-off between runs" || diag "$err"
finish "$BGPID"
is "$rc:$(cat "$T/b4/upper/runs" | wc -l)" "3:2" "  the restart ran from it"
run "$RTR_PULL" rm "$T/b4"
is "$rc:$err" "0:" "  rm once rtr-run has exited"

# ---- a start while rm removes the bundle ------------------------------------------------------
run "$RTR_PULL" -q "--store=$S" "oci:$L:app" b3
# The lock rm takes, taken here on an fd of this shell.
exec {hold}<"$T/b3"
flock -x "$hold"
run "$RTR_RUN" --name in-rm --cgroup-parent "$PARENT" "$T/b3" -- /bin/true
is "$rc:$err" "125:rtr-run: in-rm: $T/b3: being removed by rtr-pull rm" \
	"rtr-run fails at once on a bundle being removed"
[[ -f b3/config.json ]] && ok "  and leaves the bundle as it is" || not_ok "  and leaves the bundle as it is"
exec {hold}<&-
run "$RTR_RUN" --name in-rm --cgroup-parent "$PARENT" "$T/b3" -- /bin/cat /top
is "$rc:$out" "0:top" "  and runs once the lock is free" || diag "$err"

# ---- pull --force refuses a bundle a container runs from -------------------------------------
python3 "$RTR_SRCDIR/tests/fixtures/pull-images.py" docker-single "$T/single.tar"
run "$RTR_PULL" -q "docker-archive:$T/single.tar" flat
is "$rc" 0 "pull a flat bundle from a docker-archive" || diag "$err"
start in-flat "$T/flat" --user 0 --stop-signal TERM
sum=$(sha256sum flat/config.json)
run "$RTR_PULL" -q --force "docker-archive:$T/single.tar" "$T/flat"
is "$rc:$err" "1:rtr-pull: $T/flat: a running container runs from this bundle (stop it first)" \
	"pull --force refuses a flat bundle a container runs from"
[[ $(sha256sum flat/config.json) == "$sum" && -e flat/rootfs/ready && -x flat/rootfs/bin/busybox ]] &&
	ok "  the old bundle is untouched" || not_ok "  the old bundle is untouched"
init=$(pgrep -P "$BGPID" | head -1)
[[ -e /proc/$init/root/ready && -x /proc/$init/root/bin/busybox ]] &&
	ok "  the container still sees its files" || not_ok "  the container still sees its files"
is "$(find . -maxdepth 1 -name '.flat.tmp-*' | wc -l)" 0 "  no temporary bundle is left"
stop "$BGPID"
run "$RTR_PULL" -q --force "docker-archive:$T/single.tar" "$T/flat"
is "$rc:$err" "0:" "  once it stopped, pull --force replaces the bundle"
[[ -x flat/rootfs/bin/busybox && ! -e flat/rootfs/ready ]] && ok "  with the new tree" ||
	not_ok "  with the new tree"

# A store bundle, its container under the default cgroup parent: the message names it.
run "$RTR_PULL" -q "--store=$S" "oci:$L:app" b5
is "$rc" 0 "pull a store bundle" || diag "$err"
nlayers=$(find "$S/layers" -mindepth 1 -maxdepth 1 | wc -l)
CGPARENT=rtr start in-st "$T/b5"
sum=$(sha256sum b5/config.json)
run "$RTR_PULL" -q --force "--store=$S" "docker-archive:$T/single.tar" "$T/b5"
is "$rc:$err" "1:rtr-pull: $T/b5: container in-st runs from this bundle (stop it first)" \
	"pull --force --store refuses a store bundle, naming its container"
[[ $(sha256sum b5/config.json) == "$sum" && -e b5/upper/ready ]] &&
	ok "  the old bundle is untouched" || not_ok "  the old bundle is untouched"
init=$(pgrep -P "$BGPID" | head -1)
is "$(cat "/proc/$init/root/top" 2>&1)" top "  the container still sees its files"
is "$(find . -maxdepth 1 -name '.b5.tmp-*' | wc -l)" 0 "  no temporary bundle is left"
is "$(find "$S/layers" -mindepth 1 -maxdepth 1 | wc -l)" "$nlayers" "  nor a new layer"
stop "$BGPID"
run "$RTR_PULL" -q --force "--store=$S" "docker-archive:$T/single.tar" "$T/b5"
is "$rc:$err" "0:" "  once it stopped, pull --force replaces it"
[[ -e b5/upper && ! -e b5/upper/ready ]] && ok "  with a new bundle" || not_ok "  with a new bundle"
run "$RTR_PULL" rm "$T/b5"

# ---- a container that starts during the pull: refused at the commit -----------------------
# fault-proxy.py --mode gather holds the GET of the top layer until a second GET of it is
# open: the container starts while the pull waits there, past its first look at BUNDLE.
if command -v docker-registry >/dev/null && command -v skopeo >/dev/null; then
	trap 'reg_stop_all; _rtr_cleanup' EXIT
	P1=$(reg_free_port)
	reg_start plain "$P1"
	R=127.0.0.1:$P1
	reg_push "$L" app "$R/lab/app:1"
	m=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="app") | .digest' "$L/index.json")
	top=$(jq -r '.layers[-1].digest' "$L/blobs/sha256/${m#sha256:}")
	GP=$(reg_free_port)
	GLOG=$T/gather.log
	reg_spawn python3 "$RTR_SRCDIR/tests/fixtures/fault-proxy.py" --port "$GP" --upstream "$R" \
		--mode gather --count 2 --hold "$top" --log "$GLOG"
	reg_wait_port "$GP"
	run "$RTR_PULL" -q --no-cache "$R/lab/app:1" flat2
	is "$rc" 0 "pull a flat bundle from a registry" || diag "$err"
	"$RTR_PULL" -q --no-cache --force "127.0.0.1:$GP/lab/app:1" "$T/flat2" >"$T/race.out" \
		2>"$T/race.err" </dev/null &
	PULLPID=$!
	RTR_PIDS="$RTR_PIDS $PULLPID"
	held() { grep -q "GET .*$top" "$GLOG" 2>/dev/null; }
	wait_for 20 held || diag "the pull did not ask for the top layer: $(cat "$T/race.err")"
	start in-race "$T/flat2"
	sum=$(sha256sum flat2/config.json)
	curl -s -o /dev/null "http://127.0.0.1:$GP/v2/lab/app/blobs/$top" # releases the pull's GET
	finish "$PULLPID"
	is "$rc:$(cat "$T/race.err")" \
		"1:rtr-pull: $T/flat2: a running container runs from this bundle (stop it first)" \
		"pull --force refuses at the commit a bundle a container started from meanwhile"
	like "$(cat "$GLOG")" "gathered 2" "  it had got past the first look" || diag "$(cat "$GLOG")"
	[[ $(sha256sum flat2/config.json) == "$sum" && -e flat2/rootfs/ready ]] &&
		ok "  the old bundle is untouched" || not_ok "  the old bundle is untouched"
	init=$(pgrep -P "$BGPID" | head -1)
	is "$(cat "/proc/$init/root/top" 2>&1)" top "  the container still sees its files"
	is "$(find . -maxdepth 1 -name '.flat2.tmp-*' | wc -l)" 0 "  the new bundle is removed"
	stop "$BGPID"
else
	skip "pull --force refuses at the commit" "needs docker-registry and skopeo"
fi

# ---- a flat bundle on a read-only filesystem --------------------------------------------------
make_bundle "$T/ro/flat" /bin/true
mkdir -p "$T/rom"
mount --bind -o ro "$T/ro" "$T/rom"
mount -o remount,bind,ro "$T/rom"
run "$RTR_RUN" --name in-ro --rm "$T/rom/flat"
is "$rc:$err" "0:" "a flat bundle on a read-only filesystem runs (--rm)"
umount "$T/rom"

for d in /sys/fs/cgroup/*/rtr-inuse-test ${V2ROOT:+$V2ROOT/rtr-inuse-test}; do
	[[ -d $d ]] && rmdir "$d/sub" "$d" 2>/dev/null || true
done
done_testing
