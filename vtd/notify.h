/* SPDX-License-Identifier: MIT */
/* vtd/notify.h: caching-mode map/unmap subscribers (owned by notify.c). */
#ifndef VTD_NOTIFY_H
#define VTD_NOTIFY_H

struct vtd_iommu;

struct vtd_notify_state {
    void *impl;
};

int vtd_notify_init_(struct vtd_iommu *u);
void vtd_notify_free_(struct vtd_iommu *u);

#endif
