/* The gdb stub's transport (gdbstub.h): the listening socket (TCP or Unix), the packet
 * framing of GDB's remote serial protocol ($data#cs, '+'/'-' acks, no-ack mode, '}'
 * escapes, Ctrl-C as a lone 0x03) and the loop that runs the machine in slices so the
 * socket is looked at between them, never on the instruction path. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "gdbstub.h"

/* Instructions per slice while running under the stub: about 10 ms of host time at full
 * speed, so Ctrl-C answers at once and the slices cost nothing measurable. */
#define SLICE_INSNS (1u << 20)

enum { ST_IDLE, ST_DATA, ST_CSUM1, ST_CSUM2 };

void gdb_init(struct gdb *g, vp_machine *vm)
{
    memset(g, 0, sizeof *g);
    g->vm = vm;
    g->listen_fd = g->fd = -1;
    g->x86_64 = -1;
    g->c_cpu = -1;
    g->vmx_reason = -1;
}

void gdb_free(struct gdb *g)
{
    if (g->fd >= 0) close(g->fd);
    if (g->listen_fd >= 0) close(g->listen_fd);
    free(g->last);
    g->fd = g->listen_fd = -1;
    g->last = NULL;
}

int gdb_listen(struct gdb *g, vp_machine *vm, const char *spec, char *err, size_t errlen)
{
    gdb_init(g, vm);
    int fd = -1;
    if (!strncmp(spec, "unix:", 5)) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        const char *path = spec + 5;
        if (!*path || strlen(path) >= sizeof a.sun_path) {
            snprintf(err, errlen, "-gdb: bad Unix socket path in '%s'", spec);
            return -1;
        }
        strcpy(a.sun_path, path);
        unlink(path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 1)) {
            snprintf(err, errlen, "-gdb: cannot listen on '%s': %s", path, strerror(errno));
            if (fd >= 0) close(fd);
            return -1;
        }
    } else {
        /* tcp::PORT or tcp:HOST:PORT (an empty host: every address, as QEMU). */
        const char *rest = !strncmp(spec, "tcp:", 4) ? spec + 4 : NULL;
        const char *colon = rest ? strrchr(rest, ':') : NULL;
        if (!colon) {
            snprintf(err, errlen, "-gdb: '%s' is not tcp::PORT, tcp:HOST:PORT or unix:PATH", spec);
            return -1;
        }
        char host[256];
        size_t hl = (size_t)(colon - rest);
        if (hl >= sizeof host) hl = sizeof host - 1;
        memcpy(host, rest, hl);
        host[hl] = 0;
        const char *port = colon + 1;
        char *end;
        long p = strtol(port, &end, 10);
        if (!*port || *end || p < 0 || p > 65535) {
            snprintf(err, errlen, "-gdb: bad port '%s' in '%s'", port, spec);
            return -1;
        }
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
        int rc = getaddrinfo(hl ? host : NULL, port, &hints, &res);
        if (rc) {
            snprintf(err, errlen, "-gdb: cannot resolve '%s': %s", host, gai_strerror(rc));
            return -1;
        }
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
            if (fd < 0) continue;
            int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 1)) break;
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
        if (fd < 0) {
            snprintf(err, errlen, "-gdb: cannot listen on '%s': %s", spec, strerror(errno));
            return -1;
        }
    }
    g->listen_fd = fd;
    return 0;
}

/* --- Sending ---------------------------------------------------------------------------- */

static void send_raw(struct gdb *g, const char *p, size_t n)
{
    while (g->fd >= 0 && n) {
        ssize_t w = send(g->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            g->closed = true;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Frame `data` as $...#cs, escaping the four characters the protocol reserves. */
void gdb_reply(struct gdb *g, const char *data, size_t len)
{
    char *out = malloc(2 * len + 5);
    if (!out) return;
    size_t n = 0;
    unsigned char sum = 0;
    out[n++] = '$';
    for (size_t k = 0; k < len; k++) {
        char ch = data[k];
        if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
            out[n++] = '}';
            sum += '}';
            ch ^= 0x20;
        }
        out[n++] = ch;
        sum += (unsigned char)ch;
    }
    n += (size_t)sprintf(out + n, "#%02x", sum);
    send_raw(g, out, n);
    free(g->last);
    g->last = out;
    g->last_len = n;
}

void gdb_reply_str(struct gdb *g, const char *s) { gdb_reply(g, s, strlen(s)); }

/* --- Receiving ------------------------------------------------------------------------- */

enum gdb_action gdb_feed(struct gdb *g, const char *buf, size_t n)
{
    enum gdb_action act = GDB_NONE;
    for (size_t k = 0; k < n; k++) {
        unsigned char ch = (unsigned char)buf[k];
        switch (g->state) {
        case ST_IDLE:
            if (ch == '$') {
                g->state = ST_DATA;
                g->len = 0;
                g->sum = 0;
                g->overflow = false;
            } else if (ch == 0x03) {
                g->interrupt = true;
            } else if (ch == '-' && !g->noack && g->last) {
                send_raw(g, g->last, g->last_len);
            } /* '+' and noise: nothing */
            break;
        case ST_DATA:
            if (ch == '#') {
                g->state = ST_CSUM1;
            } else {
                g->sum += ch;
                if (g->len < GDB_PACKET_MAX) g->pkt[g->len++] = (char)ch;
                else g->overflow = true;
            }
            break;
        case ST_CSUM1: {
            int h = gdb_hex(ch);
            g->rsum = (unsigned char)(h < 0 ? 0 : h << 4);
            g->state = h < 0 ? ST_IDLE : ST_CSUM2;
            if (h < 0 && !g->noack) send_raw(g, "-", 1);
            break;
        }
        case ST_CSUM2: {
            int h = gdb_hex(ch);
            g->state = ST_IDLE;
            if (h < 0 || (unsigned char)(g->rsum | h) != g->sum) {
                if (!g->noack) send_raw(g, "-", 1); /* gdb sends it again */
                break;
            }
            if (!g->noack) send_raw(g, "+", 1);
            if (g->overflow) {
                gdb_reply_str(g, "E22"); /* larger than the PacketSize we announced */
                break;
            }
            g->pkt[g->len] = 0;
            enum gdb_action a = gdb_dispatch(g, g->pkt, g->len);
            if (a != GDB_NONE) act = a;
            break;
        }
        }
    }
    return act;
}

/* --- The run loop ----------------------------------------------------------------------- */

static void drop_client(struct gdb *g)
{
    if (g->fd >= 0) close(g->fd);
    g->fd = -1;
    g->closed = false;
    g->noack = false;
    g->state = ST_IDLE;
    g->x86_64 = -1;
    g->phys_mode = false;
    g->nbps = 0;
    g->vmx_mask = 0;
    g->vmx_reason = -1;
    vp_debug_clear(g->vm); /* the machine goes on without the debugger's stops */
}

static bool accept_client(struct gdb *g, int timeout_ms)
{
    struct pollfd p = {.fd = g->listen_fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return false;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on Unix sockets */
    g->fd = fd;
    return true;
}

/* Read what the client sent, waiting up to timeout_ms; false if it went away. */
static enum gdb_action poll_client(struct gdb *g, int timeout_ms, bool *gone)
{
    struct pollfd p = {.fd = g->fd, .events = POLLIN};
    *gone = false;
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0) return GDB_NONE;
    char buf[4096];
    ssize_t n = recv(g->fd, buf, sizeof buf, 0);
    if (n <= 0 && !(n < 0 && errno == EINTR)) {
        *gone = true;
        return GDB_NONE;
    }
    enum gdb_action a = n > 0 ? gdb_feed(g, buf, (size_t)n) : GDB_NONE;
    if (g->closed) *gone = true;
    return a;
}

int gdb_serve(struct gdb *g, bool start_stopped, int (*status_of)(vp_machine *, vp_stop))
{
    bool running = !start_stopped;
    if (start_stopped) {
        fprintf(stderr, "vanderpool: waiting for gdb\n");
        while (!accept_client(g, -1)) {}
    }
    for (;;) {
        if (g->fd < 0 && g->listen_fd >= 0 && accept_client(g, 0)) running = false; /* QEMU stops on attach */
        if (running) {
            vp_stop why = vp_run_for(g->vm, SLICE_INSNS);
            if (why == VP_STOP_BUDGET) {
                if (g->fd < 0) continue;
                bool gone;
                poll_client(g, 0, &gone);
                if (gone) {
                    drop_client(g);
                    continue;
                }
                if (!g->interrupt) continue;
                g->interrupt = false;
                running = false;
                gdb_stop_reply(g, why, true);
                gdb_reply_str(g, g->last_stop);
                continue;
            }
            if (why == VP_STOP_DEBUG) {
                running = false;
                gdb_stop_reply(g, why, false);
                vp_debug_event ev;
                vp_debug_get_event(g->vm, &ev);
                char note[160] = "";
                if (ev.kind == VP_DBG_VMEXIT)
                    snprintf(note, sizeof note, "cpu%d: VM exit %u (%s)%s\n", ev.cpu, ev.reason & 0xffff,
                             vp_exit_reason_name(ev.reason), (ev.reason >> 31) ? ", VM-entry failure" : "");
                else if (ev.kind == VP_DBG_VMENTRY)
                    snprintf(note, sizeof note, "cpu%d: VM entry\n", ev.cpu);
                else if (ev.kind == VP_DBG_VMENTRY_FAIL)
                    snprintf(note, sizeof note, "cpu%d: VM entry fails check %s\n", ev.cpu, ev.check ? ev.check : "?");
                if (g->fd >= 0 && note[0]) gdb_console(g, note, strlen(note));
                if (g->fd >= 0) gdb_reply_str(g, g->last_stop);
                else running = true; /* nobody to tell: a leftover stop */
                continue;
            }
            /* The guest ended: tell gdb, then end as without it. */
            int status = status_of(g->vm, why);
            if (g->fd >= 0) {
                char w[16];
                snprintf(w, sizeof w, "W%02x", status & 0xff);
                gdb_reply_str(g, w);
            }
            return status;
        }
        /* Stopped: wait for gdb. */
        if (g->fd < 0) {
            running = true;
            continue;
        }
        bool gone;
        enum gdb_action a = poll_client(g, -1, &gone);
        if (gone) {
            /* gdb's `disconnect` (or a gdb that died) while stopped: the machine stays
             * where it is until another gdb attaches, as with QEMU. Only D resumes. */
            drop_client(g);
            if (g->listen_fd >= 0) {
                fprintf(stderr, "vanderpool: gdb went away; waiting for gdb\n");
                while (!accept_client(g, -1)) {}
            } else {
                running = true;
            }
            continue;
        }
        g->interrupt = false; /* Ctrl-C while stopped: nothing to interrupt */
        switch (a) {
        case GDB_CONTINUE:
        case GDB_STEP: running = true; break;
        case GDB_DETACH:
            drop_client(g);
            running = true;
            break;
        case GDB_KILL: drop_client(g); return g->exit_status;
        case GDB_NONE: break;
        }
    }
}
