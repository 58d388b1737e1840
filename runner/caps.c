/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/util.h"
#include "caps.h"
#include "caps-names.h"
#include "filter.h"

/* ---- command line ----------------------------------------------------------------------- */

static int cap_from_option(const char *opt, const char *arg, int *ret_cap, struct rtr_err *err)
{
	if (caps_from_short(arg, ret_cap) < 0)
		return rtr_err_set(err, EINVAL, "%s %s: unknown capability", opt, arg);
	return 0;
}

static bool set_has(const int *v, size_t n, int cap)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == cap)
			return true;
	return false;
}

static int set_add(int **v, size_t *n, int cap)
{
	int *nv;

	if (set_has(*v, *n, cap))
		return 0;
	nv = realloc(*v, (*n + 1) * sizeof(int));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = cap;
	*v = nv;
	return 0;
}

static void set_del(int *v, size_t *n, int cap)
{
	for (size_t i = 0; i < *n;)
		if (v[i] == cap)
			v[i] = v[--*n];
		else
			i++;
}

/* Highest capability the running kernel knows.  Read before clone: the container's /proc
 * may differ. */
static int caps_last_cap(void)
{
	static int last = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int v;

	if (last >= 0)
		return last;
	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 32, &buf, &len) == 0 &&
	    sscanf(buf, "%d", &v) == 1 && v > 0 && v < 64)
		last = v;
	else
		last = CAP_LAST_CAP;
	return last;
}

static int caps_fill_all(struct rtr_caps *k)
{
	int last = caps_last_cap(), r;

	/* ALL means all this runtime holds: a capability missing from rtr-run's own
	 * bounding set (a restricted host, a container) cannot be given. */
	for (int cap = 0; cap <= last; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if ((r = set_add(&k->bounding, &k->n_bounding, cap)) < 0 ||
		    (r = set_add(&k->effective, &k->n_effective, cap)) < 0 ||
		    (r = set_add(&k->permitted, &k->n_permitted, cap)) < 0)
			return r;
	}
	return 0;
}

static int caps_edit(struct rtr_caps *k, const char *opt, char **list, bool add,
		     struct rtr_err *err)
{
	int cap, r;

	/* --cap-add/--cap-drop edit bounding, effective and permitted; inheritable is never
	 * filled behind the user's back (CVE-2022-27650 class). */
	for (size_t i = 0; list && list[i]; i++) {
		if (strcasecmp(list[i], "ALL") == 0) {
			if (add) {
				r = caps_fill_all(k);
				if (r < 0)
					return r;
			} else {
				k->n_bounding = k->n_effective = k->n_permitted = 0;
				k->n_inheritable = k->n_ambient = 0;
			}
			continue;
		}
		r = cap_from_option(opt, list[i], &cap, err);
		if (r < 0)
			return r;
		if (add) {
			if ((r = set_add(&k->bounding, &k->n_bounding, cap)) < 0 ||
			    (r = set_add(&k->effective, &k->n_effective, cap)) < 0 ||
			    (r = set_add(&k->permitted, &k->n_permitted, cap)) < 0)
				return r;
		} else {
			set_del(k->bounding, &k->n_bounding, cap);
			set_del(k->effective, &k->n_effective, cap);
			set_del(k->permitted, &k->n_permitted, cap);
			set_del(k->inheritable, &k->n_inheritable, cap);
			set_del(k->ambient, &k->n_ambient, cap);
		}
	}
	return 0;
}

int caps_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_caps *k = &s->process.caps;
	int r;

	/* Docker's order: drops first, then adds, so "--cap-drop ALL --cap-add NET_ADMIN"
	 * leaves exactly NET_ADMIN. */
	r = caps_edit(k, "--cap-drop", o->cap_drop, false, err);
	if (r < 0)
		return r;
	r = caps_edit(k, "--cap-add", o->cap_add, true, err);
	if (r < 0)
		return r;
	if (o->cap_add || o->cap_drop)
		s->process.caps_set = true;
	return 0;
}

/* ---- apply ------------------------------------------------------------------------------ */

/* The sets through the raw capget/capset syscalls (version 3: two 32-bit words per set),
 * as crun does: libcap's cap_t is these three masks, and linking it cost every start a
 * library to map and bind. */
struct rtr_caps_state {
	uint64_t eff, prm, inh; /* the final effective, permitted, inheritable sets */
	uint64_t bounding;	/* bit mask */
	uint64_t ambient;	/* bit mask */
	int last_cap;
	bool sys_admin; /* CAP_SYS_ADMIN stays effective */
};

static int caps_get(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct hd = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hd, d) < 0)
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

/* The kernel ignores bits above its own last capability, as it did under cap_set_proc(). */
static int caps_set(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct hd = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
	    {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
	    {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};

	return syscall(SYS_capset, &hd, d) < 0 ? -errno : 0;
}

/* The name as messages have always written it: lower case, a number the table lacks in
 * decimal. */
static void cap_lower_name(int cap, char *buf, size_t n)
{
	if (caps_to_name(cap, buf, n) < 0)
		snprintf(buf, n, "?");
	for (char *q = buf; *q; q++)
		*q = (char)tolower((unsigned char)*q);
}

static uint64_t to_mask(const int *v, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] >= 0 && v[i] < 64)
			m |= UINT64_C(1) << v[i];
	return m;
}

static int set_flags(uint64_t *mask, const int *v, size_t n, const char *set, struct rtr_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] < 0 || v[i] >= 64)
			return rtr_err_set(err, EINVAL,
					   "process.capabilities.%s: capability %d "
					   "unknown to this system",
					   set, v[i]);
		*mask |= UINT64_C(1) << v[i];
	}
	return 0;
}

/* The ambient capabilities the kernel will raise: those both permitted and inheritable.
 * `runc spec` and `crun spec` list ambient capabilities that are not inheritable; like
 * runc and crun, raise what the kernel allows and skip the rest, with one warning. */
static uint64_t ambient_raisable(const struct rtr_caps *k)
{
	uint64_t want = to_mask(k->ambient, k->n_ambient), ok, skipped;
	char names[512] = "";
	size_t len = 0;

	ok = want & to_mask(k->permitted, k->n_permitted) &
	     to_mask(k->inheritable, k->n_inheritable);
	skipped = want & ~ok;
	if (!skipped)
		return ok;
	for (int cap = 0; cap < 64 && len < sizeof(names); cap++) {
		char name[32];

		if (!(skipped & (UINT64_C(1) << cap)))
			continue;
		if (caps_to_name(cap, name, sizeof(name)) < 0)
			snprintf(name, sizeof(name), "?");
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
					name);
	}
	log_warn("process.capabilities.ambient: not raising %s: an ambient capability must "
		 "also be permitted and inheritable",
		 names);
	return ok;
}

static int caps_prepare_state(struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_caps *k = &c->spec->process.caps;
	struct rtr_caps_state *st;
	int r;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	c->caps = st;
	st->last_cap = caps_last_cap();
	if ((r = set_flags(&st->eff, k->effective, k->n_effective, "effective", err)) < 0 ||
	    (r = set_flags(&st->prm, k->permitted, k->n_permitted, "permitted", err)) < 0 ||
	    (r = set_flags(&st->inh, k->inheritable, k->n_inheritable, "inheritable", err)) < 0)
		return r;
	for (int cap = 0; cap <= st->last_cap; cap++) {
		uint64_t bit = UINT64_C(1) << cap;
		uint64_t any = to_mask(k->bounding, k->n_bounding) |
			       to_mask(k->effective, k->n_effective) |
			       to_mask(k->permitted, k->n_permitted) |
			       to_mask(k->inheritable, k->n_inheritable);

		if ((any & bit) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) {
			char name[32];

			cap_lower_name(cap, name, sizeof(name));
			return rtr_err_set(err, EPERM,
					   "process.capabilities: %s is not in rtr-run's own "
					   "bounding set, so it cannot be given to the container",
					   name);
		}
	}
	st->bounding = to_mask(k->bounding, k->n_bounding);
	st->ambient = ambient_raisable(k);
	st->sys_admin = set_has(k->effective, k->n_effective, CAP_SYS_ADMIN);
	return 0;
}

int caps_prepare(struct rtr_container *c, struct rtr_err *err)
{
	int r = caps_prepare_state(c, err);

	if (r < 0)
		caps_free(c); /* the caller returns without cleaning up */
	return r;
}

int caps_apply(const struct rtr_container *c, struct rtr_err *err)
{
	struct rtr_caps_state *st = c->caps;
	uint64_t eff = 0, prm = 0, inh = 0;
	int r;

	if (!st)
		return 0;
	/* After setuid with KEEPCAPS the effective set is empty; dropping from the
	 * bounding set needs CAP_SETPCAP effective, so raise what is permitted first. */
	r = caps_get(&eff, &prm, &inh);
	if (r < 0)
		return rtr_err_sys(err, -r, "capget");
	r = caps_set(prm, prm, inh);
	if (r < 0)
		return rtr_err_sys(err, -r, "capset");

	for (int cap = 0; cap <= st->last_cap; cap++) {
		if (st->bounding & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return rtr_err_sys(err, errno,
					   "dropping capability %d from the bounding "
					   "set",
					   cap);
	}

	/* Without no_new_privs, installing a filter needs CAP_SYS_ADMIN: load it while we
	 * still hold it (as runc does); the rest of the start path is capset, prctl,
	 * close_range, sigprocmask and execve. */
	if (!c->spec->process.no_new_privileges && !st->sys_admin) {
		r = filter_load(c, err);
		if (r < 0)
			return r;
	}

	r = caps_set(st->eff, st->prm, st->inh);
	if (r < 0)
		return rtr_err_sys(err, -r, "capset");

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && st->ambient &&
	    errno != EINVAL)
		return rtr_err_sys(err, errno, "clearing ambient capabilities");
	for (int cap = 0; cap <= st->last_cap; cap++) {
		if (!(st->ambient & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return rtr_err_sys(err, errno, "raising ambient capability %d", cap);
	}
	return 0;
}

void caps_masks(const struct rtr_container *c, uint64_t ret[5])
{
	const struct rtr_caps *k = &c->spec->process.caps;

	ret[0] = to_mask(k->effective, k->n_effective);
	ret[1] = to_mask(k->permitted, k->n_permitted);
	ret[2] = to_mask(k->inheritable, k->n_inheritable);
	ret[3] = c->caps ? c->caps->bounding : to_mask(k->bounding, k->n_bounding);
	ret[4] = c->caps ? c->caps->ambient : 0;
}

void caps_free(struct rtr_container *c)
{
	if (!c->caps)
		return;
	free(c->caps);
	c->caps = NULL;
}
