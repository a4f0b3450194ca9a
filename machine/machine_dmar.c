/* SPDX-License-Identifier: MIT */
/*
 * machine/machine_dmar.c: the DMAR table of a machine description (VT-d
 * chapter 8: DRHD, RMRR, ATSR, RHSA, ANDD, SATC, SIDP and their device
 * scopes) and what dmar_check() may verify against (see machine.h).
 */
#include "machine/machine.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include <vtd/layout.h>

/* A device scope entry for a device (VT-d 8.3.1): PCI devices by their
 * path from the host bridge; others by their platform source-id. */
static int dev_scope(const struct machine_desc *m, int idx,
                     struct dmar_scope *sc, char *err, size_t errlen)
{
    const struct machine_dev *d = &m->devs[idx];
    memset(sc, 0, sizeof(*sc));
    switch (d->kind) {
    case MDEV_PCI_ENDPOINT:
    case MDEV_PCI_BRIDGE: {
        sc->type = d->kind == MDEV_PCI_BRIDGE ? DMAR_SCOPE_BRIDGE
                                              : DMAR_SCOPE_ENDPOINT;
        uint8_t rev[DMAR_MAX_PATH];
        unsigned n = 0;
        int cur = idx;
        while (cur >= 0 && m->devs[cur].kind != MDEV_PCI_HOST) {
            if (n == DMAR_MAX_PATH) {
                snprintf(err, errlen, "%s: more than %d bridges deep",
                         d->path, DMAR_MAX_PATH - 1);
                return -EINVAL;
            }
            rev[n++] = m->devs[cur].devfn;
            cur = m->devs[cur].parent;
        }
        if (cur < 0) {
            snprintf(err, errlen, "%s: not below a PCI host bridge",
                     d->path);
            return -EINVAL;
        }
        sc->start_bus = m->devs[cur].sec_bus;
        sc->npath = (uint8_t)n;
        for (unsigned i = 0; i < n; i++) {
            sc->path[i][0] = (uint8_t)VTD_FIELD_GET(rev[n - 1 - i], SID, DEV);
            sc->path[i][1] = (uint8_t)VTD_FIELD_GET(rev[n - 1 - i], SID, FN);
        }
        if (d->has_sidp)
            sc->flags = 0; /* flags only inside SIDP */
        return 0;
    }
    case MDEV_IOAPIC:
    case MDEV_HPET:
    case MDEV_ACPI:
        sc->type = d->kind == MDEV_IOAPIC ? DMAR_SCOPE_IOAPIC
                   : d->kind == MDEV_HPET ? DMAR_SCOPE_HPET
                                          : DMAR_SCOPE_NAMESPACE;
        sc->enum_id = d->enum_id;
        sc->start_bus = (uint8_t)VTD_FIELD_GET(d->sid, SID, BUS);
        sc->npath = 1;
        sc->path[0][0] = (uint8_t)VTD_FIELD_GET(d->sid, SID, DEV);
        sc->path[0][1] = (uint8_t)VTD_FIELD_GET(d->sid, SID, FN);
        return 0;
    default:
        snprintf(err, errlen, "%s: cannot be in a device scope", d->path);
        return -EINVAL;
    }
}

static unsigned log2_pages(uint64_t size)
{
    unsigned n = 0;
    while ((VTD_PAGE_4K << n) < size && n < 15)
        n++;
    return n;
}

int machine_to_dmar(const struct machine_desc *m, struct dmar_desc *d,
                    char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    memset(d, 0, sizeof(*d));
    unsigned haw = m->haw;
    bool ir = m->nunit > 0;
    for (unsigned i = 0; i < m->nunit; i++) {
        if (!m->haw && m->units[i].mgaw > haw)
            haw = m->units[i].mgaw;
        if (!VTD_FIELD_GET(m->units[i].ecap, ECAP, IR))
            ir = false;
    }
    d->haw = (uint8_t)(haw ? haw : 39);
    d->flags = (ir ? DMAR_FLAG_INTR_REMAP : 0) |
               (m->x2apic_opt_out ? DMAR_FLAG_X2APIC_OPT_OUT : 0) |
               (m->dma_ctrl_opt_in ? DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN : 0);
    g_strlcpy(d->oem_id, m->oem_id[0] ? m->oem_id : "VTDEMU",
              sizeof(d->oem_id));
    g_strlcpy(d->oem_table_id, m->oem_table_id[0] ? m->oem_table_id
                                                  : "VTDEMU",
              sizeof(d->oem_table_id));
    g_strlcpy(d->creator_id, m->creator_id[0] ? m->creator_id : "VTDE",
              sizeof(d->creator_id));
    d->oem_revision = m->oem_revision;
    d->creator_revision = m->creator_revision;

    int rc = 0;
    struct dmar_scope sc;
    for (unsigned i = 0; i < m->nunit && rc == 0; i++) {
        const struct machine_unit *u = &m->units[i];
        struct dmar_struct s = { .type = DMAR_DRHD, .base = u->base,
                                 .segment = u->segment,
                                 .size = (uint8_t)log2_pages(u->size),
                                 .flags = u->include_all
                                              ? DMAR_DRHD_INCLUDE_PCI_ALL
                                              : 0 };
        struct dmar_struct *n = dmar_desc_add(d, &s);
        for (unsigned k = 0; k < u->nscope && rc == 0; k++)
            if ((rc = dev_scope(m, u->scope[k], &sc, err, errlen)) == 0)
                dmar_struct_add_scope(n, &sc);
    }
    for (unsigned i = 0; i < m->nrmrr && rc == 0; i++) {
        const struct machine_rmrr *r = &m->rmrrs[i];
        struct dmar_struct s = { .type = DMAR_RMRR, .base = r->base,
                                 .limit = r->limit, .segment = r->segment };
        struct dmar_struct *n = dmar_desc_add(d, &s);
        for (unsigned k = 0; k < r->ndev && rc == 0; k++)
            if ((rc = dev_scope(m, r->devs[k], &sc, err, errlen)) == 0)
                dmar_struct_add_scope(n, &sc);
    }
    /* ATSR (8.5): per host bridge, ALL_PORTS or the ATS root ports. */
    for (unsigned h = 0; h < m->ndev && rc == 0; h++) {
        const struct machine_dev *host = &m->devs[h];
        if (host->kind != MDEV_PCI_HOST)
            continue;
        struct dmar_struct s = { .type = DMAR_ATSR,
                                 .segment = host->segment };
        if (host->ats_all_ports) {
            s.flags = DMAR_ATSR_ALL_PORTS;
            dmar_desc_add(d, &s);
            continue;
        }
        struct dmar_struct *n = NULL;
        for (unsigned k = 0; k < m->ndev && rc == 0; k++) {
            const struct machine_dev *b = &m->devs[k];
            if (b->kind != MDEV_PCI_BRIDGE || !b->ats || b->parent != (int)h)
                continue;
            if (!n)
                n = dmar_desc_add(d, &s);
            if ((rc = dev_scope(m, (int)k, &sc, err, errlen)) == 0)
                dmar_struct_add_scope(n, &sc);
        }
    }
    for (unsigned i = 0; i < m->nunit; i++) {
        if (!m->units[i].has_proximity)
            continue;
        struct dmar_struct s = { .type = DMAR_RHSA, .base = m->units[i].base,
                                 .proximity = m->units[i].proximity };
        dmar_desc_add(d, &s);
    }
    for (unsigned k = 0; k < m->ndev; k++) {
        if (m->devs[k].kind != MDEV_ACPI)
            continue;
        struct dmar_struct s = { .type = DMAR_ANDD,
                                 .devnum = m->devs[k].enum_id };
        g_strlcpy(s.name, m->devs[k].acpi_name, sizeof(s.name));
        dmar_desc_add(d, &s);
    }
    /* SATC (8.8): one structure per (segment, ATC_REQUIRED) group of
     * RCIEPs. */
    for (unsigned k = 0; k < m->ndev && rc == 0; k++) {
        const struct machine_dev *e = &m->devs[k];
        if (e->kind != MDEV_PCI_ENDPOINT || !e->satc)
            continue;
        if ((rc = dev_scope(m, (int)k, &sc, err, errlen)) < 0)
            break;
        if (sc.npath != 1) {
            snprintf(err, errlen, "%s: vtdemu,satc is for root-complex "
                     "integrated endpoints (VT-d 8.8)", e->path);
            rc = -EINVAL;
            break;
        }
        uint8_t fl = e->atc_required ? DMAR_SATC_ATC_REQUIRED : 0;
        struct dmar_struct *n = NULL;
        for (unsigned i = 0; i < d->nstructs; i++)
            if (d->structs[i].type == DMAR_SATC &&
                d->structs[i].segment == e->segment &&
                d->structs[i].flags == fl)
                n = &d->structs[i];
        if (!n) {
            struct dmar_struct s = { .type = DMAR_SATC, .flags = fl,
                                     .segment = e->segment };
            n = dmar_desc_add(d, &s);
        }
        dmar_struct_add_scope(n, &sc);
    }
    /* SIDP (8.9): one per segment with the flagged devices. */
    for (unsigned k = 0; k < m->ndev && rc == 0; k++) {
        const struct machine_dev *e = &m->devs[k];
        if (!e->has_sidp)
            continue;
        if ((rc = dev_scope(m, (int)k, &sc, err, errlen)) < 0)
            break;
        if (sc.npath != 1) {
            snprintf(err, errlen, "%s: vtdemu,sidp-flags is for "
                     "root-complex integrated devices (VT-d 8.9)", e->path);
            rc = -EINVAL;
            break;
        }
        sc.flags = e->sidp_flags;
        struct dmar_struct *n = NULL;
        for (unsigned i = 0; i < d->nstructs; i++)
            if (d->structs[i].type == DMAR_SIDP &&
                d->structs[i].segment == e->segment)
                n = &d->structs[i];
        if (!n) {
            struct dmar_struct s = { .type = DMAR_SIDP,
                                     .segment = e->segment };
            n = dmar_desc_add(d, &s);
        }
        dmar_struct_add_scope(n, &sc);
    }
    if (rc < 0)
        dmar_desc_clear(d);
    return rc;
}

void machine_check_info(const struct machine_desc *m,
                        struct dmar_machine_info *info)
{
    memset(info, 0, sizeof(*info));
    info->devs = g_new0(__typeof__(*info->devs), m->ndev ? m->ndev : 1);
    for (unsigned k = 0; k < m->ndev; k++) {
        const struct machine_dev *d = &m->devs[k];
        if (d->kind != MDEV_PCI_ENDPOINT && d->kind != MDEV_PCI_BRIDGE)
            continue;
        info->devs[info->ndev].segment = d->segment;
        info->devs[info->ndev].sid = d->sid;
        info->devs[info->ndev].is_bridge = d->kind == MDEV_PCI_BRIDGE;
        info->devs[info->ndev].secondary_bus = d->sec_bus;
        info->ndev++;
    }
    info->ioapic_ids = g_new0(uint8_t, m->ndev ? m->ndev : 1);
    for (unsigned k = 0; k < m->ndev; k++)
        if (m->devs[k].kind == MDEV_IOAPIC)
            info->ioapic_ids[info->nioapic++] = m->devs[k].enum_id;
    info->units = g_new0(__typeof__(*info->units), m->nunit ? m->nunit : 1);
    for (unsigned i = 0; i < m->nunit; i++) {
        info->units[i].base = m->units[i].base;
        info->units[i].mgaw = m->units[i].mgaw;
    }
    info->nunits = m->nunit;
}

void machine_check_info_free(struct dmar_machine_info *info)
{
    g_free(info->devs);
    g_free(info->ioapic_ids);
    g_free(info->units);
    memset(info, 0, sizeof(*info));
}

