/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "filter-names.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "spec.h"

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
	v = seccomp_arch_resolve_name(lower);
	if (v == 0)
		return -EINVAL;
	*ret_arch = v;
	return 0;
}

bool filter_syscall_known(const char *name)
{
	return name && seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
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
