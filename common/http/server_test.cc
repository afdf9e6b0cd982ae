// The HTTP server against peers that misbehave, over real sockets: slow
// trickling clients, idle crowds, header floods, pipelining, keep-alive
// latency, oversized bodies, methods a route does not take, and a
// connection cap. Each case is one a review found the thread-per-connection
// server failing.
#include "common/http/server.h"

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/raw_socket.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RawConnection;
using testing::ResponseStatuses;

std::string Get(const std::string& path, bool close = false) {
  return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: test\r\n",
                      close ? "Connection: close\r\n" : "", "\r\n");
}

// Resident memory of this process, in kB.
int64_t RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kb = 0;
      (void)absl::SimpleAtoi(
          absl::StripAsciiWhitespace(line.substr(6, line.size() - 6 - 3)), &kb);
      return kb;
    }
  }
  return 0;
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    routes_.Add("GET", "/hello/{name}",
                [](const Request&, const PathParams& params, Response& res) {
                  res.SetContent(absl::StrCat("hello ", params.at("name")),
                                 "text/plain");
                });
    routes_.Add("POST", "/echo",
                [](const Request& req, const PathParams&, Response& res) {
                  res.SetContent(req.body, "text/plain");
                });
    routes_.SetErrorRenderer([](const Request&, Response& res) {
      res.SetContent(absl::StrCat("error ", res.status), "text/plain");
    });
    server_ = std::make_unique<Server>("test", &routes_, options);
    ASSERT_TRUE(server_->Start("127.0.0.1", 0).ok());
  }

  // One ordinary request on a new connection: its latency, or an error.
  absl::StatusOr<absl::Duration> OrdinaryRequest() {
    const absl::Time start = absl::Now();
    auto c = RawConnection::Connect(server_->port());
    if (!c.ok()) return c.status();
    if (absl::Status s = c->Send(Get("/hello/you", true)); !s.ok()) return s;
    const std::string got = c->ReadResponses(1, absl::Seconds(5));
    if (ResponseStatuses(got) != std::vector<int>{200}) {
      return absl::UnavailableError("no answer: " + got);
    }
    return absl::Now() - start;
  }

  RouteTable routes_;
  std::unique_ptr<Server> server_;
};

// 64 clients each trickling one header line every 500 ms (and 200 idle
// connections) do not hold up anyone else, and a trickler is cut off when
// its head deadline passes.
TEST_F(ServerTest, SlowClientsDoNotStopOrdinaryRequests) {
  ServerOptions options;
  options.head_timeout = absl::Seconds(2);
  Start(options);
  std::vector<RawConnection> slow, idle;
  for (int i = 0; i < 64; ++i) {
    auto c = RawConnection::Connect(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->Send("GET /hello/slow HTTP/1.1\r\n").ok());
    slow.push_back(std::move(*c));
  }
  for (int i = 0; i < 200; ++i) {
    auto c = RawConnection::Connect(server_->port());
    ASSERT_TRUE(c.ok());
    idle.push_back(std::move(*c));
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    for (int line = 0; trickling; ++line) {
      for (auto& c : slow)
        (void)c.Send(absl::StrCat("X-Line-", line, ": a\r\n"));
      absl::SleepFor(absl::Milliseconds(500));
    }
  });
  absl::Duration worst;
  for (int i = 0; i < 10; ++i) {
    auto latency = OrdinaryRequest();
    ASSERT_TRUE(latency.ok()) << latency.status();
    worst = std::max(worst, *latency);
  }
  // Generous: the thread-per-connection server took ~10 s here, or never.
  EXPECT_LT(worst, absl::Seconds(1)) << "slowest ordinary request";
  // The tricklers' head deadline (2 s) passes: they are disconnected.
  for (auto& c : slow) EXPECT_TRUE(c.ClosedByPeer(absl::Seconds(5)));
  trickling = false;
  trickle.join();
}

// A header flood is refused once the head exceeds its limit (431) and the
// connection closed: memory stays flat, however long the flood would go on.
TEST_F(ServerTest, AHeaderFloodIsRefusedAndCostsNoMemory) {
  Start();
  const int64_t before = RssKb();
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += "X-Flood: aaaaaaaaaaaaaaaa\r\n";
  for (int flood = 0; flood < 4; ++flood) {
    auto c = RawConnection::Connect(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->Send("GET /hello/flood HTTP/1.1\r\n").ok());
    // Up to 1,000,000 header lines; the server stops reading long before.
    int sent_lines = 0;
    while (sent_lines < 1000000 && c->Send(lines).ok()) sent_lines += 1000;
    EXPECT_LT(sent_lines, 1000000) << "the server read the whole flood";
    const std::string got = c->ReadResponses(1, absl::Seconds(5));
    if (!got.empty()) {
      EXPECT_THAT(ResponseStatuses(got), ElementsAre(431));
    }
    EXPECT_TRUE(c->ClosedByPeer(absl::Seconds(5)));
  }
  EXPECT_LT(RssKb() - before, 20 * 1024) << "kB grown by four floods";
  // The server still serves.
  EXPECT_TRUE(OrdinaryRequest().ok());
}

TEST_F(ServerTest, TooManyHeaderLinesAreRefused) {
  ServerOptions options;
  options.max_header_count = 10;
  Start(options);
  auto c = RawConnection::Connect(server_->port());
  ASSERT_TRUE(c.ok());
  std::string request = "GET /hello/many HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 20; ++i) absl::StrAppend(&request, "X-", i, ": v\r\n");
  ASSERT_TRUE(c->Send(request + "\r\n").ok());
  EXPECT_THAT(ResponseStatuses(c->ReadResponses(1, absl::Seconds(5))),
              ElementsAre(431));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  auto c = RawConnection::Connect(server_->port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(
      c->Send(Get("/hello/one") + Get("/hello/two") + Get("/hello/three"))
          .ok());
  const std::string got = c->ReadResponses(3, absl::Seconds(5));
  EXPECT_THAT(ResponseStatuses(got), ElementsAre(200, 200, 200));
  const size_t one = got.find("hello one");
  const size_t two = got.find("hello two");
  const size_t three = got.find("hello three");
  ASSERT_NE(one, std::string::npos);
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_FALSE(c->ClosedByPeer(absl::Milliseconds(200)))
      << "kept alive after the pipeline";
}

// Requests on a reused connection are answered at once (TCP_NODELAY): no
// ~40 ms wait for a delayed ACK between a response's head and body.
TEST_F(ServerTest, KeepAliveRequestsDoNotWaitForDelayedAcks) {
  Start();
  auto c = RawConnection::Connect(server_->port());
  ASSERT_TRUE(c.ok());
  std::vector<absl::Duration> latencies;
  for (int i = 0; i < 30; ++i) {
    const absl::Time start = absl::Now();
    ASSERT_TRUE(c->Send(Get("/hello/again")).ok());
    ASSERT_EQ(ResponseStatuses(c->ReadResponses(1, absl::Seconds(5))).size(),
              1u);
    latencies.push_back(absl::Now() - start);
  }
  std::sort(latencies.begin(), latencies.end());
  // Nagle meeting a delayed ACK costs 40 ms each time; the median shows it.
  EXPECT_LT(latencies[latencies.size() / 2], absl::Milliseconds(20));
}

TEST_F(ServerTest, OtherMethodsGet405WithAllowAndBodiesHaveALimit) {
  ServerOptions options;
  options.max_body_bytes = 100;
  Start(options);
  for (const char* method :
       {"PUT", "PATCH", "TRACE", "POST", "DELETE", "OPTIONS"}) {
    auto c = RawConnection::Connect(server_->port());
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->Send(absl::StrCat(method,
                                     " /hello/x HTTP/1.1\r\nHost: t\r\n"
                                     "Content-Length: 0\r\n\r\n"))
                    .ok());
    const std::string got = c->ReadResponses(1, absl::Seconds(5));
    EXPECT_THAT(ResponseStatuses(got), ElementsAre(405)) << method;
    EXPECT_THAT(got, HasSubstr("Allow: GET, HEAD")) << method;
  }
  auto c = RawConnection::Connect(server_->port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->Send(absl::StrCat("POST /echo HTTP/1.1\r\nHost: t\r\n"
                                   "Content-Length: 500\r\n\r\n",
                                   std::string(500, 'x')))
                  .ok());
  EXPECT_THAT(ResponseStatuses(c->ReadResponses(1, absl::Seconds(5))),
              ElementsAre(413));
  EXPECT_TRUE(c->ClosedByPeer(absl::Seconds(5)));
  // Garbage is 400.
  auto g = RawConnection::Connect(server_->port());
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(g->Send("this is not http\r\n\r\n").ok());
  EXPECT_THAT(ResponseStatuses(g->ReadResponses(1, absl::Seconds(5))),
              ElementsAre(400));
}

TEST_F(ServerTest, IdleKeepAliveConnectionsAreClosed) {
  ServerOptions options;
  options.keep_alive_timeout = absl::Milliseconds(300);
  Start(options);
  auto c = RawConnection::Connect(server_->port());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->Send(Get("/hello/once")).ok());
  EXPECT_EQ(ResponseStatuses(c->ReadResponses(1, absl::Seconds(5))).size(), 1u);
  EXPECT_TRUE(c->ClosedByPeer(absl::Seconds(5)));
}

TEST_F(ServerTest, ConnectionsBeyondTheCapAreTurnedAway) {
  ServerOptions options;
  options.max_connections = 10;
  Start(options);
  std::vector<RawConnection> held;
  for (int i = 0; i < 10; ++i) {
    auto c = RawConnection::Connect(server_->port());
    ASSERT_TRUE(c.ok());
    held.push_back(std::move(*c));
  }
  // Let the server register them.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (server_->open_connections() < 10 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  auto extra = RawConnection::Connect(server_->port());
  ASSERT_TRUE(extra.ok());
  EXPECT_THAT(ResponseStatuses(extra->ReadResponses(1, absl::Seconds(5))),
              ElementsAre(503));
  held.clear();
  const absl::Time later = absl::Now() + absl::Seconds(5);
  while (server_->open_connections() > 0 && absl::Now() < later) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(OrdinaryRequest().ok());
}

// The byte-level entry point used by the fuzzer answers as a connection
// would.
TEST_F(ServerTest, ServeBytesAnswersLikeAConnection) {
  Start();
  const std::string out = ServeBytesForTesting(
      routes_, ServerOptions(),
      Get("/hello/a") + Get("/nope") + "PUT /hello/b HTTP/1.1\r\n\r\n");
  EXPECT_THAT(ResponseStatuses(out), ElementsAre(200, 404, 405));
  EXPECT_THAT(ResponseStatuses(ServeBytesForTesting(routes_, ServerOptions(),
                                                    "\x01\x02garbage\r\n\r\n")),
              ElementsAre(400));
}

}  // namespace
}  // namespace qudao::http
