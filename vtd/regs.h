/* SPDX-License-Identifier: MIT */
/*
 * vtd/regs.h: register file state (owned by regs.c) and the register-based
 * invalidation entry points (inval.c).
 */
#ifndef VTD_REGS_H
#define VTD_REGS_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;

/* One register as the table in regs.c describes it, with the masks
 * resolved against the unit's CAP/ECAP at creation. */
struct vtd_reg {
    unsigned off;        /* byte offset in the register window */
    unsigned size;       /* 4 or 8 (a 128-bit FRCD is two 8-byte halves) */
    const char *name;
    unsigned kind;       /* side-effect selector, enum in regs.c */
    unsigned index;      /* FRCD number for fault recording registers */
    uint64_t reset;
    uint64_t rw;         /* bits software may write */
    uint64_t w1c;        /* bits software clears by writing 1 */
};

/* Register storage: little-endian bytes plus the resolved register list
 * and a map from each dword of the window to its register. */
struct vtd_regs_state {
    uint8_t *val;        /* current contents, mmio_size bytes */
    struct vtd_reg *regs;
    unsigned nregs;
    int32_t *dword_map;  /* mmio_size / 4 entries: index in regs or -1 */
};

/* Register fields (VT-d 11.4).  FIELD() comes from internal.h, which
 * includes this header after defining it. */
FIELD(FSTS, PFO, 0, 1);
FIELD(FSTS, PPF, 1, 1);
FIELD(FSTS, IQE, 4, 1);
FIELD(FSTS, ICE, 5, 1);
FIELD(FSTS, ITE, 6, 1);
FIELD(FSTS, FRI, 8, 8);
/* FECTL, IECTL and PECTL share the layout (11.4.7.2, 11.4.9.5). */
FIELD(ECTL, IP, 30, 1);
FIELD(ECTL, IM, 31, 1);
FIELD(CCMD, DID, 0, 16);
FIELD(CCMD, SID, 16, 16);
FIELD(CCMD, FM, 32, 2);
FIELD(CCMD, CAIG, 59, 2);
FIELD(CCMD, CIRG, 61, 2);
FIELD(CCMD, ICC, 63, 1);
FIELD(IOTLB, DID, 32, 16);
FIELD(IOTLB, DW, 48, 1);
FIELD(IOTLB, DR, 49, 1);
FIELD(IOTLB, IAIG, 57, 2);
FIELD(IOTLB, IIRG, 60, 2);
FIELD(IOTLB, IVT, 63, 1);
FIELD(IVA, AM, 0, 6);
FIELD(IVA, IH, 6, 1);
FIELD(IVA, ADDR, 12, 52);
FIELD(IQA, QS, 0, 3);
FIELD(IQA, DW, 11, 1);
FIELD(IQA, IQA, 12, 52);
FIELD(IQ, PTR, 4, 15);          /* IQH.QH and IQT.QT, bits 18:4 */
FIELD(IQERCD, IQEI, 0, 4);
FIELD(IQERCD, ITESID, 32, 16);
FIELD(IQERCD, ICESID, 48, 16);
FIELD(ICS, IWC, 0, 1);
FIELD(PMEN, PRS, 0, 1);
FIELD(PMEN, EPM, 31, 1);
/* Upper 64 bits of a fault recording register (11.4.7.6), bit n of the
 * 128-bit register is bit n - 64 here. */
FIELD(FRCD_HI, SID, 0, 16);
FIELD(FRCD_HI, T2, 28, 1);
FIELD(FRCD_HI, PRIV, 29, 1);
FIELD(FRCD_HI, EXE, 30, 1);
FIELD(FRCD_HI, PP, 31, 1);
FIELD(FRCD_HI, FR, 32, 8);
FIELD(FRCD_HI, PV, 40, 20);
FIELD(FRCD_HI, AT, 60, 2);
FIELD(FRCD_HI, T1, 62, 1);
FIELD(FRCD_HI, F, 63, 1);

/* IQERCD.IQEI codes (VT-d 11.4.9.9). */
enum vtd_iqei {
    VTD_IQEI_NONE = 0,
    VTD_IQEI_TAIL = 1,        /* invalid tail pointer */
    VTD_IQEI_FETCH = 2,       /* descriptor fetch resulted in an error */
    VTD_IQEI_TYPE = 3,        /* invalid descriptor type (Table 26) */
    VTD_IQEI_RSVD = 4,        /* reserved field violation, valid type */
    VTD_IQEI_WIDTH = 5,       /* invalid descriptor width in IQA */
    VTD_IQEI_TAIL_ALIGN = 6,  /* DW=1 and IQT bit 4 set */
    VTD_IQEI_TTM = 7,         /* invalid RTADDR.TTM */
};

int vtd_regs_init_(struct vtd_iommu *u);
void vtd_regs_free_(struct vtd_iommu *u);
void vtd_regs_reset_(struct vtd_iommu *u);

/* The register covering byte offset off, or NULL (reserved space). */
const struct vtd_reg *vtd_reg_find_(const struct vtd_iommu *u, uint64_t off);

/* Raw accessors for hardware-side updates (no masks, no side effects).
 * Caller holds u->lock or is the only user (init).  off must lie inside
 * the register window (callers use the offsets of internal.h). */
uint32_t vtd_reg_get32_(const struct vtd_iommu *u, unsigned off);
uint64_t vtd_reg_get64_(const struct vtd_iommu *u, unsigned off);
void vtd_reg_set32_(struct vtd_iommu *u, unsigned off, uint32_t v);
void vtd_reg_set64_(struct vtd_iommu *u, unsigned off, uint64_t v);

/* Register-based invalidation (inval.c, VT-d 6.5.1, 11.4.6).  Called by
 * regs.c with u->lock held after software wrote the command byte. */
void vtd_inval_ccmd_written_locked_(struct vtd_iommu *u);
void vtd_inval_iotlb_written_locked_(struct vtd_iommu *u);

/* Domain-id width from CAP.ND (VT-d 11.4.2): 4 + 2 * ND bits. */
static inline uint16_t vtd_did_mask_(uint64_t cap)
{
    unsigned nd = (unsigned)(cap & 7);
    unsigned bits = nd > 6 ? 16 : 4 + 2 * nd;
    return (uint16_t)(bits >= 16 ? 0xffff : (1u << bits) - 1);
}

#endif
