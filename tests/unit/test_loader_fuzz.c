/* Robustness of the multiboot loader: thousands of randomly damaged ELF32, ELF64 and
 * a.out-kludge images (fixed seed, so failures reproduce). Each must load or fail with
 * one line; nothing may crash or write outside RAM (run under MODE=asan to see). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fuzz.h"
#include "machine/loader.h"
#include "machine/machine.h"
#include "machine/multiboot.h"


static void put32(u8 *b, size_t off, u32 v) { store_le(b + off, 4, v); }

/* A valid image of each kind to start from. */
static size_t base_image(int kind, u8 *b)
{
    memset(b, 0, 0x3000);
    if (kind == 0) { /* a.out kludge at offset 0 */
        put32(b, 0, MB_HEADER_MAGIC);
        put32(b, 4, MBH_F_AOUT_KLUDGE);
        put32(b, 8, 0u - MB_HEADER_MAGIC - MBH_F_AOUT_KLUDGE);
        put32(b, 12, 0x100000);
        put32(b, 16, 0x100000);
        put32(b, 20, 0x101000);
        put32(b, 24, 0x104000);
        put32(b, 28, 0x100020);
        return 0x2000;
    }
    bool is64 = kind == 2;
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = is64 ? 2 : 1;
    b[5] = 1;
    store_le(b + 16, 2, 2);
    store_le(b + 18, 2, is64 ? 62 : 3);
    if (is64) {
        store_le(b + 24, 8, 0x100000);
        store_le(b + 32, 8, 64);
        store_le(b + 54, 2, 56);
        store_le(b + 56, 2, 2);
        for (int n = 0; n < 2; n++) {
            u8 *ph = b + 64 + 56 * n;
            put32(ph, 0, 1);
            store_le(ph + 8, 8, 0x1000 + 0x800 * n);
            store_le(ph + 16, 8, 0x100000 + 0x1000 * n);
            store_le(ph + 24, 8, 0x100000 + 0x1000 * n);
            store_le(ph + 32, 8, 0x800);
            store_le(ph + 40, 8, 0x1000);
        }
    } else {
        put32(b, 24, 0x100000);
        put32(b, 28, 52);
        store_le(b + 42, 2, 32);
        store_le(b + 44, 2, 2);
        for (int n = 0; n < 2; n++) {
            u8 *ph = b + 52 + 32 * n;
            put32(ph, 0, 1);
            put32(ph, 4, 0x1000 + 0x800 * n);
            put32(ph, 8, 0x100000 + 0x1000 * n);
            put32(ph, 12, 0x100000 + 0x1000 * n);
            put32(ph, 16, 0x800);
            put32(ph, 20, 0x1000);
        }
    }
    put32(b, 0x200, MB_HEADER_MAGIC);
    put32(b, 0x204, 0);
    put32(b, 0x208, 0u - MB_HEADER_MAGIC);
    return 0x2000;
}

int main(void)
{
    struct machine_config cfg = { .ram_size = 4 << 20, .ncpus = 1 };
    char err[512];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        printf("FAIL setup: %s\n", err);
        return 1;
    }
    static u8 img[0x3000];
    int loaded[3] = { 0 }, failed[3] = { 0 }, bad_msg = 0;
    for (int iter = 0; iter < 30000; iter++) {
        int kind = iter % 3;
        size_t len = base_image(kind, img);
        /* Damage: overwrite a few words in the headers with interesting values, and
         * sometimes cut the file short. */
        int hits = 1 + (int)(next() % 4);
        for (int h = 0; h < hits; h++) {
            size_t off = (next() % 0x220) & ~(size_t)(next() % 2 ? 3 : 0);
            static const u32 vals[] = { 0, 1, 0xffffffffu, 0x80000000u, 0x100000, 0x1000, 0xfff,
                                        0x400000, 0x3fffff, 0xa0000, 52, 56, 64 };
            u32 v = next() % 3 ? vals[next() % ARRAY_LEN(vals)] : next();
            put32(img, off, v);
        }
        /* Keep the a.out checksum valid half the time so the address fields get tested. */
        if (kind == 0 && next() % 2) put32(img, 8, 0u - load_le(img, 4) - load_le(img + 4, 4));
        if (next() % 4 == 0) len = next() % len;
        err[0] = 0;
        int rc = multiboot_load_image(m, "fuzz", img, len, "a", NULL, err, sizeof err);
        if (rc == 0) loaded[kind]++;
        else {
            failed[kind]++;
            fuzz_check_message(err, iter, &bad_msg);
        }
    }
    CHECK("fuzz: every failure has a one-line message", bad_msg == 0, "%d bad", bad_msg);
    CHECK("fuzz: a.out images both load and fail", loaded[0] && failed[0], "%d/%d", loaded[0], failed[0]);
    CHECK("fuzz: ELF32 images both load and fail", loaded[1] && failed[1], "%d/%d", loaded[1], failed[1]);
    CHECK("fuzz: ELF64 images both load and fail", loaded[2] && failed[2], "%d/%d", loaded[2], failed[2]);
    machine_destroy(m);
    return check_exit();
}
