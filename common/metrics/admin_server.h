// The admin HTTP port every process exposes: /metrics (Prometheus text),
// /healthz (the process is up), /readyz (every dependency answers).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "common/metrics/metrics.h"

namespace httplib {
class Server;
}

namespace qudao {

class AdminServer {
 public:
  AdminServer(metrics::Registry* registry, std::function<bool()> ready);
  ~AdminServer();
  // Binds host:port (port 0 picks one) and serves on a background thread.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  void Stop();

 private:
  metrics::Registry* registry_;
  std::function<bool()> ready_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace qudao
