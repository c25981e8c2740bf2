/* Command-line parsing. Options may be spelled with one dash or two, as in QEMU. Every
 * problem becomes one line naming the option and the bad value. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* QEMU size syntax: a number (fractions allowed) with an optional K/M/G/T suffix
 * (optionally followed by B or iB); a bare number means MiB, as for QEMU's -m. */
int parse_mem_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
    const char *orig = s;
    if (strncmp(s, "size=", 5) == 0) s += 5;
    if (!isdigit((unsigned char)*s)) return fail(err, errlen, "-m: bad memory size '%s'", orig);
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end == s) return fail(err, errlen, "-m: bad memory size '%s'", orig);
    double unit;
    switch (toupper((unsigned char)*end)) {
    case 0: unit = 1 << 20; break;
    case 'B': unit = 1; break;
    case 'K': unit = 1 << 10; break;
    case 'M': unit = 1 << 20; break;
    case 'G': unit = 1 << 30; break;
    case 'T': unit = 1024.0 * (1 << 30); break;
    default: return fail(err, errlen, "-m: bad memory size '%s' (use e.g. 128M or 1G)", orig);
    }
    if (*end) {
        end++;
        if (unit != 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0 || strcmp(end, "b") == 0))
            end += strlen(end);
        if (*end) return fail(err, errlen, "-m: bad memory size '%s' (use e.g. 128M or 1G)", orig);
    }
    double b = v * unit;
    if (b >= 18446744073709551616.0) return fail(err, errlen, "-m: memory size '%s' is too large", orig);
    if (b != (double)(uint64_t)b) return fail(err, errlen, "-m: memory size '%s' is not a whole number of bytes", orig);
    *bytes = (uint64_t)b;
    if (*bytes < (2u << 20))
        return fail(err, errlen, "-m: memory size '%s' is below the 2 MiB minimum", orig);
    if (*bytes % 4096)
        return fail(err, errlen, "-m: memory size '%s' is not a multiple of 4 KiB", orig);
    return 0;
}

int parse_u64(const char *what, const char *s, uint64_t *v, char *err, size_t errlen)
{
    if (!isdigit((unsigned char)*s)) return fail(err, errlen, "%s: bad number '%s'", what, s);
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || *end) return fail(err, errlen, "%s: bad number '%s'", what, s);
    *v = x;
    return 0;
}

/* "-smp N" or "-smp cpus=N", optionally followed by topology keys, which only have to be
 * well formed: every processor is presented as its own package. */
int parse_smp(const char *s, int *n, char *err, size_t errlen)
{
    static const char *const topo[] = { "sockets=", "cores=", "threads=", "dies=", "maxcpus=" };
    const char *p = s;
    if (strncmp(p, "cpus=", 5) == 0) p += 5;
    char *end;
    errno = 0;
    long v = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : -1;
    if (v < 0 || errno || (*end && *end != ','))
        return fail(err, errlen, "-smp: bad processor count '%s'", s);
    if (v < 1 || v > 64) return fail(err, errlen, "-smp: processor count %ld is outside 1..64", v);
    while (*end == ',') {
        const char *key = end + 1;
        size_t k = 0;
        while (k < sizeof topo / sizeof topo[0] && strncmp(key, topo[k], strlen(topo[k])) != 0) k++;
        if (k == sizeof topo / sizeof topo[0]) return fail(err, errlen, "-smp: unknown parameter in '%s'", s);
        const char *num = key + strlen(topo[k]);
        if (!isdigit((unsigned char)*num)) return fail(err, errlen, "-smp: bad value in '%s'", s);
        strtol(num, &end, 10);
        if (*end && *end != ',') return fail(err, errlen, "-smp: bad value in '%s'", s);
    }
    *n = (int)v;
    return 0;
}

/* -gdb: tcp::PORT, tcp:HOST:PORT or unix:PATH (QEMU's chardev spellings that make sense
 * for a debugger); the socket itself is opened by the stub. */
int parse_gdb(const char *s, char *err, size_t errlen)
{
    if (!strncmp(s, "unix:", 5)) {
        if (!s[5] || strchr(s + 5, ',')) return fail(err, errlen, "-gdb: bad Unix socket path in '%s'", s);
        return 0;
    }
    const char *colon = !strncmp(s, "tcp:", 4) ? strrchr(s + 4, ':') : NULL;
    if (!colon) return fail(err, errlen, "-gdb: '%s' is not tcp::PORT, tcp:HOST:PORT or unix:PATH", s);
    const char *port = colon + 1;
    char *end;
    errno = 0;
    long p = isdigit((unsigned char)*port) ? strtol(port, &end, 10) : -1;
    if (p < 0 || errno || *end || p > 65535) return fail(err, errlen, "-gdb: bad port '%s' in '%s' (0..65535)", port, s);
    return 0;
}

/* -device: isa-debug-exit, which is always there at 0xf4/4, and pc-testdev (QEMU's test
 * device, off unless asked for; it takes no parameters). */
static int parse_device(const char *s, struct options *o, char *err, size_t errlen)
{
    size_t n = strcspn(s, ",");
    if (n == strlen("pc-testdev") && strncmp(s, "pc-testdev", n) == 0) {
        if (s[n]) return fail(err, errlen, "-device: pc-testdev takes no parameters ('%s')", s);
        o->cfg.pc_testdev = 1;
        return 0;
    }
    if (n != strlen("isa-debug-exit") || strncmp(s, "isa-debug-exit", n) != 0)
        return fail(err, errlen, "-device: unsupported device '%.*s' (isa-debug-exit or pc-testdev)", (int)n, s);
    for (const char *p = s + n; *p;) {
        p++;
        size_t f = strcspn(p, ",");
        char buf[64];
        if (f >= sizeof buf) return fail(err, errlen, "-device: bad parameter in '%s'", s);
        memcpy(buf, p, f);
        buf[f] = 0;
        char *eq = strchr(buf, '=');
        uint64_t v;
        if (!eq) return fail(err, errlen, "-device: bad parameter '%s'", buf);
        *eq = 0;
        if (parse_u64("-device", eq + 1, &v, err, errlen)) return -1;
        if (strcmp(buf, "iobase") == 0 && v != 0xf4)
            return fail(err, errlen, "-device: isa-debug-exit is fixed at iobase=0xf4");
        if (strcmp(buf, "iosize") == 0 && v != 4 && v != 1 && v != 2)
            return fail(err, errlen, "-device: isa-debug-exit iosize must be 1, 2 or 4");
        if (strcmp(buf, "iobase") != 0 && strcmp(buf, "iosize") != 0)
            return fail(err, errlen, "-device: unknown isa-debug-exit parameter '%s'", buf);
        p += f;
    }
    return 0;
}

void options_usage(FILE *out)
{
    fprintf(out,
        "Usage: vanderpool [options]\n"
        "An x86-64 PC emulator with Intel VT-x. Boots Linux, PVH and multiboot kernels directly.\n"
        "\n"
        "Guest:\n"
        "  -kernel FILE        Linux bzImage, multiboot 1 kernel (ELF32, ELF64 or a.out kludge),\n"
        "                      or ELF kernel with a PVH entry note (Linux's vmlinux: no\n"
        "                      decompressor), told apart in that order as QEMU does\n"
        "  -append STR         kernel command line (multiboot kernels see \"FILE STR\")\n"
        "  -initrd FILE        Linux (bzImage or PVH): the initramfs\n"
        "  -initrd \"F1 a,F2\"   multiboot: modules, comma-separated \"file args\"; ',,' is a comma\n"
        "  -flat FILE          flat binary instead of a kernel (32-bit protected mode entry)\n"
        "  -flat-addr ADDR     where to load it (default 0x100000, or 0x7c00 with -flat-real)\n"
        "  -flat-real          start it in real mode at 0000:ADDR (ADDR below 1 MiB)\n"
        "Machine:\n"
        "  -m SIZE             RAM: 128 (MiB), 512K, 256M, 2G... (default 128M, minimum 2M)\n"
        "  -cpu MODEL[,+f,-f]  processor model and feature switches (-cpu help lists models)\n"
        "  -smp N              processors, 1..64 (cpus=N and topology keys accepted)\n"
        "  -serial DEV         COM1: stdio, file:PATH, none (default: output to stdout);\n"
        "                      stdio also reads stdin (a terminal in raw mode: Ctrl-A x\n"
        "                      quits, Ctrl-A Ctrl-A sends Ctrl-A)\n"
        "  -no-reboot          stop instead of resetting on triple fault or reset request\n"
        "  -tlb MODE           TLB across VMX transitions and invalidations: exact (default:\n"
        "                      tagged translations kept, evicted by capacity), strict (every\n"
        "                      stale translation kept until the SDM requires its invalidation),\n"
        "                      flush (everything dropped on every transition, as Bochs does)\n"
        "  -device isa-debug-exit[,iobase=0xf4,iosize=0x04]   accepted; always present\n"
        "  -device pc-testdev  QEMU's test device: data port 0xe0, page flush 0xe4, byte data\n"
        "                      port 0xe8 (covers debugcon's 0xe9), IRQ lines 0x2000-0x2017,\n"
        "                      64 KiB RAM-like MMIO window at 0xff000000 (off by default)\n"
        "  -nographic, -display none, -machine pc, -accel tcg  accepted and ignored\n"
        "Debugging:\n"
        "  -d LIST             trace: exec,int,cpu_reset,unimp,io,vmx,ept,all (-d help)\n"
        "  -D FILE             write traces and diagnostics to FILE (default stderr)\n"
        "  -icount-limit N     stop after N instructions\n"
        "  -gdb DEV            wait for gdb on DEV: tcp::PORT, tcp:HOST:PORT or unix:PATH\n"
        "                      (the machine runs until gdb attaches; `monitor help` in gdb\n"
        "                      lists the VMX commands: vmx, vmcs, break vmexit, ept, tlb)\n"
        "  -s                  shorthand for -gdb tcp::1234\n"
        "  -S                  do not start the processors until gdb says so\n"
        "  -seed N             seed for RDRAND/RDSEED (runs are deterministic)\n"
        "  -stats              at exit, print instructions executed, host time and MIPS,\n"
        "                      and if the guest used VMX, VM entries, VMfails and a table of\n"
        "                      VM exits by reason\n"
        "  -h, --help          this text\n"
        "  --version           version\n"
        "\n"
        "Exit status:\n"
        "  0    the guest shut down through the Bochs port (0x8900 \"Shutdown\") or ACPI\n"
        "       (S5 power-off), or Ctrl-A x at the terminal (-serial stdio)\n"
        "  odd  the guest wrote V to isa-debug-exit (port 0xf4): status (V << 1) | 1\n"
        "  2    bad command line, or a missing, unreadable or malformed image\n"
        "  4    triple fault or reset with -no-reboot\n"
        "  6    every processor halted and nothing can wake it (the message says why)\n"
        "  8    -icount-limit reached\n");
}

/* Options that take a value, and those that do not. */
static const char *const with_value[] = {
    "kernel", "append", "initrd", "m", "cpu", "smp", "serial", "d", "D", "device", "display",
    "bios", "L", "icount-limit", "seed", "flat", "flat-addr", "machine", "M", "accel", "tlb",
    "gdb",
};
static const char *const flags[] = {
    "no-reboot", "nographic", "flat-real", "help", "h", "version", "no-shutdown", "stats",
    "s", "S",
};

int options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    for (int k = 1; k < argc; k++) {
        const char *arg = argv[k];
        if (arg[0] != '-' || arg[1] == 0)
            return fail(err, errlen, "unexpected argument '%s' (disk images are not supported; use -kernel)", arg);
        const char *name = arg + 1 + (arg[1] == '-');
        bool takes = false, known = false;
        for (size_t n = 0; n < sizeof with_value / sizeof *with_value; n++)
            if (strcmp(name, with_value[n]) == 0) known = takes = true;
        for (size_t n = 0; n < sizeof flags / sizeof *flags; n++)
            if (strcmp(name, flags[n]) == 0) known = true;
        if (!known) return fail(err, errlen, "unknown option '%s' (see --help)", arg);
        const char *val = NULL;
        if (takes) {
            if (k + 1 >= argc) return fail(err, errlen, "option '%s' needs a value", arg);
            val = argv[++k];
        }

        if (!strcmp(name, "help") || !strcmp(name, "h")) {
            options_usage(stdout);
            return 1;
        } else if (!strcmp(name, "version")) {
            printf("vanderpool %s\n", VP_VERSION);
            return 1;
        } else if (!strcmp(name, "kernel")) {
            o->kernel = val;
        } else if (!strcmp(name, "append")) {
            o->append = val;
        } else if (!strcmp(name, "initrd")) {
            o->initrd = val;
        } else if (!strcmp(name, "flat")) {
            o->flat = val;
        } else if (!strcmp(name, "flat-addr")) {
            if (parse_u64("-flat-addr", val, &o->flat_addr, err, errlen)) return -1;
            o->flat_addr_set = true;
        } else if (!strcmp(name, "flat-real")) {
            o->flat_real = true;
        } else if (!strcmp(name, "m")) {
            if (parse_mem_size(val, &o->cfg.ram_size, err, errlen)) return -1;
        } else if (!strcmp(name, "cpu")) {
            if (!strcmp(val, "help") || !strcmp(val, "?")) {
                vp_cpu_list(stdout);
                return 1;
            }
            o->cfg.cpu = val;
        } else if (!strcmp(name, "smp")) {
            if (parse_smp(val, &o->cfg.smp, err, errlen)) return -1;
        } else if (!strcmp(name, "serial")) {
            if (strcmp(val, "stdio") && strcmp(val, "mon:stdio") && strcmp(val, "none") &&
                strcmp(val, "null") && (strncmp(val, "file:", 5) || !val[5]))
                return fail(err, errlen, "-serial: unsupported device '%s' (stdio, file:PATH or none)", val);
            o->serial = val;
        } else if (!strcmp(name, "d")) {
            uint32_t mask;
            if (!strcmp(val, "help") || !strcmp(val, "?")) {
                vp_trace_list(stdout);
                return 1;
            }
            if (vp_trace_parse(val, &mask, err, errlen)) return -1;
            o->cfg.trace = val;
        } else if (!strcmp(name, "D")) {
            o->logfile = val;
        } else if (!strcmp(name, "stats")) {
            o->stats = true;
        } else if (!strcmp(name, "no-reboot")) {
            o->cfg.no_reboot = 1;
        } else if (!strcmp(name, "device")) {
            if (parse_device(val, o, err, errlen)) return -1;
        } else if (!strcmp(name, "display")) {
            if (strcmp(val, "none")) return fail(err, errlen, "-display: only 'none' is supported (there is no display)");
        } else if (!strcmp(name, "machine") || !strcmp(name, "M")) {
            size_t n = strcspn(val, ",");
            if (!((n == 2 && !strncmp(val, "pc", 2)) || (n >= 5 && !strncmp(val, "type=pc", 7))))
                return fail(err, errlen, "-machine: only 'pc' is supported, not '%s'", val);
        } else if (!strcmp(name, "accel")) {
            if (strcmp(val, "tcg")) return fail(err, errlen, "-accel: only 'tcg' makes sense for an emulator, not '%s'", val);
        } else if (!strcmp(name, "icount-limit")) {
            if (parse_u64("-icount-limit", val, &o->cfg.insn_limit, err, errlen)) return -1;
        } else if (!strcmp(name, "tlb")) {
            o->cfg.tlb = val; /* checked by vp_create */
        } else if (!strcmp(name, "gdb")) {
            if (parse_gdb(val, err, errlen)) return -1;
            o->gdb = val;
        } else if (!strcmp(name, "s")) {
            o->gdb = "tcp::1234";
        } else if (!strcmp(name, "S")) {
            o->start_stopped = true;
        } else if (!strcmp(name, "seed")) {
            if (parse_u64("-seed", val, &o->cfg.seed, err, errlen)) return -1;
        }
        /* -nographic, -no-shutdown, -bios and -L: nothing to do (no display, no firmware). */
    }
    if (o->kernel && o->flat) return fail(err, errlen, "-kernel and -flat are mutually exclusive");
    if (!o->kernel && !o->flat) return fail(err, errlen, "no kernel given (use -kernel FILE; see --help)");
    if ((o->append || o->initrd) && !o->kernel) return fail(err, errlen, "-append and -initrd need -kernel");
    if (!o->flat && (o->flat_addr_set || o->flat_real)) return fail(err, errlen, "-flat-addr and -flat-real need -flat");
    if (o->start_stopped && !o->gdb) return fail(err, errlen, "-S needs -gdb or -s (nothing else can start the machine)");
    if (!o->flat_addr_set) o->flat_addr = o->flat_real ? 0x7c00 : 0x100000;
    return 0;
}
