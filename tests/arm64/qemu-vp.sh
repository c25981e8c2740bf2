#!/bin/sh
# qemu-vp.sh ARGS...: run the arm64 build of Vanderpool (VP_ARM64, default
# build/arm64/vanderpool) under qemu-user, so it can stand where run.sh wants a binary.
exec qemu-aarch64 -L /usr/aarch64-linux-gnu "${VP_ARM64:-build/arm64/vanderpool}" "$@"
