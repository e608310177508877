# Turns one entry of targets/targets.json into CMake toolchain settings, so that CMake builds
# of firmware use exactly the flags `microflow verify/bench` use. Included by the
# toolchain-*.cmake files; after project() the including build sees:
#   MICROFLOW_TARGET                    the targets.json name
#   MICROFLOW_TARGETS_DIR               this targets/ folder
#   MICROFLOW_TARGET_PLATFORM_SOURCES   platform glue to add to every firmware executable
#   MICROFLOW_TARGET_INCLUDE_DIRS       where platform.h lives
#   MICROFLOW_TARGET_SIZE_TOOL, MICROFLOW_TARGET_NM_TOOL
# Optimisation comes from targets.json (-Os/-O2), so the per-build-type flags are emptied.
if(CMAKE_VERSION VERSION_LESS 3.19)
  message(FATAL_ERROR "microflow targets need CMake >= 3.19 (string(JSON))")
endif()
get_filename_component(MICROFLOW_TARGETS_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

# _mf_json_list(<out> <json-array>): JSON array of strings -> CMake list
function(_mf_json_list out array)
  string(JSON n LENGTH "${array}")
  set(items "")
  if(n GREATER 0)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${last})
      string(JSON item GET "${array}" ${i})
      list(APPEND items "${item}")
    endforeach()
  endif()
  set(${out} "${items}" PARENT_SCOPE)
endfunction()

macro(microflow_use_target _mf_name)
  file(READ "${MICROFLOW_TARGETS_DIR}/targets.json" _mf_doc)
  string(JSON _mf_t ERROR_VARIABLE _mf_err GET "${_mf_doc}" "${_mf_name}")
  if(_mf_err)
    message(FATAL_ERROR "microflow: no target '${_mf_name}' in ${MICROFLOW_TARGETS_DIR}/targets.json")
  endif()
  string(JSON _mf_family GET "${_mf_t}" family)
  string(JSON _mf_cxx GET "${_mf_t}" cxx)
  string(JSON _mf_arr GET "${_mf_t}" cflags)
  _mf_json_list(_mf_cflags "${_mf_arr}")
  string(JSON _mf_arr GET "${_mf_t}" ldflags)
  _mf_json_list(_mf_ldflags "${_mf_arr}")
  string(JSON _mf_arr GET "${_mf_t}" platform_sources)
  _mf_json_list(_mf_sources "${_mf_arr}")
  string(JSON _mf_arr GET "${_mf_t}" include_dirs)
  _mf_json_list(_mf_includes "${_mf_arr}")

  set(MICROFLOW_TARGET "${_mf_name}")
  set(CMAKE_SYSTEM_NAME Generic)
  if(_mf_family STREQUAL "avr")
    set(CMAKE_SYSTEM_PROCESSOR avr)
  elseif(_mf_family STREQUAL "cortex-m")
    set(CMAKE_SYSTEM_PROCESSOR arm)
  elseif(_mf_family STREQUAL "xtensa")
    set(CMAKE_SYSTEM_PROCESSOR xtensa)
  else()
    set(CMAKE_SYSTEM_PROCESSOR riscv32)
  endif()
  # The C++ driver may be plain gcc (arm/riscv: g++ would add -lstdc++, which isn't installed).
  set(CMAKE_CXX_COMPILER "${_mf_cxx}")
  string(REGEX REPLACE "g\\+\\+$" "gcc" CMAKE_C_COMPILER "${_mf_cxx}")
  # {targets_dir} in a flag (e.g. the Xtensa linker script) is this folder.
  list(TRANSFORM _mf_cflags REPLACE "{targets_dir}" "${MICROFLOW_TARGETS_DIR}")
  list(TRANSFORM _mf_ldflags REPLACE "{targets_dir}" "${MICROFLOW_TARGETS_DIR}")
  list(JOIN _mf_cflags " " CMAKE_CXX_FLAGS_INIT)
  list(FILTER _mf_cflags EXCLUDE REGEX "^-std=c\\+\\+|^-fno-rtti$|^-fno-threadsafe-statics$")
  list(JOIN _mf_cflags " " CMAKE_C_FLAGS_INIT)
  list(JOIN _mf_ldflags " " CMAKE_EXE_LINKER_FLAGS_INIT)
  foreach(_mf_lang C CXX)
    foreach(_mf_cfg DEBUG RELEASE MINSIZEREL RELWITHDEBINFO)
      set(CMAKE_${_mf_lang}_FLAGS_${_mf_cfg}_INIT "")
    endforeach()
  endforeach()
  set(CMAKE_EXECUTABLE_SUFFIX_CXX .elf)
  set(CMAKE_EXECUTABLE_SUFFIX_C .elf)
  set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # no crt/semihosting link during checks
  set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

  set(MICROFLOW_TARGET_PLATFORM_SOURCES "")
  foreach(_mf_s IN LISTS _mf_sources)
    list(APPEND MICROFLOW_TARGET_PLATFORM_SOURCES "${MICROFLOW_TARGETS_DIR}/${_mf_s}")
  endforeach()
  set(MICROFLOW_TARGET_INCLUDE_DIRS "")
  foreach(_mf_s IN LISTS _mf_includes)
    list(APPEND MICROFLOW_TARGET_INCLUDE_DIRS "${MICROFLOW_TARGETS_DIR}/${_mf_s}")
  endforeach()
  string(JSON MICROFLOW_TARGET_SIZE_TOOL GET "${_mf_t}" size_tool)
  string(JSON MICROFLOW_TARGET_NM_TOOL GET "${_mf_t}" nm_tool)
endmacro()
