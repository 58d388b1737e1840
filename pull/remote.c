/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "remote.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "pull/blob.h"
#include "pull/cache.h"
#include "pull/fetch.h"
#include "pull/image.h"
#include "pull/store.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/util.h"

/* What one pull holds; remote_done() releases it. */
struct remote {
	struct registry *reg;
	struct cache *cache;
	struct image_manifest m;
	char digest[DIGEST_STR_MAX];
	char platform[64];
	char *config;
	size_t config_len;
	char **diff_ids;
};

static void remote_done(struct remote *rm)
{
	registry_close(rm->reg);
	cache_close(rm->cache);
	image_manifest_done(&rm->m);
	free(rm->config);
	strv_free(rm->diff_ids);
}

/* Manifest, config and diff_ids: everything about the image before any layer. */
static int remote_image(struct remote *rm, const struct remote_opts *o, struct rtr_err *e)
{
	struct blob_source src = {rm->reg, rm->cache, o->progress, NULL, NULL};
	uint64_t total = 0;
	int r;

	r = registry_resolve(rm->reg, o->platform, &rm->m, rm->digest, rm->platform, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rm->m.n_layers; i++)
		total += rm->m.layers[i].size;
	progress_manifest(o->progress, registry_ref(rm->reg), rm->digest, rm->platform,
			  rm->m.n_layers, total);
	r = blob_get_config(&src, &rm->m.config, &rm->config, &rm->config_len, e);
	if (r < 0)
		return r;
	/* OCI requires them; without them a layer's content could not be checked. */
	r = image_config_diff_ids(rm->config, rm->config_len, rm->m.n_layers, &rm->diff_ids, e);
	if (r >= 0 && !rm->diff_ids)
		r = rtr_err_set(e, EBADMSG, "no rootfs.diff_ids: the layers cannot be checked");
	if (r < 0)
		return rtr_err_wrap(e, -r, "%s: image config", registry_ref(rm->reg));
	return 0;
}

/* What config.json records of the image; @source is the caller's buffer. */
static struct bundle_image remote_bundle_image(const struct remote *rm, const char *source)
{
	return (struct bundle_image){
	    .config_json = rm->config,
	    .config_len = rm->config_len,
	    .config_digest = rm->m.config.digest,
	    .manifest_digest = rm->digest,
	    .ref_name = registry_ref(rm->reg),
	    .source = source,
	};
}

/* Every layer into the temporary bundle, then config.json and the rename. */
static int remote_unpack(struct remote *rm, const struct remote_opts *o, struct bundle *b,
			 struct rtr_err *e)
{
	struct blob_source src = {rm->reg, rm->cache, o->progress, NULL, rm->m.layers};
	struct fetch_cfg fc = {rm->reg, rm->cache, bundle_dir_fd(b), o->unpack->warn,
			       o->unpack->userdata};
	_cleanup_free_ char *source = xasprintf("docker://%s", registry_ref(rm->reg));
	struct bundle_image img;
	int r;

	if (!source)
		return -ENOMEM;
	r = fetch_start(&src.fetch, &fc, rm->m.layers, rm->m.n_layers, e);
	for (size_t i = 0; r >= 0 && i < rm->m.n_layers; i++) {
		const struct image_desc *d = &rm->m.layers[i];
		progress_layer_start(o->progress, i, d->digest, d->size);
		r = blob_pull_layer(&src, i, rm->diff_ids[i], bundle_rootfs_fd(b), o->unpack, e);
	}
	fetch_free(src.fetch);
	if (r < 0)
		return r;
	img = remote_bundle_image(rm, source);
	r = bundle_write_config(b, &img, o->presets, e);
	return r < 0 ? r : bundle_commit(b, e);
}

struct remote_fill {
	struct remote *rm;
	const struct remote_opts *o;
	struct bundle *b;
	/* The layers the store lacked when the pull began, downloaded together (3 at a time)
	 * while the store takes them in order, as a flat pull does. */
	struct blob_source src;
	struct image_desc *want;
	size_t *job; /* image layer -> its index in want; SIZE_MAX: not fetched ahead */
};

static void remote_fill_done(struct remote_fill *f)
{
	fetch_free(f->src.fetch);
	free(f->want);
	free(f->job);
}

/* Starts the downloads of the layers @s lacks (each diff_id once). */
static int remote_fetch_missing(struct remote_fill *f, struct store *s, struct rtr_err *e)
{
	struct remote *rm = f->rm;
	size_t n = rm->m.n_layers, k = 0;
	struct fetch_cfg fc = {rm->reg, rm->cache, bundle_dir_fd(f->b), f->o->unpack->warn,
			       f->o->unpack->userdata};

	f->want = calloc(n ? n : 1, sizeof(*f->want));
	f->job = malloc((n ? n : 1) * sizeof(*f->job));
	if (!f->want || !f->job)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = f->job[j] != SIZE_MAX && streq(rm->diff_ids[j], rm->diff_ids[i]);
		f->job[i] = SIZE_MAX;
		if (!dup && !store_has_layer(s, rm->diff_ids[i])) {
			f->job[i] = k;
			f->want[k++] = rm->m.layers[i];
		}
	}
	f->src = (struct blob_source){rm->reg, rm->cache, f->o->progress, NULL, f->want};
	return k ? fetch_start(&f->src.fetch, &fc, f->want, k, e) : 0;
}

/* One layer the store lacks, into its directory: from the downloads started before, or,
 * when it went missing since (a gc), fetched alone. */
static int remote_fill(void *ud, size_t i, int dir_fd, struct rtr_err *e)
{
	struct remote_fill *f = ud;
	const struct image_desc *d = &f->rm->m.layers[i];
	struct blob_source src = {f->rm->reg, f->rm->cache, f->o->progress, NULL, d};
	struct fetch_cfg fc = {f->rm->reg, f->rm->cache, bundle_dir_fd(f->b), f->o->unpack->warn,
			       f->o->unpack->userdata};
	int r;

	progress_layer_start(f->o->progress, i, d->digest, d->size);
	if (f->job[i] != SIZE_MAX)
		return blob_pull_layer(&f->src, f->job[i], f->rm->diff_ids[i], dir_fd, f->o->unpack,
				       e);
	r = fetch_start(&src.fetch, &fc, d, 1, e);
	if (r >= 0)
		r = blob_pull_layer(&src, 0, f->rm->diff_ids[i], dir_fd, f->o->unpack, e);
	fetch_free(src.fetch);
	return r;
}

/* The layers the store lacks, then the store bundle. */
static int remote_store(struct remote *rm, const struct remote_opts *o, struct bundle *b,
			const char *bundle, struct rtr_err *e)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_free_ char *source = xasprintf("docker://%s", registry_ref(rm->reg));
	struct remote_fill f = {.rm = rm, .o = o, .b = b};
	struct bundle_image img;
	int r;

	if (!source)
		return -ENOMEM;
	r = store_open(o->store, &s, e);
	if (r >= 0)
		r = remote_fetch_missing(&f, s, e);
	if (r >= 0)
		r = store_get_layers(s, rm->diff_ids, rm->m.n_layers, o->unpack, !o->no_sync,
				     remote_fill, &f, e);
	remote_fill_done(&f);
	if (r < 0)
		return r;
	img = remote_bundle_image(rm, source);
	return store_bundle_commit(s, b, bundle, &img, o->presets, e);
}

int remote_pull(const struct remote_opts *o, const char *source, const char *bundle,
		struct rtr_err *e)
{
	struct remote rm = {};
	_cleanup_bundle_ struct bundle *b = NULL;
	int r;

	r = registry_open(&rm.reg, source, &o->reg, e);
	if (r >= 0 && !o->no_cache)
		r = cache_open(o->cache_dir ? o->cache_dir : RTR_CACHE_DIR, &rm.cache, e);
	if (r >= 0)
		r = remote_image(&rm, o, e);
	if (r >= 0)
		r = bundle_create_tmp(&b, bundle, o->force, e);
	if (r >= 0) {
		bundle_set_sync(b, !o->no_sync);
		r = o->store ? remote_store(&rm, o, b, bundle, e) : remote_unpack(&rm, o, b, e);
	}
	if (r >= 0)
		progress_done(o->progress, bundle, rm.digest);
	remote_done(&rm);
	return r;
}

int remote_check(const struct remote_opts *o, const char *source, const char *bundle,
		 bool *ret_newer, struct rtr_err *e)
{
	struct remote rm = {};
	_cleanup_free_ char *have = NULL;
	int r;

	r = bundle_read_image_digest(bundle, &have, e);
	if (r >= 0)
		r = registry_open(&rm.reg, source, &o->reg, e);
	if (r >= 0)
		r = registry_resolve(rm.reg, o->platform, &rm.m, rm.digest, rm.platform, e);
	if (r >= 0) {
		*ret_newer = !streq(have, rm.digest);
		progress_check(o->progress, registry_ref(rm.reg), have, rm.digest, *ret_newer);
	}
	remote_done(&rm);
	return r;
}
