/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP), made by rtr-run before clone; the
 * child inherits them as detached trees and moves them into place (runner/mount.c).
 *
 *  - The rootfs, when the container has a new user namespace whose root is host uid N != 0
 *    and the rootfs belongs to host root (what rtr-pull, `runc spec` and every image
 *    give): idmapped with the container's own mappings, an owner 0 on disk is the
 *    container's root.  Where the kernel or the filesystem cannot, the plain bind stays
 *    and idmap_explain() says what to do when the start then fails.
 *  - Every mounts[] entry with uidMappings/gidMappings, or the option idmap/ridmap (then
 *    with the container's mappings): idmapped, or the start fails naming the mount.
 */

#include <sys/types.h>

#include "container.h"

/* Before clone: the idmapped trees of c->spec (c->idmaps).  Fails only for a mount that
 * asks for an idmap the kernel cannot give. */
int idmap_prepare(struct rtr_container *c, struct rtr_err *err);
/* Closes the trees; c->idmaps NULL. */
void idmap_free(struct rtr_container *c);

/* Child: the idmapped rootfs tree, or -1 (bind the rootfs as usual). */
int idmap_rootfs_tree(const struct rtr_container *c);
/* Child: the idmapped tree of mount @m (an element of c->spec->mounts), or -1. */
int idmap_mount_tree(const struct rtr_container *c, const struct rtr_mount *m);
/* After a failed start: a "Permission denied" (or EPERM) gets what to do about a rootfs
 * that could not be idmapped appended. */
void idmap_explain(const struct rtr_container *c, struct rtr_err *err);
/* Child: moves the detached tree @tree onto the O_PATH fd @target_fd. */
int idmap_move(int tree, int target_fd);

/* Writes the id map @file ("uid_map", "gid_map") of process @pid; @what names the input. */
int idmap_write_map(pid_t pid, const char *file, const struct rtr_idmap *m, size_t n,
		    const char *what, struct rtr_err *err);
