/* Differential test of the two-operand ALU family against the host processor: ADD OR ADC
 * SBB AND SUB XOR CMP in every encoding and size, TEST, NOT, NEG, INC, DEC, XADD,
 * CMPXCHG, CMPXCHG8B/16B. Flags the SDM leaves undefined (AF after logic ops) are masked. */
#include "../diff/diff.h"

#define N 200
#define MEM_DISP 8 /* memory operand: [rbx + 8] */
#define PTR_RBX (1u << RBX)

static const char *const alu_name[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

static u64 alu_flags(unsigned op)
{
    /* OR AND XOR: "the state of the AF flag is undefined" (SDM Vol. 2 AND, OR, XOR). */
    return (op == 1 || op == 4 || op == 6) ? FL_ARITH & ~FL_AF : FL_ARITH;
}

static void mem_operand(struct dform *f, unsigned reg)
{
    diff_put(f, modrm(1, reg, RBX));
    diff_put(f, MEM_DISP);
}

/* Byte-or-wider opcode: base for bytes, base + 1 otherwise. */
static unsigned opc(unsigned base, unsigned size) { return size == 1 ? base : base + 1; }

static void imm(struct dform *f, unsigned size, u32 v)
{
    if (size == 1) diff_put(f, v & 0xff);
    else if (size == 2) { diff_put(f, v & 0xff); diff_put(f, (v >> 8) & 0xff); }
    else diff_put32(f, v);
}

/* CMPXCHG: make the accumulator match the destination half the time. */
static void prep_cmpxchg(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    if (s->r[RDX] & 1) {
        if (f->arg) memcpy(&s->r[RAX], s->mem + DIFF_MEM / 2 + MEM_DISP, 8);
        else s->r[RAX] = s->r[RCX];
    }
}

/* CMPXCHG8B/16B at [rbx]: match half the time. */
static void prep_cmpxchg8b(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    if (s->r[RSI] & 1) {
        u64 lo, hi;
        memcpy(&lo, s->mem + DIFF_MEM / 2, 8);
        memcpy(&hi, s->mem + DIFF_MEM / 2 + 8, 8);
        if (f->arg == 8) {
            s->r[RAX] = (s->r[RAX] & ~0xffffffffull) | (u32)lo;
            s->r[RDX] = (s->r[RDX] & ~0xffffffffull) | (lo >> 32);
        } else {
            s->r[RAX] = lo;
            s->r[RDX] = hi;
        }
    }
}

int main(void)
{
    struct diff *d = diff_new(0x5eed0001);
    struct dform f;
    static const unsigned sizes[4] = {1, 2, 4, 8};
    static const u32 imms[3] = {0x7f, 0x80, 0xffffff01};

    for (unsigned op = 0; op < 8; op++) {
        u64 fl = alu_flags(op);
        const char *nm = alu_name[op];
        for (unsigned si = 0; si < 4; si++) {
            unsigned sz = sizes[si];
            const char *sn = diff_sizename[sz];
            /* op r/m, reg: register and memory destinations. */
            diff_begin(&f, fl, 0, "%s%s r,r (00+)", nm, sn);
            diff_size(&f, sz, 0); diff_put(&f, opc(op * 8, sz)); diff_put(&f, modrm(3, RCX, RAX));
            diff_form(d, &f, N, false);
            diff_begin(&f, fl, PTR_RBX, "%s%s m,r", nm, sn);
            diff_size(&f, sz, 0); diff_put(&f, opc(op * 8, sz)); mem_operand(&f, RCX);
            diff_form(d, &f, N, false);
            if (op != 7) { /* LOCK: valid with a memory destination, same result */
                diff_begin(&f, fl, PTR_RBX, "lock %s%s m,r", nm, sn);
                diff_put(&f, 0xf0); diff_size(&f, sz, 0); diff_put(&f, opc(op * 8, sz)); mem_operand(&f, RCX);
                diff_form(d, &f, N / 4, false);
            }
            /* op reg, r/m, with REX-extended registers. */
            diff_begin(&f, fl, 0, "%s%s r9,r10 (02+)", nm, sn);
            diff_size(&f, sz, 0x45); diff_put(&f, opc(op * 8 + 2, sz)); diff_put(&f, modrm(3, R9, R10));
            diff_form(d, &f, N, false);
            diff_begin(&f, fl, PTR_RBX, "%s%s r,m", nm, sn);
            diff_size(&f, sz, 0); diff_put(&f, opc(op * 8 + 2, sz)); mem_operand(&f, RDX);
            diff_form(d, &f, N, false);
            if (sz == 1) { /* registers 4-7: SPL..DIL with a REX prefix, AH..BH without */
                diff_begin(&f, fl, 0, "%s8 sil,dil (40 02+)", nm);
                diff_put(&f, 0x40); diff_put(&f, op * 8 + 2); diff_put(&f, modrm(3, RSI, RDI));
                diff_form(d, &f, N / 2, false);
                diff_begin(&f, fl, 0, "%s8 dh,bh (02+)", nm);
                diff_put(&f, op * 8 + 2); diff_put(&f, modrm(3, RSI, RDI));
                diff_form(d, &f, N / 2, false);
                diff_begin(&f, fl, 0, "%s8 dil,sil (40 00+)", nm);
                diff_put(&f, 0x40); diff_put(&f, op * 8); diff_put(&f, modrm(3, RSI, RDI));
                diff_form(d, &f, N / 2, false);
            }
            /* Accumulator, immediate. */
            for (unsigned k = 0; k < 3; k++) {
                diff_begin(&f, fl, 0, "%s%s acc,imm%u", nm, sn, k);
                diff_size(&f, sz, 0); diff_put(&f, opc(op * 8 + 4, sz)); imm(&f, sz, imms[k]);
                diff_form(d, &f, N / 2, false);
                /* Group 1: 80/81 full immediate, 83 sign-extended imm8. */
                diff_begin(&f, fl, 0, "%s%s r,imm%u (80/81)", nm, sn, k);
                diff_size(&f, sz, 0); diff_put(&f, opc(0x80, sz)); diff_put(&f, modrm(3, op, RSI));
                imm(&f, sz, imms[k]);
                diff_form(d, &f, N / 2, false);
                diff_begin(&f, fl, PTR_RBX, "%s%s m,imm%u (80/81)", nm, sn, k);
                diff_size(&f, sz, 0); diff_put(&f, opc(0x80, sz)); mem_operand(&f, op);
                imm(&f, sz, imms[k]);
                diff_form(d, &f, N / 2, false);
                if (sz > 1) {
                    diff_begin(&f, fl, 0, "%s%s r,simm8 %u (83)", nm, sn, k);
                    diff_size(&f, sz, 0); diff_put(&f, 0x83); diff_put(&f, modrm(3, op, RDI));
                    diff_put(&f, imms[k] & 0xff);
                    diff_form(d, &f, N / 2, false);
                }
            }
        }
        /* High byte registers: op ah, ch. */
        diff_begin(&f, fl, 0, "%s8 ah,ch", nm);
        diff_put(&f, op * 8); diff_put(&f, modrm(3, 5, 4));
        diff_form(d, &f, N, false);
        /* REX byte registers: op sil, dil. */
        diff_begin(&f, fl, 0, "%s8 sil,dil", nm);
        diff_put(&f, 0x40); diff_put(&f, op * 8); diff_put(&f, modrm(3, RDI, RSI));
        diff_form(d, &f, N, false);
    }

    for (unsigned si = 0; si < 4; si++) {
        unsigned sz = sizes[si];
        const char *sn = diff_sizename[sz];
        /* TEST r/m, reg; TEST acc, imm; TEST r/m, imm (F6/F7 /0). AF undefined. */
        u64 tfl = FL_ARITH & ~FL_AF;
        diff_begin(&f, tfl, 0, "test%s r,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0x84, sz)); diff_put(&f, modrm(3, RDX, RCX));
        diff_form(d, &f, N, false);
        diff_begin(&f, tfl, PTR_RBX, "test%s m,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0x84, sz)); mem_operand(&f, RDX);
        diff_form(d, &f, N, false);
        diff_begin(&f, tfl, 0, "test%s acc,imm", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0xa8, sz)); imm(&f, sz, 0x80008001);
        diff_form(d, &f, N, false);
        diff_begin(&f, tfl, PTR_RBX, "test%s m,imm", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0xf6, sz)); mem_operand(&f, 0); imm(&f, sz, 0x0f0f0ff0);
        diff_form(d, &f, N, false);
        diff_begin(&f, tfl, 0, "test%s r,imm", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0xf6, sz)); diff_put(&f, modrm(3, 0, RBX)); imm(&f, sz, 0x8000f081);
        diff_form(d, &f, N, false);
        if (sz == 1) {
            diff_begin(&f, tfl, 0, "test8 dil,sil (40 84)");
            diff_put(&f, 0x40); diff_put(&f, 0x84); diff_put(&f, modrm(3, RSI, RDI));
            diff_form(d, &f, N, false);
        }
        /* NOT, NEG, INC, DEC on a register and on memory. */
        static const struct { const char *n; unsigned op, reg; u64 fl; } un[] = {
            {"not", 0xf6, 2, FL_ARITH}, {"neg", 0xf6, 3, FL_ARITH},
            {"inc", 0xfe, 0, FL_ARITH}, {"dec", 0xfe, 1, FL_ARITH},
        };
        for (unsigned k = 0; k < ARRAY_LEN(un); k++) {
            diff_begin(&f, un[k].fl, 0, "%s%s r", un[k].n, sn);
            diff_size(&f, sz, 1); diff_put(&f, opc(un[k].op, sz)); diff_put(&f, modrm(3, un[k].reg, R11));
            diff_form(d, &f, N, false);
            diff_begin(&f, un[k].fl, PTR_RBX, "%s%s m", un[k].n, sn);
            diff_size(&f, sz, 0); diff_put(&f, opc(un[k].op, sz)); mem_operand(&f, un[k].reg);
            diff_form(d, &f, N, false);
        }
        /* XADD r/m, reg (0F C0/C1), including both operands the same register. */
        diff_begin(&f, FL_ARITH, 0, "xadd%s r,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, opc(0xc0, sz)); diff_put(&f, modrm(3, RCX, RDX));
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, 0, "xadd%s r,same", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, opc(0xc0, sz)); diff_put(&f, modrm(3, RDX, RDX));
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "xadd%s m,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, opc(0xc0, sz)); mem_operand(&f, RCX);
        diff_form(d, &f, N, false);
        /* CMPXCHG r/m, reg (0F B0/B1). */
        diff_begin(&f, FL_ARITH, 0, "cmpxchg%s r,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, opc(0xb0, sz)); diff_put(&f, modrm(3, RSI, RCX));
        f.prep = prep_cmpxchg;
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "lock xadd%s m,r", sn);
        diff_put(&f, 0xf0); diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, opc(0xc0, sz)); mem_operand(&f, RCX);
        diff_form(d, &f, N / 4, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "cmpxchg%s m,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, opc(0xb0, sz)); mem_operand(&f, RSI);
        f.prep = prep_cmpxchg;
        f.arg = 1;
        diff_form(d, &f, N, false);
    }
    /* 32-bit operand in 64-bit mode writes zero-extend; 16/8-bit ones merge (the size
     * loop above covers it through full-register comparison). */

    /* CMPXCHG8B [rdi], CMPXCHG16B [rdi] (16-byte aligned; not RBX, which is a source). */
    diff_begin(&f, FL_ARITH, 1u << RDI, "cmpxchg8b m");
    diff_put(&f, 0x0f); diff_put(&f, 0xc7); diff_put(&f, modrm(0, 1, RDI));
    f.prep = prep_cmpxchg8b;
    f.arg = 8;
    diff_form(d, &f, N, false);
    diff_begin(&f, FL_ARITH, 1u << RDI, "cmpxchg16b m");
    diff_put(&f, 0x48); diff_put(&f, 0x0f); diff_put(&f, 0xc7); diff_put(&f, modrm(0, 1, RDI));
    f.prep = prep_cmpxchg8b;
    f.arg = 16;
    diff_form(d, &f, N, false);

    printf("# %d forms, %d cases\n", d->forms, d->cases);
    diff_free(d);
    return check_exit();
}
