/* SPDX-License-Identifier: MIT */
/*
 * report/inspect_view.h: what the inspect renderers share (private to
 * report/): a view of one unit's registers, bounded reads of guest memory
 * with a budget, page-table walks and visitors over devices, PASIDs,
 * interrupt-remapping entries and fault records.  Each output format is
 * one file: inspect_text.c, inspect_json.c, inspect_dot.c,
 * inspect_debugfs.c (Linux debugfs and dmesg); inspect.c dispatches.
 */
#ifndef REPORT_INSPECT_VIEW_H
#define REPORT_INSPECT_VIEW_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

#include "report/inspect.h"

#define PAGE_MASK_4K (~(uint64_t)0xfff)
#define DEFAULT_BUDGET (4ul << 20)
#define DOT_ROWS_MAX 64

struct unit_view {
    struct vtd_iommu *u;
    unsigned idx;
    char name[16];
    uint64_t base;
    uint64_t cap, ecap, rtaddr, irta, iqa, iqh, iqt;
    uint32_t ver, gsts, fsts, fectl;
    bool scalable;
    uint64_t addr_mask;   /* address bits a table pointer may use */
};

struct view_ctx {
    const struct inspect_src *src;
    const struct inspect_opts *o;
    GString *out;
    unsigned long budget;
    bool truncated;
    bool unreadable;
};

struct leaf_sink {
    void (*leaf)(void *arg, uint64_t iova, uint64_t size, uint64_t addr,
                 unsigned perm, const uint64_t path[6]);
    void *arg;
};

/* Coalesced ranges. */
struct range {
    uint64_t iova, size, addr;
    unsigned perm;
};

/* A present context entry. */
struct dev_view {
    uint16_t sid;
    uint64_t root[2];     /* root entry lo, hi */
    uint64_t root_gpa;    /* address of the root entry */
    uint64_t ctx[4];      /* legacy: ctx[0..1]; scalable: all four */
    uint64_t ctx_gpa;
};

/* What a device (or one of its PASIDs) translates with. */
struct xlate_view {
    bool valid;
    const char *why;      /* when !valid */
    bool passthrough;
    bool fl;
    int levels;
    uint64_t table;
    uint16_t did;
    unsigned aw;
};

typedef void (*dev_fn)(struct view_ctx *c, const struct unit_view *v,
                       const struct dev_view *d, void *arg);

typedef void (*pasid_fn)(struct view_ctx *c, const struct unit_view *v,
                         const struct dev_view *d, uint32_t pasid,
                         const uint64_t pe[8], uint64_t pe_gpa, void *arg);

/* One present IRTE: its index and both qwords. */
typedef void (*irte_fn)(void *arg, unsigned index, uint64_t lo, uint64_t hi);
enum { VIEW_UNREADABLE = -1, VIEW_BUDGET = -2 };

/* ---- inspect_view.c ---- */

bool view_spend(struct view_ctx *c, unsigned long n);
bool view_read(struct view_ctx *c, uint64_t gpa, void *buf, size_t len);
uint64_t view_reg64(struct vtd_iommu *u, uint64_t off);
uint32_t view_reg32(struct vtd_iommu *u, uint64_t off);
void unit_view_init(struct unit_view *v, const struct inspect_unit *iu,
                    unsigned idx);
void view_sid_str(char *buf, size_t len, uint16_t sid);
/* The page request queue of a unit with ECAP.PRS (inspect_prq.c). */
void view_prq_text(struct view_ctx *c, const struct unit_view *v);
void view_prq_json(struct view_ctx *c, const struct unit_view *v);
void view_size_str(char *buf, size_t len, uint64_t size);
void view_perm_str(char *buf, size_t len, unsigned perm, bool fl);
const char *view_aw_str(unsigned aw);
const char *view_pgtt_str(unsigned pgtt);
uint64_t view_level_size(int level);
bool view_pte_present(uint64_t e, bool fl);
bool view_pte_leaf(uint64_t e, int level);
unsigned view_pte_perm(uint64_t e, bool fl);
void view_walk_pt(struct view_ctx *c, const struct unit_view *v, uint64_t table,
                  int level, uint64_t iova, bool fl, unsigned perm,
                  uint64_t path[6], const struct leaf_sink *s);
void view_range_leaf(void *arg, uint64_t iova, uint64_t size, uint64_t addr,
                     unsigned perm, const uint64_t path[6]);
void view_legacy_xlate(const struct unit_view *v, const struct dev_view *d,
                       struct xlate_view *x);
void view_pasid_xlate(const struct unit_view *v, const uint64_t pe[8],
                      struct xlate_view *x);
void view_foreach_device(struct view_ctx *c, const struct unit_view *v,
                         bool linux_order, dev_fn fn, void *arg);
void view_foreach_pasid(struct view_ctx *c, const struct unit_view *v,
                        const struct dev_view *d, pasid_fn fn, void *arg);
bool view_lookup_pasid(struct view_ctx *c, const struct unit_view *v,
                       const struct dev_view *d, uint32_t pasid,
                       uint64_t pe[8]);
void view_gsts_names(GString *s, uint32_t gsts);
void view_fsts_names(GString *s, uint32_t fsts);
void view_caps_line(void *opaque, const char *text);
const char *view_ttm_str(uint64_t rtaddr);
unsigned view_irt_entries(uint64_t irta);
void view_foreach_fault(const struct unit_view *v,
                        void (*fn)(void *arg, unsigned i, uint64_t lo,
                                   uint64_t hi),
                        void *arg);
int view_foreach_irte(struct view_ctx *c, const struct unit_view *v,
                      int posted, irte_fn fn, void *arg);

/* ---- the formats ---- */

void inspect_text_render(struct view_ctx *c);
void inspect_json_render(struct view_ctx *c);
void inspect_dot_render(struct view_ctx *c);
void inspect_debugfs_regset(struct view_ctx *c);
void inspect_debugfs_dmar_translation(struct view_ctx *c);
void inspect_debugfs_domain_translation(struct view_ctx *c);
void inspect_debugfs_ir_translation(struct view_ctx *c);
void inspect_debugfs_invalidation_queue(struct view_ctx *c);
void inspect_dmesg_render(struct view_ctx *c);

#endif /* REPORT_INSPECT_VIEW_H */
