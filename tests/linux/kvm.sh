#!/usr/bin/env bash
# tests/linux/kvm.sh [--vp VANDERPOOL] [--cpu MODEL] [--params a=1,b=0] [--smp N]
# [--bzimage] [--l1-vmlinux]: KVM on Vanderpool's VT-x. Debian 12's kernel boots on
# Vanderpool (L1) with an initramfs (scripts/kvm-initramfs.sh) holding Debian's kvm.ko,
# kvm-intel.ko and irqbypass.ko, the project's KVM client (guest/linux/vpkvm.c, built
# static) and two L2 guests: the flat real-mode l2hello and the same kernel, uncompressed
# (and with --bzimage also as the bzImage), with a busybox initramfs (tests/linux/l2-init).
# tests/linux/kvm-init loads kvm-intel with --params (kvm_intel module parameters, e.g.
# ept=0) and runs them.
# --l1-vmlinux boots the L1 from the uncompressed vmlinux through the PVH entry instead of
# the bzImage (names end in -l1-vmlinux); everything else is the same. One
# "PASS name" / "FAIL name: why" line per check; SKIP when the packages cannot be fetched.
# The wall time and guest instructions of the whole chain are printed, not asserted.
# VP_KVM_ARGS adds emulator options (e.g. "-d vmx -D /tmp/vmx.log"); VP_KVM_APPEND adds
# kernel parameters to the L1's and the L2s' command lines (e.g. "cryptomgr.notests").
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
vp=$root/build/rel/vanderpool
cpu=skylake params="" smp=1 bzimage=0 l1=vmlinuz
while [ $# -gt 0 ]; do
    case $1 in
    --vp) vp=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --params) params=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --bzimage) bzimage=1; shift ;;
    --l1-vmlinux) l1=vmlinux; shift ;;
    *) echo "usage: $0 [--vp VANDERPOOL] [--cpu MODEL] [--params a=1,b=0] [--smp N] [--bzimage] [--l1-vmlinux]" >&2; exit 2 ;;
    esac
done
limit=${VP_KVM_TIMEOUT:-900}              # seconds: generous, a test and not a benchmark
icount=${VP_KVM_ICOUNT:-400000000000}     # guest instructions, the same bound for a hang
name=linux/kvm-$cpu${params:+-$(echo "$params" | tr ',=' '-_')}
[ $l1 = vmlinux ] && name=$name-l1-vmlinux

cache=$("$root/scripts/fetch-linux.sh") || { echo "SKIP $name: kernel and busybox not available"; exit 0; }
[ -x "$vp" ] || { echo "FAIL $name/setup: $vp not built"; exit 1; }
tmp=$(mktemp -d /tmp/vp-kvm-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$root/scripts/kvm-initramfs.sh" "$tmp/l1.img" "$root/tests/linux/kvm-init" 2>"$tmp/mk.log"
case $? in
0) ;;
3) echo "SKIP $name: kernel and busybox not available"; exit 0 ;;
*) echo "FAIL $name/initramfs: $(head -2 "$tmp/mk.log" | tr '\n' '|')"; exit 1 ;;
esac

logs=$root/build/linux
mkdir -p "$logs"
log=$logs/$(basename "$name").log
# Made empty first: a run that never opens it must not leave the last run's console to be checked.
: >"$tmp/serial"
t0=$(date +%s.%N)
timeout "$limit" "$vp" -cpu "$cpu" -smp "$smp" -m 1G -kernel "$cache/$l1" -initrd "$tmp/l1.img" \
    -append "console=ttyS0 panic=-1 nokaslr ${VP_KVM_APPEND:-} vpkvm_params=$params vpkvm_bzimage=$bzimage vpkvm_l2extra=$(echo ${VP_KVM_APPEND:-} | tr ' ' ',')" \
    -serial "file:$tmp/serial" \
    -no-reboot -icount-limit "$icount" -stats ${VP_KVM_ARGS:-} >"$tmp/vp.stdout" 2>"$tmp/vp.err"
status=$?
t1=$(date +%s.%N)
tr -d '\r' <"$tmp/serial" >"$log"
cp "$tmp/vp.err" "${log%.log}.stats" # -stats: instructions, VM exits by reason

failures=0
check() { # check NAME PATTERN WHY
    if grep -Eq -- "$2" "$log"; then echo "PASS $name/$1"; else
        echo "FAIL $name/$1: $3"
        failures=$((failures + 1))
    fi
}
check l1-init '^VP-KVM: L1 init started' "L1 did not reach init (status $status); last: $(tail -3 "$log" | tr '\n' '|')"
check insmod '^VP-KVM: insmod kvm-intel status 0 ' "$(grep -m1 'insmod kvm-intel' "$log" || echo 'no insmod line'); $(grep -m1 -i 'kvm' "$log")"
# icelake offers LA57 (CPUID.(7,0):ECX[16]): Debian's kernel, started through its
# decompressor, then runs with 5-level paging, the L1 and a bzImage L2 (under KVM's EPT, or
# its shadow pages with ept=0). An L2 from the vmlinux (vpkvm's 64-bit entry) keeps the
# 4-level tables vpkvm gives it, and so does an L1 through PVH.
levels=4
[ "$cpu" = icelake ] && [ $l1 = vmlinuz ] && levels=5
check l1-paging "^VP-KVM: L1 paging levels $levels\$" "$(grep -m1 'L1 paging levels' "$log" || echo 'no paging line'), want $levels"
check dev-kvm '^VP-KVM: /dev/kvm present$' "no /dev/kvm"
check flat-l2 '^hello from the L2 guest in real mode$' "the flat L2 guest printed nothing"
check flat-l2-status '^VP-KVM: flat L2 status 67 ' "$(grep -m1 'flat L2 status' "$log" || echo 'no status line')"
check linux-l2-init '^VP-L2: init started' "the L2 kernel did not reach its init"
# vpkvm sets the hypervisor bit, as QEMU does: the L2 knows it runs under KVM.
check linux-l2-hypervisor '^VP-L2: init started.*flags hypervisor 1,' \
    "$(grep -m1 '^VP-L2: init started' "$log" || echo 'no L2 init line')"
check linux-l2-paging '^VP-L2: init started.*paging levels 4$' \
    "$(grep -m1 '^VP-L2: init started' "$log" || echo 'no L2 init line'), want 4 levels"
check linux-l2-status '^VP-KVM: linux L2 status 0 ' "$(grep -m1 'linux L2 status' "$log" || echo 'no status line')"
if [ $bzimage = 1 ]; then
    check bzimage-l2-status '^VP-KVM: bzImage L2 status 0 ' \
        "$(grep -m1 'bzImage L2 status' "$log" || echo 'no status line')"
    n=$(grep -c '^VP-L2: init started' "$log")
    if [ "$n" = 2 ]; then echo "PASS $name/bzimage-l2-init"; else
        echo "FAIL $name/bzimage-l2-init: $n L2 inits, want 2 (vmlinux and bzImage)"
        failures=$((failures + 1))
    fi
    l2levels=4
    [ "$cpu" = icelake ] && l2levels=5
    if grep '^VP-L2: init started' "$log" | sed -n 2p | grep -q "paging levels $l2levels\$"; then
        echo "PASS $name/bzimage-l2-paging"
    else
        echo "FAIL $name/bzimage-l2-paging: $(grep '^VP-L2: init started' "$log" | sed -n 2p), want $l2levels levels"
        failures=$((failures + 1))
    fi
fi
check done '^VP-KVM: done$' "no done marker"
if [ $failures -gt 0 ]; then
    echo "    --- serial (last 15 lines; all in $log) ---"
    tail -15 "$log" | sed 's/^/    /'
    tail -3 "$tmp/vp.err" | sed 's/^/    /'
fi
insns=$(sed -n 's/.* \([0-9][0-9]*\) instructions.*/\1/p' "$tmp/vp.err" | head -1)
echo "linux: $name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s (status $status), ${insns:-?} guest instructions"
[ $failures -eq 0 ]
