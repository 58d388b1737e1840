/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Compiled seccomp filters by content (RTR_SECCOMP_CACHE_DIR, a root-only directory on
 * /run): libseccomp takes milliseconds to compile a profile, reading its program back
 * takes microseconds.  An entry is the key the program was compiled from, stored whole
 * and compared byte for byte, then the program.  Every failure is a miss: the cache
 * never makes a start fail, and the kernel still checks each program it loads.
 */

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* This build's GNU build id (part of every key: another build may compile differently),
 * or NULL when the binary has none. */
const void *filter_cache_build_id(size_t *ret_len);

/* 0 with a malloc'ed program in @ret_insns/@ret_n, or -ENOENT on any miss. */
int filter_cache_get(const void *key, size_t key_len, uint64_t hash, struct sock_filter **ret_insns,
		     unsigned short *ret_n);
/* Stores a program compiled from @key; failures are only logged (debug). */
void filter_cache_put(const void *key, size_t key_len, uint64_t hash,
		      const struct sock_filter *insns, unsigned short n);
