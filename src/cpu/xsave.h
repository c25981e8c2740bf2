/* The XSAVE feature set (xsave.c): XCR0, IA32_XSS and the XSAVE area. Only the x87
 * (component 0) and SSE (component 1) state exist, both in the legacy region, which has
 * FXSAVE's layout (SDM Vol. 1 13.4.1), so every area, standard or compacted, is the
 * 512-byte legacy region and the 64-byte header. */
#ifndef VP_XSAVE_H
#define VP_XSAVE_H

#include "cpumodel.h"
#include "insn.h"

#define XCR0_VALID 3ull    /* x87, SSE: the state components supported in XCR0 */
#define XSS_VALID 0ull     /* no supervisor state component */
#define XSAVE_SIZE 576u    /* legacy region + header, every format */
#define XCOMP_BV_COMPACT (1ull << 63)

/* An XSAVE extension (CPUID.(0DH,1):EAX) counts only with XSAVE itself. */
static inline bool xsave_has(const struct cpu *c, enum feature f)
{
    return cpu_has(c, FEAT_XSAVE) && cpu_has(c, f);
}
/* CPUID leaf 0DH (SDM Vol. 2 CPUID, Table 3-8 leaf 0DH); zero without XSAVE. */
void xsave_cpuid(const struct cpu *c, u32 sub, u32 out[4]);

/* 0F 01 D0 / D1 and 0F AE /4 /5 /6 (memory), dispatched from system.c's groups. */
void op_xgetbv(struct cpu *c, const struct insn *i);
void op_xsetbv(struct cpu *c, const struct insn *i);
void op_xsave(struct cpu *c, const struct insn *i);
void op_xrstor(struct cpu *c, const struct insn *i);
void op_xsaveopt(struct cpu *c, const struct insn *i);

#endif
