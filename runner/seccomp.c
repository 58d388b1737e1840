/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stddef.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/json.h"
#include "lib/profile.h"
#include "lib/util.h"
#include "filter-cache.h"
#include "filter-names.h"
#include "filter.h"
#include "seccomp-cond.h"
#include "seccomp-dl.h"
#ifndef RTR_SECCOMP_GEN
#include "seccomp-default.h" /* generated: the default profile compiled at build time */
#else
#include <linux/audit.h>

#include "seccomp-gen.h" /* the generator's own compiler of the default */
#define RTR_SECCOMP_PRECOMPILED 0
#endif

/* ---- the filter ------------------------------------------------------------------------ */

struct rtr_seccomp_filter {
	struct sock_filter *insns;
	unsigned short n_insns;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
	bool loaded;
};

static void filter_spec_freep(struct rtr_seccomp **sc)
{
	filter_spec_free(*sc);
}

/* Splits space-separated names into a vector, sized once (the default's first rule has
 * 330 names: growing the vector name by name was quadratic, on every start). */
static int split_names(const char *names, char ***ret)
{
	_cleanup_strv_free_ char **v = NULL;
	size_t n_words = 0, i = 0;

	for (const char *p = names; *p; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");

		n_words += n > 0;
		p += n;
	}
	v = calloc(n_words + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (const char *p = names + strspn(names, " "); *p; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");

		v[i] = strndup(p, n);
		if (!v[i++])
			return -ENOMEM;
		p += n;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* The default profile as spec structs, resolved for the bounding set in @caps_mask. */
static int default_seccomp(uint64_t caps_mask, struct rtr_seccomp **ret)
{
	_cleanup_(filter_spec_freep) struct rtr_seccomp *sc = NULL;
	const char *const *arches = profile_seccomp_arches(NULL);
	int r;

	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	r = filter_action_from_name(PROFILE_SECCOMP_DEFAULT_ACTION, &sc->default_action);
	if (r < 0)
		return r;
	sc->default_errno_ret_set = true;
	sc->default_errno_ret = PROFILE_SECCOMP_DEFAULT_ERRNO;
	sc->architectures =
	    strv_copy((char *const *)(arches ? arches : (const char *const[]){NULL}));
	sc->syscalls = calloc(profile_n_seccomp_rules, sizeof(*sc->syscalls));
	if (!sc->architectures || !sc->syscalls)
		return -ENOMEM;
	for (size_t i = 0; i < profile_n_seccomp_rules; i++) {
		const struct profile_seccomp_rule *pr = &profile_seccomp_rules[i];
		struct rtr_seccomp_syscall *sy = &sc->syscalls[sc->n_syscalls];

		if (!profile_seccomp_rule_applies(pr, caps_mask, NULL))
			continue;
		r = split_names(pr->names, &sy->names);
		if (r < 0)
			return r;
		/* Names this host's libseccomp does not know are dropped here, so the
		 * default profile never warns; user profiles do. */
		for (size_t k = 0, j = 0;; k++) {
			if (!sy->names[k]) {
				sy->names[j] = NULL;
				break;
			}
			if (filter_syscall_known(sy->names[k]))
				sy->names[j++] = sy->names[k];
			else
				free(sy->names[k]);
		}
		sc->n_syscalls++;
		r = filter_action_from_name(profile_seccomp_action_name(pr->action), &sy->action);
		if (r < 0)
			return r;
		sy->errno_ret_set = pr->errno_ret != 0;
		sy->errno_ret = pr->errno_ret;
		if (pr->n_args == 0)
			continue;
		sy->args = calloc(pr->n_args, sizeof(*sy->args));
		if (!sy->args)
			return -ENOMEM;
		sy->n_args = pr->n_args;
		for (unsigned a = 0; a < pr->n_args; a++) {
			sy->args[a].index = pr->args[a].index;
			sy->args[a].value = pr->args[a].value;
			sy->args[a].value_two = pr->args[a].value_two;
			r = filter_op_from_name(profile_seccomp_op_name(pr->args[a].op),
						&sy->args[a].op);
			if (r < 0)
				return r;
		}
	}
	*ret = TAKE_PTR(sc);
	return 0;
}

static uint64_t bounding_mask(const struct rtr_spec *s)
{
	uint64_t m = 0;

	for (size_t i = 0; i < s->process.caps.n_bounding; i++)
		if (s->process.caps.bounding[i] >= 0 && s->process.caps.bounding[i] < 64)
			m |= UINT64_C(1) << s->process.caps.bounding[i];
	return m;
}

#ifndef RTR_SECCOMP_GEN /* the generator has no spec parser */
int filter_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	_cleanup_(filter_spec_freep) struct rtr_seccomp *sc = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	bool want_default;
	int r;

	s->ext.seccomp_origin = s->lx.seccomp ? "bundle" : NULL;
	/* --privileged runs without a filter, the bundle's included, unless --seccomp
	 * asks for one (as Docker does). */
	if ((o->seccomp && streq(o->seccomp, "unconfined")) || (o->privileged && !o->seccomp)) {
		filter_spec_free(s->lx.seccomp);
		s->lx.seccomp = NULL;
		s->ext.seccomp_origin = NULL;
		return 0;
	}
	if (o->seccomp && !streq(o->seccomp, "default")) {
		r = read_file_at(AT_FDCWD, o->seccomp, RTR_CONFIG_MAX_BYTES, &buf, &len);
		if (r < 0)
			return rtr_err_sys(err, -r, "--seccomp %s", o->seccomp);
		r = spec_parse_seccomp(buf, len, &sc, err);
		if (r < 0) {
			char what[PATH_MAX + 16];

			snprintf(what, sizeof(what), "--seccomp %s", o->seccomp);
			return rtr_err_prefix(err, r, what);
		}
		filter_spec_free(s->lx.seccomp);
		s->lx.seccomp = TAKE_PTR(sc);
		s->ext.seccomp_origin = "file";
		return 0;
	}

	/* A bundle without linux.seccomp gets rtr's default filter: a default that only
	 * takes away (--seccomp unconfined turns it off). */
	want_default = streq(o->seccomp, "default") || !s->lx.seccomp;
	if (!want_default)
		return 0;
	r = default_seccomp(bounding_mask(s), &sc);
	if (r < 0)
		return rtr_err_sys(err, -r, "default seccomp profile");
	filter_spec_free(s->lx.seccomp);
	s->lx.seccomp = TAKE_PTR(sc);
	s->ext.seccomp_origin = "default";
	return 0;
}

#endif

static uint32_t rule_action(uint32_t action, bool errno_set, uint32_t errno_ret)
{
	/* OCI: SCMP_ACT_ERRNO and SCMP_ACT_TRACE without errnoRet return EPERM. */
	if (action == SCMP_ACT_ERRNO(0))
		return SCMP_ACT_ERRNO(errno_set ? errno_ret : EPERM);
	if (action == SCMP_ACT_TRACE(0))
		return SCMP_ACT_TRACE(errno_set ? errno_ret : EPERM);
	return action;
}

struct gen_record;
#ifdef RTR_SECCOMP_GEN
static int gen_record_add(struct gen_record *rec, const char *name, int nr, uint32_t act,
			  unsigned n, const struct scmp_arg_cmp *cmp);
#endif

/* Adds one libseccomp rule, and with @rec (rtr-seccomp-gen) records it for gen_default(). */
static int rule_add(scmp_filter_ctx ctx, struct gen_record *rec, const char *name, int nr,
		    uint32_t act, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int r = seccomp_rule_add_array(ctx, act, nr, n, cmp);

#ifdef RTR_SECCOMP_GEN
	if (r >= 0 && rec)
		r = gen_record_add(rec, name, nr, act, n, cmp);
#else
	(void)rec;
	(void)name;
#endif
	return r;
}

static int add_rule(scmp_filter_ctx ctx, struct gen_record *rec, const char *name, int nr,
		    uint32_t act, const struct rtr_seccomp_syscall *sy, struct rtr_err *err)
{
	struct scmp_arg_cmp cmp[6];
	unsigned count[6] = {0};
	bool same_index = false;
	int r;

	if (sy->n_args > ELEMENTSOF(cmp))
		return rtr_err_set(err, EINVAL, "seccomp: %s: more than 6 args", name);
	for (size_t i = 0; i < sy->n_args; i++) {
		const struct rtr_seccomp_arg *a = &sy->args[i];

		if (a->index >= ELEMENTSOF(cmp))
			return rtr_err_set(err, EINVAL, "seccomp: %s: arg index %u out of range",
					   name, a->index);
		cmp[i] = (struct scmp_arg_cmp){.arg = a->index,
					       .op = (enum scmp_compare)a->op,
					       .datum_a = a->value,
					       .datum_b = a->value_two};
		if (++count[a->index] > 1)
			same_index = true;
	}
	/* Like runc: several comparisons of one argument cannot all hold (libseccomp
	 * refuses them in one rule), so each becomes a rule of its own (OR). */
	if (same_index) {
		for (size_t i = 0; i < sy->n_args; i++) {
			r = rule_add(ctx, rec, name, nr, act, 1, &cmp[i]);
			if (r < 0)
				goto fail;
		}
		return 0;
	}
	r = rule_add(ctx, rec, name, nr, act, (unsigned)sy->n_args, cmp);
	if (r < 0)
		goto fail;
	return 0;
fail:
	return rtr_err_sys(err, -r, "seccomp: rule for %s", name);
}

static int export_bpf(scmp_filter_ctx ctx, struct rtr_seccomp_filter *f, struct rtr_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	ssize_t n;
	int r;

	fd = (int)syscall(SYS_memfd_create, "rtr-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return rtr_err_sys(err, errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return rtr_err_sys(err, -r, "seccomp: exporting the filter");
	if (fstat(fd, &st) < 0)
		return rtr_err_sys(err, errno, "seccomp");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return rtr_err_set(err, E2BIG, "seccomp: filter of %lld bytes is too large",
				   (long long)st.st_size);
	f->insns = malloc((size_t)st.st_size);
	if (!f->insns)
		return -ENOMEM;
	n = pread(fd, f->insns, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return rtr_err_set(err, EIO, "seccomp: reading the exported filter back");
	f->n_insns = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int filter_flags_of(const struct rtr_seccomp *sc, unsigned int *ret, struct rtr_err *err)
{
	unsigned int flags = 0;

	for (size_t i = 0; sc->flags && sc->flags[i]; i++) {
		unsigned int f = 0;

		if (filter_flag_from_name(sc->flags[i], &f) < 0 || f == 0)
			return rtr_err_set(err, EINVAL, "linux.seccomp.flags: unsupported %s",
					   sc->flags[i]);
		flags |= f;
	}
	*ret = flags;
	return 0;
}

/* ---- rtr's prefix to every compiled filter ------------------------------------------------
 *
 * Two rules libseccomp cannot express run before its program:
 *
 * - A syscall newer than the profile fails with ENOSYS, not with the default action, so
 *   software falls back as on an older kernel (C libraries and runtimes probe calls such
 *   as clone3, statx or mseal and take EPERM for a real refusal).  Newer means, per ABI,
 *   a number above the highest one that any name of the profile has there (as runc does);
 *   calls the profile knows and denies keep the default action.  Listing a new name in
 *   the profile raises the bound.
 * - On the i386 ABI, socketcall() multiplexes socket() and socketpair() with their
 *   arguments in memory, where seccomp cannot look, and libseccomp even turns a socket()
 *   rule with argument checks into an unconditional socketcall(SYS_SOCKET) allow: the
 *   address families a profile denies (AF_VSOCK, AF_ALG) would be reachable there.  So
 *   unless socket() (socketpair()) is allowed with no condition, socketcall(SYS_SOCKET)
 *   (SYS_SOCKETPAIR) gets the default action.  C libraries call socket() directly on
 *   Linux >= 4.3 (glibc, musl), which the profile's rules check.
 *
 * A profile whose default action allows (SCMP_ACT_ALLOW, SCMP_ACT_LOG) gets neither.
 */

#define BOUND_MAX_ABIS 16
#define X86_SOCKETCALL_NR 102
#define SYS_SOCKET_CALL 1
#define SYS_SOCKETPAIR_CALL 8
#define X32_SYSCALL_BIT 0x40000000u
#define ARM_PRIVATE_NR_BASE 0x0f0000u /* __ARM_NR_BASE: cacheflush, set_tls, ... */

struct filter_bound_info {
	uint32_t def; /* the filter's default action */
	struct {
		uint32_t arch;	/* SCMP_ARCH_* */
		int64_t max_nr; /* highest number a listed name has on it; -1: none */
	} abis[BOUND_MAX_ABIS];
	size_t n_abis;
	bool socket_open, socketpair_open; /* allowed with no argument condition */
};

static void bound_add_abi(struct filter_bound_info *in, uint32_t arch)
{
	for (size_t i = 0; i < in->n_abis; i++)
		if (in->abis[i].arch == arch)
			return;
	if (in->n_abis < BOUND_MAX_ABIS) /* more ABIs than exist: the rest get no bound */
		in->abis[in->n_abis++] = (typeof(in->abis[0])){.arch = arch, .max_nr = -1};
}

/* Raises each ABI's bound to the number @name has there. */
static void bound_note_name(struct filter_bound_info *in, const char *name)
{
	for (size_t i = 0; i < in->n_abis; i++) {
		int nr = seccomp_syscall_resolve_name_arch(in->abis[i].arch, name);

		/* Negative: a pseudo number (the call does not exist on this ABI).  ARM's
		 * private calls live far above the table and would hide every new one. */
		if (nr < 0 ||
		    (in->abis[i].arch == SCMP_ARCH_ARM && (uint32_t)nr >= ARM_PRIVATE_NR_BASE))
			continue;
		if (nr > in->abis[i].max_nr)
			in->abis[i].max_nr = nr;
	}
}

struct bpf_buf {
	struct sock_filter *insns;
	unsigned n;
};

static void emit(struct bpf_buf *b, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	b->insns[b->n++] = (struct sock_filter){.code = code, .jt = jt, .jf = jf, .k = k};
}

/* The audit architecture the kernel reports for @arch and the range (lo, hi) of numbers
 * the ENOSYS rule covers there (hi 0: no upper end).  x32 shares x86-64's audit value
 * with numbers above X32_SYSCALL_BIT; ARM's private calls are not new ones. */
static uint32_t bound_range(uint32_t arch, int64_t max_nr, uint32_t *ret_lo, uint32_t *ret_hi)
{
	*ret_lo = (uint32_t)max_nr;
	*ret_hi = arch == SCMP_ARCH_X86_64 ? X32_SYSCALL_BIT
		  : arch == SCMP_ARCH_ARM  ? ARM_PRIVATE_NR_BASE
					   : 0;
	return arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch;
}

/* One block per audit architecture: "if arch == A { nr in a range: ENOSYS; i386's
 * socketcall checks } else next block"; every path that does not return jumps to the
 * end, where libseccomp's program starts. */
static void bound_emit_block(struct bpf_buf *b, const struct filter_bound_info *in, uint32_t audit,
			     unsigned *ja, unsigned *n_ja)
{
	unsigned start = b->n;
	uint32_t calls[2];
	unsigned k = 0;

	emit(b, BPF_JMP | BPF_JEQ | BPF_K, audit, 0, 0);
	emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
	for (size_t i = 0; i < in->n_abis; i++) {
		uint32_t lo, hi;

		if (in->abis[i].max_nr < 0 ||
		    bound_range(in->abis[i].arch, in->abis[i].max_nr, &lo, &hi) != audit)
			continue;
		if (hi) {
			emit(b, BPF_JMP | BPF_JGT | BPF_K, lo, 0, 2);
			emit(b, BPF_JMP | BPF_JGE | BPF_K, hi, 1, 0);
		} else {
			emit(b, BPF_JMP | BPF_JGT | BPF_K, lo, 0, 1);
		}
		emit(b, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0);
	}
	if (audit == SCMP_ARCH_X86) {
		if (!in->socket_open)
			calls[k++] = SYS_SOCKET_CALL;
		if (!in->socketpair_open)
			calls[k++] = SYS_SOCKETPAIR_CALL;
	}
	if (k > 0) {
		emit(b, BPF_JMP | BPF_JEQ | BPF_K, X86_SOCKETCALL_NR, 0, (uint8_t)(k + 2));
		/* args[0] is 32 bits wide on i386: its low word (little-endian) is all of it */
		emit(b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]), 0, 0);
		for (unsigned i = 0; i < k; i++)
			emit(b, BPF_JMP | BPF_JEQ | BPF_K, calls[i], (uint8_t)(k - 1 - i),
			     i == k - 1 ? 1 : 0);
		emit(b, BPF_RET | BPF_K, in->def, 0, 0);
	}
	ja[(*n_ja)++] = b->n;
	emit(b, BPF_JMP | BPF_JA, 0, 0, 0);
	b->insns[start].jf = (uint8_t)(b->n - start - 1);
}

/* Puts the prefix described above in front of the exported program in @f. */
static int filter_prepend_bound(const struct filter_bound_info *in, struct rtr_seccomp_filter *f,
				struct rtr_err *err)
{
	/* per ABI at most: jeq, ld, two ranges of 3, socketcall 5, ja */
	struct sock_filter insns[1 + BOUND_MAX_ABIS * 14];
	struct bpf_buf b = {.insns = insns};
	uint32_t audits[BOUND_MAX_ABIS];
	unsigned ja[BOUND_MAX_ABIS], n_ja = 0;
	size_t n_audits = 0;
	struct sock_filter *all;

	if (in->def == SCMP_ACT_ALLOW || in->def == SCMP_ACT_LOG)
		return 0;
	for (size_t i = 0; i < in->n_abis; i++) {
		uint32_t lo, hi, audit = bound_range(in->abis[i].arch, 0, &lo, &hi);
		bool seen = false;

		for (size_t j = 0; j < n_audits; j++)
			seen = seen || audits[j] == audit;
		if (!seen)
			audits[n_audits++] = audit;
	}
	emit(&b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	for (size_t j = 0; j < n_audits; j++)
		bound_emit_block(&b, in, audits[j], ja, &n_ja);
	for (unsigned i = 0; i < n_ja; i++)
		b.insns[ja[i]].k = b.n - ja[i] - 1;

	if (f->n_insns + b.n > BPF_MAXINSNS)
		return rtr_err_set(err, E2BIG, "seccomp: filter of %u instructions is too large",
				   f->n_insns + b.n);
	all = malloc((f->n_insns + b.n) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all, b.insns, b.n * sizeof(*all));
	memcpy(all + b.n, f->insns, f->n_insns * sizeof(*all));
	free(f->insns);
	f->insns = all;
	f->n_insns = (unsigned short)(f->n_insns + b.n);
	return 0;
}

/* Names this libseccomp does not know, for one warning line after the compile. */
struct unknown_names {
	char buf[2048];
	size_t len;
	unsigned n;
	bool full;
};

static void unknown_add(struct unknown_names *u, const char *name)
{
	size_t n = strlen(name);

	/* a name listed twice is one name */
	for (const char *p = u->buf; (p = strstr(p, name)); p += n)
		if ((p == u->buf || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return;
	u->n++;
	if (u->full || u->len + 1 + n >= sizeof(u->buf)) {
		u->full = true;
		return;
	}
	if (u->len)
		u->buf[u->len++] = ' ';
	memcpy(u->buf + u->len, name, n + 1);
	u->len += n;
}

/* Profiles list syscalls of newer kernels; the OCI spec lets a runtime skip them.  One
 * line for all of them: Docker's own profile names a dozen a libseccomp may not know. */
static void unknown_warn(const struct unknown_names *u)
{
	const struct scmp_version *v = seccomp_version();

	if (u->n == 0)
		return;
	log_warn("seccomp: skipping unknown syscall%s %s%s (not in libseccomp %u.%u.%u)",
		 u->n == 1 ? "" : "s", u->buf, u->full ? " ..." : "", v ? v->major : 0,
		 v ? v->minor : 0, v ? v->micro : 0);
}

#ifdef RTR_SECCOMP_GEN
static void gen_record_end(struct gen_record *rec, scmp_filter_ctx ctx,
			   const struct filter_bound_info *bound);
#endif

/* libseccomp builds and exports the filter (the slow part: milliseconds per architecture).
 * @rec (rtr-seccomp-gen only; NULL otherwise) also gets the rules for rtr's own compiler. */
static int filter_compile(const struct rtr_seccomp *sc, struct rtr_seccomp_filter *f,
			  struct gen_record *rec, struct rtr_err *err)
{
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
	struct filter_bound_info bound = {0};
	struct unknown_names unknown = {0};
	uint32_t def;
	int r;

	r = seccomp_dl_load(err);
	if (r < 0)
		return r;
	def = rule_action(sc->default_action, sc->default_errno_ret_set, sc->default_errno_ret);
	ctx = seccomp_init(def);
	if (!ctx)
		return rtr_err_set(err, EINVAL, "linux.seccomp.defaultAction: not accepted");
	bound.def = def;
	bound_add_abi(&bound, seccomp_arch_native());
	/* A binary tree: fewer instructions run per syscall with hundreds of rules, and the
	 * kernel loads it faster although it is longer (it emulates the program for every
	 * syscall number to build its allow cache: a linear list makes that quadratic; the
	 * default profile loads in 0.59 ms as a tree, 1.0 ms as a list).  It costs several
	 * times libseccomp's compile time, paid at build time or once per profile (cache). */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	for (size_t i = 0; sc->architectures && sc->architectures[i]; i++) {
		uint32_t arch;

		r = filter_arch_from_name(sc->architectures[i], &arch);
		if (r < 0)
			return rtr_err_set(err, EINVAL, "linux.seccomp.architectures: unknown %s",
					   sc->architectures[i]);
		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST)
			return rtr_err_sys(err, -r, "linux.seccomp.architectures: %s",
					   sc->architectures[i]);
		bound_add_abi(&bound, arch);
	}

	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct rtr_seccomp_syscall *sy = &sc->syscalls[i];
		uint32_t act = rule_action(sy->action, sy->errno_ret_set, sy->errno_ret);

		for (size_t k = 0; sy->names && sy->names[k]; k++) {
			const char *name = sy->names[k];
			int nr = seccomp_syscall_resolve_name(name);

			if (nr == __NR_SCMP_ERROR) {
				/* The names of rtr's own default (in every pulled bundle)
				 * are skipped quietly. */
				if (!profile_seccomp_lists(name))
					unknown_add(&unknown, name);
				continue;
			}
			bound_note_name(&bound, name);
			if (act == SCMP_ACT_ALLOW && sy->n_args == 0) {
				bound.socket_open = bound.socket_open || streq(name, "socket");
				bound.socketpair_open =
				    bound.socketpair_open || streq(name, "socketpair");
			}
			/* libseccomp refuses rules that repeat the default action; they
			 * are no-ops. */
			if (act == def)
				continue;
			r = add_rule(ctx, rec, name, nr, act, sy, err);
			if (r < 0)
				return r;
		}
	}
	unknown_warn(&unknown);
#ifdef RTR_SECCOMP_GEN
	if (rec)
		gen_record_end(rec, ctx, &bound);
#endif
	r = export_bpf(ctx, f, err);
	if (r < 0)
		return r;
	return filter_prepend_bound(&bound, f, err);
}

/* Everything that shapes the filter, fed to FNV-1a and, when @buf is set, kept whole (the
 * compiled-filter cache compares keys byte for byte, so a hash collision cannot hand out
 * another profile's filter).  Names this libseccomp does not know are left out: they add
 * nothing to the filter.  Equal hashes: the precompiled default fits. */
struct filter_key {
	uint64_t hash;
	char *buf; /* NULL: hash only */
	size_t len, cap;
	bool oom;
};

static void key_bytes(struct filter_key *k, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		k->hash ^= b[i];
		k->hash *= UINT64_C(0x100000001b3);
	}
	if (!k->buf || k->oom)
		return;
	if (k->len + n > k->cap) {
		size_t cap = (k->len + n) * 2;
		char *nb = realloc(k->buf, cap);

		if (!nb) {
			k->oom = true;
			return;
		}
		k->buf = nb;
		k->cap = cap;
	}
	memcpy(k->buf + k->len, b, n);
	k->len += n;
}

static void key_str(struct filter_key *k, const char *s)
{
	key_bytes(k, s, strlen(s) + 1);
}

static void key_walk(struct filter_key *k, const struct rtr_seccomp *sc)
{
	uint64_t v;

	key_bytes(k, &sc->default_action, sizeof(sc->default_action));
	v = sc->default_errno_ret_set ? sc->default_errno_ret : UINT64_MAX;
	key_bytes(k, &v, sizeof(v));
	for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
		key_str(k, sc->architectures[i]);
	key_str(k, "|");
	for (size_t i = 0; sc->flags && sc->flags[i]; i++)
		key_str(k, sc->flags[i]);
	key_str(k, "|");
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct rtr_seccomp_syscall *sy = &sc->syscalls[i];

		for (size_t j = 0; sy->names && sy->names[j]; j++)
			if (filter_syscall_known(sy->names[j]))
				key_str(k, sy->names[j]);
		key_bytes(k, &sy->action, sizeof(sy->action));
		v = sy->errno_ret_set ? sy->errno_ret : UINT64_MAX;
		key_bytes(k, &v, sizeof(v));
		for (size_t j = 0; j < sy->n_args; j++) {
			uint64_t a[4] = {sy->args[j].index, sy->args[j].value,
					 sy->args[j].value_two, (uint64_t)sy->args[j].op};
			key_bytes(k, a, sizeof(a));
		}
		key_str(k, ";");
	}
}

static uint64_t filter_hash(const struct rtr_seccomp *sc)
{
	struct filter_key k = {.hash = UINT64_C(0xcbf29ce484222325)};

	key_walk(&k, sc);
	return k.hash;
}

#ifndef RTR_SECCOMP_GEN
/* A compile needs libseccomp: loaded here, on a cache miss, named with the profile. */
static int compile_loaded(const struct rtr_seccomp *sc, struct rtr_seccomp_filter *f,
			  const char *origin, struct rtr_err *err)
{
	int r = seccomp_dl_load(err);

	if (r < 0)
		return rtr_err_prefix(err, r,
				      origin && streq(origin, "file") ? "--seccomp profile"
				      : origin && streq(origin, "default")
					  ? "default seccomp profile"
					  : "linux.seccomp");
	return filter_compile(sc, f, NULL, err);
}

/* A profile libseccomp must compile (a bundle's own, or the default for another capability
 * set) is compiled once per content: the cache key adds what else shapes the program --
 * this build of rtr-run (its build id, which also fixes the native arch) and the libseccomp
 * a compile would load (seccomp_dl_identity(): without loading it). */
static int filter_compile_cached(const struct rtr_seccomp *sc, struct rtr_seccomp_filter *f,
				 const char *origin, struct rtr_err *err)
{
	struct filter_key k = {.hash = UINT64_C(0xcbf29ce484222325)};
	uint64_t head[7];
	size_t id_len;
	const void *id = filter_cache_build_id(&id_len);
	int r;

	k.buf = id && seccomp_dl_identity(head) == 0 ? malloc(4096) : NULL;
	if (!k.buf) /* no build id, library file or memory: no cache */
		return compile_loaded(sc, f, origin, err);
	k.cap = 4096;
	key_bytes(&k, id, id_len);
	key_bytes(&k, head, sizeof(head));
	key_walk(&k, sc);
	if (!k.oom && filter_cache_get(k.buf, k.len, k.hash, &f->insns, &f->n_insns) == 0) {
		free(k.buf);
		return 0;
	}
	r = compile_loaded(sc, f, origin, err);
	if (r >= 0 && !k.oom)
		filter_cache_put(k.buf, k.len, k.hash, f->insns, f->n_insns);
	free(k.buf);
	return r;
}
#else
/* The build-time generator compiles the default once: nothing to cache. */
static int filter_compile_cached(const struct rtr_seccomp *sc, struct rtr_seccomp_filter *f,
				 const char *origin, struct rtr_err *err)
{
	(void)origin;
	return filter_compile(sc, f, NULL, err);
}
#endif

int filter_prepare(struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_seccomp *spec_sc = c->spec->lx.seccomp, *sc = spec_sc;
	_cleanup_free_ struct rtr_seccomp_syscall *rules = NULL;
	struct rtr_seccomp view;
	struct rtr_seccomp_filter *f;
	int r;

	c->seccomp = NULL;
	if (!sc)
		return 0;
	if (sc->listener_path || sc->default_action == SCMP_ACT_NOTIFY)
		return rtr_err_set(
		    err, ENOTSUP,
		    "linux.seccomp: SCMP_ACT_NOTIFY and listenerPath are not supported");
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action == SCMP_ACT_NOTIFY)
			return rtr_err_set(
			    err, ENOTSUP,
			    "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY is not supported", i);
	/* A profile's includes/excludes (caps, arches, minKernel) hold or not for the final
	 * bounding set: only the rules that hold are compiled (and hashed). */
	r = filter_cond_select(spec_sc, bounding_mask(c->spec), &view);
	if (r < 0)
		return r;
	rules = view.syscalls;
	sc = &view;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	c->seccomp = f;
	r = filter_flags_of(sc, &f->flags, err);
	if (r < 0)
		return r;
#if RTR_SECCOMP_PRECOMPILED
	/* The default profile (bare bundles and every bundle rtr-pull writes) was compiled
	 * at build time: the start path skips libseccomp's milliseconds. */
	if (filter_hash(sc) == rtr_seccomp_default_hash) {
		f->insns = malloc(sizeof(rtr_seccomp_default_bpf));
		if (!f->insns)
			return -ENOMEM;
		memcpy(f->insns, rtr_seccomp_default_bpf, sizeof(rtr_seccomp_default_bpf));
		f->n_insns = ELEMENTSOF(rtr_seccomp_default_bpf);
		return 0;
	}
#endif
	return filter_compile_cached(sc, f, c->spec->ext.seccomp_origin, err);
}

int filter_load(const struct rtr_container *c, struct rtr_err *err)
{
	struct rtr_seccomp_filter *f = c->seccomp;
	struct sock_fprog prog;

	if (!f || f->loaded)
		return 0;
	prog = (struct sock_fprog){.len = f->n_insns, .filter = f->insns};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog) < 0) {
		if (errno == ENOSYS && f->flags == 0 &&
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
			goto done;
		if (errno == EACCES)
			return rtr_err_set(err, EACCES,
					   "seccomp: loading the filter needs noNewPrivileges or "
					   "CAP_SYS_ADMIN");
		return rtr_err_sys(err, errno, "seccomp: loading the filter");
	}
done:
	f->loaded = true;
	return 0;
}

const void *filter_program(const struct rtr_container *c, size_t *ret_n, unsigned *ret_flags)
{
	const struct rtr_seccomp_filter *f = c->seccomp;

	*ret_n = f ? f->n_insns : 0;
	*ret_flags = f ? f->flags : 0;
	return f ? f->insns : NULL;
}

void filter_free(struct rtr_container *c)
{
	if (!c->seccomp)
		return;
	free(c->seccomp->insns);
	free(c->seccomp);
	c->seccomp = NULL;
}

int filter_print_default(void)
{
	struct json_writer *w = json_writer_new(true);
	int r;

	r = profile_write_seccomp(w, profile_caps_mask(), NULL);
	if (r < 0) {
		json_writer_free(w);
		return r;
	}
	return json_writer_write_fd(w, STDOUT_FILENO);
}

/* The default profile as two programs: the one compiled at build time and the one
 * libseccomp compiles from the same profile on this machine now (tests/seccomp-test.c
 * checks they decide alike; cross builds run it under qemu-user).  The build-time one is
 * seccomp-gen.c's ranges, so the instructions differ; what each returns must not. */
int filter_default_programs(struct sock_fprog *ret_pre, struct sock_fprog *ret_now)
{
#if RTR_SECCOMP_PRECOMPILED
	_cleanup_(filter_spec_freep) struct rtr_seccomp *sc = NULL;
	struct rtr_seccomp_filter f = {0};
	struct rtr_err err = {0};
	int r;

	r = default_seccomp(profile_caps_mask(), &sc);
	if (r < 0)
		return r;
	if (filter_hash(sc) != rtr_seccomp_default_hash)
		return -ESTALE;
	r = filter_compile(sc, &f, NULL, &err);
	if (r < 0)
		return r;
	*ret_pre = (struct sock_fprog){.len = ELEMENTSOF(rtr_seccomp_default_bpf),
				       .filter = (struct sock_filter *)rtr_seccomp_default_bpf};
	*ret_now = (struct sock_fprog){.len = f.n_insns, .filter = f.insns};
	return 0;
#else
	*ret_pre = *ret_now = (struct sock_fprog){0};
	return 1;
#endif
}

#ifdef RTR_SECCOMP_GEN
/* ---- rtr-seccomp-gen: the default profile compiled by seccomp-gen.c ----------------------
 *
 * libseccomp compiles the profile as at run time (that program is the fallback and what
 * tests/seccomp-test.c compares with); its rules are recorded on the way and resolved here,
 * per ABI, the way libseccomp resolves them, for seccomp-gen.c to compile again, smaller.
 */
struct gen_rule {
	char *name;
	int nr; /* native */
	uint32_t act;
	unsigned n;
	struct scmp_arg_cmp cmp[SGEN_MAX_CMPS];
};

struct gen_record {
	struct gen_rule *v;
	size_t n;
	uint32_t badarch;
	struct filter_bound_info bound;
};

static int gen_record_add(struct gen_record *rec, const char *name, int nr, uint32_t act,
			  unsigned n, const struct scmp_arg_cmp *cmp)
{
	struct gen_rule *v = realloc(rec->v, (rec->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	rec->v = v;
	if (n > SGEN_MAX_CMPS)
		return -E2BIG;
	v[rec->n] = (struct gen_rule){.name = strdup(name), .nr = nr, .act = act, .n = n};
	if (!v[rec->n].name)
		return -ENOMEM;
	memcpy(v[rec->n].cmp, cmp, n * sizeof(*cmp));
	rec->n++;
	return 0;
}

static void gen_record_free(struct gen_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		free(rec->v[i].name);
	free(rec->v);
}

static void gen_record_end(struct gen_record *rec, scmp_filter_ctx ctx,
			   const struct filter_bound_info *bound)
{
	rec->badarch = SCMP_ACT_KILL;
	(void)seccomp_attr_get(ctx, SCMP_FLTATR_ACT_BADARCH, &rec->badarch);
	rec->bound = *bound;
}

/* The ABIs seccomp-gen.c handles (little-endian all); another build falls back to
 * libseccomp's program.  mux: libseccomp also turns rules on socket and SysV IPC calls into
 * rules on the socketcall(2) and ipc(2) multiplexers there. */
static const struct gen_abi_info {
	uint32_t arch, audit, lo, hi;
	bool wide, mux;
} gen_abis[] = {
    {SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0, X32_SYSCALL_BIT - 1, true, false},
    {SCMP_ARCH_X32, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT, UINT32_MAX, false, false},
    {SCMP_ARCH_X86, AUDIT_ARCH_I386, 0, UINT32_MAX, false, true},
    {SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, 0, UINT32_MAX, true, false},
    {SCMP_ARCH_ARM, AUDIT_ARCH_ARM, 0, UINT32_MAX, false, false},
};

#define X86_IPC_NR 117
static const char gen_mux_socket[] =
    "socket bind connect listen accept getsockname getpeername socketpair send recv sendto "
    "recvfrom shutdown setsockopt getsockopt sendmsg recvmsg accept4 recvmmsg sendmmsg";
static const char gen_mux_ipc[] = "semop semget semctl semtimedop msgsnd msgrcv msgget msgctl "
				  "shmat shmdt shmget shmctl";

static bool gen_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

static void gen_cmp_of(const struct scmp_arg_cmp *c, struct sgen_cmp *ret)
{
	static const enum sgen_op ops[] = {[SCMP_CMP_NE] = SGEN_NE,
					   [SCMP_CMP_LT] = SGEN_LT,
					   [SCMP_CMP_LE] = SGEN_LE,
					   [SCMP_CMP_EQ] = SGEN_EQ,
					   [SCMP_CMP_GE] = SGEN_GE,
					   [SCMP_CMP_GT] = SGEN_GT,
					   [SCMP_CMP_MASKED_EQ] = SGEN_MASKED_EQ};

	*ret = (struct sgen_cmp){.arg = c->arg, .op = ops[c->op]};
	if (c->op == SCMP_CMP_MASKED_EQ) {
		ret->mask = c->datum_a;
		ret->datum = c->datum_b;
	} else
		ret->datum = c->datum_a;
}

/* Is there a rule "@nr with no condition -> @act" among @rules? */
static bool gen_has_open(const struct sgen_rule *rules, size_t n, uint32_t nr, uint32_t act)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].nr == nr && !rules[i].first && rules[i].n_cmps == 0 &&
		    rules[i].action == act)
			return true;
	return false;
}

/* The direct number of a multiplexed call on @arch, which libseccomp's name lookup hides
 * behind a pseudo number (its rules go to both, abi_rule_add()); -1: none. */
static int gen_direct(uint32_t arch, const char *name)
{
	for (int nr = 0; nr < 1024; nr++) {
		char *n = seccomp_syscall_resolve_num_arch(arch, nr);
		bool hit = n && streq(n, name);

		free(n);
		if (hit)
			return nr;
	}
	return -1;
}

/* The number of a recorded rule on @arch, as libseccomp's arch_syscall_translate() finds
 * it: the native number's name, resolved there.  Negative: none. */
static int gen_translate(uint32_t arch, const struct gen_rule *g, const char **ret_name)
{
	static char name[64];
	char *n;
	int nr;

	*ret_name = g->name;
	if (arch == seccomp_arch_native())
		return g->nr;
	n = seccomp_syscall_resolve_num_arch(seccomp_arch_native(), g->nr);
	if (!n)
		return -1;
	snprintf(name, sizeof(name), "%s", n);
	free(n);
	*ret_name = name;
	nr = seccomp_syscall_resolve_name_arch(arch, name);
	return nr == __NR_SCMP_ERROR ? -1 : nr;
}

/* The rules of one ABI; -EOPNOTSUPP when libseccomp would make more of them than
 * seccomp-gen.c models (a multiplexed call whose multiplexer is not open alike). */
static int gen_abi_rules(const struct gen_record *rec, const struct gen_abi_info *info,
			 struct sgen_rule *rules, size_t *ret_n)
{
	const struct filter_bound_info *b = &rec->bound;
	bool prefix = b->def != SCMP_ACT_ALLOW && b->def != SCMP_ACT_LOG;
	size_t n = 0;

	/* filter_prepend_bound()'s socketcall checks, ahead of libseccomp's rules */
	for (int k = 0; info->arch == SCMP_ARCH_X86 && prefix && k < 2; k++)
		if (!(k == 0 ? b->socket_open : b->socketpair_open))
			rules[n++] = (struct sgen_rule){
			    .nr = X86_SOCKETCALL_NR,
			    .action = b->def,
			    .first = true,
			    .n_cmps = 1,
			    .cmps = {{.op = SGEN_EQ,
				      .datum = k == 0 ? SYS_SOCKET_CALL : SYS_SOCKETPAIR_CALL}}};
	for (size_t i = 0; i < rec->n; i++) {
		const char *name;
		int nr = gen_translate(info->arch, &rec->v[i], &name);

		if (nr < 0 && info->mux &&
		    (gen_word_in(gen_mux_socket, name) || gen_word_in(gen_mux_ipc, name)))
			nr = gen_direct(info->arch, name);
		if (nr < 0)
			continue;
		rules[n] = (struct sgen_rule){
		    .nr = (uint32_t)nr, .action = rec->v[i].act, .n_cmps = rec->v[i].n};
		for (unsigned k = 0; k < rec->v[i].n; k++)
			gen_cmp_of(&rec->v[i].cmp[k], &rules[n].cmps[k]);
		n++;
	}
	for (size_t i = 0; info->mux && i < rec->n; i++) {
		const char *name;

		(void)gen_translate(info->arch, &rec->v[i], &name);
		if ((gen_word_in(gen_mux_socket, name) &&
		     !gen_has_open(rules, n, X86_SOCKETCALL_NR, rec->v[i].act)) ||
		    (gen_word_in(gen_mux_ipc, name) &&
		     !gen_has_open(rules, n, X86_IPC_NR, rec->v[i].act)))
			return -EOPNOTSUPP;
	}
	*ret_n = n;
	return 0;
}

/* The recorded profile compiled by seccomp-gen.c into @f. */
static int gen_default(const struct gen_record *rec, struct rtr_seccomp_filter *f)
{
	const struct filter_bound_info *b = &rec->bound;
	bool prefix = b->def != SCMP_ACT_ALLOW && b->def != SCMP_ACT_LOG;
	struct sgen_input in = {
	    .def = b->def, .badarch = rec->badarch, .enosys = SECCOMP_RET_ERRNO | ENOSYS};
	_cleanup_free_ struct sgen_rule *rules = NULL;
	unsigned n;
	int r;

	rules = calloc(b->n_abis * (rec->n + 2), sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_abis; i++) {
		const struct gen_abi_info *info = NULL;
		struct sgen_abi *abi = &in.abis[in.n_abis];
		uint32_t lo, hi;

		for (size_t k = 0; k < ELEMENTSOF(gen_abis); k++)
			if (gen_abis[k].arch == b->abis[i].arch)
				info = &gen_abis[k];
		if (!info || in.n_abis == SGEN_MAX_ABIS)
			return -EOPNOTSUPP;
		in.n_abis++;
		*abi = (struct sgen_abi){.audit = info->audit,
					 .lo = info->lo,
					 .hi = info->hi,
					 .wide = info->wide,
					 .enosys_lo = 1,
					 .enosys_hi = 0,
					 .rules = rules + i * (rec->n + 2)};
		if (prefix && b->abis[i].max_nr >= 0) {
			(void)bound_range(info->arch, b->abis[i].max_nr, &lo, &hi);
			abi->enosys_lo = lo + 1;
			abi->enosys_hi = hi ? hi - 1 : UINT32_MAX;
		}
		r = gen_abi_rules(rec, info, (struct sgen_rule *)abi->rules, &abi->n_rules);
		if (r < 0)
			return r;
	}
	r = sgen_program(&in, &f->insns, &n);
	if (r < 0)
		return r;
	f->n_insns = (unsigned short)n;
	return 0;
}

static int gen_cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The default profile's names this libseccomp knows, sorted: filter-names.c answers them
 * without loading the library at run time. */
static int gen_known_names(FILE *out)
{
	_cleanup_(strv_freep) char **all = calloc(1, sizeof(char *));
	size_t n = 0;
	int r;

	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < profile_n_seccomp_rules; i++) {
		_cleanup_(strv_freep) char **names = NULL;

		r = split_names(profile_seccomp_rules[i].names, &names);
		if (r < 0)
			return r;
		for (size_t j = 0; names[j]; j++)
			if (filter_syscall_known(names[j]) && (r = strv_push(&all, names[j])) < 0)
				return r;
	}
	while (all[n])
		n++;
	qsort(all, n, sizeof(char *), gen_cmp_name);
	fprintf(out, "static const char *const rtr_seccomp_known_names[] = {\n");
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
			fprintf(out, "\t\"%s\",\n", all[i]);
	fprintf(out, "};\n");
	return 0;
}

/* Build-time generator of seccomp-default.h: the default profile for Docker's capability
 * set on this architecture, compiled by seccomp-gen.c (libseccomp's compile where that
 * cannot: another architecture). */
int main(int argc, char **argv)
{
	_cleanup_(filter_spec_freep) struct rtr_seccomp *sc = NULL;
	_cleanup_(gen_record_free) struct gen_record rec = {0};
	struct rtr_seccomp_filter f = {0}, own = {0};
	struct rtr_err err = {0};
	FILE *out;
	int r;

	if (argc != 2)
		return 2;
	r = default_seccomp(profile_caps_mask(), &sc);
	if (r >= 0)
		r = filter_compile(sc, &f, &rec, &err);
	if (r < 0) {
		fprintf(stderr, "rtr-seccomp-gen: %s\n", err.code ? err.msg : strerror(-r));
		return 1;
	}
	r = gen_default(&rec, &own);
	if (r < 0)
		fprintf(stderr, "rtr-seccomp-gen: keeping libseccomp's program: %s\n",
			strerror(-r));
	else {
		free(f.insns);
		f = own;
	}
	out = fopen(argv[1], "we");
	if (!out)
		return 1;
	fprintf(out,
		"/* Generated by rtr-seccomp-gen from runner/lib/profile.c: do not edit. */\n"
		"#pragma once\n#define RTR_SECCOMP_PRECOMPILED 1\n"
		"#ifndef RTR_SECCOMP_NAMES_ONLY\n"
		"static const uint64_t rtr_seccomp_default_hash = UINT64_C(0x%016llx);\n"
		"static const struct sock_filter rtr_seccomp_default_bpf[] = {\n",
		(unsigned long long)filter_hash(sc));
	for (unsigned i = 0; i < f.n_insns; i++)
		fprintf(out, "\t{ 0x%04x, %u, %u, 0x%08x },\n", f.insns[i].code, f.insns[i].jt,
			f.insns[i].jf, f.insns[i].k);
	fprintf(out, "};\n#endif\n");
	r = gen_known_names(out);
	if (r < 0)
		return 1;
	free(f.insns);
	return fclose(out) == 0 ? 0 : 1;
}
#endif
