/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The checks of a cgroup limit's value, one per value, shared by the two places that
 * read one: the config.json parser (spec-linux.c, messages named by the JSON path) and
 * the command line (settings.c, named by the option).  Each returns NULL for a valid
 * value, else why it is not, as a phrase that follows the value ("1: below ...").
 * Pure functions: no allocation, no system access.
 */

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Bytes, -1 for unlimited.  0 or a few bytes start a container the kernel kills at once. */
static inline const char *limit_check_memory(int64_t v)
{
	if (v == -1 || v >= RTR_MEMORY_MIN_BYTES)
		return NULL;
	return "below the minimum of " RTR_MEMORY_MIN_TEXT " (-1: unlimited)";
}

/* Memory plus swap in bytes, -1 for unlimited swap; checked against the limit apart. */
static inline const char *limit_check_swap(int64_t v)
{
	return v == -1 || v > 0 ? NULL : "not a size (memory plus swap) or -1";
}

static inline const char *limit_check_reservation(int64_t v)
{
	return v >= -1 ? NULL : "not a size or -1";
}

/* 0 and -1: unlimited. */
static inline const char *limit_check_pids(int64_t v)
{
	return v >= -1 ? NULL : "not a number of tasks (0 or -1: unlimited)";
}

/* The kernel's range of cpu.shares. */
static inline const char *limit_check_cpu_shares(uint64_t v)
{
	return v >= 2 && v <= 262144 ? NULL : "out of range 2 to 262144";
}

/* The kernel's range of blkio.weight and io.weight. */
static inline const char *limit_check_io_weight(uint64_t v)
{
	return v >= 10 && v <= 1000 ? NULL : "out of range 10 to 1000";
}
