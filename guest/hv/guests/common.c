/* Shared by the hypervisor's 32- and 64-bit test guests (common.64.c includes it). */
#include "ghv.h"

volatile u32 ticks;

#ifdef __x86_64__
static u64 idt[512] ALIGNED(16); /* 16-byte gates */
#else
static u64 idt[256] ALIGNED(16);
#endif

static inline u64 hypercall(u64 nr, u64 arg)
{
    uptr a = (uptr)nr, b = (uptr)arg;
    __asm__ volatile("vmcall" : "+a"(a) : "b"(b) : "memory");
    return a;
}
void hc_print(const char *s)
{
    hypercall(HC_PRINT, (uptr)s);
}
void hc_yield(void)
{
    hypercall(HC_YIELD, 0);
}
void hc_exit(int code)
{
    hypercall(HC_EXIT, (u32)code);
    for (;;)
        __asm__ volatile("cli; hlt");
}

int cmdline_has(const char *word)
{
    const char *c = (const char *)(uptr)HV_CMDLINE_GPA;
    int n = (int)strlen(word);
    for (; *c; c++)
        if (!memcmp(c, word, n)) return 1;
    return 0;
}

int vmx_visible(void)
{
    u32 a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    return (c >> 5) & 1;
}

void idt_set(int vec, void *handler)
{
    uptr h = (uptr)handler;
#ifdef __x86_64__
    idt[2 * vec] = (h & 0xffff) | ((u64)HV_SEL_CODE64 << 16) | (0x8eull << 40) |
                   ((u64)((h >> 16) & 0xffff) << 48);
    idt[2 * vec + 1] = (u64)h >> 32;
#else
    idt[vec] = (h & 0xffff) | ((u64)HV_SEL_CODE32 << 16) | (0x8eull << 40) | ((u64)(h >> 16) << 48);
#endif
}

void idt_load(void)
{
    struct desc_ptr p = {sizeof idt - 1, (uptr)idt};
    lidt(&p);
}

__attribute__((interrupt)) static void timer_isr(struct interrupt_frame *f)
{
    (void)f;
    ticks++;
    outb(0x20, 0x20); /* EOI */
}

void timer_start(u32 hz)
{
    /* ICW1 (edge, cascade, ICW4), ICW2 vector base, ICW3 wiring, ICW4 8086 mode */
    outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), outb(0x21, 0x01);
    outb(0xa0, 0x11), outb(0xa1, 0x28), outb(0xa1, 0x02), outb(0xa1, 0x01);
    outb(0x21, 0xfe); /* IRQ0 only */
    outb(0xa1, 0xff);
    idt_set(0x20, (void *)timer_isr);
    idt_load();
    u32 div = 1193182 / hz;
    outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 */
    outb(0x40, div & 0xff);
    outb(0x40, div >> 8);
}

void wait_ticks(u32 n)
{
    while (ticks < n)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

u16 pit_count(void)
{
    outb(0x43, 0x00); /* latch channel 0 */
    u8 lo = inb(0x40);
    u8 hi = inb(0x40);
    return (u16)(lo | hi << 8);
}
