/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* libseccomp, loaded only when rtr-run must compile a filter (a profile neither built in
 * nor in the compiled-filter cache) or resolve a name its own tables lack: most starts never
 * map it.  With -Dseccomp_dlopen=false (static builds: they cannot dlopen) it is linked and
 * seccomp_dl_load() does nothing.  Include this instead of <seccomp.h>; call
 * seccomp_dl_load() before any seccomp_*() function. */

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/log.h"

#define RTR_LIBSECCOMP_SONAME "libseccomp.so.2"

/* 0, or -ENOPKG with @err naming libseccomp.so.2 and why it could not be loaded. */
int seccomp_dl_load(struct rtr_err *err);
/* The library is usable (loading it if needed); no message. */
bool seccomp_dl_available(void);

#if RTR_SECCOMP_DLOPEN
struct seccomp_dl_fns {
	__typeof__(&seccomp_init) init;
	__typeof__(&seccomp_release) release;
	__typeof__(&seccomp_arch_add) arch_add;
	__typeof__(&seccomp_arch_native) arch_native;
	__typeof__(&seccomp_arch_resolve_name) arch_resolve_name;
	__typeof__(&seccomp_attr_get) attr_get;
	__typeof__(&seccomp_attr_set) attr_set;
	__typeof__(&seccomp_export_bpf) export_bpf;
	__typeof__(&seccomp_rule_add_array) rule_add_array;
	__typeof__(&seccomp_syscall_resolve_name) syscall_resolve_name;
	__typeof__(&seccomp_syscall_resolve_name_arch) syscall_resolve_name_arch;
	__typeof__(&seccomp_syscall_resolve_num_arch) syscall_resolve_num_arch;
	__typeof__(&seccomp_version) version;
};
extern struct seccomp_dl_fns seccomp_dl;

#define seccomp_init seccomp_dl.init
#define seccomp_release seccomp_dl.release
#define seccomp_arch_add seccomp_dl.arch_add
#define seccomp_arch_native seccomp_dl.arch_native
#define seccomp_arch_resolve_name seccomp_dl.arch_resolve_name
#define seccomp_attr_get seccomp_dl.attr_get
#define seccomp_attr_set seccomp_dl.attr_set
#define seccomp_export_bpf seccomp_dl.export_bpf
#define seccomp_rule_add_array seccomp_dl.rule_add_array
#define seccomp_syscall_resolve_name seccomp_dl.syscall_resolve_name
#define seccomp_syscall_resolve_name_arch seccomp_dl.syscall_resolve_name_arch
#define seccomp_syscall_resolve_num_arch seccomp_dl.syscall_resolve_num_arch
#define seccomp_version seccomp_dl.version
#endif

/* What identifies the libseccomp a compile would use, for the compiled-filter cache's key:
 * the build-time version and the library file's device, inode, size and mtime.  -ENOENT
 * when the file cannot be found (no cache then). */
int seccomp_dl_identity(uint64_t ret[7]);
