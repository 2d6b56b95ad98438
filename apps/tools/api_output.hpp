// SPDX-License-Identifier: Apache-2.0
// Output of schedulerctl's API commands: aligned tables (the default, as kubectl prints) and
// indented JSON (-o json).
#pragma once

#include <boost/json/value.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace schedulerctl {

/// JSON with two-space indentation and a final newline.
[[nodiscard]] std::string pretty_json(boost::json::value const& v);

/// A table cell: strings as they are, null as "", anything else as compact JSON.
[[nodiscard]] std::string cell(boost::json::value const* v);

/// Prints rows under upper-case headers, columns padded to their widest cell.
void print_table(std::ostream& os,
                 std::vector<std::string> const& headers,
                 std::vector<std::vector<std::string>> const& rows);

/// Prints the `resources` of a list answer, one row each, taking the given keys as columns.
void print_resources(std::ostream& os,
                     boost::json::value const& list,
                     std::vector<std::pair<std::string, std::string>> const& columns);

/// Prints one resource as FIELD/VALUE rows in the server's order.
void print_resource(std::ostream& os, boost::json::value const& resource);

}  // namespace schedulerctl
