/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bundle.h"
#include "config.h"
#include "runner/cgroup-fs.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/json.h"
#include "runner/lib/lockfile.h"
#include "runner/lib/profile.h"
#include "runner/lib/util.h"
#include "sweep.h"
#include "unpack.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

struct bundle {
	int parent_fd;
	int dir_fd;
	int rootfs_fd;
	char *path;	/* as given */
	char *base;	/* final name in the parent */
	char *tmp_name; /* temporary name in the parent */
	char *tmp_path;
	bool force;
	bool no_sync;
	bool committed;
	/* a store bundle (bundle_set_store()): borrowed from the caller */
	const char *store;
	char *layers; /* "sha256:a,sha256:b", base first */
	const int *layer_fds;
	size_t n_layers;
};

static int rename2(int ofd, const char *o, int nfd, const char *n, unsigned flags)
{
	return syscall(SYS_renameat2, ofd, o, nfd, n, flags) < 0 ? -errno : 0;
}

/* @path without trailing slashes, as the directory to create it in (*@ret_dir) and its name
 * there (*@ret_base); both point into *@ret_copy. */
static int path_split(const char *path, char **ret_copy, const char **ret_dir,
		      const char **ret_base, struct rtr_err *err)
{
	char *copy = strdup(path), *slash;

	if (!copy)
		return -ENOMEM;
	*ret_copy = copy;
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = 0;
	slash = strrchr(copy, '/');
	if (slash) {
		*slash = 0;
		*ret_dir = slash == copy ? "/" : copy;
		*ret_base = slash + 1;
	} else {
		*ret_dir = ".";
		*ret_base = copy;
	}
	if (!(*ret_base)[0] || streq(*ret_base, ".") || streq(*ret_base, ".."))
		return rtr_err_set(err, EINVAL, "%s: not a usable bundle path", path);
	if (strlen(*ret_base) > NAME_MAX - 20)
		return rtr_err_set(err, ENAMETOOLONG, "%s: name too long", path);
	return 0;
}

/* ".BASE.tmp-XXXXXXXX" beside the final name, 0700, under a name nobody else holds. */
static int tmp_mkdir(struct bundle *b, const char *dir, struct rtr_err *err)
{
	int r;

	for (int i = 0; i < 100; i++) {
		uint32_t rnd = 0;
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint32_t)getpid() * 2654435761u + (uint32_t)i;
		free(b->tmp_name);
		b->tmp_name = xasprintf(".%s.tmp-%08x", b->base, rnd);
		if (!b->tmp_name)
			return -ENOMEM;
		if (mkdirat(b->parent_fd, b->tmp_name, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	/* not ours: bundle_free() must not remove it */
	r = rtr_err_sys(err, errno, "%s: creating the temporary bundle", dir);
	free(b->tmp_name);
	b->tmp_name = NULL;
	return r;
}

static int tmp_open(struct bundle *b, const char *dir, struct rtr_err *err)
{
	b->tmp_path = xasprintf("%s/%s", dir, b->tmp_name);
	b->dir_fd =
	    openat(b->parent_fd, b->tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (!b->tmp_path || b->dir_fd < 0 || mkdirat(b->dir_fd, "rootfs", 0755) < 0 ||
	    (b->rootfs_fd =
		 openat(b->dir_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return rtr_err_sys(err, errno ? errno : ENOMEM, "%s", b->tmp_name);
	/* 0700 regardless of the umask: host users must not reach setuid files inside */
	(void)fchmod(b->dir_fd, 0700);
	return 0;
}

int bundle_lock(int dfd, const char *name, const char *path, const char *hint, int *ret_fd,
		struct rtr_err *err)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *abs = realpath(path, NULL);
	char rel[PATH_MAX / 4], who[RTR_NAME_MAX + 1];
	struct cg_host h;
	int r;

	*ret_fd = -1;
	if (fd < 0)
		return 0;
	r = lockfile_flock(fd, LOCK_EX | LOCK_NB, NULL);
	if (r < 0 && r != -EWOULDBLOCK)
		return rtr_err_sys(err, -r, "%s: locking", path);
	if (abs && cg_host_detect(&h) >= 0 && cg_rel_for_name(NULL, "", rel, sizeof(rel)) >= 0 &&
	    cg_find_bundle(&h, rel, abs, who, sizeof(who)) > 0)
		return rtr_err_set(err, EBUSY, "%s: container %s runs from this bundle (%s)", path,
				   who, hint);
	if (r < 0)
		return rtr_err_set(err, EBUSY, "%s: a running container runs from this bundle (%s)",
				   path, hint);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int bundle_create_tmp(struct bundle **ret, const char *path, bool force, struct rtr_err *err)
{
	_cleanup_free_ char *copy = NULL;
	_cleanup_bundle_ struct bundle *b = NULL;
	const char *dir, *base;
	struct sweep sw;
	struct stat st;
	int r;

	r = path_split(path, &copy, &dir, &base, err);
	if (r < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->parent_fd = b->dir_fd = b->rootfs_fd = -1;
	b->force = force;
	b->path = strdup(path);
	b->base = strdup(base);
	if (!b->path || !b->base)
		return -ENOMEM;
	b->parent_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->parent_fd < 0)
		return rtr_err_sys(err, errno, "%s", dir);
	if (!force && fstatat(b->parent_fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return rtr_err_set(err, EEXIST, "%s: already exists (use --force to replace it)",
				   path);
	if (force) {
		/* refused now rather than after the download; bundle_commit() asks again */
		_cleanup_close_ int lock = -1;
		r = bundle_lock(b->parent_fd, b->base, b->path, "stop it first", &lock, err);
		if (r < 0)
			return r;
	}
	sweep_begin(b->parent_fd, &sw);
	r = tmp_mkdir(b, dir, err);
	if (r >= 0)
		r = tmp_open(b, dir, err);
	if (r >= 0 && (r = sweep_hold(b->dir_fd)) < 0)
		r = rtr_err_sys(err, -r, "%s: locking", b->tmp_path);
	sweep_end(b->parent_fd, &sw);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(b);
	return 0;
}

void bundle_set_sync(struct bundle *b, bool sync)
{
	b->no_sync = !sync;
}

int bundle_rootfs_fd(const struct bundle *b)
{
	return b->rootfs_fd;
}

int bundle_dir_fd(const struct bundle *b)
{
	return b->dir_fd;
}

const char *bundle_tmp_path(const struct bundle *b)
{
	return b->tmp_path;
}

int bundle_set_store(struct bundle *b, const char *store, char *const *diff_ids,
		     const int *layer_fds, size_t n, struct rtr_err *err)
{
	_cleanup_close_ int up = -1;
	struct stat st;

	if (!n)
		return rtr_err_set(err, EINVAL, "%s: an image without layers", b->path);
	/* The upper directory's root is the container's "/": it takes the owner and mode
	 * the image gives its root (overlayfs shows the upper's). */
	if (fstat(layer_fds[n - 1], &st) < 0 || mkdirat(b->dir_fd, "upper", 0755) < 0 ||
	    mkdirat(b->dir_fd, "work", 0700) < 0 ||
	    (up = openat(b->dir_fd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
		0 ||
	    fchown(up, st.st_uid, st.st_gid) < 0 || fchmod(up, st.st_mode & 07777) < 0)
		return rtr_err_sys(err, errno, "%s: upper/, work/", b->tmp_path);
	for (size_t i = 0; i < n; i++) {
		char *l =
		    xasprintf("%s%s%s", b->layers ? b->layers : "", i ? "," : "", diff_ids[i]);
		if (!l)
			return -ENOMEM;
		free(b->layers);
		b->layers = l;
	}
	b->store = store;
	b->layer_fds = layer_fds;
	b->n_layers = n;
	return 0;
}

void bundle_abort(struct bundle *b)
{
	if (!b || b->committed || !b->tmp_name || b->parent_fd < 0)
		return;
	if (b->rootfs_fd >= 0) {
		close(b->rootfs_fd);
		b->rootfs_fd = -1;
	}
	(void)unpack_rm_rf_at(b->parent_fd, b->tmp_name);
	free(b->tmp_name);
	b->tmp_name = NULL;
}

void bundle_free(struct bundle *b)
{
	if (!b)
		return;
	bundle_abort(b);
	if (b->rootfs_fd >= 0)
		close(b->rootfs_fd);
	if (b->dir_fd >= 0)
		close(b->dir_fd);
	if (b->parent_fd >= 0)
		close(b->parent_fd);
	free(b->path);
	free(b->base);
	free(b->tmp_name);
	free(b->tmp_path);
	free(b->layers);
	free(b);
}

int bundle_commit(struct bundle *b, struct rtr_err *err)
{
	int r;

	if (unpack_interrupted)
		return rtr_err_set(err, EINTR, "interrupted");
	/* The rootfs must be on disk before the name points at it (power loss on a router). */
	if (!b->no_sync && syncfs(b->dir_fd) < 0)
		return rtr_err_sys(err, errno, "%s: syncfs", b->tmp_path);
	if (unpack_interrupted) /* a signal during the flush */
		return rtr_err_set(err, EINTR, "interrupted");
	r = rename2(b->parent_fd, b->tmp_name, b->parent_fd, b->base, RENAME_NOREPLACE);
	if (r == -EEXIST && b->force) {
		/* held across the exchange and the removal: a container started during the
		 * pull keeps its bundle (the new one is removed), and none starts from the old
		 * tree while it goes */
		_cleanup_close_ int lock = -1;
		r = bundle_lock(b->parent_fd, b->base, b->path, "stop it first", &lock, err);
		if (r < 0)
			return r;
		r = rename2(b->parent_fd, b->tmp_name, b->parent_fd, b->base, RENAME_EXCHANGE);
		if (r == 0) {
			/* the old bundle now has the temporary name */
			b->committed = true;
			r = unpack_rm_rf_at(b->parent_fd, b->tmp_name);
			free(b->tmp_name);
			b->tmp_name = NULL;
			if (r < 0)
				return rtr_err_sys(err, -r, "%s: removing the replaced bundle",
						   b->path);
			return fsync(b->parent_fd) < 0 ? -errno : 0;
		}
	}
	if (r == -EEXIST)
		return rtr_err_set(err, EEXIST, "%s: already exists (use --force to replace it)",
				   b->path);
	if (r < 0)
		return rtr_err_sys(err, -r, "%s: rename into place", b->path);
	b->committed = true;
	free(b->tmp_name);
	b->tmp_name = NULL;
	(void)fsync(b->parent_fd);
	return 0;
}

/* ---- config.json ---- */

/* The whole of a small file (NUL-terminated). */
static int read_fd(int fd, char **ret)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;
		if (len + 1 >= cap) {
			char *nb;
			if (cap >= 1024 * 1024) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = 0;
	*ret = buf;
	return 0;
}

/* A file of the image, read-only: in the rootfs, or in the layer stack of a store bundle. */
static int image_open(const struct bundle *b, const char *path)
{
	if (b->n_layers)
		return unpack_open_in_layers(b->layer_fds, b->n_layers, path, O_RDONLY, NULL);
	return unpack_open_in_root(b->rootfs_fd, path, O_RDONLY, NULL);
}

/* Find a passwd/group line whose field 0 (name) or field 2 (id) equals @key. */
static int lookup_db(const struct bundle *b, const char *file, const char *key, bool by_name,
		     unsigned long *ret_id, unsigned long *ret_gid, struct rtr_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;
	int r;

	fd = image_open(b, file);
	if (fd < 0)
		return rtr_err_set(err, ENOENT, "user \"%s\": the image has no %s", key, file);
	r = read_fd(fd, &buf);
	if (r < 0)
		return rtr_err_sys(err, -r, "%s", file);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = {0};
		char *p = line;
		int i;
		for (i = 0; i < 4 && p; i++) {
			f[i] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		if (i < 4 || !f[2] || !f[3])
			continue;
		if (by_name ? streq(f[0], key) : streq(f[2], key)) {
			char *end;
			*ret_id = strtoul(f[2], &end, 10);
			if (ret_gid)
				*ret_gid = strtoul(f[3], &end, 10);
			return 0;
		}
	}
	return rtr_err_set(err, ENOENT, "user \"%s\": not found in the image's %s", key, file);
}

/* Supplementary groups: /etc/group lines listing @user as a member. */
static int lookup_groups(const struct bundle *b, const char *user, unsigned long gid,
			 unsigned long **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = image_open(b, "/etc/group");
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;
	size_t n = 0;
	unsigned long *v = NULL;

	*ret = NULL;
	*ret_n = 0;
	if (fd < 0 || !user)
		return 0;
	if (read_fd(fd, &buf) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = {0}, *q = line, *m, *ms = NULL;
		int i;
		for (i = 0; i < 4 && q; i++) {
			f[i] = q;
			q = strchr(q, ':');
			if (q)
				*q++ = 0;
		}
		if (i < 4 || !f[3])
			continue;
		for (m = strtok_r(f[3], ",", &ms); m; m = strtok_r(NULL, ",", &ms)) {
			unsigned long g = strtoul(f[2], NULL, 10);
			if (!streq(m, user) || g == gid || n >= 32)
				continue;
			unsigned long *nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv)
				break;
			v = nv;
			v[n++] = g;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Docker's User: "", "name", "uid", "name:group", "uid:gid" (and mixed). */
static int resolve_user(const struct bundle *b, const char *spec, unsigned long *uid,
			unsigned long *gid, unsigned long **groups, size_t *n_groups,
			struct rtr_err *err)
{
	_cleanup_free_ char *u = NULL;
	char *g;
	bool have_gid = false;
	int r;

	*uid = *gid = 0;
	*groups = NULL;
	*n_groups = 0;
	if (!spec || !spec[0])
		return 0;
	u = strdup(spec);
	if (!u)
		return -ENOMEM;
	g = strchr(u, ':');
	if (g)
		*g++ = 0;
	if (all_digits(u)) {
		*uid = strtoul(u, NULL, 10);
		/* the primary group of a numeric uid comes from passwd when present */
		if (!g && lookup_db(b, "/etc/passwd", u, false, uid, gid, NULL) < 0)
			*gid = 0;
	} else {
		r = lookup_db(b, "/etc/passwd", u, true, uid, gid, err);
		if (r < 0)
			return r;
		lookup_groups(b, u, *gid, groups, n_groups);
	}
	if (g && g[0]) {
		have_gid = true;
		if (all_digits(g))
			*gid = strtoul(g, NULL, 10);
		else {
			r = lookup_db(b, "/etc/group", g, true, gid, NULL, err);
			if (r < 0)
				return r;
		}
	}
	(void)have_gid;
	if (*uid >= UINT32_MAX || *gid >= UINT32_MAX)
		return rtr_err_set(err, ERANGE, "user \"%s\": id out of range", spec);
	return 0;
}

static void w_strv(struct json_writer *w, char **v)
{
	json_w_begin_array(w);
	for (size_t i = 0; v && v[i]; i++)
		json_w_string(w, v[i]);
	json_w_end_array(w);
}

static void w_mount(struct json_writer *w, const char *dst, const char *type, const char *src,
		    const char *const *opts)
{
	json_w_begin_object(w);
	json_w_member_string(w, "destination", dst);
	json_w_member_string(w, "type", type);
	json_w_member_string(w, "source", src);
	json_w_key(w, "options");
	json_w_begin_array(w);
	for (size_t i = 0; opts[i]; i++)
		json_w_string(w, opts[i]);
	json_w_end_array(w);
	json_w_end_object(w);
}

static const char *goarch_of(const char *a)
{
	return a && a[0] ? a : NULL;
}

/* What config.json takes from the image config, with the presets applied. */
struct image_settings {
	struct json *j; /* the image config; labels point into it */
	struct json_cur labels;
	size_t n_labels;
	const struct json *health; /* config.Healthcheck, or NULL */
	char **entry, **cmd, **env, **args;
	char *user, *workdir, *stop, *arch;
	unsigned long uid, gid;
	unsigned long *groups;
	size_t n_groups;
	const char *hostname;
};

static void image_settings_done(struct image_settings *s)
{
	json_free(s->j);
	strv_free(s->entry);
	strv_free(s->cmd);
	strv_free(s->env);
	strv_free(s->args);
	free(s->user);
	free(s->workdir);
	free(s->stop);
	free(s->arch);
	free(s->groups);
}

static int image_parse(const struct bundle_image *img, struct image_settings *s,
		       struct rtr_err *err)
{
	struct json_cur root, cfg;
	int r;

	r = json_parse(img->config_json, img->config_len, RTR_IMAGE_CONFIG_MAX_BYTES, &s->j, err);
	if (r < 0)
		return rtr_err_wrap(err, -r, "image config");
	root = json_root(s->j);
	cfg = json_member(&root, "config");
	if ((r = json_strdup(JSON_TMP(json_member(&root, "architecture")), &s->arch, err)) < 0 ||
	    (r = json_strv(JSON_TMP(json_member(&cfg, "Entrypoint")), &s->entry, err)) < 0 ||
	    (r = json_strv(JSON_TMP(json_member(&cfg, "Cmd")), &s->cmd, err)) < 0 ||
	    (r = json_strv(JSON_TMP(json_member(&cfg, "Env")), &s->env, err)) < 0 ||
	    (r = json_strdup(JSON_TMP(json_member(&cfg, "User")), &s->user, err)) < 0 ||
	    (r = json_strdup(JSON_TMP(json_member(&cfg, "WorkingDir")), &s->workdir, err)) < 0 ||
	    (r = json_strdup(JSON_TMP(json_member(&cfg, "StopSignal")), &s->stop, err)) < 0)
		return rtr_err_wrap(err, -r, "image config");
	s->labels = json_member(&cfg, "Labels");
	s->health = json_member(&cfg, "Healthcheck").node;
	if (json_present(&(s->labels)) && (r = json_object(&(s->labels), &s->n_labels, err)) < 0)
		return rtr_err_wrap(err, -r, "image config");
	return 0;
}

/* The presets over the image's values; users and groups resolved in the rootfs. */
static int apply_presets(struct bundle *b, const struct bundle_presets *p, struct image_settings *s,
			 struct rtr_err *err)
{
	_cleanup_strv_free_ char **entry = TAKE_PTR(s->entry), **cmd = TAKE_PTR(s->cmd),
				 **env = TAKE_PTR(s->env), **args = NULL;
	_cleanup_free_ char *user = TAKE_PTR(s->user), *workdir = TAKE_PTR(s->workdir);
	bool have_path = false;
	int r;

	/* presets */
	if (p->entrypoint) {
		strv_free(entry);
		entry = strv_copy(p->entrypoint);
		if (!p->cmd) {
			strv_free(cmd);
			cmd = NULL;
		}
	}
	if (p->cmd) {
		strv_free(cmd);
		cmd = strv_copy(p->cmd);
	}
	for (size_t i = 0; entry && entry[i]; i++)
		if ((r = strv_push(&args, entry[i])) < 0)
			return r;
	for (size_t i = 0; cmd && cmd[i]; i++)
		if ((r = strv_push(&args, cmd[i])) < 0)
			return r;
	if (!args || !args[0])
		return rtr_err_set(
		    err, EINVAL,
		    "image config: no Entrypoint or Cmd (give one with --entrypoint/--cmd)");
	for (size_t i = 0; p->env && p->env[i]; i++)
		if ((r = env_set(&env, p->env[i])) < 0)
			return r;
	for (size_t i = 0; env && env[i]; i++)
		if (startswith(env[i], "PATH="))
			have_path = true;
	if (!have_path &&
	    (r = strv_push(
		 &env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")) < 0)
		return r;
	if (p->user) {
		free(user);
		user = strdup(p->user);
	}
	if (p->workdir) {
		free(workdir);
		workdir = strdup(p->workdir);
	}
	r = resolve_user(b, user, &s->uid, &s->gid, &s->groups, &s->n_groups, err);
	if (r < 0)
		return r;
	s->hostname = p->hostname ? p->hostname : p->name ? p->name : b->base;
	s->args = TAKE_PTR(args);
	s->env = TAKE_PTR(env);
	s->user = TAKE_PTR(user);
	s->workdir = TAKE_PTR(workdir);
	return 0;
}

static void write_process(struct json_writer *w, const struct image_settings *s)
{
	json_w_key(w, "process");
	json_w_begin_object(w);
	json_w_member_bool(w, "terminal", false);
	json_w_key(w, "user");
	json_w_begin_object(w);
	json_w_member_uint(w, "uid", s->uid);
	json_w_member_uint(w, "gid", s->gid);
	if (s->n_groups) {
		json_w_key(w, "additionalGids");
		json_w_begin_array(w);
		for (size_t i = 0; i < s->n_groups; i++)
			json_w_uint(w, s->groups[i]);
		json_w_end_array(w);
	}
	json_w_end_object(w);
	json_w_key(w, "args");
	w_strv(w, s->args);
	json_w_key(w, "env");
	w_strv(w, s->env);
	json_w_member_string(w, "cwd", s->workdir && s->workdir[0] == '/' ? s->workdir : "/");
	json_w_key(w, "capabilities");
	profile_write_capabilities(w);
	json_w_key(w, "rlimits");
	json_w_begin_array(w);
	json_w_begin_object(w);
	json_w_member_string(w, "type", "RLIMIT_NOFILE");
	json_w_member_uint(w, "hard", 1024);
	json_w_member_uint(w, "soft", 1024);
	json_w_end_object(w);
	json_w_end_array(w);
	json_w_member_bool(w, "noNewPrivileges", true);
	json_w_end_object(w);
}

/* The runtime's own mounts, then --mount's binds.  On an error @w is freed. */
static int write_mounts(struct json_writer *w, const struct bundle_presets *p, struct rtr_err *err)
{
	json_w_key(w, "mounts");
	json_w_begin_array(w);
	w_mount(w, "/proc", "proc", "proc", (const char *[]){"nosuid", "noexec", "nodev", NULL});
	w_mount(w, "/dev", "tmpfs", "tmpfs",
		(const char *[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
	w_mount(w, "/dev/pts", "devpts", "devpts",
		(const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
				 "gid=5", NULL});
	w_mount(w, "/dev/shm", "tmpfs", "shm",
		(const char *[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
	w_mount(w, "/dev/mqueue", "mqueue", "mqueue",
		(const char *[]){"nosuid", "noexec", "nodev", NULL});
	w_mount(w, "/sys", "sysfs", "sysfs",
		(const char *[]){"nosuid", "noexec", "nodev", "ro", NULL});
	w_mount(w, "/sys/fs/cgroup", "cgroup", "cgroup",
		(const char *[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
	for (size_t i = 0; p->mounts && p->mounts[i]; i++) {
		_cleanup_(bind_spec_done) struct bind_spec bs = {0};
		const char *why = NULL;
		int r = bind_spec_parse(p->mounts[i], &bs, &why);

		if (r < 0) {
			json_writer_free(w);
			if (r != -EINVAL)
				return r;
			return rtr_err_set(err, EINVAL, "--mount %s: %s", p->mounts[i], why);
		}
		w_mount(w, bs.dst, "bind", bs.src,
			bs.ro ? (const char *[]){"rbind", "ro", NULL}
			      : (const char *[]){"rbind", NULL});
	}
	json_w_end_array(w);

	return 0;
}

/* Docker's Healthcheck as rtr-run's org.rtr.health-* annotations: Test as the JSON argv
 * ("CMD", "CMD-SHELL", "NONE" forms kept), the durations from nanoseconds.  Zero means
 * "the default" in Docker, so it is left out. */
static void write_health(struct json_writer *w, const struct json *health)
{
	static const char *const durations[][2] = {{"Interval", "org.rtr.health-interval"},
						   {"Timeout", "org.rtr.health-timeout"},
						   {"StartPeriod", "org.rtr.health-start-period"}};
	struct json_cur h = json_root(health);
	_cleanup_strv_free_ char **test = NULL;
	uint64_t v;
	char buf[32];

	if (json_strv(JSON_TMP(json_member(&h, "Test")), &test, NULL) > 0 && test && test[0]) {
		struct json_writer *t = json_writer_new(false);
		_cleanup_free_ char *text = NULL;

		json_w_begin_array(t);
		for (char **a = test; *a; a++)
			json_w_string(t, *a);
		json_w_end_array(t);
		if (json_writer_finish(t, &text, NULL) == 0)
			json_w_member_string(w, "org.rtr.health-cmd", text);
	}
	for (size_t i = 0; i < ELEMENTSOF(durations); i++)
		if (json_u64(JSON_TMP(json_member(&h, durations[i][0])), UINT64_MAX, &v, NULL) >
			0 &&
		    v) {
			snprintf(buf, sizeof(buf), "%llums",
				 (unsigned long long)(v < 1000000 ? 1 : v / 1000000));
			json_w_member_string(w, durations[i][1], buf);
		}
	if (json_u64(JSON_TMP(json_member(&h, "Retries")), UINT32_MAX, &v, NULL) > 0 && v) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		json_w_member_string(w, "org.rtr.health-retries", buf);
	}
}

static void write_annotations(struct json_writer *w, const struct bundle *b,
			      const struct bundle_image *img, const struct bundle_presets *p,
			      const struct image_settings *s)
{
	json_w_key(w, "annotations");
	json_w_begin_object(w);
	for (size_t i = 0; i < s->n_labels; i++) {
		struct json_cur l = json_member_at(&s->labels, i);
		const char *v;
		if (json_str(&l, &v, NULL) > 0)
			json_w_member_string(w, l.key, v);
	}
	if (img->ref_name)
		json_w_member_string(w, "org.opencontainers.image.ref.name", img->ref_name);
	if (img->manifest_digest) {
		json_w_member_string(w, "org.opencontainers.image.base.digest",
				     img->manifest_digest);
		json_w_member_string(w, "org.rtr.image.digest", img->manifest_digest);
	}
	if (img->config_digest)
		json_w_member_string(w, "org.rtr.image.config-digest", img->config_digest);
	if (img->source)
		json_w_member_string(w, "org.rtr.image.source", img->source);
	if (s->stop && s->stop[0])
		json_w_member_string(w, "org.rtr.stop-signal", s->stop);
	if (p->name)
		json_w_member_string(w, "org.rtr.name", p->name);
	if (b->store) {
		json_w_member_string(w, "org.rtr.rootfs.store", b->store);
		json_w_member_string(w, "org.rtr.rootfs.layers", b->layers);
	}
	if (s->health)
		write_health(w, s->health);
	json_w_end_object(w);
}

static void write_linux(struct json_writer *w, const char *arch)
{
	json_w_key(w, "linux");
	json_w_begin_object(w);
	json_w_key(w, "namespaces");
	json_w_begin_array(w);
	for (const char *const *ns =
		 (const char *const[]){"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
	     *ns; ns++) {
		json_w_begin_object(w);
		json_w_member_string(w, "type", *ns);
		json_w_end_object(w);
	}
	json_w_end_array(w);
	json_w_key(w, "resources");
	json_w_begin_object(w);
	json_w_key(w, "devices");
	profile_write_device_rules(w);
	json_w_end_object(w);
	if (profile_write_linux_members(w, goarch_of(arch)) < 0)
		/* an architecture the profile does not know: the host's */
		(void)profile_write_linux_members(w, NULL);
	json_w_end_object(w);
}

int bundle_write_config(struct bundle *b, const struct bundle_image *img,
			const struct bundle_presets *p, struct rtr_err *err)
{
	static const struct bundle_presets none;
	_cleanup_(image_settings_done) struct image_settings s = {};
	_cleanup_free_ char *text = NULL;
	struct json_writer *w;
	size_t len;
	int r;

	if (!p)
		p = &none;
	r = image_parse(img, &s, err);
	if (r >= 0)
		r = apply_presets(b, p, &s, err);
	if (r < 0)
		return r;
	w = json_writer_new(true);
	json_w_begin_object(w);
	json_w_member_string(w, "ociVersion", "1.0.2");
	write_process(w, &s);
	json_w_key(w, "root");
	json_w_begin_object(w);
	json_w_member_string(w, "path", "rootfs");
	json_w_member_bool(w, "readonly", false);
	json_w_end_object(w);
	json_w_member_string(w, "hostname", s.hostname);

	r = write_mounts(w, p, err);
	if (r < 0)
		return r;
	write_annotations(w, b, img, p, &s);
	write_linux(w, s.arch);
	json_w_end_object(w);
	r = json_writer_finish(w, &text, &len);
	if (r < 0)
		return rtr_err_set(err, -r, "config.json: writing failed");
	r = write_file_atomic_at(b->dir_fd, "config.json", text, len, 0600);
	if (r < 0)
		return rtr_err_sys(err, -r, "config.json");
	return 0;
}

/* Annotations an image digest is recorded under, newest first (bundle_write_config()
 * writes the first two). */
static const char *const digest_annotations[] = {
    "org.opencontainers.image.base.digest",
    "org.rtr.image.digest",
    "org.opencontainers.image.digest",
};

int bundle_read_image_digest(const char *bundle, char **ret, struct rtr_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle), *buf = NULL;
	_cleanup_json_ struct json *j = NULL;
	size_t len;
	int r;

	if (!path)
		return -ENOMEM;
	r = read_file_at(AT_FDCWD, path, RTR_CONFIG_MAX_BYTES, &buf, &len);
	if (r < 0)
		return rtr_err_sys(err, -r, "%s", path);
	r = json_parse(buf, len, RTR_CONFIG_MAX_BYTES, &j, err);
	if (r < 0)
		return r;
	struct json_cur root = json_root(j), an = json_member(&root, "annotations");
	for (size_t i = 0; i < ELEMENTSOF(digest_annotations); i++) {
		const char *d = NULL;
		if (json_str(JSON_TMP(json_member(&an, digest_annotations[i])), &d, NULL) > 0 &&
		    d) {
			*ret = strdup(d);
			return *ret ? 0 : -ENOMEM;
		}
	}
	return rtr_err_set(err, ENOENT,
			   "%s: no image digest annotation (not made by rtr-pull "
			   "from a registry?)",
			   path);
}
