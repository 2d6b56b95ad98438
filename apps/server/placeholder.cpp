// SPDX-License-Identifier: Apache-2.0
// Keeps scheduler_server non-empty until the server sources land.
namespace scheduler::server {
int placeholder_anchor = 0;
}  // namespace scheduler::server
