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
    s64 disp;     /* memory displacement (sign-extended) */
    u64 imm;      /* first immediate, sign- or zero-extended as the opcode defines (below) */
    u16 imm2;     /* second immediate: ENTER's nesting level, far pointer's selector */
    u8 len;       /* total length in bytes, prefixes included */
    u8 map;       /* MAP_* */
    u8 op;        /* opcode byte within the map */
    u8 opsz;      /* operand size in bytes: 1 for byte forms, else 2, 4 or 8 */
    u8 adsz;      /* address size in bytes: 2, 4 or 8 */
    u8 seg;       /* segment for the memory operand: override, or DS/SS default */
    u8 rep;       /* 0, 0xf2 (REPNE) or 0xf3 (REP/REPE): last one given */
    u8 rex;       /* REX byte, or 0 */
    bool lock;    /* LOCK prefix (validated by the decoder) */
    bool p66;     /* operand-size prefix present (mandatory prefix for SSE forms) */
    bool seg_override;
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
};
#define NO_REG 0xff

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
static inline u64 rm_read(struct cpu *c, const struct insn *i, unsigned size)
{
    if (i->mod == 3)
        return size == 1 ? reg8_get(c, i->rm, i->rex) : reg_get(c, i->rm, size);
    return seg_read(c, i->seg, insn_ea(c, i), size);
}
static inline void rm_write(struct cpu *c, const struct insn *i, unsigned size, u64 v)
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

/* --- Registration ------------------------------------------------------------------ */

/* One handler for an opcode, or for one /reg slot of a group opcode. A family file
 * (alu.c, branch.c, ...) defines a table of these ending with {.fn = NULL}; optable.c
 * gathers the tables into the map the decoder reads. */
struct opdef {
    u8 map;
    u8 op;
    s8 reg;       /* ModRM.reg slot for group opcodes (0-7), or -1 for all */
    u8 flags;     /* OPF_* below */
    insn_fn fn;
};
enum {
    OPF_LOCK = 1,      /* LOCK is valid (with a memory destination) */
    OPF_ENDBLOCK = 2,  /* may change RIP, mode or state decode depends on: ends a block */
    OPF_MODE16_32 = 4, /* this handler applies outside 64-bit mode only */
    OPF_ONLY64 = 8,    /* this handler applies in 64-bit mode only */
};

/* Each family's table (empty tables are fine). */
extern const struct opdef alu_ops[], bits_ops[], bcd_ops[], muldiv_ops[], shift_ops[],
    move_ops[], string_ops[], stack_ops[], branch_ops[], far_ops[], system_ops[],
    segment_ops[], msr_ops[], io_ops[], fpu_ops[], sse_ops[], misc_ops[], intflag_ops[],
    bound_ops[], vmx_ops[];

/* Immediate kinds the decoder knows per opcode (decode.c); exposed for the disassembler
 * and tests. */
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

/* Look up the handler for a decoded opcode in or out of 64-bit mode (optable.c). Never
 * NULL: unknown opcodes get a handler that raises #UD. */
const struct opdef *optable_lookup(unsigned map, unsigned op, unsigned reg, bool long_mode);

/* Decode one instruction. `fetch` returns the byte at offset k from the instruction start
 * (it may raise #PF / #GP); mode_size is the code segment's default size (2, 4 or 8).
 * Invalid encodings (LOCK misuse, more than 15 bytes, opcodes invalid in the mode) decode
 * to a handler that raises the exception when the instruction executes. */
typedef u8 (*fetch_fn)(struct cpu *c, void *ctx, unsigned k);
void decode_insn(struct cpu *c, unsigned mode_size, fetch_fn fetch, void *ctx, struct insn *out);

/* True if the block must end after this instruction (OPF_ENDBLOCK or invalid). */
bool decode_ends_block(const struct insn *i, bool long_mode);

/* --- Decode-time specialization ---------------------------------------------------- */

/* Once an instruction is decoded into a block, insn_specialize (optable.c) lets its family
 * swap the generic handler for one written for the exact form: register or memory
 * operand, operand size, 64-bit mode (blocks are keyed by decode mode, so the handler
 * only ever runs in the mode it was chosen for). The generic handler stays the reference;
 * a specialized one must behave identically. Each family hook returns NULL when it has
 * nothing better for `i`. */
void insn_specialize(struct insn *i, bool long_mode);
insn_fn alu_specialize(const struct insn *i, bool long_mode);
insn_fn move_specialize(const struct insn *i, bool long_mode);
insn_fn branch_specialize(const struct insn *i, bool long_mode);
insn_fn shift_specialize(const struct insn *i, bool long_mode);
insn_fn muldiv_specialize(const struct insn *i, bool long_mode);
insn_fn stack_specialize(const struct insn *i, bool long_mode);

/* Handlers shared across families. */
void op_ud(struct cpu *c, const struct insn *i);
void op_unimplemented(struct cpu *c, const struct insn *i);

#endif
