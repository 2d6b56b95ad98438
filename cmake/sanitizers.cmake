# SPDX-License-Identifier: Apache-2.0
# scheduler_enable_sanitizers(target): reads SCHEDULER_SANITIZE (e.g. "address,undefined") and
# applies it to compile and link of one own target; third-party code is left alone.
function(scheduler_enable_sanitizers target)
    if(SCHEDULER_SANITIZE)
        target_compile_options(${target} PRIVATE
            -fsanitize=${SCHEDULER_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
        target_link_options(${target} PRIVATE -fsanitize=${SCHEDULER_SANITIZE})
    endif()
endfunction()
