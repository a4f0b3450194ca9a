/* SPDX-License-Identifier: MIT */
/*
 * report/inspect.c: state renderers (see inspect.h): options and the
 * dispatch to one file per format (inspect_view.h lists them).
 *
 * Entry layouts come from VT-d 5.10 chapter 9 (root 9.1/9.2, context
 * 9.3/9.4, PASID directory and table 9.5/9.6, second-stage 9.8, first-stage
 * 9.7, IRTE 9.10) and the registers from chapter 11.  The linux-debugfs
 * layouts follow the format strings of Linux drivers/iommu/intel/debugfs.c
 * (6.1, and 6.7 which made domain_translation_struct per device and
 * dropped the virtual-command registers from iommu_regset).
 */
#include "report/inspect.h"

#include <errno.h>
#include <string.h>

#include "report/inspect_view.h"

/* ------------------------------------------------------------------ */
/* Entry points                                                        */
/* ------------------------------------------------------------------ */

void inspect_opts_init(struct inspect_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->format = INSPECT_TEXT;
    o->linux_ver = LINUX_6_1;
    o->pasid = VTD_NO_PASID;
}

bool inspect_format_parse(const char *s, struct inspect_opts *o)
{
    static const struct {
        const char *name;
        enum inspect_debugfs f;
    } files[] = {
        { "iommu_regset", DEBUGFS_IOMMU_REGSET },
        { "dmar_translation_struct", DEBUGFS_DMAR_TRANSLATION_STRUCT },
        { "domain_translation_struct", DEBUGFS_DOMAIN_TRANSLATION_STRUCT },
        { "ir_translation_struct", DEBUGFS_IR_TRANSLATION_STRUCT },
        { "invalidation_queue", DEBUGFS_INVALIDATION_QUEUE },
    };
    if (!s || !o)
        return false;
    if (!strcmp(s, "text")) {
        o->format = INSPECT_TEXT;
        return true;
    }
    if (!strcmp(s, "json")) {
        o->format = INSPECT_JSON;
        return true;
    }
    if (!strcmp(s, "dot")) {
        o->format = INSPECT_DOT;
        return true;
    }
    if (!strcmp(s, "linux-dmesg")) {
        o->format = INSPECT_DMESG;
        return true;
    }
    const char *pfx = "linux-debugfs:";
    if (strncmp(s, pfx, strlen(pfx)))
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++)
        if (!strcmp(s + strlen(pfx), files[i].name)) {
            o->format = INSPECT_DEBUGFS;
            o->file = files[i].f;
            return true;
        }
    return false;
}

int inspect_render(const struct inspect_src *src,
                   const struct inspect_opts *o, GString *out)
{
    if (!src || !o || !out || !src->read || (src->nunits && !src->units))
        return -EINVAL;
    struct view_ctx c = { .src = src, .o = o, .out = out,
                      .budget = o->budget ? o->budget : DEFAULT_BUDGET };
    switch (o->format) {
    case INSPECT_TEXT:
        inspect_text_render(&c);
        break;
    case INSPECT_JSON:
        inspect_json_render(&c);
        return 0;
    case INSPECT_DOT:
        inspect_dot_render(&c);
        return 0;
    case INSPECT_DMESG:
        inspect_dmesg_render(&c);
        return 0;
    case INSPECT_DEBUGFS:
        switch (o->file) {
        case DEBUGFS_IOMMU_REGSET:
            inspect_debugfs_regset(&c);
            break;
        case DEBUGFS_DMAR_TRANSLATION_STRUCT:
            inspect_debugfs_dmar_translation(&c);
            break;
        case DEBUGFS_DOMAIN_TRANSLATION_STRUCT:
            inspect_debugfs_domain_translation(&c);
            break;
        case DEBUGFS_IR_TRANSLATION_STRUCT:
            inspect_debugfs_ir_translation(&c);
            break;
        case DEBUGFS_INVALIDATION_QUEUE:
            inspect_debugfs_invalidation_queue(&c);
            break;
        }
        return 0;
    }
    if (c.truncated)
        g_string_append(out, "(walk budget exhausted: output truncated)\n");
    if (c.unreadable)
        g_string_append(out, "(some guest memory was unreadable)\n");
    return 0;
}

