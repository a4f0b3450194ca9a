/* SPDX-License-Identifier: MIT */
/*
 * vtd/ats.c: ATS translation requests and their completions (VT-d 4.1.2,
 * 4.2.1, 4.2.3; Table 30's translation-request columns; Table 10).
 *
 * translate.c walks the request as it walks any other (with the checks
 * Table 30 lists for AT=01b); this file turns the outcome into the
 * completion: UR or CA for the conditions Table 30 blocks with, success
 * with R=W=0 (or reduced permission) for the ones a device may recover
 * from, and otherwise the translation with its size, permissions and
 * N/U/Priv bits.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ats.h"
#include "internal.h"
#include "reentry.h"

/* Table 30: the status of a translation request blocked by a condition
 * (the "Translation Req-without-PASID" / "-with-PASID" columns).  The two
 * columns agree wherever both are defined.  UR: LRT.2, LCT.2, LCT.5,
 * RTA.2, RTA.4, RTA.5, SRT.2, SCT.2, SCT.5, SCT.6, SCT.7, SCT.9, SGN.10;
 * every other blocking condition is CA (LRT.1/3, LCT.1/3/4, LSS.x, LGN.4,
 * RTA.1, SRT.1/3, SCT.1/3/4, SPD.1/3, SPT.1/3/4, SSS.1/3-6, SGN.8.2). */
static enum vtd_ats_status blocked_status(unsigned reason)
{
    switch (reason) {
    case VTD_FR_ROOT_NOT_PRESENT:   /* LRT.2 */
    case VTD_FR_CTX_NOT_PRESENT:    /* LCT.2 */
    case VTD_FR_CTX_TT_BLOCKED:     /* LCT.5 */
    case VTD_FR_RTA_LEGACY_PASID:   /* RTA.2 */
    case VTD_FR_RTA_ABORT:          /* RTA.4 */
    case VTD_FR_RTA_EXEC:           /* RTA.5 */
    case VTD_FR_SRT_NOT_PRESENT:    /* SRT.2 */
    case VTD_FR_SCT_NOT_PRESENT:    /* SCT.2 */
    case VTD_FR_SCT_DTE:            /* SCT.5 */
    case VTD_FR_SCT_PASIDE:         /* SCT.6 */
    case VTD_FR_SCT_PASID_RANGE:    /* SCT.7 */
    case VTD_FR_SCT_RID_PASID:      /* SCT.9 */
    case VTD_FR_SGN_PASID_SIZE:     /* SGN.10 */
    case VTD_FR_ATS_UR:             /* 4.2.1 */
        return VTD_ATS_UR;
    default:
        return VTD_ATS_CA;
    }
}

/* 4.2.3 ADDR for pass-through: "the base address of a naturally aligned
 * region that is equal in size to the largest page-size supported by
 * remapping hardware".  The largest page the unit supports in any stage:
 * 1 GiB with CAP.SLLPS bit 1 or CAP.FS1GP, 2 MiB with SLLPS bit 0 or
 * first-stage translation (2 MiB pages always exist there, 9.7). */
static uint64_t largest_page(const struct vtd_iommu *u)
{
    unsigned sllps = (unsigned)field_get(u->cap, CAP, SLLPS);
    if ((sllps & VTD_SLLPS_1G) || field_get(u->cap, CAP, FS1GP))
        return VTD_PAGE_1G;
    if ((sllps & VTD_SLLPS_2M) || field_get(u->ecap, ECAP, FSTS))
        return VTD_PAGE_2M;
    return VTD_PAGE_4K;
}

uint64_t vtd_ats_size_decode(uint64_t addr, bool s)
{
    if (!s)
        return VTD_PAGE_4K;
    uint64_t bits = addr >> VTD_PAGE_SHIFT;
    const uint64_t all = ~0ULL >> VTD_PAGE_SHIFT;
    if ((bits & all) == all)
        return 0;
    unsigned k = (unsigned)__builtin_ctzll(~bits);
    /* Lowest 0 bit at 63 (6.5.3.3: "Global Device-TLB invalidation is
     * ... S=1 and Addr[63:12]=0x7FFFFFFF_FFFFF"): all 2^64 bytes. */
    unsigned lg = k + VTD_PAGE_SHIFT + 1;
    return lg >= 64 ? 0 : 1ULL << lg;
}

/* The Translated Address field of a translation of size bytes at out:
 * with S=1 bits (log2(size) - 2):12 are ones and bit log2(size) - 1 is
 * zero (PCIe ATS size encoding, VT-d 4.2.3). */
static uint64_t size_encode(uint64_t out, uint64_t size)
{
    if (size <= VTD_PAGE_4K)
        return out & VTD_PAGE_MASK;
    return (out & ~(size - 1)) | ((size / 2 - 1) & VTD_PAGE_MASK);
}

static void emit_completion(struct vtd_iommu *u, const struct vtd_ats_req *req,
                            const struct vtd_ats_cpl *c)
{
    if (!vtd_tracing_(u))
        return;
    char msg[240];
    if (c->status != VTD_ATS_SUCCESS)
        snprintf(msg, sizeof(msg),
                 "translation completion %s (no data): %s (VT-d 4.1.2, "
                 "Table 30)", c->status == VTD_ATS_UR ? "UR" : "CA",
                 vtd_fault_reason_str(c->reason));
    else
        snprintf(msg, sizeof(msg),
                 "translation completion success: addr 0x%" PRIx64
                 " S=%u (%" PRIu64 " bytes at input 0x%" PRIx64
                 ") R=%u W=%u X=%u Priv=%u G=%u U=%u N=%u%s%s (VT-d 4.2.3)",
                 c->addr, c->s, c->size, c->base, c->r, c->w, c->x,
                 c->priv, c->g, c->u, c->n, c->reason ? "; from " : "",
                 c->reason ? vtd_fault_reason_str(c->reason) : "");
    struct vtd_event ev = {
        .kind = VTD_EV_NOTE, .sid = req->sid, .pasid = req->pasid,
        .addr = req->iova, .val = { c->addr, c->size, (uint64_t)c->status },
        .nval = 3, .fault = c->reason, .recorded = c->recorded,
        .what = "ats-completion", .msg = msg,
    };
    vtd_emit_(u, &ev);
}

int vtd_ats_translate(struct vtd_iommu *u, const struct vtd_ats_req *req,
                      struct vtd_ats_cpl *out)
{
    if (!u || !req || !out || req->version != VTD_ATS_REQ_VERSION ||
        (req->pasid != VTD_NO_PASID && req->pasid > VTD_PASID_MAX))
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract */
    memset(out, 0, sizeof(*out));
    const bool with_pasid = req->pasid != VTD_NO_PASID;
    out->base = req->iova & VTD_PAGE_MASK;
    out->size = VTD_PAGE_4K;

    /* 4.2.1: remapping disabled: every request with AT != 00b is UR. */
    if (!atomic_load_explicit(&u->te, memory_order_acquire)) {
        out->status = VTD_ATS_UR;
        out->reason = VTD_FR_ATS_UR;
        emit_completion(u, req, out);
        return 0;
    }
    /* 4.2.3: NW is honoured only with ECAP.NWFS. */
    const bool nw = req->nw && field_get(u->ecap, ECAP, NWFS);
    struct vtd_dma_req d = {
        .sid = req->sid, .pasid = req->pasid, .iova = out->base, .size = 1,
        .access = VTD_ACC_READ | (req->priv ? VTD_ACC_PRIV : 0) |
                  (req->exec ? VTD_ACC_EXEC : 0),
        .at = VTD_AT_TRANSLATION,
    };
    struct vtd_ats_raw_ raw;
    vtd_translate_ats_(u, &d, nw, &raw);
    out->did = raw.did;
    out->cached = raw.cached;
    out->recorded = raw.recorded;
    if (raw.fault) {
        out->status = blocked_status(raw.fault);
        out->reason = raw.fault;
        emit_completion(u, req, out);
        return 0;
    }
    out->status = VTD_ATS_SUCCESS;
    out->reason = raw.cond;
    /* 4.2.3 PRIV: 1 for a request with PASID and PR=1, else 0 (a request
     * without PASID using RID_PRIV gets privileged permissions with
     * Priv=0). */
    out->priv = with_pasid && req->priv;

    if (raw.intr_special) {
        /* Table 30 S.1: NW clear -> R=S=0, W=U=1; S.2: NW set ->
         * R=W=U=S=0.  ADDR is meaningless with U=1 (4.1.2). */
        out->w = !nw;
        out->u = !nw;
        if (nw)
            vtd_rule_(u, F_S_2);
        else
            vtd_rule_(u, F_S_1);
        emit_completion(u, req, out);
        return 0;
    }
    bool r = raw.perm & VTD_PERM_R, w = (raw.perm & VTD_PERM_W) && !nw;
    /* 4.2.3: PR=1 on a unit without supervisor requests (ECAP.SRS=0)
     * forces R=W=E=0. */
    if (out->priv && !field_get(u->ecap, ECAP, SRS))
        r = w = false;
    if (!r && !w) {
        /* "Success with R=W=U=S=0" (7.1.2: the device may recover). */
        emit_completion(u, req, out);
        return 0;
    }
    uint64_t size = raw.pt ? largest_page(u) : raw.page_size;
    if (size < VTD_PAGE_4K)
        size = VTD_PAGE_4K;
    uint64_t out_page = raw.pt ? req->iova : raw.addr;
    out->r = r;
    out->w = w;
    out->size = size;
    out->s = size > VTD_PAGE_4K;
    out->base = req->iova & ~(size - 1);
    out->out_base = out_page & ~(size - 1);
    out->addr = size_encode(out_page, size);
    /* Table 10: legacy TT=01b: the leaf's SNP (only with ECAP.SC: SNP is
     * reserved otherwise); scalable: PGSNP, or'ed with the leaf's SNP
     * for second-stage and nested translation (a first-stage-only or
     * pass-through walk meets no second-stage leaf). */
    out->n = raw.scalable ? (raw.pgsnp || raw.snp)
                          : (raw.snp && field_get(u->ecap, ECAP, SC));
    emit_completion(u, req, out);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Device-TLB invalidation (4.3, 6.5.2.5, 6.5.2.6, 6.5.2.11)          */
/* ------------------------------------------------------------------ */

void vtd_ats_reset_(struct vtd_iommu *u)
{
    struct vtd_ats_state *s = &u->ats;
    memset(s->itag, 0, sizeof(s->itag));
    s->busy = 0;
    if (!s->timeout)
        s->timeout = VTD_ATS_INVAL_TIMEOUT_DEFAULT;
}

static void sid_text(char *buf, size_t len, uint16_t sid)
{
    snprintf(buf, len, VTD_SID_FMT, VTD_SID_BDF(sid));
}

static void note(struct vtd_iommu *u, const char *what,
                 const struct vtd_devtlb_inv *inv, const char *msg)
{
    if (!vtd_tracing_(u))
        return;
    struct vtd_event ev = {
        .kind = VTD_EV_NOTE, .sid = inv ? inv->sid : 0,
        .pasid = inv ? inv->pasid : VTD_NO_PASID,
        .addr = inv ? inv->addr : 0,
        .val = { inv ? inv->itag : 0, inv ? inv->size : 0 }, .nval = 2,
        .what = what, .msg = msg,
    };
    vtd_emit_(u, &ev);
}

static void free_itag(struct vtd_iommu *u, unsigned t, const char *why)
{
    struct vtd_ats_state *s = &u->ats;
    if (vtd_tracing_(u)) {
        char sid[16], msg[160];
        sid_text(sid, sizeof(sid), s->itag[t].inv.sid);
        snprintf(msg, sizeof(msg), "device-TLB invalidation ITag %u for %s "
                 "%s (VT-d 4.3)", t, sid, why);
        note(u, "devtlb-inval-done", &s->itag[t].inv, msg);
    }
    s->itag[t].busy = false;
    s->busy--;
}

/* 6.5.2.11 time-out: FSTS.ITE (the queue stops fetching, a wait
 * descriptor pending is aborted) and the fault event (7.3); 11.4.9.9
 * ITESID copied when ITE was clear (of several at once, vtdemu reports
 * the oldest). */
static void report_timeout(struct vtd_iommu *u, uint16_t sid)
{
    uint32_t fsts = vtd_reg_get32_(u, VTD_REG_FSTS);
    if (!(fsts & FSTS_ITE_MASK)) {
        uint64_t r = vtd_reg_get64_(u, VTD_REG_IQERCD);
        vtd_reg_set64_(u, VTD_REG_IQERCD, field_set(r, IQERCD, ITESID, sid));
    }
    vtd_rule_(u, Q_ITE);
    vtd_fault_set_fsts_locked_(u, FSTS_ITE_MASK);
}

bool vtd_ats_inval_issue_locked_(struct vtd_iommu *u, const uint64_t *q,
                                 bool pasid_based)
{
    struct vtd_ats_state *s = &u->ats;
    if (!u->ops.devtlb_inval)
        return true;   /* no endpoint to ask (vtd.h, version < 3) */
    unsigned t = VTD_ATS_ITAGS;
    for (unsigned i = 0; i < VTD_ATS_ITAGS; i++) {
        if (!s->itag[i].busy) {
            t = i;
            break;
        }
    }
    /* 4.3: "If there are no free ITags in hardware, the Device-TLB
     * invalidation request is deferred until a free ITag is available." */
    if (t == VTD_ATS_ITAGS)
        return false;
    bool dit = field_get(u->ecap, ECAP, DIT);
    struct vtd_devtlb_inv inv = { .pasid = VTD_NO_PASID, .itag = t };
    if (pasid_based) {                                 /* 6.5.2.6 */
        inv.sid = (uint16_t)field_get(q[0], QD_PDEV, SID);
        inv.pasid = (uint32_t)field_get(q[0], QD, PASID);
        inv.mip = (unsigned)field_get(q[0], QD_PDEV, MIP);
        inv.global = field_get(q[1], QD_PDEV_HI, G);
        inv.s = field_get(q[1], QD_PDEV_HI, S);
        inv.addr = VTD_GET_ADDR_(q[1], QD_DEV_HI, ADDR);
    } else {                                           /* 6.5.2.5 */
        inv.sid = (uint16_t)field_get(q[0], QD_DEV, SID);
        inv.mip = (unsigned)field_get(q[0], QD_DEV, MIP);
        inv.s = field_get(q[1], QD_DEV_HI, S);
        inv.addr = VTD_GET_ADDR_(q[1], QD_DEV_HI, ADDR);
    }
    if (dit)
        inv.pfsid = vtd_qd_dev_pfsid(q);
    inv.size = vtd_ats_size_decode(inv.addr, inv.s);
    inv.base = inv.size ? inv.addr & ~(inv.size - 1) : 0;
    inv.issued_ns = s->now;
    inv.deadline_ns = s->now + s->timeout < s->now ? UINT64_MAX
                                                   : s->now + s->timeout;
    s->itag[t] = (struct vtd_ats_itag_){ .busy = true, .seq = ++s->seq,
                                         .inv = inv };
    s->busy++;
    if (vtd_tracing_(u)) {
        char sid[16], msg[240];
        sid_text(sid, sizeof(sid), inv.sid);
        char pasid[40] = "without PASID";
        if (inv.pasid != VTD_NO_PASID)
            snprintf(pasid, sizeof(pasid), inv.global ? "all PASIDs (GI)"
                                                      : "PASID 0x%x",
                     inv.pasid);
        if (inv.size)
            snprintf(msg, sizeof(msg),
                     "ATS Invalidate Request to %s, ITag %u, %s: "
                     "[0x%" PRIx64 ", +0x%" PRIx64 ") (S=%u; VT-d 4.3, "
                     "time-out at %" PRIu64 " ns)", sid, t, pasid, inv.base,
                     inv.size, inv.s, inv.deadline_ns);
        else
            snprintf(msg, sizeof(msg),
                     "ATS Invalidate Request to %s, ITag %u, %s: every "
                     "address (S=1, address bits all ones; VT-d 4.3, "
                     "time-out at %" PRIu64 " ns)", sid, t, pasid,
                     inv.deadline_ns);
        note(u, "devtlb-inval-request", &inv, msg);
    }
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    int rc = u->ops.devtlb_inval(u->opaque, &inv);
    vtd_cb_exit_(&f);
    if (rc == -ENODEV) {  /* vtd.h: no device-TLB behind the SID */
        free_itag(u, t, "completed at once (no device-TLB behind it)");
    } else if (rc < 0) {
        /* The host could not deliver the Invalidate Request (vtd.h): no
         * completion can ever come for it.  6.5.2.11 handles a response
         * that does not come as a time-out; the model detects it at once
         * rather than at the deadline (docs/ats.md): the ITag is freed,
         * ITE set, and the queue stops at this descriptor (IQH left on
         * it: it is issued again when software clears ITE), so the wait
         * descriptor behind it never reports an invalidation that did
         * not happen. */
        vtd_log_(u, VTD_LOG_ERROR,
                 "ATS Invalidate Request to " VTD_SID_FMT " not delivered "
                 "(host error %d): invalidation time-out (FSTS.ITE, VT-d "
                 "6.5.2.11)", VTD_SID_BDF(inv.sid), rc);
        free_itag(u, t, "not delivered: time-out");
        report_timeout(u, inv.sid);
        return false;
    }
    return true;
}


int vtd_ats_inval_complete(struct vtd_iommu *u, uint16_t sid,
                           uint32_t itags, unsigned cc, bool *accepted)
{
    if (accepted)
        *accepted = false;
    if (!u || cc > 7)
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK;
    pthread_mutex_lock(&u->lock);
    /* 4.2.1: with TES=0 an Invalidation Completion is UR. */
    if (!atomic_load_explicit(&u->te, memory_order_acquire)) {
        vtd_log_(u, VTD_LOG_WARN,
                 "ATS Invalidation Completion from " VTD_SID_FMT " while "
                 "remapping is disabled: unsupported request (VT-d 4.2.1)",
                 VTD_SID_BDF(sid));
        pthread_mutex_unlock(&u->lock);
        return 0;
    }
    if (accepted)
        *accepted = true;
    struct vtd_ats_state *s = &u->ats;
    const unsigned need = cc ? cc : 8;   /* 4.3: 0 means 8 */
    uint32_t invalid = 0;
    bool freed = false;
    /* 4.3: valid ITags first, then the invalid ones. */
    for (unsigned i = 0; i < VTD_ATS_ITAGS; i++) {
        if (!(itags & (1u << i)))
            continue;
        struct vtd_ats_itag_ *t = &s->itag[i];
        if (!t->busy || t->inv.sid != sid) {
            invalid |= 1u << i;
            continue;
        }
        if (++t->inv.completions == need) {
            free_itag(u, i, "completed");
            freed = true;
        }
    }
    if (invalid) {
        /* 4.3, 6.5.2.11, 11.4.9.9: ICE, ICESID when ICE was clear. */
        uint32_t fsts = vtd_reg_get32_(u, VTD_REG_FSTS);
        if (!(fsts & FSTS_ICE_MASK)) {
            uint64_t r = vtd_reg_get64_(u, VTD_REG_IQERCD);
            vtd_reg_set64_(u, VTD_REG_IQERCD,
                           field_set(r, IQERCD, ICESID, sid));
        }
        vtd_log_(u, VTD_LOG_ERROR,
                 "ATS Invalidation Completion from " VTD_SID_FMT " names "
                 "ITags 0x%x not outstanding for it: invalidation "
                 "completion error (FSTS.ICE, VT-d 4.3)",
                 VTD_SID_BDF(sid), invalid);
        if (vtd_tracing_(u)) {
            char msg[160];
            snprintf(msg, sizeof(msg), "invalid ITag vector 0x%x from "
                     VTD_SID_FMT ": FSTS.ICE (VT-d 4.3)", invalid,
                     VTD_SID_BDF(sid));
            note(u, "devtlb-inval-ice", NULL, msg);
        }
        vtd_rule_(u, Q_ICE);
        vtd_fault_set_fsts_locked_(u, FSTS_ICE_MASK);
    }
    /* The queue may continue: a wait or a deferred descriptor. */
    if (freed)
        vtd_qi_tail_written_locked_(u);
    pthread_mutex_unlock(&u->lock);
    return 0;
}

/* 6.5.2.11: time-outs at the current clock. */
static void expire_locked(struct vtd_iommu *u)
{
    struct vtd_ats_state *s = &u->ats;
    int oldest = -1;
    for (unsigned i = 0; i < VTD_ATS_ITAGS; i++) {
        const struct vtd_ats_itag_ *t = &s->itag[i];
        if (t->busy && t->inv.deadline_ns <= s->now &&
            (oldest < 0 || t->seq < s->itag[oldest].seq))
            oldest = (int)i;
    }
    if (oldest < 0)
        return;
    uint16_t sid = s->itag[oldest].inv.sid;
    for (unsigned i = 0; i < VTD_ATS_ITAGS; i++)
        if (s->itag[i].busy && s->itag[i].inv.deadline_ns <= s->now)
            free_itag(u, i, "timed out");
    vtd_log_(u, VTD_LOG_ERROR,
             "device-TLB invalidation of " VTD_SID_FMT " timed out: "
             "invalidation time-out error (FSTS.ITE, VT-d 6.5.2.11); the "
             "queue fetches nothing until ITE is cleared",
             VTD_SID_BDF(sid));
    report_timeout(u, sid);
}

int vtd_clock_advance(struct vtd_iommu *u, uint64_t ns)
{
    if (!u)
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK;
    pthread_mutex_lock(&u->lock);
    struct vtd_ats_state *s = &u->ats;
    s->now = s->now + ns < s->now ? UINT64_MAX : s->now + ns;
    expire_locked(u);
    pthread_mutex_unlock(&u->lock);
    return 0;
}

int vtd_ats_set_inval_timeout(struct vtd_iommu *u, uint64_t ns)
{
    if (!u || ns == 0)
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK;
    pthread_mutex_lock(&u->lock);
    u->ats.timeout = ns;
    pthread_mutex_unlock(&u->lock);
    return 0;
}

int vtd_ats_pending(struct vtd_iommu *u, struct vtd_devtlb_inv *out,
                    unsigned max, uint64_t *now_ns)
{
    if (!u || (max && !out))
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK;
    pthread_mutex_lock(&u->lock);
    const struct vtd_ats_state *s = &u->ats;
    if (now_ns)
        *now_ns = s->now;
    unsigned n = 0;
    uint64_t last = 0;
    /* Oldest first: at most 32 passes over 32 tags. */
    for (;;) {
        int next = -1;
        for (unsigned i = 0; i < VTD_ATS_ITAGS; i++) {
            const struct vtd_ats_itag_ *t = &s->itag[i];
            if (t->busy && t->seq > last &&
                (next < 0 || t->seq < s->itag[next].seq))
                next = (int)i;
        }
        if (next < 0)
            break;
        if (n < max)
            out[n] = s->itag[next].inv;
        n++;
        last = s->itag[next].seq;
    }
    pthread_mutex_unlock(&u->lock);
    return (int)n;
}
