/* SPDX-License-Identifier: MIT */
/*
 * vtd/layout.h: every VT-d register offset and every field of the registers
 * and in-memory structures, named once (Intel VT-d Architecture
 * Specification rev. 5.10, chapters 5, 6, 9 and 11).
 *
 * The VT-d core, the trace tools, the renderers, the tests and embedders
 * all take their layouts from here.  Plain C11 (also valid C++17), no
 * dependency but <stdbool.h>/<stddef.h>/<stdint.h>.
 *
 * Fields.  VTD_FIELD(REG, NAME, shift, len) declares the constants
 * VTD_REG_NAME_SHIFT and VTD_REG_NAME_LEN and the mask VTD_REG_NAME_MASK;
 * read a field with VTD_FIELD_GET(v, REG, NAME) and write one with
 * VTD_FIELD_SET(&v, REG, NAME, x), which refuses (returns false, leaves v
 * unchanged) a value wider than the field instead of truncating it.
 *
 * Entries.  Guest-visible structures are arrays of little-endian qwords
 * (q[0] holds bits 63:0).  <vtd/entries.h> (included at the end) gives
 * each a decoded form (a struct of plain values, addresses in bytes) with
 * an encoder that refuses values that do not fit and a decoder that never
 * fails.
 */
#ifndef VTD_LAYOUT_H
#define VTD_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/api.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VTD_LAYOUT_UNUSED_ __attribute__((unused))
#else
#define VTD_LAYOUT_UNUSED_
#endif

/* ------------------------------------------------------------------ */
/* Field machinery (in the manner of QEMU's registerfields.h)          */
/* ------------------------------------------------------------------ */

/* Mask of len bits (1..64) starting at bit shift. */
static inline uint64_t vtd_field_mask(unsigned shift, unsigned len)
{
    return (len >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << len) - 1)) << shift;
}

/* True when x fits in len bits. */
static inline bool vtd_field_fits(uint64_t x, unsigned len)
{
    return len >= 64 || (x >> len) == 0;
}

static inline uint64_t vtd_field_get(uint64_t v, unsigned shift,
                                     unsigned len)
{
    return (v & vtd_field_mask(shift, len)) >> shift;
}

/* Store x in the field; false (and *v unchanged) when x is wider. */
static inline bool vtd_field_set(uint64_t *v, unsigned shift, unsigned len,
                                 uint64_t x)
{
    if (!vtd_field_fits(x, len))
        return false;
    *v = (*v & ~vtd_field_mask(shift, len)) | (x << shift);
    return true;
}

#define VTD_FIELD(reg, fld, shift, len)                                     \
    enum { VTD_##reg##_##fld##_SHIFT = (shift),                             \
           VTD_##reg##_##fld##_LEN = (len) };                               \
    static const uint64_t VTD_##reg##_##fld##_MASK VTD_LAYOUT_UNUSED_ =     \
        (~(uint64_t)0 >> (64 - (len))) << (shift)

#define VTD_FIELD_GET(v, reg, fld)                                          \
    vtd_field_get((v), VTD_##reg##_##fld##_SHIFT, VTD_##reg##_##fld##_LEN)
#define VTD_FIELD_SET(pv, reg, fld, x)                                      \
    vtd_field_set((pv), VTD_##reg##_##fld##_SHIFT,                          \
                  VTD_##reg##_##fld##_LEN, (x))

/* Encoder helpers: OR a field (or a byte address whose low bits must be
 * zero) into v, clearing *ok when it does not fit. */
static inline uint64_t vtd_put_(uint64_t v, unsigned shift, unsigned len,
                                uint64_t x, bool *ok)
{
    if (!vtd_field_fits(x, len)) {
        *ok = false;
        return v;
    }
    return v | (x << shift);
}

static inline uint64_t vtd_put_addr_(uint64_t v, unsigned shift,
                                     unsigned len, uint64_t addr, bool *ok)
{
    if (addr & ((((uint64_t)1) << shift) - 1)) {
        *ok = false;
        return v;
    }
    return vtd_put_(v, shift, len, addr >> shift, ok);
}

#define VTD_PUT_(v, reg, fld, x, ok)                                        \
    vtd_put_((v), VTD_##reg##_##fld##_SHIFT, VTD_##reg##_##fld##_LEN,       \
             (uint64_t)(x), (ok))
#define VTD_PUT_ADDR_(v, reg, fld, a, ok)                                   \
    vtd_put_addr_((v), VTD_##reg##_##fld##_SHIFT,                           \
                  VTD_##reg##_##fld##_LEN, (uint64_t)(a), (ok))
#define VTD_GET_ADDR_(v, reg, fld)                                          \
    ((v) & VTD_##reg##_##fld##_MASK)

/* Entries in guest memory are little-endian: load and store one qword
 * from bytes, on any host. */
static inline uint64_t vtd_ldq_le(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static inline void vtd_stq_le(void *p, uint64_t v)
{
    uint8_t *b = (uint8_t *)p;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* ------------------------------------------------------------------ */
/* Register offsets (VT-d 11.4, Table 57)                              */
/* ------------------------------------------------------------------ */

enum vtd_reg_off {
    VTD_REG_VER = 0x00,
    VTD_REG_CAP = 0x08,
    VTD_REG_ECAP = 0x10,
    VTD_REG_GCMD = 0x18,
    VTD_REG_GSTS = 0x1c,
    VTD_REG_RTADDR = 0x20,
    VTD_REG_CCMD = 0x28,
    VTD_REG_FSTS = 0x34,
    VTD_REG_FECTL = 0x38,
    VTD_REG_FEDATA = 0x3c,
    VTD_REG_FEADDR = 0x40,
    VTD_REG_FEUADDR = 0x44,
    VTD_REG_AFLOG = 0x58,
    VTD_REG_PMEN = 0x64,
    VTD_REG_PLMBASE = 0x68,
    VTD_REG_PLMLIMIT = 0x6c,
    VTD_REG_PHMBASE = 0x70,
    VTD_REG_PHMLIMIT = 0x78,
    VTD_REG_IQH = 0x80,
    VTD_REG_IQT = 0x88,
    VTD_REG_IQA = 0x90,
    VTD_REG_ICS = 0x9c,
    VTD_REG_IECTL = 0xa0,
    VTD_REG_IEDATA = 0xa4,
    VTD_REG_IEADDR = 0xa8,
    VTD_REG_IEUADDR = 0xac,
    VTD_REG_IQERCD = 0xb0,
    VTD_REG_IRTA = 0xb8,
    VTD_REG_PQH = 0xc0,
    VTD_REG_PQT = 0xc8,
    VTD_REG_PQA = 0xd0,
    VTD_REG_PRS = 0xdc,
    VTD_REG_PECTL = 0xe0,
    VTD_REG_PEDATA = 0xe4,
    VTD_REG_PEADDR = 0xe8,
    VTD_REG_PEUADDR = 0xec,
    /* Memory-type range registers (11.4.12; not modelled by vtdemu). */
    VTD_REG_MTRRCAP = 0x100,
    VTD_REG_MTRRDEF = 0x108,
    VTD_REG_MTRR_FIX64K_00000 = 0x120,
    VTD_REG_MTRR_FIX16K_80000 = 0x128,
    VTD_REG_MTRR_FIX16K_A0000 = 0x130,
    VTD_REG_MTRR_FIX4K_C0000 = 0x138,
    VTD_REG_MTRR_PHYSBASE0 = 0x180,   /* PHYSBASEn at 0x180 + 16n,
                                         PHYSMASKn at 0x188 + 16n */
    /* Virtual command registers (11.4.16.2; not modelled by vtdemu). */
    VTD_REG_VCMD = 0xe00,
    VTD_REG_VCRSP = 0xe10,
    VTD_REG_VCCAP = 0xe30,
};

/* The register at byte offset IRO*16 (IVA) and IRO*16 + 8 (IOTLB),
 * and the fault recording registers at FRO*16 + 16n (11.4.2, 11.4.3). */
#define VTD_REG_SIZE_FRCD 16u

/*
 * Register names, from the register table of the VT-d core (the same
 * table the unit's MMIO dispatch uses), for units with the given CAP and
 * ECAP: the fixed registers of Table 57 by their abbreviation without
 * "_REG" ("GCMD"), "IVA" and "IOTLB" at ECAP.IRO, and "FRCDn_LO" /
 * "FRCDn_HI" (n decimal, below CAP.NFR + 1) at CAP.FRO.
 *
 * vtd_reg_lookup: the offset and size (4 or 8) of the register called
 * name.  0, -EINVAL (a NULL argument) or -ENOENT (no such register).
 *
 * vtd_reg_name: the name of the register starting at byte offset off,
 * written to buf (NUL-terminated).  Returns its size (4 or 8), -EINVAL
 * (NULL buf), -ENOENT (no register starts at off) or -ERANGE (len too
 * small).
 *
 * Both are pure functions of their arguments: any thread, no unit needed.
 */
VTD_API int vtd_reg_lookup(const char *name, uint64_t cap, uint64_t ecap,
                           uint64_t *off, unsigned *size);
VTD_API int vtd_reg_name(uint64_t off, uint64_t cap, uint64_t ecap,
                         char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Register fields (VT-d 11.4)                                         */
/* ------------------------------------------------------------------ */

/* 11.4.1 Version */
VTD_FIELD(VER, MIN, 0, 4);
VTD_FIELD(VER, MAX, 4, 4);

/* 11.4.2 Capability.  Bits 3 (AFL in rev. 1-3, RsvdZ in rev. 5.10),
 * 15:13, 23 (deprecated), 38, 58:57 are not fields of rev. 5.10. */
VTD_FIELD(CAP, ND, 0, 3);
VTD_FIELD(CAP, AFL, 3, 1);        /* rev. <= 3 only; RsvdZ in 5.10 */
VTD_FIELD(CAP, RWBF, 4, 1);
VTD_FIELD(CAP, PLMR, 5, 1);
VTD_FIELD(CAP, PHMR, 6, 1);
VTD_FIELD(CAP, CM, 7, 1);
VTD_FIELD(CAP, SAGAW, 8, 5);
VTD_FIELD(CAP, MGAW, 16, 6);
VTD_FIELD(CAP, ZLR, 22, 1);
VTD_FIELD(CAP, FRO, 24, 10);
VTD_FIELD(CAP, SLLPS, 34, 4);     /* "SSLPS" in rev. 5.10 */
/* CAP.SLLPS bits: second-stage 2 MiB (level-2) and 1 GiB (level-3)
 * leaves; bits 3:2 reserved. */
enum { VTD_SLLPS_2M = 1u << 0, VTD_SLLPS_1G = 1u << 1 };
VTD_FIELD(CAP, PSI, 39, 1);
VTD_FIELD(CAP, NFR, 40, 8);
VTD_FIELD(CAP, MAMV, 48, 6);
VTD_FIELD(CAP, DWD, 54, 1);
VTD_FIELD(CAP, DRD, 55, 1);
VTD_FIELD(CAP, FS1GP, 56, 1);
VTD_FIELD(CAP, PI, 59, 1);
VTD_FIELD(CAP, FS5LP, 60, 1);
VTD_FIELD(CAP, ECMDS, 61, 1);
VTD_FIELD(CAP, ESIRTPS, 62, 1);
VTD_FIELD(CAP, ESRTPS, 63, 1);
/* CAP.SAGAW bits (11.4.2): bit n stands for the adjusted guest address
 * width of AW value n in context and PASID entries; bits 0 and 4 are
 * reserved. */
enum {
    VTD_SAGAW_39 = 1u << 1,                 /* 39-bit, 3-level */
    VTD_SAGAW_48 = 1u << 2,                 /* 48-bit, 4-level */
    VTD_SAGAW_57 = 1u << 3,                 /* 57-bit, 5-level */
    VTD_SAGAW_RSVD = (1u << 0) | (1u << 4),
};

/* 11.4.3 Extended capability.  Bits 5, 24, 28 deprecated; 18:19, 27,
 * 32, 54, 63 reserved. */
VTD_FIELD(ECAP, C, 0, 1);
VTD_FIELD(ECAP, QI, 1, 1);
VTD_FIELD(ECAP, DT, 2, 1);
VTD_FIELD(ECAP, IR, 3, 1);
VTD_FIELD(ECAP, EIM, 4, 1);
VTD_FIELD(ECAP, PT, 6, 1);
VTD_FIELD(ECAP, SC, 7, 1);
VTD_FIELD(ECAP, IRO, 8, 10);
VTD_FIELD(ECAP, MHMV, 20, 4);
VTD_FIELD(ECAP, MTS, 25, 1);
VTD_FIELD(ECAP, NEST, 26, 1);
VTD_FIELD(ECAP, PRS, 29, 1);
VTD_FIELD(ECAP, ERS, 30, 1);
VTD_FIELD(ECAP, SRS, 31, 1);
VTD_FIELD(ECAP, NWFS, 33, 1);
VTD_FIELD(ECAP, EAFS, 34, 1);
VTD_FIELD(ECAP, PSS, 35, 5);
VTD_FIELD(ECAP, PASID, 40, 1);
VTD_FIELD(ECAP, DIT, 41, 1);
VTD_FIELD(ECAP, PDS, 42, 1);
VTD_FIELD(ECAP, SMTS, 43, 1);
VTD_FIELD(ECAP, VCS, 44, 1);
VTD_FIELD(ECAP, SSADS, 45, 1);
VTD_FIELD(ECAP, SSTS, 46, 1);
VTD_FIELD(ECAP, FSTS, 47, 1);
VTD_FIELD(ECAP, SMPWCS, 48, 1);
VTD_FIELD(ECAP, RPS, 49, 1);
VTD_FIELD(ECAP, TDXCS, 50, 1);
VTD_FIELD(ECAP, PMS, 51, 1);
VTD_FIELD(ECAP, ADMS, 52, 1);
VTD_FIELD(ECAP, RPRIVS, 53, 1);
VTD_FIELD(ECAP, HPTS, 55, 1);
VTD_FIELD(ECAP, PTRS, 56, 1);
VTD_FIELD(ECAP, SSIRWS, 57, 1);
VTD_FIELD(ECAP, SMS, 58, 1);
VTD_FIELD(ECAP, HPT1GPS, 59, 1);
VTD_FIELD(ECAP, RDTS, 60, 1);
VTD_FIELD(ECAP, EIMER, 61, 1);
VTD_FIELD(ECAP, IRREQ, 62, 1);

/* 11.4.4.1 / 11.4.4.2 Global command and status (bits 29:28 were
 * SFL/EAFL and FLS/AFLS before rev. 5; RsvdZ now). */
#define VTD_GCMD_CFI (UINT32_C(1) << 23)
#define VTD_GCMD_SIRTP (UINT32_C(1) << 24)
#define VTD_GCMD_IRE (UINT32_C(1) << 25)
#define VTD_GCMD_QIE (UINT32_C(1) << 26)
#define VTD_GCMD_WBF (UINT32_C(1) << 27)
#define VTD_GCMD_EAFL (UINT32_C(1) << 28)
#define VTD_GCMD_SFL (UINT32_C(1) << 29)
#define VTD_GCMD_SRTP (UINT32_C(1) << 30)
#define VTD_GCMD_TE (UINT32_C(1) << 31)
#define VTD_GSTS_CFIS (UINT32_C(1) << 23)
#define VTD_GSTS_IRTPS (UINT32_C(1) << 24)
#define VTD_GSTS_IRES (UINT32_C(1) << 25)
#define VTD_GSTS_QIES (UINT32_C(1) << 26)
#define VTD_GSTS_WBFS (UINT32_C(1) << 27)
#define VTD_GSTS_AFLS (UINT32_C(1) << 28)
#define VTD_GSTS_FLS (UINT32_C(1) << 29)
#define VTD_GSTS_RTPS (UINT32_C(1) << 30)
#define VTD_GSTS_TES (UINT32_C(1) << 31)
/* 11.4.4.1: the one-shot command bits software masks off GSTS before
 * writing a command (SRTP, SFL, WBF, SIRTP). */
#define VTD_GCMD_ONESHOT_MASK UINT32_C(0x69000000)

/* 11.4.5 Root table address */
VTD_FIELD(RTADDR, TTM, 10, 2);
VTD_FIELD(RTADDR, RTA, 12, 52);
enum { VTD_TTM_LEGACY = 0, VTD_TTM_SCALABLE = 1, VTD_TTM_RSVD = 2,
       VTD_TTM_ABORT = 3 };

/* 11.4.6.1 Context command */
VTD_FIELD(CCMD, DID, 0, 16);
VTD_FIELD(CCMD, SID, 16, 16);
VTD_FIELD(CCMD, FM, 32, 2);
VTD_FIELD(CCMD, CAIG, 59, 2);
VTD_FIELD(CCMD, CIRG, 61, 2);
VTD_FIELD(CCMD, ICC, 63, 1);

/* 11.4.6.3 IOTLB invalidate and 11.4.6.4 invalidate address */
VTD_FIELD(IOTLB, DID, 32, 16);
VTD_FIELD(IOTLB, DW, 48, 1);
VTD_FIELD(IOTLB, DR, 49, 1);
VTD_FIELD(IOTLB, IAIG, 57, 2);
VTD_FIELD(IOTLB, IIRG, 60, 2);
VTD_FIELD(IOTLB, IVT, 63, 1);
VTD_FIELD(IVA, AM, 0, 6);
VTD_FIELD(IVA, IH, 6, 1);
VTD_FIELD(IVA, ADDR, 12, 52);
/* Invalidation granularities of CCMD.CIRG/CAIG and IOTLB.IIRG/IAIG. */
enum { VTD_GRAN_GLOBAL = 1, VTD_GRAN_DOMAIN = 2, VTD_GRAN_DEVICE = 3,
       VTD_GRAN_PAGE = 3 };

/* 11.4.7.1 Fault status */
VTD_FIELD(FSTS, PFO, 0, 1);
VTD_FIELD(FSTS, PPF, 1, 1);
VTD_FIELD(FSTS, IQE, 4, 1);
VTD_FIELD(FSTS, ICE, 5, 1);
VTD_FIELD(FSTS, ITE, 6, 1);
VTD_FIELD(FSTS, FRI, 8, 8);

/* 11.4.7.2 / 11.4.9.5 / 11.4.11.5: FECTL, IECTL and PECTL share this. */
VTD_FIELD(ECTL, IP, 30, 1);
VTD_FIELD(ECTL, IM, 31, 1);

/* 11.4.7.6 Fault recording, low qword (bits 63:0) and high qword (bit n
 * of the 128-bit register is bit n - 64 of the high qword). */
VTD_FIELD(FRCD_LO, FI, 12, 52);
/* Interrupt-remapping faults other than 20h, 25h and 29h-2Bh: FI 63:48
 * holds the interrupt_index, 47:12 are clear. */
VTD_FIELD(FRCD_LO, IIDX, 48, 16);
VTD_FIELD(FRCD_HI, SID, 0, 16);
VTD_FIELD(FRCD_HI, T2, 28, 1);
VTD_FIELD(FRCD_HI, PRIV, 29, 1);
VTD_FIELD(FRCD_HI, EXE, 30, 1);
VTD_FIELD(FRCD_HI, PP, 31, 1);
VTD_FIELD(FRCD_HI, FR, 32, 8);
VTD_FIELD(FRCD_HI, PV, 40, 20);
VTD_FIELD(FRCD_HI, AT, 60, 2);
VTD_FIELD(FRCD_HI, T1, 62, 1);
VTD_FIELD(FRCD_HI, F, 63, 1);

/* 11.4.8.1 Protected memory enable */
VTD_FIELD(PMEN, PRS, 0, 1);
VTD_FIELD(PMEN, EPM, 31, 1);

/* 11.4.9.1-3 Invalidation queue head, tail (QH/QT bits 18:4), address */
VTD_FIELD(IQ, PTR, 4, 15);
/* Bit 4 of IQT must be 0 with 256-bit descriptors (IQA.DW = 1). */
VTD_FIELD(IQ, PTR_ODD, 4, 1);
VTD_FIELD(IQA, QS, 0, 3);
VTD_FIELD(IQA, DW, 11, 1);
VTD_FIELD(IQA, IQA, 12, 52);

/* 11.4.9.4 Invalidation completion status */
VTD_FIELD(ICS, IWC, 0, 1);

/* 11.4.9.9 Invalidation queue error record */
VTD_FIELD(IQERCD, IQEI, 0, 4);
VTD_FIELD(IQERCD, ITESID, 32, 16);
VTD_FIELD(IQERCD, ICESID, 48, 16);
enum vtd_iqei {
    VTD_IQEI_NONE = 0,
    VTD_IQEI_TAIL = 1,        /* invalid tail pointer */
    VTD_IQEI_FETCH = 2,       /* descriptor fetch resulted in an error */
    VTD_IQEI_TYPE = 3,        /* invalid descriptor type */
    VTD_IQEI_RSVD = 4,        /* reserved field violation, valid type */
    VTD_IQEI_WIDTH = 5,       /* invalid descriptor width in IQA */
    VTD_IQEI_TAIL_ALIGN = 6,  /* DW=1 and IQT bit 4 set */
    VTD_IQEI_TTM = 7,         /* invalid RTADDR.TTM */
};

/* 11.4.10.1 Interrupt remapping table address */
VTD_FIELD(IRTA, S, 0, 4);         /* table holds 2^(S+1) entries */
VTD_FIELD(IRTA, EIME, 11, 1);     /* x2APIC mode (with ECAP.EIM) */
VTD_FIELD(IRTA, ADDR, 12, 52);

/* 11.4.11.1-4 Page request queue head, tail (bits 18:5, 32-byte
 * descriptors), address (PQA 63:12, PQS 2:0: 2^PQS 4 KiB pages holding
 * 2^(PQS+7) descriptors) and status (PPR 0, PRO 1, both RW1CS).  PECTL
 * (11.4.11.5) uses the ECTL fields; PEDATA/PEADDR/PEUADDR as FEDATA... */
VTD_FIELD(PQ, PTR, 5, 14);
VTD_FIELD(PQA, PQS, 0, 3);
VTD_FIELD(PQA, PQA, 12, 52);
VTD_FIELD(PRS, PPR, 0, 1);
VTD_FIELD(PRS, PRO, 1, 1);
#define VTD_PRQ_DESC_SIZE 32u

/* ------------------------------------------------------------------ */
/* Root and context entries (VT-d 9.1-9.4)                             */
/* ------------------------------------------------------------------ */

/* 3.4.1 Source-id (the PCI requester id): bus 15:8, device 7:3,
 * function 2:0.  The root table is indexed by the bus, a context table by
 * devfn (7:0). */
VTD_FIELD(SID, BUS, 8, 8);
VTD_FIELD(SID, DEVFN, 0, 8);
VTD_FIELD(SID, DEV, 3, 5);
VTD_FIELD(SID, FN, 0, 3);
/* A source-id printed as bus:device.function (bb:dd.f): the format
 * VTD_SID_FMT takes the three unsigned printf arguments VTD_SID_BDF(sid),
 * as in printf("device " VTD_SID_FMT "\n", VTD_SID_BDF(sid)). */
#define VTD_SID_FMT "%02x:%02x.%x"
#define VTD_SID_BDF(sid)                                                    \
    (unsigned)VTD_FIELD_GET((sid), SID, BUS),                               \
    (unsigned)VTD_FIELD_GET((sid), SID, DEV),                               \
    (unsigned)VTD_FIELD_GET((sid), SID, FN)
/* The source-id of a bus, device and function, each cut to its field.
 * A whole bus is vtd_sid_make(bus, 0, 0) to that | VTD_SID_DEVFN_MASK. */
static inline uint16_t vtd_sid_make(unsigned bus, unsigned dev, unsigned fn)
{
    return (uint16_t)(((uint64_t)bus << VTD_SID_BUS_SHIFT & VTD_SID_BUS_MASK) |
                      ((uint64_t)dev << VTD_SID_DEV_SHIFT & VTD_SID_DEV_MASK) |
                      ((uint64_t)fn << VTD_SID_FN_SHIFT & VTD_SID_FN_MASK));
}

/* Page sizes (3.6, 3.7): a 4 KiB page (the unit of every page frame
 * and address field: bits 63:12), and the large pages a level-2 (2 MiB)
 * and level-3 (1 GiB) leaf maps. */
#define VTD_PAGE_SHIFT 12
#define VTD_PAGE_4K (UINT64_C(1) << VTD_PAGE_SHIFT)
#define VTD_PAGE_2M (UINT64_C(1) << 21)
#define VTD_PAGE_1G (UINT64_C(1) << 30)
/* The 4 KiB page of an address: bits 63:12. */
#define VTD_PAGE_MASK (~(VTD_PAGE_4K - 1))

/* Entry sizes in bytes: root and context entries (9.1-9.3), scalable-mode
 * context entries (9.4), PASID-directory and PASID-table entries (9.5,
 * 9.6). */
#define VTD_RE_SIZE 16u
#define VTD_CE_SIZE 16u
#define VTD_SCE_SIZE 32u
#define VTD_PDE_SIZE 8u
#define VTD_PASID_ENTRY_SIZE 64u

/* 9.1 Root entry (128 bits; the upper qword is reserved). */
VTD_FIELD(RE, P, 0, 1);
VTD_FIELD(RE, RSVD, 1, 11);
VTD_FIELD(RE, CTP, 12, 52);

/* 9.2 Scalable-mode root entry: the same layout in each half, q[0] for
 * devfn 0-127 (LP, LCTP), q[1] for devfn 128-255 (UP, UCTP). */
VTD_FIELD(SRE, P, 0, 1);
VTD_FIELD(SRE, RSVD, 1, 11);
VTD_FIELD(SRE, CTP, 12, 52);
/* 9.2 / 9.4: in scalable mode devfn bit 7 picks the root entry's half (0:
 * lower, q[0]; 1: upper, q[1]) and devfn 6:0 the entry in that half's
 * scalable-mode context table (128 entries of VTD_SCE_SIZE bytes). */
VTD_FIELD(SM_DEVFN, UPPER, 7, 1);
VTD_FIELD(SM_DEVFN, IDX, 0, 7);

/* 9.3 Context entry (legacy). */
VTD_FIELD(CE_LO, P, 0, 1);
VTD_FIELD(CE_LO, FPD, 1, 1);
VTD_FIELD(CE_LO, TT, 2, 2);
VTD_FIELD(CE_LO, RSVD, 4, 8);
VTD_FIELD(CE_LO, SSPTPTR, 12, 52);
VTD_FIELD(CE_HI, AW, 0, 3);
VTD_FIELD(CE_HI, IGN, 3, 4);
VTD_FIELD(CE_HI, RSVD7, 7, 1);
VTD_FIELD(CE_HI, DID, 8, 16);
VTD_FIELD(CE_HI, RSVD, 24, 40);
/* Translation types (9.3 TT). */
enum { VTD_TT_SS = 0, VTD_TT_DEVTLB = 1, VTD_TT_PT = 2, VTD_TT_RSVD = 3 };

/* 9.4 Scalable-mode context entry (256 bits, q[0..3]; q[2..3] reserved). */
VTD_FIELD(SCE0, P, 0, 1);
VTD_FIELD(SCE0, FPD, 1, 1);
VTD_FIELD(SCE0, DTE, 2, 1);
VTD_FIELD(SCE0, PASIDE, 3, 1);
VTD_FIELD(SCE0, PRE, 4, 1);
VTD_FIELD(SCE0, HPTE, 5, 1);
VTD_FIELD(SCE0, EPTR, 6, 1);
VTD_FIELD(SCE0, RSVD, 7, 2);
VTD_FIELD(SCE0, PDTS, 9, 3);
VTD_FIELD(SCE0, PDIR, 12, 52);
VTD_FIELD(SCE1, RID_PASID, 0, 20);
VTD_FIELD(SCE1, RID_PRIV, 20, 1);
VTD_FIELD(SCE1, RSVD, 21, 43);

/* ------------------------------------------------------------------ */
/* PASID directory and table entries (VT-d 9.5, 9.6)                   */
/* ------------------------------------------------------------------ */

/* 9.5: a PASID (20 bits) indexes the PASID directory with bits 19:6
 * and the PASID table that entry points to with bits 5:0. */
#define VTD_PASID_MAX 0xfffffu
VTD_FIELD(PASID, DIR, 6, 14);
VTD_FIELD(PASID, TBL, 0, 6);

VTD_FIELD(PDE, P, 0, 1);
VTD_FIELD(PDE, FPD, 1, 1);
VTD_FIELD(PDE, RSVD, 2, 10);
VTD_FIELD(PDE, PTBL, 12, 52);

/* PASID-table entry, 512 bits: q[0] PTE0, q[1] PTE1, q[2] PTE2, q[3..7]
 * reserved. */
VTD_FIELD(PTE0, P, 0, 1);
VTD_FIELD(PTE0, FPD, 1, 1);
VTD_FIELD(PTE0, AW, 2, 3);
VTD_FIELD(PTE0, RSVD5, 5, 1);
VTD_FIELD(PTE0, PGTT, 6, 3);
VTD_FIELD(PTE0, SSADE, 9, 1);
VTD_FIELD(PTE0, RSVD10, 10, 2);
VTD_FIELD(PTE0, SSPTPTR, 12, 52);
VTD_FIELD(PTE1, DID, 0, 16);
VTD_FIELD(PTE1, RSVD16, 16, 7);
VTD_FIELD(PTE1, PWSNP, 23, 1);
VTD_FIELD(PTE1, PGSNP, 24, 1);
VTD_FIELD(PTE1, CD, 25, 1);
VTD_FIELD(PTE1, EMTE, 26, 1);
VTD_FIELD(PTE1, RSVD27, 27, 5);
VTD_FIELD(PTE1, PAT, 32, 32);
VTD_FIELD(PTE2, SRE, 0, 1);
VTD_FIELD(PTE2, RSVD1, 1, 1);
VTD_FIELD(PTE2, FSPM, 2, 2);
VTD_FIELD(PTE2, WPE, 4, 1);
VTD_FIELD(PTE2, IGN, 5, 2);
VTD_FIELD(PTE2, EAFE, 7, 1);
VTD_FIELD(PTE2, RSVD8, 8, 4);
VTD_FIELD(PTE2, FSPTPTR, 12, 52);
/* PASID granular translation types (9.6 PGTT). */
enum {
    VTD_PGTT_FS = 1,     /* first stage only */
    VTD_PGTT_SS = 2,     /* second stage only */
    VTD_PGTT_NESTED = 3,
    VTD_PGTT_PT = 4,     /* pass-through */
};

/* ------------------------------------------------------------------ */
/* Paging entries (VT-d 9.7 first stage, 9.8 second stage)             */
/* ------------------------------------------------------------------ */

/* 9.8 Second-stage entry.  ADDR holds bits 51:12 (the unit limits it to
 * the host address width). */
VTD_FIELD(SSE, R, 0, 1);
VTD_FIELD(SSE, W, 1, 1);
VTD_FIELD(SSE, X, 2, 1);            /* execute (with ECAP.ERS); the unit
                                     grants no X from it */
VTD_FIELD(SSE, EMT, 3, 3);
VTD_FIELD(SSE, IPAT, 6, 1);
VTD_FIELD(SSE, PS, 7, 1);
VTD_FIELD(SSE, A, 8, 1);
VTD_FIELD(SSE, D, 9, 1);
VTD_FIELD(SSE, SNP, 11, 1);
VTD_FIELD(SSE, ADDR, 12, 40);
VTD_FIELD(SSE, IW, 62, 1);

/* 9.7 First-stage entry (x86-64 paging format).  Bits 63:52 are ignored
 * in every first-stage entry (rev. 5.10 Tables 34-40): there is no
 * execute-disable bit. */
VTD_FIELD(FSE, P, 0, 1);
VTD_FIELD(FSE, RW, 1, 1);
VTD_FIELD(FSE, US, 2, 1);
VTD_FIELD(FSE, PWT, 3, 1);
VTD_FIELD(FSE, PCD, 4, 1);
VTD_FIELD(FSE, A, 5, 1);
VTD_FIELD(FSE, D, 6, 1);
VTD_FIELD(FSE, PS, 7, 1);
VTD_FIELD(FSE, G, 8, 1);
VTD_FIELD(FSE, EA, 10, 1);
VTD_FIELD(FSE, ADDR, 12, 40);

/* ------------------------------------------------------------------ */
/* Interrupt remapping (VT-d 5.1, 9.9, 9.10, 9.11)                     */
/* ------------------------------------------------------------------ */

/* IRTE low qword, both formats. */
VTD_FIELD(IRTE_LO, P, 0, 1);
VTD_FIELD(IRTE_LO, FPD, 1, 1);
VTD_FIELD(IRTE_LO, DM, 2, 1);
VTD_FIELD(IRTE_LO, RH, 3, 1);
VTD_FIELD(IRTE_LO, TM, 4, 1);
VTD_FIELD(IRTE_LO, DLM, 5, 3);
VTD_FIELD(IRTE_LO, AVAIL, 8, 4);
VTD_FIELD(IRTE_LO, URG, 14, 1);    /* posted format */
VTD_FIELD(IRTE_LO, IM, 15, 1);     /* 0 remapped, 1 posted */
VTD_FIELD(IRTE_LO, V, 16, 8);      /* vector / virtual vector */
VTD_FIELD(IRTE_LO, DST, 32, 32);   /* remapped: destination id */
VTD_FIELD(IRTE_LO, DST_X, 40, 8);  /* remapped, xAPIC: APIC id 7:0 */
VTD_FIELD(IRTE_LO, PDAL, 38, 26);  /* posted: descriptor address 31:6 */
/* IRTE high qword. */
VTD_FIELD(IRTE_HI, SID, 0, 16);
VTD_FIELD(IRTE_HI, SQ, 16, 2);
VTD_FIELD(IRTE_HI, SVT, 18, 2);
VTD_FIELD(IRTE_HI, PDAH, 32, 32);  /* posted: descriptor address 63:32 */
/* Reserved bits (9.9): remapped low 14:12 and 31:24; xAPIC mode adds
 * 39:32 and 63:48; high qword 127:84.  Posted (9.10): low 7:2, 13:12,
 * 37:24; high 95:84. */
#define VTD_IRTE_REMAP_LO_RSVD   UINT64_C(0x00000000ff007000)
#define VTD_IRTE_REMAP_LO_XAPIC  UINT64_C(0xffff00ff00000000)
#define VTD_IRTE_REMAP_HI_RSVD   UINT64_C(0xfffffffffff00000)
#define VTD_IRTE_POST_LO_RSVD    UINT64_C(0x0000003fff0030fc)
#define VTD_IRTE_POST_HI_RSVD    UINT64_C(0x00000000fff00000)
enum { VTD_SVT_NONE = 0, VTD_SVT_SID = 1, VTD_SVT_BUS = 2, VTD_SVT_RSVD = 3 };
#define VTD_IRTE_SIZE 16u

/* 9.11 Posted-interrupt descriptor, 64 bytes: q[0..3] PIR 255:0, q[4]
 * the control fields, q[5..7] reserved. */
#define VTD_PID_SIZE 64u
#define VTD_PID_CTL_QW 4u
VTD_FIELD(PID_CTL, ON, 0, 1);      /* bit 256 */
VTD_FIELD(PID_CTL, SN, 1, 1);      /* bit 257 */
VTD_FIELD(PID_CTL, NV, 16, 8);     /* bits 279:272 */
VTD_FIELD(PID_CTL, NDST, 32, 32);  /* bits 319:288 */
VTD_FIELD(PID_CTL, NDST_X, 40, 8); /* xAPIC: bits 303:296 = APIC id */
/* Reserved: 271:258 and 287:280; in xAPIC mode also 295:288, 319:304. */
#define VTD_PID_CTL_RSVD       UINT64_C(0x00000000ff00fffc)
#define VTD_PID_CTL_RSVD_XAPIC UINT64_C(0xffff00ff00000000)

/* 3.15 / 5.1: the interrupt address range 0xFEE0_0000 - 0xFEEF_FFFF.  A
 * DWORD write there is an interrupt request (5.1), never memory: DMA
 * whose output address falls in it is blocked when translation is on
 * (Table 30 LGN.4, SGN.8). */
#define VTD_INTR_ADDR_LO UINT64_C(0xfee00000)
#define VTD_INTR_ADDR_HI UINT64_C(0xfeefffff)

static inline bool vtd_intr_addr(uint64_t a)
{
    return a >= VTD_INTR_ADDR_LO && a <= VTD_INTR_ADDR_HI;
}

/* 5.1.2.2 Remappable-format MSI address (Table 13) and data (Table 14).
 * Address bits 31:20 are 0xFEE; handle 14:0 in bits 19:5, handle 15 in
 * bit 2, SHV bit 3, interrupt format (1 = remappable) bit 4. */
#define VTD_MSI_ADDR_BASE VTD_INTR_ADDR_LO
VTD_FIELD(MSI_ADDR, HANDLE_HI, 2, 1);
VTD_FIELD(MSI_ADDR, SHV, 3, 1);
VTD_FIELD(MSI_ADDR, IF, 4, 1);
VTD_FIELD(MSI_ADDR, HANDLE_LO, 5, 15);
VTD_FIELD(MSI_ADDR, FEE, 20, 12);
VTD_FIELD(MSI_DATA, SUBHANDLE, 0, 16);
VTD_FIELD(MSI_DATA, RSVD, 16, 16);   /* reserved (0) when SHV = 1 */
/* 5.1.2.1 Compatibility-format interrupt request (Figure 5-1; interrupt
 * format, address bit 4, clear): address destination id 19:12,
 * redirection hint 3, destination mode 2; data vector 7:0, delivery mode
 * 10:8, trigger mode level 14, trigger mode 15. */
VTD_FIELD(MSI_ADDR, DEST, 12, 8);
VTD_FIELD(MSI_ADDR, RH, 3, 1);
VTD_FIELD(MSI_ADDR, DM, 2, 1);
VTD_FIELD(MSI_DATA, VECTOR, 0, 8);
VTD_FIELD(MSI_DATA, DLM, 8, 3);
VTD_FIELD(MSI_DATA, TML, 14, 1);
VTD_FIELD(MSI_DATA, TM, 15, 1);

/* ------------------------------------------------------------------ */
/* Invalidation descriptors (VT-d 6.5.2)                               */
/* ------------------------------------------------------------------ */

/* Type: bits 3:0 and 11:9 (type[6:4]) of the low qword. */
enum vtd_inv_type {
    VTD_INV_CC = 0x1,        /* context-cache           6.5.2.1 */
    VTD_INV_IOTLB = 0x2,     /* IOTLB                   6.5.2.3 */
    VTD_INV_DEVTLB = 0x3,    /* device-TLB              6.5.2.5 */
    VTD_INV_IEC = 0x4,       /* interrupt entry cache   6.5.2.8 */
    VTD_INV_WAIT = 0x5,      /* invalidation wait       6.5.2.9 */
    VTD_INV_PIOTLB = 0x6,    /* PASID-based IOTLB       6.5.2.4 */
    VTD_INV_PC = 0x7,        /* PASID-cache             6.5.2.2 */
    VTD_INV_PDEVTLB = 0x8,   /* PASID-based device-TLB  6.5.2.6 */
    VTD_INV_PGRP_RESP = 0x9, /* page group response     7.6     */
    VTD_INV_HPT = 0xa,       /* HPT cache               6.5.2.7 */
};
VTD_FIELD(QD, TYPE_LO, 0, 4);
VTD_FIELD(QD, G, 4, 2);
VTD_FIELD(QD, TYPE_HI, 9, 3);
VTD_FIELD(QD, DID, 16, 16);
VTD_FIELD(QD, PASID, 32, 20);      /* PASID-based descriptors */
/* Context-cache (6.5.2.1) */
VTD_FIELD(QD_CC, SID, 32, 16);
VTD_FIELD(QD_CC, FM, 48, 2);
/* IOTLB (6.5.2.3) */
VTD_FIELD(QD_IOTLB, DW, 6, 1);
VTD_FIELD(QD_IOTLB, DR, 7, 1);
/* High qword of IOTLB and PASID-based IOTLB: AM 69:64, IH 70, ADDR
 * 127:76. */
VTD_FIELD(QD_HI, AM, 0, 6);
VTD_FIELD(QD_HI, IH, 6, 1);
VTD_FIELD(QD_HI, ADDR, 12, 52);
/* Device-TLB (6.5.2.5): PFSID 15:12 and 63:52, MIP 20:16 (max
 * invalidations pending), SID 47:32; high qword S 64, ADDR 127:76. */
VTD_FIELD(QD_DEV, PFSID_LO, 12, 4);
VTD_FIELD(QD_DEV, MIP, 16, 5);
VTD_FIELD(QD_DEV, SID, 32, 16);
VTD_FIELD(QD_DEV, PFSID_HI, 52, 12);
VTD_FIELD(QD_DEV_HI, S, 0, 1);
VTD_FIELD(QD_DEV_HI, ADDR, 12, 52);
/* PASID-based device-TLB (6.5.2.6): PFSID 15:12 and 63:52, SID 31:16,
 * PASID 51:32; high qword G 64, S 75, ADDR 127:76. */
VTD_FIELD(QD_PDEV, SID, 16, 16);
VTD_FIELD(QD_PDEV, MIP, 4, 5);        /* Max Invs Pend (Figure 6-6) */
VTD_FIELD(QD_PDEV_HI, G, 0, 1);
VTD_FIELD(QD_PDEV_HI, S, 11, 1);
/* Interrupt entry cache (6.5.2.8): G 4 (0 global, 1 index-selective),
 * IM 31:27, IIDX 47:32. */
VTD_FIELD(QD_IEC, G, 4, 1);
VTD_FIELD(QD_IEC, IM, 27, 5);
VTD_FIELD(QD_IEC, IIDX, 32, 16);
/* Invalidation wait (6.5.2.9): IF 4, SW 5, FN 6, PD 7, status data
 * 63:32; high qword status address 127:66. */
VTD_FIELD(QD_WAIT, IF, 4, 1);
VTD_FIELD(QD_WAIT, SW, 5, 1);
VTD_FIELD(QD_WAIT, FN, 6, 1);
VTD_FIELD(QD_WAIT, PD, 7, 1);
VTD_FIELD(QD_WAIT, DATA, 32, 32);
VTD_FIELD(QD_WAIT_HI, ADDR, 2, 62);
/* Reserved bits of each descriptor (6.5.2.1-6.5.2.9, Figures 6-1 to
 * 6-9): RSVD0 the low qword, RSVD1 the high one.  Bits 255:128 of a
 * 256-bit slot are reserved for every type (6.5.2). */
/* Context-cache: 8:6, 15:12, 63:50; high qword all. */
#define VTD_QD_CC_RSVD0      UINT64_C(0xfffc00000000f1c0)
#define VTD_QD_CC_RSVD1      UINT64_C(0xffffffffffffffff)
/* IOTLB: 8, 15:12, 63:32; high 75:71. */
#define VTD_QD_IOTLB_RSVD0   UINT64_C(0xffffffff0000f100)
#define VTD_QD_IOTLB_RSVD1   UINT64_C(0x0000000000000f80)
/* Device-TLB: 8:4, 31:21, 51:48; high 75:65.  PFSID (15:12, 63:52) is
 * reserved too without ECAP.DIT: VTD_QD_DEV_PFSID_RSVD. */
#define VTD_QD_DEVTLB_RSVD0  UINT64_C(0x000f0000ffe001f0)
#define VTD_QD_DEVTLB_RSVD1  UINT64_C(0x0000000000000ffe)
#define VTD_QD_DEV_PFSID_RSVD UINT64_C(0xfff000000000f000)
/* Interrupt entry cache: 8:5, 26:12, 63:48; high qword all. */
#define VTD_QD_IEC_RSVD0     UINT64_C(0xffff000007fff1e0)
#define VTD_QD_IEC_RSVD1     UINT64_C(0xffffffffffffffff)
/* Invalidation wait: 8, 31:12 (PD, bit 7, without ECAP.PDS); high 65:64. */
#define VTD_QD_WAIT_RSVD0    UINT64_C(0x00000000fffff100)
#define VTD_QD_WAIT_RSVD1    UINT64_C(0x0000000000000003)
/* PASID-based IOTLB: 8:6, 15:12, 63:52; high 75:71. */
#define VTD_QD_PIOTLB_RSVD0  UINT64_C(0xfff000000000f1c0)
#define VTD_QD_PIOTLB_RSVD1  UINT64_C(0x0000000000000f80)
/* PASID-cache: 8:6, 15:12, 63:52; high qword all. */
#define VTD_QD_PC_RSVD0      UINT64_C(0xfff000000000f1c0)
#define VTD_QD_PC_RSVD1      UINT64_C(0xffffffffffffffff)
/* PASID-based device-TLB: low qword only PFSID without ECAP.DIT; high
 * 74:65. */
#define VTD_QD_PDEVTLB_RSVD0 UINT64_C(0x0000000000000000)
#define VTD_QD_PDEVTLB_RSVD1 UINT64_C(0x00000000000007fe)
/* Page group response (7.6.1, Figure 7-2; 256-bit only): PP 4, RC
 * 15:12, RID 31:16, PASID 51:32; high qword bit 66 ignored (was LPIG),
 * PRGI 75:67; bits 8:5, 63:52, 65:64, 127:76 and 255:128 RsvdZ. */
VTD_FIELD(QD_PGRP, PP, 4, 1);
VTD_FIELD(QD_PGRP, RC, 12, 4);
VTD_FIELD(QD_PGRP, RID, 16, 16);
VTD_FIELD(QD_PGRP, PASID, 32, 20);
VTD_FIELD(QD_PGRP_HI, IGN, 2, 1);
VTD_FIELD(QD_PGRP_HI, PRGI, 3, 9);
#define VTD_QD_PGRP_RSVD0    UINT64_C(0xfff00000000001e0)
#define VTD_QD_PGRP_RSVD1    UINT64_C(0xfffffffffffff003)
/* Response codes (7.6.1 Table 32; PCIe ATS Page Request Group Response):
 * 2h-Eh reserved. */
enum vtd_prg_rc {
    VTD_PRG_RC_SUCCESS = 0x0,
    VTD_PRG_RC_INVALID_REQUEST = 0x1,
    VTD_PRG_RC_RESPONSE_FAILURE = 0xf,
};

/* ------------------------------------------------------------------ */
/* Page request descriptor (VT-d 7.4.1.1, Figure 7-1; 256 bits)       */
/* ------------------------------------------------------------------ */

/* Written by the unit into the page request queue.  q[0]: type 7:0
 * (01h), PP 8, RID 31:16, PASID 51:32, EXR 52, PMR 53; q[1]: RDR 64,
 * WRR 65, LPIG 66, PRGI 75:67, ADDR 127:76 (page address 63:12); bits
 * 15:9, 63:54 and 255:128 RsvdZ (rev. 5.10 has no private data). */
VTD_FIELD(PRQ_LO, TYPE, 0, 8);
VTD_FIELD(PRQ_LO, PP, 8, 1);
VTD_FIELD(PRQ_LO, RID, 16, 16);
VTD_FIELD(PRQ_LO, PASID, 32, 20);
VTD_FIELD(PRQ_LO, EXR, 52, 1);
VTD_FIELD(PRQ_LO, PMR, 53, 1);
VTD_FIELD(PRQ_HI, RDR, 0, 1);
VTD_FIELD(PRQ_HI, WRR, 1, 1);
VTD_FIELD(PRQ_HI, LPIG, 2, 1);
VTD_FIELD(PRQ_HI, PRGI, 3, 9);
VTD_FIELD(PRQ_HI, ADDR, 12, 52);
#define VTD_PRQ_TYPE_PAGE_REQ 0x01u

/* Granularities (G) of the descriptors. */
enum {
    VTD_QD_CC_GLOBAL = 1, VTD_QD_CC_DOMAIN = 2, VTD_QD_CC_DEVICE = 3,
    VTD_QD_IOTLB_GLOBAL = 1, VTD_QD_IOTLB_DOMAIN = 2, VTD_QD_IOTLB_PAGE = 3,
    VTD_QD_PIOTLB_PASID = 2, VTD_QD_PIOTLB_PAGE = 3,   /* 0 DID-wide */
    VTD_QD_PC_DOMAIN = 0, VTD_QD_PC_PASID = 1, VTD_QD_PC_GLOBAL = 3,
};

#ifdef __cplusplus
}
#endif

/* The encoders and decoders of every entry (root, context, PASID, paging,
 * IRTE, posted descriptor, MSI, invalidation descriptors). */
#include <vtd/entries.h>

#endif /* VTD_LAYOUT_H */
