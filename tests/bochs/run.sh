#!/usr/bin/env bash
# run.sh KERNEL.elf SERIAL_OUT [CMDLINE]: boot KERNEL on Bochs (through GRUB) and write
# what the guest printed on COM1 to SERIAL_OUT. Exit 0 when Bochs ran (whatever the
# guest said), 1 when it could not be run. Environment: BOCHS_TIMEOUT (s, default 300),
# BOCHS_CPUS (processors, default 1), BOCHS_MODEL (cpu model, default bochsrc.in's).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1 out=$2 cmdline=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/mkiso.sh" "$kernel" "$work/boot.iso" "$cmdline"
sed -e "s|@ISO@|$work/boot.iso|" -e "s|@SERIAL@|$work/serial.txt|" \
    -e "s|@LOG@|$work/bochs.log|" -e "s|count=1,|count=${BOCHS_CPUS:-1},|" \
    ${BOCHS_MODEL:+-e "s|model=[a-z0-9_]*,|model=$BOCHS_MODEL,|"} \
    "$here/bochsrc.in" >"$work/bochsrc"
echo c >"$work/cmds" # Bochs is built with its debugger: "c" = continue at start
: >"$work/serial.txt"
# The term display needs a tty: script(1) gives it one. The guest ends the simulation
# by writing "Shutdown" to port 0x8900.
(cd "$work" && timeout "${BOCHS_TIMEOUT:-300}" script -q -e -c \
    "bochs -q -f $work/bochsrc -rc $work/cmds" /dev/null >/dev/null 2>&1 </dev/null) || true
if ! grep -q 'Shutdown port' "$work/bochs.log" 2>/dev/null; then
    echo "bochs: $kernel did not shut down cleanly (timeout or panic)" >&2
    tail -5 "$work/bochs.log" >&2 2>/dev/null || true
fi
tr -d '\r' <"$work/serial.txt" >"$out"
