/* A processor in shutdown: INIT and NMI end it (SDM Vol. 3 6.15, interrupt 8), an NMI does
 * not when NMIs are blocked, a VMX abort's shutdown yields to RESET only (28.7); and the
 * stop message when no processor can run. Each case runs the machine's own loop, which
 * must give a processor in shutdown the signals sent to it. */
#include <string.h>

#include "test_dev.h"

#define APIC 0xfee00000ull
#define ICR_INIT 0x00004500u
#define ICR_NMI 0x00004400u
#define ICR_SIPI_08 0x00004608u

static void wr(struct machine *m, int cpu, u32 off, u32 v)
{
    phys_write(m, m->cpus[cpu], APIC + off, 4, v);
}

/* Two processors: the BSP halted with interrupts off (it never runs again), the AP
 * started and then in shutdown; both APICs software-enabled, IPIs aimed at the AP. */
static struct machine *shut_ap(void)
{
    struct machine *m = dev_machine(2, 16 << 20);
    struct cpu *c0 = m->cpus[0], *c1 = m->cpus[1];
    outb(m, 0x21, 0xff);
    outb(m, 0xa1, 0xff);
    wr(m, 0, 0xf0, 0x1ff);
    wr(m, 1, 0xf0, 0x1ff);
    wr(m, 0, 0x310, 1u << 24);
    c0->halted = true;
    c0->rflags &= ~(u64)FL_IF;
    c1->wait_for_sipi = false;
    c1->shutdown = true;
    static const u8 cli_hlt[] = { 0xfa, 0xf4 };
    phys_copy_in(m, 0x8000, cli_hlt, sizeof cli_hlt); /* SIPI vector 0x08 */
    phys_copy_in(m, 0x9000, cli_hlt, sizeof cli_hlt); /* NMI handler */
    static const u8 ivt_nmi[] = { 0x00, 0x90, 0x00, 0x00 }; /* 0000:9000 */
    phys_copy_in(m, 2 * 4, ivt_nmi, sizeof ivt_nmi);
    return m;
}

static void test_init_ends_shutdown(void)
{
    struct machine *m = shut_ap();
    struct cpu *c1 = m->cpus[1];
    wr(m, 0, 0x300, ICR_INIT);
    wr(m, 0, 0x300, ICR_SIPI_08);
    CHECK_EQ("shutdown init: machine stops halted", machine_run(m), STOP_HALTED);
    CHECK("shutdown init: ap left shutdown and started",
          !c1->shutdown && c1->seg[SEG_CS].sel == 0x800 && c1->halted,
          "shutdown %d cs %#x halted %d", c1->shutdown, c1->seg[SEG_CS].sel, c1->halted);
    dev_free(m);
}

static void test_nmi_ends_shutdown(void)
{
    struct machine *m = shut_ap();
    struct cpu *c1 = m->cpus[1];
    wr(m, 0, 0x300, ICR_NMI);
    machine_run(m);
    CHECK("shutdown nmi: handler runs",
          !c1->shutdown && c1->seg[SEG_CS].sel == 0 && c1->rip == 0x9002,
          "shutdown %d cs:ip %#x:%#llx", c1->shutdown, c1->seg[SEG_CS].sel,
          (unsigned long long)c1->rip);
    CHECK("shutdown nmi: nmis blocked in the handler", c1->nmi_blocked, "not blocked");
    dev_free(m);
}

/* Guards for what must not wake: each fails if leave_shutdown() ignores the rule. */
static void test_shutdown_stays(void)
{
    struct machine *m = shut_ap();
    struct cpu *c1 = m->cpus[1];
    c1->nmi_blocked = true; /* shut down inside the NMI handler: RESET only */
    wr(m, 0, 0x300, ICR_NMI);
    machine_run(m);
    CHECK("shutdown in nmi handler: nmi does not end it", c1->shutdown, "left shutdown");
    dev_free(m);

    m = shut_ap();
    c1 = m->cpus[1];
    c1->shutdown_until_reset = true; /* a VMX abort's shutdown */
    wr(m, 0, 0x300, ICR_NMI);
    wr(m, 0, 0x300, ICR_INIT);
    wr(m, 0, 0x300, ICR_SIPI_08);
    machine_run(m);
    CHECK("vmx abort shutdown: init and nmi do not end it", c1->shutdown, "left shutdown");
    machine_reset(m);
    CHECK("vmx abort shutdown: reset ends it", !c1->shutdown && !c1->shutdown_until_reset,
          "still in shutdown");
    dev_free(m);
}

/* The stop message when no processor can run (machine_halt_reason). */
static void test_no_processor_can_run(void)
{
    struct machine *m = dev_machine(3, 16 << 20);
    m->cpus[0]->shutdown = true; /* the BSP in shutdown, the APs waiting for SIPI */
    CHECK_EQ("halt reason: nobody can run, machine stops", machine_run(m), STOP_HALTED);
    char why[200];
    machine_halt_reason(m, why, sizeof why);
    const char *want = "no processor can run; 2 waiting for SIPI; 1 in shutdown";
    CHECK("halt reason: no processor can run", !strcmp(why, want), "said '%s'", why);
    dev_free(m);
}

int main(void)
{
    test_init_ends_shutdown();
    test_nmi_ends_shutdown();
    test_shutdown_stays();
    test_no_processor_can_run();
    return check_exit();
}
