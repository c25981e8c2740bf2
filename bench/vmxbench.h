/* The VMX benchmark's phases (bench/vmxbench.c picks one from the command line and
 * passes it to the 64-bit half). One phase per boot, so bench/run.sh can time each on
 * its own and subtract the empty kernel's boot cost. */
#ifndef BENCH_VMXBENCH_H
#define BENCH_VMXBENCH_H
enum { PHASE_NONE, PHASE_CPUID, PHASE_CPUID_VPID, PHASE_WALK, PHASE_WALK_EPT };
#endif
