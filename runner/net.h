/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The container's network (rtnetlink), from the typed spec->ext.net. */

#include "container.h"

/* Before clone: check the bridge exists and the veth name is free; generate resolv.conf
 * and hosts. */
int net_prepare(struct rtr_container *c, struct rtr_err *err);
/* Parent, after clone: veth pair with the peer in the child's netns, addresses, routes. */
int net_setup_host(struct rtr_container *c, struct rtr_err *err);
/* True when net_setup_host() has work (a veth pair to make). */
bool net_host_work(const struct rtr_container *c);
/* Child, before pivot_root: lo up, resolv.conf and hosts for the container. */
int net_setup_child(const struct rtr_container *c, struct rtr_err *err);
void net_teardown(struct rtr_container *c);
