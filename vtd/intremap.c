/* SPDX-License-Identifier: MIT */
/*
 * vtd/intremap.c: interrupt remapping (VT-d chapter 5), the IRTE formats
 * (9.9 remapped, 9.10 posted) and the interrupt entry cache (6.4).
 *
 * The request path takes no lock: IRTA and the enable bits are atomics
 * latched by the register file, the entry cache is a direct-mapped array
 * of seqlocked slots, and only fault recording takes u->lock (inside
 * vtd_fault_report_()).  Nothing on the path allocates.
 */
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"
#include "reentry.h"
#include "posted.h"
#include "irqcount.h"

/* ------------------------------------------------------------------ */
/* Interrupt entry cache                                               */
/* ------------------------------------------------------------------ */

/*
 * Direct-mapped by interrupt index.  A slot is valid when its tag holds
 * the index and the cache's current generation: a global invalidation
 * bumps the generation (O(1)); an index-selective one locks each slot it
 * covers, which also bumps the slot's seq so that a fill that read the
 * table before the invalidation cannot store its (now stale) entry
 * afterwards.
 *
 * Besides the IRTE, a slot holds what the hit path needs, decoded when
 * the entry was filled (iec_decode()): the checks of 5.1.4 and 9.9/9.10
 * that depend only on the entry and IRTA (present, SVT encoding, IM with
 * CAP.PI, reserved fields, the descriptor address width) were done then,
 * for the IRTA value stored with it; the hit path only compares that
 * IRTA with the current one, verifies the requester id against a
 * precomputed range and writes the result.  An entry that would fault,
 * or a hit under another IRTA, goes the generic way (remap()), which
 * decodes the cached IRTE again.
 */
#define IEC_SLOTS 4096u

/* meta: the kind of decoded entry, and its flags. */
#define IEC_GENERIC 0u       /* no decoded result: remap() decides */
#define IEC_REMAP 1u         /* remapped format, valid: w0, w1 */
#define IEC_POST 2u          /* posted format, valid: w0, w1 */
#define IEC_URG (1u << 2)    /* posted: IRTE.URG */
#define IEC_EIME (1u << 3)   /* decoded with EIME (x2APIC) */
#define IEC_FPD (1u << 4)    /* meta flag: the IRTE had FPD set */
#define IEC_SVT_SHIFT 8      /* rule of the SID check + 1, 0: none */
#define IEC_RULE_SHIFT 16    /* remapped: rule of the outcome */
_Static_assert(VTD_RULE_COUNT_ < 255, "rule ids fit meta's 8-bit fields");

struct iec_slot {
    _Atomic uint32_t seq;    /* odd while a writer owns the slot */
    _Atomic uint32_t meta;
    _Atomic uint64_t tag;    /* generation << 16 | index; 0 = empty */
    _Atomic uint64_t irta;   /* the IRTA the entry was decoded under */
    _Atomic uint64_t q0, q1; /* the IRTE */
    /* Remapped: struct vtd_irq's first two words (outcome and dest;
     * vector, dm, tm, dlm, rh, x2apic).  Posted: the descriptor address
     * and the vector. */
    _Atomic uint64_t w0, w1;
    /* Source-id verification (9.9) as a range: a request passes when
     * (sid & mask) - low <= span, mask bits 15:0, low 31:16, span
     * 47:32 (63:48 zero); SVT=00b is mask 0, low 0, span 0. */
    _Atomic uint64_t sid;
};
_Static_assert(sizeof(struct iec_slot) == 64, "one cache line per slot");

struct iec {
    /* Current generation, starts at 1.  Tags keep its low 48 bits (2^48
     * global invalidations before two could be confused). */
    _Atomic uint64_t gen;
    char pad[56];
    struct iec_slot slot[IEC_SLOTS];
};

static struct iec *iec_of(struct vtd_iommu *u)
{
    return u->ir.iec;
}

static inline uint64_t iec_tag(uint64_t gen, uint32_t index)
{
    return gen << 16 | index;
}

/* What a hit needs, decoded from the IRTE under IRTA irta. */
struct iec_fast {
    uint32_t meta;
    uint64_t w0, w1, sid;
};

/* struct vtd_irq as the words the hit path stores (little-endian). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the hit path stores struct vtd_irq as words");
_Static_assert(sizeof(enum vtd_irq_outcome) == 4 &&
                   offsetof(struct vtd_irq, outcome) == 0 &&
                   offsetof(struct vtd_irq, dest) == 4 &&
                   offsetof(struct vtd_irq, vector) == 8 &&
                   offsetof(struct vtd_irq, dm) == 9 &&
                   offsetof(struct vtd_irq, tm) == 10 &&
                   offsetof(struct vtd_irq, dlm) == 11 &&
                   offsetof(struct vtd_irq, rh) == 12 &&
                   offsetof(struct vtd_irq, x2apic) == 13 &&
                   sizeof(bool) == 1 &&
                   offsetof(struct vtd_irq, pid_addr) == 16 &&
                   offsetof(struct vtd_irq, notify) == 24 &&
                   offsetof(struct vtd_irq, ndst) == 28 &&
                   offsetof(struct vtd_irq, fault) == 32 &&
                   offsetof(struct vtd_irq, recorded) == 36 &&
                   offsetof(struct vtd_irq, index) == 38 &&
                   sizeof(struct vtd_irq) == 40,
               "struct vtd_irq layout");

static bool eime_of(const struct vtd_iommu *u, uint64_t irta)
{
    return field_get(u->ecap, ECAP, EIM) && field_get(irta, IRTA, EIME);
}

/* The checks of remap() that depend on the entry and IRTA only, in its
 * order; an entry any of them would fault stays IEC_GENERIC. */
static struct iec_fast iec_decode(const struct vtd_iommu *u, uint64_t irta,
                                  uint64_t lo, uint64_t hi)
{
    struct iec_fast f = { IEC_GENERIC, 0, 0, 0 };
    bool eime = eime_of(u, irta);
    if (!field_get(lo, IRTE_LO, P))
        return f;
    uint32_t meta = (field_get(lo, IRTE_LO, FPD) ? IEC_FPD : 0) |
                    (eime ? IEC_EIME : 0);
    /* 9.9 SVT/SQ/SID as a range (vtd_ir_sid_ok_()). */
    uint16_t want = (uint16_t)field_get(hi, IRTE_HI, SID);
    switch ((unsigned)field_get(hi, IRTE_HI, SVT)) {
    case VTD_SVT_NONE:
        break;
    case VTD_SVT_SID: {
        static const uint16_t sq_mask[4] = { 0xffff, 0xfffb, 0xfff9,
                                             0xfff8 };
        uint64_t m = sq_mask[field_get(hi, IRTE_HI, SQ)];
        f.sid = m | (want & m) << 16;
        meta |= (VTD_RULE_IR_SVT_SID + 1u) << IEC_SVT_SHIFT;
        break;
    }
    case VTD_SVT_BUS: {
        uint64_t start = want >> 8, end = want & 0xff;
        if (end < start)
            return f; /* no bus passes: 26h every time */
        f.sid = 0xff00 | start << 24 | (end - start) << 40;
        meta |= (VTD_RULE_IR_SVT_BUS + 1u) << IEC_SVT_SHIFT;
        break;
    }
    default:
        return f; /* SVT=11b: 24h for a request with a requester id */
    }
    bool posted = field_get(lo, IRTE_LO, IM);
    if (posted && !field_get(u->cap, CAP, PI))
        return f;
    if (!posted) {
        uint64_t rsvd_lo = VTD_IRTE_REMAP_LO_RSVD |
                           (eime ? 0 : VTD_IRTE_REMAP_LO_XAPIC);
        if ((lo & rsvd_lo) || (hi & VTD_IRTE_REMAP_HI_RSVD))
            return f;
        uint64_t dest = eime ? field_get(lo, IRTE_LO, DST)
                             : field_get(lo, IRTE_LO, DST_X);
        f.w0 = (uint64_t)VTD_IRQ_REMAPPED | dest << 32;
        f.w1 = field_get(lo, IRTE_LO, V) | field_get(lo, IRTE_LO, DM) << 8 |
               field_get(lo, IRTE_LO, TM) << 16 |
               field_get(lo, IRTE_LO, DLM) << 24 |
               field_get(lo, IRTE_LO, RH) << 32 | (uint64_t)eime << 40;
        f.meta = meta | IEC_REMAP |
                 (unsigned)(eime ? VTD_RULE_IR_REMAP_X2APIC
                                 : VTD_RULE_IR_REMAP_XAPIC) << IEC_RULE_SHIFT;
        return f;
    }
    uint64_t pid = vtd_irte_pda((const uint64_t[2]){ lo, hi });
    if ((lo & VTD_IRTE_POST_LO_RSVD) || (hi & VTD_IRTE_POST_HI_RSVD) ||
        (pid & ~vtd_haw_mask_(u)))
        return f;
    f.w0 = pid;
    f.w1 = field_get(lo, IRTE_LO, V);
    f.meta = meta | IEC_POST | (field_get(lo, IRTE_LO, URG) ? IEC_URG : 0);
    return f;
}

/* Snapshot taken before the table read; the fill only lands when nothing
 * touched the slot or the generation in between. */
struct iec_ticket {
    uint32_t seq;
    uint64_t gen;
};

/* A hit: the IRTE, and in *t a ticket for refreshing the slot's decoded
 * result (iec_fill()) when *sirta, the IRTA it was decoded under, is not
 * the current one. */
static bool iec_lookup(struct iec *c, uint32_t index, uint64_t *q0,
                       uint64_t *q1, uint64_t *sirta, struct iec_ticket *t)
{
    struct iec_slot *s = &c->slot[index % IEC_SLOTS];
    uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
    if (s1 & 1)
        return false;
    uint64_t tag = atomic_load_explicit(&s->tag, memory_order_relaxed);
    uint64_t a = atomic_load_explicit(&s->q0, memory_order_relaxed);
    uint64_t b = atomic_load_explicit(&s->q1, memory_order_relaxed);
    uint64_t i = atomic_load_explicit(&s->irta, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->seq, memory_order_relaxed) != s1)
        return false;
    uint64_t gen = atomic_load_explicit(&c->gen, memory_order_acquire);
    if (tag != iec_tag(gen, index))
        return false;
    *q0 = a;
    *q1 = b;
    *sirta = i;
    t->seq = s1;
    t->gen = gen;
    return true;
}

static struct iec_ticket iec_ticket(struct iec *c, uint32_t index)
{
    struct iec_slot *s = &c->slot[index % IEC_SLOTS];
    struct iec_ticket t;
    t.gen = atomic_load_explicit(&c->gen, memory_order_acquire);
    t.seq = atomic_load_explicit(&s->seq, memory_order_acquire);
    return t;
}

static void iec_store(struct iec_slot *s, uint64_t tag, uint64_t irta,
                      uint64_t q0, uint64_t q1, const struct iec_fast *f)
{
    atomic_store_explicit(&s->meta, f->meta, memory_order_relaxed);
    atomic_store_explicit(&s->tag, tag, memory_order_relaxed);
    atomic_store_explicit(&s->irta, irta, memory_order_relaxed);
    atomic_store_explicit(&s->q0, q0, memory_order_relaxed);
    atomic_store_explicit(&s->q1, q1, memory_order_relaxed);
    atomic_store_explicit(&s->w0, f->w0, memory_order_relaxed);
    atomic_store_explicit(&s->w1, f->w1, memory_order_relaxed);
    atomic_store_explicit(&s->sid, f->sid, memory_order_relaxed);
}

static void iec_fill(struct vtd_iommu *u, struct iec *c, uint32_t index,
                     struct iec_ticket t, uint64_t irta, uint64_t q0,
                     uint64_t q1)
{
    struct iec_slot *s = &c->slot[index % IEC_SLOTS];
    uint32_t expect = t.seq;
    if (expect & 1)
        return;
    struct iec_fast f = iec_decode(u, irta, q0, q1);
    if (!atomic_compare_exchange_strong_explicit(&s->seq, &expect,
                                                 expect + 1,
                                                 memory_order_acquire,
                                                 memory_order_relaxed))
        return; /* invalidated or filled meanwhile: skip, it is a cache */
    atomic_thread_fence(memory_order_release);
    iec_store(s, iec_tag(t.gen, index), irta, q0, q1, &f);
    atomic_store_explicit(&s->seq, t.seq + 2, memory_order_release);
}

/* Lock a slot (spinning over a concurrent fill, which holds it for a few
 * stores), drop it when its index is in [lo, hi], unlock.  The seq bump
 * alone defeats fills already in flight for any index of the slot. */
static void iec_kill_slot(struct iec_slot *s, uint32_t lo, uint32_t hi)
{
    uint32_t cur;
    for (;;) {
        cur = atomic_load_explicit(&s->seq, memory_order_relaxed);
        if (cur & 1)
            continue;
        if (atomic_compare_exchange_weak_explicit(&s->seq, &cur, cur + 1,
                                                  memory_order_acquire,
                                                  memory_order_relaxed))
            break;
    }
    atomic_thread_fence(memory_order_release);
    uint32_t idx = (uint32_t)(atomic_load_explicit(&s->tag,
                                                   memory_order_relaxed) &
                              0xffff);
    if (idx >= lo && idx <= hi)
        atomic_store_explicit(&s->tag, 0, memory_order_relaxed);
    atomic_store_explicit(&s->seq, cur + 2, memory_order_release);
}

static void iec_flush_all(struct iec *c)
{
    atomic_fetch_add_explicit(&c->gen, 1, memory_order_acq_rel);
}

void vtd_ir_inv_iec_(struct vtd_iommu *u, bool global, uint16_t index,
                     unsigned im)
{
    struct iec *c = iec_of(u);
    if (!c)
        return;
    /* VT-d 6.5.2.8: global, or the 2^IM entries whose index matches IIDX
     * in all but its low IM bits.  IM beyond 16 covers every index. */
    if (global || im >= 16) {
        iec_flush_all(c);
        return;
    }
    uint32_t count = 1u << im;
    uint32_t lo = (uint32_t)index & ~(count - 1);
    uint32_t hi = lo + count - 1;
    if (count >= IEC_SLOTS) {
        for (uint32_t i = 0; i < IEC_SLOTS; i++)
            iec_kill_slot(&c->slot[i], lo, hi);
    } else {
        for (uint32_t i = lo; i <= hi; i++)
            iec_kill_slot(&c->slot[i % IEC_SLOTS], lo, hi);
    }
}

/* Snapshot support (snapshot.c; nothing else runs on the unit). */
unsigned vtd_ir_iec_slots_(void)
{
    return IEC_SLOTS;
}

bool vtd_ir_iec_get_(struct vtd_iommu *u, unsigned slot, uint32_t *index,
                     uint64_t *q0, uint64_t *q1)
{
    struct iec *c = iec_of(u);
    if (!c || slot >= IEC_SLOTS)
        return false;
    struct iec_slot *s = &c->slot[slot];
    uint64_t tag = atomic_load(&s->tag);
    if ((atomic_load(&s->seq) & 1) || tag == 0 ||
        tag != iec_tag(atomic_load(&c->gen), (uint32_t)(tag & 0xffff)))
        return false;
    *index = (uint32_t)(tag & 0xffff);
    *q0 = atomic_load(&s->q0);
    *q1 = atomic_load(&s->q1);
    return true;
}

int vtd_ir_iec_kind_(struct vtd_iommu *u, unsigned slot)
{
    uint32_t index;
    uint64_t q0, q1;
    if (!vtd_ir_iec_get_(u, slot, &index, &q0, &q1))
        return -1;
    return (int)(atomic_load(&iec_of(u)->slot[slot].meta) & 3);
}

void vtd_ir_iec_load_begin_(struct vtd_iommu *u)
{
    struct iec *c = iec_of(u);
    if (c)
        iec_flush_all(c);
}

void vtd_ir_iec_put_(struct vtd_iommu *u, uint32_t index, uint64_t q0,
                     uint64_t q1)
{
    struct iec *c = iec_of(u);
    if (!c || index > 0xffff)
        return;
    struct iec_slot *s = &c->slot[index % IEC_SLOTS];
    uint64_t irta = atomic_load(&u->ir.irta);
    struct iec_fast f = iec_decode(u, irta, q0, q1);
    iec_store(s, iec_tag(atomic_load(&c->gen), index), irta, q0, q1, &f);
}

/* ------------------------------------------------------------------ */
/* Lifetime and IRTA                                                   */
/* ------------------------------------------------------------------ */

int vtd_ir_init_(struct vtd_iommu *u)
{
    struct iec *c = g_try_new0(struct iec, 1);
    if (!c)
        return -ENOMEM;
    atomic_init(&c->gen, 1);
    u->ir.iec = c;
    /* The hit path emits no events: with a trace callback (constant
     * after creation) every request takes the generic path. */
    u->ir.fast_iec = u->cfg.cache == VTD_CACHE_HARDWARE && !u->ops.trace
                         ? c
                         : NULL;
    return 0;
}

void vtd_ir_free_(struct vtd_iommu *u)
{
    g_free(u->ir.iec);
    u->ir.iec = NULL;
    u->ir.fast_iec = NULL;
}

void vtd_ir_reset_(struct vtd_iommu *u)
{
    atomic_store(&u->ir.irta, 0);
    atomic_store(&u->ir.enabled, false);
    atomic_store(&u->ir.cfi, false);
    if (iec_of(u))
        iec_flush_all(iec_of(u));
}

void vtd_ir_latch_irta_locked_(struct vtd_iommu *u)
{
    atomic_store(&u->ir.irta, vtd_reg_get64_(u, VTD_REG_IRTA));
    /* VT-d 6.7 / 11.4.2: with ESIRTPS, SIRTP also invalidates the
     * interrupt entry cache; otherwise cached entries stay until an IEC
     * invalidation. */
    if (field_get(u->cap, CAP, ESIRTPS) && iec_of(u))
        iec_flush_all(iec_of(u));
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */
/* ------------------------------------------------------------------ */

bool vtd_ir_sid_ok_(uint64_t hi, uint16_t sid, bool sid_valid)
{
    unsigned svt = (unsigned)field_get(hi, IRTE_HI, SVT);
    uint16_t want = (uint16_t)field_get(hi, IRTE_HI, SID);
    if (svt == VTD_SVT_NONE || !sid_valid)
        return true; /* nothing to verify */
    if (svt == VTD_SVT_SID) {
        /* VT-d 9.9 SQ: 00b all 16 bits; 01b ignore bit 2; 10b ignore
         * bits 2:1; 11b ignore bits 2:0 (phantom functions). */
        static const uint16_t sq_mask[4] = { 0xffff, 0xfffb, 0xfff9,
                                             0xfff8 };
        uint16_t m = sq_mask[field_get(hi, IRTE_HI, SQ)];
        return (sid & m) == (want & m);
    }
    if (svt == VTD_SVT_BUS) {
        /* VT-d 9.9 SVT=10b: StartBus = SID[15:8] <= bus <= EndBus =
         * SID[7:0]. */
        unsigned bus = (unsigned)field_get(sid, SID, BUS);
        unsigned start = (unsigned)field_get(want, SID, BUS);
        unsigned end = (unsigned)field_get(want, SID, DEVFN);
        return bus >= start && bus <= end;
    }
    return false; /* 11b reserved */
}

/* ------------------------------------------------------------------ */
/* The request path                                                    */
/* ------------------------------------------------------------------ */

/* VT-d 5.1.2.1 / Intel SDM: compatibility-format address and data. */
static void decode_compat(const struct vtd_msi_req *req, struct vtd_irq *out)
{
    out->outcome = VTD_IRQ_PASSTHROUGH;
    out->dest = (uint32_t)field_get(req->addr, MSI_ADDR, DEST);
    out->rh = (uint8_t)field_get(req->addr, MSI_ADDR, RH);
    out->dm = (uint8_t)field_get(req->addr, MSI_ADDR, DM);
    out->vector = (uint8_t)field_get(req->data, MSI_DATA, VECTOR);
    out->dlm = (uint8_t)field_get(req->data, MSI_DATA, DLM);
    out->tm = (uint8_t)field_get(req->data, MSI_DATA, TM);
    out->x2apic = false;
}

static void block(struct vtd_iommu *u, const struct vtd_msi_req *req,
                  struct vtd_irq *out, unsigned reason, uint32_t index,
                  bool fpd)
{
    out->outcome = VTD_IRQ_BLOCKED;
    out->fault = reason;
    /* VT-d 7.2.1 / 11.4.14: interrupt faults carry the interrupt index
     * in FI bits 63:48. */
    struct vtd_fault_info fi = {
        .sid = req->sid,
        .reason = reason,
        .addr = (uint64_t)(index & 0xffff) << VTD_FRCD_LO_IIDX_SHIFT,
        .is_irq = true,
        .pasid = VTD_NO_PASID,
    };
    out->recorded = vtd_fault_report_(u, &fi, fpd);
}

/* Lint (cfg.lint): a cache hit that disagrees with the table means
 * software changed the IRTE without an IEC invalidation (VT-d 6.5.2.8). */
static void lint_stale(struct vtd_iommu *u, uint64_t gpa, uint32_t index,
                       uint64_t lo, uint64_t hi)
{
    uint8_t raw[16];
    struct vtd_cb_frame_ f;
    vtd_cb_enter_(&f, u);
    int rc = u->ops.read(u->opaque, gpa, raw, sizeof(raw));
    vtd_cb_exit_(&f);
    if (rc < 0)
        return;
    uint64_t tlo = ldq_le(raw), thi = ldq_le(raw + 8);
    if (tlo == lo && thi == hi)
        return;
    char msg[200];
    snprintf(msg, sizeof(msg),
             "missing interrupt entry cache invalidation for index %u: "
             "cached IRTE 0x%016" PRIx64 "_%016" PRIx64 ", table has "
             "0x%016" PRIx64 "_%016" PRIx64, index, hi, lo, thi, tlo);
    struct vtd_event ev = {
        .kind = VTD_EV_CACHE_STALE, .addr = gpa, .what = "iec",
        .val = { lo, hi, tlo, thi, index }, .nval = 5, .msg = msg,
        .pasid = VTD_NO_PASID,
    };
    vtd_emit_(u, &ev);
}

/* Read the IRTE for index from the cache or the table.  Returns 0 or the
 * fault reason (23h).  A table read fills the cache, decoded under irta
 * (iec_decode()). */
static unsigned fetch_irte(struct vtd_iommu *u, uint64_t irta, uint64_t gpa,
                           uint32_t index, uint64_t *q0, uint64_t *q1)
{
    struct iec *c = u->cfg.cache == VTD_CACHE_HARDWARE ? iec_of(u) : NULL;
    struct iec_ticket t = { 0, 0 };
    uint64_t sirta;
    if (c && iec_lookup(c, index, q0, q1, &sirta, &t)) {
        if (u->cfg.lint && vtd_tracing_(u))
            lint_stale(u, gpa, index, *q0, *q1);
        /* Decoded under another IRTA (changed since, without ESIRTPS,
         * 6.7): decode the cached entry again for the current one, so
         * that the next hit takes the hit path. */
        if (sirta != irta)
            iec_fill(u, c, index, t, irta, *q0, *q1);
        return 0;
    }
    if (c)
        t = iec_ticket(c, index);
    uint8_t raw[16];
    /* VT-d 5.1.4: the IRTE is read as one 128-bit operation. */
    if (vtd_mem_read_(u, gpa, raw, sizeof(raw)) < 0)
        return VTD_FR_IR_TABLE_ACCESS;
    *q0 = ldq_le(raw);
    *q1 = ldq_le(raw + 8);
    if (vtd_tracing_(u)) {
        struct vtd_event ev = { .kind = VTD_EV_WALK, .what = "irte",
                                .addr = gpa, .nval = 2,
                                .val = { *q0, *q1 },
                                .pasid = VTD_NO_PASID };
        vtd_emit_(u, &ev);
    }
    /* Only present entries are cached (a not-present entry faults every
     * time, like the other caches of chapter 6). */
    if (c && field_get(*q0, IRTE_LO, P))
        iec_fill(u, c, index, t, irta, *q0, *q1);
    return 0;
}

static void remap(struct vtd_iommu *u, const struct vtd_msi_req *req,
                  struct vtd_irq *out)
{
    uint64_t irta = atomic_load(&u->ir.irta);
    bool eime = eime_of(u, irta);

    /* VT-d 5.1.4: compatibility format (address bit 4 clear) passes only
     * with CFIS=1 and EIME=0; otherwise 25h (not qualified). */
    if (!field_get(req->addr, MSI_ADDR, IF)) {
        if (eime || !atomic_load(&u->ir.cfi)) {
            block(u, req, out, VTD_FR_IR_COMPAT, 0, false);
            return;
        }
        vtd_rule_(u, IR_COMPAT_PASS);
        decode_compat(req, out);
        return;
    }

    /* VT-d 5.1.2.2 Table 13: handle[14:0] = address 19:5, handle[15] =
     * address bit 2, SHV = bit 3.  Table 14: with SHV=1 data[31:16] is
     * reserved (20h) and data[15:0] is the subhandle; with SHV=0 the data
     * is ignored. */
    uint32_t handle = (uint32_t)field_get(req->addr, MSI_ADDR, HANDLE_LO) |
                      (uint32_t)field_get(req->addr, MSI_ADDR, HANDLE_HI)
                          << VTD_MSI_ADDR_HANDLE_LO_LEN;
    uint32_t index = handle;
    if (field_get(req->addr, MSI_ADDR, SHV)) {
        if (field_get(req->data, MSI_DATA, RSVD)) {
            block(u, req, out, VTD_FR_IR_REQ_RSVD, handle, false);
            return;
        }
        index = handle + (uint32_t)field_get(req->data, MSI_DATA,
                                             SUBHANDLE); /* 5.1.3 */
        vtd_rule_(u, IR_SUBHANDLE);
    }
    out->index = (uint16_t)index;

    /* VT-d 5.1.3 / Table 15: index at or beyond 2^(S+1) entries, or an
     * IRTE above the host address width -> 21h. */
    uint32_t entries = 2u << field_get(irta, IRTA, S);
    uint64_t gpa = (irta & IRTA_ADDR_MASK) + (uint64_t)index * 16;
    if (index >= entries || ((gpa + 15) & ~vtd_haw_mask_(u))) {
        block(u, req, out, VTD_FR_IR_INDEX, index, false);
        return;
    }

    uint64_t lo, hi;
    unsigned fr = fetch_irte(u, irta, gpa, index, &lo, &hi);
    if (fr) {
        block(u, req, out, fr, index, false);
        return;
    }
    /* VT-d 9.9: FPD is evaluated irrespective of P. */
    bool fpd = field_get(lo, IRTE_LO, FPD);
    if (!field_get(lo, IRTE_LO, P)) {
        block(u, req, out, VTD_FR_IR_NOT_PRESENT, index, fpd);
        return;
    }

    /* VT-d 5.1.4: source-id verification precedes interpreting the entry
     * in its format.  SVT=11b is a reserved encoding: 24h.  A request
     * that carries no requester id has nothing to verify, so SVT/SQ/SID
     * are not evaluated for it (the oracle's reading, case 0196). */
    if (req->sid_valid) {
        if (field_get(hi, IRTE_HI, SVT) == VTD_SVT_RSVD) {
            block(u, req, out, VTD_FR_IR_RSVD, index, fpd);
            return;
        }
        if (!vtd_ir_sid_ok_(hi, req->sid, true)) {
            block(u, req, out, VTD_FR_IR_SID, index, fpd);
            return;
        }
        if (field_get(hi, IRTE_HI, SVT) == VTD_SVT_SID)
            vtd_rule_(u, IR_SVT_SID);
        else if (field_get(hi, IRTE_HI, SVT) == VTD_SVT_BUS)
            vtd_rule_(u, IR_SVT_BUS);
    }

    bool posted = field_get(lo, IRTE_LO, IM);
    if (posted && !field_get(u->cap, CAP, PI)) {
        /* VT-d 9.10: without CAP.PI, IM (and URG) are reserved(0). */
        vtd_rule_(u, PI_BLOCKED_BY_CAP);
        block(u, req, out, VTD_FR_IR_RSVD, index, fpd);
        return;
    }

    if (!posted) {
        /* VT-d 9.9: reserved fields; xAPIC mode reserves DST 39:32 and
         * 63:48. */
        uint64_t rsvd_lo = VTD_IRTE_REMAP_LO_RSVD |
                           (eime ? 0 : VTD_IRTE_REMAP_LO_XAPIC);
        if ((lo & rsvd_lo) || (hi & VTD_IRTE_REMAP_HI_RSVD)) {
            block(u, req, out, VTD_FR_IR_RSVD, index, fpd);
            return;
        }
        out->outcome = VTD_IRQ_REMAPPED;
        if (eime)
            vtd_rule_(u, IR_REMAP_X2APIC);
        else
            vtd_rule_(u, IR_REMAP_XAPIC);
        out->vector = (uint8_t)field_get(lo, IRTE_LO, V);
        out->dm = (uint8_t)field_get(lo, IRTE_LO, DM);
        out->tm = (uint8_t)field_get(lo, IRTE_LO, TM);
        out->dlm = (uint8_t)field_get(lo, IRTE_LO, DLM);
        out->rh = (uint8_t)field_get(lo, IRTE_LO, RH);
        out->x2apic = eime;
        out->dest = eime ? (uint32_t)field_get(lo, IRTE_LO, DST)
                         : (uint32_t)field_get(lo, IRTE_LO, DST_X);
        return;
    }

    /* VT-d 9.10: posted format.  PDAH bits at and above HAW are
     * reserved. */
    uint64_t pid = vtd_irte_pda((const uint64_t[2]){ lo, hi });
    if ((lo & VTD_IRTE_POST_LO_RSVD) || (hi & VTD_IRTE_POST_HI_RSVD) ||
        (pid & ~vtd_haw_mask_(u))) {
        block(u, req, out, VTD_FR_IR_RSVD, index, fpd);
        return;
    }
    fr = vtd_pi_post_(u, pid, (uint8_t)field_get(lo, IRTE_LO, V),
                      field_get(lo, IRTE_LO, URG), eime, out);
    if (fr)
        block(u, req, out, fr, index, fpd);
}

/* One line for the event stream, in spec terms. */
static void describe(const struct vtd_msi_req *req, const struct vtd_irq *o,
                     char *buf, size_t len)
{
    bool remappable = field_get(req->addr, MSI_ADDR, IF);
    switch (o->outcome) {
    case VTD_IRQ_REMAPPED:
        snprintf(buf, len, "remapped through IRTE %u: vector 0x%x to %s "
                 "0x%x, dlm %u, tm %u, rh %u", o->index, o->vector,
                 o->dm ? "logical" : "physical", o->dest, o->dlm, o->tm,
                 o->rh);
        break;
    case VTD_IRQ_POSTED:
        snprintf(buf, len, "posted through IRTE %u: vector 0x%x to the "
                 "descriptor at 0x%" PRIx64 "%s", o->index, o->vector,
                 o->pid_addr, o->notify ? ", notification sent"
                                        : ", no notification (ON set or "
                                          "SN set and not urgent)");
        break;
    case VTD_IRQ_BLOCKED:
        snprintf(buf, len, "blocked%s: %s", remappable ? "" :
                 " (compatibility format)", vtd_fault_reason_str(o->fault));
        break;
    default:
        snprintf(buf, len, "compatibility format passed through: vector "
                 "0x%x to %s 0x%x", o->vector,
                 o->dm ? "logical" : "physical", o->dest);
        break;
    }
}

/* interrupt_hit() for a posted IRTE (VT-d 5.2.3), with the descriptor
 * address and the vector decoded at fill (which interrupt_hit() left in
 * out's first two words): counts what the generic path would, then
 * posts; a fault of the descriptor (27h, 28h) is reported as
 * the generic path does. */
static G_GNUC_NO_INLINE bool post_hit(struct vtd_iommu *u,
                                      const struct vtd_msi_req *req,
                                      struct vtd_irq *out, uint32_t index,
                                      uint32_t meta)
{
    uint64_t *o = (uint64_t *)(void *)out;
    const uint64_t pid = o[0];          /* interrupt_hit(): w0, w1 */
    const uint8_t vector = (uint8_t)o[1];
    struct vtd_rule_shard *sh = vtd_ir_rules_(u, vtd_tls_hit_);
    if (field_get(req->addr, MSI_ADDR, SHV))
        vtd_rule_inc_(&sh->n[VTD_RULE_IR_SUBHANDLE]);
    const unsigned svt = (meta >> IEC_SVT_SHIFT) & 0xff;
    if (req->sid_valid && svt)
        vtd_rule_inc_(&sh->n[svt - 1]);
    o[0] = 0;
    o[1] = 0;
    o[2] = 0;
    o[3] = 0;
    o[4] = (uint64_t)index << 48;
    unsigned fr = vtd_pi_post_(u, pid, vector, meta & IEC_URG,
                               meta & IEC_EIME, out);
    if (fr)
        block(u, req, out, fr, index, meta & IEC_FPD);
    return true;
}

/* The interrupt-entry-cache hit path: a remappable request whose IRTE is
 * cached, decoded (iec_decode()) under the current IRTA, and whose
 * requester id passes the entry's check.  No lock, no locked instruction
 * (posting aside: the descriptor update is the host's compare-exchange),
 * no allocation.  Returns false for anything else, and the generic path
 * decides (faults, compatibility format, IRES=0, cache misses, tracing);
 * it may have written out, which the generic path rewrites whole.  What
 * it does not check, and why:
 *  - re-entrancy: the TLS word vtd_tls_hit_ is 0 inside any host
 *    callback (reentry.h), which sends the request to the generic path;
 *  - the index against IRTA.S and the IRTE address against HAW (5.1.3,
 *    Table 15, 21h): the slot's IRTA equals the current one and the fill
 *    checked them for it (remap() fills only past those checks);
 *  - the IRTE checks of 5.1.4 / 9.9 / 9.10 (P, SVT encoding, IM with
 *    CAP.PI, reserved fields, PDA width): done by iec_decode() for that
 *    IRTA; an entry that fails one is IEC_GENERIC and never hits here. */
static inline bool interrupt_hit(struct vtd_iommu *u,
                                 const struct vtd_msi_req *req,
                                 struct vtd_irq *out)
{
    const uint64_t addr = req->addr;
    const size_t hit_off = vtd_tls_hit_;
    struct iec *c = u->ir.fast_iec;
    if (G_UNLIKELY(!hit_off || !c || !field_get(addr, MSI_ADDR, IF)))
        return false;
    /* 5.1.2.2 Table 13/14, 5.1.3: handle and subhandle. */
    uint32_t index = (uint32_t)field_get(addr, MSI_ADDR, HANDLE_LO) |
                     (uint32_t)field_get(addr, MSI_ADDR, HANDLE_HI)
                         << VTD_MSI_ADDR_HANDLE_LO_LEN;
    const bool shv = field_get(addr, MSI_ADDR, SHV);
    if (shv) {
        if (req->data >> 16)
            return false;
        index += req->data & 0xffff;
        if (index > 0xffff)
            return false;
    }
    if (!atomic_load_explicit(&u->ir.enabled, memory_order_acquire))
        return false;
    struct iec_slot *s = &c->slot[index % IEC_SLOTS];
    /* The slot under its sequence number.  A tag or IRTA that does not
     * match is a miss whether or not the slot was being written; the
     * result words go straight to out (the generic path rewrites it). */
    const uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
    if ((atomic_load_explicit(&s->tag, memory_order_relaxed) ^
         iec_tag(atomic_load_explicit(&c->gen, memory_order_acquire),
                 index)) |
        (atomic_load_explicit(&s->irta, memory_order_relaxed) ^
         atomic_load_explicit(&u->ir.irta, memory_order_acquire)))
        return false;
    uint64_t *o = (uint64_t *)(void *)out;
    o[0] = atomic_load_explicit(&s->w0, memory_order_relaxed);
    o[1] = atomic_load_explicit(&s->w1, memory_order_relaxed);
    const uint64_t sid = atomic_load_explicit(&s->sid, memory_order_relaxed);
    const uint32_t meta = atomic_load_explicit(&s->meta,
                                               memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if ((s1 & 1) | (s1 ^ atomic_load_explicit(&s->seq, memory_order_relaxed)))
        return false;
    /* 9.9: source-id verification, as a range (iec_decode()). */
    if (req->sid_valid &&
        (uint32_t)(req->sid & sid) - (uint32_t)(uint16_t)(sid >> 16) >
            (uint32_t)(sid >> 32))
        return false;
    if (meta & IEC_REMAP) {
        /* The rules the generic path would count, per thread (the TLS
         * word and the address read again: fewer live registers). */
        struct vtd_rule_shard *sh = vtd_ir_rules_(u, vtd_tls_hit_);
        if (G_UNLIKELY(field_get(req->addr, MSI_ADDR, SHV)))
            vtd_rule_inc_(&sh->n[VTD_RULE_IR_SUBHANDLE]);
        const unsigned svt = (meta >> IEC_SVT_SHIFT) & 0xff;
        if (req->sid_valid && svt)
            vtd_rule_inc_(&sh->n[svt - 1]);
        vtd_rule_inc_(&sh->n[meta >> IEC_RULE_SHIFT]);
        o[2] = 0;
        o[3] = 0;
        o[4] = (uint64_t)index << 48;
        return true;
    }
    if (meta & IEC_POST)
        return post_hit(u, req, out, index, meta);
    return false;
}

static G_GNUC_NO_INLINE int interrupt_slow(struct vtd_iommu *u,
                                           const struct vtd_msi_req *req,
                                           struct vtd_irq *out)
{
    memset(out, 0, sizeof(*out));
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract */
    (void)vtd_shard_(); /* the hit path's TLS word (reentry.h) */

    /* VT-d 5.1.4: with IRES clear every request is processed in the
     * compatibility format, unchanged. */
    if (!atomic_load(&u->ir.enabled)) {
        vtd_rule_(u, IR_DISABLED);
        decode_compat(req, out);
    } else {
        remap(u, req, out);
    }

    if (vtd_tracing_(u)) {
        char msg[160];
        describe(req, out, msg, sizeof(msg));
        struct vtd_event ev = {
            .msg = msg,
            .kind = VTD_EV_INTERRUPT, .sid = req->sid, .addr = req->addr,
            .val = { req->data, out->outcome, out->dest, out->vector },
            .nval = 4, .fault = out->fault, .recorded = out->recorded,
            .pasid = VTD_NO_PASID,
            .what = out->outcome == VTD_IRQ_REMAPPED ? "remapped"
                  : out->outcome == VTD_IRQ_POSTED   ? "posted"
                  : out->outcome == VTD_IRQ_BLOCKED  ? "blocked"
                                                     : "passthrough",
        };
        vtd_emit_(u, &ev);
    }
    return 0;
}

int vtd_interrupt(struct vtd_iommu *u, const struct vtd_msi_req *req,
                  struct vtd_irq *out)
{
    if (G_UNLIKELY(!u || !req || !out))
        return -EINVAL;
    /* VT-d 5.1: interrupt requests are DWORD writes to FEEx_xxxxh. */
    if (G_UNLIKELY(!vtd_intr_addr(req->addr)))
        return -EINVAL;
    if (G_LIKELY(interrupt_hit(u, req, out)))
        return 0;
    return interrupt_slow(u, req, out);
}
