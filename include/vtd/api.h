/* SPDX-License-Identifier: MIT */
/*
 * vtd/api.h: the export marker shared by every public header of vtdemu.
 * Included by <vtd/vtd.h>, <vtd/notify.h> and <vtd/layout.h>; an embedder
 * never needs to include it directly.
 */
#ifndef VTD_API_H
#define VTD_API_H

#ifndef VTD_API
#if defined(VTD_BUILDING_LIBRARY) && defined(__GNUC__)
#define VTD_API __attribute__((visibility("default")))
#else
#define VTD_API
#endif
#endif

#endif /* VTD_API_H */
