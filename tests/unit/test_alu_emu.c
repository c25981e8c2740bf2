/* Integer-instruction behaviour that cannot be compared against the 64-bit host: legacy
 * mode only instructions (BCD, INC/DEC 40-4F, SALC), REP restart after the iteration
 * budget and faults part-way through a REP, 16-bit index wrap, string port I/O, absolute
 * moffs and RIP-relative addresses, and the #UD/#GP/#DE encodings of this family.
 * Expected values are worked out by hand from the SDM pseudocode. */
#include "check.h"
#include "harness.h"
#include "cpu/flags.h"

/* Run code; a #UD at the appended HLT (if HLT is not implemented yet) counts as HLT. */
static int run(struct harness *h, const u8 *code, size_t len)
{
    u64 start = h->mode == MODE_REAL ? 0 : HARNESS_CODE;
    int rc = harness_run(h, code, len, 100000);
    if (rc == EXC_UD && h->c->rip == start + len) rc = -1;
    return rc;
}
#define RUN(h, ...) ({ static const u8 code_[] = {__VA_ARGS__}; run(h, code_, sizeof code_); })

static u64 fl(struct harness *h) { return cpu_get_rflags(h->c) & FL_ARITH; }
static u8 peek8(struct harness *h, u64 pa) { u8 v = 0; phys_copy_out(h->m, pa, &v, 1); return v; }

int main(void)
{
    struct harness *h = harness_new(MODE_PROT);
    struct cpu *c = h->c;
    int rc;

    /* BCD (SDM Vol. 2 DAA example: 79h + 35h = AEh, DAA gives 14h with CF = 1). */
    rc = RUN(h, 0xb0, 0x79, 0x04, 0x35, 0x27); /* mov al,79h; add al,35h; daa */
    CHECK("daa 79+35", rc == -1 && (u8)c->r[RAX] == 0x14 && (fl(h) & (FL_CF | FL_AF)) == (FL_CF | FL_AF),
          "rc %d al %#x fl %#llx", rc, (u8)c->r[RAX], (unsigned long long)fl(h));
    rc = RUN(h, 0xb0, 0x99, 0x04, 0x01, 0x27); /* 99 + 1 = 100: AL 00, CF */
    CHECK("daa 99+1", rc == -1 && (u8)c->r[RAX] == 0 && (fl(h) & (FL_CF | FL_ZF)) == (FL_CF | FL_ZF),
          "al %#x fl %#llx", (u8)c->r[RAX], (unsigned long long)fl(h));
    rc = RUN(h, 0xb0, 0x35, 0x2c, 0x47, 0x2f); /* 35 - 47 = -12: DAS gives 88h, CF */
    CHECK("das 35-47", rc == -1 && (u8)c->r[RAX] == 0x88 && (fl(h) & FL_CF), "al %#x fl %#llx",
          (u8)c->r[RAX], (unsigned long long)fl(h));
    rc = RUN(h, 0x66, 0xb8, 0x09, 0x00, 0x04, 0x08, 0x37); /* ax=9; add al,8; aaa: AX 0107h */
    CHECK("aaa 9+8", rc == -1 && (u16)c->r[RAX] == 0x0107 && (fl(h) & (FL_CF | FL_AF)) == (FL_CF | FL_AF),
          "ax %#x", (u16)c->r[RAX]);
    rc = RUN(h, 0x66, 0xb8, 0x02, 0x05, 0x2c, 0x05, 0x3f); /* ax=0502h; sub al,5; aas: AX 0407h */
    CHECK("aas 2-5", rc == -1 && (u16)c->r[RAX] == 0x0407 && (fl(h) & FL_CF), "ax %#x", (u16)c->r[RAX]);
    rc = RUN(h, 0xb0, 0x3f, 0xd4, 0x0a); /* aam: 63 -> AH 6 AL 3 */
    CHECK("aam 63", rc == -1 && (u16)c->r[RAX] == 0x0603, "ax %#x", (u16)c->r[RAX]);
    rc = RUN(h, 0x66, 0xb8, 0x03, 0x06, 0xd5, 0x0a); /* aad: 0603h -> 63 */
    CHECK("aad 0603", rc == -1 && (u16)c->r[RAX] == 0x003f, "ax %#x", (u16)c->r[RAX]);
    rc = RUN(h, 0xb0, 0x3f, 0xd4, 0x00);
    CHECK("aam 0 raises #DE", rc == EXC_DE && (u8)c->r[RAX] == 0x3f, "rc %d", rc);
    rc = RUN(h, 0xf9, 0xd6); /* stc; salc: AL = FFh from CF (test_salc_fnop covers more) */
    CHECK("salc sets al from cf", rc == -1 && (u8)c->r[RAX] == 0xff, "rc %d al %#x", rc, (u8)c->r[RAX]);

    /* INC/DEC 40-4F keep CF. */
    rc = RUN(h, 0xf9, 0xb8, 0xff, 0xff, 0xff, 0xff, 0x40, 0x4b); /* stc; mov eax,-1; inc eax; dec ebx */
    CHECK("inc eax (40) wraps, keeps CF", rc == -1 && (u32)c->r[RAX] == 0 && (fl(h) & (FL_CF | FL_ZF)) == FL_CF,
          "eax %#x fl %#llx", (u32)c->r[RAX], (unsigned long long)fl(h));

    /* A fault part-way through REP STOSB: ES limit ends 100 bytes in. RCX/RDI describe the
     * completed iterations and RIP stays at the instruction (SDM Vol. 2 REP). */
    c->seg[SEG_ES].limit = HARNESS_DATA + 99;
    c->r[RDI] = HARNESS_DATA;
    c->r[RCX] = 200;
    c->r[RAX] = 0x5a;
    rc = RUN(h, 0xf3, 0xaa);
    CHECK("rep stosb faults mid-way: #GP", rc == EXC_GP, "rc %d", rc);
    CHECK("rep stosb fault: registers show completed iterations",
          c->r[RCX] == 100 && c->r[RDI] == HARNESS_DATA + 100 && c->rip == HARNESS_CODE,
          "rcx %llu rdi %#llx rip %#llx", (unsigned long long)c->r[RCX], (unsigned long long)c->r[RDI],
          (unsigned long long)c->rip);
    CHECK("rep stosb fault: stored bytes", peek8(h, HARNESS_DATA + 99) == 0x5a && peek8(h, HARNESS_DATA + 100) != 0x5a,
          "%#x %#x", peek8(h, HARNESS_DATA + 99), peek8(h, HARNESS_DATA + 100));
    c->seg[SEG_ES].limit = 0xffffffff;

    /* A long REP runs in slices of at most 4096 iterations: the instruction re-executes. */
    c->r[RDI] = HARNESS_DATA;
    c->r[RCX] = 10000;
    c->r[RAX] = 0xa5;
    u64 before = c->icount;
    rc = RUN(h, 0xfc, 0xf3, 0xaa); /* cld; rep stosb */
    CHECK("rep stosb 10000 completes", rc == -1 && c->r[RCX] == 0 && c->r[RDI] == HARNESS_DATA + 10000 &&
          peek8(h, HARNESS_DATA + 9999) == 0xa5, "rc %d rcx %llu", rc, (unsigned long long)c->r[RCX]);
    CHECK("rep stosb 10000 re-executes (>= 3 slices)", c->icount - before >= 4, "icount delta %llu",
          (unsigned long long)(c->icount - before));
    /* REPE CMPSB stops at the first difference, even across a slice boundary. */
    static u8 buf[6000];
    memset(buf, 7, sizeof buf);
    phys_copy_in(h->m, HARNESS_DATA, buf, sizeof buf);
    phys_copy_in(h->m, HARNESS_DATA + 0x10000, buf, sizeof buf);
    buf[0] = 8;
    phys_copy_in(h->m, HARNESS_DATA + 0x10000 + 5000, buf, 1);
    c->r[RSI] = HARNESS_DATA;
    c->r[RDI] = HARNESS_DATA + 0x10000;
    c->r[RCX] = 6000;
    rc = RUN(h, 0xf3, 0xa6);
    CHECK("repe cmpsb stops after the mismatch at 5000", rc == -1 && c->r[RCX] == 6000 - 5001 &&
          c->r[RSI] == HARNESS_DATA + 5001 && !(fl(h) & FL_ZF), "rcx %llu rsi %#llx",
          (unsigned long long)c->r[RCX], (unsigned long long)c->r[RSI]);
    /* REP with RCX = 0 does nothing, not even to flags. */
    cpu_set_rflags(c, FL_ZF | FL_CF);
    c->r[RCX] = 0;
    rc = RUN(h, 0xf3, 0xa6);
    CHECK("repe cmpsb with count 0", rc == -1 && fl(h) == (FL_ZF | FL_CF) && c->r[RSI] == HARNESS_DATA + 5001,
          "fl %#llx", (unsigned long long)fl(h));

    /* String input from an unassigned port reads all ones, one port access per element. */
    memset(buf, 0, 16);
    phys_copy_in(h->m, HARNESS_DATA, buf, 16);
    c->r[RDI] = HARNESS_DATA;
    c->r[RCX] = 3;
    c->r[RDX] = 0x1234;
    rc = RUN(h, 0x66, 0xf3, 0x6d); /* rep insw */
    CHECK("rep insw", rc == -1 && c->r[RCX] == 0 && c->r[RDI] == HARNESS_DATA + 6 &&
          peek8(h, HARNESS_DATA + 5) == 0xff && peek8(h, HARNESS_DATA + 6) == 0, "rc %d rdi %#llx", rc,
          (unsigned long long)c->r[RDI]);
    c->r[RSI] = HARNESS_DATA;
    c->r[RCX] = 4;
    rc = RUN(h, 0xf3, 0x6f); /* rep outsd to the same port */
    CHECK("rep outsd", rc == -1 && c->r[RCX] == 0 && c->r[RSI] == HARNESS_DATA + 16, "rc %d", rc);
    harness_free(h);

    /* 16-bit addressing wraps SI/DI at 64 KiB and leaves the upper halves alone. */
    h = harness_new(MODE_REAL);
    c = h->c;
    u8 two[2] = {0x11, 0x22};
    phys_copy_in(h->m, 0xffff, two, 1);
    phys_copy_in(h->m, 0x0000, two + 1, 1);
    c->r[RSI] = 0xabcd0000ffffull;
    c->r[RDI] = 0x3000;
    c->r[RCX] = 0x55550002;
    rc = RUN(h, 0xf3, 0xa4); /* rep movsb */
    CHECK("real mode rep movsb wraps SI", rc == -1 && c->r[RSI] == 0xabcd00000001ull &&
          (u16)c->r[RCX] == 0 && c->r[RCX] >> 16 == 0x5555 && peek8(h, 0x3000) == 0x11 && peek8(h, 0x3001) == 0x22,
          "rsi %#llx rcx %#llx %#x %#x", (unsigned long long)c->r[RSI], (unsigned long long)c->r[RCX],
          peek8(h, 0x3000), peek8(h, 0x3001));
    harness_free(h);

    /* 64-bit: moffs with an absolute 64-bit address, RIP-relative LEA, invalid forms. */
    h = harness_new(MODE_LONG);
    c = h->c;
    u64 v = 0x1122334455667788ull;
    phys_copy_in(h->m, HARNESS_DATA, &v, 8);
    rc = RUN(h, 0x48, 0xa1, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, /* mov rax,[200000h] */
             0xa2, 0x08, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00);         /* mov [200008h],al */
    CHECK("mov rax,moffs64 / mov moffs64,al", rc == -1 && c->r[RAX] == v && peek8(h, HARNESS_DATA + 8) == 0x88,
          "rc %d rax %#llx", rc, (unsigned long long)c->r[RAX]);
    rc = RUN(h, 0x67, 0x8b, 0x04, 0x25, 0x04, 0x00, 0x20, 0x00); /* mov eax,[200004h] a32 */
    CHECK("mov eax,[disp32] with 67", rc == -1 && c->r[RAX] == 0x11223344, "rax %#llx", (unsigned long long)c->r[RAX]);
    /* A 32-bit address size in 64-bit mode: Intel writes ECX back zero-extended, also
     * when ECX is 0 and nothing repeats (observed natively on an Intel Xeon: `addr32 rep
     * movsb` with RCX = 0x1234567800000000 leaves RCX = 0; AMD keeps the upper half, so
     * the differential test cannot show this on an AMD host). */
    static const struct { const char *name; u8 rep, op; } a32[] = {
        {"a32 rep movsb, ecx 0: rcx cleared", 0xf3, 0xa4}, {"a32 rep stosd, ecx 0: rcx cleared", 0xf3, 0xab},
        {"a32 rep lodsw, ecx 0: rcx cleared", 0xf3, 0xad}, {"a32 repe cmpsb, ecx 0: rcx cleared", 0xf3, 0xa6},
        {"a32 repne scasb, ecx 0: rcx cleared", 0xf2, 0xae}, {"a32 rep insb, ecx 0: rcx cleared", 0xf3, 0x6c},
    };
    for (unsigned k = 0; k < ARRAY_LEN(a32); k++) {
        c->r[RCX] = 0x1234567800000000ull;
        c->r[RSI] = HARNESS_DATA;
        c->r[RDI] = HARNESS_DATA + 0x10000;
        cpu_set_rflags(c, FL_ZF | FL_CF);
        const u8 code[] = {0x67, a32[k].rep, a32[k].op};
        rc = run(h, code, sizeof code);
        CHECK(a32[k].name, rc == -1 && c->r[RCX] == 0 && c->r[RSI] == HARNESS_DATA &&
              c->r[RDI] == HARNESS_DATA + 0x10000 && fl(h) == (FL_ZF | FL_CF),
              "rc %d rcx %#llx rsi %#llx fl %#llx", rc, (unsigned long long)c->r[RCX],
              (unsigned long long)c->r[RSI], (unsigned long long)fl(h));
    }
    /* With iterations, the count ends as ECX's zero-extended remainder on both vendors. */
    c->r[RCX] = 0xabcd000000000003ull;
    c->r[RDI] = HARNESS_DATA;
    rc = RUN(h, 0x67, 0xf3, 0xaa);
    CHECK("a32 rep stosb, ecx 3: rcx 0", rc == -1 && c->r[RCX] == 0 && c->r[RDI] == HARNESS_DATA + 3,
          "rcx %#llx", (unsigned long long)c->r[RCX]);
    /* A 64-bit address size counts with all of RCX and leaves it alone at 0. */
    c->r[RCX] = 0;
    rc = RUN(h, 0xf3, 0xa4);
    CHECK("a64 rep movsb, rcx 0: nothing", rc == -1 && c->r[RCX] == 0 && c->r[RSI] == HARNESS_DATA,
          "rcx %#llx", (unsigned long long)c->r[RCX]);

    rc = RUN(h, 0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00); /* lea rax,[rip+10h] */
    CHECK("lea rip-relative", rc == -1 && c->r[RAX] == HARNESS_CODE + 7 + 0x10, "rax %#llx", (unsigned long long)c->r[RAX]);
    rc = RUN(h, 0x8d, 0xc0);
    CHECK("lea with a register operand is #UD", rc == EXC_UD && c->rip == HARNESS_CODE, "rc %d", rc);
    rc = RUN(h, 0x0f, 0xb8, 0xc0);
    CHECK("0F B8 without F3 (JMPE) is #UD", rc == EXC_UD && c->rip == HARNESS_CODE, "rc %d", rc);
    rc = RUN(h, 0x0f, 0x38, 0xf0, 0xc0);
    CHECK("movbe with a register operand is #UD", rc == EXC_UD && c->rip == HARNESS_CODE, "rc %d", rc);
    rc = RUN(h, 0xf0, 0x01, 0xc8);
    CHECK("lock add with a register destination is #UD", rc == EXC_UD, "rc %d", rc);
    c->r[RBX] = HARNESS_DATA;
    rc = RUN(h, 0xf0, 0x48, 0x01, 0x0b); /* lock add [rbx],rcx */
    CHECK("lock add [mem] works", rc == -1, "rc %d", rc);
    c->r[RDI] = HARNESS_DATA + 8;
    c->r[RAX] = 1;
    rc = RUN(h, 0x48, 0x0f, 0xc7, 0x0f); /* cmpxchg16b [rdi] misaligned */
    CHECK("cmpxchg16b misaligned is #GP(0)", rc == EXC_GP && c->exc_error == 0 && c->r[RAX] == 1,
          "rc %d err %d", rc, c->exc_error);
    rc = RUN(h, 0x0f, 0xc7, 0xcf);
    CHECK("cmpxchg8b with a register operand is #UD", rc == EXC_UD, "rc %d", rc);
    rc = RUN(h, 0x27);
    CHECK("daa in 64-bit mode is #UD", rc == EXC_UD, "rc %d", rc);
    c->r[RAX] = 5;
    c->r[RDX] = 0;
    c->r[RCX] = 0;
    rc = RUN(h, 0x48, 0xf7, 0xf1); /* div rcx with rcx = 0 */
    CHECK("div by zero is #DE, nothing written", rc == EXC_DE && c->r[RAX] == 5 && c->rip == HARNESS_CODE,
          "rc %d", rc);
    /* BSF r32 with a zero source: Intel rewrites the old value, clearing the upper half
     * (AMD, the host, keeps it; so this is checked here rather than differentially). */
    c->r[RAX] = 0xffffffff12345678ull;
    c->r[RCX] = 0xabcd00000000ull;
    rc = RUN(h, 0x0f, 0xbc, 0xc1); /* bsf eax,ecx */
    CHECK("bsf r32 zero source: upper half cleared, ZF", rc == -1 && c->r[RAX] == 0x12345678 && (fl(h) & FL_ZF),
          "rax %#llx", (unsigned long long)c->r[RAX]);
    /* BT with a register offset into memory far below the operand. */
    u8 bits = 0x04;
    phys_copy_in(h->m, HARNESS_DATA + 0x100 - 0x80, &bits, 1);
    c->r[RBX] = HARNESS_DATA + 0x100;
    c->r[RCX] = (u64)-(0x80 * 8 - 2); /* bit 2 of the byte 0x80 below */
    rc = RUN(h, 0x48, 0x0f, 0xa3, 0x0b); /* bt [rbx],rcx */
    CHECK("bt [mem], negative register offset", rc == -1 && (fl(h) & FL_CF), "rc %d fl %#llx", rc,
          (unsigned long long)fl(h));
    harness_free(h);
    return check_exit();
}
