/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

size_t strv_length(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int strv_consume(char ***v, char *s)
{
	size_t n = strv_length(*v);
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

int strv_push(char ***v, const char *s)
{
	return strv_consume(v, strdup(s));
}

char **strv_copy(char *const *v)
{
	size_t n = strv_length(v);
	char **c = calloc(n + 1, sizeof(char *));

	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			strv_free(c);
			return NULL;
		}
	}
	return c;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || v > max)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	char *end;
	long long v;

	if (!s || !*s || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	static const char units[] = "bkmgt";
	char *end;
	double v;
	uint64_t mult = 1;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	if (*end) {
		const char *u = strchr(units, *end | 0x20);
		if (!u || *end == 0)
			return -EINVAL;
		for (long i = 0; i < u - units; i++)
			mult *= 1024;
		end++;
		if ((*end | 0x20) == 'i')
			end++;
		if ((*end | 0x20) == 'b' && u != units)
			end++;
		if (*end)
			return -EINVAL;
	}
	if (v * (double)mult >= 18446744073709551615.0)
		return -ERANGE;
	*ret = (uint64_t)(v * (double)mult);
	return 0;
}

void format_bytes(uint64_t b, char *buf, size_t n)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	size_t i = 0;

	if (b == UINT64_MAX) {
		snprintf(buf, n, "max");
		return;
	}
	while (v >= 1024 && i + 1 < ELEMENTSOF(units)) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, n, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, n, "%.1f %s", v, units[i]);
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;

			if (cap > max + 1)
				return -EFBIG;
			nb = realloc(buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
		if (len > max)
			return -EFBIG;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

int tmpfile_at(int dirfd)
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : -errno;
	for (unsigned i = 0; i < 100; i++) {
		char name[32];
		snprintf(name, sizeof(name), ".tmpfile-%d-%u", (int)getpid(), i);
		fd = openat(dirfd, name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			(void)unlinkat(dirfd, name, 0);
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	return -errno;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int write_string_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return write_all(fd, s, strlen(s));
}

int write_file_atomic_at(int dirfd, const char *path, const void *buf, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	_cleanup_close_ int fd = -1;
	int r;

	if (!tmp)
		return -ENOMEM;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    mode);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, path) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}

int env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
	char **v = *env;

	for (size_t i = 0; v && v[i]; i++)
		if (strncmp(v[i], kv, kl) == 0 && (v[i][kl] == '=' || !v[i][kl])) {
			char *n = strdup(kv);

			if (!n)
				return -ENOMEM;
			free(v[i]);
			v[i] = n;
			return 0;
		}
	return strv_push(env, kv);
}

static int cpulist_num(const char *p, char **end, size_t nbits, unsigned long *ret)
{
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoul(p, end, 10);
	if (errno || *ret >= nbits)
		return -ERANGE;
	return 0;
}

int cpulist_parse(const char *list, uint8_t *mask, size_t nbits)
{
	const char *p = list;
	char *end;

	memset(mask, 0, (nbits + 7) / 8);
	if (!p || !*p)
		return -EINVAL;
	while (*p) {
		unsigned long a, b;
		int r = cpulist_num(p, &end, nbits, &a);

		if (r < 0)
			return r;
		b = a;
		if (*end == '-' && (r = cpulist_num(end + 1, &end, nbits, &b)) < 0)
			return r;
		if (b < a)
			return -EINVAL;
		for (unsigned long i = a; i <= b; i++)
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -EINVAL;
		p = end;
	}
	return 0;
}

int path_rel_append(char *buf, size_t n, const char *part)
{
	size_t len = strlen(buf);

	while (*part) {
		const char *e;
		size_t l;

		while (*part == '/')
			part++;
		if (!*part)
			break;
		e = strchrnul(part, '/');
		l = (size_t)(e - part);
		if ((l == 1 && part[0] == '.') || (l == 2 && part[0] == '.' && part[1] == '.'))
			return -EINVAL;
		if (len + l + 2 > n)
			return -ENAMETOOLONG;
		if (len)
			buf[len++] = '/';
		memcpy(buf + len, part, l);
		len += l;
		buf[len] = 0;
		part = e;
	}
	return 0;
}

void bind_spec_done(struct bind_spec *b)
{
	free(b->src);
	free(b->dst);
	*b = (struct bind_spec){0};
}

int bind_spec_parse(const char *arg, struct bind_spec *ret, const char **ret_why)
{
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *mode = c2 ? c2 + 1 : "rw";
	char *src;

	*ret = (struct bind_spec){0};
	if (!c1 || c1 == arg || c1[1] == 0 || c1[1] == ':') {
		*ret_why = "expected SRC:DST[:ro|rw]";
		return -EINVAL;
	}
	if (c1[1] != '/') {
		*ret_why = "destination must be absolute";
		return -EINVAL;
	}
	if (!streq(mode, "ro") && !streq(mode, "rw")) {
		*ret_why = "unknown mode (ro or rw)";
		return -EINVAL;
	}
	src = strndup(arg, (size_t)(c1 - arg));
	if (src && src[0] != '/') {
		_cleanup_free_ char *rel = src;
		char cwd[PATH_MAX];

		src = getcwd(cwd, sizeof(cwd)) ? xasprintf("%s/%s", cwd, rel) : NULL;
	}
	ret->src = src;
	ret->dst = c2 ? strndup(c1 + 1, (size_t)(c2 - c1 - 1)) : strdup(c1 + 1);
	ret->ro = streq(mode, "ro");
	if (!ret->src || !ret->dst) {
		bind_spec_done(ret);
		return -ENOMEM;
	}
	return 0;
}

int strdup_replace(char **field, const char *v)
{
	char *n = strdup(v);

	if (!n)
		return -ENOMEM;
	free(*field);
	*field = n;
	return 0;
}
