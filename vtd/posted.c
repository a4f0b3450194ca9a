/* SPDX-License-Identifier: MIT */
/*
 * vtd/posted.c: posting interrupts to posted-interrupt descriptors
 * (VT-d 5.2.3 hardware operation, 9.11 descriptor format).
 *
 * The hardware does one locked read-modify-write of the descriptor's cache
 * line.  The host gives us 64-bit compare-exchange only, so the update is
 * done as two atomic steps in the order that keeps a concurrent CPU
 * correct: first PIR[vector] is set, then ON is tested (and set when a
 * notification is due; vtd_pi_post_() says when the test is a load).  A CPU
 * processing a notification clears ON before it harvests PIR (SDM vol. 3,
 * posted-interrupt processing), so a bit set here is either harvested by a
 * CPU that cleared ON before it, or followed by our setting ON and sending
 * a fresh notification.  At worst a notification finds PIR already empty,
 * which the processor tolerates.
 *
 * 5.2.3 makes the update one "atomic read-modify-write operation": if it
 * cannot complete, the descriptor is not modified and the interrupt is
 * blocked (Table 15, 27h).  So when step 2 fails after step 1 set a PIR
 * bit that was clear, the bit is cleared again before 27h is reported:
 * report and descriptor agree (docs/spec-notes.md).  A bit that was set
 * before this request is left alone (it is not ours).  The undo cannot be
 * atomic with step 1: a CPU that harvests PIR between the two (after some
 * other notification) delivers the vector anyway, and another unit
 * posting the same vector to the same descriptor in that window has its
 * post coalesced into the bit that is then cleared; both need a host
 * compare-exchange failure in a window of a few instructions.
 */
#include <inttypes.h>

#include "internal.h"
#include "posted.h"
#include "irqcount.h"

/* Atomically OR bits into the guest qword at gpa.  *old receives the value
 * seen before the update.  Returns 0, -EIO on an access error or when the
 * retry bound is exhausted.  guess is only a starting point: even when it
 * already shows the bits, the compare-exchange confirms the value in
 * memory (a CPU may have harvested them since the descriptor was read). */
static int qword_or(struct vtd_iommu *u, uint64_t gpa, uint64_t bits,
                    uint64_t guess, uint64_t *old)
{
    uint64_t cur = guess;
    for (unsigned i = 0; i < VTD_PID_CAS_RETRIES; i++) {
        int rc = vtd_mem_cmpxchg64_(u, gpa, &cur, cur | bits);
        if (rc == 0) {
            *old = cur;
            return 0;
        }
        if (rc != -EAGAIN)
            return -EIO;
    }
    return -EIO;
}

/* Clear PIR bit `bit` of the qword at gpa again (it read `cur` after it
 * was set), unless a CPU has harvested it meanwhile.  False when the
 * host failed the compare-exchange: the bit stays set. */
static bool pir_undo(struct vtd_iommu *u, uint64_t gpa, uint64_t bit,
                     uint64_t cur)
{
    for (unsigned i = 0; i < VTD_PID_CAS_RETRIES; i++) {
        if (!(cur & bit))
            return true;
        int rc = vtd_mem_cmpxchg64_(u, gpa, &cur, cur & ~bit);
        if (rc == 0)
            return true;
        if (rc != -EAGAIN)
            break;
    }
    vtd_log_(u, VTD_LOG_ERROR,
             "posted-interrupt descriptor 0x%" PRIx64 ": PIR bit could not "
             "be cleared after a failed ON update: reported posted without "
             "notification (the bit is pending in PIR)", gpa);
    return false;
}

/* 5.2.3 outcome of a post whose PIR bit is set: the rule taken (on the
 * control word the decision was made on) and the result. */
static unsigned post_done(struct vtd_iommu *u, uint64_t pid, uint8_t vector,
                          bool x2apic, bool notify, uint64_t cur,
                          struct vtd_irq *out)
{
    /* Coverage (rulehits.h, irqcount.h): the ON/SN/URG case taken. */
    if (notify && field_get(cur, PID_CTL, SN))
        vtd_ir_count_(u, VTD_RULE_PI_SN_URGENT);
    else if (notify)
        vtd_ir_count_(u, VTD_RULE_PI_NOTIFY);
    else if (field_get(cur, PID_CTL, ON))
        vtd_ir_count_(u, VTD_RULE_PI_ON_SET);
    else
        vtd_ir_count_(u, VTD_RULE_PI_SN_SUPPRESSED);
    if (x2apic)
        vtd_ir_count_(u, VTD_RULE_PI_X2APIC);
    out->outcome = VTD_IRQ_POSTED;
    out->pid_addr = pid;
    out->vector = vector;
    out->x2apic = x2apic;
    out->notify = notify;
    if (notify) {
        /* 5.2.3: the notification is fixed, physical, edge, RH=0:
         * the caller sends vector nv to APIC id ndst. */
        out->nv = (uint8_t)field_get(cur, PID_CTL, NV);
        out->ndst = x2apic ? (uint32_t)field_get(cur, PID_CTL, NDST)
                           : (uint32_t)field_get(cur, PID_CTL, NDST_X);
    }
    return 0;
}

/* Step 2, after PIR[vector] was set (bit in the word at pir_gpa, which
 * held old before): X = (ON == 0) & (URG | (SN == 0)); if X, set ON and
 * notify.  cur is the control word; confirmed says it was read after
 * step 1 in an order that makes a decision on it exact (see
 * post_direct()); otherwise the decision is confirmed by a
 * compare-exchange that rewrites the value it was made on.  Either way a
 * CPU clearing ON concurrently is never lost: it cleared ON before the
 * value the decision is made on (X is decided on ON=0 and we notify), or
 * after it, and then it harvests PIR after our bit was set (a CPU clears
 * ON before it harvests PIR).  A failed compare-exchange returns the
 * current value, which is then confirmed. */
static unsigned post_step2(struct vtd_iommu *u, uint64_t pid, uint8_t vector,
                           bool urg, bool x2apic, uint64_t pir_gpa,
                           uint64_t bit, uint64_t old, uint64_t cur,
                           bool confirmed, struct vtd_irq *out)
{
    uint64_t ctl_gpa = pid + 8u * VTD_PID_CTL_QW;
    bool notify = false, done = false;
    for (unsigned i = 0; i < VTD_PID_CAS_RETRIES && !done; i++) {
        bool x = !field_get(cur, PID_CTL, ON) &&
                 (urg || !field_get(cur, PID_CTL, SN));
        if (!x && confirmed) {
            done = true;
            break;
        }
        int rc = vtd_mem_cmpxchg64_(u, ctl_gpa, &cur,
                                    x ? cur | PID_CTL_ON_MASK : cur);
        if (rc == 0) {
            notify = x;
            done = true;
        } else if (rc != -EAGAIN) {
            break;
        }
        confirmed = true;
    }
    if (!done) {
        /* The read-modify-write failed: leave PIR as it was (5.2.3) and
         * report 27h.  If PIR cannot be restored either, the report
         * follows the state (issue 18): the vector is pending in PIR, so
         * it is posted, without a notification (ON was not set). */
        if ((old & bit) || pir_undo(u, pir_gpa, bit, old | bit))
            return VTD_FR_IR_PID_ACCESS;
        notify = false;
    }
    return post_done(u, pid, vector, x2apic, notify, cur, out);
}

/* Word i of a mapped descriptor: one 64-bit load (vtd.h: map). */
static inline uint64_t pid_word(const uint8_t *p, unsigned i, int order)
{
    uint64_t v = __atomic_load_n((const uint64_t *)(const void *)(p + 8 * i),
                                 order);
    return GUINT64_FROM_LE(v);
}

#define POST_FALLBACK 0x100u /* post_direct(): use post_generic() */

/* The direct path, with the host's pointer (map) and compare-exchange
 * and no trace callback: the descriptor words read through the pointer
 * (PIR's word, the control word, the reserved 511:320), PIR[vector] set
 * with the host's compare-exchange, then the control word read again
 * through the pointer, a sequentially consistent load after that
 * compare-exchange (a full barrier: a locked instruction on x86,
 * __atomic_compare_exchange everywhere), which makes the decision on it
 * exact: with ON already set (the common case) or SN suppressing the
 * notification nothing more is written, one compare-exchange in all.
 * Both host calls run in one callback frame (reentry.h).  Returns
 * POST_FALLBACK, having changed nothing, when the host gives no pointer
 * (post_generic() then reads, and decides 27h). */
static unsigned post_direct(struct vtd_iommu *u, uint64_t pid, uint8_t vector,
                            bool urg, bool x2apic, struct vtd_irq *out)
{
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    const uint8_t *p = u->ops.map(u->opaque, pid, VTD_PID_SIZE);
    if (!p || ((uintptr_t)p & 7)) {
        vtd_cb_exit_(&f);
        return POST_FALLBACK;
    }
    /* VT-d 9.11 / 5.2.3: reserved descriptor fields set -> blocked,
     * 28h. */
    uint64_t rsvd = VTD_PID_CTL_RSVD | (x2apic ? 0 : VTD_PID_CTL_RSVD_XAPIC);
    if ((pid_word(p, VTD_PID_CTL_QW, __ATOMIC_RELAXED) & rsvd) |
        pid_word(p, 5, __ATOMIC_RELAXED) | pid_word(p, 6, __ATOMIC_RELAXED) |
        pid_word(p, 7, __ATOMIC_RELAXED)) {
        vtd_cb_exit_(&f);
        return VTD_FR_IR_PID_RSVD;
    }
    /* Step 1: PIR[vector]; one compare-exchange when the word did not
     * change since it was read. */
    unsigned w = vector / 64u;
    uint64_t bit = 1ULL << (vector % 64u), pir_gpa = pid + 8u * w;
    uint64_t old = pid_word(p, w, __ATOMIC_RELAXED);
    int rc;
    unsigned i = 0;
    do
        rc = u->ops.cmpxchg64(u->opaque, pir_gpa, &old, old | bit);
    while (rc == -EAGAIN && ++i < VTD_PID_CAS_RETRIES);
    uint64_t cur = pid_word(p, VTD_PID_CTL_QW, __ATOMIC_SEQ_CST);
    vtd_cb_exit_(&f);
    if (rc != 0)
        return VTD_FR_IR_PID_ACCESS; /* PIR unchanged */
    if (G_LIKELY(field_get(cur, PID_CTL, ON) ||
                 (!urg && field_get(cur, PID_CTL, SN))))
        return post_done(u, pid, vector, x2apic, false, cur, out);
    return post_step2(u, pid, vector, urg, x2apic, pir_gpa, bit, old, cur,
                      true, out);
}

/* The generic path: the descriptor read with read() (or map, through
 * vtd_mem_read_()), traced when tracing; the decision confirmed by a
 * compare-exchange (post_step2()). */
static unsigned post_generic(struct vtd_iommu *u, uint64_t pid,
                             uint8_t vector, bool urg, bool x2apic,
                             struct vtd_irq *out)
{
    uint8_t raw[VTD_PID_SIZE];
    uint64_t q[8];

    /* VT-d 9.10: the descriptor is 64-byte aligned by construction (PDAL
     * holds address bits 31:6); an address beyond the platform is an
     * access error, 27h (Table 15). */
    if (vtd_mem_read_(u, pid, raw, sizeof(raw)) < 0)
        return VTD_FR_IR_PID_ACCESS;
    for (unsigned i = 0; i < 8; i++)
        q[i] = ldq_le(raw + 8 * i);

    if (vtd_tracing_(u)) {
        struct vtd_event ev = { .kind = VTD_EV_WALK, .what = "pid",
                                .addr = pid, .nval = 8,
                                .pasid = VTD_NO_PASID };
        memcpy(ev.val, q, sizeof(q));
        vtd_emit_(u, &ev);
    }

    /* VT-d 9.11 / 5.2.3: reserved descriptor fields set -> blocked, 28h. */
    uint64_t rsvd = VTD_PID_CTL_RSVD | (x2apic ? 0 : VTD_PID_CTL_RSVD_XAPIC);
    if ((q[VTD_PID_CTL_QW] & rsvd) || q[5] || q[6] || q[7])
        return VTD_FR_IR_PID_RSVD;

    /* Step 1: PIR[vector]. */
    unsigned w = vector / 64u;
    uint64_t old, bit = 1ULL << (vector % 64u), pir_gpa = pid + 8u * w;
    if (qword_or(u, pir_gpa, bit, q[w], &old) < 0)
        return VTD_FR_IR_PID_ACCESS;
    /* Step 2 on the control word read before step 1: confirmed by a
     * compare-exchange (read() gives no ordering). */
    return post_step2(u, pid, vector, urg, x2apic, pir_gpa, bit, old,
                      q[VTD_PID_CTL_QW], false, out);
}

unsigned vtd_pi_post_(struct vtd_iommu *u, uint64_t pid, uint8_t vector,
                      bool urg, bool x2apic, struct vtd_irq *out)
{
    if (u->ops.map && u->ops.cmpxchg64 && !vtd_tracing_(u)) {
        unsigned fr = post_direct(u, pid, vector, urg, x2apic, out);
        if (fr != POST_FALLBACK)
            return fr;
    }
    return post_generic(u, pid, vector, urg, x2apic, out);
}
