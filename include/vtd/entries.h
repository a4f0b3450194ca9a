/* SPDX-License-Identifier: MIT */
/*
 * vtd/entries.h: encoders and decoders for every VT-d in-memory structure,
 * built on the fields of <vtd/layout.h> (which includes this header; it
 * may also be included alone).
 *
 * Guest-visible structures are arrays of little-endian qwords (q[0] holds
 * bits 63:0; vtd_ldq_le()/vtd_stq_le() convert from and to bytes).  Each
 * structure has a decoded form (a struct of plain values, addresses in
 * bytes) with an encoder that refuses values that do not fit (returns
 * false; the output is then unspecified) and a decoder that never fails.
 * Encoders set no reserved bit; decoders ignore reserved bits (the unit
 * checks them).  Plain C11, also valid C++17.
 */
#ifndef VTD_ENTRIES_H
#define VTD_ENTRIES_H

#include <stdbool.h>
#include <stdint.h>

#include <vtd/layout.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Encoders and decoders                                               */
/* ------------------------------------------------------------------ */

/* 9.1 root entry */
struct vtd_root_entry {
    bool present;
    uint64_t ctp;          /* context-table address, 4 KiB aligned */
};

static inline bool vtd_root_entry_encode(uint64_t q[2],
                                         const struct vtd_root_entry *e)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, RE, P, e->present, &ok);
    q[0] = VTD_PUT_ADDR_(q[0], RE, CTP, e->ctp, &ok);
    q[1] = 0;
    return ok;
}

static inline void vtd_root_entry_decode(const uint64_t q[2],
                                         struct vtd_root_entry *e)
{
    e->present = VTD_FIELD_GET(q[0], RE, P) != 0;
    e->ctp = VTD_GET_ADDR_(q[0], RE, CTP);
}

/* 9.2 scalable-mode root entry: lower (devfn 0-127) and upper halves */
struct vtd_sm_root_entry {
    bool lp, up;
    uint64_t lctp, uctp;   /* scalable context tables, 4 KiB aligned */
};

static inline bool vtd_sm_root_entry_encode(uint64_t q[2],
                                            const struct vtd_sm_root_entry *e)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, SRE, P, e->lp, &ok);
    q[0] = VTD_PUT_ADDR_(q[0], SRE, CTP, e->lctp, &ok);
    q[1] = VTD_PUT_(0, SRE, P, e->up, &ok);
    q[1] = VTD_PUT_ADDR_(q[1], SRE, CTP, e->uctp, &ok);
    return ok;
}

static inline void vtd_sm_root_entry_decode(const uint64_t q[2],
                                            struct vtd_sm_root_entry *e)
{
    e->lp = VTD_FIELD_GET(q[0], SRE, P) != 0;
    e->lctp = VTD_GET_ADDR_(q[0], SRE, CTP);
    e->up = VTD_FIELD_GET(q[1], SRE, P) != 0;
    e->uctp = VTD_GET_ADDR_(q[1], SRE, CTP);
}

/* 9.3 context entry (legacy) */
struct vtd_context_entry {
    bool present, fpd;
    unsigned tt;           /* VTD_TT_* */
    uint64_t ssptptr;      /* second-stage table, 4 KiB aligned */
    unsigned aw;           /* 1: 39-bit, 2: 48-bit, 3: 57-bit */
    unsigned avail;        /* IGN bits 70:67, software available */
    uint16_t did;
};

static inline bool vtd_context_entry_encode(uint64_t q[2],
                                            const struct vtd_context_entry *e)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, CE_LO, P, e->present, &ok);
    q[0] = VTD_PUT_(q[0], CE_LO, FPD, e->fpd, &ok);
    q[0] = VTD_PUT_(q[0], CE_LO, TT, e->tt, &ok);
    q[0] = VTD_PUT_ADDR_(q[0], CE_LO, SSPTPTR, e->ssptptr, &ok);
    q[1] = VTD_PUT_(0, CE_HI, AW, e->aw, &ok);
    q[1] = VTD_PUT_(q[1], CE_HI, IGN, e->avail, &ok);
    q[1] = VTD_PUT_(q[1], CE_HI, DID, e->did, &ok);
    return ok;
}

static inline void vtd_context_entry_decode(const uint64_t q[2],
                                            struct vtd_context_entry *e)
{
    e->present = VTD_FIELD_GET(q[0], CE_LO, P) != 0;
    e->fpd = VTD_FIELD_GET(q[0], CE_LO, FPD) != 0;
    e->tt = (unsigned)VTD_FIELD_GET(q[0], CE_LO, TT);
    e->ssptptr = VTD_GET_ADDR_(q[0], CE_LO, SSPTPTR);
    e->aw = (unsigned)VTD_FIELD_GET(q[1], CE_HI, AW);
    e->avail = (unsigned)VTD_FIELD_GET(q[1], CE_HI, IGN);
    e->did = (uint16_t)VTD_FIELD_GET(q[1], CE_HI, DID);
}

/* 9.4 scalable-mode context entry */
struct vtd_sm_context_entry {
    bool present, fpd, dte, paside, pre, hpte, eptr;
    unsigned pdts;         /* directory has 2^(PDTS+7) entries */
    uint64_t pasid_dir;    /* PASID directory, 4 KiB aligned */
    uint32_t rid_pasid;
    bool rid_priv;
};

static inline bool
vtd_sm_context_entry_encode(uint64_t q[4], const struct vtd_sm_context_entry *e)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, SCE0, P, e->present, &ok);
    q[0] = VTD_PUT_(q[0], SCE0, FPD, e->fpd, &ok);
    q[0] = VTD_PUT_(q[0], SCE0, DTE, e->dte, &ok);
    q[0] = VTD_PUT_(q[0], SCE0, PASIDE, e->paside, &ok);
    q[0] = VTD_PUT_(q[0], SCE0, PRE, e->pre, &ok);
    q[0] = VTD_PUT_(q[0], SCE0, HPTE, e->hpte, &ok);
    q[0] = VTD_PUT_(q[0], SCE0, EPTR, e->eptr, &ok);
    q[0] = VTD_PUT_(q[0], SCE0, PDTS, e->pdts, &ok);
    q[0] = VTD_PUT_ADDR_(q[0], SCE0, PDIR, e->pasid_dir, &ok);
    q[1] = VTD_PUT_(0, SCE1, RID_PASID, e->rid_pasid, &ok);
    q[1] = VTD_PUT_(q[1], SCE1, RID_PRIV, e->rid_priv, &ok);
    q[2] = q[3] = 0;
    return ok;
}

static inline void
vtd_sm_context_entry_decode(const uint64_t q[4], struct vtd_sm_context_entry *e)
{
    e->present = VTD_FIELD_GET(q[0], SCE0, P) != 0;
    e->fpd = VTD_FIELD_GET(q[0], SCE0, FPD) != 0;
    e->dte = VTD_FIELD_GET(q[0], SCE0, DTE) != 0;
    e->paside = VTD_FIELD_GET(q[0], SCE0, PASIDE) != 0;
    e->pre = VTD_FIELD_GET(q[0], SCE0, PRE) != 0;
    e->hpte = VTD_FIELD_GET(q[0], SCE0, HPTE) != 0;
    e->eptr = VTD_FIELD_GET(q[0], SCE0, EPTR) != 0;
    e->pdts = (unsigned)VTD_FIELD_GET(q[0], SCE0, PDTS);
    e->pasid_dir = VTD_GET_ADDR_(q[0], SCE0, PDIR);
    e->rid_pasid = (uint32_t)VTD_FIELD_GET(q[1], SCE1, RID_PASID);
    e->rid_priv = VTD_FIELD_GET(q[1], SCE1, RID_PRIV) != 0;
}

/* 9.5 PASID-directory entry (one per 64 PASIDs: index pasid >> 6) */
struct vtd_pasid_dir_entry {
    bool present, fpd;
    uint64_t pasid_table;  /* 4 KiB aligned */
};

static inline bool
vtd_pasid_dir_entry_encode(uint64_t *q, const struct vtd_pasid_dir_entry *e)
{
    bool ok = true;
    *q = VTD_PUT_(0, PDE, P, e->present, &ok);
    *q = VTD_PUT_(*q, PDE, FPD, e->fpd, &ok);
    *q = VTD_PUT_ADDR_(*q, PDE, PTBL, e->pasid_table, &ok);
    return ok;
}

static inline void
vtd_pasid_dir_entry_decode(uint64_t q, struct vtd_pasid_dir_entry *e)
{
    e->present = VTD_FIELD_GET(q, PDE, P) != 0;
    e->fpd = VTD_FIELD_GET(q, PDE, FPD) != 0;
    e->pasid_table = VTD_GET_ADDR_(q, PDE, PTBL);
}

/* 9.6 PASID-table entry (index pasid & 63, 64 bytes each) */
struct vtd_pasid_entry {
    bool present, fpd;
    unsigned aw;           /* second-stage AW */
    unsigned pgtt;         /* VTD_PGTT_* */
    bool ssade;
    uint64_t ssptptr;      /* second-stage table, 4 KiB aligned */
    uint16_t did;
    bool pwsnp, pgsnp, cd, emte;
    uint32_t pat;
    bool sre;              /* supervisor requests enable */
    unsigned fspm;         /* 0: 4-level, 1: 5-level first stage */
    bool wpe, eafe;
    uint64_t fsptptr;      /* first-stage table, 4 KiB aligned */
};

static inline bool vtd_pasid_entry_encode(uint64_t q[8],
                                          const struct vtd_pasid_entry *e)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, PTE0, P, e->present, &ok);
    q[0] = VTD_PUT_(q[0], PTE0, FPD, e->fpd, &ok);
    q[0] = VTD_PUT_(q[0], PTE0, AW, e->aw, &ok);
    q[0] = VTD_PUT_(q[0], PTE0, PGTT, e->pgtt, &ok);
    q[0] = VTD_PUT_(q[0], PTE0, SSADE, e->ssade, &ok);
    q[0] = VTD_PUT_ADDR_(q[0], PTE0, SSPTPTR, e->ssptptr, &ok);
    q[1] = VTD_PUT_(0, PTE1, DID, e->did, &ok);
    q[1] = VTD_PUT_(q[1], PTE1, PWSNP, e->pwsnp, &ok);
    q[1] = VTD_PUT_(q[1], PTE1, PGSNP, e->pgsnp, &ok);
    q[1] = VTD_PUT_(q[1], PTE1, CD, e->cd, &ok);
    q[1] = VTD_PUT_(q[1], PTE1, EMTE, e->emte, &ok);
    q[1] = VTD_PUT_(q[1], PTE1, PAT, e->pat, &ok);
    q[2] = VTD_PUT_(0, PTE2, SRE, e->sre, &ok);
    q[2] = VTD_PUT_(q[2], PTE2, FSPM, e->fspm, &ok);
    q[2] = VTD_PUT_(q[2], PTE2, WPE, e->wpe, &ok);
    q[2] = VTD_PUT_(q[2], PTE2, EAFE, e->eafe, &ok);
    q[2] = VTD_PUT_ADDR_(q[2], PTE2, FSPTPTR, e->fsptptr, &ok);
    for (int i = 3; i < 8; i++)
        q[i] = 0;
    return ok;
}

static inline void vtd_pasid_entry_decode(const uint64_t q[8],
                                          struct vtd_pasid_entry *e)
{
    e->present = VTD_FIELD_GET(q[0], PTE0, P) != 0;
    e->fpd = VTD_FIELD_GET(q[0], PTE0, FPD) != 0;
    e->aw = (unsigned)VTD_FIELD_GET(q[0], PTE0, AW);
    e->pgtt = (unsigned)VTD_FIELD_GET(q[0], PTE0, PGTT);
    e->ssade = VTD_FIELD_GET(q[0], PTE0, SSADE) != 0;
    e->ssptptr = VTD_GET_ADDR_(q[0], PTE0, SSPTPTR);
    e->did = (uint16_t)VTD_FIELD_GET(q[1], PTE1, DID);
    e->pwsnp = VTD_FIELD_GET(q[1], PTE1, PWSNP) != 0;
    e->pgsnp = VTD_FIELD_GET(q[1], PTE1, PGSNP) != 0;
    e->cd = VTD_FIELD_GET(q[1], PTE1, CD) != 0;
    e->emte = VTD_FIELD_GET(q[1], PTE1, EMTE) != 0;
    e->pat = (uint32_t)VTD_FIELD_GET(q[1], PTE1, PAT);
    e->sre = VTD_FIELD_GET(q[2], PTE2, SRE) != 0;
    e->fspm = (unsigned)VTD_FIELD_GET(q[2], PTE2, FSPM);
    e->wpe = VTD_FIELD_GET(q[2], PTE2, WPE) != 0;
    e->eafe = VTD_FIELD_GET(q[2], PTE2, EAFE) != 0;
    e->fsptptr = VTD_GET_ADDR_(q[2], PTE2, FSPTPTR);
}

/* 9.8 second-stage paging entry.  ps marks a leaf above level 1 (2 MiB
 * or 1 GiB page); addr is the next table or the page, aligned to it. */
struct vtd_ss_entry {
    bool r, w, ps, a, d, snp, ipat;
    unsigned emt;
    uint64_t addr;
};

static inline bool vtd_ss_entry_encode(uint64_t *q,
                                       const struct vtd_ss_entry *e)
{
    bool ok = true;
    *q = VTD_PUT_(0, SSE, R, e->r, &ok);
    *q = VTD_PUT_(*q, SSE, W, e->w, &ok);
    *q = VTD_PUT_(*q, SSE, EMT, e->emt, &ok);
    *q = VTD_PUT_(*q, SSE, IPAT, e->ipat, &ok);
    *q = VTD_PUT_(*q, SSE, PS, e->ps, &ok);
    *q = VTD_PUT_(*q, SSE, A, e->a, &ok);
    *q = VTD_PUT_(*q, SSE, D, e->d, &ok);
    *q = VTD_PUT_(*q, SSE, SNP, e->snp, &ok);
    *q = VTD_PUT_ADDR_(*q, SSE, ADDR, e->addr, &ok);
    return ok;
}

static inline void vtd_ss_entry_decode(uint64_t q, struct vtd_ss_entry *e)
{
    e->r = VTD_FIELD_GET(q, SSE, R) != 0;
    e->w = VTD_FIELD_GET(q, SSE, W) != 0;
    e->emt = (unsigned)VTD_FIELD_GET(q, SSE, EMT);
    e->ipat = VTD_FIELD_GET(q, SSE, IPAT) != 0;
    e->ps = VTD_FIELD_GET(q, SSE, PS) != 0;
    e->a = VTD_FIELD_GET(q, SSE, A) != 0;
    e->d = VTD_FIELD_GET(q, SSE, D) != 0;
    e->snp = VTD_FIELD_GET(q, SSE, SNP) != 0;
    e->addr = VTD_GET_ADDR_(q, SSE, ADDR);
}

/* 9.7 first-stage paging entry (no execute-disable: bits 63:52 ignored) */
struct vtd_fs_entry {
    bool p, rw, us, pwt, pcd, a, d, ps, g, ea;
    uint64_t addr;
};

static inline bool vtd_fs_entry_encode(uint64_t *q,
                                       const struct vtd_fs_entry *e)
{
    bool ok = true;
    *q = VTD_PUT_(0, FSE, P, e->p, &ok);
    *q = VTD_PUT_(*q, FSE, RW, e->rw, &ok);
    *q = VTD_PUT_(*q, FSE, US, e->us, &ok);
    *q = VTD_PUT_(*q, FSE, PWT, e->pwt, &ok);
    *q = VTD_PUT_(*q, FSE, PCD, e->pcd, &ok);
    *q = VTD_PUT_(*q, FSE, A, e->a, &ok);
    *q = VTD_PUT_(*q, FSE, D, e->d, &ok);
    *q = VTD_PUT_(*q, FSE, PS, e->ps, &ok);
    *q = VTD_PUT_(*q, FSE, G, e->g, &ok);
    *q = VTD_PUT_(*q, FSE, EA, e->ea, &ok);
    *q = VTD_PUT_ADDR_(*q, FSE, ADDR, e->addr, &ok);
    return ok;
}

static inline void vtd_fs_entry_decode(uint64_t q, struct vtd_fs_entry *e)
{
    e->p = VTD_FIELD_GET(q, FSE, P) != 0;
    e->rw = VTD_FIELD_GET(q, FSE, RW) != 0;
    e->us = VTD_FIELD_GET(q, FSE, US) != 0;
    e->pwt = VTD_FIELD_GET(q, FSE, PWT) != 0;
    e->pcd = VTD_FIELD_GET(q, FSE, PCD) != 0;
    e->a = VTD_FIELD_GET(q, FSE, A) != 0;
    e->d = VTD_FIELD_GET(q, FSE, D) != 0;
    e->ps = VTD_FIELD_GET(q, FSE, PS) != 0;
    e->g = VTD_FIELD_GET(q, FSE, G) != 0;
    e->ea = VTD_FIELD_GET(q, FSE, EA) != 0;
    e->addr = VTD_GET_ADDR_(q, FSE, ADDR);
}

/* 9.9 remapped-format IRTE (IM = 0).  dst is the 32-bit destination id
 * field as written (xAPIC mode: APIC id in bits 15:8 of it). */
struct vtd_irte_remapped {
    bool present, fpd, dm, rh, tm;
    unsigned dlm, avail;
    uint8_t vector;
    uint32_t dst;
    uint16_t sid;
    unsigned sq, svt;
};

static inline bool vtd_irte_remapped_encode(uint64_t q[2],
                                            const struct vtd_irte_remapped *e)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, IRTE_LO, P, e->present, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, FPD, e->fpd, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, DM, e->dm, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, RH, e->rh, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, TM, e->tm, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, DLM, e->dlm, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, AVAIL, e->avail, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, V, e->vector, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, DST, e->dst, &ok);
    q[1] = VTD_PUT_(0, IRTE_HI, SID, e->sid, &ok);
    q[1] = VTD_PUT_(q[1], IRTE_HI, SQ, e->sq, &ok);
    q[1] = VTD_PUT_(q[1], IRTE_HI, SVT, e->svt, &ok);
    return ok;
}

static inline void vtd_irte_remapped_decode(const uint64_t q[2],
                                            struct vtd_irte_remapped *e)
{
    e->present = VTD_FIELD_GET(q[0], IRTE_LO, P) != 0;
    e->fpd = VTD_FIELD_GET(q[0], IRTE_LO, FPD) != 0;
    e->dm = VTD_FIELD_GET(q[0], IRTE_LO, DM) != 0;
    e->rh = VTD_FIELD_GET(q[0], IRTE_LO, RH) != 0;
    e->tm = VTD_FIELD_GET(q[0], IRTE_LO, TM) != 0;
    e->dlm = (unsigned)VTD_FIELD_GET(q[0], IRTE_LO, DLM);
    e->avail = (unsigned)VTD_FIELD_GET(q[0], IRTE_LO, AVAIL);
    e->vector = (uint8_t)VTD_FIELD_GET(q[0], IRTE_LO, V);
    e->dst = (uint32_t)VTD_FIELD_GET(q[0], IRTE_LO, DST);
    e->sid = (uint16_t)VTD_FIELD_GET(q[1], IRTE_HI, SID);
    e->sq = (unsigned)VTD_FIELD_GET(q[1], IRTE_HI, SQ);
    e->svt = (unsigned)VTD_FIELD_GET(q[1], IRTE_HI, SVT);
}

/* 9.10 posted-format IRTE (IM = 1); pid is the descriptor address, 64-byte
 * aligned. */
struct vtd_irte_posted {
    bool present, fpd, urgent;
    unsigned avail;
    uint8_t vector;        /* virtual vector */
    uint64_t pid;
    uint16_t sid;
    unsigned sq, svt;
};

static inline bool vtd_irte_posted_encode(uint64_t q[2],
                                          const struct vtd_irte_posted *e)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, IRTE_LO, P, e->present, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, FPD, e->fpd, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, AVAIL, e->avail, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, URG, e->urgent, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, IM, 1, &ok);
    q[0] = VTD_PUT_(q[0], IRTE_LO, V, e->vector, &ok);
    if (e->pid & 63)
        ok = false;
    q[0] = VTD_PUT_(q[0], IRTE_LO, PDAL, (e->pid >> 6) & 0x3ffffff, &ok);
    q[1] = VTD_PUT_(0, IRTE_HI, SID, e->sid, &ok);
    q[1] = VTD_PUT_(q[1], IRTE_HI, SQ, e->sq, &ok);
    q[1] = VTD_PUT_(q[1], IRTE_HI, SVT, e->svt, &ok);
    q[1] = VTD_PUT_(q[1], IRTE_HI, PDAH, e->pid >> 32, &ok);
    return ok;
}

/* 9.10: the posted-interrupt descriptor address of a posted-format IRTE,
 * PDAH (127:96) for bits 63:32 and PDAL (63:38) for bits 31:6. */
static inline uint64_t vtd_irte_pda(const uint64_t q[2])
{
    return VTD_FIELD_GET(q[1], IRTE_HI, PDAH) << 32 |
           VTD_FIELD_GET(q[0], IRTE_LO, PDAL) << 6;
}

static inline void vtd_irte_posted_decode(const uint64_t q[2],
                                          struct vtd_irte_posted *e)
{
    e->present = VTD_FIELD_GET(q[0], IRTE_LO, P) != 0;
    e->fpd = VTD_FIELD_GET(q[0], IRTE_LO, FPD) != 0;
    e->avail = (unsigned)VTD_FIELD_GET(q[0], IRTE_LO, AVAIL);
    e->urgent = VTD_FIELD_GET(q[0], IRTE_LO, URG) != 0;
    e->vector = (uint8_t)VTD_FIELD_GET(q[0], IRTE_LO, V);
    e->pid = vtd_irte_pda(q);
    e->sid = (uint16_t)VTD_FIELD_GET(q[1], IRTE_HI, SID);
    e->sq = (unsigned)VTD_FIELD_GET(q[1], IRTE_HI, SQ);
    e->svt = (unsigned)VTD_FIELD_GET(q[1], IRTE_HI, SVT);
}

/* True when an IRTE is in posted format (IM = 1). */
static inline bool vtd_irte_is_posted(const uint64_t q[2])
{
    return VTD_FIELD_GET(q[0], IRTE_LO, IM) != 0;
}

/* 9.11 posted-interrupt descriptor.  ndst is the 32-bit field as written
 * (xAPIC mode: APIC id in bits 15:8). */
struct vtd_pid {
    uint64_t pir[4];       /* bit v of PIR: vector v pending */
    bool on, sn;
    uint8_t nv;
    uint32_t ndst;
};

static inline bool vtd_pid_encode(uint64_t q[8], const struct vtd_pid *d)
{
    bool ok = true;
    for (int i = 0; i < 4; i++)
        q[i] = d->pir[i];
    q[4] = VTD_PUT_(0, PID_CTL, ON, d->on, &ok);
    q[4] = VTD_PUT_(q[4], PID_CTL, SN, d->sn, &ok);
    q[4] = VTD_PUT_(q[4], PID_CTL, NV, d->nv, &ok);
    q[4] = VTD_PUT_(q[4], PID_CTL, NDST, d->ndst, &ok);
    q[5] = q[6] = q[7] = 0;
    return ok;
}

static inline void vtd_pid_decode(const uint64_t q[8], struct vtd_pid *d)
{
    for (int i = 0; i < 4; i++)
        d->pir[i] = q[i];
    d->on = VTD_FIELD_GET(q[4], PID_CTL, ON) != 0;
    d->sn = VTD_FIELD_GET(q[4], PID_CTL, SN) != 0;
    d->nv = (uint8_t)VTD_FIELD_GET(q[4], PID_CTL, NV);
    d->ndst = (uint32_t)VTD_FIELD_GET(q[4], PID_CTL, NDST);
}

/* 5.1.2.2 remappable-format MSI: handle (16 bits), and with shv a
 * subhandle added to it (the IRTE index is handle + subhandle). */
struct vtd_msi_remappable {
    uint16_t handle;
    bool shv;
    uint16_t subhandle;
};

static inline bool vtd_msi_remappable_encode(uint64_t *addr, uint32_t *data,
                                             const struct vtd_msi_remappable *m)
{
    bool ok = true;
    uint64_t a = VTD_MSI_ADDR_BASE;
    a = VTD_PUT_(a, MSI_ADDR, HANDLE_LO, m->handle & 0x7fffu, &ok);
    a = VTD_PUT_(a, MSI_ADDR, HANDLE_HI, (unsigned)m->handle >> 15, &ok);
    a = VTD_PUT_(a, MSI_ADDR, SHV, m->shv, &ok);
    a = VTD_PUT_(a, MSI_ADDR, IF, 1, &ok);
    *addr = a;
    *data = m->shv ? m->subhandle : 0;
    return ok;
}

/* False when addr is not a remappable-format interrupt request (bits
 * 31:20 not 0xFEE, or interrupt format 0: compatibility format). */
static inline bool vtd_msi_remappable_decode(uint64_t addr, uint32_t data,
                                             struct vtd_msi_remappable *m)
{
    if (!vtd_intr_addr(addr) || !VTD_FIELD_GET(addr, MSI_ADDR, IF))
        return false;
    m->handle = (uint16_t)(VTD_FIELD_GET(addr, MSI_ADDR, HANDLE_LO) |
                           VTD_FIELD_GET(addr, MSI_ADDR, HANDLE_HI) << 15);
    m->shv = VTD_FIELD_GET(addr, MSI_ADDR, SHV) != 0;
    m->subhandle = (uint16_t)VTD_FIELD_GET(data, MSI_DATA, SUBHANDLE);
    return true;
}

/* Invalidation descriptors (128-bit form; in 256-bit mode, IQA.DW=1,
 * qwords 2 and 3 are zero).  Each encoder refuses out-of-range values. */
static inline uint64_t vtd_qd_type_(unsigned type, bool *ok)
{
    uint64_t v = VTD_PUT_(0, QD, TYPE_LO, type & 0xf, ok);
    return VTD_PUT_(v, QD, TYPE_HI, type >> 4, ok);
}

static inline unsigned vtd_qd_type(const uint64_t q[2])
{
    return (unsigned)(VTD_FIELD_GET(q[0], QD, TYPE_LO) |
                      VTD_FIELD_GET(q[0], QD, TYPE_HI) << VTD_QD_TYPE_LO_LEN);
}

/* The PFSID of a device-TLB or PASID-based device-TLB invalidate
 * descriptor (6.5.2.5, 6.5.2.6): PFSID 3:0 in bits 15:12, PFSID 15:4 in
 * bits 63:52. */
static inline uint16_t vtd_qd_dev_pfsid(const uint64_t q[2])
{
    return (uint16_t)(VTD_FIELD_GET(q[0], QD_DEV, PFSID_LO) |
                      VTD_FIELD_GET(q[0], QD_DEV, PFSID_HI)
                          << VTD_QD_DEV_PFSID_LO_LEN);
}

/* 6.5.2.1 context-cache invalidate: gran VTD_QD_CC_* */
static inline bool vtd_qd_cc(uint64_t q[2], unsigned gran, uint16_t did,
                             uint16_t sid, unsigned fm)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_CC, &ok);
    q[0] = VTD_PUT_(q[0], QD, G, gran, &ok);
    q[0] = VTD_PUT_(q[0], QD, DID, did, &ok);
    q[0] = VTD_PUT_(q[0], QD_CC, SID, sid, &ok);
    q[0] = VTD_PUT_(q[0], QD_CC, FM, fm, &ok);
    q[1] = 0;
    return ok;
}

/* 6.5.2.3 IOTLB invalidate: gran VTD_QD_IOTLB_*; addr 4 KiB aligned,
 * am the address mask (2^am pages), ih the invalidation hint. */
static inline bool vtd_qd_iotlb(uint64_t q[2], unsigned gran, uint16_t did,
                                bool dr, bool dw, uint64_t addr, unsigned am,
                                bool ih)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_IOTLB, &ok);
    q[0] = VTD_PUT_(q[0], QD, G, gran, &ok);
    q[0] = VTD_PUT_(q[0], QD_IOTLB, DW, dw, &ok);
    q[0] = VTD_PUT_(q[0], QD_IOTLB, DR, dr, &ok);
    q[0] = VTD_PUT_(q[0], QD, DID, did, &ok);
    q[1] = VTD_PUT_(0, QD_HI, AM, am, &ok);
    q[1] = VTD_PUT_(q[1], QD_HI, IH, ih, &ok);
    q[1] = VTD_PUT_ADDR_(q[1], QD_HI, ADDR, addr, &ok);
    return ok;
}

/* 6.5.2.4 PASID-based IOTLB invalidate: gran VTD_QD_PIOTLB_* or 0 */
static inline bool vtd_qd_piotlb(uint64_t q[2], unsigned gran, uint16_t did,
                                 uint32_t pasid, uint64_t addr, unsigned am,
                                 bool ih)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_PIOTLB, &ok);
    q[0] = VTD_PUT_(q[0], QD, G, gran, &ok);
    q[0] = VTD_PUT_(q[0], QD, DID, did, &ok);
    q[0] = VTD_PUT_(q[0], QD, PASID, pasid, &ok);
    q[1] = VTD_PUT_(0, QD_HI, AM, am, &ok);
    q[1] = VTD_PUT_(q[1], QD_HI, IH, ih, &ok);
    q[1] = VTD_PUT_ADDR_(q[1], QD_HI, ADDR, addr, &ok);
    return ok;
}

/* 6.5.2.2 PASID-cache invalidate: gran VTD_QD_PC_* */
static inline bool vtd_qd_pc(uint64_t q[2], unsigned gran, uint16_t did,
                             uint32_t pasid)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_PC, &ok);
    q[0] = VTD_PUT_(q[0], QD, G, gran, &ok);
    q[0] = VTD_PUT_(q[0], QD, DID, did, &ok);
    q[0] = VTD_PUT_(q[0], QD, PASID, pasid, &ok);
    q[1] = 0;
    return ok;
}

/* 6.5.2.5 device-TLB invalidate (s: size bit, range encoded in addr) */
static inline bool vtd_qd_devtlb(uint64_t q[2], uint16_t sid,
                                 uint16_t pfsid, unsigned mip,
                                 uint64_t addr, bool s)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_DEVTLB, &ok);
    q[0] = VTD_PUT_(q[0], QD_DEV, PFSID_LO, pfsid & 0xfu, &ok);
    q[0] = VTD_PUT_(q[0], QD_DEV, MIP, mip, &ok);
    q[0] = VTD_PUT_(q[0], QD_DEV, SID, sid, &ok);
    q[0] = VTD_PUT_(q[0], QD_DEV, PFSID_HI, (unsigned)pfsid >> 4, &ok);
    q[1] = VTD_PUT_(0, QD_DEV_HI, S, s, &ok);
    q[1] = VTD_PUT_ADDR_(q[1], QD_DEV_HI, ADDR, addr, &ok);
    return ok;
}

/* 6.5.2.6 PASID-based device-TLB invalidate */
static inline bool vtd_qd_pdevtlb(uint64_t q[2], uint16_t sid,
                                  uint16_t pfsid, uint32_t pasid, bool global,
                                  uint64_t addr, bool s)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_PDEVTLB, &ok);
    q[0] = VTD_PUT_(q[0], QD_DEV, PFSID_LO, pfsid & 0xfu, &ok);
    q[0] = VTD_PUT_(q[0], QD_PDEV, SID, sid, &ok);
    q[0] = VTD_PUT_(q[0], QD, PASID, pasid, &ok);
    q[0] = VTD_PUT_(q[0], QD_DEV, PFSID_HI, (unsigned)pfsid >> 4, &ok);
    q[1] = VTD_PUT_(0, QD_PDEV_HI, G, global, &ok);
    q[1] = VTD_PUT_(q[1], QD_PDEV_HI, S, s, &ok);
    q[1] = VTD_PUT_ADDR_(q[1], QD_DEV_HI, ADDR, addr, &ok);
    return ok;
}

/* 6.5.2.8 interrupt entry cache invalidate: global, or 2^im entries from
 * iidx */
static inline bool vtd_qd_iec(uint64_t q[2], bool global, uint16_t iidx,
                              unsigned im)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_IEC, &ok);
    q[0] = VTD_PUT_(q[0], QD_IEC, G, !global, &ok);
    q[0] = VTD_PUT_(q[0], QD_IEC, IM, im, &ok);
    q[0] = VTD_PUT_(q[0], QD_IEC, IIDX, iidx, &ok);
    q[1] = 0;
    return ok;
}

/* 6.5.2.9 invalidation wait: with sw, write data to addr (4-byte
 * aligned); iflag: raise the completion event; fn: fence; pd: drain
 * page requests. */
static inline bool vtd_qd_wait(uint64_t q[2], bool iflag, bool sw, bool fn,
                               bool pd, uint32_t data, uint64_t addr)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_WAIT, &ok);
    q[0] = VTD_PUT_(q[0], QD_WAIT, IF, iflag, &ok);
    q[0] = VTD_PUT_(q[0], QD_WAIT, SW, sw, &ok);
    q[0] = VTD_PUT_(q[0], QD_WAIT, FN, fn, &ok);
    q[0] = VTD_PUT_(q[0], QD_WAIT, PD, pd, &ok);
    q[0] = VTD_PUT_(q[0], QD_WAIT, DATA, data, &ok);
    q[1] = VTD_PUT_ADDR_(0, QD_WAIT_HI, ADDR, addr, &ok);
    return ok;
}

/* 7.6.1 page group response (256-bit; q[2] and q[3] are zero): to the
 * function rid, PASID when pasid_present, page request group prgi (9
 * bits), response code rc (enum vtd_prg_rc; 4 bits). */
static inline bool vtd_qd_pgrp_resp(uint64_t q[4], uint16_t rid,
                                    bool pasid_present, uint32_t pasid,
                                    unsigned prgi, unsigned rc)
{
    bool ok = true;
    q[0] = vtd_qd_type_(VTD_INV_PGRP_RESP, &ok);
    q[0] = VTD_PUT_(q[0], QD_PGRP, PP, pasid_present, &ok);
    q[0] = VTD_PUT_(q[0], QD_PGRP, RC, rc, &ok);
    q[0] = VTD_PUT_(q[0], QD_PGRP, RID, rid, &ok);
    q[0] = VTD_PUT_(q[0], QD_PGRP, PASID, pasid_present ? pasid : 0, &ok);
    q[1] = VTD_PUT_(0, QD_PGRP_HI, PRGI, prgi, &ok);
    q[2] = q[3] = 0;
    return ok;
}

/* 7.4.1.1 page request descriptor, decoded.  pasid is meaningful only
 * when pasid_present; addr is the page address (bits 11:0 zero). */
struct vtd_prq_desc {
    unsigned type;         /* VTD_PRQ_TYPE_PAGE_REQ */
    bool pasid_present;
    uint16_t rid;
    uint32_t pasid;
    bool exr, pmr;         /* execute, privileged (supervisor) */
    bool rdr, wrr, lpig;
    unsigned prgi;
    uint64_t addr;
};

static inline bool vtd_prq_desc_encode(uint64_t q[4],
                                       const struct vtd_prq_desc *d)
{
    bool ok = true;
    q[0] = VTD_PUT_(0, PRQ_LO, TYPE, d->type, &ok);
    q[0] = VTD_PUT_(q[0], PRQ_LO, PP, d->pasid_present, &ok);
    q[0] = VTD_PUT_(q[0], PRQ_LO, RID, d->rid, &ok);
    q[0] = VTD_PUT_(q[0], PRQ_LO, PASID, d->pasid, &ok);
    q[0] = VTD_PUT_(q[0], PRQ_LO, EXR, d->exr, &ok);
    q[0] = VTD_PUT_(q[0], PRQ_LO, PMR, d->pmr, &ok);
    q[1] = VTD_PUT_(0, PRQ_HI, RDR, d->rdr, &ok);
    q[1] = VTD_PUT_(q[1], PRQ_HI, WRR, d->wrr, &ok);
    q[1] = VTD_PUT_(q[1], PRQ_HI, LPIG, d->lpig, &ok);
    q[1] = VTD_PUT_(q[1], PRQ_HI, PRGI, d->prgi, &ok);
    q[1] = VTD_PUT_ADDR_(q[1], PRQ_HI, ADDR, d->addr, &ok);
    q[2] = q[3] = 0;
    return ok;
}

static inline void vtd_prq_desc_decode(const uint64_t q[4],
                                       struct vtd_prq_desc *d)
{
    d->type = (unsigned)VTD_FIELD_GET(q[0], PRQ_LO, TYPE);
    d->pasid_present = VTD_FIELD_GET(q[0], PRQ_LO, PP) != 0;
    d->rid = (uint16_t)VTD_FIELD_GET(q[0], PRQ_LO, RID);
    d->pasid = (uint32_t)VTD_FIELD_GET(q[0], PRQ_LO, PASID);
    d->exr = VTD_FIELD_GET(q[0], PRQ_LO, EXR) != 0;
    d->pmr = VTD_FIELD_GET(q[0], PRQ_LO, PMR) != 0;
    d->rdr = VTD_FIELD_GET(q[1], PRQ_HI, RDR) != 0;
    d->wrr = VTD_FIELD_GET(q[1], PRQ_HI, WRR) != 0;
    d->lpig = VTD_FIELD_GET(q[1], PRQ_HI, LPIG) != 0;
    d->prgi = (unsigned)VTD_FIELD_GET(q[1], PRQ_HI, PRGI);
    d->addr = VTD_GET_ADDR_(q[1], PRQ_HI, ADDR);
}

#ifdef __cplusplus
}
#endif

#endif /* VTD_ENTRIES_H */
