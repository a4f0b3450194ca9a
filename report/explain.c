/* SPDX-License-Identifier: MIT */
/* report/explain.c: trace events in the specification's terms. */
#include "report/explain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vtd/layout.h>

/* One field of an entry, by its <vtd/layout.h> name. */
#define F(q, reg, fld) ((unsigned)VTD_FIELD_GET((q), reg, fld))

struct out {
    char *buf;
    size_t len, used;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    if (o->used >= o->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->used += (size_t)n;
    if (o->used >= o->len)
        o->used = o->len;
}

static void sid_str(uint16_t sid, char *b, size_t n)
{
    snprintf(b, n, VTD_SID_FMT, VTD_SID_BDF(sid));
}

static const char *pgtt_name(unsigned pgtt)
{
    switch (pgtt) {
    case VTD_PGTT_FS: return "first-stage";
    case VTD_PGTT_SS: return "second-stage";
    case VTD_PGTT_NESTED: return "nested";
    case VTD_PGTT_PT: return "pass-through";
    default: return "reserved";
    }
}

/* VT-d 9.2: lower half LP 0, LCTP 63:12 (devfn 0-127); upper half UP 64,
 * UCTP 127:76 (devfn 128-255). */
static void scalable_root(struct out *o, const struct vtd_event *ev,
                          uint64_t q0, uint64_t q1)
{
    put(o, "scalable-mode root entry for bus %02x at 0x%" PRIx64
        ": LP=%u LCTP=0x%" PRIx64 " UP=%u UCTP=0x%" PRIx64
        " (devfn %02x uses the %s half)",
        (unsigned)VTD_FIELD_GET(ev->sid, SID, BUS), ev->addr,
        F(q0, SRE, P), (uint64_t)(q0 & VTD_SRE_CTP_MASK),
        F(q1, SRE, P), (uint64_t)(q1 & VTD_SRE_CTP_MASK),
        (unsigned)VTD_FIELD_GET(ev->sid, SID, DEVFN),
        VTD_FIELD_GET(VTD_FIELD_GET(ev->sid, SID, DEVFN), SM_DEVFN, UPPER)
            ? "upper" : "lower");
}

/* VT-d 9.4: q0 P 0, FPD 1, DTE 2, PASIDE 3, PRE 4, PDTS 11:9,
 * PASIDDIRPTR 63:12; q1 RID_PASID 19:0, RID_PRIV 20. */
static void scalable_context(struct out *o, const struct vtd_event *ev)
{
    uint64_t q0 = ev->val[0], q1 = ev->nval > 1 ? ev->val[1] : 0;
    char sid[16];
    unsigned pdts = F(q0, SCE0, PDTS);
    sid_str(ev->sid, sid, sizeof(sid));
    put(o, "scalable-mode context entry for %s at 0x%" PRIx64
        ": P=%u FPD=%u DTE=%u PASIDE=%u PRE=%u PDTS=%u (%u directory "
        "entries, PASIDs below 0x%x) PASIDDIRPTR=0x%" PRIx64
        " RID_PASID=0x%x RID_PRIV=%u", sid, ev->addr,
        F(q0, SCE0, P), F(q0, SCE0, FPD),
        F(q0, SCE0, DTE), F(q0, SCE0, PASIDE),
        F(q0, SCE0, PRE), pdts, 1u << (pdts + 7),
        1u << (pdts + 13), (uint64_t)(q0 & VTD_SCE0_PDIR_MASK),
        F(q1, SCE1, RID_PASID), F(q1, SCE1, RID_PRIV));
}

/* VT-d 9.5: P 0, FPD 1, SMPTBLPTR 63:12; indexed by PASID[19:6]. */
static void pasid_dir(struct out *o, const struct vtd_event *ev, uint64_t q0)
{
    put(o, "PASID-directory entry %u (PASIDs 0x%x-0x%x) at 0x%" PRIx64
        ": P=%u FPD=%u SMPTBLPTR=0x%" PRIx64,
        (unsigned)VTD_FIELD_GET(ev->pasid, PASID, DIR),
        ev->pasid & ~(uint32_t)VTD_PASID_TBL_MASK,
        ev->pasid | (uint32_t)VTD_PASID_TBL_MASK, ev->addr,
        F(q0, PDE, P), F(q0, PDE, FPD),
        (uint64_t)(q0 & VTD_PDE_PTBL_MASK));
}

/* VT-d 9.6: q0 P 0, FPD 1, AW 4:2, PGTT 8:6, SSADE 9, SSPTPTR 63:12;
 * q1 DID 15:0, PWSNP 23, PGSNP 24; q2 SRE 0, FSPM 3:2, WPE 4, EAFE 7,
 * FSPTPTR 63:12.  Fields of the stages PGTT does not use are left out. */
static void pasid_entry(struct out *o, const struct vtd_event *ev)
{
    uint64_t q0 = ev->val[0];
    uint64_t q1 = ev->nval > 1 ? ev->val[1] : 0;
    uint64_t q2 = ev->nval > 2 ? ev->val[2] : 0;
    unsigned pgtt = F(q0, PTE0, PGTT);
    put(o, "PASID-table entry %u for PASID 0x%x at 0x%" PRIx64
        ": P=%u FPD=%u PGTT=%u%u%ub (%s) DID=0x%x PWSNP=%u PGSNP=%u",
        (unsigned)VTD_FIELD_GET(ev->pasid, PASID, TBL), ev->pasid, ev->addr,
        F(q0, PTE0, P),
        F(q0, PTE0, FPD), (pgtt >> 2) & 1,
        (pgtt >> 1) & 1, pgtt & 1,
        pgtt_name(pgtt), F(q1, PTE1, DID),
        F(q1, PTE1, PWSNP), F(q1, PTE1, PGSNP));
    if (pgtt == VTD_PGTT_SS || pgtt == VTD_PGTT_NESTED) {
        unsigned aw = F(q0, PTE0, AW);
        put(o, " AW=%u%u%ub (%u-bit, %u-level) SSADE=%u SSPTPTR=0x%" PRIx64,
            (aw >> 2) & 1, (aw >> 1) & 1, aw & 1, 30 + 9 * aw, aw + 2,
            F(q0, PTE0, SSADE), (uint64_t)(q0 & VTD_PTE0_SSPTPTR_MASK));
    }
    if (pgtt == VTD_PGTT_FS || pgtt == VTD_PGTT_NESTED) {
        unsigned fspm = F(q2, PTE2, FSPM);
        put(o, " SRE=%u WPE=%u EAFE=%u FSPM=%u%ub (%s) FSPTPTR=0x%" PRIx64
            "%s", F(q2, PTE2, SRE), F(q2, PTE2, WPE),
            F(q2, PTE2, EAFE), (fspm >> 1) & 1, fspm & 1,
            fspm == 0 ? "4-level" : fspm == 1 ? "5-level" : "reserved",
            (uint64_t)(q2 & VTD_PTE2_FSPTPTR_MASK),
            pgtt == VTD_PGTT_NESTED ? " (a GPA)" : "");
    } else if (F(q2, PTE2, SRE)) {
        put(o, " SRE=1");
    }
}

static void walk_entry(struct out *o, const struct vtd_event *ev)
{
    const char *what = ev->what ? ev->what : "entry";
    uint64_t q0 = ev->nval > 0 ? ev->val[0] : 0;
    uint64_t q1 = ev->nval > 1 ? ev->val[1] : 0;
    if (strcmp(what, "root") == 0) {
        /* VT-d 9.1: P bit 0, CTP bits 63:12 (legacy: lower half). */
        put(o, "root entry for bus %02x at 0x%" PRIx64 ": P=%u CTP=0x%"
            PRIx64, (unsigned)VTD_FIELD_GET(ev->sid, SID, BUS), ev->addr,
            F(q0, RE, P), (uint64_t)(q0 & VTD_RE_CTP_MASK));
        if (ev->nval > 1)
            put(o, " (upper 0x%016" PRIx64 ")", q1);
    } else if (strcmp(what, "context") == 0) {
        /* VT-d 9.3: lo P 0, FPD 1, TT 3:2, SLPTPTR 63:12; hi AW 2:0,
         * DID 23:8. */
        char sid[16];
        sid_str(ev->sid, sid, sizeof(sid));
        put(o, "context entry for %s at 0x%" PRIx64 ": P=%u FPD=%u TT=%u%ub "
            "SLPTPTR=0x%" PRIx64 " AW=%u DID=0x%x", sid, ev->addr,
            F(q0, CE_LO, P), F(q0, CE_LO, FPD),
            F(q0, CE_LO, TT) >> 1, F(q0, CE_LO, TT) & 1,
            (uint64_t)(q0 & VTD_CE_LO_SSPTPTR_MASK), F(q1, CE_HI, AW),
            F(q1, CE_HI, DID));
    } else if (strcmp(what, "sm-root") == 0) {
        scalable_root(o, ev, q0, q1);
    } else if (strcmp(what, "sm-context") == 0) {
        scalable_context(o, ev);
    } else if (strcmp(what, "pasid-dir") == 0) {
        pasid_dir(o, ev, q0);
    } else if (strcmp(what, "pasid") == 0) {
        pasid_entry(o, ev);
    } else if (strcmp(what, "nested-gpa") == 0) {
        /* VT-d 3.8: every first-stage table address and the first-stage
         * output are guest-physical, translated by the second stage. */
        if (ev->level > 0)
            put(o, "nested: the first-stage level-%d entry's GPA 0x%" PRIx64
                " goes through the second stage:", ev->level, ev->addr);
        else
            put(o, "nested: the first-stage output GPA 0x%" PRIx64
                " goes through the second stage:", ev->addr);
    } else if (strcmp(what, "sl") == 0 || strcmp(what, "fl") == 0 ||
               strcmp(what, "nested-sl") == 0 ||
               strcmp(what, "nested-fl") == 0) {
        /* VT-d 9.8 (second stage) / 9.7 (first stage): R/P bit 0, W bit
         * 1, PS bit 7, address bits 51:12. */
        bool nested = what[0] == 'n';
        bool sl = strcmp(what + (nested ? 7 : 0), "sl") == 0;
        put(o, "%s%s-stage level-%d entry at 0x%" PRIx64,
            nested && sl ? "  | " : "", sl ? "second" : "first", ev->level,
            ev->addr);
        if (!sl && nested)
            put(o, " (HPA)");
        if (ev->level >= 1 && ev->level <= 5) {
            /* VT-d 3.6/3.7: level L is indexed by input-address bits
             * 12+9L-1 : 12+9(L-1); a nested second stage's input is a
             * GPA. */
            unsigned lo = 12 + 9 * (unsigned)(ev->level - 1);
            put(o, " [index %u = %s bits %u:%u]",
                (unsigned)((ev->addr & ~VTD_PAGE_MASK) / 8),
                nested && sl ? "GPA" : "IOVA",
                lo + 8, lo);
        }
        if (sl && nested) {
            /* Scalable mode, VT-d 9.8 Tables 41-47: A bit 8, D bit 9 in
             * leaves (used with SSADE=1); bits 6:2 are not permissions. */
            put(o, ": R=%u W=%u A=%u", F(q0, SSE, R),
                F(q0, SSE, W), F(q0, SSE, A));
            if (ev->level == 1 || F(q0, SSE, PS))
                put(o, " D=%u", F(q0, SSE, D));
        } else if (sl) {
            put(o, ": R=%u W=%u X=%u", F(q0, SSE, R),
                F(q0, SSE, W), F(q0, SSE, X));
        } else {
            /* VT-d 9.7 Tables 34-40: P 0, R/W 1, U/S 2, A 5, D 6 (leaf),
             * EA 10; bits 63:52 ignored. */
            put(o, ": P=%u R/W=%u U/S=%u A=%u", F(q0, FSE, P),
                F(q0, FSE, RW), F(q0, FSE, US),
                F(q0, FSE, A));
            if (ev->level == 1 || F(q0, FSE, PS))
                put(o, " D=%u", F(q0, FSE, D));
        }
        put(o, " PS=%u ADDR=0x%" PRIx64, F(q0, FSE, PS),
            (uint64_t)(q0 & (sl ? VTD_SSE_ADDR_MASK : VTD_FSE_ADDR_MASK)));
        if (!sl && nested && F(q0, FSE, P))
            put(o, " (a GPA)");
        if (!F(q0, SSE, R) && !F(q0, SSE, W) && sl)
            put(o, " (not present: R=W=0)");
        else if (!sl && !F(q0, FSE, P))
            put(o, " (not present: P=0)");
        else if (F(q0, FSE, PS) && ev->level > 1)
            put(o, " (leaf: %s page)", ev->level == 2 ? "2 MiB" :
                ev->level == 3 ? "1 GiB" : "large");
        else if (ev->level == 1)
            put(o, " (leaf: 4 KiB page)");
    } else if (strcmp(what, "psc") == 0) {
        /* VT-d 6.2.5: a paging-structure-cache entry stands for the
         * entries from the top down to this level (vtd/pscache.h). */
        put(o, "paging-structure cache: the level-%d entry for this input "
            "address (VT-d 6.2.5, cached, not read) gives the table at 0x%"
            PRIx64 "; the walk goes on from there", ev->level, ev->addr);
    } else if (strcmp(what, "irte") == 0) {
        /* VT-d 9.9 (9.10 when IM=1): P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5,
         * IM 15, V
         * 23:16, DST 63:32; hi: SID 15:0, SQ 17:16, SVT 19:18. */
        if (F(q0, IRTE_LO, IM)) {
            put(o, "IRTE (posted, IM=1) at 0x%" PRIx64 ": P=%u FPD=%u "
                "URG=%u VV=0x%02x PDA=0x%" PRIx64, ev->addr,
                F(q0, IRTE_LO, P), F(q0, IRTE_LO, FPD),
                F(q0, IRTE_LO, URG), F(q0, IRTE_LO, V),
                vtd_irte_pda((const uint64_t[2]){ q0, q1 }));
        } else {
            put(o, "IRTE at 0x%" PRIx64 ": P=%u FPD=%u DM=%u RH=%u TM=%u "
                "DLM=%u V=0x%02x DST=0x%x", ev->addr,
                F(q0, IRTE_LO, P), F(q0, IRTE_LO, FPD),
                F(q0, IRTE_LO, DM), F(q0, IRTE_LO, RH),
                F(q0, IRTE_LO, TM), F(q0, IRTE_LO, DLM),
                F(q0, IRTE_LO, V), F(q0, IRTE_LO, DST));
        }
        char sid[16];
        sid_str((uint16_t)F(q1, IRTE_HI, SID), sid, sizeof(sid));
        put(o, " SVT=%u SQ=%u SID=%s", F(q1, IRTE_HI, SVT),
            F(q1, IRTE_HI, SQ), sid);
    } else {
        /* pid and anything newer: P and raw qwords. */
        put(o, "%s entry at 0x%" PRIx64 ": P=%u", what, ev->addr,
            F(q0, PID_CTL, ON));
        for (unsigned i = 0; i < ev->nval && i < 8; i++)
            put(o, " q%u=0x%016" PRIx64, i, ev->val[i]);
    }
    if (ev->msg)
        put(o, " - %s", ev->msg);
}

/* What decided a DMA fault, in the terms of VT-d 7.1.3 Table 30. */
static const char *fault_hint(unsigned reason)
{
    switch (reason) {
    case 0x1: return "the root entry's P bit is 0 (LRT.2)";
    case 0x2: return "the context entry's P bit is 0 (LCT.2)";
    case 0x3: return "the context entry's AW or TT is not supported, or its "
                     "second-stage table cannot be read (LCT.4)";
    case 0x4: return "the address is above 2^min(MGAW, AGAW) (LGN.1)";
    case 0x5: return "the last entry above has W=0 for a write (LGN.2)";
    case 0x6: return "the last entry above has R=0 for a read (LGN.3)";
    case 0x7: return "a second-stage table pointer leads outside memory "
                     "(LSS.1)";
    case 0x8: return "RTADDR points outside memory (LRT.1)";
    case 0x9: return "the root entry's CTP points outside memory (LCT.1)";
    case 0xa: return "a reserved bit is set in the root entry (LRT.3)";
    case 0xb: return "a reserved bit is set in the context entry (LCT.3)";
    case 0xc: return "a reserved bit is set in the last second-stage entry "
                     "above (LSS.2)";
    case 0xd: return "the context entry's TT allows untranslated requests "
                     "only (LCT.5)";
    case 0xe: return "the output address is in the interrupt range "
                     "FEEx_xxxxh (LGN.4)";
    /* Scalable mode: the stage that failed is named (VT-d 3.8). */
    case 0x38: return "RTADDR points outside memory (SRT.1)";
    case 0x39: return "the root entry half for this devfn has its present "
                      "bit (LP/UP) 0 (SRT.2)";
    case 0x3a: return "a reserved bit is set in the scalable-mode root entry "
                      "(SRT.3)";
    case 0x40: return "the root entry's context-table pointer leads outside "
                      "memory (SCT.1)";
    case 0x41: return "the scalable-mode context entry's P bit is 0 (SCT.2)";
    case 0x42: return "a reserved bit is set in the scalable-mode context "
                      "entry (SCT.3)";
    case 0x44: return "a translation or translated request and DTE=0 in the "
                      "context entry (SCT.5)";
    case 0x45: return "a request with PASID and PASIDE=0 in the context "
                      "entry (SCT.6)";
    case 0x46: return "the PASID is beyond the directory size PDTS allows "
                      "(SCT.7)";
    case 0x48: return "the request's PASID equals RID_PASID (SCT.9)";
    case 0x49: return "a translated request with PASID and EPTR=0 (SCT.10)";
    case 0x50: return "PASIDDIRPTR leads outside memory (SPD.1)";
    case 0x51: return "the PASID-directory entry's P bit is 0 (SPD.2)";
    case 0x52: return "a reserved bit is set in the PASID-directory entry "
                      "(SPD.3)";
    case 0x58: return "the directory's SMPTBLPTR leads outside memory "
                      "(SPT.1)";
    case 0x59: return "the PASID-table entry's P bit is 0 (SPT.2)";
    case 0x5a: return "a reserved bit is set in the PASID-table entry "
                      "(SPT.3)";
    case 0x5b: return "the PASID-table entry programs an unsupported AW, PGTT "
                      "or FSPM, or a nested FSPTPTR above the AW (SPT.4)";
    case 0x5c: return "an execute request and ECAP.ERS=0 (SPT.5)";
    case 0x5d: return "a privileged request and SRE=0 in the PASID-table "
                      "entry (SPT.6)";
    case 0x70: return "first stage: a table pointer leads outside memory "
                      "(SFS.1)";
    case 0x71: return "first stage: the last first-stage entry above has "
                      "P=0 (SFS.2)";
    case 0x72: return "first stage: a reserved bit is set in the last "
                      "first-stage entry above (SFS.3)";
    case 0x73: return "first stage: FSPTPTR leads outside memory (SFS.4)";
    case 0x74: return "nested: a first-stage entry points above the "
                      "second stage's address width (SFS.5)";
    case 0x75: return "nested: the second stage gives no read permission "
                      "for the first-stage root table (SFS.6)";
    case 0x76: return "nested: the second stage gives no read permission "
                      "for a first-stage table (SFS.7)";
    case 0x77: return "nested: setting a first-stage A/D bit needs write "
                      "permission the second stage does not give (SFS.8)";
    case 0x78: return "second stage: a table pointer leads outside memory "
                      "(SSS.1)";
    case 0x79: return "second stage: an entry above has R=W=0, or no "
                      "cumulative permission is left (SSS.2)";
    case 0x7a: return "second stage: a reserved bit is set in the last "
                      "second-stage entry above (SSS.3)";
    case 0x7b: return "second stage: SSPTPTR leads outside memory (SSS.4)";
    case 0x7c: return "second stage: an A/D bit needs setting but page walks "
                      "do not snoop (SSS.5)";
    case 0x7d: return "second stage: the A/D update failed (SSS.6)";
    case 0x80: return "first stage: the input address is not canonical "
                      "(SGN.1)";
    case 0x81: return "first stage: a user request met U/S=0 in an entry "
                      "above (SGN.2)";
    case 0x83: return "the address is above the host address width "
                      "(SGN.4)";
    case 0x84: return "the address is above 2^min(MGAW, AW) - 1 of the "
                      "second stage (SGN.5)";
    case 0x85: return "a write without write permission: R/W=0 in a "
                      "first-stage entry (user request, or WPE=1) or W=0 in "
                      "a second-stage entry above (SGN.6)";
    case 0x86: return "a read without read permission: R=0 in a "
                      "second-stage entry above (SGN.7)";
    case 0x87: return "the output address is in the interrupt range "
                      "FEEx_xxxxh (SGN.8)";
    case 0x89: return "the PASID is wider than ECAP.PSS allows (SGN.10)";
    case 0x90: return "first stage: an A/D bit needs setting but page walks "
                      "do not snoop (SFS.9)";
    case 0x91: return "first stage: the A/D update failed (SFS.10)";
    default: return NULL;
    }
}

bool explain_event(const struct vtd_event *ev, char *buf, size_t buflen)
{
    if (!buf || !buflen)
        return false;
    buf[0] = 0;
    if (!ev)
        return false;
    struct out o = { buf, buflen, 0 };
    char sid[16];
    sid_str(ev->sid, sid, sizeof(sid));
    switch (ev->kind) {
    case VTD_EV_WALK:
        walk_entry(&o, ev);
        return true;
    case VTD_EV_DMA:
        put(&o, "request %s", sid);
        if (ev->pasid != VTD_NO_PASID)
            put(&o, " PASID 0x%x", ev->pasid);
        if (ev->fault)
            put(&o, " IOVA 0x%" PRIx64 ": fault %#x (%s)", ev->addr,
                ev->fault, vtd_fault_reason_str(ev->fault));
        else
            put(&o, " IOVA 0x%" PRIx64 " -> 0x%" PRIx64, ev->addr,
                ev->val[0]);
        if (ev->msg)
            put(&o, " - %s", ev->msg);
        return true;
    case VTD_EV_FAULT: {
        const char *name = vtd_fault_reason_str(ev->fault);
        const char *why = fault_hint(ev->fault);
        put(&o, "fault %#x (%s) for %s, %s", ev->fault, name, sid,
            ev->recorded ? "recorded in a fault recording register"
                         : "not recorded (FPD, collapsed or overflow)");
        if (why)
            put(&o, "; decided by: %s", why);
        if (ev->msg && strcmp(ev->msg, name) != 0)
            put(&o, " - %s", ev->msg);
        return true;
    }
    case VTD_EV_INTERRUPT:
        put(&o, "interrupt request from %s", sid);
        if (ev->msg)
            put(&o, ": %s", ev->msg);
        return true;
    case VTD_EV_CACHE_STALE:
        put(&o, "lint: stale cache entry used for %s", sid);
        if (ev->msg)
            put(&o, ": %s", ev->msg);
        return true;
    case VTD_EV_NOTE:
        if (!ev->msg)
            return false;
        put(&o, "%s", ev->msg);
        return true;
    case VTD_EV_PAGE_REQ:
        put(&o, "page request from %s", sid);
        if (ev->pasid != VTD_NO_PASID)
            put(&o, " PASID 0x%x", ev->pasid);
        put(&o, " page 0x%" PRIx64 ": %s", ev->addr,
            ev->what ? ev->what : "");
        if (ev->what && strcmp(ev->what, "queued") == 0)
            put(&o, " at PQT offset 0x%" PRIx64 ", descriptor 0x%016" PRIx64
                " 0x%016" PRIx64 " (VT-d 7.4.1.1)", ev->val[2], ev->val[0],
                ev->val[1]);
        else if (ev->fault)
            put(&o, " by fault %#x (%s; VT-d 7.4.1, Table 30)", ev->fault,
                vtd_fault_reason_str(ev->fault));
        else if (ev->what && strcmp(ev->what, "overflow") == 0)
            put(&o, " (PRS.PRO set or queue full; VT-d 7.4.1)");
        return true;
    case VTD_EV_PAGE_RESP:
        put(&o, "page group response to %s: PRGI %" PRIu64 ", response "
            "code %" PRIu64 " (%s)", sid, ev->val[0], ev->val[1],
            ev->what && strcmp(ev->what, "auto") == 0
                ? "sent by the unit itself, VT-d 7.4.1 Table 31"
                : "from a page group response descriptor, VT-d 7.6.1");
        return true;
    case VTD_EV_INVALIDATION:
        put(&o, "invalidation %s", ev->what ? ev->what : "");
        if (ev->msg)
            put(&o, ": %s", ev->msg);
        return true;
    default:
        return false;
    }
}
