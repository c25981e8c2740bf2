#!/usr/bin/env bash
# tests/cli/power_serial.sh VANDERPOOL: the ways a run ends through the platform devices,
# and -serial stdio's input.
#   - ACPI S5 (SLP_TYP 5 | SLP_EN to PM1a_CNT 0x604): status 0, as QEMU's poweroff;
#   - the FADT reset register (0xcf9 <- 6) and the 8042's pulse reset (0xfe to 0x64) under
#     -no-reboot: status 4 and the line naming the source;
#   - the guest test acpi with -append poweroff: it finds \_S5 in the DSDT and enters S5
#     after END: status 0;
#   - the guest test acpi prints the same PASS/FAIL lines as on QEMU (the reference for
#     platform devices), when qemu-system-x86_64 is installed;
#   - the guest test serial_rx fed through a pipe echoes the line it received (IRQ4
#     receive path); with stdin at /dev/null it sees no input; without -serial stdio
#     stdin is never read;
#   - on a terminal (a pty from script(1)): Ctrl-A x ends the run with status 0, also when
#     the guest never reads the UART, and the terminal's mode is the same afterwards; with
#     stdout and stderr redirected (a script, not a user) the terminal is left alone.
set -uo pipefail
vp=${1:?usage: power_serial.sh path/to/vanderpool}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/vp-cli-power-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

# flat NAME WANT-STATUS WANT-STDERR CODE-ESCAPES: a 32-bit flat image run with -no-reboot.
flat() {
    local name=$1 want=$2 wanterr=$3
    printf "$4" >"$tmp/img.bin"
    timeout 20 "$vp" -flat "$tmp/img.bin" -serial none -no-reboot >"$tmp/out" 2>"$tmp/err" </dev/null
    local status=$?
    if [ "$status" -ne "$want" ]; then
        fail "$name" "exit status $status, want $want ($(head -c 200 "$tmp/err" | tr '\n' '|'))"
    elif [ "$(cat "$tmp/err")" != "$wanterr" ]; then
        fail "$name" "said '$(head -c 200 "$tmp/err" | tr '\n' '|')', want '$wanterr'"
    else
        pass "$name"
    fi
}
# mov dx, 0x604; mov ax, 0x3400 (SLP_TYP 5, SLP_EN); out dx, ax; hlt
flat "acpi s5 power-off: status 0" 0 "" '\x66\xba\x04\x06\x66\xb8\x00\x34\x66\xef\xf4'
# mov dx, 0xcf9; mov al, 6; out dx, al; hlt
flat "fadt reset register 0xcf9 <- 6" 4 "vanderpool: reset control register 0xcf9: stopping (-no-reboot)" \
    '\x66\xba\xf9\x0c\xb0\x06\xee\xf4'
# mov al, 0xfe; out 0x64, al; hlt
flat "8042 pulse reset 0xfe" 4 "vanderpool: keyboard controller 0xfe: stopping (-no-reboot)" '\xb0\xfe\xe6\x64\xf4'

gb=${GUEST_BUILD:-$root/build/guest}
kernel=$gb/guest/tests/serial_rx.elf
if ! make -s -C "$root" BUILD="$gb" "$kernel" "$gb/guest/tests/acpi.elf" >"$tmp/make.log" 2>&1; then
    fail "guest build" "$(tail -3 "$tmp/make.log" | tr '\n' '|')"
    exit 1
fi
timeout 20 "$vp" -kernel "$gb/guest/tests/acpi.elf" -smp 4 -append poweroff -serial stdio -no-reboot \
    >"$tmp/out" 2>"$tmp/err" </dev/null
status=$?
if [ $status -eq 0 ] && [ "$(tail -1 "$tmp/out")" = END ] && ! grep -q '^FAIL' "$tmp/out"; then
    pass "guest acpi: S5 from the DSDT's \\_S5 powers off, status 0"
else
    fail "guest acpi poweroff" "status $status, $(tail -c 200 "$tmp/out" | tr '\n' '|')"
fi
if command -v qemu-system-x86_64 >/dev/null; then
    timeout 60 qemu-system-x86_64 -accel tcg -cpu max -m 128 -smp 4 -display none -net none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -monitor none \
        -kernel "$gb/guest/tests/acpi.elf" >"$tmp/qemu" 2>&1 </dev/null
    timeout 20 "$vp" -kernel "$gb/guest/tests/acpi.elf" -smp 4 -serial stdio -no-reboot >"$tmp/out" 2>&1 </dev/null
    grep -E '^(PASS|FAIL) ' "$tmp/qemu" >"$tmp/qemu.checks"
    grep -E '^(PASS|FAIL) ' "$tmp/out" >"$tmp/vp.checks"
    if [ -s "$tmp/qemu.checks" ] && cmp -s "$tmp/qemu.checks" "$tmp/vp.checks" && grep -qx END "$tmp/qemu"; then
        pass "guest acpi: the same $(wc -l <"$tmp/vp.checks") checks pass as on QEMU"
    else
        fail "guest acpi against QEMU" "$(diff "$tmp/qemu.checks" "$tmp/vp.checks" | head -5 | tr '\n' '|')"
    fi
else
    echo "SKIP guest acpi against QEMU: no qemu-system-x86_64"
fi
printf 'hello, vanderpool\n' | timeout 20 "$vp" -kernel "$kernel" -serial stdio -no-reboot >"$tmp/out" 2>"$tmp/err"
if grep -qx 'serial_rx: got "hello, vanderpool"' "$tmp/out" && grep -qx END "$tmp/out" && ! grep -q '^FAIL' "$tmp/out"; then
    pass "serial stdio from a pipe: the guest echoes the line"
else
    fail "serial stdio from a pipe" "$(head -c 300 "$tmp/out" | tr '\n' '|')"
fi
timeout 20 "$vp" -kernel "$kernel" -serial stdio -no-reboot >"$tmp/out" 2>"$tmp/err" </dev/null
grep -qx 'PASS serial_rx: no input' "$tmp/out" && pass "serial stdio from /dev/null: no input" ||
    fail "serial stdio from /dev/null" "$(head -c 300 "$tmp/out" | tr '\n' '|')"
printf 'ignored\n' | timeout 20 "$vp" -kernel "$kernel" -no-reboot >"$tmp/out" 2>"$tmp/err"
grep -qx 'PASS serial_rx: no input' "$tmp/out" && pass "no -serial stdio: stdin not read" ||
    fail "no -serial stdio: stdin not read" "$(head -c 300 "$tmp/out" | tr '\n' '|')"

# A terminal: script(1) runs vanderpool on a pty whose input is our pipe. The guest waits
# for a line; Ctrl-A x arrives first and ends the run with status 0.
if command -v script >/dev/null; then
    cmd="stty -g >$tmp/before; $vp -kernel $kernel -serial stdio -no-reboot; echo status \$? >$tmp/status; stty -g >$tmp/after"
    printf '\001x' | timeout 20 script -qec "$cmd" /dev/null >"$tmp/out" 2>&1
    if [ "$(cat "$tmp/status" 2>/dev/null)" = "status 0" ] && grep -q 'terminated (Ctrl-A x)' "$tmp/out"; then
        pass "terminal: Ctrl-A x quits with status 0"
    else
        fail "terminal: Ctrl-A x" "$(cat "$tmp/status" 2>/dev/null) $(head -c 300 "$tmp/out" | tr '\r\n' '||')"
    fi
    if [ -s "$tmp/before" ] && cmp -s "$tmp/before" "$tmp/after"; then
        pass "terminal: mode restored at exit"
    else
        fail "terminal: mode restored" "before '$(cat "$tmp/before" 2>/dev/null)' after '$(cat "$tmp/after" 2>/dev/null)'"
    fi
    # A guest that never touches the UART (jmp $) still lets Ctrl-A x end the run.
    printf '\xeb\xfe' >"$tmp/spin.bin"
    printf '\001x' | timeout 20 script -qec "$vp -flat $tmp/spin.bin -serial stdio; echo status \$? >$tmp/status" /dev/null >"$tmp/out" 2>&1
    if [ "$(cat "$tmp/status" 2>/dev/null)" = "status 0" ]; then
        pass "terminal: Ctrl-A x ends a guest that never reads the UART"
    else
        fail "terminal: Ctrl-A x with a spinning guest" "$(cat "$tmp/status" 2>/dev/null) $(head -c 200 "$tmp/out" | tr '\r\n' '||')"
    fi
    # A terminal for input but stdout and stderr redirected (a test script): nothing read,
    # the terminal's mode untouched even while the guest runs.
    printf 'abc\r' | timeout 20 script -qec "$vp -kernel $kernel -serial stdio -no-reboot >$tmp/redir 2>&1" /dev/null >"$tmp/out" 2>&1
    if grep -qx 'PASS serial_rx: no input' "$tmp/redir"; then
        pass "terminal with output redirected: left alone, no input"
    else
        fail "terminal with output redirected" "$(head -c 200 "$tmp/redir" | tr '\n' '|')"
    fi
    # Ctrl-A Ctrl-A sends one Ctrl-A: the guest receives it in its line.
    printf 'a\001\001b\r' | timeout 20 script -qec "$vp -kernel $kernel -serial stdio -no-reboot" /dev/null >"$tmp/out" 2>&1
    if grep -q "serial_rx: got \"a$(printf '\001')b\"" "$tmp/out"; then
        pass "terminal: Ctrl-A Ctrl-A sends Ctrl-A, raw mode passes CR"
    else
        fail "terminal: Ctrl-A Ctrl-A" "$(head -c 300 "$tmp/out" | tr '\r\n' '||' | cat -v)"
    fi
else
    echo "SKIP terminal input: no script(1)"
fi
exit $((failures > 0))
