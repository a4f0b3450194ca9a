/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_intremap.c: interrupt remapping in the core (VT-d 5.1, 9.9),
 * fault reasons 20h-26h, source-id validation, EIME variants and the
 * interrupt entry cache (6.4, 6.5.2.8).
 *
 * IRTEs are built here bit by bit from the tables of VT-d 9.9; expected
 * outputs are read off those same tables by hand.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "fakemem.h"
#include "vtd/internal.h"
#include <vtd/rules.h>
#include "check_main.h"

#include "intremap_util.h"

/* ---- passthrough and compatibility format (VT-d 5.1.2.1, 5.1.4) ---- */

/* IRES=0: every request goes through unchanged in compatibility format.
 * Address: dest 19:12 = 0x03, RH bit 3, DM bit 2; data: vector 0x41,
 * delivery mode 10:8 = 001b, trigger mode bit 15 = 1. */
START_TEST(test_ir_disabled_passes_through_compat_fields)
{
    atomic_store(&u->ir.enabled, false);
    struct vtd_irq o = send(0x0018, 0xfee0300cull, 0x8141);
    ck_assert_int_eq(o.outcome, VTD_IRQ_PASSTHROUGH);
    ck_assert_uint_eq(o.dest, 0x03);
    ck_assert_uint_eq(o.rh, 1);
    ck_assert_uint_eq(o.dm, 1);
    ck_assert_uint_eq(o.vector, 0x41);
    ck_assert_uint_eq(o.dlm, 1);
    ck_assert_uint_eq(o.tm, 1);
    ck_assert(!o.x2apic);
    /* A remappable-format request is also passed through with IRES=0. */
    o = send(0x0018, raddr(5, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_PASSTHROUGH);
}
END_TEST

START_TEST(test_non_interrupt_address_is_einval)
{
    struct vtd_msi_req r = { .sid = 1, .sid_valid = true,
                             .addr = 0xfed00000ull, .data = 0 };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), -EINVAL);
    r.addr = 0x1fee00000ull;
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), -EINVAL);
    ck_assert_int_eq(vtd_interrupt(u, NULL, &o), -EINVAL);
    ck_assert_int_eq(vtd_interrupt(NULL, &r, &o), -EINVAL);
}
END_TEST

/* 5.1.4: compatibility format with IRES=1 and CFIS=0 -> 25h. */
START_TEST(test_compat_blocked_25h_when_cfis_clear)
{
    struct vtd_irq o = send(0x0018, 0xfee01000ull, 0x30);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_COMPAT);
}
END_TEST

/* 5.1.4: CFIS=1 and EIME=0 -> processed without remapping. */
START_TEST(test_compat_passes_with_cfis_in_xapic_mode)
{
    ir_on(true);
    struct vtd_irq o = send(0x0018, 0xfee01000ull, 0x30);
    ck_assert_int_eq(o.outcome, VTD_IRQ_PASSTHROUGH);
    ck_assert_uint_eq(o.dest, 0x01);
    ck_assert_uint_eq(o.vector, 0x30);
}
END_TEST

/* 5.1.4: EIME=1 blocks compatibility format even with CFIS=1 -> 25h. */
START_TEST(test_compat_blocked_25h_with_eime_despite_cfis)
{
    set_irta(irta_val(TBL, true, 7));
    ir_on(true);
    struct vtd_irq o = send(0x0018, 0xfee01000ull, 0x30);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_COMPAT);
}
END_TEST

/* EIME without ECAP.EIM is not honoured (11.4.9.x): compat passes. */
START_TEST(test_eime_ignored_without_ecap_eim)
{
    vtd_iommu_free(u);
    /* full profile with ECAP.EIM (bit 4) cleared */
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    u = fake_unit(h, cap, ecap & ~(1ull << 4));
    set_irta(irta_val(TBL, true, 7));
    ir_on(true);
    struct vtd_irq o = send(0x0018, 0xfee01000ull, 0x30);
    ck_assert_int_eq(o.outcome, VTD_IRQ_PASSTHROUGH);
    /* and DST is decoded in xAPIC form: APIC id in bits 47:40 */
    put_irte(2, rlo(0x4200, 0x66, 0, 0, 0, 0, 0), 0);
    o = send(0x0018, raddr(2, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.dest, 0x42);
    ck_assert(!o.x2apic);
}
END_TEST

/* ---- remapped format (VT-d 9.9) ---- */

/* xAPIC: DST bits 47:40 hold APIC id 0x7c (DST field 0x7c00). */
START_TEST(test_remapped_xapic_fields)
{
    put_irte(14, rlo(0x7c00, 0x55, 4, 1, 1, 1, 0), rhi(0, 0, 0));
    struct vtd_irq o = send(0x0018, raddr(14, false), 0x213d);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.dest, 0x7c);
    ck_assert_uint_eq(o.vector, 0x55);
    ck_assert_uint_eq(o.dlm, 4);
    ck_assert_uint_eq(o.tm, 1);
    ck_assert_uint_eq(o.rh, 1);
    ck_assert_uint_eq(o.dm, 1);
    ck_assert_uint_eq(o.index, 14);
    ck_assert(!o.x2apic);
}
END_TEST

/* x2APIC (EIME=1): DST 63:32 is the 32-bit APIC id. */
START_TEST(test_remapped_x2apic_dest_is_32bit)
{
    set_irta(irta_val(TBL, true, 7));
    put_irte(3, rlo(0x12345678, 0xa0, 0, 0, 0, 0, 0), 0);
    struct vtd_irq o = send(0x0018, raddr(3, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.dest, 0x12345678);
    ck_assert_uint_eq(o.vector, 0xa0);
    ck_assert(o.x2apic);
}
END_TEST

/* xAPIC mode reserves DST 39:32 and 63:48 -> 24h. */
START_TEST(test_xapic_mode_reserves_dst_low_and_high_24h)
{
    put_irte(1, rlo(0x00000034, 0x40, 0, 0, 0, 0, 0), 0); /* bits 39:32 */
    put_irte(2, rlo(0x00010000, 0x40, 0, 0, 0, 0, 0), 0); /* bit 48 */
    ck_assert_uint_eq(send(0, raddr(1, false), 0).fault, VTD_FR_IR_RSVD);
    ck_assert_uint_eq(send(0, raddr(2, false), 0).fault, VTD_FR_IR_RSVD);
    /* the same entries are legal in x2APIC mode */
    set_irta(irta_val(TBL, true, 7));
    vtd_ir_inv_iec_(u, true, 0, 0);
    ck_assert_int_eq(send(0, raddr(1, false), 0).outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(send(0, raddr(2, false), 0).dest, 0x00010000);
}
END_TEST

/* Table 13: handle[15] comes from address bit 2. */
START_TEST(test_handle_bit15_from_address_bit2)
{
    teardown();
    h = fake_host_new(TBL + 0x100000 + 0x1000);
    u = fake_unit_profile(h, "full");
    set_irta(irta_val(TBL, false, 15)); /* 64K entries */
    ir_on(false);
    put_irte(0x8003, rlo(0x0100, 0x77, 0, 0, 0, 0, 0), 0);
    put_irte(0x0003, rlo(0x0200, 0x33, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(raddr(0x8003, false), 0xfee00074ull);
    struct vtd_irq o = send(0, raddr(0x8003, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.vector, 0x77);
    ck_assert_uint_eq(o.index, 0x8003);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x33);
}
END_TEST

/* 5.1.3: SHV=1 -> interrupt_index = handle + subhandle (data[15:0]). */
START_TEST(test_shv_adds_subhandle)
{
    put_irte(7, rlo(0x0100, 0x47, 0, 0, 0, 0, 0), 0);
    struct vtd_irq o = send(0, raddr(4, true), 3);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.index, 7);
    ck_assert_uint_eq(o.vector, 0x47);
}
END_TEST

/* Table 14: SHV=1 with data[31:16] != 0 -> 20h. */
START_TEST(test_shv_reserved_data_bits_20h)
{
    put_irte(4, rlo(0x0100, 0x47, 0, 0, 0, 0, 0), 0);
    struct vtd_irq o = send(0, raddr(4, true), 0x10000);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_REQ_RSVD);
}
END_TEST

/* Table 14: with SHV=0 the data is ignored entirely. */
START_TEST(test_shv_clear_ignores_data)
{
    put_irte(4, rlo(0x0100, 0x47, 0, 0, 0, 0, 0), 0);
    struct vtd_irq o = send(0, raddr(4, false), 0xffff0005u);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.index, 4);
}
END_TEST

/* 5.1.3: IRTA.S=3 -> 16 entries; index 16 (and handle+subhandle past
 * it) -> 21h; index 15 is the last valid one. */
START_TEST(test_index_beyond_table_21h)
{
    set_irta(irta_val(TBL, false, 3));
    put_irte(15, rlo(0x0100, 0x50, 0, 0, 0, 0, 0), 0);
    put_irte(16, rlo(0x0100, 0x51, 0, 0, 0, 0, 0), 0);
    ck_assert_int_eq(send(0, raddr(15, false), 0).outcome,
                     VTD_IRQ_REMAPPED);
    struct vtd_irq o = send(0, raddr(16, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_INDEX);
    ck_assert_uint_eq(send(0, raddr(10, true), 6).fault, VTD_FR_IR_INDEX);
    /* handle 0xffff + subhandle 0xffff overflows 16 bits: still 21h */
    set_irta(irta_val(TBL, false, 15));
    ck_assert_uint_eq(send(0, raddr(0xffff, true), 0xffff).fault,
                      VTD_FR_IR_INDEX);
}
END_TEST

/* Table 15: IRTE above the host address width -> 21h. */
START_TEST(test_irte_above_haw_21h)
{
    teardown();
    h = fake_host_new(RAM_SIZE);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .haw = 39 };
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, NULL, 0),
                     0);
    set_irta(irta_val(1ull << 39, false, 7));
    ir_on(false);
    ck_assert_uint_eq(send(0, raddr(0, false), 0).fault, VTD_FR_IR_INDEX);
}
END_TEST

/* Table 15: error reading the table -> 23h (table outside guest RAM). */
START_TEST(test_irte_read_error_23h)
{
    set_irta(irta_val(0x40000000ull, false, 7));
    struct vtd_irq o = send(0, raddr(1, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_TABLE_ACCESS);
}
END_TEST

/* Table 15: P=0 -> 22h. */
START_TEST(test_not_present_22h)
{
    put_irte(9, rlo(0x0100, 0x50, 0, 0, 0, 0, 0) & ~1ull, 0);
    struct vtd_irq o = send(0, raddr(9, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_NOT_PRESENT);
    ck_assert_uint_eq(o.index, 9);
}
END_TEST

/* 9.9: reserved bits 14:12, 31:24 (low) and 127:84 (high) -> 24h, each
 * one on its own; AVAIL 11:8 is ignored. */
START_TEST(test_reserved_irte_bits_24h)
{
    static const unsigned lo_bits[] = { 12, 13, 14, 24, 25, 28, 31 };
    static const unsigned hi_bits[] = { 84 - 64, 90 - 64, 100 - 64,
                                        127 - 64 };
    uint64_t base = rlo(0x0100, 0x50, 0, 0, 0, 0, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(lo_bits); i++) {
        put_irte(i, base | 1ull << lo_bits[i], 0);
        ck_assert_uint_eq(send(0, raddr(i, false), 0).fault, VTD_FR_IR_RSVD);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(hi_bits); i++) {
        put_irte(32 + i, base, 1ull << hi_bits[i]);
        ck_assert_uint_eq(send(0, raddr(32 + i, false), 0).fault,
                          VTD_FR_IR_RSVD);
    }
    put_irte(40, base | 0xf00, 0);
    ck_assert_int_eq(send(0, raddr(40, false), 0).outcome,
                     VTD_IRQ_REMAPPED);
}
END_TEST

/* 9.9: SVT=11b is reserved -> 24h. */
START_TEST(test_svt_reserved_encoding_24h)
{
    put_irte(5, rlo(0x0100, 0x50, 0, 0, 0, 0, 0), rhi(0x0018, 0, 3));
    ck_assert_uint_eq(send(0x0018, raddr(5, false), 0).fault,
                      VTD_FR_IR_RSVD);
}
END_TEST

/* 9.10: IM=1 on a unit without CAP.PI is a reserved bit -> 24h. */
START_TEST(test_posted_mode_without_pi_24h)
{
    vtd_iommu_free(u);
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    u = fake_unit(h, cap & ~(1ull << 59), ecap);
    set_irta(irta_val(TBL, false, 7));
    ir_on(false);
    put_irte(6, 1ull | 1ull << 15 | 0x40ull << 16 | 0x20000ull << 32, 0);
    ck_assert_uint_eq(send(0, raddr(6, false), 0).fault, VTD_FR_IR_RSVD);
}
END_TEST

/* ---- source-id validation (VT-d 9.9 SVT/SQ/SID) ---- */

/* SVT=01b SQ=00b compares all 16 bits. */
START_TEST(test_sid_exact_match_else_26h)
{
    put_irte(5, rlo(0x0100, 0x50, 0, 0, 0, 0, 0), rhi(0x0318, 0, 1));
    ck_assert_int_eq(send(0x0318, raddr(5, false), 0).outcome,
                     VTD_IRQ_REMAPPED);
    struct vtd_irq o = send(0x0319, raddr(5, false), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_BLOCKED);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_SID);
}
END_TEST

/* SQ masks, by hand from 9.9: SQ=01b ignores bit 2, 10b bits 2:1,
 * 11b bits 2:0.  IRTE SID = 0x0318 (00:03.0 on bus 3). */
START_TEST(test_sq_encodings)
{
    static const struct { unsigned sq; uint16_t sid; bool ok; } t[] = {
        { 0, 0x0318, true },  { 0, 0x031c, false }, { 0, 0x0319, false },
        { 1, 0x031c, true },  { 1, 0x031a, false }, { 1, 0x0319, false },
        { 2, 0x031e, true },  { 2, 0x031a, true },  { 2, 0x0319, false },
        { 3, 0x031f, true },  { 3, 0x0319, true },  { 3, 0x0320, false },
        { 3, 0x0418, false },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        put_irte(i, rlo(0x0100, 0x50, 0, 0, 0, 0, 0), rhi(0x0318, t[i].sq, 1));
        struct vtd_irq o = send(t[i].sid, raddr(i, false), 0);
        ck_assert_msg(t[i].ok ? o.outcome == VTD_IRQ_REMAPPED
                              : o.fault == VTD_FR_IR_SID,
                      "row %u: sq %u sid 0x%x", i, t[i].sq, t[i].sid);
    }
}
END_TEST

/* SVT=10b: StartBus = SID[15:8] <= bus <= EndBus = SID[7:0]. */
START_TEST(test_svt_bus_range)
{
    static const struct { uint16_t sid; bool ok; } t[] = {
        { 0x0200, false }, { 0x0300, true }, { 0x04ff, true },
        { 0x0507, true },  { 0x0600, false },
    };
    put_irte(5, rlo(0x0100, 0x50, 0, 0, 0, 0, 0), rhi(0x0305, 0, 2));
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        struct vtd_irq o = send(t[i].sid, raddr(5, false), 0);
        ck_assert_msg(t[i].ok ? o.outcome == VTD_IRQ_REMAPPED
                              : o.fault == VTD_FR_IR_SID,
                      "sid 0x%x", t[i].sid);
    }
}
END_TEST

/* A request that carries no requester id has nothing to verify: SVT,
 * SQ and SID are not evaluated, not even the reserved SVT=11b (the QEMU
 * oracle's reading, case-0196 IRTE 8 and case-0053 IRTE 9). */
START_TEST(test_missing_sid_skips_validation)
{
    put_irte(5, rlo(0x0100, 0x50, 0, 0, 0, 0, 0), rhi(0x0318, 0, 1));
    put_irte(6, rlo(0x0100, 0x51, 0, 0, 0, 0, 0), rhi(0x008a, 1, 3));
    struct vtd_msi_req r = { .sid_valid = false, .addr = raddr(5, false) };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.vector, 0x50);
    r.addr = raddr(6, false);
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    ck_assert_int_eq(o.outcome, VTD_IRQ_REMAPPED);
    ck_assert_uint_eq(o.vector, 0x51);
    /* the same entries with a requester id: 26h and 24h */
    ck_assert_uint_eq(send(0x0000, raddr(5, false), 0).fault, VTD_FR_IR_SID);
    ck_assert_uint_eq(send(0x008a, raddr(6, false), 0).fault, VTD_FR_IR_RSVD);
}
END_TEST

/* ---- fault recording (VT-d 5.1.4.1 Table 15, 7.2, 11.4.14) ---- */

/* A 22h fault is written to FRCD0: F (bit 127), FR 103:96 = 22h, SID
 * 79:64, and the interrupt index in FI bits 63:48. */
START_TEST(test_fault_record_holds_reason_sid_and_index)
{
    put_irte(9, 0, 0);
    struct vtd_irq o = send(0x0318, raddr(9, false), 0);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_NOT_PRESENT);
    ck_assert(o.recorded);
    uint64_t lo = rd64(u, u->fro), hi = rd64(u, u->fro + 8);
    ck_assert_uint_eq(hi >> 63, 1);
    ck_assert_uint_eq((hi >> 32) & 0xff, 0x22);
    ck_assert_uint_eq(hi & 0xffff, 0x0318);
    ck_assert_uint_eq(lo >> 48, 9);
}
END_TEST

/* FPD=1 suppresses the qualified 22h, 24h and 26h; 21h is not qualified
 * and is recorded whatever the entry says (it has no entry). */
START_TEST(test_fpd_suppresses_only_qualified_faults)
{
    const uint64_t fpd = 1ull << 1;
    put_irte(1, fpd, 0);                                       /* P=0 */
    put_irte(2, rlo(0x0100, 0x50, 0, 0, 0, 0, 1) | 1ull << 12, 0); /* rsvd */
    put_irte(3, rlo(0x0100, 0x50, 0, 0, 0, 0, 1), rhi(0x0700, 0, 1));
    struct vtd_irq o = send(0x0101, raddr(1, false), 0);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_NOT_PRESENT);
    ck_assert(!o.recorded);
    o = send(0x0102, raddr(2, false), 0);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_RSVD);
    ck_assert(!o.recorded);
    o = send(0x0103, raddr(3, false), 0);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_SID);
    ck_assert(!o.recorded);
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    ck_assert_uint_eq(st.faults_suppressed, 3);
    ck_assert_uint_eq(st.faults_recorded, 0);
    set_irta(irta_val(TBL, false, 0)); /* 2 entries */
    o = send(0x0104, raddr(3, false), 0);
    ck_assert_uint_eq(o.fault, VTD_FR_IR_INDEX);
    ck_assert(o.recorded);
    /* the same not-present entry without FPD is recorded */
    put_irte(1, 0, 0);
    vtd_ir_inv_iec_(u, true, 0, 0);
    o = send(0x0105, raddr(1, false), 0);
    ck_assert(o.recorded);
}
END_TEST

/* ---- interrupt entry cache (VT-d 6.4, 6.5.2.8) ---- */

/* A changed IRTE keeps its cached value until invalidated. */
START_TEST(test_iec_stale_until_global_invalidation)
{
    put_irte(3, rlo(0x0100, 0x31, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x31);
    put_irte(3, rlo(0x0100, 0x32, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x31);
    vtd_ir_inv_iec_(u, true, 0, 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x32);
}
END_TEST

/* Index-selective with IM=1 covers the two entries 4 and 5 (IIDX 5
 * aligned down); entry 6 stays stale. */
START_TEST(test_iec_index_selective_with_mask)
{
    for (unsigned i = 4; i <= 6; i++)
        put_irte(i, rlo(0x0100, 0x40 + i, 0, 0, 0, 0, 0), 0);
    for (unsigned i = 4; i <= 6; i++)
        ck_assert_uint_eq(send(0, raddr(i, false), 0).vector, 0x40 + i);
    for (unsigned i = 4; i <= 6; i++)
        put_irte(i, rlo(0x0100, 0x80 + i, 0, 0, 0, 0, 0), 0);
    vtd_ir_inv_iec_(u, false, 5, 1);
    ck_assert_uint_eq(send(0, raddr(4, false), 0).vector, 0x84);
    ck_assert_uint_eq(send(0, raddr(5, false), 0).vector, 0x85);
    ck_assert_uint_eq(send(0, raddr(6, false), 0).vector, 0x46);
    vtd_ir_inv_iec_(u, false, 6, 0);
    ck_assert_uint_eq(send(0, raddr(6, false), 0).vector, 0x86);
}
END_TEST

/* A not-present entry is not cached: making it present takes effect. */
START_TEST(test_iec_does_not_cache_not_present)
{
    put_irte(8, 0, 0);
    ck_assert_uint_eq(send(0, raddr(8, false), 0).fault,
                      VTD_FR_IR_NOT_PRESENT);
    put_irte(8, rlo(0x0100, 0x58, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(8, false), 0).vector, 0x58);
}
END_TEST

/* 6.7: SIRTP without CAP.ESIRTPS leaves the cache alone; with ESIRTPS it
 * invalidates it. */
START_TEST(test_sirtp_flushes_iec_only_with_esirtps)
{
    put_irte(3, rlo(0x0100, 0x31, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x31);
    put_irte(3, rlo(0x0100, 0x32, 0, 0, 0, 0, 0), 0);
    set_irta(irta_val(TBL, false, 7));
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x31);

    vtd_iommu_free(u);
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("full", &cap, &ecap), 0);
    u = fake_unit(h, cap | 1ull << 62, ecap);
    set_irta(irta_val(TBL, false, 7));
    ir_on(false);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x32);
    put_irte(3, rlo(0x0100, 0x33, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x32);
    set_irta(irta_val(TBL, false, 7));
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x33);
}
END_TEST

/* Concurrency: readers hammer the cache while the main thread rewrites
 * IRTEs and invalidates them (index-selective, sometimes global) as the
 * invalidation queue would, under u->lock.  After each invalidation the
 * main thread must see the new entry: a reader's fill that read the old
 * entry before the invalidation must not land after it.  Run under TSan
 * too (build with -Db_sanitize=thread). */
static _Thread_local bool is_reader;

static int atomic_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct fake_host *fh = opaque;
    if (gpa >= fh->size || len > fh->size - gpa || (gpa & 7) || (len & 7))
        return -EFAULT;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = __atomic_load_n((uint64_t *)(void *)(fh->ram + gpa + i),
                                     __ATOMIC_SEQ_CST);
        memcpy((uint8_t *)buf + i, &v, 8); /* little-endian host */
    }
    if (is_reader)
        sched_yield(); /* widen the read-to-fill window */
    return 0;
}

static _Atomic bool stop_readers;

static void *reader(void *arg)
{
    (void)arg;
    unsigned bad = 0;
    is_reader = true;
    while (!atomic_load(&stop_readers)) {
        for (unsigned i = 0; i < 64; i++) {
            struct vtd_msi_req r = { .sid = 0x18, .sid_valid = true,
                                     .addr = raddr(i, false) };
            struct vtd_irq o;
            if (vtd_interrupt(u, &r, &o) != 0 ||
                o.outcome != VTD_IRQ_REMAPPED)
                bad++;
        }
    }
    return (void *)(uintptr_t)bad;
}

START_TEST(test_iec_invalidation_races_fills)
{
    static struct vtd_host_ops ops;
    ops = *fake_host_ops();
    ops.read = atomic_read;
    vtd_iommu_free(u);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    set_irta(irta_val(TBL, false, 7));
    ir_on(false);
    for (unsigned i = 0; i < 64; i++)
        put_irte(i, rlo(0x0100, 0x20, 0, 0, 0, 0, 0), 0);
    atomic_store(&stop_readers, false);
    pthread_t th[3];
    for (unsigned t = 0; t < 3; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, reader, NULL), 0);
    for (unsigned round = 1; round <= 3000; round++) {
        unsigned idx = round % 64;
        uint8_t vec = (uint8_t)(0x20 + round % 200);
        __atomic_store_n((uint64_t *)(void *)(h->ram + TBL + idx * 16),
                         rlo(0x0100, vec, 0, 0, 0, 0, 0), __ATOMIC_SEQ_CST);
        pthread_mutex_lock(&u->lock);
        vtd_ir_inv_iec_(u, round % 10 == 0, (uint16_t)idx, 0);
        pthread_mutex_unlock(&u->lock);
        struct vtd_irq o = send(0x18, raddr(idx, false), 0);
        ck_assert_uint_eq(o.vector, vec);
        for (unsigned k = 0; k < 4; k++) {
            sched_yield();
            o = send(0x18, raddr(idx, false), 0);
            ck_assert_uint_eq(o.vector, vec);
        }
    }
    atomic_store(&stop_readers, true);
    for (unsigned t = 0; t < 3; t++) {
        void *bad;
        pthread_join(th[t], &bad);
        ck_assert_ptr_null(bad);
    }
}
END_TEST

/* Lint (cfg.lint): a stale cached IRTE is reported as VTD_EV_CACHE_STALE
 * "iec"; every request ends with one VTD_EV_INTERRUPT event. */
static unsigned n_stale, n_intr;
static unsigned last_intr_outcome;

static void on_trace(void *opaque, const struct vtd_event *ev)
{
    (void)opaque;
    if (ev->kind == VTD_EV_CACHE_STALE && ev->what &&
        strcmp(ev->what, "iec") == 0)
        n_stale++;
    if (ev->kind == VTD_EV_INTERRUPT) {
        n_intr++;
        last_intr_outcome = (unsigned)ev->val[1];
    }
}

START_TEST(test_lint_reports_missing_iec_invalidation)
{
    static struct vtd_host_ops ops;
    ops = *fake_host_ops();
    ops.trace = on_trace;
    n_stale = n_intr = 0;
    vtd_iommu_free(u);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .lint = true };
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, h, &u, NULL, 0), 0);
    set_irta(irta_val(TBL, false, 7));
    ir_on(false);
    put_irte(3, rlo(0x0100, 0x31, 0, 0, 0, 0, 0), 0);
    send(0, raddr(3, false), 0);
    send(0, raddr(3, false), 0); /* hit, table unchanged: no report */
    ck_assert_uint_eq(n_stale, 0);
    put_irte(3, rlo(0x0100, 0x32, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x31);
    ck_assert_uint_eq(n_stale, 1);
    vtd_ir_inv_iec_(u, false, 3, 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x32);
    ck_assert_uint_eq(n_stale, 1);
    ck_assert_uint_eq(n_intr, 4);
    ck_assert_uint_eq(last_intr_outcome, VTD_IRQ_REMAPPED);
}
END_TEST

/* Guest data never breaks the unit: random tables, IRTA values, enable
 * bits and requests (xorshift, fixed seed) always give a defined outcome,
 * and blocked requests carry an interrupt-remapping reason (Table 15). */

START_TEST(test_random_guest_data_gives_defined_outcomes)
{
    for (unsigned i = 0; i < 256; i++)
        put_irte(i, rnd() & (rnd() | 1), rnd() & rnd() & rnd());
    /* a few descriptors in RAM, some outside */
    for (unsigned i = 0; i < 64; i++)
        put_irte(i, (rnd() & 0xffffffc0000000ffull) | 1ull << 15 | 1,
                 rnd() & 0xff0000000000ffffull);
    /* and some well-formed ones: remapped 200-215, posted 216-231 to a
     * zeroed (valid) descriptor */
    for (unsigned i = 200; i < 216; i++)
        put_irte(i, rlo(0x0100, (uint8_t)(0x20 + i), 0, 0, 0, 0, 0), 0);
    for (unsigned i = 216; i < 232; i++)
        put_irte(i, 1ull | 1ull << 15 | (uint64_t)i << 16 |
                        (0x30000ull >> 6) << 38, 0);
    unsigned seen[5] = { 0 };
    for (unsigned n = 0; n < 50000; n++) {
        if (n % 1000 == 0) {
            uint64_t irta = TBL | (rnd() & 0x80f);
            set_irta(irta);
            ir_on(rnd() & 1);
            atomic_store(&u->ir.enabled, (rnd() & 7) != 0);
            if (rnd() & 1)
                vtd_ir_inv_iec_(u, true, 0, 0);
        }
        struct vtd_msi_req r = { .sid = (uint16_t)rnd(),
                                 .sid_valid = rnd() & 1,
                                 .addr = 0xfee00000ull |
                                         (rnd() & ((n & 1) ? 0xfffff : 0x1ffd)),
                                 .data = (uint32_t)(rnd() & (rnd() | 0xffff)) };
        struct vtd_irq o;
        ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
        ck_assert(o.outcome >= VTD_IRQ_PASSTHROUGH &&
                  o.outcome <= VTD_IRQ_BLOCKED);
        seen[o.outcome]++;
        if (o.outcome == VTD_IRQ_BLOCKED)
            ck_assert(o.fault >= 0x20 && o.fault <= 0x28);
        else
            ck_assert_uint_eq(o.fault, 0);
    }
    /* the mix really exercised every outcome */
    for (unsigned k = VTD_IRQ_PASSTHROUGH; k <= VTD_IRQ_BLOCKED; k++)
        ck_assert_msg(seen[k] > 0, "outcome %u never produced", k);
}
END_TEST

/* cache=VTD_CACHE_NONE: every request reads the table. */
START_TEST(test_cache_none_sees_every_change)
{
    teardown();
    h = fake_host_new(RAM_SIZE);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .cache = VTD_CACHE_NONE };
    ck_assert_int_eq(vtd_iommu_new(&cfg, fake_host_ops(), h, &u, NULL, 0),
                     0);
    set_irta(irta_val(TBL, false, 7));
    ir_on(false);
    put_irte(3, rlo(0x0100, 0x31, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x31);
    put_irte(3, rlo(0x0100, 0x32, 0, 0, 0, 0, 0), 0);
    ck_assert_uint_eq(send(0, raddr(3, false), 0).vector, 0x32);
}
END_TEST

/* Reset clears IRES and the latched table: requests pass through. */
START_TEST(test_reset_disables_remapping)
{
    put_irte(3, rlo(0x0100, 0x31, 0, 0, 0, 0, 0), 0);
    ck_assert_int_eq(send(0, raddr(3, false), 0).outcome, VTD_IRQ_REMAPPED);
    vtd_iommu_reset(u);
    ck_assert_int_eq(send(0, raddr(3, false), 0).outcome,
                     VTD_IRQ_PASSTHROUGH);
    ck_assert_uint_eq(atomic_load(&u->ir.irta), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("intremap");
    TCase *tc = tcase_create("intremap");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* check's default 4 s is too short for the thread tests on a loaded
     * two-core machine (three readers spin against the main thread). */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ir_disabled_passes_through_compat_fields);
    tcase_add_test(tc, test_non_interrupt_address_is_einval);
    tcase_add_test(tc, test_compat_blocked_25h_when_cfis_clear);
    tcase_add_test(tc, test_compat_passes_with_cfis_in_xapic_mode);
    tcase_add_test(tc, test_compat_blocked_25h_with_eime_despite_cfis);
    tcase_add_test(tc, test_eime_ignored_without_ecap_eim);
    tcase_add_test(tc, test_remapped_xapic_fields);
    tcase_add_test(tc, test_remapped_x2apic_dest_is_32bit);
    tcase_add_test(tc, test_xapic_mode_reserves_dst_low_and_high_24h);
    tcase_add_test(tc, test_handle_bit15_from_address_bit2);
    tcase_add_test(tc, test_shv_adds_subhandle);
    tcase_add_test(tc, test_shv_reserved_data_bits_20h);
    tcase_add_test(tc, test_shv_clear_ignores_data);
    tcase_add_test(tc, test_index_beyond_table_21h);
    tcase_add_test(tc, test_irte_above_haw_21h);
    tcase_add_test(tc, test_irte_read_error_23h);
    tcase_add_test(tc, test_not_present_22h);
    tcase_add_test(tc, test_reserved_irte_bits_24h);
    tcase_add_test(tc, test_svt_reserved_encoding_24h);
    tcase_add_test(tc, test_posted_mode_without_pi_24h);
    tcase_add_test(tc, test_sid_exact_match_else_26h);
    tcase_add_test(tc, test_sq_encodings);
    tcase_add_test(tc, test_svt_bus_range);
    tcase_add_test(tc, test_missing_sid_skips_validation);
    tcase_add_test(tc, test_fault_record_holds_reason_sid_and_index);
    tcase_add_test(tc, test_fpd_suppresses_only_qualified_faults);
    tcase_add_test(tc, test_iec_stale_until_global_invalidation);
    tcase_add_test(tc, test_iec_index_selective_with_mask);
    tcase_add_test(tc, test_iec_does_not_cache_not_present);
    tcase_add_test(tc, test_sirtp_flushes_iec_only_with_esirtps);
    tcase_add_test(tc, test_iec_invalidation_races_fills);
    tcase_add_test(tc, test_lint_reports_missing_iec_invalidation);
    tcase_add_test(tc, test_random_guest_data_gives_defined_outcomes);
    tcase_add_test(tc, test_cache_none_sees_every_change);
    tcase_add_test(tc, test_reset_disables_remapping);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
