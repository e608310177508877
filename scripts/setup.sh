#!/usr/bin/env bash
# Installs what microflow needs on Debian 12 (idempotent; skips apt when all is present).
#   scripts/setup.sh            host build: compiler tool, runtime and tests
#   scripts/setup.sh --targets  also the microcontroller toolchains and simulators used by
#                               `microflow verify/bench --target` (AVR, Cortex-M, RV32, Xtensa; ~3 GB),
#                               and Debian's Arduino builder for the `export arduino` tests
set -euo pipefail
packages=(
  cmake ninja-build g++ python3
  libflatbuffers-dev flatbuffers-compiler libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev valgrind binutils
  espeak-ng sox                                                       # examples/micro_speech's own clips
)
for arg in "$@"; do
  case "$arg" in
    --targets)
      packages+=(
        gcc                                                               # QEMU plugin / simavr runner
        gcc-avr avr-libc binutils-avr simavr libsimavr-dev libsimavr2     # atmega328p
        gcc-arm-none-eabi libnewlib-arm-none-eabi picolibc-arm-none-eabi qemu-system-arm  # cortex-m*
        gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc              # rv32imc
        gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf                   # xtensa-lx106
        arduino-builder arduino-core-avr arduino-ctags                                      # export arduino tests
        chromium                                                          # report.chromium test (headless)
      ) ;;
    *) echo "usage: $0 [--targets]" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
