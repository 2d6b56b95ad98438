// SPDX-License-Identifier: Apache-2.0
// schedulerd entry point (placeholder until the server lands).
#include <iostream>

int main() {
    std::cerr << "schedulerd: not built yet\n";
    return 1;
}
