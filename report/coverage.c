/* SPDX-License-Identifier: MIT */
/*
 * report/coverage.c: the conformance coverage report (coverage.h,
 * docs/coverage.md).
 */
#include "report/coverage.h"

#include <glib.h>
#include <inttypes.h>

#include <vtd/vtd.h>

struct coverage {
    unsigned nrules;
    uint64_t *hits;       /* per rule, over the corpus */
    GPtrArray **traces;   /* per rule: the paths of the traces that hit it */
    unsigned ntraces;
};

struct coverage *coverage_new(void)
{
    struct coverage *c = g_new0(struct coverage, 1);
    c->nrules = vtd_rule_count();
    c->hits = g_new0(uint64_t, c->nrules);
    c->traces = g_new0(GPtrArray *, c->nrules);
    for (unsigned i = 0; i < c->nrules; i++)
        c->traces[i] = g_ptr_array_new_with_free_func(g_free);
    return c;
}

void coverage_free(struct coverage *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->nrules; i++)
        g_ptr_array_free(c->traces[i], TRUE);
    g_free(c->traces);
    g_free(c->hits);
    g_free(c);
}

void coverage_add(struct coverage *c, const char *path, const uint64_t *hits)
{
    c->ntraces++;
    for (unsigned i = 0; i < c->nrules; i++) {
        if (!hits[i])
            continue;
        c->hits[i] += hits[i];
        g_ptr_array_add(c->traces[i], g_strdup(path));
    }
}

static struct vtd_rule_info info(unsigned i)
{
    struct vtd_rule_info r = { "?", "?", "?", VTD_RULE_IMPLEMENTED };
    vtd_rule_describe(i, &r);
    return r;
}

static bool is_gap(const struct coverage *c, unsigned i)
{
    return info(i).status == VTD_RULE_IMPLEMENTED && c->hits[i] == 0;
}

unsigned coverage_gaps(const struct coverage *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < c->nrules; i++)
        n += is_gap(c, i);
    return n;
}

static const char *status_name(enum vtd_rule_status s)
{
    switch (s) {
    case VTD_RULE_IMPLEMENTED: return "implemented";
    case VTD_RULE_NOT_IMPLEMENTED: return "not-implemented";
    case VTD_RULE_UNREACHABLE: return "unreachable";
    case VTD_RULE_HOST_ONLY: return "host-only";
    }
    return "?";
}

struct totals {
    unsigned impl, covered, gaps, other;
};

static struct totals totals(const struct coverage *c)
{
    struct totals t = { 0, 0, 0, 0 };
    for (unsigned i = 0; i < c->nrules; i++) {
        if (info(i).status != VTD_RULE_IMPLEMENTED) {
            t.other++;
            continue;
        }
        t.impl++;
        if (c->hits[i])
            t.covered++;
        else
            t.gaps++;
    }
    return t;
}

void coverage_write_text(const struct coverage *c, FILE *f)
{
    struct totals t = totals(c);
    fprintf(f, "coverage: %u rules, %u implemented, %u covered, %u gaps, "
            "%u excluded (not implemented, unreachable or host-only); %u traces\n\n",
            c->nrules, t.impl, t.covered, t.gaps, t.other, c->ntraces);
    fprintf(f, "%-38s %-9s %8s %6s  %s\n", "RULE", "SECTION", "HITS",
            "TRACES", "FIRST TRACE");
    for (unsigned i = 0; i < c->nrules; i++) {
        struct vtd_rule_info r = info(i);
        if (r.status != VTD_RULE_IMPLEMENTED)
            continue;
        GPtrArray *tr = c->traces[i];
        fprintf(f, "%-38s %-9s %8" PRIu64 " %6u  %s\n", r.name, r.section,
                c->hits[i], tr->len,
                tr->len ? (const char *)g_ptr_array_index(tr, 0) : "-");
    }
    fprintf(f, "\ngaps (implemented, exercised by no trace): %u\n", t.gaps);
    for (unsigned i = 0; i < c->nrules; i++) {
        if (!is_gap(c, i))
            continue;
        struct vtd_rule_info r = info(i);
        fprintf(f, "  %-36s %-9s %s\n", r.name, r.section, r.text);
    }
    fprintf(f, "\nexcluded (not implemented, unreachable or host-only): %u\n", t.other);
    for (unsigned i = 0; i < c->nrules; i++) {
        struct vtd_rule_info r = info(i);
        if (r.status == VTD_RULE_IMPLEMENTED)
            continue;
        fprintf(f, "  %-36s %-9s %s: %s%s\n", r.name, r.section,
                status_name(r.status), r.text,
                c->hits[i] ? " (HIT: the registry is wrong)" : "");
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void coverage_write_json(const struct coverage *c, FILE *f)
{
    struct totals t = totals(c);
    fprintf(f, "{\n  \"rules_total\": %u,\n  \"implemented\": %u,\n"
            "  \"covered\": %u,\n  \"gap_count\": %u,\n"
            "  \"excluded\": %u,\n  \"traces\": %u,\n"
            "  \"gaps\": [", c->nrules, t.impl, t.covered, t.gaps, t.other,
            c->ntraces);
    bool first = true;
    for (unsigned i = 0; i < c->nrules; i++) {
        if (!is_gap(c, i))
            continue;
        fputs(first ? "" : ", ", f);
        json_str(f, info(i).name);
        first = false;
    }
    fputs("],\n  \"rules\": [\n", f);
    for (unsigned i = 0; i < c->nrules; i++) {
        struct vtd_rule_info r = info(i);
        fputs("    {\"name\": ", f);
        json_str(f, r.name);
        fputs(", \"section\": ", f);
        json_str(f, r.section);
        fputs(", \"status\": ", f);
        json_str(f, status_name(r.status));
        fputs(", \"text\": ", f);
        json_str(f, r.text);
        fprintf(f, ", \"hits\": %" PRIu64 ", \"traces\": [", c->hits[i]);
        GPtrArray *tr = c->traces[i];
        for (guint k = 0; k < tr->len; k++) {
            fputs(k ? ", " : "", f);
            json_str(f, g_ptr_array_index(tr, k));
        }
        fprintf(f, "]}%s\n", i + 1 < c->nrules ? "," : "");
    }
    fputs("  ]\n}\n", f);
}
