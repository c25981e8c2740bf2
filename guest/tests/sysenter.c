/* (f) Fast system calls: SYSENTER/SYSEXIT here in 32-bit protected mode, SYSCALL/SYSRET
 * in 64-bit mode (sysenter.64.c). Checks the selectors, stack and flags each
 * instruction produces and the #UD / #GP cases. */
#include "guest.h"

#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define IF 0x200u

/* Filled by sysenter.32.S. */
extern u32 k_cs, k_ss, k_esp, k_flags, u_cs, u_ss, u_esp_ok;
extern char sysenter_entry[];
void user_sysenter(void *arg);
static u8 sysenter_stack[4096] ALIGNED(16);

static void do_sysexit_ring3(void *arg) { run_user((void (*)(void *))arg, 0); }
static void user_sysexit(void *arg) { __asm__ volatile("sysexit"); }
static void do_sysenter_cs0(void *arg) { __asm__ volatile("sysenter"); }
static void do_syscall(void *arg) { __asm__ volatile("syscall"); }

void test_main(struct multiboot_info *mbi)
{
    outb(0x21, 0xff); /* PIC masked: user code runs with IF set */
    outb(0xa1, 0xff);
    wrmsr(MSR_SYSENTER_CS, SEL_KCODE32);
    wrmsr(MSR_SYSENTER_ESP, (u32)(uptr)(sysenter_stack + sizeof(sysenter_stack)));
    wrmsr(MSR_SYSENTER_EIP, (u32)(uptr)sysenter_entry);
    check_eq("sysenter_cs_msr_readback", rdmsr(MSR_SYSENTER_CS), SEL_KCODE32);

    sti();
    run_user(user_sysenter, 0);
    cli();
    check_eq("sysenter_kernel_cs", k_cs, SEL_KCODE32);
    check_eq("sysenter_kernel_ss", k_ss, SEL_KDATA);
    check_eq("sysenter_kernel_esp", k_esp, (u32)(uptr)(sysenter_stack + sizeof(sysenter_stack)));
    check_eq("sysenter_clears_if", k_flags & IF, 0);
    check_eq("sysexit_user_cs", u_cs, SEL_UCODE32 | 3);
    check_eq("sysexit_user_ss", u_ss, SEL_UDATA | 3);
    check_eq("sysexit_user_esp", u_esp_ok, 1);

    /* SYSEXIT is privileged: #GP(0) from ring 3. */
    int v = catch_fault(do_sysexit_ring3, user_sysexit);
    check_eq("sysexit_ring3_gp", v == 13 && last_trap.err == 0, 1);
    /* SYSENTER with SYSENTER_CS = 0: #GP(0). */
    wrmsr(MSR_SYSENTER_CS, 0);
    v = catch_fault(do_sysenter_cs0, 0);
    check_eq("sysenter_cs0_gp", v == 13 && last_trap.err == 0, 1);
    /* SYSCALL with EFER.SCE clear: #UD. */
    v = catch_fault(do_syscall, 0);
    check_eq("syscall_sce0_ud", v, 6);

    call64(0);
}
