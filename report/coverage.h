/* SPDX-License-Identifier: MIT */
/*
 * report/coverage.h: the conformance coverage report (docs/coverage.md):
 * the rule hits of <vtd/rules.h> summed over a corpus of traces, with the
 * traces that hit each rule, as text or JSON.
 */
#ifndef REPORT_COVERAGE_H
#define REPORT_COVERAGE_H

#include <stdint.h>
#include <stdio.h>

struct coverage;

/* An empty report over the library's rules (vtd_rule_count()). */
struct coverage *coverage_new(void);
void coverage_free(struct coverage *c);

/* The rule hits of one trace (vtd_rule_count() counts, e.g. summed over
 * the trace's units); path is copied. */
void coverage_add(struct coverage *c, const char *path,
                  const uint64_t *hits);

/* Implemented rules no trace hit. */
unsigned coverage_gaps(const struct coverage *c);

/* The report.  Text: a summary line, one line per rule (name, section,
 * hits, traces, the first trace), then the gaps and the rules that are
 * not implemented or unreachable with the reason.  JSON: one object
 * (docs/coverage.md gives its keys). */
void coverage_write_text(const struct coverage *c, FILE *f);
void coverage_write_json(const struct coverage *c, FILE *f);

#endif /* REPORT_COVERAGE_H */
