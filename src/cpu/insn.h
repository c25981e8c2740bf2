/* The decoded form of one instruction, and how instruction families register their
 * handlers in the opcode map.
 *
 * The decoder (decode.c) turns bytes into a `struct insn` once; the executor runs the
 * handler `fn` each time the instruction is reached. A handler finds everything it needs
 * in the record: operand and address size, register numbers with REX applied, the memory
 * operand's parts, immediates. It reads and writes c->next_rip for control transfers;
 * c->rip still holds the instruction's own address so faults restart it. */
#ifndef VP_INSN_H
#define VP_INSN_H

#include "cpu.h"

/* Opcode maps (SDM Vol. 2 Appendix A). */
enum { MAP_1B = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3 };

struct insn {
    insn_fn fn;
    insn_fn tfn;  /* in a block: fn, then the next record (threaded dispatch, below) */
    s64 disp;     /* memory displacement (sign-extended) */
    u64 imm;      /* first immediate, sign- or zero-extended as the opcode defines (below) */
    u16 imm2;     /* second immediate: ENTER's nesting level, far pointer's selector */
    u8 len;       /* total length in bytes, prefixes included */
    u16 boff, bend; /* in a block: offset of the instruction and of the block's end (the
                     * sentinel: boff 0xffff); for forward branches inside it */
    u8 map;       /* MAP_* */
    u8 op;        /* opcode byte within the map */
    u8 opsz;      /* operand size in bytes: 1 for byte forms, else 2, 4 or 8 */
    u8 adsz;      /* address size in bytes: 2, 4 or 8 */
    u8 seg;       /* segment for the memory operand: override, or DS/SS default */
    u8 rep;       /* 0, 0xf2 (REPNE) or 0xf3 (REP/REPE): last one given */
    u8 rex;       /* REX byte, or 0 */
    bool lock;    /* LOCK prefix (validated by the decoder) */
    bool p66;     /* operand-size prefix present (also when it is a mandatory prefix) */
    bool seg_override;
    u8 pfx;       /* PFX_NP/66/F3/F2: the prefix that selects a form (last F2/F3, else 66) */
    bool end_block; /* OPF_ENDBLOCK or invalid: the block ends here (decode_ends_block) */
    u8 modrm;     /* raw ModRM byte (0 if none) */
    u8 mod;       /* ModRM.mod; 3 means register operand */
    u8 reg;       /* ModRM.reg with REX.R (or the low 3 opcode bits + REX.B for +r forms) */
    u8 rm;        /* ModRM.rm with REX.B when mod == 3 */
    /* Memory operand, when mod != 3: base + index * scale + disp, or rip_rel. */
    u8 base;      /* register number, or NO_REG */
    u8 index;     /* register number, or NO_REG */
    u8 scale;     /* shift count 0-3 */
    bool rip_rel;
    bool ea_base; /* set by insn_specialize: 64-bit address, base + disp only */
    u8 idx;       /* in a block: the record's index; the sentinel's is the block's length */
    u8 fwd;       /* in a block, for a relative branch (FK_BRANCH): how many records on its
                   * target lies when that is further on in the same block, else 0 */
    u8 vex;       /* VEX-encoded: VEX_ON | VEX.L | VEX.W | VEX.vvvv (not inverted); 0 for
                   * legacy encodings. VEX.R/X/B are in rex (64-bit mode), VEX.pp in pfx. */
};
enum { VEX_ON = 0x80, VEX_L = 0x40, VEX_W = 0x20, VEX_VVVV = 0x0f };
static inline bool vex_l(const struct insn *i) { return i->vex & VEX_L; }
static inline bool vex_w(const struct insn *i) { return i->vex & VEX_W; }
static inline unsigned vex_vvvv(const struct insn *i) { return i->vex & VEX_VVVV; }
#define NO_REG 0xff

/* Threaded dispatch (exec.c run_block): in a block each record's tfn runs its
 * instruction and then, with a tail call, the next record's tfn, until an instruction sets
 * stop_block or the block's sentinel record returns to the executor. Each hot handler thus
 * ends in an indirect jump of its own, which the host predicts far better than the one
 * call site of a loop, and the loop's compare, call and return are gone.
 *
 * RIP and the instruction count are kept lazily. A register-only record (FAST_REG) cannot
 * fault, stop the block or look at RIP, so it leaves them alone; every other record first
 * brings them up to itself (thread_sync) from the block's start (block_rip, icount_base)
 * and its own place in the block (boff, idx), so a fault finds them exact, and the
 * sentinel brings them up to the block's end. */
/* Run the records of a block from its first one, i, which starts at c->rip. */
static inline __attribute__((always_inline)) void thread_enter(struct cpu *c, const struct insn *i)
{
    c->block_rip = c->rip;
    c->icount_base = c->icount;
    i->tfn(c, i); /* a tail call: compilers turn it into a jump */
}
/* The address after record i's instruction, from the block's start. */
static inline __attribute__((always_inline)) u64 thread_next_rip(const struct cpu *c, const struct insn *i)
{
    return c->block_rip + i->boff + i->len;
}
/* RIP, next RIP and the count as run_one has them for record i. */
static inline __attribute__((always_inline)) void thread_sync(struct cpu *c, const struct insn *i)
{
    c->rip = c->block_rip + i->boff;
    c->next_rip = c->rip + i->len;
    c->icount = c->icount_base + i->idx;
}
/* After record i, which synced: the next record, or back to the executor with RIP at the
 * next instruction (or a branch's target) if i set stop_block. */
static inline __attribute__((always_inline)) void thread_next(struct cpu *c, const struct insn *i)
{
    if (unlikely(c->stop_block)) {
        c->rip = c->next_rip;
        c->icount++;
        return;
    }
    i[1].tfn(c, i + 1);
}
/* After a register-only record: the next one, RIP and the count left as they are. */
static inline __attribute__((always_inline)) void thread_next_reg(struct cpu *c, const struct insn *i)
{
    i[1].tfn(c, i + 1);
}
/* Go on at record t, which branch record i reached inside its block: the same page (and in
 * the same segment, within its limit), so the target needs no other check. The records
 * skipped do not count. */
static inline __attribute__((always_inline)) void thread_jump(struct cpu *c, const struct insn *i,
                                                              const struct insn *t)
{
    c->icount_base -= (u64)(t - i - 1);
    t->tfn(c, t);
}
/* A FAST_MEM record whose threaded try missed the TLB: its plain fn, then on. */
void thread_retry(struct cpu *c, const struct insn *i);
/* Any handler, threaded: it runs, then the next record. */
void thread_generic(struct cpu *c, const struct insn *i);
/* A branch left the block, RIP and the count exact: on with the next block, or back to
 * the executor. */
void thread_chain_out(struct cpu *c);
/* The sentinel after a block's last record: after one that ends blocks, which synced and
 * set next_rip (a branch's target, say); and after one that does not, which may be
 * register-only (a block cut at its length limit or at the page's end). */
void thread_end(struct cpu *c, const struct insn *i);
void thread_end_fall(struct cpu *c, const struct insn *i);

/* A specialized handler (the *_specialize hooks below) as a plain handler and a threaded
 * one. FAST_HANDLER(name) { body } defines both from one body, and `name` as the pair.
 * FAST_REG(name) is for a handler whose operands are all registers or immediates: it
 * touches no memory, so it can neither fault nor set stop_block (a store to code, a timer
 * armed through MMIO), and it never reads RIP (no RIP-relative operand) or the count. Its
 * threaded form neither syncs nor looks at stop_block. */
/*
 * Dead flags: in a run of register-only records, the arithmetic flags one of them writes
 * are dead when a later one writes all six before any record reads them, faults or leaves
 * the register-only run (nothing in between can observe them: events are taken between
 * blocks, and a single-stepped or traced instruction runs its plain fn). block_lookup then
 * gives the writer its tfn_nf, which skips the flags. fk says what a form does with them:
 * FK_W writes all six, FK_R reads some (CMOVcc, SETcc, ADC, SBB), FK_STOP may fault, leave
 * the block or run a generic handler (everything but FAST_REG). Partial writers (rotates,
 * INC, DEC, shifts by CL) are neither: they pass earlier flags on to the next full writer;
 * what rotates and shifts by CL write is dead too when a full writer comes first, so they
 * have a tfn_nf as well. */
enum { FK_NONE = 0, FK_R = 1, FK_W = 2, FK_STOP = 4 };
/* FK_BRANCH (with the others): a relative branch whose imm is the displacement; block.c
 * gives its record fwd. */
enum { FK_BRANCH = 8 };
struct fast_handler {
    insn_fn fn, tfn;
    insn_fn tfn_nf;  /* FK_W forms: tfn without the flag writes */
    u8 fk;
    insn_fn tfn_rip; /* FAST_MEM forms: tfn for a RIP-relative operand (syncs first) */
    /* FK_W forms that leave the lazy flags in one known shape: its kind (flags.h LF_CMP or
     * LF_LOGIC) | operand size << 4, else 0. A Jcc right after one tests them directly
     * (branch_after_writer). */
    u8 lf;
};
#define LF_SHAPE(kind, size) ((kind) | (size) << 4)
#define LF_SHAPE_KIND(lf) ((lf) & 15)
#define LF_SHAPE_SIZE(lf) ((lf) >> 4)
#define FAST_HANDLER_AS(n, sync, next, fk)                                                \
    static inline __attribute__((always_inline)) void n##_body(struct cpu *c, const struct insn *i); \
    static void n##_fn(struct cpu *c, const struct insn *i) { n##_body(c, i); }          \
    static void n##_tfn(struct cpu *c, const struct insn *i)                             \
    {                                                                                     \
        sync;                                                                             \
        n##_body(c, i);                                                                   \
        next(c, i);                                                                       \
    }                                                                                     \
    static const struct fast_handler n[1] = {{n##_fn, n##_tfn, NULL, fk, NULL}};          \
    static inline __attribute__((always_inline)) void n##_body(struct cpu *c, const struct insn *i)
#define FAST_HANDLER(n) FAST_HANDLER_AS(n, thread_sync(c, i), thread_next, FK_STOP)
/* A form with memory operands, whose threaded form must not need a stack frame: its body
 * gets `try_` and reaches memory only through MEM_READ/MEM_WRITE. Threaded (try_ set), an
 * access the TLB's fast path cannot serve makes the body return false at once, before it
 * changed anything (each body writes state only after its last access), and the record
 * runs again as its plain fn, slow paths and all (thread_retry). So the threaded form
 * calls nothing on its way and keeps c and i in argument registers.
 * What the fast path serves cannot fault or set stop_block (code and MMIO pages have no
 * TLB entries for those accesses), so a FAST_MEM form is as lazy as a FAST_REG one: it
 * syncs RIP and the count only before a retry, or first when its operand is RIP-relative
 * (tfn_rip). */
#define FAST_MEM_AS(n, lf)                                                                \
    static inline __attribute__((always_inline)) bool n##_body(struct cpu *c, const struct insn *i, bool try_); \
    static void n##_fn(struct cpu *c, const struct insn *i) { n##_body(c, i, false); }   \
    static void n##_tfn_sync(struct cpu *c, const struct insn *i)                        \
    {                                                                                     \
        thread_sync(c, i);                                                                \
        if (unlikely(!n##_body(c, i, true))) {                                            \
            thread_retry(c, i);                                                           \
            return;                                                                       \
        }                                                                                 \
        thread_next(c, i);                                                                \
    }                                                                                     \
    static void n##_tfn_lazy(struct cpu *c, const struct insn *i)                         \
    {                                                                                     \
        if (unlikely(!n##_body(c, i, true))) {                                            \
            thread_sync(c, i);                                                            \
            thread_retry(c, i);                                                           \
            return;                                                                       \
        }                                                                                 \
        thread_next_reg(c, i);                                                            \
    }                                                                                     \
    static const struct fast_handler n[1] = {{n##_fn, n##_tfn_lazy, NULL, FK_STOP, n##_tfn_sync, lf}}; \
    static inline __attribute__((always_inline)) bool n##_body(struct cpu *c, const struct insn *i, bool try_)
#define FAST_MEM(n) FAST_MEM_AS(n, 0)
/* A FAST_MEM form that writes all six flags in shape lf (struct fast_handler). */
#define FAST_MEM_LF(n, lf) FAST_MEM_AS(n, lf)
/* In a FAST_MEM body: the value read, or out with false (threaded) when the TLB's fast
 * path does not apply. */
#define MEM_READ(seg, off, size)                                                          \
    ({                                                                                    \
        u64 v_;                                                                           \
        if (!seg_read_fast(c, (seg), (off), (size), &v_)) {                               \
            if (try_) return false;                                                       \
            v_ = seg_read_slow(c, (seg), (off), (size));                                  \
        }                                                                                 \
        v_;                                                                               \
    })
#define MEM_WRITE(seg, off, size, val)                                                    \
    do {                                                                                  \
        u64 w_ = (val);                                                                   \
        if (!seg_write_fast(c, (seg), (off), (size), w_)) {                               \
            if (try_) return false;                                                       \
            seg_write_slow(c, (seg), (off), (size), w_);                                  \
        }                                                                                 \
    } while (0)
#define FAST_REG(n) FAST_HANDLER_AS(n, (void)0, thread_next_reg, FK_NONE)
#define FAST_REG_READ(n) FAST_HANDLER_AS(n, (void)0, thread_next_reg, FK_R)
/* A register-only form that writes all six flags (fk FK_W, or FK_R | FK_W for ADC and
 * SBB): its body gets `wf`, false in tfn_nf, and writes the flags only when it is set. */
#define FAST_REG_FLAGS(n, fk) FAST_REG_FLAGS_LF(n, fk, 0)
#define FAST_REG_FLAGS_LF(n, fk, lf)                                                      \
    static inline __attribute__((always_inline)) void n##_body(struct cpu *c, const struct insn *i, bool wf); \
    static void n##_fn(struct cpu *c, const struct insn *i) { n##_body(c, i, true); }    \
    static void n##_tfn(struct cpu *c, const struct insn *i)                             \
    {                                                                                     \
        n##_body(c, i, true);                                                             \
        thread_next_reg(c, i);                                                            \
    }                                                                                     \
    static void n##_tfn_nf(struct cpu *c, const struct insn *i)                          \
    {                                                                                     \
        n##_body(c, i, false);                                                            \
        thread_next_reg(c, i);                                                            \
    }                                                                                     \
    static const struct fast_handler n[1] = {{n##_fn, n##_tfn, n##_tfn_nf, fk, NULL, lf}}; \
    static inline __attribute__((always_inline)) void n##_body(struct cpu *c, const struct insn *i, bool wf)

static inline bool insn_has_mem(const struct insn *i) { return i->mod != 3; }

/* Offset of the memory operand (before segmentation), masked to the address size. */
static inline u64 insn_ea(const struct cpu *c, const struct insn *i)
{
    if (likely(i->ea_base)) return c->r[i->base] + (u64)i->disp;
    u64 ea = (u64)i->disp;
    if (i->rip_rel) return c->next_rip + ea;
    if (i->base != NO_REG) ea += c->r[i->base];
    if (i->index != NO_REG) ea += c->r[i->index] << i->scale;
    return ea & size_mask(i->adsz);
}

/* --- Operand helpers for the common ModRM forms ------------------------------------ */

/* r/m operand of size `size` (register or memory). */
static inline __attribute__((always_inline)) u64 rm_read(struct cpu *c, const struct insn *i, unsigned size)
{
    if (i->mod == 3)
        return size == 1 ? reg8_get(c, i->rm, i->rex) : reg_get(c, i->rm, size);
    return seg_read(c, i->seg, insn_ea(c, i), size);
}
static inline __attribute__((always_inline)) void rm_write(struct cpu *c, const struct insn *i, unsigned size, u64 v)
{
    if (i->mod == 3) {
        if (size == 1) reg8_set(c, i->rm, i->rex, (u8)v);
        else reg_set(c, i->rm, size, v);
        return;
    }
    seg_write(c, i->seg, insn_ea(c, i), size, v);
}
/* reg operand (ModRM.reg). */
static inline u64 r_read(const struct cpu *c, const struct insn *i, unsigned size)
{
    return size == 1 ? reg8_get(c, i->reg, i->rex) : reg_get(c, i->reg, size);
}
static inline void r_write(struct cpu *c, const struct insn *i, unsigned size, u64 v)
{
    if (size == 1) reg8_set(c, i->reg, i->rex, (u8)v);
    else reg_set(c, i->reg, size, v);
}

/* Register access for specialized handlers, size 4 or 8 only (a constant there): a 32-bit
 * write zero-extends (SDM Vol. 1 3.4.1.1). */
static inline u64 reg_get48(const struct cpu *c, unsigned n, unsigned size)
{
    return size == 4 ? (u64)(u32)c->r[n] : c->r[n];
}
static inline void reg_set48(struct cpu *c, unsigned n, unsigned size, u64 v)
{
    c->r[n] = size == 4 ? (u64)(u32)v : v;
}

/* Handlers shared across families. */
void op_ud(struct cpu *c, const struct insn *i);
void op_unimplemented(struct cpu *c, const struct insn *i);

/* --- The opcode map: one row per opcode form ------------------------------------------ */

/* One row of the opcode map: an opcode form and its handler. Each family file (alu.c,
 * branch.c, sse.c, ...) defines a table of rows ending with {.fn = NULL}; optable.c
 * derives the decoder's tables from them at start-up. A row holds everything the decoder
 * knows about the form, so an opcode's attributes live in exactly one place:
 *
 *   map, op   opcode map and byte (SDM Vol. 2 Appendix A)
 *   reg       ModRM.reg for group opcodes (0-7), or -1 for every slot
 *   flags     OPF_*: ModRM, operand-size attributes, LOCK legality, mode validity, block end
 *   fn        the handler
 *   imm       immediate kind (IMM_*)
 *   pfx       mandatory prefix: PFX_ANY (prefixes keep their legacy meaning), or PFX_NP, PFX_66,
 *             PFX_F3, PFX_F2 (SDM Vol. 2 2.1.2 and the pfx columns of Appendix A.3)
 *   mod       MOD_ANY, or MOD_MEM / MOD_REG where the memory and register forms differ
 *   feat      NEEDS(FEAT_x): the CPUID feature the form needs (#UD without it), or 0
 *   vex       0 for legacy encodings; for a VEX-encoded form (SDM Vol. 2 2.3), VX_ROW with its
 *             encoding rules: VX_L128 / VX_L256 (the only valid VEX.L, else either),
 *             VX_W0 / VX_W1 (the only valid VEX.W, else ignored), VX_NOV (VEX.vvvv must be
 *             1111b), VX_GPR (general-purpose form: no AVX state check, SDM 2.8 vs 2.5.1),
 *             VX_256_AVX2 (VEX.256 needs AVX2 besides feat: the integer forms AVX has as
 *             VEX.128 only). VEX.pp is pfx and VEX.mmmmm is map; every VEX row needs a feat.
 *
 * Rows of one opcode must agree on OPF_MODRM and OPF_CRDR (the ModRM byte is read before
 * the form is known). A (reg, prefix, mod) slot no row fills raises #UD, with the length
 * attributes (ModRM, immediate, operand size) of the opcode's first row, so an invalid
 * form is as long as its valid siblings. */
struct opdef {
    u8 map;
    u8 op;
    s8 reg;
    u16 flags;
    insn_fn fn;
    u8 imm;
    u8 pfx;
    u8 mod;
    u16 feat;
    u8 vex;
};
enum {
    OPF_MODRM = 1 << 0,    /* a ModRM byte follows the opcode */
    OPF_BYTE = 1 << 1,     /* byte operands (opsz = 1) */
    OPF_DEF64 = 1 << 2,    /* 64-bit default operand size in 64-bit mode, 66 gives 16 (d64) */
    OPF_FORCE64 = 1 << 3,  /* 64-bit operand size in 64-bit mode, 66 ignored as Intel does (f64) */
    OPF_CRDR = 1 << 4,     /* MOV CR/DR: ModRM.mod is ignored, r/m is a register */
    OPF_LOCK = 1 << 5,     /* LOCK is valid (with a memory operand); else LOCK is #UD */
    OPF_ENDBLOCK = 1 << 6, /* may change RIP, mode or state decode depends on: ends a block */
    OPF_INV64 = 1 << 7,    /* valid outside 64-bit mode only (i64); there the row still gives
                            * the opcode's length when no OPF_ONLY64 row claims it */
    OPF_ONLY64 = 1 << 8,   /* valid in 64-bit mode only (o64) */
    OPF_FEAT_LEGACY = 1 << 9, /* without `feat`, the prefix keeps its legacy meaning (the
                               * PFX_ANY row runs: TZCNT is BSF) instead of #UD */
};
/* VEX rows (the vex field). A form that breaks its L, W or vvvv rule is #UD (SDM Vol. 2
 * 2.3.6, 2.5, and each instruction's "#UD If VEX.L = 1" style exception lines). */
enum {
    VX_ROW = 1, VX_L128 = 2, VX_L256 = 4, VX_W0 = 8, VX_W1 = 16, VX_NOV = 32, VX_GPR = 64,
    VX_256_AVX2 = 128,
};
/* Mandatory prefix (pfx) and ModRM.mod (mod) dimensions of a row. */
enum { PFX_ANY, PFX_NP, PFX_66, PFX_F3, PFX_F2 };
enum { MOD_ANY, MOD_MEM, MOD_REG };
/* The feature field: 0 means none (FEAT_* start at 0). */
#define NEEDS(feature) ((u16)((feature) + 1))

/* Each family's table (empty tables are fine). */
extern const struct opdef alu_ops[], bits_ops[], bcd_ops[], muldiv_ops[], shift_ops[],
    move_ops[], string_ops[], stack_ops[], branch_ops[], far_ops[], system_ops[],
    segment_ops[], msr_ops[], io_ops[], fpu_ops[], sse_ops[], misc_ops[], intflag_ops[],
    bound_ops[], vmx_ops[];
extern const struct opdef sse42_ops[], aes_ops[]; /* SSE4.2 string/PCMPGTQ; AES-NI, PCLMULQDQ */
extern const struct opdef sse3_ops[], sse41_ops[]; /* SSE3 and SSSE3; SSE4.1 */
extern const struct opdef xsave_ops[]; /* XSAVEC, XSAVES, XRSTORS (0F C7); the rest in system.c */
extern const struct opdef avx_move_ops[]; /* VEX moves, VZEROUPPER/VZEROALL (avx_move.c) */
extern const struct opdef avx_fp_ops[], avx_fp2_ops[]; /* VEX floating point (avx_fp*.c) */
extern const struct opdef avx_int_ops[], avx_int_move_ops[]; /* VEX integer (avx_int*.c) */
extern const struct opdef avx2_ops[], avx2_gather_ops[]; /* AVX2's own (avx2*.c) */
extern const struct opdef bmi_ops[]; /* BMI1/BMI2 VEX general-purpose forms (bmi.c) */
extern const struct opdef fma_ops[], f16c_ops[]; /* FMA (fma.c), F16C (f16c.c) */

/* Immediate kinds of a row. */
enum imm_kind {
    IMM_NONE, IMM_B,   /* 8-bit, sign-extended */
    IMM_UB,            /* 8-bit, zero-extended (ports, INT n, shifts, ENTER level) */
    IMM_W,             /* 16-bit zero-extended (RET n, ENTER size) */
    IMM_Z,             /* 16 or 32 by operand size, sign-extended to 64 */
    IMM_V,             /* 16, 32 or 64 by operand size (MOV r, imm) */
    IMM_WB,            /* ENTER: imm16 then imm8 (imm2) */
    IMM_PTR,           /* far pointer: offset (16/32) then selector (imm2) */
    IMM_MOFFS,         /* MOV moffs: address-size offset, in disp */
};

/* The decoder's view of the rows (optable.c), built once per process. An opcode (mode,
 * map, byte) is a cell: whether ModRM follows, and where its forms start in a flat array
 * of row pointers, split by ModRM.reg, prefix and mod only where its rows differ. */
enum {
    CELL_MODRM = 1,   /* ModRM follows */
    CELL_CRDR = 2,    /* ModRM.mod ignored */
    CELL_BY_REG = 4,  /* forms differ by ModRM.reg */
    CELL_BY_PFX = 8,  /* forms differ by mandatory prefix */
    CELL_BY_MOD = 16, /* forms differ by register/memory operand */
};
struct opcell {
    u8 shape; /* CELL_* */
    u16 form; /* index of the cell's first form in optable_forms */
};
extern struct opcell optable_cells[2][4][256];     /* [64-bit mode][map][opcode] */
extern struct opcell optable_vex_cells[2][4][256]; /* the same for VEX encodings */
extern const struct opdef *optable_forms[];
void optable_init(void);

/* Index in optable_forms of the form for (reg, prefix, mod) within a cell; pfx is
 * PFX_NP..PFX_F2, mod the ModRM.mod field (3: register operand). */
static inline unsigned optable_form_index(const struct opcell *cell, unsigned reg, unsigned pfx,
                                          unsigned mod)
{
    unsigned k = cell->form, s = cell->shape;
    if (unlikely(s & (CELL_BY_REG | CELL_BY_PFX | CELL_BY_MOD))) {
        unsigned np = (s & CELL_BY_PFX) ? 4 : 1, nm = (s & CELL_BY_MOD) ? 2 : 1;
        unsigned r = (s & CELL_BY_REG) ? reg & 7 : 0, p = (s & CELL_BY_PFX) ? pfx - PFX_NP : 0;
        unsigned m = (s & CELL_BY_MOD) ? mod == 3 : 0;
        k += (r * np + p) * nm + m;
    }
    return k;
}

/* Look up the form of an opcode without a mandatory prefix (memory operand) in or out of
 * 64-bit mode. Never NULL: unknown opcodes get a row whose handler raises #UD. */
const struct opdef *optable_lookup(unsigned map, unsigned op, unsigned reg, bool long_mode);

/* Handler the decoder installs for a row with `feat`: runs the row's handler when the
 * CPU offers the feature, else the legacy form (OPF_FEAT_LEGACY) or #UD. */
void op_feature_gate(struct cpu *c, const struct insn *i);
/* Handler the decoder installs for every VEX form: #UD without the row's feature, then
 * (except VX_GPR forms) the AVX state checks (avx.h), then the row's handler. */
void op_vex_gate(struct cpu *c, const struct insn *i);

/* Decode one instruction. `fetch` returns the byte at offset k from the instruction start
 * (it may raise #PF / #GP); key is the processor's decode_key: the code segment's default
 * size (2, 4 or 8), with DECODE_NO_VEX in real and virtual-8086 mode.
 * Invalid encodings (LOCK misuse, more than 15 bytes, opcodes invalid in the mode) decode
 * to a handler that raises the exception when the instruction executes. */
typedef u8 (*fetch_fn)(struct cpu *c, void *ctx, unsigned k);
void decode_insn(struct cpu *c, unsigned key, fetch_fn fetch, void *ctx, struct insn *out);

/* True if the block must end after this instruction (OPF_ENDBLOCK or invalid). */
static inline bool decode_ends_block(const struct insn *i, bool long_mode)
{
    (void)long_mode;
    return i->end_block;
}

/* --- Decode-time specialization ---------------------------------------------------- */

/* Once an instruction is decoded into a block, insn_specialize (optable.c) lets its family
 * swap the generic handler for one written for the exact form: register or memory
 * operand, operand size, 64-bit mode (blocks are keyed by decode mode, so the handler
 * only ever runs in the mode it was chosen for). The generic handler stays the reference;
 * a specialized one must behave identically. Each family hook returns NULL when it has
 * nothing better for `i`. insn_specialize also sets the threaded entry tfn: the hook's
 * threaded handler, or thread_generic; it returns the hook's handler (NULL: generic). */
const struct fast_handler *insn_specialize(struct insn *i, bool long_mode);
const struct fast_handler *alu_specialize(const struct insn *i, bool long_mode);
const struct fast_handler *move_specialize(const struct insn *i, bool long_mode);
const struct fast_handler *branch_specialize(const struct insn *i, bool long_mode);
const struct fast_handler *shift_specialize(const struct insn *i, bool long_mode);
const struct fast_handler *muldiv_specialize(const struct insn *i, bool long_mode);
const struct fast_handler *stack_specialize(const struct insn *i, bool long_mode);
const struct fast_handler *system_specialize(const struct insn *i, bool long_mode);
/* The no-operation form (system.c), for the NOPs of other families. */
extern const struct fast_handler *const fast_nop;
/* For a Jcc (FK_BRANCH) in 64-bit mode right after a record that left the lazy flags in
 * shape lf (struct fast_handler), and reached only from it: a threaded form that tests
 * them as that shape has them; NULL when there is none. */
insn_fn branch_after_writer(const struct insn *i, unsigned lf);

#endif
