/* SPDX-License-Identifier: MIT */
/*
 * vtd/intremap.h: interrupt remapping (VT-d chapter 5, 9.9, 9.10) and the
 * interrupt entry cache (VT-d 6.2.6 / 6.5.2.7).
 *
 * Threading: vtd_interrupt() runs on any thread without u->lock except to
 * record a fault.  The latched IRTA and the enable bits are atomics; the
 * interrupt entry cache is a direct-mapped array of seqlocked slots whose
 * read path takes no lock and allocates nothing.
 */
#ifndef VTD_INTREMAP_H
#define VTD_INTREMAP_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

/* Rule hits counted on the interrupt-entry-cache hit path and in
 * posting (vtd/irqcount.h): per thread, in the thread's counter shard,
 * with a relaxed load and store instead of a locked add on a line every
 * thread shares.  vtd_rule_hits() adds them to the unit's rule_hits. */
enum vtd_ir_hot {
    VTD_IRH_SUBHANDLE,      /* IR_SUBHANDLE */
    VTD_IRH_SVT_SID,        /* IR_SVT_SID */
    VTD_IRH_SVT_BUS,        /* IR_SVT_BUS */
    VTD_IRH_REMAP_XAPIC,    /* IR_REMAP_XAPIC */
    VTD_IRH_REMAP_X2APIC,   /* IR_REMAP_X2APIC */
    VTD_IRH_PI_NOTIFY,      /* PI_NOTIFY */
    VTD_IRH_PI_ON_SET,      /* PI_ON_SET */
    VTD_IRH_PI_SN_SUPPRESSED, /* PI_SN_SUPPRESSED */
    VTD_IRH_PI_SN_URGENT,   /* PI_SN_URGENT */
    VTD_IRH_PI_X2APIC,      /* PI_X2APIC */
    VTD_IRH_COUNT_
};

/* One thread's counters.  256 bytes apart, so that the used 80 bytes of
 * two shards never share a cache line whatever the unit's alignment
 * (malloc gives 16 bytes).  One shard per shard of internal.h's
 * struct vtd_shard (VTD_SHARDS, checked in intremap.c). */
#define VTD_IR_SHARDS 16
struct vtd_ir_shard {
    _Atomic uint64_t n[VTD_IRH_COUNT_];
    char pad[256 - 8 * VTD_IRH_COUNT_];
};

struct vtd_ir_state {
    _Atomic uint64_t irta;   /* IRTA as latched by GCMD.SIRTP */
    _Atomic bool enabled;    /* GSTS.IRES */
    _Atomic bool cfi;        /* GSTS.CFIS */
    void *iec;               /* interrupt entry cache, owned by intremap.c */
    /* The cache when the hit path may use it (cache=hardware, no trace
     * callback: the hit path emits no events), else NULL. */
    void *fast_iec;
    struct vtd_ir_shard shard[VTD_IR_SHARDS];
};

/* IRTA (11.4.10.1), IRTE (VT-d 9.9, 9.10) fields, reserved masks and the
 * VTD_SVT_* values: <vtd/layout.h>. */

int vtd_ir_init_(struct vtd_iommu *u);
void vtd_ir_free_(struct vtd_iommu *u);
void vtd_ir_reset_(struct vtd_iommu *u);
/* GCMD.SIRTP: latch IRTA (caller holds lock).  Flushes the interrupt entry
 * cache only when CAP.ESIRTPS is set (VT-d 6.7, 11.4.2). */
void vtd_ir_latch_irta_locked_(struct vtd_iommu *u);
/* Interrupt entry cache invalidation: global, or index-selective with
 * index mask im (2^im entries from index, index aligned down to 2^im as
 * the IEC descriptor's IIDX/IM define it, VT-d 6.5.2.7). */
void vtd_ir_inv_iec_(struct vtd_iommu *u, bool global, uint16_t index,
                     unsigned im);

/* Source-id verification of an IRTE's SVT/SQ/SID against a request
 * (VT-d 9.9).  Returns true when the request passes; a request without a
 * requester id (sid_valid false) is not verified.  SVT=11b is reserved;
 * callers report it as a reserved-field fault before this. */
bool vtd_ir_sid_ok_(uint64_t irte_hi, uint16_t sid, bool sid_valid);

/* Snapshot support (snapshot.c; nothing else runs on the unit): the
 * interrupt entry cache is direct-mapped, slot = index % slots. */
unsigned vtd_ir_iec_slots_(void);
/* True when the slot holds an entry of the current generation. */
bool vtd_ir_iec_get_(struct vtd_iommu *u, unsigned slot, uint32_t *index,
                     uint64_t *q0, uint64_t *q1);
/* Empty the cache, then install entries (at most one per slot). */
void vtd_ir_iec_load_begin_(struct vtd_iommu *u);
void vtd_ir_iec_put_(struct vtd_iommu *u, uint32_t index, uint64_t q0,
                     uint64_t q1);

#endif
