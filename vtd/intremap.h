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

struct vtd_ir_state {
    _Atomic uint64_t irta;   /* IRTA as latched by GCMD.SIRTP */
    _Atomic bool enabled;    /* GSTS.IRES */
    _Atomic bool cfi;        /* GSTS.CFIS */
    void *iec;               /* interrupt entry cache, owned by intremap.c */
};

/* Interrupt Remapping Table Address register (VT-d 11.4.9.x, IRTA_REG). */
FIELD(IRTA, S, 0, 4);        /* table holds 2^(S+1) entries */
FIELD(IRTA, EIME, 11, 1);    /* x2APIC mode (honoured with ECAP.EIM) */
FIELD(IRTA, ADDR, 12, 52);   /* 4 KiB aligned table base */

/* IRTE, low qword, both formats (VT-d 9.9, 9.10). */
FIELD(IRTE_LO, P, 0, 1);
FIELD(IRTE_LO, FPD, 1, 1);
FIELD(IRTE_LO, DM, 2, 1);
FIELD(IRTE_LO, RH, 3, 1);
FIELD(IRTE_LO, TM, 4, 1);
FIELD(IRTE_LO, DLM, 5, 3);
FIELD(IRTE_LO, AVAIL, 8, 4);
FIELD(IRTE_LO, URG, 14, 1);  /* posted format */
FIELD(IRTE_LO, IM, 15, 1);
FIELD(IRTE_LO, V, 16, 8);    /* vector (remapped) / virtual vector (posted) */
FIELD(IRTE_LO, DST, 32, 32); /* remapped: destination id */
FIELD(IRTE_LO, DST_X, 40, 8);/* remapped, xAPIC: APIC id[7:0] */
FIELD(IRTE_LO, PDAL, 38, 26);/* posted: descriptor address bits 31:6 */
/* IRTE, high qword. */
FIELD(IRTE_HI, SID, 0, 16);
FIELD(IRTE_HI, SQ, 16, 2);
FIELD(IRTE_HI, SVT, 18, 2);
FIELD(IRTE_HI, PDAH, 32, 32);/* posted: descriptor address bits 63:32 */

/* Reserved bits (VT-d 9.9): remapped low 14:12 and 31:24; xAPIC mode adds
 * 39:32 and 63:48; high qword 127:84. */
#define VTD_IRTE_REMAP_LO_RSVD   0x00000000ff007000ULL
#define VTD_IRTE_REMAP_LO_XAPIC  0xffff00ff00000000ULL
#define VTD_IRTE_REMAP_HI_RSVD   0xfffffffffff00000ULL
/* Posted (VT-d 9.10): low 7:2, 13:12, 37:24; high 95:84. */
#define VTD_IRTE_POST_LO_RSVD    0x0000003fff0030fcULL
#define VTD_IRTE_POST_HI_RSVD    0x00000000fff00000ULL

enum { VTD_SVT_NONE = 0, VTD_SVT_SID = 1, VTD_SVT_BUS = 2, VTD_SVT_RSVD = 3 };

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

#endif
