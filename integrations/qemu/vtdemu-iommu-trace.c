/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdemu-iommu: trace=FILE capture
 * (vtdemu-iommu.c has the overview).
 */

#include "qemu/osdep.h"
#include "vtdemu-iommu.h"

/* ------------------------------------------------------------------ */
/* trace=FILE: the run as a replayable vtdtrace (traces/FORMAT.md)      */
/* ------------------------------------------------------------------ */

/*
 * Every library call the guest causes is written as one action line with
 * its outcome as the expectation (mmio write, mmio read expect=, dma
 * expect=, msi expect=).  The guest memory the unit read during the call
 * (VTD_EV_MEM_READ) is collected on the calling thread and written as
 * `mem write` lines before the action, unless the replay's memory already
 * holds those bytes: a shadow of the replay's memory follows both those
 * lines and the unit's own writes (status writes, A/D bits), which the
 * replay repeats.  So the replay's unit reads what the live unit read, in
 * the same order of requests, and must reach the same outcomes.
 */

typedef struct VxShadow {
    uint8_t b[8];
    uint8_t valid;          /* bit i: b[i] known */
} VxShadow;

typedef struct VxMemRec {
    bool write;             /* the unit wrote (else read) */
    uint64_t addr;
    uint32_t len;
    uint32_t off;           /* into vx_tdata */
} VxMemRec;

static __thread GArray *vx_trecs;   /* VxMemRec of the current call */
static __thread GByteArray *vx_tdata;

bool vx_tracing(VtdemuState *s)
{
    return qatomic_read(&s->trace) != NULL;
}

void vx_trace_mem(bool write, uint64_t addr, const void *data,
                  size_t len)
{
    VxMemRec r = { .write = write, .addr = addr, .len = (uint32_t)len };

    if (!vx_trecs) {
        vx_trecs = g_array_new(false, false, sizeof(VxMemRec));
        vx_tdata = g_byte_array_new();
    }
    r.off = vx_tdata->len;
    g_byte_array_append(vx_tdata, data, len);
    g_array_append_val(vx_trecs, r);
}

/* Compare [addr, addr + len) with the shadow; update it.  True when the
 * replay's memory did not already hold these bytes. */
static bool vx_shadow_update(VtdemuState *s, uint64_t addr,
                             const uint8_t *data, size_t len)
{
    bool differs = false;

    for (size_t i = 0; i < len; i++) {
        uint64_t a = addr + i;
        uint64_t key = a & ~7ULL;
        VxShadow *sh = g_hash_table_lookup(s->shadow, (gpointer)(uintptr_t)
                                           (key | 1));
        unsigned k = a & 7;
        if (!sh) {
            sh = g_new0(VxShadow, 1);
            g_hash_table_insert(s->shadow, (gpointer)(uintptr_t)(key | 1), sh);
        }
        if (!(sh->valid & (1u << k)) || sh->b[k] != data[i]) {
            differs = true;
        }
        sh->b[k] = data[i];
        sh->valid |= 1u << k;
    }
    return differs;
}

static void vx_hex(GString *g, const void *data, size_t len)
{
    const uint8_t *b = data;

    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(g, "%02x", b[i]);
    }
}

static const char *vx_sidstr(char *buf, uint16_t sid)
{
    snprintf(buf, 16, VTD_SID_FMT, VTD_SID_BDF(sid));
    return buf;
}

/* Write the memory lines of this thread's call and then `action`. */
static void vx_trace_emit(VtdemuState *s, const char *action)
{
    g_autoptr(GString) out = g_string_new("");

    qemu_mutex_lock(&s->trace_lock);
    if (!s->trace) {
        qemu_mutex_unlock(&s->trace_lock);
        goto done;
    }
    for (guint i = 0; vx_trecs && i < vx_trecs->len; i++) {
        VxMemRec *r = &g_array_index(vx_trecs, VxMemRec, i);
        const uint8_t *d = vx_tdata->data + r->off;
        if (vx_shadow_update(s, r->addr, d, r->len) && !r->write) {
            g_string_append_printf(out, "mem write 0x%" PRIx64 " ", r->addr);
            vx_hex(out, d, r->len);
            g_string_append_c(out, '\n');
        }
    }
    if (action) {
        g_string_append(out, action);
        g_string_append_c(out, '\n');
    }
    fputs(out->str, s->trace);
    s->trace_lines++;
    qemu_mutex_unlock(&s->trace_lock);
done:
    if (vx_trecs) {
        g_array_set_size(vx_trecs, 0);
        g_byte_array_set_size(vx_tdata, 0);
    }
}

void vx_trace_dma(VtdemuState *s, const struct vtd_dma_req *req,
                  const struct vtd_xlate *x, int r)
{
    char sid[16];
    g_autofree char *line = NULL;

    if (r < 0) {
        line = g_strdup_printf("# dma %s 0x%" PRIx64 " rejected by the "
                               "library (%d)", vx_sidstr(sid, req->sid),
                               req->iova, r);
    } else if (!x->fault) {
        line = g_strdup_printf("dma %s %s 0x%" PRIx64 " len=1 expect=ok "
                               "gpa=0x%" PRIx64, vx_sidstr(sid, req->sid),
                               req->access & VTD_ACC_WRITE ? "write" : "read",
                               req->iova, x->addr);
    } else {
        line = g_strdup_printf("dma %s %s 0x%" PRIx64 " len=1 expect=fault "
                               "reason=0x%x recorded=%s",
                               vx_sidstr(sid, req->sid),
                               req->access & VTD_ACC_WRITE ? "write" : "read",
                               req->iova, x->fault,
                               x->recorded ? "yes" : "no");
    }
    vx_trace_emit(s, line);
}

void vx_trace_msi(VtdemuState *s, const struct vtd_msi_req *req,
                  const struct vtd_irq *o, int r)
{
    char sid[16];
    g_autofree char *line = NULL;
    g_autofree char *head = g_strdup_printf("msi %s 0x%" PRIx64 " 0x%x",
        req->sid_valid ? vx_sidstr(sid, req->sid) : "-", req->addr,
        req->data);

    if (r < 0) {
        line = g_strdup_printf("# %s rejected by the library (%d)", head, r);
    } else {
        switch (o->outcome) {
        case VTD_IRQ_PASSTHROUGH:
            line = g_strdup_printf("%s expect=passthrough", head);
            break;
        case VTD_IRQ_REMAPPED:
            line = g_strdup_printf("%s expect=remapped dest=0x%x vector=0x%x "
                                   "dm=%u tm=%u dlm=0x%x rh=%u", head,
                                   o->dest, o->vector, o->dm, o->tm, o->dlm,
                                   o->rh);
            break;
        case VTD_IRQ_POSTED:
            line = g_strdup_printf("%s expect=posted notify=%s", head,
                                   o->notify ? "yes" : "no");
            break;
        default:
            line = g_strdup_printf("%s expect=blocked reason=0x%x", head,
                                   o->fault);
            break;
        }
    }
    vx_trace_emit(s, line);
}

void vx_trace_mmio(VtdemuState *s, bool write, hwaddr off,
                   unsigned size, uint64_t val, int r)
{
    g_autofree char *line = NULL;
    uint64_t addr = s->base + off;

    if (size != 4 && size != 8) {
        line = g_strdup_printf("# mmio %s 0x%" PRIx64 " size %u ignored by "
                               "the unit", write ? "write" : "read", addr,
                               size);
    } else if (write) {
        line = g_strdup_printf("mmio write 0x%" PRIx64 " %u 0x%" PRIx64,
                               addr, size, val);
    } else if (r == 0) {
        line = g_strdup_printf("mmio read 0x%" PRIx64 " %u expect=0x%" PRIx64,
                               addr, size, val);
    } else {
        line = g_strdup_printf("mmio read 0x%" PRIx64 " %u", addr, size);
    }
    vx_trace_emit(s, line);
}

void vx_host_trace(void *opaque, const struct vtd_event *ev)
{
    if (ev->kind == VTD_EV_MEM_READ && ev->data && ev->size) {
        vx_trace_mem(false, ev->addr, ev->data, ev->size);
    }
}

bool vx_trace_open(VtdemuState *s, uint64_t cap, uint64_t ecap,
                   Error **errp)
{
    X86MachineState *x86ms = X86_MACHINE(qdev_get_machine());
    FILE *f = fopen(s->trace_path, "w");

    if (!f) {
        error_setg_errno(errp, errno, "vtdemu-iommu: cannot open trace file "
                         "%s", s->trace_path);
        return false;
    }
    qemu_mutex_init(&s->trace_lock);
    s->shadow = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                      g_free);
    fprintf(f, "vtdtrace 2\n"
            "# A guest's run on QEMU 7.2 with -device vtdemu-iommu,"
            "trace=...: every\n"
            "# register access, DMA and interrupt request with its outcome, "
            "and the\n# guest memory the unit read (traces/FORMAT.md).\n");
    fprintf(f, "ram 0x%" PRIx64 "\n", (uint64_t)x86ms->below_4g_mem_size);
    if (x86ms->above_4g_mem_size) {
        fprintf(f, "ram 0x%" PRIx64 " base=0x100000000\n",
                (uint64_t)x86ms->above_4g_mem_size);
    }
    fprintf(f, "iommu base=0x%" PRIx64 " cap=0x%" PRIx64 " ecap=0x%" PRIx64
            "\n", s->base, cap, ecap);
    qatomic_set(&s->trace, f);
    return true;
}

void vx_trace_close(VtdemuState *s, const char *why)
{
    if (!s->trace_path || !s->shadow) {
        return;
    }
    qemu_mutex_lock(&s->trace_lock);
    if (s->trace) {
        if (why) {
            fprintf(s->trace, "# %s\n", why);
        }
        fclose(s->trace);
        qatomic_set(&s->trace, NULL);
    }
    qemu_mutex_unlock(&s->trace_lock);
}
