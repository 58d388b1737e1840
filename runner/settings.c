/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One table of settings, one parse function each, for both the command line and the
 * org.rtr.* annotations (settings.h says why and in which order).  The network, stop and
 * cgroup settings are checked here against each other and the host's online CPUs, so
 * nothing invalid reaches container.c: there every value is already typed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/json.h"
#include "lib/util.h"
#include "limit-check.h"
#include "names.h"
#include "settings.h"

enum src { SRC_NONE, SRC_ANNOTATION, SRC_CLI };

/* What a parse function needs: the spec, how to name the source, and whether this is
 * the first item of a list from its source (then the list starts over). */
struct ctx {
	struct rtr_spec *s;
	const char *label; /* "--mtu" or ".annotations[\"org.rtr.net.mtu\"]" */
	bool cli;
	bool first;
	struct rtr_err *err;
};

typedef int (*parse_fn)(const struct ctx *x, const char *v);

enum kind { K_STR, K_LIST, K_BOOL };

/* The option's name comes from options.c's table (the one list of options), by the
 * offset of its struct rtr_opts member. */
struct setting {
	const char *ann; /* org.rtr.* key; NULL: command line only */
	parse_fn parse;
	uint16_t off;
	uint8_t kind; /* enum kind, of the struct rtr_opts member at @off */
};

/* "LABEL VALUE: WHY" for an option, "LABEL: WHY, got "VALUE"" for an annotation (its
 * label is a JSON path, like every config.json message). */
static int __attribute__((format(printf, 4, 5)))
bad(const struct ctx *x, int code, const char *v, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (x->cli)
		return rtr_err_set(x->err, code, "%s %s: %s", x->label, v, why);
	return rtr_err_set(x->err, code, "%s: %s, got \"%.64s\"", x->label, why, v);
}

/* ---- supervision -------------------------------------------------------------------- */

static int p_stop_signal(const struct ctx *x, const char *v)
{
	int sig = signal_from_string(v);

	if (sig < 0)
		return bad(x, EINVAL, v, "unknown signal");
	x->s->ext.stop_signal = sig;
	return 0;
}

static int p_stop_timeout(const struct ctx *x, const char *v)
{
	uint64_t t;

	if (parse_u64(v, 86400, &t) < 0)
		return bad(x, EINVAL, v, "expected seconds (0..86400)");
	x->s->ext.stop_timeout_s = (unsigned)t;
	x->s->ext.stop_timeout_set = true;
	return 0;
}

/* Made absolute now: the verbs read the path back from the cgroup, from anywhere. */
static int p_log(const struct ctx *x, const char *v)
{
	char cwd[PATH_MAX];
	char *abs;

	if (!*v)
		return bad(x, EINVAL, v, "must not be empty");
	if (v[0] == '/')
		return strdup_replace(&x->s->ext.log_path, v);
	if (!getcwd(cwd, sizeof(cwd)))
		return rtr_err_sys(x->err, errno, "%s %s", x->label, v);
	abs = xasprintf("%s/%s", streq(cwd, "/") ? "" : cwd, v);
	if (!abs)
		return -ENOMEM;
	free(x->s->ext.log_path);
	x->s->ext.log_path = abs;
	return 0;
}

static int p_log_max_size(const struct ctx *x, const char *v)
{
	uint64_t b;

	if (parse_size(v, &b) < 0 || b == 0)
		return bad(x, EINVAL, v, "expected a size like 10M");
	x->s->ext.log_max_size = b;
	return 0;
}

static int p_log_max_files(const struct ctx *x, const char *v)
{
	uint64_t n;

	if (parse_u64(v, RTR_LOG_MAX_FILES, &n) < 0 || n == 0)
		return bad(x, EINVAL, v, "expected a number of files from 1 to %d",
			   RTR_LOG_MAX_FILES);
	x->s->ext.log_max_files = (unsigned)n;
	return 0;
}

static int p_bool(const struct ctx *x, const char *v, bool *ret)
{
	if (streq(v, "true") || streq(v, "1") || streq(v, "yes"))
		*ret = true;
	else if (streq(v, "false") || streq(v, "0") || streq(v, "no"))
		*ret = false;
	else
		return bad(x, EINVAL, v, "expected true or false");
	return 0;
}

static int p_log_timestamps(const struct ctx *x, const char *v)
{
	return p_bool(x, v, &x->s->ext.log_timestamps);
}

static int p_log_only(const struct ctx *x, const char *v)
{
	return p_bool(x, v, &x->s->ext.log_only);
}

static int p_init(const struct ctx *x, const char *v)
{
	return p_bool(x, v, &x->s->ext.init);
}

static const char *const restart_names[] = {
    [RTR_RESTART_NO] = "no",
    [RTR_RESTART_ON_FAILURE] = "on-failure",
    [RTR_RESTART_ALWAYS] = "always",
    [RTR_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *settings_restart_name(enum rtr_restart_policy p)
{
	return (size_t)p < ELEMENTSOF(restart_names) ? restart_names[p] : "?";
}

/* --restart no|always|unless-stopped|on-failure[:MAX] */
static int p_restart(const struct ctx *x, const char *v)
{
	struct rtr_restart *rs = &x->s->ext.restart;
	const char *n = startswith(v, "on-failure:");
	uint64_t max = 0;

	if (n && parse_u64(n, UINT32_MAX, &max) == 0) {
		rs->policy = RTR_RESTART_ON_FAILURE;
		rs->max = (unsigned)max;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(restart_names); i++)
		if (streq(v, restart_names[i])) {
			rs->policy = (enum rtr_restart_policy)i;
			rs->max = 0;
			return 0;
		}
	return bad(x, EINVAL, v, "expected no, always, unless-stopped or on-failure[:MAX]");
}

/* "250ms", "2s", "1m", or seconds. */
static int parse_ms(const char *v, uint64_t max_ms, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"", 1000}};
	size_t len = strlen(v);

	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		size_t k = strlen(units[i].suffix);
		char num[24];
		uint64_t n;

		if (len <= k || len - k >= sizeof(num) || !streq(v + len - k, units[i].suffix))
			continue;
		memcpy(num, v, len - k);
		num[len - k] = 0;
		if (parse_u64(num, max_ms / units[i].ms, &n) < 0)
			return -EINVAL;
		*ret = n * units[i].ms;
		return 0;
	}
	return -EINVAL;
}

static int p_restart_delay(const struct ctx *x, const char *v)
{
	uint64_t ms;

	if (parse_ms(v, RTR_RESTART_DELAY_MAX_MS, &ms) < 0)
		return bad(x, EINVAL, v, "expected a delay like 500ms, 2s or 1m, at most %u s",
			   RTR_RESTART_DELAY_MAX_MS / 1000);
	x->s->ext.restart.delay_ms = (unsigned)ms;
	x->s->ext.restart.delay_set = true;
	return 0;
}

static int p_notify(const struct ctx *x, const char *v)
{
	if (streq(v, "container"))
		x->s->ext.notify = RTR_NOTIFY_CONTAINER;
	else if (streq(v, "runtime"))
		x->s->ext.notify = RTR_NOTIFY_RUNTIME;
	else
		return bad(x, EINVAL, v, "expected runtime or container");
	return 0;
}

/* ---- health checks ------------------------------------------------------------------ */

/* Go's duration syntax as Docker takes it ("1m30s", "500ms", "2h"), or bare seconds. */
static int parse_duration_ms(const char *v, uint64_t *ret)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	uint64_t total = 0, n;
	const char *p = v;

	if (parse_u64(v, UINT32_MAX, &n) == 0) {
		*ret = n * 1000;
		return 0;
	}
	while (*p) {
		char *end;
		size_t i;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		n = strtoull(p, &end, 10);
		for (i = 0; i < ELEMENTSOF(units); i++)
			if (startswith(end, units[i].unit) &&
			    !(streq(units[i].unit, "m") && end[1] == 's'))
				break;
		if (i == ELEMENTSOF(units) || n > UINT32_MAX)
			return -EINVAL;
		total += n * units[i].ms;
		if (total > UINT32_MAX * 1000ULL)
			return -ERANGE;
		p = end + strlen(units[i].unit);
	}
	*ret = total;
	return 0;
}

/* The argv of a JSON array: Docker's ["CMD", ARGS...], ["CMD-SHELL", "LINE"] or ["NONE"],
 * or a plain argv. */
static int health_argv_json(const struct ctx *x, const char *v, char ***ret)
{
	_cleanup_json_ struct json *j = NULL;
	_cleanup_strv_free_ char **argv = NULL;
	struct rtr_err jerr = {0};
	size_t n;

	if (json_parse(v, strlen(v), 65536, &j, &jerr) < 0 ||
	    json_strv(JSON_TMP(json_root(j)), &argv, &jerr) < 0)
		return bad(x, EINVAL, v, "expected a JSON array of strings");
	n = strv_length(argv);
	if (n == 0)
		return bad(x, EINVAL, v, "empty command");
	if (streq(argv[0], "NONE")) {
		*ret = NULL;
		return 0;
	}
	if (streq(argv[0], "CMD-SHELL")) {
		if (n != 2 || !*argv[1])
			return bad(x, EINVAL, v, "CMD-SHELL takes one command line");
		*ret = strv_copy((char *const[]){"/bin/sh", "-c", argv[1], NULL});
		return *ret ? 0 : -ENOMEM;
	}
	if (streq(argv[0], "CMD")) {
		if (n < 2)
			return bad(x, EINVAL, v, "CMD needs a program");
		*ret = strv_copy(argv + 1);
		return *ret ? 0 : -ENOMEM;
	}
	*ret = TAKE_PTR(argv);
	return 0;
}

static int p_health_cmd(const struct ctx *x, const char *v)
{
	struct rtr_health *h = &x->s->ext.health;
	char **argv = NULL;
	int r;

	if (!*v)
		return bad(x, EINVAL, v, "must not be empty");
	if (v[0] == '[') {
		r = health_argv_json(x, v, &argv);
		if (r < 0)
			return r;
	} else {
		argv = strv_copy((char *const[]){"/bin/sh", "-c", (char *)v, NULL});
		if (!argv)
			return -ENOMEM;
	}
	strv_free(h->cmd);
	h->cmd = argv;
	return 0;
}

static int health_duration(const struct ctx *x, const char *v, bool zero_ok, uint64_t *ret)
{
	uint64_t ms;

	if (parse_duration_ms(v, &ms) < 0 || (!zero_ok && ms == 0))
		return bad(x, EINVAL, v, "expected a duration like 30s, 1m30s or 500ms%s",
			   zero_ok ? "" : " (not 0)");
	*ret = ms;
	return 0;
}

static int p_health_interval(const struct ctx *x, const char *v)
{
	return health_duration(x, v, false, &x->s->ext.health.interval_ms);
}

static int p_health_timeout(const struct ctx *x, const char *v)
{
	return health_duration(x, v, false, &x->s->ext.health.timeout_ms);
}

static int p_health_start_period(const struct ctx *x, const char *v)
{
	return health_duration(x, v, true, &x->s->ext.health.start_period_ms);
}

static int p_health_retries(const struct ctx *x, const char *v)
{
	uint64_t n;

	if (parse_u64(v, 1000000, &n) < 0 || n == 0)
		return bad(x, EINVAL, v, "expected a number from 1");
	x->s->ext.health.retries = (unsigned)n;
	return 0;
}

static int p_health_on_unhealthy(const struct ctx *x, const char *v)
{
	struct rtr_health *h = &x->s->ext.health;

	if (streq(v, "none"))
		h->on_unhealthy = RTR_HEALTH_NONE;
	else if (streq(v, "stop"))
		h->on_unhealthy = RTR_HEALTH_STOP;
	else if (streq(v, "restart"))
		h->on_unhealthy = RTR_HEALTH_RESTART;
	else
		return bad(x, EINVAL, v, "expected none, stop or restart");
	return 0;
}

/* Docker's defaults for what neither the command line nor the bundle set. */
static void finish_health(struct rtr_health *h)
{
	if (!h->interval_ms)
		h->interval_ms = RTR_HEALTH_INTERVAL_MS;
	if (!h->timeout_ms)
		h->timeout_ms = RTR_HEALTH_TIMEOUT_MS;
	if (!h->retries)
		h->retries = RTR_HEALTH_RETRIES;
}

/* ---- the root as an overlay (overlay.c) ------------------------------------------ */

#define ROOTFS(x) (&(x)->s->ext.rootfs)

static int p_store(const struct ctx *x, const char *v)
{
	if (v[0] != '/' || strlen(v) >= PATH_MAX)
		return bad(x, EINVAL, v, "expected the absolute path of a layer store");
	return strdup_replace(&ROOTFS(x)->store, v);
}

/* One "sha256:<64 hex>" of the comma-separated list, base first. */
static int p_layer(const struct ctx *x, const char *v)
{
	struct rtr_rootfs_layers *l = ROOTFS(x);
	const char *hex = startswith(v, "sha256:");

	if (x->first) {
		strv_free(l->layers);
		l->layers = NULL;
		l->n_layers = 0;
	}
	if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return bad(x, EINVAL, v, "expected sha256:<64 lowercase hex digits>");
	if (l->n_layers == RTR_STORE_LAYERS_MAX)
		return rtr_err_set(x->err, E2BIG,
				   "%s: more than %d layers (overlayfs stacks 500, one of them the "
				   "bundle's upper/)",
				   x->label, RTR_STORE_LAYERS_MAX);
	if (strv_push(&l->layers, hex) < 0)
		return -ENOMEM;
	l->n_layers++;
	return 0;
}

static int p_rm(const struct ctx *x, const char *v)
{
	(void)v;
	ROOTFS(x)->ephemeral = true;
	return 0;
}

static int p_rm_size(const struct ctx *x, const char *v)
{
	uint64_t b;

	if (parse_size(v, &b) < 0 || b < 4096)
		return bad(x, EINVAL, v, "expected a size like 64M (at least 4K)");
	ROOTFS(x)->rm_size = b;
	return 0;
}

#undef ROOTFS

/* ---- cgroup ------------------------------------------------------------------------- */

#define RES(x) (&(x)->s->lx.resources)
#define MARK(x) ((x)->s->lx.resources_set = true)

static int p_memory(const struct ctx *x, const char *v)
{
	uint64_t b;

	if (parse_size(v, &b) < 0 || b > INT64_MAX)
		return bad(x, EINVAL, v, "expected a size like 64M");
	if (limit_check_memory((int64_t)b))
		return bad(x, EINVAL, v, "%s", limit_check_memory((int64_t)b));
	RES(x)->memory.limit = (int64_t)b;
	RES(x)->memory.limit_set = MARK(x);
	return 0;
}

static int p_memory_reservation(const struct ctx *x, const char *v)
{
	uint64_t b;

	if (parse_size(v, &b) < 0 || b > INT64_MAX)
		return bad(x, EINVAL, v, "expected a size like 32M");
	RES(x)->memory.reservation = (int64_t)b;
	RES(x)->memory.reservation_set = MARK(x);
	return 0;
}

static int p_memory_swap(const struct ctx *x, const char *v)
{
	uint64_t b;

	if (streq(v, "-1"))
		RES(x)->memory.swap = -1;
	else if (parse_size(v, &b) == 0 && b <= INT64_MAX && !limit_check_swap((int64_t)b))
		RES(x)->memory.swap = (int64_t)b;
	else
		return bad(x, EINVAL, v, "expected a size (memory plus swap) or -1");
	RES(x)->memory.swap_set = MARK(x);
	return 0;
}

static int p_memory_high(const struct ctx *x, const char *v)
{
	uint64_t b = UINT64_MAX;

	if (!streq(v, "max") && (parse_size(v, &b) < 0 || b == 0))
		return bad(x, EINVAL, v, "expected a size or max");
	x->s->ext.memory_high = b;
	x->s->ext.memory_high_set = true;
	return 0;
}

static int p_pids_limit(const struct ctx *x, const char *v)
{
	int64_t n;

	if (parse_i64(v, INT64_MIN, INT64_MAX, &n) < 0 || limit_check_pids(n))
		return bad(x, EINVAL, v, "expected a number (0 or -1: unlimited)");
	RES(x)->pids.limit = n;
	RES(x)->pids.limit_set = MARK(x);
	return 0;
}

static long online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

static int p_cpus(const struct ctx *x, const char *v)
{
	char *end;
	double c = strtod(v, &end);
	long n = online_cpus();

	if (end == v || *end || !(c >= 0.01) || c > (double)n)
		return bad(x, EINVAL, v, "expected a number of CPUs from 0.01 to %ld", n);
	RES(x)->cpu.period = RTR_CPU_PERIOD_US;
	RES(x)->cpu.quota = (int64_t)(c * RTR_CPU_PERIOD_US + 0.5);
	RES(x)->cpu.period_set = RES(x)->cpu.quota_set = MARK(x);
	return 0;
}

static int p_cpu_shares(const struct ctx *x, const char *v)
{
	uint64_t n;

	if (parse_u64(v, UINT64_MAX, &n) < 0 || limit_check_cpu_shares(n))
		return bad(x, EINVAL, v, "expected 2 to 262144");
	RES(x)->cpu.shares = n;
	RES(x)->cpu.shares_set = MARK(x);
	return 0;
}

/* A list checked against the host's online set (@online_file; all when unreadable). */
static int cpulist_online(const struct ctx *x, const char *v, const char *online_file,
			  const char *unit, const char *example, char **dst)
{
	uint8_t want[RTR_CPULIST_BITS / 8], online[RTR_CPULIST_BITS / 8];
	_cleanup_free_ char *buf = NULL;

	if (cpulist_parse(v, want, RTR_CPULIST_BITS) < 0)
		return bad(x, EINVAL, v, "expected %s numbers like %s", unit, example);
	if (read_file_at(AT_FDCWD, online_file, 4096, &buf, NULL) < 0 ||
	    cpulist_parse(strtok(buf, "\n") ?: "", online, RTR_CPULIST_BITS) < 0)
		memset(online, 0xff, sizeof(online));
	for (size_t i = 0; i < RTR_CPULIST_BITS; i++)
		if ((want[i / 8] & (1u << (i % 8))) && !(online[i / 8] & (1u << (i % 8))))
			return bad(x, EINVAL, v, "%s %zu is not online",
				   streq(unit, "CPU") ? "CPU" : "memory node", i);
	MARK(x);
	return strdup_replace(dst, v);
}

static int p_cpu_list(const struct ctx *x, const char *v)
{
	return cpulist_online(x, v, "/sys/devices/system/cpu/online", "CPU", "0-1,3",
			      &RES(x)->cpu.cpus);
}

static int p_cpu_mems(const struct ctx *x, const char *v)
{
	return cpulist_online(x, v, "/sys/devices/system/node/online", "node", "0-1",
			      &RES(x)->cpu.mems);
}

static int p_io_weight(const struct ctx *x, const char *v)
{
	uint64_t n;

	if (parse_u64(v, UINT64_MAX, &n) < 0 || limit_check_io_weight(n))
		return bad(x, EINVAL, v, "expected 10 to 1000");
	RES(x)->block_io.weight = (uint16_t)n;
	RES(x)->block_io.weight_set = MARK(x);
	return 0;
}

/* DEVICE:RATE, the device a block device node on the host. */
static int push_throttle(const struct ctx *x, const char *v, bool bytes, struct rtr_throttle **t,
			 size_t *n)
{
	_cleanup_free_ char *dev = strdup(v);
	char *colon = dev ? strrchr(dev, ':') : NULL;
	struct rtr_throttle *nt;
	struct stat st;
	uint64_t rate;
	int r;

	if (!dev)
		return -ENOMEM;
	if (!colon || colon == dev || !colon[1])
		return bad(x, EINVAL, v, "expected DEVICE:RATE");
	*colon = 0;
	r = bytes ? parse_size(colon + 1, &rate) : parse_u64(colon + 1, UINT64_MAX, &rate);
	if (r < 0 || rate == 0)
		return bad(x, EINVAL, v, "bad rate '%s'", colon + 1);
	if (stat(dev, &st) < 0)
		return rtr_err_sys(x->err, errno, "%s %s", x->label, dev);
	if (!S_ISBLK(st.st_mode))
		return rtr_err_set(x->err, ENOTBLK, "%s %s: not a block device", x->label, dev);
	nt = realloc(*t, (*n + 1) * sizeof(**t));
	if (!nt)
		return -ENOMEM;
	nt[(*n)++] = (struct rtr_throttle){major(st.st_rdev), minor(st.st_rdev), rate};
	*t = nt;
	MARK(x);
	return 0;
}

static int p_read_bps(const struct ctx *x, const char *v)
{
	return push_throttle(x, v, true, &RES(x)->block_io.read_bps, &RES(x)->block_io.n_read_bps);
}

static int p_write_bps(const struct ctx *x, const char *v)
{
	return push_throttle(x, v, true, &RES(x)->block_io.write_bps,
			     &RES(x)->block_io.n_write_bps);
}

static int p_read_iops(const struct ctx *x, const char *v)
{
	return push_throttle(x, v, false, &RES(x)->block_io.read_iops,
			     &RES(x)->block_io.n_read_iops);
}

static int p_write_iops(const struct ctx *x, const char *v)
{
	return push_throttle(x, v, false, &RES(x)->block_io.write_iops,
			     &RES(x)->block_io.n_write_iops);
}

static int p_cgroup_parent(const struct ctx *x, const char *v)
{
	char buf[1024] = "";

	if (path_rel_append(buf, sizeof(buf), v) < 0 || !buf[0])
		return bad(x, EINVAL, v, "bad cgroup path");
	return strdup_replace(&x->s->ext.cgroup_parent, buf);
}

#undef RES
#undef MARK

/* ---- network ------------------------------------------------------------------------ */

#define NET(x) (&(x)->s->ext.net)

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || streq(s, ".") || streq(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int p_network(const struct ctx *x, const char *v)
{
	struct rtr_net_spec *n = NET(x);
	const char *path = startswith(v, "ns:");

	free(n->join_path);
	n->join_path = NULL;
	if (streq(v, "veth"))
		n->mode = RTR_NET_VETH;
	else if (streq(v, "none"))
		n->mode = RTR_NET_NONE;
	else if (streq(v, "host"))
		n->mode = RTR_NET_HOST;
	else if (path && path[0] == '/') {
		n->mode = RTR_NET_JOIN;
		return strdup_replace(&n->join_path, path);
	} else
		return bad(x, EINVAL, v, "expected veth, none, host or ns:/PATH");
	return 0;
}

static int p_veth(const struct ctx *x, const char *v)
{
	if (!ifname_valid(v))
		return bad(x, EINVAL, v,
			   "not an interface name (1 to %d characters, no '/', ':' or spaces)",
			   IFNAMSIZ - 1);
	return strdup_replace(&NET(x)->veth, v);
}

static int p_veth_peer(const struct ctx *x, const char *v)
{
	if (!ifname_valid(v) || streq(v, "lo"))
		return bad(x, EINVAL, v, "not an interface name");
	return strdup_replace(&NET(x)->veth_peer, v);
}

static int p_bridge(const struct ctx *x, const char *v)
{
	if (!ifname_valid(v))
		return bad(x, EINVAL, v, "not an interface name");
	return strdup_replace(&NET(x)->bridge, v);
}

/* A unicast host address "A/P" (the prefix is required) appended to @a. */
static int push_cidr(const struct ctx *x, const char *v, struct rtr_addr *a, size_t *n)
{
	int r;

	if (x->first)
		*n = 0;
	if (*n == RTR_NET_ADDR_MAX)
		return rtr_err_set(x->err, E2BIG, "%s: more than %d addresses", x->label,
				   RTR_NET_ADDR_MAX);
	r = addr_parse(v, -1, &a[*n]);
	if (r == -ERANGE)
		return bad(x, EINVAL, v, "prefix length out of range");
	if (r < 0)
		return bad(x, EINVAL, v, "expected ADDRESS/PREFIX (IPv4 or IPv6)");
	if (!addr_unicast(&a[*n]))
		return bad(x, EINVAL, v, "not a unicast address");
	(*n)++;
	return 0;
}

static int p_address(const struct ctx *x, const char *v)
{
	return push_cidr(x, v, NET(x)->addrs, &NET(x)->n_addrs);
}

static int p_host_address(const struct ctx *x, const char *v)
{
	return push_cidr(x, v, NET(x)->host_addrs, &NET(x)->n_host_addrs);
}

/* A single address, no prefix; @family 0 takes either. */
static int parse_ip(const struct ctx *x, const char *v, int family, struct rtr_addr *ret)
{
	if (strchr(v, '/') || addr_parse(v, 128, ret) < 0 || (family && ret->family != family) ||
	    addr_unspecified(ret))
		return bad(x, EINVAL, v, "expected an %saddress",
			   family == AF_INET	? "IPv4 "
			   : family == AF_INET6 ? "IPv6 "
						: "IP ");
	ret->prefixlen = ret->family == AF_INET ? 32 : 128;
	return 0;
}

static int p_gateway(const struct ctx *x, const char *v)
{
	NET(x)->gw_set = false;
	if (parse_ip(x, v, AF_INET, &NET(x)->gw) < 0)
		return -EINVAL; /* @err filled */
	NET(x)->gw_set = true;
	return 0;
}

static int p_gateway6(const struct ctx *x, const char *v)
{
	NET(x)->gw6_set = false;
	if (parse_ip(x, v, AF_INET6, &NET(x)->gw6) < 0)
		return -EINVAL;
	NET(x)->gw6_set = true;
	return 0;
}

static int p_mac(const struct ctx *x, const char *v)
{
	if (mac_parse(v, NET(x)->mac) < 0)
		return bad(x, EINVAL, v, "expected a unicast MAC address XX:XX:XX:XX:XX:XX");
	NET(x)->mac_set = true;
	return 0;
}

static int p_mtu(const struct ctx *x, const char *v)
{
	uint64_t n;

	if (parse_u64(v, 65535, &n) < 0 || n < 68)
		return bad(x, EINVAL, v, "expected a number from 68 to 65535");
	NET(x)->mtu = (uint32_t)n;
	return 0;
}

static int p_dns(const struct ctx *x, const char *v)
{
	struct rtr_net_spec *n = NET(x);

	if (x->first)
		n->n_dns = 0;
	if (n->n_dns == RTR_NET_ADDR_MAX)
		return rtr_err_set(x->err, E2BIG, "%s: more than %d servers", x->label,
				   RTR_NET_ADDR_MAX);
	if (parse_ip(x, v, 0, &n->dns[n->n_dns]) < 0)
		return -EINVAL;
	n->n_dns++;
	return 0;
}

static int p_dns_search(const struct ctx *x, const char *v)
{
	struct rtr_net_spec *n = NET(x);

	if (x->first) {
		strv_free(n->dns_search);
		n->dns_search = NULL;
	}
	if (strv_length(n->dns_search) == RTR_NET_LIST_MAX)
		return rtr_err_set(x->err, E2BIG, "%s: more than %d domains", x->label,
				   RTR_NET_LIST_MAX);
	if (!dns_name_valid(v))
		return bad(x, EINVAL, v, "not a domain name");
	return strv_push(&n->dns_search, v);
}

static void hosts_free(struct rtr_net_spec *n)
{
	for (size_t i = 0; i < n->n_add_hosts; i++)
		free(n->add_hosts[i].name);
	free(n->add_hosts);
	n->add_hosts = NULL;
	n->n_add_hosts = 0;
}

static int p_add_host(const struct ctx *x, const char *v)
{
	struct rtr_net_spec *n = NET(x);
	const char *colon = strchr(v, ':');
	struct rtr_host_entry *nh;
	struct rtr_addr a;
	_cleanup_free_ char *name = NULL;
	int r;

	if (x->first)
		hosts_free(n);
	if (n->n_add_hosts == RTR_NET_LIST_MAX)
		return rtr_err_set(x->err, E2BIG, "%s: more than %d entries", x->label,
				   RTR_NET_LIST_MAX);
	if (!colon || colon - v > 253)
		return bad(x, EINVAL, v, "expected NAME:IP");
	name = strndup(v, (size_t)(colon - v));
	if (!name)
		return -ENOMEM;
	if (!dns_name_valid(name))
		return bad(x, EINVAL, v, "bad host name '%s'", name);
	r = parse_ip(x, colon + 1, 0, &a);
	if (r < 0)
		return r;
	nh = realloc(n->add_hosts, (n->n_add_hosts + 1) * sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	nh[n->n_add_hosts++] = (struct rtr_host_entry){TAKE_PTR(name), a};
	n->add_hosts = nh;
	return 0;
}

#undef NET

/* ---- the table ---------------------------------------------------------------------- */

#define O(f) offsetof(struct rtr_opts, f)

/* clang-format off */
static const struct setting settings[] = {
	{ "org.rtr.stop-signal", p_stop_signal, O(stop_signal), K_STR },
	{ "org.rtr.stop-timeout", p_stop_timeout, O(stop_timeout), K_STR },
	{ "org.rtr.log", p_log, O(log_file), K_STR },
	{ "org.rtr.log-max-size", p_log_max_size, O(log_max_size), K_STR },
	{ "org.rtr.log-max-files", p_log_max_files, O(log_max_files), K_STR },
	{ "org.rtr.log-timestamps", p_log_timestamps, O(log_timestamps), K_BOOL },
	{ "org.rtr.log-only", p_log_only, O(log_only), K_BOOL },
	{ "org.rtr.init", p_init, O(init), K_BOOL },
	{ "org.rtr.restart", p_restart, O(restart), K_STR },
	{ "org.rtr.restart-delay", p_restart_delay, O(restart_delay), K_STR },
	{ NULL, p_notify, O(notify), K_STR },
	{ "org.rtr.health-cmd", p_health_cmd, O(health_cmd), K_STR },
	{ "org.rtr.health-interval", p_health_interval, O(health_interval), K_STR },
	{ "org.rtr.health-timeout", p_health_timeout, O(health_timeout), K_STR },
	{ "org.rtr.health-retries", p_health_retries, O(health_retries), K_STR },
	{ "org.rtr.health-start-period", p_health_start_period, O(health_start_period), K_STR },
	{ "org.rtr.health-on-unhealthy", p_health_on_unhealthy, O(health_on_unhealthy), K_STR },

	{ "org.rtr.rootfs.store", p_store, O(rootfs_store), K_STR },
	{ "org.rtr.rootfs.layers", p_layer, O(rootfs_layers), K_LIST },
	{ NULL, p_rm, O(rm), K_BOOL },
	{ NULL, p_rm_size, O(rm_size), K_STR },

	{ NULL, p_memory, O(memory), K_STR },
	{ NULL, p_memory_reservation, O(memory_reservation), K_STR },
	{ NULL, p_memory_swap, O(memory_swap), K_STR },
	{ NULL, p_memory_high, O(memory_high), K_STR },
	{ NULL, p_pids_limit, O(pids_limit), K_STR },
	{ NULL, p_cpus, O(cpus), K_STR },
	{ NULL, p_cpu_shares, O(cpu_shares), K_STR },
	{ NULL, p_cpu_list, O(cpu_list), K_STR },
	{ NULL, p_cpu_mems, O(cpu_mems), K_STR },
	{ NULL, p_io_weight, O(io_weight), K_STR },
	{ NULL, p_read_bps, O(device_read_bps), K_LIST },
	{ NULL, p_write_bps, O(device_write_bps), K_LIST },
	{ NULL, p_read_iops, O(device_read_iops), K_LIST },
	{ NULL, p_write_iops, O(device_write_iops), K_LIST },
	{ NULL, p_cgroup_parent, O(cgroup_parent), K_STR },

	{ "org.rtr.net.network", p_network, O(network), K_STR },
	{ "org.rtr.net.veth", p_veth, O(veth), K_STR },
	{ "org.rtr.net.veth-peer", p_veth_peer, O(veth_peer), K_STR },
	{ "org.rtr.net.address", p_address, O(addresses), K_LIST },
	{ "org.rtr.net.gateway", p_gateway, O(gateway), K_STR },
	{ "org.rtr.net.gateway6", p_gateway6, O(gateway6), K_STR },
	{ "org.rtr.net.mac", p_mac, O(mac), K_STR },
	{ "org.rtr.net.mtu", p_mtu, O(mtu), K_STR },
	{ "org.rtr.net.bridge", p_bridge, O(bridge), K_STR },
	{ "org.rtr.net.host-address", p_host_address, O(host_addresses), K_LIST },
	{ "org.rtr.net.dns", p_dns, O(dns), K_LIST },
	{ "org.rtr.net.dns-search", p_dns_search, O(dns_search), K_LIST },
	{ "org.rtr.net.add-host", p_add_host, O(add_hosts), K_LIST },
};
/* clang-format on */

#undef O

_Static_assert(ELEMENTSOF(settings) <= sizeof(((struct rtr_ext *)0)->src),
	       "struct rtr_ext.src has a slot per setting");

/* "--gateway", or the annotation when the bundle gave the setting. */
static const char *source_label(const struct rtr_spec *s, size_t off, char *buf, size_t n)
{
	for (size_t i = 0; i < ELEMENTSOF(settings); i++)
		if (settings[i].off == off && s->ext.src[i] == SRC_ANNOTATION)
			return settings[i].ann;
	snprintf(buf, n, "--%s", opts_long_name(off));
	return buf;
}

int settings_annotation(struct rtr_spec *s, const char *key, const char *value, const char *label,
			struct rtr_err *err)
{
	struct ctx x = {.s = s, .label = label, .err = err};
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;
	int r = 0;

	for (size_t i = 0; i < ELEMENTSOF(settings); i++) {
		const struct setting *st = &settings[i];

		if (!streq(st->ann, key))
			continue;
		s->ext.src[i] = SRC_ANNOTATION;
		if (st->kind != K_LIST)
			return st->parse(&x, value);
		/* Lists: items separated by commas or white space. */
		buf = strdup(value);
		if (!buf)
			return -ENOMEM;
		x.first = true;
		for (char *t = strtok_r(buf, ", \t\n", &save); t && r >= 0;
		     t = strtok_r(NULL, ", \t\n", &save), x.first = false)
			r = st->parse(&x, t);
		return r;
	}
	return 0;
}

/* The option's value(s) at @p, NULL-terminated; NULL when not given. */
static char *const *option_values(const struct setting *st, const void *p, char *one[2])
{
	static char true_str[] = "true";

	switch (st->kind) {
	case K_STR:
		one[0] = *(char *const *)p;
		return one[0] ? one : NULL;
	case K_BOOL:
		one[0] = *(const bool *)p ? true_str : NULL;
		return one[0] ? one : NULL;
	case K_LIST:
		return *(char **const *)p;
	}
	return NULL;
}

int settings_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	char opt[40];

	for (size_t i = 0; i < ELEMENTSOF(settings); i++) {
		const struct setting *st = &settings[i];
		struct ctx x = {.s = s, .label = opt, .cli = true, .first = true, .err = err};
		char *one[2] = {NULL, NULL};
		char *const *v = option_values(st, (const char *)o + st->off, one);
		int r = 0;

		if (!v)
			continue;
		snprintf(opt, sizeof(opt), "--%s", opts_long_name(st->off));
		for (; *v && r >= 0; v++, x.first = false)
			r = st->parse(&x, *v);
		if (r < 0)
			return r;
		s->ext.src[i] = SRC_CLI;
	}
	return 0;
}

/* ---- after the merge ---------------------------------------------------------------- */

/* The settings only a veth pair takes: veth_settings() and the messages that refuse them. */
static const char veth_opts[] = "--veth, --veth-peer, --address, --gateway, --gateway6, --mac, "
				"--mtu, --bridge and --host-address";

static bool veth_settings(const struct rtr_net_spec *n)
{
	return n->veth || n->veth_peer || n->n_addrs || n->gw_set || n->gw6_set || n->mac_set ||
	       n->mtu || n->bridge || n->n_host_addrs;
}

static const char *mode_name(const struct rtr_net_spec *n)
{
	static const char *const names[] = {"", "none", "veth", "host", "ns:"};

	return n->mode == RTR_NET_JOIN ? n->join_path : names[n->mode];
}

/* The mode the bundle's linux.namespaces means when no --network (option or annotation)
 * says otherwise: a type the config does not list is shared with the runtime (OCI), so no
 * network entry is the host's network; an entry with a path joins it. */
static int mode_of_bundle(struct rtr_net_spec *n, const struct rtr_namespace *ns, bool veth,
			  struct rtr_err *err)
{
	if (!ns->enabled) {
		if (veth)
			return rtr_err_set(err, EINVAL,
					   "%s need a network namespace, and linux.namespaces has "
					   "none (add --network veth)",
					   veth_opts);
		n->mode = RTR_NET_HOST;
		return 0;
	}
	/* A bundle that joins a namespace keeps doing so unless a veth setting says otherwise. */
	if (ns->path && !veth) {
		n->mode = RTR_NET_JOIN;
		n->join_path = strdup(ns->path);
		return n->join_path ? 0 : -ENOMEM;
	}
	n->mode = veth ? RTR_NET_VETH : RTR_NET_NONE;
	return 0;
}

/* The mode, and the network namespace entry of the spec to match it: the command line
 * and the annotations add, remove or replace the bundle's entry. */
static int derive_mode(struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_net_spec *n = &s->ext.net;
	struct rtr_namespace *ns = &s->lx.ns[RTR_NS_NET];
	bool veth = veth_settings(n);
	int r;

	if (n->mode == RTR_NET_UNSET && (r = mode_of_bundle(n, ns, veth, err)) < 0)
		return r;
	if (veth && n->mode != RTR_NET_VETH)
		return rtr_err_set(err, EINVAL, "--network %s%s: %s need --network veth",
				   n->mode == RTR_NET_JOIN ? "ns:" : "", mode_name(n), veth_opts);
	if (n->mode != RTR_NET_JOIN && ns->path) {
		free(ns->path);
		ns->path = NULL;
	}
	ns->enabled = n->mode != RTR_NET_HOST;
	if (n->mode == RTR_NET_JOIN && !streq(ns->path, n->join_path)) {
		free(ns->path);
		ns->path = strdup(n->join_path);
		if (!ns->path)
			return -ENOMEM;
	}
	return 0;
}

static int check_gateway(const struct rtr_spec *s, const struct rtr_addr *g, size_t off,
			 struct rtr_err *err)
{
	const struct rtr_net_spec *n = &s->ext.net;
	bool inside = false;
	char ip[64], opt[32];

	for (size_t i = 0; i < n->n_addrs; i++)
		inside |= addr_in_subnet(&n->addrs[i], g);
	/* fe80::/10 is on every link: IPv6 routers often announce only that. */
	if (g->family == AF_INET6 && g->a.b[0] == 0xfe && (g->a.b[1] & 0xc0) == 0x80)
		inside = true;
	if (!inside)
		return rtr_err_set(
		    err, EINVAL, "%s %s: not in the subnet of any --address of the container",
		    source_label(s, off, opt, sizeof(opt)), addr_to_string(g, ip, sizeof(ip)));
	return 0;
}

static int finish_net(struct rtr_spec *s, struct rtr_err *err)
{
	const struct rtr_net_spec *n = &s->ext.net;
	int r = derive_mode(s, err);

	if (r < 0)
		return r == -ENOMEM ? rtr_err_sys(err, ENOMEM, "--network") : r;
	if (n->bridge && n->n_host_addrs)
		return rtr_err_set(err, EINVAL,
				   "--host-address: not with --bridge %s (give the bridge the "
				   "address instead)",
				   n->bridge);
	/* A gateway outside every address's subnet is refused now: the kernel would reject
	 * the route after the pair exists. */
	if (n->gw_set &&
	    (r = check_gateway(s, &n->gw, offsetof(struct rtr_opts, gateway), err)) < 0)
		return r;
	if (n->gw6_set &&
	    (r = check_gateway(s, &n->gw6, offsetof(struct rtr_opts, gateway6), err)) < 0)
		return r;
	for (size_t i = 0; n->mtu && i < n->n_addrs; i++)
		if (n->addrs[i].family == AF_INET6 && n->mtu < 1280)
			return rtr_err_set(err, EINVAL,
					   "--mtu %u: IPv6 needs at least 1280 (the container has "
					   "an IPv6 address)",
					   n->mtu);
	return 0;
}

/* The option when the command line gave the value, else its config.json path. */
static const char *limit_label(const struct rtr_spec *s, size_t off, const char *json, char *buf,
			       size_t n)
{
	for (size_t i = 0; i < ELEMENTSOF(settings); i++)
		if (settings[i].off == off && s->ext.src[i] == SRC_CLI) {
			snprintf(buf, n, "--%s", opts_long_name(off));
			return buf;
		}
	return json;
}

/* Swap is memory plus swap, so it needs a limit and is at least that. */
static int check_memory(const struct rtr_spec *s, struct rtr_err *err)
{
	const struct rtr_resources *res = &s->lx.resources;
	char a[40], b[40];
	const char *sw = limit_label(s, offsetof(struct rtr_opts, memory_swap),
				     ".linux.resources.memory.swap", a, sizeof(a));
	const char *lim = limit_label(s, offsetof(struct rtr_opts, memory),
				      ".linux.resources.memory.limit", b, sizeof(b));

	/* A config.json path is said the way the parser's messages say it. */
	const char *file = sw[0] == '.' ? "config.json: " : "";

	if (res->memory.swap_set && res->memory.swap >= 0) {
		if (!res->memory.limit_set || res->memory.limit < 0)
			return rtr_err_set(err, EINVAL, "%s%s needs %s (it is memory plus swap)",
					   file, sw, lim);
		if (res->memory.swap < res->memory.limit)
			return rtr_err_set(err, EINVAL,
					   "%s%s must be at least %s (it is memory plus swap)",
					   file, sw, lim);
	}
	return 0;
}

#define ANN_STORE ".annotations[\"org.rtr.rootfs.store\"]"
#define ANN_LAYERS ".annotations[\"org.rtr.rootfs.layers\"]"

/* A store bundle names both, and every layer it names is in the store: a missing one is
 * refused now, before anything is created, not by the overlay mount in the child. */
static int finish_rootfs(struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_rootfs_layers *l = &s->ext.rootfs;
	_cleanup_close_ int dir = -1;
	_cleanup_free_ char *path = NULL;

	if (!l->rm_size)
		l->rm_size = RTR_RM_SIZE_BYTES;
	if (!l->store && !l->n_layers)
		return 0;
	if (!l->store || !l->n_layers)
		return rtr_err_set(
		    err, EINVAL, "config.json: %s: needs %s too (a store bundle names both)",
		    l->store ? ANN_STORE : ANN_LAYERS, l->store ? ANN_LAYERS : ANN_STORE);
	/* overlayfs in a user namespace reads no trusted.* xattr, so the store's opaque
	 * directories would silently show what lower layers hold; and the layers belong to
	 * host root, which such a container's root is not. */
	if (s->lx.ns[RTR_NS_USER].enabled)
		return rtr_err_set(err, EINVAL,
				   "config.json: %s: a store bundle cannot run in a user namespace "
				   "(overlayfs there ignores the layers' trusted.overlay.opaque "
				   "marks, and the layers belong to host root); pull a flat bundle "
				   "(rtr-pull without --store, with --userns-shift) for --userns",
				   ANN_STORE);
	path = xasprintf("%s/layers", l->store);
	if (!path)
		return -ENOMEM;
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return rtr_err_sys(err, errno, "config.json: %s: the layer store %s", ANN_STORE,
				   path);
	for (size_t i = 0; i < l->n_layers; i++) {
		struct stat st;
		int e = fstatat(dir, l->layers[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ? errno
			: S_ISDIR(st.st_mode)					 ? 0
										 : ENOTDIR;

		if (e)
			return rtr_err_sys(
			    err, e,
			    "config.json: %s: layer %zu of %zu, sha256:%s, is not in "
			    "the store %s",
			    ANN_LAYERS, i + 1, l->n_layers, l->layers[i], l->store);
	}
	return 0;
}

/* The log settings shape --log-file's output: without a file they would do nothing. */
static int check_log(const struct rtr_spec *s, struct rtr_err *err)
{
	const struct rtr_ext *x = &s->ext;
	const struct {
		bool on;
		size_t off;
	} given[] = {
	    {x->log_max_size != 0, offsetof(struct rtr_opts, log_max_size)},
	    {x->log_max_files != 0, offsetof(struct rtr_opts, log_max_files)},
	    {x->log_timestamps, offsetof(struct rtr_opts, log_timestamps)},
	    {x->log_only, offsetof(struct rtr_opts, log_only)},
	};
	char opt[40];

	for (size_t i = 0; !x->log_path && i < ELEMENTSOF(given); i++)
		if (given[i].on)
			return rtr_err_set(err, EINVAL, "%s: needs --log-file",
					   source_label(s, given[i].off, opt, sizeof(opt)));
	return 0;
}

int settings_finish(struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_ext *x = &s->ext;
	const char *e = getenv("RTR_STOP_TIMEOUT_S");
	uint64_t v;
	int r = check_log(s, err);

	if (r < 0)
		return r;
	if (!x->log_max_files && x->log_path)
		x->log_max_files = 1; /* Docker's json-file default */

	if (!x->stop_signal)
		x->stop_signal = signal_from_string(RTR_STOP_SIGNAL_DEFAULT);
	/* The test suite shortens the stop timeout of every container it starts. */
	if (!x->stop_timeout_set)
		x->stop_timeout_s =
		    e && parse_u64(e, 86400, &v) == 0 ? (unsigned)v : RTR_STOP_TIMEOUT_S;
	if (!x->restart.delay_set)
		x->restart.delay_ms = RTR_RESTART_DELAY_MS;
	finish_health(&x->health);
	return check_memory(s, err) ?: finish_net(s, err) ?: finish_rootfs(s, err);
}

void settings_free(struct rtr_ext *x)
{
	free(x->net.join_path);
	free(x->net.veth);
	free(x->net.veth_peer);
	free(x->net.bridge);
	strv_free(x->net.dns_search);
	hosts_free(&x->net);
	free(x->log_path);
	strv_free(x->health.cmd);
	free(x->cgroup_parent);
	free(x->rootfs.store);
	strv_free(x->rootfs.layers);
}
