/* SPDX-License-Identifier: MIT */
/*
 * machine/machine.c: load a machine description from a flattened device
 * tree (docs/machine-binding.md), and routing on it; its DMAR table is
 * derived in machine_dmar.c.
 * Every error names the node and the property.
 */
#include "machine.h"

#include <errno.h>
#include <glib.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <vtd/layout.h>
#include <vtd/vtd.h>

#include "machine/board.h"

struct loader {
    const void *fdt;
    struct machine_desc *m;
    char *err;
    size_t errlen;
    GHashTable *node2dev;   /* node offset -> dev index + 1 */
};

static int lerr(struct loader *l, int node, const char *prop,
                const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static int lerr(struct loader *l, int node, const char *prop,
                const char *fmt, ...)
{
    if (l->err && l->errlen) {
        char path[256] = "/";
        if (node >= 0 && fdt_get_path(l->fdt, node, path, sizeof(path)) < 0)
            snprintf(path, sizeof(path), "(node at offset %d)", node);
        char msg[384];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (prop)
            snprintf(l->err, l->errlen, "node %s: property %s: %s", path,
                     prop, msg);
        else
            snprintf(l->err, l->errlen, "node %s: %s", path, msg);
    }
    return -EINVAL;
}

static char *node_path(struct loader *l, int node)
{
    char path[512];
    if (fdt_get_path(l->fdt, node, path, sizeof(path)) < 0)
        snprintf(path, sizeof(path), "(node at offset %d)", node);
    return g_strdup(path);
}

static bool has_prop(struct loader *l, int node, const char *name)
{
    return fdt_getprop(l->fdt, node, name, NULL) != NULL;
}

/* Read a u32 property; absent -> *v = def, returns 0 (or error if
 * required).  Wrong size -> error. */
static int get_u32(struct loader *l, int node, const char *name,
                   uint32_t def, bool required, uint32_t *v)
{
    int len = 0;
    const fdt32_t *p = fdt_getprop(l->fdt, node, name, &len);
    if (!p) {
        if (required)
            return lerr(l, node, name, "missing");
        *v = def;
        return 0;
    }
    if (len != 4)
        return lerr(l, node, name, "expected one 32-bit cell, found %d "
                    "bytes", len);
    *v = fdt32_to_cpu(*p);
    return 0;
}

/* A 64-bit value as one or two cells. */
static int get_u64(struct loader *l, int node, const char *name,
                   uint64_t def, bool required, uint64_t *v)
{
    int len = 0;
    const fdt32_t *p = fdt_getprop(l->fdt, node, name, &len);
    if (!p) {
        if (required)
            return lerr(l, node, name, "missing");
        *v = def;
        return 0;
    }
    if (len == 4)
        *v = fdt32_to_cpu(p[0]);
    else if (len == 8)
        *v = ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
    else
        return lerr(l, node, name, "expected one or two 32-bit cells, "
                    "found %d bytes", len);
    return 0;
}

static int get_str(struct loader *l, int node, const char *name,
                   const char **v)
{
    int len = 0;
    const char *p = fdt_getprop(l->fdt, node, name, &len);
    *v = NULL;
    if (!p)
        return 0;
    if (len < 1 || p[len - 1] != '\0' || strlen(p) + 1 != (size_t)len)
        return lerr(l, node, name, "expected one NUL-terminated string");
    *v = p;
    return 0;
}

/* The parent's #address-cells / #size-cells (1 or 2 accepted). */
static int cells(struct loader *l, int node, int *ac, int *sc)
{
    int parent = fdt_parent_offset(l->fdt, node);
    if (parent < 0)
        return lerr(l, node, NULL, "has no parent: %s",
                    fdt_strerror(parent));
    *ac = fdt_address_cells(l->fdt, parent);
    *sc = fdt_size_cells(l->fdt, parent);
    if (*ac < 1 || *ac > 2 || *sc < 0 || *sc > 2)
        return lerr(l, parent, "#address-cells",
                    "only 1 or 2 address cells and 0 to 2 size cells are "
                    "supported (found %d and %d)", *ac, *sc);
    return 0;
}

static uint64_t rd_cells(const fdt32_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 32) | fdt32_to_cpu(p[i]);
    return v;
}

/* reg = <addr size>... ; returns the number of pairs via *n (max cap). */
static int get_reg(struct loader *l, int node, uint64_t *addr,
                   uint64_t *size, unsigned cap, unsigned *n)
{
    int ac = 0, sc = 0, len = 0;
    int rc = cells(l, node, &ac, &sc);
    if (rc < 0)
        return rc;
    const fdt32_t *p = fdt_getprop(l->fdt, node, "reg", &len);
    if (!p)
        return lerr(l, node, "reg", "missing");
    int per = 4 * (ac + sc);
    if (len <= 0 || len % per)
        return lerr(l, node, "reg", "length %d is not a multiple of %d "
                    "(#address-cells %d, #size-cells %d)", len, per, ac,
                    sc);
    unsigned count = (unsigned)(len / per);
    if (count > cap)
        return lerr(l, node, "reg", "%u ranges; at most %u supported",
                    count, cap);
    for (unsigned i = 0; i < count; i++) {
        addr[i] = rd_cells(p + i * (ac + sc), ac);
        size[i] = sc ? rd_cells(p + i * (ac + sc) + ac, sc) : 0;
    }
    *n = count;
    return 0;
}

static bool is_compat(struct loader *l, int node, const char *c)
{
    return fdt_node_check_compatible(l->fdt, node, c) == 0;
}

static int dev_of_node(struct loader *l, int node)
{
    gpointer v = g_hash_table_lookup(l->node2dev, GINT_TO_POINTER(node));
    return v ? GPOINTER_TO_INT(v) - 1 : -1;
}

static struct machine_dev *add_dev(struct loader *l, int node,
                                   enum machine_dev_kind kind)
{
    struct machine_desc *m = l->m;
    m->devs = g_renew(struct machine_dev, m->devs, m->ndev + 1);
    struct machine_dev *d = &m->devs[m->ndev];
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->node = node;
    d->parent = -1;
    d->path = node_path(l, node);
    d->phandle = fdt_get_phandle(l->fdt, node);
    g_hash_table_insert(l->node2dev, GINT_TO_POINTER(node),
                        GINT_TO_POINTER((int)m->ndev + 1));
    m->ndev++;
    return d;
}

/* bus-range = <first last> on hosts and bridges. */
static int get_bus_range(struct loader *l, int node, uint8_t *first,
                         uint8_t *last)
{
    int len = 0;
    const fdt32_t *p = fdt_getprop(l->fdt, node, "bus-range", &len);
    if (!p)
        return lerr(l, node, "bus-range", "missing (two cells: first and "
                    "last bus)");
    if (len != 8)
        return lerr(l, node, "bus-range", "expected two cells, found %d "
                    "bytes", len);
    uint32_t a = fdt32_to_cpu(p[0]), b = fdt32_to_cpu(p[1]);
    if (a > 255 || b > 255 || a > b)
        return lerr(l, node, "bus-range", "<%u %u> is not a bus range "
                    "within 0-255", a, b);
    *first = (uint8_t)a;
    *last = (uint8_t)b;
    return 0;
}

/* vtdemu,segment (default 0), at most 0xffff. */
static int get_segment(struct loader *l, int node, uint16_t *seg)
{
    uint32_t v = 0;
    int rc = get_u32(l, node, "vtdemu,segment", 0, false, &v);
    if (rc < 0)
        return rc;
    if (v > 0xffff)
        return lerr(l, node, "vtdemu,segment", "%u is above 0xffff", v);
    *seg = (uint16_t)v;
    return 0;
}

/* vtdemu,sidp-flags: the SIDP device scope flags (VT-d 8.3.1 bits 4:0). */
static int get_sidp(struct loader *l, int node, struct machine_dev *d)
{
    if (!has_prop(l, node, "vtdemu,sidp-flags"))
        return 0;
    uint32_t f = 0;
    int rc = get_u32(l, node, "vtdemu,sidp-flags", 0, true, &f);
    if (rc < 0)
        return rc;
    if (f > 0x1f)
        return lerr(l, node, "vtdemu,sidp-flags",
                    "0x%x sets reserved bits 7:5", f);
    d->has_sidp = true;
    d->sidp_flags = (uint8_t)f;
    return 0;
}

static int load_pci_child(struct loader *l, int node, int parent_dev)
{
    struct machine_dev *parent = &l->m->devs[parent_dev];
    uint16_t segment = parent->segment;
    uint8_t bus = parent->sec_bus;
    bool bridge = is_compat(l, node, "vtdemu,pci-bridge");
    uint32_t devfn;
    int rc = get_u32(l, node, "reg", 0, true, &devfn);
    if (rc < 0)
        return rc;
    if (devfn > 0xff)
        return lerr(l, node, "reg", "devfn 0x%x is above 0xff (device << 3 "
                    "| function)", devfn);
    struct machine_dev *d = add_dev(l, node, bridge ? MDEV_PCI_BRIDGE
                                                    : MDEV_PCI_ENDPOINT);
    /* add_dev may move the array: re-fetch nothing from 'parent' now. */
    d->parent = parent_dev;
    d->segment = segment;
    d->devfn = (uint8_t)devfn;
    d->sid = (uint16_t)(vtd_sid_make(bus, 0, 0) | devfn);
    d->ats = has_prop(l, node, "vtdemu,ats");
    d->satc = has_prop(l, node, "vtdemu,satc");
    d->atc_required = has_prop(l, node, "vtdemu,atc-required");
    uint32_t v;
    if ((rc = get_u32(l, node, "vtdemu,msi-vectors", 0, false, &v)) < 0)
        return rc;
    if (v > 32 || (v & (v - 1)))
        return lerr(l, node, "vtdemu,msi-vectors",
                    "%u is not a power of two from 1 to 32", v);
    d->msi_vectors = v;
    if ((rc = get_u32(l, node, "vtdemu,msix-vectors", 0, false, &v)) < 0)
        return rc;
    if (v > 2048)
        return lerr(l, node, "vtdemu,msix-vectors", "%u is above 2048", v);
    d->msix_vectors = v;
    if ((rc = get_sidp(l, node, d)) < 0)
        return rc;
    if (bridge) {
        if ((rc = get_bus_range(l, node, &d->sec_bus, &d->sub_bus)) < 0)
            return rc;
        if (d->sec_bus <= bus)
            return lerr(l, node, "bus-range", "secondary bus %u is not "
                        "below the bridge's own bus %u", d->sec_bus, bus);
    }
    /* Unique source-ids per segment. */
    for (unsigned i = 0; i + 1 < l->m->ndev; i++) {
        const struct machine_dev *o = &l->m->devs[i];
        if ((o->kind == MDEV_PCI_BRIDGE || o->kind == MDEV_PCI_ENDPOINT) &&
            o->segment == d->segment && o->sid == d->sid)
            return lerr(l, node, "reg", "source-id " VTD_SID_FMT " is also "
                        "used by %s", VTD_SID_BDF(d->sid), o->path);
    }
    return 0;
}

static int load_sid_device(struct loader *l, int node,
                           enum machine_dev_kind kind, const char *idprop)
{
    uint32_t sid, id;
    uint16_t seg;
    int rc;
    if ((rc = get_u32(l, node, "vtdemu,source-id", 0, true, &sid)) < 0)
        return rc;
    if (sid > 0xffff)
        return lerr(l, node, "vtdemu,source-id", "0x%x is above 0xffff",
                    sid);
    if ((rc = get_u32(l, node, idprop, 0, true, &id)) < 0)
        return rc;
    if (id > 255)
        return lerr(l, node, idprop, "%u is above 255", id);
    if ((rc = get_segment(l, node, &seg)) < 0)
        return rc;
    struct machine_dev *d = add_dev(l, node, kind);
    d->sid = (uint16_t)sid;
    d->enum_id = (uint8_t)id;
    d->segment = seg;
    if (kind == MDEV_ACPI) {
        const char *name;
        if ((rc = get_str(l, node, "vtdemu,acpi-name", &name)) < 0)
            return rc;
        if (!name || !name[0] || strlen(name) > DMAR_NAME_MAX)
            return lerr(l, node, "vtdemu,acpi-name", "missing, empty or "
                        "longer than %d characters", DMAR_NAME_MAX);
        d->acpi_name = g_strdup(name);
        if ((rc = get_sidp(l, node, d)) < 0)
            return rc;
        for (unsigned i = 0; i + 1 < l->m->ndev; i++)
            if (l->m->devs[i].kind == MDEV_ACPI &&
                l->m->devs[i].enum_id == d->enum_id)
                return lerr(l, node, idprop, "ACPI device number %u is "
                            "also used by %s", id, l->m->devs[i].path);
    } else {
        uint64_t a[1], s[1];
        unsigned n = 0;
        if (has_prop(l, node, "reg")) {
            if ((rc = get_reg(l, node, a, s, 1, &n)) < 0)
                return rc;
            l->m->devs[l->m->ndev - 1].base = a[0];
        }
    }
    return 0;
}

/* Resolve a list of phandles to device indices. */
static int get_dev_list(struct loader *l, int node, const char *name,
                        int **out, unsigned *n)
{
    int len = 0;
    const fdt32_t *p = fdt_getprop(l->fdt, node, name, &len);
    *out = NULL;
    *n = 0;
    if (!p)
        return 0;
    if (len % 4)
        return lerr(l, node, name, "length %d is not a list of phandles",
                    len);
    unsigned cnt = (unsigned)len / 4;
    int *v = g_new0(int, cnt ? cnt : 1);
    for (unsigned i = 0; i < cnt; i++) {
        uint32_t ph = fdt32_to_cpu(p[i]);
        int target = fdt_node_offset_by_phandle(l->fdt, ph);
        int dev = target >= 0 ? dev_of_node(l, target) : -1;
        if (dev < 0) {
            g_free(v);
            if (target < 0)
                return lerr(l, node, name, "entry %u: phandle 0x%x names "
                            "no node", i, ph);
            char *tp = node_path(l, target);
            int rc = lerr(l, node, name, "entry %u: %s is not a PCI "
                          "device, bridge, IOAPIC, HPET or ACPI device", i,
                          tp);
            g_free(tp);
            return rc;
        }
        v[i] = dev;
    }
    *out = v;
    *n = cnt;
    return 0;
}

static int load_unit(struct loader *l, int node)
{
    struct machine_desc *m = l->m;
    uint64_t a[1], s[1];
    unsigned n;
    int rc = get_reg(l, node, a, s, 1, &n);
    if (rc < 0)
        return rc;
    if (a[0] & ~VTD_PAGE_MASK)
        return lerr(l, node, "reg", "base 0x%llx is not 4 KiB aligned",
                    (unsigned long long)a[0]);
    uint64_t size = s[0] ? s[0] : VTD_PAGE_4K;
    if (size < VTD_PAGE_4K || (size & (size - 1)) ||
        size > (VTD_PAGE_4K << 15))
        return lerr(l, node, "reg", "size 0x%llx is not a power of two "
                    "from 4 KiB to 128 MiB (VT-d 8.3 Size field)",
                    (unsigned long long)size);
    if (a[0] & (size - 1))
        return lerr(l, node, "reg", "base 0x%llx is not aligned to the "
                    "register set size 0x%llx (VT-d 8.3)",
                    (unsigned long long)a[0], (unsigned long long)size);
    m->units = g_renew(struct machine_unit, m->units, m->nunit + 1);
    struct machine_unit *u = &m->units[m->nunit++];
    memset(u, 0, sizeof(*u));
    u->path = node_path(l, node);
    u->base = a[0];
    u->size = size;
    if ((rc = get_segment(l, node, &u->segment)) < 0)
        return rc;
    const char *prof;
    if ((rc = get_str(l, node, "vtdemu,profile", &prof)) < 0)
        return rc;
    uint64_t pc = 0, pe = 0;
    if (prof) {
        if (vtd_profile_lookup(prof, &pc, &pe) < 0)
            return lerr(l, node, "vtdemu,profile", "unknown profile \"%s\" "
                        "(known: qemu-7.2, full)", prof);
        u->profile = g_strdup(prof);
    }
    if ((rc = get_u64(l, node, "vtdemu,cap", pc, !prof, &u->cap)) < 0 ||
        (rc = get_u64(l, node, "vtdemu,ecap", pe, !prof, &u->ecap)) < 0)
        return rc;
    u->mgaw = (unsigned)VTD_FIELD_GET(u->cap, CAP, MGAW) + 1;
    u->include_all = has_prop(l, node, "vtdemu,include-pci-all");
    if (has_prop(l, node, "vtdemu,proximity-domain")) {
        u->has_proximity = true;
        if ((rc = get_u32(l, node, "vtdemu,proximity-domain", 0, true,
                          &u->proximity)) < 0)
            return rc;
    }
    if ((rc = get_dev_list(l, node, "vtdemu,scope", &u->scope,
                           &u->nscope)) < 0)
        return rc;
    for (unsigned i = 0; i < u->nscope; i++) {
        const struct machine_dev *d = &m->devs[u->scope[i]];
        if (d->segment != u->segment)
            return lerr(l, node, "vtdemu,scope", "%s is in segment %u, the "
                        "unit in segment %u", d->path, d->segment,
                        u->segment);
        if (d->kind == MDEV_PCI_HOST)
            return lerr(l, node, "vtdemu,scope", "%s is a host bridge; "
                        "name its devices or use vtdemu,include-pci-all",
                        d->path);
        if (u->include_all && (d->kind == MDEV_PCI_ENDPOINT ||
                               d->kind == MDEV_PCI_BRIDGE))
            return lerr(l, node, "vtdemu,scope", "%s is a PCI device; a "
                        "unit with vtdemu,include-pci-all lists only "
                        "IOAPIC, HPET and ACPI devices (VT-d 8.3.1)",
                        d->path);
    }
    for (unsigned i = 0; i + 1 < m->nunit; i++) {
        if (m->units[i].base == u->base)
            return lerr(l, node, "reg", "base 0x%llx is also used by %s",
                        (unsigned long long)u->base, m->units[i].path);
        if (u->include_all && m->units[i].include_all &&
            m->units[i].segment == u->segment)
            return lerr(l, node, "vtdemu,include-pci-all", "segment %u "
                        "already has an INCLUDE_PCI_ALL unit (%s)",
                        u->segment, m->units[i].path);
    }
    return 0;
}

static int load_rmrr(struct loader *l, int node)
{
    struct machine_desc *m = l->m;
    uint64_t a[1], s[1];
    unsigned n;
    int rc = get_reg(l, node, a, s, 1, &n);
    if (rc < 0)
        return rc;
    if ((a[0] & ~VTD_PAGE_MASK) || s[0] == 0 || (s[0] & ~VTD_PAGE_MASK) ||
        a[0] + s[0] - 1 < a[0])
        return lerr(l, node, "reg", "region 0x%llx+0x%llx is not 4 KiB "
                    "aligned and sized (VT-d 8.4)",
                    (unsigned long long)a[0], (unsigned long long)s[0]);
    m->rmrrs = g_renew(struct machine_rmrr, m->rmrrs, m->nrmrr + 1);
    struct machine_rmrr *r = &m->rmrrs[m->nrmrr++];
    memset(r, 0, sizeof(*r));
    r->path = node_path(l, node);
    r->base = a[0];
    r->limit = a[0] + s[0] - 1;
    if ((rc = get_dev_list(l, node, "vtdemu,devices", &r->devs,
                           &r->ndev)) < 0)
        return rc;
    if (r->ndev == 0)
        return lerr(l, node, "vtdemu,devices", "an RMRR names one or more "
                    "devices (VT-d 8.4)");
    r->segment = m->devs[r->devs[0]].segment;
    for (unsigned i = 0; i < r->ndev; i++) {
        const struct machine_dev *d = &m->devs[r->devs[i]];
        if (d->kind != MDEV_PCI_ENDPOINT && d->kind != MDEV_PCI_BRIDGE)
            return lerr(l, node, "vtdemu,devices", "%s is not a PCI "
                        "device", d->path);
        if (d->segment != r->segment)
            return lerr(l, node, "vtdemu,devices", "devices of one RMRR "
                        "must share a segment");
    }
    return 0;
}

static int load_root(struct loader *l, int root)
{
    struct machine_desc *m = l->m;
    const char *s;
    int rc;
    if (!is_compat(l, root, "vtdemu,machine-v1"))
        return lerr(l, root, "compatible", "must include "
                    "\"vtdemu,machine-v1\"");
    if ((rc = get_str(l, root, "model", &s)) < 0)
        return rc;
    m->model = g_strdup(s ? s : "unnamed");
    struct { const char *prop; char *dst; size_t max; } strs[] = {
        { "vtdemu,oem-id", m->oem_id, 6 },
        { "vtdemu,oem-table-id", m->oem_table_id, 8 },
        { "vtdemu,creator-id", m->creator_id, 4 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(strs); i++) {
        if ((rc = get_str(l, root, strs[i].prop, &s)) < 0)
            return rc;
        if (s && strlen(s) > strs[i].max)
            return lerr(l, root, strs[i].prop, "\"%s\" is longer than %zu "
                        "characters", s, strs[i].max);
        if (s)
            g_strlcpy(strs[i].dst, s, strs[i].max + 1);
    }
    uint32_t v;
    if ((rc = get_u32(l, root, "vtdemu,oem-revision", 1, false,
                      &m->oem_revision)) < 0 ||
        (rc = get_u32(l, root, "vtdemu,creator-revision", 1, false,
                      &m->creator_revision)) < 0 ||
        (rc = get_u32(l, root, "vtdemu,haw", 0, false, &v)) < 0)
        return rc;
    if (v > 64)
        return lerr(l, root, "vtdemu,haw", "%u bits is above 64", v);
    m->haw = v;
    m->x2apic_opt_out = has_prop(l, root, "vtdemu,x2apic-opt-out");
    m->dma_ctrl_opt_in = has_prop(l, root, "vtdemu,dma-ctrl-platform-opt-in");
    return 0;
}

static int load_all(struct loader *l)
{
    const void *fdt = l->fdt;
    int rc = load_root(l, 0);
    if (rc < 0)
        return rc;
    /* Pass 1: devices and the topology (pre-order: parents first). */
    int depth = 0;
    for (int node = fdt_next_node(fdt, 0, &depth); node >= 0 && depth > 0;
         node = fdt_next_node(fdt, node, &depth)) {
        int parent = fdt_parent_offset(fdt, node);
        int pdev = parent >= 0 ? dev_of_node(l, parent) : -1;
        const char *dt = NULL;
        if ((rc = get_str(l, node, "device_type", &dt)) < 0)
            return rc;
        if (pdev >= 0 && (l->m->devs[pdev].kind == MDEV_PCI_HOST ||
                          l->m->devs[pdev].kind == MDEV_PCI_BRIDGE)) {
            rc = load_pci_child(l, node, pdev);
        } else if (is_compat(l, node, "vtdemu,pci-host")) {
            uint16_t seg;
            if ((rc = get_segment(l, node, &seg)) < 0)
                return rc;
            struct machine_dev *d = add_dev(l, node, MDEV_PCI_HOST);
            d->segment = seg;
            d->ats_all_ports = has_prop(l, node, "vtdemu,ats-all-ports");
            rc = get_bus_range(l, node, &d->sec_bus, &d->sub_bus);
        } else if (is_compat(l, node, "intel,ioapic")) {
            rc = load_sid_device(l, node, MDEV_IOAPIC, "vtdemu,ioapic-id");
        } else if (is_compat(l, node, "intel,hpet")) {
            rc = load_sid_device(l, node, MDEV_HPET, "vtdemu,hpet-number");
        } else if (is_compat(l, node, "vtdemu,acpi-device")) {
            rc = load_sid_device(l, node, MDEV_ACPI,
                                 "vtdemu,acpi-device-number");
        } else if (dt && strcmp(dt, "memory") == 0) {
            uint64_t a[16], s[16];
            unsigned n;
            if ((rc = get_reg(l, node, a, s, 16, &n)) < 0)
                return rc;
            for (unsigned i = 0; i < n; i++) {
                if (s[i] == 0 || a[i] + s[i] - 1 < a[i])
                    return lerr(l, node, "reg", "range %u is empty or wraps",
                                i);
                l->m->ram = g_renew(__typeof__(*l->m->ram), l->m->ram,
                                    l->m->nram + 1);
                l->m->ram[l->m->nram].base = a[i];
                l->m->ram[l->m->nram].size = s[i];
                l->m->nram++;
            }
        } else if (dt && strcmp(dt, "cpu") == 0) {
            uint32_t id;
            if ((rc = get_u32(l, node, "reg", 0, true, &id)) < 0)
                return rc;
            for (unsigned i = 0; i < l->m->ncpu; i++)
                if (l->m->cpus[i].apic_id == id)
                    return lerr(l, node, "reg", "APIC id %u is used twice",
                                id);
            l->m->cpus = g_renew(__typeof__(*l->m->cpus), l->m->cpus,
                                 l->m->ncpu + 1);
            l->m->cpus[l->m->ncpu].apic_id = id;
            l->m->cpus[l->m->ncpu].x2apic = has_prop(l, node, "vtdemu,x2apic");
            if (id > 0xfe && !l->m->cpus[l->m->ncpu].x2apic)
                return lerr(l, node, "reg", "APIC id %u needs vtdemu,x2apic",
                            id);
            l->m->ncpu++;
        }
        if (rc < 0)
            return rc;
    }
    /* Pass 2: units and reserved regions, which refer to devices. */
    depth = 0;
    for (int node = fdt_next_node(fdt, 0, &depth); node >= 0 && depth > 0;
         node = fdt_next_node(fdt, node, &depth)) {
        if (is_compat(l, node, "intel,vtd"))
            rc = load_unit(l, node);
        else if (is_compat(l, node, "vtdemu,rmrr"))
            rc = load_rmrr(l, node);
        if (rc < 0)
            return rc;
    }
    if (l->m->nunit == 0)
        return lerr(l, 0, NULL, "the machine has no remapping unit "
                    "(a node with compatible = \"intel,vtd\")");
    return 0;
}

int machine_load_fdt(const void *blob, size_t len, struct machine_desc *m,
                     char *err, size_t errlen)
{
    if (!blob || !m)
        return -EINVAL;
    memset(m, 0, sizeof(*m));
    struct loader l = { .fdt = blob, .m = m, .err = err, .errlen = errlen };
    if (err && errlen)
        err[0] = '\0';
    /* libfdt 1.6.1's fdt_check_full() dereferences NULL on some blobs
     * with a header version below 16 (found by fuzz-machine, issue 18;
     * fuzz/corpus/machine/regress-libfdt-v7-null.dtb).  dtc writes
     * version 17 and the loader needs nothing older: refuse the rest
     * before libfdt walks them. */
    int frc = len < sizeof(struct fdt_header) ? -FDT_ERR_TRUNCATED
              : fdt_magic(blob) != FDT_MAGIC  ? -FDT_ERR_BADMAGIC
              : fdt_version(blob) < 17        ? -FDT_ERR_BADVERSION
                                              : fdt_check_full(blob, len);
    if (frc < 0) {
        if (err && errlen)
            snprintf(err, errlen, "not a valid device-tree blob: %s",
                     fdt_strerror(frc));
        return -EINVAL;
    }
    l.node2dev = g_hash_table_new(g_direct_hash, g_direct_equal);
    int rc = load_all(&l);
    g_hash_table_destroy(l.node2dev);
    if (rc < 0)
        machine_desc_free(m);
    return rc;
}

int machine_load_file(const char *path, struct machine_desc *m, char *err,
                      size_t errlen)
{
    gchar *buf = NULL;
    gsize len = 0;
    GError *ge = NULL;
    memset(m, 0, sizeof(*m));
    if (!g_file_get_contents(path, &buf, &len, &ge)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, ge->message);
        g_error_free(ge);
        return -EIO;
    }
    char sub[480] = "";
    int rc = machine_load_fdt(buf, len, m, sub, sizeof(sub));
    if (rc < 0 && err && errlen)
        snprintf(err, errlen, "%s: %s", path, sub);
    g_free(buf);
    return rc;
}

void machine_desc_free(struct machine_desc *m)
{
    if (!m)
        return;
    for (unsigned i = 0; i < m->ndev; i++) {
        g_free(m->devs[i].path);
        g_free(m->devs[i].acpi_name);
    }
    for (unsigned i = 0; i < m->nunit; i++) {
        g_free(m->units[i].path);
        g_free(m->units[i].profile);
        g_free(m->units[i].scope);
    }
    for (unsigned i = 0; i < m->nrmrr; i++) {
        g_free(m->rmrrs[i].path);
        g_free(m->rmrrs[i].devs);
    }
    g_free(m->devs);
    g_free(m->units);
    g_free(m->rmrrs);
    g_free(m->ram);
    g_free(m->cpus);
    g_free(m->model);
    memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* Routing                                                             */
/* ------------------------------------------------------------------ */

int machine_find_sid(const struct machine_desc *m, uint16_t segment,
                     uint16_t sid)
{
    int other = -1;
    for (unsigned k = 0; k < m->ndev; k++) {
        const struct machine_dev *d = &m->devs[k];
        if (d->segment != segment || d->sid != sid ||
            d->kind == MDEV_PCI_HOST)
            continue;
        if (d->kind == MDEV_PCI_ENDPOINT || d->kind == MDEV_PCI_BRIDGE)
            return (int)k;
        if (other < 0)
            other = (int)k;
    }
    return other;
}

/* The first and last source-ids of a bus (3.4.1). */
static uint16_t bus_first(unsigned bus)
{
    return vtd_sid_make(bus, 0, 0);
}

static uint16_t bus_last(unsigned bus)
{
    return (uint16_t)(vtd_sid_make(bus, 0, 0) | VTD_SID_DEVFN_MASK);
}

/* 8.3.1: scope items as source-id ranges: an endpoint, IOAPIC, HPET or
 * ACPI device its own source-id; a bridge itself and its subordinate
 * buses; a host bridge its bus range. */
struct board_scope *machine_unit_scope(const struct machine_desc *m,
                                       unsigned i, size_t *n)
{
    GArray *sc = g_array_new(FALSE, FALSE, sizeof(struct board_scope));
    const struct machine_unit *mu = &m->units[i];
    for (unsigned k = 0; k < mu->nscope; k++) {
        int di = mu->scope[k];
        if (di < 0 || (unsigned)di >= m->ndev)
            continue;
        const struct machine_dev *d = &m->devs[di];
        struct board_scope r = { d->sid, d->sid };
        switch (d->kind) {
        case MDEV_PCI_HOST:
            r = (struct board_scope){ bus_first(d->sec_bus),
                                      bus_last(d->sub_bus) };
            g_array_append_val(sc, r);
            break;
        case MDEV_PCI_BRIDGE:
            g_array_append_val(sc, r);
            if (d->sub_bus >= d->sec_bus) {
                r = (struct board_scope){ bus_first(d->sec_bus),
                                          bus_last(d->sub_bus) };
                g_array_append_val(sc, r);
            }
            break;
        default:
            g_array_append_val(sc, r);
            break;
        }
    }
    *n = sc->len;
    return (struct board_scope *)(void *)g_array_free(sc, FALSE);
}

/* The board's rule (board_route) over the units of the segment. */
int machine_unit_for_sid(const struct machine_desc *m, uint16_t segment,
                         uint16_t sid)
{
    struct board_unit_desc *units = g_new0(struct board_unit_desc,
                                           m->nunit ? m->nunit : 1);
    unsigned *idx = g_new0(unsigned, m->nunit ? m->nunit : 1);
    size_t n = 0;
    for (unsigned i = 0; i < m->nunit; i++) {
        if (m->units[i].segment != segment)
            continue;
        units[n].base = m->units[i].base;
        units[n].scope_all = m->units[i].include_all;
        units[n].scope = machine_unit_scope(m, i, &units[n].nscope);
        idx[n++] = i;
    }
    int r = board_route(units, n, true, sid);
    int found = r < 0 ? -1 : (int)idx[r];
    for (size_t k = 0; k < n; k++)
        g_free((void *)units[k].scope);
    g_free(units);
    g_free(idx);
    return found;
}

/* VT-d 8.5: an ATSR per segment that supports device-TLBs; ALL_PORTS or
 * the root ports in its scope.  machine_to_dmar() emits the ATSR from the
 * same properties. */
struct board_ats_range *machine_ats_ranges(const struct machine_desc *m,
                                           uint16_t segment, size_t *n)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(struct board_ats_range));
    bool all_ports = false;
    for (unsigned k = 0; k < m->ndev; k++)
        if (m->devs[k].kind == MDEV_PCI_HOST &&
            m->devs[k].segment == segment && m->devs[k].ats_all_ports)
            all_ports = true;
    for (unsigned k = 0; k < m->ndev; k++) {
        const struct machine_dev *d = &m->devs[k];
        if (d->segment != segment)
            continue;
        if (d->kind == MDEV_PCI_HOST) {
            /* The root bus: integrated endpoints, no root port. */
            struct board_ats_range r = {
                .first = bus_first(d->sec_bus),
                .last = bus_last(d->sec_bus),
                .allowed = true, .port = -1 };
            g_array_append_val(a, r);
        } else if (d->kind == MDEV_PCI_BRIDGE && d->parent >= 0 &&
                   m->devs[d->parent].kind == MDEV_PCI_HOST &&
                   d->sub_bus >= d->sec_bus) {
            /* A root port: everything on its secondary to subordinate
             * buses is behind it. */
            struct board_ats_range r = {
                .first = bus_first(d->sec_bus),
                .last = bus_last(d->sub_bus),
                .allowed = all_ports || d->ats, .port = d->sid };
            g_array_append_val(a, r);
        }
    }
    *n = a->len;
    return (struct board_ats_range *)(void *)g_array_free(a, a->len == 0);
}

uint16_t *machine_ats_endpoints(const struct machine_desc *m,
                                uint16_t segment, size_t *n)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(uint16_t));
    for (unsigned k = 0; k < m->ndev; k++) {
        const struct machine_dev *d = &m->devs[k];
        if (d->kind == MDEV_PCI_ENDPOINT && d->segment == segment && d->ats)
            g_array_append_val(a, d->sid);
    }
    *n = a->len;
    return (uint16_t *)(void *)g_array_free(a, a->len == 0);
}
