/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup limits: the check that the host's layout can honour every setting of the typed
 * spec (settings.c folds the command-line limits into linux.resources), and the writes
 * to v1 or v2 files.
 * Conversions follow what runc, crun and systemd agree on (cpu.shares -> cpu.weight,
 * blkio weight -> io.weight, --memory-swap as memory plus swap).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup-limits.h"
#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "cgroup.h"

/* ---- v1 real-time group scheduling ----
 * The kernel accepts a group's cpu.rt_runtime_us only while its parent's share
 * (runtime/period, as the kernel's to_ratio() computes it) covers the sum of its
 * children's, and a new group starts with none: a container asking for a real-time
 * budget needs it granted in every ancestor below the root, as runc and crun do. */
#define RT_BW_SHIFT 20
#define RT_DEPTH_MAX 32
#define RT_PERIOD_DEFAULT_US 1000000 /* the kernel's, when the group has none */

static uint64_t rt_ratio(int64_t runtime, uint64_t period)
{
	if (runtime < 0)
		return 1ULL << RT_BW_SHIFT; /* -1: unlimited */
	return period ? ((uint64_t)runtime << RT_BW_SHIFT) / period : 0;
}

static int rt_read(int dfd, int64_t *runtime, uint64_t *period)
{
	char buf[32];
	int r = cg_read_u64(dfd, "cpu.rt_period_us", NULL, period);

	if (r < 0)
		return r;
	if (cg_read_small(dfd, "cpu.rt_runtime_us", buf, sizeof(buf)) <= 0)
		return -EIO;
	*runtime = strtoll(buf, NULL, 10);
	return 0;
}

/* The sum of the shares of @dfd's children, but @skip's. */
static uint64_t rt_children(int dfd, const char *skip)
{
	_cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	uint64_t sum = 0, period;
	int64_t runtime;

	if (!d)
		return 0;
	fd = -1; /* closedir closes it */
	while ((de = readdir(d))) {
		_cleanup_close_ int cfd = -1;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || streq(de->d_name, skip))
			continue;
		cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd >= 0 && rt_read(cfd, &runtime, &period) == 0)
			sum += rt_ratio(runtime, period);
	}
	closedir(d);
	return sum;
}

/* Raises the share of every ancestor of the container's cpu directory (below the
 * hierarchy's root) to what its children, the container's new share @want included,
 * need.  Computed bottom-up, written top-down so each write finds room above it. */
static int rt_grant_ancestors(struct rtr_cgroup *cg, uint64_t want, struct rtr_err *err)
{
	char rel[sizeof(cg->rel)], path[PATH_MAX], v[32];
	uint64_t need[RT_DEPTH_MAX], period[RT_DEPTH_MAX];
	int64_t runtime[RT_DEPTH_MAX];
	int depth = 0;

	memcpy(rel, cg->rel, sizeof(rel));
	for (char *slash; depth < RT_DEPTH_MAX && (slash = strrchr(rel, '/')); depth++) {
		_cleanup_close_ int fd = -1;

		*slash = 0;
		if (cg_path(&cg->h, CG_CPU, rel, path, sizeof(path)) < 0 ||
		    (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		    rt_read(fd, &runtime[depth], &period[depth]) < 0)
			return 0; /* the container's own write reports what is wrong */
		need[depth] = rt_children(fd, slash + 1) + want;
		want = need[depth];
		if (rt_ratio(runtime[depth], period[depth]) > want)
			want = rt_ratio(runtime[depth], period[depth]);
	}
	while (depth-- > 0) {
		uint64_t p = period[depth], rt;
		int r;

		if (rt_ratio(runtime[depth], p) >= need[depth])
			continue;
		rt = (need[depth] * p + (1ULL << RT_BW_SHIFT) - 1) >> RT_BW_SHIFT;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)rt);
		memcpy(rel, cg->rel, sizeof(rel));
		for (int k = 0; k <= depth; k++)
			*strrchr(rel, '/') = 0;
		if (cg_path(&cg->h, CG_CPU, rel, path, sizeof(path)) < 0)
			return -ENAMETOOLONG;
		strncat(path, "/cpu.rt_runtime_us", sizeof(path) - strlen(path) - 1);
		r = write_string_at(AT_FDCWD, path, v);
		if (r < 0)
			return rtr_err_sys(err, -r,
					   "linux.resources.cpu.realtimeRuntime: granting %s us to "
					   "the parent cgroup %s",
					   v, path);
	}
	return 0;
}

/* v1 cpu.rt_period_us and cpu.rt_runtime_us, the ancestors' budget granted first. */
static int apply_rt(const struct rtr_resources *res, struct rtr_cgroup *cg, int w,
		    struct rtr_err *err)
{
	uint64_t period = RT_PERIOD_DEFAULT_US;
	int64_t runtime = 0;
	char v[32];
	int r = 0;

	if (!res->cpu.realtime_period_set && !res->cpu.realtime_runtime_set)
		return 0;
	if (res->cpu.realtime_period_set) {
		period = res->cpu.realtime_period;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)period);
		r = cg_set(cg, w, "cpu.rt_period_us", v, "linux.resources.cpu.realtimePeriod", err);
	} else {
		rt_read(cg_dir_fd(cg, w), &runtime, &period);
	}
	if (r < 0 || !res->cpu.realtime_runtime_set)
		return r;
	runtime = res->cpu.realtime_runtime;
	r = rt_grant_ancestors(cg, rt_ratio(runtime, period), err);
	if (r < 0)
		return r;
	snprintf(v, sizeof(v), "%lld", (long long)runtime);
	return cg_set(cg, w, "cpu.rt_runtime_us", v, "linux.resources.cpu.realtimeRuntime", err);
}

/* ---- the scalar limits: one row a cgroup file ----
 * Rows are written in order: v1 memory.memsw.limit_in_bytes must not go below
 * memory.limit_in_bytes, so the limit goes first; cpu.cfs_quota_us after its period.
 * A row is written when the controller sits on the version the row is for and its
 * bool x_set (if it has one) is true. */
enum lim_how {
	LIM_U64,       /* uint64_t */
	LIM_U64_MAX,   /* uint64_t, UINT64_MAX: "max" */
	LIM_I64,       /* int64_t, negative: unlimited, "-1" */
	LIM_I64_MAX,   /* int64_t, negative: unlimited, "max" */
	LIM_POS,       /* int64_t, 0 or negative: unlimited, "-1" */
	LIM_POS_MAX,   /* int64_t, 0 or negative: unlimited, "max" */
	LIM_TRUE,      /* bool: "1" when true, nothing when false */
	LIM_STR,       /* char *: nothing when NULL or empty */
	LIM_SWAP_V2,   /* memory plus swap (int64_t), less memory.limit: v2 counts swap alone */
	LIM_WEIGHT_V2, /* cpu.shares [2, 262144] -> cpu.weight [1, 10000], as runc, crun and
			* systemd convert */
	LIM_CPU_MAX,   /* "QUOTA PERIOD" or "max PERIOD", from cpu.quota and cpu.period */
	LIM_RT,	       /* v1 cpu.rt_period_us and cpu.rt_runtime_us: apply_rt() */
};

enum { ON_V1 = 1, ON_V2 = 2 };

struct lim_row {
	const char *file;
	const char *what; /* named in errors: the spec's path and the option */
	uint16_t set;	  /* SPEC_SET()-like: offset + 1 of the bool x_set, 0 for none */
	uint16_t val;	  /* offset of the value in struct rtr_spec */
	uint8_t ctrl;	  /* enum cg_ctrl */
	uint8_t on;	  /* ON_V1 | ON_V2 */
	uint8_t how;	  /* enum lim_how */
};

#define LIM_OFF(f) offsetof(struct rtr_spec, f)
/* A value with a bool x_set beside it, and one without. */
#define ROW(c, on, file, f, how, what)                                                             \
	{                                                                                          \
		file, what, LIM_OFF(f##_set) + 1, LIM_OFF(f), c, on, how                           \
	}
#define ROW0(c, on, file, f, how, what)                                                            \
	{                                                                                          \
		file, what, 0, LIM_OFF(f), c, on, how                                              \
	}

/* clang-format off */
static const struct lim_row lim_rows[] = {
	ROW(CG_MEMORY, ON_V2, "memory.max", lx.resources.memory.limit, LIM_I64_MAX,
	    "memory.limit (--memory)"),
	ROW(CG_MEMORY, ON_V2, "memory.swap.max", lx.resources.memory.swap, LIM_SWAP_V2,
	    "memory.swap (--memory-swap)"),
	ROW(CG_MEMORY, ON_V2, "memory.low", lx.resources.memory.reservation, LIM_I64_MAX,
	    "memory.reservation (--memory-reservation)"),
	ROW(CG_MEMORY, ON_V2, "memory.high", ext.memory_high, LIM_U64_MAX, "--memory-high"),
	ROW(CG_MEMORY, ON_V1, "memory.limit_in_bytes", lx.resources.memory.limit, LIM_I64,
	    "memory.limit (--memory)"),
	ROW(CG_MEMORY, ON_V1, "memory.memsw.limit_in_bytes", lx.resources.memory.swap, LIM_I64,
	    "memory.swap (--memory-swap)"),
	ROW(CG_MEMORY, ON_V1, "memory.soft_limit_in_bytes", lx.resources.memory.reservation,
	    LIM_I64, "memory.reservation (--memory-reservation)"),
	ROW(CG_MEMORY, ON_V1, "memory.swappiness", lx.resources.memory.swappiness, LIM_U64,
	    "linux.resources.memory.swappiness"),
	ROW(CG_MEMORY, ON_V1, "memory.oom_control", lx.resources.memory.disable_oom_killer,
	    LIM_TRUE, "linux.resources.memory.disableOOMKiller"),

	ROW(CG_PIDS, ON_V1 | ON_V2, "pids.max", lx.resources.pids.limit, LIM_POS_MAX,
	    "pids.limit (--pids-limit)"),

	ROW(CG_CPU, ON_V2, "cpu.weight", lx.resources.cpu.shares, LIM_WEIGHT_V2,
	    "cpu.shares (--cpu-shares)"),
	ROW0(CG_CPU, ON_V2, "cpu.max", lx.resources.cpu.quota, LIM_CPU_MAX,
	     "cpu.quota/period (--cpus)"),
	ROW(CG_CPU, ON_V2, "cpu.max.burst", lx.resources.cpu.burst, LIM_U64,
	    "linux.resources.cpu.burst"),
	ROW(CG_CPU, ON_V1, "cpu.shares", lx.resources.cpu.shares, LIM_U64,
	    "cpu.shares (--cpu-shares)"),
	ROW(CG_CPU, ON_V1, "cpu.cfs_period_us", lx.resources.cpu.period, LIM_U64,
	    "cpu.period (--cpus)"),
	ROW(CG_CPU, ON_V1, "cpu.cfs_quota_us", lx.resources.cpu.quota, LIM_POS,
	    "cpu.quota (--cpus)"),
	ROW(CG_CPU, ON_V1, "cpu.cfs_burst_us", lx.resources.cpu.burst, LIM_U64,
	    "linux.resources.cpu.burst"),
	ROW0(CG_CPU, ON_V1, NULL, lx.resources.cpu, LIM_RT, NULL),
	ROW(CG_CPU, ON_V1 | ON_V2, "cpu.idle", lx.resources.cpu.idle, LIM_I64,
	    "linux.resources.cpu.idle"),

	ROW0(CG_CPUSET, ON_V1 | ON_V2, "cpuset.cpus", lx.resources.cpu.cpus, LIM_STR,
	     "cpu.cpus (--cpu-list)"),
	ROW0(CG_CPUSET, ON_V1 | ON_V2, "cpuset.mems", lx.resources.cpu.mems, LIM_STR,
	     "cpu.mems (--cpu-mems)"),
};
/* clang-format on */

#undef ROW
#undef ROW0
#undef LIM_OFF

/* The text row @l writes into @v, or NULL when it writes nothing. */
static const char *lim_value(const struct rtr_spec *s, const struct lim_row *l, char *v, size_t n)
{
	const struct rtr_resources *res = &s->lx.resources;
	const void *p = (const char *)s + l->val;
	uint64_t u = 0;
	int64_t i = 0;

	switch (l->how) {
	case LIM_U64:
	case LIM_U64_MAX:
		u = *(const uint64_t *)p;
		if (l->how == LIM_U64_MAX && u == UINT64_MAX)
			return "max";
		snprintf(v, n, "%llu", (unsigned long long)u);
		return v;
	case LIM_TRUE:
		return *(const bool *)p ? "1" : NULL;
	case LIM_STR:
		return *(char *const *)p && **(char *const *)p ? *(char *const *)p : NULL;
	case LIM_WEIGHT_V2:
		u = res->cpu.shares < 2 ? 2 : res->cpu.shares > 262144 ? 262144 : res->cpu.shares;
		snprintf(v, n, "%llu", (unsigned long long)(1 + ((u - 2) * 9999) / 262142));
		return v;
	case LIM_CPU_MAX:
		u = res->cpu.period_set ? res->cpu.period : RTR_CPU_PERIOD_US;
		if (!res->cpu.quota_set && !res->cpu.period_set)
			return NULL;
		if (res->cpu.quota_set && res->cpu.quota > 0)
			snprintf(v, n, "%lld %llu", (long long)res->cpu.quota,
				 (unsigned long long)u);
		else
			snprintf(v, n, "max %llu", (unsigned long long)u);
		return v;
	case LIM_SWAP_V2:
		i = res->memory.swap;
		if (i >= 0 && res->memory.limit_set && res->memory.limit >= 0)
			i -= res->memory.limit;
		break;
	default: /* the int64_t kinds */
		i = *(const int64_t *)p;
		if (i == 0 && (l->how == LIM_POS || l->how == LIM_POS_MAX))
			i = -1;
	}
	if (i >= 0)
		snprintf(v, n, "%lld", (long long)i);
	else
		snprintf(v, n, "%s", l->how == LIM_I64 || l->how == LIM_POS ? "-1" : "max");
	return v;
}

static int apply_rows(const struct rtr_spec *s, struct rtr_cgroup *cg, struct rtr_err *err)
{
	for (size_t i = 0; i < ELEMENTSOF(lim_rows); i++) {
		const struct lim_row *l = &lim_rows[i];
		int w = cg_where(&cg->h, l->ctrl), r = 0;
		const char *v;
		char buf[64];

		if (!(l->on & (w == CG_V2 ? ON_V2 : ON_V1)) ||
		    (l->set && !*(const bool *)((const char *)s + l->set - 1)))
			continue;
		if (l->how == LIM_RT)
			r = apply_rt(&s->lx.resources, cg, w, err);
		else if ((v = lim_value(s, l, buf, sizeof(buf))))
			r = cg_set(cg, w, l->file, v, l->what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v2_io_weight(uint16_t w)
{
	/* blkio [10, 1000] -> io.weight [1, 10000], as runc and crun convert */
	return 1 + ((int)w - 10) * 9999 / 990;
}

static int apply_throttles(struct rtr_cgroup *cg, int w, const struct rtr_throttle *t, size_t n,
			   const char *v1file, const char *v2key, const char *what,
			   struct rtr_err *err)
{
	char v[96];
	int r;

	for (size_t i = 0; i < n; i++) {
		if (w == CG_V2)
			snprintf(v, sizeof(v), "%lld:%lld %s=%llu", (long long)t[i].major,
				 (long long)t[i].minor, v2key, (unsigned long long)t[i].rate);
		else
			snprintf(v, sizeof(v), "%lld:%lld %llu", (long long)t[i].major,
				 (long long)t[i].minor, (unsigned long long)t[i].rate);
		r = cg_set(cg, w, w == CG_V2 ? "io.max" : v1file, v, what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_blkio(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	int w = cg_where(&cg->h, CG_BLKIO), r = 0;
	bool v2 = w == CG_V2;
	const char *wfile;
	char v[64];

	if (res->block_io.weight_set) {
		if (v2 ? cg_has_file(cg, w, "io.bfq.weight")
		       : cg_has_file(cg, w, "blkio.bfq.weight")) {
			wfile = v2 ? "io.bfq.weight" : "blkio.bfq.weight";
			snprintf(v, sizeof(v), "%u", res->block_io.weight);
		} else if (v2) {
			wfile = "io.weight";
			snprintf(v, sizeof(v), "default %d", v2_io_weight(res->block_io.weight));
		} else {
			wfile = "blkio.weight";
			snprintf(v, sizeof(v), "%u", res->block_io.weight);
		}
		r = cg_set(cg, w, wfile, v, "blockIO.weight (--io-weight)", err);
	}
	if (r == 0 && res->block_io.leaf_weight_set) {
		if (v2)
			return rtr_err_set(err, EOPNOTSUPP,
					   "linux.resources.blockIO.leafWeight: not supported by "
					   "cgroup v2");
		snprintf(v, sizeof(v), "%u", res->block_io.leaf_weight);
		r = cg_set(cg, w, "blkio.leaf_weight", v, "linux.resources.blockIO.leafWeight",
			   err);
	}
	for (size_t i = 0; r == 0 && i < res->block_io.n_weight_device; i++) {
		const struct rtr_weight_device *d = &res->block_io.weight_device[i];

		if (!d->weight_set)
			continue;
		wfile = v2					    ? "io.weight"
			: cg_has_file(cg, w, "blkio.weight_device") ? "blkio.weight_device"
								    : "blkio.bfq.weight_device";
		snprintf(v, sizeof(v), "%lld:%lld %d", (long long)d->major, (long long)d->minor,
			 v2 ? v2_io_weight(d->weight) : d->weight);
		r = cg_set(cg, w, wfile, v, "linux.resources.blockIO.weightDevice", err);
	}
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.read_bps, res->block_io.n_read_bps,
				    "blkio.throttle.read_bps_device", "rbps",
				    "blockIO.throttleReadBpsDevice (--device-read-bps)", err);
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.write_bps, res->block_io.n_write_bps,
				    "blkio.throttle.write_bps_device", "wbps",
				    "blockIO.throttleWriteBpsDevice (--device-write-bps)", err);
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.read_iops, res->block_io.n_read_iops,
				    "blkio.throttle.read_iops_device", "riops",
				    "blockIO.throttleReadIOPSDevice (--device-read-iops)", err);
	if (r == 0)
		r = apply_throttles(cg, w, res->block_io.write_iops, res->block_io.n_write_iops,
				    "blkio.throttle.write_iops_device", "wiops",
				    "blockIO.throttleWriteIOPSDevice (--device-write-iops)", err);
	return r;
}

int cg_apply_limits(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	char v[64], file[96];
	int r, w;

	r = apply_rows(c->spec, cg, err);
	if (r == 0)
		r = apply_blkio(c, cg, err);
	w = cg_where(&cg->h, CG_HUGETLB);
	for (size_t i = 0; r == 0 && i < res->n_hugepage_limits; i++) {
		const struct rtr_hugepage_limit *l = &res->hugepage_limits[i];

		if (!l->page_size || strchr(l->page_size, '/'))
			return rtr_err_set(err, EINVAL,
					   "linux.resources.hugepageLimits: bad pageSize");
		snprintf(file, sizeof(file), "hugetlb.%s.%s", l->page_size,
			 w == CG_V2 ? "max" : "limit_in_bytes");
		snprintf(v, sizeof(v), "%llu", (unsigned long long)l->limit);
		r = cg_set(cg, w, file, v, "linux.resources.hugepageLimits", err);
	}
	for (size_t i = 0; r == 0 && i < res->n_unified; i++) {
		const char *k = res->unified[i].key;

		if (!k || !*k || strchr(k, '/') || k[0] == '.')
			return rtr_err_set(err, EINVAL, "linux.resources.unified: bad key '%s'",
					   k ? k : "");
		snprintf(file, sizeof(file), "linux.resources.unified %s", k);
		r = cg_set(cg, CG_V2, k, res->unified[i].value ? res->unified[i].value : "", file,
			   err);
	}
	return r;
}

int cg_check_supported(struct rtr_container *c, const struct cg_host *h, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	bool high = c->spec->ext.memory_high_set;
	const char *l = cg_layout_name(h->layout);
	struct {
		bool set;
		int ctrl;
		const char *what;
	} need[] = {
	    {res->memory.limit_set || res->memory.reservation_set || res->memory.swap_set ||
		 res->memory.swappiness_set || res->memory.disable_oom_killer_set || high,
	     CG_MEMORY, "linux.resources.memory (--memory...)"},
	    {res->pids.limit_set, CG_PIDS, "linux.resources.pids (--pids-limit)"},
	    {res->cpu.shares_set || res->cpu.quota_set || res->cpu.period_set ||
		 res->cpu.burst_set || res->cpu.realtime_runtime_set ||
		 res->cpu.realtime_period_set || res->cpu.idle_set,
	     CG_CPU, "linux.resources.cpu (--cpus, --cpu-shares)"},
	    {(res->cpu.cpus && *res->cpu.cpus) || (res->cpu.mems && *res->cpu.mems), CG_CPUSET,
	     "linux.resources.cpu.cpus/mems (--cpu-list, --cpu-mems)"},
	    {res->block_io.weight_set || res->block_io.leaf_weight_set ||
		 res->block_io.n_weight_device || res->block_io.n_read_bps ||
		 res->block_io.n_write_bps || res->block_io.n_read_iops ||
		 res->block_io.n_write_iops,
	     CG_BLKIO, "linux.resources.blockIO (--io-weight, --device-*-bps/iops)"},
	    {res->n_hugepage_limits > 0, CG_HUGETLB, "linux.resources.hugepageLimits"},
	};
	int mw = cg_where(h, CG_MEMORY);

	for (size_t i = 0; i < ELEMENTSOF(need); i++)
		if (need[i].set && cg_where(h, need[i].ctrl) == CG_NONE)
			return rtr_err_set(err, EOPNOTSUPP,
					   "%s: this host (%s) has no %s cgroup controller",
					   need[i].what, l, cg_ctrl_name(need[i].ctrl));
	if (res->memory.kernel_set || res->memory.kernel_tcp_set)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.kernel/kernelTCP: kernel memory limits "
				   "are not supported (the kernel deprecated them)");
	if (res->memory.use_hierarchy_set && !res->memory.use_hierarchy)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.useHierarchy false: not supported by "
				   "current kernels");
	if (high && mw != CG_V2)
		return rtr_err_set(err, EOPNOTSUPP,
				   "--memory-high: needs the memory controller on cgroup v2; this "
				   "host (%s) has it on v1 (use --memory)",
				   l);
	if (mw == CG_V2 && res->memory.swappiness_set)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.swappiness: not supported by cgroup v2");
	if (mw == CG_V2 && res->memory.disable_oom_killer_set && res->memory.disable_oom_killer)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.memory.disableOOMKiller: not supported by "
				   "cgroup v2");
	if (cg_where(h, CG_CPU) == CG_V2 &&
	    (res->cpu.realtime_runtime_set || res->cpu.realtime_period_set))
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.cpu.realtimeRuntime/Period: not supported by "
				   "cgroup v2");
	if (res->n_unified && !h->v2_root)
		return rtr_err_set(
		    err, EOPNOTSUPP,
		    "linux.resources.unified: needs a cgroup v2 tree; this host has %s", l);
	return 0;
}
