/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/intremap_util.h: the fixture and IRTE builders shared by
 * test_intremap.c and test_intremap_hit.c (VT-d 9.9 fields, built bit
 * by bit; one copy per test program).
 */
#ifndef VTD_TESTS_INTREMAP_UTIL_H
#define VTD_TESTS_INTREMAP_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "fakemem.h"
#include "vtd/internal.h"

#define RAM_SIZE (2u << 20)
#define TBL 0x10000ull          /* interrupt remapping table */

static struct fake_host *h;
static struct vtd_iommu *u;

/* IRTA_REG (VT-d 11.4.9.x): address 63:12, EIME bit 11, S 3:0. */
static inline uint64_t irta_val(uint64_t base, bool eime, unsigned s)
{
    return base | (eime ? 1ull << 11 : 0) | s;
}

static inline void set_irta(uint64_t v)
{
    pthread_mutex_lock(&u->lock);
    vtd_reg_set64_(u, VTD_REG_IRTA, v);
    vtd_ir_latch_irta_locked_(u);
    pthread_mutex_unlock(&u->lock);
}

static inline void ir_on(bool cfi)
{
    atomic_store(&u->ir.cfi, cfi);
    atomic_store(&u->ir.enabled, true);
}

static inline void setup_with(uint64_t cap, uint64_t ecap, bool eime, unsigned s)
{
    h = fake_host_new(RAM_SIZE);
    if (cap || ecap)
        u = fake_unit(h, cap, ecap);
    else
        u = fake_unit_profile(h, "full");
    set_irta(irta_val(TBL, eime, s));
    ir_on(false);
}

static inline void setup(void)
{
    setup_with(0, 0, false, 7); /* 256 entries, xAPIC mode */
}

static inline void teardown(void)
{
    vtd_iommu_free(u);
    fake_host_free(h);
    u = NULL;
    h = NULL;
}

/* Remapped-format IRTE low qword, VT-d 9.9: P 0, FPD 1, DM 2, RH 3, TM 4,
 * DLM 7:5, V 23:16, DST 63:32. */
static inline uint64_t rlo(uint32_t dst, uint8_t vec, unsigned dlm, unsigned tm,
                    unsigned rh, unsigned dm, unsigned fpd)
{
    return 1ull | (uint64_t)fpd << 1 | (uint64_t)dm << 2 |
           (uint64_t)rh << 3 | (uint64_t)tm << 4 | (uint64_t)dlm << 5 |
           (uint64_t)vec << 16 | (uint64_t)dst << 32;
}

/* High qword, VT-d 9.9: SID 79:64, SQ 81:80, SVT 83:82. */
static inline uint64_t rhi(uint16_t sid, unsigned sq, unsigned svt)
{
    return (uint64_t)sid | (uint64_t)sq << 16 | (uint64_t)svt << 18;
}

static inline void put_irte(unsigned idx, uint64_t lo, uint64_t hi)
{
    fake_wq(h, TBL + idx * 16ull, lo);
    fake_wq(h, TBL + idx * 16ull + 8, hi);
}

/* Remappable request address, VT-d 5.1.2.2 Table 13. */
static inline uint64_t raddr(uint32_t handle, bool shv)
{
    return 0xfee00000ull | (uint64_t)(handle & 0x7fff) << 5 | 1u << 4 |
           (shv ? 1u << 3 : 0) | (uint64_t)((handle >> 15) & 1) << 2;
}

static inline struct vtd_irq send(uint16_t sid, uint64_t addr, uint32_t data)
{
    struct vtd_msi_req r = { .sid = sid, .sid_valid = true, .addr = addr,
                             .data = data };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    return o;
}


static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

#endif
