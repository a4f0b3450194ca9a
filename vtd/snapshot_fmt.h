/* SPDX-License-Identifier: MIT */
/*
 * vtd/snapshot_fmt.h: the snapshot stream's framing, shared by the writer
 * (snapshot.c) and the reader (snapshot_load.c); the format table is in
 * docs/snapshot.md.  Private to the core.
 */
#ifndef VTD_SNAPSHOT_FMT_H
#define VTD_SNAPSHOT_FMT_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_HDR_SIZE 24u
#define SNAP_CRC_SIZE 4u
#define SNAP_SEC_HDR 8u
static const uint8_t snap_magic[8] = { 'V', 'T', 'D', 'S', 'N', 'A', 'P', 0 };

/* Section tags: four ASCII characters, stored in order.  An upper-case
 * first letter marks a section a reader must understand; a lower-case one
 * a section it may skip (the PNG chunk rule). */
#define TAG(a, b, c, d)                                                    \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 |             \
     (uint32_t)(d) << 24)
#define TAG_CONF TAG('C', 'O', 'N', 'F')
#define TAG_REGS TAG('R', 'E', 'G', 'S')
#define TAG_UNIT TAG('U', 'N', 'I', 'T')
#define TAG_CACH TAG('c', 'a', 'c', 'h')
#define TAG_STAT TAG('s', 't', 'a', 't')
#define TAG_PSCC TAG('p', 's', 'c', 'c')   /* paging-structure caches */
/* Device-TLB invalidations in flight and the unit clock (vtd/ats.c):
 * required (a reader that cannot honour outstanding ITags must refuse),
 * written only when there is something to carry. */
#define TAG_ATSI TAG('A', 'T', 'S', 'I')

/* CONF flags: the configuration choices that change architectural
 * behaviour are checked on load; the others are carried for information. */
#define CONF_NO_COLLAPSE (1u << 0) /* cfg.no_fault_collapse (checked) */
#define CONF_CACHE_NONE (1u << 1)  /* cfg.cache == VTD_CACHE_NONE */
#define CONF_LINT (1u << 2)        /* cfg.lint */
#define CONF_PSC (1u << 3)         /* paging-structure caches on (pscache.h) */
#define CONF_KNOWN (CONF_NO_COLLAPSE | CONF_CACHE_NONE | CONF_LINT | CONF_PSC)

/* UNIT section size in version 1. */
#define UNIT_SIZE (8u + 8u + 4u + 4u + 4u + 4u * 8u)
#define CONF_SIZE (8u + 8u + 4u + 4u + 4u)
#define STAT_COUNT 8u

/* CRC-32 of the stream (snapshot.c). */
uint32_t vtd_snap_crc32_(const uint8_t *p, size_t n);

#endif
