/* SPDX-License-Identifier: MIT */
/* trace/import_qemu.c: QEMU vtd_* log -> vtdtrace (see import_qemu.h). */
#include "trace/import_qemu.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

struct desc {
    uint64_t hi, lo;
};

struct wait_sw {
    uint64_t addr;
    uint32_t data;
};

struct conv {
    const struct qemulog_opts *o;
    GString *body;
    GString *warn;
    GString *notdone;      /* "# ..." lines listing what was skipped */
    struct qemulog_stats *st;
    unsigned line;

    /* queued invalidation */
    uint64_t iqa;
    uint64_t head;         /* next slot software filled */
    bool pend_iqt;
    unsigned pend_line;
    uint64_t pend_size, pend_value;
    GArray *descs, *waits;
    bool warned_dw;

    /* last IOTLB event, for the direction of a translation */
    bool have_tlb;
    uint16_t tlb_sid;
    uint64_t tlb_iova, tlb_slpte;

    /* interrupt request in progress */
    bool msi;
    unsigned msi_line;
    uint64_t msi_addr, msi_data;
    bool remapped;
    unsigned r_trig, r_vec, r_dlm, r_mode;
    uint32_t r_dest;
    bool msi_fault;
    unsigned msi_reason;

    GHashTable *seen;      /* translations already written */

    /* GCMD.IRE/CFI and IRTA.EIME as software last wrote them */
    bool ire, cfi, eime;
};

static void warn(struct conv *c, const char *ev, const char *why)
{
    c->st->skipped++;
    if (c->warn)
        g_string_append_printf(c->warn, "%s:%u: %s: %s\n", c->o->name,
                               c->line, ev, why);
    g_string_append_printf(c->notdone, "#   line %u: %s: %s\n", c->line, ev,
                           why);
}

const char *qemulog_event_start(const char *line)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    /* "TID@SEC.USEC:" (QEMU's log backend with -msg timestamp=on). */
    const char *q = p;
    while (isdigit((unsigned char)*q))
        q++;
    if (q > p && *q == '@') {
        q++;
        while (isdigit((unsigned char)*q) || *q == '.')
            q++;
        if (*q == ':') {
            p = q + 1;
            while (*p == ' ')
                p++;
        }
    }
    /* ISO-8601: YYYY-MM-DDTHH:MM:SS[.frac][Z|+hh:mm] then a space. */
    if (isdigit((unsigned char)p[0]) && strlen(p) > 20 && p[4] == '-' &&
        p[7] == '-' && p[10] == 'T' && p[13] == ':' && p[16] == ':') {
        q = p + 19;
        while (*q && *q != ' ')
            q++;
        while (*q == ' ')
            p = ++q;
    }
    return strncmp(p, "vtd_", 4) ? NULL : p;
}

static void dma_line(struct conv *c, uint16_t sid, bool write, uint64_t addr,
                     const char *expect)
{
    unsigned len = 4;
    if ((addr & ~VTD_PAGE_MASK) + len > VTD_PAGE_4K)
        len = (unsigned)(VTD_PAGE_4K - (addr & ~VTD_PAGE_MASK));
    g_string_append_printf(c->body, "dma " VTD_SID_FMT " %s 0x%" PRIx64
                           " len=%u %s  # L%u\n", VTD_SID_BDF(sid),
                           write ? "write" : "read", addr, len,
                           expect, c->line);
    c->st->actions++;
}

/* Write the descriptors QEMU fetched into the slots before the IQT
 * write that made it fetch them (VT-d 6.5.2: software fills slots from
 * the old tail up to the new tail, then writes IQT). */
static void flush_iqt(struct conv *c)
{
    if (!c->pend_iqt)
        return;
    c->pend_iqt = false;
    bool dw = VTD_FIELD_GET(c->iqa, IQA, DW);
    uint64_t base = c->iqa & VTD_IQA_IQA_MASK;
    unsigned qs = (unsigned)VTD_FIELD_GET(c->iqa, IQA, QS);
    uint64_t nslots = (dw ? 128ULL : 256ULL) << qs;
    /* IQT.QT counts 128-bit slots; a 256-bit descriptor takes two. */
    uint64_t tail = (VTD_FIELD_GET(c->pend_value, IQ, PTR) >> dw) &
                    (nslots - 1);
    if (dw && c->descs->len && !c->warned_dw) {
        c->warned_dw = true;
        unsigned l = c->line;
        c->line = c->pend_line;
        warn(c, "vtd_inv_desc", "256-bit descriptors (IQA.DW=1): QEMU traces "
                                "only their low 128 bits; the upper half is "
                                "written as zeros");
        c->line = l;
    }
    for (guint i = 0; i < c->descs->len; i++) {
        const struct desc *d = &g_array_index(c->descs, struct desc, i);
        uint64_t slot = (c->head + i) & (nslots - 1);
        uint64_t at = base + slot * (dw ? 32 : 16);
        g_string_append_printf(c->body, "mem write 0x%" PRIx64 " ", at);
        uint64_t q[2] = { d->lo, d->hi };
        for (int k = 0; k < 2; k++)
            for (int b = 0; b < 8; b++)
                g_string_append_printf(c->body, "%02x",
                                       (unsigned)(q[k] >> (8 * b)) & 0xff);
        if (dw)
            g_string_append(c->body, "0000000000000000"
                                     "0000000000000000");
        g_string_append_printf(c->body, "  # L%u descriptor\n", c->pend_line);
        c->st->actions++;
    }
    uint64_t expect_n = (tail - c->head) & (nslots - 1);
    if (expect_n != c->descs->len) {
        char why[128];
        snprintf(why, sizeof(why), "IQT moved by %" PRIu64 " slots but QEMU "
                 "traced %u descriptors (the rest are not reconstructed)",
                 expect_n, c->descs->len);
        unsigned l = c->line;
        c->line = c->pend_line;
        warn(c, "vtd_reg_write IQT", why);
        c->line = l;
    }
    g_string_append_printf(c->body, "mmio write 0x%" PRIx64 " %" PRIu64
                           " 0x%" PRIx64 "  # L%u IQT\n", c->o->base + VTD_REG_IQT,
                           c->pend_size, c->pend_value, c->pend_line);
    c->st->actions++;
    for (guint i = 0; i < c->waits->len; i++) {
        const struct wait_sw *w = &g_array_index(c->waits, struct wait_sw, i);
        g_string_append_printf(c->body, "mem expect 0x%" PRIx64
                               " %02x%02x%02x%02x  # wait status write\n",
                               w->addr, w->data & 0xff, (w->data >> 8) & 0xff,
                               (w->data >> 16) & 0xff, w->data >> 24);
        c->st->actions++;
    }
    g_array_set_size(c->descs, 0);
    g_array_set_size(c->waits, 0);
    c->head = tail;
}

static void flush_msi(struct conv *c)
{
    if (!c->msi)
        return;
    c->msi = false;
    unsigned l = c->line;
    c->line = c->msi_line;
    if (c->msi_fault) {
        g_string_append_printf(c->body, "msi - 0x%" PRIx64 " 0x%" PRIx64
                               " expect=blocked reason=0x%x  # L%u\n",
                               c->msi_addr, c->msi_data, c->msi_reason,
                               c->msi_line);
        c->st->actions++;
    } else {
        warn(c, "vtd_ir_remap_msi_req", "no result event followed: outcome "
                                        "unknown, not reconstructed");
    }
    c->line = l;
}

static void flush_all(struct conv *c)
{
    flush_iqt(c);
    flush_msi(c);
}

static void on_reg_write(struct conv *c, const char *a)
{
    uint64_t addr, size, val;
    if (sscanf(a, "addr 0x%" SCNx64 " size 0x%" SCNx64 " value 0x%" SCNx64,
               &addr, &size, &val) != 3 || (size != 4 && size != 8)) {
        warn(c, "vtd_reg_write", "arguments not understood");
        return;
    }
    flush_all(c);
    if (addr == VTD_REG_IQA) {
        c->iqa = size == 8 ? val : ((c->iqa & ~0xffffffffULL) | val);
        c->head = 0;
    } else if (addr == VTD_REG_IQA + 4 && size == 4) {
        c->iqa = (c->iqa & 0xffffffffULL) | (val << 32);
        c->head = 0;
    }
    if (addr == VTD_REG_GCMD && size == 4) {
        c->ire = (val & VTD_GCMD_IRE) != 0;
        c->cfi = (val & VTD_GCMD_CFI) != 0;
    }
    if (addr == VTD_REG_IRTA)
        c->eime = VTD_FIELD_GET(val, IRTA, EIME);
    if (addr == VTD_REG_IQT) {
        /* Held back until the descriptors QEMU fetches are known. */
        c->pend_iqt = true;
        c->pend_line = c->line;
        c->pend_size = size;
        c->pend_value = val;
        return;
    }
    g_string_append_printf(c->body, "mmio write 0x%" PRIx64 " %" PRIu64
                           " 0x%" PRIx64 "  # L%u\n", c->o->base + addr, size,
                           val, c->line);
    c->st->actions++;
}

static void on_translate(struct conv *c, const char *a)
{
    unsigned bus, dev, fn;
    uint64_t iova, gpa, mask;
    if (sscanf(a, "dev %x:%x.%x iova 0x%" SCNx64 " -> gpa 0x%" SCNx64
                  " mask 0x%" SCNx64, &bus, &dev, &fn, &iova, &gpa,
               &mask) != 6 || bus > 255 || dev > 31 || fn > 7) {
        warn(c, "vtd_dmar_translate", "arguments not understood");
        return;
    }
    flush_all(c);
    uint16_t sid = (uint16_t)(bus << VTD_SID_BUS_SHIFT |
                              dev << VTD_SID_DEV_SHIFT | fn);
    if (!c->have_tlb || c->tlb_sid != sid ||
        (c->tlb_iova & VTD_PAGE_MASK) != (iova & VTD_PAGE_MASK) ||
        !(c->tlb_slpte & 3)) {
        warn(c, "vtd_dmar_translate", "translation without direction (no "
                                      "IOTLB event for this page): not "
                                      "reconstructed");
        return;
    }
    bool write = !(c->tlb_slpte & 1);
    uint64_t out = gpa | (iova & mask);
    char key[64];
    snprintf(key, sizeof(key), "%x/%d/%" PRIx64 "/%" PRIx64, sid, write, iova,
             out);
    if (!c->o->keep_duplicates) {
        if (g_hash_table_contains(c->seen, key)) {
            c->st->informational++;
            return;
        }
        g_hash_table_add(c->seen, g_strdup(key));
    }
    char exp[64];
    snprintf(exp, sizeof(exp), "expect=ok gpa=0x%" PRIx64, out);
    dma_line(c, sid, write, iova, exp);
}

static void on_fault(struct conv *c, const char *a)
{
    unsigned sid, fault, wr;
    uint64_t addr;
    if (sscanf(a, "sid 0x%x fault %u addr 0x%" SCNx64 " write %u", &sid,
               &fault, &addr, &wr) != 4 || sid > 0xffff || fault > 0xff) {
        warn(c, "vtd_dmar_fault", "arguments not understood");
        return;
    }
    flush_all(c);
    char exp[48];
    /* QEMU prints the reason in decimal. */
    snprintf(exp, sizeof(exp), "expect=fault reason=0x%x", fault);
    dma_line(c, (uint16_t)sid, wr != 0, addr, exp);
}

static void on_tlb(struct conv *c, const char *a)
{
    unsigned sid, dom;
    uint64_t iova, slpte;
    if (sscanf(a, "IOTLB page %*s sid 0x%x iova 0x%" SCNx64 " slpte 0x%"
                  SCNx64 " domain 0x%x", &sid, &iova, &slpte, &dom) != 4) {
        warn(c, "vtd_iotlb_page", "arguments not understood");
        return;
    }
    c->have_tlb = true;
    c->tlb_sid = (uint16_t)sid;
    c->tlb_iova = iova;
    c->tlb_slpte = slpte;
    c->st->informational++;
}

static void on_msi_req(struct conv *c, const char *a)
{
    uint64_t addr, data;
    if (sscanf(a, "addr 0x%" SCNx64 " data 0x%" SCNx64, &addr, &data) != 2) {
        warn(c, "vtd_ir_remap_msi_req", "arguments not understood");
        return;
    }
    flush_all(c);
    c->msi = true;
    c->msi_line = c->line;
    c->msi_addr = addr;
    c->msi_data = data;
    c->remapped = false;
    c->msi_fault = false;
}

static void on_remap(struct conv *c, const char *a)
{
    int idx;
    if (!c->msi || sscanf(a, "index %d trigger %u vector %u deliver %u dest "
                             "0x%x mode %u", &idx, &c->r_trig, &c->r_vec,
                          &c->r_dlm, &c->r_dest, &c->r_mode) != 6) {
        warn(c, "vtd_ir_remap", "not after a request, or arguments not "
                                "understood");
        return;
    }
    c->remapped = true;
    c->st->informational++;
}

static void on_msi_done(struct conv *c, const char *a)
{
    uint64_t a1, d1, a2, d2;
    if (!c->msi || sscanf(a, "(addr 0x%" SCNx64 ", data 0x%" SCNx64
                             ") -> (addr 0x%" SCNx64 ", data 0x%" SCNx64 ")",
                          &a1, &d1, &a2, &d2) != 4) {
        warn(c, "vtd_ir_remap_msi", "not after a request, or arguments not "
                                    "understood");
        return;
    }
    c->msi = false;
    if (c->remapped)
        g_string_append_printf(c->body, "msi - 0x%" PRIx64 " 0x%" PRIx64
                               " expect=remapped dest=0x%x vector=0x%x dm=%u "
                               "tm=%u dlm=0x%x  # L%u\n", c->msi_addr,
                               c->msi_data, c->r_dest, c->r_vec,
                               c->r_mode & 1, c->r_trig & 1, c->r_dlm & 7,
                               c->msi_line);
    else if (a1 == a2 && d1 == d2 && c->ire && !VTD_FIELD_GET(c->msi_addr, MSI_ADDR, IF) &&
             (!c->cfi || c->eime))
        /* VT-d 5.1.4 (Table 15): with IRE set, a compatibility-format
         * request is blocked (25h) unless CFIS is set and EIME clear;
         * QEMU 7.2 lets it through.  The spec's outcome is written, as in the oracle. */
        g_string_append_printf(c->body, "msi - 0x%" PRIx64 " 0x%" PRIx64
                               " expect=blocked reason=0x25  # L%u spec: "
                               "compatibility format with IRE=1, CFI=0 or "
                               "EIME=1 is blocked (VT-d 5.1.4, 25h); QEMU 7.2 "
                               "passed it through\n", c->msi_addr,
                               c->msi_data, c->msi_line);
    else if (a1 == a2 && d1 == d2)
        g_string_append_printf(c->body, "msi - 0x%" PRIx64 " 0x%" PRIx64
                               " expect=passthrough  # L%u\n", c->msi_addr,
                               c->msi_data, c->msi_line);
    else
        g_string_append_printf(c->body, "msi - 0x%" PRIx64 " 0x%" PRIx64
                               "  # L%u result (0x%" PRIx64 ", 0x%" PRIx64
                               ") without a remap event: not checked\n",
                               c->msi_addr, c->msi_data, c->msi_line, a2, d2);
    c->st->actions++;
}

static void on_frr(struct conv *c, const char *a)
{
    int idx;
    uint64_t hi, lo;
    if (sscanf(a, "index %d high 0x%" SCNx64 " low 0x%" SCNx64, &idx, &hi,
               &lo) != 3) {
        warn(c, "vtd_frr_new", "arguments not understood");
        return;
    }
    c->st->informational++;
    /* VT-d 11.4.14: FR is bits 103:96 of the record. */
    unsigned fr = (unsigned)VTD_FIELD_GET(hi, FRCD_HI, FR);
    if (c->msi && fr >= 0x20 && fr < 0x30) {
        c->msi_fault = true;
        c->msi_reason = fr;
    }
}

static void on_inv_desc(struct conv *c, const char *a)
{
    char type[32];
    struct desc d;
    if (sscanf(a, "invalidate desc type %31s high 0x%" SCNx64 " low 0x%"
                  SCNx64, type, &d.hi, &d.lo) != 3) {
        warn(c, "vtd_inv_desc", "arguments not understood");
        return;
    }
    if (!c->pend_iqt) {
        warn(c, "vtd_inv_desc", "descriptor not after an IQT write: not "
                                "reconstructed");
        return;
    }
    g_array_append_val(c->descs, d);
}

static void on_wait_sw(struct conv *c, const char *a)
{
    struct wait_sw w;
    if (sscanf(a, "wait invalidate status write addr 0x%" SCNx64 " data 0x%"
                  SCNx32, &w.addr, &w.data) != 2) {
        warn(c, "vtd_inv_desc_wait_sw", "arguments not understood");
        return;
    }
    if (c->pend_iqt)
        g_array_append_val(c->waits, w);
    c->st->informational++;
}

/* Events that only restate what the register writes and descriptors
 * already say (or describe QEMU-internal work). */
static const char *const implied[] = {
    "vtd_inv_desc_cc_domain", "vtd_inv_desc_cc_global",
    "vtd_inv_desc_cc_device", "vtd_inv_desc_cc_devices",
    "vtd_inv_desc_iotlb_global", "vtd_inv_desc_iotlb_domain",
    "vtd_inv_desc_iotlb_pages", "vtd_inv_desc_iotlb_pasid_pages",
    "vtd_inv_desc_iotlb_pasid", "vtd_inv_desc_wait_irq",
    "vtd_inv_desc_wait_write_fail", "vtd_inv_desc_iec", "vtd_inv_qi_enable",
    "vtd_inv_qi_setup", "vtd_inv_qi_head", "vtd_inv_qi_tail",
    "vtd_inv_qi_fetch", "vtd_context_cache_reset", "vtd_re_not_present",
    "vtd_ce_not_present", "vtd_iotlb_cc_hit", "vtd_iotlb_cc_update",
    "vtd_iotlb_reset", "vtd_fault_disabled", "vtd_replay_ce_valid",
    "vtd_replay_ce_invalid", "vtd_page_walk_level", "vtd_page_walk_one",
    "vtd_page_walk_one_skip_map", "vtd_page_walk_one_skip_unmap",
    "vtd_page_walk_skip_read", "vtd_page_walk_skip_reserve",
    "vtd_switch_address_space", "vtd_as_unmap_whole", "vtd_translate_pt",
    "vtd_pt_enable_fast_path", "vtd_irq_generate", "vtd_reg_dmar_root",
    "vtd_reg_ir_root", "vtd_reg_write_gcmd", "vtd_reg_write_fectl",
    "vtd_reg_write_iectl", "vtd_reg_ics_clear_ip", "vtd_dmar_enable",
    "vtd_ir_enable", "vtd_ir_irte_get", "vtd_ir_remap_type", "vtd_fsts_ppf",
    "vtd_fsts_clear_ip", "vtd_warn_invalid_qi_tail", "vtd_warn_ir_vector",
    "vtd_warn_ir_trigger",
};

static void on_event(struct conv *c, const char *ev)
{
    size_t n = strcspn(ev, " \t");
    char name[64];
    if (n >= sizeof(name)) {
        warn(c, "vtd_?", "event name too long");
        return;
    }
    memcpy(name, ev, n);
    name[n] = 0;
    const char *a = ev + n;
    while (*a == ' ' || *a == '\t')
        a++;
    c->st->events++;
    if (!strcmp(name, "vtd_reg_write"))
        on_reg_write(c, a);
    else if (!strcmp(name, "vtd_reg_read"))
        warn(c, name, "register read without value: not reconstructed");
    else if (!strcmp(name, "vtd_inv_desc"))
        on_inv_desc(c, a);
    else if (!strcmp(name, "vtd_inv_desc_wait_sw"))
        on_wait_sw(c, a);
    else if (!strcmp(name, "vtd_dmar_translate"))
        on_translate(c, a);
    else if (!strcmp(name, "vtd_dmar_fault"))
        on_fault(c, a);
    else if (!strcmp(name, "vtd_iotlb_page_hit") ||
             !strcmp(name, "vtd_iotlb_page_update"))
        on_tlb(c, a);
    else if (!strcmp(name, "vtd_ir_remap_msi_req"))
        on_msi_req(c, a);
    else if (!strcmp(name, "vtd_ir_remap"))
        on_remap(c, a);
    else if (!strcmp(name, "vtd_ir_remap_msi"))
        on_msi_done(c, a);
    else if (!strcmp(name, "vtd_frr_new"))
        on_frr(c, a);
    else {
        for (size_t i = 0; i < G_N_ELEMENTS(implied); i++)
            if (!strcmp(name, implied[i])) {
                c->st->informational++;
                return;
            }
        warn(c, name, "unknown event: skipped");
    }
}

void qemulog_opts_init(struct qemulog_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->name = "qemu.log";
    o->base = 0xfed90000ULL;
    /* What QEMU 7.2's intel-iommu presents by default. */
    (void)vtd_profile_lookup("qemu-7.2", &o->cap, &o->ecap);
}

int qemulog_convert(const char *text, size_t len,
                    const struct qemulog_opts *o, GString *out,
                    GString *warnings, struct qemulog_stats *stats)
{
    if ((!text && len) || !o || !out)
        return -EINVAL;
    struct qemulog_stats dummy;
    struct conv c = {
        .o = o, .body = g_string_new(NULL), .warn = warnings,
        .notdone = g_string_new(NULL), .st = stats ? stats : &dummy,
        .descs = g_array_new(FALSE, FALSE, sizeof(struct desc)),
        .waits = g_array_new(FALSE, FALSE, sizeof(struct wait_sw)),
        .seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };
    memset(c.st, 0, sizeof(*c.st));
    size_t pos = 0;
    GString *line = g_string_new(NULL);
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        g_string_truncate(line, 0);
        for (size_t i = pos; i < e; i++)
            if (text[i] != '\r' && text[i] != 0)
                g_string_append_c(line, text[i]);
        pos = e + 1;
        c.line++;
        c.st->lines++;
        const char *ev = qemulog_event_start(line->str);
        if (ev)
            on_event(&c, ev);
        else if (line->len)
            c.st->other++;
    }
    c.line++;
    flush_all(&c);
    g_string_free(line, TRUE);

    g_string_append_printf(out, "# imported from the QEMU log %s by vtdemu "
                           "import-qemu-log\n", o->name);
    g_string_append_printf(out, "# %u lines, %u vtd_* events: %u trace lines "
                           "written, %u events implied by others, %u not "
                           "reconstructed, %u other lines ignored\n",
                           c.st->lines, c.st->events, c.st->actions,
                           c.st->informational, c.st->skipped, c.st->other);
    g_string_append(out, "# QEMU's log does not hold guest memory (root, "
                         "context and page tables, IRT):");
    if (o->memory)
        g_string_append(out, " the mem write lines below were copied from "
                             "the memory file given.\n");
    else
        g_string_append(out, " add it (mem write lines from a RAM dump) "
                             "before the DMA and MSI lines can pass.\n");
    g_string_append(out, "# MSI lines use '-' for the requester: QEMU's "
                         "interrupt events do not carry it.\n");
    if (!o->caps_given)
        g_string_append(out, "# CAP/ECAP are not in the log: QEMU 7.2's "
                             "defaults assumed (give --cap/--ecap).\n");
    g_string_append_printf(out, "vtdtrace 1\niommu base=0x%" PRIx64
                           " cap=0x%016" PRIx64 " ecap=0x%" PRIx64 "\n",
                           o->base, o->cap, o->ecap);
    if (o->memory) {
        const char *p = o->memory;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p) : strlen(p);
            if (l > 10 && !strncmp(p, "mem write ", 10)) {
                g_string_append_len(out, p, (gssize)l);
                g_string_append_c(out, '\n');
            }
            p += l + (nl ? 1 : 0);
        }
    }
    g_string_append(out, c.body->str);
    if (c.notdone->len) {
        g_string_append(out, "# ---- not reconstructed:\n");
        g_string_append(out, c.notdone->str);
    }
    g_string_free(c.body, TRUE);
    g_string_free(c.notdone, TRUE);
    g_array_free(c.descs, TRUE);
    g_array_free(c.waits, TRUE);
    g_hash_table_destroy(c.seen);
    return 0;
}
