#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Secure by default: capabilities, seccomp, masked and read-only paths, no_new_privs,
# user namespaces and devices, checked from inside real containers as root.
set -euo pipefail
. "${RTR_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
require_root
require_cmd jq
rtr_tmpdir

# Docker's default capability set as /proc/self/status prints it.
DOCKER_CAPS=00000000a80425fb
HOST_BND=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)

B=$T/sec-b
make_bundle "$B"
bundle_jq "$B" '.process.args = ["/bin/true"]'

# field KEY: the value of KEY=... in $out.
field() {
	sed -n "s/^$1=//p" <<<"$out" | head -1
}

# bundle_copy NAME: $T/NAME, a copy of $B's config sharing its rootfs.
bundle_copy() {
	mkdir -p "$T/$1"
	cp "$B/config.json" "$T/$1/config.json"
	ln -sfn "$B/rootfs" "$T/$1/rootfs"
	echo "$T/$1"
}

# ---- the default profile --------------------------------------------------------------

# Capabilities as the bundle says them (make_bundle writes Docker's set, as rtr-pull does).
run "$RTR_RUN" "$B" -- /probe caps
is "$rc" 0 "bundle with Docker's capabilities runs"
is "$(field CapEff)" "$DOCKER_CAPS" "CapEff is Docker's default set"
is "$(field CapPrm)" "$DOCKER_CAPS" "CapPrm is Docker's default set"
is "$(field CapBnd)" "$DOCKER_CAPS" "CapBnd is Docker's default set"
is "$(field CapInh)" 0000000000000000 "CapInh is empty"
is "$(field CapAmb)" 0000000000000000 "CapAmb is empty"
is "$(field NoNewPrivs)" 1 "no_new_privs is set"
is "$(field Seccomp)" 2 "a seccomp filter is loaded"

# Every privileged operation from inside, as root inside; one container for all.
host_pid=$$
host_hostname=$(hostname)
# every_privileged_op: the container's command that tries each of them
every_privileged_op=(/bin/sh -c '
	rm -f /tmp/chr /tmp/blk
	for s in mount umount unshare-mnt unshare-user clone-newns pivot_root keyctl add_key \
		bpf kexec_load init_module finit_module mknod-blk sethostname setns \
		open_by_handle_at userfaultfd perf_event_open reboot personality-bad \
		socket-vsock setrlimit fork socket-inet mknod-chr; do
		/probe syscall $s
	done
	/probe syscall ptrace '"$host_pid"'
	/probe syscall umount /proc
	/bin/hostname
')
run "$RTR_RUN" "$B" -- "${every_privileged_op[@]}"
is "$rc" 0 "syscall probe ran"
default_probe_out=$out
# The errno each must fail with: seccomp's EPERM for what the allowlist lacks, EPERM
# from the kernel for setrlimit (no CAP_SYS_RESOURCE).
for s in mount umount unshare-mnt unshare-user clone-newns pivot_root keyctl add_key bpf \
	kexec_load init_module finit_module mknod-blk sethostname setns open_by_handle_at \
	userfaultfd perf_event_open reboot personality-bad socket-vsock setrlimit ptrace; do
	is "$(field "$s")" EPERM "$s fails with EPERM"
done
# Controls: the filter is an allowlist, not a wall.
is "$(field fork)" ok "fork (clone without namespace flags) works"
is "$(field socket-inet)" ok "an AF_INET socket works"
is "$(field mknod-chr)" ok "mknod of a character device is allowed (the device cgroup decides)"
like "$out" '^rtr-test$' "the container's hostname is its own"
is "$(hostname)" "$host_hostname" "host hostname untouched"

# Masked and read-only paths.
masked=""
for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
	[[ -e $p ]] && masked="$masked $p"
done
run "$RTR_RUN" "$B" -- /bin/sh -c '
	for p in '"$masked"'; do echo "== $p"; /probe read $p; done
	echo "== fw"; ls -A /sys/firmware | wc -l
	/probe write /proc/sys/kernel/domainname
	echo "== sysrq"; /probe write /proc/sysrq-trigger
	cat /proc/self/mountinfo
'
for p in $masked; do
	got=$(sed -n "\#^== $p\$#,/^bytes=/p" <<<"$out" | tail -1)
	is "$got" "bytes=0" "$p reads empty (masked with /dev/null)"
done
[[ -n $masked ]] || skip "masked /proc files" "this kernel has none of them"
like "$out" ' /sys/firmware ro,.* - tmpfs ' "/sys/firmware is a read-only tmpfs"
like "$out" ' /proc/sys ro,' "/proc/sys is mounted read-only"
is "$(field write)" EROFS "writing /proc/sys/kernel/domainname fails with EROFS"
if [[ -e /proc/sysrq-trigger ]]; then
	like "$(sed -n '/^== sysrq/{n;p}' <<<"$out")" '^write=EROFS$' \
		"writing /proc/sysrq-trigger fails with EROFS"
else
	skip "writing /proc/sysrq-trigger" "this kernel has no /proc/sysrq-trigger"
fi
isnt "$(cat /proc/sys/kernel/domainname)" "" "host domainname readable (untouched)"

# no_new_privs: a setuid-root binary gains nothing.
cp "$RTR_PROBE" "$B/rootfs/suid-probe"
chown 0:0 "$B/rootfs/suid-probe"
chmod 4755 "$B/rootfs/suid-probe"
run "$RTR_RUN" --user 1000:1000 "$B" -- /suid-probe uid
is "$(field euid)" 1000 "setuid binary under no_new_privs: euid stays 1000"
# Control, so the check above can fail: the same without no_new_privs.
C=$(bundle_copy sec-nonnp)
bundle_jq "$C" '.process.capabilities = {"bounding": ["CAP_SETUID", "CAP_SETGID"]}
	| .process.noNewPrivileges = false'
run "$RTR_RUN" --user 1000:1000 "$C" -- /suid-probe uid
is "$(field euid)" 0 "control: without no_new_privs the setuid bit works"
run "$RTR_RUN" --no-new-privileges --user 1000:1000 "$C" -- /suid-probe uid
is "$(field euid)" 1000 "--no-new-privileges on a bundle without it"

# ---- capabilities -----------------------------------------------------------------------

run "$RTR_RUN" --cap-drop ALL "$B" -- /probe caps
is "$(field CapEff):$(field CapBnd)" 0000000000000000:0000000000000000 "--cap-drop ALL"
run "$RTR_RUN" --cap-drop all --cap-add net_admin --cap-add CAP_Sys_Ptrace "$B" -- /probe caps
is "$(field CapBnd)" 0000000000081000 "--cap-drop ALL --cap-add NET_ADMIN,SYS_PTRACE (any case, CAP_ optional)"
run "$RTR_RUN" --cap-add ALL "$B" -- /probe caps
is "$(field CapBnd)" "$HOST_BND" "--cap-add ALL gives every capability rtr-run holds"
is "$(field CapInh)" 0000000000000000 "--cap-add ALL leaves inheritable empty"
run "$RTR_RUN" --cap-drop CHOWN "$B" -- /probe caps
is "$(field CapBnd)" 00000000a80425fa "--cap-drop CHOWN removes bit 0"
run "$RTR_RUN" --cap-add NOT_A_CAP "$B" -- /bin/true
is "$rc" 125 "unknown --cap-add name: exit 125"
like "$err" '--cap-add NOT_A_CAP: unknown capability' "the message names the option"

# All five sets from config.json; ambient carries a capability to uid 1000.
C=$(bundle_copy sec-five)
bundle_jq "$C" '.process.user = {"uid": 1000, "gid": 1000}
	| .process.capabilities = {
		"bounding": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
		"effective": ["CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_NET_BIND_SERVICE"],
		"inheritable": ["CAP_NET_BIND_SERVICE"],
		"ambient": ["CAP_NET_BIND_SERVICE"]}'
run "$RTR_RUN" "$C" -- /probe caps
is "$(field CapBnd)" 0000000000000401 "config.json bounding set"
is "$(field CapAmb)" 0000000000000400 "config.json ambient set survives exec as uid 1000"
is "$(field CapEff)" 0000000000000400 "effective = ambient after exec as uid 1000"
is "$(field CapInh)" 0000000000000400 "config.json inheritable set"
is "$(field Seccomp)" 2 "a bundle with capabilities but no seccomp gets rtr's default filter"
bundle_jq "$C" '.process.capabilities.ambient += ["CAP_CHOWN"]'
run "$RTR_RUN" "$C" -- /probe caps
is "$rc" 0 "ambient capability not permitted+inheritable: skipped, as runc and crun do"
is "$(field CapAmb)" 0000000000000400 "the raisable ambient capability is still raised"
like "$err" 'ambient: not raising CAP_CHOWN: ' "one warning names the skipped capability"
bundle_jq "$C" '.process.capabilities.bounding = ["CAP_NOT_REAL"]'
run "$RTR_RUN" "$C" -- /bin/true
is "$rc" 125 "unknown capability in config.json: exit 125"
like "$err" 'capabilities\.bounding' "the message names the field"

# ---- privileged ---------------------------------------------------------------------------

run "$RTR_RUN" --privileged "$B" -- /bin/sh -c '/probe caps; /probe stat /dev/loop0;
	grep -c " /proc/keys \| /proc/sys " /proc/self/mountinfo || true'
is "$(field CapBnd)" "$HOST_BND" "--privileged: full bounding set"
is "$(field CapEff)" "$HOST_BND" "--privileged: full effective set"
is "$(field Seccomp)" 0 "--privileged: no seccomp filter"
like "$out" '^0$' "--privileged: no masked or read-only /proc paths"
if [[ -b /dev/loop0 ]]; then
	like "$out" '^/dev/loop0 type=b' "--privileged: host devices present"
else
	skip "--privileged: host devices" "no /dev/loop0 on this host"
fi

C=$(bundle_copy sec-privfile)
bundle_jq "$C" '.linux.seccomp = $p[0] | .process.noNewPrivileges = true' \
	--slurpfile p <("$RTR_RUN" --print-default-seccomp)
run "$RTR_RUN" --privileged "$C" -- /probe caps
is "$(field Seccomp):$(field NoNewPrivs)" 0:0 "--privileged drops the bundle's own seccomp and no_new_privs"

# ---- seccomp ------------------------------------------------------------------------------

cat >"$T/mkdir-enospc.json" <<'EOF'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	"syscalls": [
		{ "names": ["mkdir", "mkdirat", "rtr_no_such_syscall"], "action": "SCMP_ACT_ERRNO",
		  "errnoRet": 28 },
		{ "names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		  "args": [ { "index": 0, "value": 2, "op": "SCMP_CMP_EQ" } ] }
	]
}
EOF
run "$RTR_RUN" --seccomp "$T/mkdir-enospc.json" "$B" -- /bin/sh -c \
	'/probe syscall mkdir /tmp/sec-dir; /probe syscall socket-inet; /probe syscall mount; /probe caps'
is "$(field mkdir)" ENOSPC "--seccomp FILE: mkdir fails with ENOSPC (errnoRet 28)"
is "$(field socket-inet)" EPERM "--seccomp FILE: args comparison (socket AF_INET denied)"
is "$(field mount)" EPERM "--seccomp FILE: default caps still deny mount"
is "$(field Seccomp)" 2 "--seccomp FILE: filter loaded"
like "$err" 'skipping unknown syscall rtr_no_such_syscall' "unknown syscall name warned about"
C=$(bundle_copy sec-file)
bundle_jq "$C" '.linux.seccomp = $p[0] | .process.capabilities = {"bounding": ["CAP_SYS_ADMIN"],
	"effective": ["CAP_SYS_ADMIN"], "permitted": ["CAP_SYS_ADMIN"]}' \
	--slurpfile p "$T/mkdir-enospc.json"
run "$RTR_RUN" "$C" -- /probe syscall mkdir /tmp/sec-dir2
is "$(field mkdir)" ENOSPC "linux.seccomp from config.json (no no_new_privs, CAP_SYS_ADMIN)"
bundle_jq "$C" '.process.capabilities = {"bounding": ["CAP_CHOWN"]}'
run "$RTR_RUN" "$C" -- /probe syscall mkdir /tmp/sec-dir3
is "$(field mkdir)" ENOSPC "linux.seccomp without no_new_privs nor CAP_SYS_ADMIN still loads"
# Several comparisons: of one argument they are alternatives (runc), of different ones
# they must all hold.
cat >"$T/args.json" <<'EOF'
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"flags": ["SECCOMP_FILTER_FLAG_LOG"],
	"syscalls": [
		{ "names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		  "args": [ { "index": 0, "value": 2, "op": "SCMP_CMP_EQ" },
			    { "index": 0, "value": 10, "op": "SCMP_CMP_EQ" } ] },
		{ "names": ["socketpair"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 },
		{ "names": ["mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28,
		  "args": [ { "index": 2, "value": 493, "op": "SCMP_CMP_EQ" },
			    { "index": 1, "value": 0, "op": "SCMP_CMP_EQ" } ] }
	]
}
EOF
run "$RTR_RUN" --seccomp "$T/args.json" "$B" -- /bin/sh -c \
	'rmdir /tmp/sec-a 2>/dev/null; /probe syscall socket 2:1; /probe syscall socket 10:2;
	 /probe syscall socket 1:1; /probe syscall mkdir /tmp/sec-a'
is "$(sed -n 's/^socket=//p' <<<"$out" | tr '\n' ' ')" "EACCES EACCES ok " \
	"two comparisons of one argument: either matches (AF_INET, AF_INET6 denied, AF_UNIX not)"
is "$(field mkdir)" ok "comparisons of different arguments must all hold (mode matches, path not)"

# The default table compiled by libseccomp at start-up (one harmless name removed, so the
# precompiled filter does not apply) must behave as the precompiled one.
"$RTR_RUN" --print-default-seccomp | jq '.syscalls[0].names -= ["mq_notify"]' >"$T/custom.json"
rm -rf /run/rtr/seccomp
run "$RTR_RUN" --seccomp "$T/custom.json" "$B" -- "${every_privileged_op[@]}"
is "$out" "$default_probe_out" "default profile compiled at run time = the precompiled one"

# The compiled-filter cache: libseccomp compiles a profile once; later starts read the
# program back (only when the whole key matches), and anything odd there is a miss.
SC=/run/rtr/seccomp
rm -rf "$SC"
run "$RTR_RUN" -vv --seccomp "$T/mkdir-enospc.json" "$B" -- /probe syscall mkdir /tmp/sc-1
like "$err" "compiled filter stored in $SC/[0-9a-f]{16}\\.bpf" "cache: first start compiles and stores"
is "$(field mkdir)" ENOSPC "cache: the compiled filter applies"
is "$(stat -c %a:%U "$SC")" 700:root "cache: the directory is root's alone"
entry=$(ls "$SC"/*.bpf)
is "$(stat -c %a "$entry")" 600 "cache: entries are 0600"
run "$RTR_RUN" -vv --seccomp "$T/mkdir-enospc.json" "$B" -- /probe syscall mkdir /tmp/sc-2
like "$err" "compiled filter read from $entry" "cache: the second start reads the program back"
unlike "$err" "stored in" "cache: and does not compile again"
is "$(field mkdir)" ENOSPC "cache: the cached filter applies the same"
jq '.syscalls[0].errnoRet = 27' "$T/mkdir-enospc.json" >"$T/mkdir-efbig.json"
run "$RTR_RUN" -vv --seccomp "$T/mkdir-efbig.json" "$B" -- /probe syscall mkdir /tmp/sc-3
is "$(field mkdir)" E27 "cache: a profile differing in one errno gets its own program"
is "$(ls "$SC" | wc -l)" 2 "cache: one entry per profile"
head -c 100 /dev/urandom >>"$entry"
run "$RTR_RUN" -vv --seccomp "$T/mkdir-enospc.json" "$B" -- /probe syscall mkdir /tmp/sc-4
like "$err" "stored in $entry" "cache: a damaged entry is a miss, compiled and replaced"
is "$(field mkdir)" ENOSPC "cache: and the filter is still right"
chown 65534 "$entry"
run "$RTR_RUN" -vv --seccomp "$T/mkdir-enospc.json" "$B" -- /probe syscall mkdir /tmp/sc-5
unlike "$err" "read from" "cache: an entry not owned by root is not read"
chmod 755 "$SC"
run "$RTR_RUN" -vv --seccomp "$T/mkdir-enospc.json" "$B" -- /probe syscall mkdir /tmp/sc-6
like "$err" "no filter cache at $SC" "cache: a directory others can read is not used"
is "$rc:$(field mkdir)" 0:ENOSPC "cache: and the start still works"
rm -rf "$SC"

run "$RTR_RUN" --seccomp unconfined "$B" -- /bin/sh -c '/probe caps; /probe syscall keyctl'
is "$(field Seccomp)" 0 "--seccomp unconfined: no filter"
is "$(field keyctl)" ok "--seccomp unconfined: keyctl allowed"
run "$RTR_RUN" --seccomp default "$C" -- /bin/sh -c '/probe caps; /probe syscall mkdir /tmp/sec-dir4'
is "$(field Seccomp):$(field mkdir)" 2:ok "--seccomp default replaces the bundle's profile"
run "$RTR_RUN" --cap-add SYS_ADMIN "$B" -- /bin/sh -c '/probe syscall unshare-mnt'
is "$(field unshare-mnt)" ok "default profile follows the caps: CAP_SYS_ADMIN allows unshare"
echo '{"defaultAction": "SCMP_ACT_NOPE"}' >"$T/bad.json"
run "$RTR_RUN" --seccomp "$T/bad.json" "$B" -- /bin/true
is "$rc" 125 "--seccomp with a bad profile: exit 125"
like "$err" 'bad.json: .defaultAction' "the message names the file and field"
echo '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/x.sock"}' >"$T/notify.json"
run "$RTR_RUN" --seccomp "$T/notify.json" "$B" -- /bin/true
is "$rc" 125 "seccomp listenerPath: exit 125"
like "$err" 'not supported' "listenerPath: clear message"
run "$RTR_RUN" --print-default-seccomp
is "$rc" 0 "--print-default-seccomp"
is "$(jq -r '.defaultAction + " " + (.defaultErrnoRet|tostring)' <<<"$out")" "SCMP_ACT_ERRNO 1" \
	"default action ERRNO(EPERM)"
is "$(jq -r '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]]
	| (index("read") != null) and (index("mount") == null) and (index("ptrace") == null)' \
	<<<"$out")" true "allowlist has read, not mount or ptrace"

# ---- apparmor / selinux ---------------------------------------------------------------------

C=$(bundle_copy sec-lsm)
bundle_jq "$C" '.process.apparmorProfile = "docker-default"'
run "$RTR_RUN" "$C" -- /bin/true
is "$rc" 125 "apparmorProfile: exit 125 (not applied by rtr-run)"
like "$err" 'apparmorProfile docker-default: AppArmor' "apparmorProfile: clear message"
bundle_jq "$C" 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
run "$RTR_RUN" "$C" -- /bin/true
is "$rc" 125 "selinuxLabel: exit 125"

# ---- /dev/null swap (CVE-2025-31133 class) ----------------------------------------------------

# A createContainer hook (in the container's mount namespace, before pivot_root) swaps the
# container's /dev/null for a symlink to a host-sensitive file, as a racing container
# sharing the /dev could.  Masking must refuse it, not bind that file over masked paths.
C=$(bundle_copy sec-devnull)
printf '%s\n' '#!/bin/sh' 'b=$(jq -r .bundle)' \
	'rm -f "$b/rootfs/dev/null" && ln -s /proc/sys/kernel/core_pattern "$b/rootfs/dev/null"' \
	>"$T/swap-devnull"
chmod 755 "$T/swap-devnull"
bundle_jq "$C" '.hooks.createContainer = [{"path": $h}]' --arg h "$T/swap-devnull"
core_pattern=$(cat /proc/sys/kernel/core_pattern)
run "$RTR_RUN" "$C" -- /probe read /proc/timer_list
is "$rc" 125 "a /dev/null swapped for a symlink is refused for masking"
like "$err" 'no usable /dev/null' "the message says /dev/null"
is "$(cat /proc/sys/kernel/core_pattern)" "$core_pattern" "host core_pattern untouched"

# ---- user namespace ---------------------------------------------------------------------------

U=$T/sec-userns
mkdir -p "$U" "$T/data"
cp -a "$B/rootfs" "$U/rootfs"
cp "$B/config.json" "$U/config.json"
chown -R 300000:300000 "$U/rootfs"
chmod 777 "$T/data"
run "$RTR_RUN" --userns 300000:65536 --mount "$T/data:/data" "$U" -- /bin/sh -c \
	'/probe uid; touch /data/made-inside; cat /proc/self/uid_map /proc/self/gid_map; /probe caps'
is "$rc" 0 "--userns 300000:65536 runs"
is "$(field uid):$(field euid)" 0:0 "uid 0 inside the user namespace"
like "$out" '^ +0 +300000 +65536$' "uid_map maps 0 to 300000 for 65536 ids"
is "$(stat -c %u:%g "$T/data/made-inside" 2>/dev/null)" 300000:300000 \
	"a file created inside is owned by the mapped host uid"
is "$(field CapEff)" "$DOCKER_CAPS" "default caps inside the user namespace"
run "$RTR_RUN" --userns auto "$U" -- /bin/sh -c 'cat /proc/self/uid_map'
auto_host=100000
if [[ -r /etc/subuid ]] && grep -q '^root:' /etc/subuid; then
	auto_host=$(awk -F: '/^root:/ { print $2; exit }' /etc/subuid)
fi
like "$out" "^ +0 +$auto_host " "--userns auto maps 0 to $auto_host"
run "$RTR_RUN" --userns 300000 "$U" -- /bin/true
is "$rc" 125 "--userns without a count: exit 125"

# ---- devices ----------------------------------------------------------------------------------

if [[ -c /dev/net/tun ]]; then
	run "$RTR_RUN" --device /dev/net/tun "$B" -- /bin/sh -c '/probe stat /dev/net/tun; /probe open /dev/net/tun'
	like "$out" '^/dev/net/tun type=c .*rdev=10:200$' "--device /dev/net/tun: node created"
	is "$(field open)" ok "--device /dev/net/tun: opened inside"
else
	skip "--device /dev/net/tun" "no /dev/net/tun on this host"
	skip "--device /dev/net/tun open" "no /dev/net/tun on this host"
fi
if [[ -b /dev/loop0 ]]; then
	run "$RTR_RUN" --device /dev/loop0:/dev/xloop:r "$B" -- /bin/sh -c '/probe stat /dev/xloop; /probe read /dev/xloop'
	like "$out" '^/dev/xloop type=b .*rdev=7:0$' "--device HOST:CONTAINER:r renames the node"
	is "$(field read)" "" "--device /dev/loop0: read inside works"
	run "$RTR_RUN" --device /dev/loop0:/dev/xloop:r "$B" -- /probe write /dev/xloop
	is "$(field write)" EPERM "--device HOST:CONTAINER:r: the device cgroup refuses writing"
	run "$RTR_RUN" "$B" -- /probe stat /dev/loop0
	like "$out" '^/dev/loop0 ENOENT$' "an unlisted device is absent"
else
	skip "--device loop" "no /dev/loop0"
	skip "--device loop read" "no /dev/loop0"
	skip "unlisted device absent" "no /dev/loop0"
fi
# An unlisted character device made inside (mknod c is allowed) cannot be opened.
if [[ -c /dev/net/tun ]]; then
	run "$RTR_RUN" "$B" -- /bin/sh -c 'rm -f /tmp/tun; mknod /tmp/tun c 10 200 && /probe open /tmp/tun'
	is "$(field open)" EPERM "tun is not in the default device allowlist"
fi
run "$RTR_RUN" "$B" -- /bin/sh -c 'rm -f /tmp/mem; mknod /tmp/mem c 1 1 && /probe open /tmp/mem'
is "$(field open)" EPERM "the device cgroup refuses an unlisted device (c 1:1) with EPERM"
run "$RTR_RUN" --device /etc/passwd "$B" -- /bin/true
is "$rc" 125 "--device of a regular file: exit 125"
like "$err" 'not a character or block device' "--device: clear message"
run "$RTR_RUN" --device /dev/null:/dev/x:rwz "$B" -- /bin/true
is "$rc" 125 "--device with bad permissions: exit 125"


# ==== cgroup mounts, linux.sysctl ownership, network namespace defaults =========================

# ---- a cgroup mount shows only the container's own cgroups ----
# The bundle `runc spec` writes (no cgroup namespace), the cgroup mount made rw, with a
# memory limit whose file the container must see as its own.
CG=$T/sec-cgroup
mkdir -p "$CG"
if command -v runc >/dev/null; then
	(cd "$CG" && runc spec)
else
	cp "$B/config.json" "$CG/config.json"
	bundle_jq "$CG" '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
		options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
fi
ln -sfn "$B/rootfs" "$CG/rootfs"
bundle_jq "$CG" '.process.terminal = false | del(.process.capabilities.ambient)
	| .root.readonly = false
	| .linux.namespaces |= map(select(.type != "cgroup"))
	| (.mounts[] | select(.type == "cgroup") | .options) |= map(if . == "ro" then "rw" else . end)'
cp "$CG/config.json" "$T/sec-cgroup.json"
bundle_jq "$CG" '.linux.resources.memory.limit = 67108864'
cgprobe='[ -e /sys/fs/cgroup/pids/rtr ] && echo host-tree-visible
echo max >/sys/fs/cgroup/pids/rtr/pids.max 2>/dev/null && echo wrote-parent
echo 0 >/sys/fs/cgroup/systemd/notify_on_release 2>/dev/null && echo wrote-host-root
cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null
echo 100 >/sys/fs/cgroup/pids/pids.max && echo own-pids=$(cat /sys/fs/cgroup/pids/pids.max)
true'
if [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/pids ]]; then
	run "$RTR_RUN" --name sec-cg "$CG" -- sh -c "$cgprobe"
	is "$rc" 0 "cgroup mount without a cgroup namespace (v1/hybrid): runs"
	unlike "$out" "host-tree-visible" "  the host's other cgroups are not visible"
	unlike "$out" "wrote-parent" "  the parent's pids.max cannot be written"
	unlike "$out" "wrote-host-root" "  a hierarchy the container does not own is read-only"
	like "$out" "^67108864$" "  the container's own memory.limit_in_bytes is at /sys/fs/cgroup/memory"
	like "$out" "^own-pids=100$" "  its own cgroup is writable when the mount says rw"
	bundle_jq "$CG" '(.mounts[] | select(.type == "cgroup") | .options) += ["ro"]'
	run "$RTR_RUN" --name sec-cg "$CG" -- sh -c "$cgprobe"
	unlike "$out" "own-pids" "  and read-only when the mount says ro"
	bundle_jq "$CG" '(.mounts[] | select(.type == "cgroup") | .options) -= ["ro"]
		| .linux.namespaces += [{type: "cgroup"}]'
	run "$RTR_RUN" --name sec-cg "$CG" -- sh -c "$cgprobe"
	is "$rc" 0 "with a cgroup namespace: runs"
	unlike "$out" "host-tree-visible|wrote-parent" "  the cgroup fs shows only the container's subtree"
	like "$out" "^67108864$" "  rooted at the container's own cgroup"
	like "$out" "^own-pids=100$" "  which is writable when the mount says rw"
	unlike "$out" "wrote-host-root" "  a hierarchy whose namespace root is the host's is read-only"
	# In a user namespace a v1 cgroup fs cannot be mounted: the own directories are bound.
	cp "$T/sec-cgroup.json" "$T/sec-userns/config.json"
	run "$RTR_RUN" --name sec-cg --userns 300000:65536 "$T/sec-userns" -- \
		sh -c 'ls /sys/fs/cgroup/memory/memory.limit_in_bytes; [ -e /sys/fs/cgroup/pids/rtr ] || echo own-only'
	is "$rc" 0 "cgroup mount in a user namespace on a v1/hybrid host: runs"
	like "$out" "own-only" "  with the container's own cgroups only"
	cp "$B/config.json" "$T/sec-userns/config.json"
else
	skip "cgroup mount without a cgroup namespace (v1/hybrid)" "no v1 memory and pids hierarchies"
fi
V2=
if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
	V2=/sys/fs/cgroup
elif [[ -d /sys/fs/cgroup/unified && $(stat -f -c %T /sys/fs/cgroup/unified) == cgroup2fs ]]; then
	V2=/sys/fs/cgroup/unified
fi
if [[ -n $V2 ]]; then
	# Pure v2, simulated on a hybrid host as in cgroup.sh: the cgroup2 tree alone.
	cp "$T/sec-cgroup.json" "$CG/config.json"
	got=$(unshare -m --propagation private bash -c '
		mkdir -p "$T/cgsave" && mount --rbind /sys/fs/cgroup "$T/cgsave" &&
		if [[ $1 != /sys/fs/cgroup ]]; then mount --bind "$T/cgsave/unified" /sys/fs/cgroup; fi &&
		umount -l "$T/cgsave" &&
		"$RTR_RUN" --name sec-cg2 "$2" -- sh -c "[ -e /sys/fs/cgroup/rtr ] && echo host-tree-visible
			cat /sys/fs/cgroup/cgroup.procs; echo 3 >/sys/fs/cgroup/cgroup.max.depth &&
			echo own-depth=\$(cat /sys/fs/cgroup/cgroup.max.depth)"' _ "$V2" "$CG" 2>&1) || true
	unlike "$got" "host-tree-visible" "cgroup2 without a cgroup namespace: the host's tree is not visible"
	like "$got" "^1$" "  /sys/fs/cgroup is the container's own cgroup (its processes only)"
	like "$got" "^own-depth=3$" "  writable when the mount says rw"
else
	skip "cgroup2 without a cgroup namespace" "no cgroup2 tree on this host"
fi

# ---- linux.sysctl: only keys of the container's own namespaces ----
pr=$(cat /proc/sys/kernel/printk_ratelimit)
S=$(bundle_copy sec-sysctl)
bundle_jq "$S" '.linux.sysctl = {"kernel.printk_ratelimit": "17"}'
run "$RTR_RUN" --name sec-sysctl "$S" -- /bin/true
is "$rc" 125 "sysctl kernel.printk_ratelimit (not namespaced): exit 125"
like "$err" "linux.sysctl kernel.printk_ratelimit: not namespaced" "  naming the key and the reason"
is "$(cat /proc/sys/kernel/printk_ratelimit)" "$pr" "  the host's value is unchanged"
is "$(ls /sys/fs/cgroup/pids/rtr 2>/dev/null | grep -c '^sec-sysctl$' || true)" 0 "  refused before anything was created"
bundle_jq "$S" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
run "$RTR_RUN" --name sec-sysctl --network host "$S" -- /bin/true
is "$rc" 125 "sysctl net.* with the host's network (--network host): exit 125"
like "$err" "linux.sysctl net.ipv4.ip_forward: needs the container's own network namespace" "  with the reason"
bundle_jq "$S" '.linux.namespaces |= map(select(.type != "network")) + [{type: "network", path: "/proc/1/ns/net"}]'
run "$RTR_RUN" --name sec-sysctl "$S" -- /bin/true
is "$rc" 125 "sysctl net.* in the host's network namespace joined by path: exit 125"
bundle_jq "$S" '.linux.namespaces |= map(select(.type != "network")) + [{type: "network"}]
	| .linux.sysctl = {"kernel.shmmni": "1234", "fs.mqueue.msg_max": "20", "net/ipv4/ip_forward": "1",
	  "kernel.domainname": "sysctl.example"}'
run "$RTR_RUN" --name sec-sysctl "$S" -- cat /proc/sys/kernel/shmmni /proc/sys/fs/mqueue/msg_max \
	/proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname
is "$rc" 0 "sysctl IPC, mqueue, net (slash form) and UTS keys with new namespaces: runs"
is "$(tr '\n' ' ' <<<"$out")" "1234 20 1 sysctl.example " "  and sets them"
bundle_jq "$S" '.linux.namespaces |= map(select(.type != "ipc"))'
run "$RTR_RUN" --name sec-sysctl "$S" -- /bin/true
like "$rc:$err" "^125:.*linux.sysctl kernel.shmmni: needs the container's own ipc namespace" "sysctl kernel.shm* without an IPC namespace: refused"
bundle_jq "$S" '.linux.namespaces += [{type: "ipc"}] | .linux.namespaces |= map(select(.type != "uts"))
	| del(.hostname) | .linux.sysctl = {"kernel.domainname": "x"}'
run "$RTR_RUN" --name sec-sysctl "$S" -- /bin/true
like "$rc:$err" "^125:.*linux.sysctl kernel.domainname: needs the container's own uts namespace" "sysctl kernel.domainname without a UTS namespace: refused"

# ---- ping and low ports without CAP_NET_RAW / CAP_NET_BIND_SERVICE ----
hostport=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
P=$(bundle_copy sec-ping)
bundle_jq "$P" '.process.user = {uid: 1000, gid: 1000}
	| .process.capabilities = {bounding: [], effective: [], permitted: []}'
# (busybox 1.35's ping drops the replies of a ping socket, whose id the kernel sets: the
# probe does the same echo exchange.)
run "$RTR_RUN" --name sec-ping "$P" -- sh -c '/probe syscall socket-ping; /probe syscall ping
	/probe syscall bind-port 80; cat /proc/sys/net/ipv4/ping_group_range'
is "$rc" 0 "uid 1000 without capabilities in a new network namespace: runs"
like "$out" "^socket-ping=ok$" "  an ICMP echo socket opens (net.ipv4.ping_group_range)"
like "$out" "^ping=ok$" "  an echo to 127.0.0.1 gets its reply"
like "$out" "^bind-port=ok$" "  port 80 can be bound (net.ipv4.ip_unprivileged_port_start=0)"
like "$out" "^0[[:space:]]+2147483647$" "  ping_group_range is 0 2147483647"
bundle_jq "$P" '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "1024"}'
run "$RTR_RUN" --name sec-ping "$P" -- /probe syscall bind-port 80
like "$out" "^bind-port=EACCES$" "  a value set by the bundle wins"
is "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "$hostport" "  the host's value is untouched"

# ==== capabilities and noNewPrivileges as the bundle says them (issue 11) =====================
# No process.capabilities means no capabilities and an absent noNewPrivileges means false
# (OCI); rtr's defaults only take away: the default seccomp filter, masked paths.
N=$(bundle_copy sec-bare)
bundle_jq "$N" 'del(.process.capabilities, .process.noNewPrivileges)'
run "$RTR_RUN" "$N" -- /bin/sh -c '/probe caps; /probe read /proc/timer_list; /probe syscall keyctl'
is "$rc" 0 "bare bundle runs"
is "$(field CapEff):$(field CapPrm):$(field CapBnd)" \
	0000000000000000:0000000000000000:0000000000000000 "bare bundle: no capabilities at all"
is "$(field CapInh):$(field CapAmb)" 0000000000000000:0000000000000000 "  none inheritable or ambient"
is "$(field NoNewPrivs)" 0 "  noNewPrivileges absent: no_new_privs not set"
is "$(field Seccomp)" 2 "  rtr's default seccomp filter is still loaded (before the capabilities go)"
is "$(field keyctl)" EPERM "  and denies keyctl"
is "$(field bytes)" 0 "  masked paths still apply (/proc/timer_list reads empty)"
run "$RTR_RUN" --user 1000:1000 "$N" -- /probe caps
is "$rc:$(field Seccomp):$(field NoNewPrivs)" 0:2:0 "bare bundle as uid 1000: filter loaded, no no_new_privs"
run "$RTR_RUN" --seccomp unconfined "$N" -- /probe caps
is "$(field Seccomp)" 0 "bare bundle, --seccomp unconfined: no filter"
bundle_jq "$N" '.process.noNewPrivileges = false'
run "$RTR_RUN" "$N" -- /probe caps
is "$(field NoNewPrivs):$(field CapBnd)" 0:0000000000000000 "explicit noNewPrivileges false is honoured"
run "$RTR_RUN" --user 1000:1000 "$N" -- /suid-probe uid
is "$(field euid)" 0 "  a setuid binary works without no_new_privs"
bundle_jq "$N" '.process.noNewPrivileges = true'
run "$RTR_RUN" "$N" -- /probe caps
is "$(field NoNewPrivs):$(field Seccomp)" 1:2 "noNewPrivileges true without capabilities"
run "$RTR_RUN" --cap-add NET_ADMIN "$N" -- /probe caps
is "$(field CapBnd)" 0000000000001000 "--cap-add on a bare bundle adds to nothing"

# ==== seccomp profile conditions: includes / excludes (issue 11) ================================
# Docker's and Podman's profile files make rules depend on the container's bounding set, the
# architecture and the kernel.  Podman's own default profile (containers-common):
PODMAN_PROFILE=/usr/share/containers/seccomp.json
if [[ -r $PODMAN_PROFILE ]]; then
	probes='for s in bpf perf_event_open open_by_handle_at sethostname; do /probe syscall $s; done'
	run "$RTR_RUN" --seccomp "$PODMAN_PROFILE" "$B" -- /bin/sh -c "$probes"
	is "$rc" 0 "Podman's profile without CAP_SYS_ADMIN: runs"
	is "$(field bpf):$(field perf_event_open)" EPERM:EPERM \
		"  bpf, perf_event_open denied (their allow rule includes CAP_SYS_ADMIN)"
	is "$(field open_by_handle_at)" EPERM "  open_by_handle_at denied (needs CAP_DAC_READ_SEARCH)"
	run "$RTR_RUN" --seccomp "$PODMAN_PROFILE" --cap-add SYS_ADMIN "$B" -- /bin/sh -c "$probes"
	is "$(field bpf):$(field perf_event_open)" EINVAL:EFAULT \
		"  with CAP_SYS_ADMIN: bpf, perf_event_open reach the kernel"
	is "$(field sethostname)" ok "  with CAP_SYS_ADMIN: sethostname works"
	is "$(field open_by_handle_at)" EPERM "  still no open_by_handle_at without CAP_DAC_READ_SEARCH"
	run "$RTR_RUN" --seccomp "$PODMAN_PROFILE" --cap-add DAC_READ_SEARCH "$B" -- /probe syscall open_by_handle_at
	is "$(field open_by_handle_at)" EFAULT "  with CAP_DAC_READ_SEARCH: open_by_handle_at reaches the kernel"
	# Podman allows unshare to everyone; Docker's profile allows it only with
	# CAP_SYS_ADMIN.  The same file with Docker's rule for unshare:
	jq '.syscalls |= map(.names -= ["unshare"]) | .syscalls += [{names: ["unshare"],
		action: "SCMP_ACT_ALLOW", includes: {caps: ["CAP_SYS_ADMIN"]}}]' \
		"$PODMAN_PROFILE" >"$T/docker-unshare.json"
	run "$RTR_RUN" --seccomp "$T/docker-unshare.json" "$B" -- /bin/sh -c 'unshare -U true; echo unshare=$?'
	is "$(field unshare)" 1 "Docker's unshare rule without CAP_SYS_ADMIN: unshare -U is denied"
	run "$RTR_RUN" --seccomp "$T/docker-unshare.json" --cap-add SYS_ADMIN "$B" -- \
		/bin/sh -c 'unshare -U true; echo unshare=$?'
	is "$(field unshare)" 0 "  with CAP_SYS_ADMIN: allowed"
else
	skip "Podman's seccomp profile" "no $PODMAN_PROFILE (golang-github-containers-common)"
fi

# Architectures and kernel versions.
case $(uname -m) in
x86_64) host_goarch=amd64 other=s390x ;;
aarch64) host_goarch=arm64 other=amd64 ;;
*) host_goarch=$(uname -m) other=amd64 ;;
esac
cat >"$T/cond.json" <<EOF
{
	"defaultAction": "SCMP_ACT_ALLOW",
	"syscalls": [
		{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28,
		  "includes": { "arches": ["$other", "x32"] } },
		{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		  "includes": { "minKernel": "99.0" } },
		{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30,
		  "excludes": { "minKernel": "3.0" } },
		{ "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 31,
		  "excludes": { "arches": ["$host_goarch"] } },
		{ "names": ["keyctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
		  "includes": { "minKernel": "3.0", "arches": ["$host_goarch"], "caps": ["CAP_CHOWN"] } },
		{ "names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
		  "excludes": { "caps": ["CAP_NOT_KNOWN_HERE"] } },
		{ "names": ["add_key"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
		  "includes": { "caps": ["CAP_NOT_KNOWN_HERE"] } }
	]
}
EOF
run "$RTR_RUN" --seccomp "$T/cond.json" "$B" -- /bin/sh -c \
	'/probe syscall mkdir /tmp/cond-dir; /probe syscall keyctl; /probe syscall socket-inet; /probe syscall add_key'
is "$rc" 0 "profile with arch and kernel conditions: runs"
is "$(field mkdir)" ok "  rules for another arch, a newer kernel, excluded kernels or this arch: none applies"
is "$(field keyctl)" EIO "  a rule whose arch, minKernel and caps all hold applies"
is "$(field socket-inet)" EIO "  an excluded capability unknown here is never held: the rule applies"
is "$(field add_key)" ok "  an included capability unknown here is never held: the rule does not apply"
run "$RTR_RUN" --seccomp "$T/cond.json" --cap-drop CHOWN "$B" -- /probe syscall keyctl
is "$(field keyctl)" ok "  the same rule without CAP_CHOWN (after --cap-drop) does not"
jq '.syscalls[0].includes.minKernel = "new"' "$T/cond.json" >"$T/cond-bad.json"
run "$RTR_RUN" --seccomp "$T/cond-bad.json" "$B" -- /bin/true
is "$rc" 125 "a bad minKernel: exit 125"
like "$err" 'cond-bad.json: \.syscalls\[0\]\.includes\.minKernel: expected a kernel version' \
	"  the message names the file and the field"

# ---- default profile: new syscalls, socket families, the i386 ABI, syscall names ---------------

# AF_ALG and AF_VSOCK are denied, their neighbours (AF_NFC 39, AF_KCM 41) are not.
run "$RTR_RUN" "$B" -- /bin/sh -c '
	for f in 38:5 40:1 39:2 41:2 2:1; do echo "== $f"; /probe syscall socket $f; done
	for s in 462 463 1000 keyctl; do /probe syscall $s; done'
sock_of() {
	sed -n "/^== $1\$/{n;s/^socket=//p}" <<<"$out"
}
is "$(sock_of 38:5)" EPERM "socket(AF_ALG) fails with EPERM"
is "$(sock_of 40:1)" EPERM "socket(AF_VSOCK) fails with EPERM"
isnt "$(sock_of 39:2)" EPERM "socket(AF_NFC) is not denied by the filter"
isnt "$(sock_of 41:2)" EPERM "socket(AF_KCM) is not denied by the filter"
is "$(sock_of 2:1)" ok "socket(AF_INET) works"
# Newer than the profile (mseal 462, setxattrat 463, no syscall at all 1000): ENOSYS, so
# software falls back; a known syscall the profile denies keeps EPERM.
is "$(field 462)" ENOSYS "mseal (newer than the profile) fails with ENOSYS"
is "$(field 463)" ENOSYS "setxattrat (newer than the profile) fails with ENOSYS"
is "$(field 1000)" ENOSYS "syscall 1000 fails with ENOSYS"
is "$(field keyctl)" EPERM "keyctl (known, denied) still fails with EPERM"
# The same when the profile is compiled at start-up (a copy without mq_notify).
run "$RTR_RUN" --seccomp "$T/custom.json" "$B" -- /bin/sh -c \
	'/probe syscall 462; /probe syscall keyctl; /probe syscall socket 38:5'
is "$(field 462):$(field keyctl):$(field socket)" ENOSYS:EPERM:EPERM \
	"compiled at start-up: mseal ENOSYS, keyctl EPERM, AF_ALG EPERM"
# Listing a newer syscall raises the bound: what lies below it and is not listed is EPERM.
jq '.syscalls += [{"names": ["futex_requeue"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22}]
	| .syscalls[0].names -= ["futex_requeue", "futex_wait", "futex_wake"]' \
	"$T/custom.json" >"$T/bound.json"
run "$RTR_RUN" --seccomp "$T/bound.json" "$B" -- /bin/sh -c \
	'/probe syscall 456; /probe syscall 455; /probe syscall 457'
is "$(field 456):$(field 455):$(field 457)" EINVAL:EPERM:ENOSYS \
	"the bound is the highest listed number (456 listed, 455 below it, 457 above)"
# A profile whose default allows is not touched.
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["keyctl"],
	"action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}' >"$T/allow.json"
run "$RTR_RUN" --seccomp "$T/allow.json" "$B" -- /bin/sh -c '/probe syscall 462; /probe syscall 1000'
isnt "$(field 462)" EPERM "default-allow profile: mseal is not denied"
is "$(field 1000)" ENOSYS "default-allow profile: syscall 1000 is the kernel's ENOSYS"

# The i386 ABI on x86-64: socketcall() passes socket()'s arguments in memory that seccomp
# cannot read, so it must not open the families socket() may not.  A freestanding static
# i386 program (no 32-bit libc needed), built here.
if [[ $(uname -m) != x86_64 ]]; then
	skip "i386 socketcall" "not an x86-64 host"
elif ! "${CC:-cc}" -m32 -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-pic -no-pie -O2 -o "$B/rootfs/probe32" "$RTR_SRCDIR/tests/probe32.c" 2>"$T/cc32.err"; then
	skip "i386 socketcall" "cannot build an i386 binary: $(head -1 "$T/cc32.err")"
elif ! "$B/rootfs/probe32" >/dev/null 2>&1; then
	skip "i386 socketcall" "this kernel does not run i386 binaries (no IA32 emulation)"
else
	run "$RTR_RUN" "$B" -- /probe32
	is "$rc" 0 "i386 probe runs"
	is "$(field socketcall-vsock)" EPERM "i386 socketcall(SYS_SOCKET, AF_VSOCK) fails with EPERM"
	is "$(field socketcall-alg)" EPERM "i386 socketcall(SYS_SOCKET, AF_ALG) fails with EPERM"
	is "$(field socket-vsock)" EPERM "i386 socket(AF_VSOCK) fails with EPERM"
	is "$(field socket-alg)" EPERM "i386 socket(AF_ALG) fails with EPERM"
	is "$(field socket-inet)" ok "i386 socket(AF_INET) works (what C libraries call)"
	is "$(field socketcall-socketpair)" ok "i386 socketcall(SYS_SOCKETPAIR) works (socketpair is open)"
	is "$(field mseal)" ENOSYS "i386 mseal fails with ENOSYS"
	is "$(field keyctl)" EPERM "i386 keyctl fails with EPERM"
fi

# Every name the default profile lists is a syscall of one of its architectures (none of
# another architecture's calls), as libseccomp sees it.
PY_SECCOMP=""
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import seccomp' 2>/dev/null; then
		PY_SECCOMP=$py
		break
	fi
done
if [[ -z $PY_SECCOMP ]]; then
	skip "default profile names exist on its architectures" "no python3 seccomp module (python3-seccomp)"
else
	"$RTR_RUN" --print-default-seccomp >"$T/default.json"
	cat >"$T/names.py" <<'PY'
import json, sys, seccomp
p = json.load(open(sys.argv[1]))
arches = [getattr(seccomp.Arch, a[len("SCMP_ARCH_"):]) for a in p["architectures"]]
def exists(name):
    for a in arches:
        try:
            nr = seccomp.resolve_syscall(a, name)
        except Exception:
            continue
        # -100..-120 and -200..-211 are libseccomp's socketcall/ipc multiplexed calls
        if nr >= 0 or -211 <= nr <= -100:
            return True
    return False
bad = sorted({n for s in p["syscalls"] for n in s["names"] if not exists(n)})
print(" ".join(bad))
PY
	run "$PY_SECCOMP" "$T/names.py" "$T/default.json"
	is "$rc:$out" "0:" "every name in --print-default-seccomp exists on one of its architectures"
fi

# Names this libseccomp does not know: one warning line that lists them all, once each.
jq '.syscalls += [{"names": ["rtr_bogus_one", "rtr_bogus_two"], "action": "SCMP_ACT_ALLOW"},
	{"names": ["rtr_bogus_one"], "action": "SCMP_ACT_ALLOW"}]' "$T/custom.json" >"$T/bogus.json"
run "$RTR_RUN" --seccomp "$T/bogus.json" "$B" -- /bin/true
is "$rc" 0 "a profile with unknown names runs"
is "$(grep -c 'unknown syscall' <<<"$err")" 1 "unknown syscall names: one warning line"
like "$err" 'skipping unknown syscalls rtr_bogus_one rtr_bogus_two \(not in libseccomp [0-9.]+\)$' \
	"the line lists both names once"
if [[ -r /usr/share/containers/seccomp.json ]]; then
	run "$RTR_RUN" --seccomp /usr/share/containers/seccomp.json "$B" -- /bin/true
	is "$rc" 0 "Podman's default profile runs"
	n_lines=$(grep -c 'unknown syscall' <<<"$err" || true)
	if ((n_lines <= 1)); then
		ok "Podman's default profile: at most one warning line ($n_lines)"
	else
		not_ok "Podman's default profile: at most one warning line ($n_lines)" "$err"
	fi
else
	skip "Podman's default profile" "no /usr/share/containers/seccomp.json (golang-github-containers-common)"
	skip "Podman's default profile warnings" "no /usr/share/containers/seccomp.json"
fi

# ==== idmapped mounts (issue 11) ================================================================
# A root-owned rootfs (what rtr-pull, runc spec and images give) under --userns or
# linux.uidMappings: rtr-run idmaps it with the container's mappings, so owner 0 on disk is
# the container's root; where the kernel cannot, the error says what to do.  Bind mounts
# with uidMappings/gidMappings are idmapped (runc's and crun's meaning: an owner
# containerID on disk is seen as hostID).

IM=$T/sec-idmap
mkdir -p "$IM"
cp -a "$B/rootfs" "$IM/rootfs"
cp "$B/config.json" "$IM/config.json"
rm -f "$IM/rootfs/etc/hosts" "$IM/rootfs/etc/resolv.conf"
run "$RTR_RUN" --name sec-idmap --userns 300000:65536 "$IM" -- /bin/sh -c \
	'/probe stat / /etc/passwd; /probe uid; /probe write /made-by-root; touch /made-by-1000;
	chown 1000:1000 /made-by-1000 && /probe stat /made-by-root /made-by-1000'
is "$rc" 0 "--userns on a root-owned rootfs: runs" || diag "$err"
like "$out" '^/ type=d mode=0755 uid=0 gid=0 ' "  / shows owner 0 inside"
like "$out" '^/etc/passwd type=f mode=0644 uid=0 gid=0 ' "  /etc/passwd shows owner 0 inside"
is "$(field euid)" 0 "  the process is root inside"
like "$out" '^/made-by-root type=f .* uid=0 gid=0 ' "  a file created inside shows owner 0"
is "$(stat -c %u:%g "$IM/rootfs/made-by-root" 2>&1)" 0:0 \
	"  on the host it has the image's owner 0 (idmapped: on-disk ids are the container's)"
is "$(stat -c %u:%g "$IM/rootfs/made-by-1000" 2>&1)" 1000:1000 \
	"  a file chowned to 1000 inside is 1000 on disk"
is "$(stat -c %u "$IM/rootfs" 2>&1)" 0 "  the rootfs is not chowned"

bundle_jq "$IM" '.linux.namespaces += [{"type": "user"}]
	| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
	| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
run "$RTR_RUN" --name sec-idmap "$IM" -- /bin/sh -c '/probe stat /etc/passwd; cat /proc/self/uid_map'
is "$rc" 0 "linux.uidMappings on a root-owned rootfs: runs" || diag "$err"
like "$out" '^/etc/passwd type=f .* uid=0 gid=0 ' "  /etc/passwd shows owner 0 inside"
like "$out" '^ +0 +200000 +65536$' "  in the user namespace of the bundle's mappings"
cp "$B/config.json" "$IM/config.json"

# ramfs cannot be idmapped: the plain bind stays and the failure says what to do.
mkdir -p "$T/sec-ramfs"
if mount -t ramfs -o mode=755 ramfs "$T/sec-ramfs" 2>/dev/null; then
	cp -a "$IM" "$T/sec-ramfs/b"
	# a mount point the container's root must create (rtr-run makes its own ones beforehand)
	bundle_jq "$T/sec-ramfs/b" '.mounts += [{"destination": "/new-dir", "type": "tmpfs",
		"source": "tmpfs"}]'
	run "$RTR_RUN" --name sec-idmap --userns 300000:65536 "$T/sec-ramfs/b" -- /bin/true
	is "$rc" 125 "--userns, a root-owned rootfs the kernel cannot idmap: exit 125"
	like "$err" 'owned by 0:0 but the container.s root is host uid 300000.*rtr-pull --userns-shift 300000, or chown -R 300000:300000' \
		"  the message says: rtr-pull --userns-shift or chown"
	umount -l "$T/sec-ramfs"
else
	skip "--userns over a ramfs rootfs" "cannot mount ramfs"
fi

# A bundle directory the container's root cannot enter (rtr-pull's are 0700).
mkdir -p "$T/sec-closed"
cp -a "$IM" "$T/sec-closed/b"
chmod 700 "$T/sec-closed"
run "$RTR_RUN" --name sec-idmap --userns 300000:65536 "$T/sec-closed/b" -- /bin/true
is "$rc" 125 "--userns, a bundle below a 0700 directory: exit 125"
like "$err" "cannot enter $T/sec-closed \(mode 0700.*rtr-pull --userns-shift 300000" \
	"  the message names the directory and rtr-pull --userns-shift"
chmod 755 "$T/sec-closed"

# Bind mounts with their own mappings.
mkdir -p "$T/idsrc"
touch "$T/idsrc/f"
chown 5:7 "$T/idsrc/f"
IMB=$T/sec-idmap-bind
mkdir -p "$IMB"
cp -a "$B/rootfs" "$IMB/rootfs"
cp "$B/config.json" "$IMB/config.json"
bundle_jq "$IMB" '.mounts += [{"destination": "/m", "type": "bind", "source": $s,
	"options": ["bind"],
	"uidMappings": [{"containerID": 0, "hostID": 1234, "size": 65536}],
	"gidMappings": [{"containerID": 0, "hostID": 2000, "size": 65536}]}]' --arg s "$T/idsrc"
run "$RTR_RUN" --name sec-idmap "$IMB" -- /probe stat /m/f /m
is "$rc" 0 "a bind mount with uidMappings/gidMappings: runs" || diag "$err"
like "$out" '^/m/f type=f .* uid=1239 gid=2007 ' "  owner 5:7 on disk shows as 1239:2007"
like "$out" '^/m type=d .* uid=1234 gid=2000 ' "  owner 0:0 on disk shows as 1234:2000"
is "$(stat -c %u:%g "$T/idsrc/f")" 5:7 "  the source is unchanged"
bundle_jq "$IMB" '.mounts[-1].uidMappings[0].hostID = 300000 | .mounts[-1].gidMappings[0].hostID = 300000'
run "$RTR_RUN" --name sec-idmap --userns 300000:65536 "$IMB" -- /bin/sh -c \
	'/probe stat /m/f; touch /m/new && /probe stat /m/new'
is "$rc" 0 "  the same in a user namespace of the same range: runs" || diag "$err"
like "$out" '^/m/f type=f .* uid=5 gid=7 ' "  owner 5:7 on disk is 5:7 in the container"
is "$(stat -c %u:%g "$T/idsrc/new" 2>&1)" 0:0 "  a file its root creates is 0:0 on disk"
bundle_jq "$IMB" '.mounts[-1] |= (del(.uidMappings, .gidMappings) | .options = ["rbind", "idmap"])'
run "$RTR_RUN" --name sec-idmap --userns 300000:65536 "$IMB" -- /probe stat /m/f
like "$out" '^/m/f type=f .* uid=5 gid=7 ' "  \"idmap\" without mappings takes the container's"
run "$RTR_RUN" --name sec-idmap "$IMB" -- /bin/true
is "$rc" 125 "  \"idmap\" without mappings or a user namespace: exit 125"
like "$err" '\.mounts\[[0-9]+\]\.options: idmap without uidMappings .*needs a new user namespace' \
	"  naming the mount's options"
bundle_jq "$IMB" '.mounts[-1] = {"destination": "/m", "type": "tmpfs", "source": "tmpfs",
	"uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}],
	"gidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}]}'
run "$RTR_RUN" --name sec-idmap "$IMB" -- /bin/true
is "$rc" 125 "  mappings on a tmpfs mount: refused"
like "$err" '\.mounts\[[0-9]+\]\.uidMappings: idmapped mounts are supported for bind mounts only' \
	"  naming .mounts[N].uidMappings"
bundle_jq "$IMB" '.mounts[-1] = {"destination": "/m", "type": "bind", "source": $s,
	"uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}]}' --arg s "$T/idsrc"
run "$RTR_RUN" --name sec-idmap "$IMB" -- /bin/true
is "$rc" 125 "  uidMappings without gidMappings: refused"
like "$err" '\.mounts\[[0-9]+\]\.gidMappings: missing' "  naming .mounts[N].gidMappings"

done_testing
