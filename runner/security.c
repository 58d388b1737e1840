/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The security options that are neither capabilities (caps.c) nor seccomp (seccomp.c):
 * rtr's defaults for absent fields, --privileged, --no-new-privileges, --userns,
 * --device, the uid/gid maps of a new user namespace, and masked / read-only paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "lib/cleanup.h"
#include "lib/profile.h"
#include "lib/util.h"
#include "caps-names.h"
#include "idmap.h"
#include "security.h"

/* When /proc/sys/kernel/cap_last_cap cannot be read (CAP_CHECKPOINT_RESTORE, Linux 5.9). */
#define CAP_LAST_CAP_FALLBACK 40

/* ---- options ---------------------------------------------------------------------------- */

/* A strv of the words of a profile list ("a\0b\0", ending at an empty word). */
static int strv_from_list(const char *l, char ***ret)
{
	char **n = calloc(1, sizeof(char *));
	int r;

	if (!n)
		return -ENOMEM;
	for (; *l; l += strlen(l) + 1) {
		r = strv_push(&n, l);
		if (r < 0) {
			strv_free(n);
			return r;
		}
	}
	*ret = n;
	return 0;
}

/* Every capability the kernel knows in bounding, effective and permitted. */
static int all_caps(struct rtr_caps *k)
{
	int last = CAP_LAST_CAP_FALLBACK, v;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int *sets[3];
	size_t n = 0;

	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 32, &buf, &len) == 0 &&
	    sscanf(buf, "%d", &v) == 1 && v > 0 && v < 64)
		last = v;
	spec_caps_free(k);
	for (int i = 0; i < 3; i++) {
		sets[i] = calloc((size_t)last + 1, sizeof(int));
		if (!sets[i]) {
			while (i-- > 0)
				free(sets[i]);
			return -ENOMEM;
		}
	}
	/* All that rtr-run itself holds (a restricted host lacks some). */
	for (int cap = 0; cap <= last; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		for (int i = 0; i < 3; i++)
			sets[i][n] = cap;
		n++;
	}
	k->bounding = sets[0];
	k->effective = sets[1];
	k->permitted = sets[2];
	k->n_bounding = k->n_effective = k->n_permitted = n;
	return 0;
}

static int default_device_rules(struct rtr_resources *res, bool privileged)
{
	size_t n = privileged ? 1 : profile_n_device_rules;

	free(res->devices);
	res->devices = calloc(n, sizeof(*res->devices));
	if (!res->devices)
		return -ENOMEM;
	res->n_devices = n;
	if (privileged) {
		res->devices[0] = (struct rtr_device_rule){
		    .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct profile_device_rule *p = &profile_device_rules[i];
		struct rtr_device_rule *d = &res->devices[i];

		d->allow = p->allow;
		d->type = p->type;
		d->major = p->major;
		d->minor = p->minor;
		snprintf(d->access, sizeof(d->access), "%s", p->access);
	}
	return 0;
}

/* "HOSTUID:COUNT" or "auto" -> one mapping of container id 0. */
static int parse_userns(const char *arg, uint32_t *ret_host, uint32_t *ret_count,
			struct rtr_err *err)
{
	uint64_t host, count;
	const char *colon;
	_cleanup_free_ char *h = NULL;

	if (streq(arg, "auto")) {
		/* The first range /etc/subuid gives root, as podman and LXC use it. */
		_cleanup_fclose_ FILE *f = fopen("/etc/subuid", "re");
		char line[256];
		unsigned long s, c;
		char who[64];

		*ret_host = RTR_USERNS_AUTO_HOSTID;
		*ret_count = RTR_USERNS_AUTO_SIZE;
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%63[^:]:%lu:%lu", who, &s, &c) == 3 &&
			    (streq(who, "root") || streq(who, "0")) && s > 0 && c > 0 &&
			    s + c <= UINT32_MAX) {
				*ret_host = (uint32_t)s;
				*ret_count =
				    (uint32_t)(c < RTR_USERNS_AUTO_SIZE ? c : RTR_USERNS_AUTO_SIZE);
				break;
			}
		return 0;
	}
	colon = strchr(arg, ':');
	if (!colon)
		return rtr_err_set(err, EINVAL, "--userns %s: expected HOSTUID:COUNT or auto", arg);
	h = strndup(arg, (size_t)(colon - arg));
	if (!h)
		return -ENOMEM;
	if (parse_u64(h, UINT32_MAX - 1, &host) < 0 ||
	    parse_u64(colon + 1, UINT32_MAX, &count) < 0 || count == 0 || host + count > UINT32_MAX)
		return rtr_err_set(err, EINVAL,
				   "--userns %s: expected HOSTUID:COUNT with a count > 0 "
				   "inside 0..4294967295",
				   arg);
	*ret_host = (uint32_t)host;
	*ret_count = (uint32_t)count;
	return 0;
}

static int set_userns(struct rtr_spec *s, const char *arg, struct rtr_err *err)
{
	uint32_t host, count;
	struct rtr_idmap *u, *g;
	int r;

	r = parse_userns(arg, &host, &count, err);
	if (r < 0)
		return r;
	u = calloc(1, sizeof(*u));
	g = calloc(1, sizeof(*g));
	if (!u || !g) {
		free(u);
		free(g);
		return -ENOMEM;
	}
	*u = *g = (struct rtr_idmap){.container_id = 0, .host_id = host, .size = count};
	free(s->lx.uid_mappings);
	free(s->lx.gid_mappings);
	s->lx.uid_mappings = u;
	s->lx.gid_mappings = g;
	s->lx.n_uid_mappings = s->lx.n_gid_mappings = 1;
	s->lx.ns[RTR_NS_USER].enabled = true;
	free(s->lx.ns[RTR_NS_USER].path);
	s->lx.ns[RTR_NS_USER].path = NULL;
	return 0;
}

/* --device HOST[:CONTAINER][:rwm] */

/* A linux.devices entry at @path for the host node @st (type, numbers, mode, owner). */
static struct rtr_device device_from_stat(const char *path, const struct stat *st)
{
	return (struct rtr_device){
	    .path = strdup(path),
	    .type = S_ISCHR(st->st_mode) ? 'c' : 'b',
	    .major = major(st->st_rdev),
	    .minor = minor(st->st_rdev),
	    .file_mode_set = true,
	    .file_mode = st->st_mode & 07777,
	    .uid_set = true,
	    .gid_set = true,
	    .uid = st->st_uid,
	    .gid = st->st_gid,
	};
}

static int add_device(struct rtr_spec *s, const char *arg, struct rtr_err *err)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *host, *cont = NULL, *perm = NULL, *p;
	struct rtr_device *nd, *d = NULL;
	struct rtr_device_rule *nr;
	struct stat st;

	if (!copy)
		return -ENOMEM;
	host = copy;
	p = strchr(host, ':');
	if (p) {
		*p++ = 0;
		char *q = strchr(p, ':');
		if (q) {
			*q++ = 0;
			cont = p;
			perm = q;
		} else if (*p == '/') {
			cont = p;
		} else {
			perm = p;
		}
	}
	if (!perm || !*perm)
		perm = "rwm";
	if (strlen(perm) > 3 || strspn(perm, "rwm") != strlen(perm))
		return rtr_err_set(err, EINVAL, "--device %s: permissions must be a subset of rwm",
				   arg);
	if (!cont || !*cont)
		cont = host;
	if (host[0] != '/' || cont[0] != '/' || strstr(cont, "/../") || strcmp(cont, "/dev") == 0)
		return rtr_err_set(err, EINVAL, "--device %s: expected absolute paths", arg);
	/* stat, not lstat: /dev/serial/by-id/... names are symlinks. */
	if (stat(host, &st) < 0)
		return rtr_err_sys(err, errno, "--device %s", host);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return rtr_err_set(err, EINVAL, "--device %s: not a character or block device",
				   host);

	for (size_t i = 0; i < s->lx.n_devices; i++)
		if (streq(s->lx.devices[i].path, cont))
			d = &s->lx.devices[i];
	if (!d) {
		nd = realloc(s->lx.devices, (s->lx.n_devices + 1) * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		s->lx.devices = nd;
		d = &nd[s->lx.n_devices++];
	} else {
		free(d->path);
	}
	*d = device_from_stat(cont, &st);
	if (!d->path)
		return -ENOMEM;

	nr = realloc(s->lx.resources.devices, (s->lx.resources.n_devices + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	s->lx.resources.devices = nr;
	nr[s->lx.resources.n_devices++] = (struct rtr_device_rule){
	    .allow = true, .type = d->type, .major = d->major, .minor = d->minor};
	snprintf(nr[s->lx.resources.n_devices - 1].access, 4, "%s", perm);
	return 0;
}

/* --privileged: every host device node of /dev (one level of subdirectories, as in
 * /dev/net/tun or /dev/bus/usb is two: that needs --device). */
static int add_host_devices(struct rtr_spec *s)
{
	static const char *const dirs[] = {"/dev",     "/dev/net", "/dev/mapper",
					   "/dev/snd", "/dev/dri", "/dev/input"};

	for (size_t k = 0; k < ELEMENTSOF(dirs); k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d))) {
			char path[PATH_MAX];
			struct stat st;
			bool seen = false;

			if ((e->d_type != DT_CHR && e->d_type != DT_BLK) ||
			    streq(e->d_name, "console") || streq(e->d_name, "ptmx") ||
			    streq(e->d_name, "tty") || startswith(e->d_name, "tty") != NULL)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[k], e->d_name);
			if (lstat(path, &st) < 0)
				continue;
			for (size_t i = 0; i < s->lx.n_devices; i++)
				seen |= streq(s->lx.devices[i].path, path);
			if (seen)
				continue;
			struct rtr_device *nd =
			    realloc(s->lx.devices, (s->lx.n_devices + 1) * sizeof(*nd));
			if (!nd) {
				closedir(d);
				return -ENOMEM;
			}
			s->lx.devices = nd;
			nd[s->lx.n_devices] = device_from_stat(path, &st);
			if (!nd[s->lx.n_devices].path) {
				closedir(d);
				return -ENOMEM;
			}
			s->lx.n_devices++;
		}
		closedir(d);
	}
	return 0;
}

/* rtr-run cannot apply LSM labels; a label that silently did nothing would be worse than
 * no container. */
static int refuse_lsm(const struct rtr_spec *s, struct rtr_err *err)
{
	const char *aa = s->process.apparmor_profile, *se = s->process.selinux_label;

	if (aa && *aa) {
		if (access("/sys/kernel/security/apparmor", F_OK) < 0)
			return rtr_err_set(err, ENOTSUP,
					   "process.apparmorProfile %s: AppArmor is not enabled on "
					   "this host",
					   aa);
		return rtr_err_set(err, ENOTSUP,
				   "process.apparmorProfile %s: AppArmor profiles are not "
				   "supported by rtr-run",
				   aa);
	}
	if (se && *se) {
		if (access("/sys/fs/selinux/enforce", F_OK) < 0)
			return rtr_err_set(
			    err, ENOTSUP,
			    "process.selinuxLabel %s: SELinux is not enabled on this "
			    "host",
			    se);
		return rtr_err_set(err, ENOTSUP,
				   "process.selinuxLabel %s: SELinux labels are not supported "
				   "by rtr-run",
				   se);
	}
	return 0;
}

/* --privileged: everything the host root may do, minus what the namespaces still hide. */
static int make_privileged(struct rtr_spec *s)
{
	int r = all_caps(&s->process.caps);

	if (r < 0)
		return r;
	s->process.caps_set = true;
	/* setuid programs work again, unless --no-new-privileges says otherwise. */
	s->process.no_new_privileges = false;
	strv_free(s->lx.masked_paths);
	strv_free(s->lx.readonly_paths);
	s->lx.masked_paths = calloc(1, sizeof(char *));
	s->lx.readonly_paths = calloc(1, sizeof(char *));
	if (!s->lx.masked_paths || !s->lx.readonly_paths)
		return -ENOMEM;
	s->lx.masked_paths_set = s->lx.readonly_paths_set = true;
	r = default_device_rules(&s->lx.resources, true);
	if (r < 0)
		return r;
	return add_host_devices(s);
}

/* rtr's defaults may only take away: masked and read-only paths and device rules where
 * the bundle names none (the default seccomp filter is seccomp.c's).  What the bundle says
 * about capabilities and noNewPrivileges is never overridden: no process.capabilities
 * means none, an absent noNewPrivileges means false (the OCI meaning). */
static int apply_defaults(struct rtr_spec *s)
{
	int r;

	if (!s->lx.masked_paths_set) {
		r = strv_from_list(profile_masked_paths, &s->lx.masked_paths);
		if (r < 0)
			return r;
		s->lx.masked_paths_set = true;
	}
	if (!s->lx.readonly_paths_set) {
		r = strv_from_list(profile_readonly_paths, &s->lx.readonly_paths);
		if (r < 0)
			return r;
		s->lx.readonly_paths_set = true;
	}
	/* Unlisted devices are refused by the device cgroup. */
	if (s->lx.resources.n_devices == 0)
		return default_device_rules(&s->lx.resources, false);
	return 0;
}

int security_apply_options(const struct rtr_opts *o, struct rtr_spec *s, struct rtr_err *err)
{
	int r = refuse_lsm(s, err);

	if (r < 0)
		return r;
	r = o->privileged ? make_privileged(s) : apply_defaults(s);
	if (r < 0)
		return r;
	if (o->no_new_privileges)
		s->process.no_new_privileges = true;
	if (o->userns) {
		r = set_userns(s, o->userns, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; o->devices && o->devices[i]; i++) {
		r = add_device(s, o->devices[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- user namespace (parent) ------------------------------------------------------------ */

int security_write_idmaps(const struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_linux *lx = &c->spec->lx;
	int r;

	if (!lx->ns[RTR_NS_USER].enabled || lx->ns[RTR_NS_USER].path)
		return 0;
	if (lx->n_uid_mappings == 0 || lx->n_gid_mappings == 0)
		return rtr_err_set(err, EINVAL,
				   "linux.uidMappings/gidMappings: a new user namespace needs both "
				   "(or --userns HOSTUID:COUNT)");
	r = idmap_write_map(c->pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings,
			    "linux.uidMappings", err);
	if (r < 0)
		return r;
	/* Only a writer without CAP_SETGID over the parent namespace (rootless) must give up
	 * setgroups() to write gid_map; as root keep it, so additionalGids work. */
	if (geteuid() != 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)c->pid);
		r = write_string_at(AT_FDCWD, path, "deny");
		if (r < 0 && r != -ENOENT)
			return rtr_err_sys(err, -r, "writing %s", path);
	}
	return idmap_write_map(c->pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings,
			       "linux.gidMappings", err);
}

/* ---- masked and read-only paths (child, after pivot_root) ------------------------------- */

/* A path to mount on that names exactly the inode behind @fd: /proc/self/fd/N when the
 * container has a /proc, so a symlink swapped in after the check is never followed. */
static const char *fd_path(int fd, const char *path, char *buf, size_t n, bool have_proc)
{
	if (!have_proc)
		return path;
	snprintf(buf, n, "/proc/self/fd/%d", fd);
	return buf;
}

static int mask_path(const char *path, int devnull, bool have_proc, struct rtr_err *err)
{
	_cleanup_close_ int fd = -1;
	char tbuf[40], sbuf[40];
	const char *target;
	struct stat st;

	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return rtr_err_sys(err, errno, "linux.maskedPaths %s", path);
	}
	if (fstat(fd, &st) < 0)
		return rtr_err_sys(err, errno, "linux.maskedPaths %s", path);
	if (S_ISLNK(st.st_mode))
		return 0; /* not the kernel file the mask is meant for */
	target = fd_path(fd, path, tbuf, sizeof(tbuf), have_proc);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0,nr_inodes=1,mode=0555") < 0)
			return rtr_err_sys(err, errno, "linux.maskedPaths %s: tmpfs", path);
		return 0;
	}
	if (devnull < 0)
		return rtr_err_set(err, ENODEV,
				   "linux.maskedPaths %s: the container has no usable "
				   "/dev/null",
				   path);
	if (mount(fd_path(devnull, "/dev/null", sbuf, sizeof(sbuf), have_proc), target, NULL,
		  MS_BIND, NULL) < 0)
		return rtr_err_sys(err, errno, "linux.maskedPaths %s: bind /dev/null", path);
	return 0;
}

static int readonly_path(const char *path, bool have_proc, struct rtr_err *err)
{
	_cleanup_close_ int fd = -1, top = -1;
	char buf[40];
	struct statvfs sv;
	struct stat st;
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;

	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return rtr_err_sys(err, errno, "linux.readonlyPaths %s", path);
	}
	if (fstat(fd, &st) < 0)
		return rtr_err_sys(err, errno, "linux.readonlyPaths %s", path);
	if (S_ISLNK(st.st_mode))
		return 0; /* not the kernel file meant; a bind would not follow it anyway */
	if (mount(fd_path(fd, path, buf, sizeof(buf), have_proc),
		  fd_path(fd, path, buf, sizeof(buf), have_proc), NULL, MS_BIND | MS_REC, NULL) < 0)
		return rtr_err_sys(err, errno, "linux.readonlyPaths %s: bind", path);
	/* @fd still names the covered inode; the remount must hit the new mount on top. */
	top = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (top < 0)
		return rtr_err_sys(err, errno, "linux.readonlyPaths %s", path);
	/* Keep nosuid/nodev/noexec: a user namespace may not clear locked flags. */
	if (fstatvfs(top, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
	}
	if (mount(NULL, fd_path(top, path, buf, sizeof(buf), have_proc), NULL, flags, NULL) < 0)
		return rtr_err_sys(err, errno, "linux.readonlyPaths %s: remount read-only", path);
	return 0;
}

int security_apply_paths(const struct rtr_container *c, struct rtr_err *err)
{
	const struct rtr_linux *lx = &c->spec->lx;
	_cleanup_close_ int devnull = -1;
	bool have_proc;
	struct stat st;
	int r;

	if (strv_length(lx->masked_paths) == 0 && strv_length(lx->readonly_paths) == 0)
		return 0;
	have_proc = access("/proc/self/fd", X_OK) == 0;

	/* CVE-2025-31133 class: the container's /dev/null may have been replaced (a symlink
	 * to a host-controlled file, or another node).  Open it without following links,
	 * check it is the null device, and bind exactly that inode. */
	devnull = open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (devnull >= 0 &&
	    (fstat(devnull, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))) {
		close(devnull);
		devnull = -1;
	}

	for (size_t i = 0; lx->masked_paths && lx->masked_paths[i]; i++) {
		r = mask_path(lx->masked_paths[i], devnull, have_proc, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; lx->readonly_paths && lx->readonly_paths[i]; i++) {
		r = readonly_path(lx->readonly_paths[i], have_proc, err);
		if (r < 0)
			return r;
	}
	return 0;
}
