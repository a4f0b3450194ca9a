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

/* One field, by its <vtd/layout.h> name (the display name is the same). */
#define CF(reg, fld, what)                                                \
    { #fld, VTD_##reg##_##fld##_SHIFT, VTD_##reg##_##fld##_LEN, what }

/* VT-d rev. 5.10, 11.4.2 (bit 3, AFL in rev. 1-3, is reserved: not
 * shown). */
static const struct capfield cap_fields[] = {
    CF(CAP, ND, "number of domains supported"),
    CF(CAP, RWBF, "required write-buffer flushing"),
    CF(CAP, PLMR, "protected low-memory region"),
    CF(CAP, PHMR, "protected high-memory region"),
    CF(CAP, CM, "caching mode"),
    CF(CAP, SAGAW, "supported adjusted guest address widths"),
    CF(CAP, MGAW, "maximum guest address width"),
    CF(CAP, ZLR, "zero length read"),
    CF(CAP, FRO, "fault-recording register offset"),
    CF(CAP, SLLPS, "second-stage large page support"),
    CF(CAP, PSI, "page selective invalidation"),
    CF(CAP, NFR, "number of fault-recording registers"),
    CF(CAP, MAMV, "maximum address mask value"),
    CF(CAP, DWD, "write draining"),
    CF(CAP, DRD, "read draining"),
    CF(CAP, FS1GP, "first-stage 1-GByte page support"),
    CF(CAP, PI, "posted interrupts support"),
    CF(CAP, FS5LP, "first-stage 5-level paging support"),
    CF(CAP, ECMDS, "enhanced command support"),
    CF(CAP, ESIRTPS, "enhanced set interrupt remap table pointer support"),
    CF(CAP, ESRTPS, "enhanced set root table pointer support"),
};

/* VT-d rev. 5.10, 11.4.3 */
static const struct capfield ecap_fields[] = {
    CF(ECAP, C, "page-walk coherency"),
    CF(ECAP, QI, "queued invalidation support"),
    CF(ECAP, DT, "device-TLB support"),
    CF(ECAP, IR, "interrupt remapping support"),
    CF(ECAP, EIM, "extended interrupt mode (x2APIC)"),
    CF(ECAP, PT, "pass through"),
    CF(ECAP, SC, "snoop control"),
    CF(ECAP, IRO, "IOTLB register offset"),
    CF(ECAP, MHMV, "maximum handle mask value"),
    CF(ECAP, MTS, "memory type support"),
    CF(ECAP, NEST, "nested translation support"),
    CF(ECAP, PRS, "page request support"),
    CF(ECAP, ERS, "execute request support"),
    CF(ECAP, SRS, "supervisor request support"),
    CF(ECAP, NWFS, "no write flag support"),
    CF(ECAP, EAFS, "extended accessed flag support"),
    CF(ECAP, PSS, "PASID size supported"),
    CF(ECAP, PASID, "process address space ID support"),
    CF(ECAP, DIT, "device-TLB invalidation throttle"),
    CF(ECAP, PDS, "page-request drain support"),
    CF(ECAP, SMTS, "scalable mode translation support"),
    CF(ECAP, VCS, "virtual command support"),
    CF(ECAP, SSADS, "second-stage accessed/dirty support"),
    CF(ECAP, SSTS, "second-stage translation support"),
    CF(ECAP, FSTS, "first-stage translation support"),
    CF(ECAP, SMPWCS, "scalable-mode page-walk coherency support"),
    CF(ECAP, RPS, "RID_PASID support"),
    CF(ECAP, TDXCS, "TDX Connect support"),
    CF(ECAP, PMS, "performance monitoring support"),
    CF(ECAP, ADMS, "abort DMA mode support"),
    CF(ECAP, RPRIVS, "RID_PRIV support"),
    CF(ECAP, HPTS, "host permission table support"),
    CF(ECAP, PTRS, "PASID in translated request support"),
    CF(ECAP, SSIRWS, "second-stage I/O read/write support"),
    CF(ECAP, SMS, "stop marker support"),
    CF(ECAP, HPT1GPS, "HPT 1-GByte page support"),
    CF(ECAP, RDTS, "RDT configuration support"),
    CF(ECAP, EIMER, "extended interrupt mode enable required"),
    CF(ECAP, IRREQ, "interrupt remapping required"),
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
                 (v & VTD_SAGAW_39) ? "39-bit 3-level " : "",
                 (v & VTD_SAGAW_48) ? "48-bit 4-level " : "",
                 (v & VTD_SAGAW_57) ? "57-bit 5-level " : "",
                 (v & VTD_SAGAW_RSVD) ? "(reserved bits set)" : "");
    } else if (!strcmp(name, "MGAW")) {
        snprintf(out, n, "%u bits", (unsigned)v + 1);
    } else if (!strcmp(name, "FRO") || !strcmp(name, "IRO")) {
        snprintf(out, n, "registers at 0x%x", (unsigned)v * 16);
    } else if (!strcmp(name, "NFR")) {
        snprintf(out, n, "%u fault-recording registers", (unsigned)v + 1);
    } else if (!strcmp(name, "SLLPS")) {
        snprintf(out, n, "%s%s%s", (v & VTD_SLLPS_2M) ? "2M " : "",
                 (v & VTD_SLLPS_1G) ? "1G " : "", v ? "" : "4K only");
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
         index, (unsigned long long)base,
         (unsigned)field_get(ver, VER, MAX), (unsigned)field_get(ver, VER, MIN),
         (unsigned long long)cap, (unsigned long long)ecap);
    return 0;
}
