#!/usr/bin/env bash
# tests/cli/run.sh VANDERPOOL: exercise the command line. Prints one "PASS name" or
# "FAIL name: why" line per check and exits non-zero if any failed. Images (good and
# malformed) are generated here, in a temporary directory, never committed.
set -uo pipefail
vp=${1:?usage: run.sh path/to/vanderpool}
tmp=$(mktemp -d /tmp/vp-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

# run NAME ARGS...: run vanderpool with a time limit, keeping status, stdout, stderr.
run() {
    timeout 20 "$vp" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
}

# usage_error NAME WANT ARGS...: exit 2, nothing on stdout, exactly one stderr line
# "vanderpool: ..." containing WANT.
usage_error() {
    local name=$1 want=$2
    shift 2
    run "$@"
    local lines
    lines=$(wc -l <"$tmp/err")
    if [ "$status" -ne 2 ]; then
        fail "$name" "exit status $status, want 2 (stderr: $(head -c 200 "$tmp/err"))"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "$lines stderr lines, want 1: $(head -c 300 "$tmp/err" | tr '\n' '|')"
    elif ! grep -q '^vanderpool: ' "$tmp/err"; then
        fail "$name" "stderr does not start with 'vanderpool: ': $(cat "$tmp/err")"
    elif ! grep -qF -- "$want" "$tmp/err"; then
        fail "$name" "stderr lacks '$want': $(cat "$tmp/err")"
    elif [ -s "$tmp/out" ]; then
        fail "$name" "unexpected stdout: $(head -c 200 "$tmp/out")"
    else
        pass "$name"
    fi
}

# expect_status NAME STATUS ARGS...
expect_status() {
    local name=$1 want=$2
    shift 2
    run "$@"
    if [ "$status" -eq "$want" ]; then pass "$name"; else
        fail "$name" "exit status $status, want $want (stderr: $(head -c 300 "$tmp/err" | tr '\n' '|'))"
    fi
}

# le32 V: four little-endian bytes as printf escapes.
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }

# aout_kernel FILE CODE-ESCAPES: an a.out-kludge multiboot kernel loaded at 1 MiB whose
# code starts at offset 0x20 (the entry point).
aout_kernel() {
    local flags=$((0x10000)) magic=$((0x1BADB002))
    local sum=$(((0x100000000 - magic - flags) & 0xffffffff))
    printf "$(le32 $magic)$(le32 $flags)$(le32 $sum)$(le32 0x100000)$(le32 0x100000)$(le32 0)$(le32 0)$(le32 0x100020)$2" >"$1"
}

# --- Informational options -------------------------------------------------------------
run --help
if [ "$status" -eq 0 ] && grep -q '^Usage: vanderpool' "$tmp/out" && grep -q 'Exit status' "$tmp/out"; then
    pass "--help"; else fail "--help" "status $status"; fi
run -help
[ "$status" -eq 0 ] && grep -q '^Usage' "$tmp/out" && pass "-help" || fail "-help" "status $status"
run --version
if [ "$status" -eq 0 ] && grep -qE '^vanderpool [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out"; then
    pass "--version"; else fail "--version" "status $status: $(cat "$tmp/out")"; fi
run -d help
[ "$status" -eq 0 ] && grep -q 'exec' "$tmp/out" && pass "-d help" || fail "-d help" "status $status"
run -cpu help
[ "$status" -eq 0 ] && grep -q 'skylake' "$tmp/out" && pass "-cpu help" || fail "-cpu help" "status $status"

# --- Bad command lines -------------------------------------------------------------------
aout_kernel "$tmp/exit3.bin" '\xb0\x03\xe6\xf4\xf4'
k=$tmp/exit3.bin
usage_error "no arguments" "no kernel" 
usage_error "unknown option" "unknown option '-frobnicate'" -frobnicate -kernel "$k"
usage_error "missing option value" "needs a value" -kernel "$k" -m
usage_error "positional argument" "unexpected argument" disk.img
usage_error "bad -m letters" "-m" -m abc -kernel "$k"
usage_error "bad -m suffix" "-m" -m 12Q -kernel "$k"
usage_error "-m below minimum" "2 MiB" -m 1M -kernel "$k"
usage_error "-m 512K below minimum" "2 MiB" -m 512K -kernel "$k"
usage_error "-m not page multiple" "4 KiB" -m 2049K -kernel "$k"
usage_error "-m negative" "-m" -m -5 -kernel "$k"
usage_error "-m huge" "too large" -m 99999999999T -kernel "$k"
usage_error "-m beyond host" "memory" -m 16000T -kernel "$k"
usage_error "unknown -cpu" "unknown CPU model" -cpu pentium9000 -kernel "$k"
usage_error "bad -cpu feature" "feature" -cpu skylake,+ -kernel "$k"
usage_error "-smp 0" "-smp" -smp 0 -kernel "$k"
usage_error "-smp 65" "-smp" -smp 65 -kernel "$k"
usage_error "-smp junk" "-smp" -smp two -kernel "$k"
usage_error "-smp bad key" "-smp" -smp 2,bogus=1 -kernel "$k"
usage_error "bad -d" "unknown -d category 'bogus'" -d exec,bogus -kernel "$k"
usage_error "bad -serial" "-serial" -serial pty -kernel "$k"
usage_error "-serial unwritable" "-serial" -serial "file:$tmp/no/such/dir/x" -kernel "$k"
usage_error "-D unwritable" "-D" -D "$tmp/no/such/dir/log" -kernel "$k"
usage_error "unknown -device" "unsupported device" -device e1000 -kernel "$k"
usage_error "debug-exit wrong iobase" "iobase" -device isa-debug-exit,iobase=0x501 -kernel "$k"
usage_error "pc-testdev parameters" "pc-testdev takes no parameters" -device pc-testdev,iobase=0xe0 -kernel "$k"
usage_error "-display gtk" "-display" -display gtk -kernel "$k"
usage_error "-machine q35" "-machine" -machine q35 -kernel "$k"
usage_error "bad -icount-limit" "-icount-limit" -icount-limit lots -kernel "$k"
usage_error "bad -seed" "-seed" -seed 0x -kernel "$k"
usage_error "-initrd without -kernel" "need -kernel" -initrd "$k" -flat "$k"
usage_error "-flat-real without -flat" "need -flat" -flat-real -kernel "$k"

# --- Bad images ---------------------------------------------------------------------------
usage_error "missing kernel file" "No such file" -kernel "$tmp/nope.elf"
usage_error "kernel is a directory" "not a regular file" -kernel "$tmp"
: >"$tmp/empty"
usage_error "empty kernel" "no multiboot header" -kernel "$tmp/empty"
head -c 20000 /dev/urandom | tr -d '\002' >"$tmp/random"
usage_error "non-multiboot file" "not a multiboot kernel" -kernel "$tmp/random"
printf "$(le32 0x1BADB002)$(le32 0)$(le32 0)" >"$tmp/badsum"
usage_error "bad checksum" "bad checksum" -kernel "$tmp/badsum"
printf '\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'"$(le32 0x1BADB002)$(le32 0)$(le32 $((0x100000000 - 0x1BADB002)))" >"$tmp/trunc.elf"
usage_error "truncated ELF" "truncated ELF header" -kernel "$tmp/trunc.elf"
usage_error "missing module" "module" -kernel "$k" -initrd "$tmp/nope.mod arg"
usage_error "empty module name" "empty module" -kernel "$k" -initrd ",x"
usage_error "missing flat image" "No such file" -flat "$tmp/nope.bin"
usage_error "flat real above 1 MiB" "1 MiB" -flat "$k" -flat-real -flat-addr 0x200000

# --- Runs ----------------------------------------------------------------------------------
expect_status "debug-exit status" 7 -kernel "$k" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -nographic -display none -m 32M -serial none
expect_status "accepts QEMU extras" 7 -kernel "$k" -machine pc -accel tcg -smp cpus=2,cores=2 \
    -cpu skylake,-pcid,+x2apic -no-reboot -serial stdio -bios bios.bin -L .
aout_kernel "$tmp/loop.bin" '\xeb\xfe'
expect_status "instruction limit" 8 -kernel "$tmp/loop.bin" -icount-limit 1000
aout_kernel "$tmp/halt.bin" '\xfa\xf4'
expect_status "halted with interrupts off" 6 -kernel "$tmp/halt.bin"
# QEMU's pc-testdev: data port 0xe0 and the window at 0xff000000 carry 42 to the exit status.
aout_kernel "$tmp/testdev.bin" '\xb8\x2a\x00\x00\x00\xe7\xe0\x31\xc0\xe5\xe0\xa3\x00\x00\x00\xff\x31\xc0\xa1\x00\x00\x00\xff\xe6\xf4\xf4'
expect_status "-device pc-testdev" 85 -kernel "$tmp/testdev.bin" -device pc-testdev
expect_status "pc-testdev off by default" 255 -kernel "$tmp/testdev.bin"
aout_kernel "$tmp/triple.bin" '\xcc'
expect_status "triple fault with -no-reboot" 4 -kernel "$tmp/triple.bin" -no-reboot
# Reset reboots the kernel (the loader runs again); RAM outside the image survives.
aout_kernel "$tmp/reboot.bin" '\xa1\x00\x00\x20\x00\x85\xc0\x75\x0c\xc7\x05\x00\x00\x20\x00\x01\x00\x00\x00\xcc\xf4\xb0\x05\xe6\xf4\xf4'
expect_status "triple fault reboots the kernel" 11 -kernel "$tmp/reboot.bin"
expect_status "-no-reboot stops instead" 4 -kernel "$tmp/reboot.bin" -no-reboot
printf 'hello' >"$tmp/mod.txt"
expect_status "modules and -append accepted" 7 -kernel "$k" -append "a b" -initrd "$tmp/mod.txt x,$tmp/mod.txt"
run -kernel "$k" -d exec,int -D "$tmp/trace.log"
if [ "$status" -eq 7 ] && grep -q 'mov al, 0x03' "$tmp/trace.log" && grep -q '0008:00100020' "$tmp/trace.log"; then
    pass "-d exec trace"; else fail "-d exec trace" "status $status: $(head -c 300 "$tmp/trace.log" | tr '\n' '|')"; fi
printf '\xb0\x05\xe6\xf4\xf4' >"$tmp/flat.bin"
expect_status "flat binary, real mode" 11 -flat "$tmp/flat.bin" -flat-real
expect_status "flat binary, protected mode" 11 -flat "$tmp/flat.bin"
# mov ecx, 0xdead0001; rdmsr: #GP (then a triple fault, no IDT), named by -d unimp.
printf '\xb9\x01\x00\xad\xde\x0f\x32' >"$tmp/msr.bin"
run -flat "$tmp/msr.bin" -no-reboot -d unimp
if [ "$status" -eq 4 ] && grep -q 'rdmsr 0xdead0001: #GP' "$tmp/err"; then
    pass "-d unimp names a refused MSR"; else fail "-d unimp names a refused MSR" "status $status: $(head -c 300 "$tmp/err" | tr '\n' '|')"; fi
# A Linux setup header ("HdrS" at 0x202) without the boot sector's 0xaa55: a bzImage, damaged.
{ head -c 514 /dev/zero; printf 'HdrS\x0f\x02'; head -c 1024 /dev/zero; } >"$tmp/bz"
usage_error "damaged bzImage" "boot_flag" -kernel "$tmp/bz"

[ "$failures" -eq 0 ]
