/* Entry of a 64-bit test guest: the image header (hvabi.h), a stack, gmain, and
 * HC_EXIT with its result. The hypervisor enters at _start in 64-bit mode on an
 * identity map of 4 GiB. */
#include "../hvabi.h"
    .section .hvheader, "a"
    .long HV_IMAGE_MAGIC, 64, 0x100000, _start
    .section .text.entry, "ax"
    .code64
    .globl _start
_start:
    mov $HV_STACK_TOP, %rsp
    call gmain
    mov %eax, %ebx
    mov $HC_EXIT, %eax
    vmcall
1:  cli
    hlt
    jmp 1b
