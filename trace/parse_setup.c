/* SPDX-License-Identifier: MIT */
/* trace/parse_setup.c: the set-up lines of a vtdtrace (ram, iommu, unit,
 * machine) and the CPUs and IOAPICs a trace declares (see parse.h). */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <vtd/layout.h>

#include "machine/board.h"
#include "machine/machine.h"
#include "trace/parse.h"

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */

bool cmd_ram_(struct parser *p)
{
    if (!setup_ok_(p, "ram") || !npos_(p, 2, 2, "ram SIZE [base=ADDR]"))
        return false;
    if (p->seen_ram && p->t->version < 2)
        return fail_(p, "more than one 'ram' line needs 'vtdtrace 2'");
    struct trace_ram r = { 0, 0 };
    if (!parse_u64_(p, "ram size", posn_(p, 1), &r.size))
        return false;
    const char *b = kv_get_(p, "base");
    if (b && (!need_version_(p, 2, "ram base=") ||
              !parse_u64_(p, "base", b, &r.base)))
        return false;
    if (r.size == 0)
        return fail_(p, "ram size must not be 0");
    if (r.base + (r.size - 1) < r.base)
        return fail_(p, "ram range wraps past 2^64");
    for (guint i = 0; i < p->ram->len; i++) {
        struct trace_ram *o = &g_array_index(p->ram, struct trace_ram, i);
        if (r.base <= o->base + (o->size - 1) &&
            o->base <= r.base + (r.size - 1))
            return fail_(p, "ram range overlaps an earlier one");
    }
    if (!check_leftovers_(p, "ram"))
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
                 parse_num_max_(p, "scope bus", hex, 0xff, &bus);
            if (!ok)
                break;
            sc.first = vtd_sid_make((unsigned)bus, 0, 0);
            sc.last = (uint16_t)(sc.first | VTD_SID_DEVFN_MASK);
        } else {
            ok = parse_sid_(p, *it, false, &sc.first, &v);
            sc.last = sc.first;
            if (ok && dash)
                ok = parse_sid_(p, dash + 1, false, &sc.last, &v);
            if (ok && sc.last < sc.first)
                ok = fail_(p, "scope range ends before it starts");
        }
        if (ok)
            g_array_append_val(items, sc);
    }
    g_strfreev(parts);
    if (ok && items->len == 0)
        ok = fail_(p, "empty scope");
    if (!ok) {
        g_array_free(items, TRUE);
        return fail_(p, "bad scope '%s'", shown_(s));
    }
    u->nscope = items->len;
    u->scope = (struct trace_scope *)(void *)g_array_free(items, FALSE);
    return true;
}

/* iommu (v1) and unit NAME (v2). */
bool cmd_unit_(struct parser *p, bool named)
{
    const char *what = named ? "unit" : "iommu";
    if (!setup_ok_(p, what))
        return false;
    if (named) {
        if (!need_version_(p, 2, "'unit'") ||
            !npos_(p, 2, 2, "unit NAME base=ADDR (cap=HEX ecap=HEX | "
                   "profile=NAME) [ver=] [haw=] [scope=] [cache=] [lint=]"))
            return false;
    } else {
        if (!npos_(p, 1, 1, "iommu base=ADDR cap=HEX ecap=HEX [ver=HEX] "
                   "[haw=BITS]"))
            return false;
        if (p->seen_iommu && p->t->version < 2)
            return fail_(p, "more than one 'iommu' line needs 'vtdtrace 2' "
                         "(use 'unit NAME ...')");
    }
    struct trace_unit u;
    memset(&u, 0, sizeof(u));
    u.line = p->line;
    u.scope_all = true;
    u.cache = VTD_CACHE_HARDWARE;
    const char *name = named ? posn_(p, 1) : "iommu";
    for (guint i = 0; i < p->units->len; i++) {
        const struct trace_unit *o = &g_array_index(p->units,
                                                    struct trace_unit, i);
        if (strcmp(o->name, name) == 0)
            return fail_(p, "unit name '%s' used twice", shown_(name));
    }
    const char *v;
    uint64_t n;
    if (!(v = kv_get_(p, "base")))
        return fail_(p, "%s needs base=ADDR", what);
    if (!parse_u64_(p, "base", v, &u.base))
        return false;
    if ((v = kv_get_(p, "cap"))) {
        if (!parse_u64_(p, "cap", v, &u.cap))
            return false;
        u.has_cap = true;
    }
    if ((v = kv_get_(p, "ecap"))) {
        if (!parse_u64_(p, "ecap", v, &u.ecap))
            return false;
        u.has_ecap = true;
    }
    if ((v = kv_get_(p, "ver"))) {
        if (!parse_num_max_(p, "ver", v, 0xffffffffu, &n))
            return false;
        u.ver = (uint32_t)n;
    }
    if ((v = kv_get_(p, "haw"))) {
        if (!parse_num_max_(p, "haw", v, 64, &n))
            return false;
        if (n < 12)
            return fail_(p, "haw=%s is below 12 bits", shown_(v));
        u.haw = (uint32_t)n;
    }
    bool v2keys = false;
    if ((v = kv_get_(p, "profile"))) {
        v2keys = true;
        u.profile = g_strdup(v);
    }
    if ((v = kv_get_(p, "cache"))) {
        v2keys = true;
        if (strcmp(v, "hardware") == 0)
            u.cache = VTD_CACHE_HARDWARE;
        else if (strcmp(v, "none") == 0)
            u.cache = VTD_CACHE_NONE;
        else if (strcmp(v, "psc") == 0)
            u.cache = VTD_CACHE_PSC;
        else if (strcmp(v, "no-psc") == 0)
            u.cache = VTD_CACHE_NO_PSC;
        else {
            fail_(p, "cache= must be hardware, none, psc or no-psc");
            goto bad;
        }
    }
    if ((v = kv_get_(p, "lint"))) {
        enum trace_tri t;
        v2keys = true;
        if (!parse_yesno_(p, "lint", v, &t))
            goto bad;
        u.lint = t == TRACE_YES;
    }
    if ((v = kv_get_(p, "scope"))) {
        v2keys = true;
        if (!need_version_(p, 2, "scope=") || !parse_scope(p, &u, v))
            goto bad;
    }
    if (v2keys && !need_version_(p, 2, "profile=/cache=/lint=/scope="))
        goto bad;
    if (!u.profile && (!u.has_cap || !u.has_ecap)) {
        fail_(p, "%s needs cap=HEX and ecap=HEX%s", what,
              p->t->version >= 2 ? " (or profile=NAME)" : "");
        goto bad;
    }
    if (!check_leftovers_(p, what))
        goto bad;
    if (!u.scope_all) {
        /* fine */
    } else {
        for (guint i = 0; i < p->units->len; i++) {
            const struct trace_unit *o = &g_array_index(p->units,
                                                        struct trace_unit,
                                                        i);
            if (o->scope_all) {
                fail_(p, "only one unit may have scope=all (unit '%s' at "
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

static void scope_add(GArray *a, uint16_t first, uint16_t last)
{
    struct trace_scope sc = { first, last };
    g_array_append_val(a, sc);
}

/* machine FILE (v2): RAM and units from a device tree
 * (docs/machine-binding.md).  Scope items become SID ranges by
 * machine_unit_scope() (VT-d 8.3.1). */

bool cmd_machine_(struct parser *p)
{
    if (!setup_ok_(p, "machine") || !need_version_(p, 2, "'machine'") ||
        !npos_(p, 2, 2, "machine FILE.dtb") || !check_leftovers_(p, "machine"))
        return false;
    if (p->seen_ram || p->seen_iommu)
        return fail_(p, "'machine' replaces the ram and unit lines: give it "
                     "alone");
    const char *file = posn_(p, 1);
    char *path;
    if (g_path_is_absolute(file)) {
        path = g_strdup(file);
    } else {
        char *dir = g_path_get_dirname(p->path);
        path = g_build_filename(dir, file, NULL);
        g_free(dir);
    }
    return load_machine_(p, path);
}

/* Load the machine file at path (freed here) into the parser's RAM,
 * units, CPUs and IOAPICs. */
bool load_machine_(struct parser *p, char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fail_(p, "machine file '%s' is not a readable regular file",
              shown_(path));
        g_free(path);
        return false;
    }
    if ((uint64_t)st.st_size > MACHINE_FILE_MAX) {
        fail_(p, "machine file is larger than %u MiB", MACHINE_FILE_MAX >> 20);
        g_free(path);
        return false;
    }
    struct machine_desc m;
    char err[512] = "";
    int rc = machine_load_file(path, &m, err, sizeof(err));
    g_free(path);
    if (rc < 0)
        return fail_(p, "%s", err);
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
            ok = fail_(p, "machine has two INCLUDE_PCI_ALL units");
        have_all |= mu->include_all;
        /* The scope as source-id ranges (machine_unit_scope, 8.3.1). */
        size_t nr = 0;
        struct board_scope *r = machine_unit_scope(&m, i, &nr);
        GArray *sc = g_array_new(FALSE, FALSE, sizeof(struct trace_scope));
        for (size_t k = 0; k < nr; k++)
            scope_add(sc, r[k].first, r[k].last);
        g_free(r);
        u.nscope = sc->len;
        u.scope = (struct trace_scope *)(void *)g_array_free(sc, FALSE);
        g_array_append_val(p->units, u);
    }
    /* CPUs: their APIC ids and x2APIC mode (docs/machine-binding.md). */
    for (unsigned i = 0; ok && i < m.ncpu; i++) {
        struct trace_cpu cpu = { .line = p->line,
                                 .apic_id = m.cpus[i].apic_id,
                                 .x2apic = m.cpus[i].x2apic };
        ok = add_cpu_(p, &cpu);
    }
    /* IOAPICs with the source-id the platform gives them. */
    for (unsigned i = 0; ok && i < m.ndev; i++) {
        const struct machine_dev *d = &m.devs[i];
        if (d->kind != MDEV_IOAPIC)
            continue;
        struct trace_ioapic io = { .line = p->line, .base = d->base,
                                   .id = d->enum_id, .sid = d->sid };
        ok = add_ioapic_(p, &io);
    }
    /* ATS (VT-d 8.5): the ATSR decides which requesters may use it; the
     * ATS-capable endpoints become ATS devices of the replay. */
    p->t->has_ats_policy = true;
    p->t->ats_ranges = machine_ats_ranges(&m, 0, &p->t->nats_ranges);
    p->t->ats_endpoints = machine_ats_endpoints(&m, 0,
                                                &p->t->nats_endpoints);
    machine_desc_free(&m);
    p->seen_ram = p->seen_iommu = true;
    return ok;
}

/* ------------------------------------------------------------------ */
/* Machine commands (v2): CPUs, IOAPICs, posted-interrupt descriptors   */
/* ------------------------------------------------------------------ */

bool add_cpu_(struct parser *p, const struct trace_cpu *cpu)
{
    for (guint i = 0; i < p->cpus->len; i++)
        if (g_array_index(p->cpus, struct trace_cpu, i).apic_id ==
            cpu->apic_id)
            return fail_(p, "a CPU with APIC id 0x%x already exists",
                         cpu->apic_id);
    if (p->cpus->len >= TRACE_CPUS_MAX)
        return fail_(p, "more than %u CPUs", TRACE_CPUS_MAX);
    g_array_append_val(p->cpus, *cpu);
    return true;
}

bool add_ioapic_(struct parser *p, const struct trace_ioapic *io)
{
    for (guint i = 0; i < p->ioapics->len; i++) {
        const struct trace_ioapic *o =
            &g_array_index(p->ioapics, struct trace_ioapic, i);
        if (o->id == io->id)
            return fail_(p, "an IOAPIC with id %u already exists", io->id);
        /* The IOAPIC register window is 0x100 bytes here (82093AA
         * IOREGSEL/IOWIN, ICH9 EOI at 0x40). */
        if (io->base < o->base + 0x100 && o->base < io->base + 0x100)
            return fail_(p, "IOAPIC window at 0x%" G_GINT64_MODIFIER "x "
                         "overlaps IOAPIC %u", (guint64)io->base, o->id);
    }
    if (io->base > UINT64_MAX - 0x100)
        return fail_(p, "IOAPIC base too high");
    g_array_append_val(p->ioapics, *io);
    return true;
}

