/* 16550 receive path from the machine's serial input: bytes appear in RBR with LSR.DR when
 * the guest looks (demand reads at most every 10 us of virtual time), the receive
 * interrupt (IER bit 0, IIR 4) on IRQ4 from the 1 ms poll, the FIFO's 16 bytes against 1
 * without it (the rest stays with the host), end of input stops the reads, the quit
 * request stops the run with status 0 (seen by the poll even when the guest never looks),
 * loopback ignores the input. */
#include <string.h>

#include "test_dev.h"

static const char *feed;
static int calls, max_seen;
static bool quit_after;

static int fake_in(void *ctx, u8 *buf, int max)
{
    calls++;
    if (max > max_seen) max_seen = max;
    if (!*feed) return quit_after ? SERIAL_IN_QUIT : SERIAL_IN_END;
    int n = 0;
    while (n < max && feed[n] && feed[n] != '|')
        buf[n] = (u8)feed[n], n++;
    feed += n;
    if (*feed == '|') feed++; /* '|' splits the input into separate arrivals */
    return n;
}

static struct machine *rx_machine(const char *input)
{
    struct machine *m = dev_machine(1, 16 << 20);
    feed = input;
    calls = max_seen = 0;
    quit_after = false;
    m->serial_in = fake_in;
    machine_reset(m); /* as if configured at creation: the poll starts at reset */
    return m;
}

int main(void)
{
    struct machine *m = rx_machine("hi|x");
    CHECK_EQ("uart rx: nothing taken before the guest looks", max_seen, 0);
    CHECK_EQ("uart rx lsr dr", inb(m, 0x3fd) & 1, 1);
    CHECK_EQ("uart rx: without FIFO one byte is taken", max_seen, 1);
    CHECK_EQ("uart rx first byte", inb(m, 0x3f8), 'h');
    CHECK_EQ("uart rx: demand reads limited to every 10 us", inb(m, 0x3fd) & 1, 0);
    machine_advance(m, 10000);
    CHECK_EQ("uart rx second byte after 10 us", inb(m, 0x3fd) & 1, 1);
    CHECK_EQ("uart rx second byte", inb(m, 0x3f8), 'i');
    dev_free(m);

    /* FIFO and interrupts: IRQ4 from the poll timer. */
    m = rx_machine("abcdefghijklmnopqrstuvwxyz");
    dev_pic_init(m, 0xef, 0xff);
    outb(m, 0x3fa, 0x07); /* FIFO on, cleared */
    outb(m, 0x3f9, 0x01); /* receive interrupt */
    CHECK_EQ("uart rx iir none yet", inb(m, 0x3fa), 0xc1);
    machine_advance(m, 1000000);
    CHECK("uart rx irq4 from the poll", pic_irr(m, 0x20) & 0x10, "irr %#x", pic_irr(m, 0x20));
    CHECK_EQ("uart rx iir rda", inb(m, 0x3fa), 0xc4);
    CHECK_EQ("uart rx FIFO takes 16", max_seen, 16);
    char got[32] = {0};
    int n = 0;
    while ((inb(m, 0x3fd) & 1) && n < 31)
        got[n++] = (char)inb(m, 0x3f8);
    CHECK("uart rx FIFO holds 16, then the rest after the next read",
          n == 26 && !strcmp(got, "abcdefghijklmnopqrstuvwxyz"), "got %d \"%s\"", n, got);
    CHECK_EQ("uart rx iir none when drained", inb(m, 0x3fa), 0xc1);
    int before = calls;
    machine_advance(m, 10000000);
    CHECK("uart rx: no reads after end of input", calls == before + 1 || calls == before,
          "%d more calls", calls - before);
    machine_advance(m, 10000000);
    int after = calls;
    machine_advance(m, 10000000);
    inb(m, 0x3fd);
    CHECK_EQ("uart rx: ended input is never read again", calls, after);
    dev_free(m);

    /* Quit (Ctrl-A x at the terminal). */
    m = rx_machine("");
    quit_after = true;
    inb(m, 0x3fd);
    CHECK("uart rx quit stops with status 0", m->stop == STOP_DEBUG_EXIT && m->exit_code == 0,
          "stop %d code %d", m->stop, m->exit_code);
    dev_free(m);

    /* Loopback: the input is left alone. */
    m = rx_machine("z");
    outb(m, 0x3fc, 0x10);
    CHECK_EQ("uart rx loopback ignores input", inb(m, 0x3fd) & 1, 0);
    CHECK_EQ("uart rx loopback: nothing taken", max_seen, 0);
    dev_free(m);

    /* Without the receive interrupt the 1 ms poll takes nothing but still lets the input
     * see its user's quit request, whatever the guest does. */
    m = rx_machine("abc");
    machine_advance(m, 3000000);
    CHECK("uart rx poll without IER takes nothing", calls >= 3 && max_seen == 0, "calls %d max %d",
          calls, max_seen);
    dev_free(m);
    m = rx_machine("");
    quit_after = true;
    machine_advance(m, 1000000);
    CHECK("uart rx quit seen by the poll alone", m->stop == STOP_DEBUG_EXIT && m->exit_code == 0,
          "stop %d", m->stop);
    dev_free(m);
    return check_exit();
}
