# microflow_add_model(<target> <model.tflite> [NAME <identifier>] [OUTPUT_DIR <dir>]
#                     [TARGET <mcu>] [OPTIMIZE speed|size] [STREAMING_INPUT off|on|auto]
#                     [PATCH_STREAMING auto|on|off] [WEIGHTS internal|external] [PAGE_BYTES <n>])
#
# Compiles a TensorFlow Lite model to C++ at build time and adds the generated
# source to <target>. The code is regenerated whenever the model file or the
# microflow compiler changes: the C++ counterpart of MicroFlow's compile-time
# macro. Include it as `#include "<name>.h"`; the API is in namespace <name>.
# The options are `microflow compile`'s (--target, --optimize, --streaming-input,
# --patch-streaming, --weights, --page-bytes); unset ones keep the CLI's defaults.
# With WEIGHTS external the weight image <name>.weights.bin is written next to
# the source (its path in the variable <name>_WEIGHTS_FILE) and the application
# defines <name>::read_weights().
# <target> links microflow::runtime (the runtime include path).
#
# The `microflow` executable is this build's (target `microflow`), the installed
# package's (microflow::microflow, from find_package(microflow)), or MICROFLOW_EXECUTABLE.
function(microflow_add_model target model)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT_DIR;TARGET;OPTIMIZE;STREAMING_INPUT;PATCH_STREAMING;WEIGHTS;PAGE_BYTES"
                        "" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "microflow_add_model: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(model_path "${model}" ABSOLUTE)
  if(NOT ARG_NAME)
    get_filename_component(ARG_NAME "${model}" NAME_WE)
    string(MAKE_C_IDENTIFIER "${ARG_NAME}" ARG_NAME)
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/microflow_generated/${ARG_NAME}")
  endif()

  if(TARGET microflow)
    set(compiler $<TARGET_FILE:microflow>)
    set(compiler_dep microflow)
  elseif(TARGET microflow::microflow)
    set(compiler $<TARGET_FILE:microflow::microflow>)
    set(compiler_dep microflow::microflow)
  elseif(MICROFLOW_EXECUTABLE)
    set(compiler "${MICROFLOW_EXECUTABLE}")
    set(compiler_dep "${MICROFLOW_EXECUTABLE}")
  else()
    message(FATAL_ERROR "microflow_add_model: no `microflow` target (find_package(microflow)) and "
                        "MICROFLOW_EXECUTABLE is not set")
  endif()

  set(options "")
  foreach(pair TARGET:--target OPTIMIZE:--optimize STREAMING_INPUT:--streaming-input
               PATCH_STREAMING:--patch-streaming PAGE_BYTES:--page-bytes)
    string(REPLACE ":" ";" pair "${pair}")
    list(GET pair 0 key)
    list(GET pair 1 flag)
    if(DEFINED ARG_${key})
      list(APPEND options ${flag} ${ARG_${key}})
    endif()
  endforeach()
  set(header "${ARG_OUTPUT_DIR}/${ARG_NAME}.h")
  set(source "${ARG_OUTPUT_DIR}/${ARG_NAME}.cpp")
  set(outputs "${header}" "${source}")
  if(DEFINED ARG_WEIGHTS)
    string(TOLOWER "${ARG_WEIGHTS}" weights)  # WEIGHTS EXTERNAL reads like the other keywords
    list(APPEND options --weights ${weights})
    if(weights STREQUAL "external")
      list(APPEND outputs "${ARG_OUTPUT_DIR}/${ARG_NAME}.weights.bin")
      set(${ARG_NAME}_WEIGHTS_FILE "${ARG_OUTPUT_DIR}/${ARG_NAME}.weights.bin" PARENT_SCOPE)
    endif()
  endif()

  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${compiler} compile "${model_path}" -o "${ARG_OUTPUT_DIR}" --name ${ARG_NAME} ${options}
    DEPENDS "${model_path}" ${compiler_dep}
    COMMENT "microflow: compiling ${model} -> ${ARG_NAME}.cpp"
    VERBATIM)
  target_sources(${target} PRIVATE "${source}" "${header}")
  target_include_directories(${target} PRIVATE "${ARG_OUTPUT_DIR}")
  target_link_libraries(${target} PRIVATE microflow::runtime)
endfunction()
