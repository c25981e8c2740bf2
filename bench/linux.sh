#!/usr/bin/env bash
# linux.sh (the last part of `make bench`): Debian 12's kernel and busybox initramfs to
# init and power-off on Vanderpool and on QEMU's TCG (tests/linux/run.sh, the same kernel,
# initramfs and command line on both), then the KVM chain on Vanderpool (tests/linux/
# kvm.sh: L1 boot, kvm-intel, a flat L2 guest, an L2 Linux to its init, power-off) with its
# guest instruction count; then the same kernel uncompressed through the PVH entry
# (-kernel vmlinux, no decompressor) on both, and the KVM chain with its L1 booted that way,
# once as it is and once without the guests' crypto self-tests (VP_KVM_APPEND).
# Wall times of whole runs, one after the other; nothing fails.
# Environment: VP (default build/rel/vanderpool), BENCH_OUT (default bench/out).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vp=${VP:-$root/build/rel/vanderpool}
out=${BENCH_OUT:-$root/bench/out}
mkdir -p "$out"
echo "Linux: booting Debian's kernel to its init on Vanderpool and QEMU TCG, then KVM on Vanderpool..."
"$root/tests/linux/run.sh" --vp "$vp" --smp 1 --reboot-smp "" --pvh-smp 1 >"$out/linux.txt" 2>&1
"$root/tests/linux/kvm.sh" --vp "$vp" >"$out/kvm.txt" 2>&1
"$root/tests/linux/kvm.sh" --vp "$vp" --l1-vmlinux >"$out/kvm-l1-vmlinux.txt" 2>&1
# The same without the guests' crypto self-tests (Debian's kernel runs them at every boot;
# RSA and DH with large keys are most of them): what the chain costs beyond that work.
VP_KVM_APPEND=cryptomgr.notests "$root/tests/linux/kvm.sh" --vp "$vp" --l1-vmlinux >"$out/kvm-notests.txt" 2>&1
# secs LABEL FILE / insns LABEL FILE: the wall time and the guest instructions on a run's
# "linux: LABEL S s ..., N guest instructions" line (LABEL a sed pattern).
secs() { sed -n "s/^linux: $1 \([0-9.]*\) s.*/\1/p" "$2"; }
insns() { sed -n "s/^linux: $1 .*, \([0-9]*\) guest instructions/\1/p" "$2"; }
vps=$(secs 'vp -smp 1:' "$out/linux.txt")
vpi=$(insns 'vp -smp 1:' "$out/linux.txt")
qs=$(secs 'qemu tcg -smp 1:' "$out/linux.txt")
ps=$(secs 'vp pvh -smp 1:' "$out/linux.txt")
pi=$(insns 'vp pvh -smp 1:' "$out/linux.txt")
qps=$(secs 'qemu tcg pvh -smp 1:' "$out/linux.txt")
kvm='linux\/kvm-[^ ]*'
ks=$(secs "$kvm" "$out/kvm.txt")
ki=$(insns "$kvm" "$out/kvm.txt")
kps=$(secs "$kvm" "$out/kvm-l1-vmlinux.txt")
kpi=$(insns "$kvm" "$out/kvm-l1-vmlinux.txt")
kns=$(secs "$kvm" "$out/kvm-notests.txt")
kni=$(insns "$kvm" "$out/kvm-notests.txt")
grep -q '^FAIL' "$out/linux.txt" "$out/kvm.txt" "$out/kvm-l1-vmlinux.txt" "$out/kvm-notests.txt" &&
    echo "  (some runs failed: see $out/linux.txt, $out/kvm.txt, $out/kvm-l1-vmlinux.txt, $out/kvm-notests.txt)"
awk -v vs="$vps" -v vi="$vpi" -v qs="$qs" -v ks="$ks" -v ki="$ki" \
    -v ps="$ps" -v pi="$pi" -v qps="$qps" -v kps="$kps" -v kpi="$kpi" -v kns="$kns" -v kni="$kni" '
function num(x) { return x ~ /^[0-9.]+$/ }
BEGIN {
    printf "Linux to init and power-off   Vanderpool %s s (%s guest instructions)", num(vs) ? vs : "-", num(vi) ? vi : "?"
    if (num(qs)) printf ", QEMU TCG %s s, Vanderpool/QEMU speed %.2fx", qs, (num(vs) && vs > 0) ? qs / vs : 0
    printf "\n"
    printf "KVM chain (L1 boot, kvm-intel, flat L2, L2 Linux from vmlinux to init, power-off): %s s, %s guest instructions\n",
        num(ks) ? ks : "-", num(ki) ? ki : "?"
    printf "Linux through PVH (vmlinux)   Vanderpool %s s (%s guest instructions)", num(ps) ? ps : "-", num(pi) ? pi : "?"
    if (num(qps)) printf ", QEMU TCG %s s, Vanderpool/QEMU speed %.2fx", qps, (num(ps) && ps > 0) ? qps / ps : 0
    printf "\n"
    printf "KVM chain, L1 booted through PVH from vmlinux: %s s, %s guest instructions\n",
        num(kps) ? kps : "-", num(kpi) ? kpi : "?"
    printf "The same with cryptomgr.notests (no crypto self-tests in L1 and L2): %s s, %s guest instructions\n",
        num(kns) ? kns : "-", num(kni) ? kni : "?"
}' | tee "$out/linux-summary.txt"
