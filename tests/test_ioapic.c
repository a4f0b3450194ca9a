/* SPDX-License-Identifier: MIT */
/*
 * tests/test_ioapic.c: the I/O APIC model: RTE to MSI in compatibility
 * and remappable format (VT-d 5.1.5.1), edge and level triggering with
 * remote IRR and EOI broadcast, the register window, and an IOAPIC
 * interrupt remapped by the unit and received by a local APIC.
 */
#include <check.h>
#include <glib.h>
#include <errno.h>
#include <stdlib.h>

#include "apic.h"
#include "fakemem.h"
#include <vtd/layout.h>
#include "check_main.h"

#define MAXSENT 16

static struct ioapic *io;
static unsigned nsent;
static uint16_t sent_sid[MAXSENT];
static uint64_t sent_addr[MAXSENT];
static uint32_t sent_data[MAXSENT];

static void record(void *opaque, uint16_t sid, uint64_t addr, uint32_t data)
{
    (void)opaque;
    if (nsent < MAXSENT) {
        sent_sid[nsent] = sid;
        sent_addr[nsent] = addr;
        sent_data[nsent] = data;
    }
    nsent++;
}

static void setup(void)
{
    nsent = 0;
    io = ioapic_new(2, 0xff00, record, NULL); /* source-id ff:00.0 */
    ck_assert_ptr_nonnull(io);
}

static void teardown(void)
{
    ioapic_free(io);
}

/* Compatibility RTE: vector 0x30, lowest priority (001b), logical,
 * level, destination 0x03 -> address 0xfee03004 (dest 19:12, DM bit 2),
 * data 0x30 | 1 << 8 | assert (bit 14) | level (bit 15) = 0xc130. */
START_TEST(test_rte_compat_message)
{
    uint64_t rte = 0x30 | 1ull << 8 | 1ull << 11 | 1ull << 15 | 3ull << 56;
    uint64_t a;
    uint32_t d;
    ioapic_rte_msi(rte, &a, &d);
    ck_assert_uint_eq(a, 0xfee03004ull);
    ck_assert_uint_eq(d, 0xc130);
}
END_TEST

/* Remappable RTE (Figure 5-3): index 0x8005 = bit 11 (index[15]) and
 * 63:49 = 5, format bit 48 -> address 0xfee00000 | 5 << 5 | 1 << 4 |
 * 1 << 2 = 0xfee000b4, SHV clear. */
START_TEST(test_rte_remappable_message)
{
    uint64_t rte = 0x31 | 1ull << 11 | 1ull << 48 | 5ull << 49;
    uint64_t a;
    uint32_t d;
    ioapic_rte_msi(rte, &a, &d);
    ck_assert_uint_eq(a, 0xfee000b4ull);
    ck_assert_uint_eq(a & (1u << 3), 0);
}
END_TEST

START_TEST(test_edge_triggering_and_mask)
{
    uint64_t rte = 0x40 | 1ull << 56;
    ck_assert_int_eq(ioapic_set_rte(io, 3, rte | IOAPIC_RTE_MASK), 0);
    ioapic_set_irq(io, 3, true);
    ck_assert_uint_eq(nsent, 0); /* masked: lost */
    ioapic_set_irq(io, 3, false);
    ioapic_set_rte(io, 3, rte);
    ioapic_set_irq(io, 3, true);
    ck_assert_uint_eq(nsent, 1);
    ck_assert_uint_eq(sent_sid[0], 0xff00);
    ck_assert_uint_eq(sent_addr[0], 0xfee01000ull);
    ck_assert_uint_eq(sent_data[0] & 0xff, 0x40);
    ioapic_set_irq(io, 3, true); /* no new edge */
    ck_assert_uint_eq(nsent, 1);
    ioapic_set_irq(io, 3, false);
    ioapic_set_irq(io, 3, true);
    ck_assert_uint_eq(nsent, 2);
}
END_TEST

START_TEST(test_level_remote_irr_and_eoi)
{
    uint64_t rte = 0x50 | IOAPIC_RTE_LEVEL | 1ull << 56;
    uint64_t cur;
    ioapic_set_rte(io, 5, rte);
    ioapic_set_irq(io, 5, true);
    ck_assert_uint_eq(nsent, 1);
    ioapic_get_rte(io, 5, &cur);
    ck_assert(cur & IOAPIC_RTE_REMOTE_IRR);
    ioapic_set_irq(io, 5, true);
    ck_assert_uint_eq(nsent, 1);
    ioapic_eoi(io, 0x51); /* other vector: nothing */
    ck_assert_uint_eq(nsent, 1);
    ioapic_eoi(io, 0x50); /* still asserted: sent again */
    ck_assert_uint_eq(nsent, 2);
    ioapic_set_irq(io, 5, false);
    ioapic_eoi(io, 0x50);
    ck_assert_uint_eq(nsent, 2);
    ioapic_get_rte(io, 5, &cur);
    ck_assert(!(cur & IOAPIC_RTE_REMOTE_IRR));
    /* masked while asserted, sent on unmask */
    ioapic_set_rte(io, 5, rte | IOAPIC_RTE_MASK);
    ioapic_set_irq(io, 5, true);
    ck_assert_uint_eq(nsent, 2);
    ioapic_set_rte(io, 5, rte);
    ck_assert_uint_eq(nsent, 3);
}
END_TEST

/* IOREGSEL/IOWIN access; VER = max entry 23 in 23:16, version 0x20;
 * remote IRR is read-only to software. */
START_TEST(test_register_window)
{
    uint32_t v;
    ioapic_mmio_write(io, IOAPIC_IOREGSEL, IOAPIC_REG_VER);
    ioapic_mmio_read(io, IOAPIC_IOWIN, &v);
    ck_assert_uint_eq(v, 0x170020);
    ioapic_mmio_write(io, IOAPIC_IOREGSEL, IOAPIC_REG_ID);
    ioapic_mmio_read(io, IOAPIC_IOWIN, &v);
    ck_assert_uint_eq(v, 2u << 24);
    ioapic_mmio_write(io, IOAPIC_IOREGSEL, IOAPIC_REG_RTE0 + 2 * 7 + 1);
    ioapic_mmio_write(io, IOAPIC_IOWIN, 0x05000000);
    ioapic_mmio_write(io, IOAPIC_IOREGSEL, IOAPIC_REG_RTE0 + 2 * 7);
    ioapic_mmio_write(io, IOAPIC_IOWIN, 0x4000 | 0x8000 | 0x10000 | 0x66);
    uint64_t rte;
    ioapic_get_rte(io, 7, &rte);
    ck_assert_uint_eq(rte, 0x0500000000018066ull);
    ioapic_mmio_read(io, IOAPIC_IOWIN, &v);
    ck_assert_uint_eq(v, 0x18066);
    ck_assert_int_eq(ioapic_mmio_read(io, 0x20, &v), -EINVAL);
    ck_assert_int_eq(ioapic_set_rte(io, 24, 0), -EINVAL);
}
END_TEST

/* The whole path: IOAPIC pin 9 in remappable format (index 1) -> unit
 * with IRTE 1 (vector 0x30, logical, RH, SVT=01b SID ff:00.0, as Linux
 * programs it) -> APIC -> EOI broadcast back to the IOAPIC. */
struct world {
    struct vtd_iommu *u;
    struct apic_sys *s;
    struct ioapic *io;
    unsigned blocked;
};

static void to_iommu(void *opaque, uint16_t sid, uint64_t addr, uint32_t data)
{
    struct world *w = opaque;
    struct vtd_msi_req r = { .sid = sid, .sid_valid = true, .addr = addr,
                             .data = data };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(w->u, &r, &o), 0);
    if (o.outcome != VTD_IRQ_REMAPPED) {
        w->blocked++;
        return;
    }
    struct apic_msg m;
    apic_msg_from_irq(&m, &o);
    apic_deliver(w->s, &m);
}

static void to_ioapic(void *opaque, uint8_t vector)
{
    struct world *w = opaque;
    ioapic_eoi(w->io, vector);
}

START_TEST(test_remappable_ioapic_end_to_end)
{
    struct fake_host *h = fake_host_new(1 << 20);
    struct world w = { 0 };
    w.u = fake_unit_profile(h, "full");
    w.s = apic_sys_new(2, NULL, NULL);
    w.io = ioapic_new(0, 0xff00, to_iommu, &w);
    apic_set_eoi_hook(w.s, to_ioapic, &w);
    apic_set_logical(w.s, 0, 0x01, false);
    apic_set_logical(w.s, 1, 0x02, false);
    fake_ir_enable(w.u, 0x10000 | 7);
    /* IRTE 1 as in the Linux oracle: lo 0x000002000030000d (P, DM, RH,
     * TM=0, vector 0x30, dest 0x02 in 47:40), hi SVT=01 SID 0xff00. */
    fake_wq(h, 0x10010, 0x000002000030000dull);
    fake_wq(h, 0x10018, 0x000000000004ff00ull);
    /* RTE 9: remappable, index 1, level, vector 0x30 (matches IRTE) */
    ioapic_set_rte(w.io, 9, 0x30 | IOAPIC_RTE_LEVEL | IOAPIC_RTE_FORMAT |
                                1ull << IOAPIC_RTE_INDEX_SHIFT);
    ioapic_set_irq(w.io, 9, true);
    ck_assert_uint_eq(w.blocked, 0);
    ck_assert(apic_irr_test(w.s, 1, 0x30));
    ck_assert(!apic_irr_test(w.s, 0, 0x30));
    /* The CPU handles it; level: EOI broadcast clears remote IRR and,
     * the line still being asserted, the IOAPIC sends again. */
    ck_assert_int_eq(apic_ack(w.s, 1), 0x30);
    uint64_t rte;
    ioapic_get_rte(w.io, 9, &rte);
    ck_assert(rte & IOAPIC_RTE_REMOTE_IRR);
    ck_assert(!apic_irr_test(w.s, 1, 0x30));
    /* the IRTE says edge (TM=0), so the APIC does not broadcast; the
     * IOAPIC's remote IRR stays set: software must keep TM consistent
     * (VT-d 5.1.5.1) */
    ck_assert_int_eq(apic_eoi(w.s, 1), 0x30);
    ioapic_get_rte(w.io, 9, &rte);
    ck_assert(rte & IOAPIC_RTE_REMOTE_IRR);
    /* with TM=1 in the IRTE the EOI reaches the IOAPIC */
    fake_wq(h, 0x10010, 0x000002000030001dull);
    fake_qi_iec_global(h, w.u, 0x80000);
    ioapic_eoi(w.io, 0x30);          /* recover: resends, TM=1 now */
    ck_assert(apic_tmr_test(w.s, 1, 0x30));
    ck_assert_int_eq(apic_ack(w.s, 1), 0x30);
    ioapic_set_irq(w.io, 9, false);
    ck_assert_int_eq(apic_eoi(w.s, 1), 0x30);
    ioapic_get_rte(w.io, 9, &rte);
    ck_assert(!(rte & IOAPIC_RTE_REMOTE_IRR));
    /* a wrong source-id is blocked by the IRTE's SVT check */
    struct ioapic *other = ioapic_new(1, 0xfe00, to_iommu, &w);
    ioapic_set_rte(other, 0, 0x30 | IOAPIC_RTE_FORMAT |
                                 1ull << IOAPIC_RTE_INDEX_SHIFT);
    ioapic_set_irq(other, 0, true);
    ck_assert_uint_eq(w.blocked, 1);
    ioapic_free(other);

    ioapic_free(w.io);
    apic_sys_free(w.s);
    vtd_iommu_free(w.u);
    fake_host_free(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ioapic");
    TCase *tc = tcase_create("ioapic");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rte_compat_message);
    tcase_add_test(tc, test_rte_remappable_message);
    tcase_add_test(tc, test_edge_triggering_and_mask);
    tcase_add_test(tc, test_level_remote_irr_and_eoi);
    tcase_add_test(tc, test_register_window);
    tcase_add_test(tc, test_remappable_ioapic_end_to_end);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
