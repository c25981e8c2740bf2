/* The 64-bit twin of idt32.S: stubs 16 bytes apart and a common path building the
 * 64-bit struct trap_frame. */
#include "segs.h"
    .code64
    .text
    .globl trap_stubs
    .align 16
trap_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

trap_common:
    push %rax
    push %rcx
    push %rdx
    push %rbx
    push %rbp
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    mov %rsp, %rbx
    and $-16, %rsp /* the SysV ABI wants 16-byte alignment at calls */
    cld
    call trap_dispatch
    mov %rbx, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rbp
    pop %rbx
    pop %rdx
    pop %rcx
    pop %rax
    add $16, %rsp
    iretq

/* void enter_user(uptr rip, uptr rsp, uptr arg): iretq into 64-bit ring 3 with
 * RDI = arg, so the user function sees its argument. */
    .globl enter_user, user_exit
enter_user:
    pushq $(SEL_UDATA | 3)
    push %rsi
    pushfq
    pushq $(SEL_UCODE64 | 3)
    push %rdi
    mov %rdx, %rdi
    iretq
user_exit:
    int $USER_RETURN_VEC
    ud2
