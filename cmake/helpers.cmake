# SPDX-License-Identifier: Apache-2.0
# Helpers applied to every own target: warnings, sanitizers and optional clang-tidy.
function(scheduler_setup_target target)
    scheduler_enable_warnings(${target})
    scheduler_enable_sanitizers(${target})
    target_compile_features(${target} PUBLIC cxx_std_20)
    if(SCHEDULER_CLANG_TIDY)
        set_target_properties(${target} PROPERTIES CXX_CLANG_TIDY "clang-tidy-14")
    endif()
endfunction()

# scheduler_add_test(name SOURCES ... LIBS ...): one Catch2 executable per area, every case
# registered with CTest through catch_discover_tests.
function(scheduler_add_test name)
    cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${arg_SOURCES})
    scheduler_setup_target(${name})
    target_link_libraries(${name} PRIVATE ${arg_LIBS} Catch2::Catch2WithMain)
    catch_discover_tests(${name}
        PROPERTIES ENVIRONMENT "SCHEDULER_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data")
endfunction()
