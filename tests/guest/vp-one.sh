#!/usr/bin/env bash
# vp-one.sh VANDERPOOL KERNEL.elf OUTDIR [RUN]: boot KERNEL on Vanderpool the way QEMU would
# (-kernel, -serial stdio, -no-reboot) and keep its serial output and exit status as
# OUTDIR/RUN.* (RUN: the test name, or TEST@MODEL for a per-model run, see options.txt).
set -uo pipefail
vp=$1 kernel=$2 outdir=$3
name=${4:-$(basename "$kernel" .elf)}
mkdir -p "$outdir"
smp=$("$(dirname "$0")/test-smp.sh" "$name")
# A per-test cpu=SPEC (options.txt) becomes -cpu SPEC, e.g. to switch VMX on.
cpu=$("$(dirname "$0")/test-smp.sh" "$name" cpu)
# A per-test device=NAME becomes -device NAME, e.g. pc-testdev.
dev=$("$(dirname "$0")/test-smp.sh" "$name" device)
timeout "${VP_TIMEOUT:-60}" "$vp" -kernel "$kernel" -smp "$smp" ${cpu:+-cpu "$cpu"} ${dev:+-device "$dev"} -serial stdio -no-reboot \
    >"$outdir/$name.txt" 2>"$outdir/$name.err" </dev/null
echo $? >"$outdir/$name.status"
