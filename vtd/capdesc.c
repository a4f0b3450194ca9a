/* SPDX-License-Identifier: MIT */
/*
 * vtd/capdesc.c: CAP and ECAP decoded field by field in the terms of VT-d
 * 11.4.2 (Capability Register) and 11.4.3 (Extended Capability Register),
 * for `vtdemu caps` and `inspect`.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

struct capfield {
    const char *name;
    unsigned shift, len;
    const char *what;
};

/* VT-d 11.4.2 */
static const struct capfield cap_fields[] = {
    { "ND", 0, 3, "number of domains supported" },
    { "AFL", 3, 1, "advanced fault logging" },
    { "RWBF", 4, 1, "required write-buffer flushing" },
    { "PLMR", 5, 1, "protected low-memory region" },
    { "PHMR", 6, 1, "protected high-memory region" },
    { "CM", 7, 1, "caching mode" },
    { "SAGAW", 8, 5, "supported adjusted guest address widths" },
    { "MGAW", 16, 6, "maximum guest address width" },
    { "ZLR", 22, 1, "zero length read" },
    { "FRO", 24, 10, "fault-recording register offset" },
    { "SLLPS", 34, 4, "second-stage large page support" },
    { "PSI", 39, 1, "page selective invalidation" },
    { "NFR", 40, 8, "number of fault-recording registers" },
    { "MAMV", 48, 6, "maximum address mask value" },
    { "DWD", 54, 1, "write draining" },
    { "DRD", 55, 1, "read draining" },
    { "FS1GP", 56, 1, "first-stage 1-GByte page support" },
    { "PI", 59, 1, "posted interrupts support" },
    { "FS5LP", 60, 1, "first-stage 5-level paging support" },
    { "ECMDS", 61, 1, "enhanced command support" },
    { "ESIRTPS", 62, 1, "enhanced set interrupt remap table pointer support" },
    { "ESRTPS", 63, 1, "enhanced set root table pointer support" },
};

/* VT-d 11.4.3 */
static const struct capfield ecap_fields[] = {
    { "C", 0, 1, "page-walk coherency" },
    { "QI", 1, 1, "queued invalidation support" },
    { "DT", 2, 1, "device-TLB support" },
    { "IR", 3, 1, "interrupt remapping support" },
    { "EIM", 4, 1, "extended interrupt mode (x2APIC)" },
    { "PT", 6, 1, "pass through" },
    { "SC", 7, 1, "snoop control" },
    { "IRO", 8, 10, "IOTLB register offset" },
    { "MHMV", 20, 4, "maximum handle mask value" },
    { "MTS", 25, 1, "memory type support" },
    { "NEST", 26, 1, "nested translation support" },
    { "PRS", 29, 1, "page request support" },
    { "ERS", 30, 1, "execute request support" },
    { "SRS", 31, 1, "supervisor request support" },
    { "NWFS", 33, 1, "no write flag support" },
    { "EAFS", 34, 1, "extended accessed flag support" },
    { "PSS", 35, 5, "PASID size supported" },
    { "PASID", 40, 1, "process address space ID support" },
    { "DIT", 41, 1, "device-TLB invalidation throttle" },
    { "PDS", 42, 1, "page-request drain support" },
    { "SMTS", 43, 1, "scalable mode translation support" },
    { "VCS", 44, 1, "virtual command support" },
    { "SSADS", 45, 1, "second-stage accessed/dirty support" },
    { "SSTS", 46, 1, "second-stage translation support" },
    { "FSTS", 47, 1, "first-stage translation support" },
    { "SMPWCS", 48, 1, "scalable-mode page-walk coherency support" },
    { "RPS", 49, 1, "RID_PASID support" },
    { "ADMS", 51, 1, "abort DMA mode support" },
    { "RPRIVS", 53, 1, "RID_PRIV support" },
};

static void emit(void (*line)(void *, const char *), void *op,
                 const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void emit(void (*line)(void *, const char *), void *op,
                 const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    line(op, buf);
}

/* What a field value means, where more than yes/no helps. */
static void meaning(const char *name, uint64_t v, char *out, size_t n)
{
    if (!strcmp(name, "ND")) {
        snprintf(out, n, v > 6 ? "reserved" : "%u-bit domain-id",
                 v >= 6 ? 16u : 4u + 2u * (unsigned)v);
    } else if (!strcmp(name, "SAGAW")) {
        snprintf(out, n, "%s%s%s%s",
                 (v & 2) ? "39-bit 3-level " : "",
                 (v & 4) ? "48-bit 4-level " : "",
                 (v & 8) ? "57-bit 5-level " : "",
                 (v & 0x11) ? "(reserved bits set)" : "");
    } else if (!strcmp(name, "MGAW")) {
        snprintf(out, n, "%u bits", (unsigned)v + 1);
    } else if (!strcmp(name, "FRO") || !strcmp(name, "IRO")) {
        snprintf(out, n, "registers at 0x%x", (unsigned)v * 16);
    } else if (!strcmp(name, "NFR")) {
        snprintf(out, n, "%u fault-recording registers", (unsigned)v + 1);
    } else if (!strcmp(name, "SLLPS")) {
        snprintf(out, n, "%s%s%s", (v & 1) ? "2M " : "",
                 (v & 2) ? "1G " : "", v ? "" : "4K only");
    } else if (!strcmp(name, "MAMV")) {
        snprintf(out, n, "up to 2^%u pages per invalidation", (unsigned)v);
    } else if (!strcmp(name, "PSS")) {
        snprintf(out, n, "%u-bit PASIDs", (unsigned)v + 1);
    } else if (!strcmp(name, "MHMV")) {
        snprintf(out, n, "handle mask up to %u", (unsigned)v);
    } else {
        snprintf(out, n, "%s", v ? "yes" : "no");
    }
}

static void describe(const char *reg, uint64_t val,
                     const struct capfield *f, size_t nf,
                     void (*line)(void *, const char *), void *op)
{
    emit(line, op, "%s 0x%016llx", reg, (unsigned long long)val);
    for (size_t i = 0; i < nf; i++) {
        uint64_t v = bits_get(val, f[i].shift, f[i].len);
        char bits[16], mean[96];
        if (f[i].len == 1)
            snprintf(bits, sizeof(bits), "[%u]", f[i].shift);
        else
            snprintf(bits, sizeof(bits), "[%u:%u]",
                     f[i].shift + f[i].len - 1, f[i].shift);
        meaning(f[i].name, v, mean, sizeof(mean));
        emit(line, op, "  %-8s %-8s = 0x%-4llx %s (%s)", f[i].name, bits,
             (unsigned long long)v, mean, f[i].what);
    }
}

int vtd_describe_caps(uint64_t cap, uint64_t ecap, uint32_t ver,
                      uint64_t base, unsigned index,
                      void (*line)(void *, const char *), void *opaque)
{
    if (!line)
        return -EINVAL;
    describe("CAP", cap, cap_fields, G_N_ELEMENTS(cap_fields), line,
             opaque);
    describe("ECAP", ecap, ecap_fields, G_N_ELEMENTS(ecap_fields), line,
             opaque);
    /* Linux drivers/iommu/intel/dmar.c (alloc_iommu) prints this line
     * for each unit at boot; VER 11.4.1: major in 7:4, minor in 3:0. */
    if (!ver)
        ver = 0x10;
    emit(line, opaque, "Linux prints at boot:");
    emit(line, opaque,
         "  DMAR: dmar%u: reg_base_addr %llx ver %u:%u cap %llx ecap %llx",
         index, (unsigned long long)base, (ver >> 4) & 0xf, ver & 0xf,
         (unsigned long long)cap, (unsigned long long)ecap);
    return 0;
}
