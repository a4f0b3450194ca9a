/* SPDX-License-Identifier: MIT */
/*
 * tests/inject_host.h: the injecting host of test_inject_modes.c: host ops
 * (<vtd/vtd.h>) over a fake guest memory (fakemem.h) that fail the Nth
 * call (read, write, cmpxchg64, msi_send, devtlb_inval, page_response)
 * once or from N on, remembering
 * what failed, plus the register helpers the scenarios share.
 */
#ifndef VTDEMU_TESTS_INJECT_HOST_H
#define VTDEMU_TESTS_INJECT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

#include "fakemem.h"

/* H_DEVTLB: the devtlb_inval op (an ATS Invalidate Request the host
 * cannot deliver returns -EIO); H_PRESP: the page_response op (void: a
 * failed delivery is a response the host drops). */
enum hop { H_READ, H_WRITE, H_CX, H_MSI, H_DEVTLB, H_PRESP, H_NOPS };
extern const char *const hop_name[H_NOPS];

struct ih {
    struct fake_host *fh;
    bool armed;
    bool forever;
    unsigned long calls, fail_at;
    unsigned nfailed;
    enum hop fop;          /* the first failed call */
    uint64_t fgpa;
    size_t flen;
    /* Every failed read (from N on, many): address and length. */
    uint64_t fr_gpa[8192];
    size_t fr_len[8192];
    unsigned nfr;
    unsigned msis;         /* MSIs that reached the host */
    uint64_t msi_addr;
    uint32_t msi_data;
    unsigned logs;
    /* ATS Invalidate Requests delivered (the endpoint answers later with
     * vtd_ats_inval_complete()), and page group responses delivered. */
    struct vtd_devtlb_inv inv[32];
    unsigned ninv;
    struct vtd_page_resp presp[16];
    unsigned npresp;
};

/* Figures for the summary line. */
extern unsigned long runs_total, failed_by_op[H_NOPS];

#define FEADDR_V 0xfee01000u
#define FEDATA_V 0x4041u
#define IEADDR_V 0xfee02000u
#define IEDATA_V 0x4042u

/* A unit (profile full) on the injecting host x; cm: CAP.CM. */
struct vtd_iommu *ih_unit(struct ih *x, bool cm);
/* Fail call number fail_at (counted from now), or every call from it. */
void arm(struct ih *x, unsigned long fail_at, bool forever);
/* 11.4.4: one command per write, persistent enables kept from GSTS. */
void gcmd(struct vtd_iommu *u, uint32_t cmd);
/* Fault events and completion events unmasked, to known addresses. */
void events_on(struct vtd_iommu *u);
/* Offset of the first fault recording register (CAP.FRO). */
uint64_t frcd_off(struct vtd_iommu *u);

/* The fixture test_inject_modes.c and test_inject_prq.c share: */
/* x cleared, fake guest memory of ram bytes, a unit on it (ih_unit). */
struct vtd_iommu *ih_start(struct ih *x, uint64_t ram, bool cm);
/* The unit and the guest memory freed. */
void ih_stop(struct ih *x, struct vtd_iommu *u);
/* After the armed operation: disarmed, the run counted (runs_total), and
 * the host calls it made in *calls_out unless NULL. */
void ih_done(struct ih *x, unsigned long *calls_out);
/* 11.4.5, 11.4.4: RTADDR = rta with TTM ttm, SRTP, TE; TES is then set. */
void ih_translation_on(struct vtd_iommu *u, uint64_t rta, unsigned ttm);
/* Every fault record cleared (F is RW1C, 11.4.7.6; records are used
 * round-robin from FSTS.FRI, 7.2.1); PPF is then clear. */
void ih_clear_records(struct vtd_iommu *u);

#endif
