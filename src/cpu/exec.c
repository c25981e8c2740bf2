/* The executor: runs decoded blocks until the machine's deadline, looks at events
 * (interrupts, NMI, INIT/SIPI) between blocks, and turns faults raised anywhere inside an
 * instruction into exception delivery with the double-fault rules. */
#include <stdio.h>

#include "../machine/debugger.h"
#include "../machine/machine.h"
#include "block.h"
#include "debug.h"
#include "lbr.h"
#include "trace.h"
#include "../vmx/intercept.h"
#include "../vmx/vmx.h"

NORETURN void cpu_raise(struct cpu *c, int vector, int error)
{
    c->exc_vector = vector;
    c->exc_error = error;
    longjmp(c->unwind, 1);
}

/* Contributory exceptions (SDM Vol. 3 6.15, Table 6-4). */
static bool contributory(int v)
{
    return v == EXC_DE || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP;
}

static void triple_fault(struct cpu *c)
{
    if (c->vmx_nonroot) vmx_triple_fault(c); /* SDM Vol. 3 26.2: a VM exit instead */
    c->shutdown = true;
    c->delivering = -1;
    if (c->m->trace & TRACE_INT) machine_log(c->m, "cpu%d: triple fault at %#llx", c->index, (unsigned long long)c->rip);
    machine_request_reset(c->m, "triple fault");
}

/* A fault unwound to the executor: deliver it, or combine it with the event whose delivery
 * it interrupted (SDM Vol. 3 6.15 Table 6-5, "Conditions for Generating a Double Fault"). */
static void deliver_exception(struct cpu *c)
{
    int vec = c->exc_vector, err = c->exc_error;
    /* A fault in the instruction after MOV SS / POP SS discards the debug trap that
     * MOV SS held back to the boundary after that instruction (SDM Vol. 3 6.8.3): the
     * boundary never comes, and the fault handler does not take it either, as Intel parts
     * behave (Linux tools/testing/selftests/x86/mov_ss_trap.c; Bochs does the same). */
    c->db_pending = 0;
    /* A delivery costs one tick of virtual time. Without it a handler that faults on its
     * first instruction (a real-mode IVT entry beyond CS's limit, say) loops forever with
     * no instruction retired: the deadline, timers and -icount-limit would never come. */
    c->icount++;
    if (c->delivering >= 0) {
        int first = c->delivering;
        /* In VMX non-root operation the exception bitmap sees the second exception before
         * it becomes #DF or a triple fault: an intercepted one exits, with the first event
         * in the IDT-vectoring information (SDM Vol. 3 28.2.4). */
        if (c->vmx_nonroot) vmx_event_intercept(c, vec, EV_HWEXC, err);
        if (first == EXC_DF) {
            triple_fault(c);
            return;
        }
        if ((contributory(first) && contributory(vec)) ||
            (first == EXC_PF && (vec == EXC_PF || contributory(vec)))) {
            vec = EXC_DF;
            err = 0;
        }
    }
    c->delivering = (contributory(vec) || vec == EXC_PF || vec == EXC_DF) ? vec : -1;
    if (c->vmx_nonroot) vmx_event_intercept(c, vec, EV_HWEXC, err); /* exception bitmap */
    if (vec == EXC_DB) debug_db_delivered(c); /* not before the VM exit decision (SDM 28.1) */
    trace_event(c, vec, EV_HWEXC, err);
    /* Vectors with an error code (SDM Vol. 3 6.13): callers pass NO_ERRCODE otherwise. */
    intr_deliver(c, vec, EV_HWEXC, err);
    c->delivering = -1;
}

/* INIT and SIPI (SDM Vol. 3 9.4): INIT resets to the wait-for-SIPI state on application
 * processors and to the reset vector on the bootstrap processor.
 *
 * The signals arrive from other processors and devices, and the target takes them at its
 * next instruction boundary, so both may be pending together; they keep their arrival
 * order. A SIPI that arrives before an INIT is superseded by it. A SIPI is accepted only
 * by a processor in wait-for-SIPI (SDM 9.4.4, 11.6.1), or by one that the INIT pending
 * before it will put there: an application processor outside VMX operation (in VMX root
 * operation INIT is latched, in non-root operation it causes a VM exit; neither waits for
 * SIPI). The first SIPI accepted starts the processor; later ones find it running. */
void cpu_signal_init(struct cpu *c)
{
    c->init_pending = true;
    c->sipi_pending = false;
    cpu_kick(c);
}

void cpu_signal_sipi(struct cpu *c, u8 vector)
{
    bool init_waits = c->init_pending && c->index != 0 && !vmx_init_blocked(c) && !c->vmx_nonroot;
    if (c->sipi_pending || !(c->wait_for_sipi || init_waits)) return;
    c->sipi_pending = true;
    c->sipi_vector = vector;
    cpu_kick(c);
}

static void take_init_sipi(struct cpu *c)
{
    if (c->init_pending && !vmx_init_blocked(c)) { /* latched in VMX root operation */
        c->init_pending = false;
        cpu_reset(c, true);
        c->wait_for_sipi = c->index != 0;
        /* A SIPI still pending arrived after this INIT (cpu_signal_init). */
    }
    if (c->sipi_pending) {
        c->sipi_pending = false;
        if (!c->wait_for_sipi) return;
        c->wait_for_sipi = false;
        c->halted = false;
        seg_load_real(c, SEG_CS, (u16)(c->sipi_vector << 8));
        c->rip = c->next_rip = 0;
        cpu_update_mode(c);
    }
}

/* Shutdown (SDM Vol. 3 6.15, interrupt 8): the processor stops until NMI, SMI, INIT or
 * RESET. An NMI does not end a shutdown entered with NMIs blocked (in the NMI handler),
 * INIT is latched in VMX root operation (24.8), and the shutdown of a VMX abort yields to
 * RESET only (28.7). In VMX non-root operation vmx_pending_events() has already turned
 * INIT, NMIs under NMI exiting and the preemption timer into VM exits. True if the
 * processor leaves shutdown to take the INIT or the NMI. */
static bool leave_shutdown(struct cpu *c)
{
    bool init = c->init_pending && !vmx_init_blocked(c);
    bool nmi = c->nmi_pending && !c->nmi_blocked;
    if (c->shutdown_until_reset || !(init || nmi)) {
        c->check_events = false; /* the machine looks again when a signal arrives */
        return false;
    }
    c->shutdown = false;
    return true;
}

/* Between instructions: returns false if the processor has nothing to execute. */
static bool service_events(struct cpu *c)
{
    if (c->vmx_nonroot) vmx_pending_events(c); /* VM exits for events (src/vmx/events.c) */
    if (unlikely(c->shutdown) && !leave_shutdown(c)) return false;
    if (c->init_pending || c->sipi_pending) take_init_sipi(c);
    if (c->wait_for_sipi) return false;
    /* DEBUGCTL.LBR or a debugger's breakpoints and steps: here before every instruction. */
    c->check_events = lbr_stepping(c) || c->m->dbg_step;
    if (c->interrupt_shadow) {
        /* The shadow covers the boundary right after STI / MOV SS only (SDM Vol. 3 6.8.3). */
        if (c->icount > c->shadow_icount + 1) c->interrupt_shadow = false;
        else c->check_events = true;
    }
    c->next_rip = c->rip;
    if (c->nmi_pending && !c->nmi_blocked && !c->interrupt_shadow) {
        c->nmi_pending = false;
        c->nmi_blocked = true; /* until the next IRET (SDM Vol. 3 6.7.1) */
        trace_event(c, EXC_NMI, EV_NMI, NO_ERRCODE);
        intr_deliver(c, EXC_NMI, EV_NMI, NO_ERRCODE);
        return true;
    }
    if ((c->rflags & FL_IF) && !c->interrupt_shadow && intr_pending(c)) {
        int vec = intr_ack(c);
        trace_event(c, vec, EV_EXTINT, NO_ERRCODE);
        intr_deliver(c, vec, EV_EXTINT, NO_ERRCODE);
        return true;
    }
    return !c->halted;
}

static u8 fetch_linear(struct cpu *c, void *ctx, unsigned k)
{
    (void)ctx;
    u64 ip = c->rip + k;
    if (c->code_size != 8) {
        ip &= 0xffffffffull;
        if (ip > c->seg[SEG_CS].limit) cpu_gp(c, 0);
        return (u8)lin_read(c, (c->seg[SEG_CS].base + ip) & 0xffffffffull, 1, ACC_EXEC);
    }
    return (u8)lin_read(c, ip, 1, ACC_EXEC);
}

static inline void run_one(struct cpu *c, const struct insn *i)
{
    c->next_rip = c->rip + i->len;
    /* Outside 64-bit mode EIP wraps at 4 GiB: an instruction ending at 0xffffffff (in a
     * flat segment) continues at 0, never at an RIP no 32-bit mode can hold. */
    if (unlikely(c->next_rip >> 32) && c->code_size != 8) c->next_rip &= 0xffffffffull;
    i->fn(c, i);
    c->rip = c->next_rip;
    c->icount++;
}

void thread_retry(struct cpu *c, const struct insn *i)
{
    i->fn(c, i);
    thread_next(c, i);
}
void thread_generic(struct cpu *c, const struct insn *i)
{
    thread_sync(c, i);
    i->fn(c, i);
    thread_next(c, i);
}

/* Whether instructions run one at a time through step_debug(): TF or RF set or a
 * breakpoint enabled in DR7 (tested before every block), or last branch recording on
 * (DEBUGCTL.LBR: keeps check_events set, so the block path never tests it). */
static inline bool debug_traps_armed(const struct cpu *c)
{
    return ((c->rflags & (FL_TF | FL_RF)) | (c->dr[7] & DR7_ENABLE_MASK)) != 0;
}
static inline bool debug_stepping(const struct cpu *c)
{
    return debug_traps_armed(c) || lbr_stepping(c);
}

/* Bounds the blocks run from one another without a return to the executor's loop: the
 * stack in builds without sibling calls (-O1, sanitizers), where each record is a frame.
 * The loop looks at nothing the chain does not (thread_chain), so the bound changes no
 * guest-visible behaviour, only how often the loop runs. */
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__) && !defined(__OPTIMIZE_SIZE__)
#define CHAIN_MAX 64
#else
#define CHAIN_MAX 16
#endif

/* A block ended without stop_block, RIP and the count exact: run the next one directly
 * when the executor would run it at once, with nothing else to do first (exec_pass):
 * 64-bit mode (no CS limit, no EIP wrap), nothing needing attention, no stop or reset
 * requested, the whole block before the deadline, and its entry in the jump cache. This
 * saves the trip through the executor's loop for most block ends (calls, returns,
 * jumps). Else back to the loop, which looks at all of it. Debug traps and tracing need
 * no test: threaded records run only when neither was on at the chain's start (exec_pass),
 * tracing is fixed at start-up, and what arms a debug trap (MOV DR, POPF, IRET, VM entry
 * and exit) sets stop_block, as loop_again relies on too. */
static inline __attribute__((always_inline)) void thread_chain(struct cpu *c, unsigned way)
{
    const struct machine *m = c->m;
    if (c->decode_key != 8 || !--c->chain_left || c->icount >= c->deadline_fast || c->attention ||
        m->stop != STOP_NONE || m->reset_requested)
        return;
    /* The block this one went on with last time, if still valid (block.h: link); else
     * the jump cache's, which becomes the link. The link is on a line the block's entry
     * brought in; the jump cache's entry often is not. */
    struct block_link *l = &((struct block *)c->cur_block)->link[way]; /* the arena is writable */
    const struct block *b = l->to;
    if (l->rip != c->rip || l->stamp != c->jc->stamp || b->mode_key != 8) {
        b = jump_cache_find(c->jc, jump_cache_index(c->rip), c->rip, 8);
        if (!b) return;
        l->to = b;
        l->rip = c->rip;
        l->stamp = c->jc->stamp;
    }
    c->cur_block = b;
    thread_enter(c, b->insn);
}

void thread_chain_out(struct cpu *c) { thread_chain(c, LINK_OUT); }
void thread_end(struct cpu *c, const struct insn *i)
{
    c->rip = c->next_rip;
    c->icount = c->icount_base + i->idx;
    thread_chain(c, LINK_END);
}
void thread_end_fall(struct cpu *c, const struct insn *i)
{
    c->next_rip = c->block_rip + i->bend;
    thread_end(c, i);
}

/* Decode and run one instruction without the cache, leaving its decoded form in *i. */
static void decode_and_run(struct cpu *c, struct insn *i)
{
    decode_insn(c, c->decode_key, fetch_linear, NULL, i);
    if (c->m->trace & TRACE_EXEC) trace_exec(c, i);
    run_one(c, i);
}

/* Used where a block can't be (the instruction crosses a page or the CS limit, lives
 * outside RAM). */
static void step_uncached(struct cpu *c)
{
    struct insn i;
    decode_and_run(c, &i);
}

/* Whether an instruction at lin can reach the next page: at most 15 bytes long
 * (SDM Vol. 2 2.3.11), so it starts within the page's last 14 bytes. */
static inline bool crosses_maybe(u64 lin) { return (lin & 0xfff) > PAGE_SIZE - 15; }

/* An instruction from the cross-page cache (block.h: cross_lookup). */
static void step_cached(struct cpu *c, const struct insn *i)
{
    if (c->m->trace & TRACE_EXEC) trace_exec(c, i);
    run_one(c, i);
}

/* One that no block can hold because it crosses onto the next page: decoded alone and
 * remembered, before it runs (it may change the mode or the mappings it was decoded in). */
static void step_crossing(struct cpu *c, u64 lin, u64 phys)
{
    struct insn i;
    decode_insn(c, c->decode_key, fetch_linear, NULL, &i);
    /* Not one cut by the CS limit instead, which crosses_maybe would not look up. */
    if ((lin & 0xfff) + i.len > PAGE_SIZE) cross_remember(c, lin, phys, &i);
    step_cached(c, &i);
}

/* Linear address of RIP with the CS checks of an instruction fetch. */
static inline u64 code_linear(struct cpu *c)
{
    if (likely(c->code_size == 8)) return c->rip;
    if (c->rip > c->seg[SEG_CS].limit) cpu_gp(c, 0);
    return (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;
}


/* One instruction with every debug condition: used while debug_stepping(). The
 * instruction-breakpoint fault comes first and RF suppresses it; the trap (single-step,
 * data and I/O breakpoints) follows completion (SDM Vol. 3 18.3). */
static void step_debug(struct cpu *c)
{
    bool tf = c->rflags & FL_TF;
    /* No instruction breakpoint right after MOV SS / POP SS (SDM Vol. 3 6.8.3). */
    if (debug_bp_enabled(c) && !(c->rflags & FL_RF) && !debug_in_movss_shadow(c))
        debug_insn_breakpoint(c);
    c->db_hits = 0;
    u64 debugctl = c->debugctl & (DEBUGCTL_LBR | DEBUGCTL_BTF);
    u64 from = debugctl ? lbr_ip(c) : 0;
    struct insn i;
    decode_and_run(c, &i);
    /* RF is cleared when an instruction completes, unless IRET just loaded it (18.3.1.1). */
    if (!(i.map == MAP_1B && i.op == 0xcf)) c->rflags &= ~(u64)FL_RF;
    if (debugctl) {
        bool branch = lbr_after_insn(c, &i, from);
        /* DEBUGCTL.BTF: TF single-steps on taken branches only (SDM Vol. 3 18.4.3). */
        if (debugctl & DEBUGCTL_BTF) tf = tf && branch;
    }
    debug_after_insn(c, &i, tf);
}

/* Where the executor returns to the machine: icount d. Below d - BLOCK_MAX_INSNS any block
 * fits whole before it (deadline_fast), so the block path compares once per block, as it
 * did before timed events were exact. */
void cpu_set_deadline(struct cpu *c, u64 d)
{
    c->deadline = d;
    c->deadline_fast = d > BLOCK_MAX_INSNS ? d - BLOCK_MAX_INSNS : 0;
}

/* After a block that branched back to its own start (a loop): true if it may run again
 * at once, because nothing needs the executor's attention and any block fits before the
 * deadline. The debug state cannot have changed without stop_block (MOV DR, POPF and IRET
 * end blocks). */
static inline bool loop_again(struct cpu *c, const struct block *b, u64 start)
{
    const struct machine *m = c->m;
    return c->rip == start && (!c->stop_block || c->stop_block == BLOCK_STOP_BRANCH) &&
           c->icount < c->deadline_fast &&
           !c->attention && m->stop == STOP_NONE &&
           !m->reset_requested && b->mode_key == c->decode_key; /* BLOCK_DEAD: page written */
}

/* Run block b, and again while it loops to itself (loop_again). The executor calls it only
 * while the whole block fits before the deadline (run_block_near otherwise). */
static void run_block(struct cpu *c, const struct block *b)
{
    const struct insn *end = b->insn + b->n;
    u64 start = c->rip;
    c->cur_block = b;
    if (likely(b->mode_key == 8 || start + b->bytes < (1ull << 32))) {
        /* RIP needs no wrap-around: in 64-bit mode a block never leaves its page, and
         * elsewhere this one ends below 4 GiB. So the records run threaded (insn.h:
         * thread_next): the first one's tfn runs them all, up to the sentinel or to an
         * instruction that sets stop_block, and the sentinel may go on with the next
         * block (thread_chain). Back here at start, b runs again: any block between left
         * the mapping as it was (a change sets stop_block). */
        do {
            c->cur_block = b;
            c->stop_block = false;
            c->chain_left = CHAIN_MAX;
            thread_enter(c, b->insn);
        } while (loop_again(c, b, start));
    } else {
        do {
            const struct insn *i = b->insn;
            c->stop_block = false;
            do {
                run_one(c, i);
            } while (++i < end && !c->stop_block);
        } while (loop_again(c, b, start));
    }
    c->cur_block = NULL;
}

/* Fewer than BLOCK_MAX_INSNS instructions before the deadline: run the part of block b that
 * fits, so that a timed event (a device timer, the VMX-preemption timer) is taken on the
 * exact instruction boundary where it is due; the executor's loop returns to the machine
 * there. A timer armed by an instruction of the block ends the block (timer_arm sets
 * stop_block), and the loop looks again. */
static __attribute__((noinline)) void run_block_near(struct cpu *c, const struct block *b)
{
    u64 room = c->deadline - c->icount;
    const struct insn *i = b->insn, *end = b->insn + (room < b->n ? room : b->n);
    bool traced = c->m->trace & TRACE_EXEC;
    c->cur_block = b;
    c->stop_block = false;
    do {
        if (traced) trace_exec(c, i);
        run_one(c, i);
    } while (++i < end && !c->stop_block);
    c->cur_block = NULL;
}

static void run_traced_block(struct cpu *c, const struct block *b)
{
    const struct insn *i = b->insn, *end = b->insn + b->n;
    c->cur_block = b;
    c->stop_block = false;
    do {
        trace_exec(c, i);
        run_one(c, i);
    } while (++i < end && !c->stop_block);
    c->cur_block = NULL;
}

/* One pass of the executor's loop: events, then one block or one instruction. False when
 * the executor must return to the machine. near: fewer than BLOCK_MAX_INSNS instructions
 * are left before the deadline, so it may fall inside the block (run_block_near); the loop
 * inlines a copy for each value, so the usual case pays nothing for it. */
static inline __attribute__((always_inline)) bool exec_pass(struct cpu *c, bool near)
{
    struct machine *m = c->m;
    if (unlikely(c->attention)) {
        /* A debugger's stop (src/machine/debugger.h) comes before events and again after
         * them, which may have moved RIP to a handler. */
        if (unlikely(m->dbg_step) && dbg_before_insn(c)) return false;
        if (!service_events(c)) return false;
        if (unlikely(m->dbg_step) && dbg_before_insn(c)) return false;
        /* The instruction in an STI / MOV SS shadow runs alone, so events are looked at
         * right after it (SDM Vol. 3 6.8.3); so does each one under the VMX monitor trap
         * flag (25.5.2), each one while LBR records branches, and each one under a
         * debugger's breakpoints, watchpoints or single-step. */
        if (c->interrupt_shadow || c->vmx_step || lbr_stepping(c) || m->dbg_step) {
            if (c->vmx_step) vmx_step_begin(c);
            if (debug_stepping(c)) step_debug(c);
            else step_uncached(c);
            return true;
        }
        if (!near && unlikely(c->icount >= c->deadline_fast)) return true; /* moved: look again */
    }
    if (unlikely(debug_traps_armed(c))) {
        step_debug(c);
        return true;
    }
    u64 lin = code_linear(c);
    unsigned jidx = jump_cache_index(lin);
    const struct block *b = jump_cache_find(c->jc, jidx, lin, c->decode_key);
    if (unlikely(!b)) {
        u64 phys;
        u8 *host = fetch_host(c, lin, &phys);
        if (!host) {
            step_uncached(c);
            return true;
        }
        const struct insn *xi = crosses_maybe(lin) ? cross_lookup(c, lin, phys) : NULL;
        if (xi) {
            step_cached(c, xi);
            return true;
        }
        b = block_lookup(c, phys, host);
        if (!b) {
            step_crossing(c, lin, phys);
            return true;
        }
        jump_cache_fill(c->jc, jidx, lin, b);
    }
    if (c->code_size != 8 && c->rip + b->bytes - 1 > c->seg[SEG_CS].limit) {
        step_uncached(c); /* the block was decoded under a larger CS limit */
        return true;
    }
    if (near) {
        if (c->icount < c->deadline) run_block_near(c, b);
        return true;
    }
    if (unlikely(m->trace & TRACE_EXEC)) {
        run_traced_block(c, b);
        return true;
    }
    run_block(c, b);
    return true;
}

/* The executor's loop, apart from cpu_exec so that the setjmp there does not force the
 * loop's variables into memory. */
static __attribute__((noinline)) void exec_loop(struct cpu *c)
{
    struct machine *m = c->m;
    while (m->stop == STOP_NONE && !m->reset_requested) {
        if (likely(c->icount < c->deadline_fast)) {
            if (!exec_pass(c, false)) return;
        } else if (c->icount >= c->deadline || !exec_pass(c, true)) {
            return;
        }
    }
}

void cpu_exec(struct cpu *c)
{
    /* exc_vector < 0: a VM exit unwound here with host state loaded (src/vmx/exit.c). */
    if (setjmp(c->unwind) && c->exc_vector >= 0) {
        /* A fault unwound here. The faulting instruction did not retire. */
        c->cur_block = NULL;
        if (c->stop_on_exception) {
            /* Stopped where the handler would begin: DR6 as the handler would read it. */
            if (c->exc_vector == EXC_DB) debug_db_delivered(c);
            c->last_exception = c->exc_vector;
            c->shutdown = true;
            return;
        }
        deliver_exception(c);
    }
    if (unlikely(c->shutdown)) c->check_events = true; /* nothing runs until service_events */
    cpu_set_deadline(c, c->deadline); /* set by the machine, or moved by a VM exit */
    exec_loop(c);
}

u64 cpu_tsc(const struct cpu *c) { return machine_now(c->m) + c->tsc_offset; }

/* The processors' TSCs run from one clock, synchronized (SDM Vol. 3 18.17.1: invariant
 * TSC), but the machine runs them one after another over the same slice of virtual time:
 * a processor run later in a slice would read values below those an earlier one already
 * read and published in memory (Linux's TSC synchronization check sees that as a warp and
 * gives up the TSC). So what the guest reads never goes below the latest time read by any
 * processor; device timers keep the exact time (cpu_tsc). */
u64 cpu_tsc_read(struct cpu *c)
{
    struct machine *m = c->m;
    u64 now = machine_now(m);
    if (now < m->tsc_floor) now = m->tsc_floor;
    else m->tsc_floor = now;
    return now + c->tsc_offset;
}

NORETURN void cpu_unimplemented(struct cpu *c, const struct insn *i)
{
    unsigned key = (i->map & 3u) << 8 | i->op; /* 4 maps x 256 opcodes = 1024 bits */
    u32 bit = 1u << (key & 31);
    if (!(c->unimpl_logged[key >> 5] & bit)) {
        c->unimpl_logged[key >> 5] |= bit;
        char bytes[64];
        size_t n = 0;
        for (unsigned k = 0; k < i->len && n + 4 < sizeof bytes; k++) {
            u64 lin = (c->code_size == 8 ? c->rip : c->seg[SEG_CS].base + c->rip) + k;
            u64 phys;
            u8 v = 0;
            if (lin_translate(c, lin, ACC_EXEC | ACC_NOFAULT, &phys)) {
                u8 *h = phys_ram(c->m, phys);
                v = h ? *h : 0xff;
            }
            n += (size_t)snprintf(bytes + n, sizeof bytes - n, " %02x", v);
        }
        machine_log(c->m, "cpu%d: unimplemented instruction at %04x:%#llx:%s (raising #UD)", c->index,
                    c->seg[SEG_CS].sel, (unsigned long long)c->rip, bytes);
    }
    cpu_ud(c);
}

void op_unimplemented(struct cpu *c, const struct insn *i) { cpu_unimplemented(c, i); }
