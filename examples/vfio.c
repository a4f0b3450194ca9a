/* SPDX-License-Identifier: MIT */
/*
 * examples/vfio.c: a VFIO-style embedder of libvtdemu.
 *
 * An assigned device sits behind the emulated VT-d unit.  As with VFIO,
 * the device's DMA does not go through the emulator: it goes through the
 * host IOMMU, which the emulator programs from the guest's tables.  Here:
 *  - the unit runs in caching mode (CAP.CM=1, named in the config), so the
 *    guest invalidates after every change, and the emulator subscribes to
 *    the device's address space (vtd_notifier_add): MAP/UNMAP events
 *    program the "host IOMMU" (a table of 4 KiB slots over the device's
 *    2 MiB aperture);
 *  - a device thread checks every DMA against that host IOMMU only, and
 *    cross-checks with vtd_translate() (the path an emulated device
 *    would take);
 *  - the device's MSIs are remapped by vtd_interrupt(); the embedder
 *    delivers them through an eventfd to a thread playing the vCPU
 *    (irqfd-like); posted interrupts set PIR bits in the guest's
 *    posted-interrupt descriptor and notify through a second eventfd,
 *    and the vCPU thread harvests the PIR;
 *  - the guest (the main thread) maps and unmaps buffers meanwhile.
 * Every entry and descriptor is written with <vtd/layout.h>.
 *   cc vfio.c $(pkg-config --cflags --libs vtdemu) -pthread
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vtd/layout.h>
#include <vtd/vtd.h>

#define RAM_SIZE (8u << 20)
#define RT 0x10000u
#define CT 0x11000u
#define L3 0x20000u
#define L2 0x21000u
#define L1 0x22000u          /* IOVA 0 - 2 MiB: the device's aperture */
#define IQ 0x30000u          /* invalidation queue, 256 descriptors */
#define IRT 0x40000u         /* interrupt remapping table */
#define PID 0x41000u         /* posted-interrupt descriptor */
#define STATUS 0x42000u      /* invalidation wait status */
#define BUF 0x100000u        /* the device's buffers */
#define SID 0x28             /* 00:05.0 */
#define NBUF 32              /* stable buffers at IOVA 0x1000 * (i + 1) */
#define CHURN 0x80000u       /* IOVAs the guest maps and unmaps meanwhile */
#define ROUNDS 2000

static uint64_t *ram;        /* 8-byte words, accessed atomically */

/* ---- host side: guest memory for the unit ---- */
static int ram_read(void *op, uint64_t gpa, void *buf, size_t len)
{
    (void)op;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa || (gpa | len) & 7)
        return -1;
    for (size_t i = 0; i < len / 8; i++) {
        uint64_t v = __atomic_load_n(&ram[gpa / 8 + i], __ATOMIC_ACQUIRE);
        memcpy((char *)buf + 8 * i, &v, 8);
    }
    return 0;
}

static int ram_write(void *op, uint64_t gpa, const void *buf, size_t len)
{
    (void)op;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa || (len != 4 && len % 8))
        return -1;
    if (len == 4) { /* wait-descriptor status */
        uint32_t v;
        memcpy(&v, buf, 4);
        __atomic_store_n((uint32_t *)((char *)ram + gpa), v,
                         __ATOMIC_RELEASE);
        return 0;
    }
    for (size_t i = 0; i < len / 8; i++) {
        uint64_t v;
        memcpy(&v, (const char *)buf + 8 * i, 8);
        __atomic_store_n(&ram[gpa / 8 + i], v, __ATOMIC_RELEASE);
    }
    return 0;
}

/* Posted-interrupt descriptor updates must be atomic against the vCPU. */
static int ram_cmpxchg(void *op, uint64_t gpa, uint64_t *exp, uint64_t des)
{
    (void)op;
    if (gpa >= RAM_SIZE || gpa & 7)
        return -1;
    return __atomic_compare_exchange_n(&ram[gpa / 8], exp, des, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
               ? 0 : -11 /* -EAGAIN */;
}

static atomic_uint unit_events; /* fault / completion events (msi_send) */
static void unit_msi(void *op, uint64_t addr, uint32_t data)
{
    (void)op, (void)addr, (void)data;
    atomic_fetch_add(&unit_events, 1);
}

static void gwq(uint64_t gpa, uint64_t v)
{
    __atomic_store_n(&ram[gpa / 8], v, __ATOMIC_RELEASE);
}

/* ---- the host IOMMU, programmed only from MAP/UNMAP events ---- */
static struct {
    pthread_mutex_t lock;
    uint64_t gpa[512];       /* per 4 KiB slot of the aperture */
    uint32_t perm[512];      /* 0: not mapped */
    unsigned maps, unmaps;
} hio = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_map(void *op, const struct vtd_map_event *ev)
{
    (void)op;
    pthread_mutex_lock(&hio.lock);
    uint64_t end = ev->size ? ev->iova + ev->size : UINT64_MAX;
    for (uint64_t a = ev->iova; a < end && a < 512 * 4096ULL; a += 4096) {
        hio.perm[a / 4096] = ev->kind == VTD_MAP_EVENT ? ev->perm : 0;
        hio.gpa[a / 4096] = ev->gpa + (a - ev->iova);
    }
    if (ev->kind == VTD_MAP_EVENT)
        hio.maps++;
    else
        hio.unmaps++;
    pthread_mutex_unlock(&hio.lock);
}

/* The device's DMA through the host IOMMU: the output address or 0. */
static uint64_t hio_dma(uint64_t iova, uint32_t need)
{
    uint64_t out = 0;
    pthread_mutex_lock(&hio.lock);
    if (iova < 512 * 4096ULL && (hio.perm[iova / 4096] & need) == need)
        out = hio.gpa[iova / 4096] + (iova & 0xfff);
    pthread_mutex_unlock(&hio.lock);
    return out;
}

/* ---- the guest driver ---- */
static struct vtd_iommu *u;
static uint32_t iq_tail, wait_seq;

static void mmio_w(uint64_t off, unsigned size, uint64_t v)
{
    vtd_mmio_write(u, off, size, v);
}

/* Queue one descriptor, then a wait descriptor, and poll its status. */
static void qi(const uint64_t d[2])
{
    uint64_t w[2];
    vtd_qd_wait(w, false, true, false, false, ++wait_seq, STATUS);
    const uint64_t *both[2] = { d, w };
    for (int i = 0; i < 2; i++) {
        gwq(IQ + 16 * iq_tail, both[i][0]);
        gwq(IQ + 16 * iq_tail + 8, both[i][1]);
        iq_tail = (iq_tail + 1) % 256;
    }
    mmio_w(VTD_REG_IQT, 8, (uint64_t)iq_tail << 4);
    while (__atomic_load_n((uint32_t *)((char *)ram + STATUS),
                           __ATOMIC_ACQUIRE) != wait_seq)
        ;
}

/* Map or unmap one 4 KiB page, then the invalidation caching mode asks
 * for even from not present to present (VT-d 6.1). */
static void guest_map(uint64_t iova, uint64_t gpa, bool map)
{
    uint64_t e = 0, d[2];
    if (map)
        vtd_ss_entry_encode(&e, &(struct vtd_ss_entry){ .r = 1, .w = 1,
                                                        .addr = gpa });
    gwq(L1 + 8 * (iova >> 12), e);
    vtd_qd_iotlb(d, VTD_QD_IOTLB_PAGE, 1, true, true, iova, 0, false);
    qi(d);
}

/* ---- the vCPU thread: irqfd-like delivery and PIR harvesting ---- */
static int irqfd, pifd;
static atomic_bool stop;
static unsigned got_remapped, got_posted_vec, notifications;

static void harvest_pir(void)
{
    struct vtd_pid pd;
    for (int i = 0; i < 4; i++)
        pd.pir[i] = __atomic_exchange_n(&ram[PID / 8 + i], 0,
                                        __ATOMIC_ACQ_REL);
    if (pd.pir[0x51 / 64] >> (0x51 % 64) & 1) /* vIRR would get 0x51 */
        got_posted_vec++;
    /* ON back to 0 (bit 0 of the control qword) so the next post
     * notifies again (VT-d 5.2.3). */
    __atomic_fetch_and(&ram[PID / 8 + 4], ~(uint64_t)1, __ATOMIC_ACQ_REL);
}

static void *vcpu(void *arg)
{
    (void)arg;
    struct pollfd p[2] = { { irqfd, POLLIN, 0 }, { pifd, POLLIN, 0 } };
    while (!atomic_load(&stop)) {
        if (poll(p, 2, 10) <= 0)
            continue;
        uint64_t n;
        if ((p[0].revents & POLLIN) && read(irqfd, &n, 8) == 8)
            got_remapped += (unsigned)n;
        if ((p[1].revents & POLLIN) && read(pifd, &n, 8) == 8) {
            notifications += (unsigned)n;
            harvest_pir();
        }
    }
    return NULL;
}

/* ---- the assigned device ---- */
static unsigned dma_ok, dma_bad, sent_remapped, sent_posted;

static void *device(void *arg)
{
    (void)arg;
    struct vtd_msi_req m0 = { .sid = SID, .sid_valid = true },
                       m1 = { .sid = SID, .sid_valid = true };
    vtd_msi_remappable_encode(&m0.addr, &m0.data,
                              &(struct vtd_msi_remappable){ .handle = 0 });
    vtd_msi_remappable_encode(&m1.addr, &m1.data,
                              &(struct vtd_msi_remappable){ .handle = 1 });
    for (unsigned r = 0; r < ROUNDS; r++) {
        uint64_t iova = 0x1000ULL * (r % NBUF + 1) + 8 * (r % 64);
        uint64_t gpa = hio_dma(iova, VTD_PERM_W);
        struct vtd_dma_req q = { .sid = SID, .pasid = VTD_NO_PASID,
                                 .iova = iova, .size = 8,
                                 .access = VTD_ACC_WRITE };
        struct vtd_xlate x;
        vtd_translate(u, &q, &x);
        if (gpa && !x.fault && x.addr == gpa &&
            gpa == BUF + 0x1000ULL * (r % NBUF) + 8 * (r % 64)) {
            gwq(gpa, r);             /* the DMA write itself */
            dma_ok++;
        } else {
            dma_bad++;
        }
        if (hio_dma(0x100000 + 0x1000ULL * (r % 64), VTD_PERM_R))
            dma_bad++;               /* never mapped: must be refused */
        q.iova = CHURN + 0x1000ULL * (r % 16); /* racing the guest */
        vtd_translate(u, &q, &x);
        struct vtd_irq irq;
        if (vtd_interrupt(u, r % 4 ? &m0 : &m1, &irq) == 0) {
            uint64_t one = 1;
            if (irq.outcome == VTD_IRQ_REMAPPED && irq.vector == 0x30 &&
                irq.dest == 1 && write(irqfd, &one, 8) == 8)
                sent_remapped++;
            if (irq.outcome == VTD_IRQ_POSTED) {
                sent_posted++;
                if (irq.notify && irq.nv == 0xf2 && write(pifd, &one, 8) < 0)
                    dma_bad++;
            }
        }
    }
    return NULL;
}

int main(void)
{
    ram = calloc(RAM_SIZE / 8, 8);
    struct vtd_host_ops ops = { .version = VTD_HOST_OPS_VERSION,
                                .read = ram_read, .write = ram_write,
                                .cmpxchg64 = ram_cmpxchg,
                                .msi_send = unit_msi };
    struct vtd_config cfg = { .version = VTD_CONFIG_VERSION,
                              .profile = "full", .caching_mode = VTD_CM_ON };
    char err[256];
    struct vtd_notifier *nt;
    if (!ram || vtd_iommu_new(&cfg, &ops, NULL, &u, err, sizeof(err))) {
        fprintf(stderr, "vtd_iommu_new: %s\n", err);
        return 1;
    }
    /* Device attach: subscribe and take the current view (translation
     * is off: the identity, notify.h). */
    vtd_notifier_add(u, SID, VTD_NO_PASID, on_map, NULL, &nt);
    vtd_notifier_replay(u, nt);
    int identity = hio_dma(0x5000, VTD_PERM_W) == 0x5000;

    /* Guest: tables, queued invalidation, interrupt remapping, TE. */
    uint64_t q[2], e, pid[8];
    vtd_root_entry_encode(q, &(struct vtd_root_entry){ true, CT });
    gwq(RT, q[0]);
    vtd_context_entry_encode(q, &(struct vtd_context_entry){
        .present = true, .tt = VTD_TT_SS, .ssptptr = L3, .aw = 1, .did = 1 });
    gwq(CT + 16 * (SID & 0xff), q[0]);
    gwq(CT + 16 * (SID & 0xff) + 8, q[1]);
    vtd_ss_entry_encode(&e, &(struct vtd_ss_entry){ .r = 1, .w = 1,
                                                    .addr = L2 });
    gwq(L3, e);
    vtd_ss_entry_encode(&e, &(struct vtd_ss_entry){ .r = 1, .w = 1,
                                                    .addr = L1 });
    gwq(L2, e);
    vtd_irte_remapped_encode(q, &(struct vtd_irte_remapped){
        .present = true, .vector = 0x30, .dst = 1u << 8, .sid = SID,
        .svt = VTD_SVT_SID });
    gwq(IRT, q[0]);
    gwq(IRT + 8, q[1]);
    vtd_irte_posted_encode(q, &(struct vtd_irte_posted){
        .present = true, .vector = 0x51, .pid = PID, .sid = SID,
        .svt = VTD_SVT_SID });
    gwq(IRT + 16, q[0]);
    gwq(IRT + 24, q[1]);
    vtd_pid_encode(pid, &(struct vtd_pid){ .nv = 0xf2, .ndst = 0 });
    for (int i = 0; i < 8; i++)
        gwq(PID + 8 * i, pid[i]);
    mmio_w(VTD_REG_RTADDR, 8, RT);
    mmio_w(VTD_REG_GCMD, 4, VTD_GCMD_SRTP);
    mmio_w(VTD_REG_IQA, 8, IQ);
    mmio_w(VTD_REG_GCMD, 4, VTD_GCMD_QIE);
    uint64_t d[2];
    vtd_qd_cc(d, VTD_QD_CC_GLOBAL, 0, 0, 0);
    qi(d);
    vtd_qd_iotlb(d, VTD_QD_IOTLB_GLOBAL, 0, true, true, 0, 0, false);
    qi(d);
    mmio_w(VTD_REG_IRTA, 8, IRT | 7);
    mmio_w(VTD_REG_GCMD, 4, VTD_GCMD_QIE | VTD_GCMD_SIRTP);
    mmio_w(VTD_REG_GCMD, 4, VTD_GCMD_QIE | VTD_GCMD_IRE);
    mmio_w(VTD_REG_GCMD, 4, VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_TE);
    int no_identity = hio_dma(0x5000, VTD_PERM_W) == 0; /* TE: gone */
    for (unsigned i = 0; i < NBUF; i++)
        guest_map(0x1000ULL * (i + 1), BUF + 0x1000ULL * i, true);

    irqfd = eventfd(0, EFD_NONBLOCK);
    pifd = eventfd(0, EFD_NONBLOCK);
    pthread_t tv, td;
    pthread_create(&tv, NULL, vcpu, NULL);
    pthread_create(&td, NULL, device, NULL);
    for (unsigned r = 0; r < 200; r++) /* the guest keeps remapping */
        guest_map(CHURN + 0x1000ULL * (r % 16), 0x200000 + 0x1000ULL * r,
                  r / 16 % 2 == 0);
    pthread_join(td, NULL);
    usleep(50 * 1000);
    atomic_store(&stop, true);
    pthread_join(tv, NULL);
    harvest_pir();

    for (unsigned i = 0; i < NBUF; i++)
        guest_map(0x1000ULL * (i + 1), 0, false);
    for (unsigned i = 0; i < 16; i++)
        guest_map(CHURN + 0x1000ULL * i, 0, false);
    unsigned left = 0;
    for (unsigned s = 0; s < 512; s++)
        left += hio.perm[s] != 0;
    printf("host IOMMU: %u MAP, %u UNMAP events, %u slots left mapped\n"
           "DMA: %u ok, %u wrong; MSIs remapped %u sent / %u delivered; "
           "posted %u, %u notifications, vector 0x51 harvested %u times\n",
           hio.maps, hio.unmaps, left, dma_ok, dma_bad, sent_remapped,
           got_remapped, sent_posted, notifications, got_posted_vec);
    int ok = identity && no_identity && left == 0 && dma_bad == 0 &&
             dma_ok == ROUNDS && sent_remapped == got_remapped &&
             sent_remapped == ROUNDS - ROUNDS / 4 &&
             sent_posted == ROUNDS / 4 && got_posted_vec >= 1 &&
             got_posted_vec <= notifications + 1 &&
             atomic_load(&unit_events) == 0;
    vtd_iommu_free(u);
    close(irqfd);
    close(pifd);
    free(ram);
    puts(ok ? "vfio: ok" : "vfio: FAILED");
    return ok ? 0 : 1;
}
