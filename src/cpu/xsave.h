/* The XSAVE feature set (xsave.c): XCR0, IA32_XSS and the XSAVE area. The state
 * components are x87 (0) and SSE (1), both in the legacy region, which has FXSAVE's
 * layout (SDM Vol. 1 13.4.1), and, when the CPU offers AVX, AVX (2: YMM_Hi128, the upper
 * halves of YMM0-15, 13.5.3) right after the 64-byte header: at offset 576 in the standard
 * format and, being the only extended component, in the compacted format too. */
#ifndef VP_XSAVE_H
#define VP_XSAVE_H

#include "cpumodel.h"
#include "insn.h"

#define XSS_VALID 0ull     /* no supervisor state component */
#define XSAVE_LEGACY 576u  /* legacy region + header, every format */
#define XSAVE_YMM_OFF 576u /* component 2: CPUID.(0DH,2).EBX, also its compacted offset */
#define XSAVE_YMM_SIZE 256u
#define XSAVE_MAX (XSAVE_YMM_OFF + XSAVE_YMM_SIZE)
#define XCOMP_BV_COMPACT (1ull << 63)

/* An XSAVE extension (CPUID.(0DH,1):EAX) counts only with XSAVE itself. */
static inline bool xsave_has(const struct cpu *c, enum feature f)
{
    return cpu_has(c, FEAT_XSAVE) && cpu_has(c, f);
}
/* The state components this CPU supports in XCR0: x87 and SSE, AVX with FEAT_AVX. */
u64 xcr0_valid(const struct cpu *c);
/* CPUID leaf 0DH (SDM Vol. 2 CPUID, Table 3-8 leaf 0DH); zero without XSAVE. */
void xsave_cpuid(const struct cpu *c, u32 sub, u32 out[4]);

/* 0F 01 D0 / D1 and 0F AE /4 /5 /6 (memory), dispatched from system.c's groups. */
void op_xgetbv(struct cpu *c, const struct insn *i);
void op_xsetbv(struct cpu *c, const struct insn *i);
void op_xsave(struct cpu *c, const struct insn *i);
void op_xrstor(struct cpu *c, const struct insn *i);
void op_xsaveopt(struct cpu *c, const struct insn *i);

#endif
