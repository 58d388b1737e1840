/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Management verbs that find containers through the cgroup tree. */

#include <stdbool.h>

int verb_main(const char *verb, int argc, char **argv); /* returns the exit code */
bool verb_known(const char *verb);
