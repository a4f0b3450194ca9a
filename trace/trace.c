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
#include "trace/parse.h"

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
/* Parser helpers (trace/parse.h)                                      */
/* ------------------------------------------------------------------ */

bool fail_(struct parser *p, const char *fmt, ...)
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
const char *shown_(const char *s)
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
bool str_to_u64_(const char *s, uint64_t *out)
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

bool parse_u64_(struct parser *p, const char *what, const char *s,
                uint64_t *out)
{
    if (!str_to_u64_(s, out))
        return fail_(p, "%s: '%s' is not a number (decimal or 0x hex, "
                     "64 bits at most)", what, shown_(s));
    return true;
}

bool parse_num_max_(struct parser *p, const char *what, const char *s,
                    uint64_t max, uint64_t *out)
{
    if (!parse_u64_(p, what, s, out))
        return false;
    if (*out > max)
        return fail_(p, "%s: %s is above the maximum 0x%" G_GINT64_MODIFIER
                     "x", what, shown_(s), (guint64)max);
    return true;
}

int hexval_(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool parse_hexbytes_(struct parser *p, const char *s, uint8_t **out,
                     size_t *n)
{
    size_t len = strlen(s);
    if (len == 0 || (len & 1))
        return fail_(p, "byte string must be an even, non-zero number of hex "
                     "digits");
    uint8_t *b = g_malloc(len / 2);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval_(s[2 * i]), lo = hexval_(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            g_free(b);
            return fail_(p, "byte string: '%s' is not hex digits", shown_(s));
        }
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = b;
    *n = len / 2;
    return true;
}

bool parse_yesno_(struct parser *p, const char *key, const char *v,
                  enum trace_tri *out)
{
    if (strcmp(v, "yes") == 0)
        *out = TRACE_YES;
    else if (strcmp(v, "no") == 0)
        *out = TRACE_NO;
    else
        return fail_(p, "%s= must be yes or no, not '%s'", key, shown_(v));
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
        while (hexval_(*c) >= 0 && digits < 3) {
            v[f] = v[f] * 16 + (unsigned)hexval_(*c);
            c++;
            digits++;
        }
        if (!digits || v[f] > max[f] || *c != seps[f])
            return false;
        if (f < 2)
            c++;
    }
    *sid = (uint16_t)(v[0] << VTD_SID_BUS_SHIFT | v[1] << VTD_SID_DEV_SHIFT |
                      v[2]);
    return true;
}

bool parse_sid_(struct parser *p, const char *s, bool allow_none,
                uint16_t *sid, bool *valid)
{
    if (allow_none && strcmp(s, "-") == 0) {
        *sid = 0;
        *valid = false;
        return true;
    }
    if (!trace_parse_sid(s, sid))
        return fail_(p, "'%s' is not a source-id BB:DD.F%s", shown_(s),
                     allow_none ? " or -" : "");
    *valid = true;
    return true;
}

/* Look up key in the current line's key=value tokens and mark it used. */
const char *kv_get_(struct parser *p, const char *key)
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
bool flag_get_(struct parser *p, const char *name)
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

bool need_version_(struct parser *p, unsigned v, const char *what)
{
    if (p->t->version < v)
        return fail_(p, "%s needs 'vtdtrace %u' (this file is version %u)",
                     what, v, p->t->version);
    return true;
}

/* Every key=value and flag token must have been consumed. */
bool check_leftovers_(struct parser *p, const char *cmd)
{
    for (guint i = 0; i < p->kvs->len; i++) {
        struct kv *kv = &g_array_index(p->kvs, struct kv, i);
        if (!kv->used)
            return fail_(p, "unknown %s '%s' for %s", kv->val ? "key" :
                         "word", shown_(kv->key), cmd);
    }
    return true;
}

bool npos_(struct parser *p, guint want_min, guint want_max,
           const char *usage)
{
    if (p->pos->len < want_min || p->pos->len > want_max)
        return fail_(p, "usage: %s", usage);
    return true;
}

const char *posn_(struct parser *p, guint i)
{
    return g_ptr_array_index(p->pos, i);
}

void cmd_blank_(struct trace_cmd *c)
{
    memset(c, 0, sizeof(*c));
    c->unit = -1;
    c->pasid = VTD_NO_PASID;
    c->recorded = c->notify = c->stale = TRACE_UNSET;
}

bool cmd_sid_(struct parser *p, guint i, struct trace_cmd *c)
{
    bool valid;
    if (!parse_sid_(p, posn_(p, i), false, &c->sid, &valid))
        return false;
    c->sid_valid = true;
    return true;
}

struct trace_cmd *new_cmd_(struct parser *p, enum trace_op op,
                           const char *text)
{
    struct trace_cmd c;
    cmd_blank_(&c);
    c.op = op;
    c.line = p->line;
    c.mask = ~0ULL;
    c.text = g_strdup(text);
    g_array_append_val(p->cmds, c);
    p->seen_action = true;
    return &g_array_index(p->cmds, struct trace_cmd, p->cmds->len - 1);
}

/* Append c, a command the caller filled from a blank of its own, as
 * op at the current line with text (new_cmd_() sets the rest). */
bool put_cmd_(struct parser *p, enum trace_op op, const char *text,
              const struct trace_cmd *c)
{
    struct trace_cmd *dst = new_cmd_(p, op, text);
    const char *keep = dst->text;
    *dst = *c;
    dst->op = op;
    dst->line = p->line;
    dst->text = keep;
    return true;
}

bool setup_ok_(struct parser *p, const char *what)
{
    if (p->seen_action)
        return fail_(p, "'%s' is a set-up line: it must come before the "
                     "first action", what);
    return true;
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
                return fail_(p, "'%s': key missing before '='", shown_(tok));
            *eq = 0;
            for (guint i = 0; i < p->kvs->len; i++) {
                struct kv *o = &g_array_index(p->kvs, struct kv, i);
                if (strcmp(o->key, tok) == 0)
                    return fail_(p, "key '%s' given twice", shown_(tok));
            }
            struct kv kv = { tok, eq + 1, false };
            g_array_append_val(p->kvs, kv);
            seen_kv = true;
        } else if (seen_kv || (p->pos->len >= 1 &&
                               (strcmp(tok, "exec") == 0 ||
                                strcmp(tok, "priv") == 0) &&
                               strcmp(posn_(p, 0), "dma") == 0 &&
                               p->pos->len >= 4) ||
                   (p->pos->len >= 3 && strcmp(posn_(p, 0), "ats") == 0 &&
                    (strcmp(tok, "exec") == 0 || strcmp(tok, "priv") == 0 ||
                     strcmp(tok, "nw") == 0))) {
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
            return fail_(p, "control character 0x%02x in line", ch);
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
        if (p->pos->len != 2 || strcmp(posn_(p, 0), "vtdtrace") != 0 ||
            p->kvs->len) {
            ok = fail_(p, "the first line must be 'vtdtrace VERSION'");
        } else {
            uint64_t v;
            ok = parse_u64_(p, "version", posn_(p, 1), &v);
            if (ok && (v < 1 || v > TRACE_VERSION_MAX))
                ok = fail_(p, "format version %s is not supported (1 to %d)",
                           shown_(posn_(p, 1)), TRACE_VERSION_MAX);
            if (ok) {
                p->t->version = (unsigned)v;
                p->seen_header = true;
            }
            /* vtdemu run: the machine comes right after the header. */
            if (ok && p->run_machine)
                ok = load_machine_(p, g_strdup(p->run_machine));
        }
        g_free(text);
        return ok;
    }
    if (ok) {
        const char *cmd = p->pos->len ? posn_(p, 0) : "";
        if (!p->pos->len)
            ok = fail_(p, "line starts with a key=value");
        else if (p->run_machine &&
                 (strcmp(cmd, "ram") == 0 || strcmp(cmd, "iommu") == 0 ||
                  strcmp(cmd, "unit") == 0 || strcmp(cmd, "machine") == 0))
            ok = fail_(p, "'%s': this trace is run on the machine %s, so it "
                       "may not set up its own RAM or units", cmd,
                       shown_(p->run_machine));
        else if (strcmp(cmd, "ram") == 0)
            ok = cmd_ram_(p);
        else if (strcmp(cmd, "iommu") == 0)
            ok = cmd_unit_(p, false);
        else if (strcmp(cmd, "unit") == 0)
            ok = cmd_unit_(p, true);
        else if (strcmp(cmd, "machine") == 0)
            ok = cmd_machine_(p);
        else if (strcmp(cmd, "mem") == 0)
            ok = cmd_mem_(p, text);
        else if (strcmp(cmd, "mmio") == 0)
            ok = cmd_mmio_(p, text);
        else if (strcmp(cmd, "reg") == 0)
            ok = cmd_reg_(p, text);
        else if (strcmp(cmd, "dma") == 0)
            ok = cmd_dma_(p, text);
        else if (strcmp(cmd, "msi") == 0)
            ok = cmd_msi_(p, text);
        else if (strcmp(cmd, "ats") == 0 || strcmp(cmd, "clock") == 0)
            ok = cmd_ats_(p, text);
        else if (strcmp(cmd, "cpu") == 0)
            ok = cmd_cpu_(p, text);
        else if (strcmp(cmd, "pid") == 0)
            ok = cmd_pid_(p, text);
        else if (strcmp(cmd, "ioapic") == 0)
            ok = cmd_ioapic_(p, text);
        else if (strcmp(cmd, "page-request") == 0)
            ok = cmd_page_request_(p, text);
        else if (strcmp(cmd, "page-response") == 0)
            ok = cmd_page_response_(p, text);
        else if (strcmp(cmd, "prdev") == 0)
            ok = cmd_prdev_(p, text);
        else if (strcmp(cmd, "vtdtrace") == 0)
            ok = fail_(p, "'vtdtrace' may only be the first line");
        else
            ok = fail_(p, "unknown command '%s'", shown_(cmd));
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
    case TRACE_ATS:
        return n + (c->ats_status >= 0 || c->ats_count >= 0 ||
                            c->ats_itag >= 0 || c->ats_has_base ||
                            c->ats_has_size || c->ats_gi != TRACE_UNSET ||
                            c->ats_present != TRACE_UNSET ||
                            c->ats_accepted != TRACE_UNSET ||
                            c->ats_dma_exp >= 0
                        ? 1 : 0);
    case TRACE_PAGE_REQ:
        return c->prq_expect ? 1 : 0;
    case TRACE_PAGE_RESP:
        return 1;
    case TRACE_PRDEV:
        return c->dev_expect || (!c->is_write && c->bytes) ? 1 : 0;
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
    g_free(t->ats_ranges);
    g_free(t->ats_endpoints);
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
            ok = fail_(&p, "NUL byte in line");
            break;
        }
        char *line = g_strndup(text + off, n);
        ok = parse_line(&p, line);
        g_free(line);
        off += n + (nl ? 1 : 0);
    }
    if (ok && !p.seen_header) {
        p.line = p.line ? p.line : 1;
        ok = fail_(&p, "empty trace: no 'vtdtrace VERSION' line");
    }
    if (ok && p.units->len == 0) {
        ok = fail_(&p, "no 'iommu' line: the trace has no remapping unit");
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

