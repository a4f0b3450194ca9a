/* SPDX-License-Identifier: MIT */
/* tools/import_cmd.c: `vtdemu import-qemu-log` (see import_cmd.h). */
#include "tools/import_cmd.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "tools/args.h"
#include "trace/import_qemu.h"

static const char usage[] =
    "usage: vtdemu import-qemu-log [options] LOG\n"
    "Convert a QEMU log of vtd_* trace events (-trace 'vtd_*' or -d\n"
    "trace:vtd_*; any prefix style) into a vtdtrace file.\n"
    "  -o FILE        write the trace to FILE (default: stdout)\n"
    "  --base ADDR    register base of the unit (default 0xfed90000)\n"
    "  --cap HEX      CAP of the unit (default QEMU 7.2's 0x00d2008c22260206)\n"
    "  --ecap HEX     ECAP of the unit (default 0xf00f4a)\n"
    "  --memory FILE  copy the 'mem write' lines of FILE (a vtdtrace with\n"
    "                 the guest's tables) before the actions\n"
    "  --all          keep repeated identical translations\n"
    "  --help         this text\n"
    "Events that carry too little information are listed as warnings on\n"
    "stderr and at the end of the trace.\n"
    "Exit status: 0 converted, 1 no vtd_* event in the log, 2 usage error\n"
    "or unreadable input.\n";

int vtdemu_cmd_import_qemu_log(int argc, char **argv)
{
    struct qemulog_opts o;
    qemulog_opts_init(&o);
    const char *path = NULL, *outp = NULL, *memp = NULL;
    bool have_cap = false, have_ecap = false;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        bool missing = false;
        uint64_t n;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (args_opt(argc, argv, &i, "-o", &val, &missing)) {
            outp = val;
        } else if (args_opt(argc, argv, &i, "--base", &val, &missing)) {
            if (!missing && args_num(val, UINT64_MAX, &n))
                o.base = n;
            else
                missing = true;
        } else if (args_opt(argc, argv, &i, "--cap", &val, &missing)) {
            if (!missing && args_num(val, UINT64_MAX, &n)) {
                o.cap = n;
                have_cap = true;
            } else {
                missing = true;
            }
        } else if (args_opt(argc, argv, &i, "--ecap", &val, &missing)) {
            if (!missing && args_num(val, UINT64_MAX, &n)) {
                o.ecap = n;
                have_ecap = true;
            } else {
                missing = true;
            }
        } else if (args_opt(argc, argv, &i, "--memory", &val, &missing)) {
            memp = val;
        } else if (!strcmp(argv[i], "--all")) {
            o.keep_duplicates = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "vtdemu import-qemu-log: unknown option %s\n%s",
                    argv[i], usage);
            return 2;
        } else if (!path) {
            path = argv[i];
        } else {
            fprintf(stderr, "vtdemu import-qemu-log: one log only\n");
            return 2;
        }
        if (missing || (val && !*val)) {
            fprintf(stderr, "vtdemu import-qemu-log: bad or missing value "
                            "for %s\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fputs(usage, stderr);
        return 2;
    }
    o.caps_given = have_cap && have_ecap;
    o.name = path;
    gchar *text = NULL, *mem = NULL;
    gsize len = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        fprintf(stderr, "vtdemu import-qemu-log: %s\n", gerr->message);
        g_error_free(gerr);
        return 2;
    }
    if (memp) {
        if (!g_file_get_contents(memp, &mem, NULL, &gerr)) {
            fprintf(stderr, "vtdemu import-qemu-log: %s\n", gerr->message);
            g_error_free(gerr);
            g_free(text);
            return 2;
        }
        o.memory = mem;
    }
    GString *out = g_string_new(NULL), *warn = g_string_new(NULL);
    struct qemulog_stats st;
    qemulog_convert(text, len, &o, out, warn, &st);
    int rc = st.events ? 0 : 1;
    if (warn->len)
        fputs(warn->str, stderr);
    if (outp) {
        if (!g_file_set_contents(outp, out->str, (gssize)out->len, &gerr)) {
            fprintf(stderr, "vtdemu import-qemu-log: %s\n", gerr->message);
            g_error_free(gerr);
            rc = 2;
        }
    } else {
        fwrite(out->str, 1, out->len, stdout);
    }
    if (!st.events)
        fprintf(stderr, "vtdemu import-qemu-log: %s: no vtd_* event found\n",
                path);
    g_string_free(out, TRUE);
    g_string_free(warn, TRUE);
    g_free(text);
    g_free(mem);
    return rc;
}
