/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The container's effective configuration as rtr applied it, as JSON: the typed spec
 * after the merge (command line > bundle > config.h), printed by one writer.  The
 * supervisor records it on the container's cgroup (CG_XATTR_SPEC) when it creates the
 * container, `rtr-run update` replaces the limits in it with those the kernel took, and
 * `rtr-run inspect` reads it back and adds the live state.  Nothing is parsed
 * twice and the verb never re-derives a setting.
 *
 * struct rtr_ext is printed from a table in inspect.c: a new field is one row there.
 */

#include <stddef.h>

#include "container.h"

/* The record's limit: an xattr value cannot be larger (XATTR_SIZE_MAX). */
#define INSPECT_MAX_BYTES (64 * 1024)

/* JSON text (compact, NUL-terminated) of @c's spec; @cgroup_rel: its cgroup path. */
int inspect_json(const struct rtr_container *c, const char *cgroup_rel, char **ret,
		 size_t *ret_len);
/* rtr-run update: the record @rec (@len bytes of CG_XATTR_SPEC) with the limits @s sets
 * (and only those) in place of the recorded ones; the rest is kept as it was. */
int inspect_update_limits(const char *rec, size_t len, const struct rtr_spec *s, char **ret,
			  size_t *ret_len);
