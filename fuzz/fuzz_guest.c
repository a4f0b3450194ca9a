/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_guest.c: whole guest programs (issue 18 item 4).
 *
 * The input decodes into a sequence of guest actions over 1 MiB of guest
 * memory: write a table entry (an address of the 256 guest pages plus low
 * bits, so roots point at contexts and contexts at page tables often),
 * write a raw qword, program a register (GCMD bits, RTADDR, CCMD and
 * IOTLB invalidations, queue, fault status), queue a descriptor, DMA,
 * MSI, toggle TE, reset.  The unit (QEMU 7.2 profile, legacy mode,
 * cache=none so no staleness is allowed) runs it; the oracle is a
 * reference walker written here from VT-d 9.1, 9.3 and 9.8 (not
 * vtd/walk.c): a translation the reference does not grant, at another
 * address or with rights the reference does not give, aborts; so does
 * a fault-accounting mismatch (fz_check_fault_accounting).  The
 * reference is permissive where the unit may be stricter (reserved bits,
 * widths): only a grant is checked, never a fault.
 *
 * The reference walker and the guest's entries and register values write
 * their bit positions by hand, from the spec, on purpose (the one place
 * outside the tests where issue 14's "named once in <vtd/layout.h>" does
 * not hold): an oracle built on the unit's own field table would share
 * any mistake in it and could not catch it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include <vtd/layout.h>
#include <vtd/vtd.h>

static uint64_t ldq(const uint8_t *ram, uint64_t gpa)
{
    if (gpa + 8 > FZ_MEM_SIZE)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)ram[gpa + i] << (8 * i);
    return v;
}

static void stq(uint8_t *ram, uint64_t gpa, uint64_t v)
{
    if (gpa + 8 > FZ_MEM_SIZE)
        return;
    for (int i = 0; i < 8; i++)
        ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

struct grant {
    bool ok;
    uint64_t out;    /* output address of the iova */
    unsigned perm;   /* R bit 0, W bit 1 */
};

/* The reference (legacy mode).  9.1 root entry: P bit 0, CTP 63:12.
 * 9.3 context entry: P bit 0, TT 3:2, SLPTPTR 63:12; AW 66:64 (levels
 * AW + 2).  9.8 second-stage entries: R bit 0, W bit 1, PS bit 7 at
 * levels 2 and 3, address 51:12; rights are cumulative (3.7.1). */
static struct grant ref(const uint8_t *ram, uint64_t rta, uint16_t sid,
                        uint64_t iova, bool pt_cap)
{
    struct grant g = { 0 };
    uint64_t re = ldq(ram, rta + 16ULL * (sid >> 8));
    if (!(re & 1))
        return g;
    uint64_t cb = (re & 0x000ffffffffff000ULL) + 16ULL * (sid & 0xff);
    uint64_t lo = ldq(ram, cb), hi = ldq(ram, cb + 8);
    if (!(lo & 1))
        return g;
    unsigned tt = (lo >> 2) & 3;
    if (tt == 2) {
        if (pt_cap) {
            g.ok = true;
            g.out = iova;
            g.perm = 3;
        }
        return g;
    }
    if (tt == 3)
        return g;
    int levels = (int)(hi & 7) + 2;
    if (levels < 3 || levels > 5)
        return g;
    uint64_t table = lo & 0x000ffffffffff000ULL;
    unsigned perm = 3;
    for (int level = levels; level >= 1; level--) {
        unsigned idx = (iova >> (12 + 9 * (level - 1))) & 511;
        uint64_t e = ldq(ram, table + 8ULL * idx);
        if (!(e & 3))
            return g;
        perm &= (unsigned)(e & 3);
        uint64_t addr = e & 0x000ffffffffff000ULL;
        if (level == 1 || ((level == 2 || level == 3) && (e & 0x80))) {
            uint64_t size = 1ULL << (12 + 9 * (level - 1));
            g.ok = true;
            g.out = (addr & ~(size - 1)) | (iova & (size - 1));
            g.perm = perm;
            return g;
        }
        table = addr;
    }
    return g;
}

static const uint64_t regs[] = {
    VTD_REG_GCMD, VTD_REG_RTADDR, VTD_REG_CCMD, VTD_REG_FSTS,
    VTD_REG_FECTL, VTD_REG_IQT, VTD_REG_IQA, VTD_REG_IRTA,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *ram = fz_ram();
    if (!ram)
        abort();
    struct fz_mem m = { .ram = ram };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "qemu-7.2",
                              .cache = VTD_CACHE_NONE };
    struct vtd_iommu *u = NULL;
    if (vtd_iommu_new(&cfg, fz_mem_ops(), &m, &u, NULL, 0) < 0)
        abort();
    const bool pt_cap = VTD_FIELD_GET(vtd_iommu_ecap(u), ECAP, PT);
    uint64_t iotlb = 8 + 16 * VTD_FIELD_GET(vtd_iommu_ecap(u), ECAP, IRO);
    uint64_t rta_latched = 0;
    struct fz f = { data, size };
    unsigned steps = 0;
    while (f.n && steps++ < 256) {
        unsigned op = (unsigned)fz_take(&f, 1) % 9;
        switch (op) {
        case 0: { /* table entry: page p, index i -> page q | low bits */
            uint64_t p = fz_take(&f, 1), i = fz_take(&f, 2) & 511;
            uint64_t q = fz_take(&f, 1), low = fz_take(&f, 2) & 0xfff;
            stq(ram, p * 4096 + 8 * i, q << 12 | low);
            break;
        }
        case 1: { /* context upper qword or any raw qword */
            uint64_t p = fz_take(&f, 1), i = fz_take(&f, 2) & 511;
            stq(ram, p * 4096 + 8 * i, fz_take(&f, 8));
            break;
        }
        case 2: { /* a register */
            uint64_t r = regs[fz_take(&f, 1) % (sizeof(regs) / 8)];
            uint64_t v = fz_take(&f, 8);
            if (r == VTD_REG_GCMD) {
                /* One command at a time, the others as in GSTS (11.4.4). */
                uint32_t bit = 1u << (23 + v % 9); /* CFI .. TE */
                uint64_t gsts = 0;
                vtd_mmio_read(u, VTD_REG_GSTS, 4, &gsts);
                uint32_t keep = (uint32_t)gsts &
                                (VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE |
                                 VTD_GCMD_CFI);
                if (bit == VTD_GCMD_SRTP) {
                    uint64_t rt = 0;
                    vtd_mmio_read(u, VTD_REG_RTADDR, 8, &rt);
                    rta_latched = rt & ~0xfffULL;
                    /* TTM (11:10) other than legacy: no oracle. */
                    if (rt & 0xc00)
                        rta_latched = ~0ULL;
                }
                vtd_mmio_write(u, r, 4, keep | bit);
            } else if (r == VTD_REG_RTADDR) {
                vtd_mmio_write(u, r, 8, (v & 0xff) << 12);
            } else if (r == VTD_REG_CCMD) {
                vtd_mmio_write(u, r, 8, 1ULL << 63 | (v & 3) << 61);
            } else {
                vtd_mmio_write(u, r, (v >> 63) ? 8 : 4,
                               r == VTD_REG_IQA || r == VTD_REG_IRTA
                                   ? (v & 0xff) << 12 | (v >> 8 & 0xf)
                                   : v & 0xffffffffULL);
            }
            break;
        }
        case 3: { /* IOTLB invalidation (11.4.8.1), global/domain/page */
            uint64_t v = fz_take(&f, 2);
            vtd_mmio_write(u, iotlb, 8,
                           1ULL << 63 | (uint64_t)((v & 3) ? (v & 3) : 1)
                                            << 60 |
                               (v >> 2 & 0xff) << 32);
            break;
        }
        case 4: { /* queued descriptor at the tail, then the doorbell */
            uint64_t iqa = 0, iqt = 0;
            vtd_mmio_read(u, VTD_REG_IQA, 8, &iqa);
            vtd_mmio_read(u, VTD_REG_IQT, 8, &iqt);
            uint64_t at = (iqa & ~0xfffULL) + (iqt & 0x7fff0);
            stq(ram, at, fz_take(&f, 8));
            stq(ram, at + 8, fz_take(&f, 1) << 12);
            vtd_mmio_write(u, VTD_REG_IQT, 8, (iqt + 16) & 0xff0);
            break;
        }
        case 5: { /* DMA, checked against the reference */
            uint16_t sid = (uint16_t)fz_take(&f, 2);
            uint64_t iova = fz_take(&f, 4) << 12 | (fz_take(&f, 1) << 4);
            unsigned acc = (unsigned)fz_take(&f, 1) % 3 + 1;
            struct vtd_dma_req rq = { .sid = sid, .pasid = VTD_NO_PASID,
                                      .iova = iova, .size = 4,
                                      .access = acc };
            uint64_t gsts = 0;
            vtd_mmio_read(u, VTD_REG_GSTS, 4, &gsts);
            struct vtd_xlate x;
            if (vtd_translate(u, &rq, &x) != 0)
                abort();
            if (x.fault)
                break;
            if (!(gsts & VTD_GCMD_TE)) {
                if (x.addr != iova) {
                    fprintf(stderr, "TE off: 0x%llx -> 0x%llx\n",
                            (unsigned long long)iova,
                            (unsigned long long)x.addr);
                    abort();
                }
                break;
            }
            if (rta_latched == ~0ULL)
                break;
            struct grant g = ref(ram, rta_latched, sid, iova, pt_cap);
            if (!g.ok || g.out != x.addr || (acc & ~g.perm)) {
                fprintf(stderr,
                        "isolation: sid %04x iova 0x%llx access %u: unit "
                        "0x%llx, reference %s 0x%llx perm %u\n",
                        sid, (unsigned long long)iova, acc,
                        (unsigned long long)x.addr,
                        g.ok ? "grants" : "forbids",
                        (unsigned long long)g.out, g.perm);
                abort();
            }
            break;
        }
        case 6: { /* MSI */
            struct vtd_msi_req mr = {
                .sid = (uint16_t)fz_take(&f, 2), .sid_valid = true,
                .addr = VTD_MSI_ADDR_BASE | (fz_take(&f, 3) & 0xffff0),
                .data = (uint32_t)fz_take(&f, 4),
            };
            struct vtd_irq o;
            if (vtd_interrupt(u, &mr, &o) != 0)
                abort();
            break;
        }
        case 7: { /* TE toggle */
            uint64_t gsts = 0;
            vtd_mmio_read(u, VTD_REG_GSTS, 4, &gsts);
            uint32_t keep = (uint32_t)gsts &
                            (VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI);
            vtd_mmio_write(u, VTD_REG_GCMD, 4,
                           keep | ((gsts & VTD_GCMD_TE) ? 0 : VTD_GCMD_TE));
            break;
        }
        default:
            if (fz_take(&f, 1) == 0x5a) {
                vtd_iommu_reset(u);
                rta_latched = 0;
            }
            break;
        }
        fz_check_fault_accounting(u);
    }
    vtd_iommu_free(u);
    return 0;
}
