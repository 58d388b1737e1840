/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spec-check FILE: parse FILE as config.json with the runner's parser, no container.
 * Exit 0 and a summary of what the parser derived (one "key=value" a line, for the
 * tests to grep), or exit 125 and "spec-check: config.json: MESSAGE" on stderr, the same
 * message rtr-run prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/util.h"
#include "names.h"
#include "spec.h"

static const char *const restart_names[] = {"no", "on-failure", "always", "unless-stopped"};

static void print_strv(const char *key, char **v)
{
	printf("%s=", key);
	for (size_t i = 0; v && v[i]; i++)
		printf("%s%s", i ? "," : "", v[i]);
	printf("\n");
}

static void dump(const struct rtr_spec *s)
{
	const struct rtr_process *p = &s->process;
	const struct rtr_linux *l = &s->lx;
	char sig[24];

	printf("ociVersion=%s\nroot=%s readonly=%d\nhostname=%s\n", s->oci_version, s->root_path,
	       s->root_readonly, s->hostname ? s->hostname : "");
	print_strv("args", p->args);
	print_strv("env", p->env);
	printf("cwd=%s\nuser=%u:%u umask=%d:%o groups=%zu\n", p->cwd, p->user.uid, p->user.gid,
	       p->user.umask_set, p->user.umask, p->user.n_additional_gids);
	printf("caps=%zu,%zu,%zu,%zu,%zu\n", p->caps.n_bounding, p->caps.n_effective,
	       p->caps.n_inheritable, p->caps.n_permitted, p->caps.n_ambient);
	for (size_t i = 0; i < p->n_rlimits; i++)
		printf("rlimit=%d:%" PRIu64 ":%" PRIu64 "\n", p->rlimits[i].resource,
		       p->rlimits[i].soft, p->rlimits[i].hard);
	printf("oomScoreAdj=%d:%d ioprio=%d:%d:%d nnp=%d\n", p->oom_score_adj_set, p->oom_score_adj,
	       p->io_priority_set, p->io_priority_class, p->io_priority_level,
	       p->no_new_privileges);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct rtr_mount *m = &s->mounts[i];
		printf("mount=%s type=%s flags=%#lx clear=%#lx prop=%#lx bind=%d data=%s\n",
		       m->destination, m->type ? m->type : "-", m->flags, m->clear_flags,
		       m->propagation, m->bind, m->data ? m->data : "-");
	}
	for (int k = 0; k < _RTR_HOOK_MAX; k++)
		printf("hooks.%s=%zu\n", spec_hook_name(k), s->n_hooks[k]);
	printf("annotations=%zu\n", s->n_annotations);
	for (int t = 0; t < _RTR_NS_MAX; t++)
		if (l->ns[t].enabled)
			printf("ns=%s:%#x:%s\n", spec_ns_name(t), spec_ns_clone_flag(t),
			       l->ns[t].path ? l->ns[t].path : "-");
	printf("idmaps=%zu,%zu devices=%zu rules=%zu\n", l->n_uid_mappings, l->n_gid_mappings,
	       l->n_devices, l->resources.n_devices);
	printf("memory.limit=%" PRId64 " pids=%" PRId64 " cpu.quota=%" PRId64 " cpus=%s\n",
	       l->resources.memory.limit, l->resources.pids.limit, l->resources.cpu.quota,
	       l->resources.cpu.cpus ? l->resources.cpu.cpus : "-");
	printf("blkio=%u,%zu,%zu,%zu hugepages=%zu unified=%zu sysctl=%zu\n",
	       l->resources.block_io.weight, l->resources.block_io.n_weight_device,
	       l->resources.block_io.n_read_bps, l->resources.block_io.n_write_iops,
	       l->resources.n_hugepage_limits, l->resources.n_unified, l->n_sysctl);
	if (l->seccomp)
		printf("seccomp=%#x syscalls=%zu\n", l->seccomp->default_action,
		       l->seccomp->n_syscalls);
	printf("propagation=%#lx masked=%zu readonly=%zu personality=%s\n",
	       l->rootfs_propagation_flags, strv_length(l->masked_paths),
	       strv_length(l->readonly_paths), l->personality_domain ? l->personality_domain : "-");
	print_strv("unsupported", s->unsupported);
	printf("ext.stop=%s:%u restart=%s",
	       s->ext.stop_signal ? signal_to_string(s->ext.stop_signal, sig, sizeof(sig)) : "-",
	       s->ext.stop_timeout_s, restart_names[s->ext.restart.policy]);
	if (s->ext.restart.max)
		printf(":%u", s->ext.restart.max);
	printf(" init=%d\n", s->ext.init);
	print_strv("health.cmd", s->ext.health.cmd);
	printf("health=%llu:%llu:%u:%llu:%d\n", (unsigned long long)s->ext.health.interval_ms,
	       (unsigned long long)s->ext.health.timeout_ms, s->ext.health.retries,
	       (unsigned long long)s->ext.health.start_period_ms, (int)s->ext.health.on_unhealthy);
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *buf = NULL;
	struct rtr_spec *s = NULL;
	struct rtr_err err = {0};
	size_t len;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: spec-check CONFIG.JSON\n");
		return 2;
	}
	/* Read a little more than the limit so the parser's own size check is exercised. */
	r = read_file_at(AT_FDCWD, argv[1], RTR_CONFIG_MAX_BYTES + 1, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "spec-check: %s: %s\n", argv[1], strerror(-r));
		return 125;
	}
	r = spec_parse(buf, len, &s, &err);
	if (r < 0) {
		fprintf(stderr, "spec-check: config.json: %s\n", err.msg);
		return 125;
	}
	dump(s);
	spec_free(s);
	return 0;
}
