/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "config.h"
#include "decomp.h"
#include "digest.h"
#include "image.h"
#include "layer.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/json.h"
#include "runner/lib/util.h"
#include "tar.h"

struct aentry {
	char *name;
	char *link;
	char type;
	uint64_t off, size;
};

struct alayer {
	char *path;    /* inside the archive / layout */
	char *digest;  /* blob digest, NULL when the source has none (docker v1) */
	char *diff_id; /* from the config's rootfs.diff_ids, NULL when absent */
	uint64_t size; /* UINT64_MAX when unknown */
	enum layer_compression comp;
};

struct archive {
	int fd;	   /* outer tarball, or -1 */
	int dirfd; /* OCI layout directory, or -1 */
	uint64_t file_size;
	struct aentry *ents;
	size_t n_ents, cap_ents;
	const struct archive_opts *o;
	struct archive_opts o_tag; /* *o with the TAG of docker-archive:FILE:TAG */
	char *tag;
	char *source;
	char *ref_name;
	char *manifest_digest;
	char *config_digest;
	char *config;
	size_t config_len;
	struct alayer *layers;
	size_t n_layers;
	struct bundle_image img;
};

void archive_free(struct archive *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	if (a->dirfd >= 0)
		close(a->dirfd);
	for (size_t i = 0; i < a->n_ents; i++) {
		free(a->ents[i].name);
		free(a->ents[i].link);
	}
	free(a->ents);
	for (size_t i = 0; i < a->n_layers; i++) {
		free(a->layers[i].path);
		free(a->layers[i].digest);
		free(a->layers[i].diff_id);
	}
	free(a->layers);
	free(a->tag);
	free(a->source);
	free(a->ref_name);
	free(a->manifest_digest);
	free(a->config_digest);
	free(a->config);
	free(a);
}

/* "./a//b" -> "a/b" (in place) */
static void norm(char *s)
{
	char *o = s, *p = s;
	while (*p) {
		while (*p == '/')
			p++;
		if (p[0] == '.' && (p[1] == '/' || !p[1])) {
			p++;
			continue;
		}
		if (!*p)
			break;
		if (o != s)
			*o++ = '/';
		while (*p && *p != '/')
			*o++ = *p++;
	}
	*o = 0;
}

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* short file */
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/* PAX data: the value of "path". */
static char *pax_path(char *d, size_t len)
{
	char *p = d, *end = d + len;
	while (p < end) {
		char *sp = memchr(p, ' ', end - p);
		unsigned long rl = strtoul(p, NULL, 10);
		if (!sp || rl == 0 || rl > (size_t)(end - p))
			return NULL;
		if ((size_t)(p + rl - sp) > 6 && strncmp(sp + 1, "path=", 5) == 0)
			return strndup(sp + 6, p + rl - 1 - (sp + 6));
		p += rl;
	}
	return NULL;
}

/* The name of the next entry from an 'x' (its "path") or 'L' header at @off. */
static int index_long_name(struct archive *a, const char *file, const struct tar_header *h,
			   uint64_t off, char **pending, struct rtr_err *err)
{
	_cleanup_free_ char *d = NULL;
	int r;

	if (h->size > RTR_PULL_MAX_PAX_BYTES)
		return rtr_err_set(err, EBADMSG, "%s: oversized tar header", file);
	d = malloc(h->size + 1);
	if (!d)
		return -ENOMEM;
	r = pread_all(a->fd, d, h->size, off);
	if (r < 0)
		return rtr_err_sys(err, -r, "%s", file);
	d[h->size] = 0;
	free(*pending);
	*pending = h->type == 'L' ? strdup(d) : pax_path(d, h->size);
	return 0;
}

/* Records a file, hard link or symlink whose data starts at @off. */
static int index_add(struct archive *a, const char *file, const struct tar_header *h, uint64_t off,
		     char **pending, struct rtr_err *err)
{
	struct aentry *e;

	if (a->n_ents >= RTR_PULL_MAX_ENTRIES)
		return rtr_err_set(err, EFBIG, "%s: too many entries", file);
	if (a->n_ents == a->cap_ents) {
		size_t cap = a->cap_ents ? a->cap_ents * 2 : 16;
		e = realloc(a->ents, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		a->ents = e;
		a->cap_ents = cap;
	}
	e = &a->ents[a->n_ents];
	e->name = *pending ? TAKE_PTR(*pending) : strdup(h->name);
	e->link = strdup(h->linkname);
	e->type = h->type == '1' ? '1' : h->type == '2' ? '2' : '0';
	e->off = off;
	e->size = e->type == '0' ? h->size : 0;
	if (!e->name || !e->link) {
		free(e->name);
		free(e->link);
		return -ENOMEM;
	}
	norm(e->name);
	a->n_ents++;
	return 0;
}

static int index_tar(struct archive *a, const char *file, struct rtr_err *err)
{
	uint64_t off = 0;
	_cleanup_free_ char *pending = NULL;

	for (;;) {
		unsigned char blk[512];
		struct tar_header h;
		uint64_t data;
		int r;

		if (off + 512 > a->file_size)
			return off == a->file_size && a->n_ents
				   ? 0
				   : rtr_err_set(err, EBADMSG, "%s: truncated tar archive", file);
		r = pread_all(a->fd, blk, 512, off);
		if (r < 0)
			return rtr_err_sys(err, -r, "%s", file);
		r = tar_parse_header(blk, &h);
		if (r < 0)
			return rtr_err_set(err, EBADMSG, "%s: bad tar header at offset %llu", file,
					   (unsigned long long)off);
		if (r == 0)
			return 0;
		off += 512;
		data = h.size;
		if (h.size > a->file_size - off)
			return rtr_err_set(err, EBADMSG, "%s: truncated tar archive", file);
		if (h.type == 'x' || h.type == 'L')
			r = index_long_name(a, file, &h, off, &pending, err);
		else if (h.type == '0' || h.type == '\0' || h.type == '7' || h.type == '1' ||
			 h.type == '2') {
			r = index_add(a, file, &h, off, &pending, err);
			if (h.type == '1' || h.type == '2')
				data = 0;
		} else {
			free(pending);
			pending = NULL;
			if (h.type == '5' || h.type == '3' || h.type == '4' || h.type == '6')
				data = 0;
		}
		if (r < 0)
			return r;
		off += (data + 511) / 512 * 512;
	}
}

/* Locate @path: offset and size inside the tarball (links followed). */
static int find_entry(struct archive *a, const char *path, uint64_t *off, uint64_t *size)
{
	_cleanup_free_ char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	norm(p);
	for (int hops = 0; hops < 8; hops++) {
		struct aentry *e = NULL;
		/* the last entry of a name wins, as when extracting */
		for (size_t i = a->n_ents; i-- > 0;)
			if (streq(a->ents[i].name, p)) {
				e = &a->ents[i];
				break;
			}
		if (!e)
			return -ENOENT;
		if (e->type == '0') {
			*off = e->off;
			*size = e->size;
			return 0;
		}
		char *np;
		if (e->type == '2' && e->link[0] != '/' && strchr(p, '/')) {
			*strrchr(p, '/') = 0;
			np = xasprintf("%s/%s", p, e->link);
		} else
			np = strdup(e->link);
		if (!np)
			return -ENOMEM;
		free(p);
		p = np;
		/* resolve "dir/../x" */
		for (char *dd; (dd = strstr(p, "/../"));) {
			char *s = dd;
			while (s > p && s[-1] != '/')
				s--;
			memmove(s, dd + 4, strlen(dd + 4) + 1);
		}
		norm(p);
	}
	return -ELOOP;
}

/* Open a blob: fd (borrowed for a tarball, owned for a directory) + offset + size. */
static int blob_open(struct archive *a, const char *path, int *ret_fd, bool *owned, uint64_t *off,
		     uint64_t *size, struct rtr_err *err)
{
	int r;
	if (a->fd >= 0) {
		r = find_entry(a, path, off, size);
		if (r < 0)
			return rtr_err_set(err, -r, "%s: %s: %s", a->source, path,
					   r == -ENOENT ? "not in the archive" : strerror(-r));
		*ret_fd = a->fd;
		*owned = false;
		return 0;
	}
	{
		struct stat st;
		int fd = openat(a->dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			r = fd < 0 ? errno : EINVAL;
			if (fd >= 0)
				close(fd);
			return rtr_err_set(err, r, "%s: %s: %s", a->source, path,
					   r == EINVAL ? "not a regular file" : strerror(r));
		}
		*ret_fd = fd;
		*owned = true;
		*off = 0;
		*size = (uint64_t)st.st_size;
		return 0;
	}
}

static int read_small(struct archive *a, const char *path, size_t max, const char *digest,
		      char **ret, size_t *ret_len, struct rtr_err *err)
{
	uint64_t off = 0, size = 0;
	bool owned = false;
	int fd = -1, r;
	char *buf;

	r = blob_open(a, path, &fd, &owned, &off, &size, err);
	if (r < 0)
		return r;
	if (size > max) {
		if (owned)
			close(fd);
		return rtr_err_set(err, EFBIG, "%s: %s: larger than %zu bytes", a->source, path,
				   max);
	}
	buf = malloc(size + 1);
	if (!buf) {
		if (owned)
			close(fd);
		return -ENOMEM;
	}
	r = pread_all(fd, buf, size, off);
	if (owned)
		close(fd);
	if (r < 0) {
		free(buf);
		return rtr_err_sys(err, -r, "%s: %s", a->source, path);
	}
	buf[size] = 0;
	if (digest) {
		r = digest_verify_buf(buf, size, digest, path, err);
		if (r < 0) {
			free(buf);
			return r;
		}
	}
	*ret = buf;
	*ret_len = size;
	return 0;
}

static char *blob_path(const char *digest)
{
	return xasprintf("blobs/sha256/%s", digest_hex(digest));
}

/* rootfs.diff_ids of the config, one per layer (may be absent for OCI). */
static int diff_ids(struct archive *a, struct rtr_err *err)
{
	_cleanup_strv_free_ char **ids = NULL;
	int r = image_config_diff_ids(a->config, a->config_len, a->n_layers, &ids, err);

	if (r < 0)
		return rtr_err_wrap(err, -r, "image config");
	for (size_t i = 0; ids && i < a->n_layers; i++)
		a->layers[i].diff_id = TAKE_PTR(ids[i]);
	return 0;
}

/* "<64 hex>.json" / "blobs/sha256/<64 hex>" -> "sha256:<hex>", else NULL. */
static char *digest_from_name(const char *path)
{
	const char *b = strrchr(path, '/');
	char hex[65];
	b = b ? b + 1 : path;
	if (strlen(b) < 64)
		return NULL;
	memcpy(hex, b, 64);
	hex[64] = 0;
	if (b[64] && !streq(b + 64, ".json") && !streq(b + 64, ".tar"))
		return NULL;
	char *d = xasprintf("sha256:%s", hex);
	if (d && digest_validate(d, "", NULL) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

static bool tag_matches(const char *have, const char *want)
{
	const char *h = have;
	if (streq(have, want))
		return true;
	/* "busybox" means "busybox:latest"; "docker.io/library/x" equals "x" */
	if ((h = startswith(have, "docker.io/library/")) && tag_matches(h, want))
		return true;
	if (!strchr(want, ':')) {
		size_t n = strlen(want);
		return strncmp(have, want, n) == 0 && streq(have + n, ":latest");
	}
	return false;
}

/* Adds the RepoTags of @t to the "a, b, c" list for messages (silently cut at its size). */
static void tags_list(char *list, size_t size, size_t *lo, char **t)
{
	for (size_t k = 0; t && t[k]; k++)
		if (*lo + 1 < size)
			*lo += snprintf(list + *lo, size - *lo, "%s%s", *lo ? ", " : "", t[k]);
}

/* The manifest.json entry to unpack: the one tagged --tag, or the only one. */
static int docker_pick(struct archive *a, const struct json_cur *root, size_t n,
		       struct json_cur *ret, struct rtr_err *err)
{
	struct json_cur img = {0};
	char list[512];
	size_t lo = 0;

	list[0] = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_cur e = json_item(root, i);
		_cleanup_strv_free_ char **t = NULL;
		int r = json_strv(JSON_TMP(json_member(&e, "RepoTags")), &t, err);
		if (r < 0)
			return rtr_err_wrap(err, EINVAL, "%s: manifest.json", a->source);
		for (size_t k = 0; a->o->tag && t && t[k]; k++)
			if (tag_matches(t[k], a->o->tag) && !img.node) {
				img = e;
				free(a->ref_name);
				a->ref_name = strdup(t[k]);
			}
		tags_list(list, sizeof(list), &lo, t);
		if (!a->o->tag && n == 1) {
			img = e;
			if (t && t[0])
				a->ref_name = strdup(t[0]);
		}
	}
	if (!img.node && a->o->tag)
		return rtr_err_set(err, ENOENT, "%s: no image tagged \"%s\"; the archive has: %s",
				   a->source, a->o->tag, list[0] ? list : "(no tags)");
	if (!img.node)
		return rtr_err_set(err, EINVAL,
				   "%s: the archive holds %zu images; pick one with --tag (%s)",
				   a->source, n, list[0] ? list : "no tags");
	*ret = img;
	return 0;
}

/* The image config of a docker save archive, verified when its name is its digest. */
static int docker_config(struct archive *a, const char *cfg_path, struct rtr_err *err)
{
	int r;

	a->config_digest = digest_from_name(cfg_path);
	r = read_small(a, cfg_path, RTR_IMAGE_CONFIG_MAX_BYTES, a->config_digest, &a->config,
		       &a->config_len, err);
	if (r < 0)
		return r;
	if (!a->config_digest) {
		a->config_digest = malloc(DIGEST_STR_MAX);
		if (!a->config_digest || digest_buf(a->config, a->config_len, a->config_digest) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int layers_alloc(struct archive *a, size_t n)
{
	a->n_layers = n;
	a->layers = calloc(n ? n : 1, sizeof(*a->layers));
	return a->layers ? 0 : -ENOMEM;
}

/* Layers of a docker save archive: each verified by its blob digest (when the file is named
 * by it) or by the config's diff_id; a layer with neither is refused. */
static int docker_layers(struct archive *a, char **layers, struct rtr_err *err)
{
	int r = layers_alloc(a, strv_length(layers));

	if (r < 0)
		return r;
	for (size_t i = 0; i < a->n_layers; i++) {
		a->layers[i].path = strdup(layers[i]);
		a->layers[i].size = UINT64_MAX;
		a->layers[i].comp = LAYER_COMP_AUTO;
		if (!a->layers[i].path)
			return -ENOMEM;
		/* Docker 25+ saves an OCI layout beside manifest.json: blobs named by digest */
		if (startswith(layers[i], "blobs/sha256/"))
			a->layers[i].digest = digest_from_name(layers[i]);
	}
	r = diff_ids(a, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < a->n_layers; i++)
		if (!a->layers[i].diff_id && !a->layers[i].digest)
			return rtr_err_set(
			    err, EINVAL,
			    "%s: image config has no rootfs.diff_ids: layers cannot be verified",
			    a->source);
	return 0;
}

static int open_docker(struct archive *a, struct rtr_err *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct json *j = NULL;
	_cleanup_strv_free_ char **layers = NULL;
	struct json_cur root, img;
	const char *cfg_path = NULL;
	size_t len, n = 0;
	int r;

	r = read_small(a, "manifest.json", RTR_PULL_MAX_ARCHIVE_JSON_BYTES, NULL, &buf, &len, err);
	if (r < 0)
		return r;
	r = json_parse(buf, len, RTR_PULL_MAX_ARCHIVE_JSON_BYTES, &j, err);
	if (r < 0)
		return rtr_err_wrap(err, -r, "%s: manifest.json", a->source);
	root = json_root(j);
	r = json_array(&root, &n, err);
	if (r <= 0 || n == 0)
		return rtr_err_set(err, EINVAL, "%s: manifest.json: expected a non-empty array",
				   a->source);
	r = docker_pick(a, &root, n, &img, err);
	if (r < 0)
		return r;
	r = json_str(JSON_TMP(json_member(&img, "Config")), &cfg_path, err);
	if (r <= 0)
		return rtr_err_set(err, EINVAL, "%s: manifest.json: no Config", a->source);
	r = json_strv(JSON_TMP(json_member(&img, "Layers")), &layers, err);
	if (r <= 0)
		return rtr_err_set(err, EINVAL, "%s: manifest.json: no Layers", a->source);
	r = docker_config(a, cfg_path, err);
	if (r < 0)
		return r;
	return docker_layers(a, layers, err);
}

/* A descriptor kept after its index is freed. */
struct odesc {
	char *digest;
	char *media_type; /* NULL when the index names none */
	uint64_t size;
};

static void odesc_done(struct odesc *o)
{
	free(o->digest);
	free(o->media_type);
	*o = (struct odesc){0};
}

static int odesc_set(struct odesc *o, const struct image_desc *d)
{
	odesc_done(o);
	o->digest = strdup(d->digest);
	o->media_type = d->media_type ? strdup(d->media_type) : NULL;
	o->size = d->size;
	return o->digest && (o->media_type || !d->media_type) ? 0 : -ENOMEM;
}

/* The image named by oci:DIR:REF (or the platform's) in the layout's index.json. */
static int oci_top(struct archive *a, const char *ref, struct odesc *ret, struct rtr_err *err)
{
	_cleanup_free_ char *buf = NULL;
	struct image_index ix = {0};
	const struct image_desc *d = NULL;
	size_t len;
	int r;

	r = read_small(a, "oci-layout", 4096, NULL, &buf, &len, err);
	if (r < 0)
		return r;
	free(buf);
	buf = NULL;
	r = read_small(a, "index.json", RTR_MANIFEST_MAX_BYTES, NULL, &buf, &len, err);
	if (r < 0)
		return r;
	r = image_index_parse(buf, len, &ix, err);
	if (r < 0)
		return rtr_err_wrap(err, -r, "%s: index.json", a->source);
	if (ref)
		r = image_index_find_ref(&ix, ref, &d, err);
	else
		r = image_index_choose(&ix, a->o->platform, &d, err);
	if (r < 0) {
		image_index_done(&ix);
		return rtr_err_wrap(err, -r, "%s", a->source);
	}
	a->ref_name = d->ref_name ? strdup(d->ref_name) : ref ? strdup(ref) : NULL;
	r = odesc_set(ret, d);
	image_index_done(&ix);
	return r;
}

/* One blob named by a descriptor, verified against its digest and size. */
static int oci_read_desc(struct archive *a, const struct odesc *o, char **ret, size_t *ret_len,
			 struct rtr_err *err)
{
	_cleanup_free_ char *path = blob_path(o->digest);
	int r;

	r = path ? read_small(a, path, RTR_MANIFEST_MAX_BYTES, o->digest, ret, ret_len, err)
		 : -ENOMEM;
	if (r < 0)
		return r;
	if (*ret_len != o->size)
		return rtr_err_set(err, EBADMSG, "%s: %s: size %zu, descriptor says %llu",
				   a->source, o->digest, *ret_len, (unsigned long long)o->size);
	return 0;
}

/* Follow nested indexes (multi-arch layouts) from @o down to a manifest, choosing the
 * platform; @o ends as the manifest's descriptor. */
static int oci_manifest(struct archive *a, struct odesc *o, char **ret, size_t *ret_len,
			struct rtr_err *err)
{
	for (int depth = 0;; depth++) {
		_cleanup_free_ char *buf = NULL;
		struct image_index ix = {0};
		const struct image_desc *d = NULL;
		size_t len;
		int r = oci_read_desc(a, o, &buf, &len, err);

		if (r < 0)
			return r;
		if (!image_is_index(o->media_type, buf, len)) {
			*ret = TAKE_PTR(buf);
			*ret_len = len;
			return 0;
		}
		if (depth >= 4)
			return rtr_err_set(err, ELOOP, "%s: indexes nested too deeply", a->source);
		r = image_index_parse(buf, len, &ix, err);
		if (r >= 0)
			r = image_index_choose(&ix, a->o->platform, &d, err);
		if (r < 0) {
			image_index_done(&ix);
			return rtr_err_wrap(err, -r, "%s", a->source);
		}
		r = odesc_set(o, d);
		image_index_done(&ix);
		if (r < 0)
			return r;
	}
}

/* Config and layers of an OCI manifest: blobs of the layout, verified by digest. */
static int oci_image(struct archive *a, const struct image_manifest *m, struct rtr_err *err)
{
	_cleanup_free_ char *cp = blob_path(m->config.digest);
	int r;

	a->config_digest = strdup(m->config.digest);
	r = cp ? read_small(a, cp, RTR_IMAGE_CONFIG_MAX_BYTES, m->config.digest, &a->config,
			    &a->config_len, err)
	       : -ENOMEM;
	if (r >= 0)
		r = layers_alloc(a, m->n_layers);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_layers; i++) {
		struct alayer *l = &a->layers[i];
		l->path = blob_path(m->layers[i].digest);
		l->digest = strdup(m->layers[i].digest);
		l->size = m->layers[i].size;
		if (!l->path || !l->digest)
			return -ENOMEM;
		r = layer_compression_from_media_type(m->layers[i].media_type, &l->comp, err);
		if (r < 0)
			return rtr_err_wrap(err, -r, "%s: layer %zu", a->source, i + 1);
	}
	return diff_ids(a, err);
}

static int open_oci(struct archive *a, const char *ref, struct rtr_err *err)
{
	_cleanup_free_ char *mbuf = NULL;
	struct image_manifest m = {0};
	struct odesc o = {0};
	size_t mlen = 0;
	int r;

	r = oci_top(a, ref, &o, err);
	if (r >= 0)
		r = oci_manifest(a, &o, &mbuf, &mlen, err);
	if (r < 0)
		goto out;
	r = image_manifest_parse(mbuf, mlen, &m, err);
	if (r < 0) {
		r = rtr_err_wrap(err, -r, "%s: manifest %s", a->source, o.digest);
		goto out;
	}
	a->manifest_digest = TAKE_PTR(o.digest);
	r = oci_image(a, &m, err);
out:
	image_manifest_done(&m);
	odesc_done(&o);
	return r;
}

/* Split "PATH:REF" when the part after the last ':' looks like a reference. */
static char *split_ref(char *s)
{
	char *c = strrchr(s, ':');
	if (!c || strchr(c, '/'))
		return NULL;
	*c = 0;
	return c + 1;
}

enum archive_kind { DOCKER, OCI_ARCHIVE, OCI_DIR, SNIFF };

/* The transport prefix of @source, its path (*@ret_path, malloc'ed) and the REF of
 * oci:DIR:REF / oci-archive:FILE:REF (*@ret_ref, inside the path's buffer). */
static int source_split(struct archive *a, const char *source, enum archive_kind *ret_kind,
			char **ret_path, char **ret_ref)
{
	enum archive_kind kind = SNIFF;
	const char *rest;
	char *path;

	if ((rest = startswith(source, "docker-archive:")))
		kind = DOCKER;
	else if ((rest = startswith(source, "oci-archive:")))
		kind = OCI_ARCHIVE;
	else if ((rest = startswith(source, "oci:")))
		kind = OCI_DIR;
	else
		rest = source;
	path = strdup(rest);
	if (!path)
		return -ENOMEM;
	*ret_path = path;
	*ret_kind = kind;
	*ret_ref = NULL;
	if (kind == OCI_ARCHIVE || kind == OCI_DIR)
		*ret_ref = split_ref(path);
	else if (kind == DOCKER && access(path, F_OK) < 0) {
		/* docker-archive:FILE:TAG as skopeo writes it */
		char *t = split_ref(path);
		if (t && !a->o->tag) {
			a->tag = strdup(t);
			if (!a->tag)
				return -ENOMEM;
			a->o_tag = *a->o;
			a->o_tag.tag = a->tag;
			a->o = &a->o_tag;
		}
	}
	return 0;
}

static int to_scratch(void *ud, const void *buf, size_t len, struct rtr_err *err)
{
	int r = write_all(*(int *)ud, buf, len);
	return r < 0 ? rtr_err_sys(err, -r, "writing the uncompressed archive") : 0;
}

/* An unnamed file for the uncompressed archive: in the scratch directory the caller gave
 * (the temporary bundle, whose filesystem must have room anyway), else in $TMPDIR. */
static int scratch_open(const struct archive *a, struct rtr_err *err)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_close_ int dfd = -1;
	int fd;

	if (a->o->scratch_dir_fd > 0)
		fd = tmpfile_at(a->o->scratch_dir_fd);
	else if ((dfd = open(tmp && tmp[0] ? tmp : "/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >=
		 0)
		fd = tmpfile_at(dfd);
	else
		fd = -errno;
	if (fd < 0)
		return rtr_err_sys(err, -fd, "%s: a temporary file for the uncompressed archive",
				   a->source);
	return fd;
}

/* `docker save | gzip` (or zstd): the tar index needs offsets, so the archive is
 * uncompressed once into an unnamed scratch file that then stands in for it. */
static int uncompress_file(struct archive *a, const char *path, struct rtr_err *err)
{
	_cleanup_free_ unsigned char *buf = NULL;
	_cleanup_close_ int out = -1;
	struct decomp *d = NULL;
	unsigned char magic[DECOMP_SNIFF_BYTES] = {0};
	enum decomp_kind k;
	uint64_t off = 0;
	struct stat st;
	int r;

	r = pread_all(a->fd, magic, a->file_size < sizeof(magic) ? a->file_size : sizeof(magic), 0);
	if (r < 0)
		return rtr_err_sys(err, -r, "%s", path);
	k = decomp_sniff(magic, a->file_size < sizeof(magic) ? a->file_size : sizeof(magic));
	if (k == DECOMP_NONE)
		return 0;
	if (k == DECOMP_XZ || k == DECOMP_BZIP2)
		return rtr_err_set(err, ENOTSUP,
				   "%s: %s-compressed archive: not supported (uncompress it "
				   "first: %s -d)",
				   path, decomp_name(k), decomp_name(k));
	buf = malloc(RTR_PULL_BUF_BYTES);
	out = scratch_open(a, err);
	if (out < 0)
		return out;
	r = buf ? decomp_new(&d, k, path, err) : -ENOMEM;
	while (r >= 0 && off < a->file_size) {
		size_t n = a->file_size - off < RTR_PULL_BUF_BYTES ? a->file_size - off
								   : RTR_PULL_BUF_BYTES;
		r = pread_all(a->fd, buf, n, off);
		if (r < 0)
			r = rtr_err_sys(err, -r, "%s", path);
		else
			r = decomp_feed(d, buf, n, to_scratch, &out, err);
		off += n;
	}
	if (r >= 0)
		r = decomp_end(d, err);
	decomp_free(d);
	if (r < 0)
		return r;
	if (fstat(out, &st) < 0)
		return -errno;
	close(a->fd);
	a->fd = TAKE_FD(out);
	a->file_size = (uint64_t)st.st_size;
	return 0;
}

/* A tarball: docker save or OCI archive, told apart by its index file when not named. */
static int open_file(struct archive *a, const char *path, enum archive_kind kind, const char *ref,
		     const struct stat *st, struct rtr_err *err)
{
	int r;

	if (kind == OCI_DIR)
		return rtr_err_set(err, ENOTDIR, "%s: not a directory", path);
	a->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (a->fd < 0)
		return rtr_err_sys(err, errno, "%s", path);
	a->file_size = (uint64_t)st->st_size;
	r = uncompress_file(a, path, err);
	if (r < 0)
		return r;
	r = index_tar(a, path, err);
	if (r < 0)
		return r;
	if (kind == SNIFF) {
		uint64_t off, size;
		kind = find_entry(a, "manifest.json", &off, &size) == 0 ? DOCKER
		       : find_entry(a, "index.json", &off, &size) == 0	? OCI_ARCHIVE
									: SNIFF;
		if (kind == SNIFF)
			return rtr_err_set(
			    err, EINVAL,
			    "%s: neither a docker save archive (manifest.json) nor an "
			    "OCI archive (index.json)",
			    path);
	}
	return kind == DOCKER ? open_docker(a, err) : open_oci(a, ref, err);
}

static int open_dir(struct archive *a, const char *path, enum archive_kind kind, const char *ref,
		    struct rtr_err *err)
{
	if (kind != SNIFF && kind != OCI_DIR)
		return rtr_err_set(err, EINVAL, "%s: is a directory", path);
	a->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd < 0)
		return rtr_err_sys(err, errno, "%s", path);
	return open_oci(a, ref, err);
}

int archive_open(struct archive **ret, const char *source, const struct archive_opts *o,
		 struct rtr_err *err)
{
	static const struct archive_opts none;
	_cleanup_archive_ struct archive *a = NULL;
	_cleanup_free_ char *path = NULL;
	enum archive_kind kind;
	char *ref;
	struct stat st;
	int r;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->fd = a->dirfd = -1;
	a->o = o ? o : &none;
	a->source = strdup(source);
	if (!a->source)
		return -ENOMEM;
	r = source_split(a, source, &kind, &path, &ref);
	if (r < 0)
		return r;
	if (!path[0])
		return rtr_err_set(err, EINVAL, "%s: no path", source);
	if (stat(path, &st) < 0)
		return rtr_err_sys(err, errno, "%s", path);
	if (S_ISDIR(st.st_mode))
		r = open_dir(a, path, kind, ref, err);
	else
		r = open_file(a, path, kind, ref, &st, err);
	if (r < 0)
		return r;
	a->img = (struct bundle_image){
	    .config_json = a->config,
	    .config_len = a->config_len,
	    .config_digest = a->config_digest,
	    .manifest_digest = a->manifest_digest,
	    .ref_name = a->ref_name,
	    .source = a->source,
	};
	*ret = TAKE_PTR(a);
	return 0;
}

const struct bundle_image *archive_image(const struct archive *a)
{
	return &a->img;
}

size_t archive_n_layers(const struct archive *a)
{
	return a->n_layers;
}

static int unpack_one(struct archive *a, size_t i, int rootfs_fd, struct unpack_opts *uo,
		      unsigned char *buf, struct rtr_err *err)
{
	struct alayer *al = &a->layers[i];
	_cleanup_layer_ struct layer *l = NULL;
	uint64_t off = 0, size = 0, done = 0;
	bool owned = false;
	int fd = -1, r;

	r = blob_open(a, al->path, &fd, &owned, &off, &size, err);
	if (r < 0)
		return r;
	if (al->size != UINT64_MAX && al->size != size) {
		r = rtr_err_set(err, EBADMSG, "%s: layer %s: size %llu, manifest says %llu",
				a->source, al->digest ? al->digest : al->path,
				(unsigned long long)size, (unsigned long long)al->size);
		goto out;
	}
	r = layer_begin(&l, rootfs_fd, al->digest, size, al->comp, uo, err);
	if (r < 0)
		goto out;
	/* the kernel's readahead does the rest */
	(void)posix_fadvise(fd, (off_t)off, (off_t)size, POSIX_FADV_SEQUENTIAL);
	while (done < size) {
		size_t n =
		    size - done < RTR_PULL_BUF_BYTES ? (size_t)(size - done) : RTR_PULL_BUF_BYTES;
		r = pread_all(fd, buf, n, off + done);
		if (r < 0) {
			r = rtr_err_sys(err, -r, "%s: %s", a->source, al->path);
			goto out;
		}
		r = layer_feed(l, buf, n, err);
		if (r < 0)
			goto out;
		done += n;
		if (a->o->progress)
			a->o->progress(a->o->userdata, i + 1, a->n_layers, done, size);
	}
	r = layer_end(l, err);
	if (r < 0)
		goto out;
	if (al->diff_id && !streq(layer_diff_id(l), al->diff_id))
		r = rtr_err_set(err, EBADMSG, "layer %s: diff_id mismatch: config says %s, got %s",
				al->path, al->diff_id, layer_diff_id(l));
out:
	if (owned)
		close(fd);
	return r;
}

int archive_unpack(struct archive *a, int rootfs_fd, struct unpack_opts *uo, struct rtr_err *err)
{
	_cleanup_free_ unsigned char *buf = malloc(RTR_PULL_BUF_BYTES);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_layers; i++) {
		int r = unpack_one(a, i, rootfs_fd, uo, buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int archive_unpack_layer(struct archive *a, size_t i, int rootfs_fd, struct unpack_opts *uo,
			 struct rtr_err *err)
{
	_cleanup_free_ unsigned char *buf = malloc(RTR_PULL_BUF_BYTES);
	return buf ? unpack_one(a, i, rootfs_fd, uo, buf, err) : -ENOMEM;
}

const char *archive_layer_diff_id(const struct archive *a, size_t i)
{
	return a->layers[i].diff_id;
}
