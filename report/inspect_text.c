/* SPDX-License-Identifier: MIT */
/*
 * report/inspect_text.c: the text format (see inspect.h).
 */
#include "report/inspect_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

static void text_registers(struct view_ctx *c, const struct unit_view *v)
{
    GString *s = c->out;
    g_string_append_printf(s, "registers:\n  VER    = 0x%x (%u.%u)\n", v->ver,
                           (unsigned)VTD_FIELD_GET(v->ver, VER, MAX),
                           (unsigned)VTD_FIELD_GET(v->ver, VER, MIN));
    g_string_append_printf(s, "  CAP    = 0x%016" PRIx64 "\n", v->cap);
    g_string_append_printf(s, "  ECAP   = 0x%016" PRIx64 "\n", v->ecap);
    vtd_describe_caps(v->cap, v->ecap, v->ver, v->base, v->idx,
                      view_caps_line, s);
    g_string_append_printf(s, "  GSTS   = 0x%08x (", v->gsts);
    view_gsts_names(s, v->gsts);
    g_string_append_printf(s, ")\n  RTADDR = 0x%" PRIx64 " (RTA 0x%" PRIx64
                           ", TTM %s)\n", v->rtaddr,
                           v->rtaddr & PAGE_MASK_4K, view_ttm_str(v->rtaddr));
    g_string_append_printf(s, "  FSTS   = 0x%x (", v->fsts);
    view_fsts_names(s, v->fsts);
    g_string_append_printf(s, ")\n  FECTL  = 0x%x (IM %u, IP %u)\n", v->fectl,
                           (unsigned)VTD_FIELD_GET(v->fectl, ECTL, IM),
                           (unsigned)VTD_FIELD_GET(v->fectl, ECTL, IP));
    g_string_append_printf(s, "  IQA    = 0x%" PRIx64 " (base 0x%" PRIx64
                           ", QS %u, DW %u)\n", v->iqa, v->iqa & PAGE_MASK_4K,
                           (unsigned)VTD_FIELD_GET(v->iqa, IQA, QS),
                           (unsigned)VTD_FIELD_GET(v->iqa, IQA, DW));
    g_string_append_printf(s, "  IQH    = 0x%" PRIx64 ", IQT = 0x%" PRIx64
                           "\n", v->iqh, v->iqt);
    /* Device-TLB invalidations waiting for their endpoint (VT-d 4.3). */
    struct vtd_devtlb_inv pend[VTD_ATS_ITAGS];
    uint64_t now = 0;
    int np = v->u ? vtd_ats_pending(v->u, pend, VTD_ATS_ITAGS, &now) : 0;
    for (int i = 0; i < np && i < VTD_ATS_ITAGS; i++) {
        const struct vtd_devtlb_inv *d = &pend[i];
        char pasid[32] = "no PASID";
        if (d->pasid != VTD_NO_PASID)
            snprintf(pasid, sizeof(pasid), d->global ? "all PASIDs"
                                                     : "PASID 0x%x",
                     d->pasid);
        g_string_append_printf(s, "  device-TLB invalidation pending: ITag "
                               "%u to " VTD_SID_FMT ", %s, ", d->itag,
                               VTD_SID_BDF(d->sid),
                               pasid);
        if (d->size)
            g_string_append_printf(s, "0x%" PRIx64 "+0x%" PRIx64, d->base,
                                   d->size);
        else
            g_string_append(s, "every address");
        g_string_append_printf(s, ", %u completion(s) so far, issued at %"
                               PRIu64 " ns, time-out at %" PRIu64 " ns "
                               "(unit clock %" PRIu64 " ns)\n",
                               d->completions, d->issued_ns, d->deadline_ns,
                               now);
    }
    g_string_append_printf(s, "  IRTA   = 0x%" PRIx64 " (base 0x%" PRIx64
                           ", %u entries, %s)\n", v->irta,
                           v->irta & PAGE_MASK_4K, view_irt_entries(v->irta),
                           VTD_FIELD_GET(v->irta, IRTA, EIME) ? "x2APIC"
                                                            : "xAPIC");
    view_prq_text(c, v);
    struct text_fault_arg fa = { s, c->o->linux_ver };
    view_foreach_fault(v, text_fault, &fa);
}

static void text_ranges(GString *s, GArray *a, bool fl, const char *indent)
{
    for (guint i = 0; i < a->len; i++) {
        const struct range *r = &g_array_index(a, struct range, i);
        char sz[32], pm[8];
        view_size_str(sz, sizeof(sz), r->size);
        view_perm_str(pm, sizeof(pm), r->perm, fl);
        g_string_append_printf(s, "%s0x%" PRIx64 "-0x%" PRIx64 " %s %s -> 0x%"
                               PRIx64 "\n", indent, r->iova,
                               r->iova + r->size - 1, sz, pm, r->addr);
    }
    if (!a->len)
        g_string_append_printf(s, "%s(no mappings)\n", indent);
}

static void text_xlate(struct view_ctx *c, const struct unit_view *v,
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
    struct leaf_sink sink = { view_range_leaf, a };
    view_walk_pt(c, v, x->table, x->levels, 0, x->fl,
                 VTD_PERM_R | VTD_PERM_W | VTD_PERM_X | VTD_PERM_U,
                 path, &sink);
    char in2[32];
    snprintf(in2, sizeof(in2), "%s  ", indent);
    text_ranges(s, a, x->fl, in2);
    g_array_free(a, TRUE);
}

static void text_pasid(struct view_ctx *c, const struct unit_view *v,
                       const struct dev_view *d, uint32_t pasid,
                       const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    struct xlate_view x;
    view_pasid_xlate(v, pe, &x);
    g_string_append_printf(c->out, "    PASID 0x%x%s @0x%" PRIx64 ": %016"
                           PRIx64 ":%016" PRIx64 ":%016" PRIx64 ":%016" PRIx64
                           " PGTT %s DID %u FPD %u\n", pasid,
                           pasid == VTD_FIELD_GET(d->ctx[1], SCE1, RID_PASID)
                               ? " (RID_PASID)" : "",
                           pe_gpa, pe[3], pe[2], pe[1], pe[0],
                           view_pgtt_str(
                               (unsigned)VTD_FIELD_GET(pe[0], PTE0, PGTT)),
                           x.did, (unsigned)VTD_FIELD_GET(pe[0], PTE0, FPD));
    text_xlate(c, v, &x, "      ");
}

static void text_device(struct view_ctx *c, const struct unit_view *v,
                        const struct dev_view *d, void *arg)
{
    GString *s = c->out;
    char sid[16];
    view_sid_str(sid, sizeof(sid), d->sid);
    if (!v->scalable) {
        struct xlate_view x;
        view_legacy_xlate(v, d, &x);
        g_string_append_printf(s, "  %s context @0x%" PRIx64 " = %016" PRIx64
                               ":%016" PRIx64 ": TT %u DID %u AW %u (%s) "
                               "FPD %u\n", sid, d->ctx_gpa, d->ctx[1],
                               d->ctx[0],
                               (unsigned)VTD_FIELD_GET(d->ctx[0], CE_LO, TT),
                               x.did,
                               x.aw, view_aw_str(x.aw),
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
        if (view_lookup_pasid(c, v, d, c->o->pasid, pe))
            text_pasid(c, v, d, c->o->pasid, pe, 0, NULL);
        else
            g_string_append_printf(s, "    PASID 0x%x not present\n",
                                   c->o->pasid);
        return;
    }
    view_foreach_pasid(c, v, d, text_pasid, NULL);
}

struct text_irte_arg {
    GString *s;
    bool x2;
    unsigned shown;
};

static void text_irte(void *arg, unsigned index, uint64_t lo, uint64_t hi)
{
    static const char *const dlm[] = { "fixed", "lowest", "SMI", "rsvd3",
                                       "NMI", "INIT", "rsvd6", "ExtINT" };
    struct text_irte_arg *a = arg;
    GString *s = a->s;
    a->shown++;
    char sid[16];
    view_sid_str(sid, sizeof(sid), (uint16_t)VTD_FIELD_GET(hi, IRTE_HI, SID));
    if (VTD_FIELD_GET(lo, IRTE_LO, IM)) {
        uint64_t pda = vtd_irte_pda((const uint64_t[2]){ lo, hi });
        g_string_append_printf(s, "  %5u: posted vector 0x%02x PDA 0x%"
                               PRIx64 " URG %u sid %s SQ %u SVT %u "
                               "FPD %u\n", index,
                               (unsigned)VTD_FIELD_GET(lo, IRTE_LO, V), pda,
                               (unsigned)VTD_FIELD_GET(lo, IRTE_LO, URG), sid,
                               (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SQ),
                               (unsigned)VTD_FIELD_GET(hi, IRTE_HI, SVT),
                               (unsigned)VTD_FIELD_GET(lo, IRTE_LO, FPD));
        return;
    }
    uint32_t dst = (uint32_t)VTD_FIELD_GET(lo, IRTE_LO, DST);
    /* 9.10: xAPIC destination in DST bits 15:8 (IRTE 47:40). */
    uint32_t dest = a->x2 ? dst : (uint32_t)VTD_FIELD_GET(lo, IRTE_LO, DST_X);
    g_string_append_printf(s, "  %5u: remapped vector 0x%02x dest 0x%x "
                           "%s %s %s RH %u sid %s SQ %u SVT %u FPD "
                           "%u\n", index,
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

static void text_irt(struct view_ctx *c, const struct unit_view *v)
{
    GString *s = c->out;
    if (!VTD_FIELD_GET(v->ecap, ECAP, IR))
        return;
    uint64_t base = v->irta & v->addr_mask;
    unsigned n = view_irt_entries(v->irta);
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
    struct text_irte_arg a = { s, x2, 0 };
    int rc = view_foreach_irte(c, v, -1, text_irte, &a);
    if (rc == VIEW_UNREADABLE)
        g_string_append(s, "  (unreadable)\n");
    if (rc == 0 && !a.shown)
        g_string_append(s, "  (no present entries)\n");
}

/* Present root entries (9.1 legacy CTP; 9.2 scalable LCTP/UCTP). */
static void text_root(struct view_ctx *c, const struct unit_view *v)
{
    static const char absent[] = " (not present)";
    uint64_t rta = v->rtaddr & v->addr_mask;
    uint8_t root[4096];
    if (!view_read(c, rta, root, sizeof(root)))
        return;
    for (unsigned bus = 0; bus < 256; bus++) {
        if (c->o->has_dev && VTD_FIELD_GET(c->o->dev, SID, BUS) != bus)
            continue;
        uint64_t lo = vtd_ldq_le(root + VTD_RE_SIZE * bus);
        uint64_t hi = vtd_ldq_le(root + VTD_RE_SIZE * bus + 8);
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
                                   VTD_FIELD_GET(lo, SRE, P) ? "" : absent,
                                   hi & v->addr_mask,
                                   VTD_FIELD_GET(hi, SRE, P) ? "" : absent);
    }
}

void inspect_text_render(struct view_ctx *c)
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
            view_foreach_device(c, &v, false, text_device, NULL);
        }
        else
            g_string_append(c->out, "  (root table pointer not set)\n");
        text_irt(c, &v);
        g_string_append_c(c->out, '\n');
    }
}

