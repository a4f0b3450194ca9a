/* SPDX-License-Identifier: MIT */
/* trace/replay_machine.c: replaying the v2 machine commands: CPU state
 * and acknowledge/EOI expectations, guest mode, posted-interrupt
 * descriptors, IOAPIC pins and redirection entries (see replay.h). */
#include "trace/replay_int.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <vtd/layout.h>

#include "apic/apic.h"
#include "mem/guestmem.h"
#include "trace/record.h"

unsigned cpu_index_(const struct replay *rp, uint32_t apic_id)
{
    for (size_t i = 0; i < rp->t->ncpus; i++)
        if (rp->t->cpus[i].apic_id == apic_id)
            return (unsigned)i;
    return UINT_MAX; /* the parser only lets known ids through */
}

static char *vset_text(const uint64_t v[4])
{
    GString *s = g_string_new(NULL);
    for (unsigned n = 0; n < 256; n++)
        if (v[n / 64] >> (n % 64) & 1)
            g_string_append_printf(s, "%s0x%x", s->len ? "," : "", n);
    if (!s->len)
        g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

static const char *const vset_names[TRACE_VSET_N] = {
    "irr", "isr", "tmr", "virr", "pir",
};

/* Compare the sets c->vset_mask selects; append "key=..." texts. */
static bool vsets_match(const struct trace_cmd *c,
                        uint64_t got[TRACE_VSET_N][4], GString *exp,
                        GString *act)
{
    bool pass = true;
    for (unsigned k = 0; k < TRACE_VSET_N; k++) {
        if (!(c->vset_mask & (1u << k)))
            continue;
        char *e = vset_text(c->vset[k]), *a = vset_text(got[k]);
        g_string_append_printf(exp, "%s%s=%s", exp->len ? " " : "",
                               vset_names[k], e);
        g_string_append_printf(act, "%s%s=%s", act->len ? " " : "",
                               vset_names[k], a);
        pass &= memcmp(c->vset[k], got[k], sizeof(got[k])) == 0;
        g_free(e);
        g_free(a);
    }
    return pass;
}

/* The control qword of a posted-interrupt descriptor read as bytes
 * (VT-d 9.11: q[VTD_PID_CTL_QW], little-endian). */
static uint64_t pid_ctl(const uint8_t *b)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)b[8 * VTD_PID_CTL_QW + i] << (8 * i);
    return v;
}

static char *ack_text(int v)
{
    return v < 0 ? g_strdup("none") : g_strdup_printf("0x%x", (unsigned)v);
}

int do_machine_(struct replay *rp, const struct trace_cmd *c)
{
    unsigned cpu = cpu_index_(rp, c->apic_id);
    struct ioapic *io = c->ioapic >= 0
                            ? board_ioapic(rp->board, (size_t)c->ioapic)
                            : NULL;
    switch (c->mop) {
    case TRACE_M_CPU_EXPECT: {
        struct apic_cpu_state st;
        if (apic_get_state(rp->apics, cpu, &st) < 0)
            return rt_error_(rp, c, "no such CPU");
        uint64_t got[TRACE_VSET_N][4];
        memset(got, 0, sizeof(got));
        memcpy(got[TRACE_VSET_IRR], st.irr, sizeof(st.irr));
        memcpy(got[TRACE_VSET_ISR], st.isr, sizeof(st.isr));
        memcpy(got[TRACE_VSET_TMR], st.tmr, sizeof(st.tmr));
        memcpy(got[TRACE_VSET_VIRR], st.virr, sizeof(st.virr));
        GString *exp = g_string_new(NULL), *act = g_string_new(NULL);
        bool pass = vsets_match(c, got, exp, act);
        report_(rp, c, "cpu", pass, exp->str, act->str);
        if (rp->rec) {
            /* The recording checks all four sets as they are. */
            char *v[4];
            for (unsigned k = 0; k < 4; k++)
                v[k] = vset_text(got[k]);
            trace_recorder_line(rp->rec, "cpu 0x%x expect irr=%s isr=%s "
                                "tmr=%s virr=%s", c->apic_id, v[0], v[1],
                                v[2], v[3]);
            for (unsigned k = 0; k < 4; k++)
                g_free(v[k]);
        }
        g_string_free(exp, TRUE);
        g_string_free(act, TRUE);
        return 0;
    }
    case TRACE_M_CPU_ACK:
    case TRACE_M_CPU_EOI: {
        int v = c->mop == TRACE_M_CPU_ACK ? apic_ack(rp->apics, cpu)
                                          : apic_eoi(rp->apics, cpu);
        if (v == -EINVAL)
            return rt_error_(rp, c, "no such CPU");
        if (rp->rec) {
            char *a = ack_text(v);
            trace_recorder_line(rp->rec, "cpu 0x%x %s expect=%s", c->apic_id,
                                c->mop == TRACE_M_CPU_ACK ? "ack" : "eoi", a);
            g_free(a);
        }
        if (c->ack_vector != -2) {
            char *e = ack_text(c->ack_vector), *a = ack_text(v);
            report_(rp, c, c->mop == TRACE_M_CPU_ACK ? "cpu ack" : "cpu eoi",
                    (v < 0 ? -1 : v) == c->ack_vector, e, a);
            g_free(e);
            g_free(a);
        }
        return 0;
    }
    case TRACE_M_CPU_GUEST:
        if (apic_set_guest_mode(rp->apics, cpu, c->guest_on, c->nv,
                                c->addr) < 0)
            return rt_error_(rp, c, "no such CPU");
        if (rp->rec && c->guest_on)
            trace_recorder_line(rp->rec, "cpu 0x%x guest-mode on nv=0x%x "
                                "pid=0x%" PRIx64, c->apic_id, c->nv, c->addr);
        else if (rp->rec)
            trace_recorder_line(rp->rec, "cpu 0x%x guest-mode off",
                                c->apic_id);
        return 0;
    case TRACE_M_PID_EXPECT: {
        /* VT-d 9.11: PIR bits 255:0, ON bit 256, SN bit 257. */
        uint8_t b[40] = { 0 };
        uint64_t got[TRACE_VSET_N][4];
        memset(got, 0, sizeof(got));
        GString *exp = g_string_new(NULL), *act = g_string_new(NULL);
        bool pass;
        if (guestmem_read(rp->mem, c->addr, b, sizeof(b)) < 0) {
            g_string_append(act, "outside RAM (cannot be checked)");
            pass = false;
            if (c->vset_mask) {
                GString *ignored = g_string_new(NULL);
                (void)vsets_match(c, got, exp, ignored);
                g_string_free(ignored, TRUE);
            }
        } else {
            for (unsigned i = 0; i < 32; i++)
                got[TRACE_VSET_PIR][i / 8] |= (uint64_t)b[i] << (8 * (i % 8));
            pass = vsets_match(c, got, exp, act);
            if (rp->rec) {
                /* Descriptor bytes the guest set and nothing read yet. */
                trace_recorder_read(rp->rec, c->addr, b, sizeof(b));
                char *pir = vset_text(got[TRACE_VSET_PIR]);
                uint64_t ctl = pid_ctl(b);
                trace_recorder_line(rp->rec, "pid 0x%" PRIx64 " expect on=%d "
                                    "sn=%d pir=%s", c->addr,
                                    (int)VTD_FIELD_GET(ctl, PID_CTL, ON),
                                    (int)VTD_FIELD_GET(ctl, PID_CTL, SN), pir);
                g_free(pir);
            }
        }
        uint64_t ctl = pid_ctl(b);
        bool on = VTD_FIELD_GET(ctl, PID_CTL, ON),
             sn = VTD_FIELD_GET(ctl, PID_CTL, SN);
        if (c->on != TRACE_UNSET) {
            g_string_append_printf(exp, "%son=%d", exp->len ? " " : "",
                                   c->on == TRACE_YES);
            g_string_append_printf(act, "%son=%d", act->len ? " " : "", on);
            pass &= on == (c->on == TRACE_YES);
        }
        if (c->sn != TRACE_UNSET) {
            g_string_append_printf(exp, "%ssn=%d", exp->len ? " " : "",
                                   c->sn == TRACE_YES);
            g_string_append_printf(act, "%ssn=%d", act->len ? " " : "", sn);
            pass &= sn == (c->sn == TRACE_YES);
        }
        report_(rp, c, "pid", pass, exp->str, act->str);
        g_string_free(exp, TRUE);
        g_string_free(act, TRUE);
        return 0;
    }
    case TRACE_M_IOAPIC_WRITE:
        if (!io)
            return rt_error_(rp, c, "no such IOAPIC");
        (void)ioapic_mmio_write(io, IOAPIC_IOREGSEL, (uint32_t)c->addr);
        (void)ioapic_mmio_write(io, IOAPIC_IOWIN, (uint32_t)c->value);
        if (rp->rec)
            trace_recorder_line(rp->rec, "ioapic write 0x%" PRIx64 " 0x%"
                                PRIx64 " id=%u", c->addr, c->value,
                                rp->t->ioapics[c->ioapic].id);
        return 0;
    case TRACE_M_IOAPIC_READ: {
        if (!io)
            return rt_error_(rp, c, "no such IOAPIC");
        uint32_t v = 0;
        (void)ioapic_mmio_write(io, IOAPIC_IOREGSEL, (uint32_t)c->addr);
        (void)ioapic_mmio_read(io, IOAPIC_IOWIN, &v);
        if (rp->rec)
            trace_recorder_line(rp->rec, "ioapic read 0x%" PRIx64 " expect="
                                "0x%x id=%u", c->addr, v,
                                rp->t->ioapics[c->ioapic].id);
        if (c->has_expect) {
            char *e = g_strdup_printf("0x%" PRIx64 " (mask 0x%" PRIx64 ")",
                                      c->expect, c->mask);
            char *a = g_strdup_printf("0x%" PRIx64 " (read 0x%x)",
                                      (uint64_t)v & c->mask, v);
            report_(rp, c, "ioapic read", ((uint64_t)v & c->mask) == c->expect,
                    e, a);
            g_free(e);
            g_free(a);
        }
        return 0;
    }
    case TRACE_M_IOAPIC_ASSERT:
    case TRACE_M_IOAPIC_DEASSERT:
        if (!io)
            return rt_error_(rp, c, "no such IOAPIC");
        rp->explaining = rp->opts && rp->opts->explain && rp->hooks &&
                         rp->hooks->explain;
        explain_head_(rp, c);
        (void)ioapic_set_irq(io, (unsigned)c->addr,
                             c->mop == TRACE_M_IOAPIC_ASSERT);
        rp->explaining = false;
        if (rp->rec)
            trace_recorder_line(rp->rec, "ioapic %s %u id=%u",
                                c->mop == TRACE_M_IOAPIC_ASSERT ? "assert"
                                                                : "deassert",
                                (unsigned)c->addr,
                                rp->t->ioapics[c->ioapic].id);
        return 0;
    default:
        return rt_error_(rp, c, "unknown machine command");
    }
}

