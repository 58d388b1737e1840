/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "container.h"
#include "opts.h"

/* --privileged, --no-new-privileges, --userns, --device, and rtr's defaults for absent
 * fields (masked and readonly paths, device rules; never capabilities or
 * noNewPrivileges): folded into the spec. */
int security_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
/* Parent: write uid_map/gid_map (setgroups deny) of the child. */
int security_write_idmaps(const struct rtr_container *c, struct rtr_err *err);
/* Child, after pivot_root: maskedPaths and readonlyPaths. */
int security_apply_paths(const struct rtr_container *c, struct rtr_err *err);
