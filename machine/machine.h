/* SPDX-License-Identifier: MIT */
/*
 * machine/machine.h: a machine description loaded from a flattened device
 * tree (the binding is docs/machine-binding.md): RAM, CPUs, remapping
 * units with their device scopes, the PCI topology, IOAPICs, HPETs, ACPI
 * namespace devices and reserved memory regions.  From it come the DMAR
 * table (acpi/dmar.h) and the routing of requesters to units.
 *
 * All strings and arrays are owned by the machine_desc; free it with
 * machine_desc_free().  Nothing here prints.
 */
#ifndef MACHINE_MACHINE_H
#define MACHINE_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/dmar.h"

struct board_scope;
struct board_ats_range;

enum machine_dev_kind {
    MDEV_PCI_HOST = 1,   /* host bridge: owns a segment and root bus */
    MDEV_PCI_BRIDGE,     /* PCI-PCI bridge or root port */
    MDEV_PCI_ENDPOINT,
    MDEV_IOAPIC,
    MDEV_HPET,
    MDEV_ACPI,           /* ACPI namespace device (ANDD) */
};

struct machine_dev {
    enum machine_dev_kind kind;
    char *path;          /* device-tree path, for messages */
    int node;            /* FDT node offset */
    uint32_t phandle;
    int parent;          /* index of the parent PCI host/bridge, or -1 */
    uint16_t segment;
    uint16_t sid;        /* bus << 8 | dev << 3 | fn (PCI: from topology;
                            IOAPIC/HPET/ACPI: vtdemu,source-id) */
    uint8_t devfn;       /* PCI: reg */
    uint8_t sec_bus, sub_bus;  /* hosts and bridges: bus-range */
    bool ats;            /* endpoint: ATS capability; bridge: root port
                            reports ATS (ATSR) */
    bool ats_all_ports;  /* host: ATSR with ALL_PORTS */
    bool satc, atc_required;
    uint8_t sidp_flags;  /* SIDP device scope flags (VT-d 8.3.1) */
    bool has_sidp;
    unsigned msi_vectors;   /* MSI capability: vectors (0 = none) */
    unsigned msix_vectors;  /* MSI-X table size (0 = none) */
    uint8_t enum_id;     /* IOAPIC id, HPET number, ACPI device number */
    uint64_t base;       /* IOAPIC/HPET MMIO base */
    char *acpi_name;     /* ACPI: fully qualified object name */
};

struct machine_unit {
    char *path;
    uint64_t base;
    uint64_t size;
    uint16_t segment;
    char *profile;       /* NULL when cap/ecap given */
    uint64_t cap, ecap;  /* resolved values the unit presents */
    unsigned mgaw;       /* CAP.MGAW + 1 */
    bool include_all;    /* INCLUDE_PCI_ALL */
    bool has_proximity;
    uint32_t proximity;
    unsigned nscope;
    int *scope;          /* indices into machine_desc.devs */
};

struct machine_rmrr {
    char *path;
    uint64_t base, limit;
    uint16_t segment;
    unsigned ndev;
    int *devs;
};

struct machine_desc {
    char *model;
    unsigned nram;
    struct { uint64_t base, size; } *ram;
    unsigned ncpu;
    struct { uint32_t apic_id; bool x2apic; } *cpus;
    unsigned nunit;
    struct machine_unit *units;
    unsigned ndev;
    struct machine_dev *devs;
    unsigned nrmrr;
    struct machine_rmrr *rmrrs;
    /* DMAR header */
    unsigned haw;        /* 0: the largest unit MGAW */
    bool x2apic_opt_out, dma_ctrl_opt_in;
    char oem_id[7], oem_table_id[9], creator_id[5];
    uint32_t oem_revision, creator_revision;
};

/*
 * Load a machine from an FDT blob.  Returns 0, or -EINVAL with a message
 * naming the node and property in err (also for any libfdt error), or
 * -ENOMEM.  On error *m is left empty.
 */
int machine_load_fdt(const void *blob, size_t len, struct machine_desc *m,
                     char *err, size_t errlen);
/* Read a .dtb file and load it; errors name the file too. */
int machine_load_file(const char *path, struct machine_desc *m, char *err,
                      size_t errlen);
void machine_desc_free(struct machine_desc *m);

/* The DMAR description of the machine (dmar_build() turns it into bytes).
 * Clear it with dmar_desc_clear(). */
int machine_to_dmar(const struct machine_desc *m, struct dmar_desc *d,
                    char *err, size_t errlen);

/* What dmar_check() may verify against; free with
 * machine_check_info_free(). */
void machine_check_info(const struct machine_desc *m,
                        struct dmar_machine_info *info);
void machine_check_info_free(struct dmar_machine_info *info);

/*
 * The device scope of unit i as closed source-id ranges (VT-d 8.3.1): an
 * endpoint, IOAPIC, HPET or ACPI device its source-id; a bridge itself and
 * its subordinate buses; a host bridge its bus range.  *n ranges, freed
 * with g_free (NULL when none).  The trace parser's 'machine' line and
 * machine_unit_for_sid() both use it.
 */
struct board_scope *machine_unit_scope(const struct machine_desc *m,
                                       unsigned i, size_t *n);

/*
 * The unit that translates requests from (segment, sid): board_route()
 * (machine/board.h, VT-d 8.3) over the segment's units and their
 * machine_unit_scope().  Returns the unit index or -1 when no unit covers
 * it.
 */
int machine_unit_for_sid(const struct machine_desc *m, uint16_t segment,
                         uint16_t sid);

/*
 * Which requesters of segment may use ATS (VT-d 8.5), as ranges for
 * board_set_ats_policy(): the buses below each root port (a bridge on a
 * host bridge's root bus), allowed when the segment has an ATSR with
 * ALL_PORTS (a host bridge with vtdemu,ats-all-ports) or the port is in
 * the ATSR's device scope (vtdemu,ats on the port), with the port's SID;
 * and each host bridge's root bus, allowed: its devices are root-complex
 * integrated, behind no root port, and the ATSR names root ports only
 * (8.8 reports their address translation caches, SATC).  A segment
 * without an ATSR has no root port that supports ATS.  *n ranges, freed
 * with g_free (NULL when none).
 */
struct board_ats_range *machine_ats_ranges(const struct machine_desc *m,
                                           uint16_t segment, size_t *n);

/* Source-ids of the PCI endpoints of segment with an ATS capability
 * (vtdemu,ats), in tree order.  *n of them, freed with g_free. */
uint16_t *machine_ats_endpoints(const struct machine_desc *m,
                                uint16_t segment, size_t *n);

/* Index of the device with that source-id (PCI devices first), or -1. */
int machine_find_sid(const struct machine_desc *m, uint16_t segment,
                     uint16_t sid);

#endif /* MACHINE_MACHINE_H */
