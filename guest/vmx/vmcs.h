/* VMCS field encodings (SDM Vol. 3 Appendix B) and the control, exit-reason and
 * VM-instruction-error numbers the tests use. An encoding's bits say its class:
 * [14:13] width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural), [11:10] type (0 control,
 * 1 read-only data, 2 guest state, 3 host state), bit 0 the high half of a 64-bit field. */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

/* 16-bit */
#define VPID 0x0000
#define EPTP_INDEX 0x0004
#define GUEST_ES_SEL 0x0800
#define GUEST_CS_SEL 0x0802
#define GUEST_SS_SEL 0x0804
#define GUEST_DS_SEL 0x0806
#define GUEST_FS_SEL 0x0808
#define GUEST_GS_SEL 0x080a
#define GUEST_LDTR_SEL 0x080c
#define GUEST_TR_SEL 0x080e
#define GUEST_PML_INDEX 0x0812
#define HOST_ES_SEL 0x0c00
#define HOST_CS_SEL 0x0c02
#define HOST_SS_SEL 0x0c04
#define HOST_DS_SEL 0x0c06
#define HOST_FS_SEL 0x0c08
#define HOST_GS_SEL 0x0c0a
#define HOST_TR_SEL 0x0c0c
/* 64-bit */
#define IO_BITMAP_A 0x2000
#define IO_BITMAP_B 0x2002
#define MSR_BITMAP 0x2004
#define EXIT_MSR_STORE_ADDR 0x2006
#define EXIT_MSR_LOAD_ADDR 0x2008
#define ENTRY_MSR_LOAD_ADDR 0x200a
#define PML_ADDRESS 0x200e
#define TSC_OFFSET 0x2010
#define VIRTUAL_APIC_ADDR 0x2012
#define VMFUNC_CONTROLS 0x2018
#define EPT_POINTER 0x201a
#define EPTP_LIST_ADDR 0x2024
#define VE_INFO_ADDR 0x202a
#define GUEST_PHYS_ADDR 0x2400
#define VMCS_LINK_PTR 0x2800
#define GUEST_DEBUGCTL 0x2802
#define GUEST_PAT 0x2804
#define GUEST_EFER 0x2806
#define HOST_PAT 0x2c00
#define HOST_EFER 0x2c02
/* 32-bit */
#define PIN_CONTROLS 0x4000
#define PROC_CONTROLS 0x4002
#define EXCEPTION_BITMAP 0x4004
#define PF_ERROR_MASK 0x4006
#define PF_ERROR_MATCH 0x4008
#define CR3_TARGET_COUNT 0x400a
#define EXIT_CONTROLS 0x400c
#define EXIT_MSR_STORE_COUNT 0x400e
#define EXIT_MSR_LOAD_COUNT 0x4010
#define ENTRY_CONTROLS 0x4012
#define ENTRY_MSR_LOAD_COUNT 0x4014
#define ENTRY_INTR_INFO 0x4016
#define ENTRY_EXCEPTION_ERR 0x4018
#define ENTRY_INSN_LEN 0x401a
#define TPR_THRESHOLD 0x401c
#define PROC_CONTROLS2 0x401e
#define VM_INSN_ERROR 0x4400
#define EXIT_REASON 0x4402
#define EXIT_INTR_INFO 0x4404
#define EXIT_INTR_ERR 0x4406
#define IDT_VECTORING_INFO 0x4408
#define IDT_VECTORING_ERR 0x440a
#define EXIT_INSN_LEN 0x440c
#define EXIT_INSN_INFO 0x440e
#define GUEST_ES_LIMIT 0x4800
#define GUEST_CS_LIMIT 0x4802
#define GUEST_SS_LIMIT 0x4804
#define GUEST_DS_LIMIT 0x4806
#define GUEST_FS_LIMIT 0x4808
#define GUEST_GS_LIMIT 0x480a
#define GUEST_LDTR_LIMIT 0x480c
#define GUEST_TR_LIMIT 0x480e
#define GUEST_GDTR_LIMIT 0x4810
#define GUEST_IDTR_LIMIT 0x4812
#define GUEST_ES_AR 0x4814
#define GUEST_CS_AR 0x4816
#define GUEST_SS_AR 0x4818
#define GUEST_DS_AR 0x481a
#define GUEST_FS_AR 0x481c
#define GUEST_GS_AR 0x481e
#define GUEST_LDTR_AR 0x4820
#define GUEST_TR_AR 0x4822
#define GUEST_INTERRUPTIBILITY 0x4824
#define GUEST_ACTIVITY 0x4826
#define GUEST_SYSENTER_CS 0x482a
#define PREEMPTION_TIMER 0x482e
#define HOST_SYSENTER_CS 0x4c00
/* natural width */
#define CR0_MASK 0x6000
#define CR4_MASK 0x6002
#define CR0_SHADOW 0x6004
#define CR4_SHADOW 0x6006
#define CR3_TARGET0 0x6008
#define CR3_TARGET1 0x600a
#define EXIT_QUAL 0x6400
#define GUEST_LINEAR_ADDR 0x640a
#define GUEST_CR0 0x6800
#define GUEST_CR3 0x6802
#define GUEST_CR4 0x6804
#define GUEST_ES_BASE 0x6806
#define GUEST_CS_BASE 0x6808
#define GUEST_SS_BASE 0x680a
#define GUEST_DS_BASE 0x680c
#define GUEST_FS_BASE 0x680e
#define GUEST_GS_BASE 0x6810
#define GUEST_LDTR_BASE 0x6812
#define GUEST_TR_BASE 0x6814
#define GUEST_GDTR_BASE 0x6816
#define GUEST_IDTR_BASE 0x6818
#define GUEST_DR7 0x681a
#define GUEST_RSP 0x681c
#define GUEST_RIP 0x681e
#define GUEST_RFLAGS 0x6820
#define GUEST_PENDING_DBG 0x6822
#define GUEST_SYSENTER_ESP 0x6824
#define GUEST_SYSENTER_EIP 0x6826
#define HOST_CR0 0x6c00
#define HOST_CR3 0x6c02
#define HOST_CR4 0x6c04
#define HOST_FS_BASE 0x6c06
#define HOST_GS_BASE 0x6c08
#define HOST_TR_BASE 0x6c0a
#define HOST_GDTR_BASE 0x6c0c
#define HOST_IDTR_BASE 0x6c0e
#define HOST_SYSENTER_ESP 0x6c10
#define HOST_SYSENTER_EIP 0x6c12
#define HOST_RSP 0x6c14
#define HOST_RIP 0x6c16

/* Pin-based controls */
#define PIN_EXT_INTR_EXIT (1u << 0)
#define PIN_NMI_EXIT (1u << 3)
#define PIN_VIRTUAL_NMI (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
/* Primary processor-based controls */
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT_EXIT (1u << 7)
#define PROC_INVLPG_EXIT (1u << 9)
#define PROC_MWAIT_EXIT (1u << 10)
#define PROC_RDPMC_EXIT (1u << 11)
#define PROC_RDTSC_EXIT (1u << 12)
#define PROC_CR3_LOAD_EXIT (1u << 15)
#define PROC_CR3_STORE_EXIT (1u << 16)
#define PROC_CR8_LOAD_EXIT (1u << 19)
#define PROC_CR8_STORE_EXIT (1u << 20)
#define PROC_TPR_SHADOW (1u << 21)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_MOV_DR_EXIT (1u << 23)
#define PROC_IO_EXIT (1u << 24)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MTF (1u << 27)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_MONITOR_EXIT (1u << 29)
#define PROC_PAUSE_EXIT (1u << 30)
#define PROC_SECONDARY (1u << 31)
/* VM-exit controls */
#define EXIT_HOST_ADDR64 (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define EXIT_SAVE_PREEMPT (1u << 22)
/* VM-entry controls */
#define ENTRY_IA32E_GUEST (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* Default1 bits: reserved control bits the non-TRUE capability MSRs report as fixed
 * to 1 (SDM Appendix A.2). */
#define PIN_DEFAULT1 0x00000016u
#define PROC_DEFAULT1 0x0401e172u
#define EXIT_DEFAULT1 0x00036dffu
#define ENTRY_DEFAULT1 0x000011ffu

/* Interruption information (entry injection, exit, IDT vectoring) */
#define INTR_VALID (1u << 31)
#define INTR_ERR_VALID (1u << 11)
#define INTR_TYPE_EXT (0u << 8)
#define INTR_TYPE_NMI (2u << 8)
#define INTR_TYPE_HW_EXC (3u << 8)
#define INTR_TYPE_SW_INT (4u << 8)
#define INTR_TYPE_PRIV_SW_EXC (5u << 8)
#define INTR_TYPE_SW_EXC (6u << 8)

/* Basic exit reasons (Appendix C) */
#define EXIT_EXCEPTION_NMI 0
#define EXIT_EXT_INTR 1
#define EXIT_TRIPLE_FAULT 2
#define EXIT_INTR_WINDOW 7
#define EXIT_NMI_WINDOW 8
#define EXIT_CPUID 10
#define EXIT_HLT 12
#define EXIT_INVLPG 14
#define EXIT_RDTSC 16
#define EXIT_VMCALL 18
#define EXIT_CR_ACCESS 28
#define EXIT_IO 30
#define EXIT_RDMSR 31
#define EXIT_WRMSR 32
#define EXIT_BAD_GUEST 33
#define EXIT_BAD_MSR_LOAD 34
#define EXIT_PREEMPT_TIMER 52
#define EXIT_REASON_ENTRY_FAIL (1u << 31)

/* VM-instruction error numbers (SDM 31.4) */
#define VMERR_VMCLEAR_BAD_ADDR 2
#define VMERR_VMCLEAR_VMXON_PTR 3
#define VMERR_VMLAUNCH_NOT_CLEAR 4
#define VMERR_VMRESUME_NOT_LAUNCHED 5
#define VMERR_BAD_CONTROLS 7
#define VMERR_BAD_HOST 8
#define VMERR_VMPTRLD_BAD_ADDR 9
#define VMERR_VMPTRLD_VMXON_PTR 10
#define VMERR_VMPTRLD_BAD_REVISION 11
#define VMERR_UNSUPPORTED_FIELD 12
#define VMERR_WRITE_READONLY 13
#define VMERR_VMXON_IN_ROOT 15
#endif
