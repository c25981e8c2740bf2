/* The board: RAM and the physical address space, the port-I/O and MMIO buses, virtual
 * time and device timers, interrupt routing and the processors. */
#ifndef VP_MACHINE_H
#define VP_MACHINE_H

#include <stdarg.h>
#include <stdio.h>

#include "../common.h"

struct cpu;
struct block_cache;

#define MAX_CPUS 64
#define MAX_MMIO 16
#define MAX_TIMERS 96
#define MAX_IO_HANDLERS 64
#define MACHINE_FEATURE_WORDS 17 /* room for struct cpu_features (src/cpu/cpumodel.h) */
#define PAGE_SIZE 4096u
#define FOUR_GB 0x100000000ull
#define PCI_HOLE_START 0xe0000000ull /* RAM above this is remapped above 4 GiB, as QEMU's pc */

/* Port I/O: size is 1, 2 or 4. `c` is the accessing processor. */
struct io_handler {
    u32 (*read)(void *opaque, struct cpu *c, u16 port, unsigned size);
    void (*write)(void *opaque, struct cpu *c, u16 port, unsigned size, u32 val);
    void *opaque;
};

/* MMIO: `off` is relative to the region base; size is 1, 2, 4 or 8. `c` is the
 * accessing processor (the local APIC is per processor), or NULL for loaders. */
struct mmio_region {
    u64 base, size;
    u64 (*read)(void *opaque, struct cpu *c, u64 off, unsigned size);
    void (*write)(void *opaque, struct cpu *c, u64 off, unsigned size, u64 val);
    void *opaque;
};

/* A device's next event in virtual time. deadline is in virtual nanoseconds (TIME_NEVER =
 * disarmed); the machine calls fire() once time reaches it, and the device re-arms it if
 * it repeats. */
#define TIME_NEVER UINT64_MAX
struct timer {
    u64 deadline;
    void (*fire)(void *opaque, u64 now);
    void *opaque;
};

/* Serial input for COM1: up to max bytes into buf; returns how many (0: none now),
 * SERIAL_IN_END when the input has ended, or SERIAL_IN_QUIT when the user asked to end
 * the run (which then stops with status 0). */
enum { SERIAL_IN_END = -1, SERIAL_IN_QUIT = -2 };
typedef int (*serial_in_fn)(void *ctx, u8 *buf, int max);
/* Every processor is halted and virtual time is about to jump ns ahead: an interactive
 * input may wait for the user, in host time, up to about that long (it returns at once
 * when there is input). Only a terminal does; files and pipes must not (determinism). */
typedef void (*serial_idle_fn)(void *ctx, u64 ns);

/* Why vp_run() returned. */
enum machine_stop {
    STOP_NONE,
    STOP_DEBUG_EXIT,   /* isa-debug-exit (port 0xf4) or Bochs' 0x8900 "Shutdown" */
    STOP_SHUTDOWN,     /* triple fault with -no-reboot */
    STOP_HALTED,       /* every processor halted and nothing can wake it (machine_halt_reason) */
    STOP_LIMIT,        /* instruction limit reached */
    STOP_RESET,        /* reset requested and the host asked not to reboot */
    STOP_DEBUG,        /* a debugger's breakpoint, watchpoint, step or VMX stop (debugger.h) */
};

/* Trace categories for -d. */
enum {
    TRACE_EXEC = 1u << 0, TRACE_INT = 1u << 1, TRACE_CPU_RESET = 1u << 2,
    TRACE_UNIMP = 1u << 3, TRACE_IO = 1u << 4, TRACE_VMX = 1u << 5, TRACE_EPT = 1u << 6,
};

struct machine {
    /* Physical memory: [0, ram_below_4g) maps to ram[0..], [4G, 4G + ram_above_4g) maps
     * to ram[ram_below_4g..]. */
    u8 *ram;
    u64 ram_size, ram_below_4g, ram_above_4g;
    u8 *code_page;  /* per RAM page: nonzero if decoded instructions came from it */
    u32 *page_gen;  /* per RAM page: bumped when code on it is overwritten */
    u8 *open_bus;   /* a page of all ones (reads) and a scratch page (writes) for unbacked
                       physical pages, plus a guard page; see translate_fill() in mem.c */

    struct io_handler io_handlers[MAX_IO_HANDLERS];
    u8 io_map[65536]; /* port -> index into io_handlers (0 = unassigned) */
    int n_io;
    struct mmio_region mmio[MAX_MMIO];
    int n_mmio;

    struct timer *timers[MAX_TIMERS];
    int n_timers;
    u64 now;          /* virtual time in ns at the start of the current slice */
    u64 slice_end;    /* virtual time at which the current slice ends */
    u64 slice_start_time; /* the running CPU's cpu_time() when its clock read `now` */
    struct cpu *running; /* the processor executing now, or NULL */
    u64 tsc_floor;       /* the latest virtual time any processor's TSC read showed */

    struct cpu *cpus[MAX_CPUS];
    int ncpus;
    struct block_cache *blocks; /* decoded code, shared by all processors */

    /* Devices (src/dev). */
    struct uart *uart;
    struct pic *pic;
    struct pit *pit;
    struct rtc *rtc;
    struct ioapic *ioapic;
    struct pci *pci;
    struct fw_cfg *fw_cfg;
    struct reset_ctl *reset;
    struct i8042 *i8042;
    struct acpi_pm *acpi_pm; /* and the ACPI tables (src/dev/acpi.h) */
    struct hpet *hpet;
    struct pc_testdev *testdev; /* -device pc-testdev, or NULL */
    /* The PC's FERR# latch (board.c): set when an x87 error with CR0.NE = 0 asserts FERR#,
     * it holds IRQ 13 high until software writes port F0H (SDM Vol. 1 D.2.1). */
    bool ferr_latched;

    /* Configuration. */
    int cpu_model; /* index into the CPU model table */
    /* -cpu +feature / -feature switches, as struct cpu_features words applied on top of the
     * model's defaults (src/cpu/cpumodel.c). */
    u32 features_on[MACHINE_FEATURE_WORDS], features_off[MACHINE_FEATURE_WORDS];
    /* What the three above determine, computed once (cpu_feature_cache, cpumodel.c): the
     * feature words and the VMX capability MSRs 480H-492H, which page walks, VM entries
     * and exits consult many times each. Keyed by the model; whoever changes
     * features_on/features_off after machine_create calls machine_features_changed(). */
    struct feature_cache {
        bool valid;
        int model;
        u32 words[MACHINE_FEATURE_WORDS];
        u32 vmx_exists; /* bit k: MSR 480H + k exists */
        u64 vmx_msr[32];
    } fcache;
    bool no_reboot;
    bool pc_testdev; /* board_create adds QEMU's pc-testdev */
    u8 tlb_policy;   /* -tlb: enum tlb_policy (cpu.h) */
    u32 trace;
    FILE *serial_out; /* UART output (stdout by default) */
    serial_in_fn serial_in; /* UART input (src/dev/uart16550.c), or NULL */
    serial_idle_fn serial_idle; /* or NULL */
    void *serial_in_ctx;
    FILE *log;        /* traces and diagnostics (stderr by default) */
    u64 icount_limit; /* 0 = none */
    /* A caller that must regain control often (the gdb stub polling its socket): return
     * STOP_LIMIT after this many slices as well, so that processors halted for a long
     * while (no instructions retire, time skips ahead) do not keep it away. 0 = none. */
    u64 slice_limit;
    u64 rng_seed;

    /* The debugger (debugger.h): NULL until one asks for something. dbg_step: every
     * processor runs one instruction at a time and asks dbg_before_insn(); dbg_watch: data
     * accesses take the slow path; dbg_vmx: DBG_VMX_* transitions that stop the machine. */
    struct debugger *dbg;
    bool dbg_step, dbg_watch;
    u8 dbg_vmx;

    /* Stop request. */
    enum machine_stop stop;
    int exit_code;
    bool reset_requested;
    /* Called after a machine reset to boot again (the loader re-runs: there is no firmware). */
    void (*boot_hook)(struct machine *m, void *ctx);
    void *boot_ctx;
};

/* --- Physical memory (src/machine/physmem.c) ------------------------------------- */

/* Host pointer for a RAM byte, or NULL for MMIO / unbacked addresses. */
static inline u8 *phys_ram(struct machine *m, u64 pa)
{
    if (pa < m->ram_below_4g) return m->ram + pa;
    if (pa >= FOUR_GB && pa - FOUR_GB < m->ram_above_4g) return m->ram + m->ram_below_4g + (pa - FOUR_GB);
    return NULL;
}
/* RAM page index (for code_page / page_gen) of a RAM address; caller checked phys_ram. */
static inline u64 phys_page_index(const struct machine *m, u64 pa)
{
    return (pa < FOUR_GB ? pa : pa - FOUR_GB + m->ram_below_4g) >> 12;
}
/* Access physical memory: RAM, MMIO, or open bus (reads all ones, writes ignored).
 * Writes to pages holding decoded code invalidate it. Accesses must not cross a page. */
u64 phys_read(struct machine *m, struct cpu *c, u64 pa, unsigned size);
void phys_write(struct machine *m, struct cpu *c, u64 pa, unsigned size, u64 val);
/* Bulk copies for loaders and DMA-like devices (may cross pages). false if not all RAM. */
bool phys_copy_in(struct machine *m, u64 pa, const void *src, size_t n);
/* features_on/features_off changed (host tests): the feature cache is recomputed. */
static inline void machine_features_changed(struct machine *m) { m->fcache.valid = false; }
bool phys_copy_out(struct machine *m, u64 pa, void *dst, size_t n);
/* A write is about to land on a code page: invalidate decoded code from that page. */
void phys_code_written(struct machine *m, u64 page_index);

/* --- Buses (src/machine/bus.c) --------------------------------------------------- */

void io_register(struct machine *m, u16 first, u16 count, const struct io_handler *h);
u32 io_read(struct machine *m, struct cpu *c, u16 port, unsigned size);
void io_write(struct machine *m, struct cpu *c, u16 port, unsigned size, u32 val);
void mmio_register(struct machine *m, const struct mmio_region *r);
struct mmio_region *mmio_find(struct machine *m, u64 pa);
/* True if any MMIO region overlaps [pa, pa + size). */
bool mmio_overlaps(const struct machine *m, u64 pa, u64 size);

/* --- Time (src/machine/timer.c) -------------------------------------------------- */

/* Current virtual time in ns, exact even in the middle of a processor's slice. */
u64 machine_now(const struct machine *m);
void timer_register(struct machine *m, struct timer *t);
/* Arm (or re-arm, or disarm with TIME_NEVER) a timer; shortens the running slice if the
 * new deadline is earlier than its end. */
void timer_arm(struct machine *m, struct timer *t, u64 deadline);
u64 timer_next_deadline(const struct machine *m);
/* Fire every timer whose deadline is at or before m->now. */
void timer_fire_due(struct machine *m);
/* Let ns of virtual time pass on the running processor c without an instruction (a VM
 * entry or exit): its clock moves on and its slice ends that much sooner. */
void cpu_stall(struct cpu *c, u64 ns);
/* Advance virtual time by ns with no processor running, firing due timers (device tests). */
void machine_advance(struct machine *m, u64 ns);

/* --- Interrupts (src/dev/intr.c) ------------------------------------------------- */

/* Set the level of an interrupt line (ISA IRQ / GSI number) on the PIC and I/O APIC. */
void irq_set(struct machine *m, int gsi, int level);
/* Edge helper: raise then lower. */
void irq_pulse(struct machine *m, int gsi);
/* What the processor sees: a maskable interrupt is requested (RFLAGS.IF not considered). */
bool intr_pending(struct cpu *c);
/* Interrupt acknowledge cycle: the vector to deliver. */
int intr_ack(struct cpu *c);
/* Wake a processor to look at its event inputs (interrupt line, NMI, INIT, SIPI). */
void cpu_kick(struct cpu *c);
/* An INIT or STARTUP IPI arrives at processor c (src/cpu/exec.c keeps their order). */
void cpu_signal_init(struct cpu *c);
void cpu_signal_sipi(struct cpu *c, u8 vector);

/* Local APIC as the MSR and CPUID code sees it (src/dev/lapic.c). */
struct lapic *lapic_create(struct machine *m, struct cpu *c);
void lapic_destroy(struct lapic *l);
void lapic_reset(struct lapic *l, bool init_only);
/* IA32_APIC_BASE was written (enable, x2APIC mode, relocation); false = invalid value. */
bool lapic_set_base(struct cpu *c, u64 val);
/* The processor's own xAPIC MMIO window (at IA32_APIC_BASE, xAPIC mode only) covers part
 * of [pa, pa + size); accesses there go to its APIC, not to the bus. */
bool lapic_window_overlaps(const struct cpu *c, u64 pa, u64 size);
u64 lapic_mmio_read(struct cpu *c, u64 pa, unsigned size);
void lapic_mmio_write(struct cpu *c, u64 pa, unsigned size, u64 val);
/* x2APIC MSRs 0x800-0x8ff and IA32_TSC_DEADLINE (0x6e0); false = #GP. */
bool lapic_msr_read(struct cpu *c, u32 msr, u64 *val);
bool lapic_msr_write(struct cpu *c, u32 msr, u64 val);
/* The task-priority register, which CR8 reads and writes as TPR[7:4] (SDM Vol. 3 11.8.6). */
u8 lapic_get_tpr(struct cpu *c);
void lapic_set_tpr(struct cpu *c, u8 tpr);

/* --- Board wiring (src/dev/board.c) ------------------------------------------------ */

/* Create the chipset devices (UART, PICs, PIT, RTC, I/O APIC, PCI host, fw_cfg, debug
 * exit, port 0xe9, reset control, 8042, ACPI PM block, HPET, and pc-testdev if
 * m->pc_testdev) and register them on the buses; board_reset also writes the ACPI tables. */
bool board_create(struct machine *m, char *err, size_t errlen);
void board_reset(struct machine *m);
void board_destroy(struct machine *m);
/* An x87 error with CR0.NE = 0 asserts FERR#: IRQ 13 through the latch port F0H clears. */
void ferr_assert(struct machine *m);

/* --- Machine (src/machine/machine.c) --------------------------------------------- */

struct machine_config {
    u64 ram_size;
    int ncpus;
    int cpu_model;
    const u32 *features; /* MACHINE_FEATURE_WORDS words from cpu_model_parse, or NULL for the
                            model's defaults */
    bool no_reboot;
    bool pc_testdev; /* QEMU's pc-testdev (src/dev/pc_testdev.c) */
    u8 tlb_policy;   /* enum tlb_policy (cpu.h) */
    u32 trace;
    FILE *serial_out, *log;
    serial_in_fn serial_in;
    serial_idle_fn serial_idle;
    void *serial_in_ctx;
    u64 icount_limit;
    u64 rng_seed;
};
/* Returns NULL with a one-line reason in err on bad configuration or no memory. */
struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen);
void machine_destroy(struct machine *m);
/* Power-on reset of every processor and device. */
void machine_reset(struct machine *m);
/* Run until a stop condition; returns it. */
enum machine_stop machine_run(struct machine *m);
/* After STOP_HALTED: why no processor can ever run again, as one line. */
void machine_halt_reason(const struct machine *m, char *buf, size_t len);
void machine_request_stop(struct machine *m, enum machine_stop why, int code);
/* Processor asked for reset (triple fault, 0xCF9, port 0x92, keyboard controller). */
void machine_request_reset(struct machine *m, const char *why);
/* Diagnostic output to the machine's log, prefixed "vanderpool: ". */
void machine_log(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
