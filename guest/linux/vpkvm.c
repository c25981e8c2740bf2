/* vpkvm: the project's small KVM client (issue 10). It runs inside a Linux guest of
 * Vanderpool (built static, carried in the initramfs) and uses /dev/kvm, that is, the
 * guest kernel's kvm-intel on Vanderpool's VT-x, to run an L2 guest:
 *
 *   vpkvm [-m MiB] [-t SECONDS] -kernel bzImage|vmlinux [-initrd FILE] [-append CMDLINE]
 *   vpkvm [-m MiB] [-t SECONDS] -flat FILE                  (a real-mode image)
 *
 * A bzImage is entered through the 32-bit boot protocol (Documentation/arch/x86/
 * boot.rst): the protected-mode part at 1 MiB, boot_params at 0x10000 with the setup
 * header, an e820 map, the command line and the initrd. An uncompressed vmlinux (ELF) is
 * entered at startup_64 through the 64-bit boot protocol, skipping the decompressor. A flat image is loaded at
 * 0000:7C00 and entered in real mode, as a boot sector. The machine: KVM's in-kernel PIC,
 * I/O APIC, local APIC and PIT, the host's supported CPUID with the hypervisor bit, a 16550 at 0x3F8 (output
 * to stdout, interrupt 4) and a CMOS clock emulated here; no i8042. The run ends at a
 * reset (the keyboard controller's 0xFE, 0xCF9, a triple fault: status 0), at a write to
 * port 0xF4 (QEMU's isa-debug-exit: status (value << 1) | 1), or on a KVM error (status 1
 * with a message).
 * Bad arguments or files: one line, status 2. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOOT_PARAMS 0x10000u
#define CMDLINE 0x20000u
#define KERNEL_LOAD 0x100000u
#define FLAT_LOAD 0x7c00u

static int kvm, vm, vcpu;
static uint8_t *ram;
static size_t ram_size;
static struct kvm_run *run;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
}

static _Noreturn void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vpkvm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
    int r = ioctl(fd, req, arg);
    if (r < 0) die(1, "%s: %s", what, strerror(errno));
    return r;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) die(2, "%s: %s", path, strerror(errno));
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0) die(2, "%s: read failed", path);
        got += (size_t)n;
    }
    if (!buf) die(2, "%s: out of memory", path);
    close(fd);
    *len = got;
    return buf;
}

static void put(uint64_t gpa, const void *src, size_t n, const char *what)
{
    if (gpa > ram_size || n > ram_size - gpa) die(2, "%s does not fit in %zu MiB of RAM", what, ram_size >> 20);
    memcpy(ram + gpa, src, n);
}
static void put_le(uint64_t gpa, unsigned n, uint64_t v)
{
    for (unsigned k = 0; k < n; k++) ram[gpa + k] = (uint8_t)(v >> (8 * k));
}
static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned k = 0; k < n; k++) v |= (uint64_t)p[k] << (8 * k);
    return v;
}

/* --- the 16550 at 0x3F8 ------------------------------------------------------------- */

static struct {
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    int thri;  /* transmitter-empty interrupt pending (cleared by reading IIR or writing THR) */
    int level; /* the IRQ 4 line as last set */
} uart;

static void uart_irq(void)
{
    int level = (uart.ier & 2) && uart.thri;
    if (level == uart.level) return;
    uart.level = level;
    struct kvm_irq_level l = {.irq = 4, .level = (uint32_t)level};
    xioctl(vm, KVM_IRQ_LINE, &l, "KVM_IRQ_LINE");
}

static uint8_t uart_in(unsigned reg)
{
    int dlab = uart.lcr & 0x80;
    uint8_t v = 0;
    switch (reg) {
    case 0: v = dlab ? uart.dll : 0; break;
    case 1: v = dlab ? uart.dlm : uart.ier; break;
    case 2: /* IIR: THRE interrupt (reading it clears it), or none; FIFOs "enabled" */
        v = (uart.ier & 2) && uart.thri ? 0xc2 : 0xc1;
        if (v == 0xc2) uart.thri = 0;
        break;
    case 3: v = uart.lcr; break;
    case 4: v = uart.mcr; break;
    case 5: v = 0x60; break;                    /* LSR: THR and transmitter empty */
    case 6: v = (uart.mcr & 0x10) ? (uint8_t)((uart.mcr & 0xf) << 4) : 0xb0; /* DCD DSR CTS */
        break;
    case 7: v = uart.scr; break;
    }
    uart_irq();
    return v;
}

static void uart_out(unsigned reg, uint8_t v)
{
    int dlab = uart.lcr & 0x80;
    switch (reg) {
    case 0:
        if (dlab) {
            uart.dll = v;
        } else {
            putchar(v);
            if (v == '\n') fflush(stdout);
            uart.thri = 1;
        }
        break;
    case 1:
        if (dlab) uart.dlm = v;
        else {
            if ((v & 2) && !(uart.ier & 2)) uart.thri = 1; /* enabling THRE: it is empty */
            uart.ier = v & 0x0f;
        }
        break;
    case 3: uart.lcr = v; break;
    case 4: uart.mcr = v & 0x1f; break;
    case 7: uart.scr = v; break;
    }
    uart_irq();
}

/* --- the CMOS RTC at 0x70/0x71 ------------------------------------------------------ */

/* A clock that reads the same fixed date every time (2026-01-01 00:00:00, BCD, 24-hour),
 * never updating (UIP clear): the L2 kernel reads its time at once instead of timing out,
 * and runs stay deterministic. */
static uint8_t cmos_index;
static uint8_t cmos_read(void)
{
    switch (cmos_index & 0x7f) {
    case 0x06: return 0x05;              /* day of week */
    case 0x07: case 0x08: return 0x01;   /* day of month, month */
    case 0x09: return 0x26;              /* year */
    case 0x32: return 0x20;              /* century */
    case 0x0a: return 0x26;              /* UIP clear, 32.768 kHz, 1024 Hz */
    case 0x0b: return 0x02;              /* 24-hour, BCD, no interrupts */
    case 0x0d: return 0x80;              /* battery good */
    default: return 0;
    }
}

/* --- port I/O ------------------------------------------------------------------------ */

static void io_exit(void)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    for (uint32_t k = 0; k < run->io.count; k++, data += run->io.size) {
        unsigned port = run->io.port;
        uint32_t v = (uint32_t)get_le(data, run->io.size);
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            if (port >= 0x3f8 && port <= 0x3ff) uart_out(port - 0x3f8, (uint8_t)v);
            else if (port == 0x70) cmos_index = (uint8_t)v;
            else if (port == 0xf4) {
                fflush(stdout);
                exit((int)((v << 1) | 1) & 0xff);
            } else if ((port == 0x64 && (v & 0xff) == 0xfe) || (port == 0xcf9 && (v & 4))) {
                fflush(stdout);
                fprintf(stderr, "vpkvm: guest reset\n");
                exit(0);
            }
        } else {
            uint32_t r = 0xffffffffu;
            if (port >= 0x3f8 && port <= 0x3ff) r = uart_in(port - 0x3f8);
            else if (port == 0x71) r = cmos_read();
            /* No i8042: 0x60/0x64 read all ones, as on a PC without one, which Linux tells
             * at once (its buffer never drains) instead of timing out on commands. */
            memcpy(data, &r, run->io.size);
        }
    }
}

/* --- loading ------------------------------------------------------------------------- */

static void e820(unsigned idx, uint64_t addr, uint64_t len, uint32_t type)
{
    uint64_t e = BOOT_PARAMS + 0x2d0 + 20 * idx; /* boot_params.e820_table */
    put_le(e, 8, addr);
    put_le(e + 8, 8, len);
    put_le(e + 16, 4, type);
    ram[BOOT_PARAMS + 0x1e8] = (uint8_t)(idx + 1); /* e820_entries */
}

/* What the loaders found: where to enter (the 32-bit entry of a bzImage, or the 64-bit
 * startup_64 of an ELF vmlinux), where the kernel's memory ends, and its limits. */
struct kernel {
    uint64_t entry, end;
    uint64_t initrd_max, cmdline_max;
    int long_mode;
};

/* A bzImage: the protected-mode part at 1 MiB and its setup header into boot_params. */
static void load_bzimage(const uint8_t *k, size_t klen, const char *kpath, struct kernel *out)
{
    if (klen < 0x264 || memcmp(k + 0x202, "HdrS", 4)) die(2, "%s: neither a bzImage (no HdrS header) nor an ELF vmlinux", kpath);
    unsigned version = (unsigned)get_le(k + 0x206, 2);
    if (version < 0x206) die(2, "%s: boot protocol %x.%02x, need 2.06 or later", kpath, version >> 8, version & 0xff);
    if (!(k[0x211] & 1)) die(2, "%s: not a bzImage (LOADED_HIGH clear)", kpath);
    unsigned setup_sects = k[0x1f1] ? k[0x1f1] : 4;
    size_t pm_off = (size_t)(setup_sects + 1) * 512;
    if (pm_off >= klen) die(2, "%s: truncated", kpath);
    put(KERNEL_LOAD, k + pm_off, klen - pm_off, "the kernel");
    size_t hdr_end = 0x202 + k[0x201]; /* the setup header ends where its jump lands */
    if (hdr_end > klen || hdr_end > 0x280) hdr_end = 0x268;
    put(BOOT_PARAMS + 0x1f1, k + 0x1f1, hdr_end - 0x1f1, "boot_params");
    out->entry = get_le(k + 0x214, 4);                      /* code32_start */
    out->end = KERNEL_LOAD + get_le(k + 0x260, 4);          /* init_size */
    out->initrd_max = get_le(k + 0x22c, 4);
    out->cmdline_max = get_le(k + 0x238, 4);
    out->long_mode = 0;
}

/* An uncompressed vmlinux (ELF64, as the kernel build leaves it): its PT_LOAD segments at
 * their physical addresses, entered at startup_64 through the 64-bit boot protocol with a
 * setup header of our own, as firmware-less VMMs boot Linux. It skips the bzImage's
 * decompressor. */
static void load_elf(const uint8_t *k, size_t klen, const char *kpath, struct kernel *out)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)k;
    if (klen < sizeof *eh || eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
        eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > klen ||
        eh->e_phnum > (klen - eh->e_phoff) / sizeof(Elf64_Phdr))
        die(2, "%s: not an x86-64 ELF vmlinux", kpath);
    out->end = 0;
    for (unsigned n = 0; n < eh->e_phnum; n++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(k + eh->e_phoff) + n;
        if (ph->p_type != PT_LOAD) continue;
        if (ph->p_offset > klen || ph->p_filesz > klen - ph->p_offset || ph->p_filesz > ph->p_memsz)
            die(2, "%s: segment %u lies outside the file", kpath, n);
        if (ph->p_paddr > ram_size || ph->p_memsz > ram_size - ph->p_paddr)
            die(2, "%s does not fit in %zu MiB of RAM", kpath, ram_size >> 20);
        memcpy(ram + ph->p_paddr, k + ph->p_offset, ph->p_filesz);
        memset(ram + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
        if (ph->p_paddr + ph->p_memsz > out->end) out->end = ph->p_paddr + ph->p_memsz;
    }
    if (!out->end) die(2, "%s: no loadable segment", kpath);
    uint64_t bp = BOOT_PARAMS;
    put_le(bp + 0x1fe, 2, 0xaa55);       /* boot_flag */
    memcpy(ram + bp + 0x202, "HdrS", 4);
    put_le(bp + 0x206, 2, 0x20f);        /* protocol 2.15 */
    ram[bp + 0x211] = 0x01;              /* LOADED_HIGH */
    put_le(bp + 0x230, 4, 0x200000);     /* kernel_alignment */
    out->entry = eh->e_entry;
    out->initrd_max = 0x7fffffff;
    out->cmdline_max = 2048;
    out->long_mode = 1;
}

/* Load a bzImage or vmlinux, fill boot_params (command line, initrd, e820 map). */
static void load_linux(const char *kpath, const char *ipath, const char *cmdline, struct kernel *kk)
{
    size_t klen;
    uint8_t *k = read_file(kpath, &klen);
    memset(ram + BOOT_PARAMS, 0, 4096);
    if (klen >= 4 && !memcmp(k, ELFMAG, SELFMAG)) load_elf(k, klen, kpath, kk);
    else load_bzimage(k, klen, kpath, kk);
    free(k);
    uint64_t bp = BOOT_PARAMS;
    ram[bp + 0x210] = 0xff;              /* type_of_loader: undefined */
    ram[bp + 0x211] |= 0x80;             /* CAN_USE_HEAP */
    put_le(bp + 0x224, 2, 0xde00);       /* heap_end_ptr */
    size_t clen = strlen(cmdline);
    if (clen > kk->cmdline_max) die(2, "the command line is longer than the kernel's %u bytes", (unsigned)kk->cmdline_max);
    put(CMDLINE, cmdline, clen + 1, "the command line");
    put_le(bp + 0x228, 4, CMDLINE);      /* cmd_line_ptr */
    if (ipath) {
        size_t ilen;
        uint8_t *init = read_file(ipath, &ilen);
        uint64_t top = ram_size < kk->initrd_max + 1 ? ram_size : kk->initrd_max + 1;
        if (ilen > top || ((top - ilen) & ~0xfffull) < kk->end) die(2, "%s does not fit below the kernel's initrd limit", ipath);
        uint64_t at = (top - ilen) & ~0xfffull;
        put(at, init, ilen, "the initrd");
        put_le(bp + 0x218, 4, at);       /* ramdisk_image */
        put_le(bp + 0x21c, 4, ilen);     /* ramdisk_size */
        free(init);
    }
    e820(0, 0, 0x9fc00, 1);
    e820(1, 0x9fc00, 0x400, 2);
    e820(2, 0xf0000, 0x10000, 2);
    e820(3, 0x100000, ram_size - 0x100000, 1);
}

/* 64-bit mode for the 64-bit boot protocol: a GDT with __BOOT_CS 0x10 and __BOOT_DS 0x18,
 * page tables mapping the first GiB one to one with 2 MiB pages, PAE, LME/LMA, PG. */
#define BOOT_GDT 0x500u
#define BOOT_PML4 0x9000u
static void enter_long_mode(struct kvm_sregs *sregs)
{
    put_le(BOOT_GDT + 0x10, 8, 0x00af9b000000ffffull);
    put_le(BOOT_GDT + 0x18, 8, 0x00cf93000000ffffull);
    put_le(BOOT_PML4, 8, (BOOT_PML4 + 0x1000) | 3);
    put_le(BOOT_PML4 + 0x1000, 8, (BOOT_PML4 + 0x2000) | 3);
    for (uint64_t n = 0; n < 512; n++) put_le(BOOT_PML4 + 0x2000 + 8 * n, 8, (n << 21) | 0x83);
    sregs->gdt.base = BOOT_GDT;
    sregs->gdt.limit = 0x1f;
    sregs->cs = (struct kvm_segment){.limit = 0xffffffffu, .selector = 0x10, .type = 0xb, .present = 1,
                                     .s = 1, .l = 1, .g = 1};
    sregs->ds = (struct kvm_segment){.limit = 0xffffffffu, .selector = 0x18, .type = 0x3, .present = 1,
                                     .s = 1, .db = 1, .g = 1};
    sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
    sregs->cr3 = BOOT_PML4;
    sregs->cr4 |= 0x20;                  /* PAE */
    sregs->efer |= 0x500;                /* LME, LMA */
    sregs->cr0 |= 0x80000011u;           /* PG, ET, PE */
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code32)
{
    *s = (struct kvm_segment){.base = 0, .limit = code32 ? 0xffffffffu : 0xffff, .selector = sel,
                              .type = type, .present = 1, .s = 1, .db = (uint8_t)code32,
                              .g = (uint8_t)code32};
}

int main(int argc, char **argv)
{
    const char *kpath = NULL, *ipath = NULL, *flat = NULL, *cmdline = "console=ttyS0";
    unsigned mib = 256, seconds = 0;
    for (int a = 1; a < argc; a++) {
        const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(o, "-m") && v) {
            char *end;
            mib = (unsigned)strtoul(v, &end, 10);
            if (*end || mib < 2 || mib > 3072) die(2, "-m %s: give MiB, 2 to 3072", v);
        } else if (!strcmp(o, "-t") && v) {
            char *end;
            seconds = (unsigned)strtoul(v, &end, 10);
            if (*end || !seconds) die(2, "-t %s: give seconds", v);
        } else if (!strcmp(o, "-kernel") && v) kpath = v;
        else if (!strcmp(o, "-initrd") && v) ipath = v;
        else if (!strcmp(o, "-append") && v) cmdline = v;
        else if (!strcmp(o, "-flat") && v) flat = v;
        else die(2, "usage: vpkvm [-m MiB] [-t SECONDS] (-kernel bzImage [-initrd FILE] [-append CMDLINE] | -flat FILE)");
        a++;
    }
    if (!kpath == !flat) die(2, "give one of -kernel or -flat");

    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die(1, "/dev/kvm: %s", strerror(errno));
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) die(1, "unexpected KVM API version");
    vm = xioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
    ram_size = (size_t)mib << 20;
    /* Guest RAM starts on a 2 MiB boundary of the host's (L1's) address space, as QEMU
     * aligns it, so that guest-physical and host-virtual addresses agree modulo 2 MiB:
     * only then can KVM map the guest with 2 MiB EPT pages backed by transparent huge
     * pages, and not take an EPT violation for every 4 KiB page the guest touches. */
    size_t huge = 2u << 20;
    uint8_t *map = mmap(NULL, ram_size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                        -1, 0);
    if (map == MAP_FAILED) die(1, "cannot map %u MiB of guest RAM", mib);
    ram = (uint8_t *)(((uintptr_t)map + huge - 1) & ~(uintptr_t)(huge - 1));
    madvise(ram, ram_size, MADV_HUGEPAGE);
    struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0,
                                                 .memory_size = ram_size, .userspace_addr = (uintptr_t)ram};
    xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
    /* Without unrestricted guest, kvm-intel runs real mode in virtual-8086 mode and needs
     * three pages for its TSS, and an identity-mapped page table without EPT. */
    ioctl(vm, KVM_SET_TSS_ADDR, (unsigned long)0xfffbd000);
    uint64_t idmap = 0xfffbc000;
    ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
    xioctl(vm, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
    struct kvm_pit_config pit = {.flags = 0};
    xioctl(vm, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2");
    vcpu = xioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
    int run_size = xioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die(1, "cannot map the vCPU's kvm_run");

    /* The host's supported CPUID, with the hypervisor bit (CPUID.1:ECX[31]) set, as QEMU
     * sets it: the guest then reads KVM's leaves from 40000000H (also in the supported
     * list) and uses the KVM clock instead of timing its TSC against the PIT, which costs
     * thousands of I/O exits. */
    unsigned n = 128;
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + n * sizeof cpuid->entries[0]);
    cpuid->nent = n;
    xioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
    for (unsigned k = 0; k < cpuid->nent; k++)
        if (cpuid->entries[k].function == 1) cpuid->entries[k].ecx |= 1u << 31;
    xioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");

    struct kvm_sregs sregs;
    struct kvm_regs regs = {.rflags = 2};
    xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
    if (kpath) {
        struct kernel kk;
        load_linux(kpath, ipath, cmdline, &kk);
        regs.rip = kk.entry;
        regs.rsi = BOOT_PARAMS;
        if (kk.long_mode) {
            enter_long_mode(&sregs);
        } else {
            seg(&sregs.cs, 0x10, 0xb, 1);
            seg(&sregs.ds, 0x18, 0x3, 1);
            sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
            sregs.cr0 |= 1; /* PE, paging off */
        }
    } else {
        size_t len;
        uint8_t *img = read_file(flat, &len);
        put(FLAT_LOAD, img, len, flat);
        free(img);
        regs.rip = FLAT_LOAD;
        regs.rsp = FLAT_LOAD;
        seg(&sregs.cs, 0, 0xb, 0);
        seg(&sregs.ds, 0, 0x3, 0);
        sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    }
    xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
    xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");

    if (seconds) {
        struct sigaction sa = {.sa_handler = on_alarm};
        sigaction(SIGALRM, &sa, NULL);
        alarm(seconds);
    }
    for (;;) {
        if (timed_out) {
            fflush(stdout);
            xioctl(vcpu, KVM_GET_REGS, &regs, "KVM_GET_REGS");
            xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
            fprintf(stderr, "vpkvm: time limit (-t %u) reached at rip %#llx, cr0 %#llx, efer %#llx\n", seconds,
                    (unsigned long long)regs.rip, (unsigned long long)sregs.cr0, (unsigned long long)sregs.efer);
            if (getenv("VPKVM_DUMP") && regs.rip < ram_size - 16)
                for (int k = -8; k < 8; k++) fprintf(stderr, "%02x%s", ram[regs.rip + k], k == -1 ? " | " : " ");
            exit(1);
        }
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die(1, "KVM_RUN: %s", strerror(errno));
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO: io_exit(); break;
        case KVM_EXIT_MMIO:
            if (!run->mmio.is_write) memset(run->mmio.data, 0xff, sizeof run->mmio.data);
            break;
        case KVM_EXIT_HLT: fflush(stdout); die(1, "the guest halted with interrupts off");
        case KVM_EXIT_SHUTDOWN:
            fflush(stdout);
            fprintf(stderr, "vpkvm: guest reset (triple fault or shutdown)\n");
            return 0;
        case KVM_EXIT_FAIL_ENTRY:
            die(1, "VM entry failed, hardware reason %#llx",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR: {
            /* Its data words (for a delivery error: vectoring info, exit reason, qualification,
             * ...) say what KVM met. */
            char words[256] = "";
            size_t used = 0;
            for (unsigned k = 0; k < run->internal.ndata && k < 8 && used < sizeof words - 24; k++)
                used += (size_t)snprintf(words + used, sizeof words - used, " %#llx",
                                         (unsigned long long)run->internal.data[k]);
            die(1, "KVM internal error, suberror %u, data%s", run->internal.suberror, words);
        }
        case KVM_EXIT_SYSTEM_EVENT:
            fflush(stdout);
            fprintf(stderr, "vpkvm: guest system event %u\n", run->system_event.type);
            return 0;
        default: die(1, "unexpected KVM exit %u", run->exit_reason);
        }
    }
}
