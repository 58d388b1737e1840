/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.json -> struct rtr_spec.  Parse and validate, never apply: the only system call
 * made here is reading the file.  The JSON tree comes from lib/json.c (limits on size,
 * depth, NUL bytes, UTF-8); this file walks it with path-aware cursors, so every error
 * reads ".process.rlimits[2].soft: ..." and names the field and the reason.
 *
 * Rules, after the OCI runtime spec: unknown members are ignored, wrong types are
 * errors, JSON null counts as absent, any ociVersion 1.x is accepted.  Names are resolved
 * here (capabilities, rlimits, mount options, namespaces, seccomp actions, operators and
 * architectures) so the apply steps only read numbers; unknown syscall names are kept
 * because whether they matter depends on the kernel, and seccomp.c warns about them.
 *
 * The top level, process, mounts, hooks, annotations and org.rtr.* extensions live here;
 * the "linux" object is in spec-linux.c.
 */
#include "spec.h"
#include "spec-parse.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "caps-names.h"
#include "names.h"
#include "settings.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* Remember that @c is present but not implemented (spec->unsupported). */
static int note_unsupported(const struct json_cur *c, char ***list)
{
	char path[256];

	if (!json_present(c))
		return 0;
	json_path(c, path, sizeof(path));
	return strv_push(list, path) < 0 ? -ENOMEM : 0;
}

/* OCI settings rtr parses past without applying them. */
static const char *const unsupported_process[] = {"scheduler", "execCPUAffinity"};
static const char *const unsupported_linux[] = {"intelRdt", "timeOffsets", "memoryPolicy",
						"netDevices", "rdt"};
static const char *const unsupported_resources[] = {"network", "rdma"};

static int note_unsupported_members(const struct json_cur *obj, const char *const *keys, size_t n,
				    char ***list)
{
	for (size_t i = 0; i < n; i++) {
		int r = note_unsupported(JSON_TMP(json_member(obj, keys[i])), list);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- process ---- */

static int parse_caps_set(const struct json_cur *c, int **ret, size_t *ret_n, struct rtr_err *err)
{
	size_t n;
	int r = json_array(c, &n, err);

	if (r <= 0)
		return r;
	*ret = calloc(n ? n : 1, sizeof(int));
	if (!*ret)
		return -ENOMEM;
	*ret_n = n;
	for (size_t i = 0; i < n; i++) {
		struct json_cur item = json_item(c, i);
		const char *name = NULL;

		r = json_str(&item, &name, err);
		if (r < 0)
			return r;
		if (r == 0 || caps_from_name(name, &(*ret)[i]) < 0)
			return json_error(&item, err, "unknown capability \"%.64s\"",
					  name ? name : "null");
	}
	return 1;
}

static int parse_caps(const struct json_cur *c, struct rtr_caps *caps, struct rtr_err *err)
{
	struct {
		const char *key;
		int **set;
		size_t *n;
	} sets[] = {
	    {"bounding", &caps->bounding, &caps->n_bounding},
	    {"effective", &caps->effective, &caps->n_effective},
	    {"inheritable", &caps->inheritable, &caps->n_inheritable},
	    {"permitted", &caps->permitted, &caps->n_permitted},
	    {"ambient", &caps->ambient, &caps->n_ambient},
	};

	for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
		int r = parse_caps_set(JSON_TMP(json_member(c, sets[i].key)), sets[i].set,
				       sets[i].n, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_rlimit(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "type", .kind = SPEC_STR, .off = offsetof(struct rtr_rlimit, type),
		  .required = true },
		{ .key = "soft", .kind = SPEC_U64, .off = offsetof(struct rtr_rlimit, soft),
		  .max = UINT64_MAX, .required = true },
		{ .key = "hard", .kind = SPEC_U64, .off = offsetof(struct rtr_rlimit, hard),
		  .max = UINT64_MAX, .required = true },
	};
	/* clang-format on */
	struct rtr_rlimit *rl = elem;
	int r = spec_fields(c, f, ELEMENTSOF(f), rl, err);

	if (r < 0)
		return r;
	rl->resource = rlimit_from_type(rl->type);
	if (rl->resource < 0)
		return json_error(JSON_TMP(json_member(c, "type")), err, "unknown rlimit \"%.64s\"",
				  rl->type);
	if (rl->soft > rl->hard)
		return json_error(JSON_TMP(json_member(c, "soft")), err,
				  "%" PRIu64 " is above the hard limit %" PRIu64, rl->soft,
				  rl->hard);
	return 0;
}

static int parse_rlimits(const struct json_cur *c, struct rtr_process *p, struct rtr_err *err)
{
	int r = spec_objects(c, sizeof(*p->rlimits), (void **)&p->rlimits, &p->n_rlimits,
			     parse_rlimit, err);
	if (r <= 0)
		return r;
	for (size_t i = 0; i < p->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[i].resource == p->rlimits[j].resource) {
				struct json_cur item = json_item(c, i);
				return json_error(JSON_TMP(json_member(&item, "type")), err,
						  "%s given twice", p->rlimits[i].type);
			}
	return 0;
}

static int parse_io_priority(const struct json_cur *c, struct rtr_process *p, struct rtr_err *err)
{
	static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
					      "IOPRIO_CLASS_IDLE"};
	struct json_cur cl = json_member(c, "class");
	const char *name = NULL;
	int64_t level = 0;
	size_t n;
	int r;

	r = json_object(c, &n, err);
	if (r <= 0)
		return r;
	r = json_str(&cl, &name, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&cl, err, "missing");
	p->io_priority_class = 0;
	for (size_t i = 0; i < ELEMENTSOF(classes); i++)
		if (streq(name, classes[i]))
			p->io_priority_class = (int)i + 1; /* IOPRIO_CLASS_RT is 1 */
	if (p->io_priority_class == 0)
		return json_error(&cl, err, "unknown class \"%.64s\"", name);
	r = json_i64(JSON_TMP(json_member(c, "priority")), 0, 7, &level, err);
	if (r < 0)
		return r;
	p->io_priority_level = (int)level;
	p->io_priority_set = true;
	return 0;
}

static int parse_user(const struct json_cur *c, struct rtr_user *u, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "uid", .kind = SPEC_U32, .off = offsetof(struct rtr_user, uid),
		  .max = UINT32_MAX - 1 },
		{ .key = "gid", .kind = SPEC_U32, .off = offsetof(struct rtr_user, gid),
		  .max = UINT32_MAX - 1 },
		{ .key = "umask", .kind = SPEC_U32, .off = offsetof(struct rtr_user, umask),
		  .set = SPEC_SET(struct rtr_user, umask_set), .max = 0777 },
		{ .key = "username", .kind = SPEC_STR, .off = offsetof(struct rtr_user, username) },
	};
	/* clang-format on */
	struct json_cur ag = json_member(c, "additionalGids");
	size_t n;
	int r = json_object(c, &n, err);

	if (r <= 0)
		return r;
	r = spec_fields(c, f, ELEMENTSOF(f), u, err);
	if (r < 0)
		return r;
	r = json_array(&ag, &n, err);
	if (r <= 0)
		return r;
	u->additional_gids = calloc(n ? n : 1, sizeof(uint32_t));
	if (!u->additional_gids)
		return -ENOMEM;
	u->n_additional_gids = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		struct json_cur item = json_item(&ag, i);

		/* (uid_t)-1 means "unchanged" to the kernel, never a real group. */
		r = json_u64(&item, UINT32_MAX - 1, &v, err);
		if (r < 0)
			return r;
		if (r == 0)
			return json_error(&item, err, "expected an integer, got null");
		u->additional_gids[i] = (uint32_t)v;
	}
	return 0;
}

static int parse_env(const struct json_cur *c, char ***ret, struct rtr_err *err)
{
	int r = json_strv(c, ret, err);

	if (r <= 0)
		return r;
	for (size_t i = 0; (*ret)[i]; i++)
		if (!strchr((*ret)[i], '=') || (*ret)[i][0] == '=')
			return json_error(JSON_TMP(json_item(c, i)), err,
					  "\"%.64s\" is not KEY=VALUE", (*ret)[i]);
	return 1;
}

/* args, env, cwd: what is executed, and where. */
static int parse_command(const struct json_cur *c, struct rtr_process *p, struct rtr_err *err)
{
	struct json_cur args = json_member(c, "args");
	int r = json_strv(&args, &p->args, err);

	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&args, err, "missing");
	if (!p->args[0])
		return json_error(&args, err, "must not be empty");
	if (!p->args[0][0])
		return json_error(JSON_TMP(json_item(&args, 0)), err, "empty program name");

	r = parse_env(JSON_TMP(json_member(c, "env")), &p->env, err);
	if (r < 0)
		return r;
	if (!p->env) {
		p->env = calloc(1, sizeof(char *));
		if (!p->env)
			return -ENOMEM;
	}
	r = spec_abs_path(JSON_TMP(json_member(c, "cwd")), &p->cwd, err);
	if (r < 0)
		return r;
	if (!p->cwd) {
		/* REQUIRED in the spec; "/" is what every runtime assumes when missing. */
		p->cwd = strdup("/");
		if (!p->cwd)
			return -ENOMEM;
	}
	return 0;
}

static int parse_process(const struct json_cur *c, struct rtr_process *p, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "terminal", .kind = SPEC_BOOL,
		  .off = offsetof(struct rtr_process, terminal) },
		{ .key = "noNewPrivileges", .kind = SPEC_BOOL,
		  .off = offsetof(struct rtr_process, no_new_privileges) },
		{ .key = "apparmorProfile", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_process, apparmor_profile) },
		{ .key = "selinuxLabel", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_process, selinux_label) },
		{ .key = "oomScoreAdj", .kind = SPEC_INT,
		  .off = offsetof(struct rtr_process, oom_score_adj),
		  .set = SPEC_SET(struct rtr_process, oom_score_adj_set), .min = -1000,
		  .max = 1000 },
	};
	static const struct spec_field console[] = {
		{ .key = "height", .kind = SPEC_UINT,
		  .off = offsetof(struct rtr_process, console_height), .max = UINT16_MAX,
		  .required = true },
		{ .key = "width", .kind = SPEC_UINT,
		  .off = offsetof(struct rtr_process, console_width), .max = UINT16_MAX,
		  .required = true },
	};
	/* clang-format on */
	struct json_cur cs = json_member(c, "consoleSize"), caps = json_member(c, "capabilities");
	size_t n;
	int r;

	r = spec_fields(c, f, ELEMENTSOF(f), p, err);
	if (r < 0)
		return r;
	r = json_object(&cs, &n, err);
	if (r > 0) {
		r = spec_fields(&cs, console, ELEMENTSOF(console), p, err);
		p->console_size_set = true;
	}
	if (r < 0)
		return r;
	r = parse_user(JSON_TMP(json_member(c, "user")), &p->user, err);
	if (r < 0)
		return r;

	r = parse_command(c, p, err);
	if (r < 0)
		return r;

	r = json_object(&caps, &n, err);
	if (r < 0)
		return r;
	if (r > 0) {
		p->caps_set = true;
		r = parse_caps(&caps, &p->caps, err);
		if (r < 0)
			return r;
	}
	r = parse_rlimits(JSON_TMP(json_member(c, "rlimits")), p, err);
	if (r < 0)
		return r;
	return parse_io_priority(JSON_TMP(json_member(c, "ioPriority")), p, err);
}

/* ---- mounts ---- */

enum mopt_kind { MOPT_SET, MOPT_CLEAR, MOPT_BIND, MOPT_IDMAP, MOPT_IGNORE };

/* clang-format off */
static const struct {
	const char *name;
	uint32_t flag; /* MS_* (all below 2^32): 16 bytes a row */
	uint8_t kind;  /* enum mopt_kind */
} mount_opts[] = {
	{ "defaults", 0, MOPT_SET },
	{ "ro", MS_RDONLY, MOPT_SET },               { "rw", MS_RDONLY, MOPT_CLEAR },
	{ "nosuid", MS_NOSUID, MOPT_SET },           { "suid", MS_NOSUID, MOPT_CLEAR },
	{ "nodev", MS_NODEV, MOPT_SET },             { "dev", MS_NODEV, MOPT_CLEAR },
	{ "noexec", MS_NOEXEC, MOPT_SET },           { "exec", MS_NOEXEC, MOPT_CLEAR },
	{ "sync", MS_SYNCHRONOUS, MOPT_SET },        { "async", MS_SYNCHRONOUS, MOPT_CLEAR },
	{ "dirsync", MS_DIRSYNC, MOPT_SET },         { "remount", MS_REMOUNT, MOPT_SET },
	{ "mand", MS_MANDLOCK, MOPT_SET },           { "nomand", MS_MANDLOCK, MOPT_CLEAR },
	{ "noatime", MS_NOATIME, MOPT_SET },         { "atime", MS_NOATIME, MOPT_CLEAR },
	{ "nodiratime", MS_NODIRATIME, MOPT_SET },   { "diratime", MS_NODIRATIME, MOPT_CLEAR },
	{ "relatime", MS_RELATIME, MOPT_SET },       { "norelatime", MS_RELATIME, MOPT_CLEAR },
	{ "strictatime", MS_STRICTATIME, MOPT_SET },
	{ "nostrictatime", MS_STRICTATIME, MOPT_CLEAR },
	{ "lazytime", MS_LAZYTIME, MOPT_SET },       { "nolazytime", MS_LAZYTIME, MOPT_CLEAR },
	{ "iversion", MS_I_VERSION, MOPT_SET },      { "noiversion", MS_I_VERSION, MOPT_CLEAR },
	{ "silent", MS_SILENT, MOPT_SET },           { "loud", MS_SILENT, MOPT_CLEAR },
	{ "nosymfollow", MS_NOSYMFOLLOW, MOPT_SET }, { "symfollow", MS_NOSYMFOLLOW, MOPT_CLEAR },
	{ "bind", MS_BIND, MOPT_BIND },              { "rbind", MS_BIND | MS_REC, MOPT_BIND },
	/* tmpcopyup (copy the image's directory into a new tmpfs) is a runc/crun extension
	 * rtr does not implement: dropped rather than handed to the filesystem as data,
	 * where tmpfs would refuse the whole mount, and listed in spec->unsupported.
	 * idmap/ridmap mark the mount as idmapped (ridmap: its submounts too), with its
	 * uidMappings/gidMappings or else the container's (runner/idmap.c). */
	{ "tmpcopyup", 0, MOPT_IGNORE },             { "idmap", 0, MOPT_IDMAP },
	{ "ridmap", 1, MOPT_IDMAP },
};
/* clang-format on */

static int mount_option(struct rtr_mount *m, const char *o, char ***data)
{
	unsigned long prop;

	if (spec_propagation(o, &prop) == 0) {
		m->propagation = prop;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(mount_opts); i++) {
		if (!streq(o, mount_opts[i].name))
			continue;
		switch (mount_opts[i].kind) {
		case MOPT_SET:
			m->flags |= mount_opts[i].flag;
			m->clear_flags &= ~(unsigned long)mount_opts[i].flag;
			break;
		case MOPT_CLEAR:
			m->flags &= ~(unsigned long)mount_opts[i].flag;
			m->clear_flags |= mount_opts[i].flag;
			break;
		case MOPT_BIND:
			m->flags |= mount_opts[i].flag;
			m->bind = true;
			break;
		case MOPT_IDMAP:
			m->idmap = true;
			m->idmap_recursive = mount_opts[i].flag;
			break;
		case MOPT_IGNORE:
			break;
		}
		return 0;
	}
	/* Everything else is filesystem data: size=, mode=, newinstance, ptmxmode=... */
	return strv_push(data, o) < 0 ? -ENOMEM : 0;
}

static bool fstype_valid(const char *t)
{
	size_t l = strlen(t);

	if (l == 0 || l > 64)
		return false;
	for (; *t; t++)
		if (!(*t >= 'a' && *t <= 'z') && !(*t >= 'A' && *t <= 'Z') &&
		    !(*t >= '0' && *t <= '9') && !strchr("._-", *t))
			return false;
	return true;
}

static char *strv_join_comma(char **v)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; v[i]; i++)
		len += strlen(v[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (size_t i = 0; v[i]; i++)
		p = stpcpy(stpcpy(p, i ? "," : ""), v[i]);
	*p = 0;
	return s;
}

/* An idmapped mount: mappings for both kinds of ids, on a bind mount (what the kernel can
 * clone and idmap); applied by runner/idmap.c. */
static int parse_mount_idmaps(const struct json_cur *c, struct rtr_mount *m, struct rtr_err *err)
{
	struct json_cur u = json_member(c, "uidMappings"), g = json_member(c, "gidMappings");
	int r;

	r = spec_idmaps(&u, &m->uid_mappings, &m->n_uid_mappings, err);
	if (r < 0)
		return r;
	r = spec_idmaps(&g, &m->gid_mappings, &m->n_gid_mappings, err);
	if (r < 0)
		return r;
	if (!m->n_uid_mappings != !m->n_gid_mappings)
		return json_error(m->n_uid_mappings ? &g : &u, err,
				  "missing: an idmapped mount needs uidMappings and gidMappings");
	if ((m->n_uid_mappings || m->idmap) && !m->bind)
		return json_error(m->n_uid_mappings ? &u : JSON_TMP(json_member(c, "options")), err,
				  "idmapped mounts are supported for bind mounts only");
	return 0;
}

static int parse_mount(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "type", .kind = SPEC_STR, .off = offsetof(struct rtr_mount, type) },
		{ .key = "source", .kind = SPEC_STR, .off = offsetof(struct rtr_mount, source) },
	};
	/* clang-format on */
	struct rtr_mount *m = elem;
	struct json_cur dst = json_member(c, "destination"), opts = json_member(c, "options");
	_cleanup_strv_free_ char **data = NULL;
	int r;

	r = spec_abs_path(&dst, &m->destination, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&dst, err, "missing");
	r = spec_fields(c, f, ELEMENTSOF(f), m, err);
	if (r < 0)
		return r;
	if (m->type && !fstype_valid(m->type))
		return json_error(JSON_TMP(json_member(c, "type")), err,
				  "invalid filesystem type \"%.64s\"", m->type);
	if (streq(m->type, "bind") || streq(m->type, "rbind")) {
		m->bind = true;
		m->flags |= MS_BIND | (streq(m->type, "rbind") ? MS_REC : 0);
	}

	r = json_strv(&opts, &m->options, err);
	if (r < 0)
		return r;
	for (size_t i = 0; m->options && m->options[i]; i++) {
		if (!m->options[i][0])
			return json_error(JSON_TMP(json_item(&opts, i)), err, "empty mount option");
		r = mount_option(m, m->options[i], &data);
		if (r < 0)
			return r;
	}
	if (data) {
		m->data = strv_join_comma(data);
		if (!m->data)
			return -ENOMEM;
	}
	if (!m->type && !m->bind)
		return json_error(JSON_TMP(json_member(c, "type")), err,
				  "missing (only bind mounts may omit it)");
	if (m->bind && !m->source)
		return json_error(JSON_TMP(json_member(c, "source")), err,
				  "missing for a bind mount");

	return parse_mount_idmaps(c, m, err);
}

/* ---- hooks ---- */

/* clang-format off */
static const char *const hook_names[_RTR_HOOK_MAX] = {
	[RTR_HOOK_PRESTART] = "prestart",
	[RTR_HOOK_CREATE_RUNTIME] = "createRuntime",
	[RTR_HOOK_CREATE_CONTAINER] = "createContainer",
	[RTR_HOOK_START_CONTAINER] = "startContainer",
	[RTR_HOOK_POSTSTART] = "poststart",
	[RTR_HOOK_POSTSTOP] = "poststop",
};
/* clang-format on */

static int parse_hook(const struct json_cur *c, void *elem, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "timeout", .kind = SPEC_INT, .off = offsetof(struct rtr_hook, timeout_s),
		  .set = SPEC_SET(struct rtr_hook, timeout_set), .min = 1, .max = INT_MAX },
	};
	/* clang-format on */
	struct rtr_hook *h = elem;
	struct json_cur path = json_member(c, "path");
	int r;

	r = spec_abs_path(&path, &h->path, err);
	if (r < 0)
		return r;
	if (r == 0)
		return json_error(&path, err, "missing");
	r = json_strv(JSON_TMP(json_member(c, "args")), &h->args, err);
	if (r < 0)
		return r;
	r = parse_env(JSON_TMP(json_member(c, "env")), &h->env, err);
	if (r < 0)
		return r;
	return spec_fields(c, f, ELEMENTSOF(f), h, err);
}

static int parse_hooks(const struct json_cur *c, struct rtr_spec *s, struct rtr_err *err)
{
	size_t n;
	int r = json_object(c, &n, err);

	if (r <= 0)
		return r;
	for (size_t k = 0; k < _RTR_HOOK_MAX; k++) {
		r = spec_objects(JSON_TMP(json_member(c, hook_names[k])), sizeof(struct rtr_hook),
				 (void **)&s->hooks[k], &s->n_hooks[k], parse_hook, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- top level ---- */

static int parse_version(const struct json_cur *c, struct rtr_spec *s, struct rtr_err *err)
{
	int r = json_strdup(c, &s->oci_version, err);

	if (r < 0)
		return r;
	if (r == 0)
		return json_error(c, err, "missing");
	/* Any 1.x: minor versions only add fields, and unknown fields are ignored. */
	if (!startswith(s->oci_version, "1.") ||
	    !(s->oci_version[2] >= '0' && s->oci_version[2] <= '9'))
		return json_error(c, err, "unsupported version \"%.32s\" (1.x expected)",
				  s->oci_version);
	return 0;
}

static int parse_root(const struct json_cur *c, struct rtr_spec *s, struct rtr_err *err)
{
	struct json_cur path = json_member(c, "path");
	size_t n;
	int r = json_object(c, &n, err);

	if (r < 0)
		return r;
	if (r == 0)
		return json_error(c, err, "missing");
	r = json_strdup(&path, &s->root_path, err);
	if (r < 0)
		return r;
	if (r == 0 || !s->root_path[0])
		return json_error(&path, err, "missing");
	r = json_bool(JSON_TMP(json_member(c, "readonly")), &s->root_readonly, err);
	return r < 0 ? r : 0;
}

/* ---- org.rtr.* annotations ---- */

static int parse_ext(const struct json_cur *ann, struct rtr_spec *s, struct rtr_err *err)
{
	size_t n = 0;
	int r;

	if (json_object(ann, &n, err) <= 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct json_cur c = json_member_at(ann, i);
		char label[128];

		if (!startswith(c.key, "org.rtr."))
			continue;
		json_path(&c, label, sizeof(label));
		r = settings_annotation(s, c.key, c.node->str, label, err);
		if (r < 0)
			return r;
		/* Checked but not applied by this version: listed, so main() warns. */
		if (r > 0 && note_unsupported(&c, &s->unsupported) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int note_all_unsupported(const struct json_cur *root, struct rtr_spec *s)
{
	struct json_cur proc = json_member(root, "process"), lx = json_member(root, "linux"),
			res = json_member(&lx, "resources"), mounts = json_member(root, "mounts");
	int r;

	r = note_unsupported_members(&proc, unsupported_process, ELEMENTSOF(unsupported_process),
				     &s->unsupported);
	if (r >= 0)
		r = note_unsupported_members(&lx, unsupported_linux, ELEMENTSOF(unsupported_linux),
					     &s->unsupported);
	if (r >= 0)
		r = note_unsupported_members(&res, unsupported_resources,
					     ELEMENTSOF(unsupported_resources), &s->unsupported);
	for (size_t i = 0; r >= 0 && i < s->n_mounts; i++) {
		struct json_cur m = json_item(&mounts, i), opts = json_member(&m, "options");

		for (size_t j = 0; r >= 0 && s->mounts[i].options && s->mounts[i].options[j]; j++)
			if (streq(s->mounts[i].options[j], "tmpcopyup"))
				r = note_unsupported(JSON_TMP(json_item(&opts, j)),
						     &s->unsupported);
	}
	return r;
}

static int parse_top(const struct json_cur *root, struct rtr_spec *s, struct rtr_err *err)
{
	/* clang-format off */
	static const struct spec_field f[] = {
		{ .key = "hostname", .kind = SPEC_STR, .off = offsetof(struct rtr_spec, hostname) },
		{ .key = "domainname", .kind = SPEC_STR,
		  .off = offsetof(struct rtr_spec, domainname) },
	};
	/* clang-format on */
	struct json_cur proc = json_member(root, "process"), lx = json_member(root, "linux"),
			ann = json_member(root, "annotations");
	size_t n;
	int r;

	r = json_object(root, &n, err);
	if (r == 0)
		return json_error(root, err, "expected an object, got null");
	if (r < 0)
		return r;
	r = parse_version(JSON_TMP(json_member(root, "ociVersion")), s, err);
	if (r < 0)
		return r;
	r = parse_root(JSON_TMP(json_member(root, "root")), s, err);
	if (r < 0)
		return r;
	r = spec_fields(root, f, ELEMENTSOF(f), s, err);
	if (r < 0)
		return r;
	if (s->hostname && strlen(s->hostname) > 64)
		return json_error(JSON_TMP(json_member(root, "hostname")), err,
				  "longer than 64 bytes");

	r = json_object(&proc, &n, err);
	if (r < 0)
		return r;
	if (r > 0) {
		s->process_set = true;
		r = parse_process(&proc, &s->process, err);
		if (r < 0)
			return r;
	}
	r = spec_objects(JSON_TMP(json_member(root, "mounts")), sizeof(*s->mounts),
			 (void **)&s->mounts, &s->n_mounts, parse_mount, err);
	if (r < 0)
		return r;
	r = parse_hooks(JSON_TMP(json_member(root, "hooks")), s, err);
	if (r < 0)
		return r;
	r = spec_kv(&ann, &s->annotations, &s->n_annotations, NULL, err);
	if (r < 0)
		return r;
	r = json_object(&lx, &n, err);
	if (r < 0)
		return r;
	if (r > 0) {
		s->linux_set = true;
		r = spec_parse_linux(&lx, &s->lx, err);
		if (r < 0)
			return r;
	}
	r = parse_ext(&ann, s, err);
	if (r < 0)
		return r;
	return note_all_unsupported(root, s);
}

int spec_parse(const char *buf, size_t len, struct rtr_spec **ret, struct rtr_err *err)
{
	_cleanup_json_ struct json *tree = NULL;
	struct rtr_spec *s;
	int r;

	r = json_parse(buf, len, RTR_CONFIG_MAX_BYTES, &tree, err);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return rtr_err_set(err, ENOMEM, "out of memory");
	r = parse_top(JSON_TMP(json_root(tree)), s, err);
	if (r < 0) {
		spec_free(s);
		if (r == -ENOMEM)
			return rtr_err_set(err, ENOMEM, "out of memory");
		return r;
	}
	*ret = s;
	return 0;
}

int spec_load(int bundle_dirfd, struct rtr_spec **ret, struct rtr_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = read_file_at(bundle_dirfd, "config.json", RTR_CONFIG_MAX_BYTES, &buf, &len);
	if (r == -EFBIG)
		return rtr_err_set(err, EFBIG, "larger than the limit of %d bytes",
				   RTR_CONFIG_MAX_BYTES);
	if (r < 0)
		return rtr_err_set(err, -r, "%s", strerror(-r));
	return spec_parse(buf, len, ret, err);
}

/* ---- freeing and small lookups ---- */

void spec_caps_free(struct rtr_caps *k)
{
	free(k->bounding);
	free(k->effective);
	free(k->inheritable);
	free(k->permitted);
	free(k->ambient);
	*k = (struct rtr_caps){0};
}

static void process_free(struct rtr_process *p)
{
	free(p->user.additional_gids);
	free(p->user.username);
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	spec_caps_free(&p->caps);
	for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
}

void spec_free(struct rtr_spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	process_free(&s->process);
	for (size_t i = 0; s->mounts && i < s->n_mounts; i++) {
		struct rtr_mount *m = &s->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		strv_free(m->options);
		free(m->data);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(s->mounts);
	for (size_t k = 0; k < _RTR_HOOK_MAX; k++) {
		for (size_t i = 0; s->hooks[k] && i < s->n_hooks[k]; i++) {
			free(s->hooks[k][i].path);
			strv_free(s->hooks[k][i].args);
			strv_free(s->hooks[k][i].env);
		}
		free(s->hooks[k]);
	}
	spec_kv_free(s->annotations, s->n_annotations);
	spec_linux_free(&s->lx);
	settings_free(&s->ext);
	strv_free(s->unsupported);
	free(s);
}

const char *spec_hook_name(enum rtr_hook_kind k)
{
	return (unsigned)k < _RTR_HOOK_MAX ? hook_names[k] : NULL;
}
