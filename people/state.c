/* SPDX-License-Identifier: MIT */
/* people/state.c: state-only trace runner (see state.h). */
#include "people/state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

static int fail(char *err, size_t errlen, const struct trace *t,
                unsigned line, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static int fail(char *err, size_t errlen, const struct trace *t,
                unsigned line, const char *fmt, ...)
{
    if (err && errlen) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(err, errlen, "%s:%u: %s", t->path ? t->path : "trace", line,
                 msg);
    }
    return -EINVAL;
}

static struct vtd_iommu *unit_by_addr(struct people_state *st, uint64_t addr,
                                      uint64_t *off)
{
    for (size_t i = 0; i < st->nunits; i++) {
        uint64_t b = st->units[i].base;
        if (addr >= b && addr - b < vtd_iommu_mmio_size(st->units[i].unit)) {
            *off = addr - b;
            return st->units[i].unit;
        }
    }
    return NULL;
}

static struct vtd_iommu *unit_by_sid(struct people_state *st,
                                     const struct trace *t,
                                     const struct trace_cmd *c)
{
    if (c->unit >= 0 && (size_t)c->unit < st->nunits)
        return st->units[c->unit].unit;
    struct vtd_iommu *all = NULL;
    for (size_t i = 0; i < st->nunits && i < t->nunits; i++) {
        const struct trace_unit *d = &t->units[i];
        if (d->scope_all) {
            all = st->units[i].unit;
            continue;
        }
        for (size_t k = 0; c->sid_valid && k < d->nscope; k++)
            if (c->sid >= d->scope[k].first && c->sid <= d->scope[k].last)
                return st->units[i].unit;
    }
    return all;
}

static int apply(struct people_state *st, const struct trace *t,
                 const struct trace_cmd *c, char *err, size_t errlen)
{
    uint64_t off = 0, v = 0;
    struct vtd_iommu *u;
    switch (c->op) {
    case TRACE_MEM_WRITE:
        /* As replay does: bytes outside RAM are not backed (FORMAT.md),
         * so a write there is dropped. */
        if (guestmem_write(st->mem, c->addr, c->bytes, c->nbytes) < 0)
            for (size_t i = 0; i < c->nbytes; i++)
                guestmem_write(st->mem, c->addr + i, c->bytes + i, 1);
        return 0;
    case TRACE_MEM_EXPECT:
        return 0;
    case TRACE_MMIO_WRITE:
    case TRACE_MMIO_READ:
        u = unit_by_addr(st, c->addr, &off);
        if (!u)
            return fail(err, errlen, t, c->line,
                        "MMIO address 0x%llx outside every unit",
                        (unsigned long long)c->addr);
        if (c->op == TRACE_MMIO_WRITE)
            vtd_mmio_write(u, off, c->size, c->value);
        else
            vtd_mmio_read(u, off, c->size, &v);
        return 0;
    case TRACE_REG_WRITE:
    case TRACE_REG_READ: {
        size_t ui = c->unit >= 0 ? (size_t)c->unit : 0;
        if (ui >= st->nunits)
            return fail(err, errlen, t, c->line, "no unit for register");
        u = st->units[ui].unit;
        unsigned size = 0;
        if (!trace_reg_lookup(c->reg, vtd_iommu_cap(u), vtd_iommu_ecap(u),
                              &off, &size))
            return fail(err, errlen, t, c->line, "unknown register %s",
                        c->reg);
        if (c->size)
            size = c->size;
        if (c->op == TRACE_REG_WRITE)
            vtd_mmio_write(u, off, size, c->value);
        else
            vtd_mmio_read(u, off, size, &v);
        return 0;
    }
    case TRACE_DMA: {
        u = unit_by_sid(st, t, c);
        if (!u)
            return fail(err, errlen, t, c->line,
                        "no unit's device scope holds this requester");
        struct vtd_dma_req req = {
            .sid = c->sid, .pasid = c->pasid, .iova = c->addr,
            .size = c->len ? c->len : 4, .access = c->access, .at = c->at,
        };
        if (!req.access)
            req.access = c->is_write ? VTD_ACC_WRITE : VTD_ACC_READ;
        struct vtd_xlate x;
        vtd_translate(u, &req, &x);
        return 0;
    }
    case TRACE_MSI: {
        u = unit_by_sid(st, t, c);
        if (!u)
            return fail(err, errlen, t, c->line,
                        "no unit's device scope holds this requester");
        struct vtd_msi_req req = { .sid = c->sid, .sid_valid = c->sid_valid,
                                   .addr = c->addr,
                                   .data = (uint32_t)c->value };
        struct vtd_irq out;
        vtd_interrupt(u, &req, &out);
        return 0;
    }
    }
    return 0;
}

int people_state_run(const struct trace *t, unsigned at_line,
                     struct people_state *st, char *err, size_t errlen)
{
    if (!t || !st)
        return -EINVAL;
    memset(st, 0, sizeof(*st));
    st->mem = guestmem_new();
    if (t->nram == 0)
        guestmem_add_ram(st->mem, 0, 4ULL << 30);
    for (size_t i = 0; i < t->nram; i++)
        if (guestmem_add_ram(st->mem, t->ram[i].base, t->ram[i].size) < 0) {
            people_state_free(st);
            return fail(err, errlen, t, 0, "bad RAM range");
        }
    st->units = g_new0(struct inspect_unit, t->nunits ? t->nunits : 1);
    for (size_t i = 0; i < t->nunits; i++) {
        const struct trace_unit *d = &t->units[i];
        struct vtd_config cfg = {
            .version = VTD_CONFIG_VERSION, .profile = d->profile,
            .cap = d->has_cap ? d->cap : 0, .ecap = d->has_ecap ? d->ecap : 0,
            .ver = d->ver, .haw = d->haw, .cache = d->cache, .lint = d->lint,
        };
        struct vtd_host_ops ops = { 0 };
        guestmem_host_ops(&ops);
        char why[200] = "";
        int rc = vtd_iommu_new(&cfg, &ops, st->mem, &st->units[i].unit, why,
                               sizeof(why));
        if (rc < 0) {
            people_state_free(st);
            return fail(err, errlen, t, d->line, "unit '%s' rejected: %s",
                        d->name ? d->name : "iommu", why);
        }
        st->units[i].base = d->base;
        st->nunits = i + 1;
    }
    for (size_t i = 0; i < t->ncmds; i++) {
        const struct trace_cmd *c = &t->cmds[i];
        if (at_line && c->line > at_line)
            break;
        int rc = apply(st, t, c, err, errlen);
        if (rc < 0) {
            people_state_free(st);
            return rc;
        }
        st->last_line = c->line;
    }
    return 0;
}

void people_state_free(struct people_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nunits; i++)
        vtd_iommu_free(st->units[i].unit);
    g_free(st->units);
    guestmem_free(st->mem);
    memset(st, 0, sizeof(*st));
}

void people_state_src(const struct people_state *st, struct inspect_src *src)
{
    memset(src, 0, sizeof(*src));
    src->units = st->units;
    src->nunits = st->nunits;
    src->read = guestmem_read;
    src->opaque = st->mem;
}
