/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Process helpers run inside the container's mount namespace (proc.c). */

#include <stddef.h>
#include <sys/types.h>

/* @env, or a copy of it plus HOME (from the container's /etc/passwd, else "/") when it has
 * none.  The copy shares @env's strings.  NULL on allocation failure. */
char **proc_env_with_home(char *const *env, uid_t uid);
/* The value of @key in @env, or NULL. */
const char *proc_env_get(char *const *env, const char *key);
/* execvp-like lookup in @env's PATH.  Fills @buf; returns 0 or -ENOENT/-EACCES. */
int proc_resolve_exec(const char *arg0, char *const *env, char *buf, size_t n);
