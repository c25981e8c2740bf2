/* (b) Mode round trip: 32-bit protected mode -> 64-bit long mode -> back to protected
 * mode -> real mode (including a real-mode interrupt through the IVT) -> protected mode
 * again, checking at each stop that the processor really is in the expected mode. */
#include "guest.h"

#define LOW_BASE 0x8000u /* where the real-mode code runs (must be below 1 MiB) */

extern char rm_start[], rm_end[], rm_results[];
void rm_trip(void);

/* Layout of rm_results, filled in by the real-mode code (see modes.16.S). */
struct PACKED rm_results {
    u16 msw;         /* SMSW in real mode: PE must be clear */
    u16 flags_add;   /* FLAGS after 0xffff + 1 in 16-bit arithmetic */
    u16 int_hits;    /* bumped by the INT 0x60 handler */
    u16 cs_in_isr;   /* CS the handler saw: the IVT's segment */
    u16 wrap_read;   /* a word read at 0xffff:0x0020 with the A20 gate as left */
};

void test_main(struct multiboot_info *mbi)
{
    /* Into long mode and back, twice: the return path must leave a clean state. */
    u32 efer = (u32)rdmsr(MSR_EFER);
    check_eq("pm_efer_lma_clear", efer & EFER_LMA, 0);
    for (int i = 0; i < 2; i++) {
        int failed = call64(0x1234 + i);
        check_eq(i ? "lm_second_trip" : "lm_first_trip", failed, 0);
    }
    check_eq("pm_after_lm_efer", (u32)rdmsr(MSR_EFER) & (EFER_LMA | EFER_LME), 0);
    check_eq("pm_after_lm_cr0_pg", read_cr0() & CR0_PG, 0);
    check_eq("pm_after_lm_cs", read_cs(), SEL_KCODE32);

    /* Down to real mode and back. */
    memcpy((void *)LOW_BASE, rm_start, rm_end - rm_start);
    volatile u16 *marker = (volatile u16 *)0x10010;
    *marker = 0;
    struct desc_ptr idtr;
    sidt(&idtr);
    rm_trip();
    lidt(&idtr);
    struct rm_results *r = (struct rm_results *)(LOW_BASE + (rm_results - rm_start));
    check_eq("rm_pe_clear", r->msw & 1, 0);
    check_eq("rm_segment_write", *marker, 0xbeef); /* ES=0x1000, offset 0x10 */
    check_eq("rm_add16_flags", r->flags_add & 0x8d5, 0x55); /* CF ZF AF PF */
    check_eq("rm_int_ivt", r->int_hits, 1);
    check_eq("rm_int_cs", r->cs_in_isr, LOW_BASE >> 4);
    check_eq("pm_back_cr0_pe", read_cr0() & CR0_PE, CR0_PE);
    check_eq("pm_back_cs", read_cs(), SEL_KCODE32);
}
