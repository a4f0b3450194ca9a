/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_mmio.c: a byte stream decoded into register reads and writes
 * (any offset and size, also wrong ones), guest-memory writes and DMA/MSI
 * requests against one unit with 1 MiB of guest memory (issue 8).
 * Invariants checked: no crash or sanitizer report, bounded work, and the
 * fault accounting adds up.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define MAX_OPS 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = { data, size };
    struct fz_mem mem = { .ram = fz_ram() };
    if (!mem.ram)
        return 0;
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION };
    unsigned sel = (unsigned)fz_take(&f, 1);
    switch (sel % 5) {
    case 0: cfg.profile = "qemu-7.2"; break;
    case 1: cfg.profile = "full"; break;
    case 2:
        cfg.profile = "qemu-7.2";
        cfg.cap = 0x00d2008c22260286ULL; /* caching mode */
        break;
    case 3: cfg.profile = "full"; cfg.cache = VTD_CACHE_NONE; break;
    default:
        cfg.cap = fz_take(&f, 8);
        cfg.ecap = fz_take(&f, 8);
        cfg.haw = (uint32_t)fz_take(&f, 1);
        break;
    }
    cfg.lint = (sel >> 4) & 1;
    cfg.no_fault_collapse = (sel >> 5) & 1;
    struct vtd_iommu *u = NULL;
    if (vtd_iommu_new(&cfg, fz_mem_ops(), &mem, &u, NULL, 0) < 0) {
        return 0;
    }
    uint64_t win = vtd_iommu_mmio_size(u);
    for (unsigned op = 0; op < MAX_OPS && f.n; op++) {
        unsigned kind = (unsigned)fz_take(&f, 1);
        switch (kind % 7) {
        case 0: { /* register write, usually well-formed */
            uint64_t off = fz_take(&f, 2) % (win + 16);
            unsigned sz = (kind & 0x80) ? 1 + (unsigned)fz_take(&f, 1) % 8
                                        : ((kind & 0x40) ? 8 : 4);
            if (!(kind & 0x80))
                off &= ~(uint64_t)(sz - 1);
            vtd_mmio_write(u, off, sz, fz_take(&f, 8));
            break;
        }
        case 1: {
            uint64_t off = fz_take(&f, 2) % (win + 16);
            unsigned sz = (kind & 0x40) ? 8 : 4;
            uint64_t v;
            vtd_mmio_read(u, off, sz, &v);
            break;
        }
        case 2: { /* guest memory bytes */
            uint64_t a = fz_take(&f, 3) % FZ_MEM_SIZE;
            unsigned n = (unsigned)fz_take(&f, 1) % 32;
            for (unsigned i = 0; i < n && a + i < FZ_MEM_SIZE; i++)
                mem.ram[a + i] = (uint8_t)fz_take(&f, 1);
            break;
        }
        case 3: { /* an aligned qword: table entries */
            uint64_t a = (fz_take(&f, 3) % (FZ_MEM_SIZE / 8)) * 8;
            uint64_t v = fz_take(&f, 8);
            memcpy(mem.ram + a, &v, 8);
            break;
        }
        case 4: { /* DMA */
            struct vtd_dma_req r = {
                .sid = (uint16_t)fz_take(&f, 2),
                .pasid = (kind & 0x80) ? (uint32_t)fz_take(&f, 3)
                                       : VTD_NO_PASID,
                .iova = fz_take(&f, 8),
                .size = (uint32_t)fz_take(&f, 2),
                .access = (uint32_t)fz_take(&f, 1),
                .at = (enum vtd_at)(fz_take(&f, 1) % 4),
            };
            struct vtd_xlate x;
            vtd_translate(u, &r, &x);
            break;
        }
        case 5: { /* interrupt request */
            struct vtd_msi_req r = {
                .sid = (uint16_t)fz_take(&f, 2),
                .sid_valid = !(kind & 0x80),
                .addr = VTD_MSI_ADDR_BASE | (fz_take(&f, 3) & 0xfffff),
                .data = (uint32_t)fz_take(&f, 4),
            };
            struct vtd_irq o;
            vtd_interrupt(u, &r, &o);
            break;
        }
        default:
            if (kind & 0x80)
                vtd_iommu_reset(u);
            break;
        }
    }
    fz_check_fault_accounting(u);
    vtd_iommu_free(u);
    return 0;
}
