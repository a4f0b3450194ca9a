/* SPDX-License-Identifier: MIT */
/* tools/inspect_cmd.c: `vtdemu inspect` (see inspect_cmd.h). */
#include "tools/inspect_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <vtd/layout.h>

#include "mem/guestmem.h"
#include "tools/args.h"
#include "report/inspect.h"
#include "tools/inspect_state.h"
#include "trace/replay.h"
#include "trace/trace.h"

static const char usage[] =
    "usage: vtdemu inspect [options] TRACE\n"
    "Replay TRACE up to a line (expectations are not reported) and render\n"
    "the units' state.\n"
    "  --format=F     text (default), json, dot, linux-dmesg (pending faults\n"
    "                 as Linux prints them), or linux-debugfs:FILE with\n"
    "                 FILE one of iommu_regset, dmar_translation_struct,\n"
    "                 domain_translation_struct, ir_translation_struct,\n"
    "                 invalidation_queue\n"
    "  --linux=V      layout of Linux 6.1 (default), 6.7 or new\n"
    "  --at LINE      stop after the last command on or before LINE\n"
    "  --dev BB:DD.F  only this requester\n"
    "  --pasid N      only this PASID (scalable mode)\n"
    "  --budget N     entries a render may visit (default 4194304)\n"
    "  --help         this text\n"
    "Exit status: 0 rendered, 1 the trace could not be run to the line,\n"
    "2 usage or parse error.\n";

int vtdemu_cmd_inspect(int argc, char **argv)
{
    struct inspect_opts o;
    inspect_opts_init(&o);
    uint64_t at = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        bool missing = false;
        uint64_t n;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_opt(argc, argv, &i, "--format", &val, &missing)) {
            if (missing || !inspect_format_parse(val, &o)) {
                fprintf(stderr, "vtdemu inspect: bad --format\n%s", usage);
                return 2;
            }
        } else if (args_opt(argc, argv, &i, "--linux", &val, &missing)) {
            if (missing || !linux_ver_parse(val, &o.linux_ver)) {
                fprintf(stderr, "vtdemu inspect: --linux takes 6.1, 6.7 or "
                                "new\n");
                return 2;
            }
        } else if (args_opt(argc, argv, &i, "--at", &val, &missing)) {
            if (missing || !args_num(val, UINT32_MAX, &at) || !at) {
                fprintf(stderr, "vtdemu inspect: bad --at\n");
                return 2;
            }
        } else if (args_opt(argc, argv, &i, "--dev", &val, &missing)) {
            if (missing || !trace_parse_sid(val, &o.dev)) {
                fprintf(stderr, "vtdemu inspect: --dev takes BB:DD.F\n");
                return 2;
            }
            o.has_dev = true;
        } else if (args_opt(argc, argv, &i, "--pasid", &val, &missing)) {
            if (missing || !args_num(val, VTD_PASID_MAX, &n)) {
                fprintf(stderr, "vtdemu inspect: bad --pasid\n");
                return 2;
            }
            o.pasid = (uint32_t)n;
        } else if (args_opt(argc, argv, &i, "--budget", &val, &missing)) {
            if (missing || !args_num(val, UINT32_MAX, &n) || !n) {
                fprintf(stderr, "vtdemu inspect: bad --budget\n");
                return 2;
            }
            o.budget = (unsigned long)n;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vtdemu inspect: unknown option %s\n%s", argv[i],
                    usage);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "vtdemu inspect: one trace only\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    char err[512] = "";
    struct trace *t = NULL;
    if (trace_load(path, &t, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    /* The state after the last command on or before --at (all commands
     * without it; none: the units as the set-up lines create them), from
     * the replay engine: every v2 command has its effect. */
    GString *out = g_string_new(NULL);
    struct inspect_state st;
    int rc = inspect_state_run(t, (unsigned)at, &st, err, sizeof(err));
    if (rc == 0) {
        struct inspect_src src;
        inspect_state_src(&st, &src);
        inspect_render(&src, &o, out);
        inspect_state_free(&st);
    }
    if (rc < 0) {
        fprintf(stderr, "%s\n", err);
        g_string_free(out, TRUE);
        trace_free(t);
        return 1;
    }
    fwrite(out->str, 1, out->len, stdout);
    g_string_free(out, TRUE);
    trace_free(t);
    return 0;
}
