/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TEMPORARY: stand-ins for module functions that are not written yet, so rtr-run links at
 * every commit.  When your module lands, DELETE your functions from this file in the same
 * commit (a duplicate symbol at link time reminds you).  When the file is empty, remove it
 * and its line in meson.build.
 */
#include <errno.h>

#include "modules.h"

