/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Name tables that the parser (spec.c, settings.c) and the appliers (container.c,
 * verbs.c) share: signals and rlimits.  A leaf: it calls nothing of the runner, so both
 * sides can use it without a circle.  Capability and libseccomp names live in their own
 * leaves (caps-names.h, filter-names.h) to keep one dependency in one place.
 */

#include <stddef.h>

/* Every name `kill -l` knows, with or without "SIG", any case ("TERM", "sigterm"),
 * "SIGRTMIN+N" / "RTMIN+N" / "SIGRTMAX-N", "SIGRTMIN", "SIGRTMAX", and numbers
 * 1..SIGRTMAX.  Returns the signal number or -EINVAL. */
int signal_from_string(const char *s);
/* 15 -> "SIGTERM", 37 -> "SIGRTMIN+3" (glibc), into @buf; "" for a non-signal. */
const char *signal_to_string(int sig, char *buf, size_t n);

/* OCI rlimit type "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -EINVAL when unknown. */
int rlimit_from_type(const char *type);
/* --ulimit name "nofile" -> RLIMIT_NOFILE; -EINVAL when unknown. */
int rlimit_from_short(const char *name);
/* RLIMIT_NOFILE -> "NOFILE" (prepend "RLIMIT_" for the OCI type); NULL when unknown. */
const char *rlimit_name(int resource);
