/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_snapshot.c: vtd_load() of arbitrary streams into a unit of the
 * "full" profile with 1 MiB of guest memory, then the unit exercised
 * (every register read, DMA, an MSI, queue and fault-status writes).
 * The input's length field and CRC-32 are set to match it before the load,
 * so the fuzzer reaches the contents checks (the frame checks are covered
 * by tests/test_snapshot.c).  Invariants: no crash or sanitizer report, a
 * refused stream leaves the unit as it was (its own save is unchanged),
 * and the fault accounting adds up after the load and the requests.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static uint8_t *save(struct vtd_iommu *u, size_t *n)
{
    if (vtd_save(u, NULL, 0, n) < 0)
        abort();
    uint8_t *b = malloc(*n);
    if (!b || vtd_save(u, b, *n, NULL) < 0)
        abort();
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    struct fz_mem mem = { .ram = fz_ram() };
    uint8_t *s = malloc(size ? size : 1);
    if (!mem.ram || !s) {
        free(s);
        return 0;
    }
    memcpy(s, data, size);
    if (size >= 28) {
        for (unsigned i = 0; i < 8; i++)
            s[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
        uint32_t c = crc32_ieee(s, size - 4);
        for (unsigned i = 0; i < 4; i++)
            s[size - 4 + i] = (uint8_t)(c >> (8 * i));
    }
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full" };
    struct vtd_iommu *u = NULL;
    if (vtd_iommu_new(&cfg, fz_mem_ops(), &mem, &u, NULL, 0) < 0)
        abort();
    size_t n0, n1;
    uint8_t *before = save(u, &n0);
    char err[256];
    if (vtd_load(u, s, size, err, sizeof(err)) < 0) {
        uint8_t *after = save(u, &n1);
        if (n0 != n1 || memcmp(before, after, n0) != 0)
            abort(); /* a refused stream changed the unit */
        free(after);
    }
    fz_check_fault_accounting(u);

    uint64_t v;
    for (uint64_t off = 0; off < vtd_iommu_mmio_size(u); off += 8)
        vtd_mmio_read(u, off, 8, &v);
    for (unsigned i = 0; i < 8; i++) {
        struct vtd_dma_req r = { .sid = (uint16_t)(i * 0x21),
                                 .pasid = (i & 1) ? i : VTD_NO_PASID,
                                 .iova = 0x1000ULL * i, .size = 4,
                                 .access = VTD_ACC_READ };
        struct vtd_xlate o;
        vtd_translate(u, &r, &o);
    }
    struct vtd_msi_req m = { .sid = 8, .sid_valid = true,
                             .addr = VTD_MSI_ADDR_BASE | VTD_MSI_ADDR_IF_MASK,
                             .data = 0 };
    struct vtd_irq irq;
    vtd_interrupt(u, &m, &irq);
    vtd_mmio_write(u, VTD_REG_IQT, 8, 0x20);
    vtd_mmio_write(u, VTD_REG_FSTS, 4, 0x71);  /* clear RW1C status */
    vtd_mmio_write(u, VTD_REG_FECTL, 4, 0);    /* unmask */
    fz_check_fault_accounting(u);

    free(before);
    vtd_iommu_free(u);
    free(s);
    return 0;
}
