/* SPDX-License-Identifier: GPL-2.0-or-later */
/* placeholder until its module lands */
#include "modules.h"
