/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "digest.h"
#include "image.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/json.h"
#include "runner/lib/util.h"

static void desc_done(struct image_desc *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->ref_name);
	memset(d, 0, sizeof(*d));
}

static int desc_parse(const struct json_cur *c, struct image_desc *d, struct rtr_err *err)
{
	struct json_cur mt = json_member(c, "mediaType"), dg = json_member(c, "digest"),
			sz = json_member(c, "size"), pl = json_member(c, "platform"),
			an = json_member(c, "annotations");
	char path[256];
	int r;

	r = json_object(c, NULL, err);
	if (r <= 0)
		return r < 0 ? r : json_require(c, err);
	r = json_strdup(&mt, &d->media_type, err);
	if (r < 0)
		return r;
	r = json_require(&dg, err);
	if (r < 0)
		return r;
	r = json_strdup(&dg, &d->digest, err);
	if (r < 0)
		return r;
	json_path(&dg, path, sizeof(path));
	r = digest_validate(d->digest, path, err);
	if (r < 0)
		return r;
	r = json_require(&sz, err);
	if (r < 0)
		return r;
	r = json_u64(&sz, INT64_MAX, &d->size, err);
	if (r < 0)
		return r;
	if (json_present(&pl)) {
		struct json_cur os = json_member(&pl, "os"),
				arch = json_member(&pl, "architecture"),
				var = json_member(&pl, "variant");
		const char *s;
		if ((r = json_str(&os, &s, err)) < 0)
			return r;
		if (r)
			snprintf(d->platform.os, sizeof(d->platform.os), "%s", s);
		if ((r = json_str(&arch, &s, err)) < 0)
			return r;
		if (r)
			snprintf(d->platform.arch, sizeof(d->platform.arch), "%s", s);
		if ((r = json_str(&var, &s, err)) < 0)
			return r;
		if (r)
			snprintf(d->platform.variant, sizeof(d->platform.variant), "%s", s);
		d->has_platform = d->platform.os[0] && d->platform.arch[0];
	}
	if (json_present(&an)) {
		struct json_cur rn = json_member(&an, "org.opencontainers.image.ref.name");
		r = json_strdup(&rn, &d->ref_name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

bool image_is_index(const char *media_type, const char *buf, size_t len)
{
	if (media_type)
		return streq(media_type, IMAGE_MT_OCI_INDEX) ||
		       streq(media_type, IMAGE_MT_DOCKER_LIST);
	{
		_cleanup_json_ struct json *j = NULL;
		struct json_cur root, mt, m;
		const char *s = NULL;
		if (json_parse(buf, len, RTR_MANIFEST_MAX_BYTES, &j, NULL) < 0)
			return false;
		root = json_root(j);
		mt = json_member(&root, "mediaType");
		if (json_str(&mt, &s, NULL) > 0)
			return streq(s, IMAGE_MT_OCI_INDEX) || streq(s, IMAGE_MT_DOCKER_LIST);
		/* OCI allows an index without mediaType: it has "manifests", not "layers" */
		m = json_member(&root, "manifests");
		return json_present(&m);
	}
}

/* An array of descriptors; on an error the caller frees the *ret_n of *ret parsed. */
static int desc_array_parse(const struct json_cur *c, struct image_desc **ret, size_t *ret_n,
			    struct rtr_err *err)
{
	size_t n = 0;
	int r;

	r = json_require(c, err);
	if (r >= 0)
		r = json_array(c, &n, err);
	if (r < 0)
		return r;
	*ret = calloc(n ? n : 1, sizeof(**ret));
	if (!*ret)
		return rtr_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_cur e = json_item(c, i);
		r = desc_parse(&e, &(*ret)[i], err);
		*ret_n = i + 1;
		if (r < 0)
			return r;
	}
	return 0;
}

int image_manifest_parse(const char *buf, size_t len, struct image_manifest *ret,
			 struct rtr_err *err)
{
	_cleanup_json_ struct json *j = NULL;
	struct json_cur root, mt, sv, cfg, layers;
	struct image_manifest m = {0};
	int64_t schema = 0;
	int r;

	r = json_parse(buf, len, RTR_MANIFEST_MAX_BYTES, &j, err);
	if (r < 0)
		return r;
	root = json_root(j);
	sv = json_member(&root, "schemaVersion");
	r = json_i64(&sv, 0, 100, &schema, err);
	if (r < 0)
		return r;
	mt = json_member(&root, "mediaType");
	r = json_strdup(&mt, &m.media_type, err);
	if (r < 0)
		goto fail;
	if (schema == 1 || streq(m.media_type, IMAGE_MT_DOCKER_V1) ||
	    streq(m.media_type, IMAGE_MT_DOCKER_V1_SIGNED)) {
		r = rtr_err_set(err, ENOTSUP,
				"Docker schema 1 manifests are not supported (deprecated format)");
		goto fail;
	}
	if (schema != 2) {
		r = rtr_err_set(err, EINVAL, ".schemaVersion: expected 2");
		goto fail;
	}
	if (image_is_index(m.media_type, buf, len)) {
		r = rtr_err_set(err, EINVAL, "expected an image manifest, got an index");
		goto fail;
	}
	cfg = json_member(&root, "config");
	r = desc_parse(&cfg, &m.config, err);
	if (r < 0)
		goto fail;
	layers = json_member(&root, "layers");
	r = desc_array_parse(&layers, &m.layers, &m.n_layers, err);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	image_manifest_done(&m);
	return r;
}

void image_manifest_done(struct image_manifest *m)
{
	free(m->media_type);
	desc_done(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		desc_done(&m->layers[i]);
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

int image_index_parse(const char *buf, size_t len, struct image_index *ret, struct rtr_err *err)
{
	_cleanup_json_ struct json *j = NULL;
	struct json_cur root, ms;
	struct image_index ix = {0};
	int r;

	r = json_parse(buf, len, RTR_MANIFEST_MAX_BYTES, &j, err);
	if (r < 0)
		return r;
	root = json_root(j);
	ms = json_member(&root, "manifests");
	r = desc_array_parse(&ms, &ix.manifests, &ix.n_manifests, err);
	if (r < 0) {
		image_index_done(&ix);
		return r;
	}
	*ret = ix;
	return 0;
}

void image_index_done(struct image_index *ix)
{
	for (size_t i = 0; i < ix->n_manifests; i++)
		desc_done(&ix->manifests[i]);
	free(ix->manifests);
	memset(ix, 0, sizeof(*ix));
}

static void list_platforms(const struct image_index *ix, char *buf, size_t n)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < ix->n_manifests && o + 1 < n; i++) {
		char p[96];
		if (!ix->manifests[i].has_platform)
			continue;
		platform_format(&ix->manifests[i].platform, p, sizeof(p));
		o += snprintf(buf + o, n - o, "%s%s", o ? ", " : "", p);
	}
	if (!buf[0])
		snprintf(buf, n, "(none)");
}

int image_index_choose(const struct image_index *ix, const struct rtr_platform *want,
		       const struct image_desc **ret, struct rtr_err *err)
{
	struct rtr_platform host;
	const struct image_desc *best = NULL;
	char w[96], have[400];

	if (!want) {
		platform_host(&host);
		want = &host;
	}
	if (ix->n_manifests == 1 && !ix->manifests[0].has_platform) {
		*ret = &ix->manifests[0];
		return 0;
	}
	for (size_t i = 0; i < ix->n_manifests; i++) {
		const struct image_desc *d = &ix->manifests[i];
		if (!d->has_platform)
			continue;
		if (!platform_match(want, d->platform.os, d->platform.arch,
				    d->platform.variant[0] ? d->platform.variant : NULL))
			continue;
		if (!best || (streq(d->platform.variant, want->variant) &&
			      !streq(best->platform.variant, want->variant)))
			best = d;
	}
	if (best) {
		*ret = best;
		return 0;
	}
	platform_format(want, w, sizeof(w));
	list_platforms(ix, have, sizeof(have));
	return rtr_err_set(err, ENOENT, "no image for %s; the image has: %s", w, have);
}

int image_index_find_ref(const struct image_index *ix, const char *ref,
			 const struct image_desc **ret, struct rtr_err *err)
{
	char have[400];
	size_t o = 0;

	for (size_t i = 0; i < ix->n_manifests; i++)
		if (streq(ix->manifests[i].ref_name, ref)) {
			*ret = &ix->manifests[i];
			return 0;
		}
	have[0] = 0;
	for (size_t i = 0; i < ix->n_manifests && o + 1 < sizeof(have); i++)
		if (ix->manifests[i].ref_name)
			o += snprintf(have + o, sizeof(have) - o, "%s%s", o ? ", " : "",
				      ix->manifests[i].ref_name);
	return rtr_err_set(err, ENOENT, "no image named \"%s\" in the layout; it has: %s", ref,
			   have[0] ? have : "(no names)");
}

int image_config_diff_ids(const char *config, size_t len, size_t n_layers, char ***ret,
			  struct rtr_err *err)
{
	_cleanup_json_ struct json *j = NULL;
	_cleanup_strv_free_ char **ids = NULL;
	struct json_cur root, rootfs, c;
	int r;

	r = json_parse(config, len, RTR_IMAGE_CONFIG_MAX_BYTES, &j, err);
	if (r < 0)
		return r;
	root = json_root(j);
	rootfs = json_member(&root, "rootfs");
	c = json_member(&rootfs, "diff_ids");
	r = json_strv(&c, &ids, err);
	if (r < 0)
		return r;
	if (r == 0) {
		*ret = NULL;
		return 0;
	}
	if (strv_length(ids) != n_layers)
		return rtr_err_set(err, EBADMSG, "rootfs.diff_ids: %zu for %zu layers",
				   strv_length(ids), n_layers);
	for (size_t i = 0; i < n_layers; i++) {
		char path[64];
		snprintf(path, sizeof(path), "rootfs.diff_ids[%zu]", i);
		r = digest_validate(ids[i], path, err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(ids);
	return 0;
}
