/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_dmar.c: the DMAR parser, checker and dump on arbitrary bytes;
 * a parsed table is rebuilt and must parse again (issue 8). */
#include <stdlib.h>
#include <string.h>

#include "acpi/dmar.h"
#include "fuzz_common.h"

static void sink(void *o, enum dmar_severity s, uint32_t off, const char *m)
{
    (void)o; (void)s; (void)off; (void)m;
}

static void line(void *o, const char *l)
{
    (void)o; (void)l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dmar_check(data, size, NULL, sink, NULL);
    dmar_dump(data, size, line, NULL);
    struct dmar_desc d;
    if (dmar_parse(data, size, &d, NULL, NULL) == 0) {
        uint8_t *out = NULL;
        size_t len = 0;
        if (dmar_build(&d, &out, &len, NULL, 0) == 0) {
            struct dmar_desc again;
            if (dmar_parse(out, len, &again, NULL, NULL) != 0)
                abort(); /* what we build must parse cleanly */
            dmar_desc_clear(&again);
            free(out);
        }
    }
    dmar_desc_clear(&d);
    return 0;
}
