/* SPDX-License-Identifier: MIT */
/*
 * report/inspect_debugfs.c: Linux's /sys/kernel/debug/iommu/intel files
 * (drivers/iommu/intel/debugfs.c of 6.1 and 6.7) and dmar_fault()'s
 * dmesg lines (see inspect.h).
 */
#include "report/inspect_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* linux-debugfs                                                       */
/* ------------------------------------------------------------------ */

struct lreg {
    unsigned off;
    const char *name;
};

/* Linux's iommu_regs_32 and iommu_regs_64 (offsets: DMAR_*_REG). */
#define LREG(r) { VTD_REG_##r, #r }

static const struct lreg lregs32[] = {
    LREG(VER), LREG(GCMD), LREG(GSTS), LREG(FSTS), LREG(FECTL), LREG(FEDATA),
    LREG(FEADDR), LREG(FEUADDR), LREG(PMEN), LREG(PLMBASE), LREG(PLMLIMIT),
    LREG(ICS), LREG(PRS), LREG(PECTL), LREG(PEDATA), LREG(PEADDR),
    LREG(PEUADDR),
};

static const struct lreg lregs64[] = {
    LREG(CAP), LREG(ECAP), LREG(RTADDR), LREG(CCMD), LREG(AFLOG),
    LREG(PHMBASE), LREG(PHMLIMIT), LREG(IQH), LREG(IQT), LREG(IQA), LREG(IRTA),
    LREG(PQH), LREG(PQT), LREG(PQA), LREG(MTRRCAP), LREG(MTRRDEF),
    LREG(MTRR_FIX64K_00000), LREG(MTRR_FIX16K_80000), LREG(MTRR_FIX16K_A0000),
    LREG(MTRR_FIX4K_C0000),
    { VTD_REG_MTRR_FIX4K_C0000 + 0x8, "MTRR_FIX4K_C8000" },
    { VTD_REG_MTRR_FIX4K_C0000 + 0x10, "MTRR_FIX4K_D0000" },
    { VTD_REG_MTRR_FIX4K_C0000 + 0x18, "MTRR_FIX4K_D8000" },
    { VTD_REG_MTRR_FIX4K_C0000 + 0x20, "MTRR_FIX4K_E0000" },
    { VTD_REG_MTRR_FIX4K_C0000 + 0x28, "MTRR_FIX4K_E8000" },
    { VTD_REG_MTRR_FIX4K_C0000 + 0x30, "MTRR_FIX4K_F0000" },
    { VTD_REG_MTRR_FIX4K_C0000 + 0x38, "MTRR_FIX4K_F8000" },
    { VTD_REG_MTRR_PHYSBASE0 + 0, "MTRR_PHYSBASE0" },
    { VTD_REG_MTRR_PHYSBASE0 + 8, "MTRR_PHYSMASK0" },
    { VTD_REG_MTRR_PHYSBASE0 + 16, "MTRR_PHYSBASE1" },
    { VTD_REG_MTRR_PHYSBASE0 + 24, "MTRR_PHYSMASK1" },
    { VTD_REG_MTRR_PHYSBASE0 + 32, "MTRR_PHYSBASE2" },
    { VTD_REG_MTRR_PHYSBASE0 + 40, "MTRR_PHYSMASK2" },
    { VTD_REG_MTRR_PHYSBASE0 + 48, "MTRR_PHYSBASE3" },
    { VTD_REG_MTRR_PHYSBASE0 + 56, "MTRR_PHYSMASK3" },
    { VTD_REG_MTRR_PHYSBASE0 + 64, "MTRR_PHYSBASE4" },
    { VTD_REG_MTRR_PHYSBASE0 + 72, "MTRR_PHYSMASK4" },
    { VTD_REG_MTRR_PHYSBASE0 + 80, "MTRR_PHYSBASE5" },
    { VTD_REG_MTRR_PHYSBASE0 + 88, "MTRR_PHYSMASK5" },
    { VTD_REG_MTRR_PHYSBASE0 + 96, "MTRR_PHYSBASE6" },
    { VTD_REG_MTRR_PHYSBASE0 + 104, "MTRR_PHYSMASK6" },
    { VTD_REG_MTRR_PHYSBASE0 + 112, "MTRR_PHYSBASE7" },
    { VTD_REG_MTRR_PHYSBASE0 + 120, "MTRR_PHYSMASK7" },
    { VTD_REG_MTRR_PHYSBASE0 + 128, "MTRR_PHYSBASE8" },
    { VTD_REG_MTRR_PHYSBASE0 + 136, "MTRR_PHYSMASK8" },
    { VTD_REG_MTRR_PHYSBASE0 + 144, "MTRR_PHYSBASE9" },
    { VTD_REG_MTRR_PHYSBASE0 + 152, "MTRR_PHYSMASK9" },
};

/* 6.1 also lists the virtual-command registers; 6.7 no longer does. */
static const struct lreg lregs64_vcmd[] = {
    LREG(VCCAP), LREG(VCMD), LREG(VCRSP),
};

void inspect_debugfs_regset(struct view_ctx *c)
{
    GString *s = c->out;
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        g_string_append_printf(s, "IOMMU: %s Register Base Address: %" PRIx64
                               "\n", v.name, v.base);
        g_string_append(s, "Name\t\t\tOffset\t\tContents\n");
        for (size_t k = 0; k < G_N_ELEMENTS(lregs32); k++)
            g_string_append_printf(s, "%-16s\t0x%02x\t\t0x%016" PRIx64 "\n",
                                   lregs32[k].name, lregs32[k].off,
                                   (uint64_t)view_reg32(v.u, lregs32[k].off));
        for (size_t k = 0; k < G_N_ELEMENTS(lregs64); k++)
            g_string_append_printf(s, "%-16s\t0x%02x\t\t0x%016" PRIx64 "\n",
                                   lregs64[k].name, lregs64[k].off,
                                   view_reg64(v.u, lregs64[k].off));
        if (c->o->linux_ver == LINUX_6_1)
            for (size_t k = 0; k < G_N_ELEMENTS(lregs64_vcmd); k++)
                g_string_append_printf(s, "%-16s\t0x%02x\t\t0x%016" PRIx64
                                       "\n", lregs64_vcmd[k].name,
                                       lregs64_vcmd[k].off,
                                       view_reg64(v.u, lregs64_vcmd[k].off));
        g_string_append_c(s, '\n');
    }
}

static void dbg_tbl_row(GString *s, const struct dev_view *d, int pasid,
                        const uint64_t *pe)
{
    g_string_append_printf(s, VTD_SID_FMT "\t0x%016" PRIx64 ":0x%016" PRIx64
                           "\t0x%016" PRIx64 ":0x%016" PRIx64 "\t",
                           VTD_SID_BDF(d->sid),
                           d->root[1], d->root[0], d->ctx[1], d->ctx[0]);
    g_string_append_printf(s, "%-6d\t0x%016" PRIx64 ":0x%016" PRIx64
                           ":0x%016" PRIx64 "\n", pasid, pe ? pe[2] : 0,
                           pe ? pe[1] : 0, pe ? pe[0] : 0);
}

static void dbg_dmar_pasid(struct view_ctx *c, const struct unit_view *v,
                           const struct dev_view *d, uint32_t pasid,
                           const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    dbg_tbl_row(c->out, d, (int)pasid, pe);
}

static void dbg_dmar_device(struct view_ctx *c, const struct unit_view *v,
                            const struct dev_view *d, void *arg)
{
    /* Linux prints the root entry of the device's bus; in scalable mode
     * one row per present PASID entry. */
    if (v->scalable)
        view_foreach_pasid(c, v, d, dbg_dmar_pasid, NULL);
    else
        dbg_tbl_row(c->out, d, -1, NULL);
}

void inspect_debugfs_dmar_translation(struct view_ctx *c)
{
    GString *s = c->out;
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        if (!(v.gsts & VTD_GSTS_TES)) {
            g_string_append_printf(s, "DMA Remapping is not enabled on %s\n",
                                   v.name);
            continue;
        }
        g_string_append_printf(s, "IOMMU %s: Root Table Address: 0x%" PRIx64
                               "\n", v.name, v.rtaddr & v.addr_mask);
        g_string_append(s, "B.D.F\tRoot_entry\t\t\t\tContext_entry\t\t\t\t"
                           "PASID\tPASID_table_entry\n");
        view_foreach_device(c, &v, true, dbg_dmar_device, NULL);
        g_string_append_c(s, '\n');
    }
}

struct dbg_leaf_arg {
    GString *s;
    enum linux_ver lv;
};

static void dbg_leaf(void *arg, uint64_t iova, uint64_t size, uint64_t addr,
                     unsigned perm, const uint64_t path[6])
{
    struct dbg_leaf_arg *a = arg;
    g_string_append_printf(a->s, "0x%013" PRIx64 " |\t0x%016" PRIx64
                           "\t0x%016" PRIx64 "\t0x%016" PRIx64, iova >> VTD_PAGE_SHIFT,
                           path[5], path[4], path[3]);
    if (a->lv == LINUX_6_1) {
        g_string_append_printf(a->s, "\t0x%016" PRIx64 "\t0x%016" PRIx64 "\n",
                               path[2], path[1]);
        return;
    }
    /* 6.7: the PDE and PTE columns only when the walk reached them. */
    if (path[2]) {
        g_string_append_printf(a->s, "\t0x%016" PRIx64, path[2]);
        if (path[1])
            g_string_append_printf(a->s, "\t0x%016" PRIx64, path[1]);
    }
    g_string_append_c(a->s, '\n');
}

/* Linux walks every entry with R or W set (dma_pte_present) and treats
 * bit 7 as a superpage at any level above 1; we use the stage's own
 * present bit, which agrees on tables Linux builds. */
static void dbg_walk(struct view_ctx *c, const struct unit_view *v,
                     const struct xlate_view *x)
{
    uint64_t path[6] = { 0 };
    struct dbg_leaf_arg a = { c->out, c->o->linux_ver };
    struct leaf_sink sink = { dbg_leaf, &a };
    view_walk_pt(c, v, x->table, x->levels, 0, x->fl,
                 VTD_PERM_R | VTD_PERM_W | VTD_PERM_X | VTD_PERM_U,
                 path, &sink);
}

static void dbg_domain_device(struct view_ctx *c, const struct unit_view *v,
                              const struct dev_view *d, void *arg)
{
    GString *s = c->out;
    struct xlate_view x;
    uint32_t pasid = c->o->pasid;
    if (!v->scalable) {
        view_legacy_xlate(v, d, &x);
    } else {
        /* 6.1 shows the device's domain (the RID_PASID entry); 6.7 the
         * PASID asked for, IOMMU_NO_PASID (0) by default. */
        if (pasid == VTD_NO_PASID)
            pasid = c->o->linux_ver == LINUX_6_1
                        ? (uint32_t)VTD_FIELD_GET(d->ctx[1], SCE1, RID_PASID)
                        : 0;
        uint64_t pe[8];
        if (!view_lookup_pasid(c, v, d, pasid, pe))
            return;
        view_pasid_xlate(v, pe, &x);
        if (c->o->linux_ver != LINUX_6_1 && x.valid && !x.passthrough) {
            /* 6.7 takes the level count from the PASID entry's AW field
             * (bits 4:2) whatever PGTT says, and walks nothing outside
             * 1-5 levels. */
            x.levels = (int)VTD_FIELD_GET(pe[0], PTE0, AW) + 2;
        }
    }
    if (c->o->linux_ver != LINUX_6_1 && !v->scalable) {
        /* 6.7 reads SLPTPTR and AW from any present context entry, TT
         * not considered. */
        memset(&x, 0, sizeof(x));
        x.valid = true;
        x.table = d->ctx[0] & v->addr_mask;
        x.levels = (int)VTD_FIELD_GET(d->ctx[1], CE_HI, AW) + 2;
    }
    if (!x.valid || x.passthrough)
        return;
    if (c->o->linux_ver == LINUX_6_1) {
        g_string_append_printf(s, "Device 0000:" VTD_SID_FMT " @0x%" PRIx64
                               "\n",
                               VTD_SID_BDF(d->sid),
                               x.table);
        g_string_append(s, "IOVA_PFN\t\tPML5E\t\t\tPML4E\t\t\tPDPE\t\t\tPDE"
                           "\t\t\tPTE\n");
        dbg_walk(c, v, &x);
        g_string_append_c(s, '\n');
        return;
    }
    g_string_append_printf(s, "Device %04x:" VTD_SID_FMT " ", 0,
                           VTD_SID_BDF(d->sid));
    if (v->scalable)
        g_string_append_printf(s, "with pasid %x @0x%" PRIx64 "\n", pasid,
                               x.table);
    else
        g_string_append_printf(s, "@0x%" PRIx64 "\n", x.table);
    g_string_append_printf(s, "%-17s\t%-18s\t%-18s\t%-18s\t%-18s\t%-s\n",
                           "IOVA_PFN", "PML5E", "PML4E", "PDPE", "PDE", "PTE");
    dbg_walk(c, v, &x);
}

void inspect_debugfs_domain_translation(struct view_ctx *c)
{
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        if (!(v.gsts & VTD_GSTS_TES)) {
            /* 6.7 says so per unit; 6.1 lists devices with a domain and
             * prints nothing for a unit that does not translate. */
            if (c->o->linux_ver != LINUX_6_1)
                g_string_append_printf(c->out, "DMA Remapping is not enabled "
                                       "on %s\n", v.name);
            continue;
        }
        view_foreach_device(c, &v, false, dbg_domain_device, NULL);
    }
}

struct dbg_irte_arg {
    GString *s;
    bool posted;
};

static void dbg_irte(void *arg, unsigned index, uint64_t lo, uint64_t hi)
{
    struct dbg_irte_arg *a = arg;
    GString *s = a->s;
    unsigned sid = (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SID);
    g_string_append_printf(s, " %-5u %02x:%02x.%01x ", index,
                           VTD_SID_BDF(sid));
    if (a->posted) {
        /* Linux prints the descriptor address as two 32-bit halves. */
        uint64_t pda = vtd_irte_pda((const uint64_t[2]){ lo, hi });
        g_string_append_printf(s, "%08x %08x ", (unsigned)(pda >> 32),
                               (unsigned)pda);
    } else {
        g_string_append_printf(s, "%08x ",
                               (unsigned)VTD_FIELD_GET(lo, IRTE_LO, DST));
    }
    g_string_append_printf(s, "%02x  %016" PRIx64 "\t%016" PRIx64 "\n",
                           (unsigned)VTD_FIELD_GET(lo, IRTE_LO, V), hi, lo);
}

static void dbg_ir_entries(struct view_ctx *c, const struct unit_view *v,
                           bool posted)
{
    GString *s = c->out;
    if (posted)
        g_string_append(s, " Entry SrcID   PDA_high PDA_low  Vct IRTE_high"
                           "\t\tIRTE_low\n");
    else
        g_string_append(s, " Entry SrcID   DstID    Vct IRTE_high\t\t"
                           "IRTE_low\n");
    struct dbg_irte_arg a = { s, posted };
    (void)view_foreach_irte(c, v, posted ? 1 : 0, dbg_irte, &a);
}

void inspect_debugfs_ir_translation(struct view_ctx *c)
{
    GString *s = c->out;
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        if (!VTD_FIELD_GET(v.ecap, ECAP, IR))
            continue;
        g_string_append_printf(s, "Remapped Interrupt supported on IOMMU: "
                               "%s\n", v.name);
        if (v.gsts & VTD_GSTS_IRES) {
            g_string_append_printf(s, " IR table address:%" PRIx64 "\n",
                                   v.irta & v.addr_mask);
            dbg_ir_entries(c, &v, false);
        } else {
            g_string_append(s, "Interrupt Remapping is not enabled\n");
        }
        g_string_append_c(s, '\n');
    }
    g_string_append(s, "****\n\n");
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        if (!VTD_FIELD_GET(v.cap, CAP, PI))
            continue;
        g_string_append_printf(s, "Posted Interrupt supported on IOMMU: %s\n",
                               v.name);
        /* Linux tests for its own table; the unit's latched pointer is the
         * nearest equivalent. */
        if (v.gsts & VTD_GSTS_IRTPS) {
            g_string_append_printf(s, " IR table address:%" PRIx64 "\n",
                                   v.irta & v.addr_mask);
            dbg_ir_entries(c, &v, true);
        } else {
            g_string_append(s, "Interrupt Remapping is not enabled\n");
        }
        g_string_append_c(s, '\n');
    }
}

void inspect_debugfs_invalidation_queue(struct view_ctx *c)
{
    GString *s = c->out;
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        if (!VTD_FIELD_GET(v.ecap, ECAP, QI) || !(v.gsts & VTD_GSTS_QIES))
            continue;
        /* Linux: qi_shift = DMAR_IQ_SHIFT (4) + ecap_smts; 256 entries. */
        bool smts = VTD_FIELD_GET(v.ecap, ECAP, SMTS) != 0;
        unsigned shift = 4 + smts;
        uint64_t base = v.iqa & v.addr_mask;
        g_string_append_printf(s, "Invalidation queue on IOMMU: %s\n", v.name);
        g_string_append_printf(s, " Base: 0x%" PRIx64 "\tHead: %" PRIu64
                               "\tTail: %" PRIu64 "\n", base, v.iqh >> shift,
                               v.iqt >> shift);
        if (smts)
            g_string_append(s, "Index\t\tqw0\t\t\tqw1\t\t\tqw2\t\t\tqw3\t\t\t"
                               "status\n");
        else
            g_string_append(s, "Index\t\tqw0\t\t\tqw1\t\t\tstatus\n");
        for (unsigned idx = 0; idx < 256; idx++) {
            uint8_t b[32] = { 0 };
            view_read(c, base + ((uint64_t)idx << shift), b, smts ? 32 : 16);
            /* status: Linux's software slot state; every slot is QI_FREE
             * (0) once its submissions completed, which is all a replayed
             * state can show. */
            if (smts)
                g_string_append_printf(s, "%5u\t%016" PRIx64 "\t%016" PRIx64
                                       "\t%016" PRIx64 "\t%016" PRIx64
                                       "\t%016x\n", idx, vtd_ldq_le(b),
                                       vtd_ldq_le(b + 8), vtd_ldq_le(b + 16),
                                       vtd_ldq_le(b + 24), 0u);
            else
                g_string_append_printf(s, "%5u\t%016" PRIx64 "\t%016" PRIx64
                                       "\t%016x\n", idx, vtd_ldq_le(b),
                                       vtd_ldq_le(b + 8), 0u);
        }
        g_string_append_c(s, '\n');
    }
}

/* Linux's dmar_fault(): print FSTS when non-zero; with PPF, walk the
 * records from FSTS.FRI, wrapping at CAP.NFR + 1, until one without F
 * (VT-d 7.2.1, 11.4.7.1, 11.4.14). */
void inspect_dmesg_render(struct view_ctx *c)
{
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        if (!v.fsts)
            continue;
        linuxfmt_fsts_line(c->out, v.fsts);
        g_string_append_c(c->out, '\n');
        if (!VTD_FIELD_GET(v.fsts, FSTS, PPF))
            continue;
        unsigned fro = (unsigned)VTD_FIELD_GET(v.cap, CAP, FRO) * 16;
        unsigned nfr = (unsigned)VTD_FIELD_GET(v.cap, CAP, NFR) + 1;
        unsigned idx = (unsigned)VTD_FIELD_GET(v.fsts, FSTS, FRI);
        if (idx >= nfr)
            idx = 0;
        for (unsigned n = 0; n < nfr; n++) {
            uint64_t lo = view_reg64(v.u, fro + 16 * idx);
            uint64_t hi = view_reg64(v.u, fro + 16 * idx + 8);
            struct linuxfmt_fault f;
            if (!linuxfmt_from_frcd(lo, hi, &f))
                break;
            linuxfmt_fault_line(c->out, &f, c->o->linux_ver);
            g_string_append_c(c->out, '\n');
            idx = (idx + 1) % nfr;
        }
    }
}

