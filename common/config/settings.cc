// Common flags and setting lookup; see settings.h.
#include "common/config/settings.h"

#include <cstdlib>
#include <map>
#include <set>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

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
          "Redis URL for the shared dealer cache, e.g. redis://host:6379; "
          "empty for none [env QUDAO_REDIS_URL]");
ABSL_FLAG(std::string, event_bus, "",
          "Redis URL where change events are published and followed; "
          "defaults to --redis, empty for in-process only "
          "[env QUDAO_EVENT_BUS_URL]");
ABSL_FLAG(std::string, customer_records_target, "",
          "gRPC target of customer records, e.g. dns:///customer-records:50051 "
          "[env QUDAO_CUSTOMER_RECORDS_TARGET]");
ABSL_FLAG(std::string, pricing_target, "",
          "gRPC target of pricing [env QUDAO_PRICING_TARGET]");
ABSL_FLAG(std::string, credit_control_target, "",
          "gRPC target of credit control [env QUDAO_CREDIT_CONTROL_TARGET]");
ABSL_FLAG(std::string, dealer_support_target, "",
          "gRPC target of dealer support [env QUDAO_DEALER_SUPPORT_TARGET]");
ABSL_FLAG(std::string, log_level, "",
          "debug, info, warning or error [env QUDAO_LOG_LEVEL]");
ABSL_FLAG(std::string, time_zone, "Asia/Shanghai",
          "the company's time zone: business dates (due dates, aging, job "
          "periods) are calendar days there [env QUDAO_TIME_ZONE]");
ABSL_FLAG(bool, outbox_relay, true,
          "publish this process's outbox (change events) on the event bus; "
          "another replica, or the next start, publishes it when off "
          "[env QUDAO_OUTBOX_RELAY=true|false]");
ABSL_FLAG(int, worker_threads, 16,
          "threads serving blocking work such as database calls "
          "[env QUDAO_WORKER_THREADS]");
ABSL_FLAG(std::string, jwks_file, "",
          "JSON Web Key Set of the identity provider: the public keys bearer "
          "tokens are verified with; re-read when it changes (key rotation) "
          "[env QUDAO_JWKS_FILE]");
ABSL_FLAG(std::string, token_issuer, "",
          "the `iss` every token must carry [env QUDAO_TOKEN_ISSUER]");
ABSL_FLAG(std::string, token_audience, "qudao",
          "the audience every token must include; one for the whole platform "
          "[env QUDAO_TOKEN_AUDIENCE]");
ABSL_FLAG(std::string, roles_claim, "roles",
          "dot-separated path of the claim holding the roles, e.g. "
          "realm_access.roles [env QUDAO_ROLES_CLAIM]");
ABSL_FLAG(std::string, subject_claim, "sub",
          "the claim naming the caller, e.g. preferred_username where the "
          "provider's `sub` is an opaque id [env QUDAO_SUBJECT_CLAIM]");
ABSL_FLAG(std::string, service_token_file, "",
          "file holding this service's own bearer token (kept fresh by the "
          "platform), used when it calls for no person [env "
          "QUDAO_SERVICE_TOKEN_FILE]");
ABSL_FLAG(bool, reflection, false,
          "serve gRPC server reflection [env QUDAO_REFLECTION=true|false]");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve gRPC over TLS [env QUDAO_TLS_CERT]");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert [env QUDAO_TLS_KEY]");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require and verify client certificates (mutual "
          "TLS) [env QUDAO_TLS_CLIENT_CA]");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle: call other services over TLS, trusting these CAs "
          "(presenting --tls_cert/--tls_key when given) [env QUDAO_TLS_CA]");
ABSL_FLAG(int, near_cache_entries, 10000,
          "entries of each in-process near-cache of hot records (dealer "
          "facts), in front of Redis; 0 turns it off "
          "[env QUDAO_NEAR_CACHE_ENTRIES]");
ABSL_FLAG(int, job_interval_seconds, 30,
          "how often the process looks for due periodic jobs (each runs once "
          "per period across replicas, under a lease) "
          "[env QUDAO_JOB_INTERVAL_SECONDS]");
ABSL_FLAG(int, db_pool_size, 8,
          "database connections per process; budget replicas x services x "
          "this against PostgreSQL's max_connections [env "
          "QUDAO_DB_POOL_SIZE]");

namespace qudao {
namespace {

// Names of the flags given on the command line (Abseil 20220623 keeps
// this to itself).
std::set<std::string>& SpecifiedFlags() {
  static auto* names = new std::set<std::string>();
  return *names;
}

}  // namespace

std::vector<char*> ParseFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      continue;
    }
    arg = arg.substr(0, arg.find('='));
    SpecifiedFlags().insert(std::string(arg));
    // --noflag sets a bool flag to false.
    if (absl::ConsumePrefix(&arg, "no")) {
      SpecifiedFlags().insert(std::string(arg));
    }
  }
  return absl::ParseCommandLine(argc, argv);
}

std::optional<std::string> LookupSetting(absl::string_view flag,
                                         const char* env_name) {
  if (const absl::CommandLineFlag* f = absl::FindCommandLineFlag(flag);
      f != nullptr && SpecifiedFlags().count(std::string(flag)) > 0) {
    return f->CurrentValue();
  }
  if (const char* env = std::getenv(env_name); env != nullptr) {
    return std::string(env);
  }
  return std::nullopt;
}

std::string Setting(absl::string_view flag, const char* env_name,
                    const std::string& fallback) {
  return LookupSetting(flag, env_name).value_or(fallback);
}

std::string ServiceTarget(const std::string& service) {
  static const auto* defaults = new std::map<std::string, std::string>{
      {"customer_records", "dns:///127.0.0.1:50051"},
      {"pricing", "dns:///127.0.0.1:50052"},
      {"credit_control", "dns:///127.0.0.1:50053"},
      {"dealer_support", "dns:///127.0.0.1:50054"}};
  auto it = defaults->find(service);
  if (it == defaults->end()) return "";
  const std::string env =
      absl::StrCat("QUDAO_", absl::AsciiStrToUpper(service), "_TARGET");
  return Setting(absl::StrCat(service, "_target"), env.c_str(), it->second);
}

absl::StatusOr<bool> BoolSetting(absl::string_view flag, const char* env_name,
                                 bool fallback) {
  const std::optional<std::string> v = LookupSetting(flag, env_name);
  if (!v.has_value()) return fallback;
  if (*v == "true") return true;
  if (*v == "false") return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, " / ", env_name, " must be true or false, not '", *v, "'"));
}

absl::StatusOr<int> IntSetting(absl::string_view flag, const char* env_name,
                               int fallback, int min) {
  const std::optional<std::string> v = LookupSetting(flag, env_name);
  if (!v.has_value()) return fallback;
  int n = 0;
  if (!absl::SimpleAtoi(*v, &n) || n < min) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " / ", env_name, " must be a whole number of ",
                     "at least ", min, ", not '", *v, "'"));
  }
  return n;
}

}  // namespace qudao
