#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# rtr-pull's image formats beyond plain docker save / OCI (issue 13): `docker save | gzip`
# and zstd-compressed archives, zstd layers (as skopeo/podman write them), the `docker save`
# of Docker 25+ (an OCI layout with manifest.json beside it), `podman save --format
# oci-archive` (containers/image's oci-archive writer, through skopeo), and a clear message
# for compressions rtr-pull does not read.  Every bundle is run with rtr-run.
set -euo pipefail
. "$RTR_SRCDIR/tests/lib.sh"
require_root
require_cmd python3 jq skopeo gzip xz bzip2
rtr_tmpdir

FIX="$RTR_SRCDIR/tests/fixtures"
cd "$T"
python3 "$FIX/pull-images.py" docker-single single.tar
python3 "$FIX/pull-images.py" docker25 d25.tar
o=$T/out
mkdir -p "$o"

# runs BUNDLE's /bin/busybox through rtr-run: DESC BUNDLE
runs() {
	run "$RTR_RUN" --name "pull-formats-$$" "$2" -- /bin/echo ran
	if [[ $rc == 0 && $out == ran ]]; then ok "$1"; else not_ok "$1" "rc=$rc" "$err"; fi
}

# ---- compressed docker save tarballs ----
gzip -c single.tar >single.tar.gz
run "$RTR_PULL" -q single.tar.gz "$o/gz"
is "$rc" 0 "docker save | gzip: pulled" || true
is "$(stat -c %s "$o/gz/rootfs/bin/busybox" 2>/dev/null)" "$(stat -L -c %s "$(command -v busybox)")" \
	"  the layer is unpacked"
is "$(jq -r '.process.cwd' "$o/gz/config.json")" /home/app "  config.json from the image config"
runs "  rtr-run runs it" "$o/gz"
run "$RTR_PULL" -q "docker-archive:$T/single.tar.gz:busybox" "$o/gz-tag"
is "$rc" 0 "docker-archive:FILE.tar.gz:TAG" || diag "$err"
[[ -z "$(find "$o" -maxdepth 1 -name '.*.tmp-*')" ]] && ok "  no temporary left (scratch file unnamed)" ||
	not_ok "  no temporary left"

head -c 100000 single.tar.gz >cut.tar.gz
run "$RTR_PULL" -q cut.tar.gz "$o/cut"
if [[ $rc != 0 && $err == *"gzip stream is truncated"* && ! -e "$o/cut" ]]; then
	ok "a truncated gzip archive: refused, nothing written"
else
	not_ok "a truncated gzip archive: refused" "rc=$rc" "$err"
fi

if command -v zstd >/dev/null; then
	zstd -q -c single.tar >single.tar.zst
	run "$RTR_PULL" -q single.tar.zst "$o/zst"
	if [[ $rc == 0 ]]; then
		ok "docker save | zstd: pulled"
		runs "  rtr-run runs it" "$o/zst"
	else
		like "$err" "single.tar.zst: zstd-compressed: this rtr-pull was built without zstd" \
			"docker save | zstd without libzstd: clear error"
	fi
else
	skip "docker save | zstd" "no zstd command"
fi

for c in xz bzip2; do
	"$c" -c single.tar >"single.tar.$c"
	run "$RTR_PULL" -q "single.tar.$c" "$o/$c"
	if [[ $rc == 1 && ! -e "$o/$c" ]]; then
		like "$err" "single.tar.$c: $c-compressed archive: not supported \(uncompress it first: $c -d\)" \
			"$c-compressed archive: refused, the message names $c"
	else
		not_ok "$c-compressed archive: refused" "rc=$rc" "$err"
	fi
done

# ---- Docker 25+ docker save: OCI layout + manifest.json ----
run "$RTR_PULL" -q d25.tar "$o/d25"
is "$rc" 0 "Docker 25+ docker save: pulled" || diag "$err"
is "$(cat "$o/d25/rootfs/srv/hello.txt" 2>/dev/null)" "docker 25" "  both layers unpacked"
is "$(jq -r '.annotations["org.opencontainers.image.ref.name"] // empty' "$o/d25/config.json")" \
	"hello25:latest" "  the name comes from manifest.json's RepoTags"
run "$RTR_PULL" -q "oci-archive:$T/d25.tar" "$o/d25-oci"
is "$rc" 0 "Docker 25+ docker save read as an OCI archive (its index.json)" || diag "$err"
diff -r "$o/d25/rootfs" "$o/d25-oci/rootfs" >/dev/null && ok "  the same tree both ways" ||
	not_ok "  the same tree both ways"
run "$RTR_RUN" --name "pull-formats-$$" "$o/d25"
is "$out" "docker 25" "  rtr-run runs its Cmd"
gzip -c d25.tar >d25.tar.gz
run "$RTR_PULL" -q d25.tar.gz "$o/d25-gz"
is "$rc" 0 "Docker 25+ docker save | gzip: pulled" || diag "$err"

# ---- podman save --format oci-archive (containers/image's oci-archive writer) ----
skopeo copy -q docker-archive:single.tar oci-archive:podman.tar:docker.io/library/busybox:latest
listing=$(tar tf podman.tar)
like "$listing" '^oci-layout$' "podman-style oci-archive: oci-layout at the top, no ./ prefix"
run "$RTR_PULL" -q "oci-archive:$T/podman.tar" "$o/podman"
is "$rc" 0 "podman save --format oci-archive: pulled" || diag "$err"
runs "  rtr-run runs it" "$o/podman"
run "$RTR_PULL" -q podman.tar "$o/podman-sniffed"
is "$rc" 0 "  a plain path is recognised as an OCI archive" || diag "$err"

# ---- zstd layers (application/vnd.oci.image.layer.v1.tar+zstd) ----
skopeo copy -q --dest-compress-format zstd docker-archive:single.tar oci:ociz:busybox
mt=$(jq -r '.manifests[0].digest' ociz/index.json | cut -d: -f2)
like "$(jq -r '.layers[].mediaType' "ociz/blobs/sha256/$mt")" '\+zstd$' \
	"skopeo wrote a tar+zstd layer"
run "$RTR_PULL" -q "oci:$T/ociz:busybox" "$o/zl"
if [[ $rc == 0 ]]; then
	ok "zstd layer in an OCI layout: pulled"
	runs "  rtr-run runs it" "$o/zl"
	skopeo copy -q --dest-compress-format zstd docker-archive:single.tar \
		oci-archive:podman-zstd.tar:busybox
	run "$RTR_PULL" -q "oci-archive:$T/podman-zstd.tar" "$o/zla"
	is "$rc" 0 "zstd layer in an oci-archive: pulled" || diag "$err"
else
	like "$err" "zstd-compressed: this rtr-pull was built without zstd support" \
		"zstd layer without libzstd: clear error"
fi

done_testing
