/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/log.h"
int main(void) { return 0; }
