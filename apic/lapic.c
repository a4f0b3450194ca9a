/* SPDX-License-Identifier: MIT */
/*
 * apic/lapic.c: local APICs (Intel SDM vol. 3 chapter 11) receiving
 * interrupt messages, and the CPU side of posted interrupts (SDM vol. 3
 * 29.6, "Posted-Interrupt Processing").
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "apic.h"
#include <vtd/layout.h>

struct lapic {
    uint32_t id;
    bool x2apic;
    uint8_t ldr;          /* xAPIC LDR bits 31:24 */
    bool cluster;         /* xAPIC DFR model: 0x0 cluster, 0xf flat */
    uint8_t tpr;
    bool guest;           /* guest mode: posted notifications processed */
    uint8_t nv;
    uint64_t pid;
    struct apic_cpu_state st;
};

struct apic_sys {
    GMutex lock;
    unsigned ncpu;
    struct lapic *cpu;
    struct vtd_host_ops ops;
    bool have_ops;
    void *opaque;
    void (*eoi_cb)(void *opaque, uint8_t vector);
    void *eoi_opaque;
};

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

void apic_msg_from_irq(struct apic_msg *m, const struct vtd_irq *irq)
{
    memset(m, 0, sizeof(*m));
    m->dest = irq->dest;
    m->vector = irq->vector;
    m->dm = irq->dm;
    m->tm = irq->tm;
    m->dlm = irq->dlm;
    m->rh = irq->rh;
    m->x2apic = irq->x2apic;
}

/* SDM 11.11.1 / 11.11.2 (VT-d 5.1.2.1 Figure 5-1): address 19:12
 * destination, bit 3 RH, bit 2 DM; data 7:0 vector, 10:8 delivery mode,
 * 15 trigger mode. */
void apic_msg_from_msi(struct apic_msg *m, uint64_t addr, uint32_t data)
{
    memset(m, 0, sizeof(*m));
    m->dest = (uint32_t)VTD_FIELD_GET(addr, MSI_ADDR, DEST);
    m->rh = (uint8_t)VTD_FIELD_GET(addr, MSI_ADDR, RH);
    m->dm = (uint8_t)VTD_FIELD_GET(addr, MSI_ADDR, DM);
    m->vector = (uint8_t)VTD_FIELD_GET(data, MSI_DATA, VECTOR);
    m->dlm = (uint8_t)VTD_FIELD_GET(data, MSI_DATA, DLM);
    m->tm = (uint8_t)VTD_FIELD_GET(data, MSI_DATA, TM);
}

/* ------------------------------------------------------------------ */
/* Lifetime and configuration                                          */
/* ------------------------------------------------------------------ */

struct apic_sys *apic_sys_new(unsigned ncpu, const struct vtd_host_ops *ops,
                              void *opaque)
{
    if (ncpu == 0 || ncpu > 1024)
        return NULL;
    struct apic_sys *s = g_try_new0(struct apic_sys, 1);
    if (!s)
        return NULL;
    s->cpu = g_try_new0(struct lapic, ncpu);
    if (!s->cpu) {
        g_free(s);
        return NULL;
    }
    g_mutex_init(&s->lock);
    s->ncpu = ncpu;
    if (ops) {
        s->ops = *ops;
        s->have_ops = true;
    }
    s->opaque = opaque;
    for (unsigned i = 0; i < ncpu; i++)
        s->cpu[i].id = i;
    return s;
}

void apic_sys_free(struct apic_sys *s)
{
    if (!s)
        return;
    g_mutex_clear(&s->lock);
    g_free(s->cpu);
    g_free(s);
}

unsigned apic_sys_ncpu(const struct apic_sys *s)
{
    return s ? s->ncpu : 0;
}

static struct lapic *cpu_of(struct apic_sys *s, unsigned cpu)
{
    return (s && cpu < s->ncpu) ? &s->cpu[cpu] : NULL;
}

/* The CPU's state with s->lock held (the caller unlocks), or NULL for a
 * bad cpu index (nothing locked). */
static struct lapic *lock_cpu(struct apic_sys *s, unsigned cpu)
{
    struct lapic *c = cpu_of(s, cpu);
    if (c)
        g_mutex_lock(&s->lock);
    return c;
}

int apic_set_id(struct apic_sys *s, unsigned cpu, uint32_t id)
{
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    c->id = id;
    g_mutex_unlock(&s->lock);
    return 0;
}

int apic_set_x2apic(struct apic_sys *s, unsigned cpu, bool on)
{
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    c->x2apic = on;
    g_mutex_unlock(&s->lock);
    return 0;
}

int apic_set_logical(struct apic_sys *s, unsigned cpu, uint8_t ldr,
                     bool cluster)
{
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    c->ldr = ldr;
    c->cluster = cluster;
    g_mutex_unlock(&s->lock);
    return 0;
}

int apic_set_tpr(struct apic_sys *s, unsigned cpu, uint8_t tpr)
{
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    c->tpr = tpr;
    g_mutex_unlock(&s->lock);
    return 0;
}

int apic_set_guest_mode(struct apic_sys *s, unsigned cpu, bool on,
                        uint8_t nv, uint64_t pid)
{
    if (on && (pid & 63))
        return -EINVAL; /* the descriptor is 64-byte aligned (SDM 29.6) */
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    c->guest = on;
    c->nv = nv;
    c->pid = pid;
    g_mutex_unlock(&s->lock);
    return 0;
}

void apic_set_eoi_hook(struct apic_sys *s,
                       void (*eoi_cb)(void *opaque, uint8_t vector),
                       void *opaque)
{
    if (!s)
        return;
    g_mutex_lock(&s->lock);
    s->eoi_cb = eoi_cb;
    s->eoi_opaque = opaque;
    g_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------------ */
/* Destination matching (SDM 11.6.2)                                   */
/* ------------------------------------------------------------------ */

static bool matches(const struct lapic *c, const struct apic_msg *m)
{
    if (m->x2apic) {
        /* x2APIC: physical 32-bit id; logical: cluster = id[31:4] in
         * LDR 31:16, member bit 1 << id[3:0] in LDR 15:0 (11.12.10.2). */
        if (m->dest == 0xffffffffu)
            return true;
        if (!m->dm)
            return c->id == m->dest;
        uint32_t ldr = ((c->id >> 4) << 16) | (1u << (c->id & 0xf));
        return (m->dest >> 16) == (ldr >> 16) && (m->dest & ldr & 0xffff);
    }
    uint8_t d = (uint8_t)m->dest;
    if (d == 0xff)
        return true; /* broadcast in both physical and logical modes */
    if (!m->dm)
        return c->id == d; /* an id above 0xff is not addressable */
    if (!c->cluster)
        return (c->ldr & d) != 0; /* flat: 8-bit mask */
    /* cluster: 7:4 cluster id must match, 3:0 member mask must hit */
    return (c->ldr >> 4) == (d >> 4) && (c->ldr & d & 0xf);
}

static void bit_set(uint64_t *v, uint8_t n)
{
    v[n / 64] |= 1ull << (n % 64);
}

static void bit_clear(uint64_t *v, uint8_t n)
{
    v[n / 64] &= ~(1ull << (n % 64));
}

static bool bit_test(const uint64_t *v, uint8_t n)
{
    return (v[n / 64] >> (n % 64)) & 1;
}

static int highest(const uint64_t *v)
{
    for (int q = 3; q >= 0; q--)
        if (v[q])
            return q * 64 + 63 - __builtin_clzll(v[q]);
    return -1;
}

static void log_rx(struct lapic *c, const struct apic_msg *m, bool posted)
{
    struct apic_rx *r = &c->st.rx[c->st.nrx % APIC_RX_LOG];
    r->dlm = m->dlm;
    r->vector = m->vector;
    r->tm = m->tm;
    r->posted = posted;
    c->st.nrx++;
}

/* Guest memory qword update with the host's compare-exchange. */
static int mem_update(struct apic_sys *s, uint64_t gpa, uint64_t and_mask,
                      uint64_t *old)
{
    uint8_t b[8];
    uint64_t cur = 0;
    if (s->ops.cmpxchg64) {
        for (unsigned i = 0; i < 1000000; i++) {
            int rc = s->ops.cmpxchg64(s->opaque, gpa, &cur, cur & and_mask);
            if (rc == 0) {
                *old = cur;
                return 0;
            }
            if (rc != -EAGAIN)
                return rc;
        }
        return -EBUSY;
    }
    int rc = s->ops.read(s->opaque, gpa, b, 8);
    if (rc < 0)
        return rc;
    for (int i = 7; i >= 0; i--)
        cur = (cur << 8) | b[i];
    *old = cur;
    cur &= and_mask;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(cur >> (8 * i));
    rc = s->ops.write(s->opaque, gpa, b, 8);
    return rc < 0 ? rc : 0;
}

/* SDM 29.6 posted-interrupt processing: clear ON (locked AND), then OR
 * PIR into the virtual IRR, clearing PIR atomically qword by qword. */
static void process_posted(struct apic_sys *s, struct lapic *c)
{
    uint64_t old;
    c->st.notifications++;
    if (!s->have_ops || !s->ops.read)
        return;
    if (mem_update(s, c->pid + 32, ~1ull, &old) < 0)
        return;
    for (unsigned q = 0; q < 4; q++)
        if (mem_update(s, c->pid + 8 * q, 0, &old) == 0)
            c->st.virr[q] |= old;
}

static bool accept(struct apic_sys *s, struct lapic *c,
                   const struct apic_msg *m)
{
    switch (m->dlm) {
    case APIC_DLM_FIXED:
    case APIC_DLM_LOWEST:
        if (m->vector < 16) {
            c->st.illegal++; /* SDM 11.5.3: illegal vector */
            return false;
        }
        if (c->guest && m->vector == c->nv) {
            process_posted(s, c);
            log_rx(c, m, true);
            return true;
        }
        bit_set(c->st.irr, m->vector);
        if (m->tm)
            bit_set(c->st.tmr, m->vector);
        else
            bit_clear(c->st.tmr, m->vector);
        break;
    case APIC_DLM_SMI:
        c->st.smi++;
        break;
    case APIC_DLM_NMI:
        c->st.nmi++;
        break;
    case APIC_DLM_INIT:
        c->st.init++;
        break;
    case APIC_DLM_EXTINT:
        c->st.extint++;
        break;
    default:
        return false; /* 011b and 110b are reserved */
    }
    log_rx(c, m, false);
    return true;
}

int apic_deliver(struct apic_sys *s, const struct apic_msg *m)
{
    if (!s || !m)
        return -EINVAL;
    int n = 0;
    g_mutex_lock(&s->lock);
    /* Lowest priority, or a logical destination with RH=1 (VT-d 9.9:
     * "1 of N processors"): one CPU of the set, the one with the lowest
     * task-priority class; ties go to the lowest CPU index. */
    bool one = m->dlm == APIC_DLM_LOWEST || (m->rh && m->dm);
    if (one) {
        struct lapic *best = NULL;
        for (unsigned i = 0; i < s->ncpu; i++) {
            struct lapic *c = &s->cpu[i];
            if (matches(c, m) && (!best || (c->tpr >> 4) < (best->tpr >> 4)))
                best = c;
        }
        if (best && accept(s, best, m))
            n = 1;
    } else {
        for (unsigned i = 0; i < s->ncpu; i++)
            if (matches(&s->cpu[i], m) && accept(s, &s->cpu[i], m))
                n++;
    }
    g_mutex_unlock(&s->lock);
    return n;
}

int apic_deliver_vtd(struct apic_sys *s, const struct vtd_irq *irq)
{
    if (!s || !irq)
        return -EINVAL;
    struct apic_msg m;
    switch (irq->outcome) {
    case VTD_IRQ_PASSTHROUGH:
    case VTD_IRQ_REMAPPED:
        apic_msg_from_irq(&m, irq);
        return apic_deliver(s, &m);
    case VTD_IRQ_POSTED:
        if (!irq->notify)
            return 0;
        memset(&m, 0, sizeof(m));
        m.dest = irq->ndst;
        m.vector = irq->nv;
        m.x2apic = irq->x2apic;
        return apic_deliver(s, &m);
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ */
/* State, acknowledge, EOI                                             */
/* ------------------------------------------------------------------ */

int apic_get_state(struct apic_sys *s, unsigned cpu,
                   struct apic_cpu_state *out)
{
    if (!out)
        return -EINVAL;
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    *out = c->st;
    out->id = c->id;
    out->x2apic = c->x2apic;
    g_mutex_unlock(&s->lock);
    return 0;
}

static bool test_bits(struct apic_sys *s, unsigned cpu, uint8_t v,
                      size_t off)
{
    struct lapic *c = cpu_of(s, cpu);
    if (!c)
        return false;
    g_mutex_lock(&s->lock);
    const uint64_t *bits =
        (const uint64_t *)(const void *)((const char *)&c->st + off);
    bool r = bit_test(bits, v);
    g_mutex_unlock(&s->lock);
    return r;
}

bool apic_irr_test(struct apic_sys *s, unsigned cpu, uint8_t v)
{
    return test_bits(s, cpu, v, offsetof(struct apic_cpu_state, irr));
}

bool apic_isr_test(struct apic_sys *s, unsigned cpu, uint8_t v)
{
    return test_bits(s, cpu, v, offsetof(struct apic_cpu_state, isr));
}

bool apic_tmr_test(struct apic_sys *s, unsigned cpu, uint8_t v)
{
    return test_bits(s, cpu, v, offsetof(struct apic_cpu_state, tmr));
}

bool apic_virr_test(struct apic_sys *s, unsigned cpu, uint8_t v)
{
    return test_bits(s, cpu, v, offsetof(struct apic_cpu_state, virr));
}

int apic_ack(struct apic_sys *s, unsigned cpu)
{
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    /* SDM 11.8.3.1: PPR = max(TPR class, highest ISR class); a vector is
     * delivered when its class is above PPR's. */
    int isrv = highest(c->st.isr);
    unsigned ppr = c->tpr & 0xf0;
    if (isrv >= 0 && (unsigned)(isrv & 0xf0) > ppr)
        ppr = (unsigned)isrv & 0xf0;
    int v = highest(c->st.irr);
    int rc = -ENOENT;
    if (v >= 0 && (unsigned)(v & 0xf0) > ppr) {
        bit_clear(c->st.irr, (uint8_t)v);
        bit_set(c->st.isr, (uint8_t)v);
        rc = v;
    }
    g_mutex_unlock(&s->lock);
    return rc;
}

int apic_eoi(struct apic_sys *s, unsigned cpu)
{
    struct lapic *c = lock_cpu(s, cpu);
    if (!c)
        return -EINVAL;
    int v = highest(c->st.isr);
    bool level = false;
    void (*cb)(void *, uint8_t) = s->eoi_cb;
    void *cbo = s->eoi_opaque;
    if (v >= 0) {
        bit_clear(c->st.isr, (uint8_t)v);
        level = bit_test(c->st.tmr, (uint8_t)v);
    }
    g_mutex_unlock(&s->lock);
    if (v < 0)
        return -ENOENT;
    /* SDM 11.8.5: EOI of a level-triggered interrupt is broadcast to the
     * I/O APICs. */
    if (level && cb)
        cb(cbo, (uint8_t)v);
    return v;
}
