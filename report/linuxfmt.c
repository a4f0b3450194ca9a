/* SPDX-License-Identifier: MIT */
/*
 * report/linuxfmt.c: faults in Linux's words (see linuxfmt.h).
 *
 * The reason strings below are the texts Linux 6.1 prints (format facts
 * from drivers/iommu/intel/dmar.c); the layout of the line follows its
 * dmar_fault_do_one().  Where Linux's table says "Unknown" we print the
 * VT-d 5.10 condition name from vtd_fault_reason_str() instead.
 */
#include "report/linuxfmt.h"

#include <stdio.h>
#include <string.h>

#include <vtd/vtd.h>

#include <vtd/layout.h>

bool linux_ver_parse(const char *s, enum linux_ver *out)
{
    if (!s || !out)
        return false;
    if (!strcmp(s, "6.1"))
        *out = LINUX_6_1;
    else if (!strcmp(s, "6.7"))
        *out = LINUX_6_7;
    else if (!strcmp(s, "new"))
        *out = LINUX_NEW;
    else
        return false;
    return true;
}

const char *linux_ver_name(enum linux_ver v)
{
    switch (v) {
    case LINUX_6_1:
        return "6.1";
    case LINUX_6_7:
        return "6.7";
    case LINUX_NEW:
        return "new";
    }
    return "?";
}

bool linuxfmt_from_frcd(uint64_t lo, uint64_t hi, struct linuxfmt_fault *out)
{
    /* VT-d 11.4.14: FI 63:12, SID 79:64, PP 95, FR 103:96, PV 123:104,
     * T1 126, F 127. */
    memset(out, 0, sizeof(*out));
    out->addr = lo & VTD_FRCD_LO_FI_MASK;
    out->sid = (uint16_t)VTD_FIELD_GET(hi, FRCD_HI, SID);
    out->reason = (unsigned)VTD_FIELD_GET(hi, FRCD_HI, FR);
    out->is_read = VTD_FIELD_GET(hi, FRCD_HI, T1) != 0;
    out->pasid_present = VTD_FIELD_GET(hi, FRCD_HI, PP) != 0;
    out->pasid = (uint32_t)VTD_FIELD_GET(hi, FRCD_HI, PV);
    return VTD_FIELD_GET(hi, FRCD_HI, F) != 0;
}

/* Linux's legacy reasons, 0x00-0x0d. */
static const char *const legacy_reasons[] = {
    "Software",
    "Present bit in root entry is clear",
    "Present bit in context entry is clear",
    "Invalid context entry",
    "Access beyond MGAW",
    "PTE Write access is not set",
    "PTE Read access is not set",
    "Next page table ptr is invalid",
    "Root table address invalid",
    "Context table ptr is invalid",
    "non-zero reserved fields in RTP",
    "non-zero reserved fields in CTP",
    "non-zero reserved fields in PTE",
    "PCE for translation request specifies blocking",
};

/* Linux's interrupt-remapping reasons, 0x20-0x26. */
static const char *const ir_reasons[] = {
    "Detected reserved fields in the decoded interrupt-remapped request",
    "Interrupt index exceeded the interrupt-remapping table size",
    "Present field in the IRTE entry is clear",
    "Error accessing interrupt-remapping table pointed by IRTA_REG",
    "Detected reserved fields in the IRTE entry",
    "Blocked a compatibility format interrupt request",
    "Blocked an interrupt request due to source-id verification failure",
};

/* Linux's scalable-mode reasons that have a text (its table runs from
 * 0x30 to 0x90 with "Unknown" in the gaps). */
static const struct {
    unsigned reason;
    const char *text;
} sm_reasons[] = {
    { 0x30, "SM: Invalid Root Table Address" },
    { 0x31, "SM: TTM 0 for request with PASID" },
    { 0x32, "SM: TTM 0 for page group request" },
    { 0x38, "SM: Error attempting to access Root Entry" },
    { 0x39, "SM: Present bit in Root Entry is clear" },
    { 0x3a, "SM: Non-zero reserved field set in Root Entry" },
    { 0x40, "SM: Error attempting to access Context Entry" },
    { 0x41, "SM: Present bit in Context Entry is clear" },
    { 0x42, "SM: Non-zero reserved field set in the Context Entry" },
    { 0x43, "SM: Invalid Context Entry" },
    { 0x44, "SM: DTE field in Context Entry is clear" },
    { 0x45, "SM: PASID Enable field in Context Entry is clear" },
    { 0x46, "SM: PASID is larger than the max in Context Entry" },
    { 0x47, "SM: PRE field in Context-Entry is clear" },
    { 0x48, "SM: RID_PASID field error in Context-Entry" },
    { 0x50, "SM: Error attempting to access the PASID Directory Entry" },
    { 0x51, "SM: Present bit in Directory Entry is clear" },
    { 0x52, "SM: Non-zero reserved field set in PASID Directory Entry" },
    { 0x58, "SM: Error attempting to access PASID Table Entry" },
    { 0x59, "SM: Present bit in PASID Table Entry is clear" },
    { 0x5a, "SM: Non-zero reserved field set in PASID Table Entry" },
    { 0x5b, "SM: Invalid Scalable-Mode PASID Table Entry" },
    { 0x5c, "SM: ERE field is clear in PASID Table Entry" },
    { 0x5d, "SM: SRE field is clear in PASID Table Entry" },
    { 0x70, "SM: Error attempting to access first-level paging entry" },
    { 0x71, "SM: Present bit in first-level paging entry is clear" },
    { 0x72, "SM: Non-zero reserved field set in first-level paging entry" },
    { 0x73, "SM: Error attempting to access FL-PML4 entry" },
    { 0x74, "SM: First-level entry address beyond MGAW in Nested "
            "translation" },
    { 0x75, "SM: Read permission error in FL-PML4 entry in Nested "
            "translation" },
    { 0x76, "SM: Read permission error in first-level paging entry in "
            "Nested translation" },
    { 0x77, "SM: Write permission error in first-level paging entry in "
            "Nested translation" },
    { 0x78, "SM: Error attempting to access second-level paging entry" },
    { 0x79, "SM: Read/Write permission error in second-level paging "
            "entry" },
    { 0x7a, "SM: Non-zero reserved field set in second-level paging "
            "entry" },
    { 0x7b, "SM: Invalid second-level page table pointer" },
    { 0x7c, "SM: A/D bit update needed in second-level entry when set up "
            "in no snoop" },
    { 0x80, "SM: Address in first-level translation is not canonical" },
    { 0x81, "SM: U/S set 0 for first-level translation with user "
            "privilege" },
    { 0x82, "SM: No execute permission for request with PASID and ER=1" },
    { 0x83, "SM: Address beyond the DMA hardware max" },
    { 0x84, "SM: Second-level entry address beyond the max" },
    { 0x85, "SM: No write permission for Write/AtomicOp request" },
    { 0x86, "SM: No read permission for Read/AtomicOp request" },
    { 0x87, "SM: Invalid address-interrupt address" },
    { 0x90, "SM: A/D bit update needed in first-level entry when set up "
            "in no snoop" },
};

bool linuxfmt_is_intr_remap(unsigned reason)
{
    return reason >= 0x20 && reason - 0x20 < G_N_ELEMENTS(ir_reasons);
}

const char *linuxfmt_linux_reason(unsigned reason)
{
    if (linuxfmt_is_intr_remap(reason))
        return ir_reasons[reason - 0x20];
    if (reason >= 0x30) {
        for (size_t i = 0; i < G_N_ELEMENTS(sm_reasons); i++)
            if (sm_reasons[i].reason == reason)
                return sm_reasons[i].text;
        return NULL;
    }
    if (reason < G_N_ELEMENTS(legacy_reasons))
        return legacy_reasons[reason];
    return NULL;
}

void linuxfmt_fault_line(GString *out, const struct linuxfmt_fault *f,
                         enum linux_ver v)
{
    const char *reason = linuxfmt_linux_reason(f->reason);
    if (!reason)
        reason = vtd_fault_reason_str(f->reason);
    unsigned bus = (unsigned)VTD_FIELD_GET(f->sid, SID, BUS);
    unsigned dev = (unsigned)VTD_FIELD_GET(f->sid, SID, DEV);
    unsigned fn = (unsigned)VTD_FIELD_GET(f->sid, SID, FN);
    char devname[24];
    /* Mainline added the PCI segment ("%04x:%02x:%02x.%d"); 6.1 and 6.7
     * print "%02x:%02x.%d". */
    if (v == LINUX_NEW)
        snprintf(devname, sizeof(devname), "%04x:%02x:%02x.%u", f->segment,
                 bus, dev, fn);
    else
        snprintf(devname, sizeof(devname), "%02x:%02x.%u", bus, dev, fn);

    if (linuxfmt_is_intr_remap(f->reason)) {
        g_string_append_printf(out, "DMAR: [INTR-REMAP] Request device [%s] "
                               "fault index 0x%llx [fault reason 0x%02x] %s",
                               devname,
                               (unsigned long long)VTD_FIELD_GET(
                                   f->addr, FRCD_LO, IIDX),
                               f->reason, reason);
        return;
    }
    const char *type = f->is_read ? "DMA Read" : "DMA Write";
    /* A record without PASID is printed NO_PASID; with PASID the value in
     * hex (Linux passes -1 for "no PASID", so PV=0xfffff with PP=1 is
     * still a PASID). */
    if (!f->pasid_present)
        g_string_append_printf(out, "DMAR: [%s NO_PASID] ", type);
    else
        g_string_append_printf(out, "DMAR: [%s PASID 0x%x] ", type,
                               f->pasid);
    g_string_append_printf(out, "Request device [%s] fault addr 0x%llx "
                           "[fault reason 0x%02x] %s", devname,
                           (unsigned long long)f->addr, f->reason, reason);
}

void linuxfmt_fsts_line(GString *out, uint32_t fsts)
{
    g_string_append_printf(out, "DMAR: DRHD: handling fault status reg %x",
                           fsts);
}
