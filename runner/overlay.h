/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The container's root as an overlay, assembled by the child inside its own mount
 * namespace (nothing is mounted on the host, nothing outlives the container):
 *   - a store bundle (org.rtr.rootfs.store + org.rtr.rootfs.layers): the layers
 *     STORE/layers/<hex> stacked top-most first, upper BUNDLE/upper, work BUNDLE/work;
 *   - --rm: the upper and work directories on a tmpfs of --rm-size mounted under the
 *     overlay, so the container's changes vanish with its mount namespace; a store
 *     bundle's BUNDLE/upper is then the top lower layer (the container as it is), a flat
 *     bundle's rootfs the single lower layer;
 *   - root.readonly (--read-only): likewise a tmpfs upper, which holds only the mount
 *     points rtr-run makes (an image without /etc/hosts, ...); the root is then remounted
 *     read-only (mount_pivot), so the container writes nothing and the bundle stays as
 *     it is.
 */

#include <stdbool.h>

#include "container.h"

/* True when c->rootfs gets an overlay: a store bundle, or --rm. */
bool overlay_wanted(const struct rtr_spec *s);
/* Child, first thing in its mount namespace: the overlay mounted on c->rootfs.  For a
 * flat bundle (--rm) c->rootfs must already be bound on itself: that bind is the lower
 * layer.  Errors say why overlayfs refused, where the kernel lets us tell. */
int overlay_mount(const struct rtr_container *c, struct rtr_err *err);
