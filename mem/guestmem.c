/* SPDX-License-Identifier: MIT */
/* mem/guestmem.c: sparse guest-physical memory (see guestmem.h). */
#include "guestmem.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

struct gm_page {
    uint64_t pfn;                      /* hash key: gpa >> 12 */
    _Alignas(8) uint8_t data[GUESTMEM_PAGE_SIZE];
};

struct gm_range {
    uint64_t base, size;
};

struct guestmem {
    GArray *ranges;         /* struct gm_range, sorted by base */
    GHashTable *pages;      /* &pfn -> struct gm_page */
    GRWLock lock;           /* pages: shared for lookup, exclusive to add */
    uint64_t allocated;     /* updated under the exclusive lock */
};

struct guestmem *guestmem_new(void)
{
    struct guestmem *m = g_new0(struct guestmem, 1);
    m->ranges = g_array_new(FALSE, FALSE, sizeof(struct gm_range));
    m->pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                     g_free);
    g_rw_lock_init(&m->lock);
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
    g_hash_table_destroy(m->pages);
    g_array_free(m->ranges, TRUE);
    g_rw_lock_clear(&m->lock);
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
    struct guestmem *mm = (struct guestmem *)m;
    g_rw_lock_reader_lock(&mm->lock);
    uint64_t v = m->allocated;
    g_rw_lock_reader_unlock(&mm->lock);
    return v;
}

static struct gm_page *page_lookup(struct guestmem *m, uint64_t pfn)
{
    g_rw_lock_reader_lock(&m->lock);
    struct gm_page *pg = g_hash_table_lookup(m->pages, &pfn);
    g_rw_lock_reader_unlock(&m->lock);
    return pg;
}

static struct gm_page *page_get_or_alloc(struct guestmem *m, uint64_t pfn)
{
    struct gm_page *pg = page_lookup(m, pfn);
    if (pg)
        return pg;
    g_rw_lock_writer_lock(&m->lock);
    pg = g_hash_table_lookup(m->pages, &pfn);
    if (!pg) {
        pg = g_new0(struct gm_page, 1);
        pg->pfn = pfn;
        g_hash_table_insert(m->pages, &pg->pfn, pg);
        m->allocated += GUESTMEM_PAGE_SIZE;
    }
    g_rw_lock_writer_unlock(&m->lock);
    return pg;
}

/* Pages are never freed before guestmem_free(), so a page pointer stays
 * valid after the lock is dropped. */
int guestmem_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct guestmem *m = opaque;
    if (len == 0)
        return 0;
    if (!m || !buf || !guestmem_is_ram(m, gpa, len))
        return -EFAULT;
    uint8_t *out = buf;
    while (len) {
        uint64_t off = gpa & (GUESTMEM_PAGE_SIZE - 1);
        size_t n = GUESTMEM_PAGE_SIZE - off;
        if (n > len)
            n = len;
        const struct gm_page *pg = page_lookup(m, gpa / GUESTMEM_PAGE_SIZE);
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
    if (!guestmem_is_ram(m, gpa, 8))
        return -EFAULT;
    /* The page must exist to hold an atomic word: allocate it (a zero
     * page compares like the zeros a read returns). */
    struct gm_page *pg = page_get_or_alloc(m, gpa / GUESTMEM_PAGE_SIZE);
    uint64_t *word = (uint64_t *)(void *)(pg->data +
                                          (gpa & (GUESTMEM_PAGE_SIZE - 1)));
    uint64_t e = to_le64(*expected);
    if (__atomic_compare_exchange_n(word, &e, to_le64(desired), false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return 0;
    *expected = to_le64(e);
    return -EAGAIN;
}

void guestmem_host_ops(struct vtd_host_ops *ops)
{
    if (!ops)
        return;
    ops->version = VTD_HOST_OPS_VERSION;
    ops->read = guestmem_read;
    ops->write = guestmem_write;
    ops->cmpxchg64 = guestmem_cmpxchg64;
}
