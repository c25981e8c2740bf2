/* Multiboot 1 header and the 32-bit entry point. The loader (GRUB, QEMU or Vanderpool)
 * leaves us in flat 32-bit protected mode with EAX = magic and EBX = info. */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003 /* page-align modules, provide memory info */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    mov %eax, %esi
    mov %ebx, %edx
    /* Zero .bss ourselves: not every loader is trusted to, and the stack lives there. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    mov $boot_stack_top, %esp
    xor %ebp, %ebp
    push %edx
    push %esi
    call kstart32
1:  cli
    hlt
    jmp 1b

    .section .bss
    .align 16
    .globl boot_stack_top
boot_stack:
    .space 65536
boot_stack_top:
