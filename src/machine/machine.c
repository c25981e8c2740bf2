/* The machine: creation, reset and the main loop that interleaves processors in slices of
 * virtual time and fires device timers between them. Deterministic: the same inputs give
 * the same instruction interleaving and the same output. */
#include <stdlib.h>
#include <sys/mman.h>

#include "../cpu/block.h"
#include "../cpu/cpu.h"
#include "../cpu/cpumodel.h"
#include "../cpu/trace.h"
#include "../vmx/vmx.h"
#include "machine.h"

#define QUANTUM_UP (1u << 20) /* one processor: slices end only at timer deadlines */
#define QUANTUM_SMP 2000      /* several: interleave finely so IPIs and spinlocks progress */
#define MIN_RAM (2ull << 20)
#define MAX_RAM (1ull << 40)

void machine_log(struct machine *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("vanderpool: ", m->log);
    vfprintf(m->log, fmt, ap);
    fputc('\n', m->log);
    va_end(ap);
    fflush(m->log);
}

static struct cpu *cpu_create(struct machine *m, int index)
{
    struct cpu *c = aligned_alloc(64, (sizeof(struct cpu) + 63) & ~(size_t)63);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    bool tlb = tlb_init(c, m->tlb_policy); /* points tlb/jc at the first set */
    c->vmx = vmx_create();
    if (!tlb || !c->vmx) {
        vmx_destroy(c->vmx);
        tlb_free(c);
        free(c);
        return NULL;
    }
    c->m = m;
    c->index = index;
    c->delivering = -1;
    return c;
}

static void cpu_free(struct cpu *c)
{
    if (!c) return;
    if (c->lapic) lapic_destroy(c->lapic);
    tlb_free(c);
    vmx_destroy(c->vmx);
    free(c);
}

struct machine *machine_create(const struct machine_config *cfg, char *err, size_t errlen)
{
    if (cfg->ram_size < MIN_RAM || cfg->ram_size > MAX_RAM) {
        snprintf(err, errlen, "memory size %llu bytes is outside 2 MiB .. 1 TiB", (unsigned long long)cfg->ram_size);
        return NULL;
    }
    if (cfg->ncpus < 1 || cfg->ncpus > MAX_CPUS) {
        snprintf(err, errlen, "processor count %d is outside 1 .. %d", cfg->ncpus, MAX_CPUS);
        return NULL;
    }
    struct machine *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->ram_size = (cfg->ram_size + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1);
    m->ram_below_4g = m->ram_size < PCI_HOLE_START ? m->ram_size : PCI_HOLE_START;
    m->ram_above_4g = m->ram_size - m->ram_below_4g;
    m->cpu_model = cfg->cpu_model;
    _Static_assert(FW_COUNT <= MACHINE_FEATURE_WORDS, "feature words");
    if (cfg->features) {
        struct cpu_features def = cpu_model_features(cfg->cpu_model);
        for (int w = 0; w < FW_COUNT; w++) {
            m->features_on[w] = cfg->features[w] & ~def.w[w];
            m->features_off[w] = def.w[w] & ~cfg->features[w];
        }
    }
    m->no_reboot = cfg->no_reboot;
    m->tlb_policy = cfg->tlb_policy;
    m->pc_testdev = cfg->pc_testdev;
    m->trace = cfg->trace;
    m->serial_out = cfg->serial_out ? cfg->serial_out : stdout;
    m->log = cfg->log ? cfg->log : stderr;
    m->serial_in = cfg->serial_in;
    m->serial_idle = cfg->serial_idle;
    m->serial_in_ctx = cfg->serial_in_ctx;
    m->icount_limit = cfg->icount_limit;
    m->rng_seed = cfg->rng_seed;
    m->slice_end = TIME_NEVER;

    /* Untouched RAM costs nothing on the host: the kernel maps zero pages lazily. */
    /* One guard page more: the TLB fast path loads 8 bytes even for smaller accesses. */
    void *ram = mmap(NULL, m->ram_size + PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        snprintf(err, errlen, "cannot allocate %llu MiB of guest memory", (unsigned long long)(m->ram_size >> 20));
        free(m);
        return NULL;
    }
    m->ram = ram;
    u64 pages = m->ram_size / PAGE_SIZE;
    m->code_page = calloc(pages, 1);
    m->page_gen = calloc(pages, sizeof(u32));
    m->blocks = block_cache_create(pages);
    m->open_bus = calloc(3, PAGE_SIZE);
    if (!m->code_page || !m->page_gen || !m->blocks || !m->open_bus) goto oom;
    memset(m->open_bus, 0xff, PAGE_SIZE);
    m->ncpus = cfg->ncpus;
    for (int k = 0; k < m->ncpus; k++) {
        m->cpus[k] = cpu_create(m, k);
        if (!m->cpus[k]) goto oom;
    }
    for (int k = 0; k < m->ncpus; k++) m->cpus[k]->lapic = lapic_create(m, m->cpus[k]);
    if (!board_create(m, err, errlen)) {
        machine_destroy(m);
        return NULL;
    }
    machine_reset(m);
    return m;

oom:
    snprintf(err, errlen, "out of memory");
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m)
{
    if (!m) return;
    board_destroy(m);
    for (int k = 0; k < m->ncpus; k++) cpu_free(m->cpus[k]);
    block_cache_destroy(m->blocks);
    free(m->code_page);
    free(m->page_gen);
    free(m->open_bus);
    free(m->dbg);
    if (m->ram) munmap(m->ram, m->ram_size + PAGE_SIZE);
    free(m);
}

void machine_reset(struct machine *m)
{
    for (int k = 0; k < m->ncpus; k++) cpu_reset(m->cpus[k], false);
    board_reset(m);
    m->reset_requested = false;
    if (m->trace & TRACE_CPU_RESET)
        for (int k = 0; k < m->ncpus; k++) trace_cpu_state(m->cpus[k], "reset");
}

void machine_request_stop(struct machine *m, enum machine_stop why, int code)
{
    if (m->stop != STOP_NONE) return;
    m->stop = why;
    m->exit_code = code;
}

void machine_request_reset(struct machine *m, const char *why)
{
    if (m->trace & TRACE_CPU_RESET) machine_log(m, "reset requested: %s", why);
    if (m->no_reboot) {
        machine_log(m, "%s: stopping (-no-reboot)", why);
        machine_request_stop(m, STOP_SHUTDOWN, 1);
        return;
    }
    m->reset_requested = true;
}

static u64 total_icount(const struct machine *m)
{
    u64 n = 0;
    for (int k = 0; k < m->ncpus; k++) n += m->cpus[k]->icount;
    return n;
}

void machine_advance(struct machine *m, u64 ns)
{
    u64 end = m->now + ns;
    for (;;) {
        u64 next = timer_next_deadline(m);
        if (next > end) break;
        if (next > m->now) m->now = next;
        timer_fire_due(m);
    }
    m->now = end;
}

/* A processor out of wait-for-SIPI and shutdown that something may still wake: running,
 * or halted where an interrupt would resume it (IF set, or a guest in VMX non-root
 * operation, which also wakes by VM exits), or with an NMI pending. */
static bool wakes_on_interrupt(const struct cpu *c)
{
    return c->nmi_pending || (c->rflags & FL_IF) || !c->halted || c->vmx_nonroot;
}

enum machine_stop machine_run(struct machine *m)
{
    m->stop = STOP_NONE;
    u64 slices = 0;
    while (m->stop == STOP_NONE) {
        if (m->slice_limit && slices++ >= m->slice_limit) {
            machine_request_stop(m, STOP_LIMIT, 0);
            break;
        }
        if (m->reset_requested) {
            machine_reset(m);
            if (m->boot_hook) m->boot_hook(m, m->boot_ctx);
            continue;
        }
        timer_fire_due(m);
        u64 next = timer_next_deadline(m);
        u64 slice = m->ncpus > 1 ? QUANTUM_SMP : QUANTUM_UP;
        if (next != TIME_NEVER && next - m->now < slice) slice = next > m->now ? next - m->now : 1;
        if (m->icount_limit) {
            u64 done = total_icount(m);
            if (done >= m->icount_limit) {
                machine_request_stop(m, STOP_LIMIT, 0);
                break;
            }
            if (m->icount_limit - done < slice) slice = m->icount_limit - done;
        }
        m->slice_end = m->now + slice;
        bool any_ran = false;
        for (int k = 0; k < m->ncpus && m->stop == STOP_NONE && !m->reset_requested; k++) {
            struct cpu *c = m->cpus[k];
            u64 len = m->slice_end > m->now ? m->slice_end - m->now : 0;
            if (c->shutdown && !c->check_events) { /* until INIT or NMI (cpu_kick) */
                c->ahead = c->ahead > len ? c->ahead - len : 0;
                continue;
            }
            /* A processor that ran past the last slice's end (a VM exit's cost crossed it)
             * is that far into this one already: its clock keeps every nanosecond. */
            m->running = c;
            m->slice_start_time = cpu_time(c) - c->ahead;
            c->deadline = c->icount + (len > c->ahead ? len - c->ahead : 0);
            u64 before = cpu_time(c);
            cpu_exec(c);
            if (cpu_time(c) != before || c->ahead) any_ran = true;
            u64 ran = cpu_time(c) - m->slice_start_time;
            len = m->slice_end > m->now ? m->slice_end - m->now : 0;
            c->ahead = ran > len ? ran - len : 0;
            m->running = NULL;
        }
        if (!any_ran && m->stop == STOP_NONE && !m->reset_requested) {
            /* Nothing ran: stop if nothing can ever wake a processor. Only an NMI wakes a
             * processor halted with interrupts disabled, and no device sends one unasked. */
            bool wakeable = false;
            for (int k = 0; k < m->ncpus; k++) {
                struct cpu *c = m->cpus[k];
                if (c->shutdown || c->wait_for_sipi) continue;
                if (wakes_on_interrupt(c)) wakeable = true;
            }
            if (!wakeable || next == TIME_NEVER) machine_request_stop(m, STOP_HALTED, 0);
        }
        if (!any_ran && next != TIME_NEVER && next > m->slice_end) m->slice_end = next;
        if (!any_ran && m->serial_idle && m->stop == STOP_NONE && m->slice_end != TIME_NEVER)
            m->serial_idle(m->serial_in_ctx, m->slice_end - m->now);
        m->now = m->slice_end;
        m->slice_end = TIME_NEVER;
    }
    return m->stop;
}

void machine_halt_reason(const struct machine *m, char *buf, size_t len)
{
    int masked = 0, unarmed = 0, sipi = 0, shut = 0;
    for (int k = 0; k < m->ncpus; k++) {
        const struct cpu *c = m->cpus[k];
        if (c->shutdown) shut++;
        else if (c->wait_for_sipi) sipi++;
        else if (wakes_on_interrupt(c)) unarmed++; /* STOP_HALTED: no timer armed either */
        else masked++;
    }
    const char *all = "all processors halted";
    int n;
    if (masked && !unarmed) n = snprintf(buf, len, "%s with interrupts disabled", all);
    else if (unarmed && !masked) n = snprintf(buf, len, "%s and no interrupt source armed", all);
    else if (masked)
        n = snprintf(buf, len, "%s: %d with interrupts disabled, %d with no interrupt source armed",
                     all, masked, unarmed);
    else n = snprintf(buf, len, "no processor can run");
    size_t used = n < 0 ? len : (size_t)n;
    if (sipi && used < len)
        used += (size_t)snprintf(buf + used, len - used, "; %d waiting for SIPI", sipi);
    if (shut && used < len) snprintf(buf + used, len - used, "; %d in shutdown", shut);
}
