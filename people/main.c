/* SPDX-License-Identifier: MIT */
/*
 * people/main.c: vtdemu-people, a stand-alone driver for the people/
 * commands until they are wired into vtdemu.  `vtdemu-people inspect ...`
 * is `vtdemu inspect ...`.
 */
#include <stdio.h>
#include <string.h>

#include "people/import_cmd.h"
#include "people/inspect_cmd.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "inspect"))
        return vtdemu_cmd_inspect(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "import-qemu-log"))
        return vtdemu_cmd_import_qemu_log(argc - 1, argv + 1);
    fprintf(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
            "usage: vtdemu-people inspect|import-qemu-log [--help] ...\n");
    return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
