/* SPDX-License-Identifier: MIT */
/* vtd/translate.c: STUB, to be replaced by the DMA pipeline. */
#include "internal.h"

int vtd_translate(struct vtd_iommu *u, const struct vtd_dma_req *req, struct vtd_xlate *out)
{
    if (!u || !req || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->addr = req->iova;
    out->page_size = 4096;
    out->perm = VTD_PERM_R | VTD_PERM_W;
    return 0;
}
