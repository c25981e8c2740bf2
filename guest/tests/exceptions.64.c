/* (d) 64-bit half: ring 3 -> ring 0 in long mode, where the CPU always pushes SS:RSP,
 * aligns the new stack to 16 bytes, and can switch to an IST stack. */
#include "guest.h"
#include "gdt.h"

static struct {
    u64 cs, ss, sp, frame_top, hits;
} seen;

static void record(struct trap_frame *f)
{
    seen.cs = f->cs;
    seen.ss = f->ss;
    seen.sp = f->sp;
    seen.frame_top = (u64)(&f->ss + 1);
    seen.hits++;
}

static void user_int80(void *arg) { __asm__ volatile("int $0x80"); }
static void user_int40(void *arg) { __asm__ volatile("int $0x40"); }
static void user_probe(void *fn) { run_user((void (*)(void *))fn, 0); }
static void do_ud(void *arg) { __asm__ volatile("ud2"); }

static u8 ist_stack[4096] ALIGNED(16);

void main64(u64 arg)
{
    struct tss64 *tss = (struct tss64 *)arg;
    idt_set_default(0x80, 0xe, 3);
    set_trap_handler(0x80, record);
    run_user(user_int80, 0);
    check_eq("lm_ring3_int_hits", seen.hits, 1);
    check_eq("lm_ring3_int_saved_cs", seen.cs, SEL_UCODE64 | 3);
    check_eq("lm_ring3_int_saved_ss", seen.ss, SEL_UDATA | 3);
    check_eq("lm_ring3_frame_at_rsp0", seen.frame_top, tss->rsp0 & ~15ull);

    /* Same-ring interrupt in 64-bit mode still pushes SS:RSP. */
    u64 rsp_before;
    __asm__ volatile("mov %%rsp, %0; int $0x80" : "=r"(rsp_before));
    check_eq("lm_ring0_int_saved_cs", seen.cs, SEL_KCODE64);
    check_eq("lm_ring0_int_saved_rsp", seen.sp, rsp_before);

    /* #GP for INT n through a DPL-0 gate from ring 3. */
    int v = catch_fault(user_probe, user_int40);
    if (v == 13 && last_trap.err == ((0x40 << 3) | 2))
        pass("lm_ring3_int_dpl0_gp");
    else
        fail("lm_ring3_int_dpl0_gp", "vector %d error 0x%x", v, last_trap.err);

    /* IST: #UD delivered on IST1 whatever the current stack. */
    tss->ist[0] = (u64)(ist_stack + sizeof(ist_stack));
    idt_set_ist(6, 1);
    set_trap_handler(6, 0);
    static u64 frame_top;
    /* Record the frame position through a handler that skips the ud2. */
    void ud_handler(struct trap_frame * f)
    {
        frame_top = (u64)(&f->ss + 1);
        f->ip += 2;
    }
    set_trap_handler(6, ud_handler);
    do_ud(0);
    check_eq("lm_ist_frame_on_ist_stack", frame_top, tss->ist[0]);
    idt_set_ist(6, 0);
    set_trap_handler(6, 0);
}
