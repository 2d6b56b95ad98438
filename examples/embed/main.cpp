// SPDX-License-Identifier: Apache-2.0
// Placeholder: replaced by the embedding example once the engine lands.
#include <scheduler/clock.hpp>

#include <iostream>

int main() {
    scheduler::system_clock_source clk;
    std::cout << scheduler::format_rfc3339(clk.now(), false) << '\n';
}
