/* SPDX-License-Identifier: MIT */
/*
 * vtd/core.c: lifetime of a unit, capability profiles and their checks,
 * guest-memory access through the host callbacks, events and counters.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "reentry.h"

/* ------------------------------------------------------------------ */
/* Profiles                                                            */
/* ------------------------------------------------------------------ */

static uint64_t full_cap(void)
{
    uint64_t c = 0;
    c = field_set(c, CAP, ND, 6);        /* 64K domains */
    c = field_set(c, CAP, SAGAW, VTD_SAGAW_39 | VTD_SAGAW_48 | VTD_SAGAW_57);
    c = field_set(c, CAP, MGAW, 56);     /* 57-bit guest addresses */
    c = field_set(c, CAP, FRO, 0x40);    /* fault records at 0x400 */
    c = field_set(c, CAP, SLLPS, VTD_SLLPS_2M | VTD_SLLPS_1G);
    c = field_set(c, CAP, PSI, 1);
    c = field_set(c, CAP, NFR, 7);       /* 8 fault recording registers */
    c = field_set(c, CAP, MAMV, 18);
    c = field_set(c, CAP, DWD, 1);
    c = field_set(c, CAP, DRD, 1);
    c = field_set(c, CAP, FS1GP, 1);
    c = field_set(c, CAP, PI, 1);
    c = field_set(c, CAP, FS5LP, 1);
    c = field_set(c, CAP, PLMR, 1);      /* protected memory regions, */
    c = field_set(c, CAP, PHMR, 1);      /* 11.4.8 (issue 15) */
    return c;
}

static uint64_t full_ecap(void)
{
    uint64_t e = 0;
    e = field_set(e, ECAP, C, 1);
    e = field_set(e, ECAP, QI, 1);
    e = field_set(e, ECAP, DT, 1);
    e = field_set(e, ECAP, IR, 1);
    e = field_set(e, ECAP, EIM, 1);
    e = field_set(e, ECAP, PT, 1);
    e = field_set(e, ECAP, SC, 1);
    e = field_set(e, ECAP, IRO, 0x50);   /* IVA at 0x500 */
    e = field_set(e, ECAP, MHMV, 15);
    e = field_set(e, ECAP, NEST, 1);
    e = field_set(e, ECAP, PRS, 1);      /* page requests, 7.4 (issue 17) */
    e = field_set(e, ECAP, SRS, 1);
    e = field_set(e, ECAP, PSS, 19);     /* 20-bit PASIDs */
    e = field_set(e, ECAP, PASID, 1);
    e = field_set(e, ECAP, SMTS, 1);
    e = field_set(e, ECAP, SSADS, 1);
    e = field_set(e, ECAP, SSTS, 1);
    e = field_set(e, ECAP, FSTS, 1);
    e = field_set(e, ECAP, SMPWCS, 1);
    e = field_set(e, ECAP, RPS, 1);
    e = field_set(e, ECAP, ADMS, 1);     /* abort-DMA mode, 3.4.4 */
    return e;
}

/* What QEMU 7.2's intel-iommu presents by default (aw-bits=39): CAP
 * 0x00d2008c22260206, ECAP 0xf00f4a. */
static uint64_t qemu72_cap(void)
{
    uint64_t c = 0;
    c = field_set(c, CAP, ND, 6);
    c = field_set(c, CAP, SAGAW, VTD_SAGAW_39);
    c = field_set(c, CAP, MGAW, 38);     /* 39-bit guest addresses */
    c = field_set(c, CAP, FRO, 0x22);    /* fault record at 0x220 */
    c = field_set(c, CAP, SLLPS, VTD_SLLPS_2M | VTD_SLLPS_1G);
    c = field_set(c, CAP, PSI, 1);
    c = field_set(c, CAP, NFR, 0);       /* one fault recording register */
    c = field_set(c, CAP, MAMV, 18);
    c = field_set(c, CAP, DWD, 1);
    c = field_set(c, CAP, DRD, 1);
    return c;
}

static uint64_t qemu72_ecap(void)
{
    uint64_t e = 0;
    e = field_set(e, ECAP, QI, 1);
    e = field_set(e, ECAP, IR, 1);
    e = field_set(e, ECAP, PT, 1);
    e = field_set(e, ECAP, IRO, 0xf);    /* IVA at 0xf0 */
    e = field_set(e, ECAP, MHMV, 15);
    return e;
}

static const char *const profile_names[] = { "qemu-7.2", "full", NULL };

const char *const *vtd_profile_names(void)
{
    return profile_names;
}

int vtd_profile_lookup(const char *name, uint64_t *cap, uint64_t *ecap)
{
    if (!name || !cap || !ecap)
        return -EINVAL;
    if (strcmp(name, "qemu-7.2") == 0) {
        *cap = qemu72_cap();
        *ecap = qemu72_ecap();
        return 0;
    }
    if (strcmp(name, "full") == 0) {
        *cap = full_cap();
        *ecap = full_ecap();
        return 0;
    }
    return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* Configuration checks                                                */
/* ------------------------------------------------------------------ */

static int reject(char *errbuf, size_t errlen, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static int reject(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (errbuf && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Names of the CAP and ECAP fields (VT-d 11.4.2, 11.4.3; positions from
 * <vtd/layout.h>), for messages about cap_set/cap_clear/ecap_set/
 * ecap_clear.  A bit in no field is reserved. */
struct capbit {
    const char *name;
    unsigned shift, len;
};
#define CB(reg, f) { #reg "." #f, VTD_##reg##_##f##_SHIFT, VTD_##reg##_##f##_LEN }
static const struct capbit cap_bits[] = {
    CB(CAP, ND), CB(CAP, AFL), CB(CAP, RWBF), CB(CAP, PLMR), CB(CAP, PHMR),
    CB(CAP, CM), CB(CAP, SAGAW), CB(CAP, MGAW), CB(CAP, ZLR), CB(CAP, FRO),
    CB(CAP, SLLPS), CB(CAP, PSI), CB(CAP, NFR), CB(CAP, MAMV), CB(CAP, DWD),
    CB(CAP, DRD), CB(CAP, FS1GP), CB(CAP, PI), CB(CAP, FS5LP),
    CB(CAP, ECMDS), CB(CAP, ESIRTPS), CB(CAP, ESRTPS),
};
static const struct capbit ecap_bits[] = {
    CB(ECAP, C), CB(ECAP, QI), CB(ECAP, DT), CB(ECAP, IR), CB(ECAP, EIM),
    CB(ECAP, PT), CB(ECAP, SC), CB(ECAP, IRO), CB(ECAP, MHMV),
    CB(ECAP, MTS), CB(ECAP, NEST), CB(ECAP, PRS), CB(ECAP, ERS),
    CB(ECAP, SRS), CB(ECAP, NWFS), CB(ECAP, EAFS), CB(ECAP, PSS),
    CB(ECAP, PASID), CB(ECAP, DIT), CB(ECAP, PDS), CB(ECAP, SMTS),
    CB(ECAP, VCS), CB(ECAP, SSADS), CB(ECAP, SSTS), CB(ECAP, FSTS),
    CB(ECAP, SMPWCS), CB(ECAP, RPS), CB(ECAP, TDXCS), CB(ECAP, PMS),
    CB(ECAP, ADMS), CB(ECAP, RPRIVS), CB(ECAP, HPTS), CB(ECAP, PTRS),
    CB(ECAP, SSIRWS), CB(ECAP, SMS), CB(ECAP, HPT1GPS), CB(ECAP, RDTS),
    CB(ECAP, EIMER), CB(ECAP, IRREQ),
};
#undef CB

/* "CAP.CM (bit 7)" or "reserved CAP bit 13" for the lowest bit of m. */
static void bit_name(char *buf, size_t len, bool ecap, uint64_t m)
{
    const struct capbit *t = ecap ? ecap_bits : cap_bits;
    size_t n = ecap ? G_N_ELEMENTS(ecap_bits) : G_N_ELEMENTS(cap_bits);
    unsigned bit = (unsigned)__builtin_ctzll(m);
    for (size_t i = 0; i < n; i++) {
        if (bit >= t[i].shift && bit < t[i].shift + t[i].len) {
            if (t[i].len == 1)
                snprintf(buf, len, "%s (bit %u)", t[i].name, bit);
            else
                snprintf(buf, len, "%s (bits %u:%u)", t[i].name,
                         t[i].shift + t[i].len - 1, t[i].shift);
            return;
        }
    }
    snprintf(buf, len, "reserved %s bit %u", ecap ? "ECAP" : "CAP", bit);
}

static uint64_t defined_bits(bool ecap)
{
    const struct capbit *t = ecap ? ecap_bits : cap_bits;
    size_t n = ecap ? G_N_ELEMENTS(ecap_bits) : G_N_ELEMENTS(cap_bits);
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        m |= bits_mask(t[i].shift, t[i].len);
    return m;
}

/* Where CAP/ECAP came from, for error messages. */
static void describe_source(const struct vtd_config *c, char *buf,
                            size_t len)
{
    size_t o = 0;
    if (c->profile)
        o += (size_t)snprintf(buf + o, len - o, "profile '%s'", c->profile);
    else
        o += (size_t)snprintf(buf + o, len - o, "cap 0x%llx ecap 0x%llx",
                              (unsigned long long)c->cap,
                              (unsigned long long)c->ecap);
    if (c->profile && c->cap && o < len)
        o += (size_t)snprintf(buf + o, len - o,
                              " with its CAP replaced by cap 0x%llx "
                              "(use cap_set/cap_clear to change bits)",
                              (unsigned long long)c->cap);
    if (c->profile && c->ecap && o < len)
        o += (size_t)snprintf(buf + o, len - o,
                              " with its ECAP replaced by ecap 0x%llx "
                              "(use ecap_set/ecap_clear to change bits)",
                              (unsigned long long)c->ecap);
    const struct { const char *n; uint64_t v; } m[] = {
        { "cap_set", c->cap_set }, { "cap_clear", c->cap_clear },
        { "ecap_set", c->ecap_set }, { "ecap_clear", c->ecap_clear },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(m) && o < len; i++)
        if (m[i].v)
            o += (size_t)snprintf(buf + o, len - o, ", %s 0x%llx", m[i].n,
                                  (unsigned long long)m[i].v);
    if (c->caching_mode && o < len)
        snprintf(buf + o, len - o, ", caching_mode %s",
                 c->caching_mode == VTD_CM_ON ? "on" : "off");
}

/* Steps 2 and 3 of vtd.h's composition: set/clear masks and the caching
 * mode option, checked. */
static int compose_caps(struct vtd_iommu *u, const struct vtd_config *c,
                        char *errbuf, size_t errlen)
{
    char name[64];
    const struct {
        bool ecap;
        uint64_t set, clear;
        const char *sn, *cn;
    } r[] = {
        { false, c->cap_set, c->cap_clear, "cap_set", "cap_clear" },
        { true, c->ecap_set, c->ecap_clear, "ecap_set", "ecap_clear" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(r); i++) {
        uint64_t both = r[i].set & r[i].clear;
        if (both) {
            bit_name(name, sizeof(name), r[i].ecap, both);
            return reject(errbuf, errlen, "%s and %s both name %s",
                          r[i].sn, r[i].cn, name);
        }
        uint64_t rsvd = r[i].set & ~defined_bits(r[i].ecap);
        if (rsvd) {
            bit_name(name, sizeof(name), r[i].ecap, rsvd);
            return reject(errbuf, errlen, "%s sets %s (VT-d 11.4.%d)",
                          r[i].sn, name, r[i].ecap ? 3 : 2);
        }
    }
    if (c->caching_mode != VTD_CM_AS_PROFILE &&
        c->caching_mode != VTD_CM_ON && c->caching_mode != VTD_CM_OFF)
        return reject(errbuf, errlen, "unknown caching_mode %d",
                      (int)c->caching_mode);
    if ((c->caching_mode == VTD_CM_ON && (c->cap_clear & VTD_CAP_CM_MASK)) ||
        (c->caching_mode == VTD_CM_OFF && (c->cap_set & VTD_CAP_CM_MASK)))
        return reject(errbuf, errlen,
                      "caching_mode %s contradicts %s of CAP.CM (bit 7)",
                      c->caching_mode == VTD_CM_ON ? "on" : "off",
                      c->caching_mode == VTD_CM_ON ? "cap_clear"
                                                   : "cap_set");
    u->cap = (u->cap & ~c->cap_clear) | c->cap_set;
    u->ecap = (u->ecap & ~c->ecap_clear) | c->ecap_set;
    if (c->caching_mode == VTD_CM_ON)
        u->cap |= VTD_CAP_CM_MASK;
    else if (c->caching_mode == VTD_CM_OFF)
        u->cap &= ~VTD_CAP_CM_MASK;
    return 0;
}

/* Registers below this offset are architectural (VT-d 11.4, Table 57: the
 * last is PEUADDR); the fault recording and IOTLB register blocks must
 * not overlap them. */
#define VTD_FIXED_REGS_END (VTD_REG_PEUADDR + 4u)

static int check_config(struct vtd_iommu *u, char *errbuf, size_t errlen)
{
    uint64_t cap = u->cap, ecap = u->ecap;
    unsigned mgaw = (unsigned)field_get(cap, CAP, MGAW) + 1;
    unsigned sagaw = (unsigned)field_get(cap, CAP, SAGAW);
    unsigned fro = (unsigned)field_get(cap, CAP, FRO) * 16;
    unsigned nfr = (unsigned)field_get(cap, CAP, NFR) + 1;
    unsigned iro = (unsigned)field_get(ecap, ECAP, IRO) * 16;

    /* VT-d 11.4.2: MGAW is at most 64 bits; SAGAW names at least one
     * supported level count (bit 1: 39-bit 3-level, bit 2: 48-bit,
     * bit 3: 57-bit).  Bits 0 and 4 are reserved. */
    if (mgaw < 32 || mgaw > 64)
        return reject(errbuf, errlen,
                      "CAP.MGAW gives a %u-bit width (32 to 64 allowed)",
                      mgaw);
    /* SAGAW=0: "Hardware implementations with Major Version 6 or higher
     * (VER_REG) reporting the second-stage translation support (SSTS)
     * field as Clear also report this field as 0" (11.4.2). */
    unsigned ver_major =
        (unsigned)field_get(u->cfg.ver ? u->cfg.ver : 0x10, VER, MAX);
    bool no_ss = ver_major >= 6 && !field_get(ecap, ECAP, SSTS);
    if (sagaw == 0 && !no_ss)
        return reject(errbuf, errlen,
                      "CAP.SAGAW 0x0 is only for VER 6.0 or later with "
                      "ECAP.SSTS=0 (11.4.2)");
    if (sagaw != 0 &&
        ((sagaw & (VTD_SAGAW_39 | VTD_SAGAW_48 | VTD_SAGAW_57)) == 0 ||
         (sagaw & VTD_SAGAW_RSVD)))
        return reject(errbuf, errlen,
                      "CAP.SAGAW 0x%x supports no level count of 3/4/5",
                      sagaw);
    if (field_get(cap, CAP, ND) > 6)
        return reject(errbuf, errlen, "CAP.ND %u is reserved",
                      (unsigned)field_get(cap, CAP, ND));
    if (fro < VTD_FIXED_REGS_END)
        return reject(errbuf, errlen,
                      "CAP.FRO puts fault records at 0x%x, inside the "
                      "architectural registers", fro);
    if (iro < VTD_FIXED_REGS_END)
        return reject(errbuf, errlen,
                      "ECAP.IRO puts the IOTLB registers at 0x%x, inside "
                      "the architectural registers", iro);
    if (iro + 16 > fro && fro + nfr * 16 > iro)
        return reject(errbuf, errlen,
                      "ECAP.IRO (0x%x) overlaps the fault recording "
                      "registers at CAP.FRO (0x%x, %u records)",
                      iro, fro, nfr);
    /* VT-d 11.4.3: EIM and posted interrupts need interrupt remapping;
     * interrupt remapping and scalable mode need queued invalidation. */
    if (field_get(ecap, ECAP, EIM) && !field_get(ecap, ECAP, IR))
        return reject(errbuf, errlen, "ECAP.EIM set without ECAP.IR");
    if (field_get(cap, CAP, PI) && !field_get(ecap, ECAP, IR))
        return reject(errbuf, errlen, "CAP.PI set without ECAP.IR");
    if (field_get(ecap, ECAP, IR) && !field_get(ecap, ECAP, QI))
        return reject(errbuf, errlen, "ECAP.IR set without ECAP.QI");
    if (field_get(ecap, ECAP, SMTS) && !field_get(ecap, ECAP, QI))
        return reject(errbuf, errlen, "ECAP.SMTS set without ECAP.QI");
    if (field_get(ecap, ECAP, NEST) &&
        !(field_get(ecap, ECAP, FSTS) && field_get(ecap, ECAP, SSTS)))
        return reject(errbuf, errlen,
                      "ECAP.NEST set without both ECAP.FSTS and ECAP.SSTS");
    if (u->cfg.haw > 64)
        return reject(errbuf, errlen, "host address width %u > 64",
                      u->cfg.haw);

    u->mgaw = mgaw;
    u->haw = u->cfg.haw ? u->cfg.haw : mgaw;
    u->sagaw = sagaw;
    u->nfr = nfr;
    u->fro = fro;
    u->iro = iro;
    unsigned end = MAX(fro + nfr * 16, iro + 16);
    end = MAX(end, 0x1000u);
    u->mmio_size = ((uint64_t)end + VTD_PAGE_4K - 1) & VTD_PAGE_MASK;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Lifetime                                                            */
/* ------------------------------------------------------------------ */

static void free_parts(struct vtd_iommu *u)
{
    vtd_notify_free_(u);
    vtd_ir_free_(u);
    vtd_psc_free_(u);
    vtd_cache_free_(u);
    vtd_regs_free_(u);
}

int vtd_iommu_new(const struct vtd_config *cfg, const struct vtd_host_ops *ops,
                  void *opaque, struct vtd_iommu **out, char *errbuf,
                  size_t errlen)
{
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!cfg || !ops || !out)
        return reject(errbuf, errlen, "NULL argument");
    *out = NULL;
    if (cfg->version < VTD_CONFIG_VERSION_MIN ||
        cfg->version > VTD_CONFIG_VERSION)
        return reject(errbuf, errlen,
                      "vtd_config version %u, expected %u to %u",
                      cfg->version, VTD_CONFIG_VERSION_MIN,
                      VTD_CONFIG_VERSION);
    if (ops->version < VTD_HOST_OPS_VERSION_MIN ||
        ops->version > VTD_HOST_OPS_VERSION)
        return reject(errbuf, errlen,
                      "vtd_host_ops version %u, expected %u to %u",
                      ops->version, VTD_HOST_OPS_VERSION_MIN,
                      VTD_HOST_OPS_VERSION);
    if (!ops->read || !ops->write)
        return reject(errbuf, errlen,
                      "vtd_host_ops needs read and write callbacks");
    if (cfg->cache != VTD_CACHE_HARDWARE && cfg->cache != VTD_CACHE_NONE &&
        cfg->cache != VTD_CACHE_PSC && cfg->cache != VTD_CACHE_NO_PSC)
        return reject(errbuf, errlen, "unknown cache policy %d",
                      (int)cfg->cache);

    /* 64-byte aligned: struct vtd_iommu keeps what translating threads
     * read apart from what the register path writes, line by line
     * (internal.h). */
    struct vtd_iommu *u = aligned_alloc(_Alignof(struct vtd_iommu),
                                        sizeof(struct vtd_iommu));
    if (!u)
        return -ENOMEM;
    memset(u, 0, sizeof(*u));
    /* vtd.h: a version-1 config ends before cap_set (u is zeroed, so the
     * version-2 members read as zero: nothing set or cleared). */
    if (cfg->version == 1)
        memcpy(&u->cfg, cfg, offsetof(struct vtd_config, cap_set));
    else
        u->cfg = *cfg;
    const struct vtd_config *c = &u->cfg;
    /* vtd.h: a version-1 struct ends before map (u is zeroed, so map
     * stays NULL and reads go through read()). */
    if (ops->version == 1)
        memcpy(&u->ops, ops, offsetof(struct vtd_host_ops, map));
    else if (ops->version == 2)
        memcpy(&u->ops, ops, offsetof(struct vtd_host_ops, devtlb_inval));
    else if (ops->version == 3)
        memcpy(&u->ops, ops, offsetof(struct vtd_host_ops, page_response));
    else
        u->ops = *ops;
    u->opaque = opaque;
    u->cap = c->cap;
    u->ecap = c->ecap;
    if (c->profile) {
        uint64_t pc, pe;
        if (vtd_profile_lookup(c->profile, &pc, &pe) < 0) {
            free(u);
            return reject(errbuf, errlen,
                          "unknown profile '%s' (known: qemu-7.2, full)",
                          cfg->profile);
        }
        if (!u->cap)
            u->cap = pc;
        if (!u->ecap)
            u->ecap = pe;
    }
    char why[200] = "";
    int rc = compose_caps(u, c, why, sizeof(why));
    if (rc == 0)
        rc = check_config(u, why, sizeof(why));
    if (rc < 0) {
        char src[320];
        describe_source(c, src, sizeof(src));
        free(u);
        return reject(errbuf, errlen, "%s (from %s)", why, src);
    }
    /* Paging-structure caches (vtd/pscache.h, VT-d 6.2.5): profile
     * "full" keeps them, QEMU 7.2 keeps none, nor a unit described by
     * cap/ecap alone unless VTD_CACHE_PSC asks.  The rest of the core
     * sees the two explicit policies as VTD_CACHE_HARDWARE. */
    u->psc.on = c->cache == VTD_CACHE_PSC ||
                (c->cache == VTD_CACHE_HARDWARE && c->profile &&
                 strcmp(c->profile, "full") == 0);
    if (c->cache == VTD_CACHE_PSC || c->cache == VTD_CACHE_NO_PSC)
        u->cfg.cache = VTD_CACHE_HARDWARE;
    u->cfg.profile = NULL; /* not owned */
    pthread_mutex_init(&u->lock, NULL);
    if ((rc = vtd_regs_init_(u)) < 0 || (rc = vtd_cache_init_(u)) < 0 ||
        (rc = vtd_psc_init_(u)) < 0 ||
        (rc = vtd_ir_init_(u)) < 0 || (rc = vtd_notify_init_(u)) < 0) {
        free_parts(u);
        pthread_mutex_destroy(&u->lock);
        free(u);
        if (errbuf && errlen && !errbuf[0])
            snprintf(errbuf, errlen, "out of memory");
        return rc;
    }
    vtd_iommu_reset(u);
    *out = u;
    return 0;
}

void vtd_iommu_free(struct vtd_iommu *u)
{
    if (!u)
        return;
    free_parts(u);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

void vtd_iommu_reset(struct vtd_iommu *u)
{
    if (!u)
        return;
    if (vtd_in_callback_(u))
        return; /* vtd.h threading contract: ignored */
    pthread_mutex_lock(&u->lock);
    atomic_store(&u->root_latched, 0);
    atomic_store(&u->te, false);
    vtd_regs_reset_(u);
    vtd_fault_reset_(u);
    vtd_qi_reset_(u);
    vtd_ir_reset_(u);
    pthread_mutex_unlock(&u->lock);
    vtd_cache_flush_all_(u);
    /* Translation is off again (TES=0): subscribers see what the unit
     * now translates (notify.h). */
    pthread_mutex_lock(&u->lock);
    vtd_notify_resync_locked_(u);
    pthread_mutex_unlock(&u->lock);
}

uint64_t vtd_iommu_cap(const struct vtd_iommu *u)
{
    return u ? u->cap : 0;
}

uint64_t vtd_iommu_ecap(const struct vtd_iommu *u)
{
    return u ? u->ecap : 0;
}

uint64_t vtd_iommu_mmio_size(const struct vtd_iommu *u)
{
    return u ? u->mmio_size : 0;
}

void vtd_get_stats(struct vtd_iommu *u, struct vtd_stats *out)
{
    if (!u || !out)
        return;
    out->faults_detected = atomic_load(&u->count.faults_detected);
    out->faults_recorded = atomic_load(&u->count.faults_recorded);
    out->faults_suppressed = atomic_load(&u->count.faults_suppressed);
    out->faults_collapsed = atomic_load(&u->count.faults_collapsed);
    out->faults_overflow = atomic_load(&u->count.faults_overflow);
    out->iotlb_hits = out->iotlb_misses = 0;
    for (unsigned i = 0; i < VTD_SHARDS; i++) {
        out->iotlb_hits += atomic_load(&u->shard[i].iotlb_hits);
        out->iotlb_misses += atomic_load(&u->shard[i].iotlb_misses);
    }
    out->invalidations = atomic_load(&u->count.invalidations);
}

/* Shard of the calling thread for the hot-path counters (internal.h):
 * threads get shards round-robin on first use, 1-based so 0 means
 * unassigned. */
_Thread_local unsigned vtd_tls_shard_;
static atomic_uint next_shard;

_Thread_local size_t vtd_tls_hit_;
_Thread_local size_t vtd_tls_hit_own_;

unsigned vtd_shard_assign_(void)
{
    vtd_tls_shard_ = atomic_fetch_add(&next_shard, 1) % VTD_SHARDS + 1;
    vtd_tls_hit_own_ = offsetof(struct vtd_iommu, shard) +
                       (vtd_tls_shard_ - 1) * sizeof(struct vtd_shard) +
                       offsetof(struct vtd_shard, iotlb_hits);
    if (!vtd_tls_cb_)
        vtd_tls_hit_ = vtd_tls_hit_own_;
    return vtd_tls_shard_;
}

/* ------------------------------------------------------------------ */
/* Host access                                                         */
/* ------------------------------------------------------------------ */

static void trace_mem_read(struct vtd_iommu *u, uint64_t gpa,
                           const void *buf, size_t len)
{
    struct vtd_event ev = {
        .kind = VTD_EV_MEM_READ, .addr = gpa, .size = (unsigned)len,
        .data = buf, .pasid = VTD_NO_PASID,
    };
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    u->ops.trace(u->opaque, &ev);
    vtd_cb_exit_(&f);
}

/* The host's direct pointer for [gpa, gpa + len) (vtd.h: map), or NULL to
 * use read().  Only ranges inside one 4 KiB page of at most 64 bytes are
 * asked for, as the contract says. */
static inline const uint8_t *mem_map(struct vtd_iommu *u, uint64_t gpa,
                                     size_t len)
{
    if (!u->ops.map || len == 0 || len > 64 ||
        (gpa & ~VTD_PAGE_MASK) + len > VTD_PAGE_4K)
        return NULL;
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    const uint8_t *p = u->ops.map(u->opaque, gpa, len);
    vtd_cb_exit_(&f);
    return p;
}

/* Little-endian 64-bit words with one load or store (the byte loops of
 * ldq_le/stq_le are not merged into one access at -O2). */
static inline uint64_t le64_get(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void le64_put(void *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

/* One 64-bit load through a host pointer: a single access when aligned
 * (vtd.h: a concurrent aligned store is seen whole or not at all). */
static inline uint64_t load_word(const uint8_t *p)
{
    if (((uintptr_t)p & 7) == 0) {
        uint64_t raw = __atomic_load_n((const uint64_t *)(const void *)p,
                                       __ATOMIC_RELAXED);
        return le64_get(&raw);
    }
    return le64_get(p);
}

/* notify.h: failed host reads on this thread. */
_Thread_local unsigned vtd_tls_read_errors_;

int vtd_mem_read_(struct vtd_iommu *u, uint64_t gpa, void *buf, size_t len)
{
    const uint8_t *p = mem_map(u, gpa, len);
    int rc;
    if (p) {
        uint8_t *out = buf;
        size_t i = 0;
        for (; i + 8 <= len; i += 8)
            le64_put(out + i, load_word(p + i));
        if (i < len)
            memcpy(out + i, p + i, len - i);
        rc = 0;
    } else {
        struct vtd_cb_frame_ f;
        vtd_cb_enter_(&f, u);
        rc = u->ops.read(u->opaque, gpa, buf, len);
        vtd_cb_exit_(&f);
        if (rc > 0)
            rc = 0;
        if (rc < 0)
            vtd_tls_read_errors_++;
    }
    if (rc == 0 && u->ops.trace)
        trace_mem_read(u, gpa, buf, len);
    return rc;
}

int vtd_mem_write_(struct vtd_iommu *u, uint64_t gpa, const void *buf,
                   size_t len)
{
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    int rc = u->ops.write(u->opaque, gpa, buf, len);
    vtd_cb_exit_(&f);
    return rc > 0 ? 0 : rc;
}

/* The walk's hot path: one callback and one load per entry with map. */
int vtd_mem_ldq_(struct vtd_iommu *u, uint64_t gpa, uint64_t *v)
{
    /* An aligned word never crosses a page: no range check needed. */
    const uint8_t *p = NULL;
    if (u->ops.map)
        p = mem_map(u, gpa, 8);
    if (p) {
        *v = load_word(p);
        if (u->ops.trace) {
            uint8_t b[8];
            le64_put(b, *v);
            trace_mem_read(u, gpa, b, 8);
        }
        return 0;
    }
    uint8_t b[8];
    int rc = vtd_mem_read_(u, gpa, b, 8);
    if (rc < 0)
        return rc;
    *v = le64_get(b);
    return 0;
}

int vtd_mem_cmpxchg64_(struct vtd_iommu *u, uint64_t gpa, uint64_t *expected,
                       uint64_t desired)
{
    if (u->ops.cmpxchg64) {
        struct vtd_cb_frame_ f;
        vtd_cb_enter_(&f, u);
        int rc = u->ops.cmpxchg64(u->opaque, gpa, expected, desired);
        vtd_cb_exit_(&f);
        return rc;
    }
    uint64_t cur;
    int rc = vtd_mem_ldq_(u, gpa, &cur);
    if (rc < 0)
        return rc;
    if (cur != *expected) {
        *expected = cur;
        return -EAGAIN;
    }
    uint8_t b[8];
    stq_le(b, desired);
    return vtd_mem_write_(u, gpa, b, 8);
}

void vtd_emit_(struct vtd_iommu *u, const struct vtd_event *ev)
{
    if (u->ops.trace) {
        struct vtd_cb_frame_ f;
        vtd_cb_enter_(&f, u);
        u->ops.trace(u->opaque, ev);
        vtd_cb_exit_(&f);
    }
}

void vtd_walk_event_(struct vtd_iommu *u, const char *what, int level,
                     uint16_t sid, uint32_t pasid, uint64_t addr,
                     const uint64_t *q, unsigned nq)
{
    if (!vtd_tracing_(u))
        return;
    struct vtd_event ev = {
        .kind = VTD_EV_WALK, .sid = sid, .pasid = pasid, .level = level,
        .addr = addr, .what = what,
    };
    for (unsigned i = 0; i < nq && i < 8; i++)
        ev.val[i] = q[i];
    ev.nval = nq < 8 ? nq : 8;
    vtd_emit_(u, &ev);
}

void vtd_log_(struct vtd_iommu *u, enum vtd_log_level lvl, const char *fmt,
              ...)
{
    if (!u->ops.log && !u->ops.trace)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    if (u->ops.log)
        u->ops.log(u->opaque, lvl, buf);
    if (u->ops.trace) {
        struct vtd_event ev = { .kind = VTD_EV_NOTE, .msg = buf,
                                .pasid = VTD_NO_PASID };
        u->ops.trace(u->opaque, &ev);
    }
    vtd_cb_exit_(&f);
}

void vtd_msi_send_(struct vtd_iommu *u, uint64_t addr, uint32_t data)
{
    if (u->ops.msi_send) {
        struct vtd_cb_frame_ f;
        vtd_cb_enter_(&f, u);
        u->ops.msi_send(u->opaque, addr, data);
        vtd_cb_exit_(&f);
    }
}

/* vtd.h threading contract: the units whose callbacks this thread is in
 * (reentry.h). */
_Thread_local const struct vtd_cb_frame_ *vtd_tls_cb_;
