/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Management verbs that find containers through the cgroup tree. */

#include <stdbool.h>

#include "cgroup-fs.h"

/* The options every verb takes (verbs.c parses them, anywhere on the line). */
struct verb_args {
	bool json;
	bool follow;	    /* logs -f */
	const char *parent; /* --cgroup-parent */
	const char *time;   /* stop -t */
	const char *signal; /* kill -s */
	const char *tail;   /* logs --tail */
	const char *since;  /* logs --since */
	int first;	    /* index of the first operand */
};

int verb_main(const char *verb, int argc, char **argv); /* returns the exit code */
bool verb_known(const char *verb);

/* The verbs in their own files; each returns the exit code. */
int verb_logs(const struct cg_host *h, const struct verb_args *a, const char *what);
int verb_inspect(const struct cg_host *h, const struct verb_args *a, const char *name);
/* Parses its own options (the limits of `rtr-run run`, through settings.c). */
int verb_update(int argc, char **argv);
