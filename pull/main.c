/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtr-pull: turn an image into an OCI bundle.
 *
 *   rtr-pull [OPTIONS] SOURCE BUNDLE
 *
 * The recipe: parse options; make a temporary sibling of BUNDLE; open the source (read
 * and verify manifest and config); stream every layer into BUNDLE/rootfs; write
 * config.json from the image config; rename into place.  Any error or SIGINT/SIGTERM
 * removes the temporary directory, so BUNDLE is either absent, the old one, or complete.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "bundle.h"
#include "config.h"
#include "platform.h"
#include "registry.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/log.h"
#include "runner/lib/util.h"
#include "unpack.h"

struct pull_opts {
	const char *source;
	const char *bundle;
	const char *tag;
	bool platform_set;
	struct rtr_platform platform;
	bool force;
	bool no_sync;
	bool allow_devices;
	uint64_t max_bytes;
	uint64_t max_entries;
	int verbose;
	bool quiet;
	struct bundle_presets presets;
	struct registry_opts reg; /* registry SOURCE: pull/registry.h */
};

enum {
	OPT_PLATFORM = 0x100,
	OPT_NAME,
	OPT_HOSTNAME,
	OPT_MOUNT,
	OPT_WORKDIR,
	OPT_USER,
	OPT_ENTRYPOINT,
	OPT_CMD,
	OPT_FORCE,
	OPT_NO_SYNC,
	OPT_ALLOW_DEVICES,
	OPT_MAX_BYTES,
	OPT_MAX_ENTRIES,
	OPT_VERSION,
};

static const struct option options[] = {
    {"tag", required_argument, NULL, 't'},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"name", required_argument, NULL, OPT_NAME},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"env", required_argument, NULL, 'e'},
    {"mount", required_argument, NULL, OPT_MOUNT},
    {"workdir", required_argument, NULL, OPT_WORKDIR},
    {"user", required_argument, NULL, OPT_USER},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"cmd", required_argument, NULL, OPT_CMD},
    {"force", no_argument, NULL, OPT_FORCE},
    {"no-sync", no_argument, NULL, OPT_NO_SYNC},
    {"allow-devices", no_argument, NULL, OPT_ALLOW_DEVICES},
    {"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
    {"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    REGISTRY_LONG_OPTIONS,
    {0},
};

static void usage(FILE *f)
{
	fputs("Usage: rtr-pull [OPTIONS] SOURCE BUNDLE\n"
	      "\n"
	      "SOURCE: docker-archive:FILE, oci-archive:FILE[:REF], oci:DIR[:REF], or a path\n"
	      "        or a registry image: [docker://][HOST[:PORT]/]REPO[:TAG][@sha256:HEX]\n"
	      "\n"
	      "  -t, --tag TAG            image to take from a docker save archive\n"
	      "      --platform OS/ARCH[/VARIANT]  platform to take from an index\n"
	      "      --name NAME          container name (annotation, default hostname)\n"
	      "      --hostname NAME      hostname in config.json\n"
	      "  -e, --env K=V            environment variable (repeatable)\n"
	      "      --mount SRC:DST[:ro] bind mount (repeatable)\n"
	      "      --workdir DIR        working directory\n"
	      "      --user USER[:GROUP]  user (names resolved in the image)\n"
	      "      --entrypoint PROG    entrypoint (drops the image's Cmd)\n"
	      "      --cmd ARG            command argument (repeatable)\n"
	      "      --force              replace an existing BUNDLE atomically\n"
	      "      --no-sync            do not flush the filesystem before the rename\n"
	      "      --allow-devices      create device nodes from the image\n"
	      "      --max-bytes SIZE     limit of unpacked bytes\n"
	      "      --max-entries N      limit of archive entries\n"
	      "  -v, --verbose            progress and details even when not on a terminal\n"
	      "  -q, --quiet              no progress\n"
	      "      --registry-url URL   registry for names without one (default docker.io)\n"
	      "      --creds USER[:PASS]  registry credentials; --password-stdin reads PASS\n"
	      "      --ca-file FILE       CA certificates for TLS; --insecure: no verification\n"
	      "      --plain-http         allow http:// to non-loopback registries\n"
	      "      --arch ARCH          platform by arch: arm, arm64, x86 or OCI names\n"
	      "      --cache-dir DIR      blob cache (default " RTR_CACHE_DIR "); --no-cache\n"
	      "      --timeout S          abort transfers stalled for S seconds; --retries N\n"
	      "      --check              exit 0 when BUNDLE is up to date, 10 when newer\n"
	      "      --update             pull only when the registry has a newer image\n"
	      "      --json               JSON progress events on stdout\n"
	      "  -h, --help               this text\n"
	      "      --version            version\n",
	      f);
}

static int parse_args(int argc, char **argv, struct pull_opts *o)
{
	struct rtr_err err = {0};
	int c, r;

	registry_opts_init(&o->reg);
	while ((c = getopt_long(argc, argv, "t:e:vqh", options, NULL)) != -1) {
		switch (c) {
		case 't':
			o->tag = optarg;
			break;
		case OPT_PLATFORM:
			r = platform_parse(optarg, &o->platform, &err);
			if (r < 0)
				return log_err(&err, r);
			o->platform_set = true;
			o->reg.platform = optarg;
			break;
		case OPT_NAME:
			o->presets.name = optarg;
			break;
		case OPT_HOSTNAME:
			o->presets.hostname = optarg;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				log_error("--env %s: expected KEY=VALUE", optarg);
				return -EINVAL;
			}
			if (strv_push(&o->presets.env, optarg) < 0)
				return -ENOMEM;
			break;
		case OPT_MOUNT:
			if (strv_push(&o->presets.mounts, optarg) < 0)
				return -ENOMEM;
			break;
		case OPT_WORKDIR:
			if (optarg[0] != '/') {
				log_error("--workdir %s: expected an absolute path", optarg);
				return -EINVAL;
			}
			o->presets.workdir = optarg;
			break;
		case OPT_USER:
			o->presets.user = optarg;
			break;
		case OPT_ENTRYPOINT:
			strv_free(o->presets.entrypoint);
			o->presets.entrypoint = NULL;
			if (strv_push(&o->presets.entrypoint, optarg) < 0)
				return -ENOMEM;
			break;
		case OPT_CMD:
			if (strv_push(&o->presets.cmd, optarg) < 0)
				return -ENOMEM;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_NO_SYNC:
			o->no_sync = true;
			break;
		case OPT_ALLOW_DEVICES:
			o->allow_devices = true;
			break;
		case OPT_MAX_BYTES:
			if (parse_size(optarg, &o->max_bytes) < 0 || !o->max_bytes) {
				log_error("--max-bytes %s: expected a size like 512M", optarg);
				return -EINVAL;
			}
			break;
		case OPT_MAX_ENTRIES:
			if (parse_u64(optarg, UINT64_MAX, &o->max_entries) < 0 || !o->max_entries) {
				log_error("--max-entries %s: expected a positive number", optarg);
				return -EINVAL;
			}
			break;
		case 'v':
			o->verbose++;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("rtr-pull %s\n", RTR_VERSION);
			exit(0);
		default:
			r = registry_option(&o->reg, c, optarg, &err);
			if (r < 0)
				return log_err(&err, r);
			if (r > 0)
				break;
			fputs("Try 'rtr-pull --help'.\n", stderr);
			return -EINVAL;
		}
	}
	if (argc - optind != 2) {
		log_error("expected SOURCE and BUNDLE (try --help)");
		return -EINVAL;
	}
	o->source = argv[optind];
	o->bundle = argv[optind + 1];
	return 0;
}

/* ---- progress ---- */

struct progress {
	bool on;
	bool tty;
	size_t layer;
	uint64_t last_mib;
	struct timespec start;
};

static void progress_cb(void *ud, size_t layer, size_t n_layers, uint64_t done, uint64_t total)
{
	struct progress *p = ud;
	uint64_t mib = done >> 18; /* redraw every 256 KiB */
	if (!p->on)
		return;
	if (p->tty) {
		if (layer == p->layer && mib == p->last_mib && done != total)
			return;
		fprintf(stderr, "\r\033[Klayer %zu/%zu  %.1f/%.1f MiB", layer, n_layers,
			(double)done / 1048576.0, (double)total / 1048576.0);
		if (layer == n_layers && done == total)
			fputc('\n', stderr);
	} else if (done == total) {
		fprintf(stderr, "rtr-pull: layer %zu/%zu: %llu bytes\n", layer, n_layers,
			(unsigned long long)total);
	}
	p->layer = layer;
	p->last_mib = mib;
}

static void warn_cb(void *ud, const char *msg)
{
	struct progress *p = ud;
	if (p->on && p->tty)
		fputs("\r\033[K", stderr); /* do not append to the progress line */
	log_warn("%s", msg);
	p->last_mib = UINT64_MAX; /* redraw */
}

static void presets_free(struct bundle_presets *p)
{
	strv_free(p->env);
	strv_free(p->mounts);
	strv_free(p->entrypoint);
	strv_free(p->cmd);
}

int main(int argc, char **argv)
{
	struct pull_opts o = {0};
	struct rtr_err err = {0};
	_cleanup_bundle_ struct bundle *b = NULL;
	_cleanup_archive_ struct archive *a = NULL;
	struct progress prog = {0};
	struct archive_opts ao = {0};
	struct unpack_opts uo = {0};
	int r;

	log_init("rtr-pull");
	r = parse_args(argc, argv, &o);
	if (r < 0)
		return 2;
	log_set_verbose(o.verbose);
	prog.tty = isatty(STDERR_FILENO);
	prog.on = !o.quiet && (prog.tty || o.verbose > 0);
	clock_gettime(CLOCK_MONOTONIC, &prog.start);

	r = unpack_signals_install();
	if (r < 0)
		return log_errno(r, "installing signal handlers"), 1;

	if (registry_is_source(o.source)) {
		uo.allow_devices = o.allow_devices;
		uo.max_bytes = o.max_bytes;
		uo.max_entries = o.max_entries;
		uo.warn = warn_cb;
		uo.userdata = &prog;
		o.reg.force = o.force;
		o.reg.unpack = &uo;
		o.reg.presets = &o.presets;
		o.reg.progress = prog.on && prog.tty && !o.reg.json;
		r = registry_main(&o.reg, o.source, o.bundle, &err);
		if (r < 0 && o.reg.json)
			registry_json_error(err.msg);
		if (r < 0)
			log_err(&err, r);
		presets_free(&o.presets);
		return r >= 0 ? r : unpack_interrupted ? 130 : 1;
	}

	r = bundle_create_tmp(&b, o.bundle, o.force, &err);
	if (r < 0)
		goto fail;
	bundle_set_sync(b, !o.no_sync);

	ao.tag = o.tag;
	ao.platform = o.platform_set ? &o.platform : NULL;
	ao.progress = progress_cb;
	ao.userdata = &prog;
	r = archive_open(&a, o.source, &ao, &err);
	if (r < 0)
		goto fail;

	uo.allow_devices = o.allow_devices;
	uo.max_bytes = o.max_bytes;
	uo.max_entries = o.max_entries;
	uo.warn = warn_cb;
	uo.userdata = &prog;
	r = archive_unpack(a, bundle_rootfs_fd(b), &uo, &err);
	if (r < 0)
		goto fail;

	r = bundle_write_config(b, archive_image(a), &o.presets, &err);
	if (r < 0)
		goto fail;
	r = bundle_commit(b, &err);
	if (r < 0)
		goto fail;
	if (prog.on || o.verbose) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		fprintf(stderr, "rtr-pull: %s: %zu layer(s), %llu entries, %llu bytes in %.2fs\n",
			o.bundle, archive_n_layers(a), (unsigned long long)uo.entries,
			(unsigned long long)uo.bytes,
			(double)(now.tv_sec - prog.start.tv_sec) +
			    (double)(now.tv_nsec - prog.start.tv_nsec) / 1e9);
	}
	presets_free(&o.presets);
	return 0;

fail:
	if (prog.tty && prog.on)
		fputc('\n', stderr);
	if (unpack_interrupted)
		log_error("%s: interrupted, nothing written", o.bundle);
	else
		log_err(&err, r);
	bundle_free(TAKE_PTR(b)); /* removes the temporary directory */
	presets_free(&o.presets);
	return unpack_interrupted ? 130 : 1;
}
