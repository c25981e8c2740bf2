/* Vanderpool: an x86-64 PC emulator whose processor implements Intel VT-x.
 *
 * The public C API. A `vp_machine` is self-contained: several can live in one process.
 * Functions that can fail return a negative value or NULL and write one line saying why
 * into the caller's error buffer. */
#ifndef VANDERPOOL_H
#define VANDERPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VP_VERSION "0.1.0"

typedef struct vp_machine vp_machine;

typedef struct vp_config {
    uint64_t ram_size;      /* bytes; 0 means 128 MiB */
    const char *cpu;        /* CPU model name with optional ",+feature,-feature"; NULL = default */
    int smp;                /* processors; 0 means 1 */
    int no_reboot;          /* triple fault / reset stops the run instead of resetting */
    const char *trace;      /* comma-separated -d categories ("exec,int"), or NULL */
    FILE *serial_out;       /* COM1 output; NULL = stdout */
    /* COM1 input, or NULL for none: up to max bytes into buf, returning how many (0 for
     * none at the moment), -1 when the input has ended, -2 to end the run (status 0).
     * Called at points fixed in virtual time (src/dev/uart16550.c); must not block. */
    int (*serial_in)(void *ctx, uint8_t *buf, int max);
    /* Optional: every processor is halted and virtual time is about to jump ns ahead; a
     * terminal may wait for a keystroke up to that long in host time (files and pipes
     * must not, or runs would depend on the host's timing). */
    void (*serial_idle)(void *ctx, uint64_t ns);
    void *serial_in_ctx;
    FILE *log;              /* traces and diagnostics; NULL = stderr */
    uint64_t insn_limit;    /* stop after this many instructions; 0 = no limit */
    uint64_t seed;          /* RDRAND/RDSEED seed */
    int pc_testdev;         /* add QEMU's pc-testdev (-device pc-testdev): data port 0xe0,
                               IRQ-line ports 0x2000-0x2017, 64 KiB window at 0xff000000 */
    const char *tlb;        /* -tlb: "exact" (NULL), "strict" or "flush" (README) */
} vp_config;

/* Why vp_run returned. */
typedef enum vp_stop {
    VP_STOP_DEBUG_EXIT = 1, /* guest wrote port 0xf4; exit status in vp_exit_status() */
    VP_STOP_SHUTDOWN,       /* triple fault (or reset) with no_reboot */
    VP_STOP_HALTED,         /* all processors halted and nothing can wake them (vp_halt_reason) */
    VP_STOP_LIMIT,          /* insn_limit reached */
    VP_STOP_DEBUG,          /* a debugging stop: breakpoint, watchpoint, step, VMX event
                               (vp_debug_event says which) */
    VP_STOP_BUDGET,         /* vp_run_for ran its instructions without another stop */
} vp_stop;

vp_machine *vp_create(const vp_config *cfg, char *err, size_t errlen);
void vp_destroy(vp_machine *m);

/* Load a multiboot 1 kernel (ELF32, ELF64 or a.out kludge). `cmdline` is passed after the
 * kernel path as QEMU does; `modules` is a comma-separated list "file arg,file2" or NULL. */
int vp_load_multiboot(vp_machine *m, const char *path, const char *cmdline,
                      const char *modules, char *err, size_t errlen);
/* Load a kernel the way QEMU's -kernel does: a Linux bzImage (32-bit boot protocol;
 * `initrd` one initramfs file or NULL, `cmdline` the kernel command line as is) or else a
 * multiboot kernel (`initrd` its module list, as for vp_load_multiboot). */
int vp_load_kernel(vp_machine *m, const char *path, const char *cmdline, const char *initrd,
                   char *err, size_t errlen);
/* Load a flat binary at a physical address and start the boot processor there in
 * 32-bit protected mode with flat segments (or real mode when addr < 1 MiB and real != 0). */
int vp_load_flat(vp_machine *m, const char *path, uint64_t addr, int real, char *err,
                 size_t errlen);

vp_stop vp_run(vp_machine *m);
/* The process exit status the guest asked for: (value << 1) | 1 for port 0xf4. */
int vp_exit_status(const vp_machine *m);
/* After VP_STOP_HALTED: why no processor can run again ("all processors halted with
 * interrupts disabled", "... and no interrupt source armed", ...), without a newline. */
void vp_halt_reason(const vp_machine *m, char *buf, size_t len);
uint64_t vp_icount(const vp_machine *m);
/* The VMX exit summary: VM entries, VMfails and VM exits by reason, summed over the
 * processors, one "vanderpool: " line each. Prints nothing if VMX was never used. */
void vp_vmx_summary(vp_machine *m, FILE *out);

/* Register access on processor `cpu`. Names: "rax".."r15", "rip", "rflags", "cr0", "cr2",
 * "cr3", "cr4", "cr8", "efer", "xcr0", "es".."gs", "ldtr", "tr" (selectors) and their
 * hidden parts "cs_base", "cs_limit", "cs_ar" (VMX access-rights format), "gdtr_base",
 * "gdtr_limit", "idtr_base", "idtr_limit", "cpl", "icount" (read-only). Returns 0, or -1
 * for an unknown name or processor. */
int vp_get_reg(vp_machine *m, int cpu, const char *name, uint64_t *val);
int vp_set_reg(vp_machine *m, int cpu, const char *name, uint64_t val);
/* The x87 and SSE state. vp_get_reg/vp_set_reg also know "fcw", "fsw" (with TOP: a write
 * moves the stack), "ftw" (the full 2-bit tag word, as FNSTENV stores it; a write keeps
 * only empty or not), "fop", "fip", "fcs", "fdp", "fds" and "mxcsr". The wide registers,
 * as little-endian bytes: "st0".."st7" (10 bytes, in stack order: st0 is the physical
 * register TOP, stN the register TOP+N), "xmm0".."xmm15" (16 bytes) and "ymm0h".."ymm15h"
 * (bits 255:128 of the YMM registers, 16 bytes). Returns the
 * register's size (the bytes read or written), or -1 for an unknown name or processor, or
 * a buffer of a different size for a write (smaller for a read). */
int vp_get_reg_bytes(vp_machine *m, int cpu, const char *name, void *buf, size_t len);
int vp_set_reg_bytes(vp_machine *m, int cpu, const char *name, const void *buf, size_t len);
/* Physical memory access; returns 0, or -1 if the range is not RAM. */
int vp_read_phys(vp_machine *m, uint64_t addr, void *buf, size_t len);
int vp_write_phys(vp_machine *m, uint64_t addr, const void *buf, size_t len);

/* --- Debugging (the gdb stub, src/tool/gdbstub*.c) --------------------------------------
 * Breakpoints and watchpoints live in the emulator (guest memory is never patched); while
 * any is set, or a step is armed, processors run one instruction at a time. Nothing here
 * costs anything while no debugger asks for it. */
int vp_cpu_count(const vp_machine *m);
/* Run like vp_run, but return VP_STOP_BUDGET after about n more instructions (all
 * processors together), so that a front end can look at its own input in between. */
vp_stop vp_run_for(vp_machine *m, uint64_t n);
/* Arm a single-step of processor `cpu`: the next run stops (VP_STOP_DEBUG, VP_DBG_STEP)
 * at the boundary after it retired exactly one instruction or delivered an exception. */
int vp_debug_step(vp_machine *m, int cpu);
/* Breakpoint kinds: instruction (at a linear address: CS base + RIP) and watchpoints on
 * linear data addresses [addr, addr + len). Returns 0, or -1 (bad kind, table full, or for
 * remove: not set). */
enum { VP_BP_INSN = 0, VP_WATCH_WRITE = 2, VP_WATCH_READ = 3, VP_WATCH_ACCESS = 4 };
int vp_debug_insert(vp_machine *m, int kind, uint64_t addr, uint64_t len);
int vp_debug_remove(vp_machine *m, int kind, uint64_t addr, uint64_t len);
/* Stop at VMX transitions: a mask of VP_BREAK_* (0 = none); `exit_reason` restricts
 * VP_BREAK_VMEXIT to one basic exit reason (-1 = any). */
enum { VP_BREAK_VMEXIT = 1, VP_BREAK_VMENTRY = 2, VP_BREAK_VMENTRY_FAIL = 4 };
void vp_debug_vmx_break(vp_machine *m, unsigned mask, int exit_reason);
/* Forget every breakpoint, watchpoint, step and VMX stop. */
void vp_debug_clear(vp_machine *m);
/* The event of the last VP_STOP_DEBUG. */
enum { VP_DBG_NONE, VP_DBG_STEP, VP_DBG_BREAK, VP_DBG_WATCH, VP_DBG_VMEXIT, VP_DBG_VMENTRY,
       VP_DBG_VMENTRY_FAIL };
typedef struct vp_debug_event {
    int kind;          /* VP_DBG_* */
    int cpu;           /* the processor that stopped */
    uint64_t addr;     /* VP_DBG_WATCH: the watched address; VP_DBG_BREAK: linear PC */
    int watch_kind;    /* VP_DBG_WATCH: VP_WATCH_* */
    uint32_t reason;   /* VP_DBG_VMEXIT: full exit reason; VP_DBG_VMENTRY_FAIL: VMfail
                          number (7, 8) or 0 for an entry-failure VM exit */
    const char *check; /* VP_DBG_VMENTRY_FAIL: the failed check's name */
} vp_debug_event;
void vp_debug_get_event(const vp_machine *m, vp_debug_event *ev);
/* Memory at a linear address of processor `cpu`, through its current paging (and EPT in
 * VMX non-root operation) without side effects: no A/D flags, no faults, whatever the
 * CPL, SMAP or WP. Returns 0, or -1 if some byte is unmapped or not RAM. */
int vp_read_linear(vp_machine *m, int cpu, uint64_t addr, void *buf, size_t len);
int vp_write_linear(vp_machine *m, int cpu, uint64_t addr, const void *buf, size_t len);
/* Text views for a debugger, printed to `out`: "vmx" (VMX operation, current VMCS, last
 * exit), "vmcs" (the current VMCS by field name, controls decoded), "ept" (EPT walk of
 * guest-physical `addr`), "tlb" (translation of linear `addr`). -1 for an unknown view
 * or processor. */
int vp_debug_show(vp_machine *m, int cpu, const char *view, uint64_t addr, FILE *out);
/* A basic VM-exit reason by number ("10") or name ("CPUID", "ept-violation", as in
 * exit_reasons.h, case and '-'/'_'/' ' ignored); -1 if none. */
int vp_exit_reason_parse(const char *s);
const char *vp_exit_reason_name(uint32_t reason);

/* Helpers for front ends. vp_trace_parse turns a -d list into the trace bit mask
 * (0, or -1 with a reason in err); the list functions print help for -d help / -cpu help. */
int vp_trace_parse(const char *list, uint32_t *mask, char *err, size_t errlen);
void vp_trace_list(FILE *out);
void vp_cpu_list(FILE *out);

#ifdef __cplusplus
}
#endif
#endif
