/* Differential test of data movement and flag instructions against the host processor:
 * MOV (register, memory, immediate forms, high-byte and REX byte registers), MOVZX,
 * MOVSX, MOVSXD, LEA (with 16-bit operand and 32-bit address sizes), XCHG (incl. 90+r,
 * NOP, PAUSE), CMOVcc, SETcc, CBW/CWDE/CDQE, CWD/CDQ/CQO, XLAT, LAHF, SAHF, CLC, STC,
 * CMC, CLD, STD. All flags are compared: none of these leaves one undefined. */
#include "../diff/diff.h"

#define N 200
#define PTR_RBX (1u << RBX)

static unsigned opc(unsigned base, unsigned size) { return size == 1 ? base : base + 1; }

int main(void)
{
    struct diff *d = diff_new(0x5eed0005);
    struct dform f;
    static const unsigned sizes[4] = {1, 2, 4, 8};

    for (unsigned si = 0; si < 4; si++) {
        unsigned sz = sizes[si];
        const char *sn = diff_sizename[sz];
        diff_begin(&f, FL_ARITH, 0, "mov%s r,r (89)", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0x88, sz)); diff_put(&f, modrm(3, RCX, RDX));
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, 0, "mov%s r,r (8B)", sn);
        diff_size(&f, sz, 0x45); diff_put(&f, opc(0x8a, sz)); diff_put(&f, modrm(3, R11, R12));
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "mov%s m,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0x88, sz)); diff_put(&f, modrm(1, RSI, RBX)); diff_put(&f, 0xf9);
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "mov%s r,m", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0x8a, sz)); diff_put(&f, modrm(2, RSI, RBX)); diff_put32(&f, 0x17);
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, 0, "mov%s r,imm (C6/C7)", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0xc6, sz)); diff_put(&f, modrm(3, 0, RDI));
        if (sz == 1) diff_put(&f, 0x85);
        else if (sz == 2) { diff_put(&f, 0x85); diff_put(&f, 0x96); }
        else diff_put32(&f, 0x80000005);
        diff_form(d, &f, N / 4, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "mov%s m,imm (C6/C7)", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0xc6, sz)); diff_put(&f, modrm(0, 0, RBX));
        if (sz == 1) diff_put(&f, 0x85);
        else if (sz == 2) { diff_put(&f, 0x85); diff_put(&f, 0x96); }
        else diff_put32(&f, 0x80000005);
        diff_form(d, &f, N / 4, false);
        /* XCHG r/m, reg. */
        diff_begin(&f, FL_ARITH, 0, "xchg%s r,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0x86, sz)); diff_put(&f, modrm(3, RCX, RDX));
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "xchg%s m,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, opc(0x86, sz)); diff_put(&f, modrm(1, RCX, RBX)); diff_put(&f, 1);
        diff_form(d, &f, N, false);
        if (sz == 1) continue;
        /* MOVZX/MOVSX from byte and word, register and memory. */
        for (unsigned k = 0; k < 4; k++) {
            static const char *const nm[4] = {"movzx", "movzx", "movsx", "movsx"};
            static const u8 op[4] = {0xb6, 0xb7, 0xbe, 0xbf};
            diff_begin(&f, FL_ARITH, 0, "%s%s r,r%s", nm[k], sn, k & 1 ? "16" : "8");
            diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, op[k]); diff_put(&f, modrm(3, RSI, RCX));
            diff_form(d, &f, N, false);
            diff_begin(&f, FL_ARITH, PTR_RBX, "%s%s r,m%s", nm[k], sn, k & 1 ? "16" : "8");
            diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, op[k]); diff_put(&f, modrm(1, RSI, RBX)); diff_put(&f, 0x7f);
            diff_form(d, &f, N, false);
        }
        if (sz != 8) { /* with REX, r/m 4 is SPL, not AH */
            diff_begin(&f, FL_ARITH, 0, "movzx%s r,ah", sn);
            diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0xb6); diff_put(&f, modrm(3, RDX, 4));
            diff_form(d, &f, N / 4, false);
        }
        /* MOVSXD (63). */
        diff_begin(&f, FL_ARITH, 0, "movsxd%s r,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x63); diff_put(&f, modrm(3, RDX, RCX));
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "movsxd%s r,m", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x63); diff_put(&f, modrm(1, RDX, RBX)); diff_put(&f, 0xfc);
        diff_form(d, &f, N, false);
        /* LEA with SIB and displacement, and with a 32-bit address size. */
        diff_begin(&f, FL_ARITH, 0, "lea%s [rbx+rsi*4-0x80]", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x8d); diff_put(&f, modrm(1, RDX, 4)); diff_put(&f, 0xb3); diff_put(&f, 0x80);
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, 0, "lea%s [ebx+esi*8+disp32] (67)", sn);
        diff_put(&f, 0x67); diff_size(&f, sz, 0); diff_put(&f, 0x8d); diff_put(&f, modrm(2, RDX, 4)); diff_put(&f, 0xf3);
        diff_put32(&f, 0x89abcdef);
        diff_form(d, &f, N, false);
        /* XCHG rAX, r (91, and REX.B 90 = r8). */
        diff_begin(&f, FL_ARITH, 0, "xchg%s rax,rcx (91)", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x91);
        diff_form(d, &f, N / 4, false);
        diff_begin(&f, FL_ARITH, 0, "xchg%s rax,r8 (41 90)", sn);
        diff_size(&f, sz, 1); diff_put(&f, 0x90);
        diff_form(d, &f, N / 4, false);
        diff_begin(&f, FL_ARITH, 0, "nop%s (90)", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x90);
        diff_form(d, &f, N / 4, false);
        /* The multi-byte NOP (0F 1F /0): its memory operand is not accessed. */
        diff_begin(&f, FL_ARITH, 0, "nop%s [rax+rax*1+disp32] (0f 1f)", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0x1f); diff_put(&f, modrm(2, 0, 4));
        diff_put(&f, 0x00); diff_put32(&f, 0);
        diff_form(d, &f, N / 4, false);
        /* CMOVcc and (below) SETcc over all conditions with random flags. */
        for (unsigned cc = 0; cc < 16; cc++) {
            diff_begin(&f, FL_ARITH, 0, "cmov%x%s r,r", cc, sn);
            diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0x40 + cc); diff_put(&f, modrm(3, RDX, RCX));
            diff_form(d, &f, N / 4, false);
            diff_begin(&f, FL_ARITH, PTR_RBX, "cmov%x%s r,m", cc, sn);
            diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0x40 + cc); diff_put(&f, modrm(0, RDX, RBX));
            diff_form(d, &f, N / 4, false);
        }
        /* CBW/CWDE/CDQE and CWD/CDQ/CQO. */
        diff_begin(&f, FL_ARITH, 0, "cbw%s (98)", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x98);
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, 0, "cwd%s (99)", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x99);
        diff_form(d, &f, N, false);
    }
    for (unsigned cc = 0; cc < 16; cc++) {
        diff_begin(&f, FL_ARITH, 0, "set%x r8", cc);
        diff_put(&f, 0x0f); diff_put(&f, 0x90 + cc); diff_put(&f, modrm(3, 0, 5)); /* ch */
        diff_form(d, &f, N / 4, false);
        diff_begin(&f, FL_ARITH, 0, "set%x bpl (REX)", cc);
        diff_put(&f, 0x40); diff_put(&f, 0x0f); diff_put(&f, 0x90 + cc); diff_put(&f, modrm(3, 0, 5));
        diff_form(d, &f, N / 4, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "set%x m8", cc);
        diff_put(&f, 0x0f); diff_put(&f, 0x90 + cc); diff_put(&f, modrm(1, 0, RBX)); diff_put(&f, 9);
        diff_form(d, &f, N / 4, false);
    }
    /* MOV r, imm: B4 (ah), REX B0 (r8b), B8 (imm32), 66 B8, REX.W B8 (imm64). */
    diff_begin(&f, FL_ARITH, 0, "mov ah,imm8 (B4)");
    diff_put(&f, 0xb4); diff_put(&f, 0x9c);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, 0, "mov r8b,imm8 (41 B0)");
    diff_put(&f, 0x41); diff_put(&f, 0xb0); diff_put(&f, 0x9c);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, 0, "mov sil,imm8 (40 B6)");
    diff_put(&f, 0x40); diff_put(&f, 0xb6); diff_put(&f, 0x9c);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, 0, "mov di,imm16");
    diff_put(&f, 0x66); diff_put(&f, 0xbf); diff_put(&f, 0x34); diff_put(&f, 0x92);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, 0, "mov edi,imm32");
    diff_put(&f, 0xbf); diff_put32(&f, 0x92345678);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, 0, "mov r14,imm64");
    diff_put(&f, 0x49); diff_put(&f, 0xbe); diff_put32(&f, 0x92345678); diff_put32(&f, 0xdeadbeef);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, 0, "pause (F3 90)");
    diff_put(&f, 0xf3); diff_put(&f, 0x90);
    diff_form(d, &f, N / 4, false);
    diff_begin(&f, FL_ARITH, PTR_RBX, "xlat");
    diff_put(&f, 0xd7);
    diff_form(d, &f, N, false);
    /* Flag instructions; DF random too. */
    static const struct { const char *n; u8 op; } fo[] = {
        {"lahf", 0x9f}, {"sahf", 0x9e}, {"clc", 0xf8}, {"stc", 0xf9}, {"cmc", 0xf5}, {"cld", 0xfc}, {"std", 0xfd},
    };
    for (unsigned k = 0; k < ARRAY_LEN(fo); k++) {
        diff_begin(&f, FL_ARITH, 0, "%s", fo[k].n);
        diff_put(&f, fo[k].op);
        diff_form(d, &f, N, true);
    }

    printf("# %d forms, %d cases\n", d->forms, d->cases);
    diff_free(d);
    return check_exit();
}
