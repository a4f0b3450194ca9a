/* SPDX-License-Identifier: MIT */
/*
 * tests/test_lapic.c: local APIC destination matching (Intel SDM vol. 3
 * 11.6.2, 11.12.10), delivery modes, acknowledge/EOI, and posted-interrupt
 * processing on the CPU side, including the path from a posted IRTE
 * (VT-d 5.2.3) to the virtual IRR.
 */
#include <check.h>
#include <glib.h>
#include <errno.h>
#include <stdlib.h>

#include "apic.h"
#include "fakemem.h"
#include <vtd/layout.h>
#include "check_main.h"

static struct apic_sys *s;

static void setup(void)
{
    s = apic_sys_new(4, NULL, NULL);
    ck_assert_ptr_nonnull(s);
}

static void teardown(void)
{
    apic_sys_free(s);
}

static struct apic_msg msg(uint32_t dest, uint8_t vec, unsigned dm,
                           unsigned dlm, bool x2)
{
    struct apic_msg m = { .dest = dest, .vector = vec, .dm = (uint8_t)dm,
                          .dlm = (uint8_t)dlm, .x2apic = x2 };
    return m;
}

/* Which CPUs have vec in IRR, as a bit mask of CPU indices. */
static unsigned who(uint8_t vec)
{
    unsigned m = 0;
    for (unsigned i = 0; i < apic_sys_ncpu(s); i++)
        if (apic_irr_test(s, i, vec))
            m |= 1u << i;
    return m;
}

START_TEST(test_xapic_physical_and_broadcast)
{
    struct apic_msg m = msg(2, 0x40, 0, APIC_DLM_FIXED, false);
    ck_assert_int_eq(apic_deliver(s, &m), 1);
    ck_assert_uint_eq(who(0x40), 1u << 2);
    m = msg(0xff, 0x41, 0, APIC_DLM_FIXED, false);
    ck_assert_int_eq(apic_deliver(s, &m), 4);
    ck_assert_uint_eq(who(0x41), 0xf);
    m = msg(9, 0x42, 0, APIC_DLM_FIXED, false);
    ck_assert_int_eq(apic_deliver(s, &m), 0);
}
END_TEST

/* Flat model: LDR 8-bit mask; message matches when LDR & dest != 0. */
START_TEST(test_xapic_logical_flat)
{
    for (unsigned i = 0; i < 4; i++)
        apic_set_logical(s, i, (uint8_t)(1u << i), false);
    struct apic_msg m = msg(0x06, 0x50, 1, APIC_DLM_FIXED, false);
    ck_assert_int_eq(apic_deliver(s, &m), 2);
    ck_assert_uint_eq(who(0x50), 0x6);
}
END_TEST

/* Cluster model: dest 7:4 cluster, 3:0 member mask. */
START_TEST(test_xapic_logical_cluster)
{
    apic_set_logical(s, 0, 0x11, true);
    apic_set_logical(s, 1, 0x12, true);
    apic_set_logical(s, 2, 0x21, true);
    apic_set_logical(s, 3, 0x22, true);
    struct apic_msg m = msg(0x13, 0x51, 1, APIC_DLM_FIXED, false);
    ck_assert_int_eq(apic_deliver(s, &m), 2);
    ck_assert_uint_eq(who(0x51), 0x3);
    m = msg(0x22, 0x52, 1, APIC_DLM_FIXED, false);
    ck_assert_uint_eq(apic_deliver(s, &m), 1);
    ck_assert_uint_eq(who(0x52), 0x8);
}
END_TEST

/* x2APIC: 32-bit physical ids; logical id = (id[31:4] << 16) |
 * 1 << id[3:0] (SDM 11.12.10.2). */
START_TEST(test_x2apic_physical_and_logical)
{
    static const uint32_t ids[4] = { 0x10, 0x11, 0x12, 0x100 };
    for (unsigned i = 0; i < 4; i++) {
        apic_set_id(s, i, ids[i]);
        apic_set_x2apic(s, i, true);
    }
    struct apic_msg m = msg(0x100, 0x60, 0, APIC_DLM_FIXED, true);
    ck_assert_int_eq(apic_deliver(s, &m), 1);
    ck_assert_uint_eq(who(0x60), 0x8);
    /* cluster 1, members 0 and 2 -> ids 0x10 and 0x12 */
    m = msg(0x00010005, 0x61, 1, APIC_DLM_FIXED, true);
    ck_assert_int_eq(apic_deliver(s, &m), 2);
    ck_assert_uint_eq(who(0x61), 0x5);
    /* cluster 0x10 member 0 -> id 0x100 */
    m = msg(0x00100001, 0x62, 1, APIC_DLM_FIXED, true);
    ck_assert_uint_eq(who(0x62), 0);
    ck_assert_int_eq(apic_deliver(s, &m), 1);
    ck_assert_uint_eq(who(0x62), 0x8);
    m = msg(0xffffffffu, 0x63, 0, APIC_DLM_FIXED, true);
    ck_assert_int_eq(apic_deliver(s, &m), 4);
    /* an 8-bit xAPIC-form destination 0x00 does not reach id 0x100 */
    m = msg(0x00, 0x64, 0, APIC_DLM_FIXED, false);
    ck_assert_int_eq(apic_deliver(s, &m), 0);
}
END_TEST

/* Lowest priority: one CPU of the set, the lowest TPR class wins. */
START_TEST(test_lowest_priority_picks_lowest_tpr)
{
    for (unsigned i = 0; i < 4; i++)
        apic_set_logical(s, i, (uint8_t)(1u << i), false);
    apic_set_tpr(s, 0, 0x20);
    apic_set_tpr(s, 1, 0x10);
    apic_set_tpr(s, 2, 0x30);
    apic_set_tpr(s, 3, 0x00); /* not in the destination set below */
    struct apic_msg m = msg(0x07, 0x70, 1, APIC_DLM_LOWEST, false);
    ck_assert_int_eq(apic_deliver(s, &m), 1);
    ck_assert_uint_eq(who(0x70), 0x2);
    /* RH=1 with logical destination is also "one of N" (VT-d 9.9) */
    m = msg(0x05, 0x71, 1, APIC_DLM_FIXED, false);
    m.rh = 1;
    ck_assert_int_eq(apic_deliver(s, &m), 1);
    ck_assert_uint_eq(who(0x71), 0x1);
}
END_TEST

START_TEST(test_special_delivery_modes_and_illegal_vector)
{
    struct apic_cpu_state st;
    struct apic_msg m = msg(1, 0, 0, APIC_DLM_NMI, false);
    ck_assert_int_eq(apic_deliver(s, &m), 1);
    m.dlm = APIC_DLM_SMI;
    apic_deliver(s, &m);
    m.dlm = APIC_DLM_INIT;
    apic_deliver(s, &m);
    m.dlm = APIC_DLM_EXTINT;
    apic_deliver(s, &m);
    m.dlm = 3; /* reserved */
    ck_assert_int_eq(apic_deliver(s, &m), 0);
    m = msg(1, 0x0f, 0, APIC_DLM_FIXED, false); /* vectors 0-15 illegal */
    ck_assert_int_eq(apic_deliver(s, &m), 0);
    ck_assert_int_eq(apic_get_state(s, 1, &st), 0);
    ck_assert_uint_eq(st.nmi, 1);
    ck_assert_uint_eq(st.smi, 1);
    ck_assert_uint_eq(st.init, 1);
    ck_assert_uint_eq(st.extint, 1);
    ck_assert_uint_eq(st.illegal, 1);
    ck_assert_uint_eq(st.nrx, 4);
    ck_assert_uint_eq(st.rx[0].dlm, APIC_DLM_NMI);
    ck_assert_uint_eq(st.rx[3].dlm, APIC_DLM_EXTINT);
    ck_assert_uint_eq(who(0x0f), 0);
}
END_TEST

static unsigned eoi_count;
static uint8_t eoi_vec;

static void on_eoi(void *opaque, uint8_t v)
{
    (void)opaque;
    eoi_count++;
    eoi_vec = v;
}

/* Acknowledge takes the highest vector above PPR; EOI clears the highest
 * ISR bit and broadcasts only level-triggered EOIs (SDM 11.8.4/11.8.5). */
START_TEST(test_ack_priority_and_eoi_broadcast)
{
    eoi_count = 0;
    apic_set_eoi_hook(s, on_eoi, NULL);
    struct apic_msg m = msg(0, 0x35, 0, APIC_DLM_FIXED, false);
    m.tm = 1;
    apic_deliver(s, &m);
    m = msg(0, 0x81, 0, APIC_DLM_FIXED, false);
    apic_deliver(s, &m);
    ck_assert(apic_tmr_test(s, 0, 0x35));
    ck_assert(!apic_tmr_test(s, 0, 0x81));
    apic_set_tpr(s, 0, 0x40);
    ck_assert_int_eq(apic_ack(s, 0), 0x81);
    ck_assert(apic_isr_test(s, 0, 0x81));
    /* 0x35 is below TPR class 4: not deliverable */
    ck_assert_int_eq(apic_ack(s, 0), -ENOENT);
    ck_assert_int_eq(apic_eoi(s, 0), 0x81);
    ck_assert_uint_eq(eoi_count, 0); /* edge: no broadcast */
    apic_set_tpr(s, 0, 0);
    ck_assert_int_eq(apic_ack(s, 0), 0x35);
    ck_assert_int_eq(apic_eoi(s, 0), 0x35);
    ck_assert_uint_eq(eoi_count, 1);
    ck_assert_uint_eq(eoi_vec, 0x35);
    ck_assert_int_eq(apic_eoi(s, 0), -ENOENT);
}
END_TEST

/* Posted-interrupt processing (SDM 29.6): in guest mode the notification
 * vector clears ON and moves PIR into the virtual IRR; outside guest mode
 * it is an ordinary interrupt. */
START_TEST(test_guest_mode_notification_moves_pir)
{
    struct fake_host *h = fake_host_new(1 << 16);
    apic_sys_free(s);
    s = apic_sys_new(2, fake_host_ops(), h);
    const uint64_t pid = 0x1000;
    fake_wq(h, pid + 0, 1ull << 40);       /* vector 40 */
    fake_wq(h, pid + 24, 1ull << 63);      /* vector 255 */
    fake_wq(h, pid + 32, 1ull | 0xf2ull << 16 | 1ull << 40);
    ck_assert_int_eq(apic_set_guest_mode(s, 1, true, 0xf2, pid), 0);
    struct apic_msg m = msg(1, 0xf2, 0, APIC_DLM_FIXED, false);
    ck_assert_int_eq(apic_deliver(s, &m), 1);
    ck_assert(apic_virr_test(s, 1, 40));
    ck_assert(apic_virr_test(s, 1, 255));
    ck_assert(!apic_irr_test(s, 1, 0xf2));
    ck_assert_uint_eq(fake_rq(h, pid), 0);
    ck_assert_uint_eq(fake_rq(h, pid + 24), 0);
    ck_assert_uint_eq(fake_rq(h, pid + 32), 0xf2ull << 16 | 1ull << 40);
    /* CPU 0 is not in guest mode: an ordinary interrupt */
    m.dest = 0;
    apic_deliver(s, &m);
    ck_assert(apic_irr_test(s, 0, 0xf2));
    ck_assert_int_eq(apic_set_guest_mode(s, 0, true, 0xf2, 0x1001), -EINVAL);
    apic_sys_free(s);
    s = NULL;
    fake_host_free(h);
}
END_TEST

/* End to end: a posted IRTE (VT-d 9.10) posts VV 0x45, the unit reports
 * the notification (NV 0xf2 to APIC id 1), the CPU in guest mode takes
 * it and finds 0x45 in its virtual IRR. */
START_TEST(test_posted_irte_to_virtual_irr)
{
    struct fake_host *h = fake_host_new(1 << 20);
    struct vtd_iommu *u = fake_unit_profile(h, "full");
    apic_sys_free(s);
    s = apic_sys_new(2, fake_host_ops(), h);
    const uint64_t tbl = 0x10000, pid = 0x20000;
    fake_ir_enable(u, tbl | 7);
    /* IRTE 0: P, IM=1, VV=0x45, PDAL = pid >> 6 */
    fake_wq(h, tbl, 1ull | 1ull << 15 | 0x45ull << 16 | (pid >> 6) << 38);
    fake_wq(h, tbl + 8, 0);
    fake_wq(h, pid + 32, 0xf2ull << 16 | 0x01ull << 40); /* NDST id 1 */
    apic_set_guest_mode(s, 1, true, 0xf2, pid);

    struct vtd_msi_req r = { .sid = 0x18, .sid_valid = true,
                             .addr = 0xfee00010ull };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_POSTED);
    ck_assert(o.notify);
    ck_assert_int_eq(apic_deliver_vtd(s, &o), 1);
    ck_assert(apic_virr_test(s, 1, 0x45));
    ck_assert_uint_eq(fake_rq(h, pid + 32) & 1, 0);
    /* ON was cleared by the CPU: the next post notifies again */
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    ck_assert(o.notify);
    /* while ON stays set, a post does not notify and nothing is sent */
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    ck_assert(!o.notify);
    ck_assert_int_eq(apic_deliver_vtd(s, &o), 0);
    /* blocked: nothing delivered */
    o.outcome = VTD_IRQ_BLOCKED;
    ck_assert_int_eq(apic_deliver_vtd(s, &o), 0);

    vtd_iommu_free(u);
    apic_sys_free(s);
    s = NULL;
    fake_host_free(h);
}
END_TEST

START_TEST(test_msg_from_compat_msi)
{
    struct apic_msg m;
    apic_msg_from_msi(&m, 0xfee0300cull, 0x8141);
    ck_assert_uint_eq(m.dest, 3);
    ck_assert_uint_eq(m.rh, 1);
    ck_assert_uint_eq(m.dm, 1);
    ck_assert_uint_eq(m.vector, 0x41);
    ck_assert_uint_eq(m.dlm, 1);
    ck_assert_uint_eq(m.tm, 1);
    ck_assert_ptr_null(apic_sys_new(0, NULL, NULL));
    ck_assert_int_eq(apic_set_id(s, 4, 1), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *su = suite_create("lapic");
    TCase *tc = tcase_create("lapic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_xapic_physical_and_broadcast);
    tcase_add_test(tc, test_xapic_logical_flat);
    tcase_add_test(tc, test_xapic_logical_cluster);
    tcase_add_test(tc, test_x2apic_physical_and_logical);
    tcase_add_test(tc, test_lowest_priority_picks_lowest_tpr);
    tcase_add_test(tc, test_special_delivery_modes_and_illegal_vector);
    tcase_add_test(tc, test_ack_priority_and_eoi_broadcast);
    tcase_add_test(tc, test_guest_mode_notification_moves_pir);
    tcase_add_test(tc, test_posted_irte_to_virtual_irr);
    tcase_add_test(tc, test_msg_from_compat_msi);
    suite_add_tcase(su, tc);
    return su;
}

int main(void)
{
    return check_run(suite());
}
