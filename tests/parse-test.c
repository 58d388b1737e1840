/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of the pure parsers rtr-run's settings are made of (no root, no container):
 * sizes, CPU lists, signals, addresses, bind specs, and the settings table's merge of
 * annotations and options.  TAP output.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "names.h"
#include "settings.h"
#include "tap.h"

static void test_size(void)
{
	static const struct {
		const char *in;
		int r;
		uint64_t want;
	} t[] = {
	    {"4096", 0, 4096},	    {"512k", 0, 512 * 1024}, {"64M", 0, 64 << 20},
	    {"64MiB", 0, 64 << 20}, {"64mb", 0, 64 << 20},   {"1.5G", 0, 3ULL << 29},
	    {"1T", 0, 1ULL << 40},  {"", -EINVAL, 0},	     {"-1", -EINVAL, 0},
	    {"10X", -EINVAL, 0},    {"64 M", -EINVAL, 0},    {"99999999999T", -ERANGE, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = 0;
		int r = parse_size(t[i].in, &v);

		check(r == t[i].r && (r < 0 || v == t[i].want), "parse_size \"%s\" -> %d %" PRIu64,
		      t[i].in, r, v);
	}
}

static void test_cpulist(void)
{
	uint8_t m[128 / 8];

	check(cpulist_parse("0-3,5", m, 128) == 0 && m[0] == 0x2f && m[1] == 0,
	      "cpulist 0-3,5 -> 0x2f");
	check(cpulist_parse("7", m, 128) == 0 && m[0] == 0x80, "cpulist 7");
	check(cpulist_parse("120-127", m, 128) == 0 && m[15] == 0xff, "cpulist 120-127");
	check(cpulist_parse("128", m, 128) == -ERANGE, "cpulist past the bits is -ERANGE");
	check(cpulist_parse("3-1", m, 128) == -EINVAL, "cpulist 3-1 (reversed) is -EINVAL");
	check(cpulist_parse("", m, 128) == -EINVAL, "cpulist empty is -EINVAL");
	check(cpulist_parse("1,", m, 128) == -EINVAL, "cpulist trailing comma is -EINVAL");
	check(cpulist_parse("1,,2", m, 128) == -EINVAL, "cpulist double comma is -EINVAL");
	check(cpulist_parse("0-", m, 128) == -EINVAL, "cpulist open range is -EINVAL");
	check(cpulist_parse("all", m, 128) == -EINVAL, "cpulist word is -EINVAL");
	check(cpulist_parse("-1", m, 128) == -EINVAL, "cpulist negative is -EINVAL");
}

static void test_signal(void)
{
	static const struct {
		const char *in;
		int off;  /* from SIGRTMIN, SIGRTMAX or 0 */
		int base; /* 0: plain number, 1: SIGRTMIN, 2: SIGRTMAX, -1: invalid */
	} t[] = {
	    {"TERM", SIGTERM, 0},
	    {"SIGTERM", SIGTERM, 0},
	    {"sigterm", SIGTERM, 0},
	    {"15", SIGTERM, 0},
	    {"SIGKILL", SIGKILL, 0},
	    {"SIGIOT", SIGABRT, 0},
	    {"CLD", SIGCHLD, 0},
	    {"SIGPOLL", SIGIO, 0},
	    {"SIGPWR", SIGPWR, 0},
	    {"SIGSYS", SIGSYS, 0},
	    {"SIGWINCH", SIGWINCH, 0},
	    {"SIGRTMIN", 0, 1},
	    {"SIGRTMIN+3", 3, 1},
	    {"RTMIN+3", 3, 1},
	    {"rtmin+0", 0, 1},
	    {"SIGRTMAX", 0, 2},
	    {"SIGRTMAX-2", 2, 2},
	    {"RTMAX-1", 1, 2},
	    {"0", 0, -1},
	    {"SIGBOGUS", 0, -1},
	    {"", 0, -1},
	    {"SIGRTMIN+", 0, -1},
	    {"SIGRTMIN-1", 0, -1},
	    {"SIGRTMAX+1", 0, -1},
	    {"SIGRTMIN+99", 0, -1},
	    {"99", 0, -1},
	    {"15x", 0, -1},
	    {"SIG", 0, -1},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int want = t[i].base == 0   ? t[i].off
			   : t[i].base == 1 ? SIGRTMIN + t[i].off
			   : t[i].base == 2 ? SIGRTMAX - t[i].off
					    : -EINVAL;
		int got = signal_from_string(t[i].in);

		check(got == want, "signal \"%s\" -> %d (want %d)", t[i].in, got, want);
	}
	/* Every number has a name that parses back to it. */
	{
		bool all = true;
		char buf[24];

		for (int s = 1; s <= SIGRTMAX; s++)
			all = all && signal_from_string(signal_to_string(s, buf, sizeof(buf))) == s;
		check(all, "signal_to_string round-trips 1..SIGRTMAX");
		check(streq(signal_to_string(SIGRTMIN + 3, buf, sizeof(buf)), "SIGRTMIN+3"),
		      "SIGRTMIN+3 prints as SIGRTMIN+3");
	}
}

static void test_rlimit(void)
{
	check(rlimit_from_type("RLIMIT_NOFILE") == RLIMIT_NOFILE, "rlimit RLIMIT_NOFILE");
	check(rlimit_from_type("RLIMIT_nofile") < 0, "rlimit type is case-sensitive");
	check(rlimit_from_short("nofile") == RLIMIT_NOFILE, "--ulimit nofile");
	check(rlimit_from_short("NOFILE") < 0, "--ulimit name is lower case");
	check(streq(rlimit_name(RLIMIT_MSGQUEUE), "MSGQUEUE"), "rlimit name of RLIMIT_MSGQUEUE");
}

static void test_addr(void)
{
	struct rtr_addr a, b;
	uint8_t mac[6];

	check(addr_parse("10.1.2.3/24", -1, &a) == 0 && a.family == AF_INET && a.prefixlen == 24 &&
		  a.a.b[3] == 3,
	      "addr 10.1.2.3/24");
	check(addr_parse("fd00::2/64", -1, &a) == 0 && a.family == AF_INET6 && a.prefixlen == 64 &&
		  a.a.b[15] == 2,
	      "addr fd00::2/64");
	check(addr_parse("10.1.2.3", -1, &a) == -EINVAL, "addr prefix required");
	check(addr_parse("10.1.2.3", 128, &a) == 0 && a.prefixlen == 32,
	      "addr default prefix capped");
	check(addr_parse("10.1.2.3/33", -1, &a) == -ERANGE, "addr /33 is -ERANGE");
	check(addr_parse("10.1.2.3/2x", -1, &a) == -EINVAL, "addr bad prefix");
	check(addr_parse("10.1.2/24", -1, &a) == -EINVAL, "addr three octets");
	check(addr_parse("/24", -1, &a) == -EINVAL, "addr empty");
	addr_parse("10.1.2.3/24", -1, &a);
	addr_parse("10.1.2.254", 128, &b);
	check(addr_in_subnet(&a, &b), "10.1.2.254 in 10.1.2.3/24");
	addr_parse("10.1.3.1", 128, &b);
	check(!addr_in_subnet(&a, &b), "10.1.3.1 not in 10.1.2.3/24");
	addr_parse("224.0.0.1/4", -1, &b);
	check(!addr_unicast(&b), "224.0.0.1 is not unicast");
	addr_parse("0.0.0.0/0", -1, &b);
	check(addr_unspecified(&b) && !addr_unicast(&b), "0.0.0.0 is unspecified");
	check(mac_parse("02:42:ac:11:00:02", mac) == 0 && mac[5] == 2, "mac 02:42:ac:11:00:02");
	check(mac_parse("01:00:5e:00:00:01", mac) < 0, "multicast mac refused");
	check(mac_parse("00:00:00:00:00:00", mac) < 0, "zero mac refused");
	check(mac_parse("02-42-ac-11-00-02", mac) < 0, "mac with dashes refused");
	check(dns_name_valid("example.com") && !dns_name_valid("a b") && !dns_name_valid(""),
	      "dns names");
}

static void test_bind(void)
{
	struct bind_spec b;
	const char *why = NULL;
	char cwd[4096], want[4200];

	check(bind_spec_parse("/srv:/data", &b, &why) == 0 && streq(b.src, "/srv") &&
		  streq(b.dst, "/data") && !b.ro,
	      "bind /srv:/data");
	bind_spec_done(&b);
	check(bind_spec_parse("/srv:/data:ro", &b, &why) == 0 && b.ro && streq(b.dst, "/data"),
	      "bind /srv:/data:ro");
	bind_spec_done(&b);
	check(bind_spec_parse("/srv:/data:rw", &b, &why) == 0 && !b.ro, "bind :rw");
	bind_spec_done(&b);
	if (getcwd(cwd, sizeof(cwd))) {
		snprintf(want, sizeof(want), "%s/rel/dir", cwd);
		check(bind_spec_parse("rel/dir:/d", &b, &why) == 0 && streq(b.src, want),
		      "bind relative SRC is made absolute (%s)", b.src ? b.src : "-");
		bind_spec_done(&b);
	}
	check(bind_spec_parse("/srv:data", &b, &why) == -EINVAL &&
		  streq(why, "destination must be absolute"),
	      "bind relative DST refused");
	check(bind_spec_parse("/srv", &b, &why) == -EINVAL && strstr(why, "SRC:DST"),
	      "bind without DST refused");
	check(bind_spec_parse(":/d", &b, &why) == -EINVAL, "bind empty SRC refused");
	check(bind_spec_parse("/srv:/d:rx", &b, &why) == -EINVAL && strstr(why, "mode"),
	      "bind unknown mode refused");
}

/* The settings table: both sources, precedence, labels, and the combined checks. */
static void test_settings(void)
{
	struct rtr_spec *s = calloc(1, sizeof(*s));
	struct rtr_opts o = {0};
	struct rtr_err err = {0};
	char *addrs[] = {"10.9.0.2/24", NULL};
	int r;

	if (!s)
		return;
	r = settings_annotation(s, "org.rtr.net.address", "10.8.0.2/24, fd00::2/64",
				".annotations[\"org.rtr.net.address\"]", &err);
	check(r == 0 && s->ext.net.n_addrs == 2, "annotation list of two addresses");
	r = settings_annotation(s, "org.rtr.stop-signal", "SIGRTMIN+3", "A", &err);
	check(r == 0 && s->ext.stop_signal == SIGRTMIN + 3, "annotation stop signal SIGRTMIN+3");
	r = settings_annotation(s, "org.rtr.stop-signal", "SIGBOGUS",
				".annotations[\"org.rtr.stop-signal\"]", &err);
	check(r == -EINVAL &&
		  streq(err.msg, ".annotations[\"org.rtr.stop-signal\"]: unknown signal, got "
				 "\"SIGBOGUS\""),
	      "bad annotation names itself: %s", err.msg);
	r = settings_annotation(s, "org.rtr.restart", "always", "R", &err);
	check(r == 0 && s->ext.restart.policy == RTR_RESTART_ALWAYS, "restart annotation applied");
	r = settings_annotation(s, "org.rtr.restart", "on-failure:3", "R", &err);
	check(r == 0 && s->ext.restart.policy == RTR_RESTART_ON_FAILURE && s->ext.restart.max == 3,
	      "restart on-failure:3");
	r = settings_annotation(s, "org.rtr.restart-delay", "250ms", "R", &err);
	check(r == 0 && s->ext.restart.delay_ms == 250, "restart delay 250ms");
	r = settings_annotation(s, "org.rtr.restart-delay", "2m", "R", &err);
	check(r == -EINVAL, "restart delay above the maximum: %s", err.msg);
	r = settings_annotation(s, "org.rtr.name", "web", "N", &err);
	check(r == 0, "an org.rtr.* key that is no setting is ignored");

	o.addresses = addrs;
	o.gateway = "10.8.0.1";
	o.memory_high = "max";
	o.cgroup_parent = "/a//b/";
	r = settings_apply_options(&o, s, &err);
	check(r == 0 && s->ext.net.n_addrs == 1 && s->ext.net.addrs[0].a.b[1] == 9,
	      "--address replaces the annotation's list (%d %zu %s)", r, s->ext.net.n_addrs,
	      err.msg);
	check(s->ext.memory_high_set && s->ext.memory_high == UINT64_MAX, "--memory-high max");
	check(streq(s->ext.cgroup_parent, "a/b"), "--cgroup-parent normalized to a/b");
	s->lx.ns[RTR_NS_NET].enabled = true; /* veth settings need a network namespace */
	r = settings_finish(s, &err);
	check(r == -EINVAL && strstr(err.msg, "--gateway 10.8.0.1: not in the subnet"),
	      "gateway outside every subnet: %s", err.msg);

	o = (struct rtr_opts){.mtu = "67"};
	r = settings_apply_options(&o, s, &err);
	check(r == -EINVAL && streq(err.msg, "--mtu 67: expected a number from 68 to 65535"),
	      "option errors: %s", err.msg);
	check(streq(opts_long_name(offsetof(struct rtr_opts, memory_high)), "memory-high"),
	      "option names come from the option table");
	o = (struct rtr_opts){.cgroup_parent = "a/../b"};
	r = settings_apply_options(&o, s, &err);
	check(r == -EINVAL, "--cgroup-parent with .. refused");
	spec_free(s);
}

/* org.rtr.rootfs.store and org.rtr.rootfs.layers, --rm and --rm-size. */
static void test_rootfs_settings(void)
{
	struct rtr_spec *s = calloc(1, sizeof(*s));
	struct rtr_opts o = {.rm = true, .rm_size = "8M"};
	struct rtr_err err = {0};
	char a[160], b[72], *many = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!s)
		return;
	snprintf(a, sizeof(a), "sha256:%064d", 0);
	snprintf(b, sizeof(b), "sha256:%064d", 1);
	r = settings_annotation(s, "org.rtr.rootfs.layers", strcat(strcat(a, ","), b), "L", &err);
	check(r == 0 && s->ext.rootfs.n_layers == 2 && s->ext.rootfs.layers[1][63] == '1' &&
		  !s->ext.rootfs.layers[2],
	      "layers: two hex ids, base first (%d %s)", r, err.msg);
	r = settings_annotation(s, "org.rtr.rootfs.layers", "sha256:ABC", "L", &err);
	check(
	    r == -EINVAL &&
		streq(err.msg, "L: expected sha256:<64 lowercase hex digits>, got \"sha256:ABC\""),
	    "a bad digest names the annotation: %s", err.msg);
	f = open_memstream(&many, &len);
	for (int i = 0; f && i <= RTR_STORE_LAYERS_MAX; i++)
		fprintf(f, "%ssha256:%064d", i ? "," : "", i);
	if (f)
		fclose(f);
	r = many ? settings_annotation(s, "org.rtr.rootfs.layers", many, "L", &err) : 0;
	check(r == -E2BIG, "more than %d layers refused: %s", RTR_STORE_LAYERS_MAX, err.msg);
	free(many);
	r = settings_annotation(s, "org.rtr.rootfs.store", "var/lib/store", "S", &err);
	check(r == -EINVAL, "a relative store path is refused");
	r = settings_annotation(s, "org.rtr.rootfs.layers", b, "L", &err);
	r = r ?: settings_apply_options(&o, s, &err);
	check(r == 0 && s->ext.rootfs.ephemeral && s->ext.rootfs.rm_size == 8 << 20,
	      "--rm and --rm-size 8M");
	r = settings_finish(s, &err);
	check(r == -EINVAL && strstr(err.msg, "needs .annotations[\"org.rtr.rootfs.store\"]"),
	      "layers without a store: %s", err.msg);
	r = settings_annotation(s, "org.rtr.rootfs.store", "/nonexistent", "S", &err);
	r = r ?: settings_finish(s, &err);
	check(r == -ENOENT && strstr(err.msg, "the layer store /nonexistent/layers: No such file"),
	      "a missing store: %s", err.msg);
	check(streq(opts_long_name(offsetof(struct rtr_opts, rm)), "rm"), "--rm is named rm");
	spec_free(s);
}

int main(void)
{
	test_size();
	test_cpulist();
	test_signal();
	test_rlimit();
	test_addr();
	test_bind();
	test_settings();
	test_rootfs_settings();
	return tap_done();
}
