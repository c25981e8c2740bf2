#!/usr/bin/env bash
# vp-one.sh VANDERPOOL KERNEL.elf OUTDIR [RUN]: boot KERNEL on Vanderpool the way QEMU would
# (-kernel, -serial stdio, -no-reboot) and keep its serial output and exit status as
# OUTDIR/RUN.* (RUN: the test name, or TEST@MODEL / TEST@tlb-MODE for a per-model or
# per-TLB-mode run, see options.txt).
set -uo pipefail
vp=$1 kernel=$2 outdir=$3
name=${4:-$(basename "$kernel" .elf)}
mkdir -p "$outdir"
smp=$("$(dirname "$0")/test-smp.sh" "$name")
# A per-test cpu=SPEC (options.txt) becomes -cpu SPEC, e.g. to switch VMX on.
cpu=$("$(dirname "$0")/test-smp.sh" "$name" cpu)
# A per-test device=NAME becomes -device NAME, e.g. pc-testdev.
dev=$("$(dirname "$0")/test-smp.sh" "$name" device)
# A per-test tlb=MODE becomes -tlb MODE, and the kernel's command line says tlb=MODE so the
# test knows which stale translations to expect.
tlb=$("$(dirname "$0")/test-smp.sh" "$name" tlb)
timeout "${VP_TIMEOUT:-60}" "$vp" -kernel "$kernel" -smp "$smp" ${cpu:+-cpu "$cpu"} ${dev:+-device "$dev"} \
    ${tlb:+-tlb "$tlb" -append "tlb=$tlb"} -serial stdio -no-reboot \
    >"$outdir/$name.txt" 2>"$outdir/$name.err" </dev/null
echo $? >"$outdir/$name.status"
