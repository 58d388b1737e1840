#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-pull from docker-archive, oci-archive and oci: sources: the unpacked tree equals what
# umoci unpacks from the same image (type, mode, owner, content, link target, mtime), the
# config.json follows the image config, the bundle runs under runc and rtr-run, and the
# bundle appears atomically.  Run with openat2 and with the forced O_NOFOLLOW walk.
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd python3 jq skopeo umoci
rtr_tmpdir
# RTR_COMPAT as the suite was started with (old-kernel in .ci/run's compat run); the
# fallback mode adds no-openat2 (the in-root walk) to it.
compat0=${RTR_COMPAT-}
export RTR_COMPAT

FIX="$RTR_SRCDIR/tests/fixtures"
cd "$T"
python3 "$FIX/pull-images.py" docker-single single.tar
python3 "$FIX/pull-images.py" docker-multi multi.tar
python3 "$FIX/pull-images.py" docker-two two.tar

# RouterOS's documented layout: manifest.json, <config>.json, <id>/layer.tar, plain tar.
listing=$(tar tf single.tar)
like "$listing" '^[0-9a-f]{64}/layer\.tar$' "single-layer fixture has <id>/layer.tar"
like "$listing" '^manifest\.json$' "single-layer fixture has manifest.json"

# Reference trees from umoci, through skopeo's docker-archive -> OCI conversion.
skopeo copy -q docker-archive:multi.tar oci:oci-multi:multi
skopeo copy -q docker-archive:single.tar oci:oci-single:busybox
umoci unpack --image oci-multi:multi umoci-multi >/dev/null
umoci unpack --image oci-single:busybox umoci-single >/dev/null
tar -C oci-multi -cf oci-multi.tar .
python3 "$FIX/tree-list.py" umoci-multi/rootfs >ref-multi.txt
python3 "$FIX/tree-list.py" umoci-single/rootfs >ref-single.txt

compare() { # DESC BUNDLE REF
	local got
	got=$(python3 "$FIX/tree-list.py" "$2/rootfs")
	if [[ "$got" == "$(cat "$3")" ]]; then
		ok "$1"
	else
		not_ok "$1" "$(diff <(echo "$got") "$3" | head -20)"
	fi
}

no_leftovers() { # DESC DIR
	local left
	left=$(find "$2" -maxdepth 1 -name '.*.tmp-*' | head -5)
	if [[ -z "$left" ]]; then ok "$1"; else not_ok "$1" "$left"; fi
}

for mode in openat2 fallback; do
	if [[ $mode == fallback ]]; then RTR_COMPAT=${compat0:+$compat0,}no-openat2; else RTR_COMPAT=$compat0; fi
	o="$T/out-$mode"
	mkdir -p "$o"

	run "$RTR_PULL" single.tar "$o/single"
	is "$rc" 0 "$mode: plain single-layer docker save tarball" || diag "$err"
	compare "$mode: single-layer tree equals umoci's" "$o/single" ref-single.txt

	run "$RTR_PULL" --allow-devices "docker-archive:$T/multi.tar" "$o/multi"
	is "$rc" 0 "$mode: multi-layer gzip docker archive" || diag "$err"
	compare "$mode: multi-layer tree (whiteouts, opaque, hardlinks, setuid, long names, PAX) equals umoci's" \
		"$o/multi" ref-multi.txt

	run "$RTR_PULL" --allow-devices "oci:$T/oci-multi:multi" "$o/oci"
	is "$rc" 0 "$mode: oci:DIR:REF layout" || diag "$err"
	compare "$mode: OCI layout tree equals umoci's" "$o/oci" ref-multi.txt

	run "$RTR_PULL" --allow-devices "oci-archive:$T/oci-multi.tar" "$o/ocia"
	is "$rc" 0 "$mode: oci-archive:FILE" || diag "$err"
	compare "$mode: oci-archive tree equals umoci's" "$o/ocia" ref-multi.txt
	no_leftovers "$mode: no temporary directories left" "$o"
done
RTR_COMPAT=$compat0
o="$T/out-openat2"

# ---- details of the unpacked tree ----
r="$o/multi/rootfs"
is "$(stat -c %a "$r/usr/bin/suid")" 4755 "setuid bit kept"
is "$(stat -c %a:%g "$r/usr/bin/sgid")" 2755:50 "setgid bit and group kept"
is "$(stat -c %u:%g "$r/pax/big-uid")" 3000000:3000001 "PAX uid/gid beyond the ustar range"
is "$(stat -c %Y "$r/pax/p"*/q*.bin)" 1600000000 "PAX mtime"
is "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.rtr").decode())' "$r/pax/xattr.txt" 2>&1)" \
	hello "SCHILY.xattr.user.rtr applied"
is "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "security.capability").hex())' "$r/pax/caps" 2>&1)" \
	0100000200200000000000000000000000000000 "file capabilities kept (set after chown and data)"
is "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque"))' "$r/pax/trusted" 2>&1 | grep -c 'No data')" \
	1 "trusted.* xattrs from an image are not applied"
is "$(stat -c %h "$r/pax/hard-to-long")" 2 "hard link to a GNU long name"
[[ ! -e "$r/data/gone.txt" && ! -e "$r/gonedir" ]] && ok "whiteouts removed file and directory" ||
	not_ok "whiteouts removed file and directory"
[[ ! -e "$r/opq/lower.txt" && ! -e "$r/opq/sub" && -e "$r/opq/new.txt" && -e "$r/opq/new-before.txt" ]] &&
	ok "opaque directory hides lower layers only" || not_ok "opaque directory hides lower layers only"
[[ ! -e "$r/data/.wh.gone.txt" && ! -e "$r/opq/.wh..wh..opq" ]] && ok "whiteout markers not created" ||
	not_ok "whiteout markers not created"
is "$(stat -c %a "$o/multi")" 700 "bundle directory is 0700"

# device node: created with --allow-devices, skipped with a warning without
is "$(stat -c %F "$r/dev-null-copy")" "character special file" "--allow-devices creates device nodes"
run "$RTR_PULL" multi.tar "$T/nodev"
is "$rc" 0 "pull without --allow-devices succeeds"
like "$err" 'dev-null-copy: device node skipped' "warning names the skipped device"
[[ ! -e "$T/nodev/rootfs/dev-null-copy" ]] && ok "device node not created" || not_ok "device node not created"

# a mistyped archive name is a missing file, not a docker.io repository
run "$RTR_PULL" no-such-image.tar "$T/missing"
isnt "$rc" 0 "a missing archive fails"
like "$err" 'no-such-image\.tar: No such file or directory' "  and names the file and the cause"
[[ ! -e "$T/missing" ]] && ok "  no bundle left" || not_ok "  no bundle left"

# ---- config.json ----
c="$o/single/config.json"
is "$(jq -r '.process.args | join(" ")' "$c")" "/bin/sh" "args from Cmd"
is "$(jq -r '.process.cwd' "$c")" "/home/app" "cwd from WorkingDir"
is "$(jq -c '.process.user' "$c")" '{"uid":1000,"gid":1000,"additionalGids":[10,50]}' \
	"User name resolved through the image's /etc/passwd and /etc/group"
is "$(jq -r '.annotations["org.rtr.stop-signal"]' "$c")" SIGQUIT "StopSignal annotation"
is "$(jq -r '.annotations["org.example.label"]' "$c")" single "Labels become annotations"
is "$(jq -r '.annotations["org.opencontainers.image.ref.name"]' "$c")" busybox:latest "ref.name annotation"
like "$(jq -r '.annotations["org.rtr.image.config-digest"]' "$c")" '^sha256:[0-9a-f]{64}$' "image id annotation"
is "$(jq -r '.ociVersion' "$c")" 1.0.2 "ociVersion"
is "$(jq -r '.process.noNewPrivileges' "$c")" true "noNewPrivileges"
is "$(jq -r '[.linux.namespaces[].type] | sort | join(",")' "$c")" cgroup,ipc,mount,network,pid,uts "namespaces"
like "$(jq -r '.process.capabilities.bounding | join(" ")' "$c")" 'CAP_NET_BIND_SERVICE' "default capabilities"
unlike "$(jq -r '.process.capabilities.bounding | join(" ")' "$c")" 'CAP_SYS_ADMIN' "no CAP_SYS_ADMIN"
like "$(jq -r '.linux.maskedPaths | join(" ")' "$c")" '/proc/kcore' "masked paths"
is "$(jq -r '.linux.seccomp.defaultAction' "$c")" SCMP_ACT_ERRNO "seccomp default profile"
is "$(jq -r '[.mounts[].destination] | join(" ")' "$c")" "/proc /dev /dev/pts /dev/shm /dev/mqueue /sys /sys/fs/cgroup" "default mounts"
c="$o/multi/config.json"
is "$(jq -r '.process.args | join("|")' "$c")" "/bin/sh|-c|echo hello" "args = Entrypoint + Cmd"
is "$(jq -c '.process.user' "$c")" '{"uid":1000,"gid":50}' "numeric User uid:gid"
like "$(jq -r '.annotations["org.opencontainers.image.base.digest"]' "$o/oci/config.json")" '^sha256:' \
	"OCI source: manifest digest annotation"

# presets
run "$RTR_PULL" --name web --hostname h1 -e A=1 -e PATH=/bin --mount /srv:/data:ro \
	--workdir /tmp --user nobody single.tar "$T/preset"
is "$rc" 0 "presets accepted" || diag "$err"
c="$T/preset/config.json"
is "$(jq -r '.hostname' "$c")" h1 "--hostname"
is "$(jq -r '.annotations["org.rtr.name"]' "$c")" web "--name annotation"
is "$(jq -r '.process.env | join(" ")' "$c")" "PATH=/bin IMAGE=yes A=1" "--env adds and replaces"
is "$(jq -c '.mounts[-1]' "$c")" '{"destination":"/data","type":"bind","source":"/srv","options":["rbind","ro"]}' "--mount"
is "$(jq -r '.process.cwd' "$c")" /tmp "--workdir"
is "$(jq -c '.process.user' "$c")" '{"uid":65534,"gid":65534}' "--user name"

# ---- choosing images ----
run "$RTR_PULL" two.tar "$T/two"
isnt "$rc" 0 "several images without --tag refused"
like "$err" 'a:1, b:2' "error lists the tags"
run "$RTR_PULL" --tag b:2 two.tar "$T/two"
is "$rc" 0 "--tag picks an image"
is "$(cat "$T/two/rootfs/which")" b "the right image"
run "$RTR_PULL" --tag c:3 two.tar "$T/two-c"
like "$err" 'no image tagged "c:3"' "unknown tag: clear error"
[[ ! -e "$T/two-c" ]] && ok "no bundle after an error" || not_ok "no bundle after an error"

# multi-platform OCI index: host's platform by default, --platform otherwise
python3 "$FIX/pull-images.py" oci-multiarch multiarch
run "$RTR_PULL" oci:multiarch "$T/plat-host"
is "$rc" 0 "multi-arch index: host platform" || diag "$err"
# RTR_PULL_PLATFORM: the platform rtr-pull runs as, when not the host's (the arm lane runs
# an armhf rtr-pull under qemu-user: arm-v7)
is "$(cat "$T/plat-host/rootfs/arch")" "${RTR_PULL_PLATFORM:-$(python3 "$FIX/pull-images.py" host-arch)}" \
	"rtr-pull's own platform chosen"
run "$RTR_PULL" --platform linux/arm64 oci:multiarch "$T/plat-arm64"
is "$(cat "$T/plat-arm64/rootfs/arch")" arm64 "--platform linux/arm64"
run "$RTR_PULL" --platform linux/arm/v7 oci:multiarch "$T/plat-arm"
is "$(cat "$T/plat-arm/rootfs/arch")" arm-v7 "--platform linux/arm/v7 picks the variant"
run "$RTR_PULL" --platform linux/mips64le oci:multiarch "$T/plat-none"
like "$err" 'no image for linux/mips64le; the image has: linux/amd64, linux/arm64, linux/arm/v6, linux/arm/v7' \
	"no match: error lists the platforms"

# ---- atomicity ----
run "$RTR_PULL" single.tar "$o/single"
isnt "$rc" 0 "existing bundle refused"
like "$err" 'already exists.*--force' "error suggests --force"
ino=$(stat -c %i "$o/single")
run "$RTR_PULL" --force multi.tar "$o/single"
is "$rc" 0 "--force replaces" || diag "$err"
isnt "$(stat -c %i "$o/single")" "$ino" "replaced by a new directory"
[[ -e "$o/single/rootfs/opq/new.txt" ]] && ok "replacement has the new content" || not_ok "replacement has the new content"
no_leftovers "no temporary directory after --force" "$o"

# SIGTERM in the middle of a pull leaves nothing
head -c $((24 << 20)) /dev/urandom >big.bin
python3 -c '
import tarfile, json, hashlib, io
lay = io.BytesIO()
with tarfile.open(fileobj=lay, mode="w") as t:
    for i in range(4):
        t.add("big.bin", arcname="big%d" % i)
lb = lay.getvalue()
cfg = json.dumps({"architecture":"amd64","os":"linux","config":{"Cmd":["/x"]},
    "rootfs":{"type":"layers","diff_ids":["sha256:"+hashlib.sha256(lb).hexdigest()]}}).encode()
with tarfile.open("slow.tar", "w") as t:
    for n, d in (("c.json", cfg), ("l/layer.tar", lb),
                 ("manifest.json", json.dumps([{"Config":"c.json","RepoTags":["s:1"],"Layers":["l/layer.tar"]}]).encode())):
        i = tarfile.TarInfo(n); i.size = len(d); t.addfile(i, io.BytesIO(d))
'
rm -f big.bin
mkdir -p "$T/sig"
"$RTR_PULL" slow.tar "$T/sig/b" 2>"$T/sig.err" &
pid=$!
wait_for 10 bash -c "ls -d $T/sig/.b.tmp-* >/dev/null 2>&1" || true
sleep 0.2
kill -TERM $pid 2>/dev/null || true
set +e
wait $pid
src=$?
set -e
if [[ $src -eq 0 ]]; then
	skip "SIGTERM removes the temporary bundle" "pull finished before the signal"
else
	is "$src" 130 "SIGTERM: exit 130"
	is "$(ls -A "$T/sig")" "" "SIGTERM: nothing left behind"
fi

# ---- a name given twice in the image config: readers disagree, so it is refused ----
python3 - single.tar dup.tar <<'PY'
import hashlib, io, json, sys, tarfile
src, out = sys.argv[1:]
with tarfile.open(src) as i, tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as o:
    files = {m.name: (m, i.extractfile(m).read() if m.isfile() else None) for m in i}
    man = json.loads(files["manifest.json"][1])
    conf = files.pop(man[0]["Config"])[1].replace(b'"config": {', b'"config": {"User": "1000", "User": "0", ', 1)
    man[0]["Config"] = hashlib.sha256(conf).hexdigest() + ".json"
    files[man[0]["Config"]] = (tarfile.TarInfo(man[0]["Config"]), conf)
    files["manifest.json"] = (files["manifest.json"][0], json.dumps(man).encode())
    for m, data in files.values():
        if data is not None:
            m.size = len(data)
        o.addfile(m, io.BytesIO(data) if data is not None else None)
PY
run "$RTR_PULL" "docker-archive:$T/dup.tar" "$o/dup"
isnt "$rc" 0 "image config with \"User\" twice: refused"
like "$err" '\.config\.User: duplicate key' "  naming the path"
[[ ! -e "$o/dup" ]] && ok "  no bundle written" || not_ok "  no bundle written"

# ---- the bundle runs ----
run runc run -b "$o/multi" "pull-archive-$$"
is "$rc" 0 "runc runs the bundle" || diag "$err"
is "$out" hello "runc: output of Entrypoint + Cmd"
run runc run -b "$o/oci" "pull-archive2-$$"
is "$out" hello "runc runs the OCI-layout bundle"
if [[ -x "$RTR_RUN" ]]; then
	run "$RTR_RUN" --name "pull-archive-$$" "$o/multi"
	if [[ $rc -eq 0 ]]; then
		is "$out" hello "rtr-run runs the bundle"
	else
		not_ok "rtr-run runs the bundle" "$err"
	fi
else
	skip "rtr-run runs the bundle" "rtr-run not built"
fi

# ==== --userns-shift (issue 11) ================================================================
# Every owner moves up by HOSTUID, the rootfs too, and the bundle runs in a user namespace
# mapping 0 to HOSTUID; an owner that would pass 4294967294 is refused.
run "$RTR_PULL" -q --allow-devices --userns-shift 100000 multi.tar "$o/shifted"
is "$rc" 0 "--userns-shift 100000: pulled" || diag "$err"
s="$o/shifted/rootfs"
is "$(stat -c %u:%g "$s")" 100000:100000 "  the rootfs itself is 100000:100000"
is "$(stat -c %u:%g "$s/bin")" 100000:100000 "  a root-owned directory is 100000:100000"
is "$(stat -c %a:%g "$s/usr/bin/sgid")" 2755:100050 "  setgid group 50 is 100050, the bit kept"
is "$(stat -c %u:%g "$s/pax/big-uid")" 3100000:3100001 "  PAX owner 3000000:3000001 is 3100000:3100001"
is "$(stat -c %a:%g "$o/shifted")" 710:100000 "  the bundle directory lets only group 100000 through"
if [[ -x "$RTR_RUN" ]]; then
	run "$RTR_RUN" --name "pull-shift-$$" --userns 100000:65536 "$o/shifted" -- /bin/sh -c \
		'ls -lnd / /bin | tr -s " " | cut -d" " -f3,4; touch /tmp/made; echo hello'
	is "$rc" 0 "  rtr-run --userns 100000:65536 runs the bundle" || diag "$err"
	like "$out" '^0 0$' "  owners show as 0:0 inside"
	is "$(stat -c %u:%g "$s/tmp/made" 2>&1)" 101000:100050 \
		"  a file made inside by uid 1000:50 is 101000:100050 on the host"
else
	skip "rtr-run --userns runs the shifted bundle" "rtr-run not built"
fi
run "$RTR_PULL" -q --userns-shift 4294000000 multi.tar "$o/overflow"
isnt "$rc" 0 "--userns-shift 4294000000: an owner passing 4294967294 is refused"
like "$err" 'big-uid: owner 3000000:3000001 plus --userns-shift 4294000000 passes 4294967294' \
	"  naming the entry"
[[ ! -e "$o/overflow" ]] && ok "  no bundle written" || not_ok "  no bundle written"
run "$RTR_PULL" --userns-shift 0 multi.tar "$o/zero"
is "$rc" 2 "--userns-shift 0: usage error"

done_testing
