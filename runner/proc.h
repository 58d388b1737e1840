/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Process helpers run inside the container's mount namespace (proc.c). */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The text of the account file (/etc/passwd, /etc/group) open at @fd: a regular file
 * only (-EINVAL for a fifo or device), at most RTR_PASSWD_MAX_BYTES (whole lines). */
int proc_idfile_read(int fd, char **ret_text);
/* The first line of @text (split in place) whose name (field 0) is @name, or with
 * @name NULL whose id (field 2) is @id; @f receives up to @nf fields.  Returns the
 * number of fields or -ENOENT. */
int proc_idfile_find(char *text, const char *name, uint64_t id, char **f, int nf);

/* @env, or a copy of it plus HOME (from the container's /etc/passwd, else "/") when it has
 * none.  The copy shares @env's strings.  NULL on allocation failure. */
char **proc_env_with_home(char *const *env, uid_t uid);
/* The value of @key in @env, or NULL. */
const char *proc_env_get(char *const *env, const char *key);
/* execvp-like lookup in @env's PATH.  Fills @buf; returns 0 or -ENOENT/-EACCES. */
int proc_resolve_exec(const char *arg0, char *const *env, char *buf, size_t n);
