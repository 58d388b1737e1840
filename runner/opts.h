/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Command line of `rtr-run [OPTIONS] BUNDLE [-- CMD ARGS...]`, parsed by options.c with
 * getopt_long into plain fields.  Values stay strings here; they are parsed once, in
 * the merge step before anything is created (settings.c, core_apply_options() and the
 * security modules' *_apply_options()), into typed fields of struct rtr_spec (command
 * line > bundle > config.h).  Nothing after that step sees this struct.  Repeatable
 * options are NULL-terminated string vectors in command-line order.
 */

#include <stdbool.h>

#include "lib/log.h"
#include "spec.h"

struct rtr_opts {
	char *bundle;
	char **cmd; /* after "--"; NULL = keep process.args (minus the entrypoint part) */
	int verbose;
	bool quiet; /* warnings off */

	/* core (options.c) */
	char *name;
	char *hostname;
	char **env;	 /* K=V */
	char **env_file; /* files of K=V lines */
	char **mounts;	 /* SRC:DST[:ro] */
	char *workdir;
	char *entrypoint;
	char *user; /* UID[:GID] */
	bool read_only;
	bool init;
	char *log_file;
	char *log_max_size;
	char *log_max_files;
	bool log_timestamps;
	bool log_only;
	char *stop_signal;
	char *stop_timeout;
	char *restart;	     /* no|always|unless-stopped|on-failure[:MAX] */
	char *restart_delay; /* first back-off delay */
	char *notify;	     /* runtime|container */
	/* health checks (settings.c; run by health.c from the supervisor) */
	char *health_cmd; /* "CMD" (/bin/sh -c) or a JSON argv */
	char *health_interval;
	char *health_timeout;
	char *health_retries;
	char *health_start_period;
	char *health_on_unhealthy;
	char **ulimits; /* nofile=SOFT[:HARD] */
	char *shm_size;
	bool rm; /* --rm, --ephemeral */
	char *rm_size;
	/* annotations only (org.rtr.rootfs.*: what rtr-pull --store writes), no option */
	char *rootfs_store;
	char **rootfs_layers;

	/* security (caps.c, seccomp.c, userns, devices) */
	char **cap_add;
	char **cap_drop;
	char *seccomp; /* FILE | "default" | "unconfined" */
	bool no_new_privileges;
	char *userns; /* HOSTUID:COUNT | "auto" */
	bool privileged;
	char **devices; /* HOST[:CONTAINER][:rwm] */
	bool print_default_seccomp;

	/* cgroup limits (cgroup.c) */
	char *memory;
	char *memory_high;
	char *memory_swap;
	char *memory_reservation;
	char *pids_limit;
	char *cpus;
	char *cpu_shares;
	char *cpu_list;
	char *cpu_mems;
	char *io_weight;
	char **device_read_bps; /* DEV:RATE */
	char **device_write_bps;
	char **device_read_iops;
	char **device_write_iops;
	char *cgroup_parent;

	/* network (net.c) */
	char *network; /* veth | none | host | ns:PATH */
	char *veth;
	char *veth_peer;
	char **addresses;
	char *gateway;
	char *gateway6;
	char *mac;
	char *mtu;
	char *bridge;
	char **host_addresses;
	char **dns;
	char **dns_search;
	char **add_hosts;
};

/* Parses argv.  Returns 0, or -EINVAL after printing one specific line;
 * 1 when the caller should exit 0 (--help, --version printed). */
int opts_parse(int argc, char **argv, struct rtr_opts *ret);
void opts_free(struct rtr_opts *o);

/* The long option name ("gateway") of the struct rtr_opts member at @offset: the option
 * table in options.c is the one list of options (settings.c names its sources by it). */
const char *opts_long_name(size_t offset);

/* Container name: --name or the bundle's basename, validated ([A-Za-z0-9][A-Za-z0-9_.-]*,
 * at most RTR_NAME_MAX). */
int opts_resolve_name(const struct rtr_opts *o, char **ret_name, struct rtr_err *err);
bool opts_name_valid(const char *name);
/* --name, --hostname, --env, --env-file, --mount, --workdir, --entrypoint, -- CMD,
 * --user, --read-only, --ulimit, --shm-size folded into the spec. */
int core_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
