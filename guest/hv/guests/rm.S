/* The real-mode test guest: a 64 KiB image at 0xf0000 entered at its reset vector like
 * a processor after reset (CS 0xf000 with base 0xffff0000, IP 0xfff0). It prints through
 * the UART, programs the PIC and PIT, takes timer interrupts through the IVT while
 * halted, reads the PIT count, and exits through a hypercall. */
#include "../hvabi.h"
    .code16
    .text
    .long HV_IMAGE_MAGIC, 16, HV_RM_BASE, 0xffff0

start:
    cli
    xor %ax, %ax
    mov %ax, %ss
    mov $0x7000, %sp
    mov %cs, %ax
    mov %ax, %ds
    mov $hello, %si
    call puts
    /* IVT entry 8 (IRQ0 at the reset base of 8) -> timer */
    xor %ax, %ax
    mov %ax, %es
    movw $timer, %es:0x20
    movw %cs, %es:0x22
    /* PIC: base 8, IRQ0 only; PIT channel 0 at 100 Hz */
    mov $0x11, %al; out %al, $0x20
    mov $0x08, %al; out %al, $0x21
    mov $0x04, %al; out %al, $0x21
    mov $0x01, %al; out %al, $0x21
    mov $0xfe, %al; out %al, $0x21
    mov $0x34, %al; out %al, $0x43
    mov $(11932 & 0xff), %al; out %al, $0x40
    mov $(11932 >> 8), %al; out %al, $0x40
    call pit_read
    mov %ax, %bx
1:  sti
    hlt
    cli
    cmpw $4, ticks
    jb 1b
    mov $ticked, %si
    call puts
    call pit_read
    mov $same, %si
    cmp %ax, %bx
    je 2f
    mov $moved, %si
2:  call puts
    /* CPUID from real mode: VMX must be hidden */
    mov $1, %eax
    cpuid
    mov $hidden, %si
    test $0x20, %ecx
    jz 3f
    mov $visible, %si
3:  call puts
    mov $HC_EXIT, %eax
    xor %ebx, %ebx
    vmcall
4:  hlt
    jmp 4b

timer:
    incw %cs:ticks
    push %ax
    mov $0x20, %al
    out %al, $0x20
    pop %ax
    iret

pit_read:
    mov $0, %al
    out %al, $0x43
    in $0x40, %al
    mov %al, %ah
    in $0x40, %al
    xchg %al, %ah
    ret

/* Print the NUL-terminated string at DS:SI, polling LSR.THRE like a BIOS would. */
puts:
    mov $0x3fd, %dx
5:  in %dx, %al
    test $0x20, %al
    jz 5b
    lodsb
    test %al, %al
    jz 6f
    mov $0x3f8, %dx
    out %al, %dx
    jmp puts
6:  ret

ticks: .word 0
hello: .asciz "hello from real mode, reset vector f000:fff0\n"
ticked: .asciz "timer: 4 ticks through the IVT\n"
moved: .asciz "pit counting: yes\n"
same: .asciz "pit counting: no\n"
hidden: .asciz "cpuid: VMX hidden\n"
visible: .asciz "cpuid: VMX visible\n"

    .org 0xfff0
    ljmp $0xf000, $start
    .org 0x10000
