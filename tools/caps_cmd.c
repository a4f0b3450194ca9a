/* SPDX-License-Identifier: MIT */
/*
 * tools/caps_cmd.c: `vtdemu caps CAP ECAP` or `vtdemu caps PROFILE`: every
 * field of the capability registers decoded (VT-d 11.4.2, 11.4.3) and the
 * line Linux prints at boot for such a unit.
 */
#include "caps_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/vtd.h>

static const char caps_usage[] =
    "usage: vtdemu caps CAP ECAP [--base ADDR] [--ver VER]\n"
    "       vtdemu caps PROFILE [--base ADDR] [--ver VER]\n"
    "\n"
    "Decodes every field of the Capability and Extended Capability\n"
    "registers (VT-d 11.4.2, 11.4.3) and prints the line Linux logs at boot\n"
    "for such a unit.  CAP and ECAP are numbers (0x... hex or decimal);\n"
    "PROFILE is a profile name (qemu-7.2, full).  --base gives the register\n"
    "base for the Linux line (default 0xfed90000), --ver the VER register\n"
    "(default 0x10).\n"
    "Exit status: 0 success, 2 usage error.\n";

static void print_line(void *opaque, const char *text)
{
    (void)opaque;
    puts(text);
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        return -1;
    *v = x;
    return 0;
}

int vtdemu_cmd_caps(int argc, char **argv)
{
    const char *pos[2] = { NULL, NULL };
    unsigned npos = 0;
    uint64_t base = 0xfed90000, ver = 0x10;
    /* argv[0] is the command name ("caps"). */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(caps_usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--base") && i + 1 < argc) {
            if (parse_u64(argv[++i], &base) < 0)
                goto usage;
        } else if (!strcmp(argv[i], "--ver") && i + 1 < argc) {
            if (parse_u64(argv[++i], &ver) < 0 || ver > 0xff)
                goto usage;
        } else if (argv[i][0] == '-' || npos == 2) {
            goto usage;
        } else {
            pos[npos++] = argv[i];
        }
    }
    uint64_t cap, ecap;
    if (npos == 1) {
        if (vtd_profile_lookup(pos[0], &cap, &ecap) < 0) {
            fprintf(stderr, "vtdemu caps: unknown profile '%s' (known:",
                    pos[0]);
            for (const char *const *p = vtd_profile_names(); *p; p++)
                fprintf(stderr, " %s", *p);
            fprintf(stderr, ")\n");
            return 2;
        }
    } else if (npos == 2) {
        if (parse_u64(pos[0], &cap) < 0 || parse_u64(pos[1], &ecap) < 0) {
            fprintf(stderr, "vtdemu caps: CAP and ECAP must be numbers\n");
            return 2;
        }
    } else {
        goto usage;
    }
    vtd_describe_caps(cap, ecap, (uint32_t)ver, base, 0, print_line, NULL);
    return 0;
usage:
    fputs(caps_usage, stderr);
    return 2;
}
