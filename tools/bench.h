/* SPDX-License-Identifier: MIT */
/* tools/bench.h: `vtdemu bench` (docs/bench.md). */
#ifndef TOOLS_BENCH_H
#define TOOLS_BENCH_H

/* argv[0] is "bench".  Returns the process exit status. */
int bench_main(int argc, char **argv);

#endif
