/* The gdb stub: GDB's remote serial protocol on the public API (include/vanderpool.h).
 *
 *   gdbstub.c          listening socket, packet framing (checksums, acks, no-ack mode,
 *                      escaping), the run loop that polls for Ctrl-C between slices
 *   gdbstub_cmd.c      packet dispatch: run control, threads, memory, breakpoints, queries
 *   gdbstub_regs.c     registers and the target descriptions (i386 / x86-64 by mode)
 *   gdbstub_monitor.c  `monitor` commands: vmx, vmcs, break vmexit/vmentry, ept, tlb
 *
 * Each processor is a thread (ids 1..N). Breakpoints are the emulator's, never 0xCC
 * written into guest memory. */
#ifndef VP_GDBSTUB_H
#define VP_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vanderpool.h"

#define GDB_PACKET_MAX 16384 /* PacketSize we announce (0x4000) */

/* What a packet asks the run loop to do. */
enum gdb_action { GDB_NONE, GDB_CONTINUE, GDB_STEP, GDB_DETACH, GDB_KILL };

struct gdb_bp {
    int kind; /* VP_BP_INSN (Z0 and Z1) or VP_WATCH_* */
    bool sw;  /* Z0 */
    uint64_t addr, len;
};

struct gdb {
    vp_machine *vm;
    int listen_fd, fd; /* fd < 0: replies go nowhere (the fuzz target) */
    bool noack, phys_mode, swbreak_ok, hwbreak_ok;
    int g_cpu, c_cpu;  /* Hg and Hc: processor index; c_cpu -1 = any */
    int x86_64;        /* target description handed out: 1 x86-64, 0 i386, -1 none yet */
    /* Packet being received. */
    int state;
    size_t len;
    bool overflow;
    unsigned char sum, rsum;
    char pkt[GDB_PACKET_MAX + 1];
    /* Last packet sent, resent on '-'. */
    char *last;
    size_t last_len;
    bool interrupt;    /* Ctrl-C seen */
    bool closed;       /* the client went away */
    char last_stop[128];
    struct gdb_bp bps[128];
    int nbps;
    int exit_status;   /* for k */
    unsigned vmx_mask; /* monitor break: VP_BREAK_* */
    int vmx_reason;
};

/* gdbstub.c */
/* Parse -gdb's value (tcp::PORT, tcp:HOST:PORT, unix:PATH) and listen; -1 with a reason. */
int gdb_listen(struct gdb *g, vp_machine *vm, const char *spec, char *err, size_t errlen);
/* Run the machine under the stub until the guest ends (its exit status as main would
 * return it), or gdb kills it. start_stopped: wait for gdb before the first instruction. */
int gdb_serve(struct gdb *g, bool start_stopped, int (*status_of)(vp_machine *, vp_stop));
/* Feed received bytes to the packet parser; dispatches whole packets. Returns the last
 * action asked for. */
enum gdb_action gdb_feed(struct gdb *g, const char *buf, size_t n);
/* Send a reply packet (escaped for binary where needed) / raw bytes. */
void gdb_reply(struct gdb *g, const char *data, size_t len);
void gdb_reply_str(struct gdb *g, const char *s);
void gdb_init(struct gdb *g, vp_machine *vm);
void gdb_free(struct gdb *g);

/* gdbstub_cmd.c */
enum gdb_action gdb_dispatch(struct gdb *g, char *pkt, size_t len);
/* The stop reply for the machine's last debug event ("T05thread:01;..."), into g->last_stop. */
void gdb_stop_reply(struct gdb *g, vp_stop why, bool interrupted);
int gdb_hex(int ch);
/* Parse hex up to a non-hex char; returns chars consumed (0 = none). */
size_t gdb_parse_hex(const char *s, uint64_t *v);

/* gdbstub_regs.c */
int gdb_regs_count(struct gdb *g);
/* Register n as target bytes (little-endian) in buf; returns its size, 0 if no such one. */
size_t gdb_reg_read(struct gdb *g, int cpu, int n, uint8_t *buf);
int gdb_reg_write(struct gdb *g, int cpu, int n, const uint8_t *buf, size_t len);
/* The target description for g->x86_64 (chosen when gdb first asks: the processor's
 * current mode). */
const char *gdb_target_xml(struct gdb *g, int cpu);

/* gdbstub_monitor.c */
void gdb_monitor(struct gdb *g, const char *cmd);
/* Console text for gdb (O packets). */
void gdb_console(struct gdb *g, const char *text, size_t len);

#endif
