/* The public API (include/vanderpool.h): a thin layer that validates the user's
 * configuration, builds a struct machine and translates between the two vocabularies.
 * Everything lives in the vp_machine, so any number can coexist in a process. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vanderpool.h"

#include "cpu/cpu.h"
#include "cpu/cpumodel.h"
#include "cpu/x87.h"
#include "machine/debugger.h"
#include "machine/loader.h"
#include "machine/machine.h"
#include "vmx/dbgview.h"
#include "vmx/diag.h"

#define DEFAULT_RAM (128ull << 20)
#define MIN_RAM (2ull << 20)

struct vp_machine {
    struct machine *m;
    /* What to load again when the guest resets the machine: there is no firmware to do
     * it, so the loader plays the firmware's part on every boot. */
    enum { BOOT_NONE, BOOT_MULTIBOOT, BOOT_KERNEL, BOOT_FLAT } boot;
    char *path, *cmdline, *modules;
    u64 flat_addr;
    bool flat_real;
};

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* --- Configuration ----------------------------------------------------------------- */

static const struct {
    const char *name;
    u32 bits;
} trace_names[] = {
    { "exec", TRACE_EXEC }, { "in_asm", TRACE_EXEC }, /* QEMU's name for roughly the same */
    { "int", TRACE_INT }, { "cpu_reset", TRACE_CPU_RESET }, { "unimp", TRACE_UNIMP },
    { "guest_errors", TRACE_UNIMP }, { "io", TRACE_IO }, { "vmx", TRACE_VMX }, { "ept", TRACE_EPT },
    { "all", TRACE_EXEC | TRACE_INT | TRACE_CPU_RESET | TRACE_UNIMP | TRACE_IO | TRACE_VMX | TRACE_EPT },
};

int vp_trace_parse(const char *list, uint32_t *out, char *err, size_t errlen)
{
    *out = 0;
    if (!list) return 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t k = 0; k < ARRAY_LEN(trace_names); k++) {
            if (strlen(trace_names[k].name) == n && strncmp(p, trace_names[k].name, n) == 0) {
                *out |= trace_names[k].bits;
                found = true;
            }
        }
        if (!found && n) return fail(err, errlen, "unknown -d category '%.*s' (try -d help)", (int)n, p);
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

void vp_trace_list(FILE *out)
{
    fprintf(out, "Log categories for -d (comma-separated):\n"
                 "  exec       every instruction: CPU, CS:RIP, bytes, disassembly (alias in_asm)\n"
                 "  int        interrupts and exceptions as they are delivered\n"
                 "  cpu_reset  processor and machine resets\n"
                 "  unimp      unimplemented instructions and devices, MSRs refused with #GP (alias guest_errors)\n"
                 "  io         port I/O\n"
                 "  vmx        VMX instructions with their outcome, VM entries (failing check), VM exits\n"
                 "  all        everything above\n");
}

/* CPU model selection: the model table and the "+feat,-feat" switches belong to
 * cpumodel.c; the parsed feature set goes to the machine as plain words. */
static int resolve_cpu(const char *spec, int *model, struct cpu_features *features, char *err, size_t errlen)
{
    return cpu_model_parse(spec, model, features, err, errlen) ? 0 : -1;
}

void vp_cpu_list(FILE *out)
{
    fprintf(out, "CPU models for -cpu MODEL[,+feature,-feature...] (default %s):\n", CPU_MODEL_DEFAULT);
    cpu_model_list(out);
}

/* --- Lifecycle ----------------------------------------------------------------------- */

static void reboot_hook(struct machine *m, void *ctx);

vp_machine *vp_create(const vp_config *cfg, char *err, size_t errlen)
{
    static const vp_config defaults;
    if (!cfg) cfg = &defaults;
    struct machine_config mc = { 0 };
    mc.ram_size = cfg->ram_size ? cfg->ram_size : DEFAULT_RAM;
    if (mc.ram_size < MIN_RAM) {
        fail(err, errlen, "memory size %llu KiB is below the 2 MiB minimum",
             (unsigned long long)(mc.ram_size >> 10));
        return NULL;
    }
    mc.ncpus = cfg->smp ? cfg->smp : 1;
    if (mc.ncpus < 1 || mc.ncpus > MAX_CPUS) {
        fail(err, errlen, "processor count %d is outside 1..%d", cfg->smp, MAX_CPUS);
        return NULL;
    }
    struct cpu_features features;
    if (resolve_cpu(cfg->cpu, &mc.cpu_model, &features, err, errlen)) return NULL;
    mc.features = features.w;
    if (vp_trace_parse(cfg->trace, &mc.trace, err, errlen)) return NULL;
    mc.no_reboot = cfg->no_reboot != 0;
    mc.serial_out = cfg->serial_out;
    mc.serial_in = cfg->serial_in;
    mc.serial_idle = cfg->serial_idle;
    mc.serial_in_ctx = cfg->serial_in_ctx;
    mc.log = cfg->log;
    mc.icount_limit = cfg->insn_limit;
    mc.rng_seed = cfg->seed;
    mc.pc_testdev = cfg->pc_testdev != 0;
    if (!cfg->tlb || !strcmp(cfg->tlb, "exact")) mc.tlb_policy = TLB_EXACT;
    else if (!strcmp(cfg->tlb, "strict")) mc.tlb_policy = TLB_STRICT;
    else if (!strcmp(cfg->tlb, "flush")) mc.tlb_policy = TLB_FLUSH;
    else {
        fail(err, errlen, "-tlb: '%s' is not strict, flush or exact", cfg->tlb);
        return NULL;
    }

    vp_machine *vp = calloc(1, sizeof *vp);
    if (!vp) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    vp->m = machine_create(&mc, err, errlen);
    if (!vp->m) {
        free(vp);
        return NULL;
    }
    vp->m->boot_hook = reboot_hook;
    vp->m->boot_ctx = vp;
    return vp;
}

static void forget_boot(vp_machine *vp)
{
    free(vp->path);
    free(vp->cmdline);
    free(vp->modules);
    vp->path = vp->cmdline = vp->modules = NULL;
    vp->boot = BOOT_NONE;
}

void vp_destroy(vp_machine *vp)
{
    if (!vp) return;
    machine_destroy(vp->m);
    forget_boot(vp);
    free(vp);
}

/* --- Loading -------------------------------------------------------------------------- */

static int load(vp_machine *vp, char *err, size_t errlen)
{
    if (vp->boot == BOOT_MULTIBOOT)
        return multiboot_load(vp->m, vp->path, vp->cmdline, vp->modules, err, errlen);
    if (vp->boot == BOOT_KERNEL) return kernel_load(vp->m, vp->path, vp->cmdline, vp->modules, err, errlen);
    if (vp->boot == BOOT_FLAT) return flat_load(vp->m, vp->path, vp->flat_addr, vp->flat_real, err, errlen);
    return 0;
}

/* After a guest reset: load again, as firmware would boot again. Files that vanished or
 * changed meanwhile stop the machine rather than boot garbage. */
static void reboot_hook(struct machine *m, void *ctx)
{
    char err[512];
    if (load(ctx, err, sizeof err)) {
        machine_log(m, "reboot failed: %s", err);
        machine_request_stop(m, STOP_SHUTDOWN, 1);
    }
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *oom = true;
    return d;
}

static int remember_and_load(vp_machine *vp, int kind, const char *path, const char *cmdline,
                             const char *modules, char *err, size_t errlen)
{
    forget_boot(vp);
    bool oom = false;
    vp->path = dup_or_null(path, &oom);
    vp->cmdline = dup_or_null(cmdline, &oom);
    vp->modules = dup_or_null(modules, &oom);
    vp->boot = kind;
    if (oom) {
        forget_boot(vp);
        return fail(err, errlen, "out of memory");
    }
    if (load(vp, err, errlen)) {
        forget_boot(vp);
        return -1;
    }
    return 0;
}

int vp_load_multiboot(vp_machine *vp, const char *path, const char *cmdline,
                      const char *modules, char *err, size_t errlen)
{
    if (!vp || !path) return fail(err, errlen, "no kernel given");
    return remember_and_load(vp, BOOT_MULTIBOOT, path, cmdline, modules, err, errlen);
}

int vp_load_kernel(vp_machine *vp, const char *path, const char *cmdline, const char *initrd,
                   char *err, size_t errlen)
{
    if (!vp || !path) return fail(err, errlen, "no kernel given");
    return remember_and_load(vp, BOOT_KERNEL, path, cmdline, initrd, err, errlen);
}

int vp_load_flat(vp_machine *vp, const char *path, uint64_t addr, int real, char *err,
                 size_t errlen)
{
    if (!vp || !path) return fail(err, errlen, "no image given");
    vp->flat_addr = addr;
    vp->flat_real = real != 0;
    return remember_and_load(vp, BOOT_FLAT, path, NULL, NULL, err, errlen);
}

/* --- Running ---------------------------------------------------------------------------- */

vp_stop vp_run(vp_machine *vp)
{
    switch (machine_run(vp->m)) {
    case STOP_DEBUG_EXIT: return VP_STOP_DEBUG_EXIT;
    case STOP_HALTED: return VP_STOP_HALTED;
    case STOP_LIMIT: return VP_STOP_LIMIT;
    case STOP_DEBUG: return VP_STOP_DEBUG;
    case STOP_SHUTDOWN:
    case STOP_RESET:
    case STOP_NONE:
    default: return VP_STOP_SHUTDOWN;
    }
}

int vp_exit_status(const vp_machine *vp) { return vp->m->exit_code; }

void vp_halt_reason(const vp_machine *vp, char *buf, size_t len)
{
    machine_halt_reason(vp->m, buf, len);
}

uint64_t vp_icount(const vp_machine *vp)
{
    u64 n = 0;
    for (int k = 0; k < vp->m->ncpus; k++) n += vp->m->cpus[k]->icount;
    return n;
}

void vp_vmx_summary(vp_machine *vp, FILE *out) { vmx_diag_summary(vp->m, out); }

/* --- Memory ------------------------------------------------------------------------------ */

int vp_read_phys(vp_machine *vp, uint64_t addr, void *buf, size_t len)
{
    if (addr + len < addr) return -1;
    return phys_copy_out(vp->m, addr, buf, len) ? 0 : -1;
}

int vp_write_phys(vp_machine *vp, uint64_t addr, const void *buf, size_t len)
{
    if (addr + len < addr) return -1;
    return phys_copy_in(vp->m, addr, buf, len) ? 0 : -1;
}

/* --- Registers ----------------------------------------------------------------------------- */

static const char *const gpr_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const seg_names[8] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

/* Register names beyond the GPRs, segment selectors and "<seg>_base/_limit/_ar". */
enum reg_id {
    R_RIP, R_RFLAGS, R_CR0, R_CR2, R_CR3, R_CR4, R_CR8, R_EFER, R_XCR0, R_GDTR_BASE,
    R_GDTR_LIMIT, R_IDTR_BASE, R_IDTR_LIMIT, R_CPL, R_ICOUNT,
};
static const char *const other_names[] = {
    "rip", "rflags", "cr0", "cr2", "cr3", "cr4", "cr8", "efer", "xcr0", "gdtr_base",
    "gdtr_limit", "idtr_base", "idtr_limit", "cpl", "icount",
};

/* A parsed register name: kind 0 = GPR, 1 = segment field (field 0 sel, 1 base, 2 limit,
 * 3 ar), 2 = other. */
struct reg_ref {
    int kind, num, field;
};

static bool parse_reg(const char *name, struct reg_ref *r)
{
    for (int k = 0; k < 16; k++)
        if (strcmp(name, gpr_names[k]) == 0) return *r = (struct reg_ref){ 0, k, 0 }, true;
    static const char *const fields[] = { "", "_base", "_limit", "_ar" };
    for (int k = 0; k < 8; k++) {
        size_t n = strlen(seg_names[k]);
        if (strncmp(name, seg_names[k], n) != 0) continue;
        for (int f = 0; f < 4; f++)
            if (strcmp(name + n, fields[f]) == 0) return *r = (struct reg_ref){ 1, k, f }, true;
    }
    for (size_t k = 0; k < ARRAY_LEN(other_names); k++)
        if (strcmp(name, other_names[k]) == 0) return *r = (struct reg_ref){ 2, (int)k, 0 }, true;
    return false;
}

static struct cpu *cpu_of(vp_machine *vp, int index)
{
    if (!vp || index < 0 || index >= vp->m->ncpus) return NULL;
    return vp->m->cpus[index];
}

/* The x87 and SSE registers, all in the one FXSAVE-layout image c->fpu.fxsave (fpu.h,
 * x87.h): the scalar ones by name, then st0-st7 and xmm0-xmm15 as bytes. */
enum fp_id { F_FCW, F_FSW, F_FTW, F_FOP, F_FIP, F_FCS, F_FDP, F_FDS, F_MXCSR };
static const char *const fp_names[] = { "fcw", "fsw", "ftw", "fop", "fip", "fcs", "fdp", "fds", "mxcsr" };

static int fp_find(const char *name)
{
    for (size_t k = 0; k < ARRAY_LEN(fp_names); k++)
        if (strcmp(name, fp_names[k]) == 0) return (int)k;
    return -1;
}

static u64 fp_get(const struct cpu *c, int id)
{
    switch (id) {
    case F_FCW: return fx_get16(c, FX_FCW);
    case F_FSW: return fx_get16(c, FX_FSW);
    case F_FTW: return x87_full_tags(c);
    case F_FOP: return fx_get16(c, FX_FOP) & 0x7ff;
    case F_FIP: return load_le(&c->fpu.fxsave[FX_FIP], 8);
    case F_FCS: return fx_get16(c, X87_FCS);
    case F_FDP: return load_le(&c->fpu.fxsave[FX_FDP], 8);
    case F_FDS: return fx_get16(c, X87_FDS);
    default: return fx_mxcsr(c);
    }
}

/* As FLDCW/FLDENV would: FSW.ES and B follow the exception flags and masks. */
static void fp_set(struct cpu *c, int id, u64 v)
{
    switch (id) {
    case F_FCW: fx_set16(c, FX_FCW, (u16)v); x87_update_es(c); break;
    case F_FSW: fx_set16(c, FX_FSW, (u16)v); x87_update_es(c); break;
    case F_FTW: c->fpu.fxsave[FX_FTW] = x87_abridge((u16)v); break;
    case F_FOP: fx_set16(c, FX_FOP, (u16)(v & 0x7ff)); break;
    case F_FIP: store_le(&c->fpu.fxsave[FX_FIP], 8, v); break;
    case F_FCS: fx_set16(c, X87_FCS, (u16)v); break;
    case F_FDP: store_le(&c->fpu.fxsave[FX_FDP], 8, v); break;
    case F_FDS: fx_set16(c, X87_FDS, (u16)v); break;
    default: store_le(&c->fpu.fxsave[FX_MXCSR], 4, v & MXCSR_MASK); break;
    }
}

/* A register number 0-15 written in decimal at s, the whole rest of the name; -1 if not. */
static int reg_index16(const char *s, const char *suffix)
{
    char *end;
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9')) return -1;
    unsigned long n = strtoul(s, &end, 10);
    return n <= 15 && strcmp(end, suffix) == 0 ? (int)n : -1;
}

/* "st0".."st7" (size 10, *p the bytes of the physical register), "xmm0".."xmm15" (size 16)
 * or "ymm0h".."ymm15h" (bits 255:128 of YMMn, size 16); 0 for any other name. */
static size_t fp_wide(struct cpu *c, const char *name, u8 **p)
{
    int n;
    if (strncmp(name, "ymm", 3) == 0 && (n = reg_index16(name + 3, "h")) >= 0) {
        *p = c->fpu.ymmh[n];
        return 16;
    }
    if (name[0] == 's' && name[1] == 't' && name[2] >= '0' && name[2] <= '7' && !name[3]) {
        *p = &c->fpu.fxsave[FX_ST0 + 16 * x87_phys(c, (unsigned)(name[2] - '0'))];
        return 10;
    }
    if (strncmp(name, "xmm", 3) == 0 && (n = reg_index16(name + 3, "")) >= 0) {
        *p = fx_xmm(c, (unsigned)n);
        return 16;
    }
    return 0;
}

int vp_get_reg_bytes(vp_machine *vp, int cpu, const char *name, void *buf, size_t len)
{
    struct cpu *c = cpu_of(vp, cpu);
    u8 *p;
    size_t n;
    if (!c || !name || !buf || !(n = fp_wide(c, name, &p)) || len < n) return -1;
    memcpy(buf, p, n);
    return (int)n;
}

int vp_set_reg_bytes(vp_machine *vp, int cpu, const char *name, const void *buf, size_t len)
{
    struct cpu *c = cpu_of(vp, cpu);
    u8 *p;
    size_t n;
    if (!c || !name || !buf || !(n = fp_wide(c, name, &p)) || len != n) return -1;
    memcpy(p, buf, n);
    return (int)n;
}

int vp_get_reg(vp_machine *vp, int cpu, const char *name, uint64_t *val)
{
    struct cpu *c = cpu_of(vp, cpu);
    struct reg_ref r;
    int fp = c && name ? fp_find(name) : -1;
    if (fp >= 0) return *val = fp_get(c, fp), 0;
    if (!c || !name || !parse_reg(name, &r)) return -1;
    if (r.kind == 0) {
        *val = c->r[r.num];
    } else if (r.kind == 1) {
        const struct seg *s = &c->seg[r.num];
        *val = r.field == 0 ? s->sel : r.field == 1 ? s->base : r.field == 2 ? s->limit : s->ar;
    } else {
        switch (r.num) {
        case R_RIP: *val = c->rip; break;
        case R_RFLAGS: *val = cpu_get_rflags(c); break;
        case R_CR0: *val = c->cr0; break;
        case R_CR2: *val = c->cr2; break;
        case R_CR3: *val = c->cr3; break;
        case R_CR4: *val = c->cr4; break;
        case R_CR8: *val = c->cr8; break;
        case R_EFER: *val = c->efer; break;
        case R_XCR0: *val = c->xcr0; break;
        case R_GDTR_BASE: *val = c->gdtr.base; break;
        case R_GDTR_LIMIT: *val = c->gdtr.limit; break;
        case R_IDTR_BASE: *val = c->idtr.base; break;
        case R_IDTR_LIMIT: *val = c->idtr.limit; break;
        case R_CPL: *val = c->cpl; break;
        case R_ICOUNT: *val = c->icount; break;
        default: return -1;
        }
    }
    return 0;
}

/* Writes go straight into the state, like a debugger's; whatever derived state depends on
 * them (mode, TLB) is brought up to date afterwards. */
int vp_set_reg(vp_machine *vp, int cpu, const char *name, uint64_t val)
{
    struct cpu *c = cpu_of(vp, cpu);
    struct reg_ref r;
    int fp = c && name ? fp_find(name) : -1;
    if (fp >= 0) return fp_set(c, fp, val), 0;
    if (!c || !name || !parse_reg(name, &r)) return -1;
    if (r.kind == 0) {
        c->r[r.num] = val;
        return 0;
    }
    if (r.kind == 1) {
        struct seg *s = &c->seg[r.num];
        switch (r.field) {
        case 0:
            /* In real and virtual-8086 mode the selector alone defines the segment. */
            if ((c->mode == MODE_REAL || c->mode == MODE_V86) && r.num < SEG_LDTR)
                seg_load_real(c, r.num, (u16)val);
            else
                s->sel = (u16)val;
            break;
        case 1: s->base = val; break;
        case 2: s->limit = (u32)val; break;
        default: s->ar = (u32)val; break;
        }
        if (r.num == SEG_CS && c->mode != MODE_REAL && c->mode != MODE_V86)
            c->cpl = (c->seg[SEG_CS].ar & AR_DPL) >> AR_DPL_SHIFT;
    } else {
        switch (r.num) {
        case R_RIP: c->rip = c->next_rip = val; break;
        case R_RFLAGS: cpu_set_rflags(c, val | FL_FIXED1); break;
        case R_CR0: c->cr0 = val; break;
        case R_CR2: c->cr2 = val; break;
        case R_CR3: c->cr3 = val; break;
        case R_CR4: c->cr4 = val; break;
        case R_CR8: c->cr8 = val & 0xf; break;
        case R_EFER: c->efer = val; break;
        case R_XCR0: c->xcr0 = val; break;
        case R_GDTR_BASE: c->gdtr.base = val; break;
        case R_GDTR_LIMIT: c->gdtr.limit = (u32)val; break;
        case R_IDTR_BASE: c->idtr.base = val; break;
        case R_IDTR_LIMIT: c->idtr.limit = (u32)val; break;
        case R_CPL: c->cpl = val & 3; break;
        default: return -1; /* icount is read-only */
        }
    }
    cpu_update_mode(c);
    tlb_flush_all(c);
    return 0;
}

/* --- Debugging ------------------------------------------------------------------------------ */

int vp_cpu_count(const vp_machine *vp) { return vp->m->ncpus; }

vp_stop vp_run_for(vp_machine *vp, uint64_t n)
{
    struct machine *m = vp->m;
    u64 user = m->icount_limit, done = vp_icount(vp);
    u64 lim = n > UINT64_MAX - done ? UINT64_MAX : done + n;
    if (user && user < lim) lim = user;
    m->icount_limit = lim ? lim : 1;
    m->slice_limit = 1024; /* idle processors retire nothing: bound the slices too */
    vp_stop why = vp_run(vp);
    m->icount_limit = user;
    m->slice_limit = 0;
    if (why == VP_STOP_LIMIT && (!user || vp_icount(vp) < user)) return VP_STOP_BUDGET;
    return why;
}

int vp_debug_step(vp_machine *vp, int cpu)
{
    struct cpu *c = cpu_of(vp, cpu);
    struct debugger *d = c ? dbg_get(vp->m) : NULL;
    if (!d) return -1;
    d->step_cpu = cpu;
    d->step_icount = c->icount;
    dbg_update(vp->m);
    return 0;
}

int vp_debug_insert(vp_machine *vp, int kind, uint64_t addr, uint64_t len)
{
    struct debugger *d = dbg_get(vp->m);
    if (!d) return -1;
    if (kind == VP_BP_INSN) {
        if (d->nbp == DBG_MAX_BP) return -1;
        d->bp[d->nbp++] = addr;
    } else if (kind >= VP_WATCH_WRITE && kind <= VP_WATCH_ACCESS) {
        if (d->nwatch == DBG_MAX_WATCH || len == 0 || len > 4096) return -1;
        d->watch[d->nwatch].addr = addr;
        d->watch[d->nwatch].len = len;
        d->watch[d->nwatch].kind = kind;
        d->nwatch++;
    } else {
        return -1;
    }
    dbg_update(vp->m);
    return 0;
}

int vp_debug_remove(vp_machine *vp, int kind, uint64_t addr, uint64_t len)
{
    struct debugger *d = vp->m->dbg;
    if (!d) return -1;
    int found = -1;
    if (kind == VP_BP_INSN) {
        for (int k = 0; k < d->nbp && found < 0; k++)
            if (d->bp[k] == addr) found = k;
        if (found < 0) return -1;
        d->bp[found] = d->bp[--d->nbp];
    } else {
        for (int k = 0; k < d->nwatch && found < 0; k++)
            if (d->watch[k].addr == addr && d->watch[k].len == len && d->watch[k].kind == kind) found = k;
        if (found < 0) return -1;
        d->watch[found] = d->watch[--d->nwatch];
    }
    dbg_update(vp->m);
    return 0;
}

void vp_debug_vmx_break(vp_machine *vp, unsigned mask, int exit_reason)
{
    struct debugger *d = dbg_get(vp->m);
    if (!d) return;
    vp->m->dbg_vmx = (u8)(mask & (DBG_VMX_EXIT | DBG_VMX_ENTRY | DBG_VMX_ENTRY_FAIL));
    d->vmexit_reason = exit_reason;
}

void vp_debug_clear(vp_machine *vp)
{
    struct debugger *d = vp->m->dbg;
    if (!d) return;
    d->nbp = d->nwatch = 0;
    d->step_cpu = -1;
    d->watch_hit_kind = 0;
    vp->m->dbg_vmx = 0;
    dbg_update(vp->m);
}

void vp_debug_get_event(const vp_machine *vp, vp_debug_event *ev)
{
    const struct debugger *d = vp->m->dbg;
    memset(ev, 0, sizeof *ev);
    if (!d) return;
    static const int kinds[] = {
        [DBG_EV_NONE] = VP_DBG_NONE, [DBG_EV_STEP] = VP_DBG_STEP, [DBG_EV_BREAK] = VP_DBG_BREAK,
        [DBG_EV_WATCH] = VP_DBG_WATCH, [DBG_EV_VMEXIT] = VP_DBG_VMEXIT, [DBG_EV_VMENTRY] = VP_DBG_VMENTRY,
        [DBG_EV_VMENTRY_FAIL] = VP_DBG_VMENTRY_FAIL, [DBG_EV_INTERRUPT] = VP_DBG_NONE,
    };
    ev->kind = kinds[d->ev];
    ev->cpu = d->ev_cpu;
    ev->addr = d->ev_addr;
    ev->watch_kind = d->ev == DBG_EV_WATCH ? (int)d->ev_reason : 0;
    ev->reason = d->ev == DBG_EV_WATCH ? 0 : d->ev_reason;
    ev->check = d->ev_check;
}

/* A debugger's translation: a probe at CPL 0 with SMAP, SMEP and CR0.WP out of the way, so
 * that it sees what the page tables map, whatever the processor's privilege. */
static bool debug_translate(struct cpu *c, u64 lin, u64 *pa)
{
    u8 cpl = c->cpl;
    u64 cr0 = c->cr0, cr4 = c->cr4;
    c->cpl = 0;
    c->cr0 &= ~(u64)CR0_WP;
    c->cr4 &= ~(u64)(CR4_SMAP | CR4_SMEP);
    bool ok = lin_translate(c, lin, ACC_READ | ACC_NOFAULT, pa);
    c->cpl = cpl;
    c->cr0 = cr0;
    c->cr4 = cr4;
    return ok;
}

static int linear_copy(vp_machine *vp, int cpu, u64 addr, void *buf, size_t len, bool write)
{
    struct cpu *c = cpu_of(vp, cpu);
    if (!c) return -1;
    u8 *p = buf;
    while (len) {
        size_t chunk = PAGE_SIZE - (addr & 0xfff);
        if (chunk > len) chunk = len;
        u64 pa;
        if (!debug_translate(c, addr, &pa)) return -1;
        if (write ? !phys_copy_in(vp->m, pa, p, chunk) : !phys_copy_out(vp->m, pa, p, chunk)) return -1;
        addr += chunk;
        p += chunk;
        len -= chunk;
    }
    return 0;
}

int vp_read_linear(vp_machine *vp, int cpu, uint64_t addr, void *buf, size_t len)
{
    return linear_copy(vp, cpu, addr, buf, len, false);
}

int vp_write_linear(vp_machine *vp, int cpu, uint64_t addr, const void *buf, size_t len)
{
    return linear_copy(vp, cpu, addr, (void *)buf, len, true);
}

int vp_debug_show(vp_machine *vp, int cpu, const char *view, uint64_t addr, FILE *out)
{
    struct cpu *c = cpu_of(vp, cpu);
    if (!c || !view) return -1;
    if (!strcmp(view, "vmx")) vmx_dbg_state(c, out);
    else if (!strcmp(view, "vmcs")) vmx_dbg_vmcs(c, out);
    else if (!strcmp(view, "ept")) vmx_dbg_ept(c, addr, out);
    else if (!strcmp(view, "tlb")) vmx_dbg_translate(c, addr, out);
    else return -1;
    return 0;
}

int vp_exit_reason_parse(const char *s) { return vmx_dbg_reason_parse(s); }
const char *vp_exit_reason_name(uint32_t reason) { return vmx_dbg_reason_name(reason); }
