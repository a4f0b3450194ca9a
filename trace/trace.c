/* SPDX-License-Identifier: MIT */
/* trace/trace.c: the vtdtrace parser (format: traces/FORMAT.md). */
#include "trace/trace.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <vtd/layout.h>

#include "machine/machine.h"

/* ------------------------------------------------------------------ */
/* Registers by name (VT-d 11.4)                                       */
/* ------------------------------------------------------------------ */

bool trace_reg_lookup(const char *name, uint64_t cap, uint64_t ecap,
                      uint64_t *off, unsigned *size)
{
    /* The register table of vtd/regs.c (<vtd/layout.h>). */
    return vtd_reg_lookup(name, cap, ecap, off, size) == 0;
}

bool trace_reg_name_valid(const char *name)
{
    uint64_t off;
    unsigned size;
    /* Largest NFR so any FRCDn below 256 is a name. */
    return trace_reg_lookup(name, VTD_CAP_NFR_MASK, 0, &off, &size);
}

/* ------------------------------------------------------------------ */
/* Parser state                                                        */
/* ------------------------------------------------------------------ */

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

static bool fail(struct parser *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool fail(struct parser *p, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    if (p->err && p->errlen) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(p->err, p->errlen, "%s:%u: %s", p->path, p->line, msg);
    }
    return false;
}

/* Printable, bounded copy of a token for messages. */
static const char *shown(const char *s)
{
    static _Thread_local char buf[64];
    size_t i = 0;
    for (; s[i] && i < sizeof(buf) - 4; i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (s[i]) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = 0;
    return buf;
}

/* Strict number syntax: decimal digits, or 0x/0X and hex digits; no sign,
 * no spaces, no overflow. */
static bool str_to_u64(const char *s, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return false;
    for (; *s; s++) {
        int d = (*s >= '0' && *s <= '9') ? *s - '0' : -1;
        if (base == 16 && d < 0) {
            if (*s >= 'a' && *s <= 'f')
                d = *s - 'a' + 10;
            else if (*s >= 'A' && *s <= 'F')
                d = *s - 'A' + 10;
        }
        if (d < 0)
            return false;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return false;
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return true;
}

static bool parse_u64(struct parser *p, const char *what, const char *s,
                      uint64_t *out)
{
    if (!str_to_u64(s, out))
        return fail(p, "%s: '%s' is not a number (decimal or 0x hex, "
                    "64 bits at most)", what, shown(s));
    return true;
}

static bool parse_num_max(struct parser *p, const char *what, const char *s,
                          uint64_t max, uint64_t *out)
{
    if (!parse_u64(p, what, s, out))
        return false;
    if (*out > max)
        return fail(p, "%s: %s is above the maximum 0x%" G_GINT64_MODIFIER
                    "x", what, shown(s), (guint64)max);
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_hexbytes(struct parser *p, const char *s, uint8_t **out,
                           size_t *n)
{
    size_t len = strlen(s);
    if (len == 0 || (len & 1))
        return fail(p, "byte string must be an even, non-zero number of hex "
                    "digits");
    uint8_t *b = g_malloc(len / 2);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            g_free(b);
            return fail(p, "byte string: '%s' is not hex digits", shown(s));
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    *n = len / 2;
    return true;
}

static bool parse_yesno(struct parser *p, const char *key, const char *v,
                        enum trace_tri *out)
{
    if (strcmp(v, "yes") == 0)
        *out = TRACE_YES;
    else if (strcmp(v, "no") == 0)
        *out = TRACE_NO;
    else
        return fail(p, "%s= must be yes or no, not '%s'", key, shown(v));
    return true;
}

bool trace_parse_sid(const char *s, uint16_t *sid)
{
    /* BB:DD.F with hex fields: bus 0-ff, device 0-1f, function 0-7. */
    unsigned v[3] = { 0, 0, 0 };
    const char seps[3] = { ':', '.', 0 };
    const unsigned max[3] = { 0xff, 0x1f, 0x7 };
    const char *c = s;
    for (int f = 0; f < 3; f++) {
        int digits = 0;
        while (hexval(*c) >= 0 && digits < 3) {
            v[f] = v[f] * 16 + (unsigned)hexval(*c);
            c++;
            digits++;
        }
        if (!digits || v[f] > max[f] || *c != seps[f])
            return false;
        if (f < 2)
            c++;
    }
    *sid = (uint16_t)(v[0] << 8 | v[1] << 3 | v[2]);
    return true;
}

static bool parse_sid(struct parser *p, const char *s, bool allow_none,
                      uint16_t *sid, bool *valid)
{
    if (allow_none && strcmp(s, "-") == 0) {
        *sid = 0;
        *valid = false;
        return true;
    }
    if (!trace_parse_sid(s, sid))
        return fail(p, "'%s' is not a source-id BB:DD.F%s", shown(s),
                    allow_none ? " or -" : "");
    *valid = true;
    return true;
}

/* Look up key in the current line's key=value tokens and mark it used. */
static const char *kv_get(struct parser *p, const char *key)
{
    for (guint i = 0; i < p->kvs->len; i++) {
        struct kv *kv = &g_array_index(p->kvs, struct kv, i);
        if (kv->val && strcmp(kv->key, key) == 0) {
            kv->used = true;
            return kv->val;
        }
    }
    return NULL;
}

/* A bare flag token (v2: exec, priv). */
static bool flag_get(struct parser *p, const char *name)
{
    for (guint i = 0; i < p->kvs->len; i++) {
        struct kv *kv = &g_array_index(p->kvs, struct kv, i);
        if (!kv->val && strcmp(kv->key, name) == 0) {
            kv->used = true;
            return true;
        }
    }
    return false;
}

static bool need_version(struct parser *p, unsigned v, const char *what)
{
    if (p->t->version < v)
        return fail(p, "%s needs 'vtdtrace %u' (this file is version %u)",
                    what, v, p->t->version);
    return true;
}

/* Every key=value and flag token must have been consumed. */
static bool check_leftovers(struct parser *p, const char *cmd)
{
    for (guint i = 0; i < p->kvs->len; i++) {
        struct kv *kv = &g_array_index(p->kvs, struct kv, i);
        if (!kv->used)
            return fail(p, "unknown %s '%s' for %s", kv->val ? "key" :
                        "word", shown(kv->key), cmd);
    }
    return true;
}

static bool npos(struct parser *p, guint want_min, guint want_max,
                 const char *usage)
{
    if (p->pos->len < want_min || p->pos->len > want_max)
        return fail(p, "usage: %s", usage);
    return true;
}

static const char *posn(struct parser *p, guint i)
{
    return g_ptr_array_index(p->pos, i);
}

static struct trace_cmd *new_cmd(struct parser *p, enum trace_op op,
                                 const char *text)
{
    struct trace_cmd c;
    memset(&c, 0, sizeof(c));
    c.op = op;
    c.line = p->line;
    c.unit = -1;
    c.pasid = VTD_NO_PASID;
    c.mask = ~0ULL;
    c.recorded = c.notify = c.stale = TRACE_UNSET;
    c.text = g_strdup(text);
    g_array_append_val(p->cmds, c);
    p->seen_action = true;
    return &g_array_index(p->cmds, struct trace_cmd, p->cmds->len - 1);
}

static bool setup_ok(struct parser *p, const char *what)
{
    if (p->seen_action)
        return fail(p, "'%s' is a set-up line: it must come before the "
                    "first action", what);
    return true;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

static bool cmd_ram(struct parser *p)
{
    if (!setup_ok(p, "ram") || !npos(p, 2, 2, "ram SIZE [base=ADDR]"))
        return false;
    if (p->seen_ram && p->t->version < 2)
        return fail(p, "more than one 'ram' line needs 'vtdtrace 2'");
    struct trace_ram r = { 0, 0 };
    if (!parse_u64(p, "ram size", posn(p, 1), &r.size))
        return false;
    const char *b = kv_get(p, "base");
    if (b && (!need_version(p, 2, "ram base=") ||
              !parse_u64(p, "base", b, &r.base)))
        return false;
    if (r.size == 0)
        return fail(p, "ram size must not be 0");
    if (r.base + (r.size - 1) < r.base)
        return fail(p, "ram range wraps past 2^64");
    for (guint i = 0; i < p->ram->len; i++) {
        struct trace_ram *o = &g_array_index(p->ram, struct trace_ram, i);
        if (r.base <= o->base + (o->size - 1) &&
            o->base <= r.base + (r.size - 1))
            return fail(p, "ram range overlaps an earlier one");
    }
    if (!check_leftovers(p, "ram"))
        return false;
    g_array_append_val(p->ram, r);
    p->seen_ram = true;
    return true;
}

static bool parse_scope(struct parser *p, struct trace_unit *u,
                        const char *s)
{
    if (strcmp(s, "all") == 0) {
        u->scope_all = true;
        return true;
    }
    u->scope_all = false;
    GArray *items = g_array_new(FALSE, FALSE, sizeof(struct trace_scope));
    gchar **parts = g_strsplit(s, ",", -1);
    bool ok = true;
    for (gchar **it = parts; ok && *it; it++) {
        struct trace_scope sc;
        char *dash = strchr(*it, '-');
        bool v;
        if (dash)
            *dash = 0;
        size_t l = strlen(*it);
        if (!dash && l >= 3 && strcmp(*it + l - 2, ":*") == 0) {
            /* BB:* - a whole bus */
            uint64_t bus;
            (*it)[l - 2] = 0;
            char hex[8];
            snprintf(hex, sizeof(hex), "0x%s", *it);
            ok = l - 2 > 0 && l - 2 <= 2 &&
                 parse_num_max(p, "scope bus", hex, 0xff, &bus);
            if (!ok)
                break;
            sc.first = (uint16_t)(bus << 8);
            sc.last = (uint16_t)(bus << 8 | 0xff);
        } else {
            ok = parse_sid(p, *it, false, &sc.first, &v);
            sc.last = sc.first;
            if (ok && dash)
                ok = parse_sid(p, dash + 1, false, &sc.last, &v);
            if (ok && sc.last < sc.first)
                ok = fail(p, "scope range ends before it starts");
        }
        if (ok)
            g_array_append_val(items, sc);
    }
    g_strfreev(parts);
    if (ok && items->len == 0)
        ok = fail(p, "empty scope");
    if (!ok) {
        g_array_free(items, TRUE);
        return fail(p, "bad scope '%s'", shown(s));
    }
    u->nscope = items->len;
    u->scope = (struct trace_scope *)(void *)g_array_free(items, FALSE);
    return true;
}

/* iommu (v1) and unit NAME (v2). */
static bool cmd_unit(struct parser *p, bool named)
{
    const char *what = named ? "unit" : "iommu";
    if (!setup_ok(p, what))
        return false;
    if (named) {
        if (!need_version(p, 2, "'unit'") ||
            !npos(p, 2, 2, "unit NAME base=ADDR (cap=HEX ecap=HEX | "
                  "profile=NAME) [ver=] [haw=] [scope=] [cache=] [lint=]"))
            return false;
    } else {
        if (!npos(p, 1, 1, "iommu base=ADDR cap=HEX ecap=HEX [ver=HEX] "
                  "[haw=BITS]"))
            return false;
        if (p->seen_iommu && p->t->version < 2)
            return fail(p, "more than one 'iommu' line needs 'vtdtrace 2' "
                        "(use 'unit NAME ...')");
    }
    struct trace_unit u;
    memset(&u, 0, sizeof(u));
    u.line = p->line;
    u.scope_all = true;
    u.cache = VTD_CACHE_HARDWARE;
    const char *name = named ? posn(p, 1) : "iommu";
    for (guint i = 0; i < p->units->len; i++) {
        const struct trace_unit *o = &g_array_index(p->units,
                                                    struct trace_unit, i);
        if (strcmp(o->name, name) == 0)
            return fail(p, "unit name '%s' used twice", shown(name));
    }
    const char *v;
    uint64_t n;
    if (!(v = kv_get(p, "base")))
        return fail(p, "%s needs base=ADDR", what);
    if (!parse_u64(p, "base", v, &u.base))
        return false;
    if ((v = kv_get(p, "cap"))) {
        if (!parse_u64(p, "cap", v, &u.cap))
            return false;
        u.has_cap = true;
    }
    if ((v = kv_get(p, "ecap"))) {
        if (!parse_u64(p, "ecap", v, &u.ecap))
            return false;
        u.has_ecap = true;
    }
    if ((v = kv_get(p, "ver"))) {
        if (!parse_num_max(p, "ver", v, 0xffffffffu, &n))
            return false;
        u.ver = (uint32_t)n;
    }
    if ((v = kv_get(p, "haw"))) {
        if (!parse_num_max(p, "haw", v, 64, &n))
            return false;
        if (n < 12)
            return fail(p, "haw=%s is below 12 bits", shown(v));
        u.haw = (uint32_t)n;
    }
    bool v2keys = false;
    if ((v = kv_get(p, "profile"))) {
        v2keys = true;
        u.profile = g_strdup(v);
    }
    if ((v = kv_get(p, "cache"))) {
        v2keys = true;
        if (strcmp(v, "hardware") == 0)
            u.cache = VTD_CACHE_HARDWARE;
        else if (strcmp(v, "none") == 0)
            u.cache = VTD_CACHE_NONE;
        else {
            fail(p, "cache= must be hardware or none");
            goto bad;
        }
    }
    if ((v = kv_get(p, "lint"))) {
        enum trace_tri t;
        v2keys = true;
        if (!parse_yesno(p, "lint", v, &t))
            goto bad;
        u.lint = t == TRACE_YES;
    }
    if ((v = kv_get(p, "scope"))) {
        v2keys = true;
        if (!need_version(p, 2, "scope=") || !parse_scope(p, &u, v))
            goto bad;
    }
    if (v2keys && !need_version(p, 2, "profile=/cache=/lint=/scope="))
        goto bad;
    if (!u.profile && (!u.has_cap || !u.has_ecap)) {
        fail(p, "%s needs cap=HEX and ecap=HEX%s", what,
             p->t->version >= 2 ? " (or profile=NAME)" : "");
        goto bad;
    }
    if (!check_leftovers(p, what))
        goto bad;
    if (!u.scope_all) {
        /* fine */
    } else {
        for (guint i = 0; i < p->units->len; i++) {
            const struct trace_unit *o = &g_array_index(p->units,
                                                        struct trace_unit,
                                                        i);
            if (o->scope_all) {
                fail(p, "only one unit may have scope=all (unit '%s' at "
                     "line %u already does)", o->name, o->line);
                goto bad;
            }
        }
    }
    u.name = g_strdup(name);
    g_array_append_val(p->units, u);
    p->seen_iommu = true;
    return true;
bad:
    g_free((char *)u.profile);
    g_free(u.scope);
    return false;
}

/* At most this many CPUs (apic_sys_new's limit). */
#define TRACE_CPUS_MAX 1024u

/* Largest machine description file accepted (a .dtb is a few KiB). */
#define MACHINE_FILE_MAX (64u << 20)

static void scope_add(GArray *a, uint16_t first, uint16_t last)
{
    struct trace_scope sc = { first, last };
    g_array_append_val(a, sc);
}

/* machine FILE (v2): RAM and units from a device tree
 * (docs/machine-binding.md).  Scope items become SID ranges: an endpoint,
 * IOAPIC, HPET or ACPI device its source-id; a bridge itself and its
 * subordinate buses; a host bridge its bus range (VT-d 8.3.1). */
static bool load_machine(struct parser *p, char *path);
static bool add_cpu(struct parser *p, const struct trace_cpu *cpu);
static bool add_ioapic(struct parser *p, const struct trace_ioapic *io);

static bool cmd_machine(struct parser *p)
{
    if (!setup_ok(p, "machine") || !need_version(p, 2, "'machine'") ||
        !npos(p, 2, 2, "machine FILE.dtb") || !check_leftovers(p, "machine"))
        return false;
    if (p->seen_ram || p->seen_iommu)
        return fail(p, "'machine' replaces the ram and unit lines: give it "
                    "alone");
    const char *file = posn(p, 1);
    char *path;
    if (g_path_is_absolute(file)) {
        path = g_strdup(file);
    } else {
        char *dir = g_path_get_dirname(p->path);
        path = g_build_filename(dir, file, NULL);
        g_free(dir);
    }
    return load_machine(p, path);
}

/* Load the machine file at path (freed here) into the parser's RAM,
 * units, CPUs and IOAPICs. */
static bool load_machine(struct parser *p, char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fail(p, "machine file '%s' is not a readable regular file",
             shown(path));
        g_free(path);
        return false;
    }
    if ((uint64_t)st.st_size > MACHINE_FILE_MAX) {
        fail(p, "machine file is larger than %u MiB", MACHINE_FILE_MAX >> 20);
        g_free(path);
        return false;
    }
    struct machine_desc m;
    char err[512] = "";
    int rc = machine_load_file(path, &m, err, sizeof(err));
    g_free(path);
    if (rc < 0)
        return fail(p, "%s", err);
    bool ok = true;
    for (unsigned i = 0; i < m.nram; i++) {
        struct trace_ram r = { m.ram[i].base, m.ram[i].size };
        if (r.size)
            g_array_append_val(p->ram, r);
    }
    bool have_all = false;
    for (unsigned i = 0; ok && i < m.nunit; i++) {
        const struct machine_unit *mu = &m.units[i];
        struct trace_unit u;
        memset(&u, 0, sizeof(u));
        u.line = p->line;
        u.name = g_strdup_printf("dmar%u", i);
        u.base = mu->base;
        u.has_cap = u.has_ecap = true;
        u.cap = mu->cap;
        u.ecap = mu->ecap;
        u.haw = m.haw;
        u.cache = VTD_CACHE_HARDWARE;
        u.scope_all = mu->include_all;
        if (mu->include_all && have_all)
            ok = fail(p, "machine has two INCLUDE_PCI_ALL units");
        have_all |= mu->include_all;
        GArray *sc = g_array_new(FALSE, FALSE, sizeof(struct trace_scope));
        for (unsigned k = 0; k < mu->nscope; k++) {
            int di = mu->scope[k];
            if (di < 0 || (unsigned)di >= m.ndev)
                continue;
            const struct machine_dev *d = &m.devs[di];
            switch (d->kind) {
            case MDEV_PCI_HOST:
                scope_add(sc, (uint16_t)(d->sec_bus << 8),
                          (uint16_t)(d->sub_bus << 8 | 0xff));
                break;
            case MDEV_PCI_BRIDGE:
                scope_add(sc, d->sid, d->sid);
                if (d->sub_bus >= d->sec_bus)
                    scope_add(sc, (uint16_t)(d->sec_bus << 8),
                              (uint16_t)(d->sub_bus << 8 | 0xff));
                break;
            default:
                scope_add(sc, d->sid, d->sid);
                break;
            }
        }
        u.nscope = sc->len;
        u.scope = (struct trace_scope *)(void *)g_array_free(sc, FALSE);
        g_array_append_val(p->units, u);
    }
    /* CPUs: their APIC ids and x2APIC mode (docs/machine-binding.md). */
    for (unsigned i = 0; ok && i < m.ncpu; i++) {
        struct trace_cpu cpu = { .line = p->line,
                                 .apic_id = m.cpus[i].apic_id,
                                 .x2apic = m.cpus[i].x2apic };
        ok = add_cpu(p, &cpu);
    }
    /* IOAPICs with the source-id the platform gives them. */
    for (unsigned i = 0; ok && i < m.ndev; i++) {
        const struct machine_dev *d = &m.devs[i];
        if (d->kind != MDEV_IOAPIC)
            continue;
        struct trace_ioapic io = { .line = p->line, .base = d->base,
                                   .id = d->enum_id, .sid = d->sid };
        ok = add_ioapic(p, &io);
    }
    machine_desc_free(&m);
    p->seen_ram = p->seen_iommu = true;
    return ok;
}

static bool cmd_mem(struct parser *p, const char *text)
{
    if (!npos(p, 4, 4, "mem write|expect ADDR HEX"))
        return false;
    const char *sub = posn(p, 1);
    enum trace_op op;
    if (strcmp(sub, "write") == 0)
        op = TRACE_MEM_WRITE;
    else if (strcmp(sub, "expect") == 0)
        op = TRACE_MEM_EXPECT;
    else
        return fail(p, "unknown 'mem %s' (write or expect)", shown(sub));
    uint64_t addr;
    uint8_t *b = NULL;
    size_t n = 0;
    if (!parse_u64(p, "address", posn(p, 2), &addr) ||
        !parse_hexbytes(p, posn(p, 3), &b, &n))
        return false;
    if (addr + (n - 1) < addr) {
        g_free(b);
        return fail(p, "bytes run past the top of the address space");
    }
    if (!check_leftovers(p, "mem")) {
        g_free(b);
        return false;
    }
    struct trace_cmd *c = new_cmd(p, op, text);
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
        return fail(p, "access size must be 4 or 8, not '%s'", shown(s));
    return true;
}

static bool read_expect(struct parser *p, struct trace_cmd *c)
{
    const char *e = kv_get(p, "expect"), *m = kv_get(p, "mask");
    if (m && !e)
        return fail(p, "mask= without expect=");
    if (e) {
        c->has_expect = true;
        if (!parse_u64(p, "expect", e, &c->expect))
            return false;
        if (m && !parse_u64(p, "mask", m, &c->mask))
            return false;
    }
    return true;
}

static bool unit_key(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get(p, "unit");
    if (!v)
        return true;
    if (!need_version(p, 2, "unit="))
        return false;
    for (guint i = 0; i < p->units->len; i++) {
        if (strcmp(g_array_index(p->units, struct trace_unit, i).name,
                   v) == 0) {
            c->unit = (int)i;
            return true;
        }
    }
    return fail(p, "no unit named '%s'", shown(v));
}

static bool cmd_mmio(struct parser *p, const char *text)
{
    if (p->pos->len < 2)
        return fail(p, "usage: mmio write ADDR SIZE VALUE | mmio read ADDR "
                    "SIZE [expect=VALUE] [mask=MASK]");
    const char *sub = posn(p, 1);
    uint64_t addr;
    unsigned size;
    if (strcmp(sub, "write") == 0) {
        uint64_t val;
        if (!npos(p, 5, 5, "mmio write ADDR SIZE VALUE") ||
            !parse_u64(p, "address", posn(p, 2), &addr) ||
            !parse_size_arg(p, posn(p, 3), &size) ||
            !parse_num_max(p, "value", posn(p, 4),
                           size == 4 ? 0xffffffffULL : ~0ULL, &val) ||
            !check_leftovers(p, "mmio write"))
            return false;
        struct trace_cmd *c = new_cmd(p, TRACE_MMIO_WRITE, text);
        c->addr = addr;
        c->size = size;
        c->value = val;
        return true;
    }
    if (strcmp(sub, "read") == 0) {
        struct trace_cmd tmp;
        memset(&tmp, 0, sizeof(tmp));
        tmp.mask = ~0ULL;
        if (!npos(p, 4, 4, "mmio read ADDR SIZE [expect=VALUE] [mask=MASK]")
            || !parse_u64(p, "address", posn(p, 2), &addr) ||
            !parse_size_arg(p, posn(p, 3), &size) || !read_expect(p, &tmp) ||
            !check_leftovers(p, "mmio read"))
            return false;
        struct trace_cmd *c = new_cmd(p, TRACE_MMIO_READ, text);
        c->addr = addr;
        c->size = size;
        c->has_expect = tmp.has_expect;
        c->expect = tmp.expect;
        c->mask = tmp.mask;
        return true;
    }
    return fail(p, "unknown 'mmio %s' (write or read)", shown(sub));
}

static bool cmd_reg(struct parser *p, const char *text)
{
    if (!need_version(p, 2, "'reg'"))
        return false;
    if (p->pos->len < 3)
        return fail(p, "usage: reg write NAME VALUE | reg read NAME "
                    "[expect=VALUE] [mask=MASK]  [unit=NAME] [size=4|8]");
    const char *sub = posn(p, 1);
    bool wr;
    if (strcmp(sub, "write") == 0)
        wr = true;
    else if (strcmp(sub, "read") == 0)
        wr = false;
    else
        return fail(p, "unknown 'reg %s' (write or read)", shown(sub));
    if (!npos(p, wr ? 4 : 3, wr ? 4 : 3, wr ? "reg write NAME VALUE" :
              "reg read NAME [expect=VALUE] [mask=MASK]"))
        return false;
    char *name = g_ascii_strup(posn(p, 2), -1);
    if (!trace_reg_name_valid(name)) {
        fail(p, "unknown register '%s'", shown(posn(p, 2)));
        g_free(name);
        return false;
    }
    struct trace_cmd tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.mask = ~0ULL;
    tmp.unit = -1;
    const char *sz = kv_get(p, "size");
    bool ok = (!sz || parse_size_arg(p, sz, &tmp.size)) &&
              (!wr || parse_u64(p, "value", posn(p, 3), &tmp.value)) &&
              (wr || read_expect(p, &tmp)) && unit_key(p, &tmp) &&
              check_leftovers(p, "reg");
    if (ok && wr && tmp.size == 4 && tmp.value > 0xffffffffULL)
        ok = fail(p, "value does not fit in 4 bytes");
    if (!ok) {
        g_free(name);
        return false;
    }
    struct trace_cmd *c = new_cmd(p, wr ? TRACE_REG_WRITE : TRACE_REG_READ,
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
    const char *v = kv_get(p, "reason");
    uint64_t n;
    if (!v)
        return true;
    if (!parse_num_max(p, "reason", v, 0xff, &n))
        return false;
    c->has_reason = true;
    c->reason = (unsigned)n;
    return true;
}

static bool opt_stale(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get(p, "stale");
    if (!v)
        return true;
    return need_version(p, 2, "stale=") &&
           parse_yesno(p, "stale", v, &c->stale);
}

/* Keys that belong to an expectation kind other than the one given. */
static bool no_keys(struct parser *p, const char *kind, const char *const *keys)
{
    for (; *keys; keys++) {
        for (guint i = 0; i < p->kvs->len; i++) {
            struct kv *kv = &g_array_index(p->kvs, struct kv, i);
            if (kv->val && strcmp(kv->key, *keys) == 0)
                return fail(p, "%s= does not go with %s", *keys, kind);
        }
    }
    return true;
}

static bool cmd_dma(struct parser *p, const char *text)
{
    if (!npos(p, 4, 4, "dma SID read|write IOVA [len=N] [expect=...]"))
        return false;
    struct trace_cmd c;
    memset(&c, 0, sizeof(c));
    c.unit = -1;
    c.pasid = VTD_NO_PASID;
    c.recorded = c.notify = c.stale = TRACE_UNSET;
    bool valid;
    if (!parse_sid(p, posn(p, 1), false, &c.sid, &valid))
        return false;
    c.sid_valid = true;
    const char *rw = posn(p, 2);
    if (strcmp(rw, "read") == 0)
        c.access = VTD_ACC_READ;
    else if (strcmp(rw, "write") == 0) {
        c.access = VTD_ACC_WRITE;
        c.is_write = true;
    } else
        return fail(p, "dma access must be read or write, not '%s'",
                    shown(rw));
    if (!parse_u64(p, "iova", posn(p, 3), &c.addr))
        return false;
    const char *v;
    uint64_t n;
    c.len = 4;
    if ((v = kv_get(p, "len"))) {
        if (!parse_num_max(p, "len", v, 4096, &n))
            return false;
        if (n == 0)
            return fail(p, "len must be at least 1");
        c.len = (uint32_t)n;
    }
    /* FORMAT.md: a request does not cross a 4 KiB boundary. */
    if ((c.addr & 0xfff) + c.len > 0x1000)
        return fail(p, "dma of %u bytes at 0x%" G_GINT64_MODIFIER "x "
                    "crosses a 4 KiB boundary", c.len, (guint64)c.addr);
    if ((v = kv_get(p, "pasid"))) {
        if (!need_version(p, 2, "pasid=") ||
            !parse_num_max(p, "pasid", v, 0xfffff, &n))
            return false;
        c.pasid = (uint32_t)n;
    }
    if (flag_get(p, "exec")) {
        if (!need_version(p, 2, "exec"))
            return false;
        c.access |= VTD_ACC_EXEC;
    }
    if (flag_get(p, "priv")) {
        if (!need_version(p, 2, "priv"))
            return false;
        c.access |= VTD_ACC_PRIV;
    }
    c.at = VTD_AT_UNTRANSLATED;
    if ((v = kv_get(p, "at"))) {
        if (!need_version(p, 2, "at="))
            return false;
        if (strcmp(v, "untranslated") == 0)
            c.at = VTD_AT_UNTRANSLATED;
        else if (strcmp(v, "translation") == 0)
            c.at = VTD_AT_TRANSLATION;
        else if (strcmp(v, "translated") == 0)
            c.at = VTD_AT_TRANSLATED;
        else
            return fail(p, "at= must be untranslated, translation or "
                        "translated");
    }
    if (!unit_key(p, &c) || !opt_stale(p, &c))
        return false;
    static const char *const fault_keys[] = { "reason", "recorded", NULL };
    static const char *const ok_keys[] = { "gpa", NULL };
    v = kv_get(p, "expect");
    if (!v) {
        if (!no_keys(p, "a dma line without expect=", fault_keys) ||
            !no_keys(p, "a dma line without expect=", ok_keys))
            return false;
    } else if (strcmp(v, "ok") == 0) {
        c.exp = TRACE_EXP_OK;
        if (!no_keys(p, "expect=ok", fault_keys))
            return false;
        if ((v = kv_get(p, "gpa"))) {
            if (!parse_u64(p, "gpa", v, &c.gpa))
                return false;
            c.has_gpa = true;
        }
    } else if (strcmp(v, "fault") == 0) {
        c.exp = TRACE_EXP_FAULT;
        if (!no_keys(p, "expect=fault", ok_keys) || !opt_reason(p, &c))
            return false;
        if ((v = kv_get(p, "recorded")) &&
            !parse_yesno(p, "recorded", v, &c.recorded))
            return false;
    } else {
        return fail(p, "dma expect= must be ok or fault, not '%s'",
                    shown(v));
    }
    if (!check_leftovers(p, "dma"))
        return false;
    struct trace_cmd *dst = new_cmd(p, TRACE_DMA, text);
    const char *keep = dst->text;
    *dst = c;
    dst->op = TRACE_DMA;
    dst->line = p->line;
    dst->text = keep;
    return true;
}

static bool irq_field(struct parser *p, struct trace_cmd *c, const char *key,
                      unsigned bit, uint64_t max, uint64_t *out)
{
    const char *v = kv_get(p, key);
    if (!v)
        return true;
    if (!parse_num_max(p, key, v, max, out))
        return false;
    c->irq_checks |= bit;
    return true;
}

static bool cmd_msi(struct parser *p, const char *text)
{
    if (!npos(p, 4, 4, "msi SID|- ADDR DATA [expect=...]"))
        return false;
    struct trace_cmd c;
    memset(&c, 0, sizeof(c));
    c.unit = -1;
    c.pasid = VTD_NO_PASID;
    c.recorded = c.notify = c.stale = TRACE_UNSET;
    uint64_t n;
    if (!parse_sid(p, posn(p, 1), true, &c.sid, &c.sid_valid) ||
        !parse_u64(p, "address", posn(p, 2), &c.addr) ||
        !parse_num_max(p, "data", posn(p, 3), 0xffffffffu, &n))
        return false;
    c.value = n;
    if (!unit_key(p, &c) || !opt_stale(p, &c))
        return false;
    static const char *const remap_keys[] = { "dest", "vector", "dm", "tm",
                                              "dlm", "rh", NULL };
    static const char *const blocked_keys[] = { "reason", NULL };
    static const char *const posted_keys[] = { "notify", NULL };
    const char *v = kv_get(p, "expect");
    const char *kind = v ? v : "a msi line without expect=";
    if (!v || strcmp(v, "passthrough") == 0) {
        c.exp = v ? TRACE_EXP_PASSTHROUGH : TRACE_EXP_NONE;
        if (!no_keys(p, kind, remap_keys) ||
            !no_keys(p, kind, blocked_keys) || !no_keys(p, kind, posted_keys))
            return false;
    } else if (strcmp(v, "remapped") == 0) {
        c.exp = TRACE_EXP_REMAPPED;
        if (!no_keys(p, kind, blocked_keys) || !no_keys(p, kind, posted_keys))
            return false;
        if (!irq_field(p, &c, "dest", TRACE_IRQ_DEST, 0xffffffffu, &n))
            return false;
        c.dest = (uint32_t)n;
        n = 0;
        if (!irq_field(p, &c, "vector", TRACE_IRQ_VECTOR, 0xff, &n))
            return false;
        c.vector = (uint8_t)n;
        n = 0;
        if (!irq_field(p, &c, "dm", TRACE_IRQ_DM, 1, &n))
            return false;
        c.dm = (uint8_t)n;
        n = 0;
        if (!irq_field(p, &c, "tm", TRACE_IRQ_TM, 1, &n))
            return false;
        c.tm = (uint8_t)n;
        n = 0;
        if (!irq_field(p, &c, "dlm", TRACE_IRQ_DLM, 7, &n))
            return false;
        c.dlm = (uint8_t)n;
        n = 0;
        if (!irq_field(p, &c, "rh", TRACE_IRQ_RH, 1, &n))
            return false;
        c.rh = (uint8_t)n;
    } else if (strcmp(v, "blocked") == 0) {
        c.exp = TRACE_EXP_BLOCKED;
        if (!no_keys(p, kind, remap_keys) || !no_keys(p, kind, posted_keys) ||
            !opt_reason(p, &c))
            return false;
    } else if (strcmp(v, "posted") == 0) {
        c.exp = TRACE_EXP_POSTED;
        if (!no_keys(p, kind, remap_keys) || !no_keys(p, kind, blocked_keys))
            return false;
        if ((v = kv_get(p, "notify")) &&
            !parse_yesno(p, "notify", v, &c.notify))
            return false;
    } else {
        return fail(p, "msi expect= must be remapped, passthrough, blocked "
                    "or posted, not '%s'", shown(v));
    }
    if (!check_leftovers(p, "msi"))
        return false;
    struct trace_cmd *dst = new_cmd(p, TRACE_MSI, text);
    const char *keep = dst->text;
    *dst = c;
    dst->op = TRACE_MSI;
    dst->line = p->line;
    dst->text = keep;
    return true;
}

/* ------------------------------------------------------------------ */
/* Machine commands (v2): CPUs, IOAPICs, posted-interrupt descriptors   */
/* ------------------------------------------------------------------ */

static bool add_cpu(struct parser *p, const struct trace_cpu *cpu)
{
    for (guint i = 0; i < p->cpus->len; i++)
        if (g_array_index(p->cpus, struct trace_cpu, i).apic_id ==
            cpu->apic_id)
            return fail(p, "a CPU with APIC id 0x%x already exists",
                        cpu->apic_id);
    if (p->cpus->len >= TRACE_CPUS_MAX)
        return fail(p, "more than %u CPUs", TRACE_CPUS_MAX);
    g_array_append_val(p->cpus, *cpu);
    return true;
}

static bool add_ioapic(struct parser *p, const struct trace_ioapic *io)
{
    for (guint i = 0; i < p->ioapics->len; i++) {
        const struct trace_ioapic *o =
            &g_array_index(p->ioapics, struct trace_ioapic, i);
        if (o->id == io->id)
            return fail(p, "an IOAPIC with id %u already exists", io->id);
        /* The IOAPIC register window is 0x100 bytes here (82093AA
         * IOREGSEL/IOWIN, ICH9 EOI at 0x40). */
        if (io->base < o->base + 0x100 && o->base < io->base + 0x100)
            return fail(p, "IOAPIC window at 0x%" G_GINT64_MODIFIER "x "
                        "overlaps IOAPIC %u", (guint64)io->base, o->id);
    }
    if (io->base > UINT64_MAX - 0x100)
        return fail(p, "IOAPIC base too high");
    g_array_append_val(p->ioapics, *io);
    return true;
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
        ok = parse_num_max(p, what, *q, 255, &v);
        if (ok)
            set[v / 64] |= 1ull << (v % 64);
    }
    g_strfreev(parts);
    return ok;
}

static bool parse_apic_id(struct parser *p, const char *s, uint32_t *id)
{
    uint64_t v;
    if (!parse_num_max(p, "APIC id", s, UINT32_MAX, &v))
        return false;
    *id = (uint32_t)v;
    return true;
}

static bool parse_bit(struct parser *p, const char *key, enum trace_tri *out)
{
    const char *v = kv_get(p, key);
    if (!v)
        return true;
    if (strcmp(v, "0") == 0)
        *out = TRACE_NO;
    else if (strcmp(v, "1") == 0)
        *out = TRACE_YES;
    else
        return fail(p, "%s= must be 0 or 1, not '%s'", key, shown(v));
    return true;
}

/* expect=VEC|none for ack and eoi. */
static bool parse_ack_expect(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get(p, "expect");
    c->ack_vector = -2;
    if (!v)
        return true;
    if (strcmp(v, "none") == 0) {
        c->ack_vector = -1;
        return true;
    }
    uint64_t n;
    if (!parse_num_max(p, "expect vector", v, 255, &n))
        return false;
    c->ack_vector = (int)n;
    return true;
}

/* cpu APICID [x2apic] [ldr=] [dfr=flat|cluster] (set-up), or an action:
 * cpu APICID expect|ack|eoi|guest-mode ... */
static bool cmd_cpu(struct parser *p, const char *text)
{
    if (!need_version(p, 2, "'cpu'"))
        return false;
    if (p->pos->len < 2)
        return fail(p, "usage: cpu APICID [x2apic] | cpu APICID expect|ack|"
                    "eoi|guest-mode ...");
    uint32_t id;
    if (!parse_apic_id(p, posn(p, 1), &id))
        return false;
    const char *sub = p->pos->len > 2 ? posn(p, 2) : NULL;
    if (!sub || strcmp(sub, "x2apic") == 0) {
        if (!setup_ok(p, "cpu") ||
            !npos(p, 2, 3, "cpu APICID [x2apic] [ldr=ID] [dfr=flat|cluster] "
                  "[tpr=N]"))
            return false;
        struct trace_cpu cpu = { .line = p->line, .apic_id = id,
                                 .x2apic = sub != NULL };
        const char *ldr = kv_get(p, "ldr"), *dfr = kv_get(p, "dfr"),
                   *tpr = kv_get(p, "tpr");
        uint64_t v;
        if (tpr) {
            if (!parse_num_max(p, "tpr", tpr, 255, &v))
                return false;
            cpu.tpr = (uint8_t)v;
        }
        if (ldr) {
            if (cpu.x2apic)
                return fail(p, "ldr= is for xAPIC mode (x2APIC derives the "
                            "logical id from the APIC id)");
            if (!parse_num_max(p, "ldr", ldr, 255, &v))
                return false;
            cpu.ldr = (uint8_t)v;
        }
        if (dfr) {
            if (cpu.x2apic)
                return fail(p, "dfr= is for xAPIC mode");
            if (strcmp(dfr, "cluster") == 0)
                cpu.cluster = true;
            else if (strcmp(dfr, "flat") != 0)
                return fail(p, "dfr= must be flat or cluster, not '%s'",
                            shown(dfr));
        }
        if (!cpu.x2apic && id > 0xff)
            return fail(p, "APIC id 0x%x needs x2apic", id);
        return check_leftovers(p, "cpu") && add_cpu(p, &cpu);
    }
    bool known = false;
    for (guint i = 0; i < p->cpus->len; i++)
        known |= g_array_index(p->cpus, struct trace_cpu, i).apic_id == id;
    if (!known)
        return fail(p, "no CPU with APIC id 0x%x (give a 'cpu' set-up line "
                    "or a machine with CPUs)", id);
    struct trace_cmd *c;
    if (strcmp(sub, "expect") == 0) {
        if (!npos(p, 3, 3, "cpu APICID expect [irr=] [isr=] [tmr=] [virr=]"))
            return false;
        c = new_cmd(p, 0, text);
        c->mop = TRACE_M_CPU_EXPECT;
        static const char *const keys[] = { "irr", "isr", "tmr", "virr" };
        for (unsigned k = 0; k < 4; k++) {
            const char *v = kv_get(p, keys[k]);
            if (!v)
                continue;
            if (!parse_vset(p, keys[k], v, c->vset[k]))
                return false;
            c->vset_mask |= 1u << k;
        }
        if (!c->vset_mask)
            return fail(p, "cpu expect needs irr=, isr=, tmr= or virr=");
    } else if (strcmp(sub, "ack") == 0 || strcmp(sub, "eoi") == 0) {
        bool ack = sub[0] == 'a';
        if (!npos(p, 3, 3, ack ? "cpu APICID ack [expect=VEC|none]"
                               : "cpu APICID eoi [expect=VEC|none]"))
            return false;
        c = new_cmd(p, 0, text);
        c->mop = ack ? TRACE_M_CPU_ACK : TRACE_M_CPU_EOI;
        if (!parse_ack_expect(p, c))
            return false;
    } else if (strcmp(sub, "guest-mode") == 0) {
        if (!npos(p, 4, 4, "cpu APICID guest-mode on nv=VEC pid=ADDR | off"))
            return false;
        c = new_cmd(p, 0, text);
        c->mop = TRACE_M_CPU_GUEST;
        const char *onoff = posn(p, 3);
        if (strcmp(onoff, "on") == 0) {
            const char *nv = kv_get(p, "nv"), *pid = kv_get(p, "pid");
            uint64_t v;
            if (!nv || !pid)
                return fail(p, "guest-mode on needs nv= and pid=");
            if (!parse_num_max(p, "nv", nv, 255, &v))
                return false;
            c->nv = (uint8_t)v;
            if (!parse_u64(p, "pid", pid, &c->addr))
                return false;
            if (c->addr & 63)
                return fail(p, "pid= must be 64-byte aligned (VT-d 9.11)");
            c->guest_on = true;
        } else if (strcmp(onoff, "off") != 0) {
            return fail(p, "guest-mode must be on or off, not '%s'",
                        shown(onoff));
        }
    } else {
        return fail(p, "unknown cpu action '%s' (expect, ack, eoi, "
                    "guest-mode)", shown(sub));
    }
    c->apic_id = id;
    return check_leftovers(p, "cpu");
}

/* pid ADDR expect [on=0|1] [sn=0|1] [pir=VEC,...|none] */
static bool cmd_pid(struct parser *p, const char *text)
{
    if (!need_version(p, 2, "'pid'") ||
        !npos(p, 3, 3, "pid ADDR expect [on=0|1] [sn=0|1] [pir=VEC,...|none]"))
        return false;
    if (strcmp(posn(p, 2), "expect") != 0)
        return fail(p, "usage: pid ADDR expect [on=] [sn=] [pir=]");
    struct trace_cmd *c = new_cmd(p, 0, text);
    c->mop = TRACE_M_PID_EXPECT;
    c->on = c->sn = TRACE_UNSET;
    if (!parse_u64(p, "pid address", posn(p, 1), &c->addr))
        return false;
    if (c->addr & 63)
        return fail(p, "a posted-interrupt descriptor is 64-byte aligned "
                    "(VT-d 9.11)");
    if (!parse_bit(p, "on", &c->on) || !parse_bit(p, "sn", &c->sn))
        return false;
    const char *pir = kv_get(p, "pir");
    if (pir) {
        if (!parse_vset(p, "pir", pir, c->vset[TRACE_VSET_PIR]))
            return false;
        c->vset_mask |= 1u << TRACE_VSET_PIR;
    }
    if (c->on == TRACE_UNSET && c->sn == TRACE_UNSET && !c->vset_mask)
        return fail(p, "pid expect needs on=, sn= or pir=");
    return check_leftovers(p, "pid");
}

/* ioapic base=ADDR id=N sid=BB:DD.F (set-up), or
 * ioapic write REG VALUE | read REG [expect=] | assert PIN | deassert PIN,
 * each with [id=N] when there are several. */
static bool cmd_ioapic(struct parser *p, const char *text)
{
    if (!need_version(p, 2, "'ioapic'"))
        return false;
    uint64_t v;
    if (p->pos->len == 1) {
        if (!setup_ok(p, "ioapic"))
            return false;
        const char *b = kv_get(p, "base"), *id = kv_get(p, "id"),
                   *sid = kv_get(p, "sid");
        if (!b || !id || !sid)
            return fail(p, "usage: ioapic base=ADDR id=N sid=BB:DD.F");
        struct trace_ioapic io = { .line = p->line };
        bool valid;
        if (!parse_u64(p, "base", b, &io.base) ||
            !parse_num_max(p, "id", id, 255, &v) ||
            !parse_sid(p, sid, false, &io.sid, &valid))
            return false;
        io.id = (uint8_t)v;
        return check_leftovers(p, "ioapic") && add_ioapic(p, &io);
    }
    const char *sub = posn(p, 1);
    struct trace_cmd *c;
    if (strcmp(sub, "write") == 0) {
        if (!npos(p, 4, 4, "ioapic write REG VALUE [id=N]"))
            return false;
        c = new_cmd(p, 0, text);
        c->mop = TRACE_M_IOAPIC_WRITE;
        if (!parse_num_max(p, "register", posn(p, 2), 255, &c->addr) ||
            !parse_num_max(p, "value", posn(p, 3), UINT32_MAX, &c->value))
            return false;
    } else if (strcmp(sub, "read") == 0) {
        if (!npos(p, 3, 3, "ioapic read REG [expect=V [mask=M]] [id=N]"))
            return false;
        c = new_cmd(p, 0, text);
        c->mop = TRACE_M_IOAPIC_READ;
        if (!parse_num_max(p, "register", posn(p, 2), 255, &c->addr) ||
            !read_expect(p, c))
            return false;
    } else if (strcmp(sub, "assert") == 0 || strcmp(sub, "deassert") == 0) {
        if (!npos(p, 3, 3, "ioapic assert|deassert PIN [id=N]"))
            return false;
        c = new_cmd(p, 0, text);
        c->mop = sub[0] == 'a' ? TRACE_M_IOAPIC_ASSERT
                               : TRACE_M_IOAPIC_DEASSERT;
        if (!parse_num_max(p, "pin", posn(p, 2), 23, &c->addr))
            return false;
    } else {
        return fail(p, "unknown ioapic action '%s' (write, read, assert, "
                    "deassert)", shown(sub));
    }
    const char *id = kv_get(p, "id");
    c->ioapic = -1;
    if (id) {
        if (!parse_num_max(p, "id", id, 255, &v))
            return false;
        for (guint i = 0; i < p->ioapics->len; i++)
            if (g_array_index(p->ioapics, struct trace_ioapic, i).id == v)
                c->ioapic = (int)i;
        if (c->ioapic < 0)
            return fail(p, "no IOAPIC with id %s", shown(id));
    } else if (p->ioapics->len == 1) {
        c->ioapic = 0;
    } else {
        return fail(p, p->ioapics->len ? "several IOAPICs: give id=N"
                                        : "no IOAPIC (give an 'ioapic' "
                                          "set-up line or a machine with "
                                          "one)");
    }
    return check_leftovers(p, "ioapic");
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */
/* ------------------------------------------------------------------ */

static bool tokenize(struct parser *p, char *s)
{
    g_ptr_array_set_size(p->pos, 0);
    g_array_set_size(p->kvs, 0);
    bool seen_kv = false;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (!*s)
            break;
        char *tok = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
        if (*s)
            *s++ = 0;
        char *eq = strchr(tok, '=');
        if (eq) {
            if (eq == tok)
                return fail(p, "'%s': key missing before '='", shown(tok));
            *eq = 0;
            for (guint i = 0; i < p->kvs->len; i++) {
                struct kv *o = &g_array_index(p->kvs, struct kv, i);
                if (strcmp(o->key, tok) == 0)
                    return fail(p, "key '%s' given twice", shown(tok));
            }
            struct kv kv = { tok, eq + 1, false };
            g_array_append_val(p->kvs, kv);
            seen_kv = true;
        } else if (seen_kv || (p->pos->len >= 1 &&
                               (strcmp(tok, "exec") == 0 ||
                                strcmp(tok, "priv") == 0) &&
                               strcmp(posn(p, 0), "dma") == 0 &&
                               p->pos->len >= 4)) {
            /* A bare word among the keys: a flag (v2 dma exec/priv). */
            struct kv kv = { tok, NULL, false };
            g_array_append_val(p->kvs, kv);
        } else {
            g_ptr_array_add(p->pos, tok);
        }
    }
    return true;
}

static bool parse_line(struct parser *p, char *line)
{
    /* Reject control characters other than tab and CR: a trace is text. */
    for (const char *c = line; *c; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch < 0x20 && ch != '\t' && ch != '\r')
            return fail(p, "control character 0x%02x in line", ch);
    }
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    g_strchomp(line);
    g_strchug(line);
    if (!*line)
        return true;
    char *text = g_strdup(line);
    bool ok = tokenize(p, line);
    if (ok && !p->seen_header) {
        if (p->pos->len != 2 || strcmp(posn(p, 0), "vtdtrace") != 0 ||
            p->kvs->len) {
            ok = fail(p, "the first line must be 'vtdtrace VERSION'");
        } else {
            uint64_t v;
            ok = parse_u64(p, "version", posn(p, 1), &v);
            if (ok && (v < 1 || v > TRACE_VERSION_MAX))
                ok = fail(p, "format version %s is not supported (1 to %d)",
                          shown(posn(p, 1)), TRACE_VERSION_MAX);
            if (ok) {
                p->t->version = (unsigned)v;
                p->seen_header = true;
            }
            /* vtdemu run: the machine comes right after the header. */
            if (ok && p->run_machine)
                ok = load_machine(p, g_strdup(p->run_machine));
        }
        g_free(text);
        return ok;
    }
    if (ok) {
        const char *cmd = p->pos->len ? posn(p, 0) : "";
        if (!p->pos->len)
            ok = fail(p, "line starts with a key=value");
        else if (p->run_machine &&
                 (strcmp(cmd, "ram") == 0 || strcmp(cmd, "iommu") == 0 ||
                  strcmp(cmd, "unit") == 0 || strcmp(cmd, "machine") == 0))
            ok = fail(p, "'%s': this trace is run on the machine %s, so it "
                      "may not set up its own RAM or units", cmd,
                      shown(p->run_machine));
        else if (strcmp(cmd, "ram") == 0)
            ok = cmd_ram(p);
        else if (strcmp(cmd, "iommu") == 0)
            ok = cmd_unit(p, false);
        else if (strcmp(cmd, "unit") == 0)
            ok = cmd_unit(p, true);
        else if (strcmp(cmd, "machine") == 0)
            ok = cmd_machine(p);
        else if (strcmp(cmd, "mem") == 0)
            ok = cmd_mem(p, text);
        else if (strcmp(cmd, "mmio") == 0)
            ok = cmd_mmio(p, text);
        else if (strcmp(cmd, "reg") == 0)
            ok = cmd_reg(p, text);
        else if (strcmp(cmd, "dma") == 0)
            ok = cmd_dma(p, text);
        else if (strcmp(cmd, "msi") == 0)
            ok = cmd_msi(p, text);
        else if (strcmp(cmd, "cpu") == 0)
            ok = cmd_cpu(p, text);
        else if (strcmp(cmd, "pid") == 0)
            ok = cmd_pid(p, text);
        else if (strcmp(cmd, "ioapic") == 0)
            ok = cmd_ioapic(p, text);
        else if (strcmp(cmd, "vtdtrace") == 0)
            ok = fail(p, "'vtdtrace' may only be the first line");
        else
            ok = fail(p, "unknown command '%s'", shown(cmd));
    }
    g_free(text);
    return ok;
}

unsigned trace_cmd_expectations(const struct trace_cmd *c)
{
    unsigned n = c->stale != TRACE_UNSET ? 1 : 0;
    switch (c->mop) {
    case TRACE_M_CPU_EXPECT:
    case TRACE_M_PID_EXPECT:
        return 1;
    case TRACE_M_CPU_ACK:
    case TRACE_M_CPU_EOI:
        return c->ack_vector != -2 ? 1 : 0;
    case TRACE_M_IOAPIC_READ:
        return c->has_expect ? 1 : 0;
    default:
        break;
    }
    switch (c->op) {
    case TRACE_MEM_EXPECT:
        return 1;
    case TRACE_MMIO_READ:
    case TRACE_REG_READ:
        return c->has_expect ? 1 : 0;
    case TRACE_DMA:
    case TRACE_MSI:
        return n + (c->exp != TRACE_EXP_NONE ? 1 : 0);
    default:
        return 0;
    }
}

static void free_cmd(struct trace_cmd *c)
{
    g_free((char *)c->text);
    g_free((char *)c->reg);
    g_free(c->bytes);
}

static void free_unit(struct trace_unit *u)
{
    g_free((char *)u->name);
    g_free((char *)u->profile);
    g_free(u->scope);
}

void trace_free(struct trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncmds; i++)
        free_cmd(&t->cmds[i]);
    for (size_t i = 0; i < t->nunits; i++)
        free_unit(&t->units[i]);
    g_free(t->cmds);
    g_free(t->units);
    g_free(t->ram);
    g_free(t->cpus);
    g_free(t->ioapics);
    g_free((char *)t->path);
    g_free(t);
}

int trace_parse(const char *path, const char *text, size_t len,
                struct trace **out, char *errbuf, size_t errlen)
{
    return trace_parse_on_machine(path, text, len, NULL, out, errbuf,
                                  errlen);
}

int trace_parse_on_machine(const char *path, const char *text, size_t len,
                           const char *machine, struct trace **out,
                           char *errbuf, size_t errlen)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!path)
        path = "<trace>";
    if (!text && len)
        return -EINVAL;
    struct parser p;
    memset(&p, 0, sizeof(p));
    p.path = path;
    p.err = errbuf;
    p.errlen = errlen;
    p.t = g_new0(struct trace, 1);
    p.t->path = g_strdup(path);
    p.cmds = g_array_new(FALSE, FALSE, sizeof(struct trace_cmd));
    p.units = g_array_new(FALSE, FALSE, sizeof(struct trace_unit));
    p.ram = g_array_new(FALSE, FALSE, sizeof(struct trace_ram));
    p.cpus = g_array_new(FALSE, FALSE, sizeof(struct trace_cpu));
    p.ioapics = g_array_new(FALSE, FALSE, sizeof(struct trace_ioapic));
    p.run_machine = machine;
    p.pos = g_ptr_array_new();
    p.kvs = g_array_new(FALSE, FALSE, sizeof(struct kv));

    size_t off = 0;
    bool ok = true;
    while (ok && off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
        p.line++;
        if (memchr(text + off, 0, n)) {
            ok = fail(&p, "NUL byte in line");
            break;
        }
        char *line = g_strndup(text + off, n);
        ok = parse_line(&p, line);
        g_free(line);
        off += n + (nl ? 1 : 0);
    }
    if (ok && !p.seen_header) {
        p.line = p.line ? p.line : 1;
        ok = fail(&p, "empty trace: no 'vtdtrace VERSION' line");
    }
    if (ok && p.units->len == 0) {
        ok = fail(&p, "no 'iommu' line: the trace has no remapping unit");
    }

    /* Hand the arrays over to the trace (also on failure, to free). */
    struct trace *t = p.t;
    t->ncmds = p.cmds->len;
    t->cmds = (struct trace_cmd *)(void *)g_array_free(p.cmds, FALSE);
    t->nunits = p.units->len;
    t->units = (struct trace_unit *)(void *)g_array_free(p.units, FALSE);
    if (p.ram->len == 0) {
        /* FORMAT.md: default RAM is 4 GiB from address 0. */
        struct trace_ram r = { 0, 4ULL << 30 };
        g_array_append_val(p.ram, r);
    }
    t->nram = p.ram->len;
    t->ram = (struct trace_ram *)(void *)g_array_free(p.ram, FALSE);
    t->ncpus = p.cpus->len;
    t->cpus = (struct trace_cpu *)(void *)g_array_free(p.cpus, FALSE);
    t->nioapics = p.ioapics->len;
    t->ioapics = (struct trace_ioapic *)(void *)g_array_free(p.ioapics,
                                                             FALSE);
    g_ptr_array_free(p.pos, TRUE);
    g_array_free(p.kvs, TRUE);
    if (!ok) {
        trace_free(t);
        return -EINVAL;
    }
    for (size_t i = 0; i < t->ncmds; i++)
        t->nexpect += trace_cmd_expectations(&t->cmds[i]);
    *out = t;
    return 0;
}

int trace_load(const char *path, struct trace **out, char *errbuf,
               size_t errlen)
{
    return trace_load_on_machine(path, NULL, out, errbuf, errlen);
}

int trace_load_on_machine(const char *path, const char *machine,
                          struct trace **out, char *errbuf, size_t errlen)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!out || !path)
        return -EINVAL;
    *out = NULL;
    if (!g_file_get_contents(path, &data, &len, &err)) {
        int rc = -EIO;
        if (err->domain == G_FILE_ERROR) {
            switch (err->code) {
            case G_FILE_ERROR_NOENT: rc = -ENOENT; break;
            case G_FILE_ERROR_ACCES: rc = -EACCES; break;
            case G_FILE_ERROR_ISDIR: rc = -EISDIR; break;
            default: break;
            }
        }
        if (errbuf && errlen)
            snprintf(errbuf, errlen, "%s: %s", path, err->message);
        g_error_free(err);
        return rc;
    }
    int rc = trace_parse_on_machine(path, data, len, machine, out, errbuf,
                                    errlen);
    g_free(data);
    return rc;
}
