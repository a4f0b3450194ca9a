/* SPDX-License-Identifier: MIT */
/*
 * report/inspect_view.c: the shared view of a unit for the inspect
 * renderers (see inspect_view.h): registers, bounded guest reads,
 * page-table walks (VT-d 9.7, 9.8) and visitors over context entries
 * (9.3/9.4), PASID entries (9.5/9.6), IRTEs (9.9/9.10) and fault
 * records.
 */
#include "report/inspect_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */

bool view_spend(struct view_ctx *c, unsigned long n)
{
    if (c->budget < n) {
        c->budget = 0;
        c->truncated = true;
        return false;
    }
    c->budget -= n;
    return true;
}

bool view_read(struct view_ctx *c, uint64_t gpa, void *buf, size_t len)
{
    if (c->src->read(c->src->opaque, gpa, buf, len) < 0) {
        c->unreadable = true;
        return false;
    }
    return true;
}

uint64_t view_reg64(struct vtd_iommu *u, uint64_t off)
{
    uint64_t v = 0;
    if (vtd_mmio_read(u, off, 8, &v) < 0)
        v = 0;
    return v;
}

uint32_t view_reg32(struct vtd_iommu *u, uint64_t off)
{
    uint64_t v = 0;
    if (vtd_mmio_read(u, off, 4, &v) < 0)
        v = 0;
    return (uint32_t)v;
}

void unit_view_init(struct unit_view *v, const struct inspect_unit *iu,
                    unsigned idx)
{
    memset(v, 0, sizeof(*v));
    v->u = iu->unit;
    v->idx = idx;
    v->base = iu->base;
    snprintf(v->name, sizeof(v->name), "dmar%u", idx);
    v->ver = view_reg32(v->u, VTD_REG_VER);
    v->cap = view_reg64(v->u, VTD_REG_CAP);
    v->ecap = view_reg64(v->u, VTD_REG_ECAP);
    v->gsts = view_reg32(v->u, VTD_REG_GSTS);
    v->rtaddr = view_reg64(v->u, VTD_REG_RTADDR);
    v->fsts = view_reg32(v->u, VTD_REG_FSTS);
    v->fectl = view_reg32(v->u, VTD_REG_FECTL);
    v->irta = view_reg64(v->u, VTD_REG_IRTA);
    v->iqa = view_reg64(v->u, VTD_REG_IQA);
    v->iqh = view_reg64(v->u, VTD_REG_IQH);
    v->iqt = view_reg64(v->u, VTD_REG_IQT);
    /* VT-d 11.4.6: TTM 01b selects scalable-mode tables. */
    v->scalable = VTD_FIELD_GET(v->rtaddr, RTADDR, TTM) == VTD_TTM_SCALABLE;
    /* Table pointers: bits 63:12 within the host address width; we use
     * MGAW + 1 (what QEMU's DMAR table reports) capped at 52 bits. */
    unsigned bits = (unsigned)VTD_FIELD_GET(v->cap, CAP, MGAW) + 1;
    if (bits > 52 || bits < 32)
        bits = 52;
    v->addr_mask = ((1ULL << bits) - 1) & PAGE_MASK_4K;
}

void view_sid_str(char *buf, size_t len, uint16_t sid)
{
    snprintf(buf, len, VTD_SID_FMT, VTD_SID_BDF(sid));
}

void view_size_str(char *buf, size_t len, uint64_t size)
{
    static const struct { uint64_t unit; const char *sfx; } u[] = {
        { 1ULL << 40, "T" }, { 1ULL << 30, "G" }, { 1ULL << 20, "M" },
        { 1ULL << 10, "K" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(u); i++)
        if (size >= u[i].unit && size % u[i].unit == 0) {
            snprintf(buf, len, "%" PRIu64 "%s", size / u[i].unit, u[i].sfx);
            return;
        }
    snprintf(buf, len, "%" PRIu64 "B", size);
}

void view_perm_str(char *buf, size_t len, unsigned perm, bool fl)
{
    if (fl)
        snprintf(buf, len, "%c%c%c%c", (perm & VTD_PERM_R) ? 'r' : '-',
                 (perm & VTD_PERM_W) ? 'w' : '-',
                 (perm & VTD_PERM_X) ? 'x' : '-',
                 (perm & VTD_PERM_U) ? 'u' : '-');
    else
        snprintf(buf, len, "%c%c", (perm & VTD_PERM_R) ? 'r' : '-',
                 (perm & VTD_PERM_W) ? 'w' : '-');
}

const char *view_aw_str(unsigned aw)
{
    switch (aw) {
    case 1:
        return "39-bit 3-level";
    case 2:
        return "48-bit 4-level";
    case 3:
        return "57-bit 5-level";
    default:
        return "reserved";
    }
}

const char *view_pgtt_str(unsigned pgtt)
{
    switch (pgtt) {
    case VTD_PGTT_FS:
        return "first-stage";
    case VTD_PGTT_SS:
        return "second-stage";
    case VTD_PGTT_NESTED:
        return "nested";
    case VTD_PGTT_PT:
        return "pass-through";
    default:
        return "reserved";
    }
}

/* ------------------------------------------------------------------ */
/* Page-table walk (VT-d 9.7, 9.8), bounded                            */
/* ------------------------------------------------------------------ */

uint64_t view_level_size(int level)
{
    return 1ULL << (12 + 9 * (level - 1));
}

bool view_pte_present(uint64_t e, bool fl)
{
    /* First stage: P.  Second stage: R or W set (9.8). */
    return fl ? VTD_FIELD_GET(e, FSE, P) != 0
              : (VTD_FIELD_GET(e, SSE, R) | VTD_FIELD_GET(e, SSE, W)) != 0;
}

bool view_pte_leaf(uint64_t e, int level)
{
    /* PS is bit 7 in both formats (9.7, 9.8). */
    return level == 1 ||
           ((level == 2 || level == 3) && VTD_FIELD_GET(e, SSE, PS));
}

unsigned view_pte_perm(uint64_t e, bool fl)
{
    if (!fl)
        return (VTD_FIELD_GET(e, SSE, R) ? VTD_PERM_R : 0) |
               (VTD_FIELD_GET(e, SSE, W) ? VTD_PERM_W : 0);
    /* 9.7: bits 63:52 are ignored in first-stage entries (no XD), so
     * every present first-stage entry allows execute, as the core's walk
     * (vtd/walk.c) grants it. */
    return VTD_PERM_R | VTD_PERM_X |
           (VTD_FIELD_GET(e, FSE, RW) ? VTD_PERM_W : 0) |
           (VTD_FIELD_GET(e, FSE, US) ? VTD_PERM_U : 0);
}

void view_walk_pt(struct view_ctx *c, const struct unit_view *v, uint64_t table,
                  int level, uint64_t iova, bool fl, unsigned perm,
                  uint64_t path[6], const struct leaf_sink *s)
{
    if (level < 1 || level > 5)
        return;
    uint64_t ent[512];
    uint8_t raw[4096];
    if (!view_read(c, table, raw, sizeof(raw)))
        return;
    for (int i = 0; i < 512; i++)
        ent[i] = vtd_ldq_le(raw + 8 * i);
    for (int i = 0; i < 512; i++) {
        uint64_t e = ent[i];
        uint64_t at = iova + (uint64_t)i * view_level_size(level);
        if (!view_pte_present(e, fl))
            continue;
        if (!view_spend(c, 1))
            return;
        unsigned p = perm & view_pte_perm(e, fl);
        path[level] = e;
        uint64_t addr = e & v->addr_mask;
        if (view_pte_leaf(e, level)) {
            uint64_t sz = view_level_size(level);
            s->leaf(s->arg, at, sz, addr & ~(sz - 1), p, path);
        } else {
            view_walk_pt(c, v, addr, level - 1, at, fl, p, path, s);
            if (c->truncated)
                return;
        }
        path[level] = 0;
    }
}

void view_range_leaf(void *arg, uint64_t iova, uint64_t size, uint64_t addr,
                     unsigned perm, const uint64_t path[6])
{
    GArray *a = arg;
    if (a->len) {
        struct range *r = &g_array_index(a, struct range, a->len - 1);
        if (r->iova + r->size == iova && r->addr + r->size == addr &&
            r->perm == perm) {
            r->size += size;
            return;
        }
    }
    struct range n = { iova, size, addr, perm };
    g_array_append_val(a, n);
}

/* ------------------------------------------------------------------ */
/* Structures: devices and their translation                           */
/* ------------------------------------------------------------------ */

void view_legacy_xlate(const struct unit_view *v, const struct dev_view *d,
                       struct xlate_view *x)
{
    memset(x, 0, sizeof(*x));
    unsigned tt = (unsigned)VTD_FIELD_GET(d->ctx[0], CE_LO, TT);
    x->did = (uint16_t)VTD_FIELD_GET(d->ctx[1], CE_HI, DID);
    x->aw = (unsigned)VTD_FIELD_GET(d->ctx[1], CE_HI, AW);
    if (tt == 2) {  /* 9.3: TT 10b pass-through */
        x->valid = true;
        x->passthrough = true;
        return;
    }
    if (tt == 3) {
        x->why = "TT=11b reserved";
        return;
    }
    if (x->aw < 1 || x->aw > 3) {
        x->why = "reserved AW";
        return;
    }
    x->valid = true;
    x->levels = (int)x->aw + 2;
    x->table = d->ctx[0] & v->addr_mask;
}

void view_pasid_xlate(const struct unit_view *v, const uint64_t pe[8],
                      struct xlate_view *x)
{
    memset(x, 0, sizeof(*x));
    unsigned pgtt = (unsigned)VTD_FIELD_GET(pe[0], PTE0, PGTT);
    x->did = (uint16_t)VTD_FIELD_GET(pe[1], PTE1, DID);
    x->aw = (unsigned)VTD_FIELD_GET(pe[0], PTE0, AW);
    switch (pgtt) {
    case VTD_PGTT_PT:
        x->valid = true;
        x->passthrough = true;
        return;
    case VTD_PGTT_FS:
    case VTD_PGTT_NESTED:
        /* 9.6: FLPM 00b 4-level, 01b 5-level.  Nested shows the first
         * stage (the second stage translates its table addresses). */
        x->fl = true;
        x->levels = VTD_FIELD_GET(pe[2], PTE2, FSPM) == 1 ? 5 : 4;
        x->table = pe[2] & v->addr_mask;
        x->valid = true;
        return;
    case VTD_PGTT_SS:
        if (x->aw < 1 || x->aw > 3) {
            x->why = "reserved AW";
            return;
        }
        x->levels = (int)x->aw + 2;
        x->table = pe[0] & v->addr_mask;
        x->valid = true;
        return;
    default:
        x->why = "reserved PGTT";
        return;
    }
}

/* Visit every present context entry in bus/devfn order (VT-d 3.4.2,
 * 3.4.3).  With stop_bus_on_missing, a missing context table ends the
 * bus as Linux's debugfs walker does (it returns on the first devfn whose
 * table is absent). */
void view_foreach_device(struct view_ctx *c, const struct unit_view *v,
                         bool linux_order, dev_fn fn, void *arg)
{
    uint64_t rta = v->rtaddr & v->addr_mask;
    uint8_t root[4096];
    if (!view_read(c, rta, root, sizeof(root)))
        return;
    for (unsigned bus = 0; bus < 256; bus++) {
        if (c->o->has_dev && VTD_FIELD_GET(c->o->dev, SID, BUS) != bus)
            continue;
        uint64_t re[2] = { vtd_ldq_le(root + VTD_RE_SIZE * bus),
                           vtd_ldq_le(root + VTD_RE_SIZE * bus + 8) };
        uint8_t tab[2][4096];
        bool have[2] = { false, false };
        for (unsigned devfn = 0; devfn < 256; devfn++) {
            uint16_t sid = (uint16_t)(bus << VTD_SID_BUS_SHIFT | devfn);
            unsigned half = v->scalable
                ? (unsigned)VTD_FIELD_GET(devfn, SM_DEVFN, UPPER) : 0;
            uint64_t rep = re[half];
            if (!VTD_FIELD_GET(rep, RE, P)) {
                if (linux_order)
                    break;
                if (!v->scalable)
                    break;
                devfn |= (unsigned)VTD_SM_DEVFN_IDX_MASK; /* skip the half */
                continue;
            }
            if (!have[half]) {
                if (!view_read(c, rep & v->addr_mask, tab[half], 4096))
                    break;
                have[half] = true;
            }
            if (c->o->has_dev && c->o->dev != sid)
                continue;
            if (!view_spend(c, 1))
                return;
            struct dev_view d = { .sid = sid, .root[0] = re[0],
                                  .root[1] = re[1],
                                  .root_gpa = rta + VTD_RE_SIZE * bus };
            unsigned esz = v->scalable ? VTD_SCE_SIZE : VTD_CE_SIZE;
            unsigned idx = v->scalable
                ? (unsigned)VTD_FIELD_GET(devfn, SM_DEVFN, IDX) : devfn;
            for (unsigned q = 0; q < esz / 8; q++)
                d.ctx[q] = vtd_ldq_le(tab[half] + idx * esz + 8 * q);
            d.ctx_gpa = (rep & v->addr_mask) + idx * esz;
            if (!VTD_FIELD_GET(d.ctx[0], CE_LO, P))
                continue;
            fn(c, v, &d, arg);
            if (c->truncated)
                return;
        }
    }
}

/* Visit the present PASID entries of a scalable-mode context entry
 * (9.4 PDTS: 2^(PDTS+7) directory entries; 9.5, 9.6). */
void view_foreach_pasid(struct view_ctx *c, const struct unit_view *v,
                        const struct dev_view *d, pasid_fn fn, void *arg)
{
    uint64_t dir = d->ctx[0] & v->addr_mask;
    unsigned ndir = 1u << (VTD_FIELD_GET(d->ctx[0], SCE0, PDTS) + 7);
    for (unsigned chunk = 0; chunk < ndir; chunk += 512) {
        uint8_t raw[4096];
        if (!view_read(c, dir + (uint64_t)VTD_PDE_SIZE * chunk, raw,
                       sizeof(raw)))
            return;
        for (unsigned i = 0; i < 512 && chunk + i < ndir; i++) {
            uint64_t pde = vtd_ldq_le(raw + VTD_PDE_SIZE * i);
            if (!VTD_FIELD_GET(pde, PDE, P))
                continue;
            if (!view_spend(c, 1))
                return;
            uint8_t tab[4096];
            uint64_t tgpa = pde & v->addr_mask;
            if (!view_read(c, tgpa, tab, sizeof(tab)))
                continue;
            for (unsigned k = 0; k < sizeof(tab) / VTD_PASID_ENTRY_SIZE;
                 k++) {
                uint64_t pe[8];
                for (unsigned q = 0; q < 8; q++)
                    pe[q] = vtd_ldq_le(tab + VTD_PASID_ENTRY_SIZE * k +
                                       8 * q);
                if (!VTD_FIELD_GET(pe[0], PTE0, P))
                    continue;
                if (!view_spend(c, 1))
                    return;
                fn(c, v, d, (chunk + i) << VTD_PASID_DIR_SHIFT | k, pe,
                   tgpa + VTD_PASID_ENTRY_SIZE * k, arg);
                if (c->truncated)
                    return;
            }
        }
    }
}

/* Read one PASID entry; false when the directory or table entry is not
 * present or unreadable. */
bool view_lookup_pasid(struct view_ctx *c, const struct unit_view *v,
                       const struct dev_view *d, uint32_t pasid,
                       uint64_t pe[8])
{
    unsigned ndir = 1u << (VTD_FIELD_GET(d->ctx[0], SCE0, PDTS) + 7);
    if (pasid > VTD_PASID_MAX)
        return false;
    uint32_t di = (uint32_t)VTD_FIELD_GET(pasid, PASID, DIR);
    if (di >= ndir)
        return false;
    uint8_t b[64];
    if (!view_read(c, (d->ctx[0] & v->addr_mask) +
                          (uint64_t)VTD_PDE_SIZE * di, b, VTD_PDE_SIZE))
        return false;
    uint64_t pde = vtd_ldq_le(b);
    if (!VTD_FIELD_GET(pde, PDE, P))
        return false;
    if (!view_read(c, (pde & v->addr_mask) + (uint64_t)VTD_PASID_ENTRY_SIZE *
                          VTD_FIELD_GET(pasid, PASID, TBL),
                   b, VTD_PASID_ENTRY_SIZE))
        return false;
    for (unsigned q = 0; q < 8; q++)
        pe[q] = vtd_ldq_le(b + 8 * q);
    return VTD_FIELD_GET(pe[0], PTE0, P) != 0;
}

/* ------------------------------------------------------------------ */
/* Register decoding                                                   */
/* ------------------------------------------------------------------ */

void view_gsts_names(GString *s, uint32_t gsts)
{
    static const struct { uint32_t bit; const char *name; } b[] = {
        { VTD_GSTS_TES, "TES" }, { VTD_GSTS_RTPS, "RTPS" },
        { VTD_GSTS_FLS, "FLS" }, { VTD_GSTS_AFLS, "AFLS" },
        { VTD_GSTS_WBFS, "WBFS" }, { VTD_GSTS_QIES, "QIES" },
        { VTD_GSTS_IRES, "IRES" }, { VTD_GSTS_IRTPS, "IRTPS" },
        { VTD_GSTS_CFIS, "CFIS" },
    };
    bool any = false;
    for (size_t i = 0; i < G_N_ELEMENTS(b); i++)
        if (gsts & b[i].bit) {
            g_string_append_printf(s, "%s%s", any ? " " : "", b[i].name);
            any = true;
        }
    if (!any)
        g_string_append(s, "none");
}

void view_fsts_names(GString *s, uint32_t fsts)
{
    static const char *const n[] = { "PFO", "PPF", "AFO", "APF", "IQE",
                                     "ICE", "ITE" };
    bool any = false;
    for (unsigned i = 0; i < G_N_ELEMENTS(n); i++)
        if (fsts & (1u << i)) {
            g_string_append_printf(s, "%s%s", any ? " " : "", n[i]);
            any = true;
        }
    g_string_append_printf(s, "%sFRI %u", any ? " " : "",
                           (unsigned)VTD_FIELD_GET(fsts, FSTS, FRI));
}

void view_caps_line(void *opaque, const char *text)
{
    g_string_append_printf(opaque, "    %s\n", text);
}

const char *view_ttm_str(uint64_t rtaddr)
{
    switch (VTD_FIELD_GET(rtaddr, RTADDR, TTM)) {
    case VTD_TTM_LEGACY:
        return "legacy";
    case VTD_TTM_SCALABLE:
        return "scalable";
    case VTD_TTM_ABORT:
        return "abort-DMA";
    default:
        return "reserved";
    }
}

unsigned view_irt_entries(uint64_t irta)
{
    return 2u << VTD_FIELD_GET(irta, IRTA, S);   /* 11.4.8.1: 2^(S+1) */
}

/* Each fault recording register with F set (11.4.14). */
void view_foreach_fault(const struct unit_view *v,
                        void (*fn)(void *arg, unsigned i, uint64_t lo,
                                   uint64_t hi),
                        void *arg)
{
    unsigned fro = (unsigned)VTD_FIELD_GET(v->cap, CAP, FRO) * 16;
    unsigned nfr = (unsigned)VTD_FIELD_GET(v->cap, CAP, NFR) + 1;
    for (unsigned i = 0; i < nfr; i++) {
        uint64_t lo = view_reg64(v->u, fro + 16 * i);
        uint64_t hi = view_reg64(v->u, fro + 16 * i + 8);
        if (VTD_FIELD_GET(hi, FRCD_HI, F))
            fn(arg, i, lo, hi);
    }
}


/* Visit the present entries of the interrupt remapping table at IRTA
 * (VT-d 9.9, 9.10; 2^(S+1) entries of 16 bytes), in index order, one
 * budget unit each.  posted: -1 every entry, 0 remapped (IM=0) only, 1
 * posted (IM=1) only.  Returns 0, VIEW_UNREADABLE or VIEW_BUDGET. */
int view_foreach_irte(struct view_ctx *c, const struct unit_view *v,
                      int posted, irte_fn fn, void *arg)
{
    uint64_t base = v->irta & v->addr_mask;
    unsigned n = view_irt_entries(v->irta);
    for (unsigned chunk = 0; chunk < n; chunk += 256) {
        uint8_t raw[4096];
        if (!view_read(c, base + 16ULL * chunk, raw, sizeof(raw)))
            return VIEW_UNREADABLE;
        for (unsigned i = 0; i < 256 && chunk + i < n; i++) {
            uint64_t lo = vtd_ldq_le(raw + 16 * i);
            uint64_t hi = vtd_ldq_le(raw + 16 * i + 8);
            if (!VTD_FIELD_GET(lo, IRTE_LO, P))
                continue;
            if (posted >= 0 &&
                (VTD_FIELD_GET(lo, IRTE_LO, IM) != 0) != (posted != 0))
                continue;
            if (!view_spend(c, 1))
                return VIEW_BUDGET;
            fn(arg, chunk + i, lo, hi);
        }
    }
    return 0;
}
