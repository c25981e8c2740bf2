/* Board wiring (stub until the devices land). */
#include "../cpu/cpu.h"
#include "../machine/machine.h"

bool board_create(struct machine *m, char *err, size_t errlen) { (void)m; (void)err; (void)errlen; return true; }
void board_reset(struct machine *m) { (void)m; }
void board_destroy(struct machine *m) { (void)m; }
struct lapic *lapic_create(struct machine *m, struct cpu *c) { (void)m; (void)c; return NULL; }
void lapic_destroy(struct lapic *l) { (void)l; }
void lapic_reset(struct lapic *l, bool init_only) { (void)l; (void)init_only; }
bool lapic_set_base(struct cpu *c, u64 val) { c->apic_base = val; return true; }
bool lapic_msr_read(struct cpu *c, u32 msr, u64 *val) { (void)c; (void)msr; *val = 0; return false; }
bool lapic_msr_write(struct cpu *c, u32 msr, u64 val) { (void)c; (void)msr; (void)val; return false; }
