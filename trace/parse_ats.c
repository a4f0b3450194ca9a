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

#include <vtd/layout.h>

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
    if (!cmd_sid_(p, 1, c) ||
        !parse_u64_(p, "iova", posn_(p, 2), &c->addr))
        return false;
    const char *v;
    uint64_t n;
    if ((v = kv_get_(p, "pasid"))) {
        if (!parse_num_max_(p, "pasid", v, VTD_PASID_MAX, &n))
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

static bool tri_key(struct parser *p, const char *key, enum trace_tri *t)
{
    const char *v = kv_get_(p, key);
    return !v || parse_yesno_(p, key, v, t);
}

static bool opt_pasid(struct parser *p, struct trace_cmd *c)
{
    const char *v = kv_get_(p, "pasid");
    uint64_t n;
    if (!v)
        return true;
    c->ats_has_pasid = true;
    if (strcmp(v, "none") == 0)
        return true;
    if (!parse_num_max_(p, "pasid", v, VTD_PASID_MAX, &n))
        return false;
    c->pasid = (uint32_t)n;
    return true;
}

/* ats device SID [respond=auto|manual] [entries=N] [stu=N] [qdepth=N]
 *     [ats=on|off] */
static bool cmd_device(struct parser *p, struct trace_cmd *c)
{
    if (!npos_(p, 3, 3, "ats device SID [respond=auto|manual] [entries=N] "
               "[stu=N] [qdepth=N] [ats=on|off]"))
        return false;
    bool valid;
    if (!parse_sid_(p, posn_(p, 2), false, &c->sid, &valid))
        return false;
    const char *v;
    uint64_t n;
    c->ats_auto = true;
    c->ats_enable = true;
    c->ats_entries = 32;
    if ((v = kv_get_(p, "respond"))) {
        if (strcmp(v, "auto") == 0)
            c->ats_auto = true;
        else if (strcmp(v, "manual") == 0)
            c->ats_auto = false;
        else
            return fail_(p, "respond= must be auto or manual");
    }
    if ((v = kv_get_(p, "ats"))) {
        c->ats_enable_set = true;
        if (strcmp(v, "on") == 0)
            c->ats_enable = true;
        else if (strcmp(v, "off") == 0)
            c->ats_enable = false;
        else
            return fail_(p, "ats= must be on or off");
    }
    if ((v = kv_get_(p, "entries"))) {
        if (!parse_num_max_(p, "entries", v, 4096, &n))
            return false;
        if (n == 0)
            return fail_(p, "entries= must be at least 1");
        c->ats_entries = (unsigned)n;
    }
    if ((v = kv_get_(p, "stu"))) {
        if (!parse_num_max_(p, "stu", v, 31, &n))
            return false;
        c->ats_stu = (unsigned)n;
    }
    if ((v = kv_get_(p, "qdepth"))) {
        if (!parse_num_max_(p, "qdepth", v, 31, &n))
            return false;
        c->ats_qdepth = (unsigned)n;
    }
    return check_leftovers_(p, "ats device");
}

/* ats complete SID ITAGS [cc=N] [unit=NAME] [accepted=yes|no] */
static bool cmd_complete(struct parser *p, struct trace_cmd *c)
{
    if (!npos_(p, 4, 4, "ats complete SID ITAGS [cc=N] [accepted=yes|no]"))
        return false;
    bool valid;
    uint64_t n;
    if (!parse_sid_(p, posn_(p, 2), false, &c->sid, &valid) ||
        !parse_num_max_(p, "ITAGS", posn_(p, 3), 0xffffffffu, &n))
        return false;
    c->ats_itags = (uint32_t)n;
    const char *v = kv_get_(p, "cc");
    c->ats_cc = 1;
    if (v) {
        if (!parse_num_max_(p, "cc", v, 7, &n))
            return false;
        c->ats_cc = (unsigned)n;
    }
    return unit_key_(p, c) && tri_key(p, "accepted", &c->ats_accepted) &&
           check_leftovers_(p, "ats complete");
}

/* ats pending [SID] [count=N] [itag=N] [pasid=N|none] [gi=0|1] [base=]
 *     [size=] [unit=NAME] */
static bool cmd_pending(struct parser *p, struct trace_cmd *c)
{
    if (!npos_(p, 2, 3, "ats pending [SID] [count=N] [itag=N] [pasid=] "
               "[gi=] [base=] [size=]"))
        return false;
    bool valid;
    c->sid_valid = p->pos->len == 3;
    if (c->sid_valid && !parse_sid_(p, posn_(p, 2), false, &c->sid, &valid))
        return false;
    const char *v;
    uint64_t n;
    if ((v = kv_get_(p, "count"))) {
        if (!parse_num_max_(p, "count", v, 32, &n))
            return false;
        c->ats_count = (int64_t)n;
    }
    if ((v = kv_get_(p, "itag"))) {
        if (!parse_num_max_(p, "itag", v, 31, &n))
            return false;
        c->ats_itag = (int64_t)n;
    }
    if ((v = kv_get_(p, "gi"))) {
        if (!parse_num_max_(p, "gi", v, 1, &n))
            return false;
        c->ats_gi = n ? TRACE_YES : TRACE_NO;
    }
    if ((v = kv_get_(p, "base"))) {
        if (!parse_u64_(p, "base", v, &c->ats_base))
            return false;
        c->ats_has_base = true;
    }
    if ((v = kv_get_(p, "size"))) {
        if (!parse_u64_(p, "size", v, &c->ats_size))
            return false;
        c->ats_has_size = true;
    }
    if (!opt_pasid(p, c) || !unit_key_(p, c))
        return false;
    if (c->ats_count < 0 && c->ats_itag < 0 && !c->ats_has_base &&
        !c->ats_has_size && c->ats_gi == TRACE_UNSET && !c->ats_has_pasid)
        return fail_(p, "ats pending needs count= or a field to match");
    return check_leftovers_(p, "ats pending");
}

/* ats dma SID read|write IOVA [len=N] [pasid=N] [priv]
 *     [expect=ok|fault|denied] [gpa=] [hit=yes|no] [reason=] */
static bool cmd_dma(struct parser *p, struct trace_cmd *c)
{
    if (!npos_(p, 5, 5, "ats dma SID read|write IOVA [len=N] [pasid=N] "
               "[priv] [expect=ok|fault|denied]"))
        return false;
    bool valid;
    if (!parse_sid_(p, posn_(p, 2), false, &c->sid, &valid))
        return false;
    const char *rw = posn_(p, 3);
    if (strcmp(rw, "write") == 0)
        c->is_write = true;
    else if (strcmp(rw, "read") != 0)
        return fail_(p, "ats dma access must be read or write");
    if (!parse_u64_(p, "iova", posn_(p, 4), &c->addr))
        return false;
    const char *v;
    uint64_t n;
    c->len = 4;
    if ((v = kv_get_(p, "len"))) {
        if (!parse_num_max_(p, "len", v, 4096, &n))
            return false;
        if (n == 0)
            return fail_(p, "len must be at least 1");
        c->len = (uint32_t)n;
    }
    if ((c->addr & ~VTD_PAGE_MASK) + c->len > VTD_PAGE_4K)
        return fail_(p, "ats dma crosses a 4 KiB boundary");
    if (!opt_pasid(p, c))
        return false;
    if (flag_get_(p, "priv"))
        c->access |= VTD_ACC_PRIV;
    if ((v = kv_get_(p, "expect"))) {
        if (strcmp(v, "ok") == 0)
            c->ats_dma_exp = TRACE_ATSD_OK;
        else if (strcmp(v, "fault") == 0)
            c->ats_dma_exp = TRACE_ATSD_FAULT;
        else if (strcmp(v, "denied") == 0)
            c->ats_dma_exp = TRACE_ATSD_DENIED;
        else
            return fail_(p, "ats dma expect= must be ok, fault or denied");
    }
    if ((v = kv_get_(p, "gpa"))) {
        if (c->ats_dma_exp != TRACE_ATSD_OK)
            return fail_(p, "gpa= needs expect=ok");
        if (!parse_u64_(p, "gpa", v, &c->gpa))
            return false;
        c->has_gpa = true;
    }
    if ((v = kv_get_(p, "reason"))) {
        if (c->ats_dma_exp != TRACE_ATSD_FAULT)
            return fail_(p, "reason= needs expect=fault");
        if (!parse_num_max_(p, "reason", v, 0x1ff, &n))
            return false;
        c->has_reason = true;
        c->reason = (unsigned)n;
    }
    if (!tri_key(p, "hit", &c->ats_hit))
        return false;
    if (c->ats_hit != TRACE_UNSET && c->ats_dma_exp < 0)
        return fail_(p, "hit= needs expect=");
    return check_leftovers_(p, "ats dma");
}

/* ats devtlb SID [IOVA] [pasid=N] [priv] [count=N] [present=yes|no] */
static bool cmd_devtlb(struct parser *p, struct trace_cmd *c)
{
    if (!npos_(p, 3, 4, "ats devtlb SID [IOVA] [count=N] [present=yes|no]"))
        return false;
    bool valid;
    if (!parse_sid_(p, posn_(p, 2), false, &c->sid, &valid))
        return false;
    const char *v;
    uint64_t n;
    bool has_iova = p->pos->len == 4;
    if (has_iova && !parse_u64_(p, "iova", posn_(p, 3), &c->addr))
        return false;
    if ((v = kv_get_(p, "count"))) {
        if (!parse_num_max_(p, "count", v, 4096, &n))
            return false;
        c->ats_count = (int64_t)n;
    }
    if (!tri_key(p, "present", &c->ats_present) || !opt_pasid(p, c))
        return false;
    if (flag_get_(p, "priv"))
        c->access |= VTD_ACC_PRIV;
    if (c->ats_present != TRACE_UNSET && !has_iova)
        return fail_(p, "present= needs an IOVA");
    if (c->ats_present == TRACE_UNSET && c->ats_count < 0)
        return fail_(p, "ats devtlb needs count= or IOVA present=");
    return check_leftovers_(p, "ats devtlb");
}

/* clock advance NS */
static bool cmd_clock(struct parser *p, struct trace_cmd *c)
{
    if (!npos_(p, 3, 3, "clock advance NS") ||
        strcmp(posn_(p, 1), "advance") != 0)
        return fail_(p, "usage: clock advance NS");
    return parse_u64_(p, "NS", posn_(p, 2), &c->value) &&
           check_leftovers_(p, "clock");
}

/* The sub-commands: which word names it (0: `clock advance`, 1: `ats
 * WORD`), its TRACE_ATS_* kind and its parser. */
static const struct ats_sub {
    unsigned pos;
    const char *word;
    int sub;
    bool (*parse)(struct parser *p, struct trace_cmd *c);
} ats_subs[] = {
    { 0, "clock", TRACE_ATS_CLOCK, cmd_clock },
    { 1, "device", TRACE_ATS_DEVICE, cmd_device },
    { 1, "complete", TRACE_ATS_COMPLETE, cmd_complete },
    { 1, "pending", TRACE_ATS_PENDING, cmd_pending },
    { 1, "dma", TRACE_ATS_DMA, cmd_dma },
    { 1, "devtlb", TRACE_ATS_DEVTLB, cmd_devtlb },
};

bool cmd_ats_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, posn_(p, 0)))
        return false;
    struct trace_cmd c;
    cmd_blank_(&c);
    c.ats_gi = c.ats_hit = c.ats_present = c.ats_accepted = TRACE_UNSET;
    c.ats_status = -1;
    c.ats_count = c.ats_itag = -1;
    c.ats_dma_exp = -1;
    c.ack_vector = -2;
    /* The sub-command: the first word (clock) or the second (ats ...);
     * anything else is a translation request. */
    c.ats_sub = TRACE_ATS_TRANSLATE;
    bool (*parse)(struct parser *, struct trace_cmd *) = cmd_ats_translate;
    for (size_t i = 0; i < G_N_ELEMENTS(ats_subs); i++) {
        const struct ats_sub *a = &ats_subs[i];
        if (a->pos < p->pos->len && strcmp(posn_(p, a->pos), a->word) == 0) {
            c.ats_sub = a->sub;
            parse = a->parse;
            break;
        }
    }
    bool ok = parse(p, &c);
    if (!ok)
        return false;
    return put_cmd_(p, TRACE_ATS, text, &c);
}
