// SPDX-License-Identifier: Apache-2.0
// File: scheduler/json.hpp
//
// JSON conversions of the models in the REST API's shape (DESIGN.md §2, §3, seeds/000): Boost.JSON
// `value_from` support for `job_config` and `job_run` (the resource envelope plus the model's
// fields) and the parsing of request bodies into a `job_config` (create) or a
// `job_config_patch` (PATCH), with errors naming the offending field. This is the opt-in header
// that pulls in Boost.JSON; the core headers never include it (STYLE.md point 3).
//
//   boost::json::value body = scheduler::parse_json(text).value();
//   scheduler::job_config c = scheduler::job_config_from_json(body, registry).value();
//   boost::json::value out = boost::json::value_from(engine.create_config(c).value());
#pragma once

#include <scheduler/errors.hpp>
#include <scheduler/job.hpp>
#include <scheduler/job_config.hpp>
#include <scheduler/operation.hpp>

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <string_view>

namespace scheduler {

/// Prefix of a job configuration's `uri` ("kylo:kylo:scheduler:job_configs:<id>").
inline constexpr std::string_view config_uri_prefix = "kylo:kylo:scheduler:job_configs:";
/// Prefix of a job run's `uri` ("kylo:kylo:scheduler:jobs:<id>").
inline constexpr std::string_view run_uri_prefix = "kylo:kylo:scheduler:jobs:";
/// Fixed envelope values of every resource (the reference server's values).
inline constexpr std::string_view resource_application = "ncryptify:gemalto:admin:apps:kylo";
inline constexpr std::string_view resource_dev_account = "ncryptify:gemalto:admin:accounts:gemalto";

/// Renders a configuration as the API resource: envelope (id, uri, account, application,
/// devAccount, createdAt, updatedAt), fields, `job_config_params` (the params object) and the
/// extensions. Unset optional fields (dates, timeout, jitter, next/last run) are omitted.
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, job_config const& c);

/// Renders a run as the API resource (seeds/000 "Viewing Details of Job Runs" + DESIGN.md §3):
/// envelope, job_config_id, name, description, operation, job_config_params (snapshot),
/// enqueued_at, status, processing_node, details {job_id, job_config_id, name, operation,
/// status, details}, trigger, and when set started_at, completed_at, scheduled_for, error.
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, job_run const& r);

/// Parses a request body. Malformed JSON is `invalid_argument` with an empty field (the server
/// answers NCERRBadRequest); an empty or all-blank body parses as an empty object, so bodyless
/// requests work whatever their content type.
[[nodiscard]] result<boost::json::value> parse_json(std::string_view text);

/// Builds a configuration from a create body. The params arrive in the block the registry names
/// for the operation (`<operation>_params`; `job_config_params` is accepted as an alias so a GET
/// response can be posted back). A non-null block of another operation, a known field of the
/// wrong type or a bad date/duration/policy is `invalid_argument` naming the field; unknown
/// fields are ignored. The fields libscheduler and the operation validate (name, run_at,
/// time_zone, params contents) are left to `engine::create_config`.
[[nodiscard]] result<job_config> job_config_from_json(boost::json::value const& body,
                                                      operation_registry const& ops);

/// Builds a partial update from a PATCH body, given the stored configuration (its operation
/// decides which params block applies). Empty `name`, `operation`, `run_at` and params
/// `cloud_name` are ignored (old clients send them blank); a different non-empty `name`,
/// `operation` or `cloud_name` is refused as immutable; `null`, `""` and
/// `0001-01-01T00:00:00Z` clear a date.
[[nodiscard]] result<job_config_patch> job_config_patch_from_json(boost::json::value const& body,
                                                                  operation_registry const& ops,
                                                                  job_config const& stored);

/// Parses the API's boolean spellings: JSON true/false or the strings "true"/"false" (any
/// case). Used for `disabled` in bodies and the `disabled` query filter.
[[nodiscard]] result<bool> parse_bool_text(std::string_view text, std::string_view field);

}  // namespace scheduler
