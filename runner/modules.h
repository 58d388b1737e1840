/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The steps container.c and main.c call, one module each.  Every function follows the
 * error contract of lib/log.h: 0 or a negative errno, with @err naming input and cause.
 *
 * *_apply_options() fold the command line into the spec (command line > bundle >
 * config.h) before anything is created; they also read the module's org.rtr.*
 * annotations.  Child-side functions run in the container's namespaces after clone and
 * must not allocate more than they need.
 */

#include "container.h"

/* options.c: --name, --hostname, --env, --env-file, --mount, --workdir, --entrypoint,
 * -- CMD, --user, --read-only, --ulimit, --init, --log-file, --stop-*, --restart. */
int core_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);

/* mount.c (child): rootfs, config mounts, /dev; the new tree is then reachable at
 * c->rootfs.  net_setup_child and createContainer hooks run between the two. */
int mount_setup(const struct rtr_container *c, struct rtr_err *err);
/* mount.c (child): pivot_root into c->rootfs, root.readonly. */
int mount_pivot(const struct rtr_container *c, struct rtr_err *err);

/* hooks.c: run every hook of @kind with the state JSON on stdin. */
int hooks_run(const struct rtr_container *c, enum rtr_hook_kind kind, const char *status,
	      struct rtr_err *err);

/* security.c: --privileged, --no-new-privileges, --userns, --device, and the default
 * profile for bare bundles (caps, seccomp, masked and readonly paths). */
int security_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
/* parent: write uid_map/gid_map (setgroups deny) of the child. */
int security_write_idmaps(const struct rtr_container *c, struct rtr_err *err);
/* child, after pivot_root: maskedPaths and readonlyPaths. */
int security_apply_paths(const struct rtr_container *c, struct rtr_err *err);

/* caps.c (libcap) */
/* "CAP_NET_ADMIN" -> CAP_NET_ADMIN; -EINVAL for an unknown name.  Used by spec.c. */
int caps_from_name(const char *name, int *ret_cap);
int caps_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
int caps_prepare(struct rtr_container *c, struct rtr_err *err);
/* child, after setuid/setgid: all five sets; keeps what exec needs. */
int caps_apply(const struct rtr_container *c, struct rtr_err *err);
void caps_free(struct rtr_container *c);

/* seccomp.c (libseccomp): the filter is compiled before clone and loaded last.
 * Prefixed filter_ because libseccomp owns seccomp_. */
/* Name resolution for spec.c; -EINVAL for an unknown name. */
int filter_action_from_name(const char *name, uint32_t *ret_action); /* SCMP_ACT_* base */
int filter_op_from_name(const char *name, int *ret_op);              /* SCMP_CMP_* */
int filter_arch_from_name(const char *name, uint32_t *ret_arch);     /* SCMP_ARCH_* */
bool filter_syscall_known(const char *name);
int filter_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
int filter_prepare(struct rtr_container *c, struct rtr_err *err);
int filter_load(const struct rtr_container *c, struct rtr_err *err);
void filter_free(struct rtr_container *c);
int filter_print_default(void); /* --print-default-seccomp */

/* cgroup.c: v1, v2 and hybrid hosts. */
int cgroup_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
/* before clone: resolve the path, refuse a running namesake, clean a stale one, create,
 * write limits. */
int cgroup_setup(struct rtr_container *c, struct rtr_err *err);
/* after clone, before the child is released. */
int cgroup_enter(struct rtr_container *c, pid_t pid, struct rtr_err *err);
/* after the container's init is reaped: true when the kernel OOM-killed in it; fills a
 * human description of the limit ("limit 64.0 MiB"). */
bool cgroup_oom_killed(struct rtr_container *c, char *limit_desc, size_t n);
/* kill what is left, remove the directories.  Safe to call twice and on NULL state. */
void cgroup_destroy(struct rtr_container *c);

/* net.c (rtnetlink) */
int net_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
/* before clone: validate addresses, check the bridge exists and the veth name is free. */
int net_prepare(struct rtr_container *c, struct rtr_err *err);
/* parent, after clone: veth pair with the peer in the child's netns, addresses, routes. */
int net_setup_host(struct rtr_container *c, struct rtr_err *err);
/* child, before pivot_root: lo up, resolv.conf and hosts for the container. */
int net_setup_child(const struct rtr_container *c, struct rtr_err *err);
void net_teardown(struct rtr_container *c);

/* verbs.c: management verbs that find containers through the cgroup tree. */
int verb_main(const char *verb, int argc, char **argv); /* returns the exit code */
bool verb_known(const char *verb);
