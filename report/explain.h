/* SPDX-License-Identifier: MIT */
/*
 * report/explain.h: trace events of the VT-d core described in the
 * specification's terms ("context entry for 00:04.0 at 0x1000: P=1
 * TT=00b ...").  Used by `vtdemu replay --explain`.
 */
#ifndef REPORT_EXPLAIN_H
#define REPORT_EXPLAIN_H

#include <stddef.h>

#include <vtd/vtd.h>

/* Describe ev in one line written to buf (always NUL-terminated; cut at
 * buflen).  Returns false for events that explain nothing about a walk
 * (MMIO, memory reads), leaving buf empty. */
bool explain_event(const struct vtd_event *ev, char *buf, size_t buflen);

#endif
