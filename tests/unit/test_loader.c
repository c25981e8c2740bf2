/* Multiboot and flat loaders: images are built here in memory, written to a temporary
 * directory, loaded through the public API and checked in guest memory and registers.
 * Malformed images must each give one line naming the problem, and never crash. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tmpfiles.h"
#include "machine/e820.h"
#include "machine/multiboot.h"
#include "vanderpool.h"

/* --- Image building ------------------------------------------------------------------ */

struct img {
    unsigned char b[32768];
    size_t len;
};

static void put(struct img *im, size_t off, uint64_t v, unsigned size)
{
    for (unsigned k = 0; k < size; k++) im->b[off + k] = (unsigned char)(v >> (8 * k));
    if (off + size > im->len) im->len = off + size;
}

/* Multiboot header at `off` with `flags`; checksum computed unless `bad`. */
static void mb_header(struct img *im, size_t off, uint32_t flags, int bad)
{
    put(im, off, MB_HEADER_MAGIC, 4);
    put(im, off + 4, flags, 4);
    put(im, off + 8, (uint32_t)(0u - MB_HEADER_MAGIC - flags) + (bad ? 1 : 0), 4);
}

static void aout_fields(struct img *im, size_t off, uint32_t header, uint32_t load, uint32_t load_end,
                        uint32_t bss_end, uint32_t entry)
{
    put(im, off + 12, header, 4);
    put(im, off + 16, load, 4);
    put(im, off + 20, load_end, 4);
    put(im, off + 24, bss_end, 4);
    put(im, off + 28, entry, 4);
}

/* ELF32 executable: header, program headers at 52, multiboot header at 0x100. */
static void elf32(struct img *im, uint16_t machine, uint32_t entry, int nph)
{
    memset(im, 0, sizeof *im);
    memcpy(im->b, "\x7f" "ELF\x01\x01\x01", 7);
    put(im, 16, 2, 2);       /* ET_EXEC */
    put(im, 18, machine, 2);
    put(im, 20, 1, 4);
    put(im, 24, entry, 4);
    put(im, 28, 52, 4);      /* phoff */
    put(im, 40, 52, 2);
    put(im, 42, 32, 2);
    put(im, 44, (uint64_t)nph, 2);
    mb_header(im, 0x100, MBH_F_PAGE_ALIGN | MBH_F_MEMINFO, 0);
}

static void phdr32(struct img *im, int n, uint32_t type, uint32_t off, uint32_t vaddr, uint32_t paddr,
                   uint32_t filesz, uint32_t memsz)
{
    size_t p = 52 + 32 * (size_t)n;
    put(im, p, type, 4);
    put(im, p + 4, off, 4);
    put(im, p + 8, vaddr, 4);
    put(im, p + 12, paddr, 4);
    put(im, p + 16, filesz, 4);
    put(im, p + 20, memsz, 4);
    put(im, p + 28, 4096, 4);
}

static void elf64(struct img *im, uint16_t machine, uint64_t entry, int nph)
{
    memset(im, 0, sizeof *im);
    memcpy(im->b, "\x7f" "ELF\x02\x01\x01", 7);
    put(im, 16, 2, 2);
    put(im, 18, machine, 2);
    put(im, 20, 1, 4);
    put(im, 24, entry, 8);
    put(im, 32, 64, 8);      /* phoff */
    put(im, 52, 64, 2);
    put(im, 54, 56, 2);
    put(im, 56, (uint64_t)nph, 2);
    mb_header(im, 0x200, 0, 0);
}

static void phdr64(struct img *im, int n, uint32_t type, uint64_t off, uint64_t vaddr, uint64_t paddr,
                   uint64_t filesz, uint64_t memsz)
{
    size_t p = 64 + 56 * (size_t)n;
    put(im, p, type, 4);
    put(im, p + 8, off, 8);
    put(im, p + 16, vaddr, 8);
    put(im, p + 24, paddr, 8);
    put(im, p + 32, filesz, 8);
    put(im, p + 40, memsz, 8);
}

static void fill(struct img *im, size_t off, size_t n, unsigned char seed)
{
    for (size_t k = 0; k < n; k++) im->b[off + k] = (unsigned char)(seed + k * 7);
    if (off + n > im->len) im->len = off + n;
}

/* --- Machine helpers -------------------------------------------------------------------- */

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
    if (vp_get_reg(m, 0, name, &v)) printf("FAIL reg %s: unknown\n", name);
    return v;
}

static uint32_t rd32(vp_machine *m, uint64_t a)
{
    unsigned char b[4] = { 0 };
    vp_read_phys(m, a, b, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t rd64(vp_machine *m, uint64_t a) { return rd32(m, a) | (uint64_t)rd32(m, a + 4) << 32; }

static int mem_eq(vp_machine *m, uint64_t a, const void *want, size_t n)
{
    unsigned char *got = malloc(n);
    int ok = vp_read_phys(m, a, got, n) == 0 && memcmp(got, want, n) == 0;
    free(got);
    return ok;
}

static int mem_is(vp_machine *m, uint64_t a, unsigned char v, size_t n)
{
    unsigned char *got = malloc(n);
    int ok = vp_read_phys(m, a, got, n) == 0;
    for (size_t k = 0; ok && k < n; k++) ok = got[k] == v;
    free(got);
    return ok;
}

static void read_str(vp_machine *m, uint64_t a, char *out, size_t n)
{
    vp_read_phys(m, a, out, n - 1);
    out[n - 1] = 0;
}

/* Fill RAM around the load area with a pattern so bss zeroing is visible. */
static void dirty(vp_machine *m, uint64_t a, size_t n)
{
    unsigned char *p = malloc(n);
    memset(p, 0xaa, n);
    vp_write_phys(m, a, p, n);
    free(p);
}

/* --- Checks on the entry state common to every multiboot boot -------------------------- */

static void check_entry_state(vp_machine *m, const char *t, uint64_t entry)
{
    char name[128];
#define N(s) (snprintf(name, sizeof name, "%s %s", t, s), name)
    CHECK_EQ(N("eax magic"), reg(m, "rax"), MB_BOOT_MAGIC);
    CHECK_EQ(N("eip entry"), reg(m, "rip"), entry);
    CHECK_EQ(N("cr0 PE, no PG"), reg(m, "cr0") & 0x80000001u, 1);
    CHECK_EQ(N("rflags IF=0 VM=0"), reg(m, "rflags"), 2);
    CHECK_EQ(N("cpl"), reg(m, "cpl"), 0);
    CHECK_EQ(N("cs selector"), reg(m, "cs"), 0x08);
    CHECK_EQ(N("cs flat 32-bit code"), reg(m, "cs_ar") & 0xe09f, 0xc09b);
    CHECK_EQ(N("cs base"), reg(m, "cs_base"), 0);
    CHECK_EQ(N("cs limit"), reg(m, "cs_limit"), 0xffffffffu);
    static const char *const data[] = { "ds", "es", "fs", "gs", "ss" };
    for (int k = 0; k < 5; k++) {
        char f[16];
        snprintf(f, sizeof f, "%s_ar", data[k]);
        CHECK_EQ(N(f), reg(m, f) & 0xe09f, 0xc093);
        snprintf(f, sizeof f, "%s_limit", data[k]);
        CHECK_EQ(N(f), reg(m, f), 0xffffffffu);
        CHECK_EQ(N(data[k]), reg(m, data[k]), 0x10);
    }
    uint64_t gdt = reg(m, "gdtr_base");
    CHECK_EQ(N("gdtr limit"), reg(m, "gdtr_limit"), 39);
    CHECK_EQ(N("gdt code descriptor"), rd64(m, gdt + 8), 0x00cf9b000000ffffull);
    CHECK_EQ(N("gdt data descriptor"), rd64(m, gdt + 16), 0x00cf93000000ffffull);
    CHECK_EQ(N("efer"), reg(m, "efer"), 0);
#undef N
}

/* Boot information: flags, memory, loader name, mmap matching the machine. */
static void check_info(vp_machine *m, const char *t, uint64_t ram, const char *want_cmd)
{
    char name[128], s[256];
#define N(x) (snprintf(name, sizeof name, "%s %s", t, x), name)
    uint64_t mbi = reg(m, "rbx");
    uint32_t flags = rd32(m, mbi + MBI_FLAGS);
    CHECK(N("info flags"), (flags & (MBI_F_MEM | MBI_F_CMDLINE | MBI_F_MODS | MBI_F_MMAP |
                                     MBI_F_BOOT_LOADER_NAME)) == (MBI_F_MEM | MBI_F_CMDLINE |
                                     MBI_F_MODS | MBI_F_MMAP | MBI_F_BOOT_LOADER_NAME),
          "flags 0x%x", flags);
    CHECK_EQ(N("mem_lower"), rd32(m, mbi + MBI_MEM_LOWER), 639);
    CHECK_EQ(N("mem_upper"), rd32(m, mbi + MBI_MEM_UPPER), (ram - 0x100000) / 1024);
    read_str(m, rd32(m, mbi + MBI_BOOT_LOADER_NAME), s, sizeof s);
    CHECK(N("boot loader name"), strcmp(s, "vanderpool") == 0, "'%s'", s);
    read_str(m, rd32(m, mbi + MBI_CMDLINE), s, sizeof s);
    CHECK(N("cmdline"), strcmp(s, want_cmd) == 0, "'%s', want '%s'", s, want_cmd);
    uint32_t len = rd32(m, mbi + MBI_MMAP_LENGTH), a = rd32(m, mbi + MBI_MMAP_ADDR);
    /* Walk the map: usable 0..0x9fc00 and 1 MiB..ram, reserved EBDA and BIOS. */
    int saw_low = 0, saw_high = 0, saw_ebda = 0, saw_bios = 0, entries = 0;
    for (uint32_t o = 0; o < len; o += rd32(m, a + o) + 4, entries++) {
        uint64_t base = rd64(m, a + o + 4), l = rd64(m, a + o + 12);
        uint32_t type = rd32(m, a + o + 20);
        if (base == 0 && l == 0x9fc00 && type == 1) saw_low = 1;
        if (base == 0x9fc00 && l == 0x400 && type == 2) saw_ebda = 1;
        if (base == 0xf0000 && l == 0x10000 && type == 2) saw_bios = 1;
        if (base == 0x100000 && l == ram - 0x100000 && type == 1) saw_high = 1;
        if (entries > 16) break;
    }
    CHECK(N("mmap entries"), saw_low && saw_high && saw_ebda && saw_bios,
          "low %d high %d ebda %d bios %d (%d entries, %u bytes)", saw_low, saw_high, saw_ebda,
          saw_bios, entries, len);
#undef N
}

/* --- Good images ----------------------------------------------------------------------- */

static void test_elf32(void)
{
    struct img im;
    elf32(&im, 3, 0x100010, 3);
    /* Text: file 0x1000..0x1400 at 0x100000; data: 0x100 bytes + bss at 0x103000. */
    phdr32(&im, 0, 1, 0x1000, 0x100000, 0x100000, 0x400, 0x400);
    phdr32(&im, 1, 4, 0, 0, 0, 0, 0); /* PT_NOTE: ignored */
    phdr32(&im, 2, 1, 0x1400, 0x103000, 0x103000, 0x100, 0x2000);
    fill(&im, 0x1000, 0x500, 1);
    const char *path = write_file("k32.elf", im.b, im.len);
    vp_machine *m = new_machine(64 << 20);
    dirty(m, 0x100000, 0x10000);
    char err[256] = "";
    int rc = vp_load_multiboot(m, path, "console=ttyS0 debug", NULL, err, sizeof err);
    CHECK("elf32 loads", rc == 0, "%s", err);
    CHECK("elf32 text copied", mem_eq(m, 0x100000, im.b + 0x1000, 0x400), "mismatch");
    CHECK("elf32 gap untouched", mem_is(m, 0x100400, 0xaa, 0x2c00), "gap was written");
    CHECK("elf32 data copied", mem_eq(m, 0x103000, im.b + 0x1400, 0x100), "mismatch");
    CHECK("elf32 bss zeroed", mem_is(m, 0x103100, 0, 0x1f00), "bss not zero");
    check_entry_state(m, "elf32", 0x100010);
    char want[256];
    snprintf(want, sizeof want, "%s console=ttyS0 debug", path);
    check_info(m, "elf32", 64 << 20, want);
    uint64_t mbi = reg(m, "rbx");
    CHECK_EQ("elf32 no modules", rd32(m, mbi + MBI_MODS_COUNT), 0);
    CHECK("elf32 info after kernel", mbi >= 0x105000 && mbi < 0x110000, "mbi at 0x%llx",
          (unsigned long long)mbi);
    vp_destroy(m);
}

static void test_elf64(void)
{
    struct img im;
    /* Higher-half kernel: linked at -2 GiB, loaded at 2 MiB; the entry moves with it. */
    uint64_t vbase = 0xffffffff80200000ull;
    elf64(&im, 62, vbase + 0x40, 1);
    phdr64(&im, 0, 1, 0x1000, vbase, 0x200000, 0x300, 0x1000);
    fill(&im, 0x1000, 0x300, 9);
    const char *path = write_file("k64.elf", im.b, im.len);
    vp_machine *m = new_machine(32 << 20);
    dirty(m, 0x200000, 0x2000);
    char err[256] = "";
    int rc = vp_load_multiboot(m, path, "", NULL, err, sizeof err);
    CHECK("elf64 loads", rc == 0, "%s", err);
    CHECK("elf64 segment copied", mem_eq(m, 0x200000, im.b + 0x1000, 0x300), "mismatch");
    CHECK("elf64 bss zeroed", mem_is(m, 0x200300, 0, 0xd00), "bss not zero");
    check_entry_state(m, "elf64", 0x200040);
    char want[256];
    snprintf(want, sizeof want, "%s ", path); /* QEMU keeps the space with no -append */
    check_info(m, "elf64", 32 << 20, want);
    vp_destroy(m);
}

static void test_aout(void)
{
    struct img im;
    memset(&im, 0, sizeof im);
    /* 32 bytes of text before the header: header_addr - load_addr = 32. */
    fill(&im, 0, 0x800, 3);
    mb_header(&im, 32, MBH_F_AOUT_KLUDGE | MBH_F_MEMINFO, 0);
    aout_fields(&im, 32, 0x100020, 0x100000, 0x100600, 0x103800, 0x100100);
    const char *path = write_file("kaout.bin", im.b, im.len);
    vp_machine *m = new_machine(16 << 20);
    dirty(m, 0x100000, 0x5000);
    char err[256] = "";
    int rc = vp_load_multiboot(m, path, "x", NULL, err, sizeof err);
    CHECK("aout loads", rc == 0, "%s", err);
    CHECK("aout text copied up to load_end", mem_eq(m, 0x100000, im.b, 0x600), "mismatch");
    CHECK("aout bss zeroed to bss_end", mem_is(m, 0x100600, 0, 0x3200), "bss not zero");
    CHECK("aout stops at bss_end", mem_is(m, 0x103800, 0xaa, 0x800), "wrote past bss_end");
    check_entry_state(m, "aout", 0x100100);
    CHECK("aout info above bss", reg(m, "rbx") >= 0x104000, "mbi at 0x%llx",
          (unsigned long long)reg(m, "rbx"));

    /* load_end_addr = 0: the rest of the file; bss_end_addr = 0: no bss. ELF magic is
     * ignored when the kludge bit is set. */
    memset(&im, 0, sizeof im);
    memcpy(im.b, "\x7f" "ELF", 4);
    fill(&im, 4, 0x300, 5);
    mb_header(&im, 0x40, MBH_F_AOUT_KLUDGE, 0);
    aout_fields(&im, 0x40, 0x200040, 0x200000, 0, 0, 0x200000);
    path = write_file("kaout2.bin", im.b, im.len);
    rc = vp_load_multiboot(m, path, NULL, NULL, err, sizeof err);
    CHECK("aout whole-file loads", rc == 0, "%s", err);
    CHECK("aout whole file copied", mem_eq(m, 0x200000, im.b, im.len), "mismatch");
    CHECK_EQ("aout whole-file entry", reg(m, "rip"), 0x200000);
    vp_destroy(m);
}

static void test_modules(void)
{
    struct img im;
    elf32(&im, 3, 0x100000, 1);
    phdr32(&im, 0, 1, 0x1000, 0x100000, 0x100000, 0x10, 0x1800);
    fill(&im, 0x1000, 0x10, 1);
    const char *kernel = write_file("kmod.elf", im.b, im.len);
    unsigned char m1[5000], m2[3];
    for (size_t k = 0; k < sizeof m1; k++) m1[k] = (unsigned char)(k * 13);
    memcpy(m2, "abc", 3);
    char p1[128], p2[128], list[512];
    snprintf(p1, sizeof p1, "%s", write_file("mod1.bin", m1, sizeof m1));
    snprintf(p2, sizeof p2, "%s", write_file("mod2.bin", m2, sizeof m2));
    snprintf(list, sizeof list, "%s arg1 a,,b,%s", p1, p2);
    vp_machine *m = new_machine(16 << 20);
    char err[256] = "";
    int rc = vp_load_multiboot(m, kernel, "k", list, err, sizeof err);
    CHECK("modules load", rc == 0, "%s", err);
    uint64_t mbi = reg(m, "rbx");
    CHECK_EQ("modules count", rd32(m, mbi + MBI_MODS_COUNT), 2);
    uint64_t mods = rd32(m, mbi + MBI_MODS_ADDR);
    uint32_t s1 = rd32(m, mods + MBM_START), e1 = rd32(m, mods + MBM_END);
    uint32_t s2 = rd32(m, mods + MBM_SIZE + MBM_START), e2 = rd32(m, mods + MBM_SIZE + MBM_END);
    CHECK_EQ("module 1 after kernel, page aligned", s1, 0x102000);
    CHECK_EQ("module 1 end", e1, s1 + sizeof m1);
    CHECK_EQ("module 2 page aligned", s2, 0x104000);
    CHECK_EQ("module 2 end", e2, s2 + 3);
    CHECK("module 1 contents", mem_eq(m, s1, m1, sizeof m1), "mismatch");
    CHECK("module 2 contents", mem_eq(m, s2, m2, 3), "mismatch");
    char s[256], want[256];
    read_str(m, rd32(m, mods + MBM_STRING), s, sizeof s);
    snprintf(want, sizeof want, "%s arg1 a,b", p1);
    CHECK("module 1 string", strcmp(s, want) == 0, "'%s'", s);
    read_str(m, rd32(m, mods + MBM_SIZE + MBM_STRING), s, sizeof s);
    CHECK("module 2 string", strcmp(s, p2) == 0, "'%s'", s);
    CHECK("info after modules", mbi >= 0x105000, "mbi at 0x%llx", (unsigned long long)mbi);
    vp_destroy(m);
}

static void test_flat(void)
{
    unsigned char code[64];
    for (size_t k = 0; k < sizeof code; k++) code[k] = (unsigned char)(0x90 + k);
    const char *path = write_file("flat.bin", code, sizeof code);
    vp_machine *m = new_machine(4 << 20);
    char err[256] = "";
    CHECK("flat real loads", vp_load_flat(m, path, 0x7c00, 1, err, sizeof err) == 0, "%s", err);
    CHECK("flat real contents", mem_eq(m, 0x7c00, code, sizeof code), "mismatch");
    CHECK_EQ("flat real cs", reg(m, "cs"), 0);
    CHECK_EQ("flat real cs base", reg(m, "cs_base"), 0);
    CHECK_EQ("flat real ip", reg(m, "rip"), 0x7c00);
    CHECK_EQ("flat real PE clear", reg(m, "cr0") & 1, 0);
    CHECK("flat 32-bit loads", vp_load_flat(m, path, 0x100000, 0, err, sizeof err) == 0, "%s", err);
    CHECK_EQ("flat 32-bit eip", reg(m, "rip"), 0x100000);
    CHECK_EQ("flat 32-bit PE", reg(m, "cr0") & 1, 1);
    CHECK_EQ("flat 32-bit cs", reg(m, "cs"), 0x08);
    vp_destroy(m);
}

/* --- Malformed images ------------------------------------------------------------------- */

/* Load must fail with one line containing `want`. */
static void expect_fail(vp_machine *m, const char *t, const char *path, const char *modules,
                        const char *want)
{
    char err[512] = "";
    int rc = vp_load_multiboot(m, path, NULL, modules, err, sizeof err);
    CHECK(t, rc == -1 && strstr(err, want) && !strchr(err, '\n') && strlen(err) < 300,
          "rc %d, message '%s', want '%s'", rc, err, want);
}

static void expect_img_fail(vp_machine *m, const char *t, struct img *im, const char *want)
{
    expect_fail(m, t, write_file("bad.bin", im->b, im->len), NULL, want);
}

static void test_malformed(void)
{
    vp_machine *m = new_machine(16 << 20);
    struct img im;
    char p[256];

    snprintf(p, sizeof p, "%s/does-not-exist", tmpdir);
    expect_fail(m, "bad: missing file", p, NULL, "No such file");
    expect_fail(m, "bad: directory", tmpdir, NULL, "not a regular file");
    memset(&im, 0, sizeof im);
    expect_img_fail(m, "bad: empty file", &im, "no multiboot header");
    fill(&im, 0, 9000, 0);
    expect_img_fail(m, "bad: no header", &im, "no multiboot header");
    memset(&im, 0, sizeof im);
    im.len = 10000;
    mb_header(&im, 8192, 0, 0);
    expect_img_fail(m, "bad: header past 8 KiB", &im, "no multiboot header");
    memset(&im, 0, sizeof im);
    im.len = 8192;
    mb_header(&im, 8182, 0, 0); /* magic straddles the limit at an unaligned offset */
    expect_img_fail(m, "bad: unaligned header", &im, "no multiboot header");
    memset(&im, 0, sizeof im);
    mb_header(&im, 16, 0, 1);
    im.len = 64;
    expect_img_fail(m, "bad: checksum", &im, "bad checksum");
    memset(&im, 0, sizeof im);
    mb_header(&im, 0, 1u << 3, 0);
    im.len = 64;
    expect_img_fail(m, "bad: unknown required flag", &im, "unsupported features");
    memset(&im, 0, sizeof im);
    mb_header(&im, 0, MBH_F_VIDEO, 0);
    im.len = 64;
    expect_img_fail(m, "bad: neither ELF nor a.out", &im, "not ELF");

    /* a.out kludge. */
    memset(&im, 0, sizeof im);
    mb_header(&im, 0, MBH_F_AOUT_KLUDGE, 0);
    expect_img_fail(m, "bad: aout header truncated", &im, "truncated multiboot header");
    aout_fields(&im, 0, 0x100000, 0x100010, 0, 0, 0x100000);
    expect_img_fail(m, "bad: aout header_addr below load_addr", &im, "do not match");
    aout_fields(&im, 0, 0x100100, 0x100000, 0, 0, 0x100000);
    expect_img_fail(m, "bad: aout text before file start", &im, "do not match");
    aout_fields(&im, 0, 0x100000, 0x100000, 0xff000, 0, 0x100000);
    expect_img_fail(m, "bad: aout load_end below load_addr", &im, "below load_addr");
    aout_fields(&im, 0, 0x100000, 0x100000, 0x110000, 0, 0x100000);
    expect_img_fail(m, "bad: aout load_end past file", &im, "truncated");
    aout_fields(&im, 0, 0x100000, 0x100000, 0x100010, 0x100008, 0x100000);
    expect_img_fail(m, "bad: aout bss_end below load_end", &im, "bss_end_addr");
    aout_fields(&im, 0, 0x2000000, 0x2000000, 0, 0, 0x2000000);
    expect_img_fail(m, "bad: aout beyond RAM", &im, "not in usable RAM");
    aout_fields(&im, 0, 0xb8000, 0xb8000, 0, 0, 0xb8000);
    expect_img_fail(m, "bad: aout in VGA hole", &im, "not in usable RAM");
    aout_fields(&im, 0, 0xfffff000, 0xfffff000, 0, 0xffffffff, 0xfffff000);
    expect_img_fail(m, "bad: aout at top of 4 GiB", &im, "not in usable RAM");
    aout_fields(&im, 0, 0x100000, 0x100000, 0, 0, 0x3000000);
    expect_img_fail(m, "bad: entry outside RAM", &im, "entry point");

    /* ELF. */
    elf32(&im, 3, 0x100000, 1);
    phdr32(&im, 0, 1, 0x1000, 0x100000, 0x100000, 0x10, 0x10);
    fill(&im, 0x1000, 0x10, 0);
    struct img good = im;
    im.b[18] = 40; /* EM_ARM */
    expect_img_fail(m, "bad: ELF32 not i386", &im, "not i386");
    im = good;
    im.b[18] = 62;
    expect_img_fail(m, "bad: ELF32 claiming x86-64", &im, "not i386");
    im = good;
    im.b[4] = 3;
    expect_img_fail(m, "bad: ELF class", &im, "neither ELF32 nor ELF64");
    im = good;
    im.b[5] = 2;
    expect_img_fail(m, "bad: big-endian ELF", &im, "little-endian");
    im = good;
    im.b[16] = 3;
    expect_img_fail(m, "bad: ELF shared object", &im, "not an executable");
    im = good;
    put(&im, 44, 0, 2);
    expect_img_fail(m, "bad: ELF no program headers", &im, "no program headers");
    im = good;
    put(&im, 28, 0x7000, 4);
    expect_img_fail(m, "bad: ELF phdrs past end", &im, "truncated ELF program headers");
    im = good;
    put(&im, 42, 16, 2);
    expect_img_fail(m, "bad: ELF phentsize", &im, "too small");
    im = good;
    phdr32(&im, 0, 1, 0x1000, 0x100000, 0x100000, 0x8000, 0x8000);
    expect_img_fail(m, "bad: ELF segment past end", &im, "truncated");
    im = good;
    phdr32(&im, 0, 1, 0x1000, 0x100000, 0x100000, 0x20, 0x10);
    expect_img_fail(m, "bad: ELF filesz above memsz", &im, "file size above memory size");
    im = good;
    phdr32(&im, 0, 6, 0x1000, 0x100000, 0x100000, 0x10, 0x10);
    expect_img_fail(m, "bad: ELF no PT_LOAD", &im, "no loadable segments");
    im = good;
    phdr32(&im, 0, 1, 0x1000, 0x40000000, 0x40000000, 0x10, 0x10);
    put(&im, 24, 0x40000000, 4);
    expect_img_fail(m, "bad: ELF segment beyond RAM", &im, "not in usable RAM");
    im = good;
    phdr32(&im, 0, 1, 0x1000, 0xf8000, 0xf8000, 0x10, 0x10000);
    expect_img_fail(m, "bad: ELF segment over BIOS area", &im, "not in usable RAM");
    im = good;
    im.len = 40;
    expect_img_fail(m, "bad: ELF header truncated", &im, "no multiboot header");
    /* Truncated ELF header with the multiboot header still present (in the ELF header
     * area: a deliberately tiny image). */
    memset(&im, 0, sizeof im);
    memcpy(im.b, "\x7f" "ELF\x02\x01", 6);
    mb_header(&im, 16, 0, 0);
    expect_img_fail(m, "bad: ELF64 header truncated", &im, "truncated ELF header");

    elf64(&im, 62, 0x100000000ull, 1);
    phdr64(&im, 0, 1, 0x1000, 0x100000, 0x100000, 0x10, 0x10);
    fill(&im, 0x1000, 0x10, 0);
    expect_img_fail(m, "bad: ELF64 entry above 4 GiB", &im, "not below 4 GiB");
    phdr64(&im, 0, 1, 0x1000, 0x100000000ull, 0x100000000ull, 0x10, 0x10);
    expect_img_fail(m, "bad: ELF64 segment above 4 GiB", &im, "not below 4 GiB");
    elf64(&im, 3, 0x100000, 1);
    phdr64(&im, 0, 1, 0x1000, 0x100000, 0x100000, 0x10, 0x10);
    fill(&im, 0x1000, 0x10, 0);
    expect_img_fail(m, "bad: ELF64 not x86-64", &im, "not x86-64");

    /* Modules. */
    const char *k = write_file("good.elf", good.b, good.len);
    snprintf(p, sizeof p, "%s/no-such-module arg", tmpdir);
    expect_fail(m, "bad: missing module", k, p, "module");
    expect_fail(m, "bad: empty module name", k, ",x", "empty module");
    snprintf(p, sizeof p, "%s,", k);
    expect_fail(m, "bad: trailing comma in modules", k, p, "empty module");

    /* Still usable after all that. */
    char err[256] = "";
    CHECK("good image loads after failures", vp_load_multiboot(m, k, NULL, NULL, err, sizeof err) == 0,
          "%s", err);
    vp_destroy(m);

    /* Flat loader errors. */
    m = new_machine(4 << 20);
    const char *f = write_file("f.bin", "\xf4", 1);
    int rc = vp_load_flat(m, f, 0x100000, 1, err, sizeof err);
    CHECK("bad: flat real above 1 MiB", rc == -1 && strstr(err, "not below 1 MiB"), "'%s'", err);
    rc = vp_load_flat(m, f, 0x800000, 0, err, sizeof err);
    CHECK("bad: flat beyond RAM", rc == -1 && strstr(err, "do not fit in RAM"), "'%s'", err);
    snprintf(p, sizeof p, "%s/nope", tmpdir);
    rc = vp_load_flat(m, p, 0x1000, 0, err, sizeof err);
    CHECK("bad: flat missing", rc == -1 && strstr(err, "No such file"), "'%s'", err);
    vp_destroy(m);
}

int main(void)
{
    tmpdir_make("loader");
    test_elf32();
    test_elf64();
    test_aout();
    test_modules();
    test_flat();
    test_malformed();
    tmpdir_remove();
    return check_exit();
}
