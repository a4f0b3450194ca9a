/* SPDX-License-Identifier: MIT */
/*
 * trace/parse_ats.c: the ATS commands of vtdtrace 2 (traces/FORMAT.md,
 * "ATS"):
 *
 *   ats SID IOVA [pasid=N] [nw] [priv] [exec] [unit=NAME]
 *       [expect=success|ur|ca [addr=] [size=] [r=] [w=] [x=] [u=] [n=]
 *        [s=] [cpriv=] [reason=] [recorded=]]
 *
 * a translation request (VT-d 4.1.1) and the completion it must get
 * (4.1.2, 4.2.3).
 */
#include <string.h>

#include "trace/parse.h"

static bool bit_key(struct parser *p, struct trace_cmd *c, const char *key,
                    unsigned check, bool *dst)
{
    const char *v = kv_get_(p, key);
    uint64_t n;
    if (!v)
        return true;
    if (!parse_num_max_(p, key, v, 1, &n))
        return false;
    *dst = n != 0;
    c->ats_checks |= check;
    return true;
}

static bool cmd_ats_translate(struct parser *p, struct trace_cmd *c)
{
    if (!npos_(p, 3, 3, "ats SID IOVA [pasid=N] [nw] [priv] [exec] "
               "[expect=success|ur|ca ...]"))
        return false;
    bool valid;
    if (!parse_sid_(p, posn_(p, 1), false, &c->sid, &valid) ||
        !parse_u64_(p, "iova", posn_(p, 2), &c->addr))
        return false;
    c->sid_valid = true;
    const char *v;
    uint64_t n;
    if ((v = kv_get_(p, "pasid"))) {
        if (!parse_num_max_(p, "pasid", v, 0xfffff, &n))
            return false;
        c->pasid = (uint32_t)n;
    }
    c->nw = flag_get_(p, "nw");
    if (flag_get_(p, "priv"))
        c->access |= VTD_ACC_PRIV;
    if (flag_get_(p, "exec"))
        c->access |= VTD_ACC_EXEC;
    if (!unit_key_(p, c))
        return false;

    static const char *const data_keys[] = { "addr", "size", "r", "w", "x",
                                             "u", "n", "s", "cpriv", NULL };
    v = kv_get_(p, "expect");
    if (!v) {
        for (const char *const *k = data_keys; *k; k++)
            if (kv_get_(p, *k))
                return fail_(p, "%s= needs expect=success", *k);
        if (kv_get_(p, "reason") || kv_get_(p, "recorded"))
            return fail_(p, "reason= and recorded= need expect=");
        return check_leftovers_(p, "ats");
    }
    if (strcmp(v, "success") == 0)
        c->ats_status = VTD_ATS_SUCCESS;
    else if (strcmp(v, "ur") == 0)
        c->ats_status = VTD_ATS_UR;
    else if (strcmp(v, "ca") == 0)
        c->ats_status = VTD_ATS_CA;
    else
        return fail_(p, "ats expect= must be success, ur or ca, not '%s'",
                     shown_(v));
    if (c->ats_status != VTD_ATS_SUCCESS) {
        /* 4.1.2: UR and CA completions carry no data. */
        for (const char *const *k = data_keys; *k; k++)
            if (kv_get_(p, *k))
                return fail_(p, "%s= does not go with expect=%s (a "
                             "completion without data)", *k, v);
    }
    struct vtd_ats_cpl *e = &c->ats_exp;
    if ((v = kv_get_(p, "addr"))) {
        if (!parse_u64_(p, "addr", v, &e->addr))
            return false;
        c->ats_checks |= TRACE_ATSC_ADDR;
    }
    if ((v = kv_get_(p, "size"))) {
        if (!parse_u64_(p, "size", v, &e->size))
            return false;
        if (e->size < 4096 || (e->size & (e->size - 1)))
            return fail_(p, "size= must be a power of two of at least "
                         "4096");
        c->ats_checks |= TRACE_ATSC_SIZE;
    }
    if (!bit_key(p, c, "r", TRACE_ATSC_R, &e->r) ||
        !bit_key(p, c, "w", TRACE_ATSC_W, &e->w) ||
        !bit_key(p, c, "x", TRACE_ATSC_X, &e->x) ||
        !bit_key(p, c, "u", TRACE_ATSC_U, &e->u) ||
        !bit_key(p, c, "n", TRACE_ATSC_N, &e->n) ||
        !bit_key(p, c, "s", TRACE_ATSC_S, &e->s) ||
        !bit_key(p, c, "cpriv", TRACE_ATSC_PRIV, &e->priv))
        return false;
    if ((v = kv_get_(p, "reason"))) {
        if (!parse_num_max_(p, "reason", v, 0x1ff, &n))
            return false;
        c->has_reason = true;
        c->reason = (unsigned)n;
    }
    if ((v = kv_get_(p, "recorded")) &&
        !parse_yesno_(p, "recorded", v, &c->recorded))
        return false;
    return check_leftovers_(p, "ats");
}

bool cmd_ats_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "ats"))
        return false;
    struct trace_cmd c;
    memset(&c, 0, sizeof(c));
    c.unit = -1;
    c.pasid = VTD_NO_PASID;
    c.recorded = c.notify = c.stale = TRACE_UNSET;
    c.ats_status = -1;
    c.ack_vector = -2;
    if (!cmd_ats_translate(p, &c))
        return false;
    struct trace_cmd *dst = new_cmd_(p, TRACE_ATS, text);
    const char *keep = dst->text;
    *dst = c;
    dst->op = TRACE_ATS;
    dst->line = p->line;
    dst->text = keep;
    return true;
}
