/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Resolving paths inside a root directory (a container's rootfs); see inroot.c. */

#include <stdbool.h>

/* O_PATH fd of @path resolved inside @rootfd.  -ENOENT, -ELOOP, ... */
int inroot_open(int rootfd, const char *path, int *ret_fd);

/* Creates @path below @rootfd like mkdir -p (the last component an empty file when @file)
 * and returns an O_PATH fd of it; every prefix is resolved inside the root before a
 * component is created in it. */
int inroot_mkdir(int rootfd, const char *path, bool file, int *ret_fd);
