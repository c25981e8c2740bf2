/* Registers for gdb: the two target descriptions (i386 and x86-64, chosen by the processor's
 * mode when gdb asks for target.xml) and g/G/p/P access through vp_get_reg/vp_set_reg. The
 * x87 registers gdb's i386 core feature requires read as their reset values until the
 * emulator's x87 state is reachable through the API, and so do the SSE registers (gdb
 * rejects an i386 description without them); writes to them are ignored. */
#include <stdio.h>
#include <string.h>

#include "gdbstub.h"

struct reg {
    const char *name; /* gdb's name */
    const char *api;  /* vp_get_reg's name, or NULL (reads as `fixed`) */
    int bits;
    const char *type;
    const char *feature; /* "core", "segments", "sys" */
    uint64_t fixed;
};

#define X87 \
    {"st0", NULL, 80, "i387_ext", "core", 0}, {"st1", NULL, 80, "i387_ext", "core", 0}, \
    {"st2", NULL, 80, "i387_ext", "core", 0}, {"st3", NULL, 80, "i387_ext", "core", 0}, \
    {"st4", NULL, 80, "i387_ext", "core", 0}, {"st5", NULL, 80, "i387_ext", "core", 0}, \
    {"st6", NULL, 80, "i387_ext", "core", 0}, {"st7", NULL, 80, "i387_ext", "core", 0}, \
    {"fctrl", NULL, 32, "int", "core", 0x37f}, {"fstat", NULL, 32, "int", "core", 0}, \
    {"ftag", NULL, 32, "int", "core", 0xffff}, {"fiseg", NULL, 32, "int", "core", 0}, \
    {"fioff", NULL, 32, "int", "core", 0}, {"foseg", NULL, 32, "int", "core", 0}, \
    {"fooff", NULL, 32, "int", "core", 0}, {"fop", NULL, 32, "int", "core", 0}

#define XMM8 {"xmm0", NULL, 128, "uint128", "sse", 0}, {"xmm1", NULL, 128, "uint128", "sse", 0}, {"xmm2", NULL, 128, "uint128", "sse", 0}, {"xmm3", NULL, 128, "uint128", "sse", 0}, {"xmm4", NULL, 128, "uint128", "sse", 0}, {"xmm5", NULL, 128, "uint128", "sse", 0}, {"xmm6", NULL, 128, "uint128", "sse", 0}, {"xmm7", NULL, 128, "uint128", "sse", 0}
#define MXCSR {"mxcsr", NULL, 32, "int", "sse", 0x1f80}

static const struct reg regs64[] = {
    {"rax", "rax", 64, "int64", "core", 0}, {"rbx", "rbx", 64, "int64", "core", 0},
    {"rcx", "rcx", 64, "int64", "core", 0}, {"rdx", "rdx", 64, "int64", "core", 0},
    {"rsi", "rsi", 64, "int64", "core", 0}, {"rdi", "rdi", 64, "int64", "core", 0},
    {"rbp", "rbp", 64, "data_ptr", "core", 0}, {"rsp", "rsp", 64, "data_ptr", "core", 0},
    {"r8", "r8", 64, "int64", "core", 0}, {"r9", "r9", 64, "int64", "core", 0},
    {"r10", "r10", 64, "int64", "core", 0}, {"r11", "r11", 64, "int64", "core", 0},
    {"r12", "r12", 64, "int64", "core", 0}, {"r13", "r13", 64, "int64", "core", 0},
    {"r14", "r14", 64, "int64", "core", 0}, {"r15", "r15", 64, "int64", "core", 0},
    {"rip", "rip", 64, "code_ptr", "core", 0}, {"eflags", "rflags", 32, "i386_eflags", "core", 0},
    {"cs", "cs", 32, "int32", "core", 0}, {"ss", "ss", 32, "int32", "core", 0},
    {"ds", "ds", 32, "int32", "core", 0}, {"es", "es", 32, "int32", "core", 0},
    {"fs", "fs", 32, "int32", "core", 0}, {"gs", "gs", 32, "int32", "core", 0},
    X87,
    XMM8, {"xmm8", NULL, 128, "uint128", "sse", 0}, {"xmm9", NULL, 128, "uint128", "sse", 0}, {"xmm10", NULL, 128, "uint128", "sse", 0}, {"xmm11", NULL, 128, "uint128", "sse", 0}, {"xmm12", NULL, 128, "uint128", "sse", 0}, {"xmm13", NULL, 128, "uint128", "sse", 0}, {"xmm14", NULL, 128, "uint128", "sse", 0}, {"xmm15", NULL, 128, "uint128", "sse", 0}, MXCSR,
    {"fs_base", "fs_base", 64, "int", "segments", 0}, {"gs_base", "gs_base", 64, "int", "segments", 0},
    {"cr0", "cr0", 64, "int", "sys", 0}, {"cr2", "cr2", 64, "int", "sys", 0},
    {"cr3", "cr3", 64, "int", "sys", 0}, {"cr4", "cr4", 64, "int", "sys", 0},
    {"cr8", "cr8", 64, "int", "sys", 0}, {"efer", "efer", 64, "int", "sys", 0},
};

static const struct reg regs32[] = {
    {"eax", "rax", 32, "int32", "core", 0}, {"ecx", "rcx", 32, "int32", "core", 0},
    {"edx", "rdx", 32, "int32", "core", 0}, {"ebx", "rbx", 32, "int32", "core", 0},
    {"esp", "rsp", 32, "data_ptr", "core", 0}, {"ebp", "rbp", 32, "data_ptr", "core", 0},
    {"esi", "rsi", 32, "int32", "core", 0}, {"edi", "rdi", 32, "int32", "core", 0},
    {"eip", "rip", 32, "code_ptr", "core", 0}, {"eflags", "rflags", 32, "i386_eflags", "core", 0},
    {"cs", "cs", 32, "int32", "core", 0}, {"ss", "ss", 32, "int32", "core", 0},
    {"ds", "ds", 32, "int32", "core", 0}, {"es", "es", 32, "int32", "core", 0},
    {"fs", "fs", 32, "int32", "core", 0}, {"gs", "gs", 32, "int32", "core", 0},
    X87,
    XMM8, MXCSR,
    {"fs_base", "fs_base", 32, "int32", "segments", 0}, {"gs_base", "gs_base", 32, "int32", "segments", 0},
    {"cr0", "cr0", 32, "int", "sys", 0}, {"cr2", "cr2", 32, "int", "sys", 0},
    {"cr3", "cr3", 32, "int", "sys", 0}, {"cr4", "cr4", 32, "int", "sys", 0},
    {"cr8", "cr8", 32, "int", "sys", 0}, {"efer", "efer", 64, "int", "sys", 0},
};

#define N64 (int)(sizeof regs64 / sizeof regs64[0])
#define N32 (int)(sizeof regs32 / sizeof regs32[0])

/* Until gdb asked for a description: the processor's mode now. */
static bool use64(struct gdb *g, int cpu)
{
    if (g->x86_64 < 0) {
        uint64_t efer = 0;
        vp_get_reg(g->vm, cpu, "efer", &efer);
        g->x86_64 = (efer & (1u << 10)) != 0; /* EFER.LMA */
    }
    return g->x86_64;
}

static const struct reg *table(struct gdb *g, int *n)
{
    bool wide = use64(g, g->g_cpu);
    *n = wide ? N64 : N32;
    return wide ? regs64 : regs32;
}

int gdb_regs_count(struct gdb *g)
{
    int n;
    table(g, &n);
    return n;
}

size_t gdb_reg_read(struct gdb *g, int cpu, int k, uint8_t *buf)
{
    int n;
    const struct reg *t = table(g, &n);
    if (k < 0 || k >= n) return 0;
    uint64_t v = t[k].fixed;
    if (t[k].api && vp_get_reg(g->vm, cpu, t[k].api, &v)) v = 0;
    size_t bytes = (size_t)t[k].bits / 8;
    memset(buf, 0, bytes);
    for (size_t b = 0; b < bytes && b < 8; b++) buf[b] = (uint8_t)(v >> (8 * b));
    return bytes;
}

int gdb_reg_write(struct gdb *g, int cpu, int k, const uint8_t *buf, size_t len)
{
    int n;
    const struct reg *t = table(g, &n);
    if (k < 0 || k >= n || len != (size_t)t[k].bits / 8) return -1;
    if (!t[k].api) return 0; /* x87: not reachable yet */
    uint64_t v = 0, old = 0;
    for (size_t b = 0; b < len && b < 8; b++) v |= (uint64_t)buf[b] << (8 * b);
    /* A 32-bit view writes the low half and keeps the rest. */
    if (len < 8 && !vp_get_reg(g->vm, cpu, t[k].api, &old) && strcmp(t[k].feature, "core") == 0 && k < 10)
        v = (old & ~(uint64_t)0xffffffffu) | v;
    return vp_set_reg(g->vm, cpu, t[k].api, v) ? -1 : 0;
}

static char xml64[8192], xml32[8192];

static void build(char *out, size_t size, const struct reg *t, int n, bool wide)
{
    size_t used = 0;
#define PUT(...) used += (size_t)snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__)
    PUT("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
    PUT("<architecture>%s</architecture>\n", wide ? "i386:x86-64" : "i386");
    /* One feature, as QEMU sends it: gdb numbers the registers it knows by name, and the
     * g packet follows this order. Separate sse/segments features make gdb 13 renumber
     * fs_base/gs_base past its own register count and stop with an internal error. */
    PUT("<feature name=\"org.gnu.gdb.i386.core\">\n");
    PUT("<flags id=\"i386_eflags\" size=\"4\">\n"
        "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
        "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
        "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
        "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
        "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
        "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
        "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
        "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
        "<field name=\"ID\" start=\"21\" end=\"21\"/>\n</flags>\n");
    for (int k = 0; k < n; k++)
        PUT("<reg name=\"%s\" bitsize=\"%d\" type=\"%s\"%s/>\n", t[k].name, t[k].bits, t[k].type,
            k == 0 ? " regnum=\"0\"" : "");
    PUT("</feature>\n");
    PUT("</target>\n");
#undef PUT
}

const char *gdb_target_xml(struct gdb *g, int cpu)
{
    if (use64(g, cpu)) {
        if (!xml64[0]) build(xml64, sizeof xml64, regs64, N64, true);
        return xml64;
    }
    if (!xml32[0]) build(xml32, sizeof xml32, regs32, N32, false);
    return xml32;
}
