/* SPDX-License-Identifier: MIT */
#include "fuzz_common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int mr(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct fz_mem *m = opaque;
    if (gpa >= FZ_MEM_SIZE || len > FZ_MEM_SIZE - gpa)
        return -EFAULT;
    memcpy(buf, m->ram + gpa, len);
    return 0;
}

static int mw(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    struct fz_mem *m = opaque;
    if (gpa >= FZ_MEM_SIZE || len > FZ_MEM_SIZE - gpa)
        return -EFAULT;
    memcpy(m->ram + gpa, buf, len);
    return 0;
}

static void msi(void *opaque, uint64_t addr, uint32_t data)
{
    struct fz_mem *m = opaque;
    (void)addr;
    (void)data;
    m->msis++;
}

static const struct vtd_host_ops ops = {
    .version = VTD_HOST_OPS_VERSION,
    .read = mr,
    .write = mw,
    .msi_send = msi,
};

uint8_t *fz_ram(void)
{
    static uint8_t *ram;
    if (!ram)
        ram = malloc(FZ_MEM_SIZE);
    if (ram)
        memset(ram, 0, FZ_MEM_SIZE);
    return ram;
}

const struct vtd_host_ops *fz_mem_ops(void)
{
    return &ops;
}

void fz_check_fault_accounting(struct vtd_iommu *u)
{
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    uint64_t sum = st.faults_recorded + st.faults_suppressed +
                   st.faults_collapsed + st.faults_overflow;
    if (sum != st.faults_detected) {
        fprintf(stderr,
                "fault accounting: detected %llu != recorded %llu + "
                "suppressed %llu + collapsed %llu + overflow %llu\n",
                (unsigned long long)st.faults_detected,
                (unsigned long long)st.faults_recorded,
                (unsigned long long)st.faults_suppressed,
                (unsigned long long)st.faults_collapsed,
                (unsigned long long)st.faults_overflow);
        abort();
    }
}
