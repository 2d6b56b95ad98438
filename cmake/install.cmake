# SPDX-License-Identifier: Apache-2.0
# Install and export rules: find_package(scheduler) gives scheduler::scheduler and scheduler::cckm.
include(CMakePackageConfigHelpers)

install(TARGETS scheduler cckm EXPORT scheduler-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/libscheduler/include/scheduler
                  ${PROJECT_SOURCE_DIR}/libcckm/include/cckm
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT scheduler-targets NAMESPACE scheduler::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/scheduler)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/scheduler-config.cmake.in
    ${PROJECT_BINARY_DIR}/scheduler-config.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/scheduler)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/scheduler-config-version.cmake
    COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/scheduler-config.cmake
              ${PROJECT_BINARY_DIR}/scheduler-config-version.cmake
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/scheduler)
