/* How long VM entries and VM exits take in virtual time. Virtual time runs at one
 * nanosecond per instruction and the TSC at one tick per nanosecond (cpu_tsc), so these
 * are both nanoseconds and TSC ticks; docs/internals.md ("Time, devices and processors")
 * refers here. */
#ifndef VP_VMX_TIMING_H
#define VP_VMX_TIMING_H

/* A VM entry takes VMX_ENTRY_TICKS from the start of VMLAUNCH/VMRESUME to the boundary
 * before the first guest instruction (the instruction's own retirement tick included); a
 * VM exit takes VMX_EXIT_TICKS from the guest's instruction boundary to the first host
 * instruction. Hardware spends hundreds of cycles on each transition: Intel puts one at
 * "hundreds or thousands of cycles" (Intel Developer Zone, "Virtualization and Performance:
 * Understanding VM Exits", 2009; the latency fell from NetBurst through Core 2 to Nehalem),
 * and an exit-and-entry round trip on recent parts at about 0.3 us (issue 7: a CPUID exit
 * handled by a minimal hypervisor). 150 + 150 ns is that round trip, about 900 cycles of a
 * 3 GHz part. Every CPU model uses the same figure, so runs stay comparable across -cpu.
 * The VMX-preemption timer counts in VMX non-root operation only (SDM Vol. 3 25.5.1):
 * neither cost counts it down. */
#define VMX_ENTRY_TICKS 150
#define VMX_EXIT_TICKS 150

#endif
