/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "seccomp-dl.h"

#if RTR_SECCOMP_DLOPEN
struct seccomp_dl_fns seccomp_dl;

static const struct {
	const char *name;
	size_t off;
} fn_names[] = {
#define FN(f)                                                                                      \
	{                                                                                          \
		"seccomp_" #f, offsetof(struct seccomp_dl_fns, f)                                  \
	}
    FN(init),
    FN(release),
    FN(arch_add),
    FN(arch_native),
    FN(arch_resolve_name),
    FN(attr_get),
    FN(attr_set),
    FN(export_bpf),
    FN(rule_add_array),
    FN(syscall_resolve_name),
    FN(syscall_resolve_name_arch),
    FN(syscall_resolve_num_arch),
    FN(version),
#undef FN
};

static void *handle;

static int dl_open(const char **ret_why)
{
	static int state; /* 0: not tried, 1: loaded, <0: failed */
	static char why[256];
	void *h;

	if (state) {
		*ret_why = why;
		return state > 0 ? 0 : state;
	}
	h = dlopen(RTR_LIBSECCOMP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof(why), "%s (install libseccomp2)", dlerror());
		*ret_why = why;
		return state = -ENOPKG;
	}
	for (size_t i = 0; i < ELEMENTSOF(fn_names); i++) {
		void *sym = dlsym(h, fn_names[i].name);

		if (!sym) {
			snprintf(why, sizeof(why), "%s: no %s (libseccomp 2.5 or later needed)",
				 RTR_LIBSECCOMP_SONAME, fn_names[i].name);
			*ret_why = why;
			dlclose(h);
			memset(&seccomp_dl, 0, sizeof(seccomp_dl));
			return state = -ENOPKG;
		}
		memcpy((char *)&seccomp_dl + fn_names[i].off, &sym, sizeof(sym));
	}
	handle = h;
	state = 1;
	return 0;
}

int seccomp_dl_load(struct rtr_err *err)
{
	const char *why = "";
	int r = dl_open(&why);

	if (r < 0)
		return rtr_err_set(err, -r,
				   "compiling this profile needs %s, which could not be loaded: %s",
				   RTR_LIBSECCOMP_SONAME, why);
	return 0;
}

bool seccomp_dl_available(void)
{
	const char *why;

	return dl_open(&why) == 0;
}

/* The file dlopen() loads: where the build found the library (pkg-config's libdir), else,
 * when the host keeps it elsewhere, the path ld.so resolved once it is loaded. */
static int lib_stat(struct stat *st)
{
	struct link_map *lm = NULL;

	if (stat(RTR_LIBSECCOMP_PATH, st) == 0)
		return 0;
	if (!seccomp_dl_available() || dlinfo(handle, RTLD_DI_LINKMAP, &lm) < 0 || !lm ||
	    !lm->l_name || stat(lm->l_name, st) < 0)
		return -ENOENT;
	return 0;
}
#else
int seccomp_dl_load(struct rtr_err *err)
{
	(void)err;
	return 0;
}

bool seccomp_dl_available(void)
{
	return true;
}

/* Linked in: the file that holds seccomp_init.  Static (no such file, or dladdr() a stub):
 * the library is part of the program, whose build id the key holds already. */
static int lib_stat(struct stat *st)
{
	Dl_info info;

	if (dladdr((void *)seccomp_init, &info) == 0 || !info.dli_fname ||
	    stat(info.dli_fname, st) < 0)
		memset(st, 0, sizeof(*st));
	return 0;
}
#endif

int seccomp_dl_identity(uint64_t ret[7])
{
	struct stat st;
	int r = lib_stat(&st);

	/* The headers' version says which libseccomp rtr-run was built against; the file's
	 * identity changes with every upgrade of the library (a new inode, size or mtime)
	 * without loading it to ask seccomp_version(). */
	ret[0] = SCMP_VER_MAJOR;
	ret[1] = SCMP_VER_MINOR;
	ret[2] = SCMP_VER_MICRO;
	ret[3] = r == 0 ? (uint64_t)st.st_dev : 0;
	ret[4] = r == 0 ? (uint64_t)st.st_ino : 0;
	ret[5] = r == 0 ? (uint64_t)st.st_size : 0;
	ret[6] =
	    r == 0 ? (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec : 0;
	return r;
}
