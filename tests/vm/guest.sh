#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the lane's guest (systemd as PID 1, pure cgroup v2), from the data disk
# mounted at /mnt/rtr (bin/: the built rtr-run, rtr-pull, probe; src/: tests and contrib).
# Each suite's TAP is renumbered into one stream, its names prefixed with the suite's,
# written to /mnt/rtr/results.tap (the host reads it back with debugfs).
set -uo pipefail
R=/mnt/rtr
export RTR_SRCDIR=$R/src RTR_BUILDDIR=$R/bin RTR_RUN=$R/bin/rtr-run RTR_PULL=$R/bin/rtr-pull \
	RTR_PROBE=$R/bin/probe
out=$R/results.tap
n=0
: >"$out"

# suite NAME CMD...: runs CMD (a TAP script) and appends its checks to the results.
suite() {
	local name=$1 t0=$SECONDS rc=0
	shift
	echo "# --- $name" >>"$out"
	timeout -k 10 "${SUITE_TIMEOUT:-360}" "$@" >"$R/$name.tap" 2>"$R/$name.err" </dev/null || rc=$?
	n=$(awk -v n="$n" -v s="$name" -v o="$out" '
		/^ok / || /^not ok / {
			n++
			ok = ($1 == "ok") ? "ok" : "not ok"
			sub(/^(not )?ok [0-9]* *-? */, "")
			print ok " " n " - " s ": " $0 >>o
			next
		}
		/^1\.\.0/ { n++; sub(/^1\.\.0 *# *[Ss][Kk][Ii][Pp] */, ""); print "ok " n " - " s " # SKIP " $0 >>o; next }
		/^#/ { print >>o }
		END { print n }' "$R/$name.tap")
	if ((rc != 0 && rc != 77)); then
		n=$((n + 1))
		echo "not ok $n - $name: exited $rc" >>"$out"
		tail -5 "$R/$name.err" | sed 's/^/# /' >>"$out"
	fi
	echo "# $name: $((SECONDS - t0)) s" >>"$out"
}

# io.weight needs BFQ on the disk the tests throttle (the root disk).
modprobe bfq 2>/dev/null && echo bfq >/sys/block/nvme0n1/queue/scheduler 2>/dev/null
cp "$R/bin/rtr-run" "$R/bin/rtr-pull" /usr/local/bin/

declare -A path=([machine]=tests/vm/guest-machine.sh [cgroup]=tests/cgroup.sh
	[v2]=tests/vm/guest-v2.sh [units]=tests/vm/guest-units.sh)
for s in $(cat "$R/suites"); do
	suite "$s" bash "$R/src/${path[$s]}"
done
echo "1..$n" >>"$out"
sync
