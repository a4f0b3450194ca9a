/* SPDX-License-Identifier: MIT */
/* trace/replay.c: the trace replay engine (see replay.h). */
#include "trace/replay.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <vtd/layout.h>

#include "apic/apic.h"
#include "machine/board.h"
#include "report/explain.h"
#include "mem/guestmem.h"
#include "trace/record.h"
#include "trace/replay_int.h"

int rt_error_(struct replay *rp, const struct trace_cmd *c,
              const char *fmt, ...)
{
    if (rp->err && rp->errlen) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(rp->err, rp->errlen, "%s:%u: %s", rp->t->path,
                 c ? c->line : 0, msg);
    }
    return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* What the board reports (machine/board.c does the work)              */
/* ------------------------------------------------------------------ */

/* A unit or a CPU wrote guest memory: a recording learns it. */
static void obs_mem_wrote(void *ctx, uint64_t gpa, const void *buf,
                          size_t len)
{
    struct replay *rp = ctx;
    if (rp->rec)
        trace_recorder_unit_wrote(rp->rec, gpa, buf, len);
}

/* A CPU read guest memory (posted-interrupt processing): a recording
 * describes what it had not written itself (mem write lines). */
static void obs_cpu_read(void *ctx, uint64_t gpa, const void *buf,
                         size_t len)
{
    struct replay *rp = ctx;
    if (rp->rec)
        trace_recorder_read(rp->rec, gpa, buf, len);
}

static void obs_event(void *ctx, unsigned unit, const struct vtd_event *ev)
{
    struct replay *rp = ctx;
    if (ev->kind == VTD_EV_CACHE_STALE)
        rp->stale_seen = true;
    if (rp->rec)
        trace_recorder_event(rp->rec, ev);
    if (rp->explaining && rp->hooks && rp->hooks->explain && rp->cur) {
        char buf[512];
        if (explain_event(ev, buf, sizeof(buf)))
            rp->hooks->explain(rp->hooks->ctx, rp->t->path, rp->cur->line,
                               buf);
    }
}

static void obs_unit_msi(void *ctx, uint64_t addr, uint32_t data)
{
    struct replay *rp = ctx;
    if (rp->explaining && rp->hooks && rp->hooks->explain && rp->cur) {
        char buf[128];
        snprintf(buf, sizeof(buf), "unit sent its own MSI: address "
                 "0x%" PRIx64 " data 0x%x", addr, data);
        rp->hooks->explain(rp->hooks->ctx, rp->t->path, rp->cur->line, buf);
    }
}

static void obs_delivered(void *ctx, const struct vtd_irq *out, int n)
{
    struct replay *rp = ctx;
    if (n > 0)
        rp->delivered += (unsigned long)n;
    if (rp->explaining && (out->outcome != VTD_IRQ_BLOCKED)) {
        char buf[128];
        snprintf(buf, sizeof(buf), "%d CPU(s) accepted the %s", n < 0 ? 0 : n,
                 out->outcome == VTD_IRQ_POSTED
                     ? (out->notify ? "notification event"
                                    : "posting (no notification)")
                     : "interrupt");
        rp->hooks->explain(rp->hooks->ctx, rp->t->path, rp->cur->line, buf);
    }
}

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

void report_(struct replay *rp, const struct trace_cmd *c,
             const char *what, bool pass, const char *expected,
             const char *actual)
{
    if (pass)
        rp->sum->passed++;
    else
        rp->sum->failed++;
    if (rp->hooks && rp->hooks->result) {
        struct replay_result r = {
            .file = rp->t->path, .line = c->line, .text = c->text,
            .what = what, .pass = pass, .expected = expected,
            .actual = actual,
        };
        rp->hooks->result(rp->hooks->ctx, &r);
    }
}

static char *bytes_hex(const uint8_t *b, size_t n)
{
    GString *s = g_string_sized_new(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(s, "%02x", b[i]);
    return g_string_free(s, FALSE);
}

static char *fault_text(unsigned fault, int recorded)
{
    if (recorded < 0)
        return g_strdup_printf("fault reason=0x%x (%s)", fault,
                               vtd_fault_reason_str(fault));
    return g_strdup_printf("fault reason=0x%x (%s) recorded=%s", fault,
                           vtd_fault_reason_str(fault),
                           recorded ? "yes" : "no");
}

/* ------------------------------------------------------------------ */
/* Routing                                                             */
/* ------------------------------------------------------------------ */

static struct unit_rt *unit_by_addr(struct replay *rp, uint64_t addr,
                                    uint64_t *off)
{
    int i = board_unit_by_addr(rp->board, addr, off);
    return i < 0 ? NULL : &rp->units[i];
}

/* The unit the command names (unit=), else the board's routing by
 * device scope (machine/board.c). */
static struct unit_rt *unit_by_sid(struct replay *rp, const struct trace_cmd *c,
                                   bool sid_valid, uint16_t sid)
{
    if (c->unit >= 0 && (size_t)c->unit < rp->nunits)
        return &rp->units[c->unit];
    int i = board_unit_by_sid(rp->board, sid_valid, sid);
    return i < 0 ? NULL : &rp->units[i];
}

static const char *unit_name_for_record(const struct unit_rt *ur,
                                        const struct trace_cmd *c)
{
    return c->unit >= 0 ? ur->decl->name : NULL;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static int do_mem(struct replay *rp, const struct trace_cmd *c)
{
    if (c->op == TRACE_MEM_WRITE) {
        /* FORMAT.md: addresses outside RAM are not backed; bytes written
         * there go nowhere (as on a real platform), and a unit reading
         * them gets an access error.  The oracle relies on this. */
        if (guestmem_write(rp->mem, c->addr, c->bytes, c->nbytes) == 0)
            return 0;
        for (size_t i = 0; i < c->nbytes;) {
            size_t n = 1;
            uint64_t a = c->addr + i;
            /* Whole pages when they are RAM, else byte by byte. */
            size_t page_left = (size_t)(VTD_PAGE_4K - (a & ~VTD_PAGE_MASK));
            if (page_left <= c->nbytes - i &&
                guestmem_is_ram(rp->mem, a, page_left))
                n = page_left;
            (void)guestmem_write(rp->mem, a, c->bytes + i, n);
            i += n;
        }
        return 0;
    }
    uint8_t *buf = g_malloc(c->nbytes);
    char *exp = bytes_hex(c->bytes, c->nbytes);
    if (guestmem_read(rp->mem, c->addr, buf, c->nbytes) < 0) {
        /* FORMAT.md: an expectation that cannot be checked fails. */
        report_(rp, c, "mem expect", false, exp, "outside RAM (cannot be "
                "checked)");
    } else {
        char *act = bytes_hex(buf, c->nbytes);
        report_(rp, c, "mem expect", memcmp(buf, c->bytes, c->nbytes) == 0,
                exp, act);
        g_free(act);
        if (rp->rec)
            trace_recorder_mem_expect(rp->rec, c->addr, buf, c->nbytes);
    }
    g_free(exp);
    g_free(buf);
    return 0;
}

static struct ioapic *ioapic_by_addr(struct replay *rp, uint64_t addr,
                                     uint64_t *off)
{
    return board_ioapic_by_addr(rp->board, addr, off);
}

/* mmio read/write in an IOAPIC window: 32-bit registers only (82093AA);
 * other sizes are ignored (reads give 0), as the IOAPIC model does. */
static int do_ioapic_mmio(struct replay *rp, const struct trace_cmd *c,
                          struct ioapic *io, uint64_t off)
{
    if (c->op == TRACE_MMIO_WRITE) {
        if (c->size == 4)
            (void)ioapic_mmio_write(io, off, (uint32_t)c->value);
        if (rp->rec)
            trace_recorder_mmio_write(rp->rec, c->addr, c->size, c->value);
        return 0;
    }
    uint32_t v = 0;
    if (c->size == 4)
        (void)ioapic_mmio_read(io, off, &v);
    if (rp->rec)
        trace_recorder_mmio_read(rp->rec, c->addr, c->size, v);
    if (c->has_expect) {
        char *e = g_strdup_printf("0x%" PRIx64, c->expect);
        char *a = g_strdup_printf("0x%" PRIx64 " (read 0x%x)",
                                  (uint64_t)v & c->mask, v);
        report_(rp, c, "mmio read", ((uint64_t)v & c->mask) == c->expect, e,
                a);
        g_free(e);
        g_free(a);
    }
    return 0;
}

static int do_register(struct replay *rp, const struct trace_cmd *c)
{
    struct unit_rt *ur;
    uint64_t off, addr;
    unsigned size = c->size;
    const char *what;
    bool is_write;

    if (c->op == TRACE_MMIO_WRITE || c->op == TRACE_MMIO_READ) {
        is_write = c->op == TRACE_MMIO_WRITE;
        what = "mmio read";
        addr = c->addr;
        ur = unit_by_addr(rp, addr, &off);
        if (!ur && ioapic_by_addr(rp, addr, &off))
            return do_ioapic_mmio(rp, c, ioapic_by_addr(rp, addr, &off),
                                  off);
        if (!ur)
            return rt_error_(rp, c, "mmio address 0x%" PRIx64 " is in no "
                             "unit's register window", addr);
    } else {
        is_write = c->op == TRACE_REG_WRITE;
        what = "reg read";
        if (c->unit >= 0)
            ur = &rp->units[c->unit];
        else if (rp->nunits == 1)
            ur = &rp->units[0];
        else
            return rt_error_(rp, c, "the trace has several units: reg needs "
                             "unit=NAME");
        unsigned natural;
        if (!trace_reg_lookup(c->reg, vtd_iommu_cap(ur->u),
                              vtd_iommu_ecap(ur->u), &off, &natural))
            return rt_error_(rp, c, "unit '%s' has no register %s",
                             ur->decl->name, c->reg);
        if (!size)
            size = natural;
        addr = ur->decl->base + off;
    }

    if (is_write) {
        /* An ignored access (-EINVAL) is the unit's business: it logs it;
         * the trace goes on as hardware would.  In a trace with ATS
         * devices, --explain shows what a register write set off (the
         * Invalidate Requests of an IQT write, replay_ats.c). */
        rp->explaining = rp->ats && rp->opts && rp->opts->explain &&
                         rp->hooks && rp->hooks->explain;
        explain_head_(rp, c);
        (void)vtd_mmio_write(ur->u, off, size, c->value);
        rp->explaining = false;
        if (rp->rec)
            trace_recorder_mmio_write(rp->rec, addr, size, c->value);
        return 0;
    }
    uint64_t val = 0;
    (void)vtd_mmio_read(ur->u, off, size, &val);
    if (rp->rec)
        trace_recorder_mmio_read(rp->rec, addr, size, val);
    if (c->has_expect) {
        char *exp, *act;
        if (c->mask != ~0ULL)
            exp = g_strdup_printf("0x%" PRIx64 " (mask 0x%" PRIx64 ")",
                                  c->expect, c->mask);
        else
            exp = g_strdup_printf("0x%" PRIx64, c->expect);
        if (c->mask != ~0ULL)
            act = g_strdup_printf("0x%" PRIx64 " (read 0x%" PRIx64 ")",
                                  val & c->mask, val);
        else
            act = g_strdup_printf("0x%" PRIx64, val);
        /* FORMAT.md: the value read, ANDed with MASK, equals VALUE. */
        report_(rp, c, what, (val & c->mask) == c->expect, exp, act);
        g_free(exp);
        g_free(act);
    }
    return 0;
}

static void check_stale(struct replay *rp, const struct trace_cmd *c)
{
    if (c->stale == TRACE_UNSET)
        return;
    bool want = c->stale == TRACE_YES;
    report_(rp, c, "lint", want == rp->stale_seen,
            want ? "stale=yes" : "stale=no",
            rp->stale_seen ? "stale=yes" : "stale=no");
}

void explain_head_(struct replay *rp, const struct trace_cmd *c)
{
    if (rp->explaining)
        rp->hooks->explain(rp->hooks->ctx, rp->t->path, c->line, c->text);
}

/* The stale= a recording carries: whenever the unit lints (or the trace
 * checked it), what the unit reported during this request. */
static int record_stale(const struct replay *rp, const struct unit_rt *ur,
                        const struct trace_cmd *c)
{
    if (!ur->decl->lint && c->stale == TRACE_UNSET)
        return -1;
    return rp->stale_seen ? 1 : 0;
}

static int do_dma(struct replay *rp, const struct trace_cmd *c)
{
    struct unit_rt *ur = unit_by_sid(rp, c, true, c->sid);
    if (!ur)
        return rt_error_(rp, c, "no unit's device scope holds this "
                         "source-id");
    struct vtd_dma_req req = {
        .sid = c->sid, .pasid = c->pasid, .iova = c->addr, .size = c->len,
        .access = c->access, .at = c->at,
    };
    struct vtd_xlate out;
    memset(&out, 0, sizeof(out));
    rp->stale_seen = false;
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    int rc = vtd_translate(ur->u, &req, &out);
    rp->explaining = false;
    if (rp->rec)
        trace_recorder_dma(rp->rec, unit_name_for_record(ur, c), &req,
                           rc == 0 ? &out : NULL, record_stale(rp, ur, c));

    if (c->exp != TRACE_EXP_NONE) {
        char *exp, *act;
        bool pass;
        if (c->exp == TRACE_EXP_OK) {
            exp = c->has_gpa ? g_strdup_printf("ok gpa=0x%" PRIx64, c->gpa)
                             : g_strdup("ok");
        } else {
            GString *s = g_string_new("fault");
            if (c->has_reason)
                g_string_append_printf(s, " reason=0x%x", c->reason);
            if (c->recorded != TRACE_UNSET)
                g_string_append_printf(s, " recorded=%s",
                                       c->recorded ? "yes" : "no");
            exp = g_string_free(s, FALSE);
        }
        if (rc < 0) {
            act = g_strdup_printf("error %d from vtd_translate", rc);
            pass = false;
        } else if (out.fault) {
            act = fault_text(out.fault, out.recorded);
            pass = c->exp == TRACE_EXP_FAULT &&
                   (!c->has_reason || out.fault == c->reason) &&
                   (c->recorded == TRACE_UNSET ||
                    (c->recorded == TRACE_YES) == out.recorded);
        } else {
            act = g_strdup_printf("ok gpa=0x%" PRIx64, out.addr);
            pass = c->exp == TRACE_EXP_OK &&
                   (!c->has_gpa || out.addr == c->gpa);
        }
        report_(rp, c, "dma", pass, exp, act);
        g_free(exp);
        g_free(act);
    }
    check_stale(rp, c);
    return 0;
}

static char *irq_text(const struct vtd_irq *o)
{
    switch (o->outcome) {
    case VTD_IRQ_PASSTHROUGH:
        return g_strdup("passthrough");
    case VTD_IRQ_REMAPPED:
        return g_strdup_printf("remapped dest=0x%x vector=0x%x dm=%u tm=%u "
                               "dlm=0x%x rh=%u", o->dest, o->vector, o->dm,
                               o->tm, o->dlm, o->rh);
    case VTD_IRQ_POSTED:
        return g_strdup_printf("posted notify=%s", o->notify ? "yes" : "no");
    case VTD_IRQ_BLOCKED:
        return g_strdup_printf("blocked reason=0x%x (%s)", o->fault,
                               vtd_fault_reason_str(o->fault));
    default:
        return g_strdup_printf("unknown outcome %d", (int)o->outcome);
    }
}

static char *irq_expected(const struct trace_cmd *c)
{
    GString *s = g_string_new(NULL);
    switch (c->exp) {
    case TRACE_EXP_PASSTHROUGH:
        g_string_append(s, "passthrough");
        break;
    case TRACE_EXP_REMAPPED:
        g_string_append(s, "remapped");
        if (c->irq_checks & TRACE_IRQ_DEST)
            g_string_append_printf(s, " dest=0x%x", c->dest);
        if (c->irq_checks & TRACE_IRQ_VECTOR)
            g_string_append_printf(s, " vector=0x%x", c->vector);
        if (c->irq_checks & TRACE_IRQ_DM)
            g_string_append_printf(s, " dm=%u", c->dm);
        if (c->irq_checks & TRACE_IRQ_TM)
            g_string_append_printf(s, " tm=%u", c->tm);
        if (c->irq_checks & TRACE_IRQ_DLM)
            g_string_append_printf(s, " dlm=0x%x", c->dlm);
        if (c->irq_checks & TRACE_IRQ_RH)
            g_string_append_printf(s, " rh=%u", c->rh);
        break;
    case TRACE_EXP_BLOCKED:
        g_string_append(s, "blocked");
        if (c->has_reason)
            g_string_append_printf(s, " reason=0x%x", c->reason);
        break;
    case TRACE_EXP_POSTED:
        g_string_append(s, "posted");
        if (c->notify != TRACE_UNSET)
            g_string_append_printf(s, " notify=%s",
                                   c->notify ? "yes" : "no");
        break;
    default:
        break;
    }
    return g_string_free(s, FALSE);
}

static bool irq_matches(const struct trace_cmd *c, const struct vtd_irq *o)
{
    switch (c->exp) {
    case TRACE_EXP_PASSTHROUGH:
        return o->outcome == VTD_IRQ_PASSTHROUGH;
    case TRACE_EXP_REMAPPED:
        return o->outcome == VTD_IRQ_REMAPPED &&
               (!(c->irq_checks & TRACE_IRQ_DEST) || o->dest == c->dest) &&
               (!(c->irq_checks & TRACE_IRQ_VECTOR) ||
                o->vector == c->vector) &&
               (!(c->irq_checks & TRACE_IRQ_DM) || o->dm == c->dm) &&
               (!(c->irq_checks & TRACE_IRQ_TM) || o->tm == c->tm) &&
               (!(c->irq_checks & TRACE_IRQ_DLM) || o->dlm == c->dlm) &&
               (!(c->irq_checks & TRACE_IRQ_RH) || o->rh == c->rh);
    case TRACE_EXP_BLOCKED:
        return o->outcome == VTD_IRQ_BLOCKED &&
               (!c->has_reason || o->fault == c->reason);
    case TRACE_EXP_POSTED:
        return o->outcome == VTD_IRQ_POSTED &&
               (c->notify == TRACE_UNSET ||
                (c->notify == TRACE_YES) == o->notify);
    default:
        return false;
    }
}

static int do_msi(struct replay *rp, const struct trace_cmd *c)
{
    struct unit_rt *ur = unit_by_sid(rp, c, c->sid_valid, c->sid);
    if (!ur)
        return rt_error_(rp, c, "no unit's device scope holds this "
                         "source-id");
    struct vtd_msi_req req = {
        .sid = c->sid, .sid_valid = c->sid_valid, .addr = c->addr,
        .data = (uint32_t)c->value,
    };
    struct vtd_irq out;
    memset(&out, 0, sizeof(out));
    rp->stale_seen = false;
    rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                     rp->hooks->explain;
    explain_head_(rp, c);
    int rc = vtd_interrupt(ur->u, &req, &out);
    if (rc == 0)
        (void)board_deliver(rp->board, &out);
    rp->explaining = false;
    if (rp->rec)
        trace_recorder_msi(rp->rec, unit_name_for_record(ur, c), &req,
                           rc == 0 ? &out : NULL, record_stale(rp, ur, c));
    if (c->exp != TRACE_EXP_NONE) {
        char *exp = irq_expected(c);
        char *act = rc < 0 ? g_strdup_printf("error %d from vtd_interrupt",
                                             rc)
                           : irq_text(&out);
        report_(rp, c, "msi", rc == 0 && irq_matches(c, &out), exp, act);
        g_free(exp);
        g_free(act);
    }
    check_stale(rp, c);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The machine around the units: CPUs and IOAPICs (v2)                 */
/* ------------------------------------------------------------------ */

/* CPUs and IOAPICs on the board, and the lines a recording gives them. */
static int machine_setup(struct replay *rp)
{
    const struct trace *t = rp->t;
    if (t->ncpus) {
        struct board_cpu_desc *cd = g_new0(struct board_cpu_desc, t->ncpus);
        for (size_t i = 0; i < t->ncpus; i++) {
            const struct trace_cpu *c = &t->cpus[i];
            cd[i] = (struct board_cpu_desc){
                .apic_id = c->apic_id, .x2apic = c->x2apic, .tpr = c->tpr,
                .ldr = c->ldr, .cluster = c->cluster,
            };
        }
        int rc = board_add_cpus(rp->board, cd, t->ncpus);
        g_free(cd);
        if (rc < 0)
            return rt_error_(rp, NULL, "cannot create %zu local APICs",
                             t->ncpus);
        rp->apics = board_apics(rp->board);
    }
    for (size_t i = 0; i < t->nioapics; i++) {
        const struct trace_ioapic *d = &t->ioapics[i];
        if (board_add_ioapic(rp->board, d->base, d->id, d->sid) < 0) {
            struct trace_cmd at = { .line = d->line };
            return rt_error_(rp, &at, "cannot create IOAPIC %u", d->id);
        }
    }
    /* A recording sets up the same CPUs and IOAPICs (FORMAT.md). */
    for (size_t i = 0; rp->rec && i < t->ncpus; i++) {
        const struct trace_cpu *c = &t->cpus[i];
        if (c->x2apic)
            trace_recorder_line(rp->rec, "cpu 0x%x x2apic tpr=%u",
                                c->apic_id, c->tpr);
        else
            trace_recorder_line(rp->rec, "cpu 0x%x ldr=0x%x dfr=%s tpr=%u",
                                c->apic_id, c->ldr,
                                c->cluster ? "cluster" : "flat", c->tpr);
    }
    for (size_t i = 0; rp->rec && i < t->nioapics; i++) {
        const struct trace_ioapic *d = &t->ioapics[i];
        trace_recorder_line(rp->rec, "ioapic base=0x%" PRIx64 " id=%u "
                            "sid=" VTD_SID_FMT, d->base, d->id,
                            VTD_SID_BDF(d->sid));
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up and the main loop                                            */
/* ------------------------------------------------------------------ */

static bool trace_wants_events(const struct trace *t,
                               const struct replay_opts *o)
{
    if (o && (o->explain || o->record))
        return true;
    for (size_t i = 0; i < t->nunits; i++)
        if (t->units[i].lint)
            return true;
    for (size_t i = 0; i < t->ncmds; i++)
        if (t->cmds[i].stale != TRACE_UNSET)
            return true;
    return false;
}

static char *scope_text(const struct trace_unit *d)
{
    if (d->scope_all)
        return NULL;
    GString *s = g_string_new(NULL);
    for (size_t k = 0; k < d->nscope; k++) {
        uint16_t a = d->scope[k].first, b = d->scope[k].last;
        g_string_append_printf(s, "%s" VTD_SID_FMT, k ? "," : "",
                               VTD_SID_BDF(a));
        if (b != a)
            g_string_append_printf(s, "-" VTD_SID_FMT, VTD_SID_BDF(b));
    }
    return g_string_free(s, FALSE);
}

static int setup(struct replay *rp)
{
    const struct trace *t = rp->t;
    struct board_observer obs = {
        .ctx = rp, .mem_wrote = obs_mem_wrote, .cpu_read = obs_cpu_read,
        .event = obs_event, .unit_msi = obs_unit_msi,
        .delivered = obs_delivered, .dma_read = obs_cpu_read,
        .page_response = obs_page_resp_,
    };
    rp->board = board_new(&obs);
    rp->mem = board_mem(rp->board);
    for (size_t i = 0; i < t->nram; i++) {
        if (board_add_ram(rp->board, t->ram[i].base, t->ram[i].size) < 0)
            return rt_error_(rp, NULL, "bad ram range");
        if (rp->rec)
            trace_recorder_ram(rp->rec, t->ram[i].base, t->ram[i].size);
    }
    bool events = trace_wants_events(t, rp->opts);
    rp->units = g_new0(struct unit_rt, t->nunits);
    for (size_t i = 0; i < t->nunits; i++) {
        const struct trace_unit *d = &t->units[i];
        struct unit_rt *ur = &rp->units[i];
        ur->decl = d;
        struct vtd_config cfg = {
            .version = VTD_CONFIG_VERSION, .profile = d->profile,
            .cap = d->has_cap ? d->cap : 0, .ecap = d->has_ecap ? d->ecap : 0,
            .ver = d->ver, .haw = d->haw, .cache = d->cache, .lint = d->lint,
        };
        struct board_scope *ranges = g_new0(struct board_scope,
                                            d->nscope ? d->nscope : 1);
        for (size_t k = 0; k < d->nscope; k++)
            ranges[k] = (struct board_scope){ d->scope[k].first,
                                              d->scope[k].last };
        struct board_unit_desc bd = {
            .base = d->base, .scope_all = d->scope_all, .scope = ranges,
            .nscope = d->nscope,
        };
        char why[256] = "";
        size_t clash = 0;
        int rc = board_add_unit(rp->board, &bd, &cfg, events, why,
                                sizeof(why), &clash);
        g_free(ranges);
        if (rc < 0 && rc != -EEXIST) {
            struct trace_cmd at = { .line = d->line };
            return rt_error_(rp, &at, "unit '%s' rejected: %s (%d)", d->name,
                             why[0] ? why : "no reason given", rc);
        }
        ur->u = board_unit(rp->board, i);
        rp->nunits = i + 1;
        if (rc == -EEXIST) {
            struct trace_cmd at = { .line = d->line };
            return rt_error_(rp, &at, "register window of unit '%s' "
                             "overlaps unit '%s'", d->name,
                             rp->units[clash].decl->name);
        }
        if (rp->rec) {
            char *scope = scope_text(d);
            char extra[64] = "";
            /* The recording names CAP/ECAP, not the profile: keep the
             * paging-structure caches a "full" unit had (vtd.h). */
            bool psc = d->cache == VTD_CACHE_PSC ||
                       (d->cache == VTD_CACHE_HARDWARE && d->profile &&
                        strcmp(d->profile, "full") == 0);
            if (d->cache == VTD_CACHE_NONE || psc || d->lint)
                snprintf(extra, sizeof(extra), "%s%s",
                         d->cache == VTD_CACHE_NONE ? "cache=none "
                         : psc ? "cache=psc " : "",
                         d->lint ? "lint=yes" : "");
            trace_recorder_unit(rp->rec, t->version >= 2 &&
                                (t->nunits > 1 || strcmp(d->name, "iommu"))
                                ? d->name : NULL,
                                d->base, vtd_iommu_cap(ur->u),
                                vtd_iommu_ecap(ur->u), d->ver, d->haw,
                                scope, extra);
            g_free(scope);
        }
    }
    return 0;
}

/* hooks->state with the units and memory; false: stop. */
static bool call_state(struct replay *rp, unsigned line)
{
    struct vtd_iommu *units[16] = { 0 };
    uint64_t bases[16] = { 0 };
    struct vtd_iommu **u = units;
    uint64_t *b = bases;
    if (rp->nunits > G_N_ELEMENTS(units)) {
        u = g_new(struct vtd_iommu *, rp->nunits);
        b = g_new(uint64_t, rp->nunits);
    }
    for (size_t i = 0; i < rp->nunits; i++) {
        u[i] = rp->units[i].u;
        b[i] = rp->units[i].decl->base;
    }
    bool go_on = rp->hooks->state(rp->hooks->ctx, line, u, b, rp->nunits,
                                  rp->mem);
    if (u != units) {
        g_free(u);
        g_free(b);
    }
    return go_on;
}

/* Run t's commands (those on lines <= at_line; 0: all) after set-up. */
static int run_cmds(struct replay *rp, unsigned at_line)
{
    const struct trace *t = rp->t;
    const struct replay_hooks *hooks = rp->hooks;
    int rc = setup(rp);
    if (rc == 0)
        rc = machine_setup(rp);
    if (rc == 0)
        rc = ats_machine_devices_(rp);
    for (size_t i = 0; rc == 0 && i < t->ncmds; i++) {
        const struct trace_cmd *c = &t->cmds[i];
        if (at_line && c->line > at_line)
            break;
        rp->cur = c;
        if (c->mop != TRACE_M_NONE) {
            rc = do_machine_(rp, c);
        } else {
            switch (c->op) {
            case TRACE_MEM_WRITE:
            case TRACE_MEM_EXPECT:
                rc = do_mem(rp, c);
                break;
            case TRACE_MMIO_WRITE:
            case TRACE_MMIO_READ:
            case TRACE_REG_WRITE:
            case TRACE_REG_READ:
                rc = do_register(rp, c);
                break;
            case TRACE_DMA:
                rc = do_dma(rp, c);
                break;
            case TRACE_MSI:
                rc = do_msi(rp, c);
                break;
            case TRACE_ATS:
                rc = do_ats_(rp, c);
                break;
            case TRACE_PAGE_REQ:
                rc = do_page_req_(rp, c);
                break;
            case TRACE_PAGE_RESP:
                rc = do_page_resp_(rp, c);
                break;
            case TRACE_PRDEV:
                rc = do_prdev_(rp, c);
                break;
            }
        }
        /* ATS endpoints that answer by themselves (replay_ats.c). */
        if (rc == 0)
            rc = ats_pump_(rp);
        if (rc == 0)
            rp->last_line = c->line;
        if (rc == 0 && hooks && hooks->state && !call_state(rp, c->line))
            break;
    }
    rp->cur = NULL;
    return rc;
}

/* opts->rule_hits += every unit's rule hits (<vtd/rules.h>). */
static void add_rule_hits(struct replay *rp)
{
    if (!rp->opts || !rp->opts->rule_hits)
        return;
    unsigned n = vtd_rule_count();
    uint64_t *h = g_new(uint64_t, n);
    for (size_t i = 0; i < rp->nunits; i++) {
        if (!rp->units[i].u || vtd_rule_hits(rp->units[i].u, h, n) < 0)
            continue;
        for (unsigned k = 0; k < n; k++)
            rp->opts->rule_hits[k] += h[k];
    }
    g_free(h);
}

static void teardown(struct replay *rp)
{
    ats_free_(rp);
    board_free(rp->board);
    g_free(rp->units);
    if (rp->presp)
        g_array_free(rp->presp, TRUE);
    trace_recorder_free(rp->rec);
}

int replay_trace(const struct trace *t, const struct replay_opts *opts,
                 const struct replay_hooks *hooks, struct replay_summary *sum,
                 char *errbuf, size_t errlen)
{
    if (!t || !sum)
        return -EINVAL;
    struct replay rp = {
        .t = t, .opts = opts, .hooks = hooks, .sum = sum, .err = errbuf,
        .errlen = errlen,
    };
    if (errbuf && errlen)
        errbuf[0] = 0;
    if (opts && opts->record)
        rp.rec = trace_recorder_new(opts->record, t->version);
    int rc = run_cmds(&rp, 0);
    if (rc == 0 && rp.rec) {
        fflush(opts->record);
        if (ferror(opts->record))
            rc = rt_error_(&rp, NULL, "writing the recorded trace failed");
    }
    add_rule_hits(&rp);
    teardown(&rp);
    return rc;
}

struct replay_held {
    struct replay rp;
    struct replay_summary sum;
    struct vtd_iommu **units;
    uint64_t *bases;
};

int replay_trace_hold(const struct trace *t, unsigned at_line,
                      struct replay_held **out, char *errbuf, size_t errlen)
{
    if (!t || !out)
        return -EINVAL;
    *out = NULL;
    if (errbuf && errlen)
        errbuf[0] = 0;
    struct replay_held *h = g_new0(struct replay_held, 1);
    h->rp.t = t;
    h->rp.sum = &h->sum;
    h->rp.err = errbuf;
    h->rp.errlen = errlen;
    int rc = run_cmds(&h->rp, at_line);
    if (rc < 0) {
        teardown(&h->rp);
        g_free(h);
        return rc;
    }
    size_t n = h->rp.nunits;
    h->units = g_new0(struct vtd_iommu *, n ? n : 1);
    h->bases = g_new0(uint64_t, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        h->units[i] = h->rp.units[i].u;
        h->bases[i] = h->rp.units[i].decl->base;
    }
    *out = h;
    return 0;
}

size_t replay_held_units(const struct replay_held *h,
                         struct vtd_iommu *const **units,
                         const uint64_t **bases)
{
    if (units)
        *units = h->units;
    if (bases)
        *bases = h->bases;
    return h->rp.nunits;
}

struct guestmem *replay_held_mem(const struct replay_held *h)
{
    return h->rp.mem;
}

unsigned replay_held_last_line(const struct replay_held *h)
{
    return h->rp.last_line;
}

int replay_held_cpu(const struct replay_held *h, uint32_t apic_id,
                    struct apic_cpu_state *st)
{
    if (!h->rp.apics)
        return -ENOENT;
    unsigned i = cpu_index_(&h->rp, apic_id);
    if (i == UINT_MAX)
        return -ENOENT;
    return apic_get_state(h->rp.apics, i, st);
}

void replay_held_free(struct replay_held *h)
{
    if (!h)
        return;
    teardown(&h->rp);
    g_free(h->units);
    g_free(h->bases);
    g_free(h);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

static int cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect_dir(const char *dir, GPtrArray *out, unsigned depth)
{
    /* Bounded depth guards against symlink loops. */
    if (depth > 32)
        return;
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    const char *name;
    GPtrArray *here = g_ptr_array_new();
    while ((name = g_dir_read_name(d)) != NULL) {
        char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            collect_dir(path, here, depth + 1);
            g_free(path);
        } else if (g_str_has_suffix(name, ".vtdt")) {
            g_ptr_array_add(here, path);
        } else {
            g_free(path);
        }
    }
    g_dir_close(d);
    g_ptr_array_sort(here, cmp_str);
    for (guint i = 0; i < here->len; i++)
        g_ptr_array_add(out, g_ptr_array_index(here, i));
    g_ptr_array_free(here, TRUE);
}

char **replay_collect_files(char *const *args, int nargs, char *errbuf,
                            size_t errlen)
{
    GPtrArray *out = g_ptr_array_new();
    for (int i = 0; i < nargs; i++) {
        const char *a = args[i];
        if (g_file_test(a, G_FILE_TEST_IS_DIR)) {
            collect_dir(a, out, 0);
        } else if (g_file_test(a, G_FILE_TEST_EXISTS)) {
            g_ptr_array_add(out, g_strdup(a));
        } else {
            if (errbuf && errlen)
                snprintf(errbuf, errlen, "%s: no such file or directory", a);
            g_ptr_array_add(out, NULL);
            g_strfreev((char **)g_ptr_array_free(out, FALSE));
            return NULL;
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}
