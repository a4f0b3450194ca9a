/* SPDX-License-Identifier: MIT */
/*
 * trace/trace.h: the vtdtrace text format (traces/FORMAT.md), parsed
 * into a list of commands.
 *
 * The parser never aborts on its input: any text (binary garbage, huge
 * lines, NUL bytes) either parses or gives -EINVAL with a one-line error
 * "FILE:LINE: message".  There are no fixed limits on line length, file
 * size or the number of lines.
 *
 * Threading: a struct trace is immutable after parsing and may be shared
 * by threads that only read it.
 */
#ifndef TRACE_TRACE_H
#define TRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vtd/vtd.h>

/* Highest format version this parser understands. */
#define TRACE_VERSION_MAX 2

enum trace_op {
    TRACE_MEM_WRITE = 1, /* mem write ADDR HEX */
    TRACE_MEM_EXPECT,    /* mem expect ADDR HEX */
    TRACE_MMIO_WRITE,    /* mmio write ADDR SIZE VALUE */
    TRACE_MMIO_READ,     /* mmio read ADDR SIZE [expect= [mask=]] */
    TRACE_REG_WRITE,     /* reg write NAME VALUE (v2) */
    TRACE_REG_READ,      /* reg read NAME [expect= [mask=]] (v2) */
    TRACE_DMA,           /* dma SID read|write IOVA ... */
    TRACE_MSI,           /* msi SID|- ADDR DATA ... */
    TRACE_ATS,           /* ats SID IOVA ... (v2; parse_ats.c) */
    TRACE_PAGE_REQ,      /* page-request SID ADDR ACCESS prgi= ... (v2) */
    TRACE_PAGE_RESP,     /* page-response SID rc= ... (v2) */
    TRACE_PRDEV,         /* prdev SID read|write ADDR ... (v2) */
};

/* ats: which completion fields an expectation checks (trace_cmd
 * ats_checks). */
enum {
    TRACE_ATSC_ADDR = 1u << 0,
    TRACE_ATSC_SIZE = 1u << 1,
    TRACE_ATSC_R = 1u << 2,
    TRACE_ATSC_W = 1u << 3,
    TRACE_ATSC_X = 1u << 4,
    TRACE_ATSC_U = 1u << 5,
    TRACE_ATSC_N = 1u << 6,
    TRACE_ATSC_S = 1u << 7,
    TRACE_ATSC_PRIV = 1u << 8,
};

/* Commands on the machine around the units (v2): CPUs (local APICs),
 * IOAPICs and posted-interrupt descriptors.  Such a command has op 0 and
 * mop set (so that code switching on op ignores them). */
enum trace_mop {
    TRACE_M_NONE = 0,
    TRACE_M_CPU_EXPECT,   /* cpu ID expect irr= isr= tmr= virr= */
    TRACE_M_CPU_ACK,      /* cpu ID ack [expect=VEC|none] */
    TRACE_M_CPU_EOI,      /* cpu ID eoi [expect=VEC|none] */
    TRACE_M_CPU_GUEST,    /* cpu ID guest-mode on nv= pid= | off */
    TRACE_M_PID_EXPECT,   /* pid ADDR expect on= sn= pir= */
    TRACE_M_IOAPIC_WRITE, /* ioapic write REG VALUE [id=] */
    TRACE_M_IOAPIC_READ,  /* ioapic read REG [expect= [mask=]] [id=] */
    TRACE_M_IOAPIC_ASSERT,   /* ioapic assert PIN [id=] */
    TRACE_M_IOAPIC_DEASSERT, /* ioapic deassert PIN [id=] */
};

/* cpu expect / pid expect: which vector sets are checked. */
enum {
    TRACE_VSET_IRR = 0,
    TRACE_VSET_ISR,
    TRACE_VSET_TMR,
    TRACE_VSET_VIRR,
    TRACE_VSET_PIR,
    TRACE_VSET_N
};

enum trace_expect {
    TRACE_EXP_NONE = 0,
    TRACE_EXP_OK,          /* dma */
    TRACE_EXP_FAULT,       /* dma */
    TRACE_EXP_REMAPPED,    /* msi */
    TRACE_EXP_PASSTHROUGH, /* msi */
    TRACE_EXP_BLOCKED,     /* msi */
    TRACE_EXP_POSTED,      /* msi */
};

/* A tri-state for optional yes/no keys. */
enum trace_tri { TRACE_UNSET = -1, TRACE_NO = 0, TRACE_YES = 1 };

struct trace_cmd {
    enum trace_op op;
    unsigned line;          /* 1-based line number in the file */
    const char *text;       /* the line without its comment (owned) */
    int unit;               /* index into trace.units, -1 = route */

    uint64_t addr;          /* mem/mmio address, DMA IOVA, MSI address */
    unsigned size;          /* mmio/reg access size (4 or 8; 0 = reg's) */
    uint64_t value;         /* mmio/reg write value, MSI data */
    const char *reg;        /* reg name (owned, upper case) */
    uint8_t *bytes;         /* mem write/expect (owned) */
    size_t nbytes;

    /* mmio read / reg read */
    bool has_expect;
    uint64_t expect, mask;

    /* dma and msi */
    uint16_t sid;
    bool sid_valid;         /* false for '-' (msi only) */
    bool is_write;
    uint32_t len;           /* dma bytes */
    uint32_t pasid;         /* VTD_NO_PASID if none */
    uint32_t access;        /* enum vtd_access bits */
    enum vtd_at at;
    enum trace_expect exp;
    bool has_gpa;
    uint64_t gpa;
    bool has_reason;
    unsigned reason;
    enum trace_tri recorded;
    /* msi remapped: which fields are checked (bit per field) */
    unsigned irq_checks;    /* TRACE_IRQ_* */
    uint32_t dest;
    uint8_t vector, dm, tm, dlm, rh;
    enum trace_tri notify;  /* posted */
    enum trace_tri stale;   /* lint: a stale cache hit was reported */

    /* machine commands (v2): op is 0 and mop says which */
    enum trace_mop mop;
    uint32_t apic_id;       /* cpu: the CPU's APIC id */
    int ioapic;             /* ioapic: index into trace.ioapics */
    unsigned vset_mask;     /* 1 << TRACE_VSET_*: sets checked */
    uint64_t vset[TRACE_VSET_N][4];  /* expected 256-bit vector sets */
    /* page-request / page-response (v2; VT-d 7.4-7.6) */
    uint16_t prgi;
    bool has_prgi;
    bool lpig;
    int prq_expect;         /* enum vtd_prq_outcome, 0 unset */
    int resp_rc;            /* response code; -1 none, -2 unset */
    bool pasid_checked;     /* page-response: pasid= given */
    enum trace_tri automatic;
    int dev_expect;         /* prdev: TRACE_DEV_*, 0 unset */

    enum trace_tri on, sn;  /* pid expect */
    bool guest_on;          /* cpu guest-mode */
    uint8_t nv;             /* cpu guest-mode on: notification vector */
    int ack_vector;         /* ack/eoi expect: vector, -1 none, -2 unset */

    /* ats (v2): a translation request (sid, pasid, addr = IOVA, access:
     * VTD_ACC_PRIV/EXEC, nw) and its expected completion: status (enum
     * vtd_ats_status, -1 unset), the fields ats_checks names in ats_exp,
     * has_reason/reason and recorded. */
    bool nw;
    int ats_status;
    unsigned ats_checks;    /* TRACE_ATSC_* */
    struct vtd_ats_cpl ats_exp;
    /* The other ATS commands (parse_ats.c, traces/FORMAT.md "ATS"):
     * which one, and their operands. */
    int ats_sub;            /* TRACE_ATS_* */
    bool ats_auto;          /* device: answers invalidations by itself */
    bool ats_enable;        /* device: ATS Control.E */
    bool ats_enable_set;    /* device: ats= given (else the ATSR decides) */
    unsigned ats_entries, ats_stu, ats_qdepth;   /* device */
    uint32_t ats_itags;     /* complete: ITag vector */
    unsigned ats_cc;        /* complete: completion count (0 = 8) */
    int64_t ats_count;      /* pending/devtlb: expected count, -1 unset */
    int64_t ats_itag;       /* pending: ITag, -1 unset */
    enum trace_tri ats_gi, ats_hit, ats_present, ats_accepted;
    bool ats_has_base, ats_has_size, ats_has_pasid;
    uint64_t ats_base, ats_size;
    int ats_dma_exp;        /* dma: TRACE_ATSD_*, -1 none */
};

/* ATS command kinds (trace_cmd ats_sub). */
enum {
    TRACE_ATS_TRANSLATE = 0,  /* ats SID IOVA ... */
    TRACE_ATS_DEVICE,         /* ats device SID ... */
    TRACE_ATS_COMPLETE,       /* ats complete SID ITAGS ... */
    TRACE_ATS_PENDING,        /* ats pending [SID] ... */
    TRACE_ATS_DMA,            /* ats dma SID read|write IOVA ... */
    TRACE_ATS_DEVTLB,         /* ats devtlb SID [IOVA] ... */
    TRACE_ATS_CLOCK,          /* clock advance NS */
};

/* ats dma expectations. */
enum { TRACE_ATSD_OK = 0, TRACE_ATSD_FAULT, TRACE_ATSD_DENIED };

/* prdev outcomes (pci/prdev.h). */
enum { TRACE_DEV_DONE = 1, TRACE_DEV_WAIT, TRACE_DEV_FAULT,
       TRACE_DEV_PRI_OFF };

enum {
    TRACE_IRQ_DEST = 1u << 0,
    TRACE_IRQ_VECTOR = 1u << 1,
    TRACE_IRQ_DM = 1u << 2,
    TRACE_IRQ_TM = 1u << 3,
    TRACE_IRQ_DLM = 1u << 4,
    TRACE_IRQ_RH = 1u << 5,
};

/* A device scope item of a unit: SIDs first..last. */
struct trace_scope {
    uint16_t first, last;
};

struct trace_unit {
    const char *name;       /* "iommu" for the v1 line; owned */
    unsigned line;
    uint64_t base;
    const char *profile;    /* owned, or NULL */
    bool has_cap, has_ecap;
    uint64_t cap, ecap;
    uint32_t ver, haw;
    enum vtd_cache_policy cache;
    bool lint;
    bool scope_all;         /* translates every SID not in another scope */
    struct trace_scope *scope;
    size_t nscope;
};

struct trace_ram {
    uint64_t base, size;
};

/* A CPU (v2 `cpu APICID [x2apic] [ldr=] [dfr=] [tpr=]` or the machine's
 * cpus). */
struct trace_cpu {
    unsigned line;
    uint32_t apic_id;
    bool x2apic;
    uint8_t ldr;            /* xAPIC logical id (LDR 31:24) */
    bool cluster;           /* xAPIC DFR cluster model (default flat) */
    uint8_t tpr;            /* task priority (default 0) */
};

/* An IOAPIC (v2 `ioapic base= id= sid=` or the machine's IOAPICs). */
struct trace_ioapic {
    unsigned line;
    uint64_t base;
    uint8_t id;
    uint16_t sid;
};

struct trace {
    const char *path;       /* owned */
    unsigned version;
    struct trace_ram *ram;  /* default: one range [0, 4 GiB) */
    size_t nram;
    struct trace_unit *units;
    size_t nunits;
    struct trace_cmd *cmds;
    size_t ncmds;
    size_t nexpect;         /* expectations in the file */
    struct trace_cpu *cpus; /* v2: none unless given */
    size_t ncpus;
    struct trace_ioapic *ioapics;
    size_t nioapics;
    /* From a machine description (segment 0): which requesters may use
     * ATS (VT-d 8.5, machine_ats_ranges(); has_ats_policy false without
     * a machine) and its ATS-capable endpoints, which the replay creates
     * as ATS devices (`ats device` defaults). */
    bool has_ats_policy;
    struct board_ats_range *ats_ranges;
    size_t nats_ranges;
    uint16_t *ats_endpoints;
    size_t nats_endpoints;
};

/*
 * Parse text (len bytes, need not be NUL-terminated) read from path (used
 * in messages only).  On success *out owns a new trace (trace_free()).
 * Errors: -EINVAL with "path:line: message" in errbuf (when non-NULL).
 */
int trace_parse(const char *path, const char *text, size_t len,
                struct trace **out, char *errbuf, size_t errlen);

/* Read and parse a file.  Errors: -EINVAL (parse error, message in
 * errbuf), or the negative errno of the failed read (message too). */
int trace_load(const char *path, struct trace **out, char *errbuf,
               size_t errlen);

/* `vtdemu run`: parse as if the trace began with `machine MACHINE`
 * (MACHINE relative to the working directory).  A trace with its own
 * ram, iommu, unit or machine line is an error naming that line. */
int trace_parse_on_machine(const char *path, const char *text, size_t len,
                           const char *machine, struct trace **out,
                           char *errbuf, size_t errlen);
int trace_load_on_machine(const char *path, const char *machine,
                          struct trace **out, char *errbuf, size_t errlen);

void trace_free(struct trace *t);

/* Number of expectations a command carries (0, 1 or 2: the expect= group
 * and the lint stale= group each count as one). */
unsigned trace_cmd_expectations(const struct trace_cmd *c);

/* Parse "BB:DD.F" (hex).  Returns false on bad syntax or range. */
bool trace_parse_sid(const char *s, uint16_t *sid);

/* Register names of the "reg" command (v2).  Looks name up for a unit
 * with the given CAP and ECAP: FRCDn_LO/FRCDn_HI (n < CAP.NFR + 1), IVA
 * and IOTLB follow CAP.FRO and ECAP.IRO.  Returns true and fills the
 * offset and natural size, or false for an unknown name. */
bool trace_reg_lookup(const char *name, uint64_t cap, uint64_t ecap,
                      uint64_t *off, unsigned *size);
/* True when name is a register name for some CAP/ECAP (parse check). */
bool trace_reg_name_valid(const char *name);

#endif
