/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The low-level SHA-256 interface: the same assembly (SHA-NI, ARMv8 crypto extensions) as
 * EVP, without initialising OpenSSL's provider machinery, which costs ~3 MiB of resident
 * library pages on a router for nothing. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "digest.h"
#include "runner/lib/util.h"

struct digest {
	SHA256_CTX md;
	uint64_t n;
	bool done;
};

int digest_new(struct digest **ret)
{
	struct digest *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (SHA256_Init(&d->md) != 1) {
		digest_free(d);
		return -EIO;
	}
	*ret = d;
	return 0;
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	free(d);
}

int digest_update(struct digest *d, const void *buf, size_t len)
{
	if (d->done)
		return -EINVAL;
	if (len && SHA256_Update(&d->md, buf, len) != 1)
		return -EIO;
	d->n += len;
	return 0;
}

uint64_t digest_bytes(const struct digest *d)
{
	return d->n;
}

int digest_final(struct digest *d, char ret[DIGEST_STR_MAX])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	unsigned int hl = SHA256_DIGEST_LENGTH;
	static const char hex[] = "0123456789abcdef";

	if (d->done)
		return -EINVAL;
	if (SHA256_Final(h, &d->md) != 1)
		return -EIO;
	d->done = true;
	memcpy(ret, "sha256:", 7);
	for (unsigned i = 0; i < hl; i++) {
		ret[7 + 2 * i] = hex[h[i] >> 4];
		ret[8 + 2 * i] = hex[h[i] & 15];
	}
	ret[7 + 2 * hl] = 0;
	return 0;
}

int digest_check(struct digest *d, const char *expected, const char *what, struct rtr_err *err)
{
	char got[DIGEST_STR_MAX];
	int r = digest_final(d, got);
	if (r < 0)
		return rtr_err_set(err, -r, "%s: computing sha256 failed", what);
	if (!expected || strcmp(expected, got) != 0)
		return rtr_err_set(err, EBADMSG, "%s: digest mismatch: expected %s, got %s", what,
				   expected ? expected : "(none)", got);
	return 0;
}

int digest_validate(const char *s, const char *what, struct rtr_err *err)
{
	const char *hex;

	if (!s)
		return rtr_err_set(err, EINVAL, "%s: missing digest", what);
	hex = strchr(s, ':');
	if (!hex || hex == s)
		return rtr_err_set(err, EINVAL, "%s: malformed digest", what);
	if ((size_t)(hex - s) != 6 || strncmp(s, "sha256", 6) != 0)
		return rtr_err_set(err, ENOTSUP, "%s: unsupported digest algorithm", what);
	hex++;
	if (strlen(hex) != 64)
		return rtr_err_set(err, EINVAL, "%s: malformed sha256 digest", what);
	for (const char *p = hex; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return rtr_err_set(err, EINVAL, "%s: malformed sha256 digest", what);
	return 0;
}

const char *digest_hex(const char *s)
{
	const char *p = strchr(s, ':');
	return p ? p + 1 : s;
}

int digest_buf(const void *buf, size_t len, char ret[DIGEST_STR_MAX])
{
	_cleanup_digest_ struct digest *d = NULL;
	int r = digest_new(&d);
	if (r < 0)
		return r;
	r = digest_update(d, buf, len);
	if (r < 0)
		return r;
	return digest_final(d, ret);
}

int digest_verify_buf(const void *buf, size_t len, const char *expected, const char *what,
		      struct rtr_err *err)
{
	_cleanup_digest_ struct digest *d = NULL;
	int r = digest_validate(expected, what, err);
	if (r < 0)
		return r;
	r = digest_new(&d);
	if (r < 0)
		return rtr_err_set(err, -r, "%s: out of memory", what);
	r = digest_update(d, buf, len);
	if (r < 0)
		return rtr_err_set(err, -r, "%s: hashing failed", what);
	return digest_check(d, expected, what, err);
}
