/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The OCI runtime configuration as plain C.  spec.c fills these from config.json (and is
 * the only runner file that sees yajl); everything else reads them.  Conventions:
 *   - arrays are a pointer plus n_<name>; strings are NULL when absent;
 *   - optional scalars carry a `bool <name>_set` beside them;
 *   - rtr extensions with no OCI field (network, dns, logging, stop signal, ...) live in
 *     `struct rtr_ext`, typed: settings.c parses `org.rtr.*` annotations and the command
 *     line into them, one parse function per setting for both sources.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "lib/addr.h"
#include "lib/log.h"

struct rtr_kv {
	char *key;
	char *value;
};

struct rtr_rlimit {
	int resource; /* RLIMIT_* resolved at parse time */
	char *type;   /* "RLIMIT_NOFILE" as written */
	uint64_t soft, hard;
};

struct rtr_caps {
	/* Capability numbers (CAP_*), resolved from caps-names.h at parse time. */
	int *bounding, *effective, *inheritable, *permitted, *ambient;
	size_t n_bounding, n_effective, n_inheritable, n_permitted, n_ambient;
};

struct rtr_user {
	uint32_t uid, gid;
	bool umask_set;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only in OCI; kept for completeness */
};

struct rtr_process {
	bool terminal;
	bool console_size_set;
	unsigned console_height, console_width;
	struct rtr_user user;
	char **args; /* NULL-terminated */
	char **env;  /* NULL-terminated, "K=V" */
	char *cwd;
	struct rtr_caps caps;
	bool caps_set; /* "capabilities" present at all */
	struct rtr_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	char *selinux_label;
	bool oom_score_adj_set;
	int oom_score_adj;
	bool io_priority_set;
	int io_priority_class, io_priority_level;
};

struct rtr_mount {
	char *destination;
	char *type;
	char *source;
	char **options; /* as written */
	/* Derived from options at parse time: */
	unsigned long flags;	   /* MS_* set */
	unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid", ...) */
	unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (+MS_REC) */
	char *data;		   /* remaining options joined with ',' for mount(2) data */
	bool bind;		   /* "bind" or "rbind" option, or type "bind" */
	struct rtr_idmap *uid_mappings, *gid_mappings; /* idmapped mounts */
	size_t n_uid_mappings, n_gid_mappings;
	bool idmap;	      /* "idmap" or "ridmap" option (mappings idmap without it too) */
	bool idmap_recursive; /* "ridmap": submounts of an rbind idmapped too */
};

struct rtr_hook {
	char *path;
	char **args;
	char **env;
	bool timeout_set;
	int timeout_s;
};

enum rtr_hook_kind {
	RTR_HOOK_PRESTART,
	RTR_HOOK_CREATE_RUNTIME,
	RTR_HOOK_CREATE_CONTAINER,
	RTR_HOOK_START_CONTAINER,
	RTR_HOOK_POSTSTART,
	RTR_HOOK_POSTSTOP,
	_RTR_HOOK_MAX,
};

enum rtr_ns_type {
	RTR_NS_PID,
	RTR_NS_NET,
	RTR_NS_MNT,
	RTR_NS_IPC,
	RTR_NS_UTS,
	RTR_NS_USER,
	RTR_NS_CGROUP,
	RTR_NS_TIME,
	_RTR_NS_MAX,
};

struct rtr_namespace {
	bool enabled; /* listed in linux.namespaces */
	char *path;   /* join instead of create */
};

struct rtr_idmap {
	uint32_t container_id, host_id, size;
};

struct rtr_device {
	char *path;
	char type; /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool file_mode_set;
	uint32_t file_mode;
	bool uid_set, gid_set;
	uint32_t uid, gid;
};

struct rtr_device_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1 = wildcard */
	char access[4];	      /* subset of "rwm" */
};

struct rtr_throttle {
	int64_t major, minor;
	uint64_t rate;
};

struct rtr_weight_device {
	int64_t major, minor;
	bool weight_set, leaf_weight_set;
	uint16_t weight, leaf_weight;
};

struct rtr_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct rtr_resources {
	struct rtr_device_rule *devices;
	size_t n_devices;

	struct {
		bool limit_set, reservation_set, swap_set, kernel_set, kernel_tcp_set;
		bool swappiness_set, disable_oom_killer_set, use_hierarchy_set,
		    check_before_update_set;
		int64_t limit, reservation, swap, kernel, kernel_tcp; /* -1 = unlimited */
		uint64_t swappiness;
		bool disable_oom_killer, use_hierarchy, check_before_update;
	} memory;

	struct {
		bool shares_set, quota_set, burst_set, period_set, realtime_runtime_set,
		    realtime_period_set, idle_set;
		uint64_t shares, burst, period, realtime_period;
		int64_t quota, realtime_runtime, idle;
		char *cpus, *mems;
	} cpu;

	struct {
		bool limit_set;
		int64_t limit; /* <= 0 = unlimited */
	} pids;

	struct {
		bool weight_set, leaf_weight_set;
		uint16_t weight, leaf_weight;
		struct rtr_weight_device *weight_device;
		size_t n_weight_device;
		struct rtr_throttle *read_bps, *write_bps, *read_iops, *write_iops;
		size_t n_read_bps, n_write_bps, n_read_iops, n_write_iops;
	} block_io;

	struct rtr_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;

	struct rtr_kv *unified; /* cgroup v2 raw key/values */
	size_t n_unified;
};

struct rtr_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	int op; /* enum scmp_compare, resolved at parse time */
};

/* A rule's "includes" or "excludes" in Docker's and Podman's profile format (not OCI),
 * typed once by the parser; seccomp-cond.c evaluates it as Docker does, against the
 * container's final bounding set, the architecture and the running kernel. */
struct rtr_seccomp_cond {
	uint64_t caps;	     /* bit N = capability N */
	bool unknown_cap;    /* names a capability this system does not know (never held) */
	char **arches;	     /* Go architecture names ("amd64"), NULL-terminated; NULL = none */
	uint32_t min_kernel; /* (major << 16) | minor; 0 = none */
};

struct rtr_seccomp_syscall {
	char **names;	 /* NULL-terminated */
	uint32_t action; /* SCMP_ACT_* base, resolved at parse time */
	bool errno_ret_set;
	uint32_t errno_ret;
	struct rtr_seccomp_arg *args;
	size_t n_args;
	struct rtr_seccomp_cond includes, excludes;
};

struct rtr_seccomp {
	uint32_t default_action;
	bool default_errno_ret_set;
	uint32_t default_errno_ret;
	char **architectures; /* "SCMP_ARCH_X86_64", NULL-terminated */
	char **flags;	      /* "SECCOMP_FILTER_FLAG_LOG", NULL-terminated */
	char *listener_path;
	char *listener_metadata;
	struct rtr_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct rtr_linux {
	struct rtr_namespace ns[_RTR_NS_MAX];
	bool namespaces_set;
	struct rtr_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct rtr_device *devices;
	size_t n_devices;
	bool resources_set;
	struct rtr_resources resources;
	char *cgroups_path;
	struct rtr_kv *sysctl;
	size_t n_sysctl;
	struct rtr_seccomp *seccomp; /* NULL = none in the bundle */
	char *rootfs_propagation;
	unsigned long rootfs_propagation_flags; /* MS_* resolved at parse time, 0 = default */
	char **masked_paths;			/* NULL = absent (default applies), empty = none */
	char **readonly_paths;			/* same */
	bool masked_paths_set, readonly_paths_set;
	char *mount_label;
	bool personality_set;
	char *personality_domain; /* "LINUX" or "LINUX32" */
};

enum rtr_net_mode {
	RTR_NET_UNSET, /* derived after the merge from linux.namespaces (settings.c) */
	RTR_NET_NONE,
	RTR_NET_VETH,
	RTR_NET_HOST,
	RTR_NET_JOIN, /* join the namespace at join_path */
};

struct rtr_host_entry {
	char *name;
	struct rtr_addr addr;
};

/* The container's network (net.c applies it), every value parsed and checked. */
struct rtr_net_spec {
	enum rtr_net_mode mode;
	char *join_path; /* RTR_NET_JOIN */
	char *veth;	 /* host end (checked); NULL = RTR_NET_VETH_PREFIX + name */
	char *veth_peer; /* container end (checked); NULL = RTR_NET_PEER_DEFAULT */
	char *bridge;	 /* interface name (checked) */
	struct rtr_addr addrs[RTR_NET_ADDR_MAX], host_addrs[RTR_NET_ADDR_MAX]; /* with prefix */
	size_t n_addrs, n_host_addrs;
	bool gw_set, gw6_set;
	struct rtr_addr gw, gw6; /* inside the subnet of an address (or IPv6 link-local) */
	bool mac_set;
	uint8_t mac[6]; /* unicast, not zero */
	uint32_t mtu;	/* 0 = kernel default, else 68..65535 */
	struct rtr_addr dns[RTR_NET_ADDR_MAX];
	size_t n_dns;
	char **dns_search; /* domain names, NULL-terminated, NULL = none */
	struct rtr_host_entry *add_hosts;
	size_t n_add_hosts;
};

/* --restart: what ends a run and starts the next one (container.c). */
enum rtr_restart_policy {
	RTR_RESTART_NO,
	RTR_RESTART_ON_FAILURE, /* a non-zero exit, a signal, an OOM kill, unhealthy */
	RTR_RESTART_ALWAYS,
	RTR_RESTART_UNLESS_STOPPED, /* without a daemon: always (a stop never restarts) */
};

struct rtr_restart {
	enum rtr_restart_policy policy;
	unsigned max;	   /* on-failure:MAX, 0 = no limit */
	unsigned delay_ms; /* first delay; doubled per restart up to RTR_RESTART_DELAY_MAX_MS */
	bool delay_set;	   /* else RTR_RESTART_DELAY_MS after the merge */
};

/* --notify: who says READY=1 to $NOTIFY_SOCKET (notify.c). */
enum rtr_notify {
	RTR_NOTIFY_RUNTIME,   /* rtr-run, once the entrypoint is executed */
	RTR_NOTIFY_CONTAINER, /* the container, through a socket of its own, relayed */
};

/* The root as an overlay (overlay.c): a store bundle's layers and --rm. */
struct rtr_rootfs_layers {
	char *store;	  /* org.rtr.rootfs.store: absolute; NULL = a flat bundle */
	char **layers;	  /* org.rtr.rootfs.layers: sha256 hex ids, BASE FIRST, NULL-terminated;
			   * each STORE/layers/<hex> existed when settings_finish() checked */
	size_t n_layers;  /* 1..RTR_STORE_LAYERS_MAX with a store, else 0 */
	bool ephemeral;	  /* --rm: changes go to a tmpfs upper that vanishes at exit */
	uint64_t rm_size; /* bytes of that tmpfs; RTR_RM_SIZE_BYTES after the merge */
};

/* Health check (--health-*, org.rtr.health-*); cmd NULL = none.  Durations in ms. */
enum rtr_health_action { RTR_HEALTH_NONE, RTR_HEALTH_STOP, RTR_HEALTH_RESTART };
struct rtr_health {
	char **cmd;		  /* argv run in the container as exec runs it */
	uint64_t interval_ms;	  /* between the end of a check and the next start */
	uint64_t timeout_ms;	  /* a check still running then is killed (its whole tree) */
	uint64_t start_period_ms; /* failures in this time after start do not count */
	unsigned retries;	  /* consecutive failures that make the container unhealthy */
	enum rtr_health_action on_unhealthy;
};

/*
 * rtr extensions: no OCI field.  settings.c fills them once, from org.rtr.* annotations
 * while config.json is parsed, then from the command line (command line > bundle >
 * config.h); after settings_finish() every field is final and typed.
 */
struct rtr_ext {
	struct rtr_net_spec net;
	/* supervision */
	int stop_signal;	 /* signal number; RTR_STOP_SIGNAL_DEFAULT after the merge */
	unsigned stop_timeout_s; /* RTR_STOP_TIMEOUT_S (or $RTR_STOP_TIMEOUT_S) after the merge */
	bool stop_timeout_set;	 /* given by annotation or option */
	char *log_path;		 /* container output also written here (absolute); NULL = none */
	uint64_t log_max_size;	 /* bytes; the file is rotated before it passes this; 0 = never */
	unsigned log_max_files;	 /* files kept, FILE included (FILE, FILE.1, ...); >= 1 */
	bool log_timestamps;	 /* each line in the file starts with an RFC 3339 UTC time */
	bool log_only;		 /* output goes to the file only, not to rtr-run's stdout/stderr */
	struct rtr_restart restart; /* --restart, --restart-delay, org.rtr.restart */
	enum rtr_notify notify;	    /* --notify */
	bool init;		    /* --init reaper as PID 1 */
	const char *seccomp_origin; /* static: "bundle", "default", "file"; NULL = no filter */
	/* health checks; the config.h defaults filled in by the merge */
	struct rtr_health health;
	/* cgroup (cgroup*.c) */
	bool memory_high_set;
	uint64_t memory_high; /* cgroup v2 memory.high in bytes; UINT64_MAX = "max" */
	char *cgroup_parent;  /* normalized relative path ("a/b"), NULL = RTR_CGROUP_PARENT */
	struct rtr_rootfs_layers rootfs;
	/* Where each setting came from (settings.c's enum src, by table index), so the
	 * checks that combine settings name the option or the annotation. */
	unsigned char src[64];
};

struct rtr_spec {
	char *oci_version;
	char *root_path; /* as written, relative to the bundle or absolute */
	bool root_readonly;
	char *hostname;
	char *domainname;
	bool process_set;
	struct rtr_process process;
	struct rtr_mount *mounts;
	size_t n_mounts;
	struct rtr_hook *hooks[_RTR_HOOK_MAX];
	size_t n_hooks[_RTR_HOOK_MAX];
	struct rtr_kv *annotations;
	size_t n_annotations;
	bool linux_set;
	struct rtr_linux lx; /* "linux" (a predefined macro in GNU C) */
	struct rtr_ext ext;
	/* JSON paths of OCI settings present in config.json that rtr does not implement
	 * (".linux.intelRdt", ".mounts[3].options[2]" for tmpcopyup, ...), NULL-terminated
	 * or NULL; main() warns about each, so nothing is dropped silently. */
	char **unsupported;
};

/*
 * Parse and validate a config.json buffer.  On error returns -EINVAL (or -ENOMEM) and
 * fills @err with "JSON-PATH: reason", e.g. ".process.args[1]: expected a string".
 */
int spec_parse(const char *buf, size_t len, struct rtr_spec **ret, struct rtr_err *err);
/* Read BUNDLE/config.json (size limit from config.h) and parse it.  Like every error of
 * the parser, the message does not name the file: the caller adds "config.json: " with
 * rtr_err_prefix(). */
int spec_load(int bundle_dirfd, struct rtr_spec **ret, struct rtr_err *err);
void spec_free(struct rtr_spec *s);
/* Parse one linux.seccomp object (e.g. a Docker seccomp profile file for --seccomp FILE);
 * errors name the JSON path inside that object. */
int spec_parse_seccomp(const char *buf, size_t len, struct rtr_seccomp **ret, struct rtr_err *err);

/* Frees the five capability arrays and zeroes @k. */
void spec_caps_free(struct rtr_caps *k);

/* Namespace helpers: names as in OCI ("pid", "network", ...), CLONE_* flags. */
const char *spec_ns_name(enum rtr_ns_type t);
int spec_ns_clone_flag(enum rtr_ns_type t);
/* Hook names as in OCI ("prestart", ...). */
const char *spec_hook_name(enum rtr_hook_kind k);
