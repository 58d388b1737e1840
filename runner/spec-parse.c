/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config.json parser's shared helpers and tables (spec-parse.h): typed fields from
 * JSON members, arrays of objects, key/value objects, absolute paths, id mappings,
 * propagation and namespace names.  spec.c and spec-linux.c both call down into this
 * file; it calls neither, so the two parser files do not call each other back.
 */
#include "spec-parse.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/cleanup.h"
#include "lib/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---- typed fields, arrays, objects, paths ---- */

static int field_int(const struct json_cur *c, const struct spec_field *f, void *p,
		     struct rtr_err *err)
{
	bool is_signed = f->kind == SPEC_INT || f->kind == SPEC_I64;
	int64_t i = 0;
	uint64_t u = 0;
	int r;

	if (is_signed)
		r = json_i64(c, f->min, (int64_t)f->max, &i, err);
	else if (f->min > 0) {
		r = json_u64(c, f->max, &u, err);
		if (r > 0 && u < (uint64_t)f->min)
			return json_error(c, err,
					  "%" PRIu64 " is out of range [%" PRId64 ", %" PRIu64 "]",
					  u, f->min, f->max);
	} else
		r = json_u64(c, f->max, &u, err);
	if (r <= 0)
		return r;
	switch (f->kind) {
	case SPEC_INT:
		*(int *)p = (int)i;
		break;
	case SPEC_I64:
		*(int64_t *)p = i;
		break;
	case SPEC_UINT:
		*(unsigned *)p = (unsigned)u;
		break;
	case SPEC_U64:
		*(uint64_t *)p = u;
		break;
	case SPEC_U32:
		*(uint32_t *)p = (uint32_t)u;
		break;
	case SPEC_U16:
		*(uint16_t *)p = (uint16_t)u;
		break;
	default:
		return -EINVAL;
	}
	return 1;
}

int spec_fields(const struct json_cur *obj, const struct spec_field *f, size_t n, void *base,
		struct rtr_err *err)
{
	int r = json_object(obj, NULL, err);

	if (r <= 0)
		return r; /* an absent object has no missing members */
	for (size_t i = 0; i < n; i++) {
		struct json_cur c = json_member(obj, f[i].key);
		char *p = (char *)base + f[i].off;

		if (f[i].required && !json_present(&c))
			return json_error(&c, err, "missing");
		if (f[i].kind == SPEC_BOOL)
			r = json_bool(&c, (bool *)p, err);
		else if (f[i].kind == SPEC_STR)
			r = json_strdup(&c, (char **)p, err);
		else
			r = field_int(&c, &f[i], p, err);
		if (r < 0)
			return r;
		if (r > 0 && f[i].set)
			*((bool *)((char *)base + f[i].set - 1)) = true;
	}
	return 0;
}

int spec_objects(const struct json_cur *c, size_t elem_size, void **ret, size_t *ret_n,
		 spec_item_fn fn, struct rtr_err *err)
{
	size_t n;
	char *a;
	int r = json_array(c, &n, err);

	if (r <= 0)
		return r;
	a = calloc(n ? n : 1, elem_size);
	if (!a)
		return -ENOMEM;
	*ret = a;
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		struct json_cur item = json_item(c, i);
		size_t unused;

		r = json_object(&item, &unused, err);
		if (r == 0)
			return json_error(&item, err, "expected an object, got null");
		if (r < 0)
			return r;
		r = fn(&item, a + i * elem_size, err);
		if (r < 0)
			return r;
	}
	return 1;
}

void spec_kv_free(struct rtr_kv *kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

int spec_kv(const struct json_cur *c, struct rtr_kv **ret, size_t *ret_n,
	    int (*check)(const struct json_cur *member, struct rtr_err *err), struct rtr_err *err)
{
	size_t n;
	int r = json_object(c, &n, err);

	if (r <= 0)
		return r;
	*ret = calloc(n ? n : 1, sizeof(struct rtr_kv));
	if (!*ret)
		return -ENOMEM;
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		struct json_cur m = json_member_at(c, i);

		if (check) {
			r = check(&m, err);
			if (r < 0)
				return r;
		}
		r = json_strdup(&m, &(*ret)[i].value, err);
		if (r < 0)
			return r;
		if (r == 0)
			return json_error(&m, err, "expected a string, got null");
		(*ret)[i].key = strdup(m.key);
		if (!(*ret)[i].key)
			return -ENOMEM;
	}
	return 1;
}

int spec_abs_path(const struct json_cur *c, char **ret, struct rtr_err *err)
{
	const char *s;
	int r = json_str(c, &s, err);

	if (r <= 0)
		return r;
	if (s[0] != '/')
		return json_error(c, err, "\"%.128s\" is not an absolute path", s);
	return json_strdup(c, ret, err);
}

int spec_abs_paths(const struct json_cur *c, char ***ret, struct rtr_err *err)
{
	int r = json_strv(c, ret, err);

	if (r <= 0)
		return r;
	for (size_t i = 0; (*ret)[i]; i++)
		if ((*ret)[i][0] != '/')
			return json_error(JSON_TMP(json_item(c, i)), err,
					  "\"%.128s\" is not an absolute path", (*ret)[i]);
	return 1;
}

static int parse_idmap(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "containerID", .kind = SPEC_U32,
		  .off = offsetof(struct rtr_idmap, container_id), .max = UINT32_MAX,
		  .required = true },
		{ .key = "hostID", .kind = SPEC_U32, .off = offsetof(struct rtr_idmap, host_id),
		  .max = UINT32_MAX, .required = true },
		{ .key = "size", .kind = SPEC_U32, .off = offsetof(struct rtr_idmap, size),
		  .min = 1, .max = UINT32_MAX, .required = true },
	};
	/* clang-format on */
	struct rtr_idmap *m = elem;
	int r = spec_fields(c, f, ELEMENTSOF(f), m, err);

	if (r < 0)
		return r;
	/* Both ranges must fit in 32 bits; the kernel rejects wrapping maps anyway, but
	 * with a far less helpful EINVAL. */
	if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX + 1 ||
	    (uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX + 1)
		return json_error(c, err, "range %u+%u or %u+%u exceeds 2^32", m->container_id,
				  m->size, m->host_id, m->size);
	return 0;
}

int spec_idmaps(const struct json_cur *c, struct rtr_idmap **ret, size_t *ret_n,
		struct rtr_err *err)
{
	return spec_objects(c, sizeof(**ret), (void **)ret, ret_n, parse_idmap, err);
}

/* clang-format off */
static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{ "private", MS_PRIVATE },	  { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	  { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		  { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};
/* clang-format on */

int spec_propagation(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(propagations); i++)
		if (streq(name, propagations[i].name)) {
			*ret = propagations[i].flags;
			return 0;
		}
	return -EINVAL;
}

/* clang-format off */
static const struct {
	const char *name;
	int flag;
} namespaces[_RTR_NS_MAX] = {
	[RTR_NS_PID] = { "pid", CLONE_NEWPID },	      [RTR_NS_NET] = { "network", CLONE_NEWNET },
	[RTR_NS_MNT] = { "mount", CLONE_NEWNS },      [RTR_NS_IPC] = { "ipc", CLONE_NEWIPC },
	[RTR_NS_UTS] = { "uts", CLONE_NEWUTS },	      [RTR_NS_USER] = { "user", CLONE_NEWUSER },
	[RTR_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP }, [RTR_NS_TIME] = { "time", CLONE_NEWTIME },
};
/* clang-format on */

const char *spec_ns_name(enum rtr_ns_type t)
{
	return (unsigned)t < _RTR_NS_MAX ? namespaces[t].name : NULL;
}

int spec_ns_clone_flag(enum rtr_ns_type t)
{
	return (unsigned)t < _RTR_NS_MAX ? namespaces[t].flag : 0;
}
