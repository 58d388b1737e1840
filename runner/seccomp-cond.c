/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "lib/profile.h"
#include "lib/util.h"
#include "filter-names.h"
#include "seccomp-cond.h"

void filter_cond_host(struct rtr_seccomp_host *ret)
{
	const char *const *native = profile_seccomp_arches(NULL);
	struct utsname u;

	ret->native = native ? native[0] : NULL;
	if (uname(&u) < 0 || filter_kernel_version(u.release, &ret->kernel) < 0)
		ret->kernel = UINT32_MAX; /* unknown: as new as can be */
}

/* Docker compares with its GOARCH: a listed Go name is ours when its native seccomp
 * architecture is this build's ("x32", "x86" never are, as in Docker). */
static bool arch_listed(char *const *arches, const char *native)
{
	for (size_t i = 0; native && arches && arches[i]; i++) {
		const char *const *a = profile_seccomp_arches(arches[i]);

		if (a && streq(a[0], native))
			return true;
	}
	return false;
}

bool filter_cond_holds(const struct rtr_seccomp_syscall *sy, uint64_t bounding,
		       const struct rtr_seccomp_host *host)
{
	const struct rtr_seccomp_cond *in = &sy->includes, *ex = &sy->excludes;

	if (arch_listed(ex->arches, host->native) || (ex->caps & bounding) ||
	    (ex->min_kernel && host->kernel >= ex->min_kernel))
		return false;
	if (in->arches && in->arches[0] && !arch_listed(in->arches, host->native))
		return false;
	if (in->unknown_cap || (in->caps & bounding) != in->caps)
		return false;
	return !in->min_kernel || host->kernel >= in->min_kernel;
}

int filter_cond_select(const struct rtr_seccomp *sc, uint64_t bounding, struct rtr_seccomp *ret)
{
	struct rtr_seccomp_host host;

	filter_cond_host(&host);
	*ret = *sc;
	ret->n_syscalls = 0;
	ret->syscalls = calloc(sc->n_syscalls ? sc->n_syscalls : 1, sizeof(*ret->syscalls));
	if (!ret->syscalls)
		return -ENOMEM;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (filter_cond_holds(&sc->syscalls[i], bounding, &host))
			ret->syscalls[ret->n_syscalls++] = sc->syscalls[i];
	return 0;
}
