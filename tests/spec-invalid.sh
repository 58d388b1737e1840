#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Malformed config.json inputs: each must make `rtr-run BUNDLE` exit 125 with a message
# that names the field (the JSON path) or, for broken JSON, the place.  Then the
# full-featured valid config in tests/fuzz/corpus/full.json must parse, with the values
# the parser derived checked through tests/spec-check.
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"

: "${RTR_SPEC_CHECK:=$RTR_BUILDDIR/tests/spec-check}"
rtr_tmpdir

# Row text is expanded by `printf %b` (so \xff and \x00 make raw bytes; write a JSON
# escape as \\u0000) after these placeholders are replaced:
#   @V ociVersion   @R root   @P a minimal valid process   @A the args member
V='"ociVersion": "1.0.2"'
R='"root": {"path": "rootfs"}'
A='"args": ["/bin/true"]'
P="\"process\": {$A, \"cwd\": \"/\"}"
H="{@V, @R, @P"

deep=$(printf '[%.0s' {1..100})$(printf ']%.0s' {1..100})

# EXPECTED-SUBSTRING<TAB>CONFIG, one row a line.
cases=$(cat <<'EOF'
empty file	
line 1, column 4: syntax error: premature EOF	   
line 1, column 46: syntax error: premature EOF	{"ociVersion": "1.0.2", "root": {"path": "roo
line 1, column 102: syntax error: trailing garbage	{@V, @R, @P} x
line 1, column 101: syntax error: invalid object key (must be a string)	{@V, @R, @P,}
line 1, column 101: syntax error: trailing garbage	{@V, @R, @P} // comment
line 3, column 14: syntax error: invalid string in json text	{\n  @V,\n  "root": tru\n}
.: expected an object, got an array	[{@V, @R, @P}]
.: expected an object, got null	null
line 1, column 119: syntax error: invalid bytes in UTF8 string	{@V, @R, @P, "hostname": "caf\xe9"}
line 1, column 117: invalid UTF-8 in a string	{@V, @R, @P, "hostname": "\xc0\x80"}
line 1, column 122: invalid UTF-8 in a string	{@V, @R, @P, "annotations": {"\xed\xa0\x80": "surrogate"}}
line 1, column 115: NUL byte in the input	{@V, @R, @P, "hostname": "a\x00b"}
line 1, column 92: NUL character (\\u0000) in a string	{@V, @R, "process": {"args": ["/bin/true\\u0000x"]}}
line 1, column 170: nesting too deep (limit 64)	{@V, @R, @P, "x": @DEEP}
.ociVersion: missing	{@R, @P}
.ociVersion: unsupported version "2.0" (1.x expected)	{"ociVersion": "2.0", @R, @P}
.ociVersion: unsupported version "1"	{"ociVersion": "1", @R, @P}
.ociVersion: expected a string, got a number	{"ociVersion": 1.0, @R, @P}
.root: missing	{@V, @P}
.root.path: expected a string, got a number	{@V, "root": {"path": 7}, @P}
.root.readonly: expected a boolean, got a string	{@V, "root": {"path": "rootfs", "readonly": "yes"}, @P}
.hostname: expected a string, got an object	{@V, @R, @P, "hostname": {}}
.process: expected an object, got an array	{@V, @R, "process": []}
.process.args: missing	{@V, @R, "process": {"cwd": "/"}}
.process.args: must not be empty	{@V, @R, "process": {"args": []}}
.process.args: expected an array, got a string	{@V, @R, "process": {"args": "/bin/true"}}
.process.args[1]: expected a string, got a number	{@V, @R, "process": {"args": ["/bin/echo", 1]}}
.process.env[1]: "NOEQUALS" is not KEY=VALUE	{@V, @R, "process": {@A, "env": ["A=1", "NOEQUALS"]}}
.process.cwd: "tmp" is not an absolute path	{@V, @R, "process": {@A, "cwd": "tmp"}}
.process.terminal: expected a boolean, got a string	{@V, @R, "process": {@A, "terminal": "true"}}
.process.user.uid: -1 is out of range	{@V, @R, "process": {@A, "user": {"uid": -1, "gid": 0}}}
.process.user.uid: 4294967296 is out of range	{@V, @R, "process": {@A, "user": {"uid": 4294967296, "gid": 0}}}
.process.user.gid: 99999999999999999999999 is out of range	{@V, @R, "process": {@A, "user": {"uid": 0, "gid": 99999999999999999999999}}}
.process.user.gid: expected an integer, got 1.5	{@V, @R, "process": {@A, "user": {"uid": 0, "gid": 1.5}}}
.process.user.umask: 1000 is out of range [0, 511]	{@V, @R, "process": {@A, "user": {"uid": 0, "gid": 0, "umask": 1000}}}
.process.user.additionalGids[1]: expected an integer, got a string	{@V, @R, "process": {@A, "user": {"uid": 0, "gid": 0, "additionalGids": [1, "wheel"]}}}
.process.capabilities.bounding[1]: unknown capability "CAP_FLY"	{@V, @R, "process": {@A, "capabilities": {"bounding": ["CAP_CHOWN", "CAP_FLY"]}}}
.process.capabilities.ambient[0]: unknown capability "12"	{@V, @R, "process": {@A, "capabilities": {"ambient": ["12"]}}}
.process.capabilities.effective: expected an array, got a string	{@V, @R, "process": {@A, "capabilities": {"effective": "CAP_CHOWN"}}}
.process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"	{@V, @R, "process": {@A, "rlimits": [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]}}
.process.rlimits[0].soft: 4096 is above the hard limit 1024	{@V, @R, "process": {@A, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 4096, "hard": 1024}]}}
.process.rlimits[0].hard: missing	{@V, @R, "process": {@A, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1}]}}
.process.rlimits[0].soft: -5 is out of range	{@V, @R, "process": {@A, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": -5, "hard": 1}]}}
.process.rlimits[1].type: RLIMIT_NOFILE given twice	{@V, @R, "process": {@A, "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1}, {"type": "RLIMIT_NOFILE", "soft": 2, "hard": 2}]}}
.process.oomScoreAdj: 1001 is out of range [-1000, 1000]	{@V, @R, "process": {@A, "oomScoreAdj": 1001}}
.process.oomScoreAdj: -1001 is out of range	{@V, @R, "process": {@A, "oomScoreAdj": -1001}}
.process.ioPriority.class: unknown class "IOPRIO_CLASS_FAST"	{@V, @R, "process": {@A, "ioPriority": {"class": "IOPRIO_CLASS_FAST"}}}
.process.ioPriority.priority: 8 is out of range	{@V, @R, "process": {@A, "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 8}}}
.mounts: expected an array, got an object	{@V, @R, @P, "mounts": {}}
.mounts[0]: expected an object, got a string	{@V, @R, @P, "mounts": ["/proc"]}
.mounts[0].destination: missing	{@V, @R, @P, "mounts": [{"type": "proc", "source": "proc"}]}
.mounts[1].destination: "proc" is not an absolute path	{@V, @R, @P, "mounts": [{"destination": "/tmp", "type": "tmpfs"}, {"destination": "proc", "type": "proc"}]}
.mounts[0].type: invalid filesystem type "proc fs"	{@V, @R, @P, "mounts": [{"destination": "/proc", "type": "proc fs"}]}
.mounts[0].type: invalid filesystem type "../tmpfs"	{@V, @R, @P, "mounts": [{"destination": "/proc", "type": "../tmpfs"}]}
.mounts[0].type: expected a string, got a boolean	{@V, @R, @P, "mounts": [{"destination": "/proc", "type": true}]}
.mounts[0].type: missing (only bind mounts may omit it)	{@V, @R, @P, "mounts": [{"destination": "/proc", "source": "proc"}]}
.mounts[0].source: missing for a bind mount	{@V, @R, @P, "mounts": [{"destination": "/data", "options": ["rbind"]}]}
.mounts[0].options[1]: expected a string, got a number	{@V, @R, @P, "mounts": [{"destination": "/tmp", "type": "tmpfs", "options": ["nosuid", 1]}]}
.mounts[0].uidMappings[0].size: 0 is out of range	{@V, @R, @P, "mounts": [{"destination": "/d", "type": "bind", "source": "/d", "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 0}]}]}
.hooks.prestart[0].path: "true" is not an absolute path	{@V, @R, @P, "hooks": {"prestart": [{"path": "true"}]}}
.hooks.poststop[0].path: missing	{@V, @R, @P, "hooks": {"poststop": [{"args": ["x"]}]}}
.hooks.createRuntime[0].timeout: 0 is out of range	{@V, @R, @P, "hooks": {"createRuntime": [{"path": "/bin/true", "timeout": 0}]}}
.hooks.startContainer: expected an array, got an object	{@V, @R, @P, "hooks": {"startContainer": {"path": "/bin/true"}}}
.annotations["org.example.x"]: expected a string, got a number	{@V, @R, @P, "annotations": {"org.example.x": 1}}
.annotations["org.rtr.stop-timeout"]: expected seconds	{@V, @R, @P, "annotations": {"org.rtr.stop-timeout": "soon"}}
.annotations["org.rtr.restart"]: expected no, always, unless-stopped or on-failure[:MAX]	{@V, @R, @P, "annotations": {"org.rtr.restart": "sometimes"}}
.annotations["org.rtr.health-cmd"]: must not be empty	{@V, @R, @P, "annotations": {"org.rtr.health-cmd": ""}}
.annotations["org.rtr.health-cmd"]: expected a JSON array of strings	{@V, @R, @P, "annotations": {"org.rtr.health-cmd": "[\"CMD\", 1]"}}
.annotations["org.rtr.health-cmd"]: CMD-SHELL takes one command line	{@V, @R, @P, "annotations": {"org.rtr.health-cmd": "[\"CMD-SHELL\"]"}}
.annotations["org.rtr.health-interval"]: expected a duration like 30s, 1m30s or 500ms (not 0)	{@V, @R, @P, "annotations": {"org.rtr.health-interval": "0s"}}
.annotations["org.rtr.health-timeout"]: expected a duration	{@V, @R, @P, "annotations": {"org.rtr.health-timeout": "5x"}}
.annotations["org.rtr.health-retries"]: expected a number from 1	{@V, @R, @P, "annotations": {"org.rtr.health-retries": "0"}}
.annotations["org.rtr.health-on-unhealthy"]: expected none, stop or restart	{@V, @R, @P, "annotations": {"org.rtr.health-on-unhealthy": "panic"}}
.linux: expected an object, got an array	{@V, @R, @P, "linux": []}
.linux.namespaces[0].type: unknown namespace type "pdi"	{@V, @R, @P, "linux": {"namespaces": [{"type": "pdi"}]}}
.linux.namespaces[2].type: namespace "pid" listed twice	{@V, @R, @P, "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "pid"}]}}
.linux.namespaces[0].type: missing	{@V, @R, @P, "linux": {"namespaces": [{"path": "/proc/1/ns/net"}]}}
.linux.namespaces[0].path: "proc/1/ns/net" is not an absolute path	{@V, @R, @P, "linux": {"namespaces": [{"type": "network", "path": "proc/1/ns/net"}]}}
.linux.uidMappings[0]: range 4294967295+2 or 0+2 exceeds 2^32	{@V, @R, @P, "linux": {"uidMappings": [{"containerID": 4294967295, "hostID": 0, "size": 2}]}}
.linux.gidMappings[0].hostID: missing	{@V, @R, @P, "linux": {"gidMappings": [{"containerID": 0, "size": 1}]}}
.linux.devices[0].type: unknown device type "x" (c, b, u or p)	{@V, @R, @P, "linux": {"devices": [{"path": "/dev/x", "type": "x", "major": 1, "minor": 3}]}}
.linux.devices[0].path: "dev/null" is not an absolute path	{@V, @R, @P, "linux": {"devices": [{"path": "dev/null", "type": "c", "major": 1, "minor": 3}]}}
.linux.devices[0].major: missing	{@V, @R, @P, "linux": {"devices": [{"path": "/dev/null", "type": "c", "minor": 3}]}}
.linux.devices[0].fileMode: 65535 is out of range	{@V, @R, @P, "linux": {"devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 65535}]}}
.linux.resources.devices[0].allow: missing	{@V, @R, @P, "linux": {"resources": {"devices": [{"access": "rwm"}]}}}
.linux.resources.devices[0].access: "rwx" is not a subset of "rwm"	{@V, @R, @P, "linux": {"resources": {"devices": [{"allow": true, "access": "rwx"}]}}}
.linux.resources.memory: expected an object, got a number	{@V, @R, @P, "linux": {"resources": {"memory": 64}}}
.process.user: expected an object, got a string	{@V, @R, "process": {@A, "user": "root"}}
.linux.resources.memory.limit: -2 is out of range	{@V, @R, @P, "linux": {"resources": {"memory": {"limit": -2}}}}
.linux.resources.memory.limit: expected an integer, got a string	{@V, @R, @P, "linux": {"resources": {"memory": {"limit": "64M"}}}}
.linux.resources.memory.swappiness: 101 is out of range [0, 100]	{@V, @R, @P, "linux": {"resources": {"memory": {"swappiness": 101}}}}
.linux.resources.cpu.shares: 18446744073709551615 is out of range	{@V, @R, @P, "linux": {"resources": {"cpu": {"shares": 18446744073709551615}}}}
.linux.resources.cpu.period: 10000000 is out of range	{@V, @R, @P, "linux": {"resources": {"cpu": {"period": 10000000}}}}
.linux.resources.cpu.cpus: "all" is not a list like 0-3,5	{@V, @R, @P, "linux": {"resources": {"cpu": {"cpus": "all"}}}}
.linux.resources.pids.limit: expected an integer, got 1e3	{@V, @R, @P, "linux": {"resources": {"pids": {"limit": 1e3}}}}
.linux.resources.pids.limit: missing	{@V, @R, @P, "linux": {"resources": {"pids": {}}}}
.linux.resources.blockIO.weight: 5000 is out of range	{@V, @R, @P, "linux": {"resources": {"blockIO": {"weight": 5000}}}}
.linux.resources.blockIO.throttleReadBpsDevice[0].rate: missing	{@V, @R, @P, "linux": {"resources": {"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}}}}
.linux.resources.hugepageLimits[0].pageSize: "2 megs" is not a size like 2MB	{@V, @R, @P, "linux": {"resources": {"hugepageLimits": [{"pageSize": "2 megs", "limit": 1}]}}}
.linux.resources.unified["../../release_agent"]: not a cgroup file name	{@V, @R, @P, "linux": {"resources": {"unified": {"../../release_agent": "/tmp/x"}}}}
.linux.sysctl["kernel/../../sysrq-trigger"]: not a sysctl name	{@V, @R, @P, "linux": {"sysctl": {"kernel/../../sysrq-trigger": "b"}}}
.linux.sysctl["net.ipv4.ip_forward"]: expected a string, got a number	{@V, @R, @P, "linux": {"sysctl": {"net.ipv4.ip_forward": 1}}}
.linux.cgroupsPath: "/rtr/../../x" is empty or has a ".." component	{@V, @R, @P, "linux": {"cgroupsPath": "/rtr/../../x"}}
.linux.seccomp.defaultAction: missing	{@V, @R, @P, "linux": {"seccomp": {"syscalls": []}}}
.linux.seccomp.defaultAction: unknown action "SCMP_ACT_MAYBE"	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_MAYBE"}}}
.linux.seccomp.architectures[0]: unknown architecture "SCMP_ARCH_Z80"	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]}}}
.linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_MAGIC"	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_MAGIC"]}}}
.linux.seccomp.defaultErrnoRet: 70000 is out of range	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000}}}
.linux.seccomp.syscalls[0].names: must not be empty	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}}}
.linux.seccomp.syscalls[0].action: unknown action "DENY"	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "DENY"}]}}}
.linux.seccomp.syscalls[1].args[0].op: unknown operator "SCMP_CMP_ABOUT"	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]}}}
.linux.seccomp.syscalls[0].args[0].index: 6 is out of range [0, 5]	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}}}
.linux.seccomp.syscalls[0].args[0].value: -1 is out of range	{@V, @R, @P, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]}}}
.linux.rootfsPropagation: unknown propagation "sideways"	{@V, @R, @P, "linux": {"rootfsPropagation": "sideways"}}
.linux.maskedPaths[1]: "proc/kcore" is not an absolute path	{@V, @R, @P, "linux": {"maskedPaths": ["/proc/keys", "proc/kcore"]}}
.linux.readonlyPaths: expected an array, got a string	{@V, @R, @P, "linux": {"readonlyPaths": "/proc/sys"}}
.linux.personality.domain: unknown domain "BSD"	{@V, @R, @P, "linux": {"personality": {"domain": "BSD"}}}
.process.user.uid: duplicate key	{@V, @R, "process": {@A, "cwd": "/", "user": {"uid": 1000, "uid": 0, "gid": 0}}}
.ociVersion: duplicate key	{@V, @R, @P, "ociVersion": "1.0.2"}
.mounts[1].type: duplicate key	{@V, @R, @P, "mounts": [{"destination": "/tmp", "type": "tmpfs"}, {"destination": "/proc", "type": "proc", "source": "proc", "type": "bind"}]}
.annotations["org.rtr.stop-signal"]: duplicate key	{@V, @R, @P, "annotations": {"org.rtr.stop-signal": "SIGINT", "a": "1", "org.rtr.stop-signal": "SIGKILL"}}
# ==== namespace paths and the limits the command line checks too (issue 11)
.linux.namespaces[2].path: /proc/999999/ns/net: No such file or directory	{@V, @R, @P, "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network", "path": "/proc/999999/ns/net"}]}}
.linux.namespaces[0].path: /proc/self/ns/pid: not a network namespace	{@V, @R, @P, "linux": {"namespaces": [{"type": "network", "path": "/proc/self/ns/pid"}]}}
.linux.namespaces[0].path: /etc/passwd: not a namespace file	{@V, @R, @P, "linux": {"namespaces": [{"type": "ipc", "path": "/etc/passwd"}]}}
.linux.resources.memory.limit: 0: below the minimum of 1 MiB (-1: unlimited)	{@V, @R, @P, "linux": {"resources": {"memory": {"limit": 0}}}}
.linux.resources.memory.limit: 1: below the minimum of 1 MiB	{@V, @R, @P, "linux": {"resources": {"memory": {"limit": 1}}}}
.linux.resources.memory.swap: 0: not a size (memory plus swap) or -1	{@V, @R, @P, "linux": {"resources": {"memory": {"limit": 67108864, "swap": 0}}}}
.linux.resources.memory.swap must be at least .linux.resources.memory.limit (it is memory plus swap)	{@V, @R, @P, "linux": {"resources": {"memory": {"limit": 67108864, "swap": 33554432}}}}
.linux.resources.memory.swap needs .linux.resources.memory.limit	{@V, @R, @P, "linux": {"resources": {"memory": {"swap": 33554432}}}}
.linux.resources.pids.limit: -2: not a number of tasks (0 or -1: unlimited)	{@V, @R, @P, "linux": {"resources": {"pids": {"limit": -2}}}}
.linux.resources.cpu.shares: 1: out of range 2 to 262144	{@V, @R, @P, "linux": {"resources": {"cpu": {"shares": 1}}}}
.linux.resources.blockIO.weight: 5: out of range 10 to 1000	{@V, @R, @P, "linux": {"resources": {"blockIO": {"weight": 5}}}}
EOF
)

# One bundle for every row, and no subshells in the loop: the table stays fast even on a
# loaded machine.
b="$T/spec-invalid"
mkdir -p "$b/rootfs"
n=0
while IFS=$'\t' read -r want text; do
	[[ $want == '# '* ]] && continue # a block's header
	n=$((n + 1))
	text=${text//@V/$V}
	text=${text//@R/$R}
	text=${text//@P/$P}
	text=${text//@A/$A}
	text=${text//@DEEP/$deep}
	printf '%b' "$text" >"$b/config.json"
	rc=0
	timeout -k 5 20 "$RTR_RUN" "$b" </dev/null >/dev/null 2>"$T/err" || rc=$?
	err=
	IFS= read -r -d '' err <"$T/err" || true
	# The message is "rtr-run: NAME: config.json: WANT..." (printf %b also turns the
	# expected text's \\u0000 into the literal \u0000 the parser prints).
	printf -v want '%b' "$want"
	if [[ $rc == 125 && $err == *"config.json: $want"* ]]; then
		ok "row $n: exit 125, \"$want\""
	else
		not_ok "row $n: exit 125, \"$want\"" "config: $(head -c 300 "$b/config.json")" \
			"exit $rc, stderr: $err"
	fi
done <<<"$cases"

# Limits that need big inputs: the size limit (config.h RTR_CONFIG_MAX_BYTES, 4 MiB).
b="$T/spec-invalid-big"
mkdir -p "$b/rootfs"
{
	printf '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "annotations": {"pad": "'
	head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' a
	printf '"}}'
} >"$b/config.json"
run "$RTR_RUN" "$b"
if [[ $rc == 125 && $err == *"config.json: "*"larger than the limit"* ]]; then
	ok "a 5 MiB config.json is refused"
else
	not_ok "a 5 MiB config.json is refused" "exit $rc, stderr: $err"
fi

b="$T/spec-invalid-missing"
mkdir -p "$b/rootfs"
run "$RTR_RUN" "$b"
if [[ $rc == 125 && $err == *"config.json: No such file or directory"* ]]; then
	ok "a bundle without config.json is refused"
else
	not_ok "a bundle without config.json is refused" "exit $rc, stderr: $err"
fi

# The valid, full-featured config: every section present, unknown fields ignored.
full="$RTR_SRCDIR/tests/fuzz/corpus/full.json"
run "$RTR_SPEC_CHECK" "$full"
is "$rc" 0 "the full-featured config parses" || diag "$err"
like "$out" '^user=1000:1000 umask=1:22 groups=2$' "user, umask (decimal 18 = 022), groups"
like "$out" '^caps=2,1,0,2,1$' "all five capability sets"
like "$out" '^rlimit=7:1024:4096$' "RLIMIT_NOFILE resolved to 7"
like "$out" '^rlimit=4:0:18446744073709551615$' "a 64-bit unlimited hard limit survives"
like "$out" '^oomScoreAdj=1:100 ioprio=1:2:4 nnp=1$' "oomScoreAdj, ioPriority, noNewPrivileges"
# MS_NOSUID|MS_NODEV|MS_STRICTATIME; tmpcopyup dropped, size/mode kept as data.
like "$out" '^mount=/tmp type=tmpfs flags=0x1000006 clear=0 prop=0 bind=0 data=size=65536k,mode=1777$' \
	"tmpfs options split into flags and data"
# rbind+ro+rprivate+nosymfollow+noatime+nodiratime: MS_BIND|MS_REC|MS_RDONLY|... and
# MS_PRIVATE|MS_REC.
like "$out" '^mount=/data type=- flags=0x5d01 clear=0 prop=0x44000 bind=1 data=-$' \
	"rbind mount flags and recursive propagation"
like "$out" '^mount=/rw type=bind flags=0x201090 clear=0xf prop=0x104000 bind=1 data=-$' \
	"rw/suid/dev/exec recorded as cleared flags"
like "$out" '^mount=/none type=none flags=0x1000 clear=0 prop=0 bind=1 data=-$' \
	"type \"none\" with a bind option is a bind mount"
like "$out" '^hooks.poststop=2$' "hooks"
like "$out" '^ns=time:0x80:/proc/self/ns/time$' "a joined namespace keeps its path"
like "$out" '^memory.limit=67108864 pids=64 cpu.quota=50000 cpus=0-1$' "resources"
like "$out" '^blkio=500,1,1,1 hugepages=1 unified=2 sysctl=2$' "blockIO, hugepages, unified, sysctl"
like "$out" '^seccomp=0x50000 syscalls=3$' "seccomp (unknown syscall name kept)"
like "$out" '^propagation=0x84000 masked=2 readonly=2 personality=LINUX$' \
	"rootfsPropagation rslave, masked and read-only paths, personality"
like "$out" '^ext.stop=SIGINT:3 restart=on-failure:5 init=1$' "org.rtr.* annotations"
like "$out" '^unsupported=.linux.resources.network,.mounts\[2\].options\[4\]$' \
	"settings rtr does not implement are listed by path (classID, tmpcopyup)"
like "$out" '^health.cmd=/bin/true,x$' "org.rtr.health-cmd: Docker's [\"CMD\", ...] form"
like "$out" '^health=90000:500:5:2000:2$' \
	"org.rtr.health-interval, -timeout, -retries, -start-period, -on-unhealthy typed"

# And the same parser through rtr-run: a valid bundle runs (so 125 above is not just
# "rtr-run always fails").
# A one-binary rootfs keeps this quick (make_bundle links every busybox applet).
b="$T/spec-invalid-ok"
mkdir -p "$b/rootfs/bin"
bb=$(command -v busybox || echo /bin/busybox)
if [[ -x "$bb" ]] && file_is_static "$bb"; then
	cp "$bb" "$b/rootfs/bin/busybox"
	printf '%s\n' "{$V, $R, \"process\": {\"args\": [\"/bin/busybox\", \"true\"], \"cwd\": \"/\"}," \
		'"linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}]}}' \
		>"$b/config.json"
	run "$RTR_RUN" "$b"
	is "$rc" 0 "a valid bundle runs" || diag "$err"
else
	skip "a valid bundle runs" "needs busybox-static"
fi

done_testing
