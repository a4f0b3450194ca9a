/* SPDX-License-Identifier: MIT */
/* tools/inspect_cmd.h: `vtdemu inspect` (see docs/tools.md). */
#ifndef TOOLS_INSPECT_CMD_H
#define TOOLS_INSPECT_CMD_H

/* argv[0] is the command name ("inspect").  Prints to stdout, diagnostics
 * to stderr.  Exit status: 0 rendered, 1 the trace could not be run up to
 * the line asked for, 2 usage or parse error.  --help prints the usage and
 * returns 0. */
int vtdemu_cmd_inspect(int argc, char **argv);

#endif
