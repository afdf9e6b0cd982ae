// The catalogue operations on SQLite and on a real PostgreSQL, without
// gRPC.
#include "services/pricing/product_operations.h"

#include <string>
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
    for (const auto& [group, line] :
         std::vector<std::pair<std::string, std::string>>{
             {"PUMPS-CENTRIFUGAL", "PUMPS"},
             {"PUMPS-SUBMERSIBLE", "PUMPS"},
             {"VALVES-BALL", "VALVES"}}) {
      ASSERT_THAT(ops_->CreateGroup({group, line, "Group", absl::Time()}, {}),
                  IsOk());
    }
  }

  static Product Draft(const std::string& sku,
                       const std::string& group = "PUMPS-CENTRIFUGAL") {
    Product p;
    p.sku = sku;
    p.name = "Pump";
    p.product_group = group;
    return p;
  }

  std::unique_ptr<ProductOperations> ops_;
};

TYPED_TEST_SUITE(ProductOperationsTest, testing::BothBackends);

TYPED_TEST(ProductOperationsTest, CreateThenGetInAnyCase) {
  auto created = this->ops_->Create(this->Draft("pump-100"), {});
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->sku, "PUMP-100");
  EXPECT_EQ(created->product_line, "PUMPS");
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->create_time, this->clock_.Now());
  for (const char* sku : {"PUMP-100", "pump-100", "Pump-100"}) {
    auto got = this->ops_->Get(sku);
    ASSERT_THAT(got, IsOk()) << sku;
    EXPECT_EQ(ProductCodec().encode(*got), ProductCodec().encode(*created));
  }
  EXPECT_THAT(this->ops_->Get("PUMP-999"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST(ProductOperationsTest, SkusDifferingOnlyByCaseAreOneSku) {
  ASSERT_THAT(this->ops_->Create(this->Draft("PUMP-100"), {}), IsOk());
  auto duplicate = this->ops_->Create(this->Draft("pump-100"), {});
  EXPECT_THAT(duplicate, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(duplicate.status().message(), ::testing::HasSubstr("PUMP-100"));
  EXPECT_EQ(this->CountRows("products"), 1);
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
  EXPECT_THAT(this->ops_->Create(this->Draft("PUMP-100"), {}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(this->CountRows("products"), 1);
}

TYPED_TEST(ProductOperationsTest, AnUnknownGroupWritesNothing) {
  auto created = this->ops_->Create(this->Draft("PUMP-100", "NO-SUCH"), {});
  EXPECT_THAT(created,
              StatusIs(absl::StatusCode::kNotFound, kReasonGroupNotFound));
  EXPECT_EQ(this->CountRows("products"), 0);
}

TYPED_TEST(ProductOperationsTest, GroupCodesAreCaseInsensitiveToo) {
  auto again = this->ops_->CreateGroup(
      {"valves-ball", "valves", "Ball valves", absl::Time()}, {});
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(this->CountRows("product_groups"), 3);
}

TYPED_TEST(ProductOperationsTest, UpdateRenamesAndMovesAcrossLines) {
  auto created = this->ops_->Create(this->Draft("PUMP-100"), {});
  ASSERT_THAT(created, IsOk());
  this->clock_.Advance(absl::Minutes(1));
  ProductUpdate update;
  update.sku = "pump-100";
  update.name = "Ball valve 100";
  update.product_group = "valves-ball";
  update.expected_version = 1;
  auto updated = this->ops_->Update(update);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->name, "Ball valve 100");
  EXPECT_EQ(updated->product_group, "VALVES-BALL");
  EXPECT_EQ(updated->product_line, "VALVES");
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->update_time, this->clock_.Now());
  EXPECT_EQ(updated->create_time, created->create_time);
  // The same etag again is stale now.
  EXPECT_THAT(this->ops_->Update(update),
              StatusIs(absl::StatusCode::kAborted, kReasonEtagMismatch));
  update.expected_version = 0;
  update.product_group = "NO-SUCH";
  EXPECT_THAT(this->ops_->Update(update),
              StatusIs(absl::StatusCode::kNotFound, kReasonGroupNotFound));
  auto now = this->ops_->Get("PUMP-100");
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->version, 2);
  EXPECT_EQ(now->product_group, "VALVES-BALL");
}

TYPED_TEST(ProductOperationsTest, ARetriedUpdateReturnsTheFirstAnswer) {
  ASSERT_THAT(this->ops_->Create(this->Draft("PUMP-100"), {}), IsOk());
  ProductUpdate update;
  update.sku = "PUMP-100";
  update.name = "Pump 100 renamed";
  update.expected_version = 1;
  const auto key = [](const std::string& fingerprint) {
    return IdempotentRequest::FromCaller("UpdateProduct", "pm.zhou", "rename-1",
                                         fingerprint);
  };
  auto first = this->ops_->Update(update, key("fp"));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->version, 2);
  this->clock_.Advance(absl::Minutes(1));
  // The retry's etag is stale now, yet it gets the first answer.
  auto retry = this->ops_->Update(update, key("fp"));
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->version, 2);
  EXPECT_EQ(retry->update_time, first->update_time);
  // The same key for another change is refused.
  update.name = "Something else";
  EXPECT_THAT(this->ops_->Update(update, key("other")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       storage::kReasonIdempotencyKeyReused));
  auto now = this->ops_->Get("PUMP-100");
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->version, 2);
  EXPECT_EQ(now->name, "Pump 100 renamed");
}

TYPED_TEST(ProductOperationsTest, ListPagesInSkuOrderByLineOrGroup) {
  for (const auto& [sku, group] :
       std::vector<std::pair<std::string, std::string>>{
           {"VALVE-2", "VALVES-BALL"},
           {"pump-2", "PUMPS-CENTRIFUGAL"},
           {"PUMP-1", "PUMPS-SUBMERSIBLE"},
           {"Pump-3", "PUMPS-CENTRIFUGAL"}}) {
    ASSERT_THAT(this->ops_->Create(this->Draft(sku, group), {}), IsOk());
  }
  auto collect = [&](ProductFilter filter) {
    std::vector<std::string> seen;
    std::string token;
    do {
      auto page = ParsePageRequest(2, token, filter.Canonical());
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      auto result = this->ops_->List(filter, *page);
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      for (const Product& p : result->products) seen.push_back(p.sku);
      token = result->next_page_token;
    } while (!token.empty());
    return seen;
  };
  EXPECT_THAT(collect({"PUMPS", ""}),
              ::testing::ElementsAre("PUMP-1", "PUMP-2", "PUMP-3"));
  EXPECT_THAT(collect({"", "PUMPS-CENTRIFUGAL"}),
              ::testing::ElementsAre("PUMP-2", "PUMP-3"));
  EXPECT_THAT(collect({"", ""}),
              ::testing::ElementsAre("PUMP-1", "PUMP-2", "PUMP-3", "VALVE-2"));
  auto groups = this->ops_->ListGroups("pumps", {50, ""});
  ASSERT_THAT(groups, IsOk());
  ASSERT_EQ(groups->groups.size(), 2u);
  EXPECT_EQ(groups->groups[0].group_code, "PUMPS-CENTRIFUGAL");
}

}  // namespace
}  // namespace qudao::pricing
