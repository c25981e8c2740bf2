/* Registers for gdb: the two target descriptions (i386 and x86-64, chosen by the processor's
 * mode when gdb asks for target.xml) and g/G/p/P access through the API: vp_get_reg and
 * vp_set_reg for those up to 64 bits, vp_get_reg_bytes and vp_set_reg_bytes for the x87
 * data registers (st0-st7 in stack order, as gdb numbers them) and the XMM registers. */
#include <stdio.h>
#include <string.h>

#include "gdbstub.h"

struct reg {
    const char *name; /* gdb's name */
    const char *api;  /* the API's name */
    int bits;
    const char *type;
    const char *feature; /* "core", "sse", "segments", "sys", "avx" */
};

/* gdb's x87 names for the API's: fiseg/fioff are FCS:FIP, foseg/fooff FDS:FDP, ftag the
 * full tag word (as FNSTENV stores it). */
#define X87 \
    {"st0", "st0", 80, "i387_ext", "core"}, {"st1", "st1", 80, "i387_ext", "core"}, \
    {"st2", "st2", 80, "i387_ext", "core"}, {"st3", "st3", 80, "i387_ext", "core"}, \
    {"st4", "st4", 80, "i387_ext", "core"}, {"st5", "st5", 80, "i387_ext", "core"}, \
    {"st6", "st6", 80, "i387_ext", "core"}, {"st7", "st7", 80, "i387_ext", "core"}, \
    {"fctrl", "fcw", 32, "int", "core"}, {"fstat", "fsw", 32, "int", "core"}, \
    {"ftag", "ftw", 32, "int", "core"}, {"fiseg", "fcs", 32, "int", "core"}, \
    {"fioff", "fip", 32, "int", "core"}, {"foseg", "fds", 32, "int", "core"}, \
    {"fooff", "fdp", 32, "int", "core"}, {"fop", "fop", 32, "int", "core"}

#define XMM(n) {"xmm" #n, "xmm" #n, 128, "vec128", "sse"}
#define YMMH(n) {"ymm" #n "h", "ymm" #n "h", 128, "uint128", "avx"}
#define YMMH8(a, b, c, d, e, f, g, h) YMMH(a), YMMH(b), YMMH(c), YMMH(d), YMMH(e), YMMH(f), YMMH(g), YMMH(h)
#define XMM8 XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7)
#define MXCSR {"mxcsr", "mxcsr", 32, "i386_mxcsr", "sse"}

static const struct reg regs64[] = {
    {"rax", "rax", 64, "int64", "core"}, {"rbx", "rbx", 64, "int64", "core"},
    {"rcx", "rcx", 64, "int64", "core"}, {"rdx", "rdx", 64, "int64", "core"},
    {"rsi", "rsi", 64, "int64", "core"}, {"rdi", "rdi", 64, "int64", "core"},
    {"rbp", "rbp", 64, "data_ptr", "core"}, {"rsp", "rsp", 64, "data_ptr", "core"},
    {"r8", "r8", 64, "int64", "core"}, {"r9", "r9", 64, "int64", "core"},
    {"r10", "r10", 64, "int64", "core"}, {"r11", "r11", 64, "int64", "core"},
    {"r12", "r12", 64, "int64", "core"}, {"r13", "r13", 64, "int64", "core"},
    {"r14", "r14", 64, "int64", "core"}, {"r15", "r15", 64, "int64", "core"},
    {"rip", "rip", 64, "code_ptr", "core"}, {"eflags", "rflags", 32, "i386_eflags", "core"},
    {"cs", "cs", 32, "int32", "core"}, {"ss", "ss", 32, "int32", "core"},
    {"ds", "ds", 32, "int32", "core"}, {"es", "es", 32, "int32", "core"},
    {"fs", "fs", 32, "int32", "core"}, {"gs", "gs", 32, "int32", "core"},
    X87,
    XMM8, XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15), MXCSR,
    {"fs_base", "fs_base", 64, "int", "segments"}, {"gs_base", "gs_base", 64, "int", "segments"},
    {"cr0", "cr0", 64, "int", "sys"}, {"cr2", "cr2", 64, "int", "sys"},
    {"cr3", "cr3", 64, "int", "sys"}, {"cr4", "cr4", 64, "int", "sys"},
    {"cr8", "cr8", 64, "int", "sys"}, {"efer", "efer", 64, "int", "sys"},
    YMMH8(0, 1, 2, 3, 4, 5, 6, 7), YMMH8(8, 9, 10, 11, 12, 13, 14, 15),
};

static const struct reg regs32[] = {
    {"eax", "rax", 32, "int32", "core"}, {"ecx", "rcx", 32, "int32", "core"},
    {"edx", "rdx", 32, "int32", "core"}, {"ebx", "rbx", 32, "int32", "core"},
    {"esp", "rsp", 32, "data_ptr", "core"}, {"ebp", "rbp", 32, "data_ptr", "core"},
    {"esi", "rsi", 32, "int32", "core"}, {"edi", "rdi", 32, "int32", "core"},
    {"eip", "rip", 32, "code_ptr", "core"}, {"eflags", "rflags", 32, "i386_eflags", "core"},
    {"cs", "cs", 32, "int32", "core"}, {"ss", "ss", 32, "int32", "core"},
    {"ds", "ds", 32, "int32", "core"}, {"es", "es", 32, "int32", "core"},
    {"fs", "fs", 32, "int32", "core"}, {"gs", "gs", 32, "int32", "core"},
    X87,
    XMM8, MXCSR,
    {"fs_base", "fs_base", 32, "int32", "segments"}, {"gs_base", "gs_base", 32, "int32", "segments"},
    {"cr0", "cr0", 32, "int", "sys"}, {"cr2", "cr2", 32, "int", "sys"},
    {"cr3", "cr3", 32, "int", "sys"}, {"cr4", "cr4", 32, "int", "sys"},
    {"cr8", "cr8", 32, "int", "sys"}, {"efer", "efer", 64, "int", "sys"},
    YMMH8(0, 1, 2, 3, 4, 5, 6, 7),
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
    size_t bytes = (size_t)t[k].bits / 8;
    memset(buf, 0, bytes);
    if (bytes > 8) {
        vp_get_reg_bytes(g->vm, cpu, t[k].api, buf, bytes);
        return bytes;
    }
    uint64_t v = 0;
    if (vp_get_reg(g->vm, cpu, t[k].api, &v)) v = 0;
    for (size_t b = 0; b < bytes; b++) buf[b] = (uint8_t)(v >> (8 * b));
    return bytes;
}

/* A 32-bit view of a wider register writes its low half and keeps the rest: the i386
 * description's general registers, and FIP/FDP (64-bit offsets) as fioff/fooff. */
static bool keeps_high(const struct reg *r, int k)
{
    return (k < 10 && strcmp(r->feature, "core") == 0) || strcmp(r->api, "fip") == 0 ||
           strcmp(r->api, "fdp") == 0;
}

int gdb_reg_write(struct gdb *g, int cpu, int k, const uint8_t *buf, size_t len)
{
    int n;
    const struct reg *t = table(g, &n);
    if (k < 0 || k >= n || len != (size_t)t[k].bits / 8) return -1;
    if (len > 8) return vp_set_reg_bytes(g->vm, cpu, t[k].api, buf, len) < 0 ? -1 : 0;
    uint64_t v = 0, old = 0;
    for (size_t b = 0; b < len; b++) v |= (uint64_t)buf[b] << (8 * b);
    if (len < 8 && keeps_high(&t[k], k) && !vp_get_reg(g->vm, cpu, t[k].api, &old))
        v = (old & ~(uint64_t)0xffffffffu) | v;
    return vp_set_reg(g->vm, cpu, t[k].api, v) ? -1 : 0;
}

static char xml64[16384], xml32[16384];

/* The description's features, in the order of the table's rows: gdb's core, sse and avx
 * features (which give $ymm0.. as its pseudo registers from xmmN and ymmNh), and ours for
 * the segment bases, control registers and EFER, which gdb shows by name. */
static const char *feature_name(const char *f)
{
    if (!strcmp(f, "core")) return "org.gnu.gdb.i386.core";
    if (!strcmp(f, "sse")) return "org.gnu.gdb.i386.sse";
    if (!strcmp(f, "avx")) return "org.gnu.gdb.i386.avx";
    return "org.vanderpool.x86.sys";
}

static void build(char *out, size_t size, const struct reg *t, int n, bool wide)
{
    size_t used = 0;
#define PUT(...) used += (size_t)snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__)
    PUT("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
    PUT("<architecture>%s</architecture>\n", wide ? "i386:x86-64" : "i386");
    const char *open = NULL;
    for (int k = 0; k < n; k++) {
        const char *f = feature_name(t[k].feature);
        if (!open || strcmp(open, f)) {
            if (open) PUT("</feature>\n");
            PUT("<feature name=\"%s\">\n", f);
            open = f;
            if (!strcmp(t[k].feature, "core"))
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
            if (!strcmp(t[k].feature, "sse")) {
                /* gdb's own types for the SSE registers (its 32bit-sse.xml): $xmm0.v4_float,
                 * $xmm0.uint128, ...; MXCSR's flags by name. */
                PUT("<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
                    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
                    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
                    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
                    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
                    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
                    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
                    "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
                    "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
                    "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
                    "</union>\n");
                PUT("<flags id=\"i386_mxcsr\" size=\"4\">\n");
                static const char *const mx[] = {"IE", "DE", "ZE", "OE", "UE", "PE", "DAZ", "IM",
                                                 "DM", "ZM", "OM", "UM", "PM", "", "", "FZ"};
                for (int b = 0; b < 16; b++)
                    if (mx[b][0]) PUT("<field name=\"%s\" start=\"%d\" end=\"%d\"/>", mx[b], b, b);
                PUT("\n</flags>\n");
            }
        }
        /* Explicit numbers: the g packet and p/P use the table's order. */
        PUT("<reg name=\"%s\" bitsize=\"%d\" type=\"%s\" regnum=\"%d\"/>\n", t[k].name, t[k].bits,
            t[k].type, k);
    }
    PUT("</feature>\n</target>\n");
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
