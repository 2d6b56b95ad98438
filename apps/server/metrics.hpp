// SPDX-License-Identifier: Apache-2.0
// Request metrics in Prometheus text format (GET /metrics): requests by method, route template
// and status, and a latency histogram per route. Label values are route templates, never raw
// paths, so the number of series stays bounded whatever clients send.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace schedulerd {

/// Counters and histograms of the HTTP layer. Thread-safe.
class metrics {
public:
    /// Latency bucket upper bounds in seconds (Prometheus' default set).
    static constexpr std::array<double, 11> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                    0.5,   1.0,  2.5,   5.0,  10.0};

    /// Records one finished request.
    void observe(std::string_view method,
                 std::string_view route,
                 int status,
                 std::chrono::microseconds took);
    /// Adds `n` to a named counter of the connection layer (e.g. connections refused).
    void count(std::string_view name, std::uint64_t n = 1);
    /// Prometheus exposition text, followed by `extra()` (engine counters) when set.
    [[nodiscard]] std::string render() const;
    /// Appends more exposition text at render time (the server adds the engine's counters).
    void set_extra(std::function<std::string()> extra);

    /// Requests recorded for (method, route, status); for tests.
    [[nodiscard]] std::uint64_t requests(std::string_view method,
                                         std::string_view route,
                                         int status) const;

private:
    struct histogram {
        std::array<std::uint64_t, buckets.size()> counts{};
        std::uint64_t total = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
    std::map<std::string, histogram, std::less<>> latency_;
    std::map<std::string, std::uint64_t, std::less<>> counters_;
    std::function<std::string()> extra_;
};

}  // namespace schedulerd
