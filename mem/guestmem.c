/* SPDX-License-Identifier: MIT */
/* mem/guestmem.c: sparse guest-physical memory (see guestmem.h). */
#include "guestmem.h"

#include <errno.h>
#include <glib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct gm_page {
    uint64_t pfn;                      /* gpa >> 12 */
    bool all_ram;                      /* every byte of the page is RAM */
    _Alignas(8) uint8_t data[GUESTMEM_PAGE_SIZE];
};

struct gm_range {
    uint64_t base, size;
};

/*
 * Page index: an open-addressing hash table of page pointers that readers
 * search without a lock.  Slots only ever go from NULL to a page (pages
 * are never removed before guestmem_free()), and a slot's page is stored
 * with release order after the page is filled in, so a reader that loads
 * it with acquire order sees its pfn.  When the table is half full the
 * adder builds a table twice the size and publishes it; the old one stays
 * allocated (on the retired list) until guestmem_free(), so a reader still
 * searching it is safe and at worst misses a page added at the same
 * moment, which is the "not ordered" case of concurrent read and write.
 */
struct gm_table {
    unsigned bits;                     /* 1 << bits slots */
    unsigned shift;                    /* 64 - bits, for slot_of() */
    size_t mask;                       /* (1 << bits) - 1 */
    struct gm_table *retired;          /* older tables, for freeing */
    _Atomic(struct gm_page *) slot[];
};

#define GM_TABLE_BITS0 10u

struct guestmem {
    GArray *ranges;                    /* struct gm_range, sorted by base */
    _Atomic(struct gm_table *) table;  /* current page index */
    GMutex add_lock;                   /* serialises page additions */
    unsigned npages;                   /* under add_lock */
    _Atomic uint64_t allocated;
};

static struct gm_table *table_new(unsigned bits)
{
    struct gm_table *t = g_malloc0(sizeof(*t) +
                                   (sizeof(t->slot[0]) << bits));
    t->bits = bits;
    t->shift = 64 - bits;
    t->mask = ((size_t)1 << bits) - 1;
    return t;
}

static inline size_t slot_of(const struct gm_table *t, uint64_t pfn)
{
    return (size_t)((pfn * 0x9e3779b97f4a7c15ULL) >> t->shift);
}

/* Lock-free lookup; the probe is bounded by the table size. */
static inline struct gm_page *page_lookup(struct guestmem *m, uint64_t pfn)
{
    struct gm_table *t = atomic_load_explicit(&m->table,
                                              memory_order_acquire);
    size_t mask = t->mask;
    size_t i = slot_of(t, pfn);
    for (size_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
        struct gm_page *pg = atomic_load_explicit(&t->slot[i],
                                                  memory_order_acquire);
        if (!pg)
            return NULL;
        if (pg->pfn == pfn)
            return pg;
    }
    return NULL;
}

/* Caller holds add_lock; the table has a free slot. */
static void table_put(struct gm_table *t, struct gm_page *pg)
{
    size_t mask = t->mask;
    size_t i = slot_of(t, pg->pfn);
    while (atomic_load_explicit(&t->slot[i], memory_order_relaxed))
        i = (i + 1) & mask;
    atomic_store_explicit(&t->slot[i], pg, memory_order_release);
}

static struct gm_page *page_get_or_alloc(struct guestmem *m, uint64_t pfn)
{
    struct gm_page *pg = page_lookup(m, pfn);
    if (pg)
        return pg;
    g_mutex_lock(&m->add_lock);
    pg = page_lookup(m, pfn);
    if (!pg) {
        struct gm_table *t = atomic_load_explicit(&m->table,
                                                  memory_order_relaxed);
        if ((size_t)(m->npages + 1) * 2 > ((size_t)1 << t->bits)) {
            struct gm_table *nt = table_new(t->bits + 1);
            for (size_t i = 0; i < ((size_t)1 << t->bits); i++) {
                struct gm_page *old = atomic_load_explicit(
                    &t->slot[i], memory_order_relaxed);
                if (old)
                    table_put(nt, old);
            }
            nt->retired = t;
            atomic_store_explicit(&m->table, nt, memory_order_release);
            t = nt;
        }
        pg = g_new0(struct gm_page, 1);
        pg->pfn = pfn;
        /* RAM ranges are never removed, so this stays true. */
        pg->all_ram = guestmem_is_ram(m, pfn * GUESTMEM_PAGE_SIZE,
                                      GUESTMEM_PAGE_SIZE);
        table_put(t, pg);
        m->npages++;
        atomic_fetch_add(&m->allocated, GUESTMEM_PAGE_SIZE);
    }
    g_mutex_unlock(&m->add_lock);
    return pg;
}

struct guestmem *guestmem_new(void)
{
    struct guestmem *m = g_new0(struct guestmem, 1);
    m->ranges = g_array_new(FALSE, FALSE, sizeof(struct gm_range));
    atomic_init(&m->table, table_new(GM_TABLE_BITS0));
    atomic_init(&m->allocated, 0);
    g_mutex_init(&m->add_lock);
    return m;
}

struct guestmem *guestmem_new_ram(uint64_t size)
{
    struct guestmem *m = guestmem_new();
    if (size && guestmem_add_ram(m, 0, size) < 0) {
        guestmem_free(m);
        return NULL;
    }
    return m;
}

void guestmem_free(struct guestmem *m)
{
    if (!m)
        return;
    struct gm_table *t = atomic_load(&m->table);
    for (size_t i = 0; i < ((size_t)1 << t->bits); i++)
        g_free(atomic_load_explicit(&t->slot[i], memory_order_relaxed));
    while (t) {
        struct gm_table *older = t->retired;
        g_free(t);
        t = older;
    }
    g_array_free(m->ranges, TRUE);
    g_mutex_clear(&m->add_lock);
    g_free(m);
}

int guestmem_add_ram(struct guestmem *m, uint64_t base, uint64_t size)
{
    if (!m || size == 0 || base + (size - 1) < base)
        return -EINVAL;
    uint64_t last = base + (size - 1);
    guint at = 0;
    for (guint i = 0; i < m->ranges->len; i++) {
        const struct gm_range *r = &g_array_index(m->ranges,
                                                  struct gm_range, i);
        uint64_t rlast = r->base + (r->size - 1);
        if (base <= rlast && r->base <= last)
            return -EINVAL;
        if (r->base < base)
            at = i + 1;
    }
    struct gm_range nr = { base, size };
    g_array_insert_val(m->ranges, at, nr);
    return 0;
}

/* Parse one number with an optional binary suffix.  Returns false on
 * syntax error or overflow. */
static bool parse_size(const char *s, const char *end, uint64_t *out)
{
    if (s == end)
        return false;
    unsigned shift = 0;
    switch (end[-1]) {
    case 'K': case 'k': shift = 10; break;
    case 'M': case 'm': shift = 20; break;
    case 'G': case 'g': shift = 30; break;
    case 'T': case 't': shift = 40; break;
    default: break;
    }
    if (shift)
        end--;
    if (s == end)
        return false;
    char buf[40];
    size_t n = (size_t)(end - s);
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    guint64 v;
    GError *err = NULL;
    gboolean ok;
    if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
        ok = g_ascii_string_to_unsigned(buf + 2, 16, 0, G_MAXUINT64, &v,
                                        &err);
    else
        ok = g_ascii_string_to_unsigned(buf, 10, 0, G_MAXUINT64, &v, &err);
    g_clear_error(&err);
    if (!ok)
        return false;
    if (shift && v > (G_MAXUINT64 >> shift))
        return false;
    *out = v << shift;
    return true;
}

int guestmem_add_ram_desc(struct guestmem *m, const char *desc)
{
    if (!m || !desc || !*desc)
        return -EINVAL;
    /* Parse everything first so that a bad item adds nothing. */
    GArray *items = g_array_new(FALSE, FALSE, sizeof(struct gm_range));
    const char *p = desc;
    int rc = 0;
    while (rc == 0) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *plus = memchr(p, '+', (size_t)(end - p));
        struct gm_range r = { 0, 0 };
        if (plus) {
            if (!parse_size(p, plus, &r.base) ||
                !parse_size(plus + 1, end, &r.size))
                rc = -EINVAL;
        } else if (!parse_size(p, end, &r.size)) {
            rc = -EINVAL;
        }
        if (rc == 0)
            g_array_append_val(items, r);
        if (!comma)
            break;
        p = comma + 1;
    }
    /* Check the new ranges against each other and the existing ones by
     * adding them to a scratch copy. */
    if (rc == 0) {
        struct guestmem *scratch = guestmem_new();
        for (guint i = 0; i < m->ranges->len && rc == 0; i++) {
            const struct gm_range *r = &g_array_index(m->ranges,
                                                      struct gm_range, i);
            rc = guestmem_add_ram(scratch, r->base, r->size);
        }
        for (guint i = 0; i < items->len && rc == 0; i++) {
            const struct gm_range *r = &g_array_index(items,
                                                      struct gm_range, i);
            rc = guestmem_add_ram(scratch, r->base, r->size);
        }
        guestmem_free(scratch);
    }
    for (guint i = 0; i < items->len && rc == 0; i++) {
        const struct gm_range *r = &g_array_index(items, struct gm_range, i);
        rc = guestmem_add_ram(m, r->base, r->size);
    }
    g_array_free(items, TRUE);
    return rc;
}

bool guestmem_is_ram(const struct guestmem *m, uint64_t gpa, size_t len)
{
    if (!m || len == 0)
        return false;
    uint64_t last = gpa + (len - 1);
    if (last < gpa)
        return false;
    /* Ranges are sorted and disjoint; adjacent ones may together cover
     * the access. */
    uint64_t cur = gpa;
    for (guint i = 0; i < m->ranges->len; i++) {
        const struct gm_range *r = &g_array_index(m->ranges,
                                                  struct gm_range, i);
        uint64_t rlast = r->base + (r->size - 1);
        if (cur < r->base)
            return false;
        if (cur > rlast)
            continue;
        if (last <= rlast)
            return true;
        cur = rlast + 1;
    }
    return false;
}

unsigned guestmem_nranges(const struct guestmem *m)
{
    return m ? m->ranges->len : 0;
}

bool guestmem_range(const struct guestmem *m, unsigned i, uint64_t *base,
                    uint64_t *size)
{
    if (!m || i >= m->ranges->len)
        return false;
    const struct gm_range *r = &g_array_index(m->ranges, struct gm_range, i);
    if (base)
        *base = r->base;
    if (size)
        *size = r->size;
    return true;
}

uint64_t guestmem_allocated(const struct guestmem *m)
{
    if (!m)
        return 0;
    return atomic_load(&((struct guestmem *)m)->allocated);
}

/* Pages are never freed before guestmem_free(), so a page pointer stays
 * valid once found. */
int guestmem_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct guestmem *m = opaque;
    if (len == 0)
        return 0;
    if (!m || !buf || gpa + (len - 1) < gpa)
        return -EFAULT;
    uint8_t *out = buf;
    while (len) {
        uint64_t off = gpa & (GUESTMEM_PAGE_SIZE - 1);
        size_t n = GUESTMEM_PAGE_SIZE - off;
        if (n > len)
            n = len;
        /* A page wholly inside RAM needs no range check. */
        const struct gm_page *pg = page_lookup(m, gpa / GUESTMEM_PAGE_SIZE);
        if (!(pg && pg->all_ram) && !guestmem_is_ram(m, gpa, n))
            return -EFAULT;
        if (pg)
            memcpy(out, pg->data + off, n);
        else
            memset(out, 0, n);
        out += n;
        gpa += n;
        len -= n;
    }
    return 0;
}

int guestmem_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    struct guestmem *m = opaque;
    if (len == 0)
        return 0;
    if (!m || !buf || !guestmem_is_ram(m, gpa, len))
        return -EFAULT;
    const uint8_t *in = buf;
    while (len) {
        uint64_t off = gpa & (GUESTMEM_PAGE_SIZE - 1);
        size_t n = GUESTMEM_PAGE_SIZE - off;
        if (n > len)
            n = len;
        struct gm_page *pg = page_get_or_alloc(m, gpa / GUESTMEM_PAGE_SIZE);
        memcpy(pg->data + off, in, n);
        in += n;
        gpa += n;
        len -= n;
    }
    return 0;
}

static uint64_t to_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(v);
#else
    return v;
#endif
}

int guestmem_cmpxchg64(void *opaque, uint64_t gpa, uint64_t *expected,
                       uint64_t desired)
{
    struct guestmem *m = opaque;
    if (!m || !expected)
        return -EINVAL;
    if (gpa & 7)
        return -EINVAL;
    /* A page wholly inside RAM needs no range check. */
    struct gm_page *pg = page_lookup(m, gpa / GUESTMEM_PAGE_SIZE);
    if (!(pg && pg->all_ram)) {
        if (!guestmem_is_ram(m, gpa, 8))
            return -EFAULT;
        /* The page must exist to hold an atomic word: allocate it (a
         * zero page compares like the zeros a read returns). */
        pg = page_get_or_alloc(m, gpa / GUESTMEM_PAGE_SIZE);
    }
    uint64_t *word = (uint64_t *)(void *)(pg->data +
                                          (gpa & (GUESTMEM_PAGE_SIZE - 1)));
    uint64_t e = to_le64(*expected);
    if (__atomic_compare_exchange_n(word, &e, to_le64(desired), false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return 0;
    *expected = to_le64(e);
    return -EAGAIN;
}

/* Read-only zeros for pages never written (guestmem_map). */
static const _Alignas(8) uint8_t zero_page[GUESTMEM_PAGE_SIZE];

const void *guestmem_map(void *opaque, uint64_t gpa, size_t len)
{
    struct guestmem *m = opaque;
    uint64_t off = gpa & (GUESTMEM_PAGE_SIZE - 1);
    if (!m || len == 0 || len > GUESTMEM_PAGE_SIZE - off)
        return NULL;
    const struct gm_page *pg = page_lookup(m, gpa / GUESTMEM_PAGE_SIZE);
    if (!(pg && pg->all_ram) && !guestmem_is_ram(m, gpa, len))
        return NULL;
    return pg ? pg->data + off : zero_page + off;
}

void guestmem_host_ops(struct vtd_host_ops *ops)
{
    if (!ops)
        return;
    ops->version = VTD_HOST_OPS_VERSION;
    ops->read = guestmem_read;
    ops->write = guestmem_write;
    ops->cmpxchg64 = guestmem_cmpxchg64;
    ops->map = guestmem_map;
}
