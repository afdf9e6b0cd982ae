// AdminServer on cpp-httplib.
#include "common/metrics/admin_server.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace qudao {
namespace {

// How long Start() waits for the listen thread to be accepting.
constexpr absl::Duration kStartTimeout = absl::Seconds(5);

}  // namespace

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
  if (port == 0) {
    port_ = server_->bind_to_any_port(host.c_str());
    if (port_ <= 0) {
      return absl::UnavailableError(
          absl::StrCat("admin server cannot bind ", host, ":0"));
    }
  } else {
    if (!server_->bind_to_port(host.c_str(), port)) {
      return absl::UnavailableError(absl::StrCat(
          "admin server cannot bind ", host, ":", port, " (in use?)"));
    }
    port_ = port;
  }
  listen_done_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_done_ = true;
  });
  // httplib's stop() does nothing until the listen thread has marked the
  // server running, so a Stop() right after Start() would be lost and its
  // join() would hang. Return only once the server runs.
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (!server_->is_running() && !listen_done_) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("admin server did not start listening within ",
                       absl::FormatDuration(kStartTimeout)));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (!server_->is_running()) {
    thread_.join();
    return absl::UnavailableError(
        absl::StrCat("admin server stopped listening on ", host, ":", port_));
  }
  return absl::OkStatus();
}

void AdminServer::Stop() {
  if (!thread_.joinable()) return;
  // Should Start() have given up waiting, still wait for the listen thread
  // to run (or end) before stopping it, for the reason given in Start().
  while (!server_->is_running() && !listen_done_) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  server_->stop();
  thread_.join();
}

}  // namespace qudao
