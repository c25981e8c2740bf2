/* Robustness of the Linux bzImage loader: thousands of randomly damaged setup headers
 * (fixed seed, so failures reproduce), some cut short, some with an initrd. Each must load
 * or fail with one line; nothing may crash or write outside RAM (run under MODE=asan to
 * see), and a load that succeeds must leave boot_params consistent with the machine. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fuzz.h"
#include "cpu/cpu.h"
#include "machine/linux_boot.h"
#include "machine/loader.h"
#include "machine/machine.h"

#define RAM (20u << 20) /* the base kernel needs up to 17 MiB */
#define BP 0x10000u /* where linux_boot.c puts boot_params */


/* A valid protocol 2.15 bzImage: 4 setup sectors and 2 KiB of protected-mode code. */
static size_t base_image(u8 *b)
{
    memset(b, 0, 0x1000);
    b[LH_SETUP_SECTS] = 4;
    store_le(b + LH_SYSSIZE, 4, 0x800 / 16);
    store_le(b + LH_BOOT_FLAG, 2, LH_BOOT_FLAG_MAGIC);
    b[LH_JUMP] = 0xeb;
    b[LH_JUMP + 1] = 0x268 - (LH_JUMP + 2);
    store_le(b + LH_HEADER, 4, LH_MAGIC);
    store_le(b + LH_VERSION, 2, 0x020f);
    b[LH_LOADFLAGS] = LF_LOADED_HIGH;
    store_le(b + LH_INITRD_ADDR_MAX, 4, 0x7fffffff);
    store_le(b + LH_KERNEL_ALIGNMENT, 4, 0x200000);
    b[LH_RELOCATABLE] = 1;
    store_le(b + LH_CMDLINE_SIZE, 4, 2047);
    store_le(b + LH_PREF_ADDRESS, 8, 0x1000000);
    store_le(b + LH_INIT_SIZE, 4, 0x100000);
    return 0xa00 + 0x800;
}

int main(void)
{
    struct machine_config cfg = { .ram_size = RAM, .ncpus = 2 };
    char err[512];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        printf("FAIL setup: %s\n", err);
        return 1;
    }
    /* An initrd file: 256 KiB fits above the base kernel; 4 MiB does not. */
    char small[] = "/tmp/vp-lfuzz-XXXXXX", big[] = "/tmp/vp-lfuzz-XXXXXX";
    int fs = mkstemp(small), fb = mkstemp(big);
    static u8 zeros[4u << 20];
    if (fs < 0 || fb < 0 || write(fs, zeros, 256u << 10) != 256 << 10 ||
        write(fb, zeros, sizeof zeros) != (ssize_t)sizeof zeros) {
        printf("FAIL setup: initrd files\n");
        return 1;
    }
    close(fs);
    close(fb);

    static u8 img[0x1200];
    fuzz_seed(0x2545f4914f6cdd1dull); /* the sequence this test was written with */
    int loaded = 0, failed = 0, bad_msg = 0, bad_state = 0, with_initrd = 0;
    static const u32 vals[] = { 0, 1, 0xff, 0xffff, 0xffffffffu, 0x80000000u, 0x100000, 0x1000000,
                                0x7fffffff, 0x205, 0x206, 0x20a, 0x2ff, 0x20, 0x68, 0xaa55 };
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = base_image(img);
        int hits = 1 + (int)(next() % 3);
        for (int h = 0; h < hits; h++) {
            size_t off = LH_SETUP_SECTS + next() % (LH_INIT_SIZE + 4 - LH_SETUP_SECTS);
            u32 v = next() % 3 ? vals[next() % ARRAY_LEN(vals)] : next();
            unsigned n = 1u << (next() % 3); /* 1, 2 or 4 bytes */
            store_le(img + off, n, v);
        }
        if (next() % 5 == 0) len = next() % len;
        const char *initrd = NULL;
        u32 pick = next() % 64;
        if (pick < 6) initrd = small;
        if (pick == 6) initrd = big; /* reading 4 MiB is the slow part: rarely */
        char cmd[64] = "console=ttyS0";
        if (next() % 16 == 0) memset(cmd, 'x', sizeof cmd - 1); /* 63 bytes */
        err[0] = 0;
        int rc = linux_load_image(m, "fuzz", img, len, cmd, initrd, err, sizeof err);
        if (rc != 0) {
            failed++;
            fuzz_check_message(err, iter, &bad_msg);
            continue;
        }
        loaded++;
        /* What a successful load promised: the initrd inside RAM, the command line where
         * cmd_line_ptr says, ESI at boot_params. */
        u8 bp[BP_SIZE];
        phys_copy_out(m, BP, bp, sizeof bp);
        u64 ri = load_le(bp + LH_RAMDISK_IMAGE, 4), rs = load_le(bp + LH_RAMDISK_SIZE, 4);
        u64 cl = load_le(bp + LH_CMD_LINE_PTR, 4);
        char back[64] = "";
        phys_copy_out(m, cl, back, strlen(cmd) + 1);
        bool ok = m->cpus[0]->r[RSI] == BP && strcmp(back, cmd) == 0 &&
                  (!initrd || (rs > 0 && ri + rs <= RAM && (ri & 0xfff) == 0));
        if (initrd) with_initrd++;
        if (!ok) {
            if (!bad_state) printf("FAIL fuzz state at iteration %d: initrd 0x%llx+0x%llx\n", iter,
                                   (unsigned long long)ri, (unsigned long long)rs);
            bad_state++;
        }
    }
    printf("info: %d loaded (%d with an initrd), %d refused\n", loaded, with_initrd, failed);
    unlink(small);
    unlink(big);
    CHECK("linux fuzz: every failure has a one-line message", bad_msg == 0, "%d bad", bad_msg);
    CHECK("linux fuzz: every load leaves consistent boot_params", bad_state == 0, "%d bad", bad_state);
    CHECK("linux fuzz: images both load and fail", loaded > 100 && failed > 100, "%d/%d", loaded, failed);
    CHECK("linux fuzz: some loads carry an initrd", with_initrd > 10, "%d", with_initrd);
    machine_destroy(m);
    return check_exit();
}
