/* Segment loading and protection checks (stub). */
#include "cpu.h"

void seg_load_real(struct cpu *c, int seg, u16 sel)
{
    c->seg[seg].sel = sel;
    c->seg[seg].base = (u64)sel << 4;
}
void seg_load(struct cpu *c, int seg, u16 sel) { seg_load_real(c, seg, sel); }
u64 seg_read_descriptor(struct cpu *c, u16 sel, int err_vector) { cpu_raise(c, err_vector, sel & 0xfffc); }
void seg_from_descriptor(struct seg *s, u16 sel, u64 d)
{
    s->sel = sel;
    s->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
    u32 lim = (u32)((d & 0xffff) | ((d >> 32) & 0xf0000));
    s->ar = (u32)((d >> 40) & 0xff) | (u32)(((d >> 52) & 0xf) << 12);
    s->limit = (s->ar & AR_G) ? (lim << 12) | 0xfff : lim;
}
