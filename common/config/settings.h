// Process settings: a command-line flag wins, then an environment variable
// (how Kubernetes configures pods), then the built-in default.
#pragma once

#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, admin_listen);
ABSL_DECLARE_FLAG(std::string, database);
ABSL_DECLARE_FLAG(std::string, redis);
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(int, worker_threads);
ABSL_DECLARE_FLAG(int, db_pool_size);

namespace qudao {

// `flag_value` if non-empty, else $env_name if set and non-empty, else
// `fallback`.
std::string Setting(const std::string& flag_value, const char* env_name,
                    const std::string& fallback);

}  // namespace qudao
