/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

int addr_parse(const char *s, int default_prefix, struct rtr_addr *ret)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	long prefix = default_prefix;
	int max;

	memset(ret, 0, sizeof(*ret));
	if (n == 0 || n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = 0;
	if (inet_pton(AF_INET, ip, ret->a.b) == 1)
		ret->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, ret->a.b) == 1)
		ret->family = AF_INET6;
	else
		return -EINVAL;
	max = ret->family == AF_INET ? 32 : 128;
	if (slash) {
		const char *p = slash + 1;

		if (*p < '0' || *p > '9' || strlen(p) > 3)
			return -EINVAL;
		prefix = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			prefix = prefix * 10 + (*p - '0');
		}
	}
	if (prefix < 0)
		return -EINVAL;
	if (!slash && prefix > max)
		prefix = max;
	if (prefix > max)
		return -ERANGE;
	ret->prefixlen = (uint8_t)prefix;
	return 0;
}

bool addr_in_subnet(const struct rtr_addr *net, const struct rtr_addr *ip)
{
	unsigned bits = net->prefixlen;

	if (net->family != ip->family)
		return false;
	for (unsigned i = 0; bits > 0; i++, bits = bits > 8 ? bits - 8 : 0) {
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((net->a.b[i] & mask) != (ip->a.b[i] & mask))
			return false;
	}
	return true;
}

bool addr_unspecified(const struct rtr_addr *a)
{
	for (size_t i = 0; i < (a->family == AF_INET ? 4u : 16u); i++)
		if (a->a.b[i])
			return false;
	return true;
}

bool addr_unicast(const struct rtr_addr *a)
{
	return !addr_unspecified(a) && !(a->family == AF_INET && a->a.b[0] >= 224) &&
	       !(a->family == AF_INET6 && a->a.b[0] == 0xff);
}

const char *addr_to_string(const struct rtr_addr *a, char *buf, size_t n)
{
	if (!inet_ntop(a->family, a->a.b, buf, (socklen_t)n) && n)
		buf[0] = 0;
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1) /* multicast */
		return -EINVAL;
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

bool dns_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}
