#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-pull from real docker-registry instances on loopback: plain HTTP, TLS with a test
# CA, TLS + htpasswd Basic auth, the Bearer token flow (tests/fixtures/token-server.py),
# and tests/fixtures/fault-proxy.py for dropped connections, 5xx, slow drips and
# cross-host redirects.
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
. "$RTR_SRCDIR/tests/fixtures/registry-lib.sh"

require_root
require_cmd docker-registry skopeo jq openssl htpasswd /usr/bin/python3 sha256sum
rtr_tmpdir
trap 'reg_stop_all; _rtr_cleanup' EXIT
PY=/usr/bin/python3
FIX=$RTR_SRCDIR/tests/fixtures
export RUN_TIMEOUT=120
# No auth file of the machine's user may leak into these tests.
export HOME=$T/home
# (not exported empty: docker-registry reads REGISTRY_* variables as configuration)
unset REGISTRY_AUTH_FILE XDG_RUNTIME_DIR DOCKER_CONFIG
mkdir -p "$HOME"

# ---- images -----------------------------------------------------------------------------
L=$T/lay
oci_layout_init "$L"
make_busybox_rootfs "$T/r/base"
oci_image "$L" one amd64 '{"Cmd":["/bin/sh","-c","echo one"]}' "$T/r/base" >/dev/null

mkdir -p "$T/r/m1/etc" "$T/r/m1/data/x" "$T/r/m2/etc" "$T/r/m2/data/x" "$T/r/m3"
echo a >"$T/r/m1/etc/a"; echo b >"$T/r/m1/etc/b"; echo keep >"$T/r/m1/data/x/keep"
: >"$T/r/m2/etc/.wh.a"; : >"$T/r/m2/data/x/.wh..wh..opq"; echo new >"$T/r/m2/data/x/new"
echo three >"$T/r/m3/three"
oci_image "$L" multi amd64 '{}' "$T/r/base" "$T/r/m1" "$T/r/m2" "$T/r/m3" >/dev/null

mkdir -p "$T/r/user/srv"
oci_image "$L" user amd64 '{"User":"1000:1000","WorkingDir":"/srv"}' "$T/r/base" "$T/r/user" >/dev/null

mkdir -p "$T/r/amd64" "$T/r/arm64"
echo amd64 >"$T/r/amd64/arch"; echo arm64 >"$T/r/arm64/arch"
read -r ma sa < <(oci_image "$L" "" amd64 '{}' "$T/r/base" "$T/r/amd64")
read -r mb sb < <(oci_image "$L" "" arm64 '{}' "$T/r/base" "$T/r/arm64")
oci_index "$L" multiarch "$ma $sa amd64" "$mb $sb arm64/v8" >/dev/null

# Big random layers for the transfer faults: 4 MiB that gzip cannot shrink.
mkdir -p "$T/r/big"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$T/r/big/random"
oci_image "$L" big amd64 '{}' "$T/r/big" >/dev/null
mkdir -p "$T/r/corrupt"
head -c $((512 * 1024)) /dev/urandom >"$T/r/corrupt/random"
oci_image "$L" corrupt amd64 '{}' "$T/r/corrupt" >/dev/null

# ---- registries -------------------------------------------------------------------------
P1=$(reg_free_port)
reg_start plain "$P1"
R=127.0.0.1:$P1
for t in one multi user multiarch big corrupt; do
	reg_push "$L" $t "$R/lab/$t:1"
done

reg_make_ca "$T/ca"
P2=$(reg_free_port)
reg_start tls "$P2" tls "$T/ca"
reg_push "$L" one "127.0.0.1:$P2/lab/one:1"

htpasswd -Bbc "$T/htpasswd" alice 's3cret-pw' 2>/dev/null
P3=$(reg_free_port)
reg_start basic "$P3" tls "$T/ca" htpasswd "$T/htpasswd"
reg_push "$L" one "127.0.0.1:$P3/lab/one:1" --dest-creds 'alice:s3cret-pw'

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rtr token signer" \
	-keyout "$T/tok.key" -out "$T/tok.pem" 2>/dev/null
P4=$(reg_free_port)
P5=$(reg_free_port)
reg_spawn $PY "$FIX/token-server.py" --port "$P5" --key "$T/tok.key" --cert "$T/tok.pem" \
	--user bob --password 'tok-pw' --log "$T/token.log"
reg_wait_port "$P5"
reg_start token "$P4" token "http://127.0.0.1:$P5/token" "$T/tok.pem"
reg_push "$L" multi "127.0.0.1:$P4/lab/multi:1" --dest-creds 'bob:tok-pw'

C=$T/cache
pull() { run "$RTR_PULL" --cache-dir "$C" "$@"; }
no_leftovers() { # DIR: nothing but the expected entries (no temporary bundles)
	[[ -z "$(find "$1" -maxdepth 1 -name '.*tmp*' 2>/dev/null)" ]]
}
annot_digest() {
	jq -r '.annotations | to_entries[] | select(.key | test("digest$")) | .value' \
		"$1/config.json" | grep -m1 '^sha256:'
}

# ---- plain HTTP, tag and digest -------------------------------------------------------
B=$T/b
mkdir -p "$B"
pull "$R/lab/one:1" "$B/one"
if [[ $rc == 0 && -x "$B/one/rootfs/bin/busybox" && -f "$B/one/config.json" ]]; then
	ok "tag pull from a plain-HTTP loopback registry"
else
	not_ok "tag pull from a plain-HTTP loopback registry" "rc=$rc" "$err"
fi
is "$(jq -c .process.args "$B/one/config.json" 2>/dev/null)" '["/bin/sh","-c","echo one"]' \
	"config.json args from the image config"

dig=$(skopeo inspect --tls-verify=false --raw "docker://$R/lab/one:1" | sha256sum | cut -d' ' -f1)
pull "docker://$R/lab/one@sha256:$dig" "$B/one-dig"
is "$rc" 0 "digest pull (docker:// prefix)"
is "$(annot_digest "$B/one-dig" 2>/dev/null)" "sha256:$dig" "bundle records the manifest digest"
is "$(annot_digest "$B/one" 2>/dev/null)" "sha256:$dig" "tag pull records the same digest"

pull "$R/lab/one@sha256:$(printf '0%.0s' {1..64})" "$B/nodig"
if [[ $rc != 0 && "$err" == *"not found"* && ! -e "$B/nodig" ]]; then
	ok "unknown digest: clear error, no bundle"
else
	not_ok "unknown digest: clear error, no bundle" "rc=$rc" "$err"
fi
pull "$R/lab/nosuch:1" "$B/nosuch"
like "$err" "not found|404" "unknown repository: 404 named"

pull --registry-url "http://$R" lab/one:1 "$B/regurl"
is "$rc" 0 "--registry-url supplies the registry of a short name"

# ---- layers, whiteouts, user/workdir ----------------------------------------------------
pull "$R/lab/multi:1" "$B/multi"
if [[ $rc == 0 && ! -e "$B/multi/rootfs/etc/a" && -f "$B/multi/rootfs/etc/b" &&
	! -e "$B/multi/rootfs/data/x/keep" && -f "$B/multi/rootfs/data/x/new" &&
	-f "$B/multi/rootfs/three" ]]; then
	ok "4-layer image: whiteout and opaque directory applied"
else
	not_ok "4-layer image: whiteout and opaque directory applied" "rc=$rc" "$err"
fi

pull "$R/lab/user:1" "$B/user"
is "$(jq -c '[.process.user.uid, .process.user.gid, .process.cwd]' "$B/user/config.json" 2>/dev/null)" \
	'[1000,1000,"/srv"]' "image User and WorkingDir reach config.json"

# ---- platforms --------------------------------------------------------------------------
if [[ $(uname -m) == x86_64 ]]; then
	pull "$R/lab/multiarch:1" "$B/ma-host"
	is "$(cat "$B/ma-host/rootfs/arch" 2>/dev/null)" amd64 "index: the host's platform by default"
else
	skip "index: the host's platform by default" "host is not x86_64"
fi
pull --arch arm64 "$R/lab/multiarch:1" "$B/ma-arm64"
is "$(cat "$B/ma-arm64/rootfs/arch" 2>/dev/null)" arm64 "--arch arm64 (RouterOS name)"
pull --platform linux/arm64/v8 "$R/lab/multiarch:1" "$B/ma-plat"
is "$(cat "$B/ma-plat/rootfs/arch" 2>/dev/null)" arm64 "--platform linux/arm64/v8"
pull --arch x86 "$R/lab/multiarch:1" "$B/ma-x86"
is "$(cat "$B/ma-x86/rootfs/arch" 2>/dev/null)" amd64 "--arch x86 means linux/amd64"
pull --platform linux/s390x "$R/lab/multiarch:1" "$B/ma-none"
if [[ $rc != 0 && "$err" == *linux/amd64* && "$err" == *linux/arm64* && ! -e "$B/ma-none" ]]; then
	ok "no matching platform: error lists the image's platforms"
else
	not_ok "no matching platform: error lists the image's platforms" "rc=$rc" "$err"
fi

# ---- TLS --------------------------------------------------------------------------------
pull "127.0.0.1:$P2/lab/one:1" "$B/tls-noca"
if [[ $rc != 0 && "$err" == *certificate* && ! -e "$B/tls-noca" ]]; then
	ok "TLS: an unknown CA is refused"
else
	not_ok "TLS: an unknown CA is refused" "rc=$rc" "$err"
fi
pull --ca-file "$T/ca/ca.pem" "127.0.0.1:$P2/lab/one:1" "$B/tls"
is "$rc" 0 "TLS with --ca-file"
pull --insecure "127.0.0.1:$P2/lab/one:1" "$B/tls-insecure"
if [[ $rc == 0 && "$err" == *"NOT verified"* ]]; then
	ok "--insecure works and warns loudly"
else
	not_ok "--insecure works and warns loudly" "rc=$rc" "$err"
fi

# ---- Basic auth -------------------------------------------------------------------------
BA="127.0.0.1:$P3/lab/one:1"
pull --ca-file "$T/ca/ca.pem" "$BA" "$B/basic-anon"
if [[ $rc != 0 && "$err" == *401* && "$err" == *credentials* && ! -e "$B/basic-anon" ]]; then
	ok "Basic: no credentials -> clear 401 error"
else
	not_ok "Basic: no credentials -> clear 401 error" "rc=$rc" "$err"
fi
pull --ca-file "$T/ca/ca.pem" --creds 'alice:wrong-pw' "$BA" "$B/basic-wrong"
if [[ $rc != 0 && "$err" == *401* && "$err" == *refused* && "$err" != *wrong-pw* ]]; then
	ok "Basic: wrong password -> 401 'refused the credentials', password not shown"
else
	not_ok "Basic: wrong password -> 401 'refused the credentials', password not shown" "rc=$rc" "$err"
fi
pull --ca-file "$T/ca/ca.pem" --creds 'alice:s3cret-pw' -v "$BA" "$B/basic"
is "$rc" 0 "Basic: --creds"
if ! grep -rqs 's3cret-pw' "$B/basic/config.json" && [[ "$err$out" != *s3cret-pw* ]]; then
	ok "Basic: the password is in neither messages nor the bundle"
else
	not_ok "Basic: the password is in neither messages nor the bundle"
fi
echo 's3cret-pw' >"$T/pw"
RUN_STDIN=$T/pw pull --ca-file "$T/ca/ca.pem" --creds alice --password-stdin "$BA" "$B/basic-stdin"
is "$rc" 0 "Basic: --password-stdin"
printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$P3" "$(printf 'alice:s3cret-pw' | base64)" \
	>"$T/auth.json"
REGISTRY_AUTH_FILE=$T/auth.json pull --ca-file "$T/ca/ca.pem" "$BA" "$B/basic-file"
is "$rc" 0 "Basic: credentials from \$REGISTRY_AUTH_FILE"
mkdir -p "$HOME/.docker"
cp "$T/auth.json" "$HOME/.docker/config.json"
pull --ca-file "$T/ca/ca.pem" "$BA" "$B/basic-dockercfg"
is "$rc" 0 "Basic: credentials from ~/.docker/config.json"
rm -rf "$HOME/.docker"

# ---- Bearer token -----------------------------------------------------------------------
TA="127.0.0.1:$P4/lab/multi:1"
pull "$TA" "$B/tok-anon"
if [[ $rc != 0 && "$err" == *"token server refused"* ]]; then
	ok "Bearer: anonymous refused by the token server, clear error"
else
	not_ok "Bearer: anonymous refused by the token server, clear error" "rc=$rc" "$err"
fi
: >"$T/token.log"
pull --no-cache --creds 'bob:tok-pw' "$TA" "$B/tok"
is "$rc" 0 "Bearer: token flow with credentials (4-layer image)"
is "$(grep -c '^token bob repository:lab/multi:pull$' "$T/token.log" || true)" 1 \
	"Bearer: one token, with the repository scope, reused for every request"
pull --creds 'bob:nope' "$TA" "$B/tok-wrong"
like "$err" "refused" "Bearer: wrong password -> clear error"

# ---- verification -----------------------------------------------------------------------
cdig=$(jq -r '.layers[0].digest' "$L/blobs/sha256/$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"]=="corrupt") | .digest' "$L/index.json" | cut -d: -f2)")
cfile=$T/plain/data/docker/registry/v2/blobs/sha256/${cdig:7:2}/${cdig:7}/data
if [[ -f "$cfile" ]]; then
	printf '\x00\x01\x02\x03' | dd of="$cfile" bs=1 seek=100000 conv=notrunc status=none
	pull --no-cache "$R/lab/corrupt:1" "$B/corrupt"
	if [[ $rc != 0 && "$err" == *"digest mismatch"* && ! -e "$B/corrupt" ]] && no_leftovers "$B"; then
		ok "corrupted blob in the registry: digest error, no bundle, no temporary left"
	else
		not_ok "corrupted blob in the registry: digest error, no bundle" "rc=$rc" "$err"
	fi
	pull "$R/lab/corrupt:1" "$B/corrupt2"
	if [[ $rc != 0 && ! -e "$C/blobs/sha256/${cdig:7}" ]]; then
		ok "a blob that fails verification never enters the cache"
	else
		not_ok "a blob that fails verification never enters the cache" "rc=$rc"
	fi
else
	not_ok "corrupted blob in the registry" "no $cfile"
fi

# ---- images pushed by hand through the registry API ------------------------------------
# reg_put_blob HOST/REPO FILE: a monolithic upload (POST, then PUT ?digest=); prints it.
reg_put_blob() {
	local d loc sep
	d=sha256:$(sha256sum "$2" | cut -d' ' -f1)
	loc=$(curl -fsS -D - -o /dev/null -X POST "http://${1%%/*}/v2/${1#*/}/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	[[ $loc == http* ]] || loc=http://${1%%/*}$loc
	sep='?'
	[[ $loc == *\?* ]] && sep='&'
	curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
		--data-binary @"$2" "$loc${sep}digest=$d"
	echo "$d"
}
# reg_put_manifest HOST/REPO TAG FILE: an OCI image manifest under TAG.
reg_put_manifest() {
	curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary @"$3" "http://${1%%/*}/v2/${1#*/}/manifests/$2"
}
# hand_layer DIR OUT: OUT.tar and OUT.tgz of DIR; prints the diff_id (sha256 of the tar).
hand_layer() {
	tar --numeric-owner --owner=0 --group=0 -C "$1" -cf "$2.tar" .
	gzip -n -1 <"$2.tar" >"$2.tgz"
	echo "sha256:$(sha256sum "$2.tar" | cut -d' ' -f1)"
}
# hand_image HOST/REPO TAG CONFIG LAYER.tgz...: pushes the blobs, then a manifest over them.
hand_image() {
	local repo=$1 tag=$2 cfg=$3 f d layers=""
	shift 3
	for f in "$@"; do
		d=$(reg_put_blob "$repo" "$f")
		layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$d\",\"size\":$(stat -c %s "$f")}"
	done
	d=$(reg_put_blob "$repo" "$cfg")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
		"$d" "$(stat -c %s "$cfg")" "$layers" >"$T/hand-manifest.json"
	reg_put_manifest "$repo" "$tag" "$T/hand-manifest.json"
}
hand_config() { # DIFF_IDS_JSON OUT
	printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":%s}}' \
		"$1" >"$2"
}
H=$T/hand
mkdir -p "$H/d1" "$H/d2"
echo first >"$H/d1/first"
echo second >"$H/d2/second"
id1=$(hand_layer "$H/d1" "$H/l1")
id2=$(hand_layer "$H/d2" "$H/l2")
hand_config "[\"$id1\",\"$id2\"]" "$H/good.json"
hand_image "$R/lab/hand" good "$H/good.json" "$H/l1.tgz" "$H/l2.tgz"
pull --no-cache "$R/lab/hand:good" "$B/hand-good"
if [[ $rc == 0 && -f "$B/hand-good/rootfs/first" && -f "$B/hand-good/rootfs/second" ]]; then
	ok "an image pushed through the registry API with correct diff_ids pulls"
else
	not_ok "an image pushed through the registry API with correct diff_ids pulls" "rc=$rc" "$err"
fi
# The second layer's blob is intact (its digest matches), but the config claims it holds
# the first layer's tar: the uncompressed content does not match rootfs.diff_ids[1].
hand_config "[\"$id1\",\"$id1\"]" "$H/lie.json"
hand_image "$R/lab/hand" lie "$H/lie.json" "$H/l1.tgz" "$H/l2.tgz"
l2=sha256:$(sha256sum "$H/l2.tgz" | cut -d' ' -f1)
pull "$R/lab/hand:lie" "$B/hand-lie"
if [[ $rc != 0 && "$err" == *diff_id* && "$err" == *"$l2"* && ! -e "$B/hand-lie" ]] &&
	no_leftovers "$B"; then
	ok "diff_id mismatch: the error names the layer, no bundle, no temporary left"
else
	not_ok "diff_id mismatch: the error names the layer, no bundle" "rc=$rc" "$err"
fi
if [[ ! -e "$C/blobs/sha256/${l2:7}" ]]; then
	ok "a layer whose diff_id does not match never enters the cache"
else
	not_ok "a layer whose diff_id does not match never enters the cache"
fi
hand_config "[\"$id1\"]" "$H/short.json"
hand_image "$R/lab/hand" short "$H/short.json" "$H/l1.tgz" "$H/l2.tgz"
pull --no-cache "$R/lab/hand:short" "$B/hand-short"
if [[ $rc != 0 && "$err" == *diff_ids* && ! -e "$B/hand-short" ]]; then
	ok "fewer diff_ids than layers: refused"
else
	not_ok "fewer diff_ids than layers: refused" "rc=$rc" "$err"
fi
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]}}' >"$H/none.json"
hand_image "$R/lab/hand" none "$H/none.json" "$H/l1.tgz" "$H/l2.tgz"
pull --no-cache "$R/lab/hand:none" "$B/hand-none"
if [[ $rc != 0 && "$err" == *diff_ids* && ! -e "$B/hand-none" ]]; then
	ok "an image config without rootfs.diff_ids: refused"
else
	not_ok "an image config without rootfs.diff_ids: refused" "rc=$rc" "$err"
fi

# ---- cache ------------------------------------------------------------------------------
C2=$T/cache2
run "$RTR_PULL" --cache-dir "$C2" "$R/lab/multi:1" "$B/c1"
before=$(reg_blob_gets plain)
run "$RTR_PULL" --cache-dir "$C2" "$R/lab/multi:1" "$B/c2"
after=$(reg_blob_gets plain)
if [[ $rc == 0 && $before == "$after" && -f "$B/c2/rootfs/three" ]]; then
	ok "re-pull from the cache makes no blob GET"
else
	not_ok "re-pull from the cache makes no blob GET" "rc=$rc gets $before -> $after" "$err"
fi
bad=0
for f in "$C2"/blobs/sha256/*; do
	[[ "sha256:$(sha256sum "$f" | cut -d' ' -f1)" == "sha256:$(basename "$f")" ]] || bad=1
done
is "$bad" 0 "every cached blob's content matches its name, no .partial left"
run "$RTR_PULL" --cache-dir "$C2" "$R/lab/one:1" "$B/c3"
after2=$(reg_blob_gets plain)
is "$((after2 - after))" 1 "another image sharing the base layer downloads only its config"
before=$(reg_blob_gets plain)
run "$RTR_PULL" --no-cache --cache-dir "$T/nocache" "$R/lab/one:1" "$B/c4"
if [[ $rc == 0 && ! -e "$T/nocache" && $(($(reg_blob_gets plain) - before)) == 2 ]]; then
	ok "--no-cache stores nothing and downloads"
else
	not_ok "--no-cache stores nothing and downloads" "rc=$rc" "$err"
fi

# ---- --check / --update -----------------------------------------------------------------
reg_push "$L" one "$R/lab/moving:1"
pull "$R/lab/moving:1" "$B/moving"
run "$RTR_PULL" --check "$R/lab/moving:1" "$B/moving"
is "$rc" 0 "--check: up to date -> exit 0"
before=$(reg_blob_gets plain)
run "$RTR_PULL" --update --cache-dir "$C" "$R/lab/moving:1" "$B/moving"
if [[ $rc == 0 && $(reg_blob_gets plain) == "$before" ]]; then
	ok "--update when up to date pulls nothing"
else
	not_ok "--update when up to date pulls nothing" "rc=$rc" "$err"
fi
reg_push "$L" user "$R/lab/moving:1"
run "$RTR_PULL" --check "$R/lab/moving:1" "$B/moving"
is "$rc" 10 "--check: the registry has a newer image -> exit 10"
run "$RTR_PULL" --update --cache-dir "$C" "$R/lab/moving:1" "$B/moving"
if [[ $rc == 0 && -d "$B/moving/rootfs/srv" ]]; then
	ok "--update re-pulls a newer image"
else
	not_ok "--update re-pulls a newer image" "rc=$rc" "$err"
fi
run "$RTR_PULL" --check "$R/lab/moving:1" "$B/moving"
is "$rc" 0 "--check after --update: up to date"

# ---- --json -----------------------------------------------------------------------------
pull --json --no-cache "$R/lab/multi:1" "$B/json"
if [[ $rc == 0 ]] && jq -e -s 'map(.event) | index("manifest") != null and
	index("layer-start") != null and index("layer-done") != null and .[-1] == "done"' \
	<<<"$out" >/dev/null; then
	ok "--json: manifest, layer-start, layer-done ... done events on stdout"
else
	not_ok "--json events" "rc=$rc" "$out"
fi

# ---- transfer faults (fault-proxy.py in front of the plain registry) --------------------
proxy() { # MODE [args]: starts the proxy, sets $PP and $PLOG
	PP=$(reg_free_port)
	PLOG=$T/proxy-$1.log
	reg_spawn $PY "$FIX/fault-proxy.py" --port "$PP" --upstream "$R" --mode "$@" --log "$PLOG"
	reg_wait_port "$PP"
}
proxy drop
pull --no-cache "127.0.0.1:$PP/lab/big:1" "$B/drop"
if [[ $rc == 0 ]] && grep -q dropped "$PLOG" && grep -q 'range=bytes=[1-9]' "$PLOG" &&
	cmp -s "$B/drop/rootfs/random" "$T/r/big/random"; then
	ok "connection dropped mid-blob: resumed with a Range request, content intact"
else
	not_ok "connection dropped mid-blob: resumed with Range" "rc=$rc" "$err" "$(cat "$PLOG")"
fi

proxy error500 --count 2
pull --no-cache "127.0.0.1:$PP/lab/one:1" "$B/e500"
if [[ $rc == 0 && "$err" == *"HTTP 500"* ]]; then
	ok "500 then 200: retried with backoff"
else
	not_ok "500 then 200: retried" "rc=$rc" "$err"
fi

proxy slow
t0=$(date +%s)
pull --no-cache --timeout 2 --retries 1 "127.0.0.1:$PP/lab/big:1" "$B/slow"
t1=$(date +%s)
if [[ $rc != 0 && ! -e "$B/slow" && $((t1 - t0)) -lt 30 ]] && [[ "$err" == *[Tt]ime* ]]; then
	ok "slow drip: timeout error after the retries ($((t1 - t0)) s), no bundle"
else
	not_ok "slow drip: timeout error" "rc=$rc after $((t1 - t0)) s" "$err"
fi

if (exec 3<>/dev/tcp/127.0.0.2/1) 2>/dev/null || ping -c1 -W1 127.0.0.2 >/dev/null 2>&1 ||
	[[ $(ip addr show lo) == *127.0.0.1/8* ]]; then
	P6=$(reg_free_port)
	proxy redirect --redirect-port "$P6" --user carol --password 'redir-pw'
	reg_wait_port "$P6" 127.0.0.2
	pull --no-cache --creds 'carol:redir-pw' "127.0.0.1:$PP/lab/one:1" "$B/redir"
	if [[ $rc == 0 ]] && grep -q '^other GET .*/blobs/' "$PLOG" &&
		! grep -q '^other .*auth=yes' "$PLOG" && grep -q '^main GET .*manifests.*auth=yes' "$PLOG"; then
		ok "blob redirect to another host: followed without the Authorization header"
	else
		not_ok "blob redirect to another host without Authorization" "rc=$rc" "$err" "$(cat "$PLOG")"
	fi
else
	skip "blob redirect to another host" "no 127.0.0.2"
fi

# ---- manifests the client must refuse -----------------------------------------------------
proxy tamper
pull --no-cache "127.0.0.1:$PP/lab/one@sha256:$dig" "$B/tamper"
if [[ $rc != 0 && "$err" == *"digest mismatch"* && ! -e "$B/tamper" ]]; then
	ok "digest pull: a manifest that does not match the digest is refused"
else
	not_ok "digest pull: tampered manifest refused" "rc=$rc" "$err"
fi
pull --no-cache "127.0.0.1:$PP/lab/one:1" "$B/tamper-tag"
like "$err" "digest mismatch" "tag pull: content not matching Docker-Content-Digest is refused"
proxy schema1
pull "127.0.0.1:$PP/lab/one:1" "$B/schema1"
like "$err" "[Ss]chema 1" "Docker schema 1 manifest: clear error"
proxy bigmanifest
pull "127.0.0.1:$PP/lab/one:1" "$B/bigmanifest"
if [[ $rc != 0 && "$err" == *"larger than"* ]]; then
	ok "a manifest over the size limit is refused"
else
	not_ok "a manifest over the size limit is refused" "rc=$rc" "$err"
fi

# ---- kill -9 during a pull --------------------------------------------------------------
proxy slow
C3=$T/cache3
"$RTR_PULL" --cache-dir "$C3" "127.0.0.1:$PP/lab/big:1" "$B/killed" >/dev/null 2>&1 &
kp=$!
sleep 3
kill -9 "$kp"
wait "$kp" 2>/dev/null || true
whole=$(find "$C3/blobs/sha256" -type f ! -name '*.partial' 2>/dev/null | while read -r f; do
	[[ "$(sha256sum "$f" | cut -d' ' -f1)" == "$(basename "$f")" ]] || echo "$f"; done)
run "$RTR_PULL" --cache-dir "$C3" "$R/lab/big:1" "$B/killed"
if [[ -z "$whole" && $rc == 0 ]] && cmp -s "$B/killed/rootfs/random" "$T/r/big/random" &&
	[[ -z "$(find "$C3" -name '*.partial')" ]]; then
	ok "kill -9 mid-pull: no blob taken as whole, the next pull succeeds"
else
	not_ok "kill -9 mid-pull, then pull again" "rc=$rc bad=[$whole]" "$err"
fi

# ---- interrupted pulls: temporary bundles, resumed blobs, a full cache (issue 13) ---------
big_layer() { ls -S "$1/blobs/sha256" | grep -v partial | head -1; }
# A cache that holds big:1's config but not its layer: a pull through the slow proxy then
# gets as far as the layer at once and drips there.
slow_cache() { # DIR
	run "$RTR_PULL" --cache-dir "$1" "$R/lab/big:1" "$T/seed-$$" && rm -rf "$T/seed-$$"
	rm -f "$1/blobs/sha256/$(big_layer "$1")"
}
has_tmp() { compgen -G "$1/.$2.tmp-*" >/dev/null; }
proxy slow
P9=$T/parent
mkdir -p "$P9"
slow_cache "$T/cache-slow"
"$RTR_PULL" --cache-dir "$T/cache-slow" "127.0.0.1:$PP/lab/big:1" "$P9/dead" >/dev/null 2>&1 &
kp=$!
wait_for 30 has_tmp "$P9" dead || true
kill -9 "$kp"
wait "$kp" 2>/dev/null || true
dead=$(compgen -G "$P9/.dead.tmp-*" || true)
"$RTR_PULL" --cache-dir "$T/cache-slow" "127.0.0.1:$PP/lab/big:1" "$P9/live" >/dev/null 2>&1 &
lp=$!
RTR_PIDS="$RTR_PIDS $lp"
wait_for 30 has_tmp "$P9" live || true
run "$RTR_PULL" --no-cache "$R/lab/one:1" "$P9/next"
live=$(compgen -G "$P9/.live.tmp-*" || true)
if [[ $rc == 0 && -n $dead && ! -e $dead && -n $live && -d $live ]]; then
	ok "a SIGKILLed pull's temporary bundle is removed by the next pull into its parent; a live pull's is kept"
else
	not_ok "temporary bundles of dead and live pulls" "rc=$rc dead=[$dead] live=[$live]" "$err" \
		"$(ls -a "$P9")"
fi
kill -9 "$lp"
wait "$lp" 2>/dev/null || true

# kill -9 mid-blob, then the next pull continues the blob from where the first stopped
partial_grew() { [[ -n "$(find "$T/cache-slow" -name '*.partial' -size +0c)" ]]; }
"$RTR_PULL" --cache-dir "$T/cache-slow" "127.0.0.1:$PP/lab/big:1" "$B/k1" >/dev/null 2>&1 &
kp=$!
wait_for 30 partial_grew || true
kill -9 "$kp"
wait "$kp" 2>/dev/null || true
part=$(find "$T/cache-slow" -name '*.partial' -size +0c | head -1)
have=$(stat -c %s "$part" 2>/dev/null || echo 0)
proxy pass
run "$RTR_PULL" --cache-dir "$T/cache-slow" "127.0.0.1:$PP/lab/big:1" "$B/k2"
hex=$(basename "$part" .partial)
if [[ $rc == 0 && $have -gt 0 ]] && grep -q "GET /v2/lab/big/blobs/sha256:$hex range=bytes=$have-" "$PLOG" &&
	cmp -s "$B/k2/rootfs/random" "$T/r/big/random" &&
	[[ "$(sha256sum <"$T/cache-slow/blobs/sha256/$hex" | cut -d' ' -f1)" == "$hex" ]]; then
	ok "a blob cut by kill -9 is continued by the next pull (Range: bytes=$have-), digest checked over all of it"
else
	not_ok "a blob cut by kill -9 is continued with Range" "rc=$rc have=$have part=$part" "$err" \
		"$(grep blobs "$PLOG")"
fi

# The same by hand, exactly half a blob; then a .partial whose bytes are not the blob's.
C4=$T/cache4
run "$RTR_PULL" --cache-dir "$C4" "$R/lab/big:1" "$B/r1"
hex=$(big_layer "$C4")
size=$(stat -c %s "$C4/blobs/sha256/$hex")
head -c $((size / 2)) "$C4/blobs/sha256/$hex" >"$C4/blobs/sha256/$hex.partial"
rm "$C4/blobs/sha256/$hex"
: >"$PLOG"
run "$RTR_PULL" --cache-dir "$C4" "127.0.0.1:$PP/lab/big:1" "$B/r2"
if [[ $rc == 0 ]] && grep -q "GET /v2/lab/big/blobs/sha256:$hex range=bytes=$((size / 2))-" "$PLOG" &&
	cmp -s "$B/r2/rootfs/random" "$T/r/big/random" && [[ ! -e "$C4/blobs/sha256/$hex.partial" ]] &&
	[[ "$(sha256sum <"$C4/blobs/sha256/$hex" | cut -d' ' -f1)" == "$hex" ]]; then
	ok "half a blob in the cache: only the other half is requested, the blob is committed"
else
	not_ok "half a blob in the cache is continued" "rc=$rc" "$err" "$(grep blobs "$PLOG")"
fi
rm "$C4/blobs/sha256/$hex"
head -c 100000 /dev/urandom >"$C4/blobs/sha256/$hex.partial"
run "$RTR_PULL" --cache-dir "$C4" "127.0.0.1:$PP/lab/big:1" "$B/r3"
if [[ $rc == 1 && $err == *"digest mismatch"*"left in the cache; they are removed: pull again"* &&
	! -e "$C4/blobs/sha256/$hex.partial" && ! -e "$B/r3" ]]; then
	ok "a .partial that is not the blob's start: digest mismatch, it is removed"
else
	not_ok "a .partial that is not the blob's start" "rc=$rc" "$err"
fi
run "$RTR_PULL" --cache-dir "$C4" "127.0.0.1:$PP/lab/big:1" "$B/r3"
is "$rc" 0 "  the pull after it succeeds" || diag "$err"

# A cache filesystem too small for the blob: a warning, and the pull succeeds.
mkdir -p "$T/small"
mount -t tmpfs -o size=1m tmpfs "$T/small"
run "$RTR_PULL" --cache-dir "$T/small" "$R/lab/big:1" "$B/full"
if [[ $rc == 0 && $err == *"No space left on device: not caching for the rest of this pull"* ]] &&
	cmp -s "$B/full/rootfs/random" "$T/r/big/random" &&
	[[ -z "$(find "$T/small" -name '*.partial')" ]]; then
	ok "a full cache filesystem: one warning, caching off, the pull succeeds"
else
	not_ok "a full cache filesystem only disables caching" "rc=$rc" "$err"
fi
umount "$T/small"

# ---- references -------------------------------------------------------------------------
# No network here: the proxy from the environment shows where a Docker Hub name goes.
proxy pass
https_proxy=http://127.0.0.1:$PP HTTPS_PROXY=http://127.0.0.1:$PP no_proxy= \
	pull --retries 0 alpine "$B/hub"
if [[ $rc != 0 ]] && grep -q '^main CONNECT registry-1.docker.io:443$' "$PLOG" &&
	[[ "$err" == *registry-1.docker.io/v2/library/alpine/manifests/latest* ]]; then
	ok "'alpine' is docker.io/library/alpine:latest at registry-1.docker.io, via https_proxy"
else
	not_ok "'alpine' normalised, proxy from the environment" "rc=$rc" "$err" "$(cat "$PLOG")"
fi
pull "UPPER/Case:1" "$B/badref"
like "$err" "invalid repository name" "malformed reference: clear error"


# ---- duplicate keys: an error naming the key, no bundle -----------------------------------
cfgd=$(reg_put_blob "$R/lab/dup" "$H/good.json")
l1d=$(reg_put_blob "$R/lab/dup" "$H/l1.tgz")
l2d=$(reg_put_blob "$R/lab/dup" "$H/l2.tgz")
ly='"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"'$l1d'","size":'$(stat -c %s "$H/l1.tgz")'}]'
ly2='"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"'$l2d'","size":'$(stat -c %s "$H/l2.tgz")'}]'
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},%s,%s}' \
	"$cfgd" "$(stat -c %s "$H/good.json")" "$ly" "$ly2" >"$H/dup-manifest.json"
reg_put_manifest "$R/lab/dup" manifest "$H/dup-manifest.json"
pull --no-cache "$R/lab/dup:manifest" "$B/dup-manifest"
if [[ $rc != 0 && "$err" == *[Dd]uplicate* && "$err" == *layers* && ! -e "$B/dup-manifest" ]]; then
	ok "manifest with a duplicate key: error naming the key"
else
	not_ok "manifest with a duplicate key: error naming the key" "rc=$rc" "$err"
fi
printf '{"architecture":"amd64","os":"linux","config":{"User":"1000","User":"0","Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["%s","%s"]}}' \
	"$id1" "$id2" >"$H/dup-config.json"
hand_image "$R/lab/dup" config "$H/dup-config.json" "$H/l1.tgz" "$H/l2.tgz"
pull --no-cache "$R/lab/dup:config" "$B/dup-config"
if [[ $rc != 0 && "$err" == *[Dd]uplicate* && "$err" == *User* && ! -e "$B/dup-config" ]]; then
	ok "image config with a duplicate key: error naming the key"
else
	not_ok "image config with a duplicate key: error naming the key" "rc=$rc" "$err"
fi

done_testing
