/* SPDX-License-Identifier: MIT */
/*
 * report/inspect_prq.c: the page request queue in the text and JSON
 * formats (VT-d 7.4.1, 7.4.1.1 Figure 7-1, registers 11.4.11): the
 * registers, then the descriptors software has not consumed yet, from PQH
 * to PQT.  Linux 6.1's
 * debugfs has no file for the page request queue (its registers appear in
 * iommu_regset, inspect_debugfs.c).
 */
#include "report/inspect_view.h"

#include <inttypes.h>
#include <stdio.h>

/* The page request queue registers (VT-d 11.4.11) and the queue they
 * describe, read once for either renderer. */
struct prq_regs {
    uint64_t pqa, pqh, pqt, qsize, base;
    uint32_t prs, ctl;
};

static void prq_regs_read(const struct unit_view *v, struct prq_regs *r)
{
    r->pqa = view_reg64(v->u, VTD_REG_PQA);
    r->pqh = view_reg64(v->u, VTD_REG_PQH) & VTD_PQ_PTR_MASK;
    r->pqt = view_reg64(v->u, VTD_REG_PQT) & VTD_PQ_PTR_MASK;
    r->prs = view_reg32(v->u, VTD_REG_PRS);
    r->ctl = view_reg32(v->u, VTD_REG_PECTL);
    r->qsize = 4096ULL << VTD_FIELD_GET(r->pqa, PQA, PQS);
    r->base = r->pqa & VTD_PQA_PQA_MASK & v->addr_mask;
}

void view_prq_text(struct view_ctx *c, const struct unit_view *v)
{
    if (!VTD_FIELD_GET(v->ecap, ECAP, PRS))
        return;
    GString *s = c->out;
    struct prq_regs r;
    prq_regs_read(v, &r);
    uint64_t pqa = r.pqa, pqh = r.pqh, pqt = r.pqt, qsize = r.qsize,
             base = r.base;
    uint32_t prs = r.prs, ctl = r.ctl;
    g_string_append_printf(s, "  PQA    = 0x%" PRIx64 " (base 0x%" PRIx64
                           ", %" PRIu64 " descriptors)\n", pqa, base,
                           qsize / VTD_PRQ_DESC_SIZE);
    g_string_append_printf(s, "  PQH    = 0x%" PRIx64 ", PQT = 0x%" PRIx64
                           ", PRS = 0x%x (PPR %u, PRO %u), PECTL = 0x%x "
                           "(IM %u, IP %u)\n", pqh, pqt, prs,
                           (unsigned)VTD_FIELD_GET(prs, PRS, PPR),
                           (unsigned)VTD_FIELD_GET(prs, PRS, PRO), ctl,
                           (unsigned)VTD_FIELD_GET(ctl, ECTL, IM),
                           (unsigned)VTD_FIELD_GET(ctl, ECTL, IP));
    uint64_t h = pqh % qsize, t = pqt % qsize;
    if (h == t)
        return;
    g_string_append(s, "  page requests pending (PQH to PQT):\n");
    for (uint64_t n = 0; h != t && n < qsize / VTD_PRQ_DESC_SIZE; n++) {
        uint8_t b[VTD_PRQ_DESC_SIZE];
        if (!view_spend(c, 1))
            return;
        if (!view_read(c, base + h, b, sizeof(b))) {
            g_string_append_printf(s, "    [0x%" PRIx64 "] (unreadable)\n",
                                   h);
            return;
        }
        uint64_t q[4];
        for (unsigned i = 0; i < 4; i++)
            q[i] = vtd_ldq_le(b + 8 * i);
        struct vtd_prq_desc d;
        vtd_prq_desc_decode(q, &d);
        char sid[16];
        view_sid_str(sid, sizeof(sid), d.rid);
        g_string_append_printf(s, "    [0x%" PRIx64 "] ", h);
        if (d.type != VTD_PRQ_TYPE_PAGE_REQ) {
            g_string_append_printf(s, "type 0x%x: %016" PRIx64 " %016" PRIx64
                                   "\n", d.type, q[0], q[1]);
        } else {
            g_string_append_printf(s, "%s", sid);
            if (d.pasid_present)
                g_string_append_printf(s, " PASID 0x%x", d.pasid);
            g_string_append_printf(s, " page 0x%" PRIx64 " %s%s%s%s PRGI "
                                   "0x%x%s\n", d.addr, d.rdr ? "R" : "-",
                                   d.wrr ? "W" : "-",
                                   d.pasid_present && d.exr ? " exec" : "",
                                   d.pasid_present && d.pmr ? " supervisor"
                                                            : "",
                                   d.prgi, d.lpig ? " LPIG" : "");
        }
        h = (h + VTD_PRQ_DESC_SIZE) % qsize;
    }
}

/* JSON: , "page_request_queue": {registers decoded, "pending": [...]}
 * (only with ECAP.PRS).  Each pending descriptor: its offset in the
 * queue and the fields of Figure 7-1; one of another type its raw
 * qwords; one that cannot be read {"offset", "unreadable": true}. */
void view_prq_json(struct view_ctx *c, const struct unit_view *v)
{
    if (!VTD_FIELD_GET(v->ecap, ECAP, PRS))
        return;
    GString *s = c->out;
    struct prq_regs r;
    prq_regs_read(v, &r);
    uint64_t pqa = r.pqa, pqh = r.pqh, pqt = r.pqt, qsize = r.qsize,
             base = r.base;
    uint32_t prs = r.prs, ctl = r.ctl;
    g_string_append_printf(s, ", \"page_request_queue\": {\"PQA\": \"0x%"
                           PRIx64 "\", \"base\": \"0x%" PRIx64 "\", "
                           "\"descriptors\": %" PRIu64 ", \"PQH\": \"0x%"
                           PRIx64 "\", \"PQT\": \"0x%" PRIx64 "\", "
                           "\"PRS\": \"0x%x\", \"PPR\": %u, \"PRO\": %u, "
                           "\"PECTL\": \"0x%x\", \"IM\": %u, \"IP\": %u, "
                           "\"pending\": [", pqa, base,
                           qsize / VTD_PRQ_DESC_SIZE, pqh, pqt, prs,
                           (unsigned)VTD_FIELD_GET(prs, PRS, PPR),
                           (unsigned)VTD_FIELD_GET(prs, PRS, PRO), ctl,
                           (unsigned)VTD_FIELD_GET(ctl, ECTL, IM),
                           (unsigned)VTD_FIELD_GET(ctl, ECTL, IP));
    uint64_t h = pqh % qsize, t = pqt % qsize;
    for (uint64_t n = 0; h != t && n < qsize / VTD_PRQ_DESC_SIZE; n++) {
        uint8_t b[VTD_PRQ_DESC_SIZE];
        if (!view_spend(c, 1))
            break;
        g_string_append_printf(s, "%s{\"offset\": \"0x%" PRIx64 "\", ",
                               n ? ", " : "", h);
        if (!view_read(c, base + h, b, sizeof(b))) {
            g_string_append(s, "\"unreadable\": true}");
            break;
        }
        uint64_t q[4];
        for (unsigned i = 0; i < 4; i++)
            q[i] = vtd_ldq_le(b + 8 * i);
        struct vtd_prq_desc d;
        vtd_prq_desc_decode(q, &d);
        if (d.type != VTD_PRQ_TYPE_PAGE_REQ) {
            g_string_append_printf(s, "\"type\": %u, \"raw\": [\"0x%016"
                                   PRIx64 "\", \"0x%016" PRIx64 "\", "
                                   "\"0x%016" PRIx64 "\", \"0x%016" PRIx64
                                   "\"]}", d.type, q[0], q[1], q[2], q[3]);
        } else {
            char sid[16];
            view_sid_str(sid, sizeof(sid), d.rid);
            g_string_append_printf(s, "\"type\": %u, \"sid\": \"%s\", ",
                                   d.type, sid);
            if (d.pasid_present)
                g_string_append_printf(s, "\"pasid\": %u, \"exec\": %s, "
                                       "\"priv\": %s, ", d.pasid,
                                       d.exr ? "true" : "false",
                                       d.pmr ? "true" : "false");
            else
                g_string_append(s, "\"pasid\": null, ");
            g_string_append_printf(s, "\"addr\": \"0x%" PRIx64 "\", "
                                   "\"read\": %s, \"write\": %s, "
                                   "\"prgi\": %u, \"lpig\": %s}", d.addr,
                                   d.rdr ? "true" : "false",
                                   d.wrr ? "true" : "false", d.prgi,
                                   d.lpig ? "true" : "false");
        }
        h = (h + VTD_PRQ_DESC_SIZE) % qsize;
    }
    g_string_append(s, "]}");
}
