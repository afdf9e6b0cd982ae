// Pricing over real gRPC (in-process server, port 0), with the service's
// store on SQLite and on a real PostgreSQL: the same suite for both
// backends.
#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock/clock.h"
#include "common/grpc/status.h"
#include "common/grpc/unary.h"
#include "common/storage/database.h"
#include "common/testing/database_fixture.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/pricing/price_list.h"
#include "services/pricing/pricing_module.h"
#include "services/pricing/product.h"

namespace qudao::pricing {
namespace {

namespace pb = ::qudao::pricing::v1;
using ::qudao::testing::TestIdentity;
using ::testing::HasSubstr;

// Fake clock at 2026-11-27 12:00 Shanghai time: "today" is 2026-11-27.
constexpr char kToday[] = "2026-11-27";

template <typename B>
class PricingServiceTest : public testing::ServiceTest<B, pb::PricingService> {
 protected:
  void SetUp() override {
    this->clock_.Set(absl::FromUnixSeconds(1795752000));  // 04:00Z
    this->StartService(NewPricingModule);
    if (::testing::Test::HasFatalFailure()) return;
    auto db = storage::OpenDatabase(this->fixture_->database_url());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    for (const auto& [code, line] :
         std::vector<std::pair<std::string, std::string>>{
             {"PUMPS-CENTRIFUGAL", "PUMPS"}, {"VALVES-BALL", "VALVES"}}) {
      pb::CreateProductGroupRequest req;
      req.mutable_product_group()->set_group_code(code);
      req.mutable_product_group()->set_product_line(line);
      req.mutable_product_group()->set_name("离心泵");
      pb::ProductGroup out;
      grpc::ClientContext ctx;
      grpc::Status s = this->stub_->CreateProductGroup(&ctx, req, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  static pb::Product ValidProduct(const std::string& sku = "PUMP-100") {
    pb::Product p;
    p.set_sku(sku);
    p.set_name("离心泵 100 型");
    p.set_product_group("pumps-centrifugal");
    return p;
  }

  grpc::Status Create(const pb::Product& product, pb::Product* out,
                      const std::string& request_id = "",
                      grpc::ClientContext* ctx = nullptr) {
    pb::CreateProductRequest req;
    *req.mutable_product() = product;
    req.set_request_id(request_id);
    grpc::ClientContext local;
    return this->stub_->CreateProduct(ctx != nullptr ? ctx : &local, req, out);
  }

  grpc::Status Get(const std::string& sku, pb::Product* out,
                   grpc::ClientContext* ctx = nullptr) {
    pb::GetProductRequest req;
    req.set_sku(sku);
    grpc::ClientContext local;
    return this->stub_->GetProduct(ctx != nullptr ? ctx : &local, req, out);
  }

  static pb::PublishPriceListRequest ValidPublication() {
    pb::PublishPriceListRequest req;
    pb::PriceListVersion* v = req.mutable_price_list();
    v->set_currency_code("CNY");
    v->set_valid_from("2026-11-01");
    v->set_note("2027 list prices");
    for (const auto& [sku, minor] :
         std::vector<std::pair<std::string, int64_t>>{{"pump-100", 129900},
                                                      {"PUMP-200", 159900}}) {
      pb::PriceListEntry* e = v->add_entries();
      e->set_sku(sku);
      e->mutable_list_price()->set_currency_code("CNY");
      e->mutable_list_price()->set_minor_units(minor);
    }
    return req;
  }

  void CreateProducts() {
    for (const char* sku : {"PUMP-100", "PUMP-200"}) {
      pb::Product out;
      grpc::Status s = Create(ValidProduct(sku), &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  static void As(grpc::ClientContext* ctx, const std::string& role) {
    ctx->AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", TestIdentity::Get().Token("someone", {role})));
  }

  int64_t CountRows(const std::string& table) {
    return testing::CountRows(*db_, table);
  }

  std::unique_ptr<storage::Database> db_;
};

using Backends = testing::BothBackends;
TYPED_TEST_SUITE(PricingServiceTest, Backends);

TYPED_TEST(PricingServiceTest, CreateThenGetInAnyCase) {
  pb::Product created;
  ASSERT_TRUE(this->Create(this->ValidProduct("pump-100"), &created).ok());
  EXPECT_EQ(created.sku(), "PUMP-100");
  EXPECT_EQ(created.product_group(), "PUMPS-CENTRIFUGAL");
  EXPECT_EQ(created.product_line(), "PUMPS");
  EXPECT_EQ(created.etag(), "\"v1\"");
  EXPECT_EQ(created.create_time().seconds(),
            absl::ToUnixSeconds(this->clock_.Now()));
  for (const char* sku : {"PUMP-100", "pump-100", "Pump-100"}) {
    pb::Product fetched;
    ASSERT_TRUE(this->Get(sku, &fetched).ok()) << sku;
    EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
  }
  // Another case of the same SKU is the same SKU.
  pb::Product out;
  grpc::Status s = this->Create(this->ValidProduct("Pump-100"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("PUMP-100"));
  EXPECT_EQ(this->CountRows("products"), 1);
}

TYPED_TEST(PricingServiceTest, GetUnknownProductIsNotFoundNamingTheSku) {
  pb::Product out;
  grpc::Status s = this->Get("NO-SUCH-SKU", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("NO-SUCH-SKU"));
}

TYPED_TEST(PricingServiceTest, RetriedCreateWithSameRequestIdAppliesOnce) {
  pb::Product first, second;
  ASSERT_TRUE(this->Create(this->ValidProduct(), &first, "req-7").ok());
  this->clock_.Advance(absl::Seconds(5));
  // A retry that sends back what it got (etag, times) is the same request.
  pb::Product echoed = this->ValidProduct();
  echoed.set_etag(first.etag());
  *echoed.mutable_create_time() = first.create_time();
  ASSERT_TRUE(this->Create(echoed, &second, "req-7").ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(this->CountRows("products"), 1);
  pb::Product other;
  grpc::Status s =
      this->Create(this->ValidProduct("PUMP-200"), &other, "req-7");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(this->CountRows("products"), 1);
}

TYPED_TEST(PricingServiceTest, CreateRejectsBadInputAndWritesNothing) {
  struct Case {
    std::string field;
    std::function<void(pb::Product&)> spoil;
  };
  const std::vector<Case> cases = {
      {"product.sku", [](pb::Product& p) { p.clear_sku(); }},
      {"product.sku", [](pb::Product& p) { p.set_sku("PUMP 100"); }},
      {"product.sku", [](pb::Product& p) { p.set_sku(std::string(65, 'A')); }},
      {"product.name", [](pb::Product& p) { p.clear_name(); }},
      {"product.name", [](pb::Product& p) { p.set_name("   "); }},
      {"product.name",
       [](pb::Product& p) { p.set_name(std::string(201, 'x')); }},
      {"product.name", [](pb::Product& p) { p.set_name("line\nbreak"); }},
      {"product.product_group",
       [](pb::Product& p) { p.clear_product_group(); }},
      {"product.product_group",
       [](pb::Product& p) { p.set_product_group("PUMPS/INDUSTRIAL"); }},
  };
  for (const Case& c : cases) {
    pb::Product p = this->ValidProduct();
    c.spoil(p);
    pb::Product out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Create(p, &out, "", &ctx);
    this->ExpectInvalidField(s, ctx, c.field);
  }
  {
    pb::CreateProductRequest empty;
    pb::Product out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->CreateProduct(&ctx, empty, &out);
    this->ExpectInvalidField(s, ctx, "product");
  }
  {
    pb::Product p = this->ValidProduct();
    p.set_product_group("NO-SUCH-GROUP");
    pb::Product out;
    grpc::Status s = this->Create(p, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(s.error_message(), HasSubstr("NO-SUCH-GROUP"));
  }
  EXPECT_EQ(this->CountRows("products"), 0);
}

TYPED_TEST(PricingServiceTest, UpdateChecksMaskAndEtag) {
  pb::Product created;
  ASSERT_TRUE(this->Create(this->ValidProduct(), &created).ok());
  pb::UpdateProductRequest req;
  *req.mutable_product() = created;
  req.mutable_product()->set_sku("pump-100");
  req.mutable_product()->set_name("Ball valve");
  req.mutable_product()->set_product_group("valves-ball");
  req.mutable_update_mask()->add_paths("name");
  req.mutable_update_mask()->add_paths("product_group");
  pb::Product updated;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->UpdateProduct(&ctx, req, &updated).ok());
  }
  EXPECT_EQ(updated.name(), "Ball valve");
  EXPECT_EQ(updated.product_line(), "VALVES");
  EXPECT_EQ(updated.etag(), "\"v2\"");
  {
    // The etag read before is stale now.
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->UpdateProduct(&ctx, req, &updated);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
    EXPECT_EQ(testing::TrailingValue(ctx, kErrorReasonKey),
              kReasonEtagMismatch);
  }
  const std::vector<
      std::pair<std::string, std::function<void(pb::UpdateProductRequest&)>>>
      bad = {
          {"update_mask",
           [](auto& r) { r.mutable_update_mask()->clear_paths(); }},
          {"update_mask",
           [](auto& r) { r.mutable_update_mask()->add_paths("product_line"); }},
          {"product.etag",
           [](auto& r) { r.mutable_product()->set_etag("W/whatever"); }},
          {"product.name", [](auto& r) { r.mutable_product()->set_name(""); }},
          {"product.sku", [](auto& r) { r.mutable_product()->clear_sku(); }},
      };
  for (const auto& [field, spoil] : bad) {
    pb::UpdateProductRequest r = req;
    r.mutable_product()->set_etag(updated.etag());
    spoil(r);
    grpc::ClientContext ctx;
    pb::Product out;
    grpc::Status s = this->stub_->UpdateProduct(&ctx, r, &out);
    this->ExpectInvalidField(s, ctx, field);
  }
  pb::Product now;
  ASSERT_TRUE(this->Get("PUMP-100", &now).ok());
  EXPECT_EQ(now.etag(), "\"v2\"");
}

TYPED_TEST(PricingServiceTest, ListsFilterByGroupAndLine) {
  for (const auto& [sku, group] :
       std::vector<std::pair<std::string, std::string>>{
           {"vlv-1", "VALVES-BALL"},
           {"PUMP-2", "PUMPS-CENTRIFUGAL"},
           {"pump-1", "PUMPS-CENTRIFUGAL"}}) {
    pb::Product p = this->ValidProduct(sku);
    p.set_product_group(group);
    pb::Product out;
    ASSERT_TRUE(this->Create(p, &out).ok());
  }
  auto list = [&](const std::string& line, const std::string& group) {
    pb::ListProductsRequest req;
    req.set_product_line(line);
    req.set_product_group(group);
    pb::ListProductsResponse resp;
    grpc::ClientContext ctx;
    EXPECT_TRUE(this->stub_->ListProducts(&ctx, req, &resp).ok());
    std::vector<std::string> skus;
    for (const auto& p : resp.products()) skus.push_back(p.sku());
    return skus;
  };
  EXPECT_THAT(list("pumps", ""), ::testing::ElementsAre("PUMP-1", "PUMP-2"));
  EXPECT_THAT(list("", "Valves-Ball"), ::testing::ElementsAre("VLV-1"));
  EXPECT_THAT(list("", ""),
              ::testing::ElementsAre("PUMP-1", "PUMP-2", "VLV-1"));
  pb::ListProductGroupsRequest groups_req;
  groups_req.set_product_line("valves");
  pb::ListProductGroupsResponse groups;
  grpc::ClientContext ctx;
  ASSERT_TRUE(this->stub_->ListProductGroups(&ctx, groups_req, &groups).ok());
  ASSERT_EQ(groups.product_groups_size(), 1);
  EXPECT_EQ(groups.product_groups(0).group_code(), "VALVES-BALL");
  {
    pb::ListProductsRequest req;
    req.set_product_group("not a code");
    pb::ListProductsResponse resp;
    grpc::ClientContext bad;
    grpc::Status s = this->stub_->ListProducts(&bad, req, &resp);
    this->ExpectInvalidField(s, bad, "product_group");
  }
}

TYPED_TEST(PricingServiceTest, ListPagesThroughEveryProductOnceInSkuOrder) {
  // Created out of order and mixed in case; listed upper-case in SKU
  // order (bytewise on both backends), each once.
  std::vector<std::string> skus_made;
  for (int i = 22; i >= 0; --i) {
    pb::Product p = this->ValidProduct(
        absl::StrFormat("%s-%02d", i % 3 == 0 ? "vlv" : "VLV", i));
    skus_made.push_back(absl::StrFormat("VLV-%02d", i));
    pb::Product out;
    ASSERT_TRUE(this->Create(p, &out).ok());
  }
  std::sort(skus_made.begin(), skus_made.end());
  std::vector<std::string> skus;
  std::string token;
  int pages = 0;
  do {
    pb::ListProductsRequest req;
    req.set_page_size(5);
    req.set_product_line("PUMPS");
    req.set_page_token(token);
    pb::ListProductsResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListProducts(&ctx, req, &resp).ok());
    for (const auto& p : resp.products()) skus.push_back(p.sku());
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(skus, skus_made);
  EXPECT_EQ(pages, 5);
}

TYPED_TEST(PricingServiceTest, PublishedPricesAreReadByDayWithTheirVersion) {
  this->CreateProducts();
  pb::PriceListVersion v1;
  {
    grpc::ClientContext ctx;
    grpc::Status s =
        this->stub_->PublishPriceList(&ctx, this->ValidPublication(), &v1);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(v1.version(), 1);
  EXPECT_EQ(v1.entry_count(), 2);
  EXPECT_EQ(v1.published_by(), "qudao-test");
  EXPECT_EQ(v1.entries_size(), 0);
  // A December promotion on one SKU.
  pb::PublishPriceListRequest promo = this->ValidPublication();
  promo.mutable_price_list()->set_valid_from("2026-12-01");
  promo.mutable_price_list()->set_valid_until("2027-01-01");
  promo.mutable_price_list()->mutable_entries()->RemoveLast();
  promo.mutable_price_list()
      ->mutable_entries(0)
      ->mutable_list_price()
      ->set_minor_units(99900);
  pb::PriceListVersion v2;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->PublishPriceList(&ctx, promo, &v2).ok());
  }
  EXPECT_EQ(v2.version(), 2);
  auto price = [&](const std::string& sku, const std::string& day,
                   pb::Price* out) {
    pb::GetPriceRequest req;
    req.set_sku(sku);
    req.set_currency_code("CNY");
    req.set_day(day);
    grpc::ClientContext ctx;
    return this->stub_->GetPrice(&ctx, req, out);
  };
  pb::Price p;
  ASSERT_TRUE(price("pump-100", "", &p).ok());
  EXPECT_EQ(p.day(), kToday);
  EXPECT_EQ(p.sku(), "PUMP-100");
  EXPECT_EQ(p.list_price().minor_units(), 129900);
  EXPECT_EQ(p.price_list_version(), 1);
  ASSERT_TRUE(price("PUMP-100", "2026-12-31", &p).ok());
  EXPECT_EQ(p.list_price().minor_units(), 99900);
  EXPECT_EQ(p.price_list_version(), 2);
  EXPECT_EQ(p.valid_until(), "2027-01-01");
  ASSERT_TRUE(price("PUMP-100", "2027-01-01", &p).ok());
  EXPECT_EQ(p.price_list_version(), 1);
  ASSERT_TRUE(price("PUMP-200", "2026-12-15", &p).ok());
  EXPECT_EQ(p.price_list_version(), 1);
  grpc::Status none = price("PUMP-100", "2026-10-31", &p);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(none.error_message(), HasSubstr("2026-10-31"));

  // Old versions stay readable, with their entries.
  pb::GetPriceListVersionRequest get;
  get.set_currency_code("CNY");
  get.set_version(1);
  pb::PriceListVersion read;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->GetPriceListVersion(&ctx, get, &read).ok());
  }
  ASSERT_EQ(read.entries_size(), 2);
  EXPECT_EQ(read.entries(0).sku(), "PUMP-100");
  EXPECT_EQ(read.entries(0).list_price().minor_units(), 129900);
  EXPECT_EQ(read.note(), "2027 list prices");
  pb::ListPriceListVersionsRequest list;
  list.set_currency_code("CNY");
  pb::ListPriceListVersionsResponse versions;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListPriceListVersions(&ctx, list, &versions).ok());
  }
  ASSERT_EQ(versions.price_list_versions_size(), 2);
  EXPECT_EQ(versions.price_list_versions(0).version(), 2);
  EXPECT_EQ(versions.price_list_versions(0).entries_size(), 0);
}

TYPED_TEST(PricingServiceTest, ARetriedPublicationPublishesOnce) {
  this->CreateProducts();
  pb::PublishPriceListRequest req = this->ValidPublication();
  req.set_request_id("pl-2027-cny");
  pb::PriceListVersion first, again;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->PublishPriceList(&ctx, req, &first).ok());
  }
  this->clock_.Advance(absl::Seconds(3));
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->PublishPriceList(&ctx, req, &again).ok());
  }
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(this->CountRows("price_list_versions"), 1);
  EXPECT_EQ(this->CountRows("price_list_entries"), 2);
}

// Every malformed field is refused with INVALID_ARGUMENT naming the field,
// and nothing is written.
TYPED_TEST(PricingServiceTest, PublishRejectsBadInputAndWritesNothing) {
  this->CreateProducts();
  using Spoil = std::function<void(pb::PriceListVersion&)>;
  auto price = [](pb::PriceListVersion& v, int i) {
    return v.mutable_entries(i)->mutable_list_price();
  };
  const std::vector<std::pair<std::string, Spoil>> cases = {
      {"price_list.currency_code", [](auto& v) { v.clear_currency_code(); }},
      {"price_list.currency_code",
       [](auto& v) { v.set_currency_code("YUAN"); }},
      {"price_list.valid_from", [](auto& v) { v.clear_valid_from(); }},
      {"price_list.valid_from", [](auto& v) { v.set_valid_from("11/01"); }},
      {"price_list.valid_until",
       [](auto& v) { v.set_valid_until("2026-11-01"); }},
      {"price_list.valid_until",
       [](auto& v) { v.set_valid_until("2026-10-01"); }},
      {"price_list.entries", [](auto& v) { v.clear_entries(); }},
      {"price_list.entries",
       [](auto& v) {
         while (v.entries_size() <= kMaxPriceListEntries) {
           *v.add_entries() = v.entries(0);
         }
       }},
      {"price_list.entries[1].sku",
       [](auto& v) { v.mutable_entries(1)->set_sku("Pump-100"); }},
      {"price_list.entries[1].sku",
       [](auto& v) { v.mutable_entries(1)->set_sku("PUMP 200"); }},
      {"price_list.entries[0].list_price",
       [price](auto& v) { price(v, 0)->set_minor_units(0); }},
      {"price_list.entries[0].list_price",
       [price](auto& v) { price(v, 0)->set_minor_units(-1); }},
      {"price_list.entries[0].list_price",
       [](auto& v) { v.mutable_entries(0)->clear_list_price(); }},
      // A withdrawal carries no price.
      {"price_list.entries[1].list_price",
       [](auto& v) { v.mutable_entries(1)->set_withdrawn(true); }},
      {"price_list.entries[1].list_price.currency_code",
       [price](auto& v) { price(v, 1)->set_currency_code("USD"); }},
      {"price_list.entries[1].list_price.currency_code",
       [price](auto& v) { price(v, 1)->set_currency_code("xx"); }},
      {"price_list.note", [](auto& v) { v.set_note(std::string(501, 'n')); }},
  };
  for (const auto& [field, spoil] : cases) {
    pb::PublishPriceListRequest req = this->ValidPublication();
    spoil(*req.mutable_price_list());
    pb::PriceListVersion out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->PublishPriceList(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, field);
  }
  {
    pb::PublishPriceListRequest req = this->ValidPublication();
    req.mutable_price_list()->mutable_entries(1)->set_sku("NO-SUCH");
    pb::PriceListVersion out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->PublishPriceList(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_THAT(s.error_message(), HasSubstr("entries[1].sku"));
    EXPECT_THAT(s.error_message(), HasSubstr("NO-SUCH"));
  }
  EXPECT_EQ(this->CountRows("price_list_versions"), 0);
  EXPECT_EQ(this->CountRows("price_list_entries"), 0);
  // Reads name their bad fields too.
  pb::Price out;
  for (const auto& [field, spoil] : std::vector<
           std::pair<std::string, std::function<void(pb::GetPriceRequest&)>>>{
           {"sku", [](auto& r) { r.set_sku(""); }},
           {"currency_code", [](auto& r) { r.set_currency_code("cny1"); }},
           {"day", [](auto& r) { r.set_day("2026-02-30"); }}}) {
    pb::GetPriceRequest req;
    req.set_sku("PUMP-100");
    req.set_currency_code("CNY");
    spoil(req);
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->GetPrice(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, field);
  }
}

TYPED_TEST(PricingServiceTest, StandardCostsAreVersionedAndConfidential) {
  this->CreateProducts();
  auto set = [&](int64_t minor, const std::string& from, pb::StandardCost* out,
                 grpc::ClientContext* ctx) {
    pb::SetStandardCostRequest req;
    req.mutable_standard_cost()->set_sku("pump-100");
    req.mutable_standard_cost()->mutable_cost()->set_currency_code("CNY");
    req.mutable_standard_cost()->mutable_cost()->set_minor_units(minor);
    req.mutable_standard_cost()->set_effective_from(from);
    req.mutable_standard_cost()->set_note("2027 budget");
    return this->stub_->SetStandardCost(ctx, req, out);
  };
  pb::StandardCost c1, c2;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(set(60000, "2026-01-01", &c1, &ctx).ok());
  }
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(set(65000, "2027-01-01", &c2, &ctx).ok());
  }
  EXPECT_EQ(c2.version(), 2);
  EXPECT_EQ(c2.sku(), "PUMP-100");
  pb::GetStandardCostRequest get;
  get.set_sku("Pump-100");
  pb::GetStandardCostResponse answer;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->GetStandardCost(&ctx, get, &answer).ok());
  }
  EXPECT_EQ(answer.standard_cost().version(), 1);  // today is 2026-11-27
  EXPECT_EQ(answer.standard_cost().cost().minor_units(), 60000);
  ASSERT_EQ(answer.history_size(), 2);
  EXPECT_EQ(answer.history(0).version(), 2);
  EXPECT_EQ(answer.history(0).set_by(), "qudao-test");
  // Bad input names the field and writes nothing.
  for (const auto& [field, minor, from] :
       std::vector<std::tuple<std::string, int64_t, std::string>>{
           {"standard_cost.cost", 0, "2027-01-01"},
           {"standard_cost.cost", -5, "2027-01-01"},
           {"standard_cost.effective_from", 100, ""},
           {"standard_cost.effective_from", 100, "2027-13-01"}}) {
    pb::StandardCost out;
    grpc::ClientContext ctx;
    grpc::Status s = set(minor, from, &out, &ctx);
    this->ExpectInvalidField(s, ctx, field);
  }
  EXPECT_EQ(this->CountRows("standard_costs"), 2);
  // Costs are for pricing and finance: a sales rep may read prices, not
  // costs, and may set neither.
  {
    grpc::ClientContext ctx;
    this->As(&ctx, "sales_rep");
    grpc::Status s = this->stub_->GetStandardCost(&ctx, get, &answer);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    this->As(&ctx, "credit_manager");
    EXPECT_TRUE(this->stub_->GetStandardCost(&ctx, get, &answer).ok());
  }
  {
    grpc::ClientContext ctx;
    this->As(&ctx, "credit_manager");
    pb::StandardCost out;
    EXPECT_EQ(set(70000, "2027-06-01", &out, &ctx).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(this->CountRows("standard_costs"), 2);
}

TYPED_TEST(PricingServiceTest, OnlyPricingManagersWriteTheCatalogue) {
  this->CreateProducts();
  for (const char* role : {"sales_rep", "sales_manager", "credit_manager"}) {
    {
      grpc::ClientContext ctx;
      this->As(&ctx, role);
      pb::PriceListVersion out;
      EXPECT_EQ(
          this->stub_->PublishPriceList(&ctx, this->ValidPublication(), &out)
              .error_code(),
          grpc::StatusCode::PERMISSION_DENIED)
          << role;
    }
    {
      grpc::ClientContext ctx;
      this->As(&ctx, role);
      pb::Product out;
      EXPECT_EQ(this->Create(this->ValidProduct("PUMP-900"), &out, "", &ctx)
                    .error_code(),
                grpc::StatusCode::PERMISSION_DENIED)
          << role;
    }
    {
      grpc::ClientContext ctx;
      this->As(&ctx, role);
      pb::CreateProductGroupRequest req;
      req.mutable_product_group()->set_group_code("X");
      req.mutable_product_group()->set_product_line("X");
      req.mutable_product_group()->set_name("X");
      pb::ProductGroup out;
      EXPECT_EQ(this->stub_->CreateProductGroup(&ctx, req, &out).error_code(),
                grpc::StatusCode::PERMISSION_DENIED)
          << role;
    }
  }
  {
    grpc::ClientContext ctx;
    this->As(&ctx, "pricing_manager");
    pb::PriceListVersion out;
    EXPECT_TRUE(
        this->stub_->PublishPriceList(&ctx, this->ValidPublication(), &out)
            .ok());
  }
  // A sales rep reads prices and the VAT rate.
  {
    grpc::ClientContext ctx;
    this->As(&ctx, "sales_rep");
    pb::GetPriceRequest req;
    req.set_sku("PUMP-100");
    req.set_currency_code("CNY");
    pb::Price out;
    EXPECT_TRUE(this->stub_->GetPrice(&ctx, req, &out).ok());
  }
  EXPECT_EQ(this->CountRows("price_list_versions"), 1);
  EXPECT_EQ(this->CountRows("product_groups"), 2);
  EXPECT_EQ(this->CountRows("products"), 2);
}

TYPED_TEST(PricingServiceTest, PartnersReadPricesButNotCosts) {
  this->CreateProducts();
  {
    grpc::ClientContext ctx;
    pb::PriceListVersion out;
    ASSERT_TRUE(
        this->stub_->PublishPriceList(&ctx, this->ValidPublication(), &out)
            .ok());
  }
  auto partner = [](grpc::ClientContext* ctx) {
    ctx->AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", TestIdentity::Get().ServiceToken("gateway")));
    ctx->AddMetadata(kPartnerDealerKey, "dlr_0190f3c2a1b24e8f0a1b");
  };
  {
    grpc::ClientContext ctx;
    partner(&ctx);
    pb::GetPriceRequest req;
    req.set_sku("PUMP-100");
    req.set_currency_code("CNY");
    pb::Price out;
    grpc::Status s = this->stub_->GetPrice(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.list_price().minor_units(), 129900);
  }
  {
    grpc::ClientContext ctx;
    partner(&ctx);
    pb::GetStandardCostRequest req;
    req.set_sku("PUMP-100");
    pb::GetStandardCostResponse out;
    EXPECT_EQ(this->stub_->GetStandardCost(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    partner(&ctx);
    pb::GetPriceListVersionRequest req;
    req.set_currency_code("CNY");
    pb::PriceListVersion out;
    EXPECT_EQ(this->stub_->GetPriceListVersion(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext ctx;
    partner(&ctx);
    pb::ListPriceListVersionsRequest req;
    req.set_currency_code("CNY");
    pb::ListPriceListVersionsResponse out;
    EXPECT_EQ(this->stub_->ListPriceListVersions(&ctx, req, &out).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(out.price_list_versions_size(), 0);
  }
  // Prices of days to come are not yet the partners' business; today's
  // and earlier are.
  for (const auto& [day, allowed] :
       std::vector<std::pair<std::string, bool>>{{kToday, true},
                                                 {"2026-11-02", true},
                                                 {"2026-11-28", false},
                                                 {"2027-06-01", false}}) {
    grpc::ClientContext ctx;
    partner(&ctx);
    pb::GetPriceRequest req;
    req.set_sku("PUMP-100");
    req.set_currency_code("CNY");
    req.set_day(day);
    pb::Price out;
    grpc::Status s = this->stub_->GetPrice(&ctx, req, &out);
    if (allowed) {
      EXPECT_TRUE(s.ok()) << day << ": " << s.error_message();
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << day;
      EXPECT_THAT(s.error_message(), HasSubstr("up to today")) << day;
    }
  }
  // Staff may look ahead.
  {
    grpc::ClientContext ctx;
    this->As(&ctx, "sales_rep");
    pb::GetPriceRequest req;
    req.set_sku("PUMP-100");
    req.set_currency_code("CNY");
    req.set_day("2027-06-01");
    pb::Price out;
    grpc::Status s = this->stub_->GetPrice(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
}

// A retry that spells a code in another case is the same request.
TYPED_TEST(PricingServiceTest, RetriesInAnotherCaseAreTheSameRequest) {
  this->CreateProducts();
  pb::PublishPriceListRequest publish = this->ValidPublication();
  publish.set_request_id("pl-case");
  pb::PriceListVersion first, again;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->PublishPriceList(&ctx, publish, &first).ok());
  }
  publish.mutable_price_list()->mutable_entries(0)->set_sku("PUMP-100");
  publish.mutable_price_list()->mutable_entries(1)->set_sku("pump-200");
  {
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->PublishPriceList(&ctx, publish, &again);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(this->CountRows("price_list_versions"), 1);

  pb::SetStandardCostRequest cost;
  cost.set_request_id("cost-case");
  cost.mutable_standard_cost()->set_sku("pump-100");
  cost.mutable_standard_cost()->mutable_cost()->set_currency_code("CNY");
  cost.mutable_standard_cost()->mutable_cost()->set_minor_units(90000);
  cost.mutable_standard_cost()->set_effective_from("2027-01-01");
  for (const char* sku : {"pump-100", "Pump-100"}) {
    cost.mutable_standard_cost()->set_sku(sku);
    grpc::ClientContext ctx;
    pb::StandardCost out;
    grpc::Status s = this->stub_->SetStandardCost(&ctx, cost, &out);
    ASSERT_TRUE(s.ok()) << sku << ": " << s.error_message();
    EXPECT_EQ(out.version(), 1);
  }
  EXPECT_EQ(this->CountRows("standard_costs"), 1);

  pb::Product created, created_again;
  pb::Product product = this->ValidProduct("pump-300");
  ASSERT_TRUE(this->Create(product, &created, "create-case").ok());
  product.set_sku("PUMP-300");
  product.set_product_group("PUMPS-CENTRIFUGAL");
  grpc::Status s = this->Create(product, &created_again, "create-case");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created_again.SerializeAsString(), created.SerializeAsString());

  pb::CreateProductGroupRequest group;
  group.set_request_id("group-case");
  group.mutable_product_group()->set_group_code("valves-gate");
  group.mutable_product_group()->set_product_line("valves");
  group.mutable_product_group()->set_name("Gate valves");
  for (const char* code : {"valves-gate", "VALVES-GATE"}) {
    group.mutable_product_group()->set_group_code(code);
    grpc::ClientContext ctx;
    pb::ProductGroup out;
    grpc::Status g = this->stub_->CreateProductGroup(&ctx, group, &out);
    EXPECT_TRUE(g.ok()) << code << ": " << g.error_message();
  }
  EXPECT_EQ(this->CountRows("product_groups"), 3);
}

TYPED_TEST(PricingServiceTest, ARetriedUpdateReturnsTheFirstAnswer) {
  pb::Product created;
  ASSERT_TRUE(this->Create(this->ValidProduct(), &created).ok());
  pb::UpdateProductRequest req;
  req.set_request_id("rename-1");
  req.mutable_product()->set_sku("pump-100");
  req.mutable_product()->set_name("Renamed");
  req.mutable_product()->set_etag(created.etag());
  req.mutable_update_mask()->add_paths("name");
  pb::Product first, again;
  {
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->UpdateProduct(&ctx, req, &first);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  this->clock_.Advance(absl::Seconds(3));
  // The etag is stale now; the retry still gets the first answer.
  req.mutable_product()->set_sku("PUMP-100");
  {
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->UpdateProduct(&ctx, req, &again);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  req.mutable_product()->set_name("Renamed again");
  {
    grpc::ClientContext ctx;
    pb::Product out;
    grpc::Status s = this->stub_->UpdateProduct(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  }
  {
    pb::Product now;
    ASSERT_TRUE(this->Get("PUMP-100", &now).ok());
    EXPECT_EQ(now.name(), "Renamed");
  }
}

// The other requests name their bad fields too, and write nothing.
TYPED_TEST(PricingServiceTest, GroupAndReadRequestsRejectBadInput) {
  using GroupSpoil = std::function<void(pb::ProductGroup&)>;
  for (const auto& [field, spoil] :
       std::vector<std::pair<std::string, GroupSpoil>>{
           {"product_group.group_code", [](auto& g) { g.clear_group_code(); }},
           {"product_group.group_code",
            [](auto& g) { g.set_group_code("PUMPS CENTRIFUGAL"); }},
           {"product_group.product_line",
            [](auto& g) { g.set_product_line(std::string(65, 'L')); }},
           {"product_group.name", [](auto& g) { g.set_name(" "); }}}) {
    pb::CreateProductGroupRequest req;
    req.mutable_product_group()->set_group_code("VALVES-GATE");
    req.mutable_product_group()->set_product_line("VALVES");
    req.mutable_product_group()->set_name("Gate valves");
    spoil(*req.mutable_product_group());
    pb::ProductGroup out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->CreateProductGroup(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, field);
  }
  EXPECT_EQ(this->CountRows("product_groups"), 2);
  {
    pb::ListProductGroupsRequest req;
    req.set_product_line("no/line");
    pb::ListProductGroupsResponse out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->ListProductGroups(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, "product_line");
  }
  for (const auto& [field, currency, version] :
       std::vector<std::tuple<std::string, std::string, int64_t>>{
           {"currency_code", "", 1},
           {"currency_code", "RMB", 1},
           {"version", "CNY", -1}}) {
    pb::GetPriceListVersionRequest req;
    req.set_currency_code(currency);
    req.set_version(version);
    pb::PriceListVersion out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->GetPriceListVersion(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, field);
  }
  {
    pb::ListPriceListVersionsRequest req;
    pb::ListPriceListVersionsResponse out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->ListPriceListVersions(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, "currency_code");
  }
  {
    pb::ListPriceListVersionsRequest req;
    req.set_currency_code("CNY");
    req.set_page_token("%%%garbage");
    pb::ListPriceListVersionsResponse out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->ListPriceListVersions(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, "page_token");
  }
  for (const auto& [field, sku, day] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"sku", "", ""},
           {"sku", "PUMP 100", ""},
           {"day", "PUMP-100", "x"}}) {
    pb::GetStandardCostRequest req;
    req.set_sku(sku);
    req.set_day(day);
    pb::GetStandardCostResponse out;
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->GetStandardCost(&ctx, req, &out);
    this->ExpectInvalidField(s, ctx, field);
  }
}

TYPED_TEST(PricingServiceTest, TheVatRateIsASetting) {
  pb::PricingSettings settings;
  grpc::ClientContext ctx;
  ASSERT_TRUE(
      this->stub_
          ->GetPricingSettings(&ctx, pb::GetPricingSettingsRequest(), &settings)
          .ok());
  EXPECT_EQ(settings.vat_rate_bp(), 1300);
}

}  // namespace
}  // namespace qudao::pricing
