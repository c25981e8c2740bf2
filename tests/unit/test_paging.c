/* Host tests: page walks in every paging mode (32-bit, PSE/PSE-36, PAE, 4-level, 5-level),
 * #PF error codes and CR2, accessed/dirty flags, WP/NX/SMEP/SMAP, reserved bits against
 * MAXPHYADDR, PDPTE loading. Page tables are built in guest memory and paging_walk() is
 * called directly. */
#include "check.h"
#include "harness.h"
#include "cpu/cpumodel.h"
#include "cpu/sysreg.h"

static struct walk_result wr;

/* Walk and return -1, or the vector raised (error code in c->exc_error). */
static int walk(struct cpu *c, u64 lin, int acc)
{
    memset(&wr, 0, sizeof wr);
    if (setjmp(c->unwind)) return c->exc_vector;
    paging_walk(c, lin, acc, &wr);
    return -1;
}

/* Same for a control-register load. */
static int crw(struct cpu *c, int n, u64 v)
{
    if (setjmp(c->unwind)) return c->exc_vector;
    cr_write(c, n, v);
    return -1;
}

static u64 rd(struct harness *h, u64 pa, unsigned size)
{
    u64 v = 0;
    phys_copy_out(h->m, pa, &v, size);
    return v;
}
static void wr64(struct harness *h, u64 pa, u64 v) { phys_copy_in(h->m, pa, &v, 8); }
static void wr32(struct harness *h, u64 pa, u32 v) { phys_copy_in(h->m, pa, &v, 4); }

/* Expect a #PF with error code `err` and CR2 = lin. */
#define PF(name, c, lin, acc, err)                                                     \
    do {                                                                               \
        (c)->cr2 = 0;                                                                  \
        int v_ = walk(c, lin, acc);                                                    \
        CHECK(name, v_ == EXC_PF && (c)->exc_error == (int)(err) && (c)->cr2 == (lin), \
              "vector %d error %#x cr2 %#llx (want #PF %#x)", v_, (c)->exc_error,      \
              (unsigned long long)(c)->cr2, (unsigned)(err));                          \
    } while (0)

static void setup_mode(struct cpu *c, u64 cr4, u64 efer, u64 cr3)
{
    c->cr0 = CR0_PE | CR0_PG | CR0_ET;
    c->cr4 = cr4;
    c->efer = efer;
    c->cr3 = cr3;
    c->cpl = 0;
    c->rflags = FL_FIXED1;
}

static void test_32bit(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    const u64 pd = 0x200000, pt = 0x201000;
    setup_mode(c, 0, 0, pd);
    wr32(h, pd + 1 * 4, pt | PTE_P | PTE_RW | PTE_US);
    wr32(h, pt + 5 * 4, 0x345000 | PTE_P | PTE_RW | PTE_US);
    wr32(h, pt + 7 * 4, 0x346000 | PTE_P | PTE_RW);          /* supervisor */
    wr32(h, pt + 8 * 4, 0x347000 | PTE_P | PTE_US);          /* read-only */

    CHECK_EQ("paging.32.read", walk(c, 0x405123, ACC_READ), -1);
    CHECK_EQ("paging.32.phys", wr.gpa, 0x345000);
    CHECK_EQ("paging.32.pde_accessed", rd(h, pd + 4, 4) & PTE_A, PTE_A);
    CHECK_EQ("paging.32.pte_accessed", rd(h, pt + 20, 4) & (PTE_A | PTE_D), PTE_A);
    CHECK("paging.32.read_not_writable_until_dirty", !wr.writable, "writable");
    CHECK_EQ("paging.32.write", walk(c, 0x405123, ACC_WRITE), -1);
    CHECK_EQ("paging.32.pte_dirty", rd(h, pt + 20, 4) & PTE_D, PTE_D);
    CHECK_EQ("paging.32.pde_not_dirty", rd(h, pd + 4, 4) & PTE_D, 0);
    CHECK("paging.32.writable_after_write", wr.writable, "not writable");

    PF("paging.32.not_present_read", c, 0x406000, ACC_READ, 0);
    c->cpl = 3;
    PF("paging.32.not_present_user_write", c, 0x406004, ACC_WRITE, PF_W | PF_US);
    PF("paging.32.user_to_supervisor", c, 0x407000, ACC_READ, PF_P | PF_US);
    PF("paging.32.user_write_readonly", c, 0x408000, ACC_WRITE, PF_P | PF_W | PF_US);
    CHECK_EQ("paging.32.implicit_super_at_cpl3", walk(c, 0x407000, ACC_READ | ACC_SUPER), -1);
    PF("paging.32.no_id_without_smep", c, 0x406000, ACC_EXEC, PF_US);
    c->cpl = 0;
    u32 before = (u32)rd(h, pt + 8 * 4, 4);
    CHECK_EQ("paging.32.wp0_super_write_ok", walk(c, 0x408000, ACC_WRITE), -1);
    wr32(h, pt + 8 * 4, before);
    c->cr0 |= CR0_WP;
    PF("paging.32.wp1_super_write", c, 0x408000, ACC_WRITE, PF_P | PF_W);
    CHECK_EQ("paging.32.fault_leaves_dirty_clear", rd(h, pt + 8 * 4, 4) & PTE_D, 0);
    CHECK("paging.32.nofault", !paging_walk(c, 0x408000, ACC_WRITE | ACC_NOFAULT, &wr), "walked");

    /* 4-MByte pages need CR4.PSE; without it PS is ignored and the entry is a table. */
    wr32(h, pd + 2 * 4, 0x00c00000 | PTE_PS | PTE_P | PTE_RW);
    c->cr4 = CR4_PSE;
    CHECK_EQ("paging.32.pse.walk", walk(c, 0x812345, ACC_READ), -1);
    CHECK_EQ("paging.32.pse.phys", wr.gpa, 0xc12000);
    c->cr4 = 0;
    PF("paging.32.pse_off_ps_ignored", c, 0x812345, ACC_READ, 0);
    c->cr4 = CR4_PSE | CR4_PGE;
    /* PSE-36: PDE bits 20:13 are physical bits 39:32. */
    wr32(h, pd + 3 * 4, 0x00c00000 | (0x1u << 13) | PTE_PS | PTE_P | PTE_G);
    CHECK_EQ("paging.32.pse36.walk", walk(c, 0xc00000, ACC_READ), -1);
    CHECK_EQ("paging.32.pse36.phys", wr.gpa, 0x100c00000ull);
    CHECK("paging.32.pse.global", wr.global, "not global");
    wr32(h, pd + 3 * 4, 0x00c00000 | BIT(21) | PTE_PS | PTE_P);
    PF("paging.32.pse.bit21_reserved", c, 0xc00000, ACC_READ, PF_P | PF_RSVD);
    /* Core 2 has MAXPHYADDR 36: PDE bit 17 (physical bit 36) is reserved there. */
    wr32(h, pd + 3 * 4, 0x00c00000 | BIT(17) | PTE_PS | PTE_P);
    CHECK_EQ("paging.32.pse36.bit36_ok_on_skylake", walk(c, 0xc00000, ACC_READ), -1);
    h->m->cpu_model = cpu_model_lookup("core2");
    PF("paging.32.pse36.bit36_reserved_on_core2", c, 0xc00000, ACC_READ, PF_P | PF_RSVD);
    harness_free(h);
}

static void test_pae(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    const u64 pdpt = 0x210000, pd = 0x211000, pt = 0x212000;
    setup_mode(c, CR4_PAE, 0, pdpt);
    wr64(h, pdpt, pd | PTE_P);
    wr64(h, pd, pt | PTE_P | PTE_RW | PTE_US);
    wr64(h, pd + 8, 0x600000 | PTE_PS | PTE_P | PTE_RW);
    wr64(h, pt + 3 * 8, 0x456000 | PTE_P | PTE_RW | PTE_US | PTE_XD);
    CHECK("paging.pae.load_pdptes", paging_load_pdptes(c, pdpt), "rejected");
    CHECK_EQ("paging.pae.pdpte0", c->pdpte[0], pd | PTE_P);

    /* Without EFER.NXE bit 63 is reserved. */
    PF("paging.pae.xd_reserved_without_nxe", c, 0x3000, ACC_READ, PF_P | PF_RSVD);
    c->efer = EFER_NXE;
    CHECK_EQ("paging.pae.read", walk(c, 0x3abc, ACC_READ), -1);
    CHECK_EQ("paging.pae.phys", wr.gpa, 0x456000);
    CHECK("paging.pae.not_exec", !wr.exec, "exec");
    PF("paging.pae.nx_fetch", c, 0x3000, ACC_EXEC, PF_P | PF_ID);
    PF("paging.pae.not_present_fetch_has_id", c, 0x5000, ACC_EXEC, PF_ID);
    CHECK_EQ("paging.pae.2m.walk", walk(c, 0x345678, ACC_READ), -1);
    CHECK_EQ("paging.pae.2m.phys", wr.gpa, 0x745000);
    wr64(h, pd + 8, 0x600000 | BIT(13) | PTE_PS | PTE_P);
    PF("paging.pae.2m.bit13_reserved", c, 0x200000, ACC_READ, PF_P | PF_RSVD);
    /* PDPTE 1 not present. */
    PF("paging.pae.pdpte_not_present", c, 0x40000000, ACC_WRITE, PF_W);

    /* Reserved PDPTE bits: MOV CR3 / CR0 / CR4 fault and leave the registers alone. */
    wr64(h, pdpt + 8, pd | PTE_P | PTE_RW);
    CHECK("paging.pae.pdpte_rw_reserved", !paging_load_pdptes(c, pdpt), "accepted");
    CHECK_EQ("paging.pae.mov_cr3_gp", crw(c, 3, pdpt), EXC_GP);
    c->cr0 &= ~(u64)CR0_PG;
    CHECK_EQ("paging.pae.mov_cr0_pg_gp", crw(c, 0, c->cr0 | CR0_PG), EXC_GP);
    CHECK_EQ("paging.pae.mov_cr0_pg_gp.cr0", c->cr0 & CR0_PG, 0);
    wr64(h, pdpt + 8, 0);
    wr64(h, pdpt + 16, 0x777000 | PTE_P);
    CHECK_EQ("paging.pae.mov_cr0_pg_ok", crw(c, 0, c->cr0 | CR0_PG), -1);
    CHECK_EQ("paging.pae.mov_cr0_loaded_pdpte2", c->pdpte[2], 0x777000 | PTE_P);
    harness_free(h);
}

/* 4-level tables: PML4 0x220000, PDPT 0x221000, PD 0x222000, PT 0x223000. */
static void build_4level(struct harness *h)
{
    wr64(h, 0x220000, 0x221000 | PTE_P | PTE_RW | PTE_US);
    wr64(h, 0x220000 + 256 * 8, 0x221000 | PTE_P | PTE_RW | PTE_US);
    wr64(h, 0x221000, 0x222000 | PTE_P | PTE_RW | PTE_US);
    wr64(h, 0x221000 + 8, 0x40000000 | PTE_PS | PTE_P | PTE_RW); /* 1 GiB page */
    wr64(h, 0x222000, 0x223000 | PTE_P | PTE_RW | PTE_US);
    wr64(h, 0x223000 + 0x10 * 8, 0x777000 | PTE_P | PTE_RW | PTE_US | PTE_G);
    wr64(h, 0x223000 + 0x11 * 8, 0x778000 | PTE_P | PTE_RW);   /* supervisor */
}

static void test_4level(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    build_4level(h);
    setup_mode(c, CR4_PAE | CR4_PGE, EFER_LME | EFER_LMA | EFER_NXE, 0x220000);

    CHECK_EQ("paging.4l.read", walk(c, 0x10123, ACC_READ), -1);
    CHECK_EQ("paging.4l.phys", wr.gpa, 0x777000);
    CHECK("paging.4l.global", wr.global && wr.user && wr.exec, "g %d u %d x %d", wr.global, wr.user, wr.exec);
    CHECK_EQ("paging.4l.a.pml4e", rd(h, 0x220000, 8) & PTE_A, PTE_A);
    CHECK_EQ("paging.4l.a.pdpte", rd(h, 0x221000, 8) & PTE_A, PTE_A);
    CHECK_EQ("paging.4l.a.pde", rd(h, 0x222000, 8) & PTE_A, PTE_A);
    CHECK_EQ("paging.4l.a.pte", rd(h, 0x223000 + 0x80, 8) & (PTE_A | PTE_D), PTE_A);
    CHECK_EQ("paging.4l.high_half", walk(c, 0xffff800000010000ull, ACC_WRITE), -1);
    CHECK_EQ("paging.4l.high_half.phys", wr.gpa, 0x777000);
    CHECK_EQ("paging.4l.d.pte", rd(h, 0x223000 + 0x80, 8) & PTE_D, PTE_D);

    /* PCID in CR3[11:0] does not move the table. */
    c->cr4 |= CR4_PCIDE;
    c->cr3 = 0x220000 | 5;
    CHECK_EQ("paging.4l.pcid.walk", walk(c, 0x10000, ACC_READ), -1);
    c->cr4 &= ~(u64)CR4_PCIDE;
    c->cr3 = 0x220000;

    CHECK_EQ("paging.4l.1g", walk(c, 0x52345678, ACC_READ), -1);
    CHECK_EQ("paging.4l.1g.phys", wr.gpa, 0x52345000);
    wr64(h, 0x221000 + 8, 0x40000000 | BIT(13) | PTE_PS | PTE_P);
    PF("paging.4l.1g.bit13_reserved", c, 0x40000000, ACC_READ, PF_P | PF_RSVD);
    wr64(h, 0x221000 + 8, 0x40000000 | PTE_PS | PTE_P);
    h->m->cpu_model = cpu_model_lookup("core2"); /* no 1-GByte pages: PS is reserved */
    PF("paging.4l.1g.core2_reserved", c, 0x40000000, ACC_READ, PF_P | PF_RSVD);
    h->m->cpu_model = cpu_model_lookup("skylake");

    wr64(h, 0x220000 + 8, 0x221000 | PTE_PS | PTE_P);
    PF("paging.4l.pml4e_ps_reserved", c, 0x8000000000ull, ACC_READ, PF_P | PF_RSVD);
    /* Bit 45 is above Skylake's 39-bit MAXPHYADDR but within Ice Lake's 46. */
    wr64(h, 0x223000 + 0x12 * 8, BIT(45) | 0x779000 | PTE_P);
    PF("paging.4l.maxphyaddr_reserved", c, 0x12000, ACC_READ, PF_P | PF_RSVD);
    h->m->cpu_model = cpu_model_lookup("icelake");
    CHECK_EQ("paging.4l.maxphyaddr_icelake_ok", walk(c, 0x12000, ACC_READ), -1);
    CHECK_EQ("paging.4l.maxphyaddr_icelake_phys", wr.gpa, BIT(45) | 0x779000);
    h->m->cpu_model = cpu_model_lookup("skylake");

    /* SMEP: supervisor fetch from a user page; SMAP: supervisor data access to one. */
    c->cr4 |= CR4_SMEP;
    PF("paging.4l.smep", c, 0x10000, ACC_EXEC, PF_P | PF_ID);
    CHECK_EQ("paging.4l.smep_super_page_ok", walk(c, 0x11000, ACC_EXEC), -1);
    c->cr4 = CR4_PAE | CR4_SMAP;
    PF("paging.4l.smap_read", c, 0x10000, ACC_READ, PF_P);
    PF("paging.4l.smap_write", c, 0x10000, ACC_WRITE, PF_P | PF_W);
    c->rflags |= FL_AC;
    CHECK_EQ("paging.4l.smap_ac_read", walk(c, 0x10000, ACC_READ), -1);
    PF("paging.4l.smap_implicit_ignores_ac", c, 0x10000, ACC_READ | ACC_SUPER, PF_P);
    c->cpl = 3;
    CHECK_EQ("paging.4l.smap_user_ok", walk(c, 0x10000, ACC_READ), -1);
    PF("paging.4l.user_super_page", c, 0x11000, ACC_EXEC, PF_P | PF_US | PF_ID);
    c->cpl = 0;
    c->rflags = FL_FIXED1;

    /* A faulting walk sets no accessed flag. */
    wr64(h, 0x223000 + 0x13 * 8, 0x779000 | PTE_P | PTE_US);
    c->cr4 = CR4_PAE | CR4_SMAP;
    PF("paging.4l.fault_no_a.walk", c, 0x13000, ACC_READ, PF_P);
    CHECK_EQ("paging.4l.fault_no_a", rd(h, 0x223000 + 0x13 * 8, 8) & PTE_A, 0);
    harness_free(h);
}

static void test_5level(void)
{
    struct harness *h = harness_new(MODE_LONG);
    struct cpu *c = h->c;
    h->m->cpu_model = cpu_model_lookup("icelake");
    build_4level(h);
    wr64(h, 0x230000 + 8, 0x220000 | PTE_P | PTE_RW | PTE_US); /* PML5[1] */
    setup_mode(c, CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA, 0x230000);
    CHECK_EQ("paging.5l.walk", walk(c, BIT(48) | 0x10000, ACC_READ), -1);
    CHECK_EQ("paging.5l.phys", wr.gpa, 0x777000);
    CHECK_EQ("paging.5l.pml5e_accessed", rd(h, 0x230008, 8) & PTE_A, PTE_A);
    PF("paging.5l.pml5e_not_present", c, 0x10000, ACC_READ, 0);
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
