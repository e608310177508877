# CMake toolchain for the Xtensa LX106 (ESP8266, run on qemu-system-xtensa -M sim -cpu lx106):
#   cmake -DCMAKE_TOOLCHAIN_FILE=<this> ...
# Flags, linker script (xtensa-lx106.ld: 1 MB flash window, 80 KB DRAM) and picolibc specs come
# from targets.json (entry "xtensa-lx106"); add ${MICROFLOW_TARGET_PLATFORM_SOURCES}
# (xtensa/platform_xtensa.cpp: entry, vectors, console, exit, libgcc helpers;
# xtensa/soft_float_lx106.cpp: the float helpers libgcc lacks) to each firmware.
include("${CMAKE_CURRENT_LIST_DIR}/../common/microflow_target.cmake")
microflow_use_target(xtensa-lx106)
