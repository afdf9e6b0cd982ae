// The admin HTTP port every process exposes: /metrics (Prometheus text),
// /healthz (the process is up), /readyz (every dependency answers).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/http/http_listener.h"
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
  // Returns once the server accepts connections (so Stop() right after
  // works).
  absl::Status Start(const std::string& host, int port);
  int port() const { return listener_.port(); }
  void Stop();

 private:
  metrics::Registry* registry_;
  std::function<bool()> ready_;
  std::unique_ptr<httplib::Server> server_;
  HttpListener listener_{"admin server"};
};

}  // namespace qudao
