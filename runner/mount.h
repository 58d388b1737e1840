/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "container.h"

/* Child: rootfs, config mounts, /dev; the new tree is then reachable at c->rootfs.
 * net_setup_child and createContainer hooks run between the two. */
int mount_setup(const struct rtr_container *c, struct rtr_err *err);
/* Child: pivot_root into c->rootfs, root.readonly. */
int mount_pivot(const struct rtr_container *c, struct rtr_err *err);
