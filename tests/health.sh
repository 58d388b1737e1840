#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Health checks: --health-* options and org.rtr.health-* annotations, the status
# transitions as ps/stats (and --json) show them, --health-on-unhealthy stop and restart,
# and a timeout that kills the check's whole process tree.  Container names start with
# "hct-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
container_suite
BG_READY=init_running

make_bundle "$T/b" /bin/sleep 300
B=$T/b

# health NAME: the "health" object of NAME in ps --json, compact
health() { "$RTR_RUN" ps --json | jq -c --arg n "$1" '.[] | select(.name == $n) | .health'; }
status_is() { [[ $(health "$1" | jq -r .status) == "$2" ]]; }

# ---- transitions ----------------------------------------------------------------------
# Failing while /tmp/ok is missing; the start period keeps it "starting" until a success.
check='cat /tmp/ok 2>/dev/null || { echo "not ok yet"; exit 1; }'
bg hct-a --health-cmd "$check" --health-interval 100ms --health-retries 2 \
	--health-start-period 1h "$B"
A=$BGPID
wait_for 20 eval '[[ $(health hct-a | jq -r .output) == *"not ok yet"* ]]' || true
h=$(health hct-a)
is "$(jq -r '"\(.status) \(.failing_streak)"' <<<"$h")" "starting 0" \
	"ps --json: starting, failures in the start period do not count"
like "$(jq -r .output <<<"$h")" "not ok yet" "  the last output is recorded"
run "$RTR_RUN" ps
like "$out" "^hct-a +[0-9]+ .* starting " "ps shows the status in its HEALTH column"

"$RTR_RUN" exec hct-a -- sh -c 'echo fine > /tmp/ok'
wait_for 20 status_is hct-a healthy || true
h=$(health hct-a)
is "$h" '{"status":"healthy","failing_streak":0,"output":"fine\n"}' \
	"healthy after a success, with its output"

"$RTR_RUN" exec hct-a -- rm /tmp/ok
wait_for 20 status_is hct-a unhealthy || true
h=$(health hct-a)
like "$(jq -r '"\(.status) \(.failing_streak)"' <<<"$h")" "^unhealthy ([2-9]|[1-9][0-9]+)$" \
	"unhealthy after --health-retries failures in a row (the first success ended the start period)"
run "$RTR_RUN" stats --json hct-a
is "$(jq -r .health.status <<<"$out")" unhealthy "stats --json shows the health"
run "$RTR_RUN" stats hct-a
like "$out" "^HEALTH +unhealthy \(failing streak [0-9]+\): not ok yet" "stats shows it in text"
ok_running=no
running hct-a && ok_running=yes
is "$ok_running" yes "--health-on-unhealthy none (the default) leaves it running"
"$RTR_RUN" exec hct-a -- touch /tmp/ok
wait_for 20 status_is hct-a healthy || true
is "$(health hct-a | jq -r .status)" healthy "healthy again after a success"
run "$RTR_RUN" stop hct-a
finish $A

# ---- on-unhealthy stop ----------------------------------------------------------------
# --init: the stop signal ends the entrypoint (a plain PID 1 would ignore it).
bg hct-stop --init --health-cmd 'echo down; exit 1' --health-interval 100ms \
	--health-retries 2 --health-on-unhealthy stop "$B"
S=$BGPID
wait_for 30 eval '! kill -0 '$S || diag "hct-stop is still running"
finish $S
is "$rc" 143 "--health-on-unhealthy stop: stopped like rtr-run stop (the stop signal, 143)"
like "$(cat "$T/hct-stop.err")" "health: unhealthy after 2 failed checks: down" \
	"  the reason is logged"
gone=yes
running hct-stop && gone=no
is "$gone" yes "  and the container is gone"

# ---- on-unhealthy restart, from annotations ---------------------------------------------
cp -a "$B" "$T/ann"
bundle_jq "$T/ann" '.annotations = {"org.rtr.health-cmd": "[\"CMD\", \"/bin/false\"]",
	"org.rtr.health-interval": "100ms", "org.rtr.health-retries": "1",
	"org.rtr.health-on-unhealthy": "restart"}'
run "$RTR_RUN" --name hct-restart "$T/ann"
is "$rc" 137 "--health-on-unhealthy restart (annotations): the init is killed (137)"
like "$err" "unhealthy: killed \(--health-on-unhealthy restart\)" "  the run ends flagged unhealthy"

# ---- timeout kills the whole tree ---------------------------------------------------------
# The first check leaves two sleepers behind its shell and outlives the timeout; later
# checks succeed at once, so nothing new appears after the first timeout.
cat >"$T/hc.sh" <<'EOF'
test -e /tmp/once && exit 0
touch /tmp/once
sleep 997 &
(setsid sleep 998 &)
sleep 999
EOF
cp "$T/hc.sh" "$B/rootfs/hc.sh"
bg hct-tmo --health-cmd 'sh /hc.sh' --health-interval 300ms --health-timeout 500ms "$B"
TM=$BGPID
wait_for 30 status_is hct-tmo healthy || true
h=$(health hct-tmo)
is "$(jq -r .status <<<"$h")" healthy "timeout: the check after the timed-out one passes"
leftover=$(pgrep -f 'sleep 99[789]' || true)
is "$leftover" "" "a timed-out check's whole tree is killed (setsid'd and background children too)"
run "$RTR_RUN" stop hct-tmo
finish $TM
cg=$(ls -d /sys/fs/cgroup/*/rtr/hct-tmo 2>/dev/null || true)
is "$cg" "" "the checks' cgroup goes with the container"

# A timeout is a failure with its own message.
bg hct-slow --health-cmd 'sleep 30' --health-interval 100ms --health-timeout 200ms \
	--health-retries 1 "$B"
SL=$BGPID
wait_for 30 status_is hct-slow unhealthy || true
like "$(health hct-slow | jq -r .output)" "^health check timed out after 200 ms$" \
	"a timed-out check fails, saying so"
run "$RTR_RUN" stop hct-slow
finish $SL

# ---- rtr-pull writes an image's Healthcheck as annotations ---------------------------------
python3 "$RTR_SRCDIR/tests/fixtures/pull-images.py" docker-single "$T/img.tar"
python3 - "$T/img.tar" "$T/hc.tar" <<'PY'
import hashlib, io, json, sys, tarfile
src, dst = tarfile.open(sys.argv[1]), tarfile.open(sys.argv[2], "w")
files = {m.name: (m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()}
manifest = json.loads(files["manifest.json"][1])
config = json.loads(files[manifest[0]["Config"]][1])
config["config"]["Healthcheck"] = {"Test": ["CMD-SHELL", "exit 0"], "Interval": 1500000000,
                                   "Timeout": 250000000, "Retries": 4, "StartPeriod": 0}
blob = json.dumps(config).encode()
name = hashlib.sha256(blob).hexdigest() + ".json"
del files[manifest[0]["Config"]]
manifest[0]["Config"] = name
files[name] = (tarfile.TarInfo(name), blob)
files["manifest.json"] = (tarfile.TarInfo("manifest.json"), json.dumps(manifest).encode())
for n, (m, data) in files.items():
    if data is not None:
        m.size = len(data)
        dst.addfile(m, io.BytesIO(data))
    else:
        dst.addfile(m)
dst.close()
PY
run "$RTR_PULL" "docker-archive:$T/hc.tar" "$T/pulled"
is "$rc" 0 "rtr-pull: an image with a Healthcheck" || diag "$err"
is "$(jq -c '.annotations | with_entries(select(.key | startswith("org.rtr.health")))' "$T/pulled/config.json" 2>/dev/null)" \
	'{"org.rtr.health-cmd":"[\"CMD-SHELL\",\"exit 0\"]","org.rtr.health-interval":"1500ms","org.rtr.health-timeout":"250ms","org.rtr.health-retries":"4"}' \
	"  writes it as org.rtr.health-* annotations (nanoseconds to ms, zero left out)"

# ---- options are checked before anything starts -------------------------------------------
run "$RTR_RUN" --name hct-bad --health-interval 0 --health-cmd true "$B"
like "$rc|$err" "^125\|.*--health-interval 0: expected a duration" "--health-interval 0 is refused"
run "$RTR_RUN" --name hct-bad --health-on-unhealthy reboot --health-cmd true "$B"
like "$rc|$err" "^125\|.*--health-on-unhealthy reboot: expected none, stop or restart" \
	"--health-on-unhealthy is checked"
run "$RTR_RUN" --help
like "$out" "--health-cmd CMD" "--help lists --health-cmd"
like "$out" "--health-on-unhealthy" "--help lists --health-on-unhealthy"

done_testing
