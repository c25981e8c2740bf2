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

/* Exception exits by vector (SDM Table 6-1), shown under reason 0 when exceptions are
 * a technique: shadow paging's #PF, virtual-8086 mode's #GP and the rest. With EPT and
 * unrestricted guest only #UD is intercepted, and the table stays as it was. */
static const char *const vectors[32] = {"#DE divide error",
                                        "#DB debug",
                                        "NMI",
                                        "#BP breakpoint",
                                        "#OF overflow",
                                        "#BR bound range",
                                        "#UD invalid opcode",
                                        "#NM no math coprocessor",
                                        "#DF double fault",
                                        "coprocessor overrun",
                                        "#TS invalid TSS",
                                        "#NP segment not present",
                                        "#SS stack fault",
                                        "#GP general protection",
                                        "#PF page fault",
                                        "reserved",
                                        "#MF math fault",
                                        "#AC alignment check",
                                        "#MC machine check",
                                        "#XM SIMD exception",
                                        "#VE virtualization exception",
                                        "#CP control protection"};

static void exception_rows(void)
{
    for (u32 v = 0; v < 32; v++) {
        int any = 0;
        for (int i = 0; i < hv.n; i++)
            any |= hv.g[i].exceptions[v] != 0;
        if (!any) continue;
        printf("hv:      ");
        left(vectors[v] ? vectors[v] : "vector", 29);
        for (int i = 0; i < hv.n; i++)
            printf(" %8u", hv.g[i].exceptions[v]);
        printf("\n");
    }
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
        if (r == EXIT_EXCEPTION_NMI && !hv.cpu.ug) exception_rows();
    }
    printf("hv: ");
    left("total", 34);
    for (int i = 0; i < hv.n; i++)
        printf(" %8u", total[i]);
    printf("\n");
}
