/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.sysctl (see sysctl.h for the rule).  The check runs in rtr-run before clone, on
 * the spec as the command line left it; the writes run in the container after
 * pivot_root, where /proc/sys shows the container's namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "sysctl.h"

/* Keys of the IPC namespace: System V message queues, semaphores, shared memory (and
 * their *_next_id), POSIX message queues. */
static const char *const ipc_prefixes[] = {"kernel.msg", "kernel.sem", "kernel.shm", "fs.mqueue."};

/* Docker's defaults in a new network namespace: any group may open ICMP echo sockets,
 * any user may bind ports below 1024.  Both only concern the container's own netns. */
static const struct {
	const char *key, *value;
} netns_defaults[] = {
    {"net.ipv4.ping_group_range", "0 2147483647"},
    {"net.ipv4.ip_unprivileged_port_start", "0"},
};

/* "net/ipv4/ip_forward" and "net.ipv4.ip_forward" name the same key. */
static void key_dotted(const char *k, char *buf, size_t n)
{
	snprintf(buf, n, "%s", k);
	for (char *c = buf; *c; c++)
		if (*c == '/')
			*c = '.';
}

static int key_namespace(const char *dotted)
{
	if (startswith(dotted, "net."))
		return RTR_NS_NET;
	for (size_t i = 0; i < ELEMENTSOF(ipc_prefixes); i++)
		if (startswith(dotted, ipc_prefixes[i]))
			return RTR_NS_IPC;
	if (streq(dotted, "kernel.hostname") || streq(dotted, "kernel.domainname"))
		return RTR_NS_UTS;
	return -1;
}

/* A namespace joined by path is the container's own unless it is rtr-run's (the host's,
 * for "path": "/proc/1/ns/net" or "/proc/self/ns/net").  A path that cannot be read is
 * left to the join, which reports it. */
static bool ns_owned(const struct rtr_namespace *ns, enum rtr_ns_type t)
{
	char self[64];
	struct stat a, b;

	if (!ns->enabled)
		return false;
	if (!ns->path)
		return true;
	snprintf(self, sizeof(self), "/proc/self/ns/%s",
		 t == RTR_NS_NET   ? "net"
		 : t == RTR_NS_IPC ? "ipc"
				   : "uts");
	if (stat(ns->path, &a) < 0 || stat(self, &b) < 0)
		return true;
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

int sysctl_check(const struct rtr_spec *s, struct rtr_err *err)
{
	for (size_t i = 0; i < s->lx.n_sysctl; i++) {
		const char *k = s->lx.sysctl[i].key;
		char dotted[PATH_MAX];
		int t;

		key_dotted(k, dotted, sizeof(dotted));
		t = key_namespace(dotted);
		if (t < 0)
			return rtr_err_set(
			    err, EPERM,
			    "linux.sysctl %s: not namespaced, it would change the "
			    "host (only net.*, IPC and UTS keys of the container's own "
			    "namespaces are allowed)",
			    k);
		if (!ns_owned(&s->lx.ns[t], t))
			return rtr_err_set(
			    err, EPERM,
			    "linux.sysctl %s: needs the container's own %s namespace, "
			    "it would change the host's",
			    k, spec_ns_name(t));
	}
	return 0;
}

static int write_one(const char *key, const char *value, struct rtr_err *err)
{
	char path[PATH_MAX];
	int n, r;

	n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
	if (n < 0 || (size_t)n >= sizeof(path))
		return rtr_err_set(err, ENAMETOOLONG, "sysctl %s: name too long", key);
	for (char *c = path + strlen("/proc/sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
	r = write_string_at(AT_FDCWD, path, value);
	if (r < 0)
		return rtr_err_sys(err, -r, "sysctl %s=%s", key, value);
	return 0;
}

static bool key_set(const struct rtr_spec *s, const char *dotted_key)
{
	char dotted[PATH_MAX];

	for (size_t i = 0; i < s->lx.n_sysctl; i++) {
		key_dotted(s->lx.sysctl[i].key, dotted, sizeof(dotted));
		if (streq(dotted, dotted_key))
			return true;
	}
	return false;
}

int sysctl_apply(const struct rtr_spec *s, struct rtr_err *err)
{
	const struct rtr_namespace *net = &s->lx.ns[RTR_NS_NET];

	if (net->enabled && !net->path) {
		/* Best effort: an old kernel lacks ip_unprivileged_port_start, and a user
		 * namespace that maps few gids refuses the full ping range. */
		for (size_t i = 0; i < ELEMENTSOF(netns_defaults); i++)
			if (!key_set(s, netns_defaults[i].key) &&
			    write_one(netns_defaults[i].key, netns_defaults[i].value, NULL) < 0)
				log_debug("sysctl %s: default not set", netns_defaults[i].key);
	}
	for (size_t i = 0; i < s->lx.n_sysctl; i++) {
		const char *k = s->lx.sysctl[i].key;
		int r;

		if (!k || !*k || strstr(k, "..") || k[0] == '/' || k[0] == '.')
			return rtr_err_set(err, EINVAL, "sysctl %s: bad name", k ? k : "");
		r = write_one(k, s->lx.sysctl[i].value, err);
		if (r < 0)
			return r;
	}
	return 0;
}
