/* SPDX-License-Identifier: MIT */
/*
 * trace/replay_int.h: the replay engine's state, shared by replay.c (set-up,
 * the command loop, mem/mmio/reg/dma/msi) and replay_machine.c (the v2
 * machine commands: CPUs, posted-interrupt descriptors, IOAPICs).  Private
 * to trace/.
 */
#ifndef TRACE_REPLAY_INT_H
#define TRACE_REPLAY_INT_H

#include <glib.h>

#include "machine/board.h"
#include "trace/replay.h"

/* A unit of the board with the trace line that declared it. */
struct unit_rt {
    const struct trace_unit *decl;
    struct vtd_iommu *u;
};

struct replay {
    const struct trace *t;
    const struct replay_opts *opts;
    const struct replay_hooks *hooks;
    struct replay_summary *sum;
    struct board *board;    /* the chipset: memory, units, CPUs, IOAPICs */
    struct guestmem *mem;   /* board_mem(board) */
    struct unit_rt *units;
    size_t nunits;
    struct trace_recorder *rec;
    const struct trace_cmd *cur;
    bool explaining;        /* inside a dma/msi with opts->explain */
    bool stale_seen;        /* VTD_EV_CACHE_STALE during this request */
    struct apic_sys *apics; /* board_apics(board): one per trace CPU */
    unsigned long delivered; /* messages CPUs accepted (for explain) */
    unsigned last_line;     /* line of the last command run */
    struct ats_rt *ats;     /* ATS endpoints (replay_ats.c), or NULL */
    GArray *presp;          /* page group responses not yet checked
                               (replay_prq.c), or NULL */
    char *err;
    size_t errlen;
};

/* file:line: message into the caller's buffer; returns -EINVAL. */
int rt_error_(struct replay *rp, const struct trace_cmd *c,
              const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* One expectation's verdict: counted, and passed to the hooks. */
void report_(struct replay *rp, const struct trace_cmd *c,
             const char *what, bool pass, const char *expected,
             const char *actual);
/* With --explain, the command line itself before its explanation. */
void explain_head_(struct replay *rp, const struct trace_cmd *c);
/* Index of the trace CPU with that APIC id, or UINT_MAX. */
unsigned cpu_index_(const struct replay *rp, uint32_t apic_id);
/* A v2 machine command (cpu, pid, ioapic lines). */
int do_machine_(struct replay *rp, const struct trace_cmd *c);
/* ATS (replay_ats.c): a command; the board's devtlb_inval observer;
 * answering the requests of endpoints that answer by themselves (after
 * every command); freeing. */
int do_ats_(struct replay *rp, const struct trace_cmd *c);
int ats_pump_(struct replay *rp);
/* After set-up: the machine's ATS policy and ATS devices (VT-d 8.5). */
int ats_machine_devices_(struct replay *rp);
void ats_free_(struct replay *rp);
/* Page requests (replay_prq.c): the lines and the board observer. */
int do_page_req_(struct replay *rp, const struct trace_cmd *c);
int do_page_resp_(struct replay *rp, const struct trace_cmd *c);
void obs_page_resp_(void *ctx, unsigned unit, const struct vtd_page_resp *r);
int do_prdev_(struct replay *rp, const struct trace_cmd *c);

#endif /* TRACE_REPLAY_INT_H */
