/* SPDX-License-Identifier: MIT */
/*
 * tests/test_inspect.c: state renderers (report/inspect.c).
 *
 * Every table is built by hand in fake guest memory from the entry
 * formats of VT-d 5.10 chapter 9 (root 9.1/9.2, context 9.3/9.4, PASID
 * 9.5/9.6, second-stage 9.8, IRTE 9.10); the linux-debugfs expectations
 * are written from the format strings of Linux's
 * drivers/iommu/intel/debugfs.c (6.1 and 6.7).
 */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/vtd.h>

#include <fcntl.h>
#include <unistd.h>

#include "report/inspect.h"
#include "tools/inspect_cmd.h"
#include "tools/inspect_state.h"
#include "tests/fakemem.h"
#include "check_main.h"

#define BASE 0xfed90000ULL
#define HAS(s, sub)                                                        \
    ck_assert_msg(strstr((s), (sub)) != NULL, "missing \"%s\" in:\n%s",     \
                  (sub), (s))
#define LACKS(s, sub)                                                      \
    ck_assert_msg(strstr((s), (sub)) == NULL, "unexpected \"%s\" in:\n%s",  \
                  (sub), (s))

/* Register offsets (VT-d 11.4). */
enum { GCMD = 0x18, RTADDR = 0x20, IRTA = 0xb8 };

struct fixture {
    struct fake_host *h;
    struct vtd_iommu *u;
    struct inspect_unit iu;
    struct inspect_src src;
};

static void fx_init(struct fixture *f, const char *profile)
{
    f->h = fake_host_new(0x100000);
    f->u = fake_unit_profile(f->h, profile);
    f->iu.unit = f->u;
    f->iu.base = BASE;
    f->src.units = &f->iu;
    f->src.nunits = 1;
    f->src.read = fake_host_ops()->read;
    f->src.opaque = f->h;
}

static void fx_free(struct fixture *f)
{
    vtd_iommu_free(f->u);
    fake_host_free(f->h);
}

/* Legacy tables: 00:03.0 (devfn 0x18) in domain 5, 3-level (AW=1), IOVA
 * pages 1-3 -> 0x80000-0x82fff read/write, page 5 -> 0x90000 read-only.
 * IRTE 3: vector 0x30, xAPIC destination 1 (DST 0x100), logical, RH,
 * fixed, edge; SID 00:03.0, SVT 01b. */
static void build_legacy(struct fixture *f)
{
    fake_wq(f->h, 0x10000, 0x11000 | 1);                 /* root bus 0 */
    fake_wq(f->h, 0x11000 + 0x18 * 16, 0x20000 | 1);     /* P, TT 00b */
    fake_wq(f->h, 0x11000 + 0x18 * 16 + 8, 1 | 5 << 8);  /* AW 1, DID 5 */
    fake_wq(f->h, 0x20000, 0x21000 | 3);                 /* L3[0] */
    fake_wq(f->h, 0x21000, 0x22000 | 3);                 /* L2[0] */
    fake_wq(f->h, 0x22000 + 8 * 1, 0x80000 | 3);
    fake_wq(f->h, 0x22000 + 8 * 2, 0x81000 | 3);
    fake_wq(f->h, 0x22000 + 8 * 3, 0x82000 | 3);
    fake_wq(f->h, 0x22000 + 8 * 5, 0x90000 | 1);         /* R only */
    fake_wq(f->h, 0x30000 + 16 * 3, 0x000001000030000dULL);
    fake_wq(f->h, 0x30000 + 16 * 3 + 8, 0x40018);
    wr64(f->u, RTADDR, 0x10000);
    wr32(f->u, GCMD, 0x40000000);                        /* SRTP */
    wr64(f->u, IRTA, 0x30000 | 7);                       /* 256 entries */
    wr32(f->u, GCMD, 0x01000000);                        /* SIRTP */
    wr32(f->u, GCMD, 0x02000000);                        /* IRE */
    wr32(f->u, GCMD, 0x82000000);                        /* TE, IRE */
}

static char *render(struct fixture *f, const char *format, enum linux_ver v)
{
    struct inspect_opts o;
    inspect_opts_init(&o);
    ck_assert(inspect_format_parse(format, &o));
    o.linux_ver = v;
    GString *s = g_string_new(NULL);
    ck_assert_int_eq(inspect_render(&f->src, &o, s), 0);
    return g_string_free(s, FALSE);
}

START_TEST(test_text_coalesces_mappings_into_ranges)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    char *t = render(&f, "text", LINUX_6_1);
    /* Pages 1-3 are contiguous in input and output: one 12K range. */
    HAS(t, "0x1000-0x3fff 12K rw -> 0x80000\n");
    HAS(t, "0x5000-0x5fff 4K r- -> 0x90000\n");
    HAS(t, "00:03.0 context @0x11180 = 0000000000000501:0000000000020001: "
           "TT 0 DID 5 AW 1 (39-bit 3-level)");
    /* CAP of QEMU 7.2: SAGAW bits 12:8 of 0x0206 = 0x2. */
    HAS(t, "SAGAW    [12:8]   = 0x2    39-bit 3-level");
    HAS(t, "GSTS   = 0xc3000000 (TES RTPS IRES IRTPS)");
    HAS(t, "  bus 00 root @0x10000 = 0000000000000000:0000000000011001: "
           "context table 0x11000\n");
    HAS(t, "3: remapped vector 0x30 dest 0x1 logical edge fixed RH 1 sid "
           "00:03.0 SQ 0 SVT 1");
    g_free(t);
    fx_free(&f);
}
END_TEST

/* A recorded fault is shown in Linux's words (VT-d 7.1.3: a read through
 * a not-present leaf in legacy mode is reason 6h). */
START_TEST(test_text_shows_pending_fault_in_linux_words)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    struct vtd_dma_req req = { .sid = 0x18, .pasid = VTD_NO_PASID,
                               .iova = 0x7000, .size = 4,
                               .access = VTD_ACC_READ };
    struct vtd_xlate x;
    ck_assert_int_eq(vtd_translate(f.u, &req, &x), 0);
    ck_assert_uint_eq(x.fault, 6);
    char *t = render(&f, "text", LINUX_6_1);
    HAS(t, "DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr "
           "0x7000 [fault reason 0x06] PTE Read access is not set\n");
    g_free(t);
    /* As dmar_fault() prints it: FSTS = PPF (2h), FRI 0, then record 0. */
    t = render(&f, "linux-dmesg", LINUX_6_1);
    ck_assert_str_eq(t, "DMAR: DRHD: handling fault status reg 2\n"
                        "DMAR: [DMA Read NO_PASID] Request device [00:03.0] "
                        "fault addr 0x7000 [fault reason 0x06] PTE Read "
                        "access is not set\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

START_TEST(test_json_has_ranges)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    char *t = render(&f, "json", LINUX_6_1);
    HAS(t, "\"sid\": \"00:03.0\"");
    HAS(t, "{\"iova\": \"0x1000\", \"size\": \"0x3000\", \"addr\": "
           "\"0x80000\", \"perm\": \"rw\"}");
    HAS(t, "\"RTADDR\": \"0x10000\"");
    HAS(t, "\"truncated\": false}");
    g_free(t);
    fx_free(&f);
}
END_TEST

START_TEST(test_dot_one_node_per_table_runs_collapsed)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    char *t = render(&f, "dot", LINUX_6_1);
    HAS(t, "digraph vtd {");
    HAS(t, "t20000 [label=\"second-stage L3 @0x20000|<p0> [0] -\\> L2 "
           "0x21000\"];");
    /* Slots 1-3 are one row; slot 5 its own. */
    HAS(t, "|[1-3] 3 x 4K rw -\\> 0x80000|[5] 4K r- -\\> 0x90000\"];");
    HAS(t, "t21000:p0 -> t22000;");
    HAS(t, "t11000:p24 -> t20000;");
    g_free(t);
    fx_free(&f);
}
END_TEST

START_TEST(test_debugfs_ir_translation_struct)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    char *t = render(&f, "linux-debugfs:ir_translation_struct", LINUX_6_1);
    /* " %-5d %02x:%02x.%01x %08x %02x  %016llx\t%016llx\n"; no posted
     * section (CAP.PI = 0). */
    ck_assert_str_eq(t, "Remapped Interrupt supported on IOMMU: dmar0\n"
                        " IR table address:30000\n"
                        " Entry SrcID   DstID    Vct IRTE_high\t\tIRTE_low\n"
                        " 3     00:03.0 00000100 30  0000000000040018\t"
                        "000001000030000d\n"
                        "\n"
                        "****\n"
                        "\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

/* Posted IRTE (VT-d 9.11: IM=1, PDA 63:6 split into PDA_L bits 63:38 of
 * the low half and PDA_H bits 127:96): PDA 0x1_12345640, vector 0x55.
 * Linux lists it only in the posted section (CAP.PI=1 in "full"):
 * " %-5d %02x:%02x.%01x %08x %08x %02x  %016llx\t%016llx". */
START_TEST(test_debugfs_posted_section)
{
    struct fixture f;
    fx_init(&f, "full");
    fake_wq(f.h, 0x30000 + 16 * 2, 1 | 1 << 15 | 0x55 << 16 |
                                       (0x12345640ULL >> 6) << 38);
    fake_wq(f.h, 0x30000 + 16 * 2 + 8, 0x18 | 1 << 18 | 1ULL << 32);
    wr64(f.u, IRTA, 0x30000 | 7);
    wr32(f.u, GCMD, 0x01000000);
    wr32(f.u, GCMD, 0x02000000);
    char *t = render(&f, "linux-debugfs:ir_translation_struct", LINUX_6_1);
    ck_assert_str_eq(t, "Remapped Interrupt supported on IOMMU: dmar0\n"
                        " IR table address:30000\n"
                        " Entry SrcID   DstID    Vct IRTE_high\t\tIRTE_low\n"
                        "\n"
                        "****\n"
                        "\n"
                        "Posted Interrupt supported on IOMMU: dmar0\n"
                        " IR table address:30000\n"
                        " Entry SrcID   PDA_high PDA_low  Vct IRTE_high\t\t"
                        "IRTE_low\n"
                        " 2     00:03.0 00000001 12345640 55  "
                        "0000000100040018\t1234564000558001\n"
                        "\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

/* Queued invalidation (VT-d 6.5.2): IQA 0x7000 (128-bit, 256 slots), an
 * IOTLB global invalidation (type 2h, G 01b: 0x12) and a wait descriptor
 * with status write (type 5h, SW: 0x25, data 1 in 63:32, address 0x8000),
 * IQT 0x20: the unit runs both and IQH reaches 0x20 (index 2). */
START_TEST(test_debugfs_invalidation_queue)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    wr64(f.u, 0x90, 0x7000);
    wr32(f.u, GCMD, 0x04000000);
    fake_wq(f.h, 0x7000, 0x12);
    fake_wq(f.h, 0x7010, 0x100000025ULL);
    fake_wq(f.h, 0x7018, 0x8000);
    wr64(f.u, 0x88, 0x20);
    ck_assert_uint_eq(fake_rl(f.h, 0x8000), 1);
    char *t = render(&f, "linux-debugfs:invalidation_queue", LINUX_6_1);
    const char *want =
        "Invalidation queue on IOMMU: dmar0\n"
        " Base: 0x7000\tHead: 2\tTail: 2\n"
        "Index\t\tqw0\t\t\tqw1\t\t\tstatus\n"
        "    0\t0000000000000012\t0000000000000000\t0000000000000000\n"
        "    1\t0000000100000025\t0000000000008000\t0000000000000000\n"
        "    2\t0000000000000000\t0000000000000000\t0000000000000000\n";
    ck_assert_int_eq(strncmp(t, want, strlen(want)), 0);
    HAS(t, "\n  255\t0000000000000000\t0000000000000000\t0000000000000000"
           "\n\n");
    /* 253 more rows of "%5d\t%016llx\t%016llx\t%016x\n" (57 bytes). */
    ck_assert_uint_eq(strlen(t), strlen(want) + 253 * 57 + 1);
    g_free(t);
    fx_free(&f);
}
END_TEST

/* A device-TLB invalidation waiting for its endpoint (VT-d 4.3) is shown
 * by the text and JSON renderers: ITag, endpoint, range, times. */
static int devtlb_inval_pending(void *opaque, const struct vtd_devtlb_inv *inv)
{
    (void)opaque;
    (void)inv;
    return 0;   /* the endpoint will answer (it never does here) */
}

START_TEST(test_pending_devtlb_invalidation)
{
    struct fixture f;
    f.h = fake_host_new(0x100000);
    struct vtd_host_ops ops = *fake_host_ops();
    ops.version = VTD_HOST_OPS_VERSION;
    ops.devtlb_inval = devtlb_inval_pending;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    ck_assert_int_eq(vtd_iommu_new(&cfg, &ops, f.h, &f.u, NULL, 0), 0);
    f.iu.unit = f.u;
    f.iu.base = BASE;
    f.src.units = &f.iu;
    f.src.nunits = 1;
    f.src.read = fake_host_ops()->read;
    f.src.opaque = f.h;
    wr64(f.u, RTADDR, 0x10000);
    wr32(f.u, GCMD, 0x40000000);                 /* SRTP */
    wr32(f.u, GCMD, 0x80000000);                 /* TE (legacy mode) */
    wr64(f.u, 0x90, 0x7000);                     /* IQA: 128-bit */
    wr32(f.u, GCMD, 0x84000000);                 /* TE, QIE */
    /* 6.5.2.5: device-TLB invalidate for 00:04.0, S=1 at 0x5000: 16 KiB
     * at 0x4000 (bit 12 set, bit 13 clear). */
    fake_wq(f.h, 0x7000, 0x3 | 0x20ULL << 32);
    fake_wq(f.h, 0x7008, 0x5000 | 1);
    wr64(f.u, 0x88, 0x10);                       /* IQT */
    char *t = render(&f, "text", LINUX_6_1);
    HAS(t, "device-TLB invalidation pending: ITag 0 to 00:04.0, no PASID, "
           "0x4000+0x4000, 0 completion(s) so far, issued at 0 ns, "
           "time-out at 1000000000 ns");
    g_free(t);
    char *j = render(&f, "json", LINUX_6_1);
    HAS(j, "\"devtlb_invalidations\": [{\"itag\": 0, \"sid\": \"00:04.0\", "
           "\"pasid\": null, \"global\": false, \"base\": \"0x4000\", "
           "\"size\": \"0x4000\"");
    g_free(j);
    fx_free(&f);
}
END_TEST

START_TEST(test_debugfs_iommu_regset_versions)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    char *t = render(&f, "linux-debugfs:iommu_regset", LINUX_6_1);
    ck_assert_int_eq(strncmp(t, "IOMMU: dmar0 Register Base Address: "
                                "fed90000\nName\t\t\tOffset\t\tContents\n"
                                "VER             \t0x00\t\t"
                                "0x0000000000000010\n", 95), 0);
    HAS(t, "\nRTADDR          \t0x20\t\t0x0000000000010000\n");
    HAS(t, "\nCAP             \t0x08\t\t0x00d2008c22260206\n");
    HAS(t, "\nMTRR_PHYSMASK9  \t0x218\t\t0x0000000000000000\n");
    HAS(t, "\nVCCAP           \t0xe30\t\t");
    g_free(t);
    t = render(&f, "linux-debugfs:iommu_regset", LINUX_6_7);
    LACKS(t, "VCCAP");
    HAS(t, "\nIRTA            \t0xb8\t\t0x0000000000030007\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

START_TEST(test_debugfs_dmar_translation_struct_legacy)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    char *t = render(&f, "linux-debugfs:dmar_translation_struct", LINUX_6_1);
    ck_assert_str_eq(t, "IOMMU dmar0: Root Table Address: 0x10000\n"
                        "B.D.F\tRoot_entry\t\t\t\tContext_entry\t\t\t\t"
                        "PASID\tPASID_table_entry\n"
                        "00:03.0\t0x0000000000000000:0x0000000000011001\t"
                        "0x0000000000000501:0x0000000000020001\t-1    \t"
                        "0x0000000000000000:0x0000000000000000:"
                        "0x0000000000000000\n"
                        "\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

static const char rows_61[] =
    "0x0000000000001 |\t0x0000000000000000\t0x0000000000000000\t"
    "0x0000000000021003\t0x0000000000022003\t0x0000000000080003\n"
    "0x0000000000002 |\t0x0000000000000000\t0x0000000000000000\t"
    "0x0000000000021003\t0x0000000000022003\t0x0000000000081003\n"
    "0x0000000000003 |\t0x0000000000000000\t0x0000000000000000\t"
    "0x0000000000021003\t0x0000000000022003\t0x0000000000082003\n"
    "0x0000000000005 |\t0x0000000000000000\t0x0000000000000000\t"
    "0x0000000000021003\t0x0000000000022003\t0x0000000000090001\n";

START_TEST(test_debugfs_domain_translation_struct_61_and_67)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    char *t = render(&f, "linux-debugfs:domain_translation_struct",
                     LINUX_6_1);
    char *want = g_strconcat("Device 0000:00:03.0 @0x20000\n"
                             "IOVA_PFN\t\tPML5E\t\t\tPML4E\t\t\tPDPE\t\t\t"
                             "PDE\t\t\tPTE\n", rows_61, "\n", NULL);
    ck_assert_str_eq(t, want);
    g_free(t);
    g_free(want);
    /* 6.7: "%-17s\t%-18s\t..." header, no blank line after the walk. */
    t = render(&f, "linux-debugfs:domain_translation_struct", LINUX_6_7);
    want = g_strconcat("Device 0000:00:03.0 @0x20000\n"
                       "IOVA_PFN         \tPML5E             \t"
                       "PML4E             \tPDPE              \t"
                       "PDE               \tPTE\n", rows_61, NULL);
    ck_assert_str_eq(t, want);
    g_free(t);
    g_free(want);
    fx_free(&f);
}
END_TEST

/* A pass-through context entry (TT 10b, 00:05.0, AW 1, SLPTPTR 0): Linux
 * 6.1 lists devices by domain and has no table for it; 6.7's walker reads
 * SLPTPTR and AW from any present context entry and prints its (empty)
 * table. */
START_TEST(test_debugfs_domain_passthrough_versions)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    build_legacy(&f);
    fake_wq(f.h, 0x11000 + 0x28 * 16, 1 | 2 << 2);
    fake_wq(f.h, 0x11000 + 0x28 * 16 + 8, 1 | 9 << 8);
    struct inspect_opts o;
    inspect_opts_init(&o);
    ck_assert(inspect_format_parse("linux-debugfs:domain_translation_struct",
                                   &o));
    o.has_dev = true;
    o.dev = 0x0028;
    GString *s = g_string_new(NULL);
    ck_assert_int_eq(inspect_render(&f.src, &o, s), 0);
    ck_assert_str_eq(s->str, "");
    o.linux_ver = LINUX_6_7;
    ck_assert_int_eq(inspect_render(&f.src, &o, s), 0);
    ck_assert_str_eq(s->str, "Device 0000:00:05.0 @0x0\n"
                             "IOVA_PFN         \tPML5E             \t"
                             "PML4E             \tPDPE              \t"
                             "PDE               \tPTE\n");
    g_string_free(s, TRUE);
    fx_free(&f);
}
END_TEST

/* Scalable mode (RTADDR.TTM 01b): 00:03.0's scalable context entry points
 * to a PASID directory (PDTS 0: 128 entries) whose entry 0 points to a
 * PASID table; PASID 0 is second-stage only (PGTT 010b), AW 1, DID 7,
 * over the same second-stage tables. */
static void build_scalable(struct fixture *f)
{
    fake_wq(f->h, 0x10000, 0x11000 | 1);                  /* lower ctx */
    fake_wq(f->h, 0x11000 + 0x18 * 32, 0x50000 | 1);
    fake_wq(f->h, 0x50000, 0x51000 | 1);                  /* dir[0] */
    fake_wq(f->h, 0x51000, 0x20000 | 1 | 1 << 2 | 2 << 6);
    fake_wq(f->h, 0x51000 + 8, 7);
    fake_wq(f->h, 0x20000, 0x21000 | 3);
    fake_wq(f->h, 0x21000, 0x22000 | 3);
    fake_wq(f->h, 0x22000 + 8, 0x80000 | 3);
    wr64(f->u, RTADDR, 0x10000 | 1 << 10);
    wr32(f->u, GCMD, 0x40000000);
    wr32(f->u, GCMD, 0x80000000);
}

START_TEST(test_debugfs_scalable_pasid_rows)
{
    struct fixture f;
    fx_init(&f, "full");
    build_scalable(&f);
    char *t = render(&f, "linux-debugfs:dmar_translation_struct", LINUX_6_1);
    HAS(t, "\n00:03.0\t0x0000000000000000:0x0000000000011001\t"
           "0x0000000000000000:0x0000000000050001\t0     \t"
           "0x0000000000000000:0x0000000000000007:0x0000000000020085\n");
    g_free(t);
    t = render(&f, "linux-debugfs:domain_translation_struct", LINUX_6_7);
    HAS(t, "Device 0000:00:03.0 with pasid 0 @0x20000\n");
    HAS(t, "0x0000000000001 |\t0x0000000000000000\t0x0000000000000000\t"
           "0x0000000000021003\t0x0000000000022003\t0x0000000000080003\n");
    g_free(t);
    t = render(&f, "text", LINUX_6_1);
    HAS(t, "PASID 0x0 (RID_PASID)");
    HAS(t, "0x1000-0x1fff 4K rw -> 0x80000\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

/* First stage (VT-d 9.7, PASID entry PGTT 001b, FLPM 00b: 4-level):
 * PASID 1 maps IOVA 0x2000 to 0xa0000 present, read-only, supervisor,
 * with bit 63 set, which rev. 5.10 9.7 (Tables 34-40: bits 63:52 ignored)
 * does not make execute-disable, and IOVA 0x200000 with a 2 MiB page (PS
 * in the level-2 entry) read/write, executable, supervisor (U/S clear in
 * the leaf).  Rights shown as r, w, x, u. */
START_TEST(test_text_first_stage_rights)
{
    struct fixture f;
    fx_init(&f, "full");
    build_scalable(&f);
    fake_wq(f.h, 0x51000 + 64, 1 | 1 << 6);            /* P, PGTT 001b */
    fake_wq(f.h, 0x51000 + 64 + 8, 8);                  /* DID 8 */
    fake_wq(f.h, 0x51000 + 64 + 16, 0x60000);           /* FLPTR */
    fake_wq(f.h, 0x60000, 0x61000 | 7);
    fake_wq(f.h, 0x61000, 0x62000 | 7);
    fake_wq(f.h, 0x62000, 0x63000 | 7);
    fake_wq(f.h, 0x62000 + 8, 0x200000 | 0x83);
    fake_wq(f.h, 0x63000 + 8 * 2, 0xa0000 | 1 | 1ULL << 63);
    char *t = render(&f, "text", LINUX_6_1);
    HAS(t, "PASID 0x1 @0x51040:");
    HAS(t, "PGTT first-stage DID 8");
    HAS(t, "first-stage 4-level table at 0x60000:\n"
           "        0x2000-0x2fff 4K r-x- -> 0xa0000\n"
           "        0x200000-0x3fffff 2M rwx- -> 0x200000\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

/* A page table whose every entry points to itself (4-level, AW 2) would
 * be 512^4 leaves: the walk stops at the budget and says so. */
START_TEST(test_cyclic_tables_are_bounded)
{
    struct fixture f;
    fx_init(&f, "full");
    fake_wq(f.h, 0x10000, 0x11000 | 1);
    fake_wq(f.h, 0x11000 + 0x20 * 16, 0x40000 | 1);
    fake_wq(f.h, 0x11000 + 0x20 * 16 + 8, 2 | 6 << 8);
    for (int i = 0; i < 512; i++)
        fake_wq(f.h, 0x40000 + 8 * i, 0x40000 | 3);
    wr64(f.u, RTADDR, 0x10000);
    wr32(f.u, GCMD, 0x40000000);
    const char *fmts[] = { "text", "json", "dot",
                           "linux-debugfs:domain_translation_struct" };
    for (size_t k = 0; k < G_N_ELEMENTS(fmts); k++) {
        struct inspect_opts o;
        inspect_opts_init(&o);
        ck_assert(inspect_format_parse(fmts[k], &o));
        o.budget = 20000;
        GString *s = g_string_new(NULL);
        ck_assert_int_eq(inspect_render(&f.src, &o, s), 0);
        if (k == 0)
            HAS(s->str, "(walk budget exhausted: output truncated)");
        if (k == 1)
            HAS(s->str, "\"truncated\": true}");
        g_string_free(s, TRUE);
    }
    fx_free(&f);
}
END_TEST

/* A root table outside guest RAM: said, not crashed. */
START_TEST(test_unreadable_root_is_reported)
{
    struct fixture f;
    fx_init(&f, "qemu-7.2");
    wr64(f.u, RTADDR, 0x7ffff000);
    wr32(f.u, GCMD, 0x40000000);
    char *t = render(&f, "text", LINUX_6_1);
    HAS(t, "(some guest memory was unreadable)");
    g_free(t);
    t = render(&f, "linux-debugfs:dmar_translation_struct", LINUX_6_1);
    ck_assert_str_eq(t, "DMA Remapping is not enabled on dmar0\n");
    g_free(t);
    fx_free(&f);
}
END_TEST

/* Random bytes everywhere (root, context, PASID and page tables, IRT,
 * queue): every format finishes within its budget. */
START_TEST(test_random_tables_never_crash)
{
    const char *fmts[] = {
        "text", "json", "dot", "linux-debugfs:iommu_regset",
        "linux-debugfs:dmar_translation_struct",
        "linux-debugfs:domain_translation_struct",
        "linux-debugfs:ir_translation_struct",
        "linux-debugfs:invalidation_queue",
    };
    GRand *r = g_rand_new_with_seed(9);
    for (int round = 0; round < 6; round++) {
        struct fixture f;
        fx_init(&f, "full");
        for (uint64_t a = 0; a < 0x100000; a += 8)
            fake_wq(f.h, a, ((uint64_t)g_rand_int(r) << 32 | g_rand_int(r)) &
                                (round & 1 ? 0x00000000000fffffULL
                                           : ~0ULL));
        wr64(f.u, RTADDR, (round & 2 ? 1 << 10 : 0) | 0x10000);
        wr32(f.u, GCMD, 0x40000000);
        wr64(f.u, IRTA, 0x30000 | 15);
        wr32(f.u, GCMD, 0x01000000);
        for (size_t k = 0; k < G_N_ELEMENTS(fmts); k++) {
            struct inspect_opts o;
            inspect_opts_init(&o);
            ck_assert(inspect_format_parse(fmts[k], &o));
            o.budget = 50000;
            GString *s = g_string_new(NULL);
            ck_assert_int_eq(inspect_render(&f.src, &o, s), 0);
            g_string_free(s, TRUE);
        }
        fx_free(&f);
    }
    g_rand_free(r);
}
END_TEST

/* `--at LINE`: the state after the last command on or before LINE.  Line
 * 6 latches the root table; translation is enabled only on line 7. */
START_TEST(test_state_at_line)
{
    static const char text[] =
        "vtdtrace 1\n"
        "ram 0x100000\n"
        "iommu base=0xfed90000 cap=0x00d2008c22260206 ecap=0xf00f4a\n"
        "mem write 0x10000 0110010000000000\n"
        "mmio write 0xfed90020 8 0x10000\n"
        "mmio write 0xfed90018 4 0x40000000\n"
        "mmio write 0xfed90018 4 0x80000000\n";
    struct trace *tr = NULL;
    char err[256] = "";
    ck_assert_msg(trace_parse("at.vtdt", text, strlen(text), &tr, err,
                              sizeof(err)) == 0, "%s", err);
    struct inspect_opts o;
    inspect_opts_init(&o);
    ck_assert(inspect_format_parse("linux-debugfs:dmar_translation_struct",
                                   &o));
    for (unsigned at = 6; at <= 7; at++) {
        struct inspect_state st;
        ck_assert_int_eq(inspect_state_run(tr, at, &st, err, sizeof(err)), 0);
        ck_assert_uint_eq(st.last_line, at);
        struct inspect_src src;
        inspect_state_src(&st, &src);
        GString *s = g_string_new(NULL);
        ck_assert_int_eq(inspect_render(&src, &o, s), 0);
        if (at == 6)
            ck_assert_str_eq(s->str, "DMA Remapping is not enabled on "
                                     "dmar0\n");
        else
            HAS(s->str, "IOMMU dmar0: Root Table Address: 0x10000\n");
        g_string_free(s, TRUE);
        inspect_state_free(&st);
    }
    trace_free(tr);
}
END_TEST

/* The state comes from the replay engine, so v2 IOAPIC actions count: an
 * IOAPIC whose source-id (ff:00.1) fails IRTE 0's source check (SVT=01b,
 * SID ff:00.0; VT-d 9.10) has its message blocked, and the unit records
 * fault reason 26h (VT-d 5.1.4.1 Table 15) with that SID in FRCD0
 * (11.4.14: F bit 127, FR 103:96, SID 79:64) and sets FSTS.PPF (bit 1,
 * 11.4.9).  Before the assert line nothing is recorded. */
START_TEST(test_state_has_faults_from_ioapic_messages)
{
    static const char text[] =
        "vtdtrace 2\n"
        "ram 0x10000000\n"
        "unit dmar0 base=0xfed90000 profile=full\n"
        "cpu 0\n"
        "ioapic base=0xfec00000 id=0 sid=ff:00.1\n"
        "mem write 0x300000 110041000000000000ff040000000000\n"
        "reg write IRTA 0x300003\n"
        "reg write GCMD 0x1000000\n"
        "reg write GCMD 0x2000000\n"
        "ioapic write 0x11 0x10000\n"
        "ioapic write 0x10 0x8041\n"          /* line 11 */
        "ioapic assert 0\n";                  /* line 12 */
    struct trace *tr = NULL;
    char err[256] = "";
    ck_assert_msg(trace_parse("io.vtdt", text, strlen(text), &tr, err,
                              sizeof(err)) == 0, "%s", err);
    for (unsigned at = 11; at <= 12; at++) {
        struct inspect_state st;
        ck_assert_msg(inspect_state_run(tr, at, &st, err, sizeof(err)) == 0,
                      "%s", err);
        ck_assert_uint_eq(st.last_line, at);
        ck_assert_uint_eq(st.nunits, 1);
        struct vtd_iommu *u = st.units[0].unit;
        uint64_t fsts = ~0ULL, hi = ~0ULL, off = 0;
        unsigned size = 0;
        ck_assert_int_eq(vtd_mmio_read(u, 0x34, 4, &fsts), 0);
        ck_assert(trace_reg_lookup("FRCD0_HI", vtd_iommu_cap(u),
                                   vtd_iommu_ecap(u), &off, &size));
        ck_assert_int_eq(vtd_mmio_read(u, off, 8, &hi), 0);
        if (at == 11) {
            ck_assert_uint_eq(fsts & 2, 0);
            ck_assert_uint_eq(hi >> 63, 0);
        } else {
            ck_assert_uint_eq(fsts & 2, 2);
            ck_assert_uint_eq(hi >> 63, 1);
            ck_assert_uint_eq((hi >> 32) & 0xff, 0x26);
            ck_assert_uint_eq(hi & 0xffff, 0xff01);
        }
        inspect_state_free(&st);
    }
    trace_free(tr);
}
END_TEST

START_TEST(test_format_names)
{
    struct inspect_opts o;
    inspect_opts_init(&o);
    ck_assert(inspect_format_parse("linux-debugfs:invalidation_queue", &o));
    ck_assert_int_eq(o.format, INSPECT_DEBUGFS);
    ck_assert_int_eq(o.file, DEBUGFS_INVALIDATION_QUEUE);
    ck_assert(!inspect_format_parse("linux-debugfs:nonesuch", &o));
    ck_assert(!inspect_format_parse("yaml", &o));
}
END_TEST

#ifdef ORACLE_DIR
/* The acceptance check: the Linux 6.1 guest's state replayed, its
 * ir_translation_struct is the table Linux prints.  The expected rows are
 * the IRTEs the trace's comments quote (handle -> IRTE lo/hi), laid out
 * with Linux's " %-5d %02x:%02x.%01x %08x %02x  %016llx\t%016llx". */
START_TEST(test_linux61_ir_translation_struct)
{
    struct trace *tr = NULL;
    char err[256];
    ck_assert_int_eq(trace_load(ORACLE_DIR "/linux-6.1/linux-6.1-legacy.vtdt",
                                &tr, err, sizeof(err)), 0);
    struct inspect_state st;
    ck_assert_int_eq(inspect_state_run(tr, 0, &st, err, sizeof(err)), 0);
    struct inspect_src src;
    inspect_state_src(&st, &src);
    struct inspect_opts o;
    inspect_opts_init(&o);
    ck_assert(inspect_format_parse("linux-debugfs:ir_translation_struct",
                                   &o));
    GString *s = g_string_new(NULL);
    ck_assert_int_eq(inspect_render(&src, &o, s), 0);
    const char *t = s->str;
    ck_assert_int_eq(strncmp(t, "Remapped Interrupt supported on IOMMU: "
                                "dmar0\n IR table address:4a00000\n Entry "
                                "SrcID   DstID    Vct IRTE_high\t\t"
                                "IRTE_low\n", 101), 0);
    HAS(t, "\n 0     ff:00.0 00000100 22  000000000004ff00\t"
           "000001000022000d\n");
    HAS(t, "\n 1     ff:00.0 00000100 30  000000000004ff00\t"
           "000001000030000d\n");
    HAS(t, "\n 7     ff:00.0 00000200 23  000000000004ff00\t"
           "000002000023000d\n");
    HAS(t, "\n 11    ff:00.0 00000200 22  000000000004ff00\t"
           "000002000022000d\n");
    HAS(t, "\n 16    00:01.0 00000200 27  0000000000040008\t"
           "000002000027000d\n");
    HAS(t, "\n 18    00:01.0 00000200 28  0000000000040008\t"
           "000002000028000d\n");
    HAS(t, "\n 22    00:02.0 00000100 24  0000000000040010\t"
           "000001000024000d\n");
    HAS(t, "\n 26    00:03.0 00000200 26  0000000000040018\t"
           "000002000026000d\n\n****\n\n");
    g_string_free(s, TRUE);
    inspect_state_free(&st);
    trace_free(tr);
}
END_TEST

/* The same check through the command (`vtdemu inspect`, which renders
 * from replay's state hook), its stdout captured in a file. */
START_TEST(test_linux61_ir_translation_struct_command)
{
    char tmpl[] = "/tmp/test_inspect_XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    int saved = dup(1);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fd, 1), 0);
    char a0[] = "inspect";
    char a1[] = "--format=linux-debugfs:ir_translation_struct";
    char a2[] = ORACLE_DIR "/linux-6.1/linux-6.1-legacy.vtdt";
    char *argv[] = { a0, a1, a2, NULL };
    int rc = vtdemu_cmd_inspect(3, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    ck_assert_int_eq(rc, 0);
    gchar *t = NULL;
    ck_assert(g_file_get_contents(tmpl, &t, NULL, NULL));
    unlink(tmpl);
    HAS(t, " IR table address:4a00000\n");
    HAS(t, "\n 25    00:03.0 00000100 25  0000000000040018\t"
           "000001000025000d\n");
    HAS(t, "\n 17    00:01.0 00000100 27  0000000000040008\t"
           "000001000027000d\n");
    g_free(t);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("inspect");
    TCase *tc = tcase_create("inspect");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_text_coalesces_mappings_into_ranges);
    tcase_add_test(tc, test_text_shows_pending_fault_in_linux_words);
    tcase_add_test(tc, test_json_has_ranges);
    tcase_add_test(tc, test_dot_one_node_per_table_runs_collapsed);
    tcase_add_test(tc, test_debugfs_ir_translation_struct);
    tcase_add_test(tc, test_debugfs_posted_section);
    tcase_add_test(tc, test_debugfs_invalidation_queue);
    tcase_add_test(tc, test_debugfs_iommu_regset_versions);
    tcase_add_test(tc, test_pending_devtlb_invalidation);
    tcase_add_test(tc, test_debugfs_dmar_translation_struct_legacy);
    tcase_add_test(tc, test_debugfs_domain_translation_struct_61_and_67);
    tcase_add_test(tc, test_debugfs_domain_passthrough_versions);
    tcase_add_test(tc, test_debugfs_scalable_pasid_rows);
    tcase_add_test(tc, test_text_first_stage_rights);
    tcase_add_test(tc, test_cyclic_tables_are_bounded);
    tcase_add_test(tc, test_unreadable_root_is_reported);
    tcase_add_test(tc, test_random_tables_never_crash);
    tcase_add_test(tc, test_state_at_line);
    tcase_add_test(tc, test_state_has_faults_from_ioapic_messages);
    tcase_add_test(tc, test_format_names);
#ifdef ORACLE_DIR
    tcase_add_test(tc, test_linux61_ir_translation_struct);
    tcase_add_test(tc, test_linux61_ir_translation_struct_command);
#endif
    suite_add_tcase(s, tc);
    return check_run(s);
}
