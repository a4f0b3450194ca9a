/* SPDX-License-Identifier: MIT */
/*
 * vtd/walk.c: second-stage (VT-d 3.7, 9.8), first-stage (VT-d 3.6, 9.7)
 * and nested (VT-d 3.8) page walks.  Nothing here allocates; every loop
 * is bounded by the level count and a small retry count for A/D updates
 * that race with the guest (cmpxchg returned -EAGAIN).
 */
#include "rootctx.h"
#include "walk.h"

#define AD_RETRIES 4
#define MAX_LEVELS 5

static unsigned level_shift(unsigned level)
{
    return 12 + 9 * (level - 1);
}

/* VT-d 9.7 / 9.8: bits 51:HAW of every paging entry are reserved. */
static uint64_t haw_rsvd(const struct vtd_iommu *u)
{
    return u->haw >= 52 ? 0 : bits_mask(u->haw, 52 - u->haw);
}

/* Address bits 51:shift of a paging entry (bits above HAW were checked
 * to be zero). */
static uint64_t entry_addr(uint64_t e, unsigned shift)
{
    return e & bits_mask(shift, 52 - shift);
}

/* VT-d 9.8 Tables 41-47: reserved bits of a second-stage entry.  IW (62)
 * is reserved because this model has no second-stage I/O read/write
 * bits; bit 11 is reserved in non-leaf entries and is SNP (reserved with
 * ECAP.SC=0) in leaves; bit 7 is reserved at levels 4 and 5. */
static uint64_t ss_rsvd_mask(uint64_t base, bool sc, unsigned level,
                             bool leaf)
{
    uint64_t m = base;
    if (!leaf) {
        m |= 1ULL << 11;
        if (level >= 4)
            m |= SSE_PS_MASK;
    } else {
        if (!sc)
            m |= SSE_SNP_MASK;
        if (level == 2)
            m |= bits_mask(12, 9);      /* 20:12 */
        else if (level == 3)
            m |= bits_mask(12, 18);     /* 29:12 */
    }
    return m;
}

/* 6.2.5.1-6.2.5.4: after a walk without a fault (its A/D updates done),
 * cache the non-leaf entries it read: path[i] is the entry at level
 * start - i; cum the rights above start (from a paging-structure entry,
 * or all), ANDed with each entry's (second stage R and W, first stage
 * R/W and U/S).  The leaf (the last entry) is never cached here. */
static G_GNUC_NO_INLINE void psc_fill(struct vtd_iommu *u,
                                      const struct vtd_walk_ctx *wc,
                                      unsigned stage, unsigned start,
                                      const uint64_t *path, unsigned n,
                                      uint32_t cum, uint64_t iova,
                                      uint64_t gen)
{
    const struct vtd_psc_tag tag = { .stage = stage, .did = wc->did,
                                     .pasid = wc->psc_pasid };
    for (unsigned i = 0; i + 1 < n; i++) {
        uint64_t x = path[i];
        cum &= stage == VTD_PSC_SS
                   ? (field_get(x, SSE, R) ? VTD_PSC_R : 0) |
                         (field_get(x, SSE, W) ? VTD_PSC_W : 0)
                   : (field_get(x, FSE, RW) ? VTD_PSC_W : 0) |
                         (field_get(x, FSE, US) ? VTD_PSC_US : 0);
        struct vtd_psc_ent e = { .table = entry_addr(path[i], 12),
                                 .perm = cum };
        vtd_psc_fill_(u, &tag, start - i, iova, &e, gen);
    }
}

/* 6.2.5.4 ff: the deepest cached entry for iova (levels 2 .. levels):
 * the level to start the walk at (levels when none), with *table and
 * *cum (VTD_PSC_* rights) from the entry. */
static inline unsigned psc_start(struct vtd_iommu *u,
                                 const struct vtd_walk_ctx *wc,
                                 unsigned stage, unsigned levels,
                                 uint64_t iova, uint64_t *table,
                                 uint32_t *cum, struct vtd_walk_res *r)
{
    const struct vtd_psc_tag tag = { .stage = stage, .did = wc->did,
                                     .pasid = wc->psc_pasid };
    for (unsigned l = 2; l <= levels; l++) {
        struct vtd_psc_ent pe;
        if (!vtd_psc_lookup_(u, &tag, l, iova, &pe))
            continue;
        if (wc->trace)
            vtd_walk_event_(u, "psc", (int)l, wc->sid, wc->pasid, pe.table,
                            NULL, 0);
        *table = pe.table;
        *cum = pe.perm;
        r->psc_hit = true;
        r->psc_ih |= pe.ih_kept;
        return l - 1;
    }
    return levels;
}

void vtd_ss_walk_(struct vtd_iommu *u, const struct vtd_ss_params *p,
                  const struct vtd_walk_ctx *wc, uint64_t iova,
                  uint32_t access, struct vtd_walk_res *r)
{
    const bool sm = p->scalable;
    const bool wr_req = access & VTD_ACC_WRITE;
    const unsigned sllps = (unsigned)field_get(u->cap, CAP, SLLPS);
    /* Constant over the walk: read once, not after every entry load
     * (the compiler cannot hoist them past the memory callbacks). */
    const uint64_t rsvd_base = haw_rsvd(u) | SSE_IW_MASK;
    const bool sc = field_get(u->ecap, ECAP, SC);
    const bool trace = wc->trace;

    memset(r, 0, sizeof(*r));
    if (p->levels < 3 || p->levels > MAX_LEVELS) {
        r->fault = sm ? VTD_FR_SPT_INVALID : VTD_FR_CTX_INVALID;
        return;
    }

    /* Paging-structure caches (pscache.h): the generation before any
     * table read, for the fills. */
    const bool psc = wc->psc && u->psc.on;
    const uint64_t pgen = psc ? vtd_psc_gen_(u) : 0;

    for (unsigned attempt = 0; attempt < AD_RETRIES; attempt++) {
        uint64_t path_addr[MAX_LEVELS], path[MAX_LEVELS];
        unsigned n = 0, level, start = p->levels;
        uint64_t table = p->root;
        uint32_t cum0 = VTD_PSC_R | VTD_PSC_W;
        /* The rights of the entries so far (VT-d 3.7.1: cumulative). */
        bool may_read = true, may_write = true, leaf = false;

        /* Start below the deepest cached entry, with its rights. */
        if (psc) {
            start = psc_start(u, wc, VTD_PSC_SS, p->levels, iova, &table,
                              &cum0, r);
            may_read = cum0 & VTD_PSC_R;
            may_write = cum0 & VTD_PSC_W;
        }

        for (level = start; level >= 1; level--) {
            uint64_t ea = table + 8 * ((iova >> level_shift(level)) & 0x1ff);
            uint64_t e;
            if (vtd_mem_ldq_(u, ea, &e) < 0) {
                /* Table 30 LCT.4.3 (3h) / SSS.4 for the table that the
                 * context or PASID entry points to; LSS.1 / SSS.1 below. */
                if (level == p->levels)
                    r->fault = sm ? VTD_FR_SSS_ROOT_ACCESS
                                  : VTD_FR_CTX_INVALID;
                else
                    r->fault = sm ? VTD_FR_SSS_ACCESS : VTD_FR_SL_ACCESS;
                return;
            }
            if (trace)
                vtd_walk_event_(u, wc->nested_ss ? "nested-sl" : "sl",
                                (int)level, wc->sid, wc->pasid, ea, &e, 1);
            path_addr[n] = ea;
            path[n++] = e;

            bool er = field_get(e, SSE, R), ew = field_get(e, SSE, W);
            if (!er && !ew) {
                /* Not present: SSS.2 in scalable mode; legacy mode has
                 * only the permission faults LGN.2 / LGN.3. */
                r->fault = sm ? VTD_FR_SSS_NO_PERM
                              : (wr_req ? VTD_FR_WRITE : VTD_FR_READ);
                r->not_present = true;
                return;
            }
            leaf = level == 1;
            if (level >= 2 && field_get(e, SSE, PS)) {
                /* VT-d 9.8: PS is reserved where CAP.SLLPS lacks the
                 * page size (bit 0: 2 MiB, bit 1: 1 GiB). */
                if (level <= 3 && (sllps & (1u << (level - 2)))) {
                    leaf = true;
                } else {
                    r->fault = sm ? VTD_FR_SSS_RSVD : VTD_FR_SL_RSVD;
                    return;
                }
            }
            if (e & ss_rsvd_mask(rsvd_base, sc, level, leaf)) {
                r->fault = sm ? VTD_FR_SSS_RSVD : VTD_FR_SL_RSVD;  /* LSS.2 */
                return;
            }
            may_read = may_read && er;
            may_write = may_write && ew;
            if (leaf)
                break;
            table = entry_addr(e, 12);
        }

        /* VT-d 3.7.1: permissions are cumulative over the levels. */
        if (wr_req && !may_write) {
            r->fault = sm ? (may_read ? VTD_FR_SGN_WRITE
                                      : VTD_FR_SSS_NO_PERM)
                          : VTD_FR_WRITE;
            return;
        }
        if ((access & VTD_ACC_READ) && !may_read) {
            r->fault = sm ? (may_write ? VTD_FR_SGN_READ
                                       : VTD_FR_SSS_NO_PERM)
                          : VTD_FR_READ;
            return;
        }
        if (sm && !may_read && !may_write) {
            r->fault = VTD_FR_SSS_NO_PERM;     /* SSS.2, cumulative */
            return;
        }

        unsigned shift = level_shift(level);
        r->page_size = 1ULL << shift;
        r->addr = entry_addr(path[n - 1], shift) |
                  (iova & (r->page_size - 1));
        r->perm = (may_read ? VTD_PERM_R : 0) |
                  (may_write ? VTD_PERM_W : 0) |
                  (field_get(path[n - 1], SSE, SNP) ? VTD_PERM_SNP_ : 0);

        if (!sm || !p->ssade || !wc->update_ad) {
            if (psc && n > 1)
                psc_fill(u, wc, VTD_PSC_SS, start, path, n, cum0, iova,
                         pgen);
            return;
        }

        /* VT-d 3.7.2: set A in every entry used, D in the leaf on a
         * write; SSS.5 when walks do not snoop, SSS.6 on failure. */
        bool retry = false;
        for (unsigned i = 0; i < n && !retry; i++) {
            uint64_t want = path[i] | SSE_A_MASK;
            if (i == n - 1 && (wr_req || (wc->ad_write && may_write)))
                want |= SSE_D_MASK;
            if (want == path[i])
                continue;
            if (!p->pwsnp) {
                r->fault = VTD_FR_SSS_AD_NOSNOOP;
                return;
            }
            uint64_t exp = path[i];
            int rc = vtd_mem_cmpxchg64_(u, path_addr[i], &exp, want);
            if (rc == -EAGAIN)
                retry = true;
            else if (rc < 0) {
                r->fault = VTD_FR_SSS_AD_FAILED;
                return;
            }
        }
        if (!retry) {
            if (psc && n > 1)
                psc_fill(u, wc, VTD_PSC_SS, start, path, n, cum0, iova,
                         pgen);
            return;
        }
    }
    r->fault = VTD_FR_SSS_AD_FAILED;
}

/* Nested: translate the guest-physical address of a first-stage entry
 * through the second stage (VT-d 3.8).  Table 30: above the width ->
 * SFS.5; no read permission -> SFS.6 (root table) / SFS.7; other
 * second-stage faults keep their SSS reason. */
static bool fs_entry_hpa(struct vtd_iommu *u, const struct vtd_fs_params *p,
                         const struct vtd_walk_ctx *wc, uint64_t gpa,
                         unsigned level, uint64_t *hpa, uint32_t *ssperm,
                         unsigned *fault, struct vtd_walk_res *outer)
{
    const bool root = level == p->levels;
    if (!p->nested) {
        *hpa = gpa;
        *ssperm = VTD_PERM_R | VTD_PERM_W;
        return true;
    }
    if (p->nested_aw < 64 && (gpa >> p->nested_aw)) {
        *fault = VTD_FR_SFS_NESTED_AW;
        return false;
    }
    struct vtd_walk_ctx nwc = *wc;
    nwc.nested_ss = true;
    nwc.ad_write = false;       /* a read of a first-stage table */
    if (wc->trace)
        vtd_walk_event_(u, "nested-gpa", (int)level, wc->sid, wc->pasid, gpa,
                        NULL, 0);
    struct vtd_walk_res sr;
    vtd_ss_walk_(u, p->nested, &nwc, gpa, VTD_ACC_READ, &sr);
    outer->psc_hit |= sr.psc_hit;
    outer->psc_ih |= sr.psc_ih;
    if (sr.fault) {
        if (sr.fault == VTD_FR_SGN_READ)
            *fault = root ? VTD_FR_SFS_NESTED_ROOT_READ
                          : VTD_FR_SFS_NESTED_READ;
        else
            *fault = sr.fault;
        return false;
    }
    /* VT-d 3.8.1: with SSADE=1, reads of first-stage paging structures
     * need read and write permission in the second stage; the missing
     * write permission is SGN.6 (Table 30 SFS.1 note: nested second-stage
     * faults on first-stage entries are SSS.x, SGN.5, SGN.6 or SGN.7). */
    if (p->nested->ssade && !(sr.perm & VTD_PERM_W)) {
        *fault = VTD_FR_SGN_WRITE;
        return false;
    }
    *hpa = sr.addr;
    *ssperm = sr.perm;
    return true;
}

/* VT-d 9.7 Tables 34-40: reserved bits of a present first-stage entry. */
static uint64_t fs_rsvd_mask(const struct vtd_iommu *u, unsigned level,
                             bool leaf)
{
    uint64_t m = haw_rsvd(u);
    if (level >= 4)
        m |= FSE_PS_MASK;
    if (leaf && level == 2)
        m |= bits_mask(13, 8);          /* 20:13 */
    else if (leaf && level == 3)
        m |= bits_mask(13, 17);         /* 29:13 */
    return m;
}

void vtd_fs_walk_(struct vtd_iommu *u, const struct vtd_fs_params *p,
                  const struct vtd_walk_ctx *wc, uint64_t iova,
                  uint32_t access, struct vtd_walk_res *r)
{
    const bool wr_req = access & VTD_ACC_WRITE;

    memset(r, 0, sizeof(*r));
    if (p->levels < 4 || p->levels > MAX_LEVELS) {
        r->fault = VTD_FR_SPT_INVALID;
        return;
    }

    /* Paging-structure caches (pscache.h): first-stage entries, or
     * nested ones (holding guest-physical table addresses), tagged with
     * the domain and PASID. */
    const bool psc = wc->psc && u->psc.on;
    const unsigned stage = p->nested ? VTD_PSC_NESTED : VTD_PSC_FS;
    const uint64_t pgen = psc ? vtd_psc_gen_(u) : 0;

    for (unsigned attempt = 0; attempt < AD_RETRIES; attempt++) {
        uint64_t path_hpa[MAX_LEVELS], path[MAX_LEVELS];
        uint32_t path_ss[MAX_LEVELS];
        unsigned n = 0, level, start = p->levels;
        uint64_t table = p->root;
        uint32_t cum0 = VTD_PSC_W | VTD_PSC_US;
        bool rw = true, us = true, leaf = false;

        /* Start below the deepest cached entry, with its rights. */
        if (psc) {
            start = psc_start(u, wc, stage, p->levels, iova, &table, &cum0,
                              r);
            rw = cum0 & VTD_PSC_W;
            us = cum0 & VTD_PSC_US;
        }

        for (level = start; level >= 1; level--) {
            uint64_t gpa = table + 8 * ((iova >> level_shift(level)) & 0x1ff);
            uint64_t hpa, e;
            uint32_t ssperm;
            bool top = level == p->levels;
            if (!fs_entry_hpa(u, p, wc, gpa, level, &hpa, &ssperm,
                              &r->fault, r))
                return;
            if (vtd_mem_ldq_(u, hpa, &e) < 0) {
                r->fault = top ? VTD_FR_SFS_ROOT_ACCESS  /* SFS.4 */
                               : VTD_FR_SFS_ACCESS;      /* SFS.1 */
                return;
            }
            if (wc->trace)
                vtd_walk_event_(u, p->nested ? "nested-fl" : "fl", (int)level,
                                wc->sid, wc->pasid, hpa, &e, 1);
            if (!field_get(e, FSE, P)) {
                r->fault = VTD_FR_SFS_NOT_PRESENT;       /* SFS.2 */
                r->not_present = true;
                return;
            }
            leaf = level == 1;
            if ((level == 2 || level == 3) && field_get(e, FSE, PS)) {
                /* 2 MiB always; 1 GiB only with CAP.FS1GP. */
                if (level == 3 && !field_get(u->cap, CAP, FS1GP)) {
                    r->fault = VTD_FR_SFS_RSVD;
                    return;
                }
                leaf = true;
            }
            if (e & fs_rsvd_mask(u, level, leaf)) {
                r->fault = VTD_FR_SFS_RSVD;              /* SFS.3 */
                return;
            }
            path_hpa[n] = hpa;
            path_ss[n] = ssperm;
            path[n++] = e;
            rw = rw && field_get(e, FSE, RW);
            us = us && field_get(e, FSE, US);
            if (leaf)
                break;
            table = entry_addr(e, 12);
        }

        /* VT-d 3.6.1: user requests need U/S=1 at every level; writes
         * need R/W=1 at every level for user requests and, with WPE,
         * for supervisor requests. */
        if (!p->priv && !us) {
            r->fault = VTD_FR_SGN_USER;                  /* SGN.2 */
            return;
        }
        bool can_write = rw || (p->priv && !p->wpe);
        if (wr_req && !can_write) {
            r->fault = VTD_FR_SGN_WRITE;                 /* SGN.6 */
            return;
        }

        unsigned shift = level_shift(level);
        uint64_t psize = 1ULL << shift;
        uint64_t out = entry_addr(path[n - 1], shift) | (iova & (psize - 1));
        uint32_t perm = VTD_PERM_R | VTD_PERM_X | VTD_PERM_SSW_ |
                        (rw ? VTD_PERM_W : 0) | (us ? VTD_PERM_U : 0);

        /* VT-d 3.6.2: A (and EA with EAFE) in every entry used, D in
         * the leaf on a write, atomically. */
        bool retry = false;
        for (unsigned i = 0; wc->update_ad && i < n && !retry; i++) {
            uint64_t want = path[i] | FSE_A_MASK;
            if (p->eafe)
                want |= FSE_EA_MASK;
            if (i == n - 1 && (wr_req || (wc->ad_write && can_write)))
                want |= FSE_D_MASK;
            if (want == path[i])
                continue;
            if (!p->pwsnp) {
                r->fault = VTD_FR_SFS_AD_NOSNOOP;        /* SFS.9 */
                return;
            }
            if (!(path_ss[i] & VTD_PERM_W)) {
                r->fault = VTD_FR_SFS_NESTED_AD;         /* SFS.8 */
                return;
            }
            uint64_t exp = path[i];
            int rc = vtd_mem_cmpxchg64_(u, path_hpa[i], &exp, want);
            if (rc == -EAGAIN)
                retry = true;
            else if (rc < 0) {
                r->fault = VTD_FR_SFS_AD_FAILED;         /* SFS.10 */
                return;
            }
        }
        if (retry)
            continue;

        if (!p->nested) {
            r->addr = out;
            r->page_size = psize;
            r->perm = perm;
            if (psc && n > 1)
                psc_fill(u, wc, stage, start, path, n, cum0, iova, pgen);
            return;
        }

        /* Nested: the output is a guest-physical address translated by
         * the second stage with the request's access (Table 30 SGN.5,
         * SSS.x, SGN.6, SGN.7). */
        if (p->nested_aw < 64 && (out >> p->nested_aw)) {
            r->fault = VTD_FR_SGN_AW;
            return;
        }
        struct vtd_walk_ctx nwc = *wc;
        nwc.nested_ss = true;
        if (wc->trace)
            vtd_walk_event_(u, "nested-gpa", 0, wc->sid, wc->pasid, out,
                            NULL, 0);
        struct vtd_walk_res sr;
        vtd_ss_walk_(u, p->nested, &nwc, out, access, &sr);
        if (sr.fault) {
            r->fault = sr.fault;
            return;
        }
        r->addr = sr.addr;
        r->page_size = MIN(psize, sr.page_size);
        r->perm = perm & ~(uint32_t)(VTD_PERM_R | VTD_PERM_W |
                                     VTD_PERM_SSW_);
        r->perm |= perm & sr.perm & (VTD_PERM_R | VTD_PERM_W);
        if (sr.perm & VTD_PERM_W)
            r->perm |= VTD_PERM_SSW_;
        r->psc_hit |= sr.psc_hit;
        r->psc_ih |= sr.psc_ih;
        if (psc && n > 1)
            psc_fill(u, wc, stage, start, path, n, cum0, iova, pgen);
        r->perm |= sr.perm & VTD_PERM_SNP_;
        return;
    }
    r->fault = VTD_FR_SFS_AD_FAILED;
}
