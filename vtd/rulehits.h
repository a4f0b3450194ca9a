/* SPDX-License-Identifier: MIT */
/*
 * vtd/rulehits.h: rule-hit counters of the conformance coverage report
 * (docs/coverage.md; the rules are listed in vtd/rules.def, the public
 * view is <vtd/rules.h>).
 *
 * Each unit counts, per rule, how often the model took it, from any
 * thread.  Counting happens on slow paths only (walks, cache fills,
 * faults, invalidations, register writes, interrupt remapping); the
 * IOTLB-hit path of vtd/translate.c never counts.
 *
 * vtd_rule_() counts in the calling thread's shard (internal.h,
 * vtd_tls_shard_: the shard of the IOTLB-hit counters), a relaxed load
 * and store: no locked add on a line every thread writes (two threads walking
 * or remapping at once would pass the line between their cores on every
 * operation).  Exact while at most VTD_SHARDS threads run at once (each
 * has its own shard); beyond that two threads may share a shard and a
 * count may be lost.  Rule hits are statistics (the coverage report),
 * never used for a decision.  vtd_rule_hits() adds the shards to
 * rule_hits, which counts atomically (older callers).
 */
#ifndef VTD_RULEHITS_H
#define VTD_RULEHITS_H

#include <stdbool.h>
#include <stdint.h>

enum vtd_rule_id {
#define RULE(ID, ...) VTD_RULE_##ID,
#define FAULT(ID, ...) VTD_RULE_##ID,
#include "rules.def"
#undef RULE
#undef FAULT
    VTD_RULE_COUNT_
};

/* One thread's rule hits: 2 KiB, a power of two so that the shard's
 * address is a shift of the shard index. */
#define VTD_RULE_SHARD_WORDS 256
_Static_assert(VTD_RULE_COUNT_ < VTD_RULE_SHARD_WORDS,
               "rulehits.h: a shard holds every rule and a spare word");
struct vtd_rule_shard {
    _Atomic uint64_t n[VTD_RULE_SHARD_WORDS];
};

static inline void vtd_rule_inc_(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Count rule id (enum vtd_rule_id) on unit u, in this thread's shard
 * (internal.h: vtd_tls_shard_, 1 + the shard index); a thread without a
 * shard yet counts in rule_hits with an atomic add (no call to assign
 * one, which would make every caller save registers). */
#define vtd_rule_id_(u, id)                                                \
    do {                                                                   \
        unsigned s_ = vtd_tls_shard_;                                      \
        if (G_LIKELY(s_))                                                  \
            vtd_rule_inc_(                                                 \
                &(u)->rule_shard[(s_ - 1) & (VTD_SHARDS - 1)].n[(id)]);    \
        else                                                               \
            atomic_fetch_add_explicit(&(u)->rule_hits[(id)], 1,            \
                                      memory_order_relaxed);               \
    } while (0)
/* Count rule ID (the name after VTD_RULE_) on unit u. */
#define vtd_rule_(u, ID) vtd_rule_id_((u), VTD_RULE_##ID)

struct vtd_iommu;

/* The fault rule of a fault reason (Table 30, Table 15), if any. */
void vtd_rule_fault_(struct vtd_iommu *u, unsigned reason);
/* A queued-invalidation descriptor that completed (type, granularity). */
void vtd_rule_qi_desc_(struct vtd_iommu *u, unsigned ttm, const uint64_t *q);
/* The queue stopped with IQE and this IQEI code. */
void vtd_rule_iqe_(struct vtd_iommu *u, unsigned iqei);
/* A GCMD write: the command, GSTS before and after. */
void vtd_rule_gcmd_(struct vtd_iommu *u, uint32_t cmd, uint32_t before,
                    uint32_t after);
/* A page walk that succeeded: first stage or second, levels, page size. */
void vtd_rule_walk_(struct vtd_iommu *u, bool fs, unsigned levels,
                    uint64_t page_size);

#endif /* VTD_RULEHITS_H */
