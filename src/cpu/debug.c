/* Debug registers and debug exceptions (SDM Vol. 3 chapter 18). See debug.h for how
 * this stays off the hot path. */
#include "debug.h"
#include "../vmx/intercept.h"

/* DR7 R/Wn encodings (SDM Vol. 3 18.2.4). */
enum { RW_EXEC = 0, RW_WRITE = 1, RW_IO = 2, RW_RW = 3 };

static bool bp_on(const struct cpu *c, int n) { return (c->dr[7] >> (2 * n)) & 3; }
static unsigned bp_rw(const struct cpu *c, int n) { return (c->dr[7] >> (16 + 4 * n)) & 3; }

/* LENn: 00 one byte, 01 two, 11 four, 10 eight on Intel 64 processors (18.2.5). */
static unsigned bp_len(const struct cpu *c, int n)
{
    static const u8 len[4] = {1, 2, 8, 4};
    return len[(c->dr[7] >> (18 + 4 * n)) & 3];
}

/* Linear addresses are 32 bits wide outside IA-32e mode. */
static u64 lin_mask(const struct cpu *c)
{
    return (c->efer & EFER_LMA) ? ~0ull : 0xffffffffull;
}

/* First byte breakpoint n covers: the processor ignores the address bits below the
 * length, so ranges are always aligned (SDM Vol. 3 18.2.5). */
static u64 bp_base(const struct cpu *c, int n, unsigned len)
{
    return c->dr[n] & lin_mask(c) & ~(u64)(len - 1);
}

static bool is_data_bp(const struct cpu *c, int n)
{
    unsigned rw = bp_rw(c, n);
    return bp_on(c, n) && (rw == RW_WRITE || rw == RW_RW);
}

static bool overlaps(u64 a, unsigned alen, u64 b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

void debug_dr_written(struct cpu *c)
{
    /* Pages that held (or now hold) a data breakpoint must take the slow path. */
    tlb_flush_all(c);
}

bool debug_page_watched(const struct cpu *c, u64 lin)
{
    u64 page = (lin & lin_mask(c)) >> 12;
    for (int n = 0; n < 4; n++)
        if (is_data_bp(c, n) && bp_base(c, n, bp_len(c, n)) >> 12 == page) return true;
    return false;
}

void debug_data_access(struct cpu *c, u64 lin, unsigned size, int acc)
{
    int kind = acc & 3;
    if ((acc & ACC_SUPER) || kind == ACC_EXEC) return;
    lin &= lin_mask(c);
    for (int n = 0; n < 4; n++) {
        if (!is_data_bp(c, n)) continue;
        if (bp_rw(c, n) == RW_WRITE && kind != ACC_WRITE) continue;
        unsigned len = bp_len(c, n);
        if (overlaps(lin, size, bp_base(c, n, len), len)) c->db_hits |= 1u << n;
    }
}

NORETURN void debug_raise(struct cpu *c, u32 bits)
{
    c->db_raised = bits;
    cpu_raise(c, EXC_DB, NO_ERRCODE);
}

/* Deliver #DB: B0-B3 report this event's breakpoints (the SDM lets a #DB clear the
 * others); BD, BS and BT are only ever set by the processor (18.2.3). GD is cleared so
 * the handler may use the debug registers (18.2.4). */
void debug_db_delivered(struct cpu *c)
{
    c->dr[6] = (c->dr[6] & ~(u64)DR6_B_MASK) | c->db_raised;
    c->dr[7] &= ~(u64)DR7_GD;
    c->db_raised = 0;
}

/* A debug trap at the end of an instruction. In VMX non-root operation an MTF VM exit
 * pending on the same boundary comes first and the trap stays pending (SDM 26.5.2). */
static void raise_trap(struct cpu *c, u32 bits)
{
    if (c->vmx_nonroot && vmx_mtf_holds_db(c, bits)) return;
    debug_raise(c, bits);
}

void debug_insn_breakpoint(struct cpu *c)
{
    u64 lin = c->code_size == 8 ? c->rip : (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;
    u32 hits = 0;
    for (int n = 0; n < 4; n++)
        if (bp_on(c, n) && bp_rw(c, n) == RW_EXEC && (c->dr[n] & lin_mask(c)) == lin)
            hits |= 1u << n;
    if (hits) debug_raise(c, hits); /* a fault: RIP stays at the instruction (18.3.1.1) */
}

/* The port and size an I/O instruction used: IN/OUT with imm8 or DX, INS/OUTS. */
static unsigned io_access(const struct cpu *c, const struct insn *i, u16 *port)
{
    if (i->map != MAP_1B) return 0;
    switch (i->op) {
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:
        *port = (u8)i->imm;
        break;
    case 0xec: case 0xed: case 0xee: case 0xef:
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
        *port = (u16)c->r[RDX];
        break;
    default:
        return 0;
    }
    return i->opsz > 4 ? 4 : i->opsz;
}

/* I/O breakpoints exist only with CR4.DE; R/W = 10 is undefined otherwise (18.2.4). */
static u32 io_hits(const struct cpu *c, const struct insn *i)
{
    u16 port;
    unsigned size = io_access(c, i, &port);
    if (!size || !(c->cr4 & CR4_DE)) return 0;
    u32 hits = 0;
    for (int n = 0; n < 4; n++) {
        if (!bp_on(c, n) || bp_rw(c, n) != RW_IO) continue;
        unsigned len = bp_len(c, n);
        if (overlaps(port, size, c->dr[n] & 0xffff & ~(u64)(len - 1), len)) hits |= 1u << n;
    }
    return hits;
}

/* INT n, INT3, INTO and INT1: delivery clears TF and the trap is not reported. */
static bool is_softint(const struct insn *i)
{
    return i->map == MAP_1B && (i->op == 0xcc || i->op == 0xcd || i->op == 0xce || i->op == 0xf1);
}

/* MOV SS and POP SS hold debug traps until the next instruction completes (6.8.3). */
static bool is_ss_load(const struct insn *i)
{
    return i->map == MAP_1B && ((i->op == 0x8e && (i->reg & 7) == SEG_SS) || i->op == 0x17);
}

void debug_after_insn(struct cpu *c, const struct insn *i, bool tf)
{
    u32 bits = c->db_hits;
    c->db_hits = 0;
    if (debug_bp_enabled(c)) bits |= io_hits(c, i);
    if (tf) bits |= DR6_BS;
    if (is_softint(i) && !(c->rflags & FL_TF)) {
        /* The event was delivered and its own single-step trap is not reported. Traps a
         * MOV SS / POP SS held back, and data breakpoints the delivery hit, are taken at
         * the handler's first instruction (SDM Vol. 3 6.8.3: the behaviour behind
         * CVE-2018-8897). */
        bits = (bits & ~(u32)DR6_BS) | c->db_pending;
        /* INT1 (ICEBP) delivers #DB itself and the held trap is not taken after it (as
         * observed on Intel parts, Linux selftests mov_ss_trap.c). */
        if (i->op == 0xf1) bits &= ~c->db_pending;
        c->db_pending = 0;
        if (bits) raise_trap(c, bits);
        return;
    }
    bits |= c->db_pending;
    c->db_pending = 0;
    if (!bits) return;
    if (is_ss_load(i)) {
        c->db_pending = bits;
        return;
    }
    raise_trap(c, bits); /* a trap: RIP is already the next instruction (18.3.1.2) */
}
