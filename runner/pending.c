/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TEMPORARY: stand-ins for module functions that are not written yet, so rtr-run links at
 * every commit.  When your module lands, DELETE your functions from this file in the same
 * commit (a duplicate symbol at link time reminds you).  When the file is empty, remove it
 * and its line in meson.build.
 */
#include <errno.h>

#include "modules.h"

/* spec.c (spec engineer) */
int spec_parse(const char *buf, size_t len, struct rtr_spec **ret, struct rtr_err *err)
{
	return rtr_err_set(err, ENOSYS, "config.json parser not built yet");
}
int spec_load(int bundle_dirfd, struct rtr_spec **ret, struct rtr_err *err)
{
	return rtr_err_set(err, ENOSYS, "config.json parser not built yet");
}
void spec_free(struct rtr_spec *s)
{
}
const char *spec_annotation(const struct rtr_spec *s, const char *key)
{
	return NULL;
}
const char *spec_ns_name(enum rtr_ns_type t)
{
	static const char *const n[] = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup",
					 "time" };
	return (unsigned)t < _RTR_NS_MAX ? n[t] : NULL;
}
int spec_ns_clone_flag(enum rtr_ns_type t)
{
	static const int f[] = { 0x20000000, 0x40000000, 0x00020000, 0x08000000,
				 0x04000000, 0x10000000, 0x02000000, 0x00000080 };
	return (unsigned)t < _RTR_NS_MAX ? f[t] : 0;
}
const char *spec_hook_name(enum rtr_hook_kind k)
{
	static const char *const n[] = { "prestart", "createRuntime", "createContainer",
					 "startContainer", "poststart", "poststop" };
	return (unsigned)k < _RTR_HOOK_MAX ? n[k] : NULL;
}
int spec_parse_seccomp(const char *buf, size_t len, struct rtr_seccomp **ret,
		       struct rtr_err *err)
{
	return rtr_err_set(err, ENOSYS, "seccomp profile parser not built yet");
}
