// Process settings: a command-line flag wins, then an environment variable
// (how Kubernetes configures pods), then the built-in default. "Unset" and
// "empty" are different: `--redis=` (or QUDAO_REDIS_URL set to "") says
// "no Redis" even where a default would pick one; only a setting given
// nowhere falls back to the default.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, admin_listen);
ABSL_DECLARE_FLAG(std::string, database);
ABSL_DECLARE_FLAG(std::string, redis);
ABSL_DECLARE_FLAG(std::string, event_bus);
ABSL_DECLARE_FLAG(std::string, customer_records_target);
ABSL_DECLARE_FLAG(std::string, pricing_target);
ABSL_DECLARE_FLAG(std::string, credit_control_target);
ABSL_DECLARE_FLAG(std::string, dealer_support_target);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(std::string, time_zone);
ABSL_DECLARE_FLAG(bool, outbox_relay);
ABSL_DECLARE_FLAG(int, worker_threads);
ABSL_DECLARE_FLAG(int, db_pool_size);
ABSL_DECLARE_FLAG(int, job_interval_seconds);
ABSL_DECLARE_FLAG(int, near_cache_entries);

namespace qudao {

// Parses the command line as absl::ParseCommandLine does (and returns the
// positional arguments), remembering which flags were given, so
// LookupSetting can tell a flag given as empty from one not given.
std::vector<char*> ParseFlags(int argc, char** argv);

// The value of the flag named `flag` if it was given on the command line
// (even empty), else of $env_name if set (even empty), else nullopt.
std::optional<std::string> LookupSetting(absl::string_view flag,
                                         const char* env_name);

// LookupSetting, or `fallback` when the setting is given nowhere.
std::string Setting(absl::string_view flag, const char* env_name,
                    const std::string& fallback);

// The gRPC target of another service by its short name
// ("customer_records"): --<service>_target, $QUDAO_<SERVICE>_TARGET, or the
// service's local default port (dns:///127.0.0.1:5005x).
std::string ServiceTarget(const std::string& service);

// A true/false setting: exactly "true" or "false" (a typo must not be read
// as either), or `fallback` when unset.
absl::StatusOr<bool> BoolSetting(absl::string_view flag, const char* env_name,
                                 bool fallback);

// A whole number of at least `min`, or `fallback` when unset.
absl::StatusOr<int> IntSetting(absl::string_view flag, const char* env_name,
                               int fallback, int min);

}  // namespace qudao
