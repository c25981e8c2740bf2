#!/usr/bin/env bash
# mkcpio.sh DIR: DIR as a newc cpio archive on stdout, byte for byte the same for the same
# files on every run: names sorted, mtimes 0, owner root, and inode and device numbers
# renumbered (GNU cpio's --reproducible). The kernel's unpacker hashes inode numbers and
# the decompressor's work depends on every byte, so an archive that changed with the
# temporary directory made each boot retire a different number of instructions.
set -euo pipefail
cd "$1"
find . -exec touch -h -d @0 {} +
find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet
