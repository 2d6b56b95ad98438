// SPDX-License-Identifier: Apache-2.0
#include "api_output.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <ostream>

namespace schedulerctl {

namespace {

namespace json = boost::json;

void pretty(std::string& out, json::value const& v, int indent) {
    auto newline = [&](int level) {
        out += '\n';
        out.append(static_cast<std::size_t>(level) * 2, ' ');
    };
    if (v.is_object() && !v.get_object().empty()) {
        out += '{';
        bool first = true;
        for (auto const& [key, value] : v.get_object()) {
            if (!first) out += ',';
            first = false;
            newline(indent + 1);
            out += json::serialize(json::string_view(key));
            out += ": ";
            pretty(out, value, indent + 1);
        }
        newline(indent);
        out += '}';
    } else if (v.is_array() && !v.get_array().empty()) {
        out += '[';
        bool first = true;
        for (auto const& item : v.get_array()) {
            if (!first) out += ',';
            first = false;
            newline(indent + 1);
            pretty(out, item, indent + 1);
        }
        newline(indent);
        out += ']';
    } else {
        out += json::serialize(v);
    }
}

}  // namespace

std::string pretty_json(json::value const& v) {
    std::string out;
    pretty(out, v, 0);
    out += '\n';
    return out;
}

std::string cell(json::value const* v) {
    if (!v || v->is_null()) return {};
    if (v->is_string()) return std::string(v->get_string());
    return json::serialize(*v);
}

void print_table(std::ostream& os,
                 std::vector<std::string> const& headers,
                 std::vector<std::vector<std::string>> const& rows) {
    std::vector<std::size_t> width(headers.size());
    for (std::size_t i = 0; i < headers.size(); ++i) width[i] = headers[i].size();
    for (auto const& row : rows) {
        for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    auto line = [&](std::vector<std::string> const& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            out += cells[i];
            // Three spaces between columns, none after the last (no trailing blanks).
            if (i + 1 < cells.size()) out.append(width[i] - cells[i].size() + 3, ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();  // empty last cells
        os << out << '\n';
    };
    line(headers);
    for (auto const& row : rows) line(row);
}

void print_resources(std::ostream& os,
                     json::value const& list,
                     std::vector<std::pair<std::string, std::string>> const& columns) {
    std::vector<std::string> headers;
    for (auto const& c : columns) headers.push_back(c.first);
    std::vector<std::vector<std::string>> rows;
    auto const* resources = list.is_object() ? list.get_object().if_contains("resources") : nullptr;
    if (resources && resources->is_array()) {
        for (auto const& r : resources->get_array()) {
            std::vector<std::string> row;
            for (auto const& c : columns) {
                row.push_back(r.is_object() ? cell(r.get_object().if_contains(c.second)) : "");
            }
            rows.push_back(std::move(row));
        }
    }
    print_table(os, headers, rows);
}

void print_resource(std::ostream& os, json::value const& resource) {
    if (!resource.is_object()) {
        os << pretty_json(resource);
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto const& [key, value] : resource.get_object()) {
        rows.push_back({std::string(key), cell(&value)});
    }
    print_table(os, {"FIELD", "VALUE"}, rows);
}

}  // namespace schedulerctl
