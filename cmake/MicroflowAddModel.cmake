# microflow_add_model(<target> <model.tflite> [NAME <identifier>] [OUTPUT_DIR <dir>])
#
# Compiles a TensorFlow Lite model to C++ at build time and adds the generated
# source to <target>. The code is regenerated whenever the model file or the
# microflow compiler changes: the C++ counterpart of MicroFlow's compile-time
# macro. Include it as `#include "<name>.h"`; the API is in namespace <name>.
#
# The `microflow` executable comes from this build (target `microflow`) or,
# for a project that uses an installed microflow, from MICROFLOW_EXECUTABLE.
function(microflow_add_model target model)
  cmake_parse_arguments(ARG "" "NAME;OUTPUT_DIR" "" ${ARGN})
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
  elseif(MICROFLOW_EXECUTABLE)
    set(compiler "${MICROFLOW_EXECUTABLE}")
    set(compiler_dep "${MICROFLOW_EXECUTABLE}")
  else()
    message(FATAL_ERROR "microflow_add_model: no `microflow` target and MICROFLOW_EXECUTABLE is not set")
  endif()

  set(header "${ARG_OUTPUT_DIR}/${ARG_NAME}.h")
  set(source "${ARG_OUTPUT_DIR}/${ARG_NAME}.cpp")
  add_custom_command(
    OUTPUT "${header}" "${source}"
    COMMAND ${compiler} compile "${model_path}" -o "${ARG_OUTPUT_DIR}" --name ${ARG_NAME}
    DEPENDS "${model_path}" ${compiler_dep}
    COMMENT "microflow: compiling ${model} -> ${ARG_NAME}.cpp"
    VERBATIM)
  target_sources(${target} PRIVATE "${source}" "${header}")
  target_include_directories(${target} PRIVATE "${ARG_OUTPUT_DIR}")
  if(TARGET microflow::runtime)
    target_link_libraries(${target} PRIVATE microflow::runtime)
  endif()
endfunction()
