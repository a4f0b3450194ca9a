/* SPDX-License-Identifier: MIT */
/*
 * vtd/rulehits.h: rule-hit counters of the conformance coverage report
 * (docs/coverage.md; the rules are listed in vtd/rules.def, the public
 * view is <vtd/rules.h>).
 *
 * Each unit counts, per rule, how often the model took it, with relaxed
 * atomics from any thread.  Counting happens on slow paths only (walks,
 * cache fills, faults, invalidations, register writes, interrupt
 * remapping); the IOTLB-hit path of vtd/translate.c never counts.
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

/* Count rule ID (the name after VTD_RULE_) on unit u. */
#define vtd_rule_(u, ID)                                                   \
    atomic_fetch_add_explicit(&(u)->rule_hits[VTD_RULE_##ID], 1,           \
                              memory_order_relaxed)

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
