// Quotes and orders over loopback gRPC (issue 11's "Speed"): the pricing
// module, credit control and customer records in this process, each on its
// own gRPC server on 127.0.0.1 (the real modules, as `qudao dev` hosts
// them), pricing and credit control on --backend (SQLite files, or two
// databases of one throw-away PostgreSQL 15), customer records on SQLite.
// --clients concurrent callers in this process (the same cores).
//
// Data: --dealers distributors (each with a credit limit), --skus products
// in 50 groups on one price list, --rules active rules (channel margin,
// seasonal for one SKU or for one dealer's group, quantity tiers, 11
// cumulative-volume programmes for every dealer plus dealer-specific ones,
// bundles, rebates, floors, one price ending), baskets of --lines random
// SKUs for random dealers. Scenarios (--scenarios, comma-separated):
//
//   price                   PriceBasket, every cache on
//   price_basic             the same, view BASIC (amounts without words)
//   price_no_rule_cache     PriceBasket, --pricing_rule_book_cache=false
//                           (the active rules read and built per quote)
//   price_no_volume_cache   PriceBasket, --pricing_volume_cache=false
//                           (credit control asked per cumulative rule)
//   price_no_catalogue_cache  PriceBasket, --pricing_catalogue_cache=false
//                           (prices, costs, groups, freight read per quote)
//   price_no_caches         PriceBasket, all three off (how quotes were
//                           priced before the caches)
//   quote                   CreateQuote (priced and stored), caches on
//   order                   PlaceOrder of --orders quotes made beforehand
//                           (credit reserved in credit control), caches on
//
// Prints throughput and p50/p99/p99.9 per scenario. Nothing is asserted;
// everything shares this machine's cores: compare rows of one run.
//
//   build/bench/pricing_bench [--backend=sqlite|postgres] [--duration_s=5]
//       [--clients=16] [--dealers=1000] [--skus=5000] [--rules=3000]
#include <google/protobuf/arena.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_database.h"
#include "bench/loadgen.h"
#include "common/grpc/status.h"
#include "common/testing/identity.h"
#include "common/testing/service_fixture.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/credit_control/credit_control_module.h"
#include "services/customer_records/customer_records_testing.h"
#include "services/pricing/pricing_module.h"

ABSL_FLAG(std::string, backend, "sqlite", "sqlite or postgres");
ABSL_FLAG(int, duration_s, 5, "measured seconds per scenario");
ABSL_FLAG(int, warmup_s, 1, "warm-up seconds per scenario");
ABSL_FLAG(int, clients, 16, "concurrent callers");
ABSL_FLAG(int, dealers, 1000, "dealers quoted for");
ABSL_FLAG(int, skus, 5000, "products on the price list (at most 5000)");
ABSL_FLAG(int, rules, 3000, "active price rules");
ABSL_FLAG(int, lines, 10, "lines per basket");
ABSL_FLAG(int, orders, 2000, "PlaceOrder calls, each on its own quote");
ABSL_FLAG(int, setup_threads, 8, "concurrent calls while seeding");
ABSL_FLAG(std::string, scenarios,
          "price,price_basic,price_no_rule_cache,price_no_volume_cache,price_"
          "no_catalogue_cache,price_no_caches,"
          "quote,order",
          "which scenarios to run, in this order");

namespace qudao::bench {
namespace {

namespace pb = ::qudao::pricing::v1;
constexpr int kGroups = 50;

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}
void Check(const grpc::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.error_message().c_str());
    std::exit(1);
  }
}

// Runs fn(0..n-1) on `threads` threads; the first failure ends the run.
void ParallelFor(int n, const std::function<grpc::Status(int)>& fn,
                 const char* what) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  std::string error;
  std::vector<std::thread> threads;
  for (int t = 0; t < absl::GetFlag(FLAGS_setup_threads); ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < n && !failed; i = next++) {
        grpc::Status s = fn(i);
        if (!s.ok()) {
          absl::MutexLock lock(&mu);
          failed = true;
          error = s.error_message();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (failed) {
    std::fprintf(stderr, "%s: %s\n", what, error.c_str());
    std::exit(1);
  }
}

std::string Sku(int i) { return absl::StrFormat("SKU-%05d", i); }
std::string Group(int g) { return absl::StrFormat("G%02d", g); }

type::v1::Money Cny(int64_t minor) {
  type::v1::Money m;
  m.set_currency_code("CNY");
  m.set_minor_units(minor);
  return m;
}

void As(grpc::ClientContext* ctx, const std::string& who,
        const std::string& role) {
  ctx->AddMetadata(
      "authorization",
      absl::StrCat("Bearer ", testing::TestIdentity::Get().Token(who, {role})));
}

struct World {
  std::unique_ptr<BenchDatabase> db;
  std::string pricing_url;
  std::unique_ptr<customer::CustomerRecordsForTest> customers;
  std::unique_ptr<testing::ServiceFixture> credit;
  std::map<std::string, std::string> targets;
  std::vector<std::string> dealers;
};

// Which of pricing's quote caches are on.
struct Caches {
  bool rules = true;
  bool volumes = true;
  bool catalogue = true;
};

std::unique_ptr<testing::ServiceFixture> StartPricing(World& w,
                                                      Caches caches = {}) {
  setenv("QUDAO_PRICING_RULE_BOOK_CACHE", caches.rules ? "true" : "false", 1);
  setenv("QUDAO_PRICING_VOLUME_CACHE", caches.volumes ? "true" : "false", 1);
  setenv("QUDAO_PRICING_CATALOGUE_CACHE", caches.catalogue ? "true" : "false",
         1);
  auto pricing =
      testing::ServiceFixture::Start(pricing::NewPricingModule, &Clock::Real(),
                                     w.pricing_url, nullptr, w.targets);
  Check(pricing.status(), "starting pricing");
  // The volume cache serves once its follower knows the feed's position.
  absl::SleepFor(absl::Milliseconds(300));
  return *std::move(pricing);
}

// The rule of index i of the seeded set (see the file comment).
pb::PriceRule RuleOf(int i, const World& w) {
  std::mt19937 rng(static_cast<uint32_t>(i) * 7919u + 1);
  const int skus = absl::GetFlag(FLAGS_skus);
  const int dealers = static_cast<int>(w.dealers.size());
  pb::PriceRule r;
  r.set_rule_id(absl::StrFormat("R%05d", i));
  r.set_valid_from("2020-01-01");
  r.set_description("bench");
  r.set_priority(static_cast<int32_t>(rng() % 5));
  auto group = [&] {
    r.mutable_product_scope()->set_kind(pb::PRODUCT_SCOPE_KIND_GROUP);
    r.mutable_product_scope()->set_code(
        Group(static_cast<int>(rng() % kGroups)));
  };
  auto sku = [&] {
    r.mutable_product_scope()->set_kind(pb::PRODUCT_SCOPE_KIND_SKU);
    r.mutable_product_scope()->set_code(Sku(static_cast<int>(rng() % skus)));
  };
  auto one_dealer = [&] {
    r.mutable_dealer_scope()->set_kind(pb::DEALER_SCOPE_KIND_DEALER);
    r.mutable_dealer_scope()->set_code(w.dealers[rng() % dealers]);
  };
  auto tier = [&](int64_t min_quantity, int64_t bp) {
    pb::Tier* t = r.mutable_cumulative()->add_tiers();
    t->set_min_quantity(min_quantity);
    t->set_basis_points(bp);
  };
  if (i == 0) {
    r.set_type(pb::PRICE_RULE_TYPE_CHANNEL_MARGIN);
    r.mutable_dealer_scope()->set_kind(pb::DEALER_SCOPE_KIND_CHANNEL_LEVEL);
    r.mutable_dealer_scope()->set_channel_level(
        pb::PRICING_CHANNEL_LEVEL_DISTRIBUTOR);
    r.set_basis_points(1000);
    return r;
  }
  if (i == 1) {
    r.set_type(pb::PRICE_RULE_TYPE_PRICE_ENDING);
    r.mutable_ending()->set_step(100);
    r.mutable_ending()->set_ending(99);
    return r;
  }
  if (i < 12) {
    // Ten quarterly unit programmes on groups G00..G09 and a yearly one in
    // money on everything, for every dealer.
    r.set_type(pb::PRICE_RULE_TYPE_CUMULATIVE_VOLUME);
    if (i < 11) {
      r.mutable_product_scope()->set_kind(pb::PRODUCT_SCOPE_KIND_GROUP);
      r.mutable_product_scope()->set_code(Group(i - 2));
      r.mutable_cumulative()->set_period(pb::VOLUME_PERIOD_QUARTER);
      tier(100, 100);
      tier(500, 200);
    } else {
      r.mutable_cumulative()->set_period(pb::VOLUME_PERIOD_YEAR);
      r.mutable_cumulative()->set_measure(pb::VOLUME_MEASURE_AMOUNT);
      pb::Tier* t = r.mutable_cumulative()->add_tiers();
      *t->mutable_min_amount() = Cny(100000000);
      t->set_basis_points(150);
    }
    return r;
  }
  switch (i % 20) {
    case 0:
    case 1:
    case 2:
    case 3:
      r.set_type(pb::PRICE_RULE_TYPE_SEASONAL);
      sku();
      r.set_basis_points(300 + static_cast<int64_t>(rng() % 700));
      return r;
    case 4:
    case 5:
    case 6:
    case 7:
      r.set_type(pb::PRICE_RULE_TYPE_SEASONAL);
      one_dealer();
      group();
      r.set_basis_points(200 + static_cast<int64_t>(rng() % 500));
      return r;
    case 8:
    case 9:
    case 10:
    case 11: {
      r.set_type(pb::PRICE_RULE_TYPE_QUANTITY);
      if (i % 2 == 0) {
        group();
      } else {
        sku();
      }
      pb::Tier* t = r.mutable_quantity()->add_tiers();
      t->set_min_quantity(5);
      t->set_basis_points(200);
      t = r.mutable_quantity()->add_tiers();
      t->set_min_quantity(15);
      t->set_basis_points(400);
      return r;
    }
    case 12:
    case 13:
      // Dealer-specific volume agreements.
      r.set_type(pb::PRICE_RULE_TYPE_CUMULATIVE_VOLUME);
      one_dealer();
      group();
      r.mutable_cumulative()->set_period(pb::VOLUME_PERIOD_QUARTER);
      tier(50, 150);
      return r;
    case 14:
      r.set_type(pb::PRICE_RULE_TYPE_BUNDLE);
      sku();
      r.mutable_bundle()->set_trigger_sku(Sku(static_cast<int>(rng() % skus)));
      r.mutable_bundle()->set_trigger_quantity(1);
      r.mutable_bundle()->set_discounted_quantity(1);
      r.mutable_bundle()->set_basis_points(500);
      return r;
    case 15:
    case 16:
      r.set_type(pb::PRICE_RULE_TYPE_REBATE);
      group();
      r.set_basis_points(100 + static_cast<int64_t>(rng() % 200));
      return r;
    case 17:
      r.set_type(pb::PRICE_RULE_TYPE_FLOOR);
      group();
      *r.mutable_floor()->mutable_min_net_unit_price() = Cny(1000);
      return r;
    default:
      r.set_type(pb::PRICE_RULE_TYPE_SEASONAL);
      one_dealer();
      sku();
      r.set_basis_points(500);
      return r;
  }
}

void Seed(World& w, testing::ServiceFixture& pricing) {
  const absl::Time start = absl::Now();
  const int dealers = absl::GetFlag(FLAGS_dealers);
  const int skus = std::min(absl::GetFlag(FLAGS_skus), 5000);
  w.dealers.resize(dealers);
  ParallelFor(
      dealers,
      [&](int i) {
        auto id = w.customers->CreateDealer(absl::StrCat("Dealer ", i));
        if (!id.ok()) return ToGrpcStatus(id.status());
        w.dealers[i] = *id;
        return grpc::Status::OK;
      },
      "creating dealers");
  auto credit = credit::v1::CreditControlService::NewStub(w.credit->channel());
  ParallelFor(
      dealers,
      [&](int i) {
        credit::v1::SetCreditLimitRequest req;
        req.set_dealer_id(w.dealers[i]);
        *req.mutable_credit_limit() = Cny(int64_t{100000000000});
        req.set_reason("bench");
        credit::v1::CreditPosition out;
        grpc::ClientContext ctx;
        As(&ctx, "credit.manager.bench", "credit_manager");
        return credit->SetCreditLimit(&ctx, req, &out);
      },
      "setting credit limits");
  auto stub = pb::PricingService::NewStub(pricing.channel());
  for (int g = 0; g < kGroups; ++g) {
    pb::CreateProductGroupRequest req;
    req.mutable_product_group()->set_group_code(Group(g));
    req.mutable_product_group()->set_product_line("LINE");
    req.mutable_product_group()->set_name(Group(g));
    pb::ProductGroup out;
    grpc::ClientContext ctx;
    Check(stub->CreateProductGroup(&ctx, req, &out), "creating groups");
  }
  ParallelFor(
      skus,
      [&](int i) {
        pb::CreateProductRequest req;
        req.mutable_product()->set_sku(Sku(i));
        req.mutable_product()->set_name(Sku(i));
        req.mutable_product()->set_product_group(Group(i % kGroups));
        pb::Product out;
        grpc::ClientContext ctx;
        return stub->CreateProduct(&ctx, req, &out);
      },
      "creating products");
  {
    pb::PublishPriceListRequest req;
    pb::PriceListVersion* v = req.mutable_price_list();
    v->set_currency_code("CNY");
    v->set_valid_from("2020-01-01");
    for (int i = 0; i < skus; ++i) {
      pb::PriceListEntry* e = v->add_entries();
      e->set_sku(Sku(i));
      *e->mutable_list_price() = Cny(10000 + (i % 500) * 100 + 37);
    }
    pb::PriceListVersion out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(120));
    Check(stub->PublishPriceList(&ctx, req, &out), "publishing the price list");
  }
  ParallelFor(
      absl::GetFlag(FLAGS_rules),
      [&](int i) {
        pb::CreatePriceRuleRequest create;
        *create.mutable_price_rule() = RuleOf(i, w);
        pb::PriceRule out;
        grpc::ClientContext ctx;
        As(&ctx, "ana.pm", "pricing_manager");
        grpc::Status s = stub->CreatePriceRule(&ctx, create, &out);
        if (!s.ok()) return s;
        pb::PublishPriceRuleRequest publish;
        publish.set_rule_id(out.rule_id());
        grpc::ClientContext pctx;
        As(&pctx, "bo.pm", "pricing_manager");
        return stub->PublishPriceRule(&pctx, publish, &out);
      },
      "creating rules");
  std::printf("seeded %d dealers, %d SKUs, %d active rules in %.1f s\n",
              dealers, skus, absl::GetFlag(FLAGS_rules),
              absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

// A basket of --lines distinct random SKUs for a random dealer.
struct BasketMaker {
  const World& w;
  pb::Basket Make(std::mt19937& rng, std::string* dealer) const {
    const int skus = std::min(absl::GetFlag(FLAGS_skus), 5000);
    *dealer = w.dealers[rng() % w.dealers.size()];
    pb::Basket b;
    b.set_currency_code("CNY");
    b.mutable_payment_term()->set_net_days(30);
    b.mutable_payment_term()->set_discount_basis_points(200);
    b.mutable_payment_term()->set_discount_days(10);
    std::set<int> used;
    while (static_cast<int>(used.size()) < absl::GetFlag(FLAGS_lines)) {
      const int i = static_cast<int>(rng() % skus);
      if (!used.insert(i).second) continue;
      pb::BasketLineInput* l = b.add_lines();
      l->set_sku(Sku(i));
      l->set_quantity(1 + static_cast<int64_t>(rng() % 20));
    }
    return b;
  }
};

// One basket per dealer before measuring, so the volume cache holds every
// dealer's volumes (the steady state: invoices are rare next to quotes; a
// cold cache costs a quote one GetRevenueSummary per cumulative rule).
void Warm(const World& w, pb::PricingService::Stub& stub,
          const BasketMaker& maker) {
  const absl::Time start = absl::Now();
  std::atomic<int64_t> bytes{0}, lines{0}, steps{0}, not_applied{0};
  ParallelFor(
      static_cast<int>(w.dealers.size()),
      [&](int i) {
        std::mt19937 rng(90000 + i);
        pb::PriceBasketRequest req;
        *req.mutable_basket() = maker.Make(rng, req.mutable_dealer_id());
        req.set_dealer_id(w.dealers[i]);
        pb::Quote out;
        grpc::ClientContext ctx;
        grpc::Status s = stub.PriceBasket(&ctx, req, &out);
        bytes += static_cast<int64_t>(out.ByteSizeLong());
        for (const pb::LineWaterfall& l : out.waterfall().lines()) {
          ++lines;
          steps += l.steps_size();
          not_applied += l.not_applied_size();
        }
        return s;
      },
      "warming the volume cache");
  const double n = static_cast<double>(w.dealers.size());
  const double per_line = std::max<double>(1, static_cast<double>(lines));
  std::printf(
      "  (volume cache warmed: one basket per dealer in %.1f s; a full "
      "answer is %.0f bytes, per line %.1f steps applied and %.1f rules "
      "not applied)\n",
      absl::ToDoubleSeconds(absl::Now() - start),
      static_cast<double>(bytes) / n, static_cast<double>(steps) / per_line,
      static_cast<double>(not_applied) / per_line);
  std::fflush(stdout);
}

LoadOptions Options() {
  LoadOptions o;
  o.concurrency = absl::GetFlag(FLAGS_clients);
  o.duration = absl::Seconds(absl::GetFlag(FLAGS_duration_s));
  o.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup_s));
  return o;
}

LoadResult PriceScenario(World& w, const std::string& name, Caches caches,
                         pb::WaterfallView view = pb::WATERFALL_VIEW_FULL) {
  auto pricing = StartPricing(w, caches);
  auto stub = pb::PricingService::NewStub(pricing->channel());
  BasketMaker maker{w};
  if (caches.volumes) Warm(w, *stub, maker);
  std::vector<std::mt19937> rngs;
  for (int i = 0; i < absl::GetFlag(FLAGS_clients); ++i) rngs.emplace_back(i);
  return RunLoad(name, Options(), [&](int worker, int64_t) {
    pb::PriceBasketRequest req;
    *req.mutable_basket() = maker.Make(rngs[worker], req.mutable_dealer_id());
    req.set_view(view);
    // The answer is parsed into an arena, as a client pricing many
    // baskets would: freed at once, not string by string, its first
    // block reused call after call (the caller's CPU shares the box's two
    // cores with the service's).
    constexpr size_t kBlock = 128 * 1024;
    thread_local std::unique_ptr<char[]> block =
        std::make_unique<char[]>(kBlock);
    google::protobuf::ArenaOptions options;
    options.initial_block = block.get();
    options.initial_block_size = kBlock;
    google::protobuf::Arena arena(options);
    auto* out = google::protobuf::Arena::CreateMessage<pb::Quote>(&arena);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    return stub->PriceBasket(&ctx, req, out);
  });
}

grpc::Status CreateQuote(pb::PricingService::Stub& stub,
                         const BasketMaker& maker, std::mt19937& rng,
                         const std::string& request_id, pb::Quote* out) {
  pb::CreateQuoteRequest req;
  *req.mutable_basket() = maker.Make(rng, req.mutable_dealer_id());
  req.set_validity_days(30);
  req.set_request_id(request_id);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return stub.CreateQuote(&ctx, req, out);
}

LoadResult QuoteScenario(World& w) {
  auto pricing = StartPricing(w);
  auto stub = pb::PricingService::NewStub(pricing->channel());
  BasketMaker maker{w};
  Warm(w, *stub, maker);
  std::vector<std::mt19937> rngs;
  for (int i = 0; i < absl::GetFlag(FLAGS_clients); ++i) {
    rngs.emplace_back(1000 + i);
  }
  return RunLoad("CreateQuote", Options(), [&](int worker, int64_t seq) {
    pb::Quote out;
    return CreateQuote(*stub, maker, rngs[worker],
                       absl::StrCat("q-", worker, "-", seq), &out);
  });
}

LoadResult OrderScenario(World& w) {
  auto pricing = StartPricing(w);
  auto stub = pb::PricingService::NewStub(pricing->channel());
  BasketMaker maker{w};
  const int n = absl::GetFlag(FLAGS_orders);
  // Calls begun before measuring starts and those still in flight when the
  // n-th is measured need quotes too.
  const int made = n + 2 * absl::GetFlag(FLAGS_clients);
  std::vector<std::string> quotes(made);
  ParallelFor(
      made,
      [&](int i) {
        std::mt19937 rng(50000 + i);
        pb::Quote out;
        grpc::Status s =
            CreateQuote(*stub, maker, rng, absl::StrCat("oq-", i), &out);
        quotes[i] = out.quote_id();
        return s;
      },
      "making the quotes to order");
  auto orders = pb::OrderService::NewStub(pricing->channel());
  std::atomic<int> next{0};
  LoadOptions o = Options();
  o.warmup = absl::ZeroDuration();
  o.max_requests = n;
  o.duration = absl::Seconds(120);
  return RunLoad("PlaceOrder", o, [&](int, int64_t) {
    const int i = next++;
    if (i >= made) {
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "no quote left");
    }
    pb::PlaceOrderRequest req;
    req.set_quote_id(quotes[i]);
    req.set_request_id(absl::StrCat("order-", i));
    pb::Order out;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    return orders->PlaceOrder(&ctx, req, &out);
  });
}

int Main() {
  World w;
  const std::string backend = absl::GetFlag(FLAGS_backend);
  auto db = BenchDatabase::Create(backend);
  Check(db.status(), "creating the database");
  w.db = std::move(*db);
  w.pricing_url = w.db->url();
  auto credit_url = w.db->Another("credit");
  Check(credit_url.status(), "creating credit control's database");
  auto customers = customer::CustomerRecordsForTest::Start();
  Check(customers.status(), "starting customer records");
  w.customers = std::move(*customers);
  auto credit = testing::ServiceFixture::Start(
      credit::NewCreditControlModule, &Clock::Real(), *credit_url, nullptr,
      {{"customer_records", w.customers->target()}});
  Check(credit.status(), "starting credit control");
  w.credit = std::move(*credit);
  w.targets = {
      {"customer_records", w.customers->target()},
      {"credit_control", absl::StrCat("127.0.0.1:", w.credit->port())}};
  {
    auto pricing = StartPricing(w);
    Seed(w, *pricing);
  }
  std::printf(
      "backend %s, %d clients, %d-line baskets, %d s per scenario "
      "(pricing, credit control and customer records in this process)\n",
      backend.c_str(), absl::GetFlag(FLAGS_clients), absl::GetFlag(FLAGS_lines),
      absl::GetFlag(FLAGS_duration_s));
  std::fflush(stdout);
  std::vector<LoadResult> results;
  for (absl::string_view s :
       absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',')) {
    if (s == "price") {
      results.push_back(PriceScenario(w, "PriceBasket", {}));
    } else if (s == "price_basic") {
      results.push_back(PriceScenario(w, "PriceBasket, basic view", {},
                                      pb::WATERFALL_VIEW_BASIC));
    } else if (s == "price_no_rule_cache") {
      results.push_back(PriceScenario(w, "PriceBasket, no rule book cache",
                                      Caches{false, true, true}));
    } else if (s == "price_no_volume_cache") {
      results.push_back(PriceScenario(w, "PriceBasket, no volume cache",
                                      Caches{true, false, true}));
    } else if (s == "price_no_catalogue_cache") {
      results.push_back(PriceScenario(w, "PriceBasket, no catalogue cache",
                                      Caches{true, true, false}));
    } else if (s == "price_no_caches") {
      results.push_back(PriceScenario(w, "PriceBasket, no caches",
                                      Caches{false, false, false}));
    } else if (s == "quote") {
      results.push_back(QuoteScenario(w));
    } else if (s == "order") {
      results.push_back(OrderScenario(w));
    } else {
      std::fprintf(stderr, "unknown scenario %s\n", std::string(s).c_str());
      return 2;
    }
    std::printf("%s: %.0f/s p50 %.2f ms p99 %.2f ms (%lld errors%s%s)\n",
                results.back().scenario.c_str(), results.back().throughput,
                absl::ToDoubleMilliseconds(results.back().p50),
                absl::ToDoubleMilliseconds(results.back().p99),
                static_cast<long long>(results.back().errors),
                results.back().errors > 0 ? ", first: " : "",
                results.back().first_error.c_str());
    std::fflush(stdout);
  }
  PrintTable(results);
  return 0;
}

}  // namespace
}  // namespace qudao::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As the service binaries run (RunServiceMain).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return qudao::bench::Main();
}
