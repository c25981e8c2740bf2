/* The EPT walker (src/vmx/ept.c) against the SDM's rules, written out here as tables:
 * EPTP validity (SDM 25.6.11, 27.2.1.1), translation with 4 KiB, 2 MiB and 1 GiB pages
 * and 4- and 5-level walks (29.3.2), violations with their exit qualification (28.2.1
 * Table 28-7), misconfigurations (29.3.3.1), accessed and dirty flags (29.3.5) and the
 * effective memory type (29.3.7.2, Vol. 3A Table 12-7). EPT tables live in harness RAM. */
#include "check.h"
#include "harness.h"
#include "vmx/ept.h"
#include "vmx/vmx.h"

static struct harness *H;
static char nm[128];
#define NAME(...) (snprintf(nm, sizeof nm, __VA_ARGS__), nm)

/* IA32_VMX_EPT_VPID_CAP bits (SDM A.10), spelled out so a wrong define in caps.h shows. */
#define C_XO (1ull << 0)
#define C_PWL4 (1ull << 6)
#define C_PWL5 (1ull << 7)
#define C_UC (1ull << 8)
#define C_WB (1ull << 14)
#define C_2M (1ull << 16)
#define C_1G (1ull << 17)
#define C_AD (1ull << 21)
#define C_ADV (1ull << 22)
#define C_SSS (1ull << 23)
#define CAP_ALL (C_XO | C_PWL4 | C_PWL5 | C_UC | C_WB | C_2M | C_1G | C_AD)

/* Tables: PML5, PML4, PDPT, PD, PT at fixed pages. GPA indexes PML5 2, PML4 3, PDPT 5,
 * PD 7, PT 9, offset 0xabc. */
enum { T5 = 0x400000, T4 = 0x401000, T3 = 0x402000, T2 = 0x403000, T1 = 0x404000 };
#define GPA 0x18140e09abcull /* 3 << 39 | 5 << 30 | 7 << 21 | 9 << 12 | 0xabc */
#define GPA5 (GPA | 2ull << 48)
#define E5 (T5 + 2 * 8)
#define E4 (T4 + 3 * 8)
#define E3 (T3 + 5 * 8)
#define E2 (T2 + 7 * 8)
#define E1 (T1 + 9 * 8)
#define F4K 0x7654321000ull /* page frames: expected hpa = frame | low bits of GPA */
#define F2M 0x7654200000ull
#define F1G 0x7640000000ull
#define WB_LEAF (6 << 3) /* memory type WB in a leaf */
#define EPTP4 (T4 | 3 << 3 | 6)
#define EPTP5 (T5 | 4 << 3 | 6)

static void wr(u64 pa, u64 v)
{
    phys_copy_in(H->m, pa, &v, 8);
}
static u64 rd(u64 pa)
{
    u64 v = 0;
    phys_copy_out(H->m, pa, &v, 8);
    return v;
}
static void clear_tables(void)
{
    static const u8 zero[0x5000];
    phys_copy_in(H->m, T5, zero, sizeof zero);
}
/* A 4 KiB mapping of GPA: `up` are the bits of the three upper entries, `leaf` the PTE's. */
static void map4k(u64 up, u64 leaf)
{
    clear_tables();
    wr(E5, T4 | 7);
    wr(E4, T3 | up);
    wr(E3, T2 | up);
    wr(E2, T1 | up);
    wr(E1, F4K | leaf);
}

static struct ept_ctx ctx(u64 eptp, u64 cap, unsigned maxphy)
{
    return (struct ept_ctx){.eptp = eptp, .cap = cap, .maxphyaddr = maxphy};
}
static struct ept_result walk(const struct ept_ctx *x, u64 gpa, unsigned kind, bool paging,
                              bool gla_valid)
{
    struct ept_req r = {
        .gpa = gpa, .gla = 0x1234000, .kind = kind, .paging = paging, .gla_valid = gla_valid};
    struct ept_result o;
    enum ept_status s = ept_translate(H->m, H->c, x, &r, &o);
    if (s != o.status) {
        printf("FAIL ept.status_returned_and_stored_differ: %d vs %d\n", s, o.status);
        check_failures++;
    }
    return o;
}

/* --- EPTP validity ------------------------------------------------------------------- */

static void test_eptp(void)
{
    static const struct {
        const char *name;
        u64 eptp, cap;
        unsigned maxphy;
        bool valid;
    } t[] = {
        {"wb_4level", 0x40001e, CAP_ALL, 46, true},
        {"wb_without_cap14", 0x40001e, CAP_ALL & ~C_WB, 46, false},
        {"uc_4level", 0x400018, CAP_ALL, 46, true},
        {"uc_without_cap8", 0x400018, CAP_ALL & ~C_UC, 46, false},
        {"memtype1", 0x400019, CAP_ALL, 46, false},
        {"memtype2", 0x40001a, CAP_ALL, 46, false},
        {"memtype3", 0x40001b, CAP_ALL, 46, false},
        {"memtype4", 0x40001c, CAP_ALL, 46, false},
        {"memtype5", 0x40001d, CAP_ALL, 46, false},
        {"memtype7", 0x40001f, CAP_ALL, 46, false},
        {"pwl4_without_cap6", 0x40001e, CAP_ALL & ~C_PWL4, 46, false},
        {"pwl5", 0x400026, CAP_ALL, 46, true},
        {"pwl5_without_cap7", 0x400026, CAP_ALL & ~C_PWL5, 46, false},
        {"pwl1", 0x400006, CAP_ALL, 46, false},
        {"pwl2", 0x40000e, CAP_ALL, 46, false},
        {"pwl3", 0x400016, CAP_ALL, 46, false},
        {"pwl6", 0x40002e, CAP_ALL, 46, false},
        {"pwl7", 0x400036, CAP_ALL, 46, false},
        {"pwl8", 0x40003e, CAP_ALL, 46, false},
        {"ad", 0x40005e, CAP_ALL, 46, true},
        {"ad_without_cap21", 0x40005e, CAP_ALL & ~C_AD, 46, false},
        {"sss", 0x40009e, CAP_ALL | C_SSS, 46, true},
        {"sss_without_cap23", 0x40009e, CAP_ALL, 46, false},
        {"bit8", 0x40011e, CAP_ALL, 46, false},
        {"bit9", 0x40021e, CAP_ALL, 46, false},
        {"bit10", 0x40041e, CAP_ALL, 46, false},
        {"bit11", 0x40081e, CAP_ALL, 46, false},
        {"bit45_maxphy46", 0x20000040001eull, CAP_ALL, 46, true},
        {"bit46_maxphy46", 0x40000040001eull, CAP_ALL, 46, false},
        {"bit38_maxphy39", 0x400040001eull, CAP_ALL, 39, true},
        {"bit39_maxphy39", 0x800040001eull, CAP_ALL, 39, false},
        {"bit63", 0x800000000040001eull, CAP_ALL, 46, false},
        {"bit51_maxphy52", 0x000800000040001eull, CAP_ALL, 52, true},
        {"bit52_maxphy52", 0x001000000040001eull, CAP_ALL, 52, false},
        {"cap0_wb", 0x40001e, 0, 46, false},
        {"cap0_uc", 0x400018, 0, 46, false},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++)
        CHECK_EQ(NAME("ept.eptp.%s", t[k].name), ept_eptp_valid(t[k].eptp, t[k].cap, t[k].maxphy),
                 t[k].valid);
    /* Where EPT is not offered IA32_VMX_EPT_VPID_CAP reads 0 for VM entry and INVEPT:
     * every EPTP is invalid (test_vmx_ept checks the offered models). */
    CHECK_EQ("ept.eptp.not_offered_invalid", ept_eptp_valid(0x40001e, 0, 46), false);
}

/* --- Translation --------------------------------------------------------------------- */

static void test_sizes(void)
{
    struct ept_ctx x = ctx(EPTP4, CAP_ALL, 46);
    map4k(7, 7 | WB_LEAF);
    struct ept_result o = walk(&x, GPA, EPT_READ, false, true);
    CHECK_EQ("ept.4k.status", o.status, EPT_OK);
    CHECK_EQ("ept.4k.hpa", o.hpa, 0x7654321abcull);
    CHECK_EQ("ept.4k.level", o.level, 1);
    CHECK_EQ("ept.4k.memtype", o.memtype, 6);
    CHECK_EQ("ept.4k.perm", o.perm, 7);
    CHECK_EQ("ept.4k.ipat_clear", o.ipat, false);
    wr(E1, F4K | 7 | WB_LEAF | 0x40);
    CHECK_EQ("ept.4k.ipat", walk(&x, GPA, EPT_READ, false, true).ipat, true);
    wr(E1, F4K | 7 | (4 << 3));
    CHECK_EQ("ept.4k.memtype_wt", walk(&x, GPA, EPT_READ, false, true).memtype, 4);

    map4k(7, 0);
    wr(E2, F2M | 0x80 | 7 | WB_LEAF);
    o = walk(&x, GPA, EPT_WRITE, false, true);
    CHECK_EQ("ept.2m.status", o.status, EPT_OK);
    CHECK_EQ("ept.2m.hpa", o.hpa, 0x7654209abcull);
    CHECK_EQ("ept.2m.level", o.level, 2);
    x.cap = CAP_ALL & ~C_2M;
    CHECK_EQ("ept.2m.not_offered_misconfig", walk(&x, GPA, EPT_READ, false, true).status,
             EPT_MISCONFIG);

    x.cap = CAP_ALL;
    map4k(7, 0);
    wr(E3, F1G | 0x80 | 7 | WB_LEAF);
    o = walk(&x, GPA, EPT_FETCH, false, true);
    CHECK_EQ("ept.1g.status", o.status, EPT_OK);
    CHECK_EQ("ept.1g.hpa", o.hpa, 0x7640e09abcull);
    CHECK_EQ("ept.1g.level", o.level, 3);
    x.cap = CAP_ALL & ~C_1G;
    CHECK_EQ("ept.1g.not_offered_misconfig", walk(&x, GPA, EPT_READ, false, true).status,
             EPT_MISCONFIG);
    x.cap = CAP_ALL;
    map4k(7, 7 | WB_LEAF);
    wr(E4, T3 | 7 | 0x80); /* PML4E bit 7 is reserved: no 512 GiB pages */
    CHECK_EQ("ept.pml4e_ps_misconfig", walk(&x, GPA, EPT_READ, false, true).status, EPT_MISCONFIG);

    /* 5-level walk: the PML5 index comes from GPA bits 56:48. */
    struct ept_ctx x5 = ctx(EPTP5, CAP_ALL, 46);
    map4k(7, 7 | WB_LEAF);
    o = walk(&x5, GPA5, EPT_READ, false, true);
    CHECK_EQ("ept.5level.status", o.status, EPT_OK);
    CHECK_EQ("ept.5level.hpa", o.hpa, 0x7654321abcull);
    wr(E5, 0);
    o = walk(&x5, GPA5, EPT_READ, false, true);
    CHECK_EQ("ept.5level.pml5e_not_present", o.status, EPT_VIOLATION);
    CHECK_EQ("ept.5level.pml5e_level", o.level, 5);
    for (int b = 3; b <= 11; b++) { /* PML5E: 7:3 reserved (no pages), 11:8 ignored */
        wr(E5, T4 | 7 | 1ull << b);
        CHECK_EQ(NAME("ept.5level.pml5e_bit%d", b), walk(&x5, GPA5, EPT_READ, false, true).status,
                 b <= 7 ? EPT_MISCONFIG : EPT_OK);
    }
    /* The 4-level walk of the same tables ignores the PML5. */
    CHECK_EQ("ept.4level.hpa", walk(&x, GPA, EPT_READ, false, true).hpa, 0x7654321abcull);
}

/* Leaf permissions (bits 2:0) against each access kind, upper levels RWX. V = violation
 * with the qualification given (gla valid, final translation: bits 7 and 8), M =
 * misconfiguration, 0 = allowed. */
enum { OK_ = 0, V = 1, M = 2 };
static void test_permissions(void)
{
    static const struct {
        unsigned leaf;
        u8 st[3];
        u64 q[3]; /* read, write, fetch */
    } t[] = {
        {0, {V, V, V}, {0x181, 0x182, 0x184}},
        {1, {OK_, V, V}, {0, 0x18a, 0x18c}},
        {2, {M, M, M}, {0}},
        {3, {OK_, OK_, V}, {0, 0, 0x19c}},
        {4, {V, V, OK_}, {0x1a1, 0x1a2, 0}},
        {5, {OK_, V, OK_}, {0, 0x1aa, 0}},
        {6, {M, M, M}, {0}},
        {7, {OK_, OK_, OK_}, {0}},
    };
    static const unsigned kinds[3] = {EPT_READ, EPT_WRITE, EPT_FETCH};
    static const char *const kn[3] = {"read", "write", "fetch"};
    struct ept_ctx x = ctx(EPTP4, CAP_ALL, 46);
    for (size_t k = 0; k < ARRAY_LEN(t); k++) {
        map4k(7, t[k].leaf | WB_LEAF);
        for (int a = 0; a < 3; a++) {
            struct ept_result o = walk(&x, GPA, kinds[a], false, true);
            unsigned want = t[k].st[a] == OK_ ? EPT_OK
                            : t[k].st[a] == V ? EPT_VIOLATION
                                              : EPT_MISCONFIG;
            CHECK_EQ(NAME("ept.perm.leaf%u.%s.status", t[k].leaf, kn[a]), o.status, want);
            if (want == EPT_VIOLATION)
                CHECK_EQ(NAME("ept.perm.leaf%u.%s.qual", t[k].leaf, kn[a]), o.qual, t[k].q[a]);
        }
    }
    /* Execute-only without the capability is a misconfiguration. */
    x.cap = CAP_ALL & ~C_XO;
    map4k(7, 4 | WB_LEAF);
    CHECK_EQ("ept.perm.xonly_unsupported_leaf", walk(&x, GPA, EPT_FETCH, false, true).status,
             EPT_MISCONFIG);
    map4k(7, 7 | WB_LEAF);
    wr(E3, T2 | 4);
    CHECK_EQ("ept.perm.xonly_unsupported_pdpte", walk(&x, GPA, EPT_FETCH, false, true).status,
             EPT_MISCONFIG);
    x.cap = CAP_ALL;
    CHECK_EQ("ept.perm.xonly_supported_pdpte", walk(&x, GPA, EPT_FETCH, false, true).status,
             EPT_OK);

    /* Bits 5:3 are the AND over every level. */
    map4k(7, 7 | WB_LEAF);
    wr(E3, T2 | 5);
    struct ept_result o = walk(&x, GPA, EPT_WRITE, false, true);
    CHECK_EQ("ept.perm.pdpte_rx.write_qual", o.qual, 0x1aa);
    CHECK_EQ("ept.perm.pdpte_rx.read_perm", walk(&x, GPA, EPT_READ, false, true).perm, 5);
    wr(E3, T2 | 7);
    wr(E4, T3 | 1);
    CHECK_EQ("ept.perm.pml4e_r.fetch_qual", walk(&x, GPA, EPT_FETCH, false, true).qual, 0x18c);
    wr(E2, T1 | 3);
    CHECK_EQ("ept.perm.pml4e_r_pde_rw.write_qual", walk(&x, GPA, EPT_WRITE, false, true).qual,
             0x18a);

    /* Not present at each level: bits 5:3 are 0 and the walk stops there. */
    static const struct {
        const char *name;
        u64 at;
        unsigned level;
    } np[] = {{"pml4e", E4, 4}, {"pdpte", E3, 3}, {"pde", E2, 2}, {"pte", E1, 1}};
    for (size_t k = 0; k < ARRAY_LEN(np); k++) {
        map4k(7, 7 | WB_LEAF);
        wr(np[k].at, 0xfff0000000000f08ull); /* not present: only ignored/garbage bits */
        o = walk(&x, GPA, EPT_READ, false, true);
        CHECK_EQ(NAME("ept.not_present.%s.status", np[k].name), o.status, EPT_VIOLATION);
        CHECK_EQ(NAME("ept.not_present.%s.qual", np[k].name), o.qual, 0x181);
        CHECK_EQ(NAME("ept.not_present.%s.level", np[k].name), o.level, np[k].level);
    }
    /* A not-present entry stops the walk before a misconfigured one below. */
    map4k(7, 2 | WB_LEAF);
    wr(E3, 0);
    CHECK_EQ("ept.not_present_before_misconfig", walk(&x, GPA, EPT_READ, false, true).status,
             EPT_VIOLATION);
    /* A misconfiguration anywhere wins over a permission violation. */
    map4k(7, 7 | (2 << 3));
    wr(E4, T3 | 1);
    CHECK_EQ("ept.misconfig_before_violation", walk(&x, GPA, EPT_WRITE, false, true).status,
             EPT_MISCONFIG);
    CHECK_EQ("ept.misconfig_qual_0", walk(&x, GPA, EPT_WRITE, false, true).qual, 0);

    /* Bits 7 and 8: final translation, guest paging-structure access, no linear address. */
    map4k(7, 0);
    CHECK_EQ("ept.qual.paging_access", walk(&x, GPA, EPT_READ, true, true).qual, 0x81);
    CHECK_EQ("ept.qual.no_gla", walk(&x, GPA, EPT_READ, true, false).qual, 0x01);
    CHECK_EQ("ept.qual.rmw", walk(&x, GPA, EPT_READ | EPT_WRITE, false, true).qual, 0x183);
}

/* Reserved bits per level (SDM 29.3.2 Tables 29-1 to 29-6) and bits above MAXPHYADDR. */
static void test_reserved(void)
{
    struct ept_ctx x = ctx(EPTP4, CAP_ALL, 46);
    static const struct {
        const char *name;
        u64 at, base; /* entry address and its valid value */
        int lo, hi;   /* bits lo..hi */
        bool misconfig;
    } t[] = {
        {"pml4e", E4, T3 | 7, 3, 7, true},
        {"pml4e", E4, T3 | 7, 8, 11, false},
        {"pml4e", E4, T3 | 7, 46, 51, true},
        {"pml4e", E4, T3 | 7, 52, 63, false},
        {"pdpte", E3, T2 | 7, 3, 6, true},
        {"pdpte", E3, T2 | 7, 8, 11, false},
        {"pdpte", E3, T2 | 7, 46, 51, true},
        {"pdpte", E3, T2 | 7, 52, 63, false},
        {"pdpte_1g", E3, F1G | 0x80 | 7 | WB_LEAF, 6, 6, false},
        {"pdpte_1g", E3, F1G | 0x80 | 7 | WB_LEAF, 8, 11, false},
        {"pdpte_1g", E3, F1G | 0x80 | 7 | WB_LEAF, 12, 29, true},
        {"pdpte_1g", E3, F1G | 0x80 | 7 | WB_LEAF, 30, 45, false},
        {"pdpte_1g", E3, F1G | 0x80 | 7 | WB_LEAF, 46, 51, true},
        {"pdpte_1g", E3, F1G | 0x80 | 7 | WB_LEAF, 52, 63, false},
        {"pde", E2, T1 | 7, 3, 6, true},
        {"pde", E2, T1 | 7, 8, 11, false},
        {"pde", E2, T1 | 7, 46, 51, true},
        {"pde", E2, T1 | 7, 52, 63, false},
        {"pde_2m", E2, F2M | 0x80 | 7 | WB_LEAF, 6, 6, false},
        {"pde_2m", E2, F2M | 0x80 | 7 | WB_LEAF, 8, 11, false},
        {"pde_2m", E2, F2M | 0x80 | 7 | WB_LEAF, 12, 20, true},
        {"pde_2m", E2, F2M | 0x80 | 7 | WB_LEAF, 21, 45, false},
        {"pde_2m", E2, F2M | 0x80 | 7 | WB_LEAF, 46, 51, true},
        {"pde_2m", E2, F2M | 0x80 | 7 | WB_LEAF, 52, 63, false},
        {"pte", E1, F4K | 7 | WB_LEAF, 6, 11, false},
        {"pte", E1, F4K | 7 | WB_LEAF, 12, 45, false},
        {"pte", E1, F4K | 7 | WB_LEAF, 46, 51, true},
        {"pte", E1, F4K | 7 | WB_LEAF, 52, 63, false},
    };
    for (size_t k = 0; k < ARRAY_LEN(t); k++)
        for (int b = t[k].lo; b <= t[k].hi; b++) {
            map4k(7, 7 | WB_LEAF);
            wr(t[k].at, t[k].base ^ (1ull << b));
            struct ept_result o = walk(&x, GPA, EPT_READ, false, true);
            CHECK_EQ(NAME("ept.reserved.%s.bit%d", t[k].name, b), o.status,
                     t[k].misconfig ? EPT_MISCONFIG : EPT_OK);
        }
    /* MAXPHYADDR 39: bit 39 of a page frame is reserved, bit 38 is not. */
    x.maxphyaddr = 39;
    map4k(7, 7 | WB_LEAF);
    wr(E1, (1ull << 38) | 7 | WB_LEAF);
    struct ept_result o = walk(&x, GPA, EPT_READ, false, true);
    CHECK_EQ("ept.maxphy39.bit38_ok", o.status, EPT_OK);
    CHECK_EQ("ept.maxphy39.bit38_hpa", o.hpa, 0x4000000abcull);
    wr(E1, (1ull << 39) | 7 | WB_LEAF);
    CHECK_EQ("ept.maxphy39.pte_bit39", walk(&x, GPA, EPT_READ, false, true).status, EPT_MISCONFIG);
    map4k(7, 7 | WB_LEAF);
    wr(E4, T3 | 7 | (1ull << 39));
    CHECK_EQ("ept.maxphy39.pml4e_bit39", walk(&x, GPA, EPT_READ, false, true).status,
             EPT_MISCONFIG);

    /* Leaf memory types: 2, 3 and 7 are misconfigurations at every page size. */
    static const bool bad[8] = {false, false, true, true, false, false, false, true};
    static const struct {
        const char *name;
        u64 at, base;
    } leaves[] = {{"4k", E1, F4K | 7}, {"2m", E2, F2M | 0x80 | 7}, {"1g", E3, F1G | 0x80 | 7}};
    for (size_t k = 0; k < ARRAY_LEN(leaves); k++)
        for (unsigned mt = 0; mt < 8; mt++) {
            map4k(7, 7 | WB_LEAF);
            wr(leaves[k].at, leaves[k].base | mt << 3);
            o = walk(&x, GPA, EPT_READ, false, true);
            CHECK_EQ(NAME("ept.memtype.%s.%u", leaves[k].name, mt), o.status,
                     bad[mt] ? EPT_MISCONFIG : EPT_OK);
            if (!bad[mt])
                CHECK_EQ(NAME("ept.memtype.%s.%u.reported", leaves[k].name, mt), o.memtype, mt);
        }

    /* Tables outside RAM read as all ones (open bus): a misconfiguration, no crash. */
    x.maxphyaddr = 46;
    struct ept_ctx far = ctx(0x80000000ull | 3 << 3 | 6, CAP_ALL, 46);
    CHECK_EQ("ept.open_bus.eptp", walk(&far, GPA, EPT_READ, false, true).status, EPT_MISCONFIG);
    map4k(7, 7 | WB_LEAF);
    wr(E2, 0x80000000ull | 7);
    CHECK_EQ("ept.open_bus.pt", walk(&x, GPA, EPT_READ, false, true).status, EPT_MISCONFIG);
    struct ept_ctx far52 = ctx(0x80000000ull | 3 << 3 | 6, CAP_ALL, 52);
    CHECK_EQ("ept.open_bus.maxphy52", walk(&far52, GPA, EPT_READ, false, true).status,
             EPT_MISCONFIG);
}

/* --- Accessed and dirty flags (SDM 29.3.5) ------------------------------------------- */

static void test_ad(void)
{
    struct ept_ctx x = ctx(EPTP4 | 0x40, CAP_ALL, 46);
    const u64 A = 1 << 8, D = 1 << 9;
    map4k(7, 7 | WB_LEAF);
    struct ept_result o = walk(&x, GPA, EPT_READ, false, true);
    CHECK_EQ("ept.ad.read.status", o.status, EPT_OK);
    CHECK_EQ("ept.ad.read.pml4e_a", rd(E4), T3 | 7 | A);
    CHECK_EQ("ept.ad.read.pdpte_a", rd(E3), T2 | 7 | A);
    CHECK_EQ("ept.ad.read.pde_a", rd(E2), T1 | 7 | A);
    CHECK_EQ("ept.ad.read.pte_a_not_d", rd(E1), F4K | 7 | WB_LEAF | A);
    CHECK_EQ("ept.ad.read.not_dirtied", o.dirtied, false);
    o = walk(&x, GPA, EPT_WRITE, false, true);
    CHECK_EQ("ept.ad.write.pte_ad", rd(E1), F4K | 7 | WB_LEAF | A | D);
    CHECK_EQ("ept.ad.write.pde_a_only", rd(E2), T1 | 7 | A);
    CHECK_EQ("ept.ad.write.dirtied", o.dirtied, true);
    CHECK_EQ("ept.ad.write_again.not_dirtied", walk(&x, GPA, EPT_WRITE, false, true).dirtied,
             false);

    /* 2 MiB page: D in the PDE; the PT is not used. */
    map4k(7, 7 | WB_LEAF);
    wr(E2, F2M | 0x80 | 7 | WB_LEAF);
    walk(&x, GPA, EPT_WRITE, false, true);
    CHECK_EQ("ept.ad.2m.pde_ad", rd(E2), F2M | 0x80 | 7 | WB_LEAF | A | D);
    CHECK_EQ("ept.ad.2m.pdpte_a", rd(E3), T2 | 7 | A);
    CHECK_EQ("ept.ad.2m.pte_untouched", rd(E1), F4K | 7 | WB_LEAF);

    /* Guest paging-structure accesses count as writes: D set, W required, bits 0 and 1. */
    map4k(7, 7 | WB_LEAF);
    walk(&x, GPA, EPT_READ, true, true);
    CHECK_EQ("ept.ad.paging_read.pte_ad", rd(E1), F4K | 7 | WB_LEAF | A | D);
    map4k(7, 5 | WB_LEAF);
    o = walk(&x, GPA, EPT_READ, true, true);
    CHECK_EQ("ept.ad.paging_read_ro.status", o.status, EPT_VIOLATION);
    CHECK_EQ("ept.ad.paging_read_ro.qual", o.qual, 0xab);
    /* ... but not the PAE PDPTE loads (no linear address): a read. */
    o = walk(&x, GPA, EPT_READ, true, false);
    CHECK_EQ("ept.ad.pdpte_load_ro.status", o.status, EPT_OK);
    CHECK_EQ("ept.ad.pdpte_load_ro.pte_a_not_d", rd(E1), F4K | 5 | WB_LEAF | A);
    /* Without A/D flags a paging-structure read is a read and nothing is written. */
    struct ept_ctx nad = ctx(EPTP4, CAP_ALL, 46);
    map4k(7, 5 | WB_LEAF);
    CHECK_EQ("ept.noad.paging_read_ro", walk(&nad, GPA, EPT_READ, true, true).status, EPT_OK);
    walk(&nad, GPA, EPT_WRITE | EPT_READ, false, true);
    map4k(7, 7 | WB_LEAF);
    walk(&nad, GPA, EPT_WRITE, false, true);
    CHECK("ept.noad.nothing_written",
          rd(E4) == (T3 | 7) && rd(E3) == (T2 | 7) && rd(E2) == (T1 | 7) &&
              rd(E1) == (F4K | 7 | WB_LEAF),
          "entries changed");

    /* A faulting walk changes nothing. */
    map4k(7, 5 | WB_LEAF);
    CHECK_EQ("ept.ad.violation.status", walk(&x, GPA, EPT_WRITE, false, true).status,
             EPT_VIOLATION);
    CHECK("ept.ad.violation.nothing_written",
          rd(E4) == (T3 | 7) && rd(E3) == (T2 | 7) && rd(E2) == (T1 | 7) &&
              rd(E1) == (F4K | 5 | WB_LEAF),
          "entries changed");
    map4k(7, 7 | (3 << 3));
    CHECK_EQ("ept.ad.misconfig.status", walk(&x, GPA, EPT_WRITE, false, true).status,
             EPT_MISCONFIG);
    CHECK("ept.ad.misconfig.nothing_written", rd(E4) == (T3 | 7) && rd(E1) == (F4K | 7 | (3 << 3)),
          "entries changed");

    /* 5-level: A in the PML5E too. */
    struct ept_ctx x5 = ctx(EPTP5 | 0x40, CAP_ALL, 46);
    map4k(7, 7 | WB_LEAF);
    walk(&x5, GPA5, EPT_READ, false, true);
    CHECK_EQ("ept.ad.5level.pml5e_a", rd(E5), T4 | 7 | A);
}

/* --- Mode-based execute control and advanced qualification bits ----------------------- */

static void test_mbec_adv(void)
{
    struct ept_ctx x = ctx(EPTP4, CAP_ALL, 46);
    x.mbec = true;
    const u64 XU = 1 << 10;
    struct ept_req r = {.gpa = GPA, .kind = EPT_FETCH, .gla_valid = true};
    struct ept_result o;
    map4k(7 | XU, 1 | XU | WB_LEAF);
    r.user = false;
    ept_translate(H->m, H->c, &x, &r, &o);
    CHECK_EQ("ept.mbec.rxu.supervisor_fetch.status", o.status, EPT_VIOLATION);
    CHECK_EQ("ept.mbec.rxu.supervisor_fetch.qual", o.qual, 0x1cc);
    r.user = true;
    CHECK_EQ("ept.mbec.rxu.user_fetch", ept_translate(H->m, H->c, &x, &r, &o), EPT_OK);
    CHECK_EQ("ept.mbec.rxu.perm", o.perm, 1 | XU);
    map4k(7 | XU, 5 | WB_LEAF);
    ept_translate(H->m, H->c, &x, &r, &o);
    CHECK_EQ("ept.mbec.rx.user_fetch.qual", o.qual, 0x1ac);
    r.user = false;
    CHECK_EQ("ept.mbec.rx.supervisor_fetch", ept_translate(H->m, H->c, &x, &r, &o), EPT_OK);
    /* Bit 10 alone makes an entry present (user execute-only). */
    map4k(7 | XU, XU | WB_LEAF);
    r.user = true;
    CHECK_EQ("ept.mbec.xu_only.user_fetch", ept_translate(H->m, H->c, &x, &r, &o), EPT_OK);
    x.cap = CAP_ALL & ~C_XO;
    CHECK_EQ("ept.mbec.xu_only.no_xo_misconfig", ept_translate(H->m, H->c, &x, &r, &o),
             EPT_MISCONFIG);
    x.cap = CAP_ALL;
    x.mbec = false;
    ept_translate(H->m, H->c, &x, &r, &o);
    CHECK_EQ("ept.nombec.xu_only_not_present", o.qual, 0x184);

    /* Advanced VM-exit information: bits 9-11 for final accesses, with cap bit 22. */
    map4k(7, 0);
    r = (struct ept_req){.gpa = GPA,
                         .kind = EPT_READ,
                         .gla_valid = true,
                         .user = true,
                         .writable = true,
                         .nx = true};
    ept_translate(H->m, H->c, &x, &r, &o);
    CHECK_EQ("ept.adv.not_offered", o.qual, 0x181);
    x.cap = CAP_ALL | C_ADV;
    ept_translate(H->m, H->c, &x, &r, &o);
    CHECK_EQ("ept.adv.user_rw_xd", o.qual, 0xf81);
    r.user = false;
    r.nx = false;
    ept_translate(H->m, H->c, &x, &r, &o);
    CHECK_EQ("ept.adv.supervisor_rw", o.qual, 0x581);
    r.paging = true;
    ept_translate(H->m, H->c, &x, &r, &o);
    CHECK_EQ("ept.adv.paging_access_none", o.qual, 0x81);
}

/* --- Memory type (SDM 29.3.7.2; Vol. 3A Table 12-7 with the EPT type as MTRR type) ---- */

static void test_memtype(void)
{
    enum { UC = 0, WC = 1, WT = 4, WP = 5, WB = 6, UCM = 7 };
    static const unsigned ept[5] = {UC, WC, WT, WP, WB}, pat[6] = {UC, UCM, WC, WT, WB, WP};
    static const char *const nmt[8] = {"uc", "wc", "2", "3", "wt", "wp", "wb", "ucm"};
    /* Rows: EPT type; columns: PAT UC, UC-, WC, WT, WB, WP (the SDM's order). */
    static const unsigned want[5][6] = {
        /* UC */ {UC, UC, WC, UC, UC, UC},
        /* WC */ {UC, WC, WC, UC, WC, UC},
        /* WT */ {UC, UC, WC, WT, WT, WP},
        /* WP */ {UC, WC, WC, WT, WP, WP},
        /* WB */ {UC, UC, WC, WT, WB, WP},
    };
    for (int e = 0; e < 5; e++)
        for (int p = 0; p < 6; p++) {
            CHECK_EQ(NAME("ept.memtype.ept_%s.pat_%s", nmt[ept[e]], nmt[pat[p]]),
                     ept_memtype(false, ept[e], false, pat[p]), want[e][p]);
            CHECK_EQ(NAME("ept.memtype.ept_%s.pat_%s.ipat", nmt[ept[e]], nmt[pat[p]]),
                     ept_memtype(false, ept[e], true, pat[p]), ept[e]);
            /* Guest CR0.CD = 1: UC whatever the types and "ignore PAT" say. */
            CHECK_EQ(NAME("ept.memtype.ept_%s.pat_%s.cd", nmt[ept[e]], nmt[pat[p]]),
                     ept_memtype(true, ept[e], true, pat[p]), UC);
        }
}

int main(void)
{
    H = harness_new(MODE_LONG);
    test_eptp();
    test_sizes();
    test_permissions();
    test_reserved();
    test_ad();
    test_mbec_adv();
    test_memtype();
    harness_free(H);
    return check_exit();
}
