/* SPDX-License-Identifier: MIT */
/*
 * tools/dmar_cmd.c: `vtdemu dmar build|check|dump` (thin; the work is in
 * acpi/dmar*.c and machine/machine.c).
 * Exit status: 0 good, 1 the table has errors, 2 usage or input error.
 */
#include "dmar_cmd.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/dmar.h"
#include "machine/machine.h"

static const char dmar_usage[] =
    "usage: vtdemu dmar build MACHINE.dtb -o DMAR.bin\n"
    "       vtdemu dmar check DMAR.bin [--machine MACHINE.dtb]\n"
    "       vtdemu dmar dump DMAR.bin\n"
    "\n"
    "build  write the ACPI DMAR table of a machine description\n"
    "       (docs/machine-binding.md) to a file.\n"
    "check  report what is wrong with a DMAR table, with byte offsets:\n"
    "       checksum and lengths, structure order, INCLUDE_PCI_ALL\n"
    "       placement, duplicate units, RMRR alignment and overlap, scope\n"
    "       types, ANDD and RHSA references; with --machine also scope\n"
    "       paths that do not resolve, IOAPICs under no unit and units\n"
    "       whose MGAW is below the table's HAW.\n"
    "dump   print the table as readable text.\n"
    "\n"
    "Exit status: 0 success (check: no errors; warnings allowed),\n"
    "1 check found errors, 2 usage or input error.\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "vtdemu dmar: %s\n", msg);
    fputs(dmar_usage, stderr);
    return 2;
}

static bool want_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

static int read_file(const char *path, gchar **buf, gsize *len)
{
    GError *e = NULL;
    if (!g_file_get_contents(path, buf, len, &e)) {
        fprintf(stderr, "vtdemu dmar: %s\n", e->message);
        g_error_free(e);
        return -1;
    }
    return 0;
}

static int cmd_build(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] == '-')
            return usage_error("unknown option for build");
        else if (!in)
            in = argv[i];
        else
            return usage_error("build takes one machine description");
    }
    if (!in || !out)
        return usage_error("build needs MACHINE.dtb and -o DMAR.bin");
    struct machine_desc m;
    char err[512];
    if (machine_load_file(in, &m, err, sizeof(err)) < 0) {
        fprintf(stderr, "vtdemu dmar: %s\n", err);
        return 2;
    }
    struct dmar_desc d;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = machine_to_dmar(&m, &d, err, sizeof(err));
    if (rc == 0) {
        rc = dmar_build(&d, &bytes, &len, err, sizeof(err));
        dmar_desc_clear(&d);
    }
    machine_desc_free(&m);
    if (rc < 0) {
        fprintf(stderr, "vtdemu dmar: %s: %s\n", in, err);
        return 2;
    }
    GError *e = NULL;
    if (!g_file_set_contents(out, (const char *)bytes, (gssize)len, &e)) {
        fprintf(stderr, "vtdemu dmar: %s\n", e->message);
        g_error_free(e);
        free(bytes);
        return 2;
    }
    fprintf(stderr, "vtdemu dmar: wrote %zu bytes to %s\n", len, out);
    free(bytes);
    return 0;
}

struct check_ctx {
    const char *file;
    int warnings;
};

static void print_finding(void *opaque, enum dmar_severity sev,
                          uint32_t off, const char *msg)
{
    struct check_ctx *c = opaque;
    if (sev == DMAR_WARN)
        c->warnings++;
    printf("%s:0x%03x: %s: %s\n", c->file, off,
           sev == DMAR_ERROR ? "error" : sev == DMAR_WARN ? "warning"
                                                          : "note",
           msg);
}

static int cmd_check(int argc, char **argv)
{
    const char *in = NULL, *mach = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--machine") && i + 1 < argc)
            mach = argv[++i];
        else if (!strncmp(argv[i], "--machine=", 10))
            mach = argv[i] + 10;
        else if (argv[i][0] == '-')
            return usage_error("unknown option for check");
        else if (!in)
            in = argv[i];
        else
            return usage_error("check takes one table");
    }
    if (!in)
        return usage_error("check needs DMAR.bin");
    gchar *buf;
    gsize len;
    if (read_file(in, &buf, &len) < 0)
        return 2;
    struct machine_desc m;
    struct dmar_machine_info info;
    bool have_m = false;
    if (mach) {
        char err[512];
        if (machine_load_file(mach, &m, err, sizeof(err)) < 0) {
            fprintf(stderr, "vtdemu dmar: %s\n", err);
            g_free(buf);
            return 2;
        }
        machine_check_info(&m, &info);
        have_m = true;
    }
    struct check_ctx c = { .file = in };
    int errors = dmar_check((const uint8_t *)buf, len,
                            have_m ? &info : NULL, print_finding, &c);
    printf("%s: %d error%s, %d warning%s\n", in, errors,
           errors == 1 ? "" : "s", c.warnings, c.warnings == 1 ? "" : "s");
    if (have_m) {
        machine_check_info_free(&info);
        machine_desc_free(&m);
    }
    g_free(buf);
    return errors ? 1 : 0;
}

static void print_line(void *opaque, const char *line)
{
    (void)opaque;
    puts(line);
}

static int cmd_dump(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return usage_error("dump takes one table");
    gchar *buf;
    gsize len;
    if (read_file(argv[0], &buf, &len) < 0)
        return 2;
    dmar_dump((const uint8_t *)buf, len, print_line, NULL);
    g_free(buf);
    return 0;
}

int vtdemu_cmd_dmar(int argc, char **argv)
{
    /* argv[0] is the command name ("dmar"), as for every subcommand. */
    argc--;
    argv++;
    if (argc < 1)
        return usage_error("missing subcommand");
    if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
        want_help(argc - 1, argv + 1)) {
        fputs(dmar_usage, stdout);
        return 0;
    }
    if (!strcmp(argv[0], "build"))
        return cmd_build(argc - 1, argv + 1);
    if (!strcmp(argv[0], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(argv[0], "dump"))
        return cmd_dump(argc - 1, argv + 1);
    return usage_error("unknown subcommand");
}
