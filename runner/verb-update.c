/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtr-run update NAME [--memory SIZE] [--memory-high SIZE] [--cpus N] [--cpu-list LIST]
 *                     [--pids-limit N] [--cgroup-parent PATH]
 *
 * The options are the run's own (the same rows of options.c's table by name, the same
 * parse functions of settings.c), folded into an empty typed spec; cgroup.c then writes
 * exactly the limits that spec sets, with the writers a start uses, on whatever layout
 * the host has, and then the same limits into the inspect record (what the kernel refused
 * is not recorded: the record says what the cgroup has).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "opts.h"
#include "settings.h"
#include "verbs.h"

static int update_options(int argc, char **argv, struct rtr_opts *o)
{
	static const struct option lo[] = {
	    {"memory", required_argument, NULL, 'm'},
	    {"memory-high", required_argument, NULL, 'H'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"cpu-list", required_argument, NULL, 'l'},
	    {"pids-limit", required_argument, NULL, 'p'},
	    {"cgroup-parent", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	char **field;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":m:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'm':
			field = &o->memory;
			break;
		case 'H':
			field = &o->memory_high;
			break;
		case 'c':
			field = &o->cpus;
			break;
		case 'l':
			field = &o->cpu_list;
			break;
		case 'p':
			field = &o->pids_limit;
			break;
		case 'P':
			field = &o->cgroup_parent;
			break;
		case 'h':
			printf("usage: rtr-run update NAME [--memory SIZE] [--memory-high SIZE] "
			       "[--cpus N]\n"
			       "                          [--cpu-list LIST] [--pids-limit N] "
			       "[--cgroup-parent PATH]\n");
			return 1;
		case ':':
			log_error("update: %s: missing argument", argv[optind - 1]);
			return -EINVAL;
		default:
			log_error("update: unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
		if (strdup_replace(field, optarg) < 0)
			return -ENOMEM;
	}
	return 0;
}

int verb_update(int argc, char **argv)
{
	struct rtr_opts o = {0};
	struct rtr_spec *s = calloc(1, sizeof(*s));
	struct rtr_err err = {0};
	const char *name;
	int r, code = 125;

	if (!s)
		return 125;
	r = update_options(argc, argv, &o);
	if (r != 0) {
		code = r > 0 ? 0 : 125;
		goto out;
	}
	if (optind + 1 != argc) {
		log_error("update: %s", optind >= argc ? "missing container NAME"
						       : "one container NAME, then options");
		goto out;
	}
	name = argv[optind];
	if (!o.memory && !o.memory_high && !o.cpus && !o.cpu_list && !o.pids_limit) {
		log_error("update: %s: nothing to change (give --memory, --memory-high, --cpus, "
			  "--cpu-list or --pids-limit)",
			  name);
		goto out;
	}
	if (!opts_name_valid(name)) {
		log_error("update: %s: bad container name", name);
		goto out;
	}
	r = settings_apply_options(&o, s, &err);
	if (r == 0)
		r = cgroup_update(name, s, &err);
	if (r < 0) {
		log_error("update: %s: %s", name, err.msg[0] ? err.msg : strerror(-r));
		code = r == -ESRCH ? 1 : 125;
		goto out;
	}
	code = 0;
out:
	opts_free(&o);
	spec_free(s);
	return code;
}
