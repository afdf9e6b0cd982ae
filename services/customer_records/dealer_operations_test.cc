// The dealer operations on SQLite and on a real PostgreSQL, without gRPC:
// the use cases, their transactions and the rules they apply.
#include "services/customer_records/dealer_operations.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/cache/cache.h"
#include "common/metrics/metrics.h"
#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/customer_records/dealer_proto.h"

namespace qudao::customer {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using storage::IdempotentRequest;

template <typename B>
class DealerOperationsTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("customer_records", DealerStore::Migrations());
    if (::testing::Test::HasFatalFailure()) return;
    cache_ = std::make_unique<DealerCache>(nullptr, &registry_, &this->clock_);
    ops_ = std::make_unique<DealerOperations>(this->db_.get(), cache_.get(),
                                              &this->clock_);
  }

  static Dealer Draft(const std::string& name,
                      ChannelLevel level = ChannelLevel::kDistributor,
                      const std::string& parent = "") {
    Dealer d;
    d.legal_name = name;
    d.region = {"Zhejiang", "Hangzhou", "EAST-2"};
    d.channel_level = level;
    d.parent_dealer_id = parent;
    d.status = DealerStatus::kActive;
    d.owner = "rep.wang";
    return d;
  }

  Dealer MustCreate(const Dealer& draft) {
    auto created = ops_->Create(this->manager_, draft, IdempotentRequest{});
    EXPECT_THAT(created, IsOk());
    return created.ok() ? *created : Dealer{};
  }

  static DealerUpdate Change(const Dealer& d, DealerField field,
                             const Dealer& values) {
    DealerUpdate u;
    u.dealer_id = d.id;
    u.expected_version = d.version;
    u.fields = {field};
    u.values = values;
    return u;
  }

  static auth::Principal Person(const std::string& subject, auth::Role role) {
    auth::Principal p;
    p.subject = subject;
    p.roles = {role};
    return p;
  }

  // The sales manager most tests act as; may change any dealer.
  const auth::Principal manager_ =
      Person("manager.zhao", auth::Role::kSalesManager);
  metrics::Registry registry_;
  std::unique_ptr<DealerCache> cache_;
  std::unique_ptr<DealerOperations> ops_;
};

TYPED_TEST_SUITE(DealerOperationsTest, testing::BothBackends);

TYPED_TEST(DealerOperationsTest, CreateAssignsIdentityAndReadsBack) {
  const Dealer created = this->MustCreate(this->Draft("Mingda"));
  EXPECT_THAT(created.id, ::testing::StartsWith("dlr_"));
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.create_time, this->clock_.Now());
  auto got = this->ops_->Get(created.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(DealerToProto(*got).SerializeAsString(),
            DealerToProto(created).SerializeAsString());
  EXPECT_THAT(this->ops_->Get("dlr_00000000000000000000"),
              StatusIs(absl::StatusCode::kNotFound));
}

TYPED_TEST(DealerOperationsTest, CreateChecksTheParentInItsTransaction) {
  auto missing =
      this->ops_->Create(this->manager_,
                         this->Draft("Orphan", ChannelLevel::kRetailer,
                                     "dlr_00000000000000000000"),
                         IdempotentRequest{});
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kInvalidArgument,
                                kReasonInvalidField));
  const Dealer retailer =
      this->MustCreate(this->Draft("Shop", ChannelLevel::kRetailer));
  auto upside_down = this->ops_->Create(
      this->manager_,
      this->Draft("Wholesale", ChannelLevel::kWholesaler, retailer.id),
      IdempotentRequest{});
  EXPECT_THAT(upside_down, StatusIs(absl::StatusCode::kFailedPrecondition,
                                    kReasonInvalidParent));
  EXPECT_EQ(this->CountRows("dealers"), 1);
}

TYPED_TEST(DealerOperationsTest, RepeatedRequestCreatesOnceAndReplaysBytes) {
  const auto request =
      IdempotentRequest::FromCaller("CreateDealer", "rep.wang", "req-1", "fp");
  auto first =
      this->ops_->Create(this->manager_, this->Draft("Mingda"), request);
  ASSERT_THAT(first, IsOk());
  this->clock_.Advance(absl::Minutes(3));
  auto again =
      this->ops_->Create(this->manager_, this->Draft("Mingda"), request);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(DealerCodec().encode(*again), DealerCodec().encode(*first));
  EXPECT_EQ(this->CountRows("dealers"), 1);
  // Another caller's identical key is another request.
  auto other = this->ops_->Create(
      this->manager_, this->Draft("Mingda"),
      IdempotentRequest::FromCaller("CreateDealer", "rep.li", "req-1", "fp"));
  ASSERT_THAT(other, IsOk());
  EXPECT_NE(other->id, first->id);
  // The same key for something else is refused, and nothing is written.
  auto reused =
      this->ops_->Create(this->manager_, this->Draft("Mingda"),
                         IdempotentRequest::FromCaller(
                             "CreateDealer", "rep.wang", "req-1", "other"));
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument,
                               storage::kReasonIdempotencyKeyReused));
  EXPECT_EQ(FieldOf(reused.status()), "request_id");
  EXPECT_EQ(this->CountRows("dealers"), 2);
}

TYPED_TEST(DealerOperationsTest, ConcurrentCallsWithOneKeyCreateOnce) {
  constexpr int kThreads = 8;
  const auto request = IdempotentRequest::FromCaller("CreateDealer", "rep.wang",
                                                     "same-key", "fp");
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto created =
          this->ops_->Create(this->manager_, this->Draft("Mingda"), request);
      ids[t] = created.ok() ? created->id : created.status().ToString();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(this->CountRows("dealers"), 1);
  EXPECT_THAT(ids, ::testing::Each(ids[0]));
  EXPECT_THAT(ids[0], ::testing::StartsWith("dlr_"));
}

TYPED_TEST(DealerOperationsTest, UpdateRefusesAStaleEtagAndChangesNothing) {
  const Dealer d = this->MustCreate(this->Draft("Mingda"));
  Dealer values;
  values.owner = "rep.li";
  ASSERT_THAT(this->ops_->Update(this->manager_,
                                 this->Change(d, DealerField::kOwner, values)),
              IsOk());
  values.owner = "rep.zhao";
  // Still at the version read before the first update.
  EXPECT_THAT(this->ops_->Update(this->manager_,
                                 this->Change(d, DealerField::kOwner, values)),
              StatusIs(absl::StatusCode::kAborted, kReasonEtagMismatch));
  auto now = this->ops_->Get(d.id);
  ASSERT_THAT(now, IsOk());
  EXPECT_EQ(now->owner, "rep.li");
  EXPECT_EQ(now->version, 2);
}

TYPED_TEST(DealerOperationsTest, UpdateFollowsTheLifecycle) {
  const Dealer d = this->MustCreate(this->Draft("Mingda"));
  Dealer values;
  values.status = DealerStatus::kTerminated;
  auto terminated = this->ops_->Update(
      this->manager_, this->Change(d, DealerField::kStatus, values));
  ASSERT_THAT(terminated, IsOk());
  values.status = DealerStatus::kActive;
  EXPECT_THAT(this->ops_->Update(
                  this->manager_,
                  this->Change(*terminated, DealerField::kStatus, values)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       kReasonInvalidStatusTransition));
}

TYPED_TEST(DealerOperationsTest, ASupplierKeepsItsPlaceWhileItHasCustomers) {
  const Dealer distributor = this->MustCreate(this->Draft("Distributor"));
  const Dealer retailer = this->MustCreate(
      this->Draft("Shop", ChannelLevel::kRetailer, distributor.id));
  Dealer values;
  values.status = DealerStatus::kTerminated;
  EXPECT_THAT(this->ops_->Update(
                  this->manager_,
                  this->Change(distributor, DealerField::kStatus, values)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       kReasonHasActiveChildren));
  values.channel_level = ChannelLevel::kRetailer;
  EXPECT_THAT(
      this->ops_->Update(
          this->manager_,
          this->Change(distributor, DealerField::kChannelLevel, values)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               kReasonHasActiveChildren));
  // An unrelated change does not re-check anything about the chain.
  values.owner = "rep.li";
  auto owner_changed = this->ops_->Update(
      this->manager_, this->Change(distributor, DealerField::kOwner, values));
  ASSERT_THAT(owner_changed, IsOk());
  // Once the retailer is gone, the distributor may be terminated.
  ASSERT_THAT(
      this->ops_->Update(this->manager_,
                         this->Change(retailer, DealerField::kStatus, values)),
      IsOk());
  EXPECT_THAT(this->ops_->Update(
                  this->manager_,
                  this->Change(*owner_changed, DealerField::kStatus, values)),
              IsOk());
}

TYPED_TEST(DealerOperationsTest, UpdateInvalidatesTheCachedDealer) {
  const Dealer d = this->MustCreate(this->Draft("Mingda"));
  ASSERT_THAT(this->ops_->Get(d.id), IsOk());  // now cached
  Dealer values;
  values.legal_name = "Mingda Holdings";
  ASSERT_THAT(
      this->ops_->Update(this->manager_,
                         this->Change(d, DealerField::kLegalName, values)),
      IsOk());
  auto got = this->ops_->Get(d.id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->legal_name, "Mingda Holdings");
  EXPECT_EQ(got->version, 2);
}

// A sales_rep creates dealers they own and changes only those, never
// their owner; a sales_manager may change any.
TYPED_TEST(DealerOperationsTest, ARepChangesOnlyTheDealersTheyOwn) {
  const auth::Principal wang = this->Person("rep.wang", auth::Role::kSalesRep);
  const auth::Principal li = this->Person("rep.li", auth::Role::kSalesRep);
  Dealer unowned = this->Draft("Mingda");
  unowned.owner.clear();
  auto mine = this->ops_->Create(wang, unowned, IdempotentRequest{});
  ASSERT_THAT(mine, IsOk());
  EXPECT_EQ(mine->owner, "rep.wang");
  Dealer for_li = this->Draft("Huatai");
  for_li.owner = "rep.li";
  EXPECT_THAT(this->ops_->Create(wang, for_li, IdempotentRequest{}),
              StatusIs(absl::StatusCode::kPermissionDenied));

  Dealer values;
  values.legal_name = "Mingda Trading";
  EXPECT_THAT(this->ops_->Update(
                  li, this->Change(*mine, DealerField::kLegalName, values)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto renamed = this->ops_->Update(
      wang, this->Change(*mine, DealerField::kLegalName, values));
  ASSERT_THAT(renamed, IsOk());
  values.owner = "rep.li";
  EXPECT_THAT(this->ops_->Update(
                  wang, this->Change(*renamed, DealerField::kOwner, values)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto reassigned = this->ops_->Update(
      this->manager_, this->Change(*renamed, DealerField::kOwner, values));
  ASSERT_THAT(reassigned, IsOk());
  EXPECT_EQ(reassigned->owner, "rep.li");
  // Now it is Li's: Wang may no longer change it.
  values.legal_name = "Mingda Again";
  EXPECT_THAT(
      this->ops_->Update(
          wang, this->Change(*reassigned, DealerField::kLegalName, values)),
      StatusIs(absl::StatusCode::kPermissionDenied));
}

}  // namespace
}  // namespace qudao::customer
