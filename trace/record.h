/* SPDX-License-Identifier: MIT */
/*
 * trace/record.h: write what an embedding emulator does with a VT-d
 * unit as a replayable vtdtrace file.
 *
 * The caller reports its set-up (RAM, units), each request it makes
 * together with the outcome the unit gave, and forwards the unit's trace
 * events (struct vtd_host_ops.trace) and guest-memory writes.  The
 * recorder keeps a shadow of the guest memory the trace has described so
 * far: when the unit reads bytes that differ from it, a `mem write` line
 * giving them is written before the request that caused the read.  The
 * outcome of each request becomes its expectation, so replaying the
 * recorded file reproduces the run and checks it.
 *
 * Threading: one recorder must be driven from one thread at a time.
 * Every function returns 0 or -EIO when writing to the stream failed.
 */
#ifndef TRACE_RECORD_H
#define TRACE_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

#include <vtd/vtd.h>

struct trace_recorder;

/* Start a trace of the given format version on out (not closed by the
 * recorder).  Writes the header line. */
struct trace_recorder *trace_recorder_new(FILE *out, unsigned version);
void trace_recorder_free(struct trace_recorder *r);

/* Set-up, before the first request. */
int trace_recorder_ram(struct trace_recorder *r, uint64_t base,
                       uint64_t size);
/* A unit.  name NULL writes the version-1 `iommu` line; otherwise a
 * `unit NAME` line with scope (NULL: all SIDs).  extra is appended as is
 * (for example "cache=none lint=yes"), or NULL. */
int trace_recorder_unit(struct trace_recorder *r, const char *name,
                        uint64_t base, uint64_t cap, uint64_t ecap,
                        uint32_t ver, uint32_t haw, const char *scope,
                        const char *extra);

/* Feed every event of the unit's trace hook.  Only VTD_EV_MEM_READ is
 * used (the memory the unit read). */
void trace_recorder_event(struct trace_recorder *r,
                          const struct vtd_event *ev);
/* Feed every guest-memory write the unit makes (status writes, posted
 * descriptors, ...), so they are not mistaken for guest changes. */
void trace_recorder_unit_wrote(struct trace_recorder *r, uint64_t gpa,
                               const void *buf, size_t len);

/* Requests, after they were made, with what they returned. */
int trace_recorder_mmio_write(struct trace_recorder *r, uint64_t addr,
                              unsigned size, uint64_t val);
int trace_recorder_mmio_read(struct trace_recorder *r, uint64_t addr,
                             unsigned size, uint64_t val);
/* unit: the unit= name to write, or NULL.  stale: -1 no `stale=` key,
 * else whether the unit reported a stale cache hit (lint, v2). */
int trace_recorder_dma(struct trace_recorder *r, const char *unit,
                       const struct vtd_dma_req *req,
                       const struct vtd_xlate *out, int stale);
int trace_recorder_msi(struct trace_recorder *r, const char *unit,
                       const struct vtd_msi_req *req,
                       const struct vtd_irq *out, int stale);
/* Memory something other than the unit read (a CPU harvesting a
 * posted-interrupt descriptor, an expectation about to be written):
 * bytes that differ from what the recording has described become `mem
 * write` lines before the next line. */
void trace_recorder_read(struct trace_recorder *r, uint64_t gpa,
                         const void *buf, size_t len);
/* Any other line (v2 `cpu`, `ioapic`, `pid` set-up, actions and
 * expectations), formatted without its newline; pending `mem write`
 * lines go first (unless it is a set-up line, given before any). */
int trace_recorder_line(struct trace_recorder *r, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Guest memory as it is now (a `mem expect` line); bytes the recording
 * had not described are written first (trace_recorder_read). */
int trace_recorder_mem_expect(struct trace_recorder *r, uint64_t gpa,
                              const void *buf, size_t len);
/* A comment line. */
int trace_recorder_comment(struct trace_recorder *r, const char *text);

#endif
