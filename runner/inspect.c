/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The typed spec as JSON (inspect.h says why).  Unset optional values are null, so a
 * reader tells "no memory limit" from a limit; names (capabilities, signals, rlimits,
 * namespaces) come from the same leaf tables the parser used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps-names.h"
#include "config.h"
#include "inspect.h"
#include "lib/cleanup.h"
#include "lib/json.h"
#include "lib/util.h"
#include "names.h"
#include "settings.h"

/* ---- struct rtr_ext: one row per field ---- */

enum ext_type {
	EXT_STR,     /* char * (or const char *), null when NULL */
	EXT_BOOL,    /* bool */
	EXT_UINT,    /* unsigned */
	EXT_SIZE,    /* uint64_t bytes, null when 0 */
	EXT_MAX,     /* uint64_t, "max" when UINT64_MAX */
	EXT_SIGNAL,  /* int signal number, by name */
	EXT_RESTART, /* struct rtr_restart: {policy, max, delay_ms} */
	EXT_NOTIFY,  /* enum rtr_notify, by name */
	EXT_ROOTFS,  /* struct rtr_rootfs_layers: {store, layers, ephemeral, rm_size} */
	EXT_HEALTH,  /* struct rtr_health: null without a check */
};

struct ext_field {
	const char *key;
	uint16_t off;
	int16_t set_off; /* offset of the field's `bool x_set`, -1: always printed */
	uint8_t type;	 /* enum ext_type */
};

#define X(k, t, f)                                                                                 \
	{                                                                                          \
		k, offsetof(struct rtr_ext, f), -1, t                                              \
	}
#define XS(k, t, f)                                                                                \
	{                                                                                          \
		k, offsetof(struct rtr_ext, f), offsetof(struct rtr_ext, f##_set), t               \
	}

/* clang-format off */
static const struct ext_field ext_fields[] = {
	X("stop_signal", EXT_SIGNAL, stop_signal),
	X("stop_timeout_s", EXT_UINT, stop_timeout_s),
	X("init", EXT_BOOL, init),
	X("log_file", EXT_STR, log_path),
	X("log_max_size", EXT_SIZE, log_max_size),
	X("log_max_files", EXT_UINT, log_max_files),
	X("log_timestamps", EXT_BOOL, log_timestamps),
	X("log_only", EXT_BOOL, log_only),
	X("restart", EXT_RESTART, restart),
	X("notify", EXT_NOTIFY, notify),
	X("rootfs", EXT_ROOTFS, rootfs),
	X("health", EXT_HEALTH, health),
	XS("memory_high", EXT_MAX, memory_high),
	X("cgroup_parent", EXT_STR, cgroup_parent),
};
/* clang-format on */

#undef X
#undef XS

static void w_restart(struct json_writer *w, const struct rtr_restart *r)
{
	json_w_begin_object(w);
	json_w_key(w, "policy");
	json_w_string(w, settings_restart_name(r->policy));
	json_w_key(w, "max");
	json_w_uint(w, r->max);
	json_w_key(w, "delay_ms");
	json_w_uint(w, r->delay_ms);
	json_w_end_object(w);
}

static void w_rootfs(struct json_writer *w, const struct rtr_rootfs_layers *l)
{
	json_w_begin_object(w);
	json_w_key(w, "store");
	json_w_string(w, l->store);
	json_w_key(w, "layers");
	json_w_begin_array(w);
	for (size_t i = 0; i < l->n_layers; i++)
		json_w_string(w, l->layers[i]);
	json_w_end_array(w);
	json_w_key(w, "ephemeral");
	json_w_bool(w, l->ephemeral);
	json_w_key(w, "rm_size");
	json_w_uint(w, l->rm_size);
	json_w_end_object(w);
}

static void w_health_spec(struct json_writer *w, const struct rtr_health *h)
{
	static const char *const actions[] = {"none", "stop", "restart"};

	if (!h->cmd) {
		json_w_null(w);
		return;
	}
	json_w_begin_object(w);
	json_w_key(w, "cmd");
	json_w_begin_array(w);
	for (char **a = h->cmd; *a; a++)
		json_w_string(w, *a);
	json_w_end_array(w);
	json_w_member_uint(w, "interval_ms", h->interval_ms);
	json_w_member_uint(w, "timeout_ms", h->timeout_ms);
	json_w_member_uint(w, "retries", h->retries);
	json_w_member_uint(w, "start_period_ms", h->start_period_ms);
	json_w_member_string(w, "on_unhealthy", actions[h->on_unhealthy]);
	json_w_end_object(w);
}

static void w_ext_field(struct json_writer *w, const struct rtr_ext *x, const struct ext_field *f)
{
	const char *p = (const char *)x + f->off;
	char sig[24];

	json_w_key(w, f->key);
	if (f->set_off >= 0 && !*(const bool *)((const char *)x + f->set_off)) {
		json_w_null(w);
		return;
	}
	switch (f->type) {
	case EXT_STR:
		json_w_string(w, *(const char *const *)p);
		break;
	case EXT_BOOL:
		json_w_bool(w, *(const bool *)p);
		break;
	case EXT_UINT:
		json_w_uint(w, *(const unsigned *)p);
		break;
	case EXT_SIZE:
		if (*(const uint64_t *)p)
			json_w_uint(w, *(const uint64_t *)p);
		else
			json_w_null(w);
		break;
	case EXT_MAX:
		if (*(const uint64_t *)p == UINT64_MAX)
			json_w_string(w, "max");
		else
			json_w_uint(w, *(const uint64_t *)p);
		break;
	case EXT_SIGNAL:
		json_w_string(w, signal_to_string(*(const int *)p, sig, sizeof(sig)));
		break;
	case EXT_RESTART:
		w_restart(w, (const struct rtr_restart *)(const void *)p);
		break;
	case EXT_NOTIFY:
		json_w_string(w, *(const enum rtr_notify *)(const void *)p == RTR_NOTIFY_CONTAINER
				     ? "container"
				     : "runtime");
		break;
	case EXT_ROOTFS:
		w_rootfs(w, (const struct rtr_rootfs_layers *)(const void *)p);
		break;
	case EXT_HEALTH:
		w_health_spec(w, (const struct rtr_health *)(const void *)p);
		break;
	}
}

/* ---- small writers ---- */

static void w_strv(struct json_writer *w, const char *key, char *const *v)
{
	json_w_key(w, key);
	if (!v) {
		json_w_null(w);
		return;
	}
	json_w_begin_array(w);
	for (; *v; v++)
		json_w_string(w, *v);
	json_w_end_array(w);
}

static void w_i64_or_null(struct json_writer *w, const char *key, bool set, int64_t v)
{
	json_w_key(w, key);
	if (set)
		json_w_int(w, v);
	else
		json_w_null(w);
}

static void w_caps(struct json_writer *w, const char *key, const int *caps, size_t n)
{
	char name[64];

	json_w_key(w, key);
	json_w_begin_array(w);
	for (size_t i = 0; i < n; i++)
		if (caps_to_name(caps[i], name, sizeof(name)) == 0)
			json_w_string(w, name);
		else
			json_w_int(w, caps[i]);
	json_w_end_array(w);
}

static void w_addrs(struct json_writer *w, const char *key, const struct rtr_addr *a, size_t n,
		    bool prefix)
{
	char ip[64], s[80];

	json_w_key(w, key);
	json_w_begin_array(w);
	for (size_t i = 0; i < n; i++) {
		addr_to_string(&a[i], ip, sizeof(ip));
		if (prefix)
			snprintf(s, sizeof(s), "%s/%u", ip, a[i].prefixlen);
		json_w_string(w, prefix ? s : ip);
	}
	json_w_end_array(w);
}

/* ---- sections ---- */

static void w_process(struct json_writer *w, const struct rtr_process *p)
{
	json_w_key(w, "process");
	json_w_begin_object(w);
	w_strv(w, "args", p->args);
	w_strv(w, "env", p->env);
	json_w_member_string(w, "cwd", p->cwd);
	json_w_member_bool(w, "terminal", p->terminal);
	json_w_key(w, "user");
	json_w_begin_object(w);
	json_w_member_uint(w, "uid", p->user.uid);
	json_w_member_uint(w, "gid", p->user.gid);
	json_w_key(w, "additional_gids");
	json_w_begin_array(w);
	for (size_t i = 0; i < p->user.n_additional_gids; i++)
		json_w_uint(w, p->user.additional_gids[i]);
	json_w_end_array(w);
	w_i64_or_null(w, "umask", p->user.umask_set, p->user.umask);
	json_w_end_object(w);
	w_i64_or_null(w, "oom_score_adj", p->oom_score_adj_set, p->oom_score_adj);
	json_w_key(w, "rlimits");
	json_w_begin_array(w);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		json_w_begin_object(w);
		json_w_member_string(w, "type", p->rlimits[i].type);
		json_w_member_uint(w, "soft", p->rlimits[i].soft);
		json_w_member_uint(w, "hard", p->rlimits[i].hard);
		json_w_end_object(w);
	}
	json_w_end_array(w);
	json_w_end_object(w);
}

static void w_limits(struct json_writer *w, const struct rtr_spec *s)
{
	const struct rtr_resources *r = &s->lx.resources;

	json_w_key(w, "limits");
	json_w_begin_object(w);
	w_i64_or_null(w, "memory", r->memory.limit_set, r->memory.limit);
	w_i64_or_null(w, "memory_reservation", r->memory.reservation_set, r->memory.reservation);
	w_i64_or_null(w, "memory_swap", r->memory.swap_set, r->memory.swap);
	w_ext_field(w, &s->ext,
		    &(struct ext_field){.key = "memory_high",
					.off = offsetof(struct rtr_ext, memory_high),
					.set_off = offsetof(struct rtr_ext, memory_high_set),
					.type = EXT_MAX});
	w_i64_or_null(w, "pids", r->pids.limit_set, r->pids.limit);
	w_i64_or_null(w, "cpu_shares", r->cpu.shares_set, (int64_t)r->cpu.shares);
	w_i64_or_null(w, "cpu_quota_us", r->cpu.quota_set, r->cpu.quota);
	w_i64_or_null(w, "cpu_period_us", r->cpu.period_set, (int64_t)r->cpu.period);
	json_w_member_string(w, "cpu_list", r->cpu.cpus);
	json_w_member_string(w, "cpu_mems", r->cpu.mems);
	w_i64_or_null(w, "io_weight", r->block_io.weight_set, r->block_io.weight);
	json_w_end_object(w);
}

static void w_network(struct json_writer *w, const struct rtr_container *c)
{
	static const char *const modes[] = {"unset", "none", "veth", "host", "ns"};
	const struct rtr_net_spec *n = &c->spec->ext.net;
	char ip[64], host[80];

	json_w_key(w, "network");
	json_w_begin_object(w);
	json_w_member_string(w, "mode", modes[n->mode]);
	json_w_member_string(w, "join", n->join_path);
	snprintf(host, sizeof(host), "%s%s", n->veth ? "" : RTR_NET_VETH_PREFIX,
		 n->veth ? n->veth : c->name);
	json_w_member_string(w, "veth", n->mode == RTR_NET_VETH ? host : NULL);
	json_w_member_string(w, "veth_peer",
			     n->mode != RTR_NET_VETH ? NULL
			     : n->veth_peer	     ? n->veth_peer
						     : RTR_NET_PEER_DEFAULT);
	json_w_member_string(w, "bridge", n->bridge);
	w_addrs(w, "addresses", n->addrs, n->n_addrs, true);
	w_addrs(w, "host_addresses", n->host_addrs, n->n_host_addrs, true);
	json_w_member_string(w, "gateway",
			     n->gw_set ? addr_to_string(&n->gw, ip, sizeof(ip)) : NULL);
	json_w_member_string(w, "gateway6",
			     n->gw6_set ? addr_to_string(&n->gw6, ip, sizeof(ip)) : NULL);
	if (n->mac_set)
		snprintf(host, sizeof(host), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1],
			 n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	json_w_member_string(w, "mac", n->mac_set ? host : NULL);
	w_i64_or_null(w, "mtu", n->mtu != 0, n->mtu);
	w_addrs(w, "dns", n->dns, n->n_dns, false);
	w_strv(w, "dns_search", n->dns_search);
	json_w_key(w, "add_hosts");
	json_w_begin_object(w);
	for (size_t i = 0; i < n->n_add_hosts; i++)
		json_w_member_string(w, n->add_hosts[i].name,
				     addr_to_string(&n->add_hosts[i].addr, ip, sizeof(ip)));
	json_w_end_object(w);
	json_w_end_object(w);
}

static void w_mounts(struct json_writer *w, const struct rtr_spec *s)
{
	json_w_key(w, "mounts");
	json_w_begin_array(w);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct rtr_mount *m = &s->mounts[i];

		json_w_begin_object(w);
		json_w_member_string(w, "destination", m->destination);
		json_w_member_string(w, "type", m->type);
		json_w_member_string(w, "source", m->source);
		w_strv(w, "options", m->options);
		json_w_end_object(w);
	}
	json_w_end_array(w);
}

static void w_namespaces(struct json_writer *w, const struct rtr_linux *lx)
{
	json_w_key(w, "namespaces");
	json_w_begin_object(w);
	for (int t = 0; t < _RTR_NS_MAX; t++) {
		if (!lx->ns[t].enabled)
			continue;
		/* "new", or the path of the namespace joined */
		json_w_member_string(w, spec_ns_name(t), lx->ns[t].path ? lx->ns[t].path : "new");
	}
	json_w_end_object(w);
}

static void w_security(struct json_writer *w, const struct rtr_spec *s)
{
	const struct rtr_caps *k = &s->process.caps;
	const struct rtr_seccomp *sc = s->lx.seccomp;

	json_w_key(w, "security");
	json_w_begin_object(w);
	json_w_key(w, "capabilities");
	json_w_begin_object(w);
	w_caps(w, "bounding", k->bounding, k->n_bounding);
	w_caps(w, "effective", k->effective, k->n_effective);
	w_caps(w, "permitted", k->permitted, k->n_permitted);
	w_caps(w, "inheritable", k->inheritable, k->n_inheritable);
	w_caps(w, "ambient", k->ambient, k->n_ambient);
	json_w_end_object(w);
	json_w_key(w, "seccomp");
	json_w_begin_object(w);
	/* "default" (rtr's profile), "bundle" (config.json's), "file" (--seccomp FILE) */
	json_w_member_string(w, "profile", sc ? s->ext.seccomp_origin : "none");
	w_i64_or_null(w, "default_action", sc != NULL, sc ? sc->default_action : 0);
	w_i64_or_null(w, "rules", sc != NULL, sc ? (int64_t)sc->n_syscalls : 0);
	json_w_end_object(w);
	json_w_member_bool(w, "no_new_privileges", s->process.no_new_privileges);
	json_w_member_bool(w, "root_readonly", s->root_readonly);
	w_strv(w, "masked_paths", s->lx.masked_paths);
	w_strv(w, "readonly_paths", s->lx.readonly_paths);
	json_w_member_string(w, "apparmor_profile", s->process.apparmor_profile);
	json_w_member_string(w, "selinux_label", s->process.selinux_label);
	w_namespaces(w, &s->lx);
	json_w_member_bool(w, "user_namespace_mapped", s->lx.n_uid_mappings > 0);
	json_w_end_object(w);
}

static void w_annotations(struct json_writer *w, const struct rtr_spec *s)
{
	json_w_key(w, "annotations");
	json_w_begin_object(w);
	for (size_t i = 0; i < s->n_annotations; i++)
		json_w_member_string(w, s->annotations[i].key, s->annotations[i].value);
	json_w_end_object(w);
}

/* Member @key of the object @obj with a value (not null), or NULL. */
static const struct json *member(const struct json *obj, const char *key)
{
	const struct json *v = json_member(JSON_TMP(json_root(obj)), key).node;

	return v && v->type != JSON_NULL ? v : NULL;
}

/* The limits @s sets, written by w_limits() as at start, replace the record's: in
 * "limits" and in "settings" (memory_high is in both); an unset one prints null there,
 * which keeps the recorded value. */
int inspect_update_limits(const char *rec, size_t len, const struct rtr_spec *s, char **ret,
			  size_t *ret_len)
{
	_cleanup_json_ struct json *old = NULL, *neu = NULL;
	_cleanup_free_ char *text = NULL;
	struct json_writer *w = json_writer_new(false);
	struct rtr_err err = {0};
	const struct json *lim, *o, *v;
	size_t n;
	int r;

	json_w_begin_object(w);
	w_limits(w, s);
	json_w_end_object(w);
	r = json_writer_finish(w, &text, &n);
	if (r == 0)
		r = json_parse(text, n, INSPECT_MAX_BYTES, &neu, &err);
	if (r == 0)
		r = json_parse(rec, len, INSPECT_MAX_BYTES, &old, &err);
	if (r < 0 || old->type != JSON_OBJECT)
		return r < 0 ? r : -EINVAL;
	lim = member(neu, "limits");
	w = json_writer_new(false);
	json_w_begin_object(w);
	for (size_t i = 0; i < old->n; i++) {
		o = old->items[i];
		json_w_key(w, old->keys[i]);
		if (o->type != JSON_OBJECT ||
		    (!streq(old->keys[i], "limits") && !streq(old->keys[i], "settings"))) {
			json_w_tree(w, o);
			continue;
		}
		json_w_begin_object(w);
		for (size_t k = 0; k < o->n; k++) {
			v = member(lim, o->keys[k]);
			json_w_key(w, o->keys[k]);
			json_w_tree(w, v ? v : o->items[k]);
		}
		json_w_end_object(w);
	}
	json_w_end_object(w);
	return json_writer_finish(w, ret, ret_len);
}

int inspect_json(const struct rtr_container *c, const char *cgroup_rel, char **ret, size_t *ret_len)
{
	const struct rtr_spec *s = c->spec;
	struct json_writer *w = json_writer_new(false);

	json_w_begin_object(w);
	json_w_member_string(w, "name", c->name);
	json_w_member_string(w, "bundle", c->bundle);
	json_w_member_string(w, "rootfs", c->rootfs);
	json_w_member_string(w, "cgroup", cgroup_rel);
	json_w_member_string(w, "hostname", s->hostname);
	w_annotations(w, s);
	w_process(w, &s->process);
	w_limits(w, s);
	w_network(w, c);
	w_mounts(w, s);
	w_security(w, s);
	json_w_key(w, "settings");
	json_w_begin_object(w);
	for (size_t i = 0; i < ELEMENTSOF(ext_fields); i++)
		w_ext_field(w, &s->ext, &ext_fields[i]);
	json_w_end_object(w);
	json_w_end_object(w);
	return json_writer_finish(w, ret, ret_len);
}
