#!/usr/bin/env bash
# run.sh [--vp PATH]: Debian's gdb drives Vanderpool's gdb stub (-gdb tcp::PORT -S) in
# batch mode, and its output is checked line by line: one "PASS x" / "FAIL x: why" per
# check, then "gdb: N passed, N failed"; exit status 1 if anything failed.
#   - protected mode (the cpuid guest test, stopped at its multiboot entry): registers,
#     one stepi, memory, a register write, a software breakpoint, threads with -smp 4, a
#     write watchpoint, continue to the guest's exit;
#   - the reference hypervisor: `monitor break vmexit 10` stops at the first CPUID exit,
#     `monitor vmx` and `monitor vmcs` describe it, `monitor ept` walks EPT, detach.
# GUEST_BUILD (default build/guest) holds the guests; output goes to GDB_RESULTS.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
vp=build/rel/vanderpool
while [ $# -gt 0 ]; do
    case $1 in
    --vp) vp=$2; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
gb=${GUEST_BUILD:-build/guest}
out=${GDB_RESULTS:-build/gdb-results}
mkdir -p "$out"
pass=0 fail=0
ok() { echo "PASS gdb/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL gdb/$1: $2"; fail=$((fail + 1)); }
if ! command -v gdb >/dev/null; then
    echo "SKIP gdb: no gdb (scripts/deps.sh installs it)"
    echo "gdb: 0 passed, 0 failed"
    exit 0
fi
make -s BUILD="$gb" guest-tests hv >/dev/null 2>&1 || { bad build "make guest-tests hv"; echo "gdb: $pass passed, $fail failed"; exit 1; }

# A free TCP port: the kernel picks one for a socket that is closed again at once.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# session NAME VP-ARGS... -- GDB-COMMANDS...: the emulator stopped under the stub (-S)
# and gdb connected to it running the commands; gdb's output in $out/NAME.gdb, the
# emulator's in $out/NAME.vp, the guest's serial output in $out/NAME.serial.
session() {
    local name=$1 port
    shift
    local args=()
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    shift
    port=$(free_port)
    timeout 120 "$vp" "${args[@]}" -serial file:"$out/$name.serial" -no-reboot \
        -gdb tcp::"$port" -S >"$out/$name.vp" 2>&1 &
    local pid=$!
    for _ in $(seq 50); do # until the stub listens
        grep -q 'waiting for gdb' "$out/$name.vp" 2>/dev/null && break
        sleep 0.1
    done
    local cmds=(-batch -nx -ex 'set pagination off' -ex 'set confirm off'
        -ex "target remote 127.0.0.1:$port")
    for c in "$@"; do cmds+=(-ex "$c"); done
    timeout 100 gdb "${cmds[@]}" >"$out/$name.gdb" 2>&1 </dev/null
    wait "$pid" 2>/dev/null
    true
}
# expect NAME FILE REGEX: a line of FILE matches REGEX.
expect() {
    if grep -Eq -- "$3" "$2"; then ok "$1"; else bad "$1" "no line matching /$3/ in $2"; fi
}

k=$gb/guest/tests/cpuid.elf
session pm -kernel "$k" -- \
    'info registers eip cs' 'stepi' 'info registers eip' 'x/2xb 0x100000' \
    'set $eax = 0x12345678' 'info registers eax' 'break *0x100012' 'continue' 'info registers eip' \
    'delete' 'continue'
f=$out/pm.gdb
expect pm.stopped_at_entry "$f" '^eip +0x10000c '
expect pm.cs_flat_code "$f" '^cs +0x8 '
expect pm.stepi "$f" '^eip +0x10000d '
expect pm.memory "$f" '^0x100000:'
expect pm.register_write "$f" '^eax +0x12345678 '
expect pm.breakpoint_hit "$f" '^Breakpoint 1, 0x00100012'
expect pm.runs_to_exit "$f" 'exited with code'

session smp -smp 4 -kernel "$gb/guest/tests/smp.elf" -- 'info threads' 'thread 3' 'info registers eip' 'kill'
f=$out/smp.gdb
expect smp.four_threads "$f" '^ +4 +Thread 4'
expect smp.thread_switch "$f" 'Switching to thread 3'

h=$gb/guest/hv
session hv -cpu skylake -kernel "$h/hv.elf" -initrd "$h/lm64.bin name=lm64" -- \
    'monitor break vmexit 10' 'continue' 'monitor vmx' 'monitor vmcs' 'monitor ept 0x100000' \
    'monitor break none' 'detach'
f=$out/hv.gdb
expect hv.break_vmexit_armed "$f" 'stop at VM exits with reason 10 \(CPUID\)'
expect hv.stopped_at_cpuid_exit "$f" 'VM exit 10 \(CPUID\)'
expect hv.vmx_root "$f" 'VMX root operation'
expect hv.vmx_last_exit "$f" 'last exit: reason 10 \(CPUID\)'
expect hv.vmcs_exit_reason "$f" '^VM_EXIT_REASON +0xa \(CPUID\)'
expect hv.vmcs_controls_decoded "$f" '^SECONDARY_VM_EXEC_CONTROL .*<EPT'
expect hv.ept_walk "$f" 'EPT|ept'
expect hv.guest_finishes_after_detach "$out/hv.serial" 'hv: done'

echo "gdb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
