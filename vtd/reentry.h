/* SPDX-License-Identifier: MIT */
/*
 * vtd/reentry.h: which unit's host callback this thread is inside
 * (vtd.h, threading contract: re-entrant calls).
 *
 * Every call of a host callback (read, write, cmpxchg64, map, msi_send,
 * log, trace, a map notifier) pushes a frame naming the unit on the
 * calling thread's stack of frames; the entry points that may take the
 * unit's lock refuse with -EDEADLK when the unit is on that stack, instead
 * of deadlocking on the non-recursive lock or changing state in the middle
 * of an operation.  Frames live on the C stack of the caller; a thread
 * outside every callback has an empty stack (one TLS load to check).
 */
#ifndef VTD_REENTRY_H
#define VTD_REENTRY_H

#include <stdbool.h>
#include <stddef.h>

struct vtd_iommu;

struct vtd_cb_frame_ {
    const struct vtd_iommu *u;
    const struct vtd_cb_frame_ *prev;
};

/* Defined in core.c.  initial-exec like vtd_tls_shard_ (internal.h): the
 * IOTLB-hit path tests it with one %fs-relative load, no call. */
extern _Thread_local const struct vtd_cb_frame_ *vtd_tls_cb_
    __attribute__((tls_model("initial-exec")));

/* The IOTLB-hit path's one TLS word (translate.c): the byte offset in
 * struct vtd_iommu of this thread's hit counter (internal.h, shards), or
 * 0 while the thread has no shard yet or is inside a host callback; 0
 * sends the request to the slow path, which assigns the shard or refuses
 * the re-entrant call.  vtd_tls_hit_own_ keeps the offset meanwhile
 * (core.c, vtd_shard_assign_()). */
extern _Thread_local size_t vtd_tls_hit_
    __attribute__((tls_model("initial-exec")));
extern _Thread_local size_t vtd_tls_hit_own_
    __attribute__((tls_model("initial-exec")));

static inline void vtd_cb_enter_(struct vtd_cb_frame_ *f,
                                 const struct vtd_iommu *u)
{
    f->u = u;
    f->prev = vtd_tls_cb_;
    vtd_tls_cb_ = f;
    vtd_tls_hit_ = 0;
}

static inline void vtd_cb_exit_(const struct vtd_cb_frame_ *f)
{
    vtd_tls_cb_ = f->prev;
    if (!f->prev)
        vtd_tls_hit_ = vtd_tls_hit_own_;
}

/* True when this thread is inside a host callback of u (at any depth:
 * a callback of u that called unit B whose callback calls u again). */
static inline bool vtd_in_callback_(const struct vtd_iommu *u)
{
    for (const struct vtd_cb_frame_ *f = vtd_tls_cb_; f; f = f->prev)
        if (f->u == u)
            return true;
    return false;
}

#endif
