/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_intremap_hit.c: the interrupt-entry-cache hit path
 * (VT-d 6.4) against a unit without the cache: random IRTEs, requests
 * and index-selective invalidations (6.5.2.8) must give the same results,
 * faults, posted-descriptor updates and rule hits on both.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>

#include "intremap_util.h"
#include <vtd/rules.h>
#include "check_main.h"

/* ---- the interrupt-entry-cache hit path against no cache ---- */

/* A host pointer into fake memory (vtd.h: map), so that posting takes
 * its direct path on the cached unit. */
static const void *fmap(void *opaque, uint64_t gpa, size_t len)
{
    struct fake_host *fh = opaque;
    if (gpa >= fh->size || len > fh->size - gpa)
        return NULL;
    return fh->ram + gpa;
}

#define DIFF_PID 0x40000ull     /* 8 descriptors, 64 bytes apart */

/* Random IRTE: mostly well-formed remapped or posted entries with every
 * SVT/SQ/SID variant, some with a reserved bit, not present, IM on a
 * bad descriptor address; the fields read off 9.9 / 9.10. */
/* Requester ids of the requests and the IRTEs: 00:00.0, 00:00.1,
 * 01:00.0, 01:00.5 (bus, and function bits for SQ). */
static uint16_t diff_sid(void)
{
    static const uint16_t sids[4] = { 0x0000, 0x0001, 0x0100, 0x0105 };
    return sids[rnd() & 3];
}

static void diff_irte(uint64_t *lo, uint64_t *hi)
{
    uint64_t r = rnd();
    /* SVT 00b 40%, 01b 30% (SID in the requests' range, any SQ), 10b
     * 20% (a bus range, sometimes empty), 11b 10% */
    unsigned svt_pick = (unsigned)(rnd() % 10);
    uint64_t h2;
    if (svt_pick < 4)
        h2 = rnd() & 0xfffff;
    else if (svt_pick < 7)
        h2 = diff_sid() | (rnd() & 3) << 16 | 1ull << 18;
    else if (svt_pick < 9)
        h2 = (rnd() & 1) << 8 | (rnd() & 3) | 2ull << 18;
    else
        h2 = (rnd() & 0xfffff) | 3ull << 18;
    if (r % 3 == 0) {
        /* posted: VV, URG, PDA of one of the 8 descriptors */
        uint64_t pid = DIFF_PID + (rnd() & 7) * 64;
        *lo = 1ull | 1ull << 15 | (rnd() & 0xff) << 16 |
              (rnd() & 1) << 14 | (rnd() & 1) << 1 |
              ((pid >> 6) & 0x3ffffff) << 38;
        *hi = h2;
    } else {
        /* remapped: FPD, DM, RH, TM, DLM, V, DST (x2APIC-wide) */
        *lo = 1ull | (rnd() & 0xfe) | (rnd() & 0xff) << 16 |
              (rnd() & ((r & 0x38) == 0x38 ? 0xffffffffull : 0xff00ull)) << 32;
        *hi = h2;
    }
    if ((r & 0x70) == 0x10)
        *lo ^= 1ull << (rnd() % 64);    /* maybe a reserved bit, or P */
    if ((r & 0x380) == 0x80)
        *hi ^= 1ull << (rnd() % 64);
}

static void diff_put(struct fake_host *a, struct fake_host *b, unsigned i,
                     uint64_t lo, uint64_t hi)
{
    fake_wq(a, TBL + i * 16ull, lo);
    fake_wq(a, TBL + i * 16ull + 8, hi);
    fake_wq(b, TBL + i * 16ull, lo);
    fake_wq(b, TBL + i * 16ull + 8, hi);
}

static void diff_set_irta(struct vtd_iommu *x, uint64_t v)
{
    pthread_mutex_lock(&x->lock);
    vtd_reg_set64_(x, VTD_REG_IRTA, v);
    vtd_ir_latch_irta_locked_(x);
    pthread_mutex_unlock(&x->lock);
}

/* The hit path (cache=hardware, the host's map) must give what a unit
 * without an interrupt entry cache gives (cache=none, read() only), for
 * every request: the same result, the same fault recorded, the same
 * descriptor updates, and in the end the same rule hits.  The table is
 * changed only with an index-selective invalidation of the cached unit
 * (6.5.2.8), and IRTA only in EIME and S (same table): a cached entry
 * then decoded under another IRTA must be decoded again. */
START_TEST(test_hit_path_matches_uncached_unit)
{
    static struct vtd_host_ops mops;
    mops = *fake_host_ops();
    mops.map = fmap;
    struct fake_host *hb = fake_host_new(RAM_SIZE);
    struct vtd_iommu *ub = NULL;
    struct vtd_config cn = { .version = VTD_CONFIG_VERSION,
                             .profile = "full", .cache = VTD_CACHE_NONE };
    ck_assert_int_eq(vtd_iommu_new(&cn, fake_host_ops(), hb, &ub, NULL, 0),
                     0);
    vtd_iommu_free(u);
    struct vtd_config ch = { .version = VTD_CONFIG_VERSION,
                             .profile = "full" };
    ck_assert_int_eq(vtd_iommu_new(&ch, &mops, h, &u, NULL, 0), 0);
    ck_assert_ptr_nonnull(u->ir.fast_iec);
    ck_assert_ptr_null(ub->ir.fast_iec);

    for (unsigned i = 0; i < 256; i++) {
        uint64_t lo, hi;
        diff_irte(&lo, &hi);
        diff_put(h, hb, i, lo, hi);
    }
    for (unsigned d = 0; d < 8; d++)
        for (unsigned q = 0; q < 8; q++) {
            /* NV 0xf0 + d, NDST APIC id 3 + d (bits 47:40: valid in
             * both formats, 9.11), SN random */
            uint64_t v = q == 4 ? (0xf0ull + d) << 16 | (0x3ull + d) << 40 |
                                      (rnd() & 2)
                                : 0;
            fake_wq(h, DIFF_PID + d * 64 + q * 8, v);
            fake_wq(hb, DIFF_PID + d * 64 + q * 8, v);
        }
    struct vtd_iommu *units[2] = { u, ub };
    for (unsigned k = 0; k < 2; k++) {
        diff_set_irta(units[k], irta_val(TBL, false, 7));
        atomic_store(&units[k]->ir.cfi, false);
        atomic_store(&units[k]->ir.enabled, true);
    }
    unsigned outcomes[5] = { 0 }, notified = 0;
    for (unsigned n = 0; n < 100000; n++) {
        uint64_t r = rnd();
        if (n % 5000 == 4999) {
            /* IRTA: EIME and S only (the same table) */
            uint64_t v = irta_val(TBL, rnd() & 1,
                                  rnd() % 8 ? 7 : 5 + (unsigned)(rnd() % 4));
            diff_set_irta(u, v);
            diff_set_irta(ub, v);
            /* IRES and CFIS (compatibility format, 5.1.4) */
            bool on = rnd() % 8 != 0, cfi = rnd() & 1;
            for (unsigned k = 0; k < 2; k++) {
                atomic_store(&units[k]->ir.cfi, cfi);
                atomic_store(&units[k]->ir.enabled, on);
            }
        }
        if (n % 97 == 0) {
            /* rewrite one IRTE, then invalidate it (6.5.2.8) */
            unsigned i = (unsigned)(rnd() & 0xff);
            uint64_t lo, hi;
            diff_irte(&lo, &hi);
            diff_put(h, hb, i, lo, hi);
            vtd_ir_inv_iec_(u, false, (uint16_t)i, 0);
        }
        if (n % 13 == 0) {
            /* a CPU takes a descriptor's notification: ON and PIR clear;
             * sometimes SN toggles */
            unsigned d = (unsigned)(rnd() & 7);
            uint64_t ctl = fake_rq(h, DIFF_PID + d * 64 + 32) & ~1ull;
            if (rnd() & 1)
                ctl ^= 2;
            for (unsigned k = 0; k < 2; k++) {
                struct fake_host *fh = k ? hb : h;
                fake_wq(fh, DIFF_PID + d * 64 + 32, ctl);
                for (unsigned q = 0; q < 4; q++)
                    fake_wq(fh, DIFF_PID + d * 64 + q * 8, 0);
            }
        }
        /* handles 0-255 (a few beyond S), SHV with small subhandles */
        unsigned handle = (unsigned)(r & 0xff) |
                          ((r & 0x1f00000) == 0x1f00000 ? 0x100 : 0);
        bool shv = r & 0x200;
        uint32_t data = (uint32_t)(rnd() & 0xf);
        if ((r & 0x1c00) == 0x1c00)
            data |= 0x10000;          /* reserved data bits with SHV */
        struct vtd_msi_req m = {
            .sid = (r & 0xe000) == 0xe000 ? (uint16_t)rnd() : diff_sid(),
            .sid_valid = (r & 0x3000000) != 0,
            .addr = (r & 0xf0000) == 0xf0000 ? 0xfee00000ull | (rnd() & 0xffff)
                                             : raddr(handle, shv),
            .data = data,
        };
        struct vtd_irq a, b;
        memset(&a, 0x5a, sizeof(a));
        memset(&b, 0xa5, sizeof(b));
        ck_assert_int_eq(vtd_interrupt(u, &m, &a), 0);
        ck_assert_int_eq(vtd_interrupt(ub, &m, &b), 0);
        ck_assert_msg(a.outcome == b.outcome && a.fault == b.fault &&
                          a.recorded == b.recorded && a.index == b.index &&
                          a.dest == b.dest && a.vector == b.vector &&
                          a.dm == b.dm && a.tm == b.tm && a.dlm == b.dlm &&
                          a.rh == b.rh && a.x2apic == b.x2apic &&
                          a.pid_addr == b.pid_addr && a.notify == b.notify &&
                          a.nv == b.nv && a.ndst == b.ndst,
                      "request %u (addr 0x%llx data 0x%x sid 0x%x/%d): "
                      "cached outcome %d fault 0x%x vector 0x%x dest 0x%x, "
                      "uncached %d 0x%x 0x%x 0x%x", n,
                      (unsigned long long)m.addr, m.data, m.sid, m.sid_valid,
                      a.outcome, a.fault, a.vector, a.dest, b.outcome,
                      b.fault, b.vector, b.dest);
        outcomes[a.outcome]++;
        notified += a.notify;
        if ((n & 1023) == 0)
            for (unsigned d = 0; d < 8 * 64; d += 8)
                ck_assert_uint_eq(fake_rq(h, DIFF_PID + d),
                                  fake_rq(hb, DIFF_PID + d));
        /* keep fault recording going: clear the fault recording
         * registers (F, W1C, VT-d 11.4.14) and FSTS.PFO (11.4.9.2) of
         * both, as software does */
        if ((n & 255) == 0)
            for (unsigned k = 0; k < 2; k++) {
                struct vtd_iommu *x = units[k];
                for (unsigned f = 0; f < x->nfr; f++)
                    ck_assert_int_eq(vtd_mmio_write(x, x->fro + f * 16 + 12,
                                                    4, 0x80000000u), 0);
                ck_assert_int_eq(vtd_mmio_write(x, VTD_REG_FSTS, 4,
                                                VTD_FSTS_PFO_MASK), 0);
            }
    }
    for (unsigned k = VTD_IRQ_PASSTHROUGH; k <= VTD_IRQ_BLOCKED; k++)
        ck_assert_msg(outcomes[k] > 0, "outcome %u never produced", k);
    ck_assert_uint_gt(notified, 0);
    /* The cached unit holds decoded remapped and posted results for the
     * hit path (which every request tries first on it). */
    unsigned kinds[3] = { 0 };
    for (unsigned i = 0; i < vtd_ir_iec_slots_(); i++) {
        int k = vtd_ir_iec_kind_(u, i);
        if (k >= 0)
            kinds[k]++;
    }
    ck_assert_uint_gt(kinds[1], 20);
    ck_assert_uint_gt(kinds[2], 10);
    /* The same rule hits on both. */
    uint64_t ha[512], hb2[512];
    int nr = vtd_rule_hits(u, ha, 512);
    ck_assert_int_eq(vtd_rule_hits(ub, hb2, 512), nr);
    for (int i = 0; i < nr; i++) {
        struct vtd_rule_info info;
        vtd_rule_describe((unsigned)i, &info);
        ck_assert_msg(ha[i] == hb2[i], "rule %s: %llu hits cached, %llu "
                      "uncached", info.name, (unsigned long long)ha[i],
                      (unsigned long long)hb2[i]);
    }
    vtd_iommu_free(ub);
    fake_host_free(hb);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("intremap_hit");
    TCase *tc = tcase_create("intremap_hit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_hit_path_matches_uncached_unit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
