// DevServer; see dev_server.h.
#include "tools/qudao/dev_server.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/macros.h"
#include "services/credit_control/credit_control_module.h"
#include "services/customer_records/customer_records_module.h"
#include "services/dealer_support/dealer_support_module.h"
#include "services/pricing/pricing_module.h"

namespace qudao {

DevServer::DevServer(DevServerOptions options) : options_(std::move(options)) {}

DevServer::~DevServer() { Shutdown(); }

absl::Status DevServer::Start() {
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory ", options_.data_dir, ": ",
                     ec.message()));
  }
  const std::string dir = std::filesystem::absolute(options_.data_dir).string();
  ASSIGN_OR_RETURN(auth::DevIssuer issuer,
                   auth::DevIssuer::Open(dir, /*create=*/true));
  issuer_ = std::make_unique<auth::DevIssuer>(std::move(issuer));
  ASSIGN_OR_RETURN(std::unique_ptr<auth::JwksFile> keys,
                   auth::JwksFile::Open(issuer_->jwks_path()));
  auth::VerifierOptions verifier_options;
  verifier_options.issuer = issuer_->issuer();
  verifier_ = std::make_unique<auth::TokenVerifier>(
      verifier_options, std::shared_ptr<auth::KeySource>(std::move(keys)));
  // A service account's token, signed here and renewed as it nears expiry.
  auto account = [this](const std::string& role) {
    auth::TokenClaims claims;
    claims.subject = absl::StrCat("svc-", role);
    claims.roles = {role};
    claims.issuer = issuer_->issuer();
    return std::make_shared<auth::SignedTokenSource>(&issuer_->signer(),
                                                     claims);
  };
  ASSIGN_OR_RETURN(std::shared_ptr<Cache> cache,
                   SharedCacheFromSetting(options_.redis_url));
  ASSIGN_OR_RETURN(std::shared_ptr<events::EventBus> bus,
                   events::EventBusFromSetting(options_.redis_url));
  events_ = bus;
  const std::pair<const char*, ModuleFactory> factories[] = {
      {"customer_records", customer::NewCustomerRecordsModule},
      {"pricing", pricing::NewPricingModule},
      {"credit_control", credit::NewCreditControlModule},
      {"dealer_support", support::NewDealerSupportModule},
  };
  for (const auto& [name, factory] : factories) {
    ModuleEnvironment env;
    // Each service owns its own database, in dev as in production.
    env.database_url = absl::StrCat("sqlite://", dir, "/", name, ".db");
    // Each module has its own worker pool, as each has its own process in
    // production: a module saturated with calls (or waiting on another
    // module) cannot starve the module it waits on.
    workers_.push_back(std::make_unique<WorkerPool>(options_.worker_threads));
    env.workers = workers_.back().get();
    env.metrics = &registry_;
    env.cache = cache;
    env.events = bus;
    env.verifier = verifier_.get();
    env.service_token = account(name);
    // Every service is on this process's gRPC port, known once it serves.
    env.target_of = [this](const std::string&) {
      return absl::StrCat("127.0.0.1:", grpc_port_.load());
    };
    auto module = factory(env);
    if (!module.ok()) {
      return absl::Status(module.status().code(),
                          absl::StrCat(name, ": ", module.status().message()));
    }
    modules_.push_back(std::move(*module));
  }

  HostOptions host_options;
  host_options.listen = options_.grpc_listen;
  host_options.admin_listen = options_.admin_listen;
  host_options.reflection = true;
  host_ = std::make_unique<ServiceHost>(host_options, &registry_);
  for (auto& m : modules_) host_->AddModule(m.get());
  RETURN_IF_ERROR(host_->Start());
  grpc_port_ = host_->grpc_port();

  gateway::GatewayOptions gateway_options;
  gateway_options.customer_records_target =
      absl::StrCat("127.0.0.1:", host_->grpc_port());
  // `qudao dev` is the development mode: no partner keys, every dealer
  // readable, on a local address by default. The gateway warns at start.
  gateway_options.open_access = true;
  gateway_options.service_token = account("gateway");
  gateway_ = std::make_unique<gateway::Gateway>(std::move(gateway_options),
                                                &registry_);
  std::string http_host;
  int http_port = 0;
  RETURN_IF_ERROR(SplitHostPort(options_.http_listen, &http_host, &http_port));
  return gateway_->Start(http_host, http_port);
}

void DevServer::Shutdown() {
  if (gateway_ != nullptr) gateway_->Stop();
  if (host_ != nullptr) host_->Shutdown();
}

}  // namespace qudao
