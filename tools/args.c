/* SPDX-License-Identifier: MIT */
#include "tools/args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool args_opt(int argc, char **argv, int *i, const char *name,
                const char **val, bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n))
        return false;
    if (a[n] == '=') {
        *val = a + n + 1;
        return true;
    }
    if (a[n] != 0)
        return false;
    if (*i + 1 >= argc) {
        *missing = true;
        return true;
    }
    *val = argv[++*i];
    return true;
}

bool args_num(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || !end || *end || v > max)
        return false;
    *out = v;
    return true;
}
