/* SPDX-License-Identifier: MIT */
/*
 * report/inspect_json.c: the JSON format (see inspect.h).
 */
#include "report/inspect_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
        view_perm_str(pm, sizeof(pm), r->perm, fl);
        g_string_append_printf(s, "%s{", i ? ", " : "");
        jhex(s, "iova", r->iova, true);
        jhex(s, "size", r->size, true);
        jhex(s, "addr", r->addr, true);
        g_string_append_printf(s, "\"perm\": \"%s\"}", pm);
    }
    g_string_append(s, "]");
}

static void json_xlate(struct view_ctx *c, const struct unit_view *v,
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
    struct leaf_sink sink = { view_range_leaf, a };
    view_walk_pt(c, v, x->table, x->levels, 0, x->fl,
                 VTD_PERM_R | VTD_PERM_W | VTD_PERM_X | VTD_PERM_U,
                 path, &sink);
    json_ranges(s, a, x->fl);
    g_array_free(a, TRUE);
    g_string_append(s, "}");
}

struct json_list {
    unsigned n;
};

static void json_pasid(struct view_ctx *c, const struct unit_view *v,
                       const struct dev_view *d, uint32_t pasid,
                       const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    struct json_list *l = arg;
    GString *s = c->out;
    struct xlate_view x;
    view_pasid_xlate(v, pe, &x);
    g_string_append_printf(s, "%s{\"pasid\": %u, \"entry\": [", l->n++ ? ", "
                                                                       : "",
                           pasid);
    for (int q = 0; q < 8; q++)
        g_string_append_printf(s, "%s\"0x%" PRIx64 "\"", q ? ", " : "", pe[q]);
    g_string_append_printf(s, "], \"pgtt\": \"%s\", \"did\": %u, ",
                           view_pgtt_str(
                               (unsigned)VTD_FIELD_GET(pe[0], PTE0, PGTT)),
                           x.did);
    json_xlate(c, v, &x);
    g_string_append(s, "}");
}

static void json_device(struct view_ctx *c, const struct unit_view *v,
                        const struct dev_view *d, void *arg)
{
    struct json_list *l = arg;
    GString *s = c->out;
    char sid[16];
    view_sid_str(sid, sizeof(sid), d->sid);
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
        view_legacy_xlate(v, d, &x);
        g_string_append_printf(s, "\"tt\": %u, \"did\": %u, \"aw\": %u, ",
                               (unsigned)VTD_FIELD_GET(d->ctx[0], CE_LO, TT),
                               x.did,
                               x.aw);
        json_xlate(c, v, &x);
    } else {
        g_string_append_printf(s, "\"rid_pasid\": %u, \"pasids\": [",
                           (unsigned)VTD_FIELD_GET(d->ctx[1], SCE1, RID_PASID));
        struct json_list pl = { 0 };
        view_foreach_pasid(c, v, d, json_pasid, &pl);
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
    view_sid_str(sid, sizeof(sid), f.sid);
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

struct json_irte_arg {
    GString *s;
    unsigned k;
};

static void json_irte(void *arg, unsigned index, uint64_t lo, uint64_t hi)
{
    struct json_irte_arg *a = arg;
    GString *s = a->s;
    char sid[16];
    view_sid_str(sid, sizeof(sid), (uint16_t)VTD_FIELD_GET(hi, IRTE_HI, SID));
    g_string_append_printf(s, "%s{\"index\": %u, ", a->k++ ? ", " : "",
                           index);
    jhex(s, "lo", lo, true);
    jhex(s, "hi", hi, true);
    g_string_append_printf(s, "\"posted\": %s, \"vector\": %u, "
                           "\"dst\": %u, \"sid\": \"%s\"}",
                           VTD_FIELD_GET(lo, IRTE_LO, IM) ? "true" : "false",
                           (unsigned)VTD_FIELD_GET(lo, IRTE_LO, V),
                           (unsigned)VTD_FIELD_GET(lo, IRTE_LO, DST), sid);
}

static void json_irt(struct view_ctx *c, const struct unit_view *v)
{
    GString *s = c->out;
    g_string_append(s, "\"irt\": [");
    if (!VTD_FIELD_GET(v->ecap, ECAP, IR) || !v->irta) {
        g_string_append(s, "]");
        return;
    }
    struct json_irte_arg a = { s, 0 };
    (void)view_foreach_irte(c, v, -1, json_irte, &a);
    g_string_append(s, "]");
}

/* Outstanding device-TLB invalidations (VT-d 4.3), only when there are
 * some: "devtlb_invalidations": [...]. */
static void json_devtlb_invalidations(GString *s, const struct unit_view *v)
{
    struct vtd_devtlb_inv p[VTD_ATS_ITAGS];
    uint64_t now = 0;
    int n = v->u ? vtd_ats_pending(v->u, p, VTD_ATS_ITAGS, &now) : 0;
    if (n <= 0)
        return;
    g_string_append_printf(s, ", \"clock_ns\": %" PRIu64
                           ", \"devtlb_invalidations\": [", now);
    for (int i = 0; i < n && i < VTD_ATS_ITAGS; i++) {
        const struct vtd_devtlb_inv *d = &p[i];
        g_string_append_printf(s, "%s{\"itag\": %u, \"sid\": \"" VTD_SID_FMT
                               "\", ",
                               i ? ", " : "", d->itag, VTD_SID_BDF(d->sid));
        if (d->pasid == VTD_NO_PASID)
            g_string_append(s, "\"pasid\": null, ");
        else
            g_string_append_printf(s, "\"pasid\": %u, ", d->pasid);
        g_string_append_printf(s, "\"global\": %s, \"base\": \"0x%" PRIx64
                               "\", \"size\": \"0x%" PRIx64 "\", "
                               "\"completions\": %u, \"issued_ns\": %" PRIu64
                               ", \"deadline_ns\": %" PRIu64 "}",
                               d->global ? "true" : "false", d->base, d->size,
                               d->completions, d->issued_ns, d->deadline_ns);
    }
    g_string_append(s, "]");
}

void inspect_json_render(struct view_ctx *c)
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
        view_foreach_fault(&v, json_fault, &fa);
        g_string_append(s, "]");
        json_devtlb_invalidations(s, &v);
        view_prq_json(c, &v);
        g_string_append(s, ", \"devices\": [");
        struct json_list l = { 0 };
        if (v.gsts & VTD_GSTS_RTPS)
            view_foreach_device(c, &v, false, json_device, &l);
        g_string_append(s, "], ");
        json_irt(c, &v);
        g_string_append(s, "}");
    }
    g_string_append_printf(s, "], \"truncated\": %s}\n",
                           c->truncated ? "true" : "false");
}

