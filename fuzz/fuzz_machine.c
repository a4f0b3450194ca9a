/* SPDX-License-Identifier: MIT */
/* fuzz/fuzz_machine.c: the device-tree machine loader on arbitrary blobs,
 * and the DMAR table of whatever loads (issue 8). */
#include <stdlib.h>

#include "acpi/dmar.h"
#include "fuzz_common.h"
#include "machine/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct machine_desc m;
    char err[256];
    /* libfdt wants an aligned blob. */
    void *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    for (size_t i = 0; i < size; i++)
        ((uint8_t *)copy)[i] = data[i];
    if (machine_load_fdt(copy, size, &m, err, sizeof(err)) == 0) {
        struct dmar_desc d;
        if (machine_to_dmar(&m, &d, err, sizeof(err)) == 0) {
            uint8_t *out = NULL;
            size_t len = 0;
            if (dmar_build(&d, &out, &len, err, sizeof(err)) == 0) {
                struct dmar_machine_info info;
                machine_check_info(&m, &info);
                dmar_check(out, len, &info, NULL, NULL);
                machine_check_info_free(&info);
                free(out);
            }
            dmar_desc_clear(&d);
        }
        for (unsigned s = 0; s < 4; s++)
            machine_unit_for_sid(&m, (uint16_t)s, (uint16_t)(s * 0x1234));
        machine_desc_free(&m);
    }
    free(copy);
    return 0;
}
