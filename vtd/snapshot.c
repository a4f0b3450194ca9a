/* SPDX-License-Identifier: MIT */
/*
 * vtd/snapshot.c: vtd_save(), the unit's state as a byte stream for live
 * migration (include/vtd/snapshot.h; the format table is in
 * docs/snapshot.md); vtd_load() is in snapshot_load.c.
 *
 * Every field is written one by one, little-endian; no struct is dumped.
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
/* CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, init and final  */
/* complement), the same value zlib's crc32() gives.                   */
/* ------------------------------------------------------------------ */

uint32_t vtd_snap_crc32_(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static void put_le(GByteArray *b, uint64_t v, unsigned n)
{
    uint8_t t[8];
    for (unsigned i = 0; i < n; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    g_byte_array_append(b, t, n);
}

static void put8(GByteArray *b, uint8_t v) { put_le(b, v, 1); }
static void put16(GByteArray *b, uint16_t v) { put_le(b, v, 2); }
static void put32(GByteArray *b, uint32_t v) { put_le(b, v, 4); }
static void put64(GByteArray *b, uint64_t v) { put_le(b, v, 8); }

static void patch32(GByteArray *b, size_t at, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        b->data[at + i] = (uint8_t)(v >> (8 * i));
}

/* Start a section; returns the offset of its length field. */
static size_t sec_begin(GByteArray *b, uint32_t tag)
{
    put32(b, tag);
    size_t at = b->len;
    put32(b, 0);
    return at;
}

static void sec_end(GByteArray *b, size_t at)
{
    patch32(b, at, (uint32_t)(b->len - at - 4));
}

static void save_conf(struct vtd_iommu *u, GByteArray *b)
{
    size_t at = sec_begin(b, TAG_CONF);
    uint32_t flags = 0;
    if (u->cfg.no_fault_collapse)
        flags |= CONF_NO_COLLAPSE;
    if (u->cfg.cache == VTD_CACHE_NONE)
        flags |= CONF_CACHE_NONE;
    if (u->cfg.lint)
        flags |= CONF_LINT;
    if (u->psc.on)
        flags |= CONF_PSC;
    put64(b, u->cap);
    put64(b, u->ecap);
    put32(b, vtd_reg_get32_(u, VTD_REG_VER));
    put32(b, u->haw);
    put32(b, flags);
    sec_end(b, at);
}

/* Registers in ascending offset order (a 128-bit FRCD is two 8-byte
 * halves, as the register table holds it). */
static void save_regs(struct vtd_iommu *u, GByteArray *b)
{
    size_t at = sec_begin(b, TAG_REGS);
    put32(b, u->regs.nregs);
    for (uint64_t off = 0; off < u->mmio_size; off += 4) {
        const struct vtd_reg *r = vtd_reg_find_(u, off);
        if (!r || r->off != off)
            continue;
        put32(b, r->off);
        put32(b, r->size);
        put64(b, r->size == 8 ? vtd_reg_get64_(u, r->off)
                              : vtd_reg_get32_(u, r->off));
    }
    sec_end(b, at);
}

static void save_unit(struct vtd_iommu *u, GByteArray *b)
{
    size_t at = sec_begin(b, TAG_UNIT);
    put64(b, atomic_load(&u->root_latched));
    put64(b, atomic_load(&u->ir.irta));
    put8(b, atomic_load(&u->te));
    put8(b, atomic_load(&u->ir.enabled));
    put8(b, atomic_load(&u->ir.cfi));
    put8(b, u->qi.enabled);
    put32(b, u->fault.next);
    /* Protected memory regions as latched by the last PMEN write (VT-d
     * 11.4.8): base/limit registers written since do not count. */
    put8(b, atomic_load(&u->pmr_on));
    put8(b, 0);
    put16(b, 0);
    put64(b, atomic_load(&u->pmr_lo_base));
    put64(b, atomic_load(&u->pmr_lo_end));
    put64(b, atomic_load(&u->pmr_hi_base));
    put64(b, atomic_load(&u->pmr_hi_end));
    sec_end(b, at);
}

static void save_cache(struct vtd_iommu *u, GByteArray *b)
{
    struct vtd_cache_geom g;
    vtd_cache_geom_(&g);
    size_t at = sec_begin(b, TAG_CACH);
    put32(b, g.layout);
    put32(b, g.ways);
    for (unsigned t = 0; t < VTD_CT_N; t++)
        put32(b, g.sets[t]);
    put32(b, g.fast);
    put32(b, vtd_ir_iec_slots_());

    /* Sets with a valid slot or a non-zero round-robin counter. */
    size_t count_at = b->len;
    uint32_t nsets = 0;
    put32(b, 0);
    for (unsigned t = 0; t < VTD_CT_N; t++) {
        for (unsigned s = 0; s < g.sets[t]; s++) {
            uint64_t e[4][6];
            unsigned mask = 0;
            for (unsigned w = 0; w < g.ways && w < 4; w++)
                if (vtd_cache_slot_get_(u, t, s, w, e[w]))
                    mask |= 1u << w;
            uint32_t next = vtd_cache_set_next_(u, t, s);
            if (!mask && !next)
                continue;
            put8(b, (uint8_t)t);
            put8(b, (uint8_t)mask);
            put16(b, 0);
            put32(b, s);
            put32(b, next);
            for (unsigned w = 0; w < 4; w++)
                if (mask & (1u << w))
                    for (unsigned k = 0; k < 6; k++)
                        put64(b, e[w][k]);
            nsets++;
        }
    }
    patch32(b, count_at, nsets);

    count_at = b->len;
    uint32_t nfast = 0;
    put32(b, 0);
    for (unsigned i = 0; i < g.fast; i++) {
        uint64_t f[4];
        if (!vtd_cache_fast_get_(u, i, f))
            continue;
        put32(b, i);
        put64(b, f[0]);
        put64(b, f[1]);
        put64(b, f[2]);
        put16(b, (uint16_t)f[3]);
        nfast++;
    }
    patch32(b, count_at, nfast);

    count_at = b->len;
    uint32_t niec = 0;
    put32(b, 0);
    for (unsigned i = 0; i < vtd_ir_iec_slots_(); i++) {
        uint32_t index;
        uint64_t q0, q1;
        if (!vtd_ir_iec_get_(u, i, &index, &q0, &q1))
            continue;
        put32(b, index);
        put64(b, q0);
        put64(b, q1);
        niec++;
    }
    patch32(b, count_at, niec);
    sec_end(b, at);
}

/* Paging-structure caches (pscache.h): layout, sets, ways, then the
 * live slots as (set, way, k0, k1, v0).  Optional: a reader that does
 * not know it drops them, as hardware may (VT-d 6.2.5.5). */
static void save_pscc(struct vtd_iommu *u, GByteArray *b)
{
    uint32_t layout, sets, ways;
    vtd_psc_geom_(&layout, &sets, &ways);
    size_t at = sec_begin(b, TAG_PSCC);
    put32(b, layout);
    put32(b, sets);
    put32(b, ways);
    size_t count_at = b->len;
    uint32_t n = 0;
    put32(b, 0);
    for (unsigned i = 0; i < sets; i++)
        for (unsigned w = 0; w < ways; w++) {
            uint64_t e[3];
            if (!vtd_psc_slot_get_(u, i, w, e))
                continue;
            put32(b, i);
            put32(b, w);
            for (unsigned k = 0; k < 3; k++)
                put64(b, e[k]);
            n++;
        }
    patch32(b, count_at, n);
    sec_end(b, at);
}

/* ATSI: clock, time-out, issue counter, then each busy ITag. */
static void save_atsi(struct vtd_iommu *u, GByteArray *b)
{
    const struct vtd_ats_state *a = &u->ats;
    if (!a->busy && !a->now && a->timeout == VTD_ATS_INVAL_TIMEOUT_DEFAULT)
        return;
    size_t at = sec_begin(b, TAG_ATSI);
    put64(b, a->now);
    put64(b, a->timeout);
    put64(b, a->seq);
    put32(b, a->busy);
    for (unsigned i = 0; i < VTD_ATS_ITAGS; i++) {
        const struct vtd_ats_itag_ *t = &a->itag[i];
        if (!t->busy)
            continue;
        put32(b, i);
        put64(b, t->seq);
        put32(b, t->inv.sid);
        put32(b, t->inv.pasid);
        put32(b, (t->inv.global ? 1u : 0) | (t->inv.s ? 2u : 0));
        put64(b, t->inv.addr);
        put32(b, t->inv.pfsid);
        put32(b, t->inv.mip);
        put64(b, t->inv.issued_ns);
        put64(b, t->inv.deadline_ns);
        put32(b, t->inv.completions);
    }
    sec_end(b, at);
}

static void save_stat(struct vtd_iommu *u, GByteArray *b)
{
    struct vtd_stats st;
    vtd_get_stats(u, &st);
    size_t at = sec_begin(b, TAG_STAT);
    put64(b, st.faults_detected);
    put64(b, st.faults_recorded);
    put64(b, st.faults_suppressed);
    put64(b, st.faults_collapsed);
    put64(b, st.faults_overflow);
    put64(b, st.iotlb_hits);
    put64(b, st.iotlb_misses);
    put64(b, st.invalidations);
    sec_end(b, at);
}

int vtd_save(struct vtd_iommu *u, void *buf, size_t len, size_t *needed)
{
    if (needed)
        *needed = 0;
    if (!u || (!buf && len))
        return -EINVAL;
    if (vtd_in_callback_(u))
        return -EDEADLK; /* vtd.h threading contract */
    GByteArray *b = g_byte_array_sized_new(4096);
    g_byte_array_append(b, snap_magic, sizeof(snap_magic));
    put32(b, VTD_SNAPSHOT_VERSION);
    put32(b, 0); /* flags */
    put64(b, 0); /* total length, patched below */
    pthread_mutex_lock(&u->lock);
    save_conf(u, b);
    save_regs(u, b);
    save_unit(u, b);
    save_cache(u, b);
    save_pscc(u, b);
    save_atsi(u, b);
    pthread_mutex_unlock(&u->lock);
    save_stat(u, b);
    uint64_t total = (uint64_t)b->len + SNAP_CRC_SIZE;
    for (unsigned i = 0; i < 8; i++)
        b->data[16 + i] = (uint8_t)(total >> (8 * i));
    put32(b, vtd_snap_crc32_(b->data, b->len));

    size_t n = b->len;
    if (needed)
        *needed = n;
    int rc = 0;
    if (buf && len >= n)
        memcpy(buf, b->data, n);
    else if (buf || len)
        rc = -ENOSPC;
    g_byte_array_free(b, TRUE);
    return rc;
}
