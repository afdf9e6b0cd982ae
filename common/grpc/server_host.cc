// ServiceHost; see server_host.h.
#include "common/grpc/server_host.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/observability.h"
#include "common/log/log.h"
#include "common/status/macros.h"

namespace qudao {

ServiceHost::ServiceHost(HostOptions options, metrics::Registry* registry)
    : options_(std::move(options)), registry_(registry) {}

ServiceHost::~ServiceHost() { Shutdown(); }

void ServiceHost::AddModule(ServiceModule* module) {
  modules_.push_back(module);
}

void ServiceHost::AddService(grpc::Service* service) {
  services_.push_back(service);
}

int ServiceHost::admin_port() const {
  return admin_ == nullptr ? 0 : admin_->port();
}

namespace {

// gRPC 1.51's reflection library registers its plugin for every server
// of the process as soon as it is loaded; this option takes it out of one
// server's builder, so reflection is served only where asked for.
class WithoutReflection : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [](const std::unique_ptr<grpc::ServerBuilderPlugin>& p) {
                         return p->name() == "proto_server_reflection";
                       }),
        plugins->end());
  }
};

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
    const HostOptions& options) {
  if (options.tls_cert_pem.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca_pem.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = options.tls_client_ca_pem;
  ssl.pem_key_cert_pairs.push_back({options.tls_key_pem, options.tls_cert_pem});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::Status ServiceHost::Start() {
  std::string host;
  int port = 0;
  RETURN_IF_ERROR(SplitHostPort(options_.listen, &host, &port));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // The reflection library (linked) serves reflection on every server
  // unless taken out here.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  if (!options_.reflection) {
    builder.SetOption(std::make_unique<WithoutReflection>());
  }
  builder.AddListeningPort(options_.listen, ServerCredentials(options_),
                           &grpc_port_);
  // Bounded connection age makes clients re-resolve DNS now and then, so
  // replicas added by an autoscaler get their share of long-lived channels.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30 * 1000);
  builder.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  // A restarted replica must not silently share a port with one still
  // running: bind fails instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (ServiceModule* m : modules_) {
    for (grpc::Service* service : m->services()) {
      builder.RegisterService(service);
    }
  }
  for (grpc::Service* s : services_) builder.RegisterService(s);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewObservabilityInterceptorFactory(registry_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.listen, " (address in use or invalid)"));
  }

  {
    absl::MutexLock lock(&mu_);
    healthy_.assign(modules_.size(), false);
  }
  ProbeHealth();
  prober_ = std::thread([this] {
    absl::Time next_jobs = absl::Now() + options_.job_interval;
    while (!stop_probing_.WaitForNotificationWithTimeout(
        options_.health_interval)) {
      ProbeHealth();
      if (absl::Now() >= next_jobs) {
        for (ServiceModule* m : modules_) m->RunDueJobs();
        next_jobs = absl::Now() + options_.job_interval;
      }
    }
  });

  registry_->Gauge("qudao_ready", "1 when every module's dependencies answer.",
                   [this] { return AllHealthy() ? 1.0 : 0.0; });

  if (!options_.admin_listen.empty()) {
    std::string admin_host;
    int admin_port = 0;
    RETURN_IF_ERROR(
        SplitHostPort(options_.admin_listen, &admin_host, &admin_port));
    admin_ = std::make_unique<AdminServer>(registry_,
                                           [this] { return AllHealthy(); });
    RETURN_IF_ERROR(admin_->Start(admin_host, admin_port));
  }
  return absl::OkStatus();
}

void ServiceHost::ProbeHealth() {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  for (size_t i = 0; i < modules_.size(); ++i) {
    const absl::Status status = modules_[i]->CheckHealth();
    bool changed;
    {
      absl::MutexLock lock(&mu_);
      changed = healthy_[i] != status.ok();
      healthy_[i] = status.ok();
    }
    if (health != nullptr) {
      for (const std::string& name : modules_[i]->health_service_names()) {
        health->SetServingStatus(name, status.ok());
      }
    }
    if (changed) {
      log::Write(status.ok() ? log::Level::kInfo : log::Level::kError,
                 status.ok() ? "module serving" : "module not serving",
                 {{"module", modules_[i]->name()},
                  {"error", std::string(status.message())}});
    }
  }
  // "" is the process as a whole: alive and serving until shutdown. A
  // database outage must not make Kubernetes restart every replica.
  if (health != nullptr) health->SetServingStatus("", true);
}

bool ServiceHost::AllHealthy() const {
  absl::MutexLock lock(&mu_);
  for (bool h : healthy_) {
    if (!h) return false;
  }
  return true;
}

void ServiceHost::Shutdown() {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  stop_probing_.Notify();
  if (prober_.joinable()) prober_.join();
  // Tell load balancers and health checkers first.
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(
                            absl::ToInt64Milliseconds(options_.shutdown_grace));
  server_->Shutdown(deadline);
  server_->Wait();
  if (admin_ != nullptr) admin_->Stop();
  log::Info("server stopped", {{"listen", options_.listen}});
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int signo = 0;
  sigwait(&set, &signo);
  return signo;
}

void ExitIfShutdownStalls(absl::Duration limit) {
  std::thread([limit] {
    absl::SleepFor(limit);
    log::Error("shutdown did not finish in time; exiting anyway",
               {{"limit_ms", absl::ToInt64Milliseconds(limit)},
                {"exit_code", kExitShutdownStalled}});
    // Not 0: a supervisor must see that the drain did not finish.
    std::_Exit(kExitShutdownStalled);
  }).detach();
}

absl::Status SplitHostPort(const std::string& address, std::string* host,
                           int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), port) || *port < 0 ||
      *port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address '", address, "' is not host:port (e.g. 0.0.0.0:50051)"));
  }
  *host = address.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return absl::OkStatus();
}

}  // namespace qudao
