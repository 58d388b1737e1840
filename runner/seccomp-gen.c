/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp-gen.h"

/*
 * Why rtr compiles its default profile itself: libseccomp's program for it (a binary tree,
 * optimize level 2, over x86_64, i386 and x32) is 1277 instructions, because it tests each
 * syscall number on its own and repeats the argument checks per tree leaf.  Loading a filter
 * costs time in proportion to its length -- the kernel checks it, converts it to eBPF, JITs
 * it and runs it once per syscall number of every ABI to fill its allow cache -- and that
 * was most of what the default profile added to a container's start.  Here every run of
 * consecutive numbers with one outcome is one range, the ranges are searched by a balanced
 * tree of JGE, and argument checks of one syscall share their loads.  The decisions are
 * libseccomp's to the last number and argument: tests/seccomp-test.c runs both programs on
 * every syscall number, every number either program compares with (+-1), x32, and every
 * argument constant, on each architecture the arm lane builds.  Bundle profiles compiled at
 * run time keep using libseccomp.
 *
 * The program is emitted back to front: classic BPF jumps only forward and at most 255
 * instructions, so when a target is out of reach a copy of a RET or a JA is emitted on
 * the spot.
 */

#define MAX_INSNS BPF_MAXINSNS
#define MAX_SEGS 2048
#define JMP_MAX 255u
/* seccomp_data.args[i] as 32-bit words; the generator supports little-endian ABIs only */
#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define ARG_HI(i) (ARG_LO(i) + 4)

/* A jump target: any RET of a value, or one instruction. */
struct tgt {
	bool ret;
	uint32_t v; /* the value, or the instruction's index in em.buf */
};

struct em {
	struct sock_filter buf[MAX_INSNS];
	unsigned pos; /* the program is buf[pos..MAX_INSNS) */
	struct {
		uint32_t val;
		unsigned at;
	} rets[32]; /* the nearest RET of each value */
	unsigned n_rets;
	bool full;
};

/* One run of numbers [lo, next segment's lo) with one outcome. */
struct seg {
	uint32_t lo;
	bool block; /* arguments decide: the block of (abi, lo) */
	uint32_t ret;
	size_t abi;
	unsigned at; /* the block's first instruction */
};

static void emit(struct em *e, uint16_t code, uint32_t k, unsigned jt, unsigned jf)
{
	if (e->pos == 0) {
		e->full = true;
		return;
	}
	e->buf[--e->pos] =
	    (struct sock_filter){.code = code, .jt = (uint8_t)jt, .jf = (uint8_t)jf, .k = k};
}

static struct tgt here(const struct em *e)
{
	return (struct tgt){.v = e->pos};
}

static struct tgt ret_of(uint32_t v)
{
	return (struct tgt){.ret = true, .v = v};
}

/* The index of @t for a jump emitted next, adding a RET copy or a JA when it is too far. */
static unsigned place(struct em *e, struct tgt t)
{
	unsigned i;

	if (!t.ret) {
		if (t.v - e->pos <= JMP_MAX)
			return t.v;
		emit(e, BPF_JMP | BPF_JA, t.v - e->pos, 0, 0);
		return e->pos;
	}
	for (i = 0; i < e->n_rets && e->rets[i].val != t.v; i++)
		;
	if (i < e->n_rets && e->rets[i].at - e->pos <= JMP_MAX)
		return e->rets[i].at;
	if (i == e->n_rets) {
		if (i == sizeof(e->rets) / sizeof(e->rets[0])) {
			e->full = true;
			return e->pos;
		}
		e->n_rets++;
	}
	emit(e, BPF_RET | BPF_K, t.v, 0, 0);
	e->rets[i].val = t.v;
	e->rets[i].at = e->pos;
	return e->pos;
}

static void emit_jmp(struct em *e, uint16_t op, uint32_t k, struct tgt t, struct tgt f)
{
	unsigned lt, lf;

	do {
		lt = place(e, t);
		lf = place(e, f);
	} while (!e->full && (lt - e->pos > JMP_MAX || lf - e->pos > JMP_MAX));
	emit(e, BPF_JMP | op | BPF_K, k, lt - e->pos, lf - e->pos);
}

static void emit_ld(struct em *e, uint32_t off)
{
	emit(e, BPF_LD | BPF_W | BPF_ABS, off, 0, 0);
}

/* (word at @off & @mask) == (@val & @mask) */
static struct tgt emit_word_eq(struct em *e, uint32_t off, uint32_t mask, uint32_t val,
			       struct tgt t, struct tgt f)
{
	if (mask == 0)
		return t;
	emit_jmp(e, BPF_JEQ, val & mask, t, f);
	if (mask != UINT32_MAX)
		emit(e, BPF_ALU | BPF_AND | BPF_K, mask, 0, 0);
	emit_ld(e, off);
	return here(e);
}

/* One comparison as libseccomp makes it (db.c: _db_rule_gen_64 and _db_rule_gen_32). */
static struct tgt emit_cmp(struct em *e, bool wide, const struct sgen_cmp *c, struct tgt t,
			   struct tgt f)
{
	uint64_t mask = c->op == SGEN_MASKED_EQ ? c->mask : UINT64_MAX;
	uint32_t dl = (uint32_t)c->datum, dh = (uint32_t)(c->datum >> 32);
	struct tgt swap, lo, mid;
	uint16_t op;

	switch (c->op) {
	case SGEN_NE:
		swap = t, t = f, f = swap;
		/* fallthrough */
	case SGEN_EQ:
	case SGEN_MASKED_EQ:
		t = emit_word_eq(e, ARG_LO(c->arg), (uint32_t)mask, dl, t, f);
		return wide ? emit_word_eq(e, ARG_HI(c->arg), (uint32_t)(mask >> 32), dh, t, f) : t;
	case SGEN_LT:
		swap = t, t = f, f = swap;
		/* fallthrough */
	case SGEN_GE:
		op = BPF_JGE;
		break;
	case SGEN_LE:
		swap = t, t = f, f = swap;
		/* fallthrough */
	default:
		op = BPF_JGT;
		break;
	}
	emit_jmp(e, op, dl, t, f);
	emit_ld(e, ARG_LO(c->arg));
	lo = here(e);
	if (!wide)
		return lo;
	/* high words: greater decides, equal goes on to the low words */
	emit_jmp(e, BPF_JEQ, dh, lo, f);
	mid = here(e);
	emit_jmp(e, BPF_JGT, dh, t, mid);
	emit_ld(e, ARG_HI(c->arg));
	return here(e);
}

/* Single (masked) equality rules on one argument with one mask (and, on a wide ABI, one
 * high word) form a group that shares its loads: "ld; and; jeq v1; jeq v2; ...". */
#define GROUP_MAX_VALS 64
#define MAX_GROUPS 32

struct group {
	const struct sgen_rule *rule; /* the first; a rule of its own unless eq_rule() */
	uint32_t vals[GROUP_MAX_VALS];
	unsigned n_vals;
};

static bool eq_rule(const struct sgen_rule *r)
{
	return r->n_cmps == 1 && (r->cmps[0].op == SGEN_EQ || r->cmps[0].op == SGEN_MASKED_EQ);
}

static uint64_t eq_mask(const struct sgen_cmp *c)
{
	return c->op == SGEN_MASKED_EQ ? c->mask : UINT64_MAX;
}

static bool same_group(const struct sgen_rule *a, const struct sgen_rule *b, bool wide)
{
	uint64_t ma = eq_mask(&a->cmps[0]), mb = eq_mask(&b->cmps[0]);

	if (!eq_rule(a) || !eq_rule(b) || a->cmps[0].arg != b->cmps[0].arg)
		return false;
	if (!wide)
		return (uint32_t)ma == (uint32_t)mb;
	return ma == mb && ((a->cmps[0].datum & ma) >> 32) == ((b->cmps[0].datum & mb) >> 32);
}

/* Adds @r to its group in @g (or a new one); false when there is no room. */
static bool group_add(struct group *g, size_t *n, const struct sgen_rule *r, bool wide)
{
	uint32_t v = (uint32_t)(r->cmps[0].datum & eq_mask(&r->cmps[0]));
	size_t i;

	for (i = 0; i < *n && !same_group(g[i].rule, r, wide); i++)
		;
	if (i == *n) {
		if (*n == MAX_GROUPS)
			return false;
		g[(*n)++] = (struct group){.rule = r};
	}
	if (!eq_rule(r))
		return true;
	for (unsigned j = 0; j < g[i].n_vals; j++)
		if (g[i].vals[j] == v)
			return true;
	if (g[i].n_vals == GROUP_MAX_VALS)
		return false;
	g[i].vals[g[i].n_vals++] = v;
	return true;
}

/* "Any rule of @g holds -> @t, else @f." */
static struct tgt emit_group(struct em *e, bool wide, const struct group *g, struct tgt t,
			     struct tgt f)
{
	const struct sgen_cmp *c = &g->rule->cmps[0];
	uint64_t mask = eq_mask(c);
	struct tgt entry = t;

	if (!eq_rule(g->rule)) { /* all its comparisons hold */
		for (unsigned i = g->rule->n_cmps; i-- > 0;)
			entry = emit_cmp(e, wide, &g->rule->cmps[i], entry, f);
		return entry;
	}
	if ((uint32_t)mask != 0) {
		entry = f;
		for (unsigned i = g->n_vals; i-- > 0;) {
			emit_jmp(e, BPF_JEQ, g->vals[i], t, entry);
			entry = here(e);
		}
		if ((uint32_t)mask != UINT32_MAX)
			emit(e, BPF_ALU | BPF_AND | BPF_K, (uint32_t)mask, 0, 0);
		emit_ld(e, ARG_LO(c->arg));
		entry = here(e);
	}
	if (wide)
		entry = emit_word_eq(e, ARG_HI(c->arg), (uint32_t)(mask >> 32),
				     (uint32_t)(c->datum >> 32), entry, f);
	return entry;
}

/* What @nr gets on @abi without looking at arguments: *@ret_ret, or false when arguments
 * decide.  -EINVAL: rules of two actions. */
static int decide(const struct sgen_input *in, const struct sgen_abi *abi, uint32_t nr,
		  bool *ret_fixed, uint32_t *ret_ret)
{
	bool first = false, any = false, always = false;
	uint32_t act = 0;

	*ret_fixed = true;
	if (nr >= abi->enosys_lo && nr <= abi->enosys_hi) {
		*ret_ret = in->enosys;
		return 0;
	}
	for (size_t i = 0; i < abi->n_rules; i++) {
		const struct sgen_rule *r = &abi->rules[i];

		if (r->nr != nr)
			continue;
		if (r->first) {
			first = true;
			continue;
		}
		if (any && r->action != act)
			return -EINVAL;
		any = true;
		act = r->action;
		always = always || r->n_cmps == 0;
	}
	*ret_fixed = !first && (!any || always);
	*ret_ret = any ? act : in->def;
	return 0;
}

/* The block of @nr on @abi: rtr's first rules in order, then libseccomp's (any holds ->
 * their action), else the default. */
static int emit_block(struct em *e, const struct sgen_input *in, const struct sgen_abi *abi,
		      uint32_t nr, struct tgt *ret_entry)
{
	struct group g[MAX_GROUPS];
	size_t n = 0;
	bool always = false;
	uint32_t act = in->def;
	struct tgt next = ret_of(in->def);

	for (size_t i = 0; i < abi->n_rules; i++) {
		const struct sgen_rule *r = &abi->rules[i];

		if (r->nr != nr || r->first)
			continue;
		act = r->action;
		always = always || r->n_cmps == 0;
		if (!group_add(g, &n, r, abi->wide))
			return -E2BIG;
	}
	if (always)
		next = ret_of(act);
	else
		for (size_t i = n; i-- > 0;)
			next = emit_group(e, abi->wide, &g[i], ret_of(act), next);
	for (size_t i = abi->n_rules; i-- > 0;) {
		const struct sgen_rule *r = &abi->rules[i];
		struct tgt t = ret_of(r->action);

		if (r->nr != nr || !r->first)
			continue;
		for (unsigned k = r->n_cmps; k-- > 0;)
			t = emit_cmp(e, abi->wide, &r->cmps[k], t, next);
		next = t;
	}
	*ret_entry = next;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void add_point(uint64_t *pts, size_t *n, uint64_t v)
{
	if (*n < MAX_SEGS && v <= UINT32_MAX)
		pts[(*n)++] = v;
}

/* The runs of one outcome over all 2^32 numbers of @audit, into @segs. */
static int segments(const struct sgen_input *in, uint32_t audit, struct seg *segs, size_t *ret_n)
{
	static uint64_t pts[MAX_SEGS];
	size_t n_pts = 0, n = 0;

	add_point(pts, &n_pts, 0);
	for (size_t a = 0; a < in->n_abis; a++) {
		const struct sgen_abi *abi = &in->abis[a];

		if (abi->audit != audit)
			continue;
		add_point(pts, &n_pts, abi->lo);
		add_point(pts, &n_pts, (uint64_t)abi->hi + 1);
		if (abi->enosys_lo <= abi->enosys_hi) {
			add_point(pts, &n_pts, abi->enosys_lo);
			add_point(pts, &n_pts, (uint64_t)abi->enosys_hi + 1);
		}
		for (size_t i = 0; i < abi->n_rules; i++) {
			add_point(pts, &n_pts, abi->rules[i].nr);
			add_point(pts, &n_pts, (uint64_t)abi->rules[i].nr + 1);
		}
	}
	if (n_pts == MAX_SEGS)
		return -E2BIG;
	qsort(pts, n_pts, sizeof(pts[0]), cmp_u64);
	for (size_t i = 0; i < n_pts; i++) {
		uint32_t nr = (uint32_t)pts[i];
		struct seg s = {.lo = nr};
		size_t a;
		bool fixed;
		int r;

		if (i > 0 && pts[i] == pts[i - 1])
			continue;
		for (a = 0; a < in->n_abis; a++)
			if (in->abis[a].audit == audit && nr >= in->abis[a].lo &&
			    nr <= in->abis[a].hi)
				break;
		if (a == in->n_abis)
			return -EINVAL; /* numbers no ABI of this arch covers */
		r = decide(in, &in->abis[a], nr, &fixed, &s.ret);
		if (r < 0)
			return r;
		s.block = !fixed;
		s.abi = a;
		if (n > 0 && !s.block && !segs[n - 1].block && segs[n - 1].ret == s.ret)
			continue;
		segs[n++] = s;
	}
	*ret_n = n;
	return 0;
}

/* A leaf of the search: segs[first..last], where every second one is a single number
 * inside a run of one outcome ("A b A c A"): JEQ b, JEQ c, else A costs one instruction
 * per number instead of two bounds in the search. */
struct leaf {
	size_t first, last;
};

static bool same_outcome(const struct seg *a, const struct seg *b)
{
	return !a->block && !b->block && a->ret == b->ret;
}

static size_t leaves_of(const struct seg *segs, size_t n, struct leaf *leaves)
{
	size_t n_leaves = 0;

	for (size_t i = 0; i < n;) {
		size_t last = i;

		while (last + 2 < n && segs[last + 2].lo == segs[last + 1].lo + 1 &&
		       same_outcome(&segs[i], &segs[last + 2]))
			last += 2;
		leaves[n_leaves++] = (struct leaf){i, last};
		i = last + 1;
	}
	return n_leaves;
}

static struct tgt seg_tgt(const struct seg *s)
{
	return s->block ? (struct tgt){.v = s->at} : ret_of(s->ret);
}

/* A balanced search of leaves[i..j] by their first numbers. */
static struct tgt emit_tree(struct em *e, const struct seg *segs, const struct leaf *leaves,
			    size_t i, size_t j)
{
	size_t mid = (i + j + 1) / 2;
	struct tgt hi, lo;

	if (i == j) {
		const struct leaf *l = &leaves[i];
		struct tgt t = seg_tgt(&segs[l->first]);

		for (size_t k = l->last; k > l->first; k -= 2) {
			emit_jmp(e, BPF_JEQ, segs[k - 1].lo, seg_tgt(&segs[k - 1]), t);
			t = here(e);
		}
		return t;
	}
	hi = emit_tree(e, segs, leaves, mid, j);
	lo = emit_tree(e, segs, leaves, i, mid - 1);
	emit_jmp(e, BPF_JGE, segs[leaves[mid].first].lo, hi, lo);
	return here(e);
}

/* The section of one audit architecture: "ld nr; search; blocks". */
static int emit_section(struct em *e, const struct sgen_input *in, uint32_t audit,
			struct tgt *ret_entry)
{
	static struct seg segs[MAX_SEGS];
	static struct leaf leaves[MAX_SEGS];
	size_t n = 0, n_leaves;
	unsigned root;
	int r;

	r = segments(in, audit, segs, &n);
	if (r < 0)
		return r;
	for (size_t i = n; i-- > 0;) {
		struct tgt t;

		if (!segs[i].block)
			continue;
		r = emit_block(e, in, &in->abis[segs[i].abi], segs[i].lo, &t);
		if (r < 0)
			return r;
		/* a block that needs no instruction is a RET: keep it reachable as one */
		if (t.ret) {
			segs[i].block = false;
			segs[i].ret = t.v;
		} else
			segs[i].at = t.v;
	}
	n_leaves = leaves_of(segs, n, leaves);
	root = place(e, emit_tree(e, segs, leaves, 0, n_leaves - 1));
	if (root != e->pos) /* a search of one leaf: its target */
		emit(e, BPF_JMP | BPF_JA, root - e->pos, 0, 0);
	emit_ld(e, offsetof(struct seccomp_data, nr));
	*ret_entry = here(e);
	return 0;
}

int sgen_program(const struct sgen_input *in, struct sock_filter **ret, unsigned *ret_n)
{
	static struct em e;
	struct tgt entry[SGEN_MAX_ABIS], next;
	uint32_t audits[SGEN_MAX_ABIS];
	size_t n_audits = 0;
	int r;

	e = (struct em){.pos = MAX_INSNS};
	for (size_t a = 0; a < in->n_abis; a++) {
		size_t j;

		for (j = 0; j < n_audits && audits[j] != in->abis[a].audit; j++)
			;
		if (j == n_audits)
			audits[n_audits++] = in->abis[a].audit;
	}
	place(&e, ret_of(in->def)); /* the last instruction must be a RET */
	for (size_t j = n_audits; j-- > 0;) {
		r = emit_section(&e, in, audits[j], &entry[j]);
		if (r < 0)
			return r;
	}
	next = ret_of(in->badarch);
	for (size_t j = n_audits; j-- > 0;) {
		emit_jmp(&e, BPF_JEQ, audits[j], entry[j], next);
		next = here(&e);
	}
	emit_ld(&e, offsetof(struct seccomp_data, arch));
	if (e.full)
		return -E2BIG;
	*ret_n = MAX_INSNS - e.pos;
	*ret = malloc(*ret_n * sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	memcpy(*ret, e.buf + e.pos, *ret_n * sizeof(**ret));
	return 0;
}
