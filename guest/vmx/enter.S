/* VM entry and the way back, plus the guest's interrupt stubs.
 *
 * int vmx_enter_asm(int resume): VMLAUNCH (resume = 0) or VMRESUME the current VMCS
 * with the guest registers in vmx_regs. HOST_RSP/HOST_RIP are written here so a VM
 * exit lands in vmx_host_entry on this very stack frame. Returns 0x10000 after a VM
 * exit, else RFLAGS & (CF|ZF) of the failed instruction. */
    .code64
    .text
    .globl vmx_enter_asm, vmx_guest_done, vmx_guest_stubs
vmx_enter_asm:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov $0x6c14, %eax               /* HOST_RSP */
    vmwrite %rsp, %rax
    lea vmx_host_entry(%rip), %rdx
    mov $0x6c16, %eax               /* HOST_RIP */
    vmwrite %rdx, %rax
    /* Decide now: the loads below are MOVs, which leave ZF alone. */
    test %edi, %edi
    mov vmx_regs+8(%rip), %rbx
    mov vmx_regs+16(%rip), %rcx
    mov vmx_regs+24(%rip), %rdx
    mov vmx_regs+32(%rip), %rsi
    mov vmx_regs+40(%rip), %rdi
    mov vmx_regs+48(%rip), %rbp
    mov vmx_regs+56(%rip), %r8
    mov vmx_regs+64(%rip), %r9
    mov vmx_regs+72(%rip), %r10
    mov vmx_regs+80(%rip), %r11
    mov vmx_regs+88(%rip), %r12
    mov vmx_regs+96(%rip), %r13
    mov vmx_regs+104(%rip), %r14
    mov vmx_regs+112(%rip), %r15
    mov vmx_regs+0(%rip), %rax
    jnz 1f
    vmlaunch
    jmp 2f
1:  vmresume
2:  /* Still here: VMfailInvalid (CF) or VMfailValid (ZF). */
    pushfq
    pop %rax
    and $0x41, %eax
    jmp 3f

vmx_host_entry:
    /* A VM exit: RSP is HOST_RSP, RFLAGS is 2. Save the guest's registers. */
    mov %rax, vmx_regs+0(%rip)
    mov %rbx, vmx_regs+8(%rip)
    mov %rcx, vmx_regs+16(%rip)
    mov %rdx, vmx_regs+24(%rip)
    mov %rsi, vmx_regs+32(%rip)
    mov %rdi, vmx_regs+40(%rip)
    mov %rbp, vmx_regs+48(%rip)
    mov %r8, vmx_regs+56(%rip)
    mov %r9, vmx_regs+64(%rip)
    mov %r10, vmx_regs+72(%rip)
    mov %r11, vmx_regs+80(%rip)
    mov %r12, vmx_regs+88(%rip)
    mov %r13, vmx_regs+96(%rip)
    mov %r14, vmx_regs+104(%rip)
    mov %r15, vmx_regs+112(%rip)
    mov $0x10000, %eax
3:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

/* The default guest returns here: VMCALL hands control to the host (exit 18); a
 * VMRESUME without moving RIP just asks again. */
vmx_guest_done:
    vmcall
    jmp vmx_guest_done

/* Guest IDT stubs, 16 bytes apart: record vector, error code (0 when the vector has
 * none) and the interrupted RIP in vmx_guest_trap, then VMCALL. If the host resumes
 * after that VMCALL (RIP advanced), the stub returns from the event with IRETQ. */
    .align 16
vmx_guest_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
    push $vec
    .else
    push $0
    push $vec
    .endif
    jmp guest_stub_common
    .set vec, vec + 1
    .endr
guest_stub_common:
    push %rax
    mov 8(%rsp), %rax
    mov %rax, vmx_guest_trap+0(%rip)
    mov 16(%rsp), %rax
    mov %rax, vmx_guest_trap+8(%rip)
    mov 24(%rsp), %rax
    mov %rax, vmx_guest_trap+16(%rip)
    incq vmx_guest_trap+24(%rip)
    pop %rax
    vmcall
    add $16, %rsp
    iretq
