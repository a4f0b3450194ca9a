/* SPDX-License-Identifier: MIT */
/*
 * tests/inject_host.c: the injecting host (inject_host.h).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/layout.h>

#include "inject_host.h"

/* ------------------------------------------------------------------ */
/* The injecting host                                                  */
/* ------------------------------------------------------------------ */

const char *const hop_name[H_NOPS] = { "read", "write", "cmpxchg64", "msi",
                                       "devtlb_inval", "page_response" };


/* Figures for the summary line. */
unsigned long runs_total, failed_by_op[H_NOPS];

static bool hit(struct ih *x, enum hop op, uint64_t gpa, size_t len)
{
    if (!x->armed)
        return false;
    unsigned long n = ++x->calls;
    static int debug = -1;      /* IH_DEBUG=1: list every call */
    if (debug < 0)
        debug = getenv("IH_DEBUG") != NULL;
    if (debug)
        fprintf(stderr, "call %lu: %s %#llx\n", n, hop_name[op],
                (unsigned long long)gpa);
    bool f = x->forever ? n >= x->fail_at : n == x->fail_at;
    if (f) {
        if (!x->nfailed++) {
            x->fop = op;
            x->fgpa = gpa;
            x->flen = len;
        }
        failed_by_op[op]++;
        if (op == H_READ && x->nfr < 8192) {
            x->fr_gpa[x->nfr] = gpa;
            x->fr_len[x->nfr++] = len;
        }
    }
    return f;
}

static int ih_read(void *o, uint64_t gpa, void *buf, size_t len)
{
    struct ih *x = o;
    if (hit(x, H_READ, gpa, len))
        return -EIO;
    return fake_host_ops()->read(x->fh, gpa, buf, len);
}

static int ih_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
    struct ih *x = o;
    if (hit(x, H_WRITE, gpa, len))
        return -EIO;
    return fake_host_ops()->write(x->fh, gpa, buf, len);
}

static int ih_cx(void *o, uint64_t gpa, uint64_t *exp, uint64_t want)
{
    struct ih *x = o;
    if (hit(x, H_CX, gpa, 8))
        return -EIO;
    return fake_host_ops()->cmpxchg64(x->fh, gpa, exp, want);
}

static void ih_msi(void *o, uint64_t addr, uint32_t data)
{
    struct ih *x = o;
    if (hit(x, H_MSI, addr, 4))
        return;
    x->msis++;
    x->msi_addr = addr;
    x->msi_data = data;
}

/* 4.3: the Invalidate Request goes to the endpoint; -EIO: the host could
 * not deliver it (not -ENODEV, which says there is no device-TLB). */
static int ih_devtlb(void *o, const struct vtd_devtlb_inv *inv)
{
    struct ih *x = o;
    if (hit(x, H_DEVTLB, inv->sid, 0))
        return -EIO;
    if (x->ninv < sizeof(x->inv) / sizeof(x->inv[0]))
        x->inv[x->ninv] = *inv;
    x->ninv++;
    return 0;
}

/* 7.6: a page group response for the device; "failing" drops it. */
static void ih_presp(void *o, const struct vtd_page_resp *r)
{
    struct ih *x = o;
    if (hit(x, H_PRESP, r->rid, 0))
        return;
    if (x->npresp < sizeof(x->presp) / sizeof(x->presp[0]))
        x->presp[x->npresp] = *r;
    x->npresp++;
}

static void ih_log(void *o, enum vtd_log_level lvl, const char *msg)
{
    struct ih *x = o;
    (void)lvl;
    (void)msg;
    x->logs++;
}

static const struct vtd_host_ops ih_ops = {
    .version = VTD_HOST_OPS_VERSION,
    .read = ih_read,
    .write = ih_write,
    .cmpxchg64 = ih_cx,
    .msi_send = ih_msi,
    .log = ih_log,
    .devtlb_inval = ih_devtlb,
    .page_response = ih_presp,
};

struct vtd_iommu *ih_unit(struct ih *x, bool cm)
{
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full",
                              .caching_mode = cm ? VTD_CM_ON : VTD_CM_OFF };
    struct vtd_iommu *u = NULL;
    char err[256];
    int rc = vtd_iommu_new(&cfg, &ih_ops, x, &u, err, sizeof(err));
    ck_assert_msg(rc == 0, "vtd_iommu_new: %s", err);
    return u;
}

void arm(struct ih *x, unsigned long fail_at, bool forever)
{
    x->calls = 0;
    x->nfailed = 0;
    x->nfr = 0;
    x->fail_at = fail_at;
    x->forever = forever;
    x->armed = true;
}

/* 11.4.4: one command per write, persistent enables kept from GSTS. */
void gcmd(struct vtd_iommu *u, uint32_t cmd)
{
    uint32_t keep = rd32(u, VTD_REG_GSTS) & ~VTD_GCMD_ONESHOT_MASK;
    wr32(u, VTD_REG_GCMD, keep | cmd);
}


/* Fault events and completion events unmasked, to known addresses. */
void events_on(struct vtd_iommu *u)
{
    wr32(u, VTD_REG_FEDATA, FEDATA_V);
    wr32(u, VTD_REG_FEADDR, FEADDR_V);
    wr32(u, VTD_REG_FECTL, 0);
    wr32(u, VTD_REG_IEDATA, IEDATA_V);
    wr32(u, VTD_REG_IEADDR, IEADDR_V);
    wr32(u, VTD_REG_IECTL, 0);
}

uint64_t frcd_off(struct vtd_iommu *u)
{
    return 16 * VTD_FIELD_GET(rd64(u, VTD_REG_CAP), CAP, FRO);
}

/* ------------------------------------------------------------------ */
/* The fixture of test_inject_modes.c and test_inject_prq.c            */
/* ------------------------------------------------------------------ */

struct vtd_iommu *ih_start(struct ih *x, uint64_t ram, bool cm)
{
    memset(x, 0, sizeof(*x));
    x->fh = fake_host_new(ram);
    return ih_unit(x, cm);
}

void ih_stop(struct ih *x, struct vtd_iommu *u)
{
    vtd_iommu_free(u);
    fake_host_free(x->fh);
}

void ih_done(struct ih *x, unsigned long *calls_out)
{
    x->armed = false;
    runs_total++;
    if (calls_out)
        *calls_out = x->calls;
}

void ih_translation_on(struct vtd_iommu *u, uint64_t rta, unsigned ttm)
{
    wr64(u, VTD_REG_RTADDR, rta | (uint64_t)ttm << VTD_RTADDR_TTM_SHIFT);
    gcmd(u, VTD_GCMD_SRTP);
    gcmd(u, VTD_GCMD_TE);
    ck_assert(rd32(u, VTD_REG_GSTS) & VTD_GSTS_TES);
}

void ih_clear_records(struct vtd_iommu *u)
{
    unsigned nfr = 1 + (unsigned)VTD_FIELD_GET(rd64(u, VTD_REG_CAP), CAP,
                                               NFR);
    for (unsigned i = 0; i < nfr; i++)
        wr64(u, frcd_off(u) + 16 * i + 8, VTD_FRCD_HI_F_MASK);
    ck_assert(!VTD_FIELD_GET(rd32(u, VTD_REG_FSTS), FSTS, PPF));
}
