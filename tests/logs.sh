#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --log-file with rotation (--log-max-size, --log-max-files), --log-timestamps,
# --log-only, and `rtr-run logs` (--tail, --since, -f across rotations, a stopped
# container's log by path).  Container names start with "lg-".
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
container_suite

# 100 lines "line-NNN" (9 bytes each with the newline), then exit
make_bundle "$T/b" /bin/sh -c 'i=100; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done'
B=$T/b
L=$T/log
mkdir -p "$L"
expected=$(seq 100 199 | sed 's/^/line-/')

# ---- rotation --------------------------------------------------------------------------
run "$RTR_RUN" --name lg-rot --log-file "$L/rot" --log-max-size 100 --log-max-files 3 "$B"
is "$rc" 0 "runs with rotation"
is "$out" "$expected" "output still reaches rtr-run's stdout"
is "$(ls "$L" | grep -c '^rot')" 3 "keeps --log-max-files 3 files (FILE, FILE.1, FILE.2)"
is "$(stat -c %s "$L/rot.1") $(stat -c %s "$L/rot.2")" "100 100" "rotated at --log-max-size 100 bytes"
ok_size=1
[[ $(stat -c %s "$L/rot") -le 100 ]] || ok_size=0
is "$ok_size" 1 "the current file is not larger than the limit"
is "$(cat "$L/rot.2" "$L/rot.1" "$L/rot")" "$(printf '%s\n' "$expected" | tail -c "$(cat "$L/rot.2" "$L/rot.1" "$L/rot" | wc -c)")" \
	"the files, oldest first, are the last bytes of the output"
run "$RTR_RUN" logs "$L/rot"
is "$out" "$(cat "$L/rot.2" "$L/rot.1" "$L/rot")" "logs FILE reads the rotated files as one stream (a stopped container)"
run "$RTR_RUN" logs --tail 2 "$L/rot"
is "$out" "$(printf 'line-198\nline-199')" "logs --tail 2"

run "$RTR_RUN" --name lg-one --log-file "$L/one" --log-max-size 50 "$B"
is "$(ls "$L" | grep -c '^one')" 1 "one file kept by default (Docker's max-file 1)"

# ---- --log-only, --log-timestamps -------------------------------------------------------
run "$RTR_RUN" --name lg-only --log-file "$L/only" --log-only "$B"
is "$out" "" "--log-only: nothing on stdout"
is "$(cat "$L/only")" "$expected" "--log-only: everything in the file"
run "$RTR_RUN" --name lg-ts --log-file "$L/ts" --log-timestamps "$B" -- sh -c 'echo out; echo err >&2; sleep 0.1; printf "part"; sleep 0.1; echo ial'
is "$out" "$(printf 'out\npartial')" "--log-timestamps: stdout unchanged"
is "$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z (out|err|partial)$' "$L/ts")" 3 \
	"--log-timestamps: each line starts with an RFC 3339 UTC time, a line written in pieces once"
run "$RTR_RUN" logs --since 1h "$L/ts"
is "$(wc -l <<<"$out")" 3 "logs --since 1h: every line"
run "$RTR_RUN" logs --since 2099-01-01T00:00:00Z "$L/ts"
is "$out" "" "logs --since a future time: none"
run "$RTR_RUN" logs --since "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)" "$L/ts"
is "$(wc -l <<<"$out")" 3 "logs --since an RFC 3339 time"
run "$RTR_RUN" logs --since 1h "$L/rot"
is "$rc" 1 "logs --since on a log without times fails"
like "$err" "ran without --log-timestamps" "and says why"
run "$RTR_RUN" logs --since yesterday "$L/ts"
like "$err" "--since yesterday: expected a time" "a bad --since is refused"

# ---- settings: errors and annotations ---------------------------------------------------
run "$RTR_RUN" --name lg-x --log-max-size 1M "$B"
is "$err" "rtr-run: lg-x: --log-max-size: needs --log-file" "--log-max-size without --log-file"
run "$RTR_RUN" --name lg-x --log-file "$L/x" --log-max-files 0 "$B"
like "$err" "--log-max-files 0: expected a number of files" "--log-max-files 0 is refused"
cp -a "$B" "$T/ann"
bundle_jq "$T/ann" '.annotations = {"org.rtr.log": $f, "org.rtr.log-max-size": "100",
	"org.rtr.log-max-files": "2", "org.rtr.log-only": "true"}' --arg f "$L/ann"
run "$RTR_RUN" --name lg-ann "$T/ann"
is "$out|$(ls "$L" | grep -c '^ann')" "|2" "org.rtr.log-max-size, -max-files, -only annotations"

# ---- logs of a running container, -f across rotations ------------------------------------
make_bundle "$T/slow" /bin/sh -c 'i=100; while [ $i -lt 160 ]; do echo line-$i; i=$((i+1)); sleep 0.05; done'
"$RTR_RUN" --name lg-f --log-file "$L/f" --log-max-size 45 --log-max-files 4 --log-only "$T/slow" \
	>/dev/null 2>"$T/f.err" </dev/null &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
wait_for 10 running lg-f || diag "lg-f: $(cat "$T/f.err")"
"$RTR_RUN" logs -f lg-f >"$T/follow" 2>&1 &
fpid=$!
RTR_PIDS="$RTR_PIDS $fpid"
sleep 0.5
run "$RTR_RUN" logs --tail 1 lg-f
like "$out" "^line-1[0-9][0-9]$" "logs --tail 1 NAME while it runs"
rc=0
wait "$pid" || rc=$?
is "$rc" 0 "the container ends"
frc=0
timeout 10 bash -c "while kill -0 $fpid 2>/dev/null; do sleep 0.1; done" || frc=1
is "$frc" 0 "logs -f ends when the container's rtr-run is gone"
got=$(cat "$T/follow")
first=$(head -1 <<<"$got" | sed 's/line-//')
is "$(tail -1 <<<"$got")" line-159 "logs -f saw the last line"
is "$got" "$(seq "$first" 159 | sed 's/^/line-/')" "logs -f followed across $(( (60 * 9) / 45 )) rotations without a gap"
run "$RTR_RUN" logs lg-f
like "$err" "lg-f: no such running container \(the log of a stopped one: rtr-run logs FILE\)" \
	"logs NAME of a stopped container points to logs FILE"
make_bundle "$T/sleep" sleep 60
"$RTR_RUN" --name lg-nolog "$T/sleep" >/dev/null 2>&1 </dev/null &
pid=$!
RTR_PIDS="$RTR_PIDS $pid"
wait_for 10 running lg-nolog || true
run "$RTR_RUN" logs lg-nolog
like "$err" "lg-nolog: runs without --log-file" "logs of a container without --log-file"
"$RTR_RUN" kill lg-nolog KILL
wait "$pid" || true

done_testing
