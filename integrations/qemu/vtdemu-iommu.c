/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vtdemu-iommu: an Intel VT-d remapping hardware unit for QEMU 7.2's q35
 * machine, backed by libvtdemu (the vtdemu repository's VT-d core).
 *
 * This file is a QEMU device model and carries QEMU's licence; the library
 * it links is MIT.  It is our own code, written against QEMU 7.2's API.
 * docs/qemu.md of the vtdemu repository describes the options, how to boot
 * a guest and what differs from QEMU's intel-iommu.
 *
 * What the device does, and where the library does the rest:
 *  - the register window at the DRHD base (default 0xfed90000): every
 *    access, with QEMU's access size, goes to vtd_mmio_read/write (VT-d
 *    chapter 11; the library ignores and logs sizes other than 4 and 8);
 *  - one address space per requester (pci_setup_iommu): an IOMMU memory
 *    region whose translate callback calls vtd_translate (VT-d 3.x, 9.x),
 *    a fault giving QEMU an entry without permissions (the library records
 *    the fault, VT-d 7.1); over it, at 0xFEE00000-0xFEEFFFFF, the interrupt
 *    address range (VT-d 3.15, 5.1): DWORD writes there are interrupt
 *    requests handled by vtd_interrupt (5.1.4), delivered to QEMU's APICs
 *    through the system address space's APIC MSI window;
 *  - the I/O APIC's messages go through the same path with the I/O APIC's
 *    source-id (the DMAR device scope's, VT-d 8.3.1.1): x86ms->ioapic_as;
 *  - IOMMU notifiers: the library's caching-mode map/unmap subscribers
 *    (vtd/notify.h), replayed on request (memory_region_iommu_replay);
 *  - the unit's own fault-event and invalidation-completion interrupts
 *    (host msi_send, VT-d 7.3, 6.5.2.9) are written to the APIC window;
 *  - guest memory through address_space_memory, RAM only: a table pointer
 *    into MMIO (the unit's own window included) reads as "not backed", so
 *    the library reports the spec's error-accessing fault instead of
 *    re-entering a device.
 *
 * Threading.  MMIO, interrupt-window writes and most DMA run under the BQL;
 * translate may also run in an iothread.  The library is thread-safe and
 * may call the host callbacks with its internal lock held, so the callbacks
 * that reach into QEMU beyond guest RAM (MSI delivery, IOMMU notifiers) do
 * not act at once: they queue on the calling thread and the queue is
 * delivered after the library call has returned, with no library lock
 * held.
 *
 * QEMU adds no DMAR table for this device (acpi-build only knows
 * intel-iommu): the guest's table comes from `vtdemu dmar build` on
 * integrations/qemu/q35-vtdemu.dts, passed with -acpitable file=DMAR.bin.
 */

#include "qemu/osdep.h"
#include "vtdemu-iommu.h"

/* ------------------------------------------------------------------ */
/* Register window                                                     */
/* ------------------------------------------------------------------ */

static uint64_t vx_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    VtdemuState *s = opaque;
    uint64_t val = 0;
    int r = vtd_mmio_read(s->unit, addr, size, &val);

    if (vx_tracing(s)) {
        vx_trace_mmio(s, false, addr, size, val, r);
    }
    vx_flush();
    return val;
}

static void vx_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    VtdemuState *s = opaque;
    int r = vtd_mmio_write(s->unit, addr, size, val);

    if (vx_tracing(s)) {
        vx_trace_mmio(s, true, addr, size, val, r);
    }
    vx_flush();
}

static const MemoryRegionOps vx_mmio_ops = {
    .read = vx_mmio_read,
    .write = vx_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Every size reaches the library, which ignores and logs the ones the
     * spec does not allow (VT-d 10.2: 32- and 64-bit accesses). */
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

static void vx_write_stats(VtdemuState *s)
{
    struct vtd_stats st;
    FILE *f;

    if (!s->stats_path || !s->unit) {
        return;
    }
    f = fopen(s->stats_path, "w");
    if (!f) {
        error_report("vtdemu-iommu: cannot write stats to %s: %s",
                     s->stats_path, strerror(errno));
        return;
    }
    vtd_get_stats(s->unit, &st);
    fprintf(f, "translations %" PRIu64 "\n", qatomic_read(&s->n_translations));
    fprintf(f, "translation_faults %" PRIu64 "\n",
            qatomic_read(&s->n_translation_faults));
    fprintf(f, "iotlb_hits %" PRIu64 "\n", st.iotlb_hits);
    fprintf(f, "iotlb_misses %" PRIu64 "\n", st.iotlb_misses);
    fprintf(f, "invalidations %" PRIu64 "\n", st.invalidations);
    fprintf(f, "interrupts_passthrough %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_PASSTHROUGH]));
    fprintf(f, "interrupts_remapped %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_REMAPPED]));
    fprintf(f, "interrupts_posted %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_POSTED]));
    fprintf(f, "interrupts_blocked %" PRIu64 "\n",
            qatomic_read(&s->n_irq[VTD_IRQ_BLOCKED]));
    fprintf(f, "interrupts_undeliverable %" PRIu64 "\n",
            qatomic_read(&s->n_irq_undeliverable));
    fprintf(f, "faults_detected %" PRIu64 "\n", st.faults_detected);
    fprintf(f, "faults_recorded %" PRIu64 "\n", st.faults_recorded);
    fprintf(f, "faults_suppressed %" PRIu64 "\n", st.faults_suppressed);
    fprintf(f, "faults_collapsed %" PRIu64 "\n", st.faults_collapsed);
    fprintf(f, "faults_overflow %" PRIu64 "\n", st.faults_overflow);
    fprintf(f, "map_events %" PRIu64 "\n", qatomic_read(&s->n_map_events));
    fprintf(f, "unmap_events %" PRIu64 "\n",
            qatomic_read(&s->n_unmap_events));
    fclose(f);
}

static void vx_exit(Notifier *n, void *data)
{
    VtdemuState *s = container_of(n, VtdemuState, exit_notifier);

    vx_write_stats(s);
    vx_trace_close(s, NULL);
}

/*
 * CAP/ECAP: the profile, then the options as bits to set and clear, then
 * caching mode (VT-d 11.4.2, 11.4.3); the library composes them and refuses
 * a combination the spec forbids, naming the field (vtd.h, vtd_config).
 */
static bool vx_caps(VtdemuState *s, struct vtd_config *cfg, Error **errp)
{
    X86IOMMUState *x = X86_IOMMU_DEVICE(s);
    uint64_t cap, ecap;

    cfg->profile = s->profile ? s->profile : "qemu-7.2";
    if (vtd_profile_lookup(cfg->profile, &cap, &ecap) < 0) {
        const char *const *names = vtd_profile_names();
        g_autoptr(GString) known = g_string_new("");
        for (; names && *names; names++) {
            g_string_append_printf(known, "%s%s", known->len ? ", " : "",
                                   *names);
        }
        error_setg(errp, "vtdemu-iommu: unknown profile '%s' (known: %s)",
                   cfg->profile, known->str);
        return false;
    }
    if (s->caching_mode == ON_OFF_AUTO_ON) {
        cfg->caching_mode = VTD_CM_ON;
    } else if (s->caching_mode == ON_OFF_AUTO_OFF) {
        cfg->caching_mode = VTD_CM_OFF;
    }
    if (s->aw_bits) {
        uint64_t sagaw, val;
        switch (s->aw_bits) {
        case 39:
            sagaw = VTD_SAGAW_39;
            break;
        case 48:
            sagaw = VTD_SAGAW_39 | VTD_SAGAW_48;
            break;
        case 57:
            sagaw = VTD_SAGAW_39 | VTD_SAGAW_48 | VTD_SAGAW_57;
            break;
        default:
            error_setg(errp, "vtdemu-iommu: aw-bits=%u is not supported "
                       "(39, 48 or 57)", s->aw_bits);
            return false;
        }
        /* SAGAW: every level count up to aw-bits; MGAW = aw-bits - 1. */
        val = sagaw << VTD_CAP_SAGAW_SHIFT |
              (uint64_t)(s->aw_bits - 1) << VTD_CAP_MGAW_SHIFT;
        cfg->cap_set |= val;
        cfg->cap_clear |= (VTD_CAP_SAGAW_MASK | VTD_CAP_MGAW_MASK) & ~val;
    }
    if (s->scalable == ON_OFF_AUTO_ON) {
        /* As QEMU 7.2's x-scalable-mode: scalable-mode translation with
         * second-stage tables and supervisor requests. */
        cfg->ecap_set |= VTD_ECAP_SMTS_MASK | VTD_ECAP_SSTS_MASK |
                         VTD_ECAP_SRS_MASK;
    } else if (s->scalable == ON_OFF_AUTO_OFF) {
        cfg->ecap_clear |= (VTD_ECAP_SMTS_MASK | VTD_ECAP_PASID_MASK |
                            VTD_ECAP_PSS_MASK | VTD_ECAP_FSTS_MASK |
                            VTD_ECAP_SSTS_MASK | VTD_ECAP_NEST_MASK |
                            VTD_ECAP_SSADS_MASK | VTD_ECAP_SMPWCS_MASK |
                            VTD_ECAP_RPS_MASK | VTD_ECAP_SRS_MASK) & ecap;
    }
    /* The common x86-iommu options. */
    if (!x86_iommu_ir_supported(x)) {
        /* Posted interrupts need interrupt remapping (CAP.PI, 11.4.2). */
        cfg->ecap_clear |= (VTD_ECAP_IR_MASK | VTD_ECAP_EIM_MASK) & ecap;
        cfg->cap_clear |= VTD_CAP_PI_MASK & cap;
    }
    if (s->eim == ON_OFF_AUTO_ON) {
        /* Extended interrupt mode: 32-bit IRTE destinations for x2APIC
         * (ECAP.EIM, 11.4.3; 9.10).  Needs interrupt remapping. */
        if (!x86_iommu_ir_supported(x)) {
            error_setg(errp, "vtdemu-iommu: eim=on needs intremap=on");
            return false;
        }
        cfg->ecap_set |= VTD_ECAP_EIM_MASK;
    } else if (s->eim == ON_OFF_AUTO_OFF) {
        cfg->ecap_clear |= VTD_ECAP_EIM_MASK & ecap;
    }
    if (!x->pt_supported) {
        cfg->ecap_clear |= VTD_ECAP_PT_MASK & ecap;
    }
    if (x->dt_supported) {
        cfg->ecap_set |= VTD_ECAP_DT_MASK;
    }
    return true;
}

static void vx_realize(DeviceState *dev, Error **errp)
{
    VtdemuState *s = VTDEMU_IOMMU(dev);
    MachineState *ms = MACHINE(qdev_get_machine());
    PCMachineState *pcms = PC_MACHINE(ms);
    X86MachineState *x86ms = X86_MACHINE(ms);
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION };
    struct vtd_host_ops ops = {
        .version = VTD_HOST_OPS_VERSION,
        .read = vx_host_read,
        .write = vx_host_write,
        .cmpxchg64 = vx_host_cmpxchg64,
        .msi_send = vx_host_msi_send,
        .log = vx_host_log,
        .map = vx_host_map,
    };
    char err[256] = "";
    int r;

    if (s->base & 0xfff) {
        error_setg(errp, "vtdemu-iommu: base 0x%" PRIx64 " is not 4 KiB "
                   "aligned", s->base);
        return;
    }
    if (!vx_caps(s, &cfg, errp)) {
        return;
    }
    if (s->trace_path) {
        ops.trace = vx_host_trace;
    }
    r = vtd_iommu_new(&cfg, &ops, s, &s->unit, err, sizeof(err));
    if (r < 0) {
        error_setg(errp, "vtdemu-iommu: %s", err[0] ? err : strerror(-r));
        return;
    }
    if (s->trace_path &&
        !vx_trace_open(s, vtd_iommu_cap(s->unit), vtd_iommu_ecap(s->unit),
                       errp)) {
        vtd_iommu_free(s->unit);
        s->unit = NULL;
        return;
    }

    memory_region_init_io(&s->mmio, OBJECT(s), &vx_mmio_ops, s,
                          "vtdemu-iommu", vtd_iommu_mmio_size(s->unit));
    sysbus_init_mmio(SYS_BUS_DEVICE(s), &s->mmio);
    sysbus_mmio_map(SYS_BUS_DEVICE(s), 0, s->base);

    s->spaces = g_hash_table_new(g_direct_hash, g_direct_equal);
    pci_setup_iommu(pcms->bus, vx_find_as, s);
    s->ioapic_space = vx_new_as(s, NULL, 0);
    x86ms->ioapic_as = &s->ioapic_space->as;

    s->exit_notifier.notify = vx_exit;
    qemu_add_exit_notifier(&s->exit_notifier);
}

static void vx_reset(DeviceState *dev)
{
    VtdemuState *s = VTDEMU_IOMMU(dev);

    if (s->unit) {
        /* The trace format has no reset: a capture covers one boot. */
        if (s->resets++ && vx_tracing(s)) {
            vx_trace_close(s, "machine reset: capture ends here");
        }
        vtd_iommu_reset(s->unit);
        vx_flush();
    }
}

static Property vx_properties[] = {
    DEFINE_PROP_STRING("profile", VtdemuState, profile),
    DEFINE_PROP_ON_OFF_AUTO("caching-mode", VtdemuState, caching_mode,
                            ON_OFF_AUTO_AUTO),
    DEFINE_PROP_UINT8("aw-bits", VtdemuState, aw_bits, 0),
    DEFINE_PROP_ON_OFF_AUTO("scalable", VtdemuState, scalable,
                            ON_OFF_AUTO_AUTO),
    DEFINE_PROP_ON_OFF_AUTO("eim", VtdemuState, eim, ON_OFF_AUTO_AUTO),
    DEFINE_PROP_STRING("trace", VtdemuState, trace_path),
    DEFINE_PROP_STRING("stats", VtdemuState, stats_path),
    DEFINE_PROP_UINT64("base", VtdemuState, base, 0xfed90000ULL),
    DEFINE_PROP_UINT16("ioapic-sid", VtdemuState, ioapic_sid, 0xff00),
    DEFINE_PROP_END_OF_LIST(),
};

/* The unit's state lives in the library, which has no migration format. */
static const VMStateDescription vx_vmstate = {
    .name = TYPE_VTDEMU_IOMMU,
    .unmigratable = 1,
};

static void vx_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    X86IOMMUClass *xc = X86_IOMMU_DEVICE_CLASS(klass);

    dc->reset = vx_reset;
    dc->vmsd = &vx_vmstate;
    device_class_set_props(dc, vx_properties);
    dc->hotpluggable = false;
    dc->user_creatable = true;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    dc->desc = "Intel VT-d remapping unit emulated by libvtdemu";
    xc->realize = vx_realize;
    xc->int_remap = vx_int_remap;
}

static void vx_mr_class_init(ObjectClass *klass, void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = vx_translate;
    imrc->notify_flag_changed = vx_notify_flag_changed;
    imrc->replay = vx_replay;
}

static const TypeInfo vx_info = {
    .name = TYPE_VTDEMU_IOMMU,
    .parent = TYPE_X86_IOMMU_DEVICE,
    .instance_size = sizeof(VtdemuState),
    .class_init = vx_class_init,
};

static const TypeInfo vx_mr_info = {
    .name = TYPE_VTDEMU_IOMMU_MR,
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .class_init = vx_mr_class_init,
};

static void vx_register_types(void)
{
    type_register_static(&vx_info);
    type_register_static(&vx_mr_info);
}

type_init(vx_register_types)
