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
 * A registry SOURCE runs the same recipe in pull/remote.c, after --check / --update
 * decided whether to pull at all.  With --store the layers go to the layer store instead
 * (pull/store.h), each only when it is not there yet, and the bundle names them.
 *
 *   rtr-pull ls|gc [--store=DIR] [--json]    rtr-pull rm [--json] [--force] BUNDLE
 *
 * manage the store (pull/store.h).
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "auth.h"
#include "bundle.h"
#include "config.h"
#include "platform.h"
#include "progress.h"
#include "remote.h"
#include "store.h"
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
	uint32_t userns_shift;
	int verbose;
	bool quiet;
	struct bundle_presets presets;
	/* registry SOURCE */
	const char *registry_url;
	const char *creds; /* USER:PASS, or USER with --password-stdin */
	bool password_stdin;
	const char *ca_file;
	bool insecure;
	bool plain_http;
	bool arch_set;
	struct rtr_platform arch; /* --arch, below --platform */
	const char *cache_dir;
	bool no_cache;
	long timeout_s;
	int retries; /* -1: config.h */
	bool json;
	bool check;
	bool update;
	const char *store; /* --store[=DIR]; NULL: a flat bundle */
	const char *verb;  /* ls, gc, rm; NULL: a pull */
};

/* The store's verbs come where SOURCE would: an image of that name is docker://NAME. */
static bool is_verb(const char *s)
{
	return streq(s, "ls") || streq(s, "gc") || streq(s, "rm");
}

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
	OPT_USERNS_SHIFT,
	OPT_VERSION,
	OPT_REGISTRY_URL,
	OPT_CREDS,
	OPT_PASSWORD_STDIN,
	OPT_CA_FILE,
	OPT_INSECURE,
	OPT_PLAIN_HTTP,
	OPT_ARCH,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_JSON,
	OPT_CHECK,
	OPT_UPDATE,
	OPT_STORE,
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
    {"userns-shift", required_argument, NULL, OPT_USERNS_SHIFT},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"registry-url", required_argument, NULL, OPT_REGISTRY_URL},
    {"creds", required_argument, NULL, OPT_CREDS},
    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"plain-http", no_argument, NULL, OPT_PLAIN_HTTP},
    {"arch", required_argument, NULL, OPT_ARCH},
    {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"json", no_argument, NULL, OPT_JSON},
    {"check", no_argument, NULL, OPT_CHECK},
    {"update", no_argument, NULL, OPT_UPDATE},
    {"store", optional_argument, NULL, OPT_STORE},
    {0},
};

static void usage(FILE *f)
{
	fputs("Usage: rtr-pull [OPTIONS] SOURCE BUNDLE\n"
	      "       rtr-pull ls|gc [--store=DIR] [--json]\n"
	      "       rtr-pull rm [--json] [--force] BUNDLE\n"
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
	      "      --force              replace an existing BUNDLE atomically (rm: also while a\n"
	      "                           container runs from it)\n"
	      "      --no-sync            do not flush the filesystem before the rename\n"
	      "      --allow-devices      create device nodes from the image\n"
	      "      --max-bytes SIZE     limit of unpacked bytes\n"
	      "      --max-entries N      limit of archive entries\n"
	      "      --userns-shift HOSTUID  add HOSTUID to every owner (rtr-run --userns)\n"
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
	      "      --store[=DIR]        layers into the store (default " RTR_STORE_DIR "),\n"
	      "                           a bundle that stacks them with overlayfs\n"
	      "ls, gc, rm BUNDLE: list the store, remove unused layers, remove a store bundle\n"
	      "      --json               JSON progress events on stdout\n"
	      "  -h, --help               this text\n"
	      "      --version            version\n",
	      f);
}

/* What the bundle's config.json takes from the command line.  1: stored; 0: not one of
 * them; <0: bad argument. */
static int preset_option(struct bundle_presets *p, int opt, const char *arg, struct rtr_err *e)
{
	switch (opt) {
	case OPT_NAME:
		p->name = arg;
		break;
	case OPT_HOSTNAME:
		p->hostname = arg;
		break;
	case 'e':
		if (!strchr(arg, '=') || arg[0] == '=')
			return rtr_err_set(e, EINVAL, "--env %s: expected KEY=VALUE", arg);
		return strv_push(&p->env, arg) < 0 ? -ENOMEM : 1;
	case OPT_MOUNT:
		return strv_push(&p->mounts, arg) < 0 ? -ENOMEM : 1;
	case OPT_WORKDIR:
		if (arg[0] != '/')
			return rtr_err_set(e, EINVAL, "--workdir %s: expected an absolute path",
					   arg);
		p->workdir = arg;
		break;
	case OPT_USER:
		p->user = arg;
		break;
	case OPT_ENTRYPOINT:
		strv_free(p->entrypoint);
		p->entrypoint = NULL;
		return strv_push(&p->entrypoint, arg) < 0 ? -ENOMEM : 1;
	case OPT_CMD:
		return strv_push(&p->cmd, arg) < 0 ? -ENOMEM : 1;
	default:
		return 0;
	}
	return 1;
}

/* The options of a registry SOURCE.  1: stored; 0: not one of them; <0: bad argument. */
static int registry_option(struct pull_opts *o, int opt, const char *arg, struct rtr_err *e)
{
	uint64_t v;
	int r;

	switch (opt) {
	case OPT_REGISTRY_URL:
		o->registry_url = arg;
		break;
	case OPT_CREDS:
		o->creds = arg;
		break;
	case OPT_PASSWORD_STDIN:
		o->password_stdin = true;
		break;
	case OPT_CA_FILE:
		if (access(arg, R_OK) < 0)
			return rtr_err_sys(e, errno, "--ca-file %s", arg);
		o->ca_file = arg;
		break;
	case OPT_INSECURE:
		o->insecure = true;
		break;
	case OPT_PLAIN_HTTP:
		o->plain_http = true;
		break;
	case OPT_ARCH:
		r = platform_from_arch(arg, &o->arch, e);
		if (r < 0)
			return r;
		o->arch_set = true;
		break;
	case OPT_CACHE_DIR:
		o->cache_dir = arg;
		break;
	case OPT_NO_CACHE:
		o->no_cache = true;
		break;
	case OPT_TIMEOUT:
		if (parse_u64(arg, 86400, &v) < 0 || v == 0)
			return rtr_err_set(e, EINVAL, "--timeout %s: expected seconds (1-86400)",
					   arg);
		o->timeout_s = (long)v;
		break;
	case OPT_RETRIES:
		if (parse_u64(arg, 100, &v) < 0)
			return rtr_err_set(e, EINVAL, "--retries %s: expected a count (0-100)",
					   arg);
		o->retries = (int)v;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_CHECK:
		o->check = true;
		break;
	case OPT_UPDATE:
		o->update = true;
		break;
	case OPT_STORE:
		if (arg && arg[0] != '/')
			return rtr_err_set(e, EINVAL, "--store=%s: expected an absolute path", arg);
		o->store = arg ? arg : RTR_STORE_DIR;
		break;
	default:
		return 0;
	}
	return 1;
}

/* --userns-shift HOSTUID: owners move up by HOSTUID, which only root may give away. */
static int parse_shift(const char *arg, uint32_t *ret)
{
	uint64_t v;

	if (parse_u64(arg, UINT32_MAX - 1, &v) < 0 || v == 0) {
		log_error("--userns-shift %s: expected a host uid (1-4294967294)", arg);
		return -EINVAL;
	}
	if (geteuid() != 0) {
		log_error("--userns-shift %s: only root can set owners: run rtr-pull as root", arg);
		return -EPERM;
	}
	*ret = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct pull_opts *o)
{
	struct rtr_err err = {0};
	int c, r;

	o->retries = -1;
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
		case OPT_USERNS_SHIFT:
			r = parse_shift(optarg, &o->userns_shift);
			if (r < 0)
				return r;
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
			r = preset_option(&o->presets, c, optarg, &err);
			if (r == 0)
				r = registry_option(o, c, optarg, &err);
			if (r < 0)
				return log_err(&err, r);
			if (r > 0)
				break;
			fputs("Try 'rtr-pull --help'.\n", stderr);
			return -EINVAL;
		}
	}
	if (argc - optind >= 1 && is_verb(argv[optind])) {
		o->verb = argv[optind];
		if (argc - optind != (streq(o->verb, "rm") ? 2 : 1)) {
			log_error("%s: expected %s (try --help)", o->verb,
				  streq(o->verb, "rm") ? "one BUNDLE" : "no argument");
			return -EINVAL;
		}
		o->bundle = argv[optind + 1];
		return 0;
	}
	if (argc - optind != 2) {
		log_error("expected SOURCE and BUNDLE%s (try --help)",
			  argc - optind == 3 && o->store ? "; a store path is given as --store=DIR"
							 : "");
		return -EINVAL;
	}
	if (o->store && o->userns_shift) {
		log_error("--userns-shift: not with --store (the store's layers are shared by "
			  "every bundle; pull a flat bundle)");
		return -EINVAL;
	}
	o->source = argv[optind];
	o->bundle = argv[optind + 1];
	return 0;
}

/* ---- the progress of a local SOURCE (a registry's: pull/progress.h) ---- */

struct tty_progress {
	/* warn_cb() comes from the threads of a pull (a layer's second one, downloads) */
	pthread_mutex_t lock;
	bool on;
	bool tty;
	size_t layer;
	uint64_t last_mib;
	struct timespec start;
};

static void progress_draw(struct tty_progress *p, size_t layer, size_t n_layers, uint64_t done,
			  uint64_t total)
{
	uint64_t mib = done >> 18; /* redraw every 256 KiB */
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

static void progress_cb(void *ud, size_t layer, size_t n_layers, uint64_t done, uint64_t total)
{
	struct tty_progress *p = ud;
	if (!p->on)
		return;
	pthread_mutex_lock(&p->lock);
	progress_draw(p, layer, n_layers, done, total);
	pthread_mutex_unlock(&p->lock);
}

static void warn_cb(void *ud, const char *msg)
{
	struct tty_progress *p = ud;
	pthread_mutex_lock(&p->lock);
	if (p->on && p->tty)
		fputs("\r\033[K", stderr); /* do not append to the progress line */
	log_warn("%s", msg);
	p->last_mib = UINT64_MAX; /* redraw */
	pthread_mutex_unlock(&p->lock);
}

static void presets_free(struct bundle_presets *p)
{
	strv_free(p->env);
	strv_free(p->mounts);
	strv_free(p->entrypoint);
	strv_free(p->cmd);
}

/* ---- a registry SOURCE ---- */

/* A registry reference starts with docker://, or has none of the docker-archive:,
 * oci-archive:, oci: prefixes and is not a path (absolute, ./, ../, or an existing file:
 * those are docker-archive tarballs).  Names: pull/reference.h. */
static bool is_registry_source(const char *s)
{
	static const char *const suffixes[] = {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz"};
	size_t n = strlen(s);

	if (startswith(s, "docker://"))
		return true;
	if (startswith(s, "docker-archive:") || startswith(s, "oci-archive:") ||
	    startswith(s, "oci:"))
		return false;
	if (*s == '/' || startswith(s, "./") || startswith(s, "../") || access(s, F_OK) == 0)
		return false;
	/* "image.tar" that does not exist is a mistyped file, not a repository on docker.io:
	 * let the archive source say "No such file or directory". */
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		size_t m = strlen(suffixes[i]);
		if (n > m && strcmp(s + n - m, suffixes[i]) == 0)
			return false;
	}
	return true;
}

static int read_password_stdin(char **ret, struct rtr_err *e)
{
	char buf[4096];
	size_t n = 0;
	ssize_t k;

	while (n < sizeof(buf) - 1) {
		k = read(STDIN_FILENO, buf + n, sizeof(buf) - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return rtr_err_sys(e, errno, "--password-stdin");
		if (k == 0)
			break;
		n += k;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	*ret = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *ret ? 0 : -ENOMEM;
}

/* --creds USER:PASS, or --creds USER and the password on stdin.  0: none given. */
static int registry_creds(const struct pull_opts *o, struct auth_creds *ret, struct rtr_err *e)
{
	_cleanup_free_ char *pw = NULL, *both = NULL;
	int r;

	if (!o->creds)
		return o->password_stdin
			   ? rtr_err_set(e, EINVAL, "--password-stdin needs --creds USER")
			   : 0;
	if (!o->password_stdin || strchr(o->creds, ':')) {
		r = auth_creds_parse(o->creds, ret, e);
		return r < 0 ? r : 1;
	}
	r = read_password_stdin(&pw, e);
	if (r < 0)
		return r;
	both = xasprintf("%s:%s", o->creds, pw);
	explicit_bzero(pw, strlen(pw));
	if (!both)
		return -ENOMEM;
	r = auth_creds_parse(both, ret, e);
	explicit_bzero(both, strlen(both));
	return r < 0 ? r : 1;
}

/* --check, --update or a pull: the exit status, or a negative errno with @e set. */
static int registry_run(const struct pull_opts *o, const struct remote_opts *ro, struct rtr_err *e)
{
	struct remote_opts pull = *ro;
	bool newer = false;
	int r;

	if (o->check && o->update)
		return rtr_err_set(e, EINVAL, "--check and --update exclude each other");
	if (o->check || (o->update && access(o->bundle, F_OK) == 0)) {
		r = remote_check(ro, o->source, o->bundle, &newer, e);
		if (r < 0)
			return r;
		if (o->check) {
			if (!o->json)
				log_info("%s: %s", o->bundle,
					 newer ? "the registry has a newer image" : "up to date");
			return newer ? RTR_PULL_EXIT_NEWER : 0;
		}
		if (!newer) {
			if (!o->json)
				log_info("%s: up to date", o->bundle);
			return 0;
		}
		pull.force = true;
	}
	r = remote_pull(&pull, o->source, o->bundle, e);
	return r < 0 ? r : 0;
}

static int pull_registry(const struct pull_opts *o, struct unpack_opts *uo,
			 const struct tty_progress *prog)
{
	struct rtr_err err = {0};
	struct auth_creds creds = {0};
	struct progress p;
	int r;

	progress_init(&p, o->json, prog->on && prog->tty && !o->json);
	r = registry_creds(o, &creds, &err);
	if (r >= 0) {
		struct remote_opts ro = {
		    .reg = {.registry_url = o->registry_url,
			    .creds = r > 0 ? &creds : NULL,
			    .ca_file = o->ca_file,
			    .insecure = o->insecure,
			    .plain_http = o->plain_http,
			    .timeout_s = o->timeout_s,
			    .retries = o->retries,
			    .progress = &p},
		    .platform = o->platform_set ? &o->platform
				: o->arch_set	? &o->arch
						: NULL,
		    .cache_dir = o->cache_dir,
		    .no_cache = o->no_cache,
		    .force = o->force,
		    .no_sync = o->no_sync,
		    .store = o->store,
		    .unpack = uo,
		    .presets = &o->presets,
		    .progress = &p,
		};
		r = registry_run(o, &ro, &err);
	}
	auth_creds_done(&creds);
	if (r < 0) {
		progress_error(&p, err.msg);
		log_err(&err, r);
	}
	return r >= 0 ? r : unpack_interrupted ? 130 : 1;
}

/* ---- a local SOURCE ---- */

struct archive_fill {
	struct archive *a;
	struct unpack_opts *uo;
};

static int archive_fill(void *ud, size_t i, int dir_fd, struct rtr_err *e)
{
	struct archive_fill *f = ud;
	return archive_unpack_layer(f->a, i, dir_fd, f->uo, e);
}

/* The layers the store lacks, then the store bundle.  Returns the number of layers made. */
static int archive_to_store(const struct pull_opts *o, struct archive *a, struct unpack_opts *uo,
			    struct bundle *b, struct rtr_err *e)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	struct archive_fill f = {a, uo};
	size_t n = archive_n_layers(a);
	int r, made;

	for (size_t i = 0; i < n; i++) {
		const char *id = archive_layer_diff_id(a, i);
		if (!id)
			return rtr_err_set(e, EINVAL,
					   "%s: the image config has no rootfs.diff_ids: the store "
					   "names layers by them (pull a flat bundle)",
					   o->source);
		if (strv_push(&ids, id) < 0)
			return -ENOMEM;
	}
	r = store_open(o->store, &s, e);
	if (r < 0)
		return r;
	made = store_get_layers(s, ids, n, uo, !o->no_sync, archive_fill, &f, e);
	if (made < 0)
		return made;
	r = store_bundle_commit(s, b, o->bundle, archive_image(a), &o->presets, e);
	return r < 0 ? r : made;
}

/* A flat bundle: every layer into its rootfs. */
static int archive_to_bundle(const struct pull_opts *o, struct archive *a, struct unpack_opts *uo,
			     struct bundle *b, struct rtr_err *e)
{
	int r = archive_unpack(a, bundle_rootfs_fd(b), uo, e);

	if (r >= 0)
		r = bundle_write_config(b, archive_image(a), &o->presets, e);
	if (r >= 0)
		r = bundle_commit(b, e);
	return r < 0 ? r : (int)archive_n_layers(a);
}

static void archive_summary(const struct pull_opts *o, const struct archive *a,
			    const struct unpack_opts *uo, const struct tty_progress *prog, int made)
{
	struct timespec now;
	char in_store[48] = "";

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (o->store)
		snprintf(in_store, sizeof(in_store), " (%d new in the store)", made);
	fprintf(stderr, "rtr-pull: %s: %zu layer(s)%s, %llu entries, %llu bytes in %.2fs\n",
		o->bundle, archive_n_layers(a), in_store, (unsigned long long)uo->entries,
		(unsigned long long)uo->bytes,
		(double)(now.tv_sec - prog->start.tv_sec) +
		    (double)(now.tv_nsec - prog->start.tv_nsec) / 1e9);
}

static int pull_archive(const struct pull_opts *o, struct unpack_opts *uo,
			struct tty_progress *prog)
{
	struct rtr_err err = {0};
	_cleanup_bundle_ struct bundle *b = NULL;
	_cleanup_archive_ struct archive *a = NULL;
	struct archive_opts ao = {
	    .tag = o->tag,
	    .platform = o->platform_set ? &o->platform : NULL,
	    .progress = progress_cb,
	    .userdata = prog,
	};
	int r;

	r = bundle_create_tmp(&b, o->bundle, o->force, &err);
	if (r < 0)
		goto fail;
	bundle_set_sync(b, !o->no_sync);
	ao.scratch_dir_fd = bundle_dir_fd(b);
	r = archive_open(&a, o->source, &ao, &err);
	if (r < 0)
		goto fail;
	r = o->store ? archive_to_store(o, a, uo, b, &err) : archive_to_bundle(o, a, uo, b, &err);
	if (r < 0)
		goto fail;
	if (prog->on || o->verbose)
		archive_summary(o, a, uo, prog, r);
	return 0;

fail:
	if (prog->tty && prog->on)
		fputc('\n', stderr);
	if (unpack_interrupted)
		log_error("%s: interrupted, nothing written", o->bundle);
	else
		log_err(&err, r);
	bundle_free(TAKE_PTR(b)); /* removes the temporary directory */
	return unpack_interrupted ? 130 : 1;
}

/* ---- ls, gc, rm ---- */

static int run_verb(const struct pull_opts *o)
{
	struct rtr_err err = {0};
	_cleanup_store_ struct store *s = NULL;
	int r;

	if (streq(o->verb, "rm")) {
		r = store_rm_bundle(o->bundle, o->force, o->json, stdout, &err);
	} else {
		r = store_open(o->store ? o->store : RTR_STORE_DIR, &s, &err);
		if (r >= 0)
			r = streq(o->verb, "ls") ? store_list(s, o->json, stdout, &err)
						 : store_gc(s, o->json, stdout, &err);
	}
	if (r < 0) {
		log_err(&err, r);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pull_opts o = {0};
	struct tty_progress prog = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct unpack_opts uo = {0};
	int r;

	log_init("rtr-pull");
#ifdef M_ARENA_MAX
	/* The threads of a pull (downloads, a layer's unpacking) allocate little: one malloc
	 * arena for all keeps a pull's peak memory at that of one thread. */
	mallopt(M_ARENA_MAX, 1);
#endif
	r = parse_args(argc, argv, &o);
	if (r < 0) {
		presets_free(&o.presets);
		return 2;
	}
	log_set_verbose(o.verbose);
	if (o.verb) {
		r = run_verb(&o);
		presets_free(&o.presets);
		return r;
	}
	prog.tty = isatty(STDERR_FILENO);
	prog.on = !o.quiet && (prog.tty || o.verbose > 0);
	clock_gettime(CLOCK_MONOTONIC, &prog.start);

	r = unpack_signals_install();
	if (r < 0)
		return log_errno(r, "installing signal handlers"), 1;

	uo.allow_devices = o.allow_devices;
	uo.max_bytes = o.max_bytes;
	uo.max_entries = o.max_entries;
	uo.id_shift = o.userns_shift;
	uo.warn = warn_cb;
	uo.userdata = &prog;
	if (is_registry_source(o.source))
		r = pull_registry(&o, &uo, &prog);
	else
		r = pull_archive(&o, &uo, &prog);
	presets_free(&o.presets);
	return r;
}
