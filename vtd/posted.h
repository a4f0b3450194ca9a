/* SPDX-License-Identifier: MIT */
/* vtd/posted.h: posted-interrupt descriptors (VT-d 5.2, 9.11). */
#ifndef VTD_POSTED_H
#define VTD_POSTED_H

#include <stdbool.h>
#include <stdint.h>

struct vtd_iommu;
struct vtd_irq;

/* Posted Interrupt Descriptor layout (VT-d 9.11: VTD_PID_SIZE, PID_CTL_*
 * fields, reserved masks): <vtd/layout.h>. */

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
