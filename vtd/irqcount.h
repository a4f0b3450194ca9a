/* SPDX-License-Identifier: MIT */
/*
 * vtd/irqcount.h: rule hits (rulehits.h) on the interrupt paths, in the
 * calling thread's shard found from the IOTLB-hit path's TLS word
 * (reentry.h, vtd_tls_hit_): the byte offset of the thread's IOTLB-hit
 * counter, shard i of the 64-byte struct vtd_shard, or 0 inside a host
 * callback or before the thread's first slow-path request.  The rule
 * shard i is 2 KiB, 32 times as far.  Cheaper than vtd_rule_() where the
 * word is known to be non-zero (no test for an unassigned shard, no
 * call that makes the caller save registers).
 */
#ifndef VTD_IRQCOUNT_H
#define VTD_IRQCOUNT_H

#include <stddef.h>

#include "internal.h"
#include "reentry.h"

_Static_assert(sizeof(struct vtd_shard) == 64 &&
                   offsetof(struct vtd_shard, iotlb_hits) == 0 &&
                   sizeof(struct vtd_rule_shard) == 32 * 64,
               "irqcount.h: shard layout");

/* This thread's rule shard of u, from a non-zero vtd_tls_hit_ hit_off. */
static inline struct vtd_rule_shard *vtd_ir_rules_(struct vtd_iommu *u,
                                                   size_t hit_off)
{
    size_t i64 = hit_off - offsetof(struct vtd_iommu, shard);
    return (struct vtd_rule_shard *)(void *)((char *)u->rule_shard +
                                             i64 * 32);
}

/* Count rule id on u from any interrupt path. */
static inline void vtd_ir_count_(struct vtd_iommu *u, enum vtd_rule_id id)
{
    size_t off = vtd_tls_hit_;
    if (G_LIKELY(off))
        vtd_rule_inc_(&vtd_ir_rules_(u, off)->n[id]);
    else
        vtd_rule_id_(u, id);
}

#endif /* VTD_IRQCOUNT_H */
