/* SPDX-License-Identifier: MIT */
/*
 * report/inspect.c: state renderers (see inspect.h).
 *
 * Entry layouts come from VT-d 5.10 chapter 9 (root 9.1/9.2, context
 * 9.3/9.4, PASID directory and table 9.5/9.6, second-stage 9.8, first-stage
 * 9.7, IRTE 9.10) and the registers from chapter 11.  The linux-debugfs
 * layouts follow the format strings of Linux drivers/iommu/intel/debugfs.c
 * (6.1, and 6.7 which made domain_translation_struct per device and
 * dropped the virtual-command registers from iommu_regset).
 */
#include "report/inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <vtd/layout.h>

#define PAGE_MASK_4K (~(uint64_t)0xfff)
#define DEFAULT_BUDGET (4ul << 20)
#define DOT_ROWS_MAX 64


/* ------------------------------------------------------------------ */
/* Context                                                             */
/* ------------------------------------------------------------------ */

struct unit_view {
    struct vtd_iommu *u;
    unsigned idx;
    char name[16];
    uint64_t base;
    uint64_t cap, ecap, rtaddr, irta, iqa, iqh, iqt;
    uint32_t ver, gsts, fsts, fectl;
    bool scalable;
    uint64_t addr_mask;   /* address bits a table pointer may use */
};

struct ictx {
    const struct inspect_src *src;
    const struct inspect_opts *o;
    GString *out;
    unsigned long budget;
    bool truncated;
    bool unreadable;
};

static bool spend(struct ictx *c, unsigned long n)
{
    if (c->budget < n) {
        c->budget = 0;
        c->truncated = true;
        return false;
    }
    c->budget -= n;
    return true;
}

static bool rd(struct ictx *c, uint64_t gpa, void *buf, size_t len)
{
    if (c->src->read(c->src->opaque, gpa, buf, len) < 0) {
        c->unreadable = true;
        return false;
    }
    return true;
}

static uint64_t reg64(struct vtd_iommu *u, uint64_t off)
{
    uint64_t v = 0;
    if (vtd_mmio_read(u, off, 8, &v) < 0)
        v = 0;
    return v;
}

static uint32_t reg32(struct vtd_iommu *u, uint64_t off)
{
    uint64_t v = 0;
    if (vtd_mmio_read(u, off, 4, &v) < 0)
        v = 0;
    return (uint32_t)v;
}

static void unit_view_init(struct unit_view *v, const struct inspect_unit *iu,
                           unsigned idx)
{
    memset(v, 0, sizeof(*v));
    v->u = iu->unit;
    v->idx = idx;
    v->base = iu->base;
    snprintf(v->name, sizeof(v->name), "dmar%u", idx);
    v->ver = reg32(v->u, VTD_REG_VER);
    v->cap = reg64(v->u, VTD_REG_CAP);
    v->ecap = reg64(v->u, VTD_REG_ECAP);
    v->gsts = reg32(v->u, VTD_REG_GSTS);
    v->rtaddr = reg64(v->u, VTD_REG_RTADDR);
    v->fsts = reg32(v->u, VTD_REG_FSTS);
    v->fectl = reg32(v->u, VTD_REG_FECTL);
    v->irta = reg64(v->u, VTD_REG_IRTA);
    v->iqa = reg64(v->u, VTD_REG_IQA);
    v->iqh = reg64(v->u, VTD_REG_IQH);
    v->iqt = reg64(v->u, VTD_REG_IQT);
    /* VT-d 11.4.6: TTM 01b selects scalable-mode tables. */
    v->scalable = VTD_FIELD_GET(v->rtaddr, RTADDR, TTM) == VTD_TTM_SCALABLE;
    /* Table pointers: bits 63:12 within the host address width; we use
     * MGAW + 1 (what QEMU's DMAR table reports) capped at 52 bits. */
    unsigned bits = (unsigned)VTD_FIELD_GET(v->cap, CAP, MGAW) + 1;
    if (bits > 52 || bits < 32)
        bits = 52;
    v->addr_mask = ((1ULL << bits) - 1) & PAGE_MASK_4K;
}

static void sid_str(char *buf, size_t len, uint16_t sid)
{
    snprintf(buf, len, "%02x:%02x.%x", sid >> 8, (sid >> 3) & 0x1f, sid & 7);
}

static void size_str(char *buf, size_t len, uint64_t size)
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

static void perm_str(char *buf, size_t len, unsigned perm, bool fl)
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

static const char *aw_str(unsigned aw)
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

static const char *pgtt_str(unsigned pgtt)
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

struct leaf_sink {
    void (*leaf)(void *arg, uint64_t iova, uint64_t size, uint64_t addr,
                 unsigned perm, const uint64_t path[6]);
    void *arg;
};

static uint64_t level_size(int level)
{
    return 1ULL << (12 + 9 * (level - 1));
}

static bool pte_present(uint64_t e, bool fl)
{
    /* First stage: P.  Second stage: R or W set (9.8). */
    return fl ? VTD_FIELD_GET(e, FSE, P) != 0
              : (VTD_FIELD_GET(e, SSE, R) | VTD_FIELD_GET(e, SSE, W)) != 0;
}

static bool pte_leaf(uint64_t e, int level)
{
    /* PS is bit 7 in both formats (9.7, 9.8). */
    return level == 1 ||
           ((level == 2 || level == 3) && VTD_FIELD_GET(e, SSE, PS));
}

static unsigned pte_perm(uint64_t e, bool fl)
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

static void walk_pt(struct ictx *c, const struct unit_view *v, uint64_t table,
                    int level, uint64_t iova, bool fl, unsigned perm,
                    uint64_t path[6], const struct leaf_sink *s)
{
    if (level < 1 || level > 5)
        return;
    uint64_t ent[512];
    uint8_t raw[4096];
    if (!rd(c, table, raw, sizeof(raw)))
        return;
    for (int i = 0; i < 512; i++)
        ent[i] = vtd_ldq_le(raw + 8 * i);
    for (int i = 0; i < 512; i++) {
        uint64_t e = ent[i];
        uint64_t at = iova + (uint64_t)i * level_size(level);
        if (!pte_present(e, fl))
            continue;
        if (!spend(c, 1))
            return;
        unsigned p = perm & pte_perm(e, fl);
        path[level] = e;
        uint64_t addr = e & v->addr_mask;
        if (pte_leaf(e, level)) {
            uint64_t sz = level_size(level);
            s->leaf(s->arg, at, sz, addr & ~(sz - 1), p, path);
        } else {
            walk_pt(c, v, addr, level - 1, at, fl, p, path, s);
            if (c->truncated)
                return;
        }
        path[level] = 0;
    }
}

/* Coalesced ranges. */
struct range {
    uint64_t iova, size, addr;
    unsigned perm;
};

static void range_leaf(void *arg, uint64_t iova, uint64_t size, uint64_t addr,
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

/* A present context entry. */
struct dev_view {
    uint16_t sid;
    uint64_t root[2];     /* root entry lo, hi */
    uint64_t root_gpa;    /* address of the root entry */
    uint64_t ctx[4];      /* legacy: ctx[0..1]; scalable: all four */
    uint64_t ctx_gpa;
};

/* What a device (or one of its PASIDs) translates with. */
struct xlate_view {
    bool valid;
    const char *why;      /* when !valid */
    bool passthrough;
    bool fl;
    int levels;
    uint64_t table;
    uint16_t did;
    unsigned aw;
};

static void legacy_xlate(const struct unit_view *v, const struct dev_view *d,
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

static void pasid_xlate(const struct unit_view *v, const uint64_t pe[8],
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

typedef void (*dev_fn)(struct ictx *c, const struct unit_view *v,
                       const struct dev_view *d, void *arg);

/* Visit every present context entry in bus/devfn order (VT-d 3.4.2,
 * 3.4.3).  With stop_bus_on_missing, a missing context table ends the
 * bus as Linux's debugfs walker does (it returns on the first devfn whose
 * table is absent). */
static void foreach_device(struct ictx *c, const struct unit_view *v,
                           bool linux_order, dev_fn fn, void *arg)
{
    uint64_t rta = v->rtaddr & v->addr_mask;
    uint8_t root[4096];
    if (!rd(c, rta, root, sizeof(root)))
        return;
    for (unsigned bus = 0; bus < 256; bus++) {
        if (c->o->has_dev && (c->o->dev >> 8) != bus)
            continue;
        uint64_t re[2] = { vtd_ldq_le(root + 16 * bus),
                           vtd_ldq_le(root + 16 * bus + 8) };
        uint8_t tab[2][4096];
        bool have[2] = { false, false };
        for (unsigned devfn = 0; devfn < 256; devfn++) {
            uint16_t sid = (uint16_t)(bus << 8 | devfn);
            unsigned half = v->scalable ? devfn >> 7 : 0;
            uint64_t rep = re[half];
            if (!VTD_FIELD_GET(rep, RE, P)) {
                if (linux_order)
                    break;
                if (!v->scalable)
                    break;
                devfn = half ? 255 : 127;  /* skip this half */
                continue;
            }
            if (!have[half]) {
                if (!rd(c, rep & v->addr_mask, tab[half], 4096))
                    break;
                have[half] = true;
            }
            if (c->o->has_dev && c->o->dev != sid)
                continue;
            if (!spend(c, 1))
                return;
            struct dev_view d = { .sid = sid, .root[0] = re[0],
                                  .root[1] = re[1],
                                  .root_gpa = rta + 16 * bus };
            unsigned esz = v->scalable ? 32 : 16;
            unsigned idx = v->scalable ? (devfn & 0x7f) : devfn;
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

typedef void (*pasid_fn)(struct ictx *c, const struct unit_view *v,
                         const struct dev_view *d, uint32_t pasid,
                         const uint64_t pe[8], uint64_t pe_gpa, void *arg);

/* Visit the present PASID entries of a scalable-mode context entry
 * (9.4 PDTS: 2^(PDTS+7) directory entries; 9.5, 9.6). */
static void foreach_pasid(struct ictx *c, const struct unit_view *v,
                          const struct dev_view *d, pasid_fn fn, void *arg)
{
    uint64_t dir = d->ctx[0] & v->addr_mask;
    unsigned ndir = 1u << (VTD_FIELD_GET(d->ctx[0], SCE0, PDTS) + 7);
    for (unsigned chunk = 0; chunk < ndir; chunk += 512) {
        uint8_t raw[4096];
        if (!rd(c, dir + chunk * 8ULL, raw, sizeof(raw)))
            return;
        for (unsigned i = 0; i < 512 && chunk + i < ndir; i++) {
            uint64_t pde = vtd_ldq_le(raw + 8 * i);
            if (!VTD_FIELD_GET(pde, PDE, P))
                continue;
            if (!spend(c, 1))
                return;
            uint8_t tab[4096];
            uint64_t tgpa = pde & v->addr_mask;
            if (!rd(c, tgpa, tab, sizeof(tab)))
                continue;
            for (unsigned k = 0; k < 64; k++) {
                uint64_t pe[8];
                for (unsigned q = 0; q < 8; q++)
                    pe[q] = vtd_ldq_le(tab + 64 * k + 8 * q);
                if (!VTD_FIELD_GET(pe[0], PTE0, P))
                    continue;
                if (!spend(c, 1))
                    return;
                fn(c, v, d, (chunk + i) << 6 | k, pe, tgpa + 64 * k, arg);
                if (c->truncated)
                    return;
            }
        }
    }
}

/* Read one PASID entry; false when the directory or table entry is not
 * present or unreadable. */
static bool lookup_pasid(struct ictx *c, const struct unit_view *v,
                         const struct dev_view *d, uint32_t pasid,
                         uint64_t pe[8])
{
    unsigned ndir = 1u << (VTD_FIELD_GET(d->ctx[0], SCE0, PDTS) + 7);
    uint32_t di = pasid >> 6;
    if (pasid > 0xfffff || di >= ndir)
        return false;
    uint8_t b[64];
    if (!rd(c, (d->ctx[0] & v->addr_mask) + 8ULL * di, b, 8))
        return false;
    uint64_t pde = vtd_ldq_le(b);
    if (!VTD_FIELD_GET(pde, PDE, P))
        return false;
    if (!rd(c, (pde & v->addr_mask) + 64ULL * (pasid & 63), b, 64))
        return false;
    for (unsigned q = 0; q < 8; q++)
        pe[q] = vtd_ldq_le(b + 8 * q);
    return VTD_FIELD_GET(pe[0], PTE0, P) != 0;
}

/* ------------------------------------------------------------------ */
/* Register decoding                                                   */
/* ------------------------------------------------------------------ */

static void gsts_names(GString *s, uint32_t gsts)
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

static void fsts_names(GString *s, uint32_t fsts)
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

static void caps_line(void *opaque, const char *text)
{
    g_string_append_printf(opaque, "    %s\n", text);
}

static const char *ttm_str(uint64_t rtaddr)
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

static unsigned irt_entries(uint64_t irta)
{
    return 2u << VTD_FIELD_GET(irta, IRTA, S);   /* 11.4.8.1: 2^(S+1) */
}

/* Each fault recording register with F set (11.4.14). */
static void foreach_fault(const struct unit_view *v,
                          void (*fn)(void *arg, unsigned i, uint64_t lo,
                                     uint64_t hi),
                          void *arg)
{
    unsigned fro = (unsigned)VTD_FIELD_GET(v->cap, CAP, FRO) * 16;
    unsigned nfr = (unsigned)VTD_FIELD_GET(v->cap, CAP, NFR) + 1;
    for (unsigned i = 0; i < nfr; i++) {
        uint64_t lo = reg64(v->u, fro + 16 * i);
        uint64_t hi = reg64(v->u, fro + 16 * i + 8);
        if (VTD_FIELD_GET(hi, FRCD_HI, F))
            fn(arg, i, lo, hi);
    }
}

/* ------------------------------------------------------------------ */
/* text                                                                */
/* ------------------------------------------------------------------ */

struct text_fault_arg {
    GString *s;
    enum linux_ver lv;
};

static void text_fault(void *arg, unsigned i, uint64_t lo, uint64_t hi)
{
    struct text_fault_arg *a = arg;
    struct linuxfmt_fault f;
    linuxfmt_from_frcd(lo, hi, &f);
    g_string_append_printf(a->s, "  FRCD%u = 0x%016" PRIx64 "_%016" PRIx64
                           ": %s\n    ", i, hi, lo,
                           vtd_fault_reason_str(f.reason));
    linuxfmt_fault_line(a->s, &f, a->lv);
    g_string_append_c(a->s, '\n');
}

static void text_registers(struct ictx *c, const struct unit_view *v)
{
    GString *s = c->out;
    g_string_append_printf(s, "registers:\n  VER    = 0x%x (%u.%u)\n", v->ver,
                           (unsigned)VTD_FIELD_GET(v->ver, VER, MAX),
                           (unsigned)VTD_FIELD_GET(v->ver, VER, MIN));
    g_string_append_printf(s, "  CAP    = 0x%016" PRIx64 "\n", v->cap);
    g_string_append_printf(s, "  ECAP   = 0x%016" PRIx64 "\n", v->ecap);
    vtd_describe_caps(v->cap, v->ecap, v->ver, v->base, v->idx, caps_line, s);
    g_string_append_printf(s, "  GSTS   = 0x%08x (", v->gsts);
    gsts_names(s, v->gsts);
    g_string_append_printf(s, ")\n  RTADDR = 0x%" PRIx64 " (RTA 0x%" PRIx64
                           ", TTM %s)\n", v->rtaddr,
                           v->rtaddr & PAGE_MASK_4K, ttm_str(v->rtaddr));
    g_string_append_printf(s, "  FSTS   = 0x%x (", v->fsts);
    fsts_names(s, v->fsts);
    g_string_append_printf(s, ")\n  FECTL  = 0x%x (IM %u, IP %u)\n", v->fectl,
                           (unsigned)VTD_FIELD_GET(v->fectl, ECTL, IM),
                           (unsigned)VTD_FIELD_GET(v->fectl, ECTL, IP));
    g_string_append_printf(s, "  IQA    = 0x%" PRIx64 " (base 0x%" PRIx64
                           ", QS %u, DW %u)\n", v->iqa, v->iqa & PAGE_MASK_4K,
                           (unsigned)VTD_FIELD_GET(v->iqa, IQA, QS),
                           (unsigned)VTD_FIELD_GET(v->iqa, IQA, DW));
    g_string_append_printf(s, "  IQH    = 0x%" PRIx64 ", IQT = 0x%" PRIx64
                           "\n", v->iqh, v->iqt);
    g_string_append_printf(s, "  IRTA   = 0x%" PRIx64 " (base 0x%" PRIx64
                           ", %u entries, %s)\n", v->irta,
                           v->irta & PAGE_MASK_4K, irt_entries(v->irta),
                           VTD_FIELD_GET(v->irta, IRTA, EIME) ? "x2APIC"
                                                            : "xAPIC");
    struct text_fault_arg fa = { s, c->o->linux_ver };
    foreach_fault(v, text_fault, &fa);
}

static void text_ranges(GString *s, GArray *a, bool fl, const char *indent)
{
    for (guint i = 0; i < a->len; i++) {
        const struct range *r = &g_array_index(a, struct range, i);
        char sz[32], pm[8];
        size_str(sz, sizeof(sz), r->size);
        perm_str(pm, sizeof(pm), r->perm, fl);
        g_string_append_printf(s, "%s0x%" PRIx64 "-0x%" PRIx64 " %s %s -> 0x%"
                               PRIx64 "\n", indent, r->iova,
                               r->iova + r->size - 1, sz, pm, r->addr);
    }
    if (!a->len)
        g_string_append_printf(s, "%s(no mappings)\n", indent);
}

static void text_xlate(struct ictx *c, const struct unit_view *v,
                       const struct xlate_view *x, const char *indent)
{
    GString *s = c->out;
    if (!x->valid) {
        g_string_append_printf(s, "%s(not walked: %s)\n", indent, x->why);
        return;
    }
    if (x->passthrough) {
        g_string_append_printf(s, "%spass-through: output = input\n", indent);
        return;
    }
    g_string_append_printf(s, "%s%s %d-level table at 0x%" PRIx64 ":\n",
                           indent, x->fl ? "first-stage" : "second-stage",
                           x->levels, x->table);
    GArray *a = g_array_new(FALSE, FALSE, sizeof(struct range));
    uint64_t path[6] = { 0 };
    struct leaf_sink sink = { range_leaf, a };
    walk_pt(c, v, x->table, x->levels, 0, x->fl,
            VTD_PERM_R | VTD_PERM_W | VTD_PERM_X | VTD_PERM_U, path, &sink);
    char in2[32];
    snprintf(in2, sizeof(in2), "%s  ", indent);
    text_ranges(s, a, x->fl, in2);
    g_array_free(a, TRUE);
}

static void text_pasid(struct ictx *c, const struct unit_view *v,
                       const struct dev_view *d, uint32_t pasid,
                       const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    struct xlate_view x;
    pasid_xlate(v, pe, &x);
    g_string_append_printf(c->out, "    PASID 0x%x%s @0x%" PRIx64 ": %016"
                           PRIx64 ":%016" PRIx64 ":%016" PRIx64 ":%016" PRIx64
                           " PGTT %s DID %u FPD %u\n", pasid,
                           pasid == VTD_FIELD_GET(d->ctx[1], SCE1, RID_PASID)
                               ? " (RID_PASID)" : "",
                           pe_gpa, pe[3], pe[2], pe[1], pe[0],
                           pgtt_str((unsigned)VTD_FIELD_GET(pe[0], PTE0, PGTT)),
                           x.did, (unsigned)VTD_FIELD_GET(pe[0], PTE0, FPD));
    text_xlate(c, v, &x, "      ");
}

static void text_device(struct ictx *c, const struct unit_view *v,
                        const struct dev_view *d, void *arg)
{
    GString *s = c->out;
    char sid[16];
    sid_str(sid, sizeof(sid), d->sid);
    if (!v->scalable) {
        struct xlate_view x;
        legacy_xlate(v, d, &x);
        g_string_append_printf(s, "  %s context @0x%" PRIx64 " = %016" PRIx64
                               ":%016" PRIx64 ": TT %u DID %u AW %u (%s) "
                               "FPD %u\n", sid, d->ctx_gpa, d->ctx[1],
                               d->ctx[0],
                               (unsigned)VTD_FIELD_GET(d->ctx[0], CE_LO, TT), x.did,
                               x.aw, aw_str(x.aw),
                               (unsigned)VTD_FIELD_GET(d->ctx[0], CE_LO, FPD));
        text_xlate(c, v, &x, "    ");
        return;
    }
    g_string_append_printf(s, "  %s scalable context @0x%" PRIx64 " = %016"
                           PRIx64 ":%016" PRIx64 ":%016" PRIx64 ":%016" PRIx64
                           ": PASID dir 0x%" PRIx64 " (%u entries) RID_PASID "
                           "0x%x DTE %u PASIDE %u PRE %u\n", sid, d->ctx_gpa,
                           d->ctx[3], d->ctx[2], d->ctx[1], d->ctx[0],
                           d->ctx[0] & v->addr_mask,
                           1u << (VTD_FIELD_GET(d->ctx[0], SCE0, PDTS) + 7),
                           (unsigned)VTD_FIELD_GET(d->ctx[1], SCE1, RID_PASID),
                           (unsigned)VTD_FIELD_GET(d->ctx[0], SCE0, DTE),
                           (unsigned)VTD_FIELD_GET(d->ctx[0], SCE0, PASIDE),
                           (unsigned)VTD_FIELD_GET(d->ctx[0], SCE0, PRE));
    if (c->o->pasid != VTD_NO_PASID) {
        uint64_t pe[8];
        if (lookup_pasid(c, v, d, c->o->pasid, pe))
            text_pasid(c, v, d, c->o->pasid, pe, 0, NULL);
        else
            g_string_append_printf(s, "    PASID 0x%x not present\n",
                                   c->o->pasid);
        return;
    }
    foreach_pasid(c, v, d, text_pasid, NULL);
}

static void text_irt(struct ictx *c, const struct unit_view *v)
{
    GString *s = c->out;
    if (!VTD_FIELD_GET(v->ecap, ECAP, IR))
        return;
    uint64_t base = v->irta & v->addr_mask;
    unsigned n = irt_entries(v->irta);
    bool x2 = VTD_FIELD_GET(v->irta, IRTA, EIME) != 0;
    g_string_append_printf(s, "interrupt remapping table at 0x%" PRIx64
                           " (%u entries, %s, IR %s):\n", base, n,
                           x2 ? "x2APIC" : "xAPIC",
                           (v->gsts & VTD_GSTS_IRES) ? "enabled"
                                                     : "disabled");
    if (!(v->gsts & VTD_GSTS_IRTPS) && !v->irta) {
        g_string_append(s, "  (no table set)\n");
        return;
    }
    static const char *const dlm[] = { "fixed", "lowest", "SMI", "rsvd3",
                                       "NMI", "INIT", "rsvd6", "ExtINT" };
    unsigned shown = 0;
    for (unsigned chunk = 0; chunk < n; chunk += 256) {
        uint8_t raw[4096];
        if (!rd(c, base + 16ULL * chunk, raw, sizeof(raw))) {
            g_string_append(s, "  (unreadable)\n");
            return;
        }
        for (unsigned i = 0; i < 256 && chunk + i < n; i++) {
            uint64_t lo = vtd_ldq_le(raw + 16 * i), hi = vtd_ldq_le(raw + 16 * i + 8);
            if (!VTD_FIELD_GET(lo, IRTE_LO, P))
                continue;
            if (!spend(c, 1))
                return;
            shown++;
            char sid[16];
            sid_str(sid, sizeof(sid), (uint16_t)VTD_FIELD_GET(hi, IRTE_HI, SID));
            if (VTD_FIELD_GET(lo, IRTE_LO, IM)) {
                uint64_t pda = (VTD_FIELD_GET(hi, IRTE_HI, PDAH) << 32) |
                               (VTD_FIELD_GET(lo, IRTE_LO, PDAL) << 6);
                g_string_append_printf(s, "  %5u: posted vector 0x%02x PDA 0x%"
                                       PRIx64 " URG %u sid %s SQ %u SVT %u "
                                       "FPD %u\n", chunk + i,
                                       (unsigned)VTD_FIELD_GET(lo, IRTE_LO, V), pda,
                                       (unsigned)VTD_FIELD_GET(lo, IRTE_LO, URG), sid,
                                       (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SQ),
                                       (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SVT),
                                       (unsigned)VTD_FIELD_GET(lo, IRTE_LO, FPD));
                continue;
            }
            uint32_t dst = (uint32_t)VTD_FIELD_GET(lo, IRTE_LO, DST);
            /* 9.10: xAPIC destination in DST bits 15:8 (IRTE 47:40). */
            uint32_t dest = x2 ? dst
                               : (uint32_t)VTD_FIELD_GET(lo, IRTE_LO, DST_X);
            g_string_append_printf(s, "  %5u: remapped vector 0x%02x dest 0x%x "
                                   "%s %s %s RH %u sid %s SQ %u SVT %u FPD "
                                   "%u\n", chunk + i,
                                   (unsigned)VTD_FIELD_GET(lo, IRTE_LO, V), dest,
                                   VTD_FIELD_GET(lo, IRTE_LO, DM) ? "logical"
                                                           : "physical",
                                   VTD_FIELD_GET(lo, IRTE_LO, TM) ? "level" : "edge",
                                   dlm[VTD_FIELD_GET(lo, IRTE_LO, DLM)],
                                   (unsigned)VTD_FIELD_GET(lo, IRTE_LO, RH), sid,
                                   (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SQ),
                                   (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SVT),
                                   (unsigned)VTD_FIELD_GET(lo, IRTE_LO, FPD));
        }
    }
    if (!shown)
        g_string_append(s, "  (no present entries)\n");
}

/* Present root entries (9.1 legacy CTP; 9.2 scalable LCTP/UCTP). */
static void text_root(struct ictx *c, const struct unit_view *v)
{
    uint64_t rta = v->rtaddr & v->addr_mask;
    uint8_t root[4096];
    if (!rd(c, rta, root, sizeof(root)))
        return;
    for (unsigned bus = 0; bus < 256; bus++) {
        if (c->o->has_dev && (c->o->dev >> 8) != bus)
            continue;
        uint64_t lo = vtd_ldq_le(root + 16 * bus), hi = vtd_ldq_le(root + 16 * bus + 8);
        if (!VTD_FIELD_GET(lo, SRE, P) &&
            !(v->scalable && VTD_FIELD_GET(hi, SRE, P)))
            continue;
        g_string_append_printf(c->out, "  bus %02x root @0x%" PRIx64 " = %016"
                               PRIx64 ":%016" PRIx64, bus, rta + 16 * bus, hi,
                               lo);
        if (!v->scalable)
            g_string_append_printf(c->out, ": context table 0x%" PRIx64 "\n",
                                   lo & v->addr_mask);
        else
            g_string_append_printf(c->out, ": lower 0x%" PRIx64 "%s, upper 0x%"
                                   PRIx64 "%s\n", lo & v->addr_mask,
                                   VTD_FIELD_GET(lo, SRE, P) ? ""
                                                             : " (not present)",
                                   hi & v->addr_mask,
                                   VTD_FIELD_GET(hi, SRE, P) ? ""
                                                             : " (not present)");
    }
}

static void render_text(struct ictx *c)
{
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        g_string_append_printf(c->out, "unit %s at 0x%" PRIx64 "\n", v.name,
                               v.base);
        text_registers(c, &v);
        g_string_append_printf(c->out, "%s root table at 0x%" PRIx64
                               " (translation %s):\n",
                               v.scalable ? "scalable-mode" : "legacy",
                               v.rtaddr & v.addr_mask,
                               (v.gsts & VTD_GSTS_TES) ? "enabled"
                                                       : "disabled");
        if (v.gsts & VTD_GSTS_RTPS) {
            text_root(c, &v);
            foreach_device(c, &v, false, text_device, NULL);
        }
        else
            g_string_append(c->out, "  (root table pointer not set)\n");
        text_irt(c, &v);
        g_string_append_c(c->out, '\n');
    }
}

/* ------------------------------------------------------------------ */
/* json                                                                */
/* ------------------------------------------------------------------ */

static void jhex(GString *s, const char *key, uint64_t v, bool comma)
{
    g_string_append_printf(s, "\"%s\": \"0x%" PRIx64 "\"%s", key, v,
                           comma ? ", " : "");
}

static void json_ranges(GString *s, GArray *a, bool fl)
{
    g_string_append(s, "[");
    for (guint i = 0; i < a->len; i++) {
        const struct range *r = &g_array_index(a, struct range, i);
        char pm[8];
        perm_str(pm, sizeof(pm), r->perm, fl);
        g_string_append_printf(s, "%s{", i ? ", " : "");
        jhex(s, "iova", r->iova, true);
        jhex(s, "size", r->size, true);
        jhex(s, "addr", r->addr, true);
        g_string_append_printf(s, "\"perm\": \"%s\"}", pm);
    }
    g_string_append(s, "]");
}

static void json_xlate(struct ictx *c, const struct unit_view *v,
                       const struct xlate_view *x)
{
    GString *s = c->out;
    if (!x->valid) {
        g_string_append_printf(s, "\"translation\": {\"error\": \"%s\"}",
                               x->why);
        return;
    }
    if (x->passthrough) {
        g_string_append(s, "\"translation\": {\"type\": \"pass-through\"}");
        return;
    }
    g_string_append_printf(s, "\"translation\": {\"type\": \"%s\", "
                           "\"levels\": %d, ",
                           x->fl ? "first-stage" : "second-stage", x->levels);
    jhex(s, "table", x->table, true);
    g_string_append(s, "\"mappings\": ");
    GArray *a = g_array_new(FALSE, FALSE, sizeof(struct range));
    uint64_t path[6] = { 0 };
    struct leaf_sink sink = { range_leaf, a };
    walk_pt(c, v, x->table, x->levels, 0, x->fl,
            VTD_PERM_R | VTD_PERM_W | VTD_PERM_X | VTD_PERM_U, path, &sink);
    json_ranges(s, a, x->fl);
    g_array_free(a, TRUE);
    g_string_append(s, "}");
}

struct json_list {
    unsigned n;
};

static void json_pasid(struct ictx *c, const struct unit_view *v,
                       const struct dev_view *d, uint32_t pasid,
                       const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    struct json_list *l = arg;
    GString *s = c->out;
    struct xlate_view x;
    pasid_xlate(v, pe, &x);
    g_string_append_printf(s, "%s{\"pasid\": %u, \"entry\": [", l->n++ ? ", "
                                                                       : "",
                           pasid);
    for (int q = 0; q < 8; q++)
        g_string_append_printf(s, "%s\"0x%" PRIx64 "\"", q ? ", " : "", pe[q]);
    g_string_append_printf(s, "], \"pgtt\": \"%s\", \"did\": %u, ",
                           pgtt_str((unsigned)VTD_FIELD_GET(pe[0], PTE0, PGTT)),
                           x.did);
    json_xlate(c, v, &x);
    g_string_append(s, "}");
}

static void json_device(struct ictx *c, const struct unit_view *v,
                        const struct dev_view *d, void *arg)
{
    struct json_list *l = arg;
    GString *s = c->out;
    char sid[16];
    sid_str(sid, sizeof(sid), d->sid);
    g_string_append_printf(s, "%s{\"sid\": \"%s\", ", l->n++ ? ", " : "",
                           sid);
    jhex(s, "root_lo", d->root[0], true);
    jhex(s, "root_hi", d->root[1], true);
    g_string_append(s, "\"context\": [");
    for (int q = 0; q < (v->scalable ? 4 : 2); q++)
        g_string_append_printf(s, "%s\"0x%" PRIx64 "\"", q ? ", " : "",
                               d->ctx[q]);
    g_string_append(s, "], ");
    if (!v->scalable) {
        struct xlate_view x;
        legacy_xlate(v, d, &x);
        g_string_append_printf(s, "\"tt\": %u, \"did\": %u, \"aw\": %u, ",
                               (unsigned)VTD_FIELD_GET(d->ctx[0], CE_LO, TT), x.did,
                               x.aw);
        json_xlate(c, v, &x);
    } else {
        g_string_append_printf(s, "\"rid_pasid\": %u, \"pasids\": [",
                               (unsigned)VTD_FIELD_GET(d->ctx[1], SCE1, RID_PASID));
        struct json_list pl = { 0 };
        foreach_pasid(c, v, d, json_pasid, &pl);
        g_string_append(s, "]");
    }
    g_string_append(s, "}");
}

struct json_fault_arg {
    GString *s;
    unsigned n;
    enum linux_ver lv;
};

static void json_str(GString *s, const char *str)
{
    g_string_append_c(s, '"');
    for (const char *p = str; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\')
            g_string_append_printf(s, "\\%c", ch);
        else if (ch < 0x20)
            g_string_append_printf(s, "\\u%04x", ch);
        else
            g_string_append_c(s, (char)ch);
    }
    g_string_append_c(s, '"');
}

static void json_fault(void *arg, unsigned i, uint64_t lo, uint64_t hi)
{
    struct json_fault_arg *a = arg;
    struct linuxfmt_fault f;
    linuxfmt_from_frcd(lo, hi, &f);
    char sid[16];
    sid_str(sid, sizeof(sid), f.sid);
    g_string_append_printf(a->s, "%s{\"index\": %u, \"sid\": \"%s\", "
                           "\"reason\": %u, ", a->n++ ? ", " : "", i, sid,
                           f.reason);
    jhex(a->s, "addr", f.addr, true);
    g_string_append(a->s, "\"spec\": ");
    json_str(a->s, vtd_fault_reason_str(f.reason));
    g_string_append(a->s, ", \"linux\": ");
    GString *l = g_string_new(NULL);
    linuxfmt_fault_line(l, &f, a->lv);
    json_str(a->s, l->str);
    g_string_free(l, TRUE);
    g_string_append(a->s, "}");
}

static void json_irt(struct ictx *c, const struct unit_view *v)
{
    GString *s = c->out;
    g_string_append(s, "\"irt\": [");
    if (!VTD_FIELD_GET(v->ecap, ECAP, IR) || !v->irta) {
        g_string_append(s, "]");
        return;
    }
    uint64_t base = v->irta & v->addr_mask;
    unsigned n = irt_entries(v->irta), k = 0;
    for (unsigned chunk = 0; chunk < n; chunk += 256) {
        uint8_t raw[4096];
        if (!rd(c, base + 16ULL * chunk, raw, sizeof(raw)))
            break;
        for (unsigned i = 0; i < 256 && chunk + i < n; i++) {
            uint64_t lo = vtd_ldq_le(raw + 16 * i), hi = vtd_ldq_le(raw + 16 * i + 8);
            if (!VTD_FIELD_GET(lo, IRTE_LO, P))
                continue;
            if (!spend(c, 1))
                break;
            char sid[16];
            sid_str(sid, sizeof(sid), (uint16_t)VTD_FIELD_GET(hi, IRTE_HI, SID));
            g_string_append_printf(s, "%s{\"index\": %u, ", k++ ? ", " : "",
                                   chunk + i);
            jhex(s, "lo", lo, true);
            jhex(s, "hi", hi, true);
            g_string_append_printf(s, "\"posted\": %s, \"vector\": %u, "
                                   "\"dst\": %u, \"sid\": \"%s\"}",
                                   VTD_FIELD_GET(lo, IRTE_LO, IM) ? "true" : "false",
                                   (unsigned)VTD_FIELD_GET(lo, IRTE_LO, V),
                                   (unsigned)VTD_FIELD_GET(lo, IRTE_LO, DST), sid);
        }
    }
    g_string_append(s, "]");
}

static void render_json(struct ictx *c)
{
    GString *s = c->out;
    g_string_append(s, "{\"units\": [");
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        g_string_append_printf(s, "%s{\"name\": \"%s\", ", i ? ", " : "",
                               v.name);
        jhex(s, "base", v.base, true);
        g_string_append(s, "\"registers\": {");
        jhex(s, "VER", v.ver, true);
        jhex(s, "CAP", v.cap, true);
        jhex(s, "ECAP", v.ecap, true);
        jhex(s, "GSTS", v.gsts, true);
        jhex(s, "RTADDR", v.rtaddr, true);
        jhex(s, "FSTS", v.fsts, true);
        jhex(s, "FECTL", v.fectl, true);
        jhex(s, "IQA", v.iqa, true);
        jhex(s, "IQH", v.iqh, true);
        jhex(s, "IQT", v.iqt, true);
        jhex(s, "IRTA", v.irta, false);
        g_string_append_printf(s, "}, \"mode\": \"%s\", \"faults\": [",
                               v.scalable ? "scalable" : "legacy");
        struct json_fault_arg fa = { s, 0, c->o->linux_ver };
        foreach_fault(&v, json_fault, &fa);
        g_string_append(s, "], \"devices\": [");
        struct json_list l = { 0 };
        if (v.gsts & VTD_GSTS_RTPS)
            foreach_device(c, &v, false, json_device, &l);
        g_string_append(s, "], ");
        json_irt(c, &v);
        g_string_append(s, "}");
    }
    g_string_append_printf(s, "], \"truncated\": %s}\n",
                           c->truncated ? "true" : "false");
}

/* ------------------------------------------------------------------ */
/* dot                                                                 */
/* ------------------------------------------------------------------ */

struct dot {
    struct ictx *c;
    GHashTable *seen;   /* table gpa -> node emitted */
    GString *nodes;
    GString *edges;
};

/* Graphviz record labels: escape the characters that structure them. */
static void dot_esc(GString *s, const char *t)
{
    for (; *t; t++) {
        if (strchr("{}|<>\"\\", *t))
            g_string_append_c(s, '\\');
        g_string_append_c(s, *t);
    }
}

static bool dot_first(struct dot *d, uint64_t gpa)
{
    gpointer key = GSIZE_TO_POINTER((gsize)(gpa | 1));
    if (g_hash_table_contains(d->seen, key))
        return false;
    g_hash_table_add(d->seen, key);
    return true;
}

static void dot_pt(struct dot *d, const struct unit_view *v, uint64_t table,
                   int level, bool fl);

static void dot_node_begin(struct dot *d, uint64_t gpa, const char *title)
{
    /* rankdir=LR: a record without outer braces stacks its rows. */
    g_string_append_printf(d->nodes, "  t%" PRIx64 " [label=\"", gpa);
    dot_esc(d->nodes, title);
}

static void dot_row(struct dot *d, int port, const char *text)
{
    if (port >= 0)
        g_string_append_printf(d->nodes, "|<p%d> ", port);
    else
        g_string_append(d->nodes, "|");
    dot_esc(d->nodes, text);
}

static void dot_node_end(struct dot *d)
{
    g_string_append(d->nodes, "\"];\n");
}

static void dot_edge(struct dot *d, uint64_t from, int port, uint64_t to)
{
    g_string_append_printf(d->edges, "  t%" PRIx64 ":p%d -> t%" PRIx64 ";\n",
                           from, port, to);
}

static void dot_pt(struct dot *d, const struct unit_view *v, uint64_t table,
                   int level, bool fl)
{
    struct ictx *c = d->c;
    if (level < 1 || level > 5 || !dot_first(d, table) || !spend(c, 1))
        return;
    uint8_t raw[4096];
    char title[96], row[160];
    snprintf(title, sizeof(title), "%s L%d @0x%" PRIx64,
             fl ? "first-stage" : "second-stage", level, table);
    dot_node_begin(d, table, title);
    if (!rd(c, table, raw, sizeof(raw))) {
        dot_row(d, -1, "unreadable");
        dot_node_end(d);
        return;
    }
    uint64_t children[DOT_ROWS_MAX];
    unsigned nchild = 0, rows = 0;
    for (int i = 0; i < 512;) {
        uint64_t e = vtd_ldq_le(raw + 8 * i);
        if (!pte_present(e, fl)) {
            i++;
            continue;
        }
        if (!spend(c, 1))
            break;
        uint64_t addr = e & v->addr_mask;
        if (pte_leaf(e, level)) {
            /* Collapse a run of leaves mapping contiguous output with the
             * same permissions. */
            uint64_t sz = level_size(level);
            unsigned perm = pte_perm(e, fl);
            int j = i + 1;
            while (j < 512) {
                uint64_t f = vtd_ldq_le(raw + 8 * j);
                if (!pte_present(f, fl) || !pte_leaf(f, level) ||
                    pte_perm(f, fl) != perm ||
                    (f & v->addr_mask & ~(sz - 1)) !=
                        (addr & ~(sz - 1)) + (uint64_t)(j - i) * sz)
                    break;
                j++;
            }
            char szs[32], pm[8];
            size_str(szs, sizeof(szs), sz);
            perm_str(pm, sizeof(pm), perm, fl);
            if (j - i > 1)
                snprintf(row, sizeof(row), "[%d-%d] %d x %s %s -> 0x%" PRIx64,
                         i, j - 1, j - i, szs, pm, addr & ~(sz - 1));
            else
                snprintf(row, sizeof(row), "[%d] %s %s -> 0x%" PRIx64, i, szs,
                         pm, addr & ~(sz - 1));
            if (rows++ < DOT_ROWS_MAX)
                dot_row(d, -1, row);
            i = j;
            continue;
        }
        snprintf(row, sizeof(row), "[%d] -> L%d 0x%" PRIx64, i, level - 1,
                 addr);
        if (rows++ < DOT_ROWS_MAX) {
            dot_row(d, i, row);
            dot_edge(d, table, i, addr);
            children[nchild++] = addr;
        }
        i++;
    }
    if (rows > DOT_ROWS_MAX) {
        snprintf(row, sizeof(row), "... %u more rows", rows - DOT_ROWS_MAX);
        dot_row(d, -1, row);
    }
    dot_node_end(d);
    for (unsigned k = 0; k < nchild && !c->truncated; k++)
        dot_pt(d, v, children[k], level - 1, fl);
}

struct dot_pasid_arg {
    struct dot *d;
    uint64_t last_table;
};

static void dot_pasid(struct ictx *c, const struct unit_view *v,
                      const struct dev_view *dv, uint32_t pasid,
                      const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    struct dot_pasid_arg *a = arg;
    struct dot *d = a->d;
    uint64_t tbl = pe_gpa & PAGE_MASK_4K;
    if (tbl != a->last_table) {
        if (a->last_table)
            dot_node_end(d);
        char title[64];
        snprintf(title, sizeof(title), "PASID table @0x%" PRIx64, tbl);
        dot_first(d, tbl);
        dot_node_begin(d, tbl, title);
        a->last_table = tbl;
    }
    struct xlate_view x;
    pasid_xlate(v, pe, &x);
    char row[96];
    snprintf(row, sizeof(row), "[%u] PASID 0x%x %s DID %u", pasid & 63, pasid,
             pgtt_str((unsigned)VTD_FIELD_GET(pe[0], PTE0, PGTT)), x.did);
    dot_row(d, (int)(pasid & 63), row);
    if (x.valid && !x.passthrough)
        dot_edge(d, tbl, (int)(pasid & 63), x.table);
}

static void dot_pasid_tables(struct ictx *c, const struct unit_view *v,
                             const struct dev_view *dv, uint32_t pasid,
                             const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    struct xlate_view x;
    pasid_xlate(v, pe, &x);
    if (x.valid && !x.passthrough)
        dot_pt(arg, v, x.table, x.levels, x.fl);
}

struct dot_dev_arg {
    struct dot *d;
    uint64_t ctx_table;     /* context table node open, or 0 */
    GArray *pending;        /* struct dev_view: walk after the node ends */
};

static void dot_device(struct ictx *c, const struct unit_view *v,
                       const struct dev_view *dv, void *arg)
{
    struct dot_dev_arg *a = arg;
    struct dot *d = a->d;
    uint64_t ct = dv->ctx_gpa & PAGE_MASK_4K;
    unsigned esz = v->scalable ? 32 : 16;
    int slot = (int)((dv->ctx_gpa & 0xfff) / esz);
    if (ct != a->ctx_table) {
        if (a->ctx_table)
            dot_node_end(d);
        char title[64];
        snprintf(title, sizeof(title), "context table @0x%" PRIx64 " bus %02x",
                 ct, dv->sid >> 8);
        dot_first(d, ct);
        dot_node_begin(d, ct, title);
        a->ctx_table = ct;
    }
    char sid[16], row[128];
    sid_str(sid, sizeof(sid), dv->sid);
    if (!v->scalable) {
        struct xlate_view x;
        legacy_xlate(v, dv, &x);
        snprintf(row, sizeof(row), "[%d] %s TT %u DID %u %s", slot, sid,
                 (unsigned)VTD_FIELD_GET(dv->ctx[0], CE_LO, TT), x.did,
                 x.passthrough ? "pass-through" : aw_str(x.aw));
        dot_row(d, slot, row);
        if (x.valid && !x.passthrough)
            dot_edge(d, ct, slot, x.table);
    } else {
        uint64_t dir = dv->ctx[0] & v->addr_mask;
        snprintf(row, sizeof(row), "[%d] %s PASID dir 0x%" PRIx64, slot, sid,
                 dir);
        dot_row(d, slot, row);
        dot_edge(d, ct, slot, dir);
    }
    g_array_append_val(a->pending, *dv);
}

static void dot_after_device(struct dot *d, const struct unit_view *v,
                             const struct dev_view *dv)
{
    struct ictx *c = d->c;
    if (!v->scalable) {
        struct xlate_view x;
        legacy_xlate(v, dv, &x);
        if (x.valid && !x.passthrough)
            dot_pt(d, v, x.table, x.levels, x.fl);
        return;
    }
    uint64_t dir = dv->ctx[0] & v->addr_mask;
    if (!dot_first(d, dir))
        return;
    /* Directory node: present entries, runs of consecutive entries
     * shown one per row (a directory rarely has many). */
    char title[64], row[96];
    snprintf(title, sizeof(title), "PASID directory @0x%" PRIx64, dir);
    dot_node_begin(d, dir, title);
    unsigned ndir = 1u << (VTD_FIELD_GET(dv->ctx[0], SCE0, PDTS) + 7), rows = 0;
    for (unsigned i = 0; i < ndir && !c->truncated; i++) {
        uint8_t b[8];
        if (!rd(c, dir + 8ULL * i, b, 8))
            break;
        uint64_t pde = vtd_ldq_le(b);
        if (!VTD_FIELD_GET(pde, PDE, P) || !spend(c, 1))
            continue;
        if (rows++ >= DOT_ROWS_MAX)
            continue;
        snprintf(row, sizeof(row), "[%u] PASIDs 0x%x-0x%x", i, i << 6,
                 (i << 6) | 63);
        dot_row(d, (int)i, row);
        dot_edge(d, dir, (int)i, pde & v->addr_mask);
    }
    dot_node_end(d);
    struct dot_pasid_arg pa = { d, 0 };
    foreach_pasid(c, v, dv, dot_pasid, &pa);
    if (pa.last_table)
        dot_node_end(d);
    foreach_pasid(c, v, dv, dot_pasid_tables, d);
}

static void render_dot(struct ictx *c)
{
    struct dot d = { c, g_hash_table_new(g_direct_hash, g_direct_equal),
                     g_string_new(NULL), g_string_new(NULL) };
    GString *s = c->out;
    g_string_append(s, "digraph vtd {\n  rankdir=LR;\n  node [shape=record, "
                       "fontname=\"monospace\", fontsize=10];\n");
    for (size_t i = 0; i < c->src->nunits; i++) {
        struct unit_view v;
        unit_view_init(&v, &c->src->units[i], (unsigned)i);
        uint64_t rta = v.rtaddr & v.addr_mask;
        g_string_append_printf(d.nodes, "  u%zu [label=\"%s @0x%" PRIx64
                               "|RTADDR 0x%" PRIx64 " %s\"];\n", i, v.name,
                               v.base, v.rtaddr, ttm_str(v.rtaddr));
        if (!(v.gsts & VTD_GSTS_RTPS))
            continue;
        g_string_append_printf(d.edges, "  u%zu -> t%" PRIx64 ";\n", i, rta);
        /* Root node: present root entries. */
        uint8_t root[4096];
        dot_first(&d, rta);
        dot_node_begin(&d, rta, v.scalable ? "scalable root table"
                                           : "root table");
        if (rd(c, rta, root, sizeof(root))) {
            for (unsigned bus = 0; bus < 256; bus++) {
                if (c->o->has_dev && (c->o->dev >> 8) != bus)
                    continue;
                for (unsigned h = 0; h < (v.scalable ? 2u : 1u); h++) {
                    uint64_t re = vtd_ldq_le(root + 16 * bus + 8 * h);
                    if (!VTD_FIELD_GET(re, SRE, P))
                        continue;
                    char row[96];
                    int port = (int)(bus * 2 + h);
                    snprintf(row, sizeof(row), "[%02x]%s -> 0x%" PRIx64, bus,
                             v.scalable ? (h ? " upper" : " lower") : "",
                             re & v.addr_mask);
                    dot_row(&d, port, row);
                    dot_edge(&d, rta, port, re & v.addr_mask);
                }
            }
        }
        dot_node_end(&d);
        struct dot_dev_arg a = { &d, 0,
                                 g_array_new(FALSE, FALSE,
                                             sizeof(struct dev_view)) };
        foreach_device(c, &v, false, dot_device, &a);
        if (a.ctx_table)
            dot_node_end(&d);
        for (guint k = 0; k < a.pending->len && !c->truncated; k++)
            dot_after_device(&d, &v,
                             &g_array_index(a.pending, struct dev_view, k));
        g_array_free(a.pending, TRUE);
    }
    g_string_append(s, d.nodes->str);
    g_string_append(s, d.edges->str);
    if (c->truncated)
        g_string_append(s, "  truncated [shape=note, label=\"walk budget "
                           "exhausted: picture truncated\"];\n");
    g_string_append(s, "}\n");
    g_string_free(d.nodes, TRUE);
    g_string_free(d.edges, TRUE);
    g_hash_table_destroy(d.seen);
}

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

static void dbg_regset(struct ictx *c)
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
                                   (uint64_t)reg32(v.u, lregs32[k].off));
        for (size_t k = 0; k < G_N_ELEMENTS(lregs64); k++)
            g_string_append_printf(s, "%-16s\t0x%02x\t\t0x%016" PRIx64 "\n",
                                   lregs64[k].name, lregs64[k].off,
                                   reg64(v.u, lregs64[k].off));
        if (c->o->linux_ver == LINUX_6_1)
            for (size_t k = 0; k < G_N_ELEMENTS(lregs64_vcmd); k++)
                g_string_append_printf(s, "%-16s\t0x%02x\t\t0x%016" PRIx64
                                       "\n", lregs64_vcmd[k].name,
                                       lregs64_vcmd[k].off,
                                       reg64(v.u, lregs64_vcmd[k].off));
        g_string_append_c(s, '\n');
    }
}

static void dbg_tbl_row(GString *s, const struct dev_view *d, int pasid,
                        const uint64_t *pe)
{
    g_string_append_printf(s, "%02x:%02x.%x\t0x%016" PRIx64 ":0x%016" PRIx64
                           "\t0x%016" PRIx64 ":0x%016" PRIx64 "\t",
                           d->sid >> 8, (d->sid >> 3) & 0x1f, d->sid & 7,
                           d->root[1], d->root[0], d->ctx[1], d->ctx[0]);
    g_string_append_printf(s, "%-6d\t0x%016" PRIx64 ":0x%016" PRIx64
                           ":0x%016" PRIx64 "\n", pasid, pe ? pe[2] : 0,
                           pe ? pe[1] : 0, pe ? pe[0] : 0);
}

static void dbg_dmar_pasid(struct ictx *c, const struct unit_view *v,
                           const struct dev_view *d, uint32_t pasid,
                           const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    dbg_tbl_row(c->out, d, (int)pasid, pe);
}

static void dbg_dmar_device(struct ictx *c, const struct unit_view *v,
                            const struct dev_view *d, void *arg)
{
    /* Linux prints the root entry of the device's bus; in scalable mode
     * one row per present PASID entry. */
    if (v->scalable)
        foreach_pasid(c, v, d, dbg_dmar_pasid, NULL);
    else
        dbg_tbl_row(c->out, d, -1, NULL);
}

static void dbg_dmar_translation(struct ictx *c)
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
        foreach_device(c, &v, true, dbg_dmar_device, NULL);
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
                           "\t0x%016" PRIx64 "\t0x%016" PRIx64, iova >> 12,
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
static void dbg_walk(struct ictx *c, const struct unit_view *v,
                     const struct xlate_view *x)
{
    uint64_t path[6] = { 0 };
    struct dbg_leaf_arg a = { c->out, c->o->linux_ver };
    struct leaf_sink sink = { dbg_leaf, &a };
    walk_pt(c, v, x->table, x->levels, 0, x->fl,
            VTD_PERM_R | VTD_PERM_W | VTD_PERM_X | VTD_PERM_U, path, &sink);
}

static void dbg_domain_device(struct ictx *c, const struct unit_view *v,
                              const struct dev_view *d, void *arg)
{
    GString *s = c->out;
    struct xlate_view x;
    uint32_t pasid = c->o->pasid;
    if (!v->scalable) {
        legacy_xlate(v, d, &x);
    } else {
        /* 6.1 shows the device's domain (the RID_PASID entry); 6.7 the
         * PASID asked for, IOMMU_NO_PASID (0) by default. */
        if (pasid == VTD_NO_PASID)
            pasid = c->o->linux_ver == LINUX_6_1
                        ? (uint32_t)VTD_FIELD_GET(d->ctx[1], SCE1, RID_PASID)
                        : 0;
        uint64_t pe[8];
        if (!lookup_pasid(c, v, d, pasid, pe))
            return;
        pasid_xlate(v, pe, &x);
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
        g_string_append_printf(s, "Device 0000:%02x:%02x.%x @0x%" PRIx64 "\n",
                               d->sid >> 8, (d->sid >> 3) & 0x1f, d->sid & 7,
                               x.table);
        g_string_append(s, "IOVA_PFN\t\tPML5E\t\t\tPML4E\t\t\tPDPE\t\t\tPDE"
                           "\t\t\tPTE\n");
        dbg_walk(c, v, &x);
        g_string_append_c(s, '\n');
        return;
    }
    g_string_append_printf(s, "Device %04x:%02x:%02x.%x ", 0, d->sid >> 8,
                           (d->sid >> 3) & 0x1f, d->sid & 7);
    if (v->scalable)
        g_string_append_printf(s, "with pasid %x @0x%" PRIx64 "\n", pasid,
                               x.table);
    else
        g_string_append_printf(s, "@0x%" PRIx64 "\n", x.table);
    g_string_append_printf(s, "%-17s\t%-18s\t%-18s\t%-18s\t%-18s\t%-s\n",
                           "IOVA_PFN", "PML5E", "PML4E", "PDPE", "PDE", "PTE");
    dbg_walk(c, v, &x);
}

static void dbg_domain_translation(struct ictx *c)
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
        foreach_device(c, &v, false, dbg_domain_device, NULL);
    }
}

static void dbg_ir_entries(struct ictx *c, const struct unit_view *v,
                           bool posted)
{
    GString *s = c->out;
    if (posted)
        g_string_append(s, " Entry SrcID   PDA_high PDA_low  Vct IRTE_high"
                           "\t\tIRTE_low\n");
    else
        g_string_append(s, " Entry SrcID   DstID    Vct IRTE_high\t\t"
                           "IRTE_low\n");
    uint64_t base = v->irta & v->addr_mask;
    unsigned n = irt_entries(v->irta);
    for (unsigned chunk = 0; chunk < n; chunk += 256) {
        uint8_t raw[4096];
        if (!rd(c, base + 16ULL * chunk, raw, sizeof(raw)))
            return;
        for (unsigned i = 0; i < 256 && chunk + i < n; i++) {
            uint64_t lo = vtd_ldq_le(raw + 16 * i), hi = vtd_ldq_le(raw + 16 * i + 8);
            if (!VTD_FIELD_GET(lo, IRTE_LO, P) ||
                (VTD_FIELD_GET(lo, IRTE_LO, IM) != 0) != posted)
                continue;
            if (!spend(c, 1))
                return;
            unsigned sid = (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SID);
            g_string_append_printf(s, " %-5u %02x:%02x.%01x ", chunk + i,
                                   sid >> 8, (sid >> 3) & 0x1f, sid & 7);
            if (posted)
                g_string_append_printf(s, "%08x %08x ",
                                       (unsigned)VTD_FIELD_GET(hi, IRTE_HI, PDAH),
                                       (unsigned)(VTD_FIELD_GET(lo, IRTE_LO, PDAL)
                                                  << 6));
            else
                g_string_append_printf(s, "%08x ",
                                       (unsigned)VTD_FIELD_GET(lo, IRTE_LO, DST));
            g_string_append_printf(s, "%02x  %016" PRIx64 "\t%016" PRIx64 "\n",
                                   (unsigned)VTD_FIELD_GET(lo, IRTE_LO, V), hi, lo);
        }
    }
}

static void dbg_ir_translation(struct ictx *c)
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

static void dbg_invalidation_queue(struct ictx *c)
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
            rd(c, base + ((uint64_t)idx << shift), b, smts ? 32 : 16);
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
static void render_dmesg(struct ictx *c)
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
            uint64_t lo = reg64(v.u, fro + 16 * idx);
            uint64_t hi = reg64(v.u, fro + 16 * idx + 8);
            struct linuxfmt_fault f;
            if (!linuxfmt_from_frcd(lo, hi, &f))
                break;
            linuxfmt_fault_line(c->out, &f, c->o->linux_ver);
            g_string_append_c(c->out, '\n');
            idx = (idx + 1) % nfr;
        }
    }
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */
/* ------------------------------------------------------------------ */

void inspect_opts_init(struct inspect_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->format = INSPECT_TEXT;
    o->linux_ver = LINUX_6_1;
    o->pasid = VTD_NO_PASID;
}

bool inspect_format_parse(const char *s, struct inspect_opts *o)
{
    static const struct { const char *name; enum inspect_debugfs f; } files[] = {
        { "iommu_regset", DEBUGFS_IOMMU_REGSET },
        { "dmar_translation_struct", DEBUGFS_DMAR_TRANSLATION_STRUCT },
        { "domain_translation_struct", DEBUGFS_DOMAIN_TRANSLATION_STRUCT },
        { "ir_translation_struct", DEBUGFS_IR_TRANSLATION_STRUCT },
        { "invalidation_queue", DEBUGFS_INVALIDATION_QUEUE },
    };
    if (!s || !o)
        return false;
    if (!strcmp(s, "text")) {
        o->format = INSPECT_TEXT;
        return true;
    }
    if (!strcmp(s, "json")) {
        o->format = INSPECT_JSON;
        return true;
    }
    if (!strcmp(s, "dot")) {
        o->format = INSPECT_DOT;
        return true;
    }
    if (!strcmp(s, "linux-dmesg")) {
        o->format = INSPECT_DMESG;
        return true;
    }
    const char *pfx = "linux-debugfs:";
    if (strncmp(s, pfx, strlen(pfx)))
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++)
        if (!strcmp(s + strlen(pfx), files[i].name)) {
            o->format = INSPECT_DEBUGFS;
            o->file = files[i].f;
            return true;
        }
    return false;
}

int inspect_render(const struct inspect_src *src,
                   const struct inspect_opts *o, GString *out)
{
    if (!src || !o || !out || !src->read || (src->nunits && !src->units))
        return -EINVAL;
    struct ictx c = { .src = src, .o = o, .out = out,
                      .budget = o->budget ? o->budget : DEFAULT_BUDGET };
    switch (o->format) {
    case INSPECT_TEXT:
        render_text(&c);
        break;
    case INSPECT_JSON:
        render_json(&c);
        return 0;
    case INSPECT_DOT:
        render_dot(&c);
        return 0;
    case INSPECT_DMESG:
        render_dmesg(&c);
        return 0;
    case INSPECT_DEBUGFS:
        switch (o->file) {
        case DEBUGFS_IOMMU_REGSET:
            dbg_regset(&c);
            break;
        case DEBUGFS_DMAR_TRANSLATION_STRUCT:
            dbg_dmar_translation(&c);
            break;
        case DEBUGFS_DOMAIN_TRANSLATION_STRUCT:
            dbg_domain_translation(&c);
            break;
        case DEBUGFS_IR_TRANSLATION_STRUCT:
            dbg_ir_translation(&c);
            break;
        case DEBUGFS_INVALIDATION_QUEUE:
            dbg_invalidation_queue(&c);
            break;
        }
        return 0;
    }
    if (c.truncated)
        g_string_append(out, "(walk budget exhausted: output truncated)\n");
    if (c.unreadable)
        g_string_append(out, "(some guest memory was unreadable)\n");
    return 0;
}
