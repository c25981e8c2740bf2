/* (c) Paging: 32-bit (non-PAE) and PAE paging here, 4-level paging in paging.64.c.
 * Each mode maps a test window of 4 KiB pages and checks #PF error codes, CR2, the
 * accessed/dirty bits, CR0.WP, INVLPG and (PAE) NX and reserved-bit faults. */
#include "guest.h"

#define P 0x1u
#define RW 0x2u
#define US 0x4u
#define A 0x20u
#define D 0x40u
#define PS 0x80u
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u
#define PF_RSVD 0x8u
#define PF_I 0x10u

#define WIN 0x40000000u /* virtual test window; unmapped in the identity map */

static u8 frames[4][4096] ALIGNED(4096); /* physical pages behind the window */

static void touch_read(void *p) { (void)*(volatile u32 *)p; }
static void touch_write(void *p) { *(volatile u32 *)p = 0x5a5a5a5a; }
static void do_exec(void *p) { ((void (*)(void))p)(); }

/* Expect a #PF with error code `err` at `addr` when fn touches it. */
static void expect_pf(const char *name, void (*fn)(void *), u32 addr, u32 err)
{
    int v = catch_fault(fn, (void *)(uptr)addr);
    if (v != 14)
        fail(name, "vector %d, want 14", v);
    else if (last_trap.err != err || last_trap.cr2 != addr)
        fail(name, "error 0x%x cr2 0x%llx, want 0x%x cr2 0x%x", last_trap.err,
             (unsigned long long)last_trap.cr2, err, addr);
    else
        pass(name);
}

static void expect_ok(const char *name, void (*fn)(void *), u32 addr)
{
    int v = catch_fault(fn, (void *)(uptr)addr);
    if (v < 0)
        pass(name);
    else
        fail(name, "vector %d error 0x%x", v, last_trap.err);
}

struct user_arg {
    u32 addr;
    int vec;
};
static void user_touch(void *p)
{
    (void)*(volatile u32 *)(uptr)((struct user_arg *)p)->addr;
}
static void user_probe(void *p) { run_user(user_touch, p); }

/* ---- 32-bit paging: PD with 4 MiB identity pages, one 4 KiB table for WIN ---- */
static u32 pd32[1024] ALIGNED(4096);
static u32 pt32[1024] ALIGNED(4096);

static void test_32bit(void)
{
    for (u32 i = 0; i < 1024; i++)
        pd32[i] = (i << 22) | PS | US | RW | P; /* user-accessible identity map */
    pd32[WIN >> 22] = (u32)(uptr)pt32 | US | RW | P;
    memset(pt32, 0, sizeof(pt32));
    pt32[0] = (u32)(uptr)frames[0] | RW | P;      /* WIN+0: supervisor RW */
    pt32[1] = 0;                                  /* WIN+1000: not present */
    pt32[2] = (u32)(uptr)frames[1] | P;           /* WIN+2000: read-only */
    pt32[3] = (u32)(uptr)frames[2] | US | RW | P; /* WIN+3000: user RW */

    write_cr3((uptr)pd32);
    write_cr4(read_cr4() | CR4_PSE);
    write_cr0(read_cr0() | CR0_PG);

    frames[0][0] = 0x11;
    check_eq("pg32_read_mapped", *(volatile u8 *)WIN, 0x11);
    check_eq("pg32_accessed_set", pt32[0] & (A | D), A);
    check_eq("pg32_pde_accessed", pd32[WIN >> 22] & A, A);
    *(volatile u8 *)(WIN + 4) = 1;
    check_eq("pg32_dirty_set", pt32[0] & (A | D), A | D);
    expect_pf("pg32_notpresent_read", touch_read, WIN + 0x1008, 0);
    expect_pf("pg32_notpresent_write", touch_write, WIN + 0x1ffc, PF_W);
    write_cr0(read_cr0() & ~CR0_WP);
    expect_ok("pg32_ro_write_wp0", touch_write, WIN + 0x2000);
    write_cr0(read_cr0() | CR0_WP);
    expect_pf("pg32_ro_write_wp1", touch_write, WIN + 0x2010, PF_P | PF_W);
    check_eq("pg32_ro_dirty_after_wp0", pt32[2] & D, D);

    struct user_arg ua = {WIN, 0};
    int v = catch_fault(user_probe, &ua);
    if (v == 14 && last_trap.err == (PF_U | PF_P) && last_trap.cr2 == WIN)
        pass("pg32_user_on_supervisor");
    else
        fail("pg32_user_on_supervisor", "vector %d error 0x%x", v, last_trap.err);
    ua.addr = WIN + 0x3000;
    check_eq("pg32_user_on_user", catch_fault(user_probe, &ua), (u64)-1);

    /* A stale translation stays until INVLPG. Remap WIN+0 to frames[3]. */
    frames[3][0] = 0x33;
    pt32[0] = (u32)(uptr)frames[3] | RW | P;
    invlpg((void *)WIN);
    check_eq("pg32_invlpg_remap", *(volatile u8 *)WIN, 0x33);

    write_cr0(read_cr0() & ~CR0_PG);
    write_cr4(read_cr4() & ~CR4_PSE);
}

/* ---- PAE: PDPT -> PD (2 MiB identity pages) + one table for WIN ---- */
static u64 pdpt[4] ALIGNED(32);
static u64 pae_pd[4][512] ALIGNED(4096);
static u64 pae_pt[512] ALIGNED(4096);

static int have_nx(void)
{
    u32 a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x80000001)
        return 0;
    cpuid(0x80000001, 0, &a, &b, &c, &d);
    return (d >> 20) & 1;
}

static void test_pae(void)
{
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 512; j++)
            pae_pd[i][j] = ((u64)i << 30) | ((u64)j << 21) | PS | US | RW | P;
        pdpt[i] = (u32)(uptr)pae_pd[i] | P; /* PDPTEs have no RW/US bits in PAE */
    }
    /* WIN = 0x40000000: PDPT 1, PD entry 0. */
    pae_pd[1][0] = (u32)(uptr)pae_pt | US | RW | P;
    memset(pae_pt, 0, sizeof(pae_pt));
    pae_pt[0] = (u32)(uptr)frames[0] | RW | P;
    pae_pt[1] = (u32)(uptr)frames[1] | P;
    pae_pt[2] = (u32)(uptr)frames[2] | RW | P | (1ull << 63); /* NX */
    /* WIN + 2 MiB: a 2 MiB page with reserved bits 20:13 set. */
    pae_pd[1][1] = 0x40200000u | (1u << 13) | PS | RW | P;

    int nx = have_nx();
    if (nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    write_cr3((uptr)pdpt);
    write_cr4(read_cr4() | CR4_PAE);
    write_cr0(read_cr0() | CR0_PG | CR0_WP);

    frames[0][8] = 0x44;
    check_eq("pae_read_mapped", *(volatile u8 *)(WIN + 8), 0x44);
    check_eq("pae_accessed", pae_pt[0] & (A | D), A);
    touch_write((void *)WIN);
    check_eq("pae_dirty", pae_pt[0] & (A | D), A | D);
    expect_pf("pae_notpresent", touch_read, WIN + 0x3000, 0);
    expect_pf("pae_ro_write", touch_write, WIN + 0x1000, PF_P | PF_W);
    expect_pf("pae_reserved_bit", touch_read, WIN + 0x200000, PF_P | PF_RSVD);
    if (nx) {
        frames[2][0] = 0xc3; /* ret */
        expect_pf("pae_nx_fetch", do_exec, WIN + 0x2000, PF_P | PF_I);
        expect_ok("pae_nx_read_ok", touch_read, WIN + 0x2000);
    } else {
        fail("pae_nx_fetch", "CPUID reports no NX");
    }
    write_cr0(read_cr0() & ~(CR0_PG | CR0_WP));
    write_cr4(read_cr4() & ~CR4_PAE);
    if (nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(u64)EFER_NXE);
}

void test_main(struct multiboot_info *mbi)
{
    test_32bit();
    test_pae();
    call64(0);
}
