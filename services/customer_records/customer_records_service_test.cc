// Customer records over real gRPC (in-process server, port 0), with the
// service's store on SQLite and on a real PostgreSQL: the same suite for
// both backends.
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/cache/cache.h"
#include "common/clock/clock.h"
#include "common/events/event_bus.h"
#include "common/grpc/status.h"
#include "common/testing/harness.h"
#include "common/testing/service_fixture.h"
#include "common/testing/uscc.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/client/customer_records_client.h"
#include "services/customer_records/customer_records_module.h"

namespace qudao::customer {
namespace {

namespace pb = ::qudao::customer::v1;
using ::testing::HasSubstr;

template <typename B>
class CustomerRecordsTest
    : public testing::ServiceTest<B, pb::CustomerRecordsService> {
 protected:
  void SetUp() override {
    this->StartService(NewCustomerRecordsModule);
    if (::testing::Test::HasFatalFailure()) return;
  }

  static pb::Dealer ValidDealer(
      const std::string& name = "杭州明达机电有限公司") {
    pb::Dealer d;
    d.set_legal_name(name);
    d.mutable_region()->set_province("Zhejiang");
    d.mutable_region()->set_city("Hangzhou");
    d.mutable_region()->set_sales_territory("EAST-2");
    d.set_channel_level(pb::CHANNEL_LEVEL_DISTRIBUTOR);
    d.set_owner("rep.wang");
    d.mutable_registered_capital()->set_currency_code("CNY");
    d.mutable_registered_capital()->set_minor_units(500000000);
    d.add_brands("Qudao Pumps");
    return d;
  }

  grpc::Status Create(const pb::Dealer& dealer, pb::Dealer* out,
                      const std::string& request_id = "",
                      grpc::ClientContext* ctx = nullptr) {
    pb::CreateDealerRequest req;
    *req.mutable_dealer() = dealer;
    req.set_request_id(request_id);
    grpc::ClientContext local;
    return this->stub_->CreateDealer(ctx != nullptr ? ctx : &local, req, out);
  }

  // A distributor and a retailer buying from it.
  void CreateDistributorAndRetailer(pb::Dealer* distributor,
                                    pb::Dealer* retailer) {
    ASSERT_TRUE(Create(ValidDealer("Distributor"), distributor).ok());
    pb::Dealer child = ValidDealer("Retailer");
    child.set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
    child.set_parent_dealer_id(distributor->dealer_id());
    ASSERT_TRUE(Create(child, retailer).ok());
  }

  int CountDealers() {
    int n = 0;
    std::string token;
    do {
      pb::ListDealersRequest req;
      req.set_page_size(1000);
      req.set_page_token(token);
      pb::ListDealersResponse resp;
      grpc::ClientContext ctx;
      grpc::Status s = this->stub_->ListDealers(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return -1;
      n += resp.dealers_size();
      token = resp.next_page_token();
    } while (!token.empty());
    return n;
  }
};

using Backends = testing::BothBackends;
TYPED_TEST_SUITE(CustomerRecordsTest, Backends);

TYPED_TEST(CustomerRecordsTest, CreateThenGetReturnsThePersistedDealer) {
  pb::Dealer created;
  ASSERT_TRUE(this->Create(this->ValidDealer(), &created).ok());
  EXPECT_THAT(created.dealer_id(), ::testing::StartsWith("dlr_"));
  EXPECT_EQ(created.status(), pb::DEALER_STATUS_PROSPECT);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_EQ(created.create_time().seconds(),
            absl::ToUnixSeconds(this->clock_.Now()));

  pb::GetDealerRequest get;
  get.set_dealer_id(created.dealer_id());
  pb::Dealer fetched;
  grpc::ClientContext ctx;
  ASSERT_TRUE(this->stub_->GetDealer(&ctx, get, &fetched).ok());
  EXPECT_EQ(fetched.legal_name(), "杭州明达机电有限公司");
  EXPECT_EQ(fetched.region().city(), "Hangzhou");
  EXPECT_EQ(fetched.registered_capital().minor_units(), 500000000);
  EXPECT_EQ(fetched.registered_capital().currency_code(), "CNY");
  EXPECT_THAT(fetched.brands(), ::testing::ElementsAre("Qudao Pumps"));
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
}

TYPED_TEST(CustomerRecordsTest, BusinessScopeMaySpanLinesButNamesMayNot) {
  pb::Dealer d = this->ValidDealer();
  d.set_business_scope("Pumps: sales and service\nValves: sales only");
  pb::Dealer created;
  ASSERT_TRUE(this->Create(d, &created).ok());
  EXPECT_EQ(created.business_scope(), d.business_scope());
  d.set_legal_name("Two\nLines Ltd");
  grpc::Status s = this->Create(d, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("dealer.legal_name"));
}

TYPED_TEST(CustomerRecordsTest, GetUnknownDealerIsNotFound) {
  pb::GetDealerRequest get;
  get.set_dealer_id("dlr_00000000000000000000");
  pb::Dealer out;
  grpc::ClientContext ctx;
  grpc::Status s = this->stub_->GetDealer(&ctx, get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("dlr_00000000000000000000"));
}

TYPED_TEST(CustomerRecordsTest, RetriedCreateWithSameRequestIdAppliesOnce) {
  pb::Dealer first, second;
  ASSERT_TRUE(this->Create(this->ValidDealer(), &first, "req-42").ok());
  this->clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(this->Create(this->ValidDealer(), &second, "req-42").ok());
  EXPECT_EQ(first.dealer_id(), second.dealer_id());
  // The replay is the first response, byte for byte.
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(this->CountDealers(), 1);

  // A retry that sends back what it got (id, times, etag: fields Create
  // ignores) is the same request.
  pb::Dealer echoed = this->ValidDealer();
  echoed.set_dealer_id(first.dealer_id());
  *echoed.mutable_create_time() = first.create_time();
  *echoed.mutable_update_time() = first.update_time();
  echoed.set_etag(first.etag());
  pb::Dealer third;
  ASSERT_TRUE(this->Create(echoed, &third, "req-42").ok());
  EXPECT_EQ(third.SerializeAsString(), first.SerializeAsString());

  // The same key for a different dealer is a client bug, not a retry.
  pb::Dealer other;
  grpc::ClientContext ctx;
  grpc::Status s =
      this->Create(this->ValidDealer("Another Co"), &other, "req-42", &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), "request_id");
  EXPECT_EQ(this->CountDealers(), 1);
}

// Every malformed field is refused with INVALID_ARGUMENT naming the field,
// and nothing is written.
TYPED_TEST(CustomerRecordsTest, CreateRejectsBadInputAndWritesNothing) {
  struct Case {
    std::string field;
    std::function<void(pb::Dealer&)> spoil;
  };
  const std::vector<Case> cases = {
      {"dealer.legal_name", [](pb::Dealer& d) { d.clear_legal_name(); }},
      {"dealer.legal_name", [](pb::Dealer& d) { d.set_legal_name("   "); }},
      {"dealer.legal_name",
       [](pb::Dealer& d) { d.set_legal_name(std::string(201, 'x')); }},
      {"dealer.legal_name",
       [](pb::Dealer& d) { d.set_legal_name("tab\tin name"); }},
      {"dealer.region.province",
       [](pb::Dealer& d) { d.mutable_region()->clear_province(); }},
      {"dealer.region.city",
       [](pb::Dealer& d) { d.mutable_region()->clear_city(); }},
      {"dealer.region.sales_territory",
       [](pb::Dealer& d) { d.mutable_region()->set_sales_territory("a b"); }},
      {"dealer.channel_level",
       [](pb::Dealer& d) {
         d.set_channel_level(pb::CHANNEL_LEVEL_UNSPECIFIED);
       }},
      {"dealer.channel_level",
       [](pb::Dealer& d) {
         d.set_channel_level(static_cast<pb::ChannelLevel>(99));
       }},
      {"dealer.owner", [](pb::Dealer& d) { d.set_owner("tab\there"); }},
      {"dealer.registered_capital.currency_code",
       [](pb::Dealer& d) {
         d.mutable_registered_capital()->set_currency_code("yuan");
       }},
      {"dealer.registered_capital",
       [](pb::Dealer& d) {
         d.mutable_registered_capital()->set_minor_units(-5);
       }},
      {"dealer.brands[1]", [](pb::Dealer& d) { d.add_brands(""); }},
      {"dealer.brands", [](pb::Dealer& d) { d.add_brands("Qudao Pumps"); }},
      {"dealer.parent_dealer_id",
       [](pb::Dealer& d) { d.set_parent_dealer_id("not-an-id"); }},
      {"dealer.parent_dealer_id",
       [](pb::Dealer& d) {
         d.set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
         d.set_parent_dealer_id("dlr_00000000000000000000");
       }},
      {"dealer.status",
       [](pb::Dealer& d) { d.set_status(pb::DEALER_STATUS_TERMINATED); }},
      {"dealer.payer_dealer_id",
       [](pb::Dealer& d) { d.set_payer_dealer_id("not-an-id"); }},
      {"dealer.pricing_zone",
       [](pb::Dealer& d) { d.set_pricing_zone("zone east"); }},
      {"dealer.pricing_zone",
       [](pb::Dealer& d) { d.set_pricing_zone(std::string(33, 'Z')); }},
      {"dealer.unified_social_credit_code",
       [](pb::Dealer& d) {
         d.set_unified_social_credit_code("91330106MA2GL0K1P");
       }},
      {"dealer.unified_social_credit_code",
       [](pb::Dealer& d) {
         d.set_unified_social_credit_code("91330106MA2GLOK1PP");
       }},
      {"dealer.unified_social_credit_code",
       [](pb::Dealer& d) {
         d.set_unified_social_credit_code("91330106MA2GL0K1PQ");
       }},
      {"dealer.unified_social_credit_code",
       [](pb::Dealer& d) {
         d.set_unified_social_credit_code(std::string(8000, '9'));
       }},
  };
  for (const Case& c : cases) {
    pb::Dealer d = this->ValidDealer();
    c.spoil(d);
    pb::Dealer out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Create(d, &out, "", &ctx);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorFieldKey), c.field);
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorReasonKey), "INVALID_FIELD");
  }
  pb::CreateDealerRequest empty;
  pb::Dealer out;
  grpc::ClientContext ctx;
  grpc::Status s = this->stub_->CreateDealer(&ctx, empty, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("dealer"));
  pb::Dealer bad_key;
  s = this->Create(this->ValidDealer(), &bad_key, "spaces are not allowed");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(this->CountDealers(), 0);
}

// The new dealer facts over gRPC: the code is read trimmed and
// upper-cased; refusals carry their reasons; the classification cannot be
// written.
TYPED_TEST(CustomerRecordsTest, DealerFactsAreCheckedAtTheBoundary) {
  pb::Dealer distributor;
  pb::Dealer d = this->ValidDealer("Distributor");
  d.set_status(pb::DEALER_STATUS_ACTIVE);
  d.set_unified_social_credit_code("  91330106ma2gl0k1pp ");
  d.set_pricing_zone("ZONE-EAST");
  d.set_abc_class(pb::ABC_CLASS_A);  // output only: ignored
  d.set_value_tier("strategic");     // output only: ignored
  ASSERT_TRUE(this->Create(d, &distributor).ok());
  EXPECT_EQ(distributor.unified_social_credit_code(), "91330106MA2GL0K1PP");
  EXPECT_EQ(distributor.pricing_zone(), "ZONE-EAST");
  EXPECT_EQ(distributor.abc_class(), pb::ABC_CLASS_UNSPECIFIED);
  EXPECT_EQ(distributor.value_tier(), "");

  auto expect_refusal = [&](const pb::Dealer& dealer, grpc::StatusCode code,
                            const std::string& reason,
                            const std::string& says) {
    pb::Dealer out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Create(dealer, &out, "", &ctx);
    EXPECT_EQ(s.error_code(), code) << s.error_message();
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorReasonKey), reason);
    EXPECT_THAT(s.error_message(), HasSubstr(says));
  };
  // The same code again, typed differently: the dealer that has it.
  pb::Dealer twin = this->ValidDealer("Twin");
  twin.set_unified_social_credit_code("91330106MA2GL0K1PP");
  expect_refusal(twin, grpc::StatusCode::ALREADY_EXISTS, "DUPLICATE_DEALER",
                 distributor.dealer_id());
  // Active needs a code.
  pb::Dealer no_code = this->ValidDealer("No code");
  no_code.set_status(pb::DEALER_STATUS_ACTIVE);
  expect_refusal(no_code, grpc::StatusCode::FAILED_PRECONDITION,
                 "USCC_REQUIRED", "unified social credit code");
  // A payer that is not upstream.
  pb::Dealer shop = this->ValidDealer("Shop");
  shop.set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
  shop.set_payer_dealer_id(distributor.dealer_id());
  expect_refusal(shop, grpc::StatusCode::FAILED_PRECONDITION, "INVALID_PAYER",
                 distributor.dealer_id());
  EXPECT_EQ(this->CountDealers(), 1);
  shop.set_parent_dealer_id(distributor.dealer_id());
  pb::Dealer created_shop;
  ASSERT_TRUE(this->Create(shop, &created_shop).ok());
  EXPECT_EQ(created_shop.payer_dealer_id(), distributor.dealer_id());

  // UpdateDealer refuses the output-only classification by name.
  for (const char* path : {"abc_class", "value_tier"}) {
    pb::UpdateDealerRequest req;
    *req.mutable_dealer() = created_shop;
    req.mutable_update_mask()->add_paths(path);
    pb::Dealer out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->UpdateDealer(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, "update_mask");
    EXPECT_THAT(s.error_message(), HasSubstr("output only"));
  }
  // ... and changes the new fields it names, checking them first.
  pb::UpdateDealerRequest req;
  *req.mutable_dealer() = created_shop;
  req.mutable_dealer()->set_pricing_zone("zone east");
  req.mutable_update_mask()->add_paths("pricing_zone");
  pb::Dealer out;
  {
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->UpdateDealer(&ctx, req, &out), ctx,
                             "dealer.pricing_zone");
  }
  req.mutable_dealer()->set_pricing_zone("ZONE-WEST");
  req.mutable_dealer()->set_payer_dealer_id("");
  req.mutable_update_mask()->add_paths("payer_dealer_id");
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->UpdateDealer(&ctx, req, &out).ok());
  }
  EXPECT_EQ(out.pricing_zone(), "ZONE-WEST");
  EXPECT_EQ(out.payer_dealer_id(), "");

  // What other services read of it.
  const DealerFacts facts = FactsOf(distributor);
  EXPECT_EQ(facts.pricing_zone, "ZONE-EAST");
  EXPECT_EQ(facts.payer_dealer_id, "");
  EXPECT_EQ(FactsOf(created_shop).payer_dealer_id, distributor.dealer_id());
  pb::Dealer classified = created_shop;
  classified.set_payer_dealer_id(created_shop.dealer_id());  // itself
  classified.set_abc_class(pb::ABC_CLASS_B);
  classified.set_value_tier("important");
  const DealerFacts shop_facts = FactsOf(classified);
  EXPECT_EQ(shop_facts.payer_dealer_id, "");
  EXPECT_EQ(shop_facts.abc_class, "B");
  EXPECT_EQ(shop_facts.value_tier, "important");
}

// Malformed ListDealers filters are INVALID_ARGUMENT naming the filter.
TYPED_TEST(CustomerRecordsTest, ListRejectsMalformedFilters) {
  struct Case {
    std::string field;
    std::function<void(pb::ListDealersRequest&)> spoil;
  };
  const std::vector<Case> cases = {
      {"status",
       [](auto& r) { r.set_status(static_cast<pb::DealerStatus>(42)); }},
      {"province", [](auto& r) { r.set_province("two\nlines"); }},
      {"sales_territory", [](auto& r) { r.set_sales_territory("EAST 2"); }},
      {"channel_level",
       [](auto& r) { r.set_channel_level(static_cast<pb::ChannelLevel>(9)); }},
      {"abc_class",
       [](auto& r) { r.set_abc_class(static_cast<pb::AbcClass>(7)); }},
      {"owner", [](auto& r) { r.set_owner("rep\twang"); }},
      {"payer_dealer_id", [](auto& r) { r.set_payer_dealer_id("dlr_x"); }},
      {"pricing_zone", [](auto& r) { r.set_pricing_zone("ZONE%"); }},
      {"name_query", [](auto& r) { r.set_name_query(std::string(101, 'a')); }},
      {"name_query",
       [](auto& r) {
         r.set_name_query(
             "a\xE2\x80\xAE"
             "b");
       }},
  };
  for (const Case& c : cases) {
    pb::ListDealersRequest req;
    c.spoil(req);
    pb::ListDealersResponse resp;
    grpc::ClientContext ctx;
    this->ExpectInvalidField(this->stub_->ListDealers(&ctx, req, &resp), ctx,
                             c.field);
  }
  // Well-formed filters that match nothing are an empty page.
  pb::ListDealersRequest req;
  req.set_name_query(std::string(100, '%'));
  req.set_payer_dealer_id("dlr_00000000000000000000");
  pb::ListDealersResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(this->stub_->ListDealers(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.dealers_size(), 0);
}

TYPED_TEST(CustomerRecordsTest, ListFiltersByNameAndTerritoryAcrossPages) {
  for (int i = 0; i < 7; ++i) {
    pb::Dealer d = this->ValidDealer(absl::StrCat("Mingda_", i, " Trading"));
    if (i % 2 == 1) d.set_legal_name(absl::StrCat("Huatai ", i));
    if (i >= 3) d.mutable_region()->set_sales_territory("WEST-1");
    pb::Dealer out;
    ASSERT_TRUE(this->Create(d, &out).ok());
    this->clock_.Advance(absl::Milliseconds(3));
  }
  std::vector<std::string> names;
  std::string token;
  do {
    pb::ListDealersRequest req;
    req.set_page_size(1);
    req.set_name_query("MINGDA_");
    req.set_sales_territory("WEST-1");
    req.set_page_token(token);
    pb::ListDealersResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListDealers(&ctx, req, &resp).ok());
    for (const auto& d : resp.dealers()) names.push_back(d.legal_name());
    token = resp.next_page_token();
  } while (!token.empty());
  EXPECT_THAT(names,
              ::testing::ElementsAre("Mingda_4 Trading", "Mingda_6 Trading"));
}

TYPED_TEST(CustomerRecordsTest, ParentMustBeAnUpstreamDealer) {
  pb::Dealer distributor, created;
  this->CreateDistributorAndRetailer(&distributor, &created);
  if (this->HasFatalFailure()) return;
  EXPECT_EQ(created.parent_dealer_id(), distributor.dealer_id());

  pb::Dealer upside_down = this->ValidDealer("Upside down");
  upside_down.set_parent_dealer_id(
      created.dealer_id());  // distributor under retailer
  pb::Dealer out;
  grpc::ClientContext ctx;
  grpc::Status s = this->Create(upside_down, &out, "", &ctx);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::TrailingValue(ctx, kErrorReasonKey), "INVALID_PARENT");
  EXPECT_EQ(this->CountDealers(), 2);
}

TYPED_TEST(CustomerRecordsTest, ParentsWithActiveChildrenKeepTheirPlace) {
  pb::Dealer distributor, child;
  this->CreateDistributorAndRetailer(&distributor, &child);
  if (this->HasFatalFailure()) return;

  auto update = [&](pb::Dealer d, const std::string& path, pb::Dealer* out) {
    pb::UpdateDealerRequest req;
    *req.mutable_dealer() = d;
    req.mutable_update_mask()->add_paths(path);
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->UpdateDealer(&ctx, req, out);
    return std::make_pair(s, testing::TrailingValue(ctx, kErrorReasonKey));
  };
  pb::Dealer out;
  pb::Dealer terminate = distributor;
  terminate.set_status(pb::DEALER_STATUS_TERMINATED);
  auto [s1, reason1] = update(terminate, "status", &out);
  EXPECT_EQ(s1.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(reason1, "HAS_ACTIVE_CHILDREN");
  pb::Dealer demote = distributor;
  demote.set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
  auto [s2, reason2] = update(demote, "channel_level", &out);
  EXPECT_EQ(reason2, "HAS_ACTIVE_CHILDREN");

  // Changing the child's owner does not re-check its parent; terminating
  // the child frees the parent to be terminated.
  pb::Dealer owner = child;
  owner.set_owner("rep.new");
  EXPECT_TRUE(update(owner, "owner", &out).first.ok());
  pb::Dealer end_child = out;
  end_child.set_status(pb::DEALER_STATUS_TERMINATED);
  EXPECT_TRUE(update(end_child, "status", &out).first.ok());
  EXPECT_TRUE(update(terminate, "status", &out).first.ok());
  EXPECT_EQ(out.status(), pb::DEALER_STATUS_TERMINATED);
}

TYPED_TEST(CustomerRecordsTest, ListPagesThroughEveryDealerOnceWithFilters) {
  for (int i = 0; i < 23; ++i) {
    pb::Dealer d = this->ValidDealer(absl::StrCat("Dealer ", i));
    if (i % 2 == 0) d.mutable_region()->set_province("Jiangsu");
    pb::Dealer out;
    ASSERT_TRUE(this->Create(d, &out).ok());
    this->clock_.Advance(absl::Milliseconds(3));
  }
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    pb::ListDealersRequest req;
    req.set_page_size(5);
    req.set_province("Jiangsu");
    req.set_page_token(token);
    pb::ListDealersResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListDealers(&ctx, req, &resp).ok());
    for (const auto& d : resp.dealers()) {
      EXPECT_EQ(d.region().province(), "Jiangsu");
      names.push_back(d.legal_name());
    }
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(names.size(), 12u);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.front(), "Dealer 0");  // creation order
  EXPECT_EQ(names.back(), "Dealer 22");
  EXPECT_EQ(this->CountDealers(), 23);
}

TYPED_TEST(CustomerRecordsTest, ListRejectsBadPagingAndForeignTokens) {
  for (int i = 0; i < 3; ++i) {
    pb::Dealer out;
    ASSERT_TRUE(this->Create(this->ValidDealer(), &out).ok());
  }
  pb::ListDealersRequest req;
  req.set_page_size(-1);
  pb::ListDealersResponse resp;
  grpc::ClientContext c1;
  grpc::Status s = this->stub_->ListDealers(&c1, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_size"));

  req.set_page_size(1);
  grpc::ClientContext c2;
  ASSERT_TRUE(this->stub_->ListDealers(&c2, req, &resp).ok());
  ASSERT_FALSE(resp.next_page_token().empty());
  req.set_page_token(resp.next_page_token());
  req.set_province("Jiangsu");  // different filters than the token's
  grpc::ClientContext c3;
  s = this->stub_->ListDealers(&c3, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));

  req.set_page_token("%%%garbage");
  grpc::ClientContext c4;
  s = this->stub_->ListDealers(&c4, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TYPED_TEST(CustomerRecordsTest, UpdateAppliesMaskChecksEtagAndLifecycle) {
  pb::Dealer created;
  ASSERT_TRUE(this->Create(this->ValidDealer(), &created).ok());

  auto update = [&](pb::Dealer d, std::vector<std::string> paths,
                    pb::Dealer* out) {
    pb::UpdateDealerRequest req;
    *req.mutable_dealer() = d;
    for (auto& p : paths) req.mutable_update_mask()->add_paths(p);
    grpc::ClientContext ctx;
    return this->stub_->UpdateDealer(&ctx, req, out);
  };

  pb::Dealer change = created;
  change.set_owner("rep.li");
  change.set_legal_name("ignored because not in mask");
  change.set_status(pb::DEALER_STATUS_ACTIVE);
  change.set_unified_social_credit_code(testing::NextUscc());
  pb::Dealer updated;
  ASSERT_TRUE(update(change, {"owner", "status", "unified_social_credit_code"},
                     &updated)
                  .ok());
  EXPECT_EQ(updated.owner(), "rep.li");
  EXPECT_EQ(updated.status(), pb::DEALER_STATUS_ACTIVE);
  EXPECT_EQ(updated.legal_name(), created.legal_name());
  EXPECT_NE(updated.etag(), created.etag());

  // A stale etag means someone else changed it: ABORTED, nothing applied.
  pb::Dealer stale = created;
  stale.set_owner("rep.zhao");
  pb::Dealer out;
  EXPECT_EQ(update(stale, {"owner"}, &out).error_code(),
            grpc::StatusCode::ABORTED);

  // Lifecycle: active -> prospect is not a thing.
  pb::Dealer back = updated;
  back.set_status(pb::DEALER_STATUS_PROSPECT);
  EXPECT_EQ(update(back, {"status"}, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // Bad masks and bad values are INVALID_ARGUMENT naming the field.
  grpc::Status s = update(updated, {}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("update_mask"));
  s = update(updated, {"dealer_id"}, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("update_mask"));
  pb::Dealer blank = updated;
  blank.clear_owner();
  s = update(blank, {"owner"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("dealer.owner"));
  pb::Dealer bad_etag = updated;
  bad_etag.set_etag("W/whatever");
  s = update(bad_etag, {"owner"}, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("dealer.etag"));

  pb::GetDealerRequest get;
  get.set_dealer_id(created.dealer_id());
  pb::Dealer now;
  grpc::ClientContext ctx;
  ASSERT_TRUE(this->stub_->GetDealer(&ctx, get, &now).ok());
  EXPECT_EQ(now.owner(), "rep.li");
  EXPECT_EQ(now.etag(), updated.etag());
}

TYPED_TEST(CustomerRecordsTest, RequestIdIsEchoedAndGetValidatesId) {
  pb::GetDealerRequest get;
  get.set_dealer_id("12345");
  pb::Dealer out;
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-request-id", "trace-abc");
  grpc::Status s = this->stub_->GetDealer(&ctx, get, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("dealer_id"));
  auto md = ctx.GetServerInitialMetadata();
  auto it = md.find("x-request-id");
  ASSERT_NE(it, md.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "trace-abc");
}

// Two replicas on one PostgreSQL database and one Redis: an update through
// one replica is seen by the other, whose read would otherwise be served
// from the shared cache. And a Redis outage degrades to database reads.
TEST(CustomerRecordsReplicasTest, SharedCacheIsInvalidatedAcrossReplicas) {
  auto dir = testing::TempDir::Create("qudao-replicas");
  ASSERT_TRUE(dir.ok());
  auto url =
      testing::FreshDatabaseUrl(testing::TestBackend::kPostgres, dir->path());
  ASSERT_TRUE(url.ok()) << url.status();
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto cache = SharedCacheFromSetting((*redis)->Url());
  ASSERT_TRUE(cache.ok());
  auto bus_a = events::NewRedisEventBus((*redis)->Url());
  auto bus_b = events::NewRedisEventBus((*redis)->Url());
  ASSERT_TRUE(bus_a.ok() && bus_b.ok());
  auto a = testing::ServiceFixture::Start(
      NewCustomerRecordsModule, &Clock::Real(), *url, *cache, {},
      std::shared_ptr<events::EventBus>(*std::move(bus_a)));
  auto b = testing::ServiceFixture::Start(
      NewCustomerRecordsModule, &Clock::Real(), *url, *cache, {},
      std::shared_ptr<events::EventBus>(*std::move(bus_b)));
  ASSERT_TRUE(a.ok() && b.ok());
  auto stub_a = pb::CustomerRecordsService::NewStub((*a)->channel());
  auto stub_b = pb::CustomerRecordsService::NewStub((*b)->channel());

  pb::CreateDealerRequest create;
  create.mutable_dealer()->set_legal_name("Replica Test Co");
  create.mutable_dealer()->mutable_region()->set_province("Fujian");
  create.mutable_dealer()->mutable_region()->set_city("Xiamen");
  create.mutable_dealer()->set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
  create.mutable_dealer()->set_owner("rep.old");
  pb::Dealer dealer;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_a->CreateDealer(&ctx, create, &dealer).ok());
  }
  auto get = [&](pb::CustomerRecordsService::Stub* stub) {
    pb::GetDealerRequest req;
    req.set_dealer_id(dealer.dealer_id());
    pb::Dealer out;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub->GetDealer(&ctx, req, &out).ok());
    return out;
  };
  EXPECT_EQ(get(stub_b.get()).owner(), "rep.old");  // now cached in Redis
  EXPECT_EQ(get(stub_a.get()).owner(), "rep.old");

  pb::UpdateDealerRequest update;
  *update.mutable_dealer() = dealer;
  update.mutable_dealer()->set_owner("rep.new");
  update.mutable_update_mask()->add_paths("owner");
  {
    pb::Dealer out;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_a->UpdateDealer(&ctx, update, &out).ok());
  }
  // Replica a and Redis hold the new version at once; replica b's
  // near-cache takes it from the dealer.updated event within moments.
  EXPECT_EQ(get(stub_a.get()).owner(), "rep.new");
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (get(stub_b.get()).owner() != "rep.new" && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(get(stub_b.get()).owner(), "rep.new");

  (*redis)->Kill();
  EXPECT_EQ(get(stub_b.get()).owner(), "rep.new");  // straight from the db
}

// The data directory removed under a running service: writes are refused
// (never acknowledged into an unlinked file) and health says NOT_SERVING.
TEST(CustomerRecordsDataLossTest, ARemovedDataDirectoryStopsServing) {
  auto dir = testing::TempDir::Create("qudao-gone");
  ASSERT_TRUE(dir.ok());
  const std::string data = dir->path() + "/data";
  auto fixture = testing::ServiceFixture::Start(
      NewCustomerRecordsModule, &Clock::Real(),
      absl::StrCat("sqlite://", data, "/customer_records.db"));
  ASSERT_TRUE(fixture.ok()) << fixture.status();
  auto stub = pb::CustomerRecordsService::NewStub((*fixture)->channel());
  auto create = [&](const std::string& name) {
    pb::CreateDealerRequest req;
    req.mutable_dealer()->set_legal_name(name);
    req.mutable_dealer()->mutable_region()->set_province("Hebei");
    req.mutable_dealer()->mutable_region()->set_city("Baoding");
    req.mutable_dealer()->set_channel_level(pb::CHANNEL_LEVEL_RETAILER);
    req.mutable_dealer()->set_owner("rep.x");
    pb::Dealer out;
    grpc::ClientContext ctx;
    return stub->CreateDealer(&ctx, req, &out);
  };
  ASSERT_TRUE(create("Before").ok());
  std::error_code ec;
  std::filesystem::remove_all(data, ec);
  ASSERT_FALSE(ec);
  grpc::Status refused = create("After");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  auto health = grpc::health::v1::Health::NewStub((*fixture)->channel());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  grpc::health::v1::HealthCheckResponse::ServingStatus state =
      grpc::health::v1::HealthCheckResponse::SERVING;
  while (absl::Now() < deadline &&
         state != grpc::health::v1::HealthCheckResponse::NOT_SERVING) {
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(pb::CustomerRecordsService::service_full_name());
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    if (health->Check(&ctx, req, &resp).ok()) state = resp.status();
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(state, grpc::health::v1::HealthCheckResponse::NOT_SERVING);
}

}  // namespace
}  // namespace qudao::customer
