/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Platform choice in a Docker manifest list or an OCI image index, shared by the registry
 * and the OCI-layout sources.  The host's platform by default; --platform os/arch[/variant];
 * --arch also takes RouterOS's names (arm -> linux/arm/v7, arm64 -> linux/arm64,
 * x86 -> linux/amd64).
 */

#include <stdbool.h>
#include <stddef.h>

#include "runner/lib/log.h"

struct rtr_platform {
	char os[32];
	char arch[32];
	char variant[16]; /* "" when none */
};

/* The platform this binary runs on (uname machine mapped to OCI names). */
void platform_host(struct rtr_platform *ret);
/* "os/arch[/variant]"; -EINVAL with @e filled when malformed. */
int platform_parse(const char *s, struct rtr_platform *ret, struct rtr_err *e);
/* --arch: RouterOS names (arm, arm64, x86) or OCI architectures (amd64, arm/v6, ...). */
int platform_from_arch(const char *s, struct rtr_platform *ret, struct rtr_err *e);
/* Does an index entry (os, arch, variant may be NULL) satisfy @want?  arm64's "v8" equals
 * no variant; an entry without a variant matches any wanted variant of its arch. */
bool platform_match(const struct rtr_platform *want, const char *os, const char *arch,
		    const char *variant);
/* "linux/arm/v7" into @buf. */
const char *platform_format(const struct rtr_platform *p, char *buf, size_t size);
