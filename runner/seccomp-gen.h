/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The build-time compiler of rtr's default seccomp profile (rtr-seccomp-gen only; rtr-run
 * never links it).  seccomp.c resolves the profile's names per ABI with libseccomp and hands
 * over what libseccomp's program would decide, as numbers and comparisons; this file emits a
 * much smaller program that decides the same: per audit architecture, the syscall numbers as
 * ranges of one outcome under a balanced binary search, and a small block per syscall that
 * looks at arguments.  Why not libseccomp's own program: see the opening comment of
 * seccomp-gen.c.
 *
 * What a (arch, nr, args) gets, in this order:
 *   no ABI has arch and nr                           -> badarch
 *   nr in the ABI's ENOSYS range                     -> enosys
 *   the first "first" rule of nr that holds          -> its action
 *   a normal rule of nr without comparisons          -> its action
 *   any normal rule of nr whose comparisons all hold -> its action (one action per nr)
 *   otherwise                                        -> def
 * A comparison is libseccomp's: 64-bit on a wide ABI; on a narrow one (i386, x32, arm) of
 * the low 32 bits of argument and datum alone.  SGEN_MASKED_EQ is (arg & mask) == (datum &
 * mask); the others ignore mask.
 */

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sgen_op { SGEN_EQ, SGEN_NE, SGEN_LT, SGEN_LE, SGEN_GT, SGEN_GE, SGEN_MASKED_EQ };

#define SGEN_MAX_CMPS 6
#define SGEN_MAX_ABIS 8

struct sgen_cmp {
	unsigned arg; /* 0..5 */
	enum sgen_op op;
	uint64_t mask, datum;
};

struct sgen_rule {
	uint32_t nr;
	uint32_t action; /* SECCOMP_RET_* */
	bool first;	 /* rtr's own rule, checked before libseccomp's (socketcall) */
	unsigned n_cmps; /* 0: always */
	struct sgen_cmp cmps[SGEN_MAX_CMPS];
};

struct sgen_abi {
	uint32_t audit;		       /* seccomp_data.arch */
	uint32_t lo, hi;	       /* its numbers (x32: 0x40000000 and up) */
	bool wide;		       /* 64-bit argument comparisons */
	uint32_t enosys_lo, enosys_hi; /* numbers that get ENOSYS; lo > hi: none */
	const struct sgen_rule *rules;
	size_t n_rules;
};

struct sgen_input {
	uint32_t def, badarch, enosys;
	struct sgen_abi abis[SGEN_MAX_ABIS];
	size_t n_abis;
};

/* The program into *@ret (malloc'd, @ret_n instructions).  -EINVAL: the input is outside
 * what the generator can decide alike (a number with rules of two actions, an audit
 * architecture whose ABIs leave numbers uncovered); -E2BIG: too long. */
int sgen_program(const struct sgen_input *in, struct sock_filter **ret, unsigned *ret_n);
