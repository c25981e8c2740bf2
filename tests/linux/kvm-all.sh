#!/usr/bin/env bash
# kvm-all.sh [--vp VANDERPOOL] [-j N]: tests/linux/kvm.sh on every configuration the issue
# asks for, N at a time (default 2): KVM with EPT and unrestricted guest (skylake), without
# EPT (shadow paging; kvm-intel then drops unrestricted guest too), with EPT but without
# unrestricted guest (real mode in virtual-8086 mode), and on the westmere, icelake and core2
# models (core2 has neither EPT nor unrestricted guest nor VPID; icelake has LA57, so its L1
# and its bzImage L2 run with 5-level paging). The skylake and icelake runs also boot the L2
# from the bzImage, the others from the uncompressed vmlinux only. Their PASS/FAIL/SKIP
# lines in order, then each run's time and instruction count.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
vp=$root/build/rel/vanderpool jobs=2
while [ $# -gt 0 ]; do
    case $1 in
    --vp) vp=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    *) echo "usage: $0 [--vp VANDERPOOL] [-j N]" >&2; exit 2 ;;
    esac
done
configs=(
    "--cpu skylake --bzimage"
    "--cpu skylake --params ept=0"
    "--cpu skylake --params unrestricted_guest=0"
    "--cpu westmere"
    "--cpu icelake --bzimage"
    "--cpu core2"
)
tmp=$(mktemp -d /tmp/vp-kvm-all-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
k=0
for cfg in "${configs[@]}"; do
    # shellcheck disable=SC2086 # cfg is a list of options
    "$root/tests/linux/kvm.sh" --vp "$vp" $cfg >"$tmp/$k.out" 2>&1 &
    k=$((k + 1))
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
status=0
for ((n = 0; n < k; n++)); do
    grep -E '^(PASS|FAIL|SKIP) |^    ' "$tmp/$n.out"
    grep -q '^FAIL' "$tmp/$n.out" && status=1
    # A run that was killed or died says nothing more: that is a failure too.
    if ! grep -qE '^linux: |^SKIP ' "$tmp/$n.out"; then
        echo "FAIL linux/kvm ${configs[$n]}: no result (killed?); last: $(tail -2 "$tmp/$n.out" | tr '\n' '|')"
        status=1
    fi
done
for ((n = 0; n < k; n++)); do grep '^linux: ' "$tmp/$n.out"; done
exit $status
