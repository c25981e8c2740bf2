/* PVH loader (src/machine/pvh_boot.c): synthetic ELF32 and ELF64 kernels carrying the Xen
 * PHYS32_ENTRY note are loaded and checked in guest memory (hvm_start_info, its memory
 * map and module list, the segments and their zeroed bss) and in the boot processor's
 * state, then run a few instructions that read start_info through EBX. Every bad input
 * must give one line naming the problem and leave guest memory alone; -kernel tells PVH
 * ELF kernels from multiboot ones as QEMU does; and a few thousand randomly damaged images
 * must each load or fail with one line (run under MODE=asan in make check). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fuzz.h"
#include "cpu/cpu.h"
#include "machine/e820.h"
#include "machine/elf.h"
#include "machine/loader.h"
#include "machine/machine.h"
#include "machine/multiboot.h"
#include "machine/pvh_boot.h"
#include "tmpfiles.h"

#define RAM (16u << 20)
#define INFO 0x10000u /* where pvh_boot.c puts start_info */
#define CMDLINE 0x20000u
#define CODE_PA 0x200000u
#define DATA_PA 0x400000u
#define BSS_END 0x3000u /* the code segment's memsz */
#define OFF_NOTES 0x800u
#define OFF_CODE 0x1000u
#define OFF_DATA 0x1200u

/* The "kernel": mov al,[ebx+SI_VERSION]; out 0xf4,al (isa-debug-exit); hlt. The exit
 * status proves EBX, DS and start_info. */
static const u8 code[] = {0x8a, 0x43, SI_VERSION, 0xe6, 0xf4, 0xf4};

struct elf {
    u8 b[0x1400];
    size_t len;
    bool is64;
    size_t ph;         /* program header table offset */
    size_t entsz;      /* its entry size */
    size_t note_end;   /* file offset after the last note */
    size_t entry_desc; /* file offset of the entry note's descriptor */
};

static void put(u8 *b, size_t off, u64 v, unsigned n)
{
    store_le(b + off, n, v);
}

/* Program header n: the fields at their ELF32 or ELF64 offsets. */
static void phdr(struct elf *e, unsigned n, u32 type, u64 off, u64 vaddr, u64 paddr, u64 filesz,
                 u64 memsz, u64 align)
{
    u8 *p = e->b + e->ph + n * e->entsz;
    store_le(p, 4, type);
    if (e->is64) {
        put(p, 8, off, 8), put(p, 16, vaddr, 8), put(p, 24, paddr, 8);
        put(p, 32, filesz, 8), put(p, 40, memsz, 8), put(p, 48, align, 8);
    } else {
        put(p, 4, off, 4), put(p, 8, vaddr, 4), put(p, 12, paddr, 4);
        put(p, 16, filesz, 4), put(p, 20, memsz, 4), put(p, 28, align, 4);
    }
}

/* One note at *at: namesz, descsz, type, name and descriptor padded to 4 bytes. */
static size_t note(struct elf *e, size_t at, const char *name, u32 type, const void *desc,
                   u32 descsz)
{
    u32 namesz = (u32)strlen(name) + 1;
    put(e->b, at, namesz, 4), put(e->b, at + 4, descsz, 4), put(e->b, at + 8, type, 4);
    memcpy(e->b + at + 12, name, namesz);
    size_t d = at + 12 + ((namesz + 3) & ~3u);
    memcpy(e->b + d, desc, descsz);
    return d;
}

/* A kernel as Linux's vmlinux is laid out: a code segment linked high and loaded at
 * CODE_PA with a bss tail, a data segment, and a PT_NOTE segment holding a GNU note, an
 * unrelated Xen note and the entry note (a .quad in ELF64 as Linux emits it, a .long in
 * ELF32). */
static void mkelf(struct elf *e, bool is64)
{
    memset(e, 0, sizeof *e);
    e->is64 = is64;
    e->ph = is64 ? 64 : 52;
    e->entsz = is64 ? 56 : 32;
    memcpy(e->b, "\177ELF", 4);
    e->b[4] = is64 ? 2 : 1, e->b[5] = 1, e->b[6] = 1;
    put(e->b, 16, 2, 2);             /* ET_EXEC */
    put(e->b, 18, is64 ? 62 : 3, 2); /* EM_X86_64 / EM_386 */
    put(e->b, 20, 1, 4);
    u64 link = is64 ? 0xffffffff80000000ull : 0xc0000000u;
    put(e->b, 24, link + CODE_PA + 0x100, is64 ? 8 : 4); /* e_entry: not the PVH entry */
    put(e->b, is64 ? 32 : 28, e->ph, is64 ? 8 : 4);
    put(e->b, is64 ? 54 : 42, e->entsz, 2);
    put(e->b, is64 ? 56 : 44, 3, 2);

    size_t at = OFF_NOTES;
    static const u8 build_id[20] = {1, 2, 3};
    at = note(e, at, "GNU", 3, build_id, sizeof build_id) + sizeof build_id;
    at = note(e, at, "Xen", 6, "linux", 6) + 8;
    u8 entry[8];
    store_le(entry, 8, CODE_PA);
    e->entry_desc = note(e, at, PVH_NOTE_NAME, PVH_NOTE_PHYS32_ENTRY, entry, is64 ? 8 : 4);
    e->note_end = e->entry_desc + (is64 ? 8 : 4);

    phdr(e, 0, PT_LOAD, OFF_CODE, link + CODE_PA, CODE_PA, 0x200, BSS_END, 0x200000);
    phdr(e, 1, PT_NOTE, OFF_NOTES, link + CODE_PA + 0x800, CODE_PA + 0x800, e->note_end - OFF_NOTES,
         e->note_end - OFF_NOTES, 4);
    phdr(e, 2, PT_LOAD, OFF_DATA, link + DATA_PA, DATA_PA, 0x10, 0x10, 0x200000);
    memcpy(e->b + OFF_CODE, code, sizeof code);
    for (unsigned k = 0; k < 0x10; k++)
        e->b[OFF_DATA + k] = (u8)(0xd0 + k);
    e->len = OFF_DATA + 0x10;
}

static struct machine *new_machine(u64 ram, int ncpus)
{
    struct machine_config cfg = {.ram_size = ram, .ncpus = ncpus};
    char err[256];
    struct machine *m = machine_create(&cfg, err, sizeof err);
    if (!m) {
        printf("FAIL setup: machine_create: %s\n", err);
        exit(1);
    }
    return m;
}

static u64 rd(struct machine *m, u64 pa, unsigned n)
{
    u8 b[8] = {0};
    phys_copy_out(m, pa, b, n);
    return load_le(b, n);
}

static bool flat(const struct seg *s, u32 type)
{
    return s->base == 0 && s->limit == 0xffffffffu && (s->ar & AR_TYPE) == type && (s->ar & AR_S) &&
           (s->ar & AR_P) && (s->ar & AR_DB) && !(s->ar & AR_UNUSABLE);
}

/* --- A good load ------------------------------------------------------------------------ */

static void test_good(bool is64)
{
    char name[96], pfx[16];
    snprintf(pfx, sizeof pfx, "pvh%d", is64 ? 64 : 32);
#define N(s) (snprintf(name, sizeof name, "%s: %s", pfx, s), name)
    struct elf e;
    mkelf(&e, is64);
    struct machine *m = new_machine(RAM, 2);
    /* Junk where the bss goes, to see it zeroed. */
    static u8 junk[BSS_END];
    memset(junk, 0x5a, sizeof junk);
    phys_copy_in(m, CODE_PA, junk, sizeof junk);
    static u8 initrd[10000];
    for (size_t n = 0; n < sizeof initrd; n++)
        initrd[n] = (u8)(n * 7 + 3);
    const char *rdpath = write_file("initrd", initrd, sizeof initrd);
    char err[256] = "";
    int rc =
        pvh_load_image(m, "k", e.b, e.len, "console=ttyS0 root=/dev/ram", rdpath, err, sizeof err);
    CHECK(N("loads"), rc == 0, "%s", err);

    CHECK_EQ(N("start_info magic"), rd(m, INFO + SI_MAGIC, 4), PVH_START_MAGIC);
    CHECK_EQ(N("start_info version 1"), rd(m, INFO + SI_VERSION, 4), 1);
    CHECK_EQ(N("start_info flags 0"), rd(m, INFO + SI_FLAGS, 4), 0);
    char cmd[64] = "";
    phys_copy_out(m, rd(m, INFO + SI_CMDLINE_PADDR, 8), cmd, 28);
    CHECK(N("command line"), strcmp(cmd, "console=ttyS0 root=/dev/ram") == 0, "'%s'", cmd);
    u64 rsdp = rd(m, INFO + SI_RSDP_PADDR, 8);
    char sig[9] = "";
    phys_copy_out(m, rsdp, sig, 8);
    CHECK(N("rsdp_paddr points at the RSDP"), rsdp == 0xf0000 && strcmp(sig, "RSD PTR ") == 0,
          "0x%llx '%s'", LL(rsdp), sig);

    /* The memory map: the e820 map the bzImage loader hands over, entry for entry. */
    struct e820_entry map[E820_MAX];
    int n = e820_build(m, map);
    u64 mm = rd(m, INFO + SI_MEMMAP_PADDR, 8);
    CHECK_EQ(N("memmap entries"), rd(m, INFO + SI_MEMMAP_ENTRIES, 4), n);
    int same = 0;
    for (int k = 0; k < n; k++) {
        u64 at = mm + (u64)k * MM_ENTRY;
        same += rd(m, at + MM_ADDR, 8) == map[k].base && rd(m, at + MM_SIZE, 8) == map[k].len &&
                rd(m, at + MM_TYPE, 4) == map[k].type && rd(m, at + MM_TYPE + 4, 4) == 0;
    }
    CHECK(N("memmap equals the e820 map"), same == n, "%d of %d entries", same, n);
    CHECK(N("start_info, memmap and command line in usable low RAM"),
          e820_usable(m, INFO, SI_SIZE) && e820_usable(m, mm, (u64)n * MM_ENTRY) &&
              e820_usable(m, CMDLINE, 28) && mm + (u64)n * MM_ENTRY <= CMDLINE,
          "memmap at 0x%llx", LL(mm));

    /* Module 0: the initrd, page-aligned at the top of the RAM below 4 GiB. */
    CHECK_EQ(N("one module"), rd(m, INFO + SI_NR_MODULES, 4), 1);
    u64 ml = rd(m, INFO + SI_MODLIST_PADDR, 8), rdpa = rd(m, ml + MOD_PADDR, 8);
    CHECK_EQ(N("module size"), rd(m, ml + MOD_SIZE, 8), sizeof initrd);
    CHECK_EQ(N("module at the top of RAM"), rdpa, (RAM - sizeof initrd) & ~0xfffull);
    CHECK(N("module cmdline and reserved zero"),
          rd(m, ml + MOD_CMDLINE_PADDR, 8) == 0 && rd(m, ml + 24, 8) == 0, "nonzero");
    static u8 back[sizeof initrd];
    phys_copy_out(m, rdpa, back, sizeof back);
    CHECK(N("initrd bytes"), memcmp(back, initrd, sizeof back) == 0, "differ");

    /* The segments at their physical addresses, the bss tail zeroed. */
    u8 seg[BSS_END];
    phys_copy_out(m, CODE_PA, seg, sizeof seg);
    bool zero = true;
    for (size_t k = 0x200; k < sizeof seg; k++)
        zero &= seg[k] == 0;
    CHECK(N("code segment at p_paddr"), memcmp(seg, code, sizeof code) == 0, "differs");
    CHECK(N("bss tail zeroed"), zero, "junk left");
    CHECK_EQ(N("data segment at p_paddr"), rd(m, DATA_PA + 15, 1), 0xdf);

    /* pvh.pandoc's entry state. */
    struct cpu *c = m->cpus[0];
    CHECK_EQ(N("rip is the note's entry, not e_entry"), c->rip, CODE_PA);
    CHECK_EQ(N("ebx = start_info"), c->r[RBX], INFO);
    CHECK_EQ(N("cr0 = PE (and ET)"), c->cr0, CR0_PE | CR0_ET);
    CHECK_EQ(N("cr4 = 0"), c->cr4, 0);
    CHECK_EQ(N("efer = 0"), c->efer, 0);
    CHECK(N("eflags IF, TF, VM clear"), !(c->rflags & (FL_IF | FL_TF | FL_VM)), "0x%llx",
          LL(c->rflags));
    CHECK(N("cs flat 32-bit execute/read"), flat(&c->seg[SEG_CS], 0xb), "ar 0x%x",
          c->seg[SEG_CS].ar);
    CHECK(N("ds, es, ss flat 32-bit read/write"),
          flat(&c->seg[SEG_DS], 0x3) && flat(&c->seg[SEG_ES], 0x3) && flat(&c->seg[SEG_SS], 0x3),
          "ar 0x%x 0x%x 0x%x", c->seg[SEG_DS].ar, c->seg[SEG_ES].ar, c->seg[SEG_SS].ar);
    const struct seg *tr = &c->seg[SEG_TR];
    CHECK(N("tr busy 32-bit TSS, base 0, limit 0x67"),
          tr->base == 0 && tr->limit == 0x67 && tr->ar == (0xb | AR_P),
          "base 0x%llx limit 0x%x ar 0x%x", LL(tr->base), tr->limit, tr->ar);
    CHECK(N("MTRRs enabled, write-back default, on every processor"),
          m->cpus[0]->mtrr_def_type == 0xc06 && m->cpus[1]->mtrr_def_type == 0xc06, "0x%llx 0x%llx",
          LL(m->cpus[0]->mtrr_def_type), LL(m->cpus[1]->mtrr_def_type));

    /* Run it: the exit status is (start_info version << 1) | 1. */
    enum machine_stop stop = machine_run(m);
    CHECK(N("runs and reads start_info via ebx"), stop == STOP_DEBUG_EXIT && m->exit_code == 3,
          "stop %d code %d", stop, m->exit_code);
    machine_destroy(m);

    /* No initrd: no modules. */
    m = new_machine(RAM, 1);
    rc = pvh_load_image(m, "k", e.b, e.len, NULL, NULL, err, sizeof err);
    CHECK(N("no initrd: no module, empty command line"),
          rc == 0 && rd(m, INFO + SI_NR_MODULES, 4) == 0 &&
              rd(m, INFO + SI_MODLIST_PADDR, 8) == 0 && rd(m, CMDLINE, 1) == 0,
          "rc %d %s", rc, err);
    machine_destroy(m);
#undef N
}

/* --- Bad inputs ----------------------------------------------------------------------- */

/* Loading must fail with one line containing `want`, and guest memory must be untouched. */
static void expect_fail(const char *name, const struct elf *e, size_t len, const char *initrd,
                        const char *cmdline, const char *want)
{
    struct machine *m = new_machine(RAM, 1);
    u8 mark[16];
    memset(mark, 0xa5, sizeof mark);
    phys_copy_in(m, CODE_PA, mark, sizeof mark);
    phys_copy_in(m, INFO, mark, sizeof mark);
    u64 rip = m->cpus[0]->rip;
    char err[256] = "";
    int rc = pvh_load_image(m, "k", e->b, len, cmdline, initrd, err, sizeof err);
    bool untouched = rd(m, CODE_PA, 8) == 0xa5a5a5a5a5a5a5a5ull &&
                     rd(m, INFO, 8) == 0xa5a5a5a5a5a5a5a5ull && m->cpus[0]->rip == rip;
    CHECK(name, rc != 0 && strstr(err, want) && !strchr(err, '\n') && untouched,
          "rc %d, message '%s' (want '%s'), memory %s", rc, err, want,
          untouched ? "untouched" : "written");
    machine_destroy(m);
}

static void test_bad(void)
{
    struct elf e;
    for (int w = 0; w < 2; w++) {
        bool is64 = w;
        char name[96];
#define N(s) (snprintf(name, sizeof name, "bad%d: %s", is64 ? 64 : 32, s), name)
        size_t ph0 = (is64 ? 64 : 52), es = is64 ? 56 : 32;
        size_t paddr = is64 ? 24 : 12, filesz = is64 ? 32 : 16, off = is64 ? 8 : 4;
        unsigned asz = is64 ? 8 : 4;
        mkelf(&e, is64);
        expect_fail(N("truncated ELF header"), &e, 40, NULL, "", "truncated ELF header");
        expect_fail(N("program headers cut off"), &e, ph0 + es, NULL, "",
                    "truncated ELF program headers");
        expect_fail(N("segment cut off"), &e, OFF_CODE + 0x100, NULL, "",
                    "beyond the end of the file");

        mkelf(&e, is64);
        put(e.b, ph0 + paddr, RAM - 0x100, asz);
        expect_fail(N("segment beyond RAM"), &e, e.len, NULL, "", "not in usable RAM");
        mkelf(&e, is64);
        put(e.b, ph0 + paddr, 0xf8000, asz);
        expect_fail(N("segment over the BIOS area"), &e, e.len, NULL, "", "not in usable RAM");
        mkelf(&e, is64);
        put(e.b, ph0 + paddr, 0x9f000, asz);
        expect_fail(N("segment over the EBDA"), &e, e.len, NULL, "", "not in usable RAM");
        mkelf(&e, is64);
        put(e.b, ph0 + paddr, 0xf000, asz); /* 0xf000-0x11fff: over start_info */
        expect_fail(N("segment over the boot information"), &e, e.len, NULL, "",
                    "overlaps the boot information");
        mkelf(&e, is64);
        put(e.b, ph0 + filesz, BSS_END + 1, asz);
        expect_fail(N("file size above memory size"), &e, e.len, NULL, "",
                    "file size above memory size");
        if (is64) {
            mkelf(&e, is64);
            put(e.b, ph0 + paddr, 0x100000000ull, 8);
            expect_fail(N("segment above 4 GiB"), &e, e.len, NULL, "", "not below 4 GiB");
        }

        mkelf(&e, is64);
        put(e.b, e.entry_desc - 4 - 4, 19, 4); /* the entry note's type */
        expect_fail(N("no entry note"), &e, e.len, NULL, "", "no PVH entry note");
        mkelf(&e, is64);
        put(e.b, ph0 + es, 3, 4); /* the PT_NOTE segment becomes an unknown type */
        expect_fail(N("no PT_NOTE segment"), &e, e.len, NULL, "", "no PVH entry note");
        mkelf(&e, is64);
        put(e.b, e.entry_desc - 4 - 8, 2, 4); /* its descsz */
        expect_fail(N("entry note too short"), &e, e.len, NULL, "", "descriptor bytes");
        mkelf(&e, is64);
        put(e.b, OFF_NOTES, 0x7ffffff0, 4); /* the first note's namesz */
        expect_fail(N("note runs past its segment"), &e, e.len, NULL, "", "runs past its segment");
        mkelf(&e, is64);
        put(e.b, ph0 + es + filesz, 8, asz); /* the PT_NOTE segment: 8 bytes */
        expect_fail(N("truncated note header"), &e, e.len, NULL, "", "truncated ELF note");
        mkelf(&e, is64);
        put(e.b, ph0 + es + off, 0x100000, asz);
        expect_fail(N("note segment beyond the file"), &e, e.len, NULL, "",
                    "note segment lies beyond");
        mkelf(&e, is64);
        put(e.b, e.entry_desc, 0x300000, 4);
        expect_fail(N("entry outside the segments"), &e, e.len, NULL, "",
                    "not inside a loaded segment");
        mkelf(&e, is64);
        put(e.b, e.entry_desc, CODE_PA + 0x200, 4); /* in the bss, not the file bytes */
        expect_fail(N("entry in the bss"), &e, e.len, NULL, "", "not inside a loaded segment");
        if (is64) {
            mkelf(&e, is64);
            put(e.b, e.entry_desc + 4, 1, 4);
            expect_fail(N("entry above 4 GiB"), &e, e.len, NULL, "", "not a 32-bit address");
        }
        mkelf(&e, is64);
        e.b[18] = is64 ? 3 : 62;
        expect_fail(N("wrong machine"), &e, e.len, NULL, "", is64 ? "not x86-64" : "not i386");
        e.b[18] = is64 ? 62 : 3;
        e.b[5] = 2;
        expect_fail(N("big-endian"), &e, e.len, NULL, "", "not little-endian");

        /* Initrd and command line. */
        mkelf(&e, is64);
        static u8 big[RAM - DATA_PA]; /* would start at DATA_PA, below the data's end */
        const char *bigpath = write_file("big", big, sizeof big);
        expect_fail(N("initrd does not fit above the kernel"), &e, e.len, bigpath, "",
                    "do not fit in RAM");
        static u8 huge[RAM + 1];
        const char *hugepath = write_file("huge", huge, sizeof huge);
        expect_fail(N("initrd larger than RAM"), &e, e.len, hugepath, "",
                    "do not fit in guest RAM");
        char missing[128];
        snprintf(missing, sizeof missing, "%s/missing", tmpdir);
        expect_fail(N("initrd missing"), &e, e.len, missing, "", "No such file");
        static char longcmd[E820_LOW_END - CMDLINE + 1];
        memset(longcmd, 'x', sizeof longcmd - 1);
        expect_fail(N("command line too long"), &e, e.len, NULL, longcmd, "command line");
#undef N
    }
}

/* --- -kernel: QEMU's order (bzImage, multiboot, PVH ELF) ------------------------------- */

static void test_kernel_load(void)
{
    struct elf e;
    mkelf(&e, true);
    char err[512] = "";
    struct machine *m = new_machine(RAM, 1);
    int rc = kernel_load(m, write_file("vmlinux", e.b, e.len), "", NULL, err, sizeof err);
    CHECK("kernel_load: an ELF with the note boots through PVH",
          rc == 0 && m->cpus[0]->r[RBX] == INFO && m->cpus[0]->rip == CODE_PA, "rc %d %s", rc, err);
    machine_destroy(m);

    /* The same ELF with a multiboot header: multiboot wins, as in QEMU. */
    put(e.b, 0x400, MB_HEADER_MAGIC, 4);
    put(e.b, 0x404, 0, 4);
    put(e.b, 0x408, (u32)(0u - MB_HEADER_MAGIC), 4);
    m = new_machine(RAM, 1);
    rc = kernel_load(m, write_file("both", e.b, e.len), "", NULL, err, sizeof err);
    CHECK("kernel_load: a multiboot header comes before the PVH note",
          rc == 0 && m->cpus[0]->r[RAX] == MB_BOOT_MAGIC, "rc %d %s, eax 0x%llx", rc, err,
          LL(m->cpus[0]->r[RAX]));
    machine_destroy(m);

    /* An ELF with neither: the PVH loader's message. */
    mkelf(&e, false);
    put(e.b, e.entry_desc - 8, 19, 4);
    m = new_machine(RAM, 1);
    rc = kernel_load(m, write_file("plain", e.b, e.len), "", NULL, err, sizeof err);
    CHECK("kernel_load: an ELF without note or multiboot header says so",
          rc != 0 && strstr(err, "no PVH entry note") && strstr(err, "multiboot"), "rc %d '%s'", rc,
          err);
    /* Neither ELF nor anything else: the old message, now naming PVH too. */
    static const u8 junk[64] = {1, 2, 3};
    rc = kernel_load(m, write_file("junk", junk, sizeof junk), "", NULL, err, sizeof err);
    CHECK("kernel_load: unknown format names every accepted kind",
          rc != 0 && strstr(err, "not a multiboot kernel") && strstr(err, "bzImage") &&
              strstr(err, "PVH") && !strchr(err, '\n'),
          "'%s'", err);
    machine_destroy(m);
}

/* --- Damaged images --------------------------------------------------------------------- */


static void test_fuzz(void)
{
    struct machine *m = new_machine(RAM, 1);
    static u8 small[64 << 10];
    const char *rdpath = write_file("fuzz-initrd", small, sizeof small);
    static const u32 vals[] = {0,        1,       4,           8,           18,
                               0xff,     0xffff,  0xffffffffu, 0x80000000u, 0x10000,
                               0x100000, CODE_PA, RAM,         0x7fffffff,  0xf0000};
    int loaded = 0, failed = 0, bad_msg = 0, bad_state = 0;
    struct elf e;
    for (int iter = 0; iter < 4000; iter++) {
        mkelf(&e, iter & 1);
        size_t len = e.len;
        int hits = 1 + (int)(next() % 3);
        for (int h = 0; h < hits; h++) {
            /* Headers and notes mostly; sometimes anywhere. */
            size_t off = next() % 4 ? next() % (e.note_end + 4) : next() % len;
            if (next() % 2) {
                u32 v = vals[next() % ARRAY_LEN(vals)];
                unsigned n = 1u << (next() % 3);
                if (off + n > len) off = len - n;
                store_le(e.b + off, n, v);
            } else {
                e.b[off] ^= (u8)(1u << (next() % 8));
            }
        }
        if (next() % 8 == 0) len = next() % len;
        const char *initrd = next() % 4 == 0 ? rdpath : NULL;
        char err[512] = "";
        int rc = pvh_load_image(m, "fuzz", e.b, len, "console=ttyS0", initrd, err, sizeof err);
        if (rc) {
            failed++;
            fuzz_check_message(err, iter, &bad_msg);
            continue;
        }
        loaded++;
        struct cpu *c = m->cpus[0];
        bool ok = c->r[RBX] == INFO && rd(m, INFO, 4) == PVH_START_MAGIC && c->rip < RAM &&
                  (!initrd || rd(m, INFO + SI_NR_MODULES, 4) == 1);
        if (!ok) {
            if (!bad_state)
                printf("FAIL fuzz state at iteration %d: rip 0x%llx\n", iter, LL(c->rip));
            bad_state++;
        }
    }
    printf("info: %d damaged images loaded, %d refused\n", loaded, failed);
    CHECK("fuzz: every failure has a one-line message", bad_msg == 0, "%d bad", bad_msg);
    CHECK("fuzz: every load leaves start_info and ebx consistent", bad_state == 0, "%d bad",
          bad_state);
    CHECK("fuzz: images both load and fail", loaded > 100 && failed > 100, "%d/%d", loaded, failed);
    machine_destroy(m);
}

int main(void)
{
    tmpdir_make("pvh");
    test_good(true);
    test_good(false);
    test_bad();
    test_kernel_load();
    test_fuzz();
    tmpdir_remove();
    return check_exit();
}
