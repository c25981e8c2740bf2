/* Application-processor start-up for smp.c. ap_tramp..ap_tramp_end is copied to the
 * 4 KiB page a SIPI names (vector << 12, below 1 MiB), where an AP starts in real mode
 * with CS = vector << 8, IP = 0 (SDM Vol. 3 9.4.4). It records where it started, loads
 * the kernel's GDT and jumps to ap_entry32 in flat 32-bit protected mode. smp.c fills
 * ap_gdtr and ap_far before sending the SIPI. */
#include "segs.h"

#define OFF(sym) ((sym) - ap_tramp)
#define AP_STACK_SIZE 4096 /* smp.c: sizeof ap_stacks[0] */

    .section .rodata.ap_tramp, "a"
    .code16
    .globl ap_tramp, ap_tramp_end, ap_gdtr, ap_far, ap_start_cs, ap_start_ip
ap_tramp:
    cli
    mov %cs, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x1000, %sp          /* top of this page: APs started together push the same value */
    mov %ax, OFF(ap_start_cs)
    call 1f
1:  pop %bx                   /* IP of 1b: 1b - ap_tramp when IP started at 0 */
    sub $OFF(1b), %bx
    mov %bx, OFF(ap_start_ip)
    lgdtl OFF(ap_gdtr)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl *OFF(ap_far)
    .align 4
ap_far:      .long 0          /* ap_entry32 */
             .word SEL_KCODE32
    .align 4
ap_gdtr:     .word 0
             .long 0
ap_start_cs: .word 0xffff
ap_start_ip: .word 0xffff
ap_tramp_end:

    .text
    .code32
    .globl ap_entry32
ap_entry32:
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    /* Each start takes a fresh stack; several APs may start at once. */
    mov $AP_STACK_SIZE, %eax
    lock xadd %eax, ap_stack_next
    add $AP_STACK_SIZE, %eax
    mov %eax, %esp
    call ap_main
2:  cli
    hlt
    jmp 2b

