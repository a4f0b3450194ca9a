/* SPDX-License-Identifier: MIT */
/*
 * tools/inspect_state.h: the machine state a trace leaves behind, for `inspect`.
 *
 * Runs a parsed trace (trace/trace.h) up to a line with the replay
 * engine (replay_trace_hold(): no second interpreter), without checking
 * expectations, and keeps the machine: every command has its effect,
 * including the v2 CPU and IOAPIC actions (an IOAPIC message the unit
 * blocks records its fault).  `vtdemu inspect` uses it; so do tests that
 * want the units after the run.
 *
 * Threading: one state per thread.
 */
#ifndef TOOLS_INSPECT_STATE_H
#define TOOLS_INSPECT_STATE_H

#include <stddef.h>

#include "mem/guestmem.h"
#include "report/inspect.h"
#include "trace/trace.h"

struct replay_held;

struct inspect_state {
    struct replay_held *held;     /* owns the units, memory and CPUs */
    struct guestmem *mem;
    struct inspect_unit *units;   /* one per trace unit, in order */
    size_t nunits;
    unsigned last_line;           /* line of the last command applied */
};

/*
 * Run t's commands whose line is <= at_line (0: all).  On success *st
 * holds the units and memory (free with inspect_state_free()).  Errors:
 * -EINVAL with "file:line: message" in err, as replay_trace() (a unit
 * rejected its CAP/ECAP, an MMIO address outside every unit and IOAPIC,
 * a request no unit translates).
 */
int inspect_state_run(const struct trace *t, unsigned at_line,
                     struct inspect_state *st, char *err, size_t errlen);
void inspect_state_free(struct inspect_state *st);

/* The inspect source for a state (read callback on its memory). */
void inspect_state_src(const struct inspect_state *st,
                      struct inspect_src *src);

#endif
