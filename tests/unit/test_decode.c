/* Decoder: lengths, operand/address sizes, ModRM/SIB parts, immediates and invalid
 * encodings, in 16-, 32- and 64-bit code (SDM Vol. 2 chapter 2). Expected values are
 * from the SDM's encoding tables, worked out by hand for each case. */
#include "check.h"
#include "cpu/insn.h"

struct buf {
    const u8 *bytes;
    size_t n;
};

static u8 fetch_buf(struct cpu *c, void *ctx, unsigned k)
{
    (void)c;
    struct buf *b = ctx;
    return k < b->n ? b->bytes[k] : 0x90;
}

static struct insn dec(unsigned mode, const u8 *bytes, size_t n)
{
    struct buf b = {bytes, n};
    struct insn i;
    decode_insn(NULL, mode, fetch_buf, &b, &i);
    return i;
}

#define D(mode, ...)                                                                     \
    ({                                                                                   \
        static const u8 bytes_[] = {__VA_ARGS__};                                        \
        dec(mode, bytes_, sizeof bytes_);                                                \
    })

int main(void)
{
    struct insn i;

    /* 64-bit mode. */
    i = D(8, 0x48, 0x89, 0xd8); /* mov rax, rbx */
    CHECK("decode64 mov rax,rbx", i.len == 3 && i.opsz == 8 && i.mod == 3 && i.reg == RBX && i.rm == RAX,
          "len %u opsz %u mod %u reg %u rm %u", i.len, i.opsz, i.mod, i.reg, i.rm);
    i = D(8, 0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00); /* mov rax, [rip+0x10] */
    CHECK("decode64 rip-relative", i.len == 7 && i.rip_rel && i.disp == 0x10 && i.base == NO_REG,
          "len %u rip_rel %d disp %lld", i.len, i.rip_rel, (long long)i.disp);
    i = D(8, 0x8b, 0x44, 0x24, 0x08); /* mov eax, [rsp+8] */
    CHECK("decode64 [rsp+8] uses SS", i.len == 4 && i.base == RSP && i.index == NO_REG && i.seg == SEG_SS &&
          i.disp == 8 && i.opsz == 4, "len %u base %u index %u seg %u", i.len, i.base, i.index, i.seg);
    i = D(8, 0x4c, 0x8b, 0x6c, 0x8d, 0x10); /* mov r13, [rbp+rcx*4+0x10] */
    CHECK("decode64 SIB with REX.R", i.len == 5 && i.reg == R13 && i.base == RBP && i.index == RCX &&
          i.scale == 2 && i.disp == 0x10, "len %u reg %u base %u index %u scale %u", i.len, i.reg, i.base,
          i.index, i.scale);
    i = D(8, 0x42, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00); /* mov eax, [r12*1+0x1000] */
    CHECK("decode64 REX.X makes index 12 valid", i.len == 8 && i.index == R12 && i.base == NO_REG &&
          i.disp == 0x1000, "len %u index %u base %u", i.len, i.index, i.base);
    i = D(8, 0x66, 0xb8, 0x34, 0x12); /* mov ax, 0x1234 */
    CHECK("decode64 66 mov ax,imm16", i.len == 4 && i.opsz == 2 && i.imm == 0x1234, "len %u imm %llx", i.len,
          (unsigned long long)i.imm);
    i = D(8, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8); /* mov rax, imm64 */
    CHECK("decode64 mov rax,imm64", i.len == 10 && i.imm == 0x0807060504030201ull, "len %u", i.len);
    i = D(8, 0x66, 0xe8, 0, 0, 0, 0); /* call rel32: Intel ignores 66 in 64-bit mode */
    CHECK("decode64 66 call keeps rel32", i.len == 6 && i.opsz == 8, "len %u opsz %u", i.len, i.opsz);
    i = D(8, 0x50); /* push rax */
    CHECK("decode64 push defaults to 64", i.opsz == 8 && i.reg == RAX, "opsz %u", i.opsz);
    i = D(8, 0x41, 0x5f); /* pop r15 */
    CHECK("decode64 pop r15 (REX.B on +r)", i.opsz == 8 && i.reg == R15 && i.len == 2, "reg %u", i.reg);
    i = D(8, 0xf0, 0x00, 0xc0); /* lock add al, al: register destination */
    CHECK("decode64 LOCK with register operand is #UD", i.fn == op_ud, "fn not op_ud");
    i = D(8, 0xf0, 0x88, 0x00); /* lock mov [rax], al */
    CHECK("decode64 LOCK on MOV is #UD", i.fn == op_ud, "fn not op_ud");
    i = D(8, 0xf0, 0x01, 0x00); /* lock add [rax], eax */
    CHECK("decode64 LOCK on ADD m,r is allowed", i.fn != op_ud || optable_lookup(0, 1, 0, true)->fn == op_ud,
          "fn is op_ud");
    i = D(8, 0x0f, 0x20, 0xc0); /* mov rax, cr0 */
    CHECK("decode64 MOV CR ignores mod", i.len == 3 && i.mod == 3 && i.rm == RAX && i.reg == 0, "len %u mod %u",
          i.len, i.mod);
    i = D(8, 0x0f, 0x22, 0x00); /* mov cr0, rax encoded with mod=00: still a register */
    CHECK("decode64 MOV CR mod=00 is a register", i.len == 3 && i.mod == 3, "len %u mod %u", i.len, i.mod);
    i = D(8, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90);
    CHECK("decode64 15-byte nop is fine", i.len == 15 && i.fn != op_ud, "len %u", i.len);
    i = D(8, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90);
    CHECK("decode64 16 bytes is too long", i.len == 15 && i.fn != op_ud && i.fn != optable_lookup(0, 0x90, 0, true)->fn,
          "len %u", i.len);
    i = D(8, 0xc4, 0xe1, 0x79, 0x0d, 0xc0); /* VEX 0F 0D: no such form */
    CHECK("decode64 VEX is #UD", i.fn == op_ud, "fn not op_ud");
    i = D(8, 0x06); /* push es */
    CHECK("decode64 push es is #UD", i.fn == op_ud, "fn not op_ud");
    i = D(8, 0x0f, 0x38, 0xf0, 0x06); /* movbe eax, [rsi] */
    CHECK("decode64 0F38 map", i.len == 4 && i.map == MAP_0F38 && i.op == 0xf0 && i.base == RSI, "len %u map %u",
          i.len, i.map);
    i = D(8, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08); /* palignr xmm0, xmm1, 8 */
    CHECK("decode64 0F3A map with imm8", i.len == 6 && i.map == MAP_0F3A && i.imm == 8 && i.p66, "len %u imm %llu",
          i.len, (unsigned long long)i.imm);
    i = D(8, 0xf6, 0xc0, 0x01); /* test al, 1 */
    CHECK("decode64 F6 /0 has imm8", i.len == 3 && i.imm == 1 && i.opsz == 1, "len %u", i.len);
    i = D(8, 0xf7, 0xc0, 0xff, 0xff, 0xff, 0xff); /* test eax, -1 */
    CHECK("decode64 F7 /0 has imm32", i.len == 6 && i.imm == ~0ull, "len %u imm %llx", i.len,
          (unsigned long long)i.imm);
    i = D(8, 0xf6, 0xd0); /* not al */
    CHECK("decode64 F6 /2 has no immediate", i.len == 2, "len %u", i.len);
    i = D(8, 0xc8, 0x10, 0x00, 0x01); /* enter 16, 1 */
    CHECK("decode64 enter imm16,imm8", i.len == 4 && i.imm == 16 && i.imm2 == 1, "len %u", i.len);
    i = D(8, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8); /* mov eax, [moffs64] */
    CHECK("decode64 moffs is 8 bytes", i.len == 9 && i.disp == 0x0807060504030201ll && i.mod == 0, "len %u",
          i.len);
    i = D(8, 0x40, 0x88, 0xe0); /* mov al, spl (REX) */
    CHECK("decode64 REX selects SPL", i.rex == 0x40 && i.reg == 4 && i.rm == 0, "rex %x", i.rex);
    i = D(8, 0x48, 0x66, 0x89, 0xd8); /* REX before a legacy prefix is ignored */
    CHECK("decode64 REX not last is ignored", i.rex == 0 && i.opsz == 2, "rex %x opsz %u", i.rex, i.opsz);
    i = D(8, 0x83, 0xc0, 0xff); /* add eax, -1 */
    CHECK("decode64 83 sign-extends imm8", i.imm == ~0ull && i.len == 3, "imm %llx", (unsigned long long)i.imm);
    i = D(8, 0x67, 0x8b, 0x00); /* mov eax, [eax] */
    CHECK("decode64 67 gives 32-bit addressing", i.adsz == 4 && i.len == 3, "adsz %u", i.adsz);

    /* 32-bit mode. */
    i = D(4, 0x67, 0x8b, 0x07); /* mov eax, [bx] */
    CHECK("decode32 67 gives 16-bit addressing", i.len == 3 && i.adsz == 2 && i.base == RBX && i.index == NO_REG,
          "len %u adsz %u base %u", i.len, i.adsz, i.base);
    i = D(4, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00); /* mov eax, [0x1000]: not RIP-relative */
    CHECK("decode32 disp32 is absolute", i.len == 6 && !i.rip_rel && i.base == NO_REG && i.disp == 0x1000,
          "len %u rip_rel %d", i.len, i.rip_rel);
    i = D(4, 0xea, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00); /* jmp 0x08:0x12345678 */
    CHECK("decode32 far pointer 16:32", i.len == 7 && i.imm == 0x12345678 && i.imm2 == 8, "len %u", i.len);
    i = D(4, 0x66, 0xea, 0x34, 0x12, 0x08, 0x00); /* jmp 0x08:0x1234 */
    CHECK("decode32 far pointer 16:16", i.len == 6 && i.imm == 0x1234 && i.imm2 == 8, "len %u", i.len);
    i = D(4, 0x40); /* inc eax, not REX */
    CHECK("decode32 0x40 is an opcode", i.len == 1 && i.op == 0x40 && i.rex == 0, "len %u", i.len);
    i = D(4, 0xc4, 0x06); /* les eax, [esi] */
    CHECK("decode32 LES with memory operand", i.len == 2 && i.fn != op_ud, "len %u", i.len);
    i = D(4, 0xc5, 0xc0); /* VEX form of C5 in 32-bit mode */
    CHECK("decode32 C5 with mod=3 is VEX (#UD)", i.fn == op_ud, "fn");
    i = D(4, 0x8b, 0x04, 0x65, 0x00, 0x00, 0x00, 0x00); /* [none + none*2 + disp32]: index 4 = none */
    CHECK("decode32 SIB index 100 means none", i.index == NO_REG && i.base == NO_REG && i.len == 7, "len %u", i.len);

    /* 16-bit mode. */
    i = D(2, 0x8b, 0x46, 0x02); /* mov ax, [bp+2] */
    CHECK("decode16 [bp+2] uses SS", i.len == 3 && i.base == RBP && i.seg == SEG_SS && i.opsz == 2 && i.disp == 2,
          "len %u base %u seg %u", i.len, i.base, i.seg);
    i = D(2, 0x8b, 0x06, 0x34, 0x12); /* mov ax, [0x1234] */
    CHECK("decode16 direct address", i.len == 4 && i.base == NO_REG && i.disp == 0x1234 && i.seg == SEG_DS,
          "len %u", i.len);
    i = D(2, 0x8b, 0x00); /* mov ax, [bx+si] */
    CHECK("decode16 [bx+si]", i.base == RBX && i.index == RSI && i.len == 2, "base %u index %u", i.base, i.index);
    i = D(2, 0x66, 0xb8, 1, 2, 3, 4); /* mov eax, imm32 */
    CHECK("decode16 66 gives 32-bit operand", i.len == 6 && i.opsz == 4 && i.imm == 0x04030201, "len %u", i.len);
    i = D(2, 0x3e, 0x8b, 0x46, 0x00); /* mov ax, ds:[bp] */
    CHECK("decode16 override beats SS default", i.seg == SEG_DS && i.seg_override, "seg %u", i.seg);
    i = D(2, 0xf3, 0xa4); /* rep movsb */
    CHECK("decode16 rep prefix", i.rep == 0xf3 && i.len == 2 && i.opsz == 1, "rep %x", i.rep);

    return check_exit();
}
