/* (f) SYSCALL/SYSRET in 64-bit mode: STAR/LSTAR/FMASK, RCX/R11, returned selectors. */
#include "guest.h"

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define DF 0x400ull

u64 sc_cs, sc_ss, sc_rcx, sc_r11, sc_flags, sc_ucs, sc_uss, sc_ret;
extern char syscall_entry[], syscall_ret[];

/* Ring 3: STD so we can see FMASK clear DF in the kernel and SYSRET restore it. */
static void user_syscall(void *arg)
{
    u64 flags_after;
    __asm__ volatile("std\n syscall\n .globl syscall_ret\n syscall_ret:\n"
                     "pushfq; pop %0; cld\n mov %%cs, %1\n mov %%ss, %2"
                     : "=r"(flags_after), "=r"(sc_ucs), "=r"(sc_uss)
                     :
                     : "rcx", "r11", "memory");
    sc_ret = flags_after;
}
static void do_sysret_ring3(void *arg) { __asm__ volatile("sysretq"); }
static void probe(void *fn) { run_user((void (*)(void *))fn, 0); }

__asm__(".text\n.globl syscall_entry\nsyscall_entry:\n"
        "  mov %cs, %rax; mov %rax, sc_cs(%rip)\n"
        "  mov %ss, %rax; mov %rax, sc_ss(%rip)\n"
        "  mov %rcx, sc_rcx(%rip)\n mov %r11, sc_r11(%rip)\n"
        "  pushfq; pop %rax; mov %rax, sc_flags(%rip)\n"
        "  sysretq\n");

void main64(u64 arg)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, ((u64)SEL_UCODE32 << 48) | ((u64)SEL_KCODE32 << 32));
    wrmsr(MSR_LSTAR, (u64)syscall_entry);
    wrmsr(MSR_FMASK, DF);
    check_eq("lstar_readback", rdmsr(MSR_LSTAR), (u64)syscall_entry);
    run_user(user_syscall, 0);
    check_eq("syscall_kernel_cs", sc_cs, SEL_KCODE32);
    check_eq("syscall_kernel_ss", sc_ss, SEL_KDATA);
    check_eq("syscall_rcx_is_return_rip", sc_rcx, (u64)syscall_ret);
    check_eq("syscall_r11_has_user_df", sc_r11 & DF, DF);
    check_eq("syscall_fmask_clears_df", sc_flags & DF, 0);
    check_eq("sysret_user_cs", sc_ucs, SEL_UCODE64 | 3);
    check_eq("sysret_user_ss", sc_uss, SEL_UDATA | 3);
    check_eq("sysret_restores_df", sc_ret & DF, DF);
    int v = catch_fault(probe, do_sysret_ring3);
    check_eq("sysret_ring3_gp", v == 13 && last_trap.err == 0, 1);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(u64)EFER_SCE);
}
