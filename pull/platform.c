/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

static void set(struct rtr_platform *p, const char *os, const char *arch, const char *variant)
{
	snprintf(p->os, sizeof(p->os), "%.31s", os);
	snprintf(p->arch, sizeof(p->arch), "%.31s", arch);
	snprintf(p->variant, sizeof(p->variant), "%.15s", variant ? variant : "");
}

void platform_host(struct rtr_platform *ret)
{
	/* Names inline, not pointers: no relocation a row. */
	static const struct {
		char machine[9], arch[8], variant[3];
	} map[] = {
	    {"x86_64", "amd64", ""},  {"aarch64", "arm64", ""},	  {"armv7l", "arm", "v7"},
	    {"armv6l", "arm", "v6"},  {"armv5tel", "arm", "v5"},  {"i686", "386", ""},
	    {"i586", "386", ""},      {"i386", "386", ""},	  {"mips", "mips", ""},
	    {"mipsel", "mipsle", ""}, {"mips64", "mips64", ""},	  {"ppc64le", "ppc64le", ""},
	    {"s390x", "s390x", ""},   {"riscv64", "riscv64", ""},
	};
	struct utsname u;

	set(ret, "linux", "amd64", NULL);
	if (uname(&u) < 0)
		return;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (streq(u.machine, map[i].machine)) {
			set(ret, "linux", map[i].arch, map[i].variant);
			return;
		}
	set(ret, "linux", u.machine, NULL);
}

static bool word_ok(const char *s, size_t n, size_t max)
{
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int platform_parse(const char *s, struct rtr_platform *ret, struct rtr_err *e)
{
	const char *a = strchr(s, '/'), *v;
	size_t on, an, vn = 0;

	if (!a)
		return rtr_err_set(e, EINVAL, "--platform %s: expected os/arch[/variant]", s);
	on = a - s;
	a++;
	v = strchr(a, '/');
	an = v ? (size_t)(v - a) : strlen(a);
	if (v)
		vn = strlen(++v);
	if (!word_ok(s, on, sizeof(ret->os)) || !word_ok(a, an, sizeof(ret->arch)) ||
	    (v && !word_ok(v, vn, sizeof(ret->variant))))
		return rtr_err_set(e, EINVAL, "--platform %s: expected os/arch[/variant]", s);
	*ret = (struct rtr_platform){};
	memcpy(ret->os, s, on);
	memcpy(ret->arch, a, an);
	if (v)
		memcpy(ret->variant, v, vn);
	return 0;
}

int platform_from_arch(const char *s, struct rtr_platform *ret, struct rtr_err *e)
{
	_cleanup_free_ char *full = NULL;

	if (streq(s, "arm"))
		s = "arm/v7";
	else if (streq(s, "x86"))
		s = "amd64";
	full = xasprintf("linux/%s", s);
	if (!full)
		return -ENOMEM;
	if (platform_parse(full, ret, NULL) < 0)
		return rtr_err_set(e, EINVAL,
				   "--arch %s: unknown architecture (arm, arm64, x86, "
				   "or an OCI name such as amd64, arm/v6, mipsle)",
				   s);
	return 0;
}

bool platform_match(const struct rtr_platform *want, const char *os, const char *arch,
		    const char *variant)
{
	const char *wv = want->variant;

	if (!streq(os, want->os) || !streq(arch, want->arch))
		return false;
	if (streq(arch, "arm64")) {
		if (streq(wv, "v8"))
			wv = "";
		if (streq(variant, "v8"))
			variant = NULL;
	}
	if (!*wv || !variant || !*variant)
		return true;
	return streq(wv, variant);
}

const char *platform_format(const struct rtr_platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os, p->arch, *p->variant ? "/" : "", p->variant);
	return buf;
}
