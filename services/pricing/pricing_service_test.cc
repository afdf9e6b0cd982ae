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
#include "common/testing/harness.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "services/pricing/pricing_module.h"

namespace qudao::pricing {
namespace {

namespace pb = ::qudao::pricing::v1;
using ::testing::HasSubstr;

template <typename B>
class PricingServiceTest : public testing::ServiceTest<B, pb::PricingService> {
 protected:
  void SetUp() override {
    this->StartService(NewPricingModule);
    if (::testing::Test::HasFatalFailure()) return;
  }

  static pb::Product ValidProduct(const std::string& sku = "PUMP-100") {
    pb::Product p;
    p.set_sku(sku);
    p.set_name("离心泵 100 型");
    p.set_product_line("PUMPS-INDUSTRIAL");
    p.mutable_list_price()->set_currency_code("CNY");
    p.mutable_list_price()->set_minor_units(129900);
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

  int CountProducts() {
    int n = 0;
    std::string token;
    do {
      pb::ListProductsRequest req;
      req.set_page_size(1000);
      req.set_page_token(token);
      pb::ListProductsResponse resp;
      grpc::ClientContext ctx;
      grpc::Status s = this->stub_->ListProducts(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return -1;
      n += resp.products_size();
      token = resp.next_page_token();
    } while (!token.empty());
    return n;
  }
};

using Backends = testing::BothBackends;
TYPED_TEST_SUITE(PricingServiceTest, Backends);

TYPED_TEST(PricingServiceTest, CreateThenGetReturnsThePersistedProduct) {
  pb::Product created;
  ASSERT_TRUE(this->Create(this->ValidProduct(), &created).ok());
  EXPECT_EQ(created.sku(), "PUMP-100");
  EXPECT_EQ(created.create_time().seconds(),
            absl::ToUnixSeconds(this->clock_.Now()));

  pb::Product fetched;
  ASSERT_TRUE(this->Get("PUMP-100", &fetched).ok());
  EXPECT_EQ(fetched.name(), "离心泵 100 型");
  EXPECT_EQ(fetched.product_line(), "PUMPS-INDUSTRIAL");
  EXPECT_EQ(fetched.list_price().currency_code(), "CNY");
  EXPECT_EQ(fetched.list_price().minor_units(), 129900);
  EXPECT_EQ(fetched.SerializeAsString(), created.SerializeAsString());
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
  // A retry after a lost response: the same product back, not a duplicate
  // SKU error and not a second row.
  ASSERT_TRUE(this->Create(this->ValidProduct(), &second, "req-7").ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(this->CountProducts(), 1);

  // The same key for a different product is a client bug, not a retry.
  pb::Product other;
  grpc::Status s =
      this->Create(this->ValidProduct("PUMP-200"), &other, "req-7");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request_id"));
  EXPECT_EQ(this->CountProducts(), 1);
}

TYPED_TEST(PricingServiceTest, DuplicateSkuIsAlreadyExistsNamingTheSku) {
  pb::Product created;
  ASSERT_TRUE(this->Create(this->ValidProduct(), &created, "req-1").ok());
  pb::Product again = this->ValidProduct();
  again.set_name("A different product reusing the SKU");
  pb::Product out;
  grpc::Status s = this->Create(again, &out, "req-2");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("PUMP-100"));
  // Without a request id too.
  s = this->Create(this->ValidProduct(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  pb::Product fetched;
  ASSERT_TRUE(this->Get("PUMP-100", &fetched).ok());
  EXPECT_EQ(fetched.name(), created.name());
  EXPECT_EQ(this->CountProducts(), 1);
}

// Every malformed field is refused with INVALID_ARGUMENT naming the field,
// and nothing is written.
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
      {"product.product_line", [](pb::Product& p) { p.clear_product_line(); }},
      {"product.product_line",
       [](pb::Product& p) { p.set_product_line("PUMPS/INDUSTRIAL"); }},
      {"product.product_line",
       [](pb::Product& p) { p.set_product_line(std::string(65, 'P')); }},
      {"product.list_price", [](pb::Product& p) { p.clear_list_price(); }},
      {"product.list_price.currency_code",
       [](pb::Product& p) { p.mutable_list_price()->clear_currency_code(); }},
      {"product.list_price.currency_code",
       [](pb::Product& p) {
         p.mutable_list_price()->set_currency_code("yuan");
       }},
      {"product.list_price",
       [](pb::Product& p) { p.mutable_list_price()->set_minor_units(0); }},
      {"product.list_price",
       [](pb::Product& p) { p.mutable_list_price()->set_minor_units(-100); }},
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
    pb::Product out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Create(this->ValidProduct(), &out,
                                  "spaces are not allowed", &ctx);
    this->ExpectInvalidField(s, ctx, "request_id");
  }
  EXPECT_EQ(this->CountProducts(), 0);
}

TYPED_TEST(PricingServiceTest, GetRejectsBadSku) {
  pb::Product created;
  ASSERT_TRUE(this->Create(this->ValidProduct(), &created).ok());
  for (const std::string& sku :
       {std::string(""), std::string("PUMP 100"), std::string(65, 'A')}) {
    pb::Product out;
    grpc::ClientContext ctx;
    grpc::Status s = this->Get(sku, &out, &ctx);
    this->ExpectInvalidField(s, ctx, "sku");
  }
  EXPECT_EQ(this->CountProducts(), 1);
}

TYPED_TEST(PricingServiceTest, ListRejectsBadFilterPagingAndForeignTokens) {
  for (int i = 0; i < 3; ++i) {
    pb::Product out;
    ASSERT_TRUE(
        this->Create(this->ValidProduct(absl::StrCat("SKU-", i)), &out).ok());
  }
  pb::ListProductsResponse resp;
  {
    pb::ListProductsRequest req;
    req.set_product_line("not a code");
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->ListProducts(&ctx, req, &resp);
    this->ExpectInvalidField(s, ctx, "product_line");
  }
  {
    pb::ListProductsRequest req;
    req.set_page_size(-1);
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->ListProducts(&ctx, req, &resp);
    this->ExpectInvalidField(s, ctx, "page_size");
  }
  pb::ListProductsRequest req;
  req.set_page_size(1);
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListProducts(&ctx, req, &resp).ok());
    ASSERT_FALSE(resp.next_page_token().empty());
  }
  req.set_page_token(resp.next_page_token());
  req.set_product_line("VALVES");  // not the filter the token was made for
  {
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->ListProducts(&ctx, req, &resp);
    this->ExpectInvalidField(s, ctx, "page_token");
  }
  req.set_page_token("%%%garbage");
  {
    grpc::ClientContext ctx;
    grpc::Status s = this->stub_->ListProducts(&ctx, req, &resp);
    this->ExpectInvalidField(s, ctx, "page_token");
  }
  EXPECT_EQ(this->CountProducts(), 3);
}

TYPED_TEST(PricingServiceTest, ListPagesThroughEveryProductOnceInSkuOrder) {
  // Created out of order and mixed in case, so the order checked is the
  // SKU's (bytewise on both backends), not insertion order.
  std::vector<std::string> valves;
  for (int i = 22; i >= 0; --i) {
    pb::Product p = this->ValidProduct(
        absl::StrFormat("%s-%02d", i % 3 == 0 ? "vlv" : "VLV", i));
    if (i % 2 == 0) {
      p.set_product_line("VALVES");
      valves.push_back(p.sku());
    }
    pb::Product out;
    ASSERT_TRUE(this->Create(p, &out).ok());
  }
  std::sort(valves.begin(), valves.end());

  std::vector<std::string> skus;
  std::string token;
  int pages = 0;
  do {
    pb::ListProductsRequest req;
    req.set_page_size(5);
    req.set_product_line("VALVES");
    req.set_page_token(token);
    pb::ListProductsResponse resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(this->stub_->ListProducts(&ctx, req, &resp).ok());
    EXPECT_LE(resp.products_size(), 5);
    for (const auto& p : resp.products()) {
      EXPECT_EQ(p.product_line(), "VALVES");
      skus.push_back(p.sku());
    }
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(skus, valves);  // 12 valves, each once, upper case first
  EXPECT_EQ(skus.front(), "VLV-02");
  EXPECT_EQ(skus.back(), "vlv-18");
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(this->CountProducts(), 23);
}

}  // namespace
}  // namespace qudao::pricing
