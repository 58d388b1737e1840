/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "filter-names.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "seccomp-dl.h"
#include "spec.h"
#ifndef RTR_SECCOMP_GEN
#define RTR_SECCOMP_NAMES_ONLY
#include "seccomp-default.h" /* generated: the default profile's names libseccomp knew */
#endif

static const struct {
	const char *name;
	uint32_t action;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

static const struct {
	const char *name;
	int op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* Every flag the OCI spec names; only three change the filter rtr loads. */
static const struct {
	const char *name;
	unsigned int flag;
} flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_NEW_LISTENER", 0},
    {"SECCOMP_FILTER_FLAG_TSYNC_ESRCH", 0},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0},
};

int filter_action_from_name(const char *name, uint32_t *ret_action)
{
	for (size_t i = 0; i < ELEMENTSOF(actions); i++)
		if (streq(name, actions[i].name)) {
			*ret_action = actions[i].action;
			return 0;
		}
	return -EINVAL;
}

int filter_op_from_name(const char *name, int *ret_op)
{
	for (size_t i = 0; i < ELEMENTSOF(ops); i++)
		if (streq(name, ops[i].name)) {
			*ret_op = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

int filter_flag_from_name(const char *name, unsigned int *ret_flag)
{
	for (size_t i = 0; i < ELEMENTSOF(flags); i++)
		if (streq(name, flags[i].name)) {
			*ret_flag = flags[i].flag;
			return 0;
		}
	return -EINVAL;
}

/* The architectures libseccomp 2.5 names, so that parsing a profile needs no library;
 * another name is asked of libseccomp (loaded for it). */
static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
    {"x86", SCMP_ARCH_X86},
    {"x86_64", SCMP_ARCH_X86_64},
    {"x32", SCMP_ARCH_X32},
    {"arm", SCMP_ARCH_ARM},
    {"aarch64", SCMP_ARCH_AARCH64},
    {"mips", SCMP_ARCH_MIPS},
    {"mips64", SCMP_ARCH_MIPS64},
    {"mips64n32", SCMP_ARCH_MIPS64N32},
    {"mipsel", SCMP_ARCH_MIPSEL},
    {"mipsel64", SCMP_ARCH_MIPSEL64},
    {"mipsel64n32", SCMP_ARCH_MIPSEL64N32},
    {"ppc", SCMP_ARCH_PPC},
    {"ppc64", SCMP_ARCH_PPC64},
    {"ppc64le", SCMP_ARCH_PPC64LE},
    {"s390", SCMP_ARCH_S390},
    {"s390x", SCMP_ARCH_S390X},
    {"parisc", SCMP_ARCH_PARISC},
    {"parisc64", SCMP_ARCH_PARISC64},
    {"riscv64", SCMP_ARCH_RISCV64},
};

int filter_arch_from_name(const char *name, uint32_t *ret_arch)
{
	const char *a = name ? startswith(name, "SCMP_ARCH_") : NULL;
	char lower[32];
	size_t n;
	uint32_t v;

	if (!a || !*a || (n = strlen(a)) >= sizeof(lower))
		return -EINVAL;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)((a[i] >= 'A' && a[i] <= 'Z') ? a[i] + 32 : a[i]);
	for (size_t i = 0; i < ELEMENTSOF(arches); i++)
		if (streq(lower, arches[i].name)) {
			*ret_arch = arches[i].arch;
			return 0;
		}
	v = seccomp_dl_available() ? seccomp_arch_resolve_name(lower) : 0;
	if (v == 0)
		return -EINVAL;
	*ret_arch = v;
	return 0;
}

#if !defined(RTR_SECCOMP_GEN) && RTR_SECCOMP_PRECOMPILED
static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}
#endif

/* A name the build's libseccomp knew (the default profile's, listed by the generator) stays
 * known: libseccomp never forgets one, and the start path needs no library for them. */
bool filter_syscall_known(const char *name)
{
	if (!name)
		return false;
#if !defined(RTR_SECCOMP_GEN) && RTR_SECCOMP_PRECOMPILED
	if (bsearch(&name, rtr_seccomp_known_names, ELEMENTSOF(rtr_seccomp_known_names),
		    sizeof(rtr_seccomp_known_names[0]), cmp_name))
		return true;
#endif
	return seccomp_dl_available() && seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

int filter_kernel_version(const char *s, uint32_t *ret_version)
{
	unsigned long major, minor;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	major = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9' || major > 0xffff || errno)
		return -EINVAL;
	minor = strtoul(end + 1, &end, 10);
	if (minor > 0xffff || errno || (*end && *end != '.' && *end != '-' && *end != '+'))
		return -EINVAL;
	*ret_version = (uint32_t)(major << 16 | minor);
	return 0;
}

void filter_spec_free(struct rtr_seccomp *sc)
{
	if (!sc)
		return;
	strv_free(sc->architectures);
	strv_free(sc->flags);
	free(sc->listener_path);
	free(sc->listener_metadata);
	for (size_t i = 0; sc->syscalls && i < sc->n_syscalls; i++) {
		strv_free(sc->syscalls[i].names);
		free(sc->syscalls[i].args);
		strv_free(sc->syscalls[i].includes.arches);
		strv_free(sc->syscalls[i].excludes.arches);
	}
	free(sc->syscalls);
	free(sc);
}
