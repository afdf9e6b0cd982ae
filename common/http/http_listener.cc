// HttpListener; see http_listener.h.
#include "common/http/http_listener.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace qudao {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(5);

}  // namespace

absl::Status HttpListener::Start(httplib::Server& server,
                                 const std::string& host, int port) {
  server_ = &server;
  if (port == 0) {
    port_ = server.bind_to_any_port(host.c_str());
    if (port_ <= 0) {
      return absl::UnavailableError(
          absl::StrCat(name_, " cannot bind ", host, ":0"));
    }
  } else {
    if (!server.bind_to_port(host.c_str(), port)) {
      return absl::UnavailableError(
          absl::StrCat(name_, " cannot bind ", host, ":", port, " (in use?)"));
    }
    port_ = port;
  }
  listen_done_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listen_done_ = true;
  });
  // Return only once the server runs, so a Stop() right after is not lost.
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (!server.is_running() && !listen_done_) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " did not start listening within ",
                       absl::FormatDuration(kStartTimeout)));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (!server.is_running()) {
    thread_.join();
    return absl::UnavailableError(
        absl::StrCat(name_, " stopped listening on ", host, ":", port_));
  }
  return absl::OkStatus();
}

void HttpListener::Stop() {
  if (!thread_.joinable()) return;
  // Should Start() have given up waiting, still wait for the listen thread
  // to run (or end) before stopping it, for the reason given above.
  while (!server_->is_running() && !listen_done_) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  server_->stop();
  thread_.join();
}

}  // namespace qudao
