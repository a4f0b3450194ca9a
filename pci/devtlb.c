/* SPDX-License-Identifier: MIT */
/*
 * pci/devtlb.c: the device-TLB model (pci/devtlb.h).  Replacement is
 * round-robin over a fixed number of slots; lookups are linear (a
 * device-TLB of a model holds a few dozen entries).
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "pci/devtlb.h"

struct devtlb {
    uint16_t sid;
    struct devtlb_cap cap;
    unsigned n, next;
    struct devtlb_entry *e;
};

struct devtlb *devtlb_new(uint16_t sid, const struct devtlb_cap *cap,
                          unsigned entries)
{
    if (!cap || entries == 0 || entries > 4096 || cap->stu > 31 ||
        cap->qdepth > 31)
        return NULL;
    struct devtlb *d = g_new0(struct devtlb, 1);
    d->sid = sid;
    d->cap = *cap;
    d->n = entries;
    d->e = g_new0(struct devtlb_entry, entries);
    return d;
}

void devtlb_free(struct devtlb *d)
{
    if (!d)
        return;
    g_free(d->e);
    g_free(d);
}

uint16_t devtlb_sid(const struct devtlb *d)
{
    return d->sid;
}

const struct devtlb_cap *devtlb_cap(const struct devtlb *d)
{
    return &d->cap;
}

void devtlb_foreach(const struct devtlb *d,
                    void (*fn)(void *ctx, const struct devtlb_entry *e),
                    void *ctx)
{
    for (unsigned i = 0; i < d->n; i++)
        if (d->e[i].valid)
            fn(ctx, &d->e[i]);
}

unsigned devtlb_count(const struct devtlb *d)
{
    unsigned c = 0;
    for (unsigned i = 0; i < d->n; i++)
        c += d->e[i].valid;
    return c;
}

const struct devtlb_entry *devtlb_lookup(const struct devtlb *d,
                                         uint32_t pasid, bool priv,
                                         uint64_t iova)
{
    for (unsigned i = 0; i < d->n; i++) {
        const struct devtlb_entry *e = &d->e[i];
        if (e->valid && e->pasid == pasid && e->priv == priv &&
            iova - e->base < e->size)
            return e;
    }
    return NULL;
}

static void insert(struct devtlb *d, uint32_t pasid, bool priv,
                   const struct vtd_ats_cpl *c)
{
    struct devtlb_entry *e = &d->e[d->next];
    d->next = (d->next + 1) % d->n;
    *e = (struct devtlb_entry){
        .valid = true, .pasid = pasid, .priv = priv, .base = c->base,
        .size = c->size, .out = c->out_base, .r = c->r, .w = c->w,
        .u = c->u, .n = c->n,
    };
}

int devtlb_dma(struct devtlb *d, struct vtd_iommu *u, uint32_t pasid,
               bool priv, uint64_t iova, uint32_t len, bool write,
               struct devtlb_dma *out)
{
    if (!d || !u || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    struct vtd_dma_req req = {
        .sid = d->sid, .pasid = pasid, .iova = iova, .size = len,
        .access = (write ? VTD_ACC_WRITE : VTD_ACC_READ) |
                  (priv ? VTD_ACC_PRIV : 0),
        .at = VTD_AT_UNTRANSLATED,
    };
    if (!d->cap.enabled) {
        out->untranslated = true;
        return vtd_translate(u, &req, &out->x);
    }
    const struct devtlb_entry *e = devtlb_lookup(d, pasid, priv, iova);
    struct devtlb_entry miss;
    if (e) {
        out->hit = true;
    } else {
        /* STU: the request names the start of a 2^(12+STU) unit. */
        uint64_t stu = 1ULL << (12 + d->cap.stu);
        struct vtd_ats_req tr = {
            .version = VTD_ATS_REQ_VERSION, .sid = d->sid, .pasid = pasid,
            .iova = iova & ~(stu - 1), .nw = !write, .priv = priv,
        };
        int rc = vtd_ats_translate(u, &tr, &out->cpl);
        if (rc < 0)
            return rc;
        out->translated = true;
        if (out->cpl.status != VTD_ATS_SUCCESS) {
            /* UR/CA: the translation failed; nothing is cached and no
             * memory request follows (the device reports an error). */
            out->denied = true;
            return 0;
        }
        /* PCIe ATS: completions with R=W=0 are not cached. */
        if (out->cpl.r || out->cpl.w || out->cpl.u)
            insert(d, pasid, priv, &out->cpl);
        miss = (struct devtlb_entry){
            .valid = true, .pasid = pasid, .priv = priv,
            .base = out->cpl.base, .size = out->cpl.size,
            .out = out->cpl.out_base, .r = out->cpl.r, .w = out->cpl.w,
            .u = out->cpl.u, .n = out->cpl.n,
        };
        e = &miss;
    }
    if (e->u) {
        /* 4.1.2 U: untranslated access only. */
        out->untranslated = true;
        return vtd_translate(u, &req, &out->x);
    }
    if (write ? !e->w : !e->r) {
        out->denied = true;
        return 0;
    }
    req.at = VTD_AT_TRANSLATED;
    req.pasid = VTD_NO_PASID;   /* 4.2.5: no PASID in translated requests
                                   (ECAP.PTRS is not presented) */
    req.access &= ~(uint32_t)VTD_ACC_PRIV;
    req.iova = e->out + (iova - e->base);
    return vtd_translate(u, &req, &out->x);
}

unsigned devtlb_invalidate(struct devtlb *d, const struct vtd_devtlb_inv *inv)
{
    if (!d || !inv)
        return 0;
    unsigned dropped = 0;
    for (unsigned i = 0; i < d->n; i++) {
        struct devtlb_entry *e = &d->e[i];
        if (!e->valid)
            continue;
        bool pasid_ok = inv->pasid == VTD_NO_PASID
                            ? e->pasid == VTD_NO_PASID
                            : e->pasid != VTD_NO_PASID &&
                                  (inv->global || e->pasid == inv->pasid);
        bool range_ok = inv->size == 0 ||
                        (e->base < inv->base + inv->size &&
                         inv->base < e->base + e->size);
        if (pasid_ok && range_ok) {
            e->valid = false;
            dropped++;
        }
    }
    return dropped;
}
