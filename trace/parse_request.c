/* SPDX-License-Identifier: MIT */
/* trace/parse_request.c: the action and expectation lines of a vtdtrace
 * (mem, mmio, reg, dma, msi; cpu, pid, ioapic) (see parse.h). */
#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <vtd/layout.h>

#include "machine/machine.h"
#include "trace/parse.h"

bool cmd_mem_(struct parser *p, const char *text)
{
    if (!npos_(p, 4, 4, "mem write|expect ADDR HEX"))
        return false;
    const char *sub = posn_(p, 1);
    enum trace_op op;
    if (strcmp(sub, "write") == 0)
        op = TRACE_MEM_WRITE;
    else if (strcmp(sub, "expect") == 0)
        op = TRACE_MEM_EXPECT;
    else
        return fail_(p, "unknown 'mem %s' (write or expect)", shown_(sub));
    uint64_t addr;
    uint8_t *b = NULL;
    size_t n = 0;
    if (!parse_u64_(p, "address", posn_(p, 2), &addr) ||
        !parse_hexbytes_(p, posn_(p, 3), &b, &n))
        return false;
    if (addr + (n - 1) < addr) {
        g_free(b);
        return fail_(p, "bytes run past the top of the address space");
    }
    if (!check_leftovers_(p, "mem")) {
        g_free(b);
        return false;
    }
    struct trace_cmd *c = new_cmd_(p, op, text);
    c->addr = addr;
    c->bytes = b;
    c->nbytes = n;
    return true;
}

static bool parse_size_arg(struct parser *p, const char *s, unsigned *size)
{
    if (strcmp(s, "4") == 0)
        *size = 4;
    else if (strcmp(s, "8") == 0)
        *size = 8;
    else
        return fail_(p, "access size must be 4 or 8, not '%s'", shown_(s));
    return true;
}

static bool read_expect(struct parser *p, struct trace_cmd *c)
{
    const char *e = kv_get_(p, "expect"), *m = kv_get_(p, "mask");
    if (m && !e)
        return fail_(p, "mask= without expect=");
    if (e) {
        c->has_expect = true;
        if (!parse_u64_(p, "expect", e, &c->expect))
            return false;
        if (m && !parse_u64_(p, "mask", m, &c->mask))
            return false;
    }
    return true;
}

static bool unit_key(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get_(p, "unit");
    if (!v)
        return true;
    if (!need_version_(p, 2, "unit="))
        return false;
    for (guint i = 0; i < p->units->len; i++) {
        if (strcmp(g_array_index(p->units, struct trace_unit, i).name,
                   v) == 0) {
            c->unit = (int)i;
            return true;
        }
    }
    return fail_(p, "no unit named '%s'", shown_(v));
}

/* parse.h: unit= for the commands of the other parser files. */
bool unit_key_(struct parser *p, struct trace_cmd *c)
{
    return unit_key(p, c);
}

bool cmd_mmio_(struct parser *p, const char *text)
{
    if (p->pos->len < 2)
        return fail_(p, "usage: mmio write ADDR SIZE VALUE | mmio read ADDR "
                     "SIZE [expect=VALUE] [mask=MASK]");
    const char *sub = posn_(p, 1);
    uint64_t addr;
    unsigned size;
    if (strcmp(sub, "write") == 0) {
        uint64_t val;
        if (!npos_(p, 5, 5, "mmio write ADDR SIZE VALUE") ||
            !parse_u64_(p, "address", posn_(p, 2), &addr) ||
            !parse_size_arg(p, posn_(p, 3), &size) ||
            !parse_num_max_(p, "value", posn_(p, 4),
                            size == 4 ? 0xffffffffULL : ~0ULL, &val) ||
            !check_leftovers_(p, "mmio write"))
            return false;
        struct trace_cmd *c = new_cmd_(p, TRACE_MMIO_WRITE, text);
        c->addr = addr;
        c->size = size;
        c->value = val;
        return true;
    }
    if (strcmp(sub, "read") == 0) {
        struct trace_cmd tmp;
        memset(&tmp, 0, sizeof(tmp));
        tmp.mask = ~0ULL;
        if (!npos_(p, 4, 4, "mmio read ADDR SIZE [expect=VALUE] [mask=MASK]")
            || !parse_u64_(p, "address", posn_(p, 2), &addr) ||
            !parse_size_arg(p, posn_(p, 3), &size) || !read_expect(p, &tmp) ||
            !check_leftovers_(p, "mmio read"))
            return false;
        struct trace_cmd *c = new_cmd_(p, TRACE_MMIO_READ, text);
        c->addr = addr;
        c->size = size;
        c->has_expect = tmp.has_expect;
        c->expect = tmp.expect;
        c->mask = tmp.mask;
        return true;
    }
    return fail_(p, "unknown 'mmio %s' (write or read)", shown_(sub));
}

bool cmd_reg_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "'reg'"))
        return false;
    if (p->pos->len < 3)
        return fail_(p, "usage: reg write NAME VALUE | reg read NAME "
                     "[expect=VALUE] [mask=MASK]  [unit=NAME] [size=4|8]");
    const char *sub = posn_(p, 1);
    bool wr;
    if (strcmp(sub, "write") == 0)
        wr = true;
    else if (strcmp(sub, "read") == 0)
        wr = false;
    else
        return fail_(p, "unknown 'reg %s' (write or read)", shown_(sub));
    if (!npos_(p, wr ? 4 : 3, wr ? 4 : 3, wr ? "reg write NAME VALUE" :
               "reg read NAME [expect=VALUE] [mask=MASK]"))
        return false;
    char *name = g_ascii_strup(posn_(p, 2), -1);
    if (!trace_reg_name_valid(name)) {
        fail_(p, "unknown register '%s'", shown_(posn_(p, 2)));
        g_free(name);
        return false;
    }
    struct trace_cmd tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.mask = ~0ULL;
    tmp.unit = -1;
    const char *sz = kv_get_(p, "size");
    bool ok = (!sz || parse_size_arg(p, sz, &tmp.size)) &&
              (!wr || parse_u64_(p, "value", posn_(p, 3), &tmp.value)) &&
              (wr || read_expect(p, &tmp)) && unit_key(p, &tmp) &&
              check_leftovers_(p, "reg");
    if (ok && wr && tmp.size == 4 && tmp.value > 0xffffffffULL)
        ok = fail_(p, "value does not fit in 4 bytes");
    if (!ok) {
        g_free(name);
        return false;
    }
    struct trace_cmd *c = new_cmd_(p, wr ? TRACE_REG_WRITE : TRACE_REG_READ,
                                   text);
    c->reg = name;
    c->size = tmp.size;
    c->value = tmp.value;
    c->has_expect = tmp.has_expect;
    c->expect = tmp.expect;
    c->mask = tmp.mask;
    c->unit = tmp.unit;
    return true;
}

static bool opt_reason(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get_(p, "reason");
    uint64_t n;
    if (!v)
        return true;
    if (!parse_num_max_(p, "reason", v, 0x1ff, &n))
        return false;
    c->has_reason = true;
    c->reason = (unsigned)n;
    return true;
}

static bool opt_stale(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get_(p, "stale");
    if (!v)
        return true;
    return need_version_(p, 2, "stale=") &&
           parse_yesno_(p, "stale", v, &c->stale);
}

/* Keys that belong to an expectation kind other than the one given. */
static bool no_keys(struct parser *p, const char *kind, const char *const *keys)
{
    for (; *keys; keys++) {
        for (guint i = 0; i < p->kvs->len; i++) {
            struct kv *kv = &g_array_index(p->kvs, struct kv, i);
            if (kv->val && strcmp(kv->key, *keys) == 0)
                return fail_(p, "%s= does not go with %s", *keys, kind);
        }
    }
    return true;
}

bool cmd_dma_(struct parser *p, const char *text)
{
    if (!npos_(p, 4, 4, "dma SID read|write IOVA [len=N] [expect=...]"))
        return false;
    struct trace_cmd c;
    cmd_blank_(&c);
    if (!cmd_sid_(p, 1, &c))
        return false;
    const char *rw = posn_(p, 2);
    if (strcmp(rw, "read") == 0)
        c.access = VTD_ACC_READ;
    else if (strcmp(rw, "write") == 0) {
        c.access = VTD_ACC_WRITE;
        c.is_write = true;
    } else
        return fail_(p, "dma access must be read or write, not '%s'",
                     shown_(rw));
    if (!parse_u64_(p, "iova", posn_(p, 3), &c.addr))
        return false;
    const char *v;
    uint64_t n;
    c.len = 4;
    if ((v = kv_get_(p, "len"))) {
        if (!parse_num_max_(p, "len", v, 4096, &n))
            return false;
        if (n == 0)
            return fail_(p, "len must be at least 1");
        c.len = (uint32_t)n;
    }
    /* FORMAT.md: a request does not cross a 4 KiB boundary. */
    if ((c.addr & ~VTD_PAGE_MASK) + c.len > VTD_PAGE_4K)
        return fail_(p, "dma of %u bytes at 0x%" G_GINT64_MODIFIER "x "
                     "crosses a 4 KiB boundary", c.len, (guint64)c.addr);
    if ((v = kv_get_(p, "pasid"))) {
        if (!need_version_(p, 2, "pasid=") ||
            !parse_num_max_(p, "pasid", v, VTD_PASID_MAX, &n))
            return false;
        c.pasid = (uint32_t)n;
    }
    if (flag_get_(p, "exec")) {
        if (!need_version_(p, 2, "exec"))
            return false;
        c.access |= VTD_ACC_EXEC;
    }
    if (flag_get_(p, "priv")) {
        if (!need_version_(p, 2, "priv"))
            return false;
        c.access |= VTD_ACC_PRIV;
    }
    c.at = VTD_AT_UNTRANSLATED;
    if ((v = kv_get_(p, "at"))) {
        if (!need_version_(p, 2, "at="))
            return false;
        if (strcmp(v, "untranslated") == 0)
            c.at = VTD_AT_UNTRANSLATED;
        else if (strcmp(v, "translation") == 0)
            c.at = VTD_AT_TRANSLATION;
        else if (strcmp(v, "translated") == 0)
            c.at = VTD_AT_TRANSLATED;
        else
            return fail_(p, "at= must be untranslated, translation or "
                         "translated");
    }
    if (!unit_key(p, &c) || !opt_stale(p, &c))
        return false;
    static const char *const fault_keys[] = { "reason", "recorded", NULL };
    static const char *const ok_keys[] = { "gpa", NULL };
    v = kv_get_(p, "expect");
    if (!v) {
        if (!no_keys(p, "a dma line without expect=", fault_keys) ||
            !no_keys(p, "a dma line without expect=", ok_keys))
            return false;
    } else if (strcmp(v, "ok") == 0) {
        c.exp = TRACE_EXP_OK;
        if (!no_keys(p, "expect=ok", fault_keys))
            return false;
        if ((v = kv_get_(p, "gpa"))) {
            if (!parse_u64_(p, "gpa", v, &c.gpa))
                return false;
            c.has_gpa = true;
        }
    } else if (strcmp(v, "fault") == 0) {
        c.exp = TRACE_EXP_FAULT;
        if (!no_keys(p, "expect=fault", ok_keys) || !opt_reason(p, &c))
            return false;
        if ((v = kv_get_(p, "recorded")) &&
            !parse_yesno_(p, "recorded", v, &c.recorded))
            return false;
    } else {
        return fail_(p, "dma expect= must be ok or fault, not '%s'",
                     shown_(v));
    }
    if (!check_leftovers_(p, "dma"))
        return false;
    return put_cmd_(p, TRACE_DMA, text, &c);
}

/* The fields expect=remapped may check, each once: the key, its
 * TRACE_IRQ_* bit, the largest value, and where it goes in the command. */
#define IRQ_KEY(name, bit, max)                                             \
    { #name, bit, max, offsetof(struct trace_cmd, name),                    \
      sizeof(((struct trace_cmd *)0)->name) }
static const struct irq_key {
    const char *key;
    unsigned bit;
    uint64_t max;
    size_t off, size;   /* a uint32_t or a uint8_t of struct trace_cmd */
} irq_keys[] = {
    IRQ_KEY(dest, TRACE_IRQ_DEST, 0xffffffffu),
    IRQ_KEY(vector, TRACE_IRQ_VECTOR, 0xff),
    IRQ_KEY(dm, TRACE_IRQ_DM, 1),
    IRQ_KEY(tm, TRACE_IRQ_TM, 1),
    IRQ_KEY(dlm, TRACE_IRQ_DLM, 7),
    IRQ_KEY(rh, TRACE_IRQ_RH, 1),
};
#undef IRQ_KEY

/* expect=remapped: read every key of irq_keys that is given. */
static bool irq_fields(struct parser *p, struct trace_cmd *c)
{
    for (size_t i = 0; i < G_N_ELEMENTS(irq_keys); i++) {
        const struct irq_key *k = &irq_keys[i];
        const char *v = kv_get_(p, k->key);
        uint64_t n;
        if (!v)
            continue;
        if (!parse_num_max_(p, k->key, v, k->max, &n))
            return false;
        c->irq_checks |= k->bit;
        if (k->size == sizeof(uint32_t)) {
            uint32_t x = (uint32_t)n;
            memcpy((char *)c + k->off, &x, sizeof(x));
        } else {
            uint8_t x = (uint8_t)n;
            memcpy((char *)c + k->off, &x, sizeof(x));
        }
    }
    return true;
}

/* No key of irq_keys with an outcome other than remapped. */
static bool no_irq_keys(struct parser *p, const char *kind)
{
    for (size_t i = 0; i < G_N_ELEMENTS(irq_keys); i++) {
        const char *const one[] = { irq_keys[i].key, NULL };
        if (!no_keys(p, kind, one))
            return false;
    }
    return true;
}

bool cmd_msi_(struct parser *p, const char *text)
{
    if (!npos_(p, 4, 4, "msi SID|- ADDR DATA [expect=...]"))
        return false;
    struct trace_cmd c;
    cmd_blank_(&c);
    uint64_t n;
    if (!parse_sid_(p, posn_(p, 1), true, &c.sid, &c.sid_valid) ||
        !parse_u64_(p, "address", posn_(p, 2), &c.addr) ||
        !parse_num_max_(p, "data", posn_(p, 3), 0xffffffffu, &n))
        return false;
    c.value = n;
    if (!unit_key(p, &c) || !opt_stale(p, &c))
        return false;
    static const char *const blocked_keys[] = { "reason", NULL };
    static const char *const posted_keys[] = { "notify", NULL };
    const char *v = kv_get_(p, "expect");
    const char *kind = v ? v : "a msi line without expect=";
    if (!v || strcmp(v, "passthrough") == 0) {
        c.exp = v ? TRACE_EXP_PASSTHROUGH : TRACE_EXP_NONE;
        if (!no_irq_keys(p, kind) || !no_keys(p, kind, blocked_keys) ||
            !no_keys(p, kind, posted_keys))
            return false;
    } else if (strcmp(v, "remapped") == 0) {
        c.exp = TRACE_EXP_REMAPPED;
        if (!no_keys(p, kind, blocked_keys) || !no_keys(p, kind, posted_keys))
            return false;
        if (!irq_fields(p, &c))
            return false;
    } else if (strcmp(v, "blocked") == 0) {
        c.exp = TRACE_EXP_BLOCKED;
        if (!no_irq_keys(p, kind) || !no_keys(p, kind, posted_keys) ||
            !opt_reason(p, &c))
            return false;
    } else if (strcmp(v, "posted") == 0) {
        c.exp = TRACE_EXP_POSTED;
        if (!no_irq_keys(p, kind) || !no_keys(p, kind, blocked_keys))
            return false;
        if ((v = kv_get_(p, "notify")) &&
            !parse_yesno_(p, "notify", v, &c.notify))
            return false;
    } else {
        return fail_(p, "msi expect= must be remapped, passthrough, blocked "
                     "or posted, not '%s'", shown_(v));
    }
    if (!check_leftovers_(p, "msi"))
        return false;
    return put_cmd_(p, TRACE_MSI, text, &c);
}

/* A comma list of vectors 0-255, or "none" (the empty set). */
static bool parse_vset(struct parser *p, const char *key, const char *s,
                       uint64_t set[4])
{
    memset(set, 0, 4 * sizeof(set[0]));
    if (strcmp(s, "none") == 0)
        return true;
    char **parts = g_strsplit(s, ",", -1);
    bool ok = true;
    for (char **q = parts; ok && *q; q++) {
        uint64_t v;
        char what[32];
        snprintf(what, sizeof(what), "%s vector", key);
        ok = parse_num_max_(p, what, *q, 255, &v);
        if (ok)
            set[v / 64] |= 1ull << (v % 64);
    }
    g_strfreev(parts);
    return ok;
}

static bool parse_apic_id(struct parser *p, const char *s, uint32_t *id)
{
    uint64_t v;
    if (!parse_num_max_(p, "APIC id", s, UINT32_MAX, &v))
        return false;
    *id = (uint32_t)v;
    return true;
}

static bool parse_bit(struct parser *p, const char *key, enum trace_tri *out)
{
    const char *v = kv_get_(p, key);
    if (!v)
        return true;
    if (strcmp(v, "0") == 0)
        *out = TRACE_NO;
    else if (strcmp(v, "1") == 0)
        *out = TRACE_YES;
    else
        return fail_(p, "%s= must be 0 or 1, not '%s'", key, shown_(v));
    return true;
}

/* expect=VEC|none for ack and eoi. */
static bool parse_ack_expect(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get_(p, "expect");
    c->ack_vector = -2;
    if (!v)
        return true;
    if (strcmp(v, "none") == 0) {
        c->ack_vector = -1;
        return true;
    }
    uint64_t n;
    if (!parse_num_max_(p, "expect vector", v, 255, &n))
        return false;
    c->ack_vector = (int)n;
    return true;
}

/* cpu APICID [x2apic] [ldr=] [dfr=flat|cluster] (set-up), or an action:
 * cpu APICID expect|ack|eoi|guest-mode ... */
bool cmd_cpu_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "'cpu'"))
        return false;
    if (p->pos->len < 2)
        return fail_(p, "usage: cpu APICID [x2apic] | cpu APICID expect|ack|"
                     "eoi|guest-mode ...");
    uint32_t id;
    if (!parse_apic_id(p, posn_(p, 1), &id))
        return false;
    const char *sub = p->pos->len > 2 ? posn_(p, 2) : NULL;
    if (!sub || strcmp(sub, "x2apic") == 0) {
        if (!setup_ok_(p, "cpu") ||
            !npos_(p, 2, 3, "cpu APICID [x2apic] [ldr=ID] [dfr=flat|cluster] "
                   "[tpr=N]"))
            return false;
        struct trace_cpu cpu = { .line = p->line, .apic_id = id,
                                 .x2apic = sub != NULL };
        const char *ldr = kv_get_(p, "ldr"), *dfr = kv_get_(p, "dfr"),
                   *tpr = kv_get_(p, "tpr");
        uint64_t v;
        if (tpr) {
            if (!parse_num_max_(p, "tpr", tpr, 255, &v))
                return false;
            cpu.tpr = (uint8_t)v;
        }
        if (ldr) {
            if (cpu.x2apic)
                return fail_(p, "ldr= is for xAPIC mode (x2APIC derives the "
                             "logical id from the APIC id)");
            if (!parse_num_max_(p, "ldr", ldr, 255, &v))
                return false;
            cpu.ldr = (uint8_t)v;
        }
        if (dfr) {
            if (cpu.x2apic)
                return fail_(p, "dfr= is for xAPIC mode");
            if (strcmp(dfr, "cluster") == 0)
                cpu.cluster = true;
            else if (strcmp(dfr, "flat") != 0)
                return fail_(p, "dfr= must be flat or cluster, not '%s'",
                             shown_(dfr));
        }
        if (!cpu.x2apic && id > 0xff)
            return fail_(p, "APIC id 0x%x needs x2apic", id);
        return check_leftovers_(p, "cpu") && add_cpu_(p, &cpu);
    }
    bool known = false;
    for (guint i = 0; i < p->cpus->len; i++)
        known |= g_array_index(p->cpus, struct trace_cpu, i).apic_id == id;
    if (!known)
        return fail_(p, "no CPU with APIC id 0x%x (give a 'cpu' set-up line "
                     "or a machine with CPUs)", id);
    struct trace_cmd *c;
    if (strcmp(sub, "expect") == 0) {
        if (!npos_(p, 3, 3, "cpu APICID expect [irr=] [isr=] [tmr=] [virr=]"))
            return false;
        c = new_cmd_(p, 0, text);
        c->mop = TRACE_M_CPU_EXPECT;
        static const char *const keys[] = { "irr", "isr", "tmr", "virr" };
        for (unsigned k = 0; k < 4; k++) {
            const char *v = kv_get_(p, keys[k]);
            if (!v)
                continue;
            if (!parse_vset(p, keys[k], v, c->vset[k]))
                return false;
            c->vset_mask |= 1u << k;
        }
        if (!c->vset_mask)
            return fail_(p, "cpu expect needs irr=, isr=, tmr= or virr=");
    } else if (strcmp(sub, "ack") == 0 || strcmp(sub, "eoi") == 0) {
        bool ack = sub[0] == 'a';
        if (!npos_(p, 3, 3, ack ? "cpu APICID ack [expect=VEC|none]"
                   : "cpu APICID eoi [expect=VEC|none]"))
            return false;
        c = new_cmd_(p, 0, text);
        c->mop = ack ? TRACE_M_CPU_ACK : TRACE_M_CPU_EOI;
        if (!parse_ack_expect(p, c))
            return false;
    } else if (strcmp(sub, "guest-mode") == 0) {
        if (!npos_(p, 4, 4, "cpu APICID guest-mode on nv=VEC pid=ADDR | off"))
            return false;
        c = new_cmd_(p, 0, text);
        c->mop = TRACE_M_CPU_GUEST;
        const char *onoff = posn_(p, 3);
        if (strcmp(onoff, "on") == 0) {
            const char *nv = kv_get_(p, "nv"), *pid = kv_get_(p, "pid");
            uint64_t v;
            if (!nv || !pid)
                return fail_(p, "guest-mode on needs nv= and pid=");
            if (!parse_num_max_(p, "nv", nv, 255, &v))
                return false;
            c->nv = (uint8_t)v;
            if (!parse_u64_(p, "pid", pid, &c->addr))
                return false;
            if (c->addr & 63)
                return fail_(p, "pid= must be 64-byte aligned (VT-d 9.11)");
            c->guest_on = true;
        } else if (strcmp(onoff, "off") != 0) {
            return fail_(p, "guest-mode must be on or off, not '%s'",
                         shown_(onoff));
        }
    } else {
        return fail_(p, "unknown cpu action '%s' (expect, ack, eoi, "
                     "guest-mode)", shown_(sub));
    }
    c->apic_id = id;
    return check_leftovers_(p, "cpu");
}

/* pid ADDR expect [on=0|1] [sn=0|1] [pir=VEC,...|none] */
bool cmd_pid_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "'pid'") ||
        !npos_(p, 3, 3, "pid ADDR expect [on=0|1] [sn=0|1] [pir=VEC,...|none]"))
        return false;
    if (strcmp(posn_(p, 2), "expect") != 0)
        return fail_(p, "usage: pid ADDR expect [on=] [sn=] [pir=]");
    struct trace_cmd *c = new_cmd_(p, 0, text);
    c->mop = TRACE_M_PID_EXPECT;
    c->on = c->sn = TRACE_UNSET;
    if (!parse_u64_(p, "pid address", posn_(p, 1), &c->addr))
        return false;
    if (c->addr & 63)
        return fail_(p, "a posted-interrupt descriptor is 64-byte aligned "
                     "(VT-d 9.11)");
    if (!parse_bit(p, "on", &c->on) || !parse_bit(p, "sn", &c->sn))
        return false;
    const char *pir = kv_get_(p, "pir");
    if (pir) {
        if (!parse_vset(p, "pir", pir, c->vset[TRACE_VSET_PIR]))
            return false;
        c->vset_mask |= 1u << TRACE_VSET_PIR;
    }
    if (c->on == TRACE_UNSET && c->sn == TRACE_UNSET && !c->vset_mask)
        return fail_(p, "pid expect needs on=, sn= or pir=");
    return check_leftovers_(p, "pid");
}

/* ioapic base=ADDR id=N sid=BB:DD.F (set-up), or
 * ioapic write REG VALUE | read REG [expect=] | assert PIN | deassert PIN,
 * each with [id=N] when there are several. */
bool cmd_ioapic_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "'ioapic'"))
        return false;
    uint64_t v;
    if (p->pos->len == 1) {
        if (!setup_ok_(p, "ioapic"))
            return false;
        const char *b = kv_get_(p, "base"), *id = kv_get_(p, "id"),
                   *sid = kv_get_(p, "sid");
        if (!b || !id || !sid)
            return fail_(p, "usage: ioapic base=ADDR id=N sid=BB:DD.F");
        struct trace_ioapic io = { .line = p->line };
        bool valid;
        if (!parse_u64_(p, "base", b, &io.base) ||
            !parse_num_max_(p, "id", id, 255, &v) ||
            !parse_sid_(p, sid, false, &io.sid, &valid))
            return false;
        io.id = (uint8_t)v;
        return check_leftovers_(p, "ioapic") && add_ioapic_(p, &io);
    }
    const char *sub = posn_(p, 1);
    struct trace_cmd *c;
    if (strcmp(sub, "write") == 0) {
        if (!npos_(p, 4, 4, "ioapic write REG VALUE [id=N]"))
            return false;
        c = new_cmd_(p, 0, text);
        c->mop = TRACE_M_IOAPIC_WRITE;
        if (!parse_num_max_(p, "register", posn_(p, 2), 255, &c->addr) ||
            !parse_num_max_(p, "value", posn_(p, 3), UINT32_MAX, &c->value))
            return false;
    } else if (strcmp(sub, "read") == 0) {
        if (!npos_(p, 3, 3, "ioapic read REG [expect=V [mask=M]] [id=N]"))
            return false;
        c = new_cmd_(p, 0, text);
        c->mop = TRACE_M_IOAPIC_READ;
        if (!parse_num_max_(p, "register", posn_(p, 2), 255, &c->addr) ||
            !read_expect(p, c))
            return false;
    } else if (strcmp(sub, "assert") == 0 || strcmp(sub, "deassert") == 0) {
        if (!npos_(p, 3, 3, "ioapic assert|deassert PIN [id=N]"))
            return false;
        c = new_cmd_(p, 0, text);
        c->mop = sub[0] == 'a' ? TRACE_M_IOAPIC_ASSERT
                               : TRACE_M_IOAPIC_DEASSERT;
        if (!parse_num_max_(p, "pin", posn_(p, 2), 23, &c->addr))
            return false;
    } else {
        return fail_(p, "unknown ioapic action '%s' (write, read, assert, "
                     "deassert)", shown_(sub));
    }
    const char *id = kv_get_(p, "id");
    c->ioapic = -1;
    if (id) {
        if (!parse_num_max_(p, "id", id, 255, &v))
            return false;
        for (guint i = 0; i < p->ioapics->len; i++)
            if (g_array_index(p->ioapics, struct trace_ioapic, i).id == v)
                c->ioapic = (int)i;
        if (c->ioapic < 0)
            return fail_(p, "no IOAPIC with id %s", shown_(id));
    } else if (p->ioapics->len == 1) {
        c->ioapic = 0;
    } else {
        return fail_(p, p->ioapics->len ? "several IOAPICs: give id=N"
                                        : "no IOAPIC (give an 'ioapic' "
                                          "set-up line or a machine with "
                                          "one)");
    }
    return check_leftovers_(p, "ioapic");
}

