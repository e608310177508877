# CMake toolchain for the ATmega328P: cmake -DCMAKE_TOOLCHAIN_FILE=<this> ...
# Flags come from targets.json (entry "atmega328p"); add ${MICROFLOW_TARGET_PLATFORM_SOURCES}
# to each firmware executable and run the .elf with tools/simavr_runner (microflow-simavr).
include("${CMAKE_CURRENT_LIST_DIR}/../common/microflow_target.cmake")
microflow_use_target(atmega328p)
