/* SPDX-License-Identifier: MIT */
/* tools/args.h: tiny option helpers shared by the command handlers. */
#ifndef TOOLS_ARGS_H
#define TOOLS_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Match "--name=VALUE" or "--name VALUE" at argv[*i]; on a match set
 * *val, advance *i past a separate value and return true.  *missing is
 * set when "--name" is last with no value. */
bool args_opt(int argc, char **argv, int *i, const char *name,
                const char **val, bool *missing);

/* Parse an unsigned number (decimal or 0x hex) up to max. */
bool args_num(const char *s, uint64_t max, uint64_t *out);

#endif
