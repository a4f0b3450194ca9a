/* SPDX-License-Identifier: MIT */
#include "fakemem.h"

#include <check.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#include <vtd/layout.h>

static int fr(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct fake_host *h = opaque;
    atomic_fetch_add(&h->reads, 1);
    if (gpa >= h->size || len > h->size - gpa)
        return -EFAULT;
    if (gpa < h->fail_hi && gpa + len > h->fail_lo) {
        atomic_fetch_add(&h->failed_reads, 1);
        return -EIO;
    }
    memcpy(buf, h->ram + gpa, len);
    return 0;
}

static int fw(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    struct fake_host *h = opaque;
    atomic_fetch_add(&h->writes, 1);
    if (gpa >= h->size || len > h->size - gpa)
        return -EFAULT;
    memcpy(h->ram + gpa, buf, len);
    return 0;
}

static int fcx(void *opaque, uint64_t gpa, uint64_t *expected, uint64_t desired)
{
    struct fake_host *h = opaque;
    if (gpa >= h->size || 8 > h->size - gpa || (gpa & 7))
        return -EFAULT;
    uint64_t *p = (uint64_t *)(void *)(h->ram + gpa);
    uint64_t e = *expected;
    if (__atomic_compare_exchange_n(p, &e, desired, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        return 0;
    *expected = e;
    return -EAGAIN;
}

static void fmsi(void *opaque, uint64_t addr, uint32_t data)
{
    struct fake_host *h = opaque;
    /* Each sender gets its own slot; readers look after the senders
     * are done (joined threads, or the same thread). */
    unsigned i = atomic_fetch_add(&h->nmsi, 1);
    if (i < FAKE_MSI_MAX) {
        h->msi_addr[i] = addr;
        h->msi_data[i] = data;
    }
}

static void flog(void *opaque, enum vtd_log_level lvl, const char *msg)
{
    struct fake_host *h = opaque;
    (void)lvl;
    (void)msg;
    atomic_fetch_add(&h->nlog, 1);
}

static const struct vtd_host_ops ops = {
    .version = VTD_HOST_OPS_VERSION,
    .read = fr,
    .write = fw,
    .cmpxchg64 = fcx,
    .msi_send = fmsi,
    .log = flog,
};

const struct vtd_host_ops *fake_host_ops(void)
{
    return &ops;
}

struct fake_host *fake_host_new(uint64_t size)
{
    struct fake_host *h = g_new0(struct fake_host, 1);
    h->ram = g_malloc0(size);
    h->size = size;
    return h;
}

void fake_host_free(struct fake_host *h)
{
    if (!h)
        return;
    g_free(h->ram);
    g_free(h);
}

void fake_wq(struct fake_host *h, uint64_t gpa, uint64_t v)
{
    ck_assert_msg(gpa + 8 <= h->size, "fake_wq outside RAM: 0x%llx",
                  (unsigned long long)gpa);
    for (int i = 0; i < 8; i++)
        h->ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

uint64_t fake_rq(struct fake_host *h, uint64_t gpa)
{
    ck_assert(gpa + 8 <= h->size);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | h->ram[gpa + i];
    return v;
}

void fake_wl(struct fake_host *h, uint64_t gpa, uint32_t v)
{
    ck_assert(gpa + 4 <= h->size);
    for (int i = 0; i < 4; i++)
        h->ram[gpa + i] = (uint8_t)(v >> (8 * i));
}

uint32_t fake_rl(struct fake_host *h, uint64_t gpa)
{
    return (uint32_t)fake_rq(h, gpa);
}

struct vtd_iommu *fake_unit(struct fake_host *h, uint64_t cap, uint64_t ecap)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION, .cap = cap,
                              .ecap = ecap };
    struct vtd_iommu *u = NULL;
    char err[256];
    int rc = vtd_iommu_new(&cfg, fake_host_ops(), h, &u, err, sizeof(err));
    ck_assert_msg(rc == 0, "vtd_iommu_new: %s", err);
    return u;
}

struct vtd_iommu *fake_unit_profile(struct fake_host *h, const char *profile)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = profile };
    struct vtd_iommu *u = NULL;
    char err[256];
    int rc = vtd_iommu_new(&cfg, fake_host_ops(), h, &u, err, sizeof(err));
    ck_assert_msg(rc == 0, "vtd_iommu_new: %s", err);
    return u;
}

uint64_t rd64(struct vtd_iommu *u, uint64_t off)
{
    uint64_t v = 0;
    ck_assert_int_eq(vtd_mmio_read(u, off, 8, &v), 0);
    return v;
}

uint32_t rd32(struct vtd_iommu *u, uint64_t off)
{
    uint64_t v = 0;
    ck_assert_int_eq(vtd_mmio_read(u, off, 4, &v), 0);
    return (uint32_t)v;
}

void wr64(struct vtd_iommu *u, uint64_t off, uint64_t v)
{
    ck_assert_int_eq(vtd_mmio_write(u, off, 8, v), 0);
}

void wr32(struct vtd_iommu *u, uint64_t off, uint32_t v)
{
    ck_assert_int_eq(vtd_mmio_write(u, off, 4, v), 0);
}

/* 11.4.4.1: software keeps the persistent enables it read from GSTS
 * (masking the one-shot status bits) and adds one command. */
static void gcmd(struct vtd_iommu *u, uint32_t cmd)
{
    uint32_t keep = rd32(u, VTD_REG_GSTS) & ~VTD_GCMD_ONESHOT_MASK;
    wr32(u, VTD_REG_GCMD, keep | cmd);
}

void fake_ir_enable(struct vtd_iommu *u, uint64_t irta)
{
    wr64(u, VTD_REG_IRTA, irta);
    gcmd(u, VTD_GCMD_SIRTP);
    ck_assert(rd32(u, VTD_REG_GSTS) & VTD_GSTS_IRTPS);
    gcmd(u, VTD_GCMD_IRE);
    ck_assert(rd32(u, VTD_REG_GSTS) & VTD_GSTS_IRES);
}

void fake_qi_iec_global(struct fake_host *h, struct vtd_iommu *u,
                        uint64_t qaddr)
{
    if (!(rd32(u, VTD_REG_GSTS) & VTD_GSTS_QIES)) {
        wr64(u, VTD_REG_IQA, qaddr);          /* QS 0: 256 entries */
        gcmd(u, VTD_GCMD_QIE);
        ck_assert(rd32(u, VTD_REG_GSTS) & VTD_GSTS_QIES);
    }
    uint64_t tail = rd64(u, VTD_REG_IQT);
    uint64_t q[2];
    ck_assert(vtd_qd_iec(q, true, 0, 0));
    fake_wq(h, qaddr + tail, q[0]);
    fake_wq(h, qaddr + tail + 8, q[1]);
    wr64(u, VTD_REG_IQT, (tail + 16) & 0xff0);
    ck_assert_uint_eq(rd64(u, VTD_REG_IQH), (tail + 16) & 0xff0);
    ck_assert(!(rd32(u, VTD_REG_FSTS) & VTD_FSTS_IQE_MASK));
}
