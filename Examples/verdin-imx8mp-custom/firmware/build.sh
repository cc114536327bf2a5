#!/usr/bin/env bash
# Builds the example's M7 firmware stub (app.elf) with clang and ld.lld, which the Swift toolchain ships.
# Usage: firmware/build.sh [OUT.elf]   (default: app.elf beside this script)
# The output is deterministic (no timestamps, no build ID, no debug information), so the checked-in app.elf is
# exactly what this script writes; dtlint's tests use this file (their manifests name it rpmsg-m7.elf).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(cd "$(dirname "${1:-$here/app.elf}")" && pwd)/$(basename "${1:-app.elf}")"
cc="${CC:-clang}"
ld="${LD:-ld.lld}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
flags=(--target=armv7em-none-eabihf -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -ffreestanding -fno-builtin -nostdlib
  -Os -g0 -fno-ident -ffunction-sections -fdata-sections -Wall -Wextra -Werror)
cd "$here"
for c in main.c pin_mux.c rsc_table.c; do
  "$cc" "${flags[@]}" -c "$c" -o "$tmp/${c%.c}.o"
done
"$ld" -T app.ld --gc-sections --build-id=none --nmagic -o "$tmp/app.elf" "$tmp/main.o" "$tmp/pin_mux.o" "$tmp/rsc_table.o"
mv "$tmp/app.elf" "$out"
