/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Capabilities (raw capget/capset); names are in the caps-names.h leaf. */

#include <stdint.h>

#include "container.h"
#include "opts.h"

/* --cap-add, --cap-drop folded into the spec. */
int caps_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err);
/* Before clone: resolve the five sets into the state the child applies. */
int caps_prepare(struct rtr_container *c, struct rtr_err *err);
/* Child, after setuid/setgid: all five sets; keeps what exec needs. */
int caps_apply(const struct rtr_container *c, struct rtr_err *err);
/* After caps_prepare: the sets as bit masks, in the order effective, permitted,
 * inheritable, bounding, ambient (the ambient ones the kernel will raise), for the exec
 * record (enter.c). */
void caps_masks(const struct rtr_container *c, uint64_t ret[5]);
void caps_free(struct rtr_container *c);
