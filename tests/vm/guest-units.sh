#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest only: contrib/rtr@.service under a real systemd.  Its Type=notify checks run when
# the unit says Type=notify.  Container names start with "u-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd jq systemctl journalctl
rtr_tmpdir
# A hung systemctl fails its check instead of the whole suite.
systemctl() { timeout 90 /bin/systemctl "$@"; }
# The unit as `ninja install` configures it (@bindir@), pointing at the rtr-run under test.
sed "s|@bindir@/rtr-run|$RTR_RUN|" "$RTR_SRCDIR/contrib/rtr@.service" \
	>/etc/systemd/system/rtr@.service
systemctl daemon-reload
TYPE=$(systemctl show -P Type rtr@u-a.service)
diag "rtr@.service: Type=$TYPE"
is "$(systemctl show -P Delegate rtr@u-a.service)" yes "rtr@.service has Delegate=yes"

BUNDLES=/var/lib/rtr/bundles
# mk NAME ARGS...: a bundle for rtr@NAME with a memory and a pids limit
mk() {
	local b=$BUNDLES/$1
	shift
	make_bundle "$b" "$@"
	bundle_jq "$b" '.linux.resources = {"memory": {"limit": 50331648}, "pids": {"limit": 25}}'
}
cg() { echo "/sys/fs/cgroup$(systemctl show -P ControlGroup "rtr@$1.service")"; }
prop() { systemctl show -P "$2" "rtr@$1.service"; }
running() { [[ -n $(cat "$(cg "$1")/rtr/$1/cgroup.procs" 2>/dev/null) ]]; }
stopped() { [[ $(prop "$1" ActiveState) != active && $(prop "$1" ActiveState) != deactivating ]]; }

# ---- start, limits, journal, stop ---------------------------------------------------------
mk u-a /bin/sh -c 'trap "echo bye-from-u-a; exit 0" TERM; echo hello-from-u-a; while :; do sleep 1; done'
run systemctl start rtr@u-a.service
is "$rc" 0 "systemctl start rtr@u-a" || diag "$err"
if [[ $TYPE == notify ]]; then
	is "$(prop u-a ActiveState)" active "Type=notify: active when start returns"
	check "Type=notify: READY=1 came after the container was in its cgroup" running u-a
else
	wait_for 30 running u-a || true
fi
C=$(cg u-a)/rtr/u-a
is "$(cat "$C/memory.max" 2>/dev/null) $(cat "$C/pids.max" 2>/dev/null)" "50331648 25" \
	"the bundle's limits land in the unit's delegated cgroup ($C)"
is "$(prop u-a MainPID)" "$(cat "$(cg u-a)/supervisor/cgroup.procs" 2>/dev/null)" \
	"the unit's main process is rtr-run, in the supervisor leaf"
if wait_for 30 eval 'journalctl -u rtr@u-a.service -o cat --no-pager | grep -q hello-from-u-a'; then
	ok "journald gets the container's output"
else
	not_ok "journald gets the container's output" "$(journalctl -u rtr@u-a.service -o cat --no-pager | tail -5)"
fi
run systemctl stop rtr@u-a.service
is "$rc" 0 "systemctl stop rtr@u-a"
is "$(prop u-a ActiveState)/$(prop u-a Result)" inactive/success \
	"systemctl stop of a container that exits on SIGTERM: inactive, not failed"
like "$(journalctl -u rtr@u-a.service -o cat --no-pager)" bye-from-u-a "the container got SIGTERM"
is "$(ls -d "$C" 2>/dev/null)" "" "the container's cgroup is gone"

mk u-b sleep 600
systemctl start rtr@u-b.service
wait_for 30 running u-b || true
run systemctl stop rtr@u-b.service
is "$(prop u-b ActiveState)/$(prop u-b Result)" inactive/success \
	"systemctl stop of a container that ignores SIGTERM (killed after the stop timeout): inactive, not failed"
diag "u-b: ExecMainStatus=$(prop u-b ExecMainStatus)"
systemctl reset-failed rtr@u-b.service 2>/dev/null || true

# ---- Restart=on-failure ---------------------------------------------------------------------
mk u-c sleep 600
systemctl start rtr@u-c.service
wait_for 30 running u-c || true
run "$RTR_RUN" stop -t 1 u-c
is "$rc" 0 "rtr-run stop u-c (a container of a unit)"
wait_for 30 stopped u-c || true
sleep 4 # RestartSec=2: a restart would have happened by now
is "$(prop u-c NRestarts)" 0 "rtr-run stop under Restart=on-failure: no restart"
isnt "$(prop u-c ActiveState)" active "rtr-run stop: the unit stays down"
systemctl stop rtr@u-c.service 2>/dev/null || true
systemctl reset-failed rtr@u-c.service 2>/dev/null || true

# The policy itself works: a container that fails is restarted.
mk u-d /bin/sh -c 'echo u-d-ran; exit 3'
systemctl start --no-block rtr@u-d.service
if wait_for 60 eval '(($(prop u-d NRestarts) >= 1))'; then
	ok "Restart=on-failure restarts a container that exits 3"
else
	not_ok "Restart=on-failure restarts a container that exits 3" "NRestarts=$(prop u-d NRestarts)"
fi
systemctl stop rtr@u-d.service 2>/dev/null || true
systemctl reset-failed rtr@u-d.service 2>/dev/null || true
done_testing
