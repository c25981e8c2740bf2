/* An instruction that faults part-way leaves the registers as they were, so the fault
 * handler can fix the cause and restart it (SDM Vol. 3 6.5 "faults ... the return address
 * points to the faulting instruction", with the state before it). The case here: setting
 * a descriptor's accessed bit, which writes the descriptor table and can page-fault
 * (KVM's shadow paging maps guest pages read-only to track them), in RETF, far CALL and
 * interrupt delivery. Found by kvm-intel with ept=0: the L2 kernel's RETF to 64-bit code
 * faulted on the GDT write after RSP was already popped, and its restart read past the
 * stack. */
#include "check.h"
#include "harness.h"

#define GDT_RO 0x400000u /* a copy of the GDT in the third 2 MiB page, mapped read-only */

static struct harness *h;

/* Long mode, with the GDT moved to a read-only page and CR0.WP set, and the descriptors'
 * accessed bits clear. compat: run in compatibility mode (CS = 32-bit code). */
static void setup(bool compat)
{
    harness_set_mode(h, MODE_LONG);
    struct cpu *c = h->c;
    static const u64 gdt[6] = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
                               0x00af9a000000ffffull, 0x00009a000000ffffull, 0x000092000000ffffull};
    phys_copy_in(h->m, GDT_RO, gdt, sizeof gdt);
    u64 pde = GDT_RO | 0x85; /* present, user, 2 MiB, not writable */
    phys_copy_in(h->m, HARNESS_PT + 0x2000 + 2 * 8, &pde, 8);
    c->gdtr.base = GDT_RO;
    c->cr0 |= CR0_WP;
    if (compat) harness_seg(c, SEG_CS, H_CODE32, 0, 0xffffffff, 0x9b | AR_DB | AR_G);
    tlb_flush_all(c);
    cpu_update_mode(c);
    c->r[RSP] = 0x80000;
}

static void test_retf(void)
{
    /* Compatibility mode: push 0x18 (64-bit code); push 0x10100; retf. */
    static const u8 code[] = {0x6a, 0x18, 0x68, 0x00, 0x01, 0x01, 0x00, 0xcb};
    setup(true);
    struct cpu *c = h->c;
    CHECK_EQ("retf.accessed_write_faults", harness_run(h, code, sizeof code, 10), EXC_PF);
    CHECK_EQ("retf.fault_at_retf", c->rip, HARNESS_CODE + 7);
    CHECK_EQ("retf.rsp_unchanged", c->r[RSP], 0x80000 - 8);
    CHECK_EQ("retf.cs_unchanged", c->seg[SEG_CS].sel, H_CODE32);
    CHECK_EQ("retf.cr2", c->cr2, GDT_RO + 0x18 + 5);
}

static void test_call_far(void)
{
    /* Compatibility mode: call far 0x18:0x10100 through a pointer at 0x200000. */
    static const u8 code[] = {0xff, 0x1d, 0x00, 0x00, 0x20, 0x00}; /* call far [0x200000] */
    setup(true);
    struct cpu *c = h->c;
    u8 ptr[6] = {0x00, 0x01, 0x01, 0x00, 0x18, 0x00};
    phys_copy_in(h->m, 0x200000, ptr, sizeof ptr);
    CHECK_EQ("callf.accessed_write_faults", harness_run(h, code, sizeof code, 10), EXC_PF);
    CHECK_EQ("callf.rsp_unchanged", c->r[RSP], 0x80000);
    CHECK_EQ("callf.cs_unchanged", c->seg[SEG_CS].sel, H_CODE32);
}

static void test_interrupt(void)
{
    /* 64-bit mode: INT 0x30 through a 64-bit interrupt gate to 0x18:0x10100; IF set. */
    static const u8 code[] = {0xcd, 0x30};
    setup(false);
    struct cpu *c = h->c;
    u64 gate[2] = {0x00008e0000180000ull | 0x0100 | (0x0001ull << 48), 0};
    gate[0] = 0x0100 | (0x18ull << 16) | (0x8eull << 40) | (0x0001ull << 48);
    c->idtr.base = 0x300000;
    c->idtr.limit = 0xfff;
    phys_copy_in(h->m, 0x300000 + 0x30 * 16, gate, sizeof gate);
    cpu_set_rflags(c, cpu_get_rflags(c) | FL_IF);
    CHECK_EQ("int.accessed_write_faults", harness_run(h, code, sizeof code, 10), EXC_PF);
    CHECK_EQ("int.rsp_unchanged", c->r[RSP], 0x80000);
    CHECK_EQ("int.if_unchanged", cpu_get_rflags(c) & FL_IF, FL_IF);
    CHECK_EQ("int.cs_unchanged", c->seg[SEG_CS].sel, H_CODE64);
}

int main(void)
{
    h = harness_new(MODE_LONG);
    test_retf();
    test_call_far();
    test_interrupt();
    harness_free(h);
    return check_exit();
}
