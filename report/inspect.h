/* SPDX-License-Identifier: MIT */
/*
 * report/inspect.h: render the state of VT-d units for people and scripts.
 *
 * The renderers read registers through the public API (vtd_mmio_read) and
 * guest memory through the caller's read callback, and append text to a
 * GString.  They never write guest memory or registers with side effects.
 * Every walk is bounded (a budget of entries visited, tables read once per
 * node for pictures): hostile or cyclic tables give truncated output with a
 * note, never a crash or an endless loop.
 *
 * Formats:
 *  - text: decoded registers (CAP/ECAP via vtd_describe_caps()), pending
 *    faults in Linux's words, root/context/PASID tables (present entries),
 *    per device the mappings coalesced into ranges, the IRT decoded;
 *  - json: the same data for scripts;
 *  - dot: Graphviz, root -> context -> PASID -> page tables, one node per
 *    table, present slots only, runs of similar slots collapsed;
 *  - debugfs: one of Linux's /sys/kernel/debug/iommu/intel files, byte for
 *    byte, in the layout of the chosen Linux version;
 *  - linux-dmesg: the pending fault records as Linux's dmar_fault() would
 *    print them now (FSTS line, then records from FSTS.FRI while F is set).
 *
 * Threading: the caller must keep the units and memory alive and not run
 * requests on them concurrently if it wants a consistent picture (the
 * renderer does not lock across reads).  Allocation: only the GString and
 * short-lived temporaries.
 */
#ifndef REPORT_INSPECT_H
#define REPORT_INSPECT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

#include "report/linuxfmt.h"

/* Guest-physical read: 0 or a negative errno (the shape of
 * vtd_host_ops.read). */
typedef int (*inspect_read_fn)(void *opaque, uint64_t gpa, void *buf,
                               size_t len);

struct inspect_unit {
    struct vtd_iommu *unit;
    uint64_t base;        /* register base address (headers only) */
};

struct inspect_src {
    const struct inspect_unit *units; /* named dmar0, dmar1, ... in order */
    size_t nunits;
    inspect_read_fn read;
    void *opaque;
};

enum inspect_format {
    INSPECT_TEXT = 0,
    INSPECT_JSON,
    INSPECT_DOT,
    INSPECT_DEBUGFS,
    INSPECT_DMESG,    /* pending faults as Linux's fault handler prints */
};

enum inspect_debugfs {
    DEBUGFS_IOMMU_REGSET = 0,
    DEBUGFS_DMAR_TRANSLATION_STRUCT,
    DEBUGFS_DOMAIN_TRANSLATION_STRUCT,
    DEBUGFS_IR_TRANSLATION_STRUCT,
    DEBUGFS_INVALIDATION_QUEUE,
};

struct inspect_opts {
    enum inspect_format format;
    enum inspect_debugfs file;   /* INSPECT_DEBUGFS */
    enum linux_ver linux_ver;    /* debugfs layouts and fault lines */
    bool has_dev;                /* only this requester (text, json, dot,
                                    domain_translation_struct) */
    uint16_t dev;
    uint32_t pasid;              /* VTD_NO_PASID: the request-without-PASID
                                    view (RID_PASID; Linux 6.7: PASID 0) */
    unsigned long budget;        /* entries a render may visit; 0: 4M */
};

/* Parse a --format value ("text", "json", "dot", "linux-dmesg",
 * "linux-debugfs:FILE").  Returns false for an unknown one. */
bool inspect_format_parse(const char *s, struct inspect_opts *o);

/* Default options: text, Linux 6.1, all devices, no PASID. */
void inspect_opts_init(struct inspect_opts *o);

/* Render src into out (appended).  Returns 0, or -EINVAL for NULL
 * arguments.  Guest-memory read failures are shown in the output
 * ("unreadable"), not returned. */
int inspect_render(const struct inspect_src *src,
                   const struct inspect_opts *o, GString *out);

#endif
