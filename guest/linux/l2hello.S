/* A flat real-mode L2 guest for vpkvm -flat (loaded at 0000:7C00): it prints a line on
 * the 16550 at 0x3F8 and leaves through port 0xF4 with the value 0x21 (vpkvm's status
 * 0x43). Checks the whole L1 chain: kvm-intel, vpkvm and a real-mode VM entry. */
    .code16
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov $msg, %si
    mov $0x3f8, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  mov $0xf4, %dx
    mov $0x21, %al
    out %al, %dx
    hlt
msg:
    .asciz "hello from the L2 guest in real mode\n"
