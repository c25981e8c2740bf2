#!/usr/bin/env bash
# tests/linux/kvm.sh [--vp VANDERPOOL] [--cpu MODEL] [--params a=1,b=0] [--smp N]: KVM on
# Vanderpool's VT-x. Debian 12's kernel boots on Vanderpool (L1) with an initramfs holding
# Debian's kvm.ko, kvm-intel.ko and irqbypass.ko, the project's KVM client (guest/linux/
# vpkvm.c, built static here) and two L2 guests: the flat real-mode l2hello and the same
# kernel with a busybox initramfs (tests/linux/l2-init). tests/linux/kvm-init loads
# kvm-intel with --params (kvm_intel module parameters, e.g. ept=0) and runs both. One
# "PASS name" / "FAIL name: why" line per check; SKIP when the packages cannot be fetched.
# The wall time and guest instructions of the whole chain are printed, not asserted.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
vp=$root/build/rel/vanderpool
cpu=skylake params="" smp=1
while [ $# -gt 0 ]; do
    case $1 in
    --vp) vp=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --params) params=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    *) echo "usage: $0 [--vp VANDERPOOL] [--cpu MODEL] [--params a=1,b=0] [--smp N]" >&2; exit 2 ;;
    esac
done
limit=${VP_KVM_TIMEOUT:-900}              # seconds: generous, a test and not a benchmark
icount=${VP_KVM_ICOUNT:-400000000000}     # guest instructions, the same bound for a hang
name=linux/kvm-$cpu${params:+-$(echo "$params" | tr ',=' '-_')}

cache=$("$root/scripts/fetch-linux.sh") || { echo "SKIP $name: kernel and busybox not available"; exit 0; }
for m in irqbypass kvm kvm-intel; do
    [ -s "$cache/modules/$m.ko" ] || { echo "SKIP $name: no $m.ko in $cache/modules"; exit 0; }
done
[ -x "$vp" ] || { echo "FAIL $name/setup: $vp not built"; exit 1; }
tmp=$(mktemp -d /tmp/vp-kvm-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The KVM client and the flat L2 guest.
gcc -O2 -static -Wall -o "$tmp/vpkvm" "$root/guest/linux/vpkvm.c" 2>"$tmp/cc.log" &&
    gcc -c -m32 -o "$tmp/l2hello.o" "$root/guest/linux/l2hello.S" 2>>"$tmp/cc.log" &&
    ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$tmp/l2hello.bin" "$tmp/l2hello.o" 2>>"$tmp/cc.log" ||
    { echo "FAIL $name/build: $(head -3 "$tmp/cc.log" | tr '\n' '|')"; exit 1; }

# initramfs DIR INIT OUT: busybox and an /init, plus whatever DIR holds already.
initramfs() {
    mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/lib"
    cp "$cache/busybox" "$1/bin/busybox"
    cp "$2" "$1/init"
    chmod 755 "$1/init" "$1/bin/busybox"
    (cd "$1" && find . | LC_ALL=C sort | "$cache/busybox" cpio -o -H newc 2>/dev/null) | gzip -6 >"$3"
}
initramfs "$tmp/l2" "$root/tests/linux/l2-init" "$tmp/l2.img"
mkdir -p "$tmp/l1/lib"
cp "$cache"/modules/{irqbypass,kvm,kvm-intel}.ko "$tmp/l1/lib/"
cp "$tmp/vpkvm" "$tmp/l2hello.bin" "$tmp/l2.img" "$tmp/l1/"
cp "$cache/vmlinuz" "$tmp/l1/vmlinuz"
initramfs "$tmp/l1" "$root/tests/linux/kvm-init" "$tmp/l1.img"

logs=$root/build/linux
mkdir -p "$logs"
log=$logs/$(basename "$name").log
t0=$(date +%s.%N)
timeout "$limit" "$vp" -cpu "$cpu" -smp "$smp" -m 1G -kernel "$cache/vmlinuz" -initrd "$tmp/l1.img" \
    -append "console=ttyS0 panic=-1 nokaslr vpkvm_params=$params" -serial "file:$tmp/serial" \
    -no-reboot -icount-limit "$icount" -stats >"$tmp/vp.stdout" 2>"$tmp/vp.err"
status=$?
t1=$(date +%s.%N)
tr -d '\r' <"$tmp/serial" >"$log"

failures=0
check() { # check NAME PATTERN WHY
    if grep -Eq -- "$2" "$log"; then echo "PASS $name/$1"; else
        echo "FAIL $name/$1: $3"
        failures=$((failures + 1))
    fi
}
check l1-init '^VP-KVM: L1 init started' "L1 did not reach init (status $status); last: $(tail -3 "$log" | tr '\n' '|')"
check insmod '^VP-KVM: insmod kvm-intel status 0$' "$(grep -m1 'insmod kvm-intel' "$log" || echo 'no insmod line'); $(grep -m1 -i 'kvm' "$log")"
check dev-kvm '^VP-KVM: /dev/kvm present$' "no /dev/kvm"
check flat-l2 '^hello from the L2 guest in real mode$' "the flat L2 guest printed nothing"
check flat-l2-status '^VP-KVM: flat L2 status 67$' "$(grep -m1 'flat L2 status' "$log" || echo 'no status line')"
check linux-l2-init '^VP-L2: init started' "the L2 kernel did not reach its init"
check linux-l2-status '^VP-KVM: linux L2 status 0$' "$(grep -m1 'linux L2 status' "$log" || echo 'no status line')"
check done '^VP-KVM: done$' "no done marker"
if [ $failures -gt 0 ]; then
    echo "    --- serial (last 15 lines; all in $log) ---"
    tail -15 "$log" | sed 's/^/    /'
    tail -3 "$tmp/vp.err" | sed 's/^/    /'
fi
insns=$(sed -n 's/.* \([0-9][0-9]*\) instructions.*/\1/p' "$tmp/vp.err" | head -1)
echo "linux: $name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s (status $status), ${insns:-?} guest instructions"
[ $failures -eq 0 ]
