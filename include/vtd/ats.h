/* SPDX-License-Identifier: MIT */
/*
 * ATS: translation requests and their completions (VT-d chapter 4,
 * Table 30's translation-request columns).  Included by <vtd/vtd.h>.
 *
 * A device with a device-TLB (PCIe Address Translation Services) asks the
 * unit for a translation with a translation request (AT=01b), keeps the
 * completion in its device-TLB, and later issues translated requests
 * (AT=10b, vtd_translate() with VTD_AT_TRANSLATED) with the address it
 * got.  vtd_ats_translate() answers one translation request with the
 * completion an embedder hands to its device model as it is.
 */
#ifndef VTD_ATS_H
#define VTD_ATS_H

#include <stdbool.h>
#include <stdint.h>

#include <vtd/api.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vtd_iommu;

/* Completion status (PCIe Completion Status field values). */
enum vtd_ats_status {
    VTD_ATS_SUCCESS = 0, /* SC: completion with data */
    VTD_ATS_UR = 1,      /* Unsupported Request (4.1.2: the unit is set up
                            not to take translation requests from this
                            endpoint) */
    VTD_ATS_CA = 4,      /* Completer Abort (4.1.2: the unit met an error
                            processing the request) */
};

#define VTD_ATS_REQ_VERSION 1

/* One translation request (VT-d 4.1.1). */
struct vtd_ats_req {
    uint32_t version;   /* VTD_ATS_REQ_VERSION */
    uint16_t sid;       /* requester id */
    uint32_t pasid;     /* VTD_NO_PASID: translation-request-without-PASID */
    uint64_t iova;      /* untranslated address; bits 11:0 are ignored */
    bool nw;            /* No Write: translation for read-only access */
    bool priv;          /* PR: privileged-mode-requested (with PASID) */
    bool exec;          /* ER: execute-requested (with PASID) */
};

/*
 * The translation completion (VT-d 4.1.2, 4.2.3).  For status UR and CA
 * the completion carries no data and only reason/recorded are set.
 * For SUCCESS:
 *  - addr: the Translated Address field, bits 63:12, with the PCIe size
 *    encoding when s is set (bits 11:0 are zero).  Valid when r or w is
 *    set and u is clear; 0 otherwise.
 *  - s: the translation covers more than 4 KiB; size is its size in
 *    bytes (4096 when s is clear), base the untranslated address it
 *    starts at (iova aligned down to size).  out_base is addr without
 *    the size encoding (the output address of base).
 *  - r, w, x: effective read, write, execute permission (x is always 0,
 *    4.2.3); priv: the permissions are those of privileged mode (set only
 *    for a request with PASID and PR=1); g: global (always 0).
 *  - u: untranslated access only (Table 30 S.1: an interrupt-range
 *    address); n: translated requests must clear No Snoop (Table 10).
 *  - R=W=0 is a success too: the translation faulted in a way the device
 *    may recover from (7.1.2; Table 30 "Success with R=W=U=S=0").
 * reason: the Table 30 fault reason of the condition that decided the
 * completion (UR, CA, or success with no or reduced permission), 0 when
 * none; 0x101 (VTD_FR_ATS_UR) for a UR no Table 30 row names (4.2.1:
 * remapping disabled).  recorded: whether it was written to a fault
 * recording register (UR and CA conditions are, unless FPD suppresses
 * them; successes are not, except SFS.10).
 */
struct vtd_ats_cpl {
    enum vtd_ats_status status;
    uint64_t addr;
    uint64_t out_base;
    uint64_t base;
    uint64_t size;
    bool s, r, w, x, priv, g, u, n;
    unsigned reason;
    bool recorded;
    bool cached;        /* the unit's IOTLB served it */
    uint16_t did;       /* domain id used (0 when none) */
};

/*
 * Answer one translation request.  Faults are recorded in the unit's
 * fault registers as Table 30 says (AT=01b in the record).  Threading as
 * vtd_translate() (never on the IOTLB-hit path of untranslated
 * requests: it takes the slow path).  Returns 0, -EINVAL (NULL, wrong
 * version, PASID above 0xfffff), or -EDEADLK from inside a host callback
 * of the unit (vtd.h).
 */
VTD_API int vtd_ats_translate(struct vtd_iommu *unit,
                              const struct vtd_ats_req *req,
                              struct vtd_ats_cpl *out);

/*
 * The size in bytes of a translation from its Translated Address field
 * and S bit (PCIe ATS size encoding, VT-d 4.2.3: with S set, the lowest
 * 0 bit of bits 63:12 at position k gives 2^(k+1) bytes).  4096 when s
 * is false; 0 when s is set and bits 63:12 are all ones (no size).
 */
VTD_API uint64_t vtd_ats_size_decode(uint64_t addr, bool s);

/* ------------------------------------------------------------------ */
/* Device-TLB invalidation (VT-d 4.3, 6.5.2.5, 6.5.2.6, 6.5.2.11)     */
/* ------------------------------------------------------------------ */

/* Invalidation tags: the unit has 32 (PCIe ATS ITags 0-31). */
#define VTD_ATS_ITAGS 32

/*
 * One ATS Invalidate Request for an endpoint's device-TLB, as the unit
 * issues it (host op devtlb_inval, vtd_ats_pending()).
 */
struct vtd_devtlb_inv {
    uint16_t sid;       /* the endpoint (descriptor SID) */
    uint32_t pasid;     /* VTD_NO_PASID for a device-TLB invalidate
                           (type 3h); the PASID of a PASID-based one (8h) */
    bool global;        /* GI of a PASID-based descriptor: every PASID */
    uint64_t addr;      /* Untranslated Address field, bits 63:12 (with
                           the size encoding when s) */
    bool s;             /* S: more than 4 KiB */
    uint64_t base;      /* the decoded range: [base, base + size); size 0
                           (with base 0) for the whole address space
                           (S=1 and every address bit 63:12 ... ones) */
    uint64_t size;
    uint16_t pfsid;     /* PFSID (0 without ECAP.DIT) */
    unsigned mip;       /* Max Invalidations Pending hint (0 = 32) */
    unsigned itag;      /* 0-31: the tag the completion must name */
    uint64_t issued_ns; /* unit clock when issued */
    uint64_t deadline_ns; /* time-out: issued_ns + the unit's time-out */
    uint32_t completions; /* completion messages counted so far */
};

/*
 * An ATS Invalidation Completion message from endpoint sid (VT-d 4.3):
 * itags is the ITag vector (bit n: ITag n), cc the Completion Count
 * (0-7, 0 meaning 8).  For each ITag set that the unit allocated to sid
 * the count of completions goes up; the invalidation is done when it
 * reaches cc.  Any other ITag set is an invalid completion: FSTS.ICE,
 * IQERCD.ICESID = sid when ICE was clear, and the fault event per
 * FECTL (7.3), processing of valid ITags first.  Completed invalidations
 * let the invalidation queue continue (wait descriptors behind them).
 * With remapping disabled (TES=0) the message is an Unsupported Request
 * (4.2.1) and changes nothing; *accepted (when non-NULL) says whether it
 * was taken.  Returns 0, -EINVAL (NULL unit, cc > 7), -EDEADLK from a
 * callback.  Threading as vtd_mmio_write().
 */
VTD_API int vtd_ats_inval_complete(struct vtd_iommu *unit, uint16_t sid,
                                   uint32_t itags, unsigned cc,
                                   bool *accepted);

/*
 * The unit's notion of time, driven by the embedder (the unit has no
 * clock of its own): advance it by ns nanoseconds.  Device-TLB
 * invalidations whose deadline has passed time out (6.5.2.11): their
 * ITags are freed, FSTS.ITE is set (IQERCD.ITESID = the endpoint when
 * ITE was clear; the oldest is reported when several expire at once),
 * the fault event is raised per FECTL, a wait descriptor waiting for them
 * is aborted and the queue fetches nothing until software clears ITE;
 * it then fetches again from IQH.  An embedder that never calls this
 * never sees a time-out.  Returns 0, -EINVAL, -EDEADLK.
 */
VTD_API int vtd_clock_advance(struct vtd_iommu *unit, uint64_t ns);

/* The time-out of a device-TLB invalidation, in ns of the unit clock
 * (default VTD_ATS_INVAL_TIMEOUT_DEFAULT; 4.3 recommends "sufficiently
 * larger than the PCI Express read completion time-outs").  Applies to
 * invalidations issued afterwards.  Returns 0, -EINVAL (NULL, 0). */
#define VTD_ATS_INVAL_TIMEOUT_DEFAULT 1000000000ull /* 1 s */
VTD_API int vtd_ats_set_inval_timeout(struct vtd_iommu *unit, uint64_t ns);

/* The unit clock (ns) and the outstanding device-TLB invalidations:
 * up to max of them into out (oldest first), the count returned (which
 * may exceed max).  -EINVAL for a NULL unit. */
VTD_API int vtd_ats_pending(struct vtd_iommu *unit,
                            struct vtd_devtlb_inv *out, unsigned max,
                            uint64_t *now_ns);

#ifdef __cplusplus
}
#endif
#endif /* VTD_ATS_H */
