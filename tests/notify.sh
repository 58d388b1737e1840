#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sd_notify and socket activation with real containers: a test NOTIFY_SOCKET (a python3
# datagram listener) gets READY=1 and MAINPID only once the entrypoint runs, STATUS= on
# restarts, STOPPING=1 on a stop; --notify=container relays the container's own
# READY=1/STATUS=; LISTEN_FDS passes a listening socket into the container as fd 3 and
# no other inherited fd.  Names start with "ntf-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
export RTR_STOP_TIMEOUT_S=3
container_suite python3
: "${RTR_SD_HELPER:=$RTR_BUILDDIR/tests/sd-helper}"
[[ -x $RTR_SD_HELPER ]] || skip_all "needs the sd-helper test program ($RTR_SD_HELPER)"

# The listener: one line per datagram in $2 ("|" for newlines).  At READY=1 it also
# writes which programs the container's cgroup runs right then: "rtr-run" there would
# mean READY came before the entrypoint's execve.
cat >"$T/listen.py" <<'PY'
import glob, os, socket, sys
addr, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(addr.replace("@", "\0", 1) if addr.startswith("@") else addr)
open(out + ".up", "w").close()
while True:
    msg = s.recv(4096).decode()
    line = msg.strip().replace("\n", "|")
    if "READY=1" in msg.split("\n"):
        comms = []
        for procs in glob.glob(f"/sys/fs/cgroup/rtr/{name}/cgroup.procs") + \
                glob.glob(f"/sys/fs/cgroup/*/rtr/{name}/cgroup.procs"):
            for pid in open(procs).read().split():
                try:
                    comms.append(open(f"/proc/{pid}/comm").read().strip())
                except OSError:
                    pass
        line += " comm=" + ",".join(sorted(set(comms)))
    with open(out, "a") as f:
        f.write(line + "\n")
PY
# listen ADDR NAME: starts the listener, log in $T/NAME.notify
lpid=
listen() {
	if [[ -n $lpid ]]; then
		kill "$lpid" 2>/dev/null || true
		wait "$lpid" 2>/dev/null || true
	fi
	[[ $1 == /* ]] && rm -f "$1"
	rm -f "$T/$2.notify" "$T/$2.notify.up"
	python3 "$T/listen.py" "$1" "$T/$2.notify" "$2" &
	lpid=$!
	RTR_PIDS="$RTR_PIDS $lpid"
	wait_for 10 test -e "$T/$2.notify.up" || not_ok "listener for $2 up"
}
said() { grep -E -- "$2" "$T/$1.notify" >/dev/null 2>&1; }
# bg_notify NAME ARGS...: bg_timed (tests/lib.sh), and $rtrpid: the rtr-run under the timeout
bg_notify() {
	bg_timed "$@"
	wait_for 5 pgrep -P "$bgpid" rtr-run || true
	rtrpid=$(pgrep -P "$bgpid" rtr-run || echo none)
}

make_bundle "$T/b" /bin/sleep 1000
cp "$RTR_SD_HELPER" "$T/b/rootfs/sd-helper"

# ---- rtr-run says READY=1 ------------------------------------------------------------------
listen "$T/ntf.sock" ntf-ready
NOTIFY_SOCKET=$T/ntf.sock bg_notify ntf-ready "$T/b"
if wait_for 20 said ntf-ready READY=1; then
	ok "READY=1 reaches NOTIFY_SOCKET"
else
	not_ok "READY=1 reaches NOTIFY_SOCKET" "$(cat "$T/ntf-ready.err")"
fi
like "$(cat "$T/ntf-ready.notify")" "^READY=1\|MAINPID=$rtrpid comm=sleep\$" \
	"with MAINPID=rtr-run's pid, once the cgroup runs the entrypoint (sleep), not rtr-run"
run "$RTR_RUN" stop ntf-ready
bg_wait
like "$(cat "$T/ntf-ready.notify")" "^STOPPING=1\$" "rtr-run stop: STOPPING=1"
is "$(head -1 "$T/ntf-ready.notify" | cut -d' ' -f1)" "READY=1|MAINPID=$rtrpid" \
	"  and nothing before READY=1"

cp -a "$T/b" "$T/missing"
bundle_jq "$T/missing" '.process.args = ["/nonexistent"]'
listen "$T/ntf.sock" ntf-missing
NOTIFY_SOCKET=$T/ntf.sock run "$RTR_RUN" --name ntf-missing "$T/missing"
is "$rc" 127 "an entrypoint that is missing: 127"
sleep 0.2
unlike "$(cat "$T/ntf-missing.notify" 2>/dev/null || true)" "READY=1" "  and no READY=1"

# Abstract socket address; restarts say STATUS=, READY=1 comes once.
cp -a "$T/b" "$T/fail"
bundle_jq "$T/fail" '.process.args = ["/bin/sh", "-c", "exit 3"]'
listen "@rtr-test-$$" ntf-restart
NOTIFY_SOCKET=@rtr-test-$$ run "$RTR_RUN" --name ntf-restart --restart on-failure:2 \
	--restart-delay 10ms "$T/fail"
is "$rc" 3 "a crash loop under an abstract NOTIFY_SOCKET"
sleep 0.2
msgs=$(cat "$T/ntf-restart.notify")
is "$(grep -c READY=1 <<<"$msgs")" 1 "  READY=1 once"
like "$msgs" "^STATUS=exited with status 3, restart 1 in 10 ms\$" "  STATUS= before a restart"
like "$msgs" "^STATUS=running \(restart 2\)\$" "  STATUS= once it runs again"

# The manager's socket stays rtr-run's.
cp -a "$T/b" "$T/env"
bundle_jq "$T/env" '.process.args = ["/probe", "env"]'
NOTIFY_SOCKET=$T/ntf.sock LISTEN_FDS=1 LISTEN_PID=1 run "$RTR_RUN" --name ntf-env "$T/env"
unlike "$out" "^(NOTIFY_SOCKET|LISTEN_)" "no NOTIFY_SOCKET or LISTEN_* in the container by default"

# ---- --notify=container ---------------------------------------------------------------------
cp -a "$T/b" "$T/svc"
bundle_jq "$T/svc" '.process.args = ["/bin/sh", "-c",
	"/sd-helper notify \"STATUS=warming up\"; echo $NOTIFY_SOCKET >/tmp/ns; sleep 1;
	 /sd-helper notify \"READY=1\nMAINPID=4242\"; trap \"exit 143\" TERM; sleep 1000 & wait"]'
listen "$T/ntf.sock" ntf-svc
NOTIFY_SOCKET=$T/ntf.sock bg_notify ntf-svc --notify=container "$T/svc"
if wait_for 20 said ntf-svc READY=1; then
	ok "--notify=container: the container's READY=1 is relayed"
else
	not_ok "--notify=container: the container's READY=1 is relayed" "$(cat "$T/ntf-svc.err")"
fi
is "$(head -1 "$T/ntf-svc.notify")" "STATUS=warming up" "  its STATUS= first, rtr-run says no READY=1 itself"
like "$(cat "$T/ntf-svc.notify")" "^READY=1\|MAINPID=$rtrpid comm=[a-z,]+\$" \
	"  READY=1 with rtr-run's MAINPID, not the container's"
unlike "$(cat "$T/ntf-svc.notify")" "comm=.*rtr-run" "  sent by the container's program"
ls "/run/rtr/notify/ntf-svc/notify.sock" >/dev/null 2>&1 && ok "  the socket is under /run/rtr/notify/NAME" ||
	not_ok "  the socket is under /run/rtr/notify/NAME"
run "$RTR_RUN" stop ntf-svc
bg_wait
is "$rc" 143 "  stopped"
[[ ! -e /run/rtr/notify/ntf-svc ]] && ok "  its directory is removed at the end" ||
	not_ok "  its directory is removed at the end"
is "$(cat "$T/svc/rootfs/tmp/ns")" /run/notify/notify.sock "  NOTIFY_SOCKET in the container"

# ---- socket activation ----------------------------------------------------------------------
# activate SOCK ARGS...: rtr-run ARGS with a listening unix socket SOCK as fd 3 (LISTEN_FDS=1,
# LISTEN_PID=rtr-run) and a stray inherited fd 7; prints what a client reads from SOCK.
cat >"$T/activate.py" <<'PY'
import os, socket, subprocess, sys, time
path, args = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
os.dup2(s.fileno(), 3)
os.dup2(os.open("/dev/null", os.O_RDONLY), 7)
p = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web exec "$@"',
                      "sh"] + args, pass_fds=(3, 7))
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)  # queued on the listening socket until the container accepts
c.settimeout(60)
data = c.recv(100).decode()
print(data)
sys.exit(p.wait())
PY
cp -a "$T/b" "$T/act"
bundle_jq "$T/act" '.process.args = ["/sd-helper", "accept", "hello from the container"]'
run python3 "$T/activate.py" "$T/act.sock" "$RTR_RUN" --name ntf-act "$T/act"
is "$rc/$out" "0/hello from the container" "LISTEN_FDS: the container accepts on fd 3 (LISTEN_PID=1)"
rm -f "$T/act.sock"
run python3 "$T/activate.py" "$T/act.sock" "$RTR_RUN" --name ntf-act --init "$T/act"
is "$rc/$out" "0/hello from the container" "  also behind --init (LISTEN_PID=2)"

bundle_jq "$T/act" '.process.args = ["/bin/sh", "-c",
	"/probe fds; env | grep ^LISTEN_ | sort; /sd-helper accept ok"]'
rm -f "$T/act.sock"
run python3 "$T/activate.py" "$T/act.sock" "$RTR_RUN" --name ntf-act "$T/act"
like "$out" "^fds=0,1,2,3\$" "  fd 3 passed, the stray fd 7 closed"
like "$out" "^LISTEN_FDNAMES=web\$" "  LISTEN_FDNAMES passed on"
like "$out" "^LISTEN_FDS=1\$" "  LISTEN_FDS=1"
like "$out" "^LISTEN_PID=1\$" "  LISTEN_PID=1"

# ---- the service files ------------------------------------------------------------------------
UNIT=$RTR_BUILDDIR/contrib/rtr@.service
INITD=$RTR_BUILDDIR/contrib/rtr.initd
unit=$(cat "$UNIT")
for l in Type=notify Delegate=yes SuccessExitStatus=143 EnvironmentFile=-/etc/rtr/%i.env \
	KillMode=mixed; do
	like "$unit" "^$l\$" "rtr@.service: $l"
done
if command -v systemd-analyze >/dev/null; then
	# An instance of the unit, starting the rtr-run just built (verify checks it exists).
	mkdir -p "$T/units"
	sed "s|^ExecStart=[^ ]*/rtr-run|ExecStart=$RTR_RUN|" "$UNIT" >"$T/units/rtr@web.service"
	run systemd-analyze verify "$T/units/rtr@web.service"
	is "$rc/$out$err" "0/" "systemd-analyze verify rtr@web.service: no complaint"
else
	skip "systemd-analyze verify rtr@.service" "no systemd-analyze (apt-get install systemd)"
fi

# The openrc script's options may hold spaces: its command line, as openrc evals it.
cp -a "$T/env" "$T/env2"
run env RC_SVCNAME=rtr.ntf-initd rtr_bundle="$T/env2" RTR_RUN="$RTR_RUN" \
	rtr_opts="--env 'GREETING=hello world' --hostname x" \
	sh -c '. "$1"; command=$RTR_RUN; eval "\"\$command\" $command_args"' sh "$INITD"
is "$rc" 0 "rtr.initd: its command line runs the container"
like "$out" "^GREETING=hello world\$" "  with an option value that holds a space"
like "$(cat "$INITD")" "^supervisor=supervise-daemon\$" "  under supervise-daemon"
like "$(cat "$INITD")" '^output_log="/var/log/rtr/\$\{container\}.log"$' "  output to a log"

kill "$lpid" 2>/dev/null || true
wait "$lpid" 2>/dev/null || true
done_testing
