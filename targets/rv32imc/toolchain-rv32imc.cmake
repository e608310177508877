# CMake toolchain for RV32IMC (ESP32-C3 class, run on QEMU virt): cmake -DCMAKE_TOOLCHAIN_FILE=<this> ...
# Flags come from targets.json (entry "rv32imc"); the platform glue is the shared
# common/platform_picolibc.cpp (${MICROFLOW_TARGET_PLATFORM_SOURCES}).
include("${CMAKE_CURRENT_LIST_DIR}/../common/microflow_target.cmake")
microflow_use_target(rv32imc)
