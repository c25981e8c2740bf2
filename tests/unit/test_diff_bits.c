/* Differential test of bit instructions against the host processor: BT BTS BTR BTC with
 * register offsets (reaching memory outside the addressed operand, both directions) and
 * immediate offsets, BSF BSR TZCNT LZCNT POPCNT, BSWAP, MOVBE and CRC32. Undefined
 * results are masked: OF SF AF PF after BT* and BSF/BSR/TZCNT/LZCNT, CF after BSF/BSR,
 * and BSF/BSR's destination for a zero source (SDM Vol. 2 BT, BSF, BSR, TZCNT, LZCNT). */
#include "../diff/diff.h"

#define N 300
#define PTR_RBX (1u << RBX)

/* Offsets within +-2900 bits, so the access stays inside the data buffer. */
static void prep_bt_offset(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    s64 off = (s64)(s->r[R8] % 5800) - 2900;
    if (f->arg == 2) off = (s16)off;
    s->r[RCX] = (u64)off;
}

/* BSF/BSR/TZCNT/LZCNT/POPCNT source in RCX or memory: zero an eighth of the time. For
 * BSF/BSR (arg bit 0) the destination is then undefined: AMD keeps it whole, Intel
 * clears the upper half of a 32-bit one, so it is not compared. */
static void prep_scan(const struct dform *f, struct dstate *s, u64 *fl, u16 *ign)
{
    u64 m = size_mask(f->arg >> 4), v;
    if ((s->r[R8] & 7) == 0) {
        s->r[RCX] &= ~m;
        memset(s->mem + DIFF_MEM / 2, 0, f->arg >> 4);
    }
    memcpy(&v, s->mem + DIFF_MEM / 2, 8);
    if ((f->arg & 1) && (!(s->r[RCX] & m) || !(v & m))) *ign |= 1u << RDX;
}

int main(void)
{
    struct diff *d = diff_new(0x5eed0004);
    struct dform f;
    static const unsigned sizes[3] = {2, 4, 8};
    static const char *const bt_name[4] = {"bt", "bts", "btr", "btc"};

    for (unsigned si = 0; si < 3; si++) {
        unsigned sz = sizes[si];
        const char *sn = diff_sizename[sz];
        for (unsigned k = 0; k < 4; k++) {
            u64 fl = FL_CF | FL_ZF;
            unsigned op = 0xa3 + 8 * k;
            diff_begin(&f, fl, 0, "%s%s r,r", bt_name[k], sn);
            diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, op); diff_put(&f, modrm(3, RCX, RDX));
            diff_form(d, &f, N, false);
            diff_begin(&f, fl, PTR_RBX, "%s%s m,r (bit string)", bt_name[k], sn);
            diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, op); diff_put(&f, modrm(0, RCX, RBX));
            f.prep = prep_bt_offset; f.arg = sz;
            diff_form(d, &f, N, false);
            static const u8 imm[] = {0, 5, 15, 16, 31, 33, 63, 200};
            for (unsigned j = 0; j < ARRAY_LEN(imm); j++) {
                diff_begin(&f, fl, 0, "%s%s r,%u", bt_name[k], sn, imm[j]);
                diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0xba); diff_put(&f, modrm(3, 4 + k, RDX));
                diff_put(&f, imm[j]);
                diff_form(d, &f, N / 8, false);
                diff_begin(&f, fl, PTR_RBX, "%s%s m,%u", bt_name[k], sn, imm[j]);
                diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0xba); diff_put(&f, modrm(0, 4 + k, RBX));
                diff_put(&f, imm[j]);
                diff_form(d, &f, N / 8, false);
            }
        }
        /* Scans and counts, register and memory sources. */
        static const struct { const char *n; u8 rep, op; u64 fl; int arg; } sc[] = {
            {"bsf", 0, 0xbc, FL_ZF, 1}, {"bsr", 0, 0xbd, FL_ZF, 1},
            {"tzcnt", 0xf3, 0xbc, FL_CF | FL_ZF, 0}, {"lzcnt", 0xf3, 0xbd, FL_CF | FL_ZF, 0},
            {"popcnt", 0xf3, 0xb8, FL_ARITH, 0},
        };
        for (unsigned k = 0; k < ARRAY_LEN(sc); k++) {
            for (unsigned mem = 0; mem < 2; mem++) {
                diff_begin(&f, sc[k].fl, mem ? PTR_RBX : 0, "%s%s r,%s", sc[k].n, sn, mem ? "m" : "r");
                if (sz == 2) diff_put(&f, 0x66);
                if (sc[k].rep) diff_put(&f, sc[k].rep);
                if (sz == 8) diff_put(&f, 0x48);
                diff_put(&f, 0x0f); diff_put(&f, sc[k].op); diff_put(&f, modrm(mem ? 0 : 3, RDX, mem ? RBX : RCX));
                f.prep = prep_scan; f.arg = sc[k].arg | sz << 4;
                diff_form(d, &f, N, false);
            }
        }
        /* MOVBE r, m and m, r. */
        diff_begin(&f, FL_ARITH, PTR_RBX, "movbe%s r,m", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0x38); diff_put(&f, 0xf0); diff_put(&f, modrm(1, RDX, RBX)); diff_put(&f, 3);
        diff_form(d, &f, N, false);
        diff_begin(&f, FL_ARITH, PTR_RBX, "movbe%s m,r", sn);
        diff_size(&f, sz, 0); diff_put(&f, 0x0f); diff_put(&f, 0x38); diff_put(&f, 0xf1); diff_put(&f, modrm(1, RDX, RBX)); diff_put(&f, 5);
        diff_form(d, &f, N, false);
        /* CRC32 r32, r/m (F2 0F38 F1) at this source size. */
        diff_begin(&f, FL_ARITH, 0, "crc32 r,r%s", sn);
        if (sz == 2) diff_put(&f, 0x66);
        diff_put(&f, 0xf2);
        if (sz == 8) diff_put(&f, 0x48);
        diff_put(&f, 0x0f); diff_put(&f, 0x38); diff_put(&f, 0xf1); diff_put(&f, modrm(3, RDX, RCX));
        diff_form(d, &f, N, false);
    }
    /* CRC32 with a byte source (F2 0F38 F0), register and memory, 32- and 64-bit. */
    diff_begin(&f, FL_ARITH, 0, "crc32 r32,r8");
    diff_put(&f, 0xf2); diff_put(&f, 0x0f); diff_put(&f, 0x38); diff_put(&f, 0xf0); diff_put(&f, modrm(3, RDX, RCX));
    diff_form(d, &f, N, false);
    diff_begin(&f, FL_ARITH, PTR_RBX, "crc32 r64,m8");
    diff_put(&f, 0xf2); diff_put(&f, 0x48); diff_put(&f, 0x0f); diff_put(&f, 0x38); diff_put(&f, 0xf0); diff_put(&f, modrm(0, RDX, RBX));
    diff_form(d, &f, N, false);
    /* BSWAP r32, r64, and with REX.B. */
    diff_begin(&f, FL_ARITH, 0, "bswap32 eax");
    diff_put(&f, 0x0f); diff_put(&f, 0xc8);
    diff_form(d, &f, N, false);
    diff_begin(&f, FL_ARITH, 0, "bswap64 rsi");
    diff_put(&f, 0x48); diff_put(&f, 0x0f); diff_put(&f, 0xce);
    diff_form(d, &f, N, false);
    diff_begin(&f, FL_ARITH, 0, "bswap64 r9");
    diff_put(&f, 0x49); diff_put(&f, 0x0f); diff_put(&f, 0xc9);
    diff_form(d, &f, N, false);

    printf("# %d forms, %d cases\n", d->forms, d->cases);
    diff_free(d);
    return check_exit();
}
