/* Instruction decoder: prefixes, REX, opcode maps, ModRM/SIB, displacement and immediates
 * (SDM Vol. 2 chapter 2 and Appendix A). The result is a `struct insn` whose handler is
 * chosen from the opcode map; invalid encodings get a handler that raises #UD or #GP. */
#include "insn.h"

/* Per-opcode attributes of the one-byte and 0F maps. */
enum {
    A_MODRM = 1 << 0,
    A_BYTE = 1 << 1,    /* byte-sized operands (opsz = 1) */
    A_DEF64 = 1 << 2,   /* 64-bit default operand size in 64-bit mode (66 gives 16) */
    A_FORCE64 = 1 << 3, /* 64-bit operand size in 64-bit mode, 66 ignored (Intel) */
    A_INV64 = 1 << 4,   /* #UD in 64-bit mode */
    A_CRDR = 1 << 5,    /* MOV CR/DR: ModRM.mod is ignored, r/m is always a register */
    A_PREFIX = 1 << 6,
};

struct attr {
    u8 flags;
    u8 imm; /* enum imm_kind */
};

#define M A_MODRM
#define B A_BYTE
static const struct attr map1[256] = {
    /* 00-3F: ALU ops; push/pop segment; BCD; prefixes */
    [0x00] = {M | B}, [0x01] = {M}, [0x02] = {M | B}, [0x03] = {M}, [0x04] = {B, IMM_B}, [0x05] = {0, IMM_Z},
    [0x06] = {A_INV64}, [0x07] = {A_INV64},
    [0x08] = {M | B}, [0x09] = {M}, [0x0a] = {M | B}, [0x0b] = {M}, [0x0c] = {B, IMM_B}, [0x0d] = {0, IMM_Z},
    [0x0e] = {A_INV64},
    [0x10] = {M | B}, [0x11] = {M}, [0x12] = {M | B}, [0x13] = {M}, [0x14] = {B, IMM_B}, [0x15] = {0, IMM_Z},
    [0x16] = {A_INV64}, [0x17] = {A_INV64},
    [0x18] = {M | B}, [0x19] = {M}, [0x1a] = {M | B}, [0x1b] = {M}, [0x1c] = {B, IMM_B}, [0x1d] = {0, IMM_Z},
    [0x1e] = {A_INV64}, [0x1f] = {A_INV64},
    [0x20] = {M | B}, [0x21] = {M}, [0x22] = {M | B}, [0x23] = {M}, [0x24] = {B, IMM_B}, [0x25] = {0, IMM_Z},
    [0x26] = {A_PREFIX}, [0x27] = {A_INV64},
    [0x28] = {M | B}, [0x29] = {M}, [0x2a] = {M | B}, [0x2b] = {M}, [0x2c] = {B, IMM_B}, [0x2d] = {0, IMM_Z},
    [0x2e] = {A_PREFIX}, [0x2f] = {A_INV64},
    [0x30] = {M | B}, [0x31] = {M}, [0x32] = {M | B}, [0x33] = {M}, [0x34] = {B, IMM_B}, [0x35] = {0, IMM_Z},
    [0x36] = {A_PREFIX}, [0x37] = {A_INV64},
    [0x38] = {M | B}, [0x39] = {M}, [0x3a] = {M | B}, [0x3b] = {M}, [0x3c] = {B, IMM_B}, [0x3d] = {0, IMM_Z},
    [0x3e] = {A_PREFIX}, [0x3f] = {A_INV64},
    /* 40-4F inc/dec (REX in 64-bit mode), 50-5F push/pop */
    [0x50 ... 0x5f] = {A_DEF64},
    [0x60] = {A_INV64}, [0x61] = {A_INV64}, [0x62] = {M | A_INV64}, [0x63] = {M},
    [0x64 ... 0x67] = {A_PREFIX},
    [0x68] = {A_DEF64, IMM_Z}, [0x69] = {M, IMM_Z}, [0x6a] = {A_DEF64, IMM_B}, [0x6b] = {M, IMM_B},
    [0x6c] = {B}, [0x6e] = {B},
    [0x70 ... 0x7f] = {A_FORCE64, IMM_B},
    [0x80] = {M | B, IMM_B}, [0x81] = {M, IMM_Z}, [0x82] = {M | B | A_INV64, IMM_B}, [0x83] = {M, IMM_B},
    [0x84] = {M | B}, [0x85] = {M}, [0x86] = {M | B}, [0x87] = {M},
    [0x88] = {M | B}, [0x89] = {M}, [0x8a] = {M | B}, [0x8b] = {M},
    [0x8c] = {M}, [0x8d] = {M}, [0x8e] = {M}, [0x8f] = {M | A_DEF64},
    [0x9a] = {A_INV64, IMM_PTR}, [0x9c] = {A_DEF64}, [0x9d] = {A_DEF64},
    [0xa0] = {B, IMM_MOFFS}, [0xa1] = {0, IMM_MOFFS}, [0xa2] = {B, IMM_MOFFS}, [0xa3] = {0, IMM_MOFFS},
    [0xa4] = {B}, [0xa6] = {B}, [0xa8] = {B, IMM_B}, [0xa9] = {0, IMM_Z},
    [0xaa] = {B}, [0xac] = {B}, [0xae] = {B},
    [0xb0 ... 0xb7] = {B, IMM_B}, [0xb8 ... 0xbf] = {0, IMM_V},
    [0xc0] = {M | B, IMM_UB}, [0xc1] = {M, IMM_UB}, [0xc2] = {A_FORCE64, IMM_W}, [0xc3] = {A_FORCE64},
    [0xc4] = {M | A_INV64}, [0xc5] = {M | A_INV64}, [0xc6] = {M | B, IMM_B}, [0xc7] = {M, IMM_Z},
    [0xc8] = {A_DEF64, IMM_WB}, [0xc9] = {A_DEF64}, [0xca] = {0, IMM_W}, [0xcd] = {0, IMM_UB},
    [0xce] = {A_INV64},
    [0xd0] = {M | B}, [0xd1] = {M}, [0xd2] = {M | B}, [0xd3] = {M},
    [0xd4] = {A_INV64, IMM_UB}, [0xd5] = {A_INV64, IMM_UB}, [0xd6] = {A_INV64},
    [0xd8 ... 0xdf] = {M},
    [0xe0 ... 0xe3] = {A_FORCE64, IMM_B},
    [0xe4] = {B, IMM_UB}, [0xe5] = {0, IMM_UB}, [0xe6] = {B, IMM_UB}, [0xe7] = {0, IMM_UB},
    [0xe8] = {A_FORCE64, IMM_Z}, [0xe9] = {A_FORCE64, IMM_Z}, [0xea] = {A_INV64, IMM_PTR},
    [0xeb] = {A_FORCE64, IMM_B}, [0xec] = {B}, [0xee] = {B},
    [0xf0] = {A_PREFIX}, [0xf2] = {A_PREFIX}, [0xf3] = {A_PREFIX},
    [0xf6] = {M | B}, [0xf7] = {M}, [0xfe] = {M | B}, [0xff] = {M},
};

static const struct attr map0f[256] = {
    [0x00] = {M}, [0x01] = {M}, [0x02] = {M}, [0x03] = {M},
    [0x0d] = {M},
    [0x10 ... 0x1f] = {M},
    [0x20 ... 0x23] = {M | A_CRDR},
    [0x28 ... 0x2f] = {M},
    [0x40 ... 0x4f] = {M},
    [0x50 ... 0x6f] = {M},
    [0x70 ... 0x73] = {M, IMM_UB},
    [0x74 ... 0x76] = {M},
    [0x78 ... 0x7f] = {M},
    [0x80 ... 0x8f] = {A_FORCE64, IMM_Z},
    [0x90 ... 0x9f] = {M | B},
    [0xa0] = {A_DEF64}, [0xa1] = {A_DEF64}, [0xa3] = {M}, [0xa4] = {M, IMM_UB}, [0xa5] = {M},
    [0xa8] = {A_DEF64}, [0xa9] = {A_DEF64}, [0xab] = {M}, [0xac] = {M, IMM_UB}, [0xad] = {M},
    [0xae] = {M}, [0xaf] = {M},
    [0xb0] = {M | B}, [0xb1] = {M}, [0xb2 ... 0xb8] = {M}, [0xb9] = {M}, [0xba] = {M, IMM_UB},
    [0xbb ... 0xbf] = {M},
    [0xc0] = {M | B}, [0xc1] = {M}, [0xc2] = {M, IMM_UB}, [0xc3] = {M}, [0xc4] = {M, IMM_UB},
    [0xc5] = {M, IMM_UB}, [0xc6] = {M, IMM_UB}, [0xc7] = {M},
    [0xd0 ... 0xff] = {M},
};
#undef M
#undef B

/* Opcodes whose LOCK prefix is valid with a memory destination (SDM Vol. 2 LOCK);
 * for group opcodes, the allowed /reg slots as a bit mask. */
static u8 lock_regs(unsigned map, unsigned op)
{
    if (map == MAP_1B) {
        if (op < 0x40 && (op & 7) < 2 && (op & 0x38) != 0x38) return 0xff; /* ALU r/m,r (not CMP) */
        switch (op) {
        case 0x80: case 0x81: case 0x82: case 0x83: return 0x7f; /* all but CMP */
        case 0x86: case 0x87: return 0xff;                      /* XCHG */
        case 0xf6: case 0xf7: return 0x0c;                      /* NOT, NEG */
        case 0xfe: case 0xff: return 0x03;                      /* INC, DEC */
        }
    } else if (map == MAP_0F) {
        switch (op) {
        case 0xab: case 0xb3: case 0xbb: return 0xff; /* BTS, BTR, BTC */
        case 0xba: return 0xe0;                       /* BTS/BTR/BTC imm */
        case 0xb0: case 0xb1: case 0xc0: case 0xc1: return 0xff; /* CMPXCHG, XADD */
        case 0xc7: return 0x02;                       /* CMPXCHG8B/16B */
        }
    }
    return 0;
}

void op_ud(struct cpu *c, const struct insn *i)
{
    (void)i;
    cpu_ud(c);
}

/* More than 15 bytes (SDM Vol. 2 2.3.11). */
static void op_too_long(struct cpu *c, const struct insn *i)
{
    (void)i;
    cpu_gp(c, 0);
}

struct reader {
    struct cpu *c;
    fetch_fn fetch;
    void *ctx;
    unsigned pos;
    bool too_long;
};

static u8 next_byte(struct reader *r)
{
    /* The 16th byte is never fetched: the instruction is already invalid. */
    if (r->pos >= 15) {
        r->too_long = true;
        return 0;
    }
    return r->fetch(r->c, r->ctx, r->pos++);
}

static u64 next_bytes(struct reader *r, unsigned n)
{
    u64 v = 0;
    for (unsigned k = 0; k < n; k++) v |= (u64)next_byte(r) << (8 * k);
    return v;
}

/* ModRM memory forms: 16-bit table (SDM Vol. 2 Table 2-1). */
static void modrm16(struct reader *rd, struct insn *i)
{
    static const u8 base16[8] = {RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX};
    static const u8 index16[8] = {RSI, RDI, RSI, RDI, NO_REG, NO_REG, NO_REG, NO_REG};
    unsigned rm = i->modrm & 7;
    i->base = base16[rm];
    i->index = index16[rm];
    i->scale = 0;
    if (i->mod == 0 && rm == 6) {
        i->base = NO_REG;
        i->disp = (s16)next_bytes(rd, 2);
    } else if (i->mod == 1) {
        i->disp = (s8)next_byte(rd);
    } else if (i->mod == 2) {
        i->disp = (s16)next_bytes(rd, 2);
    }
    if (!i->seg_override && i->base == RBP) i->seg = SEG_SS;
}

/* 32/64-bit forms with SIB (SDM Vol. 2 Tables 2-2, 2-3; 2.2.1.6 for RIP-relative). */
static void modrm32(struct reader *rd, struct insn *i, bool long_mode)
{
    unsigned rm = i->modrm & 7;
    unsigned rex_b = (i->rex & 1) << 3, rex_x = (i->rex & 2) << 2;
    i->index = NO_REG;
    i->scale = 0;
    if (rm == 4) {
        u8 sib = next_byte(rd);
        unsigned idx = ((sib >> 3) & 7) | rex_x;
        i->scale = sib >> 6;
        if (idx != RSP) i->index = (u8)idx;
        unsigned b = sib & 7;
        if (b == 5 && i->mod == 0) {
            i->base = NO_REG;
            i->disp = (s32)next_bytes(rd, 4);
        } else {
            i->base = (u8)(b | rex_b);
        }
    } else if (rm == 5 && i->mod == 0) {
        i->base = NO_REG;
        i->disp = (s32)next_bytes(rd, 4);
        i->rip_rel = long_mode;
    } else {
        i->base = (u8)(rm | rex_b);
    }
    if (i->mod == 1) i->disp = (s8)next_byte(rd);
    else if (i->mod == 2) i->disp = (s32)next_bytes(rd, 4);
    if (!i->seg_override && (i->base == RSP || i->base == RBP)) i->seg = SEG_SS;
}

void decode_insn(struct cpu *c, unsigned mode_size, fetch_fn fetch, void *ctx, struct insn *i)
{
    struct reader rd = {c, fetch, ctx, 0, false};
    bool long_mode = mode_size == 8;
    bool p67 = false;
    u8 b;

    memset(i, 0, sizeof *i);
    i->seg = SEG_DS;
    i->base = i->index = NO_REG;

    /* Legacy prefixes, then REX (only if it immediately precedes the opcode). */
    for (;;) {
        b = next_byte(&rd);
        switch (b) {
        case 0x26: i->seg = SEG_ES; i->seg_override = true; i->rex = 0; continue;
        case 0x2e: i->seg = SEG_CS; i->seg_override = true; i->rex = 0; continue;
        case 0x36: i->seg = SEG_SS; i->seg_override = true; i->rex = 0; continue;
        case 0x3e: i->seg = SEG_DS; i->seg_override = true; i->rex = 0; continue;
        case 0x64: i->seg = SEG_FS; i->seg_override = true; i->rex = 0; continue;
        case 0x65: i->seg = SEG_GS; i->seg_override = true; i->rex = 0; continue;
        case 0x66: i->p66 = true; i->rex = 0; continue;
        case 0x67: p67 = true; i->rex = 0; continue;
        case 0xf0: i->lock = true; i->rex = 0; continue;
        case 0xf2: case 0xf3: i->rep = b; i->rex = 0; continue;
        }
        if (long_mode && (b & 0xf0) == 0x40) {
            i->rex = b;
            continue;
        }
        break;
    }
    if (rd.too_long) goto too_long;

    /* Opcode and map. */
    const struct attr *a;
    unsigned map = MAP_1B;
    if (b == 0x0f) {
        b = next_byte(&rd);
        if (b == 0x38 || b == 0x3a) {
            map = b == 0x38 ? MAP_0F38 : MAP_0F3A;
            b = next_byte(&rd);
        } else {
            map = MAP_0F;
        }
    }
    static const struct attr three_byte_38 = {A_MODRM, IMM_NONE};
    static const struct attr three_byte_3a = {A_MODRM, IMM_UB};
    a = map == MAP_1B ? &map1[b] : map == MAP_0F ? &map0f[b]
        : map == MAP_0F38 ? &three_byte_38 : &three_byte_3a;
    i->map = (u8)map;
    i->op = b;

    /* Sizes (SDM Vol. 1 3.6; Vol. 2 2.2.1.2 and Table 2-4 for 64-bit mode). */
    if (long_mode) {
        i->adsz = p67 ? 4 : 8;
        if (i->rex & 8) i->opsz = 8;
        else if (a->flags & A_FORCE64) i->opsz = 8;
        else if (a->flags & A_DEF64) i->opsz = i->p66 ? 2 : 8;
        else i->opsz = i->p66 ? 2 : 4;
    } else {
        i->adsz = (mode_size == 4) ^ p67 ? 4 : 2;
        i->opsz = (mode_size == 4) ^ i->p66 ? 4 : 2;
    }
    if (a->flags & A_BYTE) i->opsz = 1;

    /* ModRM. */
    bool group5 = map == MAP_1B && b == 0xff;
    bool vex_like = !long_mode && (map == MAP_1B) && (b == 0xc4 || b == 0xc5);
    if (a->flags & A_MODRM) {
        i->modrm = next_byte(&rd);
        i->mod = i->modrm >> 6;
        i->reg = (u8)(((i->modrm >> 3) & 7) | ((i->rex & 4) << 1));
        i->rm = (u8)((i->modrm & 7) | ((i->rex & 1) << 3));
        if (a->flags & A_CRDR) {
            i->mod = 3; /* SDM Vol. 2 MOV CR: "the mod field is ignored" */
        } else if (vex_like && i->mod == 3) {
            /* VEX-encoded (AVX) outside 64-bit mode: not offered by CPUID, so #UD. */
        } else if (i->mod != 3) {
            if (i->adsz == 2) modrm16(&rd, i);
            else modrm32(&rd, i, long_mode);
        }
        /* FF /2 and /4 (near CALL/JMP) are 64-bit in 64-bit mode; /6 (PUSH) defaults to it. */
        unsigned slot = (i->modrm >> 3) & 7;
        if (group5 && long_mode && (slot == 2 || slot == 4)) i->opsz = 8;
        if (group5 && long_mode && slot == 6 && !(i->rex & 8)) i->opsz = i->p66 ? 2 : 8;
    } else {
        /* +r forms (push/pop/xchg/mov/bswap/inc/dec) use the low opcode bits with REX.B. */
        i->reg = (u8)((b & 7) | ((i->rex & 1) << 3));
        i->mod = 3;
    }

    /* Immediates. */
    unsigned imm = a->imm;
    if (map == MAP_1B && (b == 0xf6 || b == 0xf7) && ((i->modrm >> 3) & 7) < 2)
        imm = b == 0xf6 ? IMM_B : IMM_Z; /* TEST r/m, imm */
    unsigned osz = i->opsz;
    switch (imm) {
    case IMM_B: i->imm = (u64)(s64)(s8)next_byte(&rd); break;
    case IMM_UB: i->imm = next_byte(&rd); break;
    case IMM_W: i->imm = next_bytes(&rd, 2); break;
    case IMM_Z:
        i->imm = osz == 2 ? (u64)(s64)(s16)next_bytes(&rd, 2) : (u64)(s64)(s32)next_bytes(&rd, 4);
        break;
    case IMM_V: i->imm = next_bytes(&rd, osz); break;
    case IMM_WB:
        i->imm = next_bytes(&rd, 2);
        i->imm2 = next_byte(&rd);
        break;
    case IMM_PTR:
        i->imm = next_bytes(&rd, osz == 2 ? 2 : 4);
        i->imm2 = (u16)next_bytes(&rd, 2);
        break;
    case IMM_MOFFS:
        i->disp = (s64)next_bytes(&rd, i->adsz);
        i->mod = 0; /* a memory operand with only a displacement */
        i->base = i->index = NO_REG;
        break;
    }
    if (rd.too_long) goto too_long;
    i->len = (u8)rd.pos;

    /* Handler, then validity. */
    const struct opdef *d = optable_lookup(map, b, (i->modrm >> 3) & 7, long_mode);
    i->fn = d->fn;
    if (long_mode && map == MAP_1B && (a->flags & A_INV64)) i->fn = op_ud;
    if (vex_like && i->mod == 3) i->fn = op_ud;
    if (long_mode && map == MAP_1B && (b == 0xc4 || b == 0xc5)) i->fn = op_ud; /* VEX */
    if (i->lock) {
        u8 ok = lock_regs(map, b);
        if (!(ok & (1u << ((i->modrm >> 3) & 7))) || i->mod == 3) i->fn = op_ud;
    }
    return;

too_long:
    i->len = 15;
    i->fn = op_too_long;
}

bool decode_ends_block(const struct insn *i, bool long_mode)
{
    const struct opdef *d = optable_lookup(i->map, i->op, (i->modrm >> 3) & 7, long_mode);
    return (d->flags & OPF_ENDBLOCK) || i->fn == op_ud;
}
