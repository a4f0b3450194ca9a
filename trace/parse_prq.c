/* SPDX-License-Identifier: MIT */
/* trace/parse_prq.c: the page request lines of a vtdtrace (v2; VT-d
 * 7.4-7.6): `page-request` (a device's page request with the expected
 * outcome), `page-response` (the page group response the device
 * received) and `prdev` (a DMA by the ATS/PRI device of pci/prdev.h).  See traces/FORMAT.md and parse.h. */
#include <stddef.h>
#include <string.h>

#include <vtd/layout.h>

#include "trace/parse.h"

/* Response code names (Table 32) or a number 0-15. */
static bool parse_rc(struct parser *p, const char *key, const char *v,
                     bool allow_none, int *rc)
{
    uint64_t n;
    if (strcmp(v, "success") == 0)
        *rc = VTD_PRG_RC_SUCCESS;
    else if (strcmp(v, "invalid") == 0)
        *rc = VTD_PRG_RC_INVALID_REQUEST;
    else if (strcmp(v, "failure") == 0)
        *rc = VTD_PRG_RC_RESPONSE_FAILURE;
    else if (allow_none && strcmp(v, "none") == 0)
        *rc = -1;
    else if (str_to_u64_(v, &n) && n <= 0xf)
        *rc = (int)n;
    else
        return fail_(p, "%s= must be success, invalid, failure%s or 0-15, "
                     "not '%s'", key, allow_none ? ", none" : "", shown_(v));
    return true;
}

/* ACCESS: letters r, w, x, p (read, write, execute, privileged) in any
 * order, or '-' for none. */
static bool parse_access(struct parser *p, const char *s, uint32_t *acc)
{
    *acc = 0;
    if (strcmp(s, "-") == 0)
        return true;
    for (const char *c = s; *c; c++) {
        uint32_t bit = *c == 'r' ? VTD_ACC_READ : *c == 'w' ? VTD_ACC_WRITE
                     : *c == 'x' ? VTD_ACC_EXEC : *c == 'p' ? VTD_ACC_PRIV
                     : 0;
        if (!bit || (*acc & bit))
            return fail_(p, "page request access '%s': letters r, w, x, p "
                         "at most once each, or '-'", shown_(s));
        *acc |= bit;
    }
    return true;
}

/* The keys of the page-request and page-response lines, table-driven
 * (like the expect=remapped keys of parse_request.c): the key, how its
 * value is read, where it goes in the command (and the flag that says it
 * was given), and the condition it needs with the error when it is not
 * met.  Each key is read once, in table order. */
enum prq_kind {
    PK_NUM,        /* a number up to max, into a uint16_t/uint32_t/unsigned */
    PK_TRI,        /* yes|no into an enum trace_tri */
    PK_BOOL,       /* yes|no into a bool */
    PK_RC,         /* a response code or none (parse_rc) into an int */
    PK_PASID,      /* a PASID or none (VTD_NO_PASID) into a uint32_t */
};

enum prq_need {
    NEED_NOTHING = 0,
    NEED_REFUSED = 1u << 0,    /* page-request expect=refused */
    NEED_EXPECT = 1u << 1,     /* page-request expect= given */
    NEED_NOT_NONE = 1u << 2,   /* page-response rc= other than none */
};

#define NO_FLAG ((size_t)-1)
#define PRQ_KEY(key, kind, max, field, flag, need, msg)                     \
    { key, kind, max, offsetof(struct trace_cmd, field),                    \
      sizeof(((struct trace_cmd *)0)->field), flag, need, msg }
#define FLAG(field) offsetof(struct trace_cmd, field)

struct prq_key {
    const char *key;
    enum prq_kind kind;
    uint64_t max;
    size_t off, size;
    size_t flag;              /* bool set when given, or NO_FLAG */
    unsigned need;
    const char *need_msg;
};

static const struct prq_key page_request_keys[] = {
    PRQ_KEY("pasid", PK_NUM, VTD_PASID_MAX, pasid, NO_FLAG, NEED_NOTHING, NULL),
    PRQ_KEY("lpig", PK_BOOL, 1, lpig, NO_FLAG, NEED_NOTHING, NULL),
};

/* After unit= and expect=. */
static const struct prq_key page_request_expect_keys[] = {
    PRQ_KEY("reason", PK_NUM, 0xff, reason, FLAG(has_reason), NEED_REFUSED,
            "reason= goes with expect=refused"),
    PRQ_KEY("recorded", PK_TRI, 1, recorded, NO_FLAG, NEED_REFUSED,
            "recorded= goes with expect=refused"),
    PRQ_KEY("response", PK_RC, 0xf, resp_rc, NO_FLAG, NEED_EXPECT,
            "response= goes with expect="),
};

static const struct prq_key page_response_keys[] = {
    PRQ_KEY("prgi", PK_NUM, 511, prgi, FLAG(has_prgi), NEED_NOT_NONE,
            "prgi= does not go with rc=none"),
    PRQ_KEY("pasid", PK_PASID, VTD_PASID_MAX, pasid, FLAG(pasid_checked),
            NEED_NOT_NONE, "pasid= does not go with rc=none"),
    PRQ_KEY("auto", PK_TRI, 1, automatic, NO_FLAG, NEED_NOT_NONE,
            "auto= does not go with rc=none"),
};
#undef PRQ_KEY
#undef FLAG

static void put_field(struct trace_cmd *c, const struct prq_key *k,
                      uint64_t n)
{
    char *dst = (char *)c + k->off;
    if (k->size == sizeof(uint16_t)) {
        uint16_t x = (uint16_t)n;
        memcpy(dst, &x, sizeof(x));
    } else {
        uint32_t x = (uint32_t)n;   /* uint32_t and unsigned */
        memcpy(dst, &x, sizeof(x));
    }
}

/* Read the keys of the table that are given; have: the NEED_* bits that
 * hold for this line. */
static bool read_keys(struct parser *p, struct trace_cmd *c,
                      const struct prq_key *keys, size_t n, unsigned have)
{
    for (size_t i = 0; i < n; i++) {
        const struct prq_key *k = &keys[i];
        const char *v = kv_get_(p, k->key);
        if (!v)
            continue;
        if (k->need & ~have)
            return fail_(p, "%s", k->need_msg);
        uint64_t num;
        enum trace_tri tri;
        int rc;
        switch (k->kind) {
        case PK_NUM:
            if (!parse_num_max_(p, k->key, v, k->max, &num))
                return false;
            put_field(c, k, num);
            break;
        case PK_PASID:
            num = VTD_NO_PASID;
            if (strcmp(v, "none") != 0 &&
                !parse_num_max_(p, k->key, v, k->max, &num))
                return false;
            put_field(c, k, num);
            break;
        case PK_TRI:
            if (!parse_yesno_(p, k->key, v, &tri))
                return false;
            memcpy((char *)c + k->off, &tri, sizeof(tri));
            break;
        case PK_BOOL: {
            if (!parse_yesno_(p, k->key, v, &tri))
                return false;
            bool b = tri == TRACE_YES;
            memcpy((char *)c + k->off, &b, sizeof(b));
            break;
        }
        case PK_RC:
            if (!parse_rc(p, k->key, v, true, &rc))
                return false;
            memcpy((char *)c + k->off, &rc, sizeof(rc));
            break;
        }
        if (k->flag != NO_FLAG) {
            bool t = true;
            memcpy((char *)c + k->flag, &t, sizeof(t));
        }
    }
    return true;
}

bool cmd_page_request_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "'page-request'") ||
        !npos_(p, 4, 4, "page-request SID ADDR ACCESS prgi=N [pasid=N] "
               "[lpig=yes|no] [expect=queued|overflow|refused] [reason=] "
               "[recorded=] [response=success|invalid|none]"))
        return false;
    struct trace_cmd c;
    cmd_blank_(&c);
    c.automatic = TRACE_UNSET;
    c.resp_rc = -2;
    uint64_t n;
    const char *v;
    if (!cmd_sid_(p, 1, &c) ||
        !parse_u64_(p, "address", posn_(p, 2), &c.addr) ||
        !parse_access(p, posn_(p, 3), &c.access))
        return false;
    if (!(v = kv_get_(p, "prgi")))
        return fail_(p, "page-request needs prgi= (the page request group "
                     "index, 0-511)");
    if (!parse_num_max_(p, "prgi", v, 511, &n))
        return false;
    c.prgi = (uint16_t)n;
    c.has_prgi = true;
    if (!read_keys(p, &c, page_request_keys,
                   G_N_ELEMENTS(page_request_keys), NEED_NOTHING) ||
        !unit_key_(p, &c))
        return false;
    if ((v = kv_get_(p, "expect"))) {
        if (strcmp(v, "queued") == 0)
            c.prq_expect = VTD_PRQ_QUEUED;
        else if (strcmp(v, "overflow") == 0)
            c.prq_expect = VTD_PRQ_OVERFLOW;
        else if (strcmp(v, "refused") == 0)
            c.prq_expect = VTD_PRQ_REFUSED;
        else
            return fail_(p, "page-request expect= must be queued, overflow "
                         "or refused, not '%s'", shown_(v));
    }
    unsigned have = (c.prq_expect == VTD_PRQ_REFUSED ? NEED_REFUSED : 0) |
                    (c.prq_expect ? NEED_EXPECT : 0);
    if (!read_keys(p, &c, page_request_expect_keys,
                   G_N_ELEMENTS(page_request_expect_keys), have))
        return false;
    if (!check_leftovers_(p, "page-request"))
        return false;
    return put_cmd_(p, TRACE_PAGE_REQ, text, &c);
}

bool cmd_page_response_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "'page-response'") ||
        !npos_(p, 2, 2, "page-response SID rc=success|invalid|failure|none "
               "[prgi=N] [pasid=N|none] [auto=yes|no]"))
        return false;
    struct trace_cmd c;
    cmd_blank_(&c);
    c.automatic = TRACE_UNSET;
    const char *v;
    if (!cmd_sid_(p, 1, &c))
        return false;
    if (!(v = kv_get_(p, "rc")))
        return fail_(p, "page-response needs rc= (success, invalid, failure "
                     "or none)");
    if (!parse_rc(p, "rc", v, true, &c.resp_rc))
        return false;
    if (!read_keys(p, &c, page_response_keys,
                   G_N_ELEMENTS(page_response_keys),
                   c.resp_rc == -1 ? 0 : NEED_NOT_NONE))
        return false;
    if (!check_leftovers_(p, "page-response"))
        return false;
    return put_cmd_(p, TRACE_PAGE_RESP, text, &c);
}

/* prdev SID read|write ADDR [pasid=N] [len=N] [data=HEX]
 * [expect=done|wait|fault|pri-off]: a DMA by the ATS/PRI device of
 * pci/prdev.h with requester id SID. */
bool cmd_prdev_(struct parser *p, const char *text)
{
    if (!need_version_(p, 2, "'prdev'") ||
        !npos_(p, 4, 4, "prdev SID read|write ADDR [pasid=N] [len=N] "
               "[data=HEX] [expect=done|wait|fault|pri-off]"))
        return false;
    struct trace_cmd c;
    cmd_blank_(&c);
    c.automatic = TRACE_UNSET;
    c.resp_rc = -2;
    uint64_t n;
    const char *v;
    if (!cmd_sid_(p, 1, &c))
        return false;
    const char *rw = posn_(p, 2);
    if (strcmp(rw, "write") == 0)
        c.is_write = true;
    else if (strcmp(rw, "read") != 0)
        return fail_(p, "prdev access must be read or write, not '%s'",
                     shown_(rw));
    if (!parse_u64_(p, "address", posn_(p, 3), &c.addr))
        return false;
    if ((v = kv_get_(p, "pasid"))) {
        if (!parse_num_max_(p, "pasid", v, VTD_PASID_MAX, &n))
            return false;
        c.pasid = (uint32_t)n;
    }
    c.len = 4;
    if ((v = kv_get_(p, "len"))) {
        if (!parse_num_max_(p, "len", v, 4096, &n))
            return false;
        if (n == 0)
            return fail_(p, "len must be at least 1");
        c.len = (uint32_t)n;
    }
    if ((v = kv_get_(p, "data"))) {
        if (kv_get_(p, "len"))
            return fail_(p, "len= and data= together: data gives the length");
        if (!parse_hexbytes_(p, v, &c.bytes, &c.nbytes))
            return false;
        c.len = (uint32_t)MIN(c.nbytes, 4097);
        if (c.nbytes > 4096) {
            g_free(c.bytes);
            return fail_(p, "data= longer than 4096 bytes");
        }
    } else if (c.is_write) {
        return fail_(p, "prdev write needs data=HEX");
    }
    if ((c.addr & ~VTD_PAGE_MASK) + c.len > VTD_PAGE_4K) {
        g_free(c.bytes);
        return fail_(p, "prdev DMA of %u bytes crosses a 4 KiB boundary",
                     c.len);
    }
    if ((v = kv_get_(p, "expect"))) {
        if (strcmp(v, "done") == 0)
            c.dev_expect = TRACE_DEV_DONE;
        else if (strcmp(v, "wait") == 0)
            c.dev_expect = TRACE_DEV_WAIT;
        else if (strcmp(v, "fault") == 0)
            c.dev_expect = TRACE_DEV_FAULT;
        else if (strcmp(v, "pri-off") == 0)
            c.dev_expect = TRACE_DEV_PRI_OFF;
        else {
            g_free(c.bytes);
            return fail_(p, "prdev expect= must be done, wait, fault or "
                         "pri-off, not '%s'", shown_(v));
        }
    }
    if (!check_leftovers_(p, "prdev")) {
        g_free(c.bytes);
        return false;
    }
    return put_cmd_(p, TRACE_PRDEV, text, &c);
}
