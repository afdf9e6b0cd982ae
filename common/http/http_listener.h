// Runs a cpp-httplib server on a background thread: binds (port 0 picks a
// free port), waits until it accepts connections, and stops without the
// Start/Stop race of httplib 0.11 (whose stop() is a no-op until the listen
// thread has marked the server running). Used by every HTTP endpoint: the
// admin port and the partner gateway.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace httplib {
class Server;
}

namespace qudao {

class HttpListener {
 public:
  // `name` appears in error messages, e.g. "gateway".
  explicit HttpListener(std::string name) : name_(std::move(name)) {}
  ~HttpListener() { Stop(); }
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // `server` must outlive the listener (or Stop()).
  absl::Status Start(httplib::Server& server, const std::string& host,
                     int port);
  int port() const { return port_; }
  void Stop();

 private:
  const std::string name_;
  httplib::Server* server_ = nullptr;
  std::thread thread_;
  // Set by the listen thread when listen_after_bind() returns.
  std::atomic<bool> listen_done_{false};
  int port_ = 0;
};

}  // namespace qudao
