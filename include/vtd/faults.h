/* SPDX-License-Identifier: MIT */
/*
 * Fault reason codes, as reported in the FR field of a fault recording
 * register.  DMA-remapping codes: VT-d 7.1.3, Table 30 (condition codes in
 * the comments).  Interrupt-remapping codes: VT-d 5.1.4.1, Table 15.
 * Included by <vtd/vtd.h>.
 */
#ifndef VTD_FAULTS_H
#define VTD_FAULTS_H

enum vtd_fault_reason {
    VTD_FR_NONE = 0x00,

    /* Legacy mode (RTADDR.TTM = 00b) */
    VTD_FR_ROOT_NOT_PRESENT = 0x01,     /* LRT.2 */
    VTD_FR_CTX_NOT_PRESENT = 0x02,      /* LCT.2 */
    VTD_FR_CTX_INVALID = 0x03,          /* LCT.4.x */
    VTD_FR_ADDR_BEYOND_AW = 0x04,       /* LGN.1.x */
    VTD_FR_WRITE = 0x05,                /* LGN.2 */
    VTD_FR_READ = 0x06,                 /* LGN.3 */
    VTD_FR_SL_ACCESS = 0x07,            /* LSS.1 */
    VTD_FR_ROOT_ACCESS = 0x08,          /* LRT.1 */
    VTD_FR_CTX_ACCESS = 0x09,           /* LCT.1 */
    VTD_FR_ROOT_RSVD = 0x0a,            /* LRT.3 */
    VTD_FR_CTX_RSVD = 0x0b,             /* LCT.3 */
    VTD_FR_SL_RSVD = 0x0c,              /* LSS.2 */
    VTD_FR_CTX_TT_BLOCKED = 0x0d,       /* LCT.5 */
    VTD_FR_INTR_ADDR = 0x0e,            /* LGN.4 */

    /* Interrupt remapping (Table 15) */
    VTD_FR_IR_REQ_RSVD = 0x20,
    VTD_FR_IR_INDEX = 0x21,
    VTD_FR_IR_NOT_PRESENT = 0x22,
    VTD_FR_IR_TABLE_ACCESS = 0x23,
    VTD_FR_IR_RSVD = 0x24,
    VTD_FR_IR_COMPAT = 0x25,
    VTD_FR_IR_SID = 0x26,
    VTD_FR_IR_PID_ACCESS = 0x27,
    VTD_FR_IR_PID_RSVD = 0x28,
    VTD_FR_IR_INVALID_MSI = 0x29,       /* request to FEEx_xxxxh that is
                                         * not a valid interrupt */
    VTD_FR_IR_EIMER = 0x2a,             /* EIME=0 with ECAP.EIMER */
    VTD_FR_IR_IRREQ = 0x2b,             /* MSI with IR off, ECAP.IRREQ */

    /* Root-table address register */
    VTD_FR_RTA_INVALID = 0x30,          /* RTA.1.x */
    VTD_FR_RTA_LEGACY_PASID = 0x31,     /* RTA.2 */
    VTD_FR_RTA_LEGACY_PRQ = 0x32,       /* RTA.3 */
    VTD_FR_RTA_ABORT = 0x33,            /* RTA.4 */
    VTD_FR_RTA_EXEC = 0x34,             /* RTA.5 */

    /* Scalable-mode root table */
    VTD_FR_SRT_ACCESS = 0x38,           /* SRT.1 */
    VTD_FR_SRT_NOT_PRESENT = 0x39,      /* SRT.2 */
    VTD_FR_SRT_RSVD = 0x3a,             /* SRT.3 */

    /* Scalable-mode context table */
    VTD_FR_SCT_ACCESS = 0x40,           /* SCT.1 */
    VTD_FR_SCT_NOT_PRESENT = 0x41,      /* SCT.2 */
    VTD_FR_SCT_RSVD = 0x42,             /* SCT.3 */
    VTD_FR_SCT_INVALID = 0x43,          /* SCT.4.x */
    VTD_FR_SCT_DTE = 0x44,              /* SCT.5 */
    VTD_FR_SCT_PASIDE = 0x45,           /* SCT.6 */
    VTD_FR_SCT_PASID_RANGE = 0x46,      /* SCT.7 */
    VTD_FR_SCT_PRE = 0x47,              /* SCT.8 */
    VTD_FR_SCT_RID_PASID = 0x48,        /* SCT.9 */
    VTD_FR_SCT_EPTR = 0x49,             /* SCT.10 */

    /* Scalable-mode PASID directory */
    VTD_FR_SPD_ACCESS = 0x50,           /* SPD.1 */
    VTD_FR_SPD_NOT_PRESENT = 0x51,      /* SPD.2 */
    VTD_FR_SPD_RSVD = 0x52,             /* SPD.3 */

    /* Scalable-mode PASID table */
    VTD_FR_SPT_ACCESS = 0x58,           /* SPT.1 */
    VTD_FR_SPT_NOT_PRESENT = 0x59,      /* SPT.2 */
    VTD_FR_SPT_RSVD = 0x5a,             /* SPT.3 */
    VTD_FR_SPT_INVALID = 0x5b,          /* SPT.4.x */
    VTD_FR_SPT_EXEC = 0x5c,             /* SPT.5 */
    VTD_FR_SPT_SRE = 0x5d,              /* SPT.6 */
    VTD_FR_SPT_HPT_SIZE = 0x60,         /* SPT.9 */

    /* Scalable-mode first stage */
    VTD_FR_SFS_ACCESS = 0x70,           /* SFS.1 */
    VTD_FR_SFS_NOT_PRESENT = 0x71,      /* SFS.2 */
    VTD_FR_SFS_RSVD = 0x72,             /* SFS.3 */
    VTD_FR_SFS_ROOT_ACCESS = 0x73,      /* SFS.4 */
    VTD_FR_SFS_NESTED_AW = 0x74,        /* SFS.5 */
    VTD_FR_SFS_NESTED_ROOT_READ = 0x75, /* SFS.6 */
    VTD_FR_SFS_NESTED_READ = 0x76,      /* SFS.7 */
    VTD_FR_SFS_NESTED_AD = 0x77,        /* SFS.8 */
    VTD_FR_SFS_AD_NOSNOOP = 0x90,       /* SFS.9 */
    VTD_FR_SFS_AD_FAILED = 0x91,        /* SFS.10 */

    /* Scalable-mode second stage */
    VTD_FR_SSS_ACCESS = 0x78,           /* SSS.1 */
    VTD_FR_SSS_NO_PERM = 0x79,          /* SSS.2 */
    VTD_FR_SSS_RSVD = 0x7a,             /* SSS.3 */
    VTD_FR_SSS_ROOT_ACCESS = 0x7b,      /* SSS.4 */
    VTD_FR_SSS_AD_NOSNOOP = 0x7c,       /* SSS.5 */
    VTD_FR_SSS_AD_FAILED = 0x7d,        /* SSS.6 */

    /* Scalable-mode general */
    VTD_FR_SGN_CANONICAL = 0x80,        /* SGN.1 */
    VTD_FR_SGN_USER = 0x81,             /* SGN.2 */
    VTD_FR_SGN_HAW = 0x83,              /* SGN.4.x */
    VTD_FR_SGN_AW = 0x84,               /* SGN.5 */
    VTD_FR_SGN_WRITE = 0x85,            /* SGN.6 */
    VTD_FR_SGN_READ = 0x86,             /* SGN.7 */
    VTD_FR_SGN_INTR_ADDR = 0x87,        /* SGN.8.x */
    VTD_FR_SGN_PASID_SIZE = 0x89,       /* SGN.10 */

    /* Host permission table (translated requests, 4.2.4) */
    VTD_FR_HPT_ACCESS = 0xa0,           /* HPT.1 */
    VTD_FR_HPT_RSVD = 0xa1,             /* HPT.2 */
    VTD_FR_HPT_ROOT_ACCESS = 0xa2,      /* HPT.3 */
    VTD_FR_HPT_ZLR = 0xa3,              /* HPT.4 */
    VTD_FR_HPT_WRITE = 0xa4,            /* HPT.5 */
    VTD_FR_HPT_READ = 0xa5,             /* HPT.6 */

    /* Not a Table 30 code: a DMA request blocked by a protected memory
     * region (PMEN.EPM, VT-d 11.4.8.1), which "are not recorded or
     * reported as remapping faults" (recorded is always false). */
    VTD_FR_PMR_BLOCKED = 0x100,

    /* Not a Table 30 code: an ATS request (AT != 00b) the unit answers
     * with Unsupported Request without a remapping fault (VT-d 4.2.1: any
     * request with non-zero AT while remapping is disabled, TES=0; a
     * memory write with AT=01b).  Never recorded. */
    VTD_FR_ATS_UR = 0x101,
};

#endif /* VTD_FAULTS_H */
