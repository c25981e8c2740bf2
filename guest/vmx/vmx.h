/* The freestanding VMX library for the VT-x conformance tests (64-bit world only).
 * A test's main64 typically does:
 *     vmx_read_caps(); vmx_enable(); vmxon(vmx_vmxon_region());
 *     vmx_default_vmcs(guest_fn);          // a fresh current VMCS that runs guest_fn
 *     vmw(PROC_CONTROLS, ... | PROC_HLT_EXIT);
 *     if (vmx_launch() == VMX_EXITED && vmx_exit.reason == EXIT_HLT) ...
 * Memory comes from a bump allocator of zeroed 4 KiB pages at a fixed physical range
 * (identity mapped by the runtime); the guest shares the host's page tables and GDT
 * and gets its own stack and IDT. Nothing here prints, tests decide what to check, except
 * vmx_start(), which reports the start-up every test shares. */
#ifndef VMX_VMX_H
#define VMX_VMX_H
#include "guest.h"
#include "vmcs.h"

/* Results of VMX instructions: the SDM's VMsucceed / VMfailInvalid (CF=1) /
 * VMfailValid (ZF=1, error number in VM_INSN_ERROR); VMX_EXITED when VMLAUNCH or
 * VMRESUME entered the guest and came back through a VM exit (or a failed entry
 * that loaded host state, exit reason bit 31). */
enum { VMX_OK = 0, VMX_FAIL_INVALID = 1, VMX_FAIL_VALID = 2, VMX_EXITED = 3 };

#define MSR_FEATURE_CONTROL 0x3au
#define MSR_VMX_BASIC 0x480u
#define MSR_VMX_PINBASED 0x481u
#define MSR_VMX_PROCBASED 0x482u
#define MSR_VMX_EXIT 0x483u
#define MSR_VMX_ENTRY 0x484u
#define MSR_VMX_MISC 0x485u
#define MSR_VMX_CR0_FIXED0 0x486u
#define MSR_VMX_CR0_FIXED1 0x487u
#define MSR_VMX_CR4_FIXED0 0x488u
#define MSR_VMX_CR4_FIXED1 0x489u
#define MSR_VMX_VMCS_ENUM 0x48au
#define MSR_VMX_PROCBASED2 0x48bu
#define MSR_VMX_EPT_VPID 0x48cu
#define MSR_VMX_TRUE_PINBASED 0x48du
#define MSR_VMX_TRUE_PROCBASED 0x48eu
#define MSR_VMX_TRUE_EXIT 0x48fu
#define MSR_VMX_TRUE_ENTRY 0x490u
#define CR4_VMXE (1u << 13)
#define CR0_NE (1u << 5)

/* Capability MSRs, read once by vmx_read_caps. pin/proc/exit/entry are the MSRs the
 * library adjusts controls with: the TRUE_ ones when BASIC[55] says they exist. */
struct vmx_caps {
    u64 basic, misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1, vmcs_enum;
    u64 pin, proc, exit, entry;          /* effective (TRUE_ when available) */
    u64 pin0, proc0, exit0, entry0;      /* the non-TRUE MSRs */
    u64 proc2;                           /* 0 when secondary controls are not offered */
    u32 revision;
    int has_true;
};
extern struct vmx_caps vmx_caps;

/* The guest's general registers, loaded before VM entry and saved at VM exit
 * (RSP and RIP live in the VMCS). */
struct vmx_gprs {
    u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};
extern struct vmx_gprs vmx_regs;

/* What the last VM exit recorded (read from the VMCS by vmx_launch/vmx_resume). */
struct vmx_exit_info {
    u32 reason;     /* full exit reason (bit 31: VM-entry failure) */
    u64 qual, guest_rip, guest_linear, guest_phys;
    u32 insn_len, insn_info, intr_info, intr_err, idt_info, idt_err;
};
extern struct vmx_exit_info vmx_exit;

/* What the guest's IDT stubs saw last (vector, error code, the frame's RIP); a stub
 * records the event and then executes VMCALL, so the host sees exit reason 18. */
struct vmx_guest_trap {
    u64 vec, err, rip, count;
};
extern volatile struct vmx_guest_trap vmx_guest_trap;

/* Capabilities and operation */
int vmx_supported(void);               /* CPUID.1:ECX.VMX */
void vmx_read_caps(void);
/* Allowed-0 bits forced on, bits outside allowed-1 forced off (cap = a control MSR). */
u32 vmx_adjust(u64 cap, u32 want);
/* Whether every one of `bits` may be 1 / may be 0 in a control MSR's settings. Tests use
 * these to leave out checks of a control the CPU model does not offer: both emulators
 * read the same capability MSRs for the same model, so they leave out the same lines. */
static inline int vmx_may1(u64 cap, u32 bits) { return ((u32)(cap >> 32) & bits) == bits; }
static inline int vmx_may0(u64 cap, u32 bits) { return ((u32)cap & bits) == 0; }
/* FEATURE_CONTROL lock+enable if unlocked, CR0/CR4 fixed bits, CR4.VMXE.
 * Returns 0, or -1 if FEATURE_CONTROL is locked with VMX disabled. */
int vmx_enable(void);
/* VMX offered? read capabilities, enable, VMXON: prints FAIL vmx_supported or
 * PASS/FAIL vmxon_ok (start.c). Returns the VMXON region, or 0 if VMX can't be entered. */
u64 vmx_start(void);
void vmx_disable(void);                /* clears CR4.VMXE (after VMXOFF) */
u64 vmx_alloc_page(void);              /* zeroed, 4 KiB aligned, identity mapped */
u64 vmx_vmxon_region(void);            /* a fresh page holding the revision ID */
u64 vmx_new_vmcs(void);                /* a fresh page holding the revision ID */

/* Instructions: each returns VMX_OK / VMX_FAIL_INVALID / VMX_FAIL_VALID. */
int vmxon(u64 pa);
int vmxoff(void);
int vmclear(u64 pa);
int vmptrld(u64 pa);
int vmptrst(u64 *pa);
int vmread(u64 field, u64 *val);
int vmwrite(u64 field, u64 val);
u64 vmr(u64 field);                    /* VMREAD, value only (0 on failure) */
void vmw(u64 field, u64 val);          /* VMWRITE, status ignored */
u32 vmx_insn_error(void);              /* VMREAD(VM_INSN_ERROR) */
/* Bitwise helpers on VMCS fields. */
void vmw_or(u64 field, u64 bits);
/* The host-state fields (SDM 25.5) from the processor as it is now: control registers,
 * selectors (RPL 0, TI 0 as 27.2.3 requires), FS/GS/TR/GDTR/IDTR bases, SYSENTER MSRs;
 * not HOST_RSP/HOST_RIP, nor IA32_EFER/PAT (the caller's, with its exit controls). */
void vmx_write_host_state(void);
void vmw_clear(u64 field, u64 bits);

/* The default guest: VMCLEAR+VMPTRLD a fresh VMCS, controls from the capability
 * MSRs (only the bits VMX requires), host state = current state returning to the
 * library, guest = 64-bit ring 0 sharing the host's CR3/GDT, its own stack and IDT,
 * RIP = fn, RFLAGS = 2. When fn returns the guest executes VMCALL.
 * Returns the VMCS's physical address. */
u64 vmx_default_vmcs(void (*fn)(void));
/* Point the current VMCS's guest at fn again with a fresh stack and registers. */
void vmx_set_guest(void (*fn)(void));
/* VM entry. VMX_EXITED: vmx_exit and vmx_regs hold the exit; else VMfail status. */
int vmx_launch(void);
int vmx_resume(void);
/* VMLAUNCH if the default VMCS has not been entered yet, else VMRESUME. */
int vmx_run(void);
/* After VMCLEAR of the current VMCS by hand: the next vmx_run launches. */
void vmx_forget_launch(void);
/* vmx_run and expect an exit with this full exit reason: returns 1 if so. */
int vmx_run_expect(u32 reason);
/* Advance the guest's RIP past the exiting instruction (EXIT_INSN_LEN). */
void vmx_skip_insn(void);
/* Leave VMX operation: VMXOFF and clear CR4.VMXE (before main64 returns: the 32-bit
 * world turns paging off, which VMX operation forbids). */
void vmx_leave(void);
/* The basic exit reason (bits 15:0). */
static inline u32 vmx_basic_reason(void) { return vmx_exit.reason & 0xffff; }
/* Guest code ends with this (a VMCALL); the default guest returns into it. */
extern char vmx_guest_done[];
#endif
