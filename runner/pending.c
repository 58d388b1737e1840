/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TEMPORARY: stand-ins for module functions that are not written yet, so rtr-run links at
 * every commit.  When your module lands, DELETE your functions from this file in the same
 * commit (a duplicate symbol at link time reminds you).  When the file is empty, remove it
 * and its line in meson.build.
 */
#include <errno.h>

#include "modules.h"

/* security.c (security engineer) */
int security_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	return 0;
}
int security_write_idmaps(const struct rtr_container *c, struct rtr_err *err)
{
	return 0;
}
int security_apply_paths(const struct rtr_container *c, struct rtr_err *err)
{
	return 0;
}

/* caps.c (security engineer) */
int caps_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	return 0;
}
int caps_prepare(struct rtr_container *c, struct rtr_err *err)
{
	return 0;
}
int caps_apply(const struct rtr_container *c, struct rtr_err *err)
{
	return 0;
}
void caps_free(struct rtr_container *c)
{
}

/* seccomp.c (security engineer) */
int filter_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	return 0;
}
int filter_prepare(struct rtr_container *c, struct rtr_err *err)
{
	return 0;
}
int filter_load(const struct rtr_container *c, struct rtr_err *err)
{
	return 0;
}
void filter_free(struct rtr_container *c)
{
}
int filter_print_default(void)
{
	return -ENOSYS;
}

