// The catalogue operations on SQLite and on a real PostgreSQL, without
// gRPC.
#include "services/pricing/product_operations.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/pricing/product_proto.h"

namespace qudao::pricing {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using storage::IdempotentRequest;

template <typename B>
class ProductOperationsTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("pricing", ProductStore::Migrations());
    if (::testing::Test::HasFatalFailure()) return;
    ops_ = std::make_unique<ProductOperations>(this->db_.get(), &this->clock_);
  }

  static Product Draft(const std::string& sku, int64_t price = 129900,
                       const std::string& line = "PUMPS") {
    return Product{sku, "Pump", line, Money::Create("CNY", price).value(),
                   absl::InfinitePast()};
  }

  std::unique_ptr<ProductOperations> ops_;
};

TYPED_TEST_SUITE(ProductOperationsTest, testing::BothBackends);

TYPED_TEST(ProductOperationsTest, CreateThenGet) {
  auto created = this->ops_->Create(this->Draft("PUMP-100"), {});
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->create_time, this->clock_.Now());
  auto got = this->ops_->Get("PUMP-100");
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(ProductCodec().encode(*got), ProductCodec().encode(*created));
  EXPECT_THAT(this->ops_->Get("PUMP-999"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST(ProductOperationsTest, ATakenSkuIsAlreadyExistsUnlessARetry) {
  const auto request =
      IdempotentRequest::FromCaller("CreateProduct", "pm.zhou", "r1", "fp");
  auto first = this->ops_->Create(this->Draft("PUMP-100"), request);
  ASSERT_THAT(first, IsOk());
  this->clock_.Advance(absl::Seconds(30));
  auto retry = this->ops_->Create(this->Draft("PUMP-100"), request);
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->create_time, first->create_time);
  auto duplicate = this->ops_->Create(this->Draft("PUMP-100"), {});
  EXPECT_THAT(duplicate, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(duplicate.status().message(), ::testing::HasSubstr("PUMP-100"));
  EXPECT_EQ(this->CountRows("products"), 1);
}

TYPED_TEST(ProductOperationsTest, ANonPositiveListPriceWritesNothing) {
  EXPECT_THAT(this->ops_->Create(this->Draft("PUMP-100", 0), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(this->CountRows("products"), 0);
}

TYPED_TEST(ProductOperationsTest, ListPagesInSkuOrderWithinALine) {
  for (const char* sku : {"VALVE-2", "PUMP-2", "PUMP-1", "PUMP-3"}) {
    const std::string line =
        std::string(sku).rfind("PUMP", 0) == 0 ? "PUMPS" : "VALVES";
    ASSERT_THAT(this->ops_->Create(this->Draft(sku, 100, line), {}), IsOk());
  }
  ProductFilter filter{"PUMPS"};
  std::vector<std::string> seen;
  std::string token;
  do {
    auto page = ParsePageRequest(2, token, filter.Canonical());
    ASSERT_THAT(page, IsOk());
    auto result = this->ops_->List(filter, *page);
    ASSERT_THAT(result, IsOk());
    for (const Product& p : result->products) seen.push_back(p.sku);
    token = result->next_page_token;
  } while (!token.empty());
  EXPECT_THAT(seen, ::testing::ElementsAre("PUMP-1", "PUMP-2", "PUMP-3"));
}

}  // namespace
}  // namespace qudao::pricing
