/* SPDX-License-Identifier: MIT */
/*
 * people/state.h: the machine state a trace leaves behind, for `inspect`.
 *
 * A small state-only runner over a parsed trace (platform/trace.h): it
 * creates the trace's units on sparse guest memory and applies its actions
 * (memory writes, register writes and reads, DMA and MSI requests, which
 * may record faults) up to a line, without checking expectations.
 * `vtdemu inspect` uses replay's state hook; this runner serves traces
 * with no command and tests that want the units after the run.
 *
 * Threading: one state per thread.
 */
#ifndef PEOPLE_STATE_H
#define PEOPLE_STATE_H

#include <stddef.h>

#include "mem/guestmem.h"
#include "people/inspect.h"
#include "platform/trace.h"

struct people_state {
    struct guestmem *mem;
    struct inspect_unit *units;   /* one per trace unit, in order */
    size_t nunits;
    unsigned last_line;           /* line of the last command applied */
};

/*
 * Run t's commands whose line is <= at_line (0: all).  On success *st
 * holds the units and memory (free with people_state_free()).  Errors:
 * -EINVAL with "file:line: message" in err (a unit rejected its CAP/ECAP,
 * an MMIO address outside every unit, a request no unit translates).
 */
int people_state_run(const struct trace *t, unsigned at_line,
                     struct people_state *st, char *err, size_t errlen);
void people_state_free(struct people_state *st);

/* The inspect source for a state (read callback on its memory). */
void people_state_src(const struct people_state *st,
                      struct inspect_src *src);

#endif
