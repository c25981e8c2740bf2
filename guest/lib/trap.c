/* Shared by both worlds: the IDT, the dispatcher, catch_fault and run_user. */
#include "guest.h"

#ifdef __x86_64__
struct gate {
    u64 lo, hi;
};
#define KCODE SEL_KCODE64
#else
struct gate {
    u64 lo;
};
#define KCODE SEL_KCODE32
#endif

static struct gate idt[256] ALIGNED(16);
static trap_handler handlers[256];
struct trap_info last_trap;
static struct jmpbuf catch_jb;
static int catch_armed;
extern char trap_stubs[];

void idt_set_gate(int vec, void *target, u16 sel, int type, int dpl)
{
    uptr t = (uptr)target;
    idt[vec].lo = (t & 0xffff) | ((u64)sel << 16) | ((u64)(0x80 | (dpl << 5) | type) << 40) |
                  ((u64)((t >> 16) & 0xffff) << 48);
#ifdef __x86_64__
    idt[vec].hi = (u64)t >> 32;
#endif
}

#ifdef __x86_64__
void idt_set_ist(int vec, int ist)
{
    idt[vec].lo = (idt[vec].lo & ~(7ull << 32)) | ((u64)ist << 32);
}
#endif

void idt_set_default(int vec, int type, int dpl)
{
    idt_set_gate(vec, trap_stubs + 16 * vec, KCODE, type, dpl);
}

void idt_clear_gate(int vec) { idt[vec].lo &= ~(1ull << 47); }

void set_trap_handler(int vec, trap_handler h) { handlers[vec] = h; }

void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        idt_set_default(v, 0xe, 0);
        handlers[v] = 0;
    }
    idt_set_default(USER_RETURN_VEC, 0xe, 3);
    struct desc_ptr p = {sizeof(idt) - 1, (uptr)idt};
    lidt(&p);
}

void trap_dispatch(struct trap_frame *f)
{
    if (handlers[f->vec]) {
        handlers[f->vec](f);
        return;
    }
    last_trap.vec = f->vec;
    last_trap.err = f->err;
    last_trap.ip = f->ip;
    last_trap.cs = f->cs;
    last_trap.flags = f->flags;
    last_trap.cr2 = read_cr2();
#ifdef __x86_64__
    last_trap.sp = f->sp;
    last_trap.ss = f->ss;
#else
    /* SS:ESP are on the frame only if the trap came from an outer ring. */
    last_trap.sp = (f->cs & 3) ? f->sp : 0;
    last_trap.ss = (f->cs & 3) ? f->ss : 0;
#endif
    last_trap.count++;
    if (catch_armed) {
        catch_armed = 0;
        glongjmp(&catch_jb, 1);
    }
    fail("unexpected_trap", "vector %u error 0x%x ip 0x%llx", (unsigned)f->vec, (unsigned)f->err,
         (unsigned long long)f->ip);
    report_done();
}

int catch_fault(void (*fn)(void *), void *arg)
{
    /* Save the enclosing catcher so catch_fault may nest. */
    struct jmpbuf outer = catch_jb;
    int outer_armed = catch_armed;
    volatile int vec = -1; /* live across the longjmp */
    if (gsetjmp(&catch_jb) == 0) {
        catch_armed = 1;
        fn(arg);
    } else {
        vec = (int)last_trap.vec;
    }
    catch_jb = outer;
    catch_armed = outer_armed;
#ifndef __x86_64__
    gdt_reload_segments(); /* a fault in ring 3 left user selectors in FS/GS */
#endif
    return vec;
}

static struct jmpbuf user_jb;
static u8 user_stack[16384] ALIGNED(16);
extern char user_exit[];
void enter_user(uptr ip, uptr sp, uptr arg);

static void user_return(struct trap_frame *f) { glongjmp(&user_jb, 1); }

int run_user(void (*fn)(void *), void *arg)
{
    set_trap_handler(USER_RETURN_VEC, user_return);
    if (gsetjmp(&user_jb)) {
#ifndef __x86_64__
        gdt_reload_segments();
#endif
        return 0;
    }
    uptr *sp = (uptr *)(user_stack + sizeof(user_stack));
#ifndef __x86_64__
    *--sp = (uptr)arg; /* cdecl: the argument sits above the return address */
#endif
    *--sp = (uptr)user_exit;
    enter_user((uptr)fn, (uptr)sp, (uptr)arg); /* 64-bit: arg travels in RDI */
    return -1;
}

struct msr_probe {
    u32 msr;
    u64 val;
};
static void rdmsr_probe(void *arg)
{
    struct msr_probe *p = arg;
    p->val = rdmsr(p->msr);
}

int rdmsr_safe(u32 msr, u64 *val)
{
    struct msr_probe p = {msr, 0};
    int v = catch_fault(rdmsr_probe, &p);
    *val = p.val;
    return v < 0 ? 0 : -1;
}
