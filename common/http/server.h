// The HTTP server every qudao endpoint runs on (the admin port, the partner
// gateway): it carries requests to a RouteTable and its answers back.
// Handlers see only qudao's Request and Response, so the transport
// underneath is this file's business alone.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/http/route_table.h"

namespace httplib {
class Server;
}

namespace qudao::http {

struct ServerOptions {
  // Connections served at once.
  int threads = 8;
  // An idle keep-alive connection is closed after this long.
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  // A slow or stalled peer holds a connection at most this long per read or
  // write.
  absl::Duration io_timeout = absl::Seconds(10);
  // Larger request bodies are refused with 413.
  size_t max_body_bytes = 1 << 20;
};

class Server {
 public:
  // `name` appears in error messages, e.g. "gateway". `routes` must outlive
  // the server.
  Server(std::string name, const RouteTable* routes, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (0 picks a free port) and serves on background
  // threads; returns once connections are accepted, so Stop() right after
  // works.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  void Stop();

 private:
  const std::string name_;
  const RouteTable* routes_;
  const ServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  // Set by the listen thread when listen_after_bind() returns.
  std::atomic<bool> listen_done_{false};
  int port_ = 0;
};

}  // namespace qudao::http
