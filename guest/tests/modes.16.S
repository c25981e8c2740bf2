/* The real-mode part of the mode round trip. It is copied to LOW_BASE (0x8000) before
 * use, so every address is written as LOW_BASE + (label - rm_start). */
#include "segs.h"
#define LOW 0x8000
#define L(x) (LOW + (x) - rm_start)

    .text
    .code32
    .globl rm_trip, rm_start, rm_end, rm_results
rm_trip:
    pushal
    mov %esp, saved_esp
    /* A 16-bit protected-mode code segment first: clearing PE from 32-bit code would
     * leave the CPU decoding 32-bit code in real mode. */
    ljmp $SEL_KCODE16, $L(rm16)

    .code16
rm_start:
rm16:
    mov $SEL_KDATA16, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov %cr0, %eax
    and $~1, %eax
    mov %eax, %cr0
    ljmp $(LOW >> 4), $(rm_real - rm_start) /* real mode: CS = 0x800, IP = offset */
rm_real:
    mov $(LOW >> 4), %ax
    mov %ax, %ds
    xor %ax, %ax
    mov %ax, %ss
    mov $0x7c00, %sp
    lidt (ivt_desc - rm_start)
    smsw (rm_results - rm_start)
    /* Segment arithmetic: ES:0x10 with ES = 0x1000 is physical 0x10010. */
    mov $0x1000, %ax
    mov %ax, %es
    movw $0xbeef, %es:0x10
    /* 16-bit wrap-around in ADD: 0xffff + 1 sets CF, ZF, AF, PF. */
    mov $0xffff, %ax
    add $1, %ax
    pushf
    pop %ax
    mov %ax, (rm_results + 2 - rm_start)
    /* A software interrupt through the real-mode IVT (vector 0x60 at 0:0x180). */
    xor %ax, %ax
    mov %ax, %es
    movw $(rm_isr - rm_start), %es:(0x60 * 4)
    movw $(LOW >> 4), %es:(0x60 * 4 + 2)
    int $0x60
    /* Back to protected mode; a 32-bit far jump loads the 32-bit code segment. */
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $SEL_KCODE32, $rm_back

rm_isr:
    incw %ds:(rm_results + 4 - rm_start)
    mov %cs, %ax
    mov %ax, %ds:(rm_results + 6 - rm_start)
    iret

    .align 4
ivt_desc:
    .word 0x3ff
    .long 0
rm_results:
    .space 16
rm_end:

    .code32
rm_back:
    mov $SEL_KDATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov saved_esp, %esp
    popal
    ret

    .data
saved_esp:
    .long 0
