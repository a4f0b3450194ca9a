/* SPDX-License-Identifier: MIT */
/* trace/record.c: the trace recorder (see record.h). */
#include "trace/record.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "mem/guestmem.h"
#include <vtd/layout.h>

struct trace_recorder {
    FILE *out;
    unsigned version;
    struct guestmem *shadow;   /* what the recorded trace has described */
    GString *pending;          /* mem write lines for the next request */
    bool io_error;
};

struct trace_recorder *trace_recorder_new(FILE *out, unsigned version)
{
    if (!out)
        return NULL;
    struct trace_recorder *r = g_new0(struct trace_recorder, 1);
    r->out = out;
    r->version = version ? version : 1;
    r->shadow = guestmem_new();
    r->pending = g_string_new(NULL);
    if (fprintf(out, "# recorded by vtdemu record\nvtdtrace %u\n",
                r->version) < 0)
        r->io_error = true;
    return r;
}

void trace_recorder_free(struct trace_recorder *r)
{
    if (!r)
        return;
    guestmem_free(r->shadow);
    g_string_free(r->pending, TRUE);
    g_free(r);
}

static int status(struct trace_recorder *r)
{
    return r->io_error || ferror(r->out) ? -EIO : 0;
}

static void emit(struct trace_recorder *r, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void emit(struct trace_recorder *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(r->out, fmt, ap) < 0)
        r->io_error = true;
    va_end(ap);
}

static void flush_pending(struct trace_recorder *r)
{
    if (r->pending->len) {
        if (fwrite(r->pending->str, 1, r->pending->len, r->out) !=
            r->pending->len)
            r->io_error = true;
        g_string_truncate(r->pending, 0);
    }
}

static void hex_bytes(GString *s, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(s, "%02x", b[i]);
}

int trace_recorder_ram(struct trace_recorder *r, uint64_t base,
                       uint64_t size)
{
    if (!r)
        return -EINVAL;
    if (guestmem_add_ram(r->shadow, base, size) < 0)
        return -EINVAL;
    if (base == 0 && r->version < 2)
        emit(r, "ram 0x%" PRIx64 "\n", size);
    else
        emit(r, "ram 0x%" PRIx64 " base=0x%" PRIx64 "\n", size, base);
    return status(r);
}

int trace_recorder_unit(struct trace_recorder *r, const char *name,
                        uint64_t base, uint64_t cap, uint64_t ecap,
                        uint32_t ver, uint32_t haw, const char *scope,
                        const char *extra)
{
    if (!r)
        return -EINVAL;
    if (name)
        emit(r, "unit %s ", name);
    else
        emit(r, "iommu ");
    emit(r, "base=0x%" PRIx64 " cap=0x%" PRIx64 " ecap=0x%" PRIx64, base,
         cap, ecap);
    if (ver)
        emit(r, " ver=0x%x", ver);
    if (haw)
        emit(r, " haw=%u", haw);
    if (name && scope)
        emit(r, " scope=%s", scope);
    if (extra && *extra)
        emit(r, " %s", extra);
    emit(r, "\n");
    return status(r);
}

void trace_recorder_read(struct trace_recorder *r, uint64_t gpa,
                         const void *buf, size_t len)
{
    if (!r || !buf || !len)
        return;
    uint8_t *cur = g_malloc(len);
    if (guestmem_read(r->shadow, gpa, cur, len) < 0) {
        /* Not RAM as far as the recording knows: nothing to describe. */
        g_free(cur);
        return;
    }
    if (memcmp(cur, buf, len) != 0) {
        g_string_append_printf(r->pending, "mem write 0x%" PRIx64 " ", gpa);
        hex_bytes(r->pending, buf, len);
        g_string_append_c(r->pending, '\n');
        guestmem_write(r->shadow, gpa, buf, len);
    }
    g_free(cur);
}

void trace_recorder_event(struct trace_recorder *r,
                          const struct vtd_event *ev)
{
    if (!r || !ev || ev->kind != VTD_EV_MEM_READ || !ev->data || !ev->size)
        return;
    trace_recorder_read(r, ev->addr, ev->data, ev->size);
}

int trace_recorder_line(struct trace_recorder *r, const char *fmt, ...)
{
    if (!r || !fmt)
        return -EINVAL;
    flush_pending(r);
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(r->out, fmt, ap) < 0)
        r->io_error = true;
    va_end(ap);
    emit(r, "\n");
    return status(r);
}

void trace_recorder_unit_wrote(struct trace_recorder *r, uint64_t gpa,
                               const void *buf, size_t len)
{
    if (r && buf && len)
        (void)guestmem_write(r->shadow, gpa, buf, len);
}

int trace_recorder_mmio_write(struct trace_recorder *r, uint64_t addr,
                              unsigned size, uint64_t val)
{
    if (!r)
        return -EINVAL;
    flush_pending(r);
    emit(r, "mmio write 0x%" PRIx64 " %u 0x%" PRIx64 "\n", addr, size, val);
    return status(r);
}

int trace_recorder_mmio_read(struct trace_recorder *r, uint64_t addr,
                             unsigned size, uint64_t val)
{
    if (!r)
        return -EINVAL;
    flush_pending(r);
    emit(r, "mmio read 0x%" PRIx64 " %u expect=0x%" PRIx64 "\n", addr, size,
         val);
    return status(r);
}

static void sid_text(char *b, size_t n, uint16_t sid)
{
    snprintf(b, n, VTD_SID_FMT, VTD_SID_BDF(sid));
}

static void emit_stale(struct trace_recorder *r, int stale)
{
    if (stale >= 0)
        emit(r, " stale=%s", stale ? "yes" : "no");
}

int trace_recorder_dma(struct trace_recorder *r, const char *unit,
                       const struct vtd_dma_req *req,
                       const struct vtd_xlate *out, int stale)
{
    if (!r || !req)
        return -EINVAL;
    char sid[16];
    sid_text(sid, sizeof(sid), req->sid);
    flush_pending(r);
    emit(r, "dma %s %s 0x%" PRIx64 " len=%u", sid,
         (req->access & VTD_ACC_WRITE) ? "write" : "read", req->iova,
         req->size ? req->size : 1);
    if (req->pasid != VTD_NO_PASID)
        emit(r, " pasid=0x%x", req->pasid);
    if (req->access & VTD_ACC_EXEC)
        emit(r, " exec");
    if (req->access & VTD_ACC_PRIV)
        emit(r, " priv");
    if (req->at == VTD_AT_TRANSLATION)
        emit(r, " at=translation");
    else if (req->at == VTD_AT_TRANSLATED)
        emit(r, " at=translated");
    if (unit)
        emit(r, " unit=%s", unit);
    if (out) {
        if (out->fault > 0xff)   /* VTD_FR_PMR_BLOCKED: no Table 30 code */
            emit(r, " expect=fault recorded=no");
        else if (out->fault)
            emit(r, " expect=fault reason=0x%x recorded=%s", out->fault,
                 out->recorded ? "yes" : "no");
        else
            emit(r, " expect=ok gpa=0x%" PRIx64, out->addr);
    }
    emit_stale(r, stale);
    emit(r, "\n");
    return status(r);
}

int trace_recorder_msi(struct trace_recorder *r, const char *unit,
                       const struct vtd_msi_req *req,
                       const struct vtd_irq *out, int stale)
{
    if (!r || !req)
        return -EINVAL;
    char sid[16] = "-";
    if (req->sid_valid)
        sid_text(sid, sizeof(sid), req->sid);
    flush_pending(r);
    emit(r, "msi %s 0x%" PRIx64 " 0x%x", sid, req->addr, req->data);
    if (unit)
        emit(r, " unit=%s", unit);
    if (out) {
        switch (out->outcome) {
        case VTD_IRQ_PASSTHROUGH:
            emit(r, " expect=passthrough");
            break;
        case VTD_IRQ_REMAPPED:
            emit(r, " expect=remapped dest=0x%x vector=0x%x dm=%u tm=%u "
                 "dlm=0x%x rh=%u", out->dest, out->vector, out->dm & 1,
                 out->tm & 1, out->dlm & 7, out->rh & 1);
            break;
        case VTD_IRQ_POSTED:
            emit(r, " expect=posted notify=%s", out->notify ? "yes" : "no");
            break;
        case VTD_IRQ_BLOCKED:
            emit(r, " expect=blocked reason=0x%x", out->fault);
            break;
        default:
            break;
        }
    }
    emit_stale(r, stale);
    emit(r, "\n");
    return status(r);
}

int trace_recorder_mem_expect(struct trace_recorder *r, uint64_t gpa,
                              const void *buf, size_t len)
{
    if (!r || !buf || !len)
        return -EINVAL;
    /* Bytes the guest wrote that no request read are described first, so
     * the expectation holds when the recording is replayed. */
    trace_recorder_read(r, gpa, buf, len);
    flush_pending(r);
    GString *s = g_string_new(NULL);
    hex_bytes(s, buf, len);
    emit(r, "mem expect 0x%" PRIx64 " %s\n", gpa, s->str);
    g_string_free(s, TRUE);
    return status(r);
}

int trace_recorder_comment(struct trace_recorder *r, const char *text)
{
    if (!r || !text)
        return -EINVAL;
    /* One comment line per line of text. */
    gchar **lines = g_strsplit(text, "\n", -1);
    for (gchar **l = lines; *l; l++)
        emit(r, "# %s\n", *l);
    g_strfreev(lines);
    return status(r);
}
