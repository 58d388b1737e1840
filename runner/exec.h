/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* `rtr-run exec [-e K=V]... [-u UID[:GID]] [-w DIR] [-t] NAME -- CMD ARGS...` (exec.c).
 * @argv[0] is "exec".  Returns rtr-run's exit code: the command's (N, 128+signal), 125
 * for a runtime error, 126/127 when CMD is not executable / not found. */
int exec_main(int argc, char **argv);
