/* SPDX-License-Identifier: MIT */
/*
 * apic/apic.h: local APICs and an I/O APIC, enough of them to receive
 * what interrupt remapping delivers and to send what an IOAPIC sends.
 *
 * Local APIC model (Intel SDM vol. 3, chapter 11): per CPU an APIC id, a
 * logical destination (LDR, DFR flat/cluster in xAPIC mode, derived in
 * x2APIC mode), a task priority, IRR/ISR/TMR (256 bits each), counters of
 * SMI/NMI/INIT/ExtINT, a log of what it received, and posted-interrupt
 * processing (a CPU in guest mode that receives its notification vector
 * moves PIR into its virtual IRR and clears ON).
 *
 * I/O APIC model (82093AA, ICH9): 24 redirection entries in
 * compatibility or remappable format (VT-d 5.1.5.1), edge and level
 * triggering with remote IRR and EOI broadcast, delivering its messages
 * as MSIs through a callback with its source-id.
 *
 * Threading: every function on one apic_sys (or one ioapic) may be called
 * from any thread; each object serialises itself with an internal mutex.
 * Callbacks are invoked without that mutex held.  The library never
 * prints.  Errors are negative errno values.
 */
#ifndef APIC_APIC_H
#define APIC_APIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Delivery modes (SDM 11.6.1, VT-d 9.9 DLM). */
enum apic_dlm {
    APIC_DLM_FIXED = 0,
    APIC_DLM_LOWEST = 1,
    APIC_DLM_SMI = 2,
    APIC_DLM_NMI = 4,
    APIC_DLM_INIT = 5,
    APIC_DLM_EXTINT = 7,
};

/* One interrupt message as it reaches the processors' bus. */
struct apic_msg {
    uint32_t dest;     /* 8-bit xAPIC or 32-bit x2APIC destination */
    uint8_t vector;
    uint8_t dm;        /* 0 physical, 1 logical */
    uint8_t tm;        /* 0 edge, 1 level */
    uint8_t dlm;       /* enum apic_dlm */
    uint8_t rh;        /* redirection hint: deliver to one of the set */
    bool x2apic;       /* dest is in x2APIC form */
};

/* Fill msg from a vtd_interrupt() result (remapped or passthrough). */
void apic_msg_from_irq(struct apic_msg *msg, const struct vtd_irq *irq);
/* Decode a compatibility-format MSI (address 0xFEExxxxx, data). */
void apic_msg_from_msi(struct apic_msg *msg, uint64_t addr, uint32_t data);

/* One entry of a CPU's receive log. */
struct apic_rx {
    uint8_t dlm, vector, tm;
    bool posted;       /* delivered into the virtual IRR by posting */
};

#define APIC_RX_LOG 64

struct apic_sys;

/* Create ncpu local APICs (1..1024), ids 0..ncpu-1, xAPIC mode, flat
 * logical model, LDR 0, TPR 0.  Memory access (for posted-interrupt
 * descriptors) goes through ops/opaque; ops may be NULL when posting is
 * not used.  Returns NULL for bad arguments or no memory. */
struct apic_sys *apic_sys_new(unsigned ncpu, const struct vtd_host_ops *ops,
                              void *opaque);
void apic_sys_free(struct apic_sys *s);
unsigned apic_sys_ncpu(const struct apic_sys *s);

/* Per-CPU configuration.  cpu out of range: -EINVAL. */
int apic_set_id(struct apic_sys *s, unsigned cpu, uint32_t id);
/* x2APIC mode: logical id is derived from the id (SDM 11.12.10.2). */
int apic_set_x2apic(struct apic_sys *s, unsigned cpu, bool on);
/* xAPIC logical destination: LDR bits 31:24, DFR model 0xf flat or 0x0
 * cluster. */
int apic_set_logical(struct apic_sys *s, unsigned cpu, uint8_t ldr,
                     bool cluster);
int apic_set_tpr(struct apic_sys *s, unsigned cpu, uint8_t tpr);
/* Guest mode for posted interrupts: while on, a fixed interrupt with
 * vector nv is processed as a posted-interrupt notification on the
 * descriptor at pid (SDM 29.6). */
int apic_set_guest_mode(struct apic_sys *s, unsigned cpu, bool on,
                        uint8_t nv, uint64_t pid);

/* Deliver one message.  Returns the number of CPUs that accepted it
 * (0 when no destination matched or the vector is illegal), or -EINVAL. */
int apic_deliver(struct apic_sys *s, const struct apic_msg *msg);

/* Deliver what vtd_interrupt() produced: a passthrough or remapped
 * interrupt as is; for a posted one, the notification event when the
 * unit reported one (vector nv, fixed, physical, edge, to APIC id ndst,
 * VT-d 5.2.3); nothing for a blocked one.  Returns the number of CPUs
 * that accepted a message, or -EINVAL. */
int apic_deliver_vtd(struct apic_sys *s, const struct vtd_irq *irq);

/* State of one CPU (read under the lock, copied out). */
struct apic_cpu_state {
    uint32_t id;
    bool x2apic;
    uint64_t irr[4], isr[4], tmr[4];
    uint64_t virr[4];       /* virtual IRR filled by posting */
    unsigned nmi, smi, init, extint;
    unsigned notifications; /* posted-interrupt notifications processed */
    unsigned illegal;       /* fixed/lowest with vector < 16 */
    unsigned nrx;           /* total received (log keeps the last 64) */
    struct apic_rx rx[APIC_RX_LOG];
};
int apic_get_state(struct apic_sys *s, unsigned cpu,
                   struct apic_cpu_state *out);
bool apic_irr_test(struct apic_sys *s, unsigned cpu, uint8_t vector);
bool apic_isr_test(struct apic_sys *s, unsigned cpu, uint8_t vector);
bool apic_tmr_test(struct apic_sys *s, unsigned cpu, uint8_t vector);
bool apic_virr_test(struct apic_sys *s, unsigned cpu, uint8_t vector);

/* Interrupt acknowledge: move the highest-priority pending IRR vector
 * whose class is above the processor priority to ISR and return it;
 * -ENOENT when nothing is deliverable, -EINVAL for a bad cpu. */
int apic_ack(struct apic_sys *s, unsigned cpu);
/* EOI: clear the highest ISR bit.  When it was level-triggered (TMR) the
 * EOI is broadcast to eoi_cb.  Returns the vector or -ENOENT. */
int apic_eoi(struct apic_sys *s, unsigned cpu);
/* EOI broadcast hook (normally ioapic_eoi). */
void apic_set_eoi_hook(struct apic_sys *s,
                       void (*eoi_cb)(void *opaque, uint8_t vector),
                       void *opaque);

/* ------------------------------------------------------------------ */
/* I/O APIC                                                            */
/* ------------------------------------------------------------------ */

#define IOAPIC_PINS 24

/* MMIO register window (offsets from the IOAPIC base). */
enum {
    IOAPIC_IOREGSEL = 0x00,
    IOAPIC_IOWIN = 0x10,
    IOAPIC_EOI = 0x40,       /* version 0x20 directed EOI register */
};
/* Indirect registers. */
enum {
    IOAPIC_REG_ID = 0x00,
    IOAPIC_REG_VER = 0x01,
    IOAPIC_REG_ARB = 0x02,
    IOAPIC_REG_RTE0 = 0x10,  /* RTE n: 0x10 + 2n (low), 0x11 + 2n (high) */
};

/* Redirection table entry bits (82093AA; VT-d 5.1.5.1 remappable). */
#define IOAPIC_RTE_VECTOR 0xffull
#define IOAPIC_RTE_DLM_SHIFT 8
#define IOAPIC_RTE_DESTMODE (1ull << 11)   /* compat; remappable: idx[15] */
#define IOAPIC_RTE_DELIVS (1ull << 12)
#define IOAPIC_RTE_POLARITY (1ull << 13)   /* 1 = active low */
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)
#define IOAPIC_RTE_LEVEL (1ull << 15)
#define IOAPIC_RTE_MASK (1ull << 16)
#define IOAPIC_RTE_FORMAT (1ull << 48)     /* remappable format */
#define IOAPIC_RTE_INDEX_SHIFT 49          /* interrupt_index[14:0] */
#define IOAPIC_RTE_DEST_SHIFT 56           /* compat destination */

struct ioapic;

/* The IOAPIC sends each message as a DWORD write of data to addr with
 * requester id sid; the platform forwards it to interrupt remapping. */
typedef void (*ioapic_send_fn)(void *opaque, uint16_t sid, uint64_t addr,
                               uint32_t data);

/* Create an IOAPIC with APIC id id and source-id sid (from the machine
 * description, e.g. ACPI DMAR device scope).  All RTEs masked. */
struct ioapic *ioapic_new(uint8_t id, uint16_t sid, ioapic_send_fn send,
                          void *opaque);
void ioapic_free(struct ioapic *io);
void ioapic_reset(struct ioapic *io);

/* MMIO access, 32-bit (others ignored: read 0, -EINVAL). */
int ioapic_mmio_read(struct ioapic *io, uint64_t off, uint32_t *val);
int ioapic_mmio_write(struct ioapic *io, uint64_t off, uint32_t val);
/* Direct RTE access (what a guest does through IOREGSEL/IOWIN).  Writes
 * keep the read-only delivery-status and remote-IRR bits. */
int ioapic_get_rte(struct ioapic *io, unsigned pin, uint64_t *rte);
int ioapic_set_rte(struct ioapic *io, unsigned pin, uint64_t rte);

/* Drive input pin (level: true = asserted, after polarity). */
int ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* EOI broadcast for vector: clears remote IRR of matching level-triggered
 * entries and re-sends those whose line is still asserted. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* The MSI an RTE produces (compatibility: destination and mode in the
 * address; remappable: handle in the address, SHV=0, VT-d 5.1.5.1). */
void ioapic_rte_msi(uint64_t rte, uint64_t *addr, uint32_t *data);

#ifdef __cplusplus
}
#endif
#endif /* APIC_APIC_H */
