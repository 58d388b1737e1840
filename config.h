/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Compile-time defaults of rtr, one place to change them (suckless style).  Primitive
 * values only; the unit is in the name or the comment.  Precedence at run time:
 * command line > bundle > these.
 */

/* cgroup parent under the cgroup root (and under a delegated systemd unit's cgroup). */
#define RTR_CGROUP_PARENT "rtr"
/* Seconds between the stop signal and SIGKILL. */
#define RTR_STOP_TIMEOUT_S 10
/* Signal sent on stop when the image names none. */
#define RTR_STOP_SIGNAL_DEFAULT "SIGTERM"
/* CFS period for --cpus, in microseconds (docker's). */
#define RTR_CPU_PERIOD_US 100000
/* Highest CPU / memory node number --cpu-list and --cpu-mems take, plus one. */
#define RTR_CPULIST_BITS 1024
/* Largest config.json accepted, bytes. */
#define RTR_CONFIG_MAX_BYTES (4 * 1024 * 1024)
/* Smallest memory limit, bytes, and how messages write it: below it not even a static
 * busybox starts.  runc and crun pass any value to the kernel; Docker refuses < 6 MiB. */
#define RTR_MEMORY_MIN_BYTES (1024 * 1024)
#define RTR_MEMORY_MIN_TEXT "1 MiB"
/* Most of the container's /etc/passwd read to find HOME, bytes. */
#define RTR_PASSWD_MAX_BYTES (1024 * 1024)
/* Largest JSON nesting depth accepted in any input. */
#define RTR_JSON_MAX_DEPTH 64
/* Size of /dev, /dev/shm tmpfs when the spec does not say, bytes. */
#define RTR_DEV_TMPFS_BYTES (64 * 1024)
#define RTR_SHM_BYTES (64 * 1024 * 1024)
/* Health checks when neither option nor annotation says (Docker's): milliseconds between
 * checks and until a check is killed, failures in a row that make a container unhealthy. */
#define RTR_HEALTH_INTERVAL_MS 30000
#define RTR_HEALTH_TIMEOUT_MS 30000
#define RTR_HEALTH_RETRIES 3
/* Bytes of a health check's output kept (CG_XATTR_HEALTH, ps, stats). */
#define RTR_HEALTH_OUTPUT_MAX 256
/* Seconds a hook may run when the spec sets no timeout. */
#define RTR_HOOK_TIMEOUT_S 30
/* Longest container name. */
#define RTR_NAME_MAX 64
/* Symlinks followed in one path inside a rootfs by the walk without openat2 (kernel: 40). */
#define RTR_INROOT_MAX_SYMLINK_HOPS 40

/* ---- rtr-pull: registries (pull/http.c, pull/registry.c, pull/cache.c) ---- */
/* Registry used for references that name none (RouterOS's registry-url). */
#define RTR_REGISTRY_DEFAULT "docker.io"
/* Blob cache directory when --cache-dir is not given. */
#define RTR_CACHE_DIR "/var/cache/rtr"
/* Largest manifest, manifest list or index accepted, bytes. */
#define RTR_MANIFEST_MAX_BYTES (4 * 1024 * 1024)
/* Largest image config blob accepted, bytes. */
#define RTR_IMAGE_CONFIG_MAX_BYTES (8 * 1024 * 1024)
/* Largest token-server answer and auth file accepted, bytes. */
#define RTR_TOKEN_MAX_BYTES (256 * 1024)
/* Seconds to wait for a TCP/TLS connection. */
#define RTR_HTTP_CONNECT_TIMEOUT_S 15
/* A transfer slower than RTR_HTTP_LOW_SPEED_BPS for this many seconds is aborted. */
#define RTR_HTTP_LOW_SPEED_TIME_S 30
#define RTR_HTTP_LOW_SPEED_BPS 512
/* Retries after the first attempt on connection errors, timeouts, 429 and 5xx. */
#define RTR_HTTP_RETRIES 4
/* First retry delay, milliseconds; doubled on each further retry. */
#define RTR_HTTP_BACKOFF_MS 500
/* Longest Retry-After honoured, seconds. */
#define RTR_HTTP_RETRY_AFTER_MAX_S 30
/* Redirects followed per request. */
#define RTR_HTTP_MAX_REDIRECTS 8
/* Bytes of an error response body kept for the message. */
#define RTR_HTTP_ERROR_BODY_MAX 4096
/* Exit status of `rtr-pull --check` when the registry has a newer image. */
#define RTR_PULL_EXIT_NEWER 10

/* ---- rtr-pull: unpacking (pull/tar.c, pull/unpack.c, pull/layer.c) ---- */
/* Most file content bytes unpacked from one image (all layers), bytes. */
#define RTR_PULL_MAX_UNPACKED_BYTES (16ULL * 1024 * 1024 * 1024)
/* Most tar entries in one image (all layers). */
#define RTR_PULL_MAX_ENTRIES 1000000
/* Longest path or link target of a tar entry, bytes. */
#define RTR_PULL_MAX_PATH 4096
/* Largest PAX extended header or GNU long name/link data, bytes. */
#define RTR_PULL_MAX_PAX_BYTES (1024 * 1024)
/* Most extended attributes on one entry. */
#define RTR_PULL_MAX_XATTRS 128
/* Largest manifest.json / index.json / config read from an archive, bytes. */
#define RTR_PULL_MAX_ARCHIVE_JSON_BYTES (4 * 1024 * 1024)
/* Buffer of the streaming layer pipeline (read and inflate), bytes. */
#define RTR_PULL_BUF_BYTES (64 * 1024)

/* ---- rtr-run: network (runner/net.c) ---- */
/* Most --address, --host-address and --dns values each (RouterOS takes one or two). */
#define RTR_NET_ADDR_MAX 16
/* Most --add-host and --dns-search entries each. */
#define RTR_NET_LIST_MAX 256
/* Container end's name when --veth-peer is not given. */
#define RTR_NET_PEER_DEFAULT "eth0"
/* Host end's name when --veth is not given: this prefix + the container name, cut to 15. */
#define RTR_NET_VETH_PREFIX "veth-"
/* Size of the per-run tmpfs holding the container's resolv.conf and hosts, bytes. */
#define RTR_NET_FILES_BYTES (64 * 1024)

/* ---- rtr-run: security (runner/security.c, runner/lib/profile.c) ---- */
/* --userns auto without a "root" line in /etc/subuid: first host uid/gid of the range. */
#define RTR_USERNS_AUTO_HOSTID 100000
/* --userns auto: ids mapped (container 0..N-1), at most this many from /etc/subuid. */
#define RTR_USERNS_AUTO_SIZE 65536
