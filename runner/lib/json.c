/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON for rtr: a tree parser on top of yajl's event parser (so depth, NUL bytes, UTF-8
 * and numbers are under our control; yajl_tree offers none of that), path-aware typed
 * getters, and a writer on yajl_gen.  See json.h for the contracts.
 */
#include "json.h"
#include "cleanup.h"
#include "util.h"

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* ---- UTF-8 ---- */

/* Length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), 0 when there is none. */
static size_t utf8_char(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (n > 0) {
		size_t l;
		uint64_t w;

		/* Nearly all text is ASCII: skip it eight bytes at a time. */
		if (n >= 8) {
			memcpy(&w, p, 8);
			if (!(w & UINT64_C(0x8080808080808080))) {
				p += 8;
				n -= 8;
				continue;
			}
		}
		l = utf8_char(p, n);
		if (l == 0)
			return false;
		p += l;
		n -= l;
	}
	return true;
}

/* ---- tree ---- */

void json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		if (j->keys)
			free(j->keys[i]);
		json_free(j->items[i]);
	}
	free(j->keys);
	free(j->items);
	free(j->str);
	free(j);
}

struct parser {
	struct json *root;
	struct json *stack[RTR_JSON_MAX_DEPTH];
	char *key[RTR_JSON_MAX_DEPTH]; /* pending member name per open object */
	size_t depth;
	int error;	    /* errno set by a callback, 0 = yajl's own error */
	const char *reason; /* with error */
	bool duplicate;	    /* member dup of the innermost open object repeats a name */
	size_t dup;
};

static int parser_fail(struct parser *p, int error, const char *reason)
{
	p->error = error;
	p->reason = reason;
	return 0; /* makes yajl stop with yajl_status_client_canceled */
}

/* Append @v to the open container (or make it the root); takes @v. */
static int parser_add(struct parser *p, struct json *v)
{
	struct json *top;
	size_t n;

	if (!v)
		return parser_fail(p, ENOMEM, "out of memory");
	if (p->depth == 0) {
		p->root = v;
		return 1;
	}
	top = p->stack[p->depth - 1];
	n = top->n;
	/* Capacity is the next power of two >= 4, so grow when n hits one. */
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
		size_t cap = n == 0 ? 4 : 2 * n;
		struct json **items = realloc(top->items, cap * sizeof(*items));
		if (!items)
			goto oom;
		top->items = items;
		if (top->type == JSON_OBJECT) {
			char **keys = realloc(top->keys, cap * sizeof(*keys));
			if (!keys)
				goto oom;
			top->keys = keys;
		}
	}
	if (top->type == JSON_OBJECT)
		top->keys[n] = TAKE_PTR(p->key[p->depth - 1]);
	top->items[n] = v;
	top->n++;
	return 1;
oom:
	json_free(v);
	return parser_fail(p, ENOMEM, "out of memory");
}

static struct json *node_new(enum json_type t)
{
	struct json *j = calloc(1, sizeof(*j));
	if (j)
		j->type = t;
	return j;
}

static struct json *node_text(enum json_type t, const char *s, size_t l)
{
	struct json *j = node_new(t);
	if (!j)
		return NULL;
	j->str = strndup(s, l);
	if (!j->str) {
		free(j);
		return NULL;
	}
	j->len = l;
	return j;
}

static int check_text(struct parser *p, const unsigned char *s, size_t l)
{
	if (memchr(s, 0, l))
		return parser_fail(p, EINVAL, "NUL character (\\u0000) in a string");
	/* yajl's own check lets overlong forms such as C0 80 through. */
	if (!utf8_valid((const char *)s, l))
		return parser_fail(p, EINVAL, "invalid UTF-8 in a string");
	return 1;
}

static int cb_null(void *ctx)
{
	return parser_add(ctx, node_new(JSON_NULL));
}

static int cb_boolean(void *ctx, int b)
{
	struct json *j = node_new(JSON_BOOL);
	if (j)
		j->boolean = b;
	return parser_add(ctx, j);
}

static int cb_number(void *ctx, const char *s, size_t l)
{
	return parser_add(ctx, node_text(JSON_NUMBER, s, l));
}

static int cb_string(void *ctx, const unsigned char *s, size_t l)
{
	if (!check_text(ctx, s, l))
		return 0;
	return parser_add(ctx, node_text(JSON_STRING, (const char *)s, l));
}

static int open_container(struct parser *p, enum json_type t)
{
	struct json *j;

	if (p->depth >= RTR_JSON_MAX_DEPTH)
		return parser_fail(p, EINVAL,
				   "nesting too deep (limit " STRINGIFY(RTR_JSON_MAX_DEPTH) ")");
	j = node_new(t);
	if (!parser_add(p, j))
		return 0;
	p->stack[p->depth++] = j;
	return 1;
}

static int cb_start_map(void *ctx)
{
	return open_container(ctx, JSON_OBJECT);
}

static int cb_start_array(void *ctx)
{
	return open_container(ctx, JSON_ARRAY);
}

static int cb_end_array(void *ctx)
{
	struct parser *p = ctx;
	p->depth--;
	return 1;
}

/* Objects up to this many members are checked for duplicates pair by pair (no allocation,
 * at most 120 comparisons); bigger ones are sorted. */
#define DUP_PAIRWISE_MAX 16

/* Order pointers into an object's key array by name, then by position. */
static int key_cmp(const void *a, const void *b)
{
	char *const *ka = *(char *const *const *)a, *const *kb = *(char *const *const *)b;
	int c = strcmp(*ka, *kb);

	return c ? c : (ka > kb) - (ka < kb);
}

/*
 * Index of the first member of @o whose name an earlier member already has, o->n when
 * there is none, SIZE_MAX on ENOMEM.  Duplicates are refused because readers disagree on
 * them (Go and yajl_tree keep the last, others the first): "uid": 1000, "uid": 0 must not
 * mean root to one reader and 1000 to another.  A hostile object with 100k members costs
 * n log n through the sort (no hash table to flood).
 */
static size_t first_duplicate(const struct json *o)
{
	_cleanup_free_ char ***sorted = NULL;
	size_t first = o->n;

	if (o->n <= DUP_PAIRWISE_MAX) {
		for (size_t j = 1; j < o->n; j++)
			for (size_t i = 0; i < j; i++)
				if (strcmp(o->keys[i], o->keys[j]) == 0)
					return j;
		return o->n;
	}
	sorted = malloc(o->n * sizeof(*sorted));
	if (!sorted)
		return SIZE_MAX;
	for (size_t i = 0; i < o->n; i++)
		sorted[i] = &o->keys[i];
	qsort(sorted, o->n, sizeof(*sorted), key_cmp);
	/* Within a run of equal names the second is that name's first repetition. */
	for (size_t i = 1; i < o->n; i++) {
		size_t at = (size_t)(sorted[i] - o->keys);
		if (at < first && strcmp(*sorted[i - 1], *sorted[i]) == 0)
			first = at;
	}
	return first;
}

static int cb_end_map(void *ctx)
{
	struct parser *p = ctx;
	size_t dup = first_duplicate(p->stack[p->depth - 1]);

	if (dup == SIZE_MAX)
		return parser_fail(p, ENOMEM, "out of memory");
	if (dup < p->stack[p->depth - 1]->n) {
		p->duplicate = true;
		p->dup = dup;
		return parser_fail(p, EINVAL, "duplicate key");
	}
	p->depth--;
	return 1;
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t l)
{
	struct parser *p = ctx;
	char **k = &p->key[p->depth - 1];

	if (!check_text(p, s, l))
		return 0;
	free(*k);
	*k = strndup((const char *)s, l);
	return *k ? 1 : parser_fail(p, ENOMEM, "out of memory");
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

static int error_at(const char *buf, size_t len, size_t off, struct rtr_err *err, int code,
		    const char *reason)
{
	size_t line = 1, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	return rtr_err_set(err, code, "line %zu, column %zu: %s", line, col, reason);
}

/* yajl's message without its "lexical error: " prefix and trailing ".\n". */
static void yajl_reason(yajl_handle h, char *out, size_t n)
{
	unsigned char *e = yajl_get_error(h, 0, NULL, 0);
	const char *s = (const char *)e, *colon;
	size_t l;

	if (!s) {
		snprintf(out, n, "syntax error");
		return;
	}
	colon = strstr(s, "error: ");
	if (colon)
		s = colon + strlen("error: ");
	l = strcspn(s, "\n");
	while (l > 0 && (s[l - 1] == '.' || s[l - 1] == ' '))
		l--;
	snprintf(out, n, "syntax error: %.*s", (int)l, s);
	yajl_free_error(h, e);
}

/*
 * "PATH: duplicate key" for the member that repeats a name.  Every container still open
 * on the stack is the last item of the one below it, which gives the path; a
 * line/column would point at the closing brace, the path points at the member.
 */
static int duplicate_error(const struct parser *p, struct rtr_err *err)
{
	struct json_cur cur[RTR_JSON_MAX_DEPTH];

	cur[0] = json_root(p->root);
	for (size_t i = 1; i < p->depth; i++) {
		const struct json *up = p->stack[i - 1];
		cur[i] = up->type == JSON_OBJECT ? json_member_at(&cur[i - 1], up->n - 1)
						 : json_item(&cur[i - 1], up->n - 1);
	}
	return json_error(JSON_TMP(json_member_at(&cur[p->depth - 1], p->dup)), err,
			  "duplicate key");
}

int json_parse(const char *buf, size_t len, size_t max_bytes, struct json **ret,
	       struct rtr_err *err)
{
	struct parser p = {0};
	yajl_handle h;
	yajl_status st;
	const char *nul;
	char reason[128];
	size_t off;
	int r = 0;

	if (len > max_bytes)
		return rtr_err_set(err, EFBIG, "larger than the limit of %zu bytes", max_bytes);
	if (len == 0)
		return rtr_err_set(err, EINVAL, "empty file");
	nul = memchr(buf, 0, len);
	if (nul)
		return error_at(buf, len, nul - buf, err, EINVAL, "NUL byte in the input");

	h = yajl_alloc(&callbacks, NULL, &p);
	if (!h)
		return -ENOMEM;
	st = yajl_parse(h, (const unsigned char *)buf, len);
	off = yajl_get_bytes_consumed(h);
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		off = len;
	}
	if (st != yajl_status_ok) {
		if (p.duplicate)
			r = duplicate_error(&p, err);
		else if (p.error)
			r = error_at(buf, len, off, err, p.error, p.reason);
		else {
			yajl_reason(h, reason, sizeof(reason));
			r = error_at(buf, len, off, err, EINVAL, reason);
		}
	} else if (!p.root)
		r = rtr_err_set(err, EINVAL, "no JSON value");
	yajl_free(h);
	for (size_t i = 0; i < p.depth; i++)
		free(p.key[i]);
	if (r < 0) {
		json_free(p.root);
		return r;
	}
	*ret = p.root;
	return 0;
}

/* ---- cursors ---- */

struct json_cur json_root(const struct json *root)
{
	return (struct json_cur){.node = root};
}

struct json_cur json_member(const struct json_cur *obj, const char *key)
{
	struct json_cur c = {.parent = obj, .key = key};
	const struct json *o = obj->node;

	if (o && o->type == JSON_OBJECT)
		for (size_t i = 0; i < o->n; i++) /* names are unique: json_parse() checks */
			if (strcmp(o->keys[i], key) == 0) {
				c.node = o->items[i];
				break;
			}
	return c;
}

struct json_cur json_item(const struct json_cur *arr, size_t i)
{
	struct json_cur c = {.parent = arr, .index = i};

	if (arr->node && arr->node->type == JSON_ARRAY && i < arr->node->n)
		c.node = arr->node->items[i];
	return c;
}

struct json_cur json_member_at(const struct json_cur *obj, size_t i)
{
	struct json_cur c = {.parent = obj, .index = i};

	if (obj->node && obj->node->type == JSON_OBJECT && i < obj->node->n) {
		c.node = obj->node->items[i];
		c.key = obj->node->keys[i];
	} else
		c.key = "";
	return c;
}

bool json_present(const struct json_cur *c)
{
	return c->node && c->node->type != JSON_NULL;
}

static bool key_is_identifier(const char *k)
{
	if (!*k || isdigit((unsigned char)*k))
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_')
			return false;
	return true;
}

static size_t path_append(const struct json_cur *c, char *buf, size_t n, size_t at)
{
	int w;

	if (!c->parent)
		return at;
	at = path_append(c->parent, buf, n, at);
	if (at >= n)
		return at;
	if (!c->key)
		w = snprintf(buf + at, n - at, "[%zu]", c->index);
	else if (key_is_identifier(c->key))
		w = snprintf(buf + at, n - at, ".%.64s", c->key);
	else {
		/* Quote like jq; long or odd keys are shortened, json_error() masks
		 * control bytes. */
		size_t kl = strlen(c->key);
		w = snprintf(buf + at, n - at, "[\"%.*s%s\"]", (int)(kl > 64 ? 61 : kl), c->key,
			     kl > 64 ? "..." : "");
	}
	return w < 0 ? n : at + (size_t)w;
}

void json_path(const struct json_cur *c, char *buf, size_t n)
{
	size_t at;

	if (n == 0)
		return;
	buf[0] = 0;
	at = path_append(c, buf, n, 0);
	if (at == 0)
		snprintf(buf, n, ".");
}

int json_error(const struct json_cur *c, struct rtr_err *err, const char *fmt, ...)
{
	char msg[RTR_ERR_MSG_MAX];
	size_t at;
	va_list ap;

	json_path(c, msg, sizeof(msg));
	at = strlen(msg);
	if (at + 2 < sizeof(msg)) {
		memcpy(msg + at, ": ", 3);
		at += 2;
		va_start(ap, fmt);
		vsnprintf(msg + at, sizeof(msg) - at, fmt, ap);
		va_end(ap);
	}
	for (char *m = msg; *m; m++)
		if ((unsigned char)*m < 0x20 || *m == 0x7f)
			*m = '?';
	return rtr_err_set(err, EINVAL, "%s", msg);
}

int json_require(const struct json_cur *c, struct rtr_err *err)
{
	if (!json_present(c))
		return json_error(c, err, "missing");
	return 0;
}

static const char *type_name(enum json_type t)
{
	static const char *const names[] = {
	    [JSON_NULL] = "null",	[JSON_BOOL] = "a boolean", [JSON_NUMBER] = "a number",
	    [JSON_STRING] = "a string", [JSON_ARRAY] = "an array", [JSON_OBJECT] = "an object",
	};
	return names[t];
}

/* 1 when @c holds type @t, 0 when absent or null, -EINVAL otherwise. */
static int want(const struct json_cur *c, enum json_type t, const char *what, struct rtr_err *err)
{
	if (!json_present(c))
		return 0;
	if (c->node->type != t)
		return json_error(c, err, "expected %s, got %s", what, type_name(c->node->type));
	return 1;
}

int json_str(const struct json_cur *c, const char **ret, struct rtr_err *err)
{
	int r = want(c, JSON_STRING, "a string", err);
	if (r > 0)
		*ret = c->node->str;
	return r;
}

int json_strdup(const struct json_cur *c, char **ret, struct rtr_err *err)
{
	const char *s;
	char *d;
	int r = json_str(c, &s, err);

	if (r <= 0)
		return r;
	d = strdup(s);
	if (!d)
		return -ENOMEM;
	free(*ret);
	*ret = d;
	return 1;
}

int json_bool(const struct json_cur *c, bool *ret, struct rtr_err *err)
{
	int r = want(c, JSON_BOOL, "a boolean", err);
	if (r > 0)
		*ret = c->node->boolean;
	return r;
}

static int want_integer(const struct json_cur *c, struct rtr_err *err)
{
	int r = want(c, JSON_NUMBER, "an integer", err);
	if (r > 0 && strpbrk(c->node->str, ".eE"))
		return json_error(c, err, "expected an integer, got %.32s", c->node->str);
	return r;
}

int json_i64(const struct json_cur *c, int64_t min, int64_t max, int64_t *ret, struct rtr_err *err)
{
	long long v;
	int r = want_integer(c, err);

	if (r <= 0)
		return r;
	errno = 0;
	v = strtoll(c->node->str, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return json_error(c, err, "%.32s is out of range [%" PRId64 ", %" PRId64 "]",
				  c->node->str, min, max);
	*ret = v;
	return 1;
}

int json_u64(const struct json_cur *c, uint64_t max, uint64_t *ret, struct rtr_err *err)
{
	unsigned long long v;
	int r = want_integer(c, err);

	if (r <= 0)
		return r;
	errno = 0;
	v = strtoull(c->node->str, NULL, 10);
	/* strtoull() wraps "-1" around; only "-0" is a non-negative negative. */
	if (errno == ERANGE || v > max || (c->node->str[0] == '-' && v != 0))
		return json_error(c, err, "%.32s is out of range [0, %" PRIu64 "]", c->node->str,
				  max);
	*ret = v;
	return 1;
}

int json_double(const struct json_cur *c, double *ret, struct rtr_err *err)
{
	double v;
	int r = want(c, JSON_NUMBER, "a number", err);

	if (r <= 0)
		return r;
	errno = 0;
	v = strtod(c->node->str, NULL);
	if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
		return json_error(c, err, "%.32s is out of range", c->node->str);
	*ret = v;
	return 1;
}

int json_array(const struct json_cur *c, size_t *ret_n, struct rtr_err *err)
{
	int r = want(c, JSON_ARRAY, "an array", err);
	if (r > 0 && ret_n)
		*ret_n = c->node->n;
	return r;
}

int json_object(const struct json_cur *c, size_t *ret_n, struct rtr_err *err)
{
	int r = want(c, JSON_OBJECT, "an object", err);
	if (r > 0 && ret_n)
		*ret_n = c->node->n;
	return r;
}

int json_strv(const struct json_cur *c, char ***ret, struct rtr_err *err)
{
	_cleanup_strv_free_ char **v = NULL;
	size_t n;
	int r = json_array(c, &n, err);

	if (r <= 0)
		return r;
	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = json_strdup(JSON_TMP(json_item(c, i)), &v[i], err);
		if (r < 0)
			return r;
		if (r == 0)
			return json_error(JSON_TMP(json_item(c, i)), err,
					  "expected a string, got null");
	}
	strv_free(*ret);
	*ret = TAKE_PTR(v);
	return 1;
}

/* ---- writer ---- */

/*
 * yajl_gen does the escaping, separators and indentation and prints into our buffer (its
 * own one does not check realloc(); ours makes ENOMEM sticky).  What it lacks is kept
 * here: a key must come before every member value and only there (yajl takes any string
 * in key position as a key), closes must match their opens, invalid UTF-8 is replaced
 * instead of refused, doubles keep a '.', and an empty container stays "{}" / "[]" in
 * pretty mode (yajl writes "{\n\n}").
 */
struct json_writer {
	yajl_gen gen;
	char *buf;
	size_t len, cap;
	bool pretty;
	bool oom, bad;
	bool after_key;
	unsigned depth;
	bool is_object[RTR_JSON_MAX_DEPTH]; /* per open container */
};

static bool grow(struct json_writer *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 1024;
	char *b;

	if (w->oom)
		return false;
	while (cap < w->len + n + 1)
		cap *= 2;
	b = realloc(w->buf, cap);
	if (!b) {
		w->oom = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static inline void put(struct json_writer *w, const char *s, size_t n)
{
	/* After an ENOMEM cap stays short of len + n + 1 (nothing is added to len). */
	if (w->len + n + 1 > w->cap && !grow(w, n))
		return;
	/* Most pieces yajl_gen prints are one byte: a quote, a comma, a tab. */
	if (n == 1)
		w->buf[w->len] = *s;
	else
		memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void print_cb(void *ctx, const char *s, size_t n)
{
	put(ctx, s, n);
}

struct json_writer *json_writer_new(bool pretty)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->pretty = pretty;
	w->gen = yajl_gen_alloc(NULL);
	if (!w->gen) {
		free(w);
		return NULL;
	}
	yajl_gen_config(w->gen, yajl_gen_print_callback, print_cb, w);
	if (pretty) {
		yajl_gen_config(w->gen, yajl_gen_beautify, 1);
		yajl_gen_config(w->gen, yajl_gen_indent_string, "\t");
	}
	return w;
}

void json_writer_free(struct json_writer *w)
{
	if (!w)
		return;
	yajl_gen_free(w->gen);
	free(w->buf);
	free(w);
}

static void gen_status(struct json_writer *w, yajl_gen_status st)
{
	/* A second top-level value, a non-string key, too deep: the caller's bug. */
	if (st != yajl_gen_status_ok)
		w->bad = true;
}

/* Before any value: inside an object only right after its key. */
static bool before_value(struct json_writer *w)
{
	if (!w)
		return false;
	if (w->depth > 0 && w->is_object[w->depth - 1] && !w->after_key) {
		w->bad = true; /* a member value without its name */
		return false;
	}
	w->after_key = false;
	return true;
}

/* @s as a JSON string; invalid UTF-8 (rare: names come from files we checked) is
 * replaced by U+FFFD in a copy, since yajl_gen would either refuse or pass it on. */
static void gen_string(struct json_writer *w, const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), at = 0;
	_cleanup_free_ char *fixed = NULL;

	if (utf8_valid(s, n)) {
		gen_status(w, yajl_gen_string(w->gen, p, n));
		return;
	}
	fixed = malloc(3 * n + 1);
	if (!fixed) {
		w->oom = true;
		return;
	}
	while (n > 0) {
		size_t l = utf8_char(p, n);
		if (l) {
			memcpy(fixed + at, p, l);
			at += l;
		} else {
			memcpy(fixed + at, fffd, 3);
			at += 3;
			l = 1;
		}
		p += l;
		n -= l;
	}
	gen_status(w, yajl_gen_string(w->gen, (const unsigned char *)fixed, at));
}

static void open_(struct json_writer *w, bool object)
{
	if (!before_value(w))
		return;
	if (w->depth >= RTR_JSON_MAX_DEPTH) {
		w->bad = true;
		return;
	}
	gen_status(w, object ? yajl_gen_map_open(w->gen) : yajl_gen_array_open(w->gen));
	w->is_object[w->depth++] = object;
}

static void close_(struct json_writer *w, bool object)
{
	char c = object ? '}' : ']';
	size_t open_at;
	bool empty;

	if (!w)
		return;
	if (w->depth == 0 || w->is_object[w->depth - 1] != object || w->after_key) {
		w->bad = true;
		return;
	}
	/* Pretty yajl_gen writes "{\n" on open; the buffer still ending so means nothing was
	 * added (a string's newline is escaped, and no other value ends in "{" or "["). */
	empty = w->pretty && !w->oom && w->len >= 2 && w->buf[w->len - 1] == '\n' &&
		w->buf[w->len - 2] == (object ? '{' : '[');
	open_at = w->len - 1;
	gen_status(w, object ? yajl_gen_map_close(w->gen) : yajl_gen_array_close(w->gen));
	w->depth--;
	if (empty && !w->oom) {
		w->len = open_at; /* drop yajl's "\n\n<indent>}" (and final "\n") */
		put(w, &c, 1);
		if (w->depth == 0)
			put(w, "\n", 1);
	}
}

void json_w_begin_object(struct json_writer *w)
{
	open_(w, true);
}

void json_w_end_object(struct json_writer *w)
{
	close_(w, true);
}

void json_w_begin_array(struct json_writer *w)
{
	open_(w, false);
}

void json_w_end_array(struct json_writer *w)
{
	close_(w, false);
}

void json_w_key(struct json_writer *w, const char *key)
{
	if (!w)
		return;
	if (w->depth == 0 || !w->is_object[w->depth - 1] || w->after_key || !key) {
		w->bad = true;
		return;
	}
	gen_string(w, key);
	w->after_key = true;
}

void json_w_string(struct json_writer *w, const char *s)
{
	if (!s) {
		json_w_null(w);
		return;
	}
	if (before_value(w))
		gen_string(w, s);
}

void json_w_int(struct json_writer *w, int64_t v)
{
	if (before_value(w))
		gen_status(w, yajl_gen_integer(w->gen, v));
}

void json_w_uint(struct json_writer *w, uint64_t v)
{
	char b[24];
	int n;

	if (!before_value(w))
		return;
	/* yajl_gen_integer() takes a long long; above INT64_MAX the text goes in as is. */
	n = snprintf(b, sizeof(b), "%" PRIu64, v);
	gen_status(w, yajl_gen_number(w->gen, b, (size_t)n));
}

void json_w_double(struct json_writer *w, double v)
{
	char b[40];
	int n;

	if (!before_value(w))
		return;
	if (!isfinite(v)) {
		gen_status(w, yajl_gen_null(w->gen)); /* JSON has no NaN or infinity */
		return;
	}
	/* yajl_gen_double() prints %.20g, which shows binary noise (0.1 as
	 * 0.10000000000000000555); 17 digits are enough to read back the same double. */
	n = snprintf(b, sizeof(b), "%.17g", v);
	/* Keep a double a double when read back: "2" would come back as an integer. */
	if (!strpbrk(b, ".e"))
		n += snprintf(b + n, sizeof(b) - (size_t)n, ".0");
	gen_status(w, yajl_gen_number(w->gen, b, (size_t)n));
}

void json_w_bool(struct json_writer *w, bool v)
{
	if (before_value(w))
		gen_status(w, yajl_gen_bool(w->gen, v));
}

void json_w_null(struct json_writer *w)
{
	if (before_value(w))
		gen_status(w, yajl_gen_null(w->gen));
}

void json_w_member_string(struct json_writer *w, const char *key, const char *s)
{
	json_w_key(w, key);
	json_w_string(w, s);
}

void json_w_member_int(struct json_writer *w, const char *key, int64_t v)
{
	json_w_key(w, key);
	json_w_int(w, v);
}

void json_w_member_uint(struct json_writer *w, const char *key, uint64_t v)
{
	json_w_key(w, key);
	json_w_uint(w, v);
}

void json_w_member_bool(struct json_writer *w, const char *key, bool v)
{
	json_w_key(w, key);
	json_w_bool(w, v);
}

int json_writer_finish(struct json_writer *w, char **ret, size_t *ret_len)
{
	int r = 0;

	if (!w)
		return -ENOMEM;
	/* yajl_gen has written pretty output's final newline already. */
	if (w->oom)
		r = -ENOMEM;
	else if (w->bad || w->depth > 0 || w->after_key || w->len == 0)
		r = -EINVAL;
	if (r == 0) {
		w->buf[w->len] = 0; /* put() always leaves room for it */
		*ret = TAKE_PTR(w->buf);
		if (ret_len)
			*ret_len = w->len;
	}
	json_writer_free(w);
	return r;
}

void json_w_tree(struct json_writer *w, const struct json *j)
{
	switch (j->type) {
	case JSON_NULL:
		json_w_null(w);
		break;
	case JSON_BOOL:
		json_w_bool(w, j->boolean);
		break;
	case JSON_NUMBER: {
		/* through the typed getters: an integer stays exact, any other number is a
		 * double, one no getter takes (out of every range) is null */
		struct json_cur c = json_root(j);
		int64_t i;
		uint64_t u;
		double d;

		if (json_i64(&c, INT64_MIN, INT64_MAX, &i, NULL) > 0)
			json_w_int(w, i);
		else if (json_u64(&c, UINT64_MAX, &u, NULL) > 0)
			json_w_uint(w, u);
		else if (json_double(&c, &d, NULL) > 0)
			json_w_double(w, d);
		else
			json_w_null(w);
		break;
	}
	case JSON_STRING:
		json_w_string(w, j->str);
		break;
	case JSON_ARRAY:
		json_w_begin_array(w);
		for (size_t i = 0; i < j->n; i++)
			json_w_tree(w, j->items[i]);
		json_w_end_array(w);
		break;
	case JSON_OBJECT:
		json_w_begin_object(w);
		for (size_t i = 0; i < j->n; i++) {
			json_w_key(w, j->keys[i]);
			json_w_tree(w, j->items[i]);
		}
		json_w_end_object(w);
		break;
	}
}

int json_writer_write_fd(struct json_writer *w, int fd)
{
	_cleanup_free_ char *s = NULL;
	size_t n;
	int r = json_writer_finish(w, &s, &n);

	if (r < 0)
		return r;
	return write_all(fd, s, n);
}
