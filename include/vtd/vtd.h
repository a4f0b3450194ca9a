/* SPDX-License-Identifier: MIT */
/*
 * vtdemu: an emulator of one Intel VT-d remapping hardware unit (DRHD).
 *
 * The unit knows nothing of the machine around it.  It sees guest memory and
 * interrupt delivery only through struct vtd_host_ops and the opaque pointer
 * given at creation.  Everything in this header is plain C11.
 *
 * Threading contract (applies to every function below unless it says
 * otherwise):
 *  - vtd_mmio_read(), vtd_mmio_write(), vtd_translate() and vtd_interrupt()
 *    may be called concurrently from any number of threads on the same unit.
 *    Register state, fault recording and queued invalidation are serialised
 *    by an internal lock; an IOTLB hit takes no lock and allocates nothing.
 *  - vtd_iommu_free() must not race with any other call on the same unit.
 *  - Host callbacks may be invoked from whichever thread made the call that
 *    caused them, and may be invoked with the unit's internal lock held.
 *  - Re-entrant calls.  From inside a host callback of a unit (read,
 *    write, cmpxchg64, map, msi_send, log, trace, or a map notifier of
 *    <vtd/notify.h>), on that callback's thread, the host may call on the
 *    same unit only what takes no lock and changes nothing:
 *    vtd_get_stats(), vtd_iommu_cap(), vtd_iommu_ecap(),
 *    vtd_iommu_mmio_size(), and the unit-less helpers (vtd_*_str(),
 *    vtd_describe_caps(), vtd_profile_*(), vtd_reg_*()).  Every other call
 *    on that unit is refused, does nothing, and is not logged:
 *    vtd_mmio_read() (*val = 0), vtd_mmio_write(), vtd_translate(),
 *    vtd_interrupt(), vtd_notifier_add(), vtd_notifier_replay(),
 *    vtd_save() and vtd_load() return -EDEADLK; vtd_iommu_reset() and
 *    vtd_notifier_remove() return having done nothing; vtd_iommu_free()
 *    is undefined.  The callback runs in the middle of an operation
 *    (possibly holding the non-recursive lock), so such a call could
 *    neither wait for the lock nor see or change a consistent state.
 *    Consequences for hosts: an msi_send must not deliver through
 *    vtd_interrupt() of the same unit (the unit's own fault-event,
 *    invalidation-completion and page-request interrupts are not subject
 *    to its interrupt remapping, see msi_send); it delivers the MSI as
 *    given or defers it.  A notifier receives the mapping in its event and
 *    needs no vtd_translate(); a log or trace hook that wants register
 *    values reads them after the call that logged returns.  The refusal
 *    covers any depth (a callback of unit A calling unit B whose callback
 *    calls A is refused); a callback of A may call another unit B only
 *    when no callback of B ever calls A (two threads doing both could
 *    deadlock, which the unit cannot detect).
 *
 * Error convention: functions return 0 on success or a negative errno
 * value for host-side failures (-EINVAL for bad arguments, -ENOMEM, -EIO
 * when a host memory callback failed where no architectural fault applies).
 * Architectural outcomes (DMA faults, blocked interrupts) are never errors:
 * they are reported as values in the result structures.
 */
#ifndef VTD_VTD_H
#define VTD_VTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/api.h>

#ifdef __cplusplus
extern "C" {
#endif


/* ------------------------------------------------------------------ */
/* Host callbacks                                                      */
/* ------------------------------------------------------------------ */

/*
 * Version 4 added the optional page_response callback at the end; a
 * version-3 (or older) struct ends before it (the unit copies only the
 * members before page_response and delivers no page group response).
 * Version 2 added the optional map callback at the end of struct
 * vtd_host_ops.  Version 1 stays valid: for a version-1 struct the unit
 * copies only the members before map (a caller built against the older
 * header has a shorter struct) and walks through read().  The version is
 * bumped rather than reusing 1 because a version-1 caller's struct has no
 * map member to read, so the unit needs the version to know the member is
 * there.
 */
#define VTD_HOST_OPS_VERSION 4
#define VTD_HOST_OPS_VERSION_MIN 1
/* Version 3 added devtlb_inval after map, version 4 page_response after
 * it.  Versions 1 to 3 stay valid:
 * the unit copies only the members their struct has. */

struct vtd_devtlb_inv;   /* <vtd/ats.h> */

/* Severity for the optional log hook. */
enum vtd_log_level {
    VTD_LOG_ERROR = 0,   /* guest did something the spec calls an error */
    VTD_LOG_WARN = 1,    /* wrong-size access, ignored write, ... */
    VTD_LOG_INFO = 2,
    VTD_LOG_DEBUG = 3,
};

/* A Page Request Group Response for a device (VT-d 7.6.1, Table 32),
 * given to the host's page_response callback. */
struct vtd_page_resp {
    uint16_t rid;       /* requester id of the function: bus:dev.fn */
    uint32_t pasid;     /* VTD_NO_PASID when the response carries none */
    uint16_t prgi;      /* page request group index, 9 bits */
    uint8_t rc;         /* response code: VTD_PRG_RC_* of <vtd/layout.h>
                           (0h success, 1h invalid request, Fh response
                           failure) */
    bool automatic;     /* generated by the unit (7.4.1 Table 31) */
};

/* Kinds of structured events sent to the optional trace hook. */
enum vtd_event_kind {
    VTD_EV_MMIO_READ = 1,  /* addr = offset, val[0] = value, size */
    VTD_EV_MMIO_WRITE,     /* addr = offset, val[0] = value, size */
    VTD_EV_MEM_READ,       /* addr = gpa, size, data (the bytes read) */
    VTD_EV_WALK,           /* one structure entry used by a walk:
                              what = "root", "context" (legacy),
                              "sm-root", "sm-context" (scalable; the
                              context entry has 4 qwords), "pasid-dir",
                              "pasid", "sl", "fl", "irte", "pid"; for
                              nested walks "nested-sl" and "nested-fl"
                              (entries, as "sl"/"fl") and "nested-gpa"
                              (no entry: addr is the guest-physical
                              address about to be translated by the
                              second stage, level the first-stage level
                              or 0 for the final output); level; addr =
                              entry gpa; val[] = entry qwords; nval =
                              count */
    VTD_EV_DMA,            /* a translation finished: sid, pasid, addr =
                              iova, val[0] = output address, fault */
    VTD_EV_INTERRUPT,      /* an interrupt request finished */
    VTD_EV_FAULT,          /* a fault was detected: fault, recorded */
    VTD_EV_INVALIDATION,   /* a cache invalidation: what = kind, val[] = desc */
    VTD_EV_CACHE_STALE,    /* lint: a cache hit disagrees with the tables */
    VTD_EV_NOTE,           /* free text in msg */
    VTD_EV_PAGE_REQ,       /* a page request (VT-d 7.4.1) was handled:
                              sid, pasid, addr = page address, val[0..1]
                              = the page request descriptor qwords,
                              val[2] = queue offset (PQT before),
                              fault (non-recoverable fault reason when
                              refused, 0 otherwise), what = "queued",
                              "overflow" (PRO set or queue full),
                              "refused" (a remapping table error) */
    VTD_EV_PAGE_RESP,      /* a page group response went to a device:
                              sid = RID, pasid (VTD_NO_PASID when PP=0),
                              val[0] = PRGI, val[1] = response code,
                              what = "software" (page group response
                              descriptor) or "auto" (the unit's own,
                              Table 31) */
};

/* One event.  Pointers are valid only for the duration of the callback. */
struct vtd_event {
    enum vtd_event_kind kind;
    uint16_t sid;
    uint32_t pasid;        /* VTD_NO_PASID when the request had none */
    int level;             /* paging level for VTD_EV_WALK, else 0 */
    uint64_t addr;
    uint64_t val[8];
    unsigned nval;
    unsigned size;
    unsigned fault;        /* enum vtd_fault_reason, 0 for none */
    bool recorded;
    const char *what;      /* short static tag, may be NULL */
    const char *msg;       /* human readable explanation, may be NULL */
    const void *data;      /* VTD_EV_MEM_READ: the bytes, size long */
};

/*
 * Host operations.  Every callback receives the opaque pointer given to
 * vtd_iommu_new().  read and write are required; the rest are optional
 * (NULL).
 */
struct vtd_host_ops {
    uint32_t version; /* VTD_HOST_OPS_VERSION */

    /* Guest-physical memory access by the unit (table walks, descriptor
     * fetches, status writes).  Return 0 on success, a negative errno when
     * the address is not backed: the unit turns that into the spec's
     * "error accessing" fault for whatever it was reading. */
    int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
    int (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);

    /* Optional atomic compare-and-exchange of an aligned 64-bit guest
     * word: if *(gpa) == *expected, store desired and return 0; otherwise
     * store the current value in *expected and return -EAGAIN.  Other
     * negative errno: not backed.  Without it the unit uses read+write,
     * which is not atomic against concurrent CPU updates. */
    int (*cmpxchg64)(void *opaque, uint64_t gpa, uint64_t *expected,
                     uint64_t desired);

    /* The unit's OWN interrupts only: the fault event (FECTL/FEDATA/
     * FEADDR), the invalidation-completion event (IECTL...) and the
     * page-request event, as a compatibility-format MSI (not subject to
     * interrupt remapping) for the machine to deliver.
     * Device interrupts remapped by the unit do NOT come here:
     * vtd_interrupt() returns them in struct vtd_irq (outcome REMAPPED:
     * dest/vector/...; POSTED: the notification nv/ndst when notify is
     * set) and the caller delivers them.
     * Optional: without it the unit's events are only reported as trace
     * events. */
    void (*msi_send)(void *opaque, uint64_t addr, uint32_t data);

    /* Optional diagnostics.  The library never prints on its own. */
    void (*log)(void *opaque, enum vtd_log_level level, const char *msg);
    void (*trace)(void *opaque, const struct vtd_event *ev);

    /* --- version 2 and later --- */

    /* Optional direct access for reads, the fast path of table walks:
     * return a host pointer to the guest bytes [gpa, gpa + len), or NULL
     * when the host cannot (or prefers not to) give one, for example for
     * MMIO, memory not yet backed or any address outside RAM; the unit
     * then uses read(), whose result decides (so a NULL here is never a
     * fault by itself).  The unit asks only for ranges inside one 4 KiB
     * page, with len at most 64.
     * Lifetime: the unit reads through the pointer only during the
     * operation (translation, descriptor fetch, ...) that asked for it,
     * and never keeps it afterwards; the host must keep the bytes mapped
     * at least that long.
     * Threading: called concurrently from any thread that calls into the
     * unit, possibly with the unit's internal lock held; it must not call
     * back into the unit and should not block.  The unit reads 8-byte
     * aligned words through the pointer with single 64-bit loads (memory
     * order relaxed), so a concurrent aligned 64-bit store by the guest is
     * seen whole or not at all; longer entries (root, context, PASID) are
     * copied word by word with no ordering between the words, as read()
     * may.  The unit never writes through the pointer: writes and A/D
     * updates use write() and cmpxchg64(). */
    const void *(*map)(void *opaque, uint64_t gpa, size_t len);

    /* --- version 3 and later --- */

    /* Optional: an ATS Invalidate Request for the device-TLB of the
     * endpoint inv->sid (VT-d 4.3; from a device-TLB or PASID-based
     * device-TLB invalidate descriptor, 6.5.2.5-6.5.2.6).  The endpoint
     * answers later with vtd_ats_inval_complete() naming inv->itag; until
     * then wait descriptors behind it do not complete, and without an
     * answer before the time-out (vtd_clock_advance()) the unit reports
     * an invalidation time-out (FSTS.ITE).  Called with the unit's lock
     * held, from the thread that wrote IQT (or that completed an earlier
     * invalidation): it must not call into the unit (vtd.h threading
     * contract), so it queues the request for its device and answers
     * after returning.  Return 0 when the request went to an endpoint
     * with a device-TLB (it will answer), or -ENODEV when there is none
     * behind inv->sid: the unit then takes the descriptor as completed
     * at once.  Any other negative errno says the request could not be
     * delivered: no answer will come, so the unit reports an
     * invalidation time-out at once (FSTS.ITE, VT-d 6.5.2.11) and issues
     * the descriptor again when software clears ITE; the wait descriptor
     * behind it does not complete.  NULL (and versions 1 and 2):
     * every device-TLB descriptor completes at once, as before. */
    int (*devtlb_inval)(void *opaque, const struct vtd_devtlb_inv *inv);

    /* --- version 4 and later --- */

    /* Optional: a Page Request Group Response message for the device
     * function resp->rid (VT-d 7.6: software's page group response
     * descriptor; 7.4.1 Table 31: the unit's automatic response to a
     * last-in-group request it could not queue).  The host routes it to
     * the device.  Called with the unit's lock held, from the thread
     * that wrote IQT or called vtd_page_request(); the re-entrancy rules
     * above apply (it must not call the unit; a device that wants to
     * retry does so after the call returns).  Without it responses are
     * only reported as VTD_EV_PAGE_RESP events. */
    void (*page_response)(void *opaque, const struct vtd_page_resp *resp);
};

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/*
 * Version 2 added the composing members at the end (cap_set ... and
 * caching_mode).  Version 1 stays valid: for a version-1 struct the unit
 * copies only the members before cap_set (a caller built against the
 * older header has a shorter struct) and treats the rest as zero.
 */
#define VTD_CONFIG_VERSION 2
#define VTD_CONFIG_VERSION_MIN 1

enum vtd_cache_policy {
    VTD_CACHE_HARDWARE = 0, /* cache like hardware; stale until invalidated;
                               paging-structure caches (VT-d 6.2.5) with
                               profile "full" only */
    VTD_CACHE_NONE = 1,     /* always walk the tables */
    VTD_CACHE_PSC = 2,      /* as HARDWARE, with paging-structure caches */
    VTD_CACHE_NO_PSC = 3,   /* as HARDWARE, without them (QEMU 7.2) */
};

/* Caching mode (CAP.CM, VT-d 6.1): the unit may cache not-present and
 * faulting entries, so software invalidates after every change, including
 * not-present to present; what an emulator needs to shadow a guest's
 * mappings (notify.h). */
enum vtd_caching_mode {
    VTD_CM_AS_PROFILE = 0,  /* what the profile (or cap) says */
    VTD_CM_ON = 1,          /* CAP.CM = 1 */
    VTD_CM_OFF = 2,         /* CAP.CM = 0 */
};

/*
 * How CAP and ECAP are composed, in this order:
 *  1. the profile's values when profile is named, else cap and ecap;
 *     (with a profile, a non-zero cap or ecap replaces the profile's whole
 *     register, as in version 1: to change some bits use step 2);
 *  2. cap = (cap & ~cap_clear) | cap_set, the same for ecap;
 *  3. caching_mode sets or clears CAP.CM.
 * A bit both set and cleared, a reserved bit set, a caching_mode that
 * contradicts cap_set/cap_clear, and a combination the spec forbids are
 * refused with -EINVAL and a message naming the field and the profile.
 * Example: { .version = VTD_CONFIG_VERSION, .profile = "full",
 *            .caching_mode = VTD_CM_ON }.
 * Field positions: <vtd/layout.h> (VTD_CAP_CM_MASK, VTD_ECAP_PT_MASK...).
 */
struct vtd_config {
    uint32_t version;     /* VTD_CONFIG_VERSION (1 is still accepted) */
    /* Named profile ("qemu-7.2", "full") or NULL to use cap/ecap below. */
    const char *profile;
    uint64_t cap;         /* Capability register as presented */
    uint64_t ecap;        /* Extended capability register as presented */
    uint32_t ver;         /* Version register; 0 means 0x10 (1.0) */
    /* Host address width in bits used for reserved-bit checks on table and
     * page addresses; 0 means CAP.MGAW + 1. */
    uint32_t haw;
    enum vtd_cache_policy cache;
    bool lint;            /* report stale cache hits (VTD_EV_CACHE_STALE) */
    /* Fault recording: collapse faults from a SID already held in a
     * fault record with F set (VT-d 7.2.1 allows it).  Default true. */
    bool no_fault_collapse;

    /* --- version 2 and later --- */
    uint64_t cap_set, cap_clear;     /* bits to set / clear in CAP */
    uint64_t ecap_set, ecap_clear;   /* bits to set / clear in ECAP */
    enum vtd_caching_mode caching_mode;
};

/* Profile names known to vtd_iommu_new(), NULL-terminated. */
VTD_API const char *const *vtd_profile_names(void);

/* Fill cap/ecap for a named profile.  Returns 0 or -ENOENT. */
VTD_API int vtd_profile_lookup(const char *name, uint64_t *cap,
                               uint64_t *ecap);

/* ------------------------------------------------------------------ */
/* Lifetime                                                            */
/* ------------------------------------------------------------------ */

struct vtd_iommu;

/*
 * Create a unit.  cfg and ops are copied; opaque is passed to callbacks.
 * On success *out owns the unit (free with vtd_iommu_free()).
 * Errors: -EINVAL (NULL argument, wrong version, unknown profile, or an
 * inconsistent CAP/ECAP combination, see struct vtd_config; when errbuf
 * is non-NULL a one-line reason is written to it), -ENOMEM.
 */
VTD_API int vtd_iommu_new(const struct vtd_config *cfg,
                          const struct vtd_host_ops *ops, void *opaque,
                          struct vtd_iommu **out, char *errbuf,
                          size_t errlen);
VTD_API void vtd_iommu_free(struct vtd_iommu *unit);
/* Return every register and cache to its reset state. */
VTD_API void vtd_iommu_reset(struct vtd_iommu *unit);

/* Capability values the unit presents (after profile resolution). */
VTD_API uint64_t vtd_iommu_cap(const struct vtd_iommu *unit);
VTD_API uint64_t vtd_iommu_ecap(const struct vtd_iommu *unit);
/* Size in bytes of the register window (a multiple of 4 KiB). */
VTD_API uint64_t vtd_iommu_mmio_size(const struct vtd_iommu *unit);

/* ------------------------------------------------------------------ */
/* Registers (VT-d chapter 11)                                         */
/* ------------------------------------------------------------------ */

/*
 * Access the register at byte offset off (relative to the unit's base)
 * with size 4 or 8.  Wrong-size, unaligned and out-of-range accesses are
 * ignored (reads return 0) and logged; they never abort.
 * Returns 0, or -EINVAL when the access was ignored.
 */
VTD_API int vtd_mmio_read(struct vtd_iommu *unit, uint64_t off,
                          unsigned size, uint64_t *val);
VTD_API int vtd_mmio_write(struct vtd_iommu *unit, uint64_t off,
                           unsigned size, uint64_t val);

/* ------------------------------------------------------------------ */
/* DMA translation (VT-d chapters 3, 7, 9)                             */
/* ------------------------------------------------------------------ */

#define VTD_NO_PASID 0xffffffffu

enum vtd_access {
    VTD_ACC_READ = 1u << 0,
    VTD_ACC_WRITE = 1u << 1,
    VTD_ACC_EXEC = 1u << 2,  /* execute-requested (with PASID) */
    VTD_ACC_PRIV = 1u << 3,  /* privileged-mode-requested */
};

enum vtd_at {
    VTD_AT_UNTRANSLATED = 0, /* ordinary DMA */
    VTD_AT_TRANSLATION = 1,  /* ATS translation request */
    VTD_AT_TRANSLATED = 2,   /* ATS translated request */
};

struct vtd_dma_req {
    uint16_t sid;       /* requester id: bus << 8 | dev << 3 | fn */
    uint32_t pasid;     /* VTD_NO_PASID for a request without PASID */
    uint64_t iova;
    uint32_t size;      /* bytes; must not cross a 4 KiB boundary (0 = 1) */
    uint32_t access;    /* enum vtd_access bits */
    enum vtd_at at;
};

enum vtd_perm {
    VTD_PERM_R = 1u << 0,
    VTD_PERM_W = 1u << 1,
    VTD_PERM_X = 1u << 2,
    VTD_PERM_U = 1u << 3, /* user access allowed (first stage) */
};

struct vtd_xlate {
    uint64_t addr;      /* output address of req->iova (valid if !fault) */
    uint64_t page_size; /* size of the mapping that translated it */
    uint32_t perm;      /* enum vtd_perm granted by the mapping */
    uint16_t did;       /* domain id used (0 when translation is off) */
    unsigned fault;     /* enum vtd_fault_reason; 0 = success */
    bool recorded;      /* fault written to a fault recording register */
    bool cached;        /* result came from the IOTLB */
};

/* Translate one request.  Faults are recorded in the unit's fault
 * registers as the spec says.  Returns 0, or -EINVAL for bad arguments. */
VTD_API int vtd_translate(struct vtd_iommu *unit,
                          const struct vtd_dma_req *req,
                          struct vtd_xlate *out);

/* ------------------------------------------------------------------ */
/* Page requests (VT-d 7.4-7.6; ECAP.PRS, scalable mode)               */
/* ------------------------------------------------------------------ */

/* A page request message from a device (PCIe ATS Page Request; VT-d
 * 7.4.1.1 lists what the unit records of it). */
struct vtd_page_req {
    uint16_t sid;       /* requester id */
    uint32_t pasid;     /* VTD_NO_PASID for a page request without PASID */
    uint64_t addr;      /* page address; bits 11:0 are ignored */
    uint32_t access;    /* VTD_ACC_READ / WRITE / EXEC / PRIV bits; EXEC
                           and PRIV count only with a PASID */
    uint16_t prgi;      /* page request group index, 0-511 */
    bool lpig;          /* last page in group */
};

enum vtd_prq_outcome {
    VTD_PRQ_QUEUED = 1,   /* a page request descriptor was written and PQT
                             advanced (7.4.1) */
    VTD_PRQ_OVERFLOW = 2, /* not queued: PRS.PRO was set or the queue was
                             full (PRO now set); with LPIG the unit
                             responded Success (Table 31) */
    VTD_PRQ_REFUSED = 3,  /* not queued: a remapping table error (Table 30
                             fault in .fault, recorded as a non-recoverable
                             fault unless FPD or overflow), or the queue
                             could not be written; with LPIG the unit
                             responded Invalid Request (Table 31) */
};

struct vtd_page_req_result {
    enum vtd_prq_outcome outcome;
    unsigned fault;     /* VTD_PRQ_REFUSED: the Table 30 reason, 0 when
                           the cause was no Table 30 condition (see
                           docs/prq.md) */
    bool recorded;      /* the fault went to a fault recording register */
    bool responded;     /* the unit sent an automatic response (rc) */
    uint8_t rc;         /* its response code when responded */
    uint64_t desc_gpa;  /* VTD_PRQ_QUEUED: where the descriptor went */
};

/*
 * A device's page request reaches the unit (VT-d 7.4.1).  The unit checks
 * it (Table 30 page-request columns: RTA.x, SRT.x, SCT.1-4 and 6-9, SPD.x,
 * SPT.1-4), then writes a page request descriptor at PQT, advances PQT,
 * sets PRS.PPR and raises the page request event (7.5), or refuses it
 * (Table 31: automatic responses through ops.page_response).  Returns 0
 * with the outcome in out, -EINVAL for a NULL argument or a PRGI above
 * 511, -EOPNOTSUPP when the unit does not report ECAP.PRS, -EDEADLK from
 * inside a host callback.  Takes the unit's lock; any thread.
 */
VTD_API int vtd_page_request(struct vtd_iommu *unit,
                             const struct vtd_page_req *req,
                             struct vtd_page_req_result *out);

/* ------------------------------------------------------------------ */
/* Interrupt remapping (VT-d chapter 5)                                */
/* ------------------------------------------------------------------ */

enum vtd_irq_outcome {
    VTD_IRQ_PASSTHROUGH = 1, /* compatibility format delivered unchanged */
    VTD_IRQ_REMAPPED = 2,    /* out->dest etc. describe the interrupt */
    VTD_IRQ_POSTED = 3,      /* posted to a posted-interrupt descriptor */
    VTD_IRQ_BLOCKED = 4,     /* not delivered; out->fault gives the reason */
};

struct vtd_msi_req {
    uint16_t sid;
    bool sid_valid;   /* false: request carries no requester id */
    uint64_t addr;    /* 0xFEExxxxx */
    uint32_t data;
};

struct vtd_irq {
    enum vtd_irq_outcome outcome;
    /* remapped or passthrough: the interrupt to deliver */
    uint32_t dest;     /* APIC id (8-bit xAPIC or 32-bit x2APIC) */
    uint8_t vector;
    uint8_t dm;        /* destination mode: 0 physical, 1 logical */
    uint8_t tm;        /* trigger mode: 0 edge, 1 level */
    uint8_t dlm;       /* delivery mode (000b fixed, 001b lowest, ...) */
    uint8_t rh;        /* redirection hint */
    bool x2apic;       /* dest is a 32-bit x2APIC id */
    /* posted */
    uint64_t pid_addr; /* posted-interrupt descriptor */
    bool notify;       /* the notification event was sent */
    uint8_t nv;        /* notification vector sent */
    uint32_t ndst;     /* notification destination sent */
    /* blocked */
    unsigned fault;
    bool recorded;
    uint16_t index;    /* interrupt index used, when remappable */
};

/* Process an interrupt request (a DWORD write to 0xFEExxxxx by sid).
 * Returns 0, or -EINVAL for bad arguments (NULL, or an address outside
 * 0xFEE00000-0xFEEFFFFF).  The outcome is in out: passthrough and remapped
 * describe the interrupt for the caller to deliver; posted reports the
 * descriptor update and, when notify is set, the notification event
 * (vector nv, physical, fixed, edge, to APIC id ndst) the caller must
 * deliver; blocked gives the fault reason (20h-28h) and whether it was
 * recorded.  A request with sid_valid false is not subject to the IRTE's
 * source-id verification.  Lock-free on an interrupt-entry-cache hit;
 * allocates nothing; may run concurrently with everything else. */
VTD_API int vtd_interrupt(struct vtd_iommu *unit,
                          const struct vtd_msi_req *req, struct vtd_irq *out);

/* ------------------------------------------------------------------ */
/* Fault reasons (VT-d 7.1.3 Table 30, 5.1.4.1 Table 15)               */
/* ------------------------------------------------------------------ */

#include <vtd/faults.h>
#include <vtd/ats.h>
#include <vtd/notify.h>
#include <vtd/rules.h>
#include <vtd/snapshot.h>

/* Short spec name of a fault reason ("LGN.3: read without read
 * permission"), or "unknown fault reason" for values not in the spec. */
VTD_API const char *vtd_fault_reason_str(unsigned reason);

/* True when FPD may suppress the reason (the spec's "qualified"). */
VTD_API bool vtd_fault_reason_qualified(unsigned reason);

/*
 * Describe CAP and ECAP field by field (VT-d 11.4.2, 11.4.3), one line of
 * text per call of line(), then the line Linux prints at boot for a unit
 * with version ver (0 = 0x10) at register base `base` named dmar<index>.
 * Needs no unit.  Returns 0, or -EINVAL when line is NULL.
 */
VTD_API int vtd_describe_caps(uint64_t cap, uint64_t ecap, uint32_t ver,
                              uint64_t base, unsigned index,
                              void (*line)(void *opaque, const char *text),
                              void *opaque);

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

struct vtd_stats {
    uint64_t faults_detected;   /* every fault the unit detected */
    uint64_t faults_recorded;   /* written to a fault recording register */
    uint64_t faults_suppressed; /* qualified faults suppressed by FPD */
    uint64_t faults_collapsed;  /* same-SID fault already pending */
    uint64_t faults_overflow;   /* lost to PFO */
    uint64_t iotlb_hits, iotlb_misses;
    uint64_t invalidations;
};

VTD_API void vtd_get_stats(struct vtd_iommu *unit, struct vtd_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* VTD_VTD_H */
