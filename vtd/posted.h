/* SPDX-License-Identifier: MIT */
/* vtd/posted.h: posted-interrupt descriptors (VT-d 5.2, 9.11). */
#ifndef VTD_POSTED_H
#define VTD_POSTED_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;
struct vtd_irq;

/* Posted Interrupt Descriptor, 64 bytes (VT-d 9.11).  Qwords 0-3 hold
 * PIR[255:0]; qword 4 the control fields below; qwords 5-7 reserved. */
#define VTD_PID_SIZE 64u
#define VTD_PID_CTL_QW 4u
FIELD(PID_CTL, ON, 0, 1);      /* bit 256 */
FIELD(PID_CTL, SN, 1, 1);      /* bit 257 */
FIELD(PID_CTL, NV, 16, 8);     /* bits 279:272 */
FIELD(PID_CTL, NDST, 32, 32);  /* bits 319:288 */
FIELD(PID_CTL, NDST_X, 40, 8); /* xAPIC: bits 303:296 = APIC id[7:0] */
/* Reserved: 271:258 and 287:280; in xAPIC mode also 295:288, 319:304. */
#define VTD_PID_CTL_RSVD       0x00000000ff00fffcULL
#define VTD_PID_CTL_RSVD_XAPIC 0xffff00ff00000000ULL

/* Bound on compare-exchange retries against concurrent CPU updates of one
 * descriptor qword; exceeding it is treated as a descriptor access error
 * (the guest would have to rewrite the word continuously to hit it). */
#define VTD_PID_CAS_RETRIES 100000u

/*
 * Post vector to the descriptor at pid (VT-d 5.2.3): read and check the
 * descriptor, set PIR[vector] atomically, then set ON and report the
 * notification event when ON was clear and (urg or SN clear).  x2apic
 * selects the NDST format (IRTA.EIME).  On success fills out->outcome
 * (VTD_IRQ_POSTED), pid_addr, vector, notify, nv, ndst, x2apic and
 * returns 0; otherwise returns the fault reason (27h descriptor access
 * error, 28h reserved descriptor field) and leaves out->outcome alone.
 * Allocation-free; may be called concurrently from any thread.
 */
unsigned vtd_pi_post_(struct vtd_iommu *u, uint64_t pid, uint8_t vector,
                      bool urg, bool x2apic, struct vtd_irq *out);

#endif
