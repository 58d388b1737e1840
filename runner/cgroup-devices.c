/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device access of the container: v1 devices.allow/deny rules, or on cgroup v2 a
 * BPF_PROG_TYPE_CGROUP_DEVICE program built from the same rules (no libbpf: the program is
 * a few instructions per rule, assembled here).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <unistd.h>

#include "cgroup-limits.h"
#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"

/* Device nodes every container gets (the OCI default devices, /dev/pts, /dev/net/tun). */
static const struct rtr_device_rule default_devices[] = {
    {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},	   {true, 'c', 1, 3, "rwm"},
    {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 7, "rwm"},	   {true, 'c', 1, 8, "rwm"},
    {true, 'c', 1, 9, "rwm"}, {true, 'c', 5, 0, "rwm"},	   {true, 'c', 5, 1, "rwm"},
    {true, 'c', 5, 2, "rwm"}, {true, 'c', 136, -1, "rwm"},
};

/* A linux.devices entry gets "rwm" unless the spec already has a rule for exactly that
 * node: then the rule's access is what was asked (--device /dev/x:r stays read-only). */
static bool rule_names_device(const struct rtr_resources *res, const struct rtr_device *d)
{
	char type = d->type == 'u' ? 'c' : d->type;

	for (size_t i = 0; i < res->n_devices; i++)
		if (res->devices[i].type == type && res->devices[i].major == d->major &&
		    res->devices[i].minor == d->minor)
			return true;
	return false;
}

static int v1_device_rule(int fd, const struct rtr_device_rule *d, struct rtr_err *err)
{
	char v[64], maj[24] = "*", min[24] = "*";
	int r;

	if (d->type == 'a') {
		snprintf(v, sizeof(v), "a");
	} else {
		if (d->major >= 0)
			snprintf(maj, sizeof(maj), "%lld", (long long)d->major);
		if (d->minor >= 0)
			snprintf(min, sizeof(min), "%lld", (long long)d->minor);
		snprintf(v, sizeof(v), "%c %s:%s %s", d->type, maj, min,
			 d->access[0] ? d->access : "rwm");
	}
	/* one rule per write(2): the file stays open across rules */
	r = write_all(fd, v, strlen(v));
	if (r < 0)
		return rtr_err_sys(err, -r, "linux.resources.devices: devices.%s '%s'",
				   d->allow ? "allow" : "deny", v);
	return 0;
}

/* ---- cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program ---------------------------------- */

/* The rules in effect, in order: deny all, the spec's rules, the spec's devices, then the
 * defaults (runc's order: a spec rule cannot take the default nodes away).  Later rules
 * win, as with v1's devices.allow/deny writes. */
static size_t effective_rules(const struct rtr_container *c, struct rtr_device_rule *out,
			      size_t max)
{
	const struct rtr_resources *res = &c->spec->lx.resources;
	const struct rtr_linux *lx = &c->spec->lx;
	size_t n = 0;

	out[n++] = (struct rtr_device_rule){false, 'a', -1, -1, "rwm"};
	for (size_t i = 0; i < res->n_devices && n < max; i++)
		out[n++] = res->devices[i];
	for (size_t i = 0; i < lx->n_devices && n < max; i++) {
		const struct rtr_device *d = &lx->devices[i];

		if (d->type == 'p' || rule_names_device(res, d))
			continue;
		out[n++] = (struct rtr_device_rule){true, d->type == 'u' ? 'c' : d->type, d->major,
						    d->minor, "rwm"};
	}
	for (size_t i = 0; i < ELEMENTSOF(default_devices) && n < max; i++)
		out[n++] = default_devices[i];
	return n;
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

static unsigned access_bits(const char *a)
{
	unsigned m = 0;

	for (; a && *a; a++)
		m |= *a == 'm'	 ? BPF_DEVCG_ACC_MKNOD
		     : *a == 'r' ? BPF_DEVCG_ACC_READ
		     : *a == 'w' ? BPF_DEVCG_ACC_WRITE
				 : 0;
	return m ? m : BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
}

/*
 * r2 = device type, r3 = requested access, r4 = major, r5 = minor.  Rules are tested
 * last first; the first that matches decides (so a later rule overrides an earlier one,
 * and an "a" rule hides everything before it).  An allow rule matches when it grants all
 * requested access, a deny rule when it covers any of it.  Nothing matched: deny.
 */
static size_t build_prog(const struct rtr_device_rule *r, size_t n, struct bpf_insn *p)
{
	size_t k = 0;

	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 0, 0);
	p[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0);
	p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0);
	for (size_t i = n; i-- > 0;) {
		struct bpf_insn blk[12];
		size_t b = 0, jumps[6], nj = 0;
		unsigned acc = access_bits(r[i].access);
		bool full = acc == (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);

		if (r[i].type != 'a') {
			jumps[nj++] = b;
			blk[b++] =
			    INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0,
				 r[i].type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
			if (!full) {
				blk[b++] = INSN(BPF_ALU | BPF_MOV | BPF_X, 0, 3, 0, 0);
				if (r[i].allow) {
					/* requested bits outside the rule: no match */
					blk[b++] =
					    INSN(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, ~acc & 7);
					jumps[nj++] = b;
					blk[b++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 0, 0);
				} else {
					blk[b++] = INSN(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, acc);
					jumps[nj++] = b;
					blk[b++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
				}
			}
			if (r[i].major >= 0) {
				jumps[nj++] = b;
				blk[b++] =
				    INSN(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)r[i].major);
			}
			if (r[i].minor >= 0) {
				jumps[nj++] = b;
				blk[b++] =
				    INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)r[i].minor);
			}
		}
		blk[b++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r[i].allow ? 1 : 0);
		blk[b++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		for (size_t j = 0; j < nj; j++)
			blk[jumps[j]].off = (int16_t)(b - jumps[j] - 1);
		memcpy(p + k, blk, b * sizeof(*blk));
		k += b;
		if (r[i].type == 'a')
			return k; /* everything before is unreachable */
	}
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return k;
}

static int v2_devices(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_linux *lx = &c->spec->lx;
	size_t max = 1 + lx->resources.n_devices + lx->n_devices + ELEMENTSOF(default_devices);
	_cleanup_free_ struct rtr_device_rule *rules = NULL;
	_cleanup_free_ struct bpf_insn *prog = NULL;
	_cleanup_close_ int pfd = -1;
	union bpf_attr attr;
	size_t n, len;

	if (max > 4096)
		return rtr_err_set(err, E2BIG, "linux.resources.devices: too many rules");
	rules = calloc(max, sizeof(*rules));
	prog = calloc(8 + max * 12, sizeof(*prog));
	if (!rules || !prog)
		return -ENOMEM;
	n = effective_rules(c, rules, max);
	len = build_prog(rules, n, prog);

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)len;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (pfd < 0)
		return rtr_err_sys(err, errno,
				   "linux.resources.devices: loading the cgroup v2 device program");
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cg->v2fd;
	attr.attach_bpf_fd = (uint32_t)pfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
		return rtr_err_sys(err, errno,
				   "linux.resources.devices: attaching the device program");
	return 0; /* the attachment keeps the program; it goes with the cgroup */
}

static bool same_rule(const struct rtr_device_rule *a, const struct rtr_device_rule *b)
{
	return a->allow == b->allow && a->type == b->type && a->major == b->major &&
	       a->minor == b->minor && streq(a->access, b->access);
}

/* Rule @i allows what an equal rule since @first already allowed, with no deny between:
 * its write would change nothing (v1 merges allow exceptions).  The spec's rules often
 * repeat the defaults, and each write costs a syscall at every start. */
static bool v1_rule_in_effect(const struct rtr_device_rule *r, size_t first, size_t i)
{
	if (!r[i].allow)
		return false;
	for (size_t j = i; j-- > first;) {
		if (!r[j].allow)
			return false;
		if (same_rule(&r[j], &r[i]))
			return true;
	}
	return false;
}

/* v1: the same rules as devices.allow / devices.deny writes, from the last "a" rule on
 * (a write of "a" resets the list, so the rules before it have no effect). */
int cg_apply_devices(struct rtr_container *c, struct rtr_cgroup *cg, struct rtr_err *err)
{
	const struct rtr_linux *lx = &c->spec->lx;
	size_t max = 1 + lx->resources.n_devices + lx->n_devices + ELEMENTSOF(default_devices);
	_cleanup_free_ struct rtr_device_rule *rules = NULL;
	_cleanup_close_ int allow = -1, deny = -1;
	const char *e = getenv("RTR_CGROUP_BPF_DEVICES");
	bool v1 = cg_where(&cg->h, CG_DEVICES) == CG_DEVICES;
	size_t n, first = 0;
	int r;

	/* No v1 controller: the BPF program.  Hybrid hosts: v1 rules, and on request
	 * (RTR_CGROUP_BPF_DEVICES=1) the program as well, as an independent second check. */
	if (cg->v2fd >= 0 && (!v1 || (e && streq(e, "1")))) {
		r = v2_devices(c, cg, err);
		if (r < 0 || !v1)
			return r;
	}
	if (!v1)
		return rtr_err_set(err, EOPNOTSUPP,
				   "linux.resources.devices: no devices controller and no cgroup "
				   "v2 tree on this host");
	if (max > 4096)
		return rtr_err_set(err, E2BIG, "linux.resources.devices: too many rules");
	rules = calloc(max, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	n = effective_rules(c, rules, max);
	for (size_t i = 0; i < n; i++)
		if (rules[i].type == 'a')
			first = i;
	allow = openat(cg->fd[CG_DEVICES], "devices.allow", O_WRONLY | O_CLOEXEC);
	deny = openat(cg->fd[CG_DEVICES], "devices.deny", O_WRONLY | O_CLOEXEC);
	if (allow < 0 || deny < 0)
		return rtr_err_sys(err, errno, "linux.resources.devices: devices.allow/deny");
	for (size_t i = first; i < n; i++) {
		if (v1_rule_in_effect(rules, first, i))
			continue;
		r = v1_device_rule(rules[i].allow ? allow : deny, &rules[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
