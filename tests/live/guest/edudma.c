/* edudma: the fault case of the live QEMU tests (tests/live).
 *
 *   edudma IOVA
 *
 * Finds QEMU's educational device (-device edu, PCI 1234:11e8) in sysfs,
 * sets Memory Space Enable and Bus Master Enable in its command register
 * through the sysfs "config" file, maps BAR0 through "resource0", and starts
 * its DMA engine reading 8 bytes from IOVA (RAM to device) into the device's
 * buffer.  No driver is bound to the device, so Linux never mapped any IOVA
 * in its domain: the read must be blocked by the remapping unit and reported
 * as a fault.  Prints "VTDLIVE edu ..." lines; exits non-zero when the device
 * is missing or does not complete the command.
 *
 * Device registers (QEMU docs/specs/edu): 0x00 identification (low byte
 * 0xed), 0x04 liveness (reads back the inverse), 0x80 DMA source, 0x88 DMA
 * destination, 0x90 DMA count, 0x98 DMA command (bit 0 start, bit 1
 * direction, 0 = RAM to device); the device buffer is at 0x40000 and 4 KiB
 * long; the default DMA mask is 28 bits. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_ID 0x00
#define EDU_LIVE 0x04
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_BUF 0x40000
#define EDU_DMA_MASK ((1ull << 28) - 1)

static int read_hex(const char *dir, const char *file, unsigned *out)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fscanf(f, "%x", out) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

static void die(const char *what)
{
    printf("VTDLIVE edu error what=%s errno=%d msg=\"%s\"\n", what, errno, strerror(errno));
    fflush(stdout);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: edudma IOVA\n");
        return 2;
    }
    uint64_t iova = strtoull(argv[1], NULL, 0);
    if (iova & ~EDU_DMA_MASK) {
        fprintf(stderr, "edudma: IOVA above the device's 28-bit DMA mask\n");
        return 2;
    }

    char dir[300] = "";
    DIR *d = opendir("/sys/bus/pci/devices");
    if (!d)
        die("opendir");
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[300];
        unsigned vendor, device;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "/sys/bus/pci/devices/%s", e->d_name);
        if (read_hex(p, "vendor", &vendor) == 0 && read_hex(p, "device", &device) == 0 &&
            vendor == 0x1234 && device == 0x11e8) {
            snprintf(dir, sizeof dir, "%s", p);
            break;
        }
    }
    closedir(d);
    if (!dir[0]) {
        errno = ENODEV;
        die("find");
    }
    printf("VTDLIVE edu device=%s\n", strrchr(dir, '/') + 1);

    /* Command register (PCI config offset 4): bit 1 memory space, bit 2 bus
     * master. */
    char path[400];
    snprintf(path, sizeof path, "%s/config", dir);
    int cfd = open(path, O_RDWR);
    if (cfd < 0)
        die("open-config");
    uint16_t cmd;
    if (pread(cfd, &cmd, 2, 4) != 2)
        die("read-command");
    cmd |= 0x6;
    if (pwrite(cfd, &cmd, 2, 4) != 2)
        die("write-command");
    if (pread(cfd, &cmd, 2, 4) != 2)
        die("read-command");
    close(cfd);

    snprintf(path, sizeof path, "%s/resource0", dir);
    int fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0)
        die("open-resource0");
    volatile uint8_t *bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (bar == MAP_FAILED)
        die("mmap");
#define R32(o) (*(volatile uint32_t *)(bar + (o)))
#define R64(o) (*(volatile uint64_t *)(bar + (o)))
    uint32_t id = R32(EDU_ID);
    R32(EDU_LIVE) = 0x12345678;
    uint32_t live = R32(EDU_LIVE);
    printf("VTDLIVE edu id=%08x command=%04x live=%s\n", id, cmd,
           live == ~0x12345678u ? "yes" : "no");
    if ((id & 0xff) != 0xed || live != ~0x12345678u) {
        errno = EIO;
        die("identify");
    }

    R64(EDU_DMA_SRC) = iova;
    R64(EDU_DMA_DST) = EDU_BUF;
    R64(EDU_DMA_CNT) = 8;
    R64(EDU_DMA_CMD) = 1; /* start, RAM to device, no interrupt */
    printf("VTDLIVE edu dma-start iova=0x%" PRIx64 "\n", iova);
    fflush(stdout);

    /* The device runs the transfer from a 100 ms timer and then clears the
     * start bit. */
    struct timespec ts = {0, 10 * 1000 * 1000};
    int i;
    for (i = 0; i < 500 && (R64(EDU_DMA_CMD) & 1); i++)
        nanosleep(&ts, NULL);
    int done = !(R64(EDU_DMA_CMD) & 1);
    printf("VTDLIVE edu dma-%s iova=0x%" PRIx64 "\n", done ? "done" : "timeout", iova);
    fflush(stdout);
    munmap((void *)bar, 1 << 20);
    close(fd);
    return done ? 0 : 1;
}
