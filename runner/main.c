/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtr-run: run an OCI bundle in the foreground.  The recipe:
 *   verbs (ps, stats, ...) | --print-default-seccomp | options -> name -> bundle (in
 *   use from here: inuse.h) -> config.json (with its org.rtr.* annotations) -> command
 *   line folded into the typed spec -> checks that combine settings -> store layers in
 *   use -> run -> exit with its status.
 * After the merge the options are freed: nothing past it reads option text.
 * Exit codes: the container's N or 128+signal; 125 runtime error; 126 not executable;
 * 127 not found.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/log.h"
#include "lib/util.h"
#include "caps.h"
#include "exec.h"
#include "filter.h"
#include "inuse.h"
#include "notify.h"
#include "opts.h"
#include "security.h"
#include "settings.h"
#include "sysctl.h"
#include "verbs.h"

#define EXIT_RUNTIME 125

static int fail(const struct rtr_err *err, int r)
{
	log_err(err, r);
	return EXIT_RUNTIME;
}

/* Every config.json message starts with "config.json: " (the parser's messages start
 * with the JSON path). */
static int fail_config(struct rtr_err *err, int r)
{
	return fail(err, rtr_err_prefix(err, r, "config.json"));
}

/* Command line > bundle > config.h, once, into the typed spec; nothing is created yet. */
static int merge(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	int r;

	if ((r = settings_apply_options(o, s, err)) < 0 ||
	    (r = core_apply_options(o, s, err)) < 0 ||
	    (r = security_apply_options(o, s, err)) < 0 ||
	    (r = caps_apply_options(o, s, err)) < 0 || (r = filter_apply_options(o, s, err)) < 0)
		return r;
	if ((r = settings_finish(s, err)) < 0)
		return r;
	return sysctl_check(s, err);
}

/* Root filesystem: root.path, absolute or relative to the bundle. */
static int resolve_rootfs(const char *bundle, const struct rtr_spec *s, char **ret,
			  struct rtr_err *err)
{
	_cleanup_free_ char *joined = NULL;
	struct stat st;
	char *real;

	if (!s->root_path || !*s->root_path)
		return rtr_err_set(err, EINVAL, "config.json: .root.path: missing");
	joined = s->root_path[0] == '/' ? strdup(s->root_path)
					: xasprintf("%s/%s", bundle, s->root_path);
	if (!joined)
		return -ENOMEM;
	real = realpath(joined, NULL);
	if (!real || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		int e = real ? ENOTDIR : errno;
		free(real);
		return rtr_err_sys(err, e, "rootfs %s", joined);
	}
	if (streq(real, "/")) {
		free(real);
		return rtr_err_set(err, EINVAL, "rootfs %s: the host's / cannot be a rootfs",
				   joined);
	}
	*ret = real;
	return 0;
}

int main(int argc, char **argv)
{
	struct rtr_opts o;
	struct rtr_err err = {0};
	struct rtr_container c = {.bundle_fd = -1, .sync_fd = -1, .pid = -1, .notify_fd = -1};
	_cleanup_free_ char *name = NULL;
	int *layer_locks = NULL; /* store layers in use, held to the end */
	int r, code;

	log_init("rtr-run");
	if (argc > 1 && streq(argv[1], "exec"))
		return exec_main(argc - 1, argv + 1);
	if (argc > 1 && verb_known(argv[1]))
		return verb_main(argv[1], argc - 1, argv + 1);
	/* The service manager's variables are rtr-run's alone, before anything opens an fd
	 * (socket activation fds are 3..). */
	c.n_listen_fds = listen_fds_take(&c.listen_fdnames);
	notify_init();

	r = opts_parse(argc, argv, &o);
	if (r != 0) {
		opts_free(&o);
		return r > 0 ? 0 : EXIT_RUNTIME;
	}
	log_set_verbose(o.quiet ? -1 : o.verbose);
	if (o.print_default_seccomp) {
		r = filter_print_default();
		opts_free(&o);
		return r < 0 ? log_errno(r, "--print-default-seccomp"), EXIT_RUNTIME : 0;
	}

	r = opts_resolve_name(&o, &name, &err);
	if (r < 0) {
		opts_free(&o);
		return fail(&err, r);
	}
	log_set_container(name);
	c.name = name;

	c.bundle = realpath(o.bundle, NULL);
	if (!c.bundle) {
		log_errno(-errno, "bundle %s", o.bundle);
		code = EXIT_RUNTIME;
		goto out;
	}
	/* In use (rtr-pull rm refuses it) before anything is read from it, until exit. */
	c.bundle_fd = inuse_open_bundle(c.bundle, &err);
	if (c.bundle_fd < 0) {
		code = fail(&err, c.bundle_fd);
		goto out;
	}
	r = spec_load(c.bundle_fd, &c.spec, &err);
	if (r < 0) {
		code = inuse_bundle_gone(c.bundle_fd, c.bundle, r, &err) ? fail(&err, r)
									 : fail_config(&err, r);
		goto out;
	}
	/* Nothing is dropped silently: say what the bundle asks for that rtr does not do. */
	for (char **u = c.spec->unsupported; u && *u; u++)
		log_warn("config.json: %s: not supported by rtr, ignored", *u);

	r = merge(&o, c.spec, &err);
	opts_free(&o); /* from here on only the typed spec */
	if (r < 0) {
		code = fail(&err, r);
		goto out;
	}
	r = resolve_rootfs(c.bundle, c.spec, &c.rootfs, &err);
	if (r >= 0)
		r = inuse_lock_layers(&c.spec->ext.rootfs, &layer_locks, &err);
	if (r < 0) {
		code = fail(&err, r);
		goto out;
	}

	/* Nothing in the container may open this process's /proc files (exe, mem, fds). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	code = container_run(&c, &err);
	if (err.code)
		log_err(&err, -err.code);

out:
	if (c.spec)
		inuse_unlock_layers(layer_locks, c.spec->ext.rootfs.n_layers);
	if (c.bundle_fd >= 0)
		close(c.bundle_fd);
	spec_free(c.spec);
	free(c.rootfs);
	free(c.bundle);
	free(c.listen_fdnames);
	opts_free(&o);
	return code;
}
