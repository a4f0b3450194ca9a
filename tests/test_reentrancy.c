/* SPDX-License-Identifier: MIT */
/*
 * tests/test_reentrancy.c: host callbacks that call back into the unit
 * (issue 18 item 2; the contract is the threading section of vtd.h).
 *
 * Every callback kind (read, write, map, msi_send, log, trace, a map
 * notifier) calls every entry point of the same unit while the unit is in
 * the middle of an operation, often holding its non-recursive lock.
 * Before the contract was enforced each of these deadlocked (a second
 * lock of the held non-recursive mutex on the same thread); now the refused calls return
 * -EDEADLK (or, for the void ones, do nothing) and the allowed ones
 * (vtd_get_stats, vtd_iommu_cap, ...) work.  A watchdog (alarm) turns a
 * deadlock into a failure; afterwards the unit must still work and no
 * update (fault record, fault event, statistics) may be lost.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "fakemem.h"
#include <vtd/layout.h>
#include <vtd/vtd.h>

#define RT 0x10000ULL           /* root table: all zero (not present) */
#define WATCHDOG_S 20

static struct fake_host *h;

/* What a callback tries, and what it saw. */
struct probe {
    struct vtd_iommu *u;       /* unit to call back into */
    struct vtd_iommu *other;   /* a second unit (allowed) or NULL */
    atomic_uint calls;         /* callbacks that probed */
    atomic_uint refused;       /* re-entrant calls refused with -EDEADLK */
    atomic_uint wrong;         /* anything else (a failure) */
    atomic_uint allowed_ok;    /* allowed calls that worked */
    bool armed;
};
static struct probe pr;

static void bad(void)
{
    atomic_fetch_add(&pr.wrong, 1);
}

/* Call every entry point of pr.u: each must be refused; then the allowed
 * ones, which must work. */
static void probe_all(void)
{
    if (!pr.armed)
        return;
    pr.armed = false; /* no recursion through our own probes */
    atomic_fetch_add(&pr.calls, 1);
    struct vtd_iommu *u = pr.u;
    uint64_t v = 0xdead;
    if (vtd_mmio_read(u, VTD_REG_FSTS, 4, &v) == -EDEADLK && v == 0)
        atomic_fetch_add(&pr.refused, 1);
    else
        bad();
    if (vtd_mmio_write(u, VTD_REG_FECTL, 4, 0x80000000u) == -EDEADLK)
        atomic_fetch_add(&pr.refused, 1);
    else
        bad();
    struct vtd_dma_req rq = { .sid = 0x10, .pasid = VTD_NO_PASID,
                              .iova = 0x1000, .size = 4,
                              .access = VTD_ACC_READ };
    struct vtd_xlate x;
    if (vtd_translate(u, &rq, &x) == -EDEADLK)
        atomic_fetch_add(&pr.refused, 1);
    else
        bad();
    struct vtd_msi_req mr = { .sid = 0x10, .sid_valid = true,
                              .addr = 0xfee00000, .data = 0x30 };
    struct vtd_irq irq;
    if (vtd_interrupt(u, &mr, &irq) == -EDEADLK)
        atomic_fetch_add(&pr.refused, 1);
    else
        bad();
    uint8_t buf[64];
    size_t need;
    if (vtd_save(u, buf, sizeof(buf), &need) == -EDEADLK)
        atomic_fetch_add(&pr.refused, 1);
    else
        bad();
    char err[128];
    if (vtd_load(u, buf, sizeof(buf), err, sizeof(err)) == -EDEADLK)
        atomic_fetch_add(&pr.refused, 1);
    else
        bad();
    vtd_iommu_reset(u); /* ignored: must not deadlock nor reset */
    /* Allowed: lock-free, read-only. */
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    if (vtd_iommu_cap(u) != 0 && vtd_iommu_mmio_size(u) >= 4096 &&
        st.faults_detected >= st.faults_recorded)
        atomic_fetch_add(&pr.allowed_ok, 1);
    else
        bad();
    /* Another unit is allowed (and must work). */
    if (pr.other) {
        if (vtd_mmio_read(pr.other, VTD_REG_GSTS, 4, &v) == 0)
            atomic_fetch_add(&pr.allowed_ok, 1);
        else
            bad();
    }
    pr.armed = true;
}

static int p_read(void *o, uint64_t gpa, void *buf, size_t len)
{
    probe_all();
    return fake_host_ops()->read(o, gpa, buf, len);
}
static int p_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
    probe_all();
    return fake_host_ops()->write(o, gpa, buf, len);
}
static void p_msi(void *o, uint64_t addr, uint32_t data)
{
    probe_all();
    fake_host_ops()->msi_send(o, addr, data);
}
static void p_log(void *o, enum vtd_log_level l, const char *m)
{
    probe_all();
    fake_host_ops()->log(o, l, m);
}
static void p_trace(void *o, const struct vtd_event *ev)
{
    (void)o;
    (void)ev;
    probe_all();
}
static const void *p_map(void *o, uint64_t gpa, size_t len)
{
    (void)o;
    (void)gpa;
    (void)len;
    probe_all();
    return NULL; /* use read() */
}

static struct vtd_iommu *probe_unit(struct vtd_host_ops *ops)
{
    ops->version = VTD_HOST_OPS_VERSION;
    if (!ops->read)
        ops->read = fake_host_ops()->read;
    if (!ops->write)
        ops->write = fake_host_ops()->write;
    if (!ops->msi_send)
        ops->msi_send = fake_host_ops()->msi_send;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct vtd_iommu *u = NULL;
    ck_assert_int_eq(vtd_iommu_new(&cfg, ops, h, &u, NULL, 0), 0);
    return u;
}

/* TE on over an all-zero root table (every DMA faults LRT.2, reason 1h),
 * fault events unmasked. */
static void enable_te(struct vtd_iommu *u)
{
    wr64(u, VTD_REG_RTADDR, RT);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & VTD_GCMD_TE, VTD_GCMD_TE);
    wr32(u, VTD_REG_FEDATA, 0x51);
    wr32(u, VTD_REG_FEADDR, 0xfee01000);
    wr32(u, VTD_REG_FECTL, 0);
}

static void setup(void)
{
    alarm(WATCHDOG_S); /* a deadlock is a failure (SIGALRM), not a hang */
    h = fake_host_new(1 << 20);
    memset(&pr, 0, sizeof(pr));
}

static void teardown(void)
{
    alarm(0);
    fake_host_free(h);
}

static void check_probes(unsigned min_calls)
{
    ck_assert_uint_ge(atomic_load(&pr.calls), min_calls);
    ck_assert_uint_eq(atomic_load(&pr.wrong), 0);
    /* Six refused calls and one allowed group per probe. */
    ck_assert_uint_eq(atomic_load(&pr.refused), 6 * atomic_load(&pr.calls));
    ck_assert_uint_ge(atomic_load(&pr.allowed_ok), atomic_load(&pr.calls));
}

/* After the probes the unit is whole: what the faulting DMA did is all
 * there (VT-d 7.2.1: PPF, the record with reason 1h; 7.3: one event). */
static void check_fault_landed(struct vtd_iommu *u, unsigned msis_before)
{
    ck_assert_uint_eq(rd32(u, VTD_REG_FSTS) & 0x2, 0x2); /* PPF */
    uint64_t hi = rd64(u, 0x400 + 8);                    /* FRCD0 hi */
    ck_assert(hi >> 63);                                 /* F */
    ck_assert_uint_eq((hi >> 32) & 0xff, VTD_FR_ROOT_NOT_PRESENT);
    ck_assert_uint_eq(h->nmsi, msis_before + 1);
    ck_assert_uint_eq(h->msi_data[msis_before], 0x51);
    /* The refused reset did not happen: TE is still on. */
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & VTD_GCMD_TE, VTD_GCMD_TE);
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    ck_assert_uint_eq(st.faults_detected,
                      st.faults_recorded + st.faults_suppressed +
                          st.faults_collapsed + st.faults_overflow);
}

static void fault_dma(struct vtd_iommu *u, uint16_t sid)
{
    struct vtd_dma_req rq = { .sid = sid, .pasid = VTD_NO_PASID,
                              .iova = 0x1000, .size = 4,
                              .access = VTD_ACC_READ };
    struct vtd_xlate x;
    ck_assert_int_eq(vtd_translate(u, &rq, &x), 0);
    ck_assert_uint_eq(x.fault, VTD_FR_ROOT_NOT_PRESENT);
}

/* msi_send: called by fault recording with the lock held (7.3). */
START_TEST(test_msi_send_reenters)
{
    struct vtd_host_ops ops = { .msi_send = p_msi };
    struct vtd_iommu *u = probe_unit(&ops);
    pr.u = u;
    enable_te(u);
    pr.armed = true;
    fault_dma(u, 0x10);
    check_probes(1);
    check_fault_landed(u, 0);
    vtd_iommu_free(u);
}
END_TEST

/* read: the root-entry fetch of the walk. */
START_TEST(test_read_reenters)
{
    struct vtd_host_ops ops = { .read = p_read };
    struct vtd_iommu *u = probe_unit(&ops);
    pr.u = u;
    enable_te(u);
    pr.armed = true;
    fault_dma(u, 0x10);
    pr.armed = false;
    check_probes(1);
    check_fault_landed(u, 0);
    vtd_iommu_free(u);
}
END_TEST

/* map: asked before every read of a table entry. */
START_TEST(test_map_reenters)
{
    struct vtd_host_ops ops = { .map = p_map };
    struct vtd_iommu *u = probe_unit(&ops);
    pr.u = u;
    enable_te(u);
    pr.armed = true;
    fault_dma(u, 0x10);
    pr.armed = false;
    check_probes(1);
    check_fault_landed(u, 0);
    vtd_iommu_free(u);
}
END_TEST

/* write: the status write of an invalidation wait descriptor (6.5.2.8),
 * made while the queue is processed under the lock. */
START_TEST(test_write_reenters)
{
    struct vtd_host_ops ops = { .write = p_write };
    struct vtd_iommu *u = probe_unit(&ops);
    pr.u = u;
    /* 9.10 wait descriptor: type 5, SW (bit 5), status data 63:32;
     * status address in the upper qword. */
    fake_wq(h, 0x20000, 5 | (1u << 5) | (0xabcdULL << 32));
    fake_wq(h, 0x20008, 0x30000);
    wr64(u, VTD_REG_IQA, 0x20000);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_QIE);
    pr.armed = true;
    wr64(u, VTD_REG_IQT, 16);
    pr.armed = false;
    check_probes(1);
    ck_assert_uint_eq(fake_rl(h, 0x30000), 0xabcd);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), 16);
    vtd_iommu_free(u);
}
END_TEST

/* log: a wrong-size access is logged (vtd.h: ignored and logged), and
 * log calls made with the lock held. */
START_TEST(test_log_reenters)
{
    struct vtd_host_ops ops = { .log = p_log };
    struct vtd_iommu *u = probe_unit(&ops);
    pr.u = u;
    pr.armed = true;
    uint64_t v;
    ck_assert_int_eq(vtd_mmio_read(u, VTD_REG_GSTS, 2, &v), -EINVAL);
    ck_assert_int_eq(vtd_mmio_write(u, VTD_REG_FECTL, 4, 1ULL << 40), 0);
    pr.armed = false;
    check_probes(2);
    /* The write went through (upper bits dropped, IM = bit 31 clear). */
    ck_assert_uint_eq(rd32(u, VTD_REG_FECTL) >> 31, 0);
    vtd_iommu_free(u);
}
END_TEST

/* trace: every event, including the fault event emitted while the fault
 * is recorded (lock held) and MMIO events. */
START_TEST(test_trace_reenters)
{
    struct vtd_host_ops ops = { .trace = p_trace };
    struct vtd_iommu *u = probe_unit(&ops);
    pr.u = u;
    enable_te(u);
    pr.armed = true;
    fault_dma(u, 0x10);
    pr.armed = false;
    check_probes(2);
    check_fault_landed(u, 0);
    vtd_iommu_free(u);
}
END_TEST

/* A second unit: unit A's msi_send reads unit B (allowed, works); B's
 * trace hook then calls A: refused even though B's callback is the
 * innermost one (A is still on this thread's stack of callbacks). */
static struct vtd_iommu *ua, *ub;
static atomic_uint b_saw_refusal, b_calls;
static void b_trace(void *o, const struct vtd_event *ev)
{
    (void)o;
    (void)ev;
    atomic_fetch_add(&b_calls, 1);
    uint64_t v;
    if (vtd_mmio_read(ua, VTD_REG_FSTS, 4, &v) == -EDEADLK)
        atomic_fetch_add(&b_saw_refusal, 1);
}
static void a_msi(void *o, uint64_t addr, uint32_t data)
{
    uint64_t v = 0;
    ck_assert_int_eq(vtd_mmio_read(ub, VTD_REG_GSTS, 4, &v), 0);
    fake_host_ops()->msi_send(o, addr, data);
}

START_TEST(test_two_units_nested)
{
    struct vtd_host_ops oa = { .msi_send = a_msi };
    struct vtd_host_ops ob = { .trace = b_trace };
    ua = probe_unit(&oa);
    ub = probe_unit(&ob);
    enable_te(ua);
    atomic_store(&b_calls, 0);
    atomic_store(&b_saw_refusal, 0);
    fault_dma(ua, 0x10);
    ck_assert_uint_ge(atomic_load(&b_calls), 1);
    ck_assert_uint_eq(atomic_load(&b_saw_refusal), atomic_load(&b_calls));
    check_fault_landed(ua, 0);
    /* Outside A's callbacks B's hook may call A (it works). */
    uint64_t v;
    atomic_store(&b_calls, 0);
    atomic_store(&b_saw_refusal, 0);
    ck_assert_int_eq(vtd_mmio_read(ub, VTD_REG_GSTS, 4, &v), 0);
    ck_assert_uint_ge(atomic_load(&b_calls), 1);
    ck_assert_uint_eq(atomic_load(&b_saw_refusal), 0);
    vtd_iommu_free(ua);
    vtd_iommu_free(ub);
}
END_TEST

/* A map notifier (caching mode): events are sent with the lock held
 * (notify.h); replay sends the identity view of a TES=0 unit. */
#define CAP_CM (0x00d2008c22260206ULL | 0x80)
#define ECAP_PT 0xf00f4aULL
static unsigned nfy_events;
static void nfy(void *o, const struct vtd_map_event *ev)
{
    (void)o;
    (void)ev;
    nfy_events++;
    probe_all();
}

START_TEST(test_notifier_reenters)
{
    struct vtd_iommu *u = fake_unit(h, CAP_CM, ECAP_PT);
    pr.u = u;
    struct vtd_notifier *s = NULL;
    ck_assert_int_eq(vtd_notifier_add(u, 0x10, VTD_NO_PASID, nfy, NULL, &s),
                     0);
    pr.armed = true;
    nfy_events = 0;
    ck_assert_int_ge(vtd_notifier_replay(u, s), 0);
    pr.armed = false;
    ck_assert_uint_ge(nfy_events, 1);
    check_probes(1);
    /* TE on over an empty root table: the view empties (UNMAP). */
    pr.armed = true;
    wr64(u, VTD_REG_RTADDR, RT);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_SRTP);
    wr32(u, VTD_REG_GCMD, VTD_GCMD_TE);
    pr.armed = false;
    ck_assert_uint_ge(atomic_load(&pr.calls), 2);
    ck_assert_uint_eq(atomic_load(&pr.wrong), 0);
    ck_assert_uint_eq(rd32(u, VTD_REG_GSTS) & VTD_GCMD_TE, VTD_GCMD_TE);
    vtd_notifier_remove(u, s);
    vtd_iommu_free(u);
}
END_TEST

/* No lost update under concurrency: two threads fault DMA (each fault
 * event's msi_send re-enters and is refused) while a third services the
 * fault records through the registers.  Every fault is accounted for,
 * every probe was refused, and nothing hangs. */
#define NT 2
#define PER_THREAD 3000
static struct vtd_iommu *cu;
static atomic_bool stop;
static atomic_uint c_probes, c_refused;
static void c_msi(void *o, uint64_t addr, uint32_t data)
{
    atomic_fetch_add(&c_probes, 1);
    uint64_t v;
    if (vtd_mmio_read(cu, VTD_REG_FSTS, 4, &v) == -EDEADLK)
        atomic_fetch_add(&c_refused, 1);
    struct vtd_msi_req mr = { .addr = addr, .data = data };
    struct vtd_irq irq;
    if (vtd_interrupt(cu, &mr, &irq) == -EDEADLK)
        atomic_fetch_add(&c_refused, 1);
    (void)o;
}
static void *c_dma(void *arg)
{
    uint16_t sid = (uint16_t)(uintptr_t)arg;
    for (unsigned i = 0; i < PER_THREAD; i++) {
        struct vtd_dma_req rq = { .sid = sid, .pasid = VTD_NO_PASID,
                                  .iova = 0x1000ULL * i, .size = 4,
                                  .access = VTD_ACC_WRITE };
        struct vtd_xlate x;
        if (vtd_translate(cu, &rq, &x) != 0 ||
            x.fault != VTD_FR_ROOT_NOT_PRESENT)
            abort();
    }
    return NULL;
}
static void *c_service(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        /* 7.2.1 software handling: clear each record's F (RW1C), then
         * PPF falls; FECTL IP clears on reading... re-arm by writes. */
        for (unsigned r = 0; r < 8; r++)
            vtd_mmio_write(cu, 0x400 + 16 * r + 12, 4, 0x80000000u);
        vtd_mmio_write(cu, VTD_REG_FSTS, 4, 0x7f);
    }
    return NULL;
}

START_TEST(test_concurrent_no_lost_update)
{
    struct vtd_host_ops ops = { .version = VTD_HOST_OPS_VERSION,
                                .read = fake_host_ops()->read,
                                .write = fake_host_ops()->write,
                                .msi_send = c_msi };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full",
                              .no_fault_collapse = true };
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &cu, NULL, 0), 0);
    enable_te(cu);
    atomic_store(&stop, false);
    pthread_t t[NT], sv;
    ck_assert_int_eq(pthread_create(&sv, NULL, c_service, NULL), 0);
    for (uintptr_t i = 0; i < NT; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, c_dma,
                                        (void *)(0x10 + i)), 0);
    for (unsigned i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    atomic_store(&stop, true);
    pthread_join(sv, NULL);
    struct vtd_stats st;
    vtd_get_stats(cu, &st);
    ck_assert_uint_eq(st.faults_detected, (uint64_t)NT * PER_THREAD);
    ck_assert_uint_eq(st.faults_detected,
                      st.faults_recorded + st.faults_suppressed +
                          st.faults_collapsed + st.faults_overflow);
    ck_assert_uint_ge(st.faults_recorded, 1);
    ck_assert_uint_ge(atomic_load(&c_probes), 1);
    ck_assert_uint_eq(atomic_load(&c_refused), 2 * atomic_load(&c_probes));
    vtd_iommu_free(cu);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("reentrancy");
    TCase *tc = tcase_create("callbacks");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, WATCHDOG_S + 10);
    tcase_add_test(tc, test_msi_send_reenters);
    tcase_add_test(tc, test_read_reenters);
    tcase_add_test(tc, test_map_reenters);
    tcase_add_test(tc, test_write_reenters);
    tcase_add_test(tc, test_log_reenters);
    tcase_add_test(tc, test_trace_reenters);
    tcase_add_test(tc, test_two_units_nested);
    tcase_add_test(tc, test_notifier_reenters);
    tcase_add_test(tc, test_concurrent_no_lost_update);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
