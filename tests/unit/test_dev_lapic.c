/* Local APIC: registers over MMIO, periodic and one-shot timer, TPR/PPR, EOI, IPIs
 * (fixed, INIT, SIPI, NMI, shorthands, logical), x2APIC MSRs and APIC-base transitions,
 * TSC-deadline timer; timer mode changes, the APIC ID across modes, relocation, INIT and
 * SIPI back to back. */
#include <string.h>

#include "cpu/block.h"
#include "test_dev.h"

#define APIC 0xfee00000ull
#define EN BIT(11)
#define EXTD BIT(10)

static u32 rd(struct machine *m, int cpu, u32 off) { return (u32)phys_read(m, m->cpus[cpu], APIC + off, 4); }
static void wr(struct machine *m, int cpu, u32 off, u32 v) { phys_write(m, m->cpus[cpu], APIC + off, 4, v); }


/* SDM 11.5.4.1: one-shot <-> periodic keeps the count running and the initial count; an
 * expired one-shot count stays 0 after a switch to periodic; entering and leaving
 * TSC-deadline mode disarms. */
static void test_timer_mode_switch(void)
{
    struct machine *m = dev_machine(1, 16 << 20);
    struct cpu *c0 = m->cpus[0];
    outb(m, 0x21, 0xff);
    outb(m, 0xa1, 0xff);
    wr(m, 0, 0xf0, 0x1ff);
    wr(m, 0, 0x3e0, 0x0b); /* divide by 1: one count per ns */
    wr(m, 0, 0x320, 0x44); /* one-shot */
    wr(m, 0, 0x380, 1000);
    machine_advance(m, 400);
    wr(m, 0, 0x320, 0x20044); /* -> periodic */
    CHECK_EQ("lapic mode switch keeps initial count", rd(m, 0, 0x380), 1000);
    CHECK_EQ("lapic mode switch keeps counting", rd(m, 0, 0x390), 600);
    machine_advance(m, 600);
    CHECK_EQ("lapic mode switch fires at the old expiry", intr_ack(c0), 0x44);
    wr(m, 0, 0xb0, 0);
    CHECK_EQ("lapic switched to periodic reloads", rd(m, 0, 0x390), 1000);
    machine_advance(m, 500);
    wr(m, 0, 0x320, 0x44); /* periodic -> one-shot mid-count */
    CHECK_EQ("lapic periodic to one-shot keeps counting", rd(m, 0, 0x390), 500);
    machine_advance(m, 500);
    CHECK_EQ("lapic periodic to one-shot fires", intr_ack(c0), 0x44);
    wr(m, 0, 0xb0, 0);
    CHECK_EQ("lapic one-shot after switch ends at 0", rd(m, 0, 0x390), 0);
    wr(m, 0, 0x320, 0x20044); /* expired one-shot -> periodic */
    CHECK_EQ("lapic expired one-shot stays 0 in periodic", rd(m, 0, 0x390), 0);
    machine_advance(m, 3000);
    CHECK("lapic expired one-shot no periodic interrupt", !intr_pending(c0),
          "periodic restarted from an expired count");
    CHECK_EQ("lapic expired one-shot keeps initial count", rd(m, 0, 0x380), 1000);
    wr(m, 0, 0x380, 1000); /* a new initial count restarts it */
    machine_advance(m, 1000);
    CHECK_EQ("lapic periodic restarted by initial count", intr_ack(c0), 0x44);
    wr(m, 0, 0xb0, 0);
    wr(m, 0, 0x320, 0x40044); /* periodic -> TSC-deadline disarms */
    CHECK_EQ("lapic tsc-deadline mode zeroes initial count", rd(m, 0, 0x380), 0);
    wr(m, 0, 0x380, 500);
    CHECK_EQ("lapic tsc-deadline mode ignores initial count", rd(m, 0, 0x380), 0);
    machine_advance(m, 3000);
    CHECK("lapic tsc-deadline mode disarmed the count", !intr_pending(c0), "count still fired");
    dev_free(m);
}

/* SDM 11.12.5.1, 11.4.6: the x2APIC ID is the initial APIC ID, read-only; a write to the
 * xAPIC ID does not carry into x2APIC mode; disable and re-enable restore the initial ID. */
static void test_apic_id(void)
{
    struct machine *m = dev_machine(2, 16 << 20);
    struct cpu *c1 = m->cpus[1];
    u64 v = 0;
    wr(m, 1, 0x20, 5u << 24);
    CHECK("x2apic id is the initial id",
          lapic_set_base(c1, 0xfee00000 | EN | EXTD) && lapic_msr_read(c1, 0x802, &v) && v == 1,
          "x2APIC id %#llx after xAPIC id write 5", (unsigned long long)v);
    CHECK("x2apic ldr from the initial id", lapic_msr_read(c1, 0x80d, &v) && v == 2, "ldr %#llx",
          (unsigned long long)v);
    lapic_set_base(c1, 0xfee00000);
    lapic_set_base(c1, 0xfee00000 | EN);
    CHECK_EQ("xapic id after x2apic, disable, enable", rd(m, 1, 0x20), 1u << 24);
    wr(m, 1, 0x20, 6u << 24);
    lapic_set_base(c1, 0xfee00000);
    lapic_set_base(c1, 0xfee00000 | EN);
    CHECK_EQ("xapic id restored by disable and enable", rd(m, 1, 0x20), 1u << 24);
    wr(m, 1, 0x20, 7u << 24);
    machine_reset(m);
    CHECK_EQ("xapic id restored by reset", rd(m, 1, 0x20), 1u << 24);
    dev_free(m);
}

/* SDM 11.4.4, 11.4.5: IA32_APIC_BASE moves the xAPIC window, per processor. */
static void test_relocation(void)
{
    struct machine *m = dev_machine(2, 16 << 20);
    struct cpu *c1 = m->cpus[1];
    const u64 alt = 0xfed40000ull;
    CHECK("apic relocate accepted", lapic_set_base(c1, alt | EN), "base write refused");
    CHECK_EQ("apic relocated window reads version", phys_read(m, c1, alt + 0x30, 4), 0x50014);
    CHECK_EQ("apic relocated window id", phys_read(m, c1, alt + 0x20, 4), 1u << 24);
    CHECK_EQ("apic old window gone after relocation", phys_read(m, c1, APIC + 0x30, 4),
             0xffffffffu);
    CHECK_EQ("apic other processor keeps its window", rd(m, 0, 0x20), 0);
    CHECK_EQ("apic relocated window private", phys_read(m, m->cpus[0], alt + 0x30, 4), 0xffffffffu);
    phys_write(m, c1, alt + 0x80, 4, 0x30);
    CHECK_EQ("apic relocated window writes", phys_read(m, c1, alt + 0x80, 4), 0x30);
    CHECK("apic relocate back", lapic_set_base(c1, 0xfee00000 | EN), "base write refused");
    CHECK_EQ("apic back at default", rd(m, 1, 0x80), 0x30);
    dev_free(m);
}

/* SDM 11.4.1, 11.4.4: a window moved onto RAM shows the APIC to its own processor, also
 * through the soft TLB and for fetches, while the other processor sees the RAM; moving it
 * back leaves the RAM as it was. */
static void test_relocation_onto_ram(void)
{
    struct machine *m = dev_machine(2, 16 << 20);
    struct cpu *c0 = m->cpus[0], *c1 = m->cpus[1];
    const u64 ram = 0x200000;
    u8 page[4096], back[4096];
    memset(page, 0xa5, sizeof page);
    phys_copy_in(m, ram, page, sizeof page);
    CHECK("apic relocate onto ram accepted", lapic_set_base(c1, ram | EN), "base write refused");
    CHECK_EQ("apic over ram reads version", phys_read(m, c1, ram + 0x30, 4), 0x50014);
    CHECK_EQ("apic over ram through the tlb", lin_read(c1, ram + 0x30, 4, ACC_READ), 0x50014);
    CHECK_EQ("apic over ram through the tlb again", lin_read(c1, ram + 0x30, 4, ACC_READ), 0x50014);
    lin_write(c1, ram + 0x80, 4, 0x30, ACC_WRITE);
    lin_write(c1, ram + 0x80, 4, 0x40, ACC_WRITE);
    CHECK_EQ("apic over ram tpr write", phys_read(m, c1, ram + 0x80, 4), 0x40);
    u64 phys;
    CHECK("apic over ram no host pointer for fetches", fetch_host(c1, ram, &phys) == NULL,
          "fetches would run from the RAM");
    CHECK_EQ("apic over ram fetch reads the registers", lin_read(c1, ram + 0x30, 1, ACC_EXEC),
             0x14);
    CHECK_EQ("apic over ram other processor sees ram", phys_read(m, c0, ram + 0x30, 4), 0xa5a5a5a5);
    CHECK_EQ("apic over ram other processor's tlb sees ram", lin_read(c0, ram + 0x80, 4, ACC_READ),
             0xa5a5a5a5);
    CHECK("apic relocate back from ram", lapic_set_base(c1, 0xfee00000 | EN), "base write refused");
    CHECK_EQ("apic back from ram keeps tpr", rd(m, 1, 0x80), 0x40);
    CHECK_EQ("apic back from ram: tlb sees ram", lin_read(c1, ram + 0x80, 4, ACC_READ), 0xa5a5a5a5);
    phys_copy_out(m, ram, back, sizeof back);
    CHECK("apic back from ram: ram intact", memcmp(page, back, sizeof page) == 0,
          "the APIC's writes reached the RAM");
    dev_free(m);
}

/* Let processor c run (or look at its events) for up to n instructions. */
static void run_cpu(struct machine *m, struct cpu *c, u64 n)
{
    c->deadline = c->icount + n;
    m->running = c;
    m->slice_start_time = cpu_time(c);
    cpu_exec(c);
    m->running = NULL;
}

/* SDM 9.4.4, 11.6.1: INIT then STARTUP back to back, before the target takes the INIT:
 * the INIT is processed first, then the SIPI starts the processor. A SIPI to a processor
 * not in wait-for-SIPI is ignored. */
static void test_init_sipi_back_to_back(void)
{
    struct machine *m = dev_machine(2, 16 << 20);
    struct cpu *c1 = m->cpus[1];
    u8 code[] = { 0x90, 0xeb, 0xfe }; /* at 0x8000: nop; jmp $ */
    phys_copy_in(m, 0x8000, code, sizeof code);
    wr(m, 0, 0xf0, 0x1ff);
    wr(m, 0, 0x310, 1u << 24);
    run_cpu(m, c1, 100);
    CHECK("ap waits for sipi at power-on", c1->wait_for_sipi, "AP running");
    wr(m, 0, 0x300, 0x0000c500); /* INIT assert */
    wr(m, 0, 0x300, 0x00000608); /* STARTUP 0x08, before the AP ran */
    run_cpu(m, c1, 100);
    CHECK("init then sipi starts the ap", !c1->wait_for_sipi && c1->seg[SEG_CS].sel == 0x800,
          "wait %d cs %#x", c1->wait_for_sipi, c1->seg[SEG_CS].sel);
    wr(m, 0, 0x300, 0x00000609); /* a SIPI to a running AP is ignored... */
    run_cpu(m, c1, 100);
    CHECK_EQ("sipi to a running ap ignored", c1->seg[SEG_CS].sel, 0x800);
    wr(m, 0, 0x300, 0x0000c500); /* ...and not kept for after the next INIT */
    run_cpu(m, c1, 100);
    CHECK("earlier sipi not latched across init", c1->wait_for_sipi,
          "AP started by a SIPI that came before the INIT");
    wr(m, 0, 0x300, 0x00000608);
    wr(m, 0, 0x300, 0x0000060a); /* second SIPI before the AP ran: the first one wins */
    run_cpu(m, c1, 100);
    CHECK_EQ("first of two sipis starts the ap", c1->seg[SEG_CS].sel, 0x800);
    dev_free(m);
}

int main(void)
{
    struct machine *m = dev_machine(2, 16 << 20);
    struct cpu *c0 = m->cpus[0], *c1 = m->cpus[1];
    outb(m, 0x21, 0xff); /* keep the 8259 quiet */
    outb(m, 0xa1, 0xff);

    CHECK_EQ("lapic version", rd(m, 0, 0x30), 0x50014);
    CHECK_EQ("lapic id cpu0", rd(m, 0, 0x20), 0);
    CHECK_EQ("lapic id cpu1", rd(m, 1, 0x20), 1u << 24);
    CHECK_EQ("lapic svr reset", rd(m, 0, 0xf0), 0xff);
    CHECK_EQ("lapic lvt timer masked", rd(m, 0, 0x320), 0x10000);
    CHECK_EQ("lapic bsp lint0 extint", rd(m, 0, 0x350), 0x700);
    CHECK_EQ("lapic apic base msr value", c0->apic_base, 0xfee00900);

    wr(m, 0, 0xf0, 0x1ff);
    wr(m, 1, 0xf0, 0x1ff);
    CHECK_EQ("lapic svr enable", rd(m, 0, 0xf0), 0x1ff);

    /* Periodic timer: divide by 1, 1000 ns period. */
    wr(m, 0, 0x3e0, 0x0b);
    wr(m, 0, 0x320, 0x20000 | 0x40);
    wr(m, 0, 0x380, 1000);
    machine_advance(m, 250);
    CHECK_EQ("lapic timer current count", rd(m, 0, 0x390), 750);
    CHECK("lapic timer not yet", !intr_pending(c0), "interrupt before expiry");
    machine_advance(m, 750);
    CHECK("lapic timer fired", intr_pending(c0), "no interrupt at expiry");
    CHECK_EQ("lapic irr bit", rd(m, 0, 0x200 + 0x10 * (0x40 / 32)) >> (0x40 % 32) & 1, 1);
    CHECK_EQ("lapic ack timer vector", intr_ack(c0), 0x40);
    CHECK_EQ("lapic isr bit", rd(m, 0, 0x100 + 0x10 * 2) & 1, 1);
    CHECK_EQ("lapic ppr in service", rd(m, 0, 0xa0), 0x40);
    wr(m, 0, 0xb0, 0);
    CHECK_EQ("lapic eoi clears isr", rd(m, 0, 0x100 + 0x10 * 2), 0);
    CHECK_EQ("lapic periodic reload", rd(m, 0, 0x390), 1000);
    int fires = 0;
    for (int k = 0; k < 100; k++) {
        machine_advance(m, 100);
        if (intr_pending(c0)) {
            intr_ack(c0);
            wr(m, 0, 0xb0, 0);
            fires++;
        }
    }
    CHECK_EQ("lapic periodic count", fires, 10);

    /* Divide by 16, one-shot. */
    wr(m, 0, 0x320, 0x41);
    wr(m, 0, 0x3e0, 0x03);
    wr(m, 0, 0x380, 100);
    machine_advance(m, 800);
    CHECK_EQ("lapic divide 16 count", rd(m, 0, 0x390), 50);
    machine_advance(m, 800);
    CHECK_EQ("lapic one-shot ends at 0", rd(m, 0, 0x390), 0);
    CHECK_EQ("lapic one-shot vector", intr_ack(c0), 0x41);
    wr(m, 0, 0xb0, 0);
    machine_advance(m, 5000);
    CHECK("lapic one-shot once", !intr_pending(c0), "one-shot fired twice");

    /* TPR blocks a class; PPR follows. */
    wr(m, 0, 0x80, 0x50);
    CHECK_EQ("lapic ppr from tpr", rd(m, 0, 0xa0), 0x50);
    wr(m, 0, 0x300, 0x00040045); /* self IPI, vector 0x45 */
    CHECK("lapic tpr blocks", !intr_pending(c0), "vector 0x45 delivered above TPR 0x50");
    wr(m, 0, 0x80, 0x30);
    CHECK_EQ("lapic tpr lowered", intr_ack(c0), 0x45);
    wr(m, 0, 0xb0, 0);
    wr(m, 0, 0x80, 0);

    /* IPIs to cpu 1: fixed, INIT, SIPI, NMI. */
    wr(m, 0, 0x310, 1u << 24);
    wr(m, 0, 0x300, 0x00004061);
    CHECK_EQ("lapic ipi fixed", intr_ack(c1), 0x61);
    CHECK("lapic ipi not to sender", !intr_pending(c0), "sender got its own IPI");
    wr(m, 1, 0xb0, 0);
    wr(m, 0, 0x300, 0x00004500);
    CHECK("lapic ipi init", c1->init_pending && !c0->init_pending, "init flags %d %d", c1->init_pending, c0->init_pending);
    CHECK("lapic ipi kicks", c1->check_events, "target not kicked");
    wr(m, 0, 0x300, 0x00004608);
    CHECK("lapic ipi sipi", c1->sipi_pending && c1->sipi_vector == 0x08, "sipi %d vector %#x", c1->sipi_pending, c1->sipi_vector);
    CHECK_EQ("lapic icr idle", rd(m, 0, 0x300) & BIT(12), 0);
    wr(m, 0, 0x300, 0x00004400);
    CHECK("lapic ipi nmi", c1->nmi_pending, "no NMI");
    c1->init_pending = c1->sipi_pending = c1->nmi_pending = false;
    /* All-excluding-self INIT (as SMP boot does). */
    wr(m, 0, 0x300, 0x000c4500);
    CHECK("lapic shorthand all-but-self", c1->init_pending && !c0->init_pending, "flags %d %d", c1->init_pending, c0->init_pending);
    c1->init_pending = false;

    /* Logical flat destination. */
    wr(m, 1, 0xe0, 0xffffffff);
    wr(m, 1, 0xd0, 0x02000000);
    wr(m, 0, 0x310, 0x02000000);
    wr(m, 0, 0x300, 0x00004862);
    CHECK_EQ("lapic logical flat", intr_ack(c1), 0x62);
    wr(m, 1, 0xb0, 0);

    /* Illegal vector: ESR after a write. */
    wr(m, 0, 0x300, 0x00040005);
    wr(m, 0, 0x280, 0);
    CHECK_EQ("lapic esr send illegal", rd(m, 0, 0x280) & 0x20, 0x20);

    /* x2APIC: transitions and MSRs. */
    u64 v;
    CHECK("x2apic msr gp in xapic", !lapic_msr_read(c0, 0x802, &v), "x2APIC MSR readable in xAPIC mode");
    CHECK("x2apic enable", lapic_set_base(c0, 0xfee00000 | EN | EXTD | BIT(8)), "xAPIC -> x2APIC refused");
    CHECK("x2apic id", lapic_msr_read(c0, 0x802, &v) && v == 0, "id %#llx", (unsigned long long)v);
    CHECK("x2apic version", lapic_msr_read(c0, 0x803, &v) && v == 0x50014, "version %#llx", (unsigned long long)v);
    CHECK("x2apic ldr", lapic_msr_read(c0, 0x80d, &v) && v == 1, "ldr %#llx", (unsigned long long)v);
    CHECK("x2apic id read-only", !lapic_msr_write(c0, 0x802, 5), "ID write accepted");
    CHECK("x2apic no dfr", !lapic_msr_read(c0, 0x80e, &v), "DFR exists");
    CHECK("x2apic eoi write-only", !lapic_msr_read(c0, 0x80b, &v), "EOI readable");
    CHECK("x2apic eoi nonzero gp", !lapic_msr_write(c0, 0x80b, 1), "EOI with data accepted");
    CHECK("x2apic tpr reserved gp", !lapic_msr_write(c0, 0x808, 0x100), "TPR reserved bits accepted");
    CHECK("x2apic self ipi", lapic_msr_write(c0, 0x83f, 0x70), "SELF_IPI refused");
    CHECK_EQ("x2apic self ipi vector", intr_ack(c0), 0x70);
    CHECK("x2apic eoi", lapic_msr_write(c0, 0x80b, 0), "EOI refused");
    CHECK("x2apic icr ipi", lapic_msr_write(c0, 0x830, (1ull << 32) | 0x4063), "ICR refused");
    CHECK_EQ("x2apic icr to cpu1", intr_ack(c1), 0x63);
    wr(m, 1, 0xb0, 0);
    CHECK("x2apic icr readback", lapic_msr_read(c0, 0x830, &v) && v == ((1ull << 32) | 0x4063), "icr %#llx", (unsigned long long)v);
    CHECK("x2apic to xapic invalid", !lapic_set_base(c0, 0xfee00000 | EN), "x2APIC -> xAPIC accepted");
    CHECK("x2apic invalid state", !lapic_set_base(c0, 0xfee00000 | EXTD), "EXTD without EN accepted");
    CHECK("x2apic disable", lapic_set_base(c0, 0xfee00000), "x2APIC -> disabled refused");
    CHECK("x2apic from disabled invalid", !lapic_set_base(c0, 0xfee00000 | EN | EXTD), "disabled -> x2APIC accepted");
    CHECK("xapic reenable", lapic_set_base(c0, 0xfee00000 | EN), "disabled -> xAPIC refused");
    CHECK("apic base reserved", !lapic_set_base(c0, 0xfee00000 | EN | 1), "reserved bit accepted");
    CHECK_EQ("apic bsp bit kept", c0->apic_base & BIT(8), BIT(8));
    CHECK_EQ("apic disable resets svr", rd(m, 0, 0xf0), 0xff);

    /* TSC-deadline timer. */
    wr(m, 0, 0xf0, 0x1ff);
    wr(m, 0, 0x320, 0x40000 | 0x50);
    u64 tsc = cpu_tsc(c0);
    CHECK("tsc deadline write", lapic_msr_write(c0, 0x6e0, tsc + 3000), "IA32_TSC_DEADLINE refused");
    machine_advance(m, 2999);
    CHECK("tsc deadline not yet", !intr_pending(c0), "fired early");
    machine_advance(m, 1);
    CHECK_EQ("tsc deadline fired", intr_ack(c0), 0x50);
    CHECK("tsc deadline cleared", lapic_msr_read(c0, 0x6e0, &v) && v == 0, "deadline %#llx", (unsigned long long)v);

    dev_free(m);
    test_timer_mode_switch();
    test_apic_id();
    test_relocation();
    test_relocation_onto_ram();
    test_init_sipi_back_to_back();
    return check_exit();
}
