#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the arm64 guest's initramfs (Debian's arm64 kernel has its disk drivers and
# ext4 as modules, so everything comes in the initramfs).  pivot_root cannot leave the
# initial rootfs, so the tree is copied to a tmpfs first and switch_root runs this again
# there; then it mounts what the smoke suite needs, loads veth, runs the suite between
# markers on the console, and powers off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /new
/bin/busybox --install -s /bin
if [ "$$" = 1 ] && [ ! -e /.switched ]; then
	mount -t proc proc /proc
	mount -t tmpfs -o size=1200m,mode=755 tmpfs /new
	for f in /*; do
		case $f in /new | /proc) ;; *) cp -a "$f" /new/ ;; esac
	done
	touch /new/.switched
	umount /proc
	exec switch_root /new /init
fi
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "+memory +pids +cpu" >/sys/fs/cgroup/cgroup.subtree_control
insmod /rtr/veth.ko
ip link set lo up
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
echo "@@RTR-TAP-BEGIN@@"
sh /rtr/smoke.sh 2>&1
echo "@@RTR-TAP-END@@"
sync
poweroff -f
