/* Emulator-side breakpoints, watchpoints, single-step and VMX stops for a debugger
 * (debugger.h). The processor calls in only while the machine's dbg_* flags ask it to. */
#include "debugger.h"

#include <stdlib.h>

#include "../cpu/cpu.h"

struct debugger *dbg_get(struct machine *m)
{
    if (!m->dbg) {
        m->dbg = calloc(1, sizeof *m->dbg);
        if (m->dbg) {
            m->dbg->step_cpu = -1;
            m->dbg->vmexit_reason = -1;
        }
    }
    return m->dbg;
}

void dbg_update(struct machine *m)
{
    struct debugger *d = m->dbg;
    bool watch = d && d->nwatch > 0;
    m->dbg_step = d && (d->nbp > 0 || d->nwatch > 0 || d->step_cpu >= 0);
    for (int k = 0; k < m->ncpus; k++) {
        struct cpu *c = m->cpus[k];
        if (m->dbg_step) c->check_events = true; /* service_events keeps it (exec.c) */
        /* Watched pages must not stay in the TLB, and unwatched ones may come back. */
        if (watch || m->dbg_watch) tlb_flush_all(c);
    }
    m->dbg_watch = watch;
}

static u64 pc_linear(const struct cpu *c)
{
    if (c->code_size == 8) return c->rip;
    return (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;
}

static bool stop(struct cpu *c, enum dbg_event_kind ev)
{
    struct debugger *d = c->m->dbg;
    c->stop_block = true;
    if (c->m->stop == STOP_DEBUG) return true; /* the first event of the instruction counts */
    d->ev = ev;
    d->ev_cpu = c->index;
    machine_request_stop(c->m, STOP_DEBUG, 0);
    c->stop_block = true;
    return true;
}

bool dbg_before_insn(struct cpu *c)
{
    struct debugger *d = c->m->dbg;
    if (!d) return false;
    if (d->watch_hit_kind && d->watch_hit_cpu == c->index) {
        d->ev_addr = d->watch_hit_addr;
        d->ev_reason = (u32)d->watch_hit_kind;
        d->watch_hit_kind = 0;
        return stop(c, DBG_EV_WATCH);
    }
    /* A single-step ends once the processor retired an instruction or took an exception
     * (deliver_exception counts one tick): the next boundary is where it stops. */
    if (d->step_cpu == c->index && c->icount != d->step_icount) {
        d->step_cpu = -1;
        return stop(c, DBG_EV_STEP);
    }
    if (d->nbp && !c->halted && !c->wait_for_sipi && !c->shutdown) {
        u64 pc = pc_linear(c);
        for (int k = 0; k < d->nbp; k++)
            if (d->bp[k] == pc) return stop(c, DBG_EV_BREAK);
    }
    return false;
}

static u64 lin_mask(const struct cpu *c) { return (c->efer & EFER_LMA) ? ~0ull : 0xffffffffull; }

bool dbg_page_watched(const struct cpu *c, u64 lin)
{
    const struct debugger *d = c->m->dbg;
    if (!d) return false;
    u64 page = (lin & lin_mask(c)) >> 12;
    for (int k = 0; k < d->nwatch; k++) {
        u64 a = d->watch[k].addr, e = a + (d->watch[k].len ? d->watch[k].len : 1) - 1;
        if (page >= a >> 12 && page <= e >> 12) return true;
    }
    return false;
}

void dbg_data_access(struct cpu *c, u64 lin, unsigned size, int acc)
{
    struct debugger *d = c->m->dbg;
    int kind = acc & 3;
    if (!d || kind == ACC_EXEC || (acc & ACC_NOFAULT)) return;
    lin &= lin_mask(c);
    for (int k = 0; k < d->nwatch; k++) {
        int wk = d->watch[k].kind;
        if (wk == DBG_WATCH_WRITE && kind != ACC_WRITE) continue;
        if (wk == DBG_WATCH_READ && kind == ACC_WRITE) continue;
        u64 a = d->watch[k].addr, len = d->watch[k].len ? d->watch[k].len : 1;
        if (lin < a + len && a < lin + size) {
            d->watch_hit_kind = wk;
            d->watch_hit_addr = a;
            d->watch_hit_cpu = c->index;
            c->check_events = true;
            return;
        }
    }
}

void dbg_vmx_event(struct cpu *c, int kind, u32 reason, const char *check)
{
    struct debugger *d = c->m->dbg;
    if (!d || !(c->m->dbg_vmx & kind)) return;
    if (kind == DBG_VMX_EXIT && d->vmexit_reason >= 0 && (int)(reason & 0xffff) != d->vmexit_reason) return;
    d->ev_reason = reason;
    d->ev_check = check;
    stop(c, kind == DBG_VMX_EXIT ? DBG_EV_VMEXIT : kind == DBG_VMX_ENTRY ? DBG_EV_VMENTRY : DBG_EV_VMENTRY_FAIL);
}
