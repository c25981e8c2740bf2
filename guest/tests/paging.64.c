/* (c) 4-level paging, from 64-bit mode: a private PML4 whose entry 0 reuses the
 * runtime's identity map and whose entry 1 (virtual 512 GiB) holds a 4 KiB test window. */
#include "guest.h"

#define P 0x1ull
#define RW 0x2ull
#define US 0x4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define NX (1ull << 63)

#define WIN 0x8000000000ull /* PML4 index 1 */

static u64 pml4[512] ALIGNED(4096);
static u64 pdpt[512] ALIGNED(4096);
static u64 pd[512] ALIGNED(4096);
static u64 pt[512] ALIGNED(4096);
static u8 frames[3][4096] ALIGNED(4096);

static void touch_read(void *p) { (void)*(volatile u64 *)p; }
static void touch_write(void *p) { *(volatile u64 *)p = 1; }

static void expect_pf(const char *name, void (*fn)(void *), u64 addr, u32 err)
{
    int v = catch_fault(fn, (void *)addr);
    if (v != 14)
        fail(name, "vector %d, want 14", v);
    else if (last_trap.err != err || last_trap.cr2 != addr)
        fail(name, "error 0x%x cr2 0x%llx, want 0x%x", last_trap.err,
             (unsigned long long)last_trap.cr2, err);
    else
        pass(name);
}

static void user_read(void *p) { (void)*(volatile u64 *)p; }
static void user_probe(void *p) { run_user(user_read, p); }

void main64(u64 arg)
{
    u64 *old = (u64 *)read_cr3();
    pml4[0] = old[0];
    pml4[1] = (u64)pdpt | US | RW | P;
    pdpt[0] = (u64)pd | US | RW | P;
    pd[0] = (u64)pt | US | RW | P;
    pt[0] = (u64)frames[0] | RW | P;            /* supervisor RW */
    pt[1] = (u64)frames[1] | US | P;            /* user read-only */
    pt[3] = (u64)frames[2] | US | RW | P | NX;  /* user RW, no execute */
    write_cr3((u64)pml4);
    write_cr0(read_cr0() | CR0_WP);

    frames[0][0] = 0x77;
    check_eq("pg4_read_mapped", *(volatile u8 *)WIN, 0x77);
    check_eq("pg4_pte_accessed", pt[0] & (A | D), A);
    check_eq("pg4_pml4e_accessed", pml4[1] & A, A);
    check_eq("pg4_pdpte_accessed", pdpt[0] & A, A);
    touch_write((void *)(WIN + 8));
    check_eq("pg4_pte_dirty", pt[0] & (A | D), A | D);
    check_eq("pg4_pde_not_dirty", pd[0] & D, 0); /* D exists only in leaf entries */
    expect_pf("pg4_notpresent", touch_read, WIN + 0x2000, 0);
    expect_pf("pg4_ro_write", touch_write, WIN + 0x1008, 0x3);
    expect_pf("pg4_notpresent_pdpte", touch_read, WIN + 0x40000000ull, 0);

    int v = catch_fault(user_probe, (void *)WIN);
    if (v == 14 && last_trap.err == 0x5 && last_trap.cr2 == WIN)
        pass("pg4_user_on_supervisor");
    else
        fail("pg4_user_on_supervisor", "vector %d error 0x%x", v, last_trap.err);
    check_eq("pg4_user_on_user", catch_fault(user_probe, (void *)(WIN + 0x1000)), (u64)-1);

    /* A non-canonical address raises #GP(0), not #PF. */
    v = catch_fault(touch_read, (void *)0x0000800000000000ull);
    if (v == 13 && last_trap.err == 0)
        pass("pg4_noncanonical_gp");
    else
        fail("pg4_noncanonical_gp", "vector %d error 0x%x", v, last_trap.err);

    /* CR3 reload flushes non-global translations. */
    frames[1][0] = 0x99;
    pt[0] = (u64)frames[1] | RW | P;
    write_cr3((u64)pml4);
    check_eq("pg4_cr3_flush", *(volatile u8 *)WIN, 0x99);

    write_cr3((u64)old);
}
