/* The start-up every VT-x test shares: VMX offered, capabilities read, VMX enabled, VMXON.
 * Unlike the rest of the library it reports, so every test prints the same two lines for
 * it: FAIL vmx_supported when CPUID.1:ECX.VMX is clear, and PASS/FAIL vmxon_ok. */
#include "report.h"
#include "vmx.h"

u64 vmx_start(void)
{
    if (!vmx_supported()) {
        fail("vmx_supported", "CPUID.1:ECX.VMX clear");
        return 0;
    }
    vmx_read_caps();
    vmx_enable();
    u64 region = vmx_vmxon_region();
    if (!check_eq("vmxon_ok", vmxon(region), VMX_OK)) return 0;
    return region;
}
