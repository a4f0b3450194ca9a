/* SPDX-License-Identifier: MIT */
/*
 * trace/parse.h: what the files of the vtdtrace parser share (private to
 * trace/).  trace.c holds the tokenizer, the line dispatch, the token
 * helpers below and the entry points; parse_setup.c the set-up commands
 * (ram, unit, iommu, machine, and the CPUs and IOAPICs they declare);
 * parse_request.c the actions and expectations (mem, mmio, reg, dma, msi,
 * cpu, pid, ioapic).  Every helper returns false after recording the
 * first error with fail_() (file:line: message).
 */
#ifndef TRACE_PARSE_H
#define TRACE_PARSE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "trace/trace.h"

/* At most this many CPUs (apic_sys_new's limit). */
#define TRACE_CPUS_MAX 1024u

/* Largest machine description file accepted (a .dtb is a few KiB). */
#define MACHINE_FILE_MAX (64u << 20)

struct kv {
    char *key;      /* points into the line copy */
    char *val;      /* NULL for a bare flag */
    bool used;
};

struct parser {
    const char *path;
    unsigned line;
    char *err;
    size_t errlen;
    bool failed;
    struct trace *t;
    GArray *cmds, *units, *ram, *cpus, *ioapics;
    bool seen_header, seen_action, seen_ram, seen_iommu;
    const char *run_machine; /* vtdemu run: the preset machine file */
    /* tokens of the current line */
    GPtrArray *pos;        /* positional tokens */
    GArray *kvs;           /* struct kv */
};

/* ---- token helpers (trace.c) ---- */

bool fail_(struct parser *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
const char *shown_(const char *s);
bool str_to_u64_(const char *s, uint64_t *out);
bool parse_u64_(struct parser *p, const char *what, const char *s,
                uint64_t *out);
bool parse_num_max_(struct parser *p, const char *what, const char *s,
                    uint64_t max, uint64_t *out);
int hexval_(char c);
bool parse_hexbytes_(struct parser *p, const char *s, uint8_t **out,
                     size_t *n);
bool parse_yesno_(struct parser *p, const char *key, const char *v,
                  enum trace_tri *out);
bool parse_sid_(struct parser *p, const char *s, bool allow_none,
                uint16_t *sid, bool *valid);
const char *kv_get_(struct parser *p, const char *key);
bool flag_get_(struct parser *p, const char *name);
bool need_version_(struct parser *p, unsigned v, const char *what);
bool check_leftovers_(struct parser *p, const char *cmd);
bool npos_(struct parser *p, guint want_min, guint want_max,
           const char *usage);
const char *posn_(struct parser *p, guint i);
/* The blank every command starts from: zero, no unit (-1), no PASID,
 * recorded/notify/stale unset. */
void cmd_blank_(struct trace_cmd *c);
/* The SID at position i into c (sid_valid set). */
bool cmd_sid_(struct parser *p, guint i, struct trace_cmd *c);
struct trace_cmd *new_cmd_(struct parser *p, enum trace_op op,
                           const char *text);
bool put_cmd_(struct parser *p, enum trace_op op, const char *text,
              const struct trace_cmd *c);
bool setup_ok_(struct parser *p, const char *what);

/* ---- commands: set-up (parse_setup.c), actions (parse_request.c) ---- */

bool cmd_ram_(struct parser *p);
bool cmd_unit_(struct parser *p, bool named);
bool cmd_machine_(struct parser *p);
bool load_machine_(struct parser *p, char *path);
bool cmd_mem_(struct parser *p, const char *text);
bool cmd_mmio_(struct parser *p, const char *text);
bool cmd_reg_(struct parser *p, const char *text);
bool cmd_dma_(struct parser *p, const char *text);
bool cmd_msi_(struct parser *p, const char *text);
bool cmd_ats_(struct parser *p, const char *text);   /* parse_ats.c */
bool unit_key_(struct parser *p, struct trace_cmd *c);
bool add_cpu_(struct parser *p, const struct trace_cpu *cpu);
bool add_ioapic_(struct parser *p, const struct trace_ioapic *io);
bool cmd_cpu_(struct parser *p, const char *text);
bool cmd_pid_(struct parser *p, const char *text);
bool cmd_ioapic_(struct parser *p, const char *text);
/* page-request and page-response (parse_prq.c) */
bool cmd_page_request_(struct parser *p, const char *text);
bool cmd_page_response_(struct parser *p, const char *text);
bool cmd_prdev_(struct parser *p, const char *text);

#endif /* TRACE_PARSE_H */
