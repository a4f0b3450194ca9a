/* SPDX-License-Identifier: MIT */
/*
 * tests/unit_util.h: unit set-up the check tests share: a unit from a
 * configuration that must be accepted, DMA remapping enabled, the
 * invalidation counter, and a recorder of the invalidation events a unit
 * traces.
 */
#ifndef TESTS_UNIT_UTIL_H
#define TESTS_UNIT_UTIL_H

#include <check.h>
#include <stdint.h>

#include "fakemem.h"
#include <vtd/layout.h>
#include <vtd/vtd.h>

/* Create a unit from cfg, host ops and their opaque; the test fails with
 * the unit's one-line reason when cfg is refused. */
static inline struct vtd_iommu *unit_new_cfg(const struct vtd_config *cfg,
                                             const struct vtd_host_ops *ops,
                                             void *opaque)
{
    struct vtd_iommu *u = NULL;
    char err[256] = "";
    int rc = vtd_iommu_new(cfg, ops, opaque, &u, err, sizeof(err));
    ck_assert_msg(rc == 0, "vtd_iommu_new refused the configuration: %s",
                  err);
    return u;
}

/* Enable DMA remapping on a unit with nothing enabled yet, as a driver
 * does (VT-d 11.4.6 RTADDR = table address | TTM << 10, 11.4.4 GCMD.SRTP,
 * then GCMD.TE); each register write must be accepted. */
static inline void unit_enable_translation(struct vtd_iommu *u,
                                           uint64_t rtaddr)
{
    wr64(u, VTD_REG_RTADDR, rtaddr);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE);
}

/* Invalidations the unit performed (vtd_stats.invalidations). */
static inline uint64_t unit_invalidations(struct vtd_iommu *u)
{
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    return st.invalidations;
}

/* The VTD_EV_INVALIDATION events of the units created with
 * inval_seen_ops(): how many, the first 64 names, the last name. */
#define INVAL_SEEN_MAX 64
static struct inval_seen {
    unsigned n;
    const char *what[INVAL_SEEN_MAX];
    const char *last;
} inval_seen;

static inline void inval_seen_reset(void)
{
    inval_seen = (struct inval_seen){ 0 };
}

static inline void inval_seen_trace(void *opaque, const struct vtd_event *ev)
{
    (void)opaque;
    if (ev->kind != VTD_EV_INVALIDATION)
        return;
    if (inval_seen.n < INVAL_SEEN_MAX)
        inval_seen.what[inval_seen.n] = ev->what;
    inval_seen.last = ev->what;
    inval_seen.n++;
}

/* The fake host's ops (fakemem.h; opaque is the fake_host) with the
 * recorder as the trace hook. */
static inline const struct vtd_host_ops *inval_seen_ops(void)
{
    static struct vtd_host_ops ops;
    ops = *fake_host_ops();
    ops.trace = inval_seen_trace;
    return &ops;
}

#endif /* TESTS_UNIT_UTIL_H */
