/* int hv_enter(struct hv_regs *r, int resume): VMLAUNCH (resume = 0) or VMRESUME the
 * current VMCS with the guest's registers from r, and save them back there at the VM
 * exit. HOST_RSP is this frame, HOST_RIP hv_exit_entry (SDM 28.5.1: a VM exit loads
 * them), so the exit returns from this very call with 0. A failed instruction returns
 * RFLAGS & (CF|ZF): VMfailInvalid or VMfailValid (SDM 31.2). */
    .code64
    .text
    .globl hv_enter
hv_enter:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    push %rdi                       /* the regs pointer, found again at the exit */
    mov $0x6c14, %eax               /* HOST_RSP */
    vmwrite %rsp, %rax
    lea hv_exit_entry(%rip), %rdx
    mov $0x6c16, %eax               /* HOST_RIP */
    vmwrite %rdx, %rax
    test %esi, %esi                 /* decided now: the MOVs below keep ZF */
    mov 0(%rdi), %rax
    mov 8(%rdi), %rbx
    mov 16(%rdi), %rcx
    mov 24(%rdi), %rdx
    mov 32(%rdi), %rsi
    mov 48(%rdi), %rbp
    mov 56(%rdi), %r8
    mov 64(%rdi), %r9
    mov 72(%rdi), %r10
    mov 80(%rdi), %r11
    mov 88(%rdi), %r12
    mov 96(%rdi), %r13
    mov 104(%rdi), %r14
    mov 112(%rdi), %r15
    mov 40(%rdi), %rdi
    jnz 1f
    vmlaunch
    jmp 2f
1:  vmresume
2:  pushfq
    pop %rax
    and $0x41, %eax
    pop %rdi
    jmp 3f

hv_exit_entry:
    push %rdi
    mov 8(%rsp), %rdi
    mov %rax, 0(%rdi)
    mov %rbx, 8(%rdi)
    mov %rcx, 16(%rdi)
    mov %rdx, 24(%rdi)
    mov %rsi, 32(%rdi)
    pop %rax
    mov %rax, 40(%rdi)
    mov %rbp, 48(%rdi)
    mov %r8, 56(%rdi)
    mov %r9, 64(%rdi)
    mov %r10, 72(%rdi)
    mov %r11, 80(%rdi)
    mov %r12, 88(%rdi)
    mov %r13, 96(%rdi)
    mov %r14, 104(%rdi)
    mov %r15, 112(%rdi)
    pop %rdi
    xor %eax, %eax
3:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
