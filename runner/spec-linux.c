/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "linux" object of config.json: namespaces, id mappings, devices, resources,
 * cgroupsPath, sysctl, seccomp, paths, personality.  Same rules as spec.c: validate and
 * resolve names, never touch the system.  Strings that later become paths under
 * /proc/sys or a cgroup directory (sysctl keys, unified keys, cgroupsPath) are checked
 * for ".." here, since those writes happen with host privileges.
 */
#include "spec-parse.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "caps-names.h"
#include "filter-names.h"
#include "limit-check.h"

/* ---- namespaces ---- */

/* A namespace to join must be one, of the listed type, now: refused here, before anything
 * is created, with its JSON path.  O_PATH first, so a device or a fifo at @path is never
 * opened for real. */
static int check_ns_path(const struct json_cur *c, const char *path, int t, struct rtr_err *err)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC), nfd = -1;
	struct statfs sfs;
	char proc[64];
	int type;

	if (fd < 0)
		return json_error(c, err, "%s: %s", path, strerror(errno));
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC)
		return json_error(c, err, "%s: not a namespace file", path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	nfd = open(proc, O_RDONLY | O_CLOEXEC);
	type = nfd < 0 ? -1 : ioctl(nfd, NS_GET_NSTYPE);
	if (type >= 0 && type != spec_ns_clone_flag(t))
		return json_error(c, err, "%s: not a %s namespace", path, spec_ns_name(t));
	return 0;
}

static int parse_namespaces(const struct json_cur *c, struct rtr_linux *l, struct rtr_err *err)
{
	size_t n;
	int r = json_array(c, &n, err);

	if (r <= 0)
		return r;
	l->namespaces_set = true;
	for (size_t i = 0; i < n; i++) {
		struct json_cur item = json_item(c, i), type = json_member(&item, "type");
		const char *name = NULL;
		int t = -1;
		size_t unused;

		r = json_object(&item, &unused, err);
		if (r == 0)
			return json_error(&item, err, "expected an object, got null");
		if (r < 0)
			return r;
		r = json_str(&type, &name, err);
		if (r < 0)
			return r;
		if (r == 0)
			return json_error(&type, err, "missing");
		for (int k = 0; k < _RTR_NS_MAX; k++)
			if (streq(name, spec_ns_name(k)))
				t = k;
		if (t < 0)
			return json_error(&type, err, "unknown namespace type \"%.32s\"", name);
		if (l->ns[t].enabled)
			return json_error(&type, err, "namespace \"%s\" listed twice", name);
		l->ns[t].enabled = true;
		r = spec_abs_path(JSON_TMP(json_member(&item, "path")), &l->ns[t].path, err);
		if (r > 0)
			r = check_ns_path(JSON_TMP(json_member(&item, "path")), l->ns[t].path, t,
					  err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- devices ---- */

static int parse_device(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "major", .kind = SPEC_I64, .off = offsetof(struct rtr_device, major),
		  .max = UINT32_MAX },
		{ .key = "minor", .kind = SPEC_I64, .off = offsetof(struct rtr_device, minor),
		  .max = UINT32_MAX },
		{ .key = "fileMode", .kind = SPEC_U32,
		  .off = offsetof(struct rtr_device, file_mode),
		  .set = SPEC_SET(struct rtr_device, file_mode_set), .max = 07777 },
		{ .key = "uid", .kind = SPEC_U32, .off = offsetof(struct rtr_device, uid),
		  .set = SPEC_SET(struct rtr_device, uid_set), .max = UINT32_MAX - 1 },
		{ .key = "gid", .kind = SPEC_U32, .off = offsetof(struct rtr_device, gid),
		  .set = SPEC_SET(struct rtr_device, gid_set), .max = UINT32_MAX - 1 },
	};
	/* clang-format on */
	struct rtr_device *d = elem;
	struct json_cur type = json_member(c, "type"), path = json_member(c, "path");
	const char *t = NULL;
	int r;

	r = spec_abs_path(&path, &d->path, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&path, err, "missing");
	r = json_str(&type, &t, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&type, err, "missing");
	if (strlen(t) != 1 || !strchr("cbup", t[0]))
		return json_error(&type, err, "unknown device type \"%.16s\" (c, b, u or p)", t);
	d->type = t[0];
	r = spec_fields(c, f, ELEMENTSOF(f), d, err);
	if (r < 0)
		return r;
	/* A fifo has no numbers; every other node needs both. */
	if (d->type != 'p') {
		if (!json_present(JSON_TMP(json_member(c, "major"))))
			return json_error(JSON_TMP(json_member(c, "major")), err, "missing");
		if (!json_present(JSON_TMP(json_member(c, "minor"))))
			return json_error(JSON_TMP(json_member(c, "minor")), err, "missing");
	}
	return 0;
}

static int parse_device_rule(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "allow", .kind = SPEC_BOOL, .off = offsetof(struct rtr_device_rule, allow),
		  .required = true },
		{ .key = "major", .kind = SPEC_I64, .off = offsetof(struct rtr_device_rule, major),
		  .min = -1, .max = UINT32_MAX },
		{ .key = "minor", .kind = SPEC_I64, .off = offsetof(struct rtr_device_rule, minor),
		  .min = -1, .max = UINT32_MAX },
	};
	/* clang-format on */
	struct rtr_device_rule *d = elem;
	struct json_cur type = json_member(c, "type"), access = json_member(c, "access");
	const char *t = "a", *a = "rwm";
	int r;

	d->major = d->minor = -1;
	r = spec_fields(c, f, ELEMENTSOF(f), d, err);
	if (r < 0)
		return r;
	r = json_str(&type, &t, err);
	if (r < 0)
		return r;
	if (strlen(t) != 1 || !strchr("acb", t[0]))
		return json_error(&type, err, "unknown device type \"%.16s\" (a, c or b)", t);
	d->type = t[0];
	r = json_str(&access, &a, err);
	if (r < 0)
		return r;
	if (!a[0] || strlen(a) > 3 || strspn(a, "rwm") != strlen(a))
		return json_error(&access, err, "\"%.16s\" is not a subset of \"rwm\"", a);
	strcpy(d->access, a);
	return 0;
}

/* ---- resources ---- */

#define MEM(x) offsetof(struct rtr_resources, memory.x)
/* Memory sizes are bytes or -1 for "unlimited". */
/* clang-format off */
#define MEM_I64(k, x)                                                                              \
	{ .key = k, .kind = SPEC_I64, .off = MEM(x), .set = MEM(x##_set) + 1, .min = -1,          \
	  .max = INT64_MAX }
#define MEM_BOOL(k, x) { .key = k, .kind = SPEC_BOOL, .off = MEM(x), .set = MEM(x##_set) + 1 }
static const struct spec_field memory_fields[] = {
	MEM_I64("limit", limit),
	MEM_I64("reservation", reservation),
	MEM_I64("swap", swap),
	MEM_I64("kernel", kernel),
	MEM_I64("kernelTCP", kernel_tcp),
	{ .key = "swappiness", .kind = SPEC_U64, .off = MEM(swappiness),
	  .set = MEM(swappiness_set) + 1, .max = 100 },
	MEM_BOOL("disableOOMKiller", disable_oom_killer),
	MEM_BOOL("useHierarchy", use_hierarchy),
	MEM_BOOL("checkBeforeUpdate", check_before_update),
};
/* clang-format on */

#define CPU(x) offsetof(struct rtr_resources, cpu.x)
/* clang-format off */
static const struct spec_field cpu_fields[] = {
	/* Ranges are the kernel's: shares 2..262144 (0 = unset), period 1 ms..1 s. */
	{ .key = "shares", .kind = SPEC_U64, .off = CPU(shares), .set = CPU(shares_set) + 1,
	  .max = 262144 },
	{ .key = "quota", .kind = SPEC_I64, .off = CPU(quota), .set = CPU(quota_set) + 1, .min = -1,
	  .max = INT64_MAX },
	{ .key = "burst", .kind = SPEC_U64, .off = CPU(burst), .set = CPU(burst_set) + 1,
	  .max = UINT64_MAX },
	{ .key = "period", .kind = SPEC_U64, .off = CPU(period), .set = CPU(period_set) + 1,
	  .max = 1000000 },
	{ .key = "realtimeRuntime", .kind = SPEC_I64, .off = CPU(realtime_runtime),
	  .set = CPU(realtime_runtime_set) + 1, .min = -1, .max = INT64_MAX },
	{ .key = "realtimePeriod", .kind = SPEC_U64, .off = CPU(realtime_period),
	  .set = CPU(realtime_period_set) + 1, .max = UINT64_MAX },
	{ .key = "idle", .kind = SPEC_I64, .off = CPU(idle), .set = CPU(idle_set) + 1, .max = 1 },
	{ .key = "cpus", .kind = SPEC_STR, .off = CPU(cpus) },
	{ .key = "mems", .kind = SPEC_STR, .off = CPU(mems) },
};
/* clang-format on */

#define BIO(x) offsetof(struct rtr_resources, block_io.x)
/* clang-format off */
static const struct spec_field blkio_fields[] = {
	/* 0 means "unset" to runc and crun; the kernel takes 10..1000. */
	{ .key = "weight", .kind = SPEC_U16, .off = BIO(weight), .set = BIO(weight_set) + 1,
	  .max = 1000 },
	{ .key = "leafWeight", .kind = SPEC_U16, .off = BIO(leaf_weight),
	  .set = BIO(leaf_weight_set) + 1, .max = 1000 },
};
static const struct spec_field pids_fields[] = {
	{ .key = "limit", .kind = SPEC_I64, .off = offsetof(struct rtr_resources, pids.limit),
	  .set = SPEC_SET(struct rtr_resources, pids.limit_set), .min = INT64_MIN, .max = INT64_MAX,
	  .required = true },
};
/* clang-format on */

/* "0-3,5": what cpuset.cpus and cpuset.mems take. */
static int check_cpu_list(const struct json_cur *c, const char *s, struct rtr_err *err)
{
	if (s && strspn(s, "0123456789,- ") != strlen(s))
		return json_error(c, err, "\"%.32s\" is not a list like 0-3,5", s);
	return 0;
}

static int parse_weight_device(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "major", .kind = SPEC_I64,
		  .off = offsetof(struct rtr_weight_device, major), .max = UINT32_MAX,
		  .required = true },
		{ .key = "minor", .kind = SPEC_I64,
		  .off = offsetof(struct rtr_weight_device, minor), .max = UINT32_MAX,
		  .required = true },
		{ .key = "weight", .kind = SPEC_U16,
		  .off = offsetof(struct rtr_weight_device, weight),
		  .set = SPEC_SET(struct rtr_weight_device, weight_set), .max = 1000 },
		{ .key = "leafWeight", .kind = SPEC_U16,
		  .off = offsetof(struct rtr_weight_device, leaf_weight),
		  .set = SPEC_SET(struct rtr_weight_device, leaf_weight_set), .max = 1000 },
	};
	/* clang-format on */
	return spec_fields(c, f, ELEMENTSOF(f), elem, err);
}

static int parse_throttle(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "major", .kind = SPEC_I64, .off = offsetof(struct rtr_throttle, major),
		  .max = UINT32_MAX, .required = true },
		{ .key = "minor", .kind = SPEC_I64, .off = offsetof(struct rtr_throttle, minor),
		  .max = UINT32_MAX, .required = true },
		{ .key = "rate", .kind = SPEC_U64, .off = offsetof(struct rtr_throttle, rate),
		  .max = UINT64_MAX, .required = true },
	};
	/* clang-format on */
	return spec_fields(c, f, ELEMENTSOF(f), elem, err);
}

static int parse_block_io(const struct json_cur *c, struct rtr_resources *res, struct rtr_err *err)
{
	struct {
		const char *key;
		struct rtr_throttle **list;
		size_t *n;
	} throttles[] = {
	    {"throttleReadBpsDevice", &res->block_io.read_bps, &res->block_io.n_read_bps},
	    {"throttleWriteBpsDevice", &res->block_io.write_bps, &res->block_io.n_write_bps},
	    {"throttleReadIOPSDevice", &res->block_io.read_iops, &res->block_io.n_read_iops},
	    {"throttleWriteIOPSDevice", &res->block_io.write_iops, &res->block_io.n_write_iops},
	};
	int r = spec_fields(c, blkio_fields, ELEMENTSOF(blkio_fields), res, err);

	if (r < 0)
		return r;
	r = spec_objects(JSON_TMP(json_member(c, "weightDevice")), sizeof(struct rtr_weight_device),
			 (void **)&res->block_io.weight_device, &res->block_io.n_weight_device,
			 parse_weight_device, err);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(throttles); i++)
		r = spec_objects(JSON_TMP(json_member(c, throttles[i].key)),
				 sizeof(struct rtr_throttle), (void **)throttles[i].list,
				 throttles[i].n, parse_throttle, err);
	return r;
}

static int parse_hugepage(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "pageSize", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_hugepage_limit, page_size), .required = true },
		{ .key = "limit", .kind = SPEC_U64,
		  .off = offsetof(struct rtr_hugepage_limit, limit), .max = UINT64_MAX,
		  .required = true },
	};
	/* clang-format on */
	struct rtr_hugepage_limit *h = elem;
	const char *p;
	int r = spec_fields(c, f, ELEMENTSOF(f), h, err);

	if (r < 0)
		return r;
	/* It names a cgroup file (hugetlb.<size>.limit_in_bytes): digits and a unit. */
	p = h->page_size + strspn(h->page_size, "0123456789");
	if (p == h->page_size || !(streq(p, "KB") || streq(p, "MB") || streq(p, "GB")))
		return json_error(JSON_TMP(json_member(c, "pageSize")), err,
				  "\"%.32s\" is not a size like 2MB", h->page_size);
	return 0;
}

/* A name that becomes one file name in a cgroup directory. */
static int check_cgroup_file(const struct json_cur *m, struct rtr_err *err)
{
	if (!m->key[0] || m->key[0] == '.' || strchr(m->key, '/'))
		return json_error(m, err, "not a cgroup file name");
	return 0;
}

/* A value the command line takes too: the same check (limit-check.h), named by its path. */
static int check_i64(const struct json_cur *c, bool set, int64_t v, const char *(*check)(int64_t),
		     struct rtr_err *err)
{
	const char *why = set ? check(v) : NULL;

	return why ? json_error(c, err, "%" PRId64 ": %s", v, why) : 0;
}

static int check_u64(const struct json_cur *c, bool set, uint64_t v, const char *(*check)(uint64_t),
		     struct rtr_err *err)
{
	const char *why = set ? check(v) : NULL;

	return why ? json_error(c, err, "%" PRIu64 ": %s", v, why) : 0;
}

/* The limits parsed (cpu, pids, blockIO) and checked.  A shares or weight of 0 is
 * "unset" to runc and crun, so it is here. */
static int check_limits(const struct json_cur *mem, const struct json_cur *cpu,
			const struct json_cur *pids, const struct json_cur *bio,
			struct rtr_resources *res, struct rtr_err *err)
{
	int r = spec_fields(cpu, cpu_fields, ELEMENTSOF(cpu_fields), res, err);

	if (r < 0)
		return r;
	r = spec_fields(pids, pids_fields, ELEMENTSOF(pids_fields), res, err);
	if (r < 0)
		return r;
	r = json_object(bio, NULL, err);
	if (r > 0)
		r = parse_block_io(bio, res, err);
	if (r < 0)
		return r;
	res->cpu.shares_set &= res->cpu.shares != 0;
	res->block_io.weight_set &= res->block_io.weight != 0;
	if ((r = check_i64(JSON_TMP(json_member(mem, "limit")), res->memory.limit_set,
			   res->memory.limit, limit_check_memory, err)) < 0 ||
	    (r = check_i64(JSON_TMP(json_member(mem, "swap")), res->memory.swap_set,
			   res->memory.swap, limit_check_swap, err)) < 0 ||
	    (r = check_i64(JSON_TMP(json_member(mem, "reservation")), res->memory.reservation_set,
			   res->memory.reservation, limit_check_reservation, err)) < 0 ||
	    (r = check_i64(JSON_TMP(json_member(pids, "limit")), res->pids.limit_set,
			   res->pids.limit, limit_check_pids, err)) < 0 ||
	    (r = check_u64(JSON_TMP(json_member(cpu, "shares")), res->cpu.shares_set,
			   res->cpu.shares, limit_check_cpu_shares, err)) < 0)
		return r;
	return check_u64(JSON_TMP(json_member(bio, "weight")), res->block_io.weight_set,
			 res->block_io.weight, limit_check_io_weight, err);
}

static int parse_resources(const struct json_cur *c, struct rtr_resources *res, struct rtr_err *err)
{
	struct json_cur mem = json_member(c, "memory"), cpu = json_member(c, "cpu"),
			pids = json_member(c, "pids"), bio = json_member(c, "blockIO");
	int r;

	r = spec_objects(JSON_TMP(json_member(c, "devices")), sizeof(struct rtr_device_rule),
			 (void **)&res->devices, &res->n_devices, parse_device_rule, err);
	if (r < 0)
		return r;
	r = spec_fields(&mem, memory_fields, ELEMENTSOF(memory_fields), res, err);
	if (r < 0)
		return r;
	r = check_limits(&mem, &cpu, &pids, &bio, res, err);
	if (r < 0)
		return r;
	r = check_cpu_list(JSON_TMP(json_member(&cpu, "cpus")), res->cpu.cpus, err);
	if (r < 0)
		return r;
	r = check_cpu_list(JSON_TMP(json_member(&cpu, "mems")), res->cpu.mems, err);
	if (r < 0)
		return r;
	r = spec_objects(JSON_TMP(json_member(c, "hugepageLimits")),
			 sizeof(struct rtr_hugepage_limit), (void **)&res->hugepage_limits,
			 &res->n_hugepage_limits, parse_hugepage, err);
	if (r < 0)
		return r;
	r = spec_kv(JSON_TMP(json_member(c, "unified")), &res->unified, &res->n_unified,
		    check_cgroup_file, err);
	return r < 0 ? r : 0;
}

/* ---- sysctl, cgroupsPath ---- */

/* True when @p has a ".." component ('.' also separates sysctl key components). */
static bool has_dotdot(const char *p, const char *seps)
{
	for (const char *s = p; (s = strstr(s, "..")); s++) {
		bool start = s == p || strchr(seps, s[-1]);
		bool end = !s[2] || strchr(seps, s[2]);
		if (start && end)
			return true;
	}
	return false;
}

static int check_sysctl(const struct json_cur *m, struct rtr_err *err)
{
	const char *k = m->key;

	/* "net.ipv4.ip_forward" or "net/ipv4/ip_forward", always below /proc/sys. */
	if (!k[0] || k[0] == '/' || k[0] == '.' || strstr(k, "..") || strstr(k, "//") ||
	    strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./") !=
		strlen(k))
		return json_error(m, err, "not a sysctl name");
	return 0;
}

/* ---- seccomp ---- */

static int parse_action(const struct json_cur *c, uint32_t *ret, struct rtr_err *err)
{
	const char *name;
	int r = json_str(c, &name, err);

	if (r < 0)
		return r;
	if (r == 0)
		return json_error(c, err, "missing");
	if (filter_action_from_name(name, ret) < 0)
		return json_error(c, err, "unknown action \"%.64s\"", name);
	return 0;
}

static int parse_seccomp_arg(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "index", .kind = SPEC_UINT, .off = offsetof(struct rtr_seccomp_arg, index),
		  .max = 5, .required = true },
		{ .key = "value", .kind = SPEC_U64, .off = offsetof(struct rtr_seccomp_arg, value),
		  .max = UINT64_MAX, .required = true },
		{ .key = "valueTwo", .kind = SPEC_U64,
		  .off = offsetof(struct rtr_seccomp_arg, value_two), .max = UINT64_MAX },
	};
	/* clang-format on */
	struct rtr_seccomp_arg *a = elem;
	struct json_cur op = json_member(c, "op");
	const char *name;
	int r = spec_fields(c, f, ELEMENTSOF(f), a, err);

	if (r < 0)
		return r;
	r = json_str(&op, &name, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&op, err, "missing");
	if (filter_op_from_name(name, &a->op) < 0)
		return json_error(&op, err, "unknown operator \"%.64s\"", name);
	return 0;
}

/* "includes"/"excludes" of Docker's and Podman's profiles: typed here, evaluated by
 * seccomp-cond.c once the container's capabilities are final. */
static int parse_cond(const struct json_cur *c, struct rtr_seccomp_cond *cond, struct rtr_err *err)
{
	struct json_cur caps = json_member(c, "caps"), mk = json_member(c, "minKernel");
	_cleanup_strv_free_ char **names = NULL;
	const char *v;
	size_t n;
	int r = json_object(c, &n, err);

	if (r <= 0)
		return r;
	r = json_strv(JSON_TMP(json_member(c, "arches")), &cond->arches, err);
	if (r < 0)
		return r;
	r = json_strv(&caps, &names, err);
	if (r < 0)
		return r;
	for (size_t i = 0; names && names[i]; i++) {
		int cap;

		/* A newer profile may name a capability rtr does not know: never held. */
		if (caps_from_name(names[i], &cap) < 0 || cap < 0 || cap >= 64)
			cond->unknown_cap = true;
		else
			cond->caps |= UINT64_C(1) << cap;
	}
	r = json_str(&mk, &v, err);
	if (r < 0)
		return r;
	if (r > 0 && filter_kernel_version(v, &cond->min_kernel) < 0)
		return json_error(&mk, err,
				  "expected a kernel version \"MAJOR.MINOR\", got \"%.32s\"", v);
	return 0;
}

static int parse_syscall(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "errnoRet", .kind = SPEC_U32,
		  .off = offsetof(struct rtr_seccomp_syscall, errno_ret),
		  .set = SPEC_SET(struct rtr_seccomp_syscall, errno_ret_set), .max = 4095 },
	};
	/* clang-format on */
	struct rtr_seccomp_syscall *sc = elem;
	struct json_cur names = json_member(c, "names");
	int r;

	r = json_strv(&names, &sc->names, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&names, err, "missing");
	if (!sc->names[0])
		return json_error(&names, err, "must not be empty");
	for (size_t i = 0; sc->names[i]; i++)
		if (!sc->names[i][0])
			return json_error(JSON_TMP(json_item(&names, i)), err,
					  "empty syscall name");
	r = parse_action(JSON_TMP(json_member(c, "action")), &sc->action, err);
	if (r < 0)
		return r;
	r = spec_fields(c, f, ELEMENTSOF(f), sc, err);
	if (r < 0)
		return r;
	r = parse_cond(JSON_TMP(json_member(c, "includes")), &sc->includes, err);
	if (r < 0)
		return r;
	r = parse_cond(JSON_TMP(json_member(c, "excludes")), &sc->excludes, err);
	if (r < 0)
		return r;
	return spec_objects(JSON_TMP(json_member(c, "args")), sizeof(struct rtr_seccomp_arg),
			    (void **)&sc->args, &sc->n_args, parse_seccomp_arg, err);
}

static int parse_seccomp(const struct json_cur *c, struct rtr_seccomp *sc, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "defaultErrnoRet", .kind = SPEC_U32,
		  .off = offsetof(struct rtr_seccomp, default_errno_ret),
		  .set = SPEC_SET(struct rtr_seccomp, default_errno_ret_set), .max = 4095 },
		{ .key = "listenerPath", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_seccomp, listener_path) },
		{ .key = "listenerMetadata", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_seccomp, listener_metadata) },
	};
	/* clang-format on */
	struct json_cur arch = json_member(c, "architectures"), flags = json_member(c, "flags");
	uint32_t unused;
	int r;

	r = parse_action(JSON_TMP(json_member(c, "defaultAction")), &sc->default_action, err);
	if (r < 0)
		return r;
	r = spec_fields(c, f, ELEMENTSOF(f), sc, err);
	if (r < 0)
		return r;
	r = json_strv(&arch, &sc->architectures, err);
	if (r < 0)
		return r;
	for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
		if (filter_arch_from_name(sc->architectures[i], &unused) < 0)
			return json_error(JSON_TMP(json_item(&arch, i)), err,
					  "unknown architecture \"%.64s\"", sc->architectures[i]);
	r = json_strv(&flags, &sc->flags, err);
	if (r < 0)
		return r;
	for (size_t i = 0; sc->flags && sc->flags[i]; i++) {
		bool known = false;
		unsigned int unused_flag;

		known = filter_flag_from_name(sc->flags[i], &unused_flag) == 0;
		if (!known)
			return json_error(JSON_TMP(json_item(&flags, i)), err,
					  "unknown flag \"%.64s\"", sc->flags[i]);
	}
	return spec_objects(JSON_TMP(json_member(c, "syscalls")),
			    sizeof(struct rtr_seccomp_syscall), (void **)&sc->syscalls,
			    &sc->n_syscalls, parse_syscall, err);
}

/* ---- linux ---- */

static int parse_personality(const struct json_cur *c, struct rtr_linux *l, struct rtr_err *err)
{
	struct json_cur domain = json_member(c, "domain");
	size_t n;
	int r = json_object(c, &n, err);

	if (r <= 0)
		return r;
	r = json_strdup(&domain, &l->personality_domain, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&domain, err, "missing");
	if (!streq(l->personality_domain, "LINUX") && !streq(l->personality_domain, "LINUX32"))
		return json_error(&domain, err, "unknown domain \"%.32s\" (LINUX or LINUX32)",
				  l->personality_domain);
	l->personality_set = true;
	return 0;
}

static int parse_paths(const struct json_cur *lx, struct rtr_linux *l, struct rtr_err *err)
{
	int r = spec_abs_paths(JSON_TMP(json_member(lx, "maskedPaths")), &l->masked_paths, err);

	if (r < 0)
		return r;
	l->masked_paths_set = r > 0;
	r = spec_abs_paths(JSON_TMP(json_member(lx, "readonlyPaths")), &l->readonly_paths, err);
	if (r < 0)
		return r;
	l->readonly_paths_set = r > 0;
	return 0;
}

int spec_parse_linux(const struct json_cur *lx, struct rtr_linux *l, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "cgroupsPath", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_linux, cgroups_path) },
		{ .key = "rootfsPropagation", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_linux, rootfs_propagation) },
		{ .key = "mountLabel", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_linux, mount_label) },
	};
	/* clang-format on */
	struct json_cur res = json_member(lx, "resources"), sc = json_member(lx, "seccomp");
	size_t n;
	int r;

	r = parse_namespaces(JSON_TMP(json_member(lx, "namespaces")), l, err);
	if (r < 0)
		return r;
	r = spec_idmaps(JSON_TMP(json_member(lx, "uidMappings")), &l->uid_mappings,
			&l->n_uid_mappings, err);
	if (r < 0)
		return r;
	r = spec_idmaps(JSON_TMP(json_member(lx, "gidMappings")), &l->gid_mappings,
			&l->n_gid_mappings, err);
	if (r < 0)
		return r;
	r = spec_objects(JSON_TMP(json_member(lx, "devices")), sizeof(struct rtr_device),
			 (void **)&l->devices, &l->n_devices, parse_device, err);
	if (r < 0)
		return r;
	r = spec_fields(lx, f, ELEMENTSOF(f), l, err);
	if (r < 0)
		return r;
	if (l->cgroups_path && (!l->cgroups_path[0] || has_dotdot(l->cgroups_path, "/:")))
		return json_error(JSON_TMP(json_member(lx, "cgroupsPath")), err,
				  "\"%.64s\" is empty or has a \"..\" component", l->cgroups_path);
	if (l->rootfs_propagation &&
	    spec_propagation(l->rootfs_propagation, &l->rootfs_propagation_flags) < 0)
		return json_error(JSON_TMP(json_member(lx, "rootfsPropagation")), err,
				  "unknown propagation \"%.32s\"", l->rootfs_propagation);

	r = json_object(&res, &n, err);
	if (r < 0)
		return r;
	if (r > 0) {
		l->resources_set = true;
		r = parse_resources(&res, &l->resources, err);
		if (r < 0)
			return r;
	}
	r = spec_kv(JSON_TMP(json_member(lx, "sysctl")), &l->sysctl, &l->n_sysctl, check_sysctl,
		    err);
	if (r < 0)
		return r;
	r = json_object(&sc, &n, err);
	if (r < 0)
		return r;
	if (r > 0) {
		l->seccomp = calloc(1, sizeof(*l->seccomp));
		if (!l->seccomp)
			return -ENOMEM;
		r = parse_seccomp(&sc, l->seccomp, err);
		if (r < 0)
			return r;
	}
	r = parse_paths(lx, l, err);
	if (r < 0)
		return r;
	return parse_personality(JSON_TMP(json_member(lx, "personality")), l, err);
}

static void resources_free(struct rtr_resources *r)
{
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_device);
	free(r->block_io.read_bps);
	free(r->block_io.write_bps);
	free(r->block_io.read_iops);
	free(r->block_io.write_iops);
	for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	spec_kv_free(r->unified, r->n_unified);
}

int spec_parse_seccomp(const char *buf, size_t len, struct rtr_seccomp **ret, struct rtr_err *err)
{
	_cleanup_json_ struct json *tree = NULL;
	struct json_cur root;
	struct rtr_seccomp *sc;
	size_t n;
	int r;

	r = json_parse(buf, len, RTR_CONFIG_MAX_BYTES, &tree, err);
	if (r < 0)
		return r;
	root = json_root(tree);
	r = json_object(&root, &n, err);
	if (r == 0)
		return json_error(&root, err, "expected an object, got null");
	if (r < 0)
		return r;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return rtr_err_set(err, ENOMEM, "out of memory");
	r = parse_seccomp(&root, sc, err);
	if (r < 0) {
		filter_spec_free(sc);
		return r == -ENOMEM ? rtr_err_set(err, ENOMEM, "out of memory") : r;
	}
	*ret = sc;
	return 0;
}

void spec_linux_free(struct rtr_linux *l)
{
	for (size_t t = 0; t < _RTR_NS_MAX; t++)
		free(l->ns[t].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; l->devices && i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	resources_free(&l->resources);
	free(l->cgroups_path);
	spec_kv_free(l->sysctl, l->n_sysctl);
	filter_spec_free(l->seccomp);
	free(l->rootfs_propagation);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	free(l->mount_label);
	free(l->personality_domain);
}
