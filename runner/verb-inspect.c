/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtr-run inspect NAME [--json]: the effective configuration the supervisor recorded on
 * the container's cgroup when it created it (inspect.c writes it from the typed spec; an
 * rtr-run update since rewrites its limits),
 * plus the live state: running or paused, the init's pid, and what the restart and
 * health machinery record (CG_XATTR_RUNS, CG_XATTR_HEALTH) when they are in use.
 * Text output is the same tree, one "path: value" line per scalar.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "config.h"
#include "inspect.h"
#include "lib/cleanup.h"
#include "lib/json.h"
#include "lib/util.h"
#include "verbs.h"

/* "process.args[0]: sleep"; an empty array or object prints as [] or {}. */
static void print_flat(const char *path, const struct json *j)
{
	char sub[512];

	switch (j->type) {
	case JSON_NULL:
		printf("%s: -\n", path);
		return;
	case JSON_BOOL:
		printf("%s: %s\n", path, j->boolean ? "true" : "false");
		return;
	case JSON_NUMBER:
	case JSON_STRING:
		printf("%s: %s\n", path, j->str);
		return;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (j->n == 0)
			printf("%s: %s\n", path, j->type == JSON_ARRAY ? "[]" : "{}");
		for (size_t i = 0; i < j->n; i++) {
			if (j->type == JSON_ARRAY)
				snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			else
				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
					 j->keys[i]);
			print_flat(sub, j->items[i]);
		}
		return;
	}
}

/* ---- the live state ---- */

static ssize_t xattr_str(int fd, const char *name, char *buf, size_t n)
{
	ssize_t len = fgetxattr(fd, name, buf, n - 1);

	buf[len > 0 ? len : 0] = 0;
	return len;
}

static void w_state(struct json_writer *w, const struct cg_host *h, int fd)
{
	char buf[512], *nl;
	bool populated = cg_populated(fd, cg_primary(h) == CG_V2);
	bool held = cg_lock_held(fd);
	uint64_t frozen = 0;
	unsigned long long a, b;

	if (cg_primary(h) == CG_V2)
		cg_read_u64(fd, "cgroup.freeze", NULL, &frozen);
	json_w_key(w, "state");
	json_w_begin_object(w);
	json_w_member_string(w, "status",
			     !held	  ? "stale"
			     : !populated ? "starting"
			     : frozen	  ? "paused"
					  : "running");
	json_w_key(w, "pid");
	if (xattr_str(fd, CG_XATTR_PID, buf, sizeof(buf)) > 0)
		json_w_int(w, atoi(buf));
	else
		json_w_null(w);
	if (xattr_str(fd, CG_XATTR_RUNS, buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%llu %llu", &a, &b) == 2) {
		json_w_member_uint(w, "restarts", a);
		json_w_member_uint(w, "last_exit", b);
	}
	if (xattr_str(fd, CG_XATTR_HEALTH, buf, sizeof(buf)) > 0) {
		nl = strchr(buf, '\n');
		if (nl)
			*nl++ = 0;
		json_w_key(w, "health");
		json_w_begin_object(w);
		json_w_member_string(w, "status", strtok(buf, " "));
		json_w_member_uint(w, "failing_streak",
				   strtoull(strtok(NULL, " ") ?: "0", NULL, 10));
		json_w_member_string(w, "output", nl ? nl : "");
		json_w_end_object(w);
	}
	json_w_end_object(w);
}

static int read_record(int fd, const char *name, struct json **ret)
{
	_cleanup_free_ char *buf = malloc(INSPECT_MAX_BYTES);
	struct rtr_err err = {0};
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	n = fgetxattr(fd, CG_XATTR_SPEC, buf, INSPECT_MAX_BYTES);
	if (n <= 0) {
		log_error("inspect: %s: no recorded configuration (%s)", name,
			  n < 0 ? strerror(errno) : "empty");
		return -ENODATA;
	}
	if (json_parse(buf, (size_t)n, INSPECT_MAX_BYTES, ret, &err) < 0) {
		log_error("inspect: %s: recorded configuration: %s", name, err.msg);
		return -EINVAL;
	}
	return 0;
}

int verb_inspect(const struct cg_host *h, const struct verb_args *a, const char *name)
{
	_cleanup_json_ struct json *spec = NULL, *all = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct json_writer *w;
	struct rtr_err err = {0};
	char rel[1024];
	size_t len;

	if (cg_rel_lookup(h, a->parent, name, rel, sizeof(rel)) < 0 ||
	    (fd = cg_open_rel(h, rel)) < 0) {
		log_error("inspect: %s: no such running container", name);
		return 1;
	}
	if (read_record(fd, name, &spec) < 0)
		return 1;
	/* The record's members, then the state, as one object. */
	w = json_writer_new(a->json);
	json_w_begin_object(w);
	for (size_t i = 0; spec->type == JSON_OBJECT && i < spec->n; i++) {
		json_w_key(w, spec->keys[i]);
		json_w_tree(w, spec->items[i]);
	}
	w_state(w, h, fd);
	json_w_end_object(w);
	if (a->json)
		return json_writer_write_fd(w, STDOUT_FILENO) < 0 ? 125 : 0;
	if (json_writer_finish(w, &text, &len) < 0 ||
	    json_parse(text, len, INSPECT_MAX_BYTES * 2, &all, &err) < 0)
		return 125;
	print_flat("", all);
	return 0;
}
