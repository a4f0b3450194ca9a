/* SPDX-License-Identifier: MIT */
/*
 * mem/guestmem.h: sparse guest-physical memory.
 *
 * RAM is a set of address ranges.  Nothing is allocated for a range until
 * it is written: storage comes in 4 KiB pages allocated on the first write
 * to them, and reads of pages never written return zeros.  A RAM of many
 * GiB therefore costs only the pages a trace or a test actually touches.
 *
 * Accesses that are not entirely inside RAM fail with -EFAULT and change
 * nothing.  The read/write/cmpxchg64 functions have the signatures of the
 * struct vtd_host_ops callbacks (opaque = the struct guestmem), so a
 * guestmem can be given to vtd_iommu_new() directly.
 *
 * Threading: every function may be called concurrently from any thread,
 * except guestmem_free() and guestmem_add_ram(), which must not race with
 * anything else on the same memory.  Reads and guestmem_map() take no lock
 * and allocate nothing; the first write to a page takes a lock to add it.  guestmem_cmpxchg64() is atomic with
 * respect to other guestmem_cmpxchg64() calls on the same word.  Plain
 * reads and writes of the same bytes from different threads are not
 * ordered with each other (as on real memory without locks): a reader may
 * see a mix of old and new bytes.
 */
#ifndef MEM_GUESTMEM_H
#define MEM_GUESTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

#define GUESTMEM_PAGE_SIZE 4096u

struct guestmem;

/* A memory with no RAM.  Never fails (aborts only if the host is out of
 * memory, as glib does).  Free with guestmem_free(). */
struct guestmem *guestmem_new(void);
/* A memory with RAM [0, size). */
struct guestmem *guestmem_new_ram(uint64_t size);
void guestmem_free(struct guestmem *m);

/* Add the RAM range [base, base + size).  Returns 0, or -EINVAL when size
 * is 0, the range wraps past 2^64 or overlaps a range already present. */
int guestmem_add_ram(struct guestmem *m, uint64_t base, uint64_t size);

/* Add RAM from a description: a comma-separated list of SIZE (meaning
 * [0, SIZE)) or BASE+SIZE items; numbers are decimal or 0x hex with an
 * optional K, M, G or T suffix (binary units).  "4G" is [0, 4 GiB);
 * "0x0+2G,0x100000000+2G" is two ranges.  Returns 0 or -EINVAL (nothing
 * is added then). */
int guestmem_add_ram_desc(struct guestmem *m, const char *desc);

/* True when [gpa, gpa + len) lies entirely inside RAM (len 0: false). */
bool guestmem_is_ram(const struct guestmem *m, uint64_t gpa, size_t len);

/* Number of RAM ranges, and range i (0-based, sorted by base). */
unsigned guestmem_nranges(const struct guestmem *m);
bool guestmem_range(const struct guestmem *m, unsigned i, uint64_t *base,
                    uint64_t *size);

/* Bytes of page storage currently allocated (a multiple of 4 KiB). */
uint64_t guestmem_allocated(const struct guestmem *m);

/* Copy len bytes.  Return 0, or -EFAULT when any byte is outside RAM (the
 * buffer is then left unspecified for reads; memory is unchanged for
 * writes).  len 0 is a no-op returning 0.  opaque is a struct guestmem. */
int guestmem_read(void *opaque, uint64_t gpa, void *buf, size_t len);
int guestmem_write(void *opaque, uint64_t gpa, const void *buf, size_t len);

/* Atomic compare-and-exchange of the little-endian 64-bit word at gpa,
 * which must be 8-byte aligned: if it equals *expected, store desired and
 * return 0; otherwise store its value in *expected and return -EAGAIN.
 * -EFAULT: outside RAM; -EINVAL: unaligned. */
int guestmem_cmpxchg64(void *opaque, uint64_t gpa, uint64_t *expected,
                       uint64_t desired);

/* The vtd_host_ops map callback (vtd.h): a pointer to the bytes
 * [gpa, gpa + len), which must lie inside one 4 KiB page of RAM, or NULL
 * (len 0, crossing a page, outside RAM).  A page never written maps to a
 * shared read-only page of zeros, so the pointer shows the memory as it
 * was at the call: a later first write to that page is not seen through
 * it.  Otherwise the pointer stays valid until guestmem_free().  Never
 * write through it.  Lock-free; allocates nothing.  8-byte aligned gpa
 * gives an 8-byte aligned pointer. */
const void *guestmem_map(void *opaque, uint64_t gpa, size_t len);

/* Fill ops->read, ops->write, ops->cmpxchg64 and ops->map with the
 * functions above (version set too; the other members are left as they
 * are). */
void guestmem_host_ops(struct vtd_host_ops *ops);

#endif
