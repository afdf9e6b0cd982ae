// Common flags; see settings.h.
#include "common/config/settings.h"

#include <cstdlib>

ABSL_FLAG(std::string, listen, "",
          "gRPC (or HTTP, for the gateway) listen address host:port "
          "[env QUDAO_LISTEN]");
ABSL_FLAG(std::string, admin_listen, "",
          "admin HTTP address for /metrics, /healthz, /readyz "
          "[env QUDAO_ADMIN_LISTEN]");
ABSL_FLAG(std::string, database, "",
          "database URL: sqlite:///path.db or postgresql://... "
          "[env QUDAO_DATABASE_URL]");
ABSL_FLAG(std::string, redis, "",
          "Redis URL for the shared dealer cache, e.g. redis://host:6379 "
          "[env QUDAO_REDIS_URL]");
ABSL_FLAG(std::string, log_level, "",
          "debug, info, warning or error [env QUDAO_LOG_LEVEL]");
ABSL_FLAG(int, worker_threads, 16,
          "threads serving blocking work such as database calls");
ABSL_FLAG(int, db_pool_size, 0,
          "database connections per process (0: 8, or $QUDAO_DB_POOL_SIZE); "
          "budget replicas x services x this against PostgreSQL's "
          "max_connections");

namespace qudao {

std::string Setting(const std::string& flag_value, const char* env_name,
                    const std::string& fallback) {
  if (!flag_value.empty()) return flag_value;
  const char* env = std::getenv(env_name);
  if (env != nullptr && *env != '\0') return env;
  return fallback;
}

}  // namespace qudao
