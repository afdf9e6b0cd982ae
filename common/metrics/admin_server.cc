// AdminServer on cpp-httplib.
#include "common/metrics/admin_server.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"

namespace qudao {
AdminServer::AdminServer(metrics::Registry* registry,
                         std::function<bool()> ready)
    : registry_(registry),
      ready_(std::move(ready)),
      server_(std::make_unique<httplib::Server>()) {}

AdminServer::~AdminServer() { Stop(); }

absl::Status AdminServer::Start(const std::string& host, int port) {
  // Scrapers call every few seconds at most; a short keep-alive lets
  // shutdown finish promptly instead of waiting out idle connections.
  server_->set_keep_alive_timeout(1);
  server_->Get(
      "/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(registry_->Render(), "text/plain; version=0.0.4");
      });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get(
      "/readyz", [this](const httplib::Request&, httplib::Response& res) {
        const bool ready = ready_();
        res.status = ready ? 200 : 503;
        res.set_content(ready ? "ready\n" : "not ready\n", "text/plain");
      });
  return listener_.Start(*server_, host, port);
}

void AdminServer::Stop() { listener_.Stop(); }

}  // namespace qudao
