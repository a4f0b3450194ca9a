/* SPDX-License-Identifier: MIT */
/*
 * machine/board.h: the chipset around one or more VT-d units.
 *
 * A board owns guest RAM (mem/), the remapping units (vtd/), the local
 * APICs and IOAPICs (apic/), and wires them as a platform does:
 *  - every unit reaches guest memory through the board's host operations;
 *  - a request from a source-id goes to the unit whose device scope holds
 *    it, else to the INCLUDE_PCI_ALL (scope=all) unit (VT-d 8.3);
 *  - an IOAPIC's message (a DWORD write to 0xFEExxxxx with its source-id)
 *    goes through that unit's interrupt remapping (VT-d 5.1.5.1), or to
 *    the CPUs as a compatibility MSI when no unit covers it;
 *  - what a unit makes of an interrupt (remapped, posted notification,
 *    its own fault-event MSI) is delivered to the local APICs;
 *  - PCI functions (pci/) attached to the board do DMA and send MSIs with
 *    the requester id the PCI hierarchy gives them (bridge aliasing).
 * The trace replay engine, `vtdemu run` and the fuzzers use a board; an
 * observer sees the memory traffic and events (for recording and
 * explanations) without changing what happens.
 *
 * Threading: a board is used by one thread at a time.  Errors: negative
 * errno (-EINVAL bad arguments, -ENOMEM, -EEXIST overlapping windows).
 */
#ifndef MACHINE_BOARD_H
#define MACHINE_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

struct apic_sys;
struct board;
struct guestmem;
struct devtlb;
struct devtlb_cap;
struct ioapic;
struct pci_func;
struct pci_prdev;

/* A closed range of source-ids in a unit's device scope. */
struct board_scope {
    uint16_t first, last;
};

struct board_unit_desc {
    uint64_t base;              /* register window base */
    bool scope_all;             /* INCLUDE_PCI_ALL */
    const struct board_scope *scope;  /* copied */
    size_t nscope;
};

/*
 * Routing by device scope (VT-d 8.3), written once: the unit whose scope
 * holds sid (only when sid_valid), else the last INCLUDE_PCI_ALL unit,
 * else -1.  Units listed with scope_all are not searched by range.  The
 * board (board_unit_by_sid), the machine descriptions
 * (machine_unit_for_sid), the tests and the fuzzers all route through it.
 */
static inline bool board_scope_holds(const struct board_scope *scope,
                                     size_t nscope, uint16_t sid)
{
    for (size_t k = 0; k < nscope; k++)
        if (sid >= scope[k].first && sid <= scope[k].last)
            return true;
    return false;
}

static inline int board_route(const struct board_unit_desc *units,
                              size_t nunits, bool sid_valid, uint16_t sid)
{
    int all = -1;
    for (size_t i = 0; i < nunits; i++) {
        if (units[i].scope_all)
            all = (int)i;
        else if (sid_valid &&
                 board_scope_holds(units[i].scope, units[i].nscope, sid))
            return (int)i;
    }
    return all;
}

struct board_cpu_desc {
    uint32_t apic_id;
    bool x2apic;
    uint8_t tpr;
    uint32_t ldr;               /* xAPIC logical destination */
    bool cluster;               /* xAPIC DFR cluster model */
};

/* Observer callbacks, all optional; ctx is their first argument. */
struct board_observer {
    void *ctx;
    /* A unit or a CPU wrote guest memory (also each successful
     * compare-exchange, with the value written). */
    void (*mem_wrote)(void *ctx, uint64_t gpa, const void *buf, size_t len);
    /* A CPU read guest memory (posted-interrupt processing). */
    void (*cpu_read)(void *ctx, uint64_t gpa, const void *buf, size_t len);
    /* A unit's trace event (units added with events = true). */
    void (*event)(void *ctx, unsigned unit, const struct vtd_event *ev);
    /* A unit sent its own (compatibility-format) MSI. */
    void (*unit_msi)(void *ctx, uint64_t addr, uint32_t data);
    /* An interrupt outcome was delivered: ncpus CPUs accepted it (only
     * on boards with CPUs). */
    void (*delivered)(void *ctx, const struct vtd_irq *out, int ncpus);
    /* A PCI function or an ATS/PRI device of the board read guest
     * memory (DMA). */
    void (*dma_read)(void *ctx, uint64_t gpa, const void *buf, size_t len);
    /* A unit sent a page group response to device r->rid (VT-d 7.6.1,
     * or its automatic one, 7.4.1 Table 31).  Called with the unit's lock
     * held: record it, do not call the unit. */
    void (*page_response)(void *ctx, unsigned unit,
                          const struct vtd_page_resp *r);
};

/* A board with empty RAM, no units, no CPUs.  obs may be NULL. */
struct board *board_new(const struct board_observer *obs);
void board_free(struct board *b);

struct guestmem *board_mem(struct board *b);
int board_add_ram(struct board *b, uint64_t base, uint64_t size);

/*
 * Create a unit with cfg at d->base (events: give it a trace hook that
 * calls obs->event).  Returns its index (>= 0).  On -EINVAL from the
 * core, why holds the core's reason.  A register window overlapping an
 * earlier unit's gives -EEXIST with *clash its index; the unit is still
 * added (and freed with the board).
 */
int board_add_unit(struct board *b, const struct board_unit_desc *d,
                   const struct vtd_config *cfg, bool events, char *why,
                   size_t whylen, size_t *clash);
size_t board_nunits(const struct board *b);
struct vtd_iommu *board_unit(const struct board *b, size_t i);
uint64_t board_unit_size(const struct board *b, size_t i);

/* Local APICs, one per entry of cpus, and the EOI broadcast to the
 * IOAPICs.  Once per board. */
int board_add_cpus(struct board *b, const struct board_cpu_desc *cpus,
                   size_t n);
struct apic_sys *board_apics(struct board *b);   /* NULL without CPUs */

/* An IOAPIC (82093AA) with register window base (0x100 bytes), MADT id
 * and the source-id the platform gives its messages.  Returns its index
 * or -ENOMEM. */
int board_add_ioapic(struct board *b, uint64_t base, uint8_t id,
                     uint16_t sid);
size_t board_nioapics(const struct board *b);
struct ioapic *board_ioapic(const struct board *b, size_t i);

/* Routing.  The unit whose register window holds addr (*off the offset
 * in it), or -1.  The IOAPIC likewise, or NULL. */
int board_unit_by_addr(const struct board *b, uint64_t addr, uint64_t *off);
struct ioapic *board_ioapic_by_addr(const struct board *b, uint64_t addr,
                                    uint64_t *off);
/* board_route() over the board's units. */
int board_unit_by_sid(const struct board *b, bool sid_valid, uint16_t sid);

/* Deliver an interrupt outcome to the CPUs: passthrough and remapped as
 * they are, the notification event of a posted one (VT-d 5.2.3), nothing
 * for a blocked one.  Returns the number of CPUs that accepted it (0
 * without CPUs). */
int board_deliver(struct board *b, const struct vtd_irq *out);

/* Attach a PCI function: its DMA goes through the unit covering its
 * requester id (translated, then guest RAM; a fault or a blocked request
 * is -EFAULT) and its MSIs through that unit's interrupt remapping to the
 * CPUs.  f must outlive its use; the board does not own it. */
void board_attach_pci(struct board *b, struct pci_func *f);

/*
 * Which requesters may use ATS (VT-d 8.5: the ATSR structures name the
 * PCI Express root ports that support ATS transactions; software must
 * enable ATS on an endpoint only behind such a port).  A board without a
 * policy lets every requester use ATS (traces without a machine
 * description).  With one, a source-id is allowed when a range holding it
 * says so; a source-id no range holds is refused.  port is the SID of
 * the root port the range is below, or -1 (a root-complex integrated
 * endpoint, or unknown).
 */
struct board_ats_range {
    uint16_t first, last;
    bool allowed;
    int32_t port;
};

/* Copy the policy (n ranges; n == 0 sets an empty policy: every SID
 * refused).  Returns 0 or -EINVAL (r NULL with n > 0). */
int board_set_ats_policy(struct board *b, const struct board_ats_range *r,
                         size_t n);
/* 1: sid may use ATS (always without a policy); 0: refused.  *port (may
 * be NULL) gets the root port's SID or -1. */
int board_ats_allowed(const struct board *b, uint16_t sid, int32_t *port);

/*
 * ATS endpoints (the board's device list, VT-d chapter 4 and 7.4): per
 * source-id a device-TLB (pci/devtlb.h) and/or a device with PRI
 * (pci/prdev.h), owned by the board.  A unit's Invalidate Request (host
 * op devtlb_inval) goes to the device-TLB of its SID, which holds it (the
 * op runs under the unit's lock); without one the descriptor completes at
 * once (-ENODEV).  A page group response goes to the PRI device of its
 * RID.  At most BOARD_MAX_ATSDEVS source-ids.
 */
#define BOARD_MAX_ATSDEVS 256

/* A device-TLB for sid (cap and entries as devtlb_new()); auto_respond:
 * it answers what it holds at board_ats_pump().  An existing device-TLB
 * of sid is replaced (the requests it holds stay).  Returns 0, -EINVAL
 * (bad parameters) or -ENOSPC (too many devices). */
int board_add_devtlb(struct board *b, uint16_t sid,
                     const struct devtlb_cap *cap, unsigned entries,
                     bool auto_respond);
/* The device-TLB of sid, or NULL. */
struct devtlb *board_devtlb(const struct board *b, uint16_t sid);
/* Invalidate Requests sid holds and has not answered. */
unsigned board_devtlb_held(const struct board *b, uint16_t sid);
/* Device sid acts on the requests it holds whose ITag is in itags: drops
 * what they cover from its device-TLB and forgets them (the completion
 * message is the caller's: vtd_ats_inval_complete()).  Returns how many. */
unsigned board_devtlb_take(struct board *b, uint16_t sid, uint32_t itags);
/* Every auto-responding device-TLB answers what it holds, oldest first:
 * it invalidates, then sends the completion (one ITag, CC 1) to the unit
 * that issued the request.  An answer may let a queue issue more; the
 * loop ends when none is held.  0, the unit's negative errno, or -ELOOP
 * after a million answers. */
int board_ats_pump(struct board *b);
/* The PRI device of sid, made on first use.  Its translation requests go
 * to vtd_ats_translate() of the unit covering sid (UR from the root
 * complex, not presented to the unit, where the ATS policy refuses sid,
 * VT-d 8.5), its page requests to vtd_page_request(), its memory requests
 * through the unit to guest RAM (an untranslated DWORD write without
 * PASID to FEEx_xxxxh as an MSI, 5.1.5.1).  NULL when no unit covers sid
 * or without memory. */
struct pci_prdev *board_prdev(struct board *b, uint16_t sid);

/* Host-failure injection (tests/test_inject.c, issue 18): while set on
 * the calling thread, every host call a unit makes (its read, write,
 * cmpxchg64, msi_send, devtlb_inval and page_response callbacks) first
 * asks fn(ctx, unit index, op, sid); true makes that call fail: -EIO
 * (devtlb_inval: the Invalidate Request cannot be delivered, so no
 * endpoint answers it), or the message is dropped (msi_send: the unit's
 * event; page_response: the Page Request Group Response never reaches
 * the device).  sid is the device the call is for (devtlb_inval,
 * page_response), 0 for the others.  NULL clears it.  Thread-local, so
 * replays on other threads are unaffected. */
enum board_host_op {
    BOARD_OP_READ, BOARD_OP_WRITE, BOARD_OP_CMPXCHG, BOARD_OP_MSI,
    BOARD_OP_DEVTLB, BOARD_OP_PAGE_RESP,
    BOARD_OP_COUNT
};
typedef bool (*board_inject_fn)(void *ctx, unsigned unit,
                                enum board_host_op op, uint16_t sid);
void board_set_inject(board_inject_fn fn, void *ctx);

#endif /* MACHINE_BOARD_H */
