/* SPDX-License-Identifier: MIT */
/*
 * vtd/tests/test_intremap.c: interrupt remapping in the core (VT-d 5.1, 9.9),
 * fault reasons 20h-26h, source-id validation, EIME variants and the
 * interrupt entry cache (6.2.6, 6.5.2.7).
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

#define RAM_SIZE (2u << 20)
#define TBL 0x10000ull          /* interrupt remapping table */

static struct fake_host *h;
static struct vtd_iommu *u;

/* IRTA_REG (VT-d 11.4.9.x): address 63:12, EIME bit 11, S 3:0. */
static uint64_t irta_val(uint64_t base, bool eime, unsigned s)
{
    return base | (eime ? 1ull << 11 : 0) | s;
}

static void set_irta(uint64_t v)
{
    pthread_mutex_lock(&u->lock);
    vtd_reg_set64_(u, VTD_REG_IRTA, v);
    vtd_ir_latch_irta_locked_(u);
    pthread_mutex_unlock(&u->lock);
}

static void ir_on(bool cfi)
{
    atomic_store(&u->ir.cfi, cfi);
    atomic_store(&u->ir.enabled, true);
}

static void setup_with(uint64_t cap, uint64_t ecap, bool eime, unsigned s)
{
    h = fake_host_new(RAM_SIZE);
    if (cap || ecap)
        u = fake_unit(h, cap, ecap);
    else
        u = fake_unit_profile(h, "full");
    set_irta(irta_val(TBL, eime, s));
    ir_on(false);
}

static void setup(void)
{
    setup_with(0, 0, false, 7); /* 256 entries, xAPIC mode */
}

static void teardown(void)
{
    vtd_iommu_free(u);
    fake_host_free(h);
    u = NULL;
    h = NULL;
}

/* Remapped-format IRTE low qword, VT-d 9.9: P 0, FPD 1, DM 2, RH 3, TM 4,
 * DLM 7:5, V 23:16, DST 63:32. */
static uint64_t rlo(uint32_t dst, uint8_t vec, unsigned dlm, unsigned tm,
                    unsigned rh, unsigned dm, unsigned fpd)
{
    return 1ull | (uint64_t)fpd << 1 | (uint64_t)dm << 2 |
           (uint64_t)rh << 3 | (uint64_t)tm << 4 | (uint64_t)dlm << 5 |
           (uint64_t)vec << 16 | (uint64_t)dst << 32;
}

/* High qword, VT-d 9.9: SID 79:64, SQ 81:80, SVT 83:82. */
static uint64_t rhi(uint16_t sid, unsigned sq, unsigned svt)
{
    return (uint64_t)sid | (uint64_t)sq << 16 | (uint64_t)svt << 18;
}

static void put_irte(unsigned idx, uint64_t lo, uint64_t hi)
{
    fake_wq(h, TBL + idx * 16ull, lo);
    fake_wq(h, TBL + idx * 16ull + 8, hi);
}

/* Remappable request address, VT-d 5.1.2.2 Table 13. */
static uint64_t raddr(uint32_t handle, bool shv)
{
    return 0xfee00000ull | (uint64_t)(handle & 0x7fff) << 5 | 1u << 4 |
           (shv ? 1u << 3 : 0) | (uint64_t)((handle >> 15) & 1) << 2;
}

static struct vtd_irq send(uint16_t sid, uint64_t addr, uint32_t data)
{
    struct vtd_msi_req r = { .sid = sid, .sid_valid = true, .addr = addr,
                             .data = data };
    struct vtd_irq o;
    ck_assert_int_eq(vtd_interrupt(u, &r, &o), 0);
    return o;
}

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

/* ---- interrupt entry cache (VT-d 6.2.6, 6.5.2.7) ---- */

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
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

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
 * (6.5.2.7), and IRTA only in EIME and S (same table): a cached entry
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
            /* rewrite one IRTE, then invalidate it (6.5.2.7) */
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
    tcase_add_test(tc, test_hit_path_matches_uncached_unit);
    tcase_add_test(tc, test_reset_disables_remapping);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
