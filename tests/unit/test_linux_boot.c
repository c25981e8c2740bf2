/* Linux bzImage loader (src/machine/linux_boot.c): synthetic bzImages are written to a
 * temporary directory, loaded with vp_load_kernel and checked in guest memory, in the
 * registers, and by running a few instructions that read boot_params the way the kernel
 * does. Damaged headers, an initrd that does not fit and unreadable files must each give
 * one line naming the problem. -kernel still loads multiboot images. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tmpfiles.h"
#include "machine/linux_boot.h"
#include "machine/multiboot.h"
#include "vanderpool.h"

#define SETUP_SECTS 4
#define PM_OFF ((SETUP_SECTS + 1) * 512)
/* The protected-mode "kernel": mov al,[esi+type_of_loader]; out 0xf4,al (isa-debug-exit),
 * then hlt. The run's exit status proves ESI, DS and the boot_params contents. */
static const unsigned char pm_code[] = { 0x8a, 0x86, 0x10, 0x02, 0x00, 0x00, 0xe6, 0xf4, 0xf4 };
/* Another "kernel": the MTRRs it finds, stored at 0x5000 (MTRRdefType, PhysBase0 and
 * PhysMask0 as 64-bit values, the 64K and A0000 fixed ranges' low halves), then exit. */
#define MTRR_OUT 0x5000
static const unsigned char mtrr_code[] = {
    0xb9, 0xff, 0x02, 0x00, 0x00, 0x0f, 0x32, 0xa3, 0x00, 0x50, 0x00, 0x00, /* 2ff -> 5000 */
    0xb9, 0x00, 0x02, 0x00, 0x00, 0x0f, 0x32, 0xa3, 0x08, 0x50, 0x00, 0x00, /* 200 -> 5008 */
    0x89, 0x15, 0x0c, 0x50, 0x00, 0x00,
    0xb9, 0x01, 0x02, 0x00, 0x00, 0x0f, 0x32, 0xa3, 0x10, 0x50, 0x00, 0x00, /* 201 -> 5010 */
    0x89, 0x15, 0x14, 0x50, 0x00, 0x00,
    0xb9, 0x50, 0x02, 0x00, 0x00, 0x0f, 0x32, 0xa3, 0x18, 0x50, 0x00, 0x00, /* 250 -> 5018 */
    0xb9, 0x59, 0x02, 0x00, 0x00, 0x0f, 0x32, 0xa3, 0x1c, 0x50, 0x00, 0x00, /* 259 -> 501c */
    0xb0, 0x00, 0xe6, 0xf4, 0xf4,
};

struct img {
    unsigned char b[8192];
    size_t len;
};

static void put(struct img *im, size_t off, uint64_t v, unsigned size)
{
    for (unsigned k = 0; k < size; k++) im->b[off + k] = (unsigned char)(v >> (8 * k));
    if (off + size > im->len) im->len = off + size;
}

/* A protocol 2.15 bzImage: 4 setup sectors, then pm_code and padding to 1 KiB. */
static void bzimage(struct img *im, uint32_t init_size)
{
    memset(im, 0, sizeof *im);
    put(im, LH_SETUP_SECTS, SETUP_SECTS, 1);
    put(im, LH_SYSSIZE, 1024 / 16, 4);
    put(im, LH_BOOT_FLAG, LH_BOOT_FLAG_MAGIC, 2);
    put(im, LH_JUMP, 0xeb, 1);
    put(im, LH_JUMP + 1, 0x268 - (LH_JUMP + 2), 1); /* header up to 0x268, as 2.15 has */
    put(im, LH_HEADER, LH_MAGIC, 4);
    put(im, LH_VERSION, 0x020f, 2);
    put(im, LH_LOADFLAGS, LF_LOADED_HIGH, 1);
    put(im, LH_CODE32_START, 0x100000, 4);
    put(im, LH_INITRD_ADDR_MAX, 0x7fffffff, 4);
    put(im, LH_KERNEL_ALIGNMENT, 0x200000, 4);
    put(im, LH_RELOCATABLE, 1, 1);
    put(im, LH_CMDLINE_SIZE, 2047, 4);
    put(im, LH_PREF_ADDRESS, 0x1000000, 8);
    put(im, LH_INIT_SIZE, init_size, 4);
    memcpy(im->b + PM_OFF, pm_code, sizeof pm_code);
    im->len = PM_OFF + 1024;
}

static vp_machine *new_machine(uint64_t ram)
{
    vp_config cfg = { .ram_size = ram };
    char err[256];
    vp_machine *m = vp_create(&cfg, err, sizeof err);
    if (!m) {
        printf("FAIL setup: vp_create: %s\n", err);
        exit(1);
    }
    return m;
}

static uint64_t reg(vp_machine *m, const char *name)
{
    uint64_t v = 0xdeadbeef;
    vp_get_reg(m, 0, name, &v);
    return v;
}

static uint64_t phys(vp_machine *m, uint64_t addr, unsigned size)
{
    unsigned char b[8] = { 0 };
    if (vp_read_phys(m, addr, b, size)) return 0xbad0bad0;
    uint64_t v = 0;
    for (unsigned k = 0; k < size; k++) v |= (uint64_t)b[k] << (8 * k);
    return v;
}

static void test_good(void)
{
    struct img im;
    bzimage(&im, 0x100000);
    const char *k = write_file("bz", im.b, im.len);
    static unsigned char rd[10000];
    for (size_t n = 0; n < sizeof rd; n++) rd[n] = (unsigned char)(n * 13 + 1);
    const char *r = write_file("initrd", rd, sizeof rd);

    vp_machine *m = new_machine(64 << 20);
    char err[256] = "";
    int rc = vp_load_kernel(m, k, "console=ttyS0 quiet", r, err, sizeof err);
    CHECK("bzImage loads", rc == 0, "'%s'", err);
    uint64_t bp = reg(m, "rsi");
    CHECK_EQ("esi = boot_params", bp, 0x10000);
    CHECK_EQ("ebp, edi, ebx zero", reg(m, "rbp") | reg(m, "rdi") | reg(m, "rbx"), 0);
    CHECK_EQ("entry at 1 MiB", reg(m, "rip"), 0x100000);
    CHECK_EQ("cs = __BOOT_CS", reg(m, "cs"), LINUX_BOOT_CS);
    CHECK_EQ("ds = __BOOT_DS", reg(m, "ds"), LINUX_BOOT_DS);
    CHECK_EQ("ss = __BOOT_DS", reg(m, "ss"), LINUX_BOOT_DS);
    CHECK_EQ("paging off, protection on", reg(m, "cr0") & 0x80000001u, 1);
    CHECK_EQ("interrupts off", reg(m, "rflags") & 0x200, 0);
    /* The GDT's __BOOT_CS and __BOOT_DS descriptors are flat. */
    uint64_t gdt = reg(m, "gdtr_base");
    CHECK_EQ("GDT __BOOT_CS flat code", phys(m, gdt + LINUX_BOOT_CS, 8), 0x00cf9b000000ffffull);
    CHECK_EQ("GDT __BOOT_DS flat data", phys(m, gdt + LINUX_BOOT_DS, 8), 0x00cf93000000ffffull);
    CHECK("GDT limit covers __BOOT_DS", reg(m, "gdtr_limit") >= LINUX_BOOT_DS + 7, "limit %llu",
          (unsigned long long)reg(m, "gdtr_limit"));
    CHECK_EQ("kernel code at 1 MiB", phys(m, 0x100000, 4), 0x0210868a);

    CHECK_EQ("header copied: version", phys(m, bp + LH_VERSION, 2), 0x020f);
    CHECK_EQ("header copied: magic", phys(m, bp + LH_HEADER, 4), LH_MAGIC);
    CHECK_EQ("header copied: init_size", phys(m, bp + LH_INIT_SIZE, 4), 0x100000);
    CHECK_EQ("type_of_loader", phys(m, bp + LH_TYPE_OF_LOADER, 1), 0xff);
    CHECK_EQ("loadflags LOADED_HIGH|CAN_USE_HEAP", phys(m, bp + LH_LOADFLAGS, 1),
             LF_LOADED_HIGH | LF_CAN_USE_HEAP);
    CHECK_EQ("vid_mode normal", phys(m, bp + LH_VID_MODE, 2), 0xffff);
    CHECK_EQ("screen_info: no VGA", phys(m, bp + 0x0f, 1) | phys(m, bp + 0x06, 2) | phys(m, bp + 0x0e, 1), 0);

    uint64_t cl = phys(m, bp + LH_CMD_LINE_PTR, 4);
    char cmd[32] = "";
    vp_read_phys(m, cl, cmd, sizeof cmd - 1);
    CHECK("command line as given", strcmp(cmd, "console=ttyS0 quiet") == 0, "'%s' at 0x%llx", cmd,
          (unsigned long long)cl);

    uint64_t ri = phys(m, bp + LH_RAMDISK_IMAGE, 4), rs = phys(m, bp + LH_RAMDISK_SIZE, 4);
    CHECK_EQ("ramdisk_size", rs, sizeof rd);
    CHECK("initrd page-aligned at the top of RAM", (ri & 0xfff) == 0 && ri + rs <= (64u << 20) &&
          ri + rs > (64u << 20) - 4096, "at 0x%llx", (unsigned long long)ri);
    CHECK_EQ("ext_ramdisk fields zero", phys(m, bp + BP_EXT_RAMDISK_IMAGE, 4) | phys(m, bp + BP_EXT_RAMDISK_SIZE, 4), 0);
    static unsigned char back[sizeof rd];
    vp_read_phys(m, ri, back, sizeof back);
    CHECK("initrd contents", memcmp(back, rd, sizeof rd) == 0, "differ");

    /* e820: low RAM first, then at least the RAM from 1 MiB to the end of the 64 MiB. */
    unsigned n = (unsigned)phys(m, bp + BP_E820_ENTRIES, 1);
    CHECK("e820 entries", n >= 2 && n <= BP_E820_MAX, "%u", n);
    CHECK("e820[0] low RAM", phys(m, bp + BP_E820_TABLE, 8) == 0 && phys(m, bp + BP_E820_TABLE + 16, 4) == 1,
          "base 0x%llx type %llu", (unsigned long long)phys(m, bp + BP_E820_TABLE, 8),
          (unsigned long long)phys(m, bp + BP_E820_TABLE + 16, 4));
    int high = 0;
    for (unsigned e = 0; e < n; e++) {
        uint64_t a = bp + BP_E820_TABLE + 20 * e;
        if (phys(m, a, 8) == 0x100000 && phys(m, a + 8, 8) == (64u << 20) - 0x100000 && phys(m, a + 16, 4) == 1)
            high = 1;
    }
    CHECK("e820 RAM 1 MiB..64 MiB", high, "missing");
    CHECK_EQ("alt_mem_k", phys(m, bp + BP_ALT_MEM_K, 4), (64u << 10) - 1024);

    /* Run it: the kernel stub reads type_of_loader through DS:ESI and exits with it. */
    vp_stop st = vp_run(m);
    CHECK("guest reads boot_params", st == VP_STOP_DEBUG_EXIT && vp_exit_status(m) == ((0xff << 1) | 1),
          "stop %d status %d", (int)st, vp_exit_status(m));
    vp_destroy(m);

    /* No initrd, no command line: zero ramdisk fields, empty string. */
    m = new_machine(64 << 20);
    rc = vp_load_kernel(m, k, NULL, NULL, err, sizeof err);
    CHECK("bzImage without initrd", rc == 0, "'%s'", err);
    CHECK_EQ("no initrd: ramdisk fields zero", phys(m, 0x10000 + LH_RAMDISK_IMAGE, 8), 0);
    CHECK_EQ("no command line: empty string", phys(m, phys(m, 0x10000 + LH_CMD_LINE_PTR, 4), 1), 0);
    vp_destroy(m);
}

/* The MTRRs as a BIOS leaves them: enabled, WB by default, the PCI hole UC. */
static void test_mtrrs(void)
{
    struct img im;
    bzimage(&im, 0x100000);
    memcpy(im.b + PM_OFF, mtrr_code, sizeof mtrr_code);
    const char *k = write_file("bz-mtrr", im.b, im.len);
    vp_machine *m = new_machine(64 << 20);
    char err[256] = "";
    CHECK("mtrr: loads", vp_load_kernel(m, k, NULL, NULL, err, sizeof err) == 0, "'%s'", err);
    vp_stop st = vp_run(m);
    CHECK("mtrr: guest ran", st == VP_STOP_DEBUG_EXIT && vp_exit_status(m) == 1, "stop %d status %d", (int)st,
          vp_exit_status(m));
    CHECK_EQ("mtrr: def type E, FE, WB", phys(m, MTRR_OUT, 4), 0xc06);
    CHECK_EQ("mtrr: PhysBase0 PCI hole UC", phys(m, MTRR_OUT + 8, 8), 0xe0000000);
    uint64_t mask = phys(m, MTRR_OUT + 0x10, 8);
    CHECK("mtrr: PhysMask0 512 MiB, valid", (mask & 0xfffff000u) == 0xe0000000u && (mask & 0x800) &&
          (mask >> 32) != 0, "0x%llx", (unsigned long long)mask);
    CHECK_EQ("mtrr: 0-512K WB", phys(m, MTRR_OUT + 0x18, 4), 0x06060606);
    CHECK_EQ("mtrr: VGA window UC", phys(m, MTRR_OUT + 0x1c, 4), 0);
    vp_destroy(m);
}

static void expect_fail(vp_machine *m, const char *name, const char *kernel, const char *cmdline,
                        const char *initrd, const char *want)
{
    char err[512] = "";
    int rc = vp_load_kernel(m, kernel, cmdline, initrd, err, sizeof err);
    CHECK(name, rc == -1 && strstr(err, want) && !strchr(err, '\n'), "rc %d, '%s' (want '%s')", rc, err, want);
}

static void expect_img_fail(vp_machine *m, const char *name, const struct img *im, const char *want)
{
    expect_fail(m, name, write_file("bad", im->b, im->len), NULL, NULL, want);
}

static void test_bad(void)
{
    vp_machine *m = new_machine(64 << 20);
    struct img good, im;
    bzimage(&good, 0x100000);

    im = good;
    put(&im, LH_BOOT_FLAG, 0x1234, 2);
    expect_img_fail(m, "bad: boot_flag", &im, "boot_flag");
    im = good;
    put(&im, LH_VERSION, 0x0205, 2);
    expect_img_fail(m, "bad: protocol 2.05 too old", &im, "2.05 is too old");
    im = good;
    put(&im, LH_JUMP + 1, 0x20, 1);
    expect_img_fail(m, "bad: header shorter than its version", &im, "header is truncated");
    im = good;
    put(&im, LH_LOADFLAGS, 0, 1);
    expect_img_fail(m, "bad: zImage", &im, "not a bzImage");
    im = good;
    put(&im, LH_SYSSIZE, 0x10000, 4);
    expect_img_fail(m, "bad: syssize beyond the file", &im, "truncated");
    im = good;
    im.len = 0x210;
    expect_img_fail(m, "bad: file ends in the header", &im, "truncated");
    im = good;
    put(&im, LH_INIT_SIZE, 0x8000000, 4);
    expect_img_fail(m, "bad: init_size beyond RAM", &im, "RAM ends at");

    const char *k = write_file("good", good.b, good.len);
    char p[256];
    snprintf(p, sizeof p, "%s/no-such-initrd", tmpdir);
    expect_fail(m, "bad: missing initrd", k, NULL, p, "initrd");
    expect_fail(m, "bad: initrd is a directory", k, NULL, tmpdir, "not a regular file");
    snprintf(p, sizeof p, "%s/no-such-kernel", tmpdir);
    expect_fail(m, "bad: missing kernel", p, NULL, NULL, "No such file");
    /* 48 MiB of initrd in 64 MiB with the kernel up to 17 MiB: does not fit. */
    static unsigned char big[48 << 20];
    const char *b = write_file("big", big, sizeof big);
    expect_fail(m, "bad: initrd does not fit", k, NULL, b, "do not fit in RAM");
    im = good;
    put(&im, LH_INITRD_ADDR_MAX, 0x2000000 - 1, 4); /* 32 MiB: room for 15 MiB only */
    const char *r = write_file("r20", big, 20 << 20);
    expect_fail(m, "bad: initrd above initrd_addr_max", write_file("bad", im.b, im.len), NULL, r,
                "do not fit in RAM");
    static char longcmd[3000];
    memset(longcmd, 'x', sizeof longcmd - 1);
    expect_fail(m, "bad: command line too long", k, longcmd, NULL, "limit of 2047");

    /* Still usable after all that, and a multiboot image through the same call. */
    char err[256] = "";
    CHECK("good bzImage loads after failures", vp_load_kernel(m, k, NULL, NULL, err, sizeof err) == 0, "%s", err);
    struct img mb;
    memset(&mb, 0, sizeof mb);
    put(&mb, 0, MB_HEADER_MAGIC, 4);
    put(&mb, 4, MBH_F_AOUT_KLUDGE, 4);
    put(&mb, 8, (uint32_t)(0u - MB_HEADER_MAGIC - MBH_F_AOUT_KLUDGE), 4);
    put(&mb, 12, 0x100000, 4); /* header_addr */
    put(&mb, 16, 0x100000, 4); /* load_addr */
    put(&mb, 28, 0x100020, 4); /* entry */
    put(&mb, 32, 0xf4, 1);
    int rc = vp_load_kernel(m, write_file("mb", mb.b, mb.len), "x", NULL, err, sizeof err);
    CHECK("multiboot image through -kernel", rc == 0 && reg(m, "rax") == MB_BOOT_MAGIC && reg(m, "rip") == 0x100020,
          "rc %d '%s' rax 0x%llx", rc, err, (unsigned long long)reg(m, "rax"));
    vp_destroy(m);
}

int main(void)
{
    tmpdir_make("linux");
    test_good();
    test_mtrrs();
    test_bad();
    tmpdir_remove();
    return check_exit();
}
