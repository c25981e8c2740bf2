/* Timed events land on their exact instruction boundary: the local APIC timer and the PIT
 * interrupt a long straight-line run and a self-looping block at the boundary where they
 * are due, and the VMX-preemption timer (SDM Vol. 3 25.5.1) exits where its count reaches
 * 0, in straight-line code, in a loop and in a REP string instruction. VM entries and exits
 * take the time src/vmx/timing.h documents, on the TSC, without counting the preemption
 * timer down. Everything runs through machine_run, as a real run does. */
#include "vmx/timing.h"
#include "vmx_guest.h"

#define IDT (HARNESS_DATA + 0x10000)
#define HANDLER (HARNESS_DATA + 0x20000)
#define BUF (HARNESS_DATA + 0x100000)
#define INC_RAX 0x48, 0xff, 0xc0 /* inc rax: 3 bytes, one instruction */

/* A 64-bit interrupt gate for `vec` to a handler that halts (with IF = 0 the run stops). */
static void idt_gate(struct harness *h, u8 vec)
{
    u64 off = HANDLER;
    u64 lo =
        (off & 0xffff) | ((u64)H_CODE64 << 16) | (0x8eull << 40) | ((off >> 16 & 0xffff) << 48);
    u64 hi = off >> 32;
    phys_copy_in(h->m, IDT + vec * 16u, &lo, 8);
    phys_copy_in(h->m, IDT + vec * 16u + 8, &hi, 8);
    static const u8 hlt = 0xf4;
    phys_copy_in(h->m, HANDLER, &hlt, 1);
    h->c->idtr.base = IDT;
    h->c->idtr.limit = 256 * 16 - 1;
}

/* Run from rip through the machine loop until every processor halts (or a bound). */
static void run_machine(struct harness *h, u64 rip)
{
    struct cpu *c = h->c;
    c->rip = c->next_rip = rip;
    c->halted = false;
    h->m->icount_limit = c->icount + 10000000;
    machine_run(h->m);
}

/* The return RIP an interrupt pushed (the frame's first quadword). */
static u64 pushed_rip(struct harness *h)
{
    u64 v = 0;
    phys_copy_out(h->m, h->c->r[RSP], &v, 8);
    return v;
}

/* sti, then `n` x inc rax, then jmp $. */
static void straight_code(struct harness *h, unsigned n)
{
    static const u8 inc[] = {INC_RAX}, sti = 0xfb, jmp_self[] = {0xeb, 0xfe};
    phys_copy_in(h->m, HARNESS_CODE, &sti, 1);
    for (unsigned k = 0; k < n; k++)
        phys_copy_in(h->m, HARNESS_CODE + 1 + 3 * k, inc, 3);
    phys_copy_in(h->m, HARNESS_CODE + 1 + 3 * n, jmp_self, 2);
}

/* At `at`: 5 x inc rax, jmp back to `at` (one self-looping block of 6 instructions). */
static const u8 loop6[] = {INC_RAX, INC_RAX, INC_RAX, INC_RAX, INC_RAX, 0xeb, 0xef};

/* Where the loop stands after k of its instructions: RAX and RIP. */
static u64 loop_rax(u64 k)
{
    return 5 * (k / 6) + (k % 6 < 5 ? k % 6 : 5);
}
static u64 loop_rip(u64 base, u64 k)
{
    return base + 3 * (k % 6);
}

/* The local APIC timer (one-shot, divide by 1: one count per ns) interrupts `sti; inc...`
 * after exactly count - 1 increments, wherever that falls in a decoded block. */
static void test_lapic_straight(unsigned count)
{
    struct harness *h = harness_new(MODE_LONG);
    struct machine *m = h->m;
    struct cpu *c = h->c;
    idt_gate(h, 0x44);
    straight_code(h, 400);
    c->r[RAX] = 0;
    phys_write(m, c, 0xfee000f0, 4, 0x1ff);
    phys_write(m, c, 0xfee003e0, 4, 0x0b);
    phys_write(m, c, 0xfee00320, 4, 0x44);
    u64 t0 = machine_now(m);
    phys_write(m, c, 0xfee00380, 4, count);
    u64 due = timer_next_deadline(m);
    run_machine(h, HARNESS_CODE);
    char name[80];
    snprintf(name, sizeof name, "lapic.straight.%u.due", count);
    CHECK_EQ(name, due - t0, count);
    snprintf(name, sizeof name, "lapic.straight.%u.increments", count);
    CHECK_EQ(name, c->r[RAX], due - t0 - 1);
    snprintf(name, sizeof name, "lapic.straight.%u.return_rip", count);
    CHECK_EQ(name, pushed_rip(h), HARNESS_CODE + 1 + 3 * (due - t0 - 1));
    harness_free(h);
}

/* The PIT (channel 0, mode 0, through the 8259) interrupts a self-looping block at the
 * boundary where its count ends, not at the end of a loop iteration. */
static void test_pit_loop(u16 count)
{
    struct harness *h = harness_new(MODE_LONG);
    struct machine *m = h->m;
    struct cpu *c = h->c;
    static const u8 icw[][2] = {{0x20, 0x11}, {0x21, 0x20}, {0x21, 0x04}, {0x21, 0x01},
                                {0xa0, 0x11}, {0xa1, 0x28}, {0xa1, 0x02}, {0xa1, 0x01},
                                {0x21, 0xfe}, {0xa1, 0xff}};
    for (size_t k = 0; k < sizeof icw / sizeof icw[0]; k++)
        io_write(m, c, icw[k][0], 1, icw[k][1]);
    idt_gate(h, 0x20);
    static const u8 sti = 0xfb;
    phys_copy_in(m, HARNESS_CODE, &sti, 1);
    phys_copy_in(m, HARNESS_CODE + 1, loop6, sizeof loop6);
    c->r[RAX] = 0;
    u64 before = timer_next_deadline(m);
    u64 t0 = machine_now(m);
    io_write(m, c, 0x43, 1, 0x30);
    io_write(m, c, 0x40, 1, count & 0xff);
    io_write(m, c, 0x40, 1, count >> 8);
    u64 due = timer_next_deadline(m);
    run_machine(h, HARNESS_CODE);
    u64 k = due - t0 - 1; /* loop instructions before the interrupt */
    char name[80];
    snprintf(name, sizeof name, "pit.loop.%u.armed", count);
    CHECK(name, due < before && due > t0 + 1000, "due %llu", (unsigned long long)due);
    snprintf(name, sizeof name, "pit.loop.%u.increments", count);
    CHECK_EQ(name, c->r[RAX], loop_rax(k));
    snprintf(name, sizeof name, "pit.loop.%u.return_rip", count);
    CHECK_EQ(name, pushed_rip(h), loop_rip(HARNESS_CODE + 1, k));
    harness_free(h);
}

/* A guest with the VMX-preemption timer at `value`; the host is VMLAUNCH; HLT. Returns the
 * number of guest instructions the SDM allows before the exit: the timer counts down at
 * each change of TSC bit X from the first guest instruction boundary (26.5.1, A.6). */
static u64 preempt_run(struct harness *h, u32 value)
{
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_VMX_PREEMPTION_TIMER_VALUE, value);
    static const u8 host[] = {0x0f, 0x01, 0xc2, 0xf4}; /* vmlaunch; hlt (HOST_RESUME) */
    phys_copy_in(h->m, HARNESS_CODE, host, sizeof host);
    unsigned x = (unsigned)(vmx_cap(c, MSR_VMX_MISC) & 0x1f);
    u64 first = cpu_tsc(c) + VMX_ENTRY_TICKS; /* VMLAUNCH is the first host instruction */
    u64 zero = ((first >> x) + value) << x;
    run_machine(h, HARNESS_CODE);
    return zero - first;
}

static void test_preempt_straight(u32 value)
{
    static u8 g[3 * 200];
    for (unsigned k = 0; k < 200; k++)
        memcpy(g + 3 * k, (u8[]){INC_RAX}, 3);
    struct harness *h = vmx_guest_with_controls(g, sizeof g, PIN_PREEMPTION_TIMER, 0, 0);
    h->c->r[RAX] = 0;
    u64 n = preempt_run(h, value);
    char name[80];
    snprintf(name, sizeof name, "preempt.straight.%u.reason", value);
    CHECK_EQ(name, exit_reason(h), 52);
    snprintf(name, sizeof name, "preempt.straight.%u.guest_insns", value);
    CHECK_EQ(name, h->c->r[RAX], n);
    snprintf(name, sizeof name, "preempt.straight.%u.guest_rip", value);
    CHECK_EQ(name, grip(h), GUEST_CODE + 3 * n);
    harness_free(h);
}

static void test_preempt_loop(u32 value)
{
    struct harness *h = vmx_guest_with_controls(loop6, sizeof loop6, PIN_PREEMPTION_TIMER, 0, 0);
    h->c->r[RAX] = 0;
    u64 n = preempt_run(h, value);
    char name[80];
    snprintf(name, sizeof name, "preempt.loop.%u.reason", value);
    CHECK_EQ(name, exit_reason(h), 52);
    snprintf(name, sizeof name, "preempt.loop.%u.increments", value);
    CHECK_EQ(name, h->c->r[RAX], loop_rax(n));
    snprintf(name, sizeof name, "preempt.loop.%u.guest_rip", value);
    CHECK_EQ(name, grip(h), loop_rip(GUEST_CODE, n));
    harness_free(h);
}

/* REP STOSB: each execution of the instruction (up to 4096 elements, string.c) is one
 * instruction of virtual time, and the exit comes between two of them with RCX and RDI
 * describing the elements done (SDM Vol. 2 REP: interruptible between iterations). */
static void test_preempt_rep(u32 value)
{
    static const u8 g[] = {0xf3, 0xaa}; /* rep stosb */
    struct harness *h = vmx_guest_with_controls(g, sizeof g, PIN_PREEMPTION_TIMER, 0, 0);
    struct cpu *c = h->c;
    c->r[RAX] = 0;
    c->r[RCX] = 4096ull * 1000;
    c->r[RDI] = BUF;
    u64 n = preempt_run(h, value);
    char name[80];
    snprintf(name, sizeof name, "preempt.rep.%u.reason", value);
    CHECK_EQ(name, exit_reason(h), 52);
    snprintf(name, sizeof name, "preempt.rep.%u.rcx", value);
    CHECK_EQ(name, c->r[RCX], 4096ull * (1000 - n));
    snprintf(name, sizeof name, "preempt.rep.%u.guest_rip", value);
    CHECK_EQ(name, grip(h), GUEST_CODE);
    harness_free(h);
}

/* Host: rdtsc -> r8d; VMLAUNCH; (host RIP) rdtsc -> r9d. Guest: rdtsc -> r10d; CPUID (exit
 * 10). The guest's first instruction reads the TSC VMX_ENTRY_TICKS after VMLAUNCH began,
 * the host's first after the exit reads it VMX_EXIT_TICKS after the CPUID boundary, and
 * the saved preemption timer counted the guest's 3 instructions only. */
static void test_transition_cost(void)
{
    static const u8 g[] = {0x0f, 0x31, 0x41, 0x89, 0xc2, 0x0f, 0xa2};
    struct harness *h = vmx_guest_with_controls(g, sizeof g, PIN_PREEMPTION_TIMER, 0, 0);
    struct cpu *c = h->c;
    vmcs_set(c, VMCS_VM_EXIT_CONTROLS,
             vmcs_get(c, VMCS_VM_EXIT_CONTROLS) | EXIT_SAVE_PREEMPTION_TIMER);
    vmcs_set(c, VMCS_HOST_RIP, HARNESS_CODE + 8);
    vmcs_set(c, VMCS_VMX_PREEMPTION_TIMER_VALUE, 1000);
    static const u8 host[] = {0x0f, 0x31, 0x41, 0x89, 0xc0, 0x0f, 0x01,
                              0xc2, 0x0f, 0x31, 0x41, 0x89, 0xc1, 0xf4};
    phys_copy_in(h->m, HARNESS_CODE, host, sizeof host);
    run_machine(h, HARNESS_CODE);
    CHECK_EQ("cost.reason", exit_reason(h), 10);
    u32 t_host0 = (u32)c->r[R8], t_guest = (u32)c->r[R10], t_host1 = (u32)c->r[R9];
    /* rdtsc, mov, then VMLAUNCH begins 2 ticks after the first read. */
    CHECK_EQ("cost.entry_moves_tsc", t_guest - t_host0, 2 + VMX_ENTRY_TICKS);
    /* rdtsc, mov, and the CPUID boundary 2 ticks after the guest's read. */
    CHECK_EQ("cost.exit_moves_tsc", t_host1 - t_guest, 2 + VMX_EXIT_TICKS);
    unsigned x = (unsigned)(vmx_cap(c, MSR_VMX_MISC) & 0x1f);
    u64 first = t_guest, exit_at = (u64)t_guest + 2;
    u64 want = 1000 - ((exit_at >> x) - (first >> x));
    CHECK_EQ("cost.preempt_counts_guest_time_only", vmcs_get(c, VMCS_VMX_PREEMPTION_TIMER_VALUE),
             want);
    harness_free(h);
}

int main(void)
{
    test_lapic_straight(100);
    test_lapic_straight(131);
    test_pit_loop(10);
    test_pit_loop(11);
    test_preempt_straight(2);
    test_preempt_straight(3);
    test_preempt_loop(3);
    test_preempt_loop(4);
    test_preempt_rep(2);
    test_transition_cost();
    return check_exit();
}
