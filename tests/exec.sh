#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-run exec: a command joins a running container -- its namespaces, cgroup,
# capabilities, no_new_privs, seccomp, environment and user, as rtr-run applied them
# (command-line overrides included) -- plus exit codes, -e/-u/-w, stdin, signals, -t,
# --init and user-namespaced containers, and the refusal of a paused one.
# Container names start with "ext-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
container_suite
BG_READY=init_running

make_bundle "$T/b" /bin/sleep 300
B=$T/b
# Names only the container has (-u resolves them in its files, never the host's).
echo "ext-ctruser:x:2345:2346:c:/home/c:/bin/sh" >>"$B/rootfs/etc/passwd"
echo "ext-ctrgrp:x:3456:" >>"$B/rootfs/etc/group"

# status LINE of /proc/PID/status
st() { grep "^$2:" "/proc/$1/status" | awk '{ print $2 }'; }

# ---- the container's world ------------------------------------------------------------
# Command-line overrides the bundle does not have: exec must see them too.
bg ext-a --hostname ext-host --cap-drop NET_RAW --env FROM_RUN=1 --ulimit nofile=123:456 "$B"
P=$(init_pid ext-a)

run "$RTR_RUN" exec ext-a -- hostname
is "$out|$rc" "ext-host|0" "exec sees the container's hostname (--hostname of run)"

run "$RTR_RUN" exec ext-a -- sh -c 'for n in pid net mnt uts ipc; do readlink /proc/self/ns/$n; done'
want=$(for n in pid net mnt uts ipc; do readlink /proc/$P/ns/$n; done)
is "$out" "$want" "exec joins the container's pid, net, mount, uts and ipc namespaces"
run "$RTR_RUN" exec ext-a -- sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "'
like "$out" $'^[0-9]+\n/bin/sleep 300 $' "exec sees the container's PID 1 (its own pid namespace)"

run "$RTR_RUN" exec ext-a -- sh -c 'cat /proc/self/cgroup'
is "$out" "$(cat /proc/$P/cgroup)" "exec is in the container's cgroup (every hierarchy)"
# Without clone3 the unified tree is entered through cgroup.procs (RTR_COMPAT keeps what
# .ci/run's old-kernel run set).
compat0=${RTR_COMPAT-}
RTR_COMPAT=${compat0:+$compat0,}no-clone3 run "$RTR_RUN" exec ext-a -- sh -c 'cat /proc/self/cgroup'
is "$out" "$(cat /proc/$P/cgroup)" "  also without clone3 (RTR_COMPAT=no-clone3)"

run "$RTR_RUN" exec ext-a -- /probe caps
for k in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp; do
	like "$out" "^$k=$(st "$P" $k)\$" "exec has the container's $k"
done
eff=$(sed -n 's/^CapEff=//p' <<<"$out")
is "$(((16#${eff:-0} >> 13) & 1))" 0 "  --cap-drop NET_RAW of run holds in exec"
run "$RTR_RUN" exec ext-a -- /probe syscall keyctl
is "$out" "keyctl=EPERM" "exec runs under the container's seccomp filter"

run "$RTR_RUN" exec ext-a -- sh -c 'echo "$FROM_RUN $HOME $TERM"; ulimit -n; ulimit -Hn; pwd; id -u'
is "$out" $'1 /root xterm\n123\n456\n/\n0' "environment (--env of run), rlimits (--ulimit), cwd and user of the container"

# ---- options ----------------------------------------------------------------------------
run "$RTR_RUN" exec -e FOO=bar -e TERM=dumb ext-a -- sh -c 'echo "$FOO $TERM $FROM_RUN"'
is "$out" "bar dumb 1" "-e adds and overrides variables"
run "$RTR_RUN" exec -u 1000:1000 ext-a -- /probe uid
like "$out" $'^uid=1000\ngid=1000\neuid=1000\negid=1000\ngroups=$' "-u UID:GID"
run "$RTR_RUN" exec -u 1000 ext-a -- id -g
is "$out" 0 "-u UID keeps the container's gid"
run "$RTR_RUN" exec -w /tmp ext-a -- pwd
is "$out" /tmp "-w DIR"
run "$RTR_RUN" exec -w /nonexistent ext-a -- pwd
is "$rc" 125 "-w DIR that does not exist: 125"
like "$err" "exec: /nonexistent: No such file or directory" "  naming the directory"
run "$RTR_RUN" exec -u ext-ctruser ext-a -- /probe uid
like "$out" $'^uid=2345\ngid=2346\neuid=2345\negid=2346\ngroups=$' "-u NAME: uid and gid from the container's /etc/passwd"
run "$RTR_RUN" exec -u ext-ctruser:ext-ctrgrp ext-a -- /probe uid
like "$out" $'^uid=2345\ngid=3456\n' "-u NAME:GROUP: the gid from the container's /etc/group"
run "$RTR_RUN" exec -u 1000:ext-ctrgrp ext-a -- /probe uid
like "$out" $'^uid=1000\ngid=3456\n' "-u UID:GROUP"
run "$RTR_RUN" exec -u bob ext-a -- true
is "$rc|$err" "125|rtr-run: ext-a: exec: -u bob: no user bob in the container's /etc/passwd" \
	"-u with an unknown user: 125, naming the user and the file"
run "$RTR_RUN" exec -u user:nosuchgroup ext-a -- true
is "$rc|$err" "125|rtr-run: ext-a: exec: -u user:nosuchgroup: no group nosuchgroup in the container's /etc/group" \
	"-u with an unknown group: 125, naming the group and the file"
run "$RTR_RUN" exec -u : ext-a -- true
like "$rc|$err" "^125\|.*-u :: expected USER\[:GROUP\]" "-u with an empty name is refused"

# ---- exit codes ---------------------------------------------------------------------------
run "$RTR_RUN" exec ext-a -- true
is "$rc" 0 "exit 0"
run "$RTR_RUN" exec ext-a -- sh -c 'exit 42'
is "$rc" 42 "exit N is passed on"
run "$RTR_RUN" exec ext-a -- sh -c 'kill -USR1 $$'
is "$rc" 138 "death by a signal is 128+N"
run "$RTR_RUN" exec ext-a -- /etc/passwd
is "$rc" 126 "not executable: 126"
like "$err" "^rtr-run: ext-a: exec: /etc/passwd: Permission denied" "  with a message naming it"
run "$RTR_RUN" exec ext-a -- no-such-cmd
is "$rc" 127 "not found: 127"
like "$err" "exec: no-such-cmd: No such file or directory" "  with a message naming it"
run "$RTR_RUN" exec ext-nope -- true
is "$rc" 1 "no such container: 1"
like "$err" "ext-nope: exec: no such running container" "  said so"
run "$RTR_RUN" exec ext-a
is "$rc" 125 "a missing CMD is a usage error"

# ---- stdio and signals -------------------------------------------------------------------
out=$(echo hello | "$RTR_RUN" exec ext-a -- sh -c 'cat; echo err >&2' 2>"$T/err")
is "$out|$(cat "$T/err")" "hello|err" "stdin, stdout and stderr are passed through"
"$RTR_RUN" exec ext-a -- sh -c 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done' >"$T/sig.out" 2>&1 &
ex=$!
wait_for 10 grep -q ready "$T/sig.out" || diag "exec did not start: $(cat "$T/sig.out")"
kill -TERM $ex
rc=0
wait $ex || rc=$?
is "$rc|$(tail -1 "$T/sig.out")" "3|got TERM" "SIGTERM to rtr-run exec is forwarded to the command"
if command -v script >/dev/null; then
	out=$(script -qec "$RTR_RUN exec -t ext-a -- sh -c 'tty; [ -t 0 ] && echo stdin-tty'" /dev/null </dev/null | tr -d '\r')
	like "$out" "/dev/pts/[0-9]+" "-t: a terminal from the container's devpts"
	like "$out" "stdin-tty" "  as the command's stdin"
else
	skip "-t: a terminal from the container's devpts" "no script(1)"
	skip "  as the command's stdin" "no script(1)"
fi
run "$RTR_RUN" exec ext-a -- sh -c '[ -t 0 ] || echo no-tty'
is "$out" no-tty "no -t and no terminal on stdin: no pty"

# ---- pause ----------------------------------------------------------------------------------
run "$RTR_RUN" pause ext-a
run "$RTR_RUN" exec ext-a -- true
is "$rc" 125 "a paused container is refused"
like "$err" "ext-a: exec: the container is paused \(rtr-run resume ext-a first\)" "  with a clear message"
run "$RTR_RUN" resume ext-a
run "$RTR_RUN" exec ext-a -- true
is "$rc" 0 "after resume exec works again"
run "$RTR_RUN" stop ext-a

# ---- --init and user namespaces --------------------------------------------------------------
bg ext-init --init "$B"
run "$RTR_RUN" exec ext-init -- sh -c 'echo $$; ps -o pid,args | grep -c "sleep 300"'
like "$out" $'^[3-9][0-9]*\n1$' "--init container: exec joins it beside the reaper and the entrypoint"
Pi=$(init_pid ext-init)
run "$RTR_RUN" exec ext-init -- readlink /proc/self/ns/pid
is "$out" "$(readlink /proc/$Pi/ns/pid)" "  in its pid namespace"
run "$RTR_RUN" stop ext-init

# An image whose /etc/passwd is a symlink out of its root: the in-root resolver keeps it
# inside (the link then points at itself), so the host's root entry is never read.
make_bundle "$T/esc" /bin/sleep 300
ln -sfn ../../../../../../../../etc/passwd "$T/esc/rootfs/etc/passwd"
bg ext-esc "$T/esc"
run "$RTR_RUN" exec -u root ext-esc -- true
like "$rc|$err" "^125\|.*-u root: the container's /etc/passwd: " "-u NAME: a passwd symlink out of the root is not followed to the host"
run "$RTR_RUN" stop ext-esc

if [[ -e /proc/self/ns/user ]] && "$RTR_RUN" --userns auto --name ext-probe "$B" -- true 2>/dev/null; then
	bg ext-user --userns auto "$B"
	Pu=$(init_pid ext-user)
	run "$RTR_RUN" exec ext-user -- sh -c 'id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user'
	like "$out" $'^0\n +0 +[0-9]+ +[0-9]+\n' "user-namespaced container: exec is the mapped root"
	like "$out" "$(readlink /proc/$Pu/ns/user | sed 's/[][]/\\&/g')" "  in the container's user namespace"
	run "$RTR_RUN" exec ext-user -- /probe caps
	like "$out" "^CapEff=$(st "$Pu" CapEff)\$" "  with the container's capabilities"
	run "$RTR_RUN" exec -u 1000 ext-user -- id -u
	is "$out" 1000 "  -u works inside the user namespace"
	run "$RTR_RUN" stop ext-user
else
	for d in "user-namespaced container: exec is the mapped root" "  in the container's user namespace" \
		"  with the container's capabilities" "  -u works inside the user namespace"; do
		skip "$d" "no --userns auto on this host"
	done
fi

done_testing
