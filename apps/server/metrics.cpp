// SPDX-License-Identifier: Apache-2.0
#include "metrics.hpp"

#include <sstream>

namespace schedulerd {

namespace {

/// Escapes a label value (backslash, quote, newline) per the exposition format.
std::string label(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

void metrics::observe(std::string_view method,
                      std::string_view route,
                      int status,
                      std::chrono::microseconds took) {
    double seconds = static_cast<double>(took.count()) / 1e6;
    std::lock_guard lock(mutex_);
    ++requests_[{std::string(method), std::string(route), status}];
    auto it = latency_.find(route);
    if (it == latency_.end()) it = latency_.emplace(std::string(route), histogram{}).first;
    auto& h = it->second;
    for (std::size_t i = 0; i < buckets.size(); ++i)
        if (seconds <= buckets[i]) ++h.counts[i];
    ++h.total;
    h.sum += seconds;
}

void metrics::count(std::string_view name, std::uint64_t n) {
    std::lock_guard lock(mutex_);
    auto it = counters_.find(name);
    if (it == counters_.end()) it = counters_.emplace(std::string(name), 0).first;
    it->second += n;
}

void metrics::set_extra(std::function<std::string()> extra) {
    std::lock_guard lock(mutex_);
    extra_ = std::move(extra);
}

std::uint64_t metrics::requests(std::string_view method, std::string_view route, int status) const {
    std::lock_guard lock(mutex_);
    auto it = requests_.find({std::string(method), std::string(route), status});
    return it == requests_.end() ? 0 : it->second;
}

std::string metrics::render() const {
    std::ostringstream out;
    std::function<std::string()> extra;
    {
        std::lock_guard lock(mutex_);
        out << "# HELP schedulerd_http_requests_total HTTP requests by method, route template and "
               "status.\n"
               "# TYPE schedulerd_http_requests_total counter\n";
        for (auto const& [key, n] : requests_)
            out << "schedulerd_http_requests_total{method=\"" << label(std::get<0>(key))
                << "\",route=\"" << label(std::get<1>(key)) << "\",status=\"" << std::get<2>(key)
                << "\"} " << n << '\n';
        out << "# HELP schedulerd_http_request_duration_seconds Time from parsed request to "
               "response.\n"
               "# TYPE schedulerd_http_request_duration_seconds histogram\n";
        for (auto const& [route, h] : latency_) {
            auto name = "schedulerd_http_request_duration_seconds";
            for (std::size_t i = 0; i < buckets.size(); ++i)
                out << name << "_bucket{route=\"" << label(route) << "\",le=\"" << buckets[i]
                    << "\"} " << h.counts[i] << '\n';
            out << name << "_bucket{route=\"" << label(route) << "\",le=\"+Inf\"} " << h.total
                << '\n';
            out << name << "_sum{route=\"" << label(route) << "\"} " << h.sum << '\n';
            out << name << "_count{route=\"" << label(route) << "\"} " << h.total << '\n';
        }
        for (auto const& [name, n] : counters_)
            out << "# TYPE schedulerd_" << name << " counter\nschedulerd_" << name << ' ' << n
                << '\n';
        extra = extra_;
    }
    if (extra) out << extra();
    return out.str();
}

}  // namespace schedulerd
