/* SPDX-License-Identifier: MIT */
/*
 * tests/test_layout.c: <vtd/layout.h> and the public register names.
 *
 * The CAP and ECAP positions below are transcribed by hand from the field
 * tables of VT-d rev. 5.10, 11.4.2 (Capability Register) and 11.4.3
 * (Extended Capability Register), highest bit first as the spec lists
 * them, not from the header.  Entry encodings are composed here from the
 * bit positions of chapters 5, 6 and 9.
 */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

#include "check_main.h"

struct spec_field {
    const char *name;
    unsigned hi, lo;       /* as printed in the spec's "Bits" column */
    unsigned shift, len;   /* as <vtd/layout.h> declares it */
};

#define HDR(reg, fld) #fld, VTD_##reg##_##fld##_SHIFT, VTD_##reg##_##fld##_LEN

/* 11.4.2, rev. 5.10.  Not listed: 58:57, 38, 23 (DEP), 15:13 and 3 are
 * reserved/deprecated. */
static const struct {
    const char *name;
    unsigned hi, lo;
    const char *hname;
    unsigned shift, len;
} cap_spec[] = {
    { "ESRTPS", 63, 63, HDR(CAP, ESRTPS) },
    { "ESIRTPS", 62, 62, HDR(CAP, ESIRTPS) },
    { "ECMDS", 61, 61, HDR(CAP, ECMDS) },
    { "FS5LP", 60, 60, HDR(CAP, FS5LP) },
    { "PI", 59, 59, HDR(CAP, PI) },
    { "FS1GP", 56, 56, HDR(CAP, FS1GP) },
    { "DRD", 55, 55, HDR(CAP, DRD) },
    { "DWD", 54, 54, HDR(CAP, DWD) },
    { "MAMV", 53, 48, HDR(CAP, MAMV) },
    { "NFR", 47, 40, HDR(CAP, NFR) },
    { "PSI", 39, 39, HDR(CAP, PSI) },
    { "SLLPS", 37, 34, HDR(CAP, SLLPS) },   /* "SSLPS" in rev. 5.10 */
    { "FRO", 33, 24, HDR(CAP, FRO) },
    { "ZLR", 22, 22, HDR(CAP, ZLR) },
    { "MGAW", 21, 16, HDR(CAP, MGAW) },
    { "SAGAW", 12, 8, HDR(CAP, SAGAW) },
    { "CM", 7, 7, HDR(CAP, CM) },
    { "PHMR", 6, 6, HDR(CAP, PHMR) },
    { "PLMR", 5, 5, HDR(CAP, PLMR) },
    { "RWBF", 4, 4, HDR(CAP, RWBF) },
    { "ND", 2, 0, HDR(CAP, ND) },
};

/* 11.4.3, rev. 5.10.  Not listed: 63, 54, 32, 27, 19:18 reserved; 28, 24,
 * 5 deprecated. */
static const struct {
    const char *name;
    unsigned hi, lo;
    const char *hname;
    unsigned shift, len;
} ecap_spec[] = {
    { "IRREQ", 62, 62, HDR(ECAP, IRREQ) },
    { "EIMER", 61, 61, HDR(ECAP, EIMER) },
    { "RDTS", 60, 60, HDR(ECAP, RDTS) },
    { "HPT1GPS", 59, 59, HDR(ECAP, HPT1GPS) },
    { "SMS", 58, 58, HDR(ECAP, SMS) },
    { "SSIRWS", 57, 57, HDR(ECAP, SSIRWS) },
    { "PTRS", 56, 56, HDR(ECAP, PTRS) },
    { "HPTS", 55, 55, HDR(ECAP, HPTS) },
    { "RPRIVS", 53, 53, HDR(ECAP, RPRIVS) },
    { "ADMS", 52, 52, HDR(ECAP, ADMS) },
    { "PMS", 51, 51, HDR(ECAP, PMS) },
    { "TDXCS", 50, 50, HDR(ECAP, TDXCS) },
    { "RPS", 49, 49, HDR(ECAP, RPS) },
    { "SMPWCS", 48, 48, HDR(ECAP, SMPWCS) },
    { "FSTS", 47, 47, HDR(ECAP, FSTS) },
    { "SSTS", 46, 46, HDR(ECAP, SSTS) },
    { "SSADS", 45, 45, HDR(ECAP, SSADS) },
    { "VCS", 44, 44, HDR(ECAP, VCS) },
    { "SMTS", 43, 43, HDR(ECAP, SMTS) },
    { "PDS", 42, 42, HDR(ECAP, PDS) },
    { "DIT", 41, 41, HDR(ECAP, DIT) },
    { "PASID", 40, 40, HDR(ECAP, PASID) },
    { "PSS", 39, 35, HDR(ECAP, PSS) },
    { "EAFS", 34, 34, HDR(ECAP, EAFS) },
    { "NWFS", 33, 33, HDR(ECAP, NWFS) },
    { "SRS", 31, 31, HDR(ECAP, SRS) },
    { "ERS", 30, 30, HDR(ECAP, ERS) },
    { "PRS", 29, 29, HDR(ECAP, PRS) },
    { "NEST", 26, 26, HDR(ECAP, NEST) },
    { "MTS", 25, 25, HDR(ECAP, MTS) },
    { "MHMV", 23, 20, HDR(ECAP, MHMV) },
    { "IRO", 17, 8, HDR(ECAP, IRO) },
    { "SC", 7, 7, HDR(ECAP, SC) },
    { "PT", 6, 6, HDR(ECAP, PT) },
    { "EIM", 4, 4, HDR(ECAP, EIM) },
    { "IR", 3, 3, HDR(ECAP, IR) },
    { "DT", 2, 2, HDR(ECAP, DT) },
    { "QI", 1, 1, HDR(ECAP, QI) },
    { "C", 0, 0, HDR(ECAP, C) },
};

#define CHECK_TABLE(t)                                                     \
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {                         \
        ck_assert_str_eq(t[i].name, t[i].hname);                           \
        ck_assert_msg(t[i].shift == t[i].lo &&                             \
                      t[i].len == t[i].hi - t[i].lo + 1,                   \
                      "%s: header %u+%u, spec [%u:%u]", t[i].name,         \
                      t[i].shift, t[i].len, t[i].hi, t[i].lo);             \
    }

START_TEST(test_cap_positions_match_spec_11_4_2)
{
    CHECK_TABLE(cap_spec);
}
END_TEST

START_TEST(test_ecap_positions_match_spec_11_4_3)
{
    CHECK_TABLE(ecap_spec);
}
END_TEST

static void collect(void *opaque, const char *text)
{
    g_string_append_printf(opaque, "%s\n", text);
}

/* `vtdemu caps` prints every field at the spec's position: one bit set
 * at a time, the decoder must name the field the spec puts there. */
START_TEST(test_capdesc_names_each_spec_bit)
{
    for (size_t i = 0; i < G_N_ELEMENTS(ecap_spec); i++) {
        GString *s = g_string_new(NULL);
        uint64_t ecap = 1ULL << ecap_spec[i].lo;
        ck_assert_int_eq(vtd_describe_caps(0, ecap, 0x10, 0, 0, collect, s),
                         0);
        char want[64];
        if (ecap_spec[i].hi == ecap_spec[i].lo)
            snprintf(want, sizeof(want), "%-8s [%u]", ecap_spec[i].name,
                     ecap_spec[i].lo);
        else
            snprintf(want, sizeof(want), "%-8s [%u:%u]", ecap_spec[i].name,
                     ecap_spec[i].hi, ecap_spec[i].lo);
        const char *at = strstr(s->str, want);
        ck_assert_msg(at != NULL, "missing \"%s\" in:\n%s", want, s->str);
        ck_assert_msg(strstr(at, "= 0x1 ") == at + 18, "%s not set: %.60s",
                      ecap_spec[i].name, at);
        g_string_free(s, TRUE);
    }
    /* ADMS, the defect of issue 15: bit 52, not 51 (51 is PMS). */
    GString *s = g_string_new(NULL);
    vtd_describe_caps(0, 1ULL << 52, 0x10, 0, 0, collect, s);
    ck_assert_ptr_nonnull(strstr(s->str, "ADMS     [52]     = 0x1"));
    ck_assert_ptr_nonnull(strstr(s->str, "PMS      [51]     = 0x0"));
    g_string_free(s, TRUE);
}
END_TEST

START_TEST(test_field_set_refuses_wider_values)
{
    uint64_t v = 0xffff000000000000ULL;
    /* CE_HI.DID is 16 bits at 8 (9.3). */
    ck_assert(VTD_FIELD_SET(&v, CE_HI, DID, 0xabcd));
    ck_assert_uint_eq(v, 0xffff000000abcd00ULL);
    ck_assert(!VTD_FIELD_SET(&v, CE_HI, DID, 0x10000));
    ck_assert_uint_eq(v, 0xffff000000abcd00ULL);    /* unchanged */
    ck_assert_uint_eq(VTD_FIELD_GET(v, CE_HI, DID), 0xabcd);
    /* A one-bit field takes 0 and 1 only. */
    ck_assert(!VTD_FIELD_SET(&v, CE_LO, P, 2));
    ck_assert(VTD_FIELD_SET(&v, CE_LO, P, 1));
    ck_assert_uint_eq(v & 1, 1);
    ck_assert_uint_eq(VTD_CE_HI_DID_MASK, 0x0000000000ffff00ULL);
    ck_assert_uint_eq(VTD_CAP_NFR_MASK, 0x0000ff0000000000ULL);
}
END_TEST

START_TEST(test_root_and_context_encoders)
{
    uint64_t q[4];
    /* 9.1: P bit 0, CTP 63:12. */
    struct vtd_root_entry re = { true, 0x12345000 };
    ck_assert(vtd_root_entry_encode(q, &re));
    ck_assert_uint_eq(q[0], 0x12345001ULL);
    ck_assert_uint_eq(q[1], 0);
    re.ctp = 0x12345800;        /* not 4 KiB aligned */
    ck_assert(!vtd_root_entry_encode(q, &re));
    /* 9.3: lo P 0, FPD 1, TT 3:2, SSPTPTR 63:12; hi AW 2:0, DID 23:8. */
    struct vtd_context_entry ce = { .present = true, .fpd = true,
                                    .tt = VTD_TT_PT, .ssptptr = 0x7000,
                                    .aw = 2, .did = 0x42 };
    ck_assert(vtd_context_entry_encode(q, &ce));
    ck_assert_uint_eq(q[0], 0x7000ULL | 8 | 2 | 1);
    ck_assert_uint_eq(q[1], 0x4202ULL);
    struct vtd_context_entry back;
    vtd_context_entry_decode(q, &back);
    ck_assert(back.present && back.fpd && back.tt == VTD_TT_PT &&
              back.ssptptr == 0x7000 && back.aw == 2 && back.did == 0x42);
    ce.tt = 4;
    ck_assert(!vtd_context_entry_encode(q, &ce));
    /* 9.2: LP 0, LCTP 63:12; UP 64, UCTP 127:76. */
    struct vtd_sm_root_entry sre = { true, false, 0x11000, 0x12000 };
    ck_assert(vtd_sm_root_entry_encode(q, &sre));
    ck_assert_uint_eq(q[0], 0x11001ULL);
    ck_assert_uint_eq(q[1], 0x12000ULL);
    /* 9.4: P 0, FPD 1, DTE 2, PASIDE 3, PRE 4, PDTS 11:9, PASIDDIRPTR
     * 63:12; RID_PASID 83:64, RID_PRIV 84. */
    struct vtd_sm_context_entry sce = { .present = true, .paside = true,
                                        .pdts = 5, .pasid_dir = 0x13000,
                                        .rid_pasid = 0xfffff,
                                        .rid_priv = true };
    ck_assert(vtd_sm_context_entry_encode(q, &sce));
    ck_assert_uint_eq(q[0], 0x13000ULL | (5u << 9) | 8 | 1);
    ck_assert_uint_eq(q[1], 0x1fffffULL);
    ck_assert_uint_eq(q[2] | q[3], 0);
    sce.rid_pasid = 0x100000;
    ck_assert(!vtd_sm_context_entry_encode(q, &sce));
}
END_TEST

START_TEST(test_pasid_encoders)
{
    uint64_t q[8];
    /* 9.5: P 0, FPD 1, SMPTBLPTR 63:12. */
    struct vtd_pasid_dir_entry de = { true, true, 0x14000 };
    ck_assert(vtd_pasid_dir_entry_encode(q, &de));
    ck_assert_uint_eq(q[0], 0x14003ULL);
    /* 9.6: q0 P 0, AW 4:2, PGTT 8:6, SSPTPTR 63:12; q1 DID 15:0, PWSNP
     * 23; q2 SRE 0, FSPM 3:2, WPE 4, EAFE 7, FSPTPTR 63:12. */
    struct vtd_pasid_entry pe = { .present = true, .aw = 2,
                                  .pgtt = VTD_PGTT_NESTED,
                                  .ssptptr = 0x20000, .did = 7,
                                  .pwsnp = true, .sre = true, .fspm = 1,
                                  .wpe = true, .eafe = true,
                                  .fsptptr = 0x30000 };
    ck_assert(vtd_pasid_entry_encode(q, &pe));
    ck_assert_uint_eq(q[0], 0x20000ULL | (3u << 6) | (2u << 2) | 1);
    ck_assert_uint_eq(q[1], (1u << 23) | 7);
    ck_assert_uint_eq(q[2], 0x30000ULL | 0x80 | 0x10 | 0x4 | 1);
    for (int i = 3; i < 8; i++)
        ck_assert_uint_eq(q[i], 0);
    struct vtd_pasid_entry back;
    vtd_pasid_entry_decode(q, &back);
    ck_assert(back.pgtt == VTD_PGTT_NESTED && back.fsptptr == 0x30000 &&
              back.fspm == 1 && back.did == 7 && back.eafe);
    pe.pgtt = 8;
    ck_assert(!vtd_pasid_entry_encode(q, &pe));
}
END_TEST

START_TEST(test_paging_entry_encoders)
{
    uint64_t q;
    /* 9.8: R 0, W 1, PS 7, A 8, D 9, SNP 11, ADDR 51:12. */
    struct vtd_ss_entry ss = { .r = true, .w = true, .ps = true,
                               .addr = 0x40000000 };
    ck_assert(vtd_ss_entry_encode(&q, &ss));
    ck_assert_uint_eq(q, 0x40000083ULL);
    ss.addr = 1ULL << 52;       /* above bit 51 */
    ck_assert(!vtd_ss_entry_encode(&q, &ss));
    /* 9.7: P 0, R/W 1, U/S 2, A 5, D 6, PS 7, EA 10. */
    struct vtd_fs_entry fs = { .p = true, .us = true, .a = true,
                               .addr = 0x5000 };
    ck_assert(vtd_fs_entry_encode(&q, &fs));
    ck_assert_uint_eq(q, 0x5025ULL);
    /* Bit 63 is ignored: no XD field to decode. */
    struct vtd_fs_entry back;
    vtd_fs_entry_decode(q | (1ULL << 63), &back);
    ck_assert(back.p && !back.rw && back.us && back.addr == 0x5000);
}
END_TEST

START_TEST(test_interrupt_encoders)
{
    uint64_t q[8];
    /* 9.9: P 0, DM 2, TM 4, DLM 7:5, V 23:16, DST 63:32; SID 79:64, SQ
     * 81:80, SVT 83:82. */
    struct vtd_irte_remapped ir = { .present = true, .tm = true, .dlm = 1,
                                    .vector = 0x31, .dst = 0x0200,
                                    .sid = 0x0010, .svt = VTD_SVT_SID };
    ck_assert(vtd_irte_remapped_encode(q, &ir));
    ck_assert_uint_eq(q[0], 0x0000020000310031ULL);
    ck_assert_uint_eq(q[1], 0x40010ULL);
    /* 9.10: IM 15, URG 14, VV 23:16, PDA 31:6 in 63:38, 63:32 in 127:96. */
    struct vtd_irte_posted ip = { .present = true, .urgent = true,
                                  .vector = 0x40, .pid = 0x123456780ULL,
                                  .sid = 0x0010, .svt = VTD_SVT_SID };
    ck_assert(vtd_irte_posted_encode(q, &ip));
    ck_assert_uint_eq(q[0], (0x23456780ULL >> 6) << 38 | 0x40c001ULL);
    ck_assert_uint_eq(q[1], (1ULL << 32) | 0x40010ULL);
    ck_assert(vtd_irte_is_posted(q));
    struct vtd_irte_posted pb;
    vtd_irte_posted_decode(q, &pb);
    ck_assert_uint_eq(pb.pid, 0x123456780ULL);
    ip.pid = 0x1000 + 32;       /* not 64-byte aligned */
    ck_assert(!vtd_irte_posted_encode(q, &ip));
    /* 9.11: ON 256, SN 257, NV 279:272, NDST 319:288. */
    struct vtd_pid d = { .pir = { 1, 0, 0, 1ULL << 63 }, .on = true,
                         .nv = 0xf2, .ndst = 0x300 };
    ck_assert(vtd_pid_encode(q, &d));
    ck_assert_uint_eq(q[4], 0x0000030000f20001ULL);
    ck_assert_uint_eq(q[3], 1ULL << 63);
    /* 5.1.2.2: handle 0x8005 -> address bits 19:5 = 5, bit 2 = 1; SHV 3,
     * IF 4. */
    struct vtd_msi_remappable m = { 0x8005, true, 3 };
    uint64_t addr;
    uint32_t data;
    ck_assert(vtd_msi_remappable_encode(&addr, &data, &m));
    ck_assert_uint_eq(addr, 0xfee00000ULL | (5u << 5) | 0x10 | 0x8 | 0x4);
    ck_assert_uint_eq(data, 3);
    struct vtd_msi_remappable mb;
    ck_assert(vtd_msi_remappable_decode(addr, data, &mb));
    ck_assert(mb.handle == 0x8005 && mb.shv && mb.subhandle == 3);
    ck_assert(!vtd_msi_remappable_decode(0xfee00000ULL, 0x31, &mb));
}
END_TEST

/* Names added for issue 14, each against the spec's own numbers. */
START_TEST(test_named_ranges_and_indices)
{
    /* 3.15 / 5.1: the interrupt address range is 0xFEE0_0000-0xFEEF_FFFF. */
    ck_assert(!vtd_intr_addr(0xfedfffffULL));
    ck_assert(vtd_intr_addr(0xfee00000ULL));
    ck_assert(vtd_intr_addr(0xfeefffffULL));
    ck_assert(!vtd_intr_addr(0xfef00000ULL));
    ck_assert(!vtd_intr_addr(0x1fee00000ULL));
    struct vtd_msi_remappable mb;
    ck_assert(!vtd_msi_remappable_decode(0x1fee00010ULL, 0, &mb));
    /* 5.1.2.1 Figure 5-1: address 0xFEE0300C is destination 03h, RH and
     * DM set; data 0xC141 vector 41h, delivery mode 001b, level asserted,
     * level-triggered.  Table 14: data 31:16 reserved with SHV. */
    ck_assert_uint_eq(VTD_FIELD_GET(0xfee0300cULL, MSI_ADDR, DEST), 3);
    ck_assert_uint_eq(VTD_FIELD_GET(0xfee0300cULL, MSI_ADDR, RH), 1);
    ck_assert_uint_eq(VTD_FIELD_GET(0xfee0300cULL, MSI_ADDR, DM), 1);
    ck_assert_uint_eq(VTD_FIELD_GET(0xc141u, MSI_DATA, VECTOR), 0x41);
    ck_assert_uint_eq(VTD_FIELD_GET(0xc141u, MSI_DATA, DLM), 1);
    ck_assert_uint_eq(VTD_FIELD_GET(0xc141u, MSI_DATA, TML), 1);
    ck_assert_uint_eq(VTD_FIELD_GET(0xc141u, MSI_DATA, TM), 1);
    ck_assert_uint_eq(VTD_FIELD_GET(0x10000u, MSI_DATA, RSVD), 1);
    /* 11.4.2 SAGAW: bit 1 39-bit, bit 2 48-bit, bit 3 57-bit; 0 and 4
     * reserved.  SLLPS: bit 0 2 MiB, bit 1 1 GiB. */
    ck_assert_uint_eq(VTD_SAGAW_39 | VTD_SAGAW_48 | VTD_SAGAW_57, 0xe);
    ck_assert_uint_eq(VTD_SAGAW_RSVD, 0x11);
    ck_assert_uint_eq(VTD_SLLPS_2M | VTD_SLLPS_1G, 3);
    /* 3.4.1: source-id 0x1234 is bus 12h, device 6, function 4. */
    ck_assert_uint_eq(VTD_FIELD_GET(0x1234, SID, BUS), 0x12);
    ck_assert_uint_eq(VTD_FIELD_GET(0x1234, SID, DEVFN), 0x34);
    ck_assert_uint_eq(VTD_FIELD_GET(0x1234, SID, DEV), 6);
    ck_assert_uint_eq(VTD_FIELD_GET(0x1234, SID, FN), 4);
    char b[16];
    snprintf(b, sizeof(b), "%02x:%02x.%x", VTD_SID_BDF(0x1234));
    ck_assert_str_eq(b, "12:06.4");
    snprintf(b, sizeof(b), VTD_SID_FMT, VTD_SID_BDF(0xfffa));
    ck_assert_str_eq(b, "ff:1f.2");
    ck_assert_uint_eq(vtd_sid_make(0x12, 6, 4), 0x1234);
    ck_assert_uint_eq(vtd_sid_make(0xff, 0x1f, 7), 0xffff);
    ck_assert_uint_eq(vtd_sid_make(0x12, 0x26, 0xc), 0x1234); /* cut */
    /* 3.6, 3.7: 4 KiB pages (address bits 63:12), 2 MiB, 1 GiB. */
    ck_assert_uint_eq(VTD_PAGE_4K, 0x1000);
    ck_assert_uint_eq(VTD_PAGE_2M, 0x200000);
    ck_assert_uint_eq(VTD_PAGE_1G, 0x40000000);
    ck_assert_uint_eq(0x123456789abcULL & VTD_PAGE_MASK, 0x123456789000ULL);
    /* 9.2: devfn 85h is in the upper half, entry 5 of its table. */
    ck_assert_uint_eq(VTD_FIELD_GET(0x85, SM_DEVFN, UPPER), 1);
    ck_assert_uint_eq(VTD_FIELD_GET(0x85, SM_DEVFN, IDX), 5);
    ck_assert_uint_eq(VTD_FIELD_GET(0x7f, SM_DEVFN, UPPER), 0);
    /* 9.5: PASID 12345h: directory entry 48Dh (19:6), table entry 5. */
    ck_assert_uint_eq(VTD_FIELD_GET(0x12345, PASID, DIR), 0x48d);
    ck_assert_uint_eq(VTD_FIELD_GET(0x12345, PASID, TBL), 5);
    ck_assert_uint_eq(VTD_PASID_MAX, (1u << 20) - 1);
    /* 9.1-9.6 entry sizes: 128, 128, 256, 64 and 512 bits. */
    ck_assert_uint_eq(VTD_RE_SIZE * 8, 128);
    ck_assert_uint_eq(VTD_CE_SIZE * 8, 128);
    ck_assert_uint_eq(VTD_SCE_SIZE * 8, 256);
    ck_assert_uint_eq(VTD_PDE_SIZE * 8, 64);
    ck_assert_uint_eq(VTD_PASID_ENTRY_SIZE * 8, 512);
    /* 11.4.7.6: FI 63:48 is the interrupt index of an IR fault. */
    ck_assert_uint_eq(VTD_FIELD_GET(0xabcd000000000000ULL, FRCD_LO, IIDX),
                      0xabcd);
    /* 9.10: PDAL 63:38 holds address 31:6, PDAH 127:96 address 63:32. */
    const uint64_t q[2] = { 0x2ULL << 38, 0x7ULL << 32 };
    ck_assert_uint_eq(vtd_irte_pda(q), 0x700000080ULL);
}
END_TEST

/* The qemu-7.2 profile is what QEMU 7.2's intel-iommu reports by default
 * (aw-bits=39; the oracle traces under ../shared/oracle/qemu-7.2 record
 * these registers). */
START_TEST(test_qemu_profile_values)
{
    uint64_t cap, ecap;
    ck_assert_int_eq(vtd_profile_lookup("qemu-7.2", &cap, &ecap), 0);
    ck_assert_uint_eq(cap, 0x00d2008c22260206ULL);
    ck_assert_uint_eq(ecap, 0xf00f4aULL);
}
END_TEST

START_TEST(test_invalidation_descriptor_encoders)
{
    uint64_t q[2];
    /* 6.5.2.1: type 1, G 5:4, DID 31:16, SID 47:32, FM 49:48. */
    ck_assert(vtd_qd_cc(q, VTD_QD_CC_DEVICE, 5, 0x0100, 1));
    ck_assert_uint_eq(q[0], 0x0001010000050031ULL);
    ck_assert_uint_eq(vtd_qd_type(q), VTD_INV_CC);
    ck_assert(!vtd_qd_cc(q, 4, 5, 0x0100, 1));
    /* 6.5.2.3: type 2, G 5:4, DW 6, DR 7, DID 31:16; AM 69:64, IH 70,
     * ADDR 127:76. */
    ck_assert(vtd_qd_iotlb(q, VTD_QD_IOTLB_PAGE, 3, true, true, 0x200000,
                           9, true));
    ck_assert_uint_eq(q[0], 0x00000000000300f2ULL);
    ck_assert_uint_eq(q[1], 0x200000ULL | 0x40 | 9);
    ck_assert(!vtd_qd_iotlb(q, 3, 3, false, false, 0x200000, 64, false));
    /* 6.5.2.4: type 6, PASID 51:32. */
    ck_assert(vtd_qd_piotlb(q, VTD_QD_PIOTLB_PASID, 1, 0xabcde, 0, 0,
                            false));
    ck_assert_uint_eq(q[0], 0x000abcde00010026ULL);
    /* 6.5.2.2: type 7. */
    ck_assert(vtd_qd_pc(q, VTD_QD_PC_PASID, 1, 2));
    ck_assert_uint_eq(q[0], 0x0000000200010017ULL);
    /* 6.5.2.5: type 3, SID 47:32; hi S 64, ADDR 127:76. */
    ck_assert(vtd_qd_devtlb(q, 0x0108, 0, 0, 0x1000, false));
    ck_assert_uint_eq(q[0], 0x0000010800000003ULL);
    ck_assert_uint_eq(q[1], 0x1000ULL);
    /* PFSID 15:12 (PFSID 3:0) and 63:52 (PFSID 15:4). */
    ck_assert(vtd_qd_devtlb(q, 0x0108, 0xabcd, 0, 0x1000, false));
    ck_assert_uint_eq(q[0], 0xabc001080000d003ULL);
    ck_assert_uint_eq(vtd_qd_dev_pfsid(q), 0xabcd);
    /* 6.5.2.6: type 8 = type[3:0] 0x8. */
    ck_assert(vtd_qd_pdevtlb(q, 0x0108, 0, 1, true, 0, false));
    ck_assert_uint_eq(vtd_qd_type(q), VTD_INV_PDEVTLB);
    ck_assert_uint_eq(q[1], 1);
    /* 6.5.2.8: type 4, G 4 (1 = index), IM 31:27, IIDX 47:32. */
    ck_assert(vtd_qd_iec(q, false, 0x20, 2));
    ck_assert_uint_eq(q[0], 0x0000002010000014ULL);
    ck_assert(vtd_qd_iec(q, true, 0, 0));
    ck_assert_uint_eq(q[0], 0x4ULL);
    /* 6.5.2.9: type 5, IF 4, SW 5, FN 6, data 63:32; address 127:66. */
    ck_assert(vtd_qd_wait(q, false, true, true, false, 0x1234, 0x9000));
    ck_assert_uint_eq(q[0], 0x0000123400000065ULL);
    ck_assert_uint_eq(q[1], 0x9000ULL);
    ck_assert(!vtd_qd_wait(q, false, true, false, false, 1, 0x9002));
}
END_TEST

/* The register table of vtd/regs.c by name and by offset (VT-d 11.4
 * Table 57; IVA at ECAP.IRO * 16, FRCDs at CAP.FRO * 16). */
START_TEST(test_register_names)
{
    const uint64_t cap = 0x00d2008c22260206ULL;   /* FRO 0x22, NFR 0 */
    const uint64_t ecap = 0xf00f4aULL;            /* IRO 0xf */
    uint64_t off;
    unsigned size;
    char buf[16];
    ck_assert_int_eq(vtd_reg_lookup("GSTS", cap, ecap, &off, &size), 0);
    ck_assert_uint_eq(off, 0x1c);
    ck_assert_uint_eq(size, 4);
    ck_assert_int_eq(vtd_reg_lookup("IQA", cap, ecap, &off, &size), 0);
    ck_assert_uint_eq(off, 0x90);
    ck_assert_uint_eq(size, 8);
    ck_assert_int_eq(vtd_reg_lookup("IOTLB", cap, ecap, &off, &size), 0);
    ck_assert_uint_eq(off, 0xf8);
    ck_assert_int_eq(vtd_reg_lookup("FRCD0_HI", cap, ecap, &off, &size), 0);
    ck_assert_uint_eq(off, 0x228);
    ck_assert_int_eq(vtd_reg_lookup("FRCD1_LO", cap, ecap, &off, &size),
                     -ENOENT);
    ck_assert_int_eq(vtd_reg_lookup("NOPE", cap, ecap, &off, &size),
                     -ENOENT);
    ck_assert_int_eq(vtd_reg_lookup(NULL, cap, ecap, &off, &size), -EINVAL);
    ck_assert_int_eq(vtd_reg_name(0x18, cap, ecap, buf, sizeof(buf)), 4);
    ck_assert_str_eq(buf, "GCMD");
    ck_assert_int_eq(vtd_reg_name(0xf0, cap, ecap, buf, sizeof(buf)), 8);
    ck_assert_str_eq(buf, "IVA");
    ck_assert_int_eq(vtd_reg_name(0x220, cap, ecap, buf, sizeof(buf)), 8);
    ck_assert_str_eq(buf, "FRCD0_LO");
    ck_assert_int_eq(vtd_reg_name(0x1a, cap, ecap, buf, sizeof(buf)),
                     -ENOENT);
    ck_assert_int_eq(vtd_reg_name(0x18, cap, ecap, buf, 4), -ERANGE);
    ck_assert_int_eq(VTD_REG_IRTA, 0xb8);
    ck_assert_uint_eq(VTD_GCMD_TE, 0x80000000u);
    ck_assert_uint_eq(VTD_GSTS_RTPS, 0x40000000u);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("layout");
    TCase *tc = tcase_create("layout");
    tcase_add_test(tc, test_cap_positions_match_spec_11_4_2);
    tcase_add_test(tc, test_ecap_positions_match_spec_11_4_3);
    tcase_add_test(tc, test_capdesc_names_each_spec_bit);
    tcase_add_test(tc, test_field_set_refuses_wider_values);
    tcase_add_test(tc, test_root_and_context_encoders);
    tcase_add_test(tc, test_pasid_encoders);
    tcase_add_test(tc, test_paging_entry_encoders);
    tcase_add_test(tc, test_interrupt_encoders);
    tcase_add_test(tc, test_named_ranges_and_indices);
    tcase_add_test(tc, test_qemu_profile_values);
    tcase_add_test(tc, test_invalidation_descriptor_encoders);
    tcase_add_test(tc, test_register_names);
    suite_add_tcase(su, tc);
    return check_run(su);
}
