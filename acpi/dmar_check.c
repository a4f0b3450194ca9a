/* SPDX-License-Identifier: MIT */
/*
 * acpi/dmar_check.c: checking and dumping DMAR tables (VT-d chapter 8),
 * with the problems Linux's drivers/iommu/intel/dmar.c warns about.
 */
#include "dmar.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vtd/layout.h>

struct ck {
    dmar_report_fn fn;
    void *opaque;
    int errors;
};

static void say(struct ck *c, enum dmar_severity sev, uint32_t off,
                const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static void say(struct ck *c, enum dmar_severity sev, uint32_t off,
                const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (sev == DMAR_ERROR)
        c->errors++;
    if (c->fn)
        c->fn(c->opaque, sev, off, msg);
}

static void parse_sink(void *opaque, enum dmar_severity sev, uint32_t off,
                       const char *msg)
{
    struct ck *c = opaque;
    if (sev == DMAR_ERROR)
        c->errors++;
    if (c->fn)
        c->fn(c->opaque, sev, off, msg);
}

/* Offset of scope entry i inside structure s (for messages). */
static uint32_t scope_off(const struct dmar_struct *s, unsigned i)
{
    unsigned start = 0;
    switch (s->type) {
    case DMAR_DRHD: start = 16; break;
    case DMAR_RMRR: start = 24; break;
    default: start = 8; break;
    }
    uint32_t off = s->offset + start;
    for (unsigned k = 0; k < i && k < s->nscopes; k++)
        off += 6 + 2u * s->scopes[k].npath;
    return off;
}

/* Walk a scope path with the machine's bridges (VT-d 8.3.1 pseudocode).
 * Returns the source-id or -1 when a bridge on the way is unknown. */
static int resolve_path(const struct dmar_machine_info *m, uint16_t seg,
                        const struct dmar_scope *sc, unsigned *bad_elem)
{
    unsigned bus = sc->start_bus;
    for (unsigned i = 0; i < sc->npath; i++) {
        unsigned sid = vtd_sid_make(bus, sc->path[i][0], sc->path[i][1]);
        if (i + 1 == sc->npath)
            return (int)sid;
        bool found = false;
        for (unsigned k = 0; k < m->ndev; k++) {
            if (m->devs[k].segment == seg && m->devs[k].sid == sid &&
                m->devs[k].is_bridge) {
                bus = m->devs[k].secondary_bus;
                found = true;
                break;
            }
        }
        if (!found) {
            *bad_elem = i;
            return -1;
        }
    }
    return -1;
}

static bool machine_has_sid(const struct dmar_machine_info *m, uint16_t seg,
                            unsigned sid)
{
    for (unsigned k = 0; k < m->ndev; k++)
        if (m->devs[k].segment == seg && m->devs[k].sid == sid)
            return true;
    return false;
}

static void check_scopes(struct ck *c, const struct dmar_desc *d,
                         const struct dmar_struct *s,
                         const struct dmar_machine_info *m)
{
    const char *tn = dmar_type_name(s->type);
    for (unsigned i = 0; i < s->nscopes; i++) {
        const struct dmar_scope *sc = &s->scopes[i];
        uint32_t off = scope_off(s, i);
        if (sc->type < DMAR_SCOPE_ENDPOINT || sc->type > DMAR_SCOPE_NAMESPACE)
            say(c, DMAR_ERROR, off,
                "%s device scope type 0x%02x is reserved (VT-d 8.3.1)", tn,
                sc->type);
        for (unsigned p = 0; p < sc->npath; p++)
            if (sc->path[p][0] > 31 || sc->path[p][1] > 7)
                say(c, DMAR_ERROR, off + 6 + 2 * p,
                    "%s scope path element %02x.%x is not a PCI "
                    "device/function", tn, sc->path[p][0], sc->path[p][1]);
        switch (s->type) {
        case DMAR_DRHD:
            if ((s->flags & DMAR_DRHD_INCLUDE_PCI_ALL) &&
                (sc->type == DMAR_SCOPE_ENDPOINT ||
                 sc->type == DMAR_SCOPE_BRIDGE))
                say(c, DMAR_ERROR, off,
                    "DRHD with INCLUDE_PCI_ALL lists a %s scope; only "
                    "IOAPIC, HPET and ACPI devices may be listed (VT-d "
                    "8.3.1)", dmar_scope_type_name(sc->type));
            break;
        case DMAR_RMRR:
            if (sc->type != DMAR_SCOPE_ENDPOINT &&
                sc->type != DMAR_SCOPE_BRIDGE)
                say(c, DMAR_WARN, off,
                    "RMRR lists a %s scope; RMRRs name PCI devices",
                    dmar_scope_type_name(sc->type));
            break;
        case DMAR_ATSR:
            if (sc->type != DMAR_SCOPE_BRIDGE)
                say(c, DMAR_ERROR, off,
                    "ATSR scope entries must be root ports (type 02h), "
                    "found type 0x%02x (VT-d 8.5)", sc->type);
            break;
        case DMAR_SATC:
            if (sc->type != DMAR_SCOPE_ENDPOINT || sc->npath != 1)
                say(c, DMAR_ERROR, off,
                    "SATC scope entries must be RCIEP endpoints (type 01h, "
                    "2-byte path) (VT-d 8.8)");
            break;
        case DMAR_SIDP:
            if ((sc->type != DMAR_SCOPE_ENDPOINT &&
                 sc->type != DMAR_SCOPE_NAMESPACE) || sc->npath != 1)
                say(c, DMAR_ERROR, off,
                    "SIDP scope entries must be type 01h or 05h with a "
                    "2-byte path (VT-d 8.9)");
            if (sc->flags & 0xe0)
                say(c, DMAR_WARN, off,
                    "SIDP scope flags 0x%02x set reserved bits 7:5",
                    sc->flags);
            break;
        default:
            break;
        }
        if (s->type != DMAR_SIDP && sc->flags)
            say(c, DMAR_WARN, off,
                "%s scope flags 0x%02x are reserved outside SIDP (VT-d "
                "8.3.1)", tn, sc->flags);
        if (sc->type == DMAR_SCOPE_NAMESPACE) {
            bool found = false;
            for (unsigned k = 0; k < d->nstructs; k++)
                if (d->structs[k].type == DMAR_ANDD &&
                    d->structs[k].devnum == sc->enum_id)
                    found = true;
            if (!found)
                say(c, DMAR_ERROR, off,
                    "ACPI namespace device scope names device number %u, "
                    "which no ANDD structure declares (VT-d 8.7)",
                    sc->enum_id);
        }
        if (m && (sc->type == DMAR_SCOPE_ENDPOINT ||
                  sc->type == DMAR_SCOPE_BRIDGE)) {
            unsigned bad = 0;
            int sid = resolve_path(m, s->segment, sc, &bad);
            if (sid < 0)
                say(c, DMAR_ERROR, off,
                    "%s scope path does not resolve: element %u "
                    "(%02x.%x on bus %02x) is not a bridge of the machine",
                    tn, bad, sc->path[bad][0], sc->path[bad][1],
                    sc->start_bus);
            else if (!machine_has_sid(m, s->segment, (unsigned)sid))
                say(c, DMAR_ERROR, off,
                    "%s scope names " VTD_SID_FMT ", which the machine does "
                    "not have", tn, VTD_SID_BDF(sid));
        }
    }
}

int dmar_check(const uint8_t *buf, size_t len,
               const struct dmar_machine_info *m, dmar_report_fn fn,
               void *opaque)
{
    struct ck c = { .fn = fn, .opaque = opaque };
    struct dmar_desc d;
    dmar_parse(buf, len, &d, parse_sink, &c);
    if (len < 48) {
        dmar_desc_clear(&d);
        return c.errors;
    }
    if (d.revision != 1)
        say(&c, DMAR_WARN, 8, "table revision %u (VT-d 8.1 defines 1)",
            d.revision);
    if (d.flags & 0xf8)
        say(&c, DMAR_WARN, 37, "header flags 0x%02x set reserved bits 7:3",
            d.flags);
    if ((d.flags & DMAR_FLAG_X2APIC_OPT_OUT) &&
        !(d.flags & DMAR_FLAG_INTR_REMAP))
        say(&c, DMAR_WARN, 37,
            "X2APIC_OPT_OUT is set without INTR_REMAP; it is valid only "
            "with INTR_REMAP (VT-d 8.1)");
    for (unsigned i = 38; i < 48; i++)
        if (buf[i]) {
            say(&c, DMAR_WARN, i, "reserved header bytes 38-47 are not 0");
            break;
        }
    if (d.haw < 32)
        say(&c, DMAR_WARN, 36,
            "host address width %u bits is implausibly small", d.haw);

    unsigned ndrhd = 0, last_type = 0;
    for (unsigned i = 0; i < d.nstructs; i++) {
        const struct dmar_struct *s = &d.structs[i];
        if (s->type > DMAR_SIDP) {
            say(&c, DMAR_WARN, s->offset,
                "unknown structure type %u (%u bytes): software skips it "
                "(VT-d 8.2)", s->type, s->rawlen);
            continue;
        }
        if (s->type < last_type)
            say(&c, DMAR_ERROR, s->offset,
                "%s structure after a %s: structures must be in numerical "
                "type order (VT-d 8.2)", dmar_type_name(s->type),
                dmar_type_name(last_type));
        else
            last_type = s->type;
        check_scopes(&c, &d, s, m);

        switch (s->type) {
        case DMAR_DRHD: {
            ndrhd++;
            uint64_t sz = 4096ULL << (s->size & 0xf);
            if (s->size & 0xf0)
                say(&c, DMAR_WARN, s->offset + 5,
                    "DRHD size field 0x%02x sets reserved bits 7:4",
                    s->size);
            if (s->base == 0)
                say(&c, DMAR_ERROR, s->offset + 8,
                    "DRHD register base address is 0 (Linux: \"[Firmware "
                    "Bug]: No valid DRHD base address\")");
            else if (s->base & (sz - 1))
                say(&c, DMAR_ERROR, s->offset + 8,
                    "DRHD base 0x%llx is not aligned to its register set "
                    "size 0x%llx (VT-d 8.3)", (unsigned long long)s->base,
                    (unsigned long long)sz);
            if (s->flags & 0xfe)
                say(&c, DMAR_WARN, s->offset + 4,
                    "DRHD flags 0x%02x set reserved bits", s->flags);
            for (unsigned k = 0; k < i; k++) {
                const struct dmar_struct *o = &d.structs[k];
                if (o->type == DMAR_DRHD && o->base == s->base)
                    say(&c, DMAR_ERROR, s->offset,
                        "duplicate DRHD: base 0x%llx is already described "
                        "at offset 0x%x", (unsigned long long)s->base,
                        o->offset);
            }
            if (s->flags & DMAR_DRHD_INCLUDE_PCI_ALL) {
                for (unsigned k = i + 1; k < d.nstructs; k++) {
                    const struct dmar_struct *o = &d.structs[k];
                    if (o->type == DMAR_DRHD && o->segment == s->segment) {
                        say(&c, DMAR_ERROR, s->offset,
                            "DRHD with INCLUDE_PCI_ALL for segment %u is "
                            "not the last DRHD of its segment (another at "
                            "offset 0x%x) (VT-d 8.3)", s->segment,
                            o->offset);
                        break;
                    }
                }
            }
            /* HAW (8.1) is the platform's physical address width; a unit
             * whose MGAW (11.4.2) is smaller cannot map all of it, e.g.
             * an identity map of memory above 2^MGAW. */
            if (m) {
                for (unsigned k = 0; k < m->nunits; k++)
                    if (m->units[k].base == s->base &&
                        m->units[k].mgaw < d.haw)
                        say(&c, DMAR_WARN, 36,
                            "the unit at 0x%llx translates %u-bit "
                            "addresses (CAP.MGAW), fewer than the %u-bit "
                            "HAW: memory above 2^%u cannot be mapped 1:1",
                            (unsigned long long)s->base, m->units[k].mgaw,
                            d.haw, m->units[k].mgaw);
            }
            break;
        }
        case DMAR_RMRR:
            if (s->nscopes == 0)
                say(&c, DMAR_ERROR, s->offset,
                    "RMRR [0x%llx-0x%llx] names no device (VT-d 8.4: one "
                    "or more scope entries)", (unsigned long long)s->base,
                    (unsigned long long)s->limit);
            if (s->base & 0xfff)
                say(&c, DMAR_ERROR, s->offset + 8,
                    "RMRR base 0x%llx is not 4 KiB aligned (VT-d 8.4)",
                    (unsigned long long)s->base);
            if (s->limit <= s->base)
                say(&c, DMAR_ERROR, s->offset + 16,
                    "RMRR end 0x%llx is not above its base 0x%llx (Linux: "
                    "\"[Firmware Bug]: Your BIOS is broken; bad RMRR\")",
                    (unsigned long long)s->limit,
                    (unsigned long long)s->base);
            else if ((s->limit + 1) & 0xfff)
                say(&c, DMAR_ERROR, s->offset + 16,
                    "RMRR end 0x%llx: the region size is not a multiple "
                    "of 4 KiB (VT-d 8.4)", (unsigned long long)s->limit);
            for (unsigned k = 0; k < i; k++) {
                const struct dmar_struct *o = &d.structs[k];
                if (o->type == DMAR_RMRR && o->segment == s->segment &&
                    o->base <= s->limit && s->base <= o->limit)
                    say(&c, DMAR_WARN, s->offset,
                        "RMRR [0x%llx-0x%llx] overlaps the RMRR at offset "
                        "0x%x", (unsigned long long)s->base,
                        (unsigned long long)s->limit, o->offset);
            }
            break;
        case DMAR_ATSR:
            if ((s->flags & DMAR_ATSR_ALL_PORTS) && s->nscopes)
                say(&c, DMAR_WARN, s->offset,
                    "ATSR with ALL_PORTS also lists %u scope entries "
                    "(VT-d 8.5: omitted)", s->nscopes);
            if (!(s->flags & DMAR_ATSR_ALL_PORTS) && s->nscopes == 0)
                say(&c, DMAR_WARN, s->offset,
                    "ATSR without ALL_PORTS lists no root port");
            break;
        case DMAR_RHSA: {
            bool found = false;
            for (unsigned k = 0; k < d.nstructs; k++)
                if (d.structs[k].type == DMAR_DRHD &&
                    d.structs[k].base == s->base)
                    found = true;
            if (!found)
                say(&c, DMAR_ERROR, s->offset + 8,
                    "RHSA names base 0x%llx, which no DRHD has (Linux: "
                    "\"Your BIOS is broken; RHSA refers to non-existent "
                    "DMAR unit\")", (unsigned long long)s->base);
            if (s->rawlen != 20)
                say(&c, DMAR_ERROR, s->offset + 2,
                    "RHSA length %u (VT-d 8.6: 20)", s->rawlen);
            break;
        }
        case DMAR_ANDD:
            for (unsigned k = 0; k < i; k++)
                if (d.structs[k].type == DMAR_ANDD &&
                    d.structs[k].devnum == s->devnum)
                    say(&c, DMAR_ERROR, s->offset + 7,
                        "ANDD device number %u is not unique (VT-d 8.7)",
                        s->devnum);
            if (!s->name[0])
                say(&c, DMAR_ERROR, s->offset + 8,
                    "ANDD object name is empty");
            break;
        default:
            break;
        }
    }
    if (ndrhd == 0)
        say(&c, DMAR_ERROR, 48,
            "no DRHD structure: a DMAR table describes at least one "
            "remapping unit (VT-d 8.1)");

    /* 8.3.1.1: with INTR_REMAP, every IOAPIC of the MADT must be in the
     * scope of a unit. */
    if (m && (d.flags & DMAR_FLAG_INTR_REMAP)) {
        for (unsigned a = 0; a < m->nioapic; a++) {
            bool found = false;
            for (unsigned i = 0; i < d.nstructs && !found; i++) {
                const struct dmar_struct *s = &d.structs[i];
                if (s->type != DMAR_DRHD)
                    continue;
                for (unsigned k = 0; k < s->nscopes; k++)
                    if (s->scopes[k].type == DMAR_SCOPE_IOAPIC &&
                        s->scopes[k].enum_id == m->ioapic_ids[a])
                        found = true;
            }
            if (!found)
                say(&c, DMAR_ERROR, 37,
                    "IOAPIC id %u is under no remapping unit although "
                    "INTR_REMAP is set (VT-d 8.3.1.1; Linux disables "
                    "interrupt remapping)", m->ioapic_ids[a]);
        }
    }
    dmar_desc_clear(&d);
    return c.errors;
}

/* ------------------------------------------------------------------ */
/* Dump                                                                */
/* ------------------------------------------------------------------ */

static void line(dmar_line_fn out, void *opaque, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void line(dmar_line_fn out, void *opaque, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    out(opaque, buf);
}

static void printable(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '.';
    dst[n] = '\0';
}

void dmar_dump(const uint8_t *buf, size_t len, dmar_line_fn out, void *op)
{
    struct dmar_desc d;
    if (!out)
        return;
    dmar_parse(buf, len, &d, NULL, NULL);
    if (len < 48) {
        line(out, op, "not a DMAR table: %zu bytes", len);
        return;
    }
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + buf[i]);
    char oem[7], tid[9], cid[5];
    printable(oem, d.oem_id, 6);
    printable(tid, d.oem_table_id, 8);
    printable(cid, d.creator_id, 4);
    line(out, op, "DMAR: %zu bytes, revision %u, checksum 0x%02x (%s)",
         len, d.revision, buf[9], sum == 0 ? "valid" : "INVALID");
    line(out, op, "  OEM \"%s\" table \"%s\" revision %u; creator \"%s\" "
         "revision %u", oem, tid, d.oem_revision, cid, d.creator_revision);
    line(out, op, "  host address width %u bits; flags 0x%02x%s%s%s", d.haw,
         d.flags, (d.flags & 1) ? " INTR_REMAP" : "",
         (d.flags & 2) ? " X2APIC_OPT_OUT" : "",
         (d.flags & 4) ? " DMA_CTRL_PLATFORM_OPT_IN" : "");
    for (unsigned i = 0; i < d.nstructs; i++) {
        const struct dmar_struct *s = &d.structs[i];
        switch (s->type) {
        case DMAR_DRHD:
            line(out, op, "[%03x] DRHD segment %u base 0x%llx (%llu KiB "
                 "registers)%s", s->offset, s->segment,
                 (unsigned long long)s->base,
                 (unsigned long long)(4ULL << (s->size & 0xf)),
                 (s->flags & 1) ? " INCLUDE_PCI_ALL" : "");
            break;
        case DMAR_RMRR:
            line(out, op, "[%03x] RMRR segment %u [0x%llx-0x%llx]",
                 s->offset, s->segment, (unsigned long long)s->base,
                 (unsigned long long)s->limit);
            break;
        case DMAR_ATSR:
            line(out, op, "[%03x] ATSR segment %u%s", s->offset, s->segment,
                 (s->flags & 1) ? " ALL_PORTS" : "");
            break;
        case DMAR_RHSA:
            line(out, op, "[%03x] RHSA base 0x%llx proximity domain %u",
                 s->offset, (unsigned long long)s->base, s->proximity);
            break;
        case DMAR_ANDD:
            line(out, op, "[%03x] ANDD device %u \"%s\"", s->offset,
                 s->devnum, s->name);
            break;
        case DMAR_SATC:
            line(out, op, "[%03x] SATC segment %u%s", s->offset, s->segment,
                 (s->flags & 1) ? " ATC_REQUIRED" : "");
            break;
        case DMAR_SIDP:
            line(out, op, "[%03x] SIDP segment %u", s->offset, s->segment);
            break;
        default:
            line(out, op, "[%03x] unknown structure type %u, %u bytes",
                 s->offset, s->type, s->rawlen);
            break;
        }
        for (unsigned k = 0; k < s->nscopes; k++) {
            const struct dmar_scope *sc = &s->scopes[k];
            char path[3 * DMAR_MAX_PATH * 3 + 1] = "";
            size_t pl = 0;
            for (unsigned p = 0; p < sc->npath && pl + 8 < sizeof(path); p++)
                pl += (size_t)snprintf(path + pl, sizeof(path) - pl,
                                       "%s%02x.%x", p ? "/" : "",
                                       sc->path[p][0], sc->path[p][1]);
            char extra[64] = "";
            if (sc->type == DMAR_SCOPE_IOAPIC)
                snprintf(extra, sizeof(extra), " IOAPIC id %u", sc->enum_id);
            else if (sc->type == DMAR_SCOPE_HPET)
                snprintf(extra, sizeof(extra), " HPET %u", sc->enum_id);
            else if (sc->type == DMAR_SCOPE_NAMESPACE)
                snprintf(extra, sizeof(extra), " ACPI device %u",
                         sc->enum_id);
            int sid = dmar_scope_simple_sid(sc);
            char sids[32] = "";
            if (sid >= 0)
                snprintf(sids, sizeof(sids), " = " VTD_SID_FMT,
                         VTD_SID_BDF(sid));
            line(out, op, "        %s%s: bus %02x path %s%s%s",
                 dmar_scope_type_name(sc->type), extra, sc->start_bus, path,
                 sids, sc->flags ? " (flags set)" : "");
        }
    }
    dmar_desc_clear(&d);
}
