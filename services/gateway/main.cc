// qudao-gateway: the partner HTTP/JSON gateway as its own process.
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/config/settings.h"
#include "common/grpc/identity.h"
#include "common/grpc/server_host.h"
#include "common/log/log.h"
#include "common/metrics/admin_server.h"
#include "common/proto/conversion.h"
#include "services/gateway/gateway.h"

ABSL_FLAG(std::string, partner_keys_file, "",
          "file of '<api key> <dealer_id>' lines; required unless "
          "--open_access [env QUDAO_PARTNER_KEYS_FILE]");
ABSL_FLAG(std::string, trusted_proxies, "",
          "load balancers whose X-Forwarded-For names the client, as "
          "addresses or CIDR ranges, e.g. 10.0.0.0/8 [env "
          "QUDAO_TRUSTED_PROXIES]");
ABSL_FLAG(bool, open_access, false,
          "serve without partner keys: every caller may read every dealer; "
          "local development only, and not together with a key file "
          "[env QUDAO_GATEWAY_OPEN_ACCESS=true|false]");

int main(int argc, char** argv) {
  qudao::ParseFlags(argc, argv);
  qudao::InstallProtobufLogHandler();
  qudao::BlockShutdownSignals();
  using qudao::Setting;
  if (!qudao::log::SetLevel(Setting("log_level", "QUDAO_LOG_LEVEL", "info"))) {
    qudao::log::Error("unknown log level");
    return 2;
  }
  qudao::gateway::GatewayOptions options;
  options.customer_records_target = qudao::ServiceTarget("customer_records");
  const std::string keys_file =
      Setting("partner_keys_file", "QUDAO_PARTNER_KEYS_FILE", "");
  // Open access must be asked for by name, as exactly "true": a typo is an
  // error, not either value.
  const absl::StatusOr<bool> open_access =
      qudao::BoolSetting("open_access", "QUDAO_GATEWAY_OPEN_ACCESS", false);
  if (!open_access.ok()) {
    qudao::log::Error("bad setting",
                      {{"error", open_access.status().ToString()}});
    return 2;
  }
  // Open access must be asked for by name. A missing key Secret should stop
  // the rollout here, loudly, rather than start a gateway that is open to
  // everyone or that answers every partner 401.
  if (keys_file.empty() && !*open_access) {
    qudao::log::Error(
        "no partner key file: set --partner_keys_file "
        "(QUDAO_PARTNER_KEYS_FILE), or --open_access "
        "(QUDAO_GATEWAY_OPEN_ACCESS=true) for local development");
    return 2;
  }
  if (!keys_file.empty() && *open_access) {
    qudao::log::Error(
        "--open_access and a partner key file exclude each other; "
        "choose one");
    return 2;
  }
  options.open_access = *open_access;
  auto proxies = qudao::gateway::TrustedProxies::Parse(
      Setting("trusted_proxies", "QUDAO_TRUSTED_PROXIES", ""));
  if (!proxies.ok()) {
    qudao::log::Error("bad setting", {{"error", proxies.status().ToString()}});
    return 2;
  }
  options.trusted_proxies = *std::move(proxies);
  if (!keys_file.empty()) {
    auto keys = qudao::gateway::PartnerKeys::Load(keys_file);
    if (!keys.ok()) {
      qudao::log::Error("cannot load partner keys",
                        {{"error", keys.status().ToString()}});
      return 1;
    }
    options.partner_keys = *std::move(keys);
  }

  // The gateway calls backends as its own account: a token file kept
  // fresh by the platform (--service_token_file), and TLS when configured.
  auto identity = qudao::IdentityFromSettings(/*require_verifier=*/false);
  if (!identity.ok()) {
    qudao::log::Error("bad identity setting",
                      {{"error", identity.status().ToString()}});
    return 2;
  }
  if (identity->service_token == nullptr) {
    qudao::log::Error(
        "no service token: set --service_token_file "
        "(QUDAO_SERVICE_TOKEN_FILE) to the gateway account's bearer token");
    return 2;
  }
  options.service_token = identity->service_token;
  qudao::HostOptions unused_host;
  if (absl::Status tls = qudao::TlsFromSettings(&unused_host); !tls.ok()) {
    qudao::log::Error("bad TLS setting", {{"error", tls.ToString()}});
    return 2;
  }

  qudao::metrics::Registry registry;
  std::string host, admin_host;
  int port = 0, admin_port = 0;
  const std::string listen = Setting("listen", "QUDAO_LISTEN", "0.0.0.0:8080");
  const std::string admin_listen =
      Setting("admin_listen", "QUDAO_ADMIN_LISTEN", "0.0.0.0:9095");
  for (auto [address, h, p] :
       {std::tuple{listen, &host, &port},
        std::tuple{admin_listen, &admin_host, &admin_port}}) {
    if (absl::Status s = qudao::SplitHostPort(address, h, p); !s.ok()) {
      qudao::log::Error("bad address", {{"error", s.ToString()}});
      return 2;
    }
  }
  qudao::gateway::Gateway gateway(std::move(options), &registry);
  // Ready when the gateway itself serves: a backend outage answers 503 on
  // its routes but must not take every gateway replica out of rotation.
  qudao::AdminServer admin(&registry, [&gateway] { return gateway.Ready(); });
  if (absl::Status s = gateway.Start(host, port); !s.ok()) {
    qudao::log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  if (absl::Status s = admin.Start(admin_host, admin_port); !s.ok()) {
    qudao::log::Error("cannot start", {{"error", s.ToString()}});
    return 1;
  }
  qudao::log::Info("serving", {{"service", "gateway"},
                               {"http_port", gateway.port()},
                               {"admin_port", admin.port()}});
  const int signo = qudao::WaitForShutdownSignal();
  qudao::log::Info("shutting down",
                   {{"service", "gateway"}, {"signal", signo}});
  qudao::ExitIfShutdownStalls(absl::Seconds(15));
  gateway.Stop();
  admin.Stop();
  return 0;
}
