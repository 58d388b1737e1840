/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"
#include "tar.h"

#define BLOCK 512

enum tar_state {
	TAR_HEADER, /* collecting a 512-byte header */
	TAR_DATA,   /* content of a regular file, passed through */
	TAR_META,   /* content of an L/K/x/g header, collected */
	TAR_SKIP,   /* content nobody wants */
	TAR_PAD,    /* padding to the next block */
	TAR_EOF,    /* after the end-of-archive zero blocks: the rest is ignored */
};

struct tar {
	const struct tar_handler *h;
	void *ud;
	enum tar_state state;
	unsigned char hdr[BLOCK];
	size_t hdr_fill;
	uint64_t left; /* bytes of the current state's payload */
	uint64_t pad;
	unsigned zero_blocks;
	uint64_t n_entries;

	/* meta being collected */
	char meta_type;
	char *meta;
	size_t meta_len;

	/* overrides for the next entry */
	char *long_name;
	char *long_link;
	char *pax_path;
	char *pax_link;
	bool pax_size_set, pax_mtime_set, pax_uid_set, pax_gid_set;
	uint64_t pax_size;
	int64_t pax_mtime;
	uint32_t pax_mtime_nsec;
	uint64_t pax_uid, pax_gid;
	struct unpack_xattr *xattrs;
	size_t n_xattrs;

	/* current entry */
	struct unpack_entry e;
	char *e_path;
	char *e_link;
	bool in_entry;
};

int tar_new(struct tar **ret, const struct tar_handler *h, void *ud)
{
	struct tar *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->h = h;
	t->ud = ud;
	*ret = t;
	return 0;
}

static void overrides_clear(struct tar *t)
{
	free(t->long_name);
	free(t->long_link);
	free(t->pax_path);
	free(t->pax_link);
	t->long_name = t->long_link = t->pax_path = t->pax_link = NULL;
	t->pax_size_set = t->pax_mtime_set = t->pax_uid_set = t->pax_gid_set = false;
	for (size_t i = 0; i < t->n_xattrs; i++) {
		free(t->xattrs[i].name);
		free(t->xattrs[i].value);
	}
	free(t->xattrs);
	t->xattrs = NULL;
	t->n_xattrs = 0;
}

static void entry_clear(struct tar *t)
{
	free(t->e_path);
	free(t->e_link);
	t->e_path = t->e_link = NULL;
	memset(&t->e, 0, sizeof(t->e));
}

void tar_free(struct tar *t)
{
	if (!t)
		return;
	overrides_clear(t);
	entry_clear(t);
	free(t->meta);
	free(t);
}

/* "%.*s" of a header name for messages, control bytes replaced. */
static void printable(char *dst, size_t n, const char *src, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; i < len && src[i] && j + 1 < n; i++)
		dst[j++] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
	dst[j] = 0;
}

static int bad(struct tar *t, struct rtr_err *err, const char *what)
{
	char name[128];
	const char *p = t->e_path ? t->e_path : (const char *)t->hdr;
	printable(name, sizeof(name), p, t->e_path ? strlen(p) : 100);
	return rtr_err_set(err, EBADMSG, "tar entry %llu (%s): %s",
			   (unsigned long long)t->n_entries + 1, name[0] ? name : "?", what);
}

/* Octal (NUL/space terminated, leading spaces) or base-256 (GNU, high bit set). */
static int parse_num(const unsigned char *f, size_t n, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] & 0x40)
			return -ERANGE; /* negative */
		v = f[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return -ERANGE;
			v = (v << 8) | f[i];
		}
		*ret = v;
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -ERANGE;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != 0)
			return -EINVAL;
	*ret = v;
	return 0;
}

static bool checksum_ok(const unsigned char *h)
{
	uint64_t want;
	unsigned long su = 0;
	long ss = 0;

	if (parse_num(h + 148, 8, &want) < 0)
		return false;
	for (int i = 0; i < BLOCK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
		su += c;
		ss += (signed char)c;
	}
	/* Some old tars summed signed chars. */
	return want == su || (int64_t)want == ss;
}

static bool all_zero(const unsigned char *h)
{
	for (int i = 0; i < BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

/* Copy a fixed-size header field; a field may fill its size without a NUL. */
static char *field_dup(const unsigned char *f, size_t n)
{
	return strndup((const char *)f, n);
}

static int xattr_add(struct tar *t, const char *name, const char *value, size_t len)
{
	struct unpack_xattr *x;

	if (t->n_xattrs >= RTR_PULL_MAX_XATTRS)
		return -E2BIG;
	x = realloc(t->xattrs, (t->n_xattrs + 1) * sizeof(*x));
	if (!x)
		return -ENOMEM;
	t->xattrs = x;
	x = &t->xattrs[t->n_xattrs];
	x->name = strdup(name);
	x->value = malloc(len + 1);
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return -ENOMEM;
	}
	memcpy(x->value, value, len);
	x->value[len] = 0;
	x->len = len;
	t->n_xattrs++;
	return 0;
}

static int pax_decimal(const char *v, size_t len, uint64_t *ret)
{
	uint64_t n = 0;
	if (len == 0 || len > 19)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		n = n * 10 + (v[i] - '0');
	}
	*ret = n;
	return 0;
}

/* A path-like PAX value: no NUL inside, bounded. */
static int pax_path(const char *v, size_t len, char **ret)
{
	if (len == 0 || len > RTR_PULL_MAX_PATH || memchr(v, 0, len))
		return -EINVAL;
	free(*ret);
	*ret = strndup(v, len);
	return *ret ? 0 : -ENOMEM;
}

/* A PAX uid or gid: below (uid_t)-1, which means "no change" to chown(). */
static int pax_id(const char *v, size_t len, uint64_t *ret, bool *ret_set)
{
	int r = pax_decimal(v, len, ret);

	*ret_set = r == 0 && *ret <= UINT32_MAX - 1;
	return r == 0 && !*ret_set ? -ERANGE : r;
}

/* "[-]seconds[.fraction]" */
static int pax_mtime(struct tar *t, const char *v, size_t len)
{
	const char *dot = memchr(v, '.', len);
	size_t il = dot ? (size_t)(dot - v) : len;
	bool neg = il > 0 && v[0] == '-';
	uint64_t s = 0, ns = 0;
	int r = pax_decimal(v + neg, il - neg, &s);

	if (r == 0 && dot) {
		size_t fl = len - il - 1, k;
		for (k = 0; k < fl && k < 9; k++) {
			if (dot[1 + k] < '0' || dot[1 + k] > '9')
				r = -EINVAL;
			ns = ns * 10 + (dot[1 + k] - '0');
		}
		for (; k < 9; k++)
			ns *= 10;
	}
	if (r == 0 && s > INT64_MAX / 2)
		r = -ERANGE;
	if (r == 0) {
		t->pax_mtime = neg ? -(int64_t)s : (int64_t)s;
		t->pax_mtime_nsec = neg ? 0 : (uint32_t)ns;
		t->pax_mtime_set = true;
	}
	return r;
}

static int pax_record(struct tar *t, bool global, const char *key, const char *v, size_t len,
		      struct rtr_err *err)
{
	const char *xname;
	int r = 0;

	if (global)
		return 0; /* checked for syntax only; a global default is not honoured */
	if (streq(key, "path"))
		r = pax_path(v, len, &t->pax_path);
	else if (streq(key, "linkpath"))
		r = pax_path(v, len, &t->pax_link);
	else if (streq(key, "size")) {
		r = pax_decimal(v, len, &t->pax_size);
		t->pax_size_set = r == 0;
	} else if (streq(key, "uid"))
		r = pax_id(v, len, &t->pax_uid, &t->pax_uid_set);
	else if (streq(key, "gid"))
		r = pax_id(v, len, &t->pax_gid, &t->pax_gid_set);
	else if (streq(key, "mtime"))
		r = pax_mtime(t, v, len);
	else if ((xname = startswith(key, "SCHILY.xattr."))) {
		if (!*xname || strlen(xname) > 255)
			r = -EINVAL;
		else
			r = xattr_add(t, xname, v, len);
	}
	/* uname, gname, atime, ctime, comment, charset, hdrcharset, GNU.sparse.*, LIBARCHIVE.*:
	 * not needed (ownership is numeric in images). */
	if (r == -ENOMEM)
		return rtr_err_set(err, ENOMEM, "out of memory");
	if (r < 0)
		return bad(t, err, r == -E2BIG ? "too many extended attributes" : "bad PAX record");
	return 0;
}

static int pax_parse(struct tar *t, bool global, struct rtr_err *err)
{
	char *p = t->meta, *end = t->meta + t->meta_len;

	while (p < end) {
		uint64_t rl = 0;
		char *q = p, *eq, *rend;
		int r;

		while (q < end && *q >= '0' && *q <= '9' && q - p < 10)
			rl = rl * 10 + (*q++ - '0');
		if (q == p || q >= end || *q != ' ' || rl < 5 || rl > (uint64_t)(end - p))
			return bad(t, err, "malformed PAX header");
		rend = p + rl;
		if (rend[-1] != '\n')
			return bad(t, err, "malformed PAX record");
		q++;
		eq = memchr(q, '=', rend - q);
		if (!eq || eq == q)
			return bad(t, err, "malformed PAX record");
		*eq = 0;
		if (memchr(q, 0, eq - q))
			return bad(t, err, "NUL in PAX key");
		r = pax_record(t, global, q, eq + 1, rend - 1 - (eq + 1), err);
		if (r < 0)
			return r;
		p = rend;
	}
	return 0;
}

/* GNU 'L' / 'K' data: a NUL-terminated name; a NUL inside is refused. */
static int long_name(struct tar *t, char **ret, struct rtr_err *err)
{
	size_t n = t->meta_len;
	while (n > 0 && t->meta[n - 1] == 0)
		n--;
	if (n == 0 || n > RTR_PULL_MAX_PATH || memchr(t->meta, 0, n))
		return bad(t, err, "bad GNU long name");
	free(*ret);
	*ret = strndup(t->meta, n);
	return *ret ? 0 : rtr_err_set(err, ENOMEM, "out of memory");
}

static int meta_done(struct tar *t, struct rtr_err *err)
{
	int r;
	switch (t->meta_type) {
	case 'L':
		r = long_name(t, &t->long_name, err);
		break;
	case 'K':
		r = long_name(t, &t->long_link, err);
		break;
	default:
		r = pax_parse(t, t->meta_type == 'g', err);
	}
	free(t->meta);
	t->meta = NULL;
	t->meta_len = 0;
	return r;
}

static int entry_finish(struct tar *t, struct rtr_err *err)
{
	int r = 0;
	if (t->in_entry && t->h->entry_end)
		r = t->h->entry_end(t->ud, err);
	t->in_entry = false;
	entry_clear(t);
	return r;
}

/* The padding is consumed: the next header follows. */
static int pad_end(struct tar *t, struct rtr_err *err)
{
	t->state = TAR_HEADER;
	return entry_finish(t, err);
}

/* The payload is consumed: collected metadata is parsed, then the padding follows (the entry
 * ends at once when there is none). */
static int payload_end(struct tar *t, struct rtr_err *err)
{
	bool meta = t->state == TAR_META;

	t->state = TAR_PAD;
	if (meta) {
		int r = meta_done(t, err);
		if (r < 0)
			return r;
	}
	return t->pad > 0 ? 0 : pad_end(t, err);
}

static int payload_begin(struct tar *t, enum tar_state s, uint64_t size, struct rtr_err *err)
{
	t->state = s;
	t->left = size;
	t->pad = (BLOCK - size % BLOCK) % BLOCK;
	return size == 0 ? payload_end(t, err) : 0;
}

static bool is_meta_type(char type)
{
	return type == 'L' || type == 'K' || type == 'x' || type == 'g' || type == 'X';
}

/* An L/K/x/g header: its content is collected (bounded) and parsed at its end. */
static int meta_begin(struct tar *t, char type, uint64_t size, struct rtr_err *err)
{
	if (size > RTR_PULL_MAX_PAX_BYTES)
		return bad(t, err, "extended header too large");
	t->meta_type = type == 'X' ? 'x' : type;
	t->meta = malloc(size + 1);
	if (!t->meta)
		return rtr_err_set(err, ENOMEM, "out of memory");
	t->meta_len = 0;
	return payload_begin(t, TAR_META, size, err);
}

/* Path and link target: a PAX record wins over a GNU long name over the header fields. */
static int entry_names(struct tar *t, struct rtr_err *err)
{
	const unsigned char *h = t->hdr;
	bool ustar = memcmp(h + 257, "ustar", 5) == 0;
	bool gnu = memcmp(h + 257, "ustar  ", 8) == 0;

	if (t->pax_path)
		t->e_path = TAKE_PTR(t->pax_path);
	else if (t->long_name)
		t->e_path = TAKE_PTR(t->long_name);
	else if (ustar && !gnu && h[345]) {
		_cleanup_free_ char *pre = field_dup(h + 345, 155), *nm = field_dup(h, 100);
		if (!pre || !nm)
			return rtr_err_set(err, ENOMEM, "out of memory");
		t->e_path = xasprintf("%s/%s", pre, nm);
	} else
		t->e_path = field_dup(h, 100);
	if (t->pax_link)
		t->e_link = TAKE_PTR(t->pax_link);
	else if (t->long_link)
		t->e_link = TAKE_PTR(t->long_link);
	else
		t->e_link = field_dup(h + 157, 100);
	if (!t->e_path || !t->e_link)
		return rtr_err_set(err, ENOMEM, "out of memory");
	if (!t->e_path[0])
		return bad(t, err, "empty name");
	if (strlen(t->e_path) > RTR_PULL_MAX_PATH)
		return bad(t, err, "name too long");
	return 0;
}

/* The numeric header fields of an entry, before PAX overrides. */
struct tar_nums {
	uint64_t size, mode, uid, gid, mtime;
};

static int entry_attrs(struct tar *t, struct tar_nums *n, struct rtr_err *err)
{
	if (t->pax_size_set)
		n->size = t->pax_size;
	if (t->pax_uid_set)
		n->uid = t->pax_uid;
	if (t->pax_gid_set)
		n->gid = t->pax_gid;
	if (n->uid >= UINT32_MAX || n->gid >= UINT32_MAX)
		return bad(t, err, "uid/gid out of range");
	t->e.path = t->e_path;
	t->e.linkname = t->e_link;
	t->e.mode = n->mode & 07777;
	t->e.uid = (uid_t)n->uid;
	t->e.gid = (gid_t)n->gid;
	t->e.mtime = t->pax_mtime_set ? t->pax_mtime : (int64_t)n->mtime;
	t->e.mtime_nsec = t->pax_mtime_set ? t->pax_mtime_nsec : 0;
	t->e.xattrs = t->xattrs;
	t->e.n_xattrs = t->n_xattrs;
	t->e.size = 0;
	return 0;
}

static int entry_device(struct tar *t, char type, struct rtr_err *err)
{
	uint64_t dmaj, dmin;

	if (parse_num(t->hdr + 329, 8, &dmaj) < 0 || parse_num(t->hdr + 337, 8, &dmin) < 0 ||
	    dmaj > 0xfff || dmin > 0xfffff)
		return bad(t, err, "bad device number");
	t->e.type = type == '3' ? UNPACK_CHAR : UNPACK_BLOCK;
	t->e.rdev = makedev((unsigned)dmaj, (unsigned)dmin);
	return 0;
}

static int entry_type(struct tar *t, char type, uint64_t size, struct rtr_err *err)
{
	char m[48];

	switch (type) {
	case '0':
	case '\0':
	case '7':
		t->e.type = UNPACK_REG;
		t->e.size = size;
		/* old tars mark directories with a trailing slash only */
		if (type == '\0' && t->e_path[strlen(t->e_path) - 1] == '/')
			t->e.type = UNPACK_DIR;
		break;
	case '3':
	case '4':
		return entry_device(t, type, err);
	case '1':
		t->e.type = UNPACK_HARDLINK;
		break;
	case '2':
		t->e.type = UNPACK_SYMLINK;
		break;
	case '5':
		t->e.type = UNPACK_DIR;
		break;
	case '6':
		t->e.type = UNPACK_FIFO;
		break;
	default:
		snprintf(m, sizeof(m), "unsupported entry type '%c'",
			 type >= 0x20 && type < 0x7f ? type : '?');
		return bad(t, err, m);
	}
	return 0;
}

/* Hand the entry to the handler, then pass its data through (regular files) or skip it. */
static int entry_start(struct tar *t, char type, uint64_t size, struct rtr_err *err)
{
	int r;

	if ((t->e.type == UNPACK_HARDLINK || t->e.type == UNPACK_SYMLINK) && !t->e_link[0])
		return bad(t, err, "empty link target");
	if (strlen(t->e_link) > RTR_PULL_MAX_PATH)
		return bad(t, err, "link target too long");
	r = t->h->entry(t->ud, &t->e, err);
	overrides_clear(t); /* xattrs were lent to the handler for entry() only */
	t->e.xattrs = NULL;
	t->e.n_xattrs = 0;
	if (r < 0)
		return r;
	t->in_entry = true;
	/* Hard links and others may carry a size; their data is skipped. */
	if (t->e.type == UNPACK_REG)
		return payload_begin(t, TAR_DATA, size, err);
	return payload_begin(t, TAR_SKIP, type == '1' || type == '2' ? 0 : size, err);
}

static int header_done(struct tar *t, struct rtr_err *err)
{
	const unsigned char *h = t->hdr;
	char type = (char)h[156];
	struct tar_nums n;
	int r;

	if (all_zero(h)) {
		/* End of archive: two zero blocks (one is accepted: some writers stop there). */
		if (++t->zero_blocks >= 2)
			t->state = TAR_EOF;
		return 0;
	}
	if (t->zero_blocks)
		return bad(t, err, "data after a zero block");
	if (!checksum_ok(h))
		return bad(t, err, "header checksum mismatch");
	if (parse_num(h + 124, 12, &n.size) < 0 || parse_num(h + 100, 8, &n.mode) < 0 ||
	    parse_num(h + 108, 8, &n.uid) < 0 || parse_num(h + 116, 8, &n.gid) < 0 ||
	    parse_num(h + 136, 12, &n.mtime) < 0)
		return bad(t, err, "malformed numeric field");
	if (is_meta_type(type))
		return meta_begin(t, type, n.size, err);

	t->n_entries++;
	r = entry_names(t, err);
	if (r >= 0)
		r = entry_attrs(t, &n, err);
	if (r >= 0)
		r = entry_type(t, type, n.size, err);
	if (r < 0)
		return r;
	return entry_start(t, type, n.size, err);
}

static int feed_header(struct tar *t, const unsigned char *p, size_t len, size_t *ret_n,
		       struct rtr_err *err)
{
	size_t n = BLOCK - t->hdr_fill < len ? BLOCK - t->hdr_fill : len;

	memcpy(t->hdr + t->hdr_fill, p, n);
	t->hdr_fill += n;
	*ret_n = n;
	if (t->hdr_fill < BLOCK)
		return 0;
	t->hdr_fill = 0;
	return header_done(t, err);
}

/* Content of an entry or an extended header: passed through, collected or skipped. */
static int feed_payload(struct tar *t, const unsigned char *p, size_t len, size_t *ret_n,
			struct rtr_err *err)
{
	size_t n = t->left < len ? (size_t)t->left : len;

	*ret_n = n;
	if (t->state == TAR_DATA) {
		int r = t->h->data(t->ud, p, n, err);
		if (r < 0)
			return r;
	} else if (t->state == TAR_META) {
		memcpy(t->meta + t->meta_len, p, n);
		t->meta_len += n;
	}
	t->left -= n;
	return t->left == 0 ? payload_end(t, err) : 0;
}

static int feed_pad(struct tar *t, size_t len, size_t *ret_n, struct rtr_err *err)
{
	size_t n = t->pad < len ? (size_t)t->pad : len;

	*ret_n = n;
	t->pad -= n;
	return t->pad == 0 ? pad_end(t, err) : 0;
}

int tar_feed(struct tar *t, const void *buf, size_t len, struct rtr_err *err)
{
	const unsigned char *p = buf;

	/* trailing blocks after the end marker are allowed */
	while (len > 0 && t->state != TAR_EOF) {
		size_t n = 0;
		int r;

		if (t->state == TAR_HEADER)
			r = feed_header(t, p, len, &n, err);
		else if (t->state == TAR_PAD)
			r = feed_pad(t, len, &n, err);
		else
			r = feed_payload(t, p, len, &n, err);
		if (r < 0)
			return r;
		p += n;
		len -= n;
	}
	return 0;
}

int tar_end(struct tar *t, struct rtr_err *err)
{
	if (t->state == TAR_EOF)
		return 0;
	if (t->state == TAR_HEADER && t->hdr_fill == 0 && !t->in_entry && !t->meta &&
	    (t->zero_blocks > 0 || t->n_entries > 0) && !t->long_name && !t->pax_path) {
		/* Missing end-of-archive blocks: tolerated like GNU tar does (with a warning
		 * there); the stream ended on an entry boundary, so nothing is lost. */
		return 0;
	}
	return rtr_err_set(err, EBADMSG, "tar: archive is truncated");
}

int tar_parse_header(const void *block, struct tar_header *ret)
{
	const unsigned char *h = block;
	bool gnu = memcmp(h + 257, "ustar  ", 8) == 0;

	if (all_zero(h))
		return 0;
	if (!checksum_ok(h) || parse_num(h + 124, 12, &ret->size) < 0)
		return -EBADMSG;
	ret->type = (char)h[156];
	if (!gnu && memcmp(h + 257, "ustar", 5) == 0 && h[345])
		snprintf(ret->name, sizeof(ret->name), "%.155s/%.100s", (const char *)h + 345,
			 (const char *)h);
	else
		snprintf(ret->name, sizeof(ret->name), "%.100s", (const char *)h);
	snprintf(ret->linkname, sizeof(ret->linkname), "%.100s", (const char *)h + 157);
	return 1;
}
