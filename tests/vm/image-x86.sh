#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# image-x86.sh CACHE: prints the directory holding root.img (ext4: a Debian 12
# debootstrap minbase with systemd as PID 1 and what the guest tests need) and vmlinuz
# (Debian's cloud kernel: ext4 and NVMe built in, so no initramfs), building them under
# CACHE/x86-<key> unless there.  The key hashes this file, so a changed package list or
# setup builds a new image.  The kernel package is downloaded and unpacked, never installed
# on the host; its modules are copied into the image and depmod runs in a chroot, so udev
# loads veth, bridge, overlay and the rest on demand.
# The image runs /usr/local/sbin/rtr-guest-start (from rtr-tests.service) once
# multi-user.target is reached: it mounts the disk labelled rtrdata at /mnt/rtr and runs
# /mnt/rtr/run.sh; the machine powers off when that ends.
set -euo pipefail
cache=$1
mirror=${RTR_VM_MIRROR:-http://deb.debian.org/debian}
pkgs=systemd,systemd-sysv,udev,dbus,iproute2,kmod,util-linux,busybox-static,bash,jq,procps
pkgs+=,libseccomp2,libcap2,libyajl2,zlib1g,libcurl4,libssl3,nftables,e2fsprogs
key=$( (
	echo "$pkgs $mirror"
	cat "$0"
) | sha256sum | cut -c1-16)
out=$cache/x86-$key
if [[ -f $out/root.img && -f $out/vmlinuz ]]; then
	echo "$out"
	exit 0
fi
tmp=$cache/.x86-$key.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
{
	cd "$tmp"
	kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	apt-get download -q "$kpkg"
	dpkg-deb -x "$kpkg"_*.deb kernel
	kver=${kpkg#linux-image-}
	debootstrap --variant=minbase --include="$pkgs" bookworm root "$mirror"
	mkdir -p root/lib/modules
	cp -a "kernel/lib/modules/$kver" root/lib/modules/
	chroot root depmod "$kver"
	cp "kernel/boot/vmlinuz-$kver" vmlinuz
	echo rtr-vm >root/etc/hostname
	echo "LABEL=rtrroot / ext4 defaults 0 1" >root/etc/fstab
	passwd -R "$tmp/root" -d root >/dev/null
	mkdir -p root/mnt/rtr
	cat >root/usr/local/sbin/rtr-guest-start <<'SH'
#!/bin/sh
# Runs the tests the host put on the disk labelled rtrdata; their TAP goes back on it.
set -e
udevadm settle -t 30 || true
mount -o noatime LABEL=rtrdata /mnt/rtr
/bin/bash /mnt/rtr/run.sh >/mnt/rtr/console.log 2>&1 || echo "run.sh exited $?" >>/mnt/rtr/console.log
sync
umount /mnt/rtr
SH
	chmod 755 root/usr/local/sbin/rtr-guest-start
	cat >root/etc/systemd/system/rtr-tests.service <<'UNIT'
[Unit]
Description=rtr guest tests
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/rtr-guest-start
StandardOutput=journal+console
[Install]
WantedBy=multi-user.target
UNIT
	chroot root systemctl enable rtr-tests.service >/dev/null 2>&1
	# Nothing waits on a network or a login prompt in the test machine.
	chroot root systemctl mask getty@tty1.service serial-getty@ttyS0.service \
		systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
		>/dev/null 2>&1 || true
	rm -rf root/var/cache/apt/archives/*.deb root/var/lib/apt/lists/*
	mkfs.ext4 -q -L rtrroot -d root root.img 1200M
} >&2
mkdir -p "$out"
mv "$tmp/root.img" "$tmp/vmlinuz" "$out/"
rm -rf "$tmp"
echo "$out"
