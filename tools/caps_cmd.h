/* SPDX-License-Identifier: MIT */
/* tools/caps_cmd.h: `vtdemu caps ...`; argv[0] is "caps". */
#ifndef TOOLS_CAPS_CMD_H
#define TOOLS_CAPS_CMD_H

int vtdemu_cmd_caps(int argc, char **argv);

#endif
