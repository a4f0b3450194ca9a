/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz_common.h: helpers shared by the fuzz targets: a byte-stream
 * reader and a small flat guest memory with vtd_host_ops.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
    const uint8_t *p;
    size_t n;
};

static inline uint64_t fz_take(struct fz *f, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        uint8_t b = 0;
        if (f->n) {
            b = *f->p++;
            f->n--;
        }
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

#define FZ_MEM_SIZE (1u << 20)  /* 1 MiB of guest RAM from address 0 */

struct fz_mem {
    uint8_t *ram;
    unsigned msis;
};

/* FZ_MEM_SIZE bytes of zeroed guest RAM, the same buffer for every input
 * (allocated once: a fresh calloc per input cost more system time in
 * page faults than the unit's own work, docs/fuzzing.md).  NULL when the
 * allocation failed. */
uint8_t *fz_ram(void);

/* Host ops over struct fz_mem (opaque). */
const struct vtd_host_ops *fz_mem_ops(void);

/* Check the fault-accounting invariant of issue 8: every fault detected
 * was recorded, suppressed, collapsed or lost to overflow.  Aborts (a
 * fuzzer finding) when the counts do not add up. */
void fz_check_fault_accounting(struct vtd_iommu *u);

#endif
