/* String instructions: MOVS CMPS STOS LODS SCAS INS OUTS, with REP / REPE / REPNE.
 *
 * The source is seg:rSI (DS unless overridden), the destination always ES:rDI. The
 * address size picks CX/ECX/RCX and SI/ESI/RSI, DI/EDI/RDI, and the index registers wrap
 * at that size; DF chooses the direction (SDM Vol. 2 MOVS etc., Vol. 1 7.3.9).
 *
 * A repeated instruction is interruptible: registers are updated after every iteration,
 * so a fault in iteration k leaves RCX/RSI/RDI describing the k - 1 completed ones with
 * RIP still at the instruction. At most STRING_BUDGET iterations run per execution; if
 * work remains, next_rip = rip so the executor checks for events and runs it again. This
 * is the architectural restart behaviour (SDM Vol. 2 REP/REPE/REPZ/REPNE/REPNZ). */
#include "../machine/machine.h"
#include "flags.h"
#include "insn.h"
#include "../vmx/intercept.h"

#define STRING_BUDGET 4096

struct strop {
    unsigned size;  /* element size */
    unsigned as;    /* address size */
    u64 amask;
    u64 delta;      /* +size or -size (two's complement), per DF */
};

/* Port I/O moves at most a doubleword: REX.W does not widen INS/OUTS (SDM Vol. 2 INS). */
static inline struct strop strop_init(const struct cpu *c, const struct insn *i, bool io)
{
    unsigned size = io && i->opsz > 4 ? 4 : i->opsz;
    struct strop s = {size, i->adsz, size_mask(i->adsz), size};
    if (c->rflags & FL_DF) s.delta = (u64)-(s64)size;
    return s;
}

static inline u64 si(const struct cpu *c, const struct strop *s) { return c->r[RSI] & s->amask; }
static inline u64 di(const struct cpu *c, const struct strop *s) { return c->r[RDI] & s->amask; }
static inline void step(struct cpu *c, const struct strop *s, unsigned reg)
{
    reg_set(c, reg, s->as, c->r[reg] + s->delta);
}

/* One iteration of each operation; returns nothing, updates the index registers last. */
static inline void movs1(struct cpu *c, const struct insn *i, const struct strop *s)
{
    u64 v = seg_read(c, i->seg, si(c, s), s->size);
    seg_write(c, SEG_ES, di(c, s), s->size, v);
    step(c, s, RSI);
    step(c, s, RDI);
}

static inline void stos1(struct cpu *c, const struct insn *i, const struct strop *s)
{
    seg_write(c, SEG_ES, di(c, s), s->size, c->r[RAX]);
    step(c, s, RDI);
}

static inline void lods1(struct cpu *c, const struct insn *i, const struct strop *s)
{
    u64 v = seg_read(c, i->seg, si(c, s), s->size);
    if (s->size == 1) reg8_set(c, RAX, false, (u8)v);
    else reg_set(c, RAX, s->size, v);
    step(c, s, RSI);
}

/* CMPS compares [rSI] - [rDI] (SDM Vol. 2 CMPS: "SRC1 - SRC2" with SRC1 = DS:rSI). */
static inline void cmps1(struct cpu *c, const struct insn *i, const struct strop *s)
{
    u64 a = seg_read(c, i->seg, si(c, s), s->size);
    u64 b = seg_read(c, SEG_ES, di(c, s), s->size);
    step(c, s, RSI);
    step(c, s, RDI);
    flags_set(c, LF_SUB, s->size, a - b, a, b);
}

static inline void scas1(struct cpu *c, const struct insn *i, const struct strop *s)
{
    u64 a = c->r[RAX] & size_mask(s->size);
    u64 b = seg_read(c, SEG_ES, di(c, s), s->size);
    step(c, s, RDI);
    flags_set(c, LF_SUB, s->size, a - b, a, b);
}

/* INS: the port is read (with its permission check) only once the destination passed
 * its segment checks, so a bad ES:rDI does not consume input. */
static inline void ins1(struct cpu *c, const struct insn *i, const struct strop *s)
{
    seg_check(c, SEG_ES, di(c, s), s->size, ACC_WRITE);
    u32 v = cpu_port_in(c, (u16)c->r[RDX], s->size);
    seg_write(c, SEG_ES, di(c, s), s->size, v);
    step(c, s, RDI);
}

static inline void outs1(struct cpu *c, const struct insn *i, const struct strop *s)
{
    u64 v = seg_read(c, i->seg, si(c, s), s->size);
    cpu_port_out(c, (u16)c->r[RDX], s->size, (u32)v);
    step(c, s, RSI);
}

/* --- REP MOVS / REP STOS in whole in-page chunks ------------------------------------
 *
 * For 32- and 64-bit address sizes, a run of elements that lies within one page on each
 * side is done with one memmove/fill when the TLB already holds host pointers for those
 * pages (the write entry exists only for writable RAM without decoded code and without a
 * data breakpoint, exactly the accesses the per-element fast path would serve) and every
 * element passes the segment checks (checked on the first and last element of the run:
 * limits, canonical form and #AC alignment are the same for all elements in between).
 * Anything else, including a TLB miss, runs one element the ordinary way, which fills the
 * TLB or raises the fault with the registers describing the completed iterations. */

/* How many elements, at most `max`, starting at offset `off` going in the direction of
 * `s` lie in one page and pass the segment checks. Sets *lo_lin to the lowest linear
 * address of the run. Returns 0 when no run of at least one element qualifies. */
static u64 chunk_span(const struct cpu *c, const struct strop *s, int seg, u64 off, u64 max,
                      int acc, u64 *lo_lin)
{
    u64 lin;
    if (!seg_check_nofault(c, seg, off, s->size, acc, &lin)) return 0;
    unsigned pg = lin & 0xfff;
    if (pg + s->size > PAGE_SIZE) return 0;
    bool down = s->delta != s->size;
    u64 k = down ? pg / s->size + 1 : (PAGE_SIZE - pg) / s->size;
    if (k > max) k = max;
    /* The index register must not wrap at the address size inside the run. */
    u64 span = (k - 1) * s->size;
    if (down ? off < span : off + span + s->size - 1 > s->amask) return 0;
    u64 last = down ? off - span : off + span;
    u64 last_lin;
    if (!seg_check_nofault(c, seg, last, s->size, acc, &last_lin)) return 0;
    if (last_lin != (down ? lin - span : lin + span)) return 0; /* linear wrap */
    *lo_lin = down ? last_lin : lin;
    return k;
}

static inline u8 *tlb_host(struct cpu *c, const struct tlb_entry *arr, u64 lo, u64 bytes)
{
    const struct tlb_entry *e = arr + ((lo >> 12) & (TLB_SIZE - 1));
    if (e->tag != tlb_tag_of(lo) || e->tag != tlb_tag_of(lo + bytes - 1)) return NULL;
    u8 *host = (u8 *)(uintptr_t)(lo + e->addend);
    /* Open-bus pages are served by the TLB too; leave them to the element loop. */
    const u8 *ob = c->m->open_bus;
    if (host >= ob && host < ob + 2 * PAGE_SIZE) return NULL;
    return host;
}

/* The iteration count of a REP prefix: CX, ECX or RCX by address size. With a 32-bit
 * address size Intel processors write ECX back zero-extended before the first iteration,
 * so RCX[63:32] is 0 afterwards even when ECX was 0 and nothing repeated (observed on
 * Intel hardware; AMD keeps the upper half in that case; Intel is the reference). */
static inline u64 rep_count(struct cpu *c, const struct strop *s)
{
    u64 n = c->r[RCX] & s->amask;
    if (s->as == 4) c->r[RCX] = n;
    return n;
}

static inline void advance(struct cpu *c, const struct strop *s, unsigned reg, u64 k)
{
    reg_set(c, reg, s->as, c->r[reg] + k * s->delta);
}

/* One chunk of REP STOS: returns the number of elements done (0: run one the slow way). */
static u64 stos_chunk(struct cpu *c, const struct insn *i, const struct strop *s, u64 max)
{
    u64 lo;
    u64 k = chunk_span(c, s, SEG_ES, di(c, s), max, ACC_WRITE, &lo);
    if (k < 2) return 0;
    u64 bytes = k * s->size;
    u8 *d = tlb_host(c, c->tlb->write, lo, bytes);
    if (!d) return 0;
    u64 v = c->r[RAX];
    switch (s->size) {
    case 1: memset(d, (u8)v, bytes); break;
    case 2: for (u64 j = 0; j < k; j++) store_le(d + 2 * j, 2, v); break;
    case 4: for (u64 j = 0; j < k; j++) store_le(d + 4 * j, 4, v); break;
    default: for (u64 j = 0; j < k; j++) store_le(d + 8 * j, 8, v); break;
    }
    advance(c, s, RDI, k);
    return k;
}

static u64 movs_chunk(struct cpu *c, const struct insn *i, const struct strop *s, u64 max)
{
    u64 slo, dlo;
    u64 k = chunk_span(c, s, i->seg, si(c, s), max, ACC_READ, &slo);
    if (k < 2) return 0;
    u64 ks = k;
    k = chunk_span(c, s, SEG_ES, di(c, s), k, ACC_WRITE, &dlo);
    if (k < 2) return 0;
    u64 bytes = k * s->size;
    bool down = s->delta != s->size;
    if (down) slo += (ks - k) * s->size; /* the source run trimmed to k elements */
    const u8 *src = tlb_host(c, c->tlb->read, slo, bytes);
    u8 *dst = src ? tlb_host(c, c->tlb->write, dlo, bytes) : NULL;
    if (!dst) return 0;
    /* The element loop equals memmove unless a later element reads a byte an earlier one
     * wrote: going up that needs src < dst, going down src > dst, with the runs overlapping. */
    if (src < dst + bytes && dst < src + bytes && (down ? src > dst : src < dst)) return 0;
    memmove(dst, src, bytes);
    advance(c, s, RSI, k);
    advance(c, s, RDI, k);
    return k;
}

/* REP MOVS / REP STOS: the STRING_OP loop with chunks where they apply. */
#define STRING_OP_FAST(name, one, chunk)                                                \
    static void op_##name(struct cpu *c, const struct insn *i)                         \
    {                                                                                  \
        struct strop s = strop_init(c, i, false);                                        \
        if (!i->rep) {                                                                 \
            one(c, i, &s);                                                             \
            return;                                                                    \
        }                                                                              \
        u64 n = rep_count(c, &s);                                                      \
        u64 budget = STRING_BUDGET;                                                    \
        while (n) {                                                                    \
            if (budget == 0) {                                                         \
                c->next_rip = c->rip; /* resume after the executor's event check */   \
                return;                                                                \
            }                                                                          \
            u64 k = s.as != 2 ? chunk(c, i, &s, n < budget ? n : budget) : 0;          \
            if (!k) {                                                                  \
                one(c, i, &s);                                                         \
                k = 1;                                                                 \
            }                                                                          \
            n -= k;                                                                    \
            budget -= k;                                                               \
            reg_set(c, RCX, s.as, n);                                                  \
        }                                                                              \
    }

/* The REP loop around one of the above. `cond` is set for CMPS/SCAS, which REPE/REPNE
 * also end when ZF differs from the prefix's expectation. Port I/O may raise device
 * interrupts, so the I/O forms also stop as soon as an event is pending (after at least
 * one iteration, so a stale request cannot stall them). */
#define STRING_OP(name, one, cond, io)                                                  \
    static void op_##name(struct cpu *c, const struct insn *i)                         \
    {                                                                                  \
        struct strop s = strop_init(c, i, io);                                           \
        if ((io) && c->vmx_nonroot) vmx_intercept_string_io(c, i, s.size, i->op < 0x6e); \
        if (!i->rep) {                                                                 \
            one(c, i, &s);                                                             \
            return;                                                                    \
        }                                                                              \
        u64 n = rep_count(c, &s);                                                      \
        for (unsigned budget = STRING_BUDGET; n; budget--) {                           \
            if (budget == 0 || ((io) && budget < STRING_BUDGET && c->check_events)) {    \
                c->next_rip = c->rip; /* resume after the executor's event check */   \
                return;                                                                \
            }                                                                          \
            one(c, i, &s);                                                             \
            reg_set(c, RCX, s.as, --n);                                                \
            if ((cond) && flags_zf(c) != (i->rep == 0xf3)) return;                     \
        }                                                                              \
    }

STRING_OP_FAST(movs, movs1, movs_chunk)
STRING_OP_FAST(stos, stos1, stos_chunk)
STRING_OP(lods, lods1, false, false)
STRING_OP(cmps, cmps1, true, false)
STRING_OP(scas, scas1, true, false)
STRING_OP(ins, ins1, false, true)
STRING_OP(outs, outs1, false, true)

/* Every form may re-execute itself (REP), so each ends its block. */
#define E OPF_ENDBLOCK
const struct opdef string_ops[] = {
    {MAP_1B, 0xa4, -1, E | OPF_BYTE, op_movs}, {MAP_1B, 0xa5, -1, E, op_movs},
    {MAP_1B, 0xa6, -1, E | OPF_BYTE, op_cmps}, {MAP_1B, 0xa7, -1, E, op_cmps},
    {MAP_1B, 0xaa, -1, E | OPF_BYTE, op_stos}, {MAP_1B, 0xab, -1, E, op_stos},
    {MAP_1B, 0xac, -1, E | OPF_BYTE, op_lods}, {MAP_1B, 0xad, -1, E, op_lods},
    {MAP_1B, 0xae, -1, E | OPF_BYTE, op_scas}, {MAP_1B, 0xaf, -1, E, op_scas},
    {MAP_1B, 0x6c, -1, E | OPF_BYTE, op_ins}, {MAP_1B, 0x6d, -1, E, op_ins},
    {MAP_1B, 0x6e, -1, E | OPF_BYTE, op_outs}, {MAP_1B, 0x6f, -1, E, op_outs},
    {.fn = NULL},
};
#undef E
