/* SPDX-License-Identifier: MIT */
/*
 * vtd/irqcount.h: the rule hits of the interrupt paths (intremap.h,
 * enum vtd_ir_hot), counted in the calling thread's shard.
 *
 * A thread's shard is found from the hit path's TLS word (reentry.h,
 * vtd_tls_hit_): the byte offset of its IOTLB-hit counter in struct
 * vtd_iommu, 0 inside a host callback or before the thread's first
 * slow-path request.  The count is a relaxed load and store, not a locked
 * add: exact while at most VTD_SHARDS threads run at once (each has its
 * own shard); beyond that two threads may share a shard and a count may
 * be lost.  Rule hits are statistics (the coverage report), never used
 * for a decision.  With the TLS word 0 the count goes to rule_hits with
 * an atomic add.
 */
#ifndef VTD_IRQCOUNT_H
#define VTD_IRQCOUNT_H

#include <stddef.h>

#include "internal.h"
#include "reentry.h"

_Static_assert(VTD_IR_SHARDS == VTD_SHARDS &&
                   sizeof(struct vtd_shard) == 64 &&
                   offsetof(struct vtd_shard, iotlb_hits) == 0 &&
                   sizeof(struct vtd_ir_shard) == 256,
               "irqcount.h: shard layout");

/* The rule of each hot counter (rulehits.h). */
static inline enum vtd_rule_id vtd_ir_hot_rule_(unsigned k)
{
    switch (k) {
    case VTD_IRH_SUBHANDLE: return VTD_RULE_IR_SUBHANDLE;
    case VTD_IRH_SVT_SID: return VTD_RULE_IR_SVT_SID;
    case VTD_IRH_SVT_BUS: return VTD_RULE_IR_SVT_BUS;
    case VTD_IRH_REMAP_XAPIC: return VTD_RULE_IR_REMAP_XAPIC;
    case VTD_IRH_REMAP_X2APIC: return VTD_RULE_IR_REMAP_X2APIC;
    case VTD_IRH_PI_NOTIFY: return VTD_RULE_PI_NOTIFY;
    case VTD_IRH_PI_ON_SET: return VTD_RULE_PI_ON_SET;
    case VTD_IRH_PI_SN_SUPPRESSED: return VTD_RULE_PI_SN_SUPPRESSED;
    case VTD_IRH_PI_SN_URGENT: return VTD_RULE_PI_SN_URGENT;
    default: return VTD_RULE_PI_X2APIC;
    }
}

/* This thread's shard of u, from a non-zero vtd_tls_hit_. */
static inline struct vtd_ir_shard *vtd_ir_shard_(struct vtd_iommu *u,
                                                 size_t hit_off)
{
    size_t i64 = hit_off - offsetof(struct vtd_iommu, shard); /* i * 64 */
    return (struct vtd_ir_shard *)(void *)((char *)u->ir.shard + i64 * 4);
}

static inline void vtd_ir_inc_(struct vtd_ir_shard *s, unsigned k)
{
    atomic_store_explicit(&s->n[k],
                          atomic_load_explicit(&s->n[k],
                                               memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Count hot rule k on u from any path. */
static inline void vtd_ir_count_(struct vtd_iommu *u, enum vtd_ir_hot k)
{
    size_t off = vtd_tls_hit_;
    if (G_LIKELY(off))
        vtd_ir_inc_(vtd_ir_shard_(u, off), k);
    else
        atomic_fetch_add_explicit(&u->rule_hits[vtd_ir_hot_rule_(k)], 1,
                                  memory_order_relaxed);
}

#endif /* VTD_IRQCOUNT_H */
