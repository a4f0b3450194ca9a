/* SPDX-License-Identifier: MIT */
/*
 * acpi/dmar.c: DMAR table building and parsing (VT-d chapter 8).
 * Tables are appended field by field in little-endian; no packed structs.
 */
#include "dmar.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vtd/layout.h>

/* ------------------------------------------------------------------ */
/* Description helpers                                                 */
/* ------------------------------------------------------------------ */

void dmar_desc_clear(struct dmar_desc *d)
{
    if (!d)
        return;
    for (unsigned i = 0; i < d->nstructs; i++)
        g_free(d->structs[i].scopes);
    g_free(d->structs);
    d->structs = NULL;
    d->nstructs = 0;
}

struct dmar_struct *dmar_desc_add(struct dmar_desc *d,
                                  const struct dmar_struct *s)
{
    d->structs = g_renew(struct dmar_struct, d->structs, d->nstructs + 1);
    struct dmar_struct *n = &d->structs[d->nstructs++];
    *n = *s;
    n->scopes = NULL;
    n->nscopes = 0;
    for (unsigned i = 0; i < s->nscopes; i++)
        dmar_struct_add_scope(n, &s->scopes[i]);
    return n;
}

struct dmar_scope *dmar_struct_add_scope(struct dmar_struct *s,
                                         const struct dmar_scope *sc)
{
    s->scopes = g_renew(struct dmar_scope, s->scopes, s->nscopes + 1);
    s->scopes[s->nscopes] = *sc;
    return &s->scopes[s->nscopes++];
}

const char *dmar_type_name(unsigned type)
{
    static const char *const names[] = { "DRHD", "RMRR", "ATSR", "RHSA",
                                         "ANDD", "SATC", "SIDP" };
    return type < G_N_ELEMENTS(names) ? names[type] : "unknown";
}

const char *dmar_scope_type_name(unsigned type)
{
    switch (type) {
    case DMAR_SCOPE_ENDPOINT: return "PCI endpoint";
    case DMAR_SCOPE_BRIDGE: return "PCI sub-hierarchy";
    case DMAR_SCOPE_IOAPIC: return "IOAPIC";
    case DMAR_SCOPE_HPET: return "MSI-capable HPET";
    case DMAR_SCOPE_NAMESPACE: return "ACPI namespace device";
    default: return "reserved";
    }
}

int dmar_scope_simple_sid(const struct dmar_scope *sc)
{
    if (sc->npath != 1)
        return -1;
    return vtd_sid_make(sc->start_bus, sc->path[0][0], sc->path[0][1]);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */
/* ------------------------------------------------------------------ */

static void put8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static void put16(GByteArray *b, uint16_t v)
{
    uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put8(b, (uint8_t)(v >> (8 * i)));
}

static void put64(GByteArray *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        put8(b, (uint8_t)(v >> (8 * i)));
}

static void putstr(GByteArray *b, const char *s, size_t n)
{
    /* ACPI header strings are space-padded, not NUL-terminated. */
    size_t l = strnlen(s, n);
    g_byte_array_append(b, (const uint8_t *)s, (guint)l);
    for (size_t i = l; i < n; i++)
        put8(b, ' ');
}

static void patch16(GByteArray *b, size_t at, uint16_t v)
{
    b->data[at] = (uint8_t)v;
    b->data[at + 1] = (uint8_t)(v >> 8);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* VT-d 8.3.1: Type, Length (6 + 2N), Flags, Reserved, Enumeration ID,
 * Start Bus Number, Path. */
static int put_scopes(GByteArray *b, const struct dmar_struct *s, char *err,
                      size_t errlen)
{
    for (unsigned i = 0; i < s->nscopes; i++) {
        const struct dmar_scope *sc = &s->scopes[i];
        if (sc->npath == 0 || sc->npath > DMAR_MAX_PATH)
            return fail(err, errlen,
                        "%s scope %u: path of %u elements (1 to %u allowed)",
                        dmar_type_name(s->type), i, sc->npath,
                        DMAR_MAX_PATH);
        put8(b, sc->type);
        put8(b, (uint8_t)(6 + 2 * sc->npath));
        put8(b, sc->flags);
        put8(b, 0);
        put8(b, sc->enum_id);
        put8(b, sc->start_bus);
        for (unsigned p = 0; p < sc->npath; p++) {
            put8(b, sc->path[p][0]);
            put8(b, sc->path[p][1]);
        }
    }
    return 0;
}

static int put_struct(GByteArray *b, const struct dmar_struct *s, char *err,
                      size_t errlen)
{
    size_t start = b->len;
    int rc = 0;
    put16(b, s->type);
    put16(b, 0); /* length, patched below */
    switch (s->type) {
    case DMAR_DRHD: /* 8.3 */
        put8(b, s->flags);
        put8(b, s->size & 0xf);
        put16(b, s->segment);
        put64(b, s->base);
        rc = put_scopes(b, s, err, errlen);
        break;
    case DMAR_RMRR: /* 8.4 */
        put16(b, 0);
        put16(b, s->segment);
        put64(b, s->base);
        put64(b, s->limit);
        rc = put_scopes(b, s, err, errlen);
        break;
    case DMAR_ATSR: /* 8.5: scopes omitted with ALL_PORTS */
        put8(b, s->flags);
        put8(b, 0);
        put16(b, s->segment);
        if (!(s->flags & DMAR_ATSR_ALL_PORTS))
            rc = put_scopes(b, s, err, errlen);
        break;
    case DMAR_RHSA: /* 8.6: length 20 */
        put32(b, 0);
        put64(b, s->base);
        put32(b, s->proximity);
        break;
    case DMAR_ANDD: { /* 8.7: 8 + N, name NUL-terminated */
        size_t n = strnlen(s->name, sizeof(s->name));
        if (n == 0 || n > DMAR_NAME_MAX)
            return fail(err, errlen, "ANDD device %u: bad object name",
                        s->devnum);
        put8(b, 0);
        put8(b, 0);
        put8(b, 0);
        put8(b, s->devnum);
        g_byte_array_append(b, (const uint8_t *)s->name, (guint)n);
        put8(b, 0);
        break;
    }
    case DMAR_SATC: /* 8.8 */
        put8(b, s->flags);
        put8(b, 0);
        put16(b, s->segment);
        rc = put_scopes(b, s, err, errlen);
        break;
    case DMAR_SIDP: /* 8.9 */
        put16(b, 0);
        put16(b, s->segment);
        rc = put_scopes(b, s, err, errlen);
        break;
    default:
        return fail(err, errlen, "unknown DMAR structure type %u", s->type);
    }
    if (rc < 0)
        return rc;
    size_t len = b->len - start;
    if (len > 0xffff)
        return fail(err, errlen, "%s structure is %zu bytes (max 65535)",
                    dmar_type_name(s->type), len);
    patch16(b, start + 2, (uint16_t)len);
    return 0;
}

int dmar_build(const struct dmar_desc *d, uint8_t **out, size_t *len,
               char *err, size_t errlen)
{
    if (!d || !out || !len)
        return -EINVAL;
    if (d->haw < 1 || d->haw > 64)
        return fail(err, errlen, "host address width %u (1 to 64 bits)",
                    d->haw);
    GByteArray *b = g_byte_array_new();
    /* ACPI table header (8.1). */
    g_byte_array_append(b, (const uint8_t *)"DMAR", 4);
    put32(b, 0); /* length */
    put8(b, d->revision ? d->revision : 1);
    put8(b, 0);  /* checksum */
    putstr(b, d->oem_id[0] ? d->oem_id : "VTDEMU", 6);
    putstr(b, d->oem_table_id[0] ? d->oem_table_id : "VTDEMU", 8);
    put32(b, d->oem_revision);
    putstr(b, d->creator_id[0] ? d->creator_id : "VTDE", 4);
    put32(b, d->creator_revision);
    put8(b, (uint8_t)(d->haw - 1)); /* HAW is N+1 */
    put8(b, d->flags);
    for (int i = 0; i < 10; i++)
        put8(b, 0);

    /* 8.2: numerical type order; 8.3: INCLUDE_PCI_ALL DRHD after the
     * other DRHDs of its segment. */
    int rc = 0;
    for (unsigned t = 0; t <= DMAR_SIDP && rc == 0; t++) {
        for (int pass = 0; pass < (t == DMAR_DRHD ? 2 : 1); pass++) {
            for (unsigned i = 0; i < d->nstructs && rc == 0; i++) {
                const struct dmar_struct *s = &d->structs[i];
                if (s->type != t)
                    continue;
                if (t == DMAR_DRHD) {
                    bool all = s->flags & DMAR_DRHD_INCLUDE_PCI_ALL;
                    if ((pass == 0) == all)
                        continue;
                }
                rc = put_struct(b, s, err, errlen);
            }
        }
    }
    for (unsigned i = 0; i < d->nstructs && rc == 0; i++)
        if (d->structs[i].type > DMAR_SIDP)
            rc = fail(err, errlen, "unknown DMAR structure type %u",
                      d->structs[i].type);
    if (rc < 0) {
        g_byte_array_free(b, TRUE);
        return rc;
    }
    uint32_t total = b->len;
    for (int i = 0; i < 4; i++)
        b->data[4 + i] = (uint8_t)(total >> (8 * i));
    uint8_t sum = 0;
    for (uint32_t i = 0; i < total; i++)
        sum = (uint8_t)(sum + b->data[i]);
    b->data[9] = (uint8_t)(0x100 - sum);
    *len = total;
    *out = malloc(total);
    if (!*out) {
        g_byte_array_free(b, TRUE);
        return -ENOMEM;
    }
    memcpy(*out, b->data, total);
    g_byte_array_free(b, TRUE);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */
/* ------------------------------------------------------------------ */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32);
}

static int report(dmar_report_fn fn, void *opaque, enum dmar_severity sev,
                  uint32_t off, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static int report(dmar_report_fn fn, void *opaque, enum dmar_severity sev,
                  uint32_t off, const char *fmt, ...)
{
    if (fn) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fn(opaque, sev, off, msg);
    }
    return sev == DMAR_ERROR ? 1 : 0;
}

/* Header bytes before the scope list of each known type (8.3-8.9). */
static unsigned scope_start(unsigned type)
{
    switch (type) {
    case DMAR_DRHD: return 16;
    case DMAR_RMRR: return 24;
    case DMAR_ATSR: return 8;
    case DMAR_SATC: return 8;
    case DMAR_SIDP: return 8;
    default: return 0;
    }
}

static int parse_scopes(const uint8_t *p, uint32_t off, unsigned from,
                        unsigned len, struct dmar_struct *s,
                        dmar_report_fn fn, void *opaque)
{
    int errs = 0;
    unsigned at = from;
    while (at < len) {
        if (len - at < 2) {
            errs += report(fn, opaque, DMAR_ERROR, off + at,
                           "%s: truncated device scope entry",
                           dmar_type_name(s->type));
            break;
        }
        unsigned el = p[at + 1];
        if (el < 8 || (el & 1) || el > len - at) {
            errs += report(fn, opaque, DMAR_ERROR, off + at,
                           "%s: device scope entry length %u is invalid "
                           "(even, at least 8, within the structure)",
                           dmar_type_name(s->type), el);
            break;
        }
        struct dmar_scope sc = { 0 };
        sc.type = p[at];
        sc.flags = p[at + 2];
        sc.enum_id = p[at + 4];
        sc.start_bus = p[at + 5];
        unsigned n = (el - 6) / 2;
        if (n > DMAR_MAX_PATH) {
            errs += report(fn, opaque, DMAR_ERROR, off + at,
                           "%s: device scope path of %u elements is "
                           "longer than this parser accepts (%u)",
                           dmar_type_name(s->type), n, DMAR_MAX_PATH);
            n = DMAR_MAX_PATH;
        }
        sc.npath = (uint8_t)n;
        for (unsigned i = 0; i < n; i++) {
            sc.path[i][0] = p[at + 6 + 2 * i];
            sc.path[i][1] = p[at + 7 + 2 * i];
        }
        dmar_struct_add_scope(s, &sc);
        at += el;
    }
    return errs;
}

int dmar_parse(const uint8_t *buf, size_t len, struct dmar_desc *d,
               dmar_report_fn fn, void *opaque)
{
    int errs = 0;
    memset(d, 0, sizeof(*d));
    if (!buf || len < 48) {
        return report(fn, opaque, DMAR_ERROR, 0,
                      "table is %zu bytes; a DMAR table has a 48-byte "
                      "header (VT-d 8.1)", len);
    }
    if (memcmp(buf, "DMAR", 4) != 0)
        errs += report(fn, opaque, DMAR_ERROR, 0,
                       "signature is not \"DMAR\"");
    uint32_t tl = get32(buf + 4);
    size_t use = len;
    if (tl != len) {
        errs += report(fn, opaque, DMAR_ERROR, 4,
                       "header length %u differs from the %zu bytes given",
                       tl, len);
        if (tl < len && tl >= 48)
            use = tl;
    }
    uint8_t sum = 0;
    for (size_t i = 0; i < use; i++)
        sum = (uint8_t)(sum + buf[i]);
    if (sum != 0)
        errs += report(fn, opaque, DMAR_ERROR, 9,
                       "checksum 0x%02x is wrong: the table sums to 0x%02x "
                       "(checksum should be 0x%02x)", buf[9], sum,
                       (uint8_t)(buf[9] - sum));
    d->revision = buf[8];
    memcpy(d->oem_id, buf + 10, 6);
    memcpy(d->oem_table_id, buf + 16, 8);
    d->oem_revision = get32(buf + 24);
    memcpy(d->creator_id, buf + 28, 4);
    d->creator_revision = get32(buf + 32);
    d->haw = (uint8_t)(buf[36] + 1);
    d->flags = buf[37];

    size_t at = 48;
    unsigned guard = 0;
    while (at < use && guard++ < 65536) {
        if (use - at < 4) {
            errs += report(fn, opaque, DMAR_ERROR, (uint32_t)at,
                           "%zu trailing bytes are not a structure",
                           use - at);
            break;
        }
        const uint8_t *p = buf + at;
        uint16_t type = get16(p), sl = get16(p + 2);
        if (sl < 4 || sl > use - at) {
            errs += report(fn, opaque, DMAR_ERROR, (uint32_t)at,
                           "%s structure length %u runs past the table "
                           "end or is too short", dmar_type_name(type), sl);
            break;
        }
        struct dmar_struct s = { 0 };
        s.type = type;
        s.offset = (uint32_t)at;
        s.raw = p;
        s.rawlen = sl;
        unsigned min = 0;
        switch (type) {
        case DMAR_DRHD: min = 16; break;
        case DMAR_RMRR: min = 24; break;
        case DMAR_ATSR: min = 8; break;
        case DMAR_RHSA: min = 20; break;
        case DMAR_ANDD: min = 9; break;
        case DMAR_SATC: min = 8; break;
        case DMAR_SIDP: min = 8; break;
        default: break;
        }
        if (sl < min) {
            errs += report(fn, opaque, DMAR_ERROR, (uint32_t)at,
                           "%s structure is %u bytes, shorter than its "
                           "%u-byte header", dmar_type_name(type), sl, min);
            at += sl;
            continue;
        }
        struct dmar_struct *n = dmar_desc_add(d, &s);
        switch (type) {
        case DMAR_DRHD:
            n->flags = p[4];
            n->size = p[5];
            n->segment = get16(p + 6);
            n->base = get64(p + 8);
            break;
        case DMAR_RMRR:
            n->segment = get16(p + 6);
            n->base = get64(p + 8);
            n->limit = get64(p + 16);
            break;
        case DMAR_ATSR:
        case DMAR_SATC:
            n->flags = p[4];
            n->segment = get16(p + 6);
            break;
        case DMAR_SIDP:
            n->segment = get16(p + 6);
            break;
        case DMAR_RHSA:
            n->base = get64(p + 8);
            n->proximity = get32(p + 16);
            break;
        case DMAR_ANDD: {
            n->devnum = p[7];
            unsigned nl = sl - 8;
            const uint8_t *nul = memchr(p + 8, 0, nl);
            if (!nul)
                errs += report(fn, opaque, DMAR_ERROR, (uint32_t)at + 8,
                               "ANDD object name is not NUL-terminated");
            unsigned cl = nul ? (unsigned)(nul - (p + 8)) : nl;
            if (cl > DMAR_NAME_MAX)
                cl = DMAR_NAME_MAX;
            memcpy(n->name, p + 8, cl);
            n->name[cl] = '\0';
            break;
        }
        default:
            break;
        }
        if (scope_start(type))
            errs += parse_scopes(p, (uint32_t)at, scope_start(type), sl, n,
                                 fn, opaque);
        at += sl;
    }
    return errs;
}
