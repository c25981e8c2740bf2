/* jmpbuf layout: rbx, rbp, r12, r13, r14, r15, rsp (after return), rip. */
    .code64
    .text
    .globl gsetjmp, glongjmp
gsetjmp:
    mov %rbx, 0(%rdi)
    mov %rbp, 8(%rdi)
    mov %r12, 16(%rdi)
    mov %r13, 24(%rdi)
    mov %r14, 32(%rdi)
    mov %r15, 40(%rdi)
    lea 8(%rsp), %rcx
    mov %rcx, 48(%rdi)
    mov (%rsp), %rcx
    mov %rcx, 56(%rdi)
    xor %eax, %eax
    ret
glongjmp:
    mov %esi, %eax
    mov 0(%rdi), %rbx
    mov 8(%rdi), %rbp
    mov 16(%rdi), %r12
    mov 24(%rdi), %r13
    mov 32(%rdi), %r14
    mov 40(%rdi), %r15
    mov 48(%rdi), %rsp
    jmp *56(%rdi)
