/* SPDX-License-Identifier: MIT */
/*
 * vtd/intremap.h: interrupt remapping (VT-d chapter 5, 9.9, 9.10) and the
 * interrupt entry cache (VT-d 6.4 / 6.5.2.8).
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

struct vtd_ir_state {
    _Atomic uint64_t irta;   /* IRTA as latched by GCMD.SIRTP */
    _Atomic bool enabled;    /* GSTS.IRES */
    _Atomic bool cfi;        /* GSTS.CFIS */
    void *iec;               /* interrupt entry cache, owned by intremap.c */
    /* The cache when the hit path may use it (cache=hardware, no trace
     * callback: the hit path emits no events), else NULL. */
    void *fast_iec;
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
 * the IEC descriptor's IIDX/IM define it, VT-d 6.5.2.8). */
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
/* Tests: what the hit path has for a valid slot, -1 when empty: 0 none
 * (the generic path decides), 1 a remapped result, 2 a posted one. */
int vtd_ir_iec_kind_(struct vtd_iommu *u, unsigned slot);
/* Empty the cache, then install entries (at most one per slot). */
void vtd_ir_iec_load_begin_(struct vtd_iommu *u);
void vtd_ir_iec_put_(struct vtd_iommu *u, uint32_t index, uint64_t q0,
                     uint64_t q1);

#endif
