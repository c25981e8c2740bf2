/* Multiprocessor start-up and inter-processor interrupts (SDM Vol. 3 9.4, 11.6, 11.12),
 * meant for 4 processors (Vanderpool -smp 4, Bochs cpu count=4):
 *   - INIT-SIPI-SIPI through the xAPIC ICR (AP 1) and the x2APIC ICR MSR (AP 2); the AP
 *     starts in real mode at vector << 12 (smp.16.S) and reports its APIC ID from CPUID
 *     leaf 1, leaf 0xB and its own APIC; a second SIPI is ignored;
 *   - INIT/SIPI with the all-excluding-self shorthand starts AP 3 and restarts 1 and 2;
 *   - fixed IPIs to one processor, self-IPIs (shorthand and x2APIC SELF IPI), broadcasts;
 *   - spinlocks with LOCK CMPXCHG and XCHG, and LOCK XADD, shared by all processors;
 *   - the TSCs are one clock: a TSC read inside the critical section never goes below
 *     the one the previous holder (any processor) read there (Linux's check_tsc_warp);
 *   - INIT puts a running AP back in wait-for-SIPI; a SIPI then restarts it, while a
 *     SIPI to a running AP is ignored; INIT and SIPI sent back to back restart an AP.
 * With one processor (no AP answers) it says so in one line and stops, so the runner's
 * single-processor runs agree everywhere. Only the BSP prints, after the APs are done. */
#include "guest.h"

#define LAPIC 0xfee00000u
#define AP_PAGE 0x8000u /* SIPI vector 0x08 */
#define NCPU 4
#define VEC_FIXED 0x50
#define VEC_SELF 0x51
#define VEC_X2SELF 0x52
#define VEC_BCAST 0x53
#define SPINS 400

/* ICR low word (SDM Vol. 3 11.6.1). */
#define ICR_INIT (5u << 8)
#define ICR_SIPI (6u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_SELF (1u << 18)
#define ICR_ALL (2u << 18)
#define ICR_OTHERS (3u << 18)
#define ICR_PENDING (1u << 12)

extern char ap_tramp[], ap_tramp_end[], ap_gdtr[], ap_far[], ap_start_cs[], ap_start_ip[];
extern char ap_entry32[];

/* What each processor saw, indexed by its APIC ID. */
static volatile struct ap {
    u32 boots, cpuid_id, leaf_b_id, mmio_id, start_cs, start_ip, bsp_flag;
    u32 heartbeat, ipi[4], spin_seen;
} cpu[NCPU];

u8 ap_stacks[12][4096] ALIGNED(16);
volatile u32 ap_stack_next;
static struct desc_ptr idt_ptr;
static volatile u32 spin_go, spin_done;
static volatile u32 lock_cx, lock_xchg, count_cx, count_xchg, count_xadd;
static volatile u32 order_hash;
static volatile u64 last_tsc;
static volatile u32 tsc_warps;
static int bsp_x2;

static u32 lapic_rd(u32 reg) { return *(volatile u32 *)(uptr)(LAPIC + reg); }
static void lapic_wr(u32 reg, u32 v) { *(volatile u32 *)(uptr)(LAPIC + reg) = v; }
static int x2_mode(void) { return (rdmsr(0x1b) >> 10) & 1; }

static u32 my_id(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    return (b >> 24) % NCPU;
}

static void eoi(void)
{
    if (x2_mode()) wrmsr(0x80b, 0);
    else lapic_wr(0xb0, 0);
}

static void on_ipi(struct trap_frame *f)
{
    cpu[my_id()].ipi[f->vec - VEC_FIXED]++;
    eoi();
}
static void on_spurious(struct trap_frame *f) {}

/* Bounded waits: a missing event fails a check instead of hanging the test. */
#define WAIT(cond) ({ u32 n_ = 0; while (!(cond) && n_ < 3000000) { __asm__ volatile("pause"); n_++; } (cond); })
static void settle(void)
{
    for (volatile u32 n = 0; n < 20000; n++) __asm__ volatile("pause");
}

static void send_ipi(u32 dest, u32 lo)
{
    if (bsp_x2) {
        wrmsr(0x830, (u64)dest << 32 | lo);
        return;
    }
    lapic_wr(0x310, dest << 24);
    lapic_wr(0x300, lo);
    WAIT(!(lapic_rd(0x300) & ICR_PENDING));
}

/* The MP start-up sequence: INIT (assert, de-assert), then two SIPIs (SDM Vol. 3 9.4.4.1). */
static void init_sipi_sipi(u32 dest, u32 shorthand)
{
    send_ipi(dest, shorthand | ICR_INIT | ICR_LEVEL | ICR_ASSERT);
    settle();
    if (!bsp_x2) send_ipi(dest, shorthand | ICR_INIT | ICR_LEVEL); /* not in x2APIC mode */
    settle();
    for (int k = 0; k < 2; k++) {
        send_ipi(dest, shorthand | ICR_SIPI | (AP_PAGE >> 12));
        settle();
    }
}

/* Critical sections that read, wait and write back: lost updates would show. */
static void spin_work(u32 id)
{
    for (int k = 0; k < SPINS; k++) {
        while (__sync_val_compare_and_swap(&lock_cx, 0, 1) != 0) /* LOCK CMPXCHG */
            while (lock_cx) __asm__ volatile("pause");
        u32 v = count_cx;
        u64 t = rdtsc();
        if (t < last_tsc) tsc_warps++;
        last_tsc = t;
        __asm__ volatile("pause; pause");
        count_cx = v + 1;
        order_hash = order_hash * 31 + id;
        __atomic_store_n(&lock_cx, 0, __ATOMIC_RELEASE);

        while (__sync_lock_test_and_set(&lock_xchg, 1)) /* XCHG */
            __asm__ volatile("pause");
        v = count_xchg;
        __asm__ volatile("pause");
        count_xchg = v + 1;
        __sync_lock_release(&lock_xchg);

        __atomic_fetch_add(&count_xadd, 1, __ATOMIC_SEQ_CST); /* LOCK XADD / ADD */
    }
}

void ap_main(void);
void ap_main(void)
{
    lidt(&idt_ptr);
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    u32 id = b >> 24;
    volatile struct ap *p = &cpu[id % NCPU];
    p->cpuid_id = id;
    cpuid(0xb, 0, &a, &b, &c, &d);
    p->leaf_b_id = d;
    p->mmio_id = lapic_rd(0x20) >> 24;
    p->start_cs = *(volatile u16 *)(uptr)(AP_PAGE + (ap_start_cs - ap_tramp));
    p->start_ip = *(volatile u16 *)(uptr)(AP_PAGE + (ap_start_ip - ap_tramp));
    p->bsp_flag = (rdmsr(0x1b) >> 8) & 1;
    lapic_wr(0xf0, 0x1ff); /* software-enable the APIC, spurious vector 0xff */
    lapic_wr(0x80, 0);
    p->boots++;
    sti();
    u32 seen = spin_go;
    for (;;) {
        p->heartbeat++;
        if (spin_go != seen) {
            seen = spin_go;
            spin_work(id);
            __atomic_fetch_add(&spin_done, 1, __ATOMIC_SEQ_CST);
        }
        __asm__ volatile("pause");
    }
}

static void test_bsp(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    check_eq("bsp_cpuid_apic_id", b >> 24, 0);
    check_eq("bsp_mmio_apic_id", lapic_rd(0x20) >> 24, 0);
    check_eq("bsp_flag_in_apic_base", (rdmsr(0x1b) >> 8) & 1, 1);
}

static void check_ap(int n, const char *what)
{
    char name[48];
    snprintf(name, sizeof name, "ap%d_%s_boots_once", n, what);
    check_eq(name, cpu[n].boots, 1);
    snprintf(name, sizeof name, "ap%d_cpuid_apic_id", n);
    check_eq(name, cpu[n].cpuid_id, n);
    snprintf(name, sizeof name, "ap%d_leaf_b_x2apic_id", n);
    check_eq(name, cpu[n].leaf_b_id, n);
    snprintf(name, sizeof name, "ap%d_mmio_apic_id", n);
    check_eq(name, cpu[n].mmio_id, n);
    snprintf(name, sizeof name, "ap%d_real_mode_cs", n);
    check_eq(name, cpu[n].start_cs, AP_PAGE >> 4);
    snprintf(name, sizeof name, "ap%d_real_mode_ip0", n);
    check_eq(name, cpu[n].start_ip, 0);
    snprintf(name, sizeof name, "ap%d_no_bsp_flag", n);
    check_eq(name, cpu[n].bsp_flag, 0);
}

static void prepare_trampoline(void)
{
    struct desc_ptr g;
    sgdt(&g);
    memcpy((void *)(uptr)AP_PAGE, ap_tramp, ap_tramp_end - ap_tramp);
    u8 *page = (u8 *)(uptr)AP_PAGE;
    memcpy(page + (ap_gdtr - ap_tramp), &g, 6);
    u32 entry = (u32)(uptr)ap_entry32;
    memcpy(page + (ap_far - ap_tramp), &entry, 4);
    ap_stack_next = (u32)(uptr)ap_stacks;
}

void test_main(struct multiboot_info *mbi)
{
    outb(0x21, 0xff); /* the 8259s stay quiet: only IPIs arrive */
    outb(0xa1, 0xff);
    sidt(&idt_ptr);
    for (int v = VEC_FIXED; v <= VEC_BCAST; v++) set_trap_handler(v, on_ipi);
    set_trap_handler(0xff, on_spurious);
    prepare_trampoline();
    test_bsp();
    lapic_wr(0xf0, 0x1ff);

    /* AP 1 through the xAPIC ICR. */
    init_sipi_sipi(1, 0);
    if (!WAIT(cpu[1].boots)) {
        pass("uniprocessor_no_ap_answers");
        return;
    }
    settle();
    check_ap(1, "xapic_start");

    send_ipi(1, VEC_FIXED);
    check("fixed_ipi_reaches_ap1", WAIT(cpu[1].ipi[0] == 1));
    check_eq("fixed_ipi_not_to_sender", cpu[0].ipi[0], 0);
    sti();
    send_ipi(0, ICR_SELF | VEC_SELF);
    check("self_ipi_shorthand", WAIT(cpu[0].ipi[1] == 1));
    cli();
    check_eq("self_ipi_not_to_ap1", cpu[1].ipi[1], 0);

    /* x2APIC: AP 2 through the ICR MSR, then the SELF IPI register. */
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!check("x2apic_supported", (c >> 21) & 1)) return;
    wrmsr(0x1b, rdmsr(0x1b) | (1u << 10));
    bsp_x2 = x2_mode();
    check_eq("x2apic_id_msr", rdmsr(0x802), 0);
    init_sipi_sipi(2, 0);
    WAIT(cpu[2].boots);
    settle();
    check_ap(2, "x2apic_start");
    check_eq("x2apic_start_leaves_ap1", cpu[1].boots, 1);
    send_ipi(2, VEC_FIXED);
    check("x2apic_fixed_ipi_reaches_ap2", WAIT(cpu[2].ipi[0] == 1));
    sti();
    wrmsr(0x83f, VEC_X2SELF);
    check("x2apic_self_ipi_msr", WAIT(cpu[0].ipi[2] == 1));
    cli();

    /* All-excluding-self: AP 3 starts, APs 1 and 2 are reset and start again. */
    init_sipi_sipi(0, ICR_OTHERS);
    WAIT(cpu[3].boots && cpu[1].boots == 2 && cpu[2].boots == 2);
    settle();
    check_ap(3, "broadcast_start");
    check_eq("broadcast_init_restarts_ap1", cpu[1].boots, 2);
    check_eq("broadcast_init_restarts_ap2", cpu[2].boots, 2);

    send_ipi(0, ICR_OTHERS | VEC_BCAST);
    WAIT(cpu[1].ipi[3] && cpu[2].ipi[3] && cpu[3].ipi[3]);
    settle();
    check("ipi_all_but_self_each_ap", cpu[1].ipi[3] == 1 && cpu[2].ipi[3] == 1 && cpu[3].ipi[3] == 1);
    check_eq("ipi_all_but_self_not_bsp", cpu[0].ipi[3], 0);
    sti();
    send_ipi(0, ICR_ALL | VEC_BCAST);
    WAIT(cpu[0].ipi[3] && cpu[1].ipi[3] == 2 && cpu[2].ipi[3] == 2 && cpu[3].ipi[3] == 2);
    cli();
    check_eq("ipi_all_incl_self_bsp", cpu[0].ipi[3], 1);
    check("ipi_all_incl_self_each_ap", cpu[1].ipi[3] == 2 && cpu[2].ipi[3] == 2 && cpu[3].ipi[3] == 2);

    /* Spinlocks: all four processors in the same critical sections. */
    spin_go = 1;
    spin_work(0);
    check("spin_aps_done", WAIT(spin_done == NCPU - 1));
    check_eq("spinlock_cmpxchg_count", count_cx, SPINS * NCPU);
    check_eq("spinlock_xchg_count", count_xchg, SPINS * NCPU);
    check_eq("lock_xadd_count", count_xadd, SPINS * NCPU);
    check_eq("tsc_no_warp_between_cpus", tsc_warps, 0);
    printf("info: lock order hash %x\n", order_hash); /* same on every run of one emulator */

    /* INIT stops a running AP (wait-for-SIPI); only a SIPI restarts it. */
    send_ipi(1, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
    settle();
    u32 h = cpu[1].heartbeat;
    settle();
    check_eq("init_stops_ap1", cpu[1].heartbeat, h);
    u32 h2 = cpu[2].heartbeat;
    check("init_leaves_ap2_running", WAIT(cpu[2].heartbeat != h2));
    send_ipi(2, ICR_SIPI | (AP_PAGE >> 12));
    settle();
    check_eq("sipi_ignored_by_running_ap2", cpu[2].boots, 2);
    send_ipi(1, ICR_SIPI | (AP_PAGE >> 12));
    check("sipi_restarts_ap1_after_init", WAIT(cpu[1].boots == 3));
    h = cpu[1].heartbeat;
    check("ap1_runs_again", WAIT(cpu[1].heartbeat != h));

    /* INIT and STARTUP back to back, with no delay (as many kernels send them): the AP
     * takes the INIT first, then the SIPI starts it (SDM Vol. 3 9.4.4, 11.6.1). */
    send_ipi(3, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
    send_ipi(3, ICR_SIPI | (AP_PAGE >> 12));
    check("init_sipi_back_to_back_restarts_ap3", WAIT(cpu[3].boots == 2));
    h = cpu[3].heartbeat;
    check("ap3_runs_after_back_to_back", WAIT(cpu[3].heartbeat != h));
}
