/* SPDX-License-Identifier: MIT */
/* platform/explain.c: trace events in the specification's terms. */
#include "explain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static uint64_t bits(uint64_t v, unsigned lo, unsigned len)
{
    return (v >> lo) & (len >= 64 ? ~0ULL : ((1ULL << len) - 1));
}

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
    snprintf(b, n, "%02x:%02x.%x", sid >> 8, (sid >> 3) & 0x1f, sid & 7);
}

static void walk_entry(struct out *o, const struct vtd_event *ev)
{
    const char *what = ev->what ? ev->what : "entry";
    uint64_t q0 = ev->nval > 0 ? ev->val[0] : 0;
    uint64_t q1 = ev->nval > 1 ? ev->val[1] : 0;
    if (strcmp(what, "root") == 0) {
        /* VT-d 9.1: P bit 0, CTP bits 63:12 (legacy: lower half). */
        put(o, "root entry for bus %02x at 0x%" PRIx64 ": P=%u CTP=0x%"
            PRIx64, ev->sid >> 8, ev->addr,
            (unsigned)bits(q0, 0, 1), (uint64_t)(q0 & ~(uint64_t)0xfff));
        if (ev->nval > 1)
            put(o, " (upper 0x%016" PRIx64 ")", q1);
    } else if (strcmp(what, "context") == 0) {
        /* VT-d 9.3: lo P 0, FPD 1, TT 3:2, SLPTPTR 63:12; hi AW 2:0,
         * DID 23:8. */
        char sid[16];
        sid_str(ev->sid, sid, sizeof(sid));
        put(o, "context entry for %s at 0x%" PRIx64 ": P=%u FPD=%u TT=%u%ub "
            "SLPTPTR=0x%" PRIx64 " AW=%u DID=0x%x", sid, ev->addr,
            (unsigned)bits(q0, 0, 1), (unsigned)bits(q0, 1, 1),
            (unsigned)bits(q0, 3, 1), (unsigned)bits(q0, 2, 1),
            (uint64_t)(q0 & ~(uint64_t)0xfff), (unsigned)bits(q1, 0, 3),
            (unsigned)bits(q1, 8, 16));
    } else if (strcmp(what, "sl") == 0 || strcmp(what, "fl") == 0) {
        /* VT-d 9.8 (second stage) / 9.7 (first stage): R/P bit 0, W bit
         * 1, PS bit 7, address bits 51:12. */
        bool sl = what[0] == 's';
        put(o, "%s-stage level-%d entry at 0x%" PRIx64, sl ? "second" :
            "first", ev->level, ev->addr);
        if (ev->level >= 1 && ev->level <= 5) {
            /* VT-d 3.6/3.7: level L is indexed by IOVA bits
             * 12+9L-1 : 12+9(L-1). */
            unsigned lo = 12 + 9 * (unsigned)(ev->level - 1);
            put(o, " [index %u = IOVA bits %u:%u]",
                (unsigned)((ev->addr & 0xfff) / 8), lo + 8, lo);
        }
        put(o, ": %s=%u W=%u", sl ? "R" : "P", (unsigned)bits(q0, 0, 1),
            (unsigned)bits(q0, 1, 1));
        if (sl)
            put(o, " X=%u", (unsigned)bits(q0, 2, 1));
        else
            put(o, " U=%u XD=%u", (unsigned)bits(q0, 2, 1),
                (unsigned)bits(q0, 63, 1));
        put(o, " PS=%u ADDR=0x%" PRIx64, (unsigned)bits(q0, 7, 1),
            (uint64_t)(q0 & (uint64_t)0x000ffffffffff000));
        if (bits(q0, 0, 2) == 0 && sl)
            put(o, " (not present: R=W=0)");
        else if (bits(q0, 7, 1) && ev->level > 1)
            put(o, " (leaf: %s page)", ev->level == 2 ? "2 MiB" :
                ev->level == 3 ? "1 GiB" : "large");
        else if (ev->level == 1)
            put(o, " (leaf: 4 KiB page)");
    } else if (strcmp(what, "irte") == 0) {
        /* VT-d 9.9 (9.10 when IM=1): P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, IM 15, V
         * 23:16, DST 63:32; hi: SID 15:0, SQ 17:16, SVT 19:18. */
        if (bits(q0, 15, 1)) {
            put(o, "IRTE (posted, IM=1) at 0x%" PRIx64 ": P=%u FPD=%u "
                "URG=%u VV=0x%02x PDA=0x%" PRIx64, ev->addr,
                (unsigned)bits(q0, 0, 1), (unsigned)bits(q0, 1, 1),
                (unsigned)bits(q0, 14, 1), (unsigned)bits(q0, 16, 8),
                (bits(q1, 32, 32) << 32) | (bits(q0, 38, 26) << 6));
        } else {
            put(o, "IRTE at 0x%" PRIx64 ": P=%u FPD=%u DM=%u RH=%u TM=%u "
                "DLM=%u V=0x%02x DST=0x%x", ev->addr,
                (unsigned)bits(q0, 0, 1), (unsigned)bits(q0, 1, 1),
                (unsigned)bits(q0, 2, 1), (unsigned)bits(q0, 3, 1),
                (unsigned)bits(q0, 4, 1), (unsigned)bits(q0, 5, 3),
                (unsigned)bits(q0, 16, 8), (unsigned)bits(q0, 32, 32));
        }
        char sid[16];
        sid_str((uint16_t)bits(q1, 0, 16), sid, sizeof(sid));
        put(o, " SVT=%u SQ=%u SID=%s", (unsigned)bits(q1, 18, 2),
            (unsigned)bits(q1, 16, 2), sid);
    } else {
        /* pasid-dir, pasid, pid and anything newer: P and raw qwords. */
        put(o, "%s entry at 0x%" PRIx64 ": P=%u", what, ev->addr,
            (unsigned)bits(q0, 0, 1));
        for (unsigned i = 0; i < ev->nval && i < 8; i++)
            put(o, " q%u=0x%016" PRIx64, i, ev->val[i]);
    }
    if (ev->msg)
        put(o, " - %s", ev->msg);
}

/* What decided a legacy-mode fault, in the terms of VT-d 7.1.3 Table 30. */
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
    case VTD_EV_INVALIDATION:
        put(&o, "invalidation %s", ev->what ? ev->what : "");
        if (ev->msg)
            put(&o, ": %s", ev->msg);
        return true;
    default:
        return false;
    }
}
