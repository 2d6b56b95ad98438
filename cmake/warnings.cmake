# SPDX-License-Identifier: Apache-2.0
# scheduler_enable_warnings(target): the project's required warning set, PRIVATE so consumers
# never inherit it. Extra flags are added one at a time, each once GCC 12 and Clang 14 are clean.
function(scheduler_enable_warnings target)
    target_compile_options(${target} PRIVATE
        -Wall -Wextra -Wpedantic
        -Wnon-virtual-dtor
        -Wshadow)
    if(SCHEDULER_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
