/* SPDX-License-Identifier: MIT */
/*
 * report/inspect_dot.c: the Graphviz format: root -> context -> PASID ->
 * page tables (see inspect.h).
 */
#include "report/inspect_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* dot                                                                 */
/* ------------------------------------------------------------------ */

struct dot {
    struct view_ctx *c;
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
    struct view_ctx *c = d->c;
    if (level < 1 || level > 5 || !dot_first(d, table) || !view_spend(c, 1))
        return;
    uint8_t raw[4096];
    char title[96], row[160];
    snprintf(title, sizeof(title), "%s L%d @0x%" PRIx64,
             fl ? "first-stage" : "second-stage", level, table);
    dot_node_begin(d, table, title);
    if (!view_read(c, table, raw, sizeof(raw))) {
        dot_row(d, -1, "unreadable");
        dot_node_end(d);
        return;
    }
    uint64_t children[DOT_ROWS_MAX];
    unsigned nchild = 0, rows = 0;
    for (int i = 0; i < 512;) {
        uint64_t e = vtd_ldq_le(raw + 8 * i);
        if (!view_pte_present(e, fl)) {
            i++;
            continue;
        }
        if (!view_spend(c, 1))
            break;
        uint64_t addr = e & v->addr_mask;
        if (view_pte_leaf(e, level)) {
            /* Collapse a run of leaves mapping contiguous output with the
             * same permissions. */
            uint64_t sz = view_level_size(level);
            unsigned perm = view_pte_perm(e, fl);
            int j = i + 1;
            while (j < 512) {
                uint64_t f = vtd_ldq_le(raw + 8 * j);
                if (!view_pte_present(f, fl) || !view_pte_leaf(f, level) ||
                    view_pte_perm(f, fl) != perm ||
                    (f & v->addr_mask & ~(sz - 1)) !=
                    (addr & ~(sz - 1)) + (uint64_t)(j - i) * sz)
                    break;
                j++;
            }
            char szs[32], pm[8];
            view_size_str(szs, sizeof(szs), sz);
            view_perm_str(pm, sizeof(pm), perm, fl);
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

static void dot_pasid(struct view_ctx *c, const struct unit_view *v,
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
    view_pasid_xlate(v, pe, &x);
    char row[96];
    snprintf(row, sizeof(row), "[%u] PASID 0x%x %s DID %u", pasid & 63, pasid,
             view_pgtt_str((unsigned)VTD_FIELD_GET(pe[0], PTE0, PGTT)), x.did);
    dot_row(d, (int)(pasid & 63), row);
    if (x.valid && !x.passthrough)
        dot_edge(d, tbl, (int)(pasid & 63), x.table);
}

static void dot_pasid_tables(struct view_ctx *c, const struct unit_view *v,
                             const struct dev_view *dv, uint32_t pasid,
                             const uint64_t pe[8], uint64_t pe_gpa, void *arg)
{
    struct xlate_view x;
    view_pasid_xlate(v, pe, &x);
    if (x.valid && !x.passthrough)
        dot_pt(arg, v, x.table, x.levels, x.fl);
}

struct dot_dev_arg {
    struct dot *d;
    uint64_t ctx_table;     /* context table node open, or 0 */
    GArray *pending;        /* struct dev_view: walk after the node ends */
};

static void dot_device(struct view_ctx *c, const struct unit_view *v,
                       const struct dev_view *dv, void *arg)
{
    struct dot_dev_arg *a = arg;
    struct dot *d = a->d;
    uint64_t ct = dv->ctx_gpa & PAGE_MASK_4K;
    unsigned esz = v->scalable ? VTD_SCE_SIZE : VTD_CE_SIZE;
    int slot = (int)((dv->ctx_gpa & ~VTD_PAGE_MASK) / esz);
    if (ct != a->ctx_table) {
        if (a->ctx_table)
            dot_node_end(d);
        char title[64];
        snprintf(title, sizeof(title), "context table @0x%" PRIx64 " bus %02x",
                 ct, (unsigned)VTD_FIELD_GET(dv->sid, SID, BUS));
        dot_first(d, ct);
        dot_node_begin(d, ct, title);
        a->ctx_table = ct;
    }
    char sid[16], row[128];
    view_sid_str(sid, sizeof(sid), dv->sid);
    if (!v->scalable) {
        struct xlate_view x;
        view_legacy_xlate(v, dv, &x);
        snprintf(row, sizeof(row), "[%d] %s TT %u DID %u %s", slot, sid,
                 (unsigned)VTD_FIELD_GET(dv->ctx[0], CE_LO, TT), x.did,
                 x.passthrough ? "pass-through" : view_aw_str(x.aw));
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
    struct view_ctx *c = d->c;
    if (!v->scalable) {
        struct xlate_view x;
        view_legacy_xlate(v, dv, &x);
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
        if (!view_read(c, dir + (uint64_t)VTD_PDE_SIZE * i, b, VTD_PDE_SIZE))
            break;
        uint64_t pde = vtd_ldq_le(b);
        if (!VTD_FIELD_GET(pde, PDE, P) || !view_spend(c, 1))
            continue;
        if (rows++ >= DOT_ROWS_MAX)
            continue;
        snprintf(row, sizeof(row), "[%u] PASIDs 0x%x-0x%x", i,
                 i << VTD_PASID_DIR_SHIFT,
                 i << VTD_PASID_DIR_SHIFT | (unsigned)VTD_PASID_TBL_MASK);
        dot_row(d, (int)i, row);
        dot_edge(d, dir, (int)i, pde & v->addr_mask);
    }
    dot_node_end(d);
    struct dot_pasid_arg pa = { d, 0 };
    view_foreach_pasid(c, v, dv, dot_pasid, &pa);
    if (pa.last_table)
        dot_node_end(d);
    view_foreach_pasid(c, v, dv, dot_pasid_tables, d);
}

void inspect_dot_render(struct view_ctx *c)
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
                               v.base, v.rtaddr, view_ttm_str(v.rtaddr));
        if (!(v.gsts & VTD_GSTS_RTPS))
            continue;
        g_string_append_printf(d.edges, "  u%zu -> t%" PRIx64 ";\n", i, rta);
        /* Root node: present root entries. */
        uint8_t root[4096];
        dot_first(&d, rta);
        dot_node_begin(&d, rta, v.scalable ? "scalable root table"
                                           : "root table");
        if (view_read(c, rta, root, sizeof(root))) {
            for (unsigned bus = 0; bus < 256; bus++) {
                if (c->o->has_dev &&
                    VTD_FIELD_GET(c->o->dev, SID, BUS) != bus)
                    continue;
                for (unsigned h = 0; h < (v.scalable ? 2u : 1u); h++) {
                    uint64_t re = vtd_ldq_le(root + VTD_RE_SIZE * bus + 8 * h);
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
        view_foreach_device(c, &v, false, dot_device, &a);
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

