/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_tables.c: random guest memory around valid structures (issue
 * 8).  A valid machine state is built first - legacy or scalable root and
 * context tables, PASID directory and table, 4-level second-stage and
 * first-stage tables, an interrupt remapping table with remapped and
 * posted entries, an invalidation queue - and the input then mutates
 * bytes of those structures and issues DMA, interrupt and invalidation
 * requests; and (issue 17's paths) page requests into a page request
 * queue, ATS translation requests, device-TLB invalidations answered,
 * mis-answered or never answered by the endpoints, and the unit clock
 * that times them out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/ats.h>
#include <vtd/layout.h>

#include "fuzz_common.h"

#define RT 0x10000u     /* root table */
#define CT 0x11000u     /* context table (legacy) / lower (scalable) */
#define PD 0x12000u     /* PASID directory */
#define PT 0x13000u     /* PASID table */
#define S4 0x20000u     /* second stage: PML4, PDPT, PD, PT pages */
#define F4 0x30000u     /* first stage: PML4, PDPT, PD, PT pages */
#define IRT 0x40000u    /* interrupt remapping table, 256 entries */
#define IQ 0x50000u     /* invalidation queue, 4 KiB */
#define PID 0x60000u    /* posted-interrupt descriptors */
#define REGION_LO RT
#define REGION_HI 0x61000u
#define PRQ 0x70000u    /* page request queue, 4 KiB (outside REGION) */

/* The endpoints behind SIDs 0-7 have device-TLBs (ATS, 4.3): their
 * Invalidate Requests are kept here until the input answers them; SIDs
 * 8-15 have none (-ENODEV); SID fail_sid's requests cannot be delivered
 * (-EIO: the unit reports a time-out, FSTS.ITE). */
static struct { uint16_t sid; uint8_t itag; } pend[64];
static unsigned npend;
static int fail_sid;

static int devtlb_inval(void *opaque, const struct vtd_devtlb_inv *inv)
{
    (void)opaque;
    if (inv->sid == fail_sid)
        return -EIO;
    if (inv->sid >= 8)
        return -ENODEV;
    if (npend < 64) {
        pend[npend].sid = inv->sid;
        pend[npend].itag = (uint8_t)inv->itag;
        npend++;
    }
    return 0;
}

static void page_response(void *opaque, const struct vtd_page_resp *r)
{
    (void)opaque;
    (void)r;
}

static const struct vtd_host_ops *ops(void)
{
    static struct vtd_host_ops o;
    if (!o.version) {
        o = *fz_mem_ops();
        o.version = VTD_HOST_OPS_VERSION;
        o.devtlb_inval = devtlb_inval;
        o.page_response = page_response;
    }
    return &o;
}

static void wq(struct fz_mem *m, uint64_t a, uint64_t v)
{
    memcpy(m->ram + a, &v, 8);
}

/* Store n encoded qwords at a; the encoders of <vtd/entries.h> refuse a
 * value wider than its field, which these fixed structures never have. */
static void wqs(struct fz_mem *m, uint64_t a, const uint64_t *q, unsigned n,
                bool ok)
{
    if (!ok)
        abort();
    for (unsigned i = 0; i < n; i++)
        wq(m, a + 8 * i, q[i]);
}

static void build_state(struct fz_mem *m, bool scalable)
{
    uint64_t q[8];
    /* VT-d 9.1/9.2 root entry for bus 0 (scalable: the lower half). */
    if (!scalable)
        wqs(m, RT, q, 2, vtd_root_entry_encode(
            q, &(struct vtd_root_entry){ .present = true, .ctp = CT }));
    else
        wqs(m, RT, q, 2, vtd_sm_root_entry_encode(
            q, &(struct vtd_sm_root_entry){ .lp = true, .lctp = CT }));
    for (unsigned devfn = 0; devfn < 8; devfn++) {
        if (!scalable) {
            /* 9.3: second stage, 4-level (AW=2); devfn 7 pass-through;
             * DID devfn + 1. */
            struct vtd_context_entry ce = {
                .present = true, .ssptptr = S4, .aw = 2,
                .tt = devfn == 7 ? VTD_TT_PT : VTD_TT_SS,
                .did = (uint16_t)(devfn + 1),
            };
            wqs(m, CT + 16 * devfn, q, 2, vtd_context_entry_encode(q, &ce));
        } else {
            /* 9.4: PASIDE, PDTS=0, the PASID directory; RID_PASID =
             * devfn; even functions also DTE and PRE. */
            struct vtd_sm_context_entry ce = {
                .present = true, .paside = true, .pasid_dir = PD,
                .dte = !(devfn & 1), .pre = !(devfn & 1),
                .rid_pasid = devfn,
            };
            wqs(m, CT + 32 * devfn, q, 4,
                vtd_sm_context_entry_encode(q, &ce));
        }
    }
    if (scalable) {
        /* 9.5: PASIDs 0-63. */
        wqs(m, PD, q, 1, vtd_pasid_dir_entry_encode(
            q, &(struct vtd_pasid_dir_entry){ .present = true,
                                              .pasid_table = PT }));
        for (unsigned p = 0; p < 8; p++) {
            /* 9.6: AW=2, PGTT 1 FS, 2 SS, 3 nested, 4 PT; DID p + 1;
             * SRE and the first-stage table. */
            struct vtd_pasid_entry pe = {
                .present = true, .aw = 2, .pgtt = 1 + p % 4,
                .ssptptr = S4, .did = (uint16_t)(p + 1), .sre = true,
                .fsptptr = F4,
            };
            wqs(m, PT + 64 * p, q, 8, vtd_pasid_entry_encode(q, &pe));
        }
    }
    /* Second stage (9.8): PML4[0] -> PDPT[0] -> PD[0] -> PT[0..15], RW;
     * PD[1] a 2 MiB leaf; PT[i] R = bit 0 and W = bit 1 of i. */
    for (unsigned l = 0; l < 3; l++)
        wqs(m, S4 + 0x1000 * l, q, 1, vtd_ss_entry_encode(
            q, &(struct vtd_ss_entry){ .r = true, .w = true,
                                       .addr = S4 + 0x1000 * (l + 1) }));
    wqs(m, S4 + 0x2000 + 8, q, 1, vtd_ss_entry_encode(
        q, &(struct vtd_ss_entry){ .r = true, .w = true, .ps = true,
                                   .addr = VTD_PAGE_2M }));
    for (unsigned i = 0; i < 16; i++)
        wqs(m, S4 + 0x3000 + 8 * i, q, 1, vtd_ss_entry_encode(
            q, &(struct vtd_ss_entry){ .r = i & 1, .w = i & 2,
                                       .addr = 0x80000 + 0x1000 * i }));
    /* First stage (9.7, x86-64): P, RW, US at each level. */
    for (unsigned l = 0; l < 3; l++)
        wqs(m, F4 + 0x1000 * l, q, 1, vtd_fs_entry_encode(
            q, &(struct vtd_fs_entry){ .p = true, .rw = true, .us = true,
                                       .addr = F4 + 0x1000 * (l + 1) }));
    for (unsigned i = 0; i < 16; i++)
        wqs(m, F4 + 0x3000 + 8 * i, q, 1, vtd_fs_entry_encode(
            q, &(struct vtd_fs_entry){ .p = true, .rw = true, .us = true,
                                       .addr = 0x1000 * i }));
    /* IRTEs: even entries remapped (9.9; xAPIC destination i), odd posted
     * (9.10) to the descriptor PID + 64 * i. */
    for (unsigned i = 0; i < 32; i++) {
        bool ok;
        if (i & 1) {
            struct vtd_irte_posted e = { .present = true,
                                         .vector = (uint8_t)(0x30 + i),
                                         .pid = PID + 64 * i };
            ok = vtd_irte_posted_encode(q, &e);
        } else {
            struct vtd_irte_remapped e = { .present = true,
                                           .vector = (uint8_t)(0x40 + i) };
            ok = vtd_irte_remapped_encode(q, &e);
            q[0] = VTD_PUT_(q[0], IRTE_LO, DST_X, i, &ok);
        }
        wqs(m, IRT + 16 * i, q, 2, ok);
    }
    /* 9.11 posted-interrupt descriptors: notification vector 0xf0-0xf7. */
    for (unsigned i = 0; i < 32; i++)
        wqs(m, PID + 64 * i, q, 8, vtd_pid_encode(
            q, &(struct vtd_pid){ .nv = (uint8_t)(0xf0 + (i & 7)) }));
}

static void program(struct vtd_iommu *u, bool scalable)
{
    /* 11.4.6 RTADDR (TTM=01 scalable), 11.4.4 GCMD one command at a time. */
    vtd_mmio_write(u, VTD_REG_RTADDR, 8,
                   RT | (scalable ? VTD_TTM_SCALABLE << VTD_RTADDR_TTM_SHIFT : 0));
    vtd_mmio_write(u, VTD_REG_GCMD, 4, VTD_GCMD_SRTP);
    vtd_mmio_write(u, VTD_REG_IQA, 8, IQ | (scalable ? VTD_IQA_DW_MASK : 0));
    vtd_mmio_write(u, VTD_REG_GCMD, 4, VTD_GCMD_QIE);
    vtd_mmio_write(u, VTD_REG_IRTA, 8,                    /* 256 IRTEs */
                   IRT | 7u << VTD_IRTA_S_SHIFT);
    vtd_mmio_write(u, VTD_REG_GCMD, 4, VTD_GCMD_QIE | VTD_GCMD_SIRTP);
    vtd_mmio_write(u, VTD_REG_GCMD, 4, VTD_GCMD_QIE | VTD_GCMD_IRE);
    vtd_mmio_write(u, VTD_REG_GCMD, 4,
                   VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_TE);
    /* 11.4.11: the page request queue (4 KiB), its event unmasked. */
    vtd_mmio_write(u, VTD_REG_PQA, 8, PRQ);
    vtd_mmio_write(u, VTD_REG_PECTL, 4, 0);
}

/* 11.4.11.2: PQT stays a 32-byte-aligned offset inside the queue. */
static void check_prq(struct vtd_iommu *u)
{
    uint64_t pqt = 0;
    vtd_mmio_read(u, VTD_REG_PQT, 8, &pqt);
    if (pqt % 32 || pqt >= 4096)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = { data, size };
    struct fz_mem mem = { .ram = fz_ram() };
    if (!mem.ram)
        return 0;
    unsigned sel = (unsigned)fz_take(&f, 1);
    bool scalable = sel & 1;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full",
                              .cache = (sel & 2) ? VTD_CACHE_NONE
                                                 : VTD_CACHE_HARDWARE,
                              .lint = (sel & 4) != 0 };
    struct vtd_iommu *u = NULL;
    npend = 0;
    fail_sid = (sel & 0x70) == 0x70 ? (int)((sel >> 3) & 1) * 2 : -1;
    if (vtd_iommu_new(&cfg, ops(), &mem, &u, NULL, 0) < 0) {
        return 0;
    }
    build_state(&mem, scalable);
    program(u, scalable);
    uint32_t tail = 0;
    for (unsigned op = 0; op < 1024 && f.n; op++) {
        unsigned kind = (unsigned)fz_take(&f, 1);
        switch (kind % 6) {
        case 0:
        case 1: { /* mutate a byte of the structures */
            uint32_t a = REGION_LO +
                         (uint32_t)(fz_take(&f, 3) % (REGION_HI - REGION_LO));
            mem.ram[a] = (uint8_t)fz_take(&f, 1);
            break;
        }
        case 2: {
            struct vtd_dma_req r = {
                .sid = (uint16_t)(fz_take(&f, 1) & 0x0f),
                .pasid = (kind & 0x80) ? (uint32_t)fz_take(&f, 1) % 70
                                       : VTD_NO_PASID,
                .iova = fz_take(&f, 1) & 0x80 ? fz_take(&f, 8)
                                              : fz_take(&f, 3) & 0x2fffff,
                .size = 1 + (uint32_t)fz_take(&f, 1) % 64,
                .access = 1 + (uint32_t)fz_take(&f, 1) % 15,
                .at = (enum vtd_at)(fz_take(&f, 1) % 3),
            };
            struct vtd_xlate x;
            vtd_translate(u, &r, &x);
            break;
        }
        case 3: {
            uint32_t idx = (uint32_t)fz_take(&f, 1) % 40;
            struct vtd_msi_req r = {
                .sid = (uint16_t)fz_take(&f, 2),
                .sid_valid = !(kind & 0x80),
                .addr = VTD_MSI_ADDR_BASE |
                        ((idx & 0x7fff) << VTD_MSI_ADDR_HANDLE_LO_SHIFT) |
                        VTD_MSI_ADDR_IF_MASK |
                        (fz_take(&f, 1) & (VTD_MSI_ADDR_SHV_MASK |
                                           VTD_MSI_ADDR_HANDLE_HI_MASK)),
                .data = (uint32_t)fz_take(&f, 2),
            };
            struct vtd_irq o;
            vtd_interrupt(u, &r, &o);
            break;
        }
        case 4: { /* one queued-invalidation descriptor, then the tail */
            unsigned dsz = scalable ? 32 : 16;
            uint64_t q0 = fz_take(&f, 8), q1 = fz_take(&f, 8);
            q0 = (q0 & ~VTD_QD_TYPE_LO_MASK) |            /* types 1-9 */
                 (1 + (kind >> 4) % 9) << VTD_QD_TYPE_LO_SHIFT;
            wq(&mem, IQ + tail, q0);
            wq(&mem, IQ + tail + 8, q1);
            tail = (tail + dsz) % 4096;
            vtd_mmio_write(u, VTD_REG_IQT, 8, tail);
            break;
        }
        default:
            switch ((kind / 6) % 8) {
            case 0:
            case 1:
            case 2: /* register-based invalidation or a GCMD write */
                if (kind & 0x80)
                    vtd_mmio_write(u, VTD_REG_CCMD, 8,
                                   fz_take(&f, 8) | VTD_CCMD_ICC_MASK);
                else
                    vtd_mmio_write(u, VTD_REG_GCMD, 4,
                                   (uint32_t)fz_take(&f, 4));
                break;
            case 3: { /* a page request (7.4.1) */
                struct vtd_page_req r = {
                    .sid = (uint16_t)(fz_take(&f, 1) & 0x0f),
                    .pasid = (kind & 0x80) ? (uint32_t)fz_take(&f, 1) % 70
                                           : VTD_NO_PASID,
                    .addr = fz_take(&f, 3) << VTD_PAGE_SHIFT,
                    .access = (uint32_t)fz_take(&f, 1) % 16,
                    .prgi = (uint16_t)(fz_take(&f, 2) % 512),
                    .lpig = kind & 0x40,
                };
                struct vtd_page_req_result o;
                vtd_page_request(u, &r, &o);
                check_prq(u);
                break;
            }
            case 4: { /* software: consume the queue, clear PRS */
                uint64_t v = 0;
                vtd_mmio_read(u, VTD_REG_PQT, 8, &v);
                if (kind & 0x80)
                    v = fz_take(&f, 2);
                vtd_mmio_write(u, VTD_REG_PQH, 8, v);
                vtd_mmio_write(u, VTD_REG_PRS, 4, (uint32_t)fz_take(&f, 1));
                break;
            }
            case 5: { /* an ATS translation request (4.1.1) */
                struct vtd_ats_req r = {
                    .version = VTD_ATS_REQ_VERSION,
                    .sid = (uint16_t)(fz_take(&f, 1) & 0x0f),
                    .pasid = (kind & 0x80) ? (uint32_t)fz_take(&f, 1) % 70
                                           : VTD_NO_PASID,
                    .iova = fz_take(&f, 1) & 0x80 ? fz_take(&f, 8)
                                                  : fz_take(&f, 3) & 0x2fffff,
                    .nw = kind & 0x40,
                };
                struct vtd_ats_cpl c;
                vtd_ats_translate(u, &r, &c);
                break;
            }
            case 6: { /* an endpoint answers (4.3): its own or any ITags */
                unsigned i = (unsigned)fz_take(&f, 1);
                uint32_t itags;
                uint16_t sid;
                if (npend && !(kind & 0x80)) {
                    i %= npend;
                    sid = pend[i].sid;
                    itags = 1u << pend[i].itag;
                    pend[i] = pend[--npend];
                } else {
                    sid = (uint16_t)(i & 0x0f);
                    itags = (uint32_t)fz_take(&f, 4);
                }
                bool acc;
                vtd_ats_inval_complete(u, sid, itags,
                                       (unsigned)fz_take(&f, 1) % 8, &acc);
                break;
            }
            default: /* time passes (6.5.2.11 time-outs) */
                vtd_clock_advance(u, fz_take(&f, 4) << 10);
                break;
            }
            break;
        }
    }
    fz_check_fault_accounting(u);
    /* 4.3: at most 32 ITags outstanding. */
    if (vtd_ats_pending(u, NULL, 0, NULL) > 32)
        abort();
    vtd_iommu_free(u);
    return 0;
}
