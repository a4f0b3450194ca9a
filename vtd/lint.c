/* SPDX-License-Identifier: MIT */
/*
 * vtd/lint.c: lint mode (vtd_config.lint): a request answered from a
 * cache is walked again through the tables alone, and a difference is
 * reported as a VTD_EV_CACHE_STALE event naming the invalidation the
 * driver missed (VT-d 6.5: software must invalidate what it changed).
 */
#include <inttypes.h>
#include <stdio.h>

#include "translate.h"

/* Lint (u->cfg.lint): walk again without caches and report a stale
 * cache entry when the answers differ. */
void vtd_lint_(struct vtd_iommu *u, uint64_t root,
               const struct translation *x)
{
    struct translation y = { .req = x->req, .update_ad = false };
    vtd_translate_root_(u, root, &y);
    if (y.fault == x->fault && y.addr == x->addr && y.perm == x->perm)
        return;
    char msg[240];
    const struct vtd_dma_req *req = x->req;
    const char *what = x->iotlb_hit ? "iotlb" : "context";
    if (!x->iotlb_hit && x->psc_hit) {
        /* VT-d 6.5.1.2, 6.5.2.3, 6.5.2.4: IH=1 tells the unit that no
         * non-leaf entry of the range changed; without IH=0 (or a PASID-,
         * domain-selective or global invalidation) a changed non-leaf entry
         * may stay cached (6.2.5). */
        what = "psc";
        snprintf(msg, sizeof(msg),
                 x->psc_ih
                     ? "page invalidation with IH=1 kept a paging-structure"
                       " entry that had changed, for DID %u, IOVA 0x%" PRIx64
                       " (IH=1 only when leaf entries alone changed): "
                       "cached walk gives 0x%" PRIx64 ", tables 0x%" PRIx64
                       " fault 0x%x"
                     : "missing paging-structure-cache invalidation for "
                       "DID %u, IOVA 0x%" PRIx64 " (a non-leaf entry "
                       "changed): cached walk gives 0x%" PRIx64
                       ", tables 0x%" PRIx64 " fault 0x%x",
                 x->did, req->iova, x->addr, y.addr, y.fault);
    } else if (x->iotlb_hit)
        snprintf(msg, sizeof(msg),
                 "missing IOTLB invalidation for DID %u, IOVA 0x%" PRIx64
                 ": cached 0x%" PRIx64 " perm %u, tables give 0x%" PRIx64
                 " perm %u fault 0x%x",
                 x->did, req->iova, x->addr, x->perm, y.addr, y.perm,
                 y.fault);
    else
        snprintf(msg, sizeof(msg),
                 "missing context/PASID-cache invalidation for SID "
                 VTD_SID_FMT ": cached result 0x%" PRIx64 " fault 0x%x, "
                 "tables give 0x%" PRIx64 " fault 0x%x",
                 VTD_SID_BDF(req->sid),
                 x->addr, x->fault, y.addr, y.fault);
    struct vtd_event ev = {
        .kind = VTD_EV_CACHE_STALE, .sid = req->sid, .pasid = req->pasid,
        .addr = req->iova, .val = { x->addr, y.addr, x->perm, y.perm,
                                    x->did },
        .nval = 5, .fault = y.fault, .what = what, .msg = msg,
    };
    vtd_emit_(u, &ev);
}
