/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Small helpers both programs use.  All follow the error contract in log.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

static inline bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Returns the rest of @s after @prefix, or NULL. */
static inline const char *startswith(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/* NULL-terminated string vectors. */
size_t strv_length(char *const *v);
int strv_push(char ***v, const char *s); /* copies s */
int strv_consume(char ***v, char *s);	 /* takes s; frees it on failure */
char **strv_copy(char *const *v);
void strv_free(char **v);

/* *@field = strdup(@v), freeing the old value; -ENOMEM leaves *@field as it was. */
int strdup_replace(char **field, const char *v);

char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "64M", "1.5G", "4096", "512k": bytes; base 1024.  -EINVAL / -ERANGE. */
int parse_size(const char *s, uint64_t *ret);
/* 1536 -> "1.5 KiB", 100 -> "100 B", UINT64_MAX -> "max" (an unlimited cgroup value). */
void format_bytes(uint64_t b, char *buf, size_t n);
/* Whole decimal number within [min, max]. */
int parse_u64(const char *s, uint64_t max, uint64_t *ret);
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret);

/* Reads a whole file (relative to dirfd, AT_FDCWD allowed) refusing more than @max bytes
 * (-EFBIG).  The buffer is NUL-terminated; *ret_len excludes the NUL. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* write(2) until done, retrying EINTR. */
int write_all(int fd, const void *buf, size_t len);
/* Write a short string to an existing file (sysfs, cgroupfs, /proc). */
int write_string_at(int dirfd, const char *path, const char *s);

/* An unnamed read-write file in directory @dirfd (O_TMPFILE, or a name unlinked at once
 * where the filesystem lacks it): an fd or a negative errno. */
int tmpfile_at(int dirfd);

/* Write @path atomically: temp file in the same directory, fsync, rename. */
int write_file_atomic_at(int dirfd, const char *path, const void *buf, size_t len, mode_t mode);

/* Merge "K=V" into the environment vector @env: an entry with the same key ("K=..." or a
 * bare "K") is replaced, else "K=V" is appended. */
int env_set(char ***env, const char *kv);

/* A CPU or memory-node list "0-3,5" into @mask (bit i = CPU i, @nbits bits): 0, or
 * -EINVAL for bad syntax, -ERANGE for a number >= @nbits. */
int cpulist_parse(const char *list, uint8_t *mask, size_t nbits);

/* Append the components of relative or absolute @part to the relative path in @buf
 * ("a/b" + "/c//d/" -> "a/b/c/d"); -EINVAL for a "." or ".." component, -ENAMETOOLONG. */
int path_rel_append(char *buf, size_t n, const char *part);

/* The bind mount syntax both programs take, `--mount SRC:DST[:ro|rw]`: DST absolute, a
 * relative SRC made absolute against the current directory (so a bundle written by
 * rtr-pull names the same host path rtr-run would).  On -EINVAL *ret_why says what is
 * wrong, for the caller's "--mount ARG: WHY". */
struct bind_spec {
	char *src, *dst;
	bool ro;
};
int bind_spec_parse(const char *arg, struct bind_spec *ret, const char **ret_why);
void bind_spec_done(struct bind_spec *b);
