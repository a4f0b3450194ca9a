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

/* The descriptor through the host's direct pointer (vtd.h: map), or NULL
 * to read it with read().  Not while tracing: the reads are then traced
 * by vtd_mem_read_(). */
static const uint8_t *pid_map(struct vtd_iommu *u, uint64_t pid)
{
    if (!u->ops.map || vtd_tracing_(u))
        return NULL;
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    const uint8_t *p = u->ops.map(u->opaque, pid, VTD_PID_SIZE);
    vtd_cb_exit_(&f);
    /* Single 64-bit loads need aligned words (the descriptor itself is
     * 64-byte aligned, 9.10). */
    return ((uintptr_t)p & 7) == 0 ? p : NULL;
}

/* Word i of the mapped descriptor: one relaxed 64-bit load (vtd.h: map),
 * or, with seq_cst, ordered after the compare-exchange before it. */
static inline uint64_t pid_word(const uint8_t *p, unsigned i, int order)
{
    uint64_t v = __atomic_load_n((const uint64_t *)(const void *)(p + 8 * i),
                                 order);
    return GUINT64_FROM_LE(v);
}

unsigned vtd_pi_post_(struct vtd_iommu *u, uint64_t pid, uint8_t vector,
                      bool urg, bool x2apic, struct vtd_irq *out)
{
    uint64_t q[8];
    const uint8_t *p = pid_map(u, pid);

    /* VT-d 9.10: the descriptor is 64-byte aligned by construction (PDAL
     * holds address bits 31:6); an address beyond the platform is an
     * access error, 27h (Table 15).  The words used: PIR (the one
     * holding the vector), the control word and the reserved 511:320. */
    unsigned w = vector / 64u;
    if (p) {
        q[w] = pid_word(p, w, __ATOMIC_RELAXED);
        for (unsigned i = VTD_PID_CTL_QW; i < 8; i++)
            q[i] = pid_word(p, i, __ATOMIC_RELAXED);
    } else {
        uint8_t raw[VTD_PID_SIZE];
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
    }

    /* VT-d 9.11 / 5.2.3: reserved descriptor fields set -> blocked, 28h. */
    uint64_t rsvd = VTD_PID_CTL_RSVD | (x2apic ? 0 : VTD_PID_CTL_RSVD_XAPIC);
    if ((q[VTD_PID_CTL_QW] & rsvd) | q[5] | q[6] | q[7])
        return VTD_FR_IR_PID_RSVD;

    /* Step 1: PIR[vector], one compare-exchange when the word did not
     * change since it was read. */
    uint64_t old, bit = 1ULL << (vector % 64u), pir_gpa = pid + 8u * w;
    if (qword_or(u, pir_gpa, bit, q[w], &old) < 0)
        return VTD_FR_IR_PID_ACCESS;

    /* Step 2: X = (ON == 0) & (URG | (SN == 0)); if X, set ON and notify.
     * The decision is made on a value of the control word read after
     * step 1, so a CPU clearing ON concurrently is never lost: either it
     * cleared ON before that read (X is decided on ON=0 and we notify),
     * or after it, and then it harvests PIR after our bit was set (a CPU
     * clears ON before it harvests PIR).  With the host's pointer that
     * read is a sequentially consistent load after the host's
     * compare-exchange of step 1 (a full barrier: a locked instruction on
     * x86, __atomic_compare_exchange everywhere), and when X is 0 nothing
     * is written: the common case (ON already set) is one
     * compare-exchange in all.  Without the pointer (read() only, whose
     * ordering the contract does not give) the value read before step 1
     * is confirmed by a compare-exchange that rewrites it.  A failed
     * compare-exchange returns the current value, which is then
     * confirmed. */
    uint64_t ctl_gpa = pid + 8u * VTD_PID_CTL_QW;
    uint64_t cur = p ? pid_word(p, VTD_PID_CTL_QW, __ATOMIC_SEQ_CST)
                     : q[VTD_PID_CTL_QW];
    bool confirmed = p != NULL;
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

    /* Coverage (rulehits.h, per thread: irqcount.h): the ON/SN/URG case
     * taken, on the value the decision was made on. */
    if (notify && field_get(cur, PID_CTL, SN))
        vtd_ir_count_(u, VTD_IRH_PI_SN_URGENT);
    else if (notify)
        vtd_ir_count_(u, VTD_IRH_PI_NOTIFY);
    else if (field_get(cur, PID_CTL, ON))
        vtd_ir_count_(u, VTD_IRH_PI_ON_SET);
    else
        vtd_ir_count_(u, VTD_IRH_PI_SN_SUPPRESSED);
    if (x2apic)
        vtd_ir_count_(u, VTD_IRH_PI_X2APIC);
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
