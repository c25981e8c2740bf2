#!/usr/bin/env bash
# demo.sh (`make demo`): build the demo guest (guest/demo/) and boot it on Vanderpool.
# It prints a greeting, CPU and memory facts, visits 64-bit mode, and exits through the
# debug-exit port. VP overrides the emulator (default build/rel/vanderpool).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
vp=${VP:-build/rel/vanderpool}
[ -x "$vp" ] || make -s "$vp"
make -s BUILD=build/guest build/guest/guest/demo/demo.elf
echo "\$ $vp -kernel build/guest/guest/demo/demo.elf -append \"hello demo\" -serial stdio -no-reboot"
set +e
"$vp" -kernel build/guest/guest/demo/demo.elf -append "hello demo" -serial stdio -no-reboot
status=$?
set -e
echo "(guest exited; vanderpool status $status)"
# The guest writes 0 to port 0xf4: status (0 << 1) | 1 = 1 means it ran to the end.
[ $status -eq 1 ] || [ $status -eq 0 ]
