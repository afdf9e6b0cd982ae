// The HTTP/1.1 server every qudao endpoint runs on (the partner gateway,
// the admin port): event-driven on Boost.Asio/Beast, so a connection costs
// a little memory, not a thread, and a slow or hostile peer cannot hold the
// server. Requests are carried to a RouteTable; handlers run on a worker
// pool (they may block on gRPC calls), never on the I/O threads.
//
// What a peer gets, whatever it sends:
//   - the request head must arrive within head_timeout of its first byte
//     and the whole request within request_timeout: a client trickling one
//     header line every few seconds is cut off (408);
//   - at most max_header_bytes of head and max_header_count header lines
//     (431), at most max_body_bytes of body (413), malformed requests 400;
//     the connection is closed after any of these;
//   - an idle keep-alive connection is closed after keep_alive_timeout;
//   - at most max_connections at once: more are answered 503 and closed;
//   - pipelined requests are answered in order on the same connection;
//   - TCP_NODELAY: a response leaves at once, never waiting for an ACK.
// Handlers see only qudao's Request and Response (route_table.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/http/route_table.h"

namespace qudao::http {

struct ServerOptions {
  // Threads running the event loop (parsing, writing).
  int io_threads = 2;
  // Threads running handlers.
  int handler_threads = 16;
  int max_connections = 1024;
  absl::Duration head_timeout = absl::Seconds(10);
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  absl::Duration write_timeout = absl::Seconds(10);
  size_t max_header_bytes = 16 * 1024;
  size_t max_header_count = 100;
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
  // threads; returns once connections are accepted.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  // Stops accepting, closes every connection, waits for the threads.
  void Stop();

  // Connections open now (for tests and metrics).
  int open_connections() const;

  class Impl;

 private:
  const std::string name_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Parses and answers the requests in `bytes` as one connection of a server
// with `options` and `routes` would (same parser, limits and routing,
// without sockets or timers), and returns the bytes of the responses. For
// fuzzing and tests.
std::string ServeBytesForTesting(const RouteTable& routes,
                                 const ServerOptions& options,
                                 const std::string& bytes);

}  // namespace qudao::http
