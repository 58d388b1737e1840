# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of rtr's TAP test scripts.  Source it after `set -euo pipefail`:
#
#   . "$RTR_SRCDIR/tests/lib.sh"
#   require_root
#   rtr_tmpdir                       # $T: a temp dir, removed (and unmounted) on exit
#   make_bundle "$T/b" /probe uid    # busybox rootfs + minimal config.json
#   run "$RTR_RUN" "$T/b"            # sets $out, $err, $rc; never fails
#   is "$rc" 0 "exits 0"
#   like "$out" '^uid=0$' "runs as root"
#   done_testing                     # prints the plan "1..N" last
#
# Environment from tests/meson.build: RTR_RUN, RTR_PULL, RTR_SRCDIR, RTR_BUILDDIR, and
# RTR_PROBE (the static probe, tests/probe.c).  Defaults below let a script also run by
# hand from the source tree: RTR_BUILDDIR=build tests/run-core.sh

: "${RTR_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${RTR_BUILDDIR:=$RTR_SRCDIR/build}"
: "${RTR_RUN:=$RTR_BUILDDIR/rtr-run}"
: "${RTR_PULL:=$RTR_BUILDDIR/pull/rtr-pull}"
: "${RTR_PROBE:=$RTR_BUILDDIR/tests/probe}"
export RTR_SRCDIR RTR_BUILDDIR RTR_RUN RTR_PULL RTR_PROBE

# ---- TAP ------------------------------------------------------------------------------
# Plan-less TAP: every check prints one line, done_testing prints "1..N" at the end.

_tap_n=0
_tap_failed=0

# ok DESC: a passed check.
ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

# not_ok DESC [DIAGNOSTIC...]: a failed check; extra arguments are printed as "# " lines.
not_ok() {
	local d=$1
	shift
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $d"
	local l
	for l in "$@"; do
		diag "$l"
	done
}

# skip DESC REASON: a check this machine cannot do (only when it truly cannot).
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

# skip_all REASON: the whole script cannot run here; exits 77 (meson: skipped).
skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

# diag TEXT...: a comment line (or several, one per line of TEXT).
diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

# check DESC CMD...: ok when CMD succeeds; prints its output as diagnostics when not.
check() {
	local d=$1 o
	shift
	if o=$("$@" 2>&1); then
		ok "$d"
	else
		not_ok "$d" "command: $*" "$o"
	fi
}

# is GOT WANT DESC: string equality.
is() {
	if [[ "$1" == "$2" ]]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'" ${err:+"stderr: $err"}
	fi
}

# isnt GOT UNWANTED DESC
isnt() {
	if [[ "$1" != "$2" ]]; then
		ok "$3"
	else
		not_ok "$3" "got unwanted: '$1'"
	fi
}

# like GOT ERE DESC: GOT (possibly several lines) has a line matching the extended regex.
like() {
	if grep -Eq -- "$2" <<<"$1"; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want match: $2" ${err:+"stderr: $err"}
	fi
}

# unlike GOT ERE DESC: no line of GOT matches.
unlike() {
	if ! grep -Eq -- "$2" <<<"$1"; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "unwanted match: $2"
	fi
}

# done_testing: prints the plan.  Exit status 0: failures are reported by "not ok" lines.
done_testing() {
	echo "1..$_tap_n"
	exit 0
}

# ---- running things -------------------------------------------------------------------

# run CMD...: runs CMD with stdin from /dev/null (unless RUN_STDIN names a file), sets
# $out (stdout), $err (stderr) and $rc (exit status) and always returns 0.
# RUN_TIMEOUT (seconds, default 60) kills a hung command (rc 124).
run() {
	local o e
	o=$(mktemp "${T:-/tmp}/.run-out.XXXXXX")
	e=$(mktemp "${T:-/tmp}/.run-err.XXXXXX")
	rc=0
	timeout -k 5 "${RUN_TIMEOUT:-60}" "$@" <"${RUN_STDIN:-/dev/null}" >"$o" 2>"$e" || rc=$?
	out=$(cat "$o")
	err=$(cat "$e")
	rm -f "$o" "$e"
	return 0
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds; returns 1 on timeout.
wait_for() {
	local n=$(($1 * 20))
	shift
	while ((n-- > 0)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# ---- environment ----------------------------------------------------------------------

# require_root: skip the whole script unless root.
require_root() {
	[[ $(id -u) == 0 ]] || skip_all "needs root"
}

# require_cmd CMD...: skip the whole script unless every CMD is installed.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "needs $c"
	done
}

# rtr_tmpdir: creates $T (exported) and removes it on exit, after lazily unmounting
# anything a failed test left mounted below it and killing recorded pids ($RTR_PIDS).
RTR_PIDS=
rtr_tmpdir() {
	T=$(mktemp -d /tmp/rtr-test.XXXXXX)
	chmod 755 "$T"
	export T
	trap _rtr_cleanup EXIT
}

_rtr_cleanup() {
	local rc=$? p m
	for p in $RTR_PIDS; do
		kill -KILL "$p" 2>/dev/null || true
	done
	if [[ -n "${T:-}" && -d "$T" ]]; then
		# deepest first
		while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done < <(awk -v t="$T" 'index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
		rm -rf "$T"
	fi
	return $rc
}

# ---- bundles --------------------------------------------------------------------------

# make_busybox_rootfs DIR: a busybox-static rootfs with every applet linked in /bin and
# /sbin, /etc/passwd and /etc/group (root, nobody, a test user 1000), and the probe at
# /probe.  The first call builds a template under $T; later calls copy it.
make_busybox_rootfs() {
	local dir=$1 tpl="$T/.rootfs-template" bb
	if [[ ! -d "$tpl" ]]; then
		bb=$(command -v busybox || true)
		[[ -x /bin/busybox ]] && bb=/bin/busybox
		if [[ -z "$bb" ]] || ! file_is_static "$bb"; then
			skip_all "needs busybox-static (apt-get install busybox-static)"
		fi
		mkdir -p "$tpl".tmp/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,home/user,var,run}
		chmod 1777 "$tpl".tmp/tmp
		cp "$bb" "$tpl".tmp/bin/busybox
		local a
		for a in $("$bb" --list-full); do
			[[ -e "$tpl.tmp/$a" || "$a" == bin/busybox ]] && continue
			mkdir -p "$tpl.tmp/$(dirname "$a")"
			ln -s /bin/busybox "$tpl.tmp/$a"
		done
		[[ -e "$tpl.tmp/bin/sh" ]] || ln -s busybox "$tpl.tmp/bin/sh"
		cat >"$tpl".tmp/etc/passwd <<-'EOF'
			root:x:0:0:root:/root:/bin/sh
			user:x:1000:1000:user:/home/user:/bin/sh
			nobody:x:65534:65534:nobody:/nonexistent:/bin/false
		EOF
		cat >"$tpl".tmp/etc/group <<-'EOF'
			root:x:0:
			user:x:1000:
			nogroup:x:65534:
		EOF
		echo "image-hostname" >"$tpl".tmp/etc/hostname
		if [[ -x "$RTR_PROBE" ]]; then
			cp "$RTR_PROBE" "$tpl".tmp/probe
		fi
		mv "$tpl".tmp "$tpl"
	fi
	mkdir -p "$dir"
	cp -a "$tpl"/. "$dir"/
}

# file_is_static FILE: true when FILE is an ELF without a program interpreter.
file_is_static() {
	! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

# make_bundle DIR [ARGS...]: DIR/rootfs (busybox + probe) and DIR/config.json running
# ARGS (default: /bin/true) as root with new pid, mount, ipc, uts and network namespaces
# and the usual mounts (proc, /dev tmpfs, devpts, /dev/shm, mqueue, sysfs).  Like the
# bundles rtr-pull writes it gives Docker's default capabilities and noNewPrivileges; it
# sets no seccomp or masked paths, so rtr's defaults for those apply.  A bare bundle
# (no capabilities: none are given) is: bundle_jq DIR 'del(.process.capabilities,
# .process.noNewPrivileges)'.  Change it afterwards with bundle_jq.
make_bundle() {
	local dir=$1
	shift
	(($# > 0)) || set -- /bin/true
	make_busybox_rootfs "$dir/rootfs"
	local args
	args=$(jq -nc '$ARGS.positional' --args -- "$@")
	cat >"$dir/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": $args,
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm",
			"HOME=/root"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": $DOCKER_CAPS_JSON,
			"effective": $DOCKER_CAPS_JSON,
			"permitted": $DOCKER_CAPS_JSON
		},
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": false },
	"hostname": "rtr-test",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
		{ "destination": "/dev/pts", "type": "devpts", "source": "devpts",
		  "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
		{ "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		  "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
		{ "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		  "options": ["nosuid", "noexec", "nodev"] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs",
		  "options": ["nosuid", "noexec", "nodev", "ro"] }
	],
	"linux": {
		"namespaces": [
			{ "type": "pid" }, { "type": "network" }, { "type": "ipc" },
			{ "type": "uts" }, { "type": "mount" }
		]
	}
}
EOF
}

# Docker's default capability set (what rtr-pull writes into every bundle).
DOCKER_CAPS_JSON='["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]'

# bundle_jq DIR FILTER [JQ-ARGS...]: edits DIR/config.json in place with jq, e.g.
#   bundle_jq "$T/b" '.process.env += ["A=1"]'
#   bundle_jq "$T/b" '.hostname = $h' --arg h web
bundle_jq() {
	local dir=$1 filter=$2
	shift 2
	jq "$@" "$filter" "$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
}

# bundle_args DIR ARGS...: replaces process.args.
bundle_args() {
	local dir=$1
	shift
	local args
	args=$(jq -nc '$ARGS.positional' --args -- "$@")
	bundle_jq "$dir" '.process.args = $a' --argjson a "$args"
}

# ---- probing the host -----------------------------------------------------------------

# host_mounts_under DIR: mount points below DIR in rtr-run's mount namespace (the host's).
host_mounts_under() {
	awk -v t="$1" 'index($5, t "/") == 1 || $5 == t { print $5 }' /proc/self/mountinfo
}

# ---- suites of running containers ------------------------------------------------------

# container_suite [CMD...]: the start of a suite that runs containers: root, jq and CMDs,
# $T, and a short stop timeout (RTR_STOP_TIMEOUT_S, 2 s unless the caller set one).
container_suite() {
	require_root
	require_cmd jq "$@"
	rtr_tmpdir
	export RTR_STOP_TIMEOUT_S=${RTR_STOP_TIMEOUT_S:-2}
}

# The host's cgroup layout: V2ROOT is the cgroup2 tree ("" on a v1-only host), LAYOUT
# v1, v2 or hybrid.
V2ROOT=
LAYOUT=v1
if [[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) == cgroup2fs ]]; then
	V2ROOT=/sys/fs/cgroup
	LAYOUT=v2
elif [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
	V2ROOT=/sys/fs/cgroup/unified
	LAYOUT=hybrid
fi
# v1_has CTRL: CTRL is a mounted v1 hierarchy
v1_has() { [[ $(stat -f -c %T "/sys/fs/cgroup/$1" 2>/dev/null) == cgroupfs ]]; }
# cg CTRL NAME: the directory holding CTRL's files for container NAME (io: blkio on v1)
cg() {
	local c=$1
	[[ $c == io ]] && c=blkio
	if v1_has "$c"; then echo "/sys/fs/cgroup/$c/rtr/$2"; else echo "$V2ROOT/rtr/$2"; fi
}
# prim NAME: container NAME's directory in the primary hierarchy (its xattrs, its lock)
prim() { if [[ -n $V2ROOT ]]; then echo "$V2ROOT/rtr/$1"; else echo "/sys/fs/cgroup/pids/rtr/$1"; fi; }
# cg_dirs NAME: every cgroup directory of container NAME that exists
cg_dirs() { ls -d /sys/fs/cgroup/*/rtr/"$1" ${V2ROOT:+"$V2ROOT/rtr/$1"} 2>/dev/null | sort -u || true; }
# running NAME: a process is in container NAME's cgroup
running() { [[ -n $(cat "$(prim "$1")/cgroup.procs" 2>/dev/null) ]]; }
# ps_field NAME FIELD: FIELD of container NAME in `rtr-run ps --json` ("" when not listed)
ps_field() { "$RTR_RUN" ps --json | jq -r --arg n "$1" --arg f "$2" '.[] | select(.name == $n) | .[$f]'; }
# init_pid NAME: the host pid of container NAME's init, as ps shows it
init_pid() { ps_field "$1" pid; }
# init_running NAME: ps shows container NAME with its init (exec can join it)
init_running() { [[ $(init_pid "$1") -gt 0 ]]; }

# bg NAME ARGS...: rtr-run --name NAME ARGS in the background, output in $T/NAME.{out,err},
# its pid in $BGPID; returns once BG_READY NAME holds (default: running).
bg() {
	local n=$1
	shift
	"$RTR_RUN" --name "$n" "$@" >"$T/$n.out" 2>"$T/$n.err" </dev/null &
	BGPID=$!
	RTR_PIDS="$RTR_PIDS $BGPID"
	wait_for 10 "${BG_READY:-running}" "$n" || diag "$n did not start: $(cat "$T/$n.err")"
}
# finish PID: waits for a background rtr-run; sets $rc
finish() {
	rc=0
	wait "$1" || rc=$?
}
# bg_timed NAME ARGS...: rtr-run --name NAME ARGS in the background under a 120 s timeout,
# output in $T/NAME.{out,err}, the timeout's pid in $bgpid; bg_wait waits for it ($rc).
bg_timed() {
	local name=$1
	shift
	timeout -k 5 120 "$RTR_RUN" --name "$name" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	bgpid=$!
	RTR_PIDS="$RTR_PIDS $bgpid"
}
bg_wait() {
	rc=0
	wait "$bgpid" || rc=$?
}
