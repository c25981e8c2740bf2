/* IA32_DEBUGCTL, the last branch records and single-step on branches (SDM Vol. 3 18.4
 * and the per-family LBR sections; MSR addresses from SDM Vol. 4 chapter 2). See lbr.h
 * for how this stays off the hot path. */
#include "cpumodel.h"
#include "flags.h"
#include "lbr.h"
#include "msr.h"

/* How a model's LBR records hold an address: IA32_PERF_CAPABILITIES[5:0] of the real part,
 * the model table's perf_capabilities (SDM Vol. 3 18.4.8.1). */
enum lbr_format {
    LBR_FMT_LIP = 1,       /* 64-bit linear address */
    LBR_FMT_EIP_FLAGS = 3, /* 64-bit offset, MISPRED in FROM bit 63 */
    LBR_FMT_INFO = 5,      /* 64-bit offset, MISPRED/TSX/cycles in MSR_LBR_INFO_x */
};

/* DEBUGCTL bits of each generation's real part (SDM Vol. 4 Table 2-2, IA32_DEBUGCTL:
 * LBR and BTF since 06_01H, TR/BTS/BTINT since 06_0EH, BTS_OFF_OS/USR since 06_0FH, the
 * PMI freeze bits on parts with architectural performance monitoring version 2, uncore
 * PMI since 06_1AH, FREEZE_WHILE_SMM and RTM_DEBUG where enumerated). */
#define DBG_CORE2                                                                          \
    (DEBUGCTL_LBR | DEBUGCTL_BTF | DEBUGCTL_TR | DEBUGCTL_BTS | DEBUGCTL_BTINT |            \
     DEBUGCTL_BTS_OFF_OS | DEBUGCTL_BTS_OFF_USR | DEBUGCTL_FREEZE_LBRS_ON_PMI |            \
     DEBUGCTL_FREEZE_PERFMON_ON_PMI)
#define DBG_NEHALEM (DBG_CORE2 | DEBUGCTL_UNCORE_PMI_EN)
#define DBG_SKYLAKE (DBG_NEHALEM | DEBUGCTL_RTM_DEBUG)

/* LBR_SELECT filter bits (SDM Vol. 3 18.7.2 Table 18-13; 18.9.1): a set bit drops that
 * class of branch. EN_CALLSTACK (bit 9, Haswell and later: 18.11) makes the stack a call
 * stack. */
enum {
    SEL_CPL_EQ_0 = 1u << 0,
    SEL_CPL_NEQ_0 = 1u << 1,
    SEL_JCC = 1u << 2,
    SEL_NEAR_REL_CALL = 1u << 3,
    SEL_NEAR_IND_CALL = 1u << 4,
    SEL_NEAR_RET = 1u << 5,
    SEL_NEAR_IND_JMP = 1u << 6,
    SEL_NEAR_REL_JMP = 1u << 7,
    SEL_FAR_BRANCH = 1u << 8,
    SEL_EN_CALLSTACK = 1u << 9,
    SEL_NEHALEM = 0x1ff,                         /* bits 8:0 (18.7.2) */
    SEL_HASWELL = SEL_NEHALEM | SEL_EN_CALLSTACK, /* 18.11 Table 18-17 */
};

/* One row per model offered (cpumodel.c), keyed by the DisplayModel of family 6. */
struct lbr_model {
    u8 model;
    u8 entries;        /* LBR stack size; TOS counts modulo it */
    u32 from, to, info; /* first FROM_IP, TO_IP and LBR_INFO MSR (info 0: none) */
    u16 select;        /* MSR_LBR_SELECT's bits (0: no such MSR, before Nehalem) */
    u32 debugctl;      /* DEBUGCTL bits the real part defines */
};

static const struct lbr_model lbr_models[] = {
    /* Penryn 06_17H: 4 entries at 40H/60H (SDM Vol. 3 18.5.2 Table 18-3; Vol. 4 Table 2-3). */
    {0x17, 4, 0x40, 0x60, 0, 0, DBG_CORE2},
    /* Westmere 06_2CH: 16 entries at 680H/6C0H, MISPRED in FROM (18.6.1; Vol. 4 Table 2-15). */
    {0x2c, 16, 0x680, 0x6c0, 0, SEL_NEHALEM, DBG_NEHALEM},
    /* Skylake 06_5EH and Ice Lake 06_6AH: 32 entries plus MSR_LBR_INFO_x at DC0H
     * (18.12.1; Vol. 4 Tables 2-38, 2-52). */
    {0x5e, 32, 0x680, 0x6c0, 0xdc0, SEL_HASWELL, DBG_SKYLAKE},
    {0x6a, 32, 0x680, 0x6c0, 0xdc0, SEL_HASWELL, DBG_SKYLAKE},
};

static const struct lbr_model *model_of(const struct cpu *c)
{
    const struct cpu_model *m = cpu_model_of(c);
    for (size_t k = 0; k < ARRAY_LEN(lbr_models); k++)
        if (m->family == 6 && m->model == lbr_models[k].model) return &lbr_models[k];
    return NULL;
}

/* IA32_PERF_CAPABILITIES bits (SDM Vol. 4 Table 2-2, MSR 345H). */
enum {
    PERF_CAP_LBR_FMT = 0x3f,        /* 5:0 LBR record format (18.4.8.1) */
    PERF_CAP_SMM_FREEZE = 1u << 12, /* IA32_DEBUGCTL.FREEZE_WHILE_SMM exists */
};
/* What Vanderpool reports of the real part's value: the LBR format, and SMM_FREEZE (there
 * is no SMM here, so FREEZE_WHILE_SMM is accepted and has nothing to freeze). The PEBS
 * bits (trap, saved registers, record format, baseline) and full-width counter writes
 * describe facilities not offered: no DS save area, no performance counters. */
#define PERF_CAP_IMPLEMENTED (PERF_CAP_LBR_FMT | PERF_CAP_SMM_FREEZE)

/* IA32_PERF_CAPABILITIES as this processor reports it when CPUID.1:ECX.PDCM says the MSR
 * exists (SDM Vol. 4 Table 2-2). */
static u64 perf_capabilities(const struct cpu *c)
{
    return cpu_model_of(c)->perf_capabilities & PERF_CAP_IMPLEMENTED;
}

/* The architectural performance monitoring version, CPUID.0AH:EAX[7:0] (cpuid.c). */
static unsigned pmu_version(const struct cpu *c)
{
    u32 r[4];
    cpuid_query((struct cpu *)c, 0xa, 0, r); /* CPUID only reads the processor */
    return r[0] & 0xff;
}

/* DEBUGCTL bits that exist only with a facility the processor offers (SDM Vol. 4 Table
 * 2-2): the BTS buffer is part of the DS save area (18.4.5, CPUID DS); the PMI freeze bits
 * need architectural performance monitoring version 2 or later; FREEZE_WHILE_SMM needs
 * IA32_PERF_CAPABILITIES[12]; RTM_DEBUG needs RTM. */
u64 debugctl_valid_bits(const struct cpu *c)
{
    const struct lbr_model *m = model_of(c);
    u64 v = m ? m->debugctl : DEBUGCTL_LBR | DEBUGCTL_BTF;
    if (!cpu_has(c, FEAT_DS))
        v &= ~(u64)(DEBUGCTL_BTS | DEBUGCTL_BTINT | DEBUGCTL_BTS_OFF_OS | DEBUGCTL_BTS_OFF_USR);
    if (pmu_version(c) < 2)
        v &= ~(u64)(DEBUGCTL_FREEZE_LBRS_ON_PMI | DEBUGCTL_FREEZE_PERFMON_ON_PMI);
    if (m && cpu_has(c, FEAT_PDCM) && (perf_capabilities(c) & PERF_CAP_SMM_FREEZE))
        v |= DEBUGCTL_FREEZE_WHILE_SMM;
    if (!cpu_has(c, FEAT_RTM)) v &= ~(u64)DEBUGCTL_RTM_DEBUG;
    return v;
}

/* LBR records hold 64-bit addresses in 64-bit mode and zero upper halves elsewhere
 * (SDM Vol. 3 18.4.8.1). */
static u64 record_ip(const struct cpu *c, const struct lbr_model *m, u64 rip)
{
    bool lip = m && (cpu_model_of(c)->perf_capabilities & PERF_CAP_LBR_FMT) == LBR_FMT_LIP;
    u64 a = lip ? rip + c->seg[SEG_CS].base : rip;
    return c->code_size == 8 ? a : a & 0xffffffffull;
}

u64 lbr_ip(const struct cpu *c) { return record_ip(c, model_of(c), c->rip); }

/* Branch classes, as LBR_SELECT names them. */
static u32 branch_class(const struct insn *i)
{
    if (i->map == MAP_0F) {
        if (i->op >= 0x80 && i->op <= 0x8f) return SEL_JCC;
        if (i->op == 0x05 || i->op == 0x07 || i->op == 0x34 || i->op == 0x35) return SEL_FAR_BRANCH;
        return 0;
    }
    if (i->map != MAP_1B) return 0;
    if (i->op >= 0x70 && i->op <= 0x7f) return SEL_JCC;
    switch (i->op) {
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: return SEL_JCC;
    case 0xe8: return SEL_NEAR_REL_CALL;
    case 0xe9: case 0xeb: return SEL_NEAR_REL_JMP;
    case 0xc2: case 0xc3: return SEL_NEAR_RET;
    case 0x9a: case 0xea: case 0xca: case 0xcb: case 0xcf: return SEL_FAR_BRANCH;
    case 0xff:
        switch (i->reg & 7) {
        case 2: return SEL_NEAR_IND_CALL;
        case 4: return SEL_NEAR_IND_JMP;
        case 3: case 5: return SEL_FAR_BRANCH;
        }
    }
    /* INT n, INT3, INTO and INT1 are recorded as the events they deliver (lbr_event). */
    return 0;
}

/* Whether a conditional branch that just ran was taken. Decided from the state it left
 * (flags untouched; the count register already updated), so a branch whose target is the
 * next instruction counts too. */
static bool cond_taken(struct cpu *c, const struct insn *i)
{
    if (i->map == MAP_0F || i->op <= 0x7f) return cpu_cond(c, i->op & 0xf);
    u64 count = reg_get(c, RCX, i->adsz);
    bool zf = cpu_get_rflags(c) & FL_ZF;
    switch (i->op) {
    case 0xe0: return count && !zf;
    case 0xe1: return count && zf;
    case 0xe2: return count != 0;
    default: return count == 0; /* E3: JrCXZ */
    }
}

/* Record a taken branch of class `class` unless LBR_SELECT filters it (SDM 18.7.2).
 *
 * Call-stack mode (LBR_SELECT.EN_CALLSTACK, Haswell and later: SDM 18.11.1) makes the
 * stack LIFO: near calls push as usual, a near return flushes the record on top (zeroed,
 * TOS decremented) instead of pushing one, and zero-length calls (CALL to the next
 * instruction, which only fetches RIP) are not recorded. The SDM defines the mode with
 * JCC, NEAR_IND_JMP, NEAR_REL_JMP and FAR_BRANCH filtered and at most one CPL filter set,
 * calls and returns captured; other settings are undefined, and the filters then apply
 * here as they read. */
static void push_record(struct cpu *c, const struct lbr_model *m, u32 class, u64 from, u64 to,
                        bool zero_len_call)
{
    if (!m) return;
    u32 sel = m->select ? (u32)c->lbr_select : 0;
    if ((sel & class) || (sel & (c->cpl == 0 ? SEL_CPL_EQ_0 : SEL_CPL_NEQ_0))) return;
    if (sel & SEL_EN_CALLSTACK) {
        if (zero_len_call) return;
        if (class == SEL_NEAR_RET) {
            c->lbr_from[c->lbr_tos] = c->lbr_to[c->lbr_tos] = c->lbr_info[c->lbr_tos] = 0;
            c->lbr_tos = (u8)((c->lbr_tos + m->entries - 1) % m->entries);
            return;
        }
    }
    c->lbr_tos = (u8)((c->lbr_tos + 1) % m->entries);
    c->lbr_from[c->lbr_tos] = from;
    c->lbr_to[c->lbr_tos] = to;
    c->lbr_info[c->lbr_tos] = 0; /* predicted, outside a transaction, no cycle count */
}

bool lbr_after_insn(struct cpu *c, const struct insn *i, u64 from_ip)
{
    u32 class = branch_class(i);
    if (!class || (class == SEL_JCC && !cond_taken(c, i))) return false;
    /* SDM 18.4.2: taken branches are recorded while DEBUGCTL.LBR is set. */
    if (c->debugctl & DEBUGCTL_LBR) {
        const struct lbr_model *m = model_of(c);
        u64 to = record_ip(c, m, c->rip);
        u64 next = c->code_size == 8 ? from_ip + i->len : (from_ip + i->len) & 0xffffffffull;
        push_record(c, m, class, from_ip, to, class == SEL_NEAR_REL_CALL && to == next);
    }
    return true;
}

void lbr_event(struct cpu *c, bool db, u64 from_ip)
{
    if (c->debugctl & DEBUGCTL_LBR) {
        const struct lbr_model *m = model_of(c);
        /* LER: the last branch taken before the exception or interrupt (18.4.8, Vol. 4
         * MSR_LER_FROM_LIP / MSR_LER_TO_LIP). */
        c->ler_from = c->lbr_from[c->lbr_tos];
        c->ler_to = c->lbr_to[c->lbr_tos];
        /* Interrupts and exceptions are recorded, debug exceptions excepted (18.4.2). */
        if (!db) push_record(c, m, SEL_FAR_BRANCH, from_ip, record_ip(c, m, c->rip), false);
    }
    /* SDM 18.4.2 / 18.4.3: delivering #DB clears LBR (freezing the stack for the handler)
     * and BTF. */
    if (db) c->debugctl &= ~(u64)(DEBUGCTL_LBR | DEBUGCTL_BTF);
}

/* --- The MSRs ---------------------------------------------------------------------------- */

/* Which stack slot (and array) an LBR MSR index names, or NULL. */
static u64 *lbr_slot(struct cpu *c, const struct lbr_model *m, u32 index)
{
    if (index >= m->from && index < m->from + m->entries) return &c->lbr_from[index - m->from];
    if (index >= m->to && index < m->to + m->entries) return &c->lbr_to[index - m->to];
    if (m->info && index >= m->info && index < m->info + m->entries) return &c->lbr_info[index - m->info];
    return NULL;
}

static bool lbr_read(struct cpu *c, u32 index, u64 *val)
{
    const struct lbr_model *m = model_of(c);
    switch (index) {
    case MSR_DEBUGCTL: *val = c->debugctl; return true;
    case MSR_LER_FROM_LIP: *val = c->ler_from; return m != NULL;
    case MSR_LER_TO_LIP: *val = c->ler_to; return m != NULL;
    case MSR_LASTBRANCH_TOS: *val = c->lbr_tos; return m != NULL;
    case MSR_LBR_SELECT: *val = c->lbr_select; return m && m->select;
    case MSR_PERF_CAPABILITIES: *val = perf_capabilities(c); return cpu_has(c, FEAT_PDCM);
    }
    u64 *p = m ? lbr_slot(c, m, index) : NULL;
    if (!p) return false;
    *val = *p;
    return true;
}

static bool lbr_write(struct cpu *c, u32 index, u64 val)
{
    const struct lbr_model *m = model_of(c);
    switch (index) {
    case MSR_DEBUGCTL:
        /* Reserved bits raise #GP (SDM Vol. 3 18.4.1). */
        if (val & ~debugctl_valid_bits(c)) return false;
        c->debugctl = val;
        c->check_events = true; /* the executor looks at lbr_stepping() (exec.c) */
        return true;
    case MSR_LASTBRANCH_TOS:
        if (!m || val >= m->entries) return false;
        c->lbr_tos = (u8)val;
        return true;
    case MSR_LBR_SELECT:
        if (!m || !m->select || (val & ~(u64)m->select)) return false; /* reserved bits */
        c->lbr_select = val;
        return true;
    case MSR_LER_FROM_LIP:
    case MSR_LER_TO_LIP:
    case MSR_PERF_CAPABILITIES:
        return false; /* read-only */
    }
    u64 *p = m ? lbr_slot(c, m, index) : NULL;
    if (!p) return false;
    *p = val; /* the stack is read-write so software can save and restore it */
    return true;
}

const struct msr_range lbr_msrs[] = {
    {0x40, 0x43, lbr_read, lbr_write}, /* Penryn's stack */
    {0x60, 0x63, lbr_read, lbr_write},
    {MSR_LBR_SELECT, MSR_LASTBRANCH_TOS, lbr_read, lbr_write},
    {MSR_DEBUGCTL, MSR_DEBUGCTL, lbr_read, lbr_write},
    {MSR_LER_FROM_LIP, MSR_LER_TO_LIP, lbr_read, lbr_write},
    {MSR_PERF_CAPABILITIES, MSR_PERF_CAPABILITIES, lbr_read, lbr_write},
    {0x680, 0x69f, lbr_read, lbr_write}, /* Nehalem and later */
    {0x6c0, 0x6df, lbr_read, lbr_write},
    {0xdc0, 0xddf, lbr_read, lbr_write},
    {0, 0, NULL, NULL},
};
