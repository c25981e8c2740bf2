/* The EPT walker: EPTP validity, guest-physical address translation, accessed and dirty
 * flags and memory typing (SDM Vol. 3C 29.3). ept.h describes the API and its wiring. */
#include "ept.h"

#include "../machine/machine.h"
#include "caps.h"

/* --- EPTP (SDM 25.6.11; checked by VM entry 27.2.1.1, INVEPT and VMFUNC 26.5.6.3) ------ */

const char *ept_eptp_fault(u64 eptp, u64 cap, unsigned maxphyaddr)
{
    unsigned mt = EPTP_MEMTYPE(eptp), levels = EPTP_WALK_LEVELS(eptp);
    if (!((mt == MT_UC && (cap & EPT_CAP_UC)) || (mt == MT_WB && (cap & EPT_CAP_WB))))
        return "memory type not offered";
    if (!((levels == 4 && (cap & EPT_CAP_PWL4)) || (levels == 5 && (cap & EPT_CAP_PWL5))))
        return "page-walk length not offered";
    if ((eptp & EPTP_AD) && !(cap & EPT_CAP_AD)) return "A/D flags not offered";
    if ((eptp & EPTP_SSS) && !(cap & EPT_CAP_SSS))
        return "supervisor shadow-stack control not offered";
    if (eptp & 0xf00) return "reserved bits 11:8";
    if (maxphyaddr < 64 && (eptp >> maxphyaddr)) return "address beyond MAXPHYADDR";
    return NULL;
}

/* --- The walk (SDM 29.3.2, 29.3.3, 29.3.5) --------------------------------------------- */

/* Bits that must be 0 in a present entry of each level besides 51:MAXPHYADDR, for an
 * entry that references a table and one that maps a page (SDM 29.3.2 Tables 29-1 to
 * 29-6); `page_cap` is the capability that lets bit 7 map a page at that level (PML5E and
 * PML4E have bit 7 in their reserved bits). Levels: 1 PTE, 2 PDE, 3 PDPTE, 4 PML4E, 5
 * PML5E. */
static const struct ept_level {
    u64 rsvd_table, rsvd_page, page_cap;
} levels[6] = {
    [1] = {0, 0, 0},                                 /* PTE: always a page; bit 7 ignored */
    [2] = {0x78, 0x00000000001ff000ull, EPT_CAP_2M}, /* 6:3 | 20:12 */
    [3] = {0x78, 0x000000003ffff000ull, EPT_CAP_1G}, /* 6:3 | 29:12 */
    [4] = {0xf8, 0, 0},                              /* 7:3 */
    [5] = {0xf8, 0, 0},                              /* 7:3 */
};

#define ADDR_51_12 0x000ffffffffff000ull

static u64 above_maxphy(unsigned maxphyaddr)
{
    return maxphyaddr >= 52 ? 0 : ADDR_51_12 & ~((1ull << maxphyaddr) - 1);
}

/* SDM 29.3.3.1: an entry is a misconfiguration when present and W without R (010b,
 * 110b), execute-only (R = 0) without EPT_CAP_EXEC_ONLY, a reserved bit set (bit 7 where
 * that page size is not offered), or a page with memory type 2, 3 or 7. */
static bool misconfigured(const struct ept_ctx *x, u64 e, unsigned lvl, bool page)
{
    if ((e & (EPTE_R | EPTE_W)) == EPTE_W) return true;
    if (!(e & EPTE_R) && !(x->cap & EPT_CAP_EXEC_ONLY)) return true;
    const struct ept_level *l = &levels[lvl];
    if (lvl != 1 && page && !(x->cap & l->page_cap)) return true;
    if (e & (above_maxphy(x->maxphyaddr) | (page ? l->rsvd_page : l->rsvd_table))) return true;
    if (page) {
        unsigned mt = EPTE_MEMTYPE(e);
        if (mt == 2 || mt == 3 || mt == 7) return true;
    }
    return false;
}

/* The exit qualification of a violation (SDM 28.2.1 Table 28-7), bit 12 aside. */
static u64 violation_qual(const struct ept_ctx *x, const struct ept_req *r, unsigned kind, u64 perm)
{
    u64 q = kind | (perm & 7) << 3;
    if (x->mbec && (perm & EPTE_XU)) q |= EPT_QUAL_USER_EXECUTABLE;
    if (r->gla_valid) {
        q |= EPT_QUAL_GLA_VALID;
        if (!r->paging) {
            q |= EPT_QUAL_FINAL;
            if (x->cap & EPT_CAP_ADV_EXIT_INFO)
                q |= (r->user ? EPT_QUAL_GLA_USER : 0) | (r->writable ? EPT_QUAL_GLA_RW : 0) |
                     (r->nx ? EPT_QUAL_GLA_XD : 0);
        }
    }
    return q;
}

enum ept_status ept_translate(struct machine *m, struct cpu *c, const struct ept_ctx *x,
                              const struct ept_req *r, struct ept_result *out)
{
    bool ad = x->eptp & EPTP_AD;
    u64 xmask = EPTE_R | EPTE_W | EPTE_X | (x->mbec ? EPTE_XU : 0);
    u64 table = x->eptp & ADDR_51_12 & ~above_maxphy(x->maxphyaddr);
    u64 perm = xmask, ent[6] = {0}, ent_pa[6] = {0};
    unsigned top = EPTP_WALK_LEVELS(x->eptp), lvl;
    bool page = false;

    *out = (struct ept_result){.status = EPT_OK};
    for (lvl = top; lvl >= 1; lvl--) {
        ent_pa[lvl] = table + ((r->gpa >> (12 + 9 * (lvl - 1))) & 511) * 8;
        u64 e = ent[lvl] = phys_read(m, c, ent_pa[lvl], 8);
        out->entry = e;
        out->level = lvl;
        perm &= e;
        if (!(e & xmask)) break; /* not present (SDM 29.3.2) */
        page = lvl == 1 || (lvl <= 3 && (e & EPTE_PS));
        if (misconfigured(x, e, lvl, page)) return out->status = EPT_MISCONFIG;
        if (page) break;
        table = e & ADDR_51_12;
    }

    /* SDM 29.3.3.2: with A/D flags on, accesses to guest paging structures count as
     * writes (not the PDPTE loads of PAE paging) and set both bits 0 and 1. */
    unsigned kind = r->kind;
    if (ad && r->paging && r->gla_valid) kind |= EPT_READ | EPT_WRITE;
    u64 need = (kind & EPT_READ ? EPTE_R : 0) | (kind & EPT_WRITE ? EPTE_W : 0);
    if (kind & EPT_FETCH) need |= x->mbec && r->user ? EPTE_XU : EPTE_X;
    out->perm = perm;
    if (!page || (perm & need) != need) {
        out->qual = violation_qual(x, r, kind, perm);
        return out->status = EPT_VIOLATION;
    }

    u64 offset = (1ull << (12 + 9 * (lvl - 1))) - 1;
    out->hpa = (ent[lvl] & ADDR_51_12 & ~offset) | (r->gpa & offset);
    out->memtype = EPTE_MEMTYPE(ent[lvl]);
    out->ipat = ent[lvl] & EPTE_IPAT;

    /* SDM 29.3.5: A in every entry used, D in the leaf on a write; only once the access
     * is known to be allowed. SDM 29.3.6: with PML and the index outside 0..511, needing
     * to set a flag is a log-full event; no flag is set and the access does not occur. */
    if (ad) {
        if (x->pml_full)
            for (unsigned k = top; k >= lvl; k--)
                if (~ent[k] & (EPTE_A | (k == lvl && (kind & EPT_WRITE) ? EPTE_D : 0)))
                    return out->status = EPT_PML_FULL;
        for (unsigned k = top; k >= lvl; k--) {
            u64 want = ent[k] | EPTE_A;
            if (k == lvl && (kind & EPT_WRITE)) want |= EPTE_D;
            if (want == ent[k]) continue;
            out->dirtied |= (want & ~ent[k] & EPTE_D) != 0;
            phys_write(m, c, ent_pa[k], 8, want);
        }
        out->entry = ent[lvl] | EPTE_A | (out->dirtied ? EPTE_D : 0);
    }
    return EPT_OK;
}

/* --- Memory type (SDM 29.3.7.2) --------------------------------------------------------- */

/* SDM Vol. 3A 12.5.2.2 Table 12-7, the EPT type in the MTRR column: [EPT type][PAT
 * type]. EPT types 2, 3 and 7 are misconfigurations and PAT types 2 and 3 cannot be
 * loaded into IA32_PAT, so those rows and columns are never used (UC). */
static const u8 memtype_table[8][8] = {
    /*            UC     WC     2      3      WT     WP     WB     UC-  */
    [MT_UC] = {MT_UC, MT_WC, MT_UC, MT_UC, MT_UC, MT_UC, MT_UC, MT_UC},
    [MT_WC] = {MT_UC, MT_WC, MT_UC, MT_UC, MT_UC, MT_UC, MT_WC, MT_WC},
    [MT_WT] = {MT_UC, MT_WC, MT_UC, MT_UC, MT_WT, MT_WP, MT_WT, MT_UC},
    [MT_WP] = {MT_UC, MT_WC, MT_UC, MT_UC, MT_WT, MT_WP, MT_WP, MT_WC},
    [MT_WB] = {MT_UC, MT_WC, MT_UC, MT_UC, MT_WT, MT_WP, MT_WB, MT_UC},
};

unsigned ept_memtype(bool cd, unsigned ept_type, bool ipat, unsigned pat_type)
{
    if (cd) return MT_UC;
    if (ipat) return ept_type;
    return memtype_table[ept_type & 7][pat_type & 7];
}

const char *ept_memtype_name(unsigned type)
{
    static const char *const names[8] = {"UC", "WC", "?", "?", "WT", "WP", "WB", "UC-"};
    return names[type & 7];
}
