/* SPDX-License-Identifier: MIT */
/* vtd/notify.c: STUB, to be replaced by caching-mode subscribers. */
#include "internal.h"

int vtd_notify_init_(struct vtd_iommu *u) { (void)u; return 0; }
void vtd_notify_free_(struct vtd_iommu *u) { (void)u; }
