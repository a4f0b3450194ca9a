/* SPDX-License-Identifier: MIT */
/*
 * trace/replay.h: run a parsed trace against VT-d units and sparse
 * guest memory, checking every expectation.
 *
 * The engine prints nothing: results, explanations and errors go to the
 * caller's hooks.  One replay owns its units and memory; separate
 * replays may run on separate threads.
 */
#ifndef TRACE_REPLAY_H
#define TRACE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "trace/trace.h"

struct guestmem;

/* One checked expectation. */
struct replay_result {
    const char *file;
    unsigned line;
    const char *text;      /* the trace line, comment removed */
    const char *what;      /* "dma", "msi", "mmio read", "reg read",
                              "mem expect", "lint" */
    bool pass;
    const char *expected;  /* e.g. "fault reason=0x6 recorded=yes" */
    const char *actual;
};

struct replay_hooks {
    void *ctx;
    /* Called once per expectation, in trace order.  Optional. */
    void (*result)(void *ctx, const struct replay_result *r);
    /* With opts.explain: one line of explanation of the request on
     * file:line (several per request).  Optional. */
    void (*explain)(void *ctx, const char *file, unsigned line,
                    const char *text);
    /* Optional.  Called after each command with the units (in trace
     * order, with their register bases) and the guest memory, which stay
     * owned by the replay and valid only during the call (a caller may
     * read them and make MMIO reads; it must not free them).  Return false
     * to stop the replay there, as if the trace ended (replay_trace()
     * then returns 0). */
    bool (*state)(void *ctx, unsigned line, struct vtd_iommu *const *units,
                  const uint64_t *bases, size_t nunits,
                  struct guestmem *mem);
};

struct replay_opts {
    bool explain;          /* describe each DMA/MSI walk via hooks.explain */
    FILE *record;          /* non-NULL: write a replayable trace of what
                              happened (see record.h) */
    /* Non-NULL: vtd_rule_count() counters; the rule hits of every unit
     * of the trace are added to them when the replay ends (also after an
     * error: what ran is counted).  docs/coverage.md. */
    uint64_t *rule_hits;
};

struct replay_summary {
    unsigned long passed, failed;
};

/*
 * Replay t.  Adds to *sum (which the caller zeroes).  Returns 0 when the
 * trace ran to its end (expectations may have failed: see sum), or
 * -EINVAL when the trace could not be run (a unit rejected its CAP/ECAP,
 * an MMIO address outside every unit, a DMA no unit translates, an
 * unknown register for the unit, a recording write error): errbuf then
 * holds "file:line: message" and the rest of the trace is not run.
 * -ENOMEM is not returned (glib aborts on exhaustion).
 */
int replay_trace(const struct trace *t, const struct replay_opts *opts,
                 const struct replay_hooks *hooks, struct replay_summary *sum,
                 char *errbuf, size_t errlen);

/*
 * Run t's set-up and its commands on lines <= at_line (0: all) without
 * checking anything, and keep the machine (units, guest memory, CPUs,
 * IOAPICs) for inspection: the state `vtdemu inspect` and tests look at,
 * from the same engine as replay (every v2 command).  Returns 0 with *out
 * (free with replay_held_free()), or -EINVAL with "file:line: message" in
 * errbuf as replay_trace().
 */
struct replay_held;
struct apic_cpu_state;
int replay_trace_hold(const struct trace *t, unsigned at_line,
                      struct replay_held **out, char *errbuf, size_t errlen);
/* The units in trace order and their register bases (owned by h). */
size_t replay_held_units(const struct replay_held *h,
                         struct vtd_iommu *const **units,
                         const uint64_t **bases);
struct guestmem *replay_held_mem(const struct replay_held *h);
/* The line of the last command run (0: none). */
unsigned replay_held_last_line(const struct replay_held *h);
/* The local APIC of the CPU with this APIC id: 0, or -ENOENT. */
int replay_held_cpu(const struct replay_held *h, uint32_t apic_id,
                    struct apic_cpu_state *st);
void replay_held_free(struct replay_held *h);

/* Expand the command-line arguments: files are kept, directories are
 * searched recursively for *.vtdt files (sorted by path).  Returns a
 * NULL-terminated array to free with g_strfreev(), or NULL with a message
 * in errbuf when an argument does not exist. */
char **replay_collect_files(char *const *args, int nargs, char *errbuf,
                            size_t errlen);

#endif
