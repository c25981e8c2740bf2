/* State of VM entries and exits kept in struct vmx (vmx.h embeds it as `tr`): what the
 * last VM entry found, the event whose delivery is under way (for IDT-vectoring
 * information, set by intr_deliver while a delivery is under way) and exit statistics. Owned by entry.c, exit.c and intercept.c. */
#ifndef VP_VMX_TRANSITION_H
#define VP_VMX_TRANSITION_H

#include "../common.h"

#define VMX_EXIT_REASONS_MAX 80

struct vmx_transition {
    const char *last_check;   /* name of the entry check that failed last, or NULL */
    /* Event delivery in non-root operation that a VM exit may interrupt (SDM 28.2.4):
     * IDT-vectoring information (valid bit 31), error code and, for software events, the
     * instruction length. Valid from intr_deliver's start to its end. */
    u32 vectoring, vectoring_err, vectoring_len;
    bool injecting;           /* VM entry is delivering an injected event (27.6) */
    bool mtf_pending;         /* monitor trap flag: exit after the next instruction */
    u64 exits[VMX_EXIT_REASONS_MAX]; /* VM exits by basic reason */
    u64 entries;
};

#endif
