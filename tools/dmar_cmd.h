/* SPDX-License-Identifier: MIT */
/* tools/dmar_cmd.h: `vtdemu dmar ...`; argv[0] is "dmar", argv[1] the
 * subcommand (build, check, dump). */
#ifndef TOOLS_DMAR_CMD_H
#define TOOLS_DMAR_CMD_H

int vtdemu_cmd_dmar(int argc, char **argv);

#endif
