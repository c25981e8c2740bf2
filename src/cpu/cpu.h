/* The state of one logical x86-64 processor and the internal interfaces between the
 * processor's parts (decoder, executor, memory, segmentation, paging, interrupts).
 * Nothing here is global: every function takes the cpu it works on. */
#ifndef VP_CPU_H
#define VP_CPU_H

#include <setjmp.h>

#include "../common.h"

struct machine;
struct cpu;
struct insn;
struct block;

/* General-purpose register numbers (SDM Vol. 2 Table 2-2 order). */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* Segment register numbers, in the encoding of the ModRM reg field for MOV Sreg. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_NONE = 15 };

/* RFLAGS bits (SDM Vol. 1 3.4.3). */
enum {
    FL_CF = 1u << 0, FL_FIXED1 = 1u << 1, FL_PF = 1u << 2, FL_AF = 1u << 4, FL_ZF = 1u << 6,
    FL_SF = 1u << 7, FL_TF = 1u << 8, FL_IF = 1u << 9, FL_DF = 1u << 10, FL_OF = 1u << 11,
    FL_IOPL = 3u << 12, FL_NT = 1u << 14, FL_RF = 1u << 16, FL_VM = 1u << 17, FL_AC = 1u << 18,
    FL_VIF = 1u << 19, FL_VIP = 1u << 20, FL_ID = 1u << 21,
};
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Control register bits. */
enum {
    CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3, CR0_ET = 1u << 4,
    CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_AM = 1u << 18, CR0_NW = 1u << 29,
    CR0_CD = 1u << 30, CR0_PG = 1u << 31,
};
enum {
    CR4_VME = 1u << 0, CR4_PVI = 1u << 1, CR4_TSD = 1u << 2, CR4_DE = 1u << 3,
    CR4_PSE = 1u << 4, CR4_PAE = 1u << 5, CR4_MCE = 1u << 6, CR4_PGE = 1u << 7,
    CR4_PCE = 1u << 8, CR4_OSFXSR = 1u << 9, CR4_OSXMMEXCPT = 1u << 10, CR4_UMIP = 1u << 11,
    CR4_LA57 = 1u << 12, CR4_VMXE = 1u << 13, CR4_SMXE = 1u << 14, CR4_FSGSBASE = 1u << 16,
    CR4_PCIDE = 1u << 17, CR4_OSXSAVE = 1u << 18, CR4_SMEP = 1u << 20, CR4_SMAP = 1u << 21,
    CR4_PKE = 1u << 22,
};
enum { EFER_SCE = 1u << 0, EFER_LME = 1u << 8, EFER_LMA = 1u << 10, EFER_NXE = 1u << 11 };

/* Exception vectors (SDM Vol. 3 6.3.1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
    EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14,
    EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19, EXC_VE = 20, EXC_CP = 21,
};
#define NO_ERRCODE (-1)

/* How an event reaches the processor: decides privilege checks, return address and the
 * double-fault rules. Values match the VMX interruption-type encoding (SDM 24.8.3). */
enum event_kind {
    EV_EXTINT = 0, EV_NMI = 2, EV_HWEXC = 3, EV_SWINT = 4, EV_PRIV_SWEXC = 5, EV_SWEXC = 6,
};

/* A segment register with its hidden descriptor cache. `ar` is kept in the VMX
 * access-rights format (SDM 24.4.1): type[3:0], S[4], DPL[6:5], P[7], AVL[12], L[13],
 * D/B[14], G[15], unusable[16]. `limit` is the expanded byte-granular limit. */
struct seg {
    u16 sel;
    u32 limit;
    u32 ar;
    u64 base;
};
enum {
    AR_TYPE = 0xf, AR_S = 1u << 4, AR_DPL_SHIFT = 5, AR_DPL = 3u << 5, AR_P = 1u << 7,
    AR_AVL = 1u << 12, AR_L = 1u << 13, AR_DB = 1u << 14, AR_G = 1u << 15,
    AR_UNUSABLE = 1u << 16,
};

struct dtr {
    u64 base;
    u32 limit;
};

/* Processor operating mode, recomputed by cpu_update_mode() whenever CR0.PE, EFLAGS.VM,
 * EFER.LMA or CS.L/D change. */
enum cpu_mode { MODE_REAL, MODE_PROT, MODE_V86, MODE_COMPAT, MODE_LONG };
/* struct cpu's stop_block after a taken Jcc: the block ends, but nothing else needs the
 * executor's attention (a loop may run its block again at once). */
#define BLOCK_STOP_BRANCH 2
#define DECODE_NO_VEX 0x10 /* struct cpu's decode_key: real or virtual-8086 mode */

/* Kinds of memory access, for paging permission checks and #PF error codes. */
enum access {
    ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2,
    ACC_SUPER = 4, /* implicit supervisor access (descriptor tables, TSS, IDT): CPL ignored */
    ACC_NOFAULT = 8, /* probe only: return false instead of raising #PF */
};

/* Lazily evaluated arithmetic flags: the last flag-setting operation is remembered and
 * CF/PF/AF/ZF/SF/OF are computed only when read (src/cpu/flags.h). */
struct lazy_flags {
    u64 res, src1, src2;
    u32 op; /* enum lazy_op in flags.h; 0 means "flags are stored in cpu->rflags" */
    u32 size;
};

/* Software TLB: direct-mapped, one array for each access kind so the hot path is one
 * compare. A tag is the linear page number | 1 (0 means empty); `host` is the host
 * address of the page's first byte minus the linear page address, so host = lin + addend. */
#define TLB_SIZE 1024
#define TLB_LARGE_BUCKETS 4096 /* large pages told apart for INVLPG (mem.c tlb_set) */
#define TLB_LARGE_LOG 16
struct tlb_entry {
    u64 tag;
    uintptr_t addend;
    u64 phys; /* physical page address */
};
struct tlb {
    struct tlb_entry read[TLB_SIZE], write[TLB_SIZE], exec[TLB_SIZE];
};
/* The TLB and jump caches of one translation context (mem.c, "Tagged TLB" in
 * docs/internals.md); a context switch points tlb_user/tlb_super/jc_user/jc_super at
 * another set, so lookups are unchanged. */
struct tlb_set;
/* -tlb: what transitions and invalidations drop (README "Running a hypervisor"). */
enum tlb_policy { TLB_EXACT, TLB_STRICT, TLB_FLUSH };

/* x87/SSE state kept in FXSAVE layout (SDM Vol. 1 10.5.1); arithmetic is a later issue. */
struct fpu_state {
    u8 fxsave[512] __attribute__((aligned(16)));
    u8 ymmh[16][16]; /* bits 255:128 of YMM0-15 (XSAVE component 2's layout, SDM 13.5.3) */
};

typedef void (*insn_fn)(struct cpu *c, const struct insn *i);

/* Most machine-check banks a model has (IA32_MCG_CAP.Count, cpumodel.c). */
#define MCA_MAX_BANKS 32
#define MTRR_VAR_PAIRS 16 /* variable-range MTRRs: MSRs 0x200-0x21f */

struct cpu {
    /* Hot state first. */
    u64 r[16];
    u64 rip;      /* address of the instruction being executed */
    u64 next_rip; /* address of the next one; branch handlers write it */
    u64 block_rip, icount_base; /* threaded dispatch: RIP and icount at the block's first
                                 * record, less the records a forward branch skipped (insn.h) */
    unsigned chain_left; /* blocks a block's end may still run directly (exec.c thread_chain) */
    u64 rflags;   /* all bits except those described by lf while lf.op != 0 */
    struct lazy_flags lf;
    struct seg seg[8]; /* ES CS SS DS FS GS LDTR TR */
    enum cpu_mode mode;
    u8 cpl;
    u8 code_size;   /* 2, 4 or 8: default operand/address size of the code segment */
    u8 decode_key;  /* code_size, | DECODE_NO_VEX in real and virtual-8086 mode: decoded
                     * blocks are valid only under the key they were decoded with */
    u8 stack_size;  /* 2, 4 or 8: SS.B (8 in 64-bit mode) */
    u8 stop_block;  /* nonzero ends the current block: true when an instruction changed state
                     * the block or the executor depends on, BLOCK_STOP_BRANCH for a taken Jcc */
    bool align_check; /* CR0.AM && RFLAGS.AC && CPL 3: misaligned data accesses raise #AC */
    u64 icount;     /* instructions retired; virtual time is cpu_time() */
    u64 deadline;   /* icount at which the executor returns to the machine loop */
    u64 deadline_fast; /* below it any block fits before the deadline (cpu_set_deadline) */
    u64 stall;      /* virtual ns that passed without an instruction (cpu_stall) */
    u64 ahead;      /* virtual ns this processor ran past the last slice's end (machine.c) */
    struct tlb *tlb_user, *tlb_super, *tlb; /* tlb points at the one for the current CPL */
    struct jump_cache *jc_user, *jc_super, *jc; /* linear RIP -> decoded block, per CPL */
    bool seg_fast; /* 64-bit mode without #AC: segmentation is only FS/GS bases */
    bool tlb_ac;   /* RFLAGS.AC as cpu_update_mode last saw it (SMAP: tlb_smap_ac_cleared) */
    /* Tagged TLB (mem.c): the sets, the current one, and the VPID and EP4TA that VM
     * entry/exit set for the current context (0 in root operation / without EPT). */
    struct tlb_set **tlb_sets, *tlb_cur;
    unsigned tlb_nsets;
    u8 tlb_policy; /* enum tlb_policy */
    u16 tlb_vpid;
    u64 tlb_ep4ta, tlb_clock;

    /* System state. */
    u64 cr0, cr2, cr3, cr4, cr8, xcr0;
    u64 xss; /* IA32_XSS: no supervisor state component is implemented, always 0 */
    u64 fault_addr; /* linear address of the last #PF (CR2 once delivered) */
    u64 efer;
    u64 dr[8];
    struct dtr gdtr, idtr;
    u64 kernel_gs_base, star, lstar, cstar, sfmask;
    u64 sysenter_cs, sysenter_esp, sysenter_eip;
    u64 apic_base, tsc_offset, tsc_aux, pat, feature_control, misc_enable;
    /* Variable-range MTRRs: PHYSBASEn/PHYSMASKn pairs at MSR 0x200 + 2n, room for
     * MTRR_VAR_PAIRS (a model's IA32_MTRRCAP.VCNT is at most that). */
    u64 mtrr_cap, mtrr_def_type, mtrr_fixed[11], mtrr_var[2 * MTRR_VAR_PAIRS];
    u64 spec_ctrl, pdpte[4];
    u64 debugctl; /* IA32_DEBUGCTL (lbr.c); the LBR stack is at the end */
    /* Machine-check banks (mca.c) and power/thermal MSRs (pm.c). */
    u64 mcg_status, mc_ctl[MCA_MAX_BANKS], mc_ctl2[MCA_MAX_BANKS];
    u64 perf_ctl, clock_modulation, therm_interrupt;
    struct fpu_state fpu;

    /* Events. */
    /* The executor's reasons to look before the next block, read as one word (attention):
     * check_events (something in this group changed), halted, interrupt_shadow (STI / MOV
     * SS blocking for the next instruction) and vmx_step (non-root with the monitor trap
     * flag: one instruction at a time). */
    union {
        struct {
            bool check_events, halted, interrupt_shadow, vmx_step;
        };
        u32 attention;
    };
    bool shadow_movss;      /* ... and it came from MOV SS / POP SS (VMX tells them apart) */
    u64 shadow_icount;      /* icount at which the shadow was set */
    bool nmi_pending, nmi_blocked, init_pending, sipi_pending, smi_pending;
    u8 sipi_vector;
    bool wait_for_sipi, shutdown;
    bool shutdown_until_reset; /* VMX-abort shutdown: only RESET ends it (SDM 28.7) */
    bool monitor_armed; /* MONITOR armed the address-monitoring hardware; MWAIT disarms it */
    u32 db_hits;    /* DR6.B0-B3 of data breakpoints the current instruction hit (debug.c) */
    u32 db_pending; /* #DB trap bits held back by MOV SS / POP SS for one instruction */
    u32 db_raised;  /* DR6 bits of the #DB in flight: written to DR6 only on delivery (debug.c) */

    /* Exception in flight: set by cpu_raise() before it unwinds to the executor. */
    int exc_vector;
    int exc_error; /* NO_ERRCODE if none */
    int delivering; /* vector whose delivery is under way, or -1 (double-fault rules) */
    enum event_kind delivering_kind;
    jmp_buf unwind;

    /* Decoded-instruction cache (src/cpu/block.c). */
    struct block_cache *blocks;
    const struct block *cur_block;

    struct machine *m;
    int index; /* CPU number; also the initial APIC ID */
    struct lapic *lapic;
    u64 rdrand_state;
    u32 unimpl_logged[32]; /* (map, opcode) pairs already logged as unimplemented */
    bool stop_on_exception; /* host tests: stop instead of delivering, vector in last_exception */
    int last_exception;

    /* VT-x (src/vmx/vmx.h): per-processor VMX state, and non-root operation as one flag
     * the executor and instruction handlers test. */
    struct vmx *vmx;
    bool vmx_nonroot;

    /* Last branch records (lbr.c): FROM/TO/INFO by stack index, cold, so last. */
    u64 lbr_select, ler_from, ler_to;
    u64 lbr_from[32], lbr_to[32], lbr_info[32];
    u8 lbr_tos;
};

/* --- Executor (src/cpu/exec.c) -------------------------------------------------------- */

/* Run until c->icount reaches c->deadline, the processor halts, or the machine stops. */
void cpu_exec(struct cpu *c);
/* Move the deadline of the running processor (timer.c), keeping deadline_fast with it. */
void cpu_set_deadline(struct cpu *c, u64 d);
/* The processor's clock in virtual ns: one per instruction retired (and per exception
 * delivery), plus the time spent in transitions that retire none (VM entries and exits). */
static inline u64 cpu_time(const struct cpu *c) { return c->icount + c->stall; }

/* --- Exceptions (src/cpu/exec.c) ------------------------------------------------ */

/* Raise a fault, trap or abort: records the event and unwinds to the executor, which
 * delivers it. `error` is NO_ERRCODE for vectors without one. */
NORETURN void cpu_raise(struct cpu *c, int vector, int error);
static inline NORETURN void cpu_gp(struct cpu *c, int err) { cpu_raise(c, EXC_GP, err); }
static inline NORETURN void cpu_ud(struct cpu *c) { cpu_raise(c, EXC_UD, NO_ERRCODE); }

/* --- Interrupt and exception delivery (src/cpu/interrupt.c) --------------------- */

/* Deliver an event through the IVT / IDT in the current mode (real, protected, v86, IA-32e),
 * with every privilege check, stack switch and gate type including task gates.
 * Return address pushed: c->next_rip for EV_SWINT/EV_SWEXC/EV_PRIV_SWEXC (INT n, INT3,
 * INTO, INT1), c->rip otherwise (faults restart the instruction; external interrupts, NMI
 * and trap-like #DB are delivered between instructions, where c->rip is the next one).
 * On return c->rip == c->next_rip == the handler's entry. A fault during delivery simply
 * calls cpu_raise(); the executor applies the double-fault rules (SDM Vol. 3 6.15 Table 6-5). */
void intr_deliver(struct cpu *c, int vector, enum event_kind kind, int error);

/* --- Memory (src/cpu/mem.c) -------------------------------------------------------- */

/* Linear-address access, through paging and the TLB. `acc` is ACC_READ/ACC_WRITE/ACC_EXEC
 * optionally or'ed with ACC_SUPER. Raises #PF. size is 1, 2, 4 or 8; accesses may cross
 * pages. The fast paths (a TLB hit) are inline below; misses go to the _slow versions. */
u64 lin_read_slow(struct cpu *c, u64 lin, unsigned size, int acc);
void lin_write_slow(struct cpu *c, u64 lin, unsigned size, u64 val, int acc);
void lin_read_bytes(struct cpu *c, u64 lin, void *buf, size_t n, int acc);
void lin_write_bytes(struct cpu *c, u64 lin, const void *buf, size_t n, int acc);

/* Segmentation for every mode: limit and type checks (or the canonical check in 64-bit
 * mode) raising #GP(0) / #SS(0), and #AC; returns the linear address. */
u64 seg_check_slow(struct cpu *c, int seg, u64 off, unsigned size, int acc);
/* The same checks without raising: false where seg_check_slow() would fault. */
bool seg_check_nofault(const struct cpu *c, int seg, u64 off, unsigned size, int acc, u64 *lin);

/* Translate a linear address; fills *phys. Returns false (with ACC_NOFAULT) or raises #PF. */
bool lin_translate(struct cpu *c, u64 lin, int acc, u64 *phys);

/* Flush the TLB: everything, or all but global pages, or one page. tlb_flush_all drops
 * every context's translations (for changes the cached permissions depend on); the other
 * two act on the current VPID as MOV CR3/INVLPG do (SDM Vol. 3 29.4.3.1). */
void tlb_flush_all(struct cpu *c);
/* RFLAGS.AC went from 1 to 0 under CR4.SMAP: drop the supervisor entries for user pages
 * that AC allowed (SDM Vol. 3 4.6.1). */
void tlb_smap_ac_cleared(struct cpu *c);
void tlb_flush_nonglobal(struct cpu *c);
void tlb_flush_page(struct cpu *c, u64 lin);
/* Sets of the tagged TLB: allocate the first (false: no memory), free them all. */
bool tlb_init(struct cpu *c, enum tlb_policy policy);
void tlb_free(struct cpu *c);
/* Select the set of the current context (VPID, PCID, EP4TA, paging mode), after VM entry or
 * exit changed c->tlb_vpid/tlb_ep4ta or MOV CR3/CR4/CR0/EFER changed the PCID or mode. */
void tlb_switch(struct cpu *c);
/* A VM entry or exit (SDM 29.4.3.3): with "enable VPID" = 0 (vpid_off) it invalidates VPID 0's
 * linear and combined mappings; with -tlb flush it drops everything. Then tlb_switch(). */
void tlb_transition(struct cpu *c, bool vpid_off);
/* Invalidate by tag (SDM 4.10.4, 29.4.3): sets whose VPID is `vpid` (TLB_ANY, or
 * TLB_NONZERO for all but 0), PCID `pcid` (TLB_ANY) and EP4TA `ep4ta` (TLB_ANY, TLB_NONZERO);
 * one page `lin` or all (TLB_ANY); all entries, all but global ones, or only global ones. */
#define TLB_ANY (~0ull)
#define TLB_NONZERO (~1ull)
enum tlb_which { TLB_DROP_ALL, TLB_KEEP_GLOBAL, TLB_ONLY_GLOBAL };
void tlb_invalidate(struct cpu *c, u64 vpid, u64 pcid, u64 ep4ta, u64 lin, enum tlb_which which);
/* Clear the jump caches of every set (the block arena was recycled). */
void tlb_clear_jump_caches(struct cpu *c);

/* --- Paging (src/cpu/paging.c) -------------------------------------------------- */

struct walk_result {
    u64 gpa; /* guest-physical address of the page (4 KiB aligned even for large pages); the
              * caller's gpa_to_hpa_final() (gpa.h) gives the address the access uses */
    bool writable, user, exec, global;
    bool rw, xd; /* R/W of every level, XD of any (with NXE): the address's own rights,
                  * whatever the CPL (gpa.h, struct gpa_why) */
    u8 pat;      /* the PAT memory type the leaf selects (SDM Vol. 3A 12.12.3) */
    u8 page_shift; /* log2 of the page the leaf maps: 12, 21, 22 or 30 */
};
/* Walk the page tables for `lin` as the access `acc` at the current CPL, setting A/D bits.
 * On a fault, if acc has ACC_NOFAULT returns false, otherwise sets CR2 and raises #PF with
 * the SDM error code. Permission bits in *r are the effective ones for the current CPL/mode
 * so the TLB can cache them. */
bool paging_walk(struct cpu *c, u64 lin, int acc, struct walk_result *r);

/* --- Mode and state (src/cpu/state.c) --------------------------------------------- */

/* Recompute mode, code_size, stack_size, align_check and the TLB pointer after a change
 * of CR0/CR4/EFER/RFLAGS (VM, AC)/CS/SS. Sets stop_block. c->cpl is set by whoever loads
 * CS (far transfers, interrupts, IRET, SYSCALL...); this function only forces 0 in real mode
 * and 3 in virtual-8086 mode. Call it after every such change. */
void cpu_update_mode(struct cpu *c);
/* Architectural power-on / INIT state (SDM Vol. 3 10.1.1, Table 10-1). */
void cpu_reset(struct cpu *c, bool init_only);
/* The two canonical-address checks (SDM Vol. 1 3.3.7.1, Vol. 3 4.5). "For the current
 * paging mode" (48 bits, 57 with CR4.LA57 in IA-32e mode) is for addresses used to reach
 * memory: data and stack accesses, branch targets and other RIP loads. "For this
 * processor" (its widest linear address, CPUID 80000008H:EAX[15:8], whatever CR4.LA57
 * says) is for linear addresses loaded into registers: descriptor-table and segment
 * bases (LGDT, LIDT, LLDT, LTR, WRFSBASE), MSRs, TLB-invalidation operands and the
 * VMCS's host and guest state. */
bool cpu_is_canonical(const struct cpu *c, u64 addr);
bool cpu_is_canonical_max(const struct cpu *c, u64 addr);

/* --- Segmentation (src/cpu/seg.c) ----------------------------------------------- */

/* Load a segment register from a selector with every protection check of MOV/POP Sreg
 * (SDM Vol. 2 MOV), in the current mode. Raises #GP/#SS/#NP with selector error codes. */
void seg_load(struct cpu *c, int seg, u16 sel);
/* Load without checks, as real mode / v86 do: base = sel << 4. */
void seg_load_real(struct cpu *c, int seg, u16 sel);
/* Read the 8-byte descriptor for a selector from the GDT/LDT; raises #GP(sel) if outside. */
u64 seg_read_descriptor(struct cpu *c, u16 sel, int err_vector);
/* Convert a raw descriptor into a cached segment. */
void seg_from_descriptor(struct seg *s, u16 sel, u64 desc);

/* --- Stack (src/cpu/stack.c) ------------------------------------------------------ */

/* Push/pop `size` bytes on SS:rSP with the stack-address size of the current mode and the
 * segment checks (#SS). RSP is updated only after the access succeeds. */
void stack_push(struct cpu *c, unsigned size, u64 v);
u64 stack_pop(struct cpu *c, unsigned size);

/* --- Registers -------------------------------------------------------------------- */

static inline u64 reg_get(const struct cpu *c, unsigned n, unsigned size)
{
    return c->r[n] & size_mask(size);
}
/* Writes with x86-64 semantics: 32-bit writes zero-extend, 8/16-bit writes merge. */
static inline void reg_set(struct cpu *c, unsigned n, unsigned size, u64 v)
{
    switch (size) {
    case 1: c->r[n] = (c->r[n] & ~0xffull) | (v & 0xff); break;
    case 2: c->r[n] = (c->r[n] & ~0xffffull) | (v & 0xffff); break;
    case 4: c->r[n] = (u32)v; break;
    default: c->r[n] = v; break;
    }
}
/* Byte registers: without a REX prefix, numbers 4-7 are AH, CH, DH, BH. */
static inline u8 reg8_get(const struct cpu *c, unsigned n, bool rex)
{
    if (!rex && n >= 4 && n < 8) return (u8)(c->r[n - 4] >> 8);
    return (u8)c->r[n];
}
static inline void reg8_set(struct cpu *c, unsigned n, bool rex, u8 v)
{
    if (!rex && n >= 4 && n < 8)
        c->r[n - 4] = (c->r[n - 4] & ~0xff00ull) | ((u64)v << 8);
    else
        c->r[n] = (c->r[n] & ~0xffull) | v;
}

/* Stack pointer width in use for implicit stack accesses. */
static inline unsigned cpu_stack_size(const struct cpu *c) { return c->stack_size; }

/* --- Flags (src/cpu/flags.c) ------------------------------------------------------ */

/* Full RFLAGS with the lazy arithmetic flags materialized. */
u64 cpu_get_rflags(struct cpu *c);
/* Replace RFLAGS (all bits; the caller applies the instruction's masks). Calls
 * cpu_update_mode() if VM or AC changed and sets check_events if IF changed. */
void cpu_set_rflags(struct cpu *c, u64 v);
/* Evaluate condition code cc (0-15, the low nibble of Jcc/SETcc/CMOVcc). */
bool cpu_cond(struct cpu *c, unsigned cc);

/* --- I/O (src/cpu/io.c) ----------------------------------------------------------- */

/* Port access from the CPU with the IOPL / TSS I/O-permission-bitmap check (SDM Vol. 1
 * 19.5); raises #GP(0) when denied. */
u32 cpu_port_in(struct cpu *c, u16 port, unsigned size);
/* The I/O permission check of IN/OUT/INS/OUTS (IOPL, TSS bitmap): #GP(0) if denied. */
void cpu_io_check(struct cpu *c, u16 port, unsigned size);
void cpu_port_out(struct cpu *c, u16 port, unsigned size, u32 val);

/* --- MSRs and CPUID (src/cpu/msr.c, src/cpu/cpuid.c) ------------------------------ */

/* Returns false if the MSR does not exist or the value is invalid (caller raises #GP). */
bool msr_read(struct cpu *c, u32 index, u64 *val);
bool msr_write(struct cpu *c, u32 index, u64 val);
void cpuid_query(struct cpu *c, u32 leaf, u32 subleaf, u32 out[4]);

/* --- Time ------------------------------------------------------------------------- */

/* Virtual TSC: derived from retired instructions so runs are deterministic. */
u64 cpu_tsc(const struct cpu *c);
u64 cpu_tsc_read(struct cpu *c); /* RDTSC, RDTSCP, RDMSR IA32_TSC: monotonic across processors */

/* Unknown instruction: logs its bytes once and raises #UD. */
NORETURN void cpu_unimplemented(struct cpu *c, const struct insn *i);

/* --- Memory fast paths ------------------------------------------------------------- */

static inline u64 tlb_tag_of(u64 lin) { return (lin & ~0xfffull) | 1; }

/* pa lies in the page IA32_APIC_BASE names: the one-compare filter that paths reaching RAM
 * apply before lapic_window_overlaps() (which also looks at the APIC's mode). */
static inline bool apic_base_page(const struct cpu *c, u64 pa)
{
    return ((c->apic_base ^ pa) >> 12) == 0;
}

/* Host RAM is mapped with a guard page after it, so an 8-byte load that starts on the
 * last page stays inside the mapping; the mask keeps the bytes asked for. */
static inline u64 load_masked(const void *p, unsigned size)
{
    u64 v;
    memcpy(&v, p, 8);
    return v & size_mask(size);
}

static inline u64 lin_read(struct cpu *c, u64 lin, unsigned size, int acc)
{
    struct tlb *t = (acc & ACC_SUPER) ? c->tlb_super : c->tlb;
    const struct tlb_entry *e = ((acc & 3) == ACC_EXEC ? t->exec : t->read) + ((lin >> 12) & (TLB_SIZE - 1));
    /* Comparing against the tag of the last byte also rejects accesses that cross a page. */
    if (likely(e->tag == tlb_tag_of(lin + size - 1)))
        return load_masked((const void *)(uintptr_t)(lin + e->addend), size);
    return lin_read_slow(c, lin, size, acc);
}

static inline void lin_write(struct cpu *c, u64 lin, unsigned size, u64 val, int acc)
{
    struct tlb *t = (acc & ACC_SUPER) ? c->tlb_super : c->tlb;
    const struct tlb_entry *e = t->write + ((lin >> 12) & (TLB_SIZE - 1));
    if (likely(e->tag == tlb_tag_of(lin + size - 1))) {
        store_le((void *)(uintptr_t)(lin + e->addend), size, val);
        return;
    }
    lin_write_slow(c, lin, size, val, acc | ACC_WRITE);
}

static inline u64 seg_check(struct cpu *c, int seg, u64 off, unsigned size, int acc)
{
    if (likely(c->seg_fast)) {
        u64 lin = off + (seg >= SEG_FS ? c->seg[seg].base : 0);
        u64 end = lin + size - 1;
        /* Canonical for 48-bit addresses; LA57 and faults take the slow path. */
        if (likely((u64)((s64)(lin << 16) >> 16) == lin && (u64)((s64)(end << 16) >> 16) == end))
            return lin;
    }
    return seg_check_slow(c, seg, off, size, acc);
}

/* Segmented data access. The fast path (64-bit mode without #AC) needs the TLB entry of
 * the last byte to sit in the slot of the first byte's page, which means both bytes lie on
 * that page; so when the first byte is canonical the last one is too. Everything else
 * goes through the full checks out of line (mem.c). */
u64 seg_read_slow(struct cpu *c, int seg, u64 off, unsigned size);
void seg_write_slow(struct cpu *c, int seg, u64 off, unsigned size, u64 val);

static inline bool canonical48(u64 lin) { return ((lin + (1ull << 47)) >> 48) == 0; }

/* The TLB entry that serves a segmented access on the fast path (64-bit mode without #AC,
 * canonical, one page, in the read or write TLB), and its linear address; NULL: the slow
 * path (mem.c), which also applies every check. */
static inline __attribute__((always_inline)) const struct tlb_entry *seg_fast_entry(const struct cpu *c, bool write, int seg, u64 off,
                                                                                    unsigned size, u64 *lin)
{
    if (!likely(c->seg_fast)) return NULL;
    u64 l = off + (seg >= SEG_FS ? c->seg[seg].base : 0);
    const struct tlb_entry *e = (write ? c->tlb->write : c->tlb->read) + ((l >> 12) & (TLB_SIZE - 1));
    if (!likely(canonical48(l) && e->tag == tlb_tag_of(l + size - 1))) return NULL;
    *lin = l;
    return e;
}

/* The fast path alone: false when it does not apply (insn.h FAST_MEM then takes the whole
 * slow path). */
static inline __attribute__((always_inline)) bool seg_read_fast(struct cpu *c, int seg, u64 off, unsigned size, u64 *v)
{
    u64 lin;
    const struct tlb_entry *e = seg_fast_entry(c, false, seg, off, size, &lin);
    if (!e) return false;
    *v = load_masked((const void *)(uintptr_t)(lin + e->addend), size);
    return true;
}
static inline __attribute__((always_inline)) bool seg_write_fast(struct cpu *c, int seg, u64 off, unsigned size, u64 val)
{
    u64 lin;
    const struct tlb_entry *e = seg_fast_entry(c, true, seg, off, size, &lin);
    if (!e) return false;
    store_le((void *)(uintptr_t)(lin + e->addend), size, val);
    return true;
}

static inline __attribute__((always_inline)) u64 seg_read(struct cpu *c, int seg, u64 off, unsigned size)
{
    u64 v;
    if (likely(seg_read_fast(c, seg, off, size, &v))) return v;
    return seg_read_slow(c, seg, off, size);
}

static inline __attribute__((always_inline)) void seg_write(struct cpu *c, int seg, u64 off, unsigned size, u64 val)
{
    if (likely(seg_write_fast(c, seg, off, size, val))) return;
    seg_write_slow(c, seg, off, size, val);
}

#endif
