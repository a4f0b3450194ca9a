/* SPDX-License-Identifier: MIT */
/* people/args.h: tiny option helpers shared by the people/ commands. */
#ifndef PEOPLE_ARGS_H
#define PEOPLE_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Match "--name=VALUE" or "--name VALUE" at argv[*i]; on a match set
 * *val, advance *i past a separate value and return true.  *missing is
 * set when "--name" is last with no value. */
bool people_opt(int argc, char **argv, int *i, const char *name,
                const char **val, bool *missing);

/* Parse an unsigned number (decimal or 0x hex) up to max. */
bool people_num(const char *s, uint64_t max, uint64_t *out);

#endif
