// SPDX-License-Identifier: Apache-2.0
// Template matching segment by segment. Literal segments match exactly; "{name}" captures one
// non-empty segment. A single trailing slash is ignored (clients send /auth/tokens/).
#include "router.hpp"

namespace schedulerd {

namespace {

/// Splits "/a/b/" into {"a", "b"}; empty segments in the middle are kept so "//" never matches.
std::vector<std::string_view> split_path(std::string_view path) {
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') path.remove_suffix(1);
    std::vector<std::string_view> out;
    if (path.empty()) return out;
    for (;;) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) return out;
        path.remove_prefix(slash + 1);
    }
}

bool is_param(std::string_view seg) noexcept {
    return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

/// Matches one template against the request's segments, filling `params` on success.
bool match_template(std::string_view tmpl,
                    std::vector<std::string_view> const& segs,
                    std::map<std::string, std::string, std::less<>>& params) {
    auto parts = split_path(tmpl);
    if (parts.size() != segs.size()) return false;
    std::map<std::string, std::string, std::less<>> found;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (is_param(parts[i])) {
            if (segs[i].empty()) return false;
            found.emplace(std::string(parts[i].substr(1, parts[i].size() - 2)),
                          std::string(segs[i]));
        } else if (parts[i] != segs[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

}  // namespace

void router::add(http::verb method, std::string path_template, access level, handler fn) {
    routes_.push_back(route{method, std::move(path_template), level, std::move(fn)});
}

router::match_result router::match(http::verb method, std::string_view path) const {
    match_result out;
    auto segs = split_path(path);
    for (auto const& r : routes_) {
        std::map<std::string, std::string, std::less<>> params;
        if (!match_template(r.path_template, segs, params)) continue;
        out.path_known = true;
        if (r.method != method) continue;
        out.found = &r;
        out.params = std::move(params);
        return out;
    }
    return out;
}

}  // namespace schedulerd
