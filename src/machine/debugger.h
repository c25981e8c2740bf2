/* The debugger's side of the machine (debugger.c): breakpoints, watchpoints, single-step
 * and stops at VMX transitions, for the gdb stub (src/tool/gdbstub*.c) through the public
 * API. Nothing here writes guest memory: breakpoints live in the emulator, so
 * self-modifying code and VMX behave exactly as without a debugger.
 *
 * Cost when no debugger asks for anything: none on the instruction path. m->dbg_step keeps
 * every processor's check_events set, so the executor takes its one-instruction path
 * (exec.c) and calls dbg_before_insn(); m->dbg_watch sends data accesses to the slow path
 * (mem.c), m->dbg_vmx is looked at by VM entries and exits only. */
#ifndef VP_DEBUGGER_H
#define VP_DEBUGGER_H

#include "machine.h"

#define DBG_MAX_BP 64
#define DBG_MAX_WATCH 16

enum dbg_event_kind {
    DBG_EV_NONE, DBG_EV_STEP, DBG_EV_BREAK, DBG_EV_WATCH, DBG_EV_VMEXIT, DBG_EV_VMENTRY,
    DBG_EV_VMENTRY_FAIL, DBG_EV_INTERRUPT,
};
/* What VMX transitions stop the machine (m->dbg_vmx). */
enum { DBG_VMX_EXIT = 1, DBG_VMX_ENTRY = 2, DBG_VMX_ENTRY_FAIL = 4 };
/* Watchpoint kinds, as gdb's Z2/Z3/Z4. */
enum { DBG_WATCH_WRITE = 2, DBG_WATCH_READ = 3, DBG_WATCH_ACCESS = 4 };

struct debugger {
    u64 bp[DBG_MAX_BP]; /* linear addresses of instruction breakpoints */
    int nbp;
    struct { u64 addr, len; int kind; } watch[DBG_MAX_WATCH];
    int nwatch;
    int step_cpu;       /* processor being single-stepped, or -1 */
    u64 step_icount;    /* its icount when the step began */
    int vmexit_reason;  /* -1: any basic reason */
    /* The event that stopped the machine. */
    enum dbg_event_kind ev;
    int ev_cpu;
    u64 ev_addr;        /* watchpoint: data address */
    u32 ev_reason;      /* VM exit reason, VMfail number */
    const char *ev_check; /* failed VM-entry check */
    int watch_hit_kind; /* pending watchpoint hit on ev_cpu (set during the instruction) */
    u64 watch_hit_addr;
    int watch_hit_cpu;
};

/* Allocate m->dbg if needed; NULL when out of memory. */
struct debugger *dbg_get(struct machine *m);
/* Recompute m->dbg_step / dbg_watch / dbg_vmx from the breakpoint lists and the step
 * request, and make the processors see them (check_events, TLB). */
void dbg_update(struct machine *m);
/* Before an instruction of processor c (while m->dbg_step): true if the machine stops here
 * (a breakpoint at RIP, a finished single-step, a watchpoint the last one hit). */
bool dbg_before_insn(struct cpu *c);
/* Watchpoints (while m->dbg_watch): the TLB does not cache a watched page; data accesses
 * are reported. */
bool dbg_page_watched(const struct cpu *c, u64 lin);
void dbg_data_access(struct cpu *c, u64 lin, unsigned size, int acc);
/* A VMX transition (while m->dbg_vmx): kind DBG_VMX_*, reason, failed check. */
void dbg_vmx_event(struct cpu *c, int kind, u32 reason, const char *check);

#endif
