// SPDX-License-Identifier: Apache-2.0
// File: cckm/notifier.hpp
//
// Where user_password_expiry_notification hands its notices (DESIGN.md §8): an interface with
// one call, so an embedder can send e-mail, post to a chat or queue a message, plus a built-in
// notifier that appends one JSON line per notice to a file.
//
//   auto n = cckm::make_file_notifier("/var/lib/schedulerd/notifications.jsonl");
//   cckm::operation_environment env;
//   env.notifier = n.get();
//   if (auto sent = n->notify(notice); !sent) log(sent.error().message());
#pragma once

#include <scheduler/clock.hpp>
#include <scheduler/errors.hpp>

#include <memory>
#include <string>

namespace cckm {

/// A user whose password expires soon (or has expired). Holds no secret: never a password or
/// a hash.
struct password_expiry_notice {
    std::string user_id;
    std::string username;
    scheduler::time_point password_changed_at{};
    scheduler::time_point expires_at{};
    bool expired = false;  ///< expires_at is already past
    std::string run_id;    ///< the job run that sent it, for tracing
    std::string job_config_id;
};

/// Sends notices. Public non-virtual call over a protected hook (STYLE.md point 12): the
/// public call turns whatever the hook throws into a `code::internal` status, so a broken
/// notifier fails one notice, never the run. Implementations must be thread-safe: two runs may
/// notify at once.
class notifier {
public:
    virtual ~notifier();
    notifier(notifier const&) = delete;
    notifier& operator=(notifier const&) = delete;

    /// Delivers one notice. `unavailable` or `resource_exhausted` mean "try again later"
    /// (the operation retries them with backoff); other codes are permanent.
    [[nodiscard]] scheduler::result<void> notify(password_expiry_notice const& notice);

protected:
    notifier() = default;
    [[nodiscard]] virtual scheduler::result<void> do_notify(password_expiry_notice const&) = 0;
};

/// Appends one JSON object per notice, one per line, to `path` ({"type", "user_id",
/// "username", "password_changed_at", "expires_at", "expired", "run_id", "job_config_id",
/// "sent_at"}; times RFC 3339 UTC). The file is created 0600 and made 0600 if it exists with
/// wider rights; each line goes out in one O_APPEND write, so lines from several processes
/// never interleave. `clock` stamps `sent_at` and must outlive the notifier.
[[nodiscard]] std::unique_ptr<notifier> make_file_notifier(std::string path,
                                                           scheduler::clock& clock);

}  // namespace cckm
