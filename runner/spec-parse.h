/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Helpers shared by spec.c and spec-linux.c only (the config.json parser), in
 * spec-parse.c: a leaf below both. */

#include <stddef.h>
#include <stdint.h>

#include "lib/json.h"
#include "spec.h"

/* A scalar member of a C struct, filled from the JSON member of the same name. */
enum spec_kind { SPEC_BOOL, SPEC_INT, SPEC_UINT, SPEC_I64, SPEC_U64, SPEC_U32, SPEC_U16, SPEC_STR };

/* 32 bytes, not 56: the tables hold ~80 of these, in .data.rel.ro (the key pointer). */
struct spec_field {
	const char *key;
	int64_t min; /* integer kinds: inclusive range (signed kinds use max as int64) */
	uint64_t max;
	uint16_t off; /* of the value */
	uint16_t set; /* SPEC_SET() of the `bool x_set` beside it, 0 for none */
	uint8_t kind; /* enum spec_kind */
	bool required;
};
#define SPEC_SET(type, member) (offsetof(type, member) + 1)

/* Fill the fields of @base listed in @f from object @obj (absent object: nothing). */
int spec_fields(const struct json_cur *obj, const struct spec_field *f, size_t n, void *base,
		struct rtr_err *err);

/* Array of objects -> calloc'ed C array; @fn fills one element.  *ret and *ret_n are set
 * before the elements are filled, so the caller's free function cleans up after an
 * error. */
typedef int (*spec_item_fn)(const struct json_cur *item, void *elem, struct rtr_err *err);
int spec_objects(const struct json_cur *c, size_t elem_size, void **ret, size_t *ret_n,
		 spec_item_fn fn, struct rtr_err *err);

/* Object of strings -> key/value array.  @check (may be NULL) validates a key. */
int spec_kv(const struct json_cur *c, struct rtr_kv **ret, size_t *ret_n,
	    int (*check)(const struct json_cur *member, struct rtr_err *err), struct rtr_err *err);
void spec_kv_free(struct rtr_kv *kv, size_t n);

/* Optional absolute path string. */
int spec_abs_path(const struct json_cur *c, char **ret, struct rtr_err *err);
/* Optional array of absolute paths. */
int spec_abs_paths(const struct json_cur *c, char ***ret, struct rtr_err *err);

/* uidMappings / gidMappings arrays (linux and mounts). */
int spec_idmaps(const struct json_cur *c, struct rtr_idmap **ret, size_t *ret_n,
		struct rtr_err *err);

/* "rprivate" -> MS_PRIVATE|MS_REC; -EINVAL for a name that is not a propagation. */
int spec_propagation(const char *name, unsigned long *ret);

/* spec-linux.c */
int spec_parse_linux(const struct json_cur *lx, struct rtr_linux *l, struct rtr_err *err);
void spec_linux_free(struct rtr_linux *l);
