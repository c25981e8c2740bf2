/* The EPT walker (SDM Vol. 3C 29.3 "The extended page-table mechanism"): EPTP validity,
 * guest-physical to host-physical translation with EPT violations and misconfigurations,
 * accessed and dirty flags, and the EPT memory type.
 *
 * API
 *   ept_eptp_fault(eptp, cap, maxphyaddr)  the one EPTP rule (SDM 25.6.11, 27.2.1.1),
 *       shared by VM entry (ck_eptp), INVEPT (vmx_eptp_valid) and VMFUNC EPTP switching:
 *       NULL when valid, else what is wrong. `cap` is IA32_VMX_EPT_VPID_CAP as the
 *       processor reports it (vmx_cap(c, MSR_VMX_EPT_VPID_CAP), 0 while EPT is not
 *       offered, so that every EPTP is invalid then).
 *   ept_translate(m, c, ctx, req, out)     one walk: `ctx` says which EPT (EPTP, the
 *       capability word, MAXPHYADDR, mode-based execute control), `req` what is accessed
 *       (guest-physical address, read/write/fetch, final translation or guest paging-
 *       structure access, guest-linear address if any and what guest paging said about
 *       it). The result is EPT_OK with the host-physical address, the page size, the
 *       permissions of the whole translation and the leaf's memory type and "ignore PAT";
 *       or EPT_VIOLATION with the exit qualification (SDM 28.2.1 Table 28-7) except bit
 *       12, NMI unblocking due to IRET, which the caller ORs in (EPT_QUAL_NMI_UNBLOCK);
 *       or EPT_MISCONFIG (no qualification); or, with ctx->pml_full, EPT_PML_FULL when the
 *       walk would set an accessed or dirty flag (a page-modification log-full event).
 *       Tables are read and A/D flags written with
 *       phys_read/phys_write, so they may live anywhere; unbacked memory reads as the bus
 *       gives it (all ones: a misconfiguration). A walk that ends in a violation or a
 *       misconfiguration writes nothing.
 *   ept_memtype(ept_type, ipat, pat_type)   the effective memory type (SDM 29.3.7.2).
 *
 * Wiring (ept_gpa.c): the guest-physical access path of the
 * page walker calls ept_translate with req.paging set for each guest paging-structure read
 * and A/D write (gla_valid set, except for the PAE PDPTE loads of MOV CR3 and VM entry),
 * and the TLB fill calls it for the final guest-physical address with the guest paging
 * result (user/writable/nx, for mode-based execute control and advanced exit
 * information). EPT_VIOLATION and EPT_MISCONFIG become VM exits 48 and 49
 * with the guest-physical (and guest-linear) address fields. The TLB may cache `perm` and
 * `hpa` under the EPTP tag; a write through an entry whose D flag is clear must walk again
 * so that D (and a PML entry, from `dirtied`) is set. */
#ifndef VP_VMX_EPT_H
#define VP_VMX_EPT_H

#include "../common.h"

struct cpu;
struct machine;

/* Memory types (SDM Vol. 3A 12.3 Table 12-2, PAT encodings 12.12.3). */
enum memtype { MT_UC = 0, MT_WC = 1, MT_WT = 4, MT_WP = 5, MT_WB = 6, MT_UCM = 7 };

/* EPTP fields (SDM 25.6.11 Table 25-9). */
#define EPTP_MEMTYPE(e) ((unsigned)(e)&7)
#define EPTP_WALK_LEVELS(e) ((((unsigned)(e) >> 3) & 7) + 1)
#define EPTP_AD BIT(6)
#define EPTP_SSS BIT(7)

/* EPT paging-structure entry bits (SDM 29.3.2 Tables 29-1 to 29-6). */
#define EPTE_R BIT(0)
#define EPTE_W BIT(1)
#define EPTE_X BIT(2) /* supervisor-mode execute with mode-based execute control */
#define EPTE_MEMTYPE(e) (((unsigned)(e) >> 3) & 7)
#define EPTE_IPAT BIT(6)
#define EPTE_PS BIT(7)
#define EPTE_A BIT(8)
#define EPTE_D BIT(9)
#define EPTE_XU BIT(10) /* user-mode execute with mode-based execute control */
#define EPTE_SUPPRESS_VE BIT(63)

/* Exit qualification of an EPT violation (SDM 28.2.1 Table 28-7). */
#define EPT_QUAL_READ BIT(0)
#define EPT_QUAL_WRITE BIT(1)
#define EPT_QUAL_FETCH BIT(2)
#define EPT_QUAL_READABLE BIT(3)
#define EPT_QUAL_WRITABLE BIT(4)
#define EPT_QUAL_EXECUTABLE BIT(5) /* supervisor-executable with mode-based execute */
#define EPT_QUAL_USER_EXECUTABLE BIT(6)
#define EPT_QUAL_GLA_VALID BIT(7)
#define EPT_QUAL_FINAL BIT(8)    /* the translation of a linear address, not a walk */
#define EPT_QUAL_GLA_USER BIT(9) /* advanced information (EPT_CAP_ADV_EXIT_INFO) */
#define EPT_QUAL_GLA_RW BIT(10)
#define EPT_QUAL_GLA_XD BIT(11)
#define EPT_QUAL_NMI_UNBLOCK BIT(12)

/* The EPT a walk uses. */
struct ept_ctx {
    u64 eptp;            /* valid per ept_eptp_fault */
    u64 cap;             /* IA32_VMX_EPT_VPID_CAP */
    unsigned maxphyaddr; /* the processor's physical-address width */
    bool mbec;           /* "mode-based execute control for EPT" */
    /* "enable PML" with the PML index outside 0..511: a walk that needs to set an A or D
     * flag ends in EPT_PML_FULL instead, writing nothing (SDM 29.3.6). */
    bool pml_full;
};

/* Access kinds: bits 2:0 of the exit qualification; a read-modify-write is both. */
enum { EPT_READ = 1, EPT_WRITE = 2, EPT_FETCH = 4 };

/* One guest-physical access. */
struct ept_req {
    u64 gpa;
    u64 gla;        /* guest-linear address, meaningful when gla_valid */
    unsigned kind;  /* EPT_READ | EPT_WRITE | EPT_FETCH */
    bool paging;    /* an access to a guest paging-structure entry, not the final one */
    bool gla_valid; /* false only for PAE PDPTE loads (and accesses without one) */
    /* The guest paging result for the linear address (final accesses only): user-mode
     * address, read/write page, execute-disable page. Picks the executable bit under
     * mode-based execute control and fills the advanced qualification bits 11:9. */
    bool user, writable, nx;
};

enum ept_status { EPT_OK, EPT_VIOLATION, EPT_MISCONFIG, EPT_PML_FULL };

struct ept_result {
    enum ept_status status;
    u64 hpa;          /* EPT_OK: the host-physical address */
    u64 perm;         /* AND over the entries used of EPTE_R, EPTE_W, EPTE_X (and EPTE_XU
                       * with mode-based execute control) */
    u64 qual;         /* EPT_VIOLATION: exit qualification without bit 12 */
    u64 entry;        /* the leaf, or the entry where the walk stopped (its suppress-#VE) */
    unsigned level;   /* level of `entry`: 1 PTE (4 KiB), 2 PDE (2 MiB), 3 PDPTE (1 GiB),
                       * 4 PML4E, 5 PML5E */
    unsigned memtype; /* EPT_OK: the leaf's EPT memory type */
    bool ipat;        /* EPT_OK: the leaf's "ignore PAT" */
    bool dirtied;     /* EPT_OK: this walk set a dirty flag (a PML entry, 29.3.6) */
};

/* NULL if `eptp` is valid for a processor reporting `cap` with `maxphyaddr` bits. */
const char *ept_eptp_fault(u64 eptp, u64 cap, unsigned maxphyaddr);
static inline bool ept_eptp_valid(u64 eptp, u64 cap, unsigned maxphyaddr)
{
    return !ept_eptp_fault(eptp, cap, maxphyaddr);
}

enum ept_status ept_translate(struct machine *m, struct cpu *c, const struct ept_ctx *ctx,
                              const struct ept_req *req, struct ept_result *out);

/* Effective memory type of a final access (SDM 29.3.7.2): UC with guest CR0.CD = 1;
 * otherwise the EPT type in the MTRR's place in SDM Vol. 3A Table 12-7 with the guest PAT
 * type, or the EPT type alone with "ignore PAT". The MTRRs play no part. */
unsigned ept_memtype(bool cd, unsigned ept_type, bool ipat, unsigned pat_type);
/* Its name: "UC", "WC", "WT", "WP", "WB", "UC-" ("?" for the reserved encodings). */
const char *ept_memtype_name(unsigned type);

#endif
