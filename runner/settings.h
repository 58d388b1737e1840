/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The rtr settings that have no OCI field, or that the command line sets beside the OCI
 * ones (network, stop signal and timeout, log file, init, memory.high, cgroup parent, the
 * cgroup limit options), parsed exactly once into the typed fields of struct rtr_spec.
 *
 * One table (settings.c) names, for each setting, its struct rtr_opts member (the option
 * table in options.c gives its name), its org.rtr.* annotation and one parse function; both sources
 * go through that function, which names the source in its errors ("--stop-signal X: ..." or
 * ".annotations["org.rtr.stop-signal"]: ...").  Precedence: command line > bundle >
 * config.h.  A list from the command line replaces the bundle's.
 *
 * Order: spec_parse() calls settings_annotation() for each org.rtr.* annotation; main()
 * then calls settings_apply_options() and, after the other modules have folded their
 * options in, settings_finish().  After that no code reads option or annotation text.
 */

#include "opts.h"
#include "spec.h"

/* One org.rtr.* annotation; @label is its JSON path for messages.  Returns 0, 1 when the
 * setting is checked but not applied by this version (the caller lists it as
 * unsupported), or a negative errno with @err filled.  Unknown org.rtr.* keys: 0. */
int settings_annotation(struct rtr_spec *s, const char *key, const char *value, const char *label,
			struct rtr_err *err);
/* Every option of the table given on the command line, over the bundle's values. */
int settings_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
/* config.h defaults, the derived network mode, and the checks that combine settings
 * (a gateway inside an address's subnet, --memory-swap >= --memory, ...). */
int settings_finish(struct rtr_spec *s, struct rtr_err *err);
/* Frees what the settings own in @x. */
void settings_free(struct rtr_ext *x);
/* "on-failure" for RTR_RESTART_ON_FAILURE (inspect). */
const char *settings_restart_name(enum rtr_restart_policy p);
