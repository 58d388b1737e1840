/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit test of runner/lib/json.c (parser limits, cursors and paths, writer), TAP output. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "lib/json.h"

static int n_test, n_failed;

static void check(int cond, const char *what, const char *got)
{
	n_test++;
	if (cond)
		printf("ok %d - %s\n", n_test, what);
	else {
		n_failed++;
		printf("not ok %d - %s\n# got: %s\n", n_test, what, got ? got : "(null)");
	}
}

/* Parse @text; expect failure with @want in the message (NULL: expect success). */
static void parse_case(const char *text, size_t len, const char *want, const char *what)
{
	struct rtr_err err = {0};
	struct json *j = NULL;
	int r = json_parse(text, len, 1 << 20, &j, &err);

	if (want)
		check(r < 0 && strstr(err.msg, want), what, r < 0 ? err.msg : "parsed");
	else
		check(r == 0, what, err.msg);
	json_free(j);
}

static void test_parser(void)
{
	char deep[2 * RTR_JSON_MAX_DEPTH + 3];

	parse_case("{\"a\": [1, 2]}", 13, NULL, "a plain document parses");
	parse_case("", 0, "empty file", "empty input");
	parse_case("{\n  \"a\": tru\n}", 14, "line 2, column 11: syntax error",
		   "syntax errors name line and column");
	parse_case("[1] [2]", 7, "trailing garbage", "one value only");
	parse_case("[\"a\0b\"]", 7, "line 1, column 4: NUL byte", "raw NUL byte");
	parse_case("[\"\\u0000\"]", 10, "NUL character", "escaped NUL");
	parse_case("[\"\xc0\xaf\"]", 6, "invalid UTF-8", "overlong UTF-8");
	parse_case("[\"\xf4\x90\x80\x80\"]", 8, "invalid UTF-8", "above U+10FFFF");
	parse_case("[\"\xe2\x82\xac \xf0\x9f\x98\x80\"]", 12, NULL, "valid multi-byte UTF-8");
	parse_case("[1]", 3, NULL, "size under the limit");
	{
		struct rtr_err err = {0};
		struct json *j = NULL;
		int r = json_parse("[1, 2, 3]", 9, 8, &j, &err);
		check(r == -EFBIG, "size over the limit is -EFBIG", err.msg);
	}
	memset(deep, '[', RTR_JSON_MAX_DEPTH);
	memset(deep + RTR_JSON_MAX_DEPTH, ']', RTR_JSON_MAX_DEPTH);
	parse_case(deep, 2 * RTR_JSON_MAX_DEPTH, NULL, "nesting at the limit parses");
	memset(deep, '[', RTR_JSON_MAX_DEPTH + 1);
	memset(deep + RTR_JSON_MAX_DEPTH + 1, ']', RTR_JSON_MAX_DEPTH + 1);
	parse_case(deep, 2 * RTR_JSON_MAX_DEPTH + 2, "nesting too deep", "one level more fails");
}

/* Parse @text; expect exactly the message @want. */
static void parse_exact(const char *text, const char *want, const char *what)
{
	struct rtr_err err = {0};
	struct json *j = NULL;
	int r = json_parse(text, strlen(text), 1 << 24, &j, &err);

	check(r == -EINVAL && strcmp(err.msg, want) == 0, what, r < 0 ? err.msg : "parsed");
	json_free(j);
}

/* An object of @n members "k0".."k<n-1>", plus "k<dup>" again at the end when dup < n. */
static char *many_keys(size_t n, size_t dup)
{
	size_t cap = 32 * (n + 1), at = 0;
	char *s = malloc(cap);

	if (!s)
		abort();
	s[at++] = '{';
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(s + at, cap - at, "%s\"k%zu\": %zu", i ? ", " : "", i, i);
	if (dup < n)
		at += (size_t)snprintf(s + at, cap - at, ", \"k%zu\": 0", dup);
	snprintf(s + at, cap - at, "}");
	return s;
}

static void test_duplicates(void)
{
	struct rtr_err err = {0};
	struct json *j = NULL;
	const char *text;
	clock_t t0;
	char *big;
	int r;

	parse_exact("{\"process\": {\"user\": {\"uid\": 1000, \"uid\": 0}}}",
		    ".process.user.uid: duplicate key", "a repeated name names its path");
	parse_exact("{\"a\": 1, \"b\": 2, \"a\": 3}", ".a: duplicate key",
		    "top-level duplicate, not adjacent");
	parse_exact("{\"m\": [{\"x\": 1}, {\"t\": 1, \"y\": {}, \"t\": 2}]}",
		    ".m[1].t: duplicate key", "duplicate inside an array element");
	parse_exact("{\"a\": {\"o.k\": 1, \"o.k\": 1}}", ".a[\"o.k\"]: duplicate key",
		    "odd names are quoted like jq");
	parse_exact("{\"a\": {\"\\u0041\": 1, \"A\": 1}}", ".a.A: duplicate key",
		    "names compare after unescaping");
	text = "{\"a\": {\"x\": 1}, \"b\": {\"x\": 1}, \"x\": [{\"x\": 1}, {\"x\": 1}]}";
	parse_case(text, strlen(text), NULL, "the same name in different objects is fine");
	parse_exact(
	    "{\"k17\": 0, \"k3\": 1, \"k17\": 2, \"k3\": 3, \"a\": 0, \"b\": 0, \"c\": 0, "
	    "\"d\": 0, \"e\": 0, \"f\": 0, \"g\": 0, \"h\": 0, \"i\": 0, \"j\": 0, \"k\": 0, "
	    "\"l\": 0, \"m\": 0}",
	    ".k17: duplicate key", "big objects report the first repetition too");

	big = many_keys(100000, 100000);
	t0 = clock();
	r = json_parse(big, strlen(big), 1 << 24, &j, &err);
	check(r == 0 && j->n == 100000, "100k distinct names parse", err.msg);
	json_free(j);
	j = NULL;
	free(big);
	big = many_keys(100000, 99990);
	r = json_parse(big, strlen(big), 1 << 24, &j, &err);
	check(r == -EINVAL && strcmp(err.msg, ".k99990: duplicate key") == 0,
	      "a duplicate among 100k names is found", err.msg);
	/* Pairwise checking would take minutes; sorting takes milliseconds. */
	check(clock() - t0 < 5 * CLOCKS_PER_SEC, "100k names are checked in n log n", NULL);
	json_free(j);
	free(big);
}

static void test_cursors(void)
{
	const char *text = "{\"a\": {\"b.c\": [\"x\", -5, 18446744073709551615, 1.5, null]},"
			   " \"d\": 2, \"ctl\\n\": 0}";
	struct rtr_err err = {0};
	struct json *j = NULL;
	struct json_cur root, a, bc, item, d;
	const char *s = NULL;
	int64_t i = 0;
	uint64_t u = 0;
	char path[128];
	int r;

	if (json_parse(text, strlen(text), 4096, &j, &err) < 0) {
		check(0, "cursor document parses", err.msg);
		return;
	}
	root = json_root(j);
	a = json_member(&root, "a");
	bc = json_member(&a, "b.c");
	item = json_item(&bc, 0);
	check(json_str(&item, &s, &err) == 1 && strcmp(s, "x") == 0, "json_str", err.msg);
	item = json_item(&bc, 1);
	json_path(&item, path, sizeof(path));
	check(strcmp(path, ".a[\"b.c\"][1]") == 0, "paths quote odd keys like jq", path);
	r = json_u64(&item, UINT64_MAX, &u, &err);
	check(r == -EINVAL && strcmp(err.msg, ".a[\"b.c\"][1]: -5 is out of range [0, "
					      "18446744073709551615]") == 0,
	      "a negative number is not a u64", err.msg);
	check(json_i64(&item, -10, 10, &i, &err) == 1 && i == -5, "json_i64", err.msg);
	item = json_item(&bc, 2);
	check(json_u64(&item, UINT64_MAX, &u, &err) == 1 && u == UINT64_MAX, "u64 max survives",
	      err.msg);
	check(json_i64(&item, INT64_MIN, INT64_MAX, &i, &err) == -EINVAL, "u64 max is not an i64",
	      err.msg);
	item = json_item(&bc, 3);
	check(json_i64(&item, INT64_MIN, INT64_MAX, &i, &err) == -EINVAL &&
		  strstr(err.msg, "expected an integer, got 1.5"),
	      "fractions are not integers", err.msg);
	item = json_item(&bc, 4);
	check(json_str(&item, &s, &err) == 0, "null counts as absent", NULL);
	check(json_require(&item, &err) == -EINVAL && strstr(err.msg, "[4]: missing"),
	      "json_require", err.msg);
	item = json_item(&bc, 9);
	check(!json_present(&item), "past the end is absent", NULL);
	d = json_member(&root, "d");
	check(json_i64(&d, 0, 9, &i, &err) == 1 && i == 2, "json_member", err.msg);
	d = json_member(&root, "a");
	check(json_str(&d, &s, &err) == -EINVAL &&
		  strcmp(err.msg, ".a: expected a string, got an object") == 0,
	      "wrong type names path and both types", err.msg);
	d = json_member(&root, "ctl\n");
	json_error(&d, &err, "bad");
	check(strchr(err.msg, '\n') == NULL, "control characters are masked in messages", err.msg);
	json_path(&root, path, sizeof(path));
	check(strcmp(path, ".") == 0, "the root's path is \".\"", path);
	json_free(j);
}

static void test_writer(void)
{
	struct json_writer *w = json_writer_new(false);
	char *out = NULL;
	int r;

	json_w_begin_object(w);
	json_w_member_string(w, "s", "q\"b\\n\n\x01\xff\xc3\xa9");
	json_w_member_int(w, "i", INT64_MIN);
	json_w_member_uint(w, "u", UINT64_MAX);
	json_w_member_bool(w, "b", false);
	json_w_key(w, "a");
	json_w_begin_array(w);
	json_w_null(w);
	json_w_double(w, 0.25);
	json_w_begin_array(w);
	json_w_end_array(w);
	json_w_string(w, NULL);
	json_w_end_array(w);
	json_w_end_object(w);
	r = json_writer_finish(w, &out, NULL);
	check(r == 0 && strcmp(out, "{\"s\":\"q\\\"b\\\\n\\n\\u0001\xef\xbf\xbd\xc3\xa9\","
				    "\"i\":-9223372036854775808,\"u\":18446744073709551615,"
				    "\"b\":false,\"a\":[null,0.25,[],null]}") == 0,
	      "compact output with escapes, invalid UTF-8 as U+FFFD", out);
	free(out);

	w = json_writer_new(true);
	json_w_begin_object(w);
	json_w_member_int(w, "pid", 1);
	json_w_key(w, "l");
	json_w_begin_array(w);
	json_w_int(w, 2);
	json_w_end_array(w);
	json_w_end_object(w);
	r = json_writer_finish(w, &out, NULL);
	check(r == 0 && strcmp(out, "{\n\t\"pid\": 1,\n\t\"l\": [\n\t\t2\n\t]\n}\n") == 0,
	      "pretty output", out);
	free(out);

	w = json_writer_new(true);
	json_w_begin_object(w);
	json_w_key(w, "e");
	json_w_begin_object(w);
	json_w_end_object(w);
	json_w_key(w, "a");
	json_w_begin_array(w);
	json_w_begin_array(w);
	json_w_end_array(w);
	json_w_begin_object(w);
	json_w_member_string(w, "\xff", "\t/");
	json_w_end_object(w);
	json_w_end_array(w);
	json_w_end_object(w);
	r = json_writer_finish(w, &out, NULL);
	check(r == 0 && strcmp(out, "{\n\t\"e\": {},\n\t\"a\": [\n\t\t[],\n\t\t{\n\t\t\t"
				    "\"\xef\xbf\xbd\": \"\\t/\"\n\t\t}\n\t]\n}\n") == 0,
	      "pretty output keeps empty containers on one line", out);
	free(out);
	w = json_writer_new(true);
	json_w_begin_array(w);
	json_w_end_array(w);
	r = json_writer_finish(w, &out, NULL);
	check(r == 0 && strcmp(out, "[]\n") == 0, "an empty top-level array, pretty", out);
	free(out);

	w = json_writer_new(false);
	json_w_begin_array(w);
	json_w_double(w, 0.1);
	json_w_double(w, 1e300);
	json_w_uint(w, (uint64_t)INT64_MAX + 1);
	json_w_end_array(w);
	r = json_writer_finish(w, &out, NULL);
	check(r == 0 && strcmp(out, "[0.10000000000000001,1.0000000000000001e+300,"
				    "9223372036854775808]") == 0,
	      "doubles with 17 digits, u64 above INT64_MAX", out);
	free(out);

	w = json_writer_new(false);
	json_w_begin_array(w);
	json_w_double(w, 2);
	json_w_double(w, -0.0);
	json_w_double(w, 1e300 * 1e300);
	json_w_end_array(w);
	r = json_writer_finish(w, &out, NULL);
	check(r == 0 && strcmp(out, "[2.0,-0.0,null]") == 0,
	      "doubles read back as doubles, infinity as null", out);
	free(out);

	w = json_writer_new(false);
	json_w_begin_object(w);
	json_w_int(w, 1);
	json_w_end_object(w);
	check(json_writer_finish(w, &out, NULL) == -EINVAL, "a member without a name is refused",
	      NULL);
	w = json_writer_new(false);
	json_w_begin_array(w);
	check(json_writer_finish(w, &out, NULL) == -EINVAL, "an open array is refused", NULL);
	w = json_writer_new(false);
	json_w_int(w, 1);
	json_w_int(w, 2);
	check(json_writer_finish(w, &out, NULL) == -EINVAL, "two top-level values are refused",
	      NULL);
	w = json_writer_new(false);
	json_w_begin_object(w);
	json_w_string(w, "k");
	json_w_int(w, 1);
	json_w_end_object(w);
	check(json_writer_finish(w, &out, NULL) == -EINVAL, "a string is not a member name", NULL);
	w = json_writer_new(false);
	json_w_begin_object(w);
	json_w_end_array(w);
	check(json_writer_finish(w, &out, NULL) == -EINVAL, "closes must match their opens", NULL);
	w = json_writer_new(false);
	json_w_key(w, "k");
	json_w_int(w, 1);
	check(json_writer_finish(w, &out, NULL) == -EINVAL, "a key outside an object is refused",
	      NULL);
	w = json_writer_new(false);
	check(json_writer_finish(w, &out, NULL) == -EINVAL, "no value at all is refused", NULL);
	json_w_int(NULL, 1);
	check(json_writer_finish(NULL, &out, NULL) == -ENOMEM, "a NULL writer is -ENOMEM", NULL);
}

int main(void)
{
	test_parser();
	test_duplicates();
	test_cursors();
	test_writer();
	printf("1..%d\n", n_test);
	return n_failed ? 1 : 0;
}
