/* SPDX-License-Identifier: MIT */
/*
 * trace/import_qemu.h: convert a QEMU log of vtd_* trace events into a
 * vtdtrace file (traces/FORMAT.md, version 1).
 *
 * Accepted line prefixes: none ("vtd_reg_write addr ..."), the log
 * backend's "TID@SEC.USEC:" and an ISO-8601 time stamp
 * ("2024-01-02T03:04:05.678901Z ").  Event argument formats are QEMU 7.2's
 * hw/i386/trace-events.
 *
 * What is reconstructed:
 *  - vtd_reg_write -> "mmio write BASE+ADDR SIZE VALUE";
 *  - vtd_inv_desc (+ vtd_inv_desc_wait_sw) after an IQT write -> the
 *    descriptors written into the queue slots before the IQT write, and
 *    "mem expect" for each wait descriptor's status write;
 *  - vtd_dmar_fault -> "dma SID read|write ADDR expect=fault reason=R";
 *  - vtd_dmar_translate -> "dma SID read|write IOVA expect=ok gpa=GPA",
 *    the direction taken from the IOTLB event of the same page (R bit:
 *    read, else W: write); without one the line is not reconstructed;
 *  - vtd_ir_remap_msi_req/vtd_ir_remap/vtd_ir_remap_msi -> "msi - ADDR
 *    DATA expect=remapped ..." or "expect=passthrough" (QEMU's events do
 *    not carry the requester id: "-" skips source-id verification);
 *    a request with no result event and a new fault record -> blocked.
 * What is not (a warning each, listed at the end of the output):
 *  - vtd_reg_read (no value in the event), translations whose direction
 *    is unknown, unknown vtd_* events, 256-bit descriptors (QEMU 7.2
 *    traces only 128 bits).
 * Guest memory (root, context, page tables, IRT) is not in a QEMU log: the
 * caller may give mem-write lines to copy (from a RAM dump trace).
 *
 * Pure function of its input; allocates only the GStrings it appends to.
 */
#ifndef TRACE_IMPORT_QEMU_H
#define TRACE_IMPORT_QEMU_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qemulog_opts {
    const char *name;      /* input name for comments and warnings */
    uint64_t base;         /* unit register base (QEMU logs offsets) */
    uint64_t cap, ecap;    /* the unit's CAP/ECAP (not in the log) */
    bool caps_given;       /* false: the defaults were assumed */
    const char *memory;    /* NULL, or text whose "mem write" lines are
                              copied before the actions */
    bool keep_duplicates;  /* keep repeated identical translations */
};

struct qemulog_stats {
    unsigned lines;        /* input lines */
    unsigned events;       /* vtd_* events recognised */
    unsigned actions;      /* trace lines written */
    unsigned informational;/* events implied by others (not written) */
    unsigned skipped;      /* events not reconstructed (warnings) */
    unsigned other;        /* lines that are not vtd_* events */
};

/* Defaults: base 0xfed90000, QEMU 7.2's CAP 0x00d2008c22260206 and ECAP
 * 0xf00f4a. */
void qemulog_opts_init(struct qemulog_opts *o);

/* Convert text (len bytes) into out (a complete vtdtrace file).  One
 * "name:line: message" line per warning is appended to warnings (may be
 * NULL).  Returns 0, or -EINVAL for NULL arguments.  Never fails on the
 * log's content. */
int qemulog_convert(const char *text, size_t len,
                    const struct qemulog_opts *o, GString *out,
                    GString *warnings, struct qemulog_stats *stats);

/* Strip a line's prefix; returns the event text ("vtd_...") or NULL when
 * the line is not a vtd_* event.  Exposed for tests. */
const char *qemulog_event_start(const char *line);

#endif
