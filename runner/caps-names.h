/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* Capability names (the kernel's numbering, lib/profile.c's table), for the parser and for
 * caps.c: a leaf. */

/* "CAP_NET_ADMIN" (any case) -> CAP_NET_ADMIN; -EINVAL for an unknown name or a number
 * (the spec takes names only). */
int caps_from_name(const char *name, int *ret_cap);
/* "NET_ADMIN" or "CAP_NET_ADMIN", the command line's form. */
int caps_from_short(const char *name, int *ret_cap);
/* CAP_NET_ADMIN -> "CAP_NET_ADMIN" (a number the table lacks: its decimal form). */
int caps_to_name(int cap, char *buf, size_t n);
