// The partner-facing HTTP server compared on the cases a hostile review
// raised and on throughput, in one run on one machine:
//   beast       qudao's server (common/http, Boost.Beast on Asio)
//   httplib     cpp-httplib 0.11 as the gateway ran it before (64-thread
//               pool, 5 s keep-alive, 10 s read timeout)
//   microhttpd  libmicrohttpd 0.9.75 (epoll, 2 threads, 32 KiB per
//               connection, 10 s idle timeout)
// Each serves GET /hello. Prints, per server: the slowest of 10 ordinary
// requests while 64 clients trickle headers and 200 sit idle; the median
// request latency on a reused connection; how many of 3 pipelined requests
// are answered; RSS growth from 4 header floods; and wrk throughput.
//
//   build/bench/http_server_bench [--wrk_seconds=5]
#include <httplib.h>
#include <microhttpd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/http/route_table.h"
#include "common/http/server.h"
#include "common/testing/harness.h"
#include "common/testing/raw_socket.h"

ABSL_FLAG(int, wrk_seconds, 5, "seconds of wrk load per server");

namespace qudao::bench {
namespace {

using testing::RawConnection;
using testing::ResponseStatuses;

// A server under test: started on a free port, stopped on destruction.
class Candidate {
 public:
  virtual ~Candidate() = default;
  virtual int port() const = 0;
};

class BeastCandidate : public Candidate {
 public:
  BeastCandidate() {
    routes_.Add(
        "GET", "/hello",
        [](const http::Request&, const http::PathParams&, http::Response& res) {
          res.SetContent("hello", "text/plain");
        });
    http::ServerOptions options;
    server_ = std::make_unique<http::Server>("beast", &routes_, options);
    (void)server_->Start("127.0.0.1", 0);
  }
  int port() const override { return server_->port(); }

 private:
  http::RouteTable routes_;
  std::unique_ptr<http::Server> server_;
};

class HttplibCandidate : public Candidate {
 public:
  HttplibCandidate() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server_.set_keep_alive_timeout(5);
    server_.set_keep_alive_max_count(100);
    server_.set_read_timeout(10, 0);
    server_.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) absl::SleepFor(absl::Milliseconds(1));
  }
  ~HttplibCandidate() override {
    server_.stop();
    thread_.join();
  }
  int port() const override { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

class MicrohttpdCandidate : public Candidate {
 public:
  MicrohttpdCandidate() {
    daemon_ = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD, 0, nullptr, nullptr, &Handle, nullptr,
        MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        static_cast<size_t>(32 * 1024), MHD_OPTION_END);
    if (daemon_ != nullptr) {
      port_ = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)->port;
    }
  }
  ~MicrohttpdCandidate() override {
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
  }
  int port() const override { return port_; }

 private:
  static MHD_Result Handle(void*, MHD_Connection* connection, const char* url,
                           const char*, const char*, const char*, size_t*,
                           void** request_state) {
    // libmicrohttpd's pattern: the first call only acknowledges the head;
    // answering before the request is complete forces Connection: close.
    static int seen;
    if (*request_state == nullptr) {
      *request_state = &seen;
      return MHD_YES;
    }
    const bool hello = std::string(url) == "/hello";
    static char kHello[] = "hello";
    static char kMissing[] = "not found";
    MHD_Response* response = MHD_create_response_from_buffer(
        hello ? 5 : 9, hello ? kHello : kMissing, MHD_RESPMEM_PERSISTENT);
    const MHD_Result r = MHD_queue_response(
        connection, hello ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, response);
    MHD_destroy_response(response);
    return r;
  }
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

int64_t RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kb = 0;
      (void)absl::SimpleAtoi(
          absl::StripAsciiWhitespace(line.substr(6, line.size() - 9)), &kb);
      return kb;
    }
  }
  return 0;
}

const char kGet[] = "GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n";
const char kGetClose[] =
    "GET /hello HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

// The slowest of 10 ordinary requests (new connections) while 64 clients
// trickle a header line every second and 200 connections sit idle; -1 if
// one went unanswered within 15 s.
double SlowClientsMs(int port) {
  std::vector<RawConnection> crowd;
  for (int i = 0; i < 64; ++i) {
    auto c = RawConnection::Connect(port);
    if (c.ok() && c->Send("GET /hello HTTP/1.1\r\n").ok()) {
      crowd.push_back(std::move(*c));
    }
  }
  for (int i = 0; i < 200; ++i) {
    auto c = RawConnection::Connect(port);
    if (c.ok()) crowd.push_back(std::move(*c));
  }
  std::atomic<bool> going{true};
  std::thread trickle([&] {
    for (int n = 0; going; ++n) {
      for (int i = 0; i < 64 && i < static_cast<int>(crowd.size()); ++i) {
        (void)crowd[i].Send(absl::StrCat("X-Slow-", n, ": a\r\n"));
      }
      absl::SleepFor(absl::Seconds(1));
    }
  });
  absl::SleepFor(absl::Milliseconds(300));
  double worst = 0;
  for (int i = 0; i < 10; ++i) {
    const absl::Time start = absl::Now();
    auto c = RawConnection::Connect(port);
    if (!c.ok() || !c->Send(kGetClose).ok() ||
        ResponseStatuses(c->ReadResponses(1, absl::Seconds(15))).size() != 1) {
      worst = -1;
      break;
    }
    worst = std::max(worst, absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  going = false;
  trickle.join();
  return worst;
}

// Median latency of 30 requests on one kept-alive connection.
double KeepAliveMs(int port) {
  auto c = RawConnection::Connect(port);
  if (!c.ok()) return -1;
  std::vector<double> ms;
  for (int i = 0; i < 30; ++i) {
    const absl::Time start = absl::Now();
    if (!c->Send(kGet).ok()) return -1;
    const std::string got = c->ReadResponses(1, absl::Seconds(5));
    if (ResponseStatuses(got).size() != 1) {
      std::fprintf(stderr, "keep-alive request %d unanswered: %s\n", i,
                   got.c_str());
      return -1;
    }
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Responses to three GETs sent in one write.
int Pipelined(int port) {
  auto c = RawConnection::Connect(port);
  if (!c.ok() || !c->Send(absl::StrCat(kGet, kGet, kGet)).ok()) return 0;
  return static_cast<int>(
      ResponseStatuses(c->ReadResponses(3, absl::Seconds(3))).size());
}

// RSS growth (MB) of this process from 4 connections each streaming up to
// 1,000,000 header lines (stopping when the server closes).
double FloodMb(int port) {
  const int64_t before = RssKb();
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += "X-Flood: aaaaaaaaaaaaaaaa\r\n";
  std::vector<std::thread> floods;
  for (int f = 0; f < 4; ++f) {
    floods.emplace_back([&] {
      auto c = RawConnection::Connect(port);
      if (!c.ok() || !c->Send("GET /hello HTTP/1.1\r\n").ok()) return;
      for (int sent = 0; sent < 1000000 && c->Send(lines).ok(); sent += 1000) {
      }
    });
  }
  for (auto& t : floods) t.join();
  absl::SleepFor(absl::Milliseconds(500));
  return static_cast<double>(RssKb() - before) / 1024;
}

// wrk, 64 connections: requests per second.
double WrkRps(int port) {
  std::string out;
  auto code = testing::RunCommand(
      {"/usr/bin/wrk", "-t2", "-c64",
       absl::StrCat("-d", absl::GetFlag(FLAGS_wrk_seconds), "s"),
       absl::StrCat("http://127.0.0.1:", port, "/hello")},
      &out);
  if (!code.ok() || *code != 0) return -1;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    double rps = 0;
    if (absl::ConsumePrefix(&line, "Requests/sec:") &&
        absl::SimpleAtod(absl::StripAsciiWhitespace(line), &rps)) {
      return rps;
    }
  }
  return -1;
}

int Run() {
  std::printf(
      "qudao http_server_bench: GET /hello; slow = slowest of 10 requests "
      "beside 64 trickling + 200 idle connections; keep-alive = median on a "
      "reused connection; flood = RSS growth from 4 x up to 1M header lines "
      "(server and clients in this process); wrk -t2 -c64\n\n");
  std::printf("%-12s %10s %14s %10s %10s %12s\n", "server", "slow ms",
              "keep-alive ms", "pipelined", "flood MB", "wrk req/s");
  const std::vector<
      std::pair<const char*, std::function<std::unique_ptr<Candidate>()>>>
      candidates = {
          {"beast", [] { return std::make_unique<BeastCandidate>(); }},
          {"httplib", [] { return std::make_unique<HttplibCandidate>(); }},
          {"microhttpd",
           [] { return std::make_unique<MicrohttpdCandidate>(); }},
      };
  for (const auto& [name, make] : candidates) {
    double slow, keep, flood, rps;
    int pipelined;
    {
      auto c = make();
      slow = SlowClientsMs(c->port());
    }
    {
      auto c = make();
      keep = KeepAliveMs(c->port());
      pipelined = Pipelined(c->port());
      flood = FloodMb(c->port());
    }
    {
      auto c = make();
      rps = WrkRps(c->port());
    }
    std::printf("%-12s %10.1f %14.2f %8d/3 %10.1f %12.0f\n", name, slow, keep,
                pipelined, flood, rps);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return qudao::bench::Run();
}
