/* Trace line printers for -d. They only read guest state (instruction bytes are fetched
 * with ACC_NOFAULT), so turning tracing on never changes what the guest does. */
#include "trace.h"

#include <inttypes.h>

#ifdef HAVE_ZYDIS
#include <Zydis/Zydis.h>
#endif

#include "../machine/machine.h"
#include "../vmx/diag.h"
#include "insn.h"

static FILE *log_of(struct cpu *c) { return c->m && c->m->log ? c->m->log : stderr; }

unsigned trace_disasm(enum cpu_mode mode, unsigned code_size, u64 rip, const u8 *bytes,
                      size_t len, char *buf, size_t buflen)
{
#ifdef HAVE_ZYDIS
    ZydisMachineMode zm;
    switch (mode) {
    case MODE_LONG: zm = ZYDIS_MACHINE_MODE_LONG_64; break;
    case MODE_COMPAT:
        zm = code_size == 4 ? ZYDIS_MACHINE_MODE_LONG_COMPAT_32 : ZYDIS_MACHINE_MODE_LONG_COMPAT_16;
        break;
    case MODE_PROT: zm = code_size == 4 ? ZYDIS_MACHINE_MODE_LEGACY_32 : ZYDIS_MACHINE_MODE_LEGACY_16; break;
    default: zm = ZYDIS_MACHINE_MODE_REAL_16; break;
    }
    ZydisDisassembledInstruction d;
    if (ZYAN_SUCCESS(ZydisDisassembleIntel(zm, rip, bytes, len, &d))) {
        snprintf(buf, buflen, "%s", d.text);
        return d.info.length;
    }
    snprintf(buf, buflen, "(bad)");
    return 0;
#else
    (void)mode; (void)code_size; (void)rip; (void)bytes; (void)len;
    snprintf(buf, buflen, "(no disassembler)");
    return 0;
#endif
}

/* CS:IP formatted for the mode: 4 hex digits of offset in real/v86 mode, 8 in 16/32-bit
 * protected mode, 16 in 64-bit mode. */
static void fmt_pc(const struct cpu *c, char *buf, size_t n)
{
    int w = c->mode == MODE_LONG ? 16 : (c->mode == MODE_REAL || c->mode == MODE_V86) ? 4 : 8;
    snprintf(buf, n, "%04x:%0*" PRIx64, c->seg[SEG_CS].sel, w, c->rip);
}

void trace_exec(struct cpu *c, const struct insn *i)
{
    u8 bytes[15];
    bool ok[15];
    unsigned len = i && i->len && i->len <= 15 ? i->len : 15;
    u64 lin = c->seg[SEG_CS].base + c->rip;
    if (c->mode != MODE_LONG) lin = (u32)lin;
    for (unsigned k = 0; k < len; k++) {
        u64 pa;
        u8 *host = NULL;
        if (lin_translate(c, lin + k, ACC_EXEC | ACC_NOFAULT, &pa)) host = phys_ram(c->m, pa);
        ok[k] = host != NULL;
        bytes[k] = host ? *host : 0;
    }
    char pc[32], hex[3 * 15 + 1], text[128];
    size_t h = 0;
    for (unsigned k = 0; k < len; k++)
        h += (size_t)snprintf(hex + h, sizeof hex - h, ok[k] ? "%02x " : "?? ", bytes[k]);
    if (h) hex[h - 1] = 0; else hex[0] = 0;
    unsigned good = 0;
    while (good < len && ok[good]) good++;
    fmt_pc(c, pc, sizeof pc);
    trace_disasm(c->mode, c->code_size, c->rip, bytes, good, text, sizeof text);
    fprintf(log_of(c), "cpu%d %s  %-30s %s\n", c->index, pc, hex, text);
}

static const char *event_kind_name(int kind)
{
    switch (kind) {
    case EV_EXTINT: return "interrupt";
    case EV_NMI: return "NMI";
    case EV_HWEXC: return "exception";
    case EV_SWINT: return "INT n";
    case EV_PRIV_SWEXC: return "INT1";
    case EV_SWEXC: return "INT3/INTO";
    default: return "event";
    }
}

static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF(old)", "#TS", "#NP",
    "#SS", "#GP", "#PF", "(15)", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void trace_event(struct cpu *c, int vector, int kind, int error)
{
    if (kind == EV_HWEXC) vmx_diag_fault(c, vector, error); /* a VMX instruction faulted (-d vmx) */
    if (!(c->m->trace & TRACE_INT)) return;
    char pc[32], err[24] = "", name[16] = "";
    fmt_pc(c, pc, sizeof pc);
    if (error != NO_ERRCODE) snprintf(err, sizeof err, " error=0x%04x", (unsigned)error);
    if (kind == EV_HWEXC && vector >= 0 && vector < 32 && exc_names[vector])
        snprintf(name, sizeof name, " %s", exc_names[vector]);
    fprintf(log_of(c), "cpu%d %s: %s vector 0x%02x%s%s", c->index, pc, event_kind_name(kind),
            vector & 0xff, name, err);
    if (kind == EV_HWEXC && vector == EXC_PF) fprintf(log_of(c), " cr2=0x%" PRIx64, c->cr2);
    fputc('\n', log_of(c));
}

void trace_cpu_state(struct cpu *c, const char *why)
{
    static const char *const gpr[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };
    static const char *const segn[8] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };
    FILE *f = log_of(c);
    fprintf(f, "cpu%d state (%s): rip=%016" PRIx64 " rflags=%016" PRIx64 " cpl=%u mode=%d\n",
            c->index, why, c->rip, cpu_get_rflags(c), c->cpl, (int)c->mode);
    for (int r = 0; r < 16; r += 4)
        fprintf(f, "cpu%d  %-3s=%016" PRIx64 " %-3s=%016" PRIx64 " %-3s=%016" PRIx64 " %-3s=%016" PRIx64 "\n",
                c->index, gpr[r], c->r[r], gpr[r + 1], c->r[r + 1], gpr[r + 2], c->r[r + 2],
                gpr[r + 3], c->r[r + 3]);
    for (int s = 0; s < 8; s++)
        fprintf(f, "cpu%d  %-4s sel=%04x base=%016" PRIx64 " limit=%08x ar=%05x\n", c->index,
                segn[s], c->seg[s].sel, c->seg[s].base, c->seg[s].limit, c->seg[s].ar);
    fprintf(f, "cpu%d  gdtr=%016" PRIx64 "/%04x idtr=%016" PRIx64 "/%04x\n", c->index,
            c->gdtr.base, c->gdtr.limit, c->idtr.base, c->idtr.limit);
    fprintf(f, "cpu%d  cr0=%08" PRIx64 " cr2=%016" PRIx64 " cr3=%016" PRIx64 " cr4=%08" PRIx64
            " efer=%08" PRIx64 "\n", c->index, c->cr0, c->cr2, c->cr3, c->cr4, c->efer);
}
