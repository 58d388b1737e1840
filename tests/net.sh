#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-run networking: veth pairs over rtnetlink, bridge and routed mode, addresses, MAC,
# MTU, IPv6, resolv.conf and hosts, the host end's lifetime, errors before anything is
# created.  Only namespaces, links and private test subnets (10.231.x.0/24,
# fd00:231::/64) this script creates; never an outside address.
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd ip jq busybox curl flock
# Fixed link names and subnets: two copies of this script (two build trees) take turns.
exec 9>/run/lock/rtr-tests-net.lock
flock -w 300 9 || skip_all "another tests/net.sh held the lock for 300 s"
rtr_tmpdir

BR=ntbr0
LINKS="$BR nt-u nt-a nt-b nt-r nt-x nt-k nt-kr nt-dup veth-nt-derived nt-ann nt-host"
net_cleanup() {
	local l
	for l in $LINKS; do
		ip link del "$l" 2>/dev/null || true
	done
	ip netns del nt-join 2>/dev/null || true
	# The cgroup rtr-run had no chance to remove after its own SIGKILL.
	rmdir /sys/fs/cgroup/*/rtr/nt-kr /sys/fs/cgroup/rtr/nt-kr 2>/dev/null || true
}
trap 'net_cleanup; _rtr_cleanup' EXIT
net_cleanup

make_bundle "$T/b" /bin/true
# The image's own resolv.conf and hosts, to check they stay untouched.
printf 'nameserver 192.0.2.53\n' >"$T/b/rootfs/etc/resolv.conf"
printf '127.0.0.1 image-localhost\n' >"$T/b/rootfs/etc/hosts"
cp "$T/b/rootfs/etc/resolv.conf" "$T/resolv.orig"
cp "$T/b/rootfs/etc/hosts" "$T/hosts.orig"
mkdir -p "$T/b/rootfs/www"
echo "hello from the container" >"$T/b/rootfs/www/index.html"

# sh_bundle DIR SCRIPT: a copy of the base bundle running /bin/sh -c SCRIPT.
sh_bundle() {
	[[ -d "$1" ]] || { mkdir -p "$1" && cp -a "$T/b/." "$1/"; }
	jq --arg s "$2" '.process.args = ["/bin/sh", "-c", $s]' "$T/b/config.json" >"$1/config.json"
}

# bg NAME OUTFILE ARGS...: rtr-run in the background; sets $bgpid.
bg() {
	local name=$1 outf=$2
	shift 2
	"$RTR_RUN" --name "$name" "$@" >"$outf" 2>&1 </dev/null &
	bgpid=$!
	RTR_PIDS="$RTR_PIDS $bgpid"
}

link_exists() { ip link show "$1" >/dev/null 2>&1; }
link_gone() { ! ip link show "$1" >/dev/null 2>&1; }

# --- --network none (the default) and host ------------------------------------------
sh_bundle "$T/none" 'echo $(ls /sys/class/net); cat /sys/class/net/lo/flags'
run "$RTR_RUN" --name nt-none "$T/none"
is "$rc" 0 "default network runs"
is "$(sed -n 1p <<<"$out")" "lo" "default is a new namespace with only lo"
like "$out" '^0x[0-9a-f]*9$' "lo is up in a new namespace"
run "$RTR_RUN" --name nt-none --network none "$T/none"
is "$(sed -n 1p <<<"$out")" "lo" "--network none has only lo"

ip link add nt-host type bridge
sh_bundle "$T/host" 'ls /sys/class/net'
run "$RTR_RUN" --name nt-hostnet --network host "$T/host"
like "$out" '^nt-host$' "--network host sees the host's interfaces"
ip link del nt-host

ip netns add nt-join
ip -n nt-join link add ntj0 type bridge
run "$RTR_RUN" --name nt-join --network ns:/run/netns/nt-join "$T/host"
like "$out" '^ntj0$' "--network ns:PATH joins that namespace"
unlike "$out" '^eth0$' "--network ns:PATH does not see the host's interfaces"
bundle_jq "$T/host" '(.linux.namespaces[] | select(.type == "network")) += {"path": "/run/netns/nt-join"}'
run "$RTR_RUN" --name nt-join "$T/host"
like "$out" '^ntj0$' "a bundle's network namespace path is joined"
run "$RTR_RUN" --name nt-join --network none "$T/host"
is "$out" "lo" "--network none overrides the bundle's namespace path"
ip netns del nt-join

# --- two containers on one bridge ---------------------------------------------------
ip link add "$BR" type bridge
ip addr add 10.231.10.1/24 dev "$BR"
ip link set "$BR" up

sh_bundle "$T/a" 'httpd -f -p 8080 -h /www'
bg nt-a "$T/a.out" --stop-signal KILL --veth nt-a --bridge "$BR" --address 10.231.10.2/24 \
	--gateway 10.231.10.1 --cap-add NET_RAW "$T/a"
apid=$bgpid
if wait_for 10 link_exists nt-a; then ok "host end named as asked (--veth nt-a)"; else
	not_ok "host end named as asked (--veth nt-a)" "$(cat "$T/a.out")"; fi
is "$(cat /sys/class/net/nt-a/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')" "$BR" \
	"host end is enslaved to --bridge"
if [[ -d /proc/sys/net/ipv6 ]]; then
	is "$(cat /proc/sys/net/ipv6/conf/nt-a/disable_ipv6 2>/dev/null)" 1 \
		"a bridge port has IPv6 off (no link-local address or routes on the host)"
	is "$(ip -6 -o addr show dev nt-a 2>/dev/null | wc -l)" 0 "  and no IPv6 address"
else
	skip "a bridge port has IPv6 off" "no IPv6 on this kernel"
	skip "  and no IPv6 address" "no IPv6 on this kernel"
fi
if wait_for 10 curl -sf -m 1 -o "$T/got" http://10.231.10.2:8080/index.html; then
	is "$(cat "$T/got")" "hello from the container" "host reaches the container's TCP port through the bridge"
else
	not_ok "host reaches the container's TCP port through the bridge" "$(cat "$T/a.out")"
fi

# (busybox-static's wget crashes on Debian 12; nc speaks HTTP/1.0 well enough)
sh_bundle "$T/bb" 'ping -c 1 -W 2 10.231.10.2 && ping -c 1 -W 2 10.231.10.1 &&
	printf "GET /index.html HTTP/1.0\r\n\r\n" | nc -w 2 10.231.10.2 8080'
run "$RTR_RUN" --name nt-b --veth nt-b --bridge "$BR" --address 10.231.10.3/24 \
	--gateway 10.231.10.1 --cap-add NET_RAW "$T/bb"
is "$rc" 0 "second container on the bridge pings the first and its gateway"
like "$out" 'hello from the container' "containers on one bridge talk TCP"
if wait_for 5 link_gone nt-b; then ok "host end gone after the container exited"; else
	not_ok "host end gone after the container exited"; fi

# --- a taken veth name -----------------------------------------------------------------
run "$RTR_RUN" --name nt-dup --veth nt-a --address 10.231.10.9/24 "$T/none"
is "$rc" 125 "a taken veth name fails with 125"
like "$err" '^rtr-run: nt-dup: --veth nt-a: an interface with that name already exists$' \
	"a taken veth name is named in the message"
check "the first container's veth is untouched" link_exists nt-a
check "the first container still answers" curl -sf -m 2 -o /dev/null \
	http://10.231.10.2:8080/index.html

kill -TERM "$apid"
wait "$apid" 2>/dev/null || true
if wait_for 5 link_gone nt-a; then ok "host end gone after the container was stopped"; else
	not_ok "host end gone after the container was stopped"; fi

# --- routed mode ---------------------------------------------------------------------
bg nt-r "$T/r.out" --stop-signal KILL --veth nt-r --host-address 10.231.11.1/24 --address 10.231.11.2/24 \
	--gateway 10.231.11.1 "$T/a"
rpid=$bgpid
if wait_for 10 curl -sf -m 1 -o "$T/got" http://10.231.11.2:8080/index.html; then
	is "$(cat "$T/got")" "hello from the container" "host reaches the container's TCP port in routed mode"
else
	not_ok "host reaches the container's TCP port in routed mode" "$(cat "$T/r.out")"
fi
like "$(ip -4 -o addr show dev nt-r 2>/dev/null)" 'inet 10\.231\.11\.1/24' \
	"--host-address is on the host end"
if [[ -d /proc/sys/net/ipv6 ]]; then
	is "$(cat /proc/sys/net/ipv6/conf/nt-r/disable_ipv6 2>/dev/null)" 0 \
		"a routed host end keeps IPv6"
else
	skip "a routed host end keeps IPv6" "no IPv6 on this kernel"
fi
kill -TERM "$rpid"
wait "$rpid" 2>/dev/null || true

# --- MAC, MTU, IPv6, gateways, resolv.conf, hosts --------------------------------------
sh_bundle "$T/x" 'cat /sys/class/net/lan0/address /sys/class/net/lan0/mtu; ip -6 addr show dev lan0;
	ip route; ip -6 route; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hosts;
	ping -c 1 -W 2 10.231.12.1 >/dev/null && echo gw4-ok; ping -c 1 -W 2 fd00:231:12::1 >/dev/null && echo gw6-ok'
run "$RTR_RUN" --name nt-x --hostname web --veth nt-x --veth-peer lan0 \
	--host-address 10.231.12.1/24 --host-address fd00:231:12::1/64 \
	--address 10.231.12.2/24 --address fd00:231:12::2/64 --gateway 10.231.12.1 \
	--gateway6 fd00:231:12::1 --mac 02:31:00:00:12:02 --mtu 1400 \
	--dns 10.231.12.53 --dns fd00:231:12::53 --dns-search lab.test --dns-search corp.test \
	--add-host db:10.231.12.9 --add-host db6:fd00:231:12::9 --cap-add NET_RAW "$T/x"
is "$rc" 0 "container with --veth-peer, MAC, MTU, IPv6 and DNS options runs"
[[ "$rc" == 0 ]] || diag "$err"
is "$(sed -n 1p <<<"$out")" "02:31:00:00:12:02" "--mac is the container end's address"
is "$(sed -n 2p <<<"$out")" "1400" "--mtu is the container end's MTU"
like "$out" 'inet6 fd00:231:12::2/64' "IPv6 address as asked"
like "$out" '^default via 10\.231\.12\.1 dev lan0' "IPv4 default route via --gateway"
like "$out" '^default via fd00:231:12::1 dev lan0' "IPv6 default route via --gateway6"
like "$out" '^gw4-ok$' "the container reaches its IPv4 gateway"
like "$out" '^gw6-ok$' "the container reaches its IPv6 gateway"
resolv=$(awk '/^---$/ { n++; next } n == 1' <<<"$out")
hosts=$(awk '/^---$/ { n++; next } n == 2' <<<"$out")
like "$resolv" '^nameserver 10\.231\.12\.53$' "resolv.conf has the first --dns"
like "$resolv" '^nameserver fd00:231:12::53$' "resolv.conf has the second --dns"
like "$resolv" '^search lab\.test corp\.test$' "resolv.conf has --dns-search"
unlike "$resolv" '192\.0\.2\.53' "resolv.conf replaces the image's"
like "$hosts" '^127\.0\.0\.1[[:space:]]+localhost$' "hosts has localhost"
like "$hosts" '^10\.231\.12\.2[[:space:]]+web$' "hosts has the hostname with the container's address"
like "$hosts" '^fd00:231:12::2[[:space:]]+web$' "hosts has the hostname with the IPv6 address"
like "$hosts" '^10\.231\.12\.9[[:space:]]+db$' "hosts has --add-host"
like "$hosts" '^fd00:231:12::9[[:space:]]+db6$' "hosts has an IPv6 --add-host"
check "the image's resolv.conf is unmodified" cmp "$T/resolv.orig" "$T/x/rootfs/etc/resolv.conf"
check "the image's hosts is unmodified" cmp "$T/hosts.orig" "$T/x/rootfs/etc/hosts"
check "no mount left behind on the host" test -z "$(host_mounts_under "$T/x")"

# --- in a user namespace ------------------------------------------------------------------
sh_bundle "$T/u" 'cat /proc/self/uid_map; ip -4 addr show dev eth0; cat /etc/hosts'
run "$RTR_RUN" --name nt-u --userns auto --hostname u1 --veth nt-u --address 10.231.17.2/24 "$T/u"
if [[ "$rc" == 0 ]]; then
	like "$out" '^ +0 +[1-9][0-9]* ' "--userns auto: the container runs in a user namespace"
	like "$out" 'inet 10\.231\.17\.2/24' "--userns auto: the veth is configured"
	like "$out" '^10\.231\.17\.2[[:space:]]+u1$' "--userns auto: hosts is written"
else
	not_ok "veth in a user namespace (--userns auto)" "rc=$rc" "$err"
fi

# --- annotations and the derived host end name -----------------------------------------
sh_bundle "$T/ann" 'cat /sys/class/net/eth0/mtu; ip -4 addr show dev eth0; cat /etc/resolv.conf'
bundle_jq "$T/ann" '.annotations = {"org.rtr.net.veth": "nt-ann",
	"org.rtr.net.address": "10.231.13.2/24", "org.rtr.net.mtu": "1300",
	"org.rtr.net.dns": "10.231.13.53, 10.231.13.54"}'
run "$RTR_RUN" --name nt-ann "$T/ann"
is "$rc" 0 "network from org.rtr.net.* annotations"
is "$(sed -n 1p <<<"$out")" "1300" "org.rtr.net.mtu applies"
like "$out" 'inet 10\.231\.13\.2/24' "org.rtr.net.address applies"
like "$out" '^nameserver 10\.231\.13\.54$' "org.rtr.net.dns list applies"
run "$RTR_RUN" --name nt-ann --mtu 1280 "$T/ann"
is "$(sed -n 1p <<<"$out")" "1280" "the command line overrides the annotation"

sh_bundle "$T/d" 'trap "exit 0" TERM; sleep 30 & wait'
bg nt-derived "$T/d.out" --address 10.231.14.2/24 "$T/d"
dpid=$bgpid
if wait_for 10 link_exists veth-nt-derived; then
	ok "host end named veth-NAME (cut to 15) when only --address is given"
else
	not_ok "host end named veth-NAME (cut to 15) when only --address is given" "$(ip -br link)"
fi
kill -TERM "$dpid"
wait "$dpid" 2>/dev/null || true

# --- lifetime: SIGKILL of the container, SIGKILL of rtr-run -----------------------------
bg nt-k "$T/k.out" --veth nt-k --address 10.231.15.2/24 "$T/d"
kpid=$bgpid
wait_for 10 link_exists nt-k || true
cpid=$(pgrep -P "$kpid" | head -1 || true)
if [[ -n "$cpid" ]]; then
	kill -KILL "$cpid"
	rc=0
	wait "$kpid" 2>/dev/null || rc=$?
	is "$rc" 137 "rtr-run exits 137 after SIGKILL of the container"
	if wait_for 5 link_gone nt-k; then ok "host end gone after SIGKILL of the container"; else
		not_ok "host end gone after SIGKILL of the container"; fi
else
	not_ok "container process found" "$(cat "$T/k.out")"
fi

bg nt-kr "$T/kr.out" --veth nt-kr --address 10.231.16.2/24 "$T/d"
kpid=$bgpid
if wait_for 10 link_exists nt-kr; then
	kill -KILL "$kpid"
	wait "$kpid" 2>/dev/null || true
	if wait_for 10 link_gone nt-kr; then ok "host end gone after SIGKILL of rtr-run"; else
		not_ok "host end gone after SIGKILL of rtr-run" "$(ip -br link show nt-kr)"; fi
else
	not_ok "host end gone after SIGKILL of rtr-run" "never appeared: $(cat "$T/kr.out")"
fi

# --- errors before anything is created ------------------------------------------------
bad() {
	local want=$1 desc=$2
	shift 2
	run "$RTR_RUN" --name nt-bad "$@" "$T/none"
	if [[ "$rc" == 125 ]] && grep -Eq -- "$want" <<<"$err"; then
		ok "$desc"
	else
		not_ok "$desc" "rc=$rc" "stderr: $err"
	fi
}
bad '--address 10\.231\.20\.300/24: expected ADDRESS/PREFIX' "bad IPv4 address rejected" \
	--veth nt-bad --address 10.231.20.300/24
bad '--address 10\.231\.20\.2/33: prefix length out of range' "prefix too long rejected" \
	--veth nt-bad --address 10.231.20.2/33
bad '--address 10\.231\.20\.2: expected ADDRESS/PREFIX' "address without prefix rejected" \
	--veth nt-bad --address 10.231.20.2
bad '--address fd00:231::zz/64' "bad IPv6 address rejected" --veth nt-bad --address fd00:231::zz/64
bad '--gateway 10\.231\.21\.1: not in the subnet' "gateway outside every subnet rejected" \
	--veth nt-bad --address 10.231.20.2/24 --gateway 10.231.21.1
bad '--gateway6 10\.231\.20\.1: expected an IPv6 address' "IPv4 --gateway6 rejected" \
	--veth nt-bad --address 10.231.20.2/24 --gateway6 10.231.20.1
bad '--mac 01:00:5e:00:00:01: expected a unicast MAC' "multicast MAC rejected" \
	--veth nt-bad --address 10.231.20.2/24 --mac 01:00:5e:00:00:01
bad '--mac 02:00:00:00:00: expected' "short MAC rejected" \
	--veth nt-bad --address 10.231.20.2/24 --mac 02:00:00:00:00
bad '--mtu 50: expected a number from 68 to 65535' "MTU out of range rejected" \
	--veth nt-bad --address 10.231.20.2/24 --mtu 50
bad '--bridge ntbr-missing: no such interface' "missing bridge rejected" \
	--veth nt-bad --bridge ntbr-missing --address 10.231.20.2/24
bad '--bridge lo: not a bridge' "non-bridge --bridge rejected" \
	--veth nt-bad --bridge lo --address 10.231.20.2/24
bad '--veth nt-much-too-long-name: not an interface name' "too long --veth rejected" \
	--veth nt-much-too-long-name
bad '--network bogus: expected veth, none, host' "unknown --network rejected" --network bogus
bad 'need --network veth' "--address with --network none rejected" \
	--network none --address 10.231.20.2/24
bad '--dns 10\.231\.20: expected an IP address' "bad --dns rejected" --dns 10.231.20
bad '--add-host db: expected NAME:IP' "bad --add-host rejected" --add-host db
check "nothing was created by the rejected runs" link_gone nt-bad
# Valid one by one, refused by the kernel once the pair exists: rolled back.
run "$RTR_RUN" --name nt-bad --veth nt-bad --address 10.231.20.2/24 --address 10.231.20.2/24 \
	"$T/none"
is "$rc" 125 "a kernel error after the pair exists fails with 125"
like "$err" '--address 10\.231\.20\.2/24: File exists' "... naming the address"
check "... and the pair is deleted again" link_gone nt-bad
no_gone_links() { ! ip -o link | grep -q ': rtrgone'; }
if wait_for 5 no_gone_links; then ok "no released host end is left behind"; else
	not_ok "no released host end is left behind" "$(ip -br link | grep rtrgone)"; fi

sh_bundle "$T/h" 'cat /etc/hosts; cat /etc/resolv.conf'
run "$RTR_RUN" --name nt-hosts --hostname box "$T/h"
like "$out" '^127\.0\.1\.1[[:space:]]+box$' "--network none: hosts names the hostname"
like "$out" '^nameserver 192\.0\.2\.53$' "without --dns the image's resolv.conf is used"

# The tmpfs that carries hosts and resolv.conf leaves the container's /dev again before
# pivot_root: moved out with the old root, or unmounted when a createContainer hook runs
# in between (the hook sees the host's /dev).  Either way /dev is the container's own.
sh_bundle "$T/h2" 'cat /etc/hosts; grep -c " /dev " /proc/self/mountinfo; : >/dev/null && echo null-ok'
for hook in no a; do
	[[ $hook == a ]] && bundle_jq "$T/h2" '.hooks = {createContainer: [{path: "/bin/true"}]}'
	run "$RTR_RUN" --name nt-hosts2 --hostname box "$T/h2"
	like "$out" '^127\.0\.1\.1[[:space:]]+box$' "with $hook createContainer hook: hosts is there"
	like "$out" $'\n1\nnull-ok' "... one mount on /dev, and /dev/null works"
done
if grep -q rtr-net /proc/self/mountinfo; then not_ok "the host has no rtr-net mount"; else
	ok "the host has no rtr-net mount"; fi

# ==== namespaces the config does not list (issue 11) ===========================================
# A namespace type missing from linux.namespaces is shared with rtr-run (OCI), the network
# one too; --network still adds or removes it.  No mount namespace is refused before
# anything exists.
ns_ids() { local n; for n in net uts ipc; do readlink "/proc/self/ns/$n"; done; }
host_ns=$(ns_ids | tr '\n' ' ')
make_bundle "$T/shared" /bin/sh -c 'for n in net uts ipc; do readlink /proc/self/ns/$n; done'
bundle_jq "$T/shared" \
	'.linux.namespaces |= map(select(.type != "network" and .type != "uts" and .type != "ipc"))
	| del(.hostname)'
run "$RTR_RUN" --name nt-shared "$T/shared"
is "$rc" 0 "a bundle without network, uts and ipc namespaces runs"
is "$(tr '\n' ' ' <<<"$out")" "$host_ns" "... in the host's network, uts and ipc namespaces"
run "$RTR_RUN" --name nt-shared --network none "$T/shared"
inside=($out)
isnt_net() { [[ "${inside[0]:-}" == net:* && "${inside[0]}" != "$(readlink /proc/self/ns/net)" ]]; }
check "--network none adds a new network namespace to such a bundle" isnt_net
bundle_jq "$T/shared" '.linux.namespaces += [{type: "network"}, {type: "uts"}, {type: "ipc"}]'
run "$RTR_RUN" --name nt-shared "$T/shared"
inside=($out)
new_all() {
	local i h=($host_ns)
	for i in 0 1 2; do [[ -n "${inside[i]:-}" && "${inside[i]}" != "${h[i]}" ]] || return 1; done
}
check "with network, uts and ipc listed all three are new" new_all
bundle_jq "$T/shared" '.linux.namespaces |= map(select(.type != "network"))'
run "$RTR_RUN" --name nt-shared --veth nt-bad --address 10.231.20.2/24 "$T/shared"
is "$rc" 125 "veth settings without a network namespace: exit 125"
like "$err" 'need a network namespace, and linux\.namespaces has none' "... saying why"
check "... and no pair was made" link_gone nt-bad
bundle_jq "$T/shared" '.linux.namespaces |= map(select(.type != "mount"))'
run "$RTR_RUN" --name nt-shared --network host "$T/shared"
is "$rc" 125 "no mount namespace: exit 125"
like "$err" 'linux\.namespaces: no mount namespace: rtr-run needs a new mount namespace' \
	"... with a clear error"

# ==== a user namespace from the bundle (issue 11) ==============================================
# linux.uidMappings/gidMappings with a root-owned rootfs that has no /etc/hosts: the mapped
# root cannot create the mount points of the generated files, rtr-run makes them.
U=$T/userns-map
make_bundle "$U" /bin/sh -c 'id -u; id -g; cat /etc/hosts /etc/resolv.conf; exec /probe sleep 86371'
rm -f "$U/rootfs/etc/hosts" "$U/rootfs/etc/resolv.conf"
bundle_jq "$U" '.linux.namespaces += [{type: "user"}] | .hostname = "nt-mapped"
	| .linux.uidMappings = [{containerID: 0, hostID: 200000, size: 2000}]
	| .linux.gidMappings = [{containerID: 0, hostID: 200000, size: 2000}]'
bg nt-userns "$T/userns.out" --dns 10.231.20.53 "$U"
userns_pid() { pgrep -f '^/probe sleep 86371' | head -1 | grep .; }
if wait_for 5 userns_pid; then
	upid=$(userns_pid)
	is "$(awk '/^Uid:/ { print $2 }' "/proc/$upid/status")" 200000 \
		"user namespace from the bundle: the process's host uid is the mapped one"
	is "$(awk '/^Gid:/ { print $2 }' "/proc/$upid/status")" 200000 "... and its host gid"
	out=$(cat "$T/userns.out")
	is "$(sed -n 1,2p <<<"$out" | tr '\n' ' ')" "0 0 " "... uid and gid 0 inside"
	like "$out" '^127\.0\.1\.1[[:space:]]+nt-mapped$' "... /etc/hosts names the hostname"
	like "$out" '^nameserver 10\.231\.20\.53$' "... /etc/resolv.conf has the --dns server"
else
	not_ok "a user namespace with uid/gid mappings starts" "$(cat "$T/userns.out")"
fi
"$RTR_RUN" stop -t 0 nt-userns >/dev/null 2>&1 || true
wait "$bgpid" 2>/dev/null || true

done_testing
