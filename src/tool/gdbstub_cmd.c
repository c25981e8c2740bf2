/* The gdb stub's packets (gdbstub.h): run control, threads, registers, memory,
 * breakpoints and queries. Every packet is checked before it is used: a malformed one
 * gets an error reply ("E01"...), an unknown one the empty reply, and the machine's state
 * is never touched by a packet that failed to parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub.h"

int gdb_hex(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

size_t gdb_parse_hex(const char *s, uint64_t *v)
{
    size_t n = 0;
    *v = 0;
    while (n < 16 && gdb_hex((unsigned char)s[n]) >= 0) *v = *v << 4 | (uint64_t)gdb_hex((unsigned char)s[n++]);
    if (n == 16 && gdb_hex((unsigned char)s[n]) >= 0) return 0; /* more than 64 bits */
    return n;
}

static int ncpus(struct gdb *g) { return vp_cpu_count(g->vm); }

/* Thread id (hex, 1-based; -1 all, 0 any) to processor index; -2 if invalid. */
static int thread_cpu(struct gdb *g, const char *s, const char **end)
{
    if (s[0] == '-' && s[1] == '1') {
        *end = s + 2;
        return -1;
    }
    uint64_t v;
    size_t n = gdb_parse_hex(s, &v);
    *end = s + n;
    if (!n) return -2;
    if (v == 0) return -1;
    return v <= (uint64_t)ncpus(g) ? (int)v - 1 : -2;
}

static void to_hex(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t k = 0; k < n; k++) {
        out[2 * k] = digits[p[k] >> 4];
        out[2 * k + 1] = digits[p[k] & 15];
    }
    out[2 * n] = 0;
}

static bool from_hex(const char *s, size_t chars, uint8_t *out)
{
    if (chars & 1) return false;
    for (size_t k = 0; k < chars / 2; k++) {
        int hi = gdb_hex((unsigned char)s[2 * k]), lo = gdb_hex((unsigned char)s[2 * k + 1]);
        if (hi < 0 || lo < 0) return false;
        out[k] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static int mem_rw(struct gdb *g, uint64_t addr, void *buf, size_t len, bool write)
{
    if (addr + len < addr) return -1;
    if (g->phys_mode)
        return write ? vp_write_phys(g->vm, addr, buf, len) : vp_read_phys(g->vm, addr, buf, len);
    return write ? vp_write_linear(g->vm, g->g_cpu, addr, buf, len) : vp_read_linear(g->vm, g->g_cpu, addr, buf, len);
}

void gdb_stop_reply(struct gdb *g, vp_stop why, bool interrupted)
{
    vp_debug_event ev;
    vp_debug_get_event(g->vm, &ev);
    if (interrupted || why != VP_STOP_DEBUG) {
        snprintf(g->last_stop, sizeof g->last_stop, "T%02xthread:%02x;", interrupted ? 2 : 5, g->g_cpu + 1);
        return;
    }
    g->g_cpu = ev.cpu; /* gdb switches to the thread that stopped */
    char extra[64] = "";
    if (ev.kind == VP_DBG_WATCH) {
        static const char *const names[] = {"", "", "watch", "rwatch", "awatch"};
        snprintf(extra, sizeof extra, "%s:%llx;", names[ev.watch_kind >= 2 && ev.watch_kind <= 4 ? ev.watch_kind : 2],
                 (unsigned long long)ev.addr);
    } else if (ev.kind == VP_DBG_BREAK) {
        uint64_t rip = 0;
        bool sw = false, hw = false;
        vp_get_reg(g->vm, ev.cpu, "rip", &rip);
        uint64_t csb = 0;
        vp_get_reg(g->vm, ev.cpu, "cs_base", &csb);
        for (int k = 0; k < g->nbps; k++)
            if (g->bps[k].kind == VP_BP_INSN && (g->bps[k].addr == rip || g->bps[k].addr == csb + rip)) {
                sw |= g->bps[k].sw;
                hw |= !g->bps[k].sw;
            }
        if (sw && g->swbreak_ok) snprintf(extra, sizeof extra, "swbreak:;");
        else if (hw && g->hwbreak_ok) snprintf(extra, sizeof extra, "hwbreak:;");
    }
    snprintf(g->last_stop, sizeof g->last_stop, "T05thread:%02x;%s", ev.cpu + 1, extra);
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void xfer_features(struct gdb *g, const char *args)
{
    const char *name = args;
    const char *colon = strchr(name, ':');
    if (!colon || (size_t)(colon - name) != strlen("target.xml") || strncmp(name, "target.xml", 10)) {
        gdb_reply_str(g, "E00");
        return;
    }
    uint64_t off, len;
    const char *p = colon + 1;
    size_t n = gdb_parse_hex(p, &off);
    if (!n || p[n] != ',') {
        gdb_reply_str(g, "E01");
        return;
    }
    p += n + 1;
    n = gdb_parse_hex(p, &len);
    if (!n || p[n]) {
        gdb_reply_str(g, "E01");
        return;
    }
    const char *xml = gdb_target_xml(g, g->g_cpu);
    size_t total = strlen(xml);
    if (len > GDB_PACKET_MAX / 2 - 8) len = GDB_PACKET_MAX / 2 - 8;
    if (off >= total) {
        gdb_reply_str(g, "l");
        return;
    }
    size_t take = total - off < len ? total - off : len;
    char *out = malloc(take + 2);
    if (!out) return;
    out[0] = off + take >= total ? 'l' : 'm';
    memcpy(out + 1, xml + off, take);
    gdb_reply(g, out, take + 1);
    free(out);
}

static void read_regs(struct gdb *g)
{
    int n = gdb_regs_count(g);
    char *out = malloc((size_t)n * 32 + 1), *p = out;
    if (!out) return;
    *p = 0;
    for (int k = 0; k < n; k++) {
        uint8_t buf[16];
        size_t sz = gdb_reg_read(g, g->g_cpu, k, buf);
        to_hex(p, buf, sz);
        p += 2 * sz;
    }
    gdb_reply_str(g, out);
    free(out);
}

static void write_regs(struct gdb *g, const char *hex, size_t len)
{
    int n = gdb_regs_count(g);
    size_t need = 0;
    uint8_t buf[16];
    for (int k = 0; k < n; k++) need += 2 * gdb_reg_read(g, g->g_cpu, k, buf);
    uint8_t *all = malloc(need / 2 + 1);
    if (!all) return;
    if (len != need || !from_hex(hex, len, all)) {
        free(all);
        gdb_reply_str(g, "E01");
        return;
    }
    size_t at = 0;
    for (int k = 0; k < n; k++) {
        size_t sz = gdb_reg_read(g, g->g_cpu, k, buf);
        gdb_reg_write(g, g->g_cpu, k, all + at, sz);
        at += sz;
    }
    free(all);
    gdb_reply_str(g, "OK");
}

/* Z/z TYPE,ADDR,KIND */
static void breakpoint(struct gdb *g, char *p, bool insert)
{
    uint64_t type, addr, len;
    size_t n = gdb_parse_hex(p, &type);
    if (!n || p[n] != ',') goto bad;
    p += n + 1;
    n = gdb_parse_hex(p, &addr);
    if (!n || p[n] != ',') goto bad;
    p += n + 1;
    n = gdb_parse_hex(p, &len);
    if (!n || (p[n] && p[n] != ';')) goto bad;
    if (type > 4) {
        gdb_reply_str(g, "");
        return;
    }
    int kind = type <= 1 ? VP_BP_INSN : (int)type;
    if (kind != VP_BP_INSN && (len == 0 || len > 4096)) goto bad;
    if (insert) {
        if (g->nbps == (int)(sizeof g->bps / sizeof g->bps[0]) || vp_debug_insert(g->vm, kind, addr, len)) {
            gdb_reply_str(g, "E28");
            return;
        }
        g->bps[g->nbps++] = (struct gdb_bp){kind, type == 0, addr, kind == VP_BP_INSN ? 0 : len};
    } else {
        int found = -1;
        for (int k = 0; k < g->nbps && found < 0; k++)
            if (g->bps[k].kind == kind && g->bps[k].sw == (type == 0) && g->bps[k].addr == addr &&
                (kind == VP_BP_INSN || g->bps[k].len == len))
                found = k;
        if (found < 0 || vp_debug_remove(g->vm, kind, addr, kind == VP_BP_INSN ? 0 : len)) {
            gdb_reply_str(g, "E02");
            return;
        }
        g->bps[found] = g->bps[--g->nbps];
    }
    gdb_reply_str(g, "OK");
    return;
bad:
    gdb_reply_str(g, "E01");
}

/* m ADDR,LEN / M ADDR,LEN:HEX / X ADDR,LEN:BIN */
static void memory(struct gdb *g, char *p, size_t plen, char op)
{
    char *start = p;
    uint64_t addr, len;
    size_t n = gdb_parse_hex(p, &addr);
    if (!n || p[n] != ',') goto bad;
    p += n + 1;
    n = gdb_parse_hex(p, &len);
    if (!n) goto bad;
    p += n;
    if (op == 'm') {
        if (*p || len > GDB_PACKET_MAX / 2) goto bad;
        uint8_t *buf = malloc(len + 1);
        char *hex = malloc(2 * len + 1);
        if (buf && hex && !mem_rw(g, addr, buf, len, false)) {
            to_hex(hex, buf, len);
            gdb_reply_str(g, hex);
        } else {
            gdb_reply_str(g, "E14");
        }
        free(buf);
        free(hex);
        return;
    }
    if (*p != ':' || len > GDB_PACKET_MAX) goto bad;
    p++;
    size_t rest = plen - (size_t)(p - start);
    uint8_t *buf = malloc(len + 1);
    if (!buf) return;
    bool ok;
    if (op == 'M') {
        ok = rest == 2 * len && from_hex(p, rest, buf);
    } else { /* X: binary with '}' escapes */
        size_t k = 0, i = 0;
        while (i < rest && k < len) {
            unsigned char ch = (unsigned char)p[i++];
            if (ch == '}') {
                if (i == rest) break;
                ch = (unsigned char)p[i++] ^ 0x20;
            }
            buf[k++] = ch;
        }
        ok = k == len && i == rest;
    }
    if (!ok) {
        free(buf);
        goto bad;
    }
    gdb_reply_str(g, len == 0 || !mem_rw(g, addr, buf, len, true) ? "OK" : "E14");
    free(buf);
    return;
bad:
    gdb_reply_str(g, "E01");
}

static enum gdb_action step(struct gdb *g, int cpu)
{
    if (cpu < 0) cpu = g->c_cpu >= 0 ? g->c_cpu : g->g_cpu;
    vp_debug_step(g->vm, cpu);
    return GDB_STEP;
}

/* vCont;ACTION[:TID];... All-stop: one step action steps that processor while the others
 * run with it; a lone continue runs them all. */
static enum gdb_action vcont(struct gdb *g, char *p)
{
    int step_cpu = -2;
    bool any = false;
    while (*p == ';') {
        p++;
        char a = *p++;
        if (a == 'C' || a == 'S') { /* signal: ignored (there are no signals on bare metal) */
            uint64_t sig;
            size_t n = gdb_parse_hex(p, &sig);
            if (!n) return gdb_reply_str(g, "E01"), GDB_NONE;
            p += n;
            a = (char)(a - 'A' + 'a');
        }
        if (a != 'c' && a != 's') return gdb_reply_str(g, "E01"), GDB_NONE;
        int cpu = -1;
        if (*p == ':') {
            const char *end;
            cpu = thread_cpu(g, p + 1, &end);
            if (cpu == -2) return gdb_reply_str(g, "E02"), GDB_NONE;
            p = (char *)end;
        }
        if (a == 's' && step_cpu == -2) step_cpu = cpu;
        any = true;
    }
    if (*p || !any) return gdb_reply_str(g, "E01"), GDB_NONE;
    if (step_cpu != -2) return step(g, step_cpu);
    return GDB_CONTINUE;
}

static void query(struct gdb *g, char *p)
{
    char out[256];
    if (!strncmp(p, "qSupported", 10)) {
        g->swbreak_ok = strstr(p, "swbreak+") != NULL;
        g->hwbreak_ok = strstr(p, "hwbreak+") != NULL;
        snprintf(out, sizeof out,
                 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;vContSupported+;swbreak+;hwbreak+",
                 GDB_PACKET_MAX);
        gdb_reply_str(g, out);
    } else if (!strncmp(p, "qXfer:features:read:", 20)) {
        xfer_features(g, p + 20);
    } else if (!strcmp(p, "qC")) {
        snprintf(out, sizeof out, "QC%02x", g->g_cpu + 1);
        gdb_reply_str(g, out);
    } else if (!strcmp(p, "qfThreadInfo")) {
        size_t n = (size_t)snprintf(out, sizeof out, "m");
        for (int k = 0; k < ncpus(g) && n + 4 < sizeof out; k++)
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%02x", k ? "," : "", k + 1);
        gdb_reply_str(g, out);
    } else if (!strcmp(p, "qsThreadInfo")) {
        gdb_reply_str(g, "l");
    } else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
        const char *end;
        int cpu = thread_cpu(g, p + 17, &end);
        if (cpu < 0 || *end) return gdb_reply_str(g, "E01");
        char text[64];
        snprintf(text, sizeof text, "CPU#%d", cpu);
        char hex[sizeof text * 2 + 1];
        to_hex(hex, (const uint8_t *)text, strlen(text));
        gdb_reply_str(g, hex);
    } else if (!strcmp(p, "qAttached") || !strncmp(p, "qAttached:", 10)) {
        gdb_reply_str(g, "1");
    } else if (!strcmp(p, "qqemu.PhyMemMode")) {
        gdb_reply_str(g, g->phys_mode ? "1" : "0");
    } else if (!strncmp(p, "qRcmd,", 6)) {
        size_t hl = strlen(p + 6);
        char *cmd = malloc(hl / 2 + 1);
        if (!cmd) return;
        if (!from_hex(p + 6, hl, (uint8_t *)cmd)) {
            free(cmd);
            return gdb_reply_str(g, "E01");
        }
        cmd[hl / 2] = 0;
        gdb_monitor(g, cmd);
        free(cmd);
    } else if (!strcmp(p, "qOffsets")) {
        gdb_reply_str(g, "Text=0;Data=0;Bss=0");
    } else {
        gdb_reply_str(g, "");
    }
}

enum gdb_action gdb_dispatch(struct gdb *g, char *pkt, size_t len)
{
    const char *end;
    uint64_t v;
    if (len == 0) return gdb_reply_str(g, ""), GDB_NONE;
    /* Only X carries binary data; anything else must be text. */
    if (pkt[0] != 'X' && strlen(pkt) != len) return gdb_reply_str(g, "E01"), GDB_NONE;
    switch (pkt[0]) {
    case '?':
        if (!g->last_stop[0]) snprintf(g->last_stop, sizeof g->last_stop, "T05thread:%02x;", g->g_cpu + 1);
        gdb_reply_str(g, g->last_stop);
        return GDB_NONE;
    case 'g':
        if (len != 1) break;
        read_regs(g);
        return GDB_NONE;
    case 'G':
        write_regs(g, pkt + 1, len - 1);
        return GDB_NONE;
    case 'p': {
        size_t n = gdb_parse_hex(pkt + 1, &v);
        uint8_t buf[16];
        size_t sz = n && !pkt[1 + n] && v < 1024 ? gdb_reg_read(g, g->g_cpu, (int)v, buf) : 0;
        if (!sz) return gdb_reply_str(g, "E01"), GDB_NONE;
        char hex[33];
        to_hex(hex, buf, sz);
        gdb_reply_str(g, hex);
        return GDB_NONE;
    }
    case 'P': {
        size_t n = gdb_parse_hex(pkt + 1, &v);
        if (!n || pkt[1 + n] != '=' || v >= 1024) return gdb_reply_str(g, "E01"), GDB_NONE;
        const char *hex = pkt + 2 + n;
        size_t hl = strlen(hex);
        uint8_t buf[16];
        if (hl > 32 || !from_hex(hex, hl, buf) || gdb_reg_write(g, g->g_cpu, (int)v, buf, hl / 2))
            return gdb_reply_str(g, "E01"), GDB_NONE;
        gdb_reply_str(g, "OK");
        return GDB_NONE;
    }
    case 'm':
    case 'M':
    case 'X': memory(g, pkt + 1, len - 1, pkt[0]); return GDB_NONE;
    case 'Z':
    case 'z': breakpoint(g, pkt + 1, pkt[0] == 'Z'); return GDB_NONE;
    case 'c':
        if (len > 1) { /* c ADDR: resume there */
            size_t n = gdb_parse_hex(pkt + 1, &v);
            if (!n || pkt[1 + n]) break;
            vp_set_reg(g->vm, g->c_cpu >= 0 ? g->c_cpu : g->g_cpu, "rip", v);
        }
        return GDB_CONTINUE;
    case 's':
        if (len > 1) {
            size_t n = gdb_parse_hex(pkt + 1, &v);
            if (!n || pkt[1 + n]) break;
            vp_set_reg(g->vm, g->c_cpu >= 0 ? g->c_cpu : g->g_cpu, "rip", v);
        }
        return step(g, -1);
    case 'H': {
        if (len < 3 || (pkt[1] != 'g' && pkt[1] != 'c')) break;
        int cpu = thread_cpu(g, pkt + 2, &end);
        if (cpu == -2 || *end) return gdb_reply_str(g, "E02"), GDB_NONE;
        if (pkt[1] == 'g') g->g_cpu = cpu < 0 ? g->g_cpu : cpu;
        else g->c_cpu = cpu;
        gdb_reply_str(g, "OK");
        return GDB_NONE;
    }
    case 'T': {
        int cpu = thread_cpu(g, pkt + 1, &end);
        gdb_reply_str(g, cpu >= 0 && !*end ? "OK" : "E02");
        return GDB_NONE;
    }
    case 'D':
        gdb_reply_str(g, "OK");
        return GDB_DETACH;
    case 'k': return GDB_KILL;
    case 'v':
        if (!strcmp(pkt, "vCont?")) return gdb_reply_str(g, "vCont;c;C;s;S"), GDB_NONE;
        if (!strncmp(pkt, "vCont;", 5) && pkt[5] == ';') return vcont(g, pkt + 5);
        if (!strncmp(pkt, "vKill", 5)) return gdb_reply_str(g, "OK"), GDB_KILL;
        if (!strncmp(pkt, "vMustReplyEmpty", 15)) break;
        break;
    case 'q': query(g, pkt); return GDB_NONE;
    case 'Q':
        if (!strcmp(pkt, "QStartNoAckMode")) {
            gdb_reply_str(g, "OK");
            g->noack = true;
            return GDB_NONE;
        }
        if (!strcmp(pkt, "Qqemu.PhyMemMode:1") || !strcmp(pkt, "Qqemu.PhyMemMode:0")) {
            g->phys_mode = pkt[17] == '1';
            gdb_reply_str(g, "OK");
            return GDB_NONE;
        }
        break;
    default: break;
    }
    gdb_reply_str(g, "");
    return GDB_NONE;
}
