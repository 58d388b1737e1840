/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line of rtr-run: getopt_long into struct rtr_opts (strings only), and
 * core_apply_options(), which folds the OCI overrides (env, mounts, args, user, ulimits,
 * ...) into the spec.  The rtr settings that also come from org.rtr.* annotations, and
 * the cgroup limits, are parsed by settings.c; caps.c, seccomp.c and security.c fold
 * their options in their own *_apply_options().
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "names.h"
#include "opts.h"

enum opt_kind { OPT_STR, OPT_STRV, OPT_BOOL, OPT_COUNT, OPT_HELP, OPT_VERSION };

/* 24 bytes a row (the pointers first, then the small members). */
struct opt_def {
	const char *name;
	const char *arg; /* NULL: takes no argument */
	uint16_t offset;
	char short_name; /* 0: long only */
	uint8_t kind;	 /* enum opt_kind */
};

#define S(n, f, a)                                                                                 \
	{                                                                                          \
		n, a, offsetof(struct rtr_opts, f), 0, OPT_STR                                     \
	}
#define V(n, f, a)                                                                                 \
	{                                                                                          \
		n, a, offsetof(struct rtr_opts, f), 0, OPT_STRV                                    \
	}
#define B(n, f)                                                                                    \
	{                                                                                          \
		n, NULL, offsetof(struct rtr_opts, f), 0, OPT_BOOL                                 \
	}

static const struct opt_def defs[] = {
    {"help", NULL, 0, 'h', OPT_HELP},
    {"version", NULL, 0, 'V', OPT_VERSION},
    {"verbose", NULL, offsetof(struct rtr_opts, verbose), 'v', OPT_COUNT},
    {"quiet", NULL, offsetof(struct rtr_opts, quiet), 'q', OPT_BOOL},
    /* core */
    S("name", name, "NAME"),
    S("hostname", hostname, "NAME"),
    {"env", "KEY=VALUE", offsetof(struct rtr_opts, env), 'e', OPT_STRV},
    V("env-file", env_file, "FILE"),
    V("mount", mounts, "SRC:DST[:ro]"),
    {"workdir", "DIR", offsetof(struct rtr_opts, workdir), 'w', OPT_STR},
    S("entrypoint", entrypoint, "PATH"),
    {"user", "UID[:GID]", offsetof(struct rtr_opts, user), 'u', OPT_STR},
    B("read-only", read_only),
    B("init", init),
    S("log-file", log_file, "FILE"),
    S("log-max-size", log_max_size, "SIZE"),
    S("log-max-files", log_max_files, "N"),
    B("log-timestamps", log_timestamps),
    B("log-only", log_only),
    S("stop-signal", stop_signal, "SIGNAL"),
    S("stop-timeout", stop_timeout, "SECONDS"),
    S("restart", restart, "no|always|unless-stopped|on-failure[:MAX]"),
    S("restart-delay", restart_delay, "DELAY"),
    S("notify", notify, "runtime|container"),
    V("ulimit", ulimits, "NAME=SOFT[:HARD]"),
    /* health checks */
    S("health-cmd", health_cmd, "CMD|JSON-ARGV"),
    S("health-interval", health_interval, "DURATION"),
    S("health-timeout", health_timeout, "DURATION"),
    S("health-retries", health_retries, "N"),
    S("health-start-period", health_start_period, "DURATION"),
    S("health-on-unhealthy", health_on_unhealthy, "none|stop|restart"),
    S("shm-size", shm_size, "SIZE"),
    B("rm", rm),
    B("ephemeral", rm),
    S("rm-size", rm_size, "SIZE"),
    /* security */
    V("cap-add", cap_add, "CAP"),
    V("cap-drop", cap_drop, "CAP"),
    S("seccomp", seccomp, "FILE|default|unconfined"),
    B("no-new-privileges", no_new_privileges),
    S("userns", userns, "HOSTUID:COUNT|auto"),
    B("privileged", privileged),
    V("device", devices, "HOST[:CONTAINER][:rwm]"),
    B("print-default-seccomp", print_default_seccomp),
    /* cgroup */
    {"memory", "SIZE", offsetof(struct rtr_opts, memory), 'm', OPT_STR},
    S("memory-high", memory_high, "SIZE"),
    S("memory-swap", memory_swap, "SIZE"),
    S("memory-reservation", memory_reservation, "SIZE"),
    S("pids-limit", pids_limit, "N"),
    S("cpus", cpus, "N"),
    S("cpu-shares", cpu_shares, "N"),
    S("cpu-list", cpu_list, "LIST"),
    S("cpu-mems", cpu_mems, "LIST"),
    S("io-weight", io_weight, "N"),
    V("device-read-bps", device_read_bps, "DEV:RATE"),
    V("device-write-bps", device_write_bps, "DEV:RATE"),
    V("device-read-iops", device_read_iops, "DEV:RATE"),
    V("device-write-iops", device_write_iops, "DEV:RATE"),
    S("cgroup-parent", cgroup_parent, "PATH"),
    /* network */
    S("network", network, "veth|none|host|ns:PATH"),
    S("veth", veth, "NAME"),
    S("veth-peer", veth_peer, "NAME"),
    V("address", addresses, "A/P"),
    S("gateway", gateway, "IP"),
    S("gateway6", gateway6, "IP"),
    S("mac", mac, "XX:XX:XX:XX:XX:XX"),
    S("mtu", mtu, "N"),
    S("bridge", bridge, "BRIDGE"),
    V("host-address", host_addresses, "A/P"),
    V("dns", dns, "IP"),
    V("dns-search", dns_search, "DOMAIN"),
    V("add-host", add_hosts, "NAME:IP"),
};

#undef S
#undef V
#undef B

static void usage(void)
{
	static const char head[] =
	    "Usage: rtr-run [OPTIONS] BUNDLE [-- CMD ARGS...]\n"
	    "       rtr-run VERB [ARGS...]   (ps, stats, inspect, logs, update, stop, kill, "
	    "pause,\n"
	    "                                resume: rtr-run VERB --help, rtr-run(1))\n"
	    "       rtr-run exec [-e K=V]... [-u UID[:GID]] [-w DIR] [-t] NAME -- CMD [ARGS...]\n"
	    "Run the OCI bundle BUNDLE (config.json + rootfs) in the foreground.\n\n"
	    "Options:\n";
	char line[128];

	write_all(STDOUT_FILENO, head, sizeof(head) - 1);
	for (size_t i = 0; i < ELEMENTSOF(defs); i++) {
		int n;

		if (defs[i].short_name)
			n = snprintf(line, sizeof(line), "  -%c, --%s", defs[i].short_name,
				     defs[i].name);
		else
			n = snprintf(line, sizeof(line), "      --%s", defs[i].name);
		if (defs[i].arg)
			n += snprintf(line + n, sizeof(line) - n, " %s", defs[i].arg);
		n += snprintf(line + n, sizeof(line) - n, "%s\n",
			      defs[i].kind == OPT_STRV ? "  (repeatable)" : "");
		write_all(STDOUT_FILENO, line, n);
	}
}

/* getopt_long's tables from defs[]: option i returns 0x100 + i. */
static void build_getopt(struct option *longopts, char *shortopts, size_t n_short)
{
	size_t ns = 2;

	memset(longopts, 0, (ELEMENTSOF(defs) + 1) * sizeof(*longopts));
	memcpy(shortopts, "+:", 3);
	for (size_t i = 0; i < ELEMENTSOF(defs); i++) {
		longopts[i] =
		    (struct option){defs[i].name, defs[i].arg ? required_argument : no_argument,
				    NULL, 0x100 + (int)i};
		if (defs[i].short_name && ns + 3 < n_short) {
			shortopts[ns++] = (char)defs[i].short_name;
			if (defs[i].arg)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = 0;
}

/* One option found by getopt_long into @ret.  1: --help or --version printed. */
static int store_option(const struct opt_def *d, struct rtr_opts *ret)
{
	char *base = (char *)ret;

	switch (d->kind) {
	case OPT_HELP:
		usage();
		return 1;
	case OPT_VERSION:
		write_all(STDOUT_FILENO, "rtr-run " RTR_VERSION "\n",
			  strlen("rtr-run " RTR_VERSION "\n"));
		return 1;
	case OPT_COUNT:
		(*(int *)(base + d->offset))++;
		return 0;
	case OPT_BOOL:
		*(bool *)(base + d->offset) = true;
		return 0;
	case OPT_STR: {
		char **p = (char **)(base + d->offset);

		free(*p);
		*p = strdup(optarg);
		return *p ? 0 : -ENOMEM;
	}
	case OPT_STRV:
		return strv_push((char ***)(base + d->offset), optarg) < 0 ? -ENOMEM : 0;
	}
	return -EINVAL;
}

static int bad_option(int c, char **argv)
{
	if (c == ':')
		log_error("%s: missing argument", argv[optind - 1]);
	else if (optopt > 0 && optopt < 0x100)
		log_error("-%c: unknown option", optopt);
	else if (optopt >= 0x100)
		log_error("%s: takes no argument", argv[optind - 1]);
	else
		log_error("%s: unknown option", argv[optind - 1]);
	return -EINVAL;
}

int opts_parse(int argc, char **argv, struct rtr_opts *ret)
{
	struct option longopts[ELEMENTSOF(defs) + 1];
	char shortopts[64];
	int c, r, idx = -1;

	memset(ret, 0, sizeof(*ret));
	build_getopt(longopts, shortopts, sizeof(shortopts));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		const struct opt_def *d = NULL;

		if (c == ':' || c == '?')
			return bad_option(c, argv);
		if (c >= 0x100)
			d = &defs[c - 0x100];
		else
			for (size_t i = 0; i < ELEMENTSOF(defs); i++)
				if (defs[i].short_name == c)
					d = &defs[i];
		if (!d)
			return -EINVAL;
		r = store_option(d, ret);
		if (r != 0)
			return r;
	}

	if (ret->print_default_seccomp)
		return 0;
	if (optind >= argc) {
		log_error("missing BUNDLE (see rtr-run --help)");
		return -EINVAL;
	}
	ret->bundle = strdup(argv[optind++]);
	if (!ret->bundle)
		return -ENOMEM;
	if (optind < argc && streq(argv[optind], "--"))
		optind++;
	else if (optind < argc && argv[optind][0] == '-' && argv[optind][1]) {
		/* getopt stops at BUNDLE ("+"): without this, "BUNDLE --name x" would run
		 * "--name" in the container. */
		log_error("%s: an option after BUNDLE; put options before BUNDLE and the "
			  "command after -- (rtr-run [OPTIONS] BUNDLE [-- CMD ARGS...])",
			  argv[optind]);
		return -EINVAL;
	}
	if (optind < argc) {
		ret->cmd = strv_copy(argv + optind);
		if (!ret->cmd)
			return -ENOMEM;
	}
	return 0;
}

void opts_free(struct rtr_opts *o)
{
	if (!o)
		return;
	free(o->bundle);
	strv_free(o->cmd);
	for (size_t i = 0; i < ELEMENTSOF(defs); i++) {
		char *base = (char *)o;

		if (defs[i].kind == OPT_STR)
			free(*(char **)(base + defs[i].offset));
		else if (defs[i].kind == OPT_STRV)
			strv_free(*(char ***)(base + defs[i].offset));
	}
	memset(o, 0, sizeof(*o));
}

const char *opts_long_name(size_t offset)
{
	for (size_t i = 0; i < ELEMENTSOF(defs); i++)
		if (defs[i].offset == offset && defs[i].kind != OPT_HELP &&
		    defs[i].kind != OPT_VERSION)
			return defs[i].name;
	return "?";
}

bool opts_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > RTR_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

int opts_resolve_name(const struct rtr_opts *o, char **ret_name, struct rtr_err *err)
{
	_cleanup_free_ char *copy = NULL;
	const char *name = o->name;

	if (!name) {
		char *p;

		copy = realpath(o->bundle, NULL);
		if (!copy)
			copy = strdup(o->bundle);
		if (!copy)
			return -ENOMEM;
		while ((p = strrchr(copy, '/')) && p != copy && p[1] == 0)
			*p = 0;
		p = strrchr(copy, '/');
		name = p ? p + 1 : copy;
		if (!opts_name_valid(name))
			return rtr_err_set(err, EINVAL,
					   "%s: bundle directory name is not a valid container "
					   "name, give one with --name",
					   o->bundle);
	} else if (!opts_name_valid(name)) {
		return rtr_err_set(err, EINVAL,
				   "--name %s: use letters, digits, '_', '.', '-', starting with a "
				   "letter or digit, at most %d characters",
				   name, RTR_NAME_MAX);
	}
	*ret_name = strdup(name);
	return *ret_name ? 0 : -ENOMEM;
}

/* ---- applying the core options --------------------------------------------------------- */

static bool env_key_valid(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq && eq != kv && !memchr(kv, 0, eq - kv);
}

static int apply_env_entry(char ***env, const char *what, const char *entry, struct rtr_err *err)
{
	if (!strchr(entry, '=')) {
		/* "--env KEY": docker takes the value from the caller's environment. */
		const char *val = getenv(entry);
		_cleanup_free_ char *kv = NULL;

		if (!*entry)
			return rtr_err_set(err, EINVAL, "%s: empty variable name", what);
		if (!val)
			return 0;
		kv = xasprintf("%s=%s", entry, val);
		if (!kv)
			return -ENOMEM;
		return env_set(env, kv);
	}
	if (!env_key_valid(entry))
		return rtr_err_set(err, EINVAL, "%s %s: expected KEY=VALUE", what, entry);
	return env_set(env, entry);
}

static int apply_env_file(char ***env, const char *path, struct rtr_err *err)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;
	unsigned lineno = 0;
	int r;

	r = read_file_at(AT_FDCWD, path, RTR_CONFIG_MAX_BYTES, &buf, NULL);
	if (r < 0)
		return rtr_err_sys(err, -r, "--env-file %s", path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char what[PATH_MAX + 32];
		size_t n;

		lineno++;
		while (isspace((unsigned char)*line))
			line++;
		n = strlen(line);
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = 0;
		if (!*line || *line == '#')
			continue;
		snprintf(what, sizeof(what), "--env-file %s:%u:", path, lineno);
		r = apply_env_entry(env, what, line, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int append_bind(struct rtr_spec *s, const char *arg, struct rtr_err *err)
{
	_cleanup_(bind_spec_done) struct bind_spec b = {0};
	_cleanup_free_ char *src = NULL;
	struct rtr_mount *m, *nm;
	const char *why = NULL;
	struct stat st;
	int r;

	r = bind_spec_parse(arg, &b, &why);
	if (r == -EINVAL)
		return rtr_err_set(err, EINVAL, "--mount %s: %s", arg, why);
	if (r < 0)
		return r;
	src = realpath(b.src, NULL);
	if (!src || stat(src, &st) < 0)
		return rtr_err_sys(err, errno, "--mount %s: %s", arg, b.src);

	nm = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	s->mounts = nm;
	m = &nm[s->n_mounts];
	*m = (struct rtr_mount){.destination = TAKE_PTR(b.dst),
				.source = TAKE_PTR(src),
				.type = strdup("bind"),
				.bind = true,
				.flags = MS_BIND | MS_REC | (b.ro ? MS_RDONLY : 0)};
	s->n_mounts++;
	if (!m->type || strv_push(&m->options, "rbind") < 0 ||
	    (b.ro && strv_push(&m->options, "ro") < 0))
		return -ENOMEM; /* spec_free() frees the half-built entry */
	return 0;
}

static int parse_rlim_value(const char *s, uint64_t *ret)
{
	if (streq(s, "unlimited") || streq(s, "-1")) {
		*ret = UINT64_MAX;
		return 0;
	}
	return parse_u64(s, UINT64_MAX - 1, ret);
}

static int apply_ulimit(struct rtr_spec *s, const char *arg, struct rtr_err *err)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *val, *hard;
	uint64_t soft_v, hard_v;
	int res = -1;
	struct rtr_process *p = &s->process;
	struct rtr_rlimit *nr;
	_cleanup_free_ char *type = NULL;

	if (!copy)
		return -ENOMEM;
	val = strchr(copy, '=');
	if (!val)
		return rtr_err_set(err, EINVAL, "--ulimit %s: expected NAME=SOFT[:HARD]", arg);
	*val++ = 0;
	res = rlimit_from_short(copy);
	if (res < 0)
		return rtr_err_set(err, EINVAL, "--ulimit %s: unknown limit '%s'", arg, copy);
	hard = strchr(val, ':');
	if (hard)
		*hard++ = 0;
	if (parse_rlim_value(val, &soft_v) < 0 || parse_rlim_value(hard ? hard : val, &hard_v) < 0)
		return rtr_err_set(err, EINVAL, "--ulimit %s: bad number", arg);
	if (soft_v > hard_v)
		return rtr_err_set(err, EINVAL, "--ulimit %s: soft limit above hard limit", arg);

	for (size_t i = 0; i < p->n_rlimits; i++)
		if (p->rlimits[i].resource == res) {
			p->rlimits[i].soft = soft_v;
			p->rlimits[i].hard = hard_v;
			return 0;
		}
	type = xasprintf("RLIMIT_%s", rlimit_name(res));
	if (!type)
		return -ENOMEM;
	nr = realloc(p->rlimits, (p->n_rlimits + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	p->rlimits = nr;
	nr[p->n_rlimits++] = (struct rtr_rlimit){
	    .resource = res, .type = TAKE_PTR(type), .soft = soft_v, .hard = hard_v};
	return 0;
}

static int apply_user(struct rtr_spec *s, const char *arg, struct rtr_err *err)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *g;
	uint64_t uid, gid;

	if (!copy)
		return -ENOMEM;
	g = strchr(copy, ':');
	if (g)
		*g++ = 0;
	if (parse_u64(copy, UINT32_MAX - 1, &uid) < 0 ||
	    (g && parse_u64(g, UINT32_MAX - 1, &gid) < 0))
		return rtr_err_set(err, EINVAL, "--user %s: expected numeric UID[:GID]", arg);
	s->process.user.uid = (uint32_t)uid;
	if (g)
		s->process.user.gid = (uint32_t)gid;
	return 0;
}

static int apply_shm_size(struct rtr_spec *s, const char *arg, struct rtr_err *err)
{
	uint64_t bytes;
	_cleanup_free_ char *data = NULL;
	struct rtr_mount *m = NULL, *nm;

	if (parse_size(arg, &bytes) < 0 || bytes == 0)
		return rtr_err_set(err, EINVAL, "--shm-size %s: expected a size like 64M", arg);
	for (size_t i = 0; i < s->n_mounts; i++)
		if (streq(s->mounts[i].destination, "/dev/shm") &&
		    streq(s->mounts[i].type, "tmpfs"))
			m = &s->mounts[i];
	if (m) {
		/* Keep the other data options (mode=...), replace size=. */
		_cleanup_free_ char *old = m->data ? strdup(m->data) : NULL;
		char *tok, *save = NULL;
		size_t n = 0;

		data = malloc((old ? strlen(old) : 0) + 32);
		if (!data)
			return -ENOMEM;
		data[0] = 0;
		for (tok = old ? strtok_r(old, ",", &save) : NULL; tok;
		     tok = strtok_r(NULL, ",", &save))
			if (!startswith(tok, "size="))
				n += sprintf(data + n, "%s,", tok);
		sprintf(data + n, "size=%llu", (unsigned long long)bytes);
		free(m->data);
		m->data = TAKE_PTR(data);
		return 0;
	}
	nm = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	s->mounts = nm;
	m = &nm[s->n_mounts];
	memset(m, 0, sizeof(*m));
	m->destination = strdup("/dev/shm");
	m->type = strdup("tmpfs");
	m->source = strdup("shm");
	m->data = xasprintf("mode=1777,size=%llu", (unsigned long long)bytes);
	m->flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	s->n_mounts++;
	if (!m->destination || !m->type || !m->source || !m->data)
		return -ENOMEM;
	return 0;
}

int core_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_process *p = &s->process;
	int r;

	if (o->hostname) {
		if (!*o->hostname || strlen(o->hostname) > 64)
			return rtr_err_set(err, EINVAL, "--hostname %s: 1 to 64 characters",
					   o->hostname);
		if (strdup_replace(&s->hostname, o->hostname) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; o->env_file && o->env_file[i]; i++) {
		r = apply_env_file(&p->env, o->env_file[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; o->env && o->env[i]; i++) {
		r = apply_env_entry(&p->env, "--env", o->env[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; o->mounts && o->mounts[i]; i++) {
		r = append_bind(s, o->mounts[i], err);
		if (r < 0)
			return r;
	}
	if (o->workdir) {
		if (o->workdir[0] != '/')
			return rtr_err_set(err, EINVAL, "--workdir %s: must be an absolute path",
					   o->workdir);
		if (strdup_replace(&p->cwd, o->workdir) < 0)
			return -ENOMEM;
	}
	if (o->entrypoint || o->cmd) {
		_cleanup_strv_free_ char **args = NULL;

		if (o->entrypoint) {
			if (!*o->entrypoint)
				return rtr_err_set(err, EINVAL, "--entrypoint: empty");
			if (strv_push(&args, o->entrypoint) < 0)
				return -ENOMEM;
		}
		for (size_t i = 0; o->cmd && o->cmd[i]; i++)
			if (strv_push(&args, o->cmd[i]) < 0)
				return -ENOMEM;
		strv_free(p->args);
		p->args = TAKE_PTR(args);
	}
	if (o->user) {
		r = apply_user(s, o->user, err);
		if (r < 0)
			return r;
	}
	if (o->read_only)
		s->root_readonly = true;
	for (size_t i = 0; o->ulimits && o->ulimits[i]; i++) {
		r = apply_ulimit(s, o->ulimits[i], err);
		if (r < 0)
			return r;
	}
	if (o->shm_size) {
		r = apply_shm_size(s, o->shm_size, err);
		if (r < 0)
			return r;
	}

	if (!p->args || !p->args[0])
		return rtr_err_set(
		    err, EINVAL,
		    "config.json: .process.args: no command to run (give one after --)");
	if (!p->cwd && strdup_replace(&p->cwd, "/") < 0)
		return -ENOMEM;
	return 0;
}
