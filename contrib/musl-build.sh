#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Static musl build of rtr-run and rtr-pull, for routers whose libc is musl.
#
#   contrib/musl-build.sh [BUILDDIR]       (root: installs musl-tools, adds a deb-src entry)
#
# The libraries come from Debian's source packages (apt-get source, Debian's patches
# applied) and are built with musl-gcc, static, with only what rtr uses: zlib, libseccomp,
# yajl, OpenSSL (libcrypto + libssl, a few algorithms, TLS only) and libcurl (http
# and https only, no other dependency).  They are cached outside the source tree, in
# RTR_MUSL_CACHE (default /var/cache/rtr-musl), one stamp per source version, so a second
# run only builds rtr.  BUILDDIR (default ./build-musl) is a meson release build; the
# binaries are BUILDDIR/rtr-run and BUILDDIR/pull/rtr-pull, static-pie.
# RTR_MUSL_JOBS (default 2) is the make -j.  Each step's time is printed.
set -Eeuo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$src/build-musl}")
cache=${RTR_MUSL_CACHE:-/var/cache/rtr-musl}
jobs=${RTR_MUSL_JOBS:-2}
root=$cache/root # the static libraries and their headers
kh=$cache/kernel-headers
log=$cache/build.log # the tools' output
export CC=musl-gcc
# Hardening as in the glibc release build; -fPIE so that the binaries can be static-pie.
export CFLAGS="-Os -fPIE -fstack-protector-strong -D_FORTIFY_SOURCE=2 -ffunction-sections -fdata-sections -isystem $kh"
export PKG_CONFIG_LIBDIR=$root/lib/pkgconfig PKG_CONFIG_PATH=
t0=$SECONDS
mkdir -p "$cache"
trap '(( BASH_SUBSHELL )) || echo "contrib/musl-build.sh: failed; the end of $log:" >&2; (( BASH_SUBSHELL )) || tail -25 "$log" >&2' ERR

step() { printf '# %-12s %4ds  %s\n' "$1" $((SECONDS - ${2:-$t0})) "${3:-}"; }

setup_host() {
	export DEBIAN_FRONTEND=noninteractive
	command -v musl-gcc >/dev/null && command -v dpkg-source >/dev/null && command -v make >/dev/null &&
		command -v gperf >/dev/null ||
		apt-get install -y --no-install-recommends musl-tools dpkg-dev make gperf >>"$log" 2>&1
	# apt-get source needs deb-src lines: the binary entries' mirrors, as sources.
	if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>/etc/apt/sources.list.d/rtr-deb-src.sources
		apt-get update >>"$log" 2>&1
	fi
	# musl-gcc sees only musl's headers: the kernel's uapi headers (linux/, asm/) from the
	# host, which do not depend on the libc.
	mkdir -p "$kh" "$root/lib/pkgconfig" "$root/include" "$cache/src"
	local d
	for d in linux asm-generic; do ln -sfn "/usr/include/$d" "$kh/$d"; done
	ln -sfn "/usr/include/$(gcc -dumpmachine)/asm" "$kh/asm"
}

# fetch PKG: unpack Debian's source of PKG once; prints its directory.  The newest version
# the index lists first; a mirror may lack it (a security update not synced yet), then the
# next one.
fetch() {
	local v dir
	for v in $(apt-cache showsrc "$1" | awk '/^Version:/ { print $2 }' | sort -Vru); do
		dir=$cache/src/$1-$(sed 's/^[0-9]*://; s/-[^-]*$//' <<<"$v")
		[[ -d $dir ]] && break
		(cd "$cache/src" && apt-get source -qq "$1=$v" >>"$log" 2>&1) && break
	done
	[[ -d $dir ]] || { echo "apt-get source $1 failed" >&2; return 1; }
	echo "$dir"
}

# lib NAME PKG: library NAME from Debian's source package PKG, built into $root by
# recipe_NAME (run in the unpacked source, its output to $log) once per source version and
# recipe: the stamp hashes the recipe's text, so a changed recipe builds again.
lib() {
	local d t=$SECONDS stamp
	d=$(fetch "$2")
	stamp=$root/.stamp-$(basename "$d")-$(declare -f "recipe_$1" | md5sum | cut -c1-8)
	[[ -e $stamp ]] && return
	(
		cd "$d" || exit
		"recipe_$1" "$d"
	) >>"$log" 2>&1
	touch "$stamp"
	step "$1" "$t" "$(basename "$d")"
}

recipe_zlib() {
	./configure --static --prefix="$root"
	make -j"$jobs" libz.a
	make install
}

recipe_libseccomp() {
	./configure --host=x86_64-linux-musl --prefix="$root" --disable-shared --enable-static \
		--disable-python
	make -j"$jobs" -C src
	make -C src install
	make -C include install
	install -m 644 libseccomp.pc "$root/lib/pkgconfig/"
}

# yajl builds with cmake; its seven files need no build system.
recipe_yajl() {
	local f
	mkdir -p "$root/include/yajl" "$cache/obj-yajl"
	cp src/api/yajl_common.h src/api/yajl_gen.h src/api/yajl_parse.h src/api/yajl_tree.h \
		"$root/include/yajl/"
	sed -e 's/\${YAJL_MAJOR}/2/; s/\${YAJL_MINOR}/1/; s/\${YAJL_MICRO}/0/' \
		src/api/yajl_version.h.cmake >"$root/include/yajl/yajl_version.h"
	for f in src/*.c; do
		musl-gcc $CFLAGS -I"$root/include" -c "$f" -o "$cache/obj-yajl/$(basename "$f" .c).o"
	done
	rm -f "$root/lib/libyajl.a"
	ar rcs "$root/lib/libyajl.a" "$cache"/obj-yajl/*.o
	printf 'prefix=%s\nName: yajl\nDescription: yajl\nVersion: 2.1.0\nCflags: -I${prefix}/include\nLibs: -L${prefix}/lib -lyajl\n' \
		"$root" >"$root/lib/pkgconfig/yajl.pc"
}

# TLS 1.2/1.3 client and SHA-256 are all rtr-pull needs: everything else is left out
# (no-async: musl has no ucontext; no-afalgeng/no-engine/no-dso: no loadable code).
recipe_openssl() {
	./Configure linux-x86_64 --prefix="$root" --libdir=lib --openssldir=/etc/ssl \
		no-shared no-tests no-async no-afalgeng no-engine no-dso no-comp no-legacy no-module \
		no-ui-console no-srp no-cms no-ts no-ocsp no-ct no-rfc3779 no-sctp no-srtp \
		no-ssl3 no-dtls no-nextprotoneg no-psk no-weak-ssl-ciphers \
		no-md2 no-md4 no-mdc2 no-rc2 no-rc4 no-rc5 no-idea no-seed no-bf no-cast \
		no-camellia no-aria no-sm2 no-sm3 no-sm4 no-whirlpool no-rmd160 no-des no-siphash \
		no-scrypt no-ocb no-gost no-ec2m no-dsa no-cmac no-blake2 no-siv
	make -j"$jobs" build_libs
	make install_dev
}

recipe_curl() {
	./configure --host=x86_64-linux-musl --prefix="$root" --disable-shared \
		--enable-static --with-openssl="$root" --without-zlib --without-brotli \
		--without-zstd --without-nghttp2 --without-libidn2 --without-libpsl \
		--without-librtmp --without-libssh2 --without-libgsasl --disable-ldap \
		--disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
		--disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher \
		--disable-mqtt --disable-ftp --disable-file --disable-manual --disable-ntlm \
		--disable-ntlm-wb --disable-cookies --disable-doh --disable-mime --disable-alt-svc \
		--disable-hsts --disable-unix-sockets --disable-docs \
		--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs
	make -j"$jobs" -C lib
	make -C lib install
	make -C include install
	make install-pkgconfigDATA
}

# Debian's musl-gcc.specs knows no -static-pie (it links the dynamic loader): a copy that
# starts from rcrt1.o and links static-pie, and a musl-gcc that uses it.
static_pie_cc() {
	local spec=/usr/lib/$(gcc -dumpmachine | sed 's/-gnu/-musl/')/musl-gcc.specs
	local lib
	lib=$(dirname "$spec")
	mkdir -p "$cache/bin"
	sed -e "s|%{!shared: $lib/Scrt1.o}|%{!shared:%{static-pie:$lib/rcrt1.o;:$lib/Scrt1.o}}|" \
		-e "s|^-dynamic-linker \([^ ]*\)|%{static-pie:-static -pie --no-dynamic-linker -z text;:-dynamic-linker \1}|" \
		"$spec" >"$cache/musl-static-pie.specs"
	printf '#!/bin/sh\nexec gcc "$@" -specs "%s"\n' "$cache/musl-static-pie.specs" \
		>"$cache/bin/musl-gcc"
	chmod +x "$cache/bin/musl-gcc"
}

setup_host
static_pie_cc
step setup
lib zlib zlib
lib libseccomp libseccomp
lib yajl yajl
lib openssl openssl
lib curl curl
step libraries
t=$SECONDS
rm -rf "$out"
# prefer_static: pkg-config --static, so libcurl brings libssl, libcrypto and libpthread.
CC=$cache/bin/musl-gcc meson setup "$out" "$src" --buildtype=release -Dprefer_static=true -Dcurl_dlopen=false -Dseccomp_dlopen=false \
	-Dc_args="-isystem $kh" -Dc_link_args="-static-pie" >>"$log" 2>&1
ninja -C "$out" -j"$jobs" rtr-run pull/rtr-pull >>"$log" 2>&1
step rtr "$t"
ls -l "$out/rtr-run" "$out/pull/rtr-pull"
