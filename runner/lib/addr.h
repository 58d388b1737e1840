/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* IP addresses, MAC addresses and DNS names as rtr-run's network settings take them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An address as given on the command line: family, 4 or 16 bytes, prefix length. */
struct rtr_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t prefixlen;
	union {
		uint8_t b[16];
		uint32_t v4;
	} a;
};

/* "10.0.0.2/24", "fd00::2/64", "10.0.0.1" (prefix @default_prefix capped at the
 * family's length; -1 = a prefix is required): 0, -EINVAL, or -ERANGE for a long prefix. */
int addr_parse(const char *s, int default_prefix, struct rtr_addr *ret);
/* true when @ip is inside @net's prefix (same family). */
bool addr_in_subnet(const struct rtr_addr *net, const struct rtr_addr *ip);
/* 0.0.0.0 or :: */
bool addr_unspecified(const struct rtr_addr *a);
/* Unicast: not unspecified, not IPv4 multicast/class E, not IPv6 multicast. */
bool addr_unicast(const struct rtr_addr *a);
/* "10.0.0.2" (no prefix) into @buf (INET6_ADDRSTRLEN). */
const char *addr_to_string(const struct rtr_addr *a, char *buf, size_t n);

/* "02:42:ac:11:00:02": a unicast, non-zero MAC. */
int mac_parse(const char *s, uint8_t ret[6]);
/* Host or domain name: 1..253 of [A-Za-z0-9._-]. */
bool dns_name_valid(const char *s);
