# What `cmake --install` puts under the prefix:
#   bin/microflow                                  the compiler tool (imported as microflow::microflow)
#   include/microflow/                             the runtime headers (microflow::runtime)
#   share/microflow/targets/                       targets.json, toolchain files, platform glue
#   lib/cmake/microflow/                           microflowConfig.cmake (+ version file, targets,
#                                                  MicroflowAddModel.cmake)
# The tool finds the headers and targets next to itself (../include, ../share/microflow/targets).
include(CMakePackageConfigHelpers)
set(_mf_package_dir lib/cmake/microflow)

install(TARGETS microflow EXPORT microflowTargets RUNTIME DESTINATION bin)
install(TARGETS microflow_runtime EXPORT microflowTargets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/ DESTINATION include)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/targets/ DESTINATION share/microflow/targets)
install(EXPORT microflowTargets NAMESPACE microflow:: DESTINATION ${_mf_package_dir})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/microflowConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/microflowConfig.cmake
                              INSTALL_DESTINATION ${_mf_package_dir})
# 0.x: a minor version may change the generated API, so only the same minor version matches.
# ARCH_INDEPENDENT: the runtime is headers and the tool runs on the build machine, so a
# 32-bit firmware build (cortex-m4 toolchain) uses the same package.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/microflowConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/microflowConfig.cmake ${PROJECT_BINARY_DIR}/microflowConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/MicroflowAddModel.cmake
        DESTINATION ${_mf_package_dir})
