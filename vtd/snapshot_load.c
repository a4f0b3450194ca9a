/* SPDX-License-Identifier: MIT */
/*
 * vtd/snapshot_load.c: vtd_load(), the reader of the stream vtd_save()
 * writes (snapshot.c; include/vtd/snapshot.h, docs/snapshot.md).
 *
 * A load decodes and checks the whole stream into a staging area first and
 * touches the unit only when everything is valid, so a bad stream leaves
 * the unit as it was.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"
#include "reentry.h"
#include "snapshot_fmt.h"

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

struct snap_reader {
    const uint8_t *p;
    size_t len, pos;
    bool over;         /* a read went past the end */
};

static uint64_t get_le(struct snap_reader *r, unsigned n)
{
    if (r->over || r->len - r->pos < n) {
        r->over = true;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)r->p[r->pos + i] << (8 * i);
    r->pos += n;
    return v;
}

static uint8_t get8(struct snap_reader *r) { return (uint8_t)get_le(r, 1); }
static uint16_t get16(struct snap_reader *r) { return (uint16_t)get_le(r, 2); }
static uint32_t get32(struct snap_reader *r) { return (uint32_t)get_le(r, 4); }
static uint64_t get64(struct snap_reader *r) { return get_le(r, 8); }

struct reg_rec {
    uint32_t off, size;
    uint64_t val;
};

struct set_rec {
    uint8_t t, mask;
    uint32_t set, next;
    uint64_t e[4][6];
};

struct fast_rec {
    uint32_t slot;
    uint64_t f[4];
};

struct iec_rec {
    uint32_t index;
    uint64_t q0, q1;
};

struct psc_rec {
    uint32_t set, way;
    uint64_t e[3];
};

/* Everything a stream says, checked before the unit is touched. */
struct stage {
    bool have_conf, have_regs, have_unit, have_cache, have_stat, have_pscc;
    bool have_atsi;
    struct vtd_ats_state ats;   /* ATSI (zero without it) */
    uint64_t cap, ecap;
    uint32_t ver, haw, flags;
    struct reg_rec *regs;
    uint32_t nregs;
    uint64_t root, irta;
    uint8_t te, ire, cfi, qie;
    uint32_t fault_next;
    uint8_t pmr_on, pmr_pad8;
    uint16_t pmr_pad16;
    uint64_t pmr[4];
    bool cache_use;      /* the cache section applies to this unit */
    GArray *sets, *fast, *iec;
    GArray *psc;         /* struct psc_rec, or NULL: dropped */
    uint64_t stat[STAT_COUNT];
};

static void stage_free(struct stage *s)
{
    g_free(s->regs);
    if (s->sets)
        g_array_free(s->sets, TRUE);
    if (s->fast)
        g_array_free(s->fast, TRUE);
    if (s->iec)
        g_array_free(s->iec, TRUE);
    if (s->psc)
        g_array_free(s->psc, TRUE);
}

static int fail(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static int fail(char *errbuf, size_t errlen, int rc, const char *fmt, ...)
{
    if (errbuf && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static char tag_char(uint32_t tag, unsigned i)
{
    char c = (char)(tag >> (8 * i));
    return c >= 0x20 && c < 0x7f ? c : '?';
}

#define TAGFMT "'%c%c%c%c'"
#define TAGARG(t) tag_char(t, 0), tag_char(t, 1), tag_char(t, 2), tag_char(t, 3)

static int read_conf(struct snap_reader *r, struct stage *s, char *eb, size_t el)
{
    if (r->len != CONF_SIZE)
        return fail(eb, el, -EPROTO,
                    "snapshot: CONF section of %zu bytes, expected %u",
                    r->len, CONF_SIZE);
    s->cap = get64(r);
    s->ecap = get64(r);
    s->ver = get32(r);
    s->haw = get32(r);
    s->flags = get32(r);
    if (s->flags & ~CONF_KNOWN)
        return fail(eb, el, -EPROTO,
                    "snapshot: CONF flags 0x%x has reserved bits set",
                    s->flags);
    return 0;
}

static int read_regs(struct snap_reader *r, struct stage *s, char *eb, size_t el)
{
    uint32_t n = get32(r);
    if (r->over || (uint64_t)n * 16 != r->len - r->pos)
        return fail(eb, el, -EPROTO,
                    "snapshot: REGS section of %zu bytes does not hold "
                    "the %" PRIu32 " registers it counts", r->len, n);
    s->regs = g_try_new0(struct reg_rec, n ? n : 1);
    if (!s->regs)
        return fail(eb, el, -ENOMEM, "snapshot: out of memory");
    s->nregs = n;
    for (uint32_t i = 0; i < n; i++) {
        s->regs[i].off = get32(r);
        s->regs[i].size = get32(r);
        s->regs[i].val = get64(r);
    }
    return 0;
}

static int read_unit(struct snap_reader *r, struct stage *s, char *eb, size_t el)
{
    if (r->len != UNIT_SIZE)
        return fail(eb, el, -EPROTO,
                    "snapshot: UNIT section of %zu bytes, expected %u",
                    r->len, UNIT_SIZE);
    s->root = get64(r);
    s->irta = get64(r);
    s->te = get8(r);
    s->ire = get8(r);
    s->cfi = get8(r);
    s->qie = get8(r);
    s->fault_next = get32(r);
    s->pmr_on = get8(r);
    s->pmr_pad8 = get8(r);
    s->pmr_pad16 = get16(r);
    for (unsigned i = 0; i < 4; i++)
        s->pmr[i] = get64(r);
    return 0;
}

static int read_cache(struct vtd_iommu *u, struct snap_reader *r, struct stage *s,
                      char *eb, size_t el)
{
    struct vtd_cache_geom g, sg;
    vtd_cache_geom_(&g);
    sg.layout = get32(r);
    sg.ways = get32(r);
    for (unsigned t = 0; t < VTD_CT_N; t++)
        sg.sets[t] = get32(r);
    sg.fast = get32(r);
    uint32_t iec_slots = get32(r);
    if (r->over)
        return fail(eb, el, -EPROTO, "snapshot: cach section truncated");
    /* Another geometry, or a unit that does not cache: drop the caches,
     * which hardware may do at any time (VT-d 6.2.4: "may evict or
     * invalidate any IOTLB entry at any time"). */
    if (memcmp(&g, &sg, sizeof(g)) != 0 || iec_slots != vtd_ir_iec_slots_() ||
        u->cfg.cache == VTD_CACHE_NONE)
        return 0;

    s->cache_use = true;
    s->sets = g_array_new(FALSE, TRUE, sizeof(struct set_rec));
    s->fast = g_array_new(FALSE, TRUE, sizeof(struct fast_rec));
    s->iec = g_array_new(FALSE, TRUE, sizeof(struct iec_rec));
    uint8_t *seen_set[VTD_CT_N];
    for (unsigned t = 0; t < VTD_CT_N; t++)
        seen_set[t] = g_malloc0(g.sets[t]);
    uint8_t *seen_fast = g_malloc0(g.fast);
    uint8_t *seen_iec = g_malloc0(iec_slots);
    int rc = 0;

    uint32_t n = get32(r);
    for (uint32_t i = 0; i < n && !r->over && rc == 0; i++) {
        struct set_rec sr = { 0 };
        sr.t = get8(r);
        sr.mask = get8(r);
        uint16_t pad = get16(r);
        sr.set = get32(r);
        sr.next = get32(r);
        for (unsigned w = 0; w < 4; w++)
            if (sr.mask & (1u << w))
                for (unsigned k = 0; k < 6; k++)
                    sr.e[w][k] = get64(r);
        if (r->over)
            break;
        if (sr.t >= VTD_CT_N || (sr.mask >> g.ways) || pad ||
            sr.set >= g.sets[sr.t] || seen_set[sr.t][sr.set]) {
            rc = fail(eb, el, -EPROTO,
                      "snapshot: cache set record %" PRIu32
                      " (table %u, set %" PRIu32 ", ways 0x%x) is not valid",
                      i, sr.t, sr.set, sr.mask);
            break;
        }
        seen_set[sr.t][sr.set] = 1;
        for (unsigned w = 0; w < 4 && rc == 0; w++)
            if ((sr.mask & (1u << w)) &&
                !vtd_cache_slot_ok_(u, sr.t, sr.set, sr.e[w]))
                rc = fail(eb, el, -EPROTO,
                          "snapshot: cache entry (table %u, set %" PRIu32
                          ", way %u) is malformed or in the wrong set",
                          sr.t, sr.set, w);
        g_array_append_val(s->sets, sr);
    }
    n = rc ? 0 : get32(r);
    for (uint32_t i = 0; i < n && !r->over && rc == 0; i++) {
        struct fast_rec fr;
        fr.slot = get32(r);
        fr.f[0] = get64(r);
        fr.f[1] = get64(r);
        fr.f[2] = get64(r);
        fr.f[3] = get16(r);
        if (r->over)
            break;
        if (fr.slot >= g.fast || seen_fast[fr.slot] ||
            !vtd_cache_fast_ok_(u, fr.slot, fr.f)) {
            rc = fail(eb, el, -EPROTO,
                      "snapshot: front-cache record %" PRIu32
                      " (slot %" PRIu32 ") is malformed or misplaced", i,
                      fr.slot);
            break;
        }
        seen_fast[fr.slot] = 1;
        g_array_append_val(s->fast, fr);
    }
    n = rc ? 0 : get32(r);
    for (uint32_t i = 0; i < n && !r->over && rc == 0; i++) {
        struct iec_rec ir;
        ir.index = get32(r);
        ir.q0 = get64(r);
        ir.q1 = get64(r);
        if (r->over)
            break;
        if (ir.index > 0xffff || seen_iec[ir.index % iec_slots]) {
            rc = fail(eb, el, -EPROTO,
                      "snapshot: interrupt entry cache record %" PRIu32
                      " (index %" PRIu32 ") is out of range or a duplicate",
                      i, ir.index);
            break;
        }
        seen_iec[ir.index % iec_slots] = 1;
        g_array_append_val(s->iec, ir);
    }
    if (rc == 0 && (r->over || r->pos != r->len))
        rc = fail(eb, el, -EPROTO,
                  "snapshot: cach section of %zu bytes does not match the "
                  "records it counts", r->len);
    for (unsigned t = 0; t < VTD_CT_N; t++)
        g_free(seen_set[t]);
    g_free(seen_fast);
    g_free(seen_iec);
    return rc;
}

static int read_atsi(struct snap_reader *r, struct stage *s, char *eb, size_t el)
{
    struct vtd_ats_state *a = &s->ats;
    a->now = get64(r);
    a->timeout = get64(r);
    a->seq = get64(r);
    uint32_t n = get32(r);
    if (r->over || a->timeout == 0 || n > VTD_ATS_ITAGS ||
        r->len - r->pos != (size_t)n * 60)
        return fail(eb, el, -EPROTO, "snapshot: ATSI section is malformed");
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = get32(r);
        if (i >= VTD_ATS_ITAGS || a->itag[i].busy)
            return fail(eb, el, -EPROTO,
                        "snapshot: ATSI ITag %" PRIu32 " invalid or twice", i);
        struct vtd_ats_itag_ *t = &a->itag[i];
        t->busy = true;
        t->seq = get64(r);
        uint32_t sid = get32(r), pasid = get32(r), fl = get32(r);
        t->inv.addr = get64(r);
        uint32_t pfsid = get32(r), mip = get32(r);
        t->inv.issued_ns = get64(r);
        t->inv.deadline_ns = get64(r);
        t->inv.completions = get32(r);
        if (sid > 0xffff || (pasid != VTD_NO_PASID && pasid > VTD_PASID_MAX) ||
            fl > 3 || pfsid > 0xffff || mip > 31 ||
            t->inv.completions > 7 || (t->inv.addr & ~VTD_PAGE_MASK) ||
            t->seq > a->seq || t->seq == 0)
            return fail(eb, el, -EPROTO,
                        "snapshot: ATSI record for ITag %" PRIu32
                        " is not valid", i);
        t->inv.sid = (uint16_t)sid;
        t->inv.pasid = pasid;
        t->inv.global = fl & 1;
        t->inv.s = (fl & 2) != 0;
        t->inv.pfsid = (uint16_t)pfsid;
        t->inv.mip = mip;
        t->inv.itag = i;
        t->inv.size = vtd_ats_size_decode(t->inv.addr, t->inv.s);
        t->inv.base = t->inv.size ? t->inv.addr & ~(t->inv.size - 1) : 0;
        a->busy++;
    }
    return 0;
}

static int read_pscc(struct vtd_iommu *u, struct snap_reader *r, struct stage *s,
                     char *eb, size_t el)
{
    uint32_t layout, sets, ways;
    vtd_psc_geom_(&layout, &sets, &ways);
    uint32_t sl = get32(r), ss = get32(r), sw = get32(r), n = get32(r);
    if (r->over)
        return fail(eb, el, -EPROTO, "snapshot: pscc section truncated");
    /* Another layout or geometry, or a unit without paging-structure
     * caches: drop them (VT-d 6.2.5.5). */
    if (sl != layout || ss != sets || sw != ways || !u->psc.on ||
        u->cfg.cache == VTD_CACHE_NONE)
        return 0;
    if (n > sets * ways || r->len - r->pos != (size_t)n * 32)
        return fail(eb, el, -EPROTO,
                    "snapshot: pscc section of %zu bytes does not match the "
                    "%" PRIu32 " records it counts", r->len, n);
    s->psc = g_array_new(FALSE, TRUE, sizeof(struct psc_rec));
    uint8_t *seen = g_malloc0((size_t)sets * ways);
    int rc = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct psc_rec pr;
        pr.set = get32(r);
        pr.way = get32(r);
        for (unsigned k = 0; k < 3; k++)
            pr.e[k] = get64(r);
        if (pr.set >= sets || pr.way >= ways ||
            seen[(size_t)pr.set * ways + pr.way] ||
            !vtd_psc_slot_ok_(u, pr.set, pr.e)) {
            rc = fail(eb, el, -EPROTO,
                      "snapshot: paging-structure cache record %" PRIu32
                      " (set %" PRIu32 ", way %" PRIu32 ") is not valid", i,
                      pr.set, pr.way);
            break;
        }
        seen[(size_t)pr.set * ways + pr.way] = 1;
        g_array_append_val(s->psc, pr);
    }
    g_free(seen);
    return rc;
}

static int read_stat(struct snap_reader *r, struct stage *s, char *eb, size_t el)
{
    if (r->len != STAT_COUNT * 8)
        return fail(eb, el, -EPROTO,
                    "snapshot: stat section of %zu bytes, expected %u",
                    r->len, STAT_COUNT * 8);
    for (unsigned i = 0; i < STAT_COUNT; i++)
        s->stat[i] = get64(r);
    /* fault.c: every detected fault is counted once more, as recorded,
     * suppressed, collapsed or overflowed (an invariant the fuzzers
     * check; a stream must not break it). */
    uint64_t sum = s->stat[1] + s->stat[2] + s->stat[3] + s->stat[4];
    if (sum != s->stat[0])
        return fail(eb, el, -EPROTO,
                    "snapshot: stat section: %" PRIu64 " faults detected "
                    "but %" PRIu64 " accounted for", s->stat[0], sum);
    return 0;
}

/* Header, length, CRC, version, then the sections into s. */
static int parse(struct vtd_iommu *u, const uint8_t *p, size_t len,
                 struct stage *s, char *eb, size_t el)
{
    if (len < sizeof(snap_magic) ||
        memcmp(p, snap_magic, sizeof(snap_magic)) != 0) {
        if (len < sizeof(snap_magic) &&
            memcmp(p, snap_magic, len) == 0)
            return fail(eb, el, -EMSGSIZE,
                        "snapshot: truncated: %zu bytes, the header alone "
                        "needs %u", len, SNAP_HDR_SIZE + SNAP_CRC_SIZE);
        return fail(eb, el, -EINVAL,
                    "snapshot: not a vtdemu snapshot (magic \"VTDSNAP\" "
                    "missing)");
    }
    if (len < SNAP_HDR_SIZE + SNAP_CRC_SIZE)
        return fail(eb, el, -EMSGSIZE,
                    "snapshot: truncated: %zu bytes, the header alone needs "
                    "%u", len, SNAP_HDR_SIZE + SNAP_CRC_SIZE);
    struct snap_reader h = { .p = p, .len = SNAP_HDR_SIZE, .pos = 8 };
    uint32_t version = get32(&h);
    uint32_t flags = get32(&h);
    uint64_t total = get64(&h);
    if (total > len)
        return fail(eb, el, -EMSGSIZE,
                    "snapshot: truncated: %zu bytes, the header declares %"
                    PRIu64, len, total);
    if (total < len)
        return fail(eb, el, -EMSGSIZE,
                    "snapshot: %zu bytes given, the header declares %" PRIu64
                    " (trailing bytes)", len, total);
    uint32_t want = (uint32_t)p[len - 4] | (uint32_t)p[len - 3] << 8 |
                    (uint32_t)p[len - 2] << 16 | (uint32_t)p[len - 1] << 24;
    uint32_t got = vtd_snap_crc32_(p, len - SNAP_CRC_SIZE);
    if (want != got)
        return fail(eb, el, -EBADMSG,
                    "snapshot: corrupted: CRC-32 0x%08" PRIx32 " does not "
                    "match the stored 0x%08" PRIx32, got, want);
    if (version == 0 || version > VTD_SNAPSHOT_VERSION)
        return fail(eb, el, -EPROTONOSUPPORT,
                    "snapshot: stream version %" PRIu32 ", this library "
                    "reads versions 1 to %d", version, VTD_SNAPSHOT_VERSION);
    if (flags)
        return fail(eb, el, -EPROTO,
                    "snapshot: header flags 0x%" PRIx32 " are reserved",
                    flags);

    struct snap_reader r = { .p = p, .len = len - SNAP_CRC_SIZE,
                    .pos = SNAP_HDR_SIZE };
    while (r.pos < r.len) {
        size_t at = r.pos;
        uint32_t tag = get32(&r);
        uint32_t n = get32(&r);
        if (r.over || n > r.len - r.pos)
            return fail(eb, el, -EPROTO,
                        "snapshot: section at byte %zu runs past the end",
                        at);
        struct snap_reader sr = { .p = p + r.pos, .len = n };
        r.pos += n;
        bool *have = NULL;
        int rc = 0;
        switch (tag) {
        case TAG_CONF:
            have = &s->have_conf;
            break;
        case TAG_REGS:
            have = &s->have_regs;
            break;
        case TAG_UNIT:
            have = &s->have_unit;
            break;
        case TAG_CACH:
            have = &s->have_cache;
            break;
        case TAG_STAT:
            have = &s->have_stat;
            break;
        case TAG_PSCC:
            have = &s->have_pscc;
            break;
        case TAG_ATSI:
            have = &s->have_atsi;
            break;
        default:
            /* Lower-case first letter: optional, skip; otherwise a
             * section this version does not know and may not ignore. */
            if ((tag & 0xff) >= 'a' && (tag & 0xff) <= 'z')
                continue;
            return fail(eb, el, -EPROTO,
                        "snapshot: unknown required section " TAGFMT
                        " at byte %zu", TAGARG(tag), at);
        }
        if (*have)
            return fail(eb, el, -EPROTO,
                        "snapshot: section " TAGFMT " appears twice",
                        TAGARG(tag));
        *have = true;
        switch (tag) {
        case TAG_CONF:
            rc = read_conf(&sr, s, eb, el);
            break;
        case TAG_REGS:
            rc = read_regs(&sr, s, eb, el);
            break;
        case TAG_UNIT:
            rc = read_unit(&sr, s, eb, el);
            break;
        case TAG_CACH:
            rc = read_cache(u, &sr, s, eb, el);
            break;
        case TAG_STAT:
            rc = read_stat(&sr, s, eb, el);
            break;
        case TAG_PSCC:
            rc = read_pscc(u, &sr, s, eb, el);
            break;
        case TAG_ATSI:
            rc = read_atsi(&sr, s, eb, el);
            break;
        }
        if (rc < 0)
            return rc;
    }
    if (!s->have_conf || !s->have_regs || !s->have_unit)
        return fail(eb, el, -EPROTO,
                    "snapshot: required section %s missing",
                    !s->have_conf ? "CONF" : !s->have_regs ? "REGS"
                                                           : "UNIT");
    return 0;
}

/* The stream's unit must be configured as this one. */
static int check_conf(struct vtd_iommu *u, const struct stage *s, char *eb,
                      size_t el)
{
    uint32_t ver = vtd_reg_get32_(u, VTD_REG_VER);
    if (s->cap != u->cap)
        return fail(eb, el, -ENOTSUP,
                    "snapshot: CAP differs: stream 0x%016" PRIx64
                    ", unit 0x%016" PRIx64, s->cap, u->cap);
    if (s->ecap != u->ecap)
        return fail(eb, el, -ENOTSUP,
                    "snapshot: ECAP differs: stream 0x%016" PRIx64
                    ", unit 0x%016" PRIx64, s->ecap, u->ecap);
    if (s->ver != ver)
        return fail(eb, el, -ENOTSUP,
                    "snapshot: VER differs: stream 0x%" PRIx32
                    ", unit 0x%" PRIx32, s->ver, ver);
    if (s->haw != u->haw)
        return fail(eb, el, -ENOTSUP,
                    "snapshot: host address width differs: stream %" PRIu32
                    " bits, unit %u", s->haw, u->haw);
    bool nc = s->flags & CONF_NO_COLLAPSE;
    if (nc != u->cfg.no_fault_collapse)
        return fail(eb, el, -ENOTSUP,
                    "snapshot: fault collapsing differs: stream %s, unit %s "
                    "(vtd_config.no_fault_collapse)",
                    nc ? "off" : "on", u->cfg.no_fault_collapse ? "off"
                                                                : "on");
    return 0;
}

static uint64_t stage_reg(const struct stage *s, uint32_t off)
{
    for (uint32_t i = 0; i < s->nregs; i++)
        if (s->regs[i].off == off)
            return s->regs[i].val;
    return 0;
}

/* Every register of the unit exactly once, the right size, and values the
 * unit can hold. */
static int check_regs(struct vtd_iommu *u, const struct stage *s, char *eb,
                      size_t el)
{
    if (s->nregs != u->regs.nregs)
        return fail(eb, el, -EPROTO,
                    "snapshot: %" PRIu32 " registers in the stream, the "
                    "unit has %u", s->nregs, u->regs.nregs);
    uint8_t *seen = g_try_malloc0(u->regs.nregs ? u->regs.nregs : 1);
    if (!seen)
        return fail(eb, el, -ENOMEM, "snapshot: out of memory");
    int rc = 0;
    for (uint32_t i = 0; i < s->nregs && rc == 0; i++) {
        const struct reg_rec *rr = &s->regs[i];
        const struct vtd_reg *r = vtd_reg_find_(u, rr->off);
        if (!r || r->off != rr->off || r->size != rr->size) {
            rc = fail(eb, el, -EPROTO,
                      "snapshot: register at offset 0x%" PRIx32 " size %"
                      PRIu32 " is not a register of this unit", rr->off,
                      rr->size);
            break;
        }
        size_t idx = (size_t)(r - u->regs.regs);
        if (seen[idx]) {
            rc = fail(eb, el, -EPROTO,
                      "snapshot: register %s (0x%" PRIx32 ") given twice",
                      r->name, rr->off);
            break;
        }
        seen[idx] = 1;
        if (r->size == 4 && rr->val > 0xffffffffULL)
            rc = fail(eb, el, -EPROTO,
                      "snapshot: 32-bit register %s holds 0x%" PRIx64,
                      r->name, rr->val);
    }
    g_free(seen);
    if (rc)
        return rc;
    /* Read-only identity registers must match CONF. */
    if (stage_reg(s, VTD_REG_CAP) != u->cap ||
        stage_reg(s, VTD_REG_ECAP) != u->ecap ||
        stage_reg(s, VTD_REG_VER) != vtd_reg_get32_(u, VTD_REG_VER))
        return fail(eb, el, -EPROTO,
                    "snapshot: VER/CAP/ECAP registers disagree with the "
                    "CONF section");
    return 0;
}

static int check_unit(struct vtd_iommu *u, const struct stage *s, char *eb,
                      size_t el)
{
    uint32_t gsts = (uint32_t)stage_reg(s, VTD_REG_GSTS);
    if (s->te > 1 || s->ire > 1 || s->cfi > 1 || s->qie > 1 ||
        s->pmr_on > 1 || s->pmr_pad8 || s->pmr_pad16)
        return fail(eb, el, -EPROTO,
                    "snapshot: UNIT flags %u/%u/%u/%u/%u not 0 or 1 (or "
                    "padding not 0)", s->te, s->ire, s->cfi, s->qie,
                    s->pmr_on);
    /* The enables mirror GSTS (regs.c gcmd_write keeps them equal). */
    if (s->te != !!(gsts & VTD_GSTS_TES) ||
        s->ire != !!(gsts & VTD_GSTS_IRES) ||
        s->cfi != !!(gsts & VTD_GSTS_CFIS) ||
        s->qie != !!(gsts & VTD_GSTS_QIES))
        return fail(eb, el, -EPROTO,
                    "snapshot: UNIT enables (TE %u, IRE %u, CFI %u, QIE %u) "
                    "disagree with GSTS 0x%08" PRIx32, s->te, s->ire, s->cfi,
                    s->qie, gsts);
    /* VT-d 7.2.1: the fault recording index selects one of NFR records. */
    if (s->fault_next >= u->nfr)
        return fail(eb, el, -EPROTO,
                    "snapshot: fault recording index %" PRIu32
                    " beyond CAP.NFR (%u records)", s->fault_next, u->nfr);
    return 0;
}

static void apply(struct vtd_iommu *u, const struct stage *s)
{
    pthread_mutex_lock(&u->lock);
    for (uint32_t i = 0; i < s->nregs; i++) {
        if (s->regs[i].size == 8)
            vtd_reg_set64_(u, s->regs[i].off, s->regs[i].val);
        else
            vtd_reg_set32_(u, s->regs[i].off, (uint32_t)s->regs[i].val);
    }
    atomic_store(&u->root_latched, s->root);
    atomic_store(&u->te, s->te != 0);
    /* Protected memory regions as latched at the source (VT-d 11.4.8),
     * not re-derived from base/limit registers written since. */
    atomic_store(&u->pmr_on, false);
    atomic_store(&u->pmr_lo_base, s->pmr[0]);
    atomic_store(&u->pmr_lo_end, s->pmr[1]);
    atomic_store(&u->pmr_hi_base, s->pmr[2]);
    atomic_store(&u->pmr_hi_end, s->pmr[3]);
    atomic_store(&u->pmr_on, s->pmr_on != 0);
    atomic_store(&u->ir.irta, s->irta);
    atomic_store(&u->ir.enabled, s->ire != 0);
    atomic_store(&u->ir.cfi, s->cfi != 0);
    u->qi.enabled = s->qie != 0;
    u->fault.next = s->fault_next;

    /* Whatever the unit cached before belongs to another history. */
    vtd_cache_load_begin_(u);
    vtd_ir_iec_load_begin_(u);
    /* Device-TLB invalidations in flight (vtd/ats.c): as the stream
     * says, none without ATSI. */
    if (s->have_atsi) {
        u->ats = s->ats;
    } else {
        memset(&u->ats, 0, sizeof(u->ats));
        vtd_ats_reset_(u);
    }
    if (s->cache_use) {
        for (guint i = 0; i < s->sets->len; i++) {
            const struct set_rec *sr =
                &g_array_index(s->sets, struct set_rec, i);
            for (unsigned w = 0; w < 4; w++)
                if (sr->mask & (1u << w))
                    vtd_cache_slot_put_(u, sr->t, sr->set, w, sr->e[w]);
            vtd_cache_set_next_put_(u, sr->t, sr->set, sr->next);
        }
        for (guint i = 0; i < s->fast->len; i++) {
            const struct fast_rec *fr =
                &g_array_index(s->fast, struct fast_rec, i);
            vtd_cache_fast_put_(u, fr->slot, fr->f);
        }
        for (guint i = 0; i < s->iec->len; i++) {
            const struct iec_rec *ir =
                &g_array_index(s->iec, struct iec_rec, i);
            vtd_ir_iec_put_(u, ir->index, ir->q0, ir->q1);
        }
    }
    /* vtd_cache_load_begin_() emptied the paging-structure caches. */
    if (s->cache_use && s->psc)
        for (guint i = 0; i < s->psc->len; i++) {
            const struct psc_rec *pr =
                &g_array_index(s->psc, struct psc_rec, i);
            vtd_psc_slot_put_(u, pr->set, pr->way, pr->e);
        }
    if (s->have_stat) {
        atomic_store(&u->count.faults_detected, s->stat[0]);
        atomic_store(&u->count.faults_recorded, s->stat[1]);
        atomic_store(&u->count.faults_suppressed, s->stat[2]);
        atomic_store(&u->count.faults_collapsed, s->stat[3]);
        atomic_store(&u->count.faults_overflow, s->stat[4]);
        for (unsigned i = 0; i < VTD_SHARDS; i++) {
            atomic_store(&u->shard[i].iotlb_hits, i ? 0 : s->stat[5]);
            atomic_store(&u->shard[i].iotlb_misses, i ? 0 : s->stat[6]);
        }
        atomic_store(&u->count.invalidations, s->stat[7]);
    }
    /* The translation changed as a whole with no invalidation: bring the
     * caching-mode subscribers to what the unit translates now. */
    vtd_notify_resync_locked_(u);
    pthread_mutex_unlock(&u->lock);
}

int vtd_load(struct vtd_iommu *u, const void *buf, size_t len, char *errbuf,
             size_t errlen)
{
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (!u || !buf)
        return fail(errbuf, errlen, -EINVAL, "snapshot: NULL argument");
    if (vtd_in_callback_(u))
        return fail(errbuf, errlen, -EDEADLK,
                    "snapshot: called from a host callback of the unit");
    struct stage s = { 0 };
    int rc = parse(u, buf, len, &s, errbuf, errlen);
    if (rc == 0)
        rc = check_conf(u, &s, errbuf, errlen);
    if (rc == 0)
        rc = check_regs(u, &s, errbuf, errlen);
    if (rc == 0)
        rc = check_unit(u, &s, errbuf, errlen);
    if (rc == 0)
        apply(u, &s);
    stage_free(&s);
    return rc;
}
