// Server on cpp-httplib; see server.h.
#include "common/http/server.h"

#include <httplib.h>

#include <exception>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace qudao::http {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(5);

Request ToRequest(const httplib::Request& in) {
  Request out;
  out.method = in.method;
  out.path = in.path;
  const size_t q = in.target.find('?');
  if (q != std::string::npos) out.query = in.target.substr(q + 1);
  for (const auto& [name, value] : in.headers) {
    out.headers.emplace(absl::AsciiStrToLower(name), value);
  }
  out.body = in.body;
  out.peer = in.remote_addr;
  return out;
}

void FromResponse(const Response& in, httplib::Response& out) {
  out.status = in.status;
  std::string type = "text/plain";
  for (const auto& [name, value] : in.headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Type")) {
      type = value;
    } else {
      out.set_header(name, value);
    }
  }
  out.set_content(in.body, type);
}

}  // namespace

Server::Server(std::string name, const RouteTable* routes,
               ServerOptions options)
    : name_(std::move(name)),
      routes_(routes),
      options_(options),
      server_(std::make_unique<httplib::Server>()) {
  const int threads = options_.threads;
  server_->new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server_->set_keep_alive_timeout(
      absl::ToInt64Seconds(options_.keep_alive_timeout));
  server_->set_keep_alive_max_count(100);
  const int64_t io_us = absl::ToInt64Microseconds(options_.io_timeout);
  server_->set_read_timeout(io_us / 1000000, io_us % 1000000);
  server_->set_write_timeout(io_us / 1000000, io_us % 1000000);
  server_->set_payload_max_length(options_.max_body_bytes);
  auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
    Response out;
    routes_->Dispatch(ToRequest(req), out);
    FromResponse(out, res);
  };
  server_->Get(".*", dispatch);
  server_->Post(".*", dispatch);
  server_->Put(".*", dispatch);
  server_->Patch(".*", dispatch);
  server_->Delete(".*", dispatch);
  server_->Options(".*", dispatch);
  // Errors httplib produces itself (an oversized or malformed request)
  // get the table's error body too.
  server_->set_error_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        Response out;
        out.status = res.status;
        routes_->RenderError(ToRequest(req), out);
        FromResponse(out, res);
      });
  // Without this handler httplib puts the exception's what() in a response
  // header; the caller gets a bare 500.
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal error\n", "text/plain");
      });
}

Server::~Server() { Stop(); }

absl::Status Server::Start(const std::string& host, int port) {
  if (port == 0) {
    port_ = server_->bind_to_any_port(host.c_str());
    if (port_ <= 0) {
      return absl::UnavailableError(
          absl::StrCat(name_, " cannot bind ", host, ":0"));
    }
  } else {
    if (!server_->bind_to_port(host.c_str(), port)) {
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
  // httplib's stop() is a no-op until the listen thread has marked the
  // server running: return only once it runs, so a Stop() right after is
  // not lost.
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (!server_->is_running() && !listen_done_) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " did not start listening within ",
                       absl::FormatDuration(kStartTimeout)));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (!server_->is_running()) {
    thread_.join();
    return absl::UnavailableError(
        absl::StrCat(name_, " stopped listening on ", host, ":", port_));
  }
  return absl::OkStatus();
}

void Server::Stop() {
  if (!thread_.joinable()) return;
  while (!server_->is_running() && !listen_done_) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  server_->stop();
  thread_.join();
}

}  // namespace qudao::http
