# CMake toolchain for the Cortex-M targets:
#   cmake -DCMAKE_TOOLCHAIN_FILE=<this> -DMICROFLOW_CORTEX_M_CPU=cortex-m55 ...
# Flags and memory map come from the targets.json entry of that name; add
# ${MICROFLOW_TARGET_PLATFORM_SOURCES} to each firmware executable.
set(MICROFLOW_CORTEX_M_CPU "cortex-m4" CACHE STRING "Cortex-M target (a targets.json entry)")
set_property(CACHE MICROFLOW_CORTEX_M_CPU PROPERTY STRINGS cortex-m0 cortex-m4 cortex-m7 cortex-m33 cortex-m55)
if(NOT MICROFLOW_CORTEX_M_CPU MATCHES "^cortex-m(0|4|7|33|55)$")
  message(FATAL_ERROR "MICROFLOW_CORTEX_M_CPU must be one of cortex-m0/m4/m7/m33/m55, not '${MICROFLOW_CORTEX_M_CPU}'")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MICROFLOW_CORTEX_M_CPU)  # same core in checks
include("${CMAKE_CURRENT_LIST_DIR}/../common/microflow_target.cmake")
microflow_use_target(${MICROFLOW_CORTEX_M_CPU})
