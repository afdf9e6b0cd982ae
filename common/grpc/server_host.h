// Hosts service modules on one gRPC server: health (grpc.health.v1, one
// status per module, driven by its real dependency probe), reflection, the
// observability interceptor, an admin HTTP port with Prometheus metrics, and
// graceful shutdown that stops taking calls and drains in-flight ones within
// a deadline.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/grpc/service_module.h"
#include "common/metrics/admin_server.h"
#include "common/metrics/metrics.h"

namespace qudao {

struct HostOptions {
  // host:port for gRPC; port 0 picks a free one (see grpc_port()).
  std::string listen = "0.0.0.0:50051";
  // host:port for /metrics, /healthz, /readyz; empty disables it.
  std::string admin_listen;
  // In-flight calls get this long to finish at shutdown.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // How often module health probes run.
  absl::Duration health_interval = absl::Seconds(2);
  // How often modules look for due periodic jobs (leased, so each runs once
  // per period across replicas).
  absl::Duration job_interval = absl::Seconds(30);
  // Serve grpc.reflection (off in production: it lists every method).
  bool reflection = false;
  // TLS: a PEM certificate chain and key serve gRPC over TLS; a client CA
  // bundle also requires and verifies client certificates. Empty:
  // plaintext (a mesh or a private network provides transport security).
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_client_ca_pem;
};

class ServiceHost {
 public:
  ServiceHost(HostOptions options, metrics::Registry* registry);
  ~ServiceHost();

  // Modules are owned by the caller and must outlive the host.
  void AddModule(ServiceModule* module);
  // A service without a health probe (e.g. the benchmark echo service).
  void AddService(grpc::Service* service);

  absl::Status Start();
  int grpc_port() const { return grpc_port_; }
  int admin_port() const;

  // Marks everything NOT_SERVING, refuses new calls, waits up to
  // shutdown_grace for in-flight ones, then cancels what is left.
  void Shutdown();

 private:
  void ProbeHealth();
  bool AllHealthy() const;

  const HostOptions options_;
  metrics::Registry* registry_;
  std::vector<ServiceModule*> modules_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<AdminServer> admin_;
  int grpc_port_ = 0;
  std::thread prober_;
  absl::Notification stop_probing_;
  bool shut_down_ = false;
  mutable absl::Mutex mu_;
  std::vector<bool> healthy_ ABSL_GUARDED_BY(mu_);
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts
// afterwards; call first thing in main. Then WaitForShutdownSignal() returns
// the signal that arrived.
void BlockShutdownSignals();
int WaitForShutdownSignal();

// The exit code of a process whose shutdown stalled (see below).
inline constexpr int kExitShutdownStalled = 3;

// Call when shutdown begins: if the process is still alive after `limit`
// (a peer that never closes its connection can hold gRPC's shutdown open
// past its deadline), logs that and exits with kExitShutdownStalled. Safe
// because every write is transactional and in-flight calls were cancelled
// at the drain deadline.
void ExitIfShutdownStalls(absl::Duration limit);

// Splits "host:port" (or "[v6]:port"); INVALID_ARGUMENT if malformed.
absl::Status SplitHostPort(const std::string& address, std::string* host,
                           int* port);

}  // namespace qudao
