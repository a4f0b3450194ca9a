/* SPDX-License-Identifier: MIT */
/*
 * vtd/translate.c: the DMA translation pipeline (VT-d chapter 3, 7.1.3).
 *
 * It orchestrates only: translation enable and root-table mode, caches
 * (cache.c), root/context entries (rootctx.c), PASID entries (pasid.c),
 * page walks (walk.c), the request-type and permission checks that use
 * their results, fault reporting (fault.c) and events.
 *
 * An IOTLB hit takes no lock and allocates nothing.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ats.h"
#include "pasid.h"
#include "pmr.h"
#include "regs.h"
#include "reentry.h"
#include "rootctx.h"
#include "translate.h"
#include "walk.h"

enum { KIND_SS, KIND_FS };

/* VER_REG bits 7:4 (VT-d 11.4.1); the unit reads 0x10 when unset. */
static unsigned ver_major(const struct vtd_iommu *u)
{
    return (unsigned)field_get(u->cfg.ver ? u->cfg.ver : 0x10, VER, MAX);
}

/* Output in the interrupt address range FEEx_xxxxh (Table 30 LGN.4,
 * SGN.8). */
static bool intr_range(uint64_t a)
{
    return vtd_intr_addr(a);
}

static bool above_bits(uint64_t a, unsigned bits)
{
    return bits < 64 && (a >> bits) != 0;
}

/* Effective permissions of a cached or walked translation for this
 * request (VT-d 3.6.1: a supervisor request with WPE=0 may write
 * read-only first-stage pages the second stage lets it write). */
static uint32_t eff_perm(uint32_t perm, int kind, bool priv, bool wpe)
{
    if (kind == KIND_FS && priv && !wpe && (perm & VTD_PERM_SSW_))
        perm |= VTD_PERM_W;
    return perm & (VTD_PERM_R | VTD_PERM_W | VTD_PERM_X | VTD_PERM_U);
}

/* Internal IOTLB permission bit: a not-present translation cached under
 * CAP.CM=1 (VT-d 6.1: with caching mode, hardware may cache not-present
 * entries, so software must invalidate after making them present).
 *
 * What the caches hold when a request meets a fault (VT-d 6.2.2, 6.2.3,
 * 6.2.4.1), as vtdemu chooses it (docs/spec-notes.md):
 *  - CM=0: nothing.  A context entry is filled into the context cache only
 *    once the request has passed every check that reads it (LCT.x/SCT.x,
 *    and the address-width checks that use its AW), a PASID-table entry
 *    only once it has passed the SPT.x checks and the checks that read
 *    its fields (PGTT, AW, FSPM), and a translation only once the request
 *    has passed the interrupt-range check (LGN.4, SGN.8) too.
 *  - CM=1: the same, except that a second-stage walk that stopped at a
 *    not-present entry (R=W=0) is cached as a not-present translation,
 *    which 6.2.4.1 allows ("these translation fault conditions may cause
 *    caching of the faulted translation").  Context and PASID caches never
 *    hold faulted entries (6.2.2/6.2.3 say "may").  First-stage faults are
 *    never cached, as 6.2.4.1 requires: "Even when CM is 1, hardware does
 *    not cache translations in the IOTLB that encountered a fault in
 *    first-stage mapping"; that includes nested walks and an FS output in
 *    the interrupt range. */
#define PERM_NP_ (1u << 17)

/* Permission check of a cached translation against the request; same
 * rules as the walks (VT-d 3.6.1, 3.7.1, Table 30 LGN.2/3, SGN.2/6/7). */
static unsigned hit_perm_fault(uint32_t eff, uint32_t access, bool sm,
                               int kind, bool priv)
{
    if (kind == KIND_FS && !priv && !(eff & VTD_PERM_U))
        return VTD_FR_SGN_USER;
    if ((access & VTD_ACC_WRITE) && !(eff & VTD_PERM_W))
        return sm ? VTD_FR_SGN_WRITE : VTD_FR_WRITE;
    if ((access & VTD_ACC_READ) && !(eff & VTD_PERM_R))
        return sm ? VTD_FR_SGN_READ : VTD_FR_READ;
    return 0;
}

/* What a translation through page tables needs besides the request. */
struct paging {
    uint16_t did;        /* domain: IOTLB and paging-structure-cache tag */
    uint32_t pasid_key;  /* PASID tag (the PASID used; 0 in legacy mode) */
    int kind;            /* KIND_SS, or KIND_FS (first stage or nested) */
    bool sm;             /* scalable mode (fault reasons) */
    bool priv;           /* supervisor request (first stage) */
    bool wpe;            /* write protect enable (PASID entry) */
    const struct vtd_ss_params *ssp;   /* the tables of KIND_SS */
    const struct vtd_fs_params *fsp;   /* the tables of KIND_FS */
    uint32_t access;     /* access bits to check (walk_access()) */
};

/* Cached-or-walked translation of iova through the page tables pg
 * describes. */
static void translate_paged(struct vtd_iommu *u, struct translation *x,
                            const struct paging *pg)
{
    const struct vtd_dma_req *req = x->req;
    const uint16_t did = pg->did;
    const uint32_t pasid_key = pg->pasid_key;
    const int kind = pg->kind;
    const bool sm = pg->sm, priv = pg->priv, wpe = pg->wpe;
    const struct vtd_ss_params *ssp = pg->ssp;
    const struct vtd_fs_params *fsp = pg->fsp;
    const uint32_t access = pg->access;
    struct vtd_iotlb_hit hit;

    x->first_stage = kind == KIND_FS;
    /* Before the IOTLB, the paging-structure caches and the tables (a
     * nested request keeps the first read). */
    if (x->use_cache && x->dgen == VTD_DGEN_NONE)
        x->dgen = vtd_cache_dgen_(u, did);
    if (x->use_cache &&
        vtd_cache_iotlb_lookup_(u, did, pasid_key, kind == KIND_FS,
                                req->iova, &hit)) {
        vtd_count_shard_(u, iotlb_hits);
        x->iotlb_hit = true;
        if (hit.perm & PERM_NP_) {
            /* Same reason the walk gave (LGN.2/3, SSS.2, SFS.2). */
            x->fault = !sm ? ((access & VTD_ACC_WRITE) ? VTD_FR_WRITE
                                                       : VTD_FR_READ)
                           : kind == KIND_FS ? VTD_FR_SFS_NOT_PRESENT
                                             : VTD_FR_SSS_NO_PERM;
            return;
        }
        uint32_t eff = eff_perm(hit.perm, kind, priv, wpe);
        x->snp = (hit.perm & VTD_PERM_SNP_) != 0;
        x->fault = hit_perm_fault(eff, access, sm, kind, priv);
        x->addr = hit.page | (req->iova & (hit.page_size - 1));
        x->page_size = hit.page_size;
        x->perm = eff;
        return;
    }
    if (x->use_cache)
        vtd_count_shard_(u, iotlb_misses);

    uint64_t gen = x->gen;
    struct vtd_walk_ctx wc = {
        .sid = req->sid, .pasid = req->pasid, .trace = x->trace,
        .update_ad = x->update_ad,
        /* Paging-structure caches (pscache.h): tagged like the IOTLB. */
        .psc = x->use_cache, .did = did, .psc_pasid = pasid_key,
        /* 4.2.3.1: a translation request with NW=0 sets A/D as an
         * atomic (read + write) would. */
        .ad_write = req->at == VTD_AT_TRANSLATION && !x->nw,
    };
    struct vtd_walk_res r;
    if (kind == KIND_FS)
        vtd_fs_walk_(u, fsp, &wc, req->iova, access, &r);
    else
        vtd_ss_walk_(u, ssp, &wc, req->iova, access, &r);
    x->psc_hit = r.psc_hit;
    x->psc_ih = r.psc_ih;
    if (r.fault) {
        x->fault = r.fault;
        /* CM=1 only, second stage only (6.2.4.1). */
        if (r.not_present && x->use_cache && field_get(u->cap, CAP, CM) &&
            kind == KIND_SS) {
            struct vtd_iotlb_hit neg = { .page = 0, .page_size = 4096,
                                         .perm = PERM_NP_ };
            vtd_cache_iotlb_fill_(u, did, pasid_key, false, req->iova, &neg,
                                  gen, x->dgen);
            x->np_cached = true;
        }
        return;
    }
    x->walked = true;
    x->walk_fs = kind == KIND_FS;
    x->walk_levels = kind == KIND_FS ? fsp->levels : ssp->levels;
    x->addr = r.addr;
    x->page_size = r.page_size;
    x->perm = eff_perm(r.perm, kind, priv, wpe);
    x->snp = (r.perm & VTD_PERM_SNP_) != 0;
    if (x->use_cache) {
        /* Filled by commit_iotlb() once the interrupt-range check has
         * passed too (6.2.4.1). */
        x->tlb_pending = true;
        x->tlb_fs = kind == KIND_FS;
        x->tlb_did = did;
        x->tlb_key = pasid_key;
        x->tlb = (struct vtd_iotlb_hit){
            .page = r.addr & ~(r.page_size - 1), .page_size = r.page_size,
            .perm = r.perm,
        };
    }
}

/* Fill the translation translate_paged() walked into the IOTLB when the
 * request ended without a fault (VT-d 6.2.4.1: "IOTLB caches only valid
 * mappings"). */
static void commit_iotlb(struct vtd_iommu *u, struct translation *x)
{
    if (x->tlb_pending && !x->fault)
        vtd_cache_iotlb_fill_(u, x->tlb_did, x->tlb_key, x->tlb_fs,
                              x->req->iova, &x->tlb, x->gen, x->dgen);
    x->tlb_pending = false;
}

/* Access bits the walk must check: none for translation requests, which
 * complete with the effective permissions (Table 30, "Success with
 * effective permission"). */
static uint32_t walk_access(const struct vtd_dma_req *req)
{
    if (req->at == VTD_AT_TRANSLATION)
        return 0;
    return req->access & (VTD_ACC_READ | VTD_ACC_WRITE);
}

/* ------------------------------------------------------------------ */
/* Legacy mode (TTM=00b)                                               */
/* ------------------------------------------------------------------ */

static void legacy(struct vtd_iommu *u, uint64_t rta, struct translation *x)
{
    const struct vtd_dma_req *req = x->req;
    struct vtd_ctx ctx;
    uint64_t gen = x->gen;

    if (req->pasid != VTD_NO_PASID) {
        x->fault = VTD_FR_RTA_LEGACY_PASID;            /* RTA.2 */
        return;
    }
    bool ctx_fill = false;
    if (x->use_cache && vtd_cache_ctx_lookup_(u, req->sid, &ctx) &&
        !ctx.scalable) {
        x->struct_hit = true;
    } else {
        unsigned f;
        bool fpd;
        vtd_ctx_fetch_(u, rta, false, req->sid, x->trace, &ctx, &f, &fpd);
        if (f) {
            x->fault = f;
            x->fpd = fpd;
            return;
        }
        ctx_fill = x->use_cache;
    }
    x->fpd = field_get(ctx.q[0], CE_LO, FPD);
    x->did = (uint16_t)field_get(ctx.q[1], CE_HI, DID);
    unsigned tt = (unsigned)field_get(ctx.q[0], CE_LO, TT);

    /* VT-d 9.3 TT: translation and translated requests need TT=01b. */
    if (req->at != VTD_AT_UNTRANSLATED && tt != VTD_TT_DEVTLB) {
        x->fault = VTD_FR_CTX_TT_BLOCKED;              /* LCT.5 */
        return;
    }
    x->rule_mode = req->at == VTD_AT_TRANSLATED ? VTD_RULE_M_LEGACY_TRANSLATED
                 : tt == VTD_TT_PT            ? VTD_RULE_M_LEGACY_PT
                 : tt == VTD_TT_DEVTLB        ? VTD_RULE_M_LEGACY_TT1
                                              : VTD_RULE_M_LEGACY_TT0;
    if (req->at == VTD_AT_TRANSLATION && intr_range(req->iova)) {
        /* 4.2.3, Table 30 S.1/S.2: not a fault (ats.c forms it). */
        if (ctx_fill)
            vtd_cache_ctx_fill_(u, req->sid, &ctx, gen);
        x->intr_special = true;
        return;
    }
    if (req->at == VTD_AT_TRANSLATED || tt == VTD_TT_PT) {
        /* Output = input: above HAW -> 4h (LGN.1.2, LGN.1.3). */
        if (above_bits(req->iova, u->haw)) {
            x->fault = VTD_FR_ADDR_BEYOND_AW;
            return;
        }
        /* 9.3 AW with TT=10b: untranslated requests "accessing addresses
         * above 2^X-1 (where X is the AGAW value indicated by this field)
         * are blocked and treated as translation faults".  Table 30 has
         * no row for it; vtdemu reports the nearest, LGN.1 (4h), an open
         * choice (docs/spec-notes.md).  rootctx.c has checked AW against
         * SAGAW (LCT.4.1) unless SAGAW=0, when no AGAW exists. */
        if (tt == VTD_TT_PT && req->at == VTD_AT_UNTRANSLATED &&
            u->sagaw != 0 &&
            above_bits(req->iova,
                       vtd_aw_bits_((unsigned)field_get(ctx.q[1], CE_HI,
                                                        AW)))) {
            x->fault = VTD_FR_ADDR_BEYOND_AW;
            return;
        }
        /* The request passed every check of the entry (6.2.2). */
        if (ctx_fill)
            vtd_cache_ctx_fill_(u, req->sid, &ctx, gen);
        x->addr = req->iova;
        x->page_size = 4096;
        x->perm = VTD_PERM_R | VTD_PERM_W;
    } else {
        unsigned aw = (unsigned)field_get(ctx.q[1], CE_HI, AW);
        /* LGN.1.1: above 2^min(MGAW, AGAW) - 1. */
        if (above_bits(req->iova, MIN(u->mgaw, vtd_aw_bits_(aw)))) {
            x->fault = VTD_FR_ADDR_BEYOND_AW;
            return;
        }
        if (ctx_fill)
            vtd_cache_ctx_fill_(u, req->sid, &ctx, gen);
        struct vtd_ss_params ssp = {
            .root = VTD_GET_ADDR_(ctx.q[0], CE_LO, SSPTPTR),
            .levels = vtd_aw_levels_(aw),
        };
        const struct paging pg = { .did = x->did, .kind = KIND_SS,
                                   .ssp = &ssp,
                                   .access = walk_access(req) };
        translate_paged(u, x, &pg);
        if (x->fault)
            return;
    }
    if (intr_range(x->addr))
        x->fault = VTD_FR_INTR_ADDR;                   /* LGN.4 */
    commit_iotlb(u, x);
}

/* ------------------------------------------------------------------ */
/* Scalable mode (TTM=01b)                                             */
/* ------------------------------------------------------------------ */

static void scalable(struct vtd_iommu *u, uint64_t rta, struct translation *x)
{
    const struct vtd_dma_req *req = x->req;
    const bool has_pasid = req->pasid != VTD_NO_PASID;
    struct vtd_ctx ctx;
    uint64_t gen = x->gen;

    bool ctx_fill = false;
    if (x->use_cache && vtd_cache_ctx_lookup_(u, req->sid, &ctx) &&
        ctx.scalable) {
        x->struct_hit = true;
    } else {
        unsigned f;
        bool fpd;
        vtd_ctx_fetch_(u, rta, true, req->sid, x->trace, &ctx, &f, &fpd);
        if (f) {
            x->fault = f;
            x->fpd = fpd;
            return;
        }
        ctx_fill = x->use_cache;
    }
    x->fpd = field_get(ctx.q[0], SCE0, FPD);

    if (has_pasid) {
        unsigned pss = (unsigned)field_get(u->ecap, ECAP, PSS) + 1;
        if (above_bits(req->pasid, pss)) {
            x->fault = VTD_FR_SGN_PASID_SIZE;          /* SGN.10 */
            return;
        }
        if (!field_get(ctx.q[0], SCE0, PASIDE)) {
            x->fault = VTD_FR_SCT_PASIDE;              /* SCT.6 */
            return;
        }
        if (req->pasid > vtd_ctx_max_pasid_(&ctx)) {
            x->fault = VTD_FR_SCT_PASID_RANGE;         /* SCT.7 */
            return;
        }
        if (req->pasid == field_get(ctx.q[1], SCE1, RID_PASID)) {
            x->fault = VTD_FR_SCT_RID_PASID;           /* SCT.9 */
            return;
        }
    }
    if (req->at != VTD_AT_UNTRANSLATED && !field_get(ctx.q[0], SCE0, DTE)) {
        x->fault = VTD_FR_SCT_DTE;                     /* SCT.5 */
        return;
    }
    if (req->at == VTD_AT_TRANSLATED) {
        if (has_pasid) {
            x->fault = VTD_FR_SCT_EPTR;                /* SCT.10 */
            return;
        }
        /* VT-d 9.4 DTE: translated requests bypass translation. */
        x->rule_mode = VTD_RULE_M_SM_TRANSLATED;
        if (above_bits(req->iova, u->haw)) {
            x->fault = VTD_FR_SGN_HAW;                 /* SGN.4.1 */
            return;
        }
        if (ctx_fill)
            vtd_cache_ctx_fill_(u, req->sid, &ctx, gen);
        x->addr = req->iova;
        x->page_size = 4096;
        x->perm = VTD_PERM_R | VTD_PERM_W;
        if (intr_range(x->addr))
            x->fault = VTD_FR_SGN_INTR_ADDR;
        return;
    }
    /* Every SCT.x check of the request has passed (6.2.2). */
    if (ctx_fill)
        vtd_cache_ctx_fill_(u, req->sid, &ctx, gen);

    /* VT-d 9.4: requests without PASID use RID_PASID and RID_PRIV. */
    uint32_t pasid = has_pasid ? req->pasid
                               : (uint32_t)field_get(ctx.q[1], SCE1,
                                                     RID_PASID);
    bool priv = has_pasid ? (req->access & VTD_ACC_PRIV) != 0
                          : field_get(ctx.q[1], SCE1, RID_PRIV) != 0;
    /* Execute-Requested is carried only by requests with PASID. */
    bool exec = has_pasid && (req->access & VTD_ACC_EXEC);

    struct vtd_pasid_ent pe;
    bool pe_fill = false;
    if (x->use_cache && vtd_cache_pasid_lookup_(u, req->sid, pasid, &pe)) {
        x->struct_hit = true;
    } else {
        unsigned f;
        bool fpd;
        vtd_pasid_fetch_(u, &ctx, req->sid, pasid, x->trace, &pe, &f, &fpd);
        x->fpd = x->fpd || fpd;
        if (f) {
            x->fault = f;
            return;
        }
        pe_fill = x->use_cache;
    }
    x->fpd = x->fpd || pe.fpd;
    x->did = (uint16_t)field_get(pe.q[1], PTE1, DID);

    /* Table 30 SPT.5: ER=1 with ECAP.ERS=0 faults 5Ch on units whose
     * VER major version is 7 or below (major 8 and later fault RTA.5
     * before this, vtd_translate_root_()).  Rev. 5.10 defines no execute permission
     * beyond that: 3.6.1 grants rights by R/W and U/S only, first-stage
     * bit 63 is ignored (9.7 Tables 34-40; there is no XD) and ERS is RO
     * 0 (11.4.3).  So with an ERS=1 unit of major version 7 or below, ER
     * changes nothing and the request is checked as the read or write it
     * is. */
    if (exec && !field_get(u->ecap, ECAP, ERS) && ver_major(u) <= 7) {
        x->fault = VTD_FR_SPT_EXEC;                    /* SPT.5 */
        return;
    }
    if (priv && !field_get(pe.q[2], PTE2, SRE)) {
        x->fault = VTD_FR_SPT_SRE;                     /* SPT.6 */
        return;
    }
    x->pgsnp = field_get(pe.q[1], PTE1, PGSNP);
    if (req->at == VTD_AT_TRANSLATION && intr_range(req->iova) &&
        (!has_pasid ||
         field_get(pe.q[0], PTE0, PGTT) == VTD_PGTT_PT)) {
        /* 4.2.3, Table 30 S.1/S.2 (without PASID); SGN.8.2: with PASID
         * only pass-through meets them (docs/ats.md). */
        if (pe_fill)
            vtd_cache_pasid_fill_(u, req->sid, pasid, &pe, gen);
        x->intr_special = true;
        return;
    }

    unsigned pgtt = (unsigned)field_get(pe.q[0], PTE0, PGTT);
    unsigned aw = (unsigned)field_get(pe.q[0], PTE0, AW);
    bool pwsnp = field_get(u->ecap, ECAP, SMPWCS) &&
                 field_get(pe.q[1], PTE1, PWSNP);
    struct vtd_ss_params ssp = {
        .root = VTD_GET_ADDR_(pe.q[0], PTE0, SSPTPTR),
        .levels = vtd_aw_levels_(aw),
        .scalable = true,
        .ssade = field_get(pe.q[0], PTE0, SSADE),
        .pwsnp = pwsnp,
    };
    unsigned ss_bits = MIN(u->mgaw, vtd_aw_bits_(aw));
    bool wpe = field_get(pe.q[2], PTE2, WPE);
    x->rule_pasid = has_pasid ? VTD_RULE_M_SM_PASID : VTD_RULE_M_SM_RID_PASID;
    x->rule_mode = pgtt == VTD_PGTT_PT   ? VTD_RULE_M_SM_PT
                 : pgtt == VTD_PGTT_SS   ? VTD_RULE_M_SM_SS
                 : pgtt == VTD_PGTT_NESTED ? VTD_RULE_M_SM_NESTED
                                         : VTD_RULE_M_SM_FS;

    if (pgtt == VTD_PGTT_PT) {
        if (above_bits(req->iova, u->haw)) {
            x->fault = VTD_FR_SGN_HAW;                 /* SGN.4.2 */
            return;
        }
        /* The entry passed every check of the request (6.2.3). */
        if (pe_fill)
            vtd_cache_pasid_fill_(u, req->sid, pasid, &pe, gen);
        x->addr = req->iova;
        x->page_size = 4096;
        x->perm = VTD_PERM_R | VTD_PERM_W;
        x->pt = true;
    } else if (pgtt == VTD_PGTT_SS) {
        if (above_bits(req->iova, ss_bits)) {
            x->fault = VTD_FR_SGN_AW;                  /* SGN.5 */
            return;
        }
        if (pe_fill)
            vtd_cache_pasid_fill_(u, req->sid, pasid, &pe, gen);
        const struct paging pg = { .did = x->did, .pasid_key = pasid,
                                   .kind = KIND_SS, .sm = true,
                                   .priv = priv, .wpe = wpe, .ssp = &ssp,
                                   .access = walk_access(req) };
        translate_paged(u, x, &pg);
        if (x->fault)
            return;
    } else {
        /* First stage or nested: canonical input (SGN.1), N = 48 or 57. */
        unsigned levels = field_get(pe.q[2], PTE2, FSPM) ? 5 : 4;
        unsigned n = levels == 5 ? 57 : 48;
        uint64_t top = req->iova >> (n - 1);
        if (top != 0 && top != (~0ULL >> (n - 1))) {
            x->fault = VTD_FR_SGN_CANONICAL;
            return;
        }
        if (pe_fill)
            vtd_cache_pasid_fill_(u, req->sid, pasid, &pe, gen);
        struct vtd_fs_params fsp = {
            .root = VTD_GET_ADDR_(pe.q[2], PTE2, FSPTPTR),
            .levels = levels,
            .priv = priv,
            .wpe = wpe,
            .eafe = field_get(pe.q[2], PTE2, EAFE),
            .pwsnp = pwsnp,
            .nested = pgtt == VTD_PGTT_NESTED ? &ssp : NULL,
            .nested_aw = ss_bits,
        };
        const struct paging pg = { .did = x->did, .pasid_key = pasid,
                                   .kind = KIND_FS, .sm = true,
                                   .priv = priv, .wpe = wpe, .fsp = &fsp,
                                   .access = walk_access(req) };
        translate_paged(u, x, &pg);
        if (x->fault)
            return;
    }
    if (intr_range(x->addr))
        x->fault = VTD_FR_SGN_INTR_ADDR;               /* SGN.8 */
    commit_iotlb(u, x);
}

/* Faults a translation request completes successfully with no
 * permissions instead of reporting (Table 30 "Success with R=W=U=S=0"). */
static bool translation_req_success(unsigned f)
{
    switch (f) {
    case VTD_FR_ADDR_BEYOND_AW: case VTD_FR_WRITE: case VTD_FR_READ:
    case VTD_FR_SPD_NOT_PRESENT: case VTD_FR_SPT_NOT_PRESENT:
    case VTD_FR_SPT_SRE: case VTD_FR_SPT_EXEC:
    case VTD_FR_SSS_NO_PERM: case VTD_FR_SGN_CANONICAL:
    case VTD_FR_SGN_USER: case VTD_FR_SGN_HAW: case VTD_FR_SGN_AW:
    case VTD_FR_SGN_WRITE: case VTD_FR_SGN_READ:
        return true;
    default:
        return (f >= VTD_FR_SFS_ACCESS && f <= VTD_FR_SFS_NESTED_AD) ||
               f == VTD_FR_SFS_AD_NOSNOOP || f == VTD_FR_SFS_AD_FAILED;
    }
}

/* The translation of x->req through the root-table pointer root (the
 * latched RTADDR_REG): by its TTM, legacy or scalable (VT-d 3.4, 3.5),
 * then the faults a translation request turns into a successful
 * completion (Table 30). */
void vtd_translate_root_(struct vtd_iommu *u, uint64_t root,
                         struct translation *x)
{
    unsigned ttm = (unsigned)field_get(root, RTADDR, TTM);
    uint64_t rta = VTD_GET_ADDR_(root, RTADDR, RTA);

    x->page_size = 4096;
    x->dgen = VTD_DGEN_NONE;   /* read by translate_paged() */
    if (x->use_cache)
        x->gen = vtd_cache_gen_(u);
    switch (ttm) {
    case VTD_TTM_LEGACY:
        legacy(u, rta, x);
        break;
    case VTD_TTM_SCALABLE:
        if (!field_get(u->ecap, ECAP, SMTS))
            x->fault = VTD_FR_RTA_INVALID;             /* RTA.1.3 */
        else if (x->req->pasid != VTD_NO_PASID &&
                 (x->req->access & VTD_ACC_EXEC) && ver_major(u) >= 8)
            /* RTA.5: "Hardware implementations with Major Version 8 and
             * above (VER_REG) detected an untranslated/translation/
             * translated request-with-PASID with Execute-Requested (ER)
             * field set" (34h, not qualified).  In legacy mode RTA.2 and
             * in abort-DMA mode RTA.4 come first (vtdemu's order). */
            x->fault = VTD_FR_RTA_EXEC;
        else
            scalable(u, rta, x);
        break;
    case VTD_TTM_ABORT:
        x->fault = field_get(u->ecap, ECAP, ADMS) ? VTD_FR_RTA_ABORT
                                                   : VTD_FR_RTA_INVALID;
        break;
    default:
        x->fault = VTD_FR_RTA_INVALID;                 /* RTA.1.2 */
        break;
    }
    if (x->fault && x->req->at == VTD_AT_TRANSLATION &&
        translation_req_success(x->fault)) {
        x->tr_fault = x->fault;
        x->cond = x->fault;
        x->fault = 0;
        x->addr = 0;
        x->perm = 0;
    }
    if (x->fault) {
        x->addr = 0;
        x->perm = 0;
    }
}

/* notify.h: the translation from the tables alone, for caching-mode
 * subscribers (no cache, no A/D update, no fault record, no event). */
void vtd_translate_tables_(struct vtd_iommu *u, uint64_t root,
                           const struct vtd_dma_req *req,
                           struct vtd_xlate *out)
{
    struct translation x = { .req = req };
    vtd_translate_root_(u, root, &x);
    memset(out, 0, sizeof(*out));
    out->addr = x.addr;
    out->page_size = x.page_size;
    out->perm = x.perm;
    out->did = x.did;
    out->fault = x.fault;
}

/* Coverage (rulehits.h): the rules a request took, counted once per
 * request that missed the front cache (never on the hit path). */
static void count_rules(struct vtd_iommu *u, const struct translation *x)
{
    if (x->tr_fault) {
        vtd_rule_fault_(u, x->tr_fault);
        vtd_rule_(u, FR_TRANSLATION_SUCCESS);
    }
    if (x->np_cached)
        vtd_rule_(u, M_CM_NP_CACHED);
    if (x->walked)
        vtd_rule_walk_(u, x->walk_fs, x->walk_levels, x->page_size);
    if (x->walked && x->psc_hit) {
        if (x->walk_fs)
            vtd_rule_(u, M_PSC_FS);
        else
            vtd_rule_(u, M_PSC_SS);
        if (x->psc_ih)
            vtd_rule_(u, M_PSC_IH_KEPT);
    }
    if (x->fault)
        return;
    if (x->rule_mode < VTD_RULE_COUNT_)
        vtd_rule_id_(u, x->rule_mode);
    if (x->rule_pasid < VTD_RULE_COUNT_)
        vtd_rule_id_(u, x->rule_pasid);
}

/* A front-cache fill the request may make (cache.h "Front cache"). */
struct front_fill {
    bool on;             /* the request may fill the front cache */
    uint64_t key;        /* vtd_fast_key_() */
    uint64_t gen, epoch; /* read before TE, the root and any structure */
};

/* Everything but a front-cache hit: structures, caches, walks, faults,
 * events.  Kept out of line so the hit path stays short. */
static G_GNUC_NO_INLINE void translate_slow(struct vtd_iommu *u,
                                            const struct vtd_dma_req *req,
                                            struct vtd_xlate *out,
                                            uint64_t root,
                                            const struct front_fill *ff,
                                            bool nw,
                                            struct vtd_ats_raw_ *raw)
{
    uint32_t size = req->size ? req->size : 1;
    struct translation x = {
        .req = req,
        .trace = vtd_tracing_(u),
        .use_cache = u->cfg.cache != VTD_CACHE_NONE,
        .update_ad = true,
        .rule_mode = VTD_RULE_COUNT_, .rule_pasid = VTD_RULE_COUNT_,
        .nw = nw,
    };
    vtd_translate_root_(u, root, &x);
    count_rules(u, &x);

    if (u->cfg.lint && (x.iotlb_hit || x.struct_hit || x.psc_hit))
        vtd_lint_(u, root, &x);
    /* 11.4.8.1: the memory access, not the translation, is blocked; a
     * translation request (ATS) accesses no memory. */
    bool pmr = !x.fault && req->at != VTD_AT_TRANSLATION &&
               vtd_pmr_blocks_(u, x.addr, size);
    if (pmr) {
        vtd_rule_(u, FR_PMR_BLOCKED);
        x.fault = VTD_FR_PMR_BLOCKED;
        x.addr = 0;
        x.perm = 0;
    }
    if (ff && ff->on && !x.fault) {
        struct vtd_fast_hit fh = {
            .page = x.addr & ~0xfffULL, .page_size = x.page_size,
            .pd = vtd_fast_pd_(x.perm, x.did),
            .first_stage = x.first_stage,
        };
        vtd_cache_fast_fill_(u, ff->key, req->iova, &fh, ff->gen,
                             ff->epoch, x.dgen);
    }

    out->addr = x.addr;
    out->page_size = x.page_size;
    out->perm = x.perm;
    out->did = x.did;
    out->fault = x.fault;
    out->cached = x.iotlb_hit;
    if (x.fault && !pmr) {
        struct vtd_fault_info fi = {
            .sid = req->sid,
            .reason = x.fault,
            .addr = req->iova & ~0xfffULL,
            .is_read = !(req->access & VTD_ACC_WRITE),
            .at = req->at,
            .pasid = req->pasid,
            .priv = (req->access & VTD_ACC_PRIV) != 0,
            .exec = (req->access & VTD_ACC_EXEC) != 0,
        };
        out->recorded = vtd_fault_report_(u, &fi, x.fpd);
    }
    bool cond_recorded = false;
    if (x.cond == VTD_FR_SFS_AD_FAILED) {
        /* Table 30 SFS.10: success with R=W=U=S=0, "also reported as
         * non-recoverable fault". */
        struct vtd_fault_info fi = {
            .sid = req->sid, .reason = x.cond,
            .addr = req->iova & ~0xfffULL, .is_read = true, .at = req->at,
            .pasid = req->pasid,
            .priv = (req->access & VTD_ACC_PRIV) != 0,
            .exec = (req->access & VTD_ACC_EXEC) != 0,
        };
        cond_recorded = vtd_fault_report_(u, &fi, x.fpd);
    }
    if (raw) {
        *raw = (struct vtd_ats_raw_){
            .addr = x.addr, .page_size = x.page_size, .perm = x.perm,
            .did = x.did, .fault = x.fault, .cond = x.cond,
            .recorded = x.fault ? out->recorded : cond_recorded,
            .cached = x.iotlb_hit, .snp = x.snp, .pgsnp = x.pgsnp,
            .scalable = field_get(root, RTADDR, TTM) == VTD_TTM_SCALABLE,
            .pt = x.pt, .intr_special = x.intr_special,
        };
    }
    if (vtd_tracing_(u)) {
        struct vtd_event ev = {
            .kind = VTD_EV_DMA, .sid = req->sid, .pasid = req->pasid,
            .addr = req->iova, .val = { out->addr, out->page_size,
                                        out->perm, out->did },
            .nval = 4, .size = size, .fault = out->fault,
            .recorded = out->recorded, .what = out->cached ? "iotlb" : "walk",
        };
        vtd_emit_(u, &ev);
    }
}

/* Front-cache key of a request (cache.h): PASID or none, SID. */
static inline uint64_t fast_key(const struct vtd_dma_req *req)
{
    return vtd_fast_key_(req->sid, req->pasid);
}

/* Whether the front cache may be filled with this request's result:
 * translation enabled, caching on, no protected memory region, a plain
 * untranslated request (AT=00b, no execute or privilege flag). */
static inline bool fast_eligible(const struct vtd_iommu *u,
                                 const struct vtd_dma_req *req, bool te)
{
    return te && u->cache.fast_ok &&
           !atomic_load_explicit(&u->pmr_on, memory_order_acquire) &&
           ((unsigned)req->at |
            (req->access & (VTD_ACC_EXEC | VTD_ACC_PRIV))) == 0;
}

/* Everything after the front-cache lookup: translation disabled, a
 * front-cache miss, or a request the front cache does not serve.  It
 * reads TE and the root again; either snapshot is one the request may
 * see (the register writes race with it anyway). */
static G_GNUC_NO_INLINE int translate_miss(struct vtd_iommu *u,
                                           const struct vtd_dma_req *req,
                                           struct vtd_xlate *out)
{
    /* The generation, then the epoch, before TE, the root, pmr_on and
     * any structure read (cache.h): a change of any of them after this
     * point bumps the generation, so the front-cache fill is refused. */
    struct front_fill ff = { .gen = vtd_cache_gen_(u) };
    ff.epoch = vtd_cache_epoch_(u);
    memset(out, 0, sizeof(*out));
    /* VT-d 11.4.5 GSTS.TES=0: requests are not translated. */
    const bool te = atomic_load_explicit(&u->te, memory_order_acquire);
    /* 4.2.1: with TES=0 every request with a non-zero AT is UR, and so
     * is a memory write with AT=01b (a translation request is a read). */
    if (req->at != VTD_AT_UNTRANSLATED &&
        (!te || (req->at == VTD_AT_TRANSLATION &&
                 (req->access & VTD_ACC_WRITE)))) {
        out->fault = VTD_FR_ATS_UR;
        return 0;
    }
    if (!te) {
        if (vtd_pmr_blocks_(u, req->iova, req->size)) {      /* 11.4.8.1 */
            vtd_rule_(u, FR_PMR_BLOCKED);
            out->fault = VTD_FR_PMR_BLOCKED;
            return 0;
        }
        vtd_rule_(u, M_TE_OFF);
        out->addr = req->iova;
        out->page_size = 4096;
        out->perm = VTD_PERM_R | VTD_PERM_W;
        return 0;
    }
    uint64_t root = atomic_load_explicit(&u->root_latched,
                                         memory_order_acquire);
    ff.on = fast_eligible(u, req, te);
    ff.key = fast_key(req);
    translate_slow(u, req, out, root, &ff, false, NULL);
    return 0;
}

/* ats.c: a translation request; never the front cache (AT != 00b).  The
 * caller has checked TES=1. */
void vtd_translate_ats_(struct vtd_iommu *u, const struct vtd_dma_req *req,
                        bool nw, struct vtd_ats_raw_ *raw)
{
    struct vtd_xlate out;
    memset(&out, 0, sizeof(out));
    uint64_t root = atomic_load_explicit(&u->root_latched,
                                         memory_order_acquire);
    translate_slow(u, req, &out, root, NULL, nw, raw);
}

/* The IOTLB-hit path: a front-cache hit whose rights cover the request.
 * Reads and writes only; no lock, no locked instruction, no allocation,
 * no call.  What it does not check, and why that is safe:
 *  - u, req, out non-NULL: checked by vtd_translate() first;
 *  - the PASID range: an out-of-range PASID has a key no fill ever
 *    stores (cache.h), so it misses and translate_checked() rejects it;
 *  - AT above 2: the AT=0 test below sends it to the slow path;
 *  - TE, the latched root (TTM) and the protected-memory regions: each
 *    change of them empties the front cache and no fill happens while
 *    TE=0 or a region is on (cache.h, vtd_fast_key_());
 *  - u->cache.fast_ok: when it is false nothing ever fills the front
 *    cache (translate_miss() and vtd_cache_fast_put_() test it), so the
 *    lookup misses;
 *  - re-entrancy and the counter shard: one TLS word, 0 inside a host
 *    callback or before the thread's first slow-path request
 *    (reentry.h); the slow path decides (-EDEADLK, shard assignment).
 * The size check stays: (iova & ~VTD_PAGE_MASK) + size > VTD_PAGE_4K
 * (a size of 0 means 1, which the same test covers). */
static inline bool translate_hit(struct vtd_iommu *u,
                                 const struct vtd_dma_req *req,
                                 struct vtd_xlate *out)
{
    const uint64_t iova = req->iova;
    if ((iova & ~VTD_PAGE_MASK) + req->size > VTD_PAGE_4K ||
        ((unsigned)req->at | (req->access & (VTD_ACC_EXEC | VTD_ACC_PRIV))))
        return false;
    const size_t hit_off = vtd_tls_hit_;
    if (G_UNLIKELY(hit_off == 0))
        return false;
    if (!vtd_cache_fast_xlate_(&u->cache, fast_key(req), iova, req->access,
                               out))
        return false;
    /* The hit counter of this thread's shard (internal.h): a plain load
     * and store, not a locked add.  Exact while at most VTD_SHARDS
     * threads translate at once (each has its own shard); beyond that two
     * threads may share a shard and a hit count may be lost.  Counters
     * are statistics, never used for a decision. */
    _Atomic uint64_t *hits = (_Atomic uint64_t *)((char *)u + hit_off);
    atomic_store_explicit(hits, atomic_load_explicit(hits,
                                                     memory_order_relaxed) + 1,
                          memory_order_relaxed);
    return true;
}

/* The word stores of vtd_cache_fast_xlate_() (cache.h): little-endian,
 * addr, page_size, then perm and did in one word, fault, recorded and
 * cached in the last, ending the struct. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "translate_hit() stores struct vtd_xlate fields as words");
_Static_assert(offsetof(struct vtd_xlate, addr) == 0 &&
                   offsetof(struct vtd_xlate, page_size) == 8 &&
                   offsetof(struct vtd_xlate, perm) == 16 &&
                   offsetof(struct vtd_xlate, did) ==
                       offsetof(struct vtd_xlate, perm) + 4 &&
                   offsetof(struct vtd_xlate, fault) ==
                       offsetof(struct vtd_xlate, perm) + 8 &&
                   offsetof(struct vtd_xlate, recorded) ==
                       offsetof(struct vtd_xlate, fault) + 4 &&
                   offsetof(struct vtd_xlate, cached) ==
                       offsetof(struct vtd_xlate, fault) + 5 &&
                   sizeof(struct vtd_xlate) ==
                       offsetof(struct vtd_xlate, fault) + 8 &&
                   VTD_FAST_TAIL ==
                       1ULL << (8 * (offsetof(struct vtd_xlate, cached) -
                                     offsetof(struct vtd_xlate, fault))),
               "struct vtd_xlate layout");

/* Argument checks of the slow path (the hit path needs fewer, see
 * translate_hit()). */
static G_GNUC_NO_INLINE int translate_checked(struct vtd_iommu *u,
                                              const struct vtd_dma_req *req,
                                              struct vtd_xlate *out)
{
    const uint64_t iova = req->iova;
    const uint32_t pasid = req->pasid;
    uint32_t size = req->size ? req->size : 1;
    if (G_UNLIKELY((iova & ~VTD_PAGE_MASK) + size > VTD_PAGE_4K ||
                   (pasid != VTD_NO_PASID && pasid > VTD_PASID_MAX) ||
                   (unsigned)req->at > VTD_AT_TRANSLATED))
        return -EINVAL;
    if (G_UNLIKELY(vtd_in_callback_(u)))
        return -EDEADLK; /* vtd.h threading contract */
    (void)vtd_shard_(); /* the hit path's TLS word (reentry.h) */
    return translate_miss(u, req, out);
}

int vtd_translate(struct vtd_iommu *u, const struct vtd_dma_req *req,
                  struct vtd_xlate *out)
{
    if (G_UNLIKELY(!u || !req || !out))
        return -EINVAL;
    if (G_LIKELY(translate_hit(u, req, out)))
        return 0;
    return translate_checked(u, req, out);
}
