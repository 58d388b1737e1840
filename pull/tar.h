/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A push-based tar reader: feed bytes in any chunking, get entries through callbacks.
 * Understands ustar (with prefix), GNU long names and links ('L', 'K'), PAX extended
 * headers ('x': path, linkpath, size, mtime, uid, gid, uname, gname, SCHILY.xattr.*;
 * global 'g' headers are checked and ignored) and base-256 numbers.  Every header
 * checksum is verified; a truncated archive is an error at tar_end().  Input-controlled
 * sizes are bounded: path/link length RTR_PULL_MAX_PATH, PAX/long-name data
 * RTR_PULL_MAX_PAX_BYTES, xattrs per entry RTR_PULL_MAX_XATTRS.
 */

#include <stddef.h>
#include <stdint.h>

#include "runner/lib/log.h"
#include "unpack.h"

struct tar_handler {
	/* An entry starts (strings valid until entry_end). */
	int (*entry)(void *ud, const struct unpack_entry *e, struct rtr_err *err);
	/* Content bytes of the current regular file. */
	int (*data)(void *ud, const void *buf, size_t len, struct rtr_err *err);
	int (*entry_end)(void *ud, struct rtr_err *err);
};

struct tar;

int tar_new(struct tar **ret, const struct tar_handler *h, void *ud);
void tar_free(struct tar *t);
/* -EBADMSG for a malformed archive (message names the entry), or the handler's error. */
int tar_feed(struct tar *t, const void *buf, size_t len, struct rtr_err *err);
/* The input ended: -EBADMSG if it ended inside an entry or header. */
int tar_end(struct tar *t, struct rtr_err *err);

/* One header of a seekable outer archive (docker save, oci-archive), for indexing
 * without reading the data.  @name: ustar name with prefix; type as in the header. */
struct tar_header {
	char type;
	uint64_t size;
	char name[257];
	char linkname[101];
};
/* 1 for a header, 0 for a zero (end) block, -EBADMSG for a bad checksum or field. */
int tar_parse_header(const void *block, struct tar_header *ret);
