/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's network, RouterOS /interface/veth style:
 *   none     a new network namespace with only lo, up (the default);
 *   veth     the same plus a veth pair: the host end keeps a stable name (firewall rules
 *            name it), optionally enslaved to a bridge or given --host-address (routed);
 *            the container end is created directly inside the new namespace;
 *   host     the host's namespace (unsafe: the container can reconfigure the host);
 *   ns:PATH  join an existing namespace.
 * Everything is validated in net_apply_options/net_prepare, before anything exists; the
 * pair is made in net_setup_host and deleted again on any later error.  The pair dies
 * with the namespace when the container ends (also when rtr-run is SIGKILLed: the
 * container's init has PR_SET_PDEATHSIG), and net_teardown deletes the host end at once.
 *
 * resolv.conf and hosts are generated per run into a small tmpfs and bind-mounted over
 * the image's files, which stay untouched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/inroot.h"
#include "lib/util.h"
#include "modules.h"
#include "netlink.h"

enum net_mode { NET_NONE, NET_VETH, NET_HOST, NET_JOIN };

struct rtr_net {
	enum net_mode mode;
	char host[IFNAMSIZ], peer[IFNAMSIZ];
	bool host_derived;
	struct nl_addr addrs[RTR_NET_ADDR_MAX], host_addrs[RTR_NET_ADDR_MAX];
	size_t n_addrs, n_host_addrs;
	struct nl_addr gw, gw6;
	bool gw_set, gw6_set, mac_set;
	uint8_t mac[6];
	uint32_t mtu;
	int bridge_ifindex;
	int host_ifindex;     /* > 0 once the pair exists */
	char *resolv, *hosts; /* generated files, NULL = keep the image's */
};

/* ---- parsing ------------------------------------------------------------------------ */

static const char *label(bool cli, const char *opt, const char *ann)
{
	return cli ? opt : ann;
}

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ || streq(s, ".") || streq(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool addr_unspecified(const struct nl_addr *a)
{
	for (size_t i = 0; i < (a->family == AF_INET ? 4u : 16u); i++)
		if (a->a.b[i])
			return false;
	return true;
}

/* A host address "A/P"; the prefix is required. */
static int parse_cidr(const char *what, const char *s, struct nl_addr *ret, struct rtr_err *err)
{
	int r = nl_addr_parse(s, -1, ret);

	if (r == -ERANGE)
		return rtr_err_set(err, EINVAL, "%s %s: prefix length out of range", what, s);
	if (r < 0)
		return rtr_err_set(err, EINVAL, "%s %s: expected ADDRESS/PREFIX (IPv4 or IPv6)",
				   what, s);
	if (addr_unspecified(ret) || (ret->family == AF_INET && ret->a.b[0] >= 224) ||
	    (ret->family == AF_INET6 && ret->a.b[0] == 0xff))
		return rtr_err_set(err, EINVAL, "%s %s: not a unicast address", what, s);
	return 0;
}

static int parse_ip(const char *what, const char *s, int family, struct nl_addr *ret,
		    struct rtr_err *err)
{
	if (strchr(s, '/') || nl_addr_parse(s, 128, ret) < 0 || (family && ret->family != family) ||
	    addr_unspecified(ret))
		return rtr_err_set(err, EINVAL, "%s %s: expected an %saddress", what, s,
				   family == AF_INET	? "IPv4 "
				   : family == AF_INET6 ? "IPv6 "
							: "IP ");
	ret->prefixlen = ret->family == AF_INET ? 32 : 128;
	return 0;
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

static int parse_mac(const char *s, uint8_t mac[6])
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

static bool hostname_valid(const char *s)
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

/* The merged settings of s->ext, parsed into @n.  @o (may be NULL) only names the source
 * in messages: the option when the command line gave it, else the annotation. */
static int net_parse(const struct rtr_spec *s, const struct rtr_opts *o, struct rtr_net *n,
		     struct rtr_err *err)
{
	const struct rtr_ext *x = &s->ext;
	bool veth_opts;
	int r;

	memset(n, 0, sizeof(*n));
	veth_opts = x->veth || x->veth_peer || x->addresses || x->gateway || x->gateway6 ||
		    x->mac || x->mtu || x->bridge || x->host_addresses;
	if (!x->network)
		n->mode = veth_opts ? NET_VETH : NET_NONE;
	else if (streq(x->network, "veth"))
		n->mode = NET_VETH;
	else if (streq(x->network, "none"))
		n->mode = NET_NONE;
	else if (streq(x->network, "host"))
		n->mode = NET_HOST;
	else if (startswith(x->network, "ns:") && x->network[3] == '/')
		n->mode = NET_JOIN;
	else
		return rtr_err_set(err, EINVAL, "%s %s: expected veth, none, host or ns:/PATH",
				   label(o && o->network, "--network", "org.rtr.net.network"),
				   x->network);
	if (veth_opts && n->mode != NET_VETH)
		return rtr_err_set(err, EINVAL,
				   "--network %s: --veth, --veth-peer, --address, --gateway, "
				   "--gateway6, --mac, --mtu, --bridge and --host-address need "
				   "--network veth",
				   x->network);

	if (x->veth) {
		if (!ifname_valid(x->veth))
			return rtr_err_set(err, EINVAL,
					   "%s %s: not an interface name (1 to %d characters, no "
					   "'/', ':' or spaces)",
					   label(o && o->veth, "--veth", "org.rtr.net.veth"),
					   x->veth, IFNAMSIZ - 1);
		snprintf(n->host, sizeof(n->host), "%s", x->veth);
	}
	snprintf(n->peer, sizeof(n->peer), "%s", RTR_NET_PEER_DEFAULT);
	if (x->veth_peer) {
		if (!ifname_valid(x->veth_peer) || streq(x->veth_peer, "lo"))
			return rtr_err_set(
			    err, EINVAL, "%s %s: not an interface name",
			    label(o && o->veth_peer, "--veth-peer", "org.rtr.net.veth-peer"),
			    x->veth_peer);
		snprintf(n->peer, sizeof(n->peer), "%s", x->veth_peer);
	}

	for (char **a = x->addresses; a && *a; a++) {
		const char *w = label(o && o->addresses, "--address", "org.rtr.net.address");

		if (n->n_addrs == RTR_NET_ADDR_MAX)
			return rtr_err_set(err, E2BIG, "%s: more than %d addresses", w,
					   RTR_NET_ADDR_MAX);
		r = parse_cidr(w, *a, &n->addrs[n->n_addrs++], err);
		if (r < 0)
			return r;
	}
	for (char **a = x->host_addresses; a && *a; a++) {
		const char *w =
		    label(o && o->host_addresses, "--host-address", "org.rtr.net.host-address");

		if (n->n_host_addrs == RTR_NET_ADDR_MAX)
			return rtr_err_set(err, E2BIG, "%s: more than %d addresses", w,
					   RTR_NET_ADDR_MAX);
		r = parse_cidr(w, *a, &n->host_addrs[n->n_host_addrs++], err);
		if (r < 0)
			return r;
	}
	if (x->bridge && x->host_addresses)
		return rtr_err_set(err, EINVAL,
				   "--host-address: not with --bridge %s (give the bridge the "
				   "address instead)",
				   x->bridge);
	if (x->bridge && !ifname_valid(x->bridge))
		return rtr_err_set(err, EINVAL, "%s %s: not an interface name",
				   label(o && o->bridge, "--bridge", "org.rtr.net.bridge"),
				   x->bridge);

	/* A gateway outside every address's subnet is refused (an IPv6 link-local one is
	 * fine): the kernel would reject the route after the pair exists. */
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		const char *g = fam == AF_INET ? x->gateway : x->gateway6;
		const char *w = fam == AF_INET
				    ? label(o && o->gateway, "--gateway", "org.rtr.net.gateway")
				    : label(o && o->gateway6, "--gateway6", "org.rtr.net.gateway6");
		struct nl_addr *ga = fam == AF_INET ? &n->gw : &n->gw6;
		bool inside = false;

		if (!g)
			continue;
		r = parse_ip(w, g, fam, ga, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n->n_addrs; i++)
			inside |= nl_addr_in_subnet(&n->addrs[i], ga);
		/* fe80::/10 is on every link: IPv6 routers often announce only that. */
		if (fam == AF_INET6 && ga->a.b[0] == 0xfe && (ga->a.b[1] & 0xc0) == 0x80)
			inside = true;
		if (!inside)
			return rtr_err_set(err, EINVAL,
					   "%s %s: not in the subnet of any --address of the "
					   "container",
					   w, g);
		if (fam == AF_INET)
			n->gw_set = true;
		else
			n->gw6_set = true;
	}

	if (x->mac && parse_mac(x->mac, n->mac) < 0)
		return rtr_err_set(err, EINVAL,
				   "%s %s: expected a unicast MAC address XX:XX:XX:XX:XX:XX",
				   label(o && o->mac, "--mac", "org.rtr.net.mac"), x->mac);
	n->mac_set = x->mac != NULL;
	n->mtu = x->mtu;
	for (size_t i = 0; n->mtu && i < n->n_addrs; i++)
		if (n->addrs[i].family == AF_INET6 && n->mtu < 1280)
			return rtr_err_set(err, EINVAL,
					   "--mtu %u: IPv6 needs at least 1280 (the container has "
					   "an IPv6 address)",
					   n->mtu);

	if (strv_length(x->dns) > RTR_NET_ADDR_MAX)
		return rtr_err_set(err, E2BIG, "--dns: more than %d servers", RTR_NET_ADDR_MAX);
	for (char **d = x->dns; d && *d; d++) {
		struct nl_addr a;

		r = parse_ip(label(o && o->dns, "--dns", "org.rtr.net.dns"), *d, 0, &a, err);
		if (r < 0)
			return r;
	}
	if (strv_length(x->dns_search) > RTR_NET_LIST_MAX)
		return rtr_err_set(err, E2BIG, "--dns-search: more than %d domains",
				   RTR_NET_LIST_MAX);
	for (char **d = x->dns_search; d && *d; d++)
		if (!hostname_valid(*d))
			return rtr_err_set(
			    err, EINVAL, "%s %s: not a domain name",
			    label(o && o->dns_search, "--dns-search", "org.rtr.net.dns-search"),
			    *d);
	if (strv_length(x->add_hosts) > RTR_NET_LIST_MAX)
		return rtr_err_set(err, E2BIG, "--add-host: more than %d entries",
				   RTR_NET_LIST_MAX);
	for (char **h = x->add_hosts; h && *h; h++) {
		const char *w = label(o && o->add_hosts, "--add-host", "org.rtr.net.add-host");
		const char *colon = strchr(*h, ':');
		char name[254];
		struct nl_addr a;

		if (!colon || (size_t)(colon - *h) >= sizeof(name))
			return rtr_err_set(err, EINVAL, "%s %s: expected NAME:IP", w, *h);
		snprintf(name, sizeof(name), "%.*s", (int)(colon - *h), *h);
		if (!hostname_valid(name))
			return rtr_err_set(err, EINVAL, "%s %s: bad host name '%s'", w, *h, name);
		r = parse_ip(w, colon + 1, 0, &a, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- net_apply_options -------------------------------------------------------------- */

static int set_str(char **field, const char *cli, const struct rtr_spec *s, const char *ann)
{
	const char *v = cli ? cli : spec_annotation(s, ann);
	char *d;

	if (!v)
		return 0;
	d = strdup(v);
	if (!d)
		return -ENOMEM;
	free(*field);
	*field = d;
	return 0;
}

/* Lists: the command line replaces the annotation, whose items are separated by commas
 * or white space. */
static int set_strv(char ***field, char **cli, const struct rtr_spec *s, const char *ann)
{
	_cleanup_strv_free_ char **v = NULL;
	const char *a;
	int r;

	if (cli) {
		v = strv_copy(cli);
		if (!v)
			return -ENOMEM;
	} else if ((a = spec_annotation(s, ann))) {
		_cleanup_free_ char *buf = strdup(a);
		char *save = NULL;

		if (!buf)
			return -ENOMEM;
		for (char *t = strtok_r(buf, ", \t\n", &save); t;
		     t = strtok_r(NULL, ", \t\n", &save)) {
			r = strv_push(&v, t);
			if (r < 0)
				return r;
		}
	} else {
		return 0;
	}
	strv_free(*field);
	*field = TAKE_PTR(v);
	return 0;
}

int net_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	struct rtr_ext *x = &s->ext;
	struct rtr_namespace *ns = &s->lx.ns[RTR_NS_NET];
	const char *mtu;
	bool bundle_joins = ns->enabled && ns->path;
	struct rtr_net n;
	int r;

	if ((r = set_str(&x->network, o->network, s, "org.rtr.net.network")) < 0 ||
	    (r = set_str(&x->veth, o->veth, s, "org.rtr.net.veth")) < 0 ||
	    (r = set_str(&x->veth_peer, o->veth_peer, s, "org.rtr.net.veth-peer")) < 0 ||
	    (r = set_str(&x->gateway, o->gateway, s, "org.rtr.net.gateway")) < 0 ||
	    (r = set_str(&x->gateway6, o->gateway6, s, "org.rtr.net.gateway6")) < 0 ||
	    (r = set_str(&x->mac, o->mac, s, "org.rtr.net.mac")) < 0 ||
	    (r = set_str(&x->bridge, o->bridge, s, "org.rtr.net.bridge")) < 0 ||
	    (r = set_strv(&x->addresses, o->addresses, s, "org.rtr.net.address")) < 0 ||
	    (r = set_strv(&x->host_addresses, o->host_addresses, s, "org.rtr.net.host-address")) <
		0 ||
	    (r = set_strv(&x->dns, o->dns, s, "org.rtr.net.dns")) < 0 ||
	    (r = set_strv(&x->dns_search, o->dns_search, s, "org.rtr.net.dns-search")) < 0 ||
	    (r = set_strv(&x->add_hosts, o->add_hosts, s, "org.rtr.net.add-host")) < 0)
		return rtr_err_set(err, -r, "network options: %s", strerror(-r));

	mtu = o->mtu ? o->mtu : spec_annotation(s, "org.rtr.net.mtu");
	if (mtu) {
		uint64_t v;

		if (parse_u64(mtu, 65535, &v) < 0 || v < 68)
			return rtr_err_set(err, EINVAL, "%s %s: expected a number from 68 to 65535",
					   o->mtu ? "--mtu" : "org.rtr.net.mtu", mtu);
		x->mtu = (uint32_t)v;
	}

	/* A bundle that joins a namespace keeps doing so unless told otherwise. */
	if (!x->network && bundle_joins &&
	    !(x->veth || x->veth_peer || x->addresses || x->gateway || x->gateway6 || x->mac ||
	      x->mtu || x->bridge || x->host_addresses)) {
		x->network = xasprintf("ns:%s", ns->path);
		if (!x->network)
			return rtr_err_set(err, ENOMEM, "network options: %s", strerror(ENOMEM));
	}

	r = net_parse(s, o, &n, err);
	if (r < 0)
		return r;

	switch (n.mode) {
	case NET_NONE:
	case NET_VETH:
		ns->enabled = true;
		free(ns->path);
		ns->path = NULL;
		break;
	case NET_HOST:
		ns->enabled = false;
		free(ns->path);
		ns->path = NULL;
		break;
	case NET_JOIN:
		if (!streq(ns->path, x->network + 3)) {
			char *p = strdup(x->network + 3);

			if (!p)
				return rtr_err_set(err, ENOMEM, "--network: %s", strerror(ENOMEM));
			free(ns->path);
			ns->path = p;
		}
		ns->enabled = true;
		break;
	}
	return 0;
}

/* ---- net_prepare -------------------------------------------------------------------- */

static int gen_files(const struct rtr_spec *s, struct rtr_net *n)
{
	const struct rtr_ext *x = &s->ext;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (x->dns || x->dns_search) {
		f = open_memstream(&buf, &len);
		if (!f)
			return -ENOMEM;
		fputs("# generated by rtr-run\n", f);
		for (char **d = x->dns; d && *d; d++)
			fprintf(f, "nameserver %s\n", *d);
		if (x->dns_search) {
			fputs("search", f);
			for (char **d = x->dns_search; *d; d++)
				fprintf(f, " %s", *d);
			fputc('\n', f);
		}
		if (fclose(f) != 0) {
			free(buf);
			return -ENOMEM;
		}
		n->resolv = buf;
		buf = NULL;
	}

	if (n->mode != NET_HOST || x->add_hosts) {
		char ip[64];
		bool v4 = false, v6 = false;

		f = open_memstream(&buf, &len);
		if (!f)
			return -ENOMEM;
		fputs("# generated by rtr-run\n127.0.0.1\tlocalhost\n"
		      "::1\tlocalhost ip6-localhost ip6-loopback\n",
		      f);
		if (s->hostname && hostname_valid(s->hostname)) {
			for (size_t i = 0; i < n->n_addrs; i++) {
				const struct nl_addr *a = &n->addrs[i];
				bool *seen = a->family == AF_INET ? &v4 : &v6;

				if (*seen)
					continue;
				*seen = true;
				inet_ntop(a->family, a->a.b, ip, sizeof(ip));
				fprintf(f, "%s\t%s\n", ip, s->hostname);
			}
			if (!v4 && !v6)
				fprintf(f, "127.0.1.1\t%s\n", s->hostname);
		}
		for (char **h = x->add_hosts; h && *h; h++) {
			const char *colon = strchr(*h, ':');

			fprintf(f, "%s\t%.*s\n", colon + 1, (int)(colon - *h), *h);
		}
		if (fclose(f) != 0) {
			free(buf);
			return -ENOMEM;
		}
		n->hosts = buf;
	}
	return 0;
}

static void net_free(struct rtr_net *n)
{
	if (!n)
		return;
	free(n->resolv);
	free(n->hosts);
	free(n);
}

int net_prepare(struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_ext *x = &c->spec->ext;
	struct rtr_net *n;
	struct nl nl = { .fd = -1 };
	char kind[32];
	int r;

	n = calloc(1, sizeof(*n));
	if (!n)
		return rtr_err_set(err, ENOMEM, "network: %s", strerror(ENOMEM));
	c->net = n;
	r = net_parse(c->spec, c->opts, n, err);
	if (r < 0)
		return r;
	r = gen_files(c->spec, n);
	if (r < 0)
		return rtr_err_set(err, -r, "network: %s", strerror(-r));
	if (n->mode != NET_VETH)
		return 0;

	if (!n->host[0]) {
		snprintf(n->host, sizeof(n->host), "%s%s", RTR_NET_VETH_PREFIX, c->name);
		n->host_derived = true;
	}
	r = nl_open(&nl);
	if (r < 0)
		return rtr_err_set(err, -r, "network: rtnetlink socket: %s", strerror(-r));
	r = nl_link_get(&nl, n->host, NULL, 0);
	if (r >= 0) {
		nl_close(&nl);
		return rtr_err_set(
		    err, EEXIST, "--veth %s: an interface with that name already exists%s", n->host,
		    n->host_derived ? " (name derived from the container's; choose "
				      "one with --veth)"
				    : "");
	}
	if (r != -ENODEV) {
		nl_close(&nl);
		return rtr_err_set(err, -r, "--veth %s: %s", n->host, strerror(-r));
	}
	r = 0;
	if (x->bridge) {
		r = nl_link_get(&nl, x->bridge, kind, sizeof(kind));
		if (r == -ENODEV)
			r = rtr_err_set(err, ENODEV, "--bridge %s: no such interface", x->bridge);
		else if (r < 0)
			r = rtr_err_set(err, -r, "--bridge %s: %s", x->bridge, strerror(-r));
		else if (!streq(kind, "bridge"))
			r = rtr_err_set(err, EINVAL, "--bridge %s: not a bridge (%s)", x->bridge,
					kind[0] ? kind : "no link kind");
		else
			n->bridge_ifindex = r;
	}
	nl_close(&nl);
	return r < 0 ? r : 0;
}

/* ---- net_setup_host ----------------------------------------------------------------- */

static int nl_fail(struct rtr_err *err, const struct nl *nl, int r, const char *fmt_what,
		   const char *arg)
{
	return rtr_err_set(err, -r, "%s %s: %s%s%s", fmt_what, arg, strerror(-r),
			   nl->ext[0] ? ": " : "", nl->ext);
}

static int setup_container_end(struct rtr_net *n, int netns_fd, struct rtr_err *err)
{
	struct nl nl = { .fd = -1 };
	char ip[64];
	int idx, r;

	r = nl_open_netns(&nl, netns_fd);
	if (r < 0)
		return rtr_err_set(err, -r, "network: rtnetlink socket in the container: %s",
				   strerror(-r));
	idx = nl_link_get(&nl, n->peer, NULL, 0);
	if (idx < 0) {
		r = nl_fail(err, &nl, idx, "--veth-peer", n->peer);
		goto out;
	}
	r = nl_link_up(&nl, idx);
	if (r < 0) {
		r = nl_fail(err, &nl, r, "--veth-peer", n->peer);
		goto out;
	}
	for (size_t i = 0; i < n->n_addrs; i++) {
		char a[80];

		inet_ntop(n->addrs[i].family, n->addrs[i].a.b, ip, sizeof(ip));
		snprintf(a, sizeof(a), "%s/%u", ip, n->addrs[i].prefixlen);
		r = nl_addr_add(&nl, idx, &n->addrs[i]);
		if (r < 0) {
			r = nl_fail(err, &nl, r, "--address", a);
			goto out;
		}
	}
	if (n->gw_set || n->gw6_set) {
		for (int k = 0; k < 2; k++) {
			const struct nl_addr *g = k == 0 ? &n->gw : &n->gw6;

			if (!(k == 0 ? n->gw_set : n->gw6_set))
				continue;
			inet_ntop(g->family, g->a.b, ip, sizeof(ip));
			r = nl_route_default(&nl, idx, g);
			if (r < 0) {
				r = nl_fail(err, &nl, r, k == 0 ? "--gateway" : "--gateway6", ip);
				goto out;
			}
		}
	}
	r = 0;
out:
	nl_close(&nl);
	return r;
}

int net_setup_host(struct rtr_container *c, struct rtr_err *err)
{
	struct rtr_net *n = c->net;
	struct nl nl = { .fd = -1 };
	_cleanup_close_ int netns_fd = -1;
	char path[64], ip[64];
	int r;

	if (!n || n->mode != NET_VETH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)c->pid);
	netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (netns_fd < 0)
		return rtr_err_set(err, errno, "network: %s: %s", path, strerror(errno));
	r = nl_open(&nl);
	if (r < 0)
		return rtr_err_set(err, -r, "network: rtnetlink socket: %s", strerror(-r));

	r = nl_veth_create(&nl, &(struct nl_veth){
				    .name = n->host,
				    .peer = n->peer,
				    .peer_netns_fd = netns_fd,
				    .peer_mac = n->mac_set ? n->mac : NULL,
				    .mtu = n->mtu,
				    .master = n->bridge_ifindex,
				});
	if (r == -EEXIST) {
		r = rtr_err_set(err, EEXIST,
				"--veth %s: an interface with that name already exists", n->host);
		goto out;
	}
	if (r < 0) {
		r = nl_fail(err, &nl, r, "--veth", n->host);
		goto out;
	}
	r = nl_link_get(&nl, n->host, NULL, 0);
	if (r < 0) {
		r = nl_fail(err, &nl, r, "--veth", n->host);
		goto out;
	}
	n->host_ifindex = r;
	r = nl_link_up(&nl, n->host_ifindex);
	if (r < 0) {
		r = nl_fail(err, &nl, r, "--veth", n->host);
		goto out;
	}

	for (size_t i = 0; i < n->n_host_addrs; i++) {
		char a[80];

		inet_ntop(n->host_addrs[i].family, n->host_addrs[i].a.b, ip, sizeof(ip));
		snprintf(a, sizeof(a), "%s/%u", ip, n->host_addrs[i].prefixlen);
		r = nl_addr_add(&nl, n->host_ifindex, &n->host_addrs[i]);
		if (r < 0) {
			r = nl_fail(err, &nl, r, "--host-address", a);
			goto out;
		}
	}
	r = setup_container_end(n, netns_fd, err);
out:
	if (r < 0 && n->host_ifindex > 0 && nl_link_del(&nl, n->host_ifindex) == 0)
		n->host_ifindex = 0;
	nl_close(&nl);
	return r;
}

/* ---- net_setup_child ---------------------------------------------------------------- */

/* O_PATH fd of the regular file /etc/NAME in the rootfs, created empty when absent (the
 * mount point; its content stays hidden under the bind mount). */
static int mount_point(int rootfd, const char *name, struct rtr_err *err)
{
	char rel[32];
	struct stat st;
	int fd = -1, r;

	snprintf(rel, sizeof(rel), "/etc/%s", name);
	r = inroot_open(rootfd, rel, &fd);
	if (r == -ENOENT)
		r = inroot_mkdir(rootfd, rel, true, &fd);
	if (r < 0)
		return rtr_err_set(err, -r, "/etc/%s: mount point: %s%s", name, strerror(-r),
				   r == -ENOENT ? " (a dangling symlink in the image?)" : "");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = errno ? errno : EINVAL;
		close(fd);
		return rtr_err_set(err, r, "/etc/%s: not a regular file in the image", name);
	}
	return fd;
}

static int place_file(int rootfd, int tmpfd, const char *name, const char *content,
		      struct rtr_err *err)
{
	_cleanup_close_ int src = -1, dst = -1;
	char from[32], to[32];
	int r;

	src = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (src < 0)
		return rtr_err_set(err, errno, "/etc/%s: %s", name, strerror(errno));
	r = write_all(src, content, strlen(content));
	if (r < 0)
		return rtr_err_set(err, -r, "/etc/%s: %s", name, strerror(-r));
	close(src);
	src = openat(tmpfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return rtr_err_set(err, errno, "/etc/%s: %s", name, strerror(errno));
	dst = mount_point(rootfd, name, err);
	if (dst < 0)
		return dst;
	snprintf(from, sizeof(from), "/proc/self/fd/%d", src);
	snprintf(to, sizeof(to), "/proc/self/fd/%d", dst);
	if (mount(from, to, NULL, MS_BIND, NULL) < 0)
		return rtr_err_set(err, errno, "/etc/%s: bind mount: %s", name, strerror(errno));
	return 0;
}

int net_setup_child(const struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_net *n = c->net;
	_cleanup_close_ int rootfd = -1, dev = -1, tmp = -1;
	char devpath[32], opts[64], top[PATH_MAX];
	int r;

	if (!n)
		return 0;
	if (n->mode == NET_NONE || n->mode == NET_VETH) {
		struct nl nl;

		r = nl_open(&nl);
		if (r >= 0) {
			/* lo is ifindex 1 in every new namespace. */
			r = nl_link_up(&nl, 1);
			nl_close(&nl);
		}
		if (r < 0)
			return rtr_err_set(err, -r, "lo: setting it up: %s", strerror(-r));
	}
	if (!n->resolv && !n->hosts)
		return 0;

	/* The files live in a private tmpfs stacked on the container's /dev for a moment:
	 * the bind mounts keep it alive after it is unmounted there again. */
	rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rtr_err_set(err, errno, "%s: %s", c->rootfs, strerror(errno));
	dev = openat(rootfd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0)
		return rtr_err_set(err, errno, "/dev: %s", strerror(errno));
	snprintf(devpath, sizeof(devpath), "/proc/self/fd/%d", dev);
	snprintf(opts, sizeof(opts), "size=%u,mode=0755", (unsigned)RTR_NET_FILES_BYTES);
	if (mount("rtr-net", devpath, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return rtr_err_set(err, errno, "resolv.conf and hosts: tmpfs: %s", strerror(errno));
	tmp = openat(rootfd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmp < 0) {
		r = rtr_err_set(err, errno, "resolv.conf and hosts: tmpfs: %s", strerror(errno));
		goto out;
	}
	r = 0;
	if (n->resolv)
		r = place_file(rootfd, tmp, "resolv.conf", n->resolv, err);
	if (r >= 0 && n->hosts)
		r = place_file(rootfd, tmp, "hosts", n->hosts, err);
out:
	/* Unmount the stacked tmpfs: by path, which reaches the topmost mount on
	 * rootfs/dev (the fd paths would name the /dev below it). */
	snprintf(top, sizeof(top), "%s/dev", c->rootfs);
	if (umount2(top, MNT_DETACH) < 0 && r >= 0)
		r = rtr_err_set(err, errno, "resolv.conf and hosts: unmounting the tmpfs: %s",
				strerror(errno));
	return r;
}

/* ---- net_teardown ------------------------------------------------------------------- */

void net_teardown(struct rtr_container *c)
{
	struct rtr_net *n = c->net;
	struct nl nl;

	if (!n)
		return;
	/*
	 * The pair dies with the container's namespace, which the kernel frees a moment
	 * after the container's last process (asynchronously).  Deleting it here would
	 * hold rtr-run's exit for an unregister of ~20 ms (RCU grace periods); instead the
	 * host end is set down and renamed, which frees its name at once for a restart,
	 * and the kernel deletes it with the namespace.  Without a pid namespace of its
	 * own, processes of the container may outlive its init and keep the namespace:
	 * then the pair is deleted.  Only a link that still carries the name this run
	 * gave it is touched; if the rename fails, it is deleted.
	 */
	if (n->host_ifindex > 0 && nl_open(&nl) == 0) {
		const struct rtr_namespace *pidns = &c->spec->lx.ns[RTR_NS_PID];

		if (nl_link_get(&nl, n->host, NULL, 0) == n->host_ifindex) {
			char gone[IFNAMSIZ];

			snprintf(gone, sizeof(gone), "rtrgone%x", (unsigned)n->host_ifindex);
			if (!pidns->enabled || pidns->path ||
			    nl_link_rename_down(&nl, n->host_ifindex, gone) < 0)
				nl_link_del(&nl, n->host_ifindex);
		}
		nl_close(&nl);
	}
	net_free(n);
	c->net = NULL;
}
