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
#include "common/testing/uscc.h"
#include "common/validation/validation.h"
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
    d.unified_social_credit_code = testing::NextUscc();
    return d;
  }

  Dealer MustCreate(const Dealer& draft) {
    // Ids order by creation time: keep creations apart.
    if (created_any_) this->clock_.Advance(absl::Milliseconds(2));
    created_any_ = true;
    auto created = ops_->Create(this->manager_, draft, IdempotentRequest{});
    EXPECT_THAT(created, IsOk());
    return created.ok() ? *created : Dealer{};
  }

  absl::StatusOr<Dealer> Create(const Dealer& draft) {
    return ops_->Create(this->manager_, draft, IdempotentRequest{});
  }

  absl::StatusOr<Dealer> Update(const Dealer& d, DealerField field,
                                const Dealer& values) {
    return ops_->Update(this->manager_, Change(d, field, values));
  }

  // The stored dealer, read past the cache.
  Dealer Stored(const std::string& id) {
    Dealer out;
    absl::Status s = this->db_->RunInTransaction(
        storage::TransactionMode::kReadOnly,
        [&](storage::Transaction& tx) -> absl::Status {
          auto d = DealerStore().Get(tx, id);
          if (!d.ok()) return d.status();
          out = *std::move(d);
          return absl::OkStatus();
        });
    EXPECT_THAT(s, IsOk());
    return out;
  }

  // The ids of every dealer `filter` selects, `page_size` at a time.
  std::vector<std::string> ListIds(const DealerFilter& filter,
                                   int page_size = 1000) {
    std::vector<std::string> ids;
    PageRequest page;
    page.limit = page_size;
    for (int pages = 0; pages < 100; ++pages) {
      auto result = ops_->List(filter, page);
      EXPECT_THAT(result, IsOk());
      if (!result.ok()) break;
      for (const Dealer& d : result->dealers) ids.push_back(d.id);
      if (result->next_page_token.empty()) break;
      auto next = ParsePageRequest(page_size, result->next_page_token,
                                   filter.Canonical());
      EXPECT_THAT(next, IsOk());
      if (!next.ok()) break;
      page = *next;
    }
    return ids;
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
  bool created_any_ = false;
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

TYPED_TEST(DealerOperationsTest, APayerExistsIsActiveAndUpstream) {
  const Dealer dist = this->MustCreate(this->Draft("Distributor"));
  const Dealer other = this->MustCreate(this->Draft("Other"));
  const Dealer whole = this->MustCreate(
      this->Draft("Wholesaler", ChannelLevel::kWholesaler, dist.id));
  Dealer shop = this->Draft("Shop", ChannelLevel::kRetailer, whole.id);

  auto refused = [&](const std::string& payer, const std::string& says) {
    Dealer d = shop;
    d.payer_dealer_id = payer;
    auto created = this->Create(d);
    EXPECT_THAT(created, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  kReasonInvalidPayer))
        << payer;
    EXPECT_THAT(created.status().message(), ::testing::HasSubstr(says));
  };
  refused("dlr_00000000000000000000",
          "dealer dlr_00000000000000000000 does not exist");
  refused(other.id, absl::StrCat(other.id, " is not upstream"));
  Dealer suspend;
  suspend.status = DealerStatus::kSuspended;
  ASSERT_THAT(this->Update(dist, DealerField::kStatus, suspend), IsOk());
  refused(dist.id, absl::StrCat(dist.id, " is suspended"));
  EXPECT_EQ(this->CountRows("dealers"), 3);  // nothing written

  // Billed through its wholesaler: fine; and its own id is "itself".
  shop.payer_dealer_id = whole.id;
  const Dealer created = this->MustCreate(shop);
  EXPECT_EQ(this->Stored(created.id).payer_dealer_id, whole.id);
  Dealer self;
  self.payer_dealer_id = created.id;
  auto pays_itself = this->Update(created, DealerField::kPayer, self);
  ASSERT_THAT(pays_itself, IsOk());
  EXPECT_EQ(this->Stored(created.id).payer_dealer_id, created.id);
}

TYPED_TEST(DealerOperationsTest, APayerLeftBehindByAParentChangeIsRefused) {
  const Dealer dist = this->MustCreate(this->Draft("Distributor"));
  const Dealer dist2 = this->MustCreate(this->Draft("Distributor 2"));
  const Dealer whole = this->MustCreate(
      this->Draft("Wholesaler", ChannelLevel::kWholesaler, dist.id));
  const Dealer whole2 = this->MustCreate(
      this->Draft("Wholesaler 2", ChannelLevel::kWholesaler, dist.id));
  Dealer draft = this->Draft("Shop", ChannelLevel::kRetailer, whole.id);
  draft.payer_dealer_id = whole.id;
  const Dealer shop = this->MustCreate(draft);

  // The shop moves to another wholesaler, its payer staying behind.
  Dealer move;
  move.parent_dealer_id = whole2.id;
  EXPECT_THAT(
      this->Update(shop, DealerField::kParent, move),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonInvalidPayer));
  EXPECT_EQ(this->Stored(shop.id).parent_dealer_id, whole.id);
  EXPECT_EQ(this->Stored(shop.id).version, shop.version);
  // Moving it with a new payer in the same update is fine.
  DealerUpdate both = this->Change(shop, DealerField::kParent, move);
  both.fields.insert(DealerField::kPayer);
  both.values.payer_dealer_id = dist.id;
  auto moved = this->ops_->Update(this->manager_, both);
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->payer_dealer_id, dist.id);

  // Now the shop is billed to the distributor above its wholesaler: the
  // wholesaler may not move to another distributor while it is.
  Dealer up;
  up.parent_dealer_id = dist2.id;
  auto refused = this->Update(whole2, DealerField::kParent, up);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                kReasonInvalidPayer));
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr(shop.id));
  EXPECT_EQ(this->Stored(whole2.id).parent_dealer_id, dist.id);
  // Another wholesaler, whose dealers are billed to themselves, may.
  EXPECT_THAT(this->Update(whole, DealerField::kParent, up), IsOk());
}

TYPED_TEST(DealerOperationsTest, ALoopingChainIsRefusedWithoutHanging) {
  const Dealer dist = this->MustCreate(this->Draft("Distributor"));
  const Dealer a =
      this->MustCreate(this->Draft("A", ChannelLevel::kWholesaler, dist.id));
  const Dealer b =
      this->MustCreate(this->Draft("B", ChannelLevel::kWholesaler, dist.id));
  const Dealer shop =
      this->MustCreate(this->Draft("Shop", ChannelLevel::kRetailer, a.id));
  // Damaged records (no API makes these): A and B buy from each other.
  ASSERT_THAT(this->db_->RunInTransaction(
                  storage::TransactionMode::kReadWrite,
                  [&](storage::Transaction& tx) -> absl::Status {
                    auto s = tx.Execute(
                        "UPDATE dealers SET parent_dealer_id = $1 WHERE "
                        "dealer_id = $2",
                        {b.id, a.id});
                    if (!s.ok()) return s.status();
                    return tx
                        .Execute(
                            "UPDATE dealers SET parent_dealer_id = $1 WHERE "
                            "dealer_id = $2",
                            {a.id, b.id})
                        .status();
                  }),
              IsOk());
  Dealer payer;
  payer.payer_dealer_id = dist.id;
  auto refused = this->Update(shop, DealerField::kPayer, payer);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                kReasonInvalidPayer));
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("loops"));
}

TYPED_TEST(DealerOperationsTest, AnActiveDealerNeedsItsCreditCode) {
  Dealer draft = this->Draft("Mingda");
  draft.unified_social_credit_code.clear();
  EXPECT_THAT(
      this->Create(draft),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonUsccRequired));
  EXPECT_EQ(this->CountRows("dealers"), 0);
  draft.status = DealerStatus::kProspect;
  const Dealer prospect = this->MustCreate(draft);
  Dealer values;
  values.status = DealerStatus::kActive;
  EXPECT_THAT(
      this->Update(prospect, DealerField::kStatus, values),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonUsccRequired));
  EXPECT_EQ(this->Stored(prospect.id).status, DealerStatus::kProspect);
  // Signed with the code in the same update.
  DealerUpdate sign = this->Change(prospect, DealerField::kStatus, values);
  sign.fields.insert(DealerField::kUnifiedSocialCreditCode);
  sign.values.unified_social_credit_code = testing::NextUscc();
  auto active = this->ops_->Update(this->manager_, sign);
  ASSERT_THAT(active, IsOk());
  EXPECT_EQ(active->status, DealerStatus::kActive);
  // It keeps one while active.
  Dealer cleared;
  EXPECT_THAT(
      this->Update(*active, DealerField::kUnifiedSocialCreditCode, cleared),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonUsccRequired));
}

TYPED_TEST(DealerOperationsTest, ACreditCodeBelongsToOneDealer) {
  const Dealer first = this->MustCreate(this->Draft("Mingda"));
  const std::string code = first.unified_social_credit_code;
  Dealer twin = this->Draft("Mingda again");
  twin.unified_social_credit_code = code;
  auto duplicate = this->Create(twin);
  EXPECT_THAT(duplicate, StatusIs(absl::StatusCode::kAlreadyExists,
                                  kReasonDuplicateDealer));
  EXPECT_THAT(duplicate.status().message(), ::testing::HasSubstr(first.id));
  EXPECT_EQ(this->CountRows("dealers"), 1);

  const Dealer second = this->MustCreate(this->Draft("Huatai"));
  Dealer values;
  values.unified_social_credit_code = code;
  auto taken =
      this->Update(second, DealerField::kUnifiedSocialCreditCode, values);
  EXPECT_THAT(taken, StatusIs(absl::StatusCode::kAlreadyExists,
                              kReasonDuplicateDealer));
  EXPECT_THAT(taken.status().message(), ::testing::HasSubstr(first.id));
  EXPECT_EQ(this->Stored(second.id).unified_social_credit_code,
            second.unified_social_credit_code);
  // Re-sending its own code is no duplicate; prospects without one are
  // many.
  values.unified_social_credit_code = second.unified_social_credit_code;
  EXPECT_THAT(
      this->Update(second, DealerField::kUnifiedSocialCreditCode, values),
      IsOk());
  for (int i = 0; i < 2; ++i) {
    Dealer prospect = this->Draft("Prospect");
    prospect.status = DealerStatus::kProspect;
    prospect.unified_social_credit_code.clear();
    this->MustCreate(prospect);
  }
}

TYPED_TEST(DealerOperationsTest, ConcurrentCreatesWithOneCodeCreateOne) {
  constexpr int kThreads = 6;
  const std::string code = testing::NextUscc();
  std::vector<absl::StatusOr<Dealer>> results(kThreads,
                                              absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Dealer d = this->Draft(absl::StrCat("Racer ", t));
      d.unified_social_credit_code = code;
      results[t] = this->ops_->Create(
          this->manager_, d,
          IdempotentRequest::FromCaller("CreateDealer", "manager.zhao",
                                        absl::StrCat("race-", t), "fp"));
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::string> winners;
  for (const auto& r : results) {
    if (r.ok()) winners.push_back(r->id);
  }
  ASSERT_EQ(winners.size(), 1u);
  for (const auto& r : results) {
    if (r.ok()) continue;
    EXPECT_THAT(
        r, StatusIs(absl::StatusCode::kAlreadyExists, kReasonDuplicateDealer));
    EXPECT_THAT(r.status().message(), ::testing::HasSubstr(winners[0]));
  }
  EXPECT_EQ(this->CountRows("dealers"), 1);
}

// On PostgreSQL the losers above fail their serialisable check (the
// code's index was read); a write that loses on the unique index itself is
// turned into a retry too, whose look-up then names the winner.
TYPED_TEST(DealerOperationsTest, AWriteLosingACodeOnTheIndexIsRetried) {
  const Dealer first = this->MustCreate(this->Draft("Mingda"));
  const Dealer second = this->MustCreate(this->Draft("Huatai"));
  Dealer twin = this->Draft("Twin");
  twin.id = NewResourceId(kDealerIdPrefix, this->clock_.Now());
  twin.version = 1;
  twin.unified_social_credit_code = first.unified_social_credit_code;
  Dealer renumbered = second;
  renumbered.unified_social_credit_code = first.unified_social_credit_code;
  renumbered.version = second.version + 1;
  for (int write = 0; write < 2; ++write) {
    absl::Status seen;
    // The body reports what the store said and stops (no retry here).
    absl::Status run = this->db_->RunInTransaction(
        storage::TransactionMode::kReadWrite,
        [&](storage::Transaction& tx) -> absl::Status {
          seen = write == 0
                     ? DealerStore().Insert(tx, twin)
                     : DealerStore().Update(tx, renumbered, second.version);
          return absl::CancelledError("looked");
        });
    EXPECT_THAT(run, StatusIs(absl::StatusCode::kCancelled));
    EXPECT_TRUE(storage::IsRetryableConflict(seen)) << seen;
  }
  EXPECT_EQ(this->CountRows("dealers"), 2);
}

TYPED_TEST(DealerOperationsTest, ListFiltersOnEveryDealerFact) {
  Dealer d = this->Draft("Alpha Distribution");
  d.region.sales_territory = "NORTH-1";
  d.pricing_zone = "ZONE-A";
  d.owner = "rep.li";
  const Dealer alpha = this->MustCreate(d);
  d = this->Draft("beta 100% Trading", ChannelLevel::kWholesaler, alpha.id);
  d.payer_dealer_id = alpha.id;
  d.pricing_zone = "ZONE-A";
  const Dealer beta = this->MustCreate(d);
  d = this->Draft("Gamma_Shop", ChannelLevel::kRetailer, beta.id);
  d.payer_dealer_id = alpha.id;
  d.region.province = "Jiangsu";
  d.status = DealerStatus::kProspect;
  const Dealer gamma = this->MustCreate(d);
  d = this->Draft("GammaXShop \\ back", ChannelLevel::kRetailer, beta.id);
  d.region.sales_territory = "NORTH-1";
  const Dealer gamma_x = this->MustCreate(d);
  // The classification is written by its own job (not built yet).
  ASSERT_THAT(this->db_->RunInTransaction(
                  storage::TransactionMode::kReadWrite,
                  [&](storage::Transaction& tx) -> absl::Status {
                    return tx
                        .Execute(
                            "UPDATE dealers SET abc_class = 1, value_tier = "
                            "'strategic' WHERE dealer_id = $1",
                            {alpha.id})
                        .status();
                  }),
              IsOk());

  using ::testing::ElementsAre;
  using ::testing::IsEmpty;
  DealerFilter f;
  EXPECT_THAT(this->ListIds(f),
              ElementsAre(alpha.id, beta.id, gamma.id, gamma_x.id));
  f.sales_territory = "NORTH-1";
  EXPECT_THAT(this->ListIds(f), ElementsAre(alpha.id, gamma_x.id));
  f = {};
  f.channel_level = ChannelLevel::kRetailer;
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma.id, gamma_x.id));
  f = {};
  f.status = DealerStatus::kProspect;
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma.id));
  f = {};
  f.province = "Jiangsu";
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma.id));
  f = {};
  f.abc_class = AbcClass::kA;
  EXPECT_THAT(this->ListIds(f), ElementsAre(alpha.id));
  f.abc_class = AbcClass::kB;
  EXPECT_THAT(this->ListIds(f), IsEmpty());
  f = {};
  f.owner = "rep.li";
  EXPECT_THAT(this->ListIds(f), ElementsAre(alpha.id));
  f = {};
  f.pricing_zone = "ZONE-A";
  EXPECT_THAT(this->ListIds(f), ElementsAre(alpha.id, beta.id));
  // Billed to alpha: alpha itself (it pays for itself) and those naming it.
  f = {};
  f.payer_dealer_id = alpha.id;
  EXPECT_THAT(this->ListIds(f), ElementsAre(alpha.id, beta.id, gamma.id));
  f.payer_dealer_id = gamma_x.id;
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma_x.id));
  f.payer_dealer_id = beta.id;  // beta is billed to alpha
  EXPECT_THAT(this->ListIds(f), IsEmpty());
  // Names: any case, and wildcards are literal.
  f = {};
  f.name_query = "GAMMA";
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma.id, gamma_x.id));
  f.name_query = "a_s";  // '_' is not "any one character"
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma.id));
  f.name_query = "100%";
  EXPECT_THAT(this->ListIds(f), ElementsAre(beta.id));
  f.name_query = "%";
  EXPECT_THAT(this->ListIds(f), ElementsAre(beta.id));
  f.name_query = "\\";
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma_x.id));
  f.name_query = "delta";
  EXPECT_THAT(this->ListIds(f), IsEmpty());
  // Filters combine.
  f = {};
  f.name_query = "gamma";
  f.sales_territory = "NORTH-1";
  EXPECT_THAT(this->ListIds(f), ElementsAre(gamma_x.id));

  // Every page of a filtered listing, one dealer at a time.
  f = {};
  f.payer_dealer_id = alpha.id;
  EXPECT_THAT(this->ListIds(f, 1), ElementsAre(alpha.id, beta.id, gamma.id));
  f = {};
  f.name_query = "a";
  f.channel_level = ChannelLevel::kRetailer;
  EXPECT_THAT(this->ListIds(f, 1), ElementsAre(gamma.id, gamma_x.id));
  // A token is bound to its filters.
  PageRequest page;
  page.limit = 1;
  auto first = this->ops_->List(f, page);
  ASSERT_THAT(first, IsOk());
  DealerFilter other = f;
  other.name_query = "b";
  EXPECT_THAT(ParsePageRequest(1, first->next_page_token, other.Canonical()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A database of the first schema, with an active dealer recorded before
// codes were asked for, upgrades in place: the new facts read empty, and
// the dealer stays editable (it needs a code only when next activated or
// when its code changes).
TYPED_TEST(DealerOperationsTest, ADatabaseOfTheFirstSchemaUpgradesInPlace) {
  auto dir = testing::TempDir::Create("qudao-upgrade");
  ASSERT_THAT(dir.status(), IsOk());
  auto url = testing::FreshDatabaseUrl(TypeParam::value, dir->path());
  ASSERT_THAT(url.status(), IsOk());
  auto db = storage::OpenDatabase(*url);
  ASSERT_THAT(db.status(), IsOk());
  const auto& all = DealerStore::Migrations();
  ASSERT_GE(all.size(), 2u);
  ASSERT_THAT(storage::ApplyMigrations(**db, "customer_records", {all[0]}),
              IsOk());
  const std::string id = "dlr_00000000000000000001";
  ASSERT_THAT(
      (*db)->RunInTransaction(
          storage::TransactionMode::kReadWrite,
          [&](storage::Transaction& tx) -> absl::Status {
            return tx
                .Execute(
                    "INSERT INTO dealers (dealer_id, legal_name, province, "
                    "city, sales_territory, channel_level, status, owner, "
                    "brands, business_scope, create_time, update_time, "
                    "version) VALUES ($1, 'Old Co', 'Hebei', 'Baoding', '', "
                    "1, 2, 'rep.old', '', '', 0, 0, 1)",
                    {id})
                .status();
          }),
      IsOk());
  ASSERT_THAT(storage::ApplyMigrations(**db, "customer_records", all), IsOk());
  DealerOperations ops(db->get(), nullptr, &this->clock_);
  auto old = ops.Get(id);
  ASSERT_THAT(old, IsOk());
  EXPECT_EQ(old->status, DealerStatus::kActive);
  EXPECT_EQ(old->payer_dealer_id, "");
  EXPECT_EQ(old->pricing_zone, "");
  EXPECT_EQ(old->unified_social_credit_code, "");
  EXPECT_EQ(old->abc_class, AbcClass::kUnclassified);
  EXPECT_EQ(old->value_tier, "");
  Dealer values;
  values.owner = "rep.new";
  auto reassigned = ops.Update(this->manager_,
                               this->Change(*old, DealerField::kOwner, values));
  ASSERT_THAT(reassigned, IsOk());
  values.status = DealerStatus::kSuspended;
  auto suspended = ops.Update(
      this->manager_, this->Change(*reassigned, DealerField::kStatus, values));
  ASSERT_THAT(suspended, IsOk());
  values.status = DealerStatus::kActive;
  EXPECT_THAT(
      ops.Update(this->manager_,
                 this->Change(*suspended, DealerField::kStatus, values)),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonUsccRequired));
}

TYPED_TEST(DealerOperationsTest, FilterValuesCannotPassForOtherFilters) {
  DealerFilter a;
  a.province = "x;owner=y";
  DealerFilter b;
  b.province = "x";
  b.owner = "y";
  EXPECT_NE(a.Canonical(), b.Canonical());
  // Tokens of the filters that existed before stay valid.
  DealerFilter old;
  old.status = DealerStatus::kActive;
  old.province = "Hunan";
  EXPECT_EQ(old.Canonical(), "status=2;province=Hunan");
}

}  // namespace
}  // namespace qudao::customer
