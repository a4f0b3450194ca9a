/* SPDX-License-Identifier: MIT */
/*
 * report/linuxfmt.h: faults in Linux's words.
 *
 * A recorded fault (the two qwords of a fault recording register, VT-d
 * 11.4.14, or the same fields given one by one) printed the way the Linux
 * intel-iommu driver prints it in dmesg (drivers/iommu/intel/dmar.c,
 * dmar_fault_do_one()), with Linux's reason strings where Linux has one and
 * the spec's condition name (vtd_fault_reason_str()) where it does not.
 *
 * Pure functions: no allocation except the GString the caller passes, no
 * global state; safe from any thread.
 */
#ifndef REPORT_LINUXFMT_H
#define REPORT_LINUXFMT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Linux versions whose output layouts differ. */
enum linux_ver {
    LINUX_6_1 = 0, /* Linux 6.1 (the oracle guest) */
    LINUX_6_7,     /* 6.7: per-device domain_translation_struct */
    LINUX_NEW,     /* current mainline: PCI segment in fault lines */
};

/* Parse "6.1", "6.7" or "new".  Returns false for anything else. */
bool linux_ver_parse(const char *s, enum linux_ver *out);
const char *linux_ver_name(enum linux_ver v);

/* One fault, as a fault recording register holds it (VT-d 11.4.14). */
struct linuxfmt_fault {
    uint16_t sid;
    unsigned reason;   /* FR */
    uint64_t addr;     /* FI: page address; interrupt faults: index in 63:48 */
    bool is_read;      /* T1: 1 read, 0 write */
    bool pasid_present;
    uint32_t pasid;    /* PV, when pasid_present */
    uint16_t segment;  /* PCI segment (LINUX_NEW prints it) */
};

/* Decode a fault recording register: lo = bits 63:0, hi = bits 127:64.
 * Returns the F bit (true when the record holds a fault). */
bool linuxfmt_from_frcd(uint64_t lo, uint64_t hi, struct linuxfmt_fault *out);

/* True when Linux treats reason as an interrupt-remapping fault
 * (0x20-0x26: its irq_remap_fault_reasons table). */
bool linuxfmt_is_intr_remap(unsigned reason);

/* The reason text Linux prints for reason, or NULL where Linux prints
 * "Unknown" (the caller then uses the spec's name). */
const char *linuxfmt_linux_reason(unsigned reason);

/* Append the dmesg line (with the "DMAR: " prefix, no newline) for f. */
void linuxfmt_fault_line(GString *out, const struct linuxfmt_fault *f,
                         enum linux_ver v);

/* Append "DMAR: DRHD: handling fault status reg %x" as Linux prints it
 * before a batch of faults (no newline). */
void linuxfmt_fsts_line(GString *out, uint32_t fsts);

#endif
