/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Raw rtnetlink, just the requests rtr-run makes: look a link up, create a veth pair with
 * the peer placed in another network namespace, set a link up, delete a link, add an
 * address, add a default route.  Every call sends one request with NLM_F_ACK and waits
 * for its answer; errors are negative errnos, and the kernel's extended-ack text (when it
 * sends one) is kept in nl->ext for the caller's message.
 */

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/addr.h"

struct nl {
	int fd;
	uint32_t seq;
	char ext[128]; /* kernel's extended ack message of the last error, or "" */
};

/* rtnetlink socket in the caller's network namespace. */
int nl_open(struct nl *nl);
/* rtnetlink socket in the network namespace @netns_fd refers to (made by a short-lived
 * thread, so the calling thread never changes namespace). */
int nl_open_netns(struct nl *nl, int netns_fd);
void nl_close(struct nl *nl);

/* Link lookup: ifindex (> 0) or -ENODEV; @ret_kind (may be NULL) gets IFLA_INFO_KIND
 * ("bridge", "veth", "" when none). */
int nl_link_get(struct nl *nl, const char *name, char *ret_kind, size_t kind_size);
/* nl_link_get() that also gives the link's alias (IFLA_IFALIAS, "" when none). */
int nl_link_query(struct nl *nl, const char *name, char *ret_kind, size_t kind_size,
		  char *ret_alias, size_t alias_size);
/* Sets the link's alias: rtr marks the host ends it creates with it. */
int nl_link_set_alias(struct nl *nl, int ifindex, const char *alias);

struct nl_veth {
	const char *name; /* host end, in nl's namespace */
	const char *peer; /* the other end, created directly in peer_netns_fd */
	int peer_netns_fd;
	const uint8_t *peer_mac; /* 6 bytes or NULL */
	uint32_t mtu;		 /* 0 = kernel default */
	int master;		 /* bridge ifindex or 0 */
};
/* Creates the pair, both ends down.  -EEXIST when @name is taken. */
int nl_veth_create(struct nl *nl, const struct nl_veth *v);

int nl_link_up(struct nl *nl, int ifindex);
int nl_link_del(struct nl *nl, int ifindex);
/* Sets the link down and renames it (frees its name without waiting for an unregister). */
int nl_link_rename_down(struct nl *nl, int ifindex, const char *name);
/* Adds @a on @ifindex; IPv6 addresses skip duplicate address detection (IFA_F_NODAD):
 * they are static and usable at once. */
int nl_addr_add(struct nl *nl, int ifindex, const struct rtr_addr *a);
/* Default route of @gw's family via @gw on @ifindex. */
int nl_route_default(struct nl *nl, int ifindex, const struct rtr_addr *gw);
