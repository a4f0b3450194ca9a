/* SPDX-License-Identifier: MIT */
/* tools/import_cmd.h: `vtdemu import-qemu-log` (see docs/tools.md). */
#ifndef TOOLS_IMPORT_CMD_H
#define TOOLS_IMPORT_CMD_H

/* argv[0] is the command name.  Writes the trace to stdout (or -o FILE),
 * one warning per event not reconstructed to stderr.  Exit status: 0
 * converted (warnings do not fail), 1 no vtd_* event found in the log,
 * 2 usage error or unreadable input.  --help: usage, exit 0. */
int vtdemu_cmd_import_qemu_log(int argc, char **argv);

#endif
