#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-run's core: real containers from a busybox bundle, checked from inside with /probe.
set -euo pipefail
. "${RTR_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

require_root
require_cmd jq busybox
rtr_tmpdir

B=$T/rc-core
make_bundle "$B" /probe uid
R() { run "$RTR_RUN" --name rc-core "$@"; }

# ---- exit codes ------------------------------------------------------------------------

R "$B" -- /probe exit 0
is "$rc" 0 "exit 0 is 0"
R "$B" -- /probe exit 3
is "$rc" 3 "exit 3 is 3"
R "$B" -- /etc/passwd
is "$rc" 126 "a file that is not executable gives 126"
like "$err" "rc-core: /etc/passwd: Permission denied" "  and says why"
R "$B" -- /no/such/program
is "$rc" 127 "a missing program gives 127"
like "$err" "rc-core: /no/such/program: No such file or directory" "  and says why"
R "$B" -- no-such-command
is "$rc" 127 "a command not in PATH gives 127"
R "$B" -- sh -c 'exit 42'
is "$rc" 42 "a command found through the container's PATH runs (exit 42)"

mkdir -p "$T/rc-empty"
R "$T/rc-empty"
is "$rc" 125 "a bundle without config.json gives 125"
like "$err" "config.json" "  and names config.json"
mkdir -p "$T/rc-bad" && cp -a "$B/rootfs" "$T/rc-bad/" && echo '{"ociVersion": "1.0.2", "process": {' >"$T/rc-bad/config.json"
R "$T/rc-bad"
is "$rc" 125 "a truncated config.json gives 125"
like "$err" "^rtr-run: rc-core: config.json: " "  with the rtr-run: NAME: config.json: prefix"
R "$T/no-such-bundle"
is "$rc" 125 "a missing bundle gives 125"
run "$RTR_RUN" --no-such-option "$B"
is "$rc" 125 "an unknown option gives 125"
is "$(wc -l <<<"$err")" 1 "  with one line"
like "$err" "no-such-option" "  naming the option"
run "$RTR_RUN" --name 'bad/name' "$B"
is "$rc" 125 "an invalid --name gives 125"
run "$RTR_RUN" --help
is "$rc" 0 "--help exits 0"
like "$out" "--env-file" "  and lists the options"
run "$RTR_RUN" --version
like "$out" "^rtr-run [0-9]" "--version prints the version"

# Killed by a signal: 128+S.  The container's init gets SIGKILL from the host, once it
# runs the probe: before its execve it is still rtr-run's setup child (a kill then is a
# setup error, 125).
is_probe_sleep() {
	local c
	c=$(pgrep -P "$1") && [[ "$(tr '\0' ' ' <"/proc/$c/cmdline")" == "/probe sleep 30 " ]]
}
"$RTR_RUN" --name rc-core "$B" /probe sleep 30 >/dev/null 2>&1 &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
if wait_for 5 is_probe_sleep "$pid"; then
	kill -KILL "$(pgrep -P "$pid")"
else
	diag "the container's init never ran /probe sleep 30"
fi
rc=0
wait "$pid" || rc=$?
is "$rc" 137 "init killed by SIGKILL gives 137"

# ---- supervision -----------------------------------------------------------------------

"$RTR_RUN" --name rc-core "$B" /probe signals 3 >"$T/sig.out" 2>&1 &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
wait_for 5 grep -q ready "$T/sig.out" || true
kill -TERM "$pid"
wait_for 2 grep -q TERM "$T/sig.out" || true
kill -USR1 "$pid"
wait_for 2 grep -q USR1 "$T/sig.out" || true
kill -HUP "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 0 "the container ended normally after its signals"
is "$(grep signal= "$T/sig.out" | tr '\n' ' ')" "signal=TERM signal=USR1 signal=HUP " \
	"SIGTERM, SIGUSR1, SIGHUP to rtr-run reach the container in order"

# The stop signal: SIGTERM to rtr-run (and `rtr-run stop`) becomes the bundle's
# org.rtr.stop-signal (the image's StopSignal, written by rtr-pull) or --stop-signal.
cp "$B/config.json" "$T/config.orig"
stop_case() { # stop_case WANT DESCRIPTION ANNOTATION [RTR-RUN OPTIONS...]
	local want=$1 what=$2 ann=$3 pid out
	shift 3
	# a file of its own: under load the previous run's output can still land in a shared one
	stop_n=$((${stop_n:-0} + 1))
	out=$T/stop.$stop_n.out
	bundle_jq "$B" '.annotations = {"org.rtr.stop-signal": $s}' --arg s "$ann"
	"$RTR_RUN" --name rc-core "$@" "$B" /probe signals 1 >"$out" 2>&1 &
	pid=$!
	RTR_PIDS="$RTR_PIDS $pid"
	wait_for 20 grep -q ready "$out" || true
	if [[ ${STOP_VERB:-} ]]; then "$RTR_RUN" stop rc-core >/dev/null 2>&1 || true; else kill -TERM "$pid"; fi
	rc=0
	wait "$pid" || rc=$?
	is "$(grep signal= "$out" || cat "$out")" "signal=$want" "$what"
	cp "$T/config.orig" "$B/config.json"
}
stop_case "$(kill -l SIGRTMIN+3)" "org.rtr.stop-signal SIGRTMIN+3: delivered as that signal on SIGTERM" SIGRTMIN+3
STOP_VERB=1 stop_case "$(kill -l SIGRTMIN+3)" "  and on rtr-run stop" SIGRTMIN+3
stop_case USR1 "org.rtr.stop-signal 10 (a number): SIGUSR1" 10
stop_case "$(kill -l RTMIN+2)" "--stop-signal RTMIN+2 overrides the annotation" SIGQUIT --stop-signal RTMIN+2
stop_case "$(kill -l SIGRTMAX-1)" "org.rtr.stop-signal rtmax-1 (any case, no SIG)" rtmax-1
bundle_jq "$B" '.annotations = {"org.rtr.stop-signal": "SIGBOGUS"}'
R "$B" -- /probe exit 0
is "$rc" 125 "org.rtr.stop-signal SIGBOGUS gives 125"
like "$err" '^rtr-run: rc-core: config.json: .annotations\["org.rtr.stop-signal"\]: unknown signal, got "SIGBOGUS"$' \
	"  naming the annotation"
bundle_jq "$B" '.annotations = {"org.rtr.stop-signal": "SIGRTMIN+99"}'
R "$B" -- /probe exit 0
is "$rc" 125 "org.rtr.stop-signal SIGRTMIN+99 (past SIGRTMAX) gives 125"
cp "$T/config.orig" "$B/config.json"
R --stop-signal SIGBOGUS "$B" -- /probe exit 0
is "$rc" 125 "--stop-signal SIGBOGUS gives 125"
like "$err" "--stop-signal SIGBOGUS: unknown signal" "  naming the option"

# pid 1 without a handler ignores SIGTERM: the stop timeout ends it with SIGKILL.
start=$(date +%s%N)
"$RTR_RUN" --name rc-core --stop-timeout 1 "$B" /probe sleep 30 >/dev/null 2>"$T/stop.err" &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
wait_for 5 pgrep -P "$pid" || true
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
is "$rc" 143 "--stop-timeout 1: SIGKILL after the timeout, a stop asked for: 143 (128 + SIGTERM)"
like "$(cat "$T/stop.err")" "did not stop within 1 s" "  and says so"
if ((ms < 5000)); then ok "  within the timeout (${ms} ms)"; else not_ok "  took ${ms} ms"; fi

# A second SIGTERM kills at once.
"$RTR_RUN" --name rc-core "$B" /probe sleep 30 >/dev/null 2>&1 &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
wait_for 5 pgrep -P "$pid" || true
kill -TERM "$pid"
sleep 0.1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
is "$rc" 143 "a second SIGTERM kills the container, still a clean stop (143)"

# ---- what the container sees ------------------------------------------------------------

R "$B" -- /probe pid
like "$out" "^pid=1$" "the entrypoint is pid 1"
R --init "$B" -- /probe pid
like "$out" "^pid=2$" "--init: the entrypoint is pid 2"
like "$out" "^ppid=1$" "  under the reaper"
R --init "$B" -- sh -c '(sleep 0.2 &) ; sleep 0.5; ps -o pid,stat,comm'
unlike "$out" " Z " "--init reaps orphaned zombies"
R --init "$B" -- /probe exit 7
is "$rc" 7 "--init passes the exit code through"

R "$B" -- /probe hostname
like "$out" "^hostname=rtr-test$" "hostname from config.json"
R --hostname web1 "$B" -- /probe hostname
like "$out" "^hostname=web1$" "--hostname overrides it"
is "$(hostname)" "$(cat /proc/sys/kernel/hostname)" "the host's hostname is untouched"

bundle_jq "$B" '.process.env += ["FOO=bar", "KEEP=1"] | .process.cwd = "/etc"'
R "$B" -- /probe env
like "$out" "^FOO=bar$" "env from config.json"
R "$B" -- /probe cwd
like "$out" "^cwd=/etc$" "cwd from config.json"
printf '# comment\nFILE1=one\n\nFOO=from-file\n' >"$T/env.list"
R --env-file "$T/env.list" --env FOO=cli --env NEW=x "$B" -- /probe env
like "$out" "^FOO=cli$" "--env overrides config.json and --env-file"
like "$out" "^FILE1=one$" "--env-file adds variables"
like "$out" "^NEW=x$" "--env adds variables"
like "$out" "^KEEP=1$" "  and keeps the others"
is "$(grep -c '^FOO=' <<<"$out")" 1 "  with one FOO"
R --workdir /tmp "$B" -- /probe cwd
like "$out" "^cwd=/tmp$" "--workdir"
R --workdir /new/dir "$B" -- /probe cwd
like "$out" "^cwd=/new/dir$" "a missing working directory is created (as docker does)"
rm -rf "$B/rootfs/new"
R --entrypoint /probe "$B" -- hostname
like "$out" "^hostname=" "--entrypoint with -- CMD"
R "$B" /probe exit 9
is "$rc" 9 "CMD after the bundle (without --) replaces process.args"

R "$B" -- /probe uid
like "$out" "^uid=0$" "root by default"
R --user 1000:1000 "$B" -- /probe uid
like "$out" "^uid=1000$" "--user UID"
like "$out" "^gid=1000$" "--user UID:GID"
bundle_jq "$B" '.process.user = {"uid": 65534, "gid": 65534, "additionalGids": [10, 20], "umask": 63}'
R "$B" -- /probe uid
like "$out" "^uid=65534$" "process.user.uid"
like "$out" "^gid=65534$" "process.user.gid"
like "$out" "^groups=10,20$" "process.user.additionalGids"
R "$B" -- /probe umask
like "$out" "^umask=0077$" "process.user.umask"
bundle_jq "$B" '.process.user = {"uid": 0, "gid": 0}'

# ---- mounts -------------------------------------------------------------------------------

mkdir -p "$T/data" "$T/rodata"
echo hello >"$T/rodata/file"
R --mount "$T/data:/data" --mount "$T/rodata:/ro:ro" "$B" -- /probe write /data/new
like "$out" "^write=ok$" "--mount SRC:DST is writable"
check "  the file appears on the host" test -f "$T/data/new"
R --mount "$T/data:/data" --mount "$T/rodata:/ro:ro" "$B" -- /probe write /ro/new
like "$out" "^write=EROFS$" "--mount SRC:DST:ro is read-only"
R --mount "$T/rodata:/ro:ro" "$B" -- /probe cat /ro/file
like "$out" "^hello$" "  and readable"
R --mount "$T/rodata/file:/etc/deep/file.txt:ro" "$B" -- /probe cat /etc/deep/file.txt
like "$out" "^hello$" "a file bind mount creates its destination"

bundle_jq "$B" '.mounts += [{"destination": "/cfg-ro", "type": "bind", "source": $s,
	"options": ["rbind", "ro", "nosuid", "nodev", "rprivate"]},
	{"destination": "/cfg-rw", "type": "none", "source": $d, "options": ["bind", "rw"]}]' \
	--arg s "$T/rodata" --arg d "$T/data"
R "$B" -- sh -c '/probe write /cfg-ro/x; /probe write /cfg-rw/cfg-x; grep -E " /cfg-(ro|rw) " /proc/self/mountinfo'
like "$out" "^write=EROFS$" "config.json bind mount with ro"
like "$out" "^write=ok$" "config.json bind mount (type none, bind option) rw"
like "$out" " /cfg-ro ro,nosuid,nodev" "  ro,nosuid,nodev applied"
make_bundle "$B" /probe uid

# Symlinks in the image cannot redirect a mount destination to the host.
ln -s / "$B/rootfs/escape"
ln -s ../../../../../../../tmp "$B/rootfs/escape2"
R --mount "$T/data:/escape/rc-core-evil" "$B" -- /probe stat /escape/rc-core-evil
check "a destination through a symlink to / stays in the rootfs" test ! -e /rc-core-evil
check "  (created inside the rootfs instead)" test -d "$B/rootfs/rc-core-evil"
R --mount "$T/data:/escape2/rc-core-evil2" "$B" -- /probe stat /escape2/rc-core-evil2
check "a destination through ../.. symlinks stays in the rootfs" test ! -e /tmp/rc-core-evil2
rm -rf "$B/rootfs/rc-core-evil" "$B/rootfs/tmp/rc-core-evil2"
# The same with the walk used on kernels without openat2 (RTR_COMPAT keeps what .ci/run's
# old-kernel run set).
compat0=${RTR_COMPAT-}
RTR_COMPAT=${compat0:+$compat0,}no-openat2 R --mount "$T/data:/escape/rc-core-evil3" "$B" -- /probe stat /escape/rc-core-evil3
is "$rc" 0 "without openat2: a mount through a symlink to / works"
check "  and stays in the rootfs" test ! -e /rc-core-evil3 -a -d "$B/rootfs/rc-core-evil3"
RTR_COMPAT=${compat0:+$compat0,}no-openat2 R --mount "$T/data:/escape2/rc-core-evil4" "$B" -- /probe stat /escape2/rc-core-evil4
check "without openat2: ../.. symlinks stay in the rootfs" test ! -e /tmp/rc-core-evil4 -a -d "$B/rootfs/tmp/rc-core-evil4"
rm -rf "$B/rootfs/escape" "$B/rootfs/escape2" "$B/rootfs/rc-core-evil3" "$B/rootfs/tmp/rc-core-evil4"
# A dangling symlink on the way: the destination is created where it points, inside the
# rootfs (both resolvers).
ln -s /rc-core-none/deep "$B/rootfs/dangle"
for mode in openat2 walk; do
	[[ $mode == walk ]] && export RTR_COMPAT=${compat0:+$compat0,}no-openat2
	R --mount "$T/rodata/file:/dangle/f-$mode" "$B" -- /probe cat "/dangle/f-$mode"
	like "$out" "^hello$" "$mode: a file mount through a dangling symlink"
	check "  created inside the rootfs" test -f "$B/rootfs/rc-core-none/deep/f-$mode" -a ! -e /rc-core-none
	export RTR_COMPAT=$compat0
done
rm -rf "$B/rootfs/dangle" "$B/rootfs/rc-core-none"

bundle_jq "$B" '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
	"options": ["nosuid", "nodev", "noexec", "size=1m", "mode=0700"]}]'
R "$B" -- /probe cat /proc/self/mountinfo
line=$(grep ' /scratch ' <<<"$out" || true)
like "$line" "size=1024k" "tmpfs size option"
like "$line" "mode=700" "tmpfs mode option"
like "$line" "nosuid,nodev,noexec" "tmpfs nosuid,nodev,noexec"
R "$B" -- /probe stat /scratch
like "$out" "type=d mode=0700" "  the mount point has mode 0700"
bundle_jq "$B" 'del(.mounts[-1])'

R "$B" -- /probe stat /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx /dev/fd /dev/stdin
like "$out" "^/dev/null type=c mode=0666 uid=0 gid=0 rdev=1:3$" "/dev/null"
like "$out" "^/dev/zero type=c mode=0666 .* rdev=1:5$" "/dev/zero"
like "$out" "^/dev/full type=c .* rdev=1:7$" "/dev/full"
like "$out" "^/dev/random type=c .* rdev=1:8$" "/dev/random"
like "$out" "^/dev/urandom type=c .* rdev=1:9$" "/dev/urandom"
like "$out" "^/dev/tty type=c .* rdev=5:0$" "/dev/tty"
like "$out" "^/dev/ptmx type=l" "/dev/ptmx is a link"
like "$out" "^/dev/fd type=l" "/dev/fd is a link"
like "$out" "^/dev/stdin type=l" "/dev/stdin is a link"
R "$B" -- /probe readlink /dev/ptmx
like "$out" "^readlink=pts/ptmx$" "  /dev/ptmx -> pts/ptmx"
R "$B" -- /probe cat /proc/self/mountinfo
like "$out" " /dev/pts .* devpts " "/dev/pts is a devpts"
like "$out" " /dev/shm .* tmpfs " "/dev/shm is a tmpfs"
like "$out" " /dev/mqueue .* mqueue " "/dev/mqueue"
like "$out" " /sys .* sysfs " "/sys is a sysfs"
like "$out" " /proc .* proc " "/proc is a proc"
unlike "$(awk '{ print $5 }' <<<"$out")" "^$B" "no host path of the bundle is a mount point in the container"
R --shm-size 2m "$B" -- /probe cat /proc/self/mountinfo
like "$(grep ' /dev/shm ' <<<"$out")" "size=2048k" "--shm-size sets the /dev/shm size"
R "$B" -- ls /proc/1
like "$out" "^status$" "/proc shows the container's pid namespace"
R "$B" -- sh -c 'ls -d /proc/[0-9]*'
is "$out" "/proc/1" "  with only the container's processes"

# A spec without a /dev mount gets rtr's default /dev.
bundle_jq "$B" '.mounts |= map(select(.destination | startswith("/dev") | not))'
R "$B" -- /probe stat /dev/null /dev/pts/ptmx /dev/shm
like "$out" "^/dev/null type=c mode=0666 .* rdev=1:3$" "no /dev in the spec: default /dev with null"
like "$out" "^/dev/pts/ptmx type=c" "  and /dev/pts"
like "$out" "^/dev/shm type=d mode=1777" "  and /dev/shm"
make_bundle "$B" /probe uid

# cgroup mount: the container's own cgroup namespace view.
bundle_jq "$B" '.linux.namespaces += [{"type": "cgroup"}]
	| .mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		"options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
R "$B" -- sh -c 'ls /sys/fs/cgroup; cat /proc/self/cgroup'
is "$rc" 0 "a cgroup mount in a cgroup namespace"
like "$out" "^(memory|cgroup.procs)$" "  shows the cgroup tree"
like "$out" "^[0-9]+:memory:/$" "  rooted at the container's own cgroup"
R "$B" -- /probe write /sys/fs/cgroup/rc-core-x
unlike "$out" "=ok" "  read-only"
make_bundle "$B" /probe uid

# Joining namespaces by path: a second container in the first one's uts and net namespaces.
"$RTR_RUN" --name rc-core-a --hostname rc-core-a "$B" /probe sleep 20 >/dev/null 2>&1 &
pida=$!
RTR_PIDS="$RTR_PIDS $pida"
if wait_for 5 pgrep -P "$pida"; then
	cpid=$(pgrep -P "$pida")
	cp -a "$B" "$T/rc-join"
	bundle_jq "$T/rc-join" 'del(.hostname) | .linux.namespaces |= map(
		if .type == "uts" then .path = $u elif .type == "network" then .path = $n else . end)' \
		--arg u "/proc/$cpid/ns/uts" --arg n "/proc/$cpid/ns/net"
	run "$RTR_RUN" --name rc-core-b "$T/rc-join" -- /probe hostname
	like "$out" "^hostname=rc-core-a$" "a namespace joined by path (uts)"
	run "$RTR_RUN" --name rc-core-b "$T/rc-join" -- /probe readlink /proc/self/ns/net
	is "$out" "readlink=$(readlink "/proc/$cpid/ns/net")" "a namespace joined by path (network)"
	bundle_jq "$T/rc-join" '.linux.namespaces |= map(if .type == "ipc" then .path = "/nonexistent/ns" else . end)'
	run "$RTR_RUN" --name rc-core-b "$T/rc-join" -- /probe hostname
	is "$rc" 125 "a namespace path that does not exist gives 125"
	like "$err" "/nonexistent/ns" "  naming the path"
else
	not_ok "first container for the namespace-join test did not start"
fi
kill -KILL "$(pgrep -P "$pida")" 2>/dev/null || true
wait "$pida" || true

# ---- rlimits, read-only root, sysctl, oomScoreAdj ----------------------------------------

bundle_jq "$B" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1000, "hard": 2000}]'
R "$B" -- /probe cat /proc/self/limits
like "$out" "^Max open files +1000 +2000 " "process.rlimits RLIMIT_NOFILE"
R --ulimit nofile=512:1024 --ulimit nproc=100 "$B" -- /probe cat /proc/self/limits
like "$out" "^Max open files +512 +1024 " "--ulimit overrides it"
like "$out" "^Max processes +100 +100 " "--ulimit nproc=100"
bundle_jq "$B" 'del(.process.rlimits)'

R --read-only "$B" -- /probe write /newfile
like "$out" "^write=EROFS$" "--read-only: root is read-only"
R --read-only "$B" -- /probe write /dev/shm/x
like "$out" "^write=ok$" "  /dev/shm stays writable"
bundle_jq "$B" '.root.readonly = true'
R "$B" -- /probe write /newfile
like "$out" "^write=EROFS$" "root.readonly"
bundle_jq "$B" '.root.readonly = false'
R "$B" -- /probe write /newfile
like "$out" "^write=ok$" "root is writable by default"

host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
want=$((1 - host_fwd))
bundle_jq "$B" '.linux.sysctl = {"net.ipv4.ip_forward": $v, "kernel.msgmax": "4242"}' --arg v "$want"
R "$B" -- /probe cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax
like "$out" "^$want$" "sysctl net.ipv4.ip_forward in the container's netns"
like "$out" "^4242$" "sysctl kernel.msgmax in the container's ipc ns"
is "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "  the host's value is untouched"
bundle_jq "$B" 'del(.linux.sysctl)'

bundle_jq "$B" '.process.oomScoreAdj = 500'
R "$B" -- /probe cat /proc/self/oom_score_adj
is "$out" "500" "process.oomScoreAdj"
bundle_jq "$B" 'del(.process.oomScoreAdj)'

# ---- hooks ----------------------------------------------------------------------------------

mkdir -p "$T/hooklog" "$B/rootfs/hooks"
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
# $1: hook kind; writes "kind <state json>" to the log
state=$(cat)
echo "$1 $state" >>"$HOOKLOG"
EOF
chmod +x "$T/hook.sh"
cat >"$B/rootfs/hooks/start.sh" <<'EOF'
#!/bin/sh
state=$(cat)
echo "startContainer $state" >>/hooklog/log
EOF
chmod +x "$B/rootfs/hooks/start.sh"
h() { jq -n --arg p "$T/hook.sh" --arg k "$1" --arg l "$T/hooklog/log" \
	'{path: $p, args: ["hook.sh", $k], env: ["HOOKLOG=" + $l]}'; }
bundle_jq "$B" '.hooks = {prestart: [$a], createRuntime: [$b], createContainer: [$c],
	startContainer: [{path: "/hooks/start.sh"}], poststart: [$e], poststop: [$f]}
	| .annotations = {"org.example.x": "y"}' \
	--argjson a "$(h prestart)" --argjson b "$(h createRuntime)" \
	--argjson c "$(h createContainer)" --argjson e "$(h poststart)" --argjson f "$(h poststop)"
R --mount "$T/hooklog:/hooklog" "$B" -- /probe exit 0
is "$rc" 0 "a container with every kind of hook runs"
is "$(cut -d' ' -f1 "$T/hooklog/log" 2>/dev/null | tr '\n' ' ')" \
	"prestart createRuntime createContainer startContainer poststart poststop " \
	"the hooks ran in the spec's order"
bad=0
while read -r kind state; do
	if ! jq -e --arg b "$B" '.ociVersion and .id == "rc-core" and .bundle == $b
			and (.status | type == "string") and .annotations["org.example.x"] == "y"' \
			<<<"$state" >/dev/null; then
		bad=1
		diag "bad state for $kind: $state"
	fi
	if [[ $kind != poststop ]] && ! jq -e '.pid > 0' <<<"$state" >/dev/null; then
		bad=1
		diag "no pid for $kind: $state"
	fi
done <"$T/hooklog/log"
is "$bad" 0 "  each got valid state JSON (ociVersion, id, status, pid, bundle, annotations)"
like "$(grep '^poststart' "$T/hooklog/log" || true)" '"status":"running"' "  poststart sees status running"
like "$(grep '^poststop' "$T/hooklog/log" || true)" '"status":"stopped"' "  poststop sees status stopped"

rm -f "$T/hooklog/log"
cat >"$T/fail.sh" <<'EOF'
#!/bin/sh
exit 3
EOF
chmod +x "$T/fail.sh"
bundle_jq "$B" '.hooks.prestart = [{path: $p}]' --arg p "$T/fail.sh"
R --mount "$T/hooklog:/hooklog" "$B" -- /probe write /hooklog/ran
is "$rc" 125 "a failing prestart hook aborts the start (125)"
like "$err" "prestart hook $T/fail.sh: exited with status 3" "  naming the hook and its status"
check "  the container process never ran" test ! -e "$T/hooklog/ran"
like "$(cat "$T/hooklog/log" 2>/dev/null || true)" "^poststop" "  poststop hooks still run"
bundle_jq "$B" '.hooks = {poststart: [{path: $p}]}' --arg p "$T/fail.sh"
R "$B" -- /probe exit 5
is "$rc" 5 "a failing poststart hook is only a warning"
like "$err" "warning: poststart hook" "  printed as a warning"
printf '#!/bin/sh\nsleep 10\n' >"$T/slow.sh" && chmod +x "$T/slow.sh"
bundle_jq "$B" '.hooks = {createRuntime: [{path: $p, timeout: 1}]}' --arg p "$T/slow.sh"
R "$B" -- /probe exit 0
is "$rc" 125 "a hook over its timeout aborts the start"
like "$err" "timed out after 1 s" "  and says so"
bundle_jq "$B" 'del(.hooks)'

# ---- file descriptors, the runtime binary, terminal ---------------------------------------

exec 7<"$RTR_RUN" 8>"$T/leak"
R "$B" -- /probe fds
exec 7<&- 8>&-
is "$out" "fds=0,1,2" "no fd of rtr-run leaks into the container"
R --init "$B" -- /probe fds
is "$out" "fds=0,1,2" "  nor with --init"

sum=$(sha256sum "$RTR_RUN" | cut -d' ' -f1)
R "$B" -- sh -c 'ls -l /proc/*/exe 2>&1'
unlike "$out" "rtr-run" "no process in the container runs rtr-run"
R --init "$B" -- sh -c '/probe write /proc/1/exe; /probe open /proc/1/exe'
unlike "$out" "=ok" "--init: the reaper's /proc/1/exe cannot be opened"
# Without a pid namespace the supervisor is visible: its exe must stay closed too.
bundle_jq "$B" '.linux.namespaces |= map(select(.type != "pid"))'
R "$B" -- sh -c '/probe write /proc/$PPID/exe; /probe readlink /proc/$PPID/exe'
like "$out" "^write=(EACCES|ETXTBSY|EPERM)$" "host pid namespace: rtr-run's /proc/PID/exe is not writable"
bundle_jq "$B" '.linux.namespaces += [{"type": "pid"}]'
is "$(sha256sum "$RTR_RUN" | cut -d' ' -f1)" "$sum" "  rtr-run's binary is unchanged"

bundle_jq "$B" '.process.terminal = true'
if command -v script >/dev/null; then
	run script -qec "$RTR_RUN --name rc-core $B /probe tty" /dev/null
	is "$rc" 0 "process.terminal under script(1)"
	like "$out" "isatty0=1" "  stdin is a terminal"
	like "$out" "ttyname=/dev/pts/0" "  a pty of the container's devpts"
	like "$out" "ctty=yes" "  which is the controlling terminal"
else
	skip "process.terminal under script(1)" "script(1) not installed"
fi
RUN_STDIN=<(printf 'echo in-$((6*7))\nexit 4\n') R "$B" -- /bin/sh
is "$rc" 4 "process.terminal with a pipe as stdin still relays"
like "$out" "in-42" "  the container read stdin and wrote to stdout"
bundle_jq "$B" '.mounts |= map(select(.destination != "/dev/pts"))'
R "$B" -- /probe tty
is "$rc" 125 "process.terminal without /dev/pts fails"
like "$err" "process.terminal: .*/dev/ptmx.*/dev/pts mounted" "  with a clear message"
make_bundle "$B" /probe uid

R --log-file "$T/c.log" "$B" -- sh -c 'echo to-out; echo to-err >&2'
like "$out" "^to-out$" "--log-file: stdout still reaches rtr-run's stdout"
like "$err" "^to-err$" "  stderr its stderr"
like "$(cat "$T/c.log")" "to-out" "  and both are in the log file"

# ==== supervisor death (issue 11) ==============================================================
# SIGKILL of rtr-run takes the container with it, whatever its credentials: the kernel
# clears the parent-death signal at every credential change (setuid, setgid, a user
# namespace), so it must be set again after the last one.  Then the name is free again.

D=$T/rc-death
make_bundle "$D" /probe uid
DU=$T/rc-death-userns
mkdir -p "$DU"
cp -a "$D/rootfs" "$DU/rootfs"
cp "$D/config.json" "$DU/config.json"
chown -R 300000:300000 "$DU/rootfs"

# Neither the probe nor a --init reaper (a fork of rtr-run, with its command line) is left.
death_gone() {
	! pgrep -f "^/probe sleep 86391" >/dev/null && ! pgrep -f "rtr-run --name rc-death" >/dev/null
}

# death_case LABEL BUNDLE ARGS...: starts /probe sleep with ARGS, SIGKILLs rtr-run once
# the probe runs, then checks that nothing of the container is left and the name is free.
death_case() {
	local label=$1 bundle=$2 sup cpid
	shift 2
	"$RTR_RUN" --name rc-death "$@" "$bundle" /probe sleep 86391 >/dev/null 2>&1 &
	sup=$!
	RTR_PIDS="$RTR_PIDS $sup"
	if ! wait_for 5 pgrep -f "^/probe sleep 86391"; then
		not_ok "$label: the container started"
		kill -KILL "$sup" 2>/dev/null || true
		wait "$sup" 2>/dev/null || true
		return
	fi
	cpid=$(pgrep -f "^/probe sleep 86391" | head -1)
	kill -KILL "$sup"
	wait "$sup" 2>/dev/null || true
	if wait_for 5 death_gone; then
		ok "$label: SIGKILL of rtr-run ends the container"
	else
		not_ok "$label: SIGKILL of rtr-run ends the container" \
			"still running: $(pgrep -af 'sleep 86391|rc-death' | tr '\n' ';')"
	fi
	run "$RTR_RUN" --name rc-death "$@" "$bundle" /probe exit 0
	is "$rc" 0 "  $label: the name can be used again at once"
	if ! death_gone; then
		"$RTR_RUN" stop -t 0 rc-death >/dev/null 2>&1 || true
		kill -KILL "$cpid" 2>/dev/null || true
		wait_for 5 death_gone || true
	fi
}

for init in "" --init; do
	death_case "root${init:+ $init}" "$D" $init
	death_case "--user 1000${init:+ $init}" "$D" --user 1000 $init
	death_case "--user 0:1000${init:+ $init}" "$D" --user 0:1000 $init
	death_case "--userns${init:+ $init}" "$DU" --userns 300000:65536 $init
done

# Started again at once, as a service manager would: the new run waits for the old
# container's processes to go instead of calling the name taken.
"$RTR_RUN" --name rc-death --user 1000 "$D" /probe sleep 86391 >/dev/null 2>&1 &
sup=$!
RTR_PIDS="$RTR_PIDS $sup"
wait_for 5 pgrep -f "^/probe sleep 86391" || true
kill -KILL "$sup"
wait "$sup" 2>/dev/null || true
run "$RTR_RUN" --name rc-death --user 1000 "$D" /probe exit 0
is "$rc" 0 "a start right after SIGKILL of rtr-run finds the name free"
wait_for 5 death_gone || true

# ==== end of supervisor death ================================================================

# ---- nothing left behind -------------------------------------------------------------------

is "$(host_mounts_under "$T" | wc -l)" 0 "no mount of any container is left on the host"
is "$(pgrep -f "rtr-run --name rc-core" | wc -l)" 0 "no rtr-run process is left"


# ==== hooks that keep going, hooks' environment, linux.rootfsPropagation =======================

B2=$T/rc-core2
make_bundle "$B2" /probe exit 0
mkdir -p "$T/hooklog2"
rm -f "$T/hooklog2/log"
# A hook that logs its kind (argv[1]) and the PATH it got: no "env" in the hook.
printf '#!/bin/sh\necho "$1 PATH=$PATH" >>%s/log\n' "$T/hooklog2" >"$T/hook2.sh"
chmod +x "$T/hook2.sh"
hk() { jq -n --arg p "$T/hook2.sh" --arg k "$1" '{path: $p, args: ["hook2.sh", $k]}'; }
bundle_jq "$B2" '.hooks = {poststart: [{path: $f}, $a, {path: $f}, $b], poststop: [{path: $f}, $c, $d]}' \
	--arg f "$T/fail.sh" --argjson a "$(hk poststart-1)" --argjson b "$(hk poststart-2)" \
	--argjson c "$(hk poststop-1)" --argjson d "$(hk poststop-2)"
run "$RTR_RUN" --name rc-core2 "$B2"
is "$rc" 0 "failing poststart and poststop hooks do not fail the run"
is "$(cut -d' ' -f1 "$T/hooklog2/log" 2>/dev/null | tr '\n' ' ')" "poststart-1 poststart-2 poststop-1 poststop-2 " \
	"  the hooks after a failing one still run"
is "$(grep -c "warning: post\(start\|stop\) hook $T/fail.sh: exited with status 3" <<<"$err")" 3 \
	"  each failure is logged once"
like "$(head -1 "$T/hooklog2/log" 2>/dev/null)" "PATH=.*/bin" "a hook without env gets rtr-run's environment (PATH)"

# The root's propagation as /proc/self/mountinfo shows it inside the container.
bundle_args "$B2" sh -c 'awk '\''$5 == "/" { print }'\'' /proc/self/mountinfo'
# In a mount namespace whose mounts are shared, so that a slave has a master to follow.
for p in private shared slave unbindable rshared runbindable; do
	bundle_jq "$B2" 'del(.hooks) | .linux.rootfsPropagation = $p' --arg p "$p"
	run unshare -m --propagation shared "$RTR_RUN" --name rc-core2 "$B2"
	is "$rc" 0 "linux.rootfsPropagation $p: runs"
	case $p in
	private) unlike "$out" "shared:|master:|unbindable" "  / is private" ;;
	shared | rshared) like "$out" " shared:[0-9]+" "  / is shared" ;;
	slave) like "$out" " master:[0-9]+" "  / is a slave" ;;
	unbindable | runbindable) like "$out" " unbindable" "  / is unbindable" ;;
	esac
done
is "$(host_mounts_under "$T" | wc -l)" 0 "no mount of these containers is left on the host"

# ==== the container's stdio and HOME (issue 11) =========================================

S=$T/rc-stdio
make_bundle "$S" /probe exit 0
bundle_jq "$S" '.process.env |= map(select(startswith("HOME=") | not))'
# Pipes on all three (`run` gives files): a non-root user reopens them through /dev/std*.
o=$(echo in | timeout -k 5 30 "$RTR_RUN" --name rc-stdio --user 1000 "$S" -- \
	sh -c 'cat /dev/stdin >/dev/stdout && echo err >/dev/stderr' 2>&1 | cat) && rc=0 || rc=$?
is "$rc" 0 "--user 1000 opens /dev/stdin, /dev/stdout and /dev/stderr (pipes)" || diag "$o"
is "$(tr '\n' ' ' <<<"$o")" "in err " "  and reads and writes through them"
# A file of the host keeps its owner.
: >"$T/stdio-file"
timeout -k 5 30 "$RTR_RUN" --name rc-stdio --user 1000 "$S" -- true >"$T/stdio-file" 2>&1 </dev/null || true
is "$(stat -c %u:%g "$T/stdio-file")" "0:0" "  a file of the host as stdout keeps its owner"
if command -v script >/dev/null; then
	bundle_jq "$S" '.process.terminal = true'
	o=$(timeout -k 5 30 script -qec "$RTR_RUN --name rc-stdio --user 1000:1000 $S -- sh -c 'true </dev/stdin && echo tty-ok >/dev/stdout'" /dev/null </dev/null 2>&1) && rc=0 || rc=$?
	like "$o" "tty-ok" "process.terminal with --user 1000:1000: the pty opens through /dev/stdin and /dev/stdout" || diag "$o"
	bundle_jq "$S" '.process.terminal = false'
else
	skip "process.terminal with --user 1000:1000" "needs script(1)"
fi

# HOME from the container's /etc/passwd when process.env has none.
R "$S" -- sh -c 'echo "$HOME"'
is "$out" "/root" "no HOME in process.env: uid 0 gets /root from /etc/passwd"
R --user 1000 "$S" -- sh -c 'echo "$HOME"'
is "$out" "/home/user" "  uid 1000 gets its passwd entry's home"
R --user 4242 "$S" -- sh -c 'echo "$HOME"'
is "$out" "/" "  a uid without an entry gets /"
R -e HOME=/custom --user 1000 "$S" -- sh -c 'echo "$HOME"'
is "$out" "/custom" "  a HOME in the environment is kept"
cp "$S/rootfs/etc/passwd" "$T/passwd.orig"
# A hostile /etc/passwd: a fifo nobody writes, a device, a huge file with no newline,
# short and malformed lines.
rm -f "$S/rootfs/etc/passwd"
mkfifo "$S/rootfs/etc/passwd"
R --user 1000 "$S" -- sh -c 'echo "$HOME"'
is "$rc:$out" "0:/" "  /etc/passwd a fifo: no hang, HOME=/"
rm -f "$S/rootfs/etc/passwd"
ln -s /dev/zero "$S/rootfs/etc/passwd"
R --user 1000 "$S" -- sh -c 'echo "$HOME"'
is "$rc:$out" "0:/" "  /etc/passwd a link to /dev/zero: HOME=/"
rm -f "$S/rootfs/etc/passwd"
{ printf 'x:x:1000:1000::rel/home:/bin/sh\n::::::\n:\nuser:x:1000\n'; head -c 3000000 /dev/zero | tr '\0' 'a'; } >"$S/rootfs/etc/passwd"
R --user 1000 "$S" -- sh -c 'echo "$HOME"'
is "$rc:$out" "0:/" "  malformed entries and a 3 MB line: HOME=/"
cp "$T/passwd.orig" "$S/rootfs/etc/passwd"

# ==== a namespace path that is not one (issue 11) ==============================================

bundle_jq "$S" '.linux.namespaces += [{type: "cgroup", path: "/proc/999999/ns/cgroup"}]'
R "$S" -- true
is "$rc" 125 "a missing linux.namespaces[].path fails the start"
like "$err" 'config.json: \.linux\.namespaces\[5\]\.path: /proc/999999/ns/cgroup: No such file or directory' \
	"  naming the JSON path and the cause"
bundle_jq "$S" '.linux.namespaces[5].path = "/proc/self/ns/net"'
R "$S" -- true
like "$err" '\.linux\.namespaces\[5\]\.path: /proc/self/ns/net: not a cgroup namespace' \
	"  a namespace of another type is refused the same way"
bundle_jq "$S" '.linux.namespaces[5].path = "/proc/self/ns/cgroup"'
R "$S" -- true
is "$rc" 0 "  a namespace of the right type is joined"
# ==== bundles written by `runc spec` and `crun spec` (issue 11) ===============================
# Their exact config.json, the test rootfs put in and terminal off (no tty here): they list
# ambient capabilities that are not inheritable; rtr-run raises what the kernel allows and
# skips the rest with one warning, as runc and crun do.
for rt in runc crun; do
	if ! command -v "$rt" >/dev/null; then
		skip "$rt spec bundle" "$rt is not installed"
		continue
	fi
	SB=$T/spec-$rt
	mkdir -p "$SB"
	(cd "$SB" && "$rt" spec)
	make_busybox_rootfs "$SB/rootfs"
	bundle_jq "$SB" '.process.terminal = false | .process.args = ["/probe", "caps"]'
	run "$RTR_RUN" --name rc-spec-$rt "$SB"
	is "$rc" 0 "the bundle of \`$rt spec\` runs"
	like "$out" "^CapEff=0000000020000420$" "  with its three capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE)"
	like "$out" "^CapAmb=0000000000000000$" "  no ambient capability (none is inheritable)"
	like "$out" "^NoNewPrivs=1$" "  noNewPrivileges true"
	is "$(grep -c 'warning: process.capabilities.ambient: not raising CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE: ' <<<"$err")" 1 \
		"  one warning line names every skipped ambient capability"
	is "$(grep -c warning <<<"$err")" 1 "  and nothing else is warned about"
	run "$RTR_RUN" --quiet --name rc-spec-$rt "$SB"
	is "$rc:$err" 0: "  --quiet: no warning"
	bundle_jq "$SB" '.process.args = ["/bin/sh", "-c", "echo hello from $(hostname); touch /x 2>&1 | grep -c Read-only"]'
	run "$RTR_RUN" --name rc-spec-$rt "$SB"
	is "$out" "$(printf 'hello from %s\n1' "$rt")" "  hostname $rt, read-only root as the config says"
done

done_testing
