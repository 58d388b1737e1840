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
/* --restart: the first delay before a restart when --restart-delay gives none, ms
 * (Docker's), and the longest delay the back-off doubles up to, ms. */
#define RTR_RESTART_DELAY_MS 100
#define RTR_RESTART_DELAY_MAX_MS (60 * 1000)
/* A run that lasted at least this long starts the back-off afresh, seconds. */
#define RTR_RESTART_RESET_S 10
/* --notify=container: the host directory of each container's notify socket (one
 * subdirectory per name), and where the container sees that directory. */
#define RTR_NOTIFY_DIR "/run/rtr/notify"
#define RTR_NOTIFY_CONTAINER_DIR "/run/notify"
/* Longest sd_notify datagram relayed from a container, bytes. */
#define RTR_NOTIFY_MAX_BYTES 4096
/* Most socket activation fds (LISTEN_FDS) passed into a container. */
#define RTR_LISTEN_FDS_MAX 64
/* Most files --log-max-files keeps (FILE, FILE.1, ... FILE.N-1). */
#define RTR_LOG_MAX_FILES 100
/* How long stop and kill wait for a container whose rtr-run is still creating it, ms. */
#define RTR_START_WAIT_MS 10000
/* Longest container name. */
#define RTR_NAME_MAX 64
/* rtr-run's run-time state on the host (a tmpfs: gone at reboot). */
#define RTR_RUN_DIR "/run/rtr"
/* Compiled seccomp programs by content (root only); emptied when it holds this many. */
#define RTR_SECCOMP_CACHE_DIR RTR_RUN_DIR "/seccomp"
#define RTR_SECCOMP_CACHE_MAX 64
/* The supervisor drops its startup pages after this long without an event (a container
 * that exits sooner never pays for it). */
#define RTR_SUPERVISOR_SHED_MS 50
/* Symlinks followed in one path inside a rootfs by the walk without openat2 (kernel: 40). */
#define RTR_INROOT_MAX_SYMLINK_HOPS 40

/* ---- rtr-pull: registries (pull/http.c, pull/registry.c, pull/cache.c) ---- */
/* Registry used for references that name none (RouterOS's registry-url). */
#define RTR_REGISTRY_DEFAULT "docker.io"
/* Blob cache directory when --cache-dir is not given. */
#define RTR_CACHE_DIR "/var/cache/rtr"
/* Layer store of --store when no DIR is given, and of ls / gc (pull/store.h). */
#define RTR_STORE_DIR "/var/lib/rtr/store"
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
/* Buffers between a layer's inflating thread and the one that hashes, untars and writes
 * (pull/ring.h), and their size in bytes: the memory of the overlap. */
#define RTR_PULL_RING_BUFS 4
#define RTR_PULL_RING_BUF_BYTES (32 * 1024)
/* libcurl, loaded by rtr-pull only for a registry source. */
#define RTR_LIBCURL_SONAME "libcurl.so.4"
/* Layers of a registry pull downloaded at a time (unpacking stays in order). */
#define RTR_PULL_PARALLEL_DOWNLOADS 3
/* Stack of each download thread and of a layer's unpacking thread, bytes (libcurl, TLS and
 * the unpacker need little). */
#define RTR_PULL_THREAD_STACK_BYTES (512 * 1024)

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

/* ---- rtr-run: store bundles and --rm (runner/overlay.c) ---- */
/* Most layers in org.rtr.rootfs.layers: overlayfs stacks at most 500 lower layers, and
 * --rm and --read-only put the bundle's upper/ on top of them. */
#define RTR_STORE_LAYERS_MAX 499
/* Size of the tmpfs that holds a --rm container's changes when --rm-size is not given,
 * bytes (tmpfs takes memory only for what is written). */
#define RTR_RM_SIZE_BYTES (256 * 1024 * 1024)

/* ---- rtr-run: security (runner/security.c, runner/lib/profile.c) ---- */
/* --userns auto without a "root" line in /etc/subuid: first host uid/gid of the range. */
#define RTR_USERNS_AUTO_HOSTID 100000
/* --userns auto: ids mapped (container 0..N-1), at most this many from /etc/subuid. */
#define RTR_USERNS_AUTO_SIZE 65536
