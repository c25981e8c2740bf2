/* 64-bit half: SALC is #UD, LGDT/LIDT with a non-canonical base raise #GP(0). */
#include "guest.h"

static void do_salc(void *arg) { __asm__ volatile(".byte 0xd6" ::: "rax"); }

static struct PACKED {
    u16 limit;
    u64 base;
} dtr;

static void do_lgdt(void *arg) { __asm__ volatile("lgdt %0" ::"m"(dtr)); }
static void do_lidt(void *arg) { __asm__ volatile("lidt %0" ::"m"(dtr)); }

void main64(u64 arg)
{
    check_eq("salc_64bit_ud", catch_fault(do_salc, 0), 6);
    dtr.limit = 0xfff;
    dtr.base = 0x0000800000000000ull;
    int v = catch_fault(do_lgdt, 0);
    check("lgdt_noncanonical_base_gp0", v == 13 && last_trap.err == 0);
    v = catch_fault(do_lidt, 0);
    check("lidt_noncanonical_base_gp0", v == 13 && last_trap.err == 0);
}
