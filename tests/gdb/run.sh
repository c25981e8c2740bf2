#!/usr/bin/env bash
# run.sh [--vp PATH]: Debian's gdb drives Vanderpool's gdb stub (-gdb tcp::PORT -S) in
# batch mode, and its output is checked line by line: one "PASS x" / "FAIL x: why" per
# check, then "gdb: N passed, N failed"; exit status 1 if anything failed.
#   - protected mode (the cpuid guest test, stopped at its multiboot entry): registers,
#     one stepi, memory, a register write, a software breakpoint, threads with -smp 4, a
#     write watchpoint, continue to the guest's exit;
#   - real mode (a flat image, -flat-real): registers, stepi, a write watchpoint (gdb's
#     "Hardware watchpoint" stop with old and new values), the x87 stack the image loaded
#     (st0 = TOP, `info float`, ftag, fstat) and XMM0 from its MOVAPS; writes to st1,
#     xmm1, mxcsr and fstat (TOP moves) read back after gdb drops its register cache;
#   - the reference hypervisor: `monitor break vmexit 10` stops at the first CPUID exit,
#     `monitor vmx` and `monitor vmcs` describe it, `monitor ept` walks EPT, detach;
#   - physical memory: after the hypervisor's first VM entry, guest memory through guest
#     paging and EPT, and host-physical memory with Qqemu.PhyMemMode:1;
#   - long mode: a breakpoint in the hypervisor's 64-bit half, `disconnect`, a second gdb
#     with the x86-64 description: rip, 64-bit memory, r15 written, xmm15, stepi, ymm15
#     written and read back (xmm15 and ymm15h), detach.
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

# session NAME VP-ARGS... -- GDB-COMMANDS... [-- GDB-COMMANDS...]: the emulator stopped
# under the stub (-S) and gdb connected to it running the commands; each further group of
# commands is another gdb connecting after the previous one left (`disconnect` leaves the
# machine stopped). gdb's output in $out/NAME.gdb (NAME.2.gdb, ... for later ones), the
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
    local n=1 file=$out/$name.gdb
    while :; do
        local cmds=(-batch -nx -ex 'set pagination off' -ex 'set confirm off'
            -ex "target remote 127.0.0.1:$port")
        while [ $# -gt 0 ] && [ "$1" != -- ]; do cmds+=(-ex "$1"); shift; done
        timeout 100 gdb "${cmds[@]}" >"$file" 2>&1 </dev/null
        [ $# -gt 0 ] || break
        shift
        n=$((n + 1)) file=$out/$name.$n.gdb
    done
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

# Real mode: a flat image at 0000:7C00 (-flat-real) that writes a word twice, loads 1 and
# pi on the x87 stack, enables SSE and loads XMM0, then exits through port 0xf4 (status
# 5, gdb's "exited with code 013").
rm=$out/rm.bin
code='b8 34 12 a3 00 05 ff 06 00 05 db e3 d9 e8 d9 eb 0f 20 e0 66 0d 00 02 00 00 0f 22 e0
      0f 28 06 40 7c ba f4 00 b0 05 ee f4'
#     7c00 mov ax,0x1234   7c03 mov [0x500],ax   7c06 inc word [0x500]   7c0a fninit
#     7c0c fld1   7c0e fldpi   7c10 mov eax,cr4   7c13 or eax,0x200 (OSFXSR)
#     7c19 mov cr4,eax   7c1c movaps xmm0,[0x7c40]   7c21 mov dx,0xf4   7c24 mov al,5
#     7c26 out dx,al   7c27 hlt   7c40: bytes 00 11 22 ... ff
{
    for b in $code; do printf "\\x$b"; done
    head -c $((0x40 - $(wc -w <<<"$code"))) /dev/zero
    for b in 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff; do printf "\\x$b"; done
} >"$rm"
session rm -flat "$rm" -flat-real -- \
    'info registers eip cs' 'stepi' 'info registers eip eax' \
    'watch *(short*)0x500' 'continue' 'continue' 'delete' \
    'break *0x7c21' 'continue' 'p $st0' 'p $st1' 'info float' 'p/x $ftag' 'p/x $fstat' \
    'p/x $xmm0.uint128' 'p $mxcsr' \
    'set $st1 = 2.5' 'set $xmm1.v2_int64[0] = 0x0123456789abcdef' \
    'set $xmm1.v2_int64[1] = 0x7edcba9876543210' 'set $mxcsr = 0x9fc0' \
    'set $fstat = 0x3800' 'maint flush register-cache' \
    'p $st0' 'p $st1' 'p/x $xmm1.uint128' 'p/x $mxcsr' 'p/x $fstat' 'continue'
f=$out/rm.gdb
expect rm.stopped_at_entry "$f" '^eip +0x7c00 '
expect rm.cs_zero "$f" '^cs +0x0 '
expect rm.stepi "$f" '^eip +0x7c03 '
expect rm.register_after_step "$f" '^eax +0x1234 '
# The watchpoint: two stops, each with gdb's message and the word's new value, after the
# writing instruction.
grep -A3 '^Hardware watchpoint 1: ' "$f" | tr '\n' ' ' >"$out/rm.watch"
expect rm.watch_first_write "$out/rm.watch" 'Hardware watchpoint 1: \*\(short\*\)0x500 +Old value = 0 +New value = 4660'
expect rm.watch_second_write "$out/rm.watch" 'Old value = 4660 +New value = 4661'
expect rm.watch_stops_after_write "$f" '^0x00007c0a in '
expect rm.breakpoint_hit "$f" '^Breakpoint 2, 0x00007c21'
expect rm.st0_is_top "$f" '^\$1 = 3\.14159265358979323851$'
expect rm.st1 "$f" '^\$2 = 1$'
expect rm.info_float_top "$f" '^=>R6: Valid +0x4000c90fdaa22168c235 \+3\.14159265358979'
expect rm.info_float_r7 "$f" '^  R7: Valid +0x3fff8000000000000000 \+1 '
expect rm.info_float_empty "$f" '^  R5: Empty +0x00000000000000000000'
expect rm.info_float_fip "$f" '^Instruction Pointer: 0x00:0x00007c0e'
expect rm.info_float_fop "$f" '^Opcode: +0xd9eb'
expect rm.ftag_full "$f" '^\$3 = 0xfff$'
expect rm.fstat_top6 "$f" '^\$4 = 0x3000$'
expect rm.xmm0_from_movaps "$f" '^\$5 = 0xffeeddccbbaa99887766554433221100$'
expect rm.mxcsr_reset "$f" '^\$6 = \[ IM DM ZM OM UM PM \]$'
expect rm.fstat_write_moves_top "$f" '^\$7 = 2\.5$'
expect rm.st1_after_top_move "$f" '^\$8 = 0$'
expect rm.xmm1_write "$f" '^\$9 = 0x7edcba98765432100123456789abcdef$'
expect rm.mxcsr_write "$f" '^\$10 = 0x9fc0$'
expect rm.fstat_write "$f" '^\$11 = 0x3800$'
expect rm.runs_to_exit "$f" 'exited with code 013'

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
# The README's example session: every output line it shows (but "...") is in this one's.
awk '/^\$ gdb -batch/ { on = 1; next } on && /^```/ { exit } on && !/^ *-ex / && !/^ *\.\.\.$/' \
    README.md >"$out/readme.lines"
missing=$(grep -vxFf "$out/hv.gdb" "$out/readme.lines" | head -1)
if [ -s "$out/readme.lines" ] && [ -z "$missing" ]; then ok readme.example_session; else bad readme.example_session "README line not in hv.gdb: ${missing:-no example found}"; fi

# Physical memory (QEMU's Qqemu.PhyMemMode): stopped right after the first VM entry, in
# non-root operation, gdb's addresses are the guest's (guest paging, then EPT): 0x100000
# holds lm64.bin. With PhyMemMode:1 the same address is host-physical memory, where the
# hypervisor itself (hv.elf's first segment) is loaded.
hexbytes() { od -An -tx1 -v "$@" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/\([0-9a-f][0-9a-f]\)/0x\1/g; s/ /\\s+/g'; }
gview=$(hexbytes -N8 "$h/lm64.bin")
hoff=$(readelf -lW "$h/hv.elf" | awk '$1 == "LOAD" && $4 == "0x00100000" { print $2; exit }')
hview=$(hexbytes -N8 -j $((hoff)) "$h/hv.elf")
session phys -cpu skylake -kernel "$h/hv.elf" -initrd "$h/lm64.bin name=lm64" -- \
    'monitor break vmentry' 'continue' 'monitor vmx' 'x/8xb 0x100000' \
    'maintenance packet Qqemu.PhyMemMode:1' 'maintenance packet qqemu.PhyMemMode' 'x/8xb 0x100000' \
    'maintenance packet Qqemu.PhyMemMode:0' 'x/8xb 0x100000' 'kill'
f=$out/phys.gdb
grep '^0x100000:' "$f" >"$out/phys.reads"
expect phys.stopped_after_entry "$f" 'VMX non-root operation'
expect phys.no_exit_yet "$f" '^last exit: none yet$'
expect phys.mode_query "$f" 'received: "1"'
expect phys.guest_view "$out/phys.reads" "^0x100000:\s+$gview\$"
if [ "$(sed -n 2p "$out/phys.reads" | grep -Ec "^0x100000:\s+$hview\$")" = 1 ]; then ok phys.host_physical_view; else bad phys.host_physical_view "second read is not hv.elf's bytes at 0x100000 ($hview)"; fi
if [ "$(sed -n 3p "$out/phys.reads" | grep -Ec "^0x100000:\s+$gview\$")" = 1 ]; then ok phys.back_to_guest_view; else bad phys.back_to_guest_view "third read is not lm64.bin's bytes"; fi

# Long mode: the reference hypervisor's 64-bit half (linked at 0x400000, hv.64.elf),
# stopped at its hv_caps_init. The first gdb connected while the processor was in
# protected mode and has the i386 description: it runs to the breakpoint and disconnects,
# leaving the machine stopped; the second gdb gets the x86-64 description.
e=$gb/guest/obj/guest/hv/hv.64.elf
a=$(nm "$e" 2>/dev/null | awk '$3 == "hv_caps_init" { print $1 }')
if [ -z "$a" ]; then
    bad lm.symbol "no hv_caps_init in $e"
else
    a=$(printf '0x%x' $((0x$a)))
    want=$(od -An -tx8 -j $((a - 0x400000)) -N8 "$gb/guest/obj/guest/hv/hv.64.bin" | tr -d ' ')
    session lm -cpu skylake -kernel "$h/hv.elf" -initrd "$h/lm64.bin name=lm64" -- \
        "break *$a" 'continue' 'info registers eip' 'disconnect' -- \
        'info registers rip cs efer' "x/gx $a" 'set $old = $r15' 'set $r15 = 0x123456789abcdef0' \
        'info registers r15' 'set $r15 = $old' 'p/x $xmm15.uint128' 'stepi' 'info registers rip' \
        'set $ymm15.v8_int32[7] = 0x1234abcd' 'set $ymm15.v8_int32[0] = 0x55' \
        'maintenance flush register-cache' 'p/x $ymm15.v8_int32' 'p/x $ymm15h' 'p/x $xmm15.v4_int32' \
        'set $ymm15.v8_int32[7] = 0' 'set $ymm15.v8_int32[0] = 0' 'detach'
    f=$out/lm.gdb f2=$out/lm.2.gdb
    expect lm.breakpoint_hit "$f" "^Breakpoint 1, $(printf '0x%08x' $((a)))"
    expect lm.first_gdb_i386 "$f" "^eip +$a "
    expect lm.stays_stopped "$f2" "^$(printf '0x%016x' $((a))) in "
    expect lm.rip "$f2" "^rip +$a "
    expect lm.cs64 "$f2" '^cs +0x30 '
    expect lm.efer_lma "$f2" '^efer +0x5'
    expect lm.memory64 "$f2" "^$a:"$'\t'"0x$want\$"
    expect lm.register_write64 "$f2" '^r15 +0x123456789abcdef0 '
    expect lm.xmm15 "$f2" '^\$1 = 0x0$'
    expect lm.stepi "$f2" "^rip +$(printf '0x%x' $((a + 1))) "
    # AVX: $ymm15 is gdb's pseudo register over xmm15 and ymm15h (the avx feature).
    expect lm.ymm15_write_read "$f2" '^\$2 = \{0x55, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x1234abcd\}$'
    expect lm.ymm15h "$f2" '^\$3 = 0x1234abcd000000000000000000000000$'
    expect lm.ymm15_low_is_xmm15 "$f2" '^\$4 = \{0x55, 0x0, 0x0, 0x0\}$'
    expect lm.guest_finishes_after_detach "$out/lm.serial" 'hv: done'
fi

echo "gdb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
