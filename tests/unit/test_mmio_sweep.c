/* Memory-operand sweep: every memory form must behave on MMIO exactly as on RAM.
 *
 * Each instruction form from the table below runs from the same random inputs (registers,
 * flags, XMM/MM registers, memory bytes; fixed seed) with its memory operands in RAM and
 * in pc-testdev's 64 KiB RAM-like window at 0xff000000 (src/dev/pc_testdev.c), which the
 * processor reaches through the MMIO path (no TLB host pointer, no string fast path).
 * The operands have the same linear addresses in both runs: paging maps the 64 KiB at
 * LIN to RAM or to the window, so registers and memory compare as they are (also when
 * an instruction stores an address). The results must be identical: every general
 * register, RIP, RFLAGS, segment registers, GDTR/IDTR, CR0, the FXSAVE image, the
 * exception raised (and its error code), the memory around every pointer and the stack.
 *
 * Pointers: RBX and RSI point into region A (LIN), RDI (and RSP/RBP for stack forms) into
 * region B (LIN + 28 KiB); each region's pages map to RAM or to the window, so MOVS and
 * friends also run RAM -> MMIO, MMIO -> RAM and MMIO -> MMIO. Offsets are biased towards
 * the end of a page, so accesses cross pages, between window pages too. The code itself
 * runs from RAM and from the window's last two pages, crossing from one to the other.
 * 64-bit forms run with 4-level paging, 32-bit forms with PAE paging.
 *
 * After the sweep, accesses straddling the window's edges into unbacked memory (reads all
 * ones, writes vanish: README "Running a guest") and wide accesses (16-byte SSE, 512-byte
 * FXSAVE) at those edges are checked for their defined result. */
#include "check.h"
#include "cpu/fpu.h"
#include "cpu/sysreg.h"
#include "dev/dev.h"
#include "harness.h"

#define WIN 0xff000000ull
#define WIN_LEN 0x10000u
#define RAM_AREA 0x400000ull          /* RAM twin of the window */
#define LIN 0x40000000ull             /* linear address of both, through paging */
#define PT_PDPT (HARNESS_PT + 0x1000) /* the harness's PDPT (4-level paging) */
#define PT_PD (HARNESS_PT + 0x4000)   /* PD for the second GiB */
#define PT_PT (HARNESS_PT + 0x5000)   /* PT mapping LIN: 16 pages, RAM or window */
#define PT_PAE (HARNESS_PT + 0x6000)  /* PDPT for 32-bit code (PAE paging) */
#define REGION 0x7000u                /* region A = [0, 28K), B = [28K, 56K) of the area */
#define CODE_AT (2 * REGION)          /* two code pages = [56K, 64K) */
#define CODE_LIN (LIN + CODE_AT + PAGE_SIZE - 8) /* code starts 8 bytes before a page end */
#define NEAR 1024u                               /* bytes compared on each side of a pointer */
#define TRIALS 32
#define STACK_CMP 512u /* bytes below HARNESS_STACK compared */

/* Input shaping (struct form.flags). */
enum {
    F_COUNT = 1 << 0,    /* RCX: a small repeat count */
    F_BITOFF = 1 << 1,   /* RAX: a bit offset reaching +-6 KiB around [RBX] */
    F_ALIGN = 1 << 2,    /* half the inputs 16-byte aligned */
    F_CMPX = 1 << 3,     /* half the inputs: RAX (RDX:RAX) equal to the memory operand */
    F_EQDATA = 1 << 4,   /* half the inputs: [RDI] area equals [RSI] area but for one byte */
    F_SCAS = 1 << 5,     /* half the inputs: [RDI] area is AL/AX/EAX/RAX repeated but once */
    F_PORT = 1 << 6,     /* RDX: pc-testdev's data port 0xe0 */
    F_MXCSR = 1 << 7,    /* a valid MXCSR at [ptr + arg] */
    F_SEL = 1 << 8,      /* half the inputs: selector 0x10 at [ptr + arg] */
    F_TARGET = 1 << 9,   /* [RBX] holds the address of the final HLT */
    F_MOFFS = 1 << 10,   /* the code ends in a 64-bit absolute address: [RBX]'s */
    F_INDEX = 1 << 11,   /* R8: a small signed index */
    F_GDT = 1 << 12,     /* the GDT is at [RDI] (data segment not yet accessed) */
    F_IDT = 1 << 13,     /* the IDT is at [RDI], gates 6 and 0x20 lead to the final HLT;
                            exceptions are delivered instead of stopping the run */
    F_DTR = 1 << 14,     /* half the inputs: a canonical base in the LGDT/LIDT operand */
    F_FAR = 1 << 15,     /* [RBX] is a far pointer (m16:32) to the final HLT */
    F_OVERLAP = 1 << 16, /* RDI in region A, within 16 bytes of RSI */
};

#define P_A ((1u << RBX) | (1u << RSI))

struct form {
    char name[56];
    u8 code[24];
    u8 len;
    u8 mode;  /* 64 or 32 */
    u16 ptrs; /* registers that hold pointers */
    u32 flags;
    u8 arg; /* operand size for F_CMPX/F_SCAS; byte offset for F_MXCSR/F_SEL */
};

static struct form forms[1200];
static int nforms;

/* --- The table ------------------------------------------------------------------------ */

static struct form *add(const char *name, u16 ptrs, u32 flags)
{
    struct form *f = &forms[nforms++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->mode = 64;
    f->ptrs = ptrs;
    f->flags = flags;
    return f;
}
static void put(struct form *f, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int k = 0; k < n; k++)
        f->code[f->len++] = (u8)va_arg(ap, int);
    va_end(ap);
}
/* Operand-size prefix: 66 for 16-bit, REX.W for 64-bit. */
static void opsize(struct form *f, unsigned size)
{
    if (size == 2) put(f, 1, 0x66);
    if (size == 8) put(f, 1, 0x48);
}
static void imm(struct form *f, unsigned size, u32 v)
{
    for (unsigned k = 0; k < (size > 4 ? 4 : size); k++)
        put(f, 1, (v >> (8 * k)) & 0xff);
}
static const char *const szn[9] = {"", "b", "w", "", "d", "", "", "", "q"};
static const unsigned sizes[4] = {1, 2, 4, 8};

/* "name [m], rdx" style rows with ModRM [rbx] and reg = r. */
#define MODRM(reg, rm) ((u8)(((reg)&7) << 3 | (rm)))
enum { M_RBX = 3, M_RSI = 6, M_RDI = 7 };

static void alu_forms(void)
{
    static const char *const ops[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    char n[56];
    for (unsigned op = 0; op < 8; op++)
        for (unsigned s = 0; s < 4; s++) {
            unsigned sz = sizes[s], b = sz == 1 ? 0 : 1;
            for (unsigned lock = 0; lock < (op == 7 ? 1u : 2u); lock++) {
                const char *lk = lock ? "lock " : "";
                snprintf(n, sizeof n, "%s%s [m],r %s", lk, ops[op], szn[sz]);
                struct form *f = add(n, 1u << RBX, 0);
                if (lock) put(f, 1, 0xf0);
                opsize(f, sz);
                put(f, 2, op * 8 + b, MODRM(RDX, M_RBX));
                snprintf(n, sizeof n, "%s%s [m],imm %s", lk, ops[op], szn[sz]);
                f = add(n, 1u << RBX, 0);
                if (lock) put(f, 1, 0xf0);
                opsize(f, sz);
                put(f, 2, 0x80 + b, MODRM(op, M_RBX));
                imm(f, sz, 0x8badf00d);
                if (sz > 1) {
                    snprintf(n, sizeof n, "%s%s [m],imm8 %s", lk, ops[op], szn[sz]);
                    f = add(n, 1u << RBX, 0);
                    if (lock) put(f, 1, 0xf0);
                    opsize(f, sz);
                    put(f, 3, 0x83, MODRM(op, M_RBX), 0xf3);
                }
            }
            snprintf(n, sizeof n, "%s r,[m] %s", ops[op], szn[sz]);
            struct form *f = add(n, 1u << RBX, 0);
            opsize(f, sz);
            put(f, 2, op * 8 + 2 + b, MODRM(RDX, M_RBX));
        }
}

/* Group 3/4/5 unary forms, TEST, MUL/DIV, shifts, SHLD/SHRD. */
static void unary_forms(void)
{
    char n[56];
    for (unsigned s = 0; s < 4; s++) {
        unsigned sz = sizes[s], b = sz == 1 ? 0 : 1;
        static const char *const g3[8] = {"test", NULL, "not", "neg", "mul", "imul", "div", "idiv"};
        for (unsigned r = 0; r < 8; r++) {
            if (!g3[r]) continue;
            for (unsigned lock = 0; lock < ((r == 2 || r == 3) ? 2u : 1u); lock++) {
                snprintf(n, sizeof n, "%s%s [m] %s", lock ? "lock " : "", g3[r], szn[sz]);
                struct form *f = add(n, 1u << RBX, 0);
                if (lock) put(f, 1, 0xf0);
                opsize(f, sz);
                put(f, 2, 0xf6 + b, MODRM(r, M_RBX));
                if (r == 0) imm(f, sz, 0x5a5a5a5a);
            }
        }
        snprintf(n, sizeof n, "test [m],r %s", szn[sz]);
        struct form *f = add(n, 1u << RBX, 0);
        opsize(f, sz);
        put(f, 2, 0x84 + b, MODRM(RDX, M_RBX));
        for (unsigned r = 0; r < 2; r++)
            for (unsigned lock = 0; lock < 2; lock++) {
                snprintf(n, sizeof n, "%s%s [m] %s", lock ? "lock " : "", r ? "dec" : "inc",
                         szn[sz]);
                f = add(n, 1u << RBX, 0);
                if (lock) put(f, 1, 0xf0);
                opsize(f, sz);
                put(f, 2, 0xfe + b, MODRM(r, M_RBX));
            }
        static const char *const sh[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
        for (unsigned r = 0; r < 8; r++) {
            if (r == 6) continue;
            snprintf(n, sizeof n, "%s [m],1 %s", sh[r], szn[sz]);
            f = add(n, 1u << RBX, 0);
            opsize(f, sz);
            put(f, 2, 0xd0 + b, MODRM(r, M_RBX));
            snprintf(n, sizeof n, "%s [m],cl %s", sh[r], szn[sz]);
            f = add(n, 1u << RBX, 0);
            opsize(f, sz);
            put(f, 2, 0xd2 + b, MODRM(r, M_RBX));
            snprintf(n, sizeof n, "%s [m],imm %s", sh[r], szn[sz]);
            f = add(n, 1u << RBX, 0);
            opsize(f, sz);
            put(f, 3, 0xc0 + b, MODRM(r, M_RBX), 5 + r);
        }
        if (sz == 1) continue;
        static const char *const dsh[4] = {"shld [m],r,imm", "shld [m],r,cl", "shrd [m],r,imm",
                                           "shrd [m],r,cl"};
        static const u8 dop[4] = {0xa4, 0xa5, 0xac, 0xad};
        for (unsigned k = 0; k < 4; k++) {
            snprintf(n, sizeof n, "%s %s", dsh[k], szn[sz]);
            f = add(n, 1u << RBX, 0);
            opsize(f, sz);
            put(f, 3, 0x0f, dop[k], MODRM(RDX, M_RBX));
            if (!(k & 1)) put(f, 1, 7);
        }
        snprintf(n, sizeof n, "imul r,[m] %s", szn[sz]);
        f = add(n, 1u << RBX, 0);
        opsize(f, sz);
        put(f, 3, 0x0f, 0xaf, MODRM(RDX, M_RBX));
        snprintf(n, sizeof n, "imul r,[m],imm8 %s", szn[sz]);
        f = add(n, 1u << RBX, 0);
        opsize(f, sz);
        put(f, 3, 0x6b, MODRM(RDX, M_RBX), 0x93);
        snprintf(n, sizeof n, "imul r,[m],imm %s", szn[sz]);
        f = add(n, 1u << RBX, 0);
        opsize(f, sz);
        put(f, 2, 0x69, MODRM(RDX, M_RBX));
        imm(f, sz, 0x12345678);
    }
}

/* A form with an operand-size prefix (66 or REX.W) and optional LOCK. */
static struct form *sized(const char *what, unsigned sz, bool lock, u32 flags)
{
    char n[56];
    snprintf(n, sizeof n, "%s%s %s", lock ? "lock " : "", what, szn[sz]);
    struct form *f = add(n, 1u << RBX, flags);
    if (lock) put(f, 1, 0xf0);
    opsize(f, sz);
    return f;
}

/* MOV forms, XCHG, CMPXCHG, XADD, BT*, bit scans, CMOV, SETcc, XLAT, MOVBE. */
static void move_forms(void)
{
    struct form *f;
    for (unsigned s = 0; s < 4; s++) {
        unsigned sz = sizes[s], b = sz == 1 ? 0 : 1;
        f = sized("mov [m],r", sz, false, 0), put(f, 2, 0x88 + b, MODRM(RDX, M_RBX));
        f = sized("mov r,[m]", sz, false, 0), put(f, 2, 0x8a + b, MODRM(RDX, M_RBX));
        f = sized("mov [m],imm", sz, false, 0), put(f, 2, 0xc6 + b, MODRM(0, M_RBX)),
        imm(f, sz, 0xc0ffee11);
        f = sized("mov r,[m+disp8]", sz, false, 0),
        put(f, 3, 0x8a + b, 0x40 | MODRM(RDX, M_RBX), 0x7d);
        f = sized("mov [m+disp32],r", sz, false, 0), put(f, 2, 0x88 + b, 0x80 | MODRM(RDX, M_RBX));
        imm(f, 4, 0xfffffc03);
        /* [rbx + r8*8]: SIB with REX.X. */
        f = sized("mov r,[m+r8*8]", sz == 8 ? 4 : sz, false, F_INDEX);
        snprintf(f->name, sizeof f->name, "mov r,[m+r8*8] %s", szn[sz]);
        put(f, 4, sz == 8 ? 0x4a : 0x42, 0x8a + b, MODRM(RDX, 4), 0xc3);
        f = sized("mov a,[moffs]", sz, false, F_MOFFS), put(f, 1, 0xa0 + b), imm(f, 4, 0),
        imm(f, 4, 0);
        f = sized("mov [moffs],a", sz, false, F_MOFFS), put(f, 1, 0xa2 + b), imm(f, 4, 0),
        imm(f, 4, 0);
        for (unsigned lock = 0; lock < 2; lock++) {
            f = sized("xchg [m],r", sz, lock, 0), put(f, 2, 0x86 + b, MODRM(RDX, M_RBX));
            f = sized("cmpxchg [m],r", sz, lock, F_CMPX),
            put(f, 3, 0x0f, 0xb0 + b, MODRM(RDX, M_RBX));
            f->arg = (u8)sz;
            f = sized("xadd [m],r", sz, lock, 0), put(f, 3, 0x0f, 0xc0 + b, MODRM(RDX, M_RBX));
        }
        if (sz == 1) continue;
        static const char *const bt[4] = {"bt [m],r", "bts [m],r", "btr [m],r", "btc [m],r"};
        static const char *const bti[4] = {"bt [m],imm", "bts [m],imm", "btr [m],imm",
                                           "btc [m],imm"};
        for (unsigned k = 0; k < 4; k++)
            for (unsigned lock = 0; lock < (k ? 2u : 1u); lock++) {
                f = sized(bt[k], sz, lock, F_BITOFF),
                put(f, 3, 0x0f, 0xa3 + 8 * k, MODRM(RAX, M_RBX));
                f = sized(bti[k], sz, lock, 0), put(f, 4, 0x0f, 0xba, MODRM(4 + k, M_RBX), 0x47);
            }
        f = sized("bsf r,[m]", sz, false, 0), put(f, 3, 0x0f, 0xbc, MODRM(RDX, M_RBX));
        f = sized("bsr r,[m]", sz, false, 0), put(f, 3, 0x0f, 0xbd, MODRM(RDX, M_RBX));
        f = sized("cmovne r,[m]", sz, false, 0), put(f, 3, 0x0f, 0x45, MODRM(RDX, M_RBX));
        f = sized("cmovb r,[m]", sz, false, 0), put(f, 3, 0x0f, 0x42, MODRM(RDX, M_RBX));
        f = sized("movbe r,[m]", sz, false, 0), put(f, 4, 0x0f, 0x38, 0xf0, MODRM(RDX, M_RBX));
        f = sized("movbe [m],r", sz, false, 0), put(f, 4, 0x0f, 0x38, 0xf1, MODRM(RDX, M_RBX));
        f = add("popcnt r,[m]", 1u << RBX, 0), put(f, 1, 0xf3), opsize(f, sz);
        snprintf(f->name, sizeof f->name, "popcnt r,[m] %s", szn[sz]);
        put(f, 3, 0x0f, 0xb8, MODRM(RDX, M_RBX));
    }
    static const struct {
        const char *name;
        u8 n, b[5];
    } t[] = {
        {"setne [m]", 3, {0x0f, 0x95, MODRM(0, M_RBX)}},
        {"setb [m]", 3, {0x0f, 0x92, MODRM(0, M_RBX)}},
        {"xlat", 1, {0xd7}},
        {"movzx r32,[m] b", 3, {0x0f, 0xb6, MODRM(RDX, M_RBX)}},
        {"movzx r32,[m] w", 3, {0x0f, 0xb7, MODRM(RDX, M_RBX)}},
        {"movzx r16,[m] b", 4, {0x66, 0x0f, 0xb6, MODRM(RDX, M_RBX)}},
        {"movsx r64,[m] b", 4, {0x48, 0x0f, 0xbe, MODRM(RDX, M_RBX)}},
        {"movsx r64,[m] w", 4, {0x48, 0x0f, 0xbf, MODRM(RDX, M_RBX)}},
        {"movsxd r64,[m]", 3, {0x48, 0x63, MODRM(RDX, M_RBX)}},
    };
    for (unsigned k = 0; k < ARRAY_LEN(t); k++) {
        f = add(t[k].name, 1u << RBX, 0);
        for (unsigned j = 0; j < t[k].n; j++)
            put(f, 1, t[k].b[j]);
    }
    /* CMPXCHG8B/16B take RCX:RBX as the new value: address through RSI. */
    for (unsigned lock = 0; lock < 2; lock++) {
        f = add(lock ? "lock cmpxchg8b [m]" : "cmpxchg8b [m]", 1u << RSI, F_CMPX);
        f->arg = 8;
        if (lock) put(f, 1, 0xf0);
        put(f, 3, 0x0f, 0xc7, MODRM(1, M_RSI));
        f = add(lock ? "lock cmpxchg16b [m]" : "cmpxchg16b [m]", 1u << RSI, F_CMPX | F_ALIGN);
        f->arg = 16;
        if (lock) put(f, 1, 0xf0);
        put(f, 4, 0x48, 0x0f, 0xc7, MODRM(1, M_RSI));
    }
}

/* Stack: PUSH/POP memory operands, and stack operations with the stack in the region. */
static void stack_forms(void)
{
    struct form *f;
    f = add("push [m]", 1u << RBX, 0), put(f, 2, 0xff, MODRM(6, M_RBX));
    f = add("push [m] w", 1u << RBX, 0), put(f, 3, 0x66, 0xff, MODRM(6, M_RBX));
    f = add("pop [m]", 1u << RBX, 0), put(f, 2, 0x8f, MODRM(0, M_RBX));
    f = add("pop [m] w", 1u << RBX, 0), put(f, 3, 0x66, 0x8f, MODRM(0, M_RBX));
    f = add("call [m]", 1u << RBX, F_TARGET), put(f, 2, 0xff, MODRM(2, M_RBX));
    f = add("jmp [m]", 1u << RBX, F_TARGET), put(f, 2, 0xff, MODRM(4, M_RBX));
    u16 st = (1u << RSP) | (1u << RBP);
    f = add("stack push r", st, 0), put(f, 1, 0x52);
    f = add("stack push r w", st, 0), put(f, 2, 0x66, 0x52);
    f = add("stack pop r", st, 0), put(f, 1, 0x5a);
    f = add("stack push imm", st, 0), put(f, 5, 0x68, 0x78, 0x56, 0x34, 0x92);
    f = add("stack pushf", st, 0), put(f, 1, 0x9c);
    f = add("stack popf", st, 0), put(f, 1, 0x9d);
    f = add("stack call/ret", st, 0), put(f, 8, 0xe8, 0x02, 0, 0, 0, 0xeb, 0x01, 0xc3);
    f = add("stack ret imm", st, 0), put(f, 10, 0xe8, 0x02, 0, 0, 0, 0xeb, 0x03, 0xc2, 0x08, 0);
    f = add("stack enter/leave", st, 0), put(f, 5, 0xc8, 0x20, 0, 0x02, 0xc9);
    f = add("stack enter nested", st, 0), put(f, 4, 0xc8, 0x10, 0, 0x03);
    f = add("stack leave", st, 0), put(f, 1, 0xc9);
    f = add("stack push [m] mmio-mmio", st | (1u << RBX), 0), put(f, 2, 0xff, MODRM(6, M_RBX));
    f = add("stack pop [m] mmio-mmio", st | (1u << RBX), 0), put(f, 2, 0x8f, MODRM(0, M_RBX));
    f = add("stack push fs/pop gs", st, 0), put(f, 4, 0x0f, 0xa0, 0x0f, 0xa9);
}

/* String instructions: every size, REP/REPE/REPNE, 64- and 32-bit address size, both
 * directions, between every pairing of RAM and the window; INS/OUTS on port 0xe0. */
static void string_forms(void)
{
    static const char *const nm[5] = {"movs", "cmps", "stos", "lods", "scas"};
    static const u8 base[5] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
    static const u16 ptrs[5] = {(1u << RSI) | (1u << RDI), (1u << RSI) | (1u << RDI), 1u << RDI,
                                1u << RSI, 1u << RDI};
    static const u32 fl[5] = {0, F_EQDATA, 0, 0, F_SCAS};
    char n[56];
    for (unsigned op = 0; op < 5; op++)
        for (unsigned s = 0; s < 4; s++)
            for (unsigned rp = 0; rp < 3; rp++)
                for (unsigned a32 = 0; a32 < 2; a32++) {
                    unsigned sz = sizes[s];
                    if (rp == 2 && op != 1 && op != 4) continue; /* REPNE only where it differs */
                    snprintf(n, sizeof n, "%s%s%s%s",
                             rp == 1   ? "rep "
                             : rp == 2 ? "repne "
                                       : "",
                             nm[op], szn[sz], a32 ? " a32" : "");
                    struct form *f = add(n, ptrs[op], F_COUNT | fl[op]);
                    f->arg = (u8)sz;
                    if (a32) put(f, 1, 0x67);
                    if (rp) put(f, 1, rp == 1 ? 0xf3 : 0xf2);
                    opsize(f, sz);
                    put(f, 1, sz == 1 ? base[op] : base[op] + 1);
                }
    for (unsigned s = 0; s < 4; s++)
        for (unsigned op = 0; op < 2; op++) {
            unsigned sz = sizes[s];
            snprintf(n, sizeof n, "rep %s%s overlapping", op ? "cmps" : "movs", szn[sz]);
            struct form *f = add(n, (1u << RSI) | (1u << RDI), F_COUNT | F_OVERLAP);
            put(f, 1, 0xf3);
            opsize(f, sz);
            put(f, 1, (op ? 0xa6 : 0xa4) + (sz > 1));
        }
    static const char *const io[2] = {"ins", "outs"};
    for (unsigned k = 0; k < 2; k++)
        for (unsigned s = 0; s < 3; s++)
            for (unsigned rp = 0; rp < 2; rp++) {
                unsigned sz = sizes[s];
                snprintf(n, sizeof n, "%s%s%s port e0", rp ? "rep " : "", io[k], szn[sz]);
                struct form *f = add(n, k ? 1u << RSI : 1u << RDI, F_COUNT | F_PORT);
                if (rp) put(f, 1, 0xf3);
                opsize(f, sz);
                put(f, 1, (k ? 0x6e : 0x6c) + (sz > 1));
            }
}

/* Descriptor tables, segment loads, system and x87/SSE state instructions. */
static void system_forms(void)
{
    struct form *f;
    f = add("lgdt [m]", 1u << RBX, F_DTR), put(f, 3, 0x0f, 0x01, MODRM(2, M_RBX));
    f = add("lidt [m]", 1u << RBX, F_DTR), put(f, 3, 0x0f, 0x01, MODRM(3, M_RBX));
    f = add("sgdt [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x01, MODRM(0, M_RBX));
    f = add("sidt [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x01, MODRM(1, M_RBX));
    f = add("smsw [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x01, MODRM(4, M_RBX));
    f = add("lmsw [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x01, MODRM(6, M_RBX));
    f = add("sldt [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x00, MODRM(0, M_RBX));
    f = add("str [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x00, MODRM(1, M_RBX));
    f = add("lldt [m]", 1u << RBX, F_SEL), put(f, 3, 0x0f, 0x00, MODRM(2, M_RBX));
    f = add("verr [m]", 1u << RBX, F_SEL), put(f, 3, 0x0f, 0x00, MODRM(4, M_RBX));
    f = add("verw [m]", 1u << RBX, F_SEL), put(f, 3, 0x0f, 0x00, MODRM(5, M_RBX));
    f = add("lar r,[m]", 1u << RBX, F_SEL), put(f, 3, 0x0f, 0x02, MODRM(RDX, M_RBX));
    f = add("lsl r,[m]", 1u << RBX, F_SEL), put(f, 3, 0x0f, 0x03, MODRM(RDX, M_RBX));
    f = add("mov [m],ds", 1u << RBX, 0), put(f, 2, 0x8c, MODRM(SEG_DS, M_RBX));
    f = add("mov ds,[m]", 1u << RBX, F_SEL), put(f, 2, 0x8e, MODRM(SEG_DS, M_RBX));
    f = add("mov ss,[m]", 1u << RBX, F_SEL), put(f, 2, 0x8e, MODRM(SEG_SS, M_RBX));
    f = add("lss r,[m] q", 1u << RBX, F_SEL), put(f, 4, 0x48, 0x0f, 0xb2, MODRM(RDX, M_RBX));
    f->arg = 8;
    f = add("lfs r,[m] d", 1u << RBX, F_SEL), put(f, 3, 0x0f, 0xb4, MODRM(RDX, M_RBX));
    f->arg = 4;
    f = add("lgs r,[m] w", 1u << RBX, F_SEL), put(f, 4, 0x66, 0x0f, 0xb5, MODRM(RDX, M_RBX));
    f->arg = 2;
    f = add("invlpg [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x01, MODRM(7, M_RBX));
    f = add("clflush [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0xae, MODRM(7, M_RBX));
    f = add("prefetcht0 [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0x18, MODRM(1, M_RBX));
    f = add("fxsave [m]", 1u << RBX, F_ALIGN), put(f, 3, 0x0f, 0xae, MODRM(0, M_RBX));
    f = add("fxsave64 [m]", 1u << RBX, F_ALIGN), put(f, 4, 0x48, 0x0f, 0xae, MODRM(0, M_RBX));
    f = add("fxrstor [m]", 1u << RBX, F_ALIGN | F_MXCSR), put(f, 3, 0x0f, 0xae, MODRM(1, M_RBX));
    f->arg = FX_MXCSR;
    f = add("fxrstor64 [m]", 1u << RBX, F_ALIGN | F_MXCSR),
    put(f, 4, 0x48, 0x0f, 0xae, MODRM(1, M_RBX));
    f->arg = FX_MXCSR;
    f = add("ldmxcsr [m]", 1u << RBX, F_MXCSR), put(f, 3, 0x0f, 0xae, MODRM(2, M_RBX));
    f = add("stmxcsr [m]", 1u << RBX, 0), put(f, 3, 0x0f, 0xae, MODRM(3, M_RBX));
    f = add("fnstcw [m]", 1u << RBX, 0), put(f, 2, 0xd9, MODRM(7, M_RBX));
    f = add("fldcw [m]", 1u << RBX, 0), put(f, 2, 0xd9, MODRM(5, M_RBX));
    f = add("fnstsw [m]", 1u << RBX, 0), put(f, 2, 0xdd, MODRM(7, M_RBX));
}

/* The descriptor tables themselves in the window: segment loads read descriptors (and set
 * their accessed bit) there, interrupts and exceptions read their gates there. */
static void table_forms(void)
{
    static const struct {
        const char *name;
        u8 mode, n, b[12];
        u32 fl;
    } t[] = {
        {"gdt mov ds,r", 64, 7, {0xba, 0x10, 0, 0, 0, 0x8e, 0xda}, F_GDT},
        {"gdt mov ss,r", 64, 7, {0xba, 0x10, 0, 0, 0, 0x8e, 0xd2}, F_GDT},
        {"gdt lar/lsl", 64, 11, {0xba, 0x10, 0, 0, 0, 0x0f, 0x02, 0xc2, 0x0f, 0x03, 0xca}, F_GDT},
        {"gdt verw", 64, 8, {0xba, 0x13, 0, 0, 0, 0x0f, 0x00, 0xea}, F_GDT},
        {"p32 gdt mov es,r", 32, 7, {0xba, 0x10, 0, 0, 0, 0x8e, 0xc2}, F_GDT},
        {"p32 gdt jmp far", 32, 7, {0xea, 0, 0, 0, 0, 0x08, 0}, F_GDT},
        {"idt int 0x20", 64, 2, {0xcd, 0x20}, F_IDT},
        {"idt ud2", 64, 2, {0x0f, 0x0b}, F_IDT},
        {"p32 idt int 0x20", 32, 2, {0xcd, 0x20}, F_IDT},
        {"p32 idt ud2", 32, 2, {0x0f, 0x0b}, F_IDT},
    };
    for (unsigned k = 0; k < ARRAY_LEN(t); k++) {
        struct form *f = add(t[k].name, 1u << RDI, t[k].fl);
        f->mode = t[k].mode;
        for (unsigned j = 0; j < t[k].n; j++)
            put(f, 1, t[k].b[j]);
        if (f->code[0] == 0xea) store_le(f->code + 1, 4, (u32)(CODE_LIN + f->len));
    }
}

/* SSE and MMX moves (the SIMD loads and stores that exist today). */
static void sse_forms(void)
{
    static const struct {
        const char *name;
        u8 n, b[6];
        u32 fl;
    } t[] = {
        {"movups x,[m]", 3, {0x0f, 0x10, MODRM(1, M_RBX)}, 0},
        {"movups [m],x", 3, {0x0f, 0x11, MODRM(1, M_RBX)}, 0},
        {"movupd x,[m]", 4, {0x66, 0x0f, 0x10, MODRM(1, M_RBX)}, 0},
        {"movaps x,[m]", 3, {0x0f, 0x28, MODRM(2, M_RBX)}, F_ALIGN},
        {"movaps [m],x", 3, {0x0f, 0x29, MODRM(2, M_RBX)}, F_ALIGN},
        {"movss x,[m]", 4, {0xf3, 0x0f, 0x10, MODRM(3, M_RBX)}, 0},
        {"movss [m],x", 4, {0xf3, 0x0f, 0x11, MODRM(3, M_RBX)}, 0},
        {"movsd x,[m]", 4, {0xf2, 0x0f, 0x10, MODRM(4, M_RBX)}, 0},
        {"movsd [m],x", 4, {0xf2, 0x0f, 0x11, MODRM(4, M_RBX)}, 0},
        {"movdqu x,[m]", 4, {0xf3, 0x0f, 0x6f, MODRM(5, M_RBX)}, 0},
        {"movdqu [m],x", 4, {0xf3, 0x0f, 0x7f, MODRM(5, M_RBX)}, 0},
        {"movdqa x,[m]", 4, {0x66, 0x0f, 0x6f, MODRM(6, M_RBX)}, F_ALIGN},
        {"movdqa [m],x", 4, {0x66, 0x0f, 0x7f, MODRM(6, M_RBX)}, F_ALIGN},
        {"movd x,[m]", 4, {0x66, 0x0f, 0x6e, MODRM(7, M_RBX)}, 0},
        {"movd [m],x", 4, {0x66, 0x0f, 0x7e, MODRM(7, M_RBX)}, 0},
        {"movq x,[m] (66 w 6e)", 5, {0x66, 0x48, 0x0f, 0x6e, MODRM(0, M_RBX)}, 0},
        {"movq x,[m] (f3 7e)", 4, {0xf3, 0x0f, 0x7e, MODRM(1, M_RBX)}, 0},
        {"movq [m],x (66 d6)", 4, {0x66, 0x0f, 0xd6, MODRM(2, M_RBX)}, 0},
        {"movq mm,[m]", 3, {0x0f, 0x6f, MODRM(3, M_RBX)}, 0},
        {"movq [m],mm", 3, {0x0f, 0x7f, MODRM(4, M_RBX)}, 0},
        {"movd mm,[m]", 3, {0x0f, 0x6e, MODRM(5, M_RBX)}, 0},
        {"movd [m],mm", 3, {0x0f, 0x7e, MODRM(6, M_RBX)}, 0},
        {"movnti [m],r", 4, {0x48, 0x0f, 0xc3, MODRM(RDX, M_RBX)}, 0},
        {"movntps [m],x", 3, {0x0f, 0x2b, MODRM(1, M_RBX)}, F_ALIGN},
        {"movntdq [m],x", 4, {0x66, 0x0f, 0xe7, MODRM(2, M_RBX)}, F_ALIGN},
        {"movntq [m],mm", 3, {0x0f, 0xe7, MODRM(3, M_RBX)}, 0},
        {"xorps x,[m]", 3, {0x0f, 0x57, MODRM(4, M_RBX)}, F_ALIGN},
        {"pxor x,[m]", 4, {0x66, 0x0f, 0xef, MODRM(5, M_RBX)}, F_ALIGN},
        {"pxor mm,[m]", 3, {0x0f, 0xef, MODRM(6, M_RBX)}, 0},
    };
    for (unsigned k = 0; k < ARRAY_LEN(t); k++) {
        struct form *f = add(t[k].name, 1u << RBX, t[k].fl);
        for (unsigned j = 0; j < t[k].n; j++)
            put(f, 1, t[k].b[j]);
    }
}

/* 32-bit protected mode: the forms whose memory operand size or existence depends on it. */
static void legacy_forms(void)
{
    static const struct {
        const char *name;
        u8 n, b[6];
        u16 ptrs;
        u32 fl;
        u8 arg;
    } t[] = {
        {"p32 push [m]", 2, {0xff, MODRM(6, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 pop [m]", 2, {0x8f, MODRM(0, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 lgdt [m]", 3, {0x0f, 0x01, MODRM(2, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 lidt [m] o16", 4, {0x66, 0x0f, 0x01, MODRM(3, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 sgdt [m]", 3, {0x0f, 0x01, MODRM(0, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 bound r,[m]", 2, {0x62, MODRM(RDX, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 bound r,[m] w", 3, {0x66, 0x62, MODRM(RDX, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 les r,[m]", 2, {0xc4, MODRM(RDX, M_RBX)}, 1u << RBX, F_SEL, 4},
        {"p32 lds r,[m] w", 3, {0x66, 0xc5, MODRM(RDX, M_RBX)}, 1u << RBX, F_SEL, 2},
        {"p32 arpl [m],r", 2, {0x63, MODRM(RDX, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 call far [m]", 2, {0xff, MODRM(3, M_RBX)}, 1u << RBX, F_FAR, 0},
        {"p32 jmp far [m]", 2, {0xff, MODRM(5, M_RBX)}, 1u << RBX, F_FAR, 0},
        {"p32 pusha", 1, {0x60}, (1u << RSP) | (1u << RBP), 0, 0},
        {"p32 popa", 1, {0x61}, (1u << RSP) | (1u << RBP), 0, 0},
        {"p32 push ds/pop es", 2, {0x1e, 0x07}, (1u << RSP) | (1u << RBP), 0, 0},
        {"p32 rep movsd", 2, {0xf3, 0xa5}, (1u << RSI) | (1u << RDI), F_COUNT, 4},
        {"p32 add [m],r", 2, {0x01, MODRM(RDX, M_RBX)}, 1u << RBX, 0, 0},
        {"p32 lock cmpxchg8b [m]", 4, {0xf0, 0x0f, 0xc7, MODRM(1, M_RSI)}, 1u << RSI, F_CMPX, 8},
    };
    for (unsigned k = 0; k < ARRAY_LEN(t); k++) {
        struct form *f = add(t[k].name, t[k].ptrs, t[k].fl);
        f->mode = 32;
        f->arg = t[k].arg;
        for (unsigned j = 0; j < t[k].n; j++)
            put(f, 1, t[k].b[j]);
    }
}

/* --- Running one form ------------------------------------------------------------------ */

struct input {
    u64 r[16];
    u64 fl;
    u8 fx[512];
    u32 port_data;
    u32 off[16];       /* offset of each pointer register within its region */
    u8 mem[2][REGION]; /* initial bytes of regions A and B */
    u32 lo[2], hi[2];  /* the part of each region that is set up and compared */
};

struct result {
    int rc, err;
    u64 r[16];
    u64 rip, fl, cr0;
    struct seg seg[8];
    struct dtr gdtr, idtr;
    u8 fx[512];
    u8 stack[STACK_CMP];
    u8 mem[2][REGION];
};

static u64 rng = 0x3243f6a8885a308dull;
static u64 rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static int region_of(const struct form *f, unsigned r)
{
    if (r == RDI && (f->flags & F_OVERLAP)) return 0;
    return (P_A >> r) & 1 ? 0 : 1;
}

/* An offset in a region, biased towards page ends (and 16-aligned if asked). */
static u32 pick_offset(const struct form *f, u32 lo, u32 hi)
{
    u32 off;
    switch (rnd() % 4) {
    case 0: {
        u32 page = (u32)(lo / 4096 + 1 + rnd() % ((hi - lo) / 4096 - 1));
        off = page * 4096 - 1 - (u32)(rnd() % 20);
        break;
    }
    default: off = lo + (u32)(rnd() % (hi - lo));
    }
    if ((f->flags & F_ALIGN) && (rnd() & 1)) off &= ~15u;
    return off;
}

static void make_input(const struct form *f, struct harness *h, struct input *in)
{
    static const u64 edges[] = {0,          1,          0x7f,       0x80,
                                0xff,       0x7fff,     0x8000,     0xffff,
                                0x7fffffff, 0x80000000, 0xffffffff, 0x8000000000000000ull,
                                ~0ull};
    for (unsigned r = 0; r < 16; r++) {
        u64 v = rnd();
        in->r[r] = (v & 7) == 0 ? edges[(v >> 8) % ARRAY_LEN(edges)] : rnd();
    }
    if (f->mode == 32)
        for (unsigned r = 0; r < 16; r++)
            in->r[r] = (u32)in->r[r];
    in->fl = FL_FIXED1 | (rnd() & (FL_ARITH | FL_DF));
    for (unsigned k = 0; k < 512; k += 8) {
        u64 v = rnd();
        memcpy(in->fx + k, &v, 8);
    }
    memset(in->fx, 0, 32); /* x87 control/status/tags, pointers */
    store_le(in->fx + FX_FCW, 2, 0x037f);
    store_le(in->fx + FX_MXCSR, 4, 0x1f80);
    store_le(in->fx + FX_MXCSR_MASK, 4, 0xffff);
    in->port_data = (u32)rnd();
    if (f->flags & F_COUNT) {
        /* Only the count register of the address size counts: RCX, or ECX with an 0x67
         * prefix in 64-bit code (the upper half stays random). */
        bool a32 = f->mode == 64 && memchr(f->code, 0x67, f->len);
        in->r[RCX] = (a32 ? in->r[RCX] & ~0xffffffffull : 0) | (rnd() % 33);
    }
    if (f->flags & F_PORT) in->r[RDX] = 0xe0;
    if (f->flags & F_INDEX) in->r[R8] = (u64)((s64)(rnd() % 64) - 32);
    if (f->flags & F_BITOFF) in->r[RAX] = (u64)((s64)(rnd() % 0x10000) - 0x8000);
    for (int g = 0; g < 2; g++) {
        in->lo[g] = REGION;
        in->hi[g] = 0;
    }
    for (unsigned r = 0; r < 16; r++) {
        if (!(f->ptrs & (1u << r))) continue;
        int g = region_of(f, r);
        u32 lo = NEAR, hi = REGION - NEAR;
        if (f->flags & F_BITOFF) lo = 0x1800, hi = 0x5800;
        if (r == RBP && (f->ptrs & (1u << RSP)))
            in->off[r] = in->off[RSP] + 0x40 + (u32)(rnd() % 0x100);
        else if (r == RDI && (f->flags & F_OVERLAP))
            in->off[r] = in->off[RSI] + (u32)(rnd() % 33) - 16;
        else
            in->off[r] = pick_offset(f, lo, hi);
        if (r == RSP) in->off[r] = in->off[r] - in->off[r] % 2; /* keep RBP after RSP */
        u32 a = in->off[r] - NEAR, b = in->off[r] + NEAR;
        if (r == RSP) b = in->off[r] + 0x200 + NEAR;
        if (f->flags & F_BITOFF) a = 0, b = REGION;
        a &= ~7u; /* set up and read back in 8-byte pieces */
        b = (b + 7) & ~7u;
        if (b > REGION) b = REGION;
        if (a < in->lo[g]) in->lo[g] = a;
        if (b > in->hi[g]) in->hi[g] = b;
    }
    if ((f->ptrs & (1u << RSP)) && in->off[RBP] < in->off[RSP]) in->off[RBP] = in->off[RSP] + 0x40;
    for (int g = 0; g < 2; g++)
        for (u32 k = 0; k < REGION; k += 8) {
            u64 v = rnd();
            memcpy(&in->mem[g][k], &v, 8);
        }
    /* Data shaping: equal strings, SCAS patterns, CMPXCHG hits, selectors, MXCSR. */
    unsigned sz = f->arg ? f->arg : 1;
    if ((f->flags & F_EQDATA) && (rnd() & 1)) {
        memcpy(&in->mem[1][in->off[RDI] - NEAR], &in->mem[0][in->off[RSI] - NEAR], 2 * NEAR);
        in->mem[1][in->off[RDI] + (int)(rnd() % 80) - 40] ^= 0x10;
    }
    if ((f->flags & F_SCAS) && (rnd() & 1)) {
        for (u32 k = in->off[RDI] - NEAR; k + sz <= in->off[RDI] + NEAR; k += sz)
            memcpy(&in->mem[1][k], &in->r[RAX], sz);
        in->mem[1][in->off[RDI] + (int)(rnd() % 80) - 40] ^= 0x10;
    }
    int pr = (f->ptrs & (1u << RSI)) && !(f->ptrs & (1u << RDI)) ? RSI : RBX;
    u8 *at = &in->mem[region_of(f, pr)][in->off[pr]];
    if ((f->flags & F_CMPX) && (rnd() & 1)) {
        memcpy(&in->r[RAX], at, sz > 8 ? 8 : sz);
        if (sz == 8 && f->mode == 32) {
            in->r[RAX] = load_le(at, 4);
            in->r[RDX] = load_le(at + 4, 4);
        } else if (sz == 8 && (f->ptrs & (1u << RSI))) { /* CMPXCHG8B: EDX:EAX */
            in->r[RAX] = (in->r[RAX] & ~0xffffffffull) | load_le(at, 4);
            in->r[RDX] = (in->r[RDX] & ~0xffffffffull) | load_le(at + 4, 4);
        } else if (sz == 16) {
            in->r[RDX] = load_le(at + 8, 8);
        }
    }
    static const u16 sels[4] = {0, 0x10, 0x13, 0x2b};
    if ((f->flags & F_SEL) && (rnd() & 1)) store_le(at + f->arg, 2, sels[rnd() % 4]);
    if ((f->flags & F_DTR) && (rnd() & 1))
        store_le(at + 2, 8, (u64)((s64)(load_le(at + 2, 8) << 16) >> 16));
    if (f->flags & F_FAR) store_le(at, 4, CODE_LIN + f->len), store_le(at + 4, 2, H_CODE32);
    if (f->flags & F_MXCSR) store_le(at + f->arg, 4, 0x1f80 | (rnd() & 0x7f));
    if (f->flags & F_TARGET) store_le(at, 8, CODE_LIN + f->len);
    u8 *tab = &in->mem[1][in->off[RDI]];
    if (f->flags & F_GDT) {
        phys_copy_out(h->m, HARNESS_GDT, tab, 6 * 8);
        tab[2 * 8 + 5] &= ~1; /* data32: accessed bit clear, the load sets it */
    }
    if (f->flags & F_IDT) {
        u64 target = CODE_LIN + f->len;
        static const u8 vec[2] = {6, 0x20};
        for (int k = 0; k < 2; k++) {
            u8 *g = tab + vec[k] * (f->mode == 64 ? 16 : 8);
            store_le(g, 2, target & 0xffff);
            store_le(g + 2, 2, f->mode == 64 ? H_CODE64 : H_CODE32);
            store_le(g + 4, 2, 0x8e00); /* present interrupt gate, DPL 0 */
            store_le(g + 6, 2, (target >> 16) & 0xffff);
            if (f->mode == 64) store_le(g + 8, 8, target >> 32);
        }
    }
}

/* Placement: bit 0 = region A in the window, bit 1 = region B, bit 2 = the code pages;
 * otherwise in RAM. g = 0 (A), 1 (B) or 2 (code). */
static u64 region_base(int g, unsigned placement)
{
    return ((placement >> g) & 1 ? WIN : RAM_AREA) + (u64)g * REGION;
}

/* Map LIN's 16 pages for a placement and enter the form's mode with paging on. */
static void enter_mode(struct harness *h, const struct form *f, unsigned placement)
{
    struct cpu *c = h->c;
    for (u64 k = 0; k < 16; k++) {
        int g = (int)(k * PAGE_SIZE / REGION);
        u64 pte = (region_base(g, placement) + k * PAGE_SIZE - (u64)g * REGION) | 7;
        phys_copy_in(h->m, PT_PT + 8 * k, &pte, 8);
    }
    harness_set_mode(h, f->mode == 32 ? MODE_PROT : MODE_LONG);
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (f->mode == 32) {
        c->cr4 |= CR4_PAE;
        c->cr0 |= CR0_PG;
        c->cr3 = PT_PAE;
        paging_load_pdptes(c, c->cr3);
        tlb_flush_all(c);
    }
}

static void run(struct harness *h, const struct form *f, const struct input *in, unsigned placement,
                struct result *out)
{
    struct machine *m = h->m;
    struct cpu *c = h->c;
    enter_mode(h, f, placement);
    for (int g = 0; g < 2; g++) {
        u64 base = region_base(g, placement);
        for (u32 k = in->lo[g]; k < in->hi[g]; k += 8)
            phys_write(m, c, base + k, 8, load_le(&in->mem[g][k], 8));
    }
    static const u8 zero[STACK_CMP];
    phys_copy_in(m, HARNESS_STACK - STACK_CMP, zero, STACK_CMP);
    io_write(m, c, 0xe0, 4, in->port_data);
    memcpy(c->fpu.fxsave, in->fx, 512);
    for (unsigned r = 0; r < 16; r++) {
        c->r[r] = in->r[r];
        if (f->ptrs & (1u << r)) c->r[r] = LIN + (u64)region_of(f, r) * REGION + in->off[r];
    }
    if (!(f->ptrs & (1u << RSP))) c->r[RSP] = HARNESS_STACK;
    cpu_set_rflags(c, in->fl);
    if (f->flags & F_GDT) c->gdtr.base = c->r[RDI];
    if (f->flags & F_IDT) c->idtr.base = c->r[RDI], c->idtr.limit = 0xfff;
    c->stop_on_exception = !(f->flags & F_IDT);
    u8 code[32];
    memcpy(code, f->code, f->len);
    if (f->flags & F_MOFFS) store_le(code + f->len - 8, 8, c->r[RBX]);
    code[f->len] = 0xf4; /* HLT */
    u64 at = region_base(2, placement) + (CODE_LIN - LIN - CODE_AT);
    for (unsigned k = 0; k <= f->len; k++)
        phys_write(m, c, at + k, 1, code[k]);
    /* As harness_run, from CODE_LIN. */
    c->rip = CODE_LIN;
    c->halted = c->shutdown = false;
    c->last_exception = -1;
    c->deadline = c->icount + 100000;
    m->running = c;
    m->slice_start_time = cpu_time(c);
    cpu_exec(c);
    m->running = NULL;
    out->rc = c->shutdown && c->last_exception >= 0 ? c->last_exception : c->halted ? -1 : -2;
    c->stop_on_exception = true;
    out->err = out->rc >= 0 ? c->exc_error : 0;
    memcpy(out->r, c->r, sizeof out->r);
    out->rip = c->rip;
    out->fl = cpu_get_rflags(c);
    out->cr0 = c->cr0;
    memcpy(out->seg, c->seg, sizeof out->seg);
    out->gdtr = c->gdtr;
    out->idtr = c->idtr;
    memcpy(out->fx, c->fpu.fxsave, 512);
    phys_copy_out(m, HARNESS_STACK - STACK_CMP, out->stack, STACK_CMP);
    for (int g = 0; g < 2; g++) {
        u64 base = region_base(g, placement);
        for (u32 k = in->lo[g]; k < in->hi[g]; k += 8)
            store_le(&out->mem[g][k], 8, phys_read(m, c, base + k, 8));
    }
}

/* First difference between two results, or false. */
static bool differ(const struct input *in, const struct result *a, const struct result *b,
                   char *why, size_t n)
{
    static const char *const rn[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    if (a->rc != b->rc || a->err != b->err)
        return snprintf(why, n, "stop %d/%#x vs %d/%#x", a->rc, a->err, b->rc, b->err), true;
    for (unsigned r = 0; r < 16; r++)
        if (a->r[r] != b->r[r])
            return snprintf(why, n, "%s %#llx vs %#llx", rn[r], (unsigned long long)a->r[r],
                            (unsigned long long)b->r[r]),
                   true;
    if (a->rip != b->rip)
        return snprintf(why, n, "rip %#llx vs %#llx", (unsigned long long)a->rip,
                        (unsigned long long)b->rip),
               true;
    if (a->fl != b->fl)
        return snprintf(why, n, "rflags %#llx vs %#llx", (unsigned long long)a->fl,
                        (unsigned long long)b->fl),
               true;
    if (a->cr0 != b->cr0)
        return snprintf(why, n, "cr0 %#llx vs %#llx", (unsigned long long)a->cr0,
                        (unsigned long long)b->cr0),
               true;
    for (int s = 0; s < 8; s++)
        if (a->seg[s].sel != b->seg[s].sel || a->seg[s].base != b->seg[s].base ||
            a->seg[s].limit != b->seg[s].limit || a->seg[s].ar != b->seg[s].ar)
            return snprintf(why, n, "segment %d %#x vs %#x", s, a->seg[s].sel, b->seg[s].sel), true;
    if (a->gdtr.base != b->gdtr.base || a->gdtr.limit != b->gdtr.limit)
        return snprintf(why, n, "gdtr"), true;
    if (a->idtr.base != b->idtr.base || a->idtr.limit != b->idtr.limit)
        return snprintf(why, n, "idtr"), true;
    for (unsigned k = 0; k < 512; k++)
        if (a->fx[k] != b->fx[k])
            return snprintf(why, n, "fxsave[%u] %#x vs %#x", k, a->fx[k], b->fx[k]), true;
    for (unsigned k = 0; k < STACK_CMP; k++)
        if (a->stack[k] != b->stack[k])
            return snprintf(why, n, "stack[-%u] %#x vs %#x", STACK_CMP - k, a->stack[k],
                            b->stack[k]),
                   true;
    for (int g = 0; g < 2; g++)
        for (u32 k = in->lo[g]; k < in->hi[g]; k++)
            if (a->mem[g][k] != b->mem[g][k])
                return snprintf(why, n, "region %c +%#x: %#x vs %#x", 'A' + g, k, a->mem[g][k],
                                b->mem[g][k]),
                       true;
    return false;
}

static int total_runs;

static void sweep_form(struct harness *h, const struct form *f)
{
    static struct input in;
    static struct result ram, mmio;
    /* Placements worth running: the regions the form points into, then the code. */
    unsigned want = 0;
    for (unsigned r = 0; r < 16; r++)
        if (f->ptrs & (1u << r)) want |= 1u << region_of(f, r);
    static const char *const where[8] = {"",     "A",      "B",      "A+B",
                                         "code", "A+code", "B+code", "A+B+code"};
    unsigned bad = 0;
    char why[256] = "", w[160];
    for (int t = 0; t < TRIALS; t++) {
        make_input(f, h, &in);
        run(h, f, &in, 0, &ram);
        for (unsigned p = 1; p < 8; p++) {
            if ((p & 3 & ~want) || (p & 4 && (p & 3) != 0 && (p & 3) != want)) continue;
            run(h, f, &in, p, &mmio);
            total_runs++;
            if (differ(&in, &ram, &mmio, w, sizeof w) && bad++ == 0)
                snprintf(why, sizeof why, "%s in the window, trial %d: %s (RAM vs MMIO)", where[p],
                         t, w);
        }
    }
    char name[80];
    snprintf(name, sizeof name, "mmio %s", f->name);
    CHECK(name, bad == 0, "%u differences; first: %s", bad, why);
}

/* --- The window's edges and wide accesses -------------------------------------------------- */

static int run_at(struct harness *h, const u8 *code, size_t len, u64 rbx, u64 rsi, u64 rdi, u64 rcx)
{
    struct cpu *c = h->c;
    harness_set_mode(h, MODE_LONG);
    c->cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    c->r[RBX] = rbx, c->r[RSI] = rsi, c->r[RDI] = rdi, c->r[RCX] = rcx;
    /* No timer fires here: a device arming one (the HPET's comparators) must not end the
     * run as it ends a machine's slice. */
    h->m->slice_end = 0;
    return harness_run(h, code, len, 100000);
}

static void edge_checks(struct harness *h)
{
    struct machine *m = h->m;
    struct cpu *c = h->c;
    for (u32 k = 0; k < WIN_LEN; k += 8)
        phys_write(m, c, WIN + k, 8, 0x0706050403020100ull + 0x0808080808080808ull * (k / 8 % 16));
    static const u8 ld[] = {0x48, 0x8b, 0x03}, st[] = {0x48, 0x89, 0x13};
    int rc = run_at(h, ld, sizeof ld, WIN + WIN_LEN - 4, 0, 0, 0);
    CHECK_EQ("mmio edge load straddling the end", c->r[RAX], 0xffffffff7f7e7d7cull);
    CHECK_EQ("mmio edge load straddling the end completes", rc, -1);
    rc = run_at(h, ld, sizeof ld, WIN - 4, 0, 0, 0);
    CHECK_EQ("mmio edge load straddling the start", c->r[RAX], 0x03020100ffffffffull);
    c->r[RDX] = 0x1122334455667788ull;
    rc = run_at(h, st, sizeof st, WIN + WIN_LEN - 4, 0, 0, 0);
    CHECK("mmio edge store straddling the end",
          rc == -1 && phys_read(m, c, WIN + WIN_LEN - 4, 4) == 0x55667788 &&
              phys_read(m, c, WIN + WIN_LEN, 4) == 0xffffffffu,
          "rc %d, window %#llx", rc, (unsigned long long)phys_read(m, c, WIN + WIN_LEN - 4, 4));
    c->r[RDX] = 0x1122334455667788ull;
    rc = run_at(h, st, sizeof st, WIN - 4, 0, 0, 0);
    CHECK_EQ("mmio edge store straddling the start", phys_read(m, c, WIN, 4), 0x11223344);
    /* 16-byte SSE accesses and a 512-byte FXSAVE over both edges. */
    static const u8 movups_ld[] = {0x0f, 0x10, 0x03}, movups_st[] = {0x0f, 0x11, 0x03};
    rc = run_at(h, movups_ld, sizeof movups_ld, WIN + WIN_LEN - 8, 0, 0, 0);
    CHECK("mmio edge movups load",
          rc == -1 && load_le(fx_xmm(c, 0), 8) == phys_read(m, c, WIN + WIN_LEN - 8, 8) &&
              load_le(fx_xmm(c, 0) + 8, 8) == ~0ull,
          "rc %d", rc);
    rc = run_at(h, movups_st, sizeof movups_st, WIN - 8, 0, 0, 0);
    CHECK_EQ("mmio edge movups store", phys_read(m, c, WIN, 8), load_le(fx_xmm(c, 0) + 8, 8));
    static const u8 fxsave[] = {0x0f, 0xae, 0x03}, fxrstor[] = {0x0f, 0xae, 0x0b};
    rc = run_at(h, fxsave, sizeof fxsave, WIN + WIN_LEN - 256, 0, 0, 0);
    CHECK("mmio edge fxsave over the end",
          rc == -1 && phys_read(m, c, WIN + WIN_LEN - 256 + FX_MXCSR, 4) == fx_mxcsr(c), "rc %d",
          rc);
    rc = run_at(h, fxrstor, sizeof fxrstor, WIN - 256, 0, 0, 0);
    CHECK("mmio edge fxrstor over the start", rc == EXC_GP || rc == -1, "rc %d", rc);
    /* REP MOVS out of the window's end into unbacked memory and back into the window. */
    static const u8 movsb[] = {0xf3, 0xa4};
    rc = run_at(h, movsb, sizeof movsb, 0, WIN + WIN_LEN - 16, WIN + 0x100, 32);
    CHECK("mmio edge rep movsb out of the end",
          rc == -1 && c->r[RCX] == 0 && phys_read(m, c, WIN + 0x110, 8) == ~0ull &&
              phys_read(m, c, WIN + 0x100, 8) == phys_read(m, c, WIN + WIN_LEN - 16, 8),
          "rc %d rcx %llu", rc, (unsigned long long)c->r[RCX]);
    rc = run_at(h, movsb, sizeof movsb, 0, WIN + 0x200, WIN + WIN_LEN - 8, 32);
    CHECK("mmio edge rep movsb into the end", rc == -1 && c->r[RCX] == 0, "rc %d", rc);
    static const u8 cx16[] = {0xf0, 0x48, 0x0f, 0xc7, 0x0e};
    rc = run_at(h, cx16, sizeof cx16, 0, WIN + WIN_LEN - 8, 0, 0);
    CHECK("mmio edge lock cmpxchg16b straddling (#GP: misaligned)", rc == EXC_GP, "rc %d", rc);
    static const u8 cx8[] = {0xf0, 0x0f, 0xc7, 0x0e};
    rc = run_at(h, cx8, sizeof cx8, 0, WIN + WIN_LEN - 4, 0, 0);
    CHECK("mmio edge lock cmpxchg8b straddling", rc == -1, "rc %d", rc);

    /* Every MMIO device and unbacked space, at and across its edges, with accesses wider
     * than the device's registers: each must end (HLT or an exception), never crash. */
    static const u64 bases[] = {WIN, 0xfec00000ull /* I/O APIC */, 0xfee00000ull /* local APIC */,
                                0xfed00000ull /* HPET */, 0xfed10000ull /* nothing */, 0xfffff000ull /* top of 4 GiB */};
    static const s64 offs[] = {-16, -8, -3, 0, 1, 7, 0x10, 0xff8, 0xffd, 0x1000 - 16};
    static const struct {
        u8 n, b[6];
    } ops[] = {
        {3, {0x48, 0x8b, 0x03}},
        {3, {0x48, 0x89, 0x13}},
        {3, {0x0f, 0x10, 0x03}},
        {3, {0x0f, 0x11, 0x03}},
        {5, {0xf0, 0x48, 0x0f, 0xc1, 0x13}},
        {3, {0x0f, 0xae, 0x03}},
        {2, {0xf3, 0xa4}},
        {3, {0xf3, 0x48, 0xa5}},
        {2, {0xf3, 0xa6}},
        {3, {0x0f, 0x01, 0x13}},
        {2, {0xff, 0x33}},
        {3, {0x66, 0xf7, 0x1b}},
    };
    unsigned ended = 0, total = 0;
    for (unsigned b = 0; b < ARRAY_LEN(bases); b++)
        for (unsigned o = 0; o < ARRAY_LEN(offs); o++)
            for (unsigned k = 0; k < ARRAY_LEN(ops); k++) {
                u64 a = bases[b] + (u64)offs[o];
                c->r[RDX] = 0x0123456789abcdefull;
                rc = run_at(h, ops[k].b, ops[k].n, a, a, a + 24 < 0x100000000ull ? a + 24 : a - 24,
                            40);
                total++;
                ended += rc >= -1;
            }
    CHECK("mmio every region wide and straddling accesses end", ended == total,
          "%u of %u runs ran out of budget", total - ended, total);
}

int main(void)
{
    struct harness *h = harness_new(MODE_LONG);
    if (!pc_testdev_create(h->m)) {
        printf("FAIL mmio setup: pc_testdev_create\n");
        return 1;
    }
    /* Paging beyond the harness's identity map of the first GiB: the fourth GiB (the
     * window's own address) identity-mapped with 2 MiB pages for the edge checks, and LIN
     * through PT_PD and PT_PT, set per run. PAE for 32-bit code shares the directories. */
    u64 e;
    e = (HARNESS_PT + 0x3000) | 7, phys_copy_in(h->m, PT_PDPT + 3 * 8, &e, 8);
    for (u64 k = 0; k < 512; k++) {
        e = (0xc0000000ull + (k << 21)) | 0x87;
        phys_copy_in(h->m, HARNESS_PT + 0x3000 + k * 8, &e, 8);
    }
    e = PT_PD | 7, phys_copy_in(h->m, PT_PDPT + 1 * 8, &e, 8);
    e = PT_PT | 7, phys_copy_in(h->m, PT_PD, &e, 8);
    e = (HARNESS_PT + 0x2000) | 1, phys_copy_in(h->m, PT_PAE, &e, 8);
    e = PT_PD | 1, phys_copy_in(h->m, PT_PAE + 8, &e, 8);
    e = (HARNESS_PT + 0x3000) | 1, phys_copy_in(h->m, PT_PAE + 24, &e, 8);
    alu_forms();
    unary_forms();
    move_forms();
    stack_forms();
    string_forms();
    system_forms();
    table_forms();
    sse_forms();
    legacy_forms();
    /* MMIO_SWEEP=substring runs only the forms whose name contains it (debugging). */
    const char *only = getenv("MMIO_SWEEP");
    for (int k = 0; k < nforms; k++)
        if (!only || strstr(forms[k].name, only)) sweep_form(h, &forms[k]);
    printf("# %d forms, %d inputs each, %d MMIO runs compared with RAM\n", nforms, TRIALS,
           total_runs);
    edge_checks(h);
    harness_free(h);
    return check_exit();
}
