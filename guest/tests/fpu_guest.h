/* Shared by the floating-point guest tests (fpu_exc, fpu_lazy, xsave_area): control
 * register bits of the x87/SSE units and access to MXCSR and XMM registers through
 * memory (the guest is built with -mgeneral-regs-only, so the compiler never touches
 * the vector registers itself and their contents survive between asm statements). */
#ifndef GUEST_FPU_GUEST_H
#define GUEST_FPU_GUEST_H
#include "guest.h"

#define CR0_MP 0x2u
#define CR0_EM 0x4u
#define CR0_TS 0x8u
#define CR0_NE 0x20u
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_OSXSAVE (1u << 18)

/* MXCSR (SDM Vol. 1 10.2.3): flags 5:0, DAZ 6, masks 12:7, FTZ 15. */
#define MX_IE 0x01u
#define MX_DE 0x02u
#define MX_ZE 0x04u
#define MX_OE 0x08u
#define MX_UE 0x10u
#define MX_PE 0x20u
#define MX_DAZ 0x40u
#define MX_FTZ 0x8000u
#define MX_DEFAULT 0x1f80u
#define MX_MASK(flag) ((u32)(flag) << 7)

static inline void cr0_set(uptr set, uptr clear)
{
    write_cr0((read_cr0() & ~clear) | set);
}
static inline void cr4_set(uptr set, uptr clear)
{
    write_cr4((read_cr4() & ~clear) | set);
}
static inline void clts(void)
{
    __asm__ volatile("clts" ::: "memory");
}

static inline u32 mxcsr_get(void)
{
    u32 m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m;
}
static inline void mxcsr_set(u32 m)
{
    __asm__ volatile("ldmxcsr %0" ::"m"(m));
}

/* XMM0 and XMM1 as four 32-bit lanes. */
static inline void xmm0_load(const u32 v[4])
{
    __asm__ volatile("movups (%0), %%xmm0" ::"r"(v) : "memory");
}
static inline void xmm1_load(const u32 v[4])
{
    __asm__ volatile("movups (%0), %%xmm1" ::"r"(v) : "memory");
}
static inline void xmm0_store(u32 v[4])
{
    __asm__ volatile("movups %%xmm0, (%0)" ::"r"(v) : "memory");
}
static inline void xmm1_store(u32 v[4])
{
    __asm__ volatile("movups %%xmm1, (%0)" ::"r"(v) : "memory");
}

static inline u16 fnstsw(void)
{
    u16 sw;
    __asm__ volatile("fnstsw %0" : "=a"(sw));
    return sw;
}
static inline u16 fnstcw(void)
{
    u16 cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}
static inline void fldcw(u16 cw)
{
    __asm__ volatile("fldcw %0" ::"m"(cw));
}
static inline void fninit(void)
{
    __asm__ volatile("fninit" ::: "memory");
}
static inline void fnclex(void)
{
    __asm__ volatile("fnclex" ::: "memory");
}

/* One check name from a format (the names hold the case, which tables give). */
#define CHECK_NAME(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)
#endif
