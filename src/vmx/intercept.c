/* Instructions that exit in VMX non-root operation (SDM Vol. 3 26.1.2 unconditionally,
 * 26.1.3 under the VM-execution controls), with the exit qualification and instruction
 * information of SDM 28.2.1 and 28.2.5. */
#include "../machine/machine.h"
#include "ctls.h"
#include "intercept.h"

static NORETURN void insn_exit(struct cpu *c, const struct insn *i, u32 reason, u64 qual)
{
    vmx_exit_insn(c, i, 0);
    vmx_exit(c, reason, qual);
}
static u32 proc(struct cpu *c) { return vmcs_get32(c, VMCS_CPU_BASED_VM_EXEC_CONTROL); }

/* --- 26.1.2 unconditional --------------------------------------------------------------- */

void vmx_intercept_cpuid(struct cpu *c, const struct insn *i) { insn_exit(c, i, VMX_EXIT_CPUID, 0); }
void vmx_intercept_getsec(struct cpu *c, const struct insn *i) { insn_exit(c, i, VMX_EXIT_GETSEC, 0); }
void vmx_intercept_invd(struct cpu *c, const struct insn *i) { insn_exit(c, i, VMX_EXIT_INVD, 0); }
void vmx_intercept_xsetbv(struct cpu *c, const struct insn *i) { insn_exit(c, i, VMX_EXIT_XSETBV, 0); }

/* --- 26.1.3 under controls ---------------------------------------------------------------- */

void vmx_intercept_hlt(struct cpu *c, const struct insn *i)
{
    if (proc(c) & CPU_HLT_EXITING) insn_exit(c, i, VMX_EXIT_HLT, 0);
}
/* Qualification: the linear address operand (28.2.1 Table 28-1 row INVLPG). */
void vmx_intercept_invlpg(struct cpu *c, const struct insn *i, u64 lin)
{
    if (proc(c) & CPU_INVLPG_EXITING) insn_exit(c, i, VMX_EXIT_INVLPG, lin);
}
/* INVPCID (26.3): #UD unless "enable INVPCID" is 1, then the CPL check, then it exits
 * under "INVLPG exiting"; qualification = displacement (28.2.1), information Table 28-13
 * with reg2 = the type register. */
void vmx_intercept_invpcid(struct cpu *c, const struct insn *i)
{
    if (!(vmx_proc2(c) & SEC_INVPCID)) cpu_ud(c);
    if (c->cpl != 0) cpu_gp(c, 0);
    if (!(proc(c) & CPU_INVLPG_EXITING)) return;
    vmx_exit_insn(c, i, vmx_mem_info(i) | (u32)(i->reg & 15) << 28);
    vmx_exit(c, VMX_EXIT_INVPCID, (u64)i->disp);
}
/* XSAVES/XRSTORS: #UD without "enable XSAVES/XRSTORS", #GP(0) at CPL > 0 (both before
 * the exit, 26.1.1), then an exit when EDX:EAX, IA32_XSS and the XSS-exiting bitmap
 * share a bit (26.1.3); qualification: the displacement, information as Table 28-10. */
void vmx_intercept_xsaves(struct cpu *c, const struct insn *i, u64 edx_eax, bool restore)
{
    if (!(vmx_proc2(c) & SEC_XSAVES)) cpu_ud(c);
    if (c->cpl != 0) cpu_gp(c, 0);
    if (!(edx_eax & c->xss & vmcs_get(c, VMCS_XSS_EXIT_BITMAP))) return;
    vmx_exit_insn(c, i, vmx_mem_info(i));
    vmx_exit(c, restore ? VMX_EXIT_XRSTORS : VMX_EXIT_XSAVES, (u64)i->disp);
}
void vmx_intercept_wbinvd(struct cpu *c, const struct insn *i)
{
    if (vmx_proc2(c) & SEC_WBINVD_EXITING) insn_exit(c, i, VMX_EXIT_WBINVD, 0);
}
void vmx_intercept_monitor(struct cpu *c, const struct insn *i)
{
    if (proc(c) & CPU_MONITOR_EXITING) insn_exit(c, i, VMX_EXIT_MONITOR_INSTRUCTION, 0);
}
void vmx_intercept_mwait(struct cpu *c, const struct insn *i)
{
    /* Qualification bit 0: the monitoring hardware is armed (SDM 28.2.1 MWAIT). */
    if (proc(c) & CPU_MWAIT_EXITING) insn_exit(c, i, VMX_EXIT_MWAIT_INSTRUCTION, c->monitor_armed);
}
void vmx_intercept_pause(struct cpu *c, const struct insn *i)
{
    if (proc(c) & CPU_PAUSE_EXITING) insn_exit(c, i, VMX_EXIT_PAUSE_INSTRUCTION, 0);
}
void vmx_intercept_rdpmc(struct cpu *c, const struct insn *i)
{
    if (proc(c) & CPU_RDPMC_EXITING) insn_exit(c, i, VMX_EXIT_RDPMC, 0);
}
/* RDTSCP and RDPID are #UD unless "enable RDTSCP" is 1 (SDM 26.3), before any other
 * exception (the CR4.TSD check); RDTSC and RDTSCP exit under "RDTSC exiting". */
void vmx_intercept_rdpid(struct cpu *c)
{
    if (!(vmx_proc2(c) & SEC_RDTSCP)) cpu_ud(c);
}
void vmx_intercept_rdtsc(struct cpu *c, const struct insn *i, bool rdtscp)
{
    if (rdtscp) vmx_intercept_rdpid(c);
    if ((c->cr4 & CR4_TSD) && c->cpl != 0) cpu_gp(c, 0);
    if (proc(c) & CPU_RDTSC_EXITING) insn_exit(c, i, rdtscp ? VMX_EXIT_RDTSCP : VMX_EXIT_RDTSC, 0);
}
u64 vmx_tsc(struct cpu *c, u64 tsc)
{
    return (proc(c) & CPU_TSC_OFFSETTING) ? tsc + vmcs_get(c, VMCS_TSC_OFFSET) : tsc;
}
/* RDRAND/RDSEED: instruction information gives the destination register and operand size
 * (28.2.5 Table 28-12). */
void vmx_intercept_rdrand(struct cpu *c, const struct insn *i, bool rdseed)
{
    u32 ctl = rdseed ? SEC_RDSEED_EXITING : SEC_RDRAND_EXITING;
    if (!(vmx_proc2(c) & ctl)) return;
    u32 osz = i->opsz == 2 ? 0 : i->opsz == 4 ? 1 : 2;
    vmx_exit_insn(c, i, (u32)(i->rm & 15) << 3 | osz << 11);
    vmx_exit(c, rdseed ? VMX_EXIT_RDSEED : VMX_EXIT_RDRAND, 0);
}

/* MSR bitmaps (SDM 25.6.9): read-low at 0, read-high at 1024, write-low at 2048,
 * write-high at 3072; MSRs outside both ranges always exit. */
void vmx_intercept_msr(struct cpu *c, const struct insn *i, bool write)
{
    u32 msr = (u32)c->r[RCX];
    u32 reason = write ? VMX_EXIT_MSR_WRITE : VMX_EXIT_MSR_READ;
    if (!(proc(c) & CPU_USE_MSR_BITMAPS)) insn_exit(c, i, reason, 0);
    u32 off;
    if (msr <= 0x1fff) off = 0;
    else if (msr - 0xc0000000u <= 0x1fff) off = 1024;
    else insn_exit(c, i, reason, 0);
    off += write ? 2048 : 0;
    u32 bit = msr & 0x1fff;
    u64 pa = vmcs_get(c, VMCS_MSR_BITMAP) + off + bit / 8;
    if ((phys_read(c->m, c, pa, 1) >> (bit & 7)) & 1) insn_exit(c, i, reason, 0);
}

/* I/O (26.1.3, I/O bitmaps 25.6.4); qualification 28.2.1 Table 28-5: size - 1, direction
 * (1 = IN), string, REP, operand encoding (1 = immediate), port. INS/OUTS also give the
 * guest-linear address and, when IA32_VMX_BASIC[54], the instruction information. */
static bool io_bitmap_hit(struct cpu *c, u16 port, unsigned size)
{
    for (unsigned k = 0; k < size; k++) {
        u32 p = (u32)port + k;
        if (p > 0xffff) return true; /* wraps around the port space */
        u64 base = vmcs_get(c, p < 0x8000 ? VMCS_IO_BITMAP_A : VMCS_IO_BITMAP_B);
        u32 b = p & 0x7fff;
        if ((phys_read(c->m, c, base + b / 8, 1) >> (b & 7)) & 1) return true;
    }
    return false;
}

void vmx_intercept_io(struct cpu *c, const struct insn *i, u16 port, unsigned size, bool in)
{
    u32 p = proc(c);
    bool hit = (p & CPU_USE_IO_BITMAPS) ? io_bitmap_hit(c, port, size) : (p & CPU_UNCOND_IO_EXITING) != 0;
    if (!hit) return;
    bool string = i->map == MAP_1B && (i->op & 0xfc) == 0x6c;
    bool imm = i->map == MAP_1B && (i->op & 0xfc) == 0xe4;
    u64 q = (size - 1) | (in ? 8u : 0) | (string ? 16u : 0) | (string && i->rep ? 32u : 0) |
            (imm ? 64u : 0) | (u64)port << 16;
    u64 lin = 0;
    u32 info = 0;
    if (string) {
        int seg = in ? SEG_ES : i->seg;
        u64 off = c->r[in ? RDI : RSI] & size_mask(i->adsz);
        lin = (c->mode == MODE_LONG && seg < SEG_FS) ? off : c->seg[seg].base + off;
        if (c->mode != MODE_LONG) lin &= 0xffffffffull;
        u32 asz = i->adsz == 2 ? 0 : i->adsz == 4 ? 1 : 2;
        if (vmx_cap(c, MSR_VMX_BASIC) & VMX_BASIC_INOUT) info = asz << 7 | (u32)(in ? SEG_ES : i->seg) << 15;
    }
    vmx_exit_insn(c, i, info);
    vmx_exit_full(c, VMX_EXIT_IO_INSTRUCTION, q, lin, 0);
}

/* INS/OUTS: the I/O-permission check has priority over the VM exit (26.1.1); the memory
 * operand is not accessed before it. */
void vmx_intercept_string_io(struct cpu *c, const struct insn *i, unsigned size, bool in)
{
    u16 port = (u16)c->r[RDX];
    cpu_io_check(c, port, size);
    vmx_intercept_io(c, i, port, size, in);
}
