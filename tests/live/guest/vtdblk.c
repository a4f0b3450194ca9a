/* vtdblk: the guest's disk workload for the live QEMU tests (tests/live).
 *
 *   vtdblk check DEV MIB      write MIB MiB of a pseudo-random pattern with
 *                             O_DIRECT, read it back with O_DIRECT, compare
 *   vtdblk bench DEV seq|rand SECONDS
 *                             QD1 O_DIRECT reads: sequential 64 KiB or random
 *                             4 KiB within the first 64 MiB of DEV
 *
 * Results go to stdout as one line starting with "VTDLIVE ", key=value pairs
 * the host runner parses.  Every failure prints "VTDLIVE error ..." and exits
 * non-zero.  Built with gcc -static by scripts/qemu-guest.sh; runs under
 * busybox in the initramfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)       /* bytes per write/read call in check mode */
#define BENCH_SPAN (64u << 20) /* bench reads stay within the first 64 MiB */

static const char *dev_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void fail(const char *dev, const char *what)
{
    printf("VTDLIVE error dev=%s what=%s errno=%d msg=\"%s\"\n", dev, what, errno,
           strerror(errno));
    fflush(stdout);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64: the pattern word at a given 8-byte index, so that a block read
 * back from the wrong place does not match. */
static uint64_t pattern(uint64_t seed, uint64_t index)
{
    uint64_t z = seed + index * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t mix(uint64_t sum, const uint64_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sum = (sum ^ w[i]) * 0x100000001b3ull;
    return sum;
}

static void fill(uint64_t *buf, uint64_t seed, uint64_t first, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(seed, first + i);
}

static int check(const char *path, unsigned mib)
{
    const char *dev = dev_name(path);
    uint64_t total = (uint64_t)mib << 20;
    uint64_t seed = now_ns() ^ ((uint64_t)getpid() << 32);
    void *mem;
    if (posix_memalign(&mem, 4096, CHUNK) != 0)
        fail(dev, "alloc");
    uint64_t *buf = mem;
    size_t words = CHUNK / 8;

    int fd = open(path, O_RDWR | O_DIRECT | O_SYNC);
    if (fd < 0)
        fail(dev, "open");
    uint64_t wsum = 0xcbf29ce484222325ull, t0 = now_ns();
    for (uint64_t off = 0; off < total; off += CHUNK) {
        fill(buf, seed, off / 8, words);
        wsum = mix(wsum, buf, words);
        ssize_t r = pwrite(fd, buf, CHUNK, (off_t)off);
        if (r != (ssize_t)CHUNK)
            fail(dev, "write");
    }
    if (fsync(fd) != 0)
        fail(dev, "fsync");
    uint64_t t1 = now_ns();

    /* Read back into a poisoned buffer: a read that DMA never filled shows
     * up as a mismatch, not as the previous chunk's data. */
    uint64_t rsum = 0xcbf29ce484222325ull, bad_blocks = 0;
    uint64_t expect[4096 / 8];
    for (uint64_t off = 0; off < total; off += CHUNK) {
        memset(buf, 0xa5, CHUNK);
        ssize_t r = pread(fd, buf, CHUNK, (off_t)off);
        if (r != (ssize_t)CHUNK)
            fail(dev, "read");
        rsum = mix(rsum, buf, words);
        for (size_t b = 0; b < CHUNK / 4096; b++) {
            fill(expect, seed, (off + b * 4096) / 8, 4096 / 8);
            if (memcmp(expect, (char *)buf + b * 4096, 4096) != 0)
                bad_blocks++;
        }
    }
    uint64_t t2 = now_ns();
    close(fd);
    printf("VTDLIVE data dev=%s bytes=%" PRIu64 " wsum=%016" PRIx64 " rsum=%016" PRIx64
           " bad4k=%" PRIu64 " write_ms=%" PRIu64 " read_ms=%" PRIu64 " result=%s\n",
           dev, total, wsum, rsum, bad_blocks, (t1 - t0) / 1000000, (t2 - t1) / 1000000,
           (bad_blocks == 0 && wsum == rsum) ? "match" : "MISMATCH");
    fflush(stdout);
    free(mem);
    return (bad_blocks == 0 && wsum == rsum) ? 0 : 1;
}

static int bench(const char *path, const char *kind, unsigned seconds)
{
    const char *dev = dev_name(path);
    int seq = strcmp(kind, "seq") == 0;
    if (!seq && strcmp(kind, "rand") != 0) {
        fprintf(stderr, "vtdblk: kind must be seq or rand\n");
        return 2;
    }
    size_t bs = seq ? 65536 : 4096;
    void *buf;
    if (posix_memalign(&buf, 4096, bs) != 0)
        fail(dev, "alloc");
    int fd = open(path, O_RDONLY | O_DIRECT);
    if (fd < 0)
        fail(dev, "open");
    uint64_t rng = 0x2545f4914f6cdd1dull ^ now_ns();
    uint64_t ops = 0, off = 0, blocks = BENCH_SPAN / bs;
    uint64_t t0 = now_ns(), end = t0 + (uint64_t)seconds * 1000000000u, t;
    do {
        if (seq) {
            off = (ops % blocks) * bs;
        } else {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            off = (rng % blocks) * bs;
        }
        if (pread(fd, buf, bs, (off_t)off) != (ssize_t)bs)
            fail(dev, "read");
        ops++;
        t = now_ns();
    } while (t < end);
    double s = (double)(t - t0) / 1e9;
    printf("VTDLIVE bench dev=%s kind=%s bs=%zu ops=%" PRIu64 " ns=%" PRIu64
           " MBps=%.1f iops=%.0f\n",
           dev, kind, bs, ops, t - t0, (double)ops * (double)bs / s / 1e6, (double)ops / s);
    fflush(stdout);
    close(fd);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "check") == 0)
        return check(argv[2], (unsigned)strtoul(argv[3], NULL, 0));
    if (argc == 5 && strcmp(argv[1], "bench") == 0)
        return bench(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 0));
    fprintf(stderr, "usage: vtdblk check DEV MIB | vtdblk bench DEV seq|rand SECONDS\n");
    return 2;
}
