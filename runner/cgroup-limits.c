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

static void fmt_i64(char *buf, size_t n, int64_t v, const char *unlimited)
{
	if (v < 0)
		snprintf(buf, n, "%s", unlimited);
	else
		snprintf(buf, n, "%lld", (long long)v);
}

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
			return rtr_err_set(err, -r,
					   "linux.resources.cpu.realtimeRuntime: granting %s us to "
					   "the parent cgroup %s: %s",
					   v, path, strerror(-r));
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

/* v1 memory.{limit,memsw,soft_limit} or v2 memory.{max,swap.max,low,high}. */
static int apply_memory(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	const struct rtr_ext *x = &c->spec->ext;
	int w = cg_where(&cg->h, CG_MEMORY), r = 0;
	char v[32];

	if (w == CG_V2) {
		if (res->memory.limit_set) {
			fmt_i64(v, sizeof(v), res->memory.limit, "max");
			r = cg_set(cg, w, "memory.max", v, "memory.limit (--memory)", err);
		}
		if (r == 0 && res->memory.swap_set) {
			int64_t sw = res->memory.swap;

			if (sw >= 0 && res->memory.limit_set && res->memory.limit >= 0)
				sw -= res->memory.limit;
			fmt_i64(v, sizeof(v), sw, "max");
			r = cg_set(cg, w, "memory.swap.max", v, "memory.swap (--memory-swap)", err);
		}
		if (r == 0 && res->memory.reservation_set) {
			fmt_i64(v, sizeof(v), res->memory.reservation, "max");
			r = cg_set(cg, w, "memory.low", v,
				   "memory.reservation (--memory-reservation)", err);
		}
		if (r == 0 && x->memory_high_set) {
			if (x->memory_high == UINT64_MAX)
				snprintf(v, sizeof(v), "max");
			else
				snprintf(v, sizeof(v), "%llu", (unsigned long long)x->memory_high);
			r = cg_set(cg, w, "memory.high", v, "--memory-high", err);
		}
		return r;
	}
	if (res->memory.limit_set) {
		fmt_i64(v, sizeof(v), res->memory.limit, "-1");
		r = cg_set(cg, w, "memory.limit_in_bytes", v, "memory.limit (--memory)", err);
	}
	if (r == 0 && res->memory.swap_set) {
		fmt_i64(v, sizeof(v), res->memory.swap, "-1");
		r = cg_set(cg, w, "memory.memsw.limit_in_bytes", v, "memory.swap (--memory-swap)",
			   err);
	}
	if (r == 0 && res->memory.reservation_set) {
		fmt_i64(v, sizeof(v), res->memory.reservation, "-1");
		r = cg_set(cg, w, "memory.soft_limit_in_bytes", v,
			   "memory.reservation (--memory-reservation)", err);
	}
	if (r == 0 && res->memory.swappiness_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->memory.swappiness);
		r = cg_set(cg, w, "memory.swappiness", v, "linux.resources.memory.swappiness", err);
	}
	if (r == 0 && res->memory.disable_oom_killer_set && res->memory.disable_oom_killer)
		r = cg_set(cg, w, "memory.oom_control", "1",
			   "linux.resources.memory.disableOOMKiller", err);
	return r;
}

static int apply_cpu(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	int w = cg_where(&cg->h, CG_CPU), r = 0;
	char v[64];

	if (w == CG_V2) {
		if (res->cpu.shares_set) {
			uint64_t s = res->cpu.shares < 2	? 2
				     : res->cpu.shares > 262144 ? 262144
								: res->cpu.shares;

			/* the conversion runc, crun and systemd agree on: [2, 262144] -> [1, 10000]
			 */
			snprintf(v, sizeof(v), "%llu",
				 (unsigned long long)(1 + ((s - 2) * 9999) / 262142));
			r = cg_set(cg, w, "cpu.weight", v, "cpu.shares (--cpu-shares)", err);
		}
		if (r == 0 && (res->cpu.quota_set || res->cpu.period_set)) {
			uint64_t period = res->cpu.period_set ? res->cpu.period : RTR_CPU_PERIOD_US;

			if (res->cpu.quota_set && res->cpu.quota > 0)
				snprintf(v, sizeof(v), "%lld %llu", (long long)res->cpu.quota,
					 (unsigned long long)period);
			else
				snprintf(v, sizeof(v), "max %llu", (unsigned long long)period);
			r = cg_set(cg, w, "cpu.max", v, "cpu.quota/period (--cpus)", err);
		}
		if (r == 0 && res->cpu.burst_set) {
			snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.burst);
			r = cg_set(cg, w, "cpu.max.burst", v, "linux.resources.cpu.burst", err);
		}
		if (r == 0 && res->cpu.idle_set) {
			snprintf(v, sizeof(v), "%lld", (long long)res->cpu.idle);
			r = cg_set(cg, w, "cpu.idle", v, "linux.resources.cpu.idle", err);
		}
		return r;
	}
	if (res->cpu.shares_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.shares);
		r = cg_set(cg, w, "cpu.shares", v, "cpu.shares (--cpu-shares)", err);
	}
	if (r == 0 && res->cpu.period_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.period);
		r = cg_set(cg, w, "cpu.cfs_period_us", v, "cpu.period (--cpus)", err);
	}
	if (r == 0 && res->cpu.quota_set) {
		fmt_i64(v, sizeof(v), res->cpu.quota > 0 ? res->cpu.quota : -1, "-1");
		r = cg_set(cg, w, "cpu.cfs_quota_us", v, "cpu.quota (--cpus)", err);
	}
	if (r == 0 && res->cpu.burst_set) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)res->cpu.burst);
		r = cg_set(cg, w, "cpu.cfs_burst_us", v, "linux.resources.cpu.burst", err);
	}
	if (r == 0 && (res->cpu.realtime_period_set || res->cpu.realtime_runtime_set))
		r = apply_rt(res, cg, w, err);
	if (r == 0 && res->cpu.idle_set) {
		snprintf(v, sizeof(v), "%lld", (long long)res->cpu.idle);
		r = cg_set(cg, w, "cpu.idle", v, "linux.resources.cpu.idle", err);
	}
	return r;
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

	r = apply_memory(c, cg, err);
	if (r == 0 && res->pids.limit_set) {
		fmt_i64(v, sizeof(v), res->pids.limit > 0 ? res->pids.limit : -1, "max");
		r = cg_set(cg, cg_where(&cg->h, CG_PIDS), "pids.max", v,
			   "pids.limit (--pids-limit)", err);
	}
	if (r == 0)
		r = apply_cpu(c, cg, err);
	if (r == 0 && res->cpu.cpus && *res->cpu.cpus)
		r = cg_set(cg, cg_where(&cg->h, CG_CPUSET), "cpuset.cpus", res->cpu.cpus,
			   "cpu.cpus (--cpu-list)", err);
	if (r == 0 && res->cpu.mems && *res->cpu.mems)
		r = cg_set(cg, cg_where(&cg->h, CG_CPUSET), "cpuset.mems", res->cpu.mems,
			   "cpu.mems (--cpu-mems)", err);
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
