/* SPDX-License-Identifier: MIT */
/*
 * vtd/regs.c: the register file as data (VT-d 11.4), MMIO dispatch and the
 * global command register.
 *
 * Every register is one line of reg_table below: offset, size, name, reset
 * value, RW mask and RW1C mask, with a condition naming the CAP/ECAP bit
 * that must be present for the register to exist (otherwise it reads 0 and
 * ignores writes, the spec's "treated as RsvdZ").  The IOTLB/IVA pair at
 * ECAP.IRO and the fault recording registers at CAP.FRO are added at
 * creation.  Side effects (GCMD commands, command-register doorbells, RW1C
 * status re-evaluation) are the only code per register: see side_effect().
 */
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"
#include "prq.h"
#include "reentry.h"

/* Side-effect selectors. */
enum reg_kind {
    K_PLAIN = 0,
    K_VER,
    K_CAP,
    K_ECAP,
    K_GCMD,
    K_CCMD,
    K_FSTS,
    K_FECTL,
    K_PMEN,
    K_IQT,
    K_IQA,
    K_ICS,
    K_IECTL,
    K_IVA,
    K_IOTLB,
    K_FRCD_LO,
    K_FRCD_HI,
    K_PRS,
    K_PECTL,
};

/* Existence conditions (VT-d 11.4: "treated as RsvdZ by implementations
 * reporting X as not supported"). */
enum reg_cond {
    C_ALWAYS = 0,
    C_QI,      /* ECAP.QI */
    C_IR,      /* ECAP.IR */
    C_PRS,     /* ECAP.PRS */
    C_PMR,     /* CAP.PLMR or CAP.PHMR */
    C_PLMR,    /* CAP.PLMR */
    C_PHMR,    /* CAP.PHMR */
    C_AFL,     /* CAP.AFL (advanced fault logging, deprecated) */
};

struct reg_line {
    unsigned off, size;
    const char *name;
    enum reg_kind kind;
    enum reg_cond cond;
    uint64_t reset, rw, w1c;
};

#define ADDR_4K 0xfffffffffffff000ULL

/* VT-d 11.4, Table 57 and the per-register sections cited. */
static const struct reg_line reg_table[] = {
    /* 11.4.1: VER reads cfg.ver (default 1.0); 11.4.2/3: CAP, ECAP RO */
    { VTD_REG_VER, 4, "VER", K_VER, C_ALWAYS, 0, 0, 0 },
    { VTD_REG_CAP, 8, "CAP", K_CAP, C_ALWAYS, 0, 0, 0 },
    { VTD_REG_ECAP, 8, "ECAP", K_ECAP, C_ALWAYS, 0, 0, 0 },
    /* 11.4.4.1: GCMD is write-only; commands are side effects */
    { VTD_REG_GCMD, 4, "GCMD", K_GCMD, C_ALWAYS, 0, 0, 0 },
    /* 11.4.4.2: GSTS is read-only status */
    { VTD_REG_GSTS, 4, "GSTS", K_PLAIN, C_ALWAYS, 0, 0, 0 },
    /* 11.4.5: RTA 63:12, TTM 11:10 RW (invalid TTM values fault at use,
     * RTA.1.x); SSIRWE (bit 7) RsvdZ: SSIRWS not reported */
    { VTD_REG_RTADDR, 8, "RTADDR", K_PLAIN, C_ALWAYS, 0, ADDR_4K | 0xc00, 0 },
    /* 11.4.6.1: ICC, CIRG RW; CAIG RO; FM, SID WO; DID RW */
    { VTD_REG_CCMD, 8, "CCMD", K_CCMD, C_ALWAYS, 0,
      0xe0000003ffffffffULL, 0 },
    /* 11.4.7.1: PFO, IQE, ICE, ITE RW1CS; PPF, FRI ROS */
    { VTD_REG_FSTS, 4, "FSTS", K_FSTS, C_ALWAYS, 0, 0, 0x71 },
    /* 11.4.7.2: IM RW (reset 1), IP RO */
    { VTD_REG_FECTL, 4, "FECTL", K_FECTL, C_ALWAYS, 0x80000000, 0x80000000, 0 },
    /* 11.4.7.3-5 */
    { VTD_REG_FEDATA, 4, "FEDATA", K_PLAIN, C_ALWAYS, 0, 0xffff, 0 },
    { VTD_REG_FEADDR, 4, "FEADDR", K_PLAIN, C_ALWAYS, 0, 0xfffffffc, 0 },
    { VTD_REG_FEUADDR, 4, "FEUADDR", K_PLAIN, C_ALWAYS, 0, 0xffffffff, 0 },
    /* Advanced fault log (deprecated): FLA 63:12, FLS 11:9 */
    { VTD_REG_AFLOG, 8, "AFLOG", K_PLAIN, C_AFL, 0, ADDR_4K | 0xe00, 0 },
    /* 11.4.8.1: EPM RW, PRS RO (mirrors EPM once done) */
    { VTD_REG_PMEN, 4, "PMEN", K_PMEN, C_PMR, 0, 0x80000000, 0 },
    /* 11.4.8.2-5: N = 20 here (2 MiB granularity) */
    { VTD_REG_PLMBASE, 4, "PLMBASE", K_PLAIN, C_PLMR, 0, 0xffe00000, 0 },
    { VTD_REG_PLMLIMIT, 4, "PLMLIMIT", K_PLAIN, C_PLMR, 0, 0xffe00000, 0 },
    { VTD_REG_PHMBASE, 8, "PHMBASE", K_PLAIN, C_PHMR, 0, 0xffffffffffe00000ULL, 0 },
    { VTD_REG_PHMLIMIT, 8, "PHMLIMIT", K_PLAIN, C_PHMR, 0, 0xffffffffffe00000ULL, 0 },
    /* 11.4.9.1-9: queued invalidation */
    { VTD_REG_IQH, 8, "IQH", K_PLAIN, C_QI, 0, 0, 0 },
    { VTD_REG_IQT, 8, "IQT", K_IQT, C_QI, 0, 0x7fff0, 0 },
    { VTD_REG_IQA, 8, "IQA", K_IQA, C_QI, 0, ADDR_4K | 0x807, 0 },
    { VTD_REG_ICS, 4, "ICS", K_ICS, C_QI, 0, 0, 0x1 },
    { VTD_REG_IECTL, 4, "IECTL", K_IECTL, C_QI, 0x80000000, 0x80000000, 0 },
    { VTD_REG_IEDATA, 4, "IEDATA", K_PLAIN, C_QI, 0, 0xffff, 0 },
    { VTD_REG_IEADDR, 4, "IEADDR", K_PLAIN, C_QI, 0, 0xfffffffc, 0 },
    { VTD_REG_IEUADDR, 4, "IEUADDR", K_PLAIN, C_QI, 0, 0xffffffff, 0 },
    { VTD_REG_IQERCD, 8, "IQERCD", K_PLAIN, C_QI, 0, 0, 0 },
    /* 11.4.10: IRTA 63:12, EIME 11 (only with ECAP.EIM), S 3:0 */
    { VTD_REG_IRTA, 8, "IRTA", K_PLAIN, C_IR, 0, ADDR_4K | 0x80f, 0 },
    /* 11.4.11.1-8: page request queue */
    { VTD_REG_PQH, 8, "PQH", K_PLAIN, C_PRS, 0, 0x7ffe0, 0 },
    { VTD_REG_PQT, 8, "PQT", K_PLAIN, C_PRS, 0, 0x7ffe0, 0 },
    { VTD_REG_PQA, 8, "PQA", K_PLAIN, C_PRS, 0, ADDR_4K | 0x7, 0 },
    { VTD_REG_PRS, 4, "PRS", K_PRS, C_PRS, 0, 0, 0x3 },
    { VTD_REG_PECTL, 4, "PECTL", K_PECTL, C_PRS, 0x80000000, 0x80000000, 0 },
    { VTD_REG_PEDATA, 4, "PEDATA", K_PLAIN, C_PRS, 0, 0xffff, 0 },
    { VTD_REG_PEADDR, 4, "PEADDR", K_PLAIN, C_PRS, 0, 0xfffffffc, 0 },
    { VTD_REG_PEUADDR, 4, "PEUADDR", K_PLAIN, C_PRS, 0, 0xffffffff, 0 },
};

static bool cond_met(const struct vtd_iommu *u, enum reg_cond c)
{
    switch (c) {
    case C_ALWAYS:
        return true;
    case C_QI:
        return field_get(u->ecap, ECAP, QI);
    case C_IR:
        return field_get(u->ecap, ECAP, IR);
    case C_PRS:
        return field_get(u->ecap, ECAP, PRS);
    case C_PMR:
        return field_get(u->cap, CAP, PLMR) || field_get(u->cap, CAP, PHMR);
    case C_PLMR:
        return field_get(u->cap, CAP, PLMR);
    case C_PHMR:
        return field_get(u->cap, CAP, PHMR);
    case C_AFL:
        return field_get(u->cap, CAP, AFL);
    }
    return false;
}

static void add_reg(struct vtd_iommu *u, unsigned off, unsigned size,
                    const char *name, enum reg_kind kind, unsigned index,
                    uint64_t reset, uint64_t rw, uint64_t w1c)
{
    struct vtd_regs_state *s = &u->regs;
    struct vtd_reg *r = &s->regs[s->nregs];
    *r = (struct vtd_reg){ .off = off, .size = size, .name = name,
                           .kind = kind, .index = index, .reset = reset,
                           .rw = rw, .w1c = w1c };
    for (unsigned d = off / 4; d < (off + size) / 4; d++)
        s->dword_map[d] = (int32_t)s->nregs;
    s->nregs++;
}

int vtd_regs_init_(struct vtd_iommu *u)
{
    struct vtd_regs_state *s = &u->regs;
    size_t ndw = u->mmio_size / 4;
    size_t max = G_N_ELEMENTS(reg_table) + 2 + 2 * (size_t)u->nfr;

    s->val = g_try_malloc0(u->mmio_size);
    s->regs = g_try_new0(struct vtd_reg, max);
    s->dword_map = g_try_new(int32_t, ndw);
    if (!s->val || !s->regs || !s->dword_map) {
        vtd_regs_free_(u);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ndw; i++)
        s->dword_map[i] = -1;
    s->nregs = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(reg_table); i++) {
        const struct reg_line *l = &reg_table[i];
        uint64_t rw = l->rw, w1c = l->w1c, reset = l->reset;
        if (!cond_met(u, l->cond))
            rw = w1c = reset = 0;
        /* 11.4.10: EIME is RsvdZ without ECAP.EIM. */
        if (l->off == VTD_REG_IRTA && !field_get(u->ecap, ECAP, EIM))
            rw &= ~IRTA_EIME_MASK;
        add_reg(u, l->off, l->size, l->name, l->kind, 0, reset, rw, w1c);
    }
    /* 11.4.6.2-4: IVA at ECAP.IRO, IOTLB at +8.  IVA: ADDR 63:12, IH 6,
     * AM 5:0 (write-only; reads return what was written).  IOTLB: IVT,
     * IIRG, DR, DW, DID RW; IAIG RO; 31:0 RsvdP. */
    add_reg(u, u->iro, 8, "IVA", K_IVA, 0, 0, ADDR_4K | 0x7f, 0);
    add_reg(u, u->iro + 8, 8, "IOTLB", K_IOTLB, 0, 0,
            0xb003ffff00000000ULL, 0);
    /* 11.4.7.6: NFR 128-bit fault recording registers at CAP.FRO; all
     * fields ROS except F (bit 127), RW1CS. */
    for (unsigned i = 0; i < u->nfr; i++) {
        add_reg(u, u->fro + 16 * i, 8, "FRCD_LO", K_FRCD_LO, i, 0, 0, 0);
        add_reg(u, u->fro + 16 * i + 8, 8, "FRCD_HI", K_FRCD_HI, i, 0, 0,
                FRCD_HI_F_MASK);
    }
    return 0;
}

void vtd_regs_free_(struct vtd_iommu *u)
{
    g_free(u->regs.val);
    g_free(u->regs.regs);
    g_free(u->regs.dword_map);
    u->regs.val = NULL;
    u->regs.regs = NULL;
    u->regs.dword_map = NULL;
    u->regs.nregs = 0;
}

static uint64_t reg_raw(const struct vtd_iommu *u, const struct vtd_reg *r)
{
    return r->size == 8 ? vtd_reg_get64_(u, r->off)
                        : vtd_reg_get32_(u, r->off);
}

static void reg_raw_set(struct vtd_iommu *u, const struct vtd_reg *r,
                        uint64_t v)
{
    if (r->size == 8)
        vtd_reg_set64_(u, r->off, v);
    else
        vtd_reg_set32_(u, r->off, (uint32_t)v);
}

void vtd_regs_reset_(struct vtd_iommu *u)
{
    memset(u->regs.val, 0, u->mmio_size);
    for (unsigned i = 0; i < u->regs.nregs; i++) {
        const struct vtd_reg *r = &u->regs.regs[i];
        uint64_t v = r->reset;
        switch (r->kind) {
        case K_VER:
            v = u->cfg.ver ? u->cfg.ver : 0x10;
            break;
        case K_CAP:
            v = u->cap;
            break;
        case K_ECAP:
            v = u->ecap;
            break;
        default:
            break;
        }
        reg_raw_set(u, r, v);
    }
    vtd_pmr_latch_locked_(u);
}

const struct vtd_reg *vtd_reg_find_(const struct vtd_iommu *u, uint64_t off)
{
    if (off >= u->mmio_size)
        return NULL;
    int32_t i = u->regs.dword_map[off / 4];
    return i < 0 ? NULL : &u->regs.regs[i];
}

/* ------------------------------------------------------------------ */
/* Register names (public, <vtd/layout.h>)                             */
/* ------------------------------------------------------------------ */

/* FRCDn_LO / FRCDn_HI with n decimal (at most 4 digits): n, or -1. */
static long frcd_index(const char *name, bool *hi)
{
    if (strncmp(name, "FRCD", 4) != 0)
        return -1;
    const char *p = name + 4;
    long n = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 4) {
        n = n * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (!digits)
        return -1;
    if (strcmp(p, "_LO") == 0)
        *hi = false;
    else if (strcmp(p, "_HI") == 0)
        *hi = true;
    else
        return -1;
    return n;
}

int vtd_reg_lookup(const char *name, uint64_t cap, uint64_t ecap,
                   uint64_t *off, unsigned *size)
{
    if (!name || !off || !size)
        return -EINVAL;
    for (size_t i = 0; i < G_N_ELEMENTS(reg_table); i++) {
        if (strcmp(name, reg_table[i].name) == 0) {
            *off = reg_table[i].off;
            *size = reg_table[i].size;
            return 0;
        }
    }
    /* 11.4.3: IVA at ECAP.IRO * 16, the IOTLB register at +8 (11.4.6.2). */
    uint64_t iro = field_get(ecap, ECAP, IRO) * 16;
    if (strcmp(name, "IVA") == 0 || strcmp(name, "IOTLB") == 0) {
        *off = iro + (name[1] == 'O' ? 8 : 0);
        *size = 8;
        return 0;
    }
    /* 11.4.2: CAP.NFR + 1 records of 128 bits at CAP.FRO * 16
     * (11.4.7.6), low qword then high qword. */
    bool hi = false;
    long n = frcd_index(name, &hi);
    if (n < 0 || (uint64_t)n >= field_get(cap, CAP, NFR) + 1)
        return -ENOENT;
    *off = field_get(cap, CAP, FRO) * 16 + (uint64_t)n * VTD_REG_SIZE_FRCD +
           (hi ? 8 : 0);
    *size = 8;
    return 0;
}

int vtd_reg_name(uint64_t off, uint64_t cap, uint64_t ecap, char *buf,
                 size_t len)
{
    if (!buf)
        return -EINVAL;
    /* The unit lays the FRCDs, then IVA/IOTLB over the fixed table
     * (vtd_regs_init_): the same precedence here. */
    uint64_t fro = field_get(cap, CAP, FRO) * 16;
    uint64_t nfr = field_get(cap, CAP, NFR) + 1;
    uint64_t iro = field_get(ecap, ECAP, IRO) * 16;
    int n;
    int size = 8;
    if (off >= fro && off < fro + nfr * VTD_REG_SIZE_FRCD && !(off & 7)) {
        n = snprintf(buf, len, "FRCD%u_%s",
                     (unsigned)((off - fro) / VTD_REG_SIZE_FRCD),
                     ((off - fro) & 8) ? "HI" : "LO");
    } else if (off == iro || off == iro + 8) {
        n = snprintf(buf, len, "%s", off == iro ? "IVA" : "IOTLB");
    } else {
        size_t i = 0;
        while (i < G_N_ELEMENTS(reg_table) && reg_table[i].off != off)
            i++;
        if (i == G_N_ELEMENTS(reg_table))
            return -ENOENT;
        n = snprintf(buf, len, "%s", reg_table[i].name);
        size = (int)reg_table[i].size;
    }
    if (n < 0 || (size_t)n >= len)
        return -ERANGE;
    return size;
}

uint32_t vtd_reg_get32_(const struct vtd_iommu *u, unsigned off)
{
    const uint8_t *b = u->regs.val + off;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

uint64_t vtd_reg_get64_(const struct vtd_iommu *u, unsigned off)
{
    return ldq_le(u->regs.val + off);
}

void vtd_reg_set32_(struct vtd_iommu *u, unsigned off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        u->regs.val[off + i] = (uint8_t)(v >> (8 * i));
}

void vtd_reg_set64_(struct vtd_iommu *u, unsigned off, uint64_t v)
{
    stq_le(u->regs.val + off, v);
}

/* ------------------------------------------------------------------ */
/* Global command (VT-d 11.4.4.1 / 11.4.4.2)                           */
/* ------------------------------------------------------------------ */

/* Global invalidation of the context, PASID and IOTLB caches. */
static void flush_dma_caches(struct vtd_iommu *u)
{
    vtd_cache_inv_context_(u, VTD_INV_GLOBAL, 0, 0, 0);
    vtd_cache_inv_pasid_(u, VTD_INV_GLOBAL, 0, 0);
    vtd_cache_inv_iotlb_(u, VTD_INV_GLOBAL, 0, 0, 0, false);
}

static void gsts_update(struct vtd_iommu *u, uint32_t bit, bool on)
{
    uint32_t g = vtd_reg_get32_(u, VTD_REG_GSTS);
    vtd_reg_set32_(u, VTD_REG_GSTS, on ? (g | bit) : (g & ~bit));
}

/*
 * One GCMD write.  Software writes the persistent enables it wants kept
 * (TE, QIE, IRE, CFI as read from GSTS) together with one new command;
 * one-shot commands (SRTP, SIRTP, WBF) act only when written 1 and
 * clearing them has no effect.  Should a write carry several commands
 * they are performed in a fixed order (pointers latched before enables).
 */
static void gcmd_write(struct vtd_iommu *u, uint32_t cmd)
{
    uint32_t sts = vtd_reg_get32_(u, VTD_REG_GSTS);
    bool ir = field_get(u->ecap, ECAP, IR);
    unsigned ncmd = 0;

    /* 11.4.4.1 SRTP: latch RTADDR (RTA and TTM); RTPS is cleared and set
     * again when done, so it reads 1 from then on. */
    if (cmd & VTD_GCMD_SRTP) {
        atomic_store(&u->root_latched, vtd_reg_get64_(u, VTD_REG_RTADDR));
        vtd_cache_fast_drop_(u); /* the front cache holds no TTM (cache.h) */
        /* With CAP.ESRTPS the operation also invalidates every
         * DMA-remapping cache globally. */
        if (field_get(u->cap, CAP, ESRTPS))
            flush_dma_caches(u);
        gsts_update(u, VTD_GSTS_RTPS, true);
        ncmd++;
    }
    /* SIRTP: latch IRTA (valid only with interrupt remapping). */
    if ((cmd & VTD_GCMD_SIRTP) && ir) {
        vtd_ir_latch_irta_locked_(u);
        /* CAP.ESIRTPS: SIRTP also invalidates the interrupt caches. */
        if (field_get(u->cap, CAP, ESIRTPS))
            vtd_ir_inv_iec_(u, true, 0, 0);
        gsts_update(u, VTD_GSTS_IRTPS, true);
        ncmd++;
    }
    /* WBF: valid only with CAP.RWBF; the flush completes at once, so WBFS
     * reads 0 (it is set and cleared within this write). */
    if ((cmd & VTD_GCMD_WBF) && field_get(u->cap, CAP, RWBF)) {
        gsts_update(u, VTD_GSTS_WBFS, false);
        ncmd++;
    }
    /* SFL/EAFL (bits 29:28, RsvdZ in rev 5.x): only with CAP.AFL. */
    if (field_get(u->cap, CAP, AFL)) {
        if (cmd & VTD_GCMD_SFL) {
            gsts_update(u, VTD_GSTS_FLS, true);
            ncmd++;
        }
        if (!!(cmd & VTD_GCMD_EAFL) != !!(sts & VTD_GSTS_AFLS)) {
            gsts_update(u, VTD_GSTS_AFLS, cmd & VTD_GCMD_EAFL);
            ncmd++;
        }
    }
    /* QIE (valid with ECAP.QI): 6.5.2 enable/disable rules in qi.c. */
    if (field_get(u->ecap, ECAP, QI) &&
        !!(cmd & VTD_GCMD_QIE) != !!(sts & VTD_GSTS_QIES)) {
        bool en = cmd & VTD_GCMD_QIE;
        if (vtd_qi_enable_locked_(u, en))
            gsts_update(u, VTD_GSTS_QIES, en);
        ncmd++;
    }
    /* IRE and CFI follow the written value. */
    if (ir && !!(cmd & VTD_GCMD_IRE) != !!(sts & VTD_GSTS_IRES)) {
        bool en = cmd & VTD_GCMD_IRE;
        atomic_store(&u->ir.enabled, en);
        /* CAP.ESIRTPS: disabling also invalidates the interrupt caches. */
        if (!en && field_get(u->cap, CAP, ESIRTPS))
            vtd_ir_inv_iec_(u, true, 0, 0);
        gsts_update(u, VTD_GSTS_IRES, en);
        ncmd++;
    }
    if (ir && !!(cmd & VTD_GCMD_CFI) != !!(sts & VTD_GSTS_CFIS)) {
        bool en = cmd & VTD_GCMD_CFI;
        atomic_store(&u->ir.cfi, en);
        gsts_update(u, VTD_GSTS_CFIS, en);
        ncmd++;
    }
    /* TE follows the written value.  11.4.4.1: with SMTS, translation
     * disable globally invalidates the DMA-remapping caches. */
    if (!!(cmd & VTD_GCMD_TE) != !!(sts & VTD_GSTS_TES)) {
        bool en = cmd & VTD_GCMD_TE;
        atomic_store(&u->te, en);
        vtd_cache_fast_drop_(u); /* the hit path does not test TE (cache.h) */
        gsts_update(u, VTD_GSTS_TES, en);
        if (!en && field_get(u->ecap, ECAP, SMTS))
            flush_dma_caches(u);
        ncmd++;
    }
    vtd_rule_gcmd_(u, cmd, sts, vtd_reg_get32_(u, VTD_REG_GSTS));
    if (ncmd > 1)
        vtd_log_(u, VTD_LOG_WARN,
                 "GCMD write 0x%08x carries %u commands; VT-d 11.4.4.1 "
                 "expects one per write", cmd, ncmd);
    /* Caching mode: a new root table (or TTM) or a change of TE changes
     * what the unit translates without an invalidation; subscribers are
     * brought up to date (notify.h contract). */
    if ((cmd & VTD_GCMD_SRTP) ||
        !!(cmd & VTD_GCMD_TE) != !!(sts & VTD_GSTS_TES))
        vtd_notify_resync_locked_(u);
    /* 7.2.1: the fault record index resets when TES and IRES are both
     * clear. */
    vtd_fault_gsts_changed_locked_(u);
}

/* ------------------------------------------------------------------ */
/* MMIO dispatch                                                       */
/* ------------------------------------------------------------------ */

/* Coverage (rulehits.h): status bits a write of 1 cleared. */
static void rule_w1c(struct vtd_iommu *u, const struct vtd_reg *r,
                     uint64_t cleared)
{
    switch ((enum reg_kind)r->kind) {
    case K_FSTS:
        if (cleared & FSTS_PFO_MASK)
            vtd_rule_(u, R_FSTS_PFO_CLEAR);
        if (cleared & FSTS_IQE_MASK)
            vtd_rule_(u, R_FSTS_IQE_CLEAR);
        break;
    case K_FRCD_HI:
        if (cleared & FRCD_HI_F_MASK)
            vtd_rule_(u, R_FRCD_CLEAR);
        break;
    case K_ICS:
        if (cleared & ICS_IWC_MASK)
            vtd_rule_(u, R_ICS_CLEAR);
        break;
    default:
        break;
    }
}

/* Called after the masked store of a write covering bytes wmask of r. */
static void side_effect(struct vtd_iommu *u, const struct vtd_reg *r,
                        uint64_t wval, uint64_t wmask)
{
    switch ((enum reg_kind)r->kind) {
    case K_GCMD:
        gcmd_write(u, (uint32_t)wval);
        break;
    case K_CCMD:
        /* 11.4.6.1: writing the uppermost byte with ICC set. */
        if (wmask >> 56)
            vtd_inval_ccmd_written_locked_(u);
        break;
    case K_IOTLB:
        /* 11.4.6.3: writing the upper byte with IVT set. */
        if (wmask >> 56)
            vtd_inval_iotlb_written_locked_(u);
        break;
    case K_FSTS:
        vtd_fault_fsts_written_locked_(u);
        /* 6.5.2, 6.5.2.11: fetching resumes once IQE (or ITE) is clear
         * and IQH != IQT. */
        if (wval & (FSTS_IQE_MASK | FSTS_ITE_MASK))
            vtd_qi_tail_written_locked_(u);
        break;
    case K_FECTL:
        vtd_fault_fectl_written_locked_(u);
        break;
    case K_FRCD_HI:
        if ((wmask >> 32) && (wval & FRCD_HI_F_MASK))
            vtd_fault_frcd_written_locked_(u, r->index);
        break;
    case K_PMEN: {
        /* 11.4.8.1: PRS reports the EPM operation done. */
        uint32_t v = vtd_reg_get32_(u, VTD_REG_PMEN);
        v = (uint32_t)field_set(v, PMEN, PRS, field_get(v, PMEN, EPM));
        if (field_get(v, PMEN, EPM))
            vtd_rule_(u, R_PMEN_ON);
        else
            vtd_rule_(u, R_PMEN_OFF);
        vtd_reg_set32_(u, VTD_REG_PMEN, v);
        vtd_pmr_latch_locked_(u);
        break;
    }
    case K_IQT:
        vtd_qi_tail_written_locked_(u);
        break;
    case K_ICS:
        vtd_qi_ics_written_locked_(u);
        break;
    case K_IECTL:
        vtd_qi_iectl_written_locked_(u);
        break;
    case K_PRS:
        /* 11.4.11.4: PPR/PRO are RW1CS; 7.5 IP follows. */
        vtd_prq_prs_written_locked_(u);
        break;
    case K_PECTL:
        vtd_prq_pectl_written_locked_(u);
        break;
    default:
        break;
    }
}

/* Write size bytes (4 or 8) at off, where [off, off+size) lies inside
 * register r or r is NULL (reserved space: ignored). */
static void write_reg(struct vtd_iommu *u, const struct vtd_reg *r,
                      uint64_t off, unsigned size, uint64_t val)
{
    if (!r) {
        vtd_rule_(u, R_MMIO_RSVD);
        vtd_log_(u, VTD_LOG_DEBUG,
                 "write 0x%" PRIx64 " to reserved offset 0x%" PRIx64
                 " ignored", val, off);
        return;
    }
    unsigned shift = (unsigned)(off - r->off) * 8;
    uint64_t wmask = size == 8 ? ~0ULL : 0xffffffffULL << shift;
    uint64_t wval = (size == 8 ? val : (val & 0xffffffffULL)) << shift;
    uint64_t old = reg_raw(u, r);
    uint64_t m = r->rw & wmask;
    uint64_t v = (old & ~m) | (wval & m);
    v &= ~(wval & r->w1c & wmask);
    reg_raw_set(u, r, v);
    uint64_t cleared = old & wval & r->w1c & wmask;
    if (cleared)
        rule_w1c(u, r, cleared);
    side_effect(u, r, wval, wmask);
}

static uint64_t read_reg(const struct vtd_iommu *u, const struct vtd_reg *r,
                         uint64_t off, unsigned size)
{
    if (!r)
        return 0;
    unsigned shift = (unsigned)(off - r->off) * 8;
    uint64_t v = reg_raw(u, r) >> shift;
    return size == 8 ? v : (v & 0xffffffffULL);
}

/*
 * 11.4 / 10.4.x access rules: 4- and 8-byte accesses, naturally aligned,
 * inside the window.  A 4-byte access to a 64-bit register touches one
 * half; an 8-byte access where no 64-bit register lies is split into its
 * two dwords in address order (a pair of 32-bit registers, or one and
 * reserved space).  Returns false when the access must be ignored.
 */
static bool access_ok(struct vtd_iommu *u, uint64_t off, unsigned size,
                      const char *what)
{
    if ((size != 4 && size != 8) || (off & (size - 1)) ||
        off >= u->mmio_size || size > u->mmio_size - off) {
        vtd_rule_(u, R_MMIO_BAD);
        vtd_log_(u, VTD_LOG_WARN,
                 "ignored %u-byte MMIO %s at offset 0x%" PRIx64
                 " (sizes 4/8, naturally aligned, window 0x%" PRIx64 ")",
                 size, what, off, u->mmio_size);
        return false;
    }
    return true;
}

static void emit_mmio(struct vtd_iommu *u, enum vtd_event_kind k,
                      uint64_t off, unsigned size, uint64_t v)
{
    if (!vtd_tracing_(u))
        return;
    struct vtd_event ev = { .kind = k, .addr = off, .size = size,
                            .nval = 1, .pasid = VTD_NO_PASID };
    ev.val[0] = v;
    const struct vtd_reg *r = vtd_reg_find_(u, off);
    ev.what = r ? r->name : NULL;
    vtd_emit_(u, &ev);
}

int vtd_mmio_read(struct vtd_iommu *u, uint64_t off, unsigned size,
                  uint64_t *val)
{
    if (!val)
        return -EINVAL;
    *val = 0;
    if (!u)
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract; not logged */
    if (!access_ok(u, off, size, "read"))
        return -EINVAL;
    pthread_mutex_lock(&u->lock);
    const struct vtd_reg *r = vtd_reg_find_(u, off);
    uint64_t v;
    if (size == 8 && !(r && r->size == 8 && r->off == off)) {
        const struct vtd_reg *r2 = vtd_reg_find_(u, off + 4);
        v = read_reg(u, r, off, 4) | read_reg(u, r2, off + 4, 4) << 32;
    } else {
        v = read_reg(u, r, off, size);
    }
    pthread_mutex_unlock(&u->lock);
    *val = v;
    emit_mmio(u, VTD_EV_MMIO_READ, off, size, v);
    return 0;
}

int vtd_mmio_write(struct vtd_iommu *u, uint64_t off, unsigned size,
                   uint64_t val)
{
    if (!u)
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract; not logged */
    if (!access_ok(u, off, size, "write"))
        return -EINVAL;
    if (size == 4 && (val >> 32)) {
        vtd_log_(u, VTD_LOG_WARN,
                 "4-byte MMIO write at 0x%" PRIx64 " with value 0x%" PRIx64
                 " wider than 32 bits: upper bits dropped", off, val);
        val &= 0xffffffffULL;
    }
    emit_mmio(u, VTD_EV_MMIO_WRITE, off, size, val);
    pthread_mutex_lock(&u->lock);
    const struct vtd_reg *r = vtd_reg_find_(u, off);
    if (size == 8 && !(r && r->size == 8 && r->off == off)) {
        /* Pair rule: two dwords, in address order. */
        write_reg(u, r, off, 4, val & 0xffffffffULL);
        write_reg(u, vtd_reg_find_(u, off + 4), off + 4, 4, val >> 32);
    } else {
        write_reg(u, r, off, size, val);
    }
    pthread_mutex_unlock(&u->lock);
    return 0;
}
