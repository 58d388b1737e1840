/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default seccomp profile compiled to BPF at build time (meson.build's rtr-seccomp-gen,
 * runner/seccomp-gen.c: ranges under a binary search) decides every syscall as libseccomp's
 * compile of the same profile on this machine does.  Both programs run in a small
 * classic-BPF interpreter, for every architecture either names (and two foreign ones), on
 * every syscall number from -1 to 1099 and every constant K either program compares with,
 * K - 1 and K + 1 (this covers ARM's private calls at 0xf0000 and every range bound: the
 * decision on the number alone changes only at such a K), each also with the x32 bit set.
 * Where a program looks at arguments, each argument in turn takes each constant K, K - 1,
 * K + 1 in its low word with a high word of 0, 1, 0xffffffff or K.  Cross builds run this
 * under qemu-user (the cross file's exe_wrapper), so arm64 and armhf are checked on their
 * own libseccomp.  TAP output.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "tap.h"

#define MAX_CONSTS 512

/* Runs @p on @d (classic BPF as seccomp accepts it); UINT32_MAX on a bad program.  Sets
 * *@read_args when the run looked at an argument. */
static uint32_t bpf_run(const struct sock_fprog *p, const struct seccomp_data *d, bool *read_args)
{
	uint32_t a = 0, x = 0, m[BPF_MEMWORDS] = {0};

	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *i = &p->filter[pc];
		uint32_t k = i->k, src = BPF_SRC(i->code) == BPF_X ? x : k;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
			if (BPF_MODE(i->code) == BPF_ABS && k + 4 <= sizeof(*d)) {
				memcpy(&a, (const char *)d + k, 4);
				*read_args |= k >= offsetof(struct seccomp_data, args);
			} else if (BPF_MODE(i->code) == BPF_IMM)
				a = k;
			else if (BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS)
				a = m[k];
			else
				return UINT32_MAX;
			break;
		case BPF_LDX:
			x = BPF_MODE(i->code) == BPF_MEM && k < BPF_MEMWORDS ? m[k] : k;
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return UINT32_MAX;
			m[k] = BPF_CLASS(i->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_DIV:
				a = src ? a / src : 0;
				break;
			case BPF_MOD:
				a = src ? a % src : 0;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_LSH:
				a = src < 32 ? a << src : 0;
				break;
			case BPF_RSH:
				a = src < 32 ? a >> src : 0;
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				return UINT32_MAX;
			}
			break;
		case BPF_JMP:
			if (BPF_OP(i->code) == BPF_JA) {
				pc += k;
				break;
			}
			switch (BPF_OP(i->code)) {
			case BPF_JEQ:
				pc += a == src ? i->jt : i->jf;
				break;
			case BPF_JGT:
				pc += a > src ? i->jt : i->jf;
				break;
			case BPF_JGE:
				pc += a >= src ? i->jt : i->jf;
				break;
			case BPF_JSET:
				pc += (a & src) ? i->jt : i->jf;
				break;
			default:
				return UINT32_MAX;
			}
			break;
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? a : k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	return UINT32_MAX;
}

/* Adds the K of every comparison in @p to @c (the values worth trying as arguments). */
static void consts_of(const struct sock_fprog *p, uint32_t *c, size_t *n)
{
	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *i = &p->filter[pc];
		size_t j;

		if (BPF_CLASS(i->code) != BPF_JMP || BPF_OP(i->code) == BPF_JA)
			continue;
		for (j = 0; j < *n && c[j] != i->k; j++)
			;
		if (j == *n && *n < MAX_CONSTS)
			c[(*n)++] = i->k;
	}
}

/* Both programs on one seccomp_data; counts a difference and reports the first few.
 * Returns whether either program looked at an argument. */
static bool compare(const struct sock_fprog *pre, const struct sock_fprog *now,
		    const struct seccomp_data *d, unsigned long *n_runs, unsigned long *n_diff)
{
	bool read_args = false;
	uint32_t r1 = bpf_run(pre, d, &read_args), r2 = bpf_run(now, d, &read_args);

	(*n_runs)++;
	if (r1 != r2 && (*n_diff)++ < 5)
		printf("# arch %#x nr %d args %#llx %#llx %#llx: precompiled %#x, now %#x\n",
		       d->arch, d->nr, (unsigned long long)d->args[0],
		       (unsigned long long)d->args[1], (unsigned long long)d->args[2], r1, r2);
	return read_args;
}

/* Each argument in turn set to each value worth trying. */
static void compare_args(const struct sock_fprog *pre, const struct sock_fprog *now,
			 struct seccomp_data *d, const uint32_t *c, size_t nc,
			 unsigned long *n_runs, unsigned long *n_diff)
{
	for (int arg = 0; arg < 6; arg++)
		for (size_t ci = 0; ci < nc; ci++)
			for (int delta = -1; delta <= 1; delta++) {
				uint32_t lo = c[ci] + (uint32_t)delta;
				uint64_t his[] = {0, 1, UINT32_MAX, c[ci]};

				for (size_t h = 0; h < sizeof(his) / sizeof(his[0]); h++) {
					memset(d->args, 0, sizeof(d->args));
					d->args[arg] = his[h] << 32 | lo;
					compare(pre, now, d, n_runs, n_diff);
				}
			}
}

/* One syscall number, with and without the x32 bit. */
static void compare_nr(const struct sock_fprog *pre, const struct sock_fprog *now, uint32_t arch,
		       uint32_t nr, const uint32_t *c, size_t nc, unsigned long *n_runs,
		       unsigned long *n_diff)
{
	for (int x32 = 0; x32 < 2; x32++) {
		struct seccomp_data d = {.arch = arch, .nr = (int)(nr | (uint32_t)x32 << 30)};

		/* a decision that read no argument holds for all */
		if (compare(pre, now, &d, n_runs, n_diff))
			compare_args(pre, now, &d, c, nc, n_runs, n_diff);
	}
}

int main(void)
{
	struct sock_fprog pre, now;
	static uint32_t c[MAX_CONSTS];
	uint32_t arches[MAX_CONSTS];
	size_t nc = 0, na = 0;
	unsigned long runs = 0, diff = 0;
	int r = filter_default_programs(&pre, &now);

	if (r == 1) {
		printf("1..0 # SKIP no precompiled filter in this build (a cross build without an "
		       "exe_wrapper)\n");
		return 77;
	}
	check(r == 0, "the default profile compiles now%s%s", r < 0 ? ": " : "",
	      r < 0 ? strerror(-r) : "");
	if (r < 0)
		return tap_done();
	consts_of(&pre, c, &nc);
	consts_of(&now, c, &nc);
	/* audit arch values have __AUDIT_ARCH_64BIT or __AUDIT_ARCH_LE set; 0 and s390x
	 * (0x80000016) are foreign to every build this runs on */
	arches[na++] = 0;
	arches[na++] = 0x80000016u;
	for (size_t ai = 0; ai < nc; ai++)
		if ((c[ai] & 0x40000000u) && (c[ai] & 0xffffu) != 0)
			arches[na++] = c[ai];
	for (size_t ai = 0; ai < na; ai++) {
		for (int nr = -1; nr < 1100; nr++)
			compare_nr(&pre, &now, arches[ai], (uint32_t)nr, c, nc, &runs, &diff);
		for (size_t ci = 0; ci < nc; ci++)
			for (int delta = -1; delta <= 1; delta++)
				compare_nr(&pre, &now, arches[ai], c[ci] + (uint32_t)delta, c, nc,
					   &runs, &diff);
	}
	check(runs > 0 && diff == 0,
	      "precompiled default filter (%u instructions) decides as a compile now (%u): %lu "
	      "cases, %lu differ",
	      pre.len, now.len, runs, diff);
	free(now.filter);
	return tap_done();
}
