/* SPDX-License-Identifier: MIT */
/*
 * tools/vtdemu.c: the vtdemu command line.  Argument parsing and output
 * formatting only; the work is done by trace/ (trace, replay, record)
 * and tools/bench.c.  Documented in docs/cli.md.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/coverage.h"
#include "trace/replay.h"
#include "trace/trace.h"
#include "tools/bench.h"
#include "tools/caps_cmd.h"
#include "tools/dmar_cmd.h"
#include "tools/import_cmd.h"
#include "tools/inspect_cmd.h"

enum { EXIT_PASS = 0, EXIT_MISMATCH = 1, EXIT_USAGE = 2, EXIT_GAPS = 3 };

static const char *const main_usage =
    "usage: vtdemu COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Commands:\n"
    "  replay FILE|DIR...   replay vtdtrace files and check expectations\n"
    "  run MACHINE.dtb FILE|DIR...  replay traces on a machine description\n"
    "  record FILE          replay FILE and write what happened as a new\n"
    "                       replayable trace\n"
    "  bench CASE           micro-benchmarks (hit, walk, miss, inval,\n"
    "                       remap, post)\n"
    "  dmar build|check|dump  ACPI DMAR tables (docs/machine-binding.md)\n"
    "  caps CAP ECAP|PROFILE  every capability field decoded, and the\n"
    "                       line Linux prints at boot for such a unit\n"
    "  inspect TRACE        the unit state a trace builds (docs/tools.md)\n"
    "  import-qemu-log LOG  a QEMU 7.2 vtd_* trace log as a vtdtrace\n"
    "  help [COMMAND]       this text, or a command's --help\n"
    "\n"
    "Every command takes --help.  See docs/cli.md.\n";

/* ------------------------------------------------------------------ */
/* replay                                                              */
/* ------------------------------------------------------------------ */

struct junit_case {
    char *name;        /* file:line */
    char *what;
    bool pass;
    char *expected, *actual;
};

struct junit_file {
    char *path;
    GArray *cases;     /* struct junit_case */
    char *error;       /* parse/run error, or NULL */
};

struct out_ctx {
    bool tap, quiet, explain;
    FILE *out;              /* verdicts: stdout, or stderr with --json */
    GArray *junit;          /* struct junit_file, or NULL */
    unsigned long tap_n;
    unsigned long file_failed, file_total;
};

static void yaml_str(const char *key, const char *v)
{
    printf("    %s: \"", key);
    for (const char *c = v ? v : ""; *c; c++) {
        if (*c == '"' || *c == '\\')
            putchar('\\');
        putchar(*c);
    }
    printf("\"\n");
}

static void on_result(void *vctx, const struct replay_result *r)
{
    struct out_ctx *o = vctx;
    o->file_total++;
    if (!r->pass)
        o->file_failed++;
    if (o->junit) {
        struct junit_file *jf = &g_array_index(o->junit, struct junit_file,
                                               o->junit->len - 1);
        struct junit_case jc = {
            .name = g_strdup_printf("%s:%u", r->file, r->line),
            .what = g_strdup(r->what), .pass = r->pass,
            .expected = g_strdup(r->expected), .actual = g_strdup(r->actual),
        };
        g_array_append_val(jf->cases, jc);
    }
    if (o->tap) {
        o->tap_n++;
        printf("%s %lu - %s:%u %s\n", r->pass ? "ok" : "not ok", o->tap_n,
               r->file, r->line, r->what);
        if (!r->pass) {
            printf("  ---\n");
            yaml_str("line", r->text);
            yaml_str("expected", r->expected);
            yaml_str("actual", r->actual);
            printf("  ...\n");
        }
        return;
    }
    if (!r->pass)
        fprintf(o->out, "%s:%u: FAIL %s: expected %s, got %s\n    %s\n",
                r->file, r->line, r->what, r->expected, r->actual, r->text);
    else if (o->explain)
        fprintf(o->out, "%s:%u: pass %s: %s\n", r->file, r->line, r->what,
                r->actual);
}

static void on_explain(void *vctx, const char *file, unsigned line,
                       const char *text)
{
    struct out_ctx *o = vctx;
    (void)file;
    (void)line;
    if (o->tap)
        printf("# %s\n", text);
    else
        fprintf(o->out, "    %s\n", text);
}

static void xml_escaped(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
                fputc('?', f);
            else
                fputc(*s, f);
        }
    }
}

static int write_junit(const char *path, GArray *files)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "vtdemu: %s: %s\n", path, g_strerror(errno));
        return -1;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
            "name=\"vtdemu replay\">\n");
    for (guint i = 0; i < files->len; i++) {
        struct junit_file *jf = &g_array_index(files, struct junit_file, i);
        unsigned failures = 0;
        for (guint k = 0; k < jf->cases->len; k++)
            failures += !g_array_index(jf->cases, struct junit_case, k).pass;
        fprintf(f, "  <testsuite name=\"");
        xml_escaped(f, jf->path);
        fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\">\n",
                jf->cases->len, failures, jf->error ? 1 : 0);
        if (jf->error) {
            fprintf(f, "    <testcase name=\"");
            xml_escaped(f, jf->path);
            fprintf(f, "\" classname=\"vtdemu.replay\"><error message=\"");
            xml_escaped(f, jf->error);
            fprintf(f, "\"/></testcase>\n");
        }
        for (guint k = 0; k < jf->cases->len; k++) {
            struct junit_case *jc = &g_array_index(jf->cases,
                                                   struct junit_case, k);
            fprintf(f, "    <testcase name=\"");
            xml_escaped(f, jc->name);
            fprintf(f, "\" classname=\"");
            xml_escaped(f, jc->what);
            fprintf(f, "\"");
            if (jc->pass) {
                fprintf(f, "/>\n");
                continue;
            }
            fprintf(f, "><failure message=\"expected ");
            xml_escaped(f, jc->expected);
            fprintf(f, ", got ");
            xml_escaped(f, jc->actual);
            fprintf(f, "\"/></testcase>\n");
        }
        fprintf(f, "  </testsuite>\n");
    }
    fprintf(f, "</testsuites>\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "vtdemu: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

static void free_junit(GArray *files)
{
    if (!files)
        return;
    for (guint i = 0; i < files->len; i++) {
        struct junit_file *jf = &g_array_index(files, struct junit_file, i);
        for (guint k = 0; k < jf->cases->len; k++) {
            struct junit_case *jc = &g_array_index(jf->cases,
                                                   struct junit_case, k);
            g_free(jc->name);
            g_free(jc->what);
            g_free(jc->expected);
            g_free(jc->actual);
        }
        g_array_free(jf->cases, TRUE);
        g_free(jf->path);
        g_free(jf->error);
    }
    g_array_free(files, TRUE);
}

static void progress(bool tty, gint64 start, size_t i, size_t n,
                     const char *file, bool *shown)
{
    if (!tty)
        return;
    if (!*shown && g_get_monotonic_time() - start < G_USEC_PER_SEC)
        return;
    *shown = true;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s", i + 1, n, file);
    fflush(stderr);
}

/* replay, or with run: the same on the machine argv[1] (vtdemu run). */
static int replay_main(int argc, char **argv, bool run)
{
    const char *cmd = run ? "run" : "replay";
    gboolean explain = FALSE, tap = FALSE, quiet = FALSE, coverage = FALSE,
             json = FALSE;
    gchar *junit = NULL;
    GOptionEntry entries[] = {
        { "explain", 'e', 0, G_OPTION_ARG_NONE, &explain,
          "Describe each DMA and MSI walk in the spec's terms", NULL },
        { "tap", 0, 0, G_OPTION_ARG_NONE, &tap,
          "Write TAP version 13, one test point per expectation", NULL },
        { "junit", 0, 0, G_OPTION_ARG_FILENAME, &junit,
          "Also write a JUnit XML report to FILE", "FILE" },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
          "Print only failures and the closing line", NULL },
        { "coverage", 0, 0, G_OPTION_ARG_NONE, &coverage,
          "After the verdicts, report which spec rules the traces "
          "exercised and which implemented rules none did (the gaps)",
          NULL },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "With --coverage: write the report as JSON on standard output "
          "(verdicts go to standard error)", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    GOptionContext *oc = g_option_context_new(
        run ? "MACHINE.dtb FILE|DIR... - replay vtdtrace files on a machine"
            : "FILE|DIR... - replay vtdtrace files");
    if (run)
        g_option_context_set_summary(oc,
            "Replays each trace on the machine MACHINE.dtb (its RAM, units,\n"
            "CPUs and IOAPICs, docs/machine-binding.md), as if the trace\n"
            "began with a 'machine' line; a trace with its own ram, iommu,\n"
            "unit or machine line is an error.  Output and exit status as\n"
            "for replay: 0 all passed, 1 an expectation failed, 2 usage,\n"
            "parse or trace error.");
    else
        g_option_context_set_summary(oc,
        "Replays each trace against fresh VT-d units and checks every\n"
        "expectation.  Directories are searched for *.vtdt files.  Prints a\n"
        "verdict per failing expectation (file:line, expected, actual), a\n"
        "PASS/FAIL line per file and finally 'N passed, M failed'.\n"
        "With --coverage it then reports, for every spec rule the model\n"
        "can raise or take (<vtd/rules.h>, docs/coverage.md), how often\n"
        "the traces hit it and which traces did, and lists the implemented\n"
        "rules no trace exercised (the gaps); --json writes that report as\n"
        "JSON on standard output and the verdicts on standard error.\n"
        "Exit status: 0 all passed (and, with --coverage, no gap), 1 an\n"
        "expectation failed, 2 usage, parse or trace error, 3 (with\n"
        "--coverage) all passed but some implemented rule has no trace.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *err = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &err)) {
        fprintf(stderr, "vtdemu %s: %s\n", cmd, err->message);
        g_error_free(err);
        g_option_context_free(oc);
        return EXIT_USAGE;
    }
    g_option_context_free(oc);
    if (json && !coverage) {
        fprintf(stderr, "vtdemu %s: --json needs --coverage\n", cmd);
        g_free(junit);
        return EXIT_USAGE;
    }
    if (coverage && tap) {
        fprintf(stderr, "vtdemu %s: --coverage and --tap do not combine\n",
                cmd);
        g_free(junit);
        return EXIT_USAGE;
    }
    const char *machine = NULL;
    if (run) {
        if (argc < 2) {
            fprintf(stderr, "vtdemu run: no machine given (see --help)\n");
            g_free(junit);
            return EXIT_USAGE;
        }
        machine = argv[1];
        argc--;
        argv++;
    }
    if (argc < 2) {
        fprintf(stderr, "vtdemu %s: no trace given (see --help)\n", cmd);
        g_free(junit);
        return EXIT_USAGE;
    }
    char msg[1024];
    char **files = replay_collect_files(argv + 1, argc - 1, msg, sizeof(msg));
    if (!files) {
        fprintf(stderr, "vtdemu %s: %s\n", cmd, msg);
        g_free(junit);
        return EXIT_USAGE;
    }
    size_t nfiles = g_strv_length(files);
    if (nfiles == 0) {
        fprintf(stderr, "vtdemu %s: no .vtdt files found\n", cmd);
        g_strfreev(files);
        g_free(junit);
        return EXIT_USAGE;
    }

    FILE *vout = json ? stderr : stdout;
    struct out_ctx o = { .tap = tap, .quiet = quiet, .explain = explain,
                         .out = vout };
    if (junit)
        o.junit = g_array_new(FALSE, FALSE, sizeof(struct junit_file));
    struct replay_hooks hooks = { .ctx = &o, .result = on_result,
                                  .explain = on_explain };
    struct replay_opts opts = { .explain = explain };
    struct coverage *cov = coverage ? coverage_new() : NULL;
    uint64_t *file_hits = coverage ? g_new0(uint64_t, vtd_rule_count())
                                   : NULL;
    struct replay_summary sum = { 0, 0 };
    bool errors = false, tty = isatty(STDERR_FILENO), shown = false;
    gint64 start = g_get_monotonic_time();
    if (tap)
        printf("TAP version 13\n");

    for (size_t i = 0; i < nfiles; i++) {
        const char *path = files[i];
        progress(tty, start, i, nfiles, path, &shown);
        if (o.junit) {
            struct junit_file jf = { .path = g_strdup(path),
                .cases = g_array_new(FALSE, FALSE, sizeof(struct junit_case)) };
            g_array_append_val(o.junit, jf);
        }
        o.file_failed = o.file_total = 0;
        struct trace *t = NULL;
        int rc = trace_load_on_machine(path, machine, &t, msg, sizeof(msg));
        if (file_hits) {
            memset(file_hits, 0, vtd_rule_count() * sizeof(*file_hits));
            opts.rule_hits = file_hits;
        }
        if (rc == 0)
            rc = replay_trace(t, &opts, &hooks, &sum, msg, sizeof(msg));
        if (cov && t)
            coverage_add(cov, path, file_hits);
        trace_free(t);
        if (shown)
            fprintf(stderr, "\r\033[K");
        if (rc < 0) {
            errors = true;
            if (o.junit)
                g_array_index(o.junit, struct junit_file,
                              o.junit->len - 1).error = g_strdup(msg);
            if (tap) {
                o.tap_n++;
                printf("not ok %lu - %s\n  ---\n", o.tap_n, path);
                yaml_str("error", msg);
                printf("  ...\n");
            } else {
                fprintf(vout, "%s\nERROR %s\n", msg, path);
            }
            continue;
        }
        if (tap)
            continue;
        if (o.file_failed)
            fprintf(vout, "FAIL %s (%lu of %lu expectations failed)\n", path,
                    o.file_failed, o.file_total);
        else if (!quiet)
            fprintf(vout, "PASS %s (%lu expectations)\n", path,
                    o.file_total);
    }
    if (tap) {
        printf("1..%lu\n", o.tap_n);
        printf("# %lu passed, %lu failed\n", sum.passed, sum.failed);
    } else {
        fprintf(vout, "%lu passed, %lu failed\n", sum.passed, sum.failed);
    }
    int status = errors ? EXIT_USAGE : sum.failed ? EXIT_MISMATCH : EXIT_PASS;
    if (cov) {
        if (json) {
            coverage_write_json(cov, stdout);
        } else {
            putchar('\n');
            coverage_write_text(cov, stdout);
        }
        if (status == EXIT_PASS && coverage_gaps(cov))
            status = EXIT_GAPS;
        coverage_free(cov);
        g_free(file_hits);
    }
    fflush(stdout);
    if (junit && write_junit(junit, o.junit) < 0)
        status = EXIT_USAGE;
    free_junit(o.junit);
    g_free(junit);
    g_strfreev(files);
    return status;
}

static int cmd_replay(int argc, char **argv)
{
    return replay_main(argc, argv, false);
}

static int cmd_run(int argc, char **argv)
{
    return replay_main(argc, argv, true);
}

/* ------------------------------------------------------------------ */
/* record                                                              */
/* ------------------------------------------------------------------ */

static int cmd_record(int argc, char **argv)
{
    gchar *output = NULL;
    GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "Write the recorded trace to FILE (default: standard output)",
          "FILE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    GOptionContext *oc = g_option_context_new("FILE - record a replayable "
                                              "trace");
    g_option_context_set_summary(oc,
        "Replays FILE with the library's trace hook attached and writes what\n"
        "happened as a new trace: register accesses, DMA and MSI requests\n"
        "with the outcomes the units gave as expectations, and the guest\n"
        "memory the units read as 'mem write' lines.  Replaying the result\n"
        "passes by construction; it reproduces the run standalone.\n"
        "Exit status: 0 recorded, 2 usage, parse or trace error.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *err = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &err)) {
        fprintf(stderr, "vtdemu record: %s\n", err->message);
        g_error_free(err);
        g_option_context_free(oc);
        return EXIT_USAGE;
    }
    g_option_context_free(oc);
    if (argc != 2) {
        fprintf(stderr, "vtdemu record: give exactly one trace (see "
                "--help)\n");
        g_free(output);
        return EXIT_USAGE;
    }
    char msg[1024];
    struct trace *t = NULL;
    if (trace_load(argv[1], &t, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "%s\n", msg);
        g_free(output);
        return EXIT_USAGE;
    }
    FILE *out = stdout;
    if (output && !(out = fopen(output, "w"))) {
        fprintf(stderr, "vtdemu record: %s: %s\n", output, g_strerror(errno));
        trace_free(t);
        g_free(output);
        return EXIT_USAGE;
    }
    struct replay_opts opts = { .record = out };
    struct replay_summary sum = { 0, 0 };
    int rc = replay_trace(t, &opts, NULL, &sum, msg, sizeof(msg));
    if (rc < 0)
        fprintf(stderr, "%s\n", msg);
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "vtdemu record: %s: write failed\n", output);
        rc = -EIO;
    }
    trace_free(t);
    g_free(output);
    return rc < 0 ? EXIT_USAGE : EXIT_PASS;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(main_usage, stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc < 3) {
            fputs(main_usage, stdout);
            return EXIT_PASS;
        }
        static char *sub[4];
        sub[0] = argv[0];
        sub[1] = argv[2];
        sub[2] = (char *)"--help";
        sub[3] = NULL;
        argc = 3;
        argv = sub;
        cmd = argv[1];
    }
    /* Subcommands see argv[0] = the command name. */
    if (strcmp(cmd, "replay") == 0)
        return cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "record") == 0)
        return cmd_record(argc - 1, argv + 1);
    if (strcmp(cmd, "bench") == 0)
        return bench_main(argc - 1, argv + 1);
    if (strcmp(cmd, "dmar") == 0)
        return vtdemu_cmd_dmar(argc - 1, argv + 1);
    if (strcmp(cmd, "inspect") == 0)
        return vtdemu_cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "caps") == 0)
        return vtdemu_cmd_caps(argc - 1, argv + 1);
    if (strcmp(cmd, "import-qemu-log") == 0)
        return vtdemu_cmd_import_qemu_log(argc - 1, argv + 1);
    fprintf(stderr, "vtdemu: unknown command '%s'\n\n%s", cmd, main_usage);
    return EXIT_USAGE;
}
