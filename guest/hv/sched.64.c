/* Time and scheduling. The virtual clock is the TSC plus the time skipped while every
 * guest waited in HLT, so idle guests cost nothing and a run on an emulator whose time
 * comes from instructions stays deterministic. Guests run round-robin, each for at most
 * HV_SLICE clock units per turn, cut by the VMX-preemption timer (SDM 26.5.1); before
 * each entry a guest's pending PIC interrupt is injected if it can take one, or
 * interrupt-window exiting asks to be told when it can (SDM 25.6.2). */
#include "hv.h"

#define HV_SLICE 100000ull

static u64 skipped;

/* Without the preemption timer (core2), slices end at the host's own timer interrupt:
 * the real PIT on IRQ0 of the real PIC, taken as an external-interrupt exit (SDM 25.6.1)
 * since the host itself never sets IF. */
void hv_host_tick_start(void)
{
    outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), outb(0x21, 0x01);
    outb(0xa0, 0x11), outb(0xa1, 0x28), outb(0xa1, 0x02), outb(0xa1, 0x01);
    outb(0x21, 0xfe);
    outb(0xa1, 0xff);
    outb(0x43, 0x34);
    outb(0x40, 1193 & 0xff); /* 1 kHz */
    outb(0x40, 1193 >> 8);
}

u64 hv_now(void)
{
    return rdtsc() + skipped;
}

static void inject_pending(struct guest *g)
{
    u32 proc = hv.cpu.proc;
    int vec = pic_pending(g);
    if (vec >= 0) {
        int busy = vmr(ENTRY_INTR_INFO) & INTR_VALID; /* an exception goes first */
        int open = (vmr(GUEST_RFLAGS) & 0x200) && !(vmr(GUEST_INTERRUPTIBILITY) & 3);
        if (!busy && open) {
            if (v86_mode()) /* through its IVT, by hand (v86.64.c) */
                v86_deliver(g, (u32)vec, (u16)vmr(GUEST_RIP));
            else
                vmw(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_EXT | (u32)vec);
            pic_ack(g);
        } else {
            proc |= PROC_INTR_WINDOW;
        }
    }
    vmw(PROC_CONTROLS, proc);
}

static int runnable(struct guest *g)
{
    if (g->state == G_HALTED && pic_pending(g) >= 0)
        g->state = G_RUNNABLE; /* it halted with IF=1 (exit.64.c): the interrupt wakes it */
    return g->state == G_RUNNABLE;
}

static void end_slice(struct guest *g)
{
    g->slices++;
    if (g->budget && g->slices > g->budget && g->state <= G_HALTED)
        hv_stop(g, "ran past its budget of %llu time slices", (unsigned long long)g->budget);
}

/* One turn of g: enter, handle exits, until it blocks or its slice is over. */
static void run_slice(struct guest *g)
{
    hv_vmcs_load(g);
    u64 end = hv_now() + HV_SLICE;
    for (;;) {
        u64 now = hv_now();
        if (now >= end) {
            end_slice(g);
            return;
        }
        pit_update(g, now);
        inject_pending(g);
        if (hv.cpu.preempt) {
            u64 until = end, next = pit_next_event(g);
            if (next > now && next < until)
                until = next; /* come back in time to inject its timer interrupt */
            u64 t = (until - now) >> hv.cpu.preempt_shift;
            vmw(PREEMPTION_TIMER, t ? t : 1);
        }
        if (read_cr2() != g->cr2) write_cr2(g->cr2);
        int r = hv_enter(&g->regs, g->launched);
        g->cr2 = read_cr2();
        if (r) {
            hv_stop(g, "%s failed: %s, VM-instruction error %u",
                    g->launched ? "VMRESUME" : "VMLAUNCH", r & 1 ? "VMfailInvalid" : "VMfailValid",
                    vmx_insn_error());
            return;
        }
        g->launched = 1;
        if (!hv_handle_exit(g) || g->state != G_RUNNABLE) return;
    }
}

void hv_run(void)
{
    int last = hv.n - 1;
    for (;;) {
        u64 now = hv_now();
        for (int i = 0; i < hv.n; i++)
            if (hv.g[i].state <= G_HALTED) pit_update(&hv.g[i], now);
        int pick = -1;
        for (int k = 1; k <= hv.n && pick < 0; k++) {
            int i = (last + k) % hv.n;
            if (runnable(&hv.g[i])) pick = i;
        }
        if (pick >= 0) {
            last = pick;
            run_slice(&hv.g[pick]);
            continue;
        }
        /* Everyone waits: jump the clock to the first timer event, if any. */
        u64 next = ~0ull;
        for (int i = 0; i < hv.n; i++)
            if (hv.g[i].state == G_HALTED && pit_next_event(&hv.g[i]) < next)
                next = pit_next_event(&hv.g[i]);
        if (next == ~0ull) {
            for (int i = 0; i < hv.n; i++)
                if (hv.g[i].state == G_HALTED)
                    hv_stop(&hv.g[i], "halted with no interrupt to wake it");
            return;
        }
        if (next > now) skipped += next - now;
    }
}
