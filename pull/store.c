/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "pull/bundle.h"
#include "pull/digest.h"
#include "pull/unpack.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/json.h"
#include "runner/lib/lockfile.h"
#include "runner/lib/util.h"

#define HEX_LEN 64

struct store {
	char *path; /* absolute, symlinks resolved: what the annotation says */
	int dir_fd, layers_fd, locks_fd, refs_fd;
	/* the layers of the image being pulled, base first: each in use (LOCK_SH) */
	char *const *diff_ids;
	int *lock_fds;
	int *layer_fds;
	size_t n_held;
	/* the layer being made: its creation lock is held on mk_lock_fd */
	int mk_lock_fd;
	int mk_dir_fd;
	char mk_tmp[HEX_LEN + 32];
};

/* What a ref leads to: a bundle and what its config.json says. */
struct sbundle {
	char *path;
	char *ref_name;
	char *config_digest;
	char *store;
	char **layers; /* diff_ids, base first */
};

static void sbundle_done(struct sbundle *b)
{
	free(b->path);
	free(b->ref_name);
	free(b->config_digest);
	free(b->store);
	strv_free(b->layers);
	*b = (struct sbundle){0};
}

static void sbundles_free(struct sbundle *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sbundle_done(&v[i]);
	free(v);
}

/* ---- opening ---- */

/* mkdir -p @path (0700 for what it makes). */
static int mkdir_p(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int subdir(int dfd, const char *name)
{
	int fd;

	if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int store_open(const char *dir, struct store **ret, struct rtr_err *e)
{
	struct store *s;
	int r;

	r = mkdir_p(dir);
	if (r < 0)
		return rtr_err_sys(e, -r, "store %s", dir);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dir_fd = s->layers_fd = s->locks_fd = s->refs_fd = -1;
	s->mk_lock_fd = s->mk_dir_fd = -1;
	s->path = realpath(dir, NULL);
	r = s->path ? 0 : -errno;
	if (r >= 0) {
		s->dir_fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = s->dir_fd < 0 ? -errno : 0;
	}
	if (r >= 0)
		r = s->layers_fd = subdir(s->dir_fd, "layers");
	if (r >= 0)
		r = s->locks_fd = subdir(s->dir_fd, "locks");
	if (r >= 0)
		r = s->refs_fd = subdir(s->dir_fd, "refs");
	if (r < 0) {
		store_close(s);
		return rtr_err_sys(e, -r, "store %s", dir);
	}
	*ret = s;
	return 0;
}

static void layer_abort(struct store *s);

void store_close(struct store *s)
{
	if (!s)
		return;
	layer_abort(s);
	for (size_t i = 0; i < s->n_held; i++) {
		if (s->lock_fds[i] >= 0)
			close(s->lock_fds[i]); /* releases the lock */
		if (s->layer_fds[i] >= 0)
			close(s->layer_fds[i]);
	}
	free(s->lock_fds);
	free(s->layer_fds);
	closep(&s->dir_fd);
	closep(&s->layers_fd);
	closep(&s->locks_fd);
	closep(&s->refs_fd);
	free(s->path);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

/* ---- locks ---- */

/* flock(@how) on STORE/locks/<hex>.lock, by the protocol rtr-run shares (lockfile.h): gc
 * unlinks a lock file it holds, so a lock taken on a file that is no longer the one at the
 * name is retaken on the new one. */
static int lock_layer(struct store *s, const char *hex, int how, int *ret_fd)
{
	char name[HEX_LEN + 8];

	snprintf(name, sizeof(name), "%s.lock", hex);
	return lockfile_at(s->locks_fd, name, how, &unpack_interrupted, ret_fd);
}

/* The creation lock: an OFD write lock on byte 0, independent of the flock. */
static int creation_lock(int fd, short type)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};

	while (fcntl(fd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &fl) < 0)
		if (errno != EINTR || unpack_interrupted)
			return -errno;
	return 0;
}

/* @s starts with HEX_LEN lowercase hex digits (a sha256 in hex) and goes on with @rest. */
static bool hex_then(const char *s, const char *rest)
{
	return strspn(s, "0123456789abcdef") == HEX_LEN && streq(s + HEX_LEN, rest);
}

static bool is_hex_name(const char *s)
{
	return hex_then(s, "");
}

static bool layer_present(struct store *s, const char *hex)
{
	struct stat st;
	return fstatat(s->layers_fd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

bool store_has_layer(struct store *s, const char *diff_id)
{
	return digest_validate(diff_id, "diff_id", NULL) >= 0 &&
	       layer_present(s, digest_hex(diff_id));
}

/* Removes the temporary directories of layer @hex whose makers are gone; the caller's
 * creation lock proves it (a maker holds it until its directory is renamed or removed). */
static void drop_tmps(struct store *s, const char *hex)
{
	_cleanup_free_ char *prefix = xasprintf(".tmp-%s-", hex);
	int fd = openat(s->layers_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (prefix && (de = readdir(d)))
		if (startswith(de->d_name, prefix) && !streq(de->d_name, s->mk_tmp))
			(void)unpack_rm_rf_at(s->layers_fd, de->d_name);
	closedir(d);
}

/* ---- making layers ---- */

static void layer_abort(struct store *s)
{
	if (s->mk_dir_fd >= 0)
		close(s->mk_dir_fd);
	s->mk_dir_fd = -1;
	if (s->mk_tmp[0])
		(void)unpack_rm_rf_at(s->layers_fd, s->mk_tmp);
	s->mk_tmp[0] = 0;
	if (s->mk_lock_fd >= 0)
		(void)creation_lock(s->mk_lock_fd, F_UNLCK);
	s->mk_lock_fd = -1;
}

/* The filled temporary directory becomes STORE/layers/<hex>: on disk first when @sync,
 * so a power loss cannot leave a committed name over missing files. */
static int layer_commit(struct store *s, const char *hex, bool sync, struct rtr_err *e)
{
	if (unpack_interrupted)
		return rtr_err_set(e, EINTR, "interrupted");
	if (sync && syncfs(s->mk_dir_fd) < 0)
		return rtr_err_sys(e, errno, "%s/layers/%s: syncfs", s->path, s->mk_tmp);
	if (renameat(s->layers_fd, s->mk_tmp, s->layers_fd, hex) < 0)
		return rtr_err_sys(e, errno, "%s/layers/%s: committing", s->path, hex);
	s->mk_tmp[0] = 0;
	if (sync)
		(void)fsync(s->layers_fd);
	layer_abort(s); /* nothing left to remove: closes and unlocks */
	return 0;
}

/* Layer @i is missing: under its creation lock, made by @fill unless another pull made it
 * meanwhile.  1: made here, 0: found. */
static int layer_make(struct store *s, size_t i, const char *hex, bool sync, store_fill_fn fill,
		      void *ud, struct rtr_err *e)
{
	int r = creation_lock(s->lock_fds[i], F_WRLCK);

	if (r < 0)
		return rtr_err_sys(e, -r, "%s: layer %s", s->path, s->diff_ids[i]);
	s->mk_lock_fd = s->lock_fds[i];
	if (layer_present(s, hex)) {
		layer_abort(s);
		return 0;
	}
	drop_tmps(s, hex); /* of a pull that died: the lock was free */
	snprintf(s->mk_tmp, sizeof(s->mk_tmp), ".tmp-%s-%d", hex, (int)getpid());
	if (mkdirat(s->layers_fd, s->mk_tmp, 0755) < 0) {
		r = rtr_err_sys(e, errno, "%s/layers/%s", s->path, s->mk_tmp);
		s->mk_tmp[0] = 0;
		layer_abort(s);
		return r;
	}
	s->mk_dir_fd =
	    openat(s->layers_fd, s->mk_tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = s->mk_dir_fd < 0 ? rtr_err_sys(e, errno, "%s/layers/%s", s->path, s->mk_tmp)
			     : fill(ud, i, s->mk_dir_fd, e);
	if (r >= 0)
		r = layer_commit(s, hex, sync, e);
	if (r < 0) {
		layer_abort(s);
		return r;
	}
	return 1;
}

/* Layer @i in use by this pull, made when missing.  1: made, 0: found. */
static int layer_take(struct store *s, size_t i, bool sync, store_fill_fn fill, void *ud,
		      struct rtr_err *e)
{
	const char *id = s->diff_ids[i], *hex;
	int r, made = 0;

	r = digest_validate(id, "diff_id", e);
	if (r < 0)
		return rtr_err_wrap(e, -r, "image config: rootfs.diff_ids[%zu]", i);
	hex = digest_hex(id);
	r = lock_layer(s, hex, LOCK_SH, &s->lock_fds[i]);
	if (r < 0)
		return rtr_err_sys(e, -r, "%s: locking layer %s", s->path, id);
	if (!layer_present(s, hex)) {
		made = layer_make(s, i, hex, sync, fill, ud, e);
		if (made < 0)
			return made;
	}
	s->layer_fds[i] =
	    openat(s->layers_fd, hex, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->layer_fds[i] < 0)
		return rtr_err_sys(e, errno, "%s/layers/%s", s->path, hex);
	return made;
}

int store_get_layers(struct store *s, char *const *diff_ids, size_t n, struct unpack_opts *uo,
		     bool sync, store_fill_fn fill, void *ud, struct rtr_err *e)
{
	int made = 0;

	if (s->n_held)
		return rtr_err_set(e, EBUSY, "%s: one image per pull", s->path);
	s->lock_fds = malloc((n ? n : 1) * sizeof(int));
	s->layer_fds = malloc((n ? n : 1) * sizeof(int));
	if (!s->lock_fds || !s->layer_fds)
		return -ENOMEM;
	s->diff_ids = diff_ids;
	for (size_t i = 0; i < n; i++)
		s->lock_fds[i] = s->layer_fds[i] = -1;
	s->n_held = n;
	uo->overlay_whiteouts = true;
	uo->lower_fds = s->layer_fds;
	for (size_t i = 0; i < n; i++) {
		int r;
		uo->n_lower = i; /* all below are in place and open */
		r = layer_take(s, i, sync, fill, ud, e);
		if (r < 0)
			return r;
		made += r;
	}
	return made;
}

/* ---- refs ---- */

/* The absolute path of @path, whose last component need not exist yet. */
static int abs_path(const char *path, char **ret)
{
	_cleanup_free_ char *copy = strdup(path), *dir = NULL;
	char *slash, *base;

	if (!copy)
		return -ENOMEM;
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = 0;
	slash = strrchr(copy, '/');
	base = slash ? slash + 1 : copy;
	if (slash)
		*slash = 0;
	dir = realpath(slash ? (copy[0] ? copy : "/") : ".", NULL);
	if (!dir)
		return -errno;
	*ret = xasprintf("%s/%s", streq(dir, "/") ? "" : dir, base);
	return *ret ? 0 : -ENOMEM;
}

/* STORE/refs/<sha256 hex of @abs>. */
static int ref_name(const char *abs, char ret[HEX_LEN + 1])
{
	char d[DIGEST_STR_MAX];
	int r = digest_buf(abs, strlen(abs), d);

	if (r < 0)
		return r;
	memcpy(ret, digest_hex(d), HEX_LEN);
	ret[HEX_LEN] = 0;
	return 0;
}

static int ref_write(struct store *s, const char *abs, struct rtr_err *e)
{
	_cleanup_free_ char *text = xasprintf("%s\n", abs);
	char name[HEX_LEN + 1];
	int r;

	if (!text)
		return -ENOMEM;
	r = ref_name(abs, name);
	if (r >= 0)
		r = write_file_atomic_at(s->refs_fd, name, text, strlen(text), 0600);
	if (r < 0)
		return rtr_err_sys(e, -r, "%s/refs/%s", s->path, name);
	return 0;
}

/* "a,b,c" into a vector. */
static int split_list(const char *list, char ***ret)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int r = strv_push(ret, t);
		if (r < 0)
			return r;
	}
	return 0;
}

/* What the config.json of the bundle @path says about the store: -ENOENT when there is
 * no bundle; ret->store NULL for a bundle that is not a store bundle. */
static int sbundle_read(const char *path, struct sbundle *ret, struct rtr_err *e)
{
	_cleanup_free_ char *file = xasprintf("%s/config.json", path), *buf = NULL;
	_cleanup_json_ struct json *j = NULL;
	const char *v = NULL;
	struct json_cur root, an;
	size_t len;
	int r;

	if (!file)
		return -ENOMEM;
	r = read_file_at(AT_FDCWD, file, RTR_CONFIG_MAX_BYTES, &buf, &len);
	if (r == -ENOENT || r == -ENOTDIR)
		return -ENOENT;
	if (r < 0)
		return rtr_err_sys(e, -r, "%s", file);
	r = json_parse(buf, len, RTR_CONFIG_MAX_BYTES, &j, e);
	if (r < 0)
		return rtr_err_wrap(e, -r, "%s", file);
	root = json_root(j);
	an = json_member(&root, "annotations");
	ret->path = strdup(path);
	if (!ret->path)
		return -ENOMEM;
	if (json_str(JSON_TMP(json_member(&an, STORE_ANNOTATION_STORE)), &v, NULL) > 0 && v)
		ret->store = strdup(v);
	if (json_str(JSON_TMP(json_member(&an, STORE_ANNOTATION_LAYERS)), &v, NULL) > 0 && v &&
	    split_list(v, &ret->layers) < 0)
		return -ENOMEM;
	if (json_str(JSON_TMP(json_member(&an, "org.opencontainers.image.ref.name")), &v, NULL) >
		0 &&
	    v)
		ret->ref_name = strdup(v);
	if (json_str(JSON_TMP(json_member(&an, "org.rtr.image.config-digest")), &v, NULL) > 0 && v)
		ret->config_digest = strdup(v);
	return 0;
}

/* The bundle ref @name leads to, in *@ret: 1 when it uses this store, 0 when the ref is
 * stale (no bundle, not a store bundle, another store, not the name of its path). */
static int ref_read(struct store *s, const char *name, struct sbundle *ret, struct rtr_err *e)
{
	_cleanup_free_ char *text = NULL;
	char want[HEX_LEN + 1];
	size_t len;
	int r;

	r = read_file_at(s->refs_fd, name, PATH_MAX + 1, &text, &len);
	if (r == -ENOENT)
		return 0; /* removed meanwhile */
	if (r < 0)
		return rtr_err_sys(e, -r, "%s/refs/%s", s->path, name);
	if (len && text[len - 1] == '\n')
		text[--len] = 0;
	if (text[0] != '/' || strlen(text) != len || ref_name(text, want) < 0 || !streq(want, name))
		return 0;
	r = sbundle_read(text, ret, e);
	if (r < 0)
		sbundle_done(ret);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (!streq(ret->store, s->path) || !ret->layers) {
		sbundle_done(ret);
		return 0;
	}
	return 1;
}

static int cmp_sbundle(const void *a, const void *b)
{
	return strcmp(((const struct sbundle *)a)->path, ((const struct sbundle *)b)->path);
}

/* Removes the stale ref @name, its bundle path added to *@stale when not NULL. */
static void ref_drop(struct store *s, const char *name, char ***stale)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (stale && read_file_at(s->refs_fd, name, PATH_MAX + 1, &text, &len) >= 0) {
		text[strcspn(text, "\n")] = 0;
		(void)strv_push(stale, text);
	}
	(void)unlinkat(s->refs_fd, name, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in @dfd that @keep accepts, sorted. */
static int dir_names(int dfd, bool (*keep)(const char *), char ***ret)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = 0;

	*ret = NULL;
	if (!d) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	while (r >= 0 && (de = readdir(d)))
		if (keep(de->d_name))
			r = strv_push(ret, de->d_name);
	closedir(d);
	if (r >= 0 && *ret)
		qsort(*ret, strv_length(*ret), sizeof(char *), cmp_str);
	return r;
}

/* Every bundle that uses the store, through the refs; with @drop_stale stale refs are
 * removed, their bundle paths (as the refs say) added to *@stale when not NULL. */
static int refs_read(struct store *s, bool drop_stale, struct sbundle **ret, size_t *ret_n,
		     char ***stale, struct rtr_err *e)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = dir_names(s->refs_fd, is_hex_name, &names);

	*ret = NULL;
	*ret_n = 0;
	if (r < 0)
		return rtr_err_sys(e, -r, "%s/refs", s->path);
	for (size_t i = 0; r >= 0 && names && names[i]; i++) {
		struct sbundle b = {0};
		struct sbundle *nv;

		r = ref_read(s, names[i], &b, e);
		if (r == 0 && drop_stale)
			ref_drop(s, names[i], stale);
		if (r <= 0)
			continue;
		nv = realloc(*ret, (*ret_n + 1) * sizeof(**ret));
		if (!nv) {
			sbundle_done(&b);
			r = -ENOMEM;
			break;
		}
		*ret = nv;
		nv[(*ret_n)++] = b;
	}
	if (r < 0) {
		sbundles_free(*ret, *ret_n);
		*ret = NULL;
		*ret_n = 0;
	}
	if (*ret_n)
		qsort(*ret, *ret_n, sizeof(**ret), cmp_sbundle); /* by bundle path, not by hash */
	return r < 0 ? r : 0;
}

int store_bundle_commit(struct store *s, struct bundle *b, const char *bundle_path,
			const struct bundle_image *img, const struct bundle_presets *p,
			struct rtr_err *e)
{
	_cleanup_free_ char *abs = NULL;
	int r;

	r = abs_path(bundle_path, &abs);
	if (r < 0)
		return rtr_err_sys(e, -r, "%s", bundle_path);
	r = bundle_set_store(b, s->path, s->diff_ids, s->layer_fds, s->n_held, e);
	if (r >= 0)
		r = bundle_write_config(b, img, p, e);
	/* The ref before the bundle, so a crash after the rename leaves it referenced; and
	 * again after, for a gc that took it for stale while the bundle was not there. */
	if (r >= 0)
		r = ref_write(s, abs, e);
	if (r >= 0)
		r = bundle_commit(b, e);
	if (r >= 0)
		r = ref_write(s, abs, e);
	return r;
}

/* ---- ls, gc, rm ---- */

/* The document of @w (freed) on @out, one line of text after it. */
static void json_print(struct json_writer *w, FILE *out)
{
	_cleanup_free_ char *text = NULL;
	size_t n;

	if (json_writer_finish(w, &text, &n) >= 0)
		fprintf(out, "%s\n", text);
}

/* Disk usage of the tree under the directory @fd (closed here), bytes; each of a file's n
 * hard links adds 1/n of its blocks, so a file counts once. */
static uint64_t tree_usage(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	uint64_t sum = 0;

	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		int c;

		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			sum += (uint64_t)st.st_blocks * 512 / (st.st_nlink ? st.st_nlink : 1);
			continue;
		}
		sum += (uint64_t)st.st_blocks * 512;
		c = depth < 512 ? openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
				: -1;
		if (c >= 0)
			sum += tree_usage(c, depth + 1);
	}
	closedir(d);
	return sum;
}

static uint64_t layer_usage(struct store *s, const char *hex)
{
	int fd = openat(s->layers_fd, hex, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? 0 : tree_usage(fd, 0);
}

static bool uses_layer(const struct sbundle *b, const char *hex)
{
	for (size_t i = 0; b->layers && b->layers[i]; i++)
		if (streq(digest_hex(b->layers[i]), hex) && startswith(b->layers[i], "sha256:"))
			return true;
	return false;
}

static bool any_uses(const struct sbundle *bs, size_t n, const char *hex)
{
	for (size_t i = 0; i < n; i++)
		if (uses_layer(&bs[i], hex))
			return true;
	return false;
}

/* Two bundles show one image when their image configs are the same. */
static bool same_image(const struct sbundle *a, const struct sbundle *b)
{
	return a->config_digest
		   ? streq(a->config_digest, b->config_digest)
		   : !b->config_digest && strv_length(a->layers) == strv_length(b->layers);
}

struct ls_layer {
	const char *hex;
	uint64_t size;
	bool held; /* by a running container or pull */
};

/* Whether a process holds layer @hex now (LOCK_SH: a running container or pull): the
 * lock gc would need, tried and let go at once.  A probe, so no lock file is made. */
static bool layer_held(struct store *s, const char *hex)
{
	char name[HEX_LEN + 8];
	_cleanup_close_ int fd = -1;

	snprintf(name, sizeof(name), "%s.lock", hex);
	fd = openat(s->locks_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd >= 0 && lockfile_flock(fd, LOCK_EX | LOCK_NB, NULL) == -EWOULDBLOCK;
}

static uint64_t image_size(const struct sbundle *b, const struct ls_layer *l, size_t n)
{
	uint64_t sum = 0;
	for (size_t k = 0; b->layers && b->layers[k]; k++)
		for (size_t i = 0; i < n; i++)
			if (streq(digest_hex(b->layers[k]), l[i].hex))
				sum += l[i].size;
	return sum;
}

static void ls_json_images(struct json_writer *w, const struct sbundle *bs, size_t nb,
			   const struct ls_layer *l, size_t nl)
{
	json_w_key(w, "images");
	json_w_begin_array(w);
	for (size_t i = 0; i < nb; i++) {
		size_t first = 0;
		while (!same_image(&bs[first], &bs[i]))
			first++;
		if (first != i)
			continue; /* listed with the first bundle of its image */
		json_w_begin_object(w);
		json_w_member_string(w, "ref", bs[i].ref_name);
		json_w_member_string(w, "config_digest", bs[i].config_digest);
		json_w_key(w, "layers");
		json_w_begin_array(w);
		for (size_t k = 0; bs[i].layers[k]; k++)
			json_w_string(w, bs[i].layers[k]);
		json_w_end_array(w);
		json_w_member_uint(w, "size", image_size(&bs[i], l, nl));
		json_w_key(w, "bundles");
		json_w_begin_array(w);
		for (size_t k = i; k < nb; k++)
			if (same_image(&bs[k], &bs[i]))
				json_w_string(w, bs[k].path);
		json_w_end_array(w);
		json_w_end_object(w);
	}
	json_w_end_array(w);
}

static void ls_json(FILE *out, struct store *s, const struct sbundle *bs, size_t nb,
		    const struct ls_layer *l, size_t nl, uint64_t total)
{
	struct json_writer *w = json_writer_new(true);

	json_w_begin_object(w);
	json_w_member_string(w, "store", s->path);
	json_w_member_uint(w, "size", total);
	ls_json_images(w, bs, nb, l, nl);
	json_w_key(w, "layers");
	json_w_begin_array(w);
	for (size_t i = 0; i < nl; i++) {
		_cleanup_free_ char *id = xasprintf("sha256:%s", l[i].hex);
		json_w_begin_object(w);
		json_w_member_string(w, "diff_id", id);
		json_w_member_uint(w, "size", l[i].size);
		json_w_member_bool(w, "in_use", l[i].held);
		json_w_key(w, "bundles");
		json_w_begin_array(w);
		for (size_t k = 0; k < nb; k++)
			if (uses_layer(&bs[k], l[i].hex))
				json_w_string(w, bs[k].path);
		json_w_end_array(w);
		json_w_end_object(w);
	}
	json_w_end_array(w);
	json_w_end_object(w);
	json_print(w, out);
}

static void ls_text(FILE *out, struct store *s, const struct sbundle *bs, size_t nb,
		    const struct ls_layer *l, size_t nl, uint64_t total)
{
	char sz[32];

	format_bytes(total, sz, sizeof(sz));
	fprintf(out, "STORE %s  %zu layer(s), %s\n\n%-24s %-19s %6s %10s  %s\n", s->path, nl, sz,
		"IMAGE", "CONFIG", "LAYERS", "SIZE", "BUNDLES");
	for (size_t i = 0; i < nb; i++) {
		size_t first = 0;
		while (!same_image(&bs[first], &bs[i]))
			first++;
		if (first != i)
			continue;
		format_bytes(image_size(&bs[i], l, nl), sz, sizeof(sz));
		fprintf(out, "%-24s %-19.19s %6zu %10s ", bs[i].ref_name ? bs[i].ref_name : "-",
			bs[i].config_digest ? bs[i].config_digest : "-", strv_length(bs[i].layers),
			sz);
		for (size_t k = i; k < nb; k++)
			if (same_image(&bs[k], &bs[i]))
				fprintf(out, " %s", bs[k].path);
		fputc('\n', out);
	}
	fprintf(out, "\n%-24s %10s  %s\n", "LAYER", "SIZE", "BUNDLES");
	for (size_t i = 0; i < nl; i++) {
		size_t users = 0;
		for (size_t k = 0; k < nb; k++)
			users += uses_layer(&bs[k], l[i].hex);
		format_bytes(l[i].size, sz, sizeof(sz));
		fprintf(out, "sha256:%-17.12s %10s  %zu%s\n", l[i].hex, sz, users,
			users	    ? ""
			: l[i].held ? " (in use by a running container or pull: gc keeps it)"
				    : " (gc removes it)");
	}
}

int store_list(struct store *s, bool json, FILE *out, struct rtr_err *e)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ struct ls_layer *l = NULL;
	struct sbundle *bs = NULL;
	size_t nb = 0, nl;
	uint64_t total = 0;
	int r;

	r = refs_read(s, false, &bs, &nb, NULL, e);
	if (r < 0)
		return r;
	r = dir_names(s->layers_fd, is_hex_name, &names);
	nl = strv_length(names);
	l = calloc(nl ? nl : 1, sizeof(*l));
	if (r < 0 || !l) {
		sbundles_free(bs, nb);
		return rtr_err_sys(e, r < 0 ? -r : ENOMEM, "%s/layers", s->path);
	}
	for (size_t i = 0; i < nl; i++) {
		l[i].hex = names[i];
		l[i].size = layer_usage(s, names[i]);
		l[i].held = layer_held(s, names[i]);
		total += l[i].size;
	}
	if (json)
		ls_json(out, s, bs, nb, l, nl, total);
	else
		ls_text(out, s, bs, nb, l, nl, total);
	sbundles_free(bs, nb);
	return 0;
}

/* ".tmp-<hex>-<pid>" */
static bool is_tmp_name(const char *s)
{
	const char *p = startswith(s, ".tmp-");

	return p && strspn(p, "0123456789abcdef") == HEX_LEN && p[HEX_LEN] == '-' && p[HEX_LEN + 1];
}

/* "<hex>.lock" */
static bool is_lock_name(const char *s)
{
	return hex_then(s, ".lock");
}

/* A layer gc holds (LOCK_EX) to remove. */
struct gc_layer {
	char *hex;
	int fd;
	uint64_t size;
	bool removed;
};

/* Moves layer @hex aside under a temporary name (a half-removed layer never shows under
 * its own), removes it and its lock file; gc holds the lock. */
static int gc_remove(struct store *s, struct gc_layer *g)
{
	char tmp[HEX_LEN + 32], lock[HEX_LEN + 8];

	g->size = layer_usage(s, g->hex);
	snprintf(tmp, sizeof(tmp), ".tmp-%s-%d", g->hex, (int)getpid());
	if (renameat(s->layers_fd, g->hex, s->layers_fd, tmp) < 0)
		return -errno;
	g->removed = true;
	snprintf(lock, sizeof(lock), "%s.lock", g->hex);
	(void)unlinkat(s->locks_fd, lock, 0);
	return unpack_rm_rf_at(s->layers_fd, tmp);
}

/* Temporary directories and lock files of layers that are not there, whose makers are
 * gone (their lock is free). */
static void gc_leftovers(struct store *s)
{
	_cleanup_strv_free_ char **tmps = NULL, **locks = NULL;

	if (dir_names(s->layers_fd, is_tmp_name, &tmps) < 0 ||
	    dir_names(s->locks_fd, is_lock_name, &locks) < 0)
		return;
	for (size_t i = 0; tmps && tmps[i]; i++) {
		_cleanup_close_ int fd = -1;
		char hex[HEX_LEN + 1];
		snprintf(hex, sizeof(hex), "%s", tmps[i] + strlen(".tmp-"));
		if (lock_layer(s, hex, LOCK_EX | LOCK_NB, &fd) >= 0)
			(void)unpack_rm_rf_at(s->layers_fd, tmps[i]);
	}
	for (size_t i = 0; locks && locks[i]; i++) {
		_cleanup_close_ int fd = -1;
		char hex[HEX_LEN + 1];
		snprintf(hex, sizeof(hex), "%s", locks[i]);
		if (!layer_present(s, hex) && lock_layer(s, hex, LOCK_EX | LOCK_NB, &fd) >= 0)
			(void)unlinkat(s->locks_fd, locks[i], 0);
	}
}

static void gc_report(FILE *out, bool json, struct store *s, const struct gc_layer *g, size_t n,
		      char **stale, char **busy, size_t kept)
{
	struct json_writer *w = json ? json_writer_new(true) : NULL;
	uint64_t freed = 0;
	char sz[32];

	json_w_begin_object(w);
	json_w_member_string(w, "store", s->path);
	json_w_key(w, "removed");
	json_w_begin_array(w);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *id = NULL;
		if (!g[i].removed)
			continue;
		freed += g[i].size;
		id = xasprintf("sha256:%s", g[i].hex);
		json_w_begin_object(w);
		json_w_member_string(w, "diff_id", id);
		json_w_member_uint(w, "size", g[i].size);
		json_w_end_object(w);
		format_bytes(g[i].size, sz, sizeof(sz));
		if (!json)
			fprintf(out, "removed layer %s (%s)\n", id, sz);
	}
	json_w_end_array(w);
	json_w_key(w, "stale_refs");
	json_w_begin_array(w);
	for (size_t i = 0; stale && stale[i]; i++) {
		json_w_string(w, stale[i]);
		if (!json)
			fprintf(out, "removed the stale ref of %s\n", stale[i]);
	}
	json_w_end_array(w);
	json_w_key(w, "busy");
	json_w_begin_array(w);
	for (size_t i = 0; busy && busy[i]; i++) {
		json_w_string(w, busy[i]);
		if (!json)
			fprintf(out, "kept layer %s: in use by a running pull or container\n",
				busy[i]);
	}
	json_w_end_array(w);
	json_w_member_uint(w, "freed", freed);
	json_w_member_uint(w, "kept", kept);
	json_w_end_object(w);
	format_bytes(freed, sz, sizeof(sz));
	if (!json)
		fprintf(out, "%s freed, %zu layer(s) kept\n", sz, kept);
	if (w)
		json_print(w, out);
}

/* Takes every layer no bundle uses (LOCK_EX | LOCK_NB: one in use stays, named in
 * *@busy), into *@ret. */
static int gc_take(struct store *s, const struct sbundle *bs, size_t nb, char **names,
		   struct gc_layer **ret, size_t *ret_n, char ***busy)
{
	struct gc_layer *g = calloc(strv_length(names) + 1, sizeof(*g));
	size_t n = 0;

	if (!g)
		return -ENOMEM;
	for (size_t i = 0; names && names[i]; i++) {
		int fd = -1, r;
		if (any_uses(bs, nb, names[i]))
			continue;
		r = lock_layer(s, names[i], LOCK_EX | LOCK_NB, &fd);
		if (r == -EWOULDBLOCK) {
			_cleanup_free_ char *id = xasprintf("sha256:%s", names[i]);
			if (!id || strv_push(busy, id) < 0)
				r = -ENOMEM;
		}
		if (r == -ENOMEM) {
			for (size_t k = 0; k < n; k++)
				close(g[k].fd);
			free(g);
			return r;
		}
		if (r < 0)
			continue;
		g[n++] = (struct gc_layer){.hex = names[i], .fd = fd};
	}
	*ret = g;
	*ret_n = n;
	return 0;
}

int store_gc(struct store *s, bool json, FILE *out, struct rtr_err *e)
{
	_cleanup_strv_free_ char **names = NULL, **stale = NULL, **busy = NULL;
	_cleanup_free_ struct gc_layer *g = NULL;
	struct sbundle *bs = NULL;
	size_t nb = 0, n = 0, kept;
	int r;

	r = refs_read(s, true, &bs, &nb, &stale, e);
	if (r < 0)
		return r;
	r = dir_names(s->layers_fd, is_hex_name, &names);
	if (r >= 0)
		r = gc_take(s, bs, nb, names, &g, &n, &busy);
	sbundles_free(bs, nb);
	if (r < 0)
		return rtr_err_sys(e, -r, "%s", s->path);
	/* A pull that committed its bundle after the first look held its layers until then:
	 * look again now that nobody can start using the taken ones. */
	r = refs_read(s, false, &bs, &nb, NULL, e);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (!any_uses(bs, nb, g[i].hex)) {
			int k = gc_remove(s, &g[i]);
			if (k < 0 && r >= 0)
				r = rtr_err_sys(e, -k, "%s/layers/%s: removing", s->path, g[i].hex);
		}
	sbundles_free(bs, nb);
	for (size_t i = 0; i < n; i++)
		close(g[i].fd);
	gc_leftovers(s);
	kept = strv_length(names);
	for (size_t i = 0; i < n; i++)
		kept -= g[i].removed;
	gc_report(out, json, s, g, n, stale, busy, kept);
	return r < 0 ? r : 0;
}

int store_rm_bundle(const char *bundle, bool force, bool json, FILE *out, struct rtr_err *e)
{
	_cleanup_free_ char *abs = realpath(bundle, NULL), *parent = NULL, *tmp = NULL;
	_cleanup_close_ int pfd = -1, refs = -1, lock = -1;
	struct sbundle b = {0};
	char name[HEX_LEN + 1];
	int r;

	if (!abs)
		return rtr_err_sys(e, errno, "%s", bundle);
	r = sbundle_read(abs, &b, e);
	if (r == -ENOENT)
		r = rtr_err_set(e, ENOENT, "%s: not a bundle (no config.json)", bundle);
	if (r >= 0 && !b.store)
		r = rtr_err_set(e, EINVAL,
				"%s: not a store bundle (no " STORE_ANNOTATION_STORE
				" annotation); remove a flat bundle with rm -rf",
				bundle);
	if (r >= 0)
		/* held while the bundle is removed; --force takes it from under a container */
		r = force ? 0
			  : bundle_lock(AT_FDCWD, abs, bundle, "stop it first, or rm --force",
					&lock, e);
	if (r < 0)
		goto out;
	/* aside first: the bundle is gone at once, or still whole */
	parent = strdup(abs);
	tmp = xasprintf(".%s.rm-%d", strrchr(abs, '/') + 1, (int)getpid());
	if (!parent || !tmp) {
		r = -ENOMEM;
		goto out;
	}
	*strrchr(parent, '/') = 0;
	pfd = open(parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 || renameat(pfd, strrchr(abs, '/') + 1, pfd, tmp) < 0 ||
	    (r = unpack_rm_rf_at(pfd, tmp)) < 0) {
		r = rtr_err_sys(e, r < 0 ? -r : errno, "%s: removing", bundle);
		goto out;
	}
	/* the ref; a store that is gone has none to remove */
	refs = openat(AT_FDCWD, b.store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (refs >= 0 && ref_name(abs, name) >= 0) {
		_cleanup_close_ int rd = openat(refs, "refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rd >= 0)
			(void)unlinkat(rd, name, 0);
	}
	if (json) {
		struct json_writer *w = json_writer_new(false);
		json_w_begin_object(w);
		json_w_member_string(w, "removed", abs);
		json_w_member_string(w, "store", b.store);
		json_w_end_object(w);
		json_print(w, out);
	}
out:
	sbundle_done(&b);
	return r;
}
