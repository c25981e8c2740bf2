/* Ring-3 side and kernel entry point of the SYSENTER test. */
#include "segs.h"
    .code32
    .text
    .globl user_sysenter, sysenter_entry
/* void user_sysenter(void *): runs in ring 3. SYSEXIT returns to EDX with ESP = ECX. */
user_sysenter:
    push %ebp
    mov %esp, %ebp
    mov %esp, %ecx
    mov $1f, %edx
    sysenter
1:  mov %cs, %eax
    mov %eax, u_cs
    mov %ss, %eax
    mov %eax, u_ss
    xor %eax, %eax
    cmp %esp, %ebp
    sete %al
    mov %eax, u_esp_ok
    pop %ebp
    ret

sysenter_entry:
    mov %cs, %eax
    mov %eax, k_cs
    mov %ss, %eax
    mov %eax, k_ss
    mov %esp, k_esp
    pushf
    popl k_flags
    sysexit

    .data
    .globl k_cs, k_ss, k_esp, k_flags, u_cs, u_ss, u_esp_ok
k_cs: .long 0
k_ss: .long 0
k_esp: .long 0
k_flags: .long 0
u_cs: .long 0
u_ss: .long 0
u_esp_ok: .long 0
