/* RTC/CMOS: fixed start date in BCD and binary, 12-hour mode, time advance, UIP, register
 * D, periodic/alarm/update interrupts through register C and IRQ8, memory-size bytes. */
#include "test_dev.h"

#define SEC 1000000000ull

static u8 cmos(struct machine *m, u8 idx)
{
    outb(m, 0x70, idx);
    return inb(m, 0x71);
}
static void cmos_set(struct machine *m, u8 idx, u8 v)
{
    outb(m, 0x70, idx);
    outb(m, 0x71, v);
}

int main(void)
{
    struct machine *m = dev_machine(2, 128 << 20);

    CHECK_EQ("rtc seconds", cmos(m, 0), 0x00);
    CHECK_EQ("rtc minutes", cmos(m, 2), 0x00);
    CHECK_EQ("rtc hours", cmos(m, 4), 0x00);
    CHECK_EQ("rtc weekday (thursday)", cmos(m, 6), 0x05);
    CHECK_EQ("rtc day", cmos(m, 7), 0x01);
    CHECK_EQ("rtc month", cmos(m, 8), 0x01);
    CHECK_EQ("rtc year", cmos(m, 9), 0x26);
    CHECK_EQ("rtc century", cmos(m, 0x32), 0x20);
    CHECK_EQ("rtc register a", cmos(m, 0x0a), 0x26);
    CHECK_EQ("rtc register b", cmos(m, 0x0b), 0x02);
    CHECK_EQ("rtc register d", cmos(m, 0x0d), 0x80);

    /* Memory sizes (QEMU layout) for 128 MiB and 2 processors. */
    CHECK_EQ("cmos base memory", cmos(m, 0x15) | cmos(m, 0x16) << 8, 640);
    CHECK_EQ("cmos extended 0x17", cmos(m, 0x17) | cmos(m, 0x18) << 8, 0xffff);
    CHECK_EQ("cmos extended 0x30", cmos(m, 0x30) | cmos(m, 0x31) << 8, 0xffff);
    CHECK_EQ("cmos above 16m", cmos(m, 0x34) | cmos(m, 0x35) << 8, (128 - 16) * 16);
    CHECK_EQ("cmos above 4g", cmos(m, 0x5b) | cmos(m, 0x5c) << 8 | cmos(m, 0x5d) << 16, 0);
    CHECK_EQ("cmos cpu count", cmos(m, 0x5f), 1);

    /* One hour, one minute and 1.5 s later (Thursday, 01:01:01). */
    machine_advance(m, 3661 * SEC + SEC / 2);
    CHECK_EQ("rtc advanced seconds", cmos(m, 0), 0x01);
    CHECK_EQ("rtc advanced minutes", cmos(m, 2), 0x01);
    CHECK_EQ("rtc advanced hours", cmos(m, 4), 0x01);
    CHECK("rtc uip clear mid-second", !(cmos(m, 0x0a) & 0x80), "UIP set at .5 s");
    machine_advance(m, SEC / 2 - 100000);
    CHECK("rtc uip set before update", cmos(m, 0x0a) & 0x80, "UIP clear 100 us before the update");
    machine_advance(m, 200000);
    CHECK_EQ("rtc update happened", cmos(m, 0), 0x02);

    /* Binary and 12-hour formats. */
    cmos_set(m, 0x0b, 0x06);
    CHECK_EQ("rtc binary year", cmos(m, 9), 26);
    CHECK_EQ("rtc binary seconds", cmos(m, 0), 2);
    machine_advance(m, 12 * 3600 * SEC); /* 13:01:02 */
    cmos_set(m, 0x0b, 0x00);
    CHECK_EQ("rtc 12h pm bcd", cmos(m, 4), 0x81);
    cmos_set(m, 0x0b, 0x02);
    CHECK_EQ("rtc 24h bcd", cmos(m, 4), 0x13);

    /* Setting the clock with SET held: it stays frozen, then runs from the new value. */
    cmos_set(m, 0x0b, 0x82);
    cmos_set(m, 0x09, 0x27);
    cmos_set(m, 0x08, 0x12);
    cmos_set(m, 0x07, 0x31);
    cmos_set(m, 0x04, 0x23);
    cmos_set(m, 0x02, 0x59);
    cmos_set(m, 0x00, 0x59);
    machine_advance(m, 5 * SEC);
    CHECK_EQ("rtc frozen under SET", cmos(m, 0), 0x59);
    cmos_set(m, 0x0b, 0x02);
    machine_advance(m, SEC);
    CHECK_EQ("rtc rollover year", cmos(m, 9), 0x28);
    CHECK_EQ("rtc rollover month", cmos(m, 8), 0x01);
    CHECK_EQ("rtc rollover day", cmos(m, 7), 0x01);
    CHECK_EQ("rtc rollover hour", cmos(m, 4), 0x00);

    /* Periodic interrupt at 1024 Hz on IRQ8. */
    dev_pic_init(m, 0xfb, 0xfe);
    cmos(m, 0x0c);
    cmos_set(m, 0x0a, 0x26);
    cmos_set(m, 0x0b, 0x42);
    machine_advance(m, 980000);
    machine_advance(m, 1000000);
    CHECK("rtc periodic irq8", pic_irr(m, 0xa0) & 1, "no IRQ8 after 2 ms");
    CHECK_EQ("rtc periodic vector", intr_ack(m->cpus[0]), 0x28);
    u8 c = cmos(m, 0x0c);
    CHECK_EQ("rtc register c periodic", c & 0xc0, 0xc0);
    CHECK_EQ("rtc register c cleared", cmos(m, 0x0c), 0);
    outb(m, 0xa0, 0x20);
    outb(m, 0x20, 0x20);

    /* Update-ended flag without the interrupt enabled: flag only. */
    cmos_set(m, 0x0b, 0x02);
    cmos(m, 0x0c);
    machine_advance(m, SEC);
    c = cmos(m, 0x0c);
    CHECK_EQ("rtc uf polled", c, 0x10 | (c & 0x40));

    /* Alarm at hh:mm:ss + 3 s with AIE; releasing SET starts a fresh second. */
    cmos_set(m, 0x0b, 0x82);
    cmos_set(m, 0x0b, 0x02);
    u8 s = cmos(m, 0), mi = cmos(m, 2), h = cmos(m, 4);
    int sec = (s >> 4) * 10 + (s & 15) + 3;
    cmos_set(m, 0x01, (u8)((sec % 60 / 10) << 4 | sec % 60 % 10));
    cmos_set(m, 0x03, sec >= 60 ? 0xc0 : mi);
    cmos_set(m, 0x05, sec >= 60 ? 0xc0 : h);
    cmos(m, 0x0c);
    cmos_set(m, 0x0b, 0x22);
    machine_advance(m, 3 * SEC - SEC / 100);
    CHECK("rtc alarm not yet", !(pic_irr(m, 0xa0) & 1), "alarm early");
    machine_advance(m, SEC / 50);
    CHECK("rtc alarm irq8", pic_irr(m, 0xa0) & 1, "no alarm interrupt");
    CHECK_EQ("rtc register c alarm", cmos(m, 0x0c) & 0xa0, 0xa0);

    /* NMI mask bit in the index port does not disturb the index. */
    outb(m, 0x70, 0x80 | 0x0d);
    CHECK_EQ("rtc nmi-mask index", inb(m, 0x71), 0x80);

    dev_free(m);

    /* Memory above 4 GiB: 4 GiB of RAM puts 512 MiB above the PCI hole. */
    m = dev_machine(1, 4ull << 30);
    CHECK_EQ("cmos above 4g (4 GiB)", cmos(m, 0x5b) | cmos(m, 0x5c) << 8 | cmos(m, 0x5d) << 16,
             (m->ram_above_4g >> 16));
    CHECK("cmos above 4g nonzero", m->ram_above_4g > 0, "no memory above 4 GiB");
    CHECK_EQ("cmos 16m-4g (3.5 GiB)", cmos(m, 0x34) | cmos(m, 0x35) << 8, (m->ram_below_4g - (16 << 20)) >> 16);
    dev_free(m);
    return check_exit();
}
