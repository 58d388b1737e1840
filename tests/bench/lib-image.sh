# SPDX-License-Identifier: GPL-2.0-or-later
# The large image of the pull and store benchmarks (sourced): a system tree standing in
# for a debootstrap minbase (no network here), ~130 MB unpacked, as one gzip layer and a
# docker save tarball.
#
#   bench_image W     writes W/layer.tar.gz and W/img.tar; sets $unpacked (tar bytes)
#                     and $entries; prints one line describing the image (without a
#                     newline: the caller ends it)

bench_image() {
	local w=$1 d dirs=()
	local fix="$RTR_SRCDIR/tests/fixtures"

	mkdir "$w/src"
	for d in usr/lib/python3.11 usr/share/perl usr/lib/x86_64-linux-gnu/perl usr/share/zoneinfo \
		etc usr/sbin usr/lib/python3; do
		[[ -d /$d ]] && dirs+=("$d")
	done
	tar -C / -cf - "${dirs[@]}" 2>/dev/null | tar -C "$w/src" -xf -
	python3 "$fix/pull-images.py" layer-tar "$w/layer.tar.gz" "$w/src"
	python3 "$fix/pull-images.py" docker-from-layer "$w/img.tar" "$w/layer.tar.gz"
	rm -rf "$w/src"
	unpacked=$(gzip -dc "$w/layer.tar.gz" | wc -c)
	entries=$(tar -tzf "$w/layer.tar.gz" | wc -l)
	printf 'image: one gzip layer, %d MiB compressed, %d MiB tar, %d entries' \
		$(($(stat -c %s "$w/layer.tar.gz") >> 20)) $((unpacked >> 20)) "$entries"
}
