/* `monitor` commands (qRcmd): the VMX views and VMX stops no other debugger offers. Output
 * goes back as console text (O packets), then OK. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub.h"

void gdb_console(struct gdb *g, const char *text, size_t len)
{
    /* O packets of at most a few KiB each: gdb prints them as they come. */
    while (len) {
        size_t chunk = len > 2048 ? 2048 : len;
        char *pkt = malloc(2 * chunk + 2);
        if (!pkt) return;
        pkt[0] = 'O';
        static const char digits[] = "0123456789abcdef";
        for (size_t k = 0; k < chunk; k++) {
            pkt[1 + 2 * k] = digits[(unsigned char)text[k] >> 4];
            pkt[2 + 2 * k] = digits[(unsigned char)text[k] & 15];
        }
        gdb_reply(g, pkt, 2 * chunk + 1);
        free(pkt);
        text += chunk;
        len -= chunk;
    }
}

static const char help[] =
    "monitor commands (the current thread's processor):\n"
    "  help                        this text\n"
    "  vmx                         VMX operation: root/non-root, current VMCS and its launch\n"
    "                              state, last exit reason and qualification\n"
    "  vmcs                        the current VMCS by field name, controls decoded\n"
    "  break vmexit [REASON]       stop at the next VM exit (of that reason: number or name)\n"
    "  break vmentry               stop after the next successful VM entry\n"
    "  break vmentry-fail          stop at the next failed VM entry (names the check)\n"
    "  break                       show the VMX stops; 'break none' removes them\n"
    "  ept GPA                     walk EPT of the current VMCS for a guest-physical address\n"
    "  tlb ADDR                    translate a linear address with the current paging\n";

static bool parse_addr(const char *s, uint64_t *v)
{
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return false;
    char *end;
    *v = strtoull(s, &end, 0);
    while (isspace((unsigned char)*end)) end++;
    return end != s && !*end;
}

void gdb_monitor(struct gdb *g, const char *cmd)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) return gdb_reply_str(g, "E01");
    while (isspace((unsigned char)*cmd)) cmd++;
    char word[32] = "", arg[64] = "", rest[128] = "";
    int n = sscanf(cmd, "%31s %63s %127[^\n]", word, arg, rest);
    uint64_t addr;
    bool ok = true;
    int cpu = g->g_cpu;
    if (n <= 0 || !strcmp(word, "help")) {
        fputs(help, out);
    } else if (!strcmp(word, "vmx") && n == 1) {
        vp_debug_show(g->vm, cpu, "vmx", 0, out);
    } else if (!strcmp(word, "vmcs") && n == 1) {
        vp_debug_show(g->vm, cpu, "vmcs", 0, out);
    } else if ((!strcmp(word, "ept") || !strcmp(word, "tlb")) && n == 2 && parse_addr(arg, &addr)) {
        vp_debug_show(g->vm, cpu, word, addr, out);
    } else if (!strcmp(word, "break")) {
        if (n == 1) {
            /* list below */
        } else if (!strcmp(arg, "none") || !strcmp(arg, "clear")) {
            g->vmx_mask = 0;
            g->vmx_reason = -1;
        } else if (!strcmp(arg, "vmexit")) {
            int r = -1;
            if (n == 3 && (r = vp_exit_reason_parse(rest)) < 0) {
                fprintf(out, "unknown exit reason '%s' (a number 0-79 or a name such as CPUID)\n", rest);
                ok = false;
            } else {
                g->vmx_mask |= VP_BREAK_VMEXIT;
                g->vmx_reason = r;
            }
        } else if (!strcmp(arg, "vmentry") && n == 2) {
            g->vmx_mask |= VP_BREAK_VMENTRY;
        } else if (!strcmp(arg, "vmentry-fail") && n == 2) {
            g->vmx_mask |= VP_BREAK_VMENTRY_FAIL;
        } else {
            fprintf(out, "usage: break vmexit [REASON] | vmentry | vmentry-fail | none\n");
            ok = false;
        }
        if (ok) {
            vp_debug_vmx_break(g->vm, g->vmx_mask, g->vmx_reason);
            if (!g->vmx_mask) fputs("no VMX stops\n", out);
            if (g->vmx_mask & VP_BREAK_VMEXIT) {
                if (g->vmx_reason >= 0)
                    fprintf(out, "stop at VM exits with reason %d (%s)\n", g->vmx_reason,
                            vp_exit_reason_name((uint32_t)g->vmx_reason));
                else
                    fputs("stop at every VM exit\n", out);
            }
            if (g->vmx_mask & VP_BREAK_VMENTRY) fputs("stop after every VM entry\n", out);
            if (g->vmx_mask & VP_BREAK_VMENTRY_FAIL) fputs("stop at every failed VM entry\n", out);
        }
    } else {
        fprintf(out, "unknown monitor command '%s' (try 'monitor help')\n", cmd);
        ok = false;
    }
    fclose(out);
    if (len) gdb_console(g, text, len);
    free(text);
    gdb_reply_str(g, ok ? "OK" : "E01");
}
