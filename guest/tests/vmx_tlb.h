/* vmx_tlb's expected outcome for a stale translation, from the command line (vmx_tlb.c)
 * to the 64-bit half. */
#ifndef GUEST_TESTS_VMX_TLB_H
#define GUEST_TESTS_VMX_TLB_H
enum {
    TLBMODE_ANY,    /* old or new: the SDM allows both (real hardware, -tlb exact) */
    TLBMODE_STRICT, /* old: -tlb strict keeps what the SDM does not require dropping */
    TLBMODE_FLUSH,  /* new: -tlb flush drops everything at each transition */
};
#endif
