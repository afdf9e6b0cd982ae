// End to end: the real production binaries as separate processes, talking
// real gRPC and HTTP on loopback. Each starts on port 0 and logs the port it
// bound; the test waits for grpc.health.v1 SERVING, writes and reads back
// through every service and the gateway, then sends SIGTERM and expects a
// clean exit. Customer records runs on a real PostgreSQL with the Redis
// cache, the others on SQLite, as the two supported configurations.
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/dev_issuer.h"
#include "common/auth/tokens.h"
#include "common/grpc/client.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "tests/process_fixture.h"

namespace qudao {
namespace {

using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using testing::RunningService;

using ::qudao::testing::TestIdentity;
using EndToEndTest = testing::ProcessTest;

TEST_F(EndToEndTest, EveryServiceAndTheGatewayServeRealRequests) {
  auto pg = testing::SharedPostgres();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ASSERT_TRUE((*pg)->CreateDatabase("e2e_customer_records").ok());

  auto redis = testing::SharedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RunningService customers =
      Start(QUDAO_CUSTOMER_RECORDS_BIN, "customer_records",
            (*pg)->Uri("e2e_customer_records"),
            {absl::StrCat("--redis=", (*redis)->Url())});
  // Credit control and dealer support read dealer facts through Redis as
  // their own accounts, following customer records' feed on the bus.
  RunningService credit = Start(
      QUDAO_CREDIT_CONTROL_BIN, "credit_control", Sqlite("credit"),
      {absl::StrCat("--customer_records_target=127.0.0.1:", customers.port),
       absl::StrCat("--redis=", (*redis)->Url()),
       absl::StrCat("--service_token_file=",
                    ServiceTokenFile("credit_control"))});
  // Pricing reads dealers from customer records and cumulative volumes
  // from credit control, and its order flow reserves there, as its own
  // account.
  RunningService pricing = Start(
      QUDAO_PRICING_BIN, "pricing", Sqlite("pricing"),
      {absl::StrCat("--customer_records_target=127.0.0.1:", customers.port),
       absl::StrCat("--credit_control_target=127.0.0.1:", credit.port),
       absl::StrCat("--redis=", (*redis)->Url()),
       absl::StrCat("--service_token_file=", ServiceTokenFile("pricing"))});
  RunningService support = Start(
      QUDAO_DEALER_SUPPORT_BIN, "dealer_support", Sqlite("support"),
      {absl::StrCat("--customer_records_target=127.0.0.1:", customers.port),
       absl::StrCat("--redis=", (*redis)->Url()),
       absl::StrCat("--service_token_file=",
                    ServiceTokenFile("dealer_support"))});
  ASSERT_GT(customers.port, 0);
  ASSERT_GT(pricing.port, 0);
  ASSERT_GT(credit.port, 0);
  ASSERT_GT(support.port, 0);

  const std::pair<RunningService*, const char*> services[] = {
      {&customers, customer::v1::CustomerRecordsService::service_full_name()},
      {&pricing, pricing::v1::PricingService::service_full_name()},
      {&credit, credit::v1::CreditControlService::service_full_name()},
      {&support, support::v1::DealerSupportService::service_full_name()},
  };
  for (const auto& [svc, name] : services) {
    EXPECT_TRUE(WaitForHealth(*svc, name, HealthCheckResponse::SERVING,
                              absl::Seconds(20)))
        << name;
    EXPECT_EQ(Health(*svc, ""), HealthCheckResponse::SERVING);
  }

  // Customer records: create and read back (persisted in PostgreSQL).
  auto dealers =
      customer::v1::CustomerRecordsService::NewStub(customers.channel);
  customer::v1::CreateDealerRequest create;
  create.mutable_dealer()->set_legal_name("成都蓉城贸易有限公司");
  create.mutable_dealer()->mutable_region()->set_province("Sichuan");
  create.mutable_dealer()->mutable_region()->set_city("Chengdu");
  create.mutable_dealer()->set_channel_level(
      customer::v1::CHANNEL_LEVEL_DISTRIBUTOR);
  create.mutable_dealer()->set_owner("rep.liu");
  create.set_request_id("e2e-create-1");
  customer::v1::Dealer dealer;
  {
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = dealers->CreateDealer(ctx.get(), create, &dealer);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    customer::v1::GetDealerRequest get;
    get.set_dealer_id(dealer.dealer_id());
    customer::v1::Dealer fetched;
    auto ctx = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(dealers->GetDealer(ctx.get(), get, &fetched).ok());
    EXPECT_EQ(fetched.legal_name(), "成都蓉城贸易有限公司");
  }
  EXPECT_THAT(customers.process->Log(), HasSubstr("\"backend\":\"redis\""));

  // Pricing: a group, a product in it, a published list price.
  auto products = pricing::v1::PricingService::NewStub(pricing.channel);
  {
    pricing::v1::CreateProductGroupRequest group;
    group.mutable_product_group()->set_group_code("PUMPS-CENTRIFUGAL");
    group.mutable_product_group()->set_product_line("PUMPS");
    group.mutable_product_group()->set_name("Centrifugal pumps");
    pricing::v1::ProductGroup made;
    auto ctx0 = OutgoingContext(absl::Seconds(10));
    grpc::Status s = products->CreateProductGroup(ctx0.get(), group, &made);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pricing::v1::CreateProductRequest req;
    req.mutable_product()->set_sku("pump-100");
    req.mutable_product()->set_name("Centrifugal pump 100");
    req.mutable_product()->set_product_group("PUMPS-CENTRIFUGAL");
    pricing::v1::Product out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    s = products->CreateProduct(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pricing::v1::GetProductRequest get;
    get.set_sku("PUMP-100");
    auto ctx2 = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(products->GetProduct(ctx2.get(), get, &out).ok());
    EXPECT_EQ(out.product_line(), "PUMPS");
    pricing::v1::PublishPriceListRequest publish;
    publish.mutable_price_list()->set_currency_code("CNY");
    publish.mutable_price_list()->set_valid_from("2026-01-01");
    pricing::v1::PriceListEntry* e =
        publish.mutable_price_list()->add_entries();
    e->set_sku("PUMP-100");
    e->mutable_list_price()->set_currency_code("CNY");
    e->mutable_list_price()->set_minor_units(129900);
    pricing::v1::PriceListVersion version;
    auto ctx3 = OutgoingContext(absl::Seconds(10));
    s = products->PublishPriceList(ctx3.get(), publish, &version);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pricing::v1::GetPriceRequest price_req;
    price_req.set_sku("pump-100");
    price_req.set_currency_code("CNY");
    price_req.set_day("2026-06-01");
    pricing::v1::Price price;
    auto ctx4 = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(products->GetPrice(ctx4.get(), price_req, &price).ok());
    EXPECT_EQ(price.list_price().minor_units(), 129900);
    EXPECT_EQ(price.price_list_version(), version.version());
  }

  // Credit control: set a limit, read the position.
  auto credit_stub = credit::v1::CreditControlService::NewStub(credit.channel);
  {
    credit::v1::SetCreditLimitRequest req;
    req.set_dealer_id(dealer.dealer_id());
    req.mutable_credit_limit()->set_currency_code("CNY");
    req.mutable_credit_limit()->set_minor_units(50000000);
    req.set_reason("initial 5C assessment");
    req.set_request_id("e2e-limit-1");
    // A credit controller holding no sales role (segregation of duties)
    // assesses the dealer (5C), then sets a limit within the
    // recommendation: AA on CNY 1,000,000 a month, net 30 → 1,250,000.
    const std::string controller =
        absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(
                                    "credit.zhou", {"credit_controller"}));
    credit::v1::AssessCreditRequest assess;
    credit::v1::CreditAssessment* a = assess.mutable_assessment();
    a->set_dealer_id(dealer.dealer_id());
    const std::pair<credit::v1::CScore*, int> scores[] = {
        {a->mutable_character(), 5},
        {a->mutable_capacity(), 4},
        {a->mutable_collateral(), 3},
        {a->mutable_conditions(), 3}};
    for (const auto& [c, score] : scores) {
      c->set_score(score);
      c->set_evidence("site visit 2026-11");
    }
    auto cny = [](type::v1::Money* m, int64_t yuan) {
      m->set_currency_code("CNY");
      m->set_minor_units(yuan * 100);
    };
    cny(a->mutable_total_liabilities(), 300000);
    cny(a->mutable_total_assets(), 1000000);
    a->set_capital_evidence("2025 audited balance sheet");
    cny(a->mutable_expected_monthly_purchases(), 1000000);
    a->set_payment_term_days(30);
    assess.set_request_id("e2e-assess-1");
    credit::v1::CreditAssessment assessment;
    {
      auto actx = OutgoingContext(absl::Seconds(10));
      actx->AddMetadata("authorization", controller);
      grpc::Status s =
          credit_stub->AssessCredit(actx.get(), assess, &assessment);
      ASSERT_TRUE(s.ok()) << s.error_message();
      EXPECT_EQ(assessment.rating(), credit::v1::CREDIT_RATING_AA);
      EXPECT_EQ(assessment.recommended_limit().minor_units(), 125000000);
    }
    credit::v1::CreditPosition pos;
    auto ctx = OutgoingContext(absl::Seconds(10));
    ctx->AddMetadata("authorization", controller);
    grpc::Status s = credit_stub->SetCreditLimit(ctx.get(), req, &pos);
    ASSERT_TRUE(s.ok()) << s.error_message();
    credit::v1::GetCreditPositionRequest get;
    get.set_dealer_id(dealer.dealer_id());
    auto ctx2 = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(credit_stub->GetCreditPosition(ctx2.get(), get, &pos).ok());
    EXPECT_EQ(pos.credit_limit().minor_units(), 50000000);
    EXPECT_EQ(pos.available_credit().minor_units(), 50000000);
  }

  // Pricing quotes the dealer: its facts from customer records, and for a
  // cumulative-volume rule its invoiced volume from credit control's
  // revenue summary, asked by the pricing process as its own account.
  {
    pricing::v1::CreatePriceRuleRequest create_rule;
    pricing::v1::PriceRule* rule = create_rule.mutable_price_rule();
    rule->set_rule_id("VOL-Q");
    rule->set_type(pricing::v1::PRICE_RULE_TYPE_CUMULATIVE_VOLUME);
    rule->set_valid_from("2026-01-01");
    pricing::v1::Tier* tier = rule->mutable_cumulative()->add_tiers();
    tier->set_min_quantity(100);
    tier->set_basis_points(300);
    pricing::v1::PriceRule made;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = products->CreatePriceRule(ctx.get(), create_rule, &made);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pricing::v1::PublishPriceRuleRequest publish;
    publish.set_rule_id("VOL-Q");
    grpc::ClientContext pctx;
    pctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    pctx.AddMetadata(
        "authorization",
        absl::StrCat("Bearer ",
                     TestIdentity::Get().Token("bo.pm", {"pricing_manager"})));
    s = products->PublishPriceRule(&pctx, publish, &made);
    ASSERT_TRUE(s.ok()) << s.error_message();
    pricing::v1::CreateQuoteRequest quote_req;
    quote_req.set_dealer_id(dealer.dealer_id());
    quote_req.mutable_basket()->set_currency_code("CNY");
    quote_req.mutable_basket()->mutable_payment_term()->set_net_days(30);
    quote_req.mutable_basket()->add_lines()->set_sku("pump-100");
    quote_req.mutable_basket()->mutable_lines(0)->set_quantity(4);
    pricing::v1::Quote quote;
    auto qctx = OutgoingContext(absl::Seconds(10));
    s = products->CreateQuote(qctx.get(), quote_req, &quote);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(quote.goods_total().minor_units(), 4 * 129900);
    ASSERT_EQ(quote.waterfall().volumes_size(), 1);
    EXPECT_TRUE(quote.waterfall().volumes(0).prior_given());
    EXPECT_EQ(quote.waterfall().volumes(0).counted_units(), 4);
    pricing::v1::GetQuoteRequest get;
    get.set_quote_id(quote.quote_id());
    pricing::v1::Quote got;
    auto gctx = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(products->GetQuote(gctx.get(), get, &got).ok());
    EXPECT_EQ(got.total().minor_units(), quote.total().minor_units());
  }

  // Dealer support: open a ticket, read it back.
  auto tickets = support::v1::DealerSupportService::NewStub(support.channel);
  {
    support::v1::CreateServiceTicketRequest req;
    req.mutable_ticket()->set_dealer_id(dealer.dealer_id());
    req.mutable_ticket()->set_type(support::v1::TICKET_TYPE_INSTALLATION);
    req.mutable_ticket()->set_priority(support::v1::TICKET_PRIORITY_HIGH);
    req.mutable_ticket()->set_subject("Install 3 pumps at the new warehouse");
    support::v1::ServiceTicket out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    grpc::Status s = tickets->CreateServiceTicket(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    support::v1::GetServiceTicketRequest get;
    get.set_ticket_id(out.ticket_id());
    support::v1::ServiceTicket fetched;
    auto ctx2 = OutgoingContext(absl::Seconds(10));
    ASSERT_TRUE(tickets->GetServiceTicket(ctx2.get(), get, &fetched).ok());
    EXPECT_EQ(fetched.subject(), "Install 3 pumps at the new warehouse");
  }

  // The gateway answers HTTP/JSON by calling customer records over gRPC.
  std::vector<std::string> gateway_argv = {
      QUDAO_GATEWAY_BIN,
      "--listen=127.0.0.1:0",
      "--admin_listen=127.0.0.1:0",
      "--open_access",
      absl::StrCat("--service_token_file=", ServiceTokenFile("gateway")),
      absl::StrCat("--customer_records_target=dns:///127.0.0.1:",
                   customers.port)};
  auto gateway_child = testing::ChildProcess::Start(
      gateway_argv, absl::StrCat(dir_->path(), "/gateway.log"));
  ASSERT_TRUE(gateway_child.ok());
  RunningService gateway;
  gateway.process = std::move(*gateway_child);
  auto http_port = testing::WaitForLoggedPort(*gateway.process, "http_port",
                                              absl::Seconds(20));
  ASSERT_TRUE(http_port.ok()) << http_port.status();
  httplib::Client http("127.0.0.1", *http_port);
  auto res = http.Get(absl::StrCat("/v1/dealers/", dealer.dealer_id()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_THAT(res->body, HasSubstr("成都蓉城贸易有限公司"));

  // Metrics on the admin port count the calls just made, and reads are
  // served from the cache the first read filled. (A Redis command slower
  // than its 50 ms budget is a miss by design, so on a loaded machine the
  // first fill can be lost: read again until a hit shows, within reason.)
  httplib::Client admin("127.0.0.1", customers.admin_port);
  std::string metrics_body;
  for (int i = 0; i < 20; ++i) {
    auto scraped = admin.Get("/metrics");
    ASSERT_TRUE(scraped);
    metrics_body = scraped->body;
    if (absl::StrContains(metrics_body,
                          "qudao_cache_lookups_total{cache=\"dealer\","
                          "result=\"hit\"}")) {
      break;
    }
    ASSERT_TRUE(http.Get(absl::StrCat("/v1/dealers/", dealer.dealer_id())));
  }
  EXPECT_THAT(metrics_body,
              HasSubstr("qudao_cache_lookups_total{cache=\"dealer\","
                        "result=\"hit\"}"));
  auto metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(
      metrics->body,
      HasSubstr("grpc_server_handled_total{grpc_method=\"/"
                "qudao.customer.v1.CustomerRecordsService/CreateDealer\","
                "grpc_code=\"OK\"} 1"));
  auto ready = admin.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  for (RunningService* svc :
       {&customers, &pricing, &credit, &support, &gateway}) {
    ExpectCleanExit(*svc);
  }
}

// Health reports real dependency state: when PostgreSQL goes away the
// service turns NOT_SERVING (and its calls fail UNAVAILABLE) while the
// process itself stays up and keeps answering.
TEST_F(EndToEndTest, DatabaseOutageTurnsServiceNotServing) {
  auto pg = testing::PostgresServer::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  RunningService customers =
      Start(QUDAO_CUSTOMER_RECORDS_BIN, "customer_records", (*pg)->Uri());
  ASSERT_GT(customers.port, 0);
  const std::string name =
      customer::v1::CustomerRecordsService::service_full_name();
  ASSERT_TRUE(WaitForHealth(customers, name, HealthCheckResponse::SERVING,
                            absl::Seconds(20)));
  (*pg)->Kill();
  EXPECT_TRUE(WaitForHealth(customers, name, HealthCheckResponse::NOT_SERVING,
                            absl::Seconds(20)));
  EXPECT_EQ(Health(customers, ""), HealthCheckResponse::SERVING);

  auto stub = customer::v1::CustomerRecordsService::NewStub(customers.channel);
  customer::v1::GetDealerRequest get;
  get.set_dealer_id("dlr_00000000000000000000");
  customer::v1::Dealer out;
  auto ctx = OutgoingContext(absl::Seconds(10));
  grpc::Status s = stub->GetDealer(ctx.get(), get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  // The caller is told to retry, not where the database lives.
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("127.0.0.1")));
  EXPECT_THAT(s.error_message(),
              ::testing::Not(HasSubstr(absl::StrCat((*pg)->port()))));
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr("PostgreSQL")));
  EXPECT_THAT(s.error_message(), HasSubstr("retry later"));
  ExpectCleanExit(customers);
}

// `qudao dev` hosts the same four modules and the gateway in one process.
TEST_F(EndToEndTest, DevModeServesThePlatformFromOneProcess) {
  std::vector<std::string> argv = {
      QUDAO_CLI_BIN,
      "dev",
      absl::StrCat("--data_dir=", dir_->path(), "/dev"),
      "--grpc_listen=127.0.0.1:0",
      "--http_listen=127.0.0.1:0",
      "--admin_listen=127.0.0.1:0"};
  auto child = testing::ChildProcess::Start(
      argv, absl::StrCat(dir_->path(), "/dev.log"));
  ASSERT_TRUE(child.ok());
  RunningService dev;
  dev.process = std::move(*child);
  auto grpc_port =
      testing::WaitForLoggedPort(*dev.process, "grpc_port", absl::Seconds(30));
  ASSERT_TRUE(grpc_port.ok()) << grpc_port.status();
  auto http_port =
      testing::WaitForLoggedPort(*dev.process, "http_port", absl::Seconds(5));
  ASSERT_TRUE(http_port.ok()) << http_port.status();
  dev.port = *grpc_port;
  // qudao dev made its issuer in the data directory; sign as a manager.
  auto issuer = auth::DevIssuer::Open(absl::StrCat(dir_->path(), "/dev"),
                                      /*create=*/false);
  ASSERT_TRUE(issuer.ok()) << issuer.status();
  auth::TokenClaims manager;
  manager.subject = "manager.dev";
  manager.roles = {"sales_manager"};
  manager.issuer = issuer->issuer();
  dev.channel =
      testing::ChannelWithToken(absl::StrCat("127.0.0.1:", dev.port),
                                issuer->signer().Mint(manager).value());
  for (const char* name :
       {customer::v1::CustomerRecordsService::service_full_name(),
        pricing::v1::PricingService::service_full_name(),
        credit::v1::CreditControlService::service_full_name(),
        support::v1::DealerSupportService::service_full_name()}) {
    EXPECT_TRUE(WaitForHealth(dev, name, HealthCheckResponse::SERVING,
                              absl::Seconds(20)))
        << name;
  }
  auto dealers = customer::v1::CustomerRecordsService::NewStub(dev.channel);
  customer::v1::CreateDealerRequest create;
  create.mutable_dealer()->set_legal_name("Dev Mode Trading");
  create.mutable_dealer()->mutable_region()->set_province("Hubei");
  create.mutable_dealer()->mutable_region()->set_city("Wuhan");
  create.mutable_dealer()->set_channel_level(
      customer::v1::CHANNEL_LEVEL_RETAILER);
  create.mutable_dealer()->set_owner("rep.dev");
  customer::v1::Dealer dealer;
  auto ctx = OutgoingContext(absl::Seconds(10));
  ASSERT_TRUE(dealers->CreateDealer(ctx.get(), create, &dealer).ok());
  httplib::Client http("127.0.0.1", *http_port);
  auto res = http.Get(absl::StrCat("/v1/dealers/", dealer.dealer_id()));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("Dev Mode Trading"));

  // The CLI against the same process: tables for people, JSON for scripts.
  // `qudao login` signs a token with the dev issuer and keeps it (owner
  // only) where every command reads it.
  const std::string target = absl::StrCat("--target=127.0.0.1:", dev.port);
  const std::string config = absl::StrCat(dir_->path(), "/cli-config");
  setenv("QUDAO_CONFIG_DIR", config.c_str(), 1);
  std::string out;
  auto code =
      testing::RunCommand({QUDAO_CLI_BIN, "dealer", "list", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  EXPECT_THAT(out, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(out, HasSubstr("qudao login"));
  code = testing::RunCommand({QUDAO_CLI_BIN, "login",
                              absl::StrCat("--data_dir=", dir_->path(), "/dev"),
                              "--as=rep.cli", "--role=sales_rep"},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  struct stat token_stat {};
  ASSERT_EQ(stat(absl::StrCat(config, "/token").c_str(), &token_stat), 0);
  EXPECT_EQ(token_stat.st_mode & 0777, 0600);
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "dealer", "create", "--name=CLI Trading",
       "--province=Hunan", "--city=Changsha", "--level=WHOLESALER",
       "--owner=rep.cli", "--request_id=cli-1", "--status=ACTIVE",
       "--uscc=91430100ma4l0000x9", "--zone=ZONE-CENTRAL", "--output=json",
       target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"legal_name\": \"CLI Trading\""));
  EXPECT_THAT(out, HasSubstr("\"pricing_zone\": \"ZONE-CENTRAL\""));
  EXPECT_THAT(out, HasSubstr("\"unified_social_credit_code\": "
                             "\"91430100MA4L0000X9\""));
  const size_t id_at = out.find("\"dealer_id\": \"");
  ASSERT_NE(id_at, std::string::npos) << out;
  const std::string cli_dealer = out.substr(id_at + 14, 24);
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "dealer", "list", "--province=Hunan", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("legal_name"));
  EXPECT_THAT(out, HasSubstr("CLI Trading"));
  EXPECT_THAT(out, HasSubstr("WHOLESALER"));
  EXPECT_THAT(out, HasSubstr("pricing_zone"));
  EXPECT_THAT(out, HasSubstr("ZONE-CENTRAL"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("Dev Mode Trading")));
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "dealer", "list", "--name=cli trad",
                           "--level=WHOLESALER", "--zone=ZONE-CENTRAL", target},
                          &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("CLI Trading"));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "dealer", "list", "--zone=ZONE WEST", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  EXPECT_THAT(out, HasSubstr("field pricing_zone"));
  // A refusal names the field and exits non-zero.
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "dealer", "get", "not-an-id", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(out, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(out, HasSubstr("field dealer_id"));
  // Each command's help lists only its own flags.
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "dealer", "create", "--help"}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_THAT(out, HasSubstr("--province"));
  EXPECT_THAT(out, HasSubstr("--uscc"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("--data_dir")));
  auto admin_port =
      testing::WaitForLoggedPort(*dev.process, "admin_port", absl::Seconds(5));
  ASSERT_TRUE(admin_port.ok());
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "health", target,
       absl::StrCat("--gateway_admin=127.0.0.1:", *admin_port)},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("qudao.credit.v1.CreditControlService"));
  EXPECT_THAT(out, HasSubstr("customer_records"));
  EXPECT_THAT(out, HasSubstr("REACHABLE"));

  // A pricing manager builds the catalogue and publishes prices from the
  // CLI; a sales rep reads a price but not a cost.
  code = testing::RunCommand({QUDAO_CLI_BIN, "login",
                              absl::StrCat("--data_dir=", dir_->path(), "/dev"),
                              "--as=pm.cli", "--role=pricing_manager"},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"group", "create", "pumps-centrifugal", "--line=pumps",
            "--name=Centrifugal pumps"},
           {"product", "create", "pump-100", "--name=Pump 100",
            "--group=PUMPS-CENTRIFUGAL"},
           {"list", "publish", "--from=2026-01-01", "--note=2026 list",
            "--price=Pump-100=1299.00", "--request_id=cli-pl-1"},
           {"cost", "set", "PUMP-100", "--cost=812.40", "--from=2026-01-01"},
           {"freight", "assign", "--zone=EAST", "--method=basing",
            "--base_city=Shanghai"},
           {"freight", "rate", "--origin=Shanghai", "--province=Zhejiang",
            "--per_order=150.00", "--per_unit=2.50", "--per_kg=0"},
           {"freight", "zone", "EAST", "--amount=80.00",
            "--basis_points=150"}}) {
    std::vector<std::string> argv = {QUDAO_CLI_BIN, "price"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(target);
    code = testing::RunCommand(argv, &out);
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, 0) << args[0] << " " << args[1] << ": " << out;
  }
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "price", "list", "show", "CNY", "--output=json", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"published_by\": \"pm.cli\""));
  EXPECT_THAT(out, HasSubstr("\"sku\": \"PUMP-100\""));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "price", "freight", "rates", "--origin=Shanghai", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("Zhejiang"));
  EXPECT_THAT(out, HasSubstr("CNY 150.00"));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "price", "freight", "assignments", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("BASING_POINT"));
  EXPECT_THAT(out, HasSubstr("Shanghai"));
  // A bad amount is refused before anything is sent.
  code = testing::RunCommand({QUDAO_CLI_BIN, "price", "freight", "zone", "EAST",
                              "--amount=eighty", "--basis_points=0", target},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 2) << out;
  // A part of the row left out is refused, not taken as zero.
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "price", "freight", "rate", "--origin=Shanghai",
       "--province=Zhejiang", "--per_kg=0.90", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_NE(*code, 0) << out;
  code = testing::RunCommand({QUDAO_CLI_BIN, "login",
                              absl::StrCat("--data_dir=", dir_->path(), "/dev"),
                              "--as=rep.cli", "--role=sales_rep"},
                             &out);
  ASSERT_TRUE(code.ok());
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "price", "get", "pump-100", "--day=2026-06-01", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("CNY 1299.00"));
  EXPECT_THAT(out, HasSubstr("price_list_version"));
  // The rep prices a basket for the CLI dealer: the waterfall in words.
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "price", "quote", absl::StrCat("--dealer=", cli_dealer),
       "--line=pump-100=3", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("line 0: PUMP-100 × 3"));
  EXPECT_THAT(out, HasSubstr("list price"));
  EXPECT_THAT(out, HasSubstr("3 × 1299.00"));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "price", "cost", "show", "PUMP-100", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));

  // Credit staff assess the dealer and set its limit from the CLI.
  code = testing::RunCommand({QUDAO_CLI_BIN, "login",
                              absl::StrCat("--data_dir=", dir_->path(), "/dev"),
                              "--as=credit.cli", "--role=credit_controller"},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "assess", cli_dealer, "--character=5",
       "--character_evidence=15 years, no disputes", "--capacity=4",
       "--capacity_evidence=sales up 12%", "--collateral=3",
       "--collateral_evidence=guarantee CNY 500000", "--conditions=3",
       "--conditions_evidence=regional slowdown", "--liabilities=300000",
       "--assets=1000000", "--capital_evidence=2025 audited",
       "--monthly_purchases=1000000", "--term_days=30", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("rating                      AA"));
  EXPECT_THAT(out, HasSubstr("CNY 1250000.00"));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "limit", cli_dealer, "--amount=1250000.01",
       "--reason=annual review", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  EXPECT_THAT(out, HasSubstr("ABOVE_RECOMMENDATION"));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "limit", cli_dealer, "--amount=1250000",
       "--reason=annual review", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "position", cli_dealer, target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("CNY 1250000.00"));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "assessments", cli_dealer, target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("credit.cli"));
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "credit", "policies", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("30"));  // class A's overdue days
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "hold-queue", "--output=json", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "credit", "release",
                           "crs_0190f3c2a1b24e8f0a1b", "--reason=paid", target},
                          &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  EXPECT_THAT(out, HasSubstr("NOT_FOUND"));
  // The receivables ledger from the CLI: a payment with nothing to pay is
  // credit on account; a shipment hold; the reports; the books agree.
  code = testing::RunCommand({QUDAO_CLI_BIN, "credit", "pay", cli_dealer,
                              "--amount=100.00", "--reference=BOC 42", target},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("unapplied"));
  EXPECT_THAT(out, HasSubstr("CNY 100.00"));
  code = testing::RunCommand({QUDAO_CLI_BIN, "credit", "restrict", cli_dealer,
                              "--kind=hold", "--reason=cheque bounced", target},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "restrictions", "--in_force", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("cheque bounced"));
  code = testing::RunCommand({QUDAO_CLI_BIN, "credit", "aging", "--group=payer",
                              "--buckets=15,45", target},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("16-45"));
  code = testing::RunCommand({QUDAO_CLI_BIN, "credit", "revenue",
                              "--from=2026-01-01", "--to=2026-12-31", target},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "credit", "positions", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr(cli_dealer));
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "invoices", cli_dealer, "--open", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "credit", "credit-note", cli_dealer,
                           "--kind=return", "--source=return 1", target},
                          &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;  // a return names its invoice and lines
  EXPECT_THAT(out, HasSubstr("INVALID_ARGUMENT"));
  // Risk controls and collections.
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "credit", "guarantee", cli_dealer,
                           "--kind=bank-guarantee", "--provider=Bank of China",
                           "--value=500000.00", "--expiry=2099-12-31", target},
                          &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "guarantees", cli_dealer, target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("Bank of China"));
  for (const char* verb : {"alerts", "collections", "review"}) {
    code = testing::RunCommand({QUDAO_CLI_BIN, "credit", verb, target}, &out);
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, 0) << verb << ": " << out;
  }
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "credit", "cause", "odc_0190f3c2a1b24e8f0a1b",
       "--cause=overstock", "--note=full warehouse", target},
      &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  EXPECT_THAT(out, HasSubstr("NOT_FOUND"));
  // The audit trail is for admins; it shows who created what, and refusals.
  code = testing::RunCommand(
      {QUDAO_CLI_BIN, "audit", "--service=customer_records", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));
  code = testing::RunCommand({QUDAO_CLI_BIN, "login",
                              absl::StrCat("--data_dir=", dir_->path(), "/dev"),
                              "--as=admin.dev", "--role=admin"},
                             &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code =
      testing::RunCommand({QUDAO_CLI_BIN, "audit", "--service=customer_records",
                           "--principal=rep.cli", target},
                          &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  EXPECT_THAT(out, HasSubstr("CustomerRecordsService/CreateDealer"));
  EXPECT_THAT(out, HasSubstr("rep.cli"));
  EXPECT_THAT(out, HasSubstr("OK"));
  code = testing::RunCommand({QUDAO_CLI_BIN, "logout"}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << out;
  code = testing::RunCommand({QUDAO_CLI_BIN, "dealer", "list", target}, &out);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1) << out;
  unsetenv("QUDAO_CONFIG_DIR");
  ExpectCleanExit(dev);
}

TEST_F(EndToEndTest, BadConfigurationFailsFastWithAClearMessage) {
  auto child = testing::ChildProcess::Start(
      {QUDAO_CUSTOMER_RECORDS_BIN, "--listen=127.0.0.1:0",
       "--admin_listen=127.0.0.1:0", "--database=mysql://nope",
       testing::TestIdentity::Get().ServiceFlags()[0],
       testing::TestIdentity::Get().ServiceFlags()[1]},
      absl::StrCat(dir_->path(), "/bad.log"));
  ASSERT_TRUE(child.ok());
  auto status = (*child)->Wait(absl::Seconds(20));
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_NE(WEXITSTATUS(*status), 0);
  EXPECT_THAT((*child)->Log(), HasSubstr("unknown scheme"));
}

// A service never starts open: without a JWKS and an issuer it refuses to
// start and says what to configure.
TEST_F(EndToEndTest, AServiceWithoutTokenKeysRefusesToStart) {
  auto child = testing::ChildProcess::Start(
      {QUDAO_CUSTOMER_RECORDS_BIN, "--listen=127.0.0.1:0",
       "--admin_listen=127.0.0.1:0", absl::StrCat("--database=", Sqlite("x"))},
      absl::StrCat(dir_->path(), "/open.log"));
  ASSERT_TRUE(child.ok());
  auto status = (*child)->Wait(absl::Seconds(20));
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_THAT((*child)->Log(), HasSubstr("--jwks_file"));
}

// Key rotation without downtime: the identity provider publishes old and
// new keys together, then drops the old one; a running service follows its
// JWKS file.
TEST_F(EndToEndTest, ARunningServiceFollowsKeyRotation) {
  auto old_key = auth::TokenSigner::Generate("2026-old");
  auto new_key = auth::TokenSigner::Generate("2026-new");
  ASSERT_TRUE(old_key.ok() && new_key.ok());
  const std::string jwks = absl::StrCat(dir_->path(), "/jwks.json");
  // Replaces the file in one step, as a mounted Secret is updated.
  auto publish = [&](const std::vector<const auth::TokenSigner*>& keys) {
    const std::string tmp = jwks + ".tmp";
    std::ofstream(tmp) << auth::JwksJsonOf(keys);
    ASSERT_EQ(std::rename(tmp.c_str(), jwks.c_str()), 0);
  };
  publish({&*old_key});
  RunningService customers =
      Start(QUDAO_CUSTOMER_RECORDS_BIN, "customer_records", Sqlite("rotation"),
            {absl::StrCat("--jwks_file=", jwks),
             "--token_issuer=https://idp.example/realms/qudao"});
  ASSERT_NE(customers.port, 0);
  auto token = [](const auth::TokenSigner& key) {
    auth::TokenClaims claims;
    claims.subject = "li.wei";
    claims.roles = {"sales_rep"};
    claims.issuer = "https://idp.example/realms/qudao";
    return key.Mint(claims).value();
  };
  auto list = [&](const std::string& bearer) {
    auto stub =
        customer::v1::CustomerRecordsService::NewStub(testing::ChannelWithToken(
            absl::StrCat("127.0.0.1:", customers.port), bearer));
    customer::v1::ListDealersRequest req;
    customer::v1::ListDealersResponse out;
    auto ctx = OutgoingContext(absl::Seconds(10));
    return stub->ListDealers(ctx.get(), req, &out).error_code();
  };
  // Waits (the file is checked about once a second) for `bearer` to get
  // `want`.
  auto eventually = [&](const std::string& bearer, grpc::StatusCode want) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (list(bearer) != want && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(100));
    }
    return list(bearer);
  };
  const std::string old_token = token(*old_key);
  const std::string new_token = token(*new_key);
  EXPECT_EQ(list(old_token), grpc::StatusCode::OK);
  EXPECT_EQ(list(new_token), grpc::StatusCode::UNAUTHENTICATED);
  publish({&*old_key, &*new_key});
  EXPECT_EQ(eventually(new_token, grpc::StatusCode::OK), grpc::StatusCode::OK);
  EXPECT_EQ(list(old_token), grpc::StatusCode::OK);
  publish({&*new_key});
  // The old key's tokens stop working once it is gone (a verified token
  // is remembered for at most a minute; this one is new to the service).
  const std::string fresh_old_token = token(*old_key);
  EXPECT_EQ(eventually(fresh_old_token, grpc::StatusCode::UNAUTHENTICATED),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(list(new_token), grpc::StatusCode::OK);
  ExpectCleanExit(customers);
}

}  // namespace
}  // namespace qudao
