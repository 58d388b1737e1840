/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw rtnetlink for rtr-run's few requests (see netlink.h).  Messages are built in one
 * aligned stack buffer; nested attributes are opened and closed by hand.  No library:
 * the ten message shapes below do not justify a dependency on a router.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netlink.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef IFA_F_NODAD
#define IFA_F_NODAD 0x02
#endif
/* Older kernel headers (routers' toolchains) lack these; the values are ABI. */
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#define NLMSGERR_ATTR_MSG 1
#endif
#ifndef RTEXT_FILTER_SKIP_STATS
#define RTEXT_FILTER_SKIP_STATS (1 << 3)
#endif

#define NL_BUF 4096

struct nl_req {
	struct nlmsghdr *h;
	size_t cap;
};

union nl_buf {
	struct nlmsghdr h;
	char b[NL_BUF];
};

static void *req_tail(struct nl_req *q)
{
	return (char *)q->h + NLMSG_ALIGN(q->h->nlmsg_len);
}

static void req_init(struct nl_req *q, union nl_buf *buf, uint16_t type, uint16_t flags,
		     const void *body, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	q->h = &buf->h;
	q->cap = sizeof(*buf);
	q->h->nlmsg_type = type;
	q->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	q->h->nlmsg_len = NLMSG_LENGTH(len);
	memcpy(NLMSG_DATA(q->h), body, len);
}

/* Appends an attribute; returns it (for nesting) or NULL when the buffer is full. */
static struct rtattr *req_attr(struct nl_req *q, uint16_t type, const void *data, size_t len)
{
	size_t need = NLMSG_ALIGN(q->h->nlmsg_len) + RTA_SPACE(len);
	struct rtattr *a;

	if (need > q->cap)
		return NULL;
	a = req_tail(q);
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	q->h->nlmsg_len = need;
	return a;
}

static bool req_str(struct nl_req *q, uint16_t type, const char *s)
{
	return req_attr(q, type, s, strlen(s) + 1);
}

static bool req_u32(struct nl_req *q, uint16_t type, uint32_t v)
{
	return req_attr(q, type, &v, sizeof(v));
}

static void req_nest_end(struct nl_req *q, struct rtattr *nest)
{
	nest->rta_len = (char *)req_tail(q) - (char *)nest;
}

int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int one = 1;

	nl->seq = 0;
	nl->ext[0] = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	/* Best effort: older kernels lack them and simply give bare errnos. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		nl_close(nl);
		return r;
	}
	return 0;
}

struct ns_open {
	struct nl *nl;
	int netns_fd;
	int r;
};

static void *ns_open_thread(void *p)
{
	struct ns_open *o = p;

	/* Only this thread enters the namespace; the socket stays bound to it. */
	if (setns(o->netns_fd, CLONE_NEWNET) < 0)
		o->r = -errno;
	else
		o->r = nl_open(o->nl);
	return NULL;
}

int nl_open_netns(struct nl *nl, int netns_fd)
{
	struct ns_open o = {.nl = nl, .netns_fd = netns_fd, .r = -EIO};
	pthread_t t;
	int r;

	nl->fd = -1;
	r = pthread_create(&t, NULL, ns_open_thread, &o);
	if (r != 0)
		return -r;
	pthread_join(t, NULL);
	return o.r;
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static void keep_ext_ack(struct nl *nl, const struct nlmsghdr *h, const struct nlmsgerr *e)
{
	size_t off = NLMSG_LENGTH(sizeof(*e));
	const struct rtattr *a;
	size_t left;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (off >= h->nlmsg_len)
		return;
	a = (const struct rtattr *)((const char *)h + off);
	left = h->nlmsg_len - off;
	for (; RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == NLMSGERR_ATTR_MSG && RTA_PAYLOAD(a) > 0) {
			snprintf(nl->ext, sizeof(nl->ext), "%.*s", (int)RTA_PAYLOAD(a) - 1,
				 (const char *)RTA_DATA(a));
			return;
		}
}

/*
 * Sends @q and reads until its ack.  A reply message of @want_type (a GET's answer) is
 * copied to @reply when given.
 */
static int nl_talk(struct nl *nl, struct nl_req *q, uint16_t want_type, union nl_buf *reply)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t seq = ++nl->seq;
	ssize_t n;

	nl->ext[0] = 0;
	q->h->nlmsg_seq = seq;
	do
		n = sendto(nl->fd, q->h, q->h->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	for (;;) {
		struct nlmsghdr *h;
		size_t left;

		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		left = (size_t)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				if (e->error < 0)
					keep_ext_ack(nl, h, e);
				return e->error;
			}
			if (reply && h->nlmsg_type == want_type) {
				if (h->nlmsg_len > sizeof(*reply))
					return -EMSGSIZE;
				memcpy(reply, h, h->nlmsg_len);
			}
		}
	}
}

static void copy_attr(const struct rtattr *a, char *buf, size_t n)
{
	if (buf && n)
		snprintf(buf, n, "%.*s", (int)strnlen(RTA_DATA(a), RTA_PAYLOAD(a)),
			 (const char *)RTA_DATA(a));
}

int nl_link_query(struct nl *nl, const char *name, char *ret_kind, size_t kind_size,
		  char *ret_alias, size_t alias_size)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	union nl_buf buf, reply;
	struct nl_req q;
	struct rtattr *a;
	size_t left;
	int r;

	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	req_init(&q, &buf, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (!req_str(&q, IFLA_IFNAME, name) || !req_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
		return -ENOBUFS;
	memset(&reply.h, 0, sizeof(reply.h));
	r = nl_talk(nl, &q, RTM_NEWLINK, &reply);
	if (r < 0)
		return r;
	if (reply.h.nlmsg_type != RTM_NEWLINK)
		return -EPROTO;
	if (ret_kind && kind_size)
		ret_kind[0] = 0;
	if (ret_alias && alias_size)
		ret_alias[0] = 0;
	left = IFLA_PAYLOAD(&reply.h);
	for (a = IFLA_RTA(NLMSG_DATA(&reply.h)); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		struct rtattr *i;
		size_t ileft;

		if (a->rta_type == IFLA_IFALIAS)
			copy_attr(a, ret_alias, alias_size);
		if (a->rta_type != IFLA_LINKINFO || !ret_kind)
			continue;
		ileft = RTA_PAYLOAD(a);
		for (i = RTA_DATA(a); RTA_OK(i, ileft); i = RTA_NEXT(i, ileft))
			if (i->rta_type == IFLA_INFO_KIND)
				copy_attr(i, ret_kind, kind_size);
	}
	return ((struct ifinfomsg *)NLMSG_DATA(&reply.h))->ifi_index;
}

int nl_link_get(struct nl *nl, const char *name, char *ret_kind, size_t kind_size)
{
	return nl_link_query(nl, name, ret_kind, kind_size, NULL, 0);
}

int nl_link_set_alias(struct nl *nl, int ifindex, const char *alias)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	union nl_buf buf;
	struct nl_req q;

	req_init(&q, &buf, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (!req_str(&q, IFLA_IFALIAS, alias))
		return -ENOBUFS;
	return nl_talk(nl, &q, 0, NULL);
}

int nl_veth_create(struct nl *nl, const struct nl_veth *v)
{
	/* Not up yet: a veth cannot be opened before its peer is attached (-ENOTCONN), which
	 * happens after the kernel applies these flags. */
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct rtattr *linkinfo, *data, *peer;
	union nl_buf buf;
	struct nl_req q;

	req_init(&q, &buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	if (!req_str(&q, IFLA_IFNAME, v->name))
		return -ENOBUFS;
	if (v->mtu && !req_u32(&q, IFLA_MTU, v->mtu))
		return -ENOBUFS;
	if (v->master && !req_u32(&q, IFLA_MASTER, (uint32_t)v->master))
		return -ENOBUFS;
	linkinfo = req_attr(&q, IFLA_LINKINFO, NULL, 0);
	if (!linkinfo || !req_str(&q, IFLA_INFO_KIND, "veth"))
		return -ENOBUFS;
	data = req_attr(&q, IFLA_INFO_DATA, NULL, 0);
	/* VETH_INFO_PEER carries a whole ifinfomsg, then the peer's own attributes. */
	peer = data ? req_attr(&q, VETH_INFO_PEER, &ifi, sizeof(ifi)) : NULL;
	if (!peer || !req_str(&q, IFLA_IFNAME, v->peer) ||
	    !req_u32(&q, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd))
		return -ENOBUFS;
	if (v->mtu && !req_u32(&q, IFLA_MTU, v->mtu))
		return -ENOBUFS;
	if (v->peer_mac && !req_attr(&q, IFLA_ADDRESS, v->peer_mac, 6))
		return -ENOBUFS;
	req_nest_end(&q, peer);
	req_nest_end(&q, data);
	req_nest_end(&q, linkinfo);
	return nl_talk(nl, &q, 0, NULL);
}

int nl_link_up(struct nl *nl, int ifindex)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
				.ifi_index = ifindex,
				.ifi_flags = IFF_UP,
				.ifi_change = IFF_UP};
	union nl_buf buf;
	struct nl_req q;

	req_init(&q, &buf, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return nl_talk(nl, &q, 0, NULL);
}

int nl_link_rename_down(struct nl *nl, int ifindex, const char *name)
{
	struct ifinfomsg ifi = {
	    .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_change = IFF_UP};
	union nl_buf buf;
	struct nl_req q;

	req_init(&q, &buf, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (!req_str(&q, IFLA_IFNAME, name))
		return -ENOBUFS;
	return nl_talk(nl, &q, 0, NULL);
}

int nl_link_del(struct nl *nl, int ifindex)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	union nl_buf buf;
	struct nl_req q;

	req_init(&q, &buf, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	return nl_talk(nl, &q, 0, NULL);
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int nl_addr_add(struct nl *nl, int ifindex, const struct rtr_addr *a)
{
	struct ifaddrmsg ifa = {.ifa_family = (uint8_t)a->family,
				.ifa_prefixlen = a->prefixlen,
				.ifa_index = (uint32_t)ifindex};
	size_t len = addr_len(a->family);
	union nl_buf buf;
	struct nl_req q;

	if (a->family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	req_init(&q, &buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	if (!req_attr(&q, IFA_LOCAL, a->a.b, len) || !req_attr(&q, IFA_ADDRESS, a->a.b, len))
		return -ENOBUFS;
	if (a->family == AF_INET && a->prefixlen < 31) {
		uint32_t mask = a->prefixlen ? htonl(~0u << (32 - a->prefixlen)) : 0;
		uint32_t brd = a->a.v4 | ~mask;

		if (!req_attr(&q, IFA_BROADCAST, &brd, 4))
			return -ENOBUFS;
	}
	return nl_talk(nl, &q, 0, NULL);
}

int nl_route_default(struct nl *nl, int ifindex, const struct rtr_addr *gw)
{
	struct rtmsg rt = {.rtm_family = (uint8_t)gw->family,
			   .rtm_table = RT_TABLE_MAIN,
			   .rtm_protocol = RTPROT_BOOT,
			   .rtm_scope = RT_SCOPE_UNIVERSE,
			   .rtm_type = RTN_UNICAST};
	union nl_buf buf;
	struct nl_req q;

	req_init(&q, &buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	if (!req_attr(&q, RTA_GATEWAY, gw->a.b, addr_len(gw->family)) ||
	    !req_u32(&q, RTA_OIF, (uint32_t)ifindex))
		return -ENOBUFS;
	return nl_talk(nl, &q, 0, NULL);
}
