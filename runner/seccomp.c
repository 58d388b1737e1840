/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <seccomp.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "modules.h"

static const struct {
	const char *name;
	uint32_t action;
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

static const struct {
	const char *name;
	int op;
} ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },	  { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },	  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },	  { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
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

int filter_arch_from_name(const char *name, uint32_t *ret_arch)
{
	_cleanup_free_ char *lower = NULL;
	const char *a = name ? startswith(name, "SCMP_ARCH_") : NULL;
	uint32_t v;

	if (!a || !*a)
		return -EINVAL;
	lower = strdup(a);
	if (!lower)
		return -ENOMEM;
	for (char *p = lower; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
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
