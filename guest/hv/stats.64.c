/* The table of VM exits by reason, one column per guest. Reason names come from the
 * emulator's own list (src/vmx/exit_reasons.h, SDM Appendix C): one table, one truth. */
#include "hv.h"

/* The list's macro name is also the VMCS field's (vmcs.h); this file needs the list. */
#undef EXIT_REASON
static const char *const names[HV_EXIT_REASONS] = {
#define EXIT_REASON(name, num, text) [num] = text,
#include "../../src/vmx/exit_reasons.h"
#undef EXIT_REASON
};

const char *exit_name(u32 reason)
{
    return reason < HV_EXIT_REASONS && names[reason] ? names[reason] : "unknown";
}

/* printf here has no '-' flag: pad on the right by hand. */
static void left(const char *s, int width)
{
    int n = 0;
    for (; s[n] && n < width; n++)
        serial_putc(s[n]);
    for (; n < width; n++)
        serial_putc(' ');
}

void hv_print_stats(void)
{
    printf("hv: VM exits by reason\n");
    printf("hv: ");
    left("reason", 34);
    for (int i = 0; i < hv.n; i++)
        printf(" %8s", hv.g[i].name);
    printf("\n");
    u32 total[HV_MAX_GUESTS] = {0};
    for (u32 r = 0; r < HV_EXIT_REASONS; r++) {
        int any = 0;
        for (int i = 0; i < hv.n; i++)
            any |= hv.g[i].exits[r] != 0;
        if (!any) continue;
        printf("hv: %2u ", r);
        left(exit_name(r), 31);
        for (int i = 0; i < hv.n; i++) {
            printf(" %8u", hv.g[i].exits[r]);
            total[i] += hv.g[i].exits[r];
        }
        printf("\n");
    }
    printf("hv: ");
    left("total", 34);
    for (int i = 0; i < hv.n; i++)
        printf(" %8u", total[i]);
    printf("\n");
}
