// SPDX-License-Identifier: Apache-2.0
// Keeps the support library non-empty while it has no other sources.
namespace scheduler::test {
int support_library_anchor = 0;
}  // namespace scheduler::test
