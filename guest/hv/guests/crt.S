/* Entry of a 32-bit test guest: the image header (hvabi.h), a stack, gmain, and
 * HC_EXIT with its result. The hypervisor enters at _start in flat 32-bit protected
 * mode with paging off. */
#include "../hvabi.h"
    .section .hvheader, "a"
    .long HV_IMAGE_MAGIC, 32, 0x100000, _start
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    mov $HV_STACK_TOP, %esp
    call gmain
    mov %eax, %ebx
    mov $HC_EXIT, %eax
    vmcall
1:  cli
    hlt
    jmp 1b
