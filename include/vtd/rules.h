/* SPDX-License-Identifier: MIT */
/*
 * <vtd/rules.h>: the rule registry of the conformance coverage report
 * (docs/coverage.md).  Every spec rule the model can raise or take (each
 * Table 30 and Table 15 fault condition, each invalidation descriptor type
 * and granularity, register side effects, posted-interrupt outcomes,
 * translation modes and page sizes) has a stable name; each unit counts
 * how often it took each rule.  `vtdemu replay --coverage` sums the counts
 * over a corpus of traces.  Included by <vtd/vtd.h>.
 *
 * Rules are numbered 0 .. vtd_rule_count() - 1; the numbering may change
 * between releases, the names do not.
 */
#ifndef VTD_RULES_H
#define VTD_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <vtd/api.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vtd_iommu;

enum vtd_rule_status {
    VTD_RULE_IMPLEMENTED = 0,     /* the model raises or takes it */
    VTD_RULE_NOT_IMPLEMENTED = 1, /* not modelled; text says why */
    VTD_RULE_UNREACHABLE = 2,     /* guest programming cannot make it happen
                                     in the model; text says why */
    VTD_RULE_HOST_ONLY = 3,       /* raised only when a host memory callback
                                     fails; no trace can cause it */
};

struct vtd_rule_info {
    const char *name;     /* stable, e.g. "fault.LRT.1", "qi.iotlb-page" */
    const char *section;  /* VT-d rev 5.10 section, e.g. "7.1.3" */
    const char *text;     /* one line: the condition and its outcome */
    enum vtd_rule_status status;
};

/* Number of rules.  Thread-safe, no unit needed. */
VTD_API unsigned vtd_rule_count(void);

/* Describe rule number rule (< vtd_rule_count()): 0, or -EINVAL when out
 * is NULL or rule is out of range.  The strings are static. */
VTD_API int vtd_rule_describe(unsigned rule, struct vtd_rule_info *out);

/* The number of the rule called name, or -ENOENT (-EINVAL for NULL). */
VTD_API int vtd_rule_lookup(const char *name);

/*
 * Copy unit's hit counts of the first n rules into hits[0..n-1] (rules
 * past vtd_rule_count() read 0).  Counts start at 0 when the unit is
 * created, only grow, and are not cleared by vtd_iommu_reset() or
 * vtd_load().  Returns vtd_rule_count(), or -EINVAL when unit is NULL or
 * hits is NULL with n > 0.  Takes no lock: callable from any thread and
 * from inside host callbacks; counts taken concurrently may or may not be
 * included.
 */
VTD_API int vtd_rule_hits(struct vtd_iommu *unit, uint64_t *hits, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* VTD_RULES_H */
