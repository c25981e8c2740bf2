/* 256 exception/interrupt entry stubs (16 bytes apart, so C finds stub n at
 * trap_stubs + 16n) and the common path that builds a struct trap_frame. */
#include "segs.h"
    .code32
    .text
    .globl trap_stubs
    .align 16
trap_stubs:
    .set vec, 0
    .rept 256
    .align 16
    /* The CPU pushes an error code only for these vectors; others get a dummy 0. */
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    push $0
    .endif
    push $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

trap_common:
    pusha
    push %ds
    push %es
    push %fs
    push %gs
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    cld
    push %esp
    call trap_dispatch
    add $4, %esp
    pop %gs
    pop %fs
    pop %es
    pop %ds
    popa
    add $8, %esp
    iret

/* void enter_user(uptr eip, uptr esp): iret into ring 3 with flat user segments. */
    .globl enter_user, user_exit
enter_user:
    mov 4(%esp), %ecx
    mov 8(%esp), %edx
    /* Data segments must be loaded with DPL-3 selectors first: IRET to ring 3 nulls
     * any that hold ring-0 ones. */
    mov $(SEL_UDATA | 3), %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    push $(SEL_UDATA | 3)
    push %edx
    pushf
    push $(SEL_UCODE32 | 3)
    push %ecx
    iret
/* Ring-3 functions return here: the only way back is a gate. */
user_exit:
    int $USER_RETURN_VEC
    ud2
