#!/usr/bin/env bash
# tests/cli/halt.sh VANDERPOOL: when every processor is halted and nothing can wake it, the
# run ends with status 6 and one line saying why, truthfully: HLT with interrupts disabled,
# or HLT with interrupts enabled but no interrupt source armed, or a mix of the two.
set -uo pipefail
vp=${1:?usage: halt.sh path/to/vanderpool}
tmp=$(mktemp -d /tmp/vp-cli-halt-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

# halts NAME WANT SMP CODE-ESCAPES: a flat image (32-bit protected mode) that halts.
halts() {
    local name=$1 want=$2 smp=$3
    printf "$4" >"$tmp/img.bin"
    timeout 20 "$vp" -flat "$tmp/img.bin" -smp "$smp" -serial none >"$tmp/out" 2>"$tmp/err" </dev/null
    local status=$?
    if [ "$status" -ne 6 ]; then
        echo "FAIL $name: exit status $status, want 6 ($(head -c 200 "$tmp/err" | tr '\n' '|'))"
        failures=$((failures + 1))
    elif [ "$(cat "$tmp/err")" != "vanderpool: $want" ]; then
        echo "FAIL $name: said '$(head -c 300 "$tmp/err" | tr '\n' '|')', want 'vanderpool: $want'"
        failures=$((failures + 1))
    else
        echo "PASS $name"
    fi
}

halts "halt reason: cli; hlt" "all processors halted with interrupts disabled" 1 '\xfa\xf4'
halts "halt reason: sti; hlt, nothing armed" "all processors halted and no interrupt source armed" 1 '\xfb\xf4'
halts "halt reason: cli; hlt, APs waiting for SIPI" \
    "all processors halted with interrupts disabled; 2 waiting for SIPI" 3 '\xfa\xf4'
# The BSP writes "sti; hlt" to 0x8000, starts AP 1 there (INIT, SIPI 0x08), then cli; hlt.
bsp='\x66\xc7\x05\x00\x80\x00\x00\xfb\xf4'                 # mov word [0x8000], sti;hlt
bsp+='\xc7\x05\xf0\x00\xe0\xfe\xff\x01\x00\x00'             # SVR = 0x1ff
bsp+='\xc7\x05\x10\x03\xe0\xfe\x00\x00\x00\x01'             # ICR high: APIC ID 1
bsp+='\xc7\x05\x00\x03\xe0\xfe\x00\xc5\x00\x00'             # INIT
bsp+='\xc7\x05\x00\x03\xe0\xfe\x08\x46\x00\x00\xfa\xf4'     # SIPI 0x08; cli; hlt
halts "halt reason: one halted with interrupts disabled, one with nothing armed" \
    "all processors halted: 1 with interrupts disabled, 1 with no interrupt source armed" 2 "$bsp"

[ "$failures" -eq 0 ]
