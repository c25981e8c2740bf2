/* Host tests: the guest-physical access path is the only way address translation touches
 * guest-physical memory (src/cpu/gpa.h). This program compiles src/cpu/gpa.c into itself
 * with a recorder, so the library's walker calls the recording copy; each check walks one
 * paging mode and compares the exact list of accesses, in order: entry reads, A/D writes,
 * PDPTE loads and the final translation, each with the context an EPT violation would
 * report. A walker path that reads or writes memory on its own leaves a hole in the list. */
#include "check.h"
#include "cpu/block.h"
#include "cpu/gpa.h"
#include "cpu/sysreg.h"
#include "harness.h"

struct rec {
    char kind; /* 'R' entry read, 'W' A/D write, 'F' final translation */
    u64 gpa;
    unsigned size;
    u64 val; /* value read, low byte written, or 0 for 'F' */
    u64 lin; /* the access's context */
    int acc;
    bool pdpte_load;
};

static struct rec log_[64];
static int nlog;

static void record(char kind, u64 gpa, unsigned size, u64 val, const struct gpa_why *w)
{
    if (nlog < (int)(sizeof log_ / sizeof log_[0]))
        log_[nlog] =
            (struct rec){kind, gpa, size, kind == 'F' ? 0 : val, w->lin, w->acc, w->pdpte_load};
    nlog++;
}

#define GPA_TRACE(c, kind, gpa, size, val, w) record(kind, gpa, size, val, w)
#include "cpu/gpa.c"

/* Compare the recorded accesses with `want` (n entries) and clear the record. */
static void expect(const char *name, const struct rec *want, int n)
{
    int bad = nlog == n ? -1 : (nlog < n ? nlog : n);
    for (int k = 0; k < n && k < nlog && bad < 0; k++) {
        const struct rec *g = &log_[k], *w = &want[k];
        if (g->kind != w->kind || g->gpa != w->gpa || g->size != w->size || g->val != w->val ||
            g->lin != w->lin || g->acc != w->acc || g->pdpte_load != w->pdpte_load)
            bad = k;
    }
    if (bad < 0) {
        CHECK(name, true, "%s", "");
    } else if (bad < nlog && bad < n) {
        const struct rec *g = &log_[bad], *w = &want[bad];
        CHECK(name, false,
              "access %d: got %c %#llx/%u val %#llx lin %#llx acc %d pdpte %d, want %c %#llx/%u "
              "val %#llx lin %#llx acc %d pdpte %d",
              bad, g->kind, (unsigned long long)g->gpa, g->size, (unsigned long long)g->val,
              (unsigned long long)g->lin, g->acc, g->pdpte_load, w->kind,
              (unsigned long long)w->gpa, w->size, (unsigned long long)w->val,
              (unsigned long long)w->lin, w->acc, w->pdpte_load);
    } else {
        CHECK(name, false, "%d accesses, want %d", nlog, n);
    }
    nlog = 0;
}
#define EXPECT(name, ...)                                                                          \
    do {                                                                                           \
        const struct rec want_[] = {__VA_ARGS__};                                                  \
        expect(name, want_, (int)(sizeof want_ / sizeof want_[0]));                                \
    } while (0)

/* The expected accesses: entry reads of 4 and 8 bytes, an A/D write of the low byte, the
 * final translation, for linear address `l` and access `a`; and a PDPTE-register load. */
static struct rec rd4(u64 pa, u64 v, u64 l, int a)
{
    return (struct rec){'R', pa, 4, v, l, a, false};
}
static struct rec rd8(u64 pa, u64 v, u64 l, int a)
{
    return (struct rec){'R', pa, 8, v, l, a, false};
}
static struct rec adw(u64 pa, u64 v, u64 l, int a)
{
    return (struct rec){'W', pa, 1, (u8)v, l, a, false};
}
static struct rec fin(u64 pa, u64 l, int a)
{
    return (struct rec){'F', pa, 0, 0, l, a, false};
}
static struct rec pdpte_ld(u64 pa, u64 v)
{
    return (struct rec){'R', pa, 8, v, 0, 0, true};
}

static void wr64(struct harness *h, u64 pa, u64 v)
{
    phys_copy_in(h->m, pa, &v, 8);
}
static void wr32(struct harness *h, u64 pa, u32 v)
{
    phys_copy_in(h->m, pa, &v, 4);
}

static void setup_mode(struct cpu *c, u64 cr4, u64 efer, u64 cr3)
{
    c->cr0 = CR0_PE | CR0_PG | CR0_ET;
    c->cr4 = cr4;
    c->efer = efer;
    c->cr3 = cr3;
    c->cpl = 0;
    c->rflags = FL_FIXED1;
    tlb_flush_all(c);
    cpu_update_mode(c);
}

/* lin_translate(), or the vector it raised. */
static int xlate(struct cpu *c, u64 lin, int acc)
{
    u64 phys;
    if (setjmp(c->unwind)) return c->exc_vector;
    return lin_translate(c, lin, acc, &phys) ? -1 : -2;
}

static void test_32bit(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    const u64 pd = 0x200000, pt = 0x201000;
    setup_mode(c, CR4_PSE, 0, pd);
    const u32 pde = pt | PTE_P | PTE_RW, pte = 0x345000 | PTE_P | PTE_RW;
    wr32(h, pd + 1 * 4, pde);
    wr32(h, pt + 5 * 4, pte);
    wr32(h, pd + 2 * 4, 0x00c00000 | PTE_PS | PTE_P | PTE_RW);
    nlog = 0;
    CHECK_EQ("gpa_seam.32.read", xlate(c, 0x405123, ACC_READ), -1);
    EXPECT("gpa_seam.32.read.accesses", rd4(pd + 4, pde, 0x405123, ACC_READ),
           rd4(pt + 20, pte, 0x405123, ACC_READ), adw(pd + 4, pde | PTE_A, 0x405123, ACC_READ),
           adw(pt + 20, pte | PTE_A, 0x405123, ACC_READ), fin(0x345123, 0x405123, ACC_READ));
    CHECK_EQ("gpa_seam.32.write", xlate(c, 0x405123, ACC_WRITE), -1);
    EXPECT("gpa_seam.32.write.accesses", rd4(pd + 4, pde | PTE_A, 0x405123, ACC_WRITE),
           rd4(pt + 20, pte | PTE_A, 0x405123, ACC_WRITE),
           adw(pt + 20, pte | PTE_A | PTE_D, 0x405123, ACC_WRITE),
           fin(0x345123, 0x405123, ACC_WRITE));
    CHECK_EQ("gpa_seam.32.4m", xlate(c, 0x812345, ACC_EXEC | ACC_SUPER), -1);
    EXPECT("gpa_seam.32.4m.accesses",
           rd4(pd + 8, 0x00c00000 | PTE_PS | PTE_P | PTE_RW, 0x812345, ACC_EXEC | ACC_SUPER),
           adw(pd + 8, PTE_PS | PTE_P | PTE_RW | PTE_A, 0x812345, ACC_EXEC | ACC_SUPER),
           fin(0xc12345, 0x812345, ACC_EXEC | ACC_SUPER));
    /* A fault reads up to the entry that faults and writes nothing. */
    CHECK_EQ("gpa_seam.32.not_present", xlate(c, 0x406000, ACC_READ), EXC_PF);
    EXPECT("gpa_seam.32.not_present.accesses", rd4(pd + 4, pde | PTE_A, 0x406000, ACC_READ),
           rd4(pt + 24, 0, 0x406000, ACC_READ));
    CHECK_EQ("gpa_seam.32.nofault", xlate(c, 0x406000, ACC_READ | ACC_NOFAULT), -2);
    EXPECT("gpa_seam.32.nofault.accesses",
           rd4(pd + 4, pde | PTE_A, 0x406000, ACC_READ | ACC_NOFAULT),
           rd4(pt + 24, 0, 0x406000, ACC_READ | ACC_NOFAULT));

    /* CR0.PG = 0: the linear address is the guest-physical one, translated finally too. */
    c->cr0 &= ~(u64)CR0_PG;
    cpu_update_mode(c);
    CHECK_EQ("gpa_seam.unpaged", xlate(c, 0x12345678, ACC_WRITE), -1);
    EXPECT("gpa_seam.unpaged.accesses", fin(0x12345678, 0x12345678, ACC_WRITE));
    /* The TLB fill (mem.c translate_fill) goes through the final translation as well. */
    tlb_flush_all(c);
    wr32(h, 0x345678, 0xabcdef01);
    CHECK_EQ("gpa_seam.unpaged.fill", lin_read(c, 0x345678, 4, ACC_READ), 0xabcdef01);
    EXPECT("gpa_seam.unpaged.fill.accesses", fin(0x345678, 0x345678, ACC_READ));
    harness_free(h);
}

static void test_pae(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    const u64 pdpt = 0x210000, pd = 0x211000, pt = 0x212000;
    setup_mode(c, CR4_PAE, EFER_NXE, pdpt);
    const u64 e0 = pd | PTE_P, pde = pt | PTE_P | PTE_RW, pte = 0x456000 | PTE_P | PTE_RW | PTE_XD;
    wr64(h, pdpt, e0);
    wr64(h, pdpt + 16, 0x777000 | PTE_P);
    wr64(h, pd, pde);
    wr64(h, pt + 3 * 8, pte);
    nlog = 0;
    /* MOV CR3 loads the four PDPTE registers through the path, without a linear address. */
    int v = -1;
    if (setjmp(c->unwind))
        v = c->exc_vector;
    else
        cr_write(c, 3, pdpt);
    CHECK("gpa_seam.pae.mov_cr3", v == -1 && c->pdpte[2] == (0x777000 | PTE_P), "vector %d", v);
    EXPECT("gpa_seam.pae.pdpte_load.accesses", pdpte_ld(pdpt, e0), pdpte_ld(pdpt + 8, 0),
           pdpte_ld(pdpt + 16, 0x777000 | PTE_P), pdpte_ld(pdpt + 24, 0));
    /* The walk starts at the PDPTE register: the PDPT itself is not read again. */
    CHECK_EQ("gpa_seam.pae.write", xlate(c, 0x3abc, ACC_WRITE), -1);
    EXPECT("gpa_seam.pae.write.accesses", rd8(pd, pde, 0x3abc, ACC_WRITE),
           rd8(pt + 24, pte, 0x3abc, ACC_WRITE), adw(pd, pde | PTE_A, 0x3abc, ACC_WRITE),
           adw(pt + 24, pte | PTE_A | PTE_D, 0x3abc, ACC_WRITE), fin(0x456abc, 0x3abc, ACC_WRITE));
    harness_free(h);
}

/* 4-level tables: PML4 0x220000, PDPT 0x221000, PD 0x222000, PT 0x223000; under 5-level,
 * PML5 0x230000 entry 1 points at the PML4. */
static const u64 pml4e = 0x221000 | PTE_P | PTE_RW, pdpte = 0x222000 | PTE_P | PTE_RW,
                 pde64 = 0x223000 | PTE_P | PTE_RW, pte64 = 0x777000 | PTE_P | PTE_RW,
                 pdpte1g = 0x40000000 | PTE_PS | PTE_P | PTE_RW, pml5e = 0x220000 | PTE_P | PTE_RW;

static void build_4level(struct harness *h)
{
    wr64(h, 0x220000, pml4e);
    wr64(h, 0x221000, pdpte);
    wr64(h, 0x221000 + 8, pdpte1g);
    wr64(h, 0x222000, pde64);
    wr64(h, 0x223000 + 0x10 * 8, pte64);
    wr64(h, 0x230000 + 8, pml5e);
}

static void test_4level(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    build_4level(h);
    setup_mode(c, CR4_PAE, EFER_LME | EFER_LMA, 0x220000);
    const u64 l = 0x10123;
    nlog = 0;
    CHECK_EQ("gpa_seam.4l.read", xlate(c, l, ACC_READ), -1);
    EXPECT("gpa_seam.4l.read.accesses", rd8(0x220000, pml4e, l, ACC_READ),
           rd8(0x221000, pdpte, l, ACC_READ), rd8(0x222000, pde64, l, ACC_READ),
           rd8(0x223080, pte64, l, ACC_READ), adw(0x220000, pml4e | PTE_A, l, ACC_READ),
           adw(0x221000, pdpte | PTE_A, l, ACC_READ), adw(0x222000, pde64 | PTE_A, l, ACC_READ),
           adw(0x223080, pte64 | PTE_A, l, ACC_READ), fin(0x777123, l, ACC_READ));
    CHECK_EQ("gpa_seam.4l.1g", xlate(c, 0x52345678, ACC_WRITE), -1);
    EXPECT("gpa_seam.4l.1g.accesses", rd8(0x220000, pml4e | PTE_A, 0x52345678, ACC_WRITE),
           rd8(0x221008, pdpte1g, 0x52345678, ACC_WRITE),
           adw(0x221008, pdpte1g | PTE_A | PTE_D, 0x52345678, ACC_WRITE),
           fin(0x52345678, 0x52345678, ACC_WRITE));
    harness_free(h);
}

static void test_5level(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    h->m->cpu_model = cpu_model_lookup("icelake");
    build_4level(h);
    setup_mode(c, CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA, 0x230000);
    const u64 l = BIT(48) | 0x10123;
    nlog = 0;
    /* Through the TLB fill: a fetch walks, then the final translation. */
    u64 phys;
    CHECK("gpa_seam.5l.fetch", fetch_host(c, l, &phys) != NULL, "no host pointer");
    EXPECT("gpa_seam.5l.fetch.accesses", rd8(0x230008, pml5e, l, ACC_EXEC),
           rd8(0x220000, pml4e, l, ACC_EXEC), rd8(0x221000, pdpte, l, ACC_EXEC),
           rd8(0x222000, pde64, l, ACC_EXEC), rd8(0x223080, pte64, l, ACC_EXEC),
           adw(0x230008, pml5e | PTE_A, l, ACC_EXEC), adw(0x220000, pml4e | PTE_A, l, ACC_EXEC),
           adw(0x221000, pdpte | PTE_A, l, ACC_EXEC), adw(0x222000, pde64 | PTE_A, l, ACC_EXEC),
           adw(0x223080, pte64 | PTE_A, l, ACC_EXEC), fin(0x777123, l, ACC_EXEC));
    CHECK_EQ("gpa_seam.5l.fetch.phys", phys, 0x777123);
    harness_free(h);
}

int main(void)
{
    test_32bit();
    test_pae();
    test_4level();
    test_5level();
    return check_exit();
}
