#!/usr/bin/env bash
# tests/cli/cpu_off.sh VANDERPOOL: switching a vector-ISA feature off with -cpu
# skylake,-NAME clears its CPUID bit and makes its instructions #UD. Boots the guest test
# cpu_feat (guest/tests/cpu_feat.c) once per switch with -append off=NAME, which tells
# the guest what to expect; one "PASS skylake_minus_NAME" or "FAIL ..." line per switch.
# The run without a switch is the guest suite's (compared with Bochs there).
set -uo pipefail
vp=${1:?usage: cpu_off.sh path/to/vanderpool}
vp=$(cd "$(dirname "$vp")" && pwd)/$(basename "$vp")
cd "$(dirname "$0")/../.." || exit 1
gb=${GUEST_BUILD:-build/guest}
k=$gb/guest/tests/cpu_feat.elf
if ! make -s BUILD="$gb" "$k" >/dev/null 2>&1; then
    echo "FAIL build: make BUILD=$gb $k"
    exit 1
fi
failures=0
for f in mmx sse sse2 sse3 ssse3 sse4.1 sse4.2 popcnt aes pclmulqdq movbe xsave xsaveopt xsavec xsaves avx; do
    out=$(timeout "${VP_TIMEOUT:-60}" "$vp" -kernel "$k" -cpu "skylake,-$f" -append "off=$f" \
        -serial stdio -no-reboot 2>&1 </dev/null)
    if grep -q '^FAIL' <<<"$out" || ! grep -q '^END' <<<"$out"; then
        echo "FAIL skylake_minus_$f: $(grep -m3 '^FAIL' <<<"$out" | tr '\n' '|')$(grep -q '^END' <<<"$out" || echo ' no END')"
        failures=$((failures + 1))
    else
        echo "PASS skylake_minus_$f"
    fi
done
[ "$failures" -eq 0 ]
