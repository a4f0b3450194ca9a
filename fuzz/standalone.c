/* SPDX-License-Identifier: MIT */
/*
 * fuzz/standalone.c: run a fuzz target over files and directories of
 * inputs without libFuzzer (gcc builds, the test suite).  Prints
 * "N inputs" and exits 0 when none crashed.
 */
#include <glib.h>
#include <stdio.h>

#include "fuzz_common.h"

static gint by_name(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static unsigned run_path(const char *path)
{
    unsigned n = 0;
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        GDir *d = g_dir_open(path, 0, NULL);
        if (!d)
            return 0;
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        const char *e;
        while ((e = g_dir_read_name(d)))
            g_ptr_array_add(names, g_build_filename(path, e, NULL));
        g_dir_close(d);
        g_ptr_array_sort(names, by_name);
        for (guint i = 0; i < names->len; i++)
            n += run_path(g_ptr_array_index(names, i));
        g_ptr_array_free(names, TRUE);
        return n;
    }
    gchar *buf;
    gsize len;
    if (!g_file_get_contents(path, &buf, &len, NULL)) {
        fprintf(stderr, "cannot read %s\n", path);
        return 0;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    g_free(buf);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !g_strcmp0(argv[1], "--help")) {
        printf("usage: %s FILE|DIR...\nRuns the fuzz target once per "
               "input file (directories recursively).\n", argv[0]);
        return argc < 2 ? 2 : 0;
    }
    unsigned n = 0;
    for (int i = 1; i < argc; i++)
        n += run_path(argv[i]);
    printf("%u inputs\n", n);
    return n ? 0 : 1;
}
