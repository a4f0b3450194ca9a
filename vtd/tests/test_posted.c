/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_posted.c: interrupt posting (VT-d 5.2.3), the posted IRTE
 * format (9.10) and the posted-interrupt descriptor (9.11).
 *
 * The race test (a CPU thread clearing ON and harvesting PIR while
 * interrupts are posted) is meant to be run under ThreadSanitizer too:
 *   meson setup build-tsan -Db_sanitize=thread && meson test -C build-tsan posted
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "fakemem.h"
#include "vtd/internal.h"
#include "check_main.h"

#define RAM_SIZE (1u << 20)
#define TBL 0x10000ull
#define PID 0x20040ull          /* 64-byte aligned descriptor */

static struct fake_host *h;
static struct vtd_iommu *u;

static void set_irta(bool eime)
{
    pthread_mutex_lock(&u->lock);
    /* IRTA_REG: base 63:12, EIME bit 11, S=7 (256 entries) */
    vtd_reg_set64_(u, VTD_REG_IRTA, TBL | (eime ? 1ull << 11 : 0) | 7);
    vtd_ir_latch_irta_locked_(u);
    pthread_mutex_unlock(&u->lock);
}

/* Posted-format IRTE (VT-d 9.10): P 0, FPD 1, URG 14, IM 15, VV 23:16,
 * PDAL 63:38 = address 31:6; high: SID 79:64, SQ, SVT, PDAH 127:96. */
static void put_posted(unsigned idx, uint64_t pid, uint8_t vv, bool urg,
                       uint64_t extra_lo, uint64_t extra_hi)
{
    uint64_t lo = 1ull | (urg ? 1ull << 14 : 0) | 1ull << 15 |
                  (uint64_t)vv << 16 | ((pid >> 6) & 0x3ffffff) << 38;
    uint64_t hi = (pid >> 32) << 32;
    fake_wq(h, TBL + idx * 16ull, lo | extra_lo);
    fake_wq(h, TBL + idx * 16ull + 8, hi | extra_hi);
}

/* PID control qword (bits 319:256, VT-d 9.11): ON 256, SN 257, NV
 * 279:272, NDST 319:288. */
static uint64_t pid_ctl(bool on, bool sn, uint8_t nv, uint32_t ndst)
{
    return (on ? 1ull : 0) | (sn ? 2ull : 0) | (uint64_t)nv << 16 |
           (uint64_t)ndst << 32;
}

/* The second test case runs every test with the host's direct pointer
 * (vtd.h: map): posting then reads the descriptor through it and decides
 * ON on a load after the PIR compare-exchange (posted.c, post_direct);
 * the first runs them with read() only. */
static bool mapped;

/* PDAH provides address bits 63:32: test_post_descriptor_address_high
 * adds a 4 KiB window at 4 GiB (no 4 GiB allocation). */
#define HIGH (1ull << 32)
static struct fake_host *high;

static const void *fmap(void *opaque, uint64_t gpa, size_t len)
{
    struct fake_host *fh = opaque;
    if (gpa >= HIGH && high) {
        fh = high;
        gpa -= HIGH;
    }
    if (gpa >= fh->size || len > fh->size - gpa)
        return NULL;
    return fh->ram + gpa;
}

/* The fake host's operations, with map in the mapped test case. */
static struct vtd_host_ops base_ops(void)
{
    struct vtd_host_ops ops = *fake_host_ops();
    ops.map = mapped ? fmap : NULL;
    return ops;
}

static void new_unit(const struct vtd_host_ops *ops)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    ck_assert_int_eq(vtd_iommu_new(&cfg, ops, h, &u, NULL, 0), 0);
    set_irta(false);
    atomic_store(&u->ir.enabled, true);
}

static void setup(void)
{
    static struct vtd_host_ops ops;
    h = fake_host_new(RAM_SIZE);
    high = NULL;
    ops = base_ops();
    new_unit(&ops);
}

static void setup_mapped(void)
{
    mapped = true;
    setup();
}

static void teardown_mapped(void)
{
    vtd_iommu_free(u);
    fake_host_free(h);
    mapped = false;
}

static void teardown(void)
{
    vtd_iommu_free(u);
    fake_host_free(h);
}

static struct vtd_irq post(unsigned idx)
{
    struct vtd_msi_req r = {
        .sid = 0x18, .sid_valid = true,
        .addr = 0xfee00000ull | (uint64_t)idx << 5 | 1u << 4, .data = 0,
    };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    return o;
}

/* 5.2.3: vector 0x61 sets PIR bit 97 (qword 1, bit 33); ON was clear and
 * SN clear -> ON set, notification NV=0xf2 to NDST; xAPIC NDST is bits
 * 303:296, i.e. field value 0x0300 -> APIC id 3. */
START_TEST(test_post_sets_pir_on_and_notifies)
{
    put_posted(1, PID, 0x61, false, 0, 0);
    fake_wq(h, PID + 32, pid_ctl(false, false, 0xf2, 0x0300));
    struct vtd_irq o = post(1);
    ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
    ck_assert_uint_eq(o.pid_addr, PID);
    ck_assert(o.notify);
    ck_assert_uint_eq(o.nv, 0xf2);
    ck_assert_uint_eq(o.ndst, 3);
    ck_assert(!o.x2apic);
    ck_assert_uint_eq(fake_rq(h, PID + 0), 0);
    ck_assert_uint_eq(fake_rq(h, PID + 8), 1ull << 33);
    ck_assert_uint_eq(fake_rq(h, PID + 16), 0);
    ck_assert_uint_eq(fake_rq(h, PID + 24), 0);
    ck_assert_uint_eq(fake_rq(h, PID + 32),
                      pid_ctl(true, false, 0xf2, 0x0300));
}
END_TEST

/* ON already set: only the PIR bit, no notification. */
START_TEST(test_post_with_on_set_only_sets_pir)
{
    put_posted(2, PID, 0xff, false, 0, 0);
    fake_wq(h, PID + 0, 1ull << 5);
    fake_wq(h, PID + 32, pid_ctl(true, false, 0xf2, 0x0300));
    struct vtd_irq o = post(2);
    ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
    ck_assert(!o.notify);
    ck_assert_uint_eq(fake_rq(h, PID + 0), 1ull << 5);
    ck_assert_uint_eq(fake_rq(h, PID + 24), 1ull << 63);
    ck_assert_uint_eq(fake_rq(h, PID + 32),
                      pid_ctl(true, false, 0xf2, 0x0300));
}
END_TEST

/* SN=1, URG=0: posted without notification, ON stays clear. */
START_TEST(test_post_sn_suppresses_non_urgent)
{
    put_posted(3, PID, 0x20, false, 0, 0);
    fake_wq(h, PID + 32, pid_ctl(false, true, 0xf2, 0x0300));
    struct vtd_irq o = post(3);
    ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
    ck_assert(!o.notify);
    ck_assert_uint_eq(fake_rq(h, PID + 0), 1ull << 32);
    ck_assert_uint_eq(fake_rq(h, PID + 32), pid_ctl(false, true, 0xf2, 0x0300));
}
END_TEST

/* SN=1, URG=1: X = !ON & (URG | !SN) = 1 -> ON set and notified. */
START_TEST(test_post_urgent_overrides_sn)
{
    put_posted(4, PID, 0x20, true, 0, 0);
    fake_wq(h, PID + 32, pid_ctl(false, true, 0xf3, 0x0500));
    struct vtd_irq o = post(4);
    ck_assert(o.notify);
    ck_assert_uint_eq(o.nv, 0xf3);
    ck_assert_uint_eq(o.ndst, 5);
    ck_assert_uint_eq(fake_rq(h, PID + 32), pid_ctl(true, true, 0xf3, 0x0500));
}
END_TEST

/* x2APIC mode (EIME=1): NDST is the full 32-bit APIC id. */
START_TEST(test_post_x2apic_ndst)
{
    set_irta(true);
    put_posted(5, PID, 0x30, false, 0, 0);
    fake_wq(h, PID + 32, pid_ctl(false, false, 0xf2, 0x00012345));
    struct vtd_irq o = post(5);
    ck_assert(o.notify);
    ck_assert(o.x2apic);
    ck_assert_uint_eq(o.ndst, 0x00012345);
}
END_TEST

/* PDAH provides address bits 63:32 (HIGH, above). */
static int hr(void *o, uint64_t gpa, void *buf, size_t len)
{
    if (gpa >= HIGH)
        return fake_host_ops()->read(high, gpa - HIGH, buf, len);
    return fake_host_ops()->read(o, gpa, buf, len);
}

static int hw(void *o, uint64_t gpa, const void *buf, size_t len)
{
    if (gpa >= HIGH)
        return fake_host_ops()->write(high, gpa - HIGH, buf, len);
    return fake_host_ops()->write(o, gpa, buf, len);
}

static int hx(void *o, uint64_t gpa, uint64_t *e, uint64_t d)
{
    if (gpa >= HIGH)
        return fake_host_ops()->cmpxchg64(high, gpa - HIGH, e, d);
    return fake_host_ops()->cmpxchg64(o, gpa, e, d);
}

START_TEST(test_post_descriptor_address_high)
{
    static struct vtd_host_ops ops;
    ops = base_ops();
    ops.read = hr;
    ops.write = hw;
    ops.cmpxchg64 = hx;
    high = fake_host_new(4096);
    vtd_iommu_free(u);
    new_unit(&ops);
    uint64_t pid = HIGH + 0x80;
    put_posted(6, pid, 0x00, false, 0, 0);
    fake_wq(high, 0x80 + 32, pid_ctl(false, false, 0xf2, 0x0100));
    struct vtd_irq o = post(6);
    ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
    ck_assert_uint_eq(o.pid_addr, pid);
    ck_assert(o.notify);
    ck_assert_uint_eq(fake_rq(high, 0x80), 1);
    ck_assert_uint_eq(fake_rq(high, 0x80 + 32) & 1, 1);
    vtd_iommu_free(u);
    new_unit(&ops); /* no unit may use high after it is freed */
    fake_host_free(high);
    high = NULL;
}
END_TEST

/* Injection: the compare-exchange on the descriptor's control qword (ON,
 * SN, NV, NDST) fails after PIR was set.  5.2.3 makes the whole update one
 * atomic read-modify-write; one that fails leaves the descriptor as it was
 * and blocks the interrupt (Table 15, 27h).  So report and state agree:
 * 27h, and the PIR bit this request set is clear again; a bit that was set
 * before stays set.  ctl_rc: what the control-qword compare-exchange
 * returns (-EIO: host error; -EAGAIN every time: retries exhausted). */
static int ctl_rc;

static int fail_ctl_cx(void *o, uint64_t gpa, uint64_t *e, uint64_t d)
{
    if (gpa == PID + 32 && ctl_rc)
        return ctl_rc;
    return fake_host_ops()->cmpxchg64(o, gpa, e, d);
}

START_TEST(test_failed_on_update_clears_pir_27h)
{
    static struct vtd_host_ops ops;
    ops = base_ops();
    ops.cmpxchg64 = fail_ctl_cx;
    vtd_iommu_free(u);
    new_unit(&ops);
    const int rcs[] = { -EIO, -EAGAIN };
    for (unsigned k = 0; k < 2; k++) {
        ctl_rc = rcs[k];
        /* Vector 0x45: PIR qword 1, bit 5, clear before. */
        put_posted(8, PID, 0x45, false, 0, 0);
        fake_wq(h, PID + 8, 1ull << 9);            /* another vector */
        fake_wq(h, PID + 32, pid_ctl(false, false, 0xf2, 0x0300));
        struct vtd_irq o = post(8);
        ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
        ck_assert_uint_eq(o.fault, VTD_FR_IR_PID_ACCESS);
        ck_assert_uint_eq(fake_rq(h, PID + 8), 1ull << 9);
        ck_assert_uint_eq(fake_rq(h, PID + 32),
                          pid_ctl(false, false, 0xf2, 0x0300));
        /* The same vector already pending: not ours, left set. */
        fake_wq(h, PID + 8, 1ull << 5);
        o = post(8);
        ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
        ck_assert_uint_eq(fake_rq(h, PID + 8), 1ull << 5);
        /* The host recovers: the next request is posted and notified. */
        ctl_rc = 0;
        fake_wq(h, PID + 8, 0);
        o = post(8);
        ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
        ck_assert(o.notify);
        ck_assert_uint_eq(fake_rq(h, PID + 8), 1ull << 5);
        ck_assert_uint_eq(fake_rq(h, PID + 32) & 1, 1);
    }
}
END_TEST

/* Injection: the compare-exchange of step 1 (PIR) fails: 27h, the
 * descriptor unchanged (5.2.3: an update that cannot complete leaves it
 * as it was). */
static int fail_pir_cx(void *o, uint64_t gpa, uint64_t *e, uint64_t d)
{
    if (gpa >= PID && gpa < PID + 32)
        return -EIO;
    return fake_host_ops()->cmpxchg64(o, gpa, e, d);
}

START_TEST(test_pir_update_fails_27h)
{
    static struct vtd_host_ops ops;
    ops = base_ops();
    ops.cmpxchg64 = fail_pir_cx;
    vtd_iommu_free(u);
    new_unit(&ops);
    put_posted(8, PID, 0x45, false, 0, 0);
    fake_wq(h, PID + 32, pid_ctl(false, false, 0xf2, 0x0300));
    struct vtd_irq o = post(8);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_PID_ACCESS);
    for (unsigned q = 0; q < 4; q++)
        ck_assert_uint_eq(fake_rq(h, PID + 8 * q), 0);
    ck_assert_uint_eq(fake_rq(h, PID + 32),
                      pid_ctl(false, false, 0xf2, 0x0300));
}
END_TEST

/* Table 15: descriptor outside guest memory -> 27h. */
START_TEST(test_pid_access_error_27h)
{
    put_posted(7, 0x40000000ull, 0x30, false, 0, 0);
    struct vtd_irq o = post(7);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_PID_ACCESS);
}
END_TEST

/* 9.11 reserved fields (511:320, 287:280, 271:258; xAPIC 319:304 and
 * 295:288) -> 28h, and PIR is left untouched. */
START_TEST(test_pid_reserved_fields_28h)
{
    static const struct { unsigned qw; uint64_t bits; } t[] = {
        { 5, 1 }, { 7, 1ull << 63 }, { 4, 1ull << 2 }, { 4, 1ull << 15 },
        { 4, 1ull << 24 }, { 4, 1ull << 32 }, { 4, 1ull << 48 },
    };
    put_posted(8, PID, 0x30, false, 0, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        for (unsigned q = 0; q < 8; q++)
            fake_wq(h, PID + 8 * q, 0);
        fake_wq(h, PID + 8 * t[i].qw,
                fake_rq(h, PID + 8 * t[i].qw) | t[i].bits);
        struct vtd_irq o = post(8);
        ck_assert_msg(o.fault == VTD_FR_IR_PID_RSVD, "row %u", i);
        ck_assert_uint_eq(fake_rq(h, PID), 0);
    }
}
END_TEST

/* 9.10: posted IRTE reserved bits 7:2, 13:12, 37:24, 95:84 -> 24h. */
START_TEST(test_posted_irte_reserved_24h)
{
    static const unsigned lo_bits[] = { 2, 7, 12, 13, 24, 37 };
    for (unsigned i = 0; i < G_N_ELEMENTS(lo_bits); i++) {
        put_posted(10 + i, PID, 0x30, false, 1ull << lo_bits[i], 0);
        ck_assert_uint_eq(post(10 + i).fault, VTD_FR_IR_RSVD);
    }
    put_posted(20, PID, 0x30, false, 0, 1ull << (84 - 64));
    ck_assert_uint_eq(post(20).fault, VTD_FR_IR_RSVD);
    put_posted(21, PID, 0x30, false, 0, 1ull << (95 - 64));
    ck_assert_uint_eq(post(21).fault, VTD_FR_IR_RSVD);
    ck_assert_uint_eq(fake_rq(h, PID), 0);
}
END_TEST

/* 9.10: PDAH bits at and above HAW are reserved -> 24h. */
START_TEST(test_posted_pda_above_haw_24h)
{
    /* full profile: HAW = MGAW + 1 = 57 bits */
    put_posted(9, (1ull << 57) | 0x40, 0x30, false, 0, 0);
    ck_assert_uint_eq(post(9).fault, VTD_FR_IR_RSVD);
}
END_TEST

/* ---- concurrency: a CPU clearing ON and harvesting PIR ---- */

/* Host ops whose reads are atomic per qword so the CPU thread's atomics
 * and the unit's reads do not race in the C sense. */
static int aread(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct fake_host *fh = opaque;
    if (gpa >= fh->size || len > fh->size - gpa)
        return -EFAULT;
    if ((gpa & 7) == 0 && (len & 7) == 0) {
        for (size_t i = 0; i < len; i += 8) {
            uint64_t v = __atomic_load_n((uint64_t *)(void *)(fh->ram + gpa + i),
                                         __ATOMIC_SEQ_CST);
            memcpy((uint8_t *)buf + i, &v, 8); /* little-endian host */
        }
        return 0;
    }
    memcpy(buf, fh->ram + gpa, len);
    return 0;
}

static struct vtd_host_ops race_ops;

/* The unit's compare-exchange yields first, widening the window between
 * its two descriptor updates. */
static int ycx(void *opaque, uint64_t gpa, uint64_t *expected,
               uint64_t desired)
{
    sched_yield();
    return fake_host_ops()->cmpxchg64(opaque, gpa, expected, desired);
}

/* A CPU that acts only on notifications: each notification the unit
 * reports is a token; the CPU takes a token, clears ON with a locked AND
 * and takes PIR qword by qword with exchange (SDM vol. 3, posted-interrupt
 * processing). */
struct cpu_ctx {
    struct fake_host *h;
    _Atomic bool stop;
    _Atomic unsigned tokens;
    _Atomic bool busy;
    _Atomic uint64_t harvested[4];
};

static void *cpu_thread(void *arg)
{
    struct cpu_ctx *c = arg;
    uint64_t *ctl = (uint64_t *)(void *)(c->h->ram + PID + 32);
    while (!atomic_load(&c->stop)) {
        unsigned t = atomic_load(&c->tokens);
        if (t == 0) {
            sched_yield();
            continue;
        }
        atomic_store(&c->busy, true);
        atomic_fetch_sub(&c->tokens, 1);
        __atomic_fetch_and(ctl, ~1ull, __ATOMIC_SEQ_CST);
        for (unsigned q = 0; q < 4; q++) {
            uint64_t *p = (uint64_t *)(void *)(c->h->ram + PID + 8 * q);
            atomic_fetch_or(&c->harvested[q],
                            __atomic_exchange_n(p, 0, __ATOMIC_SEQ_CST));
        }
        atomic_store(&c->busy, false);
    }
    return NULL;
}

/* Every round posts all 256 vectors while the CPU handles notifications,
 * then lets the CPU drain.  No notification may be lost: after the drain
 * every vector was harvested, PIR is empty and ON is clear.  (Setting ON
 * before the PIR bit would strand a vector with ON clear.) */
static void race_run(bool map)
{
    race_ops = *fake_host_ops();
    race_ops.read = aread;
    race_ops.cmpxchg64 = ycx;
    race_ops.map = map ? fmap : NULL;
    vtd_iommu_free(u);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    ck_assert_int_eq(vtd_iommu_new(&cfg, &race_ops, h, &u, NULL, 0), 0);
    set_irta(false);
    atomic_store(&u->ir.enabled, true);
    for (unsigned v = 0; v < 256; v++)
        put_posted(v, PID, (uint8_t)v, false, 0, 0);
    fake_wq(h, PID + 32, pid_ctl(false, false, 0xf2, 0x0100));

    static struct cpu_ctx c;
    memset(&c, 0, sizeof(c));
    c.h = h;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, cpu_thread, &c), 0);
    for (unsigned round = 0; round < 40; round++) {
        for (unsigned q = 0; q < 4; q++)
            atomic_store(&c.harvested[q], 0);
        for (unsigned v = 0; v < 256; v++) {
            struct vtd_irq o = post(v);
            ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
            if (o.notify) {
                ck_assert_uint_eq(o.nv, 0xf2);
                atomic_fetch_add(&c.tokens, 1);
            }
        }
        while (atomic_load(&c.tokens) || atomic_load(&c.busy))
            sched_yield();
        for (unsigned q = 0; q < 4; q++) {
            ck_assert_uint_eq(atomic_load(&c.harvested[q]), ~0ull);
            ck_assert_uint_eq(__atomic_load_n((uint64_t *)(void *)
                                              (h->ram + PID + 8 * q),
                                              __ATOMIC_SEQ_CST), 0);
        }
        uint64_t ctl = __atomic_load_n((uint64_t *)(void *)(h->ram + PID + 32),
                                       __ATOMIC_SEQ_CST);
        ck_assert_uint_eq(ctl, pid_ctl(false, false, 0xf2, 0x0100));
    }
    atomic_store(&c.stop, true);
    pthread_join(th, NULL);
}

START_TEST(test_post_races_cpu_clearing_on)
{
    race_run(false);
}
END_TEST

START_TEST(test_post_races_cpu_clearing_on_mapped)
{
    race_run(true);
}
END_TEST

static void add_common(TCase *tc)
{
    tcase_add_test(tc, test_post_sets_pir_on_and_notifies);
    tcase_add_test(tc, test_post_with_on_set_only_sets_pir);
    tcase_add_test(tc, test_post_sn_suppresses_non_urgent);
    tcase_add_test(tc, test_post_urgent_overrides_sn);
    tcase_add_test(tc, test_post_x2apic_ndst);
    tcase_add_test(tc, test_post_descriptor_address_high);
    tcase_add_test(tc, test_pid_access_error_27h);
    tcase_add_test(tc, test_failed_on_update_clears_pir_27h);
    tcase_add_test(tc, test_pid_reserved_fields_28h);
    tcase_add_test(tc, test_posted_irte_reserved_24h);
    tcase_add_test(tc, test_posted_pda_above_haw_24h);
    tcase_add_test(tc, test_pir_update_fails_27h);
}

static Suite *suite(void)
{
    Suite *s = suite_create("posted");
    TCase *tc = tcase_create("posted");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    add_common(tc);
    tcase_add_test(tc, test_post_races_cpu_clearing_on);
    tcase_add_test(tc, test_post_races_cpu_clearing_on_mapped);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("posted-mapped");
    tcase_add_checked_fixture(tm, setup_mapped, teardown_mapped);
    tcase_set_timeout(tm, 120);
    add_common(tm);
    suite_add_tcase(s, tm);
    return s;
}

int main(void)
{
    return check_run(suite());
}
