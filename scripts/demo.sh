#!/usr/bin/env bash
# demo.sh (`make demo`): build the emulator and the reference hypervisor (guest/hv/) and
# run it on Vanderpool with its guests: a real-mode guest entered at the reset vector, a
# 32-bit guest that turns on paging, a 64-bit guest, and one that misbehaves. Each runs
# in its own VMCS and EPT memory, time-sliced by the VMX-preemption timer; their serial
# output appears behind "[name] ", and the run ends with a table of VM exits by reason.
#   VP=PATH           the emulator (default build/rel/vanderpool, built if needed)
#   GUEST_BUILD=DIR   where guest programs are built (default build/guest)
#   CPU=MODEL         -cpu model (default skylake; see vanderpool -cpu help)
#   scripts/demo.sh hello            the older hello-world guest instead
#   scripts/demo.sh -- ARGS...       extra vanderpool options, e.g. -- -d vmx -D vmx.log
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
gb=${GUEST_BUILD:-build/guest}
if [ -n "${VP:-}" ]; then
    vp=$VP
    [ -x "$vp" ] || { echo "demo.sh: VP=$vp is not an executable" >&2; exit 1; }
else
    vp=build/rel/vanderpool
    make -s "$vp"
fi
what=hv
if [ "${1:-}" = hello ]; then what=hello; shift; fi
[ "${1:-}" = -- ] && shift
set +e
if [ $what = hello ]; then
    make -s BUILD="$gb" "$gb/guest/demo/demo.elf" || exit 1
    echo "\$ $vp -kernel $gb/guest/demo/demo.elf -append \"hello demo\" -serial stdio -no-reboot $*"
    "$vp" -kernel "$gb/guest/demo/demo.elf" -append "hello demo" -serial stdio -no-reboot "$@"
else
    make -s BUILD="$gb" hv || exit 1
    h=$gb/guest/hv
    mods="$h/rm.bin name=rm,$h/pm32.bin name=pm32,$h/lm64.bin name=lm64,$h/bad.bin name=bad bad=wild"
    echo "\$ $vp -cpu ${CPU:-skylake} -kernel $h/hv.elf -initrd \"$mods\" -serial stdio -no-reboot $*"
    "$vp" -cpu "${CPU:-skylake}" -kernel "$h/hv.elf" -initrd "$mods" -serial stdio -no-reboot "$@"
fi
status=$?
set -e
echo "(guest exited; vanderpool status $status)"
# The guest writes 0 to port 0xf4: status (0 << 1) | 1 = 1 means it ran to the end.
[ $status -eq 1 ] || [ $status -eq 0 ]
