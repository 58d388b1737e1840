/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * rtr's default security profile, in one place: what a bare bundle gets from rtr-run and
 * what rtr-pull writes into every bundle it makes.  It matches what Docker users expect:
 * Docker's default capability set, masked and read-only /proc and /sys paths, a device
 * cgroup allowlist and a seccomp allowlist equivalent to Docker's default profile.
 *
 * The tables hold names (as OCI writes them), not libcap/libseccomp numbers, so this file
 * links into rtr-pull without those libraries; runner/caps.c and runner/seccomp.c resolve
 * them.  Seccomp rules may depend on the container's capabilities (e.g. ptrace only with
 * CAP_SYS_PTRACE, clone with namespace flags only with CAP_SYS_ADMIN); OCI JSON has no
 * such conditions, so the profile is resolved against a capability mask (bit N = CAP
 * number N) when it is written or applied.
 *
 * Deliberate differences from Docker (each safer): ptrace, process_vm_readv/writev need
 * CAP_SYS_PTRACE (Docker allows them on kernels >= 4.8); mknod/mknodat of block devices
 * is refused by seccomp; the device cgroup allowlist has no "b *:* m" and no /dev/net/tun
 * (pass it with --device).  Two rules are not in these tables but in every filter
 * runner/seccomp.c compiles (see filter_prepend_bound there): syscalls newer than the profile
 * fail with ENOSYS, and on the i386 ABI socketcall() cannot create the sockets socket()
 * may not.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_writer;

/* NULL-terminated lists. */
/* Lists of words in one string each, "a\0b\0" ending at an empty word: no table of
 * pointers, each with its relocation. */
extern const char profile_caps[];	    /* "CAP_CHOWN", ... */
extern const char profile_masked_paths[];   /* "/proc/kcore", ... */
extern const char profile_readonly_paths[]; /* "/proc/sys", ... */

/* linux.resources.devices: deny all, then allow the default devices. */
struct profile_device_rule {
	bool allow;
	char type;	      /* 'a', 'c', 'b' */
	int32_t major, minor; /* -1 = wildcard */
	char access[4];
};
extern const struct profile_device_rule profile_device_rules[];
extern const size_t profile_n_device_rules;

/* ---- seccomp ---- */

#define PROFILE_SECCOMP_DEFAULT_ACTION "SCMP_ACT_ERRNO"
#define PROFILE_SECCOMP_DEFAULT_ERRNO 1 /* EPERM */

/* A row's action and comparison, as small numbers (no pointer and relocation a row): their
 * OCI names come from profile_seccomp_action_name() and profile_seccomp_op_name(). */
enum { PROFILE_ACT_ALLOW, PROFILE_ACT_ERRNO };
enum { PROFILE_CMP_LT, PROFILE_CMP_EQ, PROFILE_CMP_GT, PROFILE_CMP_MASKED_EQ };
const char *profile_seccomp_action_name(unsigned action); /* "SCMP_ACT_ALLOW", ... */
const char *profile_seccomp_op_name(unsigned op);	  /* "SCMP_CMP_MASKED_EQ", ... */

struct profile_seccomp_arg {
	uint64_t value, value_two;
	uint8_t index;
	uint8_t op; /* PROFILE_CMP_* */
};

struct profile_seccomp_rule {
	/* Pointers first, then the small members: 48 bytes a row. */
	const char *names;  /* space-separated syscall names */
	const char *arches; /* space-separated Go architectures that have these calls; NULL = all */
	uint8_t action;	    /* PROFILE_ACT_* */
	uint16_t errno_ret; /* for PROFILE_ACT_ERRNO; 0 = none */
	int8_t if_cap;	    /* CAP number + 1: only when the mask has it; 0 = always */
	int8_t unless_cap;  /* CAP number + 1: only when the mask lacks it; 0 = always */
	uint8_t n_args;
	struct profile_seccomp_arg args[1];
};
extern const struct profile_seccomp_rule profile_seccomp_rules[];
extern const size_t profile_n_seccomp_rules;

/* Is @name one of the syscalls the default profile lists (for any condition)? */
bool profile_seccomp_lists(const char *name);

/* Does @r apply to a container whose bounding set is @caps_mask, on the Go architecture
 * @goarch (NULL = the host's)?  Rules of calls another architecture alone has are left out,
 * so no profile lists a name its own architectures lack. */
bool profile_seccomp_rule_applies(const struct profile_seccomp_rule *r, uint64_t caps_mask,
				  const char *goarch);

/*
 * Seccomp architectures for a Go-style architecture name ("amd64", "arm64", "arm", "386",
 * "riscv64", "ppc64le", "s390x", "mips", "mipsle", "mips64", "mips64le"); NULL = the
 * host's.  NULL-terminated "SCMP_ARCH_*" names: the native one first, then the compat
 * ones the kernel also runs (so a 32-bit syscall entry cannot bypass the filter).
 * Returns NULL for an unknown name.
 */
const char *const *profile_seccomp_arches(const char *goarch);

/* Bit mask of profile_caps (bit N = capability number N). */
uint64_t profile_caps_mask(void);
/* "CAP_SYS_ADMIN" -> 21 from the kernel's numbering; -1 when unknown. */
int profile_cap_number(const char *name);
/* CAP_CHOWN -> "CHOWN" (without "CAP_"); NULL for a number the table lacks. */
const char *profile_cap_name(int nr);

/* ---- OCI JSON, written as values (the caller writes the key) ---- */

/* process.capabilities: the default set in bounding/effective/permitted, empty
 * inheritable and ambient. */
void profile_write_capabilities(struct json_writer *w);
void profile_write_masked_paths(struct json_writer *w);
void profile_write_readonly_paths(struct json_writer *w);
/* linux.resources.devices */
void profile_write_device_rules(struct json_writer *w);
/* linux.seccomp resolved for @caps_mask and @goarch (NULL = host).  -EINVAL for an
 * unknown architecture (nothing written). */
int profile_write_seccomp(struct json_writer *w, uint64_t caps_mask, const char *goarch);
/* Convenience for bundle writers: inside an open "linux" object, the members
 * "maskedPaths", "readonlyPaths" and "seccomp" (for the default capability set). */
int profile_write_linux_members(struct json_writer *w, const char *goarch);
