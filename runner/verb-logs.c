/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtr-run logs [-f] [--tail N] [--since TIME] NAME|FILE
 *
 * A running container's --log-file path is on its cgroup (CG_XATTR_LOG).  Once the
 * container has exited its cgroup is gone, and with it the only state rtr keeps, so a
 * stopped container's log is read by its path: an operand with a '/' is the file.
 *
 * The rotated files are read oldest first (FILE.N-1 ... FILE.1, FILE) as one stream: a
 * line cut by a rotation is one line again.  --since needs the times --log-timestamps
 * writes at the start of each line.  -f follows FILE across rotations (it notices that
 * the path names a new file) until the container's rtr-run is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "verbs.h"

#define LOGS_POLL_MS 100

struct logs {
	const char *path;
	bool since_set;
	struct timespec since;
	size_t tail; /* 0: everything */
	bool tail_set;
	char **ring; /* --tail: the last @tail lines */
	size_t ring_next, ring_n;
	char *pending; /* a line the previous file ended in the middle of */
	size_t pending_len;
	int failed;
};

/* "2026-01-02T03:04:05[.frac](Z|+hh:mm|-hh:mm)"; returns the length read, or 0. */
static size_t parse_rfc3339(const char *s, struct timespec *ret)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long ns = 0, scale = 100000000;
	int sign, hh, mm;

	if (!p)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ns += scale > 0 ? (*p - '0') * scale : 0;
	ret->tv_sec = timegm(&tm);
	ret->tv_nsec = ns;
	if (*p == 'Z')
		return (size_t)(p + 1 - s);
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
		return 0;
	sign = *p == '+' ? 1 : -1;
	ret->tv_sec -= sign * (hh * 3600 + mm * 60);
	return (size_t)(p + 6 - s);
}

/* --since: an RFC 3339 time, Unix seconds, or a duration back from now ("10m"). */
static int parse_since(const char *v, struct timespec *ret)
{
	char *end;
	double d;

	if (parse_rfc3339(v, ret) == strlen(v) && *v)
		return 0;
	d = strtod(v, &end);
	if (end == v || d < 0)
		return -EINVAL;
	if (*end && end[1])
		return -EINVAL;
	if (*end) {
		static const char units[] = "smhd";
		static const double secs[] = {1, 60, 3600, 86400};
		const char *u = strchr(units, *end);
		struct timespec now;

		if (!u)
			return -EINVAL;
		clock_gettime(CLOCK_REALTIME, &now);
		d = (double)now.tv_sec + now.tv_nsec / 1e9 - d * secs[u - units];
	}
	ret->tv_sec = (time_t)d;
	ret->tv_nsec = (long)((d - (double)ret->tv_sec) * 1e9);
	return 0;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* One whole line (with its newline, or the last, unfinished one). */
static void emit(struct logs *lg, const char *line, size_t len)
{
	if (lg->since_set) {
		struct timespec t;

		if (!parse_rfc3339(line, &t)) {
			if (!lg->failed)
				log_error("logs: --since: %s: a line without a time (the container "
					  "ran without --log-timestamps)",
					  lg->path);
			lg->failed = 1;
			return;
		}
		if (before(&t, &lg->since))
			return;
	}
	if (!lg->tail_set) {
		fwrite(line, 1, len, stdout);
		return;
	}
	if (!lg->tail)
		return;
	free(lg->ring[lg->ring_next]);
	lg->ring[lg->ring_next] = strndup(line, len);
	lg->ring_next = (lg->ring_next + 1) % lg->tail;
	if (lg->ring_n < lg->tail)
		lg->ring_n++;
}

/* Reads @f to its end; a last line without a newline waits in lg->pending. */
static void read_lines(struct logs *lg, FILE *f)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0 && !lg->failed) {
		if (lg->pending_len || line[n - 1] != '\n') {
			char *p = realloc(lg->pending, lg->pending_len + (size_t)n + 1);

			if (!p)
				return;
			memcpy(p + lg->pending_len, line, (size_t)n);
			lg->pending = p;
			lg->pending_len += (size_t)n;
			if (line[n - 1] != '\n')
				continue;
			emit(lg, lg->pending, lg->pending_len);
			lg->pending_len = 0;
			continue;
		}
		emit(lg, line, (size_t)n);
	}
}

static void flush_tail(struct logs *lg)
{
	if (lg->pending_len)
		emit(lg, lg->pending, lg->pending_len);
	lg->pending_len = 0;
	for (size_t i = 0; lg->tail_set && i < lg->ring_n; i++) {
		size_t k = (lg->ring_next + lg->tail - lg->ring_n + i) % lg->tail;

		fputs(lg->ring[k], stdout);
	}
	fflush(stdout);
}

/* Everything written so far; returns the newest file, open at its end (or -1). */
static int read_history(struct logs *lg)
{
	char name[PATH_MAX + 16];
	unsigned old = 0;
	int fd = -1;

	while (old < RTR_LOG_MAX_FILES &&
	       (snprintf(name, sizeof(name), "%s.%u", lg->path, old + 1), access(name, F_OK) == 0))
		old++;
	for (unsigned k = old + 1; k-- > 0 && !lg->failed;) {
		FILE *f;

		if (k)
			snprintf(name, sizeof(name), "%s.%u", lg->path, k);
		else
			snprintf(name, sizeof(name), "%s", lg->path);
		f = fopen(name, "re");
		if (!f)
			continue; /* rotated away meanwhile */
		read_lines(lg, f);
		if (k == 0) {
			fd = dup(fileno(f));
			if (fd >= 0)
				lseek(fd, ftell(f), SEEK_SET);
		}
		fclose(f);
	}
	flush_tail(lg);
	return fd;
}

/* True when @path now names another file than @fd (rotated), or none. */
static bool rotated(const char *path, int fd)
{
	struct stat a, b;

	if (stat(path, &a) < 0 || fstat(fd, &b) < 0)
		return true;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static void copy_out(int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			exit(0); /* the reader went away (a pipe to head) */
}

/* -f: new output as it comes, across rotations, until @owner (the container's cgroup
 * directory, -1 for a file given by path) has no rtr-run any more. */
static int follow(struct logs *lg, int fd, int owner)
{
	for (;;) {
		bool last = owner >= 0 && !cg_lock_held(owner);

		if (fd >= 0) {
			copy_out(fd);
			if (rotated(lg->path, fd)) {
				copy_out(fd); /* what came after our read, before the rename */
				close(fd);
				fd = -1;
			}
		}
		if (fd < 0 && (fd = open(lg->path, O_RDONLY | O_CLOEXEC)) >= 0)
			continue;
		if (last)
			break;
		cg_sleep_ms(LOGS_POLL_MS);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

/* The log path of container @name, and its cgroup directory for -f. */
static int log_path_of(const struct cg_host *h, const struct verb_args *a, const char *name,
		       char *buf, size_t n, int *ret_owner)
{
	char rel[1024];
	int fd;
	ssize_t len;

	if (cg_rel_lookup(h, a->parent, name, rel, sizeof(rel)) < 0 ||
	    (fd = cg_open_rel(h, rel)) < 0) {
		log_error("logs: %s: no such running container (the log of a stopped one: "
			  "rtr-run logs FILE)",
			  name);
		return -ESRCH;
	}
	len = fgetxattr(fd, CG_XATTR_LOG, buf, n - 1);
	if (len <= 0) {
		close(fd);
		log_error("logs: %s: runs without --log-file", name);
		return -ENOENT;
	}
	buf[len] = 0;
	*ret_owner = fd;
	return 0;
}

static int logs_options(const struct verb_args *a, struct logs *lg)
{
	uint64_t n;

	if (a->since && parse_since(a->since, &lg->since) < 0) {
		log_error("logs: --since %s: expected a time like 2026-01-02T03:04:05Z, Unix "
			  "seconds or a duration like 10m",
			  a->since);
		return -EINVAL;
	}
	lg->since_set = a->since != NULL;
	if (a->tail) {
		if (parse_u64(a->tail, 1000000, &n) < 0) {
			log_error("logs: --tail %s: expected a number of lines", a->tail);
			return -EINVAL;
		}
		lg->tail = (size_t)n;
		lg->tail_set = true;
		lg->ring = calloc(n ? n : 1, sizeof(char *));
		if (!lg->ring)
			return -ENOMEM;
	}
	return 0;
}

int verb_logs(const struct cg_host *h, const struct verb_args *a, const char *what)
{
	struct logs lg = {.path = what};
	char path[PATH_MAX];
	_cleanup_close_ int owner = -1;
	int fd, r;

	if (a->json) {
		log_error("logs: --json: not supported (the log is the container's own output)");
		return 125;
	}
	if (logs_options(a, &lg) < 0)
		return 125;
	if (!strchr(what, '/')) {
		if (log_path_of(h, a, what, path, sizeof(path), &owner) < 0)
			return 1;
		lg.path = path;
	} else if (access(what, F_OK) < 0) {
		log_errno(errno, "logs: %s", what);
		return 1;
	}
	fd = read_history(&lg);
	r = lg.failed ? 1 : 0;
	if (r == 0 && a->follow)
		r = follow(&lg, fd, owner);
	else if (fd >= 0)
		close(fd);
	for (size_t i = 0; lg.ring && i < lg.tail; i++)
		free(lg.ring[i]);
	free(lg.ring);
	free(lg.pending);
	return r;
}
