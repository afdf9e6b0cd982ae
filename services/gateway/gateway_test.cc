// The gateway over real HTTP, in front of a real customer records server;
// plus the start/stop behaviour it shares with the admin server.
#include "services/gateway/gateway.h"

#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/grpc/status.h"
#include "common/metrics/admin_server.h"
#include "common/testing/identity.h"
#include "common/testing/raw_socket.h"
#include "common/testing/service_fixture.h"
#include "common/testing/uscc.h"
#include "common/validation/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/customer_records/customer_records_module.h"

namespace qudao::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace pb = ::qudao::customer::v1;

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fixture =
        testing::ServiceFixture::Start(customer::NewCustomerRecordsModule);
    ASSERT_TRUE(fixture.ok()) << fixture.status();
    backend_ = std::move(*fixture);
    auto stub = pb::CustomerRecordsService::NewStub(backend_->channel());
    for (const char* name : {"Alpha Trading", "Beta Supplies"}) {
      pb::CreateDealerRequest req;
      req.mutable_dealer()->set_legal_name(name);
      req.mutable_dealer()->mutable_region()->set_province("Guangdong");
      req.mutable_dealer()->mutable_region()->set_city("Foshan");
      req.mutable_dealer()->set_channel_level(pb::CHANNEL_LEVEL_WHOLESALER);
      req.mutable_dealer()->set_owner("rep.chen");
      pb::Dealer out;
      grpc::ClientContext ctx;
      ASSERT_TRUE(stub->CreateDealer(&ctx, req, &out).ok());
      ids_.push_back(out.dealer_id());
    }
  }

  std::string BackendTarget() const {
    return absl::StrCat("127.0.0.1:",
                        backend_port_ > 0 ? backend_port_ : backend_->port());
  }

  void StartGateway(
      PartnerKeys keys, bool open_access,
      const std::string& trusted_proxies = "",
      std::shared_ptr<auth::TokenSource> service_token =
          testing::TestIdentity::Get().ServiceTokenSource("gateway")) {
    backend_port_ = backend_->port();
    GatewayOptions options;
    options.customer_records_target = BackendTarget();
    options.partner_keys = std::move(keys);
    options.open_access = open_access;
    options.trusted_proxies = TrustedProxies::Parse(trusted_proxies).value();
    options.service_token = std::move(service_token);
    gateway_ =
        std::make_unique<Gateway>(std::move(options), &registry_, &clock_);
    ASSERT_TRUE(gateway_->Start("127.0.0.1", 0).ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", gateway_->port());
  }
  void StartOpenGateway() { StartGateway(PartnerKeys(), /*open_access=*/true); }

  void StartWithKeys(const std::string& trusted_proxies = "") {
    auto keys = PartnerKeys::Parse(
        absl::StrCat("alpha-key-0123456789 ", ids_[0], "\n"));
    ASSERT_TRUE(keys.ok());
    StartGateway(*std::move(keys), /*open_access=*/false, trusted_proxies);
  }

  int GetWith(const std::string& authorization,
              const std::string& forwarded_for = "") {
    httplib::Headers headers = {{"Authorization", authorization}};
    if (!forwarded_for.empty()) {
      headers.emplace("X-Forwarded-For", forwarded_for);
    }
    auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]), headers);
    return res ? res->status : -1;
  }

  FakeClock clock_;
  metrics::Registry registry_;
  std::unique_ptr<testing::ServiceFixture> backend_;
  int backend_port_ = 0;  // kept for after backend_ is gone
  std::vector<std::string> ids_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(GatewayTest, GetsADealerAsJson) {
  StartOpenGateway();
  auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]),
                          {{"X-Request-Id", "trace-7"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("\"legal_name\":\"Alpha Trading\""));
  EXPECT_THAT(res->body, HasSubstr(ids_[0]));
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "trace-7");
}

// Header bytes gRPC would abort the process on (anything outside printable
// ASCII) never reach a backend call: a malformed trace context is dropped
// and the request is served.
TEST_F(GatewayTest, MalformedTraceContextIsDroppedNotForwarded) {
  StartOpenGateway();
  for (const std::string& traceparent :
       {std::string("\xff\xfe"), std::string("00-abc\t-1"),
        std::string(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")}) {
    auto conn = testing::RawConnection::Connect(gateway_->port());
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(conn->Send(absl::StrCat("GET /v1/dealers/", ids_[0],
                                        " HTTP/1.1\r\nHost: x\r\n"
                                        "traceparent: ",
                                        traceparent,
                                        "\r\ntracestate: k=\xff\r\n"
                                        "Connection: close\r\n\r\n"))
                    .ok());
    const std::string out = conn->ReadResponses(1, absl::Seconds(10));
    EXPECT_EQ(testing::ResponseStatuses(out), std::vector<int>{200});
  }
}

// The gateway's own account refused by the backend (a token from another
// issuer, an account without the gateway role) is the gateway's fault:
// partners get 503 without the backend's words about accounts.
TEST_F(GatewayTest, ABackendRefusingTheGatewaysAccountIsUnavailable) {
  class FixedToken : public auth::TokenSource {
   public:
    explicit FixedToken(std::string token) : token_(std::move(token)) {}
    absl::StatusOr<std::string> Token() override { return token_; }

   private:
    std::string token_;
  };
  for (const std::string& token :
       {std::string("not-a-token"),
        testing::TestIdentity::Get().Token("svc-gateway", {"warehouse"})}) {
    StartGateway(PartnerKeys(), /*open_access=*/true, "",
                 std::make_shared<FixedToken>(token));
    auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
    EXPECT_THAT(res->body, Not(HasSubstr("token")));
    EXPECT_THAT(res->body, Not(HasSubstr("role")));
    gateway_->Stop();
  }
}

TEST_F(GatewayTest, MapsErrorsToHttpWithJsonBodies) {
  StartOpenGateway();
  auto missing = client_->Get("/v1/dealers/dlr_00000000000000000000");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("\"status\":\"NOT_FOUND\""));

  auto malformed = client_->Get("/v1/dealers/12345");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_THAT(malformed->body, HasSubstr("\"field\":\"dealer_id\""));

  auto no_route = client_->Get("/v1/nothing");
  ASSERT_TRUE(no_route);
  EXPECT_EQ(no_route->status, 404);
  EXPECT_THAT(no_route->body, HasSubstr("\"error\""));
  EXPECT_FALSE(no_route->get_header_value("X-Request-Id").empty());
}

TEST_F(GatewayTest, PartnersSeeOnlyTheirOwnRecord) {
  auto keys = PartnerKeys::Parse(
      absl::StrCat("# key dealer\nalpha-key-0123456789 ", ids_[0],
                   "\nbeta-key-01234567890 ", ids_[1], "\n"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  StartGateway(*std::move(keys), /*open_access=*/false);
  const std::string path = absl::StrCat("/v1/dealers/", ids_[0]);

  auto anonymous = client_->Get(path);
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  auto wrong_key =
      client_->Get(path, {{"Authorization", "Bearer not-a-real-key-xxxx"}});
  ASSERT_TRUE(wrong_key);
  EXPECT_EQ(wrong_key->status, 401);

  // Customer records answers another dealer's record as missing: the
  // partner cannot tell it from an id that does not exist.
  auto other_dealer =
      client_->Get(path, {{"Authorization", "Bearer beta-key-01234567890"}});
  ASSERT_TRUE(other_dealer);
  EXPECT_EQ(other_dealer->status, 404);
  EXPECT_THAT(other_dealer->body, Not(HasSubstr("Alpha")));
  auto missing =
      client_->Get("/v1/dealers/dlr_0000000000000000beef",
                   {{"Authorization", "Bearer beta-key-01234567890"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto body_without_id = [](std::string body, const std::string& id) {
    return absl::StrReplaceAll(body, {{id, "ID"}});
  };
  EXPECT_EQ(body_without_id(other_dealer->body.substr(
                                0, other_dealer->body.find("\"request_id\"")),
                            ids_[0]),
            body_without_id(
                missing->body.substr(0, missing->body.find("\"request_id\"")),
                "dlr_0000000000000000beef"));

  auto own =
      client_->Get(path, {{"Authorization", "Bearer alpha-key-0123456789"}});
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  EXPECT_THAT(own->body, HasSubstr("Alpha Trading"));
}

// A partner's record shows its dealer facts (who it is billed to, its
// pricing zone, its credit code, its classification once there is one);
// the payer's own record stays the payer's.
TEST_F(GatewayTest, APartnerSeesItsDealerFactsButNotItsPayer) {
  auto stub = pb::CustomerRecordsService::NewStub(backend_->channel());
  auto create = [&](pb::Dealer d) {
    pb::CreateDealerRequest req;
    *req.mutable_dealer() = d;
    pb::Dealer out;
    grpc::ClientContext ctx;
    grpc::Status s = stub->CreateDealer(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  pb::Dealer d;
  d.set_legal_name("Gamma Distribution");
  d.mutable_region()->set_province("Guangdong");
  d.mutable_region()->set_city("Guangzhou");
  d.set_channel_level(pb::CHANNEL_LEVEL_DISTRIBUTOR);
  d.set_owner("rep.chen");
  d.set_status(pb::DEALER_STATUS_ACTIVE);
  d.set_unified_social_credit_code(testing::NextUscc());
  const pb::Dealer payer = create(d);
  d.set_legal_name("Delta Shop");
  d.set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
  d.set_parent_dealer_id(payer.dealer_id());
  d.set_payer_dealer_id(payer.dealer_id());
  d.set_pricing_zone("ZONE-SOUTH");
  const std::string uscc = testing::NextUscc();
  d.set_unified_social_credit_code(uscc);
  const pb::Dealer shop = create(d);
  ASSERT_FALSE(shop.dealer_id().empty());

  auto keys = PartnerKeys::Parse(
      absl::StrCat("delta-key-0123456789 ", shop.dealer_id(), "\n"));
  ASSERT_TRUE(keys.ok());
  StartGateway(*std::move(keys), /*open_access=*/false);
  const httplib::Headers auth = {
      {"Authorization", "Bearer delta-key-0123456789"}};
  auto own = client_->Get(absl::StrCat("/v1/dealers/", shop.dealer_id()), auth);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  EXPECT_THAT(own->body, HasSubstr(absl::StrCat("\"payer_dealer_id\":\"",
                                                payer.dealer_id(), "\"")));
  EXPECT_THAT(own->body, HasSubstr("\"pricing_zone\":\"ZONE-SOUTH\""));
  EXPECT_THAT(own->body, HasSubstr(absl::StrCat(
                             "\"unified_social_credit_code\":\"", uscc)));
  auto payers =
      client_->Get(absl::StrCat("/v1/dealers/", payer.dealer_id()), auth);
  ASSERT_TRUE(payers);
  EXPECT_EQ(payers->status, 404);
  EXPECT_THAT(payers->body, Not(HasSubstr("Gamma")));
}

// No keys used to mean "open"; now it means "nobody gets in".
TEST_F(GatewayTest, NoKeysWithoutOpenAccessRefusesEveryRequest) {
  StartGateway(PartnerKeys(), /*open_access=*/false);
  const std::string path = absl::StrCat("/v1/dealers/", ids_[0]);
  for (const httplib::Headers& headers :
       {httplib::Headers{},
        httplib::Headers{{"Authorization", "Bearer alpha-key-0123456789"}},
        httplib::Headers{{"Authorization", "Bearer "}}}) {
    auto res = client_->Get(path, headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_THAT(res->body, HasSubstr("\"status\":\"UNAUTHENTICATED\""));
    EXPECT_THAT(res->body, Not(HasSubstr("Alpha")));
  }
  // Even a malformed id is refused before it is looked at.
  auto malformed = client_->Get("/v1/dealers/12345");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 401);
}

TEST_F(GatewayTest, OpenAccessDoesNotOverrideLoadedKeys) {
  auto keys =
      PartnerKeys::Parse(absl::StrCat("alpha-key-0123456789 ", ids_[0], "\n"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  StartGateway(*std::move(keys), /*open_access=*/true);
  auto anonymous = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]));
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
}

// httplib percent-decodes header values ("%01" arrives as byte 0x01), and
// gRPC aborts the process on such metadata; a bad id must be replaced, not
// forwarded.
TEST_F(GatewayTest, ReplacesMalformedRequestIds) {
  StartOpenGateway();
  const std::string path = absl::StrCat("/v1/dealers/", ids_[0]);
  for (const std::string& bad :
       {std::string("%01"), std::string(200, 'a'), std::string("a b%0Ac")}) {
    SCOPED_TRACE(bad);
    auto res = client_->Get(path, {{"X-Request-Id", bad}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_THAT(res->body, HasSubstr("Alpha Trading"));
    const std::string id = res->get_header_value("X-Request-Id");
    EXPECT_FALSE(id.empty());
    EXPECT_NE(id, bad);
    EXPECT_TRUE(ValidRequestId("id", id).ok()) << id;
  }
  // The process survived: a later request still works.
  auto again = client_->Get(path, {{"X-Request-Id", "trace-8"}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->get_header_value("X-Request-Id"), "trace-8");
}

TEST_F(GatewayTest, BackendDownIsServiceUnavailable) {
  StartOpenGateway();
  backend_.reset();
  auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
}

TEST_F(GatewayTest, BackendDownHidesTheBackendMessage) {
  StartOpenGateway();
  backend_.reset();
  // What gRPC itself says about the dead backend (addresses, errno text).
  auto stub = pb::CustomerRecordsService::NewStub(
      grpc::CreateChannel(BackendTarget(), grpc::InsecureChannelCredentials()));
  pb::GetDealerRequest get;
  get.set_dealer_id(ids_[0]);
  pb::Dealer dealer;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  const grpc::Status direct = stub->GetDealer(&ctx, get, &dealer);
  ASSERT_EQ(direct.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_FALSE(direct.error_message().empty());

  auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]),
                          {{"X-Request-Id", "trace-503"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_THAT(res->body, Not(HasSubstr(direct.error_message())));
  EXPECT_THAT(res->body, Not(HasSubstr("127.0.0.1")));
  EXPECT_THAT(res->body, Not(HasSubstr("onnect")));  // connect, Connection
  EXPECT_THAT(res->body, HasSubstr("\"status\":\"UNAVAILABLE\""));
  EXPECT_THAT(res->body, HasSubstr("temporarily unavailable"));
  EXPECT_THAT(res->body, HasSubstr("\"request_id\":\"trace-503\""));
}

// Routes are a table: an unknown path is 404, a known one under another
// method 405 naming the methods it takes.
TEST_F(GatewayTest, KnownPathsAnswerOtherMethodsWith405AndAllow) {
  StartOpenGateway();
  const std::string path = absl::StrCat("/v1/dealers/", ids_[0]);
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    auto res = client_->send(req);
    ASSERT_TRUE(res) << method;
    EXPECT_EQ(res->status, 405) << method;
    EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD") << method;
    EXPECT_THAT(res->body, HasSubstr("\"code\":405")) << method;
  }
  auto head = client_->Head(path.c_str());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

// A backend outage is the backend's: the gateway stays ready (so replicas
// stay in rotation) while its backend_up metric says what it cannot reach.
TEST_F(GatewayTest, ReadinessIsTheGatewaysOwnAndBackendsAreAMetric) {
  StartOpenGateway();
  const std::string up =
      "qudao_gateway_backend_up{backend=\"customer_records\"} 1";
  const std::string down =
      "qudao_gateway_backend_up{backend=\"customer_records\"} 0";
  auto wait_for = [&](const std::string& line) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      if (absl::StrContains(registry_.Render(), line)) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  };
  EXPECT_TRUE(wait_for(up)) << registry_.Render();
  EXPECT_TRUE(gateway_->Ready());
  backend_.reset();
  EXPECT_TRUE(wait_for(down)) << registry_.Render();
  EXPECT_TRUE(gateway_->Ready());
  gateway_->Stop();
  EXPECT_FALSE(gateway_->Ready());
}

// RFC 9110: the scheme is case-insensitive. The key is taken exactly as
// sent: a percent-encoded key is another key.
TEST_F(GatewayTest, TheSchemeIsCaseInsensitiveAndTheKeyLiteral) {
  StartWithKeys();
  EXPECT_EQ(GetWith("Bearer alpha-key-0123456789"), 200);
  EXPECT_EQ(GetWith("bearer alpha-key-0123456789"), 200);
  EXPECT_EQ(GetWith("BEARER  alpha-key-0123456789"), 200);
  EXPECT_EQ(GetWith("Bearer %61lpha-key-0123456789"), 401);
  EXPECT_EQ(GetWith("Basic alpha-key-0123456789"), 401);
  EXPECT_EQ(GetWith("Beareralpha-key-0123456789"), 401);
}

// Guessing keys from one address is throttled: after a burst of failures
// every request from it is 429 until the budget refills; other addresses
// are unaffected.
TEST_F(GatewayTest, FailedAuthenticationsAreThrottledPerAddress) {
  StartWithKeys();
  int unauthorized = 0, throttled = 0;
  for (int i = 0; i < 2000; ++i) {
    const int status = GetWith(absl::StrCat("Bearer wrong-key-", i, "-xxxxxx"));
    unauthorized += status == 401;
    throttled += status == 429;
  }
  EXPECT_EQ(unauthorized, 20);
  EXPECT_EQ(throttled, 1980);
  // Even the right key waits, from this address.
  auto res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]),
                          {{"Authorization", "Bearer alpha-key-0123456789"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_THAT(res->body, HasSubstr("AUTH_RATE_LIMITED"));
  EXPECT_THAT(res->body, HasSubstr("too many failed authentications"));
  EXPECT_EQ(res->get_header_value("Retry-After"), "3");
  clock_.Advance(absl::Seconds(1));
  res = client_->Get(absl::StrCat("/v1/dealers/", ids_[0]),
                     {{"Authorization", "Bearer alpha-key-0123456789"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Retry-After"), "2");
  clock_.Advance(absl::Seconds(2));
  // A refilled try later.
  EXPECT_EQ(GetWith("Bearer alpha-key-0123456789"), 200);
  EXPECT_EQ(GetWith("Bearer still-wrong-xxxxxxxxx"), 401);
  EXPECT_EQ(GetWith("Bearer alpha-key-0123456789"), 429);
  // Without a trusted proxy, X-Forwarded-For cannot buy a fresh budget.
  EXPECT_EQ(GetWith("Bearer alpha-key-0123456789", "203.0.113.7"), 429);
}

// Behind a trusted load balancer, the client is the address it names.
TEST_F(GatewayTest, BehindATrustedProxyTheForwardedClientIsThrottled) {
  StartWithKeys("127.0.0.1");
  for (int i = 0; i < 25; ++i) {
    (void)GetWith("Bearer wrong-key-xxxxxxxxxxx", "203.0.113.7");
  }
  EXPECT_EQ(GetWith("Bearer alpha-key-0123456789", "203.0.113.7"), 429);
  EXPECT_EQ(GetWith("Bearer alpha-key-0123456789", "198.51.100.2"), 200);
  // A client cannot hide behind a forged hop: the nearest untrusted
  // address counts.
  EXPECT_EQ(GetWith("Bearer alpha-key-0123456789", "198.51.100.2, 203.0.113.7"),
            429);
}

TEST(TrustedProxiesTest, ParsesRangesAndFindsTheClient) {
  auto proxies = TrustedProxies::Parse("10.0.0.0/8, 192.168.1.7,fd00::/8");
  ASSERT_TRUE(proxies.ok());
  EXPECT_TRUE(proxies->Contains("10.200.3.4"));
  EXPECT_FALSE(proxies->Contains("11.0.0.1"));
  EXPECT_TRUE(proxies->Contains("192.168.1.7"));
  EXPECT_FALSE(proxies->Contains("192.168.1.8"));
  EXPECT_TRUE(proxies->Contains("fd12::1"));
  EXPECT_EQ(proxies->ClientOf("10.0.0.1", "203.0.113.5, 10.1.1.1"),
            "203.0.113.5");
  EXPECT_EQ(proxies->ClientOf("8.8.8.8", "203.0.113.5"), "8.8.8.8");
  EXPECT_EQ(proxies->ClientOf("10.0.0.1", "garbage"), "10.0.0.1");
  EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/33").ok());
  EXPECT_FALSE(TrustedProxies::Parse("not-an-ip").ok());
}

TEST(ErrorBodyTest, HidesServerSideDetailOnly) {
  const std::string internal = ErrorBody(
      500, absl::InternalError("pq: relation \"dealers\" does not exist"),
      "r-1");
  EXPECT_THAT(internal, Not(HasSubstr("relation")));
  EXPECT_THAT(internal, HasSubstr("\"status\":\"INTERNAL\""));
  EXPECT_THAT(internal, HasSubstr("\"reason\":\"INTERNAL\""));
  EXPECT_THAT(internal, HasSubstr("quoting request_id r-1"));
  EXPECT_THAT(internal, HasSubstr("\"request_id\":\"r-1\""));

  const std::string busy = ErrorBody(
      429, absl::ResourceExhaustedError("all 10 pool connections in use"),
      "r-2");
  EXPECT_THAT(busy, Not(HasSubstr("pool")));
  EXPECT_THAT(busy, HasSubstr("\"code\":429"));
  EXPECT_THAT(busy, HasSubstr("\"status\":\"RESOURCE_EXHAUSTED\""));

  for (grpc::StatusCode code :
       {grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN,
        grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DATA_LOSS,
        grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    const absl::Status status(static_cast<absl::StatusCode>(code),
                              "secret backend text");
    EXPECT_THAT(ErrorBody(HttpStatusFor(code), status, "r-3"),
                Not(HasSubstr("secret backend text")))
        << code;
  }

  // 4xx messages are written for the caller and stay.
  const std::string bad = ErrorBody(
      400, InvalidField("dealer_id", "must look like dlr_..."), "r-4");
  EXPECT_THAT(bad, HasSubstr("must look like dlr_"));
  EXPECT_THAT(bad, HasSubstr("\"field\":\"dealer_id\""));
  EXPECT_THAT(ErrorBody(404, absl::NotFoundError("no dealer dlr_x"), "r-5"),
              HasSubstr("no dealer dlr_x"));
}

TEST(PartnerKeysTest, RejectsMalformedKeyFiles) {
  EXPECT_FALSE(PartnerKeys::Parse("short dlr_x\n").ok());
  EXPECT_FALSE(PartnerKeys::Parse("only-one-field-here-long\n").ok());
  EXPECT_FALSE(
      PartnerKeys::Parse("k-0123456789abcdef a\nk-0123456789abcdef b\n").ok());
  auto keys = PartnerKeys::Parse("\n# comment\nk-0123456789abcdef dlr_a\n");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 1u);
}

// An empty file is a broken Secret, not a request for open access.
TEST(PartnerKeysTest, RejectsAFileWithoutKeys) {
  EXPECT_FALSE(PartnerKeys::Parse("").ok());
  EXPECT_FALSE(PartnerKeys::Parse("\n  \n").ok());
  EXPECT_FALSE(PartnerKeys::Parse("# key dealer_id\n# none yet\n").ok());
}

TEST(PartnerKeysTest, WithoutKeysNobodyAuthenticates) {
  const PartnerKeys none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.Authenticate("").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(none.Authenticate("Bearer k-0123456789abcdef").status().code(),
            absl::StatusCode::kUnauthenticated);
}

// Runs `fn`, and ends the test binary if it has not returned within `limit`:
// the failure guarded against is a hang, and a thread stuck in join() cannot
// be interrupted.
void RunWithin(absl::Duration limit, const char* what,
               const std::function<void()>& fn) {
  std::promise<void> done;
  std::thread watchdog([finished = done.get_future(), limit, what]() mutable {
    if (finished.wait_for(absl::ToChronoMilliseconds(limit)) !=
        std::future_status::ready) {
      std::fprintf(stderr, "FAILED: %s did not return within %s\n", what,
                   absl::FormatDuration(limit).c_str());
      std::_Exit(1);
    }
  });
  fn();
  done.set_value();
  watchdog.join();
}

// httplib's stop() is a no-op until its listen thread runs; Start() must
// not return before that, or this Stop() hangs.
TEST(GatewayLifecycleTest, StopRightAfterStartReturnsPromptly) {
  for (int i = 0; i < 20; ++i) {
    metrics::Registry registry;
    GatewayOptions options;
    options.open_access = true;
    Gateway gateway(std::move(options), &registry);
    ASSERT_TRUE(gateway.Start("127.0.0.1", 0).ok());
    const absl::Time start = absl::Now();
    RunWithin(absl::Seconds(10), "Gateway::Stop", [&] { gateway.Stop(); });
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  }
}

// AdminServer (common/metrics) has the same start-up race and fix.
TEST(AdminServerLifecycleTest, StopRightAfterStartReturnsPromptly) {
  for (int i = 0; i < 20; ++i) {
    metrics::Registry registry;
    AdminServer admin(&registry, [] { return true; });
    ASSERT_TRUE(admin.Start("127.0.0.1", 0).ok());
    const absl::Time start = absl::Now();
    RunWithin(absl::Seconds(10), "AdminServer::Stop", [&] { admin.Stop(); });
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  }
}

}  // namespace
}  // namespace qudao::gateway
