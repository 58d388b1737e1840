/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one JSON module of rtr (the only file besides runner/spec.c that sees yajl).
 *
 * Reading: json_parse() builds a small tree with limits (size, nesting depth from
 * config.h, no NUL bytes, valid UTF-8, one value, no trailing garbage) and reports
 * syntax errors with line and column.  Numbers keep their literal text, so 64-bit
 * unsigned values survive and range checks are exact.
 *
 * Typed access goes through a cursor that remembers its JSON path, so every error
 * names the field: ".process.args[1]: expected a string".  Cursors live on the
 * caller's stack and point at their parent (navigation takes the parent's address);
 * use a child only while its parent variable lives.  Getters take a cursor by value:
 *
 *	struct json_cur root = json_root(tree), proc = json_member(&root, "process");
 *	const char *cwd;
 *	r = json_str(json_member(&proc, "cwd"), &cwd, err);  // 0 absent, 1 set, <0 error
 *
 * Getters return 1 when the value is present, 0 when it is absent or JSON null (the
 * output is left untouched), and -EINVAL (message in @err) on a wrong type or range.
 * json_require() turns "absent" into an error.
 *
 * Writing: yajl_gen underneath, with a sticky error, so callers check once at the end:
 *
 *	struct json_writer *w = json_writer_new(true);
 *	json_w_begin_object(w);
 *	json_w_key(w, "pid"); json_w_int(w, 42);
 *	json_w_member_string(w, "status", "running");
 *	json_w_end_object(w);
 *	r = json_writer_finish(w, &text, NULL);  // frees w; -ENOMEM if anything failed
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	bool boolean;	     /* JSON_BOOL */
	char *str;	     /* JSON_STRING: the value; JSON_NUMBER: the literal as written */
	size_t len;	     /* length of str */
	size_t n;	     /* JSON_ARRAY / JSON_OBJECT: number of elements / members */
	char **keys;	     /* JSON_OBJECT: member names */
	struct json **items; /* JSON_ARRAY / JSON_OBJECT: elements / member values */
};

/*
 * Parse @len bytes of @buf (need not be NUL-terminated).  Refuses more than @max_bytes
 * (-EFBIG), nesting deeper than RTR_JSON_MAX_DEPTH, NUL bytes (raw or \u0000), invalid
 * UTF-8 and anything but one JSON value (-EINVAL).  The message in @err reads
 * "line L, column C: REASON".  A name repeated within one object is -EINVAL
 * "PATH: duplicate key" (".process.user.uid: duplicate key").
 */
int json_parse(const char *buf, size_t len, size_t max_bytes, struct json **ret,
	       struct rtr_err *err);
void json_free(struct json *j);
static inline void json_freep(struct json **j)
{
	json_free(*j);
}
#define _cleanup_json_ __attribute__((cleanup(json_freep)))

/* ---- cursors ---- */

struct json_cur {
	const struct json *node; /* NULL when absent */
	const struct json_cur *parent;
	const char *key; /* member name; NULL for an array element or the root */
	size_t index;
};

struct json_cur json_root(const struct json *root);
/* Member @key of object @obj; absent when @obj is absent, not an object or lacks @key. */
struct json_cur json_member(const struct json_cur *obj, const char *key);
/* Element @i of array @arr / the @i-th member of object @obj (key in ->key). */
struct json_cur json_item(const struct json_cur *arr, size_t i);
struct json_cur json_member_at(const struct json_cur *obj, size_t i);
/* The cursors are passed by pointer: at 32 bytes a by-value cursor is copied onto the stack
 * at every call, which cost rtr-run KiBs of code.  JSON_TMP(json_member(&obj, "key")) gives
 * the address of a temporary cursor that lives until the end of the enclosing block. */
#define JSON_TMP(cur) (&(struct json_cur[1]){cur}[0])

/* Present and not JSON null. */
bool json_present(const struct json_cur *c);
/* The path as jq writes it: ".linux.sysctl[\"net.ipv4.ip_forward\"]", "." for the root. */
void json_path(const struct json_cur *c, char *buf, size_t n);
/* Fill @err with "PATH: MESSAGE" and return -EINVAL.  Control bytes become '?'. */
int json_error(const struct json_cur *c, struct rtr_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* -EINVAL "PATH: missing" unless present. */
int json_require(const struct json_cur *c, struct rtr_err *err);

/* Typed getters: 1 present, 0 absent/null, -EINVAL wrong type or out of range. */
int json_str(const struct json_cur *c, const char **ret, struct rtr_err *err);
int json_strdup(const struct json_cur *c, char **ret, struct rtr_err *err); /* -ENOMEM too */
int json_bool(const struct json_cur *c, bool *ret, struct rtr_err *err);
/* Integers only (no fraction or exponent), within [min, max] / [0, max]. */
int json_i64(const struct json_cur *c, int64_t min, int64_t max, int64_t *ret, struct rtr_err *err);
int json_u64(const struct json_cur *c, uint64_t max, uint64_t *ret, struct rtr_err *err);
int json_double(const struct json_cur *c, double *ret, struct rtr_err *err);
/* Check the type and give the element / member count (@ret_n may be NULL). */
int json_array(const struct json_cur *c, size_t *ret_n, struct rtr_err *err);
int json_object(const struct json_cur *c, size_t *ret_n, struct rtr_err *err);
/* Array of strings -> NULL-terminated vector (an empty array gives an empty vector). */
int json_strv(const struct json_cur *c, char ***ret, struct rtr_err *err);

/* ---- writer ---- */

struct json_writer;

/* @pretty: one member per line, tab indented, trailing newline.  NULL on ENOMEM; every
 * json_w_* call accepts NULL and makes finish fail. */
struct json_writer *json_writer_new(bool pretty);
void json_writer_free(struct json_writer *w);
/* Hand over the text (NUL-terminated, *ret_len without the NUL) and free @w.  -ENOMEM
 * if any call failed, -EINVAL if containers are left open or keys are misplaced. */
int json_writer_finish(struct json_writer *w, char **ret, size_t *ret_len);
/* Finish and write everything to @fd. */
int json_writer_write_fd(struct json_writer *w, int fd);

void json_w_begin_object(struct json_writer *w);
void json_w_end_object(struct json_writer *w);
void json_w_begin_array(struct json_writer *w);
void json_w_end_array(struct json_writer *w);
void json_w_key(struct json_writer *w, const char *key);
/* Strings are escaped; each invalid UTF-8 byte becomes U+FFFD.  NULL writes null. */
void json_w_string(struct json_writer *w, const char *s);
void json_w_int(struct json_writer *w, int64_t v);
void json_w_uint(struct json_writer *w, uint64_t v);
void json_w_double(struct json_writer *w, double v);
void json_w_bool(struct json_writer *w, bool v);
void json_w_null(struct json_writer *w);
/* key + value in one call. */
void json_w_member_string(struct json_writer *w, const char *key, const char *s);
void json_w_member_int(struct json_writer *w, const char *key, int64_t v);
void json_w_member_uint(struct json_writer *w, const char *key, uint64_t v);
void json_w_member_bool(struct json_writer *w, const char *key, bool v);
/* A parsed tree (json_parse), written back as it was read. */
void json_w_tree(struct json_writer *w, const struct json *j);
