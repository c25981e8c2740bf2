/* u32 call64_asm(u32 entry, u32 arg, u32 pml4): switch from 32-bit protected mode
 * (paging off) to 64-bit mode, call entry(arg) with the SysV ABI, and come back to
 * 32-bit protected mode with paging off. Returns entry's result (low 32 bits). */
#include "segs.h"
    .code32
    .text
    .globl call64_asm
call64_asm:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov 20(%esp), %esi
    mov 24(%esp), %edi
    mov 28(%esp), %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax          /* CR4.PAE: long mode requires PAE paging */
    mov %eax, %cr4
    mov $0xc0000080, %ecx
    rdmsr
    or $0x100, %eax         /* EFER.LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax    /* CR0.PG: activates IA-32e mode (compatibility) */
    mov %eax, %cr0
    ljmp $SEL_KCODE64, $1f  /* a 64-bit code segment enters 64-bit mode */
    .code64
1:
    /* Upper register halves are undefined after the switch: zero-extend what we use. */
    mov %esi, %esi
    mov %edi, %edi
    mov %esp, %ebp
    and $-16, %rsp
    call *%rsi
    mov %rbp, %rsp
    mov %eax, %ebx
    /* Back to a 32-bit code segment (compatibility mode), then leave long mode. */
    pushq $SEL_KCODE32
    lea 2f(%rip), %rcx
    push %rcx
    lretq
    .code32
2:
    mov %cr0, %eax
    and $0x7fffffff, %eax
    mov %eax, %cr0
    mov $0xc0000080, %ecx
    rdmsr
    and $~0x100, %eax
    wrmsr
    mov %cr4, %eax
    and $~0x20, %eax
    mov %eax, %cr4
    mov $SEL_KDATA, %cx
    mov %cx, %ds
    mov %cx, %es
    mov %cx, %fs
    mov %cx, %gs
    mov %cx, %ss
    mov %ebx, %eax
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret
