/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Management verbs: rtr-run ps | stats | stop | kill | pause | resume.
 *
 * There is no daemon and no state directory: a container is running when its cgroup
 * <parent>/<name> (see cgroup-fs.h) has processes.  The supervising rtr-run stores
 * the bundle path, the init's pid and the stop signal/timeout as trusted.rtr.* xattrs on
 * the primary hierarchy's directory; uptime comes from the init's /proc/PID/stat and
 * every figure from the cgroup's own files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-fs.h"
#include "config.h"
#include "lib/cleanup.h"
#include "lib/json.h"
#include "lib/util.h"
#include "names.h"
#include "opts.h"
#include "verbs.h"

struct cinfo {
	char name[RTR_NAME_MAX + 1];
	pid_t pid;
	char bundle[4096];
	uint64_t uptime_s;
	bool uptime_set;
	uint64_t mem, mem_peak, mem_limit, cpu_usec, pids, pids_limit, io_read, io_write, ooms;
	bool mem_set, mem_peak_set, cpu_set, pids_set, io_set;
	pid_t supervisor;  /* the rtr-run that holds the cgroup, 0 when unknown or gone */
	unsigned restarts; /* CG_XATTR_RUNS */
	int last_exit;	   /* of the run before the current one */
	bool last_exit_set;
	bool health_set; /* CG_XATTR_HEALTH: "STATUS STREAK\nOUTPUT" */
	char health[16];
	unsigned health_streak;
	char health_out[RTR_HEALTH_OUTPUT_MAX + 1];
};

static const char *const verbs[] = {"ps",     "stats", "stop",	  "kill",  "pause",
				    "resume", "logs",  "inspect", "update"};

bool verb_known(const char *verb)
{
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (streq(verb, verbs[i]))
			return true;
	return false;
}

static int open_ctrl(const struct cg_host *h, int ctrl, const char *rel)
{
	char path[4096];
	int where = (h->v1 & (1u << ctrl)) ? ctrl : h->v2_root ? CG_V2 : CG_NONE;

	if (where == CG_NONE || cg_path(h, where, rel, path, sizeof(path)) < 0)
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static bool ctrl_is_v2(const struct cg_host *h, int ctrl)
{
	return !(h->v1 & (1u << ctrl)) && h->v2_root;
}

/* Seconds since @pid started, from /proc/PID/stat field 22 and /proc/uptime. */
static int proc_uptime(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	_cleanup_free_ char *up = NULL;
	unsigned long long start;
	double now;
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* A zombie has left its cgroup already: not a running init. */
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
		return -ESRCH;
	/* after ")": state is field 3; starttime is field 22 */
	for (int f = 2; f < 22 && p; f++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return -EIO;
	/* ps asks for every container: the clock is read once */
	static double boot_now = -1;

	if (boot_now < 0 && (read_file_at(AT_FDCWD, "/proc/uptime", 256, &up, NULL) < 0 ||
			     sscanf(up, "%lf", &boot_now) != 1))
		return -EIO;
	now = boot_now;
	now -= (double)start / (double)(hz > 0 ? hz : 100);
	*ret = now > 0 ? (uint64_t)now : 0;
	return 0;
}

/* Sums "Read N"/"Write N" (v1 blkio) or "rbytes=N wbytes=N" (v2 io.stat). */
static int io_bytes(int dfd, bool v2, uint64_t *rd, uint64_t *wr)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;

	*rd = *wr = 0;
	if (read_file_at(dfd, v2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive", 1 << 20,
			 &buf, NULL) < 0)
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		char *p;

		if (v2) {
			if ((p = strstr(line, "rbytes=")) && sscanf(p + 7, "%llu", &v) == 1)
				*rd += v;
			if ((p = strstr(line, "wbytes=")) && sscanf(p + 7, "%llu", &v) == 1)
				*wr += v;
		} else if ((p = strstr(line, " Read ")) && sscanf(p + 6, "%llu", &v) == 1) {
			*rd += v;
		} else if ((p = strstr(line, " Write ")) && sscanf(p + 7, "%llu", &v) == 1) {
			*wr += v;
		}
	}
	return 0;
}

/* CG_XATTR_RUNS: "RESTARTS LAST_EXIT". */
static void read_runs(int fd, struct cinfo *ci)
{
	char buf[32];
	ssize_t n = fgetxattr(fd, CG_XATTR_RUNS, buf, sizeof(buf) - 1);

	if (n <= 0)
		return;
	buf[n] = 0;
	ci->last_exit_set = sscanf(buf, "%u %d", &ci->restarts, &ci->last_exit) == 2;
}

static void read_health(int fd, struct cinfo *ci)
{
	char v[64 + RTR_HEALTH_OUTPUT_MAX + 1], *nl;
	ssize_t n = fgetxattr(fd, CG_XATTR_HEALTH, v, sizeof(v) - 1);

	if (n <= 0)
		return;
	v[n] = 0;
	nl = strchr(v, '\n');
	if (nl)
		*nl++ = 0;
	ci->health_set = sscanf(v, "%15s %u", ci->health, &ci->health_streak) == 2;
	snprintf(ci->health_out, sizeof(ci->health_out), "%s", nl ? nl : "");
}

static void w_health(struct json_writer *w, const struct cinfo *ci)
{
	json_w_key(w, "health");
	if (!ci->health_set) {
		json_w_null(w);
		return;
	}
	json_w_begin_object(w);
	json_w_member_string(w, "status", ci->health);
	json_w_member_uint(w, "failing_streak", ci->health_streak);
	json_w_member_string(w, "output", ci->health_out);
	json_w_end_object(w);
}

/* Fills @ci for container @name; -ESRCH when it is not running. */
static int collect(const struct cg_host *h, const char *parent, const char *name, bool full,
		   struct cinfo *ci)
{
	char rel[1024], buf[32];
	_cleanup_close_ int pfd = -1, mfd = -1;
	int prim = cg_primary(h), fd;
	uint64_t v;
	ssize_t n;

	memset(ci, 0, sizeof(*ci));
	if (strlen(name) > RTR_NAME_MAX || cg_rel_lookup(h, parent, name, rel, sizeof(rel)) < 0)
		return -EINVAL;
	snprintf(ci->name, sizeof(ci->name), "%s", name);
	{
		char path[4096];

		if (cg_path(h, prim, rel, path, sizeof(path)) == 0)
			pfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (pfd < 0)
		return -ESRCH;
	ci->supervisor = cg_live_supervisor(pfd);
	if (!cg_populated(pfd, prim == CG_V2) && !ci->supervisor)
		return -ESRCH;
	read_runs(pfd, ci);
	n = fgetxattr(pfd, CG_XATTR_PID, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		ci->pid = (pid_t)atoi(buf);
	}
	if (ci->pid <= 0 || kill(ci->pid, 0) < 0)
		ci->pid = cg_first_pid(pfd);
	n = fgetxattr(pfd, CG_XATTR_BUNDLE, ci->bundle, sizeof(ci->bundle) - 1);
	ci->bundle[n > 0 ? n : 0] = 0;
	ci->uptime_set = ci->pid > 0 && proc_uptime(ci->pid, &ci->uptime_s) == 0;
	read_health(pfd, ci);

	mfd = open_ctrl(h, CG_MEMORY, rel);
	if (mfd >= 0 && !full) { /* ps: the memory in use, nothing else */
		ci->mem_set = cg_read_u64(mfd,
					  ctrl_is_v2(h, CG_MEMORY) ? "memory.current"
								   : "memory.usage_in_bytes",
					  NULL, &ci->mem) == 0;
		return 0;
	}
	if (mfd >= 0) {
		bool v2 = ctrl_is_v2(h, CG_MEMORY);

		ci->mem_set = cg_read_u64(mfd, v2 ? "memory.current" : "memory.usage_in_bytes",
					  NULL, &ci->mem) == 0;
		ci->mem_peak_set =
		    cg_read_u64(mfd, v2 ? "memory.peak" : "memory.max_usage_in_bytes", NULL,
				&ci->mem_peak) == 0;
		if (cg_read_u64(mfd, v2 ? "memory.max" : "memory.limit_in_bytes", NULL, &v) == 0)
			ci->mem_limit = v >= (1ULL << 62) ? UINT64_MAX : v; /* v1: huge = none */
		else
			ci->mem_limit = UINT64_MAX;
		cg_read_u64(mfd, v2 ? "memory.events" : "memory.oom_control", "oom_kill",
			    &ci->ooms);
	}
	if (!full)
		return 0;
	fd = open_ctrl(h, CG_CPUACCT, rel);
	if (fd >= 0) {
		if (ctrl_is_v2(h, CG_CPUACCT) || !(h->v1 & (1u << CG_CPUACCT)))
			ci->cpu_set = cg_read_u64(fd, "cpu.stat", "usage_usec", &ci->cpu_usec) == 0;
		else if (cg_read_u64(fd, "cpuacct.usage", NULL, &v) == 0) {
			ci->cpu_usec = v / 1000;
			ci->cpu_set = true;
		}
		close(fd);
	}
	fd = open_ctrl(h, CG_PIDS, rel);
	if (fd >= 0) {
		ci->pids_set = cg_read_u64(fd, "pids.current", NULL, &ci->pids) == 0;
		if (cg_read_u64(fd, "pids.max", NULL, &ci->pids_limit) < 0)
			ci->pids_limit = UINT64_MAX;
		close(fd);
	}
	fd = open_ctrl(h, CG_BLKIO, rel);
	if (fd >= 0) {
		ci->io_set =
		    io_bytes(fd, ctrl_is_v2(h, CG_BLKIO), &ci->io_read, &ci->io_write) == 0;
		close(fd);
	}
	return 0;
}

/*
 * ps reads every container, hundreds of them: each is reached from the parent directories
 * opened once (openat, no path walk from /), the init's /proc/PID/stat both proves it alive
 * (so the cgroup populated: no read of cgroup.procs) and gives its uptime, and the
 * supervisor is looked at only for an empty cgroup (between two runs of --restart).
 * Containers that linux.cgroupsPath put elsewhere go through collect().
 */
struct ps_dirs {
	int prim, mem; /* the parent directory in the primary and the memory hierarchy */
	bool prim_v2, mem_v2;
};

/* Whether the xattr name list @list (@n bytes; < 0: unknown) has @key. */
static bool has_xattr(const char *list, ssize_t n, const char *key)
{
	for (ssize_t i = 0; n >= 0 && i < n; i += (ssize_t)strlen(list + i) + 1)
		if (streq(list + i, key))
			return true;
	return n < 0;
}

static int collect_ps(const struct ps_dirs *px, const char *name, struct cinfo *ci)
{
	char buf[32], file[RTR_NAME_MAX + 32], list[1024];
	_cleanup_close_ int pfd = -1;
	ssize_t n, ln;

	memset(ci, 0, sizeof(*ci));
	snprintf(ci->name, sizeof(ci->name), "%s", name);
	pfd = openat(px->prim, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -ESRCH;
	/* The recorded init alive proves the cgroup populated: the supervisor removes the
	 * record before a restart and the cgroup when it ends. */
	n = fgetxattr(pfd, CG_XATTR_PID, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		ci->pid = (pid_t)atoi(buf);
	}
	ci->uptime_set = ci->pid > 0 && proc_uptime(ci->pid, &ci->uptime_s) == 0;
	if (!ci->uptime_set) {
		ci->pid = 0;
		if (!cg_populated(pfd, px->prim_v2)) {
			ci->supervisor = cg_live_supervisor(pfd);
			if (!ci->supervisor)
				return -ESRCH;
		} else { /* the recorded init is gone: whoever runs there now */
			ci->pid = cg_first_pid(pfd);
			ci->uptime_set = ci->pid > 0 && proc_uptime(ci->pid, &ci->uptime_s) == 0;
		}
	}
	/* One list instead of a failing read of each record a plain run does not have. */
	ln = flistxattr(pfd, list, sizeof(list));
	if (has_xattr(list, ln, CG_XATTR_RUNS))
		read_runs(pfd, ci);
	if (has_xattr(list, ln, CG_XATTR_HEALTH))
		read_health(pfd, ci);
	n = fgetxattr(pfd, CG_XATTR_BUNDLE, ci->bundle, sizeof(ci->bundle) - 1);
	ci->bundle[n > 0 ? n : 0] = 0;
	if (px->mem >= 0) {
		snprintf(file, sizeof(file), "%s/%s", name,
			 px->mem_v2 ? "memory.current" : "memory.usage_in_bytes");
		ci->mem_set = cg_read_u64(px->mem, file, NULL, &ci->mem) == 0;
	}
	return 0;
}

static void fmt_duration(uint64_t s, char *buf, size_t n)
{
	if (s < 60)
		snprintf(buf, n, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, n, "%llum%02llus", (unsigned long long)s / 60,
			 (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%lluh%02llum", (unsigned long long)s / 3600,
			 (unsigned long long)(s % 3600) / 60);
	else
		snprintf(buf, n, "%llud%02lluh", (unsigned long long)s / 86400,
			 (unsigned long long)(s % 86400) / 3600);
}

static void w_limit(struct json_writer *w, const char *key, uint64_t v)
{
	json_w_key(w, key);
	if (v == UINT64_MAX)
		json_w_null(w);
	else
		json_w_uint(w, v);
}

/* null for a figure the host's cgroups do not provide */
static void w_opt(struct json_writer *w, const char *key, bool set, uint64_t v)
{
	json_w_key(w, key);
	if (set)
		json_w_uint(w, v);
	else
		json_w_null(w);
}

/* "restarts": N, "last_exit": N or null (no restart yet). */
static void w_runs(struct json_writer *w, const struct cinfo *ci)
{
	json_w_member_uint(w, "restarts", ci->restarts);
	json_w_key(w, "last_exit");
	if (ci->last_exit_set)
		json_w_int(w, ci->last_exit);
	else
		json_w_null(w);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void usage(void)
{
	printf("usage: rtr-run ps [--json]\n"
	       "       rtr-run stats NAME [--json]\n"
	       "       rtr-run inspect NAME [--json]\n"
	       "       rtr-run logs [-f] [--tail N] [--since TIME] NAME|FILE\n"
	       "       rtr-run update NAME [--memory SIZE] [--memory-high SIZE] [--cpus N]\n"
	       "                           [--cpu-list LIST] [--pids-limit N]\n"
	       "       rtr-run stop [-t SECONDS] NAME\n"
	       "       rtr-run kill [-s SIGNAL] NAME [SIGNAL]\n"
	       "       rtr-run pause NAME | resume NAME\n"
	       "options go before or after NAME; every verb takes --cgroup-parent PATH\n"
	       "(default " RTR_CGROUP_PARENT ")\n");
}

/* Options anywhere: getopt permutes, so "stats NAME --json" is "stats --json NAME". */
static int parse_args(int argc, char **argv, struct verb_args *a)
{
	static const struct option lo[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"cgroup-parent", required_argument, NULL, 'p'},
	    {"time", required_argument, NULL, 't'},
	    {"signal", required_argument, NULL, 's'},
	    {"follow", no_argument, NULL, 'f'},
	    {"tail", required_argument, NULL, 'n'},
	    {"since", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":jp:t:s:fn:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'j':
			a->json = true;
			break;
		case 'p':
			a->parent = optarg;
			break;
		case 't':
			a->time = optarg;
			break;
		case 's':
			a->signal = optarg;
			break;
		case 'f':
			a->follow = true;
			break;
		case 'n':
			a->tail = optarg;
			break;
		case 'S':
			a->since = optarg;
			break;
		case 'h':
			usage();
			return 1;
		case ':':
			log_error("%s: %s: missing argument", argv[0], argv[optind - 1]);
			return -EINVAL;
		default:
			log_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
			return -EINVAL;
		}
	}
	a->first = optind;
	return 0;
}

/* Containers whose linux.cgroupsPath put them elsewhere: the CG_XATTR_AT records on the
 * parent directory @path. */
static bool listed(char **names, const char *nm)
{
	for (size_t i = 0; names && names[i]; i++)
		if (streq(names[i], nm))
			return true;
	return false;
}

static void ps_add_recorded(const char *path, char ***names)
{
	char list[16384];
	ssize_t len = listxattr(path, list, sizeof(list));
	size_t pl = strlen(CG_XATTR_AT);

	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(list + i) + 1) {
		const char *nm = list + i + pl;

		if (strncmp(list + i, CG_XATTR_AT, pl) != 0 || !opts_name_valid(nm) ||
		    listed(*names, nm))
			continue;
		if (strv_push(names, nm) < 0)
			break;
	}
}

static void verb_reap_stale(const struct cg_host *h, const char *parent)
{
	char rel[1024];

	if (cg_rel_for_name(parent, "", rel, sizeof(rel)) == 0)
		cg_reap_stale(h, rel, NULL);
}

/* ps reaps the names it finds stopped (it reads every container anyway); the other verbs
 * the name they are given. */
static void verb_reap_name(const struct cg_host *h, const char *parent, const char *name)
{
	char rel[1024];

	if (cg_rel_for_name(parent, "", rel, sizeof(rel)) == 0)
		cg_reap_stale(h, rel, name);
}

static int verb_ps(const struct cg_host *h, const struct verb_args *a)
{
	char rel[1024], path[4096];
	_cleanup_strv_free_ char **names = NULL, **rec = NULL;
	_cleanup_close_ int pdir = -1, mdir = -1;
	struct json_writer *w = NULL;
	struct cinfo ci;
	DIR *d;
	struct dirent *de;
	size_t n;

	if (cg_rel_for_name(a->parent, "", rel, sizeof(rel)) < 0 ||
	    cg_path(h, cg_primary(h), rel, path, sizeof(path)) < 0) {
		log_error("ps: bad --cgroup-parent");
		return 125;
	}
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)))
			if (de->d_type == DT_DIR && de->d_name[0] != '.' &&
			    opts_name_valid(de->d_name) && strv_push(&names, de->d_name) < 0)
				break;
		closedir(d);
	}
	ps_add_recorded(path, &rec);
	for (char **r = rec; r && *r; r++)
		if (!listed(names, *r) && strv_push(&names, *r) < 0)
			break;
	pdir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	mdir = open_ctrl(h, CG_MEMORY, rel);
	struct ps_dirs px = {.prim = pdir,
			     .mem = mdir,
			     .prim_v2 = cg_primary(h) == CG_V2,
			     .mem_v2 = ctrl_is_v2(h, CG_MEMORY)};
	n = strv_length(names);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	if (a->json) {
		w = json_writer_new(true);
		json_w_begin_array(w);
	} else {
		printf("%-20s %8s %10s %8s %8s %4s %-9s  %s\n", "NAME", "PID", "MEMORY", "UPTIME",
		       "RESTARTS", "EXIT", "HEALTH", "BUNDLE");
	}
	for (size_t i = 0; i < n; i++) {
		char mem[32] = "-", up[32] = "-", pid[16] = "-", ex[16] = "-";

		int r = listed(rec, names[i]) ? collect(h, a->parent, names[i], false, &ci)
					      : collect_ps(&px, names[i], &ci);

		if (r == -ESRCH) {
			verb_reap_name(h, a->parent, names[i]);
			continue;
		}
		if (w) {
			json_w_begin_object(w);
			json_w_member_string(w, "name", ci.name);
			json_w_member_int(w, "pid", ci.pid);
			w_opt(w, "memory", ci.mem_set, ci.mem);
			w_opt(w, "uptime_s", ci.uptime_set, ci.uptime_s);
			json_w_key(w, "bundle");
			if (ci.bundle[0])
				json_w_string(w, ci.bundle);
			else
				json_w_null(w);
			w_runs(w, &ci);
			w_health(w, &ci);
			json_w_end_object(w);
			continue;
		}
		if (ci.mem_set)
			format_bytes(ci.mem, mem, sizeof(mem));
		if (ci.uptime_set)
			fmt_duration(ci.uptime_s, up, sizeof(up));
		if (ci.pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)ci.pid);
		if (ci.last_exit_set)
			snprintf(ex, sizeof(ex), "%d", ci.last_exit);
		printf("%-20s %8s %10s %8s %8u %4s %-9s  %s\n", ci.name, pid, mem, up, ci.restarts,
		       ex, ci.health_set ? ci.health : "-", ci.bundle[0] ? ci.bundle : "-");
	}
	if (w) {
		json_w_end_array(w);
		if (json_writer_write_fd(w, STDOUT_FILENO) < 0)
			return 125;
	}
	return 0;
}

static int verb_stats(const struct cg_host *h, const struct verb_args *a, const char *name)
{
	struct cinfo ci;
	int r = collect(h, a->parent, name, true, &ci);

	if (r < 0) {
		log_error("stats: %s: no such running container", name);
		return 1;
	}
	if (a->json) {
		struct json_writer *w = json_writer_new(true);

		json_w_begin_object(w);
		json_w_member_string(w, "name", ci.name);
		json_w_member_int(w, "pid", ci.pid);
		w_runs(w, &ci);
		json_w_key(w, "memory");
		json_w_begin_object(w);
		w_opt(w, "current", ci.mem_set, ci.mem);
		w_opt(w, "peak", ci.mem_peak_set, ci.mem_peak);
		w_limit(w, "limit", ci.mem_limit);
		json_w_member_uint(w, "oom_kills", ci.ooms);
		json_w_end_object(w);
		json_w_key(w, "cpu");
		json_w_begin_object(w);
		w_opt(w, "usage_usec", ci.cpu_set, ci.cpu_usec);
		json_w_end_object(w);
		json_w_key(w, "pids");
		json_w_begin_object(w);
		w_opt(w, "current", ci.pids_set, ci.pids);
		w_limit(w, "limit", ci.pids_limit);
		json_w_end_object(w);
		json_w_key(w, "io");
		json_w_begin_object(w);
		w_opt(w, "read_bytes", ci.io_set, ci.io_read);
		w_opt(w, "write_bytes", ci.io_set, ci.io_write);
		json_w_end_object(w);
		w_health(w, &ci);
		json_w_end_object(w);
		return json_writer_write_fd(w, STDOUT_FILENO) < 0 ? 125 : 0;
	}
	{
		char cur[32], peak[32], lim[32], rd[32], wr[32], pl[32] = "max";

		format_bytes(ci.mem, cur, sizeof(cur));
		format_bytes(ci.mem_peak, peak, sizeof(peak));
		format_bytes(ci.mem_limit, lim, sizeof(lim));
		format_bytes(ci.io_read, rd, sizeof(rd));
		format_bytes(ci.io_write, wr, sizeof(wr));
		if (!ci.mem_set)
			snprintf(cur, sizeof(cur), "-");
		if (!ci.io_set) {
			snprintf(rd, sizeof(rd), "-");
			snprintf(wr, sizeof(wr), "-");
		}
		if (ci.pids_limit != UINT64_MAX)
			snprintf(pl, sizeof(pl), "%llu", (unsigned long long)ci.pids_limit);
		printf("NAME      %s\n", ci.name);
		printf("PID       %d\n", (int)ci.pid);
		if (ci.last_exit_set)
			printf("RESTARTS  %u (last exit %d)\n", ci.restarts, ci.last_exit);
		else
			printf("RESTARTS  0\n");
		printf("MEMORY    %s / %s (peak %s, oom kills %llu)\n", cur, lim,
		       ci.mem_peak_set ? peak : "-", (unsigned long long)ci.ooms);
		if (ci.cpu_set)
			printf("CPU       %llu.%06llus\n",
			       (unsigned long long)ci.cpu_usec / 1000000,
			       (unsigned long long)ci.cpu_usec % 1000000);
		else
			printf("CPU       -\n");
		if (ci.pids_set)
			printf("PIDS      %llu / %s\n", (unsigned long long)ci.pids, pl);
		else
			printf("PIDS      -\n");
		printf("IO        read %s, write %s\n", rd, wr);
		if (ci.health_set)
			printf("HEALTH    %s (failing streak %u)%s%.*s\n", ci.health,
			       ci.health_streak, ci.health_out[0] ? ": " : "",
			       (int)strcspn(ci.health_out, "\n"), ci.health_out);
	}
	return 0;
}

static pid_t parent_of(pid_t pid, char *comm, size_t n)
{
	char path[64], buf[32], *p;
	_cleanup_free_ char *st = NULL;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file_at(AT_FDCWD, path, 1 << 16, &st, NULL) < 0)
		return 0;
	p = strstr(st, "\nPPid:");
	if (!p)
		return 0;
	pid = (pid_t)atoi(p + 6);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	comm[0] = 0;
	if (fd >= 0) {
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len > 0) {
			buf[len] = 0;
			buf[strcspn(buf, "\n")] = 0;
			snprintf(comm, n, "%.31s", buf);
		}
	}
	return pid;
}

static bool still_running(const struct cg_host *h, const char *parent, const char *name)
{
	struct cinfo ci;

	return collect(h, parent, name, false, &ci) == 0;
}

/* A container whose rtr-run holds its cgroup but has not moved the init in yet is
 * starting: wait for it, so that "stop" right after a start finds it. */
static int collect_started(const struct cg_host *h, const char *parent, const char *name,
			   struct cinfo *ci)
{
	char rel[1024];
	_cleanup_close_ int fd = -1;
	int r = collect(h, parent, name, false, ci);

	if (r != -ESRCH || cg_rel_lookup(h, parent, name, rel, sizeof(rel)) < 0 ||
	    (fd = cg_open_rel(h, rel)) < 0)
		return r;
	for (int ms = 0; ms < RTR_START_WAIT_MS && cg_lock_held(fd); ms += 10) {
		cg_sleep_ms(10);
		r = collect(h, parent, name, false, ci);
		if (r != -ESRCH)
			return r;
	}
	return r;
}

/*
 * The supervisor exits once its container is gone and the cgroup removed: wait for that
 * on a pidfd instead of looking in 50 ms steps (stopping hundreds of containers, 8 at a
 * time, was mostly those steps).  Returns how many steps of the caller's poll loop are
 * used up: all of them when the time ran out, none when there is nothing to wait on.
 */
static uint64_t stop_wait_supervisor(pid_t sup, uint64_t timeout_s)
{
#ifdef SYS_pidfd_open
	_cleanup_close_ int fd = sup > 1 ? (int)syscall(SYS_pidfd_open, sup, 0) : -1;
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (fd >= 0 && poll(&p, 1, (int)(timeout_s * 1000)) == 0)
		return timeout_s * 20;
#else
	(void)sup;
	(void)timeout_s;
#endif
	return 0;
}

static int verb_stop(const struct cg_host *h, const struct verb_args *a, const char *name)
{
	char rel[1024], path[4096], stop[48] = "", comm[32];
	_cleanup_close_ int fd = -1;
	struct cinfo ci;
	uint64_t timeout = RTR_STOP_TIMEOUT_S;
	int sig = signal_from_string(RTR_STOP_SIGNAL_DEFAULT);
	pid_t sup;
	ssize_t n;

	if (collect_started(h, a->parent, name, &ci) < 0) {
		log_error("stop: %s: no such running container", name);
		return 1;
	}
	cg_rel_lookup(h, a->parent, name, rel, sizeof(rel));
	if (cg_path(h, cg_primary(h), rel, path, sizeof(path)) == 0)
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	n = fd >= 0 ? fgetxattr(fd, CG_XATTR_STOP, stop, sizeof(stop) - 1) : -1;
	if (n > 0) {
		char *sp;

		stop[n] = 0;
		sp = strchr(stop, ' ');
		if (sp) {
			*sp = 0;
			parse_u64(sp + 1, 86400, &timeout);
		}
		if (stop[0] && signal_from_string(stop) > 0)
			sig = signal_from_string(stop);
	}
	if (a->time && parse_u64(a->time, 86400, &timeout) < 0) {
		log_error("stop: -t %s: expected seconds", a->time);
		return 125;
	}
	/* SIGTERM to the supervisor is its stop: the stop signal to the container, SIGKILL
	 * after its timeout, then cleanup, and never a restart (also between two runs, when
	 * there is no init).  Without a supervisor: the stop signal to the init.  Either way
	 * SIGKILL to the whole cgroup when the time (-t, else the recorded one) is up. */
	sup = ci.supervisor;
	if (sup <= 0 && ci.pid > 0) {
		sup = parent_of(ci.pid, comm, sizeof(comm));
		if (!streq(comm, "rtr-run"))
			sup = 0;
	}
	if (sup > 1) {
		kill(sup, SIGTERM);
		if (!a->time)
			timeout += 2;
	} else if (ci.pid > 0) {
		kill(ci.pid, sig);
	}
	for (uint64_t i = stop_wait_supervisor(sup, timeout);
	     i < timeout * 20 && still_running(h, a->parent, name); i++)
		usleep(50000);
	if (still_running(h, a->parent, name))
		cg_kill_rel(h, rel, 5000, false);
	/* Give the supervisor a moment to remove the cgroup. */
	for (int i = 0; i < 100 && fd >= 0 && access(path, F_OK) == 0; i++)
		usleep(20000);
	return 0;
}

int verb_main(const char *verb, int argc, char **argv)
{
	struct cg_host h;
	struct verb_args a;
	const char *name;
	int r;

	if (streq(verb, "update")) {
		if (cg_host_detect(&h) == 0)
			verb_reap_stale(&h, NULL);
		return verb_update(argc, argv);
	}
	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? 0 : 125;
	if (cg_host_detect(&h) < 0) {
		log_error("%s: no cgroup filesystem at " CG_ROOT, verb);
		return 125;
	}
	if (streq(verb, "ps"))
		return verb_ps(&h, &a);
	if (a.first >= argc) {
		log_error("%s: missing container NAME", verb);
		return 125;
	}
	name = argv[a.first];
	/* Only the name asked for: a scan of every container's lock in each verb made
	 * stopping N containers cost N^2.  ps and a start of the name reap the others. */
	if (opts_name_valid(name))
		verb_reap_name(&h, a.parent, name);
	if (streq(verb, "logs"))
		return verb_logs(&h, &a, name);
	if (!opts_name_valid(name)) {
		log_error("%s: %s: bad container name", verb, name);
		return 125;
	}
	if (streq(verb, "stats"))
		return verb_stats(&h, &a, name);
	if (streq(verb, "inspect"))
		return verb_inspect(&h, &a, name);
	if (streq(verb, "stop"))
		return verb_stop(&h, &a, name);
	if (streq(verb, "kill")) {
		const char *s = a.signal	     ? a.signal
				: a.first + 1 < argc ? argv[a.first + 1]
						     : "SIGKILL";
		int sig = signal_from_string(s);
		struct cinfo ci;

		if (sig <= 0) {
			log_error("kill: %s: unknown signal", s);
			return 125;
		}
		if (collect_started(&h, a.parent, name, &ci) < 0 || ci.pid <= 0) {
			log_error("kill: %s: no such running container", name);
			return 1;
		}
		if (kill(ci.pid, sig) < 0) {
			log_errno(errno, "kill: %s: pid %d", name, (int)ci.pid);
			return 1;
		}
		return 0;
	}
	/* pause / resume */
	{
		char rel[1024];
		struct cinfo ci;

		if (collect(&h, a.parent, name, false, &ci) < 0) {
			log_error("%s: %s: no such running container", verb, name);
			return 1;
		}
		cg_rel_lookup(&h, a.parent, name, rel, sizeof(rel));
		r = cg_freeze_rel(&h, rel, streq(verb, "pause"));
		if (r < 0) {
			log_errno(r, "%s: %s", verb, name);
			return 1;
		}
	}
	return 0;
}
