/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Resolving paths inside a root directory (a container's rootfs, an image being unpacked),
 * the one resolver of rtr-run and rtr-pull; see inroot.c for how.
 *
 * Absolute symlinks and ".." stop at the root, so no path can reach the host.  Paths are
 * taken relative to the root whether or not they start with "/"; "" and "/" are the root.
 * Functions return 0 or a negative errno (-ENOENT, -ENOTDIR, -ELOOP, ...) and never log.
 */

#include <fcntl.h>
#include <stdbool.h>

/* What inroot_openat() creates when part of the path is missing. */
enum inroot_create {
	INROOT_NO_CREATE,  /* -ENOENT */
	INROOT_MKDIR,	   /* missing components become directories (0755), like mkdir -p */
	INROOT_MKDIR_FILE, /* the same, but the last component an empty regular file (0644) */
};

/*
 * Opens @path inside @rootfd with the open(2) flags @oflags (O_PATH, O_RDONLY,
 * O_DIRECTORY, ...; O_CLOEXEC is implied, O_CREAT is refused: use @create).  O_NOFOLLOW
 * leaves a symlink as the last component unfollowed (with O_PATH: an fd of the link
 * itself; otherwise -ELOOP), as open(2) does; symlinks before it are always followed.
 * Creation goes through symlinks inside the root, dangling ones included: a directory an
 * image's symlink points at is created where the link points, inside the root.
 */
int inroot_openat(int rootfd, const char *path, int oflags, enum inroot_create create, int *ret_fd);

/* O_PATH fd of @path, the last component followed too. */
static inline int inroot_open(int rootfd, const char *path, int *ret_fd)
{
	return inroot_openat(rootfd, path, O_PATH, INROOT_NO_CREATE, ret_fd);
}

/* Like mkdir -p (the last component an empty file when @file); returns an O_PATH fd. */
static inline int inroot_mkdir(int rootfd, const char *path, bool file, int *ret_fd)
{
	return inroot_openat(rootfd, path, O_PATH, file ? INROOT_MKDIR_FILE : INROOT_MKDIR, ret_fd);
}
