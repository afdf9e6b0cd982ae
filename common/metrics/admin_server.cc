// AdminServer; see admin_server.h.
#include "common/metrics/admin_server.h"

namespace qudao {
namespace {

http::ServerOptions AdminOptions() {
  http::ServerOptions options;
  options.io_threads = 1;
  options.handler_threads = 2;
  options.max_connections = 64;
  options.keep_alive_timeout = absl::Seconds(30);
  // Only GETs: a body is never data here.
  options.max_body_bytes = 0;
  return options;
}

}  // namespace

AdminServer::AdminServer(metrics::Registry* registry,
                         std::function<bool()> ready)
    : registry_(registry),
      ready_(std::move(ready)),
      server_("admin server", &routes_, AdminOptions()) {
  routes_.Add("GET", "/metrics",
              [this](const http::Request&, const http::PathParams&,
                     http::Response& res) {
                res.SetContent(registry_->Render(),
                               "text/plain; version=0.0.4");
              });
  routes_.Add(
      "GET", "/healthz",
      [](const http::Request&, const http::PathParams&, http::Response& res) {
        res.SetContent("ok\n", "text/plain");
      });
  routes_.Add("GET", "/readyz",
              [this](const http::Request&, const http::PathParams&,
                     http::Response& res) {
                const bool ready = ready_();
                res.status = ready ? 200 : 503;
                res.SetContent(ready ? "ready\n" : "not ready\n", "text/plain");
              });
  routes_.SetErrorRenderer([](const http::Request&, http::Response& res) {
    res.SetContent(res.status == 404   ? "not found\n"
                   : res.status == 405 ? "method not allowed\n"
                                       : "bad request\n",
                   "text/plain");
  });
}

AdminServer::~AdminServer() { Stop(); }

absl::Status AdminServer::Start(const std::string& host, int port) {
  return server_.Start(host, port);
}

void AdminServer::Stop() { server_.Stop(); }

}  // namespace qudao
