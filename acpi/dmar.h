/* SPDX-License-Identifier: MIT */
/*
 * acpi/dmar.h: the ACPI DMA Remapping Reporting table (VT-d chapter 8):
 * build it from a description, parse it back, check it, dump it as text.
 *
 * The description is plain data owned by the caller; dmar_build() writes a
 * table into a buffer it allocates (free with g_free/free: it is malloc'd).
 * No function here prints; findings and dumps go to caller-supplied sinks.
 */
#ifndef ACPI_DMAR_H
#define ACPI_DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Remapping structure types (VT-d 8.2). */
enum dmar_type {
    DMAR_DRHD = 0,
    DMAR_RMRR = 1,
    DMAR_ATSR = 2,
    DMAR_RHSA = 3,
    DMAR_ANDD = 4,
    DMAR_SATC = 5,
    DMAR_SIDP = 6,
};

/* Device scope entry types (VT-d 8.3.1). */
enum dmar_scope_type {
    DMAR_SCOPE_ENDPOINT = 1,
    DMAR_SCOPE_BRIDGE = 2,
    DMAR_SCOPE_IOAPIC = 3,
    DMAR_SCOPE_HPET = 4,
    DMAR_SCOPE_NAMESPACE = 5,
};

/* DMAR header flags (VT-d 8.1). */
enum {
    DMAR_FLAG_INTR_REMAP = 1u << 0,
    DMAR_FLAG_X2APIC_OPT_OUT = 1u << 1,
    DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN = 1u << 2,
};

/* Structure flags. */
enum {
    DMAR_DRHD_INCLUDE_PCI_ALL = 1u << 0, /* 8.3 */
    DMAR_ATSR_ALL_PORTS = 1u << 0,       /* 8.5 */
    DMAR_SATC_ATC_REQUIRED = 1u << 0,    /* 8.8 */
};

/* Device scope flags, meaningful inside SIDP for types 01h/05h (8.3.1). */
enum {
    DMAR_SCOPE_REQ_WO_PASID_NESTED_NOTALLOWED = 1u << 0,
    DMAR_SCOPE_REQ_WO_PASID_PWSNP_NOTALLOWED = 1u << 1,
    DMAR_SCOPE_REQ_WO_PASID_PGSNP_NOTALLOWED = 1u << 2,
    DMAR_SCOPE_ATC_HARDENED = 1u << 3,
    DMAR_SCOPE_ATC_REQUIRED = 1u << 4,
};

#define DMAR_MAX_PATH 16      /* {device, function} pairs per scope entry */
#define DMAR_NAME_MAX 255     /* ANDD object name, without the NUL */

struct dmar_scope {
    uint8_t type;             /* enum dmar_scope_type */
    uint8_t flags;
    uint8_t enum_id;          /* IOAPIC id, HPET number, ANDD device number */
    uint8_t start_bus;
    uint8_t npath;            /* number of {dev, fn} pairs, >= 1 */
    uint8_t path[DMAR_MAX_PATH][2];
};

/* One remapping structure.  Which fields matter depends on type:
 *  DRHD: flags, size, segment, base, scopes
 *  RMRR: segment, base, limit, scopes
 *  ATSR: flags, segment, scopes
 *  RHSA: base, proximity
 *  ANDD: devnum, name
 *  SATC: flags, segment, scopes
 *  SIDP: segment, scopes
 * Unknown types keep their raw bytes in raw/rawlen (parse only). */
struct dmar_struct {
    uint16_t type;
    uint8_t flags;
    uint8_t size;             /* DRHD register set: 2^size 4 KiB pages */
    uint16_t segment;
    uint64_t base;
    uint64_t limit;
    uint32_t proximity;
    uint8_t devnum;
    char name[DMAR_NAME_MAX + 1];
    struct dmar_scope *scopes;
    unsigned nscopes;
    uint32_t offset;          /* parse: byte offset in the table */
    const uint8_t *raw;       /* parse: the structure's bytes */
    uint16_t rawlen;
};

struct dmar_desc {
    uint8_t haw;              /* host address width in bits (N+1) */
    uint8_t flags;            /* DMAR_FLAG_* */
    char oem_id[7];
    char oem_table_id[9];
    uint32_t oem_revision;
    char creator_id[5];
    uint32_t creator_revision;
    uint8_t revision;         /* table revision; 0 -> 1 */
    struct dmar_struct *structs;
    unsigned nstructs;
};

/* Free the arrays inside a description filled by dmar_parse() or by a
 * machine loader (structs and their scopes); the desc itself is not. */
void dmar_desc_clear(struct dmar_desc *d);

/* Append a structure / a scope (copies; grows arrays).  Return a pointer
 * to the stored element. */
struct dmar_struct *dmar_desc_add(struct dmar_desc *d,
                                  const struct dmar_struct *s);
struct dmar_scope *dmar_struct_add_scope(struct dmar_struct *s,
                                         const struct dmar_scope *sc);

/*
 * Build the table.  Structures are emitted in numerical type order (8.2),
 * keeping the description's order within a type, except that a DRHD with
 * INCLUDE_PCI_ALL is placed after the other DRHDs of its segment (8.3).
 * Returns 0 with *out (malloc'd) and *len, or -EINVAL with a message in
 * err (a scope path too long, a name too long, a length overflow).
 */
int dmar_build(const struct dmar_desc *d, uint8_t **out, size_t *len,
               char *err, size_t errlen);

/* A finding of the parser or checker. */
enum dmar_severity { DMAR_INFO = 0, DMAR_WARN = 1, DMAR_ERROR = 2 };
typedef void (*dmar_report_fn)(void *opaque, enum dmar_severity sev,
                               uint32_t offset, const char *msg);

/*
 * Parse a table into d (scopes point into newly allocated arrays; raw
 * points into buf, which must outlive d).  Structural problems (bad
 * signature, length, checksum, truncated structures) are reported through
 * report; parsing continues where it safely can.  Returns the number of
 * errors reported (0 = parsed cleanly).
 */
int dmar_parse(const uint8_t *buf, size_t len, struct dmar_desc *d,
               dmar_report_fn report, void *opaque);

/* What a checker may know about the machine (optional). */
struct dmar_machine_info {
    /* Source-ids (bus << 8 | devfn) of PCI functions per segment 0 only;
     * and for bridges their secondary bus, so scope paths can be walked. */
    unsigned ndev;
    struct {
        uint16_t segment;
        uint16_t sid;
        bool is_bridge;
        uint8_t secondary_bus;
    } *devs;
    unsigned nioapic;
    uint8_t *ioapic_ids;      /* I/O APIC ids from the MADT view */
    /* CAP.MGAW + 1 of the unit at each DRHD base, when known. */
    unsigned nunits;
    struct {
        uint64_t base;
        unsigned mgaw;
    } *units;
};

/*
 * Check a table for what firmware gets wrong and what Linux warns about
 * (parse errors, ordering, INCLUDE_PCI_ALL placement, duplicate units,
 * RMRR alignment and overlap, scope types per structure, HAW vs MGAW,
 * IOAPICs without a unit, and, with a machine, unresolved scope paths).
 * Returns the number of errors (warnings are not counted).
 */
int dmar_check(const uint8_t *buf, size_t len,
               const struct dmar_machine_info *machine,
               dmar_report_fn report, void *opaque);

/* Print the table as readable text through the sink (one call per line,
 * without the newline). */
typedef void (*dmar_line_fn)(void *opaque, const char *line);
void dmar_dump(const uint8_t *buf, size_t len, dmar_line_fn out,
               void *opaque);

/* Source-id a scope entry names when every path element is on the bus
 * given (no bridges in between): (start_bus << 8) | dev << 3 | fn of the
 * last element, or -1 if the path needs bridge information. */
int dmar_scope_simple_sid(const struct dmar_scope *sc);

/* Name of a structure type ("DRHD"...) or "unknown". */
const char *dmar_type_name(unsigned type);
const char *dmar_scope_type_name(unsigned type);

#endif /* ACPI_DMAR_H */
