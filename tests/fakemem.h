/* SPDX-License-Identifier: MIT */
/*
 * tests/fakemem.h: flat fake guest memory and a host-ops recorder for unit
 * tests.  Tables are built by hand in this memory; MSIs the unit sends are
 * kept in a list the test inspects.
 */
#ifndef TESTS_FAKEMEM_H
#define TESTS_FAKEMEM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

#define FAKE_MSI_MAX 64

struct fake_host {
    uint8_t *ram;
    uint64_t size;         /* guest RAM [0, size) */
    /* Counters are atomic: units call the host from several threads
     * (tests/test_reentrancy.c runs under TSan). */
    atomic_uint nmsi;      /* MSIs sent (fault events, wait interrupts) */
    uint64_t msi_addr[FAKE_MSI_MAX];
    uint32_t msi_data[FAKE_MSI_MAX];
    atomic_uint nlog;      /* log messages received */
    atomic_uint reads, writes;
    /* Failure injection: reads intersecting [fail_lo, fail_hi) return
     * -EIO (nothing fails while fail_hi <= fail_lo). */
    uint64_t fail_lo, fail_hi;
    atomic_uint failed_reads;
};

/* Create fake memory of size bytes (zeroed). */
struct fake_host *fake_host_new(uint64_t size);
void fake_host_free(struct fake_host *h);
/* Host ops bound to fake memory; pass the fake_host as opaque. */
const struct vtd_host_ops *fake_host_ops(void);

/* Little-endian helpers on guest memory (abort the test when outside). */
void fake_wq(struct fake_host *h, uint64_t gpa, uint64_t v);
uint64_t fake_rq(struct fake_host *h, uint64_t gpa);
void fake_wl(struct fake_host *h, uint64_t gpa, uint32_t v);
uint32_t fake_rl(struct fake_host *h, uint64_t gpa);

/* Create a unit from raw cap/ecap (profile NULL) on h; aborts on error. */
struct vtd_iommu *fake_unit(struct fake_host *h, uint64_t cap, uint64_t ecap);
/* Create a unit from a profile name on h; aborts on error. */
struct vtd_iommu *fake_unit_profile(struct fake_host *h, const char *profile);

/* Register helpers that assert the access was accepted. */
uint64_t rd64(struct vtd_iommu *u, uint64_t off);
uint32_t rd32(struct vtd_iommu *u, uint64_t off);
void wr64(struct vtd_iommu *u, uint64_t off, uint64_t v);
void wr32(struct vtd_iommu *u, uint64_t off, uint32_t v);

/* Through the registers, as a driver does (VT-d 11.4.4.1: persistent
 * enables kept from GSTS, one command per write): latch IRTA = irta with
 * GCMD.SIRTP, then set GCMD.IRE. */
void fake_ir_enable(struct vtd_iommu *u, uint64_t irta);
/* A global interrupt-entry-cache invalidation (VT-d 6.5.2.8) through
 * queued invalidation, with the queue at qaddr (one 4 KiB page of h);
 * enables QI first if needed. */
void fake_qi_iec_global(struct fake_host *h, struct vtd_iommu *u,
                        uint64_t qaddr);

#endif
