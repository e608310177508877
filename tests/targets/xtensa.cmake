# Xtensa LX106 (ESP8266) target tests (included from tests/targets/CMakeLists.txt):
#   targets.xtensa-lx106.{smoke,fc,depthwise,toolchain}  as for the other targets (label targets)
#   targets.xtensa-lx106.flash                 flash.h on the chip: every size/offset/page size
#                                              read right; a direct byte load from flash faults
#   golden.xtensa-lx106.<model>                `microflow verify --target xtensa-lx106`,
#                                              bit-exact (labels golden, mcu)
# Skipped with the reason when the toolchain, picolibc, QEMU or the plugins are missing
# (scripts/setup.sh --targets installs gcc-xtensa-lx106 binutils-xtensa-lx106
# picolibc-xtensa-lx106-elf qemu-system-misc).


set(_mf_xt_picolibc /usr/lib/xtensa-lx106-elf/picolibc.specs)  # the path targets.json uses
set(_mf_xt_missing "")
foreach(program xtensa-lx106-elf-gcc qemu-system-xtensa)
  find_program(_mf_found_${program} ${program})
  if(NOT _mf_found_${program})
    string(APPEND _mf_xt_missing " ${program}")
  endif()
endforeach()
if(NOT EXISTS ${_mf_xt_picolibc})
  string(APPEND _mf_xt_missing " picolibc-xtensa-lx106-elf")
endif()
foreach(plugin microflow_insn_plugin microflow_flash_check)
  if(NOT TARGET ${plugin})
    string(APPEND _mf_xt_missing " ${plugin}")
  endif()
endforeach()
if(NOT Python3_Interpreter_FOUND)
  string(APPEND _mf_xt_missing " python3")
endif()
if(_mf_xt_missing)
  message(STATUS "microflow targets: xtensa-lx106 tests skipped (missing${_mf_xt_missing})")
endif()

function(_mf_xtensa_skipped name labels)
  add_test(NAME ${name} COMMAND sh -c
           "echo 'SKIPPED: missing${_mf_xt_missing} (bash scripts/setup.sh --targets)'; exit ${_mf_skip}")
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" SKIP_RETURN_CODE ${_mf_skip})
endfunction()

foreach(test smoke fc depthwise toolchain flash)
  set(name targets.xtensa-lx106.${test})
  if(_mf_xt_missing)
    _mf_xtensa_skipped(${name} targets)
    continue()
  endif()
  set(args --target xtensa-lx106 --test ${test} --work ${CMAKE_CURRENT_BINARY_DIR}/xtensa-lx106.${test}
           --plugin $<TARGET_FILE:microflow_insn_plugin> --flash-check $<TARGET_FILE:microflow_flash_check>)
  if(test STREQUAL "toolchain")
    list(APPEND args --cmake ${CMAKE_COMMAND} --generator ${CMAKE_GENERATOR})
  endif()
  add_test(NAME ${name} COMMAND ${Python3_EXECUTABLE} ${_mf_script} ${args})
  set_tests_properties(${name} PROPERTIES LABELS targets SKIP_RETURN_CODE ${_mf_skip} TIMEOUT 600)
endforeach()

# Golden vectors of the reference models on the simulated ESP8266, every run under the
# flash-access checker.
foreach(model sine_int8 sine_float micro_speech person_detect)
  set(name golden.xtensa-lx106.${model})
  set(dir ${MICROFLOW_MODELS_DIR}/${model})
  if(_mf_xt_missing)
    _mf_xtensa_skipped(${name} "golden;mcu")
  elseif(NOT EXISTS ${dir}/model.tflite)
    add_test(NAME ${name} COMMAND sh -c "echo 'SKIPPED: ${dir} is missing'; exit ${_mf_skip}")
    set_tests_properties(${name} PROPERTIES LABELS "golden;mcu" SKIP_RETURN_CODE ${_mf_skip})
  else()
    add_test(NAME ${name} COMMAND microflow verify ${dir}/model.tflite --vectors ${dir}/vectors
                                  --target xtensa-lx106)
    set_tests_properties(${name} PROPERTIES FAIL_REGULAR_EXPRESSION "MISMATCH|FAIL|error:"
                                            LABELS "golden;mcu" TIMEOUT 900)
  endif()
endforeach()
